//! `xsell email` end to end on a small model with hostile catalogue text:
//! no recipient field reaches a block, a link or the merge data; every URL
//! passes the URL policy; catalogue text is escaped; rotation works.

use proptest::prelude::*;
use std::path::Path;
use xsell_cli::email::recipients::{RawOrder, Recipient};
use xsell_cli::email::rotation::Rotation;
use xsell_cli::email::{build_campaign, write_campaign, CampaignSettings};
use xsell_core::email::{EmailArm, EmailPicker};
use xsell_core::{CategoryRecord, ItemRecord, Model, ModelBuilder, Neighbour, Recommender};

const HOSTILE: [&str; 4] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "Tea & \"Biscuits\" </mj-text>",
    "javascript:alert(1)",
];

#[allow(clippy::field_reassign_with_default)]
fn model_bytes() -> Vec<u8> {
    let n = 60;
    let mut b = ModelBuilder::default();
    b.categories = (0..6)
        .map(|c| CategoryRecord {
            name: format!("aisle {c} {}", HOSTILE[c % 4]),
            parent: None,
        })
        .collect();
    b.items = (0..n)
        .map(|i| ItemRecord {
            id: format!("sku{i}"),
            title: format!("Item {i} {}", HOSTILE[i % 4]),
            url: if i % 7 == 3 {
                "javascript:alert(1)".into()
            } else {
                format!("/p/{i}")
            },
            image: if i % 5 == 0 {
                "data:image/png;base64,AAAA".into()
            } else {
                format!("https://cdn.example/{i}.png")
            },
            price_cents: Some(100 + i as u32 * 37),
            category: Some((i % 6) as u16),
            in_stock: i % 11 != 4,
            popularity: 1000 / (i as u32 + 1),
        })
        .collect();
    b.neighbours = (0..n)
        .map(|i| {
            (1..12)
                .map(|d| Neighbour {
                    target: ((i + d * 5) % n) as u32,
                    co: 12.0 - d as f32,
                    seq: d as f32,
                })
                .collect()
        })
        .collect();
    b.build().unwrap()
}

fn settings(survey: bool) -> CampaignSettings {
    CampaignSettings {
        campaign: "spring-sale".into(),
        shop: "https://shop.example".into(),
        slots: 4,
        control_percent: 30,
        control: EmailArm::Legacy,
        survey,
        heading: "Picked for you".into(),
        currency: "$".into(),
        rotation_ms: 14 * 86_400_000,
    }
}

fn all_text_but_assignments(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for sub in ["", "blocks", "preview"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() && p.file_name().unwrap() != "assignments.csv" {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    out
}

const NOW: u64 = 1_764_547_200_000; // 2025-12-01

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn no_recipient_field_reaches_the_output(
        tokens in proptest::collection::vec("[a-z]{6}[0-9]{4}", 3..12),
        items in proptest::collection::vec(proptest::collection::vec(0usize..60, 1..6), 3..12),
        survey in any::<bool>(),
    ) {
        let bytes = model_bytes();
        let mut picker = EmailPicker::new(Recommender::new(Model::parse(&bytes).unwrap()), 30);
        let recipients: Vec<Recipient> = tokens
            .iter()
            .zip(items.iter().cycle())
            .enumerate()
            .map(|(k, (t, its))| Recipient {
                key: format!("{t}@{t}mail.example"),
                orders: vec![RawOrder {
                    time_ms: NOW - (k as u64 + 40) * 86_400_000,
                    items: its.iter().map(|i| format!("sku{i}")).collect(),
                }],
            })
            .collect();
        let mut rotation = Rotation::default();
        let c = build_campaign(&mut picker, &recipients, &mut rotation, &settings(survey), NOW, || {});
        let dir = tempfile::tempdir().unwrap();
        let w = write_campaign(dir.path(), &c, 2).unwrap();
        prop_assert!(w.blocks > 0);
        for (file, text) in all_text_but_assignments(dir.path()) {
            for t in &tokens {
                prop_assert!(!text.contains(t.as_str()), "{t} in {file}");
            }
            prop_assert!(!text.contains("mail.example"), "a key's domain in {file}");
            prop_assert!(!text.contains("data:image"), "a data: URL in {file}");
            prop_assert!(!text.contains("href=\"javascript"), "a javascript: link in {file}");
            if file.ends_with(".html") {
                // Merge data and plain text are plain text (the shop's
                // template escapes them); HTML must never hold the raw text.
                prop_assert!(!text.contains("<script"), "unescaped script in {file}");
                prop_assert!(!text.contains("<img src=x"), "unescaped img in {file}");
                prop_assert!(!text.contains("</mj-"), "MJML left in {file}");
            }
        }
        // Every link in every block: the shop or the CDN, over https, with
        // campaign, arm and slot (or answer) and nothing else of ours.
        for r in &c.recipients {
            let Some((_, view)) = &r.block else { continue };
            for s in &view.slots {
                prop_assert!(s.url.starts_with("https://shop.example/p/"), "{}", s.url);
                let query = s.url.split_once('?').unwrap().1;
                prop_assert_eq!(
                    query,
                    format!("utm_source=xsell&utm_medium=email&utm_campaign=spring-sale&xs_c=spring-sale&xs_a={}&xs_s={}", r.arm.as_str(), s.slot)
                );
                if let Some(img) = &s.image {
                    prop_assert!(img.starts_with("https://cdn.example/"), "{img}");
                }
            }
        }
    }
}

#[test]
fn arms_rotation_and_exclusions() {
    let bytes = model_bytes();
    let model = Model::parse(&bytes).unwrap();
    let mut picker = EmailPicker::new(Recommender::new(model.clone()), 30);
    let recipients: Vec<Recipient> = (0..200)
        .map(|k| Recipient {
            key: format!("r{k}"),
            orders: vec![
                RawOrder {
                    time_ms: NOW - 90 * 86_400_000,
                    items: vec![format!("sku{}", (k * 3) % 60)],
                },
                RawOrder {
                    time_ms: NOW - 5 * 86_400_000,
                    items: vec![format!("sku{}", k % 60), "gone".into()],
                },
            ],
        })
        .collect();
    let mut rotation = Rotation::default();
    let s = settings(false);
    let first = build_campaign(&mut picker, &recipients, &mut rotation, &s, NOW, || {});
    assert_eq!(first.unknown_items, 200);
    let legacy = first
        .recipients
        .iter()
        .filter(|r| r.arm == EmailArm::Legacy)
        .count();
    assert!(
        (30..=90).contains(&legacy),
        "30 % of 200 in control: {legacy}"
    );
    for (k, r) in first.recipients.iter().enumerate() {
        let Some((_, view)) = &r.block else { continue };
        let ids: Vec<&str> = view.slots.iter().map(|s| s.item.as_str()).collect();
        let recent = format!("sku{}", k % 60);
        assert!(
            !ids.contains(&recent.as_str()),
            "recently bought {recent} recommended"
        );
        for id in &ids {
            let i: u32 = id[3..].parse().unwrap();
            assert!(model.item_in_stock(i), "{id} is out of stock");
        }
    }
    // The next campaign, a day later, repeats none of the first one's items.
    let next = CampaignSettings {
        campaign: "summer".into(),
        ..s
    };
    let second = build_campaign(
        &mut picker,
        &recipients,
        &mut rotation,
        &next,
        NOW + 86_400_000,
        || {},
    );
    for (a, b) in first.recipients.iter().zip(&second.recipients) {
        let (Some((_, va)), Some((_, vb))) = (&a.block, &b.block) else {
            continue;
        };
        for s in &vb.slots {
            assert!(
                va.slots.iter().all(|t| t.item != s.item),
                "{} repeated for {}",
                s.item,
                a.key
            );
        }
    }
}
