//! Local differential privacy mechanisms, each ε-LDP for one report:
//!
//! - binary randomized response (Warner 1965): tell the truth with
//!   probability e^ε / (1 + e^ε);
//! - 1BitMean (Ding, Kulkarni, Yekhanin, NeurIPS 2017) for a value in
//!   `[0, B]`: draw z ~ Bernoulli(x / B), then randomized response on z;
//! - optimized unary encoding, OUE (Wang et al., USENIX Security 2017), for
//!   one value of a k-bucket histogram: the true bucket's bit is 1 with
//!   probability 1/2, every other bit is 1 with probability 1 / (1 + e^ε).
//!
//! ε is a rational in thousandths ([`Epsilon`]) so that every sampler is
//! exact (see [`super::exact`]).

use super::exact::{bernoulli_logistic, bernoulli_ratio, RandomBits};
use crate::error::ParamError;
use serde::{Deserialize, Serialize};

/// A privacy parameter in thousandths: `Epsilon(2000)` is ε = 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Epsilon(pub u32);

impl Epsilon {
    /// Largest ε accepted for one mechanism (ε = 10).
    pub const MAX: Epsilon = Epsilon(10_000);

    /// Checks `0 < ε <= 10`.
    pub fn check(self) -> Result<Self, ParamError> {
        if self.0 == 0 || self > Self::MAX {
            return Err(ParamError::OutOfRange {
                name: "epsilon",
                value: f64::from(self.0) / 1000.0,
                allowed: "0 < epsilon <= 10",
            });
        }
        Ok(self)
    }

    /// As a float (for estimation only, never for sampling).
    pub fn value(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

/// Binary randomized response.
pub fn randomized_response(rng: &mut impl RandomBits, truth: bool, eps: Epsilon) -> bool {
    let keep = bernoulli_logistic(rng, u64::from(eps.0), 1000);
    truth == keep
}

/// 1BitMean of `x` clipped to `[0, bound]` (`bound > 0`).
pub fn one_bit_mean(rng: &mut impl RandomBits, x: u64, bound: u64, eps: Epsilon) -> bool {
    let z = bernoulli_ratio(rng, x.min(bound), bound.max(1));
    randomized_response(rng, z, eps)
}

/// OUE of `value` in `0..k`.
pub fn oue(rng: &mut impl RandomBits, value: usize, k: usize, eps: Epsilon) -> Vec<bool> {
    (0..k)
        .map(|b| {
            if b == value {
                rng.next_u64() & 1 == 1
            } else {
                // 1 / (1 + e^ε) = 1 − e^ε / (1 + e^ε)
                !bernoulli_logistic(rng, u64::from(eps.0), 1000)
            }
        })
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::super::exact::SplitMix64;
    use super::*;

    fn z(hits: u64, n: u64, p: f64) -> f64 {
        (hits as f64 - n as f64 * p) / (n as f64 * p * (1.0 - p)).sqrt()
    }

    #[test]
    fn output_distributions_match_the_analysis() {
        let n = 200_000u64;
        let eps = Epsilon(1500);
        let p = eps.value().exp() / (1.0 + eps.value().exp());
        let mut r = SplitMix64(9);
        let ones = (0..n)
            .filter(|_| randomized_response(&mut r, true, eps))
            .count() as u64;
        assert!(z(ones, n, p).abs() < 5.3);
        let ones = (0..n)
            .filter(|_| randomized_response(&mut r, false, eps))
            .count() as u64;
        assert!(z(ones, n, 1.0 - p).abs() < 5.3);
        // 1BitMean of x = 3 out of 10.
        let ones = (0..n).filter(|_| one_bit_mean(&mut r, 3, 10, eps)).count() as u64;
        assert!(z(ones, n, 0.3 * p + 0.7 * (1.0 - p)).abs() < 5.3);
        // Clipping: 50 counts as 10.
        let ones = (0..n).filter(|_| one_bit_mean(&mut r, 50, 10, eps)).count() as u64;
        assert!(z(ones, n, p).abs() < 5.3);
        // OUE: true bucket 1/2, others 1/(1+e^ε).
        let k = 5;
        let mut c = vec![0u64; k];
        for _ in 0..n {
            for (b, bit) in oue(&mut r, 2, k, eps).into_iter().enumerate() {
                c[b] += u64::from(bit);
            }
        }
        assert!(z(c[2], n, 0.5).abs() < 5.3);
        for b in [0, 1, 3, 4] {
            assert!(z(c[b], n, 1.0 - p).abs() < 5.3, "bucket {b}");
        }
    }

    #[test]
    fn likelihood_ratio_is_bounded_by_e_to_the_epsilon() {
        // Empirical check of the privacy guarantee for RR: P(out=1 | 1) / P(out=1 | 0) = e^ε.
        let n = 300_000u64;
        let eps = Epsilon(1000);
        let mut r = SplitMix64(77);
        let a = (0..n)
            .filter(|_| randomized_response(&mut r, true, eps))
            .count() as f64;
        let b = (0..n)
            .filter(|_| randomized_response(&mut r, false, eps))
            .count() as f64;
        let ratio = a / b;
        assert!((ratio - 1f64.exp()).abs() < 0.05, "ratio {ratio}");
    }

    #[test]
    fn epsilon_range_is_checked() {
        assert!(Epsilon(0).check().is_err());
        assert!(Epsilon(10_001)
            .check()
            .unwrap_err()
            .to_string()
            .contains("epsilon"));
        assert_eq!(Epsilon(2000).check().unwrap().value(), 2.0);
    }
}
