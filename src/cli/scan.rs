//! `reprint scan`: reused passages across a collection, in overlap clusters.

use super::common::{create_output, InputArgs};
use super::progress::TerminalObserver;
use super::UsageError;
use anyhow::Context;
use clap::{Args, ValueEnum};
use reprint::pipeline::scan::{self, ScanConfig};
use reprint::report;
use reprint::scan::boilerplate::BoilerplateConfig;
use reprint::scan::candidates::CandidateConfig;
use reprint::text::NormalizeConfig;
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

    /// Also write a self-contained HTML report of the clusters (opens in any browser).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,

    /// Shortest passage reported, in words.
    #[arg(long, value_name = "N")]
    min_words: Option<usize>,

    /// Words per n-gram in the candidate index.
    #[arg(long, value_name = "N", default_value_t = CandidateConfig::default().ngram_words)]
    ngram: usize,

    /// Distinct shared n-grams a document pair needs before it is aligned.
    #[arg(long, value_name = "N", default_value_t = CandidateConfig::default().min_shared)]
    min_shared: usize,

    /// Ignore n-grams found in more than N documents (stock phrases).
    #[arg(long, value_name = "N", default_value_t = CandidateConfig::default().max_df)]
    max_df: usize,

    /// JSON field holding a publication date (ISO 8601/RFC 3339, RFC 2822,
    /// DD-MON-YYYY HH:MM:SS, YYYY-MM-DD or Unix seconds; no zone = UTC), compared as
    /// instants; the earliest member of each cluster is reported as its likely source.
    /// An unparseable date is reported and counted (an error under --strict).
    #[arg(long, value_name = "FIELD")]
    date_field: Option<String>,

    /// A short line found in at least N documents is boilerplate.
    #[arg(long, value_name = "N", default_value_t = BoilerplateConfig::default().min_documents)]
    boilerplate_min_docs: usize,

    /// Also fold diacritics (`café` = `cafe`) when comparing words.
    #[arg(long)]
    strip_diacritics: bool,

    /// Alignment settings as a JSON object (fields of the library's `AlignConfig`;
    /// missing fields keep their defaults), for tuning experiments.
    #[arg(long, value_name = "JSON")]
    align_config: Option<String>,

    /// Print no summary, warnings or progress on stderr.
    #[arg(short, long)]
    quiet: bool,
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
        if self.ngram == 0 || self.min_shared == 0 {
            return Err(UsageError(
                "--ngram and --min-shared must be at least 1".into(),
            ));
        }
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
            if n == 0 {
                return Err(UsageError("--min-words must be at least 1".into()));
            }
            config.align.min_words = n;
        }
        config.boilerplate.min_documents = self.boilerplate_min_docs.max(2);
        config.strict = self.input.strict;
        Ok(config)
    }
}

/// Runs `reprint scan`.
pub fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    let sources = args.input.sources()?;
    let observer = TerminalObserver::new(args.quiet);
    let result = scan::run(&sources, &config, &observer)?;
    let path = args.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    let mut out = create_output(&path)?;
    match args.format {
        Format::Text => report::scan_text::write(&result, &mut out),
        Format::Json => report::scan_json::write(&result, &config, &mut out),
        Format::Jsonl => report::scan_jsonl::write(&result, &mut out),
    }
    .with_context(|| format!("writing {}", path.display()))?;
    if let Some(html_path) = &args.html {
        let docs: Vec<(&str, &str)> = result
            .documents
            .iter()
            .map(|d| (d.id.as_str(), d.text.as_str()))
            .collect();
        let clusters: Vec<Vec<(usize, usize, usize)>> = result
            .clusters
            .iter()
            .map(|c| {
                c.passage
                    .members
                    .iter()
                    .map(|m| (m.doc as usize, m.span.start, m.span.end))
                    .collect()
            })
            .collect();
        let mut out = create_output(html_path)?;
        report::html::write_scan(&mut out, "reprint scan", &docs, &clusters)
            .with_context(|| format!("writing {}", html_path.display()))?;
    }
    if !args.quiet {
        let s = &result.stats;
        eprintln!(
            "reprint scan: {} documents, {} skipped; {} candidate pairs, {} with passages; {} clusters, {} boilerplate items; {:.2}s (read {:.2}s, index {:.2}s, align {:.2}s, cluster {:.2}s)",
            s.documents, s.skipped.total, s.candidate_pairs, s.pairs_with_passages, s.clusters, s.boilerplate,
            s.total_seconds, s.read_seconds, s.candidate_seconds, s.align_seconds, s.cluster_seconds
        );
        for (reason, n) in &s.skipped.by_reason {
            eprintln!("  skipped {n} × {reason}");
        }
        for line in super::common::input_tally_lines(&s.input) {
            eprintln!("  {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
