//! The simulator's truth: each arm's KPIs computed from the devices' own
//! un-noised counters, with the collector's definitions (the same clip
//! bounds, the same order-value buckets), so that every estimate the
//! collector makes from noised reports has a true value to be checked
//! against.

use super::walk::DeviceDay;
use crate::serve::stats::order_value_midpoint_cents;
use serde::Serialize;
use std::collections::BTreeMap;
use xsell_core::privacy::report::{metric_value, Metric};

/// One arm's true KPIs; the names are those of the collector's `Kpis`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrueKpis {
    /// Devices in the arm.
    pub devices: u64,
    /// Clicks per impression (both clipped as reported).
    pub ctr: Option<f64>,
    /// Adds from recommendations per impression.
    pub add_to_cart_rate: Option<f64>,
    /// Orders holding a recommended item per impression.
    pub conversion_rate: Option<f64>,
    /// "Not interested" per impression.
    pub dismissal_rate: Option<f64>,
    /// Mean order value over days with an order, at the report's bucket
    /// midpoints (what the collector estimates), cents.
    pub order_value_mean_cents: Option<f64>,
    /// Share of device-days with an order.
    pub order_rate: Option<f64>,
    /// Order value per device-day at bucket midpoints, cents.
    pub order_value_per_day_cents: Option<f64>,
    /// Orders holding a recommended item per device-day.
    pub purchases_per_day: Option<f64>,
    /// Cards seen per device-day.
    pub impressions_per_day: Option<f64>,
    /// Mean order value, exact cents (not bucketed).
    pub exact_order_value_mean_cents: Option<f64>,
    /// Order value per device-day, exact cents.
    pub exact_order_value_per_day_cents: Option<f64>,
    /// Value the widget added per order (accepted items that were not in
    /// the real basket), exact cents.
    pub incremental_order_value_cents: Option<f64>,
    /// Median recommendation latency over devices, µs (exact).
    pub latency_median_us: Option<u64>,
}

#[derive(Default)]
struct Sums {
    n: u64,
    impressions: u64,
    clicks: u64,
    add_to_cart: u64,
    purchases: u64,
    dismissals: u64,
    orders: u64,
    bucketed_cents: f64,
    exact_cents: u64,
    incremental_cents: u64,
    latencies: Vec<u64>,
}

fn clipped(d: &DeviceDay, m: Metric) -> u64 {
    metric_value(&d.counts, m).min(u64::from(m.domain().1))
}

impl Sums {
    fn add(&mut self, d: &DeviceDay) {
        self.n += 1;
        self.impressions += clipped(d, Metric::Impressions);
        self.clicks += clipped(d, Metric::Clicks);
        self.add_to_cart += clipped(d, Metric::AddToCart);
        self.purchases += clipped(d, Metric::Purchases);
        self.dismissals += clipped(d, Metric::Dismissals);
        let bucket = metric_value(&d.counts, Metric::OrderValue) as usize;
        if bucket > 0 {
            self.orders += 1;
            self.bucketed_cents += order_value_midpoint_cents(bucket);
            self.exact_cents += d.order_cents;
            self.incremental_cents += d.incremental_cents;
        }
        self.latencies.extend(super::walk::median(&d.latencies_us));
    }

    fn kpis(&self) -> TrueKpis {
        let per = |num: f64, den: u64| (den > 0).then(|| num / den as f64);
        let per_impression = |x: u64| per(x as f64, self.impressions);
        TrueKpis {
            devices: self.n,
            ctr: per_impression(self.clicks),
            add_to_cart_rate: per_impression(self.add_to_cart),
            conversion_rate: per_impression(self.purchases),
            dismissal_rate: per_impression(self.dismissals),
            order_value_mean_cents: per(self.bucketed_cents, self.orders),
            order_rate: per(self.orders as f64, self.n),
            order_value_per_day_cents: per(self.bucketed_cents, self.n),
            purchases_per_day: per(self.purchases as f64, self.n),
            impressions_per_day: per(self.impressions as f64, self.n),
            exact_order_value_mean_cents: per(self.exact_cents as f64, self.orders),
            exact_order_value_per_day_cents: per(self.exact_cents as f64, self.n),
            incremental_order_value_cents: per(self.incremental_cents as f64, self.orders),
            latency_median_us: super::walk::median(&self.latencies),
        }
    }
}

/// The true KPIs of each arm (devices outside any experiment under "").
pub fn by_arm(days: &[DeviceDay]) -> BTreeMap<String, TrueKpis> {
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for d in days {
        sums.entry(d.arm.clone().unwrap_or_default())
            .or_default()
            .add(d);
    }
    sums.into_iter().map(|(a, s)| (a, s.kpis())).collect()
}
