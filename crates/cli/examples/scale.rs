//! How training grows with the log: the untuned trainer (counting,
//! sparsifying, vectors, writing) on synthetic logs at multiples of the
//! Instacart sample (`xsell_cli::synth_log`), each in a child process so its
//! peak memory is its own.
//!
//!     cargo run --release -p xsell-cli --example scale -- 1 4 16

use std::process::Command;
use std::time::Instant;
use xsell_cli::synth_log::shop_log;
use xsell_cli::train::{count, item_tables, item_vectors, neighbours, TrainConfig};
use xsell_core::{ModelBuilder, ScoringParams};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One scale, in this process: prints a table row.
fn one(scale: f64) {
    let t0 = Instant::now();
    let data = shop_log(scale, 7);
    let generated = t0.elapsed().as_secs_f64();
    let cfg = TrainConfig::default();
    let t1 = Instant::now();
    let counts = count(data.n_items(), &data.sessions, &cfg);
    let counted = t1.elapsed().as_secs_f64();
    let pairs: usize = counts.co.iter().map(|r| r.len()).sum();
    let t2 = Instant::now();
    let links = neighbours(&counts, &cfg, &data.item_ids);
    let sparsified = t2.elapsed().as_secs_f64();
    let (items, categories) = item_tables(&data.item_ids, &counts, None);
    let t3 = Instant::now();
    let vectors = item_vectors(&counts, &items, cfg.vector_dim, 7);
    let vectored = t3.elapsed().as_secs_f64();
    let t4 = Instant::now();
    let bytes = ModelBuilder {
        items,
        categories,
        neighbours: links,
        vectors: Some((cfg.vector_dim, vectors)),
        params: ScoringParams::default(),
        train_sessions: data.sessions.len() as u32,
        train_events: data.n_events() as u32,
        ranker: None,
    }
    .build()
    .expect("a valid model");
    let written = t4.elapsed().as_secs_f64();
    let total = t1.elapsed().as_secs_f64();
    println!(
        "| {scale}× | {} | {} | {} | {counted:.1} | {sparsified:.1} | {vectored:.1} | {written:.1} | {total:.1} | {:.0} | {:.1} |",
        data.n_events(),
        data.n_items(),
        pairs,
        peak_rss_mib(),
        bytes.len() as f64 / (1 << 20) as f64
    );
    eprintln!("(log generated in {generated:.1}s)");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, scale] = args.as_slice() {
        if flag == "--one" {
            one(scale.parse().expect("a scale"));
            return;
        }
    }
    let scales = if args.is_empty() {
        vec!["1".to_string(), "4".into(), "16".into()]
    } else {
        args
    };
    println!("| log | events | items | co-occurring pairs | counting s | top-k s | vectors s | writing s | total s | peak MiB | model MiB |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let me = std::env::current_exe().expect("the example's path");
    for s in scales {
        let status = Command::new(&me)
            .args(["--one", &s])
            .status()
            .expect("running one scale");
        assert!(status.success(), "scale {s} failed");
    }
}
