//! Business rules: pinned and blocked items, price bands relative to the
//! cart, complements over substitutes at the cart, value weighting.
//! (In-stock filtering and the exclusion of cart items happen in the scorer.)

use crate::error::ParamError;
use crate::guard::{ParamGuard, Valid};
use crate::model::Model;
use crate::score::PageType;

/// Unchecked rule settings of one placement.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Items always shown, at the given slot (0-based), if in stock and not dismissed.
    pub pinned: Vec<(u32, usize)>,
    /// Items never shown.
    pub blocked: Vec<u32>,
    /// Allowed price range relative to the mean price of the cart's priced
    /// items, e.g. `(0.0, 1.5)`: nothing dearer than 1.5× the average.
    /// Items without a price pass.
    pub price_band: Option<(f32, f32)>,
    /// Multiplier for items in the same leaf category as a cart item on cart
    /// and checkout pages (a likely substitute); 1 disables.
    pub substitute_factor: f32,
    /// Value weighting: score × (1 + value_weight · log10(1 + price in units)).
    pub value_weight: f32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            pinned: Vec::new(),
            blocked: Vec::new(),
            price_band: None,
            substitute_factor: 0.3,
            value_weight: 0.0,
        }
    }
}

/// Rules that passed [`ParamGuard::check`].
pub type ValidRules = Valid<Rules>;

impl ParamGuard for Rules {
    /// Validates the factors and the band.
    fn validate(&self) -> Result<(), ParamError> {
        if !(0.0..=1.0).contains(&self.substitute_factor) {
            return Err(ParamError::OutOfRange {
                name: "substitute_factor",
                value: f64::from(self.substitute_factor),
                allowed: "0 <= x <= 1",
            });
        }
        if !(self.value_weight.is_finite() && self.value_weight >= 0.0) {
            return Err(ParamError::OutOfRange {
                name: "value_weight",
                value: f64::from(self.value_weight),
                allowed: "finite and >= 0",
            });
        }
        if let Some((lo, hi)) = self.price_band {
            if !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && hi >= lo) {
                return Err(ParamError::OutOfRange {
                    name: "price_band",
                    value: f64::from(hi),
                    allowed: "0 <= low <= high, finite",
                });
            }
        }
        Ok(())
    }
}

/// Rule context computed once per request.
#[derive(Debug, Clone)]
pub struct RuleContext {
    cart_categories: Vec<u16>,
    mean_cart_price: Option<f32>,
    at_cart: bool,
}

impl RuleContext {
    /// Prepares the context for a cart and page.
    pub fn new(model: &Model<'_>, cart: &[u32], page: PageType) -> Self {
        let n = model.len() as u32;
        let cart: Vec<u32> = cart.iter().copied().filter(|&i| i < n).collect();
        let prices: Vec<f32> = cart
            .iter()
            .filter_map(|&i| model.item_price_cents(i))
            .map(|p| p as f32)
            .collect();
        Self {
            cart_categories: cart
                .iter()
                .filter_map(|&i| model.item_category(i))
                .collect(),
            mean_cart_price: (!prices.is_empty())
                .then(|| prices.iter().sum::<f32>() / prices.len() as f32),
            at_cart: matches!(page, PageType::Cart | PageType::Checkout),
        }
    }

    /// The score multiplier for `item`, or `None` if a rule excludes it.
    pub fn factor(&self, model: &Model<'_>, rules: &ValidRules, item: u32) -> Option<f32> {
        let r = rules.get();
        if r.blocked.contains(&item) {
            return None;
        }
        let price = model.item_price_cents(item);
        if let (Some((lo, hi)), Some(mean), Some(p)) = (r.price_band, self.mean_cart_price, price) {
            let rel = p as f32 / mean.max(1.0);
            if rel < lo || rel > hi {
                return None;
            }
        }
        let mut f = 1.0;
        if self.at_cart
            && model
                .item_category(item)
                .is_some_and(|c| self.cart_categories.contains(&c))
        {
            f *= r.substitute_factor;
        }
        if r.value_weight > 0.0 {
            if let Some(p) = price {
                f *= 1.0 + r.value_weight * (1.0 + p as f32 / 100.0).log10();
            }
        }
        Some(f)
    }
}
