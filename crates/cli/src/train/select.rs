//! Choosing the model on validation data ([`TuningData`], never the test
//! set): the training-time normalisation exponents, the session scoring
//! parameters, the history weights and the DPP's default θ.
//!
//! Exponents change the stored weights, so each candidate is rebuilt and its
//! scoring parameters tuned ([`Tuner::session`]); the best validation MRR@20
//! wins. One full model of the winner (with vectors) then serves the history
//! weights ([`Tuner::history`]) and the θ curve ([`choose_theta`]).

use super::ranker::{train_ranker, RankerError, RankerReport, RankerSettings};
use super::{build, TrainConfig, TuneReport, Tuner};
use crate::eval::theta::{choose_theta, theta_curve, ThetaChoice, THETA_MRR_TOLERANCE};
use crate::eval::EvalSet;
use crate::input::Catalog;
use crate::validation::TuningData;
use indicatif::ProgressBar;
use std::fmt;
use std::str::FromStr;
use xsell_core::rank::Forest;
use xsell_core::ScoringParams;

/// Validation predictions the θ curve is computed on.
const THETA_LIMIT: usize = 6000;

/// The normalisation exponents of one training configuration: a link
/// `i → j` is divided by `count(i)^source · count(j)^target`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Exponents {
    /// Exponent of the source item's count.
    pub source: f32,
    /// Exponent of the target item's count.
    pub target: f32,
}

/// The exponents tried by default: from cosine-like to strongly
/// popularity-penalising.
pub const DEFAULT_EXPONENTS: [Exponents; 5] = [
    Exponents {
        source: 0.5,
        target: 0.25,
    },
    Exponents {
        source: 0.75,
        target: 0.25,
    },
    Exponents {
        source: 1.0,
        target: 0.25,
    },
    Exponents {
        source: 0.75,
        target: 0.1,
    },
    Exponents {
        source: 0.75,
        target: 0.5,
    },
];

/// A malformed `source,target` pair.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("exponents `{text}`: {reason} (write them as SOURCE,TARGET, e.g. 0.75,0.25)")]
pub struct ExponentsError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FromStr for Exponents {
    type Err = ExponentsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| ExponentsError {
            text: text.to_string(),
            reason,
        };
        let (a, b) = text.split_once(',').ok_or_else(|| err("no comma"))?;
        let parse = |v: &str| -> Result<f32, ExponentsError> {
            let x: f32 = v.trim().parse().map_err(|_| err("not a number"))?;
            if (0.0..=4.0).contains(&x) {
                Ok(x)
            } else {
                Err(err("each exponent must be within 0 and 4"))
            }
        };
        Ok(Self {
            source: parse(a)?,
            target: parse(b)?,
        })
    }
}

impl fmt::Display for Exponents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}/{:.2}", self.source, self.target)
    }
}

/// The training configurations tried: `base` with each pair of `grid`.
pub fn config_candidates(base: &TrainConfig, grid: &[Exponents]) -> Vec<TrainConfig> {
    grid.iter()
        .map(|e| TrainConfig {
            source_exponent: e.source,
            target_exponent: e.target,
            ..*base
        })
        .collect()
}

/// One exponent candidate, with its tuned scoring parameters.
#[derive(Debug, Clone)]
pub struct ExponentTrial {
    /// The exponents tried.
    pub exponents: Exponents,
    /// Scoring parameters tuned for them.
    pub params: ScoringParams,
    /// Validation result (session only).
    pub report: TuneReport,
}

/// Everything tuning chose, and what it saw.
#[derive(Debug, Clone)]
pub struct TunedModel {
    /// The winning training configuration.
    pub config: TrainConfig,
    /// The tuned scoring parameters, with the chosen θ in `dpp_theta`.
    pub params: ScoringParams,
    /// Validation result of the winner (session only).
    pub session: TuneReport,
    /// Every exponent candidate, in the order tried.
    pub exponents: Vec<ExponentTrial>,
    /// Validation MRR@20 with on-device history, when histories were known.
    pub history_mrr20: Option<f64>,
    /// The ranking layer, when validation kept it.
    pub ranker: Option<Forest>,
    /// What training the ranking layer found (`None` when not trained).
    pub ranker_report: Option<RankerReport>,
    /// The default θ and its validation curve.
    pub theta: ThetaChoice,
}

/// Tunes the training configuration (over `grid`) and every scoring
/// parameter on `data`, trains the ranking layer (by `ranker`) and chooses
/// θ for the final scores; `progress` shows each stage.
pub fn tune_model(
    data: &TuningData,
    catalog: Option<&Catalog>,
    base: &TrainConfig,
    grid: &[Exponents],
    ranker: &RankerSettings,
    progress: &ProgressBar,
) -> Result<TunedModel, RankerError> {
    assert!(!grid.is_empty(), "at least one exponent candidate");
    let (tr, valid) = (&data.train, data.valid.as_slice());
    let mut trials: Vec<(TrainConfig, ExponentTrial)> = Vec::new();
    for (cfg, &exponents) in config_candidates(base, grid).into_iter().zip(grid) {
        progress.set_message(format!("tuning {exponents}"));
        // Vectors do not affect the ranking: candidates are built without them.
        let builder = build(
            tr,
            catalog,
            &TrainConfig {
                vector_dim: 0,
                ..cfg
            },
            ScoringParams::default(),
        );
        let (params, report) =
            Tuner::new(&builder, tr, valid).session(ScoringParams::default(), progress);
        trials.push((
            cfg,
            ExponentTrial {
                exponents,
                params,
                report,
            },
        ));
    }
    let (config, winner) = trials
        .iter()
        .fold(
            None::<&(TrainConfig, ExponentTrial)>,
            |best, t| match best {
                Some(b) if b.1.report.mrr20 >= t.1.report.mrr20 => Some(b),
                _ => Some(t),
            },
        )
        .cloned()
        .expect("at least one candidate");
    let mut params = winner.params;
    let mut builder = build(tr, catalog, &config, params);
    let mut history_mrr20 = None;
    if !data.histories.is_empty() {
        progress.set_message("tuning history");
        let (p, mrr) = Tuner::new(&builder, tr, valid).history(params, &data.histories, progress);
        params = p;
        builder.params = p;
        history_mrr20 = Some(mrr);
    }
    let trained = train_ranker(data, &builder, &config, catalog, ranker, progress)?;
    let (forest, ranker_report) = trained.map_or((None, None), |(f, r)| (f, Some(r)));
    builder.ranker = forest.clone();
    progress.set_message("choosing θ");
    let bytes = builder.build()?;
    let popularity: Vec<u32> = builder.items.iter().map(|i| i.popularity).collect();
    let category: Vec<Option<u16>> = builder.items.iter().map(|i| i.category).collect();
    let set = EvalSet {
        sessions: valid,
        histories: &[],
        n_items: tr.n_items(),
        popularity: &popularity,
        category: catalog.is_some().then_some(category.as_slice()),
        limit: Some(THETA_LIMIT),
    };
    let curve = theta_curve(&bytes, &set)?;
    let theta = choose_theta(curve, THETA_MRR_TOLERANCE);
    params.dpp_theta = theta.theta;
    Ok(TunedModel {
        config,
        params,
        session: winner.report,
        exponents: trials.into_iter().map(|t| t.1).collect(),
        history_mrr20,
        ranker: forest,
        ranker_report,
        theta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_parse_or_say_how_to_write_them() {
        assert_eq!(
            "0.75, 0.1".parse::<Exponents>(),
            Ok(Exponents {
                source: 0.75,
                target: 0.1
            })
        );
        let e = "0.75".parse::<Exponents>().unwrap_err();
        assert!(e.to_string().contains("SOURCE,TARGET"), "{e}");
        assert!("a,1".parse::<Exponents>().is_err());
        assert!("-1,1".parse::<Exponents>().is_err());
    }

    #[test]
    fn candidates_vary_only_the_exponents() {
        let base = TrainConfig::default();
        let c = config_candidates(&base, &DEFAULT_EXPONENTS);
        assert_eq!(c.len(), 5);
        assert!(c.iter().all(|c| c.max_neighbours == base.max_neighbours));
        assert!(c
            .iter()
            .zip(&DEFAULT_EXPONENTS)
            .all(|(c, e)| (c.source_exponent, c.target_exponent) == (e.source, e.target)));
    }
}
