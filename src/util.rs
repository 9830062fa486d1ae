//! Small helpers shared by the bindings.

use std::cell::Cell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A JavaScript `Error` with `message`.
pub fn js_error(message: impl AsRef<str>) -> JsValue {
    js_sys::Error::new(&format!("xsell: {}", message.as_ref())).into()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A high-resolution timestamp in ms (for latency).
pub fn perf_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

thread_local! {
    static WARNED: Cell<u32> = const { Cell::new(0) };
}

/// Logs one line to the console (at most 20 per page, so a broken setup
/// cannot flood the host page's console).
pub fn warn(message: impl AsRef<str>) {
    WARNED.with(|w| {
        if w.get() < 20 {
            w.set(w.get() + 1);
            web_sys::console::warn_1(&format!("xsell: {}", message.as_ref()).into());
        }
    });
}

/// The message of a thrown JavaScript value.
pub fn describe(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", e.name(), e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

/// The `name` of a thrown DOMException or Error.
pub fn error_name(v: &JsValue) -> String {
    js_sys::Reflect::get(v, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

/// Deserializes an options object, refusing names it does not know (a
/// typo like `endPoint` must not be silently ignored). `undefined` and
/// `null` give the defaults.
pub fn parse_options<T: serde::de::DeserializeOwned + Default>(
    v: JsValue,
    known: &[&str],
    what: &str,
) -> Result<T, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    if !v.is_object() {
        return Err(js_error(format!("{what} must be an object")));
    }
    for key in js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            return Err(js_error(format!(
                "{what}: unknown field `{key}`; expected one of {}",
                known.join(", ")
            )));
        }
    }
    serde_wasm_bindgen::from_value(v).map_err(|e| js_error(format!("{what}: {e}")))
}
