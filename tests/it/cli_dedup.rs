//! `reprint dedup` from the outside: inputs, bad records, outputs, exit codes.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

const BASE: &str = "The unrest began on Sunday when the cost of liquefied petroleum gas, which \
    many people in Kazakhstan use to fuel their cars, doubled, drawing protesters onto the streets. \
    The government said on Thursday that fuel price caps will be restored for six months. But the \
    announcement has failed to end the protests, which have broadened to include other political \
    grievances.";

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds")
}

fn record(id: &str, text: &str) -> String {
    serde_json::json!({"id": id, "text": text}).to_string()
}

/// A small dump: two near-copies of BASE, one exact copy, and unrelated texts.
fn planted_lines() -> Vec<String> {
    vec![
        record("orig", BASE),
        record(
            "other-1",
            "Almaty residents reported shotgun sounds in the city centre overnight.",
        ),
        record("copy-upper", &BASE.to_uppercase()),
        record("edit", &BASE.replace("six months", "half a year")),
        record(
            "other-2",
            "Russian-led troops arrived at the request of the president on Thursday.",
        ),
        record("exact", BASE),
    ]
}

fn write_lines(path: &Path, lines: &[String]) {
    fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn corpus_runs_and_summarises() {
    reprint()
        .arg("dedup")
        .arg(corpus())
        .assert()
        .success()
        .stderr(predicate::str::contains("5 documents (0 empty), 0 skipped"));
}

#[test]
fn clusters_pairs_output_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    write_lines(&input, &planted_lines());
    let (clusters, pairs, out, summary) = (
        dir.path().join("c.jsonl"),
        dir.path().join("p.jsonl"),
        dir.path().join("o.jsonl"),
        dir.path().join("s.json"),
    );
    reprint()
        .args(["dedup", "--threshold", "0.7"])
        .arg(&input)
        .arg("--clusters")
        .arg(&clusters)
        .arg("--pairs")
        .arg(&pairs)
        .arg("-o")
        .arg(&out)
        .arg("--summary-json")
        .arg(&summary)
        .assert()
        .success();

    let clusters = read_jsonl(&clusters);
    assert_eq!(clusters.len(), 1);
    let c = &clusters[0];
    assert_eq!(c["kept"], "orig");
    assert_eq!(c["size"], 4);
    let ids: Vec<&str> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["doc"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["orig", "copy-upper", "edit", "exact"]);
    assert_eq!(c["members"][0]["kept"], true);
    assert_eq!(c["members"][3]["jaccard"], 1.0);
    let edit_j = c["members"][2]["jaccard"].as_f64().unwrap();
    assert!(edit_j > 0.7 && edit_j < 1.0, "edited copy scores {edit_j}");

    let pairs = read_jsonl(&pairs);
    assert_eq!(pairs.len(), 6, "all 6 pairs among the 4 copies verify");
    assert!(pairs.iter().all(|p| p["jaccard"].as_f64().unwrap() >= 0.7));

    // The deduplicated dump holds the kept records byte for byte, in input order.
    let original: Vec<String> = planted_lines();
    let written = fs::read_to_string(&out).unwrap();
    let expected = [&original[0], &original[1], &original[4]]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    assert_eq!(written, expected);

    let summary: Value = serde_json::from_str(&fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(summary["stats"]["documents"], 6);
    assert_eq!(summary["stats"]["documents_removed"], 3);
    assert_eq!(summary["config"]["lsh"]["bands"], 21);
}

#[test]
fn keep_longest_and_keep_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    let longer = format!("{BASE} Officials declined to comment.");
    write_lines(
        &input,
        &[
            serde_json::json!({"id": "late", "text": BASE, "date": "2022-01-07"}).to_string(),
            serde_json::json!({"id": "early", "text": longer, "date": "2022-01-05"}).to_string(),
        ],
    );
    for (flags, kept) in [
        (vec!["--keep", "first"], "late"),
        (vec!["--keep", "longest"], "early"),
        (vec!["--keep-by", "date"], "early"),
    ] {
        let out = reprint()
            .args(["dedup", "--threshold", "0.7", "--clusters", "-"])
            .args(&flags)
            .arg(&input)
            .output()
            .unwrap();
        assert!(out.status.success());
        let c: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(c["kept"], kept, "{flags:?}");
    }
}

#[test]
fn malformed_lines_are_reported_counted_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(record("a", BASE).as_bytes());
    bytes.extend_from_slice(b"\n{\"id\": \"b\", \"text\": \n");
    bytes.extend_from_slice(b"{\"id\": \"c\", \"text\": \"caf\xe9\"}\n");
    bytes.extend_from_slice(b"{\"id\": \"d\"}\n");
    bytes.extend_from_slice(record("e", BASE).as_bytes());
    bytes.push(b'\n');
    fs::write(&input, bytes).unwrap();
    reprint()
        .args(["dedup", "--encoding", "utf-8"])
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains("bad.jsonl:2: malformed JSON"))
        .stderr(predicate::str::contains("bad.jsonl:3: invalid UTF-8"))
        .stderr(predicate::str::contains(
            "bad.jsonl:4: missing or non-string text field \"text\"",
        ))
        .stderr(predicate::str::contains("2 documents (0 empty), 3 skipped"))
        .stderr(predicate::str::contains("1 cluster holding 2 documents"));
    reprint()
        .args(["dedup", "--strict"])
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.jsonl:2: malformed JSON"));
}

#[test]
fn invalid_utf8_text_file_is_skipped_under_encoding_utf8() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("good.txt"), BASE).unwrap();
    fs::write(dir.path().join("bad.txt"), b"\xff\xfe broken").unwrap();
    reprint()
        .args(["dedup", "--encoding", "utf-8"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("bad.txt: invalid UTF-8"))
        .stderr(predicate::str::contains("1 document (0 empty), 1 skipped"));
}

#[test]
fn compressed_inputs_match_plain() {
    let dir = tempfile::tempdir().unwrap();
    let body = planted_lines().join("\n") + "\n";
    let plain = dir.path().join("d.jsonl");
    fs::write(&plain, &body).unwrap();
    let gz = dir.path().join("d.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body.as_bytes()).unwrap();
    fs::write(&gz, enc.finish().unwrap()).unwrap();
    let zst = dir.path().join("d.jsonl.zst");
    fs::write(&zst, zstd::encode_all(body.as_bytes(), 3).unwrap()).unwrap();
    let run = |p: &Path| {
        let out = reprint()
            .args(["dedup", "--threshold", "0.7", "--clusters", "-"])
            .arg(p)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let expected = run(&plain);
    assert!(!expected.is_empty());
    assert_eq!(run(&gz), expected);
    assert_eq!(run(&zst), expected);
}

#[test]
fn empty_files_are_counted_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("empty.txt"), "").unwrap();
    fs::write(dir.path().join("empty.jsonl"), "").unwrap();
    fs::write(dir.path().join("one.txt"), "A single short article.").unwrap();
    let out = dir.path().join("out.jsonl");
    reprint()
        .arg("dedup")
        .arg(dir.path())
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("2 documents (1 empty), 0 skipped"));
    let kept = read_jsonl(&out);
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0]["id"], format!("{}/empty.txt", dir.path().display()));
    assert_eq!(kept[1]["text"], "A single short article.");
}

#[test]
fn stdin_is_read() {
    let body = planted_lines().join("\n");
    reprint()
        .args(["dedup", "--threshold", "0.7", "-", "-o", "-"])
        .write_stdin(body)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"orig\""))
        .stdout(predicate::str::contains("\"exact\"").not());
}

#[test]
fn usage_errors_exit_2() {
    reprint()
        .args(["dedup", "--threshold", "1.5", "x"])
        .assert()
        .code(2);
    reprint()
        .args(["dedup", "--bands", "20", "--rows", "8", "x"])
        .assert()
        .code(2);
    reprint().args(["dedup"]).assert().code(2);
    reprint()
        .args(["dedup", "--no-such-flag", "x"])
        .assert()
        .code(2);
    reprint()
        .args(["dedup", "-o", "-", "--clusters", "-", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only one output"));
}

#[test]
fn missing_input_is_a_runtime_error() {
    reprint()
        .args(["dedup", "/no/such/reprint/input.jsonl"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/no/such/reprint/input.jsonl"));
}

#[test]
fn broken_pipe_is_success() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    let lines: Vec<String> = (0..3000)
        .map(|i| {
            record(
                &i.to_string(),
                &format!("article number {i} about {} things", i * 7919 % 1000),
            )
        })
        .collect();
    write_lines(&input, &lines);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reprint"))
        .args(["dedup", "-q", "-o", "-"])
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"id\""));
    // The pipe's reading end is dropped here.
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("d.jsonl");
    let mut lines = planted_lines();
    for i in 0..200 {
        lines.push(record(
            &format!("n{i}"),
            &format!("{} {i}", &BASE[(i % 50)..]),
        ));
    }
    write_lines(&input, &lines);
    let run = || {
        reprint()
            .args(["dedup", "--pairs", "-"])
            .arg(&input)
            .output()
            .unwrap()
            .stdout
    };
    let first = run();
    assert!(!first.is_empty());
    assert_eq!(run(), first);
}

#[test]
fn clusters_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    write_lines(&input, &planted_lines());
    let out = reprint()
        .args(["dedup", "--threshold", "0.7", "--clusters", "-"])
        .arg(&input)
        .output()
        .unwrap();
    insta::assert_snapshot!("dedup_clusters", String::from_utf8(out.stdout).unwrap());
}
