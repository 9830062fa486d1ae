//! The SQLite backend: one file, WAL, `synchronous = FULL`.

use super::{
    check_reports_columns, collect, days_to_roll_up, first_open_day, parse_version,
    rollup_statements, tables, tally_queries, typed_body, value_columns, Filter, ReportCount,
    StoreError, Stored, ValueCount, SCHEMA_VERSION,
};
use crate::serve::tally::{Group, Tallies, ValueColumns};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::Path;
use std::sync::Mutex;
use xsell_core::privacy::report::Report;

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

/// The filter with `from` as its first day's placeholder: to, placement
/// and experiment are ?2, ?3, ?4 (the first open day is ?5).
fn filter_from(from: &str) -> String {
    format!("day BETWEEN {from} AND ?2 AND (?3 IS NULL OR placement = ?3) AND (?4 IS NULL OR experiment = ?4)")
}

/// A damaged or non-database file shows at the first read: say so plainly.
fn damaged(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.sqlite_error_code() {
        Some(NotADatabase | DatabaseCorrupt) => StoreError::Damaged {
            path: path.display().to_string(),
            reason: e.to_string(),
        },
        _ => StoreError::Sqlite(e),
    }
}

impl SqliteStore {
    /// Opens (or creates) the database file, bringing an older schema up
    /// to date; refuses a file that is not one of ours.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(|e| damaged(path, e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| damaged(path, e))?;
        // FULL: the WAL is fsynced at every commit, so an acknowledged
        // report survives a crash or kill -9.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // A crash inside leaves the old schema or the new one.
        let tx = conn.transaction().map_err(|e| damaged(path, e))?;
        prepare_schema(&tx, &path.display().to_string())?;
        tx.commit()?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a validated report once per id, its values beside it, in
    /// one transaction; returns once it is committed (or once a committed
    /// copy was found).
    pub fn insert(&self, r: &Report) -> Result<Stored, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let stored = insert_in(&tx, r)?;
        tx.commit()?;
        Ok(stored)
    }

    /// Stores many validated reports in one transaction (fixtures and
    /// benchmarks: the collector commits each report on its own).
    pub fn insert_many(&self, reports: &[Report]) -> Result<u64, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut new = 0;
        for r in reports {
            new += u64::from(insert_in(&tx, r)? == Stored::New);
        }
        tx.commit()?;
        Ok(new)
    }

    /// See [`super::Store::tallies`].
    pub fn tallies(
        &self,
        filter: &Filter,
        closed_before: Option<&str>,
    ) -> Result<Tallies, StoreError> {
        let mut conn = self.lock();
        if let Some(before) = closed_before {
            roll_up(&mut conn, filter, before)?;
        }
        let (reports_sql, values_sql) = tally_queries(&filter_from("?1"), &filter_from("?5"));
        let open = first_open_day(filter, closed_before);
        let p = params![
            filter.from,
            filter.to,
            filter.placement,
            filter.experiment,
            open
        ];
        let group = |row: &rusqlite::Row| -> rusqlite::Result<Group> {
            Ok(Group {
                day: row.get(0)?,
                placement: row.get(1)?,
                experiment: row.get(2)?,
                arm: row.get(3)?,
            })
        };
        let reports = conn
            .prepare_cached(&reports_sql)?
            .query_map(p, |row| {
                Ok(ReportCount {
                    group: group(row)?,
                    n: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let values = conn
            .prepare_cached(&values_sql)?
            .query_map(p, |row| {
                Ok(ValueCount {
                    group: group(row)?,
                    value: ValueColumns {
                        mech: row.get(4)?,
                        metric: row.get(5)?,
                        eps: row.get(6)?,
                        bound: row.get(7)?,
                        bits: row.get(8)?,
                        width: row.get(9)?,
                        cell_row: row.get(10)?,
                    },
                    n: row.get(11)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(collect(reports, values))
    }

    /// The days rolled up so far, oldest first.
    pub fn rolled_up_days(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let days = conn
            .prepare("SELECT day FROM rollup_days ORDER BY day")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(days)
    }

    /// Number of stored reports.
    pub fn count(&self) -> Result<u64, StoreError> {
        let conn = self.lock();
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))?;
        Ok(n as u64)
    }
}

/// Inserts `r` and its values inside `tx`.
fn insert_in(tx: &Transaction, r: &Report) -> Result<Stored, StoreError> {
    let values = value_columns(r).map_err(StoreError::Task)?;
    let rows = tx
        .prepare_cached(
            "INSERT INTO reports (day, placement, body, report_id, experiment, arm)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (report_id) DO NOTHING",
        )?
        .execute(params![
            r.day,
            r.placement,
            r.to_json(),
            r.id,
            r.experiment,
            r.arm
        ])?;
    if rows == 0 {
        return Ok(Stored::Duplicate);
    }
    insert_values(tx, tx.last_insert_rowid(), r, &values)?;
    Ok(Stored::New)
}

fn insert_values(
    tx: &Transaction,
    id: i64,
    r: &Report,
    values: &[ValueColumns],
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO report_values (report, day, placement, experiment, arm, mech, metric, eps, bound, bits, width, cell_row)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for v in values {
        stmt.execute(params![
            id,
            r.day,
            r.placement,
            r.experiment,
            r.arm,
            v.mech,
            v.metric,
            v.eps,
            v.bound,
            v.bits,
            v.width,
            v.cell_row
        ])?;
    }
    Ok(())
}

/// Rolls up the closed days of `filter` not rolled up yet, in one
/// transaction.
fn roll_up(conn: &mut Connection, filter: &Filter, before: &str) -> Result<(), StoreError> {
    let rolled: Vec<String> = conn
        .prepare_cached("SELECT day FROM rollup_days WHERE day BETWEEN ?1 AND ?2")?
        .query_map(params![filter.from, filter.to], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let days = days_to_roll_up(filter, before, &rolled);
    if days.is_empty() {
        return Ok(());
    }
    let (reports_sql, values_sql) = rollup_statements("day = ?1");
    let tx = conn.transaction()?;
    for day in days {
        // Another connection may have rolled it up meanwhile: then this
        // inserts nothing and adds nothing.
        if tx.execute(
            "INSERT INTO rollup_days (day) VALUES (?1) ON CONFLICT DO NOTHING",
            [&day],
        )? == 1
        {
            tx.execute(&reports_sql, [&day])?;
            tx.execute(&values_sql, [&day])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Makes or updates the schema inside `tx`: refuses foreign or newer
/// databases, adds the columns of later schemas to an old `reports`
/// table, and fills the typed columns from the stored bodies.
fn prepare_schema(tx: &Transaction, place: &str) -> Result<(), StoreError> {
    let damaged = |e| damaged(Path::new(place), e);
    let names: Vec<String> = tx
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(damaged)?;
    let has = |t: &str| names.iter().any(|n| n == t);
    if !names.is_empty() && !has("reports") {
        return Err(StoreError::Foreign {
            place: place.into(),
            tables: names.join(", "),
        });
    }
    let version = if has("xsell_meta") {
        let text: Option<String> = tx
            .query_row(
                "SELECT value FROM xsell_meta WHERE key = 'schema'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        parse_version(place, text)?
    } else {
        None
    };
    if has("reports") {
        let columns: Vec<String> = tx
            .prepare("SELECT name FROM pragma_table_info('reports')")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        check_reports_columns(place, &columns)?;
        // SQLite has no `ADD COLUMN IF NOT EXISTS`.
        for c in ["report_id", "experiment", "arm"] {
            if !columns.iter().any(|have| have == c) {
                tx.execute_batch(&format!("ALTER TABLE reports ADD COLUMN {c} TEXT;"))?;
            }
        }
    }
    tx.execute_batch(&tables("INTEGER PRIMARY KEY", "TEXT"))?;
    if version.unwrap_or(1) < SCHEMA_VERSION {
        fill_typed_columns(tx, place)?;
    }
    tx.execute(
        "INSERT INTO xsell_meta (key, value) VALUES ('schema', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION.to_string()],
    )?;
    Ok(())
}

/// Schema 1 → 2: the typed columns of every stored report, from its body.
fn fill_typed_columns(tx: &Transaction, place: &str) -> Result<(), StoreError> {
    tx.execute_batch("DELETE FROM report_values; DELETE FROM rollup_days; DELETE FROM rollup_reports; DELETE FROM rollup_values;")?;
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT id, body FROM reports ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, body) in rows {
        let (r, values) = typed_body(place, id, &body)?;
        tx.execute(
            "UPDATE reports SET experiment = ?1, arm = ?2 WHERE id = ?3",
            params![r.experiment, r.arm, id],
        )?;
        insert_values(tx, id, &r, &values)?;
    }
    Ok(())
}
