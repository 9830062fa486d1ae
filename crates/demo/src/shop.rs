//! The demo shop: server-rendered pages over the model's own catalogue
//! (Instacart product names, aisles and departments), generated product
//! images, and the widget from `dist/`. Every page is sent with a strict
//! Content-Security-Policy; the widget needs only `'wasm-unsafe-eval'`.
//!
//! - `/`, `/search?q=`, `/p/ID`, `/cart`, `/checkout`, `/dashboard`, `/bench`
//! - `/api/items?ids=a,b`: catalogue rows for the shop's own cart page
//! - `/img/ID.svg`: a generated tile (no outside downloads)
//! - `/static/*` (`www/`), `/xsell/*` (the script-tag build),
//!   `/npm/*` (the ES module build)
//! - `?widget=off` leaves the widget's script out (a baseline for the
//!   Core Web Vitals benchmark); `?model=synthetic-100k` loads the
//!   benchmark's synthetic 100k-item model.
//! - `?model=missing|corrupt` on any page points the widget at a missing or
//!   corrupted model (failure pages); `?esm=1` loads the widget as an ES
//!   module instead of the script tag.
//!
//! The catalogue is the model's, so it is not the shop's to trust: URLs go
//! through the widget's own policy ([`xsell_core::shopper::safe_url`]) when
//! the catalogue is read, and the pages are askama templates
//! (`templates/`), which escape every value they are given.

mod pages;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use xsell_core::shopper::{format_price, safe_url};

/// The CSP of every shop page: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What the demo shop puts before its prices (the JSON-LD says USD).
const CURRENCY: &str = "$";

/// One product of the shop, as the pages and `/api/items` show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Product {
    id: String,
    title: String,
    aisle: String,
    department: String,
    price_cents: Option<u32>,
    /// The product page, if the catalogue's URL passes the URL policy.
    url: Option<String>,
    /// The image, if the catalogue's URL passes the URL policy.
    image: Option<String>,
    #[serde(skip)]
    popularity: u8,
}

impl Product {
    /// The price as shown (`$3.99`), empty when the catalogue has none.
    fn price_text(&self) -> String {
        self.price_cents
            .map_or_else(String::new, |c| format_price(c, CURRENCY))
    }
}

/// The shop's catalogue and files.
pub struct Shop {
    products: Vec<Product>,
    index: HashMap<String, usize>,
    popular: Vec<usize>,
    www: PathBuf,
    dist: PathBuf,
    model_version: String,
    /// A version of the files under `/static`, `/xsell` and `/npm` (a
    /// CRC-32 over their contents at start): the pages ask for
    /// `?v=<version>`, so those URLs change with the files and can be
    /// cached for a year.
    asset_version: String,
    corrupt_model: Vec<u8>,
}

/// CRC-32 over the contents of every file in `dirs` (sorted by path; a
/// missing directory counts as empty), as 8 hex digits.
fn content_version(dirs: &[PathBuf]) -> String {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.to_vec();
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut h = crc32fast::Hasher::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(&std::fs::read(&f).unwrap_or_default());
    }
    format!("{:08x}", h.finalize())
}

impl Shop {
    /// Reads the catalogue out of the model.
    pub fn new(
        model_bytes: &[u8],
        www: PathBuf,
        dist: PathBuf,
    ) -> Result<Self, xsell_core::ModelError> {
        let m = xsell_core::Model::parse(model_bytes)?;
        let products: Vec<Product> = (0..m.len() as u32)
            .map(|i| {
                let aisle = m.item_category(i);
                let dept = aisle.and_then(|c| m.category_parent(c));
                Product {
                    id: m.item_id(i).to_string(),
                    title: m.item_title(i).to_string(),
                    aisle: aisle
                        .map(|c| m.category_name(c).to_string())
                        .unwrap_or_default(),
                    department: dept
                        .map(|c| m.category_name(c).to_string())
                        .unwrap_or_default(),
                    price_cents: m.item_price_cents(i),
                    // The same policy the widget applies to its cards: a
                    // `javascript:` or `data:` URL is dropped here, once,
                    // for every page and for `/api/items`.
                    url: safe_url(m.item_url(i), None),
                    image: safe_url(m.item_image(i), None),
                    popularity: m.item_popularity(i),
                }
            })
            .collect();
        let index = products
            .iter()
            .enumerate()
            .map(|(k, p)| (p.id.clone(), k))
            .collect();
        let mut popular: Vec<usize> = (0..products.len()).collect();
        popular.sort_by(|&a, &b| {
            products[b]
                .popularity
                .cmp(&products[a].popularity)
                .then(a.cmp(&b))
        });
        popular.truncate(48);
        let mut corrupt_model = model_bytes.to_vec();
        let mid = corrupt_model.len() / 2;
        corrupt_model[mid] ^= 0x55;
        let asset_version = content_version(&[www.clone(), dist.clone()]);
        Ok(Self {
            products,
            index,
            popular,
            www,
            dist,
            asset_version,
            model_version: format!("{:08x}", xsell_core::checksum(model_bytes)),
            corrupt_model,
        })
    }

    fn get(&self, id: &str) -> Option<&Product> {
        self.index.get(id).map(|&k| &self.products[k])
    }

    /// The most popular products, best first (the home page's grid).
    fn popular(&self) -> impl Iterator<Item = &Product> {
        self.popular.iter().map(|&k| &self.products[k])
    }

    /// Up to 48 products whose title contains `needle` (lower case), most
    /// popular first.
    fn search(&self, needle: &str) -> Vec<&Product> {
        if needle.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<usize> = (0..self.products.len())
            .filter(|&k| self.products[k].title.to_lowercase().contains(needle))
            .collect();
        hits.sort_by(|&a, &b| {
            self.products[b]
                .popularity
                .cmp(&self.products[a].popularity)
                .then(a.cmp(&b))
        });
        hits.truncate(48);
        hits.into_iter().map(|k| &self.products[k]).collect()
    }

    /// The catalogue rows of a comma-separated id list (at most 200).
    fn lookup(&self, ids: &str) -> Vec<&Product> {
        ids.split(',')
            .take(200)
            .filter_map(|id| self.get(id))
            .collect()
    }
}

/// The query every shop page understands.
#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    /// `missing` or `corrupt`: point the widget at a bad model.
    model: Option<String>,
    /// Present: load the widget as an ES module.
    esm: Option<String>,
    /// `off`: the page without the widget's script.
    widget: Option<String>,
    /// The search box.
    q: Option<String>,
}

/// A rendered template under the shop's CSP.
fn respond(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => ([(header::CONTENT_SECURITY_POLICY, CSP)], Html(html)).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("rendering the page failed: {e}"),
        )
            .into_response(),
    }
}

async fn home(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    respond(&pages::home(&shop, &q))
}

async fn search(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    respond(&pages::search(&shop, &q))
}

async fn product(
    State(shop): State<Arc<Shop>>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    match shop.get(&id) {
        Some(p) => respond(&pages::product(&shop, &q, p)),
        None => (
            StatusCode::NOT_FOUND,
            Html("<h1>No such product</h1>".to_string()),
        )
            .into_response(),
    }
}

async fn cart(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    respond(&pages::cart(&shop, &q))
}

async fn checkout(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    respond(&pages::checkout(&shop, &q))
}

/// One of the shop's own HTML fragments (`www/`) in the layout, without the
/// widget.
async fn static_page(shop: Arc<Shop>, q: PageQuery, file: &str, title: &str) -> Response {
    match tokio::fs::read_to_string(shop.www.join(file)).await {
        Ok(body) => respond(&pages::fragment(&shop, &q, title, body)),
        Err(e) => (StatusCode::NOT_FOUND, format!("{file}: {e}")).into_response(),
    }
}

async fn dashboard(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    static_page(shop, q, "dashboard.html", "Dashboard").await
}

async fn bench(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    let mut r = static_page(shop, q, "bench.html", "Benchmark").await;
    // Cross-origin isolation gives performance.now() 5 µs resolution.
    let h = r.headers_mut();
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-embedder-policy",
        HeaderValue::from_static("require-corp"),
    );
    r
}

#[derive(serde::Deserialize)]
struct ItemsQuery {
    ids: String,
}

async fn items(State(shop): State<Arc<Shop>>, Query(q): Query<ItemsQuery>) -> Response {
    Json(shop.lookup(&q.ids)).into_response()
}

async fn image(
    State(shop): State<Arc<Shop>>,
    Path(file): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let id = file.strip_suffix(".svg").unwrap_or(&file);
    let Some(p) = shop.get(id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match pages::ProductImage::of(p).render() {
        Ok(svg) => {
            // The catalogue names images by product id, so a name does not
            // change with its picture: a week's cache, then a cheap
            // revalidation by ETag (shown stale meanwhile). A catalogue with
            // content-hashed image names (a CDN's) can be cached for a year.
            let etag = format!("\"img-{:08x}\"", crc32fast::hash(svg.as_bytes()));
            let cache = "public, max-age=604800, stale-while-revalidate=2592000";
            if headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|v| v.as_bytes() == etag.as_bytes())
            {
                return (
                    StatusCode::NOT_MODIFIED,
                    [
                        (header::ETAG, etag.as_str()),
                        (header::CACHE_CONTROL, cache),
                    ],
                )
                    .into_response();
            }
            image_response(svg, &etag, cache)
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn image_response(svg: String, etag: &str, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, cache),
            (header::ETAG, etag),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        svg,
    )
        .into_response()
}

/// A synthetic 100k-item model for the benchmark page (built once, ~1 s).
async fn synthetic_100k() -> Response {
    static MODEL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let bytes = tokio::task::spawn_blocking(|| {
        MODEL
            .get_or_init(|| xsell_core::synth::synthetic_model(100_000))
            .clone()
    })
    .await
    .unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
}

async fn corrupt(State(shop): State<Arc<Shop>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        shop.corrupt_model.clone(),
    )
        .into_response()
}

/// The shop's routes (merged into the collector's router).
pub fn routes(shop: Arc<Shop>) -> Router {
    let revalidate = || {
        SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        )
    };
    // A versioned asset URL (`?v=`) names one content: cache it for a
    // year; without a version, revalidate every time.
    let versioned =
        axum::middleware::map_response(|uri: axum::http::Uri, mut r: Response| async move {
            if uri
                .query()
                .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("v=")))
                && r.status().is_success()
            {
                r.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                );
            }
            r
        });
    let files = |dir: PathBuf| ServeDir::new(dir).append_index_html_on_directories(false);
    Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/p/{id}", get(product))
        .route("/cart", get(cart))
        .route("/checkout", get(checkout))
        .route("/dashboard", get(dashboard))
        .route("/bench", get(bench))
        .route("/api/items", get(items))
        .route("/img/{file}", get(image))
        .route("/corrupt.xsm", get(corrupt))
        .route("/bench/synthetic-100k.xsm", get(synthetic_100k))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .nest_service("/static", files(shop.www.clone()))
        .nest_service("/xsell", files(shop.dist.join("script")))
        .nest_service("/npm", files(shop.dist.join("esm")))
        .layer(versioned)
        .layer(revalidate())
        .with_state(shop)
}
