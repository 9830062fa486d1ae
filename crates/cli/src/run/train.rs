//! `xsell train`: read, tune, train, write the model.

use super::model::read_model;
use super::{
    load_catalog, load_events, load_orders, reading, report_skips, tuned_params, tuning_data,
};
use crate::plan::{TrainPlan, TrainSource};
use anyhow::{Context, Result};
use std::path::Path;
use xsell_cli::sessions::Dataset;
use xsell_cli::train::{build_from_counts, read_pair_counts};
use xsell_core::{Model, ModelBuilder, ScoringParams};

pub fn train(plan: &TrainPlan) -> Result<()> {
    let t0 = std::time::Instant::now();
    let (builder, what) = match &plan.source {
        TrainSource::Events(events) => from_events(plan, events)?,
        TrainSource::PairCounts(path, params_from) => {
            from_pair_counts(plan, path, params_from.as_deref())?
        }
    };
    let bytes = builder.build().context("building the model")?;
    let out = &plan.out;
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    let n_items = builder.items.len();
    eprintln!(
        "trained on {what}, {n_items} items in {:.1}s -> {} ({} bytes, {:.1} bytes/item)",
        t0.elapsed().as_secs_f64(),
        out.display(),
        bytes.len(),
        bytes.len() as f64 / n_items.max(1) as f64
    );
    Ok(())
}

fn from_events(plan: &TrainPlan, events: &Path) -> Result<(ModelBuilder, String)> {
    let data = Dataset::from_events(load_events(events, &plan.inputs)?);
    let catalog = load_catalog(&plan.inputs)?;
    let orders = load_orders(&plan.inputs)?;
    let tuning = tuning_data(&data, &plan.tuning, &plan.inputs, orders.as_ref())?;
    let tuned = tuned_params(
        tuning.as_ref(),
        catalog.as_ref(),
        &plan.config,
        &plan.tuning,
    )?;
    let what = format!(
        "{} sessions, {} events",
        data.sessions.len(),
        data.n_events()
    );
    Ok((tuned.build(&data, catalog.as_ref()), what))
}

fn from_pair_counts(
    plan: &TrainPlan,
    path: &Path,
    params_from: Option<&Path>,
) -> Result<(ModelBuilder, String)> {
    let params = match params_from {
        None => ScoringParams::default(),
        Some(m) => {
            let bytes = read_model(m)?;
            let params = *Model::parse(&bytes)?.params().get();
            eprintln!("scoring parameters from {}: {params:?}", m.display());
            params
        }
    };
    let (pairs, st) = reading(path, || read_pair_counts(path, plan.inputs.bad_rows))?;
    report_skips(path, &st);
    let catalog = load_catalog(&plan.inputs)?;
    let builder = build_from_counts(
        &pairs.item_ids,
        &pairs.counts,
        catalog.as_ref(),
        &plan.config,
        params,
    );
    Ok((builder, format!("{} pair counts", pairs.links)))
}
