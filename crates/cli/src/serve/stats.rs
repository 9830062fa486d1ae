//! Debiased KPIs from stored reports: per metric, reports are grouped by ε
//! (each group is debiased with its own ε), and the groups are combined by
//! inverse variance ([`estimate::inverse_variance`]), bucket by bucket for
//! histograms; KPIs are ratios of those estimates (delta method). The
//! order rate and the order value per day are linear in the order-value
//! shares and are estimated report by report instead (`LinearStat`), so
//! their error includes the shoppers' own spread, which comparing two arms
//! of an experiment needs. Every interval comes from [`Estimate::new`].

use super::tally::{metric_name as name, Tally};
use serde::Serialize;
use std::collections::BTreeMap;
use xsell_core::privacy::estimate::{self, Estimate};
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{Metric, Noised, Report};

/// The stats of one day and placement.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Reports used.
    pub reports: u64,
    /// Mean per reporting client-day, by count metric.
    pub means: BTreeMap<String, Estimate>,
    /// Click-through rate: clicks / impressions.
    pub ctr: Option<Estimate>,
    /// Add-to-cart rate from recommendations: add_to_cart / impressions.
    pub add_to_cart_rate: Option<Estimate>,
    /// Dismissal rate: dismissals / impressions.
    pub dismissal_rate: Option<Estimate>,
    /// Share of histogram answers per bucket, by histogram metric.
    pub histograms: BTreeMap<String, Vec<Estimate>>,
    /// Mean relevance answer (1–5) among answers, from the bucket shares
    /// (delta method, buckets treated as independent).
    pub relevance_mean: Option<Estimate>,
    /// Purchases containing a recommended item per impression.
    pub conversion_rate: Option<Estimate>,
    /// Mean order value in cents over placement-days with an order, from
    /// the bucket shares and bucket midpoints (delta method, as above).
    pub order_value_mean_cents: Option<Estimate>,
    /// Median and 90th percentile of the recommendation latency, µs: the
    /// upper edge of the bucket where the measured share crosses (point
    /// estimates; `None` past the last edge).
    pub latency_p50_us: Option<u64>,
    /// See `latency_p50_us`.
    pub latency_p90_us: Option<u64>,
    /// Share of reporting placement-days with an order: one minus the
    /// share of order-value bucket 0 ("no order that day"). Counts orders
    /// whether or not they held a recommended item, so it compares a
    /// holdout arm (nothing shown, no impressions) with the others.
    pub order_rate: Option<Estimate>,
    /// Order value per reporting placement-day in cents, days without an
    /// order counted as 0 (bucket midpoints, as `order_value_mean_cents`):
    /// revenue per exposed day, which a holdout arm has too.
    pub order_value_per_day_cents: Option<Estimate>,
}

/// Midpoint in cents of order-value bucket `k ≥ 1`: bucket k spans
/// edges[k-2]..edges[k-1] (0 for the first); the last, open bucket counts
/// as 1.2 times its lower edge.
pub(crate) fn order_value_midpoint_cents(k: usize) -> f64 {
    let e = &xsell_core::privacy::report::ORDER_VALUE_EDGES;
    match k {
        0 => 0.0,
        1 => e[0] as f64 / 2.0,
        k if k - 1 < e.len() => (e[k - 2] + e[k - 1]) as f64 / 2.0,
        _ => e[e.len() - 1] as f64 * 1.2,
    }
}

/// A linear function `constant + Σₖ weights[k] · sₖ` of one histogram's
/// bucket shares, estimated report by report rather than from the
/// debiased buckets.
///
/// Each OUE report's bits give an unbiased value of its own,
/// `constant + (Σₖ wₖ bₖ − q Σₖ wₖ) / (p − q)` (E[bₖ] = q + sₖ (p − q)),
/// and the mean of those values has the empirical variance of the reports
/// as its error. That error holds everything: the privacy noise, the
/// covariance between buckets (one true bucket per report) and the spread
/// of the shoppers themselves, which matters when two arms of devices are
/// compared. The per-bucket OUE variance describes the reporters at hand
/// and leaves the last two out.
struct LinearStat {
    metric: Metric,
    constant: f64,
    weights: fn(usize) -> f64,
}

/// Share of days with an order: 1 − s₀.
const ORDER_RATE: LinearStat = LinearStat {
    metric: Metric::OrderValue,
    constant: 1.0,
    weights: |k| if k == 0 { -1.0 } else { 0.0 },
};

/// Order value per day: Σₖ midpointₖ · sₖ.
const ORDER_VALUE_PER_DAY: LinearStat = LinearStat {
    metric: Metric::OrderValue,
    constant: 0.0,
    weights: order_value_midpoint_cents,
};

/// Sums of one linear statistic's per-report values `W = Σₖ wₖ bₖ`.
#[derive(Debug, Default, Clone, Copy)]
struct Moments {
    n: u64,
    sum: f64,
    sum_sq: f64,
}

impl LinearStat {
    /// `Σₖ wₖ bₖ` of one report's bits.
    fn weighted_bits(&self, bits: &[bool]) -> f64 {
        bits.iter()
            .enumerate()
            .filter(|(_, &b)| b)
            .map(|(k, _)| (self.weights)(k))
            .sum()
    }

    /// The estimate from one ε group's moments.
    fn estimate(&self, m: &Moments, buckets: usize, eps: Epsilon) -> Estimate {
        if m.n == 0 {
            return Estimate::new(f64::NAN, f64::INFINITY, 0);
        }
        let (p, q) = oue_bit_chances(eps);
        let w: Vec<f64> = (0..buckets).map(self.weights).collect();
        let (w_sum, w_sq) = (w.iter().sum::<f64>(), w.iter().map(|x| x * x).sum::<f64>());
        let n = m.n as f64;
        let mean = m.sum / n;
        let var = if m.n > 1 {
            ((m.sum_sq - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        // Every bit is 1 with a probability in [q, 1/2] whatever the
        // shopper did, so Var(W) ≥ Σ wₖ² q (1 − q): the floor keeps the
        // error honest when a few reports happen to agree.
        let var = var.max(w_sq * q * (1.0 - q));
        Estimate::new(
            self.constant + (mean - q * w_sum) / (p - q),
            (var / n).sqrt() / (p - q),
            m.n,
        )
    }
}

/// The mean order value over days with an order from one ε group of
/// order-value reports: `A = V / R`, the order value per day over the order
/// rate, each the mean of per-report unbiased values (`LinearStat`). Its
/// error is the delta method on the ratio with the reports' own covariance:
/// `Var(A) ≈ Var(v − A·r) / (n R²)`, which holds the privacy noise, the
/// bucket covariance and the shoppers' spread, floored as `LinearStat` is
/// (every bit varies by at least q(1 − q) whatever the shopper did).
/// `None` while the order rate cannot be told from 0.
fn mean_order_value(
    rate: &Moments,
    value: &Moments,
    sum_xy: f64,
    eps: Epsilon,
) -> Option<Estimate> {
    let buckets = ORDER_RATE.metric.domain().1 as usize;
    let r = ORDER_RATE.estimate(rate, buckets, eps);
    let v = ORDER_VALUE_PER_DAY.estimate(value, buckets, eps);
    if rate.n < 2 || rate.n != value.n || r.low <= 0.0 {
        return None;
    }
    let a = v.value / r.value;
    let (p, q) = oue_bit_chances(eps);
    let n = rate.n as f64;
    // Per-report values are c + (W − q Σw)/(p − q): their (co)variances are
    // those of the weighted bits W over (p − q)².
    let (mr, mv) = (rate.sum / n, value.sum / n);
    let var_r = (rate.sum_sq - n * mr * mr) / (n - 1.0);
    let var_v = (value.sum_sq - n * mv * mv) / (n - 1.0);
    let cov = (sum_xy - n * mr * mv) / (n - 1.0);
    let resid = var_v - 2.0 * a * cov + a * a * var_r;
    let floor: f64 = (0..buckets)
        .map(|k| ((ORDER_VALUE_PER_DAY.weights)(k) - a * (ORDER_RATE.weights)(k)).powi(2))
        .sum::<f64>()
        * q
        * (1.0 - q);
    let var = resid.max(floor) / (p - q).powi(2);
    Some(Estimate::new(a, (var / n).sqrt() / r.value, rate.n))
}

/// OUE's chances that a bit is 1: `p` for the true bucket, `q` for every
/// other (Wang et al.'s optimized choice, as `mechanisms::oue` samples).
fn oue_bit_chances(eps: Epsilon) -> (f64, f64) {
    (0.5, 1.0 / (1.0 + eps.value().exp()))
}

impl LinearStat {
    /// The variance of one report's value when the shoppers' true buckets
    /// have the shares `shares`: what `estimate`'s standard error times
    /// √n tends to, for planning (`None`: the true bucket sent as it is,
    /// the shoppers' own spread only).
    ///
    /// With `w_J` the weight of a report's true bucket J, the bits are
    /// independent given J, so `Var(W) = E[Var(W | J)] + Var(E[W | J])`:
    /// `q(1 − q) Σₖ wₖ² + (p(1 − p) − q(1 − q)) E[w_J²] + (p − q)² Var(w_J)`,
    /// over `(p − q)²` for the debiased value. The last term is the
    /// shoppers' spread, and all there is without noise.
    fn report_variance(&self, shares: &[f64], eps: Option<Epsilon>) -> f64 {
        let w: Vec<f64> = (0..shares.len()).map(self.weights).collect();
        let mean: f64 = shares.iter().zip(&w).map(|(s, w)| s * w).sum();
        let mean_sq: f64 = shares.iter().zip(&w).map(|(s, w)| s * w * w).sum();
        let spread = mean_sq - mean * mean;
        let Some(eps) = eps else {
            return spread;
        };
        let (p, q) = oue_bit_chances(eps);
        let w_sq: f64 = w.iter().map(|x| x * x).sum();
        let var = q * (1.0 - q) * w_sq
            + (p * (1.0 - p) - q * (1.0 - q)) * mean_sq
            + (p - q).powi(2) * spread;
        var / (p - q).powi(2)
    }
}

/// The variance of one order-value report's estimate of the order rate
/// when a share `rate` of exposed days have an order, at `eps` (`None`:
/// the true bucket sent as it is). The order rate reads bucket 0 only, so
/// which bucket an order falls in does not matter.
pub(crate) fn order_rate_report_variance(rate: f64, eps: Option<Epsilon>) -> f64 {
    let buckets = ORDER_RATE.metric.domain().1 as usize;
    let mut shares = vec![0.0; buckets];
    shares[0] = 1.0 - rate;
    shares[1] = rate;
    ORDER_RATE.report_variance(&shares, eps)
}

/// Shares of the buckets after "none" (bucket 0), clipped at 0 and
/// normalised; `None` when nothing is left.
fn present_shares(buckets: &[Estimate]) -> Option<Vec<f64>> {
    let w: Vec<f64> = buckets.iter().skip(1).map(|e| e.value.max(0.0)).collect();
    let total: f64 = w.iter().sum();
    (total > 0.0).then(|| w.iter().map(|x| x / total).collect())
}

/// The mean of `value_of(bucket)` over the buckets after "none", weighted
/// by their estimated shares: R = Σ v·s / Σ s, with the delta-method
/// variance Σ ((v − R)/S)² Var(s) (bucket estimates treated as independent).
fn histogram_mean(buckets: &[Estimate], value_of: impl Fn(usize) -> f64) -> Option<Estimate> {
    let present: Vec<(f64, &Estimate)> = buckets
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, e)| (value_of(k), e))
        .collect();
    let total: f64 = present.iter().map(|(_, e)| e.value.max(0.0)).sum();
    if total <= 0.0 {
        return None;
    }
    let r = present
        .iter()
        .map(|(v, e)| v * e.value.max(0.0))
        .sum::<f64>()
        / total;
    let se = present
        .iter()
        .map(|(v, e)| ((v - r) / total).powi(2) * e.std_error.powi(2))
        .sum::<f64>()
        .sqrt();
    Some(Estimate::new(r, se, buckets.first().map_or(0, |e| e.n)))
}

/// Upper bucket edge where the cumulative share first reaches `q`.
fn quantile_edge(shares: &[f64], edges: &[u64], q: f64) -> Option<u64> {
    let mut acc = 0.0;
    for (k, s) in shares.iter().enumerate() {
        acc += s;
        if acc >= q - 1e-12 {
            return edges.get(k).copied();
        }
    }
    None
}

/// Combines the per-ε share estimates of one histogram bucket by bucket.
/// Inverse variance, as for the means: ε is the widget's setting, never a
/// function of the data, so every ε group estimates the same shares, and a
/// group at lower ε (several times the noise per report) gets the smaller
/// weight it deserves instead of its report count's. Every group has the
/// metric's bucket count (checked on the way in), at least one report and
/// a positive OUE error, so the fallback below is never reached.
fn combine_histograms(groups: &[Vec<Estimate>]) -> Vec<Estimate> {
    let buckets = groups.iter().map(Vec::len).max().unwrap_or(0);
    (0..buckets)
        .map(|k| {
            let parts: Vec<Estimate> = groups.iter().filter_map(|g| g.get(k).copied()).collect();
            estimate::inverse_variance(&parts)
                .unwrap_or_else(|| Estimate::new(f64::NAN, f64::INFINITY, 0))
        })
        .collect()
}

/// Computes the stats of the reports counted in `tallies`.
pub fn compute<'a>(tallies: impl IntoIterator<Item = &'a Tally>) -> Stats {
    // (metric, eps, bound) -> (n, ones) for counts; (metric, eps) -> (n, bit counts) for histograms.
    let mut counts: BTreeMap<(String, u32, u32), (u64, u64)> = BTreeMap::new();
    let mut hists: BTreeMap<(String, u32), (u64, Vec<u64>)> = BTreeMap::new();
    let linear = [&ORDER_RATE, &ORDER_VALUE_PER_DAY];
    // (statistic, eps) -> moments of its per-report values.
    let mut moments: BTreeMap<(usize, u32), Moments> = BTreeMap::new();
    // eps -> Σ of the product of the two statistics' per-report values.
    let mut cross: BTreeMap<u32, f64> = BTreeMap::new();
    let mut reports = 0;
    for t in tallies {
        reports += t.reports;
        for (v, times) in &t.values {
            let times = *times;
            match v {
                Noised::OneBit {
                    metric,
                    eps,
                    bound,
                    bit,
                } => {
                    let e = counts.entry((name(*metric), *eps, *bound)).or_default();
                    e.0 += times;
                    e.1 += times * u64::from(*bit);
                }
                // Journeys are read by the attribution, not the KPIs.
                Noised::Hrr { .. } => {}
                Noised::Oue { metric, eps, bits } => {
                    // Validated reports always have the metric's bucket
                    // count; anything else is left out, never misaligned.
                    let (_, buckets) = metric.domain();
                    if bits.len() != buckets as usize {
                        continue;
                    }
                    let e = hists
                        .entry((name(*metric), *eps))
                        .or_insert_with(|| (0, vec![0; bits.len()]));
                    e.0 += times;
                    for (c, b) in e.1.iter_mut().zip(bits) {
                        *c += times * u64::from(*b);
                    }
                    let n = times as f64;
                    for (k, stat) in linear.iter().enumerate() {
                        if stat.metric == *metric {
                            let w = stat.weighted_bits(bits);
                            let m = moments.entry((k, *eps)).or_default();
                            m.n += times;
                            m.sum += n * w;
                            m.sum_sq += n * w * w;
                        }
                    }
                    if *metric == ORDER_RATE.metric {
                        *cross.entry(*eps).or_default() += n
                            * ORDER_RATE.weighted_bits(bits)
                            * ORDER_VALUE_PER_DAY.weighted_bits(bits);
                    }
                }
            }
        }
    }
    let mut by_metric: BTreeMap<String, Vec<Estimate>> = BTreeMap::new();
    for ((m, eps, bound), (n, ones)) in counts {
        by_metric.entry(m).or_default().push(estimate::one_bit_mean(
            ones,
            n,
            u64::from(bound),
            Epsilon(eps),
        ));
    }
    let means: BTreeMap<String, Estimate> = by_metric
        .iter()
        .filter_map(|(m, parts)| estimate::inverse_variance(parts).map(|e| (m.clone(), e)))
        .collect();
    // Shares per bucket, each ε group debiased with its own ε.
    let mut shares_by_eps: BTreeMap<String, Vec<Vec<Estimate>>> = BTreeMap::new();
    for ((m, eps), (n, bits)) in hists {
        shares_by_eps
            .entry(m)
            .or_default()
            .push(estimate::oue_shares(&bits, n, Epsilon(eps)));
    }
    let histograms: BTreeMap<String, Vec<Estimate>> = shares_by_eps
        .into_iter()
        .map(|(m, groups)| (m, combine_histograms(&groups)))
        .collect();
    let relevance_mean = histograms
        .get("relevance")
        .and_then(|b| histogram_mean(b, |k| k as f64));
    // Each linear statistic per ε group, combined by inverse variance.
    let linear_estimate = |k: usize| {
        let stat = linear[k];
        let buckets = stat.metric.domain().1 as usize;
        let parts: Vec<Estimate> = moments
            .iter()
            .filter(|((j, _), _)| *j == k)
            .map(|((_, eps), m)| stat.estimate(m, buckets, Epsilon(*eps)))
            .collect();
        estimate::inverse_variance(&parts)
    };
    let order_rate = linear_estimate(0);
    let order_value_per_day_cents = linear_estimate(1);
    // The mean order value: value per day over the order rate, both from
    // the same reports, per ε group, combined by inverse variance.
    let order_value_mean_cents = estimate::inverse_variance(
        &cross
            .iter()
            .filter_map(|(eps, sum_xy)| {
                let (rate, value) = (moments.get(&(0, *eps))?, moments.get(&(1, *eps))?);
                mean_order_value(rate, value, *sum_xy, Epsilon(*eps))
            })
            .collect::<Vec<_>>(),
    );
    let latency = histograms.get("latency").and_then(|b| present_shares(b));
    let edges = &xsell_core::privacy::report::LATENCY_EDGES_US;
    let latency_p50_us = latency.as_ref().and_then(|w| quantile_edge(w, edges, 0.5));
    let latency_p90_us = latency.as_ref().and_then(|w| quantile_edge(w, edges, 0.9));
    let rate = |num: &str| match (means.get(num), means.get("impressions")) {
        (Some(a), Some(b)) if b.value > 0.0 => Some(estimate::ratio(a, b)),
        _ => None,
    };
    Stats {
        reports,
        ctr: rate("clicks"),
        add_to_cart_rate: rate("add_to_cart"),
        dismissal_rate: rate("dismissals"),
        conversion_rate: rate("purchases"),
        order_value_mean_cents,
        latency_p50_us,
        latency_p90_us,
        means,
        histograms,
        relevance_mean,
        order_rate,
        order_value_per_day_cents,
    }
}

/// The stats of reports held in memory (tests and tools): what
/// [`compute`] gives for the store's tallies of the same reports.
pub fn of_reports(reports: &[Report]) -> Stats {
    compute(super::tally::of_reports(reports).values())
}

/// A report carrying `metric` of `day`, noised at `eps`, as the widget
/// builds one (`build_report` without the ledger or the metric draw): for
/// tests that choose the metric.
#[cfg(test)]
pub(crate) fn one_metric_report(
    rng: &mut impl xsell_core::privacy::exact::RandomBits,
    day: &xsell_core::privacy::report::DayCounts,
    metric: Metric,
    eps: Epsilon,
) -> Report {
    use xsell_core::privacy::report;
    Report {
        v: report::REPORT_VERSION,
        day: "2026-12-02".into(),
        placement: "cart".into(),
        experiment: None,
        arm: None,
        values: vec![report::noise(
            rng,
            metric,
            report::metric_value(day, metric),
            eps,
        )],
        id: Some(report::report_id(rng)),
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::*;

    fn est(value: f64, std_error: f64) -> Estimate {
        Estimate::new(value, std_error, 100)
    }

    #[test]
    fn histogram_mean_ignores_none_and_propagates_error() {
        // none 0.5, then buckets valued 1 and 3 with shares 0.25 each.
        let b = [est(0.5, 0.1), est(0.25, 0.02), est(0.25, 0.02)];
        let m = histogram_mean(&b, |k| [0.0, 1.0, 3.0][k]).unwrap();
        assert!((m.value - 2.0).abs() < 1e-12);
        // dR/ds = (v - R)/S = ±2 for both buckets: se = sqrt(2 * 4 * 0.02²).
        assert!(
            (m.std_error - (8.0f64).sqrt() * 0.02).abs() < 1e-12,
            "{}",
            m.std_error
        );
        assert!(histogram_mean(&[est(1.0, 0.1), est(-0.1, 0.1)], |k| k as f64).is_none());
    }

    #[test]
    fn quantiles_come_from_the_measured_buckets() {
        let shares = [0.2, 0.4, 0.3, 0.1];
        let edges = [100, 250, 500];
        assert_eq!(quantile_edge(&shares, &edges, 0.5), Some(250));
        assert_eq!(quantile_edge(&shares, &edges, 0.9), Some(500));
        assert_eq!(
            quantile_edge(&shares, &edges, 0.95),
            None,
            "past the last edge"
        );
    }
}

#[cfg(test)]
mod epsilon_group_tests {
    use super::*;
    use xsell_core::privacy::exact::SplitMix64;
    use xsell_core::privacy::report::{self, REPORT_VERSION};

    /// True shares of the relevance buckets: no answer, then answers 1–5.
    const TRUTH: [f64; 6] = [0.2, 0.05, 0.1, 0.15, 0.3, 0.2];

    /// `n` relevance reports at ε (thousandths) from clients whose answers
    /// follow `TRUTH` exactly (client c answers by its position in 0..20).
    fn relevance_reports(seed: u64, n: u64, eps: u32) -> Vec<Report> {
        let mut rng = SplitMix64(seed);
        let bucket_of = |c: u64| match c % 20 {
            0..=3 => 0,
            4 => 1,
            5 | 6 => 2,
            7..=9 => 3,
            10..=15 => 4,
            _ => 5,
        };
        (0..n)
            .map(|c| Report {
                v: REPORT_VERSION,
                day: "2026-11-22".into(),
                placement: "cart".into(),
                experiment: None,
                arm: None,
                values: vec![report::noise(
                    &mut rng,
                    Metric::Relevance,
                    bucket_of(c),
                    Epsilon(eps),
                )],
                id: Some(report::report_id(&mut rng)),
            })
            .collect()
    }

    fn relevance(s: &Stats) -> &[Estimate] {
        &s.histograms["relevance"]
    }

    #[test]
    fn histogram_reports_of_every_epsilon_count() {
        // Two ε groups of the same population: 4,000 reports at ε = 1
        // (the widget's default) and 2,000 at ε = 2 (the whole day's budget
        // on one placement, as in the survey example).
        let low = relevance_reports(21, 4_000, 1_000);
        let high = relevance_reports(22, 2_000, 2_000);
        let both: Vec<Report> = low.iter().chain(&high).cloned().collect();
        let (s_low, s_high, s_both) = (of_reports(&low), of_reports(&high), of_reports(&both));
        for (k, e) in relevance(&s_both).iter().enumerate() {
            assert_eq!(e.n, 6_000, "bucket {k}: every report counts");
            // Both groups contribute: the combination is tighter than either.
            let alone = [relevance(&s_low)[k], relevance(&s_high)[k]];
            assert!(
                alone.iter().all(|a| e.std_error < a.std_error),
                "bucket {k}: {e:?} vs {alone:?}"
            );
            // Inverse variance: within the two groups' values.
            let (lo, hi) = (
                alone[0].value.min(alone[1].value),
                alone[0].value.max(alone[1].value),
            );
            assert!(
                lo <= e.value && e.value <= hi,
                "bucket {k}: {e:?} vs {alone:?}"
            );
            // One seeded draw: a tiny-alpha check (|z| < 4.5).
            assert!(
                (e.value - TRUTH[k]).abs() < 4.5 * e.std_error,
                "bucket {k}: {e:?} vs truth {}",
                TRUTH[k]
            );
        }
        let mean = s_both.relevance_mean.unwrap();
        let true_mean = (1..6).map(|k| k as f64 * TRUTH[k]).sum::<f64>() / 0.8;
        assert!(
            (mean.value - true_mean).abs() < 4.5 * mean.std_error,
            "{mean:?} vs {true_mean}"
        );
    }

    #[test]
    fn combined_histogram_error_is_what_it_states() {
        // 300 seeded surveys of 600 reports at ε = 1 and 300 at ε = 2: the
        // combined share's spread matches its stated standard error, it is
        // unbiased, and its 95 % intervals cover the truth at about 95 %.
        let runs = 300u64;
        let k = 4; // answer 4, true share 0.3
        let draws: Vec<Estimate> = (0..runs)
            .map(|r| {
                let mut reports = relevance_reports(1_000 + r, 600, 1_000);
                reports.extend(relevance_reports(5_000 + r, 300, 2_000));
                relevance(&of_reports(&reports))[k]
            })
            .collect();
        let errors: Vec<f64> = draws.iter().map(|e| e.value - TRUTH[k]).collect();
        let rmse = (errors.iter().map(|e| e * e).sum::<f64>() / runs as f64).sqrt();
        let stated = (draws.iter().map(|e| e.std_error.powi(2)).sum::<f64>() / runs as f64).sqrt();
        assert!(
            (rmse / stated - 1.0).abs() < 0.15,
            "rmse {rmse} vs stated {stated}"
        );
        let bias = errors.iter().sum::<f64>() / runs as f64;
        assert!(
            bias.abs() < 4.0 * stated / (runs as f64).sqrt(),
            "biased: {bias}"
        );
        let covered = draws.iter().filter(|e| e.covers(TRUTH[k])).count() as u64;
        // Nominal 285 of 300 (sd 3.8); accept about ±4.5 sd.
        assert!(
            (268..=299).contains(&covered),
            "covered {covered} of {runs}"
        );
    }
}

#[cfg(test)]
mod linear_tests {
    use super::*;
    use xsell_core::privacy::exact::{uniform_below, SplitMix64};
    use xsell_core::privacy::report::DayCounts;

    /// `n` order-value reports at ε = 1 from random shoppers who order on
    /// 30 % of days, in one of three buckets (a holdout arm reports just
    /// this: no impressions, still orders).
    fn order_reports(seed: u64, n: u64) -> Vec<Report> {
        let mut rng = SplitMix64(seed);
        (0..n)
            .map(|_| {
                let order = (uniform_below(&mut rng, 10) < 3)
                    .then(|| [500, 3_000, 30_000][uniform_below(&mut rng, 3) as usize]);
                let day = DayCounts {
                    order_value_cents: order,
                    ..Default::default()
                };
                one_metric_report(&mut rng, &day, Metric::OrderValue, Epsilon(1000))
            })
            .collect()
    }

    #[test]
    fn order_rate_and_value_per_day_state_their_error_for_random_shoppers() {
        // Buckets 1 (< $10), 3 ($25–50) and 8 (≥ $250), a third each.
        let per_day_truth = 0.3
            * [1, 3, 8]
                .iter()
                .map(|&k| order_value_midpoint_cents(k))
                .sum::<f64>()
            / 3.0;
        let runs = 300u64;
        let draws: Vec<(Estimate, Estimate)> = (0..runs)
            .map(|r| {
                let s = of_reports(&order_reports(40_000 + r, 1_000));
                (s.order_rate.unwrap(), s.order_value_per_day_cents.unwrap())
            })
            .collect();
        for (name, truth, pick) in [
            ("order_rate", 0.3, 0usize),
            ("order_value_per_day", per_day_truth, 1),
        ] {
            let est: Vec<Estimate> = draws.iter().map(|d| [d.0, d.1][pick]).collect();
            let rmse =
                (est.iter().map(|e| (e.value - truth).powi(2)).sum::<f64>() / runs as f64).sqrt();
            let stated =
                (est.iter().map(|e| e.std_error.powi(2)).sum::<f64>() / runs as f64).sqrt();
            assert!(
                (rmse / stated - 1.0).abs() < 0.15,
                "{name}: rmse {rmse} vs stated {stated}"
            );
            let bias = est.iter().map(|e| e.value - truth).sum::<f64>() / runs as f64;
            assert!(
                bias.abs() < 4.0 * stated / (runs as f64).sqrt(),
                "{name}: biased by {bias}"
            );
            let covered = est.iter().filter(|e| e.covers(truth)).count();
            assert!((268..=299).contains(&covered), "{name}: covered {covered}");
            assert!(
                est.iter().all(|e| e.n == 1_000),
                "{name}: every report counts"
            );
        }
    }

    #[test]
    fn the_predicted_report_variance_is_what_the_estimates_show() {
        // The shoppers of `order_reports`: no order on 70 % of days, else
        // buckets 1, 3 and 8 alike.
        let mut shares = [0.0; 9];
        shares[0] = 0.7;
        for k in [1, 3, 8] {
            shares[k] = 0.1;
        }
        let eps = Some(Epsilon(1000));
        let runs = 200u64;
        let n = 1_000u64;
        let draws: Vec<Stats> = (0..runs)
            .map(|r| of_reports(&order_reports(60_000 + r, n)))
            .collect();
        for (name, stat, pick) in [
            ("order_rate", &ORDER_RATE, 0usize),
            ("order_value_per_day", &ORDER_VALUE_PER_DAY, 1),
        ] {
            let predicted = (stat.report_variance(&shares, eps) / n as f64).sqrt();
            let est: Vec<Estimate> = draws
                .iter()
                .map(|s| [s.order_rate, s.order_value_per_day_cents][pick].unwrap())
                .collect();
            // The stated errors scatter around the prediction by a few
            // per cent; their root mean square is within 5 % of it.
            let stated =
                (est.iter().map(|e| e.std_error.powi(2)).sum::<f64>() / runs as f64).sqrt();
            assert!(
                (stated / predicted - 1.0).abs() < 0.05,
                "{name}: stated {stated} vs predicted {predicted}"
            );
            // And the estimates' own spread agrees (sd of 200 draws: ±10 %
            // holds it at |z| > 4).
            let mean = est.iter().map(|e| e.value).sum::<f64>() / runs as f64;
            let sd = (est.iter().map(|e| (e.value - mean).powi(2)).sum::<f64>()
                / (runs - 1) as f64)
                .sqrt();
            assert!(
                (sd / predicted - 1.0).abs() < 0.2,
                "{name}: spread {sd} vs predicted {predicted}"
            );
        }
        // Without noise only the shoppers' spread is left: a Bernoulli(0.3)
        // day for the order rate.
        assert!((ORDER_RATE.report_variance(&shares, None) - 0.21).abs() < 1e-12);
        assert!((order_rate_report_variance(0.3, None) - 0.21).abs() < 1e-12);
        // The order rate reads bucket 0 only.
        assert!(
            (order_rate_report_variance(0.3, eps) - ORDER_RATE.report_variance(&shares, eps)).abs()
                < 1e-12
        );
    }

    #[test]
    fn agreeing_order_reports_still_have_an_honest_error() {
        let one = order_reports(7, 1);
        let s = of_reports(&[one.clone(), one.clone(), one].concat());
        let rate = s.order_rate.unwrap();
        assert!(rate.std_error > 0.0 && rate.low < rate.value, "{rate:?}");
        assert!(s.order_value_per_day_cents.unwrap().std_error > 0.0);
        assert_eq!(of_reports(&[]).order_rate, None);
    }
}
