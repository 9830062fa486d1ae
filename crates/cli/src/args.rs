//! The raw command line, as clap parses it (ripgrep's `lowargs`): flags and
//! their defaults, nothing checked beyond their types. [`crate::plan`] turns
//! it into a validated plan.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use xsell_cli::input::{CatalogFormat, EventFormat};

/// The `xsell` command line.
#[derive(Parser, Debug)]
#[command(
    name = "xsell",
    version,
    about = "Train, evaluate and inspect xsell cross-sell models"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by commands that read training data.
#[derive(clap::Args, Clone, Debug)]
pub struct DataArgs {
    /// Catalogue (Instacart products.csv, or generic CSV / JSON lines).
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Catalogue format.
    #[arg(long, value_enum, default_value = "auto")]
    pub catalog_format: CatalogFormat,
    /// Event-log format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: EventFormat,
    /// Skip malformed rows (and report how many) instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Order table mapping sessions to users (orders_sample.csv) for on-device history.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Tune on this training file ...
    #[arg(long, requires = "tune_valid")]
    pub tune_train: Option<PathBuf>,
    /// ... against this validation file (default: hold out part of the training data).
    #[arg(long, requires = "tune_train")]
    pub tune_valid: Option<PathBuf>,
    /// Normalisation exponents to try when tuning, as SOURCE,TARGET pairs
    /// (repeat the flag or separate pairs with `;`). Default:
    /// 0.5,0.25;0.75,0.25;1,0.25;0.75,0.1;0.75,0.5.
    #[arg(long, value_delimiter = ';', value_name = "SOURCE,TARGET")]
    pub exponents: Vec<String>,
    /// Neighbours kept per item.
    #[arg(long, default_value_t = 100)]
    pub neighbours: usize,
    /// Skip tuning and use default parameters.
    #[arg(long)]
    pub no_tune: bool,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a model from an event log (and catalogue) and write the model file.
    Train {
        /// Event log: session-rec TSV, OTTO JSON lines, or generic CSV / JSON lines.
        #[arg(long)]
        events: PathBuf,
        /// Output model file.
        #[arg(long, short, default_value = "model.xsm")]
        out: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Evaluate xsell and the published baselines with the session-rec protocol.
    Eval {
        /// Training sessions.
        #[arg(long)]
        train: PathBuf,
        /// Test sessions.
        #[arg(long)]
        test: PathBuf,
        /// Write xsell's top-20 lists in session-rec's prediction-file form
        /// (`SessionId;Position;Recommendations;Scores`, Position = index of
        /// the prefix's last item; `scripts/score_recs.py` re-scores it).
        #[arg(long)]
        save_recs: Option<PathBuf>,
        /// Baselines to run side by side (comma-separated: pop,ar,sr,iknn,vsknn; or none).
        #[arg(long, default_value = "pop,ar,sr,iknn,vsknn")]
        baselines: String,
        /// Write all results as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also write the trained model here.
        #[arg(long)]
        model_out: Option<PathBuf>,
        /// Also print the DPP accuracy/diversity curve on the test split.
        #[arg(long)]
        theta_curve: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Print what a model file holds and what it costs per item.
    Inspect {
        /// Model file.
        model: PathBuf,
    },
    /// Run the collector: receive noised reports, store them, serve stats and the model.
    Serve {
        /// Address to listen on (keep it on loopback unless a proxy fronts it).
        #[arg(long, default_value = "127.0.0.1:8710")]
        addr: std::net::SocketAddr,
        /// Report store: a SQLite file (default), or a postgres:// URL.
        #[arg(long, default_value = "xsell-reports.sqlite")]
        db: String,
        /// Model file to serve at /model.xsm.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Placement configs to serve at /placements.json (checked at
        /// start; see docs/placement-config.md).
        #[arg(long)]
        placements: Option<PathBuf>,
        /// Experiments to serve at /experiments.json (checked at start:
        /// weights, arms, calendar days, one experiment per placement at a
        /// time; see docs/experiments.md).
        #[arg(long)]
        experiments: Option<PathBuf>,
    },
    /// Recommend for a list of item ids (in session order), with reasons.
    Recommend {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
        /// Item ids in the session, oldest first.
        items: Vec<String>,
        /// How many.
        #[arg(long, short, default_value_t = 10)]
        n: usize,
    },
}
