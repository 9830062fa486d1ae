//! Fuzzes the model reader: any byte string must either be rejected with an
//! error or yield a model whose every accessor and a full recommendation
//! request work without panicking.
//!
//! The checksum would make almost every mutation fail early, so the target
//! re-stamps a correct CRC before parsing when the input is long enough:
//! that sends the fuzzer past the checksum into the structural validation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xsell_core::{checksum, format, Event, Model, Recommender, Request};

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    if bytes.len() >= format::HEADER_LEN {
        let declared = (bytes.len() as u32).to_le_bytes();
        if data.first() == Some(&b'X') {
            bytes[16..20].copy_from_slice(&declared);
        }
        let crc = checksum(&bytes);
        bytes[format::CRC_RANGE].copy_from_slice(&crc.to_le_bytes());
    }
    let Ok(model) = Model::parse(&bytes) else { return };
    let n = model.len() as u32;
    for i in 0..n.min(64) {
        let _ = (model.item_id(i), model.item_title(i), model.item_url(i), model.item_image(i));
        let _ = (model.item_price_cents(i), model.item_category(i), model.item_popularity(i));
        let _ = model.links(i).count();
        let _ = model.similarity(i, (i + 1) % n);
    }
    for c in 0..model.n_categories().min(64) as u16 {
        let _ = (model.category_name(c), model.category_parent(c));
    }
    if n > 0 {
        let events: Vec<Event> = (0..n.min(5)).map(Event::cart).collect();
        let mut rec = Recommender::new(model.clone());
        let out = rec.recommend(&Request { events: &events, count: 10, ..Default::default() });
        assert!(out.iter().all(|r| r.item < n));
        for r in &out {
            let _ = r.reason.text(&model);
        }
    }
});
