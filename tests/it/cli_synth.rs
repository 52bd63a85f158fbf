//! `reprint synth` from the outside: a dump and its truth from the seed articles,
//! same seed same bytes, and usage errors.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds")
}

fn synth(dir: &Path, name: &str, extra: &[&str]) -> (String, String) {
    let out = dir.join(format!("{name}.jsonl"));
    let truth = dir.join(format!("{name}.truth.jsonl"));
    Command::cargo_bin("reprint")
        .expect("binary builds")
        .arg("synth")
        .arg(seeds())
        .args(["--docs", "120", "--mean-bytes", "900", "-o"])
        .arg(&out)
        .arg("--truth")
        .arg(&truth)
        .args(extra)
        .assert()
        .success();
    (
        fs::read_to_string(out).expect("dump written"),
        fs::read_to_string(truth).expect("truth written"),
    )
}

#[test]
fn dump_and_truth_from_text_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (dump, truth) = synth(dir.path(), "a", &["--seed", "3", "--dup-rate", "0.3"]);
    let docs: Vec<Value> = dump
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(docs.len(), 120);
    let ids: HashSet<&str> = docs.iter().filter_map(|d| d["id"].as_str()).collect();
    assert_eq!(ids.len(), 120);
    assert!(docs
        .iter()
        .all(|d| d["text"].as_str().is_some_and(|t| !t.is_empty())));
    let pairs: Vec<Value> = truth
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert!(
        pairs.len() >= 36,
        "{} planted pairs for 36 copies",
        pairs.len()
    );
    for p in &pairs {
        assert_eq!(p["schema_version"], 1);
        assert!(ids.contains(p["doc_a"].as_str().expect("doc_a")));
        assert!(ids.contains(p["doc_b"].as_str().expect("doc_b")));
        let j = p["jaccard"].as_f64().expect("jaccard");
        assert!((0.0..=1.0).contains(&j));
        assert_eq!(p["duplicate"].as_bool(), Some(j >= 0.8));
    }
}

#[test]
fn same_seed_same_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = synth(dir.path(), "a", &["--seed", "9"]);
    let b = synth(dir.path(), "b", &["--seed", "9"]);
    let c = synth(dir.path(), "c", &["--seed", "10"]);
    assert_eq!(a, b);
    assert_ne!(a.0, c.0);
}

#[test]
fn bad_values_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        ["--dup-rate", "0.95"],
        ["--docs", "zero"],
        ["--threshold", "1.5"],
    ] {
        Command::cargo_bin("reprint")
            .expect("binary builds")
            .arg("synth")
            .arg(seeds())
            .args(["-o"])
            .arg(dir.path().join("x.jsonl"))
            .arg("--truth")
            .arg(dir.path().join("t.jsonl"))
            .args(args)
            .assert()
            .code(2);
    }
}
