//! The published session-based baselines, re-implemented after the
//! definitions in the session-rec framework: POP, AR and SR (Ludewig &
//! Jannach 2018), item-kNN (Hidasi et al. 2016's IKNN) and V-SKNN (Ludewig &
//! Jannach 2018).
//!
//! The reference AR and V-SKNN keep items already in the session among the
//! candidates (on click streams a shopper often returns to an item); on
//! grocery baskets an item rarely comes twice. Which one wins is a property
//! of the data, so it is a parameter ([`InSession`]) chosen on validation
//! data, like V-SKNN's neighbourhood size ([`tune`]).
//!
//! Items a method gives no score come last in the reference (all at 0, in
//! no particular order); here they are filled in by popularity, which is
//! deterministic and never worse.

mod ar;
mod rules;
pub mod tune;
mod vsknn;

pub use ar::{Ar, ArParams};
pub use rules::Rules;
pub use vsknn::{Vsknn, VsknnParams};

use super::{Predictor, Ranked, Worker};
use crate::sessions::Session;
use std::collections::HashSet;

/// What a baseline does with items already in the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum InSession {
    /// Keep them among the candidates (the reference AR and V-SKNN).
    Keep,
    /// Never recommend an item the session already holds.
    Exclude,
}

impl InSession {
    /// Both choices, in the order tuning tries them.
    pub const ALL: [InSession; 2] = [InSession::Keep, InSession::Exclude];

    /// Label for result tables.
    pub fn label(self) -> &'static str {
        match self {
            InSession::Keep => "in-session kept",
            InSession::Exclude => "in-session excluded",
        }
    }

    /// Whether `item` may be recommended after `prefix`.
    fn allows(self, prefix: &[u32], item: u32) -> bool {
        self == InSession::Keep || !prefix.contains(&item)
    }
}

/// The `k` best positive scores, best first (ties by item index).
fn top_k(scores: impl Iterator<Item = (u32, f32)>, k: usize) -> Ranked {
    let mut v: Vec<(u32, f32)> = scores.filter(|x| x.1 > 0.0).collect();
    v.sort_by(|a, b| xsell_core::rank_order((a.1, a.0), (b.1, b.0)));
    v.truncate(k);
    v
}

/// Fills a list up to `k` with the most popular allowed items not yet in it,
/// at score 0.
fn fill(mut list: Ranked, popular: &[u32], k: usize, allowed: impl Fn(u32) -> bool) -> Ranked {
    let have: HashSet<u32> = list.iter().map(|x| x.0).collect();
    for &i in popular {
        if list.len() >= k {
            break;
        }
        if !have.contains(&i) && allowed(i) {
            list.push((i, 0.0));
        }
    }
    list
}

/// Sessions per item, and the 200 most popular items (ties by index).
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

#[cfg(test)]
pub(crate) mod testing {
    use crate::eval::{Predictor, Query, Ranked};
    use crate::sessions::Session;

    /// A training session of add-to-cart events starting (and ending) at `t`.
    pub fn s(id: &str, items: &[u32], t: i64) -> Session {
        Session {
            id: id.into(),
            items: items.to_vec(),
            kinds: vec![xsell_core::EventKind::AddToCart; items.len()],
            start: t,
            end: t,
            user: None,
        }
    }

    /// The top `k` of `p` after `prefix`.
    pub fn rank(p: &dyn Predictor, prefix: &[u32], k: usize) -> Ranked {
        let q = Query {
            prefix,
            kinds: &[],
            history: &[],
        };
        (p.worker())(&q, k)
    }

    /// The item ids of a ranked list.
    pub fn ids(r: &Ranked) -> Vec<u32> {
        r.iter().map(|x| x.0).collect()
    }
}
