//! The browser side of private feedback: when and whether the day's
//! counters leave the device, noised, as a [`xsell_core::privacy::report::Report`].
//!
//! Only today's counters are reported, once per placement, when the page is
//! hidden; activity after that report is not reported. Reporting stops for
//! Global Privacy Control, Do Not Track, or `setConsent(false)`. The noise
//! comes from `crypto.getRandomValues` through the exact samplers of
//! [`xsell_core::privacy::exact`]; without a cryptographic source nothing is sent.

use wasm_bindgen::JsValue;

use crate::storage::Store;
use crate::util::{describe, warn};
use xsell_core::device::DeviceState;
use xsell_core::privacy::exact::RandomBits;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::build_report;

/// Placement reports a day's budget is shared between (each gets ε/2).
pub const REPORTS_PER_DAY: u32 = 2;

/// Random words from `crypto.getRandomValues`.
pub struct CryptoRng {
    crypto: web_sys::Crypto,
    buf: [u8; 256],
    pos: usize,
}

impl CryptoRng {
    /// The page's cryptographic source, if it has one.
    pub fn new() -> Option<Self> {
        let crypto = web_sys::window()?.crypto().ok()?;
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

/// When and where reports go.
pub struct Reporter {
    endpoint: Option<String>,
    consent: bool,
    budget: u32,
}

impl Reporter {
    /// `consent`: the page's choice; when absent, the one remembered on the
    /// device (default yes).
    pub fn new(
        endpoint: Option<String>,
        consent: Option<bool>,
        budget: u32,
        store: &Store,
    ) -> Self {
        let consent = consent.unwrap_or_else(|| store.get("consent").as_deref() != Some("0"));
        Self {
            endpoint,
            consent,
            budget,
        }
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

    /// Sends today's unsent placement reports with `sendBeacon`; returns how
    /// many the browser accepted. Reports refused by the ledger are marked
    /// sent (nothing more can go out for them today).
    pub fn flush(&mut self, device: &mut DeviceState, store: &Store, today: &str) -> u32 {
        if !self.allowed() {
            return 0;
        }
        let Some(endpoint) = self.endpoint.clone() else {
            return 0;
        };
        let due: Vec<usize> = (0..device.counts.len())
            .filter(|&k| {
                let c = &device.counts[k];
                c.day == today && !c.sent && c.counts.impressions > 0
            })
            .collect();
        if due.is_empty() {
            return 0;
        }
        let Some(mut rng) = CryptoRng::new() else {
            warn("no crypto.getRandomValues on this page; no reports are sent");
            return 0;
        };
        let Some(window) = web_sys::window() else {
            return 0;
        };
        let budget = Epsilon(self.budget);
        let share = Epsilon((self.budget / REPORTS_PER_DAY).max(1));
        let mut ledger = Ledger::load(store.get("ledger").as_deref(), today, budget);
        let mut sent = 0;
        for k in due {
            let c = &device.counts[k];
            match build_report(
                &mut rng,
                &c.day,
                &c.placement,
                &c.counts,
                share,
                &mut ledger,
                budget,
            ) {
                Ok(report) => {
                    // Charged before sending: a lost beacon costs budget,
                    // never the other way round.
                    if store.set("ledger", &ledger.save()).is_err() && store.is_persistent() {
                        warn("the privacy ledger could not be saved; report not sent");
                        break;
                    }
                    match window
                        .navigator()
                        .send_beacon_with_opt_str(&endpoint, Some(&report.to_json()))
                    {
                        Ok(true) => {
                            device.counts[k].sent = true;
                            sent += 1;
                        }
                        Ok(false) => warn("the browser refused the report beacon (queue full)"),
                        Err(e) => warn(format!("sendBeacon failed: {}", describe(&e))),
                    }
                }
                Err(e) => {
                    device.counts[k].sent = true;
                    warn(format!("report not sent: {e}"));
                }
            }
        }
        sent
    }
}
