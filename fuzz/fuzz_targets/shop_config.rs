//! Fuzzes the shop's JSON files the collector serves and every widget
//! reads: the placement configs and the experiment file. Neither may
//! panic; anything accepted must serialize and be accepted again as the
//! same value, and a placement config must answer for any placement.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xsell_core::shopper::{Experiments, Placements};
use xsell_core::Valid;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Valid::<Placements>::from_json(text) {
        let json = serde_json::to_string(p.get()).expect("accepted configs serialize");
        let again = Valid::<Placements>::from_json(&json).expect("accepted configs round-trip");
        assert_eq!(again.get(), p.get());
        let _ = p.of("cart");
    }
    if let Ok(e) = Valid::<Experiments>::from_json(text) {
        let json = serde_json::to_string(e.get()).expect("accepted files serialize");
        let again = Valid::<Experiments>::from_json(&json).expect("accepted files round-trip");
        assert_eq!(again.get(), e.get());
    }
});
