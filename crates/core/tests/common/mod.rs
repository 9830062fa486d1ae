//! Shared fixtures: a small hand-made catalogue with known links.
#![allow(dead_code, clippy::field_reassign_with_default)]

use xsell_core::{CategoryRecord, ItemRecord, ModelBuilder, Neighbour, ScoringParams};

/// Items: 0 Bananas, 1 Strawberries, 2 Milk, 3 Cereal, 4 Yogurt (out of stock), 5 Bread.
/// Categories: 0 Produce, 1 Dairy (parent of nothing), 2 Bakery, 3 Breakfast.
pub fn grocery() -> ModelBuilder {
    let cats = ["Produce", "Dairy", "Bakery", "Breakfast"];
    let items = [
        ("b", "Bananas", 0, true, 50),
        ("s", "Strawberries", 0, true, 30),
        ("m", "Milk", 1, true, 60),
        ("c", "Cereal", 3, true, 20),
        ("y", "Yogurt", 1, false, 40),
        ("br", "Bread", 2, true, 45),
    ];
    let mut b = ModelBuilder::default();
    b.categories = cats
        .iter()
        .map(|n| CategoryRecord {
            name: n.to_string(),
            parent: None,
        })
        .collect();
    b.items = items
        .iter()
        .map(|&(id, t, c, stock, pop)| ItemRecord {
            id: id.into(),
            title: t.into(),
            url: format!("https://shop.example/p/{id}"),
            image: String::new(),
            price_cents: Some(199),
            category: Some(c),
            in_stock: stock,
            popularity: pop,
        })
        .collect();
    let nb = |t: u32, co: f32, seq: f32| Neighbour { target: t, co, seq };
    b.neighbours = vec![
        vec![nb(1, 1.0, 0.2), nb(2, 0.5, 0.0), nb(4, 0.9, 0.0)], // bananas -> strawberries, milk, yogurt
        vec![nb(0, 1.0, 0.0)],
        vec![nb(3, 1.0, 1.0), nb(5, 0.3, 0.0)], // milk -> cereal (sequential too), bread
        vec![nb(2, 1.0, 0.0)],
        vec![nb(0, 0.5, 0.0)],
        vec![nb(2, 0.3, 0.0)],
    ];
    b.vectors = Some((
        2,
        vec![1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.1, 0.9, 0.0, 1.0, 0.7, 0.7],
    ));
    b.params = ScoringParams {
        w_pop: 0.0,
        w_category: 0.0,
        ..ScoringParams::default()
    };
    b.train_sessions = 10;
    b.train_events = 40;
    b
}
