//! Journeys with known channel effects, for tests, the error table and
//! benchmarks: a chain over the channels, stopped at the fourth touch,
//! whose exact cell probabilities give the true attribution of any number
//! of journeys.

use super::journey::{CHANNELS, MAX_TOUCHES};
use super::markov::Attribution;
use super::oracle::{journey, DOMAIN};
use super::private::channel_names;
use crate::privacy::exact::RandomBits;

const C: usize = CHANNELS.len();

/// A journey generator.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyModel {
    /// First-touch probabilities.
    pub start: [f64; C],
    /// Relative weights of the next channel (the diagonal is ignored).
    pub next: [[f64; C]; C],
    /// Probability that the journey ends after a touch of each channel
    /// (before the fourth touch; it always ends there).
    pub end: [f64; C],
    /// Probability that an ending journey converts, by its last channel.
    pub convert: [f64; C],
}

impl Default for JourneyModel {
    /// A shop where e-mail and the widget convert best, search brings the
    /// most first touches, and social mostly opens journeys others close.
    fn default() -> Self {
        // email, widget, paid, search, social, referral, direct
        Self {
            start: [0.14, 0.0, 0.16, 0.30, 0.12, 0.08, 0.20],
            next: [
                [0.0, 3.0, 1.0, 1.0, 0.5, 0.5, 2.0],
                [2.0, 0.0, 0.5, 1.0, 0.5, 0.5, 2.0],
                [1.0, 2.0, 0.0, 1.0, 0.5, 0.5, 2.0],
                [1.5, 2.5, 1.0, 0.0, 0.5, 0.5, 2.0],
                [1.0, 1.0, 1.0, 2.0, 0.0, 0.5, 2.0],
                [1.0, 1.5, 0.5, 1.0, 0.5, 0.0, 2.0],
                [2.0, 3.0, 1.0, 1.0, 0.5, 0.5, 0.0],
            ],
            end: [0.45, 0.50, 0.55, 0.50, 0.65, 0.60, 0.45],
            convert: [0.22, 0.30, 0.08, 0.10, 0.03, 0.07, 0.12],
        }
    }
}

impl JourneyModel {
    /// The exact probability of every cell of the journey domain.
    pub fn cell_probabilities(&self) -> Vec<f64> {
        (0..DOMAIN)
            .map(|cell| {
                let (touches, converted) = journey(cell);
                let idx: Vec<usize> = touches.iter().map(|c| c.index()).collect();
                let mut p = self.start[idx[0]];
                for w in idx.windows(2) {
                    let row = &self.next[w[0]];
                    let total: f64 = (0..C).filter(|&j| j != w[0]).map(|j| row[j]).sum();
                    p *= (1.0 - self.end[w[0]]) * row[w[1]] / total;
                }
                let last = *idx.last().expect("non-empty");
                if idx.len() < MAX_TOUCHES {
                    p *= self.end[last];
                }
                p * if converted {
                    self.convert[last]
                } else {
                    1.0 - self.convert[last]
                }
            })
            .collect()
    }

    /// The true attribution of `n` journeys (their expected cell counts).
    pub fn truth(&self, n: f64) -> Attribution {
        let cells: Vec<f64> = self.cell_probabilities().iter().map(|p| p * n).collect();
        super::private::summary_of(&cells, 1.0).attribute(&channel_names())
    }

    /// Draws `n` journeys' cells.
    pub fn sample(&self, rng: &mut impl RandomBits, n: usize) -> Vec<usize> {
        let mut cdf = self.cell_probabilities();
        let mut acc = 0.0;
        for p in cdf.iter_mut() {
            acc += *p;
            *p = acc;
        }
        (0..n)
            .map(|_| {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * acc;
                cdf.partition_point(|&c| c <= u).min(DOMAIN - 1)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_probabilities_sum_to_one() {
        let total: f64 = JourneyModel::default().cell_probabilities().iter().sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }
}
