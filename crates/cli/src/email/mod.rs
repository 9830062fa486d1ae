//! `xsell email`: recommendation blocks for e-mail campaigns.

pub mod render;
pub mod view;
