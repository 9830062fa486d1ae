//! Fatigue and "Not interested": a small, versioned, serializable state (it
//! lives in the shopper's localStorage) and pure functions over it.
//!
//! - Impression discounting after LinkedIn (Lee et al., KDD 2014): an item
//!   shown without a click is multiplied by `1 / (1 + β · n_eff)` where
//!   `n_eff` is its unclicked impressions, halved every `half_life_hours`.
//! - Frequency caps per page view (the slot count), per session (carousels
//!   shown) and per item (impressions this session).
//! - Back-off: after `halve_after` carousels ignored in a row the slots are
//!   halved; after `cooldown_after` none are shown for `cooldown_minutes`.
//!   A click resets the streak.
//! - "Not interested": the item is gone for `dismiss_days`; after
//!   `category_dismissals` dismissals in one category within that time the
//!   category is demoted by `category_demotion` for `category_demotion_days`.
//!
//! Items and categories are stored by the shop's ids and names, not model
//! indices, so the state survives a re-trained model. The state is bounded
//! (oldest entries age out first) and a corrupt or foreign state resets.

use crate::clock::MS_PER_DAY;
use crate::error::ParamError;
use crate::guard::{ParamGuard, Valid};
use serde::{Deserialize, Serialize};

/// Version of the serialized state. A different version resets the state.
pub const STATE_VERSION: u32 = 1;
const MAX_ITEMS: usize = 200;
const MAX_DISMISSED: usize = 500;
const MAX_CATEGORIES: usize = 50;
const MS_PER_MIN: u64 = 60_000;
const MS_PER_HOUR: u64 = 3_600_000;

/// Unchecked fatigue settings (a placement config's `fatigue` object; every
/// field optional, camelCase in JSON).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct FatigueParams {
    /// Impression discount strength β.
    pub beta: f32,
    /// Half-life of an unclicked impression, in hours.
    pub half_life_hours: f32,
    /// Most impressions of one item per session.
    pub item_session_cap: u32,
    /// Most carousels shown per session.
    pub carousel_session_cap: u32,
    /// Ignored carousels in a row before the slots are halved.
    pub halve_after: u32,
    /// Ignored carousels in a row before a cool-down.
    pub cooldown_after: u32,
    /// Cool-down length in minutes.
    pub cooldown_minutes: u32,
    /// Inactivity that starts a new session, in minutes.
    pub session_gap_minutes: u32,
    /// How long a dismissed item stays gone, in days.
    pub dismiss_days: u32,
    /// Dismissals in one category that demote it.
    pub category_dismissals: u32,
    /// Score multiplier of a demoted category, in [0, 1].
    pub category_demotion: f32,
    /// How long a category stays demoted, in days.
    pub category_demotion_days: u32,
}

impl Default for FatigueParams {
    fn default() -> Self {
        Self {
            beta: 0.5,
            half_life_hours: 24.0,
            item_session_cap: 4,
            carousel_session_cap: 12,
            halve_after: 3,
            cooldown_after: 6,
            cooldown_minutes: 30,
            session_gap_minutes: 30,
            dismiss_days: 180,
            category_dismissals: 2,
            category_demotion: 0.2,
            category_demotion_days: 14,
        }
    }
}

/// Fatigue settings that passed [`ParamGuard::check`].
pub type ValidFatigue = Valid<FatigueParams>;

impl ParamGuard for FatigueParams {
    /// Validates ranges.
    fn validate(&self) -> Result<(), ParamError> {
        let bad = |name, value: f64, allowed| {
            Err(ParamError::OutOfRange {
                name,
                value,
                allowed,
            })
        };
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return bad("beta", f64::from(self.beta), "finite and >= 0");
        }
        if !(self.half_life_hours.is_finite() && self.half_life_hours > 0.0) {
            return bad(
                "half_life_hours",
                f64::from(self.half_life_hours),
                "finite and > 0",
            );
        }
        if !(0.0..=1.0).contains(&self.category_demotion) {
            return bad(
                "category_demotion",
                f64::from(self.category_demotion),
                "0 <= x <= 1",
            );
        }
        if self.halve_after == 0 || self.cooldown_after < self.halve_after {
            return bad(
                "cooldown_after",
                f64::from(self.cooldown_after),
                ">= halve_after >= 1",
            );
        }
        if self.category_dismissals == 0 {
            return bad("category_dismissals", 0.0, ">= 1");
        }
        Ok(())
    }
}

/// What is remembered of one recommended item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSeen {
    /// Shop item id.
    pub id: String,
    /// Impressions since the last click.
    pub unclicked: f32,
    /// Impressions in the current session.
    pub session_shown: u32,
    /// Last impression (ms since epoch).
    pub last: u64,
}

/// A "Not interested".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dismissal {
    /// Shop item id.
    pub id: String,
    /// When (ms).
    pub at: u64,
}

/// Dismissals per category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryDismissals {
    /// Category name.
    pub name: String,
    /// Dismissal times (ms), most recent last.
    pub times: Vec<u64>,
}

/// Per-session counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionCounters {
    /// Last activity (ms).
    pub last_activity: u64,
    /// Carousels shown this session.
    pub carousels: u32,
    /// Carousels ignored in a row.
    pub ignored_streak: u32,
    /// No carousel before this time (ms).
    pub cooldown_until: u64,
}

/// The whole on-device fatigue state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FatigueState {
    /// Format version.
    pub v: u32,
    /// Recently shown items, oldest first.
    #[serde(default)]
    pub items: Vec<ItemSeen>,
    /// Dismissed items, oldest first.
    #[serde(default)]
    pub dismissed: Vec<Dismissal>,
    /// Dismissals by category.
    #[serde(default)]
    pub categories: Vec<CategoryDismissals>,
    /// Session counters.
    #[serde(default)]
    pub session: SessionCounters,
}

impl Default for FatigueState {
    fn default() -> Self {
        Self {
            v: STATE_VERSION,
            items: Vec::new(),
            dismissed: Vec::new(),
            categories: Vec::new(),
            session: SessionCounters::default(),
        }
    }
}

/// How loading a stored state went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadOutcome {
    /// Nothing stored: a fresh state.
    Fresh,
    /// The stored state was read.
    Loaded,
    /// The stored state was unusable and was reset; says why.
    Reset(String),
}

/// Reads versioned JSON state kept on the device (`what` names it in the
/// reasons). Missing → default; unreadable or another version → default
/// and [`LoadOutcome::Reset`] with the reason — never an error.
pub fn load_versioned<T: serde::de::DeserializeOwned + Default>(
    stored: Option<&str>,
    what: &str,
    expected: u32,
    version: impl Fn(&T) -> u32,
) -> (T, LoadOutcome) {
    let Some(text) = stored else {
        return (T::default(), LoadOutcome::Fresh);
    };
    match serde_json::from_str::<T>(text) {
        Ok(s) if version(&s) == expected => (s, LoadOutcome::Loaded),
        Ok(s) => (
            T::default(),
            LoadOutcome::Reset(format!("{what} version {} is not {expected}", version(&s))),
        ),
        Err(e) => (
            T::default(),
            LoadOutcome::Reset(format!("stored {what} is not readable: {e}")),
        ),
    }
}

impl FatigueState {
    /// Reads a stored state. Anything unusable yields a fresh state and
    /// [`LoadOutcome::Reset`] — never an error: a broken state must not
    /// break the page.
    pub fn load(stored: Option<&str>) -> (Self, LoadOutcome) {
        let (mut s, outcome) = load_versioned(stored, "state", STATE_VERSION, |s: &Self| s.v);
        s.enforce_bounds();
        (s, outcome)
    }

    /// Serializes the state (compact JSON).
    pub fn save(&self) -> String {
        serde_json::to_string(self).expect("plain data serializes")
    }

    fn enforce_bounds(&mut self) {
        let cut = |len: usize, max: usize| len.saturating_sub(max);
        self.items.drain(..cut(self.items.len(), MAX_ITEMS));
        self.dismissed
            .drain(..cut(self.dismissed.len(), MAX_DISMISSED));
        self.categories
            .drain(..cut(self.categories.len(), MAX_CATEGORIES));
        for c in &mut self.categories {
            c.times.drain(..cut(c.times.len(), 16));
        }
        for it in &mut self.items {
            if !it.unclicked.is_finite() || it.unclicked < 0.0 {
                it.unclicked = 0.0;
            }
        }
    }

    /// Drops what has aged out and starts a new session after inactivity.
    pub fn tick(&mut self, now: u64, p: &ValidFatigue) {
        let p = p.get();
        if now.saturating_sub(self.session.last_activity)
            > u64::from(p.session_gap_minutes) * MS_PER_MIN
        {
            let cooldown = self.session.cooldown_until;
            self.session = SessionCounters {
                cooldown_until: cooldown,
                ..Default::default()
            };
            for it in &mut self.items {
                it.session_shown = 0;
            }
        }
        self.session.last_activity = self.session.last_activity.max(now);
        let keep_items = 30 * MS_PER_DAY;
        self.items
            .retain(|it| now.saturating_sub(it.last) < keep_items);
        let keep = u64::from(p.dismiss_days) * MS_PER_DAY;
        self.dismissed.retain(|d| now.saturating_sub(d.at) < keep);
        let keep_cat = u64::from(p.category_demotion_days.max(p.dismiss_days)) * MS_PER_DAY;
        for c in &mut self.categories {
            c.times.retain(|&t| now.saturating_sub(t) < keep_cat);
        }
        self.categories.retain(|c| !c.times.is_empty());
    }

    fn item_mut(&mut self, id: &str, now: u64) -> &mut ItemSeen {
        if let Some(k) = self.items.iter().position(|it| it.id == id) {
            // Move to the back: most recently touched last.
            let it = self.items.remove(k);
            self.items.push(it);
        } else {
            self.items.push(ItemSeen {
                id: id.to_string(),
                unclicked: 0.0,
                session_shown: 0,
                last: now,
            });
            self.enforce_bounds();
        }
        self.items.last_mut().expect("just pushed")
    }

    /// Records that these items were actually seen (visible) in one carousel.
    pub fn record_impressions(&mut self, ids: &[&str], now: u64, p: &ValidFatigue) {
        let half = f64::from(p.get().half_life_hours) * MS_PER_HOUR as f64;
        for id in ids {
            let it = self.item_mut(id, now);
            let decay = 0.5f64.powf(now.saturating_sub(it.last) as f64 / half) as f32;
            it.unclicked = it.unclicked * decay + 1.0;
            it.session_shown += 1;
            it.last = now;
        }
    }

    /// A carousel was shown; `clicked` says whether the shopper engaged.
    pub fn record_carousel(&mut self, clicked: bool, now: u64, p: &ValidFatigue) {
        let p = p.get();
        self.session.carousels += 1;
        self.session.last_activity = now;
        if clicked {
            self.session.ignored_streak = 0;
        } else {
            self.session.ignored_streak += 1;
            if self.session.ignored_streak >= p.cooldown_after {
                self.session.cooldown_until = now + u64::from(p.cooldown_minutes) * MS_PER_MIN;
                self.session.ignored_streak = 0;
            }
        }
    }

    /// The shopper clicked a recommendation: engagement resets the back-off
    /// and the item's impression discount.
    pub fn record_click(&mut self, id: &str, now: u64) {
        let it = self.item_mut(id, now);
        it.unclicked = 0.0;
        self.session.ignored_streak = 0;
        self.session.cooldown_until = 0;
        self.session.last_activity = now;
    }

    /// "Not interested" on an item of `category` (its name, if known).
    pub fn dismiss(&mut self, id: &str, category: Option<&str>, now: u64) {
        self.dismissed.retain(|d| d.id != id);
        self.dismissed.push(Dismissal {
            id: id.to_string(),
            at: now,
        });
        if let Some(name) = category {
            match self.categories.iter_mut().find(|c| c.name == name) {
                Some(c) => c.times.push(now),
                None => self.categories.push(CategoryDismissals {
                    name: name.to_string(),
                    times: vec![now],
                }),
            }
        }
        self.enforce_bounds();
    }

    /// Whether the shopper dismissed this item (and the dismissal is live).
    pub fn is_dismissed(&self, id: &str) -> bool {
        self.dismissed.iter().any(|d| d.id == id)
    }

    /// Whether the item reached its per-session impression cap.
    pub fn item_capped(&self, id: &str, p: &ValidFatigue) -> bool {
        self.items
            .iter()
            .any(|it| it.id == id && it.session_shown >= p.get().item_session_cap)
    }

    /// Multiplier in (0, 1] for showing `id` again at `now`.
    pub fn impression_discount(&self, id: &str, now: u64, p: &ValidFatigue) -> f32 {
        let p = p.get();
        let Some(it) = self.items.iter().find(|it| it.id == id) else {
            return 1.0;
        };
        let half = f64::from(p.half_life_hours) * MS_PER_HOUR as f64;
        let n_eff = it.unclicked * 0.5f64.powf(now.saturating_sub(it.last) as f64 / half) as f32;
        1.0 / (1.0 + p.beta * n_eff)
    }

    /// Multiplier for items of category `name`: `category_demotion` while the
    /// category has enough recent dismissals, else 1.
    pub fn category_factor(&self, name: &str, now: u64, p: &ValidFatigue) -> f32 {
        let p = p.get();
        let window = u64::from(p.category_demotion_days) * MS_PER_DAY;
        match self.categories.iter().find(|c| c.name == name) {
            Some(c)
                if c.times
                    .iter()
                    .filter(|&&t| now.saturating_sub(t) < window)
                    .count() as u32
                    >= p.category_dismissals =>
            {
                p.category_demotion
            }
            _ => 1.0,
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: u64 = MS_PER_HOUR;

    #[test]
    fn impressions_discount_and_recover_with_time() {
        let p = ValidFatigue::default();
        let mut s = FatigueState::default();
        assert_eq!(s.impression_discount("a", 0, &p), 1.0);
        s.record_impressions(&["a"], 0, &p);
        s.record_impressions(&["a"], 0, &p);
        // two unclicked impressions, β = 0.5: 1 / (1 + 1) = 0.5
        assert!((s.impression_discount("a", 0, &p) - 0.5).abs() < 1e-6);
        // one half-life later: n_eff = 1 → 1/1.5
        assert!((s.impression_discount("a", 24 * H, &p) - 1.0 / 1.5).abs() < 1e-4);
        s.record_click("a", 25 * H);
        assert_eq!(s.impression_discount("a", 25 * H, &p), 1.0);
    }

    #[test]
    fn per_item_session_cap_resets_with_a_new_session() {
        let p = ValidFatigue::default();
        let mut s = FatigueState::default();
        for k in 0..4 {
            s.tick(k * 60_000, &p);
            s.record_impressions(&["a"], k * 60_000, &p);
        }
        assert!(s.item_capped("a", &p));
        s.tick(5 * H, &p); // > 30 min gap
        assert!(!s.item_capped("a", &p));
    }

    #[test]
    fn dismissals_persist_through_save_and_load_and_demote_categories() {
        let p = ValidFatigue::default();
        let mut s = FatigueState::default();
        s.dismiss("kale", Some("fresh vegetables"), 1_000);
        assert!(s.is_dismissed("kale"));
        assert_eq!(s.category_factor("fresh vegetables", 2_000, &p), 1.0);
        s.dismiss("chard", Some("fresh vegetables"), 3_000);
        assert_eq!(s.category_factor("fresh vegetables", 4_000, &p), 0.2);
        let (back, outcome) = FatigueState::load(Some(&s.save()));
        assert_eq!(outcome, LoadOutcome::Loaded);
        assert_eq!(back, s);
        // Demotion expires; the item dismissal lasts longer.
        let later = 4_000 + 15 * MS_PER_DAY;
        assert_eq!(back.category_factor("fresh vegetables", later, &p), 1.0);
        let mut b = back.clone();
        b.tick(later, &p);
        assert!(b.is_dismissed("kale"));
        b.tick(200 * MS_PER_DAY, &p);
        assert!(!b.is_dismissed("kale"));
    }

    #[test]
    fn corrupt_foreign_and_future_states_reset_cleanly() {
        for bad in [
            "",
            "{",
            "null",
            "[1,2]",
            "{\"v\": 99}",
            "{\"v\":1,\"items\":5}",
            "\u{0}\u{1}",
        ] {
            let (s, o) = FatigueState::load(Some(bad));
            assert_eq!(s, FatigueState::default(), "{bad}");
            assert!(matches!(o, LoadOutcome::Reset(_)), "{bad}");
        }
        assert_eq!(FatigueState::load(None).1, LoadOutcome::Fresh);
        // Unknown extra fields from a newer writer of the same version are ignored.
        let (_, o) = FatigueState::load(Some("{\"v\":1,\"future\":[1]}"));
        assert_eq!(o, LoadOutcome::Loaded);
    }

    #[test]
    fn bad_params_are_named() {
        let e = FatigueParams {
            category_demotion: 2.0,
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(e.to_string().contains("category_demotion"));
        assert!(FatigueParams {
            cooldown_after: 1,
            halve_after: 3,
            ..Default::default()
        }
        .check()
        .is_err());
    }

    proptest! {
        #[test]
        fn state_stays_bounded_and_round_trips(ops in proptest::collection::vec((0u8..4, 0u32..2000, 0u64..1_000_000), 0..1500)) {
            let p = ValidFatigue::default();
            let mut s = FatigueState::default();
            for (op, id, t) in ops {
                let id = format!("item-{id}");
                match op {
                    0 => s.record_impressions(&[&id], t, &p),
                    1 => s.dismiss(&id, Some(&format!("cat-{}", t % 97)), t),
                    2 => s.record_click(&id, t),
                    _ => s.record_carousel(t % 2 == 0, t, &p),
                }
            }
            prop_assert!(s.items.len() <= MAX_ITEMS);
            prop_assert!(s.dismissed.len() <= MAX_DISMISSED);
            prop_assert!(s.categories.len() <= MAX_CATEGORIES);
            // Bounded serialized size: what localStorage has to hold.
            prop_assert!(s.save().len() < 64 * 1024);
            let (back, o) = FatigueState::load(Some(&s.save()));
            prop_assert_eq!(o, LoadOutcome::Loaded);
            prop_assert_eq!(back, s);
        }
    }
}
