//! `GET /v1/attribution?from=DAY&to=DAY`: channel attribution from the
//! noised journey reports of those days (default: the last 30), by the
//! core's estimator ([`xsell_core::attribution::private`]). Value is
//! credited at the mean order value the placement reports of those days
//! estimate (cents; 0 without any).

use super::stats;
use super::store::{Filter, Store};
use super::tally::Tally;
use serde::Serialize;
use xsell_core::attribution::oracle::{CellEstimate, HrrSums, DOMAIN};
use xsell_core::attribution::private::{attribute, Estimated};
use xsell_core::privacy::mechanisms::Epsilon;
use xsell_core::privacy::report::{Noised, JOURNEY_PLACEMENT};
use xsell_core::shopper::{day_number, utc_day, MS_PER_DAY};

/// The query.
#[derive(Debug, serde::Deserialize)]
pub struct AttributionQuery {
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
}

/// The answer.
#[derive(Debug, Serialize)]
pub struct AttributionAnswer {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Mean order value used for the value credit, cents.
    pub value_per_conversion_cents: f64,
    /// The estimate (absent without journey reports).
    pub estimate: Option<Estimated>,
}

/// A bad query.
#[derive(Debug, thiserror::Error)]
pub enum AttributionError {
    /// A day that is not one.
    #[error("`{0}` is not a calendar day YYYY-MM-DD")]
    Day(String),
    /// A range out of order or too long.
    #[error("from {from} to {to}: give from <= to, at most 366 days")]
    Range {
        /// First day.
        from: String,
        /// Last day.
        to: String,
    },
}

/// The days of the query (default: the 30 days up to `today_ms`).
pub fn days(q: &AttributionQuery, today_ms: u64) -> Result<Vec<String>, AttributionError> {
    let to = q.to.clone().unwrap_or_else(|| utc_day(today_ms));
    let from = q
        .from
        .clone()
        .unwrap_or_else(|| utc_day(today_ms.saturating_sub(29 * MS_PER_DAY)));
    let (a, b) = (
        day_number(&from).ok_or_else(|| AttributionError::Day(from.clone()))?,
        day_number(&to).ok_or_else(|| AttributionError::Day(to.clone()))?,
    );
    if a > b || b - a > 365 {
        return Err(AttributionError::Range { from, to });
    }
    Ok((a..=b).map(|d| utc_day(d * MS_PER_DAY)).collect())
}

/// Decodes the journey reports counted in `journeys` (each ε on its own,
/// the cells summed) and attributes them.
pub fn estimate<'a>(
    journeys: impl IntoIterator<Item = &'a Tally>,
    value_per_conversion: f64,
) -> Option<Estimated> {
    let mut sums: Vec<HrrSums> = Vec::new();
    for (v, times) in journeys.into_iter().flat_map(|t| &t.values) {
        if let Noised::Hrr { eps, row, bit, .. } = v {
            let i = match sums.iter().position(|s| s.eps.0 == *eps) {
                Some(i) => i,
                None => {
                    sums.push(HrrSums::new(Epsilon(*eps)));
                    sums.len() - 1
                }
            };
            sums[i].add_times(
                &xsell_core::attribution::oracle::HrrValue {
                    eps: *eps,
                    row: *row,
                    bit: *bit,
                },
                *times,
            );
        }
    }
    let n: u64 = sums.iter().map(|s| s.n).sum();
    if n == 0 {
        return None;
    }
    let mut cells = vec![
        CellEstimate {
            count: 0.0,
            noise_var: 0.0
        };
        DOMAIN
    ];
    for s in &sums {
        for (c, e) in cells.iter_mut().zip(s.decode()) {
            c.count += e.count;
            c.noise_var += e.noise_var;
        }
    }
    Some(attribute(&cells, n, value_per_conversion))
}

/// The whole answer from the store (days before `closed_before` read from
/// their roll-ups, see [`Store::tallies`]).
pub async fn answer(
    store: &Store,
    days: Vec<String>,
    closed_before: Option<&str>,
) -> Result<AttributionAnswer, super::store::StoreError> {
    let from = days.first().cloned().unwrap_or_default();
    let to = days.last().cloned().unwrap_or_default();
    let tallies = store
        .tallies(&Filter::days(&from, &to), closed_before)
        .await?;
    let (journeys, others): (Vec<_>, Vec<_>) = tallies
        .into_iter()
        .partition(|(g, _)| g.placement == JOURNEY_PLACEMENT);
    let value = stats::compute(others.iter().map(|(_, t)| t))
        .order_value_mean_cents
        .map_or(0.0, |e| e.value.max(0.0));
    let estimate =
        tokio::task::spawn_blocking(move || estimate(journeys.iter().map(|(_, t)| t), value))
            .await
            .map_err(|e| super::store::StoreError::Task(e.to_string()))?;
    Ok(AttributionAnswer {
        from,
        to,
        value_per_conversion_cents: value,
        estimate,
    })
}
