//! Tuning of the scoring parameters on held-out *training* data by
//! coordinate search on MRR@20. The test set is never touched.

use crate::eval::{evaluate, EvalSet, XsellPredictor};
use crate::sessions::{Dataset, Session};
use xsell::{ModelBuilder, ScoringParams};

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
    /// MRR@20 with on-device history, when tuned with it.
    pub history_mrr20: Option<f64>,
}

type Setter = fn(&mut ScoringParams, f32);

/// Tunes `start` for a model built on `train` (already split off the
/// validation sessions `valid`, with optional per-session histories).
///
/// Session parameters are tuned without history (a shopper without stored
/// baskets must be served well); when `histories` is non-empty, the history
/// weights are tuned afterwards with the session parameters fixed.
pub fn tune(
    builder: &ModelBuilder,
    train: &Dataset,
    valid: &[Session],
    histories: &[Vec<Vec<u32>>],
    start: ScoringParams,
    progress: &indicatif::ProgressBar,
) -> (ScoringParams, TuneReport) {
    let bytes = builder.build().expect("trainer builds valid models");
    let mut pred = XsellPredictor::new(bytes, "xsell").expect("valid model");
    let popularity: Vec<u32> = builder.items.iter().map(|i| i.popularity).collect();
    let no_hist: Vec<Vec<Vec<u32>>> = Vec::new();
    let set = EvalSet {
        sessions: valid,
        histories: &no_hist,
        n_items: train.n_items(),
        popularity: &popularity,
        category: None,
        limit: Some(6000),
    };
    let mut grid: Vec<(&str, Setter, Vec<f32>)> = vec![
        (
            "half_life",
            |p, v| p.half_life = v,
            vec![1.0, 2.0, 4.0, 8.0, 16.0, f32::INFINITY],
        ),
        (
            "support_exponent",
            |p, v| p.support_exponent = v,
            vec![0.0, 0.5, 1.0, 1.5, 2.0, 3.0],
        ),
        (
            "w_seq",
            |p, v| p.w_seq = v,
            vec![0.0, 0.1, 0.25, 0.5, 1.0, 2.0],
        ),
        (
            "w_pop",
            |p, v| p.w_pop = v,
            vec![0.0, 0.05, 0.1, 0.2, 0.4, 0.8],
        ),
        (
            "w_category",
            |p, v| p.w_category = v,
            vec![0.0, 0.02, 0.05, 0.1, 0.2],
        ),
        ("w_repeat", |p, v| p.w_repeat = v, vec![0.0, 0.1, 0.3, 1.0]),
    ];
    let has_kinds = valid
        .iter()
        .any(|s| s.kinds.iter().any(|k| *k != s.kinds[0]));
    if has_kinds {
        grid.push((
            "w_cart_event",
            |p, v| p.w_cart_event = v,
            vec![0.5, 1.0, 2.0, 4.0],
        ));
    }
    let hist_grid: Vec<(&str, Setter, Vec<f32>)> = vec![
        (
            "w_history",
            |p, v| p.w_history = v,
            vec![0.0, 0.25, 0.5, 1.0, 2.0, 4.0],
        ),
        (
            "w_history_context",
            |p, v| p.w_history_context = v,
            vec![0.0, 0.05, 0.1, 0.2, 0.4],
        ),
    ];
    let with_hist = histories.iter().any(|h| !h.is_empty());
    let count =
        |g: &[(&str, Setter, Vec<f32>)]| 2 * g.iter().map(|g| g.2.len() as u64).sum::<u64>();
    progress.set_length(count(&grid) + if with_hist { count(&hist_grid) } else { 0 });
    let mut evals = 0;
    let (best, best_m) = search(&grid, start, &mut pred, &set, &mut evals, progress);
    let (best, hist_m) = if with_hist {
        let hset = EvalSet {
            histories,
            limit: Some(2000),
            ..set
        };
        let (b, m) = search(&hist_grid, best, &mut pred, &hset, &mut evals, progress);
        (b, Some(m))
    } else {
        (best, None)
    };
    let report = TuneReport {
        mrr20: best_m.mrr20,
        hr20: best_m.hr20,
        predictions: best_m.predictions,
        evaluations: evals,
        history_mrr20: hist_m.map(|m| m.mrr20),
    };
    (best, report)
}

fn search(
    grid: &[(&str, Setter, Vec<f32>)],
    start: ScoringParams,
    pred: &mut XsellPredictor,
    set: &EvalSet<'_>,
    evals: &mut usize,
    progress: &indicatif::ProgressBar,
) -> (ScoringParams, crate::eval::Metrics) {
    let mut score = |p: ScoringParams, pred: &mut XsellPredictor| {
        pred.params = Some(p.check().expect("grid values are valid"));
        *evals += 1;
        evaluate(pred, set, false).metrics
    };
    let mut best = start;
    let mut best_m = score(best, pred);
    for _round in 0..2 {
        for (_name, set_fn, values) in grid {
            for &v in values {
                let mut p = best;
                set_fn(&mut p, v);
                let m = score(p, pred);
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
