//! Event logs: the session-rec/GRU4Rec TSV, OTTO JSON lines, GA4's
//! BigQuery export as JSON lines or Parquet ([`ga4`]), Shopify's orders
//! export ([`shopify`]), and xsell's generic event CSV / JSON lines /
//! Parquet (documented in `docs/input-formats.md`). The generic CSV and
//! Parquet tables and session-rec's TSV share one row mapping
//! ([`EventColumns`]).

mod ga4;
mod shopify;

use super::parquet_table::MAGIC;
use super::{
    json_lines, read_bytes, row_err, BadRows, Columns, Dialect, InputError, ParquetTable, RawEvent,
    ReadStats, Record, Table,
};
use serde::Deserialize;
use std::path::Path;
use xsell_core::EventKind;

/// Which event-log format a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum EventFormat {
    /// Decide from the first bytes (Parquet's `PAR1`), the extension and the first line.
    Auto,
    /// session-rec / GRU4Rec: tab-separated `SessionId ItemId Time`.
    SessionRec,
    /// OTTO: `{"session", "events": [{"aid", "ts", "type"}]}` per line.
    Otto,
    /// Generic CSV: `session_id,item_id,event,timestamp[,user]`.
    Csv,
    /// Generic JSON lines with the same fields as the CSV.
    Jsonl,
    /// GA4's BigQuery export (`events_*` rows) as newline-delimited JSON
    /// or as Parquet (told apart by Parquet's `PAR1` magic).
    Ga4,
    /// Shopify's orders export CSV (one row per line item; every order a purchase).
    Shopify,
    /// Generic Parquet table with the generic CSV's columns.
    Parquet,
}

fn detect(path: &Path, bytes: &[u8]) -> EventFormat {
    let first = String::from_utf8_lossy(bytes.split(|&b| b == b'\n').next().unwrap_or(b""));
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if first.contains("\"event_name\"") && first.contains("\"user_pseudo_id\"") {
        EventFormat::Ga4
    } else if first.contains("\"events\"") {
        EventFormat::Otto
    } else if ext == "jsonl"
        || ext == "json"
        || first
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
    {
        EventFormat::Jsonl
    } else if first.contains("Lineitem sku") || first.contains("Lineitem name") {
        EventFormat::Shopify
    } else if first.contains('\t') {
        EventFormat::SessionRec
    } else {
        EventFormat::Csv
    }
}

/// Reads an event log. Events come back in file order.
///
/// A Parquet file is read where it lies, a row group at a time; other
/// formats are read whole.
pub fn read_events(
    path: &Path,
    format: EventFormat,
    policy: BadRows,
) -> Result<(Vec<RawEvent>, ReadStats), InputError> {
    if is_parquet(format, ParquetTable::is_parquet_file(path)?) {
        return read_parquet(path, ParquetTable::open(path)?, format, policy);
    }
    parse_events(path, read_bytes(path)?, format, policy)
}

/// Reads an event log held in memory (`path` names it in messages and,
/// with [`EventFormat::Auto`], its extension helps decide the format).
pub fn parse_events(
    path: &Path,
    bytes: Vec<u8>,
    format: EventFormat,
    policy: BadRows,
) -> Result<(Vec<RawEvent>, ReadStats), InputError> {
    if is_parquet(format, bytes.starts_with(MAGIC)) {
        return read_parquet(path, ParquetTable::from_bytes(path, bytes)?, format, policy);
    }
    let format = if format == EventFormat::Auto {
        detect(path, &bytes)
    } else {
        format
    };
    let mut stats = ReadStats::default();
    let events = match format {
        EventFormat::SessionRec => read_delimited(path, bytes, b'\t', policy, &mut stats, true)?,
        EventFormat::Csv => read_delimited(path, bytes, b',', policy, &mut stats, false)?,
        EventFormat::Otto => read_otto(path, &bytes, policy, &mut stats)?,
        EventFormat::Ga4 => ga4::read(path, &bytes, policy, &mut stats)?,
        EventFormat::Shopify => shopify::read(path, bytes, policy, &mut stats)?,
        EventFormat::Jsonl | EventFormat::Auto | EventFormat::Parquet => {
            read_jsonl(path, &bytes, policy, &mut stats)?
        }
    };
    finish(path, events, stats)
}

/// Whether a file in `format` is read as Parquet, `magic` saying whether it
/// starts with `PAR1`: always when forced, by its magic where the format
/// admits Parquet (`auto`, and `ga4` for the export in either form).
fn is_parquet(format: EventFormat, magic: bool) -> bool {
    format == EventFormat::Parquet
        || (magic && matches!(format, EventFormat::Auto | EventFormat::Ga4))
}

/// Reads a Parquet event table: GA4's export (forced, or by its columns
/// `event_name` and `user_pseudo_id`) or the generic event table.
fn read_parquet(
    path: &Path,
    mut table: ParquetTable,
    format: EventFormat,
    policy: BadRows,
) -> Result<(Vec<RawEvent>, ReadStats), InputError> {
    let has = |name: &str| table.column_names().any(|c| c.eq_ignore_ascii_case(name));
    let ga4 = format == EventFormat::Ga4
        || (format == EventFormat::Auto && has("event_name") && has("user_pseudo_id"));
    let mut stats = ReadStats::default();
    let events = if ga4 {
        ga4::read_parquet(path, &mut table, policy, &mut stats)?
    } else {
        read_table(table, policy, &mut stats, false)?
    };
    finish(path, events, stats)
}

/// A read's events, refused if there are none.
fn finish(
    path: &Path,
    events: Vec<RawEvent>,
    mut stats: ReadStats,
) -> Result<(Vec<RawEvent>, ReadStats), InputError> {
    if events.is_empty() {
        return Err(InputError::Empty(path.to_path_buf()));
    }
    stats.rows = events.len();
    Ok((events, stats))
}

fn read_delimited(
    path: &Path,
    bytes: Vec<u8>,
    delimiter: u8,
    policy: BadRows,
    stats: &mut ReadStats,
    session_rec: bool,
) -> Result<Vec<RawEvent>, InputError> {
    // Ids and times never hold a line break: a record spanning lines is an
    // unclosed quote, and costs its first line only.
    let dialect = Dialect {
        delimiter,
        multiline: false,
        extra_fields: true,
    };
    let table = Table::from_bytes(path, bytes, dialect)?;
    read_table(table, policy, stats, session_rec)
}

/// Reads events from a table through [`EventColumns`]: a session-rec TSV,
/// a generic event CSV or a generic event Parquet table.
fn read_table(
    mut table: impl Columns,
    policy: BadRows,
    stats: &mut ReadStats,
    session_rec: bool,
) -> Result<Vec<RawEvent>, InputError> {
    let columns = EventColumns::find(&table, session_rec)?;
    let mut out = Vec::new();
    table.for_each_row(policy, stats, |row| {
        out.push(columns.event(row)?);
        Ok(())
    })?;
    Ok(out)
}

/// Where a table's event columns are: the generic event table's
/// `session_id,item_id,event,timestamp[,user]` (with their aliases), or
/// session-rec's `SessionId,ItemId,Time`.
struct EventColumns {
    session: usize,
    item: usize,
    time: usize,
    /// `None` in a session-rec file: every event counts as a cart add.
    event: Option<usize>,
    user: Option<usize>,
    /// The file's names of session, item, time and event, for messages.
    names: [String; 4],
}

impl EventColumns {
    fn find(table: &impl Columns, session_rec: bool) -> Result<Self, InputError> {
        let hint = if session_rec {
            "session-rec files start with `SessionId\\tItemId\\tTime`"
        } else {
            "a generic event table (CSV or Parquet) needs session_id,item_id,event,timestamp (user optional)"
        };
        let session = table.require(&["SessionId", "session_id", "session"], "session_id", hint)?;
        let item = table.require(&["ItemId", "item_id", "item", "aid"], "item_id", hint)?;
        let time = table.require(&["Time", "timestamp", "ts"], "timestamp", hint)?;
        let event = table.find(&["event", "event_name", "type"]);
        if !session_rec && event.is_none() {
            table.require(&["event"], "event", hint)?;
        }
        let user = table.find(&["user", "user_id", "UserId", "user_pseudonym"]);
        let names = [session, item, time, event.unwrap_or(0)].map(|c| table.name(c).to_string());
        Ok(Self {
            session,
            item,
            time,
            event,
            user,
            names,
        })
    }

    /// One row as an event, or the field at fault and why.
    fn event(&self, row: &impl Record) -> Result<RawEvent, (String, String)> {
        let get = |c: usize| row.get(c).unwrap_or("");
        let (session, item) = (get(self.session), get(self.item));
        if session.is_empty() {
            return Err((self.names[0].clone(), "empty session id".into()));
        }
        if item.is_empty() {
            return Err((self.names[1].clone(), "empty item id".into()));
        }
        let time = parse_time(get(self.time)).ok_or_else(|| {
            (
                self.names[2].clone(),
                format!("`{}` is not a number", get(self.time)),
            )
        })?;
        let kind = match self.event {
            None => EventKind::AddToCart,
            Some(c) => EventKind::from_name(get(c)).ok_or_else(|| {
                (
                    self.names[3].clone(),
                    format!("unknown event `{}`; use a GA4 name: view_item, add_to_cart, remove_from_cart, purchase, select_item", get(c)),
                )
            })?,
        };
        let user = self
            .user
            .map(|c| get(c).to_string())
            .filter(|u| !u.is_empty());
        Ok(RawEvent {
            session: session.to_string(),
            item: item.to_string(),
            kind,
            time,
            user,
        })
    }
}

fn parse_time(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().or_else(|| {
        s.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && f.abs() < 9e15)
            .map(|f| f as i64)
    })
}

#[derive(Deserialize)]
struct OttoLine {
    session: serde_json::Value,
    events: Vec<OttoEvent>,
}

#[derive(Deserialize)]
struct OttoEvent {
    aid: serde_json::Value,
    ts: i64,
    #[serde(rename = "type")]
    kind: String,
}

fn id_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One JSON line, or why it is not one (`T` may borrow from the line).
fn json_line<'a, T: Deserialize<'a>>(
    line: Result<&'a str, std::str::Utf8Error>,
) -> Result<T, String> {
    let line = line.map_err(|_| "not valid UTF-8; save the file as UTF-8".to_string())?;
    serde_json::from_str(line.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())
}

fn read_otto(
    path: &Path,
    bytes: &[u8],
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<RawEvent>, InputError> {
    let mut out = Vec::new();
    for (ln, line) in json_lines(bytes) {
        let parsed: OttoLine = match json_line(line) {
            Ok(p) => p,
            Err(e) => {
                stats.reject(policy, row_err(path, ln, "json", e.to_string()))?;
                continue;
            }
        };
        let Some(session) = id_text(&parsed.session) else {
            stats.reject(
                policy,
                row_err(
                    path,
                    ln,
                    "session",
                    "must be a number or a non-empty string",
                ),
            )?;
            continue;
        };
        for (j, e) in parsed.events.iter().enumerate() {
            let (Some(item), Some(kind)) = (id_text(&e.aid), EventKind::from_name(&e.kind)) else {
                stats.reject(
                    policy,
                    row_err(
                        path,
                        ln,
                        &format!("events[{j}]"),
                        format!(
                            "bad aid or unknown type `{}` (expected clicks, carts, orders)",
                            e.kind
                        ),
                    ),
                )?;
                continue;
            };
            out.push(RawEvent {
                session: session.clone(),
                item,
                kind,
                time: e.ts,
                user: None,
            });
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct JsonEvent {
    session_id: serde_json::Value,
    item_id: serde_json::Value,
    event: String,
    timestamp: i64,
    #[serde(default)]
    user: Option<String>,
}

fn read_jsonl(
    path: &Path,
    bytes: &[u8],
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<RawEvent>, InputError> {
    let mut out = Vec::new();
    for (ln, line) in json_lines(bytes) {
        let e: JsonEvent = match json_line(line) {
            Ok(e) => e,
            Err(e) => {
                stats.reject(policy, row_err(path, ln, "json", format!("{e}; expected {{\"session_id\", \"item_id\", \"event\", \"timestamp\"}}")))?;
                continue;
            }
        };
        let (Some(session), Some(item)) = (id_text(&e.session_id), id_text(&e.item_id)) else {
            stats.reject(
                policy,
                row_err(
                    path,
                    ln,
                    "session_id/item_id",
                    "must be numbers or non-empty strings",
                ),
            )?;
            continue;
        };
        let Some(kind) = EventKind::from_name(&e.event) else {
            stats.reject(
                policy,
                row_err(path, ln, "event", format!("unknown event `{}`", e.event)),
            )?;
            continue;
        };
        out.push(RawEvent {
            session,
            item,
            kind,
            time: e.timestamp,
            user: e.user,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tmp(name: &str, body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        (dir, p)
    }

    #[test]
    fn session_rec_tsv_reads_and_names_bad_rows() {
        let (_d, p) = tmp(
            "t.txt",
            "SessionId\tItemId\tTime\n1\t10\t100\n1\t11\tabc\n2\t12\t102\n",
        );
        let err = read_events(&p, EventFormat::Auto, BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.txt:3") && err.contains("Time") && err.contains("abc"),
            "{err}"
        );
        let (ev, st) = read_events(&p, EventFormat::Auto, BadRows::Skip).unwrap();
        assert_eq!(ev.len(), 2);
        assert_eq!(st.skipped, 1);
        assert_eq!(ev[1].item, "12");
    }

    #[test]
    fn otto_jsonl_maps_event_types() {
        let (_d, p) = tmp(
            "o.jsonl",
            r#"{"session":0,"events":[{"aid":5,"ts":1,"type":"clicks"},{"aid":6,"ts":2,"type":"carts"},{"aid":6,"ts":3,"type":"orders"}]}"#,
        );
        let (ev, _) = read_events(&p, EventFormat::Auto, BadRows::Fail).unwrap();
        assert_eq!(
            ev.iter().map(|e| e.kind).collect::<Vec<_>>(),
            vec![EventKind::View, EventKind::AddToCart, EventKind::Purchase]
        );
    }

    #[test]
    fn generic_csv_needs_event_column_and_known_names() {
        let (_d, p) = tmp("e.csv", "session_id,item_id,timestamp\n1,2,3\n");
        let err = read_events(&p, EventFormat::Auto, BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`event`"), "{err}");
        let (_d, p) = tmp(
            "e.csv",
            "session_id,item_id,event,timestamp,user\ns1,sku-1,view_item,10,u\ns1,sku-2,buy,11,u\n",
        );
        let err = read_events(&p, EventFormat::Auto, BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(err.contains("e.csv:3") && err.contains("buy"), "{err}");
    }

    #[test]
    fn generic_jsonl_reads_user() {
        let (_d, p) = tmp("e.jsonl", "{\"session_id\":\"a\",\"item_id\":7,\"event\":\"add_to_cart\",\"timestamp\":5,\"user\":\"p1\"}\nnot json\n");
        assert!(read_events(&p, EventFormat::Auto, BadRows::Fail)
            .unwrap_err()
            .to_string()
            .contains("e.jsonl:2"));
        let (ev, st) = read_events(&p, EventFormat::Auto, BadRows::Skip).unwrap();
        assert_eq!((ev.len(), st.skipped), (1, 1));
        assert_eq!(ev[0].user.as_deref(), Some("p1"));
    }
}
