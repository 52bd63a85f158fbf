//! The archive index: round trip, duplicates, damaged files, parameters, and crash
//! safety of `reprint index add` under kill -9.

use assert_cmd::Command;
use predicates::prelude::*;
use reprint::index::{shingle_text, Index, IndexParams, Lookup};
use reprint::input::{read_all, InputConfig, Sources};
use reprint::Error;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seeds")
}

fn seed_docs() -> Vec<(String, String)> {
    let sources = Sources::discover(&[seeds()]).unwrap();
    let (docs, issues) = read_all(&sources, &InputConfig::default()).unwrap();
    assert!(issues.is_empty());
    docs.into_iter()
        .filter(|d| d.id.ends_with(".txt"))
        .map(|d| (d.id, d.text))
        .collect()
}

/// Adds the five seed articles (text files only) to a new index at `dir`.
fn build_seed_index(dir: &Path) {
    let mut cmd = reprint();
    cmd.args(["index", "add", "-q"]).arg(dir);
    for (id, _) in seed_docs() {
        cmd.arg(seeds().join(id));
    }
    cmd.assert().success();
}

/// (id, text) of every live document, sorted by id.
fn contents(dir: &Path) -> Vec<(String, String)> {
    let index = Index::open(dir).unwrap();
    let mut out: Vec<(String, String)> = index
        .live_docs()
        .map(|(_, d)| {
            let d = d.unwrap();
            (d.id.to_owned(), d.text.to_owned())
        })
        .collect();
    out.sort();
    out
}

/// Opens a writer, waiting out a lock that a process spawned by a concurrent test
/// still holds: a child inherits the lock's file descriptor from fork until it
/// execs, so a writer dropped just before such a spawn can look alive for a moment.
pub(crate) fn open_writer(dir: &Path, params: IndexParams) -> reprint::index::IndexWriter {
    let started = std::time::Instant::now();
    loop {
        match reprint::index::IndexWriter::open(dir, params) {
            Ok(w) => return w,
            Err(Error::Config(m))
                if m.contains("another writer") && started.elapsed() < Duration::from_secs(10) =>
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("opening {}: {e}", dir.display()),
        }
    }
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rps"))
        .collect();
    v.sort();
    v
}

#[test]
fn round_trip_stores_texts_and_finds_every_shingle() {
    let dir = tempfile::tempdir().unwrap();
    build_seed_index(dir.path());
    let index = Index::open(dir.path()).unwrap();
    assert_eq!(index.doc_count(), 5);
    let stored = contents(dir.path());
    let mut expected: Vec<(String, String)> = seed_docs()
        .into_iter()
        .map(|(id, text)| (seeds().join(id).display().to_string(), text))
        .collect();
    expected.sort();
    assert_eq!(stored, expected);
    // Every shingle of every document leads back to it.
    let params = *index.params();
    let mut refs = Vec::new();
    for (r, doc) in index.live_docs() {
        let doc = doc.unwrap();
        let (_, hashes) = shingle_text(doc.text, &params);
        for h in hashes {
            refs.clear();
            match index.lookup(h, &mut refs).unwrap() {
                Lookup::Found(df) => {
                    assert!(refs.contains(&r));
                    assert_eq!(df as usize, refs.len());
                }
                other => panic!("shingle of {} not found: {other:?}", doc.id),
            }
        }
    }
    refs.clear();
    assert_eq!(index.lookup(12345, &mut refs).unwrap(), Lookup::Absent);
}

#[test]
fn same_id_with_different_text_is_a_reported_conflict_unless_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"first version of a\"}\n{\"id\":\"b\",\"text\":\"bee\"}\n{oops\n",
    )
    .unwrap();
    let idx = dir.path().join("idx");
    reprint()
        .args(["index", "add"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains("in.jsonl:3"));
    fs::write(&input, "{\"id\":\"a\",\"text\":\"second version of a\"}\n").unwrap();
    // Even with -q the conflict is named, with its file and line, and counted.
    reprint()
        .args(["index", "add", "-q"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("in.jsonl:1: conflict: id \"a\"")
                .and(predicate::str::contains("1 conflict not archived")),
        );
    assert_eq!(contents(&idx)[0].1, "first version of a");
    // Under --strict a conflict fails and changes nothing.
    let before = fs::read(idx.join("MANIFEST")).unwrap();
    reprint()
        .args(["index", "add", "--strict"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("id \"a\" is already in the index"));
    assert_eq!(fs::read(idx.join("MANIFEST")).unwrap(), before);
    assert!(!has_temp_file(&idx));
    reprint()
        .args(["index", "add", "--replace"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains("replaced"));
    let c = contents(&idx);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0], ("a".into(), "second version of a".into()));
    let stats = Index::open(&idx).unwrap().stats();
    assert_eq!(stats.documents, 2);
    assert_eq!(stats.deleted_documents, 1);
    // The replaced text is no longer found.
    let index = Index::open(&idx).unwrap();
    let (_, hashes) = shingle_text("first version of a", index.params());
    let mut refs = Vec::new();
    assert_eq!(
        index.lookup(hashes[0], &mut refs).unwrap(),
        Lookup::Found(1)
    );
    assert!(refs.is_empty(), "deleted document still returned");
}

#[test]
fn same_id_with_identical_text_is_skipped_quietly_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"the same text twice\"}\n{\"id\":\"a\",\"text\":\"the same text twice\"}\n",
    )
    .unwrap();
    let idx = dir.path().join("idx");
    reprint()
        .args(["index", "add"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("1 already archived identical, 0 conflicts")
                .and(predicate::str::contains("conflict:").not()),
        );
    // Again, also under --strict and --replace: nothing changes, nothing is replaced.
    reprint()
        .args(["index", "add", "--strict", "--replace"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(0 replaced, 2 already archived identical",
        ));
    let stats = Index::open(&idx).unwrap().stats();
    assert_eq!((stats.documents, stats.deleted_documents), (1, 0));
}

#[test]
fn strict_add_fails_and_leaves_the_index_alone() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    build_seed_index(&idx);
    let before = fs::read(idx.join("MANIFEST")).unwrap();
    let input = dir.path().join("bad.jsonl");
    fs::write(&input, "{\"id\":\"x\",\"text\":\"fine\"}\n{\"id\":\"y\"}\n").unwrap();
    reprint()
        .args(["index", "add", "--strict"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.jsonl:2"));
    assert_eq!(fs::read(idx.join("MANIFEST")).unwrap(), before);
    assert_eq!(segment_files(&idx).len(), 1);
    assert!(!has_temp_file(&idx));
}

#[test]
fn strict_add_failing_on_a_new_index_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    fs::write(&input, "{\"id\":\"x\",\"text\":\"fine\"}\n{\"id\":\"y\"}\n").unwrap();
    // A folder this run creates is removed again.
    let idx = dir.path().join("idx");
    reprint()
        .args(["index", "add", "--strict"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .code(1);
    assert!(!idx.exists(), "index folder left behind");
    // An empty folder given by the user stays, empty.
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    reprint()
        .args(["index", "add", "--strict"])
        .arg(&empty)
        .arg(&input)
        .assert()
        .code(1);
    assert_eq!(
        fs::read_dir(&empty).unwrap().count(),
        0,
        "files left behind"
    );
    // Through the library: a writer dropped after closing segments removes them.
    let lib = dir.path().join("lib");
    let params = IndexParams::default();
    let mut writer = reprint::index::IndexWriter::open(&lib, params).unwrap();
    writer.set_limits(reprint::index::writer::SegmentLimits {
        max_pairs: 4,
        max_text_bytes: 1 << 20,
    });
    for i in 0..5 {
        let text = format!("document number {i} has a few words in it");
        let (tokens, shingles) = shingle_text(&text, &params);
        writer
            .add(&format!("d{i}"), &text, shingles, tokens.len(), false)
            .unwrap();
    }
    assert!(segment_files(&lib).len() > 1, "segments were closed");
    drop(writer);
    assert!(!lib.exists(), "uncommitted segments left behind");
}

#[test]
fn stats_show_documents_size_parameters_and_version() {
    let dir = tempfile::tempdir().unwrap();
    build_seed_index(dir.path());
    reprint()
        .args(["index", "stats"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(
            predicate::str::contains("documents:          5")
                .and(predicate::str::contains("format version:     2"))
                .and(predicate::str::contains("shingle 5 words"))
                .and(predicate::str::contains("size on disk")),
        );
    for flags in [&["--format", "json"][..], &["--json"][..]] {
        let out = reprint()
            .args(["index", "stats"])
            .args(flags)
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{flags:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["documents"], 5);
        assert_eq!(v["params"]["shingle_words"], 5);
    }
}

#[test]
fn stats_takes_format_text_or_json_and_hides_the_old_json_flag() {
    let dir = tempfile::tempdir().unwrap();
    build_seed_index(dir.path());
    reprint()
        .args(["index", "stats", "--format", "text"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("documents:          5"));
    reprint()
        .args(["index", "stats", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--format").and(predicate::str::contains("--json").not()));
    reprint()
        .args(["index", "stats", "--format", "yaml"])
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn other_parameters_are_an_incompatible_index_error() {
    let dir = tempfile::tempdir().unwrap();
    build_seed_index(dir.path());
    let index = Index::open(dir.path()).unwrap();
    let other = IndexParams {
        shingle_words: 4,
        ..*index.params()
    };
    let err = index.ensure_params(&other).unwrap_err();
    assert!(matches!(err, Error::Incompatible { .. }));
    assert!(
        err.to_string().contains("shingle length 5 words, not 4"),
        "{err}"
    );
    reprint()
        .args(["index", "add", "--shingle", "4"])
        .arg(dir.path())
        .arg(seeds().join("000_cff694c5b6003a2d.txt"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("shingle length 5 words, not 4"));
}

/// Opens the index and reads everything; `Err` if any step reports an error.
fn read_everything(dir: &Path) -> Result<Vec<(String, String)>, Error> {
    let index = Index::open(dir)?;
    let mut out = Vec::new();
    let mut refs = Vec::new();
    for (_, doc) in index.live_docs() {
        let doc = doc?;
        for h in shingle_text(doc.text, index.params()).1 {
            refs.clear();
            index.lookup(h, &mut refs)?;
        }
        out.push((doc.id.to_owned(), doc.text.to_owned()));
    }
    out.sort();
    Ok(out)
}

#[test]
fn every_flipped_byte_of_a_segment_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    build_seed_index(dir.path());
    let good = read_everything(dir.path()).unwrap();
    let seg = segment_files(dir.path()).remove(0);
    let original = fs::read(&seg).unwrap();
    // Every byte of the small sections, header and footer; a stride through texts.
    let step = (original.len() / 1500).max(1);
    for i in (0..original.len())
        .step_by(step)
        .chain(original.len() - 300..original.len())
    {
        let mut bad = original.clone();
        bad[i] ^= 0x01;
        fs::write(&seg, &bad).unwrap();
        match read_everything(dir.path()) {
            Err(Error::Corrupt { .. }) => {}
            Err(other) => panic!("byte {i}: unexpected error {other}"),
            Ok(docs) => {
                // Only padding bytes may change without effect; the answer must be right.
                assert_eq!(docs, good, "byte {i}: wrong answer from a damaged file");
            }
        }
    }
    fs::write(&seg, &original).unwrap();
    assert_eq!(read_everything(dir.path()).unwrap(), good);
}

#[test]
fn truncated_files_and_newer_versions_are_named() {
    let dir = tempfile::tempdir().unwrap();
    build_seed_index(dir.path());
    let seg = segment_files(dir.path()).remove(0);
    let original = fs::read(&seg).unwrap();
    for len in [0, 10, 100, original.len() / 2, original.len() - 1] {
        fs::write(&seg, &original[..len]).unwrap();
        let err = Index::open(dir.path()).unwrap_err();
        assert!(matches!(err, Error::Corrupt { .. }), "{len}: {err}");
        assert!(err.to_string().contains(".rps"), "{err}");
    }
    fs::write(&seg, &original).unwrap();

    let manifest = dir.path().join("MANIFEST");
    let m = fs::read(&manifest).unwrap();
    fs::write(&manifest, &m[..m.len() - 3]).unwrap();
    let err = Index::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("truncated manifest"), "{err}");

    let mut newer = m.clone();
    newer[8..12].copy_from_slice(&2u32.to_le_bytes());
    reseal_manifest(&mut newer);
    fs::write(&manifest, &newer).unwrap();
    reprint()
        .args(["index", "stats"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "format version 2 is newer than this reprint reads (1)",
        ));

    // A newer segment: header and footer both say so, footer checksum intact.
    let mut newer_segment = original.clone();
    newer_segment[8..12].copy_from_slice(&7u32.to_le_bytes());
    let footer = newer_segment.len() - 256;
    newer_segment[footer + 224..footer + 228].copy_from_slice(&7u32.to_le_bytes());
    let sum = xxhash_rust::xxh3::xxh3_64(&newer_segment[footer..footer + 240]);
    newer_segment[footer + 240..footer + 248].copy_from_slice(&sum.to_le_bytes());
    fs::write(&manifest, &m).unwrap();
    fs::write(&seg, &newer_segment).unwrap();
    let err = Index::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Incompatible { .. }), "{err:?}");
    assert!(
        err.to_string().contains("format version 7 is newer"),
        "{err}"
    );
    fs::write(&seg, &original).unwrap();

    fs::remove_file(&manifest).unwrap();
    let err = Index::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("manifest is lost"), "{err}");
    assert!(err.to_string().contains("reprint index repair"), "{err}");
    fs::remove_file(&seg).unwrap();
    let err = Index::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::NotAnIndex { .. }), "{err:?}");
    assert!(err.to_string().contains("not a reprint index"), "{err}");
}

/// Recomputes the checksum of a manifest edited on purpose.
fn reseal_manifest(bytes: &mut [u8]) {
    let end = bytes.len() - 16;
    let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..end]);
    bytes[end..end + 8].copy_from_slice(&sum.to_le_bytes());
}

#[test]
fn flipped_version_byte_is_reported_as_damage_not_as_a_newer_format() {
    let dir = tempfile::tempdir().unwrap();
    build_seed_index(dir.path());
    let manifest = dir.path().join("MANIFEST");
    let m = fs::read(&manifest).unwrap();
    let mut bad = m.clone();
    bad[11] ^= 0x07; // version 1 reads as 117440513
    fs::write(&manifest, &bad).unwrap();
    let err = Index::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    reprint()
        .args(["index", "stats"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("manifest checksum mismatch")
                .and(predicate::str::contains("newer").not()),
        );
    fs::write(&manifest, &m).unwrap();
    // The same in a segment: header version and footer version.
    let seg = segment_files(dir.path()).remove(0);
    let original = fs::read(&seg).unwrap();
    for at in [11, original.len() - 256 + 227] {
        let mut bad = original.clone();
        bad[at] ^= 0x07;
        fs::write(&seg, &bad).unwrap();
        let err = Index::open(dir.path()).unwrap_err();
        assert!(matches!(err, Error::Corrupt { .. }), "byte {at}: {err:?}");
        assert!(!err.to_string().contains("newer"), "byte {at}: {err}");
    }
}

/// Writes a JSON Lines dump of `n` synthetic articles.
fn write_dump(path: &Path, n: usize) {
    let mut out = std::io::BufWriter::new(fs::File::create(path).unwrap());
    let words = [
        "government",
        "fuel",
        "price",
        "protest",
        "minister",
        "city",
        "oil",
        "reserves",
        "border",
        "troops",
        "election",
        "party",
        "gas",
        "market",
        "bank",
        "shares",
        "court",
        "report",
        "police",
        "region",
        "capital",
        "talks",
        "deal",
        "export",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..n {
        let mut text = String::new();
        for w in 0..300 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(words[(state % words.len() as u64) as usize]);
            text.push(if w % 17 == 16 { '.' } else { ' ' });
        }
        writeln!(
            out,
            "{}",
            serde_json::json!({"id": format!("doc-{i}"), "text": text})
        )
        .unwrap();
    }
}

fn has_temp_file(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        })
        .unwrap_or(false)
}

/// Runs `reprint ARGS` and kills it (SIGKILL) at a moment set by `extra_ms`: `None`
/// at once; `Some(ms)` that long after a `.tmp` file appears in `dir` (polled every
/// `poll_ms`; timing-independent, the wait is for the file). Returns whether the
/// kill landed while a temporary file was being written, or `None` when the command
/// had already ended.
fn kill_while_writing(
    args: &[&std::ffi::OsStr],
    dir: &Path,
    extra_ms: Option<u64>,
    poll_ms: u64,
) -> Option<bool> {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reprint"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    if let Some(extra) = extra_ms {
        let started = std::time::Instant::now();
        while !has_temp_file(dir)
            && child.try_wait().unwrap().is_none()
            && started.elapsed() < Duration::from_secs(120)
        {
            std::thread::sleep(Duration::from_millis(poll_ms));
        }
        std::thread::sleep(Duration::from_millis(extra));
    }
    let writing = has_temp_file(dir);
    let killed = child.try_wait().unwrap().is_none();
    if killed {
        child.kill().unwrap(); // SIGKILL on Unix
    }
    child.wait().unwrap();
    killed.then_some(writing)
}

#[test]
fn index_add_killed_at_any_moment_leaves_the_index_as_before() {
    const NEW_DOCS: usize = 6000;
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    build_seed_index(&idx);
    let before = contents(&idx);
    let dump = dir.path().join("big.jsonl");
    write_dump(&dump, NEW_DOCS);
    // Kill moments: at once, then as soon as a segment is being written, then later
    // and later while it is.
    let mut landed_while_writing = 0;
    for extra_ms in [None, Some(0u64), Some(200), Some(600), Some(1500)] {
        let args = [
            "index".as_ref(),
            "add".as_ref(),
            "-q".as_ref(),
            idx.as_os_str(),
            dump.as_os_str(),
        ];
        if let Some(writing) = kill_while_writing(&args, &idx, extra_ms, 2) {
            landed_while_writing += usize::from(writing);
        }
        let now = read_everything(&idx).expect("index readable after kill");
        if now.len() != before.len() {
            // The command completed before the kill: the index is exactly "after".
            assert_eq!(now.len(), before.len() + NEW_DOCS);
            break;
        }
        assert_eq!(
            now, before,
            "kill {extra_ms:?} ms into writing changed the index"
        );
    }
    assert!(
        landed_while_writing > 0,
        "no kill landed while segment files were being written"
    );
    // The next add cleans up and completes.
    reprint()
        .args(["index", "add", "-q"])
        .arg(&idx)
        .arg(&dump)
        .assert()
        .success();
    assert_eq!(contents(&idx).len(), before.len() + NEW_DOCS);
    assert!(!has_temp_file(&idx));
}

#[test]
fn a_second_writer_is_refused_until_the_first_ends() {
    let dir = tempfile::tempdir().unwrap();
    let first = reprint::index::IndexWriter::open(dir.path(), IndexParams::default()).unwrap();
    let err = reprint::index::IndexWriter::open(dir.path(), IndexParams::default())
        .err()
        .expect("second writer refused");
    assert!(err.to_string().contains("another writer"), "{err}");
    drop(first);
    let second = open_writer(dir.path(), IndexParams::default());
    assert_eq!(second.commit().unwrap(), 0);
}

#[test]
fn swapped_arguments_never_write_into_the_article_folder() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    build_seed_index(&idx);
    let articles = dir.path().join("articles");
    fs::create_dir(&articles).unwrap();
    fs::write(
        articles.join("a.txt"),
        "An article about the fuel price protest.",
    )
    .unwrap();
    let manifest_before = fs::read(idx.join("MANIFEST")).unwrap();
    reprint()
        .args(["index", "add"])
        .arg(&articles)
        .arg(&idx)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("not a reprint index and not empty")
                .and(predicate::str::contains("arguments may be swapped")),
        );
    let names: Vec<_> = fs::read_dir(&articles)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["a.txt"], "files written into the article folder");
    assert_eq!(fs::read(idx.join("MANIFEST")).unwrap(), manifest_before);
    // A plain non-empty folder is refused too (no hint: the input is no index).
    reprint()
        .args(["index", "add"])
        .arg(&articles)
        .arg(seeds().join("000_cff694c5b6003a2d.txt"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("not a reprint index and not empty")
                .and(predicate::str::contains("swapped").not()),
        );
}

#[test]
fn an_input_inside_the_index_folder_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    build_seed_index(&idx);
    let before = fs::read(idx.join("MANIFEST")).unwrap();
    for input in [idx.clone(), idx.join("MANIFEST"), idx.join(".")] {
        reprint()
            .args(["index", "add"])
            .arg(&idx)
            .arg(&input)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("index folder"));
    }
    // Also when the index folder is still empty.
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    reprint()
        .args(["index", "add"])
        .arg(&empty)
        .arg(&empty)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is the index folder itself"));
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 0);
    assert_eq!(fs::read(idx.join("MANIFEST")).unwrap(), before);
}

#[test]
fn missing_manifest_is_refused_and_no_segment_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    build_seed_index(&idx);
    let segments = segment_files(&idx);
    fs::remove_file(idx.join("MANIFEST")).unwrap();
    reprint()
        .args(["index", "add"])
        .arg(&idx)
        .arg(seeds().join("000_cff694c5b6003a2d.txt"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("manifest is lost")
                .and(predicate::str::contains("reprint index repair")),
        );
    assert_eq!(segment_files(&idx), segments, "segments deleted");
    assert!(!idx.join("MANIFEST").exists());
    // A damaged manifest likewise.
    build_seed_index(&dir.path().join("other"));
    fs::write(idx.join("MANIFEST"), b"REPRIDX\0garbage").unwrap();
    reprint()
        .args(["index", "add"])
        .arg(&idx)
        .arg(seeds().join("000_cff694c5b6003a2d.txt"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("reprint index repair"));
    assert_eq!(segment_files(&idx), segments, "segments deleted");
}

/// Adds `docs` (id, text) with `reprint index add` in one commit. (Through the
/// command rather than the library, so that no lock of this test process can leak
/// into processes that concurrent tests spawn.)
fn add_docs(dir: &Path, docs: &[(&str, &str)], replace: bool) {
    let input = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    let lines: String = docs
        .iter()
        .map(|(id, text)| format!("{}\n", serde_json::json!({"id": id, "text": text})))
        .collect();
    fs::write(input.path(), lines).unwrap();
    let mut cmd = reprint();
    cmd.args(["index", "add", "-q"]);
    if replace {
        cmd.arg("--replace");
    }
    cmd.arg(dir).arg(input.path()).assert().success();
}

/// Adds `docs` (id, text) through the library in one commit.
fn add_docs_lib(dir: &Path, docs: &[(&str, &str)], replace: bool) {
    let params = IndexParams::default();
    let mut writer = open_writer(dir, params);
    for (id, text) in docs {
        let (tokens, shingles) = shingle_text(text, &params);
        writer
            .add(id, text, shingles, tokens.len(), replace)
            .unwrap();
    }
    writer.commit().unwrap();
}

#[test]
fn verify_reports_sound_damaged_and_unlisted_files() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    build_seed_index(&idx);
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(predicate::str::contains("sound: 5 live documents"));
    // One flipped byte in a stored text: only a full read finds it.
    let seg = segment_files(&idx).remove(0);
    let mut bytes = fs::read(&seg).unwrap();
    bytes[100] ^= 0x01;
    fs::write(&seg, &bytes).unwrap();
    Index::open(&idx).expect("opening does not read texts");
    let out = reprint()
        .args(["index", "verify", "--format", "json"])
        .arg(&idx)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sound"], false);
    assert_eq!(v["manifest"]["status"], "ok");
    assert_eq!(v["segments"][0]["status"], "damaged");
    assert_eq!(v["segments"][0]["listed"], true);
    bytes[100] ^= 0x01;
    fs::write(&seg, &bytes).unwrap();
    // An unlisted segment file is listed but does not make the index unsound.
    fs::copy(&seg, idx.join("seg-00000000000000ff-00000001-0000.rps")).unwrap();
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(predicate::str::contains("(not in the manifest)"));
    fs::remove_file(idx.join("MANIFEST")).unwrap();
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("MANIFEST  MISSING")
                .and(predicate::str::contains("reprint index repair")),
        );
}

#[test]
fn repair_rebuilds_a_lost_manifest_keeping_the_newest_copy_of_each_id() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    add_docs(
        &idx,
        &[("a", "the first text of a"), ("b", "the text of b")],
        false,
    );
    add_docs(&idx, &[("a", "the second text of a")], true);
    add_docs(&idx, &[("c", "the text of c")], false);
    let before = contents(&idx);
    fs::remove_file(idx.join("MANIFEST")).unwrap();
    reprint()
        .args(["index", "repair"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("rebuilt the manifest from 3 intact segment file(s)")
                .and(predicate::str::contains("1 older cop")),
        );
    assert_eq!(contents(&idx), before);
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .success();
    // The index works again: a new add lands after the old generations.
    add_docs(&idx, &[("d", "the text of d")], false);
    assert_eq!(contents(&idx).len(), 4);
    // A sound index is left alone.
    reprint()
        .args(["index", "repair"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to repair"));
}

#[test]
fn repair_moves_damaged_files_aside_instead_of_deleting_them() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    add_docs(&idx, &[("a", "the text of a")], false);
    add_docs(&idx, &[("b", "the text of b")], false);
    let segments = segment_files(&idx);
    assert_eq!(segments.len(), 2);
    let mut bytes = fs::read(&segments[1]).unwrap();
    bytes[20] ^= 0x01;
    fs::write(&segments[1], &bytes).unwrap();
    // With the manifest intact: the damaged segment is dropped, its documents counted.
    reprint()
        .args(["index", "repair"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("1 documents lost")
                .and(predicate::str::contains("moved aside: damaged/seg-")),
        );
    let name = segments[1].file_name().unwrap();
    assert_eq!(fs::read(idx.join("damaged").join(name)).unwrap(), bytes);
    assert_eq!(
        contents(&idx),
        [("a".to_owned(), "the text of a".to_owned())]
    );
    // With a damaged manifest: it is moved aside too, and rebuilt.
    let m = fs::read(idx.join("MANIFEST")).unwrap();
    let mut bad = m.clone();
    bad[20] ^= 0x01;
    fs::write(idx.join("MANIFEST"), &bad).unwrap();
    reprint()
        .args(["index", "repair"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(predicate::str::contains("moved aside: damaged/MANIFEST"));
    assert_eq!(fs::read(idx.join("damaged/MANIFEST")).unwrap(), bad);
    assert_eq!(
        contents(&idx),
        [("a".to_owned(), "the text of a".to_owned())]
    );
}

#[test]
fn readers_see_one_snapshot_while_replace_commits() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    add_docs_lib(&idx, &[("a", "version zero of the text")], false);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let idx = idx.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            /// Ends the reading loop however this thread ends.
            struct Stop(std::sync::Arc<std::sync::atomic::AtomicBool>);
            impl Drop for Stop {
                fn drop(&mut self) {
                    self.0.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            let _stop = Stop(stop);
            for i in 0..150 {
                let text = format!("version {i} of the text, replaced again");
                add_docs_lib(&idx, &[("a", text.as_str())], true);
            }
        })
    };
    let mut reads = 0;
    let started = std::time::Instant::now();
    while !stop.load(std::sync::atomic::Ordering::SeqCst)
        && started.elapsed() < Duration::from_secs(60)
    {
        let docs = read_everything(&idx).unwrap_or_else(|e| panic!("read {reads}: {e}"));
        assert_eq!(docs.len(), 1);
        reads += 1;
    }
    writer.join().unwrap();
    assert!(reads > 10, "only {reads} reads overlapped the commits");
}

#[test]
fn repair_refuses_an_index_of_a_newer_format_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    build_seed_index(&idx);
    let manifest = idx.join("MANIFEST");
    let mut newer = fs::read(&manifest).unwrap();
    newer[8..12].copy_from_slice(&2u32.to_le_bytes());
    reseal_manifest(&mut newer);
    fs::write(&manifest, &newer).unwrap();
    let segments = segment_files(&idx);
    reprint()
        .args(["index", "repair"])
        .arg(&idx)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("format version 2 is newer"));
    assert_eq!(fs::read(&manifest).unwrap(), newer);
    assert_eq!(segment_files(&idx), segments);
    assert!(!idx.join("damaged").exists());
    reprint()
        .args(["index", "verify", "--format", "json"])
        .arg(&idx)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"incompatible\""));
}

#[test]
fn repair_interrupted_after_moving_files_aside_can_simply_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    add_docs(&idx, &[("a", "the text of a")], false);
    add_docs(&idx, &[("b", "the text of b")], false);
    let segments = segment_files(&idx);
    // As a repair killed after its first step leaves it: the damaged segment moved
    // aside, the old manifest still naming it.
    fs::create_dir(idx.join("damaged")).unwrap();
    let name = segments[1].file_name().unwrap();
    fs::rename(&segments[1], idx.join("damaged").join(name)).unwrap();
    let err = Index::open(&idx).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("reprint index repair"), "{err}");
    reprint()
        .args(["index", "repair"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 documents lost"));
    assert_eq!(
        contents(&idx),
        [("a".to_owned(), "the text of a".to_owned())]
    );
    assert!(idx.join("damaged").join(name).exists());
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .success();
}

#[test]
fn many_conflicts_name_the_first_20_then_count_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    let input = dir.path().join("in.jsonl");
    let dump = |version: &str| -> String {
        (0..25)
            .map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"{version} text of d{i}\"}}\n"))
            .collect()
    };
    fs::write(&input, dump("old")).unwrap();
    reprint()
        .args(["index", "add", "-q"])
        .arg(&idx)
        .arg(&input)
        .assert()
        .success();
    fs::write(&input, dump("new")).unwrap();
    let out = reprint()
        .args(["index", "add", "-q"])
        .arg(&idx)
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.matches("conflict: id").count(), 20, "{stderr}");
    assert!(stderr.contains("... and 5 more"), "{stderr}");
    assert!(stderr.contains("25 conflicts"), "{stderr}");
    assert!(contents(&idx).iter().all(|(_, t)| t.starts_with("old")));
}

/// Writes `docs` (id, text) as a JSON Lines file at `path`.
fn write_jsonl(path: &Path, docs: &[(String, String)]) {
    let lines: String = docs
        .iter()
        .map(|(id, text)| format!("{}\n", serde_json::json!({"id": id, "text": text})))
        .collect();
    fs::write(path, lines).unwrap();
}

/// `n` synthetic archive documents (ids `doc-<i>`), as [`write_dump`] makes them.
fn dump_docs(dir: &Path, n: usize) -> Vec<(String, String)> {
    let dump = dir.join("dump.jsonl");
    write_dump(&dump, n);
    let sources = Sources::discover(&[dump]).unwrap();
    let (docs, issues) = read_all(&sources, &InputConfig::default()).unwrap();
    assert!(issues.is_empty());
    docs.into_iter().map(|d| (d.id, d.text)).collect()
}

/// An index fed in `adds` runs of `index add --no-merge` (one segment each) from
/// `docs`; returns the index path.
fn build_in_adds(dir: &Path, docs: &[(String, String)], adds: usize) -> PathBuf {
    let idx = dir.join("idx");
    for (n, part) in docs.chunks(docs.len().div_ceil(adds)).enumerate() {
        let file = dir.join(format!("part-{n}.jsonl"));
        write_jsonl(&file, part);
        reprint()
            .args(["index", "add", "-q", "--no-merge"])
            .arg(&idx)
            .arg(&file)
            .assert()
            .success();
    }
    idx
}

fn stats_json(idx: &Path) -> serde_json::Value {
    let out = reprint()
        .args(["index", "stats", "--format", "json"])
        .arg(idx)
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Articles copying halves of archived documents, one of them replaced later.
fn articles_from(docs: &[(String, String)], dir: &Path) -> PathBuf {
    let half = |t: &str, second: bool| {
        let words: Vec<&str> = t.split(' ').collect();
        let mid = words.len() / 2;
        if second {
            words[mid..].join(" ")
        } else {
            words[..mid].join(" ")
        }
    };
    let articles: Vec<(String, String)> = (0..6)
        .map(|i| {
            let a = &docs[(i * 7) % docs.len()].1;
            let b = &docs[(i * 11 + 5) % docs.len()].1;
            (
                format!("article-{i}"),
                format!("{}\n\n{}", half(a, false), half(b, true)),
            )
        })
        .collect();
    let path = dir.join("articles.jsonl");
    write_jsonl(&path, &articles);
    path
}

fn check_json(idx: &Path, articles: &Path) -> String {
    check_json_with(idx, articles, &[])
}

/// [`check_json`] with extra `reprint check` arguments.
fn check_json_with(idx: &Path, articles: &Path, extra: &[&str]) -> String {
    let out = crate::succeeded(
        reprint()
            .args(["check", "-q", "--format", "json"])
            .args(extra)
            .arg(idx)
            .arg(articles),
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn compact_after_five_adds_keeps_check_results_identical() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dump_docs(dir.path(), 60);
    let idx = build_in_adds(dir.path(), &docs, 5);
    // One more add replacing a document: compaction must drop the old copy.
    let mut replaced = docs[3].clone();
    replaced.1 = format!("{} extra words at the end", replaced.1);
    add_docs(&idx, &[(replaced.0.as_str(), replaced.1.as_str())], true);
    let before = stats_json(&idx);
    assert_eq!(before["segments"], 6);
    assert_eq!(before["deleted_documents"], 1);
    let articles = articles_from(&docs, dir.path());
    let checked = check_json(&idx, &articles);
    let found = checked
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["sources"].as_array().is_some_and(|s| !s.is_empty())
        })
        .count();
    assert!(found >= 5, "sources found for {found} articles: {checked}");
    let contents_before = contents(&idx);

    let out = reprint()
        .args(["index", "compact", "--all", "--format", "json"])
        .arg(&idx)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["merged_segments"], 6);
    assert_eq!(report["segments_after"], 1);
    assert_eq!(report["dropped_documents"], 1);
    let after = stats_json(&idx);
    assert_eq!(after["segments"], 1);
    assert_eq!(after["deleted_documents"], 0);
    assert_eq!(after["documents"], before["documents"]);
    assert_eq!(segment_files(&idx).len(), 1, "old segments are deleted");
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .success();
    assert_eq!(contents(&idx), contents_before);
    assert_eq!(check_json(&idx, &articles), checked);
    // Nothing left to merge: a second compaction changes nothing.
    reprint()
        .args(["index", "compact", "--all"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to merge"));
}

#[test]
fn index_add_merges_past_ten_segments_unless_no_merge() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dump_docs(dir.path(), 24);
    let idx = build_in_adds(dir.path(), &docs[..22], 11);
    assert_eq!(stats_json(&idx)["segments"], 11);
    // Shingle candidates only: stem-pair candidates are ranked by rarity over the
    // whole archive, which the two new documents change.
    let shingles_only = ["--short-article-words", "0"];
    let checked = check_json_with(
        &idx,
        &articles_from(&docs[..22], dir.path()),
        &shingles_only,
    );
    let last = dir.path().join("last.jsonl");
    write_jsonl(&last, &docs[22..]);
    reprint()
        .args(["index", "add"])
        .arg(&idx)
        .arg(&last)
        .assert()
        .success()
        .stderr(predicate::str::contains("merged 10 segments into 1"));
    // The ten oldest small segments became one; the two newest stay.
    assert_eq!(stats_json(&idx)["segments"], 3);
    assert_eq!(contents(&idx).len(), 24);
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .success();
    // The two new documents do not take part in these articles' sources.
    assert_eq!(
        check_json_with(
            &idx,
            &articles_from(&docs[..22], dir.path()),
            &shingles_only
        ),
        checked
    );
}

#[test]
fn a_compaction_is_refused_while_a_writer_holds_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    add_docs_lib(&idx, &[("a", "one two three four five six seven")], false);
    add_docs_lib(
        &idx,
        &[("b", "eight nine ten eleven twelve thirteen")],
        false,
    );
    let writer = open_writer(&idx, IndexParams::default());
    let err = reprint::index::compact(&idx, &reprint::index::CompactOptions::default())
        .expect_err("compaction refused");
    assert!(err.to_string().contains("another writer"), "{err}");
    drop(writer);
}

#[test]
fn compact_killed_at_any_moment_leaves_the_index_intact() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dump_docs(dir.path(), 3000);
    let idx = build_in_adds(dir.path(), &docs, 4);
    let before = contents(&idx);
    let mut landed_while_writing = 0;
    let mut completed = false;
    for extra_ms in [None, Some(0u64), Some(30), Some(120), Some(400)] {
        let args = [
            "index".as_ref(),
            "compact".as_ref(),
            "--all".as_ref(),
            idx.as_os_str(),
        ];
        if let Some(writing) = kill_while_writing(&args, &idx, extra_ms, 1) {
            landed_while_writing += usize::from(writing);
        }
        // Whatever the moment, the index reads exactly as before.
        assert_eq!(
            contents(&idx),
            before,
            "kill {extra_ms:?} ms into compaction changed the index"
        );
        if stats_json(&idx)["segments"] == 1 {
            completed = true;
            break;
        }
    }
    assert!(
        completed || landed_while_writing > 0,
        "no kill landed while the merged segment was being written"
    );
    // The next compaction cleans up and completes.
    reprint()
        .args(["index", "compact", "--all"])
        .arg(&idx)
        .assert()
        .success();
    assert!(!has_temp_file(&idx));
    assert_eq!(stats_json(&idx)["segments"], 1);
    assert_eq!(segment_files(&idx).len(), 1);
    assert_eq!(read_everything(&idx).unwrap(), before);
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .success();
}

#[test]
fn check_keeps_working_while_compaction_replaces_segments() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    add_docs_lib(
        &idx,
        &[("a", "the first archived text of the series")],
        false,
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let idx = idx.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            /// Ends the reading loop however this thread ends.
            struct Stop(std::sync::Arc<std::sync::atomic::AtomicBool>);
            impl Drop for Stop {
                fn drop(&mut self) {
                    self.0.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            let _stop = Stop(stop);
            let options = reprint::index::CompactOptions {
                all: true,
                ..Default::default()
            };
            for i in 0..60 {
                let id = format!("doc-{i}");
                let text = format!("text number {i} of the archive, merged again and again");
                add_docs_lib(&idx, &[(id.as_str(), text.as_str())], false);
                let report = loop {
                    match reprint::index::compact(&idx, &options) {
                        Err(Error::Config(m)) if m.contains("another writer") => {
                            std::thread::sleep(Duration::from_millis(2))
                        }
                        other => break other.unwrap(),
                    }
                };
                assert_eq!(report.segments_after, 1);
            }
        })
    };
    let mut reads = 0;
    let started = std::time::Instant::now();
    while !stop.load(std::sync::atomic::Ordering::SeqCst)
        && started.elapsed() < Duration::from_secs(60)
    {
        let docs = read_everything(&idx).unwrap_or_else(|e| panic!("read {reads}: {e}"));
        assert!(!docs.is_empty() && docs[0].0 == "a");
        reads += 1;
    }
    writer.join().unwrap();
    assert!(reads > 10, "only {reads} reads overlapped the compactions");
    assert_eq!(contents(&idx).len(), 61);
}

/// Rewrites a version 2 segment of `idx` as version 1 (no block checksum table),
/// and the manifest to match: the layout of indexes built before version 2.
fn downgrade_to_version_1(idx: &Path) {
    let seg = segment_files(idx).remove(0);
    let mut file = fs::read(&seg).unwrap();
    let n = file.len();
    let footer = file[n - 256..].to_vec();
    let section_len = |i: usize| {
        let at = 56 + i * 24 + 8;
        u64::from_le_bytes(footer[at..at + 8].try_into().unwrap())
    };
    let blocks: u64 = [3, 4, 5, 6]
        .iter()
        .map(|&i| section_len(i).div_ceil(4096))
        .sum();
    // Version 1 ends with the postings (S6, written last), the footer right after.
    let body_end = {
        let at = 56 + 6 * 24;
        (u64::from_le_bytes(footer[at..at + 8].try_into().unwrap()) + section_len(6)) as usize
    };
    let table = ((blocks + 1) * 8) as usize;
    assert!(body_end + table <= n - 256);
    file.truncate(body_end);
    let mut footer = footer;
    footer[224..228].copy_from_slice(&1u32.to_le_bytes());
    let len = (body_end + 256) as u64;
    footer[232..240].copy_from_slice(&len.to_le_bytes());
    let sum = xxhash_rust::xxh3::xxh3_64(&footer[..240]);
    footer[240..248].copy_from_slice(&sum.to_le_bytes());
    file.extend_from_slice(&footer);
    file[8..12].copy_from_slice(&1u32.to_le_bytes());
    fs::write(&seg, &file).unwrap();
    let manifest = idx.join("MANIFEST");
    let m = fs::read(&manifest).unwrap();
    let mut decoded = reprint::index::manifest::Manifest::decode(&m, &manifest).unwrap();
    decoded.segments[0].file_len = len;
    decoded.segments[0].footer_checksum = sum;
    fs::write(&manifest, decoded.encode()).unwrap();
}

#[test]
fn version_1_segments_are_still_read_and_compaction_rewrites_them() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dump_docs(dir.path(), 30);
    let idx = build_in_adds(dir.path(), &docs, 1);
    let articles = articles_from(&docs, dir.path());
    let checked = check_json(&idx, &articles);
    let good = read_everything(&idx).unwrap();
    downgrade_to_version_1(&idx);
    assert_eq!(stats_json(&idx)["old_format_segments"], 1);
    assert_eq!(read_everything(&idx).unwrap(), good);
    assert_eq!(check_json(&idx, &articles), checked);
    reprint()
        .args(["index", "verify"])
        .arg(&idx)
        .assert()
        .success();
    reprint()
        .args(["index", "stats"])
        .arg(&idx)
        .assert()
        .success()
        .stdout(predicate::str::contains("older format:       1 segment"));
    // Even a single segment of the older format is rewritten by --all.
    reprint()
        .args(["index", "compact", "--all"])
        .arg(&idx)
        .assert()
        .success();
    assert_eq!(stats_json(&idx)["old_format_segments"], 0);
    assert_eq!(check_json(&idx, &articles), checked);
}
