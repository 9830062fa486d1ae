//! Helpers the collector's test suites share: both stores to test (a
//! SQLite file always, a fresh PostgreSQL database when `XSELL_TEST_PG`
//! names a server; CI always does) and a runtime to block on.
#![allow(dead_code)] // each suite uses its own share

use std::io::Write;

pub fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Whether this runs on CI: `CI` set to anything but empty, `0` or `false`.
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// The PostgreSQL server to test against, from `XSELL_TEST_PG` (e.g.
/// `postgres://xsell:xsell@127.0.0.1:5432`). CI always sets it (`.ci/unit`),
/// so there a missing one fails rather than quietly testing SQLite alone;
/// locally the PostgreSQL runs are skipped, with a line that says so.
pub fn pg_server() -> Option<String> {
    match std::env::var("XSELL_TEST_PG") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if on_ci() => panic!(
            "CI is set but XSELL_TEST_PG is not: the storage tests must run against \
             PostgreSQL too (set XSELL_TEST_PG=postgres://xsell:xsell@127.0.0.1:5432)"
        ),
        _ => {
            static SAID: std::sync::Once = std::sync::Once::new();
            // Straight to stderr, past the test harness's capture, so the
            // skip shows in a passing run.
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "serve tests: skipping PostgreSQL, XSELL_TEST_PG is not set (CI sets it)"
                );
            });
            None
        }
    }
}

/// One store to test. A PostgreSQL database is created fresh for the test
/// and dropped when the test is done with it, whether it passed or not.
pub struct Backend {
    /// What `Store::open` and `xsell serve --db` take.
    pub spec: String,
    /// (server URL, database name) of a test database to drop.
    pub pg: Option<(String, String)>,
}

pub async fn pg_admin(base: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    let (c, conn) =
        tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    c.batch_execute(sql).await
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((base, db)) = &self.pg {
            let sql = format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)");
            if let Err(e) = block(pg_admin(base, &sql)) {
                let _ = writeln!(std::io::stderr(), "could not drop test database {db}: {e}");
            }
        }
    }
}

/// Stores to test: a SQLite file always; a fresh PostgreSQL database when
/// there is a server to test against (see [`pg_server`]).
pub fn backends(dir: &std::path::Path, name: &str) -> Vec<Backend> {
    let mut out = vec![Backend {
        spec: dir
            .join(format!("{name}.sqlite"))
            .to_string_lossy()
            .into_owned(),
        pg: None,
    }];
    if let Some(base) = pg_server() {
        let db = format!("xsell_test_{name}_{}", std::process::id());
        // One statement per call: CREATE DATABASE cannot run inside the
        // implicit transaction of a multi-statement batch.
        for sql in [
            format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
            format!("CREATE DATABASE {db}"),
        ] {
            block(pg_admin(&base, &sql))
                .unwrap_or_else(|e| panic!("XSELL_TEST_PG={base} is set but `{sql}` failed: {e}"));
        }
        out.push(Backend {
            spec: format!("{base}/{db}"),
            pg: Some((base, db)),
        });
    }
    out
}
