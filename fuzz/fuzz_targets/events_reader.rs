//! Fuzzes the event-log readers (session-rec TSV, generic CSV, OTTO and
//! generic JSON lines) on arbitrary bytes: they must never panic, and an
//! accepted log holds only events with non-empty session and item ids.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| xsell_input::fuzz::events(data));
