//! Fills a SQLite report store with noised journey reports built by the
//! device's code from journeys with known channel effects
//! (`xsell_core::attribution::synthetic`), for looking at the dashboard's
//! attribution: `cargo run --release -p xsell-cli --example journeys --
//! FILE [N] [DAY]`, then `xsell serve --db FILE` and open the dashboard.
//! One transaction (the collector commits each report on its own; this
//! only makes a fixture).

use xsell_core::attribution::synthetic::JourneyModel;
use xsell_core::privacy::exact::SplitMix64;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::build_journey_report;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).expect("usage: journeys FILE [N] [DAY]");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let day = args.get(3).cloned().unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        xsell_core::shopper::utc_day(now)
    });
    let store =
        xsell_cli::serve::SqliteStore::open(std::path::Path::new(file)).expect("open the store");
    let mut rng = SplitMix64(7);
    let reports: Vec<_> = JourneyModel::default()
        .sample(&mut rng, n)
        .into_iter()
        .map(|cell| {
            let mut ledger = Ledger::load(None, &day, Epsilon(2000));
            build_journey_report(
                &mut rng,
                &day,
                cell,
                Epsilon(1000),
                &mut ledger,
                Epsilon(2000),
            )
            .expect("within the day's budget")
        })
        .collect();
    store.insert_many(&reports).expect("store the reports");
    println!("{n} journey reports for {day} in {file}");
}
