//! The raw command line, as clap parses it (ripgrep's `lowargs`): flags and
//! their defaults, nothing checked beyond their types. [`crate::plan`] turns
//! it into a validated plan.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use xsell_cli::email::recipients::RecipientFormat;
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
    /// Catalogue: Instacart products.csv, a Google Merchant Center feed (TSV
    /// or XML), or generic CSV / JSON lines (docs/input-formats.md).
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
    /// The learned ranking layer over the linear blend's top 100: `auto`
    /// trains it and keeps it when held-back validation sessions say it
    /// helps; `on` keeps it whatever they say; `off` never trains it.
    /// Default: auto.
    #[arg(long, value_enum, value_name = "MODE")]
    pub ranker: Option<xsell_cli::train::RankerMode>,
    /// Also write the ranking layer's queries here in SVMlight form
    /// (train.svm, stop.svm, held.svm, held_history.svm), for comparing
    /// other rankers on the same data (scripts/lightgbm_reference.py).
    #[arg(long, value_name = "DIR")]
    pub ranker_data: Option<PathBuf>,
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
        /// Event log: session-rec TSV, OTTO JSON lines, a GA4 BigQuery export
        /// (JSON lines), a Shopify orders CSV, or generic CSV / JSON lines
        /// (docs/input-formats.md).
        #[arg(long, required_unless_present = "pair_counts")]
        events: Option<PathBuf>,
        /// Build the model from pair counts made by `sql/pair_counts.sql` in
        /// a warehouse (or DuckDB) instead of counting an event log; implies
        /// --no-tune (take at most one --exponents pair: the one the SQL used).
        #[arg(long, value_name = "FILE", conflicts_with = "events")]
        pair_counts: Option<PathBuf>,
        /// With --pair-counts: take the scoring parameters (tuned weights,
        /// half-life, θ) of a model trained with tuning on a sample of the
        /// same shop, instead of the untuned defaults.
        #[arg(long, value_name = "MODEL")]
        params_from: Option<PathBuf>,
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
        /// Also write every link as TSV (`item_id target_id co seq`, sorted
        /// by item id then target id, weights as stored) to compare models.
        #[arg(long, value_name = "FILE")]
        links: Option<PathBuf>,
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
        /// A file holding the admin token that stats and experiment results
        /// need (else XSELL_ADMIN_TOKEN, else a random one printed at start).
        #[arg(long)]
        admin_token_file: Option<PathBuf>,
        /// The shop's origin, e.g. https://shop.example (repeat for each):
        /// reports from a browser on any other origin are refused (403).
        /// Without it every origin is accepted.
        #[arg(long = "origin", value_name = "ORIGIN")]
        origins: Vec<String>,
        /// Reports a day from one source (an IPv4 address or an IPv6 /64)
        /// at most; past it 429 until the next UTC day. Sources are kept
        /// only as hashes under a key made afresh each day, in memory.
        /// 0: no cap.
        #[arg(long, default_value_t = 5000, value_name = "N")]
        per_source_per_day: u32,
        /// Behind a proxy or load balancer: the request header that holds
        /// the client's address (its last entry is taken, the one the
        /// proxy added), e.g. x-forwarded-for. Without it, the address of
        /// the connection.
        #[arg(long, value_name = "HEADER")]
        client_ip_header: Option<String>,
    },
    /// Simulate an experiment on real baskets: devices walk through the
    /// widget's core, send noised reports to a collector over HTTP, and the
    /// collector's analysis gives the before/after table (docs/simulator.md).
    Simulate {
        /// Model file, trained WITHOUT the shoppers' baskets and next
        /// orders (Instacart: train on train_tr.txt).
        #[arg(long)]
        model: PathBuf,
        /// The shoppers' baskets (Instacart: train_valid.txt).
        #[arg(long)]
        shoppers: PathBuf,
        /// Their next orders, the latent demand (Instacart: test.txt).
        #[arg(long)]
        demand: PathBuf,
        /// Order table mapping orders to users (orders_sample.csv).
        #[arg(long)]
        orders: PathBuf,
        /// The shoppers' earlier orders, kept on their devices as purchase
        /// history (Instacart: train_tr.txt); without it every device is new.
        #[arg(long)]
        past: Option<PathBuf>,
        /// Simulated devices (each one real trip on one day).
        #[arg(long, default_value_t = 10_000)]
        clients: u64,
        /// Days the experiment runs (devices are spread over them; the last is today).
        #[arg(long, default_value_t = 14)]
        days: u32,
        /// Seed of everything random.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Change a behaviour parameter (repeatable), e.g. --set attract_demand=0.3.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Report store of the collector (a new SQLite file, or a postgres:// URL of a scratch database; default: a temporary SQLite file).
        #[arg(long)]
        db: Option<String>,
        /// Write the tables, the truth and the settings as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also show how the true uplifts move when each main behaviour parameter is halved and doubled.
        #[arg(long)]
        sensitivity: bool,
    },
    /// Multi-touch attribution of a path summary (ChannelAttribution's
    /// input form): exact first-order Markov removal effects beside
    /// first-touch, last-touch and linear, with 95 % bootstrap intervals.
    Attribution {
        /// CSV with the header path,total_conversions,total_conversion_value,total_null; channels separated by `>`.
        #[arg(long)]
        paths: PathBuf,
        /// Write JSON instead of the table: to FILE, or to stdout without one.
        #[arg(long, value_name = "FILE", num_args = 0..=1)]
        json: Option<Option<PathBuf>>,
        /// Poisson-bootstrap resamples for the intervals (0: none).
        #[arg(long, default_value_t = 200)]
        resamples: usize,
        /// Seed of the resampling.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Skip malformed rows (and report how many) instead of stopping.
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// Recommendation blocks for an e-mail campaign: HTML and plain text
    /// per recipient, merge data for the shop's own template, and a
    /// control group (docs/email.md).
    Email {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
        /// Recipients export: CSV `recipient,order,time,item` or JSON lines.
        #[arg(long)]
        recipients: PathBuf,
        /// Its form.
        #[arg(long, value_enum, default_value = "auto")]
        recipients_format: RecipientFormat,
        /// Campaign name (1-32 of a-z 0-9 _ -; it travels in the links).
        #[arg(long)]
        campaign: String,
        /// The shop's base URL, e.g. https://shop.example (links and images are made absolute against it).
        #[arg(long)]
        shop_url: String,
        /// Cards per block (1-8).
        #[arg(long, default_value_t = 4)]
        slots: usize,
        /// Percent of recipients in the control arm (0-50).
        #[arg(long, default_value_t = 10)]
        control: u8,
        /// What the control arm gets: the legacy co-purchase block, or none.
        #[arg(long, value_enum, default_value = "legacy")]
        control_block: ControlBlock,
        /// Add the five-link relevance question under the cards.
        #[arg(long)]
        survey: bool,
        /// Rotation state (read and updated): items of a recipient's recent campaigns are not repeated.
        #[arg(long)]
        rotation: Option<PathBuf>,
        /// How far back the rotation looks, days.
        #[arg(long, default_value_t = 14)]
        rotation_days: u32,
        /// Items bought this many days back or less are not recommended.
        #[arg(long, default_value_t = 30)]
        recent_days: u32,
        /// Heading over the cards.
        #[arg(long, default_value = "Picked for you")]
        heading: String,
        /// Put before prices.
        #[arg(long, default_value = "$")]
        currency: String,
        /// Whole preview documents per arm (preview/).
        #[arg(long, default_value_t = 3)]
        previews: usize,
        /// The campaign's time (RFC 3339; default now): what "recent" is measured from.
        #[arg(long)]
        now: Option<String>,
        /// Output directory (created).
        #[arg(long, short)]
        out: PathBuf,
        /// Skip malformed rows (and report how many) instead of stopping.
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// Write or check an experiment file (docs/experiments.md).
    Experiment {
        #[command(subcommand)]
        action: ExperimentAction,
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

/// What an e-mail campaign's control arm gets.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlBlock {
    /// The legacy co-purchase block (no personalisation).
    Legacy,
    /// No block.
    None,
}

/// `xsell experiment` subcommands.
#[derive(Subcommand, Debug)]
pub enum ExperimentAction {
    /// Check an experiment file as the widget and the collector will, and
    /// show its experiments and arms.
    Check {
        /// The experiment file.
        file: PathBuf,
    },
    /// Add an experiment to a file (created if missing); the whole file is
    /// checked before it is written.
    Add {
        /// The experiment file.
        file: PathBuf,
        /// Experiment name (1-32 of a-z 0-9 _ -; it travels in reports).
        #[arg(long)]
        name: String,
        /// The placement it splits.
        #[arg(long)]
        placement: String,
        /// First UTC day, YYYY-MM-DD.
        #[arg(long)]
        start: String,
        /// Last UTC day, inclusive.
        #[arg(long)]
        end: String,
        /// An arm: NAME=PERCENT (xsell with the placement's config),
        /// NAME=PERCENT:config=PLACEMENT (a named config of --placements),
        /// NAME=PERCENT:legacy or NAME=PERCENT:holdout. Repeat; the
        /// percentages add up to 100.
        #[arg(long = "arm", required = true, value_name = "NAME=PERCENT[:KIND]")]
        arms: Vec<String>,
        /// The shop's placement configs, for arms that name one.
        #[arg(long)]
        placements: Option<PathBuf>,
    },
}
