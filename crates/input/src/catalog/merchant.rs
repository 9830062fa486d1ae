//! Google Merchant Center product feeds as catalogues: the attributes
//! xsell uses, by the product data specification's names, and the
//! tab-separated feed (a header row of attribute names, one product a row).
//! The XML feeds ([`super::merchant_xml`]) map through the same
//! [`Product::item`].
//!
//! `price` is `15.00 USD` (the currency code is dropped); `sale_price` is
//! ignored, so the catalogue keeps the regular price. `product_type` is the
//! shop's own path (`Home > Kitchen > Knives`); where it is empty, Google's
//! `google_product_category` stands in. `availability` `out_of_stock` is out
//! of stock; `in_stock`, `preorder` and `backorder` can be ordered, so they
//! count as in stock.

use super::{checked_url, parse_bool, parse_price, split_path, CatalogItem, Link};
use crate::{BadRows, Dialect, InputError, ReadStats, Table};
use std::path::Path;

/// The attributes read, in [`Attr::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Attr {
    Id,
    Title,
    Link,
    ImageLink,
    Price,
    Availability,
    ProductType,
    GoogleProductCategory,
}

impl Attr {
    pub(super) const ALL: [Attr; 8] = [
        Attr::Id,
        Attr::Title,
        Attr::Link,
        Attr::ImageLink,
        Attr::Price,
        Attr::Availability,
        Attr::ProductType,
        Attr::GoogleProductCategory,
    ];

    /// Its name in the specification (and in feeds).
    pub(super) fn name(self) -> &'static str {
        match self {
            Attr::Id => "id",
            Attr::Title => "title",
            Attr::Link => "link",
            Attr::ImageLink => "image_link",
            Attr::Price => "price",
            Attr::Availability => "availability",
            Attr::ProductType => "product_type",
            Attr::GoogleProductCategory => "google_product_category",
        }
    }

    /// The attribute named `name` (ASCII case ignored; a space may stand
    /// for the underscore, as in spreadsheet headers such as `image link`).
    pub(super) fn from_name(name: &str) -> Option<Attr> {
        Attr::ALL.into_iter().find(|a| {
            let want = a.name();
            name.len() == want.len()
                && name
                    .bytes()
                    .zip(want.bytes())
                    .all(|(n, w)| n.eq_ignore_ascii_case(&w) || (n == b' ' && w == b'_'))
        })
    }
}

/// One product's attribute values (empty where absent), each with the line
/// it is on.
#[derive(Debug, Default)]
pub(super) struct Product {
    values: [(String, usize); 8],
}

impl Product {
    /// Sets `attr` unless it already has a value (the first one counts:
    /// a repeated `product_type` lists the main one first).
    pub(super) fn set(&mut self, attr: Attr, value: &str, line: usize) {
        let slot = &mut self.values[attr as usize];
        if slot.0.is_empty() {
            *slot = (value.trim().to_string(), line);
        }
    }

    /// The value of `attr` (empty where absent).
    pub(super) fn value(&self, attr: Attr) -> &str {
        &self.values[attr as usize].0
    }

    /// The line of `attr`'s value, or `otherwise` where it has none.
    pub(super) fn line(&self, attr: Attr, otherwise: usize) -> usize {
        match &self.values[attr as usize] {
            (v, line) if !v.is_empty() => *line,
            _ => otherwise,
        }
    }

    /// The catalogue item, or the attribute that is wrong and why. Links
    /// the URL policy refuses are dropped and counted in `stats`.
    pub(super) fn item(
        &self,
        path: &Path,
        line: usize,
        stats: &mut ReadStats,
    ) -> Result<CatalogItem, (Attr, String)> {
        let id = self.value(Attr::Id);
        if id.is_empty() {
            return Err((Attr::Id, "empty or missing id".into()));
        }
        let price_text = self.value(Attr::Price);
        let price_cents = if price_text.is_empty() {
            None
        } else {
            Some(parse_price(price_text).ok_or_else(|| {
                (
                    Attr::Price,
                    format!("`{price_text}` is not a price like 15.00 USD"),
                )
            })?)
        };
        let availability = self.value(Attr::Availability);
        let in_stock = match availability.to_ascii_lowercase().replace(' ', "_").as_str() {
            "preorder" | "backorder" => Some(true),
            other => parse_bool(other),
        }
        .ok_or_else(|| {
            (
                Attr::Availability,
                format!(
                    "`{availability}` is not one of in_stock, out_of_stock, preorder, backorder"
                ),
            )
        })?;
        let category = Some(self.value(Attr::ProductType))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| self.value(Attr::GoogleProductCategory));
        let url = checked_url(
            self.value(Attr::Link),
            Link::Product,
            Attr::Link.name(),
            path,
            self.line(Attr::Link, line),
            stats,
        );
        let image = checked_url(
            self.value(Attr::ImageLink),
            Link::Image,
            Attr::ImageLink.name(),
            path,
            self.line(Attr::ImageLink, line),
            stats,
        );
        Ok(CatalogItem {
            id: id.to_string(),
            title: self.value(Attr::Title).to_string(),
            category_path: split_path(category),
            price_cents,
            url,
            image,
            in_stock,
        })
    }
}

/// Reads a tab-separated Merchant Center feed held in memory.
pub(super) fn read_tsv(
    path: &Path,
    bytes: Vec<u8>,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    let dialect = Dialect {
        delimiter: b'\t',
        ..Dialect::default()
    };
    let mut table = Table::from_bytes(path, bytes, dialect)?;
    let hint = "a Merchant Center TSV feed starts with a tab-separated row of attribute names: id, title, link, image_link, price, availability, ...";
    let columns = Attr::ALL.map(|a| {
        let spaced = a.name().replace('_', " ");
        table.find(&[a.name(), spaced.as_str()])
    });
    for required in [Attr::Id, Attr::Title] {
        if columns[required as usize].is_none() {
            table.require(&[required.name()], required.name(), hint)?;
        }
    }
    let mut out = Vec::new();
    // The row closure cannot borrow `stats` while `rows` holds it: the
    // dropped links are counted apart and added after.
    let mut links = ReadStats::default();
    table.rows(path, policy, stats, |r| {
        let line = r.position().map_or(0, |p| p.line() as usize);
        let mut product = Product::default();
        for (attr, column) in Attr::ALL.into_iter().zip(columns) {
            if let Some(value) = column.and_then(|c| r.get(c)) {
                product.set(attr, value, line);
            }
        }
        let item = product
            .item(path, line, &mut links)
            .map_err(|(attr, reason)| (attr.name().to_string(), reason))?;
        out.push(item);
        Ok(())
    })?;
    stats.cleaned.add_links(links.cleaned);
    Ok(out)
}
