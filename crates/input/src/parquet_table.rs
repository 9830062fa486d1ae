//! Parquet tables read with the `parquet` crate's row API (no Arrow): the
//! top-level columns found by name like a CSV header's, then each row with
//! its 1-based row number. This is the crate's one Parquet reader: generic
//! event and catalogue tables, GA4's BigQuery export and the counting SQL's
//! output all go through it.
//!
//! Rows are read a row group at a time (the row iterator decodes one row
//! group's pages and moves on), so memory follows the largest row group,
//! not the file; from a path the file is read where it lies, not loaded.
//! Only the columns asked for ([`ParquetTable::find`] /
//! [`ParquetTable::require`]) are read: a column of a type the reader has
//! no text for (an INTERVAL, a nested list nobody uses) costs nothing.
//!
//! A flat row's values come as text ([`ParquetRow::get`]) so one mapping
//! serves CSV and Parquet: strings as they are; integers in decimal; floats
//! as Rust's shortest round-trip `{}` (`0.1`, `49`); DECIMAL exactly
//! (`4.99`, `4.990000000` for a NUMERIC); booleans `true` / `false`; DATE
//! as days since 1970; TIMESTAMP as an integer count since 1970 in the
//! column's own unit (milliseconds, microseconds or nanoseconds; a legacy
//! INT96 timestamp, as old Spark and Impala write, in milliseconds); TIME
//! as milliseconds or microseconds since midnight; a UUID hyphenated;
//! binary data as text when it is UTF-8. Null is `None`, read as empty.
//! A nested value (list, struct, map) in a column read as flat, or binary
//! data that is not UTF-8, makes the row malformed.
//!
//! The `parquet` crate returns errors for most damage but panics on some
//! (asserts on a schema that contradicts itself, slices past a short page,
//! `unimplemented!` for a type it has no value for). Every call into it is
//! therefore made under [`std::panic::catch_unwind`], and a panic becomes
//! [`InputError::BadParquet`] like any other damage: a file is data, and
//! data must not crash the tool.

use crate::columns::{missing_column, position};
use crate::{row_err, BadRows, Columns, InputError, ReadStats};
use parquet::basic::{Compression, LogicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::{Field, Row};
use parquet::schema::types::{Type, TypePtr};
use std::cell::Cell;
use std::io::{Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;

/// The four bytes a Parquet file starts and ends with.
pub(crate) const MAGIC: &[u8; 4] = b"PAR1";

/// The magic of an encrypted Parquet footer.
const ENCRYPTED_MAGIC: &[u8; 4] = b"PARE";

/// A Parquet file opened as a table: its top-level columns found by name
/// (ASCII case ignored, as in a CSV header), its rows read as text.
///
/// ```
/// use std::path::Path;
/// use xsell_input::{BadRows, ParquetTable, ReadStats};
///
/// // The counting SQL's output (sql/pair_counts.sql), as DuckDB writes it.
/// let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pair_counts.parquet");
/// let hint = "a pair-count table has item_id,target_id,sessions,co,seq_units";
/// let mut table = ParquetTable::open(&path)?;
/// let c_item = table.require(&["item_id"], "item_id", hint)?;
/// let c_target = table.require(&["target_id"], "target_id", hint)?;
/// let c_sessions = table.require(&["sessions"], "sessions", hint)?;
/// let mut stats = ReadStats::default();
/// let mut items = Vec::new();
/// table.rows(BadRows::Fail, &mut stats, |row| {
///     // Null reads as empty, as an empty CSV field does.
///     let get = |c: usize| row.get(c).unwrap_or("");
///     if get(c_item).is_empty() {
///         return Err(("item_id".into(), "empty item id".into()));
///     }
///     if get(c_target).is_empty() {
///         let n: u32 = get(c_sessions)
///             .parse()
///             .map_err(|_| ("sessions".to_string(), format!("`{}` is not a count", get(c_sessions))))?;
///         items.push((get(c_item).to_string(), n, row.line()));
///     }
///     Ok(())
/// })?;
/// assert_eq!(stats.rows, 12);
/// // (item id, sessions, row number)
/// assert_eq!(items[0], ("AP-01, linen".to_string(), 1, 1));
/// # Ok::<(), xsell_input::InputError>(())
/// ```
pub struct ParquetTable {
    file: PathBuf,
    reader: Box<dyn FileReader>,
    /// The schema's top-level fields, in file order.
    fields: Vec<TypePtr>,
    /// Which of `fields` have been found: only they are read.
    used: Vec<Cell<bool>>,
}

/// One row of a [`ParquetTable`]: the values of the columns found, as text.
#[derive(Debug, Clone, Default)]
pub struct ParquetRow {
    line: usize,
    values: Vec<Option<String>>,
}

impl ParquetRow {
    /// The value of column `c` as text; `None` if it is null (or column
    /// `c` is not read: only the columns found are, or all if none was).
    pub fn get(&self, c: usize) -> Option<&str> {
        self.values.get(c)?.as_deref()
    }

    /// The 1-based row number in the file (across row groups).
    pub fn line(&self) -> usize {
        self.line
    }
}

impl crate::Record for ParquetRow {
    fn get(&self, c: usize) -> Option<&str> {
        ParquetRow::get(self, c)
    }

    fn line(&self) -> usize {
        self.line
    }
}

impl ParquetTable {
    /// Whether the file at `path` starts with Parquet's magic `PAR1`: for
    /// a reader that takes CSV or Parquet to pick its table.
    pub fn is_parquet_file(path: &Path) -> Result<bool, InputError> {
        let io = |source| InputError::Io {
            file: path.to_path_buf(),
            source,
        };
        let mut head = Vec::with_capacity(4);
        std::fs::File::open(path)
            .map_err(io)?
            .take(4)
            .read_to_end(&mut head)
            .map_err(io)?;
        Ok(head == MAGIC)
    }

    /// Opens the Parquet file at `path` and reads its footer (the schema
    /// and where the row groups are); the rows are read by
    /// [`ParquetTable::rows`], a row group at a time.
    pub fn open(path: &Path) -> Result<Self, InputError> {
        let io = |source| InputError::Io {
            file: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut head = [0; 4];
        let mut tail = [0; 4];
        if len >= 8 {
            file.read_exact(&mut head).map_err(io)?;
            file.seek(SeekFrom::End(-4)).map_err(io)?;
            file.read_exact(&mut tail).map_err(io)?;
            file.rewind().map_err(io)?;
        }
        check_magic(path, len as usize, &head, &tail)?;
        Self::with_reader(path, file, |f| {
            SerializedFileReader::new(f).map(|r| Box::new(r) as Box<dyn FileReader>)
        })
    }

    /// [`ParquetTable::open`] on a file held in memory; `path` names it in
    /// messages.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, InputError> {
        let n = bytes.len();
        let (head, tail) = if n >= 8 {
            (&bytes[..4], &bytes[n - 4..])
        } else {
            (&[][..], &[][..])
        };
        check_magic(path, n, head, tail)?;
        Self::with_reader(path, bytes::Bytes::from(bytes), |b| {
            SerializedFileReader::new(b).map(|r| Box::new(r) as Box<dyn FileReader>)
        })
    }

    fn with_reader<R>(
        path: &Path,
        source: R,
        open: impl FnOnce(R) -> parquet::errors::Result<Box<dyn FileReader>>,
    ) -> Result<Self, InputError> {
        let bad = |reason: String| InputError::BadParquet {
            file: path.to_path_buf(),
            reason,
        };
        let reader = guarded(|| open(source))
            .map_err(bad)?
            .map_err(|e| bad(format!("its footer does not decode ({e})")))?;
        let fields = reader
            .metadata()
            .file_metadata()
            .schema()
            .get_fields()
            .to_vec();
        Ok(Self {
            file: path.to_path_buf(),
            reader,
            used: fields.iter().map(|_| Cell::new(false)).collect(),
            fields,
        })
    }

    /// The top-level column names, in file order.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.name())
    }

    /// The number of rows the footer declares.
    pub fn num_rows(&self) -> u64 {
        self.reader.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// The column named any of `names` (ASCII case ignored); a column found
    /// is one [`ParquetTable::rows`] reads.
    pub fn find(&self, names: &[&str]) -> Option<usize> {
        let c = position(self.column_names(), names)?;
        self.used[c].set(true);
        Some(c)
    }

    /// [`ParquetTable::find`], or [`InputError::MissingColumn`] naming
    /// `column`, the columns found and `hint`.
    pub fn require(
        &self,
        names: &[&str],
        column: &str,
        hint: &'static str,
    ) -> Result<usize, InputError> {
        self.find(names)
            .ok_or_else(|| missing_column(&self.file, column, self.column_names(), hint))
    }

    /// The file's name of column `c`.
    pub fn name(&self, c: usize) -> &str {
        self.fields.get(c).map_or("row", |f| f.name())
    }

    /// Calls `row` on each row, with the values of the columns found as
    /// text; `Err((field, reason))` marks the row malformed, stopping the
    /// read or counted as `bad_rows` says. A value with no text form (a
    /// nested list or struct, binary data that is not UTF-8) makes its row
    /// malformed the same way. Counts accepted rows in `stats.rows`.
    ///
    /// Damage found while reading (a page that does not decode) stops the
    /// read with [`InputError::BadParquet`] whatever `bad_rows` says.
    pub fn rows(
        &mut self,
        bad_rows: BadRows,
        stats: &mut ReadStats,
        mut row: impl FnMut(&ParquetRow) -> Result<(), (String, String)>,
    ) -> Result<(), InputError> {
        let file = self.file.clone();
        let read = self.read_columns();
        // Each column read: its position, name, and whether it is a UUID.
        let columns: Vec<(usize, String, bool)> = read
            .iter()
            .map(|&c| (c, self.name(c).to_string(), is_uuid(&self.fields[c])))
            .collect();
        let mut record = ParquetRow {
            line: 0,
            values: vec![None; self.fields.len()],
        };
        self.each_row(&read, |line, r| {
            record.line = line;
            let mut malformed = None;
            // The row holds the columns read, in that order.
            for ((_, field), (c, name, uuid)) in r.into_columns().into_iter().zip(&columns) {
                match text(field, *uuid) {
                    Ok(v) => record.values[*c] = v,
                    Err(reason) => {
                        malformed = Some((name.clone(), reason));
                        break;
                    }
                }
            }
            match malformed.map_or_else(|| row(&record), Err) {
                Ok(()) => stats.rows += 1,
                Err((field, reason)) => {
                    stats.reject(bad_rows, row_err(&file, line, &field, reason))?
                }
            }
            Ok(())
        })
    }

    /// Calls `row` on each row as a JSON object of the columns found, nested
    /// values and all (lists as arrays, structs as objects; names in lower
    /// case, so they match whatever case the writer used), with its 1-based
    /// row number: for GA4's export, whose rows go through the JSON reader's
    /// own mapping.
    pub(crate) fn json_rows(
        &mut self,
        mut row: impl FnMut(usize, serde_json::Value) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        let read = self.read_columns();
        self.each_row(&read, |line, r| row(line, json_row(&r)))
    }

    /// The columns to read: those found, or all if none was.
    fn read_columns(&self) -> Vec<usize> {
        let found: Vec<usize> = (0..self.fields.len())
            .filter(|&c| self.used[c].get())
            .collect();
        if found.is_empty() {
            (0..self.fields.len()).collect()
        } else {
            found
        }
    }

    /// Calls `row` on each row of `columns` (in that order) with its
    /// 1-based number; stops at damage or at `row`'s error.
    fn each_row(
        &self,
        columns: &[usize],
        mut row: impl FnMut(usize, Row) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        let file = self.file.clone();
        let bad = |line: usize, why: String| InputError::BadParquet {
            file: file.clone(),
            reason: format!("{why}, reading row {line}"),
        };
        self.check_codecs(columns)?;
        let root = self.reader.metadata().file_metadata().schema();
        let projection = Type::group_type_builder(root.name())
            .with_fields(columns.iter().map(|&c| self.fields[c].clone()).collect())
            .build()
            .map_err(|e| bad(1, e.to_string()))?;
        let reader: &dyn FileReader = &*self.reader;
        let mut rows = guarded(|| RowIter::from_file(Some(projection), reader))
            .map_err(|e| bad(1, e))?
            .map_err(|e| bad(1, e.to_string()))?;
        let mut line = 0;
        let total = self.num_rows();
        loop {
            crate::progress::report(line as u64, total, line as u64);
            // After a panic the iterator is never used again (the read
            // stops), so whatever state the unwind left it in is harmless.
            match guarded(|| rows.next()) {
                Err(panic) => return Err(bad(line + 1, panic)),
                Ok(None) => return Ok(()),
                Ok(Some(Err(e))) => return Err(bad(line + 1, e.to_string())),
                Ok(Some(Ok(r))) => {
                    line += 1;
                    row(line, r)?;
                }
            }
        }
    }
}

impl ParquetTable {
    /// Refuses, before reading, a file whose `columns` use a codec this
    /// build leaves out (the decoder would fail at the first page anyway,
    /// with a message naming a cargo feature).
    fn check_codecs(&self, columns: &[usize]) -> Result<(), InputError> {
        let names: Vec<&str> = columns.iter().map(|&c| self.fields[c].name()).collect();
        for group in self.reader.metadata().row_groups() {
            for chunk in group.columns() {
                let top = chunk
                    .column_path()
                    .parts()
                    .first()
                    .map_or("", String::as_str);
                let codec = match chunk.compression() {
                    Compression::UNCOMPRESSED | Compression::SNAPPY | Compression::GZIP(_) => {
                        continue
                    }
                    Compression::ZSTD(_) if cfg!(feature = "zstd") => continue,
                    Compression::ZSTD(_) => "ZSTD",
                    Compression::LZ4 => "LZ4",
                    Compression::LZ4_RAW => "LZ4_RAW",
                    Compression::LZO => "LZO",
                    Compression::BROTLI(_) => "BROTLI",
                };
                if names.contains(&top) {
                    let zstd = if codec == "ZSTD" {
                        " (or build xsell with xsell-input's `zstd` feature)"
                    } else {
                        ""
                    };
                    return Err(InputError::BadParquet {
                        file: self.file.clone(),
                        reason: format!(
                            "column `{}` is compressed with {codec}, which xsell does not read; write the file with SNAPPY (the default of BigQuery, Snowflake, Spark and DuckDB), GZIP or no compression{zstd}",
                            chunk.column_path().string()
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

impl Columns for ParquetTable {
    type Row = ParquetRow;

    fn find(&self, names: &[&str]) -> Option<usize> {
        ParquetTable::find(self, names)
    }

    fn require(
        &self,
        names: &[&str],
        column: &str,
        hint: &'static str,
    ) -> Result<usize, InputError> {
        ParquetTable::require(self, names, column, hint)
    }

    fn name(&self, c: usize) -> &str {
        ParquetTable::name(self, c)
    }

    fn for_each_row(
        &mut self,
        bad_rows: BadRows,
        stats: &mut ReadStats,
        row: impl FnMut(&ParquetRow) -> Result<(), (String, String)>,
    ) -> Result<(), InputError> {
        self.rows(bad_rows, stats, row)
    }
}

/// Checks the magic at both ends of a file of `len` bytes (`head` and
/// `tail` its first and last four), saying what is wrong where it is not.
fn check_magic(path: &Path, len: usize, head: &[u8], tail: &[u8]) -> Result<(), InputError> {
    let reason = if len < 8 {
        format!("it is {len} bytes long, too short to be one (a Parquet file starts and ends with `PAR1`)")
    } else if head != MAGIC {
        "it does not start with `PAR1`, as every Parquet file does; pick the file's format with --format / --catalog-format".to_string()
    } else if tail == ENCRYPTED_MAGIC {
        "its footer is encrypted (Parquet modular encryption); export it without encryption"
            .to_string()
    } else if tail != MAGIC {
        "it does not end with `PAR1`: the file is cut short (a Parquet file keeps its schema at the end)".to_string()
    } else {
        return Ok(());
    };
    Err(InputError::BadParquet {
        file: path.to_path_buf(),
        reason,
    })
}

thread_local! {
    /// Whether this thread is inside [`guarded`]: its panics are caught
    /// and reported as errors, so the panic hook keeps quiet about them.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (a call into the `parquet` crate), turning a panic into an
/// error carrying the panic's message.
///
/// The first call wraps the process's panic hook so that it stays silent
/// for panics caught here (on this thread, inside `f`) and behaves as
/// before for every other panic: a damaged file then prints one clear
/// error, not a panic message followed by it.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info)
            }
        }));
    });
    let outer = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        format!("the Parquet decoder failed ({message})")
    })
}

fn is_uuid(field: &Type) -> bool {
    field.is_primitive() && field.get_basic_info().logical_type_ref() == Some(&LogicalType::Uuid)
}

/// A flat value as text (see the module documentation), `None` for null,
/// or why it has none.
fn text(field: Field, uuid: bool) -> Result<Option<String>, String> {
    Ok(Some(match field {
        Field::Null => return Ok(None),
        Field::Bool(v) => v.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Float16(v) => v.to_string(),
        Field::Float(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        Field::Decimal(d) => decimal_text(d.data(), d.scale()).ok_or_else(|| {
            format!(
                "a DECIMAL({}, {}) this reader cannot convert (wider than 38 digits?)",
                d.precision(),
                d.scale()
            )
        })?,
        Field::Str(s) => s,
        Field::Bytes(b) if uuid && b.len() == 16 => uuid_text(b.data()),
        Field::Bytes(b) => String::from_utf8(b.data().to_vec()).map_err(|_| {
            "binary data that is not UTF-8 text; write the column as a string (STRING / VARCHAR)"
                .to_string()
        })?,
        Field::Date(v) => v.to_string(),
        Field::TimeMillis(v) => v.to_string(),
        Field::TimeMicros(v) => v.to_string(),
        Field::TimestampMillis(v) => v.to_string(),
        Field::TimestampMicros(v) => v.to_string(),
        Field::Group(_) | Field::ListInternal(_) | Field::MapInternal(_) => {
            return Err(
                "a nested value (a list, struct or map), not a single value; select a plain column"
                    .into(),
            )
        }
    }))
}

/// A DECIMAL's unscaled big-endian two's-complement `bytes` with `scale`
/// as exact decimal text (`-4.990`), for up to 16 bytes (38 digits).
fn decimal_text(bytes: &[u8], scale: i32) -> Option<String> {
    if bytes.is_empty() || bytes.len() > 16 || scale < 0 {
        return None;
    }
    let mut v: i128 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
    for &b in bytes {
        v = (v << 8) | i128::from(b);
    }
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    let sign = if v < 0 { "-" } else { "" };
    if scale == 0 {
        return Some(format!("{sign}{digits}"));
    }
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = digits.split_at(digits.len() - scale);
    Some(format!("{sign}{whole}.{fraction}"))
}

fn uuid_text(b: &[u8]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn json_row(row: &Row) -> serde_json::Value {
    serde_json::Value::Object(
        row.get_column_iter()
            .map(|(name, field)| (name.to_ascii_lowercase(), json(field)))
            .collect(),
    )
}

/// A value of any shape as JSON: the GA4 reader's intermediate form.
fn json(field: &Field) -> serde_json::Value {
    use serde_json::Value;
    match field {
        Field::Group(row) => json_row(row),
        Field::ListInternal(list) => Value::Array(list.elements().iter().map(json).collect()),
        Field::MapInternal(map) => Value::Object(
            map.entries()
                .iter()
                .map(|(k, v)| {
                    let key = match text(k.clone(), false) {
                        Ok(Some(k)) => k,
                        _ => String::new(),
                    };
                    (key, json(v))
                })
                .collect(),
        ),
        Field::Null => Value::Null,
        Field::Bool(v) => Value::Bool(*v),
        Field::Byte(v) => (*v).into(),
        Field::Short(v) => (*v).into(),
        Field::Int(v) => (*v).into(),
        Field::Long(v) => (*v).into(),
        Field::UByte(v) => (*v).into(),
        Field::UShort(v) => (*v).into(),
        Field::UInt(v) => (*v).into(),
        Field::ULong(v) => (*v).into(),
        Field::Date(v) => (*v).into(),
        Field::TimeMillis(v) => (*v).into(),
        Field::TimeMicros(v) => (*v).into(),
        Field::TimestampMillis(v) => (*v).into(),
        Field::TimestampMicros(v) => (*v).into(),
        Field::Float16(v) => {
            serde_json::Number::from_f64(f64::from(*v)).map_or(Value::Null, Value::Number)
        }
        Field::Float(v) => {
            serde_json::Number::from_f64(f64::from(*v)).map_or(Value::Null, Value::Number)
        }
        Field::Double(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        // Text where there is one (a DECIMAL exactly, a string, UTF-8
        // bytes); null where there is none.
        other => text(other.clone(), false)
            .ok()
            .flatten()
            .map_or(Value::Null, Value::String),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_exactly() {
        let be = |v: i128, n: usize| v.to_be_bytes()[16 - n..].to_vec();
        assert_eq!(decimal_text(&be(499, 4), 2).as_deref(), Some("4.99"));
        assert_eq!(decimal_text(&be(-4990, 8), 3).as_deref(), Some("-4.990"));
        assert_eq!(decimal_text(&be(5, 4), 3).as_deref(), Some("0.005"));
        assert_eq!(decimal_text(&be(-5, 4), 3).as_deref(), Some("-0.005"));
        assert_eq!(decimal_text(&be(12, 4), 0).as_deref(), Some("12"));
        assert_eq!(
            decimal_text(&be(4_990_000_000, 16), 9).as_deref(),
            Some("4.990000000")
        );
        assert_eq!(
            decimal_text(&be(i128::MIN, 16), 0).as_deref(),
            Some("-170141183460469231731687303715884105728")
        );
        assert_eq!(decimal_text(&[1; 17], 0), None);
        assert_eq!(decimal_text(&[], 0), None);
        assert_eq!(decimal_text(&[1], -1), None);
    }

    #[test]
    fn a_panic_inside_the_guard_is_an_error_and_the_hook_stays_for_others() {
        let err = guarded(|| -> u8 { panic!("boom") }).unwrap_err();
        assert!(err.contains("boom"), "{err}");
        assert_eq!(guarded(|| 7), Ok(7));
        assert!(!GUARDED.with(Cell::get));
    }
}
