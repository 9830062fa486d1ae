//! 95 % intervals for an attribution by the percentile bootstrap: the
//! caller redraws the path weights (a Poisson resample of a shop's own
//! counts, or the privacy noise plus sampling of an estimate), each draw is
//! attributed in full, and every reported number gets the 2.5 and 97.5
//! percentiles of its draws.

use super::markov::{Attribution, Sufficient};
use crate::privacy::exact::RandomBits;
use serde::Serialize;

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl Interval {
    /// Whether `x` lies inside (ends included).
    pub fn covers(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// The intervals of one channel's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreditIntervals {
    /// Of the removal effect.
    pub removal_effect: Interval,
    /// Of the Markov conversions.
    pub markov_conversions: Interval,
    /// Of the Markov value.
    pub markov_value: Interval,
    /// Of the first-touch conversions.
    pub first_touch: Interval,
    /// Of the last-touch conversions.
    pub last_touch: Interval,
    /// Of the linear conversions.
    pub linear: Interval,
}

/// Percentile intervals at `level` (e.g. 0.95) of `draws`, per channel.
pub fn percentile_intervals(draws: &[Attribution], level: f64) -> Vec<CreditIntervals> {
    let Some(first) = draws.first() else {
        return Vec::new();
    };
    let tail = (1.0 - level) / 2.0;
    let of = |c: usize, f: &dyn Fn(&super::markov::ChannelCredit) -> f64| {
        let mut v: Vec<f64> = draws.iter().map(|d| f(&d.channels[c])).collect();
        v.sort_by(f64::total_cmp);
        Interval {
            lo: quantile(&v, tail),
            hi: quantile(&v, 1.0 - tail),
        }
    };
    (0..first.channels.len())
        .map(|c| CreditIntervals {
            removal_effect: of(c, &|x| x.removal_effect),
            markov_conversions: of(c, &|x| x.markov_conversions),
            markov_value: of(c, &|x| x.markov_value),
            first_touch: of(c, &|x| x.first_touch),
            last_touch: of(c, &|x| x.last_touch),
            linear: of(c, &|x| x.linear),
        })
        .collect()
}

/// The `q` quantile of sorted `v` (linear between order statistics).
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    let j = (i + 1).min(v.len() - 1);
    v[i] + frac * (v[j] - v[i])
}

/// `reps` bootstrap attributions: `draw` builds the statistics of one
/// redrawn summary.
pub fn bootstrap<R: RandomBits>(
    rng: &mut R,
    reps: usize,
    channels: &[String],
    mut draw: impl FnMut(&mut R) -> Sufficient,
) -> Vec<Attribution> {
    (0..reps).map(|_| draw(rng).attribute(channels)).collect()
}

/// A uniform float in `(0, 1)` from 53 random bits (estimation only).
fn unit(rng: &mut impl RandomBits) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// A standard normal draw (Box–Muller; estimation only, never privacy noise).
pub fn standard_normal(rng: &mut impl RandomBits) -> f64 {
    let (u, v) = (unit(rng), unit(rng));
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A Poisson(λ) draw: by inversion for λ ≤ 30, else the normal
/// approximation with continuity, rounded and kept ≥ 0 (estimation only).
pub fn poisson(rng: &mut impl RandomBits, lambda: f64) -> f64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 0.0;
    }
    if lambda > 30.0 {
        return (lambda + lambda.sqrt() * standard_normal(rng))
            .round()
            .max(0.0);
    }
    let (mut k, mut p) = (0.0, (-lambda).exp());
    let mut cdf = p;
    let u = unit(rng);
    while u > cdf && k < 1000.0 {
        k += 1.0;
        p *= lambda / k;
        cdf += p;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::exact::SplitMix64;

    #[test]
    fn quantiles_interpolate() {
        let v = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.0);
        assert_eq!(quantile(&v, 0.125), 0.5);
        assert_eq!(quantile(&v, 1.0), 4.0);
    }

    #[test]
    fn samplers_have_the_right_moments() {
        // Seeded; tolerances are 6 standard errors.
        let mut r = SplitMix64(3);
        let n = 200_000;
        for lambda in [0.7, 12.0, 400.0] {
            let xs: Vec<f64> = (0..n).map(|_| poisson(&mut r, lambda)).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let se = (lambda / n as f64).sqrt();
            assert!((mean - lambda).abs() < 6.0 * se, "λ={lambda}: mean {mean}");
            assert!((var / lambda - 1.0).abs() < 0.03, "λ={lambda}: var {var}");
        }
        let zs: Vec<f64> = (0..n).map(|_| standard_normal(&mut r)).collect();
        let mean = zs.iter().sum::<f64>() / n as f64;
        let inside = zs.iter().filter(|z| z.abs() < 1.959_964).count() as f64 / n as f64;
        assert!(mean.abs() < 6.0 / (n as f64).sqrt());
        assert!((inside - 0.95).abs() < 6.0 * (0.95f64 * 0.05 / n as f64).sqrt());
    }
}
