//! `xsell inspect`, `xsell recommend` and `xsell serve`: commands over a
//! model file.

use crate::plan::{InspectPlan, RecommendPlan, ServePlan};
use anyhow::{Context, Result};
use std::path::Path;
use xsell_core::slate::fatigue::FatigueState;
use xsell_core::slate::pipeline::{build_slate, SlateConfig};
use xsell_core::slate::trigger::PageContext;
use xsell_core::{Event, Model, PageType, Recommender, Request};

fn read_model(path: &Path) -> Result<Vec<u8>> {
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
    println!("params: {:?}", m.params().get());
    Ok(())
}

pub fn recommend(plan: &RecommendPlan) -> Result<()> {
    let (items, n) = (&plan.items, plan.n);
    let bytes = read_model(&plan.model)?;
    let m = Model::parse(&bytes)?;
    let index: std::collections::HashMap<&str, u32> =
        (0..m.len() as u32).map(|i| (m.item_id(i), i)).collect();
    let mut cart = Vec::new();
    for id in items {
        match index.get(id.as_str()) {
            Some(&i) => cart.push(i),
            None => eprintln!("unknown item id `{id}` (not in the model), ignored"),
        }
    }
    // The cart placement, through the whole slate pipeline: rules
    // (substitutes demoted), fatigue (fresh state) and DPP with the model's θ.
    let events: Vec<Event> = cart.iter().map(|&i| Event::cart(i)).collect();
    let mut cfg = SlateConfig::for_model(&m);
    cfg.placement.slots = n;
    let mut rec = Recommender::new(m.clone());
    let request = Request {
        events: &events,
        cart: &cart,
        page: PageType::Cart,
        ..Default::default()
    };
    let page = PageContext {
        page: PageType::Cart,
        cart_items: cart.len(),
        dwell_ms: 0,
    };
    let slate = build_slate(&mut rec, &request, &page, &cfg, &FatigueState::default(), 0);
    println!(
        "placement: cart, decision: {} ({} slots), DPP θ = {}",
        slate.decision.reason.as_str(),
        slate.decision.slots,
        cfg.dpp.get().theta
    );
    for r in slate.items {
        let cat = m.item_category(r.item).map_or("", |c| m.category_name(c));
        println!(
            "{:>8}  {:.4}  {:<40} {:<22} {}",
            m.item_id(r.item),
            r.score,
            m.item_title(r.item),
            cat,
            r.reason.text(&m)
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
        let state =
            xsell_cli::serve::AppState::with_configs(store, model, configs, Default::default());
        let app = xsell_cli::serve::router(state);
        xsell_cli::serve::run(addr, app, |url| {
            format!("xsell collector listening on {url}")
        })
        .await?;
        Ok(())
    })
}
