//! The recipients export: the key the shop's e-mail tool already uses and
//! each recipient's recent orders.
//!
//! - CSV, one row per order line: `recipient,order,time,item`.
//! - JSON lines: `{"recipient": "...", "orders": [{"time": ..., "items": ["id", ...]}]}`.
//!
//! `time` is RFC 3339 (`2026-11-20T10:00:00Z`) or seconds / milliseconds
//! since 1970 (numbers above 10^11 are milliseconds).

use crate::{check_id, row_err, BadRows, InputError, ReadStats, Table};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The recipients file's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum RecipientFormat {
    /// By extension: `.jsonl` / `.json` are JSON lines, anything else CSV.
    Auto,
    /// CSV, one row per order line.
    Csv,
    /// JSON lines, one recipient per line.
    Jsonl,
}

/// One order as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOrder {
    /// ms since 1970.
    pub time_ms: u64,
    /// The shop's item ids.
    pub items: Vec<String>,
}

/// One recipient as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The shop's recipient key (it stays in the assignments file).
    pub key: String,
    /// Orders, in file order.
    pub orders: Vec<RawOrder>,
}

/// Reads a recipients file; recipients keep their first appearance's order.
pub fn read_recipients(
    path: &Path,
    format: RecipientFormat,
    bad_rows: BadRows,
) -> Result<(Vec<Recipient>, ReadStats), InputError> {
    let bytes = std::fs::read(path).map_err(|source| InputError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_recipients(path, bytes, format, bad_rows)
}

/// [`read_recipients`] on a file held in memory (`path` names it in errors
/// and, for [`RecipientFormat::Auto`], gives its form).
pub fn parse_recipients(
    path: &Path,
    bytes: Vec<u8>,
    format: RecipientFormat,
    bad_rows: BadRows,
) -> Result<(Vec<Recipient>, ReadStats), InputError> {
    let jsonl = match format {
        RecipientFormat::Jsonl => true,
        RecipientFormat::Csv => false,
        RecipientFormat::Auto => path
            .extension()
            .is_some_and(|e| e == "jsonl" || e == "json"),
    };
    let (out, stats) = if jsonl {
        read_jsonl(path, bytes, bad_rows)?
    } else {
        read_csv(path, bytes, bad_rows)?
    };
    if out.is_empty() {
        return Err(InputError::Empty(path.to_path_buf()));
    }
    Ok((out, stats))
}

/// A time as ms since 1970.
pub fn parse_time(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u64>() {
        let ms = if n > 100_000_000_000 { n } else { n * 1000 };
        // No later than the year 9999, as for RFC 3339 times.
        return i64::try_from(ms)
            .ok()
            .filter(|&ms| jiff::Timestamp::from_millisecond(ms).is_ok())
            .map(|_| ms)
            .ok_or_else(|| {
                format!("`{t}` is after the year 9999: give seconds or milliseconds since 1970")
            });
    }
    t.parse::<jiff::Timestamp>()
        .ok()
        .and_then(|ts| u64::try_from(ts.as_millisecond()).ok())
        .ok_or_else(|| {
            format!(
                "`{}` is not a time: give RFC 3339 (2026-11-20T10:00:00Z) or seconds since 1970",
                t.chars().take(40).collect::<String>()
            )
        })
}

fn read_csv(
    path: &Path,
    bytes: Vec<u8>,
    bad_rows: BadRows,
) -> Result<(Vec<Recipient>, ReadStats), InputError> {
    let mut table = Table::open_bytes(
        path,
        bytes,
        ["recipient", "order", "time", "item"],
        "a recipients CSV has one row per order line: recipient,order,time,item",
    )?;
    let [rc, oc, tc, ic] = table.columns;
    let mut stats = ReadStats::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut orders: Vec<HashMap<String, usize>> = Vec::new();
    let mut out: Vec<Recipient> = Vec::new();
    table.rows(path, bad_rows, &mut stats, |record| {
        let get = |c: usize| record.get(c).unwrap_or("");
        check_id("recipient", get(rc))?;
        check_id("order", get(oc))?;
        check_id("item", get(ic))?;
        let time_ms = parse_time(get(tc)).map_err(|r| ("time".to_string(), r))?;
        let r = *index.entry(get(rc).to_string()).or_insert_with(|| {
            out.push(Recipient {
                key: get(rc).to_string(),
                orders: Vec::new(),
            });
            orders.push(HashMap::new());
            out.len() - 1
        });
        let o = *orders[r].entry(get(oc).to_string()).or_insert_with(|| {
            out[r].orders.push(RawOrder {
                time_ms,
                items: Vec::new(),
            });
            out[r].orders.len() - 1
        });
        out[r].orders[o].items.push(get(ic).to_string());
        Ok(())
    })?;
    Ok((out, stats))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRecipient {
    recipient: String,
    orders: Vec<JsonOrder>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonOrder {
    time: serde_json::Value,
    items: Vec<String>,
}

fn read_jsonl(
    path: &Path,
    bytes: Vec<u8>,
    bad_rows: BadRows,
) -> Result<(Vec<Recipient>, ReadStats), InputError> {
    let text = String::from_utf8(bytes).map_err(|e| InputError::Io {
        file: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    let mut stats = ReadStats::default();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<JsonRecipient>(line)
            .map_err(|e| ("recipient".to_string(), e.to_string()))
            .and_then(|j| {
                check_id("recipient", &j.recipient)?;
                let mut orders = Vec::with_capacity(j.orders.len());
                for o in j.orders {
                    let time = match &o.time {
                        serde_json::Value::String(s) => parse_time(s),
                        serde_json::Value::Number(n) => parse_time(&n.to_string()),
                        _ => Err("a time is an RFC 3339 string or a number".into()),
                    }
                    .map_err(|r| ("orders.time".to_string(), r))?;
                    for item in &o.items {
                        check_id("orders.items", item)?;
                    }
                    orders.push(RawOrder {
                        time_ms: time,
                        items: o.items,
                    });
                }
                Ok(Recipient {
                    key: j.recipient,
                    orders,
                })
            });
        match parsed {
            Ok(r) => {
                stats.rows += 1;
                out.push(r);
            }
            Err((field, reason)) => stats.reject(bad_rows, row_err(path, i + 1, &field, reason))?,
        }
    }
    Ok((out, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(ext: &str, text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn csv_and_jsonl_read_the_same_recipients() {
        let csv = file(
            ".csv",
            "recipient,order,time,item\na@x.example,1,2026-11-01T10:00:00Z,196\na@x.example,1,2026-11-01T10:00:00Z,14084\nb,7,1761990000,12\na@x.example,2,1762000000000,13\n",
        );
        let (r, st) = read_recipients(csv.path(), RecipientFormat::Auto, BadRows::Fail).unwrap();
        assert_eq!(st.rows, 4);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].orders.len(), 2);
        assert_eq!(r[0].orders[0].items, ["196", "14084"]);
        assert_eq!(r[0].orders[0].time_ms, 1_793_527_200_000);
        assert_eq!(r[1].orders[0].time_ms, 1_761_990_000_000);
        let jl = file(
            ".jsonl",
            "{\"recipient\":\"a@x.example\",\"orders\":[{\"time\":\"2026-11-01T10:00:00Z\",\"items\":[\"196\",\"14084\"]}]}\n",
        );
        let (j, _) = read_recipients(jl.path(), RecipientFormat::Auto, BadRows::Fail).unwrap();
        assert_eq!(j[0].orders[0], r[0].orders[0]);
    }

    #[test]
    fn bad_rows_name_file_line_and_field() {
        let csv = file(
            ".csv",
            "recipient,order,time,item\na,1,yesterday,5\nb,2,1761990000,6\n",
        );
        let e = read_recipients(csv.path(), RecipientFormat::Csv, BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(":2: field `time`") && e.contains("RFC 3339"),
            "{e}"
        );
        let (r, st) = read_recipients(csv.path(), RecipientFormat::Csv, BadRows::Skip).unwrap();
        assert_eq!((r.len(), st.skipped), (1, 1));
        let jl = file(
            ".jsonl",
            "{\"recipient\":\"a\",\"orders\":[{\"time\":true,\"items\":[]}]}\n",
        );
        let e = read_recipients(jl.path(), RecipientFormat::Auto, BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(e.contains(":1: field `orders.time`"), "{e}");
        let e = parse_time("99999999999999999").unwrap_err();
        assert!(e.contains("after the year 9999"), "{e}");
        let csv = file(".csv", "customer,order,time,item\n");
        let e = read_recipients(csv.path(), RecipientFormat::Csv, BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `recipient` column"), "{e}");
    }
}
