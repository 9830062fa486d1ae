//! `xsell`: train, evaluate and inspect cross-sell models.
//!
//! Three layers, as in ripgrep: [`args`] is the raw command line (clap),
//! [`plan`] validates it into one plan per command, [`run`] executes a plan
//! with the library. `main` only connects them.

mod args;
mod plan;
mod run;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = args::Cli::parse();
    let plan =
        plan::Plan::from_args(cli, std::env::var("XSELL_EXPONENTS").ok()).unwrap_or_else(|e| {
            // A usage error, reported like clap's own: no backtrace, status 2.
            eprintln!("error: {e}");
            std::process::exit(2)
        });
    if !matches!(plan, plan::Plan::Serve(_)) {
        quiet_broken_pipe();
    }
    run::run(plan)
}

/// Output piped into `head` ends the command quietly, as with other Unix
/// tools, instead of a panic on the next `println!`. The collector keeps
/// Rust's default (SIGPIPE ignored) so a closed socket is an error it
/// handles, not the end of the process.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any
    // thread is started; no handler runs Rust code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
