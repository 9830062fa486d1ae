//! The transport of private feedback. The core decides which noised
//! reports are due (`Shopper::due_reports`), holds them until the
//! collector acknowledges them and says what an answer means
//! ([`xsell_core::shopper::outbox`]); this module keeps the ledger and the
//! held reports in `localStorage`, sends them (`fetch` with `keepalive`
//! while it can read the answer, `sendBeacon` at `pagehide`), passes the
//! answers back, and stops everything — retries included — for Global
//! Privacy Control, Do Not Track or `setConsent(false)`. The noise and the
//! report ids come from `crypto.getRandomValues` through the exact
//! samplers of [`xsell_core::privacy::exact`]; without a cryptographic
//! source nothing is built.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::storage::Store;
use crate::util::{describe, now_ms, warn};
use xsell_core::privacy::exact::RandomBits;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::shopper::{utc_day, Delivery, Held, Outbox, Shopper, Verdict};

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

/// How a flush sends what is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `fetch(..., {method: 'POST', keepalive: true})`, reading the answer.
    Fetch,
    /// `navigator.sendBeacon`, at `pagehide`: no answer, so the report stays
    /// held and the next page load sends it again.
    Beacon,
}

/// The held reports of this device (in `localStorage` under `outbox`, or
/// in memory for the page when storage is blocked) and this page's
/// deliveries in progress. Shared with the answers' callbacks.
struct Post {
    store: Store,
    memory: Outbox,
    delivery: Delivery,
}

impl Post {
    /// The held reports as stored now (another tab may have changed them),
    /// with what this page could not store, without those past the retry
    /// window.
    fn load(&mut self, today: &str) -> Outbox {
        let (mut outbox, _, mut dropped) = Outbox::load(self.store.get("outbox").as_deref(), today);
        for h in self.memory.held.clone() {
            dropped.extend(outbox.keep(h));
        }
        dropped.extend(outbox.expire(today));
        for d in dropped {
            warn(d.to_string());
        }
        outbox
    }

    /// Stores `outbox`; when storage refuses (blocked, full), this page
    /// keeps it in memory instead.
    fn save(&mut self, outbox: &Outbox) {
        self.memory = match self.store.set("outbox", &outbox.save()) {
            Ok(()) => Outbox::default(),
            Err(_) => outbox.clone(),
        };
    }

    /// The collector answered for `held` (`status` `None`: no answer).
    fn answered(&mut self, held: &Held, status: Option<u16>) {
        let mut outbox = self.load(&utc_day(now_ms()));
        let verdict = self.delivery.answered(&mut outbox, &held.id, status);
        if let Verdict::Refused(code) = verdict {
            warn(format!(
                "the collector refused a report of {} for good (HTTP {code}); it is dropped",
                held.day
            ));
        }
        if verdict != Verdict::Retry {
            self.save(&outbox);
        }
    }
}

/// Where reports go, and whether they may: the transport of the core's
/// due reports ([`Shopper::due_reports`] decides which, shares ε and
/// charges the ledger).
pub struct Reporter {
    endpoint: Option<String>,
    consent: bool,
    post: Rc<RefCell<Post>>,
}

impl Reporter {
    /// `consent`: the page's choice; when absent, the one remembered on the
    /// device (default yes).
    pub fn new(endpoint: Option<String>, consent: Option<bool>, store: &Store) -> Self {
        let consent = consent.unwrap_or_else(|| store.get("consent").as_deref() != Some("0"));
        let post = Post {
            store: store.clone(),
            memory: Outbox::default(),
            delivery: Delivery::default(),
        };
        Self {
            endpoint,
            consent,
            post: Rc::new(RefCell::new(post)),
        }
    }

    /// Changes and remembers the consent; switching it off also forgets
    /// the reports held for a retry.
    pub fn set_consent(&mut self, consent: bool, store: &Store) {
        self.consent = consent;
        let _ = store.set("consent", if consent { "1" } else { "0" });
        if !consent {
            self.forget_held();
        }
    }

    fn forget_held(&self) {
        let mut post = self.post.borrow_mut();
        let today = utc_day(now_ms());
        let mut outbox = post.load(&today);
        if !outbox.is_empty() {
            outbox.clear();
            post.save(&outbox);
        }
    }

    /// Whether reports may be sent now.
    pub fn allowed(&self) -> bool {
        self.endpoint.is_some() && self.consent && !opted_out_by_browser()
    }

    /// Builds the shopper's due reports (charging the ledger once), holds
    /// them, and sends every held report not already on its way `how`;
    /// returns how many requests the browser took. Without permission
    /// nothing is built or sent, and the held reports are forgotten.
    pub fn flush(&mut self, shopper: &mut Shopper<'_>, store: &Store, now: u64, how: Via) -> u32 {
        let Some(endpoint) = self.endpoint.clone().filter(|_| self.allowed()) else {
            if self.endpoint.is_some() {
                self.forget_held();
            }
            return 0;
        };
        let Some(window) = web_sys::window() else {
            return 0;
        };
        let today = utc_day(now);
        let mut outbox = self.post.borrow_mut().load(&today);
        if shopper.reports_due(now) {
            let Some(mut rng) = CryptoRng::new() else {
                warn("no crypto.getRandomValues on this page; no reports are sent");
                return 0;
            };
            let budget = shopper.settings().daily_epsilon;
            let mut ledger = Ledger::load(store.get("ledger").as_deref(), &today, budget);
            let (reports, warnings) = shopper.due_reports(&mut rng, &mut ledger, now);
            for w in warnings {
                warn(w);
            }
            if !reports.is_empty() {
                // Charged before holding: a lost report costs budget, never
                // the other way round.
                if store.set("ledger", &ledger.save()).is_err() && store.is_persistent() {
                    warn("the privacy ledger could not be saved; reports not sent");
                    return 0;
                }
                for d in shopper.hold_reports(&reports, &mut outbox) {
                    warn(d.to_string());
                }
                self.post.borrow_mut().save(&outbox);
            }
        }
        self.send(&window, &endpoint, &outbox, how)
    }

    /// Sends the held reports only (a page load's retry): nothing is
    /// built, no ε is spent. Returns how many requests the browser took.
    pub fn resend(&mut self, now: u64) -> u32 {
        let Some(endpoint) = self.endpoint.clone().filter(|_| self.allowed()) else {
            if self.endpoint.is_some() {
                self.forget_held();
            }
            return 0;
        };
        let Some(window) = web_sys::window() else {
            return 0;
        };
        let outbox = self.post.borrow_mut().load(&utc_day(now));
        self.send(&window, &endpoint, &outbox, Via::Fetch)
    }

    fn send(&self, window: &web_sys::Window, endpoint: &str, outbox: &Outbox, how: Via) -> u32 {
        let due = self.post.borrow_mut().delivery.take(outbox);
        let mut sent = 0;
        for held in due {
            let taken = match how {
                Via::Beacon => beacon(window, endpoint, &held.body),
                Via::Fetch => self.fetch(window, endpoint, held.clone()),
            };
            if taken {
                sent += 1;
            } else {
                self.post.borrow_mut().delivery.not_sent(&held.id);
            }
        }
        sent
    }

    /// Posts `held` with `fetch` and hands the answer to the outbox when it
    /// comes. `keepalive` lets the request outlive the page; web-sys has no
    /// setter for it, so it is set on the init object directly.
    fn fetch(&self, window: &web_sys::Window, endpoint: &str, held: Held) -> bool {
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&held.body));
        if js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE).is_err() {
            return false;
        }
        let promise = window.fetch_with_str_and_init(endpoint, &init);
        let post = self.post.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let status = match JsFuture::from(promise).await {
                Ok(resp) => Some(resp.unchecked_into::<web_sys::Response>().status()),
                Err(_) => None, // down, unreachable, or an answer CORS hides
            };
            post.borrow_mut().answered(&held, status);
        });
        true
    }
}

/// Hands `body` to `sendBeacon`; whether the browser took it.
fn beacon(window: &web_sys::Window, endpoint: &str, body: &str) -> bool {
    match window
        .navigator()
        .send_beacon_with_opt_str(endpoint, Some(body))
    {
        Ok(true) => true,
        Ok(false) => {
            warn("the browser refused the report beacon (queue full)");
            false
        }
        Err(e) => {
            warn(format!("sendBeacon failed: {}", describe(&e)));
            false
        }
    }
}
