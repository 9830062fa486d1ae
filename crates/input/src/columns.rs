//! A table of named columns read row by row, whatever the file holding it:
//! a CSV [`Table`](crate::Table) and a [`ParquetTable`](crate::ParquetTable)
//! are both [`Columns`], their rows both [`Record`]s. The generic event and
//! catalogue readers find their columns and map a row through one function
//! over these traits, so a row means the same, and is refused for the same
//! reason, whichever file it came from.
//!
//! Both tables also have the methods as their own (`Table::rows`,
//! `ParquetTable::rows`), so code for one format needs no trait in scope.

use crate::{BadRows, InputError, ReadStats};
use std::path::Path;

/// One row's values as text, by column position.
pub trait Record {
    /// The value of column `c` as text: `None` where a CSV record is short
    /// of that field or a Parquet value is null (read both as empty).
    fn get(&self, c: usize) -> Option<&str>;

    /// Where the row is, for messages: the 1-based line a CSV record starts
    /// on, the 1-based row number in a Parquet file.
    fn line(&self) -> usize;
}

impl Record for csv::StringRecord {
    fn get(&self, c: usize) -> Option<&str> {
        csv::StringRecord::get(self, c)
    }

    fn line(&self) -> usize {
        self.position().map_or(0, |p| p.line() as usize)
    }
}

/// A table whose columns are found by name (ASCII case ignored) and whose
/// rows are read one at a time, each accepted or refused as malformed.
pub trait Columns {
    /// A row as the row callback sees it.
    type Row: Record;

    /// The column named any of `names` (ASCII case ignored).
    fn find(&self, names: &[&str]) -> Option<usize>;

    /// [`Columns::find`], or [`InputError::MissingColumn`] naming `column`,
    /// the columns found and `hint`.
    fn require(
        &self,
        names: &[&str],
        column: &str,
        hint: &'static str,
    ) -> Result<usize, InputError>;

    /// The file's name of column `c`.
    fn name(&self, c: usize) -> &str;

    /// Calls `row` on each row; `Err((field, reason))` marks the row
    /// malformed (stopping the read or counted, as `bad_rows` says).
    /// Counts accepted rows in `stats.rows`.
    fn for_each_row(
        &mut self,
        bad_rows: BadRows,
        stats: &mut ReadStats,
        row: impl FnMut(&Self::Row) -> Result<(), (String, String)>,
    ) -> Result<(), InputError>;
}

/// The position of the first of `header` named any of `names`.
pub(crate) fn position<'a>(
    header: impl IntoIterator<Item = &'a str>,
    names: &[&str],
) -> Option<usize> {
    header
        .into_iter()
        .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
}

/// The error for a `column` missing from `file`'s `header`.
pub(crate) fn missing_column<'a>(
    file: &Path,
    column: &str,
    header: impl IntoIterator<Item = &'a str>,
    hint: &'static str,
) -> InputError {
    InputError::MissingColumn {
        file: file.to_path_buf(),
        column: column.to_string(),
        found: header.into_iter().collect::<Vec<_>>().join(","),
        hint,
    }
}
