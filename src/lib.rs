//! The browser package: a thin layer over `xsell-core`, compiled only for
//! `wasm32` (natively this crate is empty). [`Engine`] loads a model and keeps the shopper's state in
//! `localStorage`; [`Carousel`] renders a slate into a shadow root.
//!
//! Every failure that crosses into JavaScript is a real `Error` with a
//! message that says what went wrong and what to do. The host page is never
//! touched outside the widget's own element.
#![cfg(target_arch = "wasm32")]

mod card;
mod carousel;
mod engine;
mod live;
mod report;
mod reserve;
mod storage;
mod util;

pub use carousel::{live_listeners, Carousel, Prepared};
pub use engine::Engine;
