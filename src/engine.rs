//! [`Engine`]: one model, the shopper's on-device state, and the API that
//! JavaScript calls (`track`, `recommend`, `dismiss`, ...).

use std::cell::RefCell;
use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::report::Reporter;
use crate::storage::Store;
use crate::util::{describe, js_error, now_ms, parse_options, perf_now, today, warn};
use xsell_core::device::{code_kind, DeviceState};
use xsell_core::privacy::report::{valid_placement, DayCounts};
use xsell_core::slate::fatigue::{FatigueState, LoadOutcome};
use xsell_core::slate::pipeline::{build_slate, SlateConfig};
use xsell_core::slate::trigger::PageContext;
use xsell_core::{Event, EventKind, Model, PageType, Recommender, Request};

/// Options of [`Engine::new`] (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Options {
    /// Prefix of the `localStorage` keys (default `xsell`).
    pub storage_prefix: Option<String>,
    /// Where noised reports go (`.../v1/reports`); no endpoint, no reports.
    pub endpoint: Option<String>,
    /// Reporting consent (default true; GPC and DNT always switch it off).
    pub consent: Option<bool>,
    /// Daily privacy budget ε (at most 2, the default).
    pub epsilon: Option<f64>,
    /// Currency symbol put before prices (default `$`).
    pub currency_symbol: Option<String>,
    /// Accept images only from the page's own origin.
    pub same_origin_images: bool,
}

/// What `recommend` takes (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SlateRequest {
    /// Placement name, `[a-z0-9_-]{1,32}` (default `cart`).
    pub placement: Option<String>,
    /// Page type: `product`, `cart`, `checkout` or `home` (default: the
    /// placement name when it is one of these, else `cart`).
    pub page: Option<String>,
    /// The product on this page, if any.
    pub item: Option<String>,
    /// Cards wanted (1–24, default 8).
    pub slots: Option<usize>,
    /// Time spent on this page so far, ms.
    pub dwell_ms: Option<u64>,
}

/// The fields of [`SlateRequest`], as JavaScript names them.
pub const SLATE_FIELDS: &[&str] = &["placement", "page", "item", "slots", "dwellMs"];

/// One card, as JavaScript sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// The shop's item id.
    pub id: String,
    /// Title (plain text: set it as text, never as HTML).
    pub title: String,
    /// Product page URL (http or https only), if safe.
    pub url: Option<String>,
    /// Image URL (http or https, same origin if configured), if safe.
    pub image: Option<String>,
    /// Price in the shop's currency.
    pub price: Option<f64>,
    /// Price as text, e.g. `$3.99`.
    pub price_text: Option<String>,
    /// Why it is recommended.
    pub reason: String,
    /// Category name.
    pub category: Option<String>,
}

/// What `recommend` returns.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlateOut {
    /// Placement name.
    pub placement: String,
    /// The trigger's reason (`show`, `backed_off`, `cooling_down`, ...).
    pub reason: &'static str,
    /// Cards in display order (empty: show nothing).
    pub items: Vec<Card>,
}

fn page_type(name: &str) -> Option<PageType> {
    Some(match name {
        "product" => PageType::Product,
        "cart" => PageType::Cart,
        "checkout" => PageType::Checkout,
        "home" => PageType::Home,
        _ => return None,
    })
}

/// `Err` with what to do when `p` is not a placement name reports accept.
fn check_placement(p: &str) -> Result<(), String> {
    if valid_placement(p) {
        Ok(())
    } else {
        Err(format!(
            "placement {p:?} is not a valid name; use 1-32 characters of a-z, 0-9, _ and -"
        ))
    }
}

/// `raw` if it is an http(s) or relative URL (and, when `same_origin` is
/// given, on that origin); `None` for `javascript:`, `data:` and the like.
/// Pure Rust ([`xsell_core::safe_url`]): no call into the page per card.
pub fn safe_url(raw: &str, same_origin: Option<&str>) -> Option<String> {
    let u = xsell_core::safe_url::check_url(raw)?;
    if let Some(origin) = same_origin {
        if !u.same_origin(origin) {
            return None;
        }
    }
    Some(u.as_str().to_string())
}

/// FxHash (rustc's hasher): item ids come from the shop's own model, so
/// SipHash's flooding resistance buys nothing and costs load time.
#[derive(Default)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type IdMap = HashMap<&'static str, u32, std::hash::BuildHasherDefault<Fx>>;

/// The engine's state, shared with the carousels it mounts.
pub(crate) struct Inner {
    // `rec` and `ids` borrow `bytes`; they are dropped first (see `Drop`).
    rec: ManuallyDrop<Recommender<'static>>,
    ids: ManuallyDrop<IdMap>,
    bytes: *mut [u8],
    base: SlateConfig,
    pub(crate) device: DeviceState,
    pub(crate) fatigue: FatigueState,
    pub(crate) store: Store,
    pub(crate) reporter: Reporter,
    currency: String,
    /// The page's origin, when images must come from it.
    image_origin: Option<String>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // SAFETY: `rec` and `ids` hold the only borrows of `bytes`, which
        // came from `Box::into_raw` in `Engine::new`; they are dropped here
        // first and never touched again, then the box is freed once.
        unsafe {
            ManuallyDrop::drop(&mut self.rec);
            ManuallyDrop::drop(&mut self.ids);
            drop(Box::from_raw(self.bytes));
        }
    }
}

impl Inner {
    pub(crate) fn model(&self) -> &Model<'static> {
        self.rec.model()
    }

    pub(crate) fn index(&self, id: &str) -> Option<u32> {
        self.ids.get(id).copied()
    }

    pub(crate) fn save_fatigue(&self) {
        let _ = self.store.set("fatigue", &self.fatigue.save());
    }

    pub(crate) fn save_device(&self) {
        let _ = self.store.set("device", &self.device.save());
    }

    /// Changes today's counters of `placement`.
    pub(crate) fn count(&mut self, placement: &str, f: impl FnOnce(&mut DayCounts)) {
        f(self.device.counts_mut(&today(), placement));
        self.save_device();
    }

    pub(crate) fn dismiss(&mut self, placement: &str, id: &str) {
        let category = self
            .index(id)
            .and_then(|i| self.model().item_category(i))
            .map(|c| self.model().category_name(c).to_string());
        self.fatigue.dismiss(id, category.as_deref(), now_ms());
        self.save_fatigue();
        self.count(placement, |c| c.dismissals += 1);
    }

    pub(crate) fn impressions(&mut self, placement: &str, ids: &[&str], first: bool) {
        let now = now_ms();
        let p = self.base.fatigue;
        self.fatigue.record_impressions(ids, now, &p);
        if first {
            self.fatigue.record_carousel(false, now, &p);
        }
        self.save_fatigue();
        let n = ids.len() as u64;
        self.count(placement, |c| c.impressions += n);
    }

    pub(crate) fn click(&mut self, placement: &str, id: &str) {
        self.fatigue.record_click(id, now_ms());
        self.save_fatigue();
        if self.device.record(id, EventKind::Select, now_ms(), false) {
            self.count(placement, |c| c.clicks += 1);
        }
    }

    pub(crate) fn add_from_rec(&mut self, placement: &str, id: &str) {
        self.fatigue.record_click(id, now_ms());
        self.save_fatigue();
        if self.device.record(id, EventKind::AddToCart, now_ms(), true) {
            self.count(placement, |c| c.add_to_cart += 1);
        }
    }

    fn card(&self, item: u32, reason: String) -> Card {
        let m = self.model();
        let price = m.item_price_cents(item);
        Card {
            id: m.item_id(item).to_string(),
            title: m.item_title(item).to_string(),
            url: safe_url(m.item_url(item), None),
            image: safe_url(m.item_image(item), self.image_origin.as_deref()),
            price: price.map(|c| f64::from(c) / 100.0),
            price_text: price.map(|c| format!("{}{}.{:02}", self.currency, c / 100, c % 100)),
            reason,
            category: m
                .item_category(item)
                .map(|c| m.category_name(c).to_string()),
        }
    }

    pub(crate) fn recommend(&mut self, req: &SlateRequest) -> Result<SlateOut, String> {
        let started = perf_now();
        let placement = req.placement.clone().unwrap_or_else(|| "cart".into());
        check_placement(&placement)?;
        let page_name = req
            .page
            .clone()
            .or_else(|| page_type(&placement).map(|_| placement.clone()))
            .unwrap_or_else(|| "cart".into());
        let page = page_type(&page_name).ok_or_else(|| {
            format!("page {page_name:?} is not one of product, cart, checkout, home")
        })?;
        let slots = req.slots.unwrap_or(8);
        if !(1..=24).contains(&slots) {
            return Err(format!("slots = {slots}; ask for 1 to 24 cards"));
        }
        let now = now_ms();
        self.device.tick(now);
        let p = self.base.fatigue;
        self.fatigue.tick(now, &p);

        let events: Vec<Event> = self
            .device
            .events
            .iter()
            .filter_map(|e| {
                Some(Event {
                    item: self.index(&e.id)?,
                    kind: code_kind(e.k)?,
                })
            })
            .collect();
        let cart: Vec<u32> = self
            .device
            .cart
            .iter()
            .filter_map(|id| self.index(id))
            .collect();
        let history: Vec<Vec<u32>> = self
            .device
            .history
            .iter()
            .map(|b| b.iter().filter_map(|id| self.index(id)).collect())
            .collect();
        let current = req.item.as_deref().and_then(|id| self.index(id));
        let mut cfg = self.base.clone();
        cfg.placement.slots = slots;
        // The shop put the element on this page: it is the right page.
        cfg.placement.pages = vec![page];
        let request = Request {
            events: &events,
            cart: &cart,
            current_item: current,
            page,
            history: &history,
            count: slots,
        };
        let ctx = PageContext {
            page,
            cart_items: cart.len(),
            dwell_ms: req.dwell_ms.unwrap_or(u64::MAX),
        };
        let slate = build_slate(&mut self.rec, &request, &ctx, &cfg, &self.fatigue, now);
        let items: Vec<Card> = slate
            .items
            .iter()
            .map(|s| self.card(s.item, s.reason.text(self.model())))
            .collect();
        if !items.is_empty() {
            // Kept in memory; saved with the next state change (impressions
            // follow every render), not with a storage write per request.
            let us = ((perf_now() - started) * 1000.0).max(0.0) as u64;
            self.device.counts_mut(&today(), &placement).latency_us = Some(us);
        }
        Ok(SlateOut {
            placement,
            reason: slate.decision.reason.as_str(),
            items,
        })
    }
}

/// Item ids out of a GA4 e-commerce payload: `{items: [{item_id}]}` or
/// `{item_id}`; numbers are accepted as ids.
fn ga4_items(event: &str, params: &JsValue) -> Result<Vec<String>, String> {
    let id_of = |v: &JsValue| -> Option<String> {
        let id = js_sys::Reflect::get(v, &"item_id".into()).ok()?;
        id.as_string().or_else(|| {
            id.as_f64()
                .filter(|f| f.fract() == 0.0)
                .map(|f| format!("{f}"))
        })
    };
    if params.is_undefined() || params.is_null() {
        return Err(format!(
            "track({event:?}) needs params with items, e.g. {{items: [{{item_id: \"SKU\"}}]}}"
        ));
    }
    if let Some(id) = id_of(params) {
        return Ok(vec![id]);
    }
    let items = js_sys::Reflect::get(params, &"items".into()).unwrap_or(JsValue::UNDEFINED);
    let Some(arr) = items.dyn_ref::<js_sys::Array>() else {
        return Err(format!(
            "track({event:?}): params.items must be an array like [{{item_id: \"SKU\"}}]"
        ));
    };
    arr.iter()
        .enumerate()
        .map(|(k, v)| {
            id_of(&v).ok_or_else(|| {
                format!("track({event:?}): params.items[{k}].item_id is missing or not a string")
            })
        })
        .collect()
}

/// Work per slice of `Engine.load`, in the loader's byte units (a few ms).
const LOAD_SLICE_BYTES: usize = 1 << 21;

fn engine_options(options: JsValue) -> Result<Options, JsValue> {
    let options: Options = parse_options(
        options,
        &[
            "storagePrefix",
            "endpoint",
            "consent",
            "epsilon",
            "currencySymbol",
            "sameOriginImages",
        ],
        "options",
    )?;
    let budget = options.epsilon.unwrap_or(2.0);
    if !(budget > 0.0 && budget <= 2.0) {
        return Err(js_error(format!(
            "options.epsilon = {budget}; the daily budget must be in (0, 2]"
        )));
    }
    Ok(options)
}

fn model_error(e: &xsell_core::ModelError) -> JsValue {
    js_error(format!(
        "the model file is not usable ({e}); rebuild it with `xsell train` or check the URL"
    ))
}

/// Gives the page a turn: `scheduler.yield()` where there is one, else a
/// zero timeout; nothing outside a page.
async fn yield_now() {
    let global = js_sys::global();
    let scheduler =
        js_sys::Reflect::get(&global, &"scheduler".into()).unwrap_or(JsValue::UNDEFINED);
    let yield_fn = if scheduler.is_object() {
        js_sys::Reflect::get(&scheduler, &"yield".into()).ok()
    } else {
        None
    };
    let promise = match yield_fn.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        Some(f) => f
            .call0(&scheduler)
            .ok()
            .and_then(|p| p.dyn_into::<js_sys::Promise>().ok()),
        None => web_sys::window().map(|w| {
            js_sys::Promise::new(&mut |resolve, _| {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            })
        }),
    };
    if let Some(p) = promise {
        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    }
}

/// The engine around a validated model over the leaked `raw` bytes.
fn assemble(raw: *mut [u8], model: Model<'static>, options: Options) -> Engine {
    let budget = options.epsilon.unwrap_or(2.0);
    let mut ids = IdMap::with_capacity_and_hasher(model.len(), Default::default());
    for i in 0..model.len() as u32 {
        ids.insert(model.item_id(i), i);
    }
    let base = SlateConfig::for_model(&model);
    let prefix = options.storage_prefix.as_deref().unwrap_or("xsell");
    let store = Store::open(prefix);
    let (fatigue, outcome) = FatigueState::load(store.get("fatigue").as_deref());
    if let LoadOutcome::Reset(why) = outcome {
        warn(format!("fatigue state reset: {why}"));
    }
    let (device, outcome) = DeviceState::load(store.get("device").as_deref());
    if let LoadOutcome::Reset(why) = outcome {
        warn(format!("device state reset: {why}"));
    }
    let reporter = Reporter::new(
        options.endpoint.clone(),
        options.consent,
        (budget * 1000.0).round() as u32,
        &store,
    );
    let inner = Inner {
        rec: ManuallyDrop::new(Recommender::new(model)),
        ids: ManuallyDrop::new(ids),
        bytes: raw,
        base,
        device,
        fatigue,
        store,
        reporter,
        currency: options.currency_symbol.unwrap_or_else(|| "$".into()),
        // No page (Node): "same origin" admits only relative URLs.
        image_origin: options.same_origin_images.then(|| {
            web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_else(|| "none://".into())
        }),
    };
    Engine {
        inner: Rc::new(RefCell::new(inner)),
    }
}

/// The recommendation engine of one page: a model and the shopper's state.
#[wasm_bindgen]
pub struct Engine {
    pub(crate) inner: Rc<RefCell<Inner>>,
}

#[wasm_bindgen]
impl Engine {
    /// Loads a model from its bytes (checksum and every field verified),
    /// in one go: at 100k items this blocks for a while, so pages should
    /// prefer `Engine.load` / `Engine.fromUrl`, which yield. Throws an
    /// `Error` saying what is wrong for a corrupt or foreign file.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: Box<[u8]>, options: JsValue) -> Result<Engine, JsValue> {
        let options = engine_options(options)?;
        let raw: *mut [u8] = Box::into_raw(bytes);
        // SAFETY: `raw` stays allocated until `Inner::drop` (or the error
        // path below), after every borrow made here has been dropped.
        let bytes: &'static [u8] = unsafe { &*raw };
        match Model::parse(bytes) {
            Ok(model) => Ok(assemble(raw, model, options)),
            Err(e) => {
                // SAFETY: nothing borrows `raw` any more.
                drop(unsafe { Box::from_raw(raw) });
                Err(model_error(&e))
            }
        }
    }

    /// Loads a model from its bytes in slices of a few milliseconds,
    /// yielding to the page between them (no long task at 100k items).
    pub async fn load(bytes: Box<[u8]>, options: JsValue) -> Result<Engine, JsValue> {
        let options = engine_options(options)?;
        let raw: *mut [u8] = Box::into_raw(bytes);
        // SAFETY: as in `new`.
        let bytes: &'static [u8] = unsafe { &*raw };
        let result = async {
            let mut loader = xsell_core::ModelLoader::new(bytes)?;
            loop {
                if let Some(m) = loader.step(LOAD_SLICE_BYTES)? {
                    return Ok::<_, xsell_core::ModelError>(m);
                }
                yield_now().await;
            }
        }
        .await;
        match result {
            Ok(model) => {
                yield_now().await;
                Ok(assemble(raw, model, options))
            }
            Err(e) => {
                // SAFETY: nothing borrows `raw` any more.
                drop(unsafe { Box::from_raw(raw) });
                Err(model_error(&e))
            }
        }
    }

    /// Fetches the model at `url` (the browser caches it by the server's
    /// headers) and loads it. Rejects with an `Error` naming the URL and the
    /// HTTP status when the download fails.
    #[wasm_bindgen(js_name = fromUrl)]
    pub async fn from_url(url: String, options: JsValue) -> Result<Engine, JsValue> {
        let window = web_sys::window()
            .ok_or_else(|| js_error("no window: load the model bytes with new Engine(bytes)"))?;
        let resp = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url))
            .await
            .map_err(|e| {
                js_error(format!(
                    "could not download the model from {url}: {}",
                    describe(&e)
                ))
            })?;
        let resp: web_sys::Response = resp
            .dyn_into()
            .map_err(|_| js_error("fetch returned no Response"))?;
        if !resp.ok() {
            return Err(js_error(format!(
                "the model at {url} answered HTTP {}; check data-model / the model URL",
                resp.status()
            )));
        }
        let buf = wasm_bindgen_futures::JsFuture::from(resp.array_buffer()?)
            .await
            .map_err(|e| {
                js_error(format!(
                    "reading the model from {url} failed: {}",
                    describe(&e)
                ))
            })?;
        let bytes = js_sys::Uint8Array::new(&buf).to_vec().into_boxed_slice();
        Engine::load(bytes, options).await
    }

    /// Model facts: `{items, categories, bytes, version}`.
    #[wasm_bindgen(js_name = modelInfo)]
    pub fn model_info(&self) -> JsValue {
        let inner = self.inner.borrow();
        let m = inner.model();
        let obj = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&obj, &k.into(), &v);
        };
        set("items", (m.len() as u32).into());
        set("categories", (m.n_categories() as u32).into());
        set("bytes", (m.byte_len() as u32).into());
        set(
            "version",
            format!("{}.{}", m.version().0, m.version().1).into(),
        );
        obj.into()
    }

    /// Records a GA4 e-commerce event: `view_item`, `add_to_cart`,
    /// `remove_from_cart`, `purchase`, `select_item` or `view_item_list`,
    /// with `{items: [{item_id}]}` (and `value` for `purchase`). Items the
    /// model does not know are kept too (they may be known to a newer model).
    pub fn track(&self, event: &str, params: JsValue) -> Result<(), JsValue> {
        let kind = match event {
            "view_item_list" => return Ok(()),
            "view_item" | "add_to_cart" | "remove_from_cart" | "purchase" | "select_item" => {
                EventKind::from_name(event).expect("a known GA4 name")
            }
            other => {
                return Err(js_error(format!(
                    "unknown event {other:?}; use view_item, add_to_cart, remove_from_cart, purchase, select_item or view_item_list"
                )))
            }
        };
        let items = ga4_items(event, &params).map_err(js_error)?;
        let mut inner = self.inner.borrow_mut();
        let now = now_ms();
        if kind == EventKind::Purchase {
            let value = js_sys::Reflect::get(&params, &"value".into())
                .ok()
                .and_then(|v| v.as_f64())
                .filter(|v| v.is_finite() && *v >= 0.0);
            let converted = inner.device.purchase(&items, now);
            // Every placement shown today shares the order; one save below.
            let day = today();
            for c in inner
                .device
                .counts
                .iter_mut()
                .filter(|c| c.day == day && c.counts.impressions > 0)
            {
                if converted {
                    c.counts.purchases += 1;
                }
                if let Some(v) = value {
                    c.counts.order_value_cents = Some((v * 100.0).round() as u64);
                }
            }
        } else {
            for id in &items {
                inner.device.record(id, kind, now, false);
            }
        }
        inner.save_device();
        Ok(())
    }

    /// The slate for a placement: `{placement, reason, items: [{id, title,
    /// url, image, price, priceText, reason, category}]}`. `items` is empty
    /// when the placement should not show (see `reason`).
    pub fn recommend(&self, request: JsValue) -> Result<JsValue, JsValue> {
        let req: SlateRequest = parse_options(request, SLATE_FIELDS, "recommend")?;
        let out = self.inner.borrow_mut().recommend(&req).map_err(js_error)?;
        // One string and JSON.parse: far cheaper than building the objects
        // field by field across the boundary.
        let json = serde_json::to_string(&out).map_err(|e| js_error(e.to_string()))?;
        js_sys::JSON::parse(&json)
    }

    /// "Not interested": the item is not shown again (kept 180 days).
    pub fn dismiss(&self, placement: &str, id: &str) {
        self.inner.borrow_mut().dismiss(placement, id);
    }

    /// Cards actually seen by the shopper.
    #[wasm_bindgen(js_name = recordImpressions)]
    pub fn record_impressions(&self, placement: &str, ids: Vec<String>) {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.inner.borrow_mut().impressions(placement, &refs, true);
    }

    /// A click on a recommended card.
    #[wasm_bindgen(js_name = recordClick)]
    pub fn record_click(&self, placement: &str, id: &str) {
        self.inner.borrow_mut().click(placement, id);
    }

    /// The shopper's answer to "how relevant were these suggestions?"
    /// (1–5) for `placement` today; it leaves the device only noised, like
    /// every count.
    #[wasm_bindgen(js_name = recordRelevance)]
    pub fn record_relevance(&self, placement: &str, answer: u8) -> Result<(), JsValue> {
        if !(1..=5).contains(&answer) {
            return Err(js_error(format!(
                "relevance answer {answer}; give 1 (not relevant) to 5 (very relevant)"
            )));
        }
        check_placement(placement).map_err(js_error)?;
        self.inner
            .borrow_mut()
            .count(placement, |c| c.relevance = Some(answer));
        Ok(())
    }

    /// The cart as the engine knows it (item ids).
    pub fn cart(&self) -> Vec<String> {
        self.inner.borrow().device.cart.clone()
    }

    /// Whether `id` was dismissed ("Not interested").
    #[wasm_bindgen(js_name = isDismissed)]
    pub fn is_dismissed(&self, id: &str) -> bool {
        self.inner.borrow().fatigue.is_dismissed(id)
    }

    /// Switches reporting on or off (remembered on this device). Global
    /// Privacy Control and Do Not Track switch it off regardless.
    #[wasm_bindgen(js_name = setConsent)]
    pub fn set_consent(&self, consent: bool) {
        let mut inner = self.inner.borrow_mut();
        let inner = &mut *inner;
        inner.reporter.set_consent(consent, &inner.store);
    }

    /// Whether reports may be sent now (consent given, no GPC, no DNT,
    /// an endpoint configured).
    #[wasm_bindgen(js_name = reportingAllowed)]
    pub fn reporting_allowed(&self) -> bool {
        self.inner.borrow().reporter.allowed()
    }

    /// Sends the due noised reports (called on page hide). Returns how many
    /// were handed to the browser.
    pub fn flush(&self) -> u32 {
        let mut inner = self.inner.borrow_mut();
        let inner = &mut *inner;
        let sent = inner
            .reporter
            .flush(&mut inner.device, &inner.store, &today());
        inner.save_device();
        sent
    }

    /// Mounts a carousel for `options` (as for `recommend`, plus `heading`)
    /// into `host`'s shadow root (created if missing).
    pub fn mount(
        &self,
        host: web_sys::HtmlElement,
        options: JsValue,
    ) -> Result<crate::Carousel, JsValue> {
        crate::carousel::mount(self.inner.clone(), host, options)
    }
}
