//! Readers for shop exports. Each reader turns a file into [`RawEvent`]s or
//! catalogue rows and reports malformed input with file, line and field.

mod catalog;
mod csvline;
mod events;
mod table;

pub use catalog::{read_catalog, write_catalog_jsonl, Catalog, CatalogFormat, CatalogItem};
pub use csvline::split_csv_line;
pub use events::{read_events, EventFormat};
pub(crate) use table::Table;

use std::path::{Path, PathBuf};
use xsell_core::EventKind;

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
    /// 1-based line number.
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
    /// The first few skipped rows' errors, for the report.
    pub examples: Vec<RowError>,
}

impl ReadStats {
    pub(crate) fn reject(&mut self, policy: BadRows, e: RowError) -> Result<(), InputError> {
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

fn read_text(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|source| InputError::Io {
        file: path.to_path_buf(),
        source,
    })
}
