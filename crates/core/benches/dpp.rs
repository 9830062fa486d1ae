//! DPP greedy MAP: M candidates, N picks, kernel rows computed inside the
//! timed region (random unit vectors of dimension 16, seeded).
//! Compare with `python3 benches/dpp_reference.py` (numpy, kernel precomputed).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use xsell_core::slate::dpp::{random_instance, select, Candidates, DppParams};
use xsell_core::ParamGuard;

fn instance(m: usize, dim: usize) -> (Vec<f32>, Vec<f32>) {
    random_instance(0x9e37_79b9_7f4a_7c15 ^ m as u64, m, dim)
}

fn bench(c: &mut Criterion) {
    let params = DppParams {
        theta: 0.8,
        ..Default::default()
    }
    .check()
    .unwrap();
    let mut g = c.benchmark_group("dpp_greedy_kernel_included");
    for m in [100usize, 300, 1000] {
        let (rel, v) = instance(m, 16);
        for n in [5usize, 10, 20] {
            g.bench_with_input(BenchmarkId::new(format!("M{m}"), n), &n, |b, &n| {
                b.iter(|| {
                    select(
                        black_box(&Candidates {
                            relevance: &rel,
                            vectors: &v,
                            dim: 16,
                        }),
                        n,
                        &params,
                    )
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
