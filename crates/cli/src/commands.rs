//! The subcommands: validated inputs in, reports out.

use crate::DataArgs;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use xsell_cli::eval::{self, baselines, EvalSet, Outcome, Predictor, XsellPredictor};
use xsell_cli::history::OrderIndex;
use xsell_cli::input::{read_catalog, read_events, BadRows, Catalog, ReadStats};
use xsell_cli::sessions::{Dataset, Session};
use xsell_cli::train::{self, TrainConfig};
use xsell_core::slate::dpp::DppParams;
use xsell_core::slate::fatigue::FatigueState;
use xsell_core::slate::pipeline::{build_slate, SlateConfig};
use xsell_core::slate::trigger::PageContext;
use xsell_core::{Event, Model, PageType, Recommender, Request, ScoringParams};

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

fn policy(d: &DataArgs) -> BadRows {
    if d.skip_bad_rows {
        BadRows::Skip
    } else {
        BadRows::Fail
    }
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
}

fn load_events(path: &Path, d: &DataArgs) -> Result<Vec<xsell_cli::input::RawEvent>> {
    let (ev, st) = read_events(path, d.format, policy(d))?;
    report_skips(path, &st);
    Ok(ev)
}

fn load_catalog(d: &DataArgs) -> Result<Option<Catalog>> {
    let Some(p) = &d.catalog else { return Ok(None) };
    let (mut c, st) = read_catalog(p, d.catalog_format, policy(d))?;
    report_skips(p, &st);
    if d.demo_shop {
        xsell_cli::input::dress_for_demo(&mut c);
    }
    Ok(Some(c))
}

/// The tuning data, loaded once per run: the explicit `--tune-train/
/// --tune-valid` pair or a hold-out of the training data (never the test
/// set), with the validation sessions' on-device histories when known.
struct Tuning {
    tr: Dataset,
    valid: Vec<Session>,
    histories: Vec<Vec<Vec<u32>>>,
}

fn tuning_data(
    data: &Dataset,
    d: &DataArgs,
    orders: Option<&OrderIndex>,
) -> Result<Option<Tuning>> {
    if d.no_tune {
        return Ok(None);
    }
    let (tr, valid) = match (&d.tune_train, &d.tune_valid) {
        (Some(t), Some(v)) => {
            let tr = Dataset::from_events(load_events(t, d)?);
            let valid = tr.map_test(load_events(v, d)?);
            (tr, valid)
        }
        _ => data.holdout(0.1),
    };
    let histories = orders.map_or_else(Vec::new, |o| o.histories(&tr, &valid));
    Ok(Some(Tuning {
        tr,
        valid,
        histories,
    }))
}

fn load_orders(d: &DataArgs) -> Result<Option<OrderIndex>> {
    Ok(d.history.as_deref().map(OrderIndex::read).transpose()?)
}

/// Tunes the training configuration and the scoring parameters (defaults
/// without tuning data).
fn tuned_params(
    tuning: Option<&Tuning>,
    catalog: Option<&Catalog>,
    base: &TrainConfig,
) -> Result<(TrainConfig, ScoringParams)> {
    let Some(Tuning {
        tr,
        valid,
        histories,
    }) = tuning
    else {
        return Ok((*base, ScoringParams::default()));
    };
    // Training-time normalisation exponents change the stored weights, so
    // each candidate is rebuilt and tuned; the best on validation wins.
    // Vectors do not affect the ranking, so candidates are built without them.
    let mut best: Option<(TrainConfig, ScoringParams, train::TuneReport)> = None;
    for cfg in train::config_candidates(base) {
        let builder = train::build(
            tr,
            catalog,
            &TrainConfig {
                vector_dim: 0,
                ..cfg
            },
            ScoringParams::default(),
        );
        let pb = bar(0, "tuning");
        let (params, rep) =
            train::Tuner::new(&builder, tr, valid).session(ScoringParams::default(), &pb);
        pb.finish_and_clear();
        eprintln!(
            "  exponents {:.2}/{:.2}: validation MRR@20 {:.4}, HR@20 {:.4}",
            cfg.source_exponent, cfg.target_exponent, rep.mrr20, rep.hr20
        );
        if best.as_ref().is_none_or(|b| rep.mrr20 > b.2.mrr20) {
            best = Some((cfg, params, rep));
        }
    }
    let (cfg, mut params, rep) = best.expect("at least one candidate");
    // One full model (with vectors) of the winning configuration serves the
    // history weights and the DPP θ.
    let mut builder = train::build(tr, catalog, &cfg, params);
    if !histories.is_empty() {
        let pb = bar(0, "tuning history");
        let (p, mrr) = train::Tuner::new(&builder, tr, valid).history(params, histories, &pb);
        pb.finish_and_clear();
        params = p;
        builder.params = p;
        eprintln!("  with on-device history: validation MRR@20 {mrr:.4}");
    }
    params.dpp_theta = choose_theta(&builder, tr, valid, catalog.is_some())?;
    eprintln!(
        "tuned on {} validation predictions: MRR@20 {:.4}, HR@20 {:.4} (session only)\n  {:?}\n  {:?}",
        rep.predictions, rep.mrr20, rep.hr20, cfg, params
    );
    Ok((cfg, params))
}

/// θ values of the accuracy/diversity curve.
const THETAS: [f32; 8] = [1.0, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5];
/// The default θ may cost at most this share of MRR@20.
const THETA_MRR_TOLERANCE: f64 = 0.03;

fn dpp_predictor(bytes: &[u8], theta: f32) -> Result<XsellPredictor> {
    let mut p = XsellPredictor::new(bytes.to_vec(), format!("xsell slate (DPP θ={theta})"))?;
    p.dpp = Some(xsell_core::ParamGuard::check(DppParams {
        theta,
        ..Default::default()
    })?);
    Ok(p)
}

/// The accuracy/diversity curve of the DPP slate over `THETAS`.
fn theta_curve(bytes: &[u8], set: &EvalSet<'_>) -> Result<Vec<(f32, eval::Metrics)>> {
    THETAS
        .iter()
        .map(|&t| {
            Ok((
                t,
                eval::evaluate(&dpp_predictor(bytes, t)?, set, false).metrics,
            ))
        })
        .collect()
}

fn print_curve(title: &str, curve: &[(f32, eval::Metrics)]) {
    println!("\n{title}\n\n| θ | HR@20 | MRR@20 | ILD@20 | categories per list | Cov@20 |\n|---|---|---|---|---|---|");
    for (t, m) in curve {
        println!(
            "| {t} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
            m.hr20, m.mrr20, m.ild20, m.category_coverage20, m.coverage20
        );
    }
}

/// Picks the most diversifying θ whose validation MRR@20 stays within
/// `THETA_MRR_TOLERANCE` of the undiversified list.
fn choose_theta(
    builder: &xsell_core::ModelBuilder,
    tr: &Dataset,
    valid: &[Session],
    with_categories: bool,
) -> Result<f32> {
    let bytes = builder.build()?;
    let popularity: Vec<u32> = builder.items.iter().map(|i| i.popularity).collect();
    let category: Vec<Option<u16>> = builder.items.iter().map(|i| i.category).collect();
    let set = EvalSet {
        sessions: valid,
        histories: &[],
        n_items: tr.n_items(),
        popularity: &popularity,
        category: with_categories.then_some(category.as_slice()),
        limit: Some(6000),
    };
    let curve = theta_curve(&bytes, &set)?;
    let base = curve[0].1.mrr20;
    let theta = curve
        .iter()
        .filter(|(_, m)| m.mrr20 >= base * (1.0 - THETA_MRR_TOLERANCE))
        .map(|c| c.0)
        .fold(1.0f32, f32::min);
    for (t, m) in &curve {
        eprintln!(
            "  DPP θ={t}: validation MRR@20 {:.4}, ILD@20 {:.4}",
            m.mrr20, m.ild20
        );
    }
    eprintln!(
        "  default θ = {theta} (MRR@20 within {:.0} % of θ = 1)",
        THETA_MRR_TOLERANCE * 100.0
    );
    Ok(theta)
}

/// V-SKNN's neighbourhood size, tuned on the same validation data as xsell
/// (all sessions sampled; the literature's k = 100 is among the candidates).
fn tuned_vsknn_k(tuning: Option<&Tuning>) -> Result<usize> {
    let Some(Tuning { tr, valid, .. }) = tuning else {
        return Ok(100);
    };
    let popularity = vec![1u32; tr.n_items()];
    let set = EvalSet {
        sessions: valid,
        histories: &[],
        n_items: tr.n_items(),
        popularity: &popularity,
        category: None,
        limit: Some(4000),
    };
    let mut best = (100usize, -1.0f64);
    for k in [5usize, 10, 20, 50, 100] {
        let m = eval::evaluate(
            &baselines::Vsknn::fit(tr.n_items(), &tr.sessions, k, usize::MAX),
            &set,
            false,
        )
        .metrics;
        eprintln!("  V-SKNN k={k}: validation MRR@20 {:.4}", m.mrr20);
        if m.mrr20 > best.1 {
            best = (k, m.mrr20);
        }
    }
    Ok(best.0)
}

fn config(d: &DataArgs) -> TrainConfig {
    TrainConfig {
        max_neighbours: d.neighbours,
        ..TrainConfig::default()
    }
}

pub fn train(events: &Path, out: &Path, d: &DataArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    let data = Dataset::from_events(load_events(events, d)?);
    let catalog = load_catalog(d)?;
    let orders = load_orders(d)?;
    let tuning = tuning_data(&data, d, orders.as_ref())?;
    let (cfg, params) = tuned_params(tuning.as_ref(), catalog.as_ref(), &config(d))?;
    let builder = train::build(&data, catalog.as_ref(), &cfg, params);
    let bytes = builder.build().context("building the model")?;
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

#[allow(clippy::too_many_arguments)]
pub fn eval(
    train_path: &Path,
    test_path: &Path,
    save_recs: Option<&Path>,
    which: &str,
    json: Option<&Path>,
    model_out: Option<&Path>,
    theta_curve_flag: bool,
    d: &DataArgs,
) -> Result<()> {
    let data = Dataset::from_events(load_events(train_path, d)?);
    let test: Vec<Session> = data.map_test(load_events(test_path, d)?);
    if test.is_empty() {
        bail!("no test session has two or more items seen in training; check that {} and {} come from the same shop", train_path.display(), test_path.display());
    }
    let catalog = load_catalog(d)?;
    let orders = load_orders(d)?;
    let tuning = tuning_data(&data, d, orders.as_ref())?;
    let (cfg, params) = tuned_params(tuning.as_ref(), catalog.as_ref(), &config(d))?;
    let pb = bar(1, "training");
    let builder = train::build(&data, catalog.as_ref(), &cfg, params);
    let bytes = builder.build()?;
    pb.finish_and_clear();
    if let Some(p) = model_out {
        std::fs::write(p, &bytes)?;
    }
    let popularity: Vec<u32> = builder.items.iter().map(|i| i.popularity).collect();
    let category: Option<Vec<Option<u16>>> = catalog
        .as_ref()
        .map(|_| builder.items.iter().map(|i| i.category).collect());
    let no_hist: Vec<Vec<Vec<u32>>> = Vec::new();
    let set = EvalSet {
        sessions: &test,
        histories: &no_hist,
        n_items: data.n_items(),
        popularity: &popularity,
        category: category.as_deref(),
        limit: None,
    };

    let mut predictors: Vec<Box<dyn Predictor>> = vec![
        Box::new(XsellPredictor::new(bytes.clone(), "xsell (session only)")?),
        Box::new(dpp_predictor(&bytes, params.dpp_theta)?),
    ];
    for b in which
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty() && *b != "none")
    {
        let p: Box<dyn Predictor> = match b {
            "pop" => Box::new(baselines::Pop::fit(data.n_items(), &data.sessions)),
            "ar" => Box::new(baselines::Rules::fit_ar(data.n_items(), &data.sessions)),
            "sr" => Box::new(baselines::Rules::fit_sr(data.n_items(), &data.sessions)),
            "iknn" => Box::new(baselines::Rules::fit_iknn(data.n_items(), &data.sessions)),
            "vsknn" => {
                let k = tuned_vsknn_k(tuning.as_ref())?;
                Box::new(baselines::Vsknn::fit(
                    data.n_items(),
                    &data.sessions,
                    k,
                    usize::MAX,
                ))
            }
            other => {
                bail!("unknown baseline `{other}`; choose from pop, ar, sr, iknn, vsknn, none")
            }
        };
        predictors.push(p);
    }
    let pb = bar(
        predictors.len() as u64 + u64::from(d.history.is_some()),
        "evaluating",
    );
    let mut rows = Vec::new();
    for (k, p) in predictors.iter().enumerate() {
        pb.set_message(p.name());
        let o = eval::evaluate(p.as_ref(), &set, k == 0 && save_recs.is_some());
        pb.inc(1);
        rows.push(o);
    }
    if let Some(orders) = &orders {
        let hist = orders.histories(&data, &test);
        let with = EvalSet {
            histories: &hist,
            ..set
        };
        let p = XsellPredictor::new(bytes.clone(), "xsell + on-device history")?;
        rows.insert(2, eval::evaluate(&p, &with, false));
        pb.inc(1);
    }
    pb.finish_and_clear();
    if let Some(path) = save_recs {
        let lists = rows[0].lists.take().expect("kept for the first predictor");
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        eval::write_recs(&mut f, &lists, &data.item_ids)?;
        eprintln!(
            "wrote {} recommendation lists to {}",
            lists.len(),
            path.display()
        );
    }
    print_table(&rows);
    if theta_curve_flag {
        print_curve("Accuracy/diversity curve of the DPP slate on the test split (reported, not used for choosing θ):", &theta_curve(&bytes, &set)?);
    }
    println!(
        "\nModel: {} bytes for {} items ({:.1} bytes/item).",
        bytes.len(),
        data.n_items(),
        bytes.len() as f64 / data.n_items().max(1) as f64
    );
    if let Some(p) = json {
        let v: Vec<_> = rows
            .iter()
            .map(
                |o| serde_json::json!({"name": o.name, "metrics": o.metrics, "seconds": o.seconds}),
            )
            .collect();
        std::fs::write(
            p,
            serde_json::to_string_pretty(
                &serde_json::json!({"results": v, "model_bytes": bytes.len(), "items": data.n_items(), "params": format!("{params:?}")}),
            )?,
        )?;
    }
    Ok(())
}

fn read_model(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Model::parse(&bytes).with_context(|| format!("{} is not a usable model", path.display()))?;
    Ok(bytes)
}

pub fn inspect(path: &Path) -> Result<()> {
    let bytes = read_model(path)?;
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

pub fn recommend(path: &Path, items: &[String], n: usize) -> Result<()> {
    let bytes = read_model(path)?;
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

pub fn serve(addr: std::net::SocketAddr, db: &str, model: Option<&Path>) -> Result<()> {
    let model = match model {
        Some(p) => Some(read_model(p)?),
        None => None,
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let store = xsell_cli::serve::Store::open(db)
            .await
            .with_context(|| format!("opening the report store {db}"))?;
        let state = xsell_cli::serve::AppState::new(store, model, Default::default());
        let app = xsell_cli::serve::router(state);
        xsell_cli::serve::run(addr, app, |url| format!("xsell collector listening on {url}"))
            .await?;
        Ok(())
    })
}
