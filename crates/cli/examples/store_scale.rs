//! How long the collector's reads take as the store grows:
//! `cargo run --release -p xsell-cli --example store_scale -- N [postgres://…/db]`
//! (SQLite in a temporary file without a URL; the PostgreSQL database
//! should be empty: the reports are added to it).
//!
//! Fills the store with N reports built by the widget's code over 30 days
//! (two placements, half of them in an experiment of two arms, one in
//! fifteen a journey; on PostgreSQL then `VACUUM ANALYZE`, as autovacuum
//! would have run meanwhile), then times, each the median of three runs:
//! - the day's stats (`/v1/stats`): `GROUP BY` over one open day;
//! - an experiment's 30 days (`/v1/experiments/{name}`) over the raw rows;
//! - the roll-up of those 30 days (made once, at the first read after a
//!   day closes), and the same analysis read from the roll-ups;
//! - what the collector did before the typed columns: every body of the
//!   30 days read and parsed, then counted.

use std::time::{Duration, Instant};
use xsell_cli::serve::stats;
use xsell_cli::serve::tally::{self, Tallies};
use xsell_cli::serve::{Filter, Store};
use xsell_core::privacy::exact::{uniform_below, SplitMix64};
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{build_journey_report, build_report, DayCounts, Report};
use xsell_core::shopper::{utc_day, MS_PER_DAY};

const DAYS: u64 = 30;
/// 2026-11-01 as days since 1970.
const FIRST_DAY: u64 = 20_758;
const EXPERIMENT: &str = "scale-test";

fn day(k: u64) -> String {
    utc_day((FIRST_DAY + k) * MS_PER_DAY)
}

fn report(rng: &mut SplitMix64, k: u64) -> Report {
    let d = day(k % DAYS);
    let mut ledger = Ledger::load(None, &d, Epsilon(2000));
    if k.is_multiple_of(15) {
        let cell = uniform_below(rng, 3626) as usize;
        return build_journey_report(rng, &d, cell, Epsilon(1000), &mut ledger, Epsilon(2000))
            .expect("a fresh ledger");
    }
    let counts = DayCounts {
        impressions: uniform_below(rng, 30),
        clicks: uniform_below(rng, 3),
        purchases: uniform_below(rng, 2),
        order_value_cents: Some(uniform_below(rng, 30_000)),
        ..Default::default()
    };
    let placement = if k.is_multiple_of(2) {
        "cart"
    } else {
        "product"
    };
    let arm = (k % 4 < 2).then_some((EXPERIMENT, if k.is_multiple_of(4) { "a" } else { "b" }));
    build_report(
        rng,
        &d,
        placement,
        arm,
        &counts,
        Epsilon(1000),
        &mut ledger,
        Epsilon(2000),
    )
    .expect("a fresh ledger")
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let runs = (0..3)
        .map(|_| {
            let t = Instant::now();
            out = Some(f());
            t.elapsed()
        })
        .collect();
    (median(runs), out.expect("three runs"))
}

/// What the collector did before the typed columns: every body of the
/// range, parsed and counted in memory.
async fn bodies(spec: &str, from: &str, to: &str) -> Tallies {
    let texts: Vec<String> = if spec.starts_with("postgres") {
        let (c, conn) = tokio_postgres::connect(spec, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(conn);
        c.query(
            "SELECT body FROM reports WHERE day BETWEEN $1 AND $2",
            &[&from, &to],
        )
        .await
        .expect("read bodies")
        .iter()
        .map(|r| r.get(0))
        .collect()
    } else {
        let c = rusqlite::Connection::open(spec).expect("open");
        let mut s = c
            .prepare("SELECT body FROM reports WHERE day BETWEEN ?1 AND ?2")
            .expect("prepare");
        s.query_map([from, to], |r| r.get(0))
            .expect("read bodies")
            .collect::<rusqlite::Result<_>>()
            .expect("read bodies")
    };
    let reports: Vec<Report> = texts
        .iter()
        .filter_map(|t| Report::parse(t.as_bytes()).ok())
        .collect();
    tally::of_reports(&reports)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .expect("usage: store_scale N [postgres://…/db]");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let spec = args.get(2).cloned().unwrap_or_else(|| {
        dir.path()
            .join("scale.sqlite")
            .to_string_lossy()
            .into_owned()
    });
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let store = rt.block_on(Store::open(&spec)).expect("open the store");
    let t = Instant::now();
    let mut rng = SplitMix64(2026);
    let chunk = 100_000;
    for start in (0..n).step_by(chunk as usize) {
        let reports: Vec<Report> = (start..(start + chunk).min(n))
            .map(|k| report(&mut rng, k))
            .collect();
        rt.block_on(store.insert_many(&reports)).expect("store");
        eprint!("\rstored {} of {n}", (start + chunk).min(n));
    }
    eprintln!();
    let fill = t.elapsed();
    if store.kind() == "postgres" {
        // What autovacuum does over the days the reports arrive in: the
        // statistics, and the visibility map index-only scans need.
        rt.block_on(async {
            let (c, conn) = tokio_postgres::connect(&spec, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            c.batch_execute("VACUUM ANALYZE").await.expect("vacuum");
        });
    }
    let (first, last) = (day(0), day(DAYS - 1));
    let one_day = Filter::day(&day(DAYS / 2));
    let experiment = Filter {
        experiment: Some(EXPERIMENT.into()),
        ..Filter::days(&first, &last)
    };
    let (t_day, s) = time(|| {
        let t = rt.block_on(store.tallies(&one_day, None)).expect("tallies");
        stats::compute(t.values())
    });
    let (t_raw, raw) = time(|| {
        rt.block_on(store.tallies(&experiment, None))
            .expect("tallies")
    });
    let closed = day(DAYS);
    let t = Instant::now();
    rt.block_on(store.tallies(&experiment, Some(&closed)))
        .expect("roll up");
    let t_rollup = t.elapsed();
    let (t_rolled, rolled) = time(|| {
        rt.block_on(store.tallies(&experiment, Some(&closed)))
            .expect("tallies")
    });
    let (t_bodies, old) = time(|| rt.block_on(bodies(&spec, &first, &last)));
    let rows: usize = rolled.values().map(|t| t.values.len()).sum();
    let canonical = |t: &Tallies| -> Vec<_> { t.values().map(tally::Tally::canonical).collect() };
    assert_eq!(
        canonical(&raw),
        canonical(&rolled),
        "roll-ups hold the same counts"
    );
    let old_experiment: Tallies = old
        .into_iter()
        .filter(|(g, _)| g.experiment.as_deref() == Some(EXPERIMENT))
        .collect();
    assert_eq!(
        canonical(&raw),
        canonical(&old_experiment),
        "the bodies hold the same counts"
    );
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    println!(
        "{} store, {n} reports over {DAYS} days (filled in {:.0} s)",
        store.kind(),
        fill.as_secs_f64()
    );
    println!("| read | time |");
    println!("|---|---|");
    println!(
        "| one open day's stats ({} reports, GROUP BY) | {} |",
        s.reports,
        ms(t_day)
    );
    println!(
        "| an experiment's {DAYS} days, raw rows (GROUP BY) | {} |",
        ms(t_raw)
    );
    println!("| rolling those {DAYS} days up (once) | {} |", ms(t_rollup));
    println!(
        "| the same {DAYS} days from the roll-ups ({rows} rows) | {} |",
        ms(t_rolled)
    );
    println!(
        "| before: every body of the {DAYS} days read and parsed | {} |",
        ms(t_bodies)
    );
}
