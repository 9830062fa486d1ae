//! The trainer: counts co-occurrence and sequential transitions in the
//! training sessions, turns them into normalised, sparsified item-to-item
//! weights, learns item vectors, tunes the scoring parameters on held-out
//! training data ([`tune_model`]) and writes the model.
//!
//! Cost is linear in events times the (bounded) co-occurrence window, so the
//! counting stage maps directly onto SQL for logs too large for one machine
//! (see the README, "Scaling").

pub mod lambdamart;
mod pair_counts;
mod ranker;
mod select;
mod tune;
mod vectors;

pub use pair_counts::{read_pair_counts, PairCounts};
pub use ranker::{
    rank_queries, train_ranker, Queries, RankerError, RankerMode, RankerReport, RankerSettings,
    KEEP_MARGIN,
};
pub use select::{
    config_candidates, tune_model, ExponentTrial, Exponents, ExponentsError, TunedModel,
    DEFAULT_EXPONENTS,
};
pub use tune::{TuneReport, Tuner};
pub use vectors::item_vectors;

use crate::input::Catalog;
use crate::sessions::{Dataset, Session};
use std::collections::HashMap;
use xsell_core::safe_url::check_url;
use xsell_core::{CategoryRecord, ItemRecord, ModelBuilder, Neighbour, ScoringParams};

/// Training-time hyper-parameters (they change the stored weights).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Neighbours kept per item.
    pub max_neighbours: usize,
    /// Window of the sequential channel: an item links to the next `steps` items.
    pub steps: usize,
    /// Co-occurrence window in positions (0 = whole session).
    pub co_window: usize,
    /// Exponent of the source item's count in the normalisation.
    pub source_exponent: f32,
    /// Exponent of the target item's count in the normalisation.
    pub target_exponent: f32,
    /// Dimension of the item vectors (0 = none).
    pub vector_dim: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            max_neighbours: 100,
            steps: 10,
            co_window: 0,
            source_exponent: 0.75,
            target_exponent: 0.25,
            vector_dim: 16,
        }
    }
}

/// Raw counts over the training sessions.
///
/// Both channels are exact: pair counts are integers, and the gap-weighted
/// sums are kept in whole units of `1 / gap_unit(steps)` (integers in an
/// `f64`). That makes them independent of the order events are summed in,
/// so the counting SQL (`sql/pair_counts.sql`, read back by
/// [`read_pair_counts`]) gives the same numbers.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Sessions containing each item.
    pub item_sessions: Vec<u32>,
    /// Symmetric co-occurrence per item (distinct items per session).
    pub co: Vec<HashMap<u32, u32>>,
    /// Forward transitions weighted by 1/gap within `steps`, in units of
    /// `1 / gap_unit(steps)`.
    pub seq: Vec<HashMap<u32, f64>>,
}

/// The least common multiple of `1..=steps`: the unit the sequential sums are
/// counted in (2520 for the default 10 steps). Exact while sums stay below
/// 2^53 units, which holds for `steps` ≤ 20 on any log under 10^7 events per
/// pair.
pub fn gap_unit(steps: usize) -> f64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    (1..=steps as u64).fold(1u64, |l, k| {
        let next = l / gcd(l, k) * k;
        if next > 1 << 40 {
            l
        } else {
            next
        }
    }) as f64
}

/// Counts pairs in the sessions.
pub fn count(n_items: usize, sessions: &[Session], cfg: &TrainConfig) -> Counts {
    let mut c = Counts {
        item_sessions: vec![0; n_items],
        co: vec![HashMap::new(); n_items],
        seq: vec![HashMap::new(); n_items],
    };
    let unit = gap_unit(cfg.steps);
    let mut seen: Vec<u32> = Vec::new();
    for s in sessions {
        seen.clear();
        for &i in &s.items {
            if !seen.contains(&i) {
                seen.push(i);
            }
        }
        for &i in &seen {
            c.item_sessions[i as usize] += 1;
        }
        // Pairs of distinct items, each pair once per session (within the window).
        let w = if cfg.co_window == 0 {
            usize::MAX
        } else {
            cfg.co_window
        };
        for (a, &i) in seen.iter().enumerate() {
            for (b, &j) in seen.iter().enumerate() {
                if a != b && a.abs_diff(b) <= w {
                    *c.co[i as usize].entry(j).or_insert(0) += 1;
                }
            }
        }
        for (p, &i) in s.items.iter().enumerate() {
            for gap in 1..=cfg.steps {
                let Some(&j) = s.items.get(p + gap) else {
                    break;
                };
                if j != i {
                    *c.seq[i as usize].entry(j).or_insert(0.0) += (unit / gap as f64).floor();
                }
            }
        }
    }
    c
}

/// Normalises the counts and keeps the strongest `max_neighbours` per item.
///
/// A link's weights are `co / (n_i^source · n_j^target)` and the same for the
/// sequential sum (its units divided out in the same step); links are ranked by the sum of both weights over their
/// row maxima, ties by the target's id. All of it is computed in `f64` in the
/// order `sql/pair_counts.sql` computes it, so both keep the same links.
pub fn neighbours(counts: &Counts, cfg: &TrainConfig, ids: &[String]) -> Vec<Vec<Neighbour>> {
    let pow = |n: u32, e: f32| f64::from(n.max(1)).powf(f64::from(e));
    let unit = gap_unit(cfg.steps);
    let target_pow: Vec<f64> = counts
        .item_sessions
        .iter()
        .map(|&n| pow(n, cfg.target_exponent))
        .collect();
    (0..counts.item_sessions.len())
        .map(|i| {
            let src = pow(counts.item_sessions[i], cfg.source_exponent);
            let seq_src = unit * src;
            let mut row: HashMap<u32, (f64, f64)> = HashMap::new();
            for (&j, &v) in &counts.co[i] {
                row.entry(j).or_default().0 = f64::from(v) / (src * target_pow[j as usize]);
            }
            for (&j, &v) in &counts.seq[i] {
                row.entry(j).or_default().1 = v / (seq_src * target_pow[j as usize]);
            }
            let co_max = row.values().map(|v| v.0).fold(0.0, f64::max);
            let seq_max = row.values().map(|v| v.1).fold(0.0, f64::max);
            let share = |v: f64, max: f64| if max > 0.0 { v / max } else { 0.0 };
            let mut v: Vec<(f64, u32, (f64, f64))> = row
                .into_iter()
                .map(|(j, w)| (share(w.0, co_max) + share(w.1, seq_max), j, w))
                .collect();
            v.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then_with(|| ids[a.1 as usize].cmp(&ids[b.1 as usize]))
            });
            v.truncate(cfg.max_neighbours);
            v.into_iter()
                .map(|(_, target, (co, seq))| Neighbour {
                    target,
                    co: co as f32,
                    seq: seq as f32,
                })
                .collect()
        })
        .collect()
}

/// Item and category tables for the model, from the vocabulary and an
/// optional catalogue (items absent from the catalogue get their id as title).
pub fn item_tables(
    item_ids: &[String],
    counts: &Counts,
    catalog: Option<&Catalog>,
) -> (Vec<ItemRecord>, Vec<CategoryRecord>) {
    let mut categories: Vec<CategoryRecord> = Vec::new();
    let mut cat_index: HashMap<(Option<u16>, String), u16> = HashMap::new();
    let mut items = Vec::with_capacity(item_ids.len());
    for (k, id) in item_ids.iter().enumerate() {
        let entry = catalog.and_then(|c| c.get(id));
        let mut parent: Option<u16> = None;
        if let Some(e) = entry {
            for name in &e.category_path {
                let key = (parent, name.clone());
                let c = *cat_index.entry(key).or_insert_with(|| {
                    categories.push(CategoryRecord {
                        name: name.clone(),
                        parent,
                    });
                    (categories.len() - 1) as u16
                });
                parent = Some(c);
            }
        }
        items.push(ItemRecord {
            id: id.clone(),
            title: entry.map_or_else(|| id.clone(), |e| e.title.clone()),
            // The readers already dropped what the URL policy refuses; a
            // catalogue built in code passes the same policy here, so no
            // model holds a link the widget would refuse.
            url: entry.map_or_else(String::new, |e| policy_url(&e.url)),
            image: entry.map_or_else(String::new, |e| policy_url(&e.image)),
            price_cents: entry.and_then(|e| e.price_cents),
            category: parent,
            in_stock: entry.is_none_or(|e| e.in_stock),
            popularity: counts.item_sessions[k],
        });
    }
    (items, categories)
}

fn policy_url(raw: &str) -> String {
    check_url(raw).map_or_else(String::new, |u| u.as_str().to_string())
}

/// Builds a complete model (without tuning) from training data.
pub fn build(
    data: &Dataset,
    catalog: Option<&Catalog>,
    cfg: &TrainConfig,
    params: ScoringParams,
) -> ModelBuilder {
    let counts = count(data.n_items(), &data.sessions, cfg);
    let mut b = build_from_counts(&data.item_ids, &counts, catalog, cfg, params);
    b.train_sessions = data.sessions.len() as u32;
    b.train_events = data.n_events() as u32;
    b
}

/// Builds a model from counts, however they were counted (in memory by
/// [`count`], or in a warehouse and read by [`read_pair_counts`]); the
/// session and event totals are left at 0 for the caller to fill in.
pub fn build_from_counts(
    item_ids: &[String],
    counts: &Counts,
    catalog: Option<&Catalog>,
    cfg: &TrainConfig,
    params: ScoringParams,
) -> ModelBuilder {
    let nbrs = neighbours(counts, cfg, item_ids);
    let (items, categories) = item_tables(item_ids, counts, catalog);
    let vectors = (cfg.vector_dim > 0).then(|| {
        (
            cfg.vector_dim,
            item_vectors(counts, &items, cfg.vector_dim, 7),
        )
    });
    ModelBuilder {
        items,
        categories,
        neighbours: nbrs,
        vectors,
        params,
        train_sessions: 0,
        train_events: 0,
        ranker: None,
    }
}
