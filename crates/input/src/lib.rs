//! Readers for shop exports: the `xsell` tool's input layer, a crate of its
//! own so the fuzz targets build without the collector and the trainer.
//! Each reader turns a file into [`RawEvent`]s or catalogue rows and reports malformed input with file, line and field.
//! Every CSV and TSV goes through one reader ([`Table`], on the `csv` crate),
//! every Parquet file through one ([`ParquetTable`], on the `parquet`
//! crate's row API, a row group at a time), every JSON-lines file through
//! one line splitter, and XML feeds through `quick-xml`'s streaming reader;
//! a bad row costs that row only. A CSV table and a Parquet table are both
//! [`Columns`], so the generic formats map a row through one function
//! whichever file it came from.
//!
//! Event logs: session-rec TSV, OTTO, GA4's BigQuery export (JSON lines or
//! Parquet), Shopify's orders export, and xsell's generic CSV / JSON lines /
//! Parquet ([`EventFormat`]). Catalogues: Instacart, Google Merchant Center
//! feeds (TSV and XML), and xsell's generic CSV / JSON lines / Parquet
//! ([`CatalogFormat`]). The mapping of each is documented in
//! `docs/input-formats.md`.
//! E-mail recipients: the shop's export of each recipient's recent orders,
//! CSV or JSON lines ([`recipients`]).

mod catalog;
mod columns;
mod events;
pub mod fuzz;
pub mod pair_counts;
mod parquet_table;
pub mod progress;
pub mod recipients;
mod table;

pub use catalog::{
    join_path, parse_catalog, read_catalog, split_path, write_catalog_jsonl, Catalog,
    CatalogFormat, CatalogItem, UNKNOWN_CATEGORY,
};
pub use columns::{Columns, Record};
pub use events::{parse_events, read_events, EventFormat};
pub use parquet_table::{ParquetRow, ParquetTable};
pub use table::{Dialect, Table};

use std::path::{Path, PathBuf};
use xsell_core::EventKind;

/// Longest accepted id (a recipient key, an item id in a pair-count table).
pub const MAX_ID: usize = 256;

/// An id is 1 to [`MAX_ID`] bytes without control characters (a line
/// break in an id could not be written back to a CSV line); the error is
/// the field and why, for a reader's row callback.
pub(crate) fn check_id(field: &str, text: &str) -> Result<(), (String, String)> {
    if text.is_empty() || text.len() > MAX_ID || text.chars().any(char::is_control) {
        return Err((
            field.to_string(),
            format!("must be 1-{MAX_ID} bytes without control characters"),
        ));
    }
    Ok(())
}

/// One event as read from a log.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    /// Session id as text.
    pub session: String,
    /// Item id as text.
    pub item: String,
    /// Event type.
    pub kind: EventKind,
    /// Timestamp (any monotone unit: seconds or milliseconds).
    pub time: i64,
    /// Optional user pseudonym.
    pub user: Option<String>,
}

/// A malformed row.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: field `{field}`: {reason}")]
pub struct RowError {
    /// File name.
    pub file: PathBuf,
    /// 1-based line number; in a Parquet file, the 1-based row number.
    pub line: usize,
    /// Field name.
    pub field: String,
    /// What is wrong and, where it helps, what to do.
    pub reason: String,
}

/// Errors reading an input file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// File name.
        file: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A row is malformed (and `--skip-bad-rows` was not given).
    #[error(
        "{0}\n  (pass --skip-bad-rows to skip malformed rows and report how many were skipped)"
    )]
    Row(RowError),
    /// The header lacks a required column.
    #[error("{file}: the header has no `{column}` column (found: {found}); {hint}")]
    MissingColumn {
        /// File name.
        file: PathBuf,
        /// Missing column.
        column: String,
        /// Columns found.
        found: String,
        /// How to fix it.
        hint: &'static str,
    },
    /// The file has no usable rows.
    #[error("{0}: no usable rows")]
    Empty(PathBuf),
    /// An XML feed is not well-formed XML (or not UTF-8). Unlike a bad row
    /// this stops the read whatever the policy: past a syntax error the
    /// parser cannot tell where the next product starts.
    #[error("{0}\n  (an XML feed cannot be read past a syntax error: fix the feed at that line)")]
    BadXml(RowError),
    /// A file read as Parquet is not one, or is damaged (cut short, bytes
    /// changed, a page that does not decode). Like malformed XML this stops
    /// the read whatever the policy: a reader cannot find the next row past
    /// a damaged page.
    #[error("{file}: not a readable Parquet file: {reason}\n  (export or copy the file again; a Parquet file cannot be read past damage)")]
    BadParquet {
        /// File name.
        file: PathBuf,
        /// Why, and where (the row the read stopped at) where known.
        reason: String,
    },
}

/// How to treat malformed rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BadRows {
    /// Stop at the first malformed row.
    #[default]
    Fail,
    /// Skip malformed rows and count them.
    Skip,
}

/// Rows read and rows skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadStats {
    /// Rows accepted.
    pub rows: usize,
    /// Rows skipped as malformed.
    pub skipped: usize,
    /// Well-formed records passed over because they carry nothing xsell
    /// uses, neither kept nor malformed: a GA4 `page_view` or
    /// `session_start`, or a GA4 e-commerce event none of whose items has
    /// an id.
    pub ignored: usize,
    /// The first few skipped rows' errors, for the report.
    pub examples: Vec<RowError>,
    /// Values dropped or replaced in rows that were kept.
    pub cleaned: Cleaned,
}

/// What a reader dropped or replaced in rows it kept: the row stays, without
/// the value (a `javascript:` product link) or with a stand-in (the
/// category `unknown` for a product whose aisle row was bad).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cleaned {
    /// Product links refused by the URL policy (`xsell_core::safe_url`).
    pub urls: usize,
    /// Image links refused by the URL policy.
    pub images: usize,
    /// Category levels that could not be resolved and read `unknown`.
    pub unknown_categories: usize,
    /// Entries of an event's item list without an item id (GA4 `items`
    /// entries with no `item_id`, or `(not set)`): passed over, the event's
    /// other items kept.
    pub items_without_id: usize,
    /// The first few, for the report.
    pub examples: Vec<RowError>,
}

impl Cleaned {
    /// Whether nothing was dropped or replaced.
    pub fn is_empty(&self) -> bool {
        self.urls + self.images + self.unknown_categories + self.items_without_id == 0
    }

    pub fn note(&mut self, e: RowError) {
        if self.examples.len() < 3 {
            self.examples.push(e);
        }
    }

    /// Adds the links a row callback refused while the table counted rows
    /// (the callback keeps its own `Cleaned` apart from the table's stats).
    pub fn add_links(&mut self, links: Cleaned) {
        self.urls += links.urls;
        self.images += links.images;
        for e in links.examples {
            self.note(e);
        }
    }
}

impl ReadStats {
    pub fn reject(&mut self, policy: BadRows, e: RowError) -> Result<(), InputError> {
        match policy {
            BadRows::Fail => Err(InputError::Row(e)),
            BadRows::Skip => {
                self.skipped += 1;
                if self.examples.len() < 3 {
                    self.examples.push(e);
                }
                Ok(())
            }
        }
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|source| InputError::Io {
        file: path.to_path_buf(),
        source,
    })
}

/// The non-empty lines of a JSON-lines file with their 1-based numbers; a
/// line that is not UTF-8 comes back as an error for that line only.
fn json_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, Result<&str, std::str::Utf8Error>)> {
    let total = bytes.len() as u64;
    let mut done = 0u64;
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(move |(k, l)| {
            done += l.len() as u64 + 1;
            progress::report(done.min(total), total, k as u64 + 1);
            (
                k + 1,
                std::str::from_utf8(l.strip_suffix(b"\r").unwrap_or(l)),
            )
        })
        .filter(|(_, l)| !matches!(l, Ok(l) if l.trim().is_empty()))
}

pub(crate) fn row_err(
    path: &Path,
    line: usize,
    field: &str,
    reason: impl Into<String>,
) -> RowError {
    RowError {
        file: path.to_path_buf(),
        line,
        field: field.to_string(),
        reason: reason.into(),
    }
}
