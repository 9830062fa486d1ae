//! `xsell email`: recommendation blocks for e-mail campaigns.
//!
//! One block per recipient from the core's [`EmailPicker`] (the widget's
//! scoring with the recipient's orders as history), the campaign's control
//! group by [`assign`], and links carrying campaign, arm and slot only.
//! Outputs, in one directory:
//!
//! - `assignments.csv`: `recipient,arm,block,note` — the only file with
//!   recipient keys, for the shop's e-mail tool to join on;
//! - `blocks/BLOCK.html` (an HTML fragment for the shop's template) and
//!   `blocks/BLOCK.txt` (the plain-text part);
//! - `merge.csv` and `merge.jsonl`: per block and slot the title, URL,
//!   image, price and reason, for tools that fill their own template;
//! - `preview/BLOCK.html`: whole documents of a few blocks per arm.

pub use xsell_input::recipients;
pub mod render;
pub mod rotation;
pub mod view;

use recipients::Recipient;
use rotation::Rotation;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use view::{BlockView, SlotView, SurveyView};
use xsell_core::email::{
    absolute_url, assign, landing_url, survey_url, EmailArm, EmailPicker, Order,
};
use xsell_core::shopper::Presentation;

/// How a campaign's blocks are made.
#[derive(Debug, Clone)]
pub struct CampaignSettings {
    /// Campaign name (checked by the plan).
    pub campaign: String,
    /// The shop's base URL (checked: absolute http(s), no trailing `/`).
    pub shop: String,
    /// Cards per block.
    pub slots: usize,
    /// Share of recipients in the control arm, percent.
    pub control_percent: u8,
    /// What the control arm gets.
    pub control: EmailArm,
    /// Add the five-link relevance question.
    pub survey: bool,
    /// Heading over the cards.
    pub heading: String,
    /// Put before prices.
    pub currency: String,
    /// Items of the recipient's campaigns this recent are not repeated.
    pub rotation_ms: u64,
}

/// One recipient's outcome.
#[derive(Debug, Clone)]
pub struct Assigned {
    /// The recipient key (only ever written to `assignments.csv`).
    pub key: String,
    /// The arm.
    pub arm: EmailArm,
    /// The block id and its content, if the arm has a block and there was
    /// something to show.
    pub block: Option<(String, BlockView)>,
    /// Why there is no block, if there is none.
    pub note: &'static str,
}

/// A built campaign.
#[derive(Debug, Clone, Default)]
pub struct Campaign {
    /// Per recipient, in input order.
    pub recipients: Vec<Assigned>,
    /// Order lines whose item the model does not know (skipped).
    pub unknown_items: usize,
    /// Some of those ids, for the report.
    pub unknown_examples: Vec<String>,
    /// Cards skipped because the catalogue URL failed the URL policy.
    pub unsafe_urls: usize,
    /// Cards whose image is SVG (many e-mail clients do not show SVG).
    pub svg_images: usize,
}

/// Builds every recipient's block and records what each was shown in
/// `rotation`.
pub fn build_campaign(
    picker: &mut EmailPicker<'_>,
    recipients: &[Recipient],
    rotation: &mut Rotation,
    s: &CampaignSettings,
    now_ms: u64,
    mut progress: impl FnMut(),
) -> Campaign {
    let model = picker.model().clone();
    let ids: HashMap<&str, u32> = (0..model.len() as u32)
        .map(|i| (model.item_id(i), i))
        .collect();
    let present = Presentation {
        currency: s.currency.clone(),
        ..Presentation::default()
    };
    let mut out = Campaign::default();
    for r in recipients {
        progress();
        let arm = assign(&r.key, &s.campaign, s.control_percent, s.control);
        let mut orders = Vec::with_capacity(r.orders.len());
        for o in &r.orders {
            let mut items = Vec::with_capacity(o.items.len());
            for id in &o.items {
                match ids.get(id.as_str()) {
                    Some(&i) => items.push(i),
                    None => {
                        out.unknown_items += 1;
                        if out.unknown_examples.len() < 5 {
                            out.unknown_examples.push(id.clone());
                        }
                    }
                }
            }
            orders.push(Order {
                time_ms: o.time_ms,
                items,
            });
        }
        let shown: Vec<u32> = rotation
            .recent(&r.key, &s.campaign, now_ms, s.rotation_ms)
            .into_iter()
            .filter_map(|id| ids.get(id).copied())
            .collect();
        let picks = picker.pick(arm, &orders, &shown, now_ms, s.slots);
        let mut slots = Vec::with_capacity(picks.len());
        for (item, reason) in picks {
            let card = present.card(&model, item, &reason);
            let slot = slots.len() + 1;
            let Some(url) = landing_url(&s.shop, model.item_url(item), &s.campaign, arm, slot)
            else {
                out.unsafe_urls += 1;
                continue;
            };
            let image = card.image.as_deref().and_then(|u| absolute_url(&s.shop, u));
            out.svg_images += usize::from(image.as_deref().is_some_and(|u| {
                u.split(['?', '#'])
                    .next()
                    .is_some_and(|p| p.ends_with(".svg"))
            }));
            slots.push(SlotView {
                slot,
                item: card.id,
                title: card.title,
                url,
                image,
                price: card.price_text,
                reason: card.reason,
            });
        }
        let note = match arm {
            EmailArm::NoBlock => "control without a block",
            _ if r.orders.is_empty() => "no orders",
            _ if slots.is_empty() => "nothing to recommend",
            _ => "",
        };
        rotation.record(
            &r.key,
            &s.campaign,
            now_ms,
            s.rotation_ms,
            slots.iter().map(|v| v.item.clone()).collect(),
        );
        let block = (!slots.is_empty()).then(|| {
            let survey = s.survey.then(|| SurveyView {
                question: "How relevant are these picks for you?".to_string(),
                answers: (1..=5)
                    .map(|a| (a, survey_url(&s.shop, &s.campaign, arm, a)))
                    .collect(),
            });
            (
                format!("b{:06}", out.recipients.len() + 1),
                BlockView {
                    heading: s.heading.clone(),
                    slots,
                    survey,
                },
            )
        });
        out.recipients.push(Assigned {
            key: r.key.clone(),
            arm,
            block,
            note,
        });
    }
    out
}

/// One row of the merge data.
#[derive(Debug, Clone, Serialize)]
pub struct MergeRow<'a> {
    /// Block id (join on `assignments.csv`).
    pub block: &'a str,
    /// Arm.
    pub arm: &'static str,
    /// 1-based slot.
    pub slot: usize,
    /// The shop's item id.
    pub item: &'a str,
    /// Title.
    pub title: &'a str,
    /// Landing URL.
    pub url: &'a str,
    /// Image URL (empty if none).
    pub image: &'a str,
    /// Price text (empty if none).
    pub price: &'a str,
    /// Reason.
    pub reason: &'a str,
}

/// What was written.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Written {
    /// Recipients per arm.
    pub arms: Vec<(String, usize)>,
    /// Blocks written.
    pub blocks: usize,
    /// Preview documents written.
    pub previews: Vec<String>,
}

/// Errors of writing a campaign.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A file could not be written.
    #[error("writing {file}: {source}")]
    Io {
        /// The file.
        file: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A block did not render.
    #[error("block {block}: {source}")]
    Render {
        /// The block.
        block: String,
        /// Why (boxed: mrml's errors are large).
        source: Box<render::RenderError>,
    },
}

/// Writes the campaign's files into `dir` (created), with `previews`
/// whole documents per arm.
pub fn write_campaign(dir: &Path, c: &Campaign, previews: usize) -> Result<Written, WriteError> {
    let io = |file: &Path| {
        let file = file.to_path_buf();
        move |source| WriteError::Io { file, source }
    };
    let blocks_dir = dir.join("blocks");
    let preview_dir = dir.join("preview");
    for d in [dir, &blocks_dir, &preview_dir] {
        std::fs::create_dir_all(d).map_err(io(d))?;
    }
    let csv_err = |file: &Path| {
        let file = file.to_path_buf();
        move |e: csv::Error| WriteError::Io {
            file,
            source: std::io::Error::other(e.to_string()),
        }
    };
    let assignments = dir.join("assignments.csv");
    let mut a = csv::Writer::from_path(&assignments).map_err(csv_err(&assignments))?;
    a.write_record(["recipient", "arm", "block", "note"])
        .map_err(csv_err(&assignments))?;
    let merge_csv = dir.join("merge.csv");
    let mut m = csv::WriterBuilder::new()
        .has_headers(false)
        .from_path(&merge_csv)
        .map_err(csv_err(&merge_csv))?;
    m.write_record([
        "block", "arm", "slot", "item", "title", "url", "image", "price", "reason",
    ])
    .map_err(csv_err(&merge_csv))?;
    let mut jsonl = String::new();
    let mut written = Written::default();
    let mut per_arm: Vec<(String, usize)> = Vec::new();
    for r in &c.recipients {
        let arm = r.arm.as_str();
        match per_arm.iter_mut().find(|(a, _)| a == arm) {
            Some((_, n)) => *n += 1,
            None => per_arm.push((arm.to_string(), 1)),
        }
        let id = r.block.as_ref().map_or("", |(id, _)| id.as_str());
        a.write_record([r.key.as_str(), arm, id, r.note])
            .map_err(csv_err(&assignments))?;
        let Some((id, view)) = &r.block else { continue };
        let rendered = |e| WriteError::Render {
            block: id.clone(),
            source: Box::new(e),
        };
        let html = render::render_fragment(view).map_err(rendered)?;
        let file = blocks_dir.join(format!("{id}.html"));
        std::fs::write(&file, html).map_err(io(&file))?;
        let file = blocks_dir.join(format!("{id}.txt"));
        std::fs::write(&file, render::render_text(view)).map_err(io(&file))?;
        written.blocks += 1;
        let previewed = written.previews.iter().filter(|p| p.ends_with(arm)).count();
        if previewed < previews {
            let doc = render::render_document(view).map_err(rendered)?;
            let file = preview_dir.join(format!("{id}.html"));
            std::fs::write(&file, doc).map_err(io(&file))?;
            written.previews.push(format!("{id} {arm}"));
        }
        for s in &view.slots {
            let row = MergeRow {
                block: id,
                arm,
                slot: s.slot,
                item: &s.item,
                title: &s.title,
                url: &s.url,
                image: s.image.as_deref().unwrap_or(""),
                price: s.price.as_deref().unwrap_or(""),
                reason: &s.reason,
            };
            m.serialize(&row).map_err(csv_err(&merge_csv))?;
            jsonl.push_str(&serde_json::to_string(&row).expect("plain data"));
            jsonl.push('\n');
        }
    }
    a.flush().map_err(io(&assignments))?;
    m.flush().map_err(io(&merge_csv))?;
    let file = dir.join("merge.jsonl");
    std::fs::write(&file, jsonl).map_err(io(&file))?;
    written.arms = per_arm;
    Ok(written)
}
