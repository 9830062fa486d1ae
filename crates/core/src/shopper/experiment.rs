//! Experiments: a placement's traffic split into arms, each a named
//! placement config, the shop's `legacy` co-purchase list, or a `holdout`
//! that shows nothing. The device draws its arm from a random salt made
//! once on the device and never sent: the arm is sticky across visits, and
//! it says nothing about the shopper that the shop did not decide.
//!
//! ```json
//! { "v": 1, "experiments": [ {
//!     "name": "grid-vs-carousel", "placement": "cart",
//!     "start": "2026-12-01", "end": "2026-12-28",
//!     "arms": [
//!       { "name": "control", "weight": 1, "kind": "legacy" },
//!       { "name": "carousel", "weight": 1, "config": { "layout": "carousel" } },
//!       { "name": "grid", "weight": 1, "config": { "layout": "grid" } },
//!       { "name": "none", "weight": 1, "kind": "holdout" } ] } ] }
//! ```
//!
//! Changing the weights of a running experiment moves some devices to
//! another arm (the draw is `hash(salt, experiment) mod total weight`,
//! mapped onto the arms in order); the analysis then mixes exposures. Start
//! a new experiment (a new name) instead: its draw is independent.

use serde::{Deserialize, Serialize};

use super::config::PlacementConfig;
use crate::clock::day_number;
use crate::error::ParamError;
use crate::guard::{ensure, ParamGuard, Valid};
use crate::privacy::exact::{uniform_below, SplitMix64};
use crate::privacy::report::valid_placement;

/// Version of the experiment file format.
pub const EXPERIMENTS_VERSION: u32 = 1;

/// What an arm shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArmKind {
    /// xsell with the arm's placement config.
    #[default]
    Config,
    /// The co-purchase list a shop typically had before: the strongest
    /// "bought together" links of the shopper's latest item, no
    /// diversification, no fatigue.
    Legacy,
    /// No widget at all; purchases and order value are still counted.
    Holdout,
}

impl ArmKind {
    /// Its name, as the experiment file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Legacy => "legacy",
            Self::Holdout => "holdout",
        }
    }
}

/// One arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// Name (`[a-z0-9_-]{1,32}`), carried by the reports.
    pub name: String,
    /// Share of devices, relative to the other arms (1–10,000).
    pub weight: u32,
    /// What it shows.
    #[serde(default)]
    pub kind: ArmKind,
    /// The placement config of a `config` arm (default: the placement's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<PlacementConfig>,
}

/// One experiment on one placement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Name (`[a-z0-9_-]{1,32}`), carried by the reports.
    pub name: String,
    /// The placement it splits.
    pub placement: String,
    /// First UTC day, `YYYY-MM-DD`.
    pub start: String,
    /// Last UTC day, inclusive.
    pub end: String,
    /// Two or more arms.
    pub arms: Vec<Arm>,
}

/// The experiment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiments {
    /// Format version ([`EXPERIMENTS_VERSION`]).
    pub v: u32,
    /// The experiments.
    #[serde(default)]
    pub experiments: Vec<Experiment>,
}

impl Default for Experiments {
    fn default() -> Self {
        Self {
            v: EXPERIMENTS_VERSION,
            experiments: Vec::new(),
        }
    }
}

fn invalid(field: &'static str, value: impl Into<String>, allowed: &'static str) -> ParamError {
    ParamError::Invalid {
        field,
        value: value.into(),
        allowed,
    }
}

impl ParamGuard for Experiment {
    fn validate(&self) -> Result<(), ParamError> {
        if !valid_placement(&self.name) {
            return Err(invalid(
                "name",
                self.name.clone(),
                "1-32 characters of a-z, 0-9, _ and -",
            ));
        }
        if !valid_placement(&self.placement) {
            return Err(invalid(
                "placement",
                self.placement.clone(),
                "a placement name (1-32 characters of a-z, 0-9, _ and -)",
            ));
        }
        let (Some(start), Some(end)) = (day_number(&self.start), day_number(&self.end)) else {
            return Err(invalid(
                "start/end",
                format!("{} .. {}", self.start, self.end),
                "real calendar days YYYY-MM-DD",
            ));
        };
        if end < start {
            return Err(invalid("end", self.end.clone(), "a day on or after start"));
        }
        if self.arms.len() < 2 || self.arms.len() > 16 {
            return Err(invalid("arms", self.arms.len().to_string(), "2 to 16 arms"));
        }
        for (k, a) in self.arms.iter().enumerate() {
            if !valid_placement(&a.name) {
                return Err(invalid(
                    "arms.name",
                    a.name.clone(),
                    "1-32 characters of a-z, 0-9, _ and -",
                ));
            }
            if self.arms[..k].iter().any(|b| b.name == a.name) {
                return Err(invalid("arms.name", a.name.clone(), "each arm name once"));
            }
            ensure(
                (1..=10_000).contains(&a.weight),
                "arms.weight",
                f64::from(a.weight),
                "1 to 10000",
            )?;
            match (a.kind, &a.config) {
                (ArmKind::Config, Some(c)) => c.validate()?,
                (ArmKind::Config, None) => {}
                (_, Some(_)) => {
                    return Err(invalid(
                        "arms.config",
                        a.name.clone(),
                        "a config only on arms of kind config",
                    ))
                }
                (_, None) => {}
            }
        }
        Ok(())
    }
}

impl ParamGuard for Experiments {
    fn validate(&self) -> Result<(), ParamError> {
        ensure(
            self.v == EXPERIMENTS_VERSION,
            "v",
            f64::from(self.v),
            "1 (the experiment format this widget reads)",
        )?;
        for (k, e) in self.experiments.iter().enumerate() {
            e.validate().map_err(|err| ParamError::InPlacement {
                placement: format!("experiment {}", e.name),
                source: Box::new(err),
            })?;
            for other in &self.experiments[..k] {
                if other.name == e.name {
                    return Err(invalid(
                        "experiments.name",
                        e.name.clone(),
                        "each name once",
                    ));
                }
                let overlap = other.placement == e.placement
                    && day_number(&other.start) <= day_number(&e.end)
                    && day_number(&e.start) <= day_number(&other.end);
                if overlap {
                    return Err(invalid(
                        "experiments",
                        format!("{} and {} on {}", other.name, e.name, e.placement),
                        "one experiment per placement at a time (their days overlap)",
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Valid<Experiments> {
    /// Parses and checks an experiment file.
    pub fn from_json(text: &str) -> Result<Self, ParamError> {
        serde_json::from_str::<Experiments>(text)
            .map_err(|e| ParamError::Unreadable(e.to_string()))?
            .check()
    }
}

impl Experiments {
    /// The experiment running on `placement` on `day`, if any.
    pub fn running(&self, placement: &str, day: &str) -> Option<&Experiment> {
        let d = day_number(day)?;
        self.experiments.iter().find(|e| {
            e.placement == placement
                && day_number(&e.start).is_some_and(|s| s <= d)
                && day_number(&e.end).is_some_and(|x| d <= x)
        })
    }
}

/// FNV-1a (64-bit) of a text: stable across builds and platforms. It mixes
/// names into salts (experiments, e-mail arms) and gives the trainer's
/// readers stable pseudonyms (Shopify customers).
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Experiment {
    /// The arm of the device with `salt`: `hash(salt, name)` uniform over
    /// the total weight, mapped onto the arms in order. Sticky: the same
    /// salt always gives the same arm.
    pub fn arm_for(&self, salt: u64) -> &Arm {
        let total: u64 = self.arms.iter().map(|a| u64::from(a.weight)).sum();
        let mut rng = SplitMix64(salt ^ fnv(&self.name));
        let mut draw = uniform_below(&mut rng, total);
        for a in &self.arms {
            let w = u64::from(a.weight);
            if draw < w {
                return a;
            }
            draw -= w;
        }
        self.arms.last().expect("checked: at least two arms")
    }
}
