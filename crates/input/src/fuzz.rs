//! The checks of the `catalog_reader`, `events_reader` and
//! `recipients_reader` fuzz targets, here
//! so the targets and the replay of their kept crashers
//! (`crates/input/tests/fuzz_crashers.rs`) run exactly the same code.

use super::{
    parse_catalog, parse_events, write_catalog_jsonl, BadRows, CatalogFormat, EventFormat,
};
use std::path::{Path, PathBuf};
use xsell_core::safe_url::check_url;

/// Reads `data` as every catalogue format, stopping and skipping: never a
/// panic; an accepted catalogue keeps its invariants and round-trips
/// through the JSON lines it writes. `data` is the products table, then
/// (after `\0`s) the aisle and department tables, except that data starting
/// with `PAR1` is a Parquet products table whole.
pub fn catalog(data: &[u8]) {
    // A Parquet file is full of NUL bytes: it is the products table whole.
    let (products, aisles, depts) = if data.starts_with(b"PAR1") {
        (data.to_vec(), Vec::new(), Vec::new())
    } else {
        let mut parts = data.splitn(3, |&b| b == 0);
        let mut next = || parts.next().unwrap_or(b"").to_vec();
        (next(), next(), next())
    };
    for format in [
        CatalogFormat::Auto,
        CatalogFormat::Csv,
        CatalogFormat::Jsonl,
        CatalogFormat::Instacart,
        CatalogFormat::MerchantTsv,
        CatalogFormat::MerchantXml,
        CatalogFormat::Parquet,
    ] {
        for policy in [BadRows::Fail, BadRows::Skip] {
            let mut beside = |name: &str| {
                let bytes = if name == "aisles.csv" {
                    &aisles
                } else {
                    &depts
                };
                Ok((PathBuf::from(name), bytes.clone()))
            };
            let Ok((cat, stats)) = parse_catalog(
                Path::new("fuzz.csv"),
                products.clone(),
                format,
                policy,
                &mut beside,
            ) else {
                continue;
            };
            assert_eq!(stats.rows, cat.items.len());
            for it in &cat.items {
                assert!(!it.id.is_empty());
                for u in [&it.url, &it.image] {
                    assert!(
                        u.is_empty() || check_url(u).is_some_and(|s| s.as_str() == u),
                        "{u:?}"
                    );
                }
                assert!(cat.get(&it.id).is_some());
            }
            let mut jsonl = Vec::new();
            write_catalog_jsonl(&cat, &mut jsonl).expect("writing to memory");
            let (back, _) = parse_catalog(
                Path::new("back.jsonl"),
                jsonl,
                CatalogFormat::Jsonl,
                BadRows::Fail,
                &mut beside,
            )
            .expect("a written catalogue reads back");
            assert_eq!(back.items, cat.items);
        }
    }
}

/// Reads `data` as every event-log format, stopping and skipping: never a
/// panic; accepted events have non-empty session and item ids. Parquet
/// (generic, and GA4's export when `data` starts with `PAR1`) included.
pub fn events(data: &[u8]) {
    for format in [
        EventFormat::Auto,
        EventFormat::SessionRec,
        EventFormat::Csv,
        EventFormat::Otto,
        EventFormat::Jsonl,
        EventFormat::Ga4,
        EventFormat::Shopify,
        EventFormat::Parquet,
    ] {
        for policy in [BadRows::Fail, BadRows::Skip] {
            if let Ok((events, stats)) =
                parse_events(Path::new("fuzz.csv"), data.to_vec(), format, policy)
            {
                assert_eq!(stats.rows, events.len());
                assert!(events
                    .iter()
                    .all(|e| !e.session.is_empty() && !e.item.is_empty()));
            }
        }
    }
}

/// Reads `data` as a recipients export, CSV and JSON lines, stopping and
/// skipping: never a panic; accepted recipients have a key and ids of 1 to
/// 256 characters without control characters, and round-trip through the
/// JSON lines form (times as RFC 3339).
pub fn recipients(data: &[u8]) {
    use crate::recipients::{parse_recipients, RecipientFormat};
    let ok = |s: &str| crate::check_id("", s).is_ok();
    for format in [RecipientFormat::Csv, RecipientFormat::Jsonl] {
        for policy in [BadRows::Fail, BadRows::Skip] {
            let Ok((read, stats)) =
                parse_recipients(Path::new("fuzz"), data.to_vec(), format, policy)
            else {
                continue;
            };
            assert!(!read.is_empty() && stats.rows > 0);
            let mut jsonl = String::new();
            for r in &read {
                assert!(ok(&r.key), "{:?}", r.key);
                let orders: Vec<_> = r
                    .orders
                    .iter()
                    .map(|o| {
                        assert!(o.items.iter().all(|i| ok(i)), "{:?}", o.items);
                        let ms = i64::try_from(o.time_ms).expect("a time in range");
                        let time = jiff::Timestamp::from_millisecond(ms)
                            .expect("a time jiff can hold")
                            .to_string();
                        serde_json::json!({ "time": time, "items": o.items })
                    })
                    .collect();
                jsonl += &serde_json::json!({ "recipient": r.key, "orders": orders }).to_string();
                jsonl.push('\n');
            }
            let (back, _) = parse_recipients(
                Path::new("back.jsonl"),
                jsonl.into_bytes(),
                RecipientFormat::Jsonl,
                BadRows::Fail,
            )
            .expect("written recipients read back");
            assert_eq!(back, read);
        }
    }
}

/// Reads `data` as a pair-count table (CSV, or Parquet when it starts with
/// `PAR1`), stopping and skipping: never a panic; what is accepted is a
/// sorted vocabulary of items with sessions, links only between distinct
/// known items with something counted, and it round-trips through the CSV
/// the counting SQL writes.
pub fn pair_counts(data: &[u8]) {
    use crate::pair_counts::{parse_pair_counts, PairCounts};
    use std::collections::BTreeSet;
    for policy in [BadRows::Fail, BadRows::Skip] {
        let Ok((p, stats)) = parse_pair_counts(Path::new("fuzz.csv"), data.to_vec(), policy) else {
            continue;
        };
        let n = p.item_ids.len();
        assert!(n > 0);
        assert!(
            p.item_ids.windows(2).all(|w| w[0] < w[1]),
            "sorted, once each"
        );
        assert_eq!((p.item_sessions.len(), p.co.len(), p.seq.len()), (n, n, n));
        assert!(p.item_sessions.iter().all(|&s| s > 0));
        let mut links = BTreeSet::new();
        for i in 0..n {
            for (&j, &c) in &p.co[i] {
                assert!((j as usize) < n && j as usize != i && c > 0);
                links.insert((i, j));
            }
            for (&j, &u) in &p.seq[i] {
                assert!((j as usize) < n && j as usize != i);
                assert!(u > 0.0 && u.fract() == 0.0 && u < 2f64.powi(53), "{u}");
                links.insert((i, j));
            }
        }
        assert_eq!(links.len(), p.links);
        assert_eq!(stats.rows, n + p.links);
        let mut w = csv::Writer::from_writer(Vec::new());
        let write = |w: &mut csv::Writer<Vec<u8>>, row: [&str; 5]| {
            w.write_record(row).expect("writing to memory")
        };
        write(
            &mut w,
            ["item_id", "target_id", "sessions", "co", "seq_units"],
        );
        for (i, id) in p.item_ids.iter().enumerate() {
            write(&mut w, [id, "", &p.item_sessions[i].to_string(), "", ""]);
        }
        for &(i, j) in &links {
            let co = p.co[i].get(&j).copied().unwrap_or(0).to_string();
            let seq = (p.seq[i].get(&j).copied().unwrap_or(0.0) as u64).to_string();
            write(
                &mut w,
                [&p.item_ids[i], &p.item_ids[j as usize], "", &co, &seq],
            );
        }
        let csv = w.into_inner().expect("writing to memory");
        let (back, _): (PairCounts, _) =
            parse_pair_counts(Path::new("back.csv"), csv, BadRows::Fail)
                .expect("written counts read back");
        assert_eq!(back, p);
    }
}
