//! One recommendation request against models of 1k, 14k and 100k items.
//!
//! These models are SYNTHETIC (Zipf popularity, 70 links per item on
//! average, 130 categories), sized like the Instacart sample (14k) and a
//! large shop (100k), with random 16-d item vectors. The real Instacart model is benchmarked in
//! `cli/benches/train.rs`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use xsell_core::slate::fatigue::FatigueState;
use xsell_core::slate::pipeline::{build_slate, SlateConfig};
use xsell_core::slate::trigger::PageContext;
use xsell_core::synth::synthetic_model as synthetic;
use xsell_core::PageType;
use xsell_core::{Event, Model, Recommender, Request};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("recommend_synthetic");
    for n in [1_000usize, 14_000, 100_000] {
        let bytes = synthetic(n);
        let model = Model::parse(&bytes).unwrap();
        let mut rec = Recommender::new(model);
        let events: Vec<Event> = [3u32, 17, 256, 999]
            .iter()
            .map(|&i| Event::cart(i % n as u32))
            .collect();
        g.bench_with_input(BenchmarkId::new("10_items_session_of_4", n), &n, |b, _| {
            b.iter(|| {
                rec.recommend(black_box(&Request {
                    events: &events,
                    count: 10,
                    ..Default::default()
                }))
            })
        });
        let cfg = SlateConfig::for_model(rec.model());
        let page = PageContext {
            page: PageType::Cart,
            cart_items: 2,
            dwell_ms: 0,
        };
        let cart = [events[0].item, events[1].item];
        let state = FatigueState::default();
        g.bench_with_input(BenchmarkId::new("full_slate_8_cards", n), &n, |b, _| {
            b.iter(|| {
                let req = Request {
                    events: &events,
                    cart: &cart,
                    page: PageType::Cart,
                    ..Default::default()
                };
                build_slate(&mut rec, black_box(&req), &page, &cfg, &state, 0)
                    .items
                    .len()
            })
        });
        g.bench_with_input(BenchmarkId::new("parse_and_prepare", n), &n, |b, _| {
            b.iter(|| {
                Recommender::new(Model::parse(black_box(&bytes)).unwrap())
                    .model()
                    .len()
            })
        });
    }
    g.finish();
    // The ranking layer's cost: the same 14k model with 150 trees of 31
    // leaves (more than the trainer keeps on the Instacart sample), so
    // the linear top 100 are scored by the forest and re-ordered.
    let mut g = c.benchmark_group("recommend_ranked");
    for (label, bytes) in [
        ("linear", synthetic(14_000)),
        (
            "150_trees",
            xsell_core::synth::synthetic_ranked_model(14_000, 150),
        ),
    ] {
        let mut rec = Recommender::new(Model::parse(&bytes).unwrap());
        let events: Vec<Event> = [3u32, 17, 256, 999]
            .iter()
            .map(|&i| Event::cart(i))
            .collect();
        g.bench_function(BenchmarkId::new("10_items_14k", label), |b| {
            b.iter(|| {
                rec.recommend(black_box(&Request {
                    events: &events,
                    count: 10,
                    ..Default::default()
                }))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
