//! Fuzzes the catalogue readers (generic CSV and JSON lines, Instacart's
//! three tables) on arbitrary bytes: they must never panic; a catalogue
//! they accept holds non-empty ids, only URLs the policy accepts, and reads
//! back the same from the JSON lines it writes.
//!
//! The input is split on NUL bytes: products, aisles.csv, departments.csv.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| xsell_input::fuzz::catalog(data));
