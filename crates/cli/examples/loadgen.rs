//! Bounded load generator for the collector, on loopback only.
//!
//! `cargo run --release -p xsell-cli --example loadgen -- [SECONDS] [THREADS] [STORE] [RATE]`
//!
//! STORE is a `postgres://` URL of a scratch database; without it (or with
//! `-`) a fresh SQLite file is used. Starts the real collector in-process
//! on 127.0.0.1, then sends valid noised reports from THREADS client
//! threads for SECONDS seconds (default 10 s, 8 threads (at most 1024), at
//! most 120 s).
//!
//! Without RATE each thread waits for its acknowledgement before the next
//! report (closed loop): the sustained rate. With RATE (reports/s) the
//! threads offer that load on a fixed schedule whatever the answers (open
//! loop), as shoppers' browsers do: it prints the accepted rate, the
//! latency of accepted reports, the share refused (429/503, which a widget
//! keeps and retries) and the process's peak memory.
//!
//! Every request carries a fresh report id (the collector stores each id
//! once), so every acknowledged report must be stored, and no refused one:
//! the run checks it. It stops by itself.

use std::time::{Duration, Instant};
use xsell_cli::serve::{spawn_local, ServeConfig};
use xsell_core::privacy::exact::SplitMix64;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{build_report, DayCounts, REPORT_ID_LEN};

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .min(120);
    let threads: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(8)
        .clamp(1, 1024);
    let dir = std::env::temp_dir().join(format!("xsell-loadgen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = args
        .get(3)
        .filter(|s| s.as_str() != "-")
        .cloned()
        .unwrap_or_else(|| dir.join("reports.sqlite").to_string_lossy().into_owned());
    let rate: f64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let (addr, state) = spawn_local(
        &spec,
        None,
        ServeConfig {
            rate_per_second: 1e9,
            day_window: None,
            ..ServeConfig::default()
        },
    )
    .expect("opening the store");
    let before = block(state.store().count()).unwrap();
    let url = format!("http://{addr}/v1/reports");
    // Pre-built distinct reports, so the clients measure the server, not the
    // noise; each send swaps in a fresh id (thread and sequence number).
    let bodies: Vec<(String, String)> = (0..1000u64)
        .map(|c| {
            let mut l = Ledger::load(None, "2026-11-22", Epsilon(2000));
            let counts = DayCounts {
                impressions: c % 30,
                clicks: c % 3,
                relevance: Some((c % 5 + 1) as u8),
                ..Default::default()
            };
            let r = build_report(
                &mut SplitMix64(c),
                "2026-11-22",
                "cart",
                None,
                &counts,
                Epsilon(2000),
                &mut l,
                Epsilon(2000),
            )
            .unwrap();
            (r.to_json(), r.id.unwrap())
        })
        .collect();
    let bodies = std::sync::Arc::new(bodies);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let t0 = Instant::now();
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u32)
        ^ std::process::id();
    // Per thread: (latency, acknowledged) of every report sent.
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (url, bodies) = (url.clone(), bodies.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let mut sent = Vec::new();
                let mut k = t;
                // Open loop: this thread's share of RATE, staggered.
                let gap = (rate > 0.0).then(|| Duration::from_secs_f64(threads as f64 / rate));
                let mut next =
                    t0 + gap.map_or(Duration::ZERO, |g| g.mul_f64(t as f64 / threads as f64));
                while Instant::now() < deadline {
                    if let Some(g) = gap {
                        if let Some(wait) = next.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                        next += g;
                    }
                    let (body, id) = &bodies[k % bodies.len()];
                    // This run's nonce, the thread and the sequence number:
                    // unique within the run and against earlier runs on
                    // the same database.
                    let fresh = format!(
                        "{:0w$x}",
                        (u128::from(run) << 96) | ((t as u128) << 48) | k as u128,
                        w = REPORT_ID_LEN
                    );
                    let body = body.replacen(id.as_str(), &fresh, 1);
                    let s = Instant::now();
                    let status = match agent.post(&url).send_string(&body) {
                        Ok(r) => r.status(),
                        Err(ureq::Error::Status(code, _)) => code,
                        Err(e) => panic!("transport error: {e}"),
                    };
                    assert!(
                        matches!(status, 204 | 429 | 503),
                        "answer {status} to a valid report"
                    );
                    assert!(
                        gap.is_some() || status == 204,
                        "a report was not acknowledged"
                    );
                    sent.push((s.elapsed(), status == 204));
                    k += threads;
                }
                sent
            })
        })
        .collect();
    let sent: Vec<(Duration, bool)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let elapsed = t0.elapsed().as_secs_f64();
    let mut lat: Vec<Duration> = sent.iter().filter(|(_, ok)| *ok).map(|(d, _)| *d).collect();
    lat.sort();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    let stored = block(state.store().count()).unwrap() - before;
    let refused = sent.len() - lat.len();
    println!(
        "{} store, {threads} client threads, {seconds} s on loopback{}",
        state.store().kind(),
        if rate > 0.0 {
            format!(", offering {rate:.0} reports/s")
        } else {
            String::new()
        }
    );
    println!(
        "sent: {} ({:.0}/s), acknowledged: {}, refused: {refused} ({:.1} %), stored: {stored}",
        sent.len(),
        sent.len() as f64 / elapsed,
        lat.len(),
        100.0 * refused as f64 / sent.len().max(1) as f64
    );
    println!("sustained: {:.0} reports/s", lat.len() as f64 / elapsed);
    println!(
        "latency of acknowledged reports: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "peak memory of the process (collector and clients): {}",
        peak_rss()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        stored,
        lat.len() as u64,
        "every acknowledged report (each its own id) is stored once, and no refused one"
    );
}

/// `VmHWM` of this process, from `/proc`.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
