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
        let mut build = IdIndexBuild::new(model);
        while !build.step(model, usize::MAX) {}
        build.finish()
    }

    /// The index of the shop's item `id`.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.0.get(id).copied()
    }
}

/// An [`IdIndex`] built a slice at a time, so that a page can be given a
/// turn between slices (a 100k-item catalogue takes a while on a phone).
pub struct IdIndexBuild<'m> {
    map: HashMap<&'m str, u32, BuildHasherDefault<Fx>>,
    next: u32,
}

impl<'m> IdIndexBuild<'m> {
    /// An empty index with room for every item of `model`.
    pub fn new(model: &Model<'m>) -> Self {
        Self {
            map: HashMap::with_capacity_and_hasher(model.len(), Default::default()),
            next: 0,
        }
    }

    /// Indexes up to `items` more items of `model` (the model given to
    /// [`IdIndexBuild::new`]); true once every item is in.
    pub fn step(&mut self, model: &Model<'m>, items: usize) -> bool {
        let n = model.len() as u32;
        let end = n.min(
            self.next
                .saturating_add(u32::try_from(items).unwrap_or(u32::MAX)),
        );
        for i in self.next..end {
            self.map.insert(model.item_id(i), i);
        }
        self.next = end;
        end == n
    }

    /// The index (of the items stepped through so far).
    pub fn finish(self) -> IdIndex<'m> {
        IdIndex(self.map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_built_in_slices_is_the_index_built_at_once() {
        let bytes = crate::synth::synthetic_model(1_001);
        let model = Model::parse(&bytes).unwrap();
        let whole = IdIndex::new(&model);
        let mut build = IdIndexBuild::new(&model);
        let mut slices = 1;
        while !build.step(&model, 100) {
            slices += 1;
        }
        assert_eq!(slices, 11);
        let sliced = build.finish();
        for i in 0..model.len() as u32 {
            assert_eq!(sliced.get(model.item_id(i)), Some(i));
            assert_eq!(whole.get(model.item_id(i)), Some(i));
        }
        assert_eq!(sliced.get("no such item"), None);
    }
}
