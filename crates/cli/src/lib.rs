//! The `xsell` command-line tool as a library: input readers, the trainer,
//! the offline evaluator and its baselines. `main.rs` is thin glue.

pub mod attribution;
pub mod email;
pub mod eval;
pub mod experiment_file;
pub mod history;
pub use xsell_input as input;
pub mod serve;
pub mod sessions;
pub mod simulate;
pub mod synth_log;
pub mod train;
pub mod validation;
