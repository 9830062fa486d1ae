//! Runs a validated [`Plan`]: reads the inputs, calls the library, prints
//! the reports. Every choice made on data (tuning, θ, the baselines'
//! settings) happens in the library; this layer only loads and reports.

mod attribution;
mod email;
mod eval;
mod experiment;
mod model;
mod simulate;
mod train;

use crate::plan::{Inputs, Plan, TuningPlan, TuningSource};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use xsell_cli::history::OrderIndex;
use xsell_cli::input::{progress, read_catalog, read_events, Catalog, RawEvent, ReadStats};
use xsell_cli::sessions::Dataset;
use xsell_cli::train::{tune_model, TrainConfig, TunedModel};
use xsell_cli::validation::TuningData;
use xsell_core::rank::Forest;
use xsell_core::{ModelBuilder, ScoringParams};

/// Runs one plan.
pub fn run(plan: Plan) -> Result<()> {
    match plan {
        Plan::Train(p) => train::train(&p),
        Plan::Eval(p) => eval::eval(&p),
        Plan::Inspect(p) => model::inspect(&p),
        Plan::Recommend(p) => model::recommend(&p),
        Plan::Serve(p) => model::serve(&p),
        Plan::Simulate(p) => simulate::simulate(&p),
        Plan::ExperimentCheck(f) => experiment::check(&f),
        Plan::ExperimentAdd(p) => experiment::add(&p),
        Plan::Attribution(p) => attribution::attribution(&p),
        Plan::Email(p) => email::email(&p),
    }
}

/// The system clock, ms since 1970 (the clock the core's days come from).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn bar(len: u64, msg: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}")
            .expect("static template")
            .progress_chars("=> "),
    );
    pb.set_message(msg.to_string());
    pb
}

/// Runs `read` of `path` under a bar with rows, rows/s and an ETA (on a
/// terminal only; the bar is gone when the read ends).
fn reading<T>(path: &Path, read: impl FnOnce() -> T) -> T {
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("reading {prefix} [{bar:30}] {percent}% {msg} ETA {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    pb.set_prefix(
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
    );
    let shown = pb.clone();
    let t0 = std::time::Instant::now();
    let out = progress::watch(
        move |p| {
            shown.set_length(p.total);
            shown.set_position(p.done);
            let per_s = p.rows as f64 / t0.elapsed().as_secs_f64().max(1e-3);
            shown.set_message(format!("{} rows, {:.0} rows/s", p.rows, per_s));
        },
        read,
    );
    pb.finish_and_clear();
    out
}

fn report_skips(what: &Path, st: &ReadStats) {
    if st.skipped > 0 {
        eprintln!(
            "{}: skipped {} malformed rows of {}",
            what.display(),
            st.skipped,
            st.rows + st.skipped
        );
        for e in &st.examples {
            eprintln!("  e.g. {e}");
        }
    }
    if st.ignored > 0 {
        eprintln!(
            "{}: passed over {} events that name no item (page views, session starts, item lists without ids)",
            what.display(),
            st.ignored
        );
    }
    let c = &st.cleaned;
    if c.items_without_id > 0 {
        eprintln!(
            "{}: kept the events, passed over {} item entries without an item id",
            what.display(),
            c.items_without_id
        );
    }
    if c.urls + c.images + c.unknown_categories > 0 {
        eprintln!(
            "{}: kept the products, dropped {} product links and {} image links the URL policy refuses (unsafe or unparseable), {} categories unknown",
            what.display(),
            c.urls,
            c.images,
            c.unknown_categories
        );
    }
    if !c.is_empty() {
        for e in &c.examples {
            eprintln!("  e.g. {e}");
        }
    }
}

fn load_events(path: &Path, inputs: &Inputs) -> Result<Vec<RawEvent>> {
    let (ev, st) = reading(path, || read_events(path, inputs.format, inputs.bad_rows))?;
    report_skips(path, &st);
    Ok(ev)
}

fn load_catalog(inputs: &Inputs) -> Result<Option<Catalog>> {
    let Some((path, format)) = &inputs.catalog else {
        return Ok(None);
    };
    let (c, st) = reading(path, || read_catalog(path, *format, inputs.bad_rows))?;
    report_skips(path, &st);
    Ok(Some(c))
}

fn load_orders(inputs: &Inputs) -> Result<Option<OrderIndex>> {
    Ok(inputs
        .history
        .as_deref()
        .map(OrderIndex::read)
        .transpose()?)
}

/// The tuning data of the plan, loaded once per run (`None` without tuning).
fn tuning_data(
    data: &Dataset,
    plan: &TuningPlan,
    inputs: &Inputs,
    orders: Option<&OrderIndex>,
) -> Result<Option<TuningData>> {
    Ok(match &plan.source {
        TuningSource::Off => None,
        TuningSource::Holdout => Some(TuningData::holdout(data, 0.1, orders)),
        TuningSource::Files { train, valid } => Some(TuningData::split(
            Dataset::from_events(load_events(train, inputs)?),
            load_events(valid, inputs)?,
            orders,
        )),
    })
}

/// What tuning chose for the final model.
struct Tuned {
    config: TrainConfig,
    params: ScoringParams,
    ranker: Option<Forest>,
}

impl Tuned {
    /// The final model of `data` with everything tuning chose.
    fn build(&self, data: &Dataset, catalog: Option<&Catalog>) -> ModelBuilder {
        let mut b = xsell_cli::train::build(data, catalog, &self.config, self.params);
        b.ranker = self.ranker.clone();
        b
    }
}

/// Tunes the model on `tuning` and reports what was chosen on stderr; the
/// defaults without tuning data.
fn tuned_params(
    tuning: Option<&TuningData>,
    catalog: Option<&Catalog>,
    base: &TrainConfig,
    plan: &TuningPlan,
) -> Result<Tuned> {
    let Some(data) = tuning else {
        return Ok(Tuned {
            config: *base,
            params: ScoringParams::default(),
            ranker: None,
        });
    };
    let pb = bar(0, "tuning");
    let tuned = tune_model(data, catalog, base, &plan.exponents, &plan.ranker, &pb)?;
    pb.finish_and_clear();
    print_tuning(&tuned);
    Ok(Tuned {
        config: tuned.config,
        params: tuned.params,
        ranker: tuned.ranker,
    })
}

fn print_tuning(t: &TunedModel) {
    for e in &t.exponents {
        eprintln!(
            "  exponents {}: validation MRR@20 {:.4}, HR@20 {:.4}",
            e.exponents, e.report.mrr20, e.report.hr20
        );
    }
    if let Some(mrr) = t.history_mrr20 {
        eprintln!("  with on-device history: validation MRR@20 {mrr:.4}");
    }
    if let Some(r) = &t.ranker_report {
        eprintln!(
            "  ranking layer: {} trees from {} queries ({} rows) in {:.1}s; held-back validation MRR@20 {:.4} -> {:.4} (linear -> trees, {} queries){}; {}",
            r.log.trees,
            r.train_queries,
            r.train_rows,
            r.log.seconds,
            r.linear,
            r.forest,
            r.held_queries,
            r.history.map_or_else(String::new, |(l, f)| format!(
                ", with history {l:.4} -> {f:.4}"
            )),
            if r.kept { "kept" } else { "not kept (the linear blend serves)" }
        );
    }
    for p in &t.theta.curve {
        eprintln!(
            "  DPP θ={}: validation MRR@20 {:.4}, ILD@20 {:.4}",
            p.theta, p.metrics.mrr20, p.metrics.ild20
        );
    }
    eprintln!(
        "  default θ = {} (MRR@20 within {:.0} % of θ = 1)",
        t.theta.theta,
        t.theta.tolerance * 100.0
    );
    eprintln!(
        "tuned on {} validation predictions: MRR@20 {:.4}, HR@20 {:.4} (session only)\n  {:?}\n  {:?}",
        t.session.predictions, t.session.mrr20, t.session.hr20, t.config, t.params
    );
}
