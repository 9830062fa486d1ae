//! Every input the `catalog_reader`, `events_reader`, `recipients_reader`
//! and `pair_counts_reader` fuzz targets found (and the hand-made hostile
//! seeds) is replayed with the targets' own checks (`xsell_input::fuzz`). The
//! inputs live beside the other targets' in
//! `crates/core/tests/fuzz-crashers/<target>/`; a missing or empty folder
//! fails: the replay must replay.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fuzz-crashers")
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
fn catalog_reader_crashers_stay_fixed() {
    for path in inputs("catalog_reader") {
        xsell_input::fuzz::catalog(&std::fs::read(&path).unwrap());
    }
}

#[test]
fn events_reader_crashers_stay_fixed() {
    for path in inputs("events_reader") {
        xsell_input::fuzz::events(&std::fs::read(&path).unwrap());
    }
}

#[test]
fn recipients_reader_crashers_stay_fixed() {
    for path in inputs("recipients_reader") {
        xsell_input::fuzz::recipients(&std::fs::read(&path).unwrap());
    }
}

#[test]
fn pair_counts_reader_crashers_stay_fixed() {
    for path in inputs("pair_counts_reader") {
        xsell_input::fuzz::pair_counts(&std::fs::read(&path).unwrap());
    }
    // The Parquet the counting SQL writes, as the fuzzer starts from it.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pair_counts.parquet");
    xsell_input::fuzz::pair_counts(&std::fs::read(fixture).unwrap());
}
