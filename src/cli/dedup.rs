//! `reprint dedup`: near-duplicate documents and a deduplicated dump.

use super::common::{create_output, InputArgs, ShingleArgs};
use super::progress::TerminalObserver;
use super::UsageError;
use anyhow::Context;
use clap::{Args, ValueEnum};
use reprint::lsh::{LshParams, DEFAULT_FN_WEIGHT, DEFAULT_FP_WEIGHT};
use reprint::pipeline::dedup::{self, DedupConfig, DedupResult, KeepPolicy};
use reprint::report;
use std::path::PathBuf;
use std::process::ExitCode;

/// Find near-duplicate documents, write their clusters and a deduplicated dump.
#[derive(Debug, Args)]
pub struct DedupArgs {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    shingle: ShingleArgs,

    /// Write the deduplicated dump here (`-` for stdout): kept JSONL records byte for
    /// byte in input order; whole-file documents as {"id", "text"} lines.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Write one JSON line per duplicate cluster (members with scores against the kept one).
    #[arg(long, value_name = "FILE")]
    clusters: Option<PathBuf>,

    /// Write one JSON line per verified pair with its exact scores.
    #[arg(long, value_name = "FILE")]
    pairs: Option<PathBuf>,

    /// Write the run summary (counts, timings, configuration) as JSON.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,

    /// Minimum exact Jaccard similarity of shingle sets for two documents to be duplicates.
    #[arg(long, default_value_t = 0.8, value_name = "X")]
    threshold: f64,

    /// MinHash signature length.
    #[arg(long, default_value_t = 128, value_name = "N")]
    num_perm: usize,

    /// LSH bands (with --rows; by default chosen from --threshold, weighted toward recall).
    #[arg(long, value_name = "N", requires = "rows")]
    bands: Option<usize>,

    /// LSH rows per band (with --bands).
    #[arg(long, value_name = "N", requires = "bands")]
    rows: Option<usize>,

    /// Seed of the MinHash hash family (results are deterministic for a seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Which document of a cluster to keep.
    #[arg(long, value_enum, default_value_t = Keep::First, conflicts_with = "keep_by")]
    keep: Keep,

    /// Keep the document with the smallest value of this JSON field (e.g. a date).
    #[arg(long, value_name = "FIELD")]
    keep_by: Option<String>,

    /// Print no summary, warnings or progress on stderr.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Keep {
    /// The first in input order.
    First,
    /// The longest text.
    Longest,
}

impl DedupArgs {
    fn config(&self) -> Result<DedupConfig, UsageError> {
        let (shingle, normalize) = self.shingle.config()?;
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(UsageError(format!(
                "--threshold must be in (0, 1], got {}",
                self.threshold
            )));
        }
        if self.num_perm == 0 {
            return Err(UsageError("--num-perm must be at least 1".into()));
        }
        let lsh = match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => {
                if bands == 0 || rows == 0 || bands * rows > self.num_perm {
                    return Err(UsageError(format!(
                        "--bands × --rows must be between 1 and --num-perm ({})",
                        self.num_perm
                    )));
                }
                LshParams { bands, rows }
            }
            _ => LshParams::optimal(
                self.threshold,
                self.num_perm,
                DEFAULT_FP_WEIGHT,
                DEFAULT_FN_WEIGHT,
            ),
        };
        let mut input = self.input.config();
        let keep = match (&self.keep_by, self.keep) {
            (Some(field), _) => {
                input.keep_by_field = Some(field.clone());
                KeepPolicy::ByField
            }
            (None, Keep::First) => KeepPolicy::First,
            (None, Keep::Longest) => KeepPolicy::Longest,
        };
        let stdout_uses = [
            &self.output,
            &self.clusters,
            &self.pairs,
            &self.summary_json,
        ]
        .iter()
        .filter(|p| p.as_ref().is_some_and(|p| p.as_os_str() == "-"))
        .count();
        if stdout_uses > 1 {
            return Err(UsageError("only one output can go to stdout (-)".into()));
        }
        Ok(DedupConfig {
            input,
            shingle,
            normalize,
            num_perm: self.num_perm,
            seed: self.seed,
            lsh,
            threshold: self.threshold,
            keep,
            strict: self.input.strict,
            ..DedupConfig::default()
        })
    }
}

/// Runs `reprint dedup`.
pub fn run(args: DedupArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    let sources = args.input.sources()?;
    let observer = TerminalObserver::new(args.quiet);
    let result = dedup::run(&sources, &config, &observer)?;

    if let Some(path) = &args.clusters {
        let mut out = create_output(path)?;
        report::dedup_clusters::write(&result, &mut out)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.pairs {
        let mut out = create_output(path)?;
        report::dedup_pairs::write(&result, &mut out)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let mut written = None;
    if let Some(path) = &args.output {
        let mut out = create_output(path)?;
        written = Some(
            dedup::write_deduplicated(&sources, &config.input, &result, &mut out, &observer)
                .with_context(|| format!("writing {}", path.display()))?,
        );
    }
    if let Some(path) = &args.summary_json {
        let mut out = create_output(path)?;
        report::dedup_summary::write(&result, &config, &mut out)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if !args.quiet {
        print_summary(&result, &config, written);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(result: &DedupResult, config: &DedupConfig, written: Option<u64>) {
    let s = &result.stats;
    eprintln!(
        "reprint dedup: {} documents ({} empty), {} skipped, {:.1} MB",
        s.documents,
        s.empty_documents,
        s.skipped.total,
        s.input_bytes as f64 / 1e6
    );
    for (reason, n) in &s.skipped.by_reason {
        eprintln!("  skipped {n} × {reason}");
    }
    for line in super::common::input_tally_lines(&s.input) {
        eprintln!("  {line}");
    }
    eprintln!(
        "  {} candidate pairs ({} bands × {} rows), {} verified at Jaccard ≥ {}",
        s.candidate_pairs, config.lsh.bands, config.lsh.rows, s.verified_pairs, config.threshold
    );
    eprintln!(
        "  {} clusters holding {} documents; {} removed ({:.2}% duplicates)",
        s.clusters,
        s.documents_in_clusters,
        s.documents_removed,
        s.duplicate_fraction * 100.0
    );
    if let Some(n) = written {
        eprintln!("  {n} documents written");
    }
    let t = &s.stage_seconds;
    eprintln!(
        "  time: read+sign {:.2}s, candidates {:.2}s, verify {:.2}s, cluster {:.2}s; total {:.2}s ({:.0} docs/s, {:.1} MB/s)",
        t.read_and_sign, t.candidates, t.verify, t.cluster, s.total_seconds, s.documents_per_second, s.megabytes_per_second
    );
}
