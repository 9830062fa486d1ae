//! The data every tuned choice is made on: a training part and validation
//! sessions, both taken from the *training* data (an explicit `train_tr →
//! train_valid` pair, or a hold-out). The test set never enters it.

use crate::history::OrderIndex;
use crate::input::RawEvent;
use crate::sessions::{Dataset, Session};

/// Training part, validation sessions, and the validation sessions'
/// on-device histories when the order table is known.
#[derive(Debug, Clone)]
pub struct TuningData {
    /// What candidates are trained on.
    pub train: Dataset,
    /// Sessions they are scored on, mapped onto `train`'s vocabulary.
    pub valid: Vec<Session>,
    /// Earlier baskets per validation session (parallel to `valid`; empty
    /// when no order table was given).
    pub histories: Vec<Vec<Vec<u32>>>,
    /// The ranking layer's training queries: `train` split once more
    /// ([`TuningData::inner`]), so the trees learn from candidates of a model
    /// that never saw their sessions, and `valid` stays unseen by them.
    pub inner: Option<Box<TuningData>>,
}

/// Orders per user the inner split holds out when the order table is known.
pub const INNER_ORDERS_PER_USER: usize = 2;
/// Share of the latest sessions the inner split holds out without one.
pub const INNER_SHARE: f64 = 0.2;

impl TuningData {
    /// An explicit pair: train on `train`, validate on `valid` (unseen items
    /// dropped, then sessions shorter than two, as for the test set).
    pub fn split(train: Dataset, valid: Vec<RawEvent>, orders: Option<&OrderIndex>) -> Self {
        let valid = train.map_test(valid);
        Self::with_histories(train, valid, orders)
    }

    /// A hold-out of `data` itself ([`Dataset::holdout`]: each user's last
    /// session, or the latest `share` of sessions).
    pub fn holdout(data: &Dataset, share: f64, orders: Option<&OrderIndex>) -> Self {
        let (train, valid) = data.holdout(share);
        Self::with_histories(train, valid, orders)
    }

    fn with_histories(train: Dataset, valid: Vec<Session>, orders: Option<&OrderIndex>) -> Self {
        let inner = Some(Box::new(Self::inner(&train, orders)));
        let histories = orders.map_or_else(Vec::new, |o| o.histories(&train, &valid));
        Self {
            train,
            valid,
            histories,
            inner,
        }
    }

    /// The split inside `train` the ranking layer learns from: each user's
    /// last [`INNER_ORDERS_PER_USER`] orders when the order table knows most
    /// sessions (as the validation split holds out each user's next order),
    /// else the latest [`INNER_SHARE`] of sessions.
    pub fn inner(train: &Dataset, orders: Option<&OrderIndex>) -> Self {
        let n = train.sessions.len();
        let mut held = vec![false; n];
        let known: Vec<Option<(&str, u32)>> = train
            .sessions
            .iter()
            .map(|s| orders.and_then(|o| o.order(&s.id)))
            .collect();
        if known.iter().filter(|k| k.is_some()).count() * 2 > n {
            let mut by_user: std::collections::HashMap<&str, Vec<(u32, usize)>> =
                std::collections::HashMap::new();
            for (k, o) in known.iter().enumerate() {
                if let Some((u, number)) = o {
                    by_user.entry(u).or_default().push((*number, k));
                }
            }
            for list in by_user.values_mut() {
                list.sort_unstable();
                // A user's first order stays in training.
                let keep = list.len().saturating_sub(INNER_ORDERS_PER_USER).max(1);
                for &(_, k) in &list[keep..] {
                    held[k] = true;
                }
            }
        } else {
            let cut = ((n as f64) * (1.0 - INNER_SHARE)).round() as usize;
            held.iter_mut().skip(cut).for_each(|h| *h = true);
        }
        let (train, valid) = train.split_by(&held);
        let histories = orders.map_or_else(Vec::new, |o| o.histories(&train, &valid));
        Self {
            train,
            valid,
            histories,
            inner: None,
        }
    }

    /// Number of predictions the validation sessions hold.
    pub fn predictions(&self) -> usize {
        self.valid
            .iter()
            .map(|s| s.items.len().saturating_sub(1))
            .sum()
    }
}
