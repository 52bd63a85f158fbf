//! Pathological documents through every command: one enormous word, letters without
//! spaces, one short word repeated, punctuation only, one line of digits, a stop
//! word sentence repeated, one sentence repeated. Each once took time quadratic in
//! its length; here they run at 200 KB (well under a second each when linear) and
//! the tests check what the commands report, not how long they take (the timing
//! goals are in `benches/pathological.rs`).

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

const SIZE: usize = 200_000;

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

/// Pseudo-random bytes from `alphabet` (a fixed xorshift sequence: deterministic).
fn random_text(alphabet: &[u8], len: usize) -> String {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

/// `unit` repeated up to about [`SIZE`] bytes.
fn repeated(unit: &str) -> String {
    unit.repeat(SIZE / unit.len())
}

/// Runs align, scan, dedup, index add and check on two copies of `text`; returns
/// the dedup summary.
fn every_command(text: &str) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("input dir");
    let (a, b) = (input.join("a.txt"), input.join("b.txt"));
    fs::write(&a, text).expect("write a");
    fs::write(&b, text).expect("write b");

    let out = reprint()
        .args(["align", "--format", "json"])
        .arg(&a)
        .arg(&b)
        .output()
        .expect("align runs");
    assert!(
        out.status.success(),
        "align: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let aligned: Value = serde_json::from_slice(&out.stdout).expect("align JSON");
    for p in aligned["passages"].as_array().expect("passages") {
        assert!(p["a"]["end"].as_u64().expect("end") as usize <= text.len());
    }

    let report = dir.path().join("scan.json");
    reprint()
        .args(["scan", "--format", "json", "-o"])
        .arg(&report)
        .arg(&input)
        .assert()
        .success();
    let scan: Value =
        serde_json::from_slice(&fs::read(&report).expect("scan report")).expect("scan JSON");
    assert!(scan.is_object());

    let summary = dir.path().join("summary.json");
    reprint()
        .args(["dedup", "-q", "-o"])
        .arg(dir.path().join("dedup.out"))
        .arg("--summary-json")
        .arg(&summary)
        .arg(&input)
        .assert()
        .success();

    let index = dir.path().join("index");
    reprint()
        .args(["index", "add", "-q"])
        .arg(&index)
        .arg(&a)
        .assert()
        .success();
    let out = reprint()
        .args(["check", "-q", "--format", "json"])
        .arg(&index)
        .arg(&b)
        .output()
        .expect("check runs");
    assert!(
        out.status.success(),
        "check: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checked: Value = serde_json::from_slice(&out.stdout).expect("check JSON");
    assert!(checked.is_object());

    let summary: Value =
        serde_json::from_slice(&fs::read(&summary).expect("summary")).expect("summary JSON");
    summary["stats"].clone()
}

/// The two copies of a document with words are found to be duplicates.
fn assert_one_duplicate(stats: &Value) {
    assert_eq!(stats["documents"], 2);
    assert_eq!(stats["documents_removed"], 1, "{stats}");
}

#[test]
fn one_enormous_word_passes_every_command() {
    assert_one_duplicate(&every_command(&repeated("ay")));
}

#[test]
fn letters_without_spaces_pass_every_command() {
    assert_one_duplicate(&every_command(&random_text(
        b"abcdefghijklmnopqrstuvwxyz",
        SIZE,
    )));
}

#[test]
fn one_short_word_repeated_passes_every_command() {
    assert_one_duplicate(&every_command(&repeated("the ")));
}

#[test]
fn punctuation_only_passes_every_command_as_empty_documents() {
    let stats = every_command(&random_text(b".,;:!?-()[]\"'*&%$#@/", SIZE));
    assert_eq!(stats["empty_documents"], 2, "{stats}");
    assert_eq!(stats["documents_removed"], 0);
}

#[test]
fn one_line_of_digits_passes_every_command() {
    let digits = random_text(b"0123456789", SIZE) + "\n";
    assert_one_duplicate(&every_command(&digits));
}

#[test]
fn stop_word_sentences_joined_by_the_thousand_pass_every_command() {
    assert_one_duplicate(&every_command(&repeated("No. ")));
}

#[test]
fn one_sentence_repeated_thousands_of_times_passes_every_command() {
    assert_one_duplicate(&every_command(&repeated(
        "Fuel prices rose sharply in the western regions today. ",
    )));
}

#[test]
fn over_long_word_aligns_as_itself_beside_ordinary_text() {
    // A passage holding a word far over the stemming cap still aligns, so the long
    // word is keyed (by itself) like any other.
    let blob = "x".repeat(SIZE);
    let passage = format!(
        "The committee approved the new budget for public schools on Monday after a long \
         debate about {blob} and the cost of repairs to older buildings in the north."
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
    fs::write(&a, format!("Unrelated opening words here. {passage}")).expect("write a");
    fs::write(&b, format!("{passage} Something else entirely follows.")).expect("write b");
    let out = reprint()
        .args(["align", "--format", "json"])
        .arg(&a)
        .arg(&b)
        .output()
        .expect("align runs");
    assert!(out.status.success());
    let aligned: Value = serde_json::from_slice(&out.stdout).expect("align JSON");
    let passages = aligned["passages"].as_array().expect("passages");
    assert_eq!(passages.len(), 1, "{aligned}");
    let span = &passages[0]["b"];
    let (start, end) = (
        span["start"].as_u64().expect("start") as usize,
        span["end"].as_u64().expect("end") as usize,
    );
    assert!(
        start < passage.find(&blob).expect("blob") && end > SIZE,
        "{span}"
    );
    assert!(Path::new(&a).exists());
}
