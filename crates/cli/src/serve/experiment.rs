//! Experiment analysis on the collector: `GET /v1/experiments/{name}`.
//!
//! The reports of one experiment over a range of days are split by arm,
//! and each arm gets the KPIs of [`stats::compute`] (the same per-report
//! debiasing as `/v1/stats`, ε groups combined by inverse variance). Each
//! arm is then compared with a control arm: the difference `a − c` and the
//! relative difference `a / c − 1`, each with a 95 % interval that holds
//! the privacy noise. Arms are disjoint sets of devices, so their estimates
//! are independent and the variances add; the relative difference is the
//! delta method on the ratio ([`estimate::ratio`]). Every interval comes
//! from [`Estimate::new`].
//!
//! A sample-ratio check compares the reports per arm with the arms'
//! weights (Pearson's χ², [`chi2_sf`]) when the collector serves the
//! experiment file; without it the weights are unknown and the check says
//! so. The check counts reports, that is exposed device-days, not devices
//! (reports carry no identifier): it also fires when an arm changes how
//! often its devices come back or report, which is an imbalance worth
//! knowing about too. Devices that report on many days make the pooled
//! counts more variable than the test assumes, so it then warns more often
//! than its p-value says; the day-by-day test beside it is exact (see
//! [`Srm`]).
//!
//! Each comparison also carries a peeking-safe decision per KPI
//! ([`sequential::decide`]): an always-valid interval, so the verdict can
//! be read every day. And `daily` gives the main KPIs of each arm day by
//! day, from the same reports.

use super::chi2::chi2_sf;
use super::sequential::{self, Decision};
use super::stats::{self, Stats};
use super::tally::{Tallies, Tally};
use serde::Serialize;
use std::collections::BTreeMap;
use xsell_core::privacy::estimate::{self, Estimate};
use xsell_core::privacy::report::valid_placement;
use xsell_core::shopper::{day_number, ArmKind, Experiment};

/// The longest range of days one request may analyse.
pub const MAX_DAYS: u64 = 366;

/// The sample-ratio check warns below this p-value: a real mismatch soon
/// gives far smaller ones, while a healthy split (counted by devices)
/// warns once in a thousand checks.
pub const SRM_ALPHA: f64 = 0.001;

/// The χ² approximation needs this many expected reports in every arm.
const MIN_EXPECTED: f64 = 5.0;

/// Why an experiment request cannot be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExperimentError {
    /// The name cannot be an experiment's.
    #[error("`{0}` is not an experiment name (1-32 characters of a-z, 0-9, _ and -)")]
    BadName(String),
    /// `from` or `to` is not a calendar day.
    #[error("{field}={value} is not a calendar day; give YYYY-MM-DD")]
    BadDay {
        /// `from` or `to`.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// No range given and none in the experiment file.
    #[error(
        "give from=YYYY-MM-DD and to=YYYY-MM-DD (experiment {0} is not in the served experiment file, so its days are unknown)"
    )]
    NoRange(String),
    /// `to` before `from`.
    #[error("to={to} is before from={from}")]
    Reversed {
        /// First day.
        from: String,
        /// Last day.
        to: String,
    },
    /// Too many days.
    #[error("{0} days asked for; at most 366 per request")]
    TooLong(u64),
    /// The control arm is not one of the arms.
    #[error("control={control} is not an arm of {experiment} (arms: {arms})")]
    UnknownControl {
        /// The experiment.
        experiment: String,
        /// The arm asked for.
        control: String,
        /// The arms there are.
        arms: String,
    },
    /// Neither reports nor a file entry.
    #[error(
        "no reports of experiment {experiment} from {from} to {to}, and it is not in the served experiment file"
    )]
    NotFound {
        /// The experiment.
        experiment: String,
        /// First day.
        from: String,
        /// Last day.
        to: String,
    },
}

/// A checked request: a valid name, and a range of real days (from the
/// query, else the experiment file's schedule) of at most [`MAX_DAYS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The experiment.
    pub name: String,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// The arm to compare against, if the query named one.
    pub control: Option<String>,
    /// The UTC day of the request (days since 1970), if known: the
    /// decisions count the scheduled days left from it, else from `to`.
    pub today: Option<u64>,
}

impl Request {
    /// Checks the raw query; `configured` is the experiment's entry in the
    /// served file, whose start and end stand in for a missing range.
    pub fn check(
        name: &str,
        from: Option<&str>,
        to: Option<&str>,
        control: Option<&str>,
        configured: Option<&Experiment>,
    ) -> Result<Self, ExperimentError> {
        Self::check_at(name, from, to, control, configured, None)
    }

    /// [`Request::check`] on the UTC day `today` (days since 1970): a
    /// missing range of an experiment longer than [`MAX_DAYS`] ends today
    /// (or at its end) and spans at most [`MAX_DAYS`], so the dashboard's
    /// default always answers.
    pub fn check_at(
        name: &str,
        from: Option<&str>,
        to: Option<&str>,
        control: Option<&str>,
        configured: Option<&Experiment>,
        today: Option<u64>,
    ) -> Result<Self, ExperimentError> {
        let mut scheduled: Option<Experiment> = configured.cloned();
        let span = |e: &Experiment| {
            day_number(&e.end)
                .zip(day_number(&e.start))
                .map_or(0, |(b, a)| b.saturating_sub(a) + 1)
        };
        // Only an experiment longer than one request is cut to the days up
        // to today; a shorter one keeps its own days.
        let too_long = scheduled.as_ref().is_some_and(|e| span(e) > MAX_DAYS);
        if let (Some(e), Some(t), true) = (scheduled.as_mut(), today, too_long) {
            let ms = |d: u64| xsell_core::shopper::utc_day(d * xsell_core::shopper::MS_PER_DAY);
            let end = day_number(&e.end)
                .unwrap_or(t)
                .min(t.max(day_number(&e.start).unwrap_or(t)));
            let start = day_number(&e.start)
                .unwrap_or(end)
                .max(end.saturating_sub(MAX_DAYS - 1));
            if to.is_none() {
                e.end = ms(end);
            }
            if from.is_none() {
                e.start = ms(start.min(end));
            }
        }
        let configured = scheduled.as_ref();
        if !valid_placement(name) {
            return Err(ExperimentError::BadName(name.chars().take(40).collect()));
        }
        let pick = |given: Option<&str>, scheduled: Option<&str>, field| {
            let day = given
                .or(scheduled)
                .ok_or_else(|| ExperimentError::NoRange(name.to_string()))?;
            day_number(day)
                .map(|n| (day.to_string(), n))
                .ok_or_else(|| ExperimentError::BadDay {
                    field,
                    value: day.chars().take(20).collect(),
                })
        };
        let (from, first) = pick(from, configured.map(|e| e.start.as_str()), "from")?;
        let (to, last) = pick(to, configured.map(|e| e.end.as_str()), "to")?;
        if last < first {
            return Err(ExperimentError::Reversed { from, to });
        }
        if last - first + 1 > MAX_DAYS {
            return Err(ExperimentError::TooLong(last - first + 1));
        }
        Ok(Self {
            name: name.to_string(),
            from,
            to,
            control: control.filter(|c| !c.is_empty()).map(str::to_string),
            today,
        })
    }
}

/// KPIs of one arm (`Kpis<Estimate>`) or their comparison with the
/// control (`Kpis<Uplift>`); `None` where there is nothing to estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis<T> {
    /// Clicks per impression.
    pub ctr: Option<T>,
    /// Add-to-cart from recommendations per impression.
    pub add_to_cart_rate: Option<T>,
    /// Purchases holding a recommended item per impression.
    pub conversion_rate: Option<T>,
    /// "Not interested" per impression.
    pub dismissal_rate: Option<T>,
    /// Mean order value over days with an order, cents.
    pub order_value_mean_cents: Option<T>,
    /// Mean relevance answer (1–5).
    pub relevance_mean: Option<T>,
    /// Share of exposed days with an order (holdout arms have it too).
    pub order_rate: Option<T>,
    /// Order value per exposed day, cents, no-order days as 0.
    pub order_value_per_day_cents: Option<T>,
    /// Purchases holding a recommended item per exposed day.
    pub purchases_per_day: Option<T>,
    /// Cards seen per exposed day (about 0 in a holdout arm).
    pub impressions_per_day: Option<T>,
    /// Clicks per exposed day (for the `email` placement: landings from
    /// the campaign's block).
    pub clicks_per_day: Option<T>,
    /// Add-to-cart per exposed day (for `email`: within a day of a landing).
    pub add_to_cart_per_day: Option<T>,
}

impl Kpis<Estimate> {
    /// The KPIs of one arm's stats. An arm that shows nothing (a holdout)
    /// has impressions of about 0, and a rate per impression there is
    /// noise over noise: rates are left out unless the impressions'
    /// interval lies above 0.
    pub fn of(s: &Stats) -> Self {
        let shown = s.means.get("impressions").is_some_and(|i| i.low > 0.0);
        let per_impression = |rate: Option<Estimate>| rate.filter(|_| shown);
        Self {
            ctr: per_impression(s.ctr),
            add_to_cart_rate: per_impression(s.add_to_cart_rate),
            conversion_rate: per_impression(s.conversion_rate),
            dismissal_rate: per_impression(s.dismissal_rate),
            order_value_mean_cents: s.order_value_mean_cents,
            relevance_mean: s.relevance_mean,
            order_rate: s.order_rate,
            order_value_per_day_cents: s.order_value_per_day_cents,
            purchases_per_day: s.means.get("purchases").copied(),
            impressions_per_day: s.means.get("impressions").copied(),
            clicks_per_day: s.means.get("clicks").copied(),
            add_to_cart_per_day: s.means.get("add_to_cart").copied(),
        }
    }
}

impl<T> Kpis<T> {
    /// `f` applied to each KPI present.
    fn map<U>(&self, f: impl Fn(&T) -> U) -> Kpis<U> {
        self.zip(self, |a, _| Some(f(a)))
    }

    /// `f` applied to each KPI present in both.
    fn zip<U, V>(&self, other: &Kpis<U>, f: impl Fn(&T, &U) -> Option<V>) -> Kpis<V> {
        let g = |a: &Option<T>, b: &Option<U>| match (a, b) {
            (Some(a), Some(b)) => f(a, b),
            _ => None,
        };
        Kpis {
            ctr: g(&self.ctr, &other.ctr),
            add_to_cart_rate: g(&self.add_to_cart_rate, &other.add_to_cart_rate),
            conversion_rate: g(&self.conversion_rate, &other.conversion_rate),
            dismissal_rate: g(&self.dismissal_rate, &other.dismissal_rate),
            order_value_mean_cents: g(&self.order_value_mean_cents, &other.order_value_mean_cents),
            relevance_mean: g(&self.relevance_mean, &other.relevance_mean),
            order_rate: g(&self.order_rate, &other.order_rate),
            order_value_per_day_cents: g(
                &self.order_value_per_day_cents,
                &other.order_value_per_day_cents,
            ),
            purchases_per_day: g(&self.purchases_per_day, &other.purchases_per_day),
            impressions_per_day: g(&self.impressions_per_day, &other.impressions_per_day),
            clicks_per_day: g(&self.clicks_per_day, &other.clicks_per_day),
            add_to_cart_per_day: g(&self.add_to_cart_per_day, &other.add_to_cart_per_day),
        }
    }
}

/// One KPI of an arm against the control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uplift {
    /// `arm − control`.
    pub difference: Estimate,
    /// `arm / control − 1`; `None` unless the control's interval lies
    /// above 0 (near 0 the ratio and its delta-method error mean nothing).
    pub relative: Option<Estimate>,
}

/// `arm` against `control`, two estimates from disjoint devices: the
/// variances add, and the relative difference is the delta method on
/// `arm / control`. `n` of each result counts the reports of both.
pub fn uplift(arm: &Estimate, control: &Estimate) -> Option<Uplift> {
    let usable = |e: &Estimate| e.value.is_finite() && e.std_error.is_finite();
    if !usable(arm) || !usable(control) {
        return None;
    }
    let n = arm.n + control.n;
    let difference = Estimate::new(
        arm.value - control.value,
        arm.std_error.hypot(control.std_error),
        n,
    );
    let relative = (control.low > 0.0).then(|| {
        let r = estimate::ratio(arm, control);
        Estimate::new(r.value - 1.0, r.std_error, n)
    });
    Some(Uplift {
        difference,
        relative,
    })
}

/// One arm's results.
#[derive(Debug, Clone, Serialize)]
pub struct ArmResult {
    /// The arm.
    pub name: String,
    /// What it shows, from the experiment file (`None` without it).
    pub kind: Option<ArmKind>,
    /// Its weight in the experiment file (`None` without it).
    pub weight: Option<u32>,
    /// Reports of the arm in the range (exposed device-days).
    pub reports: u64,
    /// Its KPIs.
    pub kpis: Kpis<Estimate>,
    /// Shares of the order-value buckets (0 = no order that day).
    pub order_value_shares: Vec<Estimate>,
    /// Median recommendation latency, µs (upper bucket edge; a point
    /// estimate, as in `/v1/stats`).
    pub latency_p50_us: Option<u64>,
    /// 90th percentile of the latency, µs.
    pub latency_p90_us: Option<u64>,
}

/// One arm against the control.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The arm.
    pub arm: String,
    /// The control arm.
    pub control: String,
    /// Each KPI's difference and relative difference.
    pub kpis: Kpis<Uplift>,
    /// Each KPI's peeking-safe decision (see [`SequentialSummary`]).
    pub decisions: Kpis<Decision>,
}

/// How the decisions of the comparisons are made, and how long the
/// experiment still runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequentialSummary {
    /// The method, [`sequential::METHOD`].
    pub method: &'static str,
    /// The error rate over every look together.
    pub alpha: f64,
    /// The reports (both arms) at which the sequence is narrowest.
    pub tuning_reports: u64,
    /// Whole days of reports the schedule still has to come after today
    /// (today included) or, without today, after `to`; `None` without a
    /// schedule.
    pub days_left: Option<u64>,
    /// The scheduled days are over: a verdict still holding 0 is
    /// `inconclusive` rather than `keep_running`.
    pub over: bool,
}

impl SequentialSummary {
    fn new(request: &Request, configured: Option<&Experiment>) -> Self {
        let end = configured.and_then(|e| day_number(&e.end));
        let days_left = end.and_then(|end| match request.today {
            Some(today) => Some((end + 1).saturating_sub(today)),
            None => day_number(&request.to).map(|to| end.saturating_sub(to)),
        });
        Self {
            method: sequential::METHOD,
            alpha: sequential::ALPHA,
            tuning_reports: sequential::TUNING_REPORTS,
            days_left,
            over: days_left == Some(0),
        }
    }
}

/// One arm on one day: the KPIs the dashboard draws day by day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyArm {
    /// The arm.
    pub name: String,
    /// Its reports that day.
    pub reports: u64,
    /// Clicks per impression.
    pub ctr: Option<Estimate>,
    /// Purchases holding a recommended item per impression.
    pub conversion_rate: Option<Estimate>,
    /// Share of exposed days with an order.
    pub order_rate: Option<Estimate>,
    /// Order value per exposed day, cents.
    pub order_value_per_day_cents: Option<Estimate>,
}

/// Every arm on one day with reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Every arm, in the order of [`Analysis::arms`] (an arm without
    /// reports that day has 0 and no estimates).
    pub arms: Vec<DailyArm>,
}

/// The arms' KPIs day by day: each day's reports of an arm analysed alone,
/// as the whole range is ([`stats::compute`], [`Kpis::of`]).
fn daily(names: &[String], by_arm: &BTreeMap<String, BTreeMap<String, Tally>>) -> Vec<Day> {
    let mut days: BTreeMap<String, BTreeMap<usize, DailyArm>> = BTreeMap::new();
    for (k, name) in names.iter().enumerate() {
        let Some(arm_days) = by_arm.get(name) else {
            continue;
        };
        for (day, tally) in arm_days {
            let kpis = Kpis::of(&stats::compute([tally]));
            let arm = DailyArm {
                name: name.clone(),
                reports: tally.reports,
                ctr: kpis.ctr,
                conversion_rate: kpis.conversion_rate,
                order_rate: kpis.order_rate,
                order_value_per_day_cents: kpis.order_value_per_day_cents,
            };
            days.entry(day.clone()).or_default().insert(k, arm);
        }
    }
    days.into_iter()
        .map(|(day, mut arms)| Day {
            day,
            arms: names
                .iter()
                .enumerate()
                .map(|(k, name)| {
                    arms.remove(&k).unwrap_or_else(|| DailyArm {
                        name: name.clone(),
                        reports: 0,
                        ctr: None,
                        conversion_rate: None,
                        order_rate: None,
                        order_value_per_day_cents: None,
                    })
                })
                .collect(),
        })
        .collect()
}

/// An experiment's first and last day in the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// First day.
    pub start: String,
    /// Last day, inclusive.
    pub end: String,
}

/// One arm in the sample-ratio check.
#[derive(Debug, Clone, Serialize)]
pub struct SrmArm {
    /// The arm.
    pub name: String,
    /// Its weight.
    pub weight: u32,
    /// Reports observed.
    pub reports: u64,
    /// Reports expected from the weights.
    pub expected: f64,
}

/// The sample-ratio check: Pearson's χ² of the reports per arm against
/// the weights of the experiment file, over the whole range, and the same
/// test day by day.
///
/// The pooled test counts device-days: a device that reports on several
/// days adds several reports to one arm, so the counts vary more than the
/// test assumes and a healthy experiment with many returning devices
/// warns more often than `alpha` (by about the mean reports per device,
/// as a factor on the statistic). On one day a device sends at most one
/// report per placement, so each day's test is exact; `daily` takes the
/// smallest day's p-value times the number of days tested (Bonferroni,
/// valid whatever the days' dependence), at the cost of power when a
/// small mismatch is spread thin.
#[derive(Debug, Clone, Serialize)]
pub struct Srm {
    /// Σ (observed − expected)² / expected over the range.
    pub statistic: f64,
    /// Arms − 1.
    pub df: u32,
    /// P(χ²(df) ≥ statistic).
    pub p_value: f64,
    /// `p_value` is below [`SRM_ALPHA`]: the arms did not get the share
    /// of reports the weights give, so their comparison is not trusted.
    pub warning: bool,
    /// The threshold, [`SRM_ALPHA`].
    pub alpha: f64,
    /// Per arm of the file.
    pub arms: Vec<SrmArm>,
    /// Reports naming an arm the file does not have (left out of the test).
    pub unconfigured_reports: u64,
    /// The day-by-day test, if any day has enough reports.
    pub daily: Option<DailySrm>,
}

/// The sample-ratio test of each day, Bonferroni-corrected (see [`Srm`]).
#[derive(Debug, Clone, Serialize)]
pub struct DailySrm {
    /// Days with enough reports to test.
    pub days_tested: u32,
    /// The day with the smallest p-value.
    pub worst_day: String,
    /// Its p-value.
    pub worst_p_value: f64,
    /// `min(1, worst_p_value · days_tested)`.
    pub adjusted_p_value: f64,
    /// `adjusted_p_value` is below [`SRM_ALPHA`].
    pub warning: bool,
}

/// Pearson's χ² of `observed` against `weights`: the statistic, the
/// expected counts, and the p-value; `Err` with the reason when there are
/// too few reports for the χ² approximation.
fn chi2_test(weights: &[u32], observed: &[u64]) -> Result<(f64, Vec<f64>, f64), String> {
    let n: u64 = observed.iter().sum();
    if n == 0 {
        return Err("no reports in the arms of the experiment file yet".into());
    }
    let total: f64 = weights.iter().map(|&w| f64::from(w)).sum();
    let expected: Vec<f64> = weights
        .iter()
        .map(|&w| n as f64 * f64::from(w) / total)
        .collect();
    let least = expected.iter().copied().fold(f64::INFINITY, f64::min);
    if least < MIN_EXPECTED {
        return Err(format!(
            "too few reports for the chi-square test: every arm needs at least {MIN_EXPECTED} expected reports, and the smallest expects {least:.1} of {n}"
        ));
    }
    let statistic = observed
        .iter()
        .zip(&expected)
        .map(|(&o, e)| (o as f64 - e).powi(2) / e)
        .sum();
    let p = chi2_sf(statistic, weights.len() as u32 - 1);
    Ok((statistic, expected, p))
}

/// The sample-ratio check of `by_day` (day → arm → reports) against the
/// arms of `configured`, or why it cannot be made.
pub fn sample_ratio(
    configured: &Experiment,
    by_day: &BTreeMap<String, BTreeMap<String, u64>>,
) -> Result<Srm, String> {
    let weights: Vec<u32> = configured.arms.iter().map(|a| a.weight).collect();
    let observed_on = |day: &BTreeMap<String, u64>| -> Vec<u64> {
        configured
            .arms
            .iter()
            .map(|a| day.get(&a.name).copied().unwrap_or(0))
            .collect()
    };
    let mut observed = vec![0u64; weights.len()];
    let mut all = 0u64;
    let mut daily: Vec<(&String, f64)> = Vec::new();
    for (day, counts) in by_day {
        let o = observed_on(counts);
        for (sum, x) in observed.iter_mut().zip(&o) {
            *sum += x;
        }
        all += counts.values().sum::<u64>();
        if let Ok((_, _, p)) = chi2_test(&weights, &o) {
            daily.push((day, p));
        }
    }
    let (statistic, expected, p_value) = chi2_test(&weights, &observed)?;
    let daily = daily
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|&(day, p)| {
            let adjusted = (p * daily.len() as f64).min(1.0);
            DailySrm {
                days_tested: daily.len() as u32,
                worst_day: day.clone(),
                worst_p_value: p,
                adjusted_p_value: adjusted,
                warning: adjusted < SRM_ALPHA,
            }
        });
    Ok(Srm {
        statistic,
        df: weights.len() as u32 - 1,
        p_value,
        warning: p_value < SRM_ALPHA,
        alpha: SRM_ALPHA,
        arms: configured
            .arms
            .iter()
            .zip(observed.iter().zip(expected))
            .map(|(a, (&reports, expected))| SrmArm {
                name: a.name.clone(),
                weight: a.weight,
                reports,
                expected,
            })
            .collect(),
        unconfigured_reports: all - observed.iter().sum::<u64>(),
        daily,
    })
}

/// The answer of `GET /v1/experiments/{name}`.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The experiment.
    pub experiment: String,
    /// Its placement (from the file, else from the reports if they agree).
    pub placement: Option<String>,
    /// First day analysed.
    pub from: String,
    /// Last day analysed, inclusive.
    pub to: String,
    /// The experiment's own days, from the file.
    pub scheduled: Option<Schedule>,
    /// Reports in the range.
    pub reports: u64,
    /// The arm the others are compared with.
    pub control: String,
    /// Every arm: the file's in its order, then any others by name.
    pub arms: Vec<ArmResult>,
    /// Each arm but the control against the control.
    pub comparisons: Vec<Comparison>,
    /// The sample-ratio check, when it can be made.
    pub srm: Option<Srm>,
    /// Why `srm` is `None`.
    pub srm_reason: Option<String>,
    /// How the comparisons' `decisions` are made.
    pub sequential: SequentialSummary,
    /// The arms' main KPIs on each day with reports, oldest first.
    pub daily: Vec<Day>,
}

/// Analyses the reports of `request`'s experiment. `file_served` says
/// whether the collector serves an experiment file at all, `configured` is
/// the experiment's entry in it.
pub fn analyze(
    request: &Request,
    file_served: bool,
    configured: Option<&Experiment>,
    tallies: Tallies,
) -> Result<Analysis, ExperimentError> {
    let total: u64 = tallies.values().map(|t| t.reports).sum();
    if total == 0 && configured.is_none() {
        return Err(ExperimentError::NotFound {
            experiment: request.name.clone(),
            from: request.from.clone(),
            to: request.to.clone(),
        });
    }
    let mut placements: Vec<String> = tallies.keys().map(|g| g.placement.clone()).collect();
    placements.sort();
    placements.dedup();
    // arm -> day -> the reports of that arm that day (placements merged).
    let mut by_arm: BTreeMap<String, BTreeMap<String, Tally>> = BTreeMap::new();
    for (group, tally) in &tallies {
        let arm = group.arm.clone().unwrap_or_default();
        by_arm
            .entry(arm)
            .or_default()
            .entry(group.day.clone())
            .or_default()
            .merge(tally);
    }
    // The file's arms in its order (even those without reports), then the
    // others by name.
    let mut names: Vec<String> = configured
        .map(|e| e.arms.iter().map(|a| a.name.clone()).collect())
        .unwrap_or_default();
    for arm in by_arm.keys() {
        if !names.contains(arm) {
            names.push(arm.clone());
        }
    }
    let control = match &request.control {
        Some(c) if names.contains(c) => c.clone(),
        Some(c) => {
            return Err(ExperimentError::UnknownControl {
                experiment: request.name.clone(),
                control: c.clone(),
                arms: names.join(", "),
            })
        }
        None if names.iter().any(|n| n == "control") => "control".into(),
        None => names.iter().min().cloned().unwrap_or_default(),
    };
    let mut by_day: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (arm, days) in &by_arm {
        for (day, tally) in days {
            *by_day
                .entry(day.clone())
                .or_default()
                .entry(arm.clone())
                .or_default() += tally.reports;
        }
    }
    let arms: Vec<ArmResult> = names
        .iter()
        .map(|name| {
            let s = stats::compute(by_arm.get(name).into_iter().flat_map(BTreeMap::values));
            let file_arm = configured.and_then(|e| e.arms.iter().find(|a| &a.name == name));
            ArmResult {
                name: name.clone(),
                kind: file_arm.map(|a| a.kind),
                weight: file_arm.map(|a| a.weight),
                reports: s.reports,
                kpis: match file_arm.map(|a| a.kind) {
                    // A holdout shows nothing: a rate per card seen there
                    // is noise over noise, whatever the noise says.
                    Some(ArmKind::Holdout) => Kpis {
                        ctr: None,
                        add_to_cart_rate: None,
                        conversion_rate: None,
                        dismissal_rate: None,
                        ..Kpis::of(&s)
                    },
                    _ => Kpis::of(&s),
                },
                order_value_shares: s.histograms.get("order_value").cloned().unwrap_or_default(),
                latency_p50_us: s.latency_p50_us,
                latency_p90_us: s.latency_p90_us,
            }
        })
        .collect();
    let control_arm = arms
        .iter()
        .find(|a| a.name == control)
        .expect("the control is one of the arms");
    let summary = SequentialSummary::new(request, configured);
    let comparisons = arms
        .iter()
        .filter(|a| a.name != control)
        .map(|a| {
            let kpis = a.kpis.zip(&control_arm.kpis, uplift);
            let reports = a.reports + control_arm.reports;
            Comparison {
                arm: a.name.clone(),
                control: control.clone(),
                decisions: kpis.map(|u| sequential::decide(u, reports, summary.over)),
                kpis,
            }
        })
        .collect();
    let (srm, srm_reason) = match configured {
        Some(e) => match sample_ratio(e, &by_day) {
            Ok(s) => (Some(s), None),
            Err(why) => (None, Some(why)),
        },
        None if file_served => (
            None,
            Some(format!(
                "experiment {} is not in the served experiment file, so the arms' weights are unknown",
                request.name
            )),
        ),
        None => (
            None,
            Some(
                "the collector serves no experiment file (xsell serve --experiments FILE), so the arms' weights are unknown"
                    .into(),
            ),
        ),
    };
    Ok(Analysis {
        experiment: request.name.clone(),
        placement: configured
            .map(|e| e.placement.clone())
            .or_else(|| (placements.len() == 1).then(|| placements.remove(0))),
        from: request.from.clone(),
        to: request.to.clone(),
        scheduled: configured.map(|e| Schedule {
            start: e.start.clone(),
            end: e.end.clone(),
        }),
        reports: total,
        control,
        arms,
        comparisons,
        srm,
        srm_reason,
        sequential: summary,
        daily: daily(&names, &by_arm),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use xsell_core::privacy::exact::{uniform_below, RandomBits, SplitMix64};
    use xsell_core::privacy::ledger::Ledger;
    use xsell_core::privacy::mechanisms::Epsilon;
    use xsell_core::privacy::report::{build_report, metric_value, DayCounts, Metric, Report};
    use xsell_core::shopper::Arm;

    const NAME: &str = "grid-test";

    /// The analysis of reports held in memory, through their tallies (the
    /// store's `GROUP BY` gives the same).
    fn analyze(
        request: &Request,
        file_served: bool,
        configured: Option<&Experiment>,
        reports: Vec<Report>,
    ) -> Result<Analysis, ExperimentError> {
        super::analyze(
            request,
            file_served,
            configured,
            crate::serve::tally::of_reports(&reports),
        )
    }

    fn experiment(weights: &[(&str, u32)]) -> Experiment {
        Experiment {
            name: NAME.into(),
            placement: "cart".into(),
            start: "2026-12-01".into(),
            end: "2026-12-28".into(),
            arms: weights
                .iter()
                .map(|&(name, weight)| Arm {
                    name: name.into(),
                    weight,
                    kind: ArmKind::Config,
                    config: None,
                })
                .collect(),
        }
    }

    /// How the shoppers of one arm behave on an exposed day.
    struct Behaviour {
        /// Impressions uniform on 0..=max.
        impressions_max: u64,
        /// Clicks: `clicks` with probability `click_permille`/1000, else 0.
        clicks: u64,
        click_permille: u64,
        /// An order with probability `order_permille`/1000, its value
        /// uniform on 2,000..12,000 cents.
        order_permille: u64,
    }

    const ORDER_LOW: u64 = 2_000;
    const ORDER_SPAN: u64 = 10_000;

    impl Behaviour {
        fn day(&self, rng: &mut SplitMix64) -> DayCounts {
            let clicked = uniform_below(rng, 1000) < self.click_permille;
            let ordered = uniform_below(rng, 1000) < self.order_permille;
            DayCounts {
                impressions: uniform_below(rng, self.impressions_max + 1),
                clicks: if clicked { self.clicks } else { 0 },
                order_value_cents: ordered.then(|| ORDER_LOW + uniform_below(rng, ORDER_SPAN)),
                ..Default::default()
            }
        }
        fn ctr(&self) -> f64 {
            self.clicks as f64 * self.click_permille as f64
                / 1000.0
                / (self.impressions_max as f64 / 2.0)
        }
        fn order_rate(&self) -> f64 {
            self.order_permille as f64 / 1000.0
        }
        /// What the estimator targets: the order rate times the mean
        /// bucket midpoint of the order values.
        fn order_value_per_day(&self) -> f64 {
            let mean_midpoint = (ORDER_LOW..ORDER_LOW + ORDER_SPAN)
                .map(|v| {
                    let day = DayCounts {
                        order_value_cents: Some(v),
                        ..Default::default()
                    };
                    stats::order_value_midpoint_cents(
                        metric_value(&day, Metric::OrderValue) as usize
                    )
                })
                .sum::<f64>()
                / ORDER_SPAN as f64;
            self.order_rate() * mean_midpoint
        }
    }

    const CONTROL: Behaviour = Behaviour {
        impressions_max: 20,
        clicks: 1,
        click_permille: 400,
        order_permille: 300,
    };
    const GRID: Behaviour = Behaviour {
        impressions_max: 30,
        clicks: 2,
        click_permille: 500,
        order_permille: 360,
    };

    /// One simulated experiment: `devices` devices, each bucketed by the
    /// core's own draw from a random salt and reporting one exposed day
    /// through the client's report code at ε = 2.
    fn simulate(seed: u64, devices: u64, e: &Experiment) -> Vec<Report> {
        let mut rng = SplitMix64(seed);
        (0..devices)
            .map(|_| {
                let arm = e.arm_for(rng.next_u64()).name.clone();
                let behaviour = if arm == "control" { &CONTROL } else { &GRID };
                let counts = behaviour.day(&mut rng);
                let mut ledger = Ledger::load(None, "2026-12-02", Epsilon(2000));
                build_report(
                    &mut rng,
                    "2026-12-02",
                    "cart",
                    Some((NAME, &arm)),
                    &counts,
                    Epsilon(2000),
                    &mut ledger,
                    Epsilon(2000),
                )
                .expect("a fresh ledger has the budget")
            })
            .collect()
    }

    fn request(control: Option<&str>) -> Request {
        Request::check(NAME, Some("2026-12-01"), Some("2026-12-28"), control, None).unwrap()
    }

    #[test]
    fn the_difference_intervals_cover_the_truth_at_the_nominal_rate() {
        // 300 seeded experiments of 8,000 devices split 50/50: how often
        // does each difference's 95 % interval hold the true difference?
        let e = experiment(&[("control", 1), ("grid", 1)]);
        let truths = [
            GRID.ctr() - CONTROL.ctr(),
            GRID.order_rate() - CONTROL.order_rate(),
            GRID.order_value_per_day() - CONTROL.order_value_per_day(),
        ];
        let runs = 300u64;
        let mut covered = [0u64; 3];
        let mut relative_covered = 0u64;
        let mut srm_warnings = 0u64;
        for run in 0..runs {
            let a = analyze(
                &request(None),
                true,
                Some(&e),
                simulate(10_000 + run, 8_000, &e),
            )
            .unwrap();
            assert_eq!(a.control, "control");
            let k = &a.comparisons[0].kpis;
            let diffs = [&k.ctr, &k.order_rate, &k.order_value_per_day_cents];
            for ((d, truth), c) in diffs.iter().zip(truths).zip(&mut covered) {
                let d = d.as_ref().expect("every KPI has reports").difference;
                *c += u64::from(d.covers(truth));
            }
            let rel = k
                .ctr
                .unwrap()
                .relative
                .expect("the control CTR is well above 0");
            relative_covered += u64::from(rel.covers(GRID.ctr() / CONTROL.ctr() - 1.0));
            srm_warnings += u64::from(a.srm.unwrap().warning);
        }
        // Nominal 285 of 300 (sd 3.8): accept 90 % to 99 %.
        for (name, c) in ["ctr", "order_rate", "order_value_per_day"]
            .iter()
            .zip(covered)
        {
            assert!((270..=297).contains(&c), "{name}: covered {c} of {runs}");
        }
        // The relative difference's delta-method interval is symmetric
        // around a skewed ratio: it may miss more often, but not much.
        assert!(
            (260..=297).contains(&relative_covered),
            "relative CTR: covered {relative_covered} of {runs}"
        );
        // A correct split warns at about the rate α = 0.001 says.
        assert!(srm_warnings <= 2, "{srm_warnings} false alarms in {runs}");
    }

    #[test]
    fn each_arm_gets_its_own_kpis_and_the_file_order() {
        let e = experiment(&[("grid", 1), ("control", 1), ("idle", 1)]);
        let reports = simulate(3, 3_000, &experiment(&[("control", 1), ("grid", 1)]));
        let a = analyze(&request(None), true, Some(&e), reports).unwrap();
        let names: Vec<&str> = a.arms.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["grid", "control", "idle"], "the file's order");
        assert_eq!(a.control, "control", "an arm named control is the default");
        assert_eq!(a.arms.iter().map(|a| a.reports).sum::<u64>(), 3_000);
        assert_eq!(a.reports, 3_000);
        let idle = &a.arms[2];
        assert_eq!((idle.reports, idle.weight), (0, Some(1)));
        assert_eq!(idle.kpis.ctr, None, "no reports, no estimate");
        assert_eq!(a.comparisons.len(), 2);
        assert!(a.comparisons.iter().all(|c| c.control == "control"));
        assert!(a.comparisons[1].kpis.ctr.is_none());
        assert_eq!(a.placement.as_deref(), Some("cart"));
        assert_eq!(
            a.scheduled,
            Some(Schedule {
                start: "2026-12-01".into(),
                end: "2026-12-28".into()
            })
        );
        // An empty idle arm expects a third of the reports and gets none.
        assert!(a.srm.unwrap().warning);
    }

    #[test]
    fn the_control_defaults_to_the_first_arm_by_name_and_can_be_chosen() {
        let e = experiment(&[("zeta", 1), ("beta", 1)]);
        let reports: Vec<Report> = simulate(4, 400, &experiment(&[("control", 1), ("grid", 1)]))
            .into_iter()
            .map(|mut r| {
                r.arm = Some(
                    if r.arm.as_deref() == Some("control") {
                        "zeta"
                    } else {
                        "beta"
                    }
                    .into(),
                );
                r
            })
            .collect();
        let a = analyze(&request(None), false, None, reports.clone()).unwrap();
        assert_eq!(a.control, "beta");
        let names: Vec<&str> = a.arms.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["beta", "zeta"], "without a file, by name");
        assert!(a.srm.is_none());
        assert!(a.srm_reason.unwrap().contains("--experiments"));
        let a = analyze(&request(Some("zeta")), true, Some(&e), reports.clone()).unwrap();
        assert_eq!(
            (a.control.as_str(), a.comparisons[0].arm.as_str()),
            ("zeta", "beta")
        );
        let err = analyze(&request(Some("gamma")), true, Some(&e), reports).unwrap_err();
        assert_eq!(
            err.to_string(),
            "control=gamma is not an arm of grid-test (arms: zeta, beta)"
        );
        let err = analyze(&request(None), false, None, Vec::new()).unwrap_err();
        assert!(matches!(err, ExperimentError::NotFound { .. }), "{err}");
        let a = analyze(&request(None), true, None, simulate(5, 50, &e)).unwrap();
        assert!(a
            .srm_reason
            .unwrap()
            .contains("not in the served experiment file"));
    }

    #[test]
    fn a_request_needs_real_days_in_order_and_defaults_to_the_schedule() {
        let e = experiment(&[("control", 1), ("grid", 1)]);
        // A long, running experiment: the default range ends today and
        // spans at most MAX_DAYS.
        let mut long = e.clone();
        long.start = "2026-01-01".into();
        long.end = "2030-12-31".into();
        let today = xsell_core::shopper::day_number("2026-12-01").unwrap();
        let r = Request::check_at(NAME, None, None, None, Some(&long), Some(today)).unwrap();
        assert_eq!(
            (r.from.as_str(), r.to.as_str()),
            ("2026-01-01", "2026-12-01")
        );
        let later = xsell_core::shopper::day_number("2028-03-10").unwrap();
        let r = Request::check_at(NAME, None, None, None, Some(&long), Some(later)).unwrap();
        assert_eq!(
            (r.from.as_str(), r.to.as_str()),
            ("2027-03-11", "2028-03-10")
        );
        let r = Request::check(NAME, None, None, Some(""), Some(&e)).unwrap();
        assert_eq!(
            (r.from.as_str(), r.to.as_str(), r.control),
            ("2026-12-01", "2026-12-28", None)
        );
        let r = Request::check(NAME, Some("2026-12-05"), None, None, Some(&e)).unwrap();
        assert_eq!(
            (r.from.as_str(), r.to.as_str()),
            ("2026-12-05", "2026-12-28")
        );
        let bad = |from: Option<&str>, to: Option<&str>, configured| {
            Request::check(NAME, from, to, None, configured)
                .unwrap_err()
                .to_string()
        };
        assert!(bad(None, None, None).contains("give from=YYYY-MM-DD"));
        assert!(bad(Some("2026-02-31"), Some("2026-03-01"), None).contains("from=2026-02-31"));
        assert!(bad(Some("2026-03-01"), Some("yesterday"), None).contains("to=yesterday"));
        assert!(bad(Some("2026-03-02"), Some("2026-03-01"), None).contains("before"));
        assert!(bad(Some("2025-01-01"), Some("2026-01-02"), None).contains("367 days"));
        assert!(Request::check(NAME, Some("2024-01-01"), Some("2024-12-31"), None, None).is_ok());
        assert!(Request::check("Grid<Test>", None, None, None, Some(&e))
            .unwrap_err()
            .to_string()
            .contains("not an experiment name"));
    }

    #[test]
    fn an_uplift_adds_the_variances_and_takes_the_ratio_by_the_delta_method() {
        let arm = Estimate::new(0.06, 0.004, 500);
        let control = Estimate::new(0.04, 0.003, 400);
        let u = uplift(&arm, &control).unwrap();
        assert!((u.difference.value - 0.02).abs() < 1e-15);
        assert!((u.difference.std_error - 0.005).abs() < 1e-15);
        assert_eq!(u.difference.n, 900);
        let rel = u.relative.unwrap();
        assert!((rel.value - 0.5).abs() < 1e-12);
        // √((0.004/0.04)² + (0.06·0.003/0.04²)²) = √(0.01 + 0.01265625).
        assert!((rel.std_error - (0.01f64 + 0.012_656_25).sqrt()).abs() < 1e-12);
        assert_eq!(rel, Estimate::new(rel.value, rel.std_error, 900));
        // Against a control whose interval reaches 0 there is no ratio.
        let near_zero = Estimate::new(0.001, 0.002, 300);
        assert!(uplift(&arm, &near_zero).unwrap().relative.is_none());
        assert!(uplift(&arm, &Estimate::new(f64::NAN, f64::INFINITY, 0)).is_none());
    }

    #[test]
    fn the_sample_ratio_check_follows_the_weights() {
        // One day's counts per arm.
        let day = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
            pairs.iter().map(|&(a, n)| (a.to_string(), n)).collect()
        };
        let one_day =
            |pairs: &[(&str, u64)]| BTreeMap::from([("2026-12-02".to_string(), day(pairs))]);
        let e = experiment(&[("control", 1), ("grid", 1)]);
        let even = sample_ratio(&e, &one_day(&[("control", 1_000), ("grid", 1_000)])).unwrap();
        assert_eq!(
            (even.statistic, even.df, even.p_value, even.warning),
            (0.0, 1, 1.0, false)
        );
        // 60/40 of 2,000: χ² = 2 · 200² / 1000 = 80.
        let broken = sample_ratio(&e, &one_day(&[("control", 1_200), ("grid", 800)])).unwrap();
        assert!(
            (broken.statistic - 80.0).abs() < 1e-9 && broken.warning,
            "{broken:?}"
        );
        assert!(broken.p_value < 1e-15);
        let daily = broken.daily.unwrap();
        assert_eq!(
            (daily.days_tested, daily.worst_day.as_str()),
            (1, "2026-12-02")
        );
        assert!(daily.warning && daily.adjusted_p_value == daily.worst_p_value);
        // Weights 3:1 expect 1,500 and 500.
        let e31 = experiment(&[("control", 3), ("grid", 1)]);
        let s = sample_ratio(
            &e31,
            &one_day(&[("control", 1_530), ("grid", 470), ("old", 9)]),
        )
        .unwrap();
        assert_eq!(s.arms[0].expected, 1_500.0);
        assert!(
            (s.statistic - (0.6 + 1.8)).abs() < 1e-9 && !s.warning,
            "{s:?}"
        );
        assert_eq!(s.unconfigured_reports, 9);
        assert!(sample_ratio(&e, &one_day(&[("old", 9)]))
            .unwrap_err()
            .contains("no reports"));
        assert!(sample_ratio(&e, &one_day(&[("control", 6), ("grid", 3)]))
            .unwrap_err()
            .contains("too few"));
        // The same 60/40 spread over 20 days of 100: the pooled test still
        // sees it; each day alone (χ² = 4, p = 0.046) does not, even
        // before the correction for 20 days. Days too small to test are
        // left out of the daily test, never of the pooled one.
        let mut spread: BTreeMap<String, BTreeMap<String, u64>> = (1..=20)
            .map(|d| {
                (
                    format!("2026-12-{d:02}"),
                    day(&[("control", 60), ("grid", 40)]),
                )
            })
            .collect();
        spread.insert("2026-12-21".into(), day(&[("control", 3)]));
        let s = sample_ratio(&e, &spread).unwrap();
        assert!(s.warning, "{s:?}");
        let daily = s.daily.unwrap();
        assert_eq!(daily.days_tested, 20);
        assert!(
            (daily.adjusted_p_value - 20.0 * chi2_sf(4.0, 1)).abs() < 1e-12 && !daily.warning,
            "{daily:?}"
        );
        assert_eq!(s.arms[0].reports, 1_203);
    }
}
