//! Shopify's orders export (`--format shopify`): one purchase per line
//! item, in the session of its order, at the order's time, by a pseudonym
//! of the customer's e-mail address.

use std::path::{Path, PathBuf};
use xsell_core::EventKind;
use xsell_input::{parse_events, read_events, BadRows, EventFormat, RawEvent};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shopify_orders.csv")
}

fn edited(from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(fixture()).unwrap();
    assert!(text.contains(from), "the fixture has no {from:?}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders_export.csv");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    (dir, path)
}

/// FNV-1a 64 of the lower-cased addresses in the fixture (computed apart,
/// with Python).
const ADA: &str = "d8a2ffc6e5642c65";
const GRACE: &str = "770f6db13834fdcd";

fn bought(order: &str, item: &str, time: i64, user: Option<&str>) -> RawEvent {
    RawEvent {
        session: order.into(),
        item: item.into(),
        kind: EventKind::Purchase,
        time,
        user: user.map(str::to_string),
    }
}

#[test]
fn every_line_item_is_a_purchase_in_its_order_at_the_order_s_time() {
    let (events, stats) = read_events(&fixture(), EventFormat::Shopify, BadRows::Fail).unwrap();
    assert_eq!(
        events,
        vec![
            // 2024-03-01 10:15:22 -0500; the row after the quoted two-line
            // note is the order's second line item, time and customer blank.
            bought("#1001", "KN-08", 1_709_306_122, Some(ADA)),
            bought("#1001", "HN-03", 1_709_306_122, Some(ADA)),
            // No sku: the line item's name; no e-mail: no user.
            bought("#1002", "Gift Card - €25", 1_709_362_869, None),
            bought("#1003", "BD-12", 1_709_523_842, Some(GRACE)),
            bought("#1003", "AP-01", 1_709_523_842, Some(GRACE)),
            bought("#1003", "WR-3P", 1_709_523_842, Some(GRACE)),
        ]
    );
    assert_eq!((stats.rows, stats.skipped), (6, 0));
}

#[test]
fn the_e_mail_address_itself_is_never_kept() {
    let (events, _) = read_events(&fixture(), EventFormat::Shopify, BadRows::Fail).unwrap();
    assert!(events
        .iter()
        .filter_map(|e| e.user.as_deref())
        .all(|u| u.len() == 16 && !u.contains('@')));
}

#[test]
fn auto_detects_a_shopify_export_from_its_header() {
    let bytes = std::fs::read(fixture()).unwrap();
    let name = Path::new("orders_export_1.csv");
    assert_eq!(
        parse_events(name, bytes.clone(), EventFormat::Auto, BadRows::Fail).unwrap(),
        parse_events(name, bytes, EventFormat::Shopify, BadRows::Fail).unwrap()
    );
}

#[test]
fn a_bad_created_at_names_the_field_and_the_form_expected() {
    let (_dir, path) = edited("2024-03-03 19:44:02 -0800", "03/03/2024 19:44");
    let err = read_events(&path, EventFormat::Shopify, BadRows::Fail)
        .unwrap_err()
        .to_string();
    // Line 6: the record starts after #1001's two-line note.
    assert!(
        err.starts_with(&format!(
            "{}:6: field `Created at`: `03/03/2024 19:44` is not a time like `2024-03-01 10:15:22 -0500`",
            path.display()
        )),
        "{err}"
    );
    // Skipped, the order's first row takes its continuation rows with it:
    // they have no time of their own.
    let (events, stats) = read_events(&path, EventFormat::Shopify, BadRows::Skip).unwrap();
    assert_eq!((events.len(), stats.skipped), (3, 3));
    assert_eq!(
        stats.examples.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![6, 8, 9]
    );
    assert!(stats.examples[1]
        .reason
        .contains("no earlier row of order `#1003`"));
}

#[test]
fn a_line_item_without_sku_or_name_is_a_bad_row() {
    let (_dir, path) = edited(",Linen Apron,28.00,,AP-01,", ",,28.00,,,");
    let err = read_events(&path, EventFormat::Shopify, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("{}:8: field `Lineitem sku`: ", path.display())),
        "{err}"
    );
    let (events, stats) = read_events(&path, EventFormat::Shopify, BadRows::Skip).unwrap();
    assert_eq!((events.len(), stats.skipped), (5, 1));
}

#[test]
fn an_export_without_created_at_is_refused_with_the_columns_found() {
    let (_dir, path) = edited("Shipping Method,Created at,", "Shipping Method,Created,");
    let err = read_events(&path, EventFormat::Shopify, BadRows::Skip)
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no `Created at` column"), "{err}");
}

#[test]
fn a_later_row_with_its_own_time_but_no_e_mail_keeps_the_order_s_customer() {
    // #1001's second line item, `Created at` filled in (some exports repeat it).
    let blanks = ",".repeat(15);
    let (_dir, path) = edited(
        &format!("#1001{blanks},1,"),
        &format!("#1001{blanks}2024-03-01 10:16:00 -0500,1,"),
    );
    let (events, _) = read_events(&path, EventFormat::Shopify, BadRows::Fail).unwrap();
    assert_eq!(
        events[1],
        bought("#1001", "HN-03", 1_709_306_160, Some(ADA))
    );
}
