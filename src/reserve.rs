//! The space the host page reserves for the widget, kept to.
//!
//! The page reserves it with CSS on the element (`min-block-size`, or
//! `min-height`), before the widget arrives, so nothing moves when the
//! cards render. The widget then keeps to it:
//! - a grid never grows past it: rows that do not fit are left out (a grid
//!   has more rows on a narrow screen than on a wide one);
//! - a carousel (one row, its text clamped) that is taller anyway says so
//!   once in the console, with the height to reserve;
//! - a placement that shows nothing (a holdout, trigger rules, fatigue, an
//!   opt-out) gives the space back only when that moves nothing the shopper
//!   sees: before the page's first paint, or once the element is off
//!   screen (above it, the browser's scroll anchoring keeps the view still).

use std::cell::Cell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Element, HtmlElement, IntersectionObserver, IntersectionObserverEntry, ResizeObserver,
};

/// Set on the host while its reservation is given back.
const COLLAPSED: &str = "data-xsell-collapsed";

thread_local! {
    static WARNED: Cell<bool> = const { Cell::new(false) };
}

/// The block size the host page reserved for the element, in CSS px (0
/// when none).
pub(crate) fn reserved_px(host: &HtmlElement) -> f64 {
    web_sys::window()
        .and_then(|w| w.get_computed_style(host).ok().flatten())
        .and_then(|s| s.get_property_value("min-height").ok())
        .and_then(|v| v.strip_suffix("px").and_then(|n| n.parse().ok()))
        .unwrap_or(0.0)
}

/// Leaves out the cards of a grid that reach below the reserved space
/// (`section` is what the widget shows, `cards` its cards in order); the
/// first row always stays. Returns how many cards are kept. Measures (a
/// layout of the cards) only when the page reserved space.
pub(crate) fn fit_grid(section: &Element, cards: &[HtmlElement], reserved: f64) -> usize {
    if reserved <= 0.0 || cards.is_empty() {
        return cards.len();
    }
    let excess = section.get_bounding_client_rect().height() - reserved;
    if excess <= 0.5 {
        return cards.len();
    }
    let rects: Vec<_> = cards.iter().map(|c| c.get_bounding_client_rect()).collect();
    let first_row = rects[0].top();
    let bottom = rects.iter().map(|r| r.bottom()).fold(f64::MIN, f64::max);
    // Removing rows shortens the section by what they added below the
    // rows kept.
    let limit = bottom - excess + 0.5;
    let mut kept = 0;
    for (card, r) in cards.iter().zip(&rects) {
        if r.bottom() <= limit || r.top() <= first_row + 0.5 {
            kept += 1;
        } else {
            card.remove();
        }
    }
    kept
}

/// Watches a shown section's height against the reserved space, to say
/// once per page, in the console, that the widget is taller than the space
/// (which moves the page below it). The browser reports the height once it
/// lays the section out, so mounting forces no layout of its own; dropping
/// the watch stops it.
pub(crate) struct TallWatch {
    observer: ResizeObserver,
    _cb: Closure<dyn FnMut(js_sys::Array, ResizeObserver)>,
}

impl Drop for TallWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Starts the watch; `None` when the page reserved nothing or the warning
/// was already given.
pub(crate) fn watch_height(section: &Element, reserved: f64) -> Option<TallWatch> {
    if reserved <= 0.0 || WARNED.with(Cell::get) {
        return None;
    }
    let s = section.clone();
    let cb = Closure::<dyn FnMut(js_sys::Array, ResizeObserver)>::new(
        move |_: js_sys::Array, observer: ResizeObserver| {
            // Laid out already: reading the size costs no layout.
            let height = s.get_bounding_client_rect().height();
            if height <= reserved + 0.5 || WARNED.with(|w| w.replace(true)) {
                return;
            }
            observer.disconnect();
            web_sys::console::warn_1(
                &format!(
                    "xsell: the recommendations are {height:.0} px tall but the page reserves \
                     {reserved:.0} px for them, so the page below moves when they render; \
                     reserve at least {:.0} px (min-block-size on the element)",
                    height.ceil()
                )
                .into(),
            );
        },
    );
    let observer = ResizeObserver::new(cb.as_ref().unchecked_ref()).ok()?;
    observer.observe(section);
    Some(TallWatch { observer, _cb: cb })
}

/// Gives the reservation back while nothing is shown; dropping it stops
/// waiting for the element to leave the screen.
pub(crate) struct Collapse {
    observer: IntersectionObserver,
    _cb: Closure<dyn FnMut(js_sys::Array)>,
}

impl Drop for Collapse {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Whether the page has been painted; a browser without paint timing is
/// taken as painted (never give the space back where that could show).
fn painted() -> bool {
    let supported = js_sys::Reflect::get(&js_sys::global(), &"PerformanceObserver".into())
        .and_then(|po| js_sys::Reflect::get(&po, &"supportedEntryTypes".into()))
        .ok()
        .and_then(|t| t.dyn_into::<js_sys::Array>().ok())
        .is_some_and(|t| t.includes(&"paint".into(), 0));
    !supported
        || web_sys::window()
            .and_then(|w| w.performance())
            .is_none_or(|p| p.get_entries_by_type("paint").length() > 0)
}

fn set_collapsed(host: &HtmlElement) {
    // An inline declaration (through the CSSOM, which a CSP allows) wins
    // over the page's stylesheet.
    // The page's own inline value (if it reserved there) is kept in the
    // marker, for `restore`.
    let style = host.style();
    let own = style.get_property_value("min-height").unwrap_or_default();
    let _ = host.set_attribute(COLLAPSED, &own);
    let _ = style.set_property("min-height", "0px");
}

/// Gives the host's reservation back now if the page has not been painted
/// yet, else as soon as the element is off screen. `None` when there is
/// nothing to give back or it was given back at once.
pub(crate) fn collapse(host: &HtmlElement) -> Result<Option<Collapse>, JsValue> {
    if host.has_attribute(COLLAPSED) || reserved_px(host) <= 0.0 {
        return Ok(None);
    }
    if !painted() {
        set_collapsed(host);
        return Ok(None);
    }
    let h = host.clone();
    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        let off_screen = entries
            .iter()
            .filter_map(|e| e.dyn_into::<IntersectionObserverEntry>().ok())
            .next_back()
            .is_some_and(|e| !e.is_intersecting());
        if off_screen {
            set_collapsed(&h);
        }
    });
    let observer = IntersectionObserver::new(cb.as_ref().unchecked_ref())?;
    observer.observe(host);
    Ok(Some(Collapse { observer, _cb: cb }))
}

/// Takes a given-back reservation again (something is shown).
pub(crate) fn restore(host: &HtmlElement) {
    if let Some(own) = host.get_attribute(COLLAPSED) {
        let style = host.style();
        let _ = if own.is_empty() {
            style.remove_property("min-height").map(drop)
        } else {
            style.set_property("min-height", &own)
        };
        let _ = host.remove_attribute(COLLAPSED);
    }
}
