//! Durable report storage in embedded SQLite (one file, WAL, fsync on
//! commit) or PostgreSQL: a report is acknowledged only after its
//! transaction commits.
//!
//! Each report id (version 5, [`Report::id`]) is stored once: a UNIQUE
//! index on `report_id` and `ON CONFLICT DO NOTHING`, so a report the
//! widget sent again (it never heard the first answer) is acknowledged
//! but counted once. Reports of versions 2–4 carry no id (`NULL`, which a
//! UNIQUE index does not compare) and are stored as before. Databases
//! made before ids get the column and the index when the collector opens
//! them ([`SQLITE_SCHEMA`], [`PG_SCHEMA`]).

use rusqlite::{params, Connection};
use std::path::Path;
use std::sync::Mutex;
use xsell_core::privacy::report::Report;

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

/// The SQLite schema, run at every open (each statement is idempotent;
/// the `report_id` column is added first when missing).
pub const SQLITE_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS reports (
         id INTEGER PRIMARY KEY,
         day TEXT NOT NULL,
         placement TEXT NOT NULL,
         body TEXT NOT NULL,
         report_id TEXT
     );
     CREATE INDEX IF NOT EXISTS reports_day_placement ON reports(day, placement);
     CREATE UNIQUE INDEX IF NOT EXISTS reports_report_id ON reports(report_id);";

/// The PostgreSQL schema, run at every connect (idempotent; adds
/// `report_id` to a table made before ids).
pub const PG_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS reports (
         id BIGSERIAL PRIMARY KEY,
         day TEXT NOT NULL,
         placement TEXT NOT NULL,
         body TEXT NOT NULL
     );
     ALTER TABLE reports ADD COLUMN IF NOT EXISTS report_id TEXT;
     CREATE INDEX IF NOT EXISTS reports_day_placement ON reports(day, placement);
     CREATE UNIQUE INDEX IF NOT EXISTS reports_report_id ON reports(report_id);";

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (or creates) the database file.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: the WAL is fsynced at every commit, so an acknowledged
        // report survives a crash or kill -9.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // A database from before report ids: add the column (SQLite has
        // no `ADD COLUMN IF NOT EXISTS`), in the transaction that makes the
        // index, so a crash leaves the old schema or the new one.
        let tx = conn.unchecked_transaction()?;
        let has_table: bool = tx.query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'reports'",
            [],
            |r| r.get(0),
        )?;
        let has_id: bool = tx.query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('reports') WHERE name = 'report_id'",
            [],
            |r| r.get(0),
        )?;
        if has_table && !has_id {
            tx.execute_batch("ALTER TABLE reports ADD COLUMN report_id TEXT;")?;
        }
        tx.execute_batch(SQLITE_SCHEMA)?;
        tx.commit()?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Stores a validated report once per id; returns once it is committed
    /// (or once a committed copy was found).
    pub fn insert(&self, r: &Report) -> rusqlite::Result<Stored> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let rows = conn.execute(
            "INSERT INTO reports (day, placement, body, report_id) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (report_id) DO NOTHING",
            params![r.day, r.placement, r.to_json(), r.id],
        )?;
        Ok(Stored::of_rows(rows as u64))
    }

    /// All reports of a day (and placement, if given).
    pub fn reports(&self, day: &str, placement: Option<&str>) -> rusqlite::Result<Vec<Report>> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let mut stmt = conn.prepare("SELECT body FROM reports WHERE day = ?1 AND (?2 IS NULL OR placement = ?2) ORDER BY id")?;
        let rows = stmt.query_map(params![day, placement], |row| row.get::<_, String>(0))?;
        let mut out = Vec::new();
        for body in rows {
            // Stored bodies were validated on the way in; re-validate anyway.
            if let Ok(r) = Report::parse(body?.as_bytes()) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// All reports of experiment `name` from day `from` to day `to`
    /// (inclusive); see [`Store::experiment_reports`].
    pub fn experiment_reports(
        &self,
        name: &str,
        from: &str,
        to: &str,
    ) -> rusqlite::Result<Vec<Report>> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let mut stmt = conn.prepare(
            "SELECT body FROM reports WHERE day BETWEEN ?1 AND ?2 AND body LIKE ?3 ESCAPE '\\' ORDER BY id",
        )?;
        let rows = stmt.query_map(params![from, to, experiment_pattern(name)], |row| {
            row.get::<_, String>(0)
        })?;
        let mut out = Vec::new();
        for body in rows {
            out.extend(of_experiment(&body?, name));
        }
        Ok(out)
    }

    /// Number of stored reports.
    pub fn count(&self) -> rusqlite::Result<u64> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row("SELECT COUNT(*) FROM reports", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
    }
}

/// A `LIKE` pattern (escape character `\`) that matches the stored bodies
/// of experiment `name`. Bodies are stored as [`Report::to_json`] writes
/// them, so the experiment appears exactly as `"experiment":"NAME"`; the
/// day index narrows the scan and the pattern keeps other placements'
/// reports in the database. `_` and `%` are escaped (names may hold `_`).
fn experiment_pattern(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("%\"experiment\":\"{escaped}\"%")
}

/// The stored body as a report, if it is valid and of experiment `name`
/// (the pattern only narrows; this decides).
fn of_experiment(body: &str, name: &str) -> Option<Report> {
    Report::parse(body.as_bytes())
        .ok()
        .filter(|r| r.experiment.as_deref() == Some(name))
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
    /// The blocking task failed.
    #[error("storage task failed: {0}")]
    Task(String),
}

/// PostgreSQL store: for when one machine is not enough (several collectors
/// in front of one database). Commits are durable on acknowledgement with
/// the server's default `synchronous_commit = on`.
pub struct PgStore {
    client: tokio_postgres::Client,
}

impl PgStore {
    /// Connects (e.g. `postgres://xsell:xsell@127.0.0.1/xsell`) and creates the table.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("postgres connection closed: {e}");
            }
        });
        client.batch_execute(PG_SCHEMA).await?;
        Ok(Self { client })
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
            Ok(Store::Sqlite(std::sync::Arc::new(SqliteStore::open(
                Path::new(spec),
            )?)))
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
                Ok(tokio::task::spawn_blocking(move || s.insert(&r))
                    .await
                    .map_err(|e| StoreError::Task(e.to_string()))??)
            }
            Store::Postgres(p) => {
                let rows = p
                    .client
                    .execute(
                        "INSERT INTO reports (day, placement, body, report_id) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (report_id) DO NOTHING",
                        &[&r.day, &r.placement, &r.to_json(), &r.id],
                    )
                    .await?;
                Ok(Stored::of_rows(rows))
            }
        }
    }

    /// All reports of a day (and placement, if given).
    pub async fn reports(
        &self,
        day: &str,
        placement: Option<&str>,
    ) -> Result<Vec<Report>, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let (s, day, placement) =
                    (s.clone(), day.to_string(), placement.map(str::to_string));
                Ok(
                    tokio::task::spawn_blocking(move || s.reports(&day, placement.as_deref()))
                        .await
                        .map_err(|e| StoreError::Task(e.to_string()))??,
                )
            }
            Store::Postgres(p) => {
                let rows = p.client.query("SELECT body FROM reports WHERE day = $1 AND ($2::TEXT IS NULL OR placement = $2) ORDER BY id", &[&day, &placement]).await?;
                Ok(rows
                    .iter()
                    .filter_map(|row| Report::parse(row.get::<_, String>(0).as_bytes()).ok())
                    .collect())
            }
        }
    }

    /// All reports of experiment `name` from day `from` to day `to`, both
    /// `YYYY-MM-DD` and inclusive (days compare as text in that form).
    pub async fn experiment_reports(
        &self,
        name: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<Report>, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let (s, name, from, to) = (
                    s.clone(),
                    name.to_string(),
                    from.to_string(),
                    to.to_string(),
                );
                Ok(
                    tokio::task::spawn_blocking(move || s.experiment_reports(&name, &from, &to))
                        .await
                        .map_err(|e| StoreError::Task(e.to_string()))??,
                )
            }
            Store::Postgres(p) => {
                let rows = p
                    .client
                    .query(
                        "SELECT body FROM reports WHERE day BETWEEN $1 AND $2 AND body LIKE $3 ESCAPE '\\' ORDER BY id",
                        &[&from, &to, &experiment_pattern(name)],
                    )
                    .await?;
                Ok(rows
                    .iter()
                    .filter_map(|row| of_experiment(&row.get::<_, String>(0), name))
                    .collect())
            }
        }
    }

    /// Number of stored reports.
    pub async fn count(&self) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let s = s.clone();
                Ok(tokio::task::spawn_blocking(move || s.count())
                    .await
                    .map_err(|e| StoreError::Task(e.to_string()))??)
            }
            Store::Postgres(p) => Ok(p
                .client
                .query_one("SELECT COUNT(*) FROM reports", &[])
                .await?
                .get::<_, i64>(0) as u64),
        }
    }
}
