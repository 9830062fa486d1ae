//! The page's live shopper: the core [`Shopper`] over the model bytes, and
//! where its state is kept (`localStorage`) and its reports go. Shared by
//! the [`crate::Engine`] and the carousels it mounts; neither imports the
//! other. Every method here is "call the core, then store": no rule.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use xsell_core::shopper::Shopper;
use xsell_core::shopper::{ShopperError, SlateRequest, SlateView};

use crate::report::{Reporter, Via};
use crate::storage::Store;
use crate::util::{now_ms, perf_now};

/// The shared handle.
pub(crate) type Shared = Rc<RefCell<Live>>;

/// A shopper over leaked model bytes, with its storage and transport.
pub(crate) struct Live {
    // `shopper` borrows `bytes`; it is dropped first (see `Drop`).
    shopper: ManuallyDrop<Shopper<'static>>,
    bytes: *mut [u8],
    pub(crate) store: Store,
    pub(crate) reporter: Reporter,
}

impl Drop for Live {
    fn drop(&mut self) {
        // SAFETY: `shopper` holds the only borrows of `bytes`, which came
        // from `Box::into_raw` in `Engine::new`/`load`; it is dropped here
        // first and never touched again, then the box is freed once.
        unsafe {
            ManuallyDrop::drop(&mut self.shopper);
            drop(Box::from_raw(self.bytes));
        }
    }
}

impl Live {
    /// # Safety
    /// `shopper` borrows only `bytes`, which came from `Box::into_raw` and
    /// is not used elsewhere.
    pub(crate) unsafe fn new(
        shopper: Shopper<'static>,
        bytes: *mut [u8],
        store: Store,
        reporter: Reporter,
    ) -> Self {
        Self {
            shopper: ManuallyDrop::new(shopper),
            bytes,
            store,
            reporter,
        }
    }

    pub(crate) fn shopper(&self) -> &Shopper<'static> {
        &self.shopper
    }

    fn save_fatigue(&self) {
        let _ = self.store.set("fatigue", &self.shopper.fatigue_json());
    }

    pub(crate) fn save_device(&self) {
        let _ = self.store.set("device", &self.shopper.device_json());
    }

    /// The slate, its latency counted (kept in memory; saved with the next
    /// state change, not with a storage write per request).
    pub(crate) fn recommend(&mut self, req: &SlateRequest) -> Result<SlateView, ShopperError> {
        let started = perf_now();
        let now = now_ms();
        let view = self.shopper.recommend(req, now)?;
        if !view.items.is_empty() {
            let us = ((perf_now() - started) * 1000.0).max(0.0) as u64;
            self.shopper.record_latency(&view.placement, us, now);
        }
        Ok(view)
    }

    pub(crate) fn track(
        &mut self,
        event: &str,
        items: &[String],
        value: Option<f64>,
    ) -> Result<(), ShopperError> {
        self.shopper.track(event, items, value, now_ms())?;
        self.save_device();
        Ok(())
    }

    pub(crate) fn dismiss(&mut self, placement: &str, id: &str) {
        self.shopper.dismiss(placement, id, now_ms());
        self.save_fatigue();
        self.save_device();
    }

    pub(crate) fn impressions(&mut self, placement: &str, ids: &[&str], first: bool) {
        self.shopper.impressions(placement, ids, first, now_ms());
        self.save_fatigue();
        self.save_device();
    }

    pub(crate) fn click(&mut self, placement: &str, id: &str) {
        self.shopper.click(placement, id, now_ms());
        self.save_fatigue();
        self.save_device();
    }

    pub(crate) fn add_from_rec(&mut self, placement: &str, id: &str) {
        self.shopper.add_from_rec(placement, id, now_ms());
        self.save_fatigue();
        self.save_device();
    }

    pub(crate) fn arrive(
        &mut self,
        arrival: &xsell_core::attribution::journey::Arrival<'_>,
        landing: Option<xsell_core::shopper::EmailLanding<'_>>,
    ) -> Result<Option<xsell_core::attribution::journey::Channel>, ShopperError> {
        let channel = self.shopper.arrive(arrival, landing, now_ms())?;
        self.save_device();
        Ok(channel)
    }

    pub(crate) fn record_relevance(
        &mut self,
        placement: &str,
        answer: u8,
    ) -> Result<(), ShopperError> {
        self.shopper.record_relevance(placement, answer, now_ms())?;
        self.save_device();
        Ok(())
    }

    /// Builds and holds the due reports and sends what is held `how`;
    /// returns how many requests the browser took.
    pub(crate) fn flush(&mut self, how: Via) -> u32 {
        let sent = self
            .reporter
            .flush(&mut self.shopper, &self.store, now_ms(), how);
        self.save_device();
        sent
    }

    /// Sends the held reports again (nothing new is built).
    pub(crate) fn resend(&mut self) -> u32 {
        self.reporter.resend(now_ms())
    }
}
