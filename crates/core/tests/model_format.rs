#![cfg(not(target_arch = "wasm32"))] // native tests (proptest); the browser layers are web_*.rs
#![allow(clippy::field_reassign_with_default)]
//! The model file contract: round trips, and every kind of damage rejected
//! with the error that names it.

mod common;

use proptest::prelude::*;
use xsell_core::{
    checksum, format, CategoryRecord, ItemRecord, Model, ModelBuilder, ModelError, Neighbour,
    ScoringParams,
};

fn restamp(bytes: &mut [u8]) {
    let crc = checksum(bytes);
    bytes[format::CRC_RANGE].copy_from_slice(&crc.to_le_bytes());
}

fn section(bytes: &[u8], tag: &[u8; 4]) -> (usize, usize) {
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    for k in 0..count {
        let e = format::HEADER_LEN + k * format::SECTION_ENTRY_LEN;
        if &bytes[e..e + 4] == tag {
            let off = u32::from_le_bytes(bytes[e + 4..e + 8].try_into().unwrap()) as usize;
            let len = u32::from_le_bytes(bytes[e + 8..e + 12].try_into().unwrap()) as usize;
            return (off, len);
        }
    }
    panic!("no section");
}

#[test]
fn fixture_round_trips() {
    let b = common::grocery();
    let bytes = b.build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    assert_eq!(m.len(), 6);
    assert_eq!(m.version(), (1, 1));
    assert_eq!(m.item_title(2), "Milk");
    assert_eq!(m.item_id(5), "br");
    assert_eq!(m.item_url(0), "https://shop.example/p/b");
    assert_eq!(m.category_name(m.item_category(3).unwrap()), "Breakfast");
    assert!(!m.item_in_stock(4));
    assert_eq!(m.item_price_cents(1), Some(199));
    let links: Vec<_> = m.links(2).collect();
    assert_eq!(
        links.iter().map(|l| l.target).collect::<Vec<_>>(),
        vec![3, 5]
    );
    assert!((links[0].co - 1.0).abs() < 1e-6 && (links[1].co - 0.3).abs() < 0.3 * 0.03);
    assert_eq!(m.params().get(), &b.params);
    assert!(m.similarity(0, 1) > 0.95 && m.similarity(0, 2) < 0.1);
    assert_eq!(m.training_size(), (10, 40));
    // Deterministic output.
    assert_eq!(bytes, b.build().unwrap());
}

#[test]
fn damage_is_reported_precisely() {
    let good = common::grocery().build().unwrap();

    assert!(matches!(
        Model::parse(&good[..10]),
        Err(ModelError::Truncated { .. })
    ));
    assert!(matches!(
        Model::parse(&good[..good.len() - 4]),
        Err(ModelError::Truncated { .. })
    ));

    let mut b = good.clone();
    b[0] = b'Y';
    assert_eq!(Model::parse(&b).unwrap_err(), ModelError::BadMagic);

    let mut b = good.clone();
    b[8] = 2;
    restamp(&mut b);
    let e = Model::parse(&b).unwrap_err();
    assert_eq!(
        e,
        ModelError::UnsupportedVersion {
            found: 2,
            supported: 1
        }
    );
    assert!(e.to_string().contains("upgrade"), "{e}");

    // A newer minor version is accepted.
    let mut b = good.clone();
    b[10] = 7;
    restamp(&mut b);
    assert_eq!(Model::parse(&b).unwrap().version(), (1, 7));

    // Any flipped content byte breaks the checksum.
    let mut b = good.clone();
    let k = good.len() / 2;
    b[k] ^= 0x40;
    assert!(matches!(
        Model::parse(&b),
        Err(ModelError::ChecksumMismatch { .. })
    ));

    let mut b = good.clone();
    b.extend([0, 0, 0, 0]);
    assert!(matches!(
        Model::parse(&b),
        Err(ModelError::LengthMismatch { .. })
    ));
}

#[test]
fn the_declared_length_is_read_from_the_first_twenty_bytes() {
    let good = common::grocery().build().unwrap();
    assert_eq!(xsell_core::declared_len(&good), Some(good.len()));
    assert_eq!(xsell_core::declared_len(&good[..20]), Some(good.len()));
    assert_eq!(xsell_core::declared_len(&good[..19]), None);
    let mut b = good.clone();
    b[0] = b'Y';
    assert_eq!(xsell_core::declared_len(&b), None);
}

#[test]
fn hostile_structures_are_rejected_even_with_a_valid_checksum() {
    let good = common::grocery().build().unwrap();

    // Section pointing outside the file.
    let mut b = good.clone();
    let e = format::HEADER_LEN + 4;
    b[e..e + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    restamp(&mut b);
    assert!(matches!(
        Model::parse(&b),
        Err(ModelError::BadSection { .. })
    ));

    // Duplicate section tag.
    let mut b = good.clone();
    let (e0, e1) = (
        format::HEADER_LEN,
        format::HEADER_LEN + format::SECTION_ENTRY_LEN,
    );
    let tag: [u8; 4] = b[e0..e0 + 4].try_into().unwrap();
    b[e1..e1 + 4].copy_from_slice(&tag);
    restamp(&mut b);
    assert!(matches!(
        Model::parse(&b),
        Err(ModelError::DuplicateSection(_)) | Err(ModelError::BadSection { .. })
    ));

    // Missing required section: rename NBRS.
    let mut b = good.clone();
    let count = u32::from_le_bytes(b[12..16].try_into().unwrap()) as usize;
    for k in 0..count {
        let e = format::HEADER_LEN + k * format::SECTION_ENTRY_LEN;
        if &b[e..e + 4] == b"NBRS" {
            b[e..e + 4].copy_from_slice(b"ZZZZ");
        }
    }
    restamp(&mut b);
    assert_eq!(
        Model::parse(&b).unwrap_err(),
        ModelError::MissingSection("NBRS")
    );

    // Item count inflated in META: tables no longer fit.
    let mut b = good.clone();
    let (meta, _) = section(&b, b"META");
    b[meta..meta + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
    restamp(&mut b);
    assert!(Model::parse(&b).is_err());

    // Item category out of range.
    let mut b = good.clone();
    let (items, _) = section(&b, b"ITEM");
    b[items + 4..items + 6].copy_from_slice(&77u16.to_le_bytes());
    restamp(&mut b);
    assert!(matches!(
        Model::parse(&b),
        Err(ModelError::InvalidValue { tag: "ITEM", .. })
    ));

    // Neighbour pointing past the item table: first entry of row 0 is a varint target.
    let mut b = good.clone();
    let (nb, _) = section(&b, b"NBRS");
    let blob_at = nb + 8 + 7 * 4 + 6 * 8;
    b[blob_at] = 100;
    restamp(&mut b);
    let e = Model::parse(&b).unwrap_err();
    assert!(
        matches!(e, ModelError::InvalidValue { tag: "NBRS", .. }),
        "{e:?}"
    );

    // NaN row scale.
    let mut b = good.clone();
    let scales_at = nb + 8 + 7 * 4;
    b[scales_at..scales_at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    restamp(&mut b);
    assert!(matches!(
        Model::parse(&b),
        Err(ModelError::InvalidValue { tag: "NBRS", .. })
    ));

    // Invalid UTF-8 in a title.
    let mut b = good.clone();
    let (strs, _) = section(&b, b"STRS");
    let n_strings = u32::from_le_bytes(b[strs..strs + 4].try_into().unwrap()) as usize;
    let blob = strs + 4 + (n_strings + 1) * 4;
    b[blob] = 0xff;
    restamp(&mut b);
    assert!(matches!(
        Model::parse(&b),
        Err(ModelError::InvalidValue { tag: "STRS", .. })
    ));

    // Negative parameter.
    let mut b = good.clone();
    let (parm, _) = section(&b, b"PARM");
    b[parm + 8..parm + 12].copy_from_slice(&(-1.0f32).to_le_bytes());
    restamp(&mut b);
    let e = Model::parse(&b).unwrap_err();
    assert!(e.to_string().contains("w_co"), "{e}");
}

fn arb_model() -> impl Strategy<Value = ModelBuilder> {
    (1usize..12, 0usize..4, any::<bool>()).prop_flat_map(|(n, n_cat, with_vecs)| {
        let item = (
            ".{0,12}",
            "\\PC{0,20}",
            proptest::option::of(0u32..1_000_000),
            proptest::option::of(0..n_cat.max(1) as u16),
            any::<bool>(),
            0u32..100_000,
        );
        let items = proptest::collection::vec(item, n);
        let nbrs = proptest::collection::vec(
            proptest::collection::vec((0..n as u32, 0.0f32..10.0, 0.0f32..10.0), 0..6),
            n,
        );
        let vecs = proptest::collection::vec(-1.0f32..1.0, n * 3);
        let cats = proptest::collection::vec("[a-z ]{1,10}", n_cat);
        (items, nbrs, vecs, cats, 0.5f32..20.0).prop_map(move |(items, nbrs, vecs, cats, hl)| {
            let mut b = ModelBuilder::default();
            b.categories = cats
                .into_iter()
                .map(|name| CategoryRecord { name, parent: None })
                .collect();
            b.items = items
                .into_iter()
                .map(|(id, title, price, cat, stock, pop)| ItemRecord {
                    id,
                    title,
                    url: String::new(),
                    image: String::new(),
                    price_cents: price,
                    category: if n_cat == 0 { None } else { cat },
                    in_stock: stock,
                    popularity: pop,
                })
                .collect();
            b.neighbours = nbrs
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|(target, co, seq)| Neighbour { target, co, seq })
                        .collect()
                })
                .collect();
            b.vectors = with_vecs.then_some((3, vecs));
            b.params = ScoringParams {
                half_life: hl,
                ..ScoringParams::default()
            };
            b
        })
    })
}

fn load_in_steps(
    bytes: &[u8],
    budget: usize,
) -> Result<(Model<'_>, usize), xsell_core::ModelError> {
    let mut loader = xsell_core::ModelLoader::new(bytes)?;
    let mut steps = 0;
    loop {
        steps += 1;
        let before = loader.progress();
        if let Some(m) = loader.step(budget)? {
            return Ok((m, steps));
        }
        assert!(loader.progress() >= before, "progress never goes back");
    }
}

proptest! {
    #[test]
    fn loading_in_steps_equals_parse(b in arb_model(), budget in 1usize..4096, flip in proptest::option::of(any::<prop::sample::Index>())) {
        let mut bytes = b.build().unwrap();
        if let Some(at) = flip {
            let k = at.index(bytes.len());
            bytes[k] ^= 0x10;
        }
        match (Model::parse(&bytes), load_in_steps(&bytes, budget)) {
            (Ok(a), Ok((b, _))) => {
                prop_assert_eq!(a.len(), b.len());
                for i in 0..a.len() as u32 {
                    prop_assert_eq!(a.item_id(i), b.item_id(i));
                    prop_assert_eq!(a.links(i).collect::<Vec<_>>(), b.links(i).collect::<Vec<_>>());
                }
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "parse {:?} but loader {:?}", a.is_ok(), b.is_ok()),
        }
    }

    #[test]
    fn write_then_read_round_trips(b in arb_model()) {
        let bytes = b.build().unwrap();
        let m = Model::parse(&bytes).unwrap();
        prop_assert_eq!(m.len(), b.items.len());
        for (i, it) in b.items.iter().enumerate() {
            let i = i as u32;
            prop_assert_eq!(m.item_id(i), it.id.as_str());
            prop_assert_eq!(m.item_title(i), it.title.as_str());
            prop_assert_eq!(m.item_price_cents(i), it.price_cents);
            prop_assert_eq!(m.item_category(i), it.category);
            prop_assert_eq!(m.item_in_stock(i), it.in_stock);
            prop_assert_eq!(m.item_popularity(i), xsell_core::popularity_code(it.popularity));
            // Links: sorted, deduplicated, no self-links, weights within quantization error.
            let links: Vec<_> = m.links(i).collect();
            prop_assert!(links.windows(2).all(|w| w[0].target < w[1].target));
            prop_assert!(links.iter().all(|l| l.target != i && (l.target as usize) < b.items.len()));
            let row = &b.neighbours[i as usize];
            // The writer keeps the first of repeated targets and drops self-links.
            let first = |t: u32| row.iter().find(|x| x.target == t);
            let co_max = row
                .iter()
                .filter(|x| x.target != i && std::ptr::eq(first(x.target).unwrap(), *x))
                .map(|x| x.co)
                .fold(0.0f32, f32::max);
            for l in &links {
                let src = first(l.target).unwrap();
                if src.co > co_max / 1000.0 {
                    prop_assert!((l.co / src.co - 1.0).abs() < 0.03, "co {} vs {}", l.co, src.co);
                }
            }
        }
        prop_assert_eq!(m.params().get().half_life, b.params.half_life);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Model::parse(&data);
    }

    #[test]
    fn any_single_byte_change_is_detected(b in arb_model(), pos in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let mut bytes = b.build().unwrap();
        let k = pos.index(bytes.len());
        bytes[k] ^= flip;
        prop_assert!(Model::parse(&bytes).is_err());
    }
}

/// A forest that ranks by one feature only: `sign` · x[feature].
fn one_feature_forest(feature: u8, thresholds: &[f32], sign: f32) -> xsell_core::rank::Forest {
    use xsell_core::rank::{Forest, Node, Tree};
    let trees = thresholds
        .iter()
        .map(|&t| Tree {
            nodes: vec![
                Node::Split {
                    feature,
                    threshold: t,
                    left: 1,
                    right: 2,
                },
                Node::Leaf(0.0),
                Node::Leaf(sign),
            ],
        })
        .collect();
    Forest::over_current_features(trees)
}

#[test]
fn a_ranking_layer_round_trips_and_reorders_the_candidates() {
    use xsell_core::{Event, Recommender, Request};
    let plain = common::grocery().build().unwrap();
    let mut b = common::grocery();
    // Feature 1 is the linear rank: this forest reverses the linear order.
    let forest = one_feature_forest(1, &[0.5, 1.5, 2.5, 3.5, 4.5], 1.0);
    b.ranker = Some(forest.clone());
    let bytes = b.build().unwrap();
    let m = Model::parse(&bytes).unwrap();
    assert_eq!(m.ranker(), Some(forest));
    assert!(m.ranker_bytes() > 0 && Model::parse(&plain).unwrap().ranker().is_none());

    let events = [Event::cart(2)];
    let request = Request {
        events: &events,
        count: 5,
        ..Default::default()
    };
    let mut linear = Recommender::new(Model::parse(&plain).unwrap());
    let mut ranked = Recommender::new(m);
    let a: Vec<u32> = linear.recommend(&request).iter().map(|r| r.item).collect();
    let out = ranked.recommend(&request);
    let b: Vec<u32> = out.iter().map(|r| r.item).collect();
    assert!(a.len() >= 3, "{a:?}");
    let mut rev = a.clone();
    rev.reverse();
    assert_eq!(b, rev, "the forest puts the linear blend's last first");
    assert!((out[0].score - 1.0).abs() < 1e-6);
    assert!(out.iter().all(|r| r.score > 0.0 && r.score <= 1.0));
    // The same candidates and features, whatever the layer.
    let c = ranked.candidates(&request, 5);
    assert_eq!(c.ranked.iter().map(|r| r.item).collect::<Vec<_>>(), a);
    assert_eq!(c.features.len(), a.len() * xsell_core::rank::N_FEATURES);
    assert_eq!(c.features[1], 0.0, "linear_rank of the first");
}

#[test]
fn a_hostile_ranking_section_is_refused_at_load() {
    let mut b = common::grocery();
    b.ranker = Some(one_feature_forest(1, &[0.5, 1.5], 1.0));
    let good = b.build().unwrap();
    let (off, len) = section(&good, b"RANK");
    assert!(len > 16);
    // Each edit, restamped so only the section's content is wrong.
    let edits: [(usize, &[u8], &str); 5] = [
        (0, &[9, 0], "layout version 9"),
        (2, &[7, 0], "feature set 7"),
        (8, &[0xff, 0xff, 0, 0], "trees declared"),
        // Tree 0's root: its left child points at itself.
        (16 + 2 * 2 + 2, &[0, 0], "must come after it"),
        // Tree 0's root reads feature 200.
        (16 + 2 * 2, &[200], "feature 200"),
    ];
    for (at, bytes, says) in edits {
        let mut bad = good.clone();
        bad[off + at..off + at + bytes.len()].copy_from_slice(bytes);
        restamp(&mut bad);
        let e = Model::parse(&bad).unwrap_err().to_string();
        assert!(e.contains("RANK") && e.contains(says), "{says}: {e}");
    }
    // A NaN leaf (tree 1's right leaf, the last node).
    let mut bad = good.clone();
    let end = off + len;
    bad[end - 4..end].copy_from_slice(&f32::NAN.to_le_bytes());
    restamp(&mut bad);
    let e = Model::parse(&bad).unwrap_err().to_string();
    assert!(e.contains("not finite"), "{e}");
}
