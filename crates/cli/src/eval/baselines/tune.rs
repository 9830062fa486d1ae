//! The baselines' tuned choices, made on validation data ([`TuningData`],
//! never the test set) by MRR@20, as xsell's own parameters are: whether AR
//! and V-SKNN keep items already in the session, and V-SKNN's neighbourhood
//! size. Each fit is done once; only the prediction-time settings vary.

use super::{Ar, ArParams, InSession, Vsknn, VsknnParams};
use crate::eval::{evaluate, EvalSet, Metrics, Predictor};
use crate::validation::TuningData;

/// Validation predictions per candidate (an even spread of them).
pub const VALIDATION_LIMIT: usize = 4000;

/// Neighbourhood sizes tried for V-SKNN (the literature's 100 among them).
pub const VSKNN_K: [usize; 5] = [5, 10, 20, 50, 100];

/// One candidate setting and how it did on validation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Trial<P> {
    /// The setting.
    pub params: P,
    /// Its validation metrics.
    pub metrics: Metrics,
}

/// The best setting and every trial behind it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tuned<P> {
    /// Highest validation MRR@20 (the first tried wins a tie).
    pub best: P,
    /// All candidates, in the order tried.
    pub trials: Vec<Trial<P>>,
}

impl<P: Copy> Tuned<P> {
    fn from_trials(trials: Vec<Trial<P>>) -> Self {
        let best = trials
            .iter()
            .fold(None::<&Trial<P>>, |best, t| match best {
                Some(b) if b.metrics.mrr20 >= t.metrics.mrr20 => Some(b),
                _ => Some(t),
            })
            .expect("at least one candidate")
            .params;
        Self { best, trials }
    }
}

fn validate(p: &dyn Predictor, data: &TuningData) -> Metrics {
    // Popularity and categories only feed beyond-accuracy metrics.
    let popularity = vec![1u32; data.train.n_items()];
    let set = EvalSet {
        sessions: &data.valid,
        histories: &[],
        n_items: data.train.n_items(),
        popularity: &popularity,
        category: None,
        limit: Some(VALIDATION_LIMIT),
    };
    evaluate(p, &set, false).metrics
}

/// AR with pruning 20: in-session items kept or excluded.
pub fn tune_ar(data: &TuningData) -> Tuned<ArParams> {
    let mut ar = Ar::fit(
        data.train.n_items(),
        &data.train.sessions,
        ArParams::default(),
    );
    let trials = InSession::ALL
        .iter()
        .map(|&in_session| {
            ar.params.in_session = in_session;
            Trial {
                params: ar.params,
                metrics: validate(&ar, data),
            }
        })
        .collect();
    Tuned::from_trials(trials)
}

/// V-SKNN over all candidate sessions: `k` from [`VSKNN_K`] times
/// in-session items kept or excluded.
pub fn tune_vsknn(data: &TuningData) -> Tuned<VsknnParams> {
    let mut v = Vsknn::fit(
        data.train.n_items(),
        &data.train.sessions,
        VsknnParams::LITERATURE,
    );
    let mut trials = Vec::new();
    for in_session in InSession::ALL {
        for k in VSKNN_K {
            v.params = VsknnParams {
                k,
                sample: None,
                in_session,
            };
            trials.push(Trial {
                params: v.params,
                metrics: validate(&v, data),
            });
        }
    }
    Tuned::from_trials(trials)
}

#[cfg(test)]
mod tests {
    use super::super::testing::s;
    use super::*;
    use crate::sessions::Dataset;

    /// Validation on a click stream where shoppers return to the first item.
    fn click_stream() -> TuningData {
        let train = Dataset {
            item_ids: (0..4).map(|i| i.to_string()).collect(),
            index: (0..4).map(|i| (i.to_string(), i)).collect(),
            sessions: (0..10)
                .map(|k| s(&format!("t{k}"), &[0, 1 + k % 3, 0], k as i64))
                .collect(),
        };
        let valid = vec![s("v0", &[0, 1, 0], 100), s("v1", &[0, 2, 0], 101)];
        TuningData {
            train,
            valid,
            histories: Vec::new(),
            inner: None,
        }
    }

    #[test]
    fn returns_to_an_item_make_validation_keep_in_session_items() {
        let data = click_stream();
        let ar = tune_ar(&data);
        assert_eq!(ar.best.in_session, InSession::Keep, "{:?}", ar.trials);
        assert_eq!(ar.trials.len(), 2);
        let v = tune_vsknn(&data);
        assert_eq!(v.best.in_session, InSession::Keep, "{:?}", v.trials);
        assert_eq!(v.trials.len(), 2 * VSKNN_K.len());
    }

    #[test]
    fn the_first_of_equal_trials_wins() {
        let m = |mrr20| Metrics {
            mrr20,
            ..Default::default()
        };
        let t = Tuned::from_trials(vec![
            Trial {
                params: 1,
                metrics: m(0.1),
            },
            Trial {
                params: 2,
                metrics: m(0.3),
            },
            Trial {
                params: 3,
                metrics: m(0.3),
            },
        ]);
        assert_eq!(t.best, 2);
    }
}
