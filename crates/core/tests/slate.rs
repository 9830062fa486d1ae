//! The slate pipeline: every rule has a test that fails without it.
#![cfg(not(target_arch = "wasm32"))] // native tests (proptest); the browser layers are web_*.rs
#![allow(clippy::field_reassign_with_default)]

use xsell_core::slate::dpp::DppParams;
use xsell_core::slate::fatigue::FatigueState;
use xsell_core::slate::pipeline::{build_slate, Slate, SlateConfig};
use xsell_core::slate::rules::Rules;
use xsell_core::slate::trigger::{PageContext, TriggerReason};
use xsell_core::ParamGuard;
use xsell_core::{
    CategoryRecord, Event, ItemRecord, Model, ModelBuilder, Neighbour, PageType, Recommender,
    Request, ScoringParams,
};

// 0 Bananas (fruit), then candidates linked from bananas with falling weight.
const ITEMS: [(&str, &str, u16, u32); 10] = [
    ("bananas", "Bananas", 0, 99),
    ("strawberries", "Strawberries", 0, 399),
    ("milk", "Milk", 1, 199),
    ("raspberries", "Raspberries", 0, 499),
    ("yogurt", "Yogurt", 1, 149),
    ("cereal", "Cereal", 2, 349),
    ("kale", "Kale", 3, 249),
    ("spinach", "Spinach", 3, 299),
    ("caviar", "Caviar", 1, 9_999),
    ("bread", "Bread", 4, 299),
];

fn model_bytes() -> Vec<u8> {
    let mut b = ModelBuilder::default();
    b.categories = ["fruit", "dairy", "breakfast", "vegetables", "bakery"]
        .iter()
        .map(|n| CategoryRecord {
            name: n.to_string(),
            parent: None,
        })
        .collect();
    b.items = ITEMS
        .iter()
        .map(|&(id, t, c, p)| ItemRecord {
            id: id.into(),
            title: t.into(),
            price_cents: Some(p),
            category: Some(c),
            in_stock: true,
            popularity: 10,
            ..Default::default()
        })
        .collect();
    let mut row0 = Vec::new();
    for t in 1..10u32 {
        row0.push(Neighbour {
            target: t,
            co: 10.0 - t as f32,
            seq: 0.0,
        });
    }
    b.neighbours = vec![Vec::new(); 10];
    b.neighbours[0] = row0;
    // Vectors: one direction per category.
    let dirs = [
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
        [0.5, 0.5, 0.5, 0.5],
    ];
    b.vectors = Some((4, ITEMS.iter().flat_map(|it| dirs[it.2 as usize]).collect()));
    b.params = ScoringParams {
        w_pop: 0.0,
        w_category: 0.0,
        ..ScoringParams::default()
    };
    b.build().unwrap()
}

fn cfg() -> SlateConfig {
    let mut c = SlateConfig::default();
    c.placement.slots = 4;
    c.dpp = DppParams {
        theta: 1.0,
        ..Default::default()
    }
    .check()
    .unwrap();
    c.rules = Rules {
        substitute_factor: 1.0,
        ..Default::default()
    }
    .check()
    .unwrap();
    c
}

fn run(c: &SlateConfig, page: PageType, state: &FatigueState) -> (Slate, Vec<String>) {
    let bytes = model_bytes();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    let cart = [0u32];
    let events = [Event::cart(0)];
    let req = Request {
        events: &events,
        cart: &cart,
        page,
        ..Default::default()
    };
    let slate = build_slate(
        &mut rec,
        &req,
        &PageContext {
            page,
            cart_items: 1,
            dwell_ms: 10_000,
        },
        c,
        state,
        1_000_000,
    );
    let ids = slate
        .items
        .iter()
        .map(|s| m.item_id(s.item).to_string())
        .collect();
    (slate, ids)
}

#[test]
fn baseline_is_the_relevance_order() {
    let (s, ids) = run(&cfg(), PageType::Cart, &FatigueState::default());
    assert_eq!(s.decision.reason, TriggerReason::Show);
    assert_eq!(ids, ["strawberries", "milk", "raspberries", "yogurt"]);
}

#[test]
fn substitutes_are_demoted_at_the_cart_only() {
    let mut c = cfg();
    c.rules = Rules {
        substitute_factor: 0.3,
        ..Default::default()
    }
    .check()
    .unwrap();
    let (_, at_cart) = run(&c, PageType::Cart, &FatigueState::default());
    assert_eq!(
        at_cart,
        ["milk", "yogurt", "cereal", "kale"],
        "fruit (same aisle as bananas) pushed down"
    );
    let (_, on_product) = run(&c, PageType::Product, &FatigueState::default());
    assert_eq!(on_product[0], "strawberries");
}

#[test]
fn dismissed_items_vanish_and_repeated_dismissals_demote_the_category() {
    let mut st = FatigueState::default();
    st.dismiss("strawberries", Some("fruit"), 1_000);
    let (_, ids) = run(&cfg(), PageType::Cart, &st);
    assert!(!ids.contains(&"strawberries".to_string()));
    assert_eq!(ids[0], "milk");
    assert!(
        ids.contains(&"raspberries".to_string()),
        "one dismissal does not demote the category yet"
    );
    st.dismiss("kale", Some("fruit"), 2_000);
    let (_, ids) = run(&cfg(), PageType::Cart, &st);
    assert!(
        !ids.contains(&"raspberries".to_string()),
        "fruit demoted after two dismissals: {ids:?}"
    );
}

#[test]
fn impressions_without_clicks_push_an_item_down() {
    let mut st = FatigueState::default();
    let f = SlateConfig::default().fatigue;
    for _ in 0..3 {
        st.record_impressions(&["strawberries"], 999_000, &f);
    }
    let mut c = cfg();
    c.placement.slots = 8;
    let (_, ids) = run(&c, PageType::Cart, &st);
    // Relevance 1.0 × 1/(1 + 0.5·3) = 0.4: below kale (4/9), above spinach (3/9).
    assert_eq!(
        ids.iter().position(|i| i == "strawberries"),
        Some(5),
        "{ids:?}"
    );
    st.record_impressions(&["strawberries"], 999_500, &f);
    let (_, ids) = run(&c, PageType::Cart, &st);
    assert!(
        !ids.contains(&"strawberries".to_string()),
        "session cap of 4 reached: {ids:?}"
    );
}

#[test]
fn blocked_pinned_and_price_band() {
    let mut c = cfg();
    c.rules = Rules {
        substitute_factor: 1.0,
        blocked: vec![2],
        pinned: vec![(9, 1)],
        price_band: Some((0.0, 3.5)),
        ..Default::default()
    }
    .check()
    .unwrap();
    let (s, ids) = run(&c, PageType::Cart, &FatigueState::default());
    assert!(!ids.contains(&"milk".to_string()), "blocked");
    assert_eq!(ids[1], "bread", "pinned at slot 1");
    assert!(s.items[1].pinned);
    // Raspberries 4.99 > 3.5 x the cart's 0.99: out of the band; caviar too.
    assert!(
        !ids.contains(&"raspberries".to_string()) && !ids.contains(&"caviar".to_string()),
        "{ids:?}"
    );
    assert_eq!(ids.len(), 4);
}

#[test]
fn value_weighting_favours_dearer_items() {
    let mut c = cfg();
    c.rules = Rules {
        substitute_factor: 1.0,
        value_weight: 5.0,
        ..Default::default()
    }
    .check()
    .unwrap();
    let (_, ids) = run(&c, PageType::Cart, &FatigueState::default());
    // × (1 + 5·log10(1 + price)): raspberries (4.99) pass milk (1.99), and
    // caviar (99.99), 8th by relevance, enters the four slots.
    assert_eq!(ids, ["strawberries", "raspberries", "milk", "caviar"]);
}

#[test]
fn dpp_diversifies_across_aisles() {
    let mut c = cfg();
    c.dpp = DppParams {
        theta: 0.3,
        ..Default::default()
    }
    .check()
    .unwrap();
    let (_, ids) = run(&c, PageType::Product, &FatigueState::default());
    // Relevance order would be strawberries, milk, raspberries, yogurt (two aisles);
    // diversified, the four cards come from four different aisles.
    let aisle = |id: &str| ITEMS.iter().find(|x| x.0 == id).unwrap().2;
    let mut aisles: Vec<u16> = ids.iter().map(|i| aisle(i)).collect();
    aisles.sort_unstable();
    aisles.dedup();
    assert_eq!(aisles.len(), 4, "{ids:?}");
    assert_eq!(ids[0], "strawberries", "the best item still leads");
}

#[test]
fn wrong_page_shows_nothing_with_a_reason() {
    let (s, ids) = run(&cfg(), PageType::Home, &FatigueState::default());
    assert!(ids.is_empty());
    assert_eq!(s.decision.reason, TriggerReason::WrongPage);
}
