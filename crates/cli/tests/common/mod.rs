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

/// A free port on loopback.
pub fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A command run as the user PostgreSQL's tools accept: `postgres` when
/// this runs as root (initdb refuses root), else the current user.
fn as_pg_user(program: &std::path::Path) -> std::process::Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        std::process::Command::new(program)
    }
}

/// A PostgreSQL server of the test's own (its own data directory and
/// port), so a test can stop and start it without touching the server the
/// other tests share. Stopped when dropped.
pub struct PrivatePg {
    bin: std::path::PathBuf,
    data: std::path::PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PrivatePg {
    /// Makes and starts one; `None` (with a line that says so) where the
    /// PostgreSQL server programs are not installed. CI installs them
    /// (`.ci/install`), so there a missing one fails.
    pub fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max();
        let Some(bin) = bin else {
            assert!(
                !on_ci(),
                "CI must have the PostgreSQL server programs (/usr/lib/postgresql/*/bin/initdb)"
            );
            let _ = writeln!(
                std::io::stderr(),
                "skipping: no /usr/lib/postgresql/*/bin/initdb for a private PostgreSQL"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            let ok = std::process::Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown of the private PostgreSQL's directory failed");
        }
        let data = dir.path().join("data");
        let out = as_pg_user(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "xsell", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pg = Self {
            bin,
            data,
            port: free_addr().port(),
            _dir: dir,
        };
        pg.up();
        Some(pg)
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://xsell@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) {
        let out = as_pg_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server and waits until it takes connections.
    pub fn up(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.data.display()
        );
        let log = self.data.join("log");
        self.pg_ctl(&["-w", "-o", &options, "-l", log.to_str().unwrap(), "start"]);
    }

    /// Stops the server at once, as a crash would (`-m immediate`: no
    /// checkpoint, every connection cut).
    pub fn crash(&self) {
        self.pg_ctl(&["-w", "-m", "immediate", "stop"]);
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = as_pg_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// `xsell serve` on `addr` over `db`, stopped when dropped.
pub struct Collector(pub std::process::Child);

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `xsell serve` on `addr` over `db` with the admin token in
/// `token_file`, and waits until it takes connections.
pub fn collector(db: &str, addr: std::net::SocketAddr, token_file: &std::path::Path) -> Collector {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_xsell"))
        .args(["serve", "--addr", &addr.to_string(), "--db", db])
        .arg("--admin-token-file")
        .arg(token_file)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "collector did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Collector(child)
}

/// Posts a report: the collector's status, `None` without an answer
/// (the connection refused or cut).
pub fn try_post(addr: std::net::SocketAddr, body: &str) -> Option<u16> {
    match ureq::post(&format!("http://{addr}/v1/reports"))
        .timeout(std::time::Duration::from_secs(30))
        .send_string(body)
    {
        Ok(r) => Some(r.status()),
        Err(ureq::Error::Status(code, _)) => Some(code),
        Err(_) => None,
    }
}

/// Posts a report to a collector that must answer.
pub fn post(addr: std::net::SocketAddr, body: &str) -> u16 {
    try_post(addr, body).unwrap_or_else(|| panic!("no answer from {addr}"))
}

/// A report of `today` built by the widget's code (`seed` makes it and its
/// id), with its id.
pub fn todays_report(seed: u64, today: &str) -> (String, String) {
    use xsell_core::privacy::{
        exact::SplitMix64, ledger::Ledger, mechanisms::Epsilon, report::build_report,
        report::DayCounts,
    };
    let mut ledger = Ledger::load(None, today, Epsilon(2000));
    let counts = DayCounts {
        impressions: seed % 20,
        clicks: seed % 2,
        ..Default::default()
    };
    let r = build_report(
        &mut SplitMix64(seed),
        today,
        "cart",
        None,
        &counts,
        Epsilon(2000),
        &mut ledger,
        Epsilon(2000),
    )
    .unwrap();
    (r.id.clone().unwrap(), r.to_json())
}
