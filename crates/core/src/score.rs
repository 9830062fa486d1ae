//! Session-aware scoring: turns the shopper's session (ordered events with
//! types), the page context and optional on-device history into a ranked
//! list of items, each with a reason.
//!
//! The model is a sparse item-to-item graph with two channels per link,
//! co-occurrence ("bought together") and sequential ("added after"), learned
//! by the trainer. A request walks the links of each context item, weighting
//! each item by its event type and by recency (exponential decay with a
//! tuned half-life), normalises the collaborative score, then adds a
//! popularity prior and a category affinity that let cold items in the same
//! aisle compete. Every weight comes from the model's `PARM` section, tuned
//! on held-out training data by the trainer.

use crate::model::Model;
use crate::params::ValidParams;
use crate::rank::{Forest, N_FEATURES, RERANK_DEPTH};

/// What the shopper did with an item (GA4 e-commerce event names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `view_item`: looked at the product.
    View,
    /// `add_to_cart`.
    AddToCart,
    /// `remove_from_cart`: the item stops counting as context.
    RemoveFromCart,
    /// `purchase`.
    Purchase,
    /// `select_item`: clicked a recommendation or list entry.
    Select,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 5] = [
        Self::View,
        Self::AddToCart,
        Self::RemoveFromCart,
        Self::Purchase,
        Self::Select,
    ];

    /// Its GA4 e-commerce event name.
    pub fn ga4_name(self) -> &'static str {
        match self {
            Self::View => "view_item",
            Self::AddToCart => "add_to_cart",
            Self::RemoveFromCart => "remove_from_cart",
            Self::Purchase => "purchase",
            Self::Select => "select_item",
        }
    }

    /// The kind of a GA4 e-commerce event name (the widget's `track`).
    pub fn from_ga4(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.ga4_name() == name)
    }

    /// A GA4 name, or one of the names log exports use for the same events
    /// (OTTO's `clicks`, `carts`, `orders`; `view`, `cart`, `order`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::from_ga4(name).or(match name {
            "view" | "click" | "clicks" => Some(Self::View),
            "cart" | "carts" => Some(Self::AddToCart),
            "order" | "orders" => Some(Self::Purchase),
            _ => None,
        })
    }
}

/// One event of the current session, with the item as a model index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Item index in the model.
    pub item: u32,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// A view of `item`.
    pub fn view(item: u32) -> Self {
        Self {
            item,
            kind: EventKind::View,
        }
    }
    /// An add-to-cart of `item`.
    pub fn cart(item: u32) -> Self {
        Self {
            item,
            kind: EventKind::AddToCart,
        }
    }
}

/// Where the placement is (`product`, `cart`, `checkout`, `home` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageType {
    /// A product detail page.
    Product,
    /// The cart.
    #[default]
    Cart,
    /// Checkout.
    Checkout,
    /// Home or listing pages.
    Home,
}

impl PageType {
    /// Every page type.
    pub const ALL: [PageType; 4] = [Self::Product, Self::Cart, Self::Checkout, Self::Home];

    /// The page type named `name` (`product`, `cart`, `checkout`, `home`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Cart => "cart",
            Self::Checkout => "checkout",
            Self::Home => "home",
        }
    }
}

/// A recommendation request.
#[derive(Debug, Clone, Default)]
pub struct Request<'r> {
    /// The session so far, oldest first.
    pub events: &'r [Event],
    /// Items in the cart now (never recommended).
    pub cart: &'r [u32],
    /// The product being viewed, if any.
    pub current_item: Option<u32>,
    /// Page type of the placement.
    pub page: PageType,
    /// Earlier baskets kept on the device, oldest first.
    pub history: &'r [Vec<u32>],
    /// How many items to return.
    pub count: usize,
}

/// Why an item is recommended. Rendered with [`Reason::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Often in the same basket as this item.
    BoughtWith(u32),
    /// Often added after this item.
    AddedAfter(u32),
    /// Bought in earlier orders on this device.
    BuyAgain,
    /// Already seen in this session (click streams).
    SeenBefore,
    /// Popular in this category.
    PopularIn(u16),
    /// Popular overall.
    Popular,
}

impl Reason {
    /// A short, human-readable explanation.
    pub fn text(&self, model: &Model<'_>) -> String {
        match *self {
            Reason::BoughtWith(i) => format!("Often bought with {}", model.item_title(i)),
            Reason::AddedAfter(i) => format!("Often added after {}", model.item_title(i)),
            Reason::BuyAgain => "You bought this before".to_string(),
            Reason::SeenBefore => "You looked at this earlier".to_string(),
            Reason::PopularIn(c) => format!("Popular in {}", model.category_name(c)),
            Reason::Popular => "Popular right now".to_string(),
        }
    }
}

/// One ranked item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommendation {
    /// Item index in the model.
    pub item: u32,
    /// Score (higher is better; comparable within one response only).
    pub score: f32,
    /// Why.
    pub reason: Reason,
}

const POPULAR_CANDIDATES: usize = 64;
const CATEGORY_CANDIDATES: usize = 16;
const HISTORY_BASKETS: usize = 32;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    cf: f32,
    /// The co-occurrence and sequential parts of `cf` (before the support boost).
    co: f32,
    seq_sum: f32,
    support: u16,
    best: f32,
    source: u32,
    /// Events between the best link's source and the newest event (255: history).
    source_age: u8,
    seq: bool,
    extra: f32,
    /// The on-device history part of `extra`.
    history: f32,
    extra_reason: u8,
}

/// Candidates in the linear blend's order with their feature vectors
/// (row-major, [`N_FEATURES`] per candidate): what the ranking layer is
/// trained on.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// The candidates, best linear score first.
    pub ranked: Vec<Recommendation>,
    /// `ranked.len() * N_FEATURES` feature values.
    pub features: Vec<f32>,
}

/// Reusable scorer over one model: holds precomputed candidate lists and
/// scratch buffers so a request allocates almost nothing.
#[derive(Debug, Clone)]
pub struct Recommender<'a> {
    model: Model<'a>,
    params: ValidParams,
    slots: Vec<Slot>,
    touched: Vec<u32>,
    excluded: Vec<bool>,
    popular: Vec<u32>,
    category_top: Vec<Vec<u32>>,
    category_share: Vec<f32>,
    ranker: Option<Forest>,
}

/// Ranks `a` before `b`: higher score first, then lower index (deterministic ties).
#[inline]
pub fn rank_order(a: (f32, u32), b: (f32, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The items in stock, most popular first, ties by index ([`rank_order`]
/// on popularity): a counting sort over the byte-sized popularity, linear
/// in the catalogue (a comparison sort of 100k items is a long task on a
/// phone).
fn by_popularity(model: &Model<'_>) -> Vec<u32> {
    let n = model.len() as u32;
    let mut start = [0usize; 257];
    for i in (0..n).filter(|&i| model.item_in_stock(i)) {
        start[255 - usize::from(model.item_popularity(i)) + 1] += 1;
    }
    for k in 1..start.len() {
        start[k] += start[k - 1];
    }
    let mut out = vec![0u32; start[256]];
    for i in (0..n).filter(|&i| model.item_in_stock(i)) {
        let slot = &mut start[255 - usize::from(model.item_popularity(i))];
        out[*slot] = i;
        *slot += 1;
    }
    out
}

impl<'a> Recommender<'a> {
    /// Prepares a scorer with the model's own tuned parameters.
    pub fn new(model: Model<'a>) -> Self {
        let params = model.params();
        Self::with_params(model, params)
    }

    /// Prepares a scorer with explicit parameters (used by tuning).
    pub fn with_params(model: Model<'a>, params: ValidParams) -> Self {
        let n = model.len();
        let by_pop = by_popularity(&model);
        let popular = by_pop.iter().copied().take(POPULAR_CANDIDATES).collect();
        let mut category_top = vec![Vec::new(); model.n_categories()];
        for &i in &by_pop {
            if let Some(c) = model.item_category(i) {
                let list = &mut category_top[c as usize];
                if list.len() < CATEGORY_CANDIDATES {
                    list.push(i);
                }
            }
        }
        Self {
            slots: vec![Slot::default(); n],
            excluded: vec![false; n],
            category_share: vec![0.0; model.n_categories()],
            touched: Vec::new(),
            popular,
            category_top,
            params,
            ranker: model.ranker(),
            model,
        }
    }

    /// The ranking layer in use, if any.
    pub fn ranker(&self) -> Option<&Forest> {
        self.ranker.as_ref()
    }

    /// Replaces the ranking layer (`None`: the linear blend decides alone).
    /// The forest must have been checked against this build's feature set.
    pub fn set_ranker(&mut self, ranker: Option<Forest>) {
        self.ranker = ranker;
    }

    /// The model this scorer reads.
    pub fn model(&self) -> &Model<'a> {
        &self.model
    }

    /// Replaces the scoring parameters.
    pub fn set_params(&mut self, params: ValidParams) {
        self.params = params;
    }

    #[inline]
    fn touch(&mut self, i: u32) -> &mut Slot {
        let s = &mut self.slots[i as usize];
        if s.cf == 0.0 && s.extra == 0.0 && s.best == 0.0 && s.extra_reason == 0 {
            self.touched.push(i);
            s.extra_reason = 255; // marks "touched" until reset
        }
        &mut self.slots[i as usize]
    }

    fn spread(&mut self, item: u32, weight: f32, age: u8) {
        let p = *self.params.get();
        let model = self.model.clone();
        for link in model.links(item) {
            let co = weight * p.w_co * link.co;
            let seq = weight * p.w_seq * link.seq;
            let s = self.touch(link.target);
            s.cf += co + seq;
            s.co += co;
            s.seq_sum += seq;
            s.support = s.support.saturating_add(1);
            if co.max(seq) > s.best {
                s.best = co.max(seq);
                s.source = item;
                s.source_age = age;
                s.seq = seq > co;
            }
        }
    }

    /// Scores a request. Returns at most `request.count` items, best first;
    /// only in-stock items, never an item in the cart, never an unknown index.
    /// With a ranking layer, the linear blend's top [`RERANK_DEPTH`] (or
    /// `count`, if more) are re-ordered by the forest, and the scores are
    /// `exp(forest − best forest)`: positive, the first one 1.
    pub fn recommend(&mut self, request: &Request<'_>) -> Vec<Recommendation> {
        if self.ranker.is_none() {
            return self.run(request, request.count, false).ranked;
        }
        let depth = request.count.max(RERANK_DEPTH);
        let Candidates { ranked, features } = self.run(request, depth, true);
        let forest = self.ranker.as_ref().expect("checked above");
        let mut scored: Vec<(f32, u32, usize)> = features
            .chunks_exact(N_FEATURES)
            .enumerate()
            .map(|(k, x)| (forest.score(x), ranked[k].item, k))
            .collect();
        scored.sort_unstable_by(|a, b| rank_order((a.0, a.1), (b.0, b.1)));
        scored.truncate(request.count);
        let top = scored.first().map_or(0.0, |s| s.0);
        scored
            .iter()
            .map(|&(f, _, k)| Recommendation {
                score: (f - top).exp(),
                ..ranked[k]
            })
            .collect()
    }

    /// The linear blend's top `depth` candidates for `request` with their
    /// feature vectors, whatever ranking layer is set (training data for it).
    pub fn candidates(&mut self, request: &Request<'_>, depth: usize) -> Candidates {
        self.run(request, depth, true)
    }

    /// The linear blend: the top `count` with their features when `features`.
    fn run(&mut self, request: &Request<'_>, count: usize, features: bool) -> Candidates {
        let p = *self.params.get();
        let n = self.model.len() as u32;
        let valid = |i: &&u32| **i < n;

        // Context: cart items not in the event stream count as older adds,
        // the viewed product as the newest event.
        let mut context: Vec<(u32, f32)> =
            Vec::with_capacity(request.events.len() + request.cart.len() + 1);
        for &c in request.cart.iter().filter(valid) {
            if !request.events.iter().any(|e| e.item == c) {
                context.push((c, p.w_cart_event));
            }
        }
        for e in request.events.iter().filter(|e| e.item < n) {
            let w = match e.kind {
                EventKind::View | EventKind::Select => 1.0,
                EventKind::AddToCart | EventKind::Purchase => p.w_cart_event,
                EventKind::RemoveFromCart => {
                    // Taken out of the cart: it no longer describes the basket.
                    context.retain(|c| c.0 != e.item);
                    continue;
                }
            };
            context.push((e.item, w));
        }
        if let Some(cur) = request.current_item.filter(|&c| c < n) {
            if context.last().map(|c| c.0) != Some(cur) {
                context.push((cur, 1.0));
            }
        }

        let len = context.len();
        let decay = if p.half_life.is_finite() {
            0.5f32.powf(1.0 / p.half_life)
        } else {
            1.0
        };
        let mut w_pos = 1.0f32;
        let mut weights = vec![0.0f32; len];
        for k in (0..len).rev() {
            weights[k] = context[k].1 * w_pos;
            w_pos *= decay;
        }
        for k in 0..len {
            let age = (len - 1 - k).min(254) as u8;
            self.spread(context[k].0, weights[k], age);
        }

        // On-device history: earlier baskets as weak context, and buy-again.
        let history = &request.history[request.history.len().saturating_sub(HISTORY_BASKETS)..];
        if !history.is_empty() {
            let nb = history.len() as f32;
            for basket in history {
                let w = p.w_history_context / (basket.len().max(1) as f32).sqrt();
                for &i in basket.iter().filter(valid) {
                    if w > 0.0 {
                        self.spread(i, w, u8::MAX);
                    }
                    let s = self.touch(i);
                    s.extra += p.w_history / nb;
                    s.history += p.w_history / nb;
                    if s.extra_reason == 255 || s.extra_reason == 0 {
                        s.extra_reason = 1;
                    }
                }
            }
        }

        // Exclusions and repeats.
        for &c in request.cart.iter().filter(valid) {
            self.excluded[c as usize] = true;
        }
        // Just-purchased items are never recommended, whatever w_repeat says.
        let purchased = |i: u32| {
            request
                .events
                .iter()
                .any(|e| e.item == i && e.kind == EventKind::Purchase)
        };
        for (k, &(i, _)) in context.iter().enumerate() {
            if p.w_repeat > 0.0 && !request.cart.contains(&i) && !purchased(i) {
                let s = self.touch(i);
                s.extra += p.w_repeat * weights[k];
                s.extra_reason = 2;
            } else {
                self.excluded[i as usize] = true;
            }
        }

        // Category affinity of the context.
        let mut cats: Vec<u16> = Vec::new();
        for &(i, _) in &context {
            if let Some(c) = self.model.item_category(i) {
                if self.category_share[c as usize] == 0.0 {
                    cats.push(c);
                }
                self.category_share[c as usize] += 1.0 / len as f32;
            }
        }

        // Candidate pool: linked items, popular items, popular in the context's categories.
        let mut pool: Vec<u32> = self.touched.clone();
        pool.extend(self.popular.iter().copied());
        for &c in &cats {
            pool.extend(self.category_top[c as usize].iter().copied());
        }
        pool.sort_unstable();
        pool.dedup();

        if p.support_exponent > 0.0 {
            for &i in &pool {
                let s = &mut self.slots[i as usize];
                if s.support > 1 {
                    s.cf *= f32::from(s.support).powf(p.support_exponent);
                }
            }
        }
        let max_cf = pool
            .iter()
            .map(|&i| self.slots[i as usize].cf)
            .fold(0.0f32, f32::max);
        let norm = if max_cf > 0.0 { 1.0 / max_cf } else { 0.0 };
        let mut scored: Vec<(f32, u32)> = Vec::with_capacity(pool.len());
        for &i in &pool {
            if self.excluded[i as usize] || !self.model.item_in_stock(i) {
                continue;
            }
            let s = &self.slots[i as usize];
            let share = self
                .model
                .item_category(i)
                .map_or(0.0, |c| self.category_share[c as usize]);
            let score = s.cf * norm
                + s.extra
                + p.w_pop * f32::from(self.model.item_popularity(i)) / 255.0
                + p.w_category * share;
            scored.push((score, i));
        }
        let k = count.min(scored.len());
        if k > 0 && k < scored.len() {
            scored.select_nth_unstable_by(k - 1, |a, b| rank_order(*a, *b));
            scored.truncate(k);
        }
        scored.sort_unstable_by(|a, b| rank_order(*a, *b));
        scored.truncate(k);

        let feats = if features {
            self.features(request, &context, norm, &scored)
        } else {
            Vec::new()
        };
        let out = scored
            .iter()
            .map(|&(score, i)| {
                let s = &self.slots[i as usize];
                let reason = if s.extra_reason == 1 && s.extra >= s.cf * norm {
                    Reason::BuyAgain
                } else if s.extra_reason == 2 && s.extra >= s.cf * norm {
                    Reason::SeenBefore
                } else if s.best > 0.0 {
                    if s.seq {
                        Reason::AddedAfter(s.source)
                    } else {
                        Reason::BoughtWith(s.source)
                    }
                } else if let Some(c) = self
                    .model
                    .item_category(i)
                    .filter(|c| self.category_share[*c as usize] > 0.0)
                {
                    Reason::PopularIn(c)
                } else {
                    Reason::Popular
                };
                Recommendation {
                    item: i,
                    score,
                    reason,
                }
            })
            .collect();

        // Reset scratch state touched by this request.
        for &i in &self.touched {
            self.slots[i as usize] = Slot::default();
        }
        self.touched.clear();
        for &c in &cats {
            self.category_share[c as usize] = 0.0;
        }
        for &c in request.cart.iter().filter(valid) {
            self.excluded[c as usize] = false;
        }
        for &(i, _) in &context {
            self.excluded[i as usize] = false;
        }
        Candidates {
            ranked: out,
            features: feats,
        }
    }

    /// The feature vectors of `scored` (linear order), before the scratch
    /// state is reset. The order and meaning are [`crate::rank::FEATURES`].
    fn features(
        &self,
        request: &Request<'_>,
        context: &[(u32, f32)],
        norm: f32,
        scored: &[(f32, u32)],
    ) -> Vec<f32> {
        let model = &self.model;
        let newest = context.last().map(|c| c.0);
        let prices: Vec<f32> = context
            .iter()
            .filter_map(|&(i, _)| model.item_price_cents(i))
            .map(|p| p as f32)
            .collect();
        let mean_price = if prices.is_empty() {
            None
        } else {
            Some(prices.iter().sum::<f32>() / prices.len() as f32)
        };
        let newest_cat = newest.and_then(|i| model.item_category(i));
        let mut x = Vec::with_capacity(scored.len() * N_FEATURES);
        for (rank, &(score, i)) in scored.iter().enumerate() {
            let s = &self.slots[i as usize];
            let cat = model.item_category(i);
            let share = cat.map_or(0.0, |c| self.category_share[c as usize]);
            let price_ratio = match (model.item_price_cents(i), mean_price) {
                (Some(p), Some(m)) if m > 0.0 => p as f32 / m,
                _ => -1.0,
            };
            let repeat = s.extra - s.history;
            let age = if s.best > 0.0 { s.source_age } else { u8::MAX };
            x.extend([
                score,
                rank as f32,
                s.co * norm,
                s.seq_sum * norm,
                f32::from(s.support),
                s.best * norm,
                f32::from(age),
                f32::from(model.item_popularity(i)) / 255.0,
                share,
                s.history,
                repeat.max(0.0),
                context.len() as f32,
                request.page as u8 as f32,
                price_ratio,
                newest.map_or(0.0, |n| model.similarity(n, i)),
                request.history.len() as f32,
                f32::from(u8::from(cat.is_some() && cat == newest_cat)),
            ]);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counting_sort_orders_as_rank_order_does() {
        for n in [1, 7, 3_000] {
            let bytes = crate::synth::synthetic_model(n);
            let model = Model::parse(&bytes).unwrap();
            let mut expected: Vec<u32> =
                (0..n as u32).filter(|&i| model.item_in_stock(i)).collect();
            expected.sort_by(|&a, &b| {
                rank_order(
                    (f32::from(model.item_popularity(a)), a),
                    (f32::from(model.item_popularity(b)), b),
                )
            });
            assert_eq!(by_popularity(&model), expected, "{n} items");
        }
    }
}
