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
//! - `?model=missing|corrupt` on any page points the widget at a missing or
//!   corrupted model (failure pages); `?esm=1` loads the widget as an ES
//!   module instead of the script tag.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The CSP of every shop page: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One product of the shop.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Product {
    id: String,
    title: String,
    aisle: String,
    department: String,
    price_cents: Option<u32>,
    url: String,
    image: String,
    #[serde(skip)]
    popularity: u8,
}

/// The shop's catalogue and files.
pub struct Shop {
    products: Vec<Product>,
    index: HashMap<String, usize>,
    popular: Vec<usize>,
    www: PathBuf,
    dist: PathBuf,
    model_version: String,
    corrupt_model: Vec<u8>,
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
                    url: m.item_url(i).to_string(),
                    image: m.item_image(i).to_string(),
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
        Ok(Self {
            products,
            index,
            popular,
            www,
            dist,
            model_version: format!("{:08x}", xsell_core::checksum(model_bytes)),
            corrupt_model,
        })
    }

    fn get(&self, id: &str) -> Option<&Product> {
        self.index.get(id).map(|&k| &self.products[k])
    }
}

/// Escapes text for HTML element content and quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn price(p: Option<u32>) -> String {
    p.map_or_else(String::new, |c| format!("${}.{:02}", c / 100, c % 100))
}

#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    model: Option<String>,
    esm: Option<String>,
    q: Option<String>,
}

fn widget_tags(shop: &Shop, q: &PageQuery) -> String {
    let model = match q.model.as_deref() {
        Some("missing") => "/missing.xsm".to_string(),
        Some("corrupt") => "/corrupt.xsm".to_string(),
        _ => format!("/model.xsm?v={}", shop.model_version),
    };
    if q.esm.is_some() {
        // The npm package's ES module, as a bundler-less app would load it.
        format!(
            r#"<script type="module" src="/static/esm-demo.js" data-model="{}" data-config="/placements.json" data-endpoint="/v1/reports" id="xsell-esm"></script>"#,
            esc(&model)
        )
    } else {
        format!(
            r#"<script src="/xsell/xsell.js" data-model="{}" data-config="/placements.json" data-endpoint="/v1/reports" async></script>"#,
            esc(&model)
        )
    }
}

fn page(shop: &Shop, q: &PageQuery, title: &str, body: &str, head_extra: &str) -> Response {
    page_with(shop, q, title, body, head_extra, true)
}

fn page_with(
    shop: &Shop,
    q: &PageQuery,
    title: &str,
    body: &str,
    head_extra: &str,
    with_widget: bool,
) -> Response {
    let html = format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · xsell demo grocery</title>
<link rel="stylesheet" href="/static/shop.css">
<meta name="xsell-model" content="/model.xsm?v={version}">
{head_extra}
<script src="/static/shop.js" defer></script>
{widget}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="logo" href="/">xsell grocer</a>
  <form class="search" action="/search" role="search">
    <label for="q" class="sr-only">Search products</label>
    <input id="q" name="q" type="search" placeholder="Search products" value="{qv}">
    <button type="submit">Search</button>
  </form>
  <a class="cart-link" href="/cart">Cart (<span id="cart-count">0</span>)</a>
</header>
<main id="main">
{body}
</main>
<footer>
  <label><input type="checkbox" id="consent" checked> Share anonymous, noised usage statistics (never who you are or what you viewed)</label>
  <nav><a href="/dashboard">Widget dashboard</a> · <a href="/bench">Benchmark</a></nav>
  <p>Demo shop with Instacart product names; prices and images are made up.</p>
</footer>
</body>
</html>"##,
        title = esc(title),
        widget = if with_widget {
            widget_tags(shop, q)
        } else {
            String::new()
        },
        qv = esc(q.q.as_deref().unwrap_or("")),
        version = shop.model_version,
    );
    ([(header::CONTENT_SECURITY_POLICY, CSP)], Html(html)).into_response()
}

fn grid(shop: &Shop, items: impl Iterator<Item = usize>) -> String {
    let mut s = String::from(r#"<ul class="grid">"#);
    for k in items {
        let p = &shop.products[k];
        let _ = write!(
            s,
            r#"<li class="tile"><a href="{url}"><img src="{img}" alt="" width="160" height="160" loading="lazy"><span class="name">{title}</span></a><span class="price">{price}</span><button type="button" class="add" data-add="{id}" data-xsell-add-to-cart="{id}">Add to cart</button></li>"#,
            url = esc(&p.url),
            img = esc(&p.image),
            title = esc(&p.title),
            price = price(p.price_cents),
            id = esc(&p.id),
        );
    }
    s.push_str("</ul>");
    s
}

async fn home(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    let body = format!(
        r#"<h1>Popular this week</h1>
<xsell-recommendations placement="home" heading="Picked for your basket"></xsell-recommendations>
{}"#,
        grid(&shop, shop.popular.iter().copied())
    );
    page(&shop, &q, "Home", &body, "")
}

async fn search(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    let needle = q.q.as_deref().unwrap_or("").trim().to_lowercase();
    let hits: Vec<usize> = if needle.is_empty() {
        Vec::new()
    } else {
        let mut h: Vec<usize> = (0..shop.products.len())
            .filter(|&k| shop.products[k].title.to_lowercase().contains(&needle))
            .collect();
        h.sort_by(|&a, &b| {
            shop.products[b]
                .popularity
                .cmp(&shop.products[a].popularity)
                .then(a.cmp(&b))
        });
        h.truncate(48);
        h
    };
    let body = format!(
        r#"<h1>Results for “{}”</h1><p>{} products</p>{}"#,
        esc(&needle),
        hits.len(),
        grid(&shop, hits.into_iter())
    );
    page(&shop, &q, "Search", &body, "")
}

async fn product(
    State(shop): State<Arc<Shop>>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let Some(p) = shop.get(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Html("<h1>No such product</h1>".to_string()),
        )
            .into_response();
    };
    // JSON-LD: `<` escaped so no title can close the script element.
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "sku": p.id,
        "name": p.title,
        "category": format!("{} > {}", p.department, p.aisle),
        "offers": { "@type": "Offer", "price": p.price_cents.map(|c| f64::from(c) / 100.0), "priceCurrency": "USD" }
    })
    .to_string()
    .replace('<', "\\u003c");
    let head = format!(r#"<script type="application/ld+json">{ld}</script>"#);
    let body = format!(
        r#"<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Home</a> › {dept} › {aisle}</nav>
<article class="product">
  <img src="{img}" alt="" width="320" height="320">
  <div>
    <h1>{title}</h1>
    <p class="price">{price}</p>
    <button type="button" class="add big" data-add="{id}" data-xsell-add-to-cart="{id}">Add to cart</button>
  </div>
</article>
<xsell-recommendations placement="product" item="{id}" heading="Goes well with {title}"></xsell-recommendations>"#,
        dept = esc(&p.department),
        aisle = esc(&p.aisle),
        img = esc(&p.image),
        title = esc(&p.title),
        price = price(p.price_cents),
        id = esc(&p.id),
    );
    page(&shop, &q, &p.title, &body, &head)
}

async fn cart(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    let body = r#"<h1>Your cart</h1>
<div id="cart-items" aria-live="polite"><p>Your cart is empty.</p></div>
<p><a class="button" href="/checkout" id="to-checkout">Go to checkout</a></p>
<xsell-recommendations placement="cart" heading="Complete your basket"></xsell-recommendations>"#;
    page(&shop, &q, "Cart", body, "")
}

async fn checkout(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    let body = r#"<h1>Checkout</h1>
<div id="checkout-summary" aria-live="polite"></div>
<button type="button" id="place-order" class="add big">Place order</button>
<p id="order-done" role="status"></p>
<xsell-recommendations placement="checkout" heading="Last-minute additions" slots="4"></xsell-recommendations>
<fieldset id="relevance" class="survey">
  <legend>How relevant were the suggestions in this shop today?</legend>
  <button type="button" data-relevance="1">1 · not at all</button>
  <button type="button" data-relevance="2">2</button>
  <button type="button" data-relevance="3">3</button>
  <button type="button" data-relevance="4">4</button>
  <button type="button" data-relevance="5">5 · very</button>
  <p id="relevance-thanks" role="status"></p>
</fieldset>"#;
    page(&shop, &q, "Checkout", body, "")
}

async fn static_page(
    shop: Arc<Shop>,
    q: PageQuery,
    file: &str,
    title: &str,
    with_widget: bool,
) -> Response {
    match tokio::fs::read_to_string(shop.www.join(file)).await {
        Ok(body) => page_with(&shop, &q, title, &body, "", with_widget),
        Err(e) => (StatusCode::NOT_FOUND, format!("{file}: {e}")).into_response(),
    }
}

async fn dashboard(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    static_page(shop, q, "dashboard.html", "Dashboard", false).await
}

async fn bench(State(shop): State<Arc<Shop>>, Query(q): Query<PageQuery>) -> Response {
    let mut r = static_page(shop, q, "bench.html", "Benchmark", false).await;
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
    let out: Vec<&Product> = q
        .ids
        .split(',')
        .take(200)
        .filter_map(|id| shop.get(id))
        .collect();
    Json(out).into_response()
}

const COLORS: [&str; 8] = [
    "#2f6f4e", "#8a4b12", "#1d5c8c", "#7a2e5a", "#5b6b12", "#8c2f2f", "#3d4f8a", "#6b4f2f",
];

async fn image(State(shop): State<Arc<Shop>>, Path(file): Path<String>) -> Response {
    let id = file.strip_suffix(".svg").unwrap_or(&file);
    let Some(p) = shop.get(id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let h = p
        .department
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let initials: String = p
        .title
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .collect();
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160" viewBox="0 0 160 160"><rect width="160" height="160" fill="{bg}"/><text x="80" y="92" font-family="sans-serif" font-size="48" font-weight="700" fill="#fff" text-anchor="middle">{ini}</text><text x="80" y="140" font-family="sans-serif" font-size="12" fill="#fff" text-anchor="middle">{aisle}</text></svg>"##,
        bg = COLORS[(h % 8) as usize],
        ini = esc(&initials),
        aisle = esc(&p.aisle.chars().take(24).collect::<String>()),
    );
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
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
        .layer(revalidate())
        .with_state(shop)
}
