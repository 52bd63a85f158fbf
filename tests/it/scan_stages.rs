//! `reprint scan --work-dir` and `--memory-limit`: the staged scan gives the
//! in-memory scan's reports byte for byte, its stages run alone per shard, it
//! resumes, and its tables are read by other tools.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::io::BufRead;
use std::path::{Path, PathBuf};

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds")
}

/// The first `n` Reuters articles as JSON Lines, or `None` (after skip_or_fail) when
/// the corpus is not on this machine.
fn reuters_head(test: &str, dir: &Path, n: usize) -> Option<PathBuf> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reuters21578.jsonl.gz");
    let Ok(file) = fs::File::open(&source) else {
        crate::skip_or_fail(
            test,
            "../shared/reuters21578.jsonl.gz is not on this machine",
        );
        return None;
    };
    let lines: Vec<String> = std::io::BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .take(n)
        .map(|l| l.unwrap())
        .collect();
    let path = dir.join("reuters-head.jsonl");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    Some(path)
}

/// Runs `reprint scan INPUT --format FORMAT -o OUT` with `extra` flags.
fn scan(input: &Path, format: &str, out: &Path, extra: &[&str]) {
    reprint()
        .arg("scan")
        .arg(input)
        .args(["--format", format, "-q", "-o"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn scan_with_a_work_dir_writes_every_report_format_byte_identical_to_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let work_flag = ["--work-dir", work.to_str().unwrap()];
    for format in ["text", "json", "jsonl"] {
        let (mem, staged) = (
            dir.path().join(format!("mem.{format}")),
            dir.path().join(format!("staged.{format}")),
        );
        scan(&seeds(), format, &mem, &[]);
        scan(&seeds(), format, &staged, &work_flag);
        let expected = fs::read(&mem).unwrap();
        assert!(expected.len() > 1000, "{format} report is too short");
        assert_eq!(
            expected,
            fs::read(&staged).unwrap(),
            "{format} reports differ"
        );
    }
    let (mem, staged) = (dir.path().join("mem.html"), dir.path().join("staged.html"));
    for (html, extra) in [(&mem, vec![]), (&staged, work_flag.to_vec())] {
        reprint()
            .arg("scan")
            .arg(seeds())
            .args(["-q", "-o", "/dev/null", "--html"])
            .arg(html)
            .args(extra)
            .assert()
            .success();
    }
    assert_eq!(fs::read(&mem).unwrap(), fs::read(&staged).unwrap());
    // The folder keeps its stages: a run over it finds them complete.
    assert!(work.join("store/texts.bin").exists());
    assert!(work.join("align/rank-0-of-1.done").exists());
}

#[test]
fn scan_stages_run_alone_per_shard_give_the_in_memory_report() {
    let dir = tempfile::tempdir().unwrap();
    let test = "scan_stages_run_alone_per_shard_give_the_in_memory_report";
    let Some(input) = reuters_head(test, dir.path(), 600) else {
        return;
    };
    let expected = dir.path().join("mem.json");
    scan(&input, "json", &expected, &["--date-field", "date"]);
    let work = dir.path().join("work");
    let common = [
        "--date-field",
        "date",
        "--work-dir",
        work.to_str().unwrap(),
        "-q",
    ];
    reprint()
        .arg("scan")
        .arg(&input)
        .args(common)
        .args(["--stage", "store"])
        .assert()
        .success();
    for stage in ["boilerplate", "grams", "postings", "pairs", "align"] {
        for rank in ["1", "0", "2"] {
            reprint()
                .arg("scan")
                .arg(&input)
                .args(common)
                .args(["--stage", stage, "--rank", rank, "--world-size", "3"])
                .assert()
                .success();
        }
    }
    // The run without --stage finds every stage complete and writes the report.
    let staged = dir.path().join("staged.json");
    reprint()
        .arg("scan")
        .arg(&input)
        .args(common)
        .args(["--format", "json", "-o"])
        .arg(&staged)
        .assert()
        .success();
    let report = fs::read_to_string(&expected).unwrap();
    assert!(
        report.matches("\"cluster\":").count() >= 20,
        "too few clusters"
    );
    assert_eq!(report, fs::read_to_string(&staged).unwrap());
}

#[test]
fn scan_stage_out_of_order_or_misused_fails_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let with_work = |cmd: &mut Command| {
        cmd.arg("scan")
            .arg(seeds())
            .args(["--work-dir", work.to_str().unwrap(), "-q"]);
    };
    let mut grams_first = reprint();
    with_work(&mut grams_first);
    grams_first
        .args(["--stage", "grams"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("store stage is not complete"));
    let mut store_sharded = reprint();
    with_work(&mut store_sharded);
    store_sharded
        .args(["--stage", "store", "--world-size", "2"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("one process"));
    let mut with_output = reprint();
    with_work(&mut with_output);
    with_output
        .args(["--stage", "align", "-o"])
        .arg(dir.path().join("r.txt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--output is written by the run without --stage",
        ));
    reprint()
        .arg("scan")
        .arg(seeds())
        .args(["--stage", "store"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--work-dir"));
    // A work folder made for other parameters is refused, not mixed.
    let mut first = reprint();
    with_work(&mut first);
    first.args(["-o", "/dev/null"]).assert().success();
    let mut other = reprint();
    with_work(&mut other);
    other
        .args(["--min-shared", "9", "-o", "/dev/null"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("other inputs or parameters"));
    // Inside an input folder is refused.
    reprint()
        .arg("scan")
        .arg(seeds())
        .args(["--work-dir"])
        .arg(seeds().join("work"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the input folder"));
    assert!(!seeds().join("work").exists());
}

#[test]
fn scan_over_the_memory_limit_runs_in_stages_in_a_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    // Three short articles sharing a passage, and 25 MB of blank lines: the input's
    // size says the in-memory scan would need more than the smallest limit.
    let shared = "The central bank raised its main interest rate by half a point on Tuesday, \
        citing inflation that has stayed above its target for more than a year now.";
    let mut text = String::new();
    for i in 0..3 {
        let record = serde_json::json!({
            "id": format!("a{i}"),
            "text": format!("Opening words of story {i} differ here. {shared} Story {i} ends."),
        });
        text.push_str(&record.to_string());
        text.push('\n');
    }
    text.push_str(&"\n".repeat(25 << 20));
    let input = dir.path().join("in.jsonl");
    fs::write(&input, text).unwrap();
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let (mem, staged) = (out_dir.join("mem.json"), out_dir.join("staged.json"));
    scan(&input, "json", &mem, &[]);
    reprint()
        .arg("scan")
        .arg(&input)
        .args(["--format", "json", "--memory-limit", "64MiB", "-o"])
        .arg(&staged)
        .assert()
        .success()
        .stderr(predicate::str::contains("scanning in stages"));
    let report = fs::read_to_string(&mem).unwrap();
    assert!(report.contains("\"cluster\": 0"), "{report}");
    assert_eq!(report, fs::read_to_string(&staged).unwrap());
    let left: Vec<_> = fs::read_dir(&out_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left.len(),
        2,
        "the temporary work folder was not removed: {left:?}"
    );
    reprint()
        .arg("scan")
        .arg(&input)
        .args(["--memory-limit", "1k"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("too small"));
}

#[test]
fn scan_stage_tables_are_read_by_pyarrow_and_duckdb() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import pyarrow, duckdb"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        crate::skip_or_fail(
            "scan_stage_tables_are_read_by_pyarrow_and_duckdb",
            "python3 with pyarrow and duckdb is not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let report = dir.path().join("r.json");
    scan(
        &seeds(),
        "json",
        &report,
        &["--work-dir", work.to_str().unwrap()],
    );
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let script = r#"
import sys, pyarrow.parquet as pq, duckdb
work = sys.argv[1]
docs = pq.read_table(work + "/store/documents.parquet")
meta = pq.read_metadata(work + "/store/documents.parquet").metadata
assert meta[b"reprint.table"] == b"scan.documents", meta
assert meta[b"reprint.schema_version"] == b"2", meta
assert "outlet" in docs.column_names, docs.column_names
blob = open(work + "/store/texts.bin", "rb").read()
assert blob[:8] == b"RPRTTEXT"
first = docs.slice(0, 1).to_pylist()[0]
text = blob[first["offset"]:first["offset"] + first["bytes"]].decode("utf-8")
with open(first["id"], encoding="utf-8") as f:
    assert f.read() == text
pairs = duckdb.sql(f"select count(*) from '{work}/pairs/*.parquet'").fetchall()[0][0]
passages = duckdb.sql(f"select count(*) from '{work}/align/*.parquet'").fetchall()[0][0]
grams = duckdb.sql(f"select count(*) from '{work}/postings/*.parquet' where len(docs) >= 2").fetchall()[0][0]
print(docs.num_rows, pairs, passages, grams)
"#;
    let out = crate::succeeded(std::process::Command::new("python3").args([
        "-c",
        script,
        work.to_str().unwrap(),
    ]));
    let numbers: Vec<u64> = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(numbers[0], 5);
    assert_eq!(
        numbers[1],
        report["stats"]["candidate_pairs"].as_u64().unwrap()
    );
    assert_eq!(numbers[2], report["stats"]["passages"].as_u64().unwrap());
    assert!(numbers[3] > 0);
}
