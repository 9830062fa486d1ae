//! Debiasing on the collector: unbiased estimates from noised reports, with
//! confidence intervals whose width includes the privacy noise.
//!
//! Every 95 % interval in xsell is built in one place, [`Estimate::new`]:
//! the estimators here compute a value and its standard error, and the
//! collector's derived KPIs (ratios, histogram means, combined ε groups) go
//! through the same constructor, so the interval rule cannot drift apart.

use super::mechanisms::Epsilon;

/// An estimate with its standard error and 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Standard error (sampling and privacy noise together).
    pub std_error: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the 95 % interval.
    pub high: f64,
    /// Reports behind it.
    pub n: u64,
}

/// The 97.5th percentile of the standard normal: ±`Z95` standard errors
/// hold 95 % of an approximately normal estimator's mass.
const Z95: f64 = 1.959_963_984_540_054;

impl Estimate {
    /// The estimate `value` with standard error `std_error` from `n`
    /// reports, and its normal-approximation 95 % interval
    /// `value ± 1.96 · std_error`. The only interval builder: every
    /// estimator and every derived KPI ends here.
    pub fn new(value: f64, std_error: f64, n: u64) -> Self {
        Self {
            value,
            std_error,
            low: value - Z95 * std_error,
            high: value + Z95 * std_error,
            n,
        }
    }

    /// `k` times the estimate, for a known constant `k` (a clip bound, one
    /// over a report count): value, standard error and interval scale
    /// together.
    pub fn scaled(&self, k: f64) -> Self {
        Self::new(self.value * k, self.std_error * k.abs(), self.n)
    }

    /// Whether the 95 % interval contains `x`.
    pub fn covers(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// The true share of 1s behind `ones` out of `n` randomized-response bits.
///
/// With keep probability p, E[ones/n] = (1 − p) + π(2p − 1), so
/// π̂ = (ones/n − (1 − p)) / (2p − 1) and Var(π̂) = Var(ones/n) / (2p − 1)².
pub fn rr_share(ones: u64, n: u64, eps: Epsilon) -> Estimate {
    if n == 0 {
        return Estimate::new(f64::NAN, f64::INFINITY, 0);
    }
    let e = eps.value().exp();
    let p = e / (1.0 + e);
    let f = ones as f64 / n as f64;
    let value = (f - (1.0 - p)) / (2.0 * p - 1.0);
    // Under the mechanism a reported bit is 1 with a probability in
    // [1 − p, p]: clamping the plug-in keeps the standard error honest
    // (never 0) when a few reports happen to agree.
    let fc = f.clamp(1.0 - p, p);
    let se = (fc * (1.0 - fc) / n as f64).sqrt() / (2.0 * p - 1.0);
    Estimate::new(value, se, n)
}

/// The mean of values in `[0, bound]` behind 1BitMean reports.
pub fn one_bit_mean(ones: u64, n: u64, bound: u64, eps: Epsilon) -> Estimate {
    rr_share(ones, n, eps).scaled(bound as f64)
}

/// The predicted standard error of a 1BitMean estimate for `n` reports
/// (worst case over the true mean): B · (e^ε + 1) / (2 √n (e^ε − 1)).
pub fn one_bit_mean_predicted_se(n: u64, bound: u64, eps: Epsilon) -> f64 {
    let e = eps.value().exp();
    bound as f64 * (e + 1.0) / (2.0 * (n as f64).sqrt() * (e - 1.0))
}

/// The standard error of a 1BitMean estimate from `n` reports when the
/// true mean is `mean`: B · √(f(1 − f)/n) / (2p − 1), with p = e^ε/(1 + e^ε)
/// and f = (1 − p) + (mean/B)(2p − 1) the chance a reported bit is 1.
pub fn one_bit_mean_se_at(n: u64, bound: u64, eps: Epsilon, mean: f64) -> f64 {
    let e = eps.value().exp();
    let p = e / (1.0 + e);
    let b = bound as f64;
    let f = (1.0 - p) + (mean / b).clamp(0.0, 1.0) * (2.0 * p - 1.0);
    b * (f * (1.0 - f) / n as f64).sqrt() / (2.0 * p - 1.0)
}

/// Estimated number of reporters in each bucket from OUE bit counts.
///
/// With p = 1/2 and q = 1 / (1 + e^ε): ĉ = (C − n q) / (p − q), and
/// Var(ĉ) = n q (1 − q) / (p − q)² + c (1 − p − q) / (p − q).
pub fn oue_counts(counts: &[u64], n: u64, eps: Epsilon) -> Vec<Estimate> {
    let q = 1.0 / (1.0 + eps.value().exp());
    let p = 0.5;
    counts
        .iter()
        .map(|&c| {
            let value = (c as f64 - n as f64 * q) / (p - q);
            let var = n as f64 * q * (1.0 - q) / (p - q).powi(2)
                + value.max(0.0) * (1.0 - p - q) / (p - q);
            Estimate::new(value, var.sqrt(), n)
        })
        .collect()
}

/// Estimated share of reporters in each bucket: [`oue_counts`] over `n`.
pub fn oue_shares(counts: &[u64], n: u64, eps: Epsilon) -> Vec<Estimate> {
    let per_report = 1.0 / n.max(1) as f64;
    oue_counts(counts, n, eps)
        .iter()
        .map(|e| e.scaled(per_report))
        .collect()
}

/// Ratio of two estimates from disjoint reports (delta method), e.g. clicks
/// per impression.
pub fn ratio(num: &Estimate, den: &Estimate) -> Estimate {
    let r = num.value / den.value;
    let se = (num.std_error.powi(2) / den.value.powi(2)
        + num.value.powi(2) * den.std_error.powi(2) / den.value.powi(4))
    .sqrt();
    Estimate::new(r, se, num.n.min(den.n))
}

/// Combines independent estimates of one quantity, weighting each by its
/// inverse variance: θ̂ = Σ wᵢ θ̂ᵢ / Σ wᵢ with wᵢ = 1/seᵢ², and
/// se = 1/√(Σ wᵢ). Among unbiased linear combinations this has the least
/// variance, which matters here because the groups differ in ε: at ε = 1 a
/// report carries several times the privacy noise of one at ε = 2, so
/// weighting by report count would let the noisier group dilute the better
/// one. The weights use each part's estimated standard error; their
/// dependence on the part's own value biases the result by O(1/n), far
/// below its standard error at any useful n. Parts without reports or
/// without a finite, positive standard error are left out; `None` if none
/// is left.
pub fn inverse_variance(parts: &[Estimate]) -> Option<Estimate> {
    let usable: Vec<&Estimate> = parts
        .iter()
        .filter(|e| e.n > 0 && e.std_error.is_finite() && e.std_error > 0.0)
        .collect();
    if usable.is_empty() {
        return None;
    }
    let weights: Vec<f64> = usable.iter().map(|e| e.std_error.powi(-2)).collect();
    let total: f64 = weights.iter().sum();
    let value = usable
        .iter()
        .zip(&weights)
        .map(|(e, w)| e.value * w)
        .sum::<f64>()
        / total;
    let n = usable.iter().map(|e| e.n).sum();
    Some(Estimate::new(value, total.sqrt().recip(), n))
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::super::exact::SplitMix64;
    use super::super::mechanisms;
    use super::*;

    /// Simulates `clients` each holding a value with the given true mean and
    /// returns the 1BitMean estimate.
    fn simulate_mean(
        seed: u64,
        clients: u64,
        truth: &dyn Fn(u64) -> u64,
        bound: u64,
        eps: Epsilon,
    ) -> Estimate {
        let mut r = SplitMix64(seed);
        let ones = (0..clients)
            .filter(|&c| mechanisms::one_bit_mean(&mut r, truth(c), bound, eps))
            .count() as u64;
        one_bit_mean(ones, clients, bound, eps)
    }

    #[test]
    fn an_interval_is_the_estimate_plus_minus_1_96_standard_errors() {
        let e = Estimate::new(3.0, 0.5, 40);
        assert!((e.low - (3.0 - 0.979_981_992_270_027)).abs() < 1e-12);
        assert!((e.high - (3.0 + 0.979_981_992_270_027)).abs() < 1e-12);
        assert!(e.covers(3.9) && !e.covers(4.0) && e.covers(e.low));
        // Scaling by a constant, even a negative one, keeps a proper interval.
        let s = e.scaled(-2.0);
        assert_eq!(s, Estimate::new(-6.0, 1.0, 40));
        assert!(s.low < s.value && s.value < s.high);
    }

    #[test]
    fn inverse_variance_weights_each_part_by_its_precision() {
        // se 1 and 2: weights 1 and 1/4, so (0·1 + 5·0.25)/1.25 = 1.
        let c =
            inverse_variance(&[Estimate::new(0.0, 1.0, 10), Estimate::new(5.0, 2.0, 30)]).unwrap();
        assert!((c.value - 1.0).abs() < 1e-12, "{c:?}");
        assert!(
            (c.std_error - (1.0f64 / 1.25).sqrt()).abs() < 1e-12,
            "{c:?}"
        );
        assert_eq!(c, Estimate::new(c.value, c.std_error, 40));
        // Parts that carry no information are left out, not averaged in.
        let lone = Estimate::new(2.0, 0.5, 7);
        let useless = [
            rr_share(0, 0, Epsilon(1000)),
            Estimate::new(9.0, 0.0, 3),
            Estimate::new(9.0, f64::INFINITY, 3),
        ];
        let mut parts = useless.to_vec();
        parts.push(lone);
        assert_eq!(inverse_variance(&parts), Some(lone));
        assert_eq!(inverse_variance(&useless), None);
        assert_eq!(inverse_variance(&[]), None);
    }

    #[test]
    fn oue_shares_are_the_counts_per_report() {
        let eps = Epsilon(1500);
        let (counts, n) = ([40, 300, 95], 400);
        for (share, count) in oue_shares(&counts, n, eps)
            .iter()
            .zip(oue_counts(&counts, n, eps))
        {
            assert_eq!(*share, count.scaled(1.0 / 400.0));
        }
    }

    #[test]
    fn agreeing_reports_still_have_an_honest_interval() {
        let eps = Epsilon(400);
        for (ones, n) in [(2, 2), (0, 2), (1, 1), (50, 50)] {
            let e = rr_share(ones, n, eps);
            let p = eps.value().exp() / (1.0 + eps.value().exp());
            let floor = (p * (1.0 - p) / n as f64).sqrt() / (2.0 * p - 1.0);
            assert!(
                (e.std_error - floor).abs() < 1e-12,
                "{ones}/{n}: {}",
                e.std_error
            );
            assert!(e.low < e.value && e.value < e.high);
        }
    }

    #[test]
    fn intervals_cover_the_truth_at_the_stated_rate() {
        // 400 independent surveys of 10,000 clients; true mean 2.3 of [0, 10].
        let eps = Epsilon(2000);
        let truth = |c: u64| if c % 10 < 3 { 5 } else { 1 }; // mean 0.3·5 + 0.7·1 = 2.2
        let true_mean = 2.2;
        let runs = 400;
        let covered = (0..runs)
            .filter(|&s| {
                let e = simulate_mean(1000 + s, 10_000, &truth, 10, eps);
                e.low <= true_mean && true_mean <= e.high
            })
            .count();
        // 95 % nominal: with 400 runs, expect 380 ± 4.4 sd; accept 360..=396 (about ±4.5 sd).
        assert!(
            (360..=396).contains(&covered),
            "covered {covered} of {runs}"
        );
    }

    #[test]
    fn error_matches_the_analytical_prediction() {
        let eps = Epsilon(2000);
        let n = 10_000u64;
        let errors: Vec<f64> = (0..200)
            .map(|s| simulate_mean(5000 + s, n, &|_| 4, 10, eps).value - 4.0)
            .collect();
        let rmse = (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt();
        let mean_err = errors.iter().sum::<f64>() / errors.len() as f64;
        // Exact s.e. at true share 0.4: B · sqrt(f(1−f)/n) / (2p − 1) with f the noisy share.
        let e = 2f64.exp();
        let p = e / (1.0 + e);
        let f = 0.4 * p + 0.6 * (1.0 - p);
        let predicted = 10.0 * (f * (1.0 - f) / n as f64).sqrt() / (2.0 * p - 1.0);
        assert!(
            (rmse / predicted - 1.0).abs() < 0.15,
            "rmse {rmse} vs predicted {predicted}"
        );
        assert!(
            mean_err.abs() < 4.0 * predicted / (200f64).sqrt(),
            "biased: {mean_err}"
        );
        assert!(predicted <= one_bit_mean_predicted_se(n, 10, eps));
    }

    #[test]
    fn oue_recovers_a_histogram() {
        let eps = Epsilon(2000);
        let mut r = SplitMix64(3);
        let n = 50_000u64;
        let truth = [0.1, 0.1, 0.2, 0.3, 0.3];
        let mut counts = [0u64; 5];
        for c in 0..n {
            let v = match c % 10 {
                0 => 0,
                1 => 1,
                2 | 3 => 2,
                4..=6 => 3,
                _ => 4,
            };
            for (b, bit) in mechanisms::oue(&mut r, v, 5, eps).into_iter().enumerate() {
                counts[b] += u64::from(bit);
            }
        }
        for (b, e) in oue_counts(&counts, n, eps).iter().enumerate() {
            let expect = truth[b] * n as f64;
            assert!(
                (e.value - expect).abs() < 4.5 * e.std_error,
                "bucket {b}: {} vs {expect} (se {})",
                e.value,
                e.std_error
            );
        }
    }

    #[test]
    fn ctr_ratio_is_unbiased_within_its_standard_error() {
        let eps = Epsilon(1000);
        let clicks = simulate_mean(11, 100_000, &|c| u64::from(c % 20 == 0), 1, eps); // 5 % of clients clicked once
        let impressions = simulate_mean(12, 100_000, &|c| 1 + c % 2, 2, eps); // 1.5 impressions each
        let ctr = ratio(&clicks, &impressions);
        let truth = 0.05 / 1.5;
        // One draw: a tiny-alpha check (|z| < 4.5); 95 % coverage is tested over 400 runs above.
        assert!(
            (ctr.value - truth).abs() < 4.5 * ctr.std_error,
            "{ctr:?} vs {truth}"
        );
        assert!(
            ctr.std_error < 0.004,
            "interval too wide to be useful: {ctr:?}"
        );
    }
}
