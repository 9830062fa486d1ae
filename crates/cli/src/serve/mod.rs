//! `xsell serve`: the collector. A real HTTP server (axum on tokio) that
//! receives noised reports, stores them durably (embedded SQLite by
//! default, PostgreSQL when one machine is not enough), answers
//! debiased KPIs, and serves the model file with long-lived caching.
//!
//! - `POST /v1/reports`: strict validation ([`Report::parse`]); 204 only
//!   after the report is committed — or, for a report id already stored (a
//!   widget's retry), once the earlier copy is: each id is stored and
//!   counted once ([`store::Stored`]); 400 for anything malformed (nothing
//!   stored); 413 above 4 KiB; 429 when the global rate limit is hit (the
//!   limit is a single token bucket, so no address is ever stored) and 503
//!   past [`ServeConfig::max_in_flight`] reports being stored or when
//!   storage fails, both at once and with `Retry-After`; 403
//!   from a browser on an origin that is not the shop's; CORS for the
//!   shop's origins ([`cors`]).
//! - `GET /v1/stats?day=YYYY-MM-DD[&placement=name]`: [`stats::Stats`]
//!   and the day's [`plausible::Plausibility`] (forged-report checks).
//! - `GET /v1/experiments/{name}?from=YYYY-MM-DD&to=YYYY-MM-DD[&control=arm]`:
//!   [`experiment::Analysis`], the arms' KPIs, each arm against the control
//!   and the sample-ratio check (the range defaults to the experiment's
//!   days when the experiment file is served); `GET /v1/experiments`: the
//!   experiments of the served file (an empty list without one).
//! - `GET /v1/experiments/duration?epsilon&clients&arms|weights&metric&baseline&impressions&effect`:
//!   [`duration::Duration`], the days an experiment needs with the privacy
//!   noise and without it (the name `duration` is therefore refused for an
//!   experiment in the served file).
//! - `GET /model.xsm`: the model, `ETag` from its CRC, `immutable`.
//! - `GET /placements.json`, `GET /experiments.json`: the shop's placement
//!   configs and experiments (checked at start), `ETag` from their CRC,
//!   cached for five minutes.

pub mod attribution;
pub mod auth;
pub mod chi2;
pub mod cors;
pub mod duration;
pub mod experiment;
pub mod plausible;
pub mod sequential;
pub mod sources;
pub mod stats;
pub mod store;
pub mod tally;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use xsell_core::privacy::report::{Report, MAX_REPORT_BYTES};

pub use auth::AdminToken;
pub use store::{Filter, PgStore, SqliteStore, Store, StoreError, Stored};

/// The path segment of the duration calculator under `/v1/experiments/`,
/// which an experiment of that name could not be analysed under.
const RESERVED_NAME: &str = "duration";

/// The JSON files served beside the model, each checked when it is read
/// ([`Configs::read`]).
#[derive(Debug, Clone, Default)]
pub struct Configs {
    /// `/placements.json`.
    pub placements: Option<String>,
    /// `/experiments.json`.
    pub experiments: Option<String>,
}

impl Configs {
    /// Reads and checks the files; the error names the file and the field.
    pub fn read(
        placements: Option<&std::path::Path>,
        experiments: Option<&std::path::Path>,
    ) -> Result<Self, String> {
        use xsell_core::shopper::{Experiments, Placements};
        use xsell_core::Valid;
        let read = |p: &std::path::Path| {
            std::fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))
        };
        let placements = match placements {
            Some(p) => {
                let t = read(p)?;
                Valid::<Placements>::from_json(&t)
                    .map_err(|e| format!("{}: {e}; fix it and start again", p.display()))?;
                Some(t)
            }
            None => None,
        };
        let experiments = match experiments {
            Some(p) => {
                let t = read(p)?;
                let file = Valid::<Experiments>::from_json(&t)
                    .map_err(|e| format!("{}: {e}; fix it and start again", p.display()))?;
                if file
                    .get()
                    .experiments
                    .iter()
                    .any(|e| e.name == RESERVED_NAME)
                {
                    return Err(format!(
                        "{}: the experiment name `{RESERVED_NAME}` is taken by the collector's duration calculator (GET /v1/experiments/{RESERVED_NAME}); rename the experiment and start again",
                        p.display()
                    ));
                }
                Some(t)
            }
            None => None,
        };
        Ok(Self {
            placements,
            experiments,
        })
    }
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Reports per second accepted in total (token bucket, burst = one second).
    pub rate_per_second: f64,
    /// The admin routes' bearer token (default: a random one).
    pub admin_token: AdminToken,
    /// The report days accepted around the server's UTC date (`None`: any
    /// real calendar day, for tests and simulations of past days).
    pub day_window: Option<DayWindow>,
    /// The shop's origins (`https://shop.example`): a report whose
    /// `Origin` header names another is refused (403). Empty: any origin.
    /// A report without the header (not sent by a browser) is accepted:
    /// the check stops other sites' pages from posting through their
    /// visitors' browsers, not a sender that forges headers.
    pub origins: Vec<String>,
    /// Reports being stored at once at most ([`DEFAULT_MAX_IN_FLIGHT`]);
    /// past it a report is refused at once (503 with `Retry-After`)
    /// instead of waiting, so what is accepted is stored quickly and
    /// waiting requests cannot pile up in memory.
    pub max_in_flight: usize,
    /// Reports a day from one source at most ([`sources`]); `None`: no
    /// cap (the library's default, for tests and tools that send from
    /// loopback; `xsell serve` caps at 5,000).
    pub per_source_per_day: Option<u32>,
    /// The header holding the client's address behind a proxy (its last
    /// entry); `None`: the connection's address.
    pub client_ip_header: Option<String>,
}

/// Reports in flight at most by default: about 10 ms of SQLite commits
/// at the sustained rate on the reference machine (README, "Load").
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

/// Seconds a refused sender is asked to wait (`Retry-After`).
const RETRY_AFTER_SECONDS: &str = "1";

/// Which report days the collector stores: from `days_back` days before its
/// own UTC date (the window a widget retries an unacknowledged report in)
/// to `days_ahead` after it (clock skew). A day outside is refused (400),
/// never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayWindow {
    /// Days before today.
    pub days_back: u32,
    /// Days after today.
    pub days_ahead: u32,
}

impl Default for DayWindow {
    fn default() -> Self {
        Self {
            days_back: 7,
            days_ahead: 1,
        }
    }
}

/// Why a report's day is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    /// Not a day of the calendar.
    #[error("day {0:?} is not a calendar date (YYYY-MM-DD)")]
    NotADate(String),
    /// Too old or in the future.
    #[error("day {day} is outside the days this collector accepts ({from} to {to}, around its UTC date {today})")]
    OutsideWindow {
        /// The report's day.
        day: String,
        /// First day accepted.
        from: String,
        /// Last day accepted.
        to: String,
        /// The server's day.
        today: String,
    },
}

impl DayWindow {
    /// Checks `day` against the window around `today` (`None`: only that
    /// it is a real date).
    pub fn check(
        window: Option<Self>,
        day: &str,
        today: jiff::civil::Date,
    ) -> Result<(), DayError> {
        let d: jiff::civil::Date = day
            .parse()
            .map_err(|_| DayError::NotADate(day.to_string()))?;
        let Some(w) = window else {
            return Ok(());
        };
        let shift = |n: i64| {
            today
                .checked_add(jiff::Span::new().days(n))
                .unwrap_or(today)
        };
        let (from, to) = (
            shift(-i64::from(w.days_back)),
            shift(i64::from(w.days_ahead)),
        );
        if d < from || d > to {
            return Err(DayError::OutsideWindow {
                day: day.to_string(),
                from: from.to_string(),
                to: to.to_string(),
                today: today.to_string(),
            });
        }
        Ok(())
    }
}

/// Today as days since 1970-01-01 (UTC), by the system clock.
fn today_number() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

/// The server's UTC date.
pub fn utc_today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            rate_per_second: 5_000.0,
            admin_token: AdminToken::random(),
            day_window: Some(DayWindow::default()),
            origins: Vec::new(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            per_source_per_day: None,
            client_ip_header: None,
        }
    }
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Shared state of the handlers.
pub struct AppState {
    store: Store,
    model: Option<Vec<u8>>,
    configs: Configs,
    config: ServeConfig,
    bucket: Mutex<Bucket>,
    in_flight: tokio::sync::Semaphore,
    sources: Option<Mutex<sources::Caps>>,
}

impl AppState {
    /// State over a store and an optional model file.
    pub fn new(store: Store, model: Option<Vec<u8>>, config: ServeConfig) -> Arc<Self> {
        Self::with_configs(store, model, Configs::default(), config)
    }

    /// State that also serves the shop's placement configs and experiments.
    pub fn with_configs(
        store: Store,
        model: Option<Vec<u8>>,
        configs: Configs,
        config: ServeConfig,
    ) -> Arc<Self> {
        let tokens = config.rate_per_second;
        let in_flight = tokio::sync::Semaphore::new(config.max_in_flight);
        let sources = config
            .per_source_per_day
            .map(|n| Mutex::new(sources::Caps::new(n)));
        Arc::new(Self {
            sources,
            store,
            model,
            configs,
            in_flight,
            config,
            bucket: Mutex::new(Bucket {
                tokens,
                last: Instant::now(),
            }),
        })
    }

    fn take_token(&self) -> bool {
        let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let rate = self.config.rate_per_second;
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(rate);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Days before this one (`YYYY-MM-DD`) take no more reports: the
    /// window's first day less one more, for a report committed at
    /// midnight. `None` without a window (tests and simulations of past
    /// days), so no day is ever rolled up there.
    pub fn closed_before(&self) -> Option<String> {
        let w = self.config.day_window?;
        let back = jiff::Span::new().days(i64::from(w.days_back) + 1);
        utc_today().checked_sub(back).ok().map(|d| d.to_string())
    }

    /// The store (for tests and tools).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The admin token (for the banner at start, tests and tools).
    pub fn admin_token(&self) -> &AdminToken {
        &self.config.admin_token
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the shoppers' browsers (reports) and the widget's files.
    Public,
    /// The shop: needs the admin token ([`auth`]).
    Admin,
}

/// Every route of the collector with who may call it. [`router`] is built
/// from this table, and a test calls every admin route without the token,
/// so a new route cannot slip out unprotected.
pub fn routes() -> Vec<(&'static str, Access, MethodRouter<Arc<AppState>>)> {
    use Access::{Admin, Public};
    vec![
        ("/v1/reports", Public, post(post_report)),
        ("/v1/stats", Admin, get(get_stats)),
        ("/v1/attribution", Admin, get(get_attribution)),
        ("/v1/experiments", Admin, get(list_experiments)),
        ("/v1/experiments/duration", Admin, get(get_duration)),
        ("/v1/experiments/{name}", Admin, get(get_experiment)),
        ("/model.xsm", Public, get(get_model)),
        ("/placements.json", Public, get(get_placements)),
        ("/experiments.json", Public, get(get_experiments)),
    ]
}

/// The router: the [`routes`] table, the admin ones behind the token, and
/// security headers on every answer.
pub fn router(state: Arc<AppState>) -> Router {
    let (mut public, mut admin) = (Router::new(), Router::new());
    for (path, access, method) in routes() {
        match access {
            Access::Public => public = public.route(path, method),
            Access::Admin => admin = admin.route(path, method),
        }
    }
    let admin = admin.route_layer(axum::middleware::from_fn_with_state(
        state.admin_token().clone(),
        auth::require,
    ));
    let header = |name, value: &'static str| {
        tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            name,
            header::HeaderValue::from_static(value),
        )
    };
    public
        .merge(admin)
        .layer(DefaultBodyLimit::max(MAX_REPORT_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::layer,
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .with_state(state)
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// A refusal for load (429, 503) that asks the sender to come back later.
fn busy(status: StatusCode, message: String) -> Response {
    let mut r = error(status, message);
    r.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    r
}

/// The client's address: the last entry of the configured header (the one
/// the trusted proxy added), else the connection's.
fn client_ip(
    header: Option<&str>,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> Option<std::net::IpAddr> {
    match header {
        Some(name) => headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|s| s.trim().parse().ok()),
        None => extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip()),
    }
}

/// Seconds until the next UTC day, when a capped source may send again.
fn seconds_to_next_day() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    86_400 - now % 86_400
}

pub(crate) async fn post_report(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Response {
    let origins = &state.config.origins;
    if let Some(origin) = headers.get(header::ORIGIN) {
        let known = origin
            .to_str()
            .is_ok_and(|o| origins.is_empty() || origins.iter().any(|k| k == o));
        if !known {
            return error(
                StatusCode::FORBIDDEN,
                "reports are accepted from the shop's own origins only".into(),
            );
        }
    }
    if let Some(caps) = &state.sources {
        // A request whose source cannot be read (no connection address,
        // a proxy header missing or malformed) is not capped.
        let ip = client_ip(
            state.config.client_ip_header.as_deref(),
            &headers,
            &extensions,
        );
        let over = ip.is_some_and(|ip| {
            let mut caps = caps.lock().unwrap_or_else(|e| e.into_inner());
            caps.admit(today_number(), ip) == sources::Admit::OverCap
        });
        if over {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "this source has sent its reports for today; retry tomorrow".into(),
            );
            if let Ok(v) = header::HeaderValue::from_str(&seconds_to_next_day().to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
    }
    if !state.take_token() {
        return busy(
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit reached; retry later".into(),
        );
    }
    // Held until the report is stored (or refused).
    let Ok(_storing) = state.in_flight.try_acquire() else {
        return busy(
            StatusCode::SERVICE_UNAVAILABLE,
            "the collector is at capacity; retry later".into(),
        );
    };
    let report = match Report::parse(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    if let Err(e) = DayWindow::check(state.config.day_window, &report.day, utc_today()) {
        return error(StatusCode::BAD_REQUEST, e.to_string());
    }
    // A duplicate id is acknowledged like a new report: its first copy is
    // committed, and the widget only needs to know it may stop sending.
    match state.store.insert(&report).await {
        Ok(Stored::New | Stored::Duplicate) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => busy(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("storage failed, report not stored: {e}"),
        ),
    }
}

async fn get_attribution(
    State(state): State<Arc<AppState>>,
    Query(q): Query<attribution::AttributionQuery>,
) -> Response {
    let now = today_number() * xsell_core::shopper::MS_PER_DAY;
    let days = match attribution::days(&q, now) {
        Ok(d) => d,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match attribution::answer(&state.store, days, state.closed_before().as_deref()).await {
        Ok(a) => Json(a).into_response(),
        Err(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("storage failed: {e}"),
        ),
    }
}

#[derive(serde::Deserialize)]
struct StatsQuery {
    day: String,
    placement: Option<String>,
}

/// The answer of `/v1/stats`: the estimates, and whether the reports
/// could all have come from honest widgets ([`plausible`]).
#[derive(serde::Serialize)]
struct DayStats {
    #[serde(flatten)]
    stats: stats::Stats,
    plausibility: plausible::Plausibility,
}

async fn get_stats(State(state): State<Arc<AppState>>, Query(q): Query<StatsQuery>) -> Response {
    let filter = Filter {
        placement: q.placement,
        ..Filter::day(&q.day)
    };
    let closed = state.closed_before();
    match state.store.tallies(&filter, closed.as_deref()).await {
        Ok(tallies) => Json(DayStats {
            stats: stats::compute(tallies.values()),
            plausibility: plausible::check(tallies.values()),
        })
        .into_response(),
        Err(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("storage failed: {e}"),
        ),
    }
}

impl AppState {
    /// The served experiment file, parsed (it was checked at start).
    fn experiment_file(&self) -> Option<xsell_core::shopper::Experiments> {
        let text = self.configs.experiments.as_deref()?;
        xsell_core::Valid::<xsell_core::shopper::Experiments>::from_json(text)
            .ok()
            .map(xsell_core::Valid::into_inner)
    }
}

#[derive(serde::Serialize)]
struct ExperimentSummary {
    name: String,
    placement: String,
    start: String,
    end: String,
    arms: Vec<ArmSummary>,
}

#[derive(serde::Serialize)]
struct ArmSummary {
    name: String,
    weight: u32,
    kind: xsell_core::shopper::ArmKind,
}

/// The experiments of the served file, without the arms' configs (those
/// are at `/experiments.json`): what the dashboard offers to analyse.
async fn list_experiments(State(state): State<Arc<AppState>>) -> Response {
    let experiments: Vec<ExperimentSummary> = state
        .experiment_file()
        .map(|f| f.experiments)
        .unwrap_or_default()
        .into_iter()
        .map(|e| ExperimentSummary {
            arms: e
                .arms
                .into_iter()
                .map(|a| ArmSummary {
                    name: a.name,
                    weight: a.weight,
                    kind: a.kind,
                })
                .collect(),
            name: e.name,
            placement: e.placement,
            start: e.start,
            end: e.end,
        })
        .collect();
    Json(serde_json::json!({
        "file_served": state.configs.experiments.is_some(),
        "experiments": experiments,
    }))
    .into_response()
}

/// The duration calculator; 400 with what to fix for a bad query.
async fn get_duration(Query(q): Query<duration::DurationQuery>) -> Response {
    match q.check() {
        Ok(plan) => Json(plan.duration()).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

#[derive(serde::Deserialize)]
struct ExperimentQuery {
    from: Option<String>,
    to: Option<String>,
    control: Option<String>,
}

async fn get_experiment(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<ExperimentQuery>,
) -> Response {
    use experiment::{ExperimentError, Request};
    let file = state.experiment_file();
    let configured = file
        .as_ref()
        .and_then(|f| f.experiments.iter().find(|e| e.name == name));
    let today = today_number();
    let request = match Request::check_at(
        &name,
        q.from.as_deref(),
        q.to.as_deref(),
        q.control.as_deref(),
        configured,
        Some(today),
    ) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let filter = Filter {
        experiment: Some(request.name.clone()),
        ..Filter::days(&request.from, &request.to)
    };
    let closed = state.closed_before();
    let tallies = match state.store.tallies(&filter, closed.as_deref()).await {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("storage failed: {e}"),
            )
        }
    };
    match experiment::analyze(&request, file.is_some(), configured, tallies) {
        Ok(a) => Json(a).into_response(),
        Err(e @ ExperimentError::NotFound { .. }) => error(StatusCode::NOT_FOUND, e.to_string()),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// `body` with `etag`, or 304 when the client already has it.
fn cached(
    headers: &HeaderMap,
    etag: String,
    content_type: &str,
    cache_control: &str,
    body: impl IntoResponse,
) -> Response {
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CACHE_CONTROL, cache_control.to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

async fn get_model(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let Some(bytes) = &state.model else {
        return error(
            StatusCode::NOT_FOUND,
            "no model configured (start with --model)".into(),
        );
    };
    // The model's own CRC-32 identifies its content; pages ask for
    // `/model.xsm?v=<crc>`, so a new model is a new URL.
    let etag = format!("\"xsm-{:08x}\"", xsell_core::checksum(bytes));
    cached(
        &headers,
        etag,
        "application/octet-stream",
        "public, max-age=31536000, immutable",
        bytes.clone(),
    )
}

fn get_config(text: Option<&String>, flag: &str, headers: &HeaderMap) -> Response {
    let Some(text) = text else {
        return error(
            StatusCode::NOT_FOUND,
            format!("not configured (start with {flag} FILE)"),
        );
    };
    // Configs change without a new URL: a short max-age, revalidated by ETag.
    let etag = format!("\"cfg-{:08x}\"", crc32fast::hash(text.as_bytes()));
    cached(
        headers,
        etag,
        "application/json",
        "public, max-age=300",
        text.clone(),
    )
}

async fn get_placements(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    get_config(state.configs.placements.as_ref(), "--placements", &headers)
}

async fn get_experiments(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    get_config(
        state.configs.experiments.as_ref(),
        "--experiments",
        &headers,
    )
}

/// Starts a collector on an ephemeral port of 127.0.0.1, in a background
/// thread with its own runtime, over the store `spec` (see [`Store::open`]);
/// for tests, the load generator and simulations. Returns its address and
/// state; the server lives as long as the process.
pub fn spawn_local(
    spec: &str,
    model: Option<Vec<u8>>,
    config: ServeConfig,
) -> Result<(std::net::SocketAddr, Arc<AppState>), StoreError> {
    spawn_local_with_configs(spec, model, Configs::default(), config)
}

/// [`spawn_local`] that also serves placement configs and experiments.
pub fn spawn_local_with_configs(
    spec: &str,
    model: Option<Vec<u8>>,
    configs: Configs,
    config: ServeConfig,
) -> Result<(std::net::SocketAddr, Arc<AppState>), StoreError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spec = spec.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
        rt.block_on(async move {
            let store = match Store::open(&spec).await {
                Ok(s) => s,
                Err(e) => return tx.send(Err(e)).unwrap_or(()),
            };
            let state = AppState::with_configs(store, model, configs, config);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            let addr = listener.local_addr().expect("a bound address");
            let _ = tx.send(Ok((addr, state.clone())));
            let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, app).await;
        });
    });
    rx.recv().map_err(|e| StoreError::Task(e.to_string()))?
}

/// Binds `addr` (loopback in every use here), prints `banner(url)` for the
/// bound address (port 0 picks a free one), and serves `app` until Ctrl-C.
pub async fn run(
    addr: std::net::SocketAddr,
    app: Router,
    banner: impl FnOnce(&str) -> String,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let app = app.layer(tower_http::compression::CompressionLayer::new());
    // One write, and a closed stderr (a log pipe gone) must not stop the
    // collector: the banner is best effort.
    let text = banner(&format!("http://{}", listener.local_addr()?)) + "\n";
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
