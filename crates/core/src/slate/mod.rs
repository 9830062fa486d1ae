//! From a ranked list to the slate a shopper sees: business rules, fatigue
//! and "Not interested", then DPP diversification — one path in
//! [`pipeline::build_slate`].

pub mod dpp;
pub mod fatigue;
pub mod pipeline;
pub mod rules;
pub mod trigger;
