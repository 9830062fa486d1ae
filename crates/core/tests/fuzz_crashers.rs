//! Every input a fuzz target ever found (and the hand-made hostile seeds)
//! is replayed against its own parser, with the fuzz target's checks: the
//! model reader must not panic; an accepted report must re-validate and
//! round-trip; an attribution keeps its bounds; an accepted placement config
//! or experiment file round-trips. A missing or empty folder fails: the replay must replay.

use std::path::{Path, PathBuf};
use xsell_core::attribution::Paths;
use xsell_core::privacy::report::Report;
use xsell_core::shopper::{Experiments, Placements};
use xsell_core::{Event, Model, Recommender, Request, Valid};

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-crashers")
        .join(target);
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    files
}

#[test]
fn model_reader_crashers_stay_fixed() {
    for path in inputs("model_reader") {
        let bytes = std::fs::read(&path).unwrap();
        if let Ok(m) = Model::parse(&bytes) {
            // Accepted models are fully readable.
            for i in 0..m.len() as u32 {
                let _ = (m.item_id(i), m.item_title(i), m.links(i).count());
            }
            // And scorable, through the ranking layer when it has one.
            if !m.is_empty() {
                let events: Vec<Event> = (0..m.len().min(5) as u32).map(Event::cart).collect();
                let mut rec = Recommender::new(m.clone());
                let out = rec.recommend(&Request {
                    events: &events,
                    count: 10,
                    ..Default::default()
                });
                assert!(out.iter().all(|r| (r.item as usize) < m.len()));
            }
        }
    }
}

#[test]
fn report_parser_crashers_stay_fixed() {
    for path in inputs("report_parser") {
        let bytes = std::fs::read(&path).unwrap();
        if let Ok(r) = Report::parse(&bytes) {
            assert!(r.validate().is_ok(), "{}", path.display());
            let again = Report::parse(r.to_json().as_bytes()).expect("accepted reports round-trip");
            assert_eq!(again, r, "{}", path.display());
        }
    }
}

#[test]
fn path_summary_crashers_stay_fixed() {
    for path in inputs("path_summary") {
        let bytes = std::fs::read(&path).unwrap();
        let at = Paths::from_bytes(&bytes).attribute();
        assert!(at.check().is_ok(), "{}: {:?}", path.display(), at.check());
    }
}

#[test]
fn shop_config_crashers_stay_fixed() {
    for path in inputs("shop_config") {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(p) = Valid::<Placements>::from_json(text) {
            let json = serde_json::to_string(p.get()).unwrap();
            let again = Valid::<Placements>::from_json(&json).expect("accepted configs round-trip");
            assert_eq!(again.get(), p.get(), "{}", path.display());
        }
        if let Ok(e) = Valid::<Experiments>::from_json(text) {
            let json = serde_json::to_string(e.get()).unwrap();
            let again = Valid::<Experiments>::from_json(&json).expect("accepted files round-trip");
            assert_eq!(again.get(), e.get(), "{}", path.display());
        }
    }
}
