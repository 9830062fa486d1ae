//! The in-memory counter's memory on a synthetic log ten times the
//! Instacart sample (1.46M events, 139k items): its peak stays within a
//! stated bound. Alone in its test binary, so the process's peak resident
//! size is this test's.

use xsell_cli::synth_log::shop_log;
use xsell_cli::train::{count, neighbours, TrainConfig};

/// The process's peak and current resident size in bytes (Linux).
fn resident() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("a VmHWM/VmRSS line")
            * 1024
    };
    (field("VmHWM:"), field("VmRSS:"))
}

#[test]
fn counting_ten_times_the_sample_stays_within_its_memory_bound() {
    let data = shop_log(10.0, 7);
    let events = data.n_events();
    let (_, before) = resident();
    let cfg = TrainConfig::default();
    let counts = count(data.n_items(), &data.sessions, &cfg);
    let pairs: usize = counts.co.iter().map(|r| r.len()).sum::<usize>()
        + counts.seq.iter().map(|r| r.len()).sum::<usize>();
    let links = neighbours(&counts, &cfg, &data.item_ids);
    let kept: usize = links.iter().map(Vec::len).sum();
    let (peak, _) = resident();
    let used = peak.saturating_sub(before);
    eprintln!(
        "{events} events, {} items: {pairs} counted pairs, {kept} links kept; counting peak {:.0} MiB above the log ({:.1} bytes per counted pair)",
        data.n_items(),
        used as f64 / (1 << 20) as f64,
        used as f64 / pairs as f64
    );
    assert!(events > 1_400_000, "{events}");
    // The bound: 48 bytes per counted pair, plus 64 MiB. A pair costs a
    // hash-map entry of 8 (co) or 16 (seq) bytes and a control byte, at up
    // to 87.5 % load, and a growing map briefly holds its old table too;
    // 25 bytes per pair were measured (README, "Training and scaling").
    let bound = 48 * pairs as u64 + (64 << 20);
    assert!(
        used <= bound,
        "counting used {used} bytes, over the bound of {bound} for {pairs} pairs"
    );
    // And in absolute terms, what a laptop has to spare.
    assert!(peak < 3 << 30, "peak {peak} bytes");
}
