//! Accuracy and beyond-accuracy metrics over top-K lists.

use std::collections::HashSet;

/// Final metrics of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Number of predictions.
    pub predictions: usize,
    /// Hit rate at 10.
    pub hr10: f64,
    /// Hit rate at 20.
    pub hr20: f64,
    /// Mean reciprocal rank at 10.
    pub mrr10: f64,
    /// Mean reciprocal rank at 20.
    pub mrr20: f64,
    /// NDCG at 10 (one relevant item).
    pub ndcg10: f64,
    /// NDCG at 20.
    pub ndcg20: f64,
    /// Share of training items that appear in any top-20 list.
    pub coverage20: f64,
    /// Mean popularity of recommended items, relative to the most popular.
    pub popularity20: f64,
    /// Intra-list diversity: share of item pairs in a top-20 list from different categories.
    pub ild20: f64,
    /// Distinct categories per top-20 list, divided by the list length.
    pub category_coverage20: f64,
}

/// Accumulates metrics one prediction at a time.
#[derive(Debug, Clone)]
pub struct MetricsAcc {
    n_items: usize,
    n: usize,
    sums: [f64; 6],
    pop_sum: f64,
    ild_sum: f64,
    ild_n: usize,
    catcov_sum: f64,
    seen: HashSet<u32>,
}

impl MetricsAcc {
    /// New accumulator for a catalogue of `n_items`.
    pub fn new(n_items: usize) -> Self {
        Self {
            n_items,
            n: 0,
            sums: [0.0; 6],
            pop_sum: 0.0,
            ild_sum: 0.0,
            ild_n: 0,
            catcov_sum: 0.0,
            seen: HashSet::new(),
        }
    }

    /// Adds one ranked list and its true next item.
    pub fn add(
        &mut self,
        list: &[(u32, f32)],
        target: u32,
        popularity: &[u32],
        category: Option<&[Option<u16>]>,
    ) {
        self.n += 1;
        if let Some(r) = list.iter().position(|x| x.0 == target) {
            let rank = (r + 1) as f64;
            let (rr, dcg) = (1.0 / rank, 1.0 / (rank + 1.0).log2());
            if r < 10 {
                self.sums[0] += 1.0;
                self.sums[2] += rr;
                self.sums[4] += dcg;
            }
            if r < 20 {
                self.sums[1] += 1.0;
                self.sums[3] += rr;
                self.sums[5] += dcg;
            }
        }
        let top = &list[..list.len().min(20)];
        let max_pop = popularity.iter().copied().max().unwrap_or(1).max(1) as f64;
        if !top.is_empty() {
            self.pop_sum += top
                .iter()
                .map(|x| popularity[x.0 as usize] as f64 / max_pop)
                .sum::<f64>()
                / top.len() as f64;
        }
        self.seen.extend(top.iter().map(|x| x.0));
        if let Some(cat) = category {
            if top.len() >= 2 {
                let mut diff = 0usize;
                let mut pairs = 0usize;
                for a in 0..top.len() {
                    for b in a + 1..top.len() {
                        pairs += 1;
                        let (ca, cb) = (cat[top[a].0 as usize], cat[top[b].0 as usize]);
                        if ca.is_none() || ca != cb {
                            diff += 1;
                        }
                    }
                }
                self.ild_sum += diff as f64 / pairs as f64;
                self.ild_n += 1;
                let distinct: HashSet<Option<u16>> =
                    top.iter().map(|x| cat[x.0 as usize]).collect();
                self.catcov_sum += distinct.len() as f64 / top.len() as f64;
            }
        }
    }

    /// The averages.
    pub fn finish(&self) -> Metrics {
        let n = self.n.max(1) as f64;
        let ild_n = self.ild_n.max(1) as f64;
        Metrics {
            predictions: self.n,
            hr10: self.sums[0] / n,
            hr20: self.sums[1] / n,
            mrr10: self.sums[2] / n,
            mrr20: self.sums[3] / n,
            ndcg10: self.sums[4] / n,
            ndcg20: self.sums[5] / n,
            coverage20: self.seen.len() as f64 / self.n_items.max(1) as f64,
            popularity20: self.pop_sum / n,
            ild20: self.ild_sum / ild_n,
            category_coverage20: self.catcov_sum / ild_n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn hand_computed_metrics() {
        let pop = vec![10, 5, 1, 1];
        let mut m = MetricsAcc::new(4);
        m.add(&[(1, 0.9), (0, 0.5)], 0, &pop, None); // hit at rank 2
        m.add(&[(2, 0.9)], 3, &pop, None); // miss
        let r = m.finish();
        assert_eq!(r.predictions, 2);
        assert_relative_eq!(r.hr20, 0.5);
        assert_relative_eq!(r.mrr20, 0.25);
        assert_relative_eq!(r.ndcg20, 0.5 / 3f64.log2());
        assert_relative_eq!(r.coverage20, 0.75);
        assert_relative_eq!(r.popularity20, ((0.5 + 1.0) / 2.0 + 0.1) / 2.0);
    }

    #[test]
    fn diversity_counts_cross_category_pairs() {
        let pop = vec![1; 3];
        let cat = vec![Some(0), Some(0), Some(1)];
        let mut m = MetricsAcc::new(3);
        m.add(&[(0, 1.0), (1, 0.5), (2, 0.1)], 9, &pop, Some(&cat));
        let r = m.finish();
        assert_relative_eq!(r.ild20, 2.0 / 3.0);
        assert_relative_eq!(r.category_coverage20, 2.0 / 3.0);
    }
}
