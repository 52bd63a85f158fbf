//! The command-line interface as a whole: exit codes shared by every command,
//! numbers out of range, help with examples, completions and manual pages.

use assert_cmd::Command;
use predicates::prelude::*;

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

#[test]
fn missing_path_exits_1_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-path");
    let m = missing.to_str().unwrap();
    let new_index = dir.path().join("new.idx");
    let runs: Vec<Vec<String>> = vec![
        vec!["dedup".into(), m.into()],
        vec!["scan".into(), m.into()],
        vec!["align".into(), m.into(), m.into()],
        vec!["check".into(), m.into(), m.into()],
        vec!["index".into(), "stats".into(), m.into()],
        vec![
            "index".into(),
            "add".into(),
            new_index.to_str().unwrap().into(),
            m.into(),
        ],
        vec!["eval".into(), "pan13".into(), m.into()],
        vec![
            "synth".into(),
            m.into(),
            "-o".into(),
            dir.path().join("o.jsonl").to_str().unwrap().into(),
            "--truth".into(),
            dir.path().join("t.jsonl").to_str().unwrap().into(),
        ],
    ];
    for args in runs {
        reprint()
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("no-such-path"));
    }
}

#[test]
fn negative_numbers_are_out_of_range_not_unknown_flags() {
    for args in [
        &["dedup", "--num-perm", "-5", "x"][..],
        &["scan", "--ngram", "-1", "x"],
        &["scan", "--max-df", "-100", "x"],
        &["align", "--min-words", "-3", "a", "b"],
        &["dedup", "--seed", "-1", "x"],
        &["check", "--max-candidates", "-2", "idx", "a"],
        &["index", "add", "--max-df", "-100", "idx", "a"],
    ] {
        reprint()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("out of range"));
    }
    reprint()
        .args(["dedup", "--threshold", "-0.5", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must be in (0, 1], got -0.5"));
}

#[test]
fn every_help_ends_with_examples() {
    for cmd in [
        "dedup",
        "scan",
        "align",
        "index",
        "index add",
        "index stats",
        "index verify",
        "index repair",
        "eval",
        "eval pan13",
        "synth",
        "check",
        "completions",
        "man",
    ] {
        let out = reprint()
            .args(cmd.split(' '))
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        let tail = &help[help
            .rfind("Examples:")
            .unwrap_or_else(|| panic!("{cmd}: no examples"))..];
        assert!(
            tail.lines()
                .skip(1)
                .any(|l| l.trim_start().starts_with("reprint ")),
            "{cmd}: {tail}"
        );
    }
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        reprint()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("dedup").and(predicate::str::contains("--threshold")));
    }
    reprint().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_page_and_one_page_per_command() {
    reprint()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(".ie").and(predicate::str::contains(".SH NAME")));
    let dir = tempfile::tempdir().unwrap();
    reprint()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    for page in [
        "reprint.1",
        "reprint-dedup.1",
        "reprint-scan.1",
        "reprint-check.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
}

#[test]
fn check_json_into_a_closed_pipe_exits_0() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds");
    let index = dir.path().join("archive.idx");
    reprint()
        .args(["index", "add", "-q"])
        .arg(&index)
        .arg(&seeds)
        .assert()
        .success();
    // Enough articles that the report outgrows any pipe buffer.
    let mut lines = String::new();
    let mut texts = Vec::new();
    for e in std::fs::read_dir(&seeds).unwrap() {
        texts.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    for i in 0..100 {
        let text = &texts[i % texts.len()];
        lines.push_str(&serde_json::json!({"id": format!("draft-{i}"), "text": text}).to_string());
        lines.push('\n');
    }
    let drafts = dir.path().join("drafts.jsonl");
    std::fs::write(&drafts, lines).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reprint"))
        .args(["check", "-q", "--format", "json"])
        .arg(&index)
        .arg(&drafts)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with('{'));
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn quiet_color_and_threads_are_accepted_by_every_command() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.idx");
    let files: Vec<std::path::PathBuf> = {
        let mut v: Vec<_> = std::fs::read_dir(&seeds)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    let runs: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["dedup".into(), seeds.clone().into()],
        vec!["scan".into(), seeds.clone().into()],
        vec![
            "align".into(),
            files[0].clone().into(),
            files[3].clone().into(),
        ],
        vec![
            "index".into(),
            "add".into(),
            index.clone().into(),
            seeds.clone().into(),
        ],
        vec!["index".into(), "stats".into(), index.clone().into()],
        vec!["index".into(), "verify".into(), index.clone().into()],
        vec![
            "check".into(),
            index.clone().into(),
            files[3].clone().into(),
        ],
        vec!["completions".into(), "bash".into()],
    ];
    for args in runs {
        // After the command name...
        let out = reprint()
            .args(&args)
            .args(["-q", "--color", "never", "--threads", "1"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?} -q printed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // ...and before it.
        reprint()
            .args(["--quiet", "--color=never", "--threads=2"])
            .args(&args)
            .assert()
            .success();
    }
}

#[test]
fn color_always_colours_reports_and_errors_never_does_not() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.idx");
    let mut files: Vec<_> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    reprint()
        .args(["index", "add", "-q"])
        .arg(&index)
        .args(&files[..3])
        .assert()
        .success();
    reprint()
        .args(["check", "--color", "always"])
        .arg(&index)
        .arg(&files[3])
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}["));
    reprint()
        .args(["check", "--color", "never"])
        .arg(&index)
        .arg(&files[3])
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}[").not());
    reprint()
        .args(["--color", "always", "dedup", "/no/such/input"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\u{1b}["));
    // NO_COLOR is honoured by auto (and stderr here is no terminal anyway).
    reprint()
        .env("NO_COLOR", "1")
        .args(["dedup", "/no/such/input"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn eval_detections_inside_the_corpus_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("pan");
    std::fs::create_dir_all(corpus.join("02-no-obfuscation")).unwrap();
    std::fs::write(corpus.join("pairs"), "").unwrap();
    let truth = corpus.join("02-no-obfuscation/suspicious-document00001-source-document00002.xml");
    std::fs::write(&truth, "<document/>").unwrap();
    reprint()
        .args(["eval", "pan13"])
        .arg(&corpus)
        .arg("--detections")
        .arg(corpus.join("02-no-obfuscation"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the corpus"));
    reprint()
        .current_dir(&corpus)
        .args(["eval", "pan13", ".", "--detections", "new-folder"])
        .assert()
        .code(2);
    assert_eq!(std::fs::read_to_string(&truth).unwrap(), "<document/>");
}
