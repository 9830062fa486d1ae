//! Training the ranking layer: queries of the linear blend's top
//! [`RERANK_DEPTH`] candidates with their features ([`rank_queries`]),
//! LambdaMART on them ([`super::lambdamart`]), and the decision whether the
//! model keeps the trees ([`train_ranker`]).
//!
//! The trees learn from the inner split of the training part
//! ([`TuningData::inner`]): candidates of a model that never saw those
//! sessions, as at serving time. Validation sessions are never trained on:
//! the odd ones choose the number of trees (early stopping), the even ones
//! decide whether the forest beats the linear blend, with and without the
//! on-device history.

use super::lambdamart::{self, LambdaMartParams, RankData, TrainLog};
use super::{build, TrainConfig};
use crate::input::Catalog;
use crate::sessions::Session;
use crate::validation::TuningData;
use indicatif::ProgressBar;
use rayon::prelude::*;
use xsell_core::rank::{Forest, FEATURE_SET, N_FEATURES, RERANK_DEPTH};
use xsell_core::{Event, Model, ModelBuilder, Recommender, Request};

/// Whether the model gets a ranking layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
pub enum RankerMode {
    /// Train it; keep it when held-back validation sessions say it helps.
    #[default]
    Auto,
    /// No ranking layer: the linear blend alone.
    Off,
    /// Train every round and keep them whatever validation says (for
    /// measuring).
    On,
}

/// How the ranking layer is trained.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RankerSettings {
    /// Whether the model gets one.
    pub mode: RankerMode,
    /// The trainer's settings.
    pub params: LambdaMartParams,
    /// Where to write the queries in SVMlight form (`train.svm`,
    /// `stop.svm`, `held.svm`, `held_history.svm`) for other rankers.
    pub dump: Option<std::path::PathBuf>,
}

/// Validation MRR@20 gain the forest needs, session only, to be kept in
/// [`RankerMode::Auto`] (with history it may not lose more than this).
pub const KEEP_MARGIN: f64 = 0.001;

/// Ranking queries with what each one is.
#[derive(Debug, Clone)]
pub struct Queries {
    /// Features and labels (1 = the item added next).
    pub data: RankData,
    /// Per query: the session it came from (index into the sessions given).
    pub session: Vec<usize>,
    /// Per query: whether the device's history was part of the request.
    pub with_history: Vec<bool>,
}

impl Queries {
    /// The queries `keep` selects, as their own data.
    pub fn subset(&self, keep: impl Fn(usize) -> bool) -> RankData {
        let mut out = RankData::new(self.data.n_features);
        for q in (0..self.data.n_queries()).filter(|&q| keep(q)) {
            let rows = self.data.query(q);
            let nf = self.data.n_features;
            out.push_query(
                &self.data.features[rows.start * nf..rows.end * nf],
                &self.data.labels[rows],
            );
        }
        out
    }
}

/// One query per prefix of every session (the prefix predicts the next
/// item, as in evaluation), scored by the model `bytes`: the candidates and
/// features [`Recommender::candidates`] gives. With `histories`, each prefix
/// also gives a query with the device's history (skipped for an empty
/// history unless `keep_empty`). Without `keep_empty`, queries whose next
/// item is not among the candidates are dropped (they teach nothing).
pub fn rank_queries(
    bytes: &[u8],
    sessions: &[Session],
    histories: &[Vec<Vec<u32>>],
    keep_empty: bool,
) -> Result<Queries, xsell_core::ModelError> {
    let model = Model::parse(bytes)?;
    let empty: Vec<Vec<u32>> = Vec::new();
    type Query = (usize, bool, Vec<f32>, Vec<f32>);
    let per_session: Vec<Vec<Query>> = sessions
        .par_iter()
        .enumerate()
        .map_init(
            || Recommender::new(model.clone()),
            |rec, (k, s)| {
                let mut out = Vec::new();
                let history = histories.get(k).unwrap_or(&empty);
                for pos in 1..s.items.len() {
                    let events: Vec<Event> = s.items[..pos]
                        .iter()
                        .zip(&s.kinds)
                        .map(|(&item, &kind)| Event { item, kind })
                        .collect();
                    let target = s.items[pos];
                    let history_too = !histories.is_empty() && (keep_empty || !history.is_empty());
                    let variants: &[bool] = if history_too {
                        &[false, true]
                    } else {
                        &[false]
                    };
                    for &with_history in variants {
                        let c = rec.candidates(
                            &Request {
                                events: &events,
                                history: if with_history { history } else { &[] },
                                count: RERANK_DEPTH,
                                ..Default::default()
                            },
                            RERANK_DEPTH,
                        );
                        let labels: Vec<f32> = c
                            .ranked
                            .iter()
                            .map(|r| f32::from(u8::from(r.item == target)))
                            .collect();
                        if keep_empty || labels.contains(&1.0) {
                            out.push((k, with_history, c.features, labels));
                        }
                    }
                }
                out
            },
        )
        .collect();
    let mut q = Queries {
        data: RankData::new(N_FEATURES),
        session: Vec::new(),
        with_history: Vec::new(),
    };
    for (k, h, f, l) in per_session.into_iter().flatten() {
        q.data.push_query(&f, &l);
        q.session.push(k);
        q.with_history.push(h);
    }
    Ok(q)
}

/// What training the ranking layer found (validation MRR@20 on the
/// held-back even sessions).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RankerReport {
    /// The mode asked for.
    pub mode: RankerMode,
    /// Whether the model keeps the forest.
    pub kept: bool,
    /// Training queries (inner split, next item among the candidates).
    pub train_queries: usize,
    /// Training rows.
    pub train_rows: usize,
    /// Validation queries choosing the number of trees.
    pub stop_queries: usize,
    /// Validation queries deciding (session only).
    pub held_queries: usize,
    /// Linear blend, session only.
    pub linear: f64,
    /// Forest, session only.
    pub forest: f64,
    /// Linear blend and forest with on-device history, when known.
    pub history: Option<(f64, f64)>,
    /// The boosting run.
    pub log: TrainLog,
    /// The trainer's settings.
    pub params: LambdaMartParams,
}

/// Trains the ranking layer for the tuned model `builder` (trained on
/// `data.train` with `config`) and decides, by `settings.mode`, whether it
/// keeps the trees. `None` when `data` has no inner split.
pub fn train_ranker(
    data: &TuningData,
    builder: &ModelBuilder,
    config: &TrainConfig,
    catalog: Option<&Catalog>,
    settings: &RankerSettings,
    progress: &ProgressBar,
) -> Result<Option<(Option<Forest>, RankerReport)>, RankerError> {
    let (mode, params) = (settings.mode, &settings.params);
    let Some(inner) = data.inner.as_deref() else {
        return Ok(None);
    };
    if mode == RankerMode::Off || inner.valid.is_empty() || data.valid.is_empty() {
        return Ok(None);
    }
    progress.set_message("ranker data");
    let inner_bytes = build(&inner.train, catalog, config, builder.params).build()?;
    let train = rank_queries(&inner_bytes, &inner.valid, &inner.histories, false)?;
    let mut linear = builder.clone();
    linear.ranker = None;
    let valid = rank_queries(&linear.build()?, &data.valid, &data.histories, true)?;
    let stop = valid.subset(|q| valid.session[q] % 2 == 1);
    progress.set_message("ranker");
    // Kept whatever validation says: then every round is kept too.
    let params = &LambdaMartParams {
        early_stopping: if mode == RankerMode::On {
            0
        } else {
            params.early_stopping
        },
        ..*params
    };
    let (forest, log) = lambdamart::train(&train.data, &stop, params, FEATURE_SET, progress);
    let held = |history: bool| {
        let d = valid.subset(|q| valid.session[q] % 2 == 0 && valid.with_history[q] == history);
        let lin = lambdamart::mrr_ndcg_at(&d, 20, |r| -(r as f32)).0;
        let trees = lambdamart::mrr_ndcg_at(&d, 20, |r| forest.score(d.row(r))).0;
        (d.n_queries(), lin, trees, d)
    };
    let (held_queries, lin, trees, held_data) = held(false);
    let history = (!data.histories.is_empty()).then(|| held(true));
    if let Some(dir) = &settings.dump {
        let mut files = vec![
            ("train.svm", &train.data),
            ("stop.svm", &stop),
            ("held.svm", &held_data),
        ];
        if let Some(h) = &history {
            files.push(("held_history.svm", &h.3));
        }
        std::fs::create_dir_all(dir).map_err(|source| RankerError::Dump {
            path: dir.clone(),
            source,
        })?;
        for (name, d) in files {
            let path = dir.join(name);
            let write = || -> std::io::Result<()> {
                let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
                d.write_svmlight(&mut out)?;
                std::io::Write::flush(&mut out)
            };
            write().map_err(|source| RankerError::Dump {
                path: path.clone(),
                source,
            })?;
        }
    }
    let history = history.map(|(_, l, t, _)| (l, t));
    let better = trees >= lin + KEEP_MARGIN && history.is_none_or(|(l, t)| t >= l - KEEP_MARGIN);
    let kept = !forest.trees.is_empty()
        && match mode {
            RankerMode::On => true,
            RankerMode::Auto => better,
            RankerMode::Off => false,
        };
    let report = RankerReport {
        mode,
        kept,
        train_queries: train.data.n_queries(),
        train_rows: train.data.n_rows(),
        stop_queries: stop.n_queries(),
        held_queries,
        linear: lin,
        forest: trees,
        history,
        log,
        params: *params,
    };
    Ok(Some((kept.then_some(forest), report)))
}

/// Training the ranking layer failed.
#[derive(Debug, thiserror::Error)]
pub enum RankerError {
    /// A model of the candidates could not be built or read.
    #[error(transparent)]
    Model(#[from] xsell_core::Error),
    /// The queries could not be written where `--ranker-data` said.
    #[error("writing the ranking queries to {}: {source} (check that the directory is writable)", .path.display())]
    Dump {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl From<xsell_core::ModelError> for RankerError {
    fn from(e: xsell_core::ModelError) -> Self {
        Self::Model(e.into())
    }
}

impl From<xsell_core::BuildError> for RankerError {
    fn from(e: xsell_core::BuildError) -> Self {
        Self::Model(e.into())
    }
}
