//! The carousel: a slate rendered into a shadow root, following the
//! WAI-ARIA Authoring Practices carousel pattern.
//!
//! - A `region` with `aria-roledescription="carousel"` and a heading; the
//!   cards are the items of a list, each labelled "k of n: title"; button
//!   names start with their visible label (WCAG 2.5.3).
//! - Arrow keys, Home and End move between cards (roving tabindex);
//!   Previous/Next buttons scroll a page. Nothing moves by itself unless
//!   `autoplay` is asked for; then rotation pauses on hover and focus, has
//!   a Pause button, and never runs under `prefers-reduced-motion`.
//! - Catalog text is set as text (`textContent`), never parsed as HTML;
//!   URLs are http(s) or relative only (`xsell_core::shopper::safe_url`). Styles go in
//!   through a constructed stylesheet, so a strict CSP needs no
//!   `'unsafe-inline'`.
//! - Impressions count only cards at least half visible
//!   (`IntersectionObserver`). Listeners live in the [`Carousel`] handle:
//!   `unmount()` (or `free()`) removes every one of them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ShadowRoot};

use crate::card::{append, button, el, text, Molds};
use crate::live::Shared;
use crate::reserve::{self, Collapse};
use crate::util::{js_error, parse_options};
use xsell_core::shopper::{Layout, SlateRequest, SlateView, SLATE_FIELDS};

/// The widget's stylesheet (`assets/carousel.css`), adopted by each shadow root.
const STYLE: &str = include_str!("../assets/carousel.css");

thread_local! {
    static LIVE: Cell<u32> = const { Cell::new(0) };
}

/// Event listeners currently attached by carousels (0 when none is mounted).
#[wasm_bindgen(js_name = liveListeners)]
pub fn live_listeners() -> u32 {
    LIVE.with(Cell::get)
}

/// An event listener counted in [`live_listeners`]; removed on drop.
struct Listener(#[allow(dead_code)] EventListener);

impl Listener {
    fn new<F: FnMut(&web_sys::Event) + 'static>(
        target: &web_sys::EventTarget,
        ty: &'static str,
        f: F,
    ) -> Self {
        LIVE.with(|l| l.set(l.get() + 1));
        Listener(EventListener::new(target, ty, f))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        LIVE.with(|l| l.set(l.get() - 1));
    }
}

/// What `mount` takes: a slate request plus presentation.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct MountOptions {
    placement: Option<String>,
    page: Option<String>,
    item: Option<String>,
    slots: Option<usize>,
    dwell_ms: Option<u64>,
    /// Heading text (default: the placement config's, else "You may also
    /// like").
    heading: Option<String>,
    /// Advance one card every 5 s (paused on hover/focus; never with
    /// reduced motion).
    autoplay: bool,
}

struct View {
    engine: Shared,
    host: HtmlElement,
    placement: String,
    track: Element,
    status: Element,
    pause: Option<Element>,
    seen: Vec<String>,
    // Cells: focus and hover events fire synchronously inside other
    // handlers (moving focus), which hold a shared borrow of the view.
    hovered: Cell<bool>,
    focused: Cell<bool>,
    paused: Cell<bool>,
}

/// A mounted carousel. `unmount()` empties its shadow root and removes
/// every listener; dropping the handle (`free()`) does the same.
#[wasm_bindgen]
pub struct Carousel {
    view: Option<Rc<RefCell<View>>>,
    root: ShadowRoot,
    listeners: Vec<Listener>,
    observer: Option<web_sys::IntersectionObserver>,
    _observer_cb: Option<Closure<dyn FnMut(js_sys::Array)>>,
    _timer: Option<gloo_timers::callback::Interval>,
    _collapse: Option<Collapse>,
    _tall: Option<reserve::TallWatch>,
    count: usize,
    retry_after_ms: Option<u32>,
}

#[wasm_bindgen]
impl Carousel {
    /// Cards rendered at mount.
    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.count
    }

    /// Set when the placement waits for the shopper's time on the page
    /// (`minDwellMs`): mount again after this many ms.
    #[wasm_bindgen(getter, js_name = retryAfterMs)]
    pub fn retry_after_ms(&self) -> Option<u32> {
        self.retry_after_ms
    }

    /// Removes the carousel and all its listeners; safe to call twice.
    pub fn unmount(&mut self) {
        if let Some(o) = self.observer.take() {
            o.disconnect();
        }
        self.listeners.clear();
        self._timer = None;
        self._collapse = None;
        self._tall = None;
        self._observer_cb = None;
        self.view = None;
        self.root.set_text_content(None);
    }
}

impl Drop for Carousel {
    fn drop(&mut self) {
        self.unmount();
    }
}

fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// The stylesheet, parsed once and shared by every shadow root of the
/// page (a root in another document, which cannot adopt it, gets its own).
fn adopt_style(root: &ShadowRoot) -> Result<(), JsValue> {
    thread_local! {
        static SHEET: RefCell<Option<web_sys::CssStyleSheet>> = const { RefCell::new(None) };
    }
    let fresh = || -> Result<web_sys::CssStyleSheet, JsValue> {
        let sheet = web_sys::CssStyleSheet::new()?;
        sheet.replace_sync(STYLE)?;
        Ok(sheet)
    };
    let adopt = |sheet: &web_sys::CssStyleSheet| {
        js_sys::Reflect::set(
            root,
            &"adoptedStyleSheets".into(),
            &js_sys::Array::of1(sheet),
        )
    };
    let shared = match SHEET.with_borrow(Clone::clone) {
        Some(sheet) => sheet,
        None => {
            let sheet = fresh()?;
            SHEET.set(Some(sheet.clone()));
            sheet
        }
    };
    if adopt(&shared).is_err() {
        adopt(&fresh()?)?;
    }
    Ok(())
}

fn cards_of(track: &Element) -> Vec<HtmlElement> {
    let list = track.children();
    (0..list.length())
        .filter_map(|k| list.item(k))
        .filter_map(|e| e.dyn_into::<HtmlElement>().ok())
        .collect()
}

fn target_element(e: &web_sys::Event) -> Option<Element> {
    e.target()?.dyn_into::<Element>().ok()
}

fn card_of(e: &Element) -> Option<HtmlElement> {
    e.closest("li[data-id]")
        .ok()??
        .dyn_into::<HtmlElement>()
        .ok()
}

fn focus_card(track: &Element, to: &HtmlElement) {
    for c in cards_of(track) {
        let _ = c.set_attribute("tabindex", "-1");
    }
    let _ = to.set_attribute("tabindex", "0");
    let _ = to.focus();
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
    opts.set_inline(web_sys::ScrollLogicalPosition::Nearest);
    if !reduced_motion() {
        opts.set_behavior(web_sys::ScrollBehavior::Smooth);
    }
    to.scroll_into_view_with_scroll_into_view_options(&opts);
}

fn scroll_page(track: &Element, dir: f64) {
    let opts = web_sys::ScrollToOptions::new();
    opts.set_left(dir * f64::from(track.client_width()));
    opts.set_behavior(if reduced_motion() {
        web_sys::ScrollBehavior::Instant
    } else {
        web_sys::ScrollBehavior::Smooth
    });
    track.scroll_by_with_scroll_to_options(&opts);
}

fn announce(v: &View, msg: &str) {
    v.status.set_text_content(Some(msg));
}

fn dispatch(host: &HtmlElement, name: &str, detail: &JsValue) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(detail);
    init.set_bubbles(true);
    init.set_composed(true);
    if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&ev);
    }
}

fn detail(id: &str, title: &str) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"id".into(), &id.into());
    let _ = js_sys::Reflect::set(&o, &"title".into(), &title.into());
    o.into()
}

fn title_of(card: &HtmlElement) -> String {
    card.query_selector(".title")
        .ok()
        .flatten()
        .and_then(|t| t.text_content())
        .unwrap_or_default()
}

/// Labels the cards "k of n: title" again (after some were removed);
/// returns n.
fn relabel(cards: &[HtmlElement]) -> usize {
    let n = cards.len();
    for (k, c) in cards.iter().enumerate() {
        let t = title_of(c);
        let _ = c.set_attribute("aria-label", &format!("{} of {n}: {t}", k + 1));
    }
    n
}

/// Removes a dismissed card; focus goes to the next card (or the previous,
/// or the heading when none is left).
fn dismiss(view: &Rc<RefCell<View>>, card: &HtmlElement) {
    let v = view.borrow();
    let id = card.get_attribute("data-id").unwrap_or_default();
    let title = title_of(card);
    v.engine.borrow_mut().dismiss(&v.placement, &id);
    let cards = cards_of(&v.track);
    let pos = cards.iter().position(|c| c == card).unwrap_or(0);
    let had_focus = card.matches(":focus-within").unwrap_or(false);
    card.remove();
    let rest = cards_of(&v.track);
    let n = relabel(&rest);
    if let Some(next) = rest.get(pos.min(n.saturating_sub(1))) {
        if had_focus || n > 0 {
            if had_focus {
                focus_card(&v.track, next);
            } else {
                let _ = next.set_attribute("tabindex", "0");
            }
        }
        announce(&v, &format!("Removed {title}. You will not see it again."));
    } else {
        announce(&v, &format!("Removed {title}. No more suggestions."));
        if let Ok(Some(section)) = v.track.closest("section") {
            let _ = section.set_attribute("hidden", "");
        }
        // The message stays on screen and takes the focus, which would
        // otherwise fall to the page's body.
        let _ = v.status.set_attribute("class", "empty");
        let _ = v.status.set_attribute("tabindex", "-1");
        if had_focus {
            if let Some(s) = v.status.dyn_ref::<HtmlElement>() {
                let _ = s.focus();
            }
        }
    }
}

fn on_click(view: &Rc<RefCell<View>>, e: &web_sys::Event) {
    let Some(target) = target_element(e) else {
        return;
    };
    let Some(act) = target.closest("[data-act]").ok().flatten() else {
        return;
    };
    let action = act.get_attribute("data-act").unwrap_or_default();
    let card = card_of(&act);
    match (action.as_str(), card) {
        ("dismiss", Some(card)) => dismiss(view, &card),
        ("add", Some(card)) => {
            let (host, id, title) = {
                let v = view.borrow();
                let id = card.get_attribute("data-id").unwrap_or_default();
                let title = title_of(&card);
                v.engine.borrow_mut().add_from_rec(&v.placement, &id);
                announce(&v, &format!("Added {title} to the cart."));
                (v.host.clone(), id, title)
            };
            // Dispatched with no borrow held: the shop's handler may call back.
            dispatch(&host, "xsell-add-to-cart", &detail(&id, &title));
        }
        ("open", Some(card)) => {
            let v = view.borrow();
            let id = card.get_attribute("data-id").unwrap_or_default();
            v.engine.borrow_mut().click(&v.placement, &id);
        }
        ("prev", _) | ("next", _) => {
            let v = view.borrow();
            scroll_page(&v.track, if action == "prev" { -1.0 } else { 1.0 });
        }
        ("pause", _) => {
            let v = view.borrow();
            v.paused.set(!v.paused.get());
            if let Some(b) = &v.pause {
                let (label, t) = if v.paused.get() {
                    ("Play automatic rotation", "Play")
                } else {
                    ("Pause automatic rotation", "Pause")
                };
                let _ = b.set_attribute("aria-label", label);
                b.set_text_content(Some(t));
            }
        }
        _ => {}
    }
}

fn on_key(view: &Rc<RefCell<View>>, e: &web_sys::Event) {
    let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
        return;
    };
    let Some(target) = target_element(e) else {
        return;
    };
    // Only when a card itself has focus: buttons keep their own keys.
    if target.get_attribute("data-id").is_none() {
        return;
    }
    let Some(card) = card_of(&target) else { return };
    let v = view.borrow();
    let cards = cards_of(&v.track);
    let Some(pos) = cards.iter().position(|c| *c == card) else {
        return;
    };
    let to = match k.key().as_str() {
        "ArrowRight" => (pos + 1).min(cards.len() - 1),
        "ArrowLeft" => pos.saturating_sub(1),
        "Home" => 0,
        "End" => cards.len() - 1,
        "Delete" => {
            e.prevent_default();
            drop(v);
            dismiss(view, &card);
            return;
        }
        _ => return,
    };
    e.prevent_default();
    focus_card(&v.track, &cards[to]);
}

fn on_visible(
    view: &Rc<RefCell<View>>,
    entries: js_sys::Array,
    observer: &web_sys::IntersectionObserver,
) {
    let mut v = view.borrow_mut();
    let mut fresh = Vec::new();
    for entry in entries.iter() {
        let Ok(entry) = entry.dyn_into::<web_sys::IntersectionObserverEntry>() else {
            continue;
        };
        if !entry.is_intersecting() || entry.intersection_ratio() < 0.5 {
            continue;
        }
        let target = entry.target();
        observer.unobserve(&target);
        if let Some(id) = target.get_attribute("data-id") {
            if !v.seen.contains(&id) {
                fresh.push(id);
            }
        }
    }
    if fresh.is_empty() {
        return;
    }
    let first = v.seen.is_empty();
    v.seen.extend(fresh.iter().cloned());
    let refs: Vec<&str> = fresh.iter().map(String::as_str).collect();
    v.engine
        .borrow_mut()
        .impressions(&v.placement, &refs, first);
}

/// A slate computed for a mount and not drawn yet (`Engine.prepare`): the
/// scoring and the drawing can then run in tasks of their own.
#[wasm_bindgen]
pub struct Prepared {
    options: MountOptions,
    slate: SlateView,
}

/// The slate for the mount `options` (as for `recommend`, plus `heading`
/// and `autoplay`).
pub(crate) fn prepare(engine: &Shared, options: JsValue) -> Result<Prepared, JsValue> {
    let known: Vec<&str> = SLATE_FIELDS
        .iter()
        .copied()
        .chain(["heading", "autoplay"])
        .collect();
    let o: MountOptions = parse_options(options, &known, "mount")?;
    let req = SlateRequest {
        placement: o.placement.clone(),
        page: o.page.clone(),
        item: o.item.clone(),
        slots: o.slots,
        dwell_ms: o.dwell_ms,
    };
    let slate = engine
        .borrow_mut()
        .recommend(&req)
        .map_err(|e| js_error(e.to_string()))?;
    Ok(Prepared { options: o, slate })
}

/// Draws a prepared slate into `host`'s shadow root (created if missing).
pub(crate) fn draw(
    engine: Shared,
    host: HtmlElement,
    prepared: Prepared,
) -> Result<Carousel, JsValue> {
    let Prepared { options: o, slate } = prepared;
    // The page's reservation, read before anything here changes the DOM
    // (so the read needs no style of the cards).
    let reserved = reserve::reserved_px(&host);
    let root = match host.shadow_root() {
        Some(r) => r,
        None => host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?,
    };
    root.set_text_content(None);
    let mut handle = Carousel {
        view: None,
        root: root.clone(),
        listeners: Vec::new(),
        observer: None,
        _observer_cb: None,
        _timer: None,
        _collapse: None,
        _tall: None,
        count: slate.items.len(),
        retry_after_ms: slate
            .retry_after_ms
            .map(|ms| u32::try_from(ms).unwrap_or(u32::MAX)),
    };
    if slate.items.is_empty() {
        // Nothing to show: the page's reserved space goes back where that
        // moves nothing, unless the placement asks again (minDwellMs).
        if handle.retry_after_ms.is_none() {
            handle._collapse = reserve::collapse(&host)?;
        }
        return Ok(handle);
    }
    reserve::restore(&host);
    adopt_style(&root)?;
    let doc = host
        .owner_document()
        .ok_or_else(|| js_error("the host element has no document"))?;
    let heading = o.heading.clone().unwrap_or_else(|| slate.heading.clone());
    let section = el(
        &doc,
        "section",
        &[
            ("part", "carousel"),
            ("aria-roledescription", "carousel"),
            ("aria-label", &heading),
        ],
    )?;
    let head = el(&doc, "div", &[("class", "head")])?;
    append(&head, &text(&doc, "h2", &[("part", "heading")], &heading)?)?;
    let controls = el(&doc, "div", &[("class", "controls")])?;
    let autoplay = o.autoplay && !reduced_motion();
    let pause = if autoplay {
        let b = button(
            &doc,
            "control",
            "pause",
            "Pause automatic rotation",
            "Pause",
        )?;
        controls.append_child(&b)?;
        Some(b)
    } else {
        None
    };
    // A grid shows every card at once: nothing to scroll.
    if slate.layout == Layout::Carousel {
        append(
            &controls,
            &button(&doc, "control", "prev", "Previous items", "‹")?,
        )?;
        append(
            &controls,
            &button(&doc, "control", "next", "Next items", "›")?,
        )?;
    }
    head.append_child(&controls)?;
    section.append_child(&head)?;
    let track_class = match slate.layout {
        Layout::Carousel => "track",
        Layout::Grid => "track grid",
    };
    let track = el(
        &doc,
        "ul",
        &[
            ("class", track_class),
            ("part", "track"),
            ("aria-live", "off"),
        ],
    )?;
    let n = slate.items.len();
    let mut molds = Molds::new(&doc);
    for (k, c) in slate.items.iter().enumerate() {
        append(&track, &molds.card(c, k, n)?)?;
    }
    section.append_child(&track)?;
    let status = el(
        &doc,
        "p",
        &[
            ("class", "sr-only"),
            ("role", "status"),
            ("aria-live", "polite"),
        ],
    )?;
    root.append_child(&section)?;
    // Beside the section, not in it: when the last card goes the section
    // is hidden, and the message must still be read (and take the focus).
    root.append_child(&status)?;
    // Keep to the space the page reserved: a grid is measured before the
    // first paint of its cards, so nothing is seen to move; a carousel's
    // height is checked when the browser lays it out.
    if slate.layout == Layout::Grid {
        let all = cards_of(&track);
        if reserve::fit_grid(&section, &all, reserved) < all.len() {
            handle.count = relabel(&cards_of(&track));
        }
    }
    handle._tall = reserve::watch_height(&section, reserved);

    let view = Rc::new(RefCell::new(View {
        engine,
        host,
        placement: slate.placement,
        track: track.clone(),
        status,
        pause,
        seen: Vec::new(),
        hovered: Cell::new(false),
        focused: Cell::new(false),
        paused: Cell::new(false),
    }));
    let on = |ty: &'static str, f: fn(&Rc<RefCell<View>>, &web_sys::Event)| {
        let view = view.clone();
        Listener::new(&section, ty, move |e| f(&view, e))
    };
    handle.listeners.push(on("click", on_click));
    handle.listeners.push(on("keydown", on_key));
    handle
        .listeners
        .push(on("mouseenter", |v, _| v.borrow().hovered.set(true)));
    handle
        .listeners
        .push(on("mouseleave", |v, _| v.borrow().hovered.set(false)));
    handle
        .listeners
        .push(on("focusin", |v, _| v.borrow().focused.set(true)));
    handle
        .listeners
        .push(on("focusout", |v, _| v.borrow().focused.set(false)));

    // Impressions: cards at least half visible, each counted once.
    let observer_slot: Rc<RefCell<Option<web_sys::IntersectionObserver>>> = Rc::default();
    let cb = {
        let view = view.clone();
        let slot = observer_slot.clone();
        Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            if let Some(o) = slot.borrow().as_ref() {
                on_visible(&view, entries, o);
            }
        })
    };
    let init = web_sys::IntersectionObserverInit::new();
    init.set_threshold(&JsValue::from(0.5));
    let observer =
        web_sys::IntersectionObserver::new_with_options(cb.as_ref().unchecked_ref(), &init)?;
    for c in cards_of(&track) {
        observer.observe(&c);
    }
    *observer_slot.borrow_mut() = Some(observer.clone());
    handle.observer = Some(observer);
    handle._observer_cb = Some(cb);

    if autoplay {
        let view = view.clone();
        handle._timer = Some(gloo_timers::callback::Interval::new(5_000, move || {
            let v = view.borrow();
            if !(v.paused.get() || v.hovered.get() || v.focused.get()) {
                let t = &v.track;
                let end = t.scroll_left() + t.client_width() >= t.scroll_width() - 1;
                if end {
                    t.set_scroll_left(0);
                } else if let Some(first) = cards_of(t).first() {
                    let opts = web_sys::ScrollToOptions::new();
                    opts.set_left(f64::from(first.offset_width()));
                    opts.set_behavior(web_sys::ScrollBehavior::Smooth);
                    t.scroll_by_with_scroll_to_options(&opts);
                }
            }
        }));
    }
    handle.view = Some(view);
    Ok(handle)
}
