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

/// Catalogue text a feed can hold: very long, unbroken, right-to-left,
/// emoji sequences, stacked combining marks.
fn extreme_titles() -> Vec<String> {
    vec![
        "W".repeat(5_000),
        "Organic Free-Range Pasture-Raised Large Brown Eggs, Grade AA, Family Pack of 24, \
         Omega-3 Enriched, Vegetarian-Fed Hens, Certified Humane, Farm Fresh Daily"
            .into(),
        "حليب كامل الدسم عضوي من مزارع محلية طازج يوميا ".repeat(6) + "חלב מלא אורגני",
        "🍌🍓👨‍👩‍👧‍👦🏳️‍🌈🧑🏽‍🌾".repeat(60),
        "e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}\u{307}\u{308}\u{309}\u{30a}\u{30b}\u{30c}"
            .repeat(120),
        "lorem ipsum dolor ".repeat(300),
        format!("https://cdn.example/{}", "a1b2c3".repeat(600)),
    ]
}

/// The grocery fixture plus one item per extreme title, each linked from
/// bananas (the cart).
fn extreme_grocery() -> xsell_core::ModelBuilder {
    let mut b = common::grocery();
    for (k, t) in extreme_titles().into_iter().enumerate() {
        let mut item = b.items[2].clone();
        item.id = format!("x{k}");
        item.title = t;
        item.url = format!("https://shop.example/p/x{k}");
        item.image = format!("https://img.example/x{k}.png");
        b.items.push(item);
        b.neighbours[0].push(xsell_core::Neighbour {
            target: (b.items.len() - 1) as u32,
            co: 0.8,
            seq: 0.0,
        });
        b.neighbours.push(Vec::new());
    }
    b.vectors = None;
    b
}

fn rect(e: &Element) -> web_sys::DomRect {
    e.get_bounding_client_rect()
}

/// Every card has one width and one height, at most `max_h` px, and
/// everything in it stays inside it; its full title is still its name.
fn assert_cards_keep_their_box(r: &ShadowRoot, max_h: f64) {
    let cards = all(r, "li[data-id]");
    let ids: Vec<_> = cards
        .iter()
        .map(|c| c.get_attribute("data-id").unwrap())
        .collect();
    assert!(
        ids.iter().filter(|i| i.starts_with('x')).count() >= 6,
        "{ids:?}"
    );
    let plain = rect(&cards[0]);
    let titles = extreme_titles();
    for c in &cards {
        let id = c.get_attribute("data-id").unwrap();
        let b = rect(c);
        assert!(
            (b.width() - plain.width()).abs() < 1.0,
            "{id}: width {} vs {}",
            b.width(),
            plain.width()
        );
        assert!(b.height() <= max_h, "{id}: height {}", b.height());
        let inner = c.query_selector_all("*").unwrap();
        for k in 0..inner.length() {
            let e: Element = inner.item(k).unwrap().unchecked_into();
            let i = rect(&e);
            assert!(
                i.left() >= b.left() - 0.5
                    && i.right() <= b.right() + 0.5
                    && i.top() >= b.top() - 0.5
                    && i.bottom() <= b.bottom() + 0.5,
                "{id}: <{}> at {}..{} x {}..{} leaves its card {}..{} x {}..{}",
                e.tag_name(),
                i.left(),
                i.right(),
                i.top(),
                i.bottom(),
                b.left(),
                b.right(),
                b.top(),
                b.bottom()
            );
        }
        if let Some(k) = id.strip_prefix('x') {
            let full = &titles[k.parse::<usize>().unwrap()];
            let title = c.query_selector(".title").unwrap().unwrap();
            assert_eq!(
                title.text_content().as_deref(),
                Some(full.as_str()),
                "{id}: the whole title is in the tree"
            );
            assert!(
                c.get_attribute("aria-label")
                    .unwrap()
                    .ends_with(full.as_str()),
                "{id}: and in the name"
            );
        }
    }
}

/// A layout test in Chromium: extreme catalogue text, in both layouts,
/// changes no card's size and nothing leaves its card.
#[wasm_bindgen_test]
async fn extreme_titles_keep_every_card_in_its_box() {
    for layout in ["carousel", "grid"] {
        let _ = storage().clear();
        let opts = obj(&format!(
            r#"{{"storagePrefix":"t-extreme","placements":{{"v":1,"placements":{{"cart":{{"layout":"{layout}","slots":12}}}}}}}}"#
        ));
        let e = Engine::new(extreme_grocery().build().unwrap().into_boxed_slice(), opts).unwrap();
        e.track("add_to_cart", obj(r#"{"items":[{"item_id":"b"}]}"#))
            .unwrap();
        let h = host();
        h.style().set_property("width", "900px").unwrap();
        let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
        sleep(50).await; // fonts and images settle
        assert_cards_keep_their_box(&root(&h), 460.0);
        assert!(
            rect(&h).width() <= 900.5,
            "{layout}: the widget is {} px wide",
            rect(&h).width()
        );
        drop(c);
        h.remove();
    }
}

/// A grid keeps to the space the page reserved (its rows that do not fit
/// are left out, the rest relabelled); a carousel fits as it is.
#[wasm_bindgen_test]
fn a_grid_keeps_to_the_space_the_page_reserved() {
    let _ = storage().clear();
    let opts = obj(
        r#"{"storagePrefix":"t-reserve","placements":{"v":1,"placements":{"cart":{"layout":"grid","slots":12}}}}"#,
    );
    let e = Engine::new(extreme_grocery().build().unwrap().into_boxed_slice(), opts).unwrap();
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":"b"}]}"#))
        .unwrap();
    let h = host();
    // A phone-wide column: two cards a row, so a dozen cards make six rows.
    h.style().set_property("width", "400px").unwrap();
    h.style().set_property("min-height", "32rem").unwrap();
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    let r = root(&h);
    let section = r.query_selector("section").unwrap().unwrap();
    assert!(
        rect(&section).height() <= 512.5,
        "grid {} px in 512",
        rect(&section).height()
    );
    let cards = all(&r, "li[data-id]");
    assert_eq!(cards.len(), c.count());
    assert!((2..10).contains(&cards.len()), "kept {}", cards.len());
    let n = cards.len();
    for (k, card) in cards.iter().enumerate() {
        assert!(card
            .get_attribute("aria-label")
            .unwrap()
            .starts_with(&format!("{} of {n}: ", k + 1)));
    }
    drop(c);
    h.remove();
}

/// A placement that shows nothing gives the reserved space back only where
/// that moves nothing the shopper sees: off screen, not in view.
#[wasm_bindgen_test]
async fn nothing_shown_gives_the_space_back_only_off_screen() {
    let _ = storage().clear();
    let opts = obj(
        r#"{"storagePrefix":"t-collapse","placements":{"v":1,"placements":{"cart":{"minCartItems":3}}}}"#,
    );
    let e = Engine::new(common::grocery().build().unwrap().into_boxed_slice(), opts).unwrap();
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":"b"}]}"#))
        .unwrap();
    let reserved = |h: &HtmlElement| rect(h).height();
    // In view (the test page has been painted): the space stays. (The
    // runner's page grows with its output: place the host explicitly.)
    let h = host();
    let place = |top: &str| {
        for (k, v) in [
            ("position", "absolute"),
            ("left", "0"),
            ("top", top),
            ("min-height", "300px"),
        ] {
            h.style().set_property(k, v).unwrap();
        }
    };
    place("0px");
    // Something visible painted first (paint timing reports nothing for
    // a blank page: then giving the space back moves nothing seen).
    let text: HtmlElement = doc().create_element("p").unwrap().unchecked_into();
    text.set_text_content(Some("The page above the widget"));
    doc().body().unwrap().append_child(&text).unwrap();
    let perf = web_sys::window().unwrap().performance().unwrap();
    for _ in 0..100 {
        if perf.get_entries_by_type("paint").length() > 0 {
            break;
        }
        sleep(20).await;
    }
    assert!(
        perf.get_entries_by_type("paint").length() > 0,
        "the page was painted"
    );
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    assert_eq!(c.count(), 0);
    sleep(100).await;
    assert_eq!(reserved(&h), 300.0, "in view, nothing moves");
    assert!(!h.has_attribute("data-xsell-collapsed"));
    // Off screen: given back.
    place("300vh");
    sleep(200).await;
    assert_eq!(reserved(&h), 0.0, "off screen, the space goes back");
    assert!(h.has_attribute("data-xsell-collapsed"));
    drop(c);
    // Something to show again: the reservation is taken again.
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":"m"}]}"#))
        .unwrap();
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":"c"}]}"#))
        .unwrap();
    let c = e.mount(h.clone(), obj(r#"{"placement":"cart"}"#)).unwrap();
    assert!(c.count() > 0);
    assert!(!h.has_attribute("data-xsell-collapsed"));
    assert!(reserved(&h) >= 300.0);
    drop(c);
    h.remove();
    text.remove();
}

#[wasm_bindgen_test]
fn prepare_then_mount_prepared_draws_what_mount_draws() {
    let before = live_listeners();
    let e = engine("t-prepare", common::grocery());
    let options = r#"{"placement":"cart","heading":"Goes with bananas"}"#;
    let (once, halves) = (host(), host());
    let c1 = e.mount(once.clone(), obj(options)).unwrap();
    let attached = live_listeners();
    let prepared = e.prepare(obj(options)).unwrap();
    assert_eq!(live_listeners(), attached, "preparing attaches nothing");
    let c2 = e.mount_prepared(halves.clone(), prepared).unwrap();
    assert!(
        live_listeners() > attached,
        "drawing attaches the listeners"
    );
    assert_eq!(c1.count(), c2.count());
    assert_eq!(root(&once).inner_html(), root(&halves).inner_html());
    // A slate prepared and never drawn is dropped without a trace.
    let mid = live_listeners();
    drop(e.prepare(obj(options)).unwrap());
    assert_eq!(live_listeners(), mid);
    drop((c1, c2));
    assert_eq!(live_listeners(), before);
    once.remove();
    halves.remove();
}

/// A `blob:` URL serving `bytes`.
fn blob_url(bytes: &[u8]) -> String {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap();
    web_sys::Url::create_object_url_with_blob(&blob).unwrap()
}

fn message(err: &JsValue) -> String {
    Reflect::get(err, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn from_url_reads_the_model_as_it_streams_in_and_says_what_failed() {
    // Several of the reader's 256 KiB slices.
    let bytes = xsell_core::synth::synthetic_model(6_000);
    assert!(bytes.len() > 3 << 18, "{} bytes", bytes.len());
    let url = blob_url(&bytes);
    let e = Engine::from_url(url.clone(), obj(r#"{"storagePrefix":"t-url"}"#))
        .await
        .unwrap();
    let info = e.model_info();
    assert_eq!(
        Reflect::get(&info, &"bytes".into()).unwrap().as_f64(),
        Some(bytes.len() as f64)
    );
    assert_eq!(
        Reflect::get(&info, &"items".into()).unwrap().as_f64(),
        Some(6_000.0)
    );
    // The same model as one read from memory: the same slate.
    let direct = Engine::new(
        bytes.clone().into_boxed_slice(),
        obj(r#"{"storagePrefix":"t-url2"}"#),
    )
    .unwrap();
    let request = obj(r#"{"placement":"home","slots":8}"#);
    assert_eq!(
        js_sys::JSON::stringify(&e.recommend(request.clone()).unwrap()).unwrap(),
        js_sys::JSON::stringify(&direct.recommend(request).unwrap()).unwrap()
    );
    web_sys::Url::revoke_object_url(&url).unwrap();

    // A damaged body (a header declaring more than comes), then nothing there.
    let mut damaged = bytes[..bytes.len() / 2].to_vec();
    damaged[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    let url = blob_url(&damaged);
    let err = Engine::from_url(url.clone(), JsValue::UNDEFINED)
        .await
        .err()
        .expect("a damaged model is refused");
    assert!(message(&err).contains("model"), "{}", message(&err));
    web_sys::Url::revoke_object_url(&url).unwrap();
    let err = Engine::from_url(url.clone(), JsValue::UNDEFINED)
        .await
        .err()
        .expect("a revoked URL serves nothing");
    assert!(
        message(&err).contains(&format!("could not download the model from {url}")),
        "{}",
        message(&err)
    );
}
