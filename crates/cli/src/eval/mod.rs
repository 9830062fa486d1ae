//! Offline evaluation with the session-rec protocol: for every test session
//! and every position `p >= 1`, the prefix `s[..p]` predicts `s[p]`. Test
//! items unseen in training are removed beforehand and sessions left shorter
//! than two are dropped ([`crate::sessions::Dataset::map_test`]).

pub mod baselines;
mod metrics;
mod model;
mod recs;
pub mod theta;

pub use metrics::{Metrics, MetricsAcc};
pub use model::XsellPredictor;
pub use recs::{write_recs, SavedList, RECS_HEADER};

use crate::sessions::Session;
use rayon::prelude::*;

/// A ranked list: item indices with scores, best first.
pub type Ranked = Vec<(u32, f32)>;

/// Context of one prediction.
#[derive(Debug, Clone, Copy)]
pub struct Query<'q> {
    /// The session prefix (item indices).
    pub prefix: &'q [u32],
    /// Event kinds of the prefix.
    pub kinds: &'q [xsell_core::EventKind],
    /// Earlier baskets of the same user (empty unless history is enabled).
    pub history: &'q [Vec<u32>],
}

/// A per-thread ranking function: query and list length in, ranked list out.
pub type Worker<'w> = Box<dyn FnMut(&Query<'_>, usize) -> Ranked + 'w>;

/// Anything that can rank items for a session prefix.
pub trait Predictor: Sync {
    /// Display name.
    fn name(&self) -> String;
    /// A per-thread ranking function (scorers with scratch space need one each).
    fn worker(&self) -> Worker<'_>;
}

/// Evaluation output of one predictor.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Predictor name.
    pub name: String,
    /// Metrics.
    pub metrics: Metrics,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Top-20 lists per prediction, when requested.
    pub lists: Option<Vec<SavedList>>,
}

/// Inputs shared by every predictor in one run.
pub struct EvalSet<'e> {
    /// Test sessions, already mapped onto the training vocabulary.
    pub sessions: &'e [Session],
    /// Earlier baskets per test session (parallel to `sessions`; empty if none).
    pub histories: &'e [Vec<Vec<u32>>],
    /// Number of training items (for coverage).
    pub n_items: usize,
    /// Popularity per training item (for popularity@20).
    pub popularity: &'e [u32],
    /// Category per item (for diversity), if a catalogue is known.
    pub category: Option<&'e [Option<u16>]>,
    /// Cap on predictions (for tuning); `None` = all.
    pub limit: Option<usize>,
}

const LIST_LEN: usize = 20;

/// Runs one predictor over the whole set.
pub fn evaluate(p: &dyn Predictor, set: &EvalSet<'_>, keep_lists: bool) -> Outcome {
    let t0 = std::time::Instant::now();
    let mut jobs: Vec<(usize, usize)> = set
        .sessions
        .iter()
        .enumerate()
        .flat_map(|(k, s)| (1..s.items.len()).map(move |pos| (k, pos)))
        .collect();
    if let Some(limit) = set.limit {
        if jobs.len() > limit {
            // Deterministic, evenly spread subsample.
            let step = jobs.len() as f64 / limit as f64;
            jobs = (0..limit)
                .map(|k| jobs[(k as f64 * step) as usize])
                .collect();
        }
    }
    let empty: Vec<Vec<u32>> = Vec::new();
    let results: Vec<(usize, usize, Ranked)> = jobs
        .par_iter()
        .map_init(
            || p.worker(),
            |w, &(k, pos)| {
                let s = &set.sessions[k];
                let q = Query {
                    prefix: &s.items[..pos],
                    kinds: &s.kinds[..pos],
                    history: set.histories.get(k).unwrap_or(&empty),
                };
                let mut list = w(&q, LIST_LEN);
                list.truncate(LIST_LEN);
                (k, pos, list)
            },
        )
        .collect();
    let mut acc = MetricsAcc::new(set.n_items);
    for (k, pos, list) in &results {
        let target = set.sessions[*k].items[*pos];
        acc.add(list, target, set.popularity, set.category);
    }
    let lists = keep_lists.then(|| {
        results
            .into_iter()
            .map(|(k, pos, items)| SavedList {
                session: set.sessions[k].id.clone(),
                // The prefix is items[..pos]; its last item is pos - 1.
                position: pos - 1,
                items,
            })
            .collect()
    });
    Outcome {
        name: p.name(),
        metrics: acc.finish(),
        seconds: t0.elapsed().as_secs_f64(),
        lists,
    }
}
