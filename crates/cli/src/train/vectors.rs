//! Item vectors for similarity (they feed the DPP kernel): a truncated SVD,
//! by randomized subspace iteration, of the item × feature matrix whose
//! features are the normalised co-occurrence row (behaviour) plus the item's
//! category and parent category (content, so cold items still get a vector).

use super::Counts;
use xsell_core::privacy::exact::{RandomBits, SplitMix64};
use xsell_core::ItemRecord;

fn orthonormalize(cols: &mut [Vec<f32>]) {
    for k in 0..cols.len() {
        for j in 0..k {
            let dot: f32 = cols[k].iter().zip(&cols[j]).map(|(a, b)| a * b).sum();
            let (head, tail) = cols.split_at_mut(k);
            for (x, y) in tail[0].iter_mut().zip(&head[j]) {
                *x -= dot * y;
            }
        }
        let norm = cols[k].iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 1e-12 {
            cols[k].iter_mut().for_each(|x| *x /= norm);
        }
    }
}

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi.
/// Returns (eigenvalues, eigenvectors as columns).
#[allow(clippy::needless_range_loop)] // rotations index rows and columns symmetrically
fn jacobi(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let d = a.len();
    let mut v = vec![vec![0.0; d]; d];
    for (k, row) in v.iter_mut().enumerate() {
        row[k] = 1.0;
    }
    for _sweep in 0..60 {
        let off: f64 = (0..d)
            .flat_map(|p| (0..d).filter(move |&q| q != p).map(move |q| (p, q)))
            .map(|(p, q)| a[p][q] * a[p][q])
            .sum();
        if off < 1e-18 {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                if a[p][q].abs() < 1e-30 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..d {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vp, vq) = (row[p], row[q]);
                    row[p] = c * vp - s * vq;
                    row[q] = s * vp + c * vq;
                }
            }
        }
    }
    ((0..d).map(|k| a[k][k]).collect(), v)
}

/// Computes unit-length item vectors of dimension `dim`, row-major.
pub fn item_vectors(counts: &Counts, items: &[ItemRecord], dim: usize, seed: u64) -> Vec<f32> {
    let n = items.len();
    let n_cat = items
        .iter()
        .filter_map(|i| i.category)
        .map(|c| c as usize + 1)
        .max()
        .unwrap_or(0);
    // Sparse rows: co-occurrence columns 0..n, category columns n..n+n_cat.
    let rows: Vec<Vec<(u32, f32)>> = (0..n)
        .map(|i| {
            let ci = counts.item_sessions[i].max(1) as f32;
            let mut r: Vec<(u32, f32)> = counts.co[i]
                .iter()
                .map(|(&j, &c)| {
                    (
                        j,
                        c as f32 / (ci * counts.item_sessions[j as usize].max(1) as f32).sqrt(),
                    )
                })
                .collect();
            // Column order, so that every sum below is taken in the same
            // order on every run (the map's iteration order is random).
            r.sort_unstable_by_key(|x| x.0);
            let total: f32 = r.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt();
            if total > 0.0 {
                r.iter_mut().for_each(|x| x.1 /= total);
            }
            if let Some(c) = items[i].category {
                r.push((n as u32 + u32::from(c), 0.6));
            }
            r
        })
        .collect();
    let m = n + n_cat;
    let d = dim.min(n.max(1));
    // A reproducible random start in [-0.5, 0.5).
    let mut rng = SplitMix64(seed);
    let mut q: Vec<Vec<f32>> = (0..d)
        .map(|_| {
            (0..n)
                .map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
                .collect()
        })
        .collect();
    // X^T q as an m × d row-major table: each entry of X adds a d-wide row
    // at once (one cache line for d = 16) instead of touching d columns.
    let mul_t = |q: &[Vec<f32>]| -> Vec<f32> {
        let d = q.len();
        let mut t = vec![0.0f32; m * d];
        let mut qi = vec![0.0f32; d];
        for (i, row) in rows.iter().enumerate() {
            for (x, col) in qi.iter_mut().zip(q) {
                *x = col[i];
            }
            for &(c, v) in row {
                let out = &mut t[c as usize * d..(c as usize + 1) * d];
                for (o, x) in out.iter_mut().zip(&qi) {
                    *o += v * x;
                }
            }
        }
        t
    };
    // X t, back as d columns of length n.
    let mul = |t: &[f32]| -> Vec<Vec<f32>> {
        let mut y = vec![vec![0.0f32; n]; d];
        let mut acc = vec![0.0f32; d];
        for (i, row) in rows.iter().enumerate() {
            acc.iter_mut().for_each(|a| *a = 0.0);
            for &(c, v) in row {
                let tc = &t[c as usize * d..(c as usize + 1) * d];
                for (a, x) in acc.iter_mut().zip(tc) {
                    *a += v * x;
                }
            }
            for (col, a) in y.iter_mut().zip(&acc) {
                col[i] = *a;
            }
        }
        y
    };
    orthonormalize(&mut q);
    for _ in 0..4 {
        q = mul(&mul_t(&q));
        orthonormalize(&mut q);
    }
    // B = Q^T X (d x m, stored m × d); eigen-decompose B B^T (d x d).
    let b = mul_t(&q);
    let mut bbt = vec![vec![0.0f64; d]; d];
    for bc in b.chunks_exact(d) {
        for (r, row) in bbt.iter_mut().enumerate() {
            let x = f64::from(bc[r]);
            for (cell, y) in row.iter_mut().zip(bc) {
                *cell += x * f64::from(*y);
            }
        }
    }
    let (vals, vecs) = jacobi(bbt);
    let mut out = vec![0.0f32; n * dim];
    for i in 0..n {
        for k in 0..d {
            let scale = vals[k].max(0.0).powf(0.25) as f32;
            let u: f32 = (0..d).map(|r| q[r][i] * vecs[r][k] as f32).sum();
            out[i * dim + k] = u * scale;
        }
        let row = &mut out[i * dim..(i + 1) * dim];
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|x| *x /= norm);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn jacobi_diagonalizes() {
        let (vals, vecs) = jacobi(vec![vec![2.0, 1.0], vec![1.0, 2.0]]);
        let mut v = vals.clone();
        v.sort_by(f64::total_cmp);
        assert!((v[0] - 1.0).abs() < 1e-9 && (v[1] - 3.0).abs() < 1e-9);
        let dot = vecs[0][0] * vecs[0][1] + vecs[1][0] * vecs[1][1];
        assert!(dot.abs() < 1e-9);
    }

    #[test]
    fn items_bought_together_get_close_vectors() {
        // Two clusters {0,1,2} and {3,4,5}, bought within their cluster only.
        let mut co = vec![HashMap::new(); 6];
        for g in [[0u32, 1, 2], [3, 4, 5]] {
            for &a in &g {
                for &b in &g {
                    if a != b {
                        co[a as usize].insert(b, 10);
                    }
                }
            }
        }
        let counts = Counts {
            item_sessions: vec![10; 6],
            co,
            seq: vec![HashMap::new(); 6],
        };
        let items = vec![ItemRecord::default(); 6];
        // Each 3-clique's rows have singular values 2a, a, a: the two dominant
        // directions are exactly the clusters, so with d = 2 items within a
        // cluster coincide and the clusters are orthogonal.
        let v = item_vectors(&counts, &items, 2, 1);
        let cos = |a: usize, b: usize| (0..2).map(|k| v[a * 2 + k] * v[b * 2 + k]).sum::<f32>();
        for (a, b) in [(0, 1), (1, 2), (3, 4), (4, 5)] {
            assert!(cos(a, b) > 0.99, "cos({a},{b}) = {}", cos(a, b));
        }
        for (a, b) in [(0, 3), (1, 4), (2, 5)] {
            assert!(cos(a, b).abs() < 0.05, "cos({a},{b}) = {}", cos(a, b));
        }
    }

    #[test]
    fn the_vectors_do_not_depend_on_the_maps_iteration_order() {
        // Each map gets its own random hasher keys, so the same counts built
        // twice iterate in different orders; the vectors must agree bit for bit.
        let build = || {
            let mut co = vec![HashMap::new(); 40];
            for a in 0..40u32 {
                for b in 0..40u32 {
                    if a != b && (a * 7 + b * 3) % 5 < 2 {
                        co[a as usize].insert(b, 1 + (a * b) % 13);
                    }
                }
            }
            Counts {
                item_sessions: (0..40).map(|i| 5 + i % 9).collect(),
                co,
                seq: vec![HashMap::new(); 40],
            }
        };
        let items = vec![ItemRecord::default(); 40];
        let first = item_vectors(&build(), &items, 8, 3);
        for _ in 0..5 {
            let again = item_vectors(&build(), &items, 8, 3);
            assert!(first
                .iter()
                .zip(&again)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
}
