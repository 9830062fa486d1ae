//! Reports held until the collector acknowledges them.
//!
//! When reports are due the core charges the ledger once and builds their
//! bytes ([`Shopper::due_reports`](super::Shopper::due_reports)); the
//! [`Outbox`] keeps those exact bytes, on the device, until the collector
//! answers for them. A retry sends the same bytes again — no new noise, no
//! new ε — and the report's random id lets the collector store it once
//! however often it arrives. What is held is bounded ([`MAX_HELD`]) and
//! kept only while the collector would still take it ([`RETRY_DAYS`]).
//!
//! [`Delivery`] is the page's side: which held reports are on the wire
//! now, so one page does not send a report twice while the first request
//! is still open, and what an answer means ([`Verdict::of`]).
//!
//! Everything here is pure: the browser layer stores [`Outbox::save`]'s
//! text, sends the bodies and passes the HTTP status back.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::OutgoingReport;
use crate::clock::day_number;
use crate::privacy::report::Report;
use crate::slate::fatigue::{load_versioned, LoadOutcome};

/// Format version of the stored outbox.
pub const OUTBOX_VERSION: u32 = 1;
/// Most reports held at once; past it the oldest is dropped. A device
/// builds at most two reports a day (the day's ε over
/// [`REPORTS_PER_DAY`](super::REPORTS_PER_DAY), journeys included), so a
/// week of reports fits with room to spare.
pub const MAX_HELD: usize = 32;
/// Days a held report is retried after its own day: the collector's
/// default window (`xsell serve` takes reports from 7 days before its UTC
/// date). An older report would be refused, so it is dropped unsent.
pub const RETRY_DAYS: u64 = 7;

/// One report waiting for its acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Held {
    /// The report's id (as in its body).
    pub id: String,
    /// The report's day.
    pub day: String,
    /// The exact bytes to send, built and noised once.
    pub body: String,
}

/// The held reports, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outbox {
    /// Format version.
    pub v: u32,
    /// Held reports, oldest first.
    #[serde(default)]
    pub held: Vec<Held>,
}

impl Default for Outbox {
    fn default() -> Self {
        Self {
            v: OUTBOX_VERSION,
            held: Vec::new(),
        }
    }
}

/// Why a held report left the outbox without an acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    /// Its day is past the retry window.
    Expired(Held),
    /// The outbox was full; this was the oldest.
    Overflow(Held),
    /// Its stored bytes are not a valid report of its id and day
    /// (tampered or damaged storage): never sent.
    Invalid(Held),
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dropped::Expired(h) => write!(
                f,
                "a report of {} was dropped unacknowledged: the collector takes reports of the last {RETRY_DAYS} days only",
                h.day
            ),
            Dropped::Overflow(h) => write!(
                f,
                "a report of {} was dropped unacknowledged: more than {MAX_HELD} reports were waiting",
                h.day
            ),
            Dropped::Invalid(_) => {
                write!(f, "a held report in storage is damaged and was dropped")
            }
        }
    }
}

/// Whether `h` may still be sent on `today`: its day is at most
/// [`RETRY_DAYS`] before it (a day after it, a clock moved back, is kept).
fn in_window(h: &Held, today: u64) -> bool {
    day_number(&h.day).is_some_and(|d| d.saturating_add(RETRY_DAYS) >= today)
}

/// The stored bytes are a valid report with this id and day.
fn intact(h: &Held) -> bool {
    Report::parse(h.body.as_bytes())
        .is_ok_and(|r| r.id.as_deref() == Some(h.id.as_str()) && r.day == h.day)
}

impl Outbox {
    /// Reads the stored outbox on `today` (`YYYY-MM-DD`): held reports past
    /// the window or damaged are dropped and returned; an unreadable outbox
    /// is an empty one (its reports are lost, never re-built: their ε is
    /// spent).
    pub fn load(stored: Option<&str>, today: &str) -> (Self, LoadOutcome, Vec<Dropped>) {
        let (mut outbox, outcome) =
            load_versioned(stored, "outbox", OUTBOX_VERSION, |o: &Self| o.v);
        let mut dropped = Vec::new();
        let mut seen = BTreeSet::new();
        for h in std::mem::take(&mut outbox.held) {
            if !intact(&h) {
                dropped.push(Dropped::Invalid(h));
            } else if seen.insert(h.id.clone()) {
                outbox.held.push(h);
            }
        }
        dropped.extend(outbox.expire(today));
        dropped.extend(outbox.trim());
        (outbox, outcome, dropped)
    }

    /// Compact JSON, for storage.
    pub fn save(&self) -> String {
        serde_json::to_string(self).expect("plain data serializes")
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Holds a freshly built report (once: a report already held is not
    /// added again); returns what had to go to stay within [`MAX_HELD`].
    pub fn hold(&mut self, report: &OutgoingReport) -> Vec<Dropped> {
        self.keep(Held {
            id: report.id.clone(),
            day: report.day.clone(),
            body: report.body.clone(),
        })
    }

    /// Keeps `held` (once per id), as [`Outbox::hold`] does: to merge a
    /// copy the browser could not store back into the stored outbox.
    pub fn keep(&mut self, held: Held) -> Vec<Dropped> {
        if !self.held.iter().any(|h| h.id == held.id) {
            self.held.push(held);
        }
        self.trim()
    }

    /// Drops the reports whose day is past the retry window on `today`.
    pub fn expire(&mut self, today: &str) -> Vec<Dropped> {
        let Some(today) = day_number(today) else {
            return Vec::new();
        };
        let (keep, old): (Vec<Held>, Vec<Held>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| in_window(h, today));
        self.held = keep;
        old.into_iter().map(Dropped::Expired).collect()
    }

    fn trim(&mut self) -> Vec<Dropped> {
        let extra = self.held.len().saturating_sub(MAX_HELD);
        self.held.drain(..extra).map(Dropped::Overflow).collect()
    }

    /// Removes report `id` (acknowledged, or refused for good); returns it
    /// if it was held.
    pub fn remove(&mut self, id: &str) -> Option<Held> {
        let k = self.held.iter().position(|h| h.id == id)?;
        Some(self.held.remove(k))
    }

    /// Forgets every held report (the shopper opted out).
    pub fn clear(&mut self) {
        self.held.clear();
    }
}

/// What the collector's answer means for a held report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Acknowledged (2xx), or already stored (409): remove it.
    Delivered,
    /// Refused for good (a 4xx other than 408 and 429): it will never be
    /// accepted; remove it and say so.
    Refused(u16),
    /// Not acknowledged (no answer, 408, 429, 5xx, anything else): keep it
    /// for a later visit.
    Retry,
}

impl Verdict {
    /// The verdict of an HTTP status; `None` is a network error (the
    /// collector down, the connection lost, or an answer the page may not
    /// read).
    pub fn of(status: Option<u16>) -> Self {
        match status {
            Some(200..=299 | 409) => Verdict::Delivered,
            Some(s @ 400..=499) if s != 408 && s != 429 => Verdict::Refused(s),
            _ => Verdict::Retry,
        }
    }
}

/// A page's deliveries in progress: the held reports whose request is
/// still open. Lives in memory for the page (never stored).
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    in_flight: BTreeSet<String>,
}

impl Delivery {
    /// The held reports to send now — every one not already on the wire
    /// from this page — marked as on the wire.
    pub fn take(&mut self, outbox: &Outbox) -> Vec<Held> {
        outbox
            .held
            .iter()
            .filter(|h| self.in_flight.insert(h.id.clone()))
            .cloned()
            .collect()
    }

    /// The browser did not take the request for `id` (a full beacon
    /// queue, a fetch that could not start): it may be sent again.
    pub fn not_sent(&mut self, id: &str) {
        self.in_flight.remove(id);
    }

    /// The collector answered for `id` with `status` (`None`: a network
    /// error): applies the verdict to `outbox` and returns it. A report
    /// sent by beacon gets no answer and stays on the wire for the page:
    /// the next page load sends it again unless an answer removed it.
    pub fn answered(&mut self, outbox: &mut Outbox, id: &str, status: Option<u16>) -> Verdict {
        self.in_flight.remove(id);
        let verdict = Verdict::of(status);
        if verdict != Verdict::Retry {
            outbox.remove(id);
        }
        verdict
    }

    /// Whether the request for `id` is still open.
    pub fn is_in_flight(&self, id: &str) -> bool {
        self.in_flight.contains(id)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::privacy::exact::SplitMix64;
    use crate::privacy::ledger::Ledger;
    use crate::privacy::mechanisms::Epsilon;
    use crate::privacy::report::{build_report, DayCounts};

    fn report(seed: u64, day: &str) -> OutgoingReport {
        let mut l = Ledger::load(None, day, Epsilon(2000));
        let r = build_report(
            &mut SplitMix64(seed),
            day,
            "cart",
            None,
            &DayCounts::default(),
            Epsilon(1000),
            &mut l,
            Epsilon(2000),
        )
        .unwrap();
        OutgoingReport {
            id: r.id.clone().unwrap(),
            day: day.into(),
            placement: "cart".into(),
            body: r.to_json(),
            journey: None,
        }
    }

    #[test]
    fn statuses_mean_delivered_refused_or_retry() {
        for s in [200, 201, 202, 204, 409] {
            assert_eq!(Verdict::of(Some(s)), Verdict::Delivered, "{s}");
        }
        for s in [400, 401, 403, 404, 413, 422] {
            assert_eq!(Verdict::of(Some(s)), Verdict::Refused(s), "{s}");
        }
        for s in [
            None,
            Some(0),
            Some(301),
            Some(408),
            Some(429),
            Some(500),
            Some(503),
        ] {
            assert_eq!(Verdict::of(s), Verdict::Retry, "{s:?}");
        }
    }

    #[test]
    fn a_held_report_survives_storage_and_only_an_acknowledgement_or_a_refusal_removes_it() {
        let mut outbox = Outbox::default();
        let (a, b, c) = (
            report(1, "2026-12-01"),
            report(2, "2026-12-01"),
            report(3, "2026-12-02"),
        );
        for r in [&a, &b, &c, &a] {
            assert!(outbox.hold(r).is_empty());
        }
        assert_eq!(outbox.held.len(), 3, "a report is held once");
        let (mut outbox, outcome, dropped) = Outbox::load(Some(&outbox.save()), "2026-12-02");
        assert_eq!((outcome, dropped), (LoadOutcome::Loaded, vec![]));
        assert_eq!(outbox.held[0].body, a.body, "the exact bytes");

        let mut page = Delivery::default();
        let sent = page.take(&outbox);
        assert_eq!(sent.len(), 3);
        assert!(
            page.take(&outbox).is_empty(),
            "nothing twice while on the wire"
        );
        assert_eq!(
            page.answered(&mut outbox, &a.id, Some(204)),
            Verdict::Delivered
        );
        assert_eq!(page.answered(&mut outbox, &b.id, Some(503)), Verdict::Retry);
        assert_eq!(page.answered(&mut outbox, &c.id, None), Verdict::Retry);
        assert_eq!(outbox.held.len(), 2);
        // The same page may try the unacknowledged ones again, with the
        // same bytes.
        let again = page.take(&outbox);
        assert_eq!(
            again.iter().map(|h| &h.body).collect::<Vec<_>>(),
            [&b.body, &c.body]
        );
        assert_eq!(
            page.answered(&mut outbox, &b.id, Some(409)),
            Verdict::Delivered
        );
        assert_eq!(
            page.answered(&mut outbox, &c.id, Some(400)),
            Verdict::Refused(400)
        );
        assert!(outbox.is_empty());
        // An answer for a report no longer held changes nothing.
        assert_eq!(
            page.answered(&mut outbox, &a.id, Some(204)),
            Verdict::Delivered
        );
    }

    #[test]
    fn a_beacon_gets_no_answer_so_the_report_stays_for_the_next_page() {
        let mut outbox = Outbox::default();
        let a = report(1, "2026-12-01");
        outbox.hold(&a);
        let mut page = Delivery::default();
        assert_eq!(page.take(&outbox).len(), 1);
        assert!(page.is_in_flight(&a.id));
        let (outbox, _, _) = Outbox::load(Some(&outbox.save()), "2026-12-01");
        let mut next_page = Delivery::default();
        assert_eq!(next_page.take(&outbox)[0].body, a.body);
        // A refused beacon (queue full) may go again on the same page.
        page.not_sent(&a.id);
        assert_eq!(page.take(&outbox).len(), 1);
    }

    #[test]
    fn held_reports_past_the_window_are_dropped_and_the_rest_kept() {
        let mut outbox = Outbox::default();
        let (old, edge, today) = (
            report(1, "2026-11-23"),
            report(2, "2026-11-24"),
            report(3, "2026-12-01"),
        );
        for r in [&old, &edge, &today] {
            outbox.hold(r);
        }
        let (kept, _, dropped) = Outbox::load(Some(&outbox.save()), "2026-12-01");
        assert_eq!(dropped.len(), 1);
        assert!(
            matches!(&dropped[0], Dropped::Expired(h) if h.id == old.id),
            "{dropped:?}"
        );
        assert!(dropped[0].to_string().contains("last 7 days"));
        // 2026-11-24 is 7 days before: the collector still takes it.
        assert_eq!(
            kept.held.iter().map(|h| h.day.as_str()).collect::<Vec<_>>(),
            ["2026-11-24", "2026-12-01"]
        );
    }

    #[test]
    fn the_outbox_is_bounded_and_drops_the_oldest_first() {
        let mut outbox = Outbox::default();
        let mut dropped = Vec::new();
        let reports: Vec<_> = (0..MAX_HELD as u64 + 5)
            .map(|s| report(s, "2026-12-01"))
            .collect();
        for r in &reports {
            dropped.extend(outbox.hold(r));
        }
        assert_eq!(outbox.held.len(), MAX_HELD);
        assert_eq!(dropped.len(), 5);
        for (d, r) in dropped.iter().zip(&reports) {
            assert!(matches!(d, Dropped::Overflow(h) if h.id == r.id), "{d:?}");
        }
        assert_eq!(outbox.held.last().unwrap().id, reports.last().unwrap().id);
        // A stored outbox over the bound (tampered) is cut on load.
        let mut big = outbox.clone();
        big.held.extend(dropped.iter().map(|d| match d {
            Dropped::Overflow(h) => h.clone(),
            _ => unreachable!(),
        }));
        let (loaded, _, more) = Outbox::load(Some(&big.save()), "2026-12-01");
        assert_eq!((loaded.held.len(), more.len()), (MAX_HELD, 5));
        assert!(
            loaded.save().len() < 16 * 1024,
            "{} bytes",
            loaded.save().len()
        );
    }

    #[test]
    fn damaged_or_tampered_storage_never_sends_anything_else() {
        let a = report(1, "2026-12-01");
        let mut outbox = Outbox::default();
        outbox.hold(&a);
        let good = outbox.save();
        let tampered = [
            good.replace(
                r#"\"placement\":\"cart\""#,
                r#"\"placement\":\"cart\",\"user\":\"u-1\""#,
            ),
            good.replacen(&a.id, &"0".repeat(32), 1),
            good.replace(r#""day":"2026-12-01""#, r#""day":"2026-12-02""#),
        ];
        for t in &tampered {
            assert_ne!(t, &good, "the edit applied");
            let (o, outcome, dropped) = Outbox::load(Some(t), "2026-12-01");
            assert_eq!(outcome, LoadOutcome::Loaded, "{t}");
            assert!(o.is_empty(), "{t}");
            assert!(
                matches!(dropped.as_slice(), [Dropped::Invalid(_)]),
                "{dropped:?}"
            );
        }
        for junk in [
            "",
            "[]",
            "{\"v\":2,\"held\":[]}",
            "{\"v\":1,\"held\":[],\"x\":1}",
        ] {
            let (o, outcome, _) = Outbox::load(Some(junk), "2026-12-01");
            assert!(o.is_empty());
            assert!(matches!(outcome, LoadOutcome::Reset(_)), "{junk}");
        }
        assert_eq!(Outbox::load(None, "2026-12-01").1, LoadOutcome::Fresh);
    }
}
