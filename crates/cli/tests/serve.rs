//! The collector over real HTTP on loopback. Every storage test runs against
//! a real SQLite file and, when `XSELL_TEST_PG` names a PostgreSQL server
//! (CI starts one), against a fresh database on it: one suite, both stores.
//! On CI (`CI` set) a missing `XSELL_TEST_PG` fails instead of skipping.

use std::net::SocketAddr;
use std::sync::Arc;
use xsell_cli::serve::{
    spawn_local, spawn_local_with_configs, AppState, Configs, ServeConfig, Store,
};
use xsell_core::privacy::estimate::{self, Estimate};
use xsell_core::privacy::exact::SplitMix64;
use xsell_core::privacy::exact::{uniform_below, RandomBits};
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{build_report, DayCounts, Metric, Report};

mod common;
use common::{backends, block};

const DAY: &str = "2026-11-22";

fn start(spec: &str, model: Option<Vec<u8>>, config: ServeConfig) -> (SocketAddr, Arc<AppState>) {
    spawn_local(spec, model, config).unwrap()
}

fn count(state: &AppState) -> u64 {
    block(state.store().count()).unwrap()
}

fn post(addr: SocketAddr, body: &str) -> u16 {
    match ureq::post(&format!("http://{addr}/v1/reports"))
        .set("Content-Type", "application/json")
        .send_string(body)
    {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("transport error: {e}"),
    }
}

fn client_report(seed: u64, counts: &DayCounts) -> String {
    client_report_at(seed, counts, Epsilon(2000))
}

/// A client's report built by the real client code at `eps` per report.
fn client_report_at(seed: u64, counts: &DayCounts, eps: Epsilon) -> String {
    report_on(seed, DAY, counts, eps)
}

/// A client's report of `day` built by the real client code.
fn report_on(seed: u64, day: &str, counts: &DayCounts, eps: Epsilon) -> String {
    let mut ledger = Ledger::load(None, day, Epsilon(2000));
    build_report(
        &mut SplitMix64(seed),
        day,
        "cart",
        None,
        counts,
        eps,
        &mut ledger,
        Epsilon(2000),
    )
    .unwrap()
    .to_json()
}

/// A device's report of one exposed day in `arm` of `experiment`, built by
/// the real client code at ε = 2 (the whole day's budget on one placement).
fn experiment_report(
    seed: u64,
    day: &str,
    experiment: &str,
    arm: &str,
    counts: &DayCounts,
) -> String {
    let mut ledger = Ledger::load(None, day, Epsilon(2000));
    build_report(
        &mut SplitMix64(seed),
        day,
        "cart",
        Some((experiment, arm)),
        counts,
        Epsilon(2000),
        &mut ledger,
        Epsilon(2000),
    )
    .unwrap()
    .to_json()
}

/// `GET path` on the collector: the status and the JSON body.
/// The admin token of every collector these tests start.
const TOKEN: &str = "test-admin-token-0123456789";

/// The collector these tests start: a known admin token, and any calendar
/// day accepted (the tests post fixed days; the window has its own test).
fn admin_config() -> ServeConfig {
    ServeConfig {
        admin_token: xsell_cli::serve::AdminToken::new(TOKEN).unwrap(),
        day_window: None,
        ..ServeConfig::default()
    }
}

/// A GET with the admin token.
fn admin_get(url: &str) -> ureq::Request {
    ureq::get(url).set("authorization", &format!("Bearer {TOKEN}"))
}

fn get_json(addr: SocketAddr, path: &str) -> (u16, serde_json::Value) {
    let (status, text) = match admin_get(&format!("http://{addr}{path}")).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("transport error: {e}"),
    };
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

fn stats(addr: SocketAddr) -> serde_json::Value {
    let text = admin_get(&format!("http://{addr}/v1/stats?day={DAY}&placement=cart"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// An estimate of `/v1/stats`, with the interval the collector built.
fn estimate_in(v: &serde_json::Value) -> Estimate {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

#[test]
fn valid_reports_are_stored_and_hostile_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path(), "intake") {
        let spec = &backend.spec;
        let (addr, state) = start(spec, None, admin_config());
        let good = client_report(
            1,
            &DayCounts {
                impressions: 5,
                clicks: 1,
                ..Default::default()
            },
        );
        assert_eq!(post(addr, &good), 204);
        assert_eq!(count(&state), 1);
        let in_arm = experiment_report(
            2,
            "2026-12-02",
            "layout_test",
            "grid",
            &DayCounts::default(),
        );
        // Each edit must change the report: a replace that no longer
        // matches (after a version bump) would test the good report again.
        let edits = [
            (&good, good.replace("\"v\":5", "\"v\":4")),
            (&good, good.replace("\"v\":5", "\"v\":3")),
            (
                &good,
                good.replacen("{\"v\":5,", "{\"v\":5,\"user_id\":\"abc\",", 1),
            ),
            (&good, good.replace("\"cart\"", "\"<img src=x>\"")),
            (&in_arm, in_arm.replace("\"v\":5", "\"v\":2")),
            (&in_arm, in_arm.replace("\"arm\":\"grid\",", "")),
            (
                &in_arm,
                in_arm.replace("\"grid\"", "\"user-42@example.com\""),
            ),
        ];
        for (original, edited) in &edits {
            assert_ne!(*original, edited, "{spec}: the edit did not apply");
        }
        assert_eq!(post(addr, &in_arm), 204);
        let hostile = [
            edits.map(|(_, edited)| edited).to_vec(),
            vec![
            format!("{{\"v\":2,\"day\":\"{DAY}\",\"placement\":\"cart\",\"values\":[{{\"mech\":\"1bit\",\"metric\":\"clicks\",\"eps\":2000,\"bound\":5000000,\"bit\":true}}]}}"),
            format!("{{\"v\":2,\"day\":\"{DAY}\",\"placement\":\"cart\",\"values\":[{{\"mech\":\"oue\",\"metric\":\"latency\",\"eps\":2000,\"bits\":[true]}}]}}"),
            "{\"v\":2}".to_string(),
            "not json".to_string(),
            String::new(),
            "[".repeat(3000),
            ],
        ]
        .concat();
        for body in &hostile {
            assert_eq!(
                post(addr, body),
                400,
                "{spec}: {}",
                &body[..body.len().min(80)]
            );
        }
        assert_eq!(post(addr, &"x".repeat(10_000)), 413);
        assert_eq!(count(&state), 2, "{spec}: nothing hostile was stored");
    }
}

#[test]
fn simulated_clients_give_debiased_estimates_within_their_intervals() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path(), "stats") {
        let spec = &backend.spec;
        let (addr, _) = start(spec, None, admin_config());
        // 3,000 clients with known truth: impressions 0..=20 (mean 10), 10 % click once.
        let clients = 3_000u64;
        let answers = [5u8, 4, 4, 3, 5, 4, 2, 4, 3, 5];
        for c in 0..clients {
            let counts = DayCounts {
                impressions: c % 21,
                clicks: u64::from(c % 10 == 0),
                relevance: Some(answers[(c % 10) as usize]),
                ..Default::default()
            };
            assert_eq!(post(addr, &client_report(100 + c, &counts)), 204);
        }
        let stats = stats(addr);
        assert_eq!(stats["reports"], clients, "{spec}");
        let imp = estimate_in(&stats["means"]["impressions"]);
        let (value, se) = (imp.value, imp.std_error);
        assert!(
            (value - 10.0).abs() < 4.5 * se,
            "{spec}: impressions {value} ± {se}"
        );
        // The error bar is what the analysis predicts for this ε: each report
        // carries one of eight metrics at the full ε = 2, so impressions are
        // estimated from the n reports that drew them.
        let n_imp = imp.n;
        assert!(
            (n_imp as f64 - clients as f64 / 8.0).abs()
                < 4.0 * (clients as f64 / 8.0 * 7.0 / 8.0).sqrt(),
            "{n_imp}"
        );
        let predicted = estimate::one_bit_mean_se_at(n_imp, 50, Epsilon(2000), 10.0);
        assert!(
            (se / predicted - 1.0).abs() < 0.05,
            "se {se} vs predicted {predicted}"
        );
        let ctr = estimate_in(&stats["ctr"]);
        let truth = 0.1 / 10.0;
        assert!(
            (ctr.value - truth).abs() < 4.5 * ctr.std_error,
            "{spec}: {ctr:?}"
        );
        assert_eq!(
            stats["histograms"]["relevance"].as_array().unwrap().len(),
            6,
            "no answer, then 1-5"
        );
        let r = estimate_in(&stats["relevance_mean"]);
        assert!(
            r.std_error > 0.0 && (r.value - 3.9).abs() < 4.5 * r.std_error,
            "{spec}: relevance mean {r:?} (truth 3.9)"
        );
        // Honest widgets' reports look like honest widgets' reports.
        assert_eq!(stats["plausibility"]["warning"], false, "{spec}");
        assert_eq!(stats["plausibility"]["metric_mix"]["reports"], clients);
        // A forger adds 15 % of valid reports, each a set clicks bit at the
        // widget's ε: the metric mix gives it away.
        for k in 0..450u64 {
            let forged = format!(
                r#"{{"v":5,"id":"{k:032x}","day":"{DAY}","placement":"cart","values":[{{"mech":"1bit","metric":"clicks","eps":2000,"bound":3,"bit":true}}]}}"#
            );
            assert_eq!(post(addr, &forged), 204, "a forged report is valid");
        }
        let after = self::stats(addr);
        assert_eq!(after["plausibility"]["warning"], true, "{spec}");
        assert_eq!(after["plausibility"]["metric_mix"]["warning"], true);
    }
}

#[test]
fn reports_at_every_epsilon_count_in_the_stats() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path(), "two_eps") {
        let spec = &backend.spec;
        let (addr, _) = start(spec, None, admin_config());
        // Half the clients report at ε = 1 (the widget's setting), half at
        // ε = 2; same truth as above. Every report must count, histograms
        // (one OUE group per ε) as well as means.
        let clients = 2_400u64;
        let answers = [5u8, 4, 4, 3, 5, 4, 2, 4, 3, 5];
        let (mut relevance, mut impressions) = (0u64, 0u64);
        for c in 0..clients {
            let counts = DayCounts {
                impressions: c % 21,
                relevance: Some(answers[(c % 10) as usize]),
                ..Default::default()
            };
            let eps = Epsilon(if c % 2 == 0 { 1000 } else { 2000 });
            let body = client_report_at(300 + c, &counts, eps);
            match Report::parse(body.as_bytes()).unwrap().values[0].metric() {
                Metric::Relevance => relevance += 1,
                Metric::Impressions => impressions += 1,
                _ => {}
            }
            assert_eq!(post(addr, &body), 204);
        }
        let stats = stats(addr);
        let buckets = stats["histograms"]["relevance"].as_array().unwrap();
        assert_eq!(buckets.len(), 6, "{spec}");
        for b in buckets {
            assert_eq!(estimate_in(b).n, relevance, "{spec}: {b}");
        }
        let imp = estimate_in(&stats["means"]["impressions"]);
        assert_eq!(imp.n, impressions, "{spec}");
        assert!(
            (imp.value - 10.0).abs() < 4.5 * imp.std_error,
            "{spec}: {imp:?}"
        );
        let r = estimate_in(&stats["relevance_mean"]);
        assert!(
            (r.value - 3.9).abs() < 4.5 * r.std_error,
            "{spec}: relevance mean {r:?} (truth 3.9)"
        );
    }
}

#[test]
fn model_is_served_with_etag_and_immutable_caching() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = xsell_core::ModelBuilder::default();
    b.items.push(xsell_core::ItemRecord {
        id: "a".into(),
        title: "A".into(),
        in_stock: true,
        ..Default::default()
    });
    let bytes = b.build().unwrap();
    let spec = dir.path().join("m.sqlite").to_string_lossy().into_owned();
    let (addr, _) = start(&spec, Some(bytes.clone()), admin_config());
    let r = ureq::get(&format!("http://{addr}/model.xsm"))
        .call()
        .unwrap();
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let etag = r.header("etag").unwrap().to_string();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut r.into_reader(), &mut body).unwrap();
    assert_eq!(body, bytes);
    let again = ureq::get(&format!("http://{addr}/model.xsm"))
        .set("If-None-Match", &etag)
        .call()
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[test]
fn rate_limit_answers_429_without_storing() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("rl.sqlite").to_string_lossy().into_owned();
    let (addr, state) = start(
        &spec,
        None,
        ServeConfig {
            rate_per_second: 3.0,
            ..admin_config()
        },
    );
    let codes: Vec<u16> = (0..6)
        .map(|seed| post(addr, &client_report(seed, &DayCounts::default())))
        .collect();
    assert!(codes.contains(&429), "{codes:?}");
    assert_eq!(
        count(&state),
        codes.iter().filter(|&&c| c == 204).count() as u64
    );
    // The refusal asks the sender to come back.
    let (status, retry_after) = refusal(addr, &client_report(99, &DayCounts::default()));
    assert_eq!((status, retry_after.as_deref()), (429, Some("1")));
}

/// Status and `Retry-After` of a refused report.
fn refusal(addr: SocketAddr, body: &str) -> (u16, Option<String>) {
    match ureq::post(&format!("http://{addr}/v1/reports")).send_string(body) {
        Ok(r) => (r.status(), r.header("retry-after").map(str::to_string)),
        Err(ureq::Error::Status(code, r)) => (code, r.header("retry-after").map(str::to_string)),
        Err(e) => panic!("transport error: {e}"),
    }
}

/// Past the reports it may store at once the collector refuses at once:
/// 503 with `Retry-After`, nothing stored (the widget keeps the report).
/// With no room at all every report is refused, whatever its content.
#[test]
fn past_capacity_reports_are_refused_at_once_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir
        .path()
        .join("full.sqlite")
        .to_string_lossy()
        .into_owned();
    let (addr, state) = start(
        &spec,
        None,
        ServeConfig {
            max_in_flight: 0,
            ..admin_config()
        },
    );
    for seed in 0..5 {
        let (status, retry_after) = refusal(addr, &client_report(seed, &DayCounts::default()));
        assert_eq!((status, retry_after.as_deref()), (503, Some("1")));
    }
    assert_eq!(count(&state), 0);
    // One at a time is room enough for one sender.
    let (addr, state) = start(
        &spec,
        None,
        ServeConfig {
            max_in_flight: 1,
            ..admin_config()
        },
    );
    for seed in 0..5 {
        assert_eq!(post(addr, &client_report(seed, &DayCounts::default())), 204);
    }
    assert_eq!(count(&state), 5);
}

/// A report posted with `x-forwarded-for: xff`: status and `Retry-After`.
fn post_from(addr: SocketAddr, xff: &str, body: &str) -> (u16, Option<String>) {
    let r = ureq::post(&format!("http://{addr}/v1/reports"))
        .set("x-forwarded-for", xff)
        .send_string(body);
    match r {
        Ok(r) => (r.status(), r.header("retry-after").map(str::to_string)),
        Err(ureq::Error::Status(code, r)) => (code, r.header("retry-after").map(str::to_string)),
        Err(e) => panic!("transport error: {e}"),
    }
}

/// One source gets its day's share and then 429 until the next UTC day;
/// behind a proxy each client's address (the header's last entry, the one
/// the proxy added) has its own share, whatever the client put before it.
#[test]
fn each_source_gets_its_share_of_reports_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir
        .path()
        .join("caps.sqlite")
        .to_string_lossy()
        .into_owned();
    let (addr, state) = start(
        &spec,
        None,
        ServeConfig {
            per_source_per_day: Some(3),
            ..admin_config()
        },
    );
    let codes: Vec<u16> = (0..5)
        .map(|seed| post(addr, &client_report(seed, &DayCounts::default())))
        .collect();
    assert_eq!(codes, [204, 204, 204, 429, 429]);
    let (status, retry_after) = refusal(addr, &client_report(9, &DayCounts::default()));
    let wait: u64 = retry_after.unwrap().parse().unwrap();
    assert_eq!(status, 429);
    assert!(
        (1..=86_400).contains(&wait),
        "until the next UTC day: {wait}"
    );
    assert_eq!(count(&state), 3);

    let (addr, state) = start(
        &spec,
        None,
        ServeConfig {
            per_source_per_day: Some(2),
            client_ip_header: Some("x-forwarded-for".into()),
            ..admin_config()
        },
    );
    let mut seed = 100;
    let mut send = |xff: &str| {
        seed += 1;
        post_from(addr, xff, &client_report(seed, &DayCounts::default())).0
    };
    // A client cannot escape its cap by putting addresses before its own.
    let a: Vec<u16> = [
        "198.51.100.1",
        "10.0.0.1, 198.51.100.1",
        "10.0.0.2, 198.51.100.1",
    ]
    .iter()
    .map(|x| send(x))
    .collect();
    assert_eq!(a, [204, 204, 429]);
    assert_eq!(send("203.0.113.9"), 204, "another client, its own share");
    assert_eq!(count(&state), 3 + 3);
}

#[test]
fn kill_9_loses_no_acknowledged_report() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path(), "kill") {
        let db = &backend.spec;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xsell"))
            .args(["serve", "--addr", &addr.to_string(), "--db", db])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(std::time::Instant::now() < deadline, "server did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // Send from a second thread while killing mid-stream; count acknowledgements.
        // Today's reports: the real server keeps its day window.
        let today = xsell_cli::serve::utc_today().to_string();
        let sender = std::thread::spawn(move || {
            let mut acked = 0u64;
            for c in 0..100_000u64 {
                let body = report_on(
                    c,
                    &today,
                    &DayCounts {
                        impressions: c % 7,
                        ..Default::default()
                    },
                    Epsilon(2000),
                );
                match ureq::post(&format!("http://{addr}/v1/reports")).send_string(&body) {
                    Ok(r) if r.status() == 204 => acked += 1,
                    Ok(_) | Err(ureq::Error::Status(..)) => {}
                    Err(_) => break, // the server is gone
                }
            }
            acked
        });
        std::thread::sleep(std::time::Duration::from_millis(1500));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let acked = sender.join().unwrap();
        assert!(acked > 10, "only {acked} reports were sent before the kill");
        let stored = block(async { Store::open(db).await.unwrap().count().await.unwrap() });
        // Every acknowledged report is there; at most the one in flight may be extra.
        assert!(
            stored >= acked && stored <= acked + 1,
            "{db}: acked {acked}, stored {stored}"
        );
    }
}

/// A collector that serves the experiment file `json` (checked the way
/// `xsell serve --experiments` checks it), or none.
fn start_with_experiments(spec: &str, json: Option<&str>) -> SocketAddr {
    let dir = tempfile::tempdir().unwrap();
    let path = json.map(|j| {
        let p = dir.path().join("experiments.json");
        std::fs::write(&p, j).unwrap();
        p
    });
    let configs = Configs::read(None, path.as_deref()).unwrap();
    spawn_local_with_configs(spec, None, configs, admin_config())
        .unwrap()
        .0
}

const LAYOUT_TEST: &str = r#"{"v":1,"experiments":[{"name":"layout_test","placement":"cart",
  "start":"2026-12-01","end":"2026-12-14","arms":[
  {"name":"control","weight":1,"kind":"legacy"},
  {"name":"grid","weight":1,"config":{"layout":"grid"}},
  {"name":"none","weight":1,"kind":"holdout"}]}]}"#;

/// How a device behaves on an exposed day in each arm of `layout_test`:
/// (impressions uniform on 0..=max, clicks, per mille of days with them,
/// per mille of days with an order).
fn behaviour(arm: &str) -> (u64, u64, u64, u64) {
    match arm {
        "control" => (20, 1, 400, 300),
        "grid" => (30, 2, 500, 360),
        _ => (0, 0, 0, 250), // the holdout shows nothing, people still order
    }
}

/// True CTR (mean clicks over mean impressions) and order rate of an arm.
fn truth(arm: &str) -> (f64, f64) {
    let (max, clicks, click_pm, order_pm) = behaviour(arm);
    let ctr = if max == 0 {
        f64::NAN
    } else {
        clicks as f64 * click_pm as f64 / 1000.0 / (max as f64 / 2.0)
    };
    (ctr, order_pm as f64 / 1000.0)
}

fn day_of(rng: &mut SplitMix64, arm: &str) -> DayCounts {
    let (max, clicks, click_pm, order_pm) = behaviour(arm);
    let clicked = uniform_below(rng, 1000) < click_pm;
    let ordered = uniform_below(rng, 1000) < order_pm;
    DayCounts {
        impressions: uniform_below(rng, max + 1),
        clicks: if clicked { clicks } else { 0 },
        order_value_cents: ordered.then(|| 2_000 + uniform_below(rng, 10_000)),
        ..Default::default()
    }
}

#[test]
fn experiment_arms_are_compared_with_intervals_that_hold_the_truth() {
    let file: xsell_core::shopper::Experiments = serde_json::from_str(LAYOUT_TEST).unwrap();
    let experiment = &file.experiments[0];
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path(), "experiment") {
        let spec = &backend.spec;
        let addr = start_with_experiments(spec, Some(LAYOUT_TEST));
        // 9,000 devices, each bucketed by the widget's own draw from a
        // random salt, report one exposed day of the first two weeks.
        let mut rng = SplitMix64(2026);
        let mut posted: std::collections::BTreeMap<String, u64> = Default::default();
        for d in 0..9_000u64 {
            let arm = experiment.arm_for(rng.next_u64()).name.clone();
            let day = format!("2026-12-{:02}", 1 + d % 14);
            let counts = day_of(&mut rng, &arm);
            let body = experiment_report(rng.next_u64(), &day, "layout_test", &arm, &counts);
            assert_eq!(post(addr, &body), 204, "{spec}");
            *posted.entry(arm).or_default() += 1;
        }
        // Reports that must not count: a day outside the range, look-alike
        // names (`_` is a LIKE wildcard, a prefix), no experiment at all.
        let busy = DayCounts {
            impressions: 50,
            clicks: 3,
            ..Default::default()
        };
        for k in 0..100u64 {
            for (day, name) in [
                ("2026-11-30", "layout_test"),
                ("2026-12-03", "layout-test"),
                ("2026-12-03", "layout_test2"),
            ] {
                let body = experiment_report(90_000 + k, day, name, "grid", &busy);
                assert_eq!(post(addr, &body), 204);
            }
            assert_eq!(post(addr, &client_report(95_000 + k, &busy)), 204);
        }

        let (status, a) = get_json(
            addr,
            "/v1/experiments/layout_test?from=2026-12-01&to=2026-12-14",
        );
        assert_eq!(status, 200, "{spec}: {a}");
        assert_eq!(a["reports"], 9_000, "{spec}: only this experiment's days");
        assert_eq!(a["control"], "control");
        assert_eq!(a["placement"], "cart");
        let arms = a["arms"].as_array().unwrap();
        let names: Vec<&str> = arms.iter().map(|x| x["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["control", "grid", "none"], "the file's order");
        for arm in arms {
            let name = arm["name"].as_str().unwrap();
            assert_eq!(arm["reports"], posted[name], "{spec}: {name}");
            let (ctr, order_rate) = truth(name);
            let kpis = &arm["kpis"];
            if ctr.is_nan() {
                assert!(
                    kpis["ctr"].is_null(),
                    "{spec}: a holdout has no CTR: {kpis}"
                );
            } else {
                let e = estimate_in(&kpis["ctr"]);
                assert!(e.covers(ctr), "{spec}: {name} CTR {e:?} vs truth {ctr}");
            }
            let e = estimate_in(&kpis["order_rate"]);
            assert!(
                e.covers(order_rate),
                "{spec}: {name} order rate {e:?} vs {order_rate}"
            );
        }
        assert_eq!(arms[2]["kind"], "holdout");
        let comparisons = a["comparisons"].as_array().unwrap();
        let vs = |arm: &str, kpi: &str| -> &serde_json::Value {
            let c = comparisons.iter().find(|c| c["arm"] == arm).unwrap();
            assert_eq!(c["control"], "control");
            &c["kpis"][kpi]
        };
        let true_diff = truth("grid").0 - truth("control").0;
        let diff = estimate_in(&vs("grid", "ctr")["difference"]);
        assert!(diff.covers(true_diff), "{spec}: {diff:?} vs {true_diff}");
        assert!(diff.value > 0.0, "{spec}: {diff:?}");
        let rel = estimate_in(&vs("grid", "ctr")["relative"]);
        let true_rel = truth("grid").0 / truth("control").0 - 1.0;
        assert!(rel.covers(true_rel), "{spec}: {rel:?} vs {true_rel}");
        let held = estimate_in(&vs("none", "order_rate")["difference"]);
        let true_held = truth("none").1 - truth("control").1;
        assert!(held.covers(true_held), "{spec}: {held:?} vs {true_held}");
        assert!(vs("none", "ctr").is_null());
        // The split follows the weights: no sample-ratio warning.
        let srm = &a["srm"];
        assert_eq!(srm["df"], 2, "{spec}: {a}");
        assert_eq!(srm["warning"], false, "{spec}: {srm}");
        assert!(srm["p_value"].as_f64().unwrap() > 0.001, "{srm}");
        assert_eq!(srm["daily"]["days_tested"], 14);
        assert_eq!(srm["daily"]["warning"], false, "{srm}");

        // The fields another tool parses stay as they were.
        for arm in arms {
            assert!(arm["name"].is_string() && arm["reports"].is_u64(), "{arm}");
            for key in ["value", "std_error", "low", "high", "n"] {
                assert!(arm["kpis"]["order_rate"][key].is_number(), "{key}: {arm}");
            }
        }
        for c in comparisons {
            assert!(c["arm"].is_string() && c["control"].is_string(), "{c}");
            assert!(c["kpis"]["order_rate"]["difference"]["low"].is_number());
            assert!(c["kpis"]["order_rate"].get("relative").is_some());
        }
        // Each comparison's peeking-safe decision: an always-valid interval
        // around the same difference, wider than the fixed one, and a
        // verdict that follows it.
        let seq = &a["sequential"];
        assert_eq!(seq["alpha"], 0.05, "{seq}");
        assert_eq!(seq["over"], seq["days_left"] == 0, "{seq}");
        for c in comparisons {
            let decided = c["decisions"].as_object().unwrap();
            assert_eq!(decided.len(), c["kpis"].as_object().unwrap().len());
            for (kpi, d) in decided.iter().filter(|(_, d)| !d.is_null()) {
                assert!(!c["kpis"][kpi].is_null(), "{kpi}: {c}");
                let fixed = estimate_in(&c["kpis"][kpi]["difference"]);
                let (low, high) = (
                    d["difference"]["low"].as_f64().unwrap(),
                    d["difference"]["high"].as_f64().unwrap(),
                );
                assert!(low < fixed.low && fixed.high < high, "{kpi}: {d}");
                let verdict = d["verdict"].as_str().unwrap();
                let expected = if low > 0.0 {
                    "higher"
                } else if high < 0.0 {
                    "lower"
                } else if seq["over"] == true {
                    "inconclusive"
                } else {
                    "keep_running"
                };
                assert_eq!(verdict, expected, "{kpi}: {d}");
            }
        }
        // Grid's CTR, 0.067 against 0.04, is clear to the fixed interval
        // read once (z = 2.6), not yet to the sequence after 6,000 reports
        // (it needs about 3.7 standard errors there).
        let grid = comparisons.iter().find(|c| c["arm"] == "grid").unwrap();
        assert!(estimate_in(&grid["kpis"]["ctr"]["difference"]).low > 0.0);
        let verdict = grid["decisions"]["ctr"]["verdict"].as_str().unwrap();
        assert!(
            ["keep_running", "inconclusive"].contains(&verdict),
            "{grid}"
        );
        // Day by day: the 14 days, every arm on each, the same reports.
        let daily = a["daily"].as_array().unwrap();
        let days: Vec<&str> = daily.iter().map(|d| d["day"].as_str().unwrap()).collect();
        let want: Vec<String> = (1..=14).map(|d| format!("2026-12-{d:02}")).collect();
        assert_eq!(days, want, "{spec}");
        for (k, arm) in arms.iter().enumerate() {
            let per_day: Vec<&serde_json::Value> = daily.iter().map(|d| &d["arms"][k]).collect();
            assert!(per_day.iter().all(|x| x["name"] == arm["name"]));
            let sum: u64 = per_day.iter().map(|x| x["reports"].as_u64().unwrap()).sum();
            assert_eq!(sum, arm["reports"].as_u64().unwrap(), "{spec}");
            let (_, order_rate) = truth(arm["name"].as_str().unwrap());
            // Each day's interval holds the truth on most days (95 % each).
            let held = per_day
                .iter()
                .filter(|x| estimate_in(&x["order_rate"]).covers(order_rate))
                .count();
            assert!(held >= 11, "{spec}: {held} of 14 days");
            if arm["name"] == "none" {
                assert!(
                    per_day.iter().all(|x| x["ctr"].is_null()),
                    "a holdout has no CTR"
                );
            }
        }

        // Without a range, the experiment's own days; another control.
        let (status, b) = get_json(addr, "/v1/experiments/layout_test?control=grid");
        assert_eq!(status, 200, "{b}");
        assert_eq!(
            (&b["from"], &b["to"]),
            (&"2026-12-01".into(), &"2026-12-14".into())
        );
        assert_eq!(b["reports"], 9_000);
        assert_eq!(b["control"], "grid");
        // A narrower range sees fewer days.
        let (_, c) = get_json(
            addr,
            "/v1/experiments/layout_test?from=2026-12-01&to=2026-12-07",
        );
        let first_week: u64 = (0..9_000u64).filter(|d| d % 14 < 7).count() as u64;
        assert_eq!(c["reports"], first_week);
        // What cannot be answered says why.
        for (path, code, needle) in [
            (
                "/v1/experiments/layout_test?control=nope",
                400,
                "not an arm",
            ),
            (
                "/v1/experiments/layout_test?from=2026-02-31",
                400,
                "calendar day",
            ),
            (
                "/v1/experiments/layout_test?from=2026-12-09&to=2026-12-02",
                400,
                "before",
            ),
            (
                "/v1/experiments/Layout%3Cb%3E?from=2026-12-01&to=2026-12-02",
                400,
                "not an experiment name",
            ),
            (
                "/v1/experiments/nothing-here?from=2026-12-01&to=2026-12-02",
                404,
                "no reports",
            ),
            ("/v1/experiments/nothing-here", 400, "give from="),
        ] {
            let (status, body) = get_json(addr, path);
            assert_eq!(status, code, "{path}: {body}");
            assert!(
                body["error"].as_str().unwrap().contains(needle),
                "{path}: {body}"
            );
        }
        let (status, list) = get_json(addr, "/v1/experiments");
        assert_eq!(status, 200);
        assert_eq!(list["experiments"][0]["name"], "layout_test");
        assert_eq!(list["experiments"][0]["arms"][2]["kind"], "holdout");
    }
}

#[test]
fn a_broken_split_fires_the_sample_ratio_warning() {
    const HALVES: &str = r#"{"v":1,"experiments":[{"name":"halves","placement":"cart",
      "start":"2026-12-01","end":"2026-12-28","arms":[
      {"name":"a","weight":1},{"name":"b","weight":1}]}]}"#;
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path(), "srm") {
        let spec = &backend.spec;
        let addr = start_with_experiments(spec, Some(HALVES));
        // 2,500 reports over five days, 60 % in arm a against weights 1:1
        // (a bug that loses some of arm b's reports looks like this).
        let mut rng = SplitMix64(7);
        for d in 0..2_500u64 {
            let arm = if d % 5 < 3 { "a" } else { "b" };
            let day = format!("2026-12-{:02}", 1 + (d / 5) % 5);
            let counts = day_of(&mut rng, "control");
            let body = experiment_report(rng.next_u64(), &day, "halves", arm, &counts);
            assert_eq!(post(addr, &body), 204, "{spec}");
        }
        let (status, a) = get_json(addr, "/v1/experiments/halves?from=2026-12-01&to=2026-12-28");
        assert_eq!(status, 200, "{spec}: {a}");
        let srm = &a["srm"];
        assert_eq!(srm["warning"], true, "{spec}: {srm}");
        // χ² = 2 · 250² / 1250 = 100 on one degree of freedom.
        assert!(
            (srm["statistic"].as_f64().unwrap() - 100.0).abs() < 1e-9,
            "{srm}"
        );
        assert!(srm["p_value"].as_f64().unwrap() < 1e-20, "{srm}");
        assert_eq!(srm["arms"][0]["expected"], 1_250.0);
        // Each day of 500 (300 against 200) is a mismatch on its own too:
        // χ² = 20, p = 7.7e-6, times 5 days.
        let daily = &srm["daily"];
        assert_eq!(daily["days_tested"], 5, "{srm}");
        let adjusted = daily["adjusted_p_value"].as_f64().unwrap();
        assert!((adjusted / 3.87e-5 - 1.0).abs() < 0.01, "{srm}");
        assert_eq!(daily["warning"], true, "{srm}");
        assert!(a["srm_reason"].is_null());

        // A collector without the experiment file does not know the
        // weights, and says so instead of testing against a guess.
        let blind = start_with_experiments(spec, None);
        let (status, b) = get_json(
            blind,
            "/v1/experiments/halves?from=2026-12-01&to=2026-12-28",
        );
        assert_eq!(status, 200, "{b}");
        assert!(b["srm"].is_null(), "{b}");
        assert!(
            b["srm_reason"].as_str().unwrap().contains("--experiments"),
            "{b}"
        );
        assert_eq!(b["reports"], 2_500);
        assert_eq!(b["control"], "a", "no arm named control: the first by name");
        let (_, list) = get_json(blind, "/v1/experiments");
        assert_eq!(list["experiments"], serde_json::json!([]));
    }
}

#[test]
fn the_duration_calculator_answers_days_with_and_without_noise() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("duration.sqlite");
    let addr = start_with_experiments(&spec.to_string_lossy(), None);
    // The example of docs/experiments.md: ε = 2 a day, 5,000 reporting
    // clients a day in each of two arms, CTR 2 % at 30 impressions, +10 %.
    let (status, d) = get_json(
        addr,
        "/v1/experiments/duration?epsilon=2&clients=10000&arms=2&metric=ctr&baseline=0.02&impressions=30&effect=0.1",
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["days_with_noise"], 78, "{d}");
    assert_eq!(d["days_without_noise"], 5, "{d}");
    assert_eq!(d["days_at_unlimited_epsilon"], 13, "{d}");
    let exact = &d["exact_days"];
    assert!(exact["with_noise"].as_f64().unwrap() > exact["without_noise"].as_f64().unwrap());
    assert_eq!(
        d["inputs"],
        serde_json::json!({
            "epsilon": 2.0, "epsilon_per_report": 1.0, "clients": 10000.0, "weights": [1, 1],
            "metric": "ctr", "baseline": 0.02, "impressions": 30.0, "effect": 0.1,
            "alpha": 0.05, "power": 0.8
        })
    );
    assert_eq!(d["reports_per_day"], serde_json::json!([5000.0, 5000.0]));
    // The order rate needs no impressions; weights split the clients.
    let (status, o) = get_json(
        addr,
        "/v1/experiments/duration?clients=10000&weights=3,1&metric=order_rate&baseline=0.3&effect=0.2",
    );
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["inputs"]["impressions"], serde_json::Value::Null);
    assert_eq!(o["reports_per_day"], serde_json::json!([7500.0, 2500.0]));
    assert!(o["days_with_noise"].as_u64().unwrap() > o["days_without_noise"].as_u64().unwrap());
    // What cannot be computed says what to give, as JSON.
    for (query, needle) in [
        ("clients=100&baseline=0.02&impressions=30", "give effect="),
        (
            "clients=100&baseline=0.02&impressions=30&effect=0.1&epsilon=4",
            "daily budget",
        ),
        ("clients=100&baseline=0.02&effect=0.1", "give impressions="),
        (
            "clients=1e3&baseline=2%&impressions=30&effect=0.1",
            "baseline=2% is not a number",
        ),
        (
            "clients=100&baseline=0.02&effect=0.1&metric=revenue",
            "metric=ctr or metric=order_rate",
        ),
    ] {
        let (status, body) = get_json(addr, &format!("/v1/experiments/duration?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(needle),
            "{query}: {body}"
        );
    }
    // The path is the calculator's: an experiment cannot be named after it.
    let file = dir.path().join("experiments.json");
    std::fs::write(
        &file,
        r#"{"v":1,"experiments":[{"name":"duration","placement":"cart",
          "start":"2026-12-01","end":"2026-12-14","arms":[
          {"name":"a","weight":1},{"name":"b","weight":1}]}]}"#,
    )
    .unwrap();
    let err = Configs::read(None, Some(&file)).unwrap_err();
    assert!(err.contains("`duration` is taken"), "{err}");
}

/// Every route of the collector's table, called as a stranger, with a wrong
/// token and with the right one: each admin route answers 401 with no data
/// to the first two, and every answer carries the security headers. A new
/// admin route is in the table, so it is in this test.
#[test]
fn every_admin_route_needs_the_token_and_every_answer_has_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("auth.sqlite");
    let (addr, _) = start(spec.to_str().unwrap(), None, admin_config());
    let routes = xsell_cli::serve::routes();
    assert!(routes.len() >= 8);
    let call = |path: &str, token: Option<&str>| {
        let url = format!("http://{addr}{}", path.replace("{name}", "layout"));
        let mut req = if path == "/v1/reports" {
            ureq::post(&url)
        } else {
            ureq::get(&url)
        };
        if let Some(t) = token {
            req = req.set("authorization", &format!("Bearer {t}"));
        }
        let r = match if path == "/v1/reports" {
            req.send_string("{}")
        } else {
            req.call()
        } {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{path}: {e}"),
        };
        for h in ["x-content-type-options", "referrer-policy"] {
            assert!(r.header(h).is_some(), "{path}: no {h}");
        }
        (r.status(), r.into_string().unwrap())
    };
    let mut admin = 0;
    for (path, access, _) in &routes {
        let (stranger, body) = call(path, None);
        let (wrong, _) = call(path, Some("not-the-token-0123456789"));
        let (right, _) = call(path, Some(TOKEN));
        match access {
            xsell_cli::serve::Access::Admin => {
                admin += 1;
                assert_eq!((stranger, wrong), (401, 401), "{path}");
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(
                    v.as_object().unwrap().len(),
                    1,
                    "{path}: only an error: {body}"
                );
                assert_ne!(right, 401, "{path}");
            }
            xsell_cli::serve::Access::Public => {
                assert_ne!(stranger, 401, "{path}");
            }
        }
    }
    assert!(
        admin >= 4,
        "stats and every experiment route are admin routes"
    );
}

/// A report's day must be a real date inside the window around the
/// server's UTC date (7 days back for retries, 1 ahead for skew); outside,
/// 400 and nothing stored.
#[test]
fn report_days_outside_the_calendar_or_the_window_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("days.sqlite");
    let (addr, state) = start(
        spec.to_str().unwrap(),
        None,
        ServeConfig {
            admin_token: xsell_cli::serve::AdminToken::new(TOKEN).unwrap(),
            ..ServeConfig::default()
        },
    );
    let today = xsell_cli::serve::utc_today();
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let seed = std::cell::Cell::new(0);
    let body = |d: &str| {
        seed.set(seed.get() + 1); // a report of its own (id) per day
        report_on(seed.get(), d, &DayCounts::default(), Epsilon(1000))
    };
    for (d, want) in [
        (day(0), 204),
        (day(-7), 204),
        (day(1), 204),
        (day(-8), 400),
        (day(2), 400),
        ("2026-02-31".to_string(), 400),
        ("9999-11-24".to_string(), 400),
    ] {
        assert_eq!(post(addr, &body(&d)), want, "{d}");
    }
    assert_eq!(
        count(&state),
        3,
        "only the days inside the window are stored"
    );
}

/// With the shop's origins configured, a browser report from another
/// origin is refused (403, not stored); the shop's own and a report without
/// the header (no browser) are taken.
#[test]
fn reports_from_a_foreign_origin_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("origins.sqlite");
    let (addr, state) = start(
        spec.to_str().unwrap(),
        None,
        ServeConfig {
            origins: vec!["https://shop.example".into()],
            ..admin_config()
        },
    );
    let seed = std::cell::Cell::new(0);
    let send = |origin: Option<&str>| {
        let mut r = ureq::post(&format!("http://{addr}/v1/reports"));
        if let Some(o) = origin {
            r = r.set("origin", o);
        }
        seed.set(seed.get() + 1);
        match r.send_string(&client_report(seed.get(), &DayCounts::default())) {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(send(Some("https://evil.example")), 403);
    assert_eq!(send(Some("https://shop.example.evil.example")), 403);
    assert_eq!(send(Some("null")), 403);
    assert_eq!(count(&state), 0);
    assert_eq!(send(Some("https://shop.example")), 204);
    assert_eq!(send(None), 204);
    assert_eq!(count(&state), 2);
}

/// Journey reports built by the device's code, posted over HTTP: the
/// collector's attribution reads them, debiases them and answers with every
/// channel, intervals around each estimate, behind the admin token.
#[test]
fn journey_reports_give_an_attribution_with_intervals() {
    use xsell_core::attribution::synthetic::JourneyModel;
    use xsell_core::privacy::report::build_journey_report;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.sqlite");
    let (addr, _) = start(db.to_str().unwrap(), None, admin_config());
    let model = JourneyModel::default();
    let mut rng = SplitMix64(21);
    let cells = model.sample(&mut rng, 3000);
    for (k, c) in cells.into_iter().enumerate() {
        let mut ledger = Ledger::load(None, DAY, Epsilon(2000));
        let body = build_journey_report(
            &mut SplitMix64(k as u64),
            DAY,
            c,
            Epsilon(1000),
            &mut ledger,
            Epsilon(2000),
        )
        .unwrap()
        .to_json();
        assert_eq!(post(addr, &body), 204, "{body}");
    }
    let (status, _) =
        match ureq::get(&format!("http://{addr}/v1/attribution?from={DAY}&to={DAY}")).call() {
            Ok(r) => (r.status(), ()),
            Err(ureq::Error::Status(code, _)) => (code, ()),
            Err(e) => panic!("{e}"),
        };
    assert_eq!(status, 401, "the attribution is the shop's: admin only");
    let (status, a) = get_json(addr, &format!("/v1/attribution?from={DAY}&to={DAY}"));
    assert_eq!(status, 200, "{a}");
    let e = &a["estimate"];
    assert_eq!(e["reports"], 3000);
    let channels = e["point"]["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 7);
    for (c, iv) in channels.iter().zip(e["intervals"].as_array().unwrap()) {
        let re = c["removal_effect"].as_f64().unwrap();
        let (lo, hi) = (
            iv["removal_effect"]["lo"].as_f64().unwrap(),
            iv["removal_effect"]["hi"].as_f64().unwrap(),
        );
        assert!(
            lo <= re && re <= hi && (0.0..=1.0).contains(&lo) && hi <= 1.0,
            "{c} {iv}"
        );
    }
    // A journey report that breaks the format is refused with the reason.
    let bad = r#"{"v":4,"day":"2026-11-20","placement":"cart","values":[{"mech":"hrr","metric":"journey","eps":1000,"row":1,"bit":true}]}"#;
    assert_eq!(post(addr, bad), 400);
    let (status, err) = get_json(addr, "/v1/attribution?from=2026-11-30&to=2026-11-01");
    assert_eq!(status, 400, "{err}");
}

/// An e-mail campaign's landings arrive as placement reports of `email`
/// under the campaign and arm; the experiment analysis compares the arms
/// (landings, add-to-cart, orders) though the campaign is in no
/// experiment file.
#[test]
fn an_email_campaign_is_compared_arm_by_arm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.sqlite");
    let (addr, _) = start(db.to_str().unwrap(), None, admin_config());
    for k in 0..2000u64 {
        let arm = if k % 2 == 0 { "xsell" } else { "legacy" };
        let counts = DayCounts {
            clicks: 1,
            add_to_cart: u64::from(k % 5 == 0 || (arm == "xsell" && k % 3 == 0)),
            ..DayCounts::default()
        };
        let mut ledger = Ledger::load(None, DAY, Epsilon(2000));
        let body = build_report(
            &mut SplitMix64(k),
            DAY,
            "email",
            Some(("winter-picks", arm)),
            &counts,
            Epsilon(1000),
            &mut ledger,
            Epsilon(2000),
        )
        .unwrap()
        .to_json();
        assert_eq!(post(addr, &body), 204);
    }
    let (status, a) = get_json(
        addr,
        &format!("/v1/experiments/winter-picks?from={DAY}&to={DAY}&control=legacy"),
    );
    assert_eq!(status, 200, "{a}");
    let arms = a["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 2, "{a}");
    for arm in arms {
        let landings = &arm["kpis"]["clicks_per_day"];
        let (lo, hi) = (
            landings["low"].as_f64().unwrap(),
            landings["high"].as_f64().unwrap(),
        );
        assert!(
            lo < 1.0 && 1.0 < hi,
            "every exposed day is one landing: {landings}"
        );
        assert!(arm["kpis"]["add_to_cart_per_day"]["value"].is_number());
    }
}

/// `method path` on the collector with `headers`: the status and the
/// answer's headers (lower-case names).
fn call(
    addr: SocketAddr,
    method: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, std::collections::BTreeMap<String, String>) {
    let mut req = ureq::request(method, &format!("http://{addr}/v1/reports"));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let answer = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    let r = match answer {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let heads = r
        .headers_names()
        .into_iter()
        .map(|n| {
            let v = r.all(&n).join(", ");
            (n.to_ascii_lowercase(), v)
        })
        .collect();
    (r.status(), heads)
}

/// A widget that never heard the answer sends the same bytes again: every
/// copy is acknowledged (204), one is stored and the stats count one, on
/// SQLite and PostgreSQL, sequentially and concurrently. Reports of the
/// versions without an id are stored as before.
#[test]
fn a_retried_report_is_acknowledged_and_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path(), "dedupe") {
        let spec = &backend.spec;
        let (addr, state) = start(spec, None, admin_config());
        let counts = DayCounts {
            impressions: 4,
            ..Default::default()
        };
        let first = client_report(1, &counts);
        let other = client_report(2, &counts);
        for _ in 0..3 {
            assert_eq!(post(addr, &first), 204, "{spec}");
        }
        assert_eq!(post(addr, &other), 204);
        assert_eq!(count(&state), 2, "{spec}: one copy per id");
        assert_eq!(stats(addr)["reports"], 2, "{spec}: the stats count it once");
        // Eight senders race with one id: all acknowledged, one stored.
        let racing = client_report(3, &counts);
        let codes: Vec<u16> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8).map(|_| s.spawn(|| post(addr, &racing))).collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(codes, [204; 8], "{spec}");
        assert_eq!(count(&state), 3, "{spec}: the race stored one copy");
        // Version 3, no id: each post is a report, as before ids.
        let old = format!(
            r#"{{"v":3,"day":"{DAY}","placement":"cart","values":[{{"mech":"1bit","metric":"clicks","eps":1000,"bound":3,"bit":true}}]}}"#
        );
        assert_eq!(post(addr, &old), 204);
        assert_eq!(post(addr, &old), 204);
        assert_eq!(count(&state), 5, "{spec}");
        assert_eq!(stats(addr)["reports"], 5, "{spec}");
        // The same id with other bytes (a forger) is not stored either.
        let r: Report = Report::parse(first.as_bytes()).unwrap();
        let forged = client_report(9, &counts).replace(
            &Report::parse(client_report(9, &counts).as_bytes())
                .unwrap()
                .id
                .unwrap(),
            r.id.as_deref().unwrap(),
        );
        assert_ne!(forged, first);
        assert_eq!(post(addr, &forged), 204);
        assert_eq!(count(&state), 5, "{spec}");
    }
}

/// A database made before report ids (no `report_id` column) is migrated
/// when the collector opens it: its reports stay, and ids dedupe from then
/// on.
#[test]
fn a_database_from_before_report_ids_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let old_schema = "CREATE TABLE reports (id INTEGER PRIMARY KEY, day TEXT NOT NULL, placement TEXT NOT NULL, body TEXT NOT NULL);
         CREATE INDEX reports_day_placement ON reports(day, placement);";
    let old = format!(
        r#"{{"v":3,"day":"{DAY}","placement":"cart","values":[{{"mech":"1bit","metric":"clicks","eps":1000,"bound":3,"bit":true}}]}}"#
    );
    for backend in backends(dir.path(), "migrate") {
        let spec = &backend.spec;
        if backend.pg.is_some() {
            let pg_schema = old_schema.replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY");
            block(async {
                let (c, conn) = tokio_postgres::connect(spec, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                c.batch_execute(&pg_schema).await.unwrap();
                c.execute(
                    "INSERT INTO reports (day, placement, body) VALUES ($1, 'cart', $2)",
                    &[&DAY, &old],
                )
                .await
                .unwrap();
            });
        } else {
            let c = rusqlite::Connection::open(spec).unwrap();
            c.execute_batch(old_schema).unwrap();
            c.execute(
                "INSERT INTO reports (day, placement, body) VALUES (?1, 'cart', ?2)",
                rusqlite::params![DAY, old],
            )
            .unwrap();
        }
        let (addr, state) = start(spec, None, admin_config());
        assert_eq!(count(&state), 1, "{spec}: the old report stays");
        let new = client_report(5, &DayCounts::default());
        assert_eq!(post(addr, &new), 204);
        assert_eq!(post(addr, &new), 204);
        assert_eq!(count(&state), 2, "{spec}: ids dedupe after the migration");
        assert_eq!(stats(addr)["reports"], 2);
        drop(state);
        // Opening it again changes nothing.
        let again = block(async { Store::open(spec).await.unwrap().count().await.unwrap() });
        assert_eq!(again, 2);
    }
}

/// With `--origin`, the report endpoint answers CORS for exactly those
/// origins: a preflight from the shop gets the allow headers, a foreign one
/// 403 without them, and the shop's POST answers carry
/// `Access-Control-Allow-Origin` so its `fetch` can read the status.
/// Without `--origin` nothing changes: no CORS headers, OPTIONS is 405.
#[test]
fn cors_is_answered_for_the_shops_origins_only() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("cors.sqlite");
    let shop = "https://shop.example";
    let (addr, state) = start(
        spec.to_str().unwrap(),
        None,
        ServeConfig {
            origins: vec![shop.into(), "http://127.0.0.1:8080".into()],
            ..admin_config()
        },
    );
    let preflight = |origin: &str| {
        call(
            addr,
            "OPTIONS",
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            None,
        )
    };
    let (status, h) = preflight(shop);
    assert_eq!(status, 204, "{h:?}");
    assert_eq!(h["access-control-allow-origin"], shop);
    assert_eq!(h["access-control-allow-methods"], "POST");
    assert_eq!(h["access-control-allow-headers"], "content-type");
    assert!(h["vary"].contains("origin"), "{h:?}");
    assert_eq!(
        preflight("http://127.0.0.1:8080").1["access-control-allow-origin"],
        "http://127.0.0.1:8080"
    );
    for foreign in [
        "https://evil.example",
        "https://shop.example.evil.example",
        "null",
    ] {
        let (status, h) = preflight(foreign);
        assert_eq!(status, 403, "{foreign}");
        assert!(
            !h.keys().any(|k| k.starts_with("access-control-")),
            "{foreign}: {h:?}"
        );
        assert!(h["vary"].contains("origin"));
    }
    // The POST answers: 204 and 400 from the shop carry the origin; a
    // foreign origin's 403 does not.
    let body = client_report(1, &DayCounts::default());
    let (status, h) = call(addr, "POST", &[("origin", shop)], Some(&body));
    assert_eq!(
        (status, h["access-control-allow-origin"].as_str()),
        (204, shop)
    );
    assert!(h["vary"].contains("origin"));
    let (status, h) = call(addr, "POST", &[("origin", shop)], Some("{}"));
    assert_eq!(
        (status, h["access-control-allow-origin"].as_str()),
        (400, shop)
    );
    let (status, h) = call(
        addr,
        "POST",
        &[("origin", "https://evil.example")],
        Some(&client_report(2, &DayCounts::default())),
    );
    assert_eq!(status, 403);
    assert!(!h.contains_key("access-control-allow-origin"), "{h:?}");
    assert_eq!(count(&state), 1);
    // Other routes get no CORS.
    let (_, h) = call(addr, "POST", &[("origin", shop)], Some(&body));
    assert!(h.contains_key("access-control-allow-origin"));
    let model = ureq::get(&format!("http://{addr}/model.xsm"))
        .set("origin", shop)
        .call()
        .err()
        .and_then(|e| e.into_response())
        .unwrap();
    assert!(model.header("access-control-allow-origin").is_none());

    // No --origin: as before ids and CORS.
    let open = dir.path().join("open.sqlite");
    let (addr, _) = start(open.to_str().unwrap(), None, admin_config());
    let (status, h) = call(
        addr,
        "OPTIONS",
        &[("origin", shop), ("access-control-request-method", "POST")],
        None,
    );
    assert_eq!(status, 405, "{h:?}");
    let (status, h) = call(addr, "POST", &[("origin", shop)], Some(&body));
    assert_eq!(status, 204);
    assert!(!h.keys().any(|k| k.starts_with("access-control-")), "{h:?}");
}
