//! The fuzz targets' checks (`xsell_input::fuzz`) on the hand-written
//! fixtures of the export and feed formats (and the Parquet files written
//! from them) and on every prefix of them: a file cut short anywhere is
//! read or refused, never a panic, and what is accepted keeps the targets'
//! invariants.

use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// Prefixes of `bytes`, every `step` bytes (mid-character cuts included).
fn prefixes(bytes: &[u8], step: usize) -> impl Iterator<Item = &[u8]> {
    (0..=bytes.len()).step_by(step).map(move |n| &bytes[..n])
}

#[test]
fn catalogue_feeds_cut_anywhere_keep_the_fuzz_invariants() {
    for name in [
        "merchant_feed.tsv",
        "merchant_feed.xml",
        "merchant_feed_atom.xml",
        "catalog.parquet",
    ] {
        for p in prefixes(&fixture(name), 7) {
            xsell_input::fuzz::catalog(p);
        }
    }
}

#[test]
fn event_exports_cut_anywhere_keep_the_fuzz_invariants() {
    for name in [
        "ga4_events.jsonl",
        "shopify_orders.csv",
        "ga4_events.parquet",
        "events.parquet",
    ] {
        for p in prefixes(&fixture(name), 11) {
            xsell_input::fuzz::events(p);
        }
    }
}
