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
}

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
        let histories = orders.map_or_else(Vec::new, |o| o.histories(&train, &valid));
        Self {
            train,
            valid,
            histories,
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
