//! Which noised reports are due, and when they count as sent. Only today's
//! counters are reported, once per placement: placements that showed cards,
//! and placements exposed to an experiment arm (a holdout shows nothing but
//! reports its purchases and order value). Activity after that report is
//! not reported. Ended journeys are reported once each, after the
//! placements. Every report gets the same share of the day's ε (the
//! budget over [`REPORTS_PER_DAY`]) and is charged to the ledger before
//! anything is built: a report that never arrives costs budget, never the
//! other way round; a journey that does not fit waits for another day.

use super::{utc_day, Shopper};
use crate::privacy::exact::RandomBits;
use crate::privacy::ledger::Ledger;
use crate::privacy::mechanisms::Epsilon;
use crate::privacy::report::build_report;

use super::outbox::{Dropped, Outbox};

/// Placement reports a day's budget is shared between (each gets ε/2).
pub const REPORTS_PER_DAY: u32 = 2;

/// A report ready to send: the body (JSON, noised) and the placement-day it
/// covers, to hold with [`Shopper::hold_reports`] (or to pass to
/// [`Shopper::report_sent`] once a transport of its own took it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingReport {
    /// The report's random id (as in the body).
    pub id: String,
    /// UTC day.
    pub day: String,
    /// Placement.
    pub placement: String,
    /// What goes on the wire.
    pub body: String,
    /// For a journey report, the waiting journey it covers (a local id,
    /// not sent).
    pub journey: Option<u64>,
}

impl Shopper<'_> {
    /// Whether any report is due today (placements shown, not yet sent).
    pub fn reports_due(&self, now: u64) -> bool {
        let today = utc_day(now);
        self.journeys_due(now)
            || self
                .device
                .counts
                .iter()
                .any(|c| c.day == today && !c.sent && (c.counts.impressions > 0 || c.arm.is_some()))
    }

    /// Builds today's due reports (placements with impressions, not yet
    /// sent), charging `ledger` for each; those the ledger refuses are
    /// marked sent (nothing more can go out for them today) and come back
    /// as warnings. Save the ledger before sending; call
    /// [`Shopper::report_sent`] for each report the transport accepted.
    pub fn due_reports(
        &mut self,
        rng: &mut impl RandomBits,
        ledger: &mut Ledger,
        now: u64,
    ) -> (Vec<OutgoingReport>, Vec<String>) {
        let today = utc_day(now);
        let budget = self.settings().daily_epsilon;
        let share = Epsilon((budget.0 / REPORTS_PER_DAY).max(1));
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        for c in
            self.device.counts.iter_mut().filter(|c| {
                c.day == today && !c.sent && (c.counts.impressions > 0 || c.arm.is_some())
            })
        {
            let arm = c.experiment.as_deref().zip(c.arm.as_deref());
            match build_report(
                rng,
                &c.day,
                &c.placement,
                arm,
                &c.counts,
                share,
                ledger,
                budget,
            ) {
                Ok(report) => out.push(OutgoingReport {
                    id: report.id.clone().unwrap_or_default(),
                    day: c.day.clone(),
                    placement: c.placement.clone(),
                    body: report.to_json(),
                    journey: None,
                }),
                Err(e) => {
                    c.sent = true;
                    warnings.push(format!("report not sent: {e}"));
                }
            }
        }
        // Ended journeys share the day's budget at the same share, after
        // the placements; what does not fit waits for another day.
        out.extend(self.due_journeys(rng, ledger, share, now));
        (out, warnings)
    }

    /// Holds freshly built `reports` in `outbox` until the collector
    /// acknowledges them, and counts them as sent: their placement-days
    /// and journeys are done (a retry sends the held bytes, never a new
    /// report). Returns what the outbox had to drop to stay bounded.
    pub fn hold_reports(
        &mut self,
        reports: &[OutgoingReport],
        outbox: &mut Outbox,
    ) -> Vec<Dropped> {
        let mut dropped = Vec::new();
        for r in reports {
            dropped.extend(outbox.hold(r));
            self.report_sent(r);
        }
        dropped
    }

    /// The transport accepted `report`.
    pub fn report_sent(&mut self, report: &OutgoingReport) {
        if let Some(id) = report.journey {
            self.journey_sent(id);
            return;
        }
        let (day, placement) = (report.day.as_str(), report.placement.as_str());
        if let Some(c) = self
            .device
            .counts
            .iter_mut()
            .find(|c| c.day == day && c.placement == placement)
        {
            c.sent = true;
        }
    }
}
