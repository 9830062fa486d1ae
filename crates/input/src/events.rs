//! Event logs: the session-rec/GRU4Rec TSV, OTTO JSON lines, GA4's
//! BigQuery export ([`ga4`]), Shopify's orders export ([`shopify`]), and
//! xsell's generic event CSV / JSON lines (documented in
//! `docs/input-formats.md`).

mod ga4;
mod shopify;

use super::{
    json_lines, read_bytes, row_err, BadRows, Dialect, InputError, RawEvent, ReadStats, Table,
};
use serde::Deserialize;
use std::path::Path;
use xsell_core::EventKind;

/// Which event-log format a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum EventFormat {
    /// Decide from the extension and first line.
    Auto,
    /// session-rec / GRU4Rec: tab-separated `SessionId ItemId Time`.
    SessionRec,
    /// OTTO: `{"session", "events": [{"aid", "ts", "type"}]}` per line.
    Otto,
    /// Generic CSV: `session_id,item_id,event,timestamp[,user]`.
    Csv,
    /// Generic JSON lines with the same fields as the CSV.
    Jsonl,
    /// GA4's BigQuery export (`events_*` rows) as newline-delimited JSON.
    Ga4,
    /// Shopify's orders export CSV (one row per line item; every order a purchase).
    Shopify,
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
pub fn read_events(
    path: &Path,
    format: EventFormat,
    policy: BadRows,
) -> Result<(Vec<RawEvent>, ReadStats), InputError> {
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
        EventFormat::Jsonl | EventFormat::Auto => read_jsonl(path, &bytes, policy, &mut stats)?,
    };
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
    let mut table = Table::from_bytes(path, bytes, dialect)?;
    let hint = if session_rec {
        "session-rec files start with `SessionId\\tItemId\\tTime`"
    } else {
        "generic event CSV needs session_id,item_id,event,timestamp (user optional)"
    };
    let c_session = table.require(&["SessionId", "session_id", "session"], "session_id", hint)?;
    let c_item = table.require(&["ItemId", "item_id", "item", "aid"], "item_id", hint)?;
    let c_time = table.require(&["Time", "timestamp", "ts"], "timestamp", hint)?;
    let c_event = table.find(&["event", "event_name", "type"]);
    if !session_rec && c_event.is_none() {
        table.require(&["event"], "event", hint)?;
    }
    let c_user = table.find(&["user", "user_id", "UserId", "user_pseudonym"]);
    let names: Vec<String> = [c_session, c_item, c_time, c_event.unwrap_or(0)]
        .iter()
        .map(|&c| table.name(c).to_string())
        .collect();
    let mut out = Vec::new();
    table.rows(path, policy, stats, |f| {
        let get = |c: usize| f.get(c).unwrap_or("");
        let (session, item) = (get(c_session), get(c_item));
        if session.is_empty() {
            return Err((names[0].clone(), "empty session id".into()));
        }
        if item.is_empty() {
            return Err((names[1].clone(), "empty item id".into()));
        }
        let time = parse_time(get(c_time)).ok_or_else(|| {
            (
                names[2].clone(),
                format!("`{}` is not a number", get(c_time)),
            )
        })?;
        let kind = match c_event {
            None => EventKind::AddToCart,
            Some(c) => EventKind::from_name(get(c)).ok_or_else(|| {
                (
                    names[3].clone(),
                    format!("unknown event `{}`; use a GA4 name: view_item, add_to_cart, remove_from_cart, purchase, select_item", get(c)),
                )
            })?,
        };
        let user = c_user.map(|c| get(c).to_string()).filter(|u| !u.is_empty());
        out.push(RawEvent {
            session: session.to_string(),
            item: item.to_string(),
            kind,
            time,
            user,
        });
        Ok(())
    })?;
    Ok(out)
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
