//! The journey report's frequency oracle: Hadamard randomized response,
//! HRR (Cormode, Kulkarni & Srivastava, VLDB 2018; the Hadamard family of
//! Acharya, Sun & Zhang, AISTATS 2019), over the domain of ended journeys.
//!
//! **Domain.** A journey is 1 to [`MAX_TOUCHES`] touches over the seven
//! [`CHANNELS`], no channel twice in a row, and whether it converted:
//! `7 + 7·6 + 7·6² + 7·6³ = 1813` paths × 2 = [`DOMAIN`] = 3626 cells,
//! embedded in the `K = 4096` columns of the Sylvester Hadamard matrix
//! `H[j][v] = (−1)^popcount(j & v)`.
//!
//! **Mechanism.** The device draws a row `j` uniformly from `0..K` (public,
//! independent of the data) and reports `j` with the bit `H[j][cell] = +1`
//! through binary randomized response at ε: the truth with probability
//! `p = e^ε / (1 + e^ε)` (the exact sampler of [`randomized_response`]).
//! The row says nothing; the bit is ε-LDP; so is the report.
//!
//! **Decoding.** With `S_j` = (reports of row `j` saying +1) − (saying −1),
//! the fast Walsh–Hadamard transform gives `T_v = Σ_j S_j H[j][v]` for
//! every cell at once, and `T_v / (2p − 1)` is unbiased for the cell's
//! count: `E[b·H[j][v]] = (2p − 1)·[v = cell]` because the rows are
//! orthogonal. Its noise variance is `n / (2p − 1)²`, and distinct cells'
//! errors are uncorrelated. Decoding costs `O(n + K log K)`, whatever `n`.

use super::journey::{Channel, CHANNELS, MAX_TOUCHES};
use crate::privacy::exact::{uniform_below, RandomBits};
use crate::privacy::mechanisms::randomized_response;
use crate::privacy::mechanisms::Epsilon;
use serde::{Deserialize, Serialize};

const C: usize = CHANNELS.len();
/// Paths of each length start here in the path index.
const OFFSETS: [usize; MAX_TOUCHES + 1] = [
    0,
    C,
    C + C * 6,
    C + C * 6 + C * 36,
    C + C * 6 + C * 36 + C * 216,
];
/// Distinct paths.
pub const PATHS: usize = OFFSETS[MAX_TOUCHES];
/// Cells of the domain: each path, converted or not.
pub const DOMAIN: usize = 2 * PATHS;

/// The cell of a journey, or `None` if it is not in the domain (empty, too
/// long, or a channel twice in a row).
pub fn cell(touches: &[Channel], converted: bool) -> Option<usize> {
    let k = touches.len();
    if k == 0 || k > MAX_TOUCHES {
        return None;
    }
    let mut index = touches[0].index();
    for w in touches.windows(2) {
        let (prev, next) = (w[0].index(), w[1].index());
        if prev == next {
            return None;
        }
        index = index * 6 + if next < prev { next } else { next - 1 };
    }
    Some(2 * (OFFSETS[k - 1] + index) + usize::from(converted))
}

/// The journey of a cell (`cell < DOMAIN`).
pub fn journey(cell: usize) -> (Vec<Channel>, bool) {
    let converted = cell % 2 == 1;
    let path = cell / 2;
    let k = OFFSETS
        .iter()
        .rposition(|&o| o <= path)
        .expect("starts at 0")
        + 1;
    let mut rest = path - OFFSETS[k - 1];
    let mut ranks = vec![0; k];
    for r in ranks.iter_mut().skip(1).rev() {
        *r = rest % 6;
        rest /= 6;
    }
    ranks[0] = rest;
    let mut out = Vec::with_capacity(k);
    for (i, &r) in ranks.iter().enumerate() {
        let c = if i == 0 {
            r
        } else {
            let prev = out.last().map_or(0, |c: &Channel| c.index());
            if r < prev {
                r
            } else {
                r + 1
            }
        };
        out.push(CHANNELS[c]);
    }
    (out, converted)
}

/// Hadamard columns (a power of two ≥ [`DOMAIN`]).
pub const K: usize = 4096;
const _: () = assert!(K >= DOMAIN && K.is_power_of_two());

/// One noised journey, as the report carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HrrValue {
    /// ε in thousandths.
    pub eps: u32,
    /// The Hadamard row, `< K`, drawn independently of the data.
    pub row: u32,
    /// The noised bit: `H[row][cell] = +1`.
    pub bit: bool,
}

/// `H[row][cell] = +1`.
pub fn hadamard_plus(row: usize, cell: usize) -> bool {
    (row & cell).count_ones().is_multiple_of(2)
}

/// Noises `cell` with HRR at `eps`.
pub fn perturb(rng: &mut impl RandomBits, cell: usize, eps: Epsilon) -> HrrValue {
    let row = uniform_below(rng, K as u64) as usize;
    HrrValue {
        eps: eps.0,
        row: row as u32,
        bit: randomized_response(rng, hadamard_plus(row, cell), eps),
    }
}

/// The collector's running sums of one ε: per row, +1 answers minus −1
/// answers, and the number of reports.
#[derive(Debug, Clone, PartialEq)]
pub struct HrrSums {
    /// ε the sums are for.
    pub eps: Epsilon,
    /// `S_j`.
    pub sums: Vec<i64>,
    /// Reports added.
    pub n: u64,
}

impl HrrSums {
    /// Empty sums for `eps`.
    pub fn new(eps: Epsilon) -> Self {
        Self {
            eps,
            sums: vec![0; K],
            n: 0,
        }
    }

    /// Adds a report of this ε (others are refused: `false`).
    pub fn add(&mut self, v: &HrrValue) -> bool {
        self.add_times(v, 1)
    }

    /// Adds `times` reports of value `v` (others than this ε are
    /// refused: `false`), as the collector's counts of equal values give
    /// them.
    pub fn add_times(&mut self, v: &HrrValue, times: u64) -> bool {
        if v.eps != self.eps.0 || v.row as usize >= K {
            return false;
        }
        let times_signed = i64::try_from(times).unwrap_or(i64::MAX);
        self.sums[v.row as usize] += if v.bit { times_signed } else { -times_signed };
        self.n += times;
        true
    }

    /// Debiased counts of every cell.
    pub fn decode(&self) -> Vec<CellEstimate> {
        let mut t: Vec<f64> = self.sums.iter().map(|&s| s as f64).collect();
        fwht(&mut t);
        let e = self.eps.value().exp();
        let gain = (e - 1.0) / (e + 1.0); // 2p − 1
        let noise_var = self.n as f64 / (gain * gain);
        t[..DOMAIN]
            .iter()
            .map(|&x| CellEstimate {
                count: x / gain,
                noise_var,
            })
            .collect()
    }
}

/// The in-place fast Walsh–Hadamard transform (Sylvester order).
fn fwht(a: &mut [f64]) {
    let mut h = 1;
    while h < a.len() {
        for block in a.chunks_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                let (s, d) = (*x + *y, *x - *y);
                *x = s;
                *y = d;
            }
        }
        h *= 2;
    }
}

/// A debiased count with its variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellEstimate {
    /// Unbiased estimate of the count (can be negative).
    pub count: f64,
    /// Its variance from the noise.
    pub noise_var: f64,
}

/// Decodes a batch of reports of one ε (reports of another ε are ignored).
pub fn decode(reports: &[HrrValue], eps: Epsilon) -> Vec<CellEstimate> {
    let mut s = HrrSums::new(eps);
    for r in reports {
        s.add(r);
    }
    s.decode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::exact::SplitMix64;

    #[test]
    fn the_domain_is_a_bijection() {
        assert_eq!(PATHS, 1813);
        for c in 0..DOMAIN {
            let (touches, converted) = journey(c);
            assert_eq!(cell(&touches, converted), Some(c), "{touches:?}");
        }
        assert_eq!(cell(&[], true), None);
        assert_eq!(cell(&[Channel::Email, Channel::Email], false), None);
        assert_eq!(cell(&[Channel::Email; 5], false), None);
    }

    #[test]
    fn the_transform_is_the_hadamard_product() {
        let mut a: Vec<f64> = (0..K).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect();
        let orig = a.clone();
        fwht(&mut a);
        for v in [0, 1, 77, 3625, 4095] {
            let direct: f64 = (0..K)
                .map(|j| {
                    if hadamard_plus(j, v) {
                        orig[j]
                    } else {
                        -orig[j]
                    }
                })
                .sum();
            assert_eq!(a[v], direct, "column {v}");
        }
    }

    #[test]
    fn the_output_distribution_is_the_analysed_one() {
        // P(bit = H[row][cell]) = e^ε / (1 + e^ε), rows uniform; 6 standard errors.
        let eps = Epsilon(1000);
        let p = 1f64.exp() / (1.0 + 1f64.exp());
        let mut r = SplitMix64(5);
        let n = 200_000;
        let mut rows = [0u32; 8];
        let truthful = (0..n)
            .filter(|_| {
                let v = perturb(&mut r, 1717, eps);
                rows[v.row as usize * 8 / K] += 1;
                v.bit == hadamard_plus(v.row as usize, 1717)
            })
            .count() as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!((truthful / n as f64 - p).abs() < 6.0 * se);
        let e = n as f64 / 8.0;
        let chi2: f64 = rows.iter().map(|&o| (f64::from(o) - e).powi(2) / e).sum();
        assert!(chi2 < 30.0, "rows not uniform: chi2 {chi2} on 7 df");
    }

    #[test]
    fn decoding_is_unbiased_within_its_variance() {
        // 20k journeys on three cells; every cell's estimate within 5 sd.
        let eps = Epsilon(1000);
        let mut r = SplitMix64(11);
        let truth = [(3usize, 10_000usize), (800, 6_000), (3000, 4_000)];
        let reports: Vec<HrrValue> = truth
            .iter()
            .flat_map(|&(c, n)| vec![c; n])
            .map(|c| perturb(&mut r, c, eps))
            .collect();
        let est = decode(&reports, eps);
        let mut z_max: f64 = 0.0;
        for (c, e) in est.iter().enumerate() {
            let t = truth.iter().find(|t| t.0 == c).map_or(0.0, |t| t.1 as f64);
            z_max = z_max.max((e.count - t).abs() / e.noise_var.sqrt());
        }
        // 3626 cells: the largest |z| of that many normals stays below 5.
        assert!(z_max < 5.0, "max |z| = {z_max}");
    }
}
