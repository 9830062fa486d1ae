//! Journeys and e-mail landings on the device.
//!
//! Each page load that is an arrival (not a click inside the shop) adds a
//! touch of its channel to the journey; a click on a recommendation adds a
//! widget touch. A purchase ends the journey converted, its window running
//! out ends it not converted; an ended journey waits (at most
//! [`MAX_PENDING_JOURNEYS`]) until the day's ledger has room for its one
//! noised report ([`crate::privacy::report::build_journey_report`]).
//!
//! A landing from an e-mail block (its link carries campaign, arm and
//! slot, or a survey answer) also counts on the `email` placement under
//! the campaign as experiment and the arm: the landing (as a click), an
//! add-to-cart and an order within a day of it, and the survey answer.
//! Those counts go out in the usual noised placement report, so the
//! collector's experiment analysis gives each campaign's arms.

use super::reports::OutgoingReport;
use super::{utc_day, Shopper, ShopperError, MS_PER_DAY};
use crate::attribution::journey::{classify, Arrival, Channel};
use crate::attribution::oracle::cell;
use crate::device::{EmailVisit, PendingJourney};
use crate::privacy::exact::RandomBits;
use crate::privacy::ledger::Ledger;
use crate::privacy::mechanisms::Epsilon;
use crate::privacy::report::{build_journey_report, valid_placement, JOURNEY_PLACEMENT};

/// The placement e-mail landings count on.
pub const EMAIL_PLACEMENT: &str = "email";
/// Ended journeys kept waiting for budget (older ones are dropped).
pub const MAX_PENDING_JOURNEYS: usize = 4;
/// After a landing, add-to-cart and orders count for the e-mail arm this long.
const EMAIL_VISIT_MS: u64 = MS_PER_DAY;

/// What an e-mail block's link says (the `xs_c`, `xs_a`, `xs_s` and
/// `xs_r` parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailLanding<'a> {
    /// Campaign.
    pub campaign: &'a str,
    /// Arm.
    pub arm: &'a str,
    /// The survey answer (1–5), if the link was one of the survey's.
    pub answer: Option<u8>,
}

impl Shopper<'_> {
    fn window_ms(&self) -> u64 {
        u64::from(self.settings().journey_window_days) * MS_PER_DAY
    }

    /// A page load: its channel extends the journey (`None` for a page
    /// reached from inside the shop), and an e-mail landing counts on the
    /// `email` placement. Returns the channel.
    pub fn arrive(
        &mut self,
        arrival: &Arrival<'_>,
        landing: Option<EmailLanding<'_>>,
        now: u64,
    ) -> Result<Option<Channel>, ShopperError> {
        if let Some(l) = landing {
            if !valid_placement(l.campaign) || !valid_placement(l.arm) {
                return Err(ShopperError::BadPlacement(format!(
                    "{}/{}",
                    l.campaign, l.arm
                )));
            }
            if l.answer.is_some_and(|a| !(1..=5).contains(&a)) {
                return Err(ShopperError::BadRelevance(l.answer.unwrap_or(0)));
            }
        }
        let arrival = Arrival {
            email_token: arrival.email_token || landing.is_some(),
            ..arrival.clone()
        };
        let channel = classify(&arrival);
        if let Some(c) = channel {
            self.journey_touch(c, now);
        }
        if let Some(l) = landing {
            let c = self.email_counts(l.campaign, l.arm, now);
            c.clicks += 1;
            if let Some(a) = l.answer {
                c.relevance = Some(a);
            }
            self.device.email = Some(EmailVisit {
                campaign: l.campaign.to_string(),
                arm: l.arm.to_string(),
                since_ms: now,
            });
        }
        Ok(channel)
    }

    /// Adds a touch; a journey that ran out of window is queued.
    pub(super) fn journey_touch(&mut self, channel: Channel, now: u64) {
        let window = self.window_ms();
        if let Some(ended) = self.device.journey.touch(channel, now, window) {
            self.queue_journey(ended, now);
        }
    }

    /// A purchase: ends the journey, and counts for a recent e-mail landing.
    pub(super) fn journey_purchase(&mut self, value: Option<f64>, now: u64) {
        let window = self.window_ms();
        if let Some(ended) = self.device.journey.purchase(now, window) {
            self.queue_journey(ended, now);
        }
        if let Some(v) = self.email_visit(now) {
            let c = self.email_counts(&v.campaign, &v.arm, now);
            c.purchases += 1;
            if let Some(v) = value {
                c.order_value_cents = Some((v * 100.0).round() as u64);
            }
            self.device.email = None;
        }
    }

    /// An add-to-cart: counts for a recent e-mail landing.
    pub(super) fn email_add_to_cart(&mut self, now: u64) {
        if let Some(v) = self.email_visit(now) {
            self.email_counts(&v.campaign, &v.arm, now).add_to_cart += 1;
        }
    }

    /// Today's counters of the `email` placement, exposed to `arm` of
    /// `campaign`.
    fn email_counts(
        &mut self,
        campaign: &str,
        arm: &str,
        now: u64,
    ) -> &mut crate::privacy::report::DayCounts {
        let day = utc_day(now);
        self.device.expose(&day, EMAIL_PLACEMENT, campaign, arm);
        self.device.counts_mut(&day, EMAIL_PLACEMENT)
    }

    fn email_visit(&self, now: u64) -> Option<EmailVisit> {
        self.device
            .email
            .clone()
            .filter(|v| now.saturating_sub(v.since_ms) < EMAIL_VISIT_MS)
    }

    fn queue_journey(&mut self, journey: crate::attribution::journey::EndedJourney, now: u64) {
        let id = self
            .device
            .ended
            .last()
            .map_or(now, |p| p.id.max(now.saturating_sub(1)) + 1);
        self.device.ended.push(PendingJourney { id, journey });
        let extra = self.device.ended.len().saturating_sub(MAX_PENDING_JOURNEYS);
        self.device.ended.drain(..extra);
    }

    /// Whether a journey report is waiting (an open journey past its
    /// window counts: it ends now).
    pub(super) fn journeys_due(&self, now: u64) -> bool {
        !self.device.ended.is_empty() || self.device.journey.expired(now, self.window_ms())
    }

    /// The reports of waiting journeys, each charged `eps` while the
    /// ledger allows; the rest wait for another day.
    pub(super) fn due_journeys(
        &mut self,
        rng: &mut impl RandomBits,
        ledger: &mut Ledger,
        eps: Epsilon,
        now: u64,
    ) -> Vec<OutgoingReport> {
        let window = self.window_ms();
        if let Some(ended) = self.device.journey.expire(now, window) {
            self.queue_journey(ended, now);
        }
        let budget = self.settings().daily_epsilon;
        let day = utc_day(now);
        let mut out = Vec::new();
        let mut dropped = Vec::new();
        for p in &self.device.ended {
            let Some(cell) = cell(&p.journey.touches, p.journey.converted) else {
                dropped.push(p.id); // not in the domain: nothing to report
                continue;
            };
            match build_journey_report(rng, &day, cell, eps, ledger, budget) {
                Ok(report) => out.push(OutgoingReport {
                    id: report.id.clone().unwrap_or_default(),
                    day: day.clone(),
                    placement: JOURNEY_PLACEMENT.to_string(),
                    body: report.to_json(),
                    journey: Some(p.id),
                }),
                Err(_) => break, // the day is spent: the rest wait
            }
        }
        self.device.ended.retain(|p| !dropped.contains(&p.id));
        out
    }

    /// The transport took journey report `id`.
    pub(super) fn journey_sent(&mut self, id: u64) {
        self.device.ended.retain(|p| p.id != id);
    }
}
