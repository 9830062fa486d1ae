//! What the estimators read of the stored reports: per group of reports
//! (a day, a placement, an experiment and an arm) how many there are and
//! how often each noised value occurs among them.
//!
//! Every estimate the collector gives — the KPIs' 1BitMean and OUE
//! debiasing, the per-report linear statistics, the journeys' Hadamard
//! sums, the sample-ratio counts — is a sum over reports of a function of
//! one value (or a count of reports), so these counts hold all the
//! estimators need. The database computes them (`GROUP BY` over the typed
//! columns, [`super::store`]) instead of handing every report body to the
//! collector, and keeps them per closed day as roll-ups, so a month of a
//! large shop reads thousands of rows, not millions of bodies.

use std::collections::BTreeMap;
use xsell_core::privacy::report::{Metric, Noised, Report};

/// One group of reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Group {
    /// The reports' day, `YYYY-MM-DD`.
    pub day: String,
    /// Their placement (`journeys` for journey reports).
    pub placement: String,
    /// Their experiment, if any.
    pub experiment: Option<String>,
    /// Their arm, if any.
    pub arm: Option<String>,
}

impl Group {
    /// The group of report `r`.
    pub fn of(r: &Report) -> Self {
        Self {
            day: r.day.clone(),
            placement: r.placement.clone(),
            experiment: r.experiment.clone(),
            arm: r.arm.clone(),
        }
    }
}

/// The reports of one group (or of several, merged): how many, and each
/// distinct noised value with the number of reports that carry it. A
/// value may be listed more than once; its counts then add.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Reports counted.
    pub reports: u64,
    /// Noised values with their multiplicities.
    pub values: Vec<(Noised, u64)>,
}

impl Tally {
    /// Adds `other`'s reports and values.
    pub fn merge(&mut self, other: &Tally) {
        self.reports += other.reports;
        self.values.extend(other.values.iter().cloned());
    }

    /// The same counts in a canonical form (values merged and sorted), to
    /// compare two tallies of the same reports.
    pub fn canonical(&self) -> (u64, BTreeMap<String, u64>) {
        let mut values = BTreeMap::new();
        for (v, n) in &self.values {
            let key = serde_json::to_string(v).expect("plain data serializes");
            *values.entry(key).or_default() += n;
        }
        (self.reports, values)
    }
}

/// Tallies by group.
pub type Tallies = BTreeMap<Group, Tally>;

/// The tallies of reports held in memory (each value counted once per
/// report): what the database's `GROUP BY` gives for the same reports.
pub fn of_reports(reports: &[Report]) -> Tallies {
    let mut out = Tallies::new();
    for r in reports {
        let t = out.entry(Group::of(r)).or_default();
        t.reports += 1;
        t.values.extend(r.values.iter().map(|v| (v.clone(), 1)));
    }
    out
}

/// Every tally of `tallies` merged into one.
pub fn merged<'a>(tallies: impl IntoIterator<Item = &'a Tally>) -> Tally {
    let mut all = Tally::default();
    for t in tallies {
        all.merge(t);
    }
    all
}

/// A metric's name as reports write it (`order_value`).
pub fn metric_name(m: Metric) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The metric a report names `name`.
fn metric_of(name: &str) -> Option<Metric> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// One noised value in the typed columns of the store: the mechanism, the
/// metric, ε (thousandths), the 1BitMean bound (0 otherwise), the bits (a
/// 1BitMean or HRR bit as 0/1, an OUE histogram as a mask with bucket k
/// at bit k), the OUE bucket count (1 otherwise) and the HRR row (0
/// otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueColumns {
    /// `1bit`, `oue` or `hrr`.
    pub mech: String,
    /// [`metric_name`].
    pub metric: String,
    /// ε in thousandths.
    pub eps: i32,
    /// 1BitMean's clip bound.
    pub bound: i32,
    /// The bit or the bucket mask.
    pub bits: i32,
    /// Bits in `bits`.
    pub width: i32,
    /// HRR's row.
    pub cell_row: i32,
}

/// Mechanism names, as reports write them.
const MECHS: [&str; 3] = ["1bit", "oue", "hrr"];

impl ValueColumns {
    /// The columns of `v`; `None` for a value a validated report cannot
    /// hold (more than 31 OUE buckets, numbers past `i32`).
    pub fn of(v: &Noised) -> Option<Self> {
        let int = |x: u32| i32::try_from(x).ok();
        Some(match v {
            Noised::OneBit {
                metric,
                eps,
                bound,
                bit,
            } => Self {
                mech: MECHS[0].into(),
                metric: metric_name(*metric),
                eps: int(*eps)?,
                bound: int(*bound)?,
                bits: i32::from(*bit),
                width: 1,
                cell_row: 0,
            },
            Noised::Oue { metric, eps, bits } => {
                if bits.len() > 31 {
                    return None;
                }
                Self {
                    mech: MECHS[1].into(),
                    metric: metric_name(*metric),
                    eps: int(*eps)?,
                    bound: 0,
                    bits: bits
                        .iter()
                        .enumerate()
                        .fold(0, |m, (k, &b)| m | (i32::from(b) << k)),
                    width: bits.len() as i32,
                    cell_row: 0,
                }
            }
            Noised::Hrr {
                metric,
                eps,
                row,
                bit,
            } => Self {
                mech: MECHS[2].into(),
                metric: metric_name(*metric),
                eps: int(*eps)?,
                bound: 0,
                bits: i32::from(*bit),
                width: 1,
                cell_row: int(*row)?,
            },
        })
    }

    /// The value these columns hold; `None` for columns no value gives.
    pub fn value(&self) -> Option<Noised> {
        let Self {
            mech,
            metric,
            eps,
            bound,
            bits,
            width,
            cell_row,
        } = self;
        let (eps, bound, bits, width, cell_row) = (*eps, *bound, *bits, *width, *cell_row);
        let metric = metric_of(metric)?;
        let eps = u32::try_from(eps).ok()?;
        let bit = match bits {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        };
        match mech.as_str() {
            "1bit" => Some(Noised::OneBit {
                metric,
                eps,
                bound: u32::try_from(bound).ok()?,
                bit: bit?,
            }),
            "oue" if (0..=31).contains(&width) && bits >= 0 && bits >> width == 0 => {
                Some(Noised::Oue {
                    metric,
                    eps,
                    bits: (0..width).map(|k| bits >> k & 1 == 1).collect(),
                })
            }
            "hrr" => Some(Noised::Hrr {
                metric,
                eps,
                row: u32::try_from(cell_row).ok()?,
                bit: bit?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xsell_core::privacy::report::{Metric, Noised};

    #[test]
    fn every_kind_of_value_survives_its_columns() {
        let values = [
            Noised::OneBit {
                metric: Metric::Clicks,
                eps: 1000,
                bound: 3,
                bit: true,
            },
            Noised::OneBit {
                metric: Metric::Impressions,
                eps: 2000,
                bound: 50,
                bit: false,
            },
            Noised::Oue {
                metric: Metric::OrderValue,
                eps: 500,
                bits: vec![true, false, false, true, false, false, false, false, true],
            },
            Noised::Oue {
                metric: Metric::Relevance,
                eps: 1000,
                bits: vec![false; 6],
            },
            Noised::Hrr {
                metric: Metric::Journey,
                eps: 1000,
                row: 4095,
                bit: true,
            },
        ];
        for v in values {
            let c = ValueColumns::of(&v).unwrap();
            assert_eq!(c.value().as_ref(), Some(&v), "{c:?}");
        }
        let columns = |mech: &str, metric: &str, bits, width| ValueColumns {
            mech: mech.into(),
            metric: metric.into(),
            eps: 1000,
            bound: 3,
            bits,
            width,
            cell_row: 0,
        };
        assert!(columns("1bit", "clicks", 1, 1).value().is_some());
        for bad in [
            columns("oue", "latency", 1 << 9, 9),
            columns("1bit", "clicks", 2, 1),
            columns("1bit", "nonsense", 1, 1),
            columns("laplace", "clicks", 1, 1),
        ] {
            assert_eq!(bad.value(), None, "{bad:?}");
        }
    }
}
