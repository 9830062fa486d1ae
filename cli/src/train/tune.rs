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
}

type Setter = fn(&mut ScoringParams, f32);

/// Tunes `start` for a model built on `train` (already split off the
/// validation sessions `valid`, with optional per-session histories).
pub fn tune(builder: &ModelBuilder, train: &Dataset, valid: &[Session], histories: &[Vec<Vec<u32>>], start: ScoringParams, progress: &indicatif::ProgressBar) -> (ScoringParams, TuneReport) {
    let bytes = builder.build().expect("trainer builds valid models");
    let mut pred = XsellPredictor::new(bytes, "xsell").expect("valid model");
    let popularity: Vec<u32> = builder.items.iter().map(|i| i.popularity).collect();
    let set = EvalSet { sessions: valid, histories, n_items: train.n_items(), popularity: &popularity, category: None, limit: Some(4000) };
    let mut grid: Vec<(&str, Setter, Vec<f32>)> = vec![
        ("half_life", |p, v| p.half_life = v, vec![1.0, 2.0, 4.0, 8.0, 16.0, f32::INFINITY]),
        ("w_seq", |p, v| p.w_seq = v, vec![0.0, 0.1, 0.25, 0.5, 1.0, 2.0]),
        ("w_pop", |p, v| p.w_pop = v, vec![0.0, 0.02, 0.05, 0.1, 0.2, 0.4]),
        ("w_category", |p, v| p.w_category = v, vec![0.0, 0.02, 0.05, 0.1, 0.2]),
        ("w_repeat", |p, v| p.w_repeat = v, vec![0.0, 0.1, 0.3, 1.0]),
    ];
    let has_kinds = valid.iter().any(|s| s.kinds.iter().any(|k| *k != s.kinds[0]));
    if has_kinds {
        grid.push(("w_cart_event", |p, v| p.w_cart_event = v, vec![0.5, 1.0, 2.0, 4.0]));
    }
    if histories.iter().any(|h| !h.is_empty()) {
        grid.push(("w_history", |p, v| p.w_history = v, vec![0.0, 0.1, 0.25, 0.5, 1.0, 2.0]));
        grid.push(("w_history_context", |p, v| p.w_history_context = v, vec![0.0, 0.05, 0.1, 0.2, 0.4]));
    }
    let total: u64 = 2 * grid.iter().map(|g| g.2.len() as u64).sum::<u64>();
    progress.set_length(total);
    let mut best = start;
    let mut evals = 0;
    let mut score = |p: ScoringParams, pred: &mut XsellPredictor| {
        pred.params = Some(p.check().expect("grid values are valid"));
        evals += 1;
        evaluate(pred, &set, false).metrics
    };
    let mut best_m = score(best, &mut pred);
    for _round in 0..2 {
        for (_name, set_fn, values) in &grid {
            for &v in values {
                let mut p = best;
                set_fn(&mut p, v);
                let m = score(p, &mut pred);
                progress.inc(1);
                if m.mrr20 > best_m.mrr20 + 1e-9 {
                    best = p;
                    best_m = m;
                }
            }
        }
    }
    (best, TuneReport { mrr20: best_m.mrr20, hr20: best_m.hr20, predictions: best_m.predictions, evaluations: evals })
}
