//! Writing and checking experiment files (`xsell experiment add|check`):
//! arms given as percentages that must add up to 100, configs named from
//! the shop's placement file (an arm naming a config that does not exist
//! is refused), and the whole file checked by the widget's own rules
//! (calendar days, one experiment per placement at a time) before a byte
//! is written.

use xsell_core::shopper::{Arm, ArmKind, Experiment, Experiments, Placements};
use xsell_core::{ParamError, ParamGuard, Valid};

/// Why an experiment cannot be added.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExperimentFileError {
    /// An `--arm` that is not `NAME=PERCENT[:KIND]`.
    #[error("--arm {given:?}: {reason}; write NAME=PERCENT, NAME=PERCENT:legacy, NAME=PERCENT:holdout or NAME=PERCENT:config=PLACEMENT")]
    ArmSpec {
        /// What was given.
        given: String,
        /// What is wrong.
        reason: String,
    },
    /// The percentages do not add up to 100.
    #[error("the arms' percentages add up to {sum}, not 100; give shares that do")]
    Percentages {
        /// Their sum.
        sum: u32,
    },
    /// An arm names a config the placement file does not have.
    #[error(
        "arm {arm:?} uses config {config:?}, which {placements} does not have; known: {known}"
    )]
    UnknownConfig {
        /// The arm.
        arm: String,
        /// The config it names.
        config: String,
        /// Where configs come from.
        placements: String,
        /// The names there.
        known: String,
    },
    /// The existing file is not an experiment file.
    #[error("the existing file is not a usable experiment file: {0}; fix or move it first")]
    Existing(ParamError),
    /// The result breaks a rule of the format (the widget would refuse it).
    #[error("{0}")]
    Invalid(ParamError),
}

/// One arm as the command line gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmSpec {
    /// Arm name.
    pub name: String,
    /// Percent of devices.
    pub percent: u32,
    /// What it shows.
    pub kind: ArmKind,
    /// For a config arm: the named placement config it uses (default: the
    /// placement's own).
    pub config: Option<String>,
}

impl std::str::FromStr for ArmSpec {
    type Err = ExperimentFileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| ExperimentFileError::ArmSpec {
            given: s.to_string(),
            reason: reason.to_string(),
        };
        let (name, rest) = s.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let (percent, kind) = match rest.split_once(':') {
            Some((p, k)) => (p, Some(k)),
            None => (rest, None),
        };
        let percent: u32 = percent
            .trim()
            .parse()
            .map_err(|_| bad("the share is not a whole percentage"))?;
        if !(1..=100).contains(&percent) {
            return Err(bad("a share is 1 to 100 percent"));
        }
        let (kind, config) = match kind.map(str::trim) {
            None | Some("config") => (ArmKind::Config, None),
            Some("legacy") => (ArmKind::Legacy, None),
            Some("holdout") => (ArmKind::Holdout, None),
            Some(k) => match k.strip_prefix("config=") {
                Some(c) if !c.is_empty() => (ArmKind::Config, Some(c.to_string())),
                _ => return Err(bad("unknown kind")),
            },
        };
        Ok(Self {
            name: name.trim().to_string(),
            percent,
            kind,
            config,
        })
    }
}

/// A new experiment as the command line gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExperiment {
    /// Name.
    pub name: String,
    /// Placement.
    pub placement: String,
    /// First day.
    pub start: String,
    /// Last day.
    pub end: String,
    /// Arms.
    pub arms: Vec<ArmSpec>,
}

/// `existing` (the file's text, if there is one) with `new` added, checked
/// as the widget checks it, as pretty JSON. Configs named by arms come
/// from `placements` (the shop's placement file, named `source` in errors).
pub fn add(
    existing: Option<&str>,
    new: &NewExperiment,
    placements: Option<(&Placements, &str)>,
) -> Result<String, ExperimentFileError> {
    let mut file = match existing.filter(|t| !t.trim().is_empty()) {
        Some(t) => Valid::<Experiments>::from_json(t)
            .map_err(ExperimentFileError::Existing)?
            .into_inner(),
        None => Experiments::default(),
    };
    let sum: u32 = new.arms.iter().map(|a| a.percent).sum();
    if sum != 100 {
        return Err(ExperimentFileError::Percentages { sum });
    }
    let arms = new
        .arms
        .iter()
        .map(|a| {
            let config = match &a.config {
                None => None,
                Some(c) => {
                    let found = placements.and_then(|(p, _)| p.placements.get(c));
                    Some(
                        found
                            .cloned()
                            .ok_or_else(|| ExperimentFileError::UnknownConfig {
                                arm: a.name.clone(),
                                config: c.clone(),
                                placements: placements.map_or_else(
                                    || "no --placements file".to_string(),
                                    |(_, s)| s.to_string(),
                                ),
                                known: placements.map_or_else(
                                    || "none".to_string(),
                                    |(p, _)| {
                                        p.placements.keys().cloned().collect::<Vec<_>>().join(", ")
                                    },
                                ),
                            })?,
                    )
                }
            };
            Ok(Arm {
                name: a.name.clone(),
                weight: a.percent,
                kind: a.kind,
                config,
            })
        })
        .collect::<Result<Vec<_>, ExperimentFileError>>()?;
    file.experiments.push(Experiment {
        name: new.name.clone(),
        placement: new.placement.clone(),
        start: new.start.clone(),
        end: new.end.clone(),
        arms,
    });
    let checked = file.check().map_err(ExperimentFileError::Invalid)?;
    Ok(serde_json::to_string_pretty(checked.get()).expect("plain data serializes") + "\n")
}

/// A summary of a checked file, one experiment per paragraph, with which
/// ones run on `today`.
pub fn summary(file: &Experiments, today: &str) -> String {
    let mut s = String::new();
    for e in &file.experiments {
        let total: u32 = e.arms.iter().map(|a| a.weight).sum();
        let state = if today < e.start.as_str() {
            "scheduled"
        } else if today > e.end.as_str() {
            "ended"
        } else {
            "running"
        };
        s += &format!(
            "{} on {}: {} … {} ({state})\n",
            e.name, e.placement, e.start, e.end
        );
        for a in &e.arms {
            s += &format!(
                "  {:<16} {:>5.1} %  {}\n",
                a.name,
                100.0 * f64::from(a.weight) / f64::from(total.max(1)),
                a.kind.as_str()
            );
        }
    }
    if file.experiments.is_empty() {
        s += "no experiments\n";
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(arms: &[&str]) -> NewExperiment {
        NewExperiment {
            name: "layout".into(),
            placement: "cart".into(),
            start: "2026-12-01".into(),
            end: "2026-12-28".into(),
            arms: arms.iter().map(|a| a.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn writes_a_file_the_widget_accepts() {
        let text = add(None, &new(&["control=50:legacy", "xsell=50"]), None).unwrap();
        let f = Valid::<Experiments>::from_json(&text).unwrap();
        assert_eq!(f.get().experiments[0].arms[0].kind, ArmKind::Legacy);
        let s = summary(f.get(), "2026-12-05");
        assert!(s.contains("running") && s.contains("50.0 %"), "{s}");
    }

    #[test]
    fn refuses_shares_that_do_not_add_up_unknown_configs_and_overlaps() {
        let e = add(None, &new(&["a=50", "b=40"]), None).unwrap_err();
        assert_eq!(e, ExperimentFileError::Percentages { sum: 90 });
        let placements = Placements::default();
        let e = add(
            None,
            &new(&["a=50", "b=50:config=grid"]),
            Some((&placements, "placements.json")),
        )
        .unwrap_err();
        assert!(
            matches!(e, ExperimentFileError::UnknownConfig { .. }),
            "{e}"
        );
        let first = add(None, &new(&["a=50", "b=50"]), None).unwrap();
        let mut again = new(&["c=50", "d=50:holdout"]);
        again.name = "other".into();
        again.start = "2026-12-20".into();
        let e = add(Some(&first), &again, None).unwrap_err();
        assert!(e.to_string().contains("overlap"), "{e}");
        again.start = "2026-12-29".into();
        again.end = "2027-01-10".into();
        assert!(add(Some(&first), &again, None).is_ok());
        assert!("a".parse::<ArmSpec>().is_err());
        assert!("a=0".parse::<ArmSpec>().is_err());
        assert!("a=10:bogus".parse::<ArmSpec>().is_err());
        assert!(add(Some("{\"v\":9}"), &new(&["a=50", "b=50"]), None).is_err());
    }
}
