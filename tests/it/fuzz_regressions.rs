//! Replays every input kept under `fuzz/regressions/<target>/` through the body of
//! that fuzz target (`fuzz_harness.rs`), so inputs that once found a defect stay
//! regression tests on the stable toolchain.

use crate::fuzz_harness::TARGETS;
use std::path::{Path, PathBuf};

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions")
}

/// Runs every kept input of `target`; an empty or missing folder fails.
fn replay(target: &str) {
    let (_, body) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a known target");
    let dir = regressions_dir().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    for file in files {
        let data = std::fs::read(&file).expect("read a kept input");
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{} fails {target}", file.display());
    }
}

#[test]
fn every_regressions_folder_is_a_fuzz_target() {
    let mut found: Vec<String> = std::fs::read_dir(regressions_dir())
        .expect("fuzz/regressions exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut known: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    known.sort();
    assert_eq!(found, known);
}

#[test]
fn fuzz_regressions_jsonl_record() {
    replay("jsonl_record");
}

#[test]
fn fuzz_regressions_records() {
    replay("records");
}

#[test]
fn fuzz_regressions_text() {
    replay("text");
}

#[test]
fn fuzz_regressions_align() {
    replay("align");
}

#[test]
fn fuzz_regressions_manifest() {
    replay("manifest");
}

#[test]
fn fuzz_regressions_segment() {
    replay("segment");
}

#[test]
fn fuzz_regressions_stage_table() {
    replay("stage_table");
}

/// The segment target's repair must leave a sound format 2 segment (a real index's,
/// kept as a seed) byte for byte as it is, or fuzzing would never start from valid
/// block checksum tables.
#[test]
fn segment_repair_keeps_a_sound_format2_segment_unchanged() {
    use crate::fuzz_harness::repair_segment;
    use reprint::index::format::{Footer, SEGMENT_VERSION};
    let path = regressions_dir().join("segment/seed-format2-two-documents.rps");
    let file = std::fs::read(&path).expect("the format 2 seed");
    let (footer, _) = Footer::decode_file(&file, &path).expect("a sound segment");
    assert_eq!(footer.version, SEGMENT_VERSION);
    assert!(
        repair_segment(&file, SEGMENT_VERSION) == file,
        "repair changed it"
    );
}
