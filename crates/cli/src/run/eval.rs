//! `xsell eval`: tune on validation data, train on the training split, and
//! score xsell and the baselines on the test split with the session-rec
//! protocol; print the table, optionally the θ curve, the lists and JSON.

use super::{bar, load_catalog, load_events, load_orders, tuned_params, tuning_data};
use crate::plan::{Baseline, EvalPlan};
use anyhow::{bail, Context, Result};
use xsell_cli::eval::baselines::tune::{tune_ar, tune_vsknn, Tuned};
use xsell_cli::eval::baselines::{self, Ar, ArParams, Vsknn, VsknnParams};
use xsell_cli::eval::theta::{dpp_predictor, theta_curve, ThetaPoint};
use xsell_cli::eval::{self, EvalSet, Metrics, Outcome, Predictor, XsellPredictor};
use xsell_cli::sessions::{Dataset, Session};
use xsell_cli::validation::TuningData;

/// The baselines' settings: tuned on validation data when there is some,
/// the reference defaults otherwise.
struct BaselineSettings {
    ar: Option<Tuned<ArParams>>,
    vsknn: Option<Tuned<VsknnParams>>,
}

impl BaselineSettings {
    fn choose(wanted: &[Baseline], tuning: Option<&TuningData>) -> Self {
        let Some(data) = tuning else {
            return Self {
                ar: None,
                vsknn: None,
            };
        };
        let ar = wanted.contains(&Baseline::Ar).then(|| tune_ar(data));
        let vsknn = wanted.contains(&Baseline::Vsknn).then(|| tune_vsknn(data));
        if let Some(t) = &ar {
            for trial in &t.trials {
                eprintln!(
                    "  AR {}: validation MRR@20 {:.4}, HR@20 {:.4}",
                    trial.params.in_session.label(),
                    trial.metrics.mrr20,
                    trial.metrics.hr20
                );
            }
        }
        if let Some(t) = &vsknn {
            for trial in &t.trials {
                eprintln!(
                    "  V-SKNN k={} {}: validation MRR@20 {:.4}, HR@20 {:.4}",
                    trial.params.k,
                    trial.params.in_session.label(),
                    trial.metrics.mrr20,
                    trial.metrics.hr20
                );
            }
        }
        Self { ar, vsknn }
    }

    fn ar(&self) -> ArParams {
        self.ar.as_ref().map_or_else(ArParams::default, |t| t.best)
    }

    fn vsknn(&self) -> VsknnParams {
        self.vsknn
            .as_ref()
            .map_or(VsknnParams::LITERATURE, |t| t.best)
    }

    fn fit(&self, b: Baseline, data: &Dataset) -> Box<dyn Predictor> {
        let (n, s) = (data.n_items(), &data.sessions);
        match b {
            Baseline::Pop => Box::new(baselines::Pop::fit(n, s)),
            Baseline::Ar => Box::new(Ar::fit(n, s, self.ar())),
            Baseline::Sr => Box::new(baselines::Rules::fit_sr(n, s)),
            Baseline::Iknn => Box::new(baselines::Rules::fit_iknn(n, s)),
            Baseline::Vsknn => Box::new(Vsknn::fit(n, s, self.vsknn())),
        }
    }
}

fn print_table(rows: &[Outcome]) {
    println!("| algorithm | HR@10 | HR@20 | MRR@10 | MRR@20 | NDCG@20 | Cov@20 | Pop@20 | ILD@20 | time |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for o in rows {
        let m = &o.metrics;
        println!(
            "| {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.1}s |",
            o.name,
            m.hr10,
            m.hr20,
            m.mrr10,
            m.mrr20,
            m.ndcg20,
            m.coverage20,
            m.popularity20,
            m.ild20,
            o.seconds
        );
    }
    if let Some(m) = rows.first() {
        println!("\n{} predictions per algorithm.", m.metrics.predictions);
    }
}

fn print_curve(title: &str, curve: &[ThetaPoint]) {
    println!("\n{title}\n\n| θ | HR@20 | MRR@20 | ILD@20 | categories per list | Cov@20 |\n|---|---|---|---|---|---|");
    for p in curve {
        let m: &Metrics = &p.metrics;
        println!(
            "| {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
            p.theta, m.hr20, m.mrr20, m.ild20, m.category_coverage20, m.coverage20
        );
    }
}

pub fn eval(plan: &EvalPlan) -> Result<()> {
    let inputs = &plan.inputs;
    let data = Dataset::from_events(load_events(&plan.train, inputs)?);
    let test: Vec<Session> = data.map_test(load_events(&plan.test, inputs)?);
    if test.is_empty() {
        bail!(
            "no test session has two or more items seen in training; check that {} and {} come from the same shop",
            plan.train.display(),
            plan.test.display()
        );
    }
    let catalog = load_catalog(inputs)?;
    let orders = load_orders(inputs)?;
    let tuning = tuning_data(&data, &plan.tuning, inputs, orders.as_ref())?;
    let tuned = tuned_params(
        tuning.as_ref(),
        catalog.as_ref(),
        &plan.config,
        &plan.tuning,
    )?;
    let settings = BaselineSettings::choose(&plan.baselines, tuning.as_ref());
    drop(tuning);

    let pb = bar(1, "training");
    let builder = tuned.build(&data, catalog.as_ref());
    let bytes = builder.build()?;
    pb.finish_and_clear();
    let out = &plan.outputs;
    if let Some(p) = &out.model_out {
        std::fs::write(p, &bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    let popularity: Vec<u32> = builder.items.iter().map(|i| i.popularity).collect();
    let category: Option<Vec<Option<u16>>> = catalog
        .as_ref()
        .map(|_| builder.items.iter().map(|i| i.category).collect());
    let set = EvalSet {
        sessions: &test,
        histories: &[],
        n_items: data.n_items(),
        popularity: &popularity,
        category: category.as_deref(),
        limit: None,
    };

    let pb = bar(
        2 + u64::from(orders.is_some()) + plan.baselines.len() as u64,
        "evaluating",
    );
    let run = |p: &dyn Predictor, set: &EvalSet<'_>, keep_lists: bool| {
        pb.set_message(p.name());
        let o = eval::evaluate(p, set, keep_lists);
        pb.inc(1);
        o
    };
    // Table order: xsell session only (its lists are the saved ones), the
    // slate, xsell with history, then the baselines.
    let session_only = XsellPredictor::new(bytes.clone(), "xsell (session only)")?;
    let mut session_row = run(&session_only, &set, out.save_recs.is_some());
    let lists = session_row.lists.take();
    let mut rows = vec![
        session_row,
        run(&dpp_predictor(&bytes, tuned.params.dpp_theta)?, &set, false),
    ];
    if let Some(orders) = &orders {
        let hist = orders.histories(&data, &test);
        let with = EvalSet {
            histories: &hist,
            ..set
        };
        let p = XsellPredictor::new(bytes.clone(), "xsell + on-device history")?;
        rows.push(run(&p, &with, false));
    }
    for &b in &plan.baselines {
        rows.push(run(settings.fit(b, &data).as_ref(), &set, false));
    }
    pb.finish_and_clear();

    if let (Some(path), Some(lists)) = (&out.save_recs, &lists) {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        eval::write_recs(&mut f, lists, &data.item_ids)?;
        eprintln!(
            "wrote {} recommendation lists to {}",
            lists.len(),
            path.display()
        );
    }
    print_table(&rows);
    if out.theta_curve {
        print_curve(
            "Accuracy/diversity curve of the DPP slate on the test split (reported, not used for choosing θ):",
            &theta_curve(&bytes, &set)?,
        );
    }
    println!(
        "\nModel: {} bytes for {} items ({:.1} bytes/item).",
        bytes.len(),
        data.n_items(),
        bytes.len() as f64 / data.n_items().max(1) as f64
    );
    if let Some(p) = &out.json {
        let results: Vec<_> = rows
            .iter()
            .map(
                |o| serde_json::json!({"name": o.name, "metrics": o.metrics, "seconds": o.seconds}),
            )
            .collect();
        let doc = serde_json::json!({
            "results": results,
            "model_bytes": bytes.len(),
            "items": data.n_items(),
            "params": format!("{:?}", tuned.params),
            "ranker": tuned.ranker.as_ref().map(|f| f.trees.len()),
            "baselines_tuned": {"ar": settings.ar, "vsknn": settings.vsknn},
        });
        std::fs::write(p, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}
