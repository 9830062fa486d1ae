//! The duration calculator, `GET /v1/experiments/duration`: how many days
//! an experiment must run before a relative effect on one KPI is detected
//! at α = 0.05 (two-sided) with power 0.8, with the privacy noise and
//! without it, so the cost of the noise shows in days.
//!
//! Everything hangs on the variance of one arm's KPI estimate per report,
//! and that comes from the estimators' own formulas:
//!
//! - CTR is mean clicks over mean impressions, two 1BitMean means from
//!   disjoint reports ([`estimate::ratio`], each mean at the standard error
//!   [`estimate::one_bit_mean_se_at`] gives for it);
//! - the order rate is the order-value report's unbiased value
//!   ([`stats::order_rate_report_variance`], the formula behind the
//!   collector's estimate).
//!
//! A report carries one metric of the eight ([`ALL_METRICS`]), so each
//! metric is on an eighth of the reports, and each report is noised with
//! the daily ε shared by [`REPORTS_PER_DAY`] placement reports. Then the
//! normal power calculation: after `d` days the difference of two
//! independent arms has variance `(v_a / n_a + v_c / n_c) / d` (`n` reports
//! a day, `v` the variance per report), and it is detected with power
//! 1 − β when `|δ| = (z_{1−α/2} + z_{1−β}) · sd`.
//!
//! *Without noise* the same reports (one metric each) carry the true
//! value: what is left is the shoppers' own spread, modelled as clicks
//! binomial on Poisson impressions (variance CTR · impressions, and
//! impressions for the impressions) and an order on a day as a coin with
//! the order rate. The mechanisms do not reach that figure as ε grows:
//! 1BitMean still sends a coin with the count's share of its bound, and
//! OUE sends the true bucket's bit as a fair coin whatever ε is. Their
//! limit, [`Duration::days_at_unlimited_epsilon`], is the floor that no
//! budget beats.

use super::stats;
use serde::{Deserialize, Serialize};
use xsell_core::privacy::estimate::{self, Estimate};
use xsell_core::privacy::ledger::MAX_DAILY_BUDGET;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{Metric, ALL_METRICS};
use xsell_core::shopper::REPORTS_PER_DAY;

/// Two-sided false-positive rate of the planned test.
pub const ALPHA: f64 = 0.05;
/// The chance of detecting the effect when it is there.
pub const POWER: f64 = 0.8;
/// `z_{1 − α/2}` for α = 0.05: the 1.96 of every 95 % interval
/// (`Estimate::new`), the test the analysis makes.
const Z_HALF_ALPHA: f64 = 1.959_963_984_540_054;
/// `z_{0.8}`.
const Z_POWER: f64 = 0.841_621_233_572_914_3;
/// ε per report standing in for "unlimited": e^−40 is below f64's
/// precision next to 1, so the mechanisms' formulas give their limit.
const UNLIMITED: Epsilon = Epsilon(40_000);
/// Arms and weights as the experiment file allows them.
const ARMS: std::ops::RangeInclusive<usize> = 2..=16;
const WEIGHTS: std::ops::RangeInclusive<u32> = 1..=10_000;

/// The KPI to plan for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kpi {
    /// Clicks per impression (needs the impressions per exposed day).
    Ctr,
    /// Share of exposed days with an order.
    OrderRate,
}

/// Why a duration cannot be computed: what is wrong and what to give.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// A required parameter is missing.
    #[error("give {field}=…: {what}")]
    Missing {
        /// The parameter.
        field: &'static str,
        /// What it is.
        what: &'static str,
    },
    /// A parameter is not a number.
    #[error("{field}={value} is not a number")]
    NotANumber {
        /// The parameter.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// A parameter is outside what the reports or the file allow.
    #[error("{field}={value} is out of range: {allowed}")]
    OutOfRange {
        /// The parameter.
        field: &'static str,
        /// What was given.
        value: String,
        /// What is allowed.
        allowed: String,
    },
    /// An unknown KPI.
    #[error("metric={0} is not one the calculator knows; give metric=ctr or metric=order_rate")]
    UnknownMetric(String),
}

/// The raw query of `GET /v1/experiments/duration`, every field as given.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DurationQuery {
    /// The widget's daily ε (default 2, the most the ledger allows).
    pub epsilon: Option<String>,
    /// Reporting clients per day, all arms together (one report each).
    pub clients: Option<String>,
    /// Arms of equal weight (default 2), the first being the control.
    pub arms: Option<String>,
    /// Or the arms' weights, comma-separated, the control's first.
    pub weights: Option<String>,
    /// `ctr` (default) or `order_rate`.
    pub metric: Option<String>,
    /// The control's rate, as a fraction (0.02 for 2 %).
    pub baseline: Option<String>,
    /// Impressions per exposed day (CTR only).
    pub impressions: Option<String>,
    /// The smallest relative effect worth detecting (0.1 for +10 %).
    pub effect: Option<String>,
}

/// A checked plan: every field within what the reports can measure. Its
/// fields are the inputs the answer echoes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    epsilon: f64,
    epsilon_per_report: f64,
    clients: f64,
    weights: Vec<u32>,
    metric: Kpi,
    baseline: f64,
    impressions: Option<f64>,
    effect: f64,
    alpha: f64,
    power: f64,
    #[serde(skip)]
    per_report: Epsilon,
}

fn number(field: &'static str, given: Option<&str>) -> Result<Option<f64>, DurationError> {
    let Some(text) = given.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(DurationError::NotANumber {
            field,
            value: text.chars().take(20).collect(),
        }),
    }
}

fn out_of_range(field: &'static str, value: f64, allowed: impl Into<String>) -> DurationError {
    DurationError::OutOfRange {
        field,
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

fn required(
    field: &'static str,
    what: &'static str,
    given: Option<&str>,
) -> Result<f64, DurationError> {
    number(field, given)?.ok_or(DurationError::Missing { field, what })
}

impl DurationQuery {
    /// Checks the query into a [`Plan`].
    pub fn check(&self) -> Result<Plan, DurationError> {
        let daily = number("epsilon", self.epsilon.as_deref())?.unwrap_or(MAX_DAILY_BUDGET.value());
        let milli = (daily * 1000.0).round();
        // Each report gets a whole number of thousandths, as on the device.
        if !(f64::from(REPORTS_PER_DAY)..=f64::from(MAX_DAILY_BUDGET.0)).contains(&milli) {
            return Err(out_of_range(
                "epsilon",
                daily,
                "the widget's daily budget is 0.002 to 2",
            ));
        }
        let per_report = Epsilon(milli as u32 / REPORTS_PER_DAY);
        let clients = required(
            "clients",
            "the reporting clients per day, all arms together",
            self.clients.as_deref(),
        )?;
        if !(1.0..=1e9).contains(&clients) {
            return Err(out_of_range("clients", clients, "1 to 10^9 a day"));
        }
        let weights = self.weights()?;
        let metric = match self.metric.as_deref().map(str::trim) {
            None | Some("") | Some("ctr") => Kpi::Ctr,
            Some("order_rate") => Kpi::OrderRate,
            Some(other) => {
                return Err(DurationError::UnknownMetric(
                    other.chars().take(20).collect(),
                ))
            }
        };
        let baseline = required(
            "baseline",
            "the control's rate as a fraction (0.02 for 2 %)",
            self.baseline.as_deref(),
        )?;
        let effect = required(
            "effect",
            "the smallest relative effect worth detecting (0.1 for +10 %)",
            self.effect.as_deref(),
        )?;
        if !(effect != 0.0 && effect > -1.0 && effect <= 10.0) {
            return Err(out_of_range(
                "effect",
                effect,
                "a relative change above -1 (-100 %), up to 10, and not 0",
            ));
        }
        if !(baseline > 0.0 && baseline < 1.0) {
            return Err(out_of_range("baseline", baseline, "a rate between 0 and 1"));
        }
        let treated = baseline * (1.0 + effect);
        let impressions = match metric {
            Kpi::OrderRate => {
                if treated >= 1.0 {
                    return Err(out_of_range(
                        "effect",
                        effect,
                        "the arm's order rate, baseline · (1 + effect), must stay below 1",
                    ));
                }
                None
            }
            Kpi::Ctr => {
                let i = required(
                    "impressions",
                    "the cards seen per exposed day (for metric=ctr)",
                    self.impressions.as_deref(),
                )?;
                let bound = |m: Metric| f64::from(m.domain().1);
                if !(i > 0.0 && i <= bound(Metric::Impressions)) {
                    return Err(out_of_range(
                        "impressions",
                        i,
                        "above 0 and at most 50 a day (reports clip impressions at 50)",
                    ));
                }
                // Reports clip clicks at 3 a day: a mean beyond cannot be seen.
                if baseline.max(treated) * i > bound(Metric::Clicks) {
                    return Err(out_of_range(
                        "baseline",
                        baseline,
                        "baseline · (1 + effect) · impressions, the clicks per day, must stay at most 3 (reports clip clicks at 3)",
                    ));
                }
                Some(i)
            }
        };
        Ok(Plan {
            epsilon: milli / 1000.0,
            epsilon_per_report: per_report.value(),
            clients,
            weights,
            metric,
            baseline,
            impressions,
            effect,
            alpha: ALPHA,
            power: POWER,
            per_report,
        })
    }

    /// The arms' weights: `weights`, else `arms` equal ones (default 2).
    fn weights(&self) -> Result<Vec<u32>, DurationError> {
        let arms = number("arms", self.arms.as_deref())?;
        let bad_arms = |n: f64| out_of_range("arms", n, "2 to 16 arms, as in an experiment file");
        let weights: Vec<u32> = match self.weights.as_deref().map(str::trim) {
            Some(list) if !list.is_empty() => list
                .split(',')
                .map(|w| match w.trim().parse::<u32>() {
                    Ok(w) if WEIGHTS.contains(&w) => Ok(w),
                    _ => Err(DurationError::OutOfRange {
                        field: "weights",
                        value: list.chars().take(80).collect(),
                        allowed: "whole numbers 1 to 10000, comma-separated, the control's first"
                            .into(),
                    }),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                let n = arms.unwrap_or(2.0);
                if n.fract() != 0.0 || !ARMS.contains(&(n as usize)) {
                    return Err(bad_arms(n));
                }
                vec![1; n as usize]
            }
        };
        if !ARMS.contains(&weights.len()) {
            return Err(bad_arms(weights.len() as f64));
        }
        if let Some(n) = arms.filter(|&n| n != weights.len() as f64) {
            return Err(out_of_range(
                "arms",
                n,
                format!("{} weights were given", weights.len()),
            ));
        }
        Ok(weights)
    }
}

/// The days needed, with the privacy noise, without it, and at unlimited
/// ε; whole days (rounded up) and the exact figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duration {
    /// The checked inputs.
    pub inputs: Plan,
    /// The absolute difference to detect: `baseline · effect`.
    pub difference: f64,
    /// Reports a day per arm (`clients` shared by weight).
    pub reports_per_day: Vec<f64>,
    /// Whole days with the privacy noise at the given ε.
    pub days_with_noise: u64,
    /// Whole days if the same reports carried the true value.
    pub days_without_noise: u64,
    /// Whole days with the mechanisms at ε → ∞: no budget does better.
    pub days_at_unlimited_epsilon: u64,
    /// The same three, unrounded.
    pub exact_days: ExactDays,
}

/// Unrounded days of a [`Duration`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExactDays {
    /// With the privacy noise.
    pub with_noise: f64,
    /// Without it.
    pub without_noise: f64,
    /// At ε → ∞.
    pub at_unlimited_epsilon: f64,
}

impl Plan {
    /// The variance of one arm's KPI estimate times its report count, for
    /// a true rate `rate`, at ε per report (`None`: the true values).
    fn report_variance(&self, rate: f64, eps: Option<Epsilon>) -> f64 {
        // A metric is on one report in eight.
        let per_metric = ALL_METRICS.len() as f64;
        match self.metric {
            Kpi::Ctr => {
                let imps = self
                    .impressions
                    .expect("a checked CTR plan has impressions");
                let clicks = rate * imps;
                let bound = |m: Metric| u64::from(m.domain().1);
                let (clicks_se, imps_se) = match eps {
                    Some(eps) => (
                        estimate::one_bit_mean_se_at(1, bound(Metric::Clicks), eps, clicks),
                        estimate::one_bit_mean_se_at(1, bound(Metric::Impressions), eps, imps),
                    ),
                    None => (clicks.sqrt(), imps.sqrt()),
                };
                let ctr = estimate::ratio(
                    &Estimate::new(clicks, clicks_se, 1),
                    &Estimate::new(imps, imps_se, 1),
                );
                per_metric * ctr.std_error.powi(2)
            }
            Kpi::OrderRate => per_metric * stats::order_rate_report_variance(rate, eps),
        }
    }

    /// Reports a day in each arm.
    fn reports_per_day(&self) -> Vec<f64> {
        let total: f64 = self.weights.iter().map(|&w| f64::from(w)).sum();
        self.weights
            .iter()
            .map(|&w| self.clients * f64::from(w) / total)
            .collect()
    }

    /// Days until every arm's difference to the control is detected with
    /// power [`POWER`]: the slowest comparison (the smallest arm's).
    fn exact_days(&self, eps: Option<Epsilon>) -> f64 {
        let per_day = self.reports_per_day();
        let control = self.report_variance(self.baseline, eps) / per_day[0];
        let arm = self.report_variance(self.baseline * (1.0 + self.effect), eps);
        let delta = self.baseline * self.effect;
        let slowest = per_day[1..].iter().copied().fold(f64::INFINITY, f64::min);
        (Z_HALF_ALPHA + Z_POWER).powi(2) * (arm / slowest + control) / (delta * delta)
    }

    /// The answer.
    pub fn duration(&self) -> Duration {
        let exact = ExactDays {
            with_noise: self.exact_days(Some(self.per_report)),
            without_noise: self.exact_days(None),
            at_unlimited_epsilon: self.exact_days(Some(UNLIMITED)),
        };
        // `as` saturates: an absurd duration stays a (huge) number.
        let whole = |d: f64| d.ceil().max(1.0) as u64;
        Duration {
            inputs: self.clone(),
            difference: self.baseline * self.effect,
            reports_per_day: self.reports_per_day(),
            days_with_noise: whole(exact.with_noise),
            days_without_noise: whole(exact.without_noise),
            days_at_unlimited_epsilon: whole(exact.at_unlimited_epsilon),
            exact_days: exact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::experiment::uplift;
    use super::*;
    use xsell_core::privacy::exact::{uniform_below, RandomBits, SplitMix64};
    use xsell_core::privacy::report::{DayCounts, Report};

    fn query(pairs: &[(&str, &str)]) -> DurationQuery {
        let get = |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.to_string());
        DurationQuery {
            epsilon: get("epsilon"),
            clients: get("clients"),
            arms: get("arms"),
            weights: get("weights"),
            metric: get("metric"),
            baseline: get("baseline"),
            impressions: get("impressions"),
            effect: get("effect"),
        }
    }

    fn plan(pairs: &[(&str, &str)]) -> Plan {
        query(pairs).check().unwrap()
    }

    /// The example of `docs/experiments.md`.
    const EXAMPLE: [(&str, &str); 6] = [
        ("epsilon", "2"),
        ("clients", "10000"),
        ("metric", "ctr"),
        ("baseline", "0.02"),
        ("impressions", "30"),
        ("effect", "0.1"),
    ];

    #[test]
    fn the_documented_example_needs_78_days_with_noise_and_5_without() {
        let d = plan(&EXAMPLE).duration();
        assert_eq!(d.inputs.epsilon_per_report, 1.0, "ε/2 per report");
        assert_eq!(d.reports_per_day, [5_000.0, 5_000.0]);
        assert!((d.difference - 0.002).abs() < 1e-15);
        assert_eq!(
            (
                d.days_with_noise,
                d.days_without_noise,
                d.days_at_unlimited_epsilon
            ),
            (78, 5, 13),
            "{d:?}"
        );
        assert!((d.exact_days.with_noise - 77.17).abs() < 0.01, "{d:?}");
        // The order rate, 5 % of days, +10 %: the order-value report reads
        // one OUE bit that is a fair coin for the true bucket, so even
        // unlimited ε needs 20 times the noise-free days.
        let mut order = EXAMPLE.to_vec();
        order[2] = ("metric", "order_rate");
        order[3] = ("baseline", "0.05");
        let d = plan(&order).duration();
        assert_eq!(d.inputs.impressions, None);
        let e = d.exact_days;
        assert!((e.without_noise - 49.97).abs() < 0.01, "{e:?}");
        assert!((e.with_noise - 4_701.7).abs() < 0.1, "{e:?}");
        assert!((e.at_unlimited_epsilon - 1_001.88).abs() < 0.01, "{e:?}");
    }

    /// A CTR plan at `per_report` ε, for the trend and the limit.
    fn days_at(p: &Plan, per_report: u32) -> f64 {
        p.exact_days(Some(Epsilon(per_report)))
    }

    #[test]
    fn days_fall_as_epsilon_grows_towards_the_floor_of_the_mechanisms() {
        let ctr = plan(&EXAMPLE);
        let mut order = EXAMPLE.to_vec();
        order[2] = ("metric", "order_rate");
        order[3] = ("baseline", "0.05");
        let order = plan(&order);
        for p in [&ctr, &order] {
            let grid = [50, 100, 250, 500, 1_000, 2_000, 4_000, 8_000, 16_000];
            let days: Vec<f64> = grid.iter().map(|&e| days_at(p, e)).collect();
            assert!(
                days.windows(2).all(|w| w[1] < w[0]),
                "{:?}: {days:?}",
                p.metric
            );
            let floor = p.exact_days(Some(UNLIMITED));
            let free = p.exact_days(None);
            assert!(days.iter().all(|&d| d > floor) && floor > free, "{days:?}");
            // At ε = 16 per report the noise is gone to 10⁻⁶.
            assert!(
                (days[8] / floor - 1.0).abs() < 1e-5,
                "{} vs {floor}",
                days[8]
            );
        }
        // The floor in closed form. 1BitMean at ε = ∞ sends z ~
        // Bernoulli(x/B): variance m(B − m) for a mean m; OUE sends the
        // true bucket's bit as a fair coin: 4 f(1 − f) with f = s₀/2.
        let z2 = (Z_HALF_ALPHA + Z_POWER).powi(2);
        let ctr_var = |r: f64| {
            let (c, i) = (r * 30.0, 30.0);
            8.0 * (c * (3.0 - c) / (i * i) + c * c * i * (50.0 - i) / i.powi(4))
        };
        let want = z2 * (ctr_var(0.022) + ctr_var(0.02)) / 5_000.0 / 0.002f64.powi(2);
        assert!(
            (ctr.exact_days(Some(UNLIMITED)) / want - 1.0).abs() < 1e-9,
            "{want}"
        );
        let order_var = |r: f64| {
            let f = (1.0 - r) / 2.0;
            8.0 * 4.0 * f * (1.0 - f)
        };
        let want = z2 * (order_var(0.055) + order_var(0.05)) / 5_000.0 / 0.005f64.powi(2);
        assert!((order.exact_days(Some(UNLIMITED)) / want - 1.0).abs() < 1e-9);
        // Without noise: Poisson impressions, binomial clicks; a coin.
        let free_ctr = |r: f64| 8.0 * (r * 30.0 / 900.0 + r * r * 30.0 / 900.0);
        let want = z2 * (free_ctr(0.022) + free_ctr(0.02)) / 5_000.0 / 0.002f64.powi(2);
        assert!((ctr.exact_days(None) / want - 1.0).abs() < 1e-9);
        // More clients, fewer days, in proportion; a lopsided split is
        // as slow as its smallest arm against the control.
        let mut big = EXAMPLE.to_vec();
        big[1] = ("clients", "40000");
        assert!((plan(&big).duration().exact_days.with_noise * 4.0 / 77.17 - 1.0).abs() < 1e-3);
        let mut lopsided = EXAMPLE.to_vec();
        lopsided.push(("weights", "3,1"));
        let l = plan(&lopsided).duration();
        assert_eq!(l.reports_per_day, [7_500.0, 2_500.0]);
        let even = days_at(&ctr, 1_000);
        let v = |r| ctr.report_variance(r, Some(Epsilon(1_000)));
        let want = even * (v(0.022) / 2_500.0 + v(0.02) / 7_500.0)
            / (v(0.022) / 5_000.0 + v(0.02) / 5_000.0);
        assert!((l.exact_days.with_noise / want - 1.0).abs() < 1e-9);
    }

    /// A shopper's exposed day for the Monte-Carlo tests: impressions
    /// uniform on 0..=20 (mean 10), clicks binomial on 3 tries with mean
    /// `clicks` (never clipped). With the noise only the means matter.
    fn noisy_day(rng: &mut SplitMix64, clicks: f64) -> DayCounts {
        let per_try = (clicks / 3.0 * 1e6) as u64;
        DayCounts {
            impressions: uniform_below(rng, 21),
            clicks: (0..3)
                .filter(|_| uniform_below(rng, 1_000_000) < per_try)
                .count() as u64,
            ..Default::default()
        }
    }

    /// One arm's CTR from `n` device-days, each reported as the widget
    /// does: one metric of eight drawn uniformly (`build_report`), noised
    /// at `eps` (`report::noise`). Only the clicks and impressions reports
    /// are built; the other six metrics do not enter the CTR.
    fn noisy_ctr(rng: &mut SplitMix64, n: u64, clicks: f64, eps: Epsilon) -> Estimate {
        let reports: Vec<Report> = (0..n)
            .filter_map(|_| {
                let metric = ALL_METRICS[uniform_below(rng, ALL_METRICS.len() as u64) as usize];
                let day = noisy_day(rng, clicks);
                matches!(metric, Metric::Clicks | Metric::Impressions)
                    .then(|| stats::one_metric_report(rng, &day, metric, eps))
            })
            .collect();
        stats::of_reports(&reports)
            .ctr
            .expect("clicks and impressions")
    }

    /// Detections in `runs` experiments of `n` device-days per arm, by the
    /// analysis's own test: the difference's 95 % interval excludes 0.
    fn detections(runs: u64, mut arm: impl FnMut(u64, bool) -> Estimate) -> u64 {
        (0..runs)
            .filter(|&run| {
                let (a, c) = (arm(run, true), arm(run, false));
                let d = uplift(&a, &c).expect("finite estimates").difference;
                d.low > 0.0 || d.high < 0.0
            })
            .count() as u64
    }

    /// 400 runs: the detection rate's sd is 2 points at 0.8; 0.71 to 0.89
    /// is ±4.5 sd (a false alarm about once in 10⁵ runs of the test).
    const RUNS: u64 = 400;
    const DETECTED: std::ops::RangeInclusive<u64> = 284..=356;

    #[test]
    fn at_the_computed_days_the_noised_reports_detect_the_effect_four_times_in_five() {
        // CTR 10 % at 10 impressions a day, doubled; ε = 2 a day.
        let p = plan(&[
            ("epsilon", "2"),
            ("clients", "2000"),
            ("baseline", "0.1"),
            ("impressions", "10"),
            ("effect", "1"),
        ]);
        let d = p.duration();
        let n = (d.exact_days.with_noise * d.reports_per_day[1]).round() as u64;
        assert!((9_000..11_000).contains(&n), "{d:?}");
        let hits = detections(RUNS, |run, treated| {
            let mut rng = SplitMix64(70_000 + 2 * run + u64::from(treated));
            noisy_ctr(&mut rng, n, if treated { 2.0 } else { 1.0 }, p.per_report)
        });
        assert!(
            DETECTED.contains(&hits),
            "{hits} of {RUNS} detected at n = {n}"
        );
    }

    /// A Poisson draw (Knuth's product of uniforms; λ is small here).
    fn poisson(rng: &mut SplitMix64, lambda: f64) -> u64 {
        let limit = (-lambda).exp();
        let mut product = 1.0;
        let mut k = 0;
        loop {
            product *= (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if product <= limit {
                return k;
            }
            k += 1;
        }
    }

    /// The mean of exact values with its sample standard error.
    fn sample_mean(xs: &[f64]) -> Estimate {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Estimate::new(mean, (var / n).sqrt(), xs.len() as u64)
    }

    #[test]
    fn without_noise_the_shoppers_own_spread_gives_the_same_power() {
        // The model of the noise-free figure: impressions Poisson, clicks
        // binomial on them, one metric of eight per report, exact values.
        let p = plan(&[
            ("clients", "2000"),
            ("baseline", "0.1"),
            ("impressions", "10"),
            ("effect", "0.2"),
        ]);
        let d = p.duration();
        let n = (d.exact_days.without_noise * d.reports_per_day[1]).round() as u64;
        assert!((3_000..6_000).contains(&n), "{d:?}");
        let hits = detections(RUNS, |run, treated| {
            let mut rng = SplitMix64(90_000 + 2 * run + u64::from(treated));
            let ctr = if treated { 0.12 } else { 0.1 };
            let (mut clicks, mut imps) = (Vec::new(), Vec::new());
            for _ in 0..n {
                let metric = ALL_METRICS[uniform_below(&mut rng, 8) as usize];
                let seen = poisson(&mut rng, 10.0);
                let per_click = (ctr * 1e6) as u64;
                let clicked = (0..seen)
                    .filter(|_| uniform_below(&mut rng, 1_000_000) < per_click)
                    .count();
                match metric {
                    Metric::Clicks => clicks.push(clicked as f64),
                    Metric::Impressions => imps.push(seen as f64),
                    _ => {}
                }
            }
            estimate::ratio(&sample_mean(&clicks), &sample_mean(&imps))
        });
        assert!(
            DETECTED.contains(&hits),
            "{hits} of {RUNS} detected at n = {n}"
        );
    }

    #[test]
    fn a_query_is_checked_and_says_what_to_fix() {
        let err = |pairs: &[(&str, &str)]| query(pairs).check().unwrap_err().to_string();
        let with = |k: &'static str, v: &'static str| {
            let mut q: Vec<(&str, &str)> = EXAMPLE.iter().filter(|p| p.0 != k).copied().collect();
            q.push((k, v));
            err(&q)
        };
        assert!(err(&[]).starts_with("give clients=…"), "{}", err(&[]));
        assert!(with("epsilon", "3").contains("daily budget is 0.002 to 2"));
        assert!(with("epsilon", "0").contains("out of range"));
        assert!(with("clients", "lots").contains("clients=lots is not a number"));
        assert!(with("clients", "0").contains("1 to 10^9"));
        assert!(with("metric", "revenue").contains("metric=ctr or metric=order_rate"));
        assert!(with("baseline", "2").contains("between 0 and 1"));
        assert!(with("effect", "0").contains("not 0"));
        assert!(with("impressions", "80").contains("clip impressions at 50"));
        assert!(with("baseline", "0.2").contains("clip clicks at 3"));
        assert!(with("arms", "1").contains("2 to 16 arms"));
        assert!(with("arms", "2.5").contains("2 to 16 arms"));
        assert!(with("weights", "1,0").contains("whole numbers 1 to 10000"));
        let mut q = EXAMPLE.to_vec();
        q.extend([("weights", "1,1,2"), ("arms", "2")]);
        assert!(err(&q).contains("3 weights were given"), "{}", err(&q));
        let mut q = EXAMPLE.to_vec();
        q.retain(|p| p.0 != "impressions");
        assert!(err(&q).contains("give impressions="));
        let mut q = EXAMPLE.to_vec();
        q[2] = ("metric", "order_rate");
        q[5] = ("effect", "49");
        assert!(err(&q).contains("up to 10"), "{}", err(&q));
        q[5] = ("effect", "9");
        q[3] = ("baseline", "0.2");
        assert!(err(&q).contains("must stay below 1"), "{}", err(&q));
        // Defaults: ε = 2, two arms, CTR; a small ε keeps whole thousandths.
        let p = plan(&EXAMPLE[1..]);
        assert_eq!(
            (p.epsilon, p.weights.clone(), p.metric),
            (2.0, vec![1, 1], Kpi::Ctr)
        );
        let mut q = EXAMPLE.to_vec();
        q[0] = ("epsilon", "0.5");
        assert_eq!(plan(&q).per_report, Epsilon(250));
    }
}
