//! `xsell simulate`: loads the model and the real trips, runs the devices,
//! sends their reports to a collector started here (real HTTP, a real
//! store), and prints the collector's before/after tables beside the truth.

use super::bar;
use crate::plan::SimulatePlan;
use anyhow::{bail, Context, Result};
use serde_json::json;
use std::collections::BTreeMap;
use xsell_cli::history::OrderIndex;
use xsell_cli::input::{read_events, BadRows, EventFormat};
use xsell_cli::serve::{spawn_local_with_configs, Configs, ServeConfig};
use xsell_cli::simulate::behaviour::{Behaviour, MAIN_PARAMETERS};
use xsell_cli::simulate::population::Population;
use xsell_cli::simulate::table::{show, Table, Unit};
use xsell_cli::simulate::truth::{self, TrueKpis};
use xsell_cli::simulate::walk::WalkSettings;
use xsell_cli::simulate::{experiment_file, transport, Simulation};
use xsell_core::shopper::{utc_day, Experiments, ShopperSettings, MS_PER_DAY};
use xsell_core::{Model, ParamGuard, Valid};

/// The simulated experiment's name and placement.
const EXPERIMENT: &str = "xsell-sim";
const PLACEMENT: &str = "cart";
/// The treatment and the controls it is compared with.
const TREATMENT: &str = "xsell";
const CONTROLS: [&str; 2] = ["legacy", "holdout"];
/// Devices per sensitivity run.
const SENSITIVITY_CLIENTS: u64 = 20_000;

fn median_price(model: &Model<'_>) -> u32 {
    let mut p: Vec<u32> = (0..model.len() as u32)
        .filter_map(|i| model.item_price_cents(i))
        .collect();
    p.sort_unstable();
    p.get(p.len() / 2).copied().unwrap_or(500)
}

pub fn simulate(plan: &SimulatePlan) -> Result<()> {
    let bytes = super::model::read_model(&plan.model)?;
    let model = Model::parse(&bytes)?;
    let events = |p: &std::path::Path| {
        read_events(p, EventFormat::Auto, BadRows::Fail)
            .map(|(e, _)| e)
            .with_context(|| format!("reading {}", p.display()))
    };
    let population = Population::pair(
        &events(&plan.shoppers)?,
        &events(&plan.demand)?,
        &match &plan.past {
            Some(p) => events(p)?,
            None => Vec::new(),
        },
        &OrderIndex::read(&plan.orders)?,
    );
    if population.trips.is_empty() {
        bail!(
            "no basket in {} has a next order in {}: --orders must map the order ids of both files to users",
            plan.shoppers.display(),
            plan.demand.display()
        );
    }
    eprintln!(
        "{} real shoppers with a next order ({} baskets without one left out); {} devices over {} days",
        population.trips.len(),
        population.unpaired,
        plan.clients,
        plan.days
    );

    // The experiment runs over the last `days` days, today included.
    let now = super::now_ms();
    let first_day_ms = (now / MS_PER_DAY - u64::from(plan.days - 1)) * MS_PER_DAY;
    let file = experiment_file(EXPERIMENT, PLACEMENT, &utc_day(first_day_ms), &utc_day(now));
    let settings = ShopperSettings {
        experiments: Valid::<Experiments>::from_json(&file)?.into_inner(),
        ..ShopperSettings::default()
    }
    .check()?;
    let walk = WalkSettings {
        placement: PLACEMENT.into(),
        first_day_ms,
        days: plan.days,
        fallback_price_cents: median_price(&model),
    };
    let run = |behaviour: &Behaviour, clients: u64, label: &str| {
        let pb = bar(clients, label);
        let sim = Simulation {
            model: &model,
            settings: &settings,
            population: &population,
            behaviour,
            walk: &walk,
        };
        let days = sim.run(clients, plan.seed, &|| pb.inc(1));
        pb.finish_and_clear();
        days
    };
    let devices = run(plan.behaviour.get(), plan.clients, "shoppers");
    let warnings: Vec<&String> = devices.iter().flat_map(|d| &d.warnings).collect();
    if let Some(w) = warnings.first() {
        eprintln!("{} device warnings, e.g. {w}", warnings.len());
    }

    // The collector: the real server on loopback over a real store.
    let tmp = std::env::temp_dir().join(format!("xsell-simulate-{}", std::process::id()));
    let spec = match &plan.db {
        Some(db) => db.clone(),
        None => {
            std::fs::create_dir_all(&tmp)?;
            tmp.join("reports.sqlite").to_string_lossy().into_owned()
        }
    };
    let configs = Configs {
        placements: None,
        experiments: Some(file.clone()),
    };
    // One process sends every device's beacon: the global rate limit,
    // there to protect a public collector, would only slow the run; and
    // the devices report the experiment's past days as they happened, so
    // the day window around today does not apply.
    let (addr, state) = spawn_local_with_configs(
        &spec,
        None,
        configs,
        ServeConfig {
            rate_per_second: 1e9,
            day_window: None,
            ..ServeConfig::default()
        },
    )
    .with_context(|| format!("opening the report store {spec}"))?;
    let base = format!("http://{addr}");
    let bodies: Vec<&str> = devices
        .iter()
        .flat_map(|d| d.reports.iter().map(String::as_str))
        .collect();
    let pb = bar(bodies.len() as u64, "reports");
    let sent = transport::post_reports(&base, &bodies, 4, &|| pb.inc(1))?;
    pb.finish_and_clear();
    eprintln!("{sent} noised reports delivered to the collector at {base} ({spec})");

    let truth = truth::by_arm(&devices);
    let mut tables = Vec::new();
    for control in CONTROLS {
        let analysis =
            transport::analysis(&base, state.admin_token().reveal(), EXPERIMENT, control)?;
        let stored = analysis["reports"].as_u64().unwrap_or(0);
        if stored != sent as u64 {
            bail!(
                "the collector holds {stored} reports of experiment {EXPERIMENT}, {sent} were sent: the store held reports of an earlier run; give a new --db"
            );
        }
        if analysis["srm"]["warning"] == true {
            eprintln!(
                "warning: sample-ratio mismatch (p = {})",
                analysis["srm"]["p_value"]
            );
        }
        let table = Table::new(&analysis, TREATMENT, control, &truth).with_context(|| {
            format!("the analysis has no comparison of {TREATMENT} with {control}")
        })?;
        tables.push(table);
    }
    if plan.db.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }

    for t in &tables {
        println!(
            "\n{} against {} ({} + {} reports, {} devices, ε = {} per day)\n",
            t.treatment,
            t.control,
            t.reports.0,
            t.reports.1,
            plan.clients,
            f64::from(settings.get().daily_epsilon.0) / 1000.0
        );
        print!("{}", t.markdown());
    }
    println!("\ntruth per arm (un-noised device counters; exact order values):");
    for (arm, k) in &truth {
        let cents = |x: Option<f64>| x.map_or_else(|| "–".into(), |c| show(c, Unit::Cents, false));
        println!(
            "  {arm:<8} {} devices, exact AOV {}, added by the widget per order {}",
            k.devices,
            cents(k.exact_order_value_mean_cents),
            cents(k.incremental_order_value_cents)
        );
    }

    let sensitivity = if plan.sensitivity {
        let s = sensitivity(plan.behaviour.get(), &run)?;
        print_sensitivity(&s);
        Some(s)
    } else {
        None
    };
    if let Some(path) = &plan.json {
        let out = json!({
            "experiment": EXPERIMENT,
            "clients": plan.clients,
            "days": plan.days,
            "seed": plan.seed,
            "shoppers": population.trips.len(),
            "behaviour": plan.behaviour.get(),
            "daily_epsilon": f64::from(settings.get().daily_epsilon.0) / 1000.0,
            "tables": tables,
            "truth": truth,
            "sensitivity": sensitivity,
        });
        std::fs::write(path, serde_json::to_string_pretty(&out)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// One sensitivity run: a parameter at a value, and the true KPIs per arm.
#[derive(Debug, serde::Serialize)]
struct Sensitivity {
    parameter: String,
    value: f64,
    truth: BTreeMap<String, TrueKpis>,
}

/// The truth with each main parameter halved and doubled (probabilities
/// capped at 1), and at the chosen values.
fn sensitivity(
    base: &Behaviour,
    run: &dyn Fn(&Behaviour, u64, &str) -> Vec<xsell_cli::simulate::walk::DeviceDay>,
) -> Result<Vec<Sensitivity>> {
    let mut out = vec![Sensitivity {
        parameter: "(as chosen)".into(),
        value: f64::NAN,
        truth: truth::by_arm(&run(base, SENSITIVITY_CLIENTS, "as chosen")),
    }];
    for &p in MAIN_PARAMETERS {
        let x = base.get(p).unwrap_or(0.0);
        for f in [0.5, 2.0] {
            let mut v = x * f;
            if p != "examine_decay" {
                v = v.min(1.0);
            }
            let b = base.with(p, json!(v))?.check()?;
            out.push(Sensitivity {
                parameter: p.into(),
                value: v,
                truth: truth::by_arm(&run(b.get(), SENSITIVITY_CLIENTS, p)),
            });
        }
    }
    Ok(out)
}

fn print_sensitivity(s: &[Sensitivity]) {
    println!(
        "\nsensitivity: true values, {SENSITIVITY_CLIENTS} devices per run\n\n| parameter | value | CTR legacy → xsell | revenue per shopper vs legacy | vs no widget | added per order (xsell) |\n|---|---:|---:|---:|---:|---:|"
    );
    for r in s {
        let k = |arm: &str| r.truth.get(arm);
        let ctr = |arm: &str| k(arm).and_then(|t| t.ctr);
        let rev = |arm: &str| k(arm).and_then(|t| t.exact_order_value_per_day_cents);
        let diff = |a: Option<f64>, b: Option<f64>| {
            a.zip(b)
                .map_or_else(|| "–".into(), |(a, b)| show(a - b, Unit::Cents, true))
        };
        let pct = |x: Option<f64>| x.map_or_else(|| "–".into(), |x| show(x, Unit::Percent, false));
        let value = if r.value.is_nan() {
            String::new()
        } else {
            format!("{}", r.value)
        };
        println!(
            "| {} | {value} | {} → {} | {} | {} | {} |",
            r.parameter,
            pct(ctr("legacy")),
            pct(ctr("xsell")),
            diff(rev("xsell"), rev("legacy")),
            diff(rev("xsell"), rev("holdout")),
            k("xsell")
                .and_then(|t| t.incremental_order_value_cents)
                .map_or_else(|| "–".into(), |c| show(c, Unit::Cents, false)),
        );
    }
}
