//! `xsell experiment check|add`: reads, checks and writes experiment files.

use crate::plan::ExperimentAddPlan;
use anyhow::{Context, Result};
use std::path::Path;
use xsell_cli::experiment_file::{add as add_experiment, summary};
use xsell_core::shopper::{utc_day, Experiments, Placements};
use xsell_core::Valid;

fn today() -> String {
    utc_day(super::now_ms())
}

pub fn check(file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let f = Valid::<Experiments>::from_json(&text).with_context(|| {
        format!(
            "{} is refused (the widget would fall back to its default configs)",
            file.display()
        )
    })?;
    print!("{}", summary(f.get(), &today()));
    println!("{}: ok", file.display());
    Ok(())
}

pub fn add(plan: &ExperimentAddPlan) -> Result<()> {
    let existing = match std::fs::read_to_string(&plan.file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", plan.file.display())),
    };
    let placements = match &plan.placements {
        Some(p) => {
            let t =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let v = Valid::<Placements>::from_json(&t)
                .with_context(|| format!("{} is not a usable placement file", p.display()))?;
            Some((v.into_inner(), p.display().to_string()))
        }
        None => None,
    };
    let text = add_experiment(
        existing.as_deref(),
        &plan.new,
        placements.as_ref().map(|(p, s)| (p, s.as_str())),
    )?;
    // Written beside and renamed over: a reader never sees half a file.
    let tmp = plan.file.with_extension("json.tmp");
    std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &plan.file)
        .with_context(|| format!("replacing {}", plan.file.display()))?;
    let f = Valid::<Experiments>::from_json(&text)?;
    print!("{}", summary(f.get(), &today()));
    println!("{}: written", plan.file.display());
    Ok(())
}
