//! Exact Bernoulli samplers with no floating point anywhere in the
//! randomness, so the output distribution is exactly the one analysed (no
//! float-rounding side channel of the kind Mironov, CCS 2012, exploited).
//!
//! Probabilities are rationals; `exp(−γ)` for rational `γ` follows Canonne,
//! Kamath & Steinke, "The Discrete Gaussian for Differential Privacy"
//! (NeurIPS 2020), Algorithm 1. The randomness comes from [`RandomBits`]:
//! the OS / `crypto.getRandomValues` in production, a seeded generator in
//! tests.

/// A source of uniformly random 64-bit words.
pub trait RandomBits {
    /// The next uniform word.
    fn next_u64(&mut self) -> u64;

    /// A uniform float in `[0, 1)` from the top 24 bits: for tests,
    /// benchmarks and simulations. The privacy noise never uses floats.
    fn unit_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// SplitMix64: deterministic and fast, for tests and simulations only —
/// never for real reports.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl RandomBits for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Uniform integer in `0..n` (`n > 0`), by rejection: exactly uniform.
pub fn uniform_below(rng: &mut impl RandomBits, n: u64) -> u64 {
    assert!(n > 0, "empty range");
    let zone = u64::MAX - (u64::MAX % n + 1) % n; // largest multiple of n, minus one
    loop {
        let x = rng.next_u64();
        if x <= zone {
            return x % n;
        }
    }
}

/// Bernoulli(num / den), exactly; `num <= den`, `den > 0`.
pub fn bernoulli_ratio(rng: &mut impl RandomBits, num: u64, den: u64) -> bool {
    assert!(
        den > 0 && num <= den,
        "probability {num}/{den} out of range"
    );
    uniform_below(rng, den) < num
}

/// Bernoulli(exp(−num/den)), exactly, for `num/den >= 0`.
pub fn bernoulli_exp_neg(rng: &mut impl RandomBits, num: u64, den: u64) -> bool {
    assert!(den > 0);
    // exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋))
    for _ in 0..num / den {
        if !bernoulli_exp_neg_le1(rng, 1, 1) {
            return false;
        }
    }
    bernoulli_exp_neg_le1(rng, num % den, den)
}

/// Bernoulli(exp(−γ)) for γ = num/den ∈ [0, 1] (CKS 2020, Algorithm 1).
fn bernoulli_exp_neg_le1(rng: &mut impl RandomBits, num: u64, den: u64) -> bool {
    let mut k: u64 = 1;
    loop {
        // A ~ Bernoulli(γ / k)
        if !bernoulli_ratio(rng, num, den.saturating_mul(k)) {
            return k % 2 == 1;
        }
        k += 1;
    }
}

/// Bernoulli(e^ε / (1 + e^ε)) with ε = num/den: the "tell the truth"
/// probability of binary randomized response.
///
/// Rejection: a fair coin returns `true` on heads; on tails,
/// Bernoulli(e^−ε) returns `false`, otherwise retry. So
/// P(true) : P(false) = 1/2 : e^−ε/2, i.e. P(true) = 1 / (1 + e^−ε).
pub fn bernoulli_logistic(rng: &mut impl RandomBits, num: u64, den: u64) -> bool {
    loop {
        if rng.next_u64() & 1 == 1 {
            return true;
        }
        if bernoulli_exp_neg(rng, num, den) {
            return false;
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::*;

    /// Two-sided z test of a Bernoulli frequency at a tiny alpha (|z| < 5.3 ~ 1e-7).
    fn assert_rate(hits: u64, n: u64, p: f64) {
        let mean = n as f64 * p;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        let z = (hits as f64 - mean) / sd;
        assert!(
            z.abs() < 5.3,
            "rate {} vs p {p}: z = {z}",
            hits as f64 / n as f64
        );
    }

    #[test]
    fn uniform_below_is_uniform_chi_square() {
        let mut r = SplitMix64(1);
        let n = 7u64;
        let trials = 700_000;
        let mut c = [0u64; 7];
        for _ in 0..trials {
            c[uniform_below(&mut r, n) as usize] += 1;
        }
        let e = trials as f64 / n as f64;
        let chi2: f64 = c.iter().map(|&x| (x as f64 - e).powi(2) / e).sum();
        // chi-square with 6 df: P(> 40) ≈ 5e-7
        assert!(chi2 < 40.0, "chi2 = {chi2}, counts {c:?}");
    }

    #[test]
    fn samplers_hit_their_exact_probabilities() {
        let mut r = SplitMix64(42);
        let n = 400_000u64;
        let count = |f: &mut dyn FnMut() -> bool| (0..n).filter(|_| f()).count() as u64;
        assert_rate(count(&mut || bernoulli_ratio(&mut r, 3, 10)), n, 0.3);
        let mut r = SplitMix64(43);
        assert_rate(
            count(&mut || bernoulli_exp_neg(&mut r, 1, 2)),
            n,
            (-0.5f64).exp(),
        );
        let mut r = SplitMix64(44);
        assert_rate(
            count(&mut || bernoulli_exp_neg(&mut r, 5, 2)),
            n,
            (-2.5f64).exp(),
        );
        let mut r = SplitMix64(45);
        assert_rate(
            count(&mut || bernoulli_exp_neg(&mut r, 0, 1)),
            n,
            1.0 - 1e-12,
        );
        let mut r = SplitMix64(46);
        let eps = 1.0f64;
        assert_rate(
            count(&mut || bernoulli_logistic(&mut r, 1, 1)),
            n,
            eps.exp() / (1.0 + eps.exp()),
        );
        let mut r = SplitMix64(47);
        assert_rate(
            count(&mut || bernoulli_logistic(&mut r, 1, 4)),
            n,
            0.25f64.exp() / (1.0 + 0.25f64.exp()),
        );
    }
}
