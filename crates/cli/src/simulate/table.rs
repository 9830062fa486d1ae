//! The before/after table of the case studies, from the collector's
//! experiment analysis (what a shop would see) beside the simulator's
//! truth (what only a simulation knows).

use super::truth::TrueKpis;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use xsell_core::privacy::estimate::Estimate;

/// How a KPI is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share, shown in percent.
    Percent,
    /// Cents, shown in dollars.
    Cents,
}

/// The rows, in the case studies' order: key in the analysis, label, unit.
pub const ROWS: &[(&str, &str, Unit)] = &[
    ("ctr", "CTR (clicks per card seen)", Unit::Percent),
    (
        "add_to_cart_rate",
        "add-to-cart rate (per card seen)",
        Unit::Percent,
    ),
    (
        "purchases_per_day",
        "conversion (orders with a recommended item, per shopper)",
        Unit::Percent,
    ),
    ("order_rate", "orders per shopper", Unit::Percent),
    ("order_value_mean_cents", "AOV", Unit::Cents),
    (
        "order_value_per_day_cents",
        "revenue per shopper",
        Unit::Cents,
    ),
    (
        "dismissal_rate",
        "dismissal rate (per card seen)",
        Unit::Percent,
    ),
];

/// One KPI of the treatment against the control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Key in the analysis.
    pub metric: String,
    /// What it is.
    pub label: String,
    /// How to show it.
    pub unit: Unit,
    /// The control's estimate.
    pub control: Option<Estimate>,
    /// The treatment's estimate.
    pub treatment: Option<Estimate>,
    /// Treatment − control, with its 95 % interval.
    pub difference: Option<Estimate>,
    /// Treatment / control − 1.
    pub relative: Option<Estimate>,
    /// The simulator's true control value.
    pub true_control: Option<f64>,
    /// The simulator's true treatment value.
    pub true_treatment: Option<f64>,
    /// The true difference.
    pub true_difference: Option<f64>,
    /// Whether the interval of the difference holds the true difference.
    pub covered: Option<bool>,
    /// The collector's peeking-safe verdict (always-valid confidence
    /// sequence): `higher`, `lower`, `keep_running` or `inconclusive`.
    pub verdict: Option<String>,
}

/// The treatment against one control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// The treatment arm.
    pub treatment: String,
    /// The control arm.
    pub control: String,
    /// Reports of the treatment and control arms.
    pub reports: (u64, u64),
    /// Median recommendation latency, µs, as the collector estimates it
    /// (bucket edge; control, treatment).
    pub latency_p50_us: (Option<u64>, Option<u64>),
    /// Rows.
    pub rows: Vec<Row>,
}

fn estimate(v: Option<&Value>) -> Option<Estimate> {
    v.filter(|v| !v.is_null())
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn arm<'a>(analysis: &'a Value, name: &str) -> Option<&'a Value> {
    analysis["arms"]
        .as_array()?
        .iter()
        .find(|a| a["name"] == name)
}

fn truth_of(t: Option<&TrueKpis>, key: &str) -> Option<f64> {
    serde_json::to_value(t?).ok()?.get(key)?.as_f64()
}

impl Table {
    /// The table of `treatment` against `control` from `analysis` (the
    /// collector's answer for `?control={control}`) and the truth.
    pub fn new(
        analysis: &Value,
        treatment: &str,
        control: &str,
        truth: &BTreeMap<String, TrueKpis>,
    ) -> Option<Self> {
        let (t, c) = (arm(analysis, treatment)?, arm(analysis, control)?);
        let comparison = analysis["comparisons"]
            .as_array()?
            .iter()
            .find(|x| x["arm"] == treatment && x["control"] == control)?;
        let rows = ROWS
            .iter()
            .map(|&(key, label, unit)| {
                let up = &comparison["kpis"][key];
                let difference = estimate(up.get("difference"));
                let (true_control, true_treatment) = (
                    truth_of(truth.get(control), key),
                    truth_of(truth.get(treatment), key),
                );
                let true_difference = true_treatment.zip(true_control).map(|(a, b)| a - b);
                Row {
                    metric: key.into(),
                    label: label.into(),
                    unit,
                    control: estimate(c["kpis"].get(key)),
                    treatment: estimate(t["kpis"].get(key)),
                    covered: difference.zip(true_difference).map(|(d, x)| d.covers(x)),
                    difference,
                    relative: estimate(up.get("relative")),
                    true_control,
                    true_treatment,
                    true_difference,
                    verdict: comparison["decisions"][key]["verdict"]
                        .as_str()
                        .map(str::to_string),
                }
            })
            .collect();
        let latency = |a: &Value| a["latency_p50_us"].as_u64();
        Some(Self {
            treatment: treatment.into(),
            control: control.into(),
            reports: (
                t["reports"].as_u64().unwrap_or(0),
                c["reports"].as_u64().unwrap_or(0),
            ),
            latency_p50_us: (latency(c), latency(t)),
            rows,
        })
    }

    /// The table in Markdown.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "| {} (control) → {} | control | {} | change | 95 % interval | relative | verdict | true change |\n|---|---:|---:|---:|---:|---:|---|---:|\n",
            self.control, self.treatment, self.treatment
        );
        let dash = || "–".to_string();
        for r in &self.rows {
            let v = |e: &Option<Estimate>| e.map_or_else(dash, |e| show(e.value, r.unit, false));
            let d = r
                .difference
                .map_or_else(dash, |e| show(e.value, r.unit, true));
            let ci = r.difference.map_or_else(dash, |e| {
                format!(
                    "{} … {}",
                    show(e.low, r.unit, true),
                    show(e.high, r.unit, true)
                )
            });
            let rel = r
                .relative
                .map_or_else(dash, |e| format!("{:+.0} %", e.value * 100.0));
            let truth = r
                .true_difference
                .map_or_else(dash, |x| show(x, r.unit, true));
            let verdict = r.verdict.as_deref().unwrap_or("–").replace('_', " ");
            s += &format!(
                "| {} | {} | {} | {d} | {ci} | {rel} | {verdict} | {truth} |\n",
                r.label,
                v(&r.control),
                v(&r.treatment)
            );
        }
        let lat = |x: Option<u64>| x.map_or_else(dash, |u| format!("≤ {u} µs"));
        s += &format!(
            "| latency, median (native) | {} | {} | | | | | |\n",
            lat(self.latency_p50_us.0),
            lat(self.latency_p50_us.1)
        );
        s
    }
}

/// A value in its unit; `signed` for changes (percentage points, ±$).
pub fn show(x: f64, unit: Unit, signed: bool) -> String {
    match (unit, signed) {
        (Unit::Percent, false) => format!("{:.2} %", x * 100.0),
        (Unit::Percent, true) => format!("{:+.2} pp", x * 100.0),
        (Unit::Cents, false) => format!("${:.2}", x / 100.0),
        (Unit::Cents, true) if x < 0.0 => format!("−${:.2}", -x / 100.0),
        (Unit::Cents, true) => format!("+${:.2}", x / 100.0),
    }
}
