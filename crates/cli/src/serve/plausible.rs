//! Whether a set of reports could have come from honest widgets.
//!
//! Local differential privacy cannot tell a forged report from a real one
//! (Cao, Jia & Gong, USENIX Security 2021): each is a valid noised value.
//! But honest widgets leave two marks on the whole that a forger must
//! imitate, at a price in damage:
//!
//! - **The metric mix.** A version-5 placement report carries one metric
//!   drawn uniformly from the eight whatever the data
//!   ([`xsell_core::privacy::report::build_report`]), so the metrics of a
//!   day's reports are a uniform multinomial. Forgers who send the metric
//!   that moves a KPI most (clicks with the bit set) skew it; Pearson's χ²
//!   finds it ([`MixCheck`]).
//! - **Possible bit rates.** A 1BitMean bit is 1 with a chance between
//!   `1 − p` and `p` (`p = e^ε/(1 + e^ε)`) whatever the shopper did, and an
//!   OUE bit between `q` and 1/2. A group whose share of ones lies
//!   significantly outside is impossible for honest widgets
//!   ([`RateCheck`]).
//!
//! Both tests warn at [`ALPHA`], so an honest day warns about once in a
//! million. A forger who spreads its reports evenly over the metrics and
//! keeps bits within the possible range passes both, and moves each KPI
//! 8 times less per report than one who concentrates (README, "Forged
//! reports"): the checks bound the damage, they cannot remove it.

use super::chi2::chi2_sf;
use super::tally::{metric_name, Tally};
use serde::Serialize;
use std::collections::BTreeMap;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{Metric, Noised, ALL_METRICS};

/// The checks warn below this p-value (about once in a million honest
/// days per check).
pub const ALPHA: f64 = 1e-6;

/// The metric-mix test needs this many single-value placement reports.
const MIN_REPORTS: u64 = 80;

/// Both checks of a set of reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Plausibility {
    /// Whether any check warns.
    pub warning: bool,
    /// The metric mix, when there are enough reports to test it.
    pub metric_mix: Option<MixCheck>,
    /// Every report group whose share of ones no honest widget gives.
    pub impossible_rates: Vec<RateCheck>,
}

/// Pearson's χ² of the reports per metric against the uniform draw.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MixCheck {
    /// Single-value placement reports counted.
    pub reports: u64,
    /// Reports per metric.
    pub per_metric: BTreeMap<String, u64>,
    /// The statistic (7 degrees of freedom).
    pub statistic: f64,
    /// Its p-value.
    pub p_value: f64,
    /// `p_value < ALPHA`.
    pub warning: bool,
}

/// A group of values (one metric at one ε, one OUE bucket) whose share of
/// ones lies outside what honest widgets can give.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RateCheck {
    /// The metric.
    pub metric: String,
    /// ε in thousandths.
    pub eps: u32,
    /// The OUE bucket, for a histogram.
    pub bucket: Option<usize>,
    /// Values counted.
    pub n: u64,
    /// Their share of ones.
    pub share: f64,
    /// The range honest widgets give.
    pub possible: (f64, f64),
    /// The one-sided p-value of a share this far outside.
    pub p_value: f64,
}

/// Upper tail of the standard normal: half the χ² tail of `z²` with one
/// degree of freedom.
fn normal_sf(z: f64) -> f64 {
    let half = 0.5 * chi2_sf(z * z, 1);
    if z >= 0.0 {
        half
    } else {
        1.0 - half
    }
}

/// The one-sided p-value of `ones` of `n` when the chance of a one is at
/// most `hi` and at least `lo` (the nearer bound is the null).
fn outside(ones: u64, n: u64, lo: f64, hi: f64) -> f64 {
    let share = ones as f64 / n as f64;
    let bound = if share > hi {
        hi
    } else if share < lo {
        lo
    } else {
        return 1.0;
    };
    let z = (share - bound).abs() / (bound * (1.0 - bound) / n as f64).sqrt();
    normal_sf(z)
}

/// Checks the placement reports of `tallies` (journey reports have a
/// mechanism of their own and are left out).
pub fn check<'a>(tallies: impl IntoIterator<Item = &'a Tally>) -> Plausibility {
    let mut per_metric: BTreeMap<Metric, u64> = ALL_METRICS.iter().map(|&m| (m, 0)).collect();
    // (metric, eps, bucket) -> (n, ones)
    let mut bits: BTreeMap<(Metric, u32, Option<usize>), (u64, u64)> = BTreeMap::new();
    // The mix is tested only when every report holds one value (the
    // widget's draw); older reports held several.
    let mut single = true;
    let mut reports = 0;
    for t in tallies {
        let values: u64 = t.values.iter().map(|(_, n)| n).sum();
        if t.values
            .iter()
            .any(|(v, _)| matches!(v, Noised::Hrr { .. }))
        {
            continue;
        }
        single &= values == t.reports;
        reports += t.reports;
        for (v, times) in &t.values {
            *per_metric.entry(v.metric()).or_default() += times;
            match v {
                Noised::OneBit {
                    metric, eps, bit, ..
                } => {
                    let e = bits.entry((*metric, *eps, None)).or_default();
                    e.0 += times;
                    e.1 += times * u64::from(*bit);
                }
                Noised::Oue {
                    metric,
                    eps,
                    bits: b,
                } => {
                    for (k, bit) in b.iter().enumerate() {
                        let e = bits.entry((*metric, *eps, Some(k))).or_default();
                        e.0 += times;
                        e.1 += times * u64::from(*bit);
                    }
                }
                Noised::Hrr { .. } => {}
            }
        }
    }
    let metric_mix = (single && reports >= MIN_REPORTS).then(|| {
        let expected = reports as f64 / ALL_METRICS.len() as f64;
        let statistic: f64 = ALL_METRICS
            .iter()
            .map(|m| (per_metric[m] as f64 - expected).powi(2) / expected)
            .sum();
        let p_value = chi2_sf(statistic, ALL_METRICS.len() as u32 - 1);
        MixCheck {
            reports,
            per_metric: per_metric
                .iter()
                .map(|(m, n)| (metric_name(*m), *n))
                .collect(),
            statistic,
            p_value,
            warning: p_value < ALPHA,
        }
    });
    let impossible_rates: Vec<RateCheck> = bits
        .into_iter()
        .filter_map(|((metric, eps, bucket), (n, ones))| {
            let e = Epsilon(eps).value().exp();
            let possible = match bucket {
                // 1BitMean keeps the bit with p, flips it with 1 − p.
                None => (1.0 / (1.0 + e), e / (1.0 + e)),
                // OUE: the true bucket's bit is 1 with 1/2, another's with q.
                Some(_) => (1.0 / (1.0 + e), 0.5),
            };
            let p_value = outside(ones, n, possible.0, possible.1);
            (p_value < ALPHA).then(|| RateCheck {
                metric: metric_name(metric),
                eps,
                bucket,
                n,
                share: ones as f64 / n as f64,
                possible,
                p_value,
            })
        })
        .collect();
    Plausibility {
        warning: metric_mix.as_ref().is_some_and(|m| m.warning) || !impossible_rates.is_empty(),
        metric_mix,
        impossible_rates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::tally::of_reports;
    use xsell_core::privacy::exact::{uniform_below, SplitMix64};
    use xsell_core::privacy::ledger::Ledger;
    use xsell_core::privacy::report::{build_report, DayCounts, Report, REPORT_VERSION};

    /// `n` honest device-days through the widget's own code at ε = 1.
    fn honest(n: u64, seed: u64) -> Vec<Report> {
        let mut rng = SplitMix64(seed);
        (0..n)
            .map(|_| {
                let day = "2026-12-02";
                let mut ledger = Ledger::load(None, day, Epsilon(2000));
                let counts = DayCounts {
                    impressions: uniform_below(&mut rng, 21),
                    clicks: uniform_below(&mut rng, 2),
                    purchases: u64::from(uniform_below(&mut rng, 10) == 0),
                    order_value_cents: Some(uniform_below(&mut rng, 20_000)),
                    ..Default::default()
                };
                build_report(
                    &mut rng,
                    day,
                    "cart",
                    None,
                    &counts,
                    Epsilon(1000),
                    &mut ledger,
                    Epsilon(2000),
                )
                .unwrap()
            })
            .collect()
    }

    /// A forged report: one value, valid, chosen by the forger.
    fn forged(value: Noised, k: u64) -> Report {
        Report {
            v: REPORT_VERSION,
            id: Some(format!("{k:032x}")),
            day: "2026-12-02".into(),
            placement: "cart".into(),
            experiment: None,
            arm: None,
            values: vec![value],
        }
    }

    fn clicks(bit: bool) -> Noised {
        Noised::OneBit {
            metric: Metric::Clicks,
            eps: 1000,
            bound: 3,
            bit,
        }
    }

    #[test]
    fn honest_days_pass_at_the_stated_rate() {
        // 200 honest days of 4,000 device-days: at α = 1e-6 per check a
        // single warning is already a one-in-a-thousand event.
        let warned = (0..200)
            .filter(|&seed| check(of_reports(&honest(4_000, seed)).values()).warning)
            .count();
        assert_eq!(warned, 0);
        let p = check(of_reports(&honest(4_000, 7)).values());
        let mix = p.metric_mix.expect("enough reports");
        assert_eq!(mix.reports, 4_000);
        assert_eq!(mix.per_metric.values().sum::<u64>(), 4_000);
    }

    #[test]
    fn forged_clicks_skew_the_mix_and_are_found_once_the_day_is_large_enough() {
        // The excess of one metric grows with n, its noise with √n: 5 % is
        // found in 20,000 reports, 1 % needs about 100,000.
        for (n, share, found) in [
            (20_000, 0.05, true),
            (20_000, 0.01, false),
            (100_000, 0.01, true),
        ] {
            let mut day = honest(n, 3);
            let fakes = (n as f64 * share) as u64;
            day.extend((0..fakes).map(|k| forged(clicks(true), k)));
            let p = check(of_reports(&day).values());
            let mix = p.metric_mix.unwrap();
            assert_eq!(mix.warning, found, "{n} reports, {share}: {mix:?}");
            assert_eq!(p.warning, found);
        }
    }

    #[test]
    fn bits_no_widget_can_send_are_found_even_in_an_even_mix() {
        // A forger keeps the mix even but sets every clicks bit: past p.
        let day: Vec<Report> = honest(8_000, 5)
            .into_iter()
            .map(|mut r| {
                if let [Noised::OneBit {
                    metric: Metric::Clicks,
                    bit,
                    ..
                }] = r.values.as_mut_slice()
                {
                    *bit = true;
                }
                r
            })
            .collect();
        let p = check(of_reports(&day).values());
        assert!(!p.metric_mix.as_ref().unwrap().warning, "the mix is even");
        assert!(p.warning);
        let r = &p.impossible_rates[0];
        assert_eq!((r.metric.as_str(), r.bucket), ("clicks", None));
        assert_eq!(r.share, 1.0);
        assert!((r.possible.1 - 1f64.exp() / (1.0 + 1f64.exp())).abs() < 1e-12);
    }

    #[test]
    fn the_normal_tail_is_right_where_the_checks_read_it() {
        for (z, want) in [
            (0.0, 0.5),
            (1.959_963_985, 0.025),
            (4.753_424_309, 1e-6),
            (-1.644_853_627, 0.95),
        ] {
            let got = normal_sf(z);
            assert!((got / want - 1.0).abs() < 1e-5, "z {z}: {got} vs {want}");
        }
    }
}
