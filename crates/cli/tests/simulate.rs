//! The shopper simulator on the real Instacart sample: its devices walk the
//! widget's core, and the collector's analysis of their noised reports is
//! held to the truth the simulator knows (interval coverage at the nominal
//! rate, a sample-ratio check that fires only on a broken split), over
//! real HTTP and a real store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use xsell_cli::history::OrderIndex;
use xsell_cli::input::{read_events, BadRows, EventFormat};
use xsell_cli::serve::experiment::{analyze, Request};
use xsell_cli::serve::{spawn_local_with_configs, Configs, ServeConfig};
use xsell_cli::sessions::Dataset;
use xsell_cli::simulate::behaviour::Behaviour;
use xsell_cli::simulate::population::Population;
use xsell_cli::simulate::table::Table;
use xsell_cli::simulate::walk::{DeviceDay, WalkSettings};
use xsell_cli::simulate::{experiment_file, transport, truth, Simulation};
use xsell_cli::train::{build, TrainConfig};
use xsell_core::privacy::exact::{uniform_below, SplitMix64};
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{build_report, DayCounts, Report};
use xsell_core::shopper::{Experiments, ShopperSettings};
use xsell_core::{Model, ParamGuard, ScoringParams, Valid};

const NAME: &str = "xsell-sim";
const START: &str = "2026-11-01";
const END: &str = "2026-11-14";
/// 2026-11-01T00:00Z in ms.
const FIRST_DAY_MS: u64 = 1_793_491_200_000;

fn instacart() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/instacart");
    assert!(
        d.is_dir(),
        "{} is missing: this test needs the shared data beside the checkout",
        d.display()
    );
    d
}

fn events(name: &str) -> Vec<xsell_cli::input::RawEvent> {
    read_events(&instacart().join(name), EventFormat::Auto, BadRows::Fail)
        .unwrap()
        .0
}

/// A model trained on `train_tr` (default parameters) and the real trips
/// (`train_valid` baskets, `test` next orders, `train_tr` as history).
fn world() -> &'static (Vec<u8>, Population) {
    static W: OnceLock<(Vec<u8>, Population)> = OnceLock::new();
    W.get_or_init(|| {
        let past = events("train_tr.txt");
        let data = Dataset::from_events(past.clone());
        let model = build(
            &data,
            None,
            &TrainConfig::default(),
            ScoringParams::default(),
        )
        .build()
        .unwrap();
        let orders = OrderIndex::read(&instacart().join("orders_sample.csv")).unwrap();
        let pop = Population::pair(
            &events("train_valid.txt"),
            &events("test.txt"),
            &past,
            &orders,
        );
        (model, pop)
    })
}

fn devices(clients: u64, seed: u64) -> Vec<DeviceDay> {
    let (bytes, pop) = world();
    let model = Model::parse(bytes).unwrap();
    let file = experiment_file(NAME, "cart", START, END);
    let settings = ShopperSettings {
        experiments: Valid::<Experiments>::from_json(&file).unwrap().into_inner(),
        ..ShopperSettings::default()
    }
    .check()
    .unwrap();
    let walk = WalkSettings {
        placement: "cart".into(),
        first_day_ms: FIRST_DAY_MS,
        days: 14,
        fallback_price_cents: 450,
    };
    Simulation {
        model: &model,
        settings: &settings,
        population: pop,
        behaviour: &Behaviour::default(),
        walk: &walk,
    }
    .run(clients, seed, &|| {})
}

#[test]
fn the_population_pairs_real_baskets_with_next_orders() {
    let (_, pop) = world();
    assert!(pop.trips.len() > 500, "{} trips", pop.trips.len());
    for t in &pop.trips {
        assert!(!t.basket.is_empty());
        assert!(t.demand.iter().all(|d| !t.basket.contains(d)));
    }
    let with_history = pop.trips.iter().filter(|t| !t.past.is_empty()).count();
    assert!(with_history * 10 > pop.trips.len() * 9, "{with_history}");
}

#[test]
fn devices_are_reproducible_and_every_one_reports_once() {
    let a = devices(300, 7);
    let b = devices(300, 7);
    // Everything but the measured latency (wall-clock time) and reports
    // that happen to carry it.
    let strip = |d: &[DeviceDay]| -> Vec<_> {
        d.iter()
            .map(|x| {
                let counts = DayCounts {
                    latency_us: None,
                    ..x.counts
                };
                let reports: Vec<String> = x
                    .reports
                    .iter()
                    .filter(|r| !r.contains("\"latency\""))
                    .cloned()
                    .collect();
                (x.arm.clone(), counts, x.order_cents, reports)
            })
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    assert!(a.iter().all(|d| d.reports.len() == 1 && d.arm.is_some()));
    let t = truth::by_arm(&a);
    assert_eq!(t.keys().collect::<Vec<_>>(), ["holdout", "legacy", "xsell"]);
    assert_eq!(t["holdout"].impressions_per_day, Some(0.0));
    assert!(t["xsell"].impressions_per_day.unwrap() > 5.0);
    // The bytes sent: a v3 report with the experiment and arm, nothing else.
    for d in &a {
        let r = Report::parse(d.reports[0].as_bytes()).unwrap();
        assert_eq!(r.experiment.as_deref(), Some(NAME));
        assert_eq!(r.arm, d.arm);
        assert_eq!(r.values.len(), 1);
    }
}

/// The analysis of `reports` as the collector answers it, as JSON.
fn analysis(reports: Vec<Report>, control: &str) -> serde_json::Value {
    let file = Valid::<Experiments>::from_json(&experiment_file(NAME, "cart", START, END)).unwrap();
    let configured = file.get().experiments.first();
    let req = Request::check(NAME, Some(START), Some(END), Some(control), configured).unwrap();
    let a = analyze(
        &req,
        true,
        configured,
        xsell_cli::serve::tally::of_reports(&reports),
    )
    .unwrap();
    serde_json::to_value(a).unwrap()
}

#[test]
fn intervals_cover_the_simulated_truth_at_the_nominal_rate() {
    // A pool of real walks per arm is the population; each experiment
    // draws its devices from it (with replacement) and noises their
    // counters afresh, so the pool's KPIs are the known truth.
    let pool = devices(4_500, 11);
    let mut by_arm: BTreeMap<String, Vec<&DeviceDay>> = BTreeMap::new();
    for d in &pool {
        by_arm.entry(d.arm.clone().unwrap()).or_default().push(d);
    }
    let truth = truth::by_arm(&pool);
    let per_arm = 2_000;
    let runs = 200;
    let keys = [
        "ctr",
        "add_to_cart_rate",
        "purchases_per_day",
        "order_rate",
        "order_value_mean_cents",
        "order_value_per_day_cents",
    ];
    // (control, key) -> (covered, Σ z²)
    let mut tally: BTreeMap<(&str, &str), (u32, f64)> = BTreeMap::new();
    let mut rng = SplitMix64(99);
    for _ in 0..runs {
        let mut reports = Vec::new();
        for (arm, devs) in &by_arm {
            for _ in 0..per_arm {
                let d = devs[uniform_below(&mut rng, devs.len() as u64) as usize];
                let mut ledger = Ledger::load(None, "2026-11-03", Epsilon(2000));
                let r = build_report(
                    &mut rng,
                    "2026-11-03",
                    "cart",
                    Some((NAME, arm)),
                    &d.counts,
                    Epsilon(1000),
                    &mut ledger,
                    Epsilon(2000),
                )
                .unwrap();
                reports.push(r);
            }
        }
        for control in ["legacy", "holdout"] {
            let a = analysis(reports.clone(), control);
            let t = Table::new(&a, "xsell", control, &truth).unwrap();
            for row in &t.rows {
                let Some(k) = keys.iter().find(|k| **k == row.metric) else {
                    continue;
                };
                // Rates per card seen have no truth against a holdout.
                let Some(x) = row.true_difference else {
                    continue;
                };
                let Some(d) = row.difference else {
                    panic!("{k} vs {control}: no estimate in {row:?}");
                };
                let e = tally.entry((control, k)).or_default();
                e.0 += u32::from(row.covered == Some(true));
                e.1 += ((d.value - x) / d.std_error).powi(2);
            }
        }
    }
    // Binomial(200, 0.95): mean 190, sd 3.1; below 173 has p < 1e-6. The
    // mean z² of a calibrated interval is 1 (sd 0.1 over 200 runs); 0.5
    // and 1.6 bound it at a tiny α and catch intervals that are too wide.
    assert!(tally.len() >= 9, "{tally:?}");
    let mut failed = Vec::new();
    for ((control, key), (covered, z2)) in &tally {
        let mean_z2 = z2 / f64::from(runs);
        let line = format!("{key} vs {control}: {covered}/{runs} covered, mean z² {mean_z2:.2}");
        eprintln!("{line}");
        if *covered < 173 || !(0.5..1.6).contains(&mean_z2) {
            failed.push(line);
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn the_sample_ratio_check_fires_on_a_broken_split_over_http_and_not_on_a_correct_one() {
    let pool = devices(3_000, 5);
    let file = experiment_file(NAME, "cart", START, END);
    for broken in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.sqlite");
        let (addr, state) = spawn_local_with_configs(
            db.to_str().unwrap(),
            None,
            Configs {
                placements: None,
                experiments: Some(file.clone()),
            },
            ServeConfig {
                rate_per_second: 1e9,
                day_window: None,
                ..ServeConfig::default()
            },
        )
        .unwrap();
        // Broken: a fifth of the legacy arm's beacons never arrive (say its
        // page script fails on some browsers).
        let mut k = 0;
        let bodies: Vec<&str> = pool
            .iter()
            .filter(|d| {
                k += 1;
                !(broken && d.arm.as_deref() == Some("legacy") && k % 5 == 0)
            })
            .map(|d| d.reports[0].as_str())
            .collect();
        let base = format!("http://{addr}");
        let sent = transport::post_reports(&base, &bodies, 4, &|| {}).unwrap();
        assert_eq!(sent, bodies.len());
        let a = transport::analysis(&base, state.admin_token().reveal(), NAME, "legacy").unwrap();
        assert_eq!(a["reports"].as_u64(), Some(sent as u64), "nothing lost");
        let srm = &a["srm"];
        assert_eq!(srm["warning"], broken, "{srm}");
    }
}
