//! Multi-touch attribution: which channels brought the journeys that
//! converted.
//!
//! - [`journey`]: on the device, arrivals classified into seven channels
//!   and the journey's last touches, ended by a purchase or its window.
//! - [`oracle`]: the ended journey's noised report (optimal local hashing
//!   over 3626 cells) and the collector's debiasing.
//! - [`markov`]: the exact first-order Markov chain of a path summary
//!   (removal effects, no simulation) beside first-touch, last-touch and
//!   linear; the summary is a shop's own data or the debiased reports
//!   ([`private`]), with bootstrap intervals ([`interval`]).
//! - [`synthetic`]: journeys with known effects, for tests and benchmarks.

pub mod interval;
pub mod journey;
pub mod markov;
pub mod oracle;
pub mod private;
pub mod synthetic;

pub use markov::{Attribution, ChannelCredit, PathRow, Paths, Sufficient};
