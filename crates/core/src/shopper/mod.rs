//! The shopper: everything the widget knows and decides about one shopper,
//! as a native value. Device and fatigue state, the model's id index and the
//! shop's placement configs; `track`, `recommend` (the slate and its
//! presentation), `dismiss`, `impressions`, and `due_reports`. The clock
//! (`now`, ms since the epoch) and the randomness are injected, so a test,
//! the evaluator or a simulator drives a shopper through days
//! deterministically, and the browser layer only converts, stores, sends
//! and draws.

mod config;
pub(crate) mod experiment;
mod ids;
mod journeys;
pub(crate) mod legacy;
pub mod outbox;
mod present;
mod reports;

pub use crate::clock::{day_number, utc_day, valid_day, MS_PER_DAY};
pub use config::{
    Layout, Pin, PlacementConfig, Placements, ValidPlacement, CONFIG_VERSION, DEFAULT_HEADING,
    MAX_SLOTS,
};
pub use experiment::{Arm, ArmKind, Experiment, Experiments, EXPERIMENTS_VERSION};
pub use ids::{IdIndex, IdIndexBuild};
pub use journeys::{EmailLanding, EMAIL_PLACEMENT, MAX_PENDING_JOURNEYS};
pub use outbox::{Delivery, Dropped, Held, Outbox, Verdict, MAX_HELD, RETRY_DAYS};
pub use present::{format_price, image_hosts, safe_url, Card, Presentation};
pub use reports::{OutgoingReport, REPORTS_PER_DAY};

use serde::{Deserialize, Serialize};

use crate::device::{code_kind, DeviceState};
use crate::guard::{ParamGuard, Valid};
use crate::model::Model;
use crate::privacy::mechanisms::Epsilon;
use crate::privacy::report::{valid_placement, DayCounts};
use crate::score::{Event, EventKind, PageType, Recommender, Request};
use crate::slate::dpp::DppParams;
use crate::slate::fatigue::{FatigueState, LoadOutcome, ValidFatigue};
use crate::slate::pipeline::{build_slate, SlateConfig};
use crate::slate::trigger::{PageContext, Placement, TriggerReason};

/// What `recommend` takes (all optional; camelCase in JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SlateRequest {
    /// Placement name, `[a-z0-9_-]{1,32}` (default `cart`).
    pub placement: Option<String>,
    /// Page type: `product`, `cart`, `checkout` or `home` (default: the
    /// placement name when it is one of these, else `cart`).
    pub page: Option<String>,
    /// The product on this page, if any.
    pub item: Option<String>,
    /// Cards wanted (1–24; default the placement config's).
    pub slots: Option<usize>,
    /// Time spent on this page so far, ms (absent: long enough).
    pub dwell_ms: Option<u64>,
}

/// The fields of [`SlateRequest`], as JavaScript names them.
pub const SLATE_FIELDS: &[&str] = &["placement", "page", "item", "slots", "dwellMs"];

/// A slate ready to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlateView {
    /// Placement name.
    pub placement: String,
    /// The trigger's reason (`show`, `backed_off`, `wrong_page`, ...).
    pub reason: &'static str,
    /// Heading copy.
    pub heading: String,
    /// Card layout.
    pub layout: Layout,
    /// The experiment this placement runs today, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// This device's arm in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
    /// When hidden only because the shopper has not been on the page long
    /// enough (`dwell_too_short`): ask again after this many ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// Cards in display order (empty: show nothing).
    pub items: Vec<Card>,
}

/// Why a request or an event was refused; each says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShopperError {
    /// Not a placement name reports accept.
    #[error("placement {0:?} is not a valid name; use 1-32 characters of a-z, 0-9, _ and -")]
    BadPlacement(String),
    /// Not a page type.
    #[error("page {0:?} is not one of product, cart, checkout, home")]
    BadPage(String),
    /// Slots out of range.
    #[error("slots = {0}; ask for 1 to 24 cards")]
    BadSlots(usize),
    /// Not a GA4 event name the widget tracks.
    #[error("unknown event {0:?}; use view_item, add_to_cart, remove_from_cart, purchase, select_item or view_item_list")]
    UnknownEvent(String),
    /// A relevance answer outside 1–5.
    #[error("relevance answer {0}; give 1 (not relevant) to 5 (very relevant)")]
    BadRelevance(u8),
}

/// The one mapping from the GA4 e-commerce event names the widget tracks to
/// event kinds; `view_item_list` is accepted and ignored (`None`).
pub fn ga4_event(name: &str) -> Result<Option<EventKind>, ShopperError> {
    match EventKind::from_ga4(name) {
        Some(k) => Ok(Some(k)),
        None if name == "view_item_list" => Ok(None),
        None => Err(ShopperError::UnknownEvent(name.to_string())),
    }
}

/// Settings of a shopper beyond the placements, unchecked.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopperSettings {
    /// Daily privacy budget (ε in thousandths, 1..=2000).
    pub daily_epsilon: Epsilon,
    /// Presentation of cards.
    pub presentation: Presentation,
    /// The shop's placements.
    pub placements: Placements,
    /// The shop's experiments.
    pub experiments: Experiments,
    /// A journey ends unconverted this many days after its first touch (1..=90).
    pub journey_window_days: u32,
}

impl Default for ShopperSettings {
    fn default() -> Self {
        Self {
            daily_epsilon: crate::privacy::ledger::MAX_DAILY_BUDGET,
            presentation: Presentation {
                currency: "$".into(),
                image_origin: None,
                image_hosts: Vec::new(),
            },
            placements: Placements::default(),
            experiments: Experiments::default(),
            journey_window_days: crate::attribution::journey::DEFAULT_WINDOW_DAYS,
        }
    }
}

impl ParamGuard for ShopperSettings {
    fn validate(&self) -> Result<(), crate::ParamError> {
        let e = self.daily_epsilon.0;
        crate::guard::ensure(
            e > 0 && e <= crate::privacy::ledger::MAX_DAILY_BUDGET.0,
            "epsilon",
            f64::from(e) / 1000.0,
            "the daily budget must be in (0, 2]",
        )?;
        if self.presentation.currency.chars().count() > 8 {
            return Err(crate::ParamError::Invalid {
                field: "currencySymbol",
                value: self.presentation.currency.clone(),
                allowed: "at most 8 characters",
            });
        }
        crate::guard::ensure(
            (1..=90).contains(&self.journey_window_days),
            "journeyWindowDays",
            f64::from(self.journey_window_days),
            "a journey window of 1 to 90 days",
        )?;
        self.placements.validate()?;
        self.experiments.validate()
    }
}

/// One shopper over one model.
pub struct Shopper<'m> {
    rec: Recommender<'m>,
    ids: IdIndex<'m>,
    settings: Valid<ShopperSettings>,
    device: DeviceState,
    fatigue: FatigueState,
    salt: Option<u64>,
}

impl<'m> Shopper<'m> {
    /// A shopper over `model` with the state kept on the device (`None`:
    /// nothing kept). Unusable stored state is reset; the reasons come back
    /// for the console.
    pub fn new(
        model: Model<'m>,
        settings: Valid<ShopperSettings>,
        stored_device: Option<&str>,
        stored_fatigue: Option<&str>,
    ) -> (Self, Vec<String>) {
        let ids = IdIndex::new(&model);
        Self::with_index(model, ids, settings, stored_device, stored_fatigue)
    }

    /// [`Shopper::new`] with the model's id index already built (a page
    /// builds it in slices with [`IdIndexBuild`]).
    pub fn with_index(
        model: Model<'m>,
        ids: IdIndex<'m>,
        settings: Valid<ShopperSettings>,
        stored_device: Option<&str>,
        stored_fatigue: Option<&str>,
    ) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let (fatigue, outcome) = FatigueState::load(stored_fatigue);
        if let LoadOutcome::Reset(why) = outcome {
            warnings.push(format!("fatigue state reset: {why}"));
        }
        let (device, outcome) = DeviceState::load(stored_device);
        if let LoadOutcome::Reset(why) = outcome {
            warnings.push(format!("device state reset: {why}"));
        }
        let shopper = Self {
            rec: Recommender::new(model),
            ids,
            settings,
            device,
            fatigue,
            salt: None,
        };
        (shopper, warnings)
    }

    /// Forgets everything kept about this shopper (what "clear my data"
    /// does): session, cart, history, day counters, fatigue, dismissals and
    /// the experiment salt. The model, its id index and the settings stay,
    /// so a simulator reuses one shopper for many devices.
    pub fn forget(&mut self) {
        self.device = DeviceState::load(None).0;
        self.fatigue = FatigueState::load(None).0;
        self.salt = None;
    }

    /// Sets the device's experiment salt (random, made once on the device
    /// and never sent). Without one, experiments do not apply and every
    /// placement shows its own config.
    pub fn set_salt(&mut self, salt: u64) {
        self.salt = Some(salt);
    }

    /// The experiment running on `placement` at `now` and this device's arm.
    pub fn arm(&self, placement: &str, now: u64) -> Option<(&Experiment, &Arm)> {
        let salt = self.salt?;
        let e = self
            .settings
            .get()
            .experiments
            .running(placement, &utc_day(now))?;
        Some((e, e.arm_for(salt)))
    }

    /// The model.
    pub fn model(&self) -> &Model<'m> {
        self.rec.model()
    }

    /// The settings.
    pub fn settings(&self) -> &ShopperSettings {
        self.settings.get()
    }

    /// The device state (session, cart, history, day counters).
    pub fn device(&self) -> &DeviceState {
        &self.device
    }

    /// The fatigue state.
    pub fn fatigue(&self) -> &FatigueState {
        &self.fatigue
    }

    /// The device state as stored (versioned JSON, bounded).
    pub fn device_json(&self) -> String {
        self.device.save()
    }

    /// The fatigue state as stored.
    pub fn fatigue_json(&self) -> String {
        self.fatigue.save()
    }

    /// Fatigue settings of the whole session (the default placement's).
    fn session_fatigue(&self) -> ValidFatigue {
        self.settings
            .get()
            .placements
            .default
            .fatigue
            .check()
            .expect("checked with its config")
    }

    fn placement_config(&self, placement: &str) -> &PlacementConfig {
        let p = &self.settings.get().placements;
        p.placements.get(placement).unwrap_or(&p.default)
    }

    /// Today's counters of `placement`.
    fn count(&mut self, placement: &str, now: u64, f: impl FnOnce(&mut DayCounts)) {
        f(self.device.counts_mut(&utc_day(now), placement));
    }

    /// Records a GA4 e-commerce event by name with its item ids (and the
    /// order value for `purchase`). Items the model does not know are kept
    /// too: a newer model may know them.
    pub fn track(
        &mut self,
        event: &str,
        items: &[String],
        value: Option<f64>,
        now: u64,
    ) -> Result<(), ShopperError> {
        let Some(kind) = ga4_event(event)? else {
            return Ok(());
        };
        if kind == EventKind::Purchase {
            let value = value.filter(|v| v.is_finite() && *v >= 0.0);
            let converted = self.device.purchase(items, now);
            self.journey_purchase(value, now);
            // Every placement shown today (or exposed to an experiment arm,
            // a holdout included) shares the order; the e-mail placement
            // counts its own (any order after a landing).
            let day = utc_day(now);
            for c in self.device.counts.iter_mut().filter(|c| {
                c.day == day
                    && c.placement != EMAIL_PLACEMENT
                    && (c.counts.impressions > 0 || c.arm.is_some())
            }) {
                if converted {
                    c.counts.purchases += 1;
                }
                if let Some(v) = value {
                    c.counts.order_value_cents = Some((v * 100.0).round() as u64);
                }
            }
        } else {
            for id in items {
                self.device.record(id, kind, now, false);
            }
            if kind == EventKind::AddToCart && !items.is_empty() {
                self.email_add_to_cart(now);
            }
        }
        Ok(())
    }

    /// The slate for a request, with its presentation. Pure with respect to
    /// the stored state: only impressions, clicks and dismissals change it.
    pub fn recommend(&mut self, req: &SlateRequest, now: u64) -> Result<SlateView, ShopperError> {
        let placement = req.placement.clone().unwrap_or_else(|| "cart".into());
        if !valid_placement(&placement) {
            return Err(ShopperError::BadPlacement(placement));
        }
        let page = match &req.page {
            Some(name) => {
                PageType::from_name(name).ok_or_else(|| ShopperError::BadPage(name.clone()))?
            }
            None => PageType::from_name(&placement).unwrap_or(PageType::Cart),
        };
        if let Some(s) = req.slots {
            if !(1..=MAX_SLOTS).contains(&s) {
                return Err(ShopperError::BadSlots(s));
            }
        }
        let session = self.session_fatigue();
        self.device.tick(now);
        self.fatigue.tick(now, &session);
        let arm = self
            .arm(&placement, now)
            .map(|(e, a)| (e.name.clone(), a.name.clone(), a.kind, a.config.clone()));
        if let Some((e, a, _, _)) = &arm {
            self.device.expose(&utc_day(now), &placement, e, a);
        }
        let (experiment, arm_name) = match &arm {
            Some((e, a, _, _)) => (Some(e.clone()), Some(a.clone())),
            None => (None, None),
        };
        let base = self.placement_config(&placement).clone();
        let pc = match &arm {
            Some((_, _, ArmKind::Config, Some(c))) => c.clone(),
            _ => base,
        };
        let kind = arm.as_ref().map_or(ArmKind::Config, |a| a.2);
        let view = |reason: &'static str, items: Vec<Card>| SlateView {
            placement: placement.clone(),
            reason,
            heading: pc.heading.clone().unwrap_or_else(|| DEFAULT_HEADING.into()),
            layout: pc.layout,
            experiment: experiment.clone(),
            arm: arm_name.clone(),
            retry_after_ms: None,
            items,
        };
        if kind == ArmKind::Holdout {
            return Ok(view("holdout", Vec::new()));
        }

        let index = |id: &str| self.ids.get(id);
        let events: Vec<Event> = self
            .device
            .events
            .iter()
            .filter_map(|e| {
                Some(Event {
                    item: index(&e.id)?,
                    kind: code_kind(e.k)?,
                })
            })
            .collect();
        let cart: Vec<u32> = self.device.cart.iter().filter_map(|id| index(id)).collect();
        let history: Vec<Vec<u32>> = self
            .device
            .history
            .iter()
            .map(|b| b.iter().filter_map(|id| index(id)).collect())
            .collect();
        let current = req.item.as_deref().and_then(index);
        if kind == ArmKind::Legacy {
            let n = req.slots.unwrap_or(pc.slots);
            let latest = current.or_else(|| events.last().map(|e| e.item));
            let model = self.rec.model();
            let present = &self.settings.get().presentation;
            let items: Vec<Card> = legacy::co_purchase(model, latest, &cart, n)
                .into_iter()
                .map(|(i, r)| present.card(model, i, &r))
                .collect();
            let reason = if items.is_empty() {
                "no_candidates"
            } else {
                "show"
            };
            return Ok(view(reason, items));
        }
        let cfg = self.slate_config(&pc, req.slots);
        let request = Request {
            events: &events,
            cart: &cart,
            current_item: current,
            page,
            history: &history,
            count: cfg.placement.slots,
        };
        let ctx = PageContext {
            page,
            cart_items: cart.len(),
            dwell_ms: req.dwell_ms.unwrap_or(u64::MAX),
        };
        let slate = build_slate(&mut self.rec, &request, &ctx, &cfg, &self.fatigue, now);
        let present = &self.settings.get().presentation;
        let model = self.rec.model();
        let items = slate
            .items
            .iter()
            .map(|s| present.card(model, s.item, &s.reason))
            .collect();
        let retry_after_ms = (slate.decision.reason == TriggerReason::DwellTooShort)
            .then(|| cfg.placement.min_dwell_ms.saturating_sub(ctx.dwell_ms));
        Ok(SlateView {
            retry_after_ms,
            ..view(slate.decision.reason.as_str(), items)
        })
    }

    /// The slate settings of `placement`, resolved against this model: pins
    /// and blocks by shop id (ids the model lacks are skipped), θ from the
    /// config or else the model's.
    fn slate_config(&self, pc: &PlacementConfig, slots: Option<usize>) -> SlateConfig {
        let pinned = pc
            .pinned
            .iter()
            .filter_map(|p| Some((self.ids.get(&p.id)?, p.slot)))
            .collect();
        let blocked = pc
            .blocked
            .iter()
            .filter_map(|id| self.ids.get(id))
            .collect();
        let theta = pc.theta.unwrap_or(self.model().params().get().dpp_theta);
        // Every value below passed its check with the config; the model's θ
        // is checked when the model is parsed.
        SlateConfig {
            placement: Placement {
                pages: pc.pages.clone(),
                min_cart_items: pc.min_cart_items,
                min_dwell_ms: pc.min_dwell_ms,
                slots: slots.unwrap_or(pc.slots),
            },
            candidates: pc.candidates,
            dpp: DppParams {
                theta,
                ..DppParams::default()
            }
            .check()
            .expect("θ checked with its config or model"),
            fatigue: pc.fatigue.check().expect("checked with its config"),
            rules: pc
                .rules(pinned, blocked)
                .check()
                .expect("checked with its config"),
        }
    }

    /// "Not interested": the item is not shown again (its category is
    /// demoted on repetition).
    pub fn dismiss(&mut self, placement: &str, id: &str, now: u64) {
        let category = self
            .ids
            .get(id)
            .and_then(|i| self.model().item_category(i))
            .map(|c| self.model().category_name(c).to_string());
        self.fatigue.dismiss(id, category.as_deref(), now);
        self.count(placement, now, |c| c.dismissals += 1);
    }

    /// Cards actually seen; `first` marks the first batch of a carousel
    /// (it counts as one carousel shown).
    pub fn impressions(&mut self, placement: &str, ids: &[&str], first: bool, now: u64) {
        let p = self.placement_fatigue(placement);
        self.fatigue.record_impressions(ids, now, &p);
        if first {
            self.fatigue.record_carousel(false, now, &p);
        }
        let n = ids.len() as u64;
        self.count(placement, now, |c| c.impressions += n);
    }

    fn placement_fatigue(&self, placement: &str) -> ValidFatigue {
        self.placement_config(placement)
            .fatigue
            .check()
            .expect("checked with its config")
    }

    /// A click on a recommended card.
    pub fn click(&mut self, placement: &str, id: &str, now: u64) {
        self.fatigue.record_click(id, now);
        self.journey_touch(crate::attribution::journey::Channel::Widget, now);
        if self.device.record(id, EventKind::Select, now, false) {
            self.count(placement, now, |c| c.clicks += 1);
        }
    }

    /// "Add to cart" on a recommended card.
    pub fn add_from_rec(&mut self, placement: &str, id: &str, now: u64) {
        self.fatigue.record_click(id, now);
        if self.device.record(id, EventKind::AddToCart, now, true) {
            self.count(placement, now, |c| c.add_to_cart += 1);
        }
    }

    /// The shopper's answer (1–5) to the relevance survey of `placement`.
    pub fn record_relevance(
        &mut self,
        placement: &str,
        answer: u8,
        now: u64,
    ) -> Result<(), ShopperError> {
        if !(1..=5).contains(&answer) {
            return Err(ShopperError::BadRelevance(answer));
        }
        if !valid_placement(placement) {
            return Err(ShopperError::BadPlacement(placement.to_string()));
        }
        self.count(placement, now, |c| c.relevance = Some(answer));
        Ok(())
    }

    /// How long the last slate of `placement` took, µs (measured by the
    /// caller: the core has no clock of its own).
    pub fn record_latency(&mut self, placement: &str, micros: u64, now: u64) {
        if valid_placement(placement) {
            self.count(placement, now, |c| c.latency_us = Some(micros));
        }
    }

    /// Whether the model knows the shop's item `id`.
    pub fn knows(&self, id: &str) -> bool {
        self.ids.get(id).is_some()
    }

    /// The price of the shop's item `id` in the model, cents.
    pub fn price_cents(&self, id: &str) -> Option<u32> {
        self.model().item_price_cents(self.ids.get(id)?)
    }

    /// Whether `id` was dismissed.
    pub fn is_dismissed(&self, id: &str) -> bool {
        self.fatigue.is_dismissed(id)
    }

    /// The cart (item ids).
    pub fn cart(&self) -> &[String] {
        &self.device.cart
    }
}
