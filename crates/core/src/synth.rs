//! Synthetic models for benchmarks and load tests: Zipf-like popularity,
//! 20–120 links per item skewed towards popular items, 130 categories, no
//! vectors, titles `Product i`. Sized like the Instacart sample (14k) or a
//! large shop (100k). Not for evaluation: the links are random.

use crate::privacy::exact::{uniform_below, SplitMix64};
use crate::rank::{Forest, Node, Tree, N_FEATURES};
use crate::{CategoryRecord, ItemRecord, ModelBuilder, Neighbour, ScoringParams};

/// The one test RNG, with the bounded draws the generator needs.
struct Rng(SplitMix64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        uniform_below(&mut self.0, n)
    }
}

/// A synthetic model of `n` items (deterministic for a given `n`).
pub fn synthetic_model(n: usize) -> Vec<u8> {
    synthetic_builder(n)
        .build()
        .expect("the synthetic model is valid")
}

/// [`synthetic_model`] with a ranking layer of `trees` random trees of 31
/// leaves (the trainer's default shape), for benchmarks and the
/// wasm-versus-native test. The trees read every feature; their splits are
/// random, so the order is not meant to be good.
pub fn synthetic_ranked_model(n: usize, trees: usize) -> Vec<u8> {
    let mut b = synthetic_builder(n);
    b.ranker = Some(synthetic_forest(trees, 31, n as u64));
    b.build().expect("the synthetic model is valid")
}

/// A forest of `trees` random trees with `leaves` leaves each, grown by
/// splitting a random leaf (the shape leaf-wise boosting gives), with
/// thresholds inside each feature's usual range.
pub fn synthetic_forest(trees: usize, leaves: usize, seed: u64) -> Forest {
    let mut rng = Rng(SplitMix64(seed ^ 0x5eed));
    let trees = (0..trees)
        .map(|_| {
            let mut nodes = vec![Node::Leaf(0.0)];
            let mut open = vec![0usize];
            while open.len() < leaves.max(1) {
                let k = open.swap_remove(rng.below(open.len() as u64) as usize);
                let feature = rng.below(N_FEATURES as u64) as u8;
                // Features range over about 0..100 (ranks, counts) or 0..1.
                let scale = if matches!(feature, 1 | 4 | 6 | 11 | 15) {
                    100.0
                } else {
                    1.0
                };
                let threshold = rng.below(1000) as f32 / 1000.0 * scale;
                let left = nodes.len();
                nodes.push(Node::Leaf(0.0));
                nodes.push(Node::Leaf(0.0));
                nodes[k] = Node::Split {
                    feature,
                    threshold,
                    left: left as u16,
                    right: (left + 1) as u16,
                };
                open.extend([left, left + 1]);
            }
            for k in open {
                nodes[k] = Node::Leaf((rng.below(2001) as f32 - 1000.0) / 10_000.0);
            }
            Tree { nodes }
        })
        .collect();
    Forest::over_current_features(trees)
}

#[allow(clippy::field_reassign_with_default)]
fn synthetic_builder(n: usize) -> ModelBuilder {
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
    b
}
