//! The collector under faults, with the real `xsell serve` process: the
//! database server crashing and coming back under load, and the disk
//! filling up under SQLite. Each ends with every acknowledged report stored
//! exactly once, and the reports that were refused (503: the widget keeps
//! them) stored once after their retry.

mod common;
use common::{collector, free_addr, todays_report, try_post, PrivatePg};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

const TOKEN: &str = "faults-test-admin-token-0123456789";

/// The phases of the crash test: up, down (crashed, not yet restarting),
/// restarting, up again; a request that spans two phases is in none.
const UP: u8 = 0;
const DOWN: u8 = 1;
const RESTARTING: u8 = 2;
const UP_AGAIN: u8 = 3;
const BETWEEN: u8 = 255;

/// What the collector answered for each report id, sent by one thread at
/// a steady pace until `stop`, with the phase the request was in: the
/// phase it started and ended in when they agree, else [`BETWEEN`].
fn send_until(
    addr: std::net::SocketAddr,
    today: &str,
    stop: &AtomicBool,
    phase: &AtomicU8,
) -> Vec<(String, String, Option<u16>, u8)> {
    let mut out = Vec::new();
    let mut seed = 0u64;
    while !stop.load(Ordering::Relaxed) {
        seed += 1;
        let (id, body) = todays_report(seed, today);
        let started = phase.load(Ordering::SeqCst);
        let status = try_post(addr, &body);
        let ended = phase.load(Ordering::SeqCst);
        let during = if started == ended { started } else { BETWEEN };
        out.push((id, body, status, during));
        std::thread::sleep(Duration::from_millis(2));
    }
    out
}

/// Each stored report id with how often it is stored.
async fn stored_ids(url: &str) -> BTreeMap<String, i64> {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    c.query(
        "SELECT report_id, COUNT(*) FROM reports GROUP BY report_id",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

#[test]
fn a_postgresql_crash_under_load_answers_503_meanwhile_and_loses_nothing_acknowledged() {
    let Some(pg) = PrivatePg::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN).unwrap();
    let addr = free_addr();
    let _collector = collector(&pg.url(), addr, &token);
    let today = xsell_cli::serve::utc_today().to_string();
    let (stop, phase) = (AtomicBool::new(false), AtomicU8::new(UP));
    let sent = std::thread::scope(|s| {
        let sender = s.spawn(|| send_until(addr, &today, &stop, &phase));
        std::thread::sleep(Duration::from_millis(1500));
        pg.crash();
        phase.store(DOWN, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(2000));
        phase.store(RESTARTING, Ordering::SeqCst);
        pg.up();
        phase.store(UP_AGAIN, Ordering::SeqCst);
        // The pool finds its dead connections at their next use.
        std::thread::sleep(Duration::from_millis(3000));
        stop.store(true, Ordering::Relaxed);
        sender.join().unwrap()
    });
    let count = |ph: u8, ok: bool| {
        sent.iter()
            .filter(|(_, _, st, p)| *p == ph && (*st == Some(204)) == ok)
            .count()
    };
    assert!(
        count(UP, true) > 20,
        "before the crash: {}",
        count(UP, true)
    );
    assert!(
        count(DOWN, false) > 0,
        "nothing was refused while the database was down"
    );
    assert_eq!(
        count(DOWN, true),
        0,
        "acknowledged while the database was down"
    );
    assert!(
        count(UP_AGAIN, true) > 20,
        "no reconnection: {} acknowledged after",
        count(UP_AGAIN, true)
    );
    eprintln!(
        "postgres crash: {} acknowledged before, {} refused while down, {} refused and {} acknowledged after the restart",
        count(UP, true),
        count(DOWN, false),
        count(UP_AGAIN, false),
        count(UP_AGAIN, true)
    );
    // Nothing but 204 and 503: the collector never answered anything else.
    for (_, _, st, _) in &sent {
        assert!(matches!(st, Some(204 | 503)), "answer {st:?}");
    }
    // The widget retries what was not acknowledged: the same bytes.
    for (_, body, st, _) in &sent {
        if *st != Some(204) {
            assert_eq!(try_post(addr, body), Some(204), "the retry");
        }
    }
    let stored = common::block(stored_ids(&pg.url()));
    for (id, _, _, _) in &sent {
        assert_eq!(stored.get(id), Some(&1), "report {id} stored once");
    }
    assert_eq!(stored.len(), sent.len(), "nothing else stored");
}

/// A small filesystem of its own, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    /// Mounts a `size` tmpfs at `at`; `None` where this process may not
    /// mount (not root, or a container without the capability).
    fn mount(at: &std::path::Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(at).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the filesystem of `dir` with one file until a write fails.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).and_then(|_| f.sync_all()).is_ok() {}
    path
}

#[test]
fn a_full_disk_under_sqlite_answers_503_keeps_the_database_whole_and_takes_reports_again() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&dir.path().join("small"), "4m") else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"skipping the disk-full test: this process may not mount a tmpfs\n",
        );
        return;
    };
    let db = fs.0.join("reports.sqlite");
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN).unwrap();
    let addr = free_addr();
    let today = xsell_cli::serve::utc_today().to_string();
    let mut collector = collector(db.to_str().unwrap(), addr, &token);
    let mut answers: Vec<(String, String, Option<u16>)> = Vec::new();
    let mut send = |seed: u64| {
        let (id, body) = todays_report(seed, &today);
        let st = try_post(addr, &body);
        answers.push((id, body, st));
        st
    };
    for seed in 0..50 {
        assert_eq!(send(seed), Some(204));
    }
    let filler = fill(&fs.0);
    // Full: the collector refuses, and keeps running.
    let mut refused = 0;
    let mut seed = 1_000;
    while refused < 20 && seed < 20_000 {
        seed += 1;
        match send(seed) {
            Some(204) => {}
            Some(503) => refused += 1,
            other => panic!("answer {other:?} on a full disk"),
        }
    }
    assert_eq!(refused, 20, "a full disk was never refused");
    eprintln!(
        "disk full: {} reports taken after the disk filled, then {refused} refused",
        seed - 1_000 - refused
    );
    assert!(
        collector.0.try_wait().unwrap().is_none(),
        "the collector died"
    );
    // Space again: taken again, and the refused ones arrive on retry.
    std::fs::remove_file(&filler).unwrap();
    for seed in 30_000..30_050 {
        assert_eq!(send(seed), Some(204), "after the space came back");
    }
    let retries: Vec<String> = answers
        .iter()
        .filter(|(_, _, st)| *st != Some(204))
        .map(|(_, b, _)| b.clone())
        .collect();
    for body in &retries {
        assert_eq!(try_post(addr, body), Some(204), "the retry");
    }
    drop(collector);
    let c = rusqlite::Connection::open(&db).unwrap();
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut stored: BTreeMap<String, i64> = BTreeMap::new();
    let mut q = c
        .prepare("SELECT report_id, COUNT(*) FROM reports GROUP BY report_id")
        .unwrap();
    for row in q
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
    {
        let (id, n) = row.unwrap();
        stored.insert(id, n);
    }
    for (id, _, _) in &answers {
        assert_eq!(stored.get(id), Some(&1), "report {id} stored once");
    }
    assert_eq!(stored.len(), answers.len(), "nothing else stored");
    let values: i64 = c
        .query_row("SELECT COUNT(*) FROM report_values", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        values as usize,
        answers.len(),
        "each report's value beside it"
    );
}
