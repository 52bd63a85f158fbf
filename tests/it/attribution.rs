//! `reprint scan --source-field/--source-from-folder` with dates: who copies whom.
//! A small collection where the copy direction is known: each story's original, the
//! lag of every copy and the outlet × outlet table must come out as planted, the same
//! in memory and in stages.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

const STORY_A: &str = "The central bank raised its main interest rate by half a percentage point \
    on Tuesday, the third increase this year, citing inflation that has stayed well above its \
    target for more than a year and wages that are rising faster than productivity in most \
    sectors of the economy, according to the statement published after the meeting.";

const STORY_B: &str = "Flooding along the northern river valley forced more than two thousand \
    families from their homes overnight as the water rose above the old stone embankments, \
    and emergency crews used boats to reach villages cut off by the collapsed bridge near the \
    railway junction, the regional governor told reporters at dawn on Friday.";

const STORY_C: &str = "The football club confirmed that its veteran goalkeeper will retire at the \
    end of the season after seventeen years between the posts, a record for the league, and \
    said the farewell match against his first club would be played in front of a sold out \
    stadium with every ticket proceeds going to the children's hospital charity.";

/// `(id, outlet, date, text)`: story A from the wire copied by the daily two hours
/// later and by the weekly three days later; story B from the daily, copied by the
/// wire half an hour later; story C published by the daily and the weekly at the same
/// instant, the weekly's document the longer (so the original although listed
/// second); one unrelated record without an outlet.
pub(crate) fn records() -> Vec<(&'static str, Option<&'static str>, &'static str, String)> {
    vec![
        (
            "w1",
            Some("wire"),
            "2024-03-05T08:00:00Z",
            format!("Markets wrap. {STORY_A} Traders expect another move in June."),
        ),
        (
            "d1",
            Some("daily"),
            "2024-03-05T10:00:00Z",
            format!("Business. {STORY_A}"),
        ),
        (
            "k1",
            Some("weekly"),
            "2024-03-08T08:00:00Z",
            format!("The week in money. {STORY_A} Our columnist disagrees."),
        ),
        (
            "d2",
            Some("daily"),
            "2024-03-06T12:00:00Z",
            format!("Breaking. {STORY_B} More to follow."),
        ),
        (
            "w2",
            Some("wire"),
            "2024-03-06T12:30:00Z",
            format!("Weather desk. {STORY_B}"),
        ),
        (
            "d3",
            Some("daily"),
            "2024-03-07T18:00:00Z",
            format!("Sport. {STORY_C}"),
        ),
        (
            "k3",
            Some("weekly"),
            "2024-03-07T18:00:00Z",
            format!("Sport of the week, from our correspondent at the ground. {STORY_C} He is forty-one."),
        ),
        (
            "x1",
            None,
            "2024-03-07T09:00:00Z",
            "A short unrelated note about a village fete and its prize-winning marrows."
                .to_string(),
        ),
    ]
}

/// Writes [`records`] as JSON Lines with `outlet` and `date` fields.
pub(crate) fn write_corpus(path: &Path) {
    let lines: Vec<String> = records()
        .into_iter()
        .map(|(id, outlet, date, text)| {
            let mut r = serde_json::json!({"id": id, "date": date, "text": text});
            if let Some(o) = outlet {
                r["outlet"] = serde_json::json!(o);
            }
            r.to_string()
        })
        .collect();
    fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn scan_json(input: &Path, extra: &[&str]) -> (Vec<u8>, Value) {
    let out = crate::succeeded(
        reprint()
            .args(["scan", "-q", "--format", "json", "--date-field", "date"])
            .args(["--source-field", "outlet"])
            .args(extra)
            .arg(input),
    );
    let report = serde_json::from_slice(&out.stdout).unwrap();
    (out.stdout, report)
}

/// The member of `cluster` in document `doc`.
fn member<'a>(cluster: &'a Value, doc: &str) -> &'a Value {
    cluster["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["doc"] == doc)
        .unwrap_or_else(|| panic!("no member in {doc}: {cluster:#}"))
}

/// A story: a document of it, its original, and each member's lag in seconds.
type Story = (&'static str, &'static str, &'static [(&'static str, i64)]);

#[test]
fn originals_lags_and_outlet_table_follow_the_planted_copies() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("news.jsonl");
    write_corpus(&input);
    let (bytes, report) = scan_json(&input, &[]);
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 3, "{report:#}");
    // (a document of the story, its original, lag of each member in seconds)
    let expected: [Story; 3] = [
        ("w1", "w1", &[("w1", 0), ("d1", 7_200), ("k1", 259_200)]),
        ("d2", "d2", &[("d2", 0), ("w2", 1_800)]),
        ("d3", "k3", &[("d3", 0), ("k3", 0)]),
    ];
    for (doc, original, lags) in expected {
        let c = clusters
            .iter()
            .find(|c| {
                c["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["doc"] == doc)
            })
            .unwrap();
        let o = c["original"].as_u64().expect("an original") as usize;
        assert_eq!(c["members"][o]["doc"], original, "{c:#}");
        for &(d, lag) in lags {
            assert_eq!(member(c, d)["lag_seconds"], lag, "{d}: {c:#}");
        }
    }
    let a = &report["attribution"];
    // The outlet table: (from, to, copies), and bytes = the copies' span lengths.
    let cells: Vec<(String, String, u64)> = a["copied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["from"].as_str().unwrap().to_string(),
                c["to"].as_str().unwrap().to_string(),
                c["copies"].as_u64().unwrap(),
            )
        })
        .collect();
    let cell = |f: &str, t: &str| (f.to_string(), t.to_string(), 1);
    assert_eq!(
        cells,
        vec![
            cell("daily", "wire"),
            cell("weekly", "daily"),
            cell("wire", "daily"),
            cell("wire", "weekly"),
        ]
    );
    let span = |c: &Value, d: &str| {
        let m = member(c, d);
        m["end"].as_u64().unwrap() - m["start"].as_u64().unwrap()
    };
    let story_a = clusters
        .iter()
        .find(|c| c["members"][0]["doc"] == "w1")
        .unwrap();
    let wire_daily = a["copied"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["from"] == "wire" && c["to"] == "daily")
        .unwrap();
    assert_eq!(wire_daily["bytes"], span(story_a, "d1"));
    assert_eq!(a["copied_unknown_outlet"]["copies"], 0);
    // Lags: 0 (the tie), 30 min, 2 h, 3 days.
    let bins: Vec<u64> = a["lags"]["bins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["copies"].as_u64().unwrap())
        .collect();
    assert_eq!(bins, [2, 1, 0, 0, 1, 0]);
    assert_eq!(a["lags"]["median_seconds"], 1_800);
    assert_eq!(a["lags"]["p90_seconds"], 259_200);
    // Outlets, and the record without one counted.
    let outlets: Vec<&str> = a["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["outlet"].as_str().unwrap())
        .collect();
    assert_eq!(outlets, ["daily", "weekly", "wire"]);
    assert_eq!(report["stats"]["no_outlet"], 1);
    assert_eq!(a["top_stories"][0]["original_doc"], "w1");
    assert_eq!(a["top_stories"][0]["outlets"], 2);
    // The staged scan writes the same bytes.
    let work = dir.path().join("work");
    let (staged, _) = scan_json(&input, &["--work-dir", work.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&staged),
        String::from_utf8_lossy(&bytes)
    );
    // The text report has the section.
    let text = scan_text(&input);
    assert!(
        text.contains("Who copies whom: 3 clusters with a dated original, 3 outlets"),
        "{text}"
    );
    assert!(text.contains("daily copied from wire: 1 copy"), "{text}");
}

/// The text report of a scan of `input` with its dates and outlets.
fn scan_text(input: &Path) -> String {
    let out = crate::succeeded(
        reprint()
            .args(["scan", "-q", "--date-field", "date"])
            .args(["--source-field", "outlet"])
            .arg(input),
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON and text reports of the small collection, as snapshots: the per-cluster
/// `original`, `lag_seconds` and `outlet` fields and the `attribution` summary, and
/// the text report's marks and section.
#[test]
fn attribution_reports_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("news.jsonl");
    write_corpus(&input);
    let (json, _) = scan_json(&input, &[]);
    insta::assert_snapshot!("scan_attribution_json", String::from_utf8(json).unwrap());
    insta::assert_snapshot!("scan_attribution_text", scan_text(&input));
}

#[test]
fn outlet_from_folder_names_the_first_folder_below_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("news");
    for (folder, name, text) in [
        (
            "wire/2024",
            "a.txt",
            format!("Markets wrap. {STORY_A} Traders expect more."),
        ),
        ("daily", "b.txt", format!("Business. {STORY_A}")),
        ("", "c.txt", format!("Loose file. {STORY_A}")),
    ] {
        let d = root.join(folder);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join(name), text).unwrap();
    }
    let out = crate::succeeded(
        reprint()
            .args(["scan", "-q", "--format", "json", "--source-from-folder"])
            .arg(&root),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let outlets: Vec<(&str, Option<&str>)> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["doc"].as_str().unwrap(), d["outlet"].as_str()))
        .collect();
    assert!(
        outlets
            .iter()
            .any(|(d, o)| d.ends_with("wire/2024/a.txt") && *o == Some("wire")),
        "{outlets:?}"
    );
    assert!(
        outlets
            .iter()
            .any(|(d, o)| d.ends_with("daily/b.txt") && *o == Some("daily")),
        "{outlets:?}"
    );
    assert!(
        outlets
            .iter()
            .any(|(d, o)| d.ends_with("news/c.txt") && o.is_none()),
        "{outlets:?}"
    );
    assert_eq!(report["stats"]["no_outlet"], 1);
    // Undated: no original, no lags, but the outlets are listed.
    assert_eq!(report["clusters"][0]["original"], Value::Null);
    assert_eq!(
        report["attribution"]["outlets"].as_array().unwrap().len(),
        2
    );
    assert_eq!(report["attribution"]["clusters_with_original"], 0);
}
