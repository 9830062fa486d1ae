//! GA4's BigQuery export as newline-delimited JSON (`--format ga4`): what
//! becomes an event, what is passed over, and what is a bad row.

use std::path::{Path, PathBuf};
use xsell_core::EventKind;
use xsell_input::{parse_events, read_events, BadRows, EventFormat, RawEvent};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The fixture with `from` replaced by `to`, as a file of its own.
fn edited(from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(fixture("ga4_events.jsonl")).unwrap();
    assert!(text.contains(from), "the fixture has no {from:?}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ga4_events.jsonl");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    (dir, path)
}

fn event(session: &str, item: &str, kind: EventKind, time: i64, user: &str) -> RawEvent {
    RawEvent {
        session: session.into(),
        item: item.into(),
        kind,
        time,
        user: Some(user.into()),
    }
}

const ADA: &str = "1204617282.1709286900";
const ADA_SESSION: &str = "1204617282.1709286900.1709286900";
const BEA: &str = "887431205.1709301000";

#[test]
fn each_item_of_an_ecommerce_event_is_one_event_in_the_user_s_ga_session() {
    let (events, stats) = read_events(
        &fixture("ga4_events.jsonl"),
        EventFormat::Ga4,
        BadRows::Fail,
    )
    .unwrap();
    use EventKind::*;
    assert_eq!(
        events,
        vec![
            // event_timestamp as a string, ga_session_id as a string int_value.
            event(ADA_SESSION, "SKU_KN08", View, 1_709_286_922_123_456, ADA),
            // ... and both as JSON numbers.
            event(
                ADA_SESSION,
                "SKU_KN08",
                AddToCart,
                1_709_286_951_004_412,
                ADA
            ),
            event(ADA_SESSION, "SKU_BD12", Select, 1_709_286_990_052_761, ADA),
            event(
                ADA_SESSION,
                "SKU_BD12",
                RemoveFromCart,
                1_709_287_034_918_220,
                ADA
            ),
            // A purchase of two items: two events at the same time.
            event(
                ADA_SESSION,
                "SKU_KN08",
                Purchase,
                1_709_287_212_500_009,
                ADA
            ),
            event(
                ADA_SESSION,
                "SKU_HN03",
                Purchase,
                1_709_287_212_500_009,
                ADA
            ),
            // The item without an id is passed over, the other one kept.
            event(
                "887431205.1709301000.1709301544",
                "SKU_AP01",
                AddToCart,
                1_709_301_560_230_114,
                BEA
            ),
        ]
    );
    assert_eq!((stats.rows, stats.skipped), (7, 0));
    // session_start, page_view, view_item_list, begin_checkout, and a
    // view_item whose only item is `(not set)`.
    assert_eq!(stats.ignored, 5);
    assert_eq!(stats.cleaned.items_without_id, 2);
    assert_eq!(
        stats.cleaned.examples[0].to_string(),
        format!(
            "{}:9: field `items[0].item_id`: missing, empty or `(not set)`; this item is passed over, the event's other items are kept",
            fixture("ga4_events.jsonl").display()
        )
    );
}

#[test]
fn auto_detects_a_ga4_export_from_its_first_line() {
    let path = fixture("ga4_events.jsonl");
    let bytes = std::fs::read(&path).unwrap();
    // Named .json, which alone would mean xsell's generic JSON lines.
    let name = Path::new("export.json");
    let auto = parse_events(name, bytes.clone(), EventFormat::Auto, BadRows::Fail).unwrap();
    let forced = parse_events(name, bytes, EventFormat::Ga4, BadRows::Fail).unwrap();
    assert_eq!(auto, forced);
}

#[test]
fn an_ecommerce_event_without_ga_session_id_is_a_bad_row() {
    // The view_item on line 3 loses its ga_session_id parameter.
    let (_dir, path) = edited(
        r#"{"key":"ga_session_id","value":{"string_value":null,"int_value":"1709286900","float_value":null,"double_value":null}},{"key":"currency""#,
        r#"{"key":"currency""#,
    );
    let err = read_events(&path, EventFormat::Ga4, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{}:3: field `event_params.ga_session_id`: missing",
            path.display()
        )),
        "{err}"
    );
    let (events, stats) = read_events(&path, EventFormat::Ga4, BadRows::Skip).unwrap();
    assert_eq!((events.len(), stats.skipped), (6, 1));
    assert_eq!(stats.examples[0].line, 3);
    assert!(events.iter().all(|e| e.time != 1_709_286_922_123_456));
}

#[test]
fn other_event_names_are_passed_over_without_a_session_or_user() {
    // A page_view with no user_pseudo_id, parameters or timestamp is no bad
    // row: nothing of it is used.
    let text = std::fs::read_to_string(fixture("ga4_events.jsonl")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].contains(r#""event_name":"page_view""#));
    lines[1] =
        r#"{"event_name":"page_view","user_pseudo_id":null,"event_params":null,"items":null}"#;
    let (events, stats) = parse_events(
        Path::new("ga4.jsonl"),
        lines.join("\n").into_bytes(),
        EventFormat::Ga4,
        BadRows::Fail,
    )
    .unwrap();
    assert_eq!((events.len(), stats.skipped, stats.ignored), (7, 0, 5));
}

#[test]
fn a_bad_timestamp_user_or_json_line_names_its_field() {
    for (from, to, line, field) in [
        (
            r#""event_timestamp":1709286951004412"#,
            r#""event_timestamp":"soon""#,
            4,
            "event_timestamp",
        ),
        (
            r#""user_pseudo_id":"1204617282.1709286900","ecommerce":{"total_item_quantity":"2""#,
            r#""user_pseudo_id":"","ecommerce":{"total_item_quantity":"2""#,
            8,
            "user_pseudo_id",
        ),
        (
            r#"{"event_date":"20240301","event_timestamp":"1709287034918220""#,
            "{oops",
            7,
            "json",
        ),
    ] {
        let (_dir, path) = edited(from, to);
        let err = read_events(&path, EventFormat::Ga4, BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("{}:{line}: field `{field}`: ", path.display())),
            "{err}"
        );
        let (_, stats) = read_events(&path, EventFormat::Ga4, BadRows::Skip).unwrap();
        assert_eq!(stats.skipped, 1, "{field}");
    }
}
