//! Journeys and e-mail landings on the shopper, on the bytes it would send:
//! the journey report is one HRR value with nothing else, charged to the
//! day's ledger after the placements; a landing counts on the e-mail
//! placement under its campaign and arm.

mod common;

use xsell_core::attribution::journey::{Arrival, Channel};
use xsell_core::privacy::exact::SplitMix64;
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::report::{Noised, Report};
use xsell_core::shopper::{utc_day, EmailLanding, Shopper, ShopperSettings};
use xsell_core::{Model, ParamGuard};

const NOW: u64 = 1_764_576_000_000; // 2025-12-01T08:00Z
const DAY: u64 = 86_400_000;

fn from(referrer: Option<&str>) -> Arrival<'_> {
    Arrival {
        referrer_host: referrer,
        own_host: "shop.example",
        new_visit: true,
        ..Arrival::default()
    }
}

fn flush(s: &mut Shopper<'_>, ledger: &mut Ledger, now: u64) -> Vec<Report> {
    let (out, _) = s.due_reports(&mut SplitMix64(now), ledger, now);
    out.iter()
        .map(|r| {
            s.report_sent(r);
            Report::parse(r.body.as_bytes()).expect("the widget sends valid reports")
        })
        .collect()
}

#[test]
fn a_journey_is_reported_once_noised_and_an_email_landing_counts_for_its_arm() {
    let bytes = common::grocery().build().unwrap();
    let settings = ShopperSettings::default().check().unwrap();
    let (mut s, _) = Shopper::new(Model::parse(&bytes).unwrap(), settings, None, None);
    let item = s.model().item_id(0).to_string();
    assert_eq!(
        s.arrive(&from(Some("www.google.com")), None, NOW).unwrap(),
        Some(Channel::Search)
    );
    assert_eq!(
        s.arrive(&from(Some("shop.example")), None, NOW + 1)
            .unwrap(),
        None
    );
    let landing = EmailLanding {
        campaign: "winter-picks",
        arm: "legacy",
        answer: None,
    };
    assert_eq!(
        s.arrive(&from(Some("mail.example.com")), Some(landing), NOW + 2)
            .unwrap(),
        Some(Channel::Email)
    );
    s.track("add_to_cart", std::slice::from_ref(&item), None, NOW + 3)
        .unwrap();
    s.track("purchase", std::slice::from_ref(&item), Some(42.0), NOW + 4)
        .unwrap();
    let mut ledger = Ledger::load(None, &utc_day(NOW), s.settings().daily_epsilon);
    let reports = flush(&mut s, &mut ledger, NOW + 5);
    let bodies: Vec<String> = reports.iter().map(Report::to_json).collect();
    // The e-mail placement, under its campaign and arm; then the journey.
    assert_eq!(reports.len(), 2, "{bodies:?}");
    let email = &reports[0];
    assert_eq!(email.placement, "email");
    assert_eq!(email.experiment.as_deref(), Some("winter-picks"));
    assert_eq!(email.arm.as_deref(), Some("legacy"));
    let journey = &reports[1];
    assert_eq!((journey.v, journey.placement.as_str()), (5, "journeys"));
    assert!(journey.is_journey());
    assert!(journey.experiment.is_none() && journey.arm.is_none());
    assert!(matches!(
        journey.values.as_slice(),
        [Noised::Hrr { eps: 1000, .. }]
    ));
    // Nothing of the journey in clear: exactly these fields on the wire.
    let wire: serde_json::Value = serde_json::from_str(&bodies[1]).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&wire), ["day", "id", "placement", "v", "values"]);
    assert_ne!(
        wire["id"],
        serde_json::json!(email.id),
        "a fresh id per report"
    );
    assert_eq!(
        keys(&wire["values"][0]),
        ["bit", "eps", "mech", "metric", "row"]
    );
    for needle in ["search", "winter", "google", "converted"] {
        assert!(!bodies[1].contains(needle), "{needle} in {}", bodies[1]);
    }
    assert_eq!(ledger.spent, 2000, "two reports at ε = 1 each");
    // Sent once: nothing is due any more today.
    assert!(!s.reports_due(NOW + 6));
}

#[test]
fn journeys_wait_for_budget_and_expire_unconverted() {
    let bytes = common::grocery().build().unwrap();
    let settings = ShopperSettings {
        journey_window_days: 2,
        ..ShopperSettings::default()
    }
    .check()
    .unwrap();
    let (mut s, _) = Shopper::new(Model::parse(&bytes).unwrap(), settings, None, None);
    s.arrive(&from(None), None, NOW).unwrap();
    // Today's budget is already spent elsewhere: the ended journey waits.
    let mut spent = Ledger::load(None, &utc_day(NOW + 2 * DAY), s.settings().daily_epsilon);
    spent.spent = 2000;
    assert!(!s.reports_due(NOW + DAY), "still inside its window");
    assert!(s.reports_due(NOW + 2 * DAY), "its window ran out");
    assert!(flush(&mut s, &mut spent, NOW + 2 * DAY).is_empty());
    assert!(s.reports_due(NOW + 2 * DAY + 1), "it waits");
    // The next day it goes, once.
    let mut fresh = Ledger::load(None, &utc_day(NOW + 3 * DAY), s.settings().daily_epsilon);
    let sent = flush(&mut s, &mut fresh, NOW + 3 * DAY);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].placement, "journeys");
    assert!(!s.reports_due(NOW + 3 * DAY + 1));
    // Bad landings say what is wrong.
    let bad = EmailLanding {
        campaign: "Winter Picks",
        arm: "xsell",
        answer: None,
    };
    assert!(s.arrive(&from(None), Some(bad), NOW).is_err());
}

#[test]
fn a_survey_link_records_the_answer_for_the_campaign_arm() {
    let bytes = common::grocery().build().unwrap();
    let settings = ShopperSettings::default().check().unwrap();
    let (mut s, _) = Shopper::new(Model::parse(&bytes).unwrap(), settings, None, None);
    let answer = EmailLanding {
        campaign: "winter-picks",
        arm: "xsell",
        answer: Some(4),
    };
    s.arrive(&from(None), Some(answer), NOW).unwrap();
    let day = &s.device().counts[0];
    assert_eq!(day.placement, "email");
    assert_eq!(
        (day.experiment.as_deref(), day.arm.as_deref()),
        (Some("winter-picks"), Some("xsell"))
    );
    assert_eq!((day.counts.relevance, day.counts.clicks), (Some(4), 1));
    let bad = EmailLanding {
        answer: Some(9),
        ..answer
    };
    assert!(
        s.arrive(&from(None), Some(bad), NOW).is_err(),
        "answers are 1 to 5"
    );
}
