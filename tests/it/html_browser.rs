//! The HTML report as a browser shows it: rendered by headless Chromium, the DOM
//! must hold the highlighted passages in matching colours on both sides and the
//! source list, and text that looks like a script must stay text. Skipped when
//! /usr/bin/chromium is absent.

use reprint::report::html::{write_check, ArticleView, PassageView, SourceView};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

const ARTICLE: &str = "Fuel riots shook the country this week.\n\n\
    One lesson of recent history is that once Russians are in your house, it's sometimes \
    very difficult to get them to leave, the secretary said.\n\n\
    <script>document.body.appendChild(document.createElement('aside')).id='pwned'</script>\n\n\
    The government said fuel price caps will be restored for six months.";

const SOURCE_A: &str = "Blinken said: one lesson of recent history is that once Russians are \
    in your house, it's sometimes very difficult to get them to leave.";

const SOURCE_B: &str = "In other news, the government said on Thursday that fuel price caps \
    will be restored for six months, officials confirmed.";

fn span_of(text: &str, needle: &str) -> (usize, usize) {
    let start = text.find(needle).expect("needle in text");
    (start, start + needle.len())
}

fn write_report(path: &Path) {
    let docs = [
        ("article <b>1</b>", ARTICLE),
        ("archive/blinken", SOURCE_A),
        ("archive/fuel", SOURCE_B),
    ];
    let quote =
        "once Russians are in your house, it's sometimes very difficult to get them to leave";
    let caps = "fuel price caps will be restored for six months";
    let articles = [ArticleView {
        doc: 0,
        reused_fraction: 0.45,
        widely_copied_fraction: 0.0,
        widely_copied_cap: 100,
        sources: vec![
            SourceView {
                doc: 1,
                share: 0.3,
                passages: vec![PassageView {
                    article: span_of(ARTICLE, quote),
                    source: span_of(SOURCE_A, quote),
                    similarity: 1.0,
                }],
            },
            SourceView {
                doc: 2,
                share: 0.15,
                passages: vec![PassageView {
                    article: span_of(ARTICLE, caps),
                    source: span_of(SOURCE_B, caps),
                    similarity: 1.0,
                }],
            },
        ],
    }];
    let mut file = std::fs::File::create(path).unwrap();
    write_check(&mut file, "Check <report>", &docs, &articles).unwrap();
}

/// Runs Chromium headless with a fresh profile; returns stdout. Kills it after a minute.
fn chromium(profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Read stdout while Chromium runs: a DOM larger than the pipe buffer would
    // otherwise block it forever.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut bytes).map(|_| bytes)
    });
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("chromium did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let bytes = reader.join().expect("reader thread").expect("stdout read");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The opening tag of the element with this id in serialised HTML.
fn tag_with_id<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("element #{id} missing from the DOM"));
    let start = dom[..at].rfind('<').unwrap();
    let end = at + dom[at..].find('>').unwrap();
    &dom[start..=end]
}

fn background(tag: &str) -> &str {
    let at = tag.find("background:").expect("highlight has a colour") + "background:".len();
    let rest = &tag[at..];
    &rest[..rest.find(['"', ';']).unwrap()]
}

#[test]
fn report_renders_highlights_sources_and_keeps_scripts_inert() {
    if !Path::new(CHROMIUM).exists() {
        crate::skip_or_fail(
            "report_renders_highlights_sources_and_keeps_scripts_inert",
            &format!("{CHROMIUM} not found"),
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    write_report(&report);
    let url = format!("file://{}", report.display());

    let dom = chromium(
        &dir.path().join("profile-dom"),
        &["--dump-dom".into(), url.clone()],
    );
    assert!(dom.contains("<body"), "no DOM dumped: {dom}");
    // The injected script stayed text: it would have added an element with this id.
    assert!(!dom.contains("id=\"pwned\""), "injected script ran");
    assert!(dom.contains("&lt;script&gt;document.body.appendChild"));
    // The source list names both sources, most covering first.
    let blinken = dom.find("<tr class=\"source\"><td><a href=\"#art0-s0\">archive/blinken");
    let fuel = dom.find("<tr class=\"source\"><td><a href=\"#art0-s1\">archive/fuel");
    assert!(blinken.is_some() && fuel.is_some(), "source list missing");
    assert!(blinken < fuel);
    assert!(
        dom.contains("article &lt;b&gt;1&lt;/b&gt;"),
        "id not escaped"
    );
    // Each passage is highlighted on both sides in the same colour, linked both ways.
    for pair in ["art0-s0-p0", "art0-s1-p0"] {
        let a = tag_with_id(&dom, &format!("{pair}-a"));
        let s = tag_with_id(&dom, &format!("{pair}-s"));
        assert_eq!(background(a), background(s), "{pair}: colours differ");
        assert!(a.contains(&format!("href=\"#{pair}-s\"")), "{a}");
        assert!(s.contains(&format!("href=\"#{pair}-a\"")), "{s}");
    }
    let quote_at = dom.find("id=\"art0-s0-p0-a\"").unwrap();
    assert!(dom[quote_at..]
        .starts_with("id=\"art0-s0-p0-a\" href=\"#art0-s0-p0-s\" data-target=\"art0-s0-p0-s\""));
    assert!(dom[quote_at..]
        .split("</a>")
        .next()
        .unwrap()
        .ends_with("it's sometimes very difficult to get them to leave"));

    let shot: PathBuf = std::env::var_os("REPRINT_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("report.png"));
    chromium(
        &dir.path().join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1100".into(),
            "--hide-scrollbars".into(),
            url,
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "blank screenshot"
    );
}

/// A scan of many documents: 300 clusters, the largest in 40 documents, one with
/// 5,000 members, and a document whose text holds a script.
fn write_scan_report(path: &Path) {
    use reprint::report::html::{
        write_scan, ClusterView, LinkView, MemberView, ScanHtmlLimits, ScanView, TemplateView,
    };
    let passage = "the same wire paragraph about fuel prices, copied from one outlet to another";
    let mut texts: Vec<String> = Vec::new();
    for d in 0..6000 {
        let lead = if d == 3 {
            "<script>document.body.appendChild(document.createElement('aside')).id='pwned'</script> "
        } else {
            "Local news. "
        };
        texts.push(format!("{lead}{passage}. More text of document {d}."));
    }
    let ids: Vec<String> = (0..texts.len())
        .map(|d| format!("outlet/<i>{d}</i>"))
        .collect();
    let docs: Vec<(&str, &str)> = ids
        .iter()
        .zip(&texts)
        .map(|(i, t)| (i.as_str(), t.as_str()))
        .collect();
    let member = |doc: usize| {
        let start = texts[doc].find(passage).unwrap();
        MemberView {
            doc,
            start,
            end: start + passage.len(),
        }
    };
    let clusters: Vec<ClusterView> = (0..300)
        .map(|n| {
            let size = match n {
                7 => 5000,
                42 => 40,
                _ => 2 + n % 5,
            };
            let members: Vec<MemberView> = (0..size).map(|k| member((n * 3 + k) % 6000)).collect();
            let links = (1..size)
                .map(|k| LinkView {
                    a: 0,
                    b: k,
                    similarity: 0.5 + (k % 5) as f64 / 10.0,
                })
                .collect();
            ClusterView {
                number: n,
                members,
                links,
                earliest: Some(0),
                core: Some(0),
                core_similarity: Some((0.5, 0.7)),
            }
        })
        .collect();
    let templates: Vec<TemplateView> = (0..3)
        .map(|n| TemplateView {
            number: n,
            shape: format!("[name] said it filed <b>{n}</b> registration [number]"),
            documents: 10 * (n + 1),
            passages: 10 * (n + 1),
            slot_share: 0.3,
            examples: vec![member(n), member(n + 1)],
        })
        .collect();
    let mut file = std::fs::File::create(path).unwrap();
    write_scan(
        &mut file,
        "Scan <report>",
        &docs[..],
        &ScanView {
            clusters: &clusters,
            templates: &templates,
            boilerplate: 3,
            attribution: None,
        },
        &ScanHtmlLimits::default(),
    )
    .unwrap();
}

#[test]
fn scan_report_at_news_scale_renders_contents_first_and_stays_escaped() {
    if !Path::new(CHROMIUM).exists() {
        crate::skip_or_fail(
            "scan_report_at_news_scale_renders_contents_first_and_stays_escaped",
            &format!("{CHROMIUM} not found"),
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("scan.html");
    write_scan_report(&report);
    let size = std::fs::metadata(&report).unwrap().len();
    assert!(size < 2_000_000, "report is {size} bytes");
    let dom = chromium(
        &dir.path().join("profile-scan"),
        &["--dump-dom".into(), format!("file://{}", report.display())],
    );
    assert!(dom.contains("</body>"), "no DOM dumped");
    assert!(!dom.contains("id=\"pwned\""), "injected script ran");
    assert!(dom.contains("&lt;script&gt;document.body.appendChild"));
    assert!(dom.contains("outlet/&lt;i&gt;"), "ids not escaped");
    // Contents: the cluster in the most documents first, then the next.
    let contents = &dom[dom.find("id=\"contents\"").expect("contents")..];
    let first_row = contents.find("href=\"#cl7\"").expect("cluster 7 listed");
    let second_row = contents.find("href=\"#cl42\"").expect("cluster 42 listed");
    assert!(first_row < second_row);
    // 200 clusters in full, 100 summarised one line each.
    assert_eq!(dom.matches("<section class=\"cluster\"").count(), 200);
    let more = &dom[dom.find("id=\"more\"").expect("more clusters")..];
    let more = &more[..more.find("id=\"templates\"").unwrap_or(more.len())];
    assert_eq!(more.matches("<tr>").count(), 1 + 100);
    // The 5,000-member cluster lists its first members and counts the rest.
    let big = &dom[dom.find("id=\"cl7\"").unwrap()..];
    let big = &big[..big.find("</section>").unwrap()];
    assert_eq!(big.matches("<li>").count(), 25);
    assert!(big.contains("4975 more"), "rest not counted");
    assert!(big.contains("similarity 0.90 to [0]"), "no link similarity");
    assert!(big.contains("resembles the core [0]"), "no core similarity");
    // Templates: a section of their own, the one in the most documents first, shapes
    // escaped, each with examples.
    let templates = &dom[dom.find("id=\"templates\"").expect("templates section")..];
    let templates = &templates[..templates.find("</section>").unwrap()];
    assert_eq!(templates.matches("<tr id=\"tp").count(), 3);
    let (tp2, tp0) = (
        templates.find("id=\"tp2\"").unwrap(),
        templates.find("id=\"tp0\"").unwrap(),
    );
    assert!(tp2 < tp0, "templates not in the most documents first");
    assert!(templates.contains("[name] said it filed &lt;b&gt;2&lt;/b&gt; registration"));
    assert_eq!(templates.matches("class=\"example\"").count(), 6);
    assert!(!dom[..dom.find("id=\"templates\"").unwrap()].contains("id=\"tp"));
}

/// The attribution section of a real scan's HTML report as Chromium lays it out: the
/// heat map has one cell per non-empty cell of the JSON outlet table and the lag
/// histogram one bar per bin, every one drawn with a non-zero size. A probe script
/// appended to a copy of the report writes the measured sizes into the DOM.
#[test]
fn scan_report_attribution_plots_render() {
    if !Path::new(CHROMIUM).exists() {
        crate::skip_or_fail(
            "scan_report_attribution_plots_render",
            &format!("{CHROMIUM} not found"),
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("news.jsonl");
    crate::attribution::write_corpus(&input);
    let (html, json) = (dir.path().join("scan.html"), dir.path().join("scan.json"));
    crate::succeeded(
        assert_cmd::Command::cargo_bin("reprint")
            .unwrap()
            .args(["scan", "-q", "--format", "json", "--date-field", "date"])
            .args(["--source-field", "outlet", "--html"])
            .arg(&html)
            .arg("-o")
            .arg(&json)
            .arg(&input),
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let cells = report["attribution"]["copied"].as_array().unwrap().len();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("<script src") && !page.contains("href=\"http"),
        "external asset"
    );
    let probe = r#"<script>
const size = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
const heat = document.getElementById('heatmap'), lags = document.getElementById('lags');
const cells = [...heat.querySelectorAll('rect.cell')], bars = [...lags.querySelectorAll('rect.bar')];
const p = document.createElement('pre'); p.id = 'probe';
p.textContent = JSON.stringify({heat: size(heat), lags: size(lags), cells: cells.length,
  drawn_cells: cells.filter(size).length, bars: bars.length, drawn_bars: bars.filter(size).length,
  labels: heat.querySelectorAll('text.row-label').length, legend: !!heat.querySelector('.legend')});
document.body.appendChild(p);
</script></body>"#;
    let probed = dir.path().join("probed.html");
    std::fs::write(&probed, page.replace("</body>", probe)).unwrap();
    let dom = chromium(
        &dir.path().join("profile-attribution"),
        &["--dump-dom".into(), format!("file://{}", probed.display())],
    );
    let start = dom.find("<pre id=\"probe\">").expect("probe ran") + "<pre id=\"probe\">".len();
    let measured: serde_json::Value =
        serde_json::from_str(&dom[start..start + dom[start..].find("</pre>").unwrap()]).unwrap();
    assert_eq!(measured["heat"], true, "{measured}");
    assert_eq!(measured["lags"], true, "{measured}");
    assert_eq!(measured["cells"], cells, "{measured}");
    assert_eq!(measured["drawn_cells"], cells, "{measured}");
    assert_eq!(measured["bars"], 6, "{measured}");
    assert_eq!(measured["drawn_bars"], 6, "{measured}");
    assert_eq!(measured["labels"], 3, "{measured}");
    assert_eq!(measured["legend"], true, "{measured}");
}
