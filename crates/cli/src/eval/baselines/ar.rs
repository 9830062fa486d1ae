//! AR, association rules (session-rec's `AssociationRules`): every pair of
//! events in a training session, in either order and at any distance,
//! counts 1 for the rule `a → b` and 1 for `b → a`. An item that occurs
//! twice in a session therefore gains a rule to itself (2 per pair of its
//! occurrences), which is what lets AR recommend a return to an item.
//! Each item keeps its `pruning` strongest rules (ties: the rule seen first
//! in the training data). A request is scored from its last item's rules
//! only, as count / the row's largest count.

use super::{by_popularity, fill, InSession, Predictor, Worker};
use crate::sessions::Session;
use std::collections::HashMap;

/// AR's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ArParams {
    /// Rules kept per item (0 = all).
    pub pruning: usize,
    /// Items already in the session: kept (the reference) or excluded.
    pub in_session: InSession,
}

impl Default for ArParams {
    /// The reference: pruning 20, in-session items kept.
    fn default() -> Self {
        Self {
            pruning: 20,
            in_session: InSession::Keep,
        }
    }
}

/// Association rules fitted on training sessions.
pub struct Ar {
    /// Per item, its rules: (target, count / the row's largest count), best first.
    rules: Vec<Vec<(u32, f32)>>,
    popular: Vec<u32>,
    /// Settings; `in_session` applies at prediction, so it can change
    /// without refitting.
    pub params: ArParams,
}

/// One rule while counting: how often, and when it was first seen.
#[derive(Clone, Copy)]
struct Tally {
    count: u32,
    first_seen: u64,
}

impl Ar {
    /// Counts and prunes the rules of `sessions`.
    pub fn fit(n_items: usize, sessions: &[Session], params: ArParams) -> Self {
        let mut table: Vec<HashMap<u32, Tally>> = vec![HashMap::new(); n_items];
        let mut seen = 0u64;
        let mut add = |table: &mut Vec<HashMap<u32, Tally>>, from: u32, to: u32| {
            let t = table[from as usize].entry(to).or_insert_with(|| {
                seen += 1;
                Tally {
                    count: 0,
                    first_seen: seen,
                }
            });
            t.count += 1;
        };
        for s in sessions {
            for (b, &later) in s.items.iter().enumerate() {
                for &earlier in &s.items[..b] {
                    add(&mut table, earlier, later);
                    add(&mut table, later, earlier);
                }
            }
        }
        let rules = table
            .into_iter()
            .map(|row| {
                let mut v: Vec<(u32, Tally)> = row.into_iter().collect();
                v.sort_by(|a, b| {
                    b.1.count
                        .cmp(&a.1.count)
                        .then(a.1.first_seen.cmp(&b.1.first_seen))
                });
                if params.pruning > 0 {
                    v.truncate(params.pruning);
                }
                let max = v.first().map_or(1, |x| x.1.count) as f32;
                v.into_iter()
                    .map(|(j, t)| (j, t.count as f32 / max))
                    .collect()
            })
            .collect();
        Self {
            rules,
            popular: by_popularity(n_items, sessions).1,
            params,
        }
    }
}

impl Predictor for Ar {
    fn name(&self) -> String {
        format!(
            "AR (pruning {}, last item, {})",
            self.params.pruning,
            self.params.in_session.label()
        )
    }
    fn worker(&self) -> Worker<'_> {
        let in_session = self.params.in_session;
        Box::new(move |q, k| {
            let last = *q.prefix.last().expect("non-empty prefix");
            let allowed = |i: u32| in_session.allows(q.prefix, i);
            let list = self.rules[last as usize]
                .iter()
                .filter(|r| allowed(r.0))
                .take(k)
                .copied()
                .collect();
            fill(list, &self.popular, k, allowed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{ids, rank, s};
    use super::*;

    #[test]
    fn every_pair_of_events_counts_in_both_directions() {
        // 0 and 1 meet in two sessions, 0 and 2 in one: 1 outranks 2 after 0,
        // and the rule is symmetric (0 is 1's best rule, whatever the order).
        let train = vec![s("a", &[0, 1], 1), s("b", &[1, 0, 2], 2)];
        let ar = Ar::fit(3, &train, ArParams::default());
        let r = rank(&ar, &[0], 2);
        assert_eq!(ids(&r), [1, 2]);
        assert_eq!(r[0].1, 1.0, "scores are count / the row's largest");
        assert_eq!(r[1].1, 0.5);
        assert_eq!(ids(&rank(&ar, &[1], 1)), [0]);
    }

    #[test]
    fn a_repeated_item_is_recommended_again_when_in_session_items_are_kept() {
        // A click stream: shoppers go back to item 0 after looking at 1.
        let train = vec![
            s("a", &[0, 1, 0], 1),
            s("b", &[0, 1, 0], 2),
            s("c", &[0, 2], 3),
        ];
        let mut ar = Ar::fit(3, &train, ArParams::default());
        // Rule 0 → 0: two occurrences in each of a and b, 2 per pair = 4;
        // 0 → 1: 2 per session = 4 (first seen before 0 → 0); 0 → 2: 1.
        let r = rank(&ar, &[1, 0], 3);
        assert_eq!(ids(&r), [1, 0, 2], "{r:?}");
        assert_eq!(r[1].1, 1.0, "the self-rule ties the best rule");
        // After 1 the best rule is 0 (4 pairs), in the session or not.
        assert_eq!(rank(&ar, &[1], 1)[0].0, 0);
        ar.params.in_session = InSession::Exclude;
        let r = rank(&ar, &[1, 0], 3);
        assert_eq!(ids(&r)[0], 2, "0 and 1 are in the session: {r:?}");
        assert!(!ids(&r).contains(&0) && !ids(&r).contains(&1));
    }

    #[test]
    fn pruning_keeps_the_strongest_rules_first_seen_first() {
        let train = vec![s("a", &[0, 3, 2, 1], 1), s("b", &[0, 1], 2)];
        let ar = Ar::fit(
            4,
            &train,
            ArParams {
                pruning: 2,
                in_session: InSession::Keep,
            },
        );
        // After 0: 1 (2 sessions), then 3 and 2 tie at 1; 3 was seen first.
        let r = rank(&ar, &[0], 4);
        assert_eq!(ids(&r)[..2], [1, 3]);
        assert_eq!(r[2].1, 0.0, "beyond the pruned rules: popularity fill");
    }
}
