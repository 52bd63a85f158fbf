//! `reprint index add|stats`: build and inspect an archive index.

use super::common::InputArgs;
use super::progress::TerminalObserver;
use super::UsageError;
use anyhow::Context;
use clap::{Args, Subcommand};
use reprint::index::{Index, IndexParams};
use reprint::pipeline::index_add::{add_sources, AddOptions};
use reprint::text::NormalizeConfig;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Build or inspect an archive index.
#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Debug, Subcommand)]
enum IndexCommand {
    /// Create an index or add documents to it (files, directories, JSON Lines, gz/zst, `-`).
    Add(AddArgs),
    /// Show documents, size on disk, engine parameters and format version.
    Stats(StatsArgs),
}

/// Arguments of `reprint index add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Index directory (created when absent).
    index: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Replace documents whose id is already in the index (default: report and skip).
    #[arg(long)]
    replace: bool,
    /// Shingle length in words for candidate lookup (new index only; must match an existing one).
    #[arg(long, value_name = "WORDS")]
    shingle: Option<u32>,
    /// Shingles found in more documents than this are treated as boilerplate (new index only).
    #[arg(long, value_name = "DOCS")]
    max_df: Option<u32>,
    /// Fold diacritics (é = e) when hashing words (new index only).
    #[arg(long)]
    strip_diacritics: bool,
    /// Do not print progress, skipped duplicates and input issues.
    #[arg(long, short)]
    quiet: bool,
}

/// Arguments of `reprint index stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Index directory.
    index: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `reprint index ...`.
pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IndexCommand::Add(a) => add(a),
        IndexCommand::Stats(a) => stats(a),
    }
}

/// Parameters for the run: those of the existing index unless the user named some,
/// defaults for a new one.
fn params_for(index: &std::path::Path, args: &AddArgs) -> anyhow::Result<IndexParams> {
    let existing = reprint::index::manifest::Manifest::load(index)?.map(|m| m.params);
    let mut params = existing.unwrap_or_default();
    if let Some(n) = args.shingle {
        params.shingle_words = n;
    }
    if let Some(n) = args.max_df {
        params.max_df = n;
    }
    if args.strip_diacritics {
        params.normalize = NormalizeConfig {
            strip_diacritics: true,
        };
    }
    params.validate().map_err(|e| UsageError(e.to_string()))?;
    Ok(params)
}

/// How many skipped or replaced ids are named before the rest are only counted.
const MAX_DUPLICATE_MESSAGES: usize = 20;

fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let params = params_for(&args.index, &args)?;
    let sources = args.input.sources()?;
    let options = AddOptions {
        input: args.input.config(),
        params,
        replace: args.replace,
        strict: args.input.strict,
    };
    let started = std::time::Instant::now();
    let observer = TerminalObserver::new(args.quiet);
    let summary = add_sources(&args.index, &sources, &options, &observer)
        .with_context(|| format!("adding to index {}", args.index.display()))?;
    if !args.quiet {
        let verb = if args.replace {
            "replaced"
        } else {
            "skipped (id already in the index; --replace replaces)"
        };
        for id in summary.duplicate_ids.iter().take(MAX_DUPLICATE_MESSAGES) {
            eprintln!("reprint: {verb}: {id}");
        }
        if summary.duplicate_ids.len() > MAX_DUPLICATE_MESSAGES {
            eprintln!(
                "reprint: ... and {} more",
                summary.duplicate_ids.len() - MAX_DUPLICATE_MESSAGES
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "reprint: added {} documents ({} replaced, {} duplicates skipped, {} input issues); \
         index holds {} documents; {:.1} MB of text in {:.2} s ({:.1} MB/s)",
        summary.added + summary.replaced,
        summary.replaced,
        summary.skipped_duplicates,
        summary.issues,
        summary.documents,
        summary.text_bytes as f64 / 1e6,
        seconds,
        summary.text_bytes as f64 / 1e6 / seconds.max(1e-9),
    );
    Ok(ExitCode::SUCCESS)
}

fn stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let index = Index::open(&args.index)?;
    let stats = index.stats();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &stats)?;
        writeln!(out)?;
    } else {
        let p = &stats.params;
        writeln!(out, "index:              {}", args.index.display())?;
        writeln!(out, "format version:     {}", stats.format_version)?;
        writeln!(out, "documents:          {}", stats.documents)?;
        writeln!(out, "deleted documents:  {}", stats.deleted_documents)?;
        writeln!(out, "segments:           {}", stats.segments)?;
        writeln!(out, "commits:            {}", stats.generation)?;
        writeln!(out, "text:               {} bytes", stats.text_bytes)?;
        writeln!(out, "shingle keys:       {}", stats.keys)?;
        writeln!(out, "postings:           {}", stats.postings)?;
        writeln!(
            out,
            "size on disk:       {} bytes ({:.1} MB)",
            stats.size_bytes,
            stats.size_bytes as f64 / 1e6
        )?;
        writeln!(
            out,
            "engine parameters:  shingle {} words, max df {}, strip diacritics {}, key scheme {}",
            p.shingle_words, p.max_df, p.normalize.strip_diacritics, p.key_scheme
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
