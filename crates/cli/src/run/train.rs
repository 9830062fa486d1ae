//! `xsell train`: read, tune, train, write the model.

use super::{load_catalog, load_events, load_orders, tuned_params, tuning_data};
use crate::plan::TrainPlan;
use anyhow::{Context, Result};
use xsell_cli::sessions::Dataset;

pub fn train(plan: &TrainPlan) -> Result<()> {
    let t0 = std::time::Instant::now();
    let data = Dataset::from_events(load_events(&plan.events, &plan.inputs)?);
    let catalog = load_catalog(&plan.inputs)?;
    let orders = load_orders(&plan.inputs)?;
    let tuning = tuning_data(&data, &plan.tuning, &plan.inputs, orders.as_ref())?;
    let tuned = tuned_params(
        tuning.as_ref(),
        catalog.as_ref(),
        &plan.config,
        &plan.tuning,
    )?;
    let builder = tuned.build(&data, catalog.as_ref());
    let bytes = builder.build().context("building the model")?;
    let out = &plan.out;
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "trained on {} sessions, {} events, {} items in {:.1}s -> {} ({} bytes, {:.1} bytes/item)",
        data.sessions.len(),
        data.n_events(),
        data.n_items(),
        t0.elapsed().as_secs_f64(),
        out.display(),
        bytes.len(),
        bytes.len() as f64 / data.n_items().max(1) as f64
    );
    Ok(())
}
