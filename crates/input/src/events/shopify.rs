//! Shopify's orders export (Orders > Export, "CSV for Excel, Numbers, or
//! other spreadsheet programs"): one row per line item. The first row of an
//! order carries the order's fields (`Email`, `Created at`, totals,
//! addresses, `Notes`); the order's later rows repeat `Name` and leave most
//! of the rest blank. Notes and addresses are quoted and may hold commas and
//! line breaks, so the table is read with multi-line fields.
//!
//! Every line item is a purchase in the session of its order; the item is
//! `Lineitem sku`, or `Lineitem name` for a line item without a sku (gift
//! cards, custom items). The customer's e-mail address never leaves this
//! module: the user is a pseudonym of it ([`pseudonym`]).

use crate::{BadRows, Dialect, InputError, RawEvent, ReadStats, Table};
use std::collections::HashMap;
use std::path::Path;
use xsell_core::EventKind;

/// The pseudonym of an e-mail address: FNV-1a (64-bit) of the trimmed,
/// lower-cased address, in hex. FNV-1a is fixed by its definition, so the
/// same customer has the same pseudonym in every export and with every
/// build (std's `DefaultHasher` promises neither). It groups a customer's
/// orders and is no anonymisation: whoever has the address can compute it,
/// so the trained data stays as private as the export it came from.
fn pseudonym(email: &str) -> String {
    format!("{:016x}", xsell_core::fnv(&email.trim().to_lowercase()))
}

/// `Created at` as seconds since 1970: Shopify's `2024-03-01 10:15:22
/// -0500`, or RFC 3339 (`2024-03-01T10:15:22-05:00`) as other tools write it.
fn created_at(s: &str) -> Option<i64> {
    jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", s)
        .and_then(|t| t.to_timestamp())
        .or_else(|_| s.parse::<jiff::Timestamp>())
        .ok()
        .map(|t| t.as_second())
}

/// Reads a Shopify orders export held in memory.
pub(super) fn read(
    path: &Path,
    bytes: Vec<u8>,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<RawEvent>, InputError> {
    // Notes and addresses hold quoted line breaks.
    let mut table = Table::from_bytes(path, bytes, Dialect::default())?;
    let hint = "a Shopify orders export starts with Name,Email,Financial Status,...; xsell needs Name, Created at and Lineitem sku or Lineitem name";
    let c_name = table.require(&["Name"], "Name", hint)?;
    let c_created = table.require(&["Created at"], "Created at", hint)?;
    let c_sku = table.find(&["Lineitem sku"]);
    let c_title = table.find(&["Lineitem name"]);
    if c_sku.is_none() && c_title.is_none() {
        table.require(&["Lineitem sku"], "Lineitem sku", hint)?;
    }
    let c_email = table.find(&["Email"]);
    // Each order's time and customer, from its first row, for the rows after it.
    let mut orders: HashMap<String, (i64, Option<String>)> = HashMap::new();
    let mut out = Vec::new();
    table.rows(path, policy, stats, |r| {
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("");
        let order = get(Some(c_name));
        if order.is_empty() {
            return Err((
                "Name".into(),
                "empty order name; every row of an order repeats it (#1001)".into(),
            ));
        }
        let item = Some(get(c_sku))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| get(c_title));
        if item.is_empty() {
            return Err((
                "Lineitem sku".into(),
                "empty, and so is `Lineitem name`: the line item names no product".into(),
            ));
        }
        // A later row of the order takes what it leaves blank from the first.
        let first = orders.get(order).cloned();
        let created = get(Some(c_created));
        let time = if created.is_empty() {
            first.as_ref().map(|(time, _)| *time).ok_or_else(|| {
                (
                    "Created at".to_string(),
                    format!("empty, and no earlier row of order `{order}` gives its time (the order's first row does)"),
                )
            })?
        } else {
            created_at(created).ok_or_else(|| {
                (
                    "Created at".to_string(),
                    format!("`{created}` is not a time like `2024-03-01 10:15:22 -0500` (Shopify's export form, with the UTC offset) or `2024-03-01T10:15:22-05:00`"),
                )
            })?
        };
        let email = get(c_email);
        let user = if email.is_empty() {
            first.and_then(|(_, user)| user)
        } else {
            Some(pseudonym(email))
        };
        orders
            .entry(order.to_string())
            .or_insert_with(|| (time, user.clone()));
        out.push(RawEvent {
            session: order.to_string(),
            item: item.to_string(),
            kind: EventKind::Purchase,
            time,
            user,
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pseudonym_is_fnv1a_of_the_lower_cased_address() {
        // FNV-1a's published test vectors: the empty string and "a".
        assert_eq!(pseudonym(""), "cbf29ce484222325");
        assert_eq!(pseudonym("a"), "af63dc4c8601ec8c");
        assert_eq!(
            pseudonym(" Ada.Lovelace@Example.COM "),
            pseudonym("ada.lovelace@example.com")
        );
    }

    #[test]
    fn created_at_reads_shopify_and_rfc3339_times() {
        assert_eq!(created_at("2024-03-01 10:15:22 -0500"), Some(1_709_306_122));
        assert_eq!(created_at("2024-03-01T10:15:22-05:00"), Some(1_709_306_122));
        assert_eq!(created_at("2024-03-01 10:15:22"), None, "no offset");
        assert_eq!(created_at("03/01/2024 10:15"), None);
    }
}
