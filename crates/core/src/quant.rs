//! Small encodings shared by the writer and the reader: LEB128 varints and
//! the logarithmic 8-bit weight quantizer.
//!
//! Weights are stored per neighbour row as `scale * 2^(-(255 - q) / STEPS)`
//! with `q` in `1..=255` (`q = 0` means "no weight"). Ranking is about ratios,
//! so a logarithmic code keeps the relative error constant (about 2.9 % per
//! step) over a range of 1 : 1,600 below the row's largest weight; smaller
//! weights round to zero, which is also where sparsification would cut them.

/// Quantization steps per halving of the weight.
pub const STEPS: f32 = 24.0;

/// Encodes `w` relative to the row maximum `scale` (both non-negative).
pub fn quantize(w: f32, scale: f32) -> u8 {
    if w.is_nan() || scale.is_nan() || w <= 0.0 || scale <= 0.0 {
        return 0;
    }
    let q = 255.0 + STEPS * (w / scale).log2();
    if q < 0.5 {
        0
    } else {
        q.round().min(255.0) as u8
    }
}

/// Decodes a quantized weight.
#[inline]
pub fn dequantize(q: u8, scale: f32) -> f32 {
    if q == 0 {
        0.0
    } else {
        scale * DEQ_TABLE[q as usize]
    }
}

/// `2^(-(255 - q) / STEPS)` for every `q`, computed at compile time would need
/// const float math; a lazily built table is cheap and exact enough.
static DEQ_TABLE: std::sync::LazyLock<[f32; 256]> = std::sync::LazyLock::new(|| {
    let mut t = [0.0f32; 256];
    for (q, v) in t.iter_mut().enumerate().skip(1) {
        *v = (-(255.0 - q as f32) / STEPS).exp2();
    }
    t
});

/// Appends `v` as an unsigned LEB128 varint.
pub fn write_varint(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Reads an unsigned LEB128 varint at `*pos`, advancing it. `None` on
/// truncation or a value that does not fit in 32 bits.
#[inline]
pub fn read_varint(buf: &[u8], pos: &mut usize) -> Option<u32> {
    let mut v: u32 = 0;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        if shift == 28 && b > 0x0f {
            return None;
        }
        v |= u32::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn varint_round_trip(v: u32) {
            let mut buf = Vec::new();
            write_varint(&mut buf, v);
            let mut pos = 0;
            prop_assert_eq!(read_varint(&buf, &mut pos), Some(v));
            prop_assert_eq!(pos, buf.len());
        }

        #[test]
        fn quantization_error_is_bounded(ratio in 0.001f32..=1.0, scale in 0.001f32..1000.0) {
            let w = ratio * scale;
            let q = quantize(w, scale);
            prop_assert!(q > 0);
            let back = dequantize(q, scale);
            // half a step of 2^(1/24) either way
            let rel = (back / w).log2().abs();
            prop_assert!(rel <= 0.5 / STEPS + 1e-4, "w={w} back={back}");
        }
    }

    #[test]
    fn tiny_weights_round_to_zero_and_max_is_255() {
        assert_eq!(quantize(1.0, 1.0), 255);
        assert_eq!(quantize(1e-6, 1.0), 0);
        assert_eq!(quantize(0.0, 1.0), 0);
        assert_eq!(quantize(f32::NAN, 1.0), 0);
        assert_eq!(dequantize(0, 5.0), 0.0);
    }

    #[test]
    fn overlong_varint_is_rejected() {
        let mut pos = 0;
        assert_eq!(read_varint(&[0xff, 0xff, 0xff, 0xff, 0x1f], &mut pos), None);
        let mut pos = 0;
        assert_eq!(read_varint(&[0x80, 0x80], &mut pos), None);
    }
}
