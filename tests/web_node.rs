//! The wasm boundary, in Node (`wasm-pack test --node -- --test web_node`):
//! model bytes in, recommendations out; every failure is a real `Error`
//! with a message that says what to do.
#![cfg(target_arch = "wasm32")]

#[path = "../crates/core/tests/common/mod.rs"]
mod common;

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use xsell::Engine;
use xsell_core::shopper::{Shopper, ShopperSettings, SlateRequest};
use xsell_core::{Model, ParamGuard};

#[path = "../crates/core/tests/common/script.rs"]
mod script;

fn model() -> Box<[u8]> {
    common::grocery().build().unwrap().into_boxed_slice()
}

fn obj(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

fn message(err: JsValue) -> String {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "not an Error: {err:?}"
    );
    String::from(err.unchecked_into::<js_sys::Error>().message())
}

#[wasm_bindgen_test]
fn model_bytes_in_recommendations_out() {
    let e = Engine::new(model(), JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&e.model_info(), "items").as_f64(), Some(6.0));
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":"b"}]}"#))
        .unwrap();
    let out = e
        .recommend(obj(r#"{"placement":"cart","slots":3}"#))
        .unwrap();
    assert_eq!(get(&out, "reason").as_string().as_deref(), Some("show"));
    let items: Array = get(&out, "items").unchecked_into();
    assert!(items.length() >= 2);
    let ids: Vec<String> = items
        .iter()
        .map(|c| get(&c, "id").as_string().unwrap())
        .collect();
    // Strawberries are bananas' strongest link; at the cart, same-aisle
    // items are demoted as substitutes, so milk may come first.
    assert!(
        ids.contains(&"s".to_string()) && ids.contains(&"m".to_string()),
        "{ids:?}"
    );
    assert!(!ids.contains(&"b".to_string()), "never the cart's own item");
    assert!(!ids.contains(&"y".to_string()), "never out of stock");
    let first = items
        .iter()
        .find(|c| get(c, "id").as_string().unwrap() == "s")
        .unwrap();
    assert_eq!(
        get(&first, "reason").as_string().unwrap(),
        "Often bought with Bananas"
    );
    assert_eq!(get(&first, "priceText").as_string().unwrap(), "$1.99");
    assert_eq!(
        get(&first, "url").as_string().unwrap(),
        "https://shop.example/p/s"
    );
    assert_eq!(e.cart(), vec!["b".to_string()]);
}

#[wasm_bindgen_test]
fn numeric_ga4_ids_and_removal_follow_the_cart() {
    let e = Engine::new(model(), JsValue::UNDEFINED).unwrap();
    e.track(
        "add_to_cart",
        obj(r#"{"items":[{"item_id":"b"},{"item_id":"m"}]}"#),
    )
    .unwrap();
    e.track("remove_from_cart", obj(r#"{"item_id":"b"}"#))
        .unwrap();
    assert_eq!(e.cart(), vec!["m".to_string()]);
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":42}]}"#))
        .unwrap();
    assert_eq!(e.cart(), vec!["m".to_string(), "42".to_string()]);
    e.track(
        "purchase",
        obj(r#"{"value":12.5,"items":[{"item_id":"m"}]}"#),
    )
    .unwrap();
    assert!(e.cart().is_empty(), "a purchase empties the cart");
}

#[wasm_bindgen_test]
fn a_corrupt_model_is_an_error_that_says_what_to_do() {
    let mut bytes = model().into_vec();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let msg = message(
        Engine::new(bytes.into_boxed_slice(), JsValue::UNDEFINED)
            .err()
            .unwrap(),
    );
    assert!(
        msg.starts_with("xsell: the model file is not usable"),
        "{msg}"
    );
    assert!(msg.contains("xsell train"), "{msg}");
    let msg = message(
        Engine::new(Box::new([1, 2, 3]), JsValue::UNDEFINED)
            .err()
            .unwrap(),
    );
    assert!(msg.contains("not usable"), "{msg}");
}

#[wasm_bindgen_test]
fn bad_calls_are_errors() {
    let e = Engine::new(model(), JsValue::UNDEFINED).unwrap();
    let msg = message(
        e.track("add_to_basket", obj(r#"{"item_id":"b"}"#))
            .err()
            .unwrap(),
    );
    assert!(
        msg.contains("unknown event \"add_to_basket\"") && msg.contains("add_to_cart"),
        "{msg}"
    );
    let msg = message(
        e.track("view_item", obj(r#"{"items":[{"sku":"b"}]}"#))
            .err()
            .unwrap(),
    );
    assert!(msg.contains("items[0].item_id"), "{msg}");
    let msg = message(e.track("view_item", JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("needs params"), "{msg}");
    let msg = message(e.recommend(obj(r#"{"slots":0}"#)).err().unwrap());
    assert!(msg.contains("1 to 24"), "{msg}");
    let msg = message(
        e.recommend(obj(r#"{"placement":"Cart Page"}"#))
            .err()
            .unwrap(),
    );
    assert!(msg.contains("placement"), "{msg}");
    let msg = message(e.recommend(obj(r#"{"page":"basket"}"#)).err().unwrap());
    assert!(msg.contains("product, cart, checkout, home"), "{msg}");
    let msg = message(e.recommend(obj(r#"{"slot":3}"#)).err().unwrap());
    assert!(
        msg.contains("unknown field `slot`") && msg.contains("slots"),
        "{msg}"
    );
}

#[wasm_bindgen_test]
fn bad_options_are_errors() {
    let msg = message(Engine::new(model(), obj(r#"{"epsilon":5}"#)).err().unwrap());
    assert!(msg.contains("(0, 2]"), "{msg}");
    let msg = message(
        Engine::new(model(), obj(r#"{"endPoint":"/x"}"#))
            .err()
            .unwrap(),
    );
    assert!(msg.contains("unknown field `endPoint`"), "{msg}");
}

#[wasm_bindgen_test]
fn without_a_page_nothing_is_reported() {
    let e = Engine::new(
        model(),
        obj(r#"{"endpoint":"http://127.0.0.1:1/v1/reports"}"#),
    )
    .unwrap();
    e.track("add_to_cart", obj(r#"{"item_id":"b"}"#)).unwrap();
    e.record_impressions("cart", vec!["s".into()]);
    assert_eq!(e.flush(), 0, "no sendBeacon outside a browser");
}

#[wasm_bindgen_test]
async fn loading_in_slices_gives_the_same_engine_and_the_same_errors() {
    let e = Engine::load(model(), JsValue::UNDEFINED).await.unwrap();
    e.track("add_to_cart", obj(r#"{"item_id":"b"}"#)).unwrap();
    let out = e.recommend(obj(r#"{"slots":3}"#)).unwrap();
    let items: Array = get(&out, "items").unchecked_into();
    assert!(items.length() >= 2);
    let mut bytes = model().into_vec();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let msg = message(
        Engine::load(bytes.into_boxed_slice(), JsValue::UNDEFINED)
            .await
            .err()
            .unwrap(),
    );
    assert!(msg.contains("checksum"), "{msg}");
}

#[wasm_bindgen_test]
fn relevance_answers_are_checked() {
    let e = Engine::new(model(), JsValue::UNDEFINED).unwrap();
    e.record_relevance("checkout", 4).unwrap();
    let msg = message(e.record_relevance("checkout", 6).err().unwrap());
    assert!(msg.contains("1 (not relevant) to 5"), "{msg}");
    let msg = message(e.record_relevance("Check Out", 3).err().unwrap());
    assert!(msg.contains("placement"), "{msg}");
}

/// The same script and seed as the native `tests/shopper.rs`, run by the
/// wasm build: the same slates and the same report bytes, line by line.
#[wasm_bindgen_test]
fn the_scripted_days_match_the_native_transcript() {
    let got = script::transcript();
    for (k, (g, w)) in got.lines().zip(script::GOLDEN.lines()).enumerate() {
        assert_eq!(g, w, "line {} differs between wasm and native", k + 1);
    }
    assert_eq!(got.lines().count(), script::GOLDEN.lines().count());
}

/// The engine only converts: the slate it returns through JavaScript is the
/// core shopper's for the same events.
#[wasm_bindgen_test]
fn the_engine_returns_the_shoppers_slate() {
    let bytes = xsell_core::synth::synthetic_model(2_000);
    let e = Engine::new(
        bytes.clone().into_boxed_slice(),
        obj(r#"{"storagePrefix":"parity"}"#),
    )
    .unwrap();
    let model = Model::parse(&bytes).unwrap();
    let settings = ShopperSettings::default().check().unwrap();
    let (mut s, _) = Shopper::new(model, settings, None, None);
    let now = js_sys::Date::now() as u64;
    for (event, id) in [
        ("view_item", "3"),
        ("add_to_cart", "3"),
        ("view_item", "17"),
        ("add_to_cart", "40"),
    ] {
        e.track(
            event,
            obj(&format!(r#"{{"items":[{{"item_id":"{id}"}}]}}"#)),
        )
        .unwrap();
        s.track(event, &[id.to_string()], None, now).unwrap();
    }
    for placement in ["cart", "product", "home"] {
        let js = e
            .recommend(obj(&format!(
                r#"{{"placement":"{placement}","item":"17"}}"#
            )))
            .unwrap();
        let req = SlateRequest {
            placement: Some(placement.into()),
            item: Some("17".into()),
            ..SlateRequest::default()
        };
        let native = s.recommend(&req, now).unwrap();
        let want = serde_json::to_string(&native).unwrap();
        let got = js_sys::JSON::stringify(&js).unwrap().as_string().unwrap();
        assert_eq!(got, want, "{placement}");
    }
}

/// Experiments reach the engine: the device gets a salt (kept, never sent),
/// an arm that sticks across engines over the same storage, and the arm's
/// behaviour; a bad experiment file is an `Error` that names the field.
#[wasm_bindgen_test]
fn experiments_bucket_the_device_and_apply_the_arm() {
    let file = r#"{"v":1,"experiments":[{"name":"hold","placement":"cart","start":"2020-01-01","end":"2099-12-31",
        "arms":[{"name":"none","weight":1,"kind":"holdout"},{"name":"none2","weight":1,"kind":"holdout"}]}]}"#;
    let opts = obj(&format!(
        r#"{{"storagePrefix":"exp","experiments":{file}}}"#
    ));
    let e = Engine::new(model(), opts.clone()).unwrap();
    let arm = e.arm("cart");
    assert!(
        arm.is_object(),
        "Node has crypto: the device has a salt and an arm"
    );
    let name = get(&arm, "arm").as_string().unwrap();
    assert!(name == "none" || name == "none2");
    assert_eq!(get(&arm, "kind").as_string().as_deref(), Some("holdout"));
    assert!(e.arm("product").is_null(), "no experiment there");
    e.track("add_to_cart", obj(r#"{"items":[{"item_id":"b"}]}"#))
        .unwrap();
    let slate = e.recommend(obj(r#"{"placement":"cart"}"#)).unwrap();
    assert_eq!(
        get(&slate, "reason").as_string().as_deref(),
        Some("holdout")
    );
    assert_eq!(get(&slate, "arm").as_string(), Some(name.clone()));
    let bad = obj(
        r#"{"experiments":{"v":1,"experiments":[{"name":"x","placement":"cart","start":"2026-02-31","end":"2026-03-01","arms":[]}]}}"#,
    );
    let err = message(Engine::new(model(), bad).err().unwrap());
    assert!(
        err.contains("calendar") || err.contains("start/end"),
        "{err}"
    );
}
