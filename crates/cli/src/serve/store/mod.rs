//! Durable report storage in embedded SQLite (one file, WAL, fsync on
//! commit) or PostgreSQL: a report is acknowledged only after its
//! transaction commits.
//!
//! # Tables
//! - `reports`: each report's exact body, with its day, placement,
//!   experiment and arm in typed columns and its id (version 5,
//!   [`Report::id`]) under a UNIQUE index, so a report the widget sent
//!   again (it never heard the first answer) is acknowledged but stored
//!   once (`ON CONFLICT DO NOTHING`). Reports of versions 2–4 carry no id
//!   (`NULL`, which a UNIQUE index does not compare).
//! - `report_values`: one row per noised value, in typed columns
//!   ([`ValueColumns`]: mechanism, metric, ε, bound, bits, HRR row) beside
//!   the report's group. It is written in the report's transaction.
//! - `rollup_days`, `rollup_reports`, `rollup_values`: per closed day
//!   (one the collector no longer accepts reports for), the `GROUP BY`
//!   counts of `reports` and `report_values`, made once by whichever
//!   collector process reads the day first.
//! - `xsell_meta`: the schema version.
//!
//! The estimators read [`Tallies`]: counts the database computes by
//! `GROUP BY`, from the roll-ups for closed days and from the raw rows for
//! open ones. The collector keeps no per-report state in memory, so any
//! number of collector processes can share one PostgreSQL database.
//!
//! A database of an older schema (before ids, before typed columns) is
//! brought up to date when the collector opens it, in one transaction: the
//! typed columns are filled from the stored bodies. A file that is not an
//! SQLite database, a damaged one, one of another application or of a
//! newer xsell is refused with an error that says which ([`StoreError`]).

mod postgres;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use super::tally::{Group, Tallies, ValueColumns};
use xsell_core::privacy::report::Report;

/// The schema this collector writes: 1 had bodies only (and ids), 2 adds
/// the typed columns and the roll-ups.
pub const SCHEMA_VERSION: u32 = 2;

/// Whether [`Store::insert`] stored the report or already had it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored now (committed).
    New,
    /// A report with this id was already stored (and committed): not
    /// stored again.
    Duplicate,
}

impl Stored {
    fn of_rows(rows: u64) -> Self {
        if rows == 0 {
            Stored::Duplicate
        } else {
            Stored::New
        }
    }
}

/// The tables both backends share (`{serial}`: the backend's
/// auto-incrementing key; `{text}`: its text type, bytewise ordered, as
/// the `GROUP BY` and `ORDER BY` of the tally queries sort it). Idempotent; the columns added since schema 1
/// are added to an old `reports` table by each backend first. The group
/// indexes hold every column the tally queries group by, in their order,
/// so a `GROUP BY` over raw rows reads the index alone, already sorted
/// (schema 1's `(day, placement)` index is replaced).
fn tables(serial: &str, text: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS reports (
             id {serial},
             day {text} NOT NULL,
             placement {text} NOT NULL,
             body {text} NOT NULL,
             report_id {text},
             experiment {text},
             arm {text}
         );
         CREATE INDEX IF NOT EXISTS reports_group ON reports(day, placement, experiment, arm);
         DROP INDEX IF EXISTS reports_day_placement;
         CREATE UNIQUE INDEX IF NOT EXISTS reports_report_id ON reports(report_id);
         CREATE TABLE IF NOT EXISTS report_values (
             report BIGINT NOT NULL,
             day {text} NOT NULL,
             placement {text} NOT NULL,
             experiment {text},
             arm {text},
             mech {text} NOT NULL,
             metric {text} NOT NULL,
             eps INTEGER NOT NULL,
             bound INTEGER NOT NULL,
             bits INTEGER NOT NULL,
             width INTEGER NOT NULL,
             cell_row INTEGER NOT NULL
         );
         CREATE INDEX IF NOT EXISTS report_values_group
             ON report_values(day, placement, experiment, arm, mech, metric, eps, bound, bits, width, cell_row);
         CREATE TABLE IF NOT EXISTS rollup_days (day {text} PRIMARY KEY);
         CREATE TABLE IF NOT EXISTS rollup_reports (
             day {text} NOT NULL,
             placement {text} NOT NULL,
             experiment {text},
             arm {text},
             n BIGINT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS rollup_reports_group ON rollup_reports(day, placement, experiment, arm, n);
         CREATE TABLE IF NOT EXISTS rollup_values (
             day {text} NOT NULL,
             placement {text} NOT NULL,
             experiment {text},
             arm {text},
             mech {text} NOT NULL,
             metric {text} NOT NULL,
             eps INTEGER NOT NULL,
             bound INTEGER NOT NULL,
             bits INTEGER NOT NULL,
             width INTEGER NOT NULL,
             cell_row INTEGER NOT NULL,
             n BIGINT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS rollup_values_group
             ON rollup_values(day, placement, experiment, arm, mech, metric, eps, bound, bits, width, cell_row, n);
         CREATE TABLE IF NOT EXISTS xsell_meta (key {text} PRIMARY KEY, value {text} NOT NULL);"
    )
}

/// The group columns and the value columns, as both tally queries name
/// them.
const GROUP_COLUMNS: &str = "day, placement, experiment, arm";
const VALUE_COLUMNS: &str = "mech, metric, eps, bound, bits, width, cell_row";

/// The two tally queries: report counts and value counts, each from the
/// roll-ups (`rolled`: the backend's filter from the first day asked) and
/// from the raw rows of the days not rolled up (`raw`: its filter from the
/// first open day, so the rows of rolled-up days are not even walked), in
/// a fixed order.
fn tally_queries(rolled: &str, raw: &str) -> (String, String) {
    let g = GROUP_COLUMNS;
    let v = VALUE_COLUMNS;
    let open = "day NOT IN (SELECT day FROM rollup_days)";
    (
        format!(
            "SELECT {g}, n FROM rollup_reports WHERE {rolled}
             UNION ALL
             SELECT {g}, COUNT(*) FROM reports WHERE {raw} AND {open} GROUP BY {g}
             ORDER BY 1, 2, 3, 4"
        ),
        format!(
            "SELECT {g}, {v}, n FROM rollup_values WHERE {rolled}
             UNION ALL
             SELECT {g}, {v}, COUNT(*) FROM report_values WHERE {raw} AND {open} GROUP BY {g}, {v}
             ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
        ),
    )
}

/// The first day whose raw rows a tally query reads: after the roll-up
/// every day of the filter before `closed_before` is rolled up, so the
/// raw rows start at the later of the two.
fn first_open_day(filter: &Filter, closed_before: Option<&str>) -> String {
    match closed_before {
        Some(c) if c > filter.from.as_str() => c.to_string(),
        _ => filter.from.clone(),
    }
}

/// The roll-up of the days `{days}` selects (the backend's condition on
/// `day`): the two `INSERT … SELECT … GROUP BY` statements.
fn rollup_statements(days: &str) -> (String, String) {
    let g = GROUP_COLUMNS;
    let v = VALUE_COLUMNS;
    (
        format!(
            "INSERT INTO rollup_reports ({g}, n)
             SELECT {g}, COUNT(*) FROM reports WHERE {days} GROUP BY {g}"
        ),
        format!(
            "INSERT INTO rollup_values ({g}, {v}, n)
             SELECT {g}, {v}, COUNT(*) FROM report_values WHERE {days} GROUP BY {g}, {v}"
        ),
    )
}

/// The closed days of `filter` (those before `closed_before`) that
/// `rolled` (the days already rolled up) lacks: the ones to roll up now.
/// Days without reports are rolled up too (to nothing), so each closed day
/// is looked at once, and the check costs no scan of the reports.
fn days_to_roll_up(filter: &Filter, closed_before: &str, rolled: &[String]) -> Vec<String> {
    use xsell_core::shopper::{day_number, utc_day, MS_PER_DAY};
    let (Some(from), Some(to), Some(closed)) = (
        day_number(&filter.from),
        day_number(&filter.to),
        day_number(closed_before),
    ) else {
        return Vec::new();
    };
    (from..=to.min(closed.saturating_sub(1)))
        .map(|d| utc_day(d * MS_PER_DAY))
        .filter(|d| !rolled.contains(d))
        .collect()
}

/// Which stored reports a tally query reads: days `from` to `to`
/// (inclusive, `YYYY-MM-DD`, which compare as text), optionally one
/// placement and one experiment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Only this placement.
    pub placement: Option<String>,
    /// Only this experiment.
    pub experiment: Option<String>,
}

impl Filter {
    /// Every report of one day.
    pub fn day(day: &str) -> Self {
        Self::days(day, day)
    }

    /// Every report from `from` to `to`.
    pub fn days(from: &str, to: &str) -> Self {
        Self {
            from: from.into(),
            to: to.into(),
            placement: None,
            experiment: None,
        }
    }
}

/// One row of the report-count query, as read from either backend.
struct ReportCount {
    group: Group,
    n: i64,
}

/// One row of the value-count query.
struct ValueCount {
    group: Group,
    value: ValueColumns,
    n: i64,
}

/// The tallies of the two queries' rows. A value row the columns cannot
/// hold (written by hand into the database) is left out.
fn collect(reports: Vec<ReportCount>, values: Vec<ValueCount>) -> Tallies {
    let mut out = Tallies::new();
    for r in reports {
        out.entry(r.group).or_default().reports += r.n.max(0) as u64;
    }
    for v in values {
        if let Some(value) = v.value.value() {
            out.entry(v.group)
                .or_default()
                .values
                .push((value, v.n.max(0) as u64));
        }
    }
    out
}

/// Errors of either backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No database connection could be had in time (the server is down
    /// or unreachable, or every connection is busy).
    #[error("postgres: no connection: {0}")]
    Unavailable(String),
    /// The blocking task failed.
    #[error("storage task failed: {0}")]
    Task(String),
    /// The file is not an SQLite database, or is damaged.
    #[error("{path} is not a readable SQLite database ({reason}); give --db a new file, or restore this one from a backup")]
    Damaged {
        /// The file.
        path: String,
        /// What SQLite said.
        reason: String,
    },
    /// The database holds another application's tables.
    #[error("{place} holds tables that are not an xsell collector's ({tables}); give --db a new file or an empty database")]
    Foreign {
        /// The file or database.
        place: String,
        /// What was found.
        tables: String,
    },
    /// The database was made by a newer xsell.
    #[error("{place} has report schema {found}, newer than this collector's {SCHEMA_VERSION}; run the xsell that made it")]
    Newer {
        /// The file or database.
        place: String,
        /// Its schema version.
        found: u32,
    },
    /// A stored body could not be read while filling the typed columns.
    #[error("{place}: stored report {id} cannot be read ({reason}); the database was not changed")]
    Unreadable {
        /// The file or database.
        place: String,
        /// Its row id.
        id: i64,
        /// Why.
        reason: String,
    },
}

/// The typed columns of every value of a report; a value they cannot hold
/// (never in a validated report) is an error, not a silent loss.
fn value_columns(r: &Report) -> Result<Vec<ValueColumns>, String> {
    r.values
        .iter()
        .map(|v| ValueColumns::of(v).ok_or_else(|| format!("value {v:?} has no typed columns")))
        .collect()
}

/// A stored body read back for the schema-2 backfill: the report and its
/// typed values, or why stored report `id` of `place` cannot be read.
fn typed_body(place: &str, id: i64, body: &str) -> Result<(Report, Vec<ValueColumns>), StoreError> {
    let unreadable = |reason: String| StoreError::Unreadable {
        place: place.into(),
        id,
        reason,
    };
    let r = Report::parse(body.as_bytes()).map_err(|e| unreadable(e.to_string()))?;
    let values = value_columns(&r).map_err(unreadable)?;
    Ok((r, values))
}

/// The schema version in `xsell_meta`, `None` without one.
fn parse_version(place: &str, text: Option<String>) -> Result<Option<u32>, StoreError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let found: u32 = text.trim().parse().map_err(|_| StoreError::Foreign {
        place: place.into(),
        tables: format!("xsell_meta with schema {text:?}"),
    })?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            place: place.into(),
            found,
        });
    }
    Ok(Some(found))
}

/// A `reports` table without the columns every xsell schema has is not
/// ours.
fn check_reports_columns(place: &str, columns: &[String]) -> Result<(), StoreError> {
    let missing: Vec<&str> = ["id", "day", "placement", "body"]
        .into_iter()
        .filter(|c| !columns.iter().any(|have| have == c))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Foreign {
            place: place.into(),
            tables: format!("a `reports` table without {}", missing.join(", ")),
        })
    }
}

/// The collector's storage: embedded SQLite by default, PostgreSQL as the option.
pub enum Store {
    /// One SQLite file.
    Sqlite(std::sync::Arc<SqliteStore>),
    /// A PostgreSQL database.
    Postgres(PgStore),
}

impl Store {
    /// Opens `spec`: a `postgres://` or `postgresql://` URL, else a SQLite file path.
    pub async fn open(spec: &str) -> Result<Self, StoreError> {
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            Ok(Store::Postgres(PgStore::connect(spec).await?))
        } else {
            let path = std::path::PathBuf::from(spec);
            let s = blocking(move || SqliteStore::open(&path)).await?;
            Ok(Store::Sqlite(std::sync::Arc::new(s)))
        }
    }

    /// Which backend, for logs and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Stores a validated report once per id; returns once it is
    /// committed, or once a committed report of the same id was found (a
    /// concurrent insert of that id waits for the other's commit).
    pub async fn insert(&self, r: &Report) -> Result<Stored, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let (s, r) = (s.clone(), r.clone());
                blocking(move || s.insert(&r)).await
            }
            Store::Postgres(p) => p.insert(r).await,
        }
    }

    /// Stores many validated reports at once and returns how many were
    /// new (fixtures and benchmarks; the collector stores each report in
    /// its own transaction, [`Store::insert`]).
    pub async fn insert_many(&self, reports: &[Report]) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let (s, r) = (s.clone(), reports.to_vec());
                blocking(move || s.insert_many(&r)).await
            }
            Store::Postgres(p) => p.insert_many(reports).await,
        }
    }

    /// The tallies of the reports `filter` selects. Days before
    /// `closed_before` (`YYYY-MM-DD`) take no more reports: each is rolled
    /// up once, and read from its roll-up.
    pub async fn tallies(
        &self,
        filter: &Filter,
        closed_before: Option<&str>,
    ) -> Result<Tallies, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let (s, f, c) = (s.clone(), filter.clone(), closed_before.map(str::to_string));
                blocking(move || s.tallies(&f, c.as_deref())).await
            }
            Store::Postgres(p) => p.tallies(filter, closed_before).await,
        }
    }

    /// The days rolled up so far, oldest first.
    pub async fn rolled_up_days(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let s = s.clone();
                blocking(move || s.rolled_up_days()).await
            }
            Store::Postgres(p) => p.rolled_up_days().await,
        }
    }

    /// Number of stored reports.
    pub async fn count(&self) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let s = s.clone();
                blocking(move || s.count()).await
            }
            Store::Postgres(p) => p.count().await,
        }
    }
}

/// Runs SQLite work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}
