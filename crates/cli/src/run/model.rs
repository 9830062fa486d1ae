//! `xsell inspect`, `xsell recommend` and `xsell serve`: commands over a
//! model file.

use crate::plan::{InspectPlan, RecommendPlan, ServePlan};
use anyhow::{Context, Result};
use std::path::Path;
use xsell_core::shopper::{Shopper, ShopperSettings, SlateRequest};
use xsell_core::{Model, ParamGuard};

pub(super) fn read_model(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Model::parse(&bytes).with_context(|| format!("{} is not a usable model", path.display()))?;
    Ok(bytes)
}

pub fn inspect(plan: &InspectPlan) -> Result<()> {
    let bytes = read_model(&plan.model)?;
    let m = Model::parse(&bytes)?;
    let n = m.len().max(1);
    let links: usize = (0..m.len() as u32).map(|i| m.links(i).count()).sum();
    let (s, e) = m.training_size();
    println!("model format v{}.{}", m.version().0, m.version().1);
    println!(
        "items: {}  categories: {}  vector dim: {}",
        m.len(),
        m.n_categories(),
        m.vector_dim()
    );
    println!("links: {} ({:.1} per item)", links, links as f64 / n as f64);
    println!("trained on {s} sessions, {e} events");
    println!(
        "size: {} bytes ({:.1} bytes/item)",
        bytes.len(),
        bytes.len() as f64 / n as f64
    );
    match m.ranker() {
        Some(f) => println!(
            "ranking layer: {} trees over {} features (set {}), {} nodes, deepest {}; {} bytes",
            f.trees.len(),
            f.n_features,
            f.feature_set,
            f.trees.iter().map(|t| t.nodes.len()).sum::<usize>(),
            f.trees.iter().map(|t| t.depth()).max().unwrap_or(0),
            m.ranker_bytes()
        ),
        None => println!("ranking layer: none (the linear blend ranks)"),
    }
    println!("params: {:?}", m.params().get());
    if let Some(path) = &plan.links {
        write_links(&m, path)?;
        println!("links written to {}", path.display());
    }
    Ok(())
}

/// Every link as `item_id target_id co seq`, in id order, so two models of
/// the same items compare line by line whatever their item order.
fn write_links(m: &Model<'_>, path: &std::path::Path) -> Result<()> {
    use std::io::Write;
    let mut order: Vec<u32> = (0..m.len() as u32).collect();
    order.sort_by_key(|&i| m.item_id(i));
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    writeln!(out, "item_id\ttarget_id\tco\tseq")?;
    for &i in &order {
        let mut row: Vec<_> = m.links(i).collect();
        row.sort_by_key(|l| m.item_id(l.target));
        for l in row {
            writeln!(
                out,
                "{}\t{}\t{}\t{}",
                m.item_id(i),
                m.item_id(l.target),
                l.co,
                l.seq
            )?;
        }
    }
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}

pub fn recommend(plan: &RecommendPlan) -> Result<()> {
    let bytes = read_model(&plan.model)?;
    let m = Model::parse(&bytes)?;
    let theta = m.params().get().dpp_theta;
    // The widget's own code: a shopper with a fresh device, the items added
    // to the cart, and the cart placement's slate (rules, fatigue, DPP with
    // the model's θ, presentation).
    let settings = ShopperSettings::default().check()?;
    let (mut shopper, _) = Shopper::new(m, settings, None, None);
    let now = 0;
    for id in &plan.items {
        if !shopper.knows(id) {
            eprintln!("unknown item id `{id}` (not in the model), ignored");
        }
        shopper.track("add_to_cart", std::slice::from_ref(id), None, now)?;
    }
    let req = SlateRequest {
        placement: Some("cart".into()),
        slots: Some(plan.n),
        ..SlateRequest::default()
    };
    let slate = shopper.recommend(&req, now)?;
    println!(
        "placement: cart, decision: {} ({} cards), DPP θ = {theta}",
        slate.reason,
        slate.items.len()
    );
    for c in slate.items {
        println!(
            "{:>8}  {:<40} {:<22} {:>7}  {}",
            c.id,
            c.title,
            c.category.unwrap_or_default(),
            c.price_text.unwrap_or_default(),
            c.reason
        );
    }
    Ok(())
}

pub fn serve(plan: &ServePlan) -> Result<()> {
    let (addr, db) = (plan.addr, plan.db.as_str());
    let model = plan.model.as_deref().map(read_model).transpose()?;
    let configs =
        xsell_cli::serve::Configs::read(plan.placements.as_deref(), plan.experiments.as_deref())
            .map_err(anyhow::Error::msg)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let store = xsell_cli::serve::Store::open(db)
            .await
            .with_context(|| format!("opening the report store {db}"))?;
        let (token, made_here) =
            xsell_cli::serve::auth::configured_token(plan.admin_token_file.as_deref())
                .map_err(anyhow::Error::msg)?;
        let config = xsell_cli::serve::ServeConfig {
            admin_token: token.clone(),
            origins: plan.origins.clone(),
            per_source_per_day: plan.per_source_per_day,
            client_ip_header: plan.client_ip_header.clone(),
            ..Default::default()
        };
        let state = xsell_cli::serve::AppState::with_configs(store, model, configs, config);
        let app = xsell_cli::serve::router(state);
        xsell_cli::serve::run(addr, app, |url| {
            format!(
                "xsell collector listening on {url}\n{}",
                xsell_cli::serve::auth::banner(url, &token, made_here)
            )
        })
        .await?;
        Ok(())
    })
}
