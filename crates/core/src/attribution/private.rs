//! Attribution from noised journey reports.
//!
//! Summing debiased cells would add the noise of every cell a statistic
//! touches: a transition such as `start → social` is a sum over 518 cells,
//! and at ε = 1 that sum's noise exceeds the signal even at a million
//! journeys. Instead the collector fits the model the attribution assumes
//! anyway — journeys as a first-order chain over the channels (first
//! touch, next touch, end, conversion; stopped at the fourth touch) — to
//! all 3626 debiased cells at once, by weighted least squares (weights
//! `1 / (noise variance + expected count)`, Levenberg–Marquardt on 55
//! free parameters). The fit weighs each cell by how much it says, so
//! the big cells (short paths) carry the estimate. The attribution is
//! then that of the fitted model's expected cells, solved exactly as for a
//! shop's own data ([`super::markov`]), and each number's 95 % interval
//! comes from the fit's covariance by the delta method: it includes the
//! privacy noise and the sampling of journeys.
//!
//! The fit's chi-square against its degrees of freedom says when the
//! journeys are not such a chain (the attribution model itself is then in
//! doubt, noised or not).
//!
//! Reports carry no order value: value is credited at the shop's mean
//! order value per conversion (from the private order-value statistics),
//! so a channel's value share equals its conversion share.

use super::interval::{CreditIntervals, Interval};
use super::journey::{CHANNELS, MAX_TOUCHES};
use super::markov::{solve, Attribution, ChannelCredit, PathRow, Sufficient};
use super::oracle::{journey, CellEstimate, DOMAIN, PATHS};
use serde::Serialize;

const C: usize = CHANNELS.len();
/// Free parameters: 6 first-touch logits, 7 × 5 next-touch logits, 7 end
/// and 7 conversion logits.
pub const PARAMS: usize = (C - 1) + C * (C - 2) + 2 * C;

/// An attribution with its intervals and the fit behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimated {
    /// Point estimates.
    pub point: Attribution,
    /// 95 % intervals, per channel in [`CHANNELS`] order.
    pub intervals: Vec<CreditIntervals>,
    /// Journey reports behind it.
    pub reports: u64,
    /// Weighted residual sum of squares of the fit.
    pub fit_chi2: f64,
    /// Its degrees of freedom (cells − parameters).
    pub fit_df: usize,
}

/// The channel names of the journey domain.
pub fn channel_names() -> Vec<String> {
    CHANNELS.iter().map(|c| c.as_str().to_string()).collect()
}

/// The path summary of cell counts (index = cell).
pub(crate) fn summary_of(cells: &[f64], value_per_conversion: f64) -> Sufficient {
    let mut s = Sufficient::empty(CHANNELS.len());
    for path in 0..PATHS {
        let (touches, _) = journey(2 * path);
        let conversions = cells[2 * path + 1];
        s.add(
            &PathRow {
                steps: touches.iter().map(|c| c.index() as u16).collect(),
                conversions,
                value: conversions * value_per_conversion,
                nulls: cells[2 * path],
            },
            1.0,
        );
    }
    s
}

/// The reference column of next-touch row `c` (its logit is fixed at 0).
fn reference(c: usize) -> usize {
    if c == C - 1 {
        0
    } else {
        C - 1
    }
}

/// Where each parameter sits: first-touch logit of channel `c` (not the
/// last), next-touch logit `(c, j)` (j ≠ c, j ≠ reference), end and
/// conversion logits.
struct Layout {
    next: [[Option<usize>; C]; C],
}

impl Layout {
    fn new() -> Self {
        let mut next = [[None; C]; C];
        let mut k = C - 1;
        for (c, row) in next.iter_mut().enumerate() {
            for (j, slot) in row.iter_mut().enumerate() {
                if j != c && j != reference(c) {
                    *slot = Some(k);
                    k += 1;
                }
            }
        }
        debug_assert_eq!(k + 2 * C, PARAMS);
        Self { next }
    }
    fn start(&self, c: usize) -> Option<usize> {
        (c < C - 1).then_some(c)
    }
    fn end(&self, c: usize) -> usize {
        PARAMS - 2 * C + c
    }
    fn convert(&self, c: usize) -> usize {
        PARAMS - C + c
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The chain's probabilities for parameters `theta`.
struct Chain {
    start: [f64; C],
    next: [[f64; C]; C],
    end: [f64; C],
    convert: [f64; C],
}

impl Chain {
    fn new(l: &Layout, theta: &[f64]) -> Self {
        let softmax = |logits: [f64; C], skip: Option<usize>| {
            let m = logits.iter().cloned().fold(f64::MIN, f64::max);
            let mut p = [0.0; C];
            for (i, x) in logits.iter().enumerate() {
                if Some(i) != skip {
                    p[i] = (x - m).exp();
                }
            }
            let s: f64 = p.iter().sum();
            p.map(|x| x / s)
        };
        let mut start = [0.0; C];
        for (c, x) in start.iter_mut().enumerate() {
            *x = l.start(c).map_or(0.0, |k| theta[k]);
        }
        let next = std::array::from_fn(|c| {
            let logits: [f64; C] = std::array::from_fn(|j| l.next[c][j].map_or(0.0, |k| theta[k]));
            softmax(logits, Some(c))
        });
        Chain {
            start: softmax(start, None),
            next,
            end: std::array::from_fn(|c| sigmoid(theta[l.end(c)])),
            convert: std::array::from_fn(|c| sigmoid(theta[l.convert(c)])),
        }
    }

    /// `π(cell)` and, if asked, `∂ log π / ∂θ` into `grad`.
    fn cell(&self, l: &Layout, cell: usize, grad: Option<&mut [f64]>) -> f64 {
        let (touches, converted) = journey(cell);
        let idx: Vec<usize> = touches.iter().map(|c| c.index()).collect();
        let last = *idx.last().expect("non-empty");
        let mut p = self.start[idx[0]];
        for w in idx.windows(2) {
            p *= (1.0 - self.end[w[0]]) * self.next[w[0]][w[1]];
        }
        let ends = idx.len() < MAX_TOUCHES;
        if ends {
            p *= self.end[last];
        }
        let r = self.convert[last];
        p *= if converted { r } else { 1.0 - r };
        if let Some(g) = grad {
            g.iter_mut().for_each(|x| *x = 0.0);
            for c in 0..C {
                if let Some(k) = l.start(c) {
                    g[k] += f64::from(u8::from(idx[0] == c)) - self.start[c];
                }
            }
            for w in idx.windows(2) {
                let (a, b) = (w[0], w[1]);
                g[l.end(a)] -= self.end[a];
                for j in 0..C {
                    if let Some(k) = l.next[a][j] {
                        g[k] += f64::from(u8::from(b == j)) - self.next[a][j];
                    }
                }
            }
            if ends {
                g[l.end(last)] += 1.0 - self.end[last];
            }
            g[l.convert(last)] += if converted { 1.0 - r } else { -r };
        }
        p
    }
}

/// Weighted residuals: objective and, with `normal`, `JᵀWJ` and `JᵀWr`.
fn evaluate(
    l: &Layout,
    theta: &[f64],
    cells: &[CellEstimate],
    n: f64,
    normal: Option<(&mut [f64], &mut [f64])>,
) -> f64 {
    let chain = Chain::new(l, theta);
    let mut grad = vec![0.0; PARAMS];
    let mut obj = 0.0;
    let mut normal = normal;
    if let Some((a, b)) = normal.as_mut() {
        a.iter_mut().for_each(|x| *x = 0.0);
        b.iter_mut().for_each(|x| *x = 0.0);
    }
    for (v, est) in cells.iter().enumerate().take(DOMAIN) {
        let want_grad = normal.is_some();
        let p = chain.cell(l, v, want_grad.then_some(&mut grad[..]));
        let mu = n * p;
        let w = 1.0 / (est.noise_var + mu.max(0.0)).max(1e-9);
        let r = est.count - mu;
        obj += w * r * r;
        if let Some((a, b)) = normal.as_mut() {
            // J_v = μ ∇log π.
            for i in 0..PARAMS {
                let ji = mu * grad[i];
                if ji == 0.0 {
                    continue;
                }
                b[i] += w * ji * r;
                for k in i..PARAMS {
                    a[i * PARAMS + k] += w * ji * mu * grad[k];
                }
            }
        }
    }
    if let Some((a, _)) = normal.as_mut() {
        for i in 0..PARAMS {
            for k in 0..i {
                a[i * PARAMS + k] = a[k * PARAMS + i];
            }
        }
    }
    obj
}

/// Fits the chain; returns `θ̂`, `JᵀWJ` at `θ̂` and the objective.
fn fit(l: &Layout, cells: &[CellEstimate], n: f64) -> (Vec<f64>, Vec<f64>, f64) {
    let mut theta = vec![0.0; PARAMS];
    for c in 0..C {
        theta[l.convert(c)] = -2.0;
    }
    let mut a = vec![0.0; PARAMS * PARAMS];
    let mut b = vec![0.0; PARAMS];
    let mut obj = evaluate(l, &theta, cells, n, Some((&mut a, &mut b)));
    let mut lambda = 1e-3;
    for _ in 0..200 {
        let mut m = a.clone();
        for i in 0..PARAMS {
            m[i * PARAMS + i] += lambda * a[i * PARAMS + i].max(1e-12);
        }
        let mut rhs = b.clone();
        let Some(step) = solve(&mut m, &mut rhs, PARAMS) else {
            lambda *= 10.0;
            continue;
        };
        let trial: Vec<f64> = theta
            .iter()
            .zip(&step)
            .map(|(t, s)| (t + s).clamp(-30.0, 30.0))
            .collect();
        let trial_obj = evaluate(l, &trial, cells, n, None);
        if trial_obj < obj {
            let gain = obj - trial_obj;
            theta = trial;
            obj = evaluate(l, &theta, cells, n, Some((&mut a, &mut b)));
            lambda = (lambda / 3.0).max(1e-9);
            if gain <= 1e-9 * obj.max(1.0) {
                break;
            }
        } else {
            lambda *= 4.0;
            if lambda > 1e12 {
                break;
            }
        }
    }
    (theta, a, obj)
}

/// The attribution of the chain `theta` over `n` journeys.
fn attribution_at(l: &Layout, theta: &[f64], n: f64, value_per_conversion: f64) -> Attribution {
    let chain = Chain::new(l, theta);
    let cells: Vec<f64> = (0..DOMAIN).map(|v| n * chain.cell(l, v, None)).collect();
    summary_of(&cells, value_per_conversion).attribute(&channel_names())
}

/// Attributes the debiased cells of `reports` journeys.
pub fn attribute(cells: &[CellEstimate], reports: u64, value_per_conversion: f64) -> Estimated {
    let l = Layout::new();
    let n = reports as f64;
    let (theta, info, chi2) = fit(&l, cells, n);
    let point = attribution_at(&l, &theta, n, value_per_conversion);
    // Covariance of θ̂: (JᵀWJ)⁻¹, column by column. A parameter the data
    // say nothing about (a logit driven to the clamp) would make the matrix
    // singular: a ridge far below every informed direction keeps it
    // invertible, and such a parameter moves no reported number.
    let ridge = 1e-10
        * (0..PARAMS)
            .map(|i| info[i * PARAMS + i])
            .fold(0.0, f64::max);
    let cov: Vec<Vec<f64>> = (0..PARAMS)
        .map(|k| {
            let mut m = info.clone();
            for i in 0..PARAMS {
                m[i * PARAMS + i] += ridge;
            }
            let mut e = vec![0.0; PARAMS];
            e[k] = 1.0;
            solve(&mut m, &mut e, PARAMS).unwrap_or_else(|| vec![f64::INFINITY; PARAMS])
        })
        .collect();
    // Central differences of every reported number.
    let h = 1e-5;
    let fields =
        |a: &Attribution| -> Vec<[f64; 6]> { a.channels.iter().map(credit_fields).collect() };
    let grads: Vec<Vec<[f64; 6]>> = (0..PARAMS)
        .map(|k| {
            let mut up = theta.clone();
            let mut down = theta.clone();
            up[k] += h;
            down[k] -= h;
            let (fu, fd) = (
                fields(&attribution_at(&l, &up, n, value_per_conversion)),
                fields(&attribution_at(&l, &down, n, value_per_conversion)),
            );
            fu.iter()
                .zip(&fd)
                .map(|(u, d)| std::array::from_fn(|f| (u[f] - d[f]) / (2.0 * h)))
                .collect()
        })
        .collect();
    let z = 1.959_964;
    let intervals = point
        .channels
        .iter()
        .enumerate()
        .map(|(c, credit)| {
            let at = credit_fields(credit);
            let iv = |f: usize, lo: f64, hi: f64| {
                let mut var = 0.0;
                for i in 0..PARAMS {
                    for k in 0..PARAMS {
                        var += grads[i][c][f] * cov[i][k] * grads[k][c][f];
                    }
                }
                let sd = var.max(0.0).sqrt();
                Interval {
                    lo: (at[f] - z * sd).clamp(lo, hi),
                    hi: (at[f] + z * sd).clamp(lo, hi),
                }
            };
            let big = f64::INFINITY;
            CreditIntervals {
                removal_effect: iv(0, 0.0, 1.0),
                markov_conversions: iv(1, 0.0, big),
                markov_value: iv(2, 0.0, big),
                first_touch: iv(3, 0.0, big),
                last_touch: iv(4, 0.0, big),
                linear: iv(5, 0.0, big),
            }
        })
        .collect();
    Estimated {
        point,
        intervals,
        reports,
        fit_chi2: chi2,
        fit_df: DOMAIN - PARAMS,
    }
}

fn credit_fields(c: &ChannelCredit) -> [f64; 6] {
    [
        c.removal_effect,
        c.markov_conversions,
        c.markov_value,
        c.first_touch,
        c.last_touch,
        c.linear,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::synthetic::JourneyModel;

    #[test]
    fn noiseless_cells_give_back_the_true_attribution() {
        let model = JourneyModel::default();
        let n = 100_000.0;
        let cells: Vec<CellEstimate> = model
            .cell_probabilities()
            .iter()
            .map(|p| CellEstimate {
                count: p * n,
                noise_var: 1.0,
            })
            .collect();
        let est = attribute(&cells, n as u64, 1.0);
        let truth = model.truth(n);
        for (e, t) in est.point.channels.iter().zip(&truth.channels) {
            assert!(
                (e.removal_effect - t.removal_effect).abs() < 1e-4,
                "{}: {} vs {}",
                t.channel,
                e.removal_effect,
                t.removal_effect
            );
        }
        assert!(est.fit_chi2 < 1e-3, "chi2 {}", est.fit_chi2);
    }
}
