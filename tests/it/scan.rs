//! `reprint scan` on the seed articles against the human gold standard.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn gold() -> Value {
    let text = std::fs::read_to_string(manifest().join("corpus/seeds.gold.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn scan_json(extra: &[&str]) -> Value {
    let out = crate::succeeded(
        Command::cargo_bin("reprint")
            .unwrap()
            .arg("scan")
            .arg(manifest().join("corpus/seeds"))
            .args(["--format", "json", "-q"])
            .args(extra),
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn overlap(a: (u64, u64), b: (u64, u64)) -> u64 {
    a.1.min(b.1).saturating_sub(a.0.max(b.0))
}

fn span(v: &Value) -> (u64, u64) {
    (v["start"].as_u64().unwrap(), v["end"].as_u64().unwrap())
}

/// True when a report id (the path as given, `.../corpus/seeds/000_x.txt`) names the
/// gold file (`000_x.txt`).
fn same_doc(id: &Value, gold_file: &Value) -> bool {
    let (Some(id), Some(file)) = (id.as_str(), gold_file.as_str()) else {
        return false;
    };
    id == file || id.ends_with(&format!("/{file}"))
}

/// True when `cluster` has, for every gold member, a member in the same document
/// overlapping at least half of the gold span.
fn covers(cluster: &Value, gold_cluster: &Value) -> bool {
    gold_cluster["members"].as_array().unwrap().iter().all(|g| {
        let gs = span(g);
        cluster["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| same_doc(&m["doc"], &g["doc"]) && 2 * overlap(span(m), gs) >= gs.1 - gs.0)
    })
}

#[test]
fn finds_every_required_gold_cluster() {
    let report = scan_json(&[]);
    let clusters = report["clusters"].as_array().unwrap();
    for g in gold()["clusters"].as_array().unwrap() {
        let found = clusters.iter().any(|c| covers(c, g));
        if g["required"] == true {
            assert!(
                found,
                "gold cluster {} not found; clusters: {:#}",
                g["name"], report["clusters"]
            );
        } else {
            eprintln!(
                "stretch cluster {}: {}",
                g["name"],
                if found { "found" } else { "not found" }
            );
        }
    }
}

#[test]
fn boilerplate_is_not_reported_as_reuse() {
    let report = scan_json(&[]);
    for b in gold()["boilerplate"].as_array().unwrap() {
        for g in b["members"].as_array().unwrap() {
            let gs = span(g);
            for c in report["clusters"].as_array().unwrap() {
                for m in c["members"].as_array().unwrap() {
                    assert!(
                        !(same_doc(&m["doc"], &g["doc"])
                            && 2 * overlap(span(m), gs) >= gs.1 - gs.0),
                        "boilerplate {} reported in cluster {}",
                        b["name"],
                        c["cluster"]
                    );
                }
            }
        }
    }
    // The layout artefacts are listed as boilerplate instead.
    let listed: Vec<&str> = report["boilerplate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"Presentational grey line"), "{listed:?}");
    assert!(
        listed
            .iter()
            .any(|t| t.starts_with("Kazakh soldiers guard a road")),
        "{listed:?}"
    );
}

#[test]
fn offsets_and_text_agree() {
    let report = scan_json(&[]);
    for c in report["clusters"].as_array().unwrap() {
        for m in c["members"].as_array().unwrap() {
            let text = std::fs::read_to_string(
                manifest()
                    .join("corpus/seeds")
                    .join(m["doc"].as_str().unwrap()),
            )
            .unwrap();
            let (s, e) = span(m);
            assert_eq!(&text[s as usize..e as usize], m["text"].as_str().unwrap());
        }
    }
}

#[test]
fn jsonl_and_text_formats() {
    let out = Command::cargo_bin("reprint")
        .unwrap()
        .arg("scan")
        .arg(manifest().join("corpus/seeds"))
        .args(["--format", "jsonl", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        scan_json(&[])["clusters"].as_array().unwrap().len()
    );
    let out = Command::cargo_bin("reprint")
        .unwrap()
        .arg("scan")
        .arg(manifest().join("corpus/seeds"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Cluster 0:"), "{text}");
    assert!(text.contains("Boilerplate"), "{text}");
}

#[test]
fn align_config_reaches_the_aligner_and_typos_are_usage_errors() {
    // A passage must be at least 200 words: none of the seed passages is.
    let strict = scan_json(&["--align-config", r#"{"min_words": 200}"#]);
    assert_eq!(strict["clusters"].as_array().unwrap().len(), 0);
    assert!(!scan_json(&[])["clusters"].as_array().unwrap().is_empty());
    // A field inside a group reaches the aligner too: no passage can be that similar.
    let impossible = scan_json(&[
        "--align-config",
        r#"{"passages": {"short_passage_words": 100000, "short_passage_similarity": 1.5}}"#,
    ]);
    assert_eq!(impossible["clusters"].as_array().unwrap().len(), 0);
    for (json, named) in [
        (r#"{"min_passage_cosin": 0.4}"#, "min_passage_cosin"),
        (
            r#"{"extension": {"min_passage_cosin": 0.4}}"#,
            "min_passage_cosin",
        ),
        (
            r#"{"min_passage_cosine": 0.4}"#,
            "extension.min_passage_cosine",
        ),
    ] {
        let out = Command::cargo_bin("reprint")
            .unwrap()
            .arg("scan")
            .arg(manifest().join("corpus/seeds"))
            .args(["--align-config", json])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{json}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--align-config") && err.contains(named),
            "{json}: {err}"
        );
    }
}
