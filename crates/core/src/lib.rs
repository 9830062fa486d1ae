//! # xsell core
//!
//! The pure-Rust heart of xsell, with no browser types: it builds and is
//! tested natively, and the same code runs in the trainer, the evaluator and
//! (compiled to WebAssembly) the shopper's browser.
//!
//! - [`ModelBuilder`] writes the compact binary model (format in
//!   `docs/model-format.md`), [`Model::parse`] validates it and reads it in
//!   place, without copying.
//! - [`Recommender`] scores a shopping session against a model and returns
//!   ranked items, each with a [`Reason`].
//! - [`shopper::Shopper`] is one shopper over a model: state, placement
//!   configs, slates with their presentation, and due private reports, with
//!   the clock and randomness injected. The browser layer drives it.
#![warn(missing_docs)]

pub mod attribution;
mod clock;
pub mod device;
pub mod email;
mod error;
pub mod format;
mod guard;
mod model;
mod params;
pub mod privacy;
mod quant;
pub mod rank;
pub mod safe_url;
mod score;
pub mod shopper;
pub mod slate;
pub mod synth;
mod writer;

pub use error::{BuildError, Error, ModelError, ParamError};
pub use guard::{ensure, ParamGuard, Valid};
pub use model::{checksum, declared_len, Link, Links, Model, ModelLoader};
pub use params::{ScoringParams, ValidParams};
pub use score::{
    rank_order, Event, EventKind, PageType, Reason, Recommendation, Recommender, Request,
};
pub use shopper::experiment::fnv;
pub use writer::{popularity_code, CategoryRecord, ItemRecord, ModelBuilder, Neighbour};
