//! What a slate looks like to whoever shows it (the carousel, an app's own
//! cards, an e-mail block): text, checked URLs, price text, the reason.

use serde::Serialize;

use crate::model::Model;
use crate::safe_url::check_url;
use crate::score::Reason;

/// One card.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// The shop's item id.
    pub id: String,
    /// Title (plain text: set it as text, never as HTML).
    pub title: String,
    /// Product page URL (http, https or relative), if safe.
    pub url: Option<String>,
    /// Image URL (http, https or relative; same origin if configured), if safe.
    pub image: Option<String>,
    /// Price in the shop's currency.
    pub price: Option<f64>,
    /// Price as text, e.g. `$3.99`.
    pub price_text: Option<String>,
    /// Why it is recommended.
    pub reason: String,
    /// Category name.
    pub category: Option<String>,
}

/// How cards are presented: currency and where images may come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Presentation {
    /// Put before prices (`$` in [`super::ShopperSettings::default`]).
    pub currency: String,
    /// Accept images only from this origin (`https://shop.example`); `None`
    /// accepts any http(s) or relative image URL.
    pub image_origin: Option<String>,
}

/// `raw` if it is an http(s) or relative URL (and, when `same_origin` is
/// given, on that origin); `None` for `javascript:`, `data:` and the like.
pub fn safe_url(raw: &str, same_origin: Option<&str>) -> Option<String> {
    let u = check_url(raw)?;
    if let Some(origin) = same_origin {
        if !u.same_origin(origin) {
            return None;
        }
    }
    Some(u.as_str().to_string())
}

/// A price in cents as text: `$3.99`, `€12.00`.
pub fn format_price(cents: u32, currency: &str) -> String {
    format!("{currency}{}.{:02}", cents / 100, cents % 100)
}

impl Presentation {
    /// The card of model item `item`.
    pub fn card(&self, m: &Model<'_>, item: u32, reason: &Reason) -> Card {
        let price = m.item_price_cents(item);
        Card {
            id: m.item_id(item).to_string(),
            title: m.item_title(item).to_string(),
            url: safe_url(m.item_url(item), None),
            image: safe_url(m.item_image(item), self.image_origin.as_deref()),
            price: price.map(|c| f64::from(c) / 100.0),
            price_text: price.map(|c| format_price(c, &self.currency)),
            reason: reason.text(m),
            category: m
                .item_category(item)
                .map(|c| m.category_name(c).to_string()),
        }
    }
}
