//! Rule tables scored from the last item only: SR (sequential rules) and
//! IKNN (item-kNN). Neither filters the items already in the session.

use super::{by_popularity, fill, top_k, Predictor, Worker};
use crate::sessions::Session;
use std::collections::HashMap;

/// A sparse rule table scored from the last item only.
pub struct Rules {
    name: &'static str,
    rules: Vec<Vec<(u32, f32)>>,
    popular: Vec<u32>,
}

fn prune(map: HashMap<u32, f32>, keep: usize) -> Vec<(u32, f32)> {
    top_k(map.into_iter(), keep)
}

impl Rules {
    /// Sequential rules: `i` then `j` within 10 steps counts 1/gap (pruning 20).
    pub fn fit_sr(n_items: usize, sessions: &[Session]) -> Self {
        let mut m: Vec<HashMap<u32, f32>> = vec![HashMap::new(); n_items];
        for s in sessions {
            for (p, &j) in s.items.iter().enumerate() {
                for gap in 1..=10.min(p) {
                    let i = s.items[p - gap];
                    *m[i as usize].entry(j).or_insert(0.0) += 1.0 / gap as f32;
                }
            }
        }
        Self {
            name: "SR",
            rules: m.into_iter().map(|r| prune(r, 20)).collect(),
            popular: by_popularity(n_items, sessions).1,
        }
    }

    /// Item-kNN: cosine-like similarity of item session vectors with
    /// regularisation λ = 20, α = 0.5, 100 neighbours.
    pub fn fit_iknn(n_items: usize, sessions: &[Session]) -> Self {
        let (count, popular) = by_popularity(n_items, sessions);
        let mut m: Vec<HashMap<u32, f32>> = vec![HashMap::new(); n_items];
        for s in sessions {
            let uniq: Vec<u32> = {
                let mut u: Vec<u32> = s.items.clone();
                u.sort_unstable();
                u.dedup();
                u
            };
            for &i in &uniq {
                for &j in &uniq {
                    if i != j {
                        *m[i as usize].entry(j).or_insert(0.0) += 1.0;
                    }
                }
            }
        }
        let (lambda, alpha) = (20.0f32, 0.5f32);
        let rules = m
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let ci = count[i] as f32 + lambda;
                let sims = r.into_iter().map(|(j, c)| {
                    (
                        j,
                        c / (ci.powf(alpha)
                            * (count[j as usize] as f32 + lambda).powf(1.0 - alpha)),
                    )
                });
                top_k(sims, 100)
            })
            .collect();
        Self {
            name: "IKNN",
            rules,
            popular,
        }
    }
}

impl Predictor for Rules {
    fn name(&self) -> String {
        self.name.into()
    }
    fn worker(&self) -> Worker<'_> {
        Box::new(move |q, k| {
            let last = *q.prefix.last().expect("non-empty prefix");
            let list = self.rules[last as usize].iter().take(k).copied().collect();
            fill(list, &self.popular, k, |_| true)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{rank, s};
    use super::*;

    #[test]
    fn sr_follows_order() {
        let train = vec![s("a", &[0, 1], 1), s("b", &[0, 1], 2), s("c", &[2, 0], 3)];
        let sr = Rules::fit_sr(3, &train);
        let r = rank(&sr, &[0], 3);
        assert_eq!(r[0].0, 1);
        assert!(
            r.iter().find(|x| x.0 == 2).is_none_or(|x| x.1 == 0.0),
            "2 never follows 0"
        );
    }
}
