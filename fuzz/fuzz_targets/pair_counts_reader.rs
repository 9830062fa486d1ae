//! Fuzzes the pair-count table reader (`xsell train --pair-counts`: CSV,
//! or Parquet) on arbitrary bytes: it must never panic, and what it accepts
//! keeps the counter's invariants and round-trips through the CSV the
//! counting SQL writes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| xsell_input::fuzz::pair_counts(data));
