//! Synthetic models for benchmarks and load tests: Zipf-like popularity,
//! 20–120 links per item skewed towards popular items, 130 categories, no
//! vectors, titles `Product i`. Sized like the Instacart sample (14k) or a
//! large shop (100k). Not for evaluation: the links are random.

use crate::privacy::exact::{uniform_below, SplitMix64};
use crate::{CategoryRecord, ItemRecord, ModelBuilder, Neighbour, ScoringParams};

/// The one test RNG, with the bounded draws the generator needs.
struct Rng(SplitMix64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        uniform_below(&mut self.0, n)
    }
}

/// A synthetic model of `n` items (deterministic for a given `n`).
#[allow(clippy::field_reassign_with_default)]
pub fn synthetic_model(n: usize) -> Vec<u8> {
    let mut rng = Rng(SplitMix64(n as u64));
    let mut b = ModelBuilder::default();
    b.categories = (0..130)
        .map(|c| CategoryRecord {
            name: format!("aisle {c}"),
            parent: None,
        })
        .collect();
    b.items = (0..n)
        .map(|i| ItemRecord {
            id: format!("{i}"),
            title: format!("Product {i}"),
            category: Some((i % 130) as u16),
            in_stock: true,
            popularity: (10_000 / (i + 1)) as u32,
            ..Default::default()
        })
        .collect();
    b.neighbours = (0..n)
        .map(|_| {
            let k = 20 + rng.below(100) as usize;
            (0..k)
                .map(|_| {
                    // Links skew towards popular items.
                    let t = (rng.below(n as u64) * rng.below(n as u64) / n as u64) as u32;
                    Neighbour {
                        target: t,
                        co: 1.0 + rng.below(100) as f32,
                        seq: rng.below(50) as f32,
                    }
                })
                .collect()
        })
        .collect();
    b.params = ScoringParams {
        support_exponent: 1.0,
        ..ScoringParams::default()
    };
    b.build().expect("the synthetic model is valid")
}
