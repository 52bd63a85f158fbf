//! The reports from the outside: one vocabulary and a schema version in every JSON
//! output, deterministic scan reports, readable text, and a bounded HTML report.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds")
}

fn seed_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(seeds())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = crate::succeeded(cmd);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_json_output_carries_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let scan: Value = serde_json::from_str(&stdout_of(
        reprint()
            .arg("scan")
            .arg(seeds())
            .args(["--format", "json"]),
    ))
    .unwrap();
    assert_eq!(scan["schema_version"], 1);
    let jsonl = stdout_of(
        reprint()
            .arg("scan")
            .arg(seeds())
            .args(["--format", "jsonl"]),
    );
    for line in jsonl.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["schema_version"], 1, "{line}");
    }
    let files = seed_files();
    let align: Value = serde_json::from_str(&stdout_of(
        reprint()
            .arg("align")
            .arg(&files[0])
            .arg(&files[3])
            .args(["--format", "json"]),
    ))
    .unwrap();
    assert_eq!(align["schema_version"], 1);
    assert!(align["doc_a"].is_string() && align["doc_b"].is_string());
    let summary = dir.path().join("summary.json");
    reprint()
        .arg("scan")
        .arg(seeds())
        .arg("--summary-json")
        .arg(&summary)
        .args(["-o", "/dev/null"])
        .assert()
        .success();
    let s: Value = serde_json::from_str(&fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["schema_version"], 1);
    assert_eq!(s["command"], "scan");
    assert!(s["seconds"]["total"].is_number());
}

#[test]
fn scan_report_is_byte_identical_from_run_to_run() {
    let run = || {
        stdout_of(
            reprint()
                .arg("scan")
                .arg(seeds())
                .args(["--format", "json"]),
        )
    };
    let first = run();
    let stats: Value = serde_json::from_str::<Value>(&first).unwrap()["stats"].clone();
    assert!(
        stats
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.ends_with("_seconds")),
        "timings in the report: {stats}"
    );
    assert_eq!(run(), first);
}

#[test]
fn scan_names_clusters_and_documents_as_dedup_does() {
    let scan: Value = serde_json::from_str(&stdout_of(
        reprint()
            .arg("scan")
            .arg(seeds())
            .args(["--format", "json"]),
    ))
    .unwrap();
    let c = &scan["clusters"][0];
    assert_eq!(c["cluster"], 0);
    assert!(c["members"][0]["doc"].is_string());
    assert!(c["links"][0]["member_a"].is_number());
    assert!(c["links"][0]["member_b"].is_number());
    assert!(scan["documents"][0]["doc"].is_string());
}

#[test]
fn text_report_says_one_similarity_for_one_link_and_cuts_at_words() {
    let text = stdout_of(reprint().arg("scan").arg(seeds()));
    assert!(
        text.contains("Cluster 0: 2 passages in 2 documents, similarity 0.71\n"),
        "{text}"
    );
    assert!(!text.contains("0.71–0.71"));
    // The 240-character limit falls inside "neighbourhoods a…": the excerpt ends
    // after the last whole word instead.
    assert!(
        text.contains("going far from our neighbourhoods…”"),
        "{text}"
    );
}

#[test]
fn align_reads_stdin_for_dash() {
    let files = seed_files();
    let text = fs::read(&files[0]).unwrap();
    reprint()
        .arg("align")
        .arg("-")
        .arg(&files[3])
        .write_stdin(text)
        .assert()
        .success()
        .stdout(predicate::str::contains("shared by - and"));
    reprint()
        .args(["align", "-", "-"])
        .write_stdin("x")
        .assert()
        .code(predicate::ne(0));
}

#[test]
fn scan_html_max_clusters_shows_the_largest_and_lists_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    reprint()
        .arg("scan")
        .arg(seeds())
        .args([
            "--html-max-clusters",
            "1",
            "-q",
            "-o",
            "/dev/null",
            "--html",
        ])
        .arg(&html)
        .assert()
        .success();
    let page = fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("<section class=\"cluster\"").count(), 1);
    assert!(page.contains("id=\"contents\""));
    assert!(page.contains("id=\"more\""));
    assert!(page.contains("the other 3 are listed at the end"));
}
