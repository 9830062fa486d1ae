//! Fuzzes the attribution's exact chain on arbitrary path summaries (a
//! shop's own file, or the collector's fit): it must never panic, and the
//! result keeps its bounds (effects in [0, 1], finite credit, the Markov
//! credit summing to the conversions).
#![no_main]

use libfuzzer_sys::fuzz_target;
use xsell_core::attribution::Paths;

fuzz_target!(|data: &[u8]| {
    let at = Paths::from_bytes(data).attribute();
    if let Err(e) = at.check() {
        panic!("{e}");
    }
});
