//! CSV tables read with the `csv` crate (RFC 4180 quoting, quoted line
//! breaks): the header's columns found by name, then each record with its
//! line number; a record the CSV reader refuses, or the row parser rejects,
//! is a malformed row (file, line, field, reason), stopping the read or
//! counted. This is the crate's one CSV reader: catalogues, event logs,
//! path summaries, recipients and order tables all go through it.
//!
//! A malformed record that spans several lines (an unclosed quote swallows
//! the lines after it) costs only its first line: the reader starts again
//! on the next line, so one stray quote cannot take the rest of the file.

use super::columns::{missing_column, position};
use super::{BadRows, Columns, InputError, ReadStats, RowError};
use std::path::{Path, PathBuf};

/// How a table is laid out.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// Field separator (`b','`, or `b'\t'` for session-rec files).
    pub delimiter: u8,
    /// Whether a field may hold a (quoted) line break; where it may not
    /// (ids, numbers), a record spanning lines is malformed.
    pub multiline: bool,
    /// Whether a record may have more fields than the header (ignored).
    pub extra_fields: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Self {
            delimiter: b',',
            multiline: true,
            extra_fields: false,
        }
    }
}

/// An open table and where its named columns are.
pub struct Table<const N: usize = 0> {
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    file: PathBuf,
    dialect: Dialect,
    header: csv::StringRecord,
    /// The positions of the columns asked for in [`Table::open`], in that order.
    pub columns: [usize; N],
}

fn builder(dialect: Dialect) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.trim(csv::Trim::All)
        .delimiter(dialect.delimiter)
        .flexible(true);
    b
}

impl<const N: usize> Table<N> {
    /// Opens `path` (comma-separated, fields trimmed) and finds `names` in
    /// its header; a missing one is an error with the columns found and `hint`.
    pub fn open(path: &Path, names: [&str; N], hint: &'static str) -> Result<Self, InputError> {
        Table::read(path, Dialect::default())?.with_columns(names, hint)
    }

    /// [`Table::open`] on a table held in memory.
    pub fn open_bytes(
        path: &Path,
        bytes: Vec<u8>,
        names: [&str; N],
        hint: &'static str,
    ) -> Result<Self, InputError> {
        Table::from_bytes(path, bytes, Dialect::default())?.with_columns(names, hint)
    }

    /// The column named any of `names` (ASCII case ignored).
    pub fn find(&self, names: &[&str]) -> Option<usize> {
        position(&self.header, names)
    }

    /// [`Table::find`], or an error naming `column`, the columns found and `hint`.
    pub fn require(
        &self,
        names: &[&str],
        column: &str,
        hint: &'static str,
    ) -> Result<usize, InputError> {
        self.find(names)
            .ok_or_else(|| missing_column(&self.file, column, &self.header, hint))
    }

    /// The header's name of column `c`.
    pub fn name(&self, c: usize) -> &str {
        self.header.get(c).unwrap_or("row")
    }

    /// Calls `row` on each record with its 1-based line; `Err((field,
    /// reason))` marks the row malformed. Counts accepted rows in `stats`.
    pub fn rows(
        &mut self,
        path: &Path,
        bad_rows: BadRows,
        stats: &mut ReadStats,
        mut row: impl FnMut(&csv::StringRecord) -> Result<(), (String, String)>,
    ) -> Result<(), InputError> {
        let malformed = |line: u64, field: &str, reason: String| RowError {
            file: path.to_path_buf(),
            line: line as usize,
            field: field.to_string(),
            reason,
        };
        let width = self.header.len();
        let total = self.reader.get_ref().get_ref().len() as u64;
        let mut record = csv::StringRecord::new();
        let mut read = 0u64;
        loop {
            let start = self.reader.position().clone();
            read += 1;
            crate::progress::report(start.byte(), total, read);
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    let (line, field, reason) = match e.kind() {
                        csv::ErrorKind::Utf8 { pos, err } => (
                            pos.as_ref().map_or(start.line(), |p| p.line()),
                            self.name(err.field()).to_string(),
                            "not valid UTF-8; save the file as UTF-8".to_string(),
                        ),
                        _ => (start.line(), "row".to_string(), e.to_string()),
                    };
                    stats.reject(bad_rows, malformed(line, &field, reason))?;
                    self.resync(&start);
                    continue;
                }
            }
            let line = record.position().map_or(start.line(), |p| p.line());
            let end_line = self.reader.position().line();
            let spans = self.spans(&start);
            let structural = if record.len() < width
                || (record.len() > width && !self.dialect.extra_fields)
            {
                Some(format!(
                    "{} fields, the header has {width}: quote a field that holds a `{}` (\"a{} b\")",
                    record.len(),
                    self.dialect.delimiter as char,
                    self.dialect.delimiter as char,
                ))
            } else if spans && !self.dialect.multiline {
                Some("a quoted field holds a line break here; is a closing quote missing?".into())
            } else {
                None
            };
            if let Some(mut reason) = structural {
                if spans {
                    reason.push_str(&format!(
                        " (a quote opened on line {line} runs to line {end_line}; the reader goes on at line {})",
                        line + 1
                    ));
                }
                stats.reject(bad_rows, malformed(line, "row", reason))?;
                if spans {
                    self.resync(&start);
                }
                continue;
            }
            match row(&record) {
                Ok(()) => stats.rows += 1,
                Err((field, reason)) => stats.reject(bad_rows, malformed(line, &field, reason))?,
            }
        }
    }

    fn bytes(&self) -> &[u8] {
        self.reader.get_ref().get_ref()
    }

    /// Whether the record read from `start` holds a line break (not
    /// counting the one that ends it).
    fn spans(&self, start: &csv::Position) -> bool {
        let bytes = self.bytes();
        let end = (self.reader.position().byte() as usize).min(bytes.len());
        let from = (start.byte() as usize).min(end);
        let mut text = &bytes[from..end];
        // Line ends on either side belong to the records around it (with
        // CRLF the reader can stop between `\r` and `\n`).
        while let [rest @ .., b'\n' | b'\r'] = text {
            text = rest;
        }
        while let [b'\n' | b'\r', rest @ ..] = text {
            text = rest;
        }
        text.iter().any(|&b| b == b'\n' || b == b'\r')
    }

    /// Starts reading again on the line after `start`.
    fn resync(&mut self, start: &csv::Position) {
        let bytes = self.bytes();
        let from = (start.byte() as usize).min(bytes.len());
        let next = bytes[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |k| from + k + 1);
        let mut pos = csv::Position::new();
        pos.set_byte(next as u64)
            .set_line(start.line() + 1)
            .set_record(start.record() + 1);
        // Seeking a Cursor cannot fail.
        let _ = self.reader.seek(pos);
    }
}

impl<const N: usize> Columns for Table<N> {
    type Row = csv::StringRecord;

    fn find(&self, names: &[&str]) -> Option<usize> {
        Table::find(self, names)
    }

    fn require(
        &self,
        names: &[&str],
        column: &str,
        hint: &'static str,
    ) -> Result<usize, InputError> {
        Table::require(self, names, column, hint)
    }

    fn name(&self, c: usize) -> &str {
        Table::name(self, c)
    }

    fn for_each_row(
        &mut self,
        bad_rows: BadRows,
        stats: &mut ReadStats,
        row: impl FnMut(&csv::StringRecord) -> Result<(), (String, String)>,
    ) -> Result<(), InputError> {
        let file = self.file.clone();
        self.rows(&file, bad_rows, stats, row)
    }
}

impl Table<0> {
    fn with_columns<const N: usize>(
        self,
        names: [&str; N],
        hint: &'static str,
    ) -> Result<Table<N>, InputError> {
        let mut columns = [0; N];
        for (k, name) in names.iter().enumerate() {
            columns[k] = self.require(&[name], name, hint)?;
        }
        Ok(Table {
            reader: self.reader,
            file: self.file,
            dialect: self.dialect,
            header: self.header,
            columns,
        })
    }

    /// Reads `path` and its header in `dialect`.
    pub fn read(path: &Path, dialect: Dialect) -> Result<Self, InputError> {
        let bytes = std::fs::read(path).map_err(|source| InputError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Table::from_bytes(path, bytes, dialect)
    }

    /// Reads a table held in memory; `path` names it in messages.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>, dialect: Dialect) -> Result<Self, InputError> {
        let mut reader = builder(dialect).from_reader(std::io::Cursor::new(bytes));
        let header = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                return Err(InputError::Row(RowError {
                    file: path.to_path_buf(),
                    line: 1,
                    field: "header".into(),
                    reason: format!("{e}; the first line must name the columns"),
                }))
            }
        };
        if header.iter().all(str::is_empty) {
            return Err(InputError::Empty(path.to_path_buf()));
        }
        Ok(Self {
            reader,
            file: path.to_path_buf(),
            dialect,
            header,
            columns: [],
        })
    }
}
