//! Fuzzes the e-mail recipients export reader (CSV and JSON lines) on
//! arbitrary bytes: it must never panic, and what it accepts keeps its
//! invariants and round-trips through the JSON lines form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| xsell_input::fuzz::recipients(data));
