//! `reprint index add|compact|stats|verify|repair`: build, merge, inspect, check and
//! repair an archive index.

use super::common::InputArgs;
use super::progress::TerminalObserver;
use super::GlobalArgs;
use super::UsageError;
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use reprint::index::compact::AUTO_MERGE_SEGMENTS;
use reprint::index::manifest::Manifest;
use reprint::index::repair::FileStatus;
use reprint::index::{add_sources, AddOptions};
use reprint::index::{ensure_outside, is_index, CompactOptions, Index, IndexParams};
use reprint::report::prose::count;
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
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:\n  reprint index add archive.idx archive-2024.jsonl.gz\n  \
                      reprint index add archive.idx day1/ day2/\n  \
                      reprint index add archive.idx today.jsonl --replace --strict"
    )]
    Add(AddArgs),
    /// Merge segments into fewer (log-structured policy, or everything with --all); drops replaced documents.
    #[command(after_help = "Examples:\n  reprint index compact archive.idx\n  \
                      reprint index compact archive.idx --all")]
    Compact(CompactArgs),
    /// Show documents, size on disk, engine parameters and format version.
    #[command(after_help = "Examples:\n  reprint index stats archive.idx\n  \
                      reprint index stats archive.idx --format json")]
    Stats(StatsArgs),
    /// Read every file of an index and check every checksum (exit 0 sound, 1 damaged).
    #[command(after_help = "Examples:\n  reprint index verify archive.idx\n  \
                      reprint index verify archive.idx --format json || reprint index repair archive.idx")]
    Verify(VerifyArgs),
    /// Rebuild a lost or damaged MANIFEST from the intact segment files; move damaged files aside.
    #[command(after_help = "Examples:\n  reprint index verify archive.idx\n  \
                            reprint index repair archive.idx")]
    Repair(RepairArgs),
}

/// Output format of `index stats` and `index verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// A readable report.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `reprint index add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Index directory (created when absent or an empty folder; never in a folder holding other files).
    index: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Replace documents whose id is already in the index with a different text
    /// (default: report them as conflicts and keep the archived text).
    #[arg(long)]
    replace: bool,
    /// Shingle length in words for candidate lookup (new index only; must match an existing one).
    #[arg(long, value_name = "WORDS", value_parser = super::common::positive_u32)]
    shingle: Option<u32>,
    /// Shingles found in more documents than this are treated as boilerplate (new index only).
    #[arg(long, value_name = "DOCS", value_parser = super::common::positive_u32)]
    max_df: Option<u32>,
    /// Fold diacritics (é = e) when hashing words (new index only).
    #[arg(long)]
    strip_diacritics: bool,
    /// Do not merge segments after adding (by default, once the index has more than
    /// 10 segments, the merge policy of `reprint index compact` is applied).
    #[arg(long)]
    no_merge: bool,
}

/// Arguments of `reprint index compact`.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// Index directory.
    index: PathBuf,
    /// Merge every segment into one (as few as the segment size limits allow) and
    /// drop every replaced document, instead of applying the merge policy.
    #[arg(long)]
    all: bool,
    /// Output format of the summary on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

/// Arguments of `reprint index stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Index directory.
    index: PathBuf,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Deprecated spelling of `--format json`.
    #[arg(long, hide = true)]
    json: bool,
}

/// Arguments of `reprint index verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Index directory.
    index: PathBuf,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

/// Arguments of `reprint index repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Index directory.
    index: PathBuf,
}

/// Runs `reprint index ...`.
pub fn run(args: IndexArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IndexCommand::Add(a) => add(a, global),
        IndexCommand::Compact(a) => compact(a),
        IndexCommand::Stats(a) => stats(a),
        IndexCommand::Verify(a) => verify(a),
        IndexCommand::Repair(a) => repair(a),
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

/// How many conflicting or replaced ids are named before the rest are only counted.
const MAX_DUPLICATE_MESSAGES: usize = 20;

/// Names the first [`MAX_DUPLICATE_MESSAGES`] lines on stderr, then counts the rest.
fn print_capped(lines: &[String]) {
    for line in lines.iter().take(MAX_DUPLICATE_MESSAGES) {
        eprintln!("reprint: {line}");
    }
    if lines.len() > MAX_DUPLICATE_MESSAGES {
        eprintln!(
            "reprint: ... and {} more",
            lines.len() - MAX_DUPLICATE_MESSAGES
        );
    }
}

fn add(args: AddArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    ensure_outside(&args.index, &args.input.inputs)?;
    // Ctrl-C or SIGTERM removes the segments under construction (the index stays as
    // it was: nothing is published before the manifest is replaced).
    super::signals::register_temporaries(&args.index, reprint::index::writer::process_file_tag());
    let params = params_for(&args.index, &args)?;
    let sources = args.input.sources()?;
    let options = AddOptions {
        input: args.input.config(),
        params,
        replace: args.replace,
        strict: args.input.strict,
    };
    let started = std::time::Instant::now();
    let observer = TerminalObserver::new(global.quiet);
    let summary = match add_sources(&args.index, &sources, &options, &observer) {
        Ok(summary) => summary,
        Err(err) => {
            let swapped = matches!(err, reprint::Error::NotAnIndex { .. })
                .then(|| args.input.inputs.first().filter(|first| is_index(first)))
                .flatten();
            let err = anyhow::Error::new(err)
                .context(format!("adding to index {}", args.index.display()));
            return Err(match swapped {
                Some(first) => err.context(format!(
                    "{} is an index: the arguments may be swapped \
                     (`reprint index add INDEX INPUT...`)",
                    first.display()
                )),
                None => err,
            });
        }
    };
    // Conflicts are named even with --quiet: different text was not archived.
    let conflicts: Vec<String> = summary
        .conflict_ids
        .iter()
        .map(|(id, origin)| {
            format!(
                "{origin}: conflict: id {id:?} is already archived with a different text; \
                 not stored (--replace replaces it)"
            )
        })
        .collect();
    print_capped(&conflicts);
    if global.quiet && summary.conflicts > 0 {
        // The summary line is silenced; the count of what was not archived is not.
        eprintln!(
            "reprint: {} not archived",
            count(summary.conflicts, "conflict", "conflicts")
        );
    }
    if !global.quiet {
        let replaced: Vec<String> = summary
            .replaced_ids
            .iter()
            .map(|id| format!("replaced: {id}"))
            .collect();
        print_capped(&replaced);
    }
    let seconds = started.elapsed().as_secs_f64();
    // Merging runs after the commit (the added documents are archived already): a
    // failure here is an error, but the index stays sound, as after any compaction.
    let segments = Manifest::load(&args.index)?.map_or(0, |m| m.segments.len());
    let merged = if args.no_merge || segments <= AUTO_MERGE_SEGMENTS {
        None
    } else {
        Some(
            reprint::index::compact(&args.index, &CompactOptions::default())
                .with_context(|| format!("merging segments of index {}", args.index.display()))?,
        )
    };
    if !global.quiet {
        eprintln!(
            "reprint: added {} ({} replaced, {} already archived identical, {}, {}); \
             index holds {}; {:.1} MB of text in {:.2} s ({:.1} MB/s)",
            count(summary.added + summary.replaced, "document", "documents"),
            summary.replaced,
            summary.identical,
            count(summary.conflicts, "conflict", "conflicts"),
            count(summary.issues, "input issue", "input issues"),
            count(summary.documents, "document", "documents"),
            summary.text_bytes as f64 / 1e6,
            seconds,
            summary.text_bytes as f64 / 1e6 / seconds.max(1e-9),
        );
        if let Some(m) = merged.filter(|m| m.merged_segments > 0) {
            eprintln!(
                "reprint: merged {} into {} (index has {}; `--no-merge` skips this)",
                count(m.merged_segments as u64, "segment", "segments"),
                m.written_segments,
                count(m.segments_after as u64, "segment", "segments"),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn compact(args: CompactArgs) -> anyhow::Result<ExitCode> {
    super::signals::register_temporaries(&args.index, reprint::index::writer::process_file_tag());
    let options = CompactOptions {
        all: args.all,
        ..CompactOptions::default()
    };
    let started = std::time::Instant::now();
    let report = reprint::index::compact(&args.index, &options)
        .with_context(|| format!("compacting index {}", args.index.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &reprint::report::Versioned::new(&report))?;
            writeln!(out)?;
        }
        OutputFormat::Text if report.merged_segments == 0 => writeln!(
            out,
            "{}: nothing to merge ({}, {})",
            args.index.display(),
            count(report.segments_after as u64, "segment", "segments"),
            count(report.documents, "document", "documents"),
        )?,
        OutputFormat::Text => writeln!(
            out,
            "{}: merged {} into {}; {} now ({} before); {} replaced documents dropped; \
             {:.1} MB on disk ({:.1} MB before); {} documents; {seconds:.2} s",
            args.index.display(),
            count(report.merged_segments as u64, "segment", "segments"),
            report.written_segments,
            count(report.segments_after as u64, "segment", "segments"),
            report.segments_before,
            report.dropped_documents,
            report.bytes_after as f64 / 1e6,
            report.bytes_before as f64 / 1e6,
            report.documents,
        )?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let report = reprint::index::verify(&args.index)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &reprint::report::Versioned::new(&report))?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            let status = |s: FileStatus| match s {
                FileStatus::Ok => "ok",
                FileStatus::Missing => "MISSING",
                FileStatus::Damaged => "DAMAGED",
                FileStatus::Incompatible => "INCOMPATIBLE",
            };
            writeln!(out, "index:    {}", args.index.display())?;
            let m = &report.manifest;
            match (&m.message, m.generation) {
                (Some(msg), _) => writeln!(out, "MANIFEST  {}: {msg}", status(m.status))?,
                (None, Some(g)) => writeln!(out, "MANIFEST  ok (generation {g})")?,
                (None, None) => writeln!(out, "MANIFEST  {}", status(m.status))?,
            }
            for s in &report.segments {
                let listed = if s.listed {
                    ""
                } else {
                    " (not in the manifest)"
                };
                let docs = s
                    .documents
                    .map(|d| format!(", {d} documents"))
                    .unwrap_or_default();
                match &s.message {
                    Some(msg) => writeln!(out, "{}  {}{listed}: {msg}", s.name, status(s.status))?,
                    None => writeln!(out, "{}  {}{listed}{docs}", s.name, status(s.status))?,
                }
            }
            for t in &report.temporary_files {
                writeln!(
                    out,
                    "{t}  temporary file of an interrupted writer (removed by the next add)"
                )?;
            }
            if report.sound {
                writeln!(out, "sound: {} live documents", report.documents)?;
            } else {
                writeln!(
                    out,
                    "DAMAGED: `reprint index repair {}` rebuilds the manifest from the intact \
                     segment files and moves damaged files aside",
                    args.index.display()
                )?;
            }
        }
    }
    out.flush()?;
    Ok(if report.sound {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_ERROR)
    })
}

fn repair(args: RepairArgs) -> anyhow::Result<ExitCode> {
    let report = reprint::index::repair(&args.index)
        .with_context(|| format!("repairing index {}", args.index.display()))?;
    let mut out = std::io::stdout().lock();
    if !report.repaired {
        writeln!(
            out,
            "{}: sound, nothing to repair ({} segments, {} documents)",
            args.index.display(),
            report.segments,
            report.documents
        )?;
    } else {
        if report.manifest_rebuilt {
            writeln!(
                out,
                "rebuilt the manifest from {} intact segment file(s); {} older cop(ies) of \
                 re-added ids left out (newest generation kept)",
                report.segments, report.superseded_duplicates
            )?;
        } else {
            writeln!(
                out,
                "dropped damaged or missing segments from the manifest; {} documents lost",
                report.lost_documents
            )?;
        }
        for m in &report.moved_aside {
            writeln!(out, "moved aside: {m}")?;
        }
        writeln!(
            out,
            "{}: repaired; index holds {} documents",
            args.index.display(),
            report.documents
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let index = Index::open(&args.index)?;
    let stats = index.stats();
    let mut out = std::io::stdout().lock();
    if args.json || args.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &reprint::report::Versioned::new(&stats))?;
        writeln!(out)?;
    } else {
        let p = &stats.params;
        writeln!(out, "index:              {}", args.index.display())?;
        writeln!(out, "format version:     {}", stats.format_version)?;
        writeln!(out, "documents:          {}", stats.documents)?;
        writeln!(out, "deleted documents:  {}", stats.deleted_documents)?;
        writeln!(out, "segments:           {}", stats.segments)?;
        if stats.old_format_segments > 0 {
            writeln!(
                out,
                "older format:       {} (read as they are; `reprint index compact --all` \
                 rewrites them)",
                count(stats.old_format_segments as u64, "segment", "segments")
            )?;
        }
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
