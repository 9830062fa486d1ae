//! The error of private attribution against the truth, at 10k, 100k and 1M
//! journeys (HRR at ε = 1), for the README:
//! `cargo run --release -p xsell-core --example attribution_error`.

use xsell_core::attribution::oracle::{decode, perturb};
use xsell_core::attribution::private::attribute;
use xsell_core::attribution::synthetic::JourneyModel;
use xsell_core::privacy::exact::SplitMix64;
use xsell_core::privacy::mechanisms::Epsilon;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = if args.len() > 1 {
        args[1..]
            .iter()
            .map(|a| a.parse().expect("a journey count"))
            .collect()
    } else {
        vec![10_000, 100_000, 1_000_000]
    };
    let reps = 20u64;
    let eps = Epsilon(1000);
    let model = JourneyModel::default();
    println!("| journeys | mean abs. error of the removal effects | largest | mean 95 % half-width | intervals covering the truth | conversions: mean abs. error |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let truth = model.truth(n as f64);
        let (mut err, mut worst, mut half, mut hits, mut conv_err, mut k) =
            (0.0, 0.0f64, 0.0, 0usize, 0.0, 0usize);
        for seed in 0..reps {
            let mut rng = SplitMix64(seed);
            let reports: Vec<_> = model
                .sample(&mut rng, n)
                .into_iter()
                .map(|c| perturb(&mut rng, c, eps))
                .collect();
            let est = attribute(&decode(&reports, eps), n as u64, 1.0);
            for (c, t) in truth.channels.iter().enumerate() {
                let e = &est.point.channels[c];
                let iv = &est.intervals[c].removal_effect;
                let d = (e.removal_effect - t.removal_effect).abs();
                err += d;
                worst = worst.max(d);
                half += (iv.hi - iv.lo) / 2.0;
                hits += usize::from(iv.covers(t.removal_effect));
                conv_err +=
                    (e.markov_conversions - t.markov_conversions).abs() / t.markov_conversions;
                k += 1;
            }
        }
        let k = k as f64;
        println!(
            "| {n} | {:.3} | {:.3} | {:.3} | {:.0} % | {:.0} % |",
            err / k,
            worst,
            half / k,
            100.0 * hits as f64 / k,
            100.0 * conv_err / k
        );
    }
}
