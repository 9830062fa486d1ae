//! CSV tables read with the `csv` crate (quoted fields, embedded newlines):
//! the header's columns found by name, then each record with its line
//! number; a record the CSV reader refuses, or the row parser rejects, is a
//! malformed row (file, line, field, reason), stopping the read or counted.

use super::{BadRows, InputError, ReadStats, RowError};
use std::fs::File;
use std::path::Path;

/// An open table and where its named columns are.
pub(crate) struct Table<const N: usize> {
    reader: csv::Reader<File>,
    /// The positions of the columns asked for, in that order.
    pub columns: [usize; N],
}

fn io(path: &Path, e: csv::Error) -> InputError {
    InputError::Io {
        file: path.to_path_buf(),
        source: match e.into_kind() {
            csv::ErrorKind::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{other:?}")),
        },
    }
}

impl<const N: usize> Table<N> {
    /// Opens `path` (fields trimmed) and finds `names` in its header;
    /// a missing one is an error with the columns found and `hint`.
    pub(crate) fn open(
        path: &Path,
        names: [&str; N],
        hint: &'static str,
    ) -> Result<Self, InputError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| io(path, e))?;
        let header = reader.headers().map_err(|e| io(path, e))?.clone();
        let mut columns = [0; N];
        for (k, name) in names.iter().enumerate() {
            columns[k] = header.iter().position(|h| h == *name).ok_or_else(|| {
                InputError::MissingColumn {
                    file: path.to_path_buf(),
                    column: name.to_string(),
                    found: header.iter().collect::<Vec<_>>().join(","),
                    hint,
                }
            })?;
        }
        Ok(Self { reader, columns })
    }

    /// Calls `row` on each record with its 1-based line; `Err((field,
    /// reason))` marks the row malformed. Counts accepted rows in `stats`.
    pub(crate) fn rows(
        &mut self,
        path: &Path,
        bad_rows: BadRows,
        stats: &mut ReadStats,
        mut row: impl FnMut(&csv::StringRecord) -> Result<(), (String, String)>,
    ) -> Result<(), InputError> {
        let malformed = |line: Option<&csv::Position>, field: String, reason: String| RowError {
            file: path.to_path_buf(),
            line: line.map_or(0, |p| p.line() as usize),
            field,
            reason,
        };
        for record in self.reader.records() {
            match record {
                Err(e) => {
                    let line = e.position().cloned();
                    stats.reject(
                        bad_rows,
                        malformed(line.as_ref(), "row".into(), e.to_string()),
                    )?;
                }
                Ok(r) => match row(&r) {
                    Ok(()) => stats.rows += 1,
                    Err((field, reason)) => {
                        stats.reject(bad_rows, malformed(r.position(), field, reason))?
                    }
                },
            }
        }
        Ok(())
    }
}
