//! The shopper, natively: a scripted multi-day session gives exactly the
//! recorded transcript (the wasm build replays the same script in
//! `tests/web_node.rs` against the same file), placement configs keyed by
//! shop ids, every trigger reason reachable from real inputs, and
//! properties: state stays bounded, and a config that passed its check
//! never fails later.

mod common;
#[path = "common/script.rs"]
mod script;

use proptest::prelude::*;
use xsell_core::shopper::{
    Layout, Pin, PlacementConfig, Placements, Shopper, ShopperSettings, SlateRequest,
};
use xsell_core::slate::fatigue::FatigueParams;
use xsell_core::{Model, ParamError, ParamGuard, Valid};

const GOLDEN_PATH: &str = "tests/fixtures/shopper-script.txt";

#[test]
fn the_scripted_days_give_the_recorded_slates_and_reports() {
    let got = script::transcript();
    if std::env::var_os("XSELL_BLESS").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "XSELL_BLESS rewrites the transcript; CI must compare it"
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN_PATH);
        std::fs::write(&path, &got).unwrap();
        return;
    }
    for (k, (g, w)) in got.lines().zip(script::GOLDEN.lines()).enumerate() {
        assert_eq!(
            g,
            w,
            "line {} differs from {GOLDEN_PATH} (XSELL_BLESS=1 rewrites it)",
            k + 1
        );
    }
    assert_eq!(got.lines().count(), script::GOLDEN.lines().count());
    // The script exercises what it claims to.
    for needle in [
        "cart_too_small",
        "dwell_too_short",
        "backed_off",
        "cart show",
        "\"metric\":\"relevance\"",
        "report:",
    ] {
        assert!(got.contains(needle), "the transcript has no {needle}");
    }
}

fn shopper<'m>(model: Model<'m>, placements: Placements) -> Shopper<'m> {
    let settings = ShopperSettings {
        placements,
        ..ShopperSettings::default()
    }
    .check()
    .unwrap();
    Shopper::new(model, settings, None, None).0
}

fn req(placement: &str, page: &str) -> SlateRequest {
    SlateRequest {
        placement: Some(placement.into()),
        page: Some(page.into()),
        ..SlateRequest::default()
    }
}

#[test]
fn every_trigger_reason_comes_from_a_real_input() {
    let bytes = common::grocery().build().unwrap();
    let mut p = Placements::default();
    p.placements.insert(
        "pdp".into(),
        PlacementConfig {
            pages: vec![xsell_core::PageType::Product],
            min_dwell_ms: 2_000,
            ..PlacementConfig::default()
        },
    );
    p.placements.insert(
        "cart".into(),
        PlacementConfig {
            min_cart_items: 2,
            ..PlacementConfig::default()
        },
    );
    let mut s = shopper(Model::parse(&bytes).unwrap(), p);
    let now = script::START_MS;
    let reason = |s: &mut Shopper<'_>, r: SlateRequest| s.recommend(&r, now).unwrap().reason;
    assert_eq!(reason(&mut s, req("pdp", "cart")), "wrong_page");
    let mut early = req("pdp", "product");
    early.dwell_ms = Some(500);
    assert_eq!(reason(&mut s, early.clone()), "dwell_too_short");
    let wait = s.recommend(&early, now).unwrap().retry_after_ms;
    assert_eq!(wait, Some(1_500), "asks again once the dwell is reached");
    early.dwell_ms = Some(2_500);
    assert_eq!(reason(&mut s, early), "show");
    s.track("add_to_cart", &["b".into()], None, now).unwrap();
    assert_eq!(reason(&mut s, req("cart", "cart")), "cart_too_small");
    s.track("add_to_cart", &["m".into()], None, now).unwrap();
    assert_eq!(reason(&mut s, req("cart", "cart")), "show");
}

#[test]
fn pins_and_blocks_are_shop_ids_and_survive_a_retrained_model() {
    let mut p = Placements::default();
    p.default.blocked = vec!["s".into()];
    p.default.pinned = vec![Pin {
        id: "br".into(),
        slot: 0,
    }];
    p.default.heading = Some("Picked for you".into());
    p.default.layout = Layout::Grid;
    // The same catalogue in another order: other indices, same ids.
    let mut reordered = common::grocery();
    reordered.items.reverse();
    let n = reordered.neighbours.len() as u32;
    reordered.neighbours.reverse();
    for row in &mut reordered.neighbours {
        for nb in row.iter_mut() {
            nb.target = n - 1 - nb.target;
        }
    }
    if let Some((d, v)) = &mut reordered.vectors {
        let rows: Vec<Vec<f32>> = v.chunks(*d).rev().map(<[f32]>::to_vec).collect();
        *v = rows.concat();
    }
    for builder in [common::grocery(), reordered] {
        let bytes = builder.build().unwrap();
        let mut s = shopper(Model::parse(&bytes).unwrap(), p.clone());
        s.track("add_to_cart", &["b".into()], None, script::START_MS)
            .unwrap();
        let v = s.recommend(&req("cart", "cart"), script::START_MS).unwrap();
        let ids: Vec<&str> = v.items.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"br"), "{ids:?}");
        assert!(!ids.contains(&"s"), "blocked by id: {ids:?}");
        assert_eq!(
            (v.heading.as_str(), v.layout),
            ("Picked for you", Layout::Grid)
        );
    }
}

#[test]
fn bad_configs_say_what_is_wrong() {
    let e = |c: PlacementConfig| c.check().unwrap_err().to_string();
    assert!(e(PlacementConfig {
        slots: 0,
        ..Default::default()
    })
    .contains("slots"));
    assert!(e(PlacementConfig {
        theta: Some(1.5),
        ..Default::default()
    })
    .contains("theta"));
    assert!(e(PlacementConfig {
        pages: vec![],
        ..Default::default()
    })
    .contains("pages"));
    let long = PlacementConfig {
        blocked: vec!["x".repeat(65)],
        ..Default::default()
    };
    assert!(e(long).contains("blocked"));
    let json = r#"{"v":1,"placements":{"Cart!":{}}}"#;
    assert!(Valid::<Placements>::from_json(json)
        .unwrap_err()
        .to_string()
        .contains("Cart!"));
    let json = r#"{"v":1,"placements":{"cart":{"slots":30}}}"#;
    let err = Valid::<Placements>::from_json(json).unwrap_err();
    assert!(matches!(err, ParamError::InPlacement { .. }), "{err}");
    assert!(
        err.to_string().contains("\"cart\"") && err.to_string().contains("slots"),
        "{err}"
    );
    let json = r#"{"v":1,"placements":{"cart":{"slotz":3}}}"#;
    assert!(Valid::<Placements>::from_json(json)
        .unwrap_err()
        .to_string()
        .contains("slotz"));
    let ok = r#"{"v":1,"default":{"slots":5},"placements":{"cart":{"minCartItems":1,"fatigue":{"itemSessionCap":2}}}}"#;
    let p = Valid::<Placements>::from_json(ok).unwrap();
    assert_eq!(p.of("cart").fatigue.item_session_cap, 2);
    assert_eq!(p.of("other").slots, 5);
}

fn arb_config() -> impl Strategy<Value = PlacementConfig> {
    let ids = proptest::collection::vec(
        prop_oneof![Just("b"), Just("m"), Just("zz"), Just("7"), Just("c")],
        0..4,
    );
    (
        proptest::sample::subsequence(xsell_core::PageType::ALL.to_vec(), 1..=4),
        1usize..=24,
        0usize..4,
        0u64..3_000,
        1usize..200,
        ids.clone(),
        (ids, proptest::collection::vec(0usize..24, 4)),
        proptest::option::of((0.0f32..2.0, 0.0f32..3.0)),
        (
            0.0f32..=1.0,
            0.0f32..2.0,
            proptest::option::of(0.0f32..=1.0),
        ),
        (1u32..6, 0u32..4, 0.0f32..=1.0, 1u32..20),
    )
        .prop_map(
            |(
                pages,
                slots,
                min_cart,
                dwell,
                cands,
                blocked,
                (pins, slots_at),
                band,
                (sub, val, theta),
                (halve, extra, demote, cap),
            )| {
                PlacementConfig {
                    pages,
                    slots,
                    min_cart_items: min_cart,
                    min_dwell_ms: dwell,
                    candidates: cands,
                    blocked: blocked.into_iter().map(String::from).collect(),
                    pinned: pins
                        .into_iter()
                        .zip(slots_at)
                        .map(|(id, slot)| Pin {
                            id: id.into(),
                            slot,
                        })
                        .collect(),
                    price_band: band.map(|(lo, w)| [lo, lo + w]),
                    substitute_factor: sub,
                    value_weight: val,
                    theta,
                    fatigue: FatigueParams {
                        halve_after: halve,
                        cooldown_after: halve + extra,
                        category_demotion: demote,
                        item_session_cap: cap,
                        ..FatigueParams::default()
                    },
                    layout: Layout::Carousel,
                    heading: None,
                }
            },
        )
}

#[derive(Debug, Clone)]
enum Step {
    Track(u8, u8),
    Recommend(u8, u8, Option<u8>),
    Impress,
    Dismiss(u8),
    Click(u8),
    Wait(u32),
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..5, 0u8..12).prop_map(|(k, i)| Step::Track(k, i)),
        (0u8..3, 0u8..4, proptest::option::of(1u8..25))
            .prop_map(|(p, g, n)| Step::Recommend(p, g, n)),
        Just(Step::Impress),
        (0u8..12).prop_map(Step::Dismiss),
        (0u8..12).prop_map(Step::Click),
        (0u32..3_000_000).prop_map(Step::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_config_that_passed_its_check_never_fails_later(
        configs in proptest::collection::vec(arb_config(), 3),
        steps in proptest::collection::vec(arb_step(), 1..60),
        synthetic in any::<bool>(),
    ) {
        let bytes = if synthetic {
            xsell_core::synth::synthetic_model(300)
        } else {
            common::grocery().build().unwrap()
        };
        let model = Model::parse(&bytes).unwrap();
        let mut p = Placements::default();
        let names = ["cart", "product", "home"];
        for (name, c) in names.iter().zip(configs) {
            prop_assert!(c.clone().check().is_ok(), "generated configs are valid");
            p.placements.insert(name.to_string(), c);
        }
        let mut s = shopper(model.clone(), p);
        let id = |i: u8| {
            let n = model.len() as u8;
            if i >= n { format!("unknown-{i}") } else { model.item_id(u32::from(i)).to_string() }
        };
        let events = ["view_item", "add_to_cart", "remove_from_cart", "purchase", "select_item"];
        let mut now = script::START_MS;
        let mut last: Vec<String> = Vec::new();
        let mut last_placement = "cart";
        for step in steps {
            now += 1_000;
            match step {
                Step::Track(k, i) => s.track(events[k as usize], &[id(i)], Some(9.99), now).unwrap(),
                Step::Recommend(p, g, n) => {
                    let r = SlateRequest {
                        placement: Some(names[p as usize].into()),
                        page: Some(["product", "cart", "checkout", "home"][g as usize].into()),
                        item: Some(id(g)),
                        slots: n.map(usize::from),
                        dwell_ms: Some(u64::from(g) * 1_000),
                    };
                    let v = s.recommend(&r, now).unwrap();
                    prop_assert!(v.items.len() <= n.map_or(24, usize::from));
                    let mut ids: Vec<&str> = v.items.iter().map(|c| c.id.as_str()).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    prop_assert_eq!(ids.len(), v.items.len(), "no duplicates");
                    for c in &v.items {
                        prop_assert!(!s.is_dismissed(&c.id));
                        prop_assert!(!s.cart().contains(&c.id));
                    }
                    last = v.items.into_iter().map(|c| c.id).collect();
                    last_placement = names[p as usize];
                }
                Step::Impress => {
                    let refs: Vec<&str> = last.iter().map(String::as_str).collect();
                    s.impressions(last_placement, &refs, true, now);
                }
                Step::Dismiss(i) => s.dismiss(last_placement, &id(i), now),
                Step::Click(i) => s.click(last_placement, &id(i), now),
                Step::Wait(ms) => now += u64::from(ms) * 100,
            }
            // State stays within its bounds at every step.
            prop_assert!(s.device_json().len() < 16 * 1024);
            prop_assert!(s.fatigue_json().len() < 64 * 1024);
        }
    }
}
