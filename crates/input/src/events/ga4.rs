//! GA4's BigQuery export: the `events_*` tables written out as
//! newline-delimited JSON, one event a line, or as Parquet, one event a
//! row. A Parquet row is turned into the JSON value its JSON line would be
//! and read into the same [`Row`], so both go through one mapping
//! ([`map_row`]) with the same stats and the same errors.
//!
//! A line is `{"event_name", "event_timestamp", "user_pseudo_id",
//! "event_params": [{"key", "value": {"string_value", "int_value", ...}}],
//! "items": [{"item_id", ...}], ...}`; every other field is ignored. Each
//! item of an e-commerce event (`view_item`, `add_to_cart`,
//! `remove_from_cart`, `purchase`, `select_item`) becomes one [`RawEvent`]
//! in the session `user_pseudo_id.ga_session_id`; events of other names
//! (`page_view`, `session_start`, `view_item_list`, `begin_checkout`, ...)
//! say nothing about an item xsell could use and are counted in
//! [`ReadStats::ignored`], not rejected.
//!
//! BigQuery writes INT64 columns as JSON strings (`"event_timestamp":
//! "1709286922123456"`), other tools write numbers: both are read.

use super::{id_text, json_line, parse_time};
use crate::{json_lines, row_err, BadRows, InputError, ParquetTable, RawEvent, ReadStats};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::path::Path;
use xsell_core::EventKind;

/// The fields of an export row that the reader uses.
#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow)]
    event_name: Cow<'a, str>,
    #[serde(default)]
    event_timestamp: Option<Value>,
    #[serde(default, borrow)]
    user_pseudo_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    event_params: Option<Vec<Param<'a>>>,
    #[serde(default)]
    items: Option<Vec<Item>>,
}

/// One `event_params` entry: a key and a value in one of four typed slots.
#[derive(Deserialize)]
struct Param<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(default)]
    value: Option<ParamValue>,
}

#[derive(Deserialize)]
struct ParamValue {
    #[serde(default)]
    string_value: Option<Value>,
    #[serde(default)]
    int_value: Option<Value>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    item_id: Option<Value>,
}

/// GA4's stand-in for a value that was not sent.
const NOT_SET: &str = "(not set)";

/// `ga_session_id` from the event's parameters: an `int_value` (a number,
/// or a string in BigQuery's JSON), or a `string_value` where a tag sent it
/// as text.
fn session_id(params: &[Param<'_>]) -> Option<String> {
    let value = params
        .iter()
        .find(|p| p.key == "ga_session_id")?
        .value
        .as_ref()?;
    [&value.int_value, &value.string_value]
        .into_iter()
        .flatten()
        .find_map(id_text)
}

/// `event_timestamp`, microseconds since 1970, as a number or a string.
fn timestamp(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => parse_time(&n.to_string()),
        Value::String(s) => parse_time(s.trim()),
        _ => None,
    }
}

/// Reads a GA4 export held in memory as newline-delimited JSON.
pub(super) fn read(
    path: &Path,
    bytes: &[u8],
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<RawEvent>, InputError> {
    let mut out = Vec::new();
    for (ln, line) in json_lines(bytes) {
        match json_line::<Row<'_>>(line) {
            Ok(row) => map_row(&row, path, ln, policy, stats, &mut out)?,
            Err(e) => stats.reject(
                policy,
                row_err(
                    path,
                    ln,
                    "json",
                    format!("{e}; expected a row of GA4's BigQuery export ({{\"event_name\", \"event_timestamp\", \"user_pseudo_id\", \"event_params\", \"items\"}})"),
                ),
            )?,
        }
    }
    Ok(out)
}

/// Reads a GA4 export written as Parquet (BigQuery's `EXPORT DATA ...
/// format = 'PARQUET'`, or the table copied by Spark or DuckDB): each row,
/// its nested `event_params` and `items` included, becomes the same
/// [`Row`] a JSON line does and goes through the same mapping; `LINE` in
/// messages is the row number.
pub(super) fn read_parquet(
    path: &Path,
    table: &mut ParquetTable,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<RawEvent>, InputError> {
    let hint = "GA4's BigQuery export has the columns event_name, event_timestamp, user_pseudo_id, event_params and items";
    table.require(&["event_name"], "event_name", hint)?;
    for column in ["event_timestamp", "user_pseudo_id", "event_params", "items"] {
        table.find(&[column]);
    }
    let mut out = Vec::new();
    table.json_rows(|ln, value| match Row::deserialize(&value) {
        Ok(row) => map_row(&row, path, ln, policy, stats, &mut out),
        Err(e) => stats.reject(
            policy,
            row_err(
                path,
                ln,
                "row",
                format!("{e}; expected a row of GA4's BigQuery export"),
            ),
        ),
    })?;
    Ok(out)
}

/// The one mapping of an export row, from JSON or Parquet, found at `ln`:
/// its events pushed onto `out`, or the row passed over or rejected.
fn map_row(
    row: &Row<'_>,
    path: &Path,
    ln: usize,
    policy: BadRows,
    stats: &mut ReadStats,
    out: &mut Vec<RawEvent>,
) -> Result<(), InputError> {
    let Some(kind) = EventKind::from_ga4(&row.event_name) else {
        stats.ignored += 1;
        return Ok(());
    };
    let Some(user) = row.user_pseudo_id.as_deref().filter(|u| !u.is_empty()) else {
        return stats.reject(
            policy,
            row_err(
                path,
                ln,
                "user_pseudo_id",
                "missing or empty: the event cannot be put into a session (GA4 leaves it empty for cookieless pings under consent mode)",
            ),
        );
    };
    let Some(ga_session) = session_id(row.event_params.as_deref().unwrap_or_default()) else {
        return stats.reject(
            policy,
            row_err(
                path,
                ln,
                "event_params.ga_session_id",
                "missing: without it the event has no session; export the rows with their event_params",
            ),
        );
    };
    let Some(time) = row.event_timestamp.as_ref().and_then(timestamp) else {
        return stats.reject(
            policy,
            row_err(
                path,
                ln,
                "event_timestamp",
                "missing or not a number of microseconds (such as \"1709286922123456\")",
            ),
        );
    };
    let session = format!("{user}.{ga_session}");
    let before = out.len();
    for (j, it) in row.items.iter().flatten().enumerate() {
        match it
            .item_id
            .as_ref()
            .and_then(id_text)
            .filter(|id| id != NOT_SET)
        {
            Some(item) => out.push(RawEvent {
                session: session.clone(),
                item,
                kind,
                time,
                user: Some(user.to_string()),
            }),
            None => {
                stats.cleaned.items_without_id += 1;
                stats.cleaned.note(row_err(
                    path,
                    ln,
                    &format!("items[{j}].item_id"),
                    format!("missing, empty or `{NOT_SET}`; this item is passed over, the event's other items are kept"),
                ));
            }
        }
    }
    if out.len() == before {
        stats.ignored += 1;
    }
    Ok(())
}
