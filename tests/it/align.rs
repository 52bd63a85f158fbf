//! Alignment on the seed articles in corpus/: every required gold cluster is found
//! with the default configuration.

use reprint::align::{align, AlignConfig, AlignedPassage, PreparedDoc};
use reprint::text::NormalizeConfig;
use std::path::Path;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");

fn read(name: &str) -> String {
    // Seed articles live in corpus/seeds/, their gold file beside that folder.
    let dir = Path::new(CORPUS);
    let path = if name.ends_with(".txt") {
        dir.join("seeds").join(name)
    } else {
        dir.join(name)
    };
    std::fs::read_to_string(path).expect("corpus file")
}

fn gold() -> serde_json::Value {
    let text =
        std::fs::read_to_string(Path::new(CORPUS).join("seeds.gold.json")).expect("gold file");
    serde_json::from_str(&text).expect("gold JSON")
}

fn aligned(a: &str, b: &str) -> Vec<AlignedPassage> {
    let (ta, tb) = (read(a), read(b));
    let norm = NormalizeConfig::default();
    align(
        &PreparedDoc::new(&ta, &norm),
        &PreparedDoc::new(&tb, &norm),
        &AlignConfig::default(),
    )
}

/// True when some found span on the given side covers at least half of `start..end`.
fn covered(found: &[AlignedPassage], side_a: bool, start: usize, end: usize) -> bool {
    found.iter().any(|p| {
        let s = if side_a { p.a } else { p.b };
        let overlap = s.end.min(end).saturating_sub(s.start.max(start));
        2 * overlap >= end - start
    })
}

#[test]
fn every_required_gold_cluster_is_found() {
    let gold = gold();
    let clusters = gold["clusters"].as_array().expect("clusters");
    let mut checked = 0;
    for cluster in clusters.iter().filter(|c| c["required"] == true) {
        let name = cluster["name"].as_str().unwrap_or("?");
        let members = cluster["members"].as_array().expect("members");
        let doc = |m: &serde_json::Value| m["doc"].as_str().expect("doc").to_string();
        let mut docs: Vec<String> = members.iter().map(doc).collect();
        docs.sort();
        docs.dedup();
        for (i, da) in docs.iter().enumerate() {
            for db in &docs[i + 1..] {
                let found = aligned(da, db);
                for m in members {
                    let d = doc(m);
                    let (s, e) = (
                        m["start"].as_u64().unwrap() as usize,
                        m["end"].as_u64().unwrap() as usize,
                    );
                    assert!(
                        covered(&found, &d == da, s, e),
                        "{name}: {d} {s}..{e} not covered aligning {da} with {db}: {found:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 9, "only {checked} gold members checked");
}

#[test]
fn boilerplate_alone_is_not_a_passage() {
    let cfg = AlignConfig::default();
    let names = [
        "000_cff694c5b6003a2d.txt",
        "001_f91ad2ad64eee8b1.txt",
        "002_40cca94e12896faf.txt",
        "003_c02b394d286b7c9f.txt",
        "004_2906608a23827698.txt",
    ];
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let (ta, tb) = (read(a), read(b));
            for p in aligned(a, b) {
                for text in [&ta[p.a.start..p.a.end], &tb[p.b.start..p.b.end]] {
                    assert!(
                        text.split_whitespace().count() >= cfg.min_words,
                        "{a} vs {b}: short passage {text:?}"
                    );
                    assert_ne!(text.trim(), "Presentational grey line");
                }
            }
        }
    }
}

#[test]
fn spans_are_tight_on_the_blinken_quote() {
    let found = aligned("000_cff694c5b6003a2d.txt", "003_c02b394d286b7c9f.txt");
    let b = read("003_c02b394d286b7c9f.txt");
    let p = found
        .iter()
        .find(|p| p.b.start < 1399 && 1271 < p.b.end)
        .expect("quote found");
    // The gold quote in 003 is 1271..1399 with its quotation marks; the span must
    // start and end on its first and last word.
    assert!(b[p.b.start..].starts_with("one lesson"));
    assert!(b[..p.b.end].ends_with("to leave"));
}

#[test]
fn cli_align_prints_json_passages() {
    let out = assert_cmd::Command::cargo_bin("reprint")
        .unwrap()
        .args(["align", "--format", "json"])
        .arg(Path::new(CORPUS).join("seeds/000_cff694c5b6003a2d.txt"))
        .arg(Path::new(CORPUS).join("seeds/003_c02b394d286b7c9f.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let passages = v["passages"].as_array().unwrap();
    assert!(!passages.is_empty());
    let text = passages[0]["b"]["text"].as_str().unwrap();
    assert!(text.contains("once Russians are in your house"));
}

#[test]
fn cli_align_rejects_zero_min_words_and_missing_files() {
    let a = Path::new(CORPUS).join("seeds/000_cff694c5b6003a2d.txt");
    assert_cmd::Command::cargo_bin("reprint")
        .unwrap()
        .args(["align", "--min-words", "0"])
        .arg(&a)
        .arg(&a)
        .assert()
        .code(2);
    assert_cmd::Command::cargo_bin("reprint")
        .unwrap()
        .arg("align")
        .arg(&a)
        .arg("/nonexistent/file.txt")
        .assert()
        .code(1)
        .stderr(predicates::str::contains("/nonexistent/file.txt"));
}

#[test]
fn cli_eval_rejects_a_directory_without_pairs() {
    assert_cmd::Command::cargo_bin("reprint")
        .unwrap()
        .args(["eval", "pan13", CORPUS])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("not a PAN 2013 corpus directory"));
}

fn reprint() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("reprint").unwrap()
}

/// Runs `reprint align --print-config` with `extra` and parses its JSON.
fn printed_config(extra: &[&str]) -> (String, serde_json::Value) {
    let out = crate::succeeded(reprint().args(["align", "--print-config"]).args(extra));
    let text = String::from_utf8(out.stdout).unwrap();
    let v = serde_json::from_str(&text).unwrap();
    (text, v)
}

#[test]
fn print_config_prints_the_grouped_defaults_and_round_trips() {
    let (text, v) = printed_config(&[]);
    assert_eq!(v, serde_json::to_value(AlignConfig::default()).unwrap());
    assert_eq!(v["extension"]["min_passage_cosine"], 0.38);
    // Fed back through --align-config, it prints the very same text.
    let (again, _) = printed_config(&["--align-config", &text]);
    assert_eq!(again, text);
    // A changed setting shows, and so does --min-words; the rest stay as they were.
    let (_, tuned) = printed_config(&[
        "--align-config",
        r#"{"seeds": {"min_sentence_cosine": 0.4}}"#,
        "--min-words",
        "12",
    ]);
    assert_eq!(tuned["seeds"]["min_sentence_cosine"], 0.4);
    assert_eq!(tuned["seeds"]["min_sentence_dice"], 0.33);
    assert_eq!(tuned["min_words"], 12);
    assert_eq!(tuned["summary"], v["summary"]);
}

#[test]
fn print_config_takes_no_files() {
    let a = Path::new(CORPUS).join("seeds/000_cff694c5b6003a2d.txt");
    reprint()
        .args(["align", "--print-config"])
        .arg(&a)
        .arg(&a)
        .assert()
        .code(2);
    // Without it, both files are still required.
    reprint().arg("align").arg(&a).assert().code(2);
}

#[test]
fn align_config_nested_unknown_field_is_a_usage_error() {
    let a = Path::new(CORPUS).join("seeds/000_cff694c5b6003a2d.txt");
    for (json, group) in [
        (r#"{"seeds": {"min_sentence_cosin": 0.4}}"#, "in `seeds`"),
        (
            r#"{"summary": {"summary_min_cosine": 0.3}}"#,
            "in `summary`",
        ),
        (
            r#"{"seed": {"min_sentence_cosine": 0.4}}"#,
            "unknown field `seed`",
        ),
    ] {
        let out = reprint()
            .arg("align")
            .arg(&a)
            .arg(&a)
            .args(["--align-config", json])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{json}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--align-config") && err.contains("unknown field") && err.contains(group),
            "{json}: {err}"
        );
    }
}

#[test]
fn align_config_former_flat_name_says_where_it_moved() {
    let a = Path::new(CORPUS).join("seeds/000_cff694c5b6003a2d.txt");
    let out = reprint()
        .arg("align")
        .arg(&a)
        .arg(&a)
        .args([
            "--align-config",
            r#"{"min_passage_cosine": 0.42, "chain_min_seeds": 0, "min_words": 9}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "`min_passage_cosine` is now `extension.min_passage_cosine`",
        r#"{"extension":{"min_passage_cosine":0.42}}"#,
        "`chain_min_seeds` is now `extension.chain_min_seeds`",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    // `min_words` did not move: it is not reported.
    assert!(!err.contains("`min_words`"), "{err}");
    // `eval pan13` reads the same settings, before it looks at the corpus.
    reprint()
        .args(["eval", "pan13", "/nonexistent/corpus"])
        .args(["--align-config", r#"{"summary_max_fanout": 3}"#])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`summary_max_fanout` is now `summary.max_fanout`",
        ));
}

#[test]
fn align_config_settings_by_position_are_a_usage_error() {
    for (json, place) in [
        ("[12]", "the value"),
        (r#"{"seeds": [0.4, 0.4]}"#, "`seeds`"),
    ] {
        reprint()
            .args(["align", "--print-config", "--align-config", json])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(format!(
                "--align-config: {place} must be a JSON object"
            )));
    }
}
