//! The saved recommendation file follows session-rec's convention, checked
//! by a scorer that shares no code with ours: `scripts/score_recs.py` reads
//! `xsell eval --save-recs` output and the raw test split, and must reproduce
//! the HR and MRR that `xsell eval --json` reports, on the real Instacart
//! split. A wrong `Position` (the old off-by-one) makes the scorer fail on
//! missing rows, and a list scored against the wrong target changes the
//! numbers.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared Instacart split; its absence is a failure, not a skip.
fn instacart() -> PathBuf {
    let dir = root().join("../shared/data/instacart");
    for f in ["train_full.txt", "test.txt"] {
        assert!(
            dir.join(f).is_file(),
            "{} is missing: this test needs the shared data beside the checkout (../shared/data, see its README)",
            dir.join(f).display()
        );
    }
    dir
}

#[test]
fn outside_scorer_reproduces_xsell_metrics_from_the_saved_lists() {
    let data = instacart();
    let (train, test) = (data.join("train_full.txt"), data.join("test.txt"));
    let dir = tempfile::tempdir().unwrap();
    let (recs, json) = (dir.path().join("recs.csv"), dir.path().join("results.json"));
    let out = Command::new(env!("CARGO_BIN_EXE_xsell"))
        .args(["eval", "--no-tune", "--baselines", "none", "--train"])
        .arg(&train)
        .arg("--test")
        .arg(&test)
        .arg("--save-recs")
        .arg(&recs)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xsell eval failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let text = std::fs::read_to_string(&recs).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("SessionId;Position;Recommendations;Scores")
    );
    // Every session's first row is Position 0 (the prefix is its first item).
    let first: Vec<&str> = lines.next().unwrap().split(';').collect();
    assert_eq!(first.len(), 4);
    assert_eq!(first[1], "0", "{}", first.join(";"));

    let scored = Command::new("python3")
        .arg(root().join("scripts/score_recs.py"))
        .arg(&recs)
        .arg(&test)
        .arg("--train")
        .arg(&train)
        .arg("--json")
        .output()
        .expect("python3 must be on PATH to run scripts/score_recs.py");
    assert!(
        scored.status.success(),
        "score_recs.py failed:\n{}",
        String::from_utf8_lossy(&scored.stderr)
    );
    let outside: serde_json::Value = serde_json::from_slice(&scored.stdout).unwrap();
    let ours: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let saved = ours["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "xsell (session only)")
        .expect("the session-only row (the saved lists) is in the JSON");
    let m = &saved["metrics"];
    assert_eq!(outside["predictions"], m["predictions"]);
    assert_eq!(
        m["predictions"], 5588,
        "the README's split: 5,588 predictions"
    );
    for key in ["hr20", "mrr20", "hr10", "mrr10"] {
        let (a, b) = (outside[key].as_f64().unwrap(), m[key].as_f64().unwrap());
        // Same counts, summed in another order: equal far beyond the 4
        // decimals the results table prints.
        assert!(
            (a - b).abs() < 1e-12,
            "{key}: outside scorer {a}, xsell {b}"
        );
        assert_eq!(format!("{a:.4}"), format!("{b:.4}"), "{key}");
    }
}
