//! Placement configs: everything a shop sets for one placement, keyed by
//! the shop's own item ids (not model indices, so a retrained model keeps
//! them), checked once into a [`Valid`] form. The same JSON comes from the
//! widget's options (`placements`) or from a config file served beside the
//! model (`data-config`); an experiment arm will be a named config.
//!
//! ```json
//! { "v": 1,
//!   "default": { "slots": 8 },
//!   "placements": {
//!     "cart": { "slots": 6, "minCartItems": 1, "blocked": ["sku-9"],
//!               "pinned": [{ "id": "sku-1", "slot": 0 }],
//!               "priceBand": [0, 1.5], "theta": 0.9,
//!               "fatigue": { "itemSessionCap": 3 }, "heading": "Goes with your cart" } } }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ParamError;
use crate::guard::{ensure, ParamGuard, Valid};
use crate::privacy::report::valid_placement;
use crate::score::PageType;
use crate::slate::fatigue::FatigueParams;
use crate::slate::rules::Rules;

/// Most cards one placement shows.
pub const MAX_SLOTS: usize = 24;
/// Longest heading kept.
pub const MAX_HEADING_CHARS: usize = 120;
/// Most pinned or blocked ids per placement.
pub const MAX_RULE_IDS: usize = 1_000;
/// Longest item id (as the device state keeps them).
pub const MAX_ID_LEN: usize = crate::device::MAX_ID_LEN;
/// Version of the config file format.
pub const CONFIG_VERSION: u32 = 1;

/// How the cards are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One scrolling row with Previous/Next (the WAI-ARIA carousel).
    #[default]
    Carousel,
    /// Cards wrap into rows, all visible at once (inline block).
    Grid,
}

impl Layout {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Carousel => "carousel",
            Self::Grid => "grid",
        }
    }
}

/// An item always shown at a slot (0-based), if in stock and not dismissed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The shop's item id.
    pub id: String,
    /// Slot, 0-based.
    pub slot: usize,
}

/// One placement's settings, unchecked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct PlacementConfig {
    /// Page types it shows on (default: all four; a page not listed gives
    /// the trigger reason `wrong_page`).
    pub pages: Vec<PageType>,
    /// Cards wanted (1–24); a request's `slots` overrides it.
    pub slots: usize,
    /// Cart items needed before it shows (`cart_too_small`).
    pub min_cart_items: usize,
    /// Time on a product page before it shows, ms (`dwell_too_short`).
    pub min_dwell_ms: u64,
    /// Candidates scored before rules and diversification (M, 1–1000).
    pub candidates: usize,
    /// Items always shown, by shop id.
    pub pinned: Vec<Pin>,
    /// Items never shown, by shop id.
    pub blocked: Vec<String>,
    /// Allowed price range relative to the cart's mean price, `[low, high]`.
    pub price_band: Option<[f32; 2]>,
    /// Multiplier for likely substitutes at the cart (same leaf category as
    /// a cart item); 1 disables.
    pub substitute_factor: f32,
    /// Value weighting: score × (1 + w · log10(1 + price)).
    pub value_weight: f32,
    /// DPP quality/diversity θ (1 = relevance order); absent: the model's.
    pub theta: Option<f32>,
    /// Frequency caps, back-off and "Not interested" memory.
    pub fatigue: FatigueParams,
    /// Card layout.
    pub layout: Layout,
    /// Heading copy (default "You may also like").
    pub heading: Option<String>,
}

impl Default for PlacementConfig {
    fn default() -> Self {
        let rules = Rules::default();
        Self {
            pages: PageType::ALL.to_vec(),
            slots: 8,
            min_cart_items: 0,
            min_dwell_ms: 0,
            candidates: 100,
            pinned: Vec::new(),
            blocked: Vec::new(),
            price_band: None,
            substitute_factor: rules.substitute_factor,
            value_weight: rules.value_weight,
            theta: None,
            fatigue: FatigueParams::default(),
            layout: Layout::Carousel,
            heading: None,
        }
    }
}

/// The default heading.
pub const DEFAULT_HEADING: &str = "You may also like";

fn invalid(field: &'static str, value: impl Into<String>, allowed: &'static str) -> ParamError {
    ParamError::Invalid {
        field,
        value: value.into(),
        allowed,
    }
}

fn check_id(field: &'static str, id: &str) -> Result<(), ParamError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(invalid(field, id, "an item id of 1-64 bytes"));
    }
    Ok(())
}

impl ParamGuard for PlacementConfig {
    fn validate(&self) -> Result<(), ParamError> {
        if self.pages.is_empty() {
            return Err(invalid(
                "pages",
                "[]",
                "at least one of product, cart, checkout, home",
            ));
        }
        ensure(
            (1..=MAX_SLOTS).contains(&self.slots),
            "slots",
            self.slots as f64,
            "1 to 24 cards",
        )?;
        ensure(
            (1..=1000).contains(&self.candidates),
            "candidates",
            self.candidates as f64,
            "1 to 1000",
        )?;
        if self.pinned.len() > MAX_RULE_IDS || self.blocked.len() > MAX_RULE_IDS {
            return Err(invalid(
                "pinned/blocked",
                format!("{} / {}", self.pinned.len(), self.blocked.len()),
                "at most 1000 ids each",
            ));
        }
        for p in &self.pinned {
            check_id("pinned.id", &p.id)?;
            ensure(p.slot < MAX_SLOTS, "pinned.slot", p.slot as f64, "0 to 23")?;
        }
        for id in &self.blocked {
            check_id("blocked", id)?;
        }
        if let Some(t) = self.theta {
            ensure(
                (0.0..=1.0).contains(&t),
                "theta",
                f64::from(t),
                "0 <= theta <= 1",
            )?;
        }
        if let Some(h) = &self.heading {
            if h.trim().is_empty() || h.chars().count() > MAX_HEADING_CHARS {
                return Err(invalid("heading", h.clone(), "1 to 120 characters"));
            }
        }
        self.fatigue.validate()?;
        self.rules(Vec::new(), Vec::new()).validate()
    }
}

impl PlacementConfig {
    /// The slate rules over resolved model indices.
    pub(crate) fn rules(&self, pinned: Vec<(u32, usize)>, blocked: Vec<u32>) -> Rules {
        Rules {
            pinned,
            blocked,
            price_band: self.price_band.map(|[lo, hi]| (lo, hi)),
            substitute_factor: self.substitute_factor,
            value_weight: self.value_weight,
        }
    }
}

/// A checked placement config.
pub type ValidPlacement = Valid<PlacementConfig>;

/// A shop's placements: a default and named overrides (the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Placements {
    /// Format version ([`CONFIG_VERSION`]).
    pub v: u32,
    /// Used for placement names without an entry of their own.
    pub default: PlacementConfig,
    /// Per placement name (`[a-z0-9_-]{1,32}`, the report's key).
    pub placements: BTreeMap<String, PlacementConfig>,
}

impl Default for Placements {
    fn default() -> Self {
        Self {
            v: CONFIG_VERSION,
            default: PlacementConfig::default(),
            placements: BTreeMap::new(),
        }
    }
}

impl ParamGuard for Placements {
    fn validate(&self) -> Result<(), ParamError> {
        ensure(
            self.v == CONFIG_VERSION,
            "v",
            f64::from(self.v),
            "1 (the config format this widget reads)",
        )?;
        self.default.validate()?;
        for (name, p) in &self.placements {
            if !valid_placement(name) {
                return Err(invalid(
                    "placements",
                    name.clone(),
                    "names of 1-32 characters of a-z, 0-9, _ and -",
                ));
            }
            p.validate().map_err(|e| ParamError::InPlacement {
                placement: name.clone(),
                source: Box::new(e),
            })?;
        }
        Ok(())
    }
}

impl Valid<Placements> {
    /// The config of `placement`.
    pub fn of(&self, placement: &str) -> &PlacementConfig {
        let p = self.get();
        p.placements.get(placement).unwrap_or(&p.default)
    }

    /// Parses and checks a config file.
    pub fn from_json(text: &str) -> Result<Self, ParamError> {
        serde_json::from_str::<Placements>(text)
            .map_err(|e| ParamError::Unreadable(e.to_string()))?
            .check()
    }
}
