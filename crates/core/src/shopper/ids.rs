//! Shop item ids to model indices, built once per model.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::model::Model;

/// FxHash (rustc's hasher): item ids come from the shop's own model, so
/// SipHash's flooding resistance buys nothing and costs load time.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The model's item ids, borrowed from the model's bytes.
pub struct IdIndex<'m>(HashMap<&'m str, u32, BuildHasherDefault<Fx>>);

impl<'m> IdIndex<'m> {
    /// Indexes every item of `model`.
    pub fn new(model: &Model<'m>) -> Self {
        let mut map = HashMap::with_capacity_and_hasher(model.len(), Default::default());
        for i in 0..model.len() as u32 {
            map.insert(model.item_id(i), i);
        }
        Self(map)
    }

    /// The index of the shop's item `id`.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.0.get(id).copied()
    }
}
