//! One simulated device's day: a real trip walked through the widget's own
//! [`Shopper`] core, with the behaviour model deciding what the shopper
//! does with each slate, and the day's report built by the widget's report
//! code (noise, ledger).

use super::behaviour::{Behaviour, Want};
use super::population::Trip;
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use xsell_core::privacy::exact::{uniform_below, RandomBits, SplitMix64};
use xsell_core::privacy::ledger::Ledger;
use xsell_core::privacy::report::DayCounts;
use xsell_core::shopper::{utc_day, Shopper, SlateRequest, MS_PER_DAY};

/// What one device did and sent.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceDay {
    /// The arm it was in (`None`: no experiment ran for it).
    pub arm: Option<String>,
    /// Its true counters for the placement (never sent; the truth the
    /// collector's estimates are checked against).
    pub counts: DayCounts,
    /// Value of the order, cents.
    pub order_cents: u64,
    /// Value of the accepted recommendations that were not in the real
    /// basket: what the widget added to the order.
    pub incremental_cents: u64,
    /// Recommendation latencies, µs.
    pub latencies_us: Vec<u64>,
    /// The report bodies the device sends (noised).
    pub reports: Vec<String>,
    /// What the device would have logged.
    pub warnings: Vec<String>,
}

/// When and where the walk happens.
#[derive(Debug, Clone)]
pub struct WalkSettings {
    /// The placement asked for after every add (the cart page).
    pub placement: String,
    /// Midnight UTC of the first simulated day, ms.
    pub first_day_ms: u64,
    /// Days the devices are spread over.
    pub days: u32,
    /// Price of an item the model does not know, cents.
    pub fallback_price_cents: u32,
}

fn chance(rng: &mut SplitMix64, p: f64) -> bool {
    // 53 random bits against p: exact enough for behaviour (never noise).
    ((rng.next_u64() >> 11) as f64) < p * (1u64 << 53) as f64
}

/// Walks `trip` on a fresh device whose randomness is `rng` (salt, day,
/// behaviour) and `noise` (the report's privacy noise).
pub fn walk(
    shopper: &mut Shopper<'_>,
    trip: &Trip,
    behaviour: &Behaviour,
    settings: &WalkSettings,
    rng: &mut SplitMix64,
    noise: &mut SplitMix64,
) -> DeviceDay {
    shopper.forget();
    shopper.set_salt(rng.next_u64());
    let day = uniform_below(rng, u64::from(settings.days.max(1)));
    let mut now = settings.first_day_ms
        + day * MS_PER_DAY
        + 8 * 3_600_000
        + uniform_below(rng, 12 * 3_600_000);
    // Earlier orders, a week apart before today: the device's history.
    for (k, order) in trip.past.iter().enumerate() {
        let weeks = (trip.past.len() - k) as u64;
        let then = now.saturating_sub(weeks * 7 * MS_PER_DAY);
        let bought = shopper.track("purchase", order, None, then);
        debug_assert!(bought.is_ok());
    }
    let step = behaviour.step_seconds * 1000;
    let placement = settings.placement.as_str();
    let demand: HashSet<&str> = trip.demand.iter().map(String::as_str).collect();
    let basket: HashSet<&str> = trip.basket.iter().map(String::as_str).collect();
    let want = |id: &str| {
        if demand.contains(id) {
            Want::Demand
        } else if basket.contains(id) {
            Want::Basket
        } else {
            Want::Other
        }
    };
    let request = SlateRequest {
        placement: Some(placement.to_string()),
        page: Some("cart".into()),
        ..SlateRequest::default()
    };
    let mut ignored: HashMap<String, u32> = HashMap::new();
    let mut accepted: Vec<String> = Vec::new();
    let mut latencies_us = Vec::new();
    let mut warnings = Vec::new();
    for id in &trip.basket {
        if shopper.cart().contains(id) {
            continue; // added from a recommendation earlier in the walk
        }
        let added = shopper.track("add_to_cart", std::slice::from_ref(id), None, now);
        debug_assert!(added.is_ok());
        now += step;
        let t0 = Instant::now();
        let view = match shopper.recommend(&request, now) {
            Ok(v) => v,
            Err(e) => {
                warnings.push(e.to_string());
                continue;
            }
        };
        latencies_us.push(t0.elapsed().as_micros() as u64);
        if view.items.is_empty() {
            continue;
        }
        let ids: Vec<&str> = view.items.iter().map(|c| c.id.as_str()).collect();
        let first = behaviour.visible.min(ids.len());
        shopper.impressions(placement, &ids[..first], true, now);
        let seen = if ids.len() > first && chance(rng, behaviour.scroll) {
            shopper.impressions(placement, &ids[first..], false, now);
            ids.len()
        } else {
            first
        };
        for (r, &card) in ids[..seen].iter().enumerate() {
            if !chance(rng, behaviour.examine(r)) {
                continue;
            }
            let w = want(card);
            if chance(rng, behaviour.attract(w)) {
                shopper.click(placement, card, now);
                if chance(rng, behaviour.add(w)) {
                    shopper.add_from_rec(placement, card, now);
                    accepted.push(card.to_string());
                }
                now += step;
            } else {
                let n = ignored.entry(card.to_string()).or_default();
                *n += 1;
                if *n >= behaviour.dismiss_after && chance(rng, behaviour.dismiss) {
                    shopper.dismiss(placement, card, now);
                }
            }
        }
    }
    if let Some(median) = median(&latencies_us) {
        shopper.record_latency(placement, median, now);
    }
    let price = |id: &str| {
        u64::from(
            shopper
                .price_cents(id)
                .unwrap_or(settings.fallback_price_cents),
        )
    };
    let cart = shopper.cart().to_vec();
    let order_cents: u64 = cart.iter().map(|id| price(id)).sum();
    let incremental_cents = accepted
        .iter()
        .filter(|id| !basket.contains(id.as_str()))
        .map(|id| price(id))
        .sum();
    now += step;
    let bought = shopper.track("purchase", &cart, Some(order_cents as f64 / 100.0), now);
    debug_assert!(bought.is_ok());
    let today = utc_day(now);
    let (counts, arm) = shopper
        .device()
        .counts
        .iter()
        .find(|c| c.day == today && c.placement == placement)
        .map_or((DayCounts::default(), None), |c| (c.counts, c.arm.clone()));
    let budget = shopper.settings().daily_epsilon;
    let mut ledger = Ledger::load(None, &today, budget);
    let (out, more) = shopper.due_reports(noise, &mut ledger, now);
    warnings.extend(more);
    // The experiment's placement reports; journeys (attribution) are not
    // part of the simulated experiment.
    let reports = out
        .into_iter()
        .filter(|r| r.journey.is_none())
        .map(|r| {
            shopper.report_sent(&r);
            r.body
        })
        .collect();
    DeviceDay {
        arm,
        counts,
        order_cents,
        incremental_cents,
        latencies_us,
        reports,
        warnings,
    }
}

/// The median (upper median for an even count).
pub fn median(xs: &[u64]) -> Option<u64> {
    let mut v = xs.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}
