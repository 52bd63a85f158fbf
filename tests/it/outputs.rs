//! Output safety from the outside: no output may overwrite an input, outputs are
//! checked before the work, written atomically, and removed when a run is interrupted.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds")
}

const DUMP: &str = "{\"id\":\"a\",\"text\":\"the protests spread from the west to Almaty within days of the price rise\"}\n\
{\"id\":\"b\",\"text\":\"the protests spread from the west to Almaty within days of the price rise\"}\n";

fn dump(dir: &Path) -> PathBuf {
    let p = dir.join("same.jsonl");
    fs::write(&p, DUMP).unwrap();
    p
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn dedup_output_same_as_input_is_a_usage_error_and_input_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let input = dump(dir.path());
    for flag in ["-o", "--clusters", "--pairs", "--summary-json"] {
        reprint()
            .arg("dedup")
            .arg(&input)
            .arg(flag)
            .arg(&input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is one of the input files"));
        assert_eq!(fs::read_to_string(&input).unwrap(), DUMP, "{flag}");
    }
    assert_eq!(names(dir.path()), ["same.jsonl"]);
}

#[test]
fn scan_output_same_as_input_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dump(dir.path());
    for flag in ["-o", "--html"] {
        reprint()
            .arg("scan")
            .arg(&input)
            .arg(flag)
            .arg(&input)
            .assert()
            .code(2);
        assert_eq!(fs::read_to_string(&input).unwrap(), DUMP);
    }
}

#[test]
fn output_inside_input_folder_naming_an_input_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("articles");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join("a.txt"), "some article text here").unwrap();
    reprint()
        .arg("scan")
        .arg(&folder)
        .arg("-o")
        .arg(folder.join("sub/../a.txt"))
        .assert()
        .code(predicate::in_iter([1, 2]));
    assert_eq!(
        fs::read_to_string(folder.join("a.txt")).unwrap(),
        "some article text here"
    );
}

#[cfg(unix)]
#[test]
fn output_linked_to_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dump(dir.path());
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    reprint()
        .arg("dedup")
        .arg(&input)
        .arg("--clusters")
        .arg(&link)
        .assert()
        .code(2);
    assert_eq!(fs::read_to_string(&input).unwrap(), DUMP);
}

#[test]
fn two_outputs_naming_one_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dump(dir.path());
    let out = dir.path().join("x.jsonl");
    reprint()
        .arg("dedup")
        .arg(&input)
        .arg("--clusters")
        .arg(&out)
        .arg("--pairs")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("same file"));
}

#[test]
fn html_in_missing_folder_fails_before_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    reprint()
        .arg("scan")
        .arg(seeds())
        .arg("-o")
        .arg(&report)
        .arg("--html")
        .arg(dir.path().join("missing-dir/x.html"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing-dir"));
    // Nothing was written: not even the report that would have come first.
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
}

#[test]
fn failed_run_keeps_the_earlier_report_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("clusters.jsonl");
    fs::write(&report, "good earlier report\n").unwrap();
    let bad = dir.path().join("bad.jsonl");
    fs::write(&bad, "{\"text\":\"fine\"}\n{oops\n").unwrap();
    reprint()
        .args(["dedup", "--strict"])
        .arg(&bad)
        .arg("--clusters")
        .arg(&report)
        .assert()
        .code(1);
    assert_eq!(
        fs::read_to_string(&report).unwrap(),
        "good earlier report\n"
    );
    assert_eq!(names(dir.path()), ["bad.jsonl", "clusters.jsonl"]);
}

#[test]
fn output_to_dev_null_is_written_in_place() {
    reprint()
        .arg("scan")
        .arg(seeds())
        .args(["--format", "json", "-o", "/dev/null"])
        .assert()
        .success();
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_error_names_the_output() {
    reprint()
        .arg("scan")
        .arg(seeds())
        .args(["--format", "json", "-o", "/dev/full"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "/dev/full: No space left on device",
        ));
}

#[cfg(unix)]
#[test]
fn sigterm_removes_temporary_outputs_and_keeps_the_earlier_report() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    // Enough distinct text that the run is still going when the signal arrives.
    let input = dir.path().join("big.jsonl");
    let mut text = String::new();
    for i in 0..60_000u32 {
        text.push_str(&format!(
            "{{\"id\":{i},\"text\":\"record {i} says {} and {} and then {} went home\"}}\n",
            i.wrapping_mul(2654435761),
            i ^ 0x5bd1e995,
            i.rotate_left(7)
        ));
    }
    fs::write(&input, text).unwrap();
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let report = out_dir.join("clusters.jsonl");
    fs::write(&report, "good earlier report\n").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("reprint");
    let mut child = std::process::Command::new(bin)
        .arg("dedup")
        .arg(&input)
        .arg("--clusters")
        .arg(&report)
        .arg("-o")
        .arg(out_dir.join("dedup.jsonl"))
        .arg("-q")
        .spawn()
        .unwrap();
    // Wait until the temporary files exist, then interrupt.
    let started = Instant::now();
    while names(&out_dir).len() < 3 {
        assert!(started.elapsed() < Duration::from_secs(30), "no temporary");
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: sends a signal to the child process this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{status:?}");
    assert_eq!(names(&out_dir), ["clusters.jsonl"]);
    assert_eq!(
        fs::read_to_string(&report).unwrap(),
        "good earlier report\n"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_during_index_add_removes_its_temporary_segment_and_keeps_the_index() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("archive.idx");
    reprint()
        .args(["index", "add", "-q"])
        .arg(&index)
        .arg(seeds())
        .assert()
        .success();
    let manifest = fs::read(index.join("MANIFEST")).unwrap();
    let input = dir.path().join("big.jsonl");
    let mut text = String::new();
    for i in 0..60_000u32 {
        text.push_str(&format!(
            "{{\"id\":\"n{i}\",\"text\":\"record {i} says {} and {} and then {} went home\"}}\n",
            i.wrapping_mul(2654435761),
            i ^ 0x5bd1e995,
            i.rotate_left(7)
        ));
    }
    fs::write(&input, text).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reprint"))
        .args(["index", "add", "-q"])
        .arg(&index)
        .arg(&input)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !names(&index).iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no temporary segment"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: sends a signal to the child process this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{status:?}");
    let left = names(&index);
    assert!(!left.iter().any(|n| n.ends_with(".tmp")), "{left:?}");
    assert_eq!(fs::read(index.join("MANIFEST")).unwrap(), manifest);
    reprint()
        .args(["index", "verify"])
        .arg(&index)
        .assert()
        .success();
}
