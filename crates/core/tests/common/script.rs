//! A scripted shopper over several days, shared by the native test
//! (`tests/shopper.rs`) and the wasm test (`tests/web_node.rs` in the
//! browser package): the same script and seed must give the same slates
//! and the same report bytes on both builds. The transcript is one line per
//! step, so a difference names the step.

use xsell_core::privacy::exact::SplitMix64;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::shopper::{
    utc_day, Pin, PlacementConfig, Placements, Shopper, ShopperSettings, SlateRequest, MS_PER_DAY,
};
use xsell_core::{Model, ParamGuard};

/// The recorded transcript (`tests/fixtures/shopper-script.txt`).
pub const GOLDEN: &str = include_str!("../fixtures/shopper-script.txt");

/// The whole transcript: the script over a synthetic 2,000-item model and
/// over the hand-made grocery model.
pub fn transcript() -> String {
    let synthetic = xsell_core::synth::synthetic_model(2_000);
    let grocery = crate::common::grocery().build().unwrap();
    let ranked = xsell_core::synth::synthetic_ranked_model(2_000, 150);
    format!(
        "# synthetic 2000, seed 7\n{}\n# grocery, seed 11\n{}\n# synthetic 2000 with 150 trees, seed 13\n{}\n{}\n",
        run(&synthetic, 7),
        run(&grocery, 11),
        run(&ranked, 13),
        scores(&ranked)
    )
}

/// The scorer's lists with their scores for a few sessions (to 4 digits:
/// the scores pass through `exp` and `powf`, whose last bit may differ
/// between the wasm and the native maths library), then the forest's own
/// sums on fixed feature vectors: comparisons and additions only, so the
/// same bits on both builds.
pub fn scores(model_bytes: &[u8]) -> String {
    use xsell_core::{Event, EventKind, Recommender, Request};
    let model = Model::parse(model_bytes).expect("a valid model");
    let mut rec = Recommender::new(model);
    let mut out = Vec::new();
    for k in 0..6u32 {
        let events: Vec<Event> = (0..=k)
            .map(|j| Event {
                item: (j * 37 + k * 11) % 2_000,
                kind: if j % 2 == 0 {
                    EventKind::AddToCart
                } else {
                    EventKind::View
                },
            })
            .collect();
        let history = vec![vec![5, 9, 400], vec![k, 77]];
        let list = rec.recommend(&Request {
            events: &events,
            history: if k % 2 == 0 { &history } else { &[] },
            count: 10,
            ..Default::default()
        });
        let items: Vec<String> = list
            .iter()
            .map(|r| format!("{}:{:.4}", r.item, r.score))
            .collect();
        out.push(format!("scores {k}: {}", items.join(" ")));
    }
    let forest = Model::parse(model_bytes)
        .expect("a valid model")
        .ranker()
        .expect("a model with a ranking layer");
    let n = usize::from(forest.n_features);
    for k in 0..6u32 {
        let x: Vec<f32> = (0..n as u32)
            .map(|f| ((f * 7 + k * 13) % 29) as f32 / 29.0 * if f % 3 == 1 { 60.0 } else { 1.0 })
            .collect();
        out.push(format!("forest {k}: {:08x}", forest.score(&x).to_bits()));
    }
    out.join("\n")
}

/// 2025-11-30 09:00 UTC.
pub const START_MS: u64 = 1_764_493_200_000;

/// The placements the script runs with: a cart placement with rules, a
/// product placement that needs some dwell, the default for the rest.
pub fn placements() -> Placements {
    let mut p = Placements::default();
    p.placements.insert(
        "cart".into(),
        PlacementConfig {
            slots: 4,
            min_cart_items: 1,
            blocked: vec!["3".into(), "br".into()],
            pinned: vec![Pin {
                id: "7".into(),
                slot: 1,
            }],
            heading: Some("Goes with your cart".into()),
            ..PlacementConfig::default()
        },
    );
    p.placements.insert(
        "product".into(),
        PlacementConfig {
            slots: 6,
            min_dwell_ms: 1_500,
            theta: Some(0.6),
            ..PlacementConfig::default()
        },
    );
    p
}

fn slate(
    s: &mut Shopper<'_>,
    out: &mut Vec<String>,
    step: &str,
    req: SlateRequest,
    now: u64,
) -> Vec<String> {
    let v = s.recommend(&req, now).expect("valid request");
    let ids: Vec<String> = v.items.iter().map(|c| c.id.clone()).collect();
    let cards: Vec<String> = v
        .items
        .iter()
        .map(|c| {
            format!(
                "{}|{}|{}",
                c.id,
                c.reason,
                c.price_text.clone().unwrap_or_default()
            )
        })
        .collect();
    out.push(format!(
        "{step}: {} {} [{}]",
        v.placement,
        v.reason,
        cards.join(", ")
    ));
    ids
}

fn req(placement: &str, item: Option<&str>, dwell: Option<u64>) -> SlateRequest {
    SlateRequest {
        placement: Some(placement.into()),
        item: item.map(str::to_string),
        dwell_ms: dwell,
        ..SlateRequest::default()
    }
}

/// Runs the script over `model_bytes` with report noise from `seed`.
pub fn run(model_bytes: &[u8], seed: u64) -> String {
    let model = Model::parse(model_bytes).expect("a valid model");
    let ids: Vec<String> = (0..model.len().min(40) as u32)
        .map(|i| model.item_id(i).to_string())
        .collect();
    let settings = ShopperSettings {
        placements: placements(),
        ..ShopperSettings::default()
    }
    .check()
    .expect("the script's settings are valid");
    let (mut s, warnings) = Shopper::new(model, settings, None, None);
    assert!(warnings.is_empty());
    let mut rng = SplitMix64(seed);
    let mut stored_ledger: Option<String> = None;
    let mut out = Vec::new();
    let mut now = START_MS;
    for day in 0..3u64 {
        now = START_MS + day * MS_PER_DAY;
        let a = &ids[(day as usize * 5) % ids.len()];
        let b = &ids[(day as usize * 5 + 1) % ids.len()];
        // Before anything is in the cart, the cart placement stays hidden.
        slate(
            &mut s,
            &mut out,
            &format!("d{day} empty cart"),
            req("cart", None, None),
            now,
        );
        s.track("view_item", std::slice::from_ref(a), None, now)
            .unwrap();
        now += 1_000;
        slate(
            &mut s,
            &mut out,
            &format!("d{day} product early"),
            req("product", Some(a), Some(400)),
            now,
        );
        let shown = slate(
            &mut s,
            &mut out,
            &format!("d{day} product"),
            req("product", Some(a), Some(2_000)),
            now,
        );
        let refs: Vec<&str> = shown.iter().map(String::as_str).collect();
        s.impressions("product", &refs, true, now);
        if let Some(first) = shown.first() {
            s.click("product", first, now + 500);
        }
        now += 60_000;
        s.track("add_to_cart", &[a.clone(), b.clone()], None, now)
            .unwrap();
        let shown = slate(
            &mut s,
            &mut out,
            &format!("d{day} cart"),
            req("cart", None, None),
            now,
        );
        let refs: Vec<&str> = shown.iter().map(String::as_str).collect();
        s.impressions("cart", &refs, true, now);
        if let Some(last) = shown.last() {
            s.dismiss("cart", last, now + 1_000);
        }
        if let Some(second) = shown.get(1) {
            s.add_from_rec("cart", second, now + 2_000);
        }
        let shown = slate(
            &mut s,
            &mut out,
            &format!("d{day} cart again"),
            req("cart", None, None),
            now + 3_000,
        );
        let refs: Vec<&str> = shown.iter().map(String::as_str).collect();
        s.impressions("cart", &refs, true, now + 3_000);
        s.record_relevance("cart", 1 + (day as u8 % 5), now + 4_000)
            .unwrap();
        s.record_latency("cart", 150 + day * 10, now + 4_000);
        if day != 1 {
            s.track("purchase", &[], Some(12.5 + day as f64), now + 5_000)
                .unwrap();
        }
        // Page hide: the due reports, twice (the second time nothing is due).
        for flush in 0..2 {
            let mut ledger = Ledger::load(
                stored_ledger.as_deref(),
                &utc_day(now),
                s.settings().daily_epsilon,
            );
            let (reports, warnings) = s.due_reports(&mut rng, &mut ledger, now + 6_000);
            stored_ledger = Some(ledger.save());
            out.push(format!(
                "d{day} flush {flush}: ledger {} warnings {warnings:?}",
                ledger.save()
            ));
            for r in reports {
                out.push(format!("d{day} report: {}", r.body));
                s.report_sent(&r);
            }
        }
        // Ignored carousels back the slots off, then cool down.
        for k in 0..4 {
            let t = now + 10_000 + k * 1_000;
            let shown = slate(
                &mut s,
                &mut out,
                &format!("d{day} ignored {k}"),
                req("home", None, None),
                t,
            );
            let refs: Vec<&str> = shown.iter().map(String::as_str).collect();
            s.impressions("home", &refs, true, t);
        }
    }
    out.push(format!("device: {}", s.device_json()));
    out.push(format!("fatigue: {}", s.fatigue_json()));
    out.push(format!("dismissed 0: {}", s.is_dismissed("0")));
    let _ = now;
    out.join("\n")
}
