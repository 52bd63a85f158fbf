//! Reading input from the outside, the same for every command: byte-order marks,
//! line ends, compressed streams, encodings, dates, folders, odd files, ids, fields.

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

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn record(id: &str, text: &str) -> String {
    serde_json::json!({"id": id, "text": text}).to_string()
}

/// Runs `reprint dedup ARGS -o - -q` and returns the ids written.
fn dedup_ids(args: &[&std::ffi::OsStr], stdin: Option<Vec<u8>>) -> Vec<String> {
    let mut cmd = reprint();
    cmd.arg("dedup").args(args).args(["-o", "-", "-q"]);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = crate::succeeded(&mut cmd);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn summary_json(args: &[&std::ffi::OsStr]) -> Value {
    let out =
        crate::succeeded(
            reprint()
                .arg("dedup")
                .args(args)
                .args(["--summary-json", "-", "-q"]),
        );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn os(p: &Path) -> &std::ffi::OsStr {
    p.as_os_str()
}

#[test]
fn bom_on_stdin_jsonl_is_read_as_records_even_with_strict() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(format!("{}\n{}\n", record("a", "one"), record("b", "two")).bytes());
    let strict = std::ffi::OsString::from("--strict");
    let dash = std::ffi::OsString::from("-");
    assert_eq!(dedup_ids(&[&strict, &dash], Some(body)), ["a", "b"]);
}

#[test]
fn bom_in_jsonl_file_keeps_first_record() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(format!("{}\n{}\n", record("a", "one"), record("b", "two")).bytes());
    fs::write(&p, body).unwrap();
    assert_eq!(dedup_ids(&[os(&p)], None), ["a", "b"]);
    reprint()
        .args(["scan", "--strict", "-q"])
        .arg(&p)
        .assert()
        .success();
}

#[test]
fn cr_only_line_ends_in_jsonl_are_separate_records() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mac.jsonl");
    fs::write(
        &p,
        format!("{}\r{}\r", record("a", "one"), record("b", "two")),
    )
    .unwrap();
    assert_eq!(dedup_ids(&[os(&p)], None), ["a", "b"]);
}

#[test]
fn gzip_followed_by_garbage_keeps_last_record_and_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(format!("{}\n{}\n", record("a", "one"), record("b", "two")).as_bytes())
        .unwrap();
    let mut gz = enc.finish().unwrap();
    gz.extend_from_slice(b"not gzip at all");
    fs::write(&p, gz).unwrap();
    assert_eq!(dedup_ids(&[os(&p)], None), ["a", "b"]);
    let s = summary_json(&[os(&p)]);
    assert_eq!(
        s["stats"]["skipped_by_reason"]["trailing_garbage"], 1,
        "{s}"
    );
    reprint()
        .args(["dedup", "--strict"])
        .arg(&p)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "d.jsonl.gz: trailing garbage after the compressed stream",
        ));
}

/// A Windows-1252 article: curly quotes as 0x93/0x94, a dash as 0x96, CRLF line ends.
const CP1252: &[u8] = b"The minister said \x93we will not resign\x94 on Tuesday \x96 and left.\r\n\
    Protesters gathered outside the ministry for a third day.\r\n";

#[test]
fn windows_1252_text_files_are_decoded_warned_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), CP1252).unwrap();
    fs::write(dir.path().join("b.txt"), BASE).unwrap();
    let s = summary_json(&[os(dir.path())]);
    assert_eq!(s["stats"]["documents"], 2);
    assert_eq!(s["stats"]["decoded"]["windows-1252"], 1, "{s}");
    reprint()
        .arg("dedup")
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "a.txt: not UTF-8: decoded as windows-1252",
        ))
        .stderr(predicate::str::contains("decoded 1 file (windows-1252)"));
    let out = reprint()
        .args(["scan", "--format", "json", "-q"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = report["documents"].as_array().unwrap();
    assert_eq!(docs[0]["encoding"], "windows-1252");
    assert!(
        docs[1].get("encoding").is_none(),
        "UTF-8 documents carry none"
    );
    assert_eq!(report["stats"]["decoded"]["windows-1252"], 1);
    // Byte offsets and lengths are of the decoded UTF-8 text.
    let decoded = encoding_rs::WINDOWS_1252.decode(CP1252).0;
    assert_eq!(docs[0]["bytes"], decoded.len());
}

#[test]
fn encoding_utf8_keeps_invalid_utf8_an_issue() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.txt");
    fs::write(&p, CP1252).unwrap();
    reprint()
        .args(["dedup", "--encoding", "utf-8"])
        .arg(&p)
        .assert()
        .success()
        .stderr(predicate::str::contains("a.txt: invalid UTF-8"));
    reprint()
        .args(["dedup", "--encoding", "klingon"])
        .arg(&p)
        .assert()
        .code(2);
}

#[test]
fn explicit_encoding_decodes_and_dedup_writes_jsonl_records_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    let mut body = b"{\"id\":\"a\",\"text\":\"caf\xe9 \x93quoted\x94\"}\n".to_vec();
    body.extend(format!("{}\n", record("b", "plain")).bytes());
    fs::write(&p, &body).unwrap();
    let out = reprint()
        .args(["dedup", "--encoding", "windows-1252", "-q", "-o", "-"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, body, "kept records are copied as they were");
    let s = summary_json(&[os(&p)]);
    assert_eq!(s["stats"]["decoded"]["windows-1252"], 1, "{s}");
}

#[test]
fn whole_file_documents_are_written_with_decoded_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.txt");
    fs::write(&p, CP1252).unwrap();
    let out = reprint()
        .args(["dedup", "-q", "-o", "-"])
        .arg(&p)
        .output()
        .unwrap();
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(line["text"]
        .as_str()
        .unwrap()
        .contains("\u{201c}we will not resign\u{201d}"));
}

/// A passage long enough to be aligned between two documents.
const SHARED: &str = "The central bank raised its main interest rate by half a percentage point \
    on Tuesday, the third increase this year, citing inflation that has stayed well above its \
    target for more than a year and wages that are rising faster than productivity in most \
    sectors of the economy, according to the statement published after the meeting of the \
    monetary policy committee in the capital.";

fn scan_dated(dates: &[&str], extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    let lines: Vec<String> = dates
        .iter()
        .enumerate()
        .map(|(i, date)| {
            let text =
                format!("Report number {i} from the wires. {SHARED} Other news {i} followed.");
            serde_json::json!({"id": format!("r{i}"), "text": text, "date": date}).to_string()
        })
        .collect();
    fs::write(&p, lines.join("\n")).unwrap();
    reprint()
        .args(["scan", "--format", "json", "--date-field", "date"])
        .args(extra)
        .arg(&p)
        .output()
        .unwrap()
}

#[test]
fn reuters_dates_pick_the_earliest_member_by_instant_not_text() {
    // As text " 3-MAR" < "26-FEB"; in time February comes first.
    let out = scan_dated(
        &[" 3-MAR-1987 09:00:00.00", "26-FEB-1987 15:01:01.79"],
        &["-q"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{report:#}");
    assert_eq!(clusters[0]["earliest"], "r1", "{:#}", clusters[0]);
    assert_eq!(report["documents"][1]["date"], "26-FEB-1987 15:01:01.79");
}

#[test]
fn unparseable_date_is_reported_counted_and_fails_under_strict() {
    let out = scan_dated(&["next week", "1987-02-26"], &[]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("d.jsonl:1: unparseable date \"next week\""),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stats"]["bad_date"], 1);
    assert_eq!(report["clusters"][0]["earliest"], "r1");
    let out = scan_dated(&["next week", "1987-02-26"], &["--strict"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn corpus_folder_scan_passes_over_the_gold_json() {
    let out = reprint()
        .args(["scan", "--format", "json"])
        .arg(manifest().join("corpus"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["stats"]["documents"], 5,
        "seeds.gold.json is no article"
    );
    assert_eq!(report["stats"]["passed_over"][".json"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("passed over 1 file (.json)"), "{stderr}");
    // Named directly, it is read (as one text document).
    reprint()
        .args(["dedup"])
        .arg(manifest().join("corpus/seeds.gold.json"))
        .assert()
        .success()
        .stderr(predicate::str::contains("1 document "));
}

#[test]
fn glob_and_type_choose_folder_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("drafts")).unwrap();
    fs::write(dir.path().join("a.txt"), "alpha").unwrap();
    fs::write(dir.path().join("b.md"), "beta").unwrap();
    fs::write(dir.path().join("drafts/c.txt"), "gamma").unwrap();
    fs::write(dir.path().join("notes.html"), "delta").unwrap();
    let ids = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = extra.iter().map(std::ffi::OsStr::new).collect();
        args.push(dir.path().as_os_str());
        dedup_ids(&args, None)
            .into_iter()
            .map(|id| id.rsplit('/').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&[]), ["a.txt", "b.md", "c.txt"]);
    assert_eq!(ids(&["--type", "md"]), ["b.md"]);
    assert_eq!(ids(&["--glob", "!drafts/**"]), ["a.txt", "b.md"]);
    assert_eq!(ids(&["-g", "*.html"]), ["notes.html"]);
    assert_eq!(ids(&["--type", "txt", "-g", "!c.txt"]), ["a.txt"]);
}

#[cfg(unix)]
#[test]
fn bad_directory_entries_are_counted_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), BASE).unwrap();
    std::os::unix::fs::symlink("gone.txt", dir.path().join("b.txt")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("loop")).unwrap();
    let s = summary_json(&[os(dir.path())]);
    assert_eq!(s["stats"]["documents"], 1);
    assert_eq!(s["stats"]["skipped_by_reason"]["bad_entry"], 2, "{s}");
    reprint()
        .args(["scan", "-q", "--strict"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("dangling symbolic link"));
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    assert!(std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success());
}

#[cfg(unix)]
#[test]
fn fifo_in_folder_is_passed_over_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), BASE).unwrap();
    mkfifo(&dir.path().join("pipe.txt"));
    let s = summary_json(&[os(dir.path())]);
    assert_eq!(s["stats"]["documents"], 1);
    assert_eq!(s["stats"]["passed_over"]["fifo"], 1, "{s}");
}

#[cfg(unix)]
#[test]
fn named_fifo_is_spooled_so_dedup_output_keeps_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("dump");
    mkfifo(&fifo);
    let body = format!("{}\n{}\n", record("a", BASE), record("b", "other text"));
    let writer = {
        let (fifo, body) = (fifo.clone(), body.clone());
        std::thread::spawn(move || fs::write(fifo, body).unwrap())
    };
    let out = reprint()
        .args(["dedup", "-q", "-o", "-"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), body);
}

#[cfg(unix)]
#[test]
fn stdin_spool_has_no_name_in_the_temporary_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reprint"))
        .args(["dedup", "-q", "-"])
        .env("TMPDIR", tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(record("a", BASE).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The process is now spooling stdin, which is still open.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let names: Vec<PathBuf> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert!(names.is_empty(), "named temporary files: {names:?}");
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_get_distinct_ids() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    for name in [&b"a\xe9.txt"[..], b"a\xe8.txt"] {
        fs::write(dir.path().join(std::ffi::OsStr::from_bytes(name)), name).unwrap();
    }
    let ids = dedup_ids(&[os(dir.path())], None);
    let base = dir.path().display().to_string();
    assert_eq!(
        ids,
        [format!("{base}/a\\xE8.txt"), format!("{base}/a\\xE9.txt")]
    );
}

#[test]
fn folder_ids_are_paths_as_given_so_days_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    for day in ["day1", "day2"] {
        fs::create_dir(dir.path().join(day)).unwrap();
        fs::write(
            dir.path().join(day).join("article1.txt"),
            format!("{day}: {BASE}"),
        )
        .unwrap();
    }
    let index = dir.path().join("archive.idx");
    for day in ["day1/", "day2/"] {
        reprint()
            .current_dir(dir.path())
            .args(["index", "add", "archive.idx", day])
            .assert()
            .success()
            .stderr(predicate::str::contains("added 1 document ("))
            .stderr(predicate::str::contains("0 conflicts"));
    }
    assert!(index.exists());
    let out = reprint()
        .current_dir(dir.path())
        .args(["dedup", "-q", "--clusters", "-", "day1/", "day2"])
        .output()
        .unwrap();
    let cluster: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = cluster["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["doc"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["day1/article1.txt", "day2/article1.txt"]);
}

#[test]
fn text_field_no_record_has_is_an_error_listing_the_fields() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    fs::write(
        &p,
        "{\"id\":\"a\",\"body\":\"x\"}\n{\"id\":\"b\",\"body\":\"y\"}\n",
    )
    .unwrap();
    let message = "text field \"text\" is in no record (the first records have: id, body)";
    for cmd in [&["dedup"][..], &["scan"], &["index", "add", "x.idx"]] {
        reprint()
            .current_dir(dir.path())
            .args(cmd)
            .arg(&p)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(message));
    }
    reprint()
        .args(["dedup", "--text-field", "body", "-q"])
        .arg(&p)
        .assert()
        .success();
}

#[test]
fn id_field_chosen_but_in_no_record_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    fs::write(&p, format!("{}\n", record("a", BASE))).unwrap();
    reprint()
        .args(["dedup", "--id-field", "doc_id"])
        .arg(&p)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "id field \"doc_id\" is in no record (the first records have: id, text)",
        ));
    // The default id field may be absent: ids are line numbers.
    fs::write(&p, serde_json::json!({"text": BASE}).to_string()).unwrap();
    reprint().args(["dedup", "-q"]).arg(&p).assert().success();
}

#[cfg(unix)]
#[test]
fn path_over_4096_bytes_is_an_issue_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), BASE).unwrap();
    // Built one relative step at a time (mkdirat/openat): no single call sees the
    // whole path, which is over PATH_MAX.
    use std::os::unix::ffi::OsStrExt;
    let level = std::ffi::CString::new("d".repeat(200)).unwrap();
    let root = std::ffi::CString::new(dir.path().as_os_str().as_bytes()).unwrap();
    // SAFETY: valid NUL-terminated names; every descriptor opened here is closed here.
    unsafe {
        let mut fd = libc::open(root.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
        assert!(fd >= 0);
        for _ in 0..25 {
            assert_eq!(libc::mkdirat(fd, level.as_ptr(), 0o700), 0);
            let next = libc::openat(fd, level.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        let name = std::ffi::CString::new("z.txt").unwrap();
        let file = libc::openat(fd, name.as_ptr(), libc::O_WRONLY | libc::O_CREAT, 0o600);
        assert!(file >= 0);
        libc::close(file);
        libc::close(fd);
    }
    let s = summary_json(&[os(dir.path())]);
    assert_eq!(s["stats"]["documents"], 1, "{s}");
    assert_eq!(s["stats"]["skipped_by_reason"]["bad_entry"], 1, "{s}");
}

#[test]
fn index_add_and_check_decode_windows_1252_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("a.txt");
    let mut text = CP1252.to_vec();
    text.extend_from_slice(BASE.as_bytes());
    fs::write(&article, &text).unwrap();
    let index = dir.path().join("archive.idx");
    reprint()
        .args(["index", "add"])
        .arg(&index)
        .arg(&article)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "a.txt: not UTF-8: decoded as windows-1252",
        ))
        .stderr(predicate::str::contains("added 1 document ("));
    reprint()
        .args(["check", "--format", "json"])
        .arg(&index)
        .arg(&article)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "a.txt: not UTF-8: decoded as windows-1252",
        ));
}

/// Writes `rows` (id, text, date as a timestamp in seconds) to a snappy Parquet file.
fn write_parquet(path: &Path, rows: &[(&str, Option<&str>, i64)]) {
    use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampSecondArray};
    use std::sync::Arc;
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0)));
    let texts: ArrayRef = Arc::new(StringArray::from_iter(rows.iter().map(|r| r.1)));
    let dates: ArrayRef = Arc::new(TimestampSecondArray::from_iter_values(
        rows.iter().map(|r| r.2),
    ));
    let batch =
        RecordBatch::try_from_iter([("id", ids), ("text", texts), ("date", dates)]).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_rows_are_records_like_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let other = BASE.replace("Sunday", "Monday");
    let rows = [
        ("a", Some(BASE), 1_641_340_800),
        ("b", Some(other.as_str()), 1_641_344_400),
        ("c", None, 1_641_348_000),
        (
            "d",
            Some("An unrelated text about the weather in the mountains."),
            1_641_351_600,
        ),
    ];
    let pq = dir.path().join("dump.parquet");
    write_parquet(&pq, &rows);
    // The same rows as JSON Lines (the date as the ISO text the Parquet column reads as).
    let jsonl = dir.path().join("dump.jsonl");
    let lines: Vec<String> = rows
        .iter()
        .map(|(id, text, secs)| {
            let date = chrono_iso(*secs);
            match text {
                Some(t) => serde_json::json!({"id": id, "text": t, "date": date}).to_string(),
                None => serde_json::json!({"id": id, "date": date}).to_string(),
            }
        })
        .collect();
    fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
    let clusters = |input: &Path| {
        let out = crate::succeeded(
            reprint()
                .args(["dedup", "-q", "--threshold", "0.5", "--clusters", "-"])
                .arg(input),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let from_parquet = clusters(&pq);
    assert!(
        from_parquet.contains("\"a\"") && from_parquet.contains("\"b\""),
        "{from_parquet}"
    );
    assert_eq!(from_parquet, clusters(&jsonl));
    // The row without a text is reported by its row number and counted.
    let s = summary_json(&[os(&pq)]);
    assert_eq!(s["stats"]["skipped"], 1, "{s}");
    // Dates come through the timestamp column: scan names the earliest copy.
    let out = crate::succeeded(
        reprint()
            .args(["scan", "-q", "--format", "json", "--date-field", "date"])
            .arg(&pq),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["documents"][0]["date"],
        chrono_iso(1_641_340_800),
        "{report}"
    );
    // Kept rows are written as JSON Lines, never into a file named .parquet.
    assert_eq!(
        dedup_ids(&[os(&pq), "--threshold".as_ref(), "0.5".as_ref()], None),
        ["a", "d"]
    );
    reprint()
        .args(["dedup", "-q", "-o"])
        .arg(dir.path().join("out.parquet"))
        .arg(&pq)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("JSON Lines"));
    // A folder reads its Parquet files; --type narrows to them.
    let both = summary_json(&[os(dir.path())]);
    assert_eq!(both["stats"]["documents"], 6, "{both}");
    let only = summary_json(&[os(dir.path()), "--type".as_ref(), "parquet".as_ref()]);
    assert_eq!(only["stats"]["documents"], 3, "{only}");
}

#[test]
fn a_damaged_parquet_file_is_reported_and_the_others_read() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.parquet");
    fs::write(&bad, b"PAR1 this is not a parquet file at all PAR1").unwrap();
    let good = dir.path().join("good.jsonl");
    fs::write(&good, record("g", BASE) + "\n").unwrap();
    assert_eq!(dedup_ids(&[os(&bad), os(&good)], None), ["g"]);
    let s = summary_json(&[os(&bad), os(&good)]);
    assert_eq!(s["stats"]["skipped"], 1, "{s}");
    reprint()
        .args(["dedup", "-q", "--strict"])
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.parquet").and(predicate::str::contains("Parquet")));
}

/// The ISO 8601 text arrow-json writes for a timestamp of `secs` seconds (UTC, no zone).
fn chrono_iso(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // 2022-01-05 is day 18,997 since 1970-01-01; the tests use dates of that week.
    assert!((18_997..19_004).contains(&days));
    format!(
        "2022-01-{:02}T{:02}:{:02}:{:02}",
        5 + (days - 18_997),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
