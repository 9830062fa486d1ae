//! Privacy: what may leave the browser, and how the collector reads it.
//!
//! Only noised, aggregated values leave the device, each through an ε-LDP
//! mechanism ([`mechanisms`]) with exact samplers ([`exact`]), inside a
//! per-day budget kept on the device ([`ledger`]), in a strictly validated
//! report that carries no identifier ([`report`]). The collector debiases
//! the reports into estimates with intervals that include the privacy
//! noise ([`estimate`]).

pub mod estimate;
pub mod exact;
pub mod ledger;
pub mod mechanisms;
pub mod report;
