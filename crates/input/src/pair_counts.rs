//! The counting stage's output read back: `xsell train --pair-counts FILE`
//! builds a model from what `sql/pair_counts.sql` computed in a warehouse,
//! instead of counting events in memory. Here so the fuzz target reads it
//! without the trainer.
//!
//! The table has the columns `item_id, target_id, sessions, co, seq_units`:
//! a row with an empty `target_id` is an item and its session count; any
//! other row is a kept link with its raw counts (documented in
//! `docs/input-formats.md`, "Counting in a warehouse"). Rows may come in any
//! order, as a warehouse writes them; the vocabulary is sorted by item id so
//! the same table always gives the same model.

use crate::{
    check_id, row_err, BadRows, Columns, Dialect, InputError, ParquetTable, ReadStats, Record,
    Table,
};
use std::collections::HashMap;
use std::path::Path;

/// Counts read from a pair-count table, over a sorted vocabulary (the
/// trainer's `Counts`, as the in-memory counter makes them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairCounts {
    /// Item ids, sorted (byte order).
    pub item_ids: Vec<String>,
    /// Sessions containing each item, indexed like `item_ids`.
    pub item_sessions: Vec<u32>,
    /// Co-occurrence sessions per link (`co > 0` only).
    pub co: Vec<HashMap<u32, u32>>,
    /// Sequential sums per link in the counter's units (`seq_units > 0`
    /// only).
    pub seq: Vec<HashMap<u32, f64>>,
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
    if ParquetTable::is_parquet_file(path)? {
        let mut stats = ReadStats::default();
        let (sessions, links) = read_rows(ParquetTable::open(path)?, policy, &mut stats)?;
        return resolve(path, policy, stats, sessions, links);
    }
    let bytes = std::fs::read(path).map_err(|source| InputError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_pair_counts(path, bytes, policy)
}

/// [`read_pair_counts`] on a file held in memory (Parquet when it starts
/// with `PAR1`); `path` names it in errors.
pub fn parse_pair_counts(
    path: &Path,
    bytes: Vec<u8>,
    policy: BadRows,
) -> Result<(PairCounts, ReadStats), InputError> {
    let mut stats = ReadStats::default();
    let (sessions, links) = if bytes.starts_with(b"PAR1") {
        read_rows(ParquetTable::from_bytes(path, bytes)?, policy, &mut stats)?
    } else {
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
        check_id("item_id", item)?;
        let target = get(c_target);
        if !target.is_empty() {
            check_id("target_id", target)?;
        }
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
    let mut counts = PairCounts {
        item_sessions: item_ids.iter().map(|id| sessions[id]).collect(),
        co: vec![HashMap::new(); n],
        seq: vec![HashMap::new(); n],
        ..PairCounts::default()
    };
    let mut kept = 0;
    for l in links {
        let err = |field: &str, reason: String| row_err(path, l.line, field, reason);
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
    counts.item_ids = item_ids;
    counts.links = kept;
    Ok((counts, stats))
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
