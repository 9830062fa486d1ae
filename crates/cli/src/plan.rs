//! Validated plans (ripgrep's `hiargs`): the raw flags of [`crate::args`]
//! become one plan per command, with every input path checked, every output
//! directory checked, and every combination that cannot do what the user
//! meant refused with a message that says what to do. [`crate::run`] only
//! ever sees a plan.

use crate::args::{Cli, Command, DataArgs, ExperimentAction};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use xsell_cli::input::{BadRows, CatalogFormat, EventFormat};
use xsell_cli::train::{
    Exponents, ExponentsError, RankerMode, RankerSettings, TrainConfig, DEFAULT_EXPONENTS,
};

/// Why a command line cannot run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// An input file does not exist.
    #[error("{flag} {path}: no such file; check the path")]
    MissingInput {
        /// The flag that named it.
        flag: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// An input path names a directory.
    #[error("{flag} {path} is a directory; give a file")]
    InputIsDirectory {
        /// The flag that named it.
        flag: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// An output's directory does not exist.
    #[error("{flag} {path}: the directory {dir} does not exist; create it first")]
    NoOutputDirectory {
        /// The flag that named it.
        flag: &'static str,
        /// The path given.
        path: PathBuf,
        /// Its missing directory.
        dir: PathBuf,
    },
    /// An output path names a directory.
    #[error("{flag} {path} is a directory; give a file name")]
    OutputIsDirectory {
        /// The flag that named it.
        flag: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// Two flags name the same file where they must not.
    #[error("{first} and {second} name the same file ({path}); {advice}")]
    SameFile {
        /// One flag.
        first: &'static str,
        /// The other.
        second: &'static str,
        /// The file.
        path: PathBuf,
        /// What to do instead.
        advice: &'static str,
    },
    /// `--no-tune` with a flag that only matters when tuning.
    #[error("--no-tune conflicts with {flag}, which only matters when tuning; drop one of them")]
    NoTuneConflict {
        /// The tuning-only flag.
        flag: &'static str,
    },
    /// `--pair-counts` with a flag that needs the event log.
    #[error("--pair-counts builds from counts alone, without tuning; {flag} needs the event log (train with --events for it, or drop it)")]
    PairCountsConflict {
        /// The flag that needs events.
        flag: &'static str,
    },
    /// `--params-from` when training from events.
    #[error("--params-from serves --pair-counts, which cannot tune; from an event log, xsell train tunes the parameters itself (or use --no-tune)")]
    ParamsFromWithoutPairCounts,
    /// `--pair-counts` with more than one exponent pair.
    #[error("--pair-counts takes at most one --exponents pair (the one sql/pair_counts.sql normalised with), not {given}")]
    PairCountsExponents {
        /// How many pairs were given.
        given: usize,
    },
    /// A baseline name is not known.
    #[error("--baselines: unknown baseline `{name}`; choose from pop, ar, sr, iknn, vsknn (comma-separated), or none")]
    UnknownBaseline {
        /// The name given.
        name: String,
    },
    /// `none` next to real baselines.
    #[error("--baselines {given}: `none` runs no baseline and cannot be combined with others")]
    NoneWithOthers {
        /// The list given.
        given: String,
    },
    /// A malformed `--exponents` pair.
    #[error("--exponents: {0}")]
    Exponents(ExponentsError),
    /// The old environment variable is still set.
    #[error("XSELL_EXPONENTS is set, but the exponents are a flag now: pass --exponents '{value}' and unset XSELL_EXPONENTS")]
    ExponentsInEnvironment {
        /// Its value.
        value: String,
    },
    /// `--neighbours` out of range.
    #[error("--neighbours {0}: keep between 1 and 65535 links per item")]
    Neighbours(usize),
    /// `-n` out of range.
    #[error("-n {0}: a slate has 1 to 24 cards")]
    Count(usize),
    /// An `--arm` that cannot be read.
    #[error(transparent)]
    Arm(#[from] xsell_cli::experiment_file::ExperimentFileError),
    /// Not an origin.
    #[error("--origin {0:?}: give scheme and host as the browser sends them, e.g. https://shop.example (no path, no trailing /)")]
    Origin(String),
    /// `--clients` out of range.
    #[error("--clients {0}: simulate 1 to 10,000,000 devices")]
    Clients(u64),
    /// A campaign name that cannot travel in links.
    #[error(
        "--campaign {0:?}: use 1-32 characters of a-z, 0-9, _ and - (it travels in every link)"
    )]
    Campaign(String),
    /// A shop URL that is not absolute http(s).
    #[error("--shop-url {0:?}: give the shop's absolute http(s) base, e.g. https://shop.example (no query or fragment)")]
    ShopUrl(String),
    /// Slots out of range.
    #[error("--slots {0}: an e-mail block has 1 to 8 cards")]
    EmailSlots(usize),
    /// Control share out of range.
    #[error("--control {0}: the control arm takes 0 to 50 percent of recipients")]
    Control(u8),
    /// Heading or currency out of range.
    #[error("--heading must be 1-120 characters and --currency at most 8")]
    Heading,
    /// An unreadable --now.
    #[error("--now: {0}")]
    Now(String),
    /// `--resamples` out of range.
    #[error(
        "--resamples {0}: at most 100,000 bootstrap resamples (200 give stable 95 % intervals)"
    )]
    Resamples(usize),
    /// `--days` out of range.
    #[error("--days {0}: an experiment runs 1 to 366 days")]
    Days(u32),
    /// A behaviour parameter that cannot be set.
    #[error(transparent)]
    Behaviour(#[from] xsell_cli::simulate::behaviour::SetError),
    /// A behaviour parameter out of range.
    #[error("--set: {0}")]
    BehaviourRange(xsell_core::ParamError),
    /// The simulator's SQLite store already exists.
    #[error(
        "--db {0}: the file exists; the simulator writes a new store (delete it or name another)"
    )]
    StoreExists(PathBuf),
}

/// One validated command.
#[derive(Debug)]
pub enum Plan {
    /// `xsell train`.
    Train(TrainPlan),
    /// `xsell eval`.
    Eval(EvalPlan),
    /// `xsell inspect`.
    Inspect(InspectPlan),
    /// `xsell recommend`.
    Recommend(RecommendPlan),
    /// `xsell serve`.
    Serve(ServePlan),
    /// `xsell simulate`.
    Simulate(SimulatePlan),
    /// `xsell experiment check`.
    ExperimentCheck(PathBuf),
    /// `xsell attribution`.
    Attribution(AttributionPlan),
    /// `xsell email`.
    Email(EmailPlan),
    /// `xsell experiment add`.
    ExperimentAdd(ExperimentAddPlan),
}

/// `xsell email`.
#[derive(Debug)]
pub struct EmailPlan {
    /// Model file.
    pub model: PathBuf,
    /// Recipients file and form.
    pub recipients: (PathBuf, xsell_cli::email::recipients::RecipientFormat),
    /// Rotation state file.
    pub rotation: Option<PathBuf>,
    /// Items bought this recently are not recommended, days.
    pub recent_days: u32,
    /// Previews per arm.
    pub previews: usize,
    /// The campaign's time, ms since 1970 (None: now).
    pub now_ms: Option<u64>,
    /// Output directory.
    pub out: PathBuf,
    /// Malformed rows: stop or skip.
    pub bad_rows: BadRows,
    /// The campaign.
    pub settings: xsell_cli::email::CampaignSettings,
}

/// `xsell attribution`.
#[derive(Debug)]
pub struct AttributionPlan {
    /// The path summary.
    pub paths: PathBuf,
    /// JSON output: `Some(None)` to stdout, `Some(Some(file))` to a file.
    pub json: Option<Option<PathBuf>>,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Their seed.
    pub seed: u64,
    /// Malformed rows: stop or skip.
    pub bad_rows: BadRows,
}

/// `xsell experiment add`.
#[derive(Debug)]
pub struct ExperimentAddPlan {
    /// The file written (read first if it exists).
    pub file: PathBuf,
    /// The experiment.
    pub new: xsell_cli::experiment_file::NewExperiment,
    /// Placement configs for arms that name one.
    pub placements: Option<PathBuf>,
}

/// How the data files are read.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Catalogue file and format.
    pub catalog: Option<(PathBuf, CatalogFormat)>,
    /// Event-log format.
    pub format: EventFormat,
    /// Malformed rows: stop or skip.
    pub bad_rows: BadRows,
    /// Order table for on-device history.
    pub history: Option<PathBuf>,
}

/// Where the tuning data comes from (never the test set).
#[derive(Debug, Clone, PartialEq)]
pub enum TuningSource {
    /// No tuning: default parameters.
    Off,
    /// Hold out part of the training data.
    Holdout,
    /// An explicit pair of files.
    Files {
        /// What candidates are trained on.
        train: PathBuf,
        /// What they are scored on.
        valid: PathBuf,
    },
}

/// What tuning does.
#[derive(Debug, Clone)]
pub struct TuningPlan {
    /// The data.
    pub source: TuningSource,
    /// Exponent candidates.
    pub exponents: Vec<Exponents>,
    /// How to train the ranking layer.
    pub ranker: RankerSettings,
}

/// `xsell train`: read, tune, train, write.
#[derive(Debug)]
pub struct TrainPlan {
    /// What the links are counted from.
    pub source: TrainSource,
    /// Model file to write.
    pub out: PathBuf,
    /// Reading.
    pub inputs: Inputs,
    /// Tuning.
    pub tuning: TuningPlan,
    /// Training configuration before tuning.
    pub config: TrainConfig,
}

/// What `xsell train` counts links from.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainSource {
    /// An event log, counted in memory.
    Events(PathBuf),
    /// A pair-count table written by `sql/pair_counts.sql`, and the model
    /// whose scoring parameters to take (`--params-from`).
    PairCounts(PathBuf, Option<PathBuf>),
}

/// A baseline of the results table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// Most popular.
    Pop,
    /// Association rules.
    Ar,
    /// Sequential rules.
    Sr,
    /// Item-kNN.
    Iknn,
    /// Vector-multiplication session kNN.
    Vsknn,
}

impl Baseline {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "pop" => Baseline::Pop,
            "ar" => Baseline::Ar,
            "sr" => Baseline::Sr,
            "iknn" => Baseline::Iknn,
            "vsknn" => Baseline::Vsknn,
            _ => return None,
        })
    }
}

/// What `xsell eval` writes besides the table.
#[derive(Debug, Default)]
pub struct EvalOutputs {
    /// session-rec prediction file of the session-only lists.
    pub save_recs: Option<PathBuf>,
    /// All results as JSON.
    pub json: Option<PathBuf>,
    /// The trained model.
    pub model_out: Option<PathBuf>,
    /// Print the θ curve on the test split.
    pub theta_curve: bool,
}

/// `xsell eval`: tune, train, and score xsell and the baselines on the test split.
#[derive(Debug)]
pub struct EvalPlan {
    /// Training sessions.
    pub train: PathBuf,
    /// Test sessions.
    pub test: PathBuf,
    /// Reading.
    pub inputs: Inputs,
    /// Tuning.
    pub tuning: TuningPlan,
    /// Training configuration before tuning.
    pub config: TrainConfig,
    /// Baselines, in table order, each once.
    pub baselines: Vec<Baseline>,
    /// Outputs.
    pub outputs: EvalOutputs,
}

/// `xsell inspect`.
#[derive(Debug)]
pub struct InspectPlan {
    /// Model file.
    pub model: PathBuf,
    /// Where to write the links as TSV.
    pub links: Option<PathBuf>,
}

/// `xsell recommend`.
#[derive(Debug)]
pub struct RecommendPlan {
    /// Model file.
    pub model: PathBuf,
    /// Session items, oldest first.
    pub items: Vec<String>,
    /// Slots.
    pub n: usize,
}

/// `xsell serve`.
#[derive(Debug)]
pub struct ServePlan {
    /// Listening address.
    pub addr: SocketAddr,
    /// Report store spec (SQLite path or postgres:// URL).
    pub db: String,
    /// Model to serve.
    pub model: Option<PathBuf>,
    /// Placement configs to serve.
    pub placements: Option<PathBuf>,
    /// Experiments to serve.
    pub experiments: Option<PathBuf>,
    /// The admin token's file.
    pub admin_token_file: Option<PathBuf>,
    /// The shop's origins.
    pub origins: Vec<String>,
    /// Reports a day per source (`None`: no cap).
    pub per_source_per_day: Option<u32>,
    /// The header with the client's address behind a proxy.
    pub client_ip_header: Option<String>,
}

/// `xsell simulate`.
#[derive(Debug)]
pub struct SimulatePlan {
    /// Model file.
    pub model: PathBuf,
    /// The shoppers' baskets.
    pub shoppers: PathBuf,
    /// Their next orders.
    pub demand: PathBuf,
    /// Order table.
    pub orders: PathBuf,
    /// Earlier orders (device history).
    pub past: Option<PathBuf>,
    /// Devices.
    pub clients: u64,
    /// Days.
    pub days: u32,
    /// Seed.
    pub seed: u64,
    /// The behaviour model.
    pub behaviour: xsell_core::Valid<xsell_cli::simulate::behaviour::Behaviour>,
    /// Report store (`None`: a temporary SQLite file).
    pub db: Option<String>,
    /// JSON output.
    pub json: Option<PathBuf>,
    /// Sensitivity runs.
    pub sensitivity: bool,
}

fn input(flag: &'static str, path: PathBuf) -> Result<PathBuf, PlanError> {
    if path.is_dir() {
        Err(PlanError::InputIsDirectory { flag, path })
    } else if !path.is_file() {
        Err(PlanError::MissingInput { flag, path })
    } else {
        Ok(path)
    }
}

fn optional_input(flag: &'static str, path: Option<PathBuf>) -> Result<Option<PathBuf>, PlanError> {
    path.map(|p| input(flag, p)).transpose()
}

/// An output directory: new (its parent exists) or an existing directory.
fn output_dir(flag: &'static str, path: PathBuf) -> Result<PathBuf, PlanError> {
    if path.is_dir() {
        return Ok(path);
    }
    output(flag, path)
}

fn output(flag: &'static str, path: PathBuf) -> Result<PathBuf, PlanError> {
    if path.is_dir() {
        return Err(PlanError::OutputIsDirectory { flag, path });
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            Err(PlanError::NoOutputDirectory {
                flag,
                dir: dir.to_path_buf(),
                path,
            })
        }
        _ => Ok(path),
    }
}

fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Refuses any two of `files` (flag, path) that name one file.
fn distinct(files: &[(&'static str, &Path)], advice: &'static str) -> Result<(), PlanError> {
    for (k, (first, a)) in files.iter().enumerate() {
        for (second, b) in &files[k + 1..] {
            if same_file(a, b) {
                return Err(PlanError::SameFile {
                    first,
                    second,
                    path: a.to_path_buf(),
                    advice,
                });
            }
        }
    }
    Ok(())
}

fn inputs(d: &DataArgs) -> Result<Inputs, PlanError> {
    Ok(Inputs {
        catalog: optional_input("--catalog", d.catalog.clone())?.map(|p| (p, d.catalog_format)),
        format: d.format,
        bad_rows: if d.skip_bad_rows {
            BadRows::Skip
        } else {
            BadRows::Fail
        },
        history: optional_input("--history", d.history.clone())?,
    })
}

fn tuning(d: &DataArgs, exponents_env: Option<String>) -> Result<TuningPlan, PlanError> {
    if let Some(value) = exponents_env {
        return Err(PlanError::ExponentsInEnvironment { value });
    }
    if d.no_tune {
        if d.tune_train.is_some() {
            return Err(PlanError::NoTuneConflict {
                flag: "--tune-train/--tune-valid",
            });
        }
        if !d.exponents.is_empty() {
            return Err(PlanError::NoTuneConflict {
                flag: "--exponents",
            });
        }
        if d.ranker.is_some_and(|r| r != RankerMode::Off) || d.ranker_data.is_some() {
            return Err(PlanError::NoTuneConflict { flag: "--ranker" });
        }
    }
    let exponents = if d.exponents.is_empty() {
        DEFAULT_EXPONENTS.to_vec()
    } else {
        d.exponents
            .iter()
            .filter(|e| !e.trim().is_empty())
            .map(|e| e.parse())
            .collect::<Result<Vec<_>, _>>()
            .map_err(PlanError::Exponents)?
    };
    let source = match (&d.tune_train, &d.tune_valid) {
        _ if d.no_tune => TuningSource::Off,
        (Some(t), Some(v)) => TuningSource::Files {
            train: input("--tune-train", t.clone())?,
            valid: input("--tune-valid", v.clone())?,
        },
        // clap's `requires` makes the two come together.
        _ => TuningSource::Holdout,
    };
    Ok(TuningPlan {
        source,
        exponents,
        ranker: RankerSettings {
            mode: d.ranker.unwrap_or_default(),
            dump: d.ranker_data.clone(),
            ..RankerSettings::default()
        },
    })
}

/// `--pair-counts`: no tuning (the table has no sessions to tune on), and
/// the one exponent pair the SQL normalised with.
fn pair_count_config(
    d: &DataArgs,
    exponents_env: Option<String>,
) -> Result<(TuningPlan, TrainConfig), PlanError> {
    let needs_events = [
        (d.tune_train.is_some(), "--tune-train/--tune-valid"),
        (d.history.is_some(), "--history"),
        (
            d.ranker.is_some_and(|r| r != RankerMode::Off) || d.ranker_data.is_some(),
            "--ranker",
        ),
    ];
    if let Some((_, flag)) = needs_events.iter().find(|(given, _)| *given) {
        return Err(PlanError::PairCountsConflict { flag });
    }
    let mut plan = tuning(
        &DataArgs {
            exponents: Vec::new(),
            no_tune: true,
            ..d.clone()
        },
        exponents_env,
    )?;
    let given: Vec<Exponents> = d
        .exponents
        .iter()
        .filter(|e| !e.trim().is_empty())
        .map(|e| e.parse())
        .collect::<Result<_, _>>()
        .map_err(PlanError::Exponents)?;
    let mut cfg = config(d)?;
    match given.as_slice() {
        [] => {}
        [e] => {
            cfg.source_exponent = e.source;
            cfg.target_exponent = e.target;
        }
        _ => return Err(PlanError::PairCountsExponents { given: given.len() }),
    }
    plan.exponents = vec![Exponents {
        source: cfg.source_exponent,
        target: cfg.target_exponent,
    }];
    Ok((plan, cfg))
}

fn config(d: &DataArgs) -> Result<TrainConfig, PlanError> {
    if !(1..=u16::MAX as usize).contains(&d.neighbours) {
        return Err(PlanError::Neighbours(d.neighbours));
    }
    Ok(TrainConfig {
        max_neighbours: d.neighbours,
        ..TrainConfig::default()
    })
}

fn baselines(given: &str) -> Result<Vec<Baseline>, PlanError> {
    let names: Vec<&str> = given
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .collect();
    if names.contains(&"none") {
        return if names.len() == 1 {
            Ok(Vec::new())
        } else {
            Err(PlanError::NoneWithOthers {
                given: given.to_string(),
            })
        };
    }
    let mut out = Vec::new();
    for name in names {
        let b = Baseline::parse(name).ok_or_else(|| PlanError::UnknownBaseline {
            name: name.to_string(),
        })?;
        if !out.contains(&b) {
            out.push(b);
        }
    }
    Ok(out)
}

impl Plan {
    /// Validates a parsed command line. `exponents_env` is the value of the
    /// retired `XSELL_EXPONENTS` variable, if set.
    pub fn from_args(cli: Cli, exponents_env: Option<String>) -> Result<Plan, PlanError> {
        Ok(match cli.command {
            Command::Train {
                events,
                pair_counts,
                params_from,
                out,
                data,
            } => {
                if data.no_tune && data.history.is_some() {
                    // Training reads the history only to tune its weights.
                    return Err(PlanError::NoTuneConflict { flag: "--history" });
                }
                let (source, tuning, config) = match (events, pair_counts) {
                    (_, Some(p)) => {
                        let (tuning, config) = pair_count_config(&data, exponents_env)?;
                        (
                            TrainSource::PairCounts(
                                input("--pair-counts", p)?,
                                optional_input("--params-from", params_from)?,
                            ),
                            tuning,
                            config,
                        )
                    }
                    (Some(_), None) if params_from.is_some() => {
                        return Err(PlanError::ParamsFromWithoutPairCounts)
                    }
                    (Some(e), None) => (
                        TrainSource::Events(input("--events", e)?),
                        tuning(&data, exponents_env)?,
                        config(&data)?,
                    ),
                    // clap's `required_unless_present` gives one of them.
                    (None, None) => {
                        return Err(PlanError::MissingInput {
                            flag: "--events",
                            path: PathBuf::new(),
                        })
                    }
                };
                let plan = TrainPlan {
                    source,
                    out: output("--out", out)?,
                    inputs: inputs(&data)?,
                    tuning,
                    config,
                };
                let mut files = vec![("--out", plan.out.as_path())];
                match &plan.source {
                    TrainSource::Events(p) => files.push(("--events", p)),
                    TrainSource::PairCounts(p, from) => {
                        files.push(("--pair-counts", p));
                        if let Some(m) = from {
                            files.push(("--params-from", m));
                        }
                    }
                }
                if let Some((c, _)) = &plan.inputs.catalog {
                    files.push(("--catalog", c));
                }
                distinct(&files, "the model would overwrite an input")?;
                Plan::Train(plan)
            }
            Command::Eval {
                train,
                test,
                save_recs,
                baselines: which,
                json,
                model_out,
                theta_curve,
                data,
            } => {
                let plan = EvalPlan {
                    train: input("--train", train)?,
                    test: input("--test", test)?,
                    inputs: inputs(&data)?,
                    tuning: tuning(&data, exponents_env)?,
                    config: config(&data)?,
                    baselines: baselines(&which)?,
                    outputs: EvalOutputs {
                        save_recs: save_recs.map(|p| output("--save-recs", p)).transpose()?,
                        json: json.map(|p| output("--json", p)).transpose()?,
                        model_out: model_out.map(|p| output("--model-out", p)).transpose()?,
                        theta_curve,
                    },
                };
                plan.check_files()?;
                Plan::Eval(plan)
            }
            Command::Inspect { model, links } => {
                let plan = InspectPlan {
                    model: input("model", model)?,
                    links: links.map(|l| output("--links", l)).transpose()?,
                };
                if let Some(l) = &plan.links {
                    distinct(
                        &[("model", &plan.model), ("--links", l)],
                        "--links would overwrite the model",
                    )?;
                }
                Plan::Inspect(plan)
            }
            Command::Recommend { model, items, n } => {
                if !(1..=24).contains(&n) {
                    return Err(PlanError::Count(n));
                }
                Plan::Recommend(RecommendPlan {
                    model: input("--model", model)?,
                    items,
                    n,
                })
            }
            Command::Email {
                model,
                recipients,
                recipients_format,
                campaign,
                shop_url,
                slots,
                control,
                control_block,
                survey,
                rotation,
                rotation_days,
                recent_days,
                heading,
                currency,
                previews,
                now,
                out,
                skip_bad_rows,
            } => {
                use xsell_core::email::{check_shop_url, valid_campaign, EmailArm};
                if !valid_campaign(&campaign) {
                    return Err(PlanError::Campaign(campaign));
                }
                let shop = check_shop_url(&shop_url).ok_or(PlanError::ShopUrl(shop_url))?;
                if !(1..=8).contains(&slots) {
                    return Err(PlanError::EmailSlots(slots));
                }
                if control > 50 {
                    return Err(PlanError::Control(control));
                }
                if heading.is_empty() || heading.len() > 120 || currency.len() > 8 {
                    return Err(PlanError::Heading);
                }
                let now_ms = now
                    .map(|t| xsell_cli::email::recipients::parse_time(&t).map_err(PlanError::Now))
                    .transpose()?;
                if let Some(r) = &rotation {
                    output("--rotation", r.clone())?;
                }
                Plan::Email(EmailPlan {
                    model: input("--model", model)?,
                    recipients: (input("--recipients", recipients)?, recipients_format),
                    rotation,
                    recent_days,
                    previews: previews.min(20),
                    now_ms,
                    out: output_dir("--out", out)?,
                    bad_rows: if skip_bad_rows {
                        BadRows::Skip
                    } else {
                        BadRows::Fail
                    },
                    settings: xsell_cli::email::CampaignSettings {
                        campaign,
                        shop,
                        slots,
                        control_percent: control,
                        control: match control_block {
                            crate::args::ControlBlock::Legacy => EmailArm::Legacy,
                            crate::args::ControlBlock::None => EmailArm::NoBlock,
                        },
                        survey,
                        heading,
                        currency,
                        rotation_ms: u64::from(rotation_days) * xsell_core::shopper::MS_PER_DAY,
                    },
                })
            }
            Command::Attribution {
                paths,
                json,
                resamples,
                seed,
                skip_bad_rows,
            } => {
                if resamples > 100_000 {
                    return Err(PlanError::Resamples(resamples));
                }
                Plan::Attribution(AttributionPlan {
                    paths: input("--paths", paths)?,
                    json: match json {
                        Some(Some(f)) => Some(Some(output("--json", f)?)),
                        other => other,
                    },
                    resamples,
                    seed,
                    bad_rows: if skip_bad_rows {
                        BadRows::Skip
                    } else {
                        BadRows::Fail
                    },
                })
            }
            Command::Experiment { action } => match action {
                ExperimentAction::Check { file } => Plan::ExperimentCheck(input("file", file)?),
                ExperimentAction::Add {
                    file,
                    name,
                    placement,
                    start,
                    end,
                    arms,
                    placements,
                } => Plan::ExperimentAdd(ExperimentAddPlan {
                    file: output("file", file)?,
                    new: xsell_cli::experiment_file::NewExperiment {
                        name,
                        placement,
                        start,
                        end,
                        arms: arms.iter().map(|a| a.parse()).collect::<Result<_, _>>()?,
                    },
                    placements: optional_input("--placements", placements)?,
                }),
            },
            Command::Simulate {
                model,
                shoppers,
                demand,
                orders,
                past,
                clients,
                days,
                seed,
                set,
                db,
                json,
                sensitivity,
            } => {
                use xsell_core::ParamGuard;
                if !(1..=10_000_000).contains(&clients) {
                    return Err(PlanError::Clients(clients));
                }
                if !(1..=366).contains(&days) {
                    return Err(PlanError::Days(days));
                }
                let mut behaviour = xsell_cli::simulate::behaviour::Behaviour::default();
                for kv in &set {
                    behaviour = behaviour.set(kv)?;
                }
                let behaviour = behaviour.check().map_err(PlanError::BehaviourRange)?;
                if let Some(db) = db.as_deref().filter(|d| !is_postgres(d)) {
                    let path = output("--db", PathBuf::from(db))?;
                    if path.exists() {
                        return Err(PlanError::StoreExists(path));
                    }
                }
                let plan = SimulatePlan {
                    model: input("--model", model)?,
                    shoppers: input("--shoppers", shoppers)?,
                    demand: input("--demand", demand)?,
                    orders: input("--orders", orders)?,
                    past: optional_input("--past", past)?,
                    clients,
                    days,
                    seed,
                    behaviour,
                    db,
                    json: json.map(|p| output("--json", p)).transpose()?,
                    sensitivity,
                };
                distinct(
                    &[("--shoppers", &plan.shoppers), ("--demand", &plan.demand)],
                    "the next orders must be other orders than the baskets (Instacart: train_valid.txt and test.txt)",
                )?;
                Plan::Simulate(plan)
            }
            Command::Serve {
                addr,
                db,
                model,
                placements,
                experiments,
                admin_token_file,
                origins,
                per_source_per_day,
                client_ip_header,
            } => {
                for o in &origins {
                    let rest = o
                        .strip_prefix("https://")
                        .or_else(|| o.strip_prefix("http://"));
                    if rest.is_none_or(|r| r.is_empty() || r.contains('/')) {
                        return Err(PlanError::Origin(o.clone()));
                    }
                }
                if !is_postgres(&db) {
                    output("--db", PathBuf::from(&db))?;
                }
                Plan::Serve(ServePlan {
                    addr,
                    db,
                    model: optional_input("--model", model)?,
                    placements: optional_input("--placements", placements)?,
                    experiments: optional_input("--experiments", experiments)?,
                    admin_token_file: optional_input("--admin-token-file", admin_token_file)?,
                    origins,
                    per_source_per_day: (per_source_per_day > 0).then_some(per_source_per_day),
                    client_ip_header,
                })
            }
        })
    }
}

impl EvalPlan {
    /// The test set stays out of training and tuning, and no output
    /// overwrites an input or another output.
    fn check_files(&self) -> Result<(), PlanError> {
        distinct(
            &[("--train", &self.train), ("--test", &self.test)],
            "scoring a model on its own training data overstates its accuracy; give the held-out test split",
        )?;
        if let TuningSource::Files { train, valid } = &self.tuning.source {
            distinct(
                &[
                    ("--test", &self.test),
                    ("--tune-train", train),
                    ("--tune-valid", valid),
                ],
                "tuning must never see the test set; tune on a split of the training data (train_tr / train_valid)",
            )?;
        }
        let mut files: Vec<(&'static str, &Path)> =
            vec![("--train", &self.train), ("--test", &self.test)];
        if let Some((c, _)) = &self.inputs.catalog {
            files.push(("--catalog", c));
        }
        if let Some(h) = &self.inputs.history {
            files.push(("--history", h));
        }
        let o = &self.outputs;
        for (flag, p) in [
            ("--save-recs", &o.save_recs),
            ("--json", &o.json),
            ("--model-out", &o.model_out),
        ] {
            if let Some(p) = p {
                files.push((flag, p));
            }
        }
        distinct(
            &files,
            "give each output its own path, apart from the inputs",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    struct Files {
        dir: tempfile::TempDir,
    }

    impl Files {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            for f in ["train.txt", "test.txt", "tr.txt", "valid.txt"] {
                std::fs::write(dir.path().join(f), "SessionId\tItemId\tTime\n").unwrap();
            }
            Self { dir }
        }
        fn p(&self, name: &str) -> String {
            self.dir.path().join(name).to_string_lossy().into_owned()
        }
        fn eval(&self, extra: &[&str]) -> Result<Plan, PlanError> {
            let mut argv = vec![
                "xsell".to_string(),
                "eval".into(),
                "--train".into(),
                self.p("train.txt"),
                "--test".into(),
                self.p("test.txt"),
            ];
            argv.extend(extra.iter().map(|s| s.to_string()));
            Plan::from_args(Cli::try_parse_from(argv).unwrap(), None)
        }
    }

    fn eval_plan(p: Result<Plan, PlanError>) -> EvalPlan {
        match p {
            Ok(Plan::Eval(e)) => e,
            other => panic!("expected an eval plan, got {other:?}"),
        }
    }

    #[test]
    fn the_main_job_command_line_is_a_valid_plan() {
        let f = Files::new();
        let (tr, va, out) = (f.p("tr.txt"), f.p("valid.txt"), f.p("recs.csv"));
        let e = eval_plan(f.eval(&[
            "--tune-train",
            &tr,
            "--tune-valid",
            &va,
            "--save-recs",
            &out,
            "--theta-curve",
        ]));
        assert!(matches!(e.tuning.source, TuningSource::Files { .. }));
        assert_eq!(e.tuning.exponents, DEFAULT_EXPONENTS);
        assert_eq!(
            e.baselines,
            [
                Baseline::Pop,
                Baseline::Ar,
                Baseline::Sr,
                Baseline::Iknn,
                Baseline::Vsknn
            ]
        );
        assert!(e.outputs.theta_curve);
    }

    #[test]
    fn a_missing_input_names_the_flag_and_the_path() {
        let f = Files::new();
        let nope = f.p("nope.csv");
        let e = f.eval(&["--catalog", &nope]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("--catalog") && msg.contains("nope.csv"),
            "{msg}"
        );
    }

    #[test]
    fn outputs_need_an_existing_directory() {
        let f = Files::new();
        let out = f.p("no/such/dir/recs.csv");
        let msg = f.eval(&["--save-recs", &out]).unwrap_err().to_string();
        assert!(
            msg.contains("--save-recs") && msg.contains("create it first"),
            "{msg}"
        );
    }

    #[test]
    fn the_test_set_never_trains_or_tunes() {
        let f = Files::new();
        let (test, tr) = (f.p("test.txt"), f.p("tr.txt"));
        let msg = f
            .eval(&["--tune-train", &tr, "--tune-valid", &test])
            .unwrap_err()
            .to_string();
        assert!(msg.contains("never see the test set"), "{msg}");
        let argv = [
            "xsell",
            "eval",
            "--train",
            &test,
            "--test",
            &test,
            "--baselines",
            "none",
        ];
        let msg = Plan::from_args(Cli::try_parse_from(argv).unwrap(), None)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("overstates"), "{msg}");
    }

    #[test]
    fn an_output_never_overwrites_an_input() {
        let f = Files::new();
        let train = f.p("train.txt");
        let msg = f.eval(&["--json", &train]).unwrap_err().to_string();
        assert!(msg.contains("--json") && msg.contains("own path"), "{msg}");
    }

    #[test]
    fn baselines_are_checked_and_deduplicated() {
        let f = Files::new();
        assert_eq!(
            eval_plan(f.eval(&["--baselines", "vsknn, ar,vsknn"])).baselines,
            [Baseline::Vsknn, Baseline::Ar]
        );
        assert!(eval_plan(f.eval(&["--baselines", "none"]))
            .baselines
            .is_empty());
        let msg = f
            .eval(&["--baselines", "ar,gru4rec"])
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("`gru4rec`") && msg.contains("choose from"),
            "{msg}"
        );
        assert!(matches!(
            f.eval(&["--baselines", "none,pop"]),
            Err(PlanError::NoneWithOthers { .. })
        ));
    }

    #[test]
    fn exponents_are_a_flag_and_only_with_tuning() {
        let f = Files::new();
        let e = eval_plan(f.eval(&["--exponents", "0.5,0.25;1,0.5"]));
        assert_eq!(
            e.tuning.exponents,
            [
                Exponents {
                    source: 0.5,
                    target: 0.25
                },
                Exponents {
                    source: 1.0,
                    target: 0.5
                }
            ]
        );
        let e = eval_plan(f.eval(&["--exponents", "0.5,0.25", "--exponents", "1,0.5"]));
        assert_eq!(e.tuning.exponents.len(), 2);
        let msg = f.eval(&["--exponents", "0.5"]).unwrap_err().to_string();
        assert!(
            msg.contains("--exponents") && msg.contains("SOURCE,TARGET"),
            "{msg}"
        );
        assert!(matches!(
            f.eval(&["--no-tune", "--exponents", "0.5,0.25"]),
            Err(PlanError::NoTuneConflict { .. })
        ));
        let cli = Cli::try_parse_from([
            "xsell",
            "eval",
            "--train",
            &f.p("train.txt"),
            "--test",
            &f.p("test.txt"),
        ])
        .unwrap();
        let msg = Plan::from_args(cli, Some("0.5,0.25".into()))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("--exponents '0.5,0.25'"), "{msg}");
    }

    #[test]
    fn combinations_that_do_nothing_are_refused() {
        let f = Files::new();
        assert!(matches!(
            f.eval(&["--neighbours", "0"]),
            Err(PlanError::Neighbours(0))
        ));
        let cli = Cli::try_parse_from([
            "xsell",
            "train",
            "--no-tune",
            "--events",
            &f.p("train.txt"),
            "--history",
            &f.p("tr.txt"),
        ])
        .unwrap();
        assert!(matches!(
            Plan::from_args(cli, None),
            Err(PlanError::NoTuneConflict { flag: "--history" })
        ));
        let cli = Cli::try_parse_from(["xsell", "recommend", "--model", &f.p("tr.txt"), "-n", "0"])
            .unwrap();
        assert!(matches!(
            Plan::from_args(cli, None),
            Err(PlanError::Count(0))
        ));
    }
}
