//! Durable report storage in embedded SQLite (one file, WAL, fsync on
//! commit): a report is acknowledged only after its transaction commits.

use rusqlite::{params, Connection};
use std::path::Path;
use std::sync::Mutex;
use xsell::privacy::report::Report;

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
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS reports (
                 id INTEGER PRIMARY KEY,
                 day TEXT NOT NULL,
                 placement TEXT NOT NULL,
                 body TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS reports_day_placement ON reports(day, placement);",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Stores a validated report; returns once it is committed.
    pub fn insert(&self, r: &Report) -> rusqlite::Result<()> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        conn.execute(
            "INSERT INTO reports (day, placement, body) VALUES (?1, ?2, ?3)",
            params![r.day, r.placement, r.to_json()],
        )?;
        Ok(())
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

    /// Number of stored reports.
    pub fn count(&self) -> rusqlite::Result<u64> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row("SELECT COUNT(*) FROM reports", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
    }
}
