//! Per-article latency of `reprint check` against a large archive index.
//!
//! Needs an index and articles, which are too large to keep in the repository;
//! `benches/check_archive.sh` builds both (300,000 archive documents fed in 100
//! `index add` runs) and runs this, before and after `index compact --all`:
//!
//! ```text
//! REPRINT_BENCH_INDEX=/tmp/archbench/idx REPRINT_BENCH_ARTICLES=/tmp/archbench/articles.jsonl \
//!     cargo bench --bench check_latency
//! ```
//! Without the variables it says so and exits (so `cargo bench` stays green).
//! Articles are checked one after another (each aligning its candidates on all
//! cores, as `reprint check` does), after one warm-up pass;
//! it prints the median, p95 and maximum, and fails if no article found a source
//! (a broken check must not look fast).

use reprint::check::check_article;
use reprint::check::{CheckConfig, Checker};
use reprint::index::Index;
use reprint::input::{read_all, InputConfig, Sources};
use std::path::PathBuf;
use std::time::Instant;

/// CPU time of the whole process (all threads), in milliseconds: the work done,
/// whatever else the machine is running.
fn process_cpu_ms() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes into the timespec passed by pointer.
        if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6;
        }
    }
    f64::NAN
}

fn main() {
    let (Some(index_dir), Some(articles)) = (
        std::env::var_os("REPRINT_BENCH_INDEX"),
        std::env::var_os("REPRINT_BENCH_ARTICLES"),
    ) else {
        eprintln!(
            "check_latency: set REPRINT_BENCH_INDEX and REPRINT_BENCH_ARTICLES \
             (see benches/check_archive.sh); skipped"
        );
        return;
    };
    let opened = Instant::now();
    let index = Index::open(&PathBuf::from(index_dir)).expect("index opens");
    let open_ms = opened.elapsed().as_secs_f64() * 1e3;
    let sources = Sources::discover(&[PathBuf::from(articles)]).expect("articles exist");
    let (docs, issues) = read_all(&sources, &InputConfig::default()).unwrap();
    assert!(issues.is_empty(), "bad article records: {issues:?}");
    let checker = Checker::new(&index, CheckConfig::default()).expect("valid config");
    for d in &docs {
        check_article(&checker, &d.id, &d.text).expect("check runs");
    }
    let mut times = Vec::with_capacity(docs.len());
    let mut cpu_times = Vec::with_capacity(docs.len());
    let mut found = 0usize;
    let mut candidates = 0usize;
    let mut bytes = 0usize;
    for d in &docs {
        let t = Instant::now();
        let cpu = process_cpu_ms();
        let result = check_article(&checker, &d.id, &d.text).expect("check runs");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        cpu_times.push(process_cpu_ms() - cpu);
        found += usize::from(!result.sources.is_empty());
        candidates += result.candidates;
        bytes += d.text.len();
    }
    times.sort_by(f64::total_cmp);
    cpu_times.sort_by(f64::total_cmp);
    let quantile = |v: &[f64], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    let pick = |q: f64| quantile(&times, q);
    println!(
        "check_latency: {} documents in index, {} articles (mean {} bytes), open {:.1} ms",
        index.doc_count(),
        docs.len(),
        bytes / docs.len().max(1),
        open_ms
    );
    println!(
        "check_latency: median {:.2} ms, p95 {:.2} ms, max {:.2} ms; mean {:.1} candidates, \
         {} of {} articles with sources",
        pick(0.5),
        pick(0.95),
        pick(1.0),
        candidates as f64 / docs.len().max(1) as f64,
        found,
        docs.len()
    );
    println!(
        "check_latency: CPU time per article (all threads): median {:.2} ms, p95 {:.2} ms",
        quantile(&cpu_times, 0.5),
        quantile(&cpu_times, 0.95)
    );
    assert!(
        found > 0,
        "no article found any source: the check is broken"
    );
}
