//! V-SKNN, vector-multiplication session kNN (session-rec's `VMContextKNN`
//! with its defaults: recent sampling, `div` position weights, `div` score
//! decay).
//!
//! For a session prefix of `n` events:
//! 1. Candidates are the training sessions holding any prefix item; with a
//!    sample size, only that many of them, those that ended most recently.
//! 2. The event at 1-based position `p` weighs `p / n`; an item that occurs
//!    twice keeps the weight of its last occurrence.
//! 3. A candidate's similarity is the sum of the weights of the prefix items
//!    it holds, divided by the number of distinct prefix items.
//! 4. The `k` most similar candidates are the neighbours. Each adds
//!    `similarity / step` to every item it holds, where `step` counts the
//!    events back from the end of the prefix to the most recent item the
//!    neighbour shares (1 for the last event).
//!
//! The reference keeps items already in the session (its `remind = True`);
//! [`InSession::Exclude`] drops them.

use super::{by_popularity, fill, top_k, InSession, Predictor, Ranked, Worker};
use crate::sessions::Session;
use std::collections::HashMap;

/// V-SKNN's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VsknnParams {
    /// Neighbours.
    pub k: usize,
    /// Candidate sessions considered: the most recently ended ones (`None` = all).
    pub sample: Option<usize>,
    /// Items already in the session: kept (the reference) or excluded.
    pub in_session: InSession,
}

impl VsknnParams {
    /// The literature's setting (Ludewig & Jannach 2018): 100 neighbours out
    /// of the 500 most recent candidates, in-session items kept.
    pub const LITERATURE: VsknnParams = VsknnParams {
        k: 100,
        sample: Some(500),
        in_session: InSession::Keep,
    };
}

/// The training sessions indexed for V-SKNN. Fitting does not depend on the
/// settings, so [`Vsknn::params`] can change without refitting.
pub struct Vsknn {
    /// Distinct items of each training session, sorted.
    session_items: Vec<Vec<u32>>,
    /// Time of each training session's last event.
    session_end: Vec<i64>,
    /// Training sessions holding each item, ascending.
    item_sessions: Vec<Vec<u32>>,
    popular: Vec<u32>,
    /// Settings.
    pub params: VsknnParams,
}

impl Vsknn {
    /// Indexes `sessions`.
    pub fn fit(n_items: usize, sessions: &[Session], params: VsknnParams) -> Self {
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
        Self {
            session_items,
            session_end: sessions.iter().map(|s| s.end).collect(),
            item_sessions,
            popular: by_popularity(n_items, sessions).1,
            params,
        }
    }

    /// Later-ending sessions first; among equal ends, the later in training order.
    fn more_recent(&self, a: u32, b: u32) -> std::cmp::Ordering {
        self.session_end[b as usize]
            .cmp(&self.session_end[a as usize])
            .then(b.cmp(&a))
    }

    /// The neighbours of `prefix`: (session, similarity), most similar first.
    fn neighbours(&self, prefix: &[u32]) -> Vec<(u32, f32)> {
        let n = prefix.len() as f32;
        // Distinct prefix items with the weight of their last occurrence,
        // in a fixed order so that float sums do not depend on hashing.
        let mut weights: Vec<(u32, f32)> = Vec::with_capacity(prefix.len());
        for (p, &i) in prefix.iter().enumerate().rev() {
            if !weights.iter().any(|w| w.0 == i) {
                weights.push((i, (p + 1) as f32 / n));
            }
        }
        let mut sim: HashMap<u32, f32> = HashMap::new();
        for &(i, w) in &weights {
            for &s in &self.item_sessions[i as usize] {
                *sim.entry(s).or_insert(0.0) += w;
            }
        }
        let mut cand: Vec<(u32, f32)> = sim.into_iter().collect();
        if let Some(sample) = self.params.sample {
            if cand.len() > sample {
                cand.sort_by(|a, b| self.more_recent(a.0, b.0));
                cand.truncate(sample);
            }
        }
        let distinct = weights.len() as f32;
        for c in &mut cand {
            c.1 /= distinct;
        }
        cand.sort_by(|a, b| b.1.total_cmp(&a.1).then(self.more_recent(a.0, b.0)));
        cand.truncate(self.params.k);
        cand
    }

    fn rank(&self, prefix: &[u32], k: usize) -> Ranked {
        let allowed = |i: u32| self.params.in_session.allows(prefix, i);
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for (s, sim) in self.neighbours(prefix) {
            let items = &self.session_items[s as usize];
            let step = prefix
                .iter()
                .rev()
                .position(|i| items.binary_search(i).is_ok())
                .map_or(1, |p| p + 1);
            let w = sim / step as f32;
            for &i in items.iter().filter(|&&i| allowed(i)) {
                *scores.entry(i).or_insert(0.0) += w;
            }
        }
        fill(top_k(scores.into_iter(), k), &self.popular, k, allowed)
    }
}

impl Predictor for Vsknn {
    fn name(&self) -> String {
        let p = &self.params;
        let sample = p
            .sample
            .map_or_else(|| "all sessions".to_string(), |n| format!("sample {n}"));
        format!("V-SKNN (k={}, {sample}, {})", p.k, p.in_session.label())
    }
    fn worker(&self) -> Worker<'_> {
        Box::new(move |q, k| self.rank(q.prefix, k))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{ids, rank, s};
    use super::*;

    fn params(k: usize, sample: Option<usize>, in_session: InSession) -> VsknnParams {
        VsknnParams {
            k,
            sample,
            in_session,
        }
    }

    #[test]
    fn recent_overlap_weighs_more_and_the_basket_can_be_excluded() {
        let train = vec![
            s("a", &[0, 1, 5], 1),
            s("b", &[2, 3, 4], 2),
            s("c", &[3, 4, 6], 3),
        ];
        let v = Vsknn::fit(7, &train, params(100, Some(500), InSession::Exclude));
        let r = v.rank(&[0, 3], 3);
        assert!(r.iter().all(|x| x.0 != 0 && x.0 != 3));
        // Item 3 is the most recent, so sessions b and c outweigh a; 4 is in both.
        assert_eq!(r[0].0, 4);
    }

    #[test]
    fn similarity_and_decay_follow_the_reference_definition() {
        // Prefix [0, 1]: weights 1/2 and 2/2 over 2 distinct items.
        // a holds 0 and 1 -> sim (0.5 + 1) / 2 = 0.75, step 1;
        // b holds 0 only  -> sim 0.5 / 2 = 0.25, step 2 -> adds 0.125.
        let train = vec![s("a", &[0, 1, 2], 1), s("b", &[0, 3], 2)];
        let v = Vsknn::fit(4, &train, params(100, None, InSession::Keep));
        let r = v.rank(&[0, 1], 4);
        let score = |i: u32| r.iter().find(|x| x.0 == i).unwrap().1;
        assert!((score(2) - 0.75).abs() < 1e-6, "{r:?}");
        assert!((score(3) - 0.125).abs() < 1e-6, "{r:?}");
        assert!((score(0) - 0.875).abs() < 1e-6, "kept: {r:?}");
        assert!((score(1) - 0.75).abs() < 1e-6, "kept: {r:?}");
    }

    #[test]
    fn a_repeated_item_is_recommended_again_when_in_session_items_are_kept() {
        // A click stream: shoppers who looked at 0 and then 1 go back to 0.
        let train = vec![
            s("a", &[0, 1, 0], 1),
            s("b", &[0, 1, 0], 2),
            s("c", &[1, 2], 3),
        ];
        let mut v = Vsknn::fit(3, &train, params(100, None, InSession::Keep));
        // After [0, 1]: a and b hold both (sim 0.75, step 1) and c holds 1
        // (sim 0.5, step 1): 0 scores 1.5, 1 scores 2.0, 2 scores 0.5.
        assert_eq!(ids(&rank(&v, &[0, 1], 3)), [1, 0, 2]);
        v.params.in_session = InSession::Exclude;
        assert_eq!(ids(&rank(&v, &[0, 1], 3)), [2]);
    }

    #[test]
    fn sampling_keeps_the_sessions_that_ended_last() {
        // Both sessions hold 0; only the later one survives a sample of 1.
        let mut early = s("early", &[0, 1], 1);
        early.end = 5;
        let late = s("late", &[0, 2], 10);
        let v = Vsknn::fit(3, &[early, late], params(100, Some(1), InSession::Exclude));
        let r = v.rank(&[0], 3);
        assert_eq!(r[0].0, 2);
        assert_eq!(r[1].1, 0.0, "1 comes only from the popularity fill");
    }
}
