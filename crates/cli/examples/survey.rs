//! Statistical end-to-end run: N simulated clients with known true rates go
//! through the real client code (exact samplers, ledger, report builder) and
//! the real collector over HTTP on loopback; the debiased estimates are
//! compared with the truth, their stated 95 % intervals and the analytical
//! standard error.
//!
//! `cargo run --release -p xsell-cli --example survey -- [CLIENTS...]`
//! (default: 10000 100000). `SURVEY_EPS=1000` sets ε per report in
//! thousandths (default 2000, the whole daily budget; the widget spends
//! 1000 per placement report).

use xsell_cli::serve::{spawn_local, ServeConfig};
use xsell_core::privacy::estimate::{self, Estimate};
use xsell_core::privacy::exact::SplitMix64;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{build_report, DayCounts};

fn main() {
    let sizes: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let eps_milli: u32 = std::env::var("SURVEY_EPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    println!("ε per report: {}", f64::from(eps_milli) / 1000.0);
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    println!(
        "| clients | metric | truth | estimate | 95 % interval | covers | s.e. | predicted s.e. (at the truth) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (run, &n) in sizes.iter().enumerate() {
        let dir = std::env::temp_dir().join(format!("xsell-survey-{}-{run}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("r.sqlite").to_string_lossy().into_owned();
        let (addr, state) = spawn_local(
            &spec,
            None,
            ServeConfig {
                rate_per_second: 1e9,
                day_window: None,
                ..ServeConfig::default()
            },
        )
        .unwrap();
        // Truth: impressions uniform 0..=20 (mean 10); 8 % of clients click once;
        // 3 % add to cart; 2 % dismiss. Each report carries one of the eight
        // metrics, drawn uniformly, at the full ε = 2.
        let threads = 8u64;
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                std::thread::spawn(move || {
                    let agent = ureq::AgentBuilder::new().build();
                    for c in (t..n).step_by(threads as usize) {
                        let counts = DayCounts {
                            impressions: c % 21,
                            clicks: u64::from(c % 25 < 2),
                            add_to_cart: u64::from(c % 100 < 3),
                            dismissals: u64::from(c % 50 == 7),
                            ..Default::default()
                        };
                        let mut ledger = Ledger::load(None, "2026-11-22", Epsilon(2000));
                        let body = build_report(
                            &mut SplitMix64(c * 7919 + n),
                            "2026-11-22",
                            "cart",
                            None,
                            &counts,
                            Epsilon(eps_milli),
                            &mut ledger,
                            Epsilon(2000),
                        )
                        .unwrap()
                        .to_json();
                        let r = agent
                            .post(&format!("http://{addr}/v1/reports"))
                            .send_string(&body)
                            .unwrap();
                        assert_eq!(r.status(), 204);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let text = ureq::get(&format!(
            "http://{addr}/v1/stats?day=2026-11-22&placement=cart"
        ))
        .set(
            "authorization",
            &format!("Bearer {}", state.admin_token().reveal()),
        )
        .call()
        .unwrap()
        .into_string()
        .unwrap();
        let stats: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(stats["reports"].as_u64(), Some(n));
        let eps = Epsilon(eps_milli);
        // The collector's own estimates and intervals, read back as they were built.
        let read = |e: &serde_json::Value| -> Estimate {
            serde_json::from_value(e.clone()).expect("an estimate with its interval")
        };
        let covers = |e: &Estimate, truth: f64| if e.covers(truth) { "yes" } else { "NO" };
        for (metric, truth, bound) in [
            ("impressions", 10.0, 50u64),
            ("clicks", 0.08, 3),
            ("add_to_cart", 0.03, 3),
            ("dismissals", 0.02, 3),
        ] {
            let e = read(&stats["means"][metric]);
            let predicted = estimate::one_bit_mean_se_at(e.n, bound, eps, truth);
            println!(
                "| {n} | {metric} per client | {truth} | {:.4} | [{:.4}, {:.4}] | {} | {:.4} | {predicted:.4} |",
                e.value,
                e.low,
                e.high,
                covers(&e, truth),
                e.std_error
            );
        }
        let ctr = read(&stats["ctr"]);
        let truth = 0.08 / 10.0;
        println!(
            "| {n} | CTR | {truth} | {:.5} | [{:.5}, {:.5}] | {} | {:.5} | |",
            ctr.value,
            ctr.low,
            ctr.high,
            covers(&ctr, truth),
            ctr.std_error
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
