//! `xsell email`: load, build the campaign, write it, report.

use super::{bar, now_ms, report_skips};
use crate::plan::EmailPlan;
use anyhow::Result;
use xsell_cli::email::recipients::read_recipients;
use xsell_cli::email::rotation::Rotation;
use xsell_cli::email::{build_campaign, write_campaign};
use xsell_core::email::EmailPicker;
use xsell_core::{Model, Recommender};

pub fn email(p: &EmailPlan) -> Result<()> {
    let started = std::time::Instant::now();
    let bytes = super::model::read_model(&p.model)?;
    let model = Model::parse(&bytes)?;
    let (recipients, stats) = read_recipients(&p.recipients.0, p.recipients.1, p.bad_rows)?;
    report_skips(&p.recipients.0, &stats);
    let mut rotation = match &p.rotation {
        Some(f) => Rotation::load(f)?,
        None => Rotation::default(),
    };
    let now = p.now_ms.unwrap_or_else(now_ms);
    let mut picker = EmailPicker::new(Recommender::new(model), p.recent_days);
    let pb = bar(recipients.len() as u64, "blocks");
    let campaign = build_campaign(
        &mut picker,
        &recipients,
        &mut rotation,
        &p.settings,
        now,
        || pb.inc(1),
    );
    pb.finish_and_clear();
    let written = write_campaign(&p.out, &campaign, p.previews)?;
    if let Some(f) = &p.rotation {
        rotation.save(f)?;
    }
    let arms: Vec<String> = written
        .arms
        .iter()
        .map(|(a, n)| format!("{a} {n}"))
        .collect();
    eprintln!(
        "{}: {} recipients ({}), {} blocks in {:.2} s → {}",
        p.settings.campaign,
        campaign.recipients.len(),
        arms.join(", "),
        written.blocks,
        started.elapsed().as_secs_f64(),
        p.out.display()
    );
    if campaign.unknown_items > 0 {
        eprintln!(
            "  skipped {} order lines whose item the model does not know (e.g. {}); retrain the model on a current catalogue",
            campaign.unknown_items,
            campaign.unknown_examples.join(", ")
        );
    }
    if campaign.unsafe_urls > 0 {
        eprintln!(
            "  left out {} cards whose item has no http(s) or relative URL in the catalogue (an e-mail needs a page to link to)",
            campaign.unsafe_urls
        );
    }
    if campaign.svg_images > 0 {
        eprintln!(
            "  {} cards have SVG images, which Gmail and Outlook do not show: give the catalogue PNG or JPEG images for e-mail",
            campaign.svg_images
        );
    }
    Ok(())
}
