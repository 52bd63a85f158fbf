//! `reprint scan`: reused passages across a collection, in overlap clusters.

use super::common::{input_files, time_line, InputArgs};
use super::output::{self, OutputRequest};
use super::progress::TerminalObserver;
use super::GlobalArgs;
use super::UsageError;
use clap::{Args, ValueEnum};
use reprint::report;
use reprint::report::html::{ClusterView, LinkView, MemberView, ScanHtmlLimits};
use reprint::report::prose::count;
use reprint::scan::boilerplate::BoilerplateConfig;
use reprint::scan::candidates::CandidateConfig;
use reprint::scan::{self, ScanConfig};
use reprint::text::NormalizeConfig;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Find passages reused across documents (even reworded) and group them into clusters.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Write the report here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Write the run summary (counts, time per stage, throughput, configuration) as
    /// JSON; timings are only here, so the report itself is the same from run to run.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,

    /// Also write a self-contained HTML report of the clusters (opens in any browser).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,

    /// Clusters shown in full in the HTML report, those in the most documents first;
    /// the others are listed one line each.
    #[arg(long, value_name = "N", default_value_t = ScanHtmlLimits::default().max_clusters, value_parser = super::common::count)]
    html_max_clusters: usize,

    /// Shortest passage reported, in words.
    #[arg(long, value_name = "N", value_parser = super::common::positive)]
    min_words: Option<usize>,

    /// Words per n-gram in the candidate index.
    #[arg(long, value_name = "N", default_value_t = CandidateConfig::default().ngram_words, value_parser = super::common::positive)]
    ngram: usize,

    /// Distinct shared n-grams a document pair needs before it is aligned.
    #[arg(long, value_name = "N", default_value_t = CandidateConfig::default().min_shared, value_parser = super::common::positive)]
    min_shared: usize,

    /// Ignore n-grams found in more than N documents (stock phrases).
    #[arg(long, value_name = "N", default_value_t = CandidateConfig::default().max_df, value_parser = super::common::positive)]
    max_df: usize,

    /// JSON field holding a publication date (ISO 8601/RFC 3339, RFC 2822,
    /// DD-MON-YYYY HH:MM:SS, YYYY-MM-DD or Unix seconds; no zone = UTC), compared as
    /// instants; the earliest member of each cluster is reported as its likely source.
    /// An unparseable date is reported and counted (an error under --strict).
    #[arg(long, value_name = "FIELD")]
    date_field: Option<String>,

    /// A short line found in at least N documents is boilerplate.
    #[arg(long, value_name = "N", default_value_t = BoilerplateConfig::default().min_documents, value_parser = super::common::positive)]
    boilerplate_min_docs: usize,

    /// Also fold diacritics (`café` = `cafe`) when comparing words.
    #[arg(long)]
    strip_diacritics: bool,

    /// Alignment settings as a JSON object grouped by step, as for `reprint align`
    /// (see `reprint align --print-config`; missing fields keep their defaults), for
    /// tuning experiments.
    #[arg(long, value_name = "JSON")]
    align_config: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A readable report.
    Text,
    /// One JSON document.
    Json,
    /// One cluster per line.
    Jsonl,
}

impl ScanArgs {
    fn config(&self) -> Result<ScanConfig, UsageError> {
        if self.max_df < 2 {
            return Err(UsageError("--max-df must be at least 2".into()));
        }
        let mut config = ScanConfig::default();
        config.input = self.input.config();
        config.input.date_field = self.date_field.clone();
        config.normalize = NormalizeConfig {
            strip_diacritics: self.strip_diacritics,
        };
        config.align = super::common::align_config(self.align_config.as_deref())?;
        config.candidates = CandidateConfig {
            ngram_words: self.ngram,
            min_shared: self.min_shared,
            max_df: self.max_df,
        };
        if let Some(n) = self.min_words {
            config.align.min_words = n;
        }
        config.boilerplate.min_documents = self.boilerplate_min_docs.max(2);
        config.strict = self.input.strict;
        Ok(config)
    }
}

/// Runs `reprint scan`.
pub fn run(args: ScanArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    let sources = args.input.sources()?;
    let mut requests = vec![OutputRequest::new(
        "--output",
        args.output.clone().unwrap_or_else(|| PathBuf::from("-")),
    )];
    if let Some(p) = &args.html {
        requests.push(OutputRequest::new("--html", p));
    }
    if let Some(p) = &args.summary_json {
        requests.push(OutputRequest::new("--summary-json", p));
    }
    let mut outputs = output::prepare(&requests, &input_files(&sources))?.into_iter();
    let mut report_out = outputs
        .next()
        .ok_or_else(|| anyhow::anyhow!("no report output"))?;
    let html_out = if args.html.is_some() {
        outputs.next()
    } else {
        None
    };
    let summary_out = outputs.next();
    let observer = TerminalObserver::new(global.quiet);
    let result = scan::run(&sources, &config, &observer)?;
    {
        let mut w = report_out.writer();
        match args.format {
            Format::Text => report::scan_text::write(&result, &mut w),
            Format::Json => report::scan_json::write(&result, &config, &mut w),
            Format::Jsonl => report::scan_jsonl::write(&result, &mut w),
        }?;
        w.flush()?;
    }
    if let Some(mut html_out) = html_out {
        let clusters: Vec<ClusterView> = result
            .clusters
            .iter()
            .enumerate()
            .map(|(number, c)| ClusterView {
                number,
                members: c
                    .passage
                    .members
                    .iter()
                    .map(|m| MemberView {
                        doc: m.doc as usize,
                        start: m.span.start,
                        end: m.span.end,
                    })
                    .collect(),
                links: c
                    .passage
                    .links
                    .iter()
                    .map(|l| LinkView {
                        a: l.a,
                        b: l.b,
                        similarity: l.similarity,
                    })
                    .collect(),
                earliest: c.earliest,
            })
            .collect();
        let limits = ScanHtmlLimits {
            max_clusters: args.html_max_clusters,
            ..ScanHtmlLimits::default()
        };
        let mut w = html_out.writer();
        report::html::write_scan(
            &mut w,
            "reprint scan",
            &result.documents,
            &clusters,
            result.boilerplate.len(),
            &limits,
        )?;
        w.flush()?;
        drop(w);
        html_out.commit()?;
    }
    if let Some(mut summary_out) = summary_out {
        let mut w = summary_out.writer();
        report::summary::write("scan", &result.stats, &config, &mut w)?;
        w.flush()?;
        drop(w);
        summary_out.commit()?;
    }
    report_out.commit()?;
    if !global.quiet {
        let s = &result.stats;
        eprintln!(
            "reprint scan: {}, {} skipped; {}, {} with passages; {}, {}",
            count(s.documents, "document", "documents"),
            s.skipped.total,
            count(s.candidate_pairs, "candidate pair", "candidate pairs"),
            s.pairs_with_passages,
            count(s.clusters, "cluster", "clusters"),
            count(s.boilerplate, "boilerplate item", "boilerplate items"),
        );
        for (reason, n) in &s.skipped.by_reason {
            eprintln!("  skipped {n} × {reason}");
        }
        for line in super::common::input_tally_lines(&s.input) {
            eprintln!("  {line}");
        }
        eprintln!("  {}", time_line(s));
    }
    Ok(ExitCode::SUCCESS)
}
