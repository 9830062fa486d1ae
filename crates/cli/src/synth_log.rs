//! A synthetic shop log shaped like the Instacart sample, at any multiple of
//! its size: for the counter's memory bound and the training time's growth
//! (`examples/scale.rs`), never for accuracy.
//!
//! At scale 1 it has the sample's 14,590 sessions over 13,880 items and
//! about 10 events per session (geometric lengths, a long tail as in the
//! sample). Popularity is Zipf-like. Each session keeps to one "aisle" of 100
//! items for 70 % of its picks, and the rest come from the whole shop. The
//! shop grows with the log: at scale k there are k times the sessions, items
//! and aisles, so distinct pairs grow with the log, as they do in real shops.

use crate::sessions::{Dataset, Session};
use std::collections::HashMap;
use xsell_core::privacy::exact::{uniform_below, SplitMix64};
use xsell_core::EventKind;

/// Sessions of the sample.
pub const SAMPLE_SESSIONS: usize = 14_590;
/// Items of the sample.
pub const SAMPLE_ITEMS: usize = 13_880;
const AISLE: usize = 100;

/// Draws from a fixed discrete distribution by binary search over its
/// cumulative weights.
struct Cumulative(Vec<f64>);

impl Cumulative {
    /// Zipf-like weights `1 / (rank + 1)^s` over `n` outcomes.
    fn zipf(n: usize, s: f64) -> Self {
        let mut acc = 0.0;
        Cumulative(
            (0..n)
                .map(|r| {
                    acc += 1.0 / ((r + 1) as f64).powf(s);
                    acc
                })
                .collect(),
        )
    }

    fn draw(&self, rng: &mut SplitMix64) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let u = unit(rng) * total;
        self.0.partition_point(|&c| c <= u).min(self.0.len() - 1)
    }
}

/// A uniform draw in [0, 1) from the top 53 bits.
fn unit(rng: &mut SplitMix64) -> f64 {
    (uniform_below(rng, 1 << 53) as f64) / (1u64 << 53) as f64
}

/// The synthetic log at `scale` times the sample (deterministic per
/// `scale` and `seed`), as training data.
pub fn shop_log(scale: f64, seed: u64) -> Dataset {
    let n_items = ((SAMPLE_ITEMS as f64 * scale).round() as usize).max(AISLE);
    let n_sessions = (SAMPLE_SESSIONS as f64 * scale).round() as usize;
    let n_aisles = n_items / AISLE;
    let mut rng = SplitMix64(seed ^ 0x5ca1e);
    let popular = Cumulative::zipf(n_items, 0.9);
    let aisles = Cumulative::zipf(n_aisles, 0.7);
    let within = Cumulative::zipf(AISLE, 0.8);
    // Item ranks are spread over the aisles so that popular items are not
    // all in aisle 0.
    let item_of_rank = |r: usize| (r * 7_919) % n_items;
    let mut index: HashMap<String, u32> = HashMap::new();
    let item_ids: Vec<String> = (0..n_items).map(|k| format!("p{k}")).collect();
    for (k, id) in item_ids.iter().enumerate() {
        index.insert(id.clone(), k as u32);
    }
    let sessions = (0..n_sessions)
        .map(|s| {
            // Geometric lengths with mean 10, capped like a real basket.
            let len = (1.0 - 9.5 * (1.0 - unit(&mut rng)).ln()).min(80.0) as usize;
            let aisle = aisles.draw(&mut rng);
            let items: Vec<u32> = (0..len)
                .map(|_| {
                    let r = if uniform_below(&mut rng, 10) < 7 {
                        aisle * AISLE + within.draw(&mut rng)
                    } else {
                        popular.draw(&mut rng)
                    };
                    item_of_rank(r) as u32
                })
                .collect();
            let start = s as i64 * 600;
            Session {
                id: format!("s{s}"),
                kinds: vec![EventKind::AddToCart; items.len()],
                start,
                end: start + items.len() as i64,
                user: None,
                items,
            }
        })
        .collect();
    Dataset {
        item_ids,
        index,
        sessions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_shaped_like_the_sample_and_grows_with_scale() {
        let one = shop_log(1.0, 1);
        assert_eq!(one.sessions.len(), SAMPLE_SESSIONS);
        assert_eq!(one.n_items(), SAMPLE_ITEMS);
        let per_session = one.n_events() as f64 / one.sessions.len() as f64;
        assert!((9.0..11.5).contains(&per_session), "{per_session}");
        let two = shop_log(2.0, 1);
        assert_eq!(two.sessions.len(), 2 * SAMPLE_SESSIONS);
        assert_eq!(two.n_items(), 2 * SAMPLE_ITEMS);
        // Deterministic.
        assert_eq!(shop_log(1.0, 1).sessions, one.sessions);
        // Zipf-like: the most popular item is in far more sessions than the median.
        let mut counts = vec![0u32; one.n_items()];
        for s in &one.sessions {
            for &i in &s.items {
                counts[i as usize] += 1;
            }
        }
        counts.sort_unstable();
        assert!(counts[counts.len() - 1] > 20 * counts[counts.len() / 2].max(1));
    }
}
