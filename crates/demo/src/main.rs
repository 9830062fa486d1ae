//! `xsell-demo`: the demo shop beside the collector, for the README's main
//! job, the end-to-end tests and the browser benchmark. It mounts the same
//! collector router `xsell serve` runs and adds the shop's pages; the test
//! hooks (`/corrupt.xsm`, `?model=missing`, the synthetic 100k model) live
//! here and nowhere in the product.

mod catalog;
mod shop;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

/// The demo shop and its catalogue.
#[derive(Parser)]
#[command(name = "xsell-demo", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the demo shop, the dashboard and the benchmark page, with the
    /// collector on the same address.
    Serve(ServeArgs),
    /// Write the demo's catalogue: a catalogue (e.g. Instacart's
    /// products.csv) with product pages, generated images and made-up
    /// prices filled in, as JSON lines for `xsell train --catalog`.
    Catalog {
        /// The catalogue to dress (any format `xsell` reads).
        from: PathBuf,
        /// Where the JSON lines go.
        #[arg(short, long)]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:8710")]
    addr: std::net::SocketAddr,
    /// Report store: a SQLite file, or a postgres:// URL.
    #[arg(long, default_value = "xsell-reports.sqlite")]
    db: String,
    /// The model file the shop's catalogue and the widget come from.
    #[arg(long)]
    model: PathBuf,
    /// The shop's own files (`www/`).
    #[arg(long, default_value = "www")]
    www: PathBuf,
    /// The built widget (scripts/build-web.sh output).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Placement configs served at /placements.json (the widget reads them).
    #[arg(long, default_value = "assets/demo-placements.json")]
    placements: PathBuf,
    /// Experiments served at /experiments.json (the widget reads them).
    #[arg(long, default_value = "assets/demo-experiments.json")]
    experiments: PathBuf,
    /// A file holding the admin token of the dashboard's data (else
    /// XSELL_ADMIN_TOKEN, else a random one printed at start).
    #[arg(long)]
    admin_token_file: Option<PathBuf>,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Serve(a) => serve(a),
        Command::Catalog { from, out } => {
            let n = catalog::write_dressed(&from, &out)?;
            eprintln!("{n} products written to {}", out.display());
            Ok(())
        }
    }
}

fn serve(a: ServeArgs) -> Result<()> {
    let bytes = std::fs::read(&a.model)
        .with_context(|| format!("reading the model {}", a.model.display()))?;
    if !a.dist.join("script/xsell.js").exists() {
        bail!(
            "{} has no script/xsell.js: build the widget first (bash scripts/build-web.sh)",
            a.dist.display()
        );
    }
    let configs = xsell_cli::serve::Configs::read(Some(&a.placements), Some(&a.experiments))
        .map_err(anyhow::Error::msg)?;
    let shop = Arc::new(shop::Shop::new(&bytes, a.www.clone(), a.dist.clone())?);
    let (token, made_here) =
        xsell_cli::serve::auth::configured_token(a.admin_token_file.as_deref())
            .map_err(anyhow::Error::msg)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let store = xsell_cli::serve::Store::open(&a.db)
            .await
            .with_context(|| format!("opening the report store {}", a.db))?;
        let state = xsell_cli::serve::AppState::with_configs(
            store,
            Some(bytes),
            configs,
            xsell_cli::serve::ServeConfig {
                admin_token: token.clone(),
                ..Default::default()
            },
        );
        let app = xsell_cli::serve::router(state).merge(shop::routes(shop));
        xsell_cli::serve::run(a.addr, app, |url| {
            format!(
                "xsell demo shop on {url}/  (benchmark {url}/bench)\n{}",
                xsell_cli::serve::auth::banner(url, &token, made_here)
            )
        })
        .await?;
        Ok(())
    })
}
