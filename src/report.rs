//! The transport of private feedback: the core decides which noised
//! reports are due (`Shopper::due_reports`); this module sends them with
//! `sendBeacon` when the page is hidden, keeps the ledger in
//! `localStorage`, and stops everything for Global Privacy Control, Do Not
//! Track or `setConsent(false)`. The noise comes from
//! `crypto.getRandomValues` through the exact samplers of
//! [`xsell_core::privacy::exact`]; without a cryptographic source nothing
//! is sent.

use wasm_bindgen::{JsCast, JsValue};

use crate::storage::Store;
use crate::util::{describe, warn};
use xsell_core::privacy::exact::RandomBits;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::shopper::{utc_day, Shopper};

/// Random words from `crypto.getRandomValues`.
pub struct CryptoRng {
    crypto: web_sys::Crypto,
    buf: [u8; 256],
    pos: usize,
}

impl CryptoRng {
    /// The global cryptographic source (a page's, a worker's or Node's
    /// `crypto`), if there is one.
    pub fn new() -> Option<Self> {
        let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
        if !crypto.is_object() {
            return None;
        }
        let crypto: web_sys::Crypto = crypto.unchecked_into();
        let mut rng = Self {
            crypto,
            buf: [0; 256],
            pos: 256,
        };
        rng.refill().ok()?;
        Some(rng)
    }

    fn refill(&mut self) -> Result<(), JsValue> {
        self.crypto.get_random_values_with_u8_array(&mut self.buf)?;
        self.pos = 0;
        Ok(())
    }
}

impl RandomBits for CryptoRng {
    fn next_u64(&mut self) -> u64 {
        if self.pos + 8 > self.buf.len() {
            // getRandomValues does not fail for 256 bytes; if it ever did,
            // stopping is the only safe answer (never weaker noise).
            self.refill().expect("crypto.getRandomValues failed");
        }
        let mut w = [0u8; 8];
        w.copy_from_slice(&self.buf[self.pos..self.pos + 8]);
        self.pos += 8;
        u64::from_le_bytes(w)
    }
}

/// The device's experiment salt: made once from `crypto.getRandomValues`
/// and kept in `localStorage` (`xsell:salt`), never sent. `None` without a
/// cryptographic source: experiments then do not apply on this page.
pub fn device_salt(store: &Store) -> Option<u64> {
    if let Some(s) = store
        .get("salt")
        .and_then(|s| u64::from_str_radix(&s, 16).ok())
    {
        return Some(s);
    }
    let salt = CryptoRng::new()?.next_u64();
    // Kept in memory for this page if storage refuses it.
    let _ = store.set("salt", &format!("{salt:016x}"));
    Some(salt)
}

fn navigator_flag(name: &str) -> JsValue {
    web_sys::window()
        .map(|w| js_sys::Reflect::get(&w.navigator(), &name.into()).unwrap_or(JsValue::UNDEFINED))
        .unwrap_or(JsValue::UNDEFINED)
}

/// Global Privacy Control or Do Not Track is on.
pub fn opted_out_by_browser() -> bool {
    navigator_flag("globalPrivacyControl").as_bool() == Some(true)
        || navigator_flag("doNotTrack").as_string().as_deref() == Some("1")
}

/// Where reports go, and whether they may: the transport of the core's
/// due reports ([`Shopper::due_reports`] decides which, shares ε and
/// charges the ledger).
pub struct Reporter {
    endpoint: Option<String>,
    consent: bool,
}

impl Reporter {
    /// `consent`: the page's choice; when absent, the one remembered on the
    /// device (default yes).
    pub fn new(endpoint: Option<String>, consent: Option<bool>, store: &Store) -> Self {
        let consent = consent.unwrap_or_else(|| store.get("consent").as_deref() != Some("0"));
        Self { endpoint, consent }
    }

    /// Changes and remembers the consent.
    pub fn set_consent(&mut self, consent: bool, store: &Store) {
        self.consent = consent;
        let _ = store.set("consent", if consent { "1" } else { "0" });
    }

    /// Whether reports may be sent now.
    pub fn allowed(&self) -> bool {
        self.endpoint.is_some() && self.consent && !opted_out_by_browser()
    }

    /// Sends the shopper's due reports with `sendBeacon`; returns how many
    /// the browser accepted.
    pub fn flush(&mut self, shopper: &mut Shopper<'_>, store: &Store, now: u64) -> u32 {
        let Some(endpoint) = self.endpoint.clone().filter(|_| self.allowed()) else {
            return 0;
        };
        if !shopper.reports_due(now) {
            return 0;
        }
        let Some(mut rng) = CryptoRng::new() else {
            warn("no crypto.getRandomValues on this page; no reports are sent");
            return 0;
        };
        let Some(window) = web_sys::window() else {
            return 0;
        };
        let budget = shopper.settings().daily_epsilon;
        let mut ledger = Ledger::load(store.get("ledger").as_deref(), &utc_day(now), budget);
        let (reports, warnings) = shopper.due_reports(&mut rng, &mut ledger, now);
        for w in warnings {
            warn(w);
        }
        if reports.is_empty() {
            return 0;
        }
        // Charged before sending: a lost beacon costs budget, never the
        // other way round.
        if store.set("ledger", &ledger.save()).is_err() && store.is_persistent() {
            warn("the privacy ledger could not be saved; reports not sent");
            return 0;
        }
        let mut sent = 0;
        for r in reports {
            match window
                .navigator()
                .send_beacon_with_opt_str(&endpoint, Some(&r.body))
            {
                Ok(true) => {
                    shopper.report_sent(&r);
                    sent += 1;
                }
                Ok(false) => warn("the browser refused the report beacon (queue full)"),
                Err(e) => warn(format!("sendBeacon failed: {}", describe(&e))),
            }
        }
        sent
    }
}
