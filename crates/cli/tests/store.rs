//! The report store's typed columns, `GROUP BY` tallies and daily
//! roll-ups, against a real SQLite file and (with `XSELL_TEST_PG`, always
//! on CI) a fresh PostgreSQL database: the database's counts are those of
//! the reports themselves, closed days are read from roll-ups made once,
//! two collector processes share one database, and a database that is
//! not a collector's is refused with what to do.

mod common;
use common::{backends, block, collector, free_addr, post, todays_report, Backend};

use std::collections::BTreeMap;
use std::net::SocketAddr;
use xsell_cli::serve::tally::{self, Tallies};
use xsell_cli::serve::{Filter, Store, Stored};
use xsell_core::privacy::exact::{uniform_below, SplitMix64};
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{
    build_journey_report, build_report, noise, report_id, DayCounts, Metric, Report,
};

const DAYS: [&str; 3] = ["2026-11-20", "2026-11-21", "2026-11-22"];
const EXPERIMENT: &str = "grid-test";

/// A mix of everything the collector stores: version-5 placement reports
/// of two placements, in and out of an experiment, journey reports, and
/// version-2 reports with two values each, over three days.
fn reports(n: u64) -> Vec<Report> {
    let mut rng = SplitMix64(41);
    (0..n)
        .map(|k| {
            let day = DAYS[(k % 3) as usize];
            let mut ledger = Ledger::load(None, day, Epsilon(2000));
            let counts = DayCounts {
                impressions: uniform_below(&mut rng, 30),
                clicks: uniform_below(&mut rng, 3),
                purchases: uniform_below(&mut rng, 2),
                order_value_cents: Some(uniform_below(&mut rng, 30_000)),
                ..Default::default()
            };
            match k % 7 {
                0 => {
                    let cell = uniform_below(&mut rng, 3626) as usize;
                    build_journey_report(
                        &mut rng,
                        day,
                        cell,
                        Epsilon(1000),
                        &mut ledger,
                        Epsilon(2000),
                    )
                    .unwrap()
                }
                1 => {
                    let old = Report {
                        v: 2,
                        id: None,
                        day: day.into(),
                        placement: "cart".into(),
                        experiment: None,
                        arm: None,
                        values: vec![
                            noise(&mut rng, Metric::Clicks, 1, Epsilon(1000)),
                            noise(&mut rng, Metric::OrderValue, 4, Epsilon(1000)),
                        ],
                    };
                    Report::parse(old.to_json().as_bytes()).expect("a valid version-2 report")
                }
                k => {
                    let placement = if k % 2 == 0 { "cart" } else { "product" };
                    let arm = (k >= 4).then_some((EXPERIMENT, if k == 4 { "a" } else { "b" }));
                    build_report(
                        &mut rng,
                        day,
                        placement,
                        arm,
                        &counts,
                        Epsilon(1000),
                        &mut ledger,
                        Epsilon(2000),
                    )
                    .unwrap()
                }
            }
        })
        .collect()
}

/// Tallies in a form that compares exactly: per group, the report count
/// and each distinct value's count.
fn canonical(t: &Tallies) -> BTreeMap<String, (u64, BTreeMap<String, u64>)> {
    t.iter()
        .map(|(g, t)| (format!("{g:?}"), t.canonical()))
        .collect()
}

/// What `filter` selects of `reports`, tallied in memory.
fn expected(reports: &[Report], f: &Filter) -> Tallies {
    let chosen: Vec<Report> = reports
        .iter()
        .filter(|r| {
            r.day.as_str() >= f.from.as_str()
                && r.day.as_str() <= f.to.as_str()
                && f.placement.as_ref().is_none_or(|p| &r.placement == p)
                && f.experiment
                    .as_ref()
                    .is_none_or(|e| r.experiment.as_ref() == Some(e))
        })
        .cloned()
        .collect();
    tally::of_reports(&chosen)
}

fn filters() -> Vec<Filter> {
    vec![
        Filter::day(DAYS[0]),
        Filter {
            placement: Some("cart".into()),
            ..Filter::day(DAYS[1])
        },
        Filter {
            experiment: Some(EXPERIMENT.into()),
            ..Filter::days(DAYS[0], DAYS[2])
        },
        Filter::days(DAYS[0], DAYS[2]),
        Filter::day("2026-12-24"),
    ]
}

#[test]
fn the_databases_group_by_counts_are_those_of_the_reports_and_closed_days_roll_up_once() {
    let dir = tempfile::tempdir().unwrap();
    // One runtime for the test: a PostgreSQL connection lives in it.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let all = reports(700);
    for backend in backends(dir.path(), "tallies") {
        let spec = &backend.spec;
        let store = rt.block_on(Store::open(spec)).unwrap();
        for r in &all {
            assert_eq!(rt.block_on(store.insert(r)).unwrap(), Stored::New, "{spec}");
        }
        // A retried version-5 report is stored and counted once.
        let retried = all.iter().find(|r| r.id.is_some()).unwrap();
        assert_eq!(
            rt.block_on(store.insert(retried)).unwrap(),
            Stored::Duplicate
        );
        assert_eq!(rt.block_on(store.count()).unwrap(), all.len() as u64);

        for f in filters() {
            let got = rt.block_on(store.tallies(&f, None)).unwrap();
            assert_eq!(
                canonical(&got),
                canonical(&expected(&all, &f)),
                "{spec}: {f:?}"
            );
        }
        assert!(rt.block_on(store.rolled_up_days()).unwrap().is_empty());

        // The first two days are closed: rolled up at the first read, and
        // read from the roll-ups from then on, with the same counts.
        let closed = Some(DAYS[2]);
        for _ in 0..2 {
            for f in filters() {
                let got = rt.block_on(store.tallies(&f, closed)).unwrap();
                assert_eq!(
                    canonical(&got),
                    canonical(&expected(&all, &f)),
                    "{spec}: {f:?}"
                );
            }
        }
        assert_eq!(
            rt.block_on(store.rolled_up_days()).unwrap(),
            &DAYS[..2],
            "{spec}"
        );
        // A closed day takes no more reports (the collector refuses its
        // day); one written anyway is in the table but not in the counts:
        // the roll-up is what is read.
        let mut late = reports(1).remove(0);
        late.id = Some(report_id(&mut SplitMix64(999)));
        assert_eq!(late.day, DAYS[0]);
        rt.block_on(store.insert(&late)).unwrap();
        let f = Filter::day(DAYS[0]);
        let got = rt.block_on(store.tallies(&f, closed)).unwrap();
        assert_eq!(canonical(&got), canonical(&expected(&all, &f)), "{spec}");
        assert_eq!(rt.block_on(store.count()).unwrap(), all.len() as u64 + 1);
        // Another connection (another collector) reads the same roll-ups.
        let other = rt.block_on(Store::open(spec)).unwrap();
        let got = rt
            .block_on(other.tallies(&Filter::days(DAYS[0], DAYS[2]), closed))
            .unwrap();
        let want = expected(&all, &Filter::days(DAYS[0], DAYS[2]));
        assert_eq!(canonical(&got), canonical(&want), "{spec}");
    }
}

/// An admin token file for the collector processes.
const TOKEN: &str = "store-test-admin-token-0123456789";

fn stats(addr: SocketAddr, day: &str) -> serde_json::Value {
    let text = ureq::get(&format!("http://{addr}/v1/stats?day={day}"))
        .set("authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn two_collector_processes_share_one_database_and_give_one_set_of_stats() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    for backend in backends(dir.path(), "two") {
        let Backend { spec, .. } = &backend;
        let (a, b) = (free_addr(), free_addr());
        let (_one, _two) = (
            collector(spec, a, &token_file),
            collector(spec, b, &token_file),
        );
        // Today's reports: the real collector keeps its day window.
        let today = xsell_cli::serve::utc_today().to_string();
        let bodies: Vec<String> = (0..300u64)
            .map(|k| todays_report(9_000 + k, &today).1)
            .collect();
        // Both take reports at once, and every tenth is retried on the
        // other process (a widget whose first answer was lost).
        std::thread::scope(|s| {
            for (half, (addr, other)) in [(a, b), (b, a)].into_iter().enumerate() {
                let bodies = &bodies;
                s.spawn(move || {
                    for (k, body) in bodies.iter().enumerate().filter(|(k, _)| k % 2 == half) {
                        assert_eq!(post(addr, body), 204, "{spec}");
                        if k % 10 == 0 {
                            assert_eq!(post(other, body), 204, "{spec}: the retry");
                        }
                    }
                });
            }
        });
        let (sa, sb) = (stats(a, &today), stats(b, &today));
        assert_eq!(sa["reports"], 300, "{spec}: each report once");
        assert_eq!(sa, sb, "{spec}: one set of stats");
        let stored = block(async { Store::open(spec).await.unwrap().count().await.unwrap() });
        assert_eq!(stored, 300, "{spec}");
    }
}

/// The error opening `spec`, as text.
fn refusal(spec: &str) -> String {
    match block(Store::open(spec)) {
        Ok(_) => panic!("{spec} was opened"),
        Err(e) => e.to_string(),
    }
}

async fn pg_batch(spec: &str, sql: &str) {
    let (c, conn) = tokio_postgres::connect(spec, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    c.batch_execute(sql).await.unwrap();
}

#[test]
fn a_database_that_is_not_a_collectors_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    // Not a database at all, or a damaged one.
    let junk = dir.path().join("junk.sqlite");
    std::fs::write(
        &junk,
        b"this is a shopping list, not a database\n".repeat(200),
    )
    .unwrap();
    let e = refusal(junk.to_str().unwrap());
    assert!(e.contains("is not a readable SQLite database"), "{e}");
    assert!(e.contains("give --db a new file"), "{e}");
    // The CLI says the same and stops.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xsell"))
        .args(["serve", "--addr", &free_addr().to_string(), "--db"])
        .arg(&junk)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("is not a readable SQLite database"),
        "{stderr}"
    );

    for backend in backends(dir.path(), "foreign") {
        let spec = &backend.spec;
        let run = |sql: &str| {
            if backend.pg.is_some() {
                block(pg_batch(spec, sql));
            } else {
                rusqlite::Connection::open(spec)
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
        };
        if backend.pg.is_none() {
            // Another application's database file.
            run("CREATE TABLE customers (name TEXT, email TEXT);");
            let e = refusal(spec);
            assert!(e.contains("not an xsell collector's (customers)"), "{e}");
            run("DROP TABLE customers;");
        }
        // A `reports` table of someone else's.
        run("CREATE TABLE reports (id INTEGER, title TEXT);");
        let e = refusal(spec);
        assert!(
            e.contains("a `reports` table without day, placement, body"),
            "{e}"
        );
        run("DROP TABLE reports;");
        // A collector database of a newer xsell.
        drop(block(Store::open(spec)).unwrap());
        run("UPDATE xsell_meta SET value = '99' WHERE key = 'schema';");
        let e = refusal(spec);
        assert!(e.contains("has report schema 99, newer than"), "{e}");
        run("UPDATE xsell_meta SET value = '2' WHERE key = 'schema';");
        assert!(block(Store::open(spec)).is_ok(), "{spec}");
    }
}

#[test]
fn a_database_of_bodies_only_gets_its_typed_columns_from_them() {
    let dir = tempfile::tempdir().unwrap();
    // One runtime for the test: a PostgreSQL connection lives in it.
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Schema 1: ids, but no typed columns, no values, no roll-ups.
    let schema_1 = "CREATE TABLE reports (id INTEGER PRIMARY KEY, day TEXT NOT NULL, placement TEXT NOT NULL, body TEXT NOT NULL, report_id TEXT);
         CREATE INDEX reports_day_placement ON reports(day, placement);
         CREATE UNIQUE INDEX reports_report_id ON reports(report_id);";
    let old = reports(70);
    for backend in backends(dir.path(), "schema1") {
        let spec = &backend.spec;
        if backend.pg.is_some() {
            let schema = schema_1.replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY");
            rt.block_on(async {
                let (c, conn) = tokio_postgres::connect(spec, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                c.batch_execute(&schema).await.unwrap();
                for r in &old {
                    c.execute(
                        "INSERT INTO reports (day, placement, body, report_id) VALUES ($1, $2, $3, $4)",
                        &[&r.day, &r.placement, &r.to_json(), &r.id],
                    )
                    .await
                    .unwrap();
                }
            });
        } else {
            let c = rusqlite::Connection::open(spec).unwrap();
            c.execute_batch(schema_1).unwrap();
            for r in &old {
                c.execute(
                    "INSERT INTO reports (day, placement, body, report_id) VALUES (?1, ?2, ?3, ?4)",
                    rusqlite::params![r.day, r.placement, r.to_json(), r.id],
                )
                .unwrap();
            }
        }
        let store = rt.block_on(Store::open(spec)).unwrap();
        for f in filters() {
            let got = rt.block_on(store.tallies(&f, None)).unwrap();
            assert_eq!(
                canonical(&got),
                canonical(&expected(&old, &f)),
                "{spec}: {f:?}"
            );
        }
        // Opening again changes nothing.
        drop(store);
        let again = rt.block_on(Store::open(spec)).unwrap();
        let f = Filter::days(DAYS[0], DAYS[2]);
        let got = rt.block_on(again.tallies(&f, None)).unwrap();
        assert_eq!(canonical(&got), canonical(&expected(&old, &f)), "{spec}");
        assert_eq!(rt.block_on(again.count()).unwrap(), old.len() as u64);
    }
}
