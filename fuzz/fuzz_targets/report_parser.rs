//! Fuzzes the report parser the collector runs on untrusted bodies: it must
//! never panic, and anything it accepts must re-validate and round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xsell_core::privacy::report::Report;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Report::parse(data) {
        assert!(r.validate().is_ok());
        let again = Report::parse(r.to_json().as_bytes()).expect("accepted reports round-trip");
        assert_eq!(again, r);
    }
});
