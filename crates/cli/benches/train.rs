//! Training time on the Instacart sample, and one request against the real
//! Instacart model (14k items). Needs `../shared/data/instacart`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::path::Path;
use xsell_cli::input::{read_catalog, read_events, BadRows, CatalogFormat, EventFormat};
use xsell_cli::sessions::Dataset;
use xsell_cli::train::{self, TrainConfig};
use xsell_core::{Event, Model, Recommender, Request, ScoringParams};

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/instacart");
    let (events, _) = read_events(
        &dir.join("train_full.txt"),
        EventFormat::Auto,
        BadRows::Fail,
    )
    .expect("Instacart data in ../shared/data");
    let data = Dataset::from_events(events);
    let (catalog, _) = read_catalog(
        &dir.join("products.csv"),
        CatalogFormat::Auto,
        BadRows::Fail,
    )
    .unwrap();
    let cfg = TrainConfig::default();
    let mut g = c.benchmark_group("instacart");
    g.sample_size(10);
    g.bench_function("train_full_model_no_tuning", |b| {
        b.iter(|| {
            train::build(
                black_box(&data),
                Some(&catalog),
                &cfg,
                ScoringParams::default(),
            )
            .build()
            .unwrap()
            .len()
        })
    });
    g.bench_function("count_and_sparsify_only", |b| {
        b.iter(|| {
            train::neighbours(
                &train::count(data.n_items(), black_box(&data.sessions), &cfg),
                &cfg,
                &data.item_ids,
            )
            .len()
        })
    });
    g.finish();

    let params = ScoringParams {
        support_exponent: 1.0,
        half_life: 1.0,
        w_seq: 2.0,
        w_pop: 0.4,
        w_category: 0.1,
        ..ScoringParams::default()
    };
    let bytes = train::build(&data, Some(&catalog), &cfg, params)
        .build()
        .unwrap();
    let model = Model::parse(&bytes).unwrap();
    let mut rec = Recommender::new(model);
    // A real basket from the test split: the first four items of the first test order.
    let basket: Vec<Event> = ["12032", "2480", "27845", "45066"]
        .iter()
        .filter_map(|id| data.index.get(*id))
        .map(|&i| Event::cart(i))
        .collect();
    let mut g = c.benchmark_group("recommend_instacart_14k");
    g.bench_function("10_items", |b| {
        b.iter(|| {
            rec.recommend(black_box(&Request {
                events: &basket,
                count: 10,
                ..Default::default()
            }))
        })
    });
    g.bench_function("parse_and_prepare", |b| {
        b.iter(|| {
            Recommender::new(Model::parse(black_box(&bytes)).unwrap())
                .model()
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
