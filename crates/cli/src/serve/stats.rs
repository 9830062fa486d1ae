//! Debiased KPIs from stored reports: per metric, reports are grouped by ε
//! (estimators need one ε), estimated, and the groups combined by inverse
//! variance; KPIs are ratios of those estimates (delta method).

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
    Some(Estimate {
        value: r,
        std_error: se,
        low: r - 1.959_963_984_540_054 * se,
        high: r + 1.959_963_984_540_054 * se,
        n: buckets.first().map_or(0, |e| e.n),
    })
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

fn name(m: Metric) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn combine(parts: &[Estimate]) -> Option<Estimate> {
    let usable: Vec<&Estimate> = parts
        .iter()
        .filter(|e| e.n > 0 && e.std_error.is_finite() && e.std_error > 0.0)
        .collect();
    if usable.is_empty() {
        return None;
    }
    let w: Vec<f64> = usable.iter().map(|e| 1.0 / e.std_error.powi(2)).collect();
    let total: f64 = w.iter().sum();
    let value = usable.iter().zip(&w).map(|(e, w)| e.value * w).sum::<f64>() / total;
    let se = (1.0 / total).sqrt();
    let n = usable.iter().map(|e| e.n).sum();
    Some(Estimate {
        value,
        std_error: se,
        low: value - 1.959_963_984_540_054 * se,
        high: value + 1.959_963_984_540_054 * se,
        n,
    })
}

/// Computes the stats of a set of reports.
pub fn compute(reports: &[Report]) -> Stats {
    // (metric, eps, bound) -> (n, ones) for counts; (metric, eps) -> (n, bit counts) for histograms.
    let mut counts: BTreeMap<(String, u32, u32), (u64, u64)> = BTreeMap::new();
    let mut hists: BTreeMap<(String, u32), (u64, Vec<u64>)> = BTreeMap::new();
    for r in reports {
        for v in &r.values {
            match v {
                Noised::OneBit {
                    metric,
                    eps,
                    bound,
                    bit,
                } => {
                    let e = counts.entry((name(*metric), *eps, *bound)).or_default();
                    e.0 += 1;
                    e.1 += u64::from(*bit);
                }
                Noised::Oue { metric, eps, bits } => {
                    let e = hists
                        .entry((name(*metric), *eps))
                        .or_insert_with(|| (0, vec![0; bits.len()]));
                    if e.1.len() == bits.len() {
                        e.0 += 1;
                        for (c, b) in e.1.iter_mut().zip(bits) {
                            *c += u64::from(*b);
                        }
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
        .filter_map(|(m, parts)| combine(parts).map(|e| (m.clone(), e)))
        .collect();
    let mut histograms: BTreeMap<String, Vec<Estimate>> = BTreeMap::new();
    for ((m, eps), (n, bits)) in hists {
        // Shares per bucket (count / n); one ε group per metric is the common case.
        let shares: Vec<Estimate> = estimate::oue_counts(&bits, n, Epsilon(eps))
            .into_iter()
            .map(|e| {
                let k = n.max(1) as f64;
                Estimate {
                    value: e.value / k,
                    std_error: e.std_error / k,
                    low: e.low / k,
                    high: e.high / k,
                    n,
                }
            })
            .collect();
        histograms.entry(m).or_insert(shares);
    }
    let relevance_mean = histograms
        .get("relevance")
        .and_then(|b| histogram_mean(b, |k| k as f64));
    let order_value_mean_cents = histograms.get("order_value").and_then(|b| {
        let e = &xsell_core::privacy::report::ORDER_VALUE_EDGES;
        // Bucket k ≥ 1 spans edges[k-2]..edges[k-1]; the last is open.
        histogram_mean(b, |k| match k {
            1 => e[0] as f64 / 2.0,
            k if k - 1 < e.len() => (e[k - 2] + e[k - 1]) as f64 / 2.0,
            _ => e[e.len() - 1] as f64 * 1.2,
        })
    });
    let latency = histograms.get("latency").and_then(|b| present_shares(b));
    let edges = &xsell_core::privacy::report::LATENCY_EDGES_US;
    let latency_p50_us = latency.as_ref().and_then(|w| quantile_edge(w, edges, 0.5));
    let latency_p90_us = latency.as_ref().and_then(|w| quantile_edge(w, edges, 0.9));
    let rate = |num: &str| match (means.get(num), means.get("impressions")) {
        (Some(a), Some(b)) if b.value > 0.0 => Some(estimate::ratio(a, b)),
        _ => None,
    };
    Stats {
        reports: reports.len() as u64,
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
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::*;

    fn est(value: f64, std_error: f64) -> Estimate {
        Estimate {
            value,
            std_error,
            low: value - 2.0 * std_error,
            high: value + 2.0 * std_error,
            n: 100,
        }
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
