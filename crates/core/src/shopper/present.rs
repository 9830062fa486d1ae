//! What a slate looks like to whoever shows it (the carousel, an app's own
//! cards, an e-mail block): text, checked URLs, price text, the reason.

use serde::Serialize;

use crate::model::Model;
use crate::safe_url::{check_url, SafeUrl};
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
    /// Accept images only from these hosts (`cdn.shop.example`, with its
    /// port if it has one; `self` admits relative URLs), for a page whose
    /// CSP `img-src` lists only its CDN; empty accepts any host.
    pub image_hosts: Vec<String>,
}

/// Checks an image host list (`cdn.shop.example`, `img.example:8443`,
/// `self`), lower-cased; the error says which entry is wrong and why.
pub fn image_hosts(list: &[String]) -> Result<Vec<String>, String> {
    list.iter()
        .map(|raw| {
            let h = raw.trim().to_ascii_lowercase();
            let (name, port) = h.split_once(':').unwrap_or((&h, ""));
            let name_ok = !name.is_empty()
                && name.len() <= 253
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            let port_ok = port.is_empty() && !h.ends_with(':')
                || port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty();
            if h == "self" || name_ok && port_ok {
                Ok(h)
            } else {
                Err(format!(
                    "image host {raw:?} is not a host name: write it as in a URL without scheme or \
                     path (cdn.shop.example, img.example:8443), or self for the page's own images"
                ))
            }
        })
        .collect()
}

/// Whether image URL `u` is on one of `hosts` (`self`: relative URLs).
fn on_listed_host(u: &SafeUrl<'_>, hosts: &[String]) -> bool {
    match u {
        SafeUrl::Relative(_) => hosts.iter().any(|h| h == "self"),
        SafeUrl::Absolute { host, .. } => hosts.iter().any(|h| h.eq_ignore_ascii_case(host)),
    }
}

impl Presentation {
    /// The image URL to show for catalogue value `raw`, if any.
    pub fn image_url(&self, raw: &str) -> Option<String> {
        let u = check_url(raw)?;
        let origin_ok = self
            .image_origin
            .as_deref()
            .is_none_or(|o| u.same_origin(o));
        let host_ok = self.image_hosts.is_empty() || on_listed_host(&u, &self.image_hosts);
        (origin_ok && host_ok).then(|| u.as_str().to_string())
    }
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
            image: self.image_url(m.item_image(item)),
            price: price.map(|c| f64::from(c) / 100.0),
            price_text: price.map(|c| format_price(c, &self.currency)),
            reason: reason.text(m),
            category: m
                .item_category(item)
                .map(|c| m.category_name(c).to_string()),
        }
    }
}

#[cfg(test)]
mod image_host_tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        image_hosts(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn images_come_only_from_listed_hosts() {
        let p = Presentation {
            image_hosts: hosts(&["CDN.shop.example", "img.example:8443"]),
            ..Presentation::default()
        };
        assert_eq!(
            p.image_url("https://cdn.shop.example/a.png").as_deref(),
            Some("https://cdn.shop.example/a.png")
        );
        assert!(p.image_url("//cdn.shop.example/a.png").is_some());
        assert!(p.image_url("https://img.example:8443/b.png").is_some());
        assert!(
            p.image_url("https://img.example/b.png").is_none(),
            "another port"
        );
        assert!(p
            .image_url("https://cdn.shop.example.evil.test/a.png")
            .is_none());
        assert!(p.image_url("https://evil.test/?cdn.shop.example").is_none());
        assert!(p.image_url("/img/a.png").is_none(), "relative needs self");
        assert!(p.image_url("javascript:alert(1)").is_none());
        let with_self = Presentation {
            image_hosts: hosts(&["self"]),
            ..Presentation::default()
        };
        assert!(with_self.image_url("/img/a.png").is_some());
        assert!(with_self
            .image_url("https://cdn.shop.example/a.png")
            .is_none());
        assert!(Presentation::default()
            .image_url("https://any.example/a.png")
            .is_some());
    }

    #[test]
    fn a_bad_host_entry_is_refused_with_the_reason() {
        for bad in [
            "https://cdn.example",
            "cdn.example/img",
            "",
            "cdn.example:",
            "a b",
            "x:99999x",
        ] {
            let e = image_hosts(&[bad.to_string()]).unwrap_err();
            assert!(e.contains("not a host name"), "{bad}: {e}");
        }
    }
}
