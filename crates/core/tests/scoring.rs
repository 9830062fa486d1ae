//! Scoring behaviour a shop relies on.
#![cfg(not(target_arch = "wasm32"))] // native tests (proptest); the browser layers are web_*.rs

mod common;

use xsell_core::{Event, EventKind, Model, Reason, Recommender, Request, ScoringParams};

fn ids(m: &Model<'_>, r: &[xsell_core::Recommendation]) -> Vec<String> {
    r.iter().map(|x| m.item_id(x.item).to_string()).collect()
}

#[test]
fn bought_together_ranks_first_with_a_reason() {
    let bytes = common::grocery().build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    let out = rec.recommend(&Request {
        events: &[Event::cart(0)],
        count: 3,
        ..Default::default()
    });
    assert_eq!(m.item_id(out[0].item), "s");
    assert_eq!(out[0].reason, Reason::BoughtWith(0));
    assert_eq!(out[0].reason.text(&m), "Often bought with Bananas");
    assert!(out.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn never_recommends_cart_session_or_out_of_stock_items() {
    let bytes = common::grocery().build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    // Yogurt (4) is strongly linked to bananas but out of stock.
    let out = rec.recommend(&Request {
        events: &[Event::cart(0)],
        cart: &[1],
        count: 10,
        ..Default::default()
    });
    let got = ids(&m, &out);
    assert!(!got.contains(&"y".to_string()), "{got:?}");
    assert!(
        !got.contains(&"s".to_string()),
        "cart item recommended: {got:?}"
    );
    assert!(
        !got.contains(&"b".to_string()),
        "session item recommended with w_repeat = 0: {got:?}"
    );
    assert_eq!(out.len(), 3); // m, c, br
}

#[test]
fn repeat_weight_lets_click_streams_return_to_viewed_items() {
    let mut b = common::grocery();
    b.params = ScoringParams {
        w_repeat: 5.0,
        w_pop: 0.0,
        w_category: 0.0,
        ..ScoringParams::default()
    };
    let bytes = b.build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    let out = rec.recommend(&Request {
        events: &[Event::view(2), Event::view(0)],
        count: 3,
        ..Default::default()
    });
    assert_eq!(m.item_id(out[0].item), "b");
    assert_eq!(out[0].reason, Reason::SeenBefore);
}

#[test]
fn just_purchased_items_are_excluded_even_when_repeats_are_welcome() {
    let mut b = common::grocery();
    b.params = ScoringParams {
        w_repeat: 5.0,
        w_pop: 0.0,
        w_category: 0.0,
        ..ScoringParams::default()
    };
    let bytes = b.build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    let ev = [
        Event::view(2),
        Event {
            item: 0,
            kind: EventKind::Purchase,
        },
    ];
    let got = ids(
        &m,
        &rec.recommend(&Request {
            events: &ev,
            count: 6,
            ..Default::default()
        }),
    );
    assert!(
        !got.contains(&"b".to_string()),
        "purchased item recommended: {got:?}"
    );
    assert_eq!(got[0], "m", "viewed item still comes back: {got:?}");
}

#[test]
fn recency_matters() {
    let mut b = common::grocery();
    b.params = ScoringParams {
        half_life: 0.5,
        w_seq: 2.0,
        w_pop: 0.0,
        w_category: 0.0,
        ..ScoringParams::default()
    };
    let bytes = b.build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    // Session milk then bananas: strawberries (from bananas, recent) beat cereal (from milk, older).
    let a = rec.recommend(&Request {
        events: &[Event::cart(2), Event::cart(0)],
        count: 1,
        ..Default::default()
    });
    let b = rec.recommend(&Request {
        events: &[Event::cart(0), Event::cart(2)],
        count: 1,
        ..Default::default()
    });
    assert_eq!(m.item_id(a[0].item), "s");
    assert_eq!(m.item_id(b[0].item), "c");
    assert_eq!(b[0].reason, Reason::AddedAfter(2));
}

#[test]
fn history_brings_back_earlier_purchases() {
    let mut b = common::grocery();
    b.params = ScoringParams {
        w_history: 10.0,
        w_pop: 0.0,
        w_category: 0.0,
        ..ScoringParams::default()
    };
    let bytes = b.build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    let history = vec![vec![5u32], vec![5, 3]];
    let out = rec.recommend(&Request {
        events: &[Event::cart(0)],
        history: &history,
        count: 2,
        ..Default::default()
    });
    assert_eq!(m.item_id(out[0].item), "br");
    assert_eq!(out[0].reason, Reason::BuyAgain);
}

#[test]
fn empty_or_unknown_input_falls_back_to_popular_and_is_deterministic() {
    let mut b = common::grocery();
    b.params = ScoringParams {
        w_pop: 1.0,
        ..ScoringParams::default()
    };
    let bytes = b.build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    let bogus = [Event {
        item: 999,
        kind: EventKind::View,
    }];
    let out = rec.recommend(&Request {
        events: &bogus,
        cart: &[12345],
        current_item: Some(77),
        count: 3,
        ..Default::default()
    });
    assert_eq!(ids(&m, &out), vec!["m", "b", "br"]);
    assert_eq!(out[0].reason, Reason::Popular);
    // Scratch state is fully reset between requests.
    let again = rec.recommend(&Request {
        events: &bogus,
        count: 3,
        ..Default::default()
    });
    assert_eq!(out, again);
    assert!(rec
        .recommend(&Request {
            count: 0,
            ..Default::default()
        })
        .is_empty());
}

#[test]
fn removed_items_stop_counting_and_current_item_counts() {
    let bytes = common::grocery().build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(m.clone());
    let out = rec.recommend(&Request {
        current_item: Some(2),
        count: 1,
        ..Default::default()
    });
    assert_eq!(m.item_id(out[0].item), "c");
    let ev = [
        Event::cart(0),
        Event {
            item: 0,
            kind: EventKind::RemoveFromCart,
        },
    ];
    let out = rec.recommend(&Request {
        events: &ev,
        current_item: Some(2),
        count: 1,
        ..Default::default()
    });
    assert_eq!(
        m.item_id(out[0].item),
        "c",
        "bananas still counted after removal"
    );
}
