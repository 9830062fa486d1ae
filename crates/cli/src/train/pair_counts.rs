//! The counting stage's output read back: `xsell train --pair-counts FILE`
//! builds a model from what `sql/pair_counts.sql` computed in a warehouse,
//! instead of counting events in memory.
//!
//! The table has the columns `item_id, target_id, sessions, co, seq_units`:
//! a row with an empty `target_id` is an item and its session count; any
//! other row is a kept link with its raw counts (documented in
//! `docs/input-formats.md`, "Counting in a warehouse"). Rows may come in any
//! order, as a warehouse writes them; the vocabulary is sorted by item id so
//! the same table always gives the same model.

use super::Counts;
use crate::input::{
    BadRows, Columns, Dialect, InputError, ParquetTable, ReadStats, Record, RowError, Table,
};
use std::collections::HashMap;
use std::path::Path;

/// Counts read from a pair-count table, over a sorted vocabulary.
#[derive(Debug, Clone, Default)]
pub struct PairCounts {
    /// Item ids, sorted (byte order).
    pub item_ids: Vec<String>,
    /// The counts, indexed like `item_ids`.
    pub counts: Counts,
    /// Link rows kept.
    pub links: usize,
}

const HINT: &str = "a pair-count table is what sql/pair_counts.sql writes: item_id,target_id,sessions,co,seq_units";

/// One link row before its ids are resolved: where it was, and its counts.
struct LinkRow {
    line: usize,
    item: String,
    target: String,
    co: u32,
    seq_units: f64,
}

/// Reads a pair-count table: Parquet (as the SQL's `COPY … (FORMAT
/// parquet)` or a warehouse export writes it) or CSV (comma- or
/// tab-separated, the delimiter found from the header).
pub fn read_pair_counts(
    path: &Path,
    policy: BadRows,
) -> Result<(PairCounts, ReadStats), InputError> {
    let mut stats = ReadStats::default();
    let (sessions, links) = if ParquetTable::is_parquet_file(path)? {
        read_rows(ParquetTable::open(path)?, policy, &mut stats)?
    } else {
        let bytes = std::fs::read(path).map_err(|source| InputError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let first = bytes.split(|&b| b == b'\n').next().unwrap_or(b"");
        let delimiter = if first.contains(&b'\t') { b'\t' } else { b',' };
        let dialect = Dialect {
            delimiter,
            multiline: false,
            extra_fields: true,
        };
        read_rows(Table::from_bytes(path, bytes, dialect)?, policy, &mut stats)?
    };
    resolve(path, policy, stats, sessions, links)
}

/// The rows of either file: item rows into a map of session counts, link
/// rows kept with their ids for [`resolve`] (items may come after the links
/// naming them).
fn read_rows(
    mut table: impl Columns,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<(HashMap<String, u32>, Vec<LinkRow>), InputError> {
    let c_item = table.require(&["item_id"], "item_id", HINT)?;
    let c_target = table.require(&["target_id"], "target_id", HINT)?;
    let c_sessions = table.require(&["sessions"], "sessions", HINT)?;
    let c_co = table.require(&["co"], "co", HINT)?;
    let c_seq = table.require(&["seq_units"], "seq_units", HINT)?;
    let mut sessions: HashMap<String, u32> = HashMap::new();
    let mut links: Vec<LinkRow> = Vec::new();
    table.for_each_row(policy, stats, |f| {
        let get = |c: usize| f.get(c).unwrap_or("");
        let item = get(c_item);
        if item.is_empty() {
            return Err(("item_id".into(), "empty item id".into()));
        }
        let target = get(c_target);
        if target.is_empty() {
            let n = whole::<u32>(get(c_sessions))
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    (
                        "sessions".to_string(),
                        format!(
                            "`{}` is not a positive whole number (an item row needs its session count)",
                            get(c_sessions)
                        ),
                    )
                })?;
            if sessions.insert(item.to_string(), n).is_some() {
                return Err((
                    "item_id".into(),
                    format!("item `{item}` has two item rows; each item appears once with an empty target_id"),
                ));
            }
            return Ok(());
        }
        if target == item {
            return Err((
                "target_id".into(),
                format!("`{item}` links to itself; the counting SQL never writes self-links"),
            ));
        }
        let co = whole::<u32>(get(c_co)).ok_or_else(|| {
            (
                "co".to_string(),
                format!("`{}` is not a whole number of sessions", get(c_co)),
            )
        })?;
        let seq_units = whole::<u64>(get(c_seq))
            .filter(|&u| u < 1 << 53)
            .ok_or_else(|| {
                (
                    "seq_units".to_string(),
                    format!("`{}` is not a whole number below 2^53", get(c_seq)),
                )
            })?;
        if co == 0 && seq_units == 0 {
            return Err((
                "co".into(),
                "a link with co and seq_units both 0 carries nothing".into(),
            ));
        }
        links.push(LinkRow {
            line: f.line(),
            item: item.to_string(),
            target: target.to_string(),
            co,
            seq_units: seq_units as f64,
        });
        Ok(())
    })?;
    Ok((sessions, links))
}

/// Resolves the links' ids over the sorted vocabulary into [`Counts`].
fn resolve(
    path: &Path,
    policy: BadRows,
    mut stats: ReadStats,
    sessions: HashMap<String, u32>,
    links: Vec<LinkRow>,
) -> Result<(PairCounts, ReadStats), InputError> {
    let mut item_ids: Vec<String> = sessions.keys().cloned().collect();
    item_ids.sort_unstable();
    let index: HashMap<&str, u32> = item_ids
        .iter()
        .enumerate()
        .map(|(k, id)| (id.as_str(), k as u32))
        .collect();
    let n = item_ids.len();
    let mut counts = Counts {
        item_sessions: item_ids.iter().map(|id| sessions[id]).collect(),
        co: vec![HashMap::new(); n],
        seq: vec![HashMap::new(); n],
    };
    let mut kept = 0;
    for l in links {
        let err = |field: &str, reason: String| RowError {
            file: path.to_path_buf(),
            line: l.line,
            field: field.to_string(),
            reason,
        };
        let (Some(&i), Some(&j)) = (index.get(l.item.as_str()), index.get(l.target.as_str()))
        else {
            let (field, id) = if index.contains_key(l.item.as_str()) {
                ("target_id", &l.target)
            } else {
                ("item_id", &l.item)
            };
            stats.reject(
                policy,
                err(
                    field,
                    format!(
                        "`{id}` has no item row (a row with this item_id and an empty target_id)"
                    ),
                ),
            )?;
            continue;
        };
        if counts.co[i as usize].contains_key(&j) || counts.seq[i as usize].contains_key(&j) {
            stats.reject(
                policy,
                err(
                    "target_id",
                    format!("the link `{}` → `{}` appears twice", l.item, l.target),
                ),
            )?;
            continue;
        }
        if l.co > 0 {
            counts.co[i as usize].insert(j, l.co);
        }
        if l.seq_units > 0.0 {
            counts.seq[i as usize].insert(j, l.seq_units);
        }
        kept += 1;
    }
    if n == 0 {
        return Err(InputError::Empty(path.to_path_buf()));
    }
    stats.rows = n + kept;
    Ok((
        PairCounts {
            item_ids,
            counts,
            links: kept,
        },
        stats,
    ))
}

/// A whole number, also written as `12.0` (some engines export BIGINT sums
/// as floats).
fn whole<T: TryFrom<u64>>(s: &str) -> Option<T> {
    let s = s.trim();
    let v = s.parse::<u64>().ok().or_else(|| {
        s.parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && (0.0..1.8e19).contains(f))
            .map(|f| f as u64)
    })?;
    T::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::Dataset;
    use crate::train::{count, neighbours, TrainConfig};
    use std::fmt::Write;

    fn events(sessions: &[&[&str]]) -> Dataset {
        let ev = sessions
            .iter()
            .enumerate()
            .flat_map(|(s, items)| {
                items
                    .iter()
                    .enumerate()
                    .map(move |(t, &item)| crate::input::RawEvent {
                        session: format!("s{s}"),
                        item: item.to_string(),
                        kind: xsell_core::EventKind::AddToCart,
                        time: t as i64,
                        user: None,
                    })
            })
            .collect();
        Dataset::from_events(ev)
    }

    /// The counts as the SQL writes them, rows in reverse (a warehouse keeps
    /// no order).
    fn table(data: &Dataset, c: &Counts) -> String {
        let mut rows = Vec::new();
        for (i, id) in data.item_ids.iter().enumerate() {
            rows.push(format!("{id},,{},,", c.item_sessions[i]));
            let mut targets: Vec<u32> = c.co[i].keys().chain(c.seq[i].keys()).copied().collect();
            targets.sort_unstable();
            targets.dedup();
            for j in targets {
                rows.push(format!(
                    "{id},{},,{},{}",
                    data.item_ids[j as usize],
                    c.co[i].get(&j).copied().unwrap_or(0),
                    c.seq[i].get(&j).copied().unwrap_or(0.0)
                ));
            }
        }
        rows.reverse();
        let mut out = String::from("item_id,target_id,sessions,co,seq_units\n");
        for r in rows {
            writeln!(out, "{r}").unwrap();
        }
        out
    }

    fn read(text: &str, policy: BadRows) -> Result<(PairCounts, ReadStats), InputError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pairs.csv");
        std::fs::write(&path, text).unwrap();
        read_pair_counts(&path, policy)
    }

    /// Links by id: (item, target, co, seq) as stored.
    fn links(ids: &[String], n: &[Vec<xsell_core::Neighbour>]) -> Vec<(String, String, f32, f32)> {
        let mut v: Vec<_> = n
            .iter()
            .enumerate()
            .flat_map(|(i, row)| {
                row.iter()
                    .map(move |l| (ids[i].clone(), ids[l.target as usize].clone(), l.co, l.seq))
            })
            .collect();
        v.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        v
    }

    #[test]
    fn counts_read_back_give_the_in_memory_links() {
        let data = events(&[
            &["b", "a", "c", "a", "d"],
            &["a", "c"],
            &["c", "b", "e", "a", "b"],
            &["d", "e"],
            &["z"],
        ]);
        let cfg = TrainConfig {
            max_neighbours: 2,
            ..TrainConfig::default()
        };
        let c = count(data.n_items(), &data.sessions, &cfg);
        let (read, stats) = read(&table(&data, &c), BadRows::Fail).unwrap();
        assert_eq!(read.item_ids, ["a", "b", "c", "d", "e", "z"]);
        assert_eq!(stats.skipped, 0);
        let native = links(&data.item_ids, &neighbours(&c, &cfg, &data.item_ids));
        let back = links(
            &read.item_ids,
            &neighbours(&read.counts, &cfg, &read.item_ids),
        );
        assert_eq!(native, back);
        assert!(native.len() >= 8, "{native:?}");
    }

    #[test]
    fn bad_rows_name_the_line_and_the_field() {
        let cases = [
            ("a,,0,,\n", 2, "sessions", "not a positive whole number"),
            ("a,,3,,\na,,2,,\n", 3, "item_id", "two item rows"),
            ("a,,3,,\na,a,,1,0\n", 3, "target_id", "links to itself"),
            ("a,,3,,\nb,,1,,\na,b,,x,0\n", 4, "co", "not a whole number"),
            ("a,,3,,\nb,,1,,\na,b,,0,0\n", 4, "co", "carries nothing"),
            ("a,,3,,\na,q,,1,0\n", 3, "target_id", "`q` has no item row"),
            (
                "a,,3,,\nb,,1,,\na,b,,1,0\na,b,,2,0\n",
                5,
                "target_id",
                "appears twice",
            ),
        ];
        for (body, line, field, reason) in cases {
            // A good row after the bad one, so that skipping leaves a table.
            let text = format!("item_id,target_id,sessions,co,seq_units\n{body}zz,,1,,\n");
            let e = read(&text, BadRows::Fail).unwrap_err().to_string();
            assert!(
                e.contains(&format!("pairs.csv:{line}: field `{field}`")) && e.contains(reason),
                "{body:?}: {e}"
            );
            let (_, stats) = read(&text, BadRows::Skip).unwrap();
            assert_eq!(stats.skipped, 1, "{body:?}");
        }
        let e = read("item,target\n", BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no `item_id` column") && e.contains("sql/pair_counts.sql"),
            "{e}"
        );
    }

    #[test]
    fn floats_that_are_whole_numbers_are_accepted() {
        let (p, _) = read(
            "item_id\ttarget_id\tsessions\tco\tseq_units\na\t\t3.0\t\t\nb\t\t1\t\t\na\tb\t\t1.0\t2520.0\n",
            BadRows::Fail,
        )
        .unwrap();
        assert_eq!(p.counts.item_sessions, [3, 1]);
        assert_eq!(p.counts.co[0][&1], 1);
        assert_eq!(p.counts.seq[0][&1], 2520.0);
    }

    /// `crates/input/tests/fixtures/pair_counts.parquet` is what DuckDB's
    /// run of `sql/pair_counts.sql` wrote over `events.parquet`, made from
    /// `events.csv` (`scripts/parquet_fixtures.py`): read back, it keeps the
    /// links counting that CSV in memory keeps, once the CSV's one tie (two
    /// purchases of session s-1001 in the same second) is ordered as the
    /// SQL orders ties, by item id (docs/warehouse.md).
    #[test]
    fn the_sqls_parquet_output_gives_the_in_memory_links() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../input/tests/fixtures");
        let (events, _) = crate::input::read_events(
            &fixtures.join("events.csv"),
            crate::input::EventFormat::Csv,
            BadRows::Fail,
        )
        .unwrap();
        let cfg = TrainConfig::default();
        let native = |events: Vec<crate::input::RawEvent>| {
            let data = Dataset::from_events(events);
            let c = count(data.n_items(), &data.sessions, &cfg);
            (
                links(&data.item_ids, &neighbours(&c, &cfg, &data.item_ids)),
                data,
            )
        };
        let (read, _) =
            read_pair_counts(&fixtures.join("pair_counts.parquet"), BadRows::Fail).unwrap();
        let back = links(
            &read.item_ids,
            &neighbours(&read.counts, &cfg, &read.item_ids),
        );
        let (file_order, _) = native(events.clone());
        assert_ne!(file_order, back, "the tie orders the two paths differently");
        let mut by_item = events;
        by_item.sort_by(|a, b| (&a.session, a.time, &a.item).cmp(&(&b.session, b.time, &b.item)));
        let (tie_by_item, data) = native(by_item);
        assert!(!back.is_empty());
        assert_eq!(tie_by_item, back);
        let mut ids = data.item_ids.clone();
        ids.sort();
        assert_eq!(read.item_ids, ids);
    }
}
