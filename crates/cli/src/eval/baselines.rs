//! The published session-based baselines, re-implemented after the
//! session-rec framework's code with the parameters the literature uses:
//! POP, AR and SR (Ludewig & Jannach 2018), item-kNN (Hidasi et al. 2016's
//! IKNN) and V-SKNN (Ludewig & Jannach 2018) with in-basket items excluded.

use super::{Predictor, Ranked, Worker};
use crate::sessions::Session;
use std::collections::{HashMap, HashSet};

fn top_k(scores: impl Iterator<Item = (u32, f32)>, k: usize) -> Ranked {
    let mut v: Vec<(u32, f32)> = scores.filter(|x| x.1 > 0.0).collect();
    v.sort_by(|a, b| xsell_core::rank_order((a.1, a.0), (b.1, b.0)));
    v.truncate(k);
    v
}

/// Fills a list up to `k` with the most popular items not yet in it (the
/// framework scores unranked items 0, so popular-by-index order fills ties;
/// using popularity is the kinder, deterministic choice).
fn fill(mut list: Ranked, popular: &[u32], k: usize) -> Ranked {
    let have: HashSet<u32> = list.iter().map(|x| x.0).collect();
    for &i in popular {
        if list.len() >= k {
            break;
        }
        if !have.contains(&i) {
            list.push((i, 0.0));
        }
    }
    list
}

fn by_popularity(n_items: usize, sessions: &[Session]) -> (Vec<u32>, Vec<u32>) {
    let mut count = vec![0u32; n_items];
    for s in sessions {
        let uniq: HashSet<u32> = s.items.iter().copied().collect();
        for i in uniq {
            count[i as usize] += 1;
        }
    }
    let mut order: Vec<u32> = (0..n_items as u32).collect();
    order.sort_by(|&a, &b| count[b as usize].cmp(&count[a as usize]).then(a.cmp(&b)));
    order.truncate(200);
    (count, order)
}

/// Most popular items (by sessions).
pub struct Pop {
    order: Vec<u32>,
    count: Vec<u32>,
}

impl Pop {
    /// Fits on training sessions.
    pub fn fit(n_items: usize, sessions: &[Session]) -> Self {
        let (count, order) = by_popularity(n_items, sessions);
        Self { order, count }
    }
}

impl Predictor for Pop {
    fn name(&self) -> String {
        "POP".into()
    }
    fn worker(&self) -> Worker<'_> {
        Box::new(move |_q, k| {
            self.order
                .iter()
                .take(k)
                .map(|&i| (i, self.count[i as usize] as f32))
                .collect()
        })
    }
}

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
    /// Association rules: every ordered pair in a session counts 1 (pruning 20).
    pub fn fit_ar(n_items: usize, sessions: &[Session]) -> Self {
        let mut m: Vec<HashMap<u32, f32>> = vec![HashMap::new(); n_items];
        for s in sessions {
            for (a, &i) in s.items.iter().enumerate() {
                for (b, &j) in s.items.iter().enumerate() {
                    if a != b && i != j {
                        *m[i as usize].entry(j).or_insert(0.0) += 1.0;
                    }
                }
            }
        }
        Self {
            name: "AR",
            rules: m.into_iter().map(|r| prune(r, 20)).collect(),
            popular: by_popularity(n_items, sessions).1,
        }
    }

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
            fill(list, &self.popular, k)
        })
    }
}

/// V-SKNN (vector-multiplication session kNN) with in-basket items excluded.
pub struct Vsknn {
    k: usize,
    sample_size: usize,
    session_items: Vec<Vec<u32>>,
    session_time: Vec<i64>,
    item_sessions: Vec<Vec<u32>>,
    popular: Vec<u32>,
}

impl Vsknn {
    /// Fits with `k` neighbours out of the `sample_size` most recent candidates.
    pub fn fit(n_items: usize, sessions: &[Session], k: usize, sample_size: usize) -> Self {
        let mut item_sessions = vec![Vec::new(); n_items];
        let mut session_items = Vec::with_capacity(sessions.len());
        for (sid, s) in sessions.iter().enumerate() {
            let mut u = s.items.clone();
            u.sort_unstable();
            u.dedup();
            for &i in &u {
                item_sessions[i as usize].push(sid as u32);
            }
            session_items.push(u);
        }
        let session_time = sessions.iter().map(|s| s.start).collect();
        Self {
            k,
            sample_size,
            session_items,
            session_time,
            item_sessions,
            popular: by_popularity(n_items, sessions).1,
        }
    }

    fn rank(&self, prefix: &[u32], k: usize) -> Ranked {
        // Candidate sessions: all sessions containing any prefix item; the most recent `sample_size`.
        let mut cand: Vec<u32> = prefix
            .iter()
            .flat_map(|&i| self.item_sessions[i as usize].iter().copied())
            .collect();
        cand.sort_unstable();
        cand.dedup();
        if cand.len() > self.sample_size {
            cand.sort_by(|&a, &b| {
                self.session_time[b as usize]
                    .cmp(&self.session_time[a as usize])
                    .then(b.cmp(&a))
            });
            cand.truncate(self.sample_size);
        }
        // Position weights ('div'): item at 1-based position p of n weighs p/n;
        // a repeated item keeps the weight of its last position.
        let n = prefix.len();
        let mut pos_w: HashMap<u32, f32> = HashMap::new();
        for (p, &i) in prefix.iter().enumerate() {
            pos_w.insert(i, (p + 1) as f32 / n as f32);
        }
        let distinct = pos_w.len() as f32;
        let mut neigh: Vec<(u32, f32)> = cand
            .iter()
            .map(|&s| {
                let sim: f32 = self.session_items[s as usize]
                    .iter()
                    .filter_map(|i| pos_w.get(i))
                    .sum::<f32>()
                    / distinct;
                (s, sim)
            })
            .filter(|x| x.1 > 0.0)
            .collect();
        neigh.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        neigh.truncate(self.k);
        let in_basket: HashSet<u32> = prefix.iter().copied().collect();
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for &(s, sim) in &neigh {
            let items = &self.session_items[s as usize];
            // 'div' score decay: 1 / (steps back to the most recent shared item).
            let step = prefix
                .iter()
                .rev()
                .position(|i| items.binary_search(i).is_ok())
                .map_or(1, |p| p + 1);
            let w = sim / step as f32;
            for &i in items {
                if !in_basket.contains(&i) {
                    *scores.entry(i).or_insert(0.0) += w;
                }
            }
        }
        let list = top_k(scores.into_iter(), k);
        let popular: Vec<u32> = self
            .popular
            .iter()
            .copied()
            .filter(|i| !in_basket.contains(i))
            .collect();
        fill(list, &popular, k)
    }
}

impl Predictor for Vsknn {
    fn name(&self) -> String {
        if self.sample_size == usize::MAX {
            format!("V-SKNN (k={}, all sessions, in-basket excluded)", self.k)
        } else {
            format!(
                "V-SKNN (k={}, sample={}, in-basket excluded)",
                self.k, self.sample_size
            )
        }
    }
    fn worker(&self) -> Worker<'_> {
        Box::new(move |q, k| self.rank(q.prefix, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Query;

    fn s(id: &str, items: &[u32], t: i64) -> Session {
        Session {
            id: id.into(),
            items: items.to_vec(),
            kinds: vec![xsell_core::EventKind::AddToCart; items.len()],
            start: t,
            user: None,
        }
    }

    #[test]
    fn sr_follows_order_and_ar_does_not() {
        let train = vec![s("a", &[0, 1], 1), s("b", &[0, 1], 2), s("c", &[2, 0], 3)];
        let sr = Rules::fit_sr(3, &train);
        let ar = Rules::fit_ar(3, &train);
        let q = Query {
            prefix: &[0],
            kinds: &[],
            history: &[],
        };
        let r = (sr.worker())(&q, 3);
        assert_eq!(r[0].0, 1);
        assert!(
            r.iter().find(|x| x.0 == 2).is_none_or(|x| x.1 == 0.0),
            "2 never follows 0"
        );
        let r = (ar.worker())(&q, 3);
        assert_eq!(r.iter().filter(|x| x.1 > 0.0).count(), 2);
    }

    #[test]
    fn vsknn_prefers_recent_overlap_and_excludes_basket() {
        let train = vec![
            s("a", &[0, 1, 5], 1),
            s("b", &[2, 3, 4], 2),
            s("c", &[3, 4, 6], 3),
        ];
        let v = Vsknn::fit(7, &train, 100, 500);
        let r = v.rank(&[0, 3], 3);
        assert!(r.iter().all(|x| x.0 != 0 && x.0 != 3));
        // item 3 is the most recent, so sessions b and c outweigh a; 4 is in both.
        assert_eq!(r[0].0, 4);
    }
}
