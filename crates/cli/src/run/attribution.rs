//! `xsell attribution`: read the path summary, attribute, print.

use super::report_skips;
use crate::plan::AttributionPlan;
use anyhow::{Context, Result};
use xsell_cli::attribution::{attribute, read_paths, table};

pub fn attribution(p: &AttributionPlan) -> Result<()> {
    let (paths, stats) = read_paths(&p.paths, p.bad_rows)?;
    report_skips(&p.paths, &stats);
    let result = attribute(&paths, p.resamples, p.seed);
    match &p.json {
        None => print!("{}", table(&result)),
        Some(None) => println!("{}", serde_json::to_string_pretty(&result)?),
        Some(Some(file)) => std::fs::write(file, serde_json::to_string_pretty(&result)?)
            .with_context(|| format!("writing {}", file.display()))?,
    }
    Ok(())
}
