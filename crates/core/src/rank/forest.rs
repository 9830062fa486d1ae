//! Regression-tree ensembles: the learned ranking layer's trees, their
//! scoring and their bytes in the model's `RANK` section.
//!
//! A tree is an array of nodes with the root at 0. A split sends a feature
//! vector left when `x[feature] <= threshold`, else right; children always
//! come after their parent, so every walk ends and no tree has a cycle. The
//! forest's score is `base + Σ tree(x)`.

use crate::error::ModelError;

/// Most trees a forest may hold.
pub const MAX_TREES: usize = 2048;
/// Most nodes one tree may hold.
pub const MAX_NODES: usize = 4096;
/// Bytes of one node in the `RANK` section.
pub const NODE_LEN: usize = 10;
/// Bytes of the `RANK` section header.
pub const RANK_HEADER_LEN: usize = 16;
/// Version of the `RANK` section layout.
pub const RANK_VERSION: u16 = 1;
/// The feature byte that marks a leaf.
const LEAF: u8 = u8::MAX;

/// One node of a tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node {
    /// Go to `left` when `x[feature] <= threshold`, else to `right`.
    Split {
        /// Feature index.
        feature: u8,
        /// Threshold (finite).
        threshold: f32,
        /// Index of the left child (after this node).
        left: u16,
        /// Index of the right child (after this node).
        right: u16,
    },
    /// A leaf and its value (finite).
    Leaf(f32),
}

/// One regression tree; the root is `nodes[0]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tree {
    /// The nodes, parents before children.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// A tree of one leaf.
    pub fn leaf(value: f32) -> Self {
        Self {
            nodes: vec![Node::Leaf(value)],
        }
    }

    /// The tree's value at `x` (which must hold every feature the tree reads).
    #[inline]
    pub fn eval(&self, x: &[f32]) -> f32 {
        let mut k = 0usize;
        loop {
            match self.nodes[k] {
                Node::Leaf(v) => return v,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    k = if x[feature as usize] <= threshold {
                        left as usize
                    } else {
                        right as usize
                    };
                }
            }
        }
    }

    /// Depth of the deepest leaf (a lone leaf has depth 0).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        let mut most = 0;
        for (k, n) in self.nodes.iter().enumerate() {
            if let Node::Split { left, right, .. } = *n {
                depth[left as usize] = depth[k] + 1;
                depth[right as usize] = depth[k] + 1;
                most = most.max(depth[k] + 1);
            }
        }
        most
    }

    /// Checks the tree's shape against `n_features`: children after their
    /// parent and inside the tree, each node reached exactly once, finite
    /// numbers, known features.
    pub fn check(&self, n_features: usize) -> Result<(), String> {
        let n = self.nodes.len();
        if n == 0 || n > MAX_NODES {
            return Err(format!("{n} nodes (1..={MAX_NODES} allowed)"));
        }
        let mut parents = vec![0u8; n];
        parents[0] = 1;
        for (k, node) in self.nodes.iter().enumerate() {
            match *node {
                Node::Leaf(v) if !v.is_finite() => {
                    return Err(format!("node {k}: leaf value {v} is not finite"))
                }
                Node::Leaf(_) => {}
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    if usize::from(feature) >= n_features {
                        return Err(format!(
                            "node {k}: feature {feature} of {n_features} features"
                        ));
                    }
                    if !threshold.is_finite() {
                        return Err(format!("node {k}: threshold {threshold} is not finite"));
                    }
                    for c in [left, right] {
                        let c = usize::from(c);
                        if c <= k || c >= n {
                            return Err(format!(
                                "node {k}: child {c} must come after it and inside the tree of {n} nodes"
                            ));
                        }
                        parents[c] += 1;
                        if parents[c] > 1 {
                            return Err(format!("node {c} has two parents"));
                        }
                    }
                }
            }
        }
        if let Some(k) = parents.iter().position(|&p| p == 0) {
            return Err(format!("node {k} is unreachable"));
        }
        Ok(())
    }
}

/// A tree ensemble over a fixed feature set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Forest {
    /// The feature set the trees were trained on ([`super::FEATURE_SET`]).
    pub feature_set: u16,
    /// Number of features a vector holds.
    pub n_features: u16,
    /// Constant added to every score.
    pub base: f32,
    /// The trees.
    pub trees: Vec<Tree>,
}

impl Forest {
    /// A forest over this build's feature set ([`super::FEATURE_SET`],
    /// [`super::N_FEATURES`]) with base 0.
    pub fn over_current_features(trees: Vec<Tree>) -> Self {
        Self {
            feature_set: super::FEATURE_SET,
            n_features: super::N_FEATURES as u16,
            base: 0.0,
            trees,
        }
    }

    /// The ensemble's score at `x`.
    #[inline]
    pub fn score(&self, x: &[f32]) -> f32 {
        debug_assert!(x.len() >= self.n_features as usize);
        self.base + self.trees.iter().map(|t| t.eval(x)).sum::<f32>()
    }

    /// Checks every tree and the sizes; the error says what is wrong.
    pub fn check(&self) -> Result<(), String> {
        if self.trees.len() > MAX_TREES {
            return Err(format!(
                "{} trees, at most {MAX_TREES} allowed",
                self.trees.len()
            ));
        }
        if !self.base.is_finite() {
            return Err(format!("base score {} is not finite", self.base));
        }
        for (t, tree) in self.trees.iter().enumerate() {
            tree.check(usize::from(self.n_features))
                .map_err(|e| format!("tree {t}: {e}"))?;
        }
        Ok(())
    }

    /// The `RANK` section's bytes (layout in `docs/model-format.md`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let nodes: usize = self.trees.iter().map(|t| t.nodes.len()).sum();
        let mut s = Vec::with_capacity(RANK_HEADER_LEN + 2 * self.trees.len() + NODE_LEN * nodes);
        s.extend(RANK_VERSION.to_le_bytes());
        s.extend(self.feature_set.to_le_bytes());
        s.extend(self.n_features.to_le_bytes());
        s.extend([0u8; 2]);
        s.extend((self.trees.len() as u32).to_le_bytes());
        s.extend(self.base.to_le_bytes());
        for t in &self.trees {
            s.extend((t.nodes.len() as u16).to_le_bytes());
        }
        for t in &self.trees {
            for n in &t.nodes {
                match *n {
                    Node::Leaf(v) => {
                        s.extend([LEAF, 0, 0, 0, 0, 0]);
                        s.extend(v.to_le_bytes());
                    }
                    Node::Split {
                        feature,
                        threshold,
                        left,
                        right,
                    } => {
                        s.extend([feature, 0]);
                        s.extend(left.to_le_bytes());
                        s.extend(right.to_le_bytes());
                        s.extend(threshold.to_le_bytes());
                    }
                }
            }
        }
        s
    }

    /// Reads and checks a `RANK` section. A forest over another feature set
    /// than `feature_set` is refused: the trees would read the wrong inputs.
    pub fn from_bytes(b: &[u8], feature_set: u16, n_features: u16) -> Result<Self, ModelError> {
        let bad = |reason: String| ModelError::InvalidValue {
            tag: "RANK",
            reason,
        };
        if b.len() < RANK_HEADER_LEN {
            return Err(ModelError::Truncated {
                what: "RANK",
                needed: RANK_HEADER_LEN as u64,
                available: b.len() as u64,
            });
        }
        let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"));
        let version = u16_at(0);
        if version != RANK_VERSION {
            return Err(bad(format!(
                "ranking layout version {version}; this build reads {RANK_VERSION}: update the widget or re-train"
            )));
        }
        let found_set = u16_at(2);
        let found_features = u16_at(4);
        if found_set != feature_set || found_features != n_features {
            return Err(bad(format!(
                "trees over feature set {found_set} ({found_features} features); this build computes set {feature_set} ({n_features} features): re-train with this version of `xsell`"
            )));
        }
        let n_trees = u32_at(8) as usize;
        if n_trees > MAX_TREES {
            return Err(bad(format!(
                "{n_trees} trees declared, at most {MAX_TREES} allowed"
            )));
        }
        let base = f32::from_bits(u32_at(12));
        let sizes_end = RANK_HEADER_LEN + 2 * n_trees;
        let short = |needed: usize| ModelError::Truncated {
            what: "RANK",
            needed: needed as u64,
            available: b.len() as u64,
        };
        if b.len() < sizes_end {
            return Err(short(sizes_end));
        }
        let sizes: Vec<usize> = (0..n_trees)
            .map(|t| usize::from(u16_at(RANK_HEADER_LEN + 2 * t)))
            .collect();
        let total: usize = sizes.iter().sum();
        let end = sizes_end + NODE_LEN * total;
        if b.len() < end {
            return Err(short(end));
        }
        let mut at = sizes_end;
        let mut trees = Vec::with_capacity(n_trees);
        for &size in &sizes {
            let mut nodes = Vec::with_capacity(size);
            for _ in 0..size {
                let value = f32::from_bits(u32_at(at + 6));
                nodes.push(if b[at] == LEAF {
                    Node::Leaf(value)
                } else {
                    Node::Split {
                        feature: b[at],
                        left: u16_at(at + 2),
                        right: u16_at(at + 4),
                        threshold: value,
                    }
                });
                at += NODE_LEN;
            }
            trees.push(Tree { nodes });
        }
        let forest = Self {
            feature_set,
            n_features,
            base,
            trees,
        };
        forest.check().map_err(bad)?;
        Ok(forest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump(feature: u8, threshold: f32, l: f32, r: f32) -> Tree {
        Tree {
            nodes: vec![
                Node::Split {
                    feature,
                    threshold,
                    left: 1,
                    right: 2,
                },
                Node::Leaf(l),
                Node::Leaf(r),
            ],
        }
    }

    fn forest() -> Forest {
        Forest {
            feature_set: 1,
            n_features: 3,
            base: 0.5,
            trees: vec![stump(0, 1.0, -1.0, 1.0), stump(2, 0.0, 0.25, 2.0)],
        }
    }

    #[test]
    fn scores_by_walking_each_tree() {
        let f = forest();
        assert_eq!(f.score(&[1.0, 9.0, 0.0]), 0.5 - 1.0 + 0.25);
        assert_eq!(f.score(&[1.5, 9.0, 0.1]), 0.5 + 1.0 + 2.0);
        assert_eq!(f.trees[0].depth(), 1);
    }

    #[test]
    fn round_trips_through_its_bytes() {
        let f = forest();
        let back = Forest::from_bytes(&f.to_bytes(), 1, 3).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn refuses_other_feature_sets_cycles_and_bad_numbers() {
        let f = forest();
        let e = Forest::from_bytes(&f.to_bytes(), 2, 3).unwrap_err();
        assert!(e.to_string().contains("re-train"), "{e}");
        let mut cyc = forest();
        cyc.trees[0].nodes[0] = Node::Split {
            feature: 0,
            threshold: 0.0,
            left: 0,
            right: 2,
        };
        assert!(Forest::from_bytes(&cyc.to_bytes(), 1, 3).is_err());
        let mut nan = forest();
        nan.trees[1].nodes[2] = Node::Leaf(f32::NAN);
        assert!(Forest::from_bytes(&nan.to_bytes(), 1, 3).is_err());
        let mut far = forest();
        far.trees[1].nodes[0] = Node::Split {
            feature: 3,
            threshold: 0.0,
            left: 1,
            right: 2,
        };
        assert!(Forest::from_bytes(&far.to_bytes(), 1, 3).is_err());
        let bytes = f.to_bytes();
        for cut in 0..bytes.len() {
            assert!(
                Forest::from_bytes(&bytes[..cut], 1, 3).is_err(),
                "cut {cut}"
            );
        }
    }
}
