//! `reprint check`: the seed articles against an archive of the others, equality
//! with aligning the documents directly, the boilerplate filter, and the CLI.

use assert_cmd::Command;
use predicates::prelude::*;
use reprint::align::{align, AlignConfig, PreparedDoc};
use reprint::check::check_article;
use reprint::check::{ArticleCheck, CheckConfig, Checker};
use reprint::index::{Index, IndexParams, IndexWriter};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// A source id with its passages as (article start, article end, source start, source end).
type SourceSpans = (String, Vec<(usize, usize, usize, usize)>);

const SEEDS: [&str; 5] = [
    "000_cff694c5b6003a2d.txt",
    "001_f91ad2ad64eee8b1.txt",
    "002_40cca94e12896faf.txt",
    "003_c02b394d286b7c9f.txt",
    "004_2906608a23827698.txt",
];

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

fn seed_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/seeds")
        .join(name)
}

fn seed(name: &str) -> String {
    fs::read_to_string(seed_path(name)).unwrap()
}

/// An index at `dir` holding `docs` as (id, text), built through the library.
fn build(dir: &Path, docs: &[(String, String)], params: IndexParams) -> Index {
    let mut writer = IndexWriter::open(dir, params).unwrap();
    for (id, text) in docs {
        let (tokens, keys) = reprint::index::index_keys(text, &params);
        writer.add(id, text, keys, tokens.len(), false).unwrap();
    }
    writer.commit().unwrap();
    Index::open(dir).unwrap()
}

fn seeds_except(article: &str) -> Vec<(String, String)> {
    SEEDS
        .iter()
        .filter(|&&s| s != article)
        .map(|&s| (s.to_owned(), seed(s)))
        .collect()
}

/// True when some passage of `source` overlaps `article` and `source_span` by half of each.
fn found(
    check: &ArticleCheck,
    source: &str,
    article: (usize, usize),
    source_span: (usize, usize),
) -> bool {
    let overlap = |a: (usize, usize), b: (usize, usize)| a.1.min(b.1).saturating_sub(a.0.max(b.0));
    check.sources.iter().filter(|s| s.id == source).any(|s| {
        s.passages.iter().any(|p| {
            let a = overlap((p.article_start, p.article_end), article);
            let b = overlap((p.source_start, p.source_end), source_span);
            2 * a >= article.1 - article.0 && 2 * b >= source_span.1 - source_span.0
        })
    })
}

#[test]
fn article_003_finds_the_blinken_quote_the_basics_box_and_the_fuel_paragraphs() {
    let dir = tempfile::tempdir().unwrap();
    let article = SEEDS[3];
    let index = build(dir.path(), &seeds_except(article), IndexParams::default());
    let checker = Checker::new(&index, CheckConfig::default()).unwrap();
    let text = seed(article);
    let check = checker.check(article, &text).unwrap();
    // Gold spans from corpus/seeds.gold.json.
    assert!(
        found(&check, SEEDS[0], (1271, 1399), (944, 1073)),
        "Blinken quote from 000 missing: {check:#?}"
    );
    assert!(
        found(&check, SEEDS[2], (3018, 3566), (4138, 4767)),
        "basics box from 002 missing: {check:#?}"
    );
    assert!(
        found(&check, SEEDS[2], (2286, 2771), (2104, 2656)),
        "fuel paragraphs from 002 missing: {check:#?}"
    );
    assert_eq!(check.sources[0].id, SEEDS[2], "002 covers most");
    assert!(check
        .sources
        .windows(2)
        .all(|w| w[0].covered_words >= w[1].covered_words));
    assert!(check.reused_fraction > 0.2 && check.reused_fraction < 0.6);
    for s in &check.sources {
        for p in &s.passages {
            assert_eq!(p.text, text[p.article_start..p.article_end]);
            // Layout lines repeated in both texts are not part of any passage.
            assert!(
                !p.text.starts_with("Presentational grey line")
                    && !p.text.ends_with("Presentational grey line"),
                "{p:#?}"
            );
        }
    }
}

#[test]
fn check_through_the_index_equals_aligning_directly() {
    let norm = IndexParams::default().normalize;
    for article in SEEDS {
        let dir = tempfile::tempdir().unwrap();
        let others = seeds_except(article);
        let index = build(dir.path(), &others, IndexParams::default());
        let checker = Checker::new(&index, CheckConfig::default()).unwrap();
        let text = seed(article);
        let via_index = check_article(&checker, article, &text).unwrap();
        assert_eq!(via_index, checker.check(article, &text).unwrap());

        // Directly: every other document sharing at least `min_shared_shingles`
        // distinct shingles (computed here from the texts, not the index), aligned
        // with the source first as `check` does.
        let params = IndexParams::default();
        let shingles = |t: &str| {
            let mut h = reprint::index::shingle_text(t, &params).1;
            h.sort_unstable();
            h.dedup();
            h
        };
        let mine = shingles(&text);
        let min_shared = CheckConfig::default().min_shared_shingles;
        // Both sides with their repeated layout lines blanked, as `check` aligns them.
        let masked = checker.mask_layout(&text);
        let prepared = PreparedDoc::new(&masked, &norm);
        let mut direct: Vec<SourceSpans> = others
            .iter()
            .filter(|(_, other)| {
                let theirs = shingles(other);
                mine.iter()
                    .filter(|h| theirs.binary_search(h).is_ok())
                    .count()
                    >= min_shared
            })
            .map(|(id, other)| {
                let mut spans: Vec<_> = align(
                    &PreparedDoc::new(&checker.mask_layout(other), &norm),
                    &prepared,
                    &AlignConfig::default(),
                )
                .into_iter()
                .map(|p| (p.b.start, p.b.end, p.a.start, p.a.end))
                .collect();
                spans.sort_unstable();
                (id.clone(), spans)
            })
            .filter(|(_, spans)| !spans.is_empty())
            .collect();
        direct.sort();
        let mut indexed: Vec<SourceSpans> = via_index
            .sources
            .iter()
            .map(|s| {
                let spans = s
                    .passages
                    .iter()
                    .map(|p| (p.article_start, p.article_end, p.source_start, p.source_end))
                    .collect();
                (s.id.clone(), spans)
            })
            .collect();
        indexed.sort();
        assert_eq!(indexed, direct, "article {article}");
    }
}

/// Deterministic pseudo-words, so that unrelated texts share no vocabulary.
fn words(seed: u64, n: usize) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = String::new();
    for i in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push_str(&format!("w{}", state % 50_000));
        out.push_str(if i % 12 == 11 { ". " } else { " " });
    }
    out
}

const FOOTER: &str = "Follow our live coverage of the markets on the website and subscribe to the \
    morning newsletter for daily updates.";

#[test]
fn boilerplate_repeated_across_the_archive_does_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let params = IndexParams {
        max_df: 20,
        ..IndexParams::default()
    };
    let docs: Vec<(String, String)> = (0..40)
        .map(|i| (format!("doc-{i}"), format!("{}\n\n{FOOTER}", words(i, 150))))
        .collect();
    let index = build(dir.path(), &docs, params);
    let checker = Checker::new(&index, CheckConfig::default()).unwrap();

    // The footer alone is found nowhere.
    let only_footer = format!("{}\n\n{FOOTER}", words(1000, 120));
    let check = checker.check("a", &only_footer).unwrap();
    assert!(check.sources.is_empty(), "{check:#?}");
    assert_eq!(check.reused_words, 0);

    // A copied paragraph counts, the footer after it does not.
    let copied = words(7, 60);
    let article = format!("{copied}\n\n{}\n\n{FOOTER}", words(2000, 120));
    let check = checker.check("b", &article).unwrap();
    assert_eq!(check.sources.len(), 1, "{check:#?}");
    assert_eq!(check.sources[0].id, "doc-7");
    let footer_at = article.find("Follow our").unwrap();
    for p in &check.sources[0].passages {
        assert!(p.article_end <= footer_at, "boilerplate counted: {p:#?}");
    }
    assert!(
        check.reused_words >= 55 && check.reused_words <= 62,
        "{}",
        check.reused_words
    );

    // Without the cap the footer would have been reported.
    let dir2 = tempfile::tempdir().unwrap();
    let uncapped = build(
        dir2.path(),
        &docs,
        IndexParams {
            max_df: 1000,
            ..IndexParams::default()
        },
    );
    let checker = Checker::new(&uncapped, CheckConfig::default()).unwrap();
    assert!(!checker.check("a", &only_footer).unwrap().sources.is_empty());
}

#[test]
fn cli_reports_text_json_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    let mut add = reprint();
    add.args(["index", "add", "-q"]).arg(&idx);
    for s in seeds_except(SEEDS[3]) {
        add.arg(seed_path(&s.0));
    }
    add.assert().success();

    // Plain text when stdout is not a terminal: no escape codes.
    reprint()
        .args(["check"])
        .arg(&idx)
        .arg(seed_path(SEEDS[3]))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("reused from 2 sources")
                .and(predicate::str::contains("002_40cca94e12896faf.txt"))
                .and(predicate::str::contains("once Russians are in your house"))
                .and(predicate::str::contains("\u{1b}[").not()),
        );

    // JSON: one object per article, byte offsets into the original texts.
    let html = dir.path().join("report.html");
    let out = reprint()
        .args(["check", "--format", "json", "--html"])
        .arg(&html)
        .arg(&idx)
        .arg(seed_path(SEEDS[3]))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = seed(SEEDS[3]);
    assert_eq!(v["schema_version"], 1);
    assert!(v["doc"].as_str().unwrap().ends_with(SEEDS[3]));
    assert!(v["reused_fraction"].as_f64().unwrap() > 0.2);
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2);
    for s in sources {
        assert!(s["doc"].is_string());
        let source_text = seed(
            Path::new(s["doc"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_str()
                .unwrap(),
        );
        for p in s["passages"].as_array().unwrap() {
            let at = |k: &str| p[k].as_u64().unwrap() as usize;
            assert_eq!(
                p["text"].as_str().unwrap(),
                &text[at("article_start")..at("article_end")]
            );
            assert_eq!(
                p["source_text"].as_str().unwrap(),
                &source_text[at("source_start")..at("source_end")]
            );
            assert!(p["similarity"].as_f64().unwrap() > 0.0);
        }
    }
    let report = fs::read_to_string(&html).unwrap();
    assert!(report.starts_with("<!DOCTYPE html>"));
    assert!(report.contains("class=\"hl\""));
    assert!(!report.contains("src=\"http"), "external asset");

    // Articles from stdin; an article with no reuse.
    reprint()
        .args(["check", "--format", "json"])
        .arg(&idx)
        .arg("-")
        .write_stdin("{\"id\":\"fresh\",\"text\":\"Nothing in this note was ever published before today.\"}\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"doc\":\"fresh\"").and(predicate::str::contains("\"sources\":[]")));

    // A missing index is a clear error.
    reprint()
        .args(["check"])
        .arg(dir.path().join("nope"))
        .arg(seed_path(SEEDS[3]))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a reprint index"));
}

/// Builds an index with the CLI from `docs` (id, text) written as JSON Lines.
fn cli_index(dir: &Path, docs: &[(String, String)], extra: &[&str]) -> PathBuf {
    let input = dir.join("archive.jsonl");
    let lines: String = docs
        .iter()
        .map(|(id, text)| format!("{}\n", serde_json::json!({"id": id, "text": text})))
        .collect();
    fs::write(&input, lines).unwrap();
    let idx = dir.join("idx");
    reprint()
        .args(["index", "add", "-q"])
        .args(extra)
        .arg(&idx)
        .arg(&input)
        .assert()
        .success();
    idx
}

fn jsonl(id: &str, text: &str) -> String {
    format!("{}\n", serde_json::json!({"id": id, "text": text}))
}

#[test]
fn archived_article_is_not_reported_as_its_own_source() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = seeds_except(SEEDS[3]);
    let article = seed(SEEDS[3]);
    docs.push(("draft-3".into(), article.clone()));
    docs.push(("copy-of-3".into(), article.clone()));
    let idx = cli_index(dir.path(), &docs, &[]);

    // Library: both the same id and the identical text under another id are left out.
    let index = Index::open(&idx).unwrap();
    let checker = Checker::new(&index, CheckConfig::default()).unwrap();
    let check = checker.check("draft-3", &article).unwrap();
    let mut excluded: Vec<(String, String)> = check
        .excluded_self
        .iter()
        .map(|e| (e.id.clone(), e.reason.to_string()))
        .collect();
    excluded.sort();
    assert_eq!(
        excluded,
        [
            ("copy-of-3".to_owned(), "identical text".to_owned()),
            ("draft-3".to_owned(), "same id".to_owned())
        ]
    );
    assert!(
        check
            .sources
            .iter()
            .all(|s| s.id != "draft-3" && s.id != "copy-of-3"),
        "{check:#?}"
    );
    assert!(check.reused_fraction > 0.2 && check.reused_fraction < 0.6);

    // CLI: JSON names them with their reason; text says so; --include-self keeps them.
    let out = reprint()
        .args(["check", "--format", "json"])
        .arg(&idx)
        .arg("-")
        .write_stdin(jsonl("draft-3", &article))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reasons: Vec<&str> = v["excluded_self"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"same id") && reasons.contains(&"identical text"),
        "{v}"
    );
    reprint()
        .args(["check"])
        .arg(&idx)
        .arg("-")
        .write_stdin(jsonl("draft-3", &article))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "left out draft-3 (the article itself: same id; --include-self keeps it)",
        ));
    let out = reprint()
        .args(["check", "--format", "json", "--include-self"])
        .arg(&idx)
        .arg("-")
        .write_stdin(jsonl("draft-3", &article))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["excluded_self"], serde_json::json!([]));
    assert_eq!(v["sources"][0]["share"].as_f64().unwrap(), 1.0, "{v}");
}

#[test]
fn fail_above_exits_3_when_an_article_reuses_more() {
    let dir = tempfile::tempdir().unwrap();
    let idx = cli_index(dir.path(), &seeds_except(SEEDS[3]), &[]);
    let article = seed_path(SEEDS[3]); // reuses 20..60%
    reprint()
        .args(["check", "--fail-above", "0.1"])
        .arg(&idx)
        .arg(&article)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("1 article reuses more than 10.0%"));
    reprint()
        .args(["check", "--fail-above", "0.9"])
        .arg(&idx)
        .arg(&article)
        .assert()
        .success();
    for bad in ["-0.1", "1.5", "lots"] {
        reprint()
            .args(["check", "--fail-above", bad])
            .arg(&idx)
            .arg(&article)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--fail-above"));
    }
}

#[test]
fn text_in_more_archived_documents_than_the_cap_is_reported_as_widely_copied() {
    let dir = tempfile::tempdir().unwrap();
    // One agency story copied verbatim into 6 archived documents, over a cap of 4.
    let story = words(77, 120);
    let mut docs: Vec<(String, String)> = (0..6)
        .map(|i| {
            (
                format!("paper-{i}"),
                format!("{}\n\n{story}", words(100 + i, 40)),
            )
        })
        .collect();
    docs.push(("other".into(), words(5, 100)));
    let idx = cli_index(dir.path(), &docs, &["--max-df", "4"]);
    let article = format!("{story}\n\n{}", words(999, 40));
    let index = Index::open(&idx).unwrap();
    let checker = Checker::new(&index, CheckConfig::default()).unwrap();
    let check = checker.check("draft", &article).unwrap();
    assert_eq!(check.reused_words, 0, "{check:#?}");
    assert!(
        check.widely_copied_words >= 115 && check.widely_copied_words <= 120,
        "{}",
        check.widely_copied_words
    );
    let share = check.widely_copied_fraction;
    assert!((share - check.widely_copied_words as f64 / check.words as f64).abs() < 1e-12);
    reprint()
        .args(["check"])
        .arg(&idx)
        .arg("-")
        .write_stdin(jsonl("draft", &article))
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{:.0}% of its words are in text found in more than 4 archived documents (widely copied)",
            share * 100.0
        )));
    let html = dir.path().join("report.html");
    let out = reprint()
        .args(["check", "--format", "json", "--html"])
        .arg(&html)
        .arg(&idx)
        .arg("-")
        .write_stdin(jsonl("draft", &article))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["widely_copied_words"], check.widely_copied_words);
    let report = fs::read_to_string(&html).unwrap();
    assert!(
        report.contains("of its words are in text found in more than 4 archived documents"),
        "{report}"
    );
    // An original article has none.
    let fresh = checker.check("fresh", &words(4242, 80)).unwrap();
    assert_eq!((fresh.widely_copied_words, fresh.reused_words), (0, 0));
}

#[test]
fn check_while_replace_commits_never_misses_a_segment() {
    let dir = tempfile::tempdir().unwrap();
    let params = IndexParams::default();
    let story = words(31, 80);
    build(dir.path(), &[("a".into(), story.clone())], params);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (dir, done, story) = (dir.path().to_path_buf(), done.clone(), story.clone());
        std::thread::spawn(move || {
            for i in 0..400 {
                let text = format!("{story} update {i}");
                let mut w = crate::index::open_writer(&dir, params);
                let (tokens, shingles) = reprint::index::shingle_text(&text, &params);
                w.add("a", &text, shingles, tokens.len(), true).unwrap();
                w.commit().unwrap();
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
            }
        })
    };
    for run in 0..40 {
        let out = reprint()
            .args(["check", "--format", "json"])
            .arg(dir.path())
            .arg("-")
            .write_stdin(jsonl("draft", &format!("{story} {}", words(32, 20))))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "run {run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["sources"][0]["doc"], "a", "run {run}");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.join().unwrap();
}

/// A water-utility story (written for this test).
const WATER_SOURCE: &str = "The Northvale water authority said on Tuesday it would raise household \
tariffs by 14 percent from March, blaming a second summer of drought that has left its reservoirs at \
their lowest level in three decades. The authority's chairman, Miriam Okafor, told reporters that \
pumping water from deep aquifers had doubled the cost of supply and that the increase was needed to \
keep the network running. Farmers in the valley, who pay a separate rate, will see their charges rise \
by nine percent.\n\nConsumer groups condemned the decision, saying families already struggling with \
energy bills could not absorb another rise. The regional government has promised rebates for \
low-income households but has not said how they will be funded. Engineers have warned that the main \
pipeline from the Calder reservoir, built in 1962, loses nearly a quarter of its water through leaks. \
The authority plans to replace forty kilometres of old pipes over the next five years at an estimated \
cost of 310 million.\n\nRainfall across the region has been less than half the long-term average since \
January, according to the national weather service, and forecasters expect a dry autumn. Several \
towns have already banned garden hoses and the filling of private swimming pools. Okafor said further \
restrictions could follow if the reservoirs keep falling through the winter.\n";

/// A news brief rewording [`WATER_SOURCE`] sentence by sentence: synonyms, clauses
/// turned round, words dropped; it keeps fewer than two of the source's 5-word shingles.
const WATER_BRIEF: &str = "Households served by the Northvale water authority will pay 14 percent \
more starting in March, the authority announced Tuesday. It blamed the drought, now in its second \
summer, which has pushed reservoirs to their lowest levels in thirty years. Chairman Miriam Okafor \
said supply costs had doubled because water now has to be pumped from deep aquifers, and that without \
the increase the network could not keep running. Valley farmers, charged at a separate rate, face a \
rise of nine percent. The decision was condemned by consumer groups, who said families struggling with \
energy bills cannot absorb another increase. Low-income households have been promised rebates by the \
regional government, though it has not explained how they would be funded. Leaks in the Calder \
reservoir's main pipeline, which dates from 1962, waste almost a quarter of the water it carries, engineers warned. \
Over five years the authority intends to swap out forty kilometres of ageing pipes.\n";

/// Regression: a short article rewording its source throughout was reported as 0%
/// reused (too few shared 5-word shingles to be a candidate), although aligning the
/// two texts finds the passage. Its stem pairs make the source a candidate now.
#[test]
fn short_reworded_brief_finds_its_source_through_stem_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = seeds_except("");
    docs.push(("water.txt".to_owned(), WATER_SOURCE.to_owned()));
    let index = build(dir.path(), &docs, IndexParams::default());
    let params = *index.params();
    let shingles = |t: &str| -> std::collections::HashSet<u64> {
        reprint::index::shingle_text(t, &params)
            .1
            .into_iter()
            .collect()
    };
    let shared = shingles(WATER_BRIEF)
        .intersection(&shingles(WATER_SOURCE))
        .count();
    assert!(
        shared < 2,
        "the brief shares {shared} shingles: not reworded enough"
    );
    let direct = align(
        &PreparedDoc::new(WATER_SOURCE, &params.normalize),
        &PreparedDoc::new(WATER_BRIEF, &params.normalize),
        &AlignConfig::default(),
    );
    assert!(
        !direct.is_empty(),
        "aligning the two texts finds the passage"
    );

    let shingles_only = CheckConfig {
        short_article_words: 0,
        ..CheckConfig::default()
    };
    let before = Checker::new(&index, shingles_only)
        .unwrap()
        .check("brief", WATER_BRIEF)
        .unwrap();
    assert_eq!(before.reused_words, 0, "{before:?}");

    let now = Checker::new(&index, CheckConfig::default())
        .unwrap()
        .check("brief", WATER_BRIEF)
        .unwrap();
    assert_eq!(now.sources.len(), 1, "{now:?}");
    assert_eq!(now.sources[0].id, "water.txt");
    assert!(now.reused_fraction > 0.6, "{}", now.reused_fraction);

    // An article longer than the limit does not take the stem-pair path.
    let long = CheckConfig {
        short_article_words: before.words - 1,
        ..CheckConfig::default()
    };
    let check = Checker::new(&index, long)
        .unwrap()
        .check("brief", WATER_BRIEF)
        .unwrap();
    assert_eq!(check.reused_words, 0);
}

/// `index add` posts the stem pairs and `check` finds the reworded brief end to end;
/// an index of key scheme 1 (built before stem pairs) is still checked, by shingles.
#[test]
fn cli_finds_the_reworded_brief_and_reads_a_shingles_only_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = seeds_except("");
    docs.push(("water.txt".to_owned(), WATER_SOURCE.to_owned()));
    let index = cli_index(dir.path(), &docs, &[]);
    let brief = dir.path().join("brief.txt");
    fs::write(&brief, WATER_BRIEF).unwrap();
    let reused = |index: &Path, extra: &[&str]| -> f64 {
        let out = crate::succeeded(
            reprint()
                .args(["check", "--format", "json"])
                .args(extra)
                .arg(index)
                .arg(&brief),
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["reused_fraction"].as_f64().unwrap()
    };
    assert!(reused(&index, &[]) > 0.6);
    assert_eq!(reused(&index, &["--short-article-words", "0"]), 0.0);

    let old_dir = dir.path().join("scheme1.idx");
    let old = IndexParams {
        key_scheme: 1,
        ..IndexParams::default()
    };
    build(&old_dir, &docs, old);
    assert_eq!(reused(&old_dir, &[]), 0.0);
    // Adding to it keeps its scheme (no stem pairs for part of the archive).
    reprint()
        .args(["-q", "index", "add"])
        .arg(&old_dir)
        .arg(&brief)
        .assert()
        .success();
    assert_eq!(Index::open(&old_dir).unwrap().params().key_scheme, 1);
}
