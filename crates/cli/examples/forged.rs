//! How far forged reports move the numbers, and whether the collector's
//! checks see them: `cargo run --release -p xsell-cli --example forged`.
//!
//! An experiment day of 100,000 honest device-days at ε = 1 through the
//! widget's own code, split evenly between arms `a` and `b` with the same
//! behaviour (CTR 2 %, conversion 0.5 %, so the true uplift is 0). Forgers
//! then add 1 % or 5 % more reports to arm `b`, every one a valid report
//! chosen to raise b's CTR and conversion:
//! - **concentrated**: a third each set clicks and purchases bits and
//!   clear impressions bits (the most a report can move them);
//! - **even**: the eight metrics in the widget's even mix, each at its most
//!   damaging valid value (counts at the extreme; the histograms as an
//!   honest widget would send them), to pass the metric-mix test.
//!
//! Each row is the mean over 20 seeds: b's CTR and conversion, the CTR
//! difference b − a, how often its 95 % interval excludes 0 (a false
//! "b wins"), and how often the day's plausibility check warns.

use xsell_cli::serve::experiment::{analyze, Request};
use xsell_cli::serve::plausible;
use xsell_cli::serve::tally;
use xsell_core::privacy::exact::{uniform_below, SplitMix64};
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{
    build_report, noise, report_id, DayCounts, Metric, Noised, Report, ALL_METRICS, REPORT_VERSION,
};

const DAY: &str = "2026-12-02";
const NAME: &str = "forgery";
const DEVICES: u64 = 100_000;
const SEEDS: u64 = 20;

fn honest(rng: &mut SplitMix64, k: u64) -> Report {
    let mut ledger = Ledger::load(None, DAY, Epsilon(2000));
    let impressions = uniform_below(rng, 21);
    let clicks = (0..impressions)
        .filter(|_| uniform_below(rng, 1000) < 20)
        .count() as u64;
    let purchases = u64::from(uniform_below(rng, 1000) < 50);
    let counts = DayCounts {
        impressions,
        clicks: clicks.min(3),
        purchases,
        order_value_cents: Some(if purchases > 0 { 6_000 } else { 0 }),
        ..Default::default()
    };
    let arm = if k.is_multiple_of(2) { "a" } else { "b" };
    build_report(
        rng,
        DAY,
        "cart",
        Some((NAME, arm)),
        &counts,
        Epsilon(1000),
        &mut ledger,
        Epsilon(2000),
    )
    .expect("a fresh ledger")
}

fn one_bit(metric: Metric, bit: bool) -> Noised {
    Noised::OneBit {
        metric,
        eps: 1000,
        bound: metric.domain().1,
        bit,
    }
}

fn forged(rng: &mut SplitMix64, k: u64, even: bool) -> Report {
    let value = if even {
        match ALL_METRICS[(k % 8) as usize] {
            m @ (Metric::Clicks | Metric::AddToCart | Metric::Purchases) => one_bit(m, true),
            m @ (Metric::Impressions | Metric::Dismissals) => one_bit(m, false),
            m => noise(rng, m, 0, Epsilon(1000)),
        }
    } else {
        match k % 3 {
            0 => one_bit(Metric::Clicks, true),
            1 => one_bit(Metric::Purchases, true),
            _ => one_bit(Metric::Impressions, false),
        }
    };
    Report {
        v: REPORT_VERSION,
        id: Some(report_id(rng)),
        day: DAY.into(),
        placement: "cart".into(),
        experiment: Some(NAME.into()),
        arm: Some("b".into()),
        values: vec![value],
    }
}

#[derive(Default)]
struct Row {
    runs: u64,
    gone: u64,
    ctr_b: f64,
    conversion_b: f64,
    difference: f64,
    false_wins: u64,
    warnings: u64,
}

fn main() {
    let request = Request::check(NAME, Some(DAY), Some(DAY), Some("a"), None).expect("a request");
    println!("| forged share | forgers' reports | b's CTR | b's conversion | CTR b − a (truth 0) | false \"b wins\" | warned |");
    println!("|---|---|---|---|---|---|---|");
    for (share, even) in [
        (0.0, false),
        (0.01, false),
        (0.05, false),
        (0.01, true),
        (0.05, true),
    ] {
        let mut row = Row::default();
        for seed in 0..SEEDS {
            let mut rng = SplitMix64(1_000 + seed);
            let mut day: Vec<Report> = (0..DEVICES).map(|k| honest(&mut rng, k)).collect();
            let fakes = (DEVICES as f64 * share) as u64;
            day.extend((0..fakes).map(|k| forged(&mut rng, k, even)));
            let tallies = tally::of_reports(&day);
            let warned = plausible::check(tallies.values()).warning;
            let a = analyze(&request, false, None, tallies).expect("an analysis");
            let b = a.arms.iter().find(|x| x.name == "b").expect("arm b");
            // A KPI per impression is not given once b's impressions are
            // not clearly above 0 (forged cleared bits can push them down).
            let (Some(ctr), Some(conversion)) = (b.kpis.ctr, b.kpis.conversion_rate) else {
                row.gone += 1;
                row.warnings += u64::from(warned);
                continue;
            };
            let d = a.comparisons[0]
                .kpis
                .ctr
                .as_ref()
                .expect("a difference")
                .difference;
            row.ctr_b += ctr.value;
            row.conversion_b += conversion.value;
            row.difference += d.value;
            row.runs += 1;
            row.false_wins += u64::from(d.low > 0.0);
            row.warnings += u64::from(warned);
        }
        let kind = if share == 0.0 {
            "none"
        } else if even {
            "even"
        } else {
            "concentrated"
        };
        let mean = |x: f64| {
            if row.runs == 0 {
                "—".to_string()
            } else {
                format!("{:.2}", 100.0 * x / row.runs as f64)
            }
        };
        let gone = if row.gone > 0 {
            format!(
                " (no CTR on {} of {SEEDS} days: b's impressions not above 0)",
                row.gone
            )
        } else {
            String::new()
        };
        println!(
            "| {:.0} % | {kind} | {} % | {} % | {} pts{gone} | {} of {SEEDS} | {} of {SEEDS} |",
            share * 100.0,
            mean(row.ctr_b),
            mean(row.conversion_b),
            mean(row.difference),
            row.false_wins,
            row.warnings
        );
    }
}
