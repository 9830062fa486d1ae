//! DPP greedy MAP: M candidates, N picks, kernel rows computed inside the
//! timed region (random unit vectors of dimension 16, seeded).
//! Compare with `python3 benches/dpp_reference.py` (numpy, kernel precomputed).

use xsell_core::ParamGuard;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use xsell_core::slate::dpp::{select, Candidates, DppParams};

fn instance(m: usize, dim: usize) -> (Vec<f32>, Vec<f32>) {
    let mut s = 0x9e3779b97f4a7c15u64 ^ m as u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    let rel: Vec<f32> = (0..m).map(|_| next() + 0.5).collect();
    let mut v: Vec<f32> = (0..m * dim).map(|_| next()).collect();
    for row in v.chunks_mut(dim) {
        let n = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        row.iter_mut().for_each(|x| *x /= n);
    }
    (rel, v)
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
