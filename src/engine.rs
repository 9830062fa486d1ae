//! [`Engine`]: the JavaScript API (`track`, `recommend`, `dismiss`, ...)
//! over the core's [`Shopper`]. It converts JS values in and out and keeps
//! state in `localStorage`; every rule is in `xsell_core::shopper`.

use std::cell::RefCell;
use std::rc::Rc;

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::live::{Live, Shared};
use crate::report::Reporter;
use crate::storage::Store;
use crate::util::{describe, js_error, parse_options, warn};
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::shopper::{
    Experiments, IdIndex, IdIndexBuild, Placements, Presentation, Shopper, ShopperSettings,
    SlateRequest, SLATE_FIELDS,
};
use xsell_core::{Model, ParamGuard, Valid};

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
    /// Accept images only from these hosts (`self`: relative URLs).
    pub image_hosts: Option<Vec<String>>,
    /// The shop's placement configs (the JSON of `docs/placement-config.md`).
    pub placements: Option<Placements>,
    /// The shop's experiments (the JSON of `docs/experiments.md`).
    pub experiments: Option<Experiments>,
    /// Days after its first touch a journey ends unconverted (default 30).
    pub journey_window_days: Option<u32>,
}

/// The option names, as JavaScript writes them.
const OPTION_FIELDS: &[&str] = &[
    "storagePrefix",
    "endpoint",
    "consent",
    "epsilon",
    "currencySymbol",
    "sameOriginImages",
    "imageHosts",
    "placements",
    "experiments",
    "journeyWindowDays",
];

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
const LOAD_SLICE_BYTES: usize = 1 << 19;

/// Items indexed per slice of `Engine.load` (a few ms on a slow phone).
const INDEX_SLICE_ITEMS: usize = 16_384;

/// The options, and the shopper settings they carry, checked.
fn engine_options(options: JsValue) -> Result<(Options, Valid<ShopperSettings>), JsValue> {
    let mut options: Options = parse_options(options, OPTION_FIELDS, "options")?;
    let budget = options.epsilon.unwrap_or(2.0);
    if !(budget > 0.0 && budget <= 2.0) {
        return Err(js_error(format!(
            "options.epsilon = {budget}; the daily budget must be in (0, 2]"
        )));
    }
    let settings = ShopperSettings {
        daily_epsilon: Epsilon((budget * 1000.0).round() as u32),
        presentation: Presentation {
            currency: options.currency_symbol.take().unwrap_or_else(|| "$".into()),
            // No page (Node): "same origin" admits only relative URLs.
            image_origin: options.same_origin_images.then(|| {
                web_sys::window()
                    .and_then(|w| w.location().origin().ok())
                    .unwrap_or_else(|| "none://".into())
            }),
            image_hosts: xsell_core::shopper::image_hosts(
                &options.image_hosts.take().unwrap_or_default(),
            )
            .map_err(|e| js_error(format!("options.imageHosts: {e}")))?,
        },
        placements: options.placements.take().unwrap_or_default(),
        experiments: options.experiments.take().unwrap_or_default(),
        journey_window_days: options
            .journey_window_days
            .unwrap_or(xsell_core::attribution::journey::DEFAULT_WINDOW_DAYS),
    }
    .check()
    .map_err(|e| js_error(format!("options: {e}")))?;
    Ok((options, settings))
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

/// Bytes read into wasm memory between turns for the page.
const READ_SLICE_BYTES: u32 = 1 << 18;

/// A downloaded body as it fills wasm memory.
#[derive(Default)]
struct Filling {
    bytes: Vec<u8>,
    reserved: bool,
    since_yield: u32,
}

impl Filling {
    /// Appends `chunk`, with a turn for the page after each 256 KiB. The
    /// whole file is reserved once its header has come (the length it
    /// declares, a hint only: the load checks it), so the buffer is not
    /// copied as it grows.
    async fn push(&mut self, chunk: &js_sys::Uint8Array) {
        let n = chunk.length();
        let at = self.bytes.len();
        self.bytes.resize(at + n as usize, 0);
        chunk.copy_to(&mut self.bytes[at..]);
        if !self.reserved {
            if let Some(len) = xsell_core::declared_len(&self.bytes) {
                self.reserved = true;
                // A damaged header may declare anything: at most 256 MiB
                // is reserved, and a failed reservation is no error (the
                // buffer then grows as it fills).
                let len = len.min(1 << 28);
                let _ = self.bytes.try_reserve(len.saturating_sub(self.bytes.len()));
            }
        }
        self.since_yield += n;
        if self.since_yield >= READ_SLICE_BYTES {
            self.since_yield = 0;
            yield_now().await;
        }
    }
}

fn step_done(step: &JsValue) -> Result<bool, JsValue> {
    Ok(js_sys::Reflect::get(step, &"done".into())?.is_truthy())
}

fn step_chunk(step: &JsValue) -> Result<js_sys::Uint8Array, JsValue> {
    js_sys::Reflect::get(step, &"value".into())?
        .dyn_into()
        .map_err(|_| js_error("the download stream gave no bytes"))
}

/// The body of `resp`, copied into wasm memory a chunk at a time as the
/// stream gives it (a large model is tens of megabytes: reading it whole,
/// as `arrayBuffer()` does, is a long task of its own). Where the browser
/// has byte-stream readers, one buffer of the widget's own is lent to the
/// stream and given back with each chunk, so reading allocates nothing
/// per chunk (no garbage to collect on the page's thread).
async fn read_body(resp: &web_sys::Response) -> Result<Vec<u8>, JsValue> {
    let Some(body) = resp.body() else {
        return Ok(Vec::new());
    };
    let mut into = Filling::default();
    match web_sys::ReadableStreamByobReader::new(&body) {
        Ok(reader) => {
            let mut lent = js_sys::Uint8Array::new_with_length(READ_SLICE_BYTES);
            loop {
                let step =
                    wasm_bindgen_futures::JsFuture::from(reader.read_with_array_buffer_view(&lent))
                        .await?;
                if step_done(&step)? {
                    break;
                }
                let chunk = step_chunk(&step)?;
                into.push(&chunk).await;
                lent = js_sys::Uint8Array::new_with_byte_offset_and_length(
                    &chunk.buffer(),
                    0,
                    READ_SLICE_BYTES,
                );
            }
        }
        Err(_) => {
            let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            loop {
                let step = wasm_bindgen_futures::JsFuture::from(reader.read()).await?;
                if step_done(&step)? {
                    break;
                }
                into.push(&step_chunk(&step)?).await;
            }
        }
    }
    Ok(into.bytes)
}

/// `Engine.load` after its options are checked: the model verified and
/// prepared in slices, yielding to the page between them (no long task at
/// 100k items).
async fn load_checked(
    bytes: Box<[u8]>,
    options: Options,
    settings: Valid<ShopperSettings>,
) -> Result<Engine, JsValue> {
    let raw: *mut [u8] = Box::into_raw(bytes);
    // SAFETY: as in `Engine::new`.
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
            let mut ids = IdIndexBuild::new(&model);
            loop {
                yield_now().await;
                if ids.step(&model, INDEX_SLICE_ITEMS) {
                    break;
                }
            }
            yield_now().await;
            Ok(assemble(raw, model, ids.finish(), options, settings))
        }
        Err(e) => {
            // SAFETY: nothing borrows `raw` any more.
            drop(unsafe { Box::from_raw(raw) });
            Err(model_error(&e))
        }
    }
}

/// The engine around a validated model over the leaked `raw` bytes, with
/// the model's id index built.
fn assemble(
    raw: *mut [u8],
    model: Model<'static>,
    ids: IdIndex<'static>,
    options: Options,
    settings: Valid<ShopperSettings>,
) -> Engine {
    let store = Store::open(options.storage_prefix.as_deref().unwrap_or("xsell"));
    let (mut shopper, warnings) = Shopper::with_index(
        model,
        ids,
        settings,
        store.get("device").as_deref(),
        store.get("fatigue").as_deref(),
    );
    for w in warnings {
        warn(w);
    }
    if let Some(salt) = crate::report::device_salt(&store) {
        shopper.set_salt(salt);
    }
    let reporter = Reporter::new(options.endpoint.clone(), options.consent, &store);
    // SAFETY: `shopper` borrows only `raw`, leaked by the caller for it.
    let live = unsafe { Live::new(shopper, raw, store, reporter) };
    Engine {
        live: Rc::new(RefCell::new(live)),
    }
}

/// The recommendation engine of one page: a model and the shopper's state.
#[wasm_bindgen]
pub struct Engine {
    live: Shared,
}

#[wasm_bindgen]
impl Engine {
    /// Loads a model from its bytes (checksum and every field verified),
    /// in one go: at 100k items this blocks for a while, so pages should
    /// prefer `Engine.load` / `Engine.fromUrl`, which yield. Throws an
    /// `Error` saying what is wrong for a corrupt or foreign file.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: Box<[u8]>, options: JsValue) -> Result<Engine, JsValue> {
        let (options, settings) = engine_options(options)?;
        let raw: *mut [u8] = Box::into_raw(bytes);
        // SAFETY: `raw` stays allocated until `Live::drop` (or the error
        // path below), after every borrow made here has been dropped.
        let bytes: &'static [u8] = unsafe { &*raw };
        match Model::parse(bytes) {
            Ok(model) => {
                let ids = IdIndex::new(&model);
                Ok(assemble(raw, model, ids, options, settings))
            }
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
        let (options, settings) = engine_options(options)?;
        yield_now().await;
        load_checked(bytes, options, settings).await
    }

    /// Fetches the model at `url` (the browser caches it by the server's
    /// headers) and loads it. Rejects with an `Error` naming the URL and the
    /// HTTP status when the download fails.
    #[wasm_bindgen(js_name = fromUrl)]
    pub async fn from_url(url: String, options: JsValue) -> Result<Engine, JsValue> {
        let window = web_sys::window()
            .ok_or_else(|| js_error("no window: load the model bytes with new Engine(bytes)"))?;
        // Low priority: the page's own images and scripts come first.
        let init = web_sys::RequestInit::new();
        let _ = js_sys::Reflect::set(&init, &"priority".into(), &"low".into());
        let download =
            wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&url, &init));
        // The options are checked while the model downloads, in a task of
        // their own.
        yield_now().await;
        let (options, settings) = engine_options(options)?;
        let resp = download.await.map_err(|e| {
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
        let bytes = read_body(&resp).await.map_err(|e| {
            js_error(format!(
                "reading the model from {url} failed: {}",
                describe(&e)
            ))
        })?;
        yield_now().await;
        load_checked(bytes.into_boxed_slice(), options, settings).await
    }

    /// Model facts: `{items, categories, bytes, version}`.
    #[wasm_bindgen(js_name = modelInfo)]
    pub fn model_info(&self) -> JsValue {
        let live = self.live.borrow();
        let m = live.shopper().model();
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
        // The name first: an unknown event says so before its params do,
        // and an ignored one (`view_item_list`) needs none.
        if xsell_core::shopper::ga4_event(event)
            .map_err(|e| js_error(e.to_string()))?
            .is_none()
        {
            return Ok(());
        }
        let items = ga4_items(event, &params).map_err(js_error)?;
        let value = js_sys::Reflect::get(&params, &"value".into())
            .ok()
            .and_then(|v| v.as_f64());
        self.live
            .borrow_mut()
            .track(event, &items, value)
            .map_err(|e| js_error(e.to_string()))
    }

    /// Records this page load as an arrival (call once per page): its
    /// channel from the UTM parameters and the referrer's host, and an
    /// e-mail block's landing from its `xs_c`/`xs_a`/`xs_r` parameters,
    /// which are then removed from the address bar (so a shared or
    /// reloaded link does not count again). Nothing of the URL is kept.
    /// Returns the channel, or `null` for a page reached inside the shop.
    #[wasm_bindgen(js_name = recordArrival)]
    pub fn record_arrival(&self) -> Result<Option<String>, JsValue> {
        let Some(window) = web_sys::window() else {
            return Ok(None);
        };
        let href = window.location().href().unwrap_or_default();
        let Ok(url) = web_sys::Url::new(&href) else {
            return Ok(None);
        };
        let q = url.search_params();
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
        let referrer = window.document().map(|d| d.referrer()).unwrap_or_default();
        let referrer_host = web_sys::Url::new(&referrer).ok().map(|u| u.hostname());
        let (medium, source) = (get("utm_medium"), get("utm_source"));
        let (campaign, arm) = (get("xs_c"), get("xs_a"));
        let answer = get("xs_r").and_then(|r| r.parse::<u8>().ok());
        let own_host = url.hostname();
        // The tab's session storage says whether this visit has had a page
        // (a flag, nothing else; gone when the tab closes).
        let session = window.session_storage().ok().flatten();
        let key = "xsell:visit";
        let new_visit = session
            .as_ref()
            .is_none_or(|s| s.get_item(key).ok().flatten().is_none());
        if let Some(s) = &session {
            let _ = s.set_item(key, "1");
        }
        let arrival = xsell_core::attribution::journey::Arrival {
            utm_medium: medium.as_deref(),
            utm_source: source.as_deref(),
            email_token: campaign.is_some(),
            click_id: [
                "gclid", "fbclid", "msclkid", "dclid", "gbraid", "wbraid", "ttclid",
            ]
            .iter()
            .any(|k| get(k).is_some()),
            referrer_host: referrer_host.as_deref().filter(|h| !h.is_empty()),
            own_host: &own_host,
            new_visit,
        };
        let landing = campaign
            .as_deref()
            .zip(arm.as_deref())
            .map(|(campaign, arm)| xsell_core::shopper::EmailLanding {
                campaign,
                arm,
                answer,
            });
        let channel = self
            .live
            .borrow_mut()
            .arrive(&arrival, landing)
            .map_err(|e| js_error(e.to_string()))?;
        if campaign.is_some() {
            for k in ["xs_c", "xs_a", "xs_s", "xs_r"] {
                q.delete(k);
            }
            url.set_search(&q.to_string().as_string().unwrap_or_default());
            if let Ok(h) = window.history() {
                let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url.href()));
            }
        }
        Ok(channel.map(|c| c.as_str().to_string()))
    }

    /// The slate for a placement: `{placement, reason, items: [{id, title,
    /// url, image, price, priceText, reason, category}]}`. `items` is empty
    /// when the placement should not show (see `reason`).
    pub fn recommend(&self, request: JsValue) -> Result<JsValue, JsValue> {
        let req: SlateRequest = parse_options(request, SLATE_FIELDS, "recommend")?;
        let out = self
            .live
            .borrow_mut()
            .recommend(&req)
            .map_err(|e| js_error(e.to_string()))?;
        // One string and JSON.parse: far cheaper than building the objects
        // field by field across the boundary.
        let json = serde_json::to_string(&out).map_err(|e| js_error(e.to_string()))?;
        js_sys::JSON::parse(&json)
    }

    /// "Not interested": the item is not shown again (kept 180 days).
    pub fn dismiss(&self, placement: &str, id: &str) {
        self.live.borrow_mut().dismiss(placement, id);
    }

    /// Cards actually seen by the shopper.
    #[wasm_bindgen(js_name = recordImpressions)]
    pub fn record_impressions(&self, placement: &str, ids: Vec<String>) {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.live.borrow_mut().impressions(placement, &refs, true);
    }

    /// A click on a recommended card.
    #[wasm_bindgen(js_name = recordClick)]
    pub fn record_click(&self, placement: &str, id: &str) {
        self.live.borrow_mut().click(placement, id);
    }

    /// The shopper's answer to "how relevant were these suggestions?"
    /// (1–5) for `placement` today; it leaves the device only noised, like
    /// every count.
    #[wasm_bindgen(js_name = recordRelevance)]
    pub fn record_relevance(&self, placement: &str, answer: u8) -> Result<(), JsValue> {
        self.live
            .borrow_mut()
            .record_relevance(placement, answer)
            .map_err(|e| js_error(e.to_string()))
    }

    /// The experiment running on `placement` today and this device's arm,
    /// `{experiment, arm, kind}`, or `null` (for the page's own layout
    /// decisions; the arm comes from a salt that never leaves the device).
    pub fn arm(&self, placement: &str) -> JsValue {
        let live = self.live.borrow();
        let Some((e, a)) = live.shopper().arm(placement, crate::util::now_ms()) else {
            return JsValue::NULL;
        };
        let obj = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&obj, &"experiment".into(), &e.name.as_str().into());
        let _ = js_sys::Reflect::set(&obj, &"arm".into(), &a.name.as_str().into());
        let _ = js_sys::Reflect::set(&obj, &"kind".into(), &a.kind.as_str().into());
        obj.into()
    }

    /// The cart as the engine knows it (item ids).
    pub fn cart(&self) -> Vec<String> {
        self.live.borrow().shopper().cart().to_vec()
    }

    /// Whether `id` was dismissed ("Not interested").
    #[wasm_bindgen(js_name = isDismissed)]
    pub fn is_dismissed(&self, id: &str) -> bool {
        self.live.borrow().shopper().is_dismissed(id)
    }

    /// Switches reporting on or off (remembered on this device). Global
    /// Privacy Control and Do Not Track switch it off regardless.
    #[wasm_bindgen(js_name = setConsent)]
    pub fn set_consent(&self, consent: bool) {
        let mut live = self.live.borrow_mut();
        let live = &mut *live;
        live.reporter.set_consent(consent, &live.store);
    }

    /// Whether reports may be sent now (consent given, no GPC, no DNT,
    /// an endpoint configured).
    #[wasm_bindgen(js_name = reportingAllowed)]
    pub fn reporting_allowed(&self) -> bool {
        self.live.borrow().reporter.allowed()
    }

    /// Builds the due noised reports (the ledger charged once), holds them
    /// on the device until the collector acknowledges them, and sends every
    /// held report with `fetch` (`keepalive`), reading the answer (called
    /// when the page is hidden). Returns how many requests the browser took.
    pub fn flush(&self) -> u32 {
        self.live.borrow_mut().flush(crate::report::Via::Fetch)
    }

    /// [`Engine::flush`] for `pagehide`: what is held goes by `sendBeacon`
    /// (no answer comes back, so it stays held and a later page load sends
    /// it again; the report id makes the repeat harmless).
    #[wasm_bindgen(js_name = flushOnPageHide)]
    pub fn flush_on_page_hide(&self) -> u32 {
        self.live.borrow_mut().flush(crate::report::Via::Beacon)
    }

    /// Sends the reports held from earlier pages again, with `fetch` (called
    /// when a page loads): the same bytes, so no new noise and no ε. Returns
    /// how many requests the browser took.
    #[wasm_bindgen(js_name = resendHeld)]
    pub fn resend_held(&self) -> u32 {
        self.live.borrow_mut().resend()
    }

    /// Mounts a carousel for `options` (as for `recommend`, plus `heading`
    /// and `autoplay`) into `host`'s shadow root (created if missing):
    /// `prepare` and `mountPrepared` in one task.
    pub fn mount(
        &self,
        host: web_sys::HtmlElement,
        options: JsValue,
    ) -> Result<crate::Carousel, JsValue> {
        crate::carousel::draw(
            self.live.clone(),
            host,
            crate::carousel::prepare(&self.live, options)?,
        )
    }

    /// The first half of `mount`: computes the slate for `options`, to be
    /// drawn by `mountPrepared` in a later task (so that neither half is a
    /// long task on a slow phone). A prepared slate not drawn is dropped
    /// with `free()`.
    pub fn prepare(&self, options: JsValue) -> Result<crate::Prepared, JsValue> {
        crate::carousel::prepare(&self.live, options)
    }

    /// The second half of `mount`: draws a prepared slate into `host`.
    #[wasm_bindgen(js_name = mountPrepared)]
    pub fn mount_prepared(
        &self,
        host: web_sys::HtmlElement,
        prepared: crate::Prepared,
    ) -> Result<crate::Carousel, JsValue> {
        crate::carousel::draw(self.live.clone(), host, prepared)
    }
}
