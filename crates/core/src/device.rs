//! What the widget remembers on the shopper's device between page loads:
//! the current session's events, the cart, earlier baskets (on-device
//! history) and the day's feedback counters per placement. Pure data with
//! bounds; the browser layer stores it in `localStorage` as versioned JSON.
//!
//! Nothing here ever leaves the device: only the noised reports built from
//! [`DeviceState::counts`] do (see [`crate::privacy::report`]).

use serde::{Deserialize, Serialize};

use crate::attribution::journey::{EndedJourney, Journey, MAX_TOUCHES};
use crate::privacy::report::DayCounts;
use crate::slate::fatigue::{load_versioned, LoadOutcome};
use crate::EventKind;

/// Format version of the stored state.
pub const DEVICE_STATE_VERSION: u32 = 1;
/// A session ends after this much inactivity (ms).
pub const SESSION_IDLE_MS: u64 = 30 * 60 * 1000;
/// Events kept for the current session (newest kept).
pub const MAX_EVENTS: usize = 50;
/// Items kept in the cart.
pub const MAX_CART: usize = 100;
/// Earlier baskets kept.
pub const MAX_BASKETS: usize = 32;
/// Items kept per basket.
pub const MAX_BASKET_ITEMS: usize = 60;
/// Placement-days of counters kept.
pub const MAX_COUNTERS: usize = 16;
/// Longest item id kept (longer ids are ignored).
pub const MAX_ID_LEN: usize = 64;

/// One event of the session: item id and GA4 event code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// The shop's item id.
    pub id: String,
    /// 0 view, 1 add to cart, 2 remove, 3 purchase, 4 select.
    pub k: u8,
}

/// The day's counters of one placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementDay {
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Placement name.
    pub placement: String,
    /// The raw counts (never sent).
    pub counts: DayCounts,
    /// A report for this placement-day has been sent.
    #[serde(default)]
    pub sent: bool,
    /// The experiment the placement ran under that day, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// The arm this device was in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
}

/// The device state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceState {
    /// Format version.
    pub v: u32,
    /// Time of the last event (ms since the epoch).
    #[serde(default)]
    pub last_ms: u64,
    /// The current session's events, oldest first.
    #[serde(default)]
    pub events: Vec<StoredEvent>,
    /// Items in the cart.
    #[serde(default)]
    pub cart: Vec<String>,
    /// Items added to the cart from a recommendation, not yet purchased.
    #[serde(default)]
    pub from_recs: Vec<String>,
    /// Earlier baskets (purchases), oldest first.
    #[serde(default)]
    pub history: Vec<Vec<String>>,
    /// Feedback counters.
    #[serde(default)]
    pub counts: Vec<PlacementDay>,
    /// The open journey (its last touches; never sent as such).
    #[serde(default, skip_serializing_if = "Journey::is_empty")]
    pub journey: Journey,
    /// Ended journeys waiting for their noised report, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ended: Vec<PendingJourney>,
    /// The latest landing from an e-mail block, if recent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailVisit>,
}

/// An ended journey waiting to be reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingJourney {
    /// A local id (the end time, ms, made unique): never sent.
    pub id: u64,
    /// The journey.
    pub journey: EndedJourney,
}

/// A landing from an e-mail block: the campaign and arm its link carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailVisit {
    /// Campaign.
    pub campaign: String,
    /// Arm.
    pub arm: String,
    /// When the shopper landed, ms.
    pub since_ms: u64,
}

impl Default for DeviceState {
    fn default() -> Self {
        Self {
            v: DEVICE_STATE_VERSION,
            last_ms: 0,
            events: Vec::new(),
            cart: Vec::new(),
            from_recs: Vec::new(),
            history: Vec::new(),
            counts: Vec::new(),
            journey: Journey::default(),
            ended: Vec::new(),
            email: None,
        }
    }
}

/// The event code stored for a kind.
pub fn kind_code(kind: EventKind) -> u8 {
    match kind {
        EventKind::View => 0,
        EventKind::AddToCart => 1,
        EventKind::RemoveFromCart => 2,
        EventKind::Purchase => 3,
        EventKind::Select => 4,
    }
}

/// The kind of a stored event code.
pub fn code_kind(code: u8) -> Option<EventKind> {
    Some(match code {
        0 => EventKind::View,
        1 => EventKind::AddToCart,
        2 => EventKind::RemoveFromCart,
        3 => EventKind::Purchase,
        4 => EventKind::Select,
        _ => return None,
    })
}

fn keep_last<T>(v: &mut Vec<T>, max: usize) {
    let cut = v.len().saturating_sub(max);
    v.drain(..cut);
}

impl DeviceState {
    /// Reads a stored state; anything unusable gives a fresh state and says
    /// why, never an error.
    pub fn load(stored: Option<&str>) -> (Self, LoadOutcome) {
        let (mut s, outcome) =
            load_versioned(stored, "device state", DEVICE_STATE_VERSION, |s: &Self| s.v);
        s.enforce_bounds();
        (s, outcome)
    }

    /// Compact JSON.
    pub fn save(&self) -> String {
        serde_json::to_string(self).expect("plain data serializes")
    }

    fn enforce_bounds(&mut self) {
        let long = |id: &String| id.len() > MAX_ID_LEN;
        self.events
            .retain(|e| !long(&e.id) && code_kind(e.k).is_some());
        self.cart.retain(|id| !long(id));
        self.from_recs.retain(|id| !long(id));
        for b in &mut self.history {
            b.retain(|id| !long(id));
            keep_last(b, MAX_BASKET_ITEMS);
        }
        self.history.retain(|b| !b.is_empty());
        keep_last(&mut self.events, MAX_EVENTS);
        keep_last(&mut self.cart, MAX_CART);
        keep_last(&mut self.from_recs, MAX_CART);
        keep_last(&mut self.history, MAX_BASKETS);
        keep_last(&mut self.counts, MAX_COUNTERS);
        // A stored journey from a tampered or older state: keep what fits.
        self.journey.touches.dedup();
        let extra = self.journey.touches.len().saturating_sub(MAX_TOUCHES);
        self.journey.touches.drain(..extra);
        keep_last(&mut self.ended, crate::shopper::MAX_PENDING_JOURNEYS);
    }

    /// Ends the session after [`SESSION_IDLE_MS`] of inactivity (the cart
    /// stays: it is the shop's cart, not the session's).
    pub fn tick(&mut self, now: u64) {
        if self.last_ms != 0 && now.saturating_sub(self.last_ms) > SESSION_IDLE_MS {
            self.events.clear();
        }
    }

    /// Records one tracked event. `from_rec` marks an add-to-cart that came
    /// from a recommendation (for the conversion counter). Returns `false`
    /// (and records nothing) for an unusable id.
    pub fn record(&mut self, id: &str, kind: EventKind, now: u64, from_rec: bool) -> bool {
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return false;
        }
        self.tick(now);
        self.last_ms = now;
        match kind {
            EventKind::AddToCart => {
                if !self.cart.iter().any(|c| c == id) {
                    self.cart.push(id.to_string());
                }
                if from_rec && !self.from_recs.iter().any(|c| c == id) {
                    self.from_recs.push(id.to_string());
                }
            }
            EventKind::RemoveFromCart => {
                self.cart.retain(|c| c != id);
                self.from_recs.retain(|c| c != id);
            }
            _ => {}
        }
        self.events.push(StoredEvent {
            id: id.to_string(),
            k: kind_code(kind),
        });
        self.enforce_bounds();
        true
    }

    /// Records a purchase of `items` (or of the cart, if empty): the basket
    /// goes to history, the cart empties. Returns whether the order
    /// contained an item added from a recommendation.
    pub fn purchase(&mut self, items: &[String], now: u64) -> bool {
        let basket: Vec<String> = if items.is_empty() {
            self.cart.clone()
        } else {
            items
                .iter()
                .filter(|i| !i.is_empty() && i.len() <= MAX_ID_LEN)
                .cloned()
                .collect()
        };
        let converted = basket.iter().any(|b| self.from_recs.contains(b));
        for id in &basket {
            self.record(id, EventKind::Purchase, now, false);
        }
        if !basket.is_empty() {
            self.history.push(basket);
        }
        self.cart.clear();
        self.from_recs.clear();
        self.last_ms = now;
        self.enforce_bounds();
        converted
    }

    /// Marks `placement` on `day` as exposed to `arm` of `experiment`: the
    /// day is reported (noised) even if nothing was shown, so a holdout arm
    /// counts its purchases and order value too.
    pub fn expose(&mut self, day: &str, placement: &str, experiment: &str, arm: &str) {
        self.counts_mut(day, placement);
        if let Some(c) = self
            .counts
            .iter_mut()
            .find(|c| c.day == day && c.placement == placement)
        {
            c.experiment = Some(experiment.to_string());
            c.arm = Some(arm.to_string());
        }
    }

    /// The counters of `placement` on `day`, created if missing.
    pub fn counts_mut(&mut self, day: &str, placement: &str) -> &mut DayCounts {
        let pos = self
            .counts
            .iter()
            .position(|c| c.day == day && c.placement == placement);
        let pos = match pos {
            Some(p) => p,
            None => {
                self.counts.push(PlacementDay {
                    day: day.to_string(),
                    placement: placement.to_string(),
                    counts: DayCounts::default(),
                    sent: false,
                    experiment: None,
                    arm: None,
                });
                keep_last(&mut self.counts, MAX_COUNTERS);
                self.counts.len() - 1
            }
        };
        &mut self.counts[pos].counts
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::*;

    #[test]
    fn cart_follows_add_and_remove_and_purchase_moves_it_to_history() {
        let mut s = DeviceState::default();
        assert!(s.record("a", EventKind::AddToCart, 1, false));
        assert!(s.record("b", EventKind::AddToCart, 2, true));
        assert!(s.record("a", EventKind::AddToCart, 3, false));
        assert_eq!(s.cart, ["a", "b"]);
        s.record("a", EventKind::RemoveFromCart, 4, false);
        assert_eq!(s.cart, ["b"]);
        assert!(s.purchase(&[], 5), "b came from a recommendation");
        assert!(s.cart.is_empty());
        assert_eq!(s.history, vec![vec!["b".to_string()]]);
        assert!(!s.purchase(&["c".to_string()], 6));
    }

    #[test]
    fn session_ends_after_idle_but_cart_stays() {
        let mut s = DeviceState::default();
        s.record("a", EventKind::AddToCart, 1_000, false);
        s.record("b", EventKind::View, 1_000 + SESSION_IDLE_MS + 1_001, false);
        assert_eq!(s.events.len(), 1);
        assert_eq!(s.events[0].id, "b");
        assert_eq!(s.cart, ["a"]);
    }

    #[test]
    fn bounds_hold_and_bad_ids_are_refused() {
        let mut s = DeviceState::default();
        for i in 0..500 {
            s.record(&format!("item{i}"), EventKind::AddToCart, i, false);
        }
        assert_eq!(s.events.len(), MAX_EVENTS);
        assert_eq!(s.cart.len(), MAX_CART);
        assert_eq!(s.events.last().unwrap().id, "item499");
        assert!(!s.record("", EventKind::View, 1, false));
        assert!(!s.record(&"x".repeat(65), EventKind::View, 1, false));
        for d in 0..40 {
            s.counts_mut(&format!("day{d}"), "cart").clicks += 1;
        }
        assert_eq!(s.counts.len(), MAX_COUNTERS);
        assert!(s.save().len() < 16 * 1024, "a full state stays small");
    }

    #[test]
    fn corrupt_or_foreign_state_resets() {
        let (_, o) = DeviceState::load(Some("{not json"));
        assert!(matches!(o, LoadOutcome::Reset(_)));
        let (_, o) = DeviceState::load(Some(r#"{"v":99}"#));
        assert!(matches!(o, LoadOutcome::Reset(m) if m.contains("99")));
        let mut s = DeviceState::default();
        s.record("a", EventKind::View, 7, false);
        let (back, o) = DeviceState::load(Some(&s.save()));
        assert_eq!(o, LoadOutcome::Loaded);
        assert_eq!(back, s);
    }
}
