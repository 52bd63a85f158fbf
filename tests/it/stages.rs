//! `reprint dedup --work-dir`: the staged run, its stages run alone per shard, and
//! its tables read by other tools.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::Path;

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

/// A dump with clusters of near-copies, unrelated texts, a bad line and an empty text.
fn dump(path: &Path) {
    let base = "The unrest began on Sunday when the cost of liquefied petroleum gas, which many \
        people in Kazakhstan use to fuel their cars, doubled, drawing protesters onto the streets. \
        The government said on Thursday that fuel price caps will be restored for six months.";
    let mut lines = Vec::new();
    for i in 0..60 {
        let text = match i % 4 {
            0 => base.to_string(),
            1 => base.replace("six months", &format!("{} months", i % 7 + 2)),
            _ => format!(
                "Story {i}: the council of district {} met on day {} to discuss road number {}.",
                i * 3,
                i * 5,
                i * 11
            ),
        };
        lines.push(serde_json::json!({"id": format!("a{i}"), "text": text}).to_string());
    }
    lines.insert(17, "{broken".to_string());
    lines.push(serde_json::json!({"id": "empty", "text": ""}).to_string());
    fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn outputs(dir: &Path, tag: &str) -> Vec<String> {
    ["dedup.jsonl", "clusters.jsonl", "pairs.jsonl"]
        .iter()
        .map(|name| dir.join(format!("{tag}-{name}")).display().to_string())
        .collect()
}

fn run_dedup(input: &Path, out: &[String], extra: &[&str]) {
    reprint()
        .arg("dedup")
        .arg(input)
        .args([
            "-o",
            &out[0],
            "--clusters",
            &out[1],
            "--pairs",
            &out[2],
            "-q",
        ])
        .args(extra)
        .assert()
        .success();
}

fn same_files(a: &[String], b: &[String]) {
    for (x, y) in a.iter().zip(b) {
        let (bx, by) = (fs::read(x).unwrap(), fs::read(y).unwrap());
        assert!(!bx.is_empty() || x.ends_with("pairs.jsonl"), "{x} is empty");
        assert_eq!(bx, by, "{x} and {y} differ");
    }
}

#[test]
fn dedup_with_a_work_dir_writes_the_same_outputs_as_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    dump(&input);
    let memory = outputs(dir.path(), "memory");
    run_dedup(&input, &memory, &[]);
    let staged = outputs(dir.path(), "staged");
    let work = dir.path().join("work");
    run_dedup(&input, &staged, &["--work-dir", work.to_str().unwrap()]);
    same_files(&memory, &staged);
    // A second run over the finished folder makes nothing again and writes the same.
    let again = outputs(dir.path(), "again");
    run_dedup(&input, &again, &["--work-dir", work.to_str().unwrap()]);
    same_files(&memory, &again);
    assert!(work.join("sign/part-00000.done").exists());
}

#[test]
fn dedup_stages_run_alone_per_shard_give_the_same_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    dump(&input);
    let memory = outputs(dir.path(), "memory");
    run_dedup(&input, &memory, &[]);
    let work = dir.path().join("work");
    let w = work.to_str().unwrap();
    let stage = |name: &str, rank: u32, world: u32| {
        reprint()
            .arg("dedup")
            .arg(&input)
            .args(["--work-dir", w, "--part-records", "9", "--stage", name])
            .args([
                "--rank",
                &rank.to_string(),
                "--world-size",
                &world.to_string(),
            ])
            .assert()
            .success()
            .stderr(predicate::str::contains(format!(
                "stage {name}, shard {rank} of {world}"
            )));
    };
    for rank in [2, 0, 1] {
        stage("sign", rank, 3);
    }
    for rank in 0..2 {
        stage("band", rank, 2);
    }
    for rank in 0..4 {
        stage("verify", rank, 4);
    }
    stage("components", 0, 1);
    let staged = outputs(dir.path(), "staged");
    run_dedup(&input, &staged, &["--work-dir", w, "--part-records", "9"]);
    same_files(&memory, &staged);
}

#[test]
fn a_stage_before_its_input_stage_fails_naming_what_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    dump(&input);
    let w = dir.path().join("work");
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["--work-dir", w.to_str().unwrap(), "--stage", "verify"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the band stage is not complete"));
}

#[test]
fn a_work_dir_of_another_run_is_refused_not_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    dump(&input);
    let w = dir.path().join("work");
    let w = w.to_str().unwrap();
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["--work-dir", w, "-q"])
        .assert()
        .success();
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["--work-dir", w, "--threshold", "0.5"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("other inputs or parameters"));
}

#[test]
fn stage_flags_need_a_work_dir_and_outputs_need_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    dump(&input);
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["--stage", "sign"])
        .assert()
        .code(2);
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["--rank", "1"])
        .assert()
        .code(2);
    let w = dir.path().join("work");
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["--work-dir", w.to_str().unwrap(), "--stage", "sign"])
        .args(["--clusters", dir.path().join("c.jsonl").to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--clusters is written by the run without --stage",
        ));
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["--work-dir", w.to_str().unwrap(), "--stage", "sign"])
        .args(["--rank", "3", "--world-size", "2"])
        .assert()
        .code(2);
}

#[test]
fn a_work_dir_inside_an_input_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("in");
    fs::create_dir(&folder).unwrap();
    dump(&folder.join("dump.jsonl"));
    reprint()
        .arg("dedup")
        .arg(&folder)
        .args(["--work-dir", folder.join("work").to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the input folder"));
    assert!(!folder.join("work").exists());
}

#[test]
fn stage_tables_are_read_by_pyarrow_and_duckdb() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import pyarrow, duckdb"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        crate::skip_or_fail(
            "stage_tables_are_read_by_pyarrow_and_duckdb",
            "python3 with pyarrow and duckdb is not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    dump(&input);
    let work = dir.path().join("work");
    let clusters = dir.path().join("clusters.jsonl");
    reprint()
        .arg("dedup")
        .arg(&input)
        .args([
            "--work-dir",
            work.to_str().unwrap(),
            "--part-records",
            "20",
            "-q",
        ])
        .args(["--clusters", clusters.to_str().unwrap()])
        .assert()
        .success();
    let expected_members: usize = fs::read_to_string(&clusters)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["members"].as_array().unwrap().len()
        })
        .sum();
    let script = r#"
import sys, pyarrow.parquet as pq, pyarrow.ipc as ipc, duckdb
work = sys.argv[1]
sign = pq.read_table(work + "/sign/part-00001.parquet")
meta = pq.read_metadata(work + "/sign/part-00001.parquet").metadata
assert meta[b"reprint.table"] == b"dedup.sign", meta
assert meta[b"reprint.schema_version"] == b"2", meta
assert sign.schema.field("record").type == "uint64"
sets = ipc.open_file(work + "/sign/part-00001.sets.arrow").read_all()
assert sets.schema.metadata[b"reprint.table"] == b"dedup.sets", sets.schema.metadata
assert sets.schema.metadata[b"reprint.schema_version"] == b"1", sets.schema.metadata
assert str(sets.schema.field("set").type) == "list<item: uint32 not null>", sets.schema
assert sets.column("record").to_pylist() == sign.column("record").to_pylist()
# A document's set has as many fingerprints as the sign table counts shingles, sorted.
for s, n in zip(sets.column("set").to_pylist(), sign.column("shingles").to_pylist()):
    assert (s is None) == (n is None) and (s is None or (len(s) == n and s == sorted(set(s))))
records = duckdb.sql(f"select count(*) from '{work}/sign/*.parquet'").fetchall()[0][0]
docs = duckdb.sql(f"select count(*) from '{work}/sign/*.parquet' where id is not null").fetchall()[0][0]
members = duckdb.sql(f"select count(*) from '{work}/components/clusters.parquet'").fetchall()[0][0]
joined = duckdb.sql(f"""
    select count(*) from '{work}/verify/*.parquet' v
    join '{work}/sign/*.parquet' s on s.record = v.a where v.jaccard >= 0.8
""").fetchall()[0][0]
print(records, docs, members, joined)
"#;
    let out = crate::succeeded(std::process::Command::new("python3").args([
        "-c",
        script,
        work.to_str().unwrap(),
    ]));
    let numbers: Vec<usize> = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    // 62 lines (one broken), 61 documents, the members of the clusters file, and every
    // verified pair joins its document.
    assert_eq!(numbers[0], 62);
    assert_eq!(numbers[1], 61);
    assert_eq!(numbers[2], expected_members);
    assert!(numbers[3] > 0);
}

#[test]
fn an_input_changed_after_sign_is_an_error_at_apply_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dump.jsonl");
    dump(&input);
    let w = dir.path().join("work");
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["--work-dir", w.to_str().unwrap(), "--stage", "sign", "-q"])
        .assert()
        .success();
    let text = fs::read_to_string(&input).unwrap();
    fs::write(&input, text.replacen("Story 2:", "Story 2 (updated):", 1)).unwrap();
    let out = dir.path().join("deduped.jsonl");
    reprint()
        .arg("dedup")
        .arg(&input)
        .args([
            "--work-dir",
            w.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("changed while it was being read"));
    assert!(!out.exists());
}

#[test]
fn memory_limit_below_the_in_memory_need_runs_staged_with_the_same_outputs_and_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    let out = dir.path().join("out");
    fs::create_dir_all(&inputs).unwrap();
    fs::create_dir_all(&out).unwrap();
    let input = inputs.join("dump.jsonl");
    dump(&input);
    let memory = outputs(&out, "memory");
    run_dedup(&input, &memory, &["--memory-limit", "1TiB"]);
    let limited = outputs(&out, "limited");
    reprint()
        .arg("dedup")
        .arg(&input)
        .args(["-o", &limited[0], "--clusters", &limited[1]])
        .args(["--pairs", &limited[2], "--memory-limit", "64MiB"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "over the memory limit of 64.0 MiB",
        ))
        .stderr(predicate::str::contains("running as stages in"));
    same_files(&memory, &limited);
    // The temporary work folder was beside the outputs and is gone; the inputs are as they were.
    let mut left: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("memory-") && !n.starts_with("limited-"))
        .collect();
    left.sort();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(fs::read_dir(&inputs).unwrap().count(), 1);
}
