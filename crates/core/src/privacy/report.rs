//! The report: the only thing that leaves the browser. Versioned, strictly
//! validated on both ends, and free of identifiers by construction: a day,
//! a placement name, noised values and (version 5) a random report id that
//! names this one report for the collector's dedupe, nothing else (unknown
//! fields are rejected, so nothing can be smuggled in). Documented in
//! `docs/report-format.md`.

use super::exact::{uniform_below, RandomBits};
use super::ledger::{BudgetError, Ledger};
use super::mechanisms::{self, Epsilon};
use crate::clock::valid_day;
use serde::{Deserialize, Serialize};

/// Report format version the widget sends, of placement and journey
/// reports alike (5: a random report id, [`Report::id`], so a retried
/// report counts once). Versions 2 to 4 carry no id and are still read.
pub const REPORT_VERSION: u32 = 5;
/// The first version of placement reports with an optional experiment and
/// arm.
pub const EXPERIMENT_VERSION: u32 = 3;
/// The version that brought journey reports (one `hrr` value, placement
/// [`JOURNEY_PLACEMENT`]), without an id; version 5 sends them with one.
pub const JOURNEY_REPORT_VERSION: u32 = 4;
/// The first version whose reports carry an id (required from it on,
/// refused before it).
pub const ID_VERSION: u32 = 5;
/// The placement name journey reports carry.
pub const JOURNEY_PLACEMENT: &str = "journeys";
/// Versions the collector reads.
pub const READ_VERSIONS: [u32; 4] = [2, 3, 4, 5];
const _: () = assert!(
    REPORT_VERSION == 5,
    "update READ_VERSIONS and the version rules in `Report::validate`"
);
/// Length of a report id: 128 random bits as lower-case hex.
pub const REPORT_ID_LEN: usize = 32;
/// Largest accepted report body.
pub const MAX_REPORT_BYTES: usize = 4096;

/// What a value measures, with its fixed domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Cards actually seen that day (clipped at 50).
    Impressions,
    /// Clicks on recommendations (clipped at 3).
    Clicks,
    /// Add-to-cart from recommendations (clipped at 3).
    AddToCart,
    /// "Not interested" (clipped at 3).
    Dismissals,
    /// Purchases that contained a recommended item (clipped at 2).
    Purchases,
    /// Order value: bucket 0 = no order that day, then 8 buckets
    /// (see `ORDER_VALUE_EDGES`).
    OrderValue,
    /// Recommendation latency: bucket 0 = not measured, then 8 buckets
    /// (see `LATENCY_EDGES_US`).
    Latency,
    /// Relevance survey: bucket 0 = no answer, then answers 1–5.
    Relevance,
    /// An ended journey (journey reports only): its cell of the path
    /// domain, sent with Hadamard randomized response
    /// ([`crate::attribution::oracle`]).
    Journey,
}

/// Every metric, in a fixed order. A report carries one of them, drawn
/// uniformly and independently of the data.
pub const ALL_METRICS: [Metric; 8] = [
    Metric::Impressions,
    Metric::Clicks,
    Metric::AddToCart,
    Metric::Dismissals,
    Metric::Purchases,
    Metric::OrderValue,
    Metric::Latency,
    Metric::Relevance,
];

/// Upper edges, in cents, of the order-value buckets (the last is open).
pub const ORDER_VALUE_EDGES: [u64; 7] = [1_000, 2_500, 5_000, 7_500, 10_000, 15_000, 25_000];
/// Upper edges, in microseconds, of the latency buckets (the last is open).
pub const LATENCY_EDGES_US: [u64; 7] = [100, 250, 500, 1_000, 2_500, 5_000, 16_000];

impl Metric {
    /// The clip bound of a count metric, or the bucket count of a histogram.
    pub fn domain(self) -> (Kind, u32) {
        match self {
            Metric::Impressions => (Kind::Count, 50),
            Metric::Clicks | Metric::AddToCart | Metric::Dismissals => (Kind::Count, 3),
            Metric::Purchases => (Kind::Count, 2),
            Metric::OrderValue | Metric::Latency => (Kind::Histogram, 9),
            Metric::Relevance => (Kind::Histogram, 6),
            Metric::Journey => (Kind::Oracle, crate::attribution::oracle::K as u32),
        }
    }
}

/// Count or histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A bounded count, sent with 1BitMean.
    Count,
    /// One bucket of a histogram, sent with OUE.
    Histogram,
    /// One cell of a large domain, sent with HRR.
    Oracle,
}

/// One noised value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mech", deny_unknown_fields)]
pub enum Noised {
    /// 1BitMean of a count clipped to `bound`.
    #[serde(rename = "1bit")]
    OneBit {
        /// What it measures.
        metric: Metric,
        /// ε in thousandths.
        eps: u32,
        /// Clip bound (must equal the metric's).
        bound: u32,
        /// The noised bit.
        bit: bool,
    },
    /// OUE of one histogram bucket.
    #[serde(rename = "oue")]
    Oue {
        /// What it measures.
        metric: Metric,
        /// ε in thousandths.
        eps: u32,
        /// The noised bits, one per bucket.
        bits: Vec<bool>,
    },
    /// Hadamard randomized response of one cell.
    #[serde(rename = "hrr")]
    Hrr {
        /// What it measures.
        metric: Metric,
        /// ε in thousandths.
        eps: u32,
        /// The Hadamard row, drawn independently of the data.
        row: u32,
        /// The noised bit.
        bit: bool,
    },
}

impl Noised {
    /// The metric.
    pub fn metric(&self) -> Metric {
        match self {
            Noised::OneBit { metric, .. }
            | Noised::Oue { metric, .. }
            | Noised::Hrr { metric, .. } => *metric,
        }
    }
    /// ε in thousandths.
    pub fn eps(&self) -> u32 {
        match self {
            Noised::OneBit { eps, .. } | Noised::Oue { eps, .. } | Noised::Hrr { eps, .. } => *eps,
        }
    }
}

/// A report of one placement for one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Format version.
    pub v: u32,
    /// The report's id (version 5): 128 bits from the cryptographic source,
    /// lower-case hex, drawn afresh for every report ([`report_id`]). It
    /// names this report, not a device or a person: the collector uses it
    /// only to store a retried report once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Day, `YYYY-MM-DD`.
    pub day: String,
    /// Placement name, `[a-z0-9_-]{1,32}`.
    pub placement: String,
    /// The experiment the placement ran that day, if any (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// The arm the device was bucketed into (with `experiment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
    /// The noised values.
    pub values: Vec<Noised>,
}

/// Why a report was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Body too large.
    #[error("report is {0} bytes; at most 4096 are accepted")]
    TooLarge(usize),
    /// Not the expected JSON shape.
    #[error("report is not valid: {0}")]
    Malformed(String),
    /// Unknown version.
    #[error("report version {0} is not supported (expected 2 to 5)")]
    UnsupportedVersion(u32),
    /// A field breaks the schema.
    #[error("report field `{field}` is invalid: {reason}")]
    Invalid {
        /// Field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ReportError {
    ReportError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// A placement name as reports carry it: 1–32 characters of `a-z 0-9 _ -`.
pub fn valid_placement(p: &str) -> bool {
    (1..=32).contains(&p.len())
        && p.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A fresh report id: 128 bits of `rng` (the cryptographic source in the
/// browser) as 32 lower-case hex digits. Independent of everything the
/// report says and of every other report's id.
pub fn report_id(rng: &mut impl RandomBits) -> String {
    format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64())
}

/// A report id as reports carry it: exactly [`REPORT_ID_LEN`] characters of
/// `0-9 a-f`.
pub fn valid_report_id(id: &str) -> bool {
    id.len() == REPORT_ID_LEN && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Report {
    /// Whether this is a journey report (placement [`JOURNEY_PLACEMENT`]).
    pub fn is_journey(&self) -> bool {
        self.placement == JOURNEY_PLACEMENT
    }

    /// Parses and validates a report body.
    pub fn parse(body: &[u8]) -> Result<Report, ReportError> {
        if body.len() > MAX_REPORT_BYTES {
            return Err(ReportError::TooLarge(body.len()));
        }
        // Check the version first so a future format gets the right error.
        let probe: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| ReportError::Malformed(e.to_string()))?;
        match probe.get("v").and_then(|v| v.as_u64()) {
            Some(v) if READ_VERSIONS.iter().any(|&r| u64::from(r) == v) => {}
            Some(v) => {
                return Err(ReportError::UnsupportedVersion(
                    v.min(u64::from(u32::MAX)) as u32
                ))
            }
            None => return Err(invalid("v", "missing or not a number")),
        }
        let r: Report =
            serde_json::from_value(probe).map_err(|e| ReportError::Malformed(e.to_string()))?;
        r.validate()?;
        Ok(r)
    }

    /// Checks every field against the schema.
    pub fn validate(&self) -> Result<(), ReportError> {
        if !READ_VERSIONS.contains(&self.v) {
            return Err(ReportError::UnsupportedVersion(self.v));
        }
        match (&self.id, self.v >= ID_VERSION) {
            (Some(id), true) if valid_report_id(id) => {}
            (Some(_), true) => {
                return Err(invalid(
                    "id",
                    format!("must be {REPORT_ID_LEN} characters of 0-9 and a-f"),
                ))
            }
            (None, true) => {
                return Err(invalid(
                    "id",
                    format!("missing; version {ID_VERSION} reports carry one"),
                ))
            }
            (Some(_), false) => {
                return Err(invalid("id", format!("needs report version {ID_VERSION}")))
            }
            (None, false) => {}
        }
        match (&self.experiment, &self.arm) {
            (None, None) => {}
            (Some(_), Some(_)) if self.v < EXPERIMENT_VERSION => {
                return Err(invalid("experiment", "needs report version 3"))
            }
            (Some(e), Some(a)) => {
                if !valid_placement(e) || !valid_placement(a) {
                    return Err(invalid(
                        "experiment",
                        "experiment and arm names must be 1-32 characters of a-z, 0-9, _ and -",
                    ));
                }
            }
            _ => return Err(invalid("arm", "experiment and arm come together")),
        }
        if !valid_day(&self.day) {
            return Err(invalid(
                "day",
                format!(
                    "`{}` is not a calendar date YYYY-MM-DD (1970–9999)",
                    self.day.chars().take(20).collect::<String>()
                ),
            ));
        }
        if !valid_placement(&self.placement) {
            return Err(invalid(
                "placement",
                "must be 1-32 characters of a-z, 0-9, _ and -",
            ));
        }
        // Version 4 is journey reports only, versions 2 and 3 placement
        // reports only; version 5 carries both, told apart by the placement.
        let journey = self.is_journey();
        let kind_fits = match self.v {
            JOURNEY_REPORT_VERSION => journey,
            v if v < JOURNEY_REPORT_VERSION => !journey,
            _ => true,
        };
        if !kind_fits {
            return Err(invalid(
                "placement",
                format!("`{JOURNEY_PLACEMENT}` is the placement of journey reports (version 4 or 5) and of them only"),
            ));
        }
        if journey {
            let one_hrr = matches!(
                self.values.as_slice(),
                [Noised::Hrr {
                    metric: Metric::Journey,
                    ..
                }]
            );
            if !one_hrr || self.experiment.is_some() {
                return Err(invalid(
                    "values",
                    "a journey report carries exactly one hrr value of metric journey and no experiment",
                ));
            }
        }
        if self.values.is_empty() || self.values.len() > 8 {
            return Err(invalid(
                "values",
                format!("{} values; 1 to 8 expected", self.values.len()),
            ));
        }
        let mut total = 0u32;
        for (k, v) in self.values.iter().enumerate() {
            if self.values[..k].iter().any(|w| w.metric() == v.metric()) {
                return Err(invalid(
                    "values",
                    format!("metric {:?} appears twice", v.metric()),
                ));
            }
            Epsilon(v.eps())
                .check()
                .map_err(|e| invalid("eps", e.to_string()))?;
            total = total.saturating_add(v.eps());
            let (kind, size) = v.metric().domain();
            match (v, kind) {
                (Noised::OneBit { bound, .. }, Kind::Count) if *bound == size => {}
                (Noised::OneBit { bound, .. }, Kind::Count) => {
                    return Err(invalid(
                        "bound",
                        format!("{bound} for {:?}; must be {size}", v.metric()),
                    ))
                }
                (Noised::Oue { bits, .. }, Kind::Histogram) if bits.len() == size as usize => {}
                (Noised::Hrr { row, .. }, Kind::Oracle) if *row < size && journey => {}
                (Noised::Hrr { row, .. }, Kind::Oracle) if journey => {
                    return Err(invalid("row", format!("{row}; must be below {size}")))
                }
                (Noised::Oue { bits, .. }, Kind::Histogram) => {
                    return Err(invalid(
                        "bits",
                        format!("{} bits for {:?}; must be {size}", bits.len(), v.metric()),
                    ))
                }
                _ => {
                    return Err(invalid(
                        "mech",
                        format!("wrong mechanism for {:?}", v.metric()),
                    ))
                }
            }
        }
        if total > super::ledger::MAX_DAILY_BUDGET.0 {
            return Err(invalid(
                "eps",
                format!("total {total} milli-epsilon exceeds the daily maximum of 2000"),
            ));
        }
        Ok(())
    }

    /// Serializes the report (what `sendBeacon` sends).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain data serializes")
    }
}

/// One placement's true aggregates for one day, as the device counted them.
/// Never sent: only [`build_report`]'s noised output leaves the device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DayCounts {
    /// Cards seen.
    pub impressions: u64,
    /// Clicks.
    pub clicks: u64,
    /// Add-to-cart from recommendations.
    pub add_to_cart: u64,
    /// "Not interested".
    pub dismissals: u64,
    /// Purchases containing a recommended item.
    pub purchases: u64,
    /// Order value in cents, if the shopper ordered.
    pub order_value_cents: Option<u64>,
    /// Median recommendation latency, µs.
    pub latency_us: Option<u64>,
    /// Survey answer 1..=5.
    pub relevance: Option<u8>,
}

fn bucket(v: u64, edges: &[u64]) -> usize {
    edges.iter().position(|&e| v < e).unwrap_or(edges.len())
}

/// The value a day's counts give `metric`: a count (the mechanism clips
/// it), or a histogram bucket where 0 means "none that day".
pub fn metric_value(counts: &DayCounts, metric: Metric) -> u64 {
    match metric {
        Metric::Impressions => counts.impressions,
        Metric::Clicks => counts.clicks,
        Metric::AddToCart => counts.add_to_cart,
        Metric::Dismissals => counts.dismissals,
        Metric::Purchases => counts.purchases,
        Metric::OrderValue => counts
            .order_value_cents
            .map_or(0, |v| 1 + bucket(v, &ORDER_VALUE_EDGES) as u64),
        Metric::Latency => counts
            .latency_us
            .map_or(0, |l| 1 + bucket(l, &LATENCY_EDGES_US) as u64),
        Metric::Relevance => counts
            .relevance
            .filter(|r| (1..=5).contains(r))
            .map_or(0, u64::from),
        Metric::Journey => 0, // never in a day's counts: see build_journey_report
    }
}

/// `x` of `metric` noised with ε: 1BitMean for counts, OUE for histograms.
pub fn noise(rng: &mut impl RandomBits, metric: Metric, x: u64, eps: Epsilon) -> Noised {
    let (kind, size) = metric.domain();
    match kind {
        Kind::Count => Noised::OneBit {
            metric,
            eps: eps.0,
            bound: size,
            bit: mechanisms::one_bit_mean(rng, x, u64::from(size), eps),
        },
        Kind::Histogram => Noised::Oue {
            metric,
            eps: eps.0,
            bits: mechanisms::oue(rng, (x as usize).min(size as usize - 1), size as usize, eps),
        },
        Kind::Oracle => {
            let v =
                crate::attribution::oracle::perturb(rng, (x as usize).min(size as usize - 1), eps);
            Noised::Hrr {
                metric,
                eps: eps.0,
                row: v.row,
                bit: v.bit,
            }
        }
    }
}

/// Builds the report of one ended journey: its cell of the path domain
/// ([`crate::attribution::oracle::cell`]) noised with all of `eps` by HRR,
/// charged to the ledger first (nothing is built if the budget does not
/// allow it), with a fresh [`report_id`] drawn after the noise.
pub fn build_journey_report(
    rng: &mut impl RandomBits,
    day: &str,
    cell: usize,
    eps: Epsilon,
    ledger: &mut Ledger,
    budget: Epsilon,
) -> Result<Report, BudgetError> {
    ledger.try_spend(day, eps, budget)?;
    let values = vec![noise(rng, Metric::Journey, cell as u64, eps)];
    Ok(Report {
        v: REPORT_VERSION,
        id: Some(report_id(rng)),
        day: day.to_string(),
        placement: JOURNEY_PLACEMENT.to_string(),
        experiment: None,
        arm: None,
        values,
    })
}

/// Builds the day's report of one placement: ONE metric, drawn uniformly
/// from [`ALL_METRICS`] whatever the data, noised with all of `eps`, which
/// is charged to the ledger first (nothing is built if the budget does not
/// allow it). The report gets a fresh [`report_id`], drawn after the noise
/// (so a seeded test's noise is what it was before ids).
///
/// Sampling instead of splitting ε over eight metrics: each metric gets an
/// eighth of the reports at the full ε, which for ε ≤ 2 has several times
/// less variance than every report at ε/8; and since every report has the
/// same shape and ε, nothing un-noised (such as "an order happened") shows
/// in which values are present.
///
/// `arm` is the experiment and arm the placement ran under that day: a
/// label drawn from a salt that never leaves the device, the same for
/// every report of that device and experiment, so it says nothing about the
/// shopper that the shop did not decide (see `docs/report-format.md`).
#[allow(clippy::too_many_arguments)]
pub fn build_report(
    rng: &mut impl RandomBits,
    day: &str,
    placement: &str,
    arm: Option<(&str, &str)>,
    counts: &DayCounts,
    eps: Epsilon,
    ledger: &mut Ledger,
    budget: Epsilon,
) -> Result<Report, BudgetError> {
    ledger.try_spend(day, eps, budget)?;
    let metric = ALL_METRICS[uniform_below(rng, ALL_METRICS.len() as u64) as usize];
    let value = noise(rng, metric, metric_value(counts, metric), eps);
    Ok(Report {
        v: REPORT_VERSION,
        id: Some(report_id(rng)),
        day: day.to_string(),
        placement: placement.to_string(),
        experiment: arm.map(|a| a.0.to_string()),
        arm: arm.map(|a| a.1.to_string()),
        values: vec![value],
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::super::exact::SplitMix64;
    use super::*;

    fn sample() -> Report {
        let mut l = Ledger::load(None, "2026-11-22", Epsilon(2000));
        let counts = DayCounts {
            impressions: 12,
            clicks: 1,
            add_to_cart: 1,
            order_value_cents: Some(4_200),
            latency_us: Some(180),
            relevance: Some(4),
            ..Default::default()
        };
        l.try_spend("2026-11-22", Epsilon(2000), Epsilon(2000))
            .unwrap();
        let mut rng = SplitMix64(5);
        Report {
            v: REPORT_VERSION,
            id: Some(report_id(&mut rng)),
            day: "2026-11-22".into(),
            placement: "cart".into(),
            experiment: None,
            arm: None,
            values: ALL_METRICS
                .iter()
                .map(|&m| noise(&mut rng, m, metric_value(&counts, m), Epsilon(250)))
                .collect(),
        }
    }

    /// `json` with its `"id":"…",` taken out.
    fn without_id(json: &str) -> String {
        let start = json.find(r#""id":""#).expect("an id");
        let end = start + r#""id":""#.len() + REPORT_ID_LEN + 2;
        format!("{}{}", &json[..start], &json[end..])
    }

    #[test]
    fn every_built_report_carries_a_fresh_128_bit_id_and_old_versions_none() {
        let mut rng = SplitMix64(11);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let mut l = Ledger::load(None, "2026-11-22", Epsilon(2000));
            let r = build_report(
                &mut rng,
                "2026-11-22",
                "cart",
                None,
                &DayCounts::default(),
                Epsilon(1000),
                &mut l,
                Epsilon(2000),
            )
            .unwrap();
            let id = r.id.clone().expect("an id");
            assert!(valid_report_id(&id), "{id}");
            assert!(seen.insert(id), "an id was drawn twice");
            let j = build_journey_report(
                &mut rng,
                "2026-11-22",
                7,
                Epsilon(1000),
                &mut l,
                Epsilon(2000),
            )
            .unwrap();
            assert!(seen.insert(j.id.clone().unwrap()), "an id was drawn twice");
        }
        let good = sample().to_json();
        let id = sample().id.unwrap();
        let one = r#"{"mech":"1bit","metric":"clicks","eps":1000,"bound":3,"bit":true}"#;
        let hrr = r#"{"mech":"hrr","metric":"journey","eps":1000,"row":7,"bit":true}"#;
        for (body, needle) in [
            (without_id(&good), "id`"),
            (good.replace(&id, &id.to_uppercase()), "0-9 and a-f"),
            (good.replace(&id, &id[..31]), "0-9 and a-f"),
            (good.replace(&id, &format!("{id}0")), "0-9 and a-f"),
            (good.replace(&id, "u-123"), "0-9 and a-f"),
            (good.replace(&format!("\"{id}\""), "7"), "not valid"),
            (good.replace("\"v\":5", "\"v\":3"), "needs report version 5"),
            (
                format!(
                    r#"{{"v":4,"id":"{id}","day":"2026-11-22","placement":"journeys","values":[{hrr}]}}"#
                ),
                "needs report version 5",
            ),
        ] {
            let e = Report::parse(body.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(needle), "expected `{needle}` in: {e}");
        }
        // Versions 2 to 4 without an id are read as before.
        for old in [
            format!(r#"{{"v":2,"day":"2026-11-22","placement":"cart","values":[{one}]}}"#),
            format!(r#"{{"v":3,"day":"2026-11-22","placement":"cart","values":[{one}]}}"#),
            format!(r#"{{"v":4,"day":"2026-11-22","placement":"journeys","values":[{hrr}]}}"#),
        ] {
            assert_eq!(Report::parse(old.as_bytes()).unwrap().id, None, "{old}");
        }
        // Version 5 carries both kinds, told apart by the placement.
        let j = format!(
            r#"{{"v":5,"id":"{id}","day":"2026-11-22","placement":"journeys","values":[{hrr}]}}"#
        );
        assert!(Report::parse(j.as_bytes()).unwrap().is_journey());
    }

    #[test]
    fn a_built_report_carries_one_metric_drawn_uniformly_whatever_the_data() {
        let busy = DayCounts {
            impressions: 30,
            clicks: 2,
            order_value_cents: Some(5_000),
            latency_us: Some(700),
            relevance: Some(5),
            ..Default::default()
        };
        let idle = DayCounts::default();
        for counts in [busy, idle] {
            let mut seen = [0u32; 8];
            let draws = 8_000;
            for seed in 0..draws {
                let mut l = Ledger::load(None, "2026-11-22", Epsilon(2000));
                let r = build_report(
                    &mut SplitMix64(seed),
                    "2026-11-22",
                    "cart",
                    None,
                    &counts,
                    Epsilon(1000),
                    &mut l,
                    Epsilon(2000),
                )
                .unwrap();
                assert_eq!(r.values.len(), 1);
                assert_eq!(r.values[0].eps(), 1000);
                assert_eq!(l.spent, 1000, "charged once, in full");
                let k = ALL_METRICS
                    .iter()
                    .position(|&m| m == r.values[0].metric())
                    .unwrap();
                seen[k] += 1;
                r.validate().unwrap();
            }
            // χ² against uniform, 7 degrees of freedom: 24.3 is p = 0.001.
            let e = f64::from(draws as u32) / 8.0;
            let chi2: f64 = seen.iter().map(|&o| (f64::from(o) - e).powi(2) / e).sum();
            assert!(chi2 < 24.3, "{seen:?} chi2 {chi2}");
        }
    }

    #[test]
    fn absent_values_are_bucket_zero_not_missing() {
        let c = DayCounts::default();
        assert_eq!(metric_value(&c, Metric::OrderValue), 0);
        assert_eq!(metric_value(&c, Metric::Relevance), 0);
        let c = DayCounts {
            order_value_cents: Some(999),
            relevance: Some(3),
            latency_us: Some(20_000),
            ..Default::default()
        };
        assert_eq!(metric_value(&c, Metric::OrderValue), 1);
        assert_eq!(metric_value(&c, Metric::Relevance), 3);
        assert_eq!(metric_value(&c, Metric::Latency), 8);
    }

    #[test]
    fn built_reports_validate_round_trip_and_carry_nothing_else() {
        let r = sample();
        let json = r.to_json();
        assert_eq!(Report::parse(json.as_bytes()).unwrap(), r);
        // Only these keys ever appear.
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["day", "id", "placement", "v", "values"]);
        for val in v["values"].as_array().unwrap() {
            for k in val.as_object().unwrap().keys() {
                assert!(
                    ["mech", "metric", "eps", "bound", "bit", "bits"].contains(&k.as_str()),
                    "{k}"
                );
            }
        }
        // Total ε within the daily budget.
        assert!(r.values.iter().map(|v| v.eps()).sum::<u32>() <= 2000);
        assert!(json.len() < 1024, "{}", json.len());
    }

    #[test]
    fn an_experiment_report_carries_experiment_and_arm_and_nothing_else() {
        let mut l = Ledger::load(None, "2026-11-22", Epsilon(2000));
        let r = build_report(
            &mut SplitMix64(9),
            "2026-11-22",
            "cart",
            Some(("grid-test", "treatment")),
            &DayCounts::default(),
            Epsilon(1000),
            &mut l,
            Epsilon(2000),
        )
        .unwrap();
        let json = r.to_json();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["arm", "day", "experiment", "id", "placement", "v", "values"]
        );
        assert_eq!(Report::parse(json.as_bytes()).unwrap(), r);
        // Half an arm, a v2 report with an arm, and a hostile name are refused.
        let half = json.replace(r#""arm":"treatment","#, "");
        assert!(Report::parse(half.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("together"));
        let v2 = without_id(&json).replace(r#""v":5"#, r#""v":2"#);
        assert!(Report::parse(v2.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("version 3"));
        let hostile = json.replace("treatment", "user-1234@example.com");
        assert!(Report::parse(hostile.as_bytes()).is_err());
        // Version 2 reports (no experiment) are still read.
        let old = r#"{"v":2,"day":"2026-11-22","placement":"cart","values":[{"mech":"1bit","metric":"clicks","eps":1000,"bound":3,"bit":true}]}"#;
        assert!(Report::parse(old.as_bytes()).is_ok());
    }

    #[test]
    fn budget_refuses_a_second_full_report_the_same_day() {
        let mut l = Ledger::load(None, "2026-11-22", Epsilon(2000));
        let c = DayCounts::default();
        build_report(
            &mut SplitMix64(1),
            "2026-11-22",
            "cart",
            None,
            &c,
            Epsilon(2000),
            &mut l,
            Epsilon(2000),
        )
        .unwrap();
        assert!(build_report(
            &mut SplitMix64(2),
            "2026-11-22",
            "cart",
            None,
            &c,
            Epsilon(2000),
            &mut l,
            Epsilon(2000)
        )
        .is_err());
    }

    #[test]
    fn hostile_reports_are_rejected_with_the_field_named() {
        let good = sample().to_json();
        let cases: Vec<(String, &str)> = vec![
            (good.replace("\"v\":5", "\"v\":7"), "version 7"),
            (
                good.replace("\"placement\":\"cart\"", "\"placement\":\"Cart<script>\""),
                "placement",
            ),
            (
                good.replace("\"day\":\"2026-11-22\"", "\"day\":\"2026-13-01\""),
                "day",
            ),
            (
                good.replace("\"day\":\"2026-11-22\"", "\"day\":\"2026-11-22T10:11:12Z\""),
                "day",
            ),
            (
                good.replace("\"day\":\"2026-11-22\"", "\"day\":\"2026-02-31\""),
                "calendar date",
            ),
            (
                good.replacen("\"bound\":50", "\"bound\":1000000", 1),
                "bound",
            ),
            (
                good.replacen("\"eps\":", "\"eps\":99999,\"x\":", 1),
                "not valid",
            ),
            (
                good.replacen("{\"v\":5,", "{\"v\":5,\"user_id\":\"u-123\",", 1),
                "unknown field",
            ),
            (
                good.replacen("\"bit\":", "\"bit\":\"yes\",\"b\":", 1),
                "not valid",
            ),
            ("[]".to_string(), "v"),
            (
                "{\"v\":2,\"day\":\"2026-11-22\",\"placement\":\"cart\",\"values\":[]}".to_string(),
                "values",
            ),
            ("x".repeat(5000), "4096"),
        ];
        for (body, needle) in cases {
            let e = Report::parse(body.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(needle), "expected `{needle}` in: {e}");
        }
        // Over-budget reports are refused even if each value is valid.
        let mut r = sample();
        for v in &mut r.values {
            match v {
                Noised::OneBit { eps, .. } | Noised::Oue { eps, .. } | Noised::Hrr { eps, .. } => {
                    *eps = 1000
                }
            }
        }
        assert!(r.validate().unwrap_err().to_string().contains("exceeds"));
    }

    #[test]
    fn journey_reports_round_trip_and_keep_to_their_shape() {
        let mut rng = SplitMix64(4);
        let mut ledger = Ledger::load(None, "2026-11-22", Epsilon(2000));
        let r = build_journey_report(
            &mut rng,
            "2026-11-22",
            3625,
            Epsilon(1000),
            &mut ledger,
            Epsilon(2000),
        )
        .unwrap();
        assert_eq!(ledger.spent, 1000);
        assert_eq!(Report::parse(r.to_json().as_bytes()).unwrap(), r);
        let hrr = r#"{"mech":"hrr","metric":"journey","eps":1000,"row":7,"bit":true}"#;
        let one = r#"{"mech":"1bit","metric":"clicks","eps":1000,"bound":3,"bit":true}"#;
        for (body, needle) in [
            (format!(r#"{{"v":4,"day":"2026-11-22","placement":"cart","values":[{hrr}]}}"#), "placement"),
            (format!(r#"{{"v":3,"day":"2026-11-22","placement":"journeys","values":[{one}]}}"#), "placement"),
            (format!(r#"{{"v":3,"day":"2026-11-22","placement":"cart","values":[{hrr}]}}"#), "mech"),
            (format!(r#"{{"v":4,"day":"2026-11-22","placement":"journeys","values":[{one}]}}"#), "exactly one hrr"),
            (format!(r#"{{"v":4,"day":"2026-11-22","placement":"journeys","values":[{hrr},{hrr}]}}"#), "exactly one hrr"),
            (r#"{"v":4,"day":"2026-11-22","placement":"journeys","values":[{"mech":"hrr","metric":"journey","eps":1000,"row":4096,"bit":true}]}"#.to_string(), "row"),
            (r#"{"v":4,"day":"2026-11-22","placement":"journeys","values":[{"mech":"hrr","metric":"journey","eps":1000,"row":1,"bit":true,"cell":3}]}"#.to_string(), "unknown field"),
        ] {
            let e = Report::parse(body.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(needle), "expected `{needle}` in: {e}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut rng = SplitMix64(99);
        for len in 0..300 {
            let body: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let _ = Report::parse(&body);
        }
    }
}
