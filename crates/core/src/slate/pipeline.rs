//! The one path from a request to a slate:
//! trigger → candidates (scorer) → business rules → fatigue and "Not
//! interested" → DPP diversification → pinned items.

use super::dpp::{self, Candidates, ValidDpp};
use super::fatigue::{FatigueState, ValidFatigue};
use super::rules::{RuleContext, ValidRules};
use super::trigger::{decide, Decision, PageContext, Placement, TriggerReason};
use crate::score::{Reason, Recommender, Request};
use crate::ParamGuard;

/// Everything that shapes a slate for one placement.
#[derive(Debug, Clone, PartialEq)]
pub struct SlateConfig {
    /// Where and when it shows.
    pub placement: Placement,
    /// Candidates scored before rules and diversification (M).
    pub candidates: usize,
    /// Diversification.
    pub dpp: ValidDpp,
    /// Fatigue.
    pub fatigue: ValidFatigue,
    /// Business rules.
    pub rules: ValidRules,
}

impl Default for SlateConfig {
    fn default() -> Self {
        Self {
            placement: Placement::default(),
            candidates: 100,
            dpp: dpp::DppParams::default()
                .check()
                .expect("defaults are valid"),
            fatigue: ValidFatigue::default(),
            rules: ValidRules::default(),
        }
    }
}

impl SlateConfig {
    /// The defaults, with the DPP θ the trainer chose for this model.
    pub fn for_model(model: &crate::Model<'_>) -> Self {
        let theta = model.params().get().dpp_theta;
        let dpp = dpp::DppParams {
            theta,
            ..Default::default()
        }
        .check()
        .unwrap_or(Self::default().dpp);
        Self {
            dpp,
            ..Self::default()
        }
    }
}

/// One card of the slate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlateItem {
    /// Item index in the model.
    pub item: u32,
    /// Final score after rules and fatigue (0 for pinned items).
    pub score: f32,
    /// Why it is recommended.
    pub reason: Reason,
    /// Placed by a pin rule.
    pub pinned: bool,
}

/// The outcome: what to show, and why (or why not).
#[derive(Debug, Clone, PartialEq)]
pub struct Slate {
    /// The trigger's verdict (slots and reason).
    pub decision: Decision,
    /// Cards in display order.
    pub items: Vec<SlateItem>,
}

/// Builds the slate. Pure: the fatigue state is read, not changed; the
/// caller records impressions once cards are actually visible.
pub fn build_slate(
    rec: &mut Recommender<'_>,
    request: &Request<'_>,
    page: &PageContext,
    cfg: &SlateConfig,
    state: &FatigueState,
    now: u64,
) -> Slate {
    let mut decision = decide(&cfg.placement, page, state, now, &cfg.fatigue);
    if decision.slots == 0 {
        return Slate {
            decision,
            items: Vec::new(),
        };
    }
    let model = rec.model().clone();
    let wanted = decision.slots;
    let ranked = rec.recommend(&Request {
        count: cfg.candidates.max(wanted),
        ..*request
    });
    let ctx = RuleContext::new(&model, request.cart, page.page);
    let rules = cfg.rules.get();
    let usable = |item: u32| {
        let id = model.item_id(item);
        !state.is_dismissed(id) && !state.item_capped(id, &cfg.fatigue)
    };

    let mut pool: Vec<(u32, f32, Reason)> = Vec::with_capacity(ranked.len());
    for r in &ranked {
        if rules.pinned.iter().any(|p| p.0 == r.item) || !usable(r.item) {
            continue;
        }
        let Some(rule_factor) = ctx.factor(&model, &cfg.rules, r.item) else {
            continue;
        };
        let id = model.item_id(r.item);
        let cat = model.item_category(r.item).map_or(1.0, |c| {
            state.category_factor(model.category_name(c), now, &cfg.fatigue)
        });
        let score = r.score * rule_factor * cat * state.impression_discount(id, now, &cfg.fatigue);
        pool.push((r.item, score, r.reason));
    }

    let pins: Vec<(u32, usize)> = rules
        .pinned
        .iter()
        .copied()
        .filter(|&(i, _)| {
            (i as usize) < model.len()
                && model.item_in_stock(i)
                && usable(i)
                && !request.cart.contains(&i)
        })
        .collect();
    // One slot per pinned item: a config may pin an item twice.
    let mut pins = pins;
    pins.sort_by_key(|p| p.1);
    let mut seen = Vec::with_capacity(pins.len());
    pins.retain(|&(i, _)| {
        let first = !seen.contains(&i);
        seen.push(i);
        first
    });
    let free = wanted.saturating_sub(pins.len().min(wanted));

    let dim = model.vector_dim();
    let mut vectors = Vec::with_capacity(pool.len() * dim);
    for &(i, _, _) in &pool {
        model.push_unit_vector(i, &mut vectors);
    }
    let relevance: Vec<f32> = pool.iter().map(|p| p.1).collect();
    let picks = dpp::select(
        &Candidates {
            relevance: &relevance,
            vectors: &vectors,
            dim,
        },
        free,
        &cfg.dpp,
    );
    let mut items: Vec<SlateItem> = picks
        .iter()
        .map(|&k| SlateItem {
            item: pool[k].0,
            score: pool[k].1,
            reason: pool[k].2,
            pinned: false,
        })
        .collect();
    for (item, pos) in pins.into_iter().take(wanted) {
        let at = pos.min(items.len());
        items.insert(
            at,
            SlateItem {
                item,
                score: 0.0,
                reason: Reason::Popular,
                pinned: true,
            },
        );
    }
    if items.is_empty() {
        decision = Decision {
            slots: 0,
            reason: TriggerReason::NoCandidates,
        };
    }
    Slate { decision, items }
}
