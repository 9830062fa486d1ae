//! DOM behaviour in headless Chrome
//! (`wasm-pack test --headless --chrome -- --test web_browser`): mounting
//! and unmounting, keyboard, "Not interested" that persists, XSS-safe
//! rendering, impressions only when visible, and storage that is full or
//! corrupt.
#![cfg(target_arch = "wasm32")]

#[path = "../crates/core/tests/common/mod.rs"]
mod common;

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, ShadowRoot};
use xsell::{live_listeners, Engine};

wasm_bindgen_test_configure!(run_in_browser);

fn doc() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn obj(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

/// An engine over the grocery fixture with its own storage keys, with
/// bananas in the cart.
fn engine(prefix: &str, builder: xsell_core::ModelBuilder) -> Engine {
    let opts = obj(&format!(r#"{{"storagePrefix":"{prefix}"}}"#));
    let e = Engine::new(builder.build().unwrap().into_boxed_slice(), opts).unwrap();
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":"b"}]}"#))
        .unwrap();
    e
}

fn host() -> HtmlElement {
    let h: HtmlElement = doc().create_element("div").unwrap().unchecked_into();
    doc().body().unwrap().append_child(&h).unwrap();
    h
}

fn root(h: &HtmlElement) -> ShadowRoot {
    h.shadow_root().expect("a shadow root")
}

fn all(r: &ShadowRoot, sel: &str) -> Vec<Element> {
    let list = r.query_selector_all(sel).unwrap();
    (0..list.length())
        .map(|k| list.item(k).unwrap().unchecked_into())
        .collect()
}

fn ids(r: &ShadowRoot) -> Vec<String> {
    all(r, "li[data-id]")
        .iter()
        .map(|e| e.get_attribute("data-id").unwrap())
        .collect()
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

fn key(target: &Element, k: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(k);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
fn mount_renders_an_accessible_carousel_and_unmount_leaves_nothing_behind() {
    let before = live_listeners();
    let e = engine("t-mount", common::grocery());
    let h = host();
    let mut c = e
        .mount(
            h.clone(),
            obj(r#"{"placement":"cart","heading":"Goes with bananas"}"#),
        )
        .unwrap();
    let r = root(&h);
    let n = c.count();
    assert!(n >= 2, "cards: {n}");
    let section = r.query_selector("section").unwrap().unwrap();
    assert_eq!(
        section.get_attribute("aria-roledescription").as_deref(),
        Some("carousel")
    );
    assert_eq!(
        section.get_attribute("aria-label").as_deref(),
        Some("Goes with bananas")
    );
    let cards = all(&r, "li[data-id]");
    assert_eq!(cards.len(), n);
    // List items, not groups: the list keeps its items (axe `list`).
    assert_eq!(cards[0].get_attribute("role"), None);
    let add = all(&r, "button[data-act=add]")[0].clone();
    assert!(
        add.get_attribute("aria-label")
            .unwrap()
            .starts_with(&add.text_content().unwrap()),
        "the visible label starts the accessible name"
    );
    assert!(cards[0]
        .get_attribute("aria-label")
        .unwrap()
        .starts_with(&format!("1 of {n}: ")));
    assert_eq!(cards[0].get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(cards[1].get_attribute("tabindex").as_deref(), Some("-1"));
    assert_eq!(all(&r, "[role=status][aria-live=polite]").len(), 1);
    assert!(
        live_listeners() > before,
        "listeners are attached while mounted"
    );
    let dismiss_button = all(&r, "button[data-act=dismiss]")[0].clone();
    let first_id = cards[0].get_attribute("data-id").unwrap();

    c.unmount();
    assert_eq!(live_listeners(), before, "unmount removes every listener");
    assert_eq!(r.child_element_count(), 0, "the shadow root is empty");
    dismiss_button.unchecked_ref::<HtmlElement>().click();
    assert!(!e.is_dismissed(&first_id), "a detached button does nothing");
    c.unmount(); // twice is fine
    drop(c);
    assert_eq!(live_listeners(), before);
    h.remove();
}

#[wasm_bindgen_test]
fn arrow_keys_home_and_end_move_focus_between_cards() {
    let e = engine("t-keys", common::grocery());
    let h = host();
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    let r = root(&h);
    let cards = all(&r, "li[data-id]");
    assert!(cards.len() >= 3);
    cards[0].unchecked_ref::<HtmlElement>().focus().unwrap();
    key(&cards[0], "ArrowRight");
    assert_eq!(r.active_element().as_ref(), Some(&cards[1]));
    assert_eq!(cards[1].get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(cards[0].get_attribute("tabindex").as_deref(), Some("-1"));
    key(&cards[1], "End");
    assert_eq!(r.active_element().as_ref(), cards.last());
    key(cards.last().unwrap(), "ArrowRight");
    assert_eq!(
        r.active_element().as_ref(),
        cards.last(),
        "stops at the end"
    );
    key(cards.last().unwrap(), "Home");
    assert_eq!(r.active_element().as_ref(), Some(&cards[0]));
    key(&cards[0], "ArrowLeft");
    assert_eq!(
        r.active_element().as_ref(),
        Some(&cards[0]),
        "stops at the start"
    );
    drop(c);
    h.remove();
}

#[wasm_bindgen_test]
fn not_interested_removes_the_card_at_once_and_persists() {
    let prefix = "t-dismiss";
    let e = engine(prefix, common::grocery());
    let h = host();
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    let r = root(&h);
    let before = ids(&r);
    let gone = before[0].clone();
    let cards = all(&r, "li[data-id]");
    cards[0].unchecked_ref::<HtmlElement>().focus().unwrap();
    let button: HtmlElement = all(&r, "button[data-act=dismiss]")[0]
        .clone()
        .unchecked_into();
    button.focus().unwrap();
    button.click();
    let after = ids(&r);
    assert_eq!(after.len(), before.len() - 1);
    assert!(!after.contains(&gone));
    let status = r.query_selector("[role=status]").unwrap().unwrap();
    assert!(status.text_content().unwrap().starts_with("Removed "));
    assert_eq!(
        r.active_element()
            .and_then(|a| a.get_attribute("data-id"))
            .as_deref(),
        Some(after[0].as_str()),
        "focus moves to the next card"
    );
    assert!(all(&r, "li[data-id]")[0]
        .get_attribute("aria-label")
        .unwrap()
        .starts_with(&format!("1 of {}", after.len())));
    // Dismissing the rest: the last one leaves the message on screen, with
    // the focus on it (not on the page's body).
    while let Some(b) = all(&r, "button[data-act=dismiss]").first().cloned() {
        let b: HtmlElement = b.unchecked_into();
        b.focus().unwrap();
        b.click();
    }
    assert!(r
        .query_selector("section")
        .unwrap()
        .unwrap()
        .has_attribute("hidden"));
    let status = r.query_selector("[role=status]").unwrap().unwrap();
    assert!(status
        .text_content()
        .unwrap()
        .ends_with("No more suggestions."));
    assert_eq!(status.get_attribute("class").as_deref(), Some("empty"));
    assert_eq!(r.active_element(), Some(status), "focus is on the message");
    drop(c);
    drop(e);

    // A new page: a new engine over the same storage.
    let e2 = engine(prefix, common::grocery());
    assert!(e2.is_dismissed(&gone));
    let out = e2.recommend(obj(r#"{"placement":"cart"}"#)).unwrap();
    let items: js_sys::Array = Reflect::get(&out, &"items".into())
        .unwrap()
        .unchecked_into();
    let again: Vec<String> = items
        .iter()
        .map(|c| Reflect::get(&c, &"id".into()).unwrap().as_string().unwrap())
        .collect();
    assert!(!again.contains(&gone), "{gone} is back: {again:?}");
    h.remove();
}

#[wasm_bindgen_test]
fn add_to_cart_tells_the_page_and_the_engine() {
    let e = engine("t-add", common::grocery());
    let h = host();
    let got = std::rc::Rc::new(std::cell::RefCell::new(None::<String>));
    let sink = got.clone();
    let listener = gloo_events::EventListener::new(&doc(), "xsell-add-to-cart", move |ev| {
        let d = ev.unchecked_ref::<web_sys::CustomEvent>().detail();
        *sink.borrow_mut() = Reflect::get(&d, &"id".into()).unwrap().as_string();
    });
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    let r = root(&h);
    let id = ids(&r)[0].clone();
    all(&r, "button[data-act=add]")[0]
        .unchecked_ref::<HtmlElement>()
        .click();
    assert_eq!(
        got.borrow().as_deref(),
        Some(id.as_str()),
        "the event bubbles out of the shadow root"
    );
    assert!(e.cart().contains(&id));
    drop(listener);
    drop(c);
    h.remove();
}

#[wasm_bindgen_test]
fn catalog_text_is_text_and_unsafe_urls_are_dropped() {
    let mut b = common::grocery();
    b.items[1].title = "<img src=x onerror=alert(1)>Strawberries".into();
    b.items[1].url = "javascript:alert(1)".into();
    b.items[1].image = "data:image/svg+xml,<svg onload=alert(1)>".into();
    b.items[2].url = "  JaVaScRiPt:alert(2)".into();
    b.items[2].image = "https://img.example/m.png".into();
    let e = engine("t-xss", b);
    let h = host();
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    let r = root(&h);
    let s = r
        .query_selector("li[data-id=s]")
        .unwrap()
        .expect("strawberries shown");
    let title = s.query_selector(".title").unwrap().unwrap();
    assert_eq!(
        title.text_content().unwrap(),
        "<img src=x onerror=alert(1)>Strawberries"
    );
    assert_eq!(title.child_element_count(), 0, "no markup was parsed");
    assert!(
        s.query_selector("a").unwrap().is_none(),
        "a javascript: URL gets no link"
    );
    assert!(
        s.query_selector("img").unwrap().is_none(),
        "a data: image is dropped"
    );
    let m = r
        .query_selector("li[data-id=m]")
        .unwrap()
        .expect("milk shown");
    assert!(
        m.query_selector("a").unwrap().is_none(),
        "case and spaces do not sneak javascript: in"
    );
    let img = m.query_selector("img").unwrap().unwrap();
    assert_eq!(
        img.get_attribute("src").as_deref(),
        Some("https://img.example/m.png")
    );
    assert_eq!(img.get_attribute("loading").as_deref(), Some("lazy"));
    assert!(all(&r, "[onerror], script").is_empty());
    drop(c);
    h.remove();
}

#[wasm_bindgen_test]
async fn impressions_count_only_cards_that_are_visible() {
    let prefix = "t-seen";
    storage().remove_item(&format!("{prefix}:device")).unwrap();
    let e = engine(prefix, common::grocery());
    let shown = host();
    let c1 = e
        .mount(shown.clone(), obj(r#"{"placement":"cart"}"#))
        .unwrap();
    let hidden = host();
    hidden.style().set_property("display", "none").unwrap();
    let c2 = e
        .mount(hidden.clone(), obj(r#"{"placement":"product","item":"m"}"#))
        .unwrap();
    assert!(c2.count() > 0);
    sleep(300).await;
    let device = storage()
        .get_item(&format!("{prefix}:device"))
        .unwrap()
        .unwrap();
    let state: serde_json::Value = serde_json::from_str(&device).unwrap();
    let counts = state["counts"].as_array().unwrap();
    let of = |p: &str| {
        counts
            .iter()
            .find(|c| c["placement"] == p)
            .map_or(0, |c| c["counts"]["impressions"].as_u64().unwrap())
    };
    assert_eq!(
        of("cart") as usize,
        c1.count(),
        "every visible card counted once"
    );
    assert_eq!(of("product"), 0, "a hidden carousel is not an impression");
    drop((c1, c2));
    shown.remove();
    hidden.remove();
}

#[wasm_bindgen_test]
fn a_full_localstorage_loses_nothing_in_memory_and_keeps_what_was_stored() {
    let prefix = "t-full";
    let s = storage();
    let e = engine(prefix, common::grocery());
    e.dismiss("cart", "m");
    let stored = s.get_item(&format!("{prefix}:fatigue")).unwrap().unwrap();
    // Fill the quota to the last byte.
    let mut k = 0;
    for size in [512 * 1024, 32 * 1024, 1024, 32, 1] {
        let chunk = "x".repeat(size);
        while s.set_item(&format!("filler{k}"), &chunk).is_ok() {
            k += 1;
            assert!(k < 2000, "storage never filled");
        }
    }
    e.dismiss("cart", "s");
    assert!(e.is_dismissed("s"), "kept in memory for this page");
    assert!(e.is_dismissed("m"));
    let still = s.get_item(&format!("{prefix}:fatigue")).unwrap().unwrap();
    assert_eq!(
        still, stored,
        "the stored state is left as it was, not truncated"
    );
    let h = host();
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    assert!(!ids(&root(&h)).contains(&"s".to_string()));
    for j in 0..k {
        s.remove_item(&format!("filler{j}")).unwrap();
    }
    drop(c);
    h.remove();
}

#[wasm_bindgen_test]
fn corrupt_stored_state_is_reset_not_fatal() {
    let prefix = "t-corrupt";
    let s = storage();
    s.set_item(&format!("{prefix}:fatigue"), "{\"v\":1,\"dismissed\":[{")
        .unwrap();
    s.set_item(&format!("{prefix}:device"), "\u{0}garbage")
        .unwrap();
    let e = engine(prefix, common::grocery());
    let out = e.recommend(obj(r#"{"placement":"cart"}"#)).unwrap();
    let items: js_sys::Array = Reflect::get(&out, &"items".into())
        .unwrap()
        .unchecked_into();
    assert!(items.length() > 0);
    let fresh: serde_json::Value =
        serde_json::from_str(&s.get_item(&format!("{prefix}:device")).unwrap().unwrap()).unwrap();
    assert_eq!(fresh["v"], 1, "the device state was rewritten cleanly");
}

/// Placement configs reach the DOM: heading copy and grid layout from the
/// config, and a placement that waits for time on the page renders nothing
/// and says when to ask again.
#[wasm_bindgen_test]
fn placement_configs_shape_the_carousel() {
    let _ = storage().clear();
    let opts = obj(r#"{"storagePrefix":"cfg","placements":{"v":1,"placements":{
            "cart":{"layout":"grid","heading":"Complete your basket","blocked":["s"]},
            "product":{"minDwellMs":60000}}}}"#);
    let e = Engine::new(common::grocery().build().unwrap().into_boxed_slice(), opts).unwrap();
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":"b"}]}"#))
        .unwrap();
    let h = host();
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    let r = root(&h);
    let heading = r.query_selector("h2").unwrap().unwrap().text_content();
    assert_eq!(heading.as_deref(), Some("Complete your basket"));
    assert!(r.query_selector("ul.track.grid").unwrap().is_some());
    assert!(
        all(&r, "button[data-act=next]").is_empty(),
        "a grid has nothing to scroll"
    );
    assert!(!ids(&r).contains(&"s".to_string()), "blocked by id");
    assert!(c.retry_after_ms().is_none());
    drop(c);
    let h2 = host();
    let c = e
        .mount(
            h2,
            obj(r#"{"placement":"product","page":"product","item":"b","dwellMs":1000}"#),
        )
        .unwrap();
    assert_eq!(c.count(), 0);
    assert_eq!(c.retry_after_ms(), Some(59_000));
}
