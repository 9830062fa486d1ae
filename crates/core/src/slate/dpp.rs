//! Diversified selection with a determinantal point process: the fast greedy
//! MAP inference of Chen, Zhang & Zhou (NeurIPS 2018).
//!
//! Kernel `L = Diag(q) · S · Diag(q)` with quality `q_i = exp(α r_i)`,
//! `α = θ / (2(1 − θ))` and `r` the relevance scaled to `[0, 1]`. `S` is
//! `(1 − γ) · V Vᵀ + γ I` over the unit item vectors `V`: a convex mix of two
//! positive semi-definite matrices, so it is PSD, and the small identity
//! share `γ` keeps it full rank, so a slate can be longer than the vector
//! dimension.
//!
//! The greedy step adds the item with the largest marginal gain in
//! `log det L_Y`, which is `log d_i²` in the incremental Cholesky form. Only
//! the kernel rows of the picked items are computed: O(N·M·(dim + N)) for N
//! picks out of M candidates, never the M × M matrix. With a window `w`, the
//! diversity is measured against the last `w − 1` picks only (the sliding
//! window variant for long carousels).

use crate::error::ParamError;
use crate::guard::{ParamGuard, Valid};

/// Unchecked DPP settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DppParams {
    /// Quality/diversity trade-off θ in `[0, 1]`: 1 keeps the relevance
    /// order, smaller values diversify more.
    pub theta: f32,
    /// Identity share γ of the similarity kernel, in `(0, 1]`.
    pub identity: f32,
    /// Sliding window (0 = whole slate).
    pub window: usize,
}

/// θ when a model carries none of its own: the value the trainer chose on
/// the Instacart validation split (`train_tr → train_valid`). The trainer
/// stores its own choice in every model (`PARM.dpp_theta`).
pub const DEFAULT_THETA: f32 = 0.8;

impl Default for DppParams {
    fn default() -> Self {
        Self {
            theta: DEFAULT_THETA,
            identity: 0.1,
            window: 0,
        }
    }
}

/// DPP settings that passed [`ParamGuard::check`].
pub type ValidDpp = Valid<DppParams>;

impl ParamGuard for DppParams {
    /// Validates θ ∈ [0, 1] and γ ∈ (0, 1].
    fn validate(&self) -> Result<(), ParamError> {
        if !(0.0..=1.0).contains(&self.theta) {
            return Err(ParamError::OutOfRange {
                name: "theta",
                value: f64::from(self.theta),
                allowed: "0 <= theta <= 1",
            });
        }
        if self.identity.is_nan() || self.identity <= 0.0 || self.identity > 1.0 {
            return Err(ParamError::OutOfRange {
                name: "identity",
                value: f64::from(self.identity),
                allowed: "0 < identity <= 1",
            });
        }
        if self.window == 1 {
            return Err(ParamError::OutOfRange {
                name: "window",
                value: 1.0,
                allowed: "0 (whole slate) or >= 2",
            });
        }
        Ok(())
    }
}

/// Candidates for one selection: relevance and unit vectors (row-major).
#[derive(Debug, Clone, Copy)]
pub struct Candidates<'c> {
    /// Relevance per candidate (any scale; rescaled to [0, 1]).
    pub relevance: &'c [f32],
    /// Unit vectors, `relevance.len() * dim` values.
    pub vectors: &'c [f32],
    /// Vector dimension (0 = no vectors: pure relevance).
    pub dim: usize,
}

/// Selects up to `n` candidate indices, in pick order.
pub fn select(c: &Candidates<'_>, n: usize, params: &ValidDpp) -> Vec<usize> {
    let p = params.get();
    let m = c.relevance.len();
    let n = n.min(m);
    if n == 0 {
        return Vec::new();
    }
    if p.theta >= 1.0 || c.dim == 0 {
        return relevance_order(c.relevance, n);
    }
    let max = c.relevance.iter().copied().fold(f32::MIN, f32::max);
    let min = c.relevance.iter().copied().fold(f32::MAX, f32::min);
    let span = if max > min { max - min } else { 1.0 };
    let alpha = p.theta / (2.0 * (1.0 - p.theta));
    // Quality in log space, shifted by the maximum so exp() cannot overflow.
    // With w_i = q_i · sqrt(1 − γ) · v_i the kernel is L_ij = w_i · w_j off the
    // diagonal and q_i² on it.
    let root = (1.0 - f64::from(p.identity)).sqrt();
    let dim = c.dim;
    // Vectors scaled by quality (L_ij = w_i · w_j off the diagonal), stored
    // transposed (dim × m) so a kernel row is `dim` contiguous axpy passes.
    let mut w = vec![0.0f32; m * dim];
    let mut diag = vec![0.0f64; m];
    {
        let mut cols: Vec<&mut [f32]> = w.chunks_exact_mut(m.max(1)).take(dim).collect();
        for (i, src) in c.vectors.chunks_exact(dim).enumerate().take(m) {
            let q = f64::from(alpha * ((c.relevance[i] - min) / span - 1.0)).exp();
            diag[i] = q * q;
            let scale = (q * root) as f32;
            for (col, &y) in cols.iter_mut().zip(src) {
                col[i] = y * scale;
            }
        }
    }
    let mut state = Cholesky {
        m,
        rows: Vec::with_capacity(n * m),
        d2: diag.clone(),
        e: vec![0.0; m],
        row: vec![0.0; m],
    };
    let mut picks: Vec<usize> = Vec::with_capacity(n);
    let window = if p.window == 0 { usize::MAX } else { p.window };
    while picks.len() < n {
        // Largest gain (picked items hold −∞); exact ties go to the more relevant.
        let mut j = 0;
        let mut best_d2 = f64::NEG_INFINITY;
        for (i, &d) in state.d2.iter().enumerate() {
            if d > best_d2
                || (d == best_d2 && d > f64::NEG_INFINITY && c.relevance[i] > c.relevance[j])
            {
                j = i;
                best_d2 = d;
            }
        }
        if best_d2 == f64::NEG_INFINITY {
            break;
        }
        if state.d2[j] <= 1e-12 {
            // No room left in the kernel (only if q underflows, since γ > 0):
            // fill by relevance so the slate keeps its size.
            for i in relevance_order(c.relevance, m) {
                if picks.len() == n {
                    break;
                }
                if !picks.contains(&i) {
                    picks.push(i);
                }
            }
            break;
        }
        picks.push(j);
        if picks.len() == n {
            break;
        }
        if picks.len() >= window {
            // Sliding window: rebuild the state over the last `window - 1` picks.
            state.rows.clear();
            state.d2.copy_from_slice(&diag);
            for &r in &picks[picks.len() + 1 - window..] {
                state.extend(r, &w, &diag, dim);
            }
            for &r in &picks {
                state.d2[r] = f64::NEG_INFINITY;
            }
        } else {
            state.extend(j, &w, &diag, dim);
        }
    }
    picks
}

/// Incremental Cholesky state, step-major: `rows[t * m + i]` is the t-th
/// component of c_i, so each update is a run of contiguous axpy passes.
struct Cholesky {
    m: usize,
    rows: Vec<f64>,
    d2: Vec<f64>,
    e: Vec<f64>,
    row: Vec<f32>,
}

impl Cholesky {
    /// One step after picking `j`: e = (L_j· − Σ_t c_j[t] · C[t]) / d_j;
    /// `j` itself is then marked picked (d² = −∞).
    fn extend(&mut self, j: usize, w: &[f32], diag: &[f64], dim: usize) {
        let m = self.m;
        let dj = self.d2[j].max(1e-300).sqrt();
        // Kernel row j in f32: Σ_d w_j[d] · Wᵀ[d].
        self.row.iter_mut().for_each(|x| *x = 0.0);
        for col in w.chunks_exact(m).take(dim) {
            let wjd = col[j];
            for (acc, &x) in self.row.iter_mut().zip(col) {
                *acc += wjd * x;
            }
        }
        let mut e = std::mem::take(&mut self.e);
        for (ei, &x) in e.iter_mut().zip(&self.row) {
            *ei = f64::from(x);
        }
        e[j] = diag[j];
        for t in 0..self.rows.len() / m {
            let row = &self.rows[t * m..(t + 1) * m];
            let cjt = row[j];
            for (ei, &ci) in e.iter_mut().zip(row) {
                *ei -= cjt * ci;
            }
        }
        let inv = 1.0 / dj;
        for (ei, d) in e.iter_mut().zip(self.d2.iter_mut()) {
            *ei *= inv;
            *d -= *ei * *ei;
        }
        self.d2[j] = f64::NEG_INFINITY;
        self.rows.extend_from_slice(&e);
        self.e = e;
    }
}

/// Indices of the `n` most relevant candidates (ties by index).
pub fn relevance_order(relevance: &[f32], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..relevance.len()).collect();
    idx.sort_by(|&a, &b| relevance[b].total_cmp(&relevance[a]).then(a.cmp(&b)));
    idx.truncate(n);
    idx
}

/// A random instance for tests and benchmarks: `m` relevances in `[0, 1)`
/// and `m` unit vectors of dimension `dim`, seeded.
pub fn random_instance(seed: u64, m: usize, dim: usize) -> (Vec<f32>, Vec<f32>) {
    use crate::privacy::exact::{RandomBits, SplitMix64};
    let mut r = SplitMix64(seed);
    let rel: Vec<f32> = (0..m).map(|_| r.unit_f32()).collect();
    let mut v: Vec<f32> = (0..m * dim).map(|_| r.unit_f32() - 0.5).collect();
    for row in v.chunks_mut(dim) {
        let n = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        row.iter_mut().for_each(|x| *x /= n);
    }
    (rel, v)
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Dense kernel, exactly as the module doc defines it.
    fn dense_kernel(rel: &[f32], v: &[f32], dim: usize, theta: f32, gamma: f64) -> Vec<Vec<f64>> {
        let m = rel.len();
        let (max, min) = (
            rel.iter().copied().fold(f32::MIN, f32::max),
            rel.iter().copied().fold(f32::MAX, f32::min),
        );
        let alpha = theta / (2.0 * (1.0 - theta));
        let q: Vec<f64> = rel
            .iter()
            .map(|&r| f64::from(alpha * ((r - min) / (max - min) - 1.0)).exp())
            .collect();
        (0..m)
            .map(|i| {
                (0..m)
                    .map(|j| {
                        let s = if i == j {
                            1.0
                        } else {
                            (1.0 - gamma)
                                * (0..dim)
                                    .map(|k| f64::from(v[i * dim + k]) * f64::from(v[j * dim + k]))
                                    .sum::<f64>()
                        };
                        q[i] * s * q[j]
                    })
                    .collect()
            })
            .collect()
    }

    #[allow(clippy::needless_range_loop)] // textbook Cholesky, indices kept for clarity
    fn log_det(l: &[Vec<f64>], idx: &[usize]) -> f64 {
        // Cholesky of the principal submatrix.
        let k = idx.len();
        let mut c = vec![vec![0.0f64; k]; k];
        let mut ld = 0.0;
        for a in 0..k {
            for b in 0..=a {
                let mut s = l[idx[a]][idx[b]];
                for t in 0..b {
                    s -= c[a][t] * c[b][t];
                }
                if a == b {
                    if s <= 0.0 {
                        return f64::NEG_INFINITY;
                    }
                    c[a][a] = s.sqrt();
                    ld += s.ln();
                } else {
                    c[a][b] = s / c[b][b];
                }
            }
        }
        ld
    }

    /// Greedy MAP by recomputing log det for every candidate at every step.
    fn brute_greedy(l: &[Vec<f64>], n: usize) -> Vec<usize> {
        let mut picks: Vec<usize> = Vec::new();
        while picks.len() < n {
            let mut best = (f64::NEG_INFINITY, usize::MAX);
            for i in 0..l.len() {
                if picks.contains(&i) {
                    continue;
                }
                let mut s = picks.clone();
                s.push(i);
                let v = log_det(l, &s);
                if v > best.0 + 1e-9 {
                    best = (v, i);
                }
            }
            picks.push(best.1);
        }
        picks
    }

    #[test]
    fn matches_brute_force_greedy_on_random_instances() {
        for seed in 0..40u64 {
            let (m, dim, n) = (12 + (seed % 7) as usize, 4, 6);
            let (rel, v) = random_instance(seed, m, dim);
            let theta = 0.3 + 0.1 * (seed % 6) as f32;
            let params = DppParams {
                theta,
                ..Default::default()
            }
            .check()
            .unwrap();
            let fast = select(
                &Candidates {
                    relevance: &rel,
                    vectors: &v,
                    dim,
                },
                n,
                &params,
            );
            let l = dense_kernel(&rel, &v, dim, theta, 0.1);
            let slow = brute_greedy(&l, n);
            assert_eq!(fast, slow, "seed {seed}");
            // log det grows (each pick adds log d² of the chosen item) and every prefix is PD.
            let mut prev = 0.0;
            for k in 1..=n {
                let ld = log_det(&l, &fast[..k]);
                assert!(ld.is_finite(), "seed {seed} prefix {k}");
                let gain = ld - prev;
                // The greedy gain is the best available at that step.
                for i in 0..m {
                    if !fast[..k].contains(&i) {
                        let mut s = fast[..k - 1].to_vec();
                        s.push(i);
                        assert!(log_det(&l, &s) - prev <= gain + 1e-9);
                    }
                }
                prev = ld;
            }
        }
    }

    #[test]
    fn diversifies_near_duplicates() {
        // Items 0 and 1 are near-identical and the most relevant; 2 is different.
        let rel = [1.0, 0.99, 0.8];
        let v = [1.0, 0.0, 0.999, 0.0447, 0.0, 1.0];
        let c = Candidates {
            relevance: &rel,
            vectors: &v,
            dim: 2,
        };
        let div = select(
            &c,
            2,
            &DppParams {
                theta: 0.5,
                ..Default::default()
            }
            .check()
            .unwrap(),
        );
        assert_eq!(div, vec![0, 2]);
        let rel_only = select(
            &c,
            2,
            &DppParams {
                theta: 1.0,
                ..Default::default()
            }
            .check()
            .unwrap(),
        );
        assert_eq!(rel_only, vec![0, 1]);
    }

    #[test]
    fn slates_longer_than_the_vector_dimension_keep_their_size() {
        let (rel, v) = random_instance(3, 50, 2);
        let picks = select(
            &Candidates {
                relevance: &rel,
                vectors: &v,
                dim: 2,
            },
            20,
            &DppParams::default().check().unwrap(),
        );
        assert_eq!(picks.len(), 20);
    }

    #[test]
    fn bad_params_are_named() {
        assert!(DppParams {
            theta: 1.5,
            ..Default::default()
        }
        .check()
        .unwrap_err()
        .to_string()
        .contains("theta"));
        assert!(DppParams {
            identity: 0.0,
            ..Default::default()
        }
        .check()
        .is_err());
        assert!(DppParams {
            window: 1,
            ..Default::default()
        }
        .check()
        .is_err());
    }

    #[test]
    fn sliding_window_allows_repeats_of_a_style_after_the_window() {
        // Two tight clusters; cluster A far more relevant. Whole-slate DPP alternates
        // clusters; the window only forbids similarity to the last pick.
        let rel = [1.0, 0.98, 0.96, 0.94, 0.5, 0.49];
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 1.0];
        let v: Vec<f32> = [a, a, a, a, b, b].concat();
        let c = Candidates {
            relevance: &rel,
            vectors: &v,
            dim: 2,
        };
        let full = select(
            &c,
            4,
            &DppParams {
                theta: 0.6,
                window: 0,
                ..Default::default()
            }
            .check()
            .unwrap(),
        );
        let windowed = select(
            &c,
            4,
            &DppParams {
                theta: 0.6,
                window: 2,
                ..Default::default()
            }
            .check()
            .unwrap(),
        );
        // Whole slate: B gets in once, then A's relevance wins again.
        assert_eq!(full, vec![0, 4, 1, 2]);
        let rel_only = select(
            &c,
            4,
            &DppParams {
                theta: 1.0,
                ..Default::default()
            }
            .check()
            .unwrap(),
        );
        assert!(rel_only.iter().all(|&i| i < 4), "{rel_only:?}");
        // With window 2 each pick avoids only the previous one: A, B, A, B.
        assert_eq!(windowed, vec![0, 4, 1, 5]);
    }

    proptest! {
        #[test]
        fn invariants(seed in 0u64..10_000, m in 1usize..40, n in 0usize..25, theta in 0.0f32..=1.0, window in prop::sample::select(vec![0usize, 2, 3, 5])) {
            let (rel, v) = random_instance(seed, m, 3);
            let params = DppParams { theta, window, ..Default::default() }.check().unwrap();
            let c = Candidates { relevance: &rel, vectors: &v, dim: 3 };
            let a = select(&c, n, &params);
            prop_assert_eq!(a.len(), n.min(m));
            let mut s = a.clone();
            s.sort_unstable();
            s.dedup();
            prop_assert_eq!(s.len(), a.len(), "duplicates");
            prop_assert!(a.iter().all(|&i| i < m));
            prop_assert_eq!(&a, &select(&c, n, &params), "deterministic");
        }

        #[test]
        fn theta_near_one_reproduces_relevance_order(seed in 0u64..10_000, m in 2usize..30) {
            let (rel, v) = random_instance(seed, m, 3);
            let picks = select(&Candidates { relevance: &rel, vectors: &v, dim: 3 }, m.min(10), &DppParams { theta: 0.9999, ..Default::default() }.check().unwrap());
            let expect = relevance_order(&rel, m.min(10));
            prop_assert_eq!(picks, expect);
        }
    }
}
