//! The browser bindings: a thin layer over the core, compiled only for
//! `wasm32`. [`Engine`] loads a model and keeps the shopper's state in
//! `localStorage`; [`Carousel`] renders a slate into a shadow root.
//!
//! Every failure that crosses into JavaScript is a real `Error` with a
//! message that says what went wrong and what to do. The host page is never
//! touched outside the widget's own element.

mod carousel;
mod engine;
mod report;
mod storage;
mod util;

pub use carousel::{live_listeners, Carousel};
pub use engine::Engine;
