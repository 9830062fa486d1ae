//! Context-aware triggering: whether a placement shows at all, with how many
//! slots, and a reason that tests and the dashboard can read.

use super::fatigue::{FatigueState, ValidFatigue};
use crate::score::PageType;

/// Where and when a placement may show.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Page types the placement appears on.
    pub pages: Vec<PageType>,
    /// Cart items needed before it shows (cross-sell needs something to go with).
    pub min_cart_items: usize,
    /// Time on a product page before it shows, in ms.
    pub min_dwell_ms: u64,
    /// Slots wanted.
    pub slots: usize,
}

impl Default for Placement {
    fn default() -> Self {
        Self {
            pages: vec![PageType::Product, PageType::Cart, PageType::Checkout],
            min_cart_items: 0,
            min_dwell_ms: 0,
            slots: 8,
        }
    }
}

/// The page facts the trigger looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PageContext {
    /// Page type.
    pub page: PageType,
    /// Items in the cart.
    pub cart_items: usize,
    /// Time on this page so far, ms.
    pub dwell_ms: u64,
}

/// Why the placement shows or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerReason {
    /// Shown with all slots.
    Show,
    /// Shown with fewer slots: the shopper ignored recent carousels.
    BackedOff,
    /// Not this page type.
    WrongPage,
    /// Cart too small.
    CartTooSmall,
    /// Not on the page long enough yet.
    DwellTooShort,
    /// Session cap on carousels reached.
    SessionCap,
    /// Cooling down after repeated ignoring.
    CoolingDown,
    /// Nothing left to show after rules and fatigue.
    NoCandidates,
}

impl TriggerReason {
    /// A stable machine-readable name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Show => "show",
            Self::BackedOff => "backed_off",
            Self::WrongPage => "wrong_page",
            Self::CartTooSmall => "cart_too_small",
            Self::DwellTooShort => "dwell_too_short",
            Self::SessionCap => "session_cap",
            Self::CoolingDown => "cooling_down",
            Self::NoCandidates => "no_candidates",
        }
    }
}

/// The trigger's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Slots to fill (0 = do not show).
    pub slots: usize,
    /// Why.
    pub reason: TriggerReason,
}

/// Decides whether and how big the placement shows now.
pub fn decide(
    placement: &Placement,
    page: &PageContext,
    state: &FatigueState,
    now: u64,
    p: &ValidFatigue,
) -> Decision {
    let hide = |reason| Decision { slots: 0, reason };
    if !placement.pages.contains(&page.page) {
        return hide(TriggerReason::WrongPage);
    }
    if page.cart_items < placement.min_cart_items {
        return hide(TriggerReason::CartTooSmall);
    }
    if page.page == PageType::Product && page.dwell_ms < placement.min_dwell_ms {
        return hide(TriggerReason::DwellTooShort);
    }
    if now < state.session.cooldown_until {
        return hide(TriggerReason::CoolingDown);
    }
    if state.session.carousels >= p.get().carousel_session_cap {
        return hide(TriggerReason::SessionCap);
    }
    if state.session.ignored_streak >= p.get().halve_after {
        return Decision {
            slots: placement.slots.div_ceil(2),
            reason: TriggerReason::BackedOff,
        };
    }
    Decision {
        slots: placement.slots,
        reason: TriggerReason::Show,
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::*;

    #[test]
    fn each_rule_can_hide_the_placement() {
        let p = ValidFatigue::default();
        let s = FatigueState::default();
        let pl = Placement {
            pages: vec![PageType::Cart, PageType::Product],
            min_cart_items: 1,
            min_dwell_ms: 2_000,
            slots: 8,
        };
        let d = |page, cart_items, dwell_ms, s: &FatigueState, now| {
            decide(
                &pl,
                &PageContext {
                    page,
                    cart_items,
                    dwell_ms,
                },
                s,
                now,
                &p,
            )
            .reason
        };
        assert_eq!(d(PageType::Home, 3, 0, &s, 0), TriggerReason::WrongPage);
        assert_eq!(d(PageType::Cart, 0, 0, &s, 0), TriggerReason::CartTooSmall);
        assert_eq!(
            d(PageType::Product, 1, 500, &s, 0),
            TriggerReason::DwellTooShort
        );
        assert_eq!(d(PageType::Product, 1, 2_500, &s, 0), TriggerReason::Show);
        let mut ignored = FatigueState::default();
        for k in 0..3 {
            ignored.record_carousel(false, k, &p);
        }
        let dec = decide(
            &pl,
            &PageContext {
                page: PageType::Cart,
                cart_items: 2,
                dwell_ms: 0,
            },
            &ignored,
            10,
            &p,
        );
        assert_eq!((dec.reason, dec.slots), (TriggerReason::BackedOff, 4));
        for k in 3..6 {
            ignored.record_carousel(false, k, &p);
        }
        assert_eq!(
            d(PageType::Cart, 2, 0, &ignored, 10),
            TriggerReason::CoolingDown
        );
        assert_eq!(
            d(PageType::Cart, 2, 0, &ignored, 31 * 60_000),
            TriggerReason::Show,
            "cool-down over, streak reset"
        );
        // Engagement resets the back-off.
        let mut engaged = FatigueState::default();
        for k in 0..3 {
            engaged.record_carousel(false, k, &p);
        }
        engaged.record_click("x", 5);
        assert_eq!(d(PageType::Cart, 2, 0, &engaged, 10), TriggerReason::Show);
        let mut capped = FatigueState::default();
        for k in 0..12 {
            capped.record_carousel(true, k, &p);
        }
        assert_eq!(
            d(PageType::Cart, 2, 0, &capped, 20),
            TriggerReason::SessionCap
        );
        assert_eq!(TriggerReason::SessionCap.as_str(), "session_cap");
    }
}
