//! LambdaMART: gradient-boosted regression trees with LambdaRank gradients
//! (Burges 2010, "From RankNet to LambdaRank to LambdaMART"), grown leaf-wise
//! over feature histograms as LightGBM does (Ke et al. 2017).
//!
//! The trees it writes are [`xsell_core::rank::Forest`]s, the form the
//! browser scores: a split sends `x` left when `x[f] <= threshold`, and the
//! thresholds are feature values seen in training, so the binned training
//! view and the float scoring view agree exactly. Training is deterministic:
//! no sampling, and every reduction runs in a fixed order.

use indicatif::ProgressBar;
use rayon::prelude::*;
use std::io::{self, BufRead, Write};
use xsell_core::rank::{Forest, Node, Tree};

/// Queries of candidates with features and graded labels: the training or
/// validation data of a ranker.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RankData {
    /// Features per row.
    pub n_features: usize,
    /// Row-major features, `n_rows * n_features`.
    pub features: Vec<f32>,
    /// Relevance per row (0 = not relevant).
    pub labels: Vec<f32>,
    /// Query boundaries: query `q` holds rows `groups[q]..groups[q + 1]`.
    pub groups: Vec<u32>,
}

impl RankData {
    /// No queries yet.
    pub fn new(n_features: usize) -> Self {
        Self {
            n_features,
            features: Vec::new(),
            labels: Vec::new(),
            groups: vec![0],
        }
    }

    /// Appends one query (`features` holds `labels.len()` rows).
    pub fn push_query(&mut self, features: &[f32], labels: &[f32]) {
        assert_eq!(features.len(), labels.len() * self.n_features);
        self.features.extend_from_slice(features);
        self.labels.extend_from_slice(labels);
        self.groups.push(self.labels.len() as u32);
    }

    /// Number of queries.
    pub fn n_queries(&self) -> usize {
        self.groups.len() - 1
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// Rows of query `q`.
    pub fn query(&self, q: usize) -> std::ops::Range<usize> {
        self.groups[q] as usize..self.groups[q + 1] as usize
    }

    /// Row `r`'s features.
    pub fn row(&self, r: usize) -> &[f32] {
        &self.features[r * self.n_features..(r + 1) * self.n_features]
    }

    /// Writes the rows in SVMlight form (`label qid:Q 1:x1 2:x2 …`, every
    /// feature written, 1-based) for other rankers (LightGBM, XGBoost).
    pub fn write_svmlight(&self, out: &mut impl Write) -> io::Result<()> {
        for q in 0..self.n_queries() {
            for r in self.query(q) {
                write!(out, "{} qid:{q}", self.labels[r])?;
                for (f, x) in self.row(r).iter().enumerate() {
                    write!(out, " {}:{x}", f + 1)?;
                }
                writeln!(out)?;
            }
        }
        Ok(())
    }

    /// Reads what [`RankData::write_svmlight`] writes (missing features are
    /// 0; a `#` starts a comment).
    pub fn read_svmlight(input: impl BufRead, n_features: usize) -> Result<Self, String> {
        let mut data = Self::new(n_features);
        let mut qid: Option<String> = None;
        let mut row = vec![0.0f32; n_features];
        for (k, line) in input.lines().enumerate() {
            let line = line.map_err(|e| format!("line {}: {e}", k + 1))?;
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = |what: &str| format!("line {}: {what}", k + 1);
            let mut parts = line.split_whitespace();
            let label: f32 = parts
                .next()
                .and_then(|l| l.parse().ok())
                .ok_or_else(|| bad("the label is not a number"))?;
            let q = parts
                .next()
                .and_then(|p| p.strip_prefix("qid:"))
                .ok_or_else(|| bad("no qid: after the label"))?;
            if qid.as_deref() != Some(q) {
                if qid.is_some() {
                    data.groups.push(data.labels.len() as u32);
                }
                qid = Some(q.to_string());
            }
            row.fill(0.0);
            for p in parts {
                let (f, x) = p
                    .split_once(':')
                    .ok_or_else(|| bad("a feature without ':'"))?;
                let f: usize = f
                    .parse()
                    .map_err(|_| bad("a feature index is not a number"))?;
                let x: f32 = x
                    .parse()
                    .map_err(|_| bad("a feature value is not a number"))?;
                if f == 0 || f > n_features {
                    return Err(bad(&format!("feature {f} outside 1..={n_features}")));
                }
                row[f - 1] = x;
            }
            data.features.extend_from_slice(&row);
            data.labels.push(label);
        }
        if qid.is_some() {
            data.groups.push(data.labels.len() as u32);
        }
        Ok(data)
    }
}

/// The trainer's settings: 31 leaves and 20 rows per leaf as LightGBM's
/// defaults; unlike them, truncation 20 (LightGBM: 30), L2 1.0 (LightGBM:
/// 0), learning rate 0.05 (0.1), 63 bins (255), and early stopping on
/// validation MRR@20.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LambdaMartParams {
    /// Most boosting rounds.
    pub trees: usize,
    /// Most leaves per tree.
    pub max_leaves: usize,
    /// Deepest leaf.
    pub max_depth: usize,
    /// Shrinkage of every leaf value.
    pub learning_rate: f32,
    /// Fewest rows in a leaf.
    pub min_data_in_leaf: usize,
    /// Smallest hessian sum in a leaf.
    pub min_sum_hessian: f64,
    /// Most bins per feature (at most 256).
    pub max_bins: usize,
    /// Stop after this many rounds without a better validation MRR@20 and
    /// keep the best round (0: run every round, keep them all).
    pub early_stopping: usize,
    /// Pairs are formed only where one side ranks in the top `truncation`.
    pub truncation: usize,
    /// L2 penalty on leaf values.
    pub lambda_l2: f64,
    /// Steepness of the pairwise logistic loss.
    pub sigma: f64,
}

impl Default for LambdaMartParams {
    fn default() -> Self {
        Self {
            trees: 300,
            max_leaves: 31,
            max_depth: 8,
            learning_rate: 0.05,
            min_data_in_leaf: 20,
            min_sum_hessian: 1e-3,
            max_bins: 63,
            early_stopping: 30,
            truncation: 20,
            lambda_l2: 1.0,
            sigma: 1.0,
        }
    }
}

/// What one training run did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrainLog {
    /// Trees kept (the best validation round).
    pub trees: usize,
    /// Validation MRR@20 after each round (round 0 = all scores equal).
    pub valid_mrr20: Vec<f64>,
    /// The round kept.
    pub best_iteration: usize,
    /// Wall time.
    pub seconds: f64,
}

/// MRR@k and NDCG@k of `score` over `data` (queries without a relevant row
/// count as 0). Ties keep row order, as a stable sort of the candidates does.
pub fn mrr_ndcg_at(data: &RankData, k: usize, score: impl Fn(usize) -> f32) -> (f64, f64) {
    let n = data.n_queries();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mut mrr = 0.0;
    let mut ndcg = 0.0;
    for q in 0..n {
        let rows = data.query(q);
        let scores: Vec<f32> = rows.clone().map(&score).collect();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let labels: Vec<f32> = order.iter().map(|&k| data.labels[rows.start + k]).collect();
        if let Some(p) = labels.iter().take(k).position(|&l| l > 0.0) {
            mrr += 1.0 / (p + 1) as f64;
        }
        let best = ideal_dcg(&labels, k);
        if best > 0.0 {
            ndcg += dcg(&labels, k) / best;
        }
    }
    (mrr / n as f64, ndcg / n as f64)
}

fn gain(label: f32) -> f64 {
    2f64.powf(f64::from(label)) - 1.0
}

fn discount(rank: usize) -> f64 {
    1.0 / (rank as f64 + 2.0).log2()
}

fn dcg(labels: &[f32], k: usize) -> f64 {
    labels
        .iter()
        .take(k)
        .enumerate()
        .map(|(r, &l)| gain(l) * discount(r))
        .sum()
}

fn ideal_dcg(labels: &[f32], k: usize) -> f64 {
    let mut sorted = labels.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    dcg(&sorted, k)
}

/// LambdaRank gradients and hessians of one query at `scores`, written into
/// `grad` and `hess` (each `scores.len()` long): for every pair with
/// different labels where one side ranks in the top `truncation`, the
/// pairwise logistic loss `log(1 + e^{-σ(s_hi − s_lo)})` weighted by the
/// pair's |ΔNDCG|. `normalise` applies LightGBM's per-query scaling.
pub fn lambdas(
    scores: &[f64],
    labels: &[f32],
    truncation: usize,
    sigma: f64,
    normalise: bool,
    grad: &mut [f64],
    hess: &mut [f64],
) {
    grad.fill(0.0);
    hess.fill(0.0);
    for (h, l, weight) in pair_weights(scores, labels, truncation) {
        let p = 1.0 / (1.0 + (sigma * (scores[h] - scores[l])).exp());
        let g = sigma * p * weight;
        let hh = sigma * sigma * p * (1.0 - p) * weight;
        grad[h] -= g;
        grad[l] += g;
        hess[h] += hh;
        hess[l] += hh;
    }
    if normalise {
        let sum: f64 = grad.iter().map(|g| g.abs()).sum::<f64>() / 2.0;
        if sum > 0.0 {
            let f = (1.0 + sum).log2() / sum;
            grad.iter_mut().for_each(|g| *g *= f);
            hess.iter_mut().for_each(|h| *h *= f);
        }
    }
}

/// The pairs `(higher label, lower label, |ΔNDCG|)` of one query at `scores`.
fn pair_weights(scores: &[f64], labels: &[f32], truncation: usize) -> Vec<(usize, usize, f64)> {
    let n = scores.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let sorted: Vec<f32> = order.iter().map(|&r| labels[r]).collect();
    let best = ideal_dcg(&sorted, n);
    let mut pairs = Vec::new();
    if best <= 0.0 {
        return pairs;
    }
    for i in 0..n.min(truncation) {
        for j in i + 1..n {
            let (a, b) = (order[i], order[j]);
            if labels[a] == labels[b] {
                continue;
            }
            let (h, l) = if labels[a] > labels[b] {
                (a, b)
            } else {
                (b, a)
            };
            let delta = (gain(labels[a]) - gain(labels[b])).abs()
                * (discount(i) - discount(j)).abs()
                / best;
            pairs.push((h, l, delta));
        }
    }
    pairs
}

/// Bin boundaries of one feature: a value goes to the first bin whose
/// boundary is `>=` it, or to the last bin.
#[derive(Debug, Clone)]
struct Bins {
    bounds: Vec<f32>,
}

impl Bins {
    /// Boundaries from the feature's values: every distinct value when there
    /// are few, else values at evenly spaced quantiles.
    fn fit(values: &mut [f32], max_bins: usize) -> Self {
        values.sort_by(f32::total_cmp);
        let mut distinct = values.to_vec();
        distinct.dedup();
        // The largest value needs no boundary of its own.
        distinct.pop();
        let bounds = if distinct.len() < max_bins {
            distinct
        } else {
            let mut b: Vec<f32> = (1..max_bins)
                .map(|k| values[k * values.len() / max_bins])
                .filter(|v| Some(v) != values.last())
                .collect();
            b.dedup();
            b
        };
        Self { bounds }
    }

    fn bin(&self, x: f32) -> u8 {
        self.bounds.partition_point(|&b| b < x) as u8
    }

    fn n_bins(&self) -> usize {
        self.bounds.len() + 1
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    g: f64,
    h: f64,
    n: u32,
}

/// A leaf being grown: its rows (a range of the row permutation), sums,
/// histograms and best split.
#[derive(Debug, Clone)]
struct Leaf {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    g: f64,
    h: f64,
    hist: Vec<Vec<Cell>>,
    split: Option<Split>,
}

#[derive(Debug, Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    bin: usize,
}

struct Grower<'a> {
    bins: &'a [Bins],
    /// Row-major bins: row `r`'s at `binned[r * n_features ..]`.
    binned: &'a [u8],
    grad: &'a [f64],
    hess: &'a [f64],
    params: &'a LambdaMartParams,
}

impl Grower<'_> {
    /// The leaf's histograms: one pass over its rows per fixed-size chunk
    /// (chunks in parallel, summed in order, so the sums do not depend on
    /// the number of threads).
    fn histogram(&self, rows: &[u32]) -> Vec<Vec<Cell>> {
        const CHUNK: usize = 1 << 14;
        let nf = self.bins.len();
        let empty = || -> Vec<Vec<Cell>> {
            self.bins
                .iter()
                .map(|b| vec![Cell::default(); b.n_bins()])
                .collect()
        };
        let parts: Vec<Vec<Vec<Cell>>> = rows
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut h = empty();
                for &r in chunk {
                    let r = r as usize;
                    let (g, hs) = (self.grad[r], self.hess[r]);
                    for (f, &b) in self.binned[r * nf..(r + 1) * nf].iter().enumerate() {
                        let c = &mut h[f][b as usize];
                        c.g += g;
                        c.h += hs;
                        c.n += 1;
                    }
                }
                h
            })
            .collect();
        let mut total = empty();
        for part in parts {
            for (t, p) in total.iter_mut().zip(part) {
                for (t, p) in t.iter_mut().zip(p) {
                    t.g += p.g;
                    t.h += p.h;
                    t.n += p.n;
                }
            }
        }
        total
    }

    fn score(&self, g: f64, h: f64) -> f64 {
        g * g / (h + self.params.lambda_l2)
    }

    fn best_split(&self, leaf: &Leaf) -> Option<Split> {
        let p = self.params;
        let n = (leaf.end - leaf.start) as u32;
        if leaf.depth >= p.max_depth || (n as usize) < 2 * p.min_data_in_leaf {
            return None;
        }
        let parent = self.score(leaf.g, leaf.h);
        let mut best: Option<Split> = None;
        for (f, hist) in leaf.hist.iter().enumerate() {
            let (mut g, mut h, mut c) = (0.0, 0.0, 0u32);
            for (b, cell) in hist.iter().enumerate().take(hist.len() - 1) {
                g += cell.g;
                h += cell.h;
                c += cell.n;
                if (c as usize) < p.min_data_in_leaf || h < p.min_sum_hessian {
                    continue;
                }
                if ((n - c) as usize) < p.min_data_in_leaf || leaf.h - h < p.min_sum_hessian {
                    break;
                }
                let gain = self.score(g, h) + self.score(leaf.g - g, leaf.h - h) - parent;
                if gain > 1e-12 && best.is_none_or(|s| gain > s.gain) {
                    best = Some(Split {
                        gain,
                        feature: f,
                        bin: b,
                    });
                }
            }
        }
        best
    }

    fn leaf_value(&self, g: f64, h: f64) -> f32 {
        (-g / (h + self.params.lambda_l2) * f64::from(self.params.learning_rate)) as f32
    }

    /// Grows one tree over `rows` (reordered in place); adds its value to
    /// `scores` of the training rows.
    fn grow(&self, rows: &mut [u32], scores: &mut [f64]) -> Tree {
        let (g, h) = rows.iter().fold((0.0, 0.0), |(g, h), &r| {
            (g + self.grad[r as usize], h + self.hess[r as usize])
        });
        let mut root = Leaf {
            node: 0,
            start: 0,
            end: rows.len(),
            depth: 0,
            g,
            h,
            hist: self.histogram(rows),
            split: None,
        };
        root.split = self.best_split(&root);
        let mut nodes = vec![Node::Leaf(0.0)];
        let mut leaves = vec![root];
        while leaves.len() < self.params.max_leaves {
            let Some(k) = (0..leaves.len())
                .filter(|&k| leaves[k].split.is_some())
                .max_by(|&a, &b| {
                    let (ga, gb) = (leaves[a].split.unwrap().gain, leaves[b].split.unwrap().gain);
                    // The earlier leaf wins ties, for determinism.
                    ga.total_cmp(&gb).then(b.cmp(&a))
                })
            else {
                break;
            };
            let leaf = leaves.swap_remove(k);
            let s = leaf.split.expect("filtered");
            let nf = self.bins.len();
            let range = &mut rows[leaf.start..leaf.end];
            let mid = leaf.start
                + partition(range, |r| {
                    self.binned[r as usize * nf + s.feature] as usize <= s.bin
                });
            let left_n = mid - leaf.start;
            let right_n = leaf.end - mid;
            let (small_range, small_is_left) = if left_n <= right_n {
                (leaf.start..mid, true)
            } else {
                (mid..leaf.end, false)
            };
            let small = self.histogram(&rows[small_range]);
            let large: Vec<Vec<Cell>> = leaf
                .hist
                .iter()
                .zip(&small)
                .map(|(p, s)| {
                    p.iter()
                        .zip(s)
                        .map(|(p, s)| Cell {
                            g: p.g - s.g,
                            h: p.h - s.h,
                            n: p.n - s.n,
                        })
                        .collect()
                })
                .collect();
            let (lh, rh) = if small_is_left {
                (small, large)
            } else {
                (large, small)
            };
            let sums = |hist: &Vec<Vec<Cell>>| {
                hist[0]
                    .iter()
                    .fold((0.0, 0.0), |(g, h), c| (g + c.g, h + c.h))
            };
            let left_idx = nodes.len();
            nodes.push(Node::Leaf(0.0));
            nodes.push(Node::Leaf(0.0));
            nodes[leaf.node] = Node::Split {
                feature: s.feature as u8,
                threshold: self.bins[s.feature].bounds[s.bin],
                left: left_idx as u16,
                right: (left_idx + 1) as u16,
            };
            for (node, start, end, hist) in [
                (left_idx, leaf.start, mid, lh),
                (left_idx + 1, mid, leaf.end, rh),
            ] {
                let (g, h) = sums(&hist);
                let mut child = Leaf {
                    node,
                    start,
                    end,
                    depth: leaf.depth + 1,
                    g,
                    h,
                    hist,
                    split: None,
                };
                child.split = self.best_split(&child);
                leaves.push(child);
            }
        }
        for leaf in &leaves {
            let v = self.leaf_value(leaf.g, leaf.h);
            nodes[leaf.node] = Node::Leaf(v);
            for &r in &rows[leaf.start..leaf.end] {
                scores[r as usize] += f64::from(v);
            }
        }
        Tree { nodes }
    }
}

/// Stable partition: rows where `left` holds first; returns their count.
fn partition(rows: &mut [u32], left: impl Fn(u32) -> bool) -> usize {
    let (l, r): (Vec<u32>, Vec<u32>) = rows.iter().partition(|&&x| left(x));
    rows[..l.len()].copy_from_slice(&l);
    rows[l.len()..].copy_from_slice(&r);
    l.len()
}

/// Trains a forest on `train`, stopping early on `valid`'s MRR@20 (the
/// forest keeps the best round). `progress` counts rounds.
pub fn train(
    train: &RankData,
    valid: &RankData,
    params: &LambdaMartParams,
    feature_set: u16,
    progress: &ProgressBar,
) -> (Forest, TrainLog) {
    let (forest, log, _) = boost(train, valid, params, feature_set, progress);
    (forest, log)
}

/// [`train`], also returning the training rows' scores after every round
/// (the binned view's, before the forest is cut back to its best round).
fn boost(
    train: &RankData,
    valid: &RankData,
    params: &LambdaMartParams,
    feature_set: u16,
    progress: &ProgressBar,
) -> (Forest, TrainLog, Vec<f64>) {
    let t0 = std::time::Instant::now();
    let nf = train.n_features;
    assert!(nf <= usize::from(u8::MAX), "feature index fits a byte");
    assert!((2..=256).contains(&params.max_bins));
    let n = train.n_rows();
    let bins: Vec<Bins> = (0..nf)
        .into_par_iter()
        .map(|f| {
            let mut col: Vec<f32> = (0..n).map(|r| train.features[r * nf + f]).collect();
            Bins::fit(&mut col, params.max_bins)
        })
        .collect();
    let binned: Vec<u8> = train
        .features
        .par_iter()
        .enumerate()
        .map(|(k, &x)| bins[k % nf].bin(x))
        .collect();
    let mut scores = vec![0.0f64; n];
    let mut grad = vec![0.0f64; n];
    let mut hess = vec![0.0f64; n];
    let mut valid_scores = vec![0.0f32; valid.n_rows()];
    let mrr = |s: &[f32]| mrr_ndcg_at(valid, 20, |r| s[r]).0;
    let mut log = TrainLog {
        trees: 0,
        valid_mrr20: vec![mrr(&valid_scores)],
        best_iteration: 0,
        seconds: 0.0,
    };
    let mut trees: Vec<Tree> = Vec::new();
    let mut rows: Vec<u32> = (0..n as u32).collect();
    progress.set_length(params.trees as u64);
    progress.set_position(0);
    for round in 1..=params.trees {
        let parts: Vec<(usize, Vec<f64>, Vec<f64>)> = (0..train.n_queries())
            .into_par_iter()
            .map(|q| {
                let r = train.query(q);
                let len = r.len();
                let (mut g, mut h) = (vec![0.0; len], vec![0.0; len]);
                lambdas(
                    &scores[r.clone()],
                    &train.labels[r.clone()],
                    params.truncation,
                    params.sigma,
                    true,
                    &mut g,
                    &mut h,
                );
                (r.start, g, h)
            })
            .collect();
        for (start, g, h) in parts {
            grad[start..start + g.len()].copy_from_slice(&g);
            hess[start..start + h.len()].copy_from_slice(&h);
        }
        let grower = Grower {
            bins: &bins,
            binned: &binned,
            grad: &grad,
            hess: &hess,
            params,
        };
        let tree = grower.grow(&mut rows, &mut scores);
        valid_scores
            .par_iter_mut()
            .enumerate()
            .for_each(|(r, s)| *s += tree.eval(valid.row(r)));
        trees.push(tree);
        let m = mrr(&valid_scores);
        log.valid_mrr20.push(m);
        if params.early_stopping == 0 || m > log.valid_mrr20[log.best_iteration] + 1e-12 {
            log.best_iteration = round;
        }
        progress.inc(1);
        if params.early_stopping > 0 && round - log.best_iteration >= params.early_stopping {
            break;
        }
    }
    trees.truncate(log.best_iteration);
    log.trees = trees.len();
    log.seconds = t0.elapsed().as_secs_f64();
    let forest = Forest {
        feature_set,
        n_features: nf as u16,
        base: 0.0,
        trees,
    };
    (forest, log, scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The pairwise loss whose gradient [`lambdas`] is, with the pair
    /// weights frozen at `at`.
    fn frozen_loss(s: &[f64], at: &[f64], labels: &[f32], sigma: f64) -> f64 {
        pair_weights(at, labels, 20)
            .into_iter()
            .map(|(h, l, w)| w * (1.0 + (-sigma * (s[h] - s[l])).exp()).ln())
            .sum()
    }

    #[test]
    fn lambdas_are_the_gradient_and_hessian_of_the_pairwise_loss() {
        let scores = [0.3, -1.2, 0.8, 0.1, 2.0, -0.4];
        let labels = [0.0, 2.0, 1.0, 0.0, 0.0, 1.0];
        let sigma = 1.5;
        let (mut g, mut h) = ([0.0; 6], [0.0; 6]);
        lambdas(&scores, &labels, 20, sigma, false, &mut g, &mut h);
        let eps = 1e-5;
        for k in 0..6 {
            let at = |d: f64| {
                let mut s = scores;
                s[k] += d;
                frozen_loss(&s, &scores, &labels, sigma)
            };
            let fd = (at(eps) - at(-eps)) / (2.0 * eps);
            let fd2 = (at(eps) - 2.0 * at(0.0) + at(-eps)) / (eps * eps);
            assert!((fd - g[k]).abs() < 1e-6, "grad {k}: {fd} vs {}", g[k]);
            assert!((fd2 - h[k]).abs() < 1e-3, "hess {k}: {fd2} vs {}", h[k]);
        }
        assert!(g.iter().sum::<f64>().abs() < 1e-12, "pairs cancel");
    }

    #[test]
    fn truncation_drops_pairs_below_the_top() {
        let scores = [3.0, 2.0, 1.0, 0.0];
        let labels = [0.0, 0.0, 0.0, 1.0];
        let (mut g, mut h) = ([0.0; 4], [0.0; 4]);
        lambdas(&scores, &labels, 1, 1.0, false, &mut g, &mut h);
        // Only the pair with the top row is formed.
        assert!(g[0] > 0.0 && g[1] == 0.0 && g[2] == 0.0 && g[3] < 0.0);
    }

    /// Queries of 20 candidates, two uniform features, the relevant one
    /// where `x0 > 0.5` differs from `x1 > 0.5` (no linear model finds it),
    /// plus a third, useless feature.
    fn xor_data(queries: usize, seed: u64) -> RankData {
        let mut d = RankData::new(3);
        let mut state = seed;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f32) / (1u64 << 31) as f32
        };
        for _ in 0..queries {
            let mut f = Vec::new();
            let mut l = Vec::new();
            for _ in 0..20 {
                let (a, b, c) = (uniform(), uniform(), uniform());
                f.extend([a, b, c]);
                l.push(if (a > 0.5) != (b > 0.5) { 1.0 } else { 0.0 });
            }
            d.push_query(&f, &l);
        }
        d
    }

    #[test]
    fn learns_an_interaction_no_linear_ranker_can() {
        let (tr, va) = (xor_data(400, 1), xor_data(200, 2));
        let params = LambdaMartParams {
            trees: 60,
            max_leaves: 8,
            ..Default::default()
        };
        let (forest, log) = train(&tr, &va, &params, 1, &ProgressBar::hidden());
        forest.check().unwrap();
        let (mrr, ndcg) = mrr_ndcg_at(&va, 20, |r| forest.score(va.row(r)));
        // Random order gives an NDCG@20 near 0.5 here; the trees near 1.
        assert!(mrr > 0.95 && ndcg > 0.9, "MRR {mrr}, NDCG {ndcg}");
        assert!((log.valid_mrr20[log.best_iteration] - mrr).abs() < 1e-6);
        let useless = forest
            .trees
            .iter()
            .flat_map(|t| &t.nodes)
            .filter(|n| matches!(n, Node::Split { feature: 2, .. }));
        assert!(useless.count() <= 2, "the noise feature is (almost) unused");
    }

    #[test]
    fn seeded_training_is_deterministic() {
        let (tr, va) = (xor_data(100, 3), xor_data(50, 4));
        let params = LambdaMartParams {
            trees: 20,
            ..Default::default()
        };
        let a = train(&tr, &va, &params, 1, &ProgressBar::hidden());
        let b = train(&tr, &va, &params, 1, &ProgressBar::hidden());
        assert_eq!(a.0, b.0);
        assert_eq!(a.1.valid_mrr20, b.1.valid_mrr20);
    }

    #[test]
    fn the_forest_scores_training_rows_as_the_binned_view_did() {
        // Thresholds are training values, so `x <= t` on the floats sends
        // every row where its bin went.
        let tr = xor_data(50, 5);
        let params = LambdaMartParams {
            trees: 5,
            early_stopping: 0,
            min_data_in_leaf: 5,
            ..Default::default()
        };
        let (forest, log, scores) = boost(&tr, &tr, &params, 1, &ProgressBar::hidden());
        assert_eq!(log.trees, 5, "{log:?}");
        for (r, s) in scores.iter().enumerate() {
            let f = forest.score(tr.row(r));
            assert!((f64::from(f) - s).abs() < 1e-4, "row {r}: {f} vs {s}");
        }
    }

    #[test]
    fn metrics_break_ties_by_row_order() {
        let mut d = RankData::new(1);
        d.push_query(&[0.0, 0.0, 0.0], &[0.0, 1.0, 0.0]);
        d.push_query(&[0.0, 0.0], &[0.0, 0.0]);
        let (mrr, ndcg) = mrr_ndcg_at(&d, 20, |_| 1.0);
        assert!((mrr - 0.25).abs() < 1e-12);
        assert!((ndcg - discount(1) / 2.0).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn svmlight_round_trips(
            queries in proptest::collection::vec(
                proptest::collection::vec((0u8..3, proptest::collection::vec(-1e6f32..1e6, 4)), 1..6),
                0..6,
            )
        ) {
            let mut d = RankData::new(4);
            for q in &queries {
                let f: Vec<f32> = q.iter().flat_map(|(_, x)| x.clone()).collect();
                let l: Vec<f32> = q.iter().map(|(l, _)| f32::from(*l)).collect();
                d.push_query(&f, &l);
            }
            let mut bytes = Vec::new();
            d.write_svmlight(&mut bytes).unwrap();
            let back = RankData::read_svmlight(bytes.as_slice(), 4).unwrap();
            prop_assert_eq!(back, d);
        }
    }

    #[test]
    fn svmlight_errors_name_the_line() {
        let e = RankData::read_svmlight("1 qid:0 1:0.5\nx qid:0\n".as_bytes(), 2).unwrap_err();
        assert!(e.contains("line 2") && e.contains("label"), "{e}");
        let e = RankData::read_svmlight("1 qid:0 3:0.5\n".as_bytes(), 2).unwrap_err();
        assert!(e.contains("feature 3"), "{e}");
    }
}
