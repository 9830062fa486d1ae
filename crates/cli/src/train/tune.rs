//! Tuning of the scoring parameters on held-out *training* data by
//! coordinate search on MRR@20. The test set is never touched.

use crate::eval::{evaluate, EvalSet, XsellPredictor};
use crate::sessions::{Dataset, Session};
use xsell_core::{ModelBuilder, ScoringParams};

/// What tuning found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TuneReport {
    /// Best MRR@20 on the validation data.
    pub mrr20: f64,
    /// HR@20 at the best parameters.
    pub hr20: f64,
    /// Validation predictions used.
    pub predictions: usize,
    /// Parameter evaluations run.
    pub evaluations: usize,
}

/// One parameter of the coordinate search and the values it may take.
struct Axis {
    /// Sets the parameter.
    set: fn(&mut ScoringParams, f32),
    /// Candidate values.
    values: Vec<f32>,
}

fn axis(set: fn(&mut ScoringParams, f32), values: &[f32]) -> Axis {
    Axis {
        set,
        values: values.to_vec(),
    }
}

type Grid = Vec<Axis>;

/// Validation predictions used per evaluation (session / history phase).
const SESSION_LIMIT: usize = 6000;
const HISTORY_LIMIT: usize = 2000;

/// Tunes the scoring parameters of one model on validation sessions (split
/// off the training data beforehand).
///
/// Session parameters are tuned without history ([`Tuner::session`]): a
/// shopper without stored baskets must be served well. The history weights
/// are tuned afterwards with the session parameters fixed ([`Tuner::history`]).
pub struct Tuner<'v> {
    pred: XsellPredictor,
    popularity: Vec<u32>,
    n_items: usize,
    valid: &'v [Session],
    evaluations: usize,
}

impl<'v> Tuner<'v> {
    /// Prepares tuning of the model `builder` (trained on `train`) on `valid`.
    pub fn new(builder: &ModelBuilder, train: &Dataset, valid: &'v [Session]) -> Self {
        let bytes = builder.build().expect("trainer builds valid models");
        Self {
            pred: XsellPredictor::new(bytes, "xsell").expect("valid model"),
            popularity: builder.items.iter().map(|i| i.popularity).collect(),
            n_items: train.n_items(),
            valid,
            evaluations: 0,
        }
    }

    /// Coordinate search over the session parameters, from `start`.
    pub fn session(
        &mut self,
        start: ScoringParams,
        progress: &indicatif::ProgressBar,
    ) -> (ScoringParams, TuneReport) {
        let mut grid: Grid = vec![
            axis(
                |p, v| p.half_life = v,
                &[1.0, 2.0, 4.0, 8.0, 16.0, f32::INFINITY],
            ),
            axis(
                |p, v| p.support_exponent = v,
                &[0.0, 0.5, 1.0, 1.5, 2.0, 3.0],
            ),
            axis(|p, v| p.w_seq = v, &[0.0, 0.1, 0.25, 0.5, 1.0, 2.0]),
            axis(|p, v| p.w_pop = v, &[0.0, 0.05, 0.1, 0.2, 0.4, 0.8]),
            axis(|p, v| p.w_category = v, &[0.0, 0.02, 0.05, 0.1, 0.2]),
            axis(|p, v| p.w_repeat = v, &[0.0, 0.1, 0.3, 1.0]),
        ];
        if self
            .valid
            .iter()
            .any(|s| s.kinds.iter().any(|k| *k != s.kinds[0]))
        {
            grid.push(axis(|p, v| p.w_cart_event = v, &[0.5, 1.0, 2.0, 4.0]));
        }
        let (best, m) = self.search(&grid, start, &[], SESSION_LIMIT, progress);
        let report = TuneReport {
            mrr20: m.mrr20,
            hr20: m.hr20,
            predictions: m.predictions,
            evaluations: self.evaluations,
        };
        (best, report)
    }

    /// Coordinate search over the history weights, from `start` (whose
    /// session parameters stay fixed); `histories` parallels the validation
    /// sessions. Returns the parameters and MRR@20 with history.
    pub fn history(
        &mut self,
        start: ScoringParams,
        histories: &[Vec<Vec<u32>>],
        progress: &indicatif::ProgressBar,
    ) -> (ScoringParams, f64) {
        let grid: Grid = vec![
            axis(|p, v| p.w_history = v, &[0.0, 0.25, 0.5, 1.0, 2.0, 4.0]),
            axis(|p, v| p.w_history_context = v, &[0.0, 0.05, 0.1, 0.2, 0.4]),
        ];
        let (best, m) = self.search(&grid, start, histories, HISTORY_LIMIT, progress);
        (best, m.mrr20)
    }

    /// Two rounds of coordinate search over `grid`, keeping the best MRR@20.
    fn search(
        &mut self,
        grid: &Grid,
        start: ScoringParams,
        histories: &[Vec<Vec<u32>>],
        limit: usize,
        progress: &indicatif::ProgressBar,
    ) -> (ScoringParams, crate::eval::Metrics) {
        progress.set_length(2 * grid.iter().map(|a| a.values.len() as u64).sum::<u64>());
        progress.set_position(0);
        let set = EvalSet {
            sessions: self.valid,
            histories,
            n_items: self.n_items,
            popularity: &self.popularity,
            category: None,
            limit: Some(limit),
        };
        let pred = &mut self.pred;
        let evals = &mut self.evaluations;
        let mut score = |p: ScoringParams| {
            pred.params = Some(xsell_core::ParamGuard::check(p).expect("grid values are valid"));
            *evals += 1;
            evaluate(pred, &set, false).metrics
        };
        let mut best = start;
        let mut best_m = score(best);
        for _round in 0..2 {
            for a in grid {
                for &v in &a.values {
                    let mut p = best;
                    (a.set)(&mut p, v);
                    let m = score(p);
                    progress.inc(1);
                    if m.mrr20 > best_m.mrr20 + 1e-9 {
                        best = p;
                        best_m = m;
                    }
                }
            }
        }
        (best, best_m)
    }
}
