//! Experiments on the device: the file is checked once (weights, arms,
//! days, overlaps), the arm is a sticky draw from a salt that never leaves
//! the device and follows the weights, and each arm kind does what it says:
//! a placement config, the legacy co-purchase list, or a holdout that shows
//! nothing but still reports purchases and order value, with the
//! experiment and arm on the report.

mod common;

use xsell_core::privacy::exact::SplitMix64;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::shopper::{
    utc_day, valid_day, Arm, ArmKind, Experiment, Experiments, Layout, PlacementConfig, Shopper,
    ShopperSettings, SlateRequest,
};
use xsell_core::{Model, ParamGuard, Valid};

/// 2026-12-01 10:00 UTC.
const NOW: u64 = 1_796_119_200_000;

fn arm(name: &str, weight: u32, kind: ArmKind, config: Option<PlacementConfig>) -> Arm {
    Arm {
        name: name.into(),
        weight,
        kind,
        config,
    }
}

fn experiment(arms: Vec<Arm>) -> Experiment {
    Experiment {
        name: "cart-test".into(),
        placement: "cart".into(),
        start: "2026-11-25".into(),
        end: "2026-12-24".into(),
        arms,
    }
}

fn file(e: Experiment) -> Experiments {
    Experiments {
        experiments: vec![e],
        ..Experiments::default()
    }
}

#[test]
fn calendar_days_are_checked_as_a_calendar() {
    for ok in [
        "2026-12-01",
        "2024-02-29",
        "2000-02-29",
        "1970-01-01",
        "2026-12-31",
    ] {
        assert!(valid_day(ok), "{ok}");
    }
    for bad in [
        "2026-02-31",
        "2025-02-29",
        "1900-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-1-01",
        "9999-99-99",
        "2026-12-32",
        "20261201xx",
        "1969-12-31",
    ] {
        assert!(!valid_day(bad), "{bad}");
    }
    assert_eq!(utc_day(NOW), "2026-12-01");
}

#[test]
fn bad_experiment_files_are_refused_with_the_reason() {
    let two = || {
        vec![
            arm("a", 1, ArmKind::Config, None),
            arm("b", 1, ArmKind::Holdout, None),
        ]
    };
    let err = |x: Experiments| x.check().unwrap_err().to_string();
    let mut e = experiment(vec![arm("a", 1, ArmKind::Config, None)]);
    assert!(err(file(e.clone())).contains("arms"));
    e.arms = vec![
        arm("a", 1, ArmKind::Config, None),
        arm("a", 1, ArmKind::Legacy, None),
    ];
    assert!(err(file(e.clone())).contains("each arm name once"));
    e.arms = vec![
        arm("a", 0, ArmKind::Config, None),
        arm("b", 1, ArmKind::Legacy, None),
    ];
    assert!(err(file(e.clone())).contains("weight"));
    e.arms = vec![
        arm("a", 1, ArmKind::Holdout, Some(PlacementConfig::default())),
        arm("b", 1, ArmKind::Legacy, None),
    ];
    assert!(err(file(e.clone())).contains("only on arms of kind config"));
    e.arms = two();
    e.end = "2026-02-31".into();
    assert!(err(file(e.clone())).contains("calendar"));
    e.end = "2026-11-01".into();
    assert!(err(file(e.clone())).contains("on or after start"));
    let mut bad_cfg = experiment(vec![
        arm(
            "a",
            1,
            ArmKind::Config,
            Some(PlacementConfig {
                slots: 99,
                ..Default::default()
            }),
        ),
        arm("b", 1, ArmKind::Legacy, None),
    ]);
    assert!(err(file(bad_cfg.clone())).contains("slots"));
    bad_cfg.arms[0].config = None;
    let mut second = bad_cfg.clone();
    second.name = "another".into();
    second.start = "2026-12-20".into();
    second.end = "2027-01-10".into();
    let both = Experiments {
        experiments: vec![bad_cfg.clone(), second.clone()],
        ..Experiments::default()
    };
    assert!(err(both).contains("overlap"));
    second.placement = "product".into();
    let fine = Experiments {
        experiments: vec![bad_cfg, second],
        ..Experiments::default()
    };
    assert!(fine.check().is_ok(), "different placements may overlap");
    // Hostile JSON: unknown fields and kinds are refused, not ignored.
    let hostile = r#"{"v":1,"experiments":[{"name":"x","placement":"cart","start":"2026-12-01","end":"2026-12-02","arms":[{"name":"a","weight":1,"kind":"evil"},{"name":"b","weight":1}]}]}"#;
    assert!(Valid::<Experiments>::from_json(hostile)
        .unwrap_err()
        .to_string()
        .contains("evil"));
    let extra = r#"{"v":1,"experiments":[],"userId":"u-1"}"#;
    assert!(Valid::<Experiments>::from_json(extra).is_err());
}

#[test]
fn arms_are_sticky_and_follow_the_weights() {
    let e = experiment(vec![
        arm("a", 1, ArmKind::Config, None),
        arm("b", 1, ArmKind::Legacy, None),
        arm("c", 2, ArmKind::Holdout, None),
    ]);
    e.clone().check().unwrap();
    let mut counts = [0u64; 3];
    let mut salts = SplitMix64(42);
    let n = 120_000u64;
    for _ in 0..n {
        let salt = xsell_core::privacy::exact::RandomBits::next_u64(&mut salts);
        let a = e.arm_for(salt);
        assert_eq!(e.arm_for(salt).name, a.name, "sticky");
        counts[["a", "b", "c"].iter().position(|x| *x == a.name).unwrap()] += 1;
    }
    let expected = [n as f64 / 4.0, n as f64 / 4.0, n as f64 / 2.0];
    let chi2: f64 = counts
        .iter()
        .zip(expected)
        .map(|(&o, e)| (o as f64 - e).powi(2) / e)
        .sum();
    // χ² with 2 degrees of freedom: 27.6 is p = 1e-6.
    assert!(chi2 < 27.6, "{counts:?} chi2 {chi2}");
    // Another experiment's draw is independent of this one's.
    let mut other = e.clone();
    other.name = "other-test".into();
    let same = (0..10_000u64)
        .filter(|&s| e.arm_for(s).name == other.arm_for(s).name)
        .count();
    // Independent draws agree with probability 1/16 + 1/16 + 1/4 = 0.375.
    assert!((3_400..4_100).contains(&same), "{same}");
}

fn shopper_in<'m>(model: Model<'m>, e: Experiment, salt: u64) -> Shopper<'m> {
    let settings = ShopperSettings {
        experiments: file(e),
        ..ShopperSettings::default()
    }
    .check()
    .unwrap();
    let (mut s, _) = Shopper::new(model, settings, None, None);
    s.set_salt(salt);
    s
}

fn salt_for(e: &Experiment, arm: &str) -> u64 {
    (0..).find(|&s| e.arm_for(s).name == arm).unwrap()
}

fn cart_request() -> SlateRequest {
    SlateRequest {
        placement: Some("cart".into()),
        ..SlateRequest::default()
    }
}

#[test]
fn each_arm_does_what_it_says_and_reports_its_arm() {
    let bytes = common::grocery().build().unwrap();
    let grid = PlacementConfig {
        layout: Layout::Grid,
        heading: Some("Picked for your basket".into()),
        ..PlacementConfig::default()
    };
    let e = experiment(vec![
        arm("xsell", 1, ArmKind::Config, Some(grid)),
        arm("legacy", 1, ArmKind::Legacy, None),
        arm("none", 1, ArmKind::Holdout, None),
    ]);
    for (name, want_items) in [("xsell", true), ("legacy", true), ("none", false)] {
        let mut s = shopper_in(Model::parse(&bytes).unwrap(), e.clone(), salt_for(&e, name));
        s.track("add_to_cart", &["m".into()], None, NOW).unwrap();
        let v = s.recommend(&cart_request(), NOW).unwrap();
        assert_eq!(v.arm.as_deref(), Some(name));
        assert_eq!(v.experiment.as_deref(), Some("cart-test"));
        assert_eq!(!v.items.is_empty(), want_items, "{name}: {v:?}");
        match name {
            "xsell" => assert_eq!(
                (v.layout, v.heading.as_str()),
                (Layout::Grid, "Picked for your basket")
            ),
            "legacy" => {
                // Milk's strongest co-purchase first: cereal, then bread.
                let ids: Vec<&str> = v.items.iter().map(|c| c.id.as_str()).collect();
                assert_eq!(ids, ["c", "br"], "{ids:?}");
                assert!(v.items.iter().all(|c| c.reason == "Often bought with Milk"));
            }
            _ => assert_eq!(v.reason, "holdout"),
        }
        let ids: Vec<&str> = v.items.iter().map(|c| c.id.as_str()).collect();
        s.impressions("cart", &ids, true, NOW + 1_000);
        s.track("purchase", &[], Some(42.0), NOW + 2_000).unwrap();
        let day = s
            .device()
            .counts
            .iter()
            .find(|c| c.placement == "cart")
            .unwrap();
        assert_eq!(
            day.counts.order_value_cents,
            Some(4_200),
            "{name}: the order is counted"
        );
        let mut ledger = Ledger::load(None, &utc_day(NOW), s.settings().daily_epsilon);
        let (reports, _) = s.due_reports(&mut SplitMix64(3), &mut ledger, NOW + 3_000);
        assert_eq!(
            reports.len(),
            1,
            "{name}: the day is reported, holdout included"
        );
        let r: serde_json::Value = serde_json::from_str(&reports[0].body).unwrap();
        assert_eq!(r["experiment"], "cart-test");
        assert_eq!(r["arm"], name);
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["arm", "day", "experiment", "id", "placement", "v", "values"]
        );
        assert_eq!(r["v"], 5);
        let id = r["id"].as_str().unwrap();
        assert!(xsell_core::privacy::report::valid_report_id(id), "{id}");
    }
}

#[test]
fn outside_its_days_or_without_a_salt_an_experiment_does_not_apply() {
    let bytes = common::grocery().build().unwrap();
    let e = experiment(vec![
        arm("a", 1, ArmKind::Holdout, None),
        arm("b", 1, ArmKind::Holdout, None),
    ]);
    let mut s = shopper_in(Model::parse(&bytes).unwrap(), e.clone(), 7);
    s.track("add_to_cart", &["m".into()], None, NOW).unwrap();
    assert_eq!(s.recommend(&cart_request(), NOW).unwrap().reason, "holdout");
    let later = NOW + 40 * xsell_core::shopper::MS_PER_DAY;
    let v = s.recommend(&cart_request(), later).unwrap();
    assert_eq!((v.reason, v.arm), ("show", None));
    let settings = ShopperSettings {
        experiments: file(e),
        ..ShopperSettings::default()
    }
    .check()
    .unwrap();
    let (mut no_salt, _) = Shopper::new(Model::parse(&bytes).unwrap(), settings, None, None);
    no_salt
        .track("add_to_cart", &["m".into()], None, NOW)
        .unwrap();
    assert_eq!(
        no_salt.recommend(&cart_request(), NOW).unwrap().reason,
        "show"
    );
}

#[test]
fn arm_kind_names_are_the_file_names() {
    for k in [ArmKind::Config, ArmKind::Legacy, ArmKind::Holdout] {
        assert_eq!(
            serde_json::to_string(&k).unwrap(),
            format!("\"{}\"", k.as_str())
        );
    }
}
