//! Peeking-safe decisions: always-valid confidence sequences.
//!
//! A 95 % interval holds the truth with 95 % chance when it is read once,
//! at a sample size fixed in advance. The dashboard is read every day, and
//! under no effect the chance that *some* day's interval excludes 0 grows
//! with the looks: about three in ten over 30 daily looks. A confidence
//! sequence holds the truth on every day at once with chance 1 − α, so an
//! experiment can be stopped on the first day it excludes 0, and the
//! decision means what it says however often it was looked at.
//!
//! The sequence is the asymptotic normal-mixture boundary (Robbins' normal
//! mixture in Howard, Ramdas, McAuliffe & Sekhon 2021, made asymptotic by
//! Waudby-Smith et al. 2024; the form GrowthBook uses): after `t` reports,
//! the estimate ± its standard error times
//!
//! `m(t) = √((1 + 1/η) · ln((1 + η) / α²))`, with `η = ρ² t`,
//!
//! where the mixing parameter ρ² sets when the sequence is narrowest
//! (Howard et al.'s rule: ρ² = (−2 ln α + ln(1 − 2 ln α)) / t* for the
//! narrowest point t*). It is fixed here, [`TUNING_REPORTS`], before any
//! data: a ρ chosen after looking would void the guarantee. The cost is
//! width: m is 3.0 at t*, against 1.96 for the fixed interval, and stays
//! within 3.0–3.6 from t*/3 to 100 t*.
//!
//! The estimates are the analysis's own (every KPI is a smooth function
//! of means of independent reports, so it is asymptotically normal with
//! the standard error the analysis states); `t` counts the reports of
//! both arms, the device-days that arrive one by one.

use super::experiment::Uplift;
use serde::Serialize;
use xsell_core::privacy::estimate::Estimate;

/// The error rate over every look together.
pub const ALPHA: f64 = 0.05;

/// The reports (both arms together) at which the sequence is narrowest.
/// 50,000 is two weeks of a shop with 3,500 reporting clients a day; the
/// sequence stays within 20 % of its narrowest from 15,000 to 5 million
/// reports, the range where a privacy-noised experiment is decided.
pub const TUNING_REPORTS: u64 = 50_000;

/// What the method is, for the answer.
pub const METHOD: &str = "always-valid 95% confidence sequence (asymptotic normal mixture)";

/// The half-width of the sequence in standard errors after `reports`
/// reports (infinite with none).
pub fn half_width_factor(reports: u64) -> f64 {
    let ln_alpha = ALPHA.ln();
    let rho2 = (-2.0 * ln_alpha + (1.0 - 2.0 * ln_alpha).ln()) / TUNING_REPORTS as f64;
    let eta = rho2 * reports as f64;
    if eta <= 0.0 {
        return f64::INFINITY;
    }
    ((1.0 + 1.0 / eta) * ((1.0 + eta).ln() - 2.0 * ln_alpha)).sqrt()
}

/// An interval of the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl Interval {
    /// `e` ± its standard error times `factor`.
    fn around(e: &Estimate, factor: f64) -> Self {
        Self {
            low: e.value - factor * e.std_error,
            high: e.value + factor * e.std_error,
        }
    }

    /// Whether it holds `x`.
    pub fn covers(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// What a comparison says about one KPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The sequence lies above 0: the arm's KPI is higher than the
    /// control's (whether higher is better depends on the KPI).
    Higher,
    /// The sequence lies below 0.
    Lower,
    /// The sequence holds 0 and the experiment is still scheduled to run.
    KeepRunning,
    /// The sequence holds 0 and the experiment's days are over: no
    /// difference the reports could tell.
    Inconclusive,
}

/// The peeking-safe decision on one KPI of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Decision {
    /// The verdict.
    pub verdict: Verdict,
    /// The always-valid interval of the difference.
    pub difference: Interval,
    /// And of the relative difference, where the analysis has one.
    pub relative: Option<Interval>,
}

/// The decision on `u` after `reports` reports of both arms; `over` says
/// whether the experiment's scheduled days have passed.
pub fn decide(u: &Uplift, reports: u64, over: bool) -> Decision {
    let m = half_width_factor(reports);
    let difference = Interval::around(&u.difference, m);
    let verdict = if difference.low > 0.0 {
        Verdict::Higher
    } else if difference.high < 0.0 {
        Verdict::Lower
    } else if over {
        Verdict::Inconclusive
    } else {
        Verdict::KeepRunning
    };
    Decision {
        verdict,
        difference,
        relative: u.relative.map(|r| Interval::around(&r, m)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::experiment::uplift;
    use super::*;
    use xsell_core::privacy::estimate;
    use xsell_core::privacy::exact::{uniform_below, SplitMix64};
    use xsell_core::privacy::mechanisms::{self, Epsilon};
    use xsell_core::privacy::report::ALL_METRICS;

    #[test]
    fn the_sequence_is_narrowest_near_its_tuning_and_never_narrower_than_the_interval() {
        let at = |x: f64| half_width_factor((x * TUNING_REPORTS as f64) as u64);
        assert!((at(1.0) - 3.035).abs() < 1e-3, "{}", at(1.0));
        for x in [0.3, 0.5, 2.0, 10.0, 100.0] {
            assert!(at(x) > at(1.0) - 1e-3 && at(x) < 3.6, "{x}: {}", at(x));
        }
        assert!((0..8).all(|k| half_width_factor(10u64.pow(k)) > 1.96));
        assert_eq!(half_width_factor(0), f64::INFINITY);
    }

    /// One arm's day of reports: `n` device-days, each carrying one
    /// metric of eight (as `build_report` draws it); those that carry the
    /// clicks (clipped at 3) send them by 1BitMean at ε = 1. Returns
    /// (reports, clicks reports, their 1 bits).
    fn arm_day(rng: &mut SplitMix64, n: u64, click_permille: u64) -> (u64, u64, u64) {
        let (mut carried, mut ones) = (0, 0);
        for _ in 0..n {
            if uniform_below(rng, ALL_METRICS.len() as u64) != 1 {
                continue; // another metric (index 1 is Metric::Clicks)
            }
            let clicks = u64::from(uniform_below(rng, 1000) < click_permille);
            carried += 1;
            ones += u64::from(mechanisms::one_bit_mean(rng, clicks, 3, Epsilon(1000)));
        }
        (n, carried, ones)
    }

    /// `runs` experiments of 30 days with `per_day` reports per arm and
    /// day, analysed every day on all reports so far: how many ever
    /// excluded 0 by the sequence, and by the fixed 95 % interval, and how
    /// many the sequence called the wrong way.
    fn peek_daily(seed: u64, runs: u64, per_day: u64, arm_permille: u64) -> (u64, u64, u64) {
        let (mut by_sequence, mut by_interval, mut wrong_way) = (0, 0, 0);
        for run in 0..runs {
            let mut rng = SplitMix64(seed + run);
            let (mut arm, mut control) = ((0, 0, 0), (0, 0, 0));
            let (mut seq, mut fixed, mut wrong) = (false, false, false);
            for _day in 0..30 {
                for (totals, permille) in [(&mut arm, arm_permille), (&mut control, 300)] {
                    let (n, c, o) = arm_day(&mut rng, per_day, permille);
                    *totals = (totals.0 + n, totals.1 + c, totals.2 + o);
                }
                let mean = |t: &(u64, u64, u64)| estimate::one_bit_mean(t.2, t.1, 3, Epsilon(1000));
                let u = uplift(&mean(&arm), &mean(&control)).unwrap();
                let d = decide(&u, arm.0 + control.0, false);
                seq |= d.verdict != Verdict::KeepRunning;
                wrong |= d.verdict == Verdict::Lower;
                fixed |= !u.difference.covers(0.0);
            }
            by_sequence += u64::from(seq);
            by_interval += u64::from(fixed);
            wrong_way += u64::from(wrong);
        }
        (by_sequence, by_interval, wrong_way)
    }

    #[test]
    fn peeking_daily_under_no_effect_the_sequence_errs_at_most_alpha_and_the_interval_far_more() {
        // 600 A/A experiments of 30 days, 1,000 reports per arm a day.
        let runs = 600;
        let (by_sequence, by_interval, _) = peek_daily(1_000, runs, 1_000, 300);
        // At most α = 5 % (30 of 600) with a margin of 4.5 sd (23): the
        // sequence is conservative and comes in well below.
        assert!(
            by_sequence <= 53,
            "the sequence erred in {by_sequence} of {runs}"
        );
        // 30 looks at the fixed interval: about a quarter err somewhere.
        assert!(
            by_interval >= 3 * 30,
            "the fixed interval erred in only {by_interval} of {runs}"
        );
        assert!(
            by_interval > 3 * by_sequence.max(1),
            "{by_interval} vs {by_sequence}"
        );
    }

    #[test]
    fn a_real_effect_is_decided_in_its_direction() {
        // Clicks on 30 % of days against 70 % (at ε = 1 a clicks report
        // is mostly noise: 30 days of 1,000 reports per arm see it at
        // about 5.5 standard errors): the sequence finds it in nearly
        // every one of 100 experiments, never the wrong way.
        let (decided, _, wrong_way) = peek_daily(5_000, 100, 1_000, 700);
        assert!(decided >= 90, "decided in {decided} of 100");
        assert_eq!(wrong_way, 0);
    }
}
