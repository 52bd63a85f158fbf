//! Command-line front end: flags become validated config structs, the library does
//! the work, and this module alone decides exit codes.
//!
//! Exit codes: 0 success (a broken pipe on output counts as success), 1 runtime
//! error (including bad input under `--strict`), 2 usage error, 3 `check
//! --fail-above` threshold exceeded.

mod align;
mod check;
mod common;
mod dedup;
mod docs;
mod eval;
pub mod index;
mod output;
mod progress;
mod scan;
mod signals;
mod synth;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit code for runtime errors.
pub const EXIT_ERROR: u8 = 1;
/// Exit code for usage errors (also what clap uses).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of `reprint check --fail-above F` when some article's reused fraction
/// exceeds `F` (the check itself succeeded), so that scripts can gate on it.
pub const EXIT_REUSE_ABOVE: u8 = 3;

/// Find near-duplicate documents and reused passages in text collections.
#[derive(Debug, Parser)]
#[command(name = "reprint", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Flags every subcommand takes (before or after its name).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct GlobalArgs {
    /// Print no summary, warnings or progress on stderr (errors and id conflicts are
    /// still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Colour the text reports and messages: auto (a terminal, and NO_COLOR unset),
    /// always, never.
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Worker threads for the parallel stages (0 = one per core).
    #[arg(long, global = true, value_name = "N", default_value_t = 0, value_parser = common::count)]
    pub threads: usize,
}

impl GlobalArgs {
    fn colour_for(&self, terminal: bool) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// Whether to colour what goes to stdout.
    pub fn colour_stdout(&self) -> bool {
        use std::io::IsTerminal;
        self.colour_for(std::io::stdout().is_terminal())
    }

    /// Whether to colour messages on stderr.
    pub fn colour_stderr(&self) -> bool {
        use std::io::IsTerminal;
        self.colour_for(std::io::stderr().is_terminal())
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find near-duplicate documents and write a deduplicated dump.
    #[command(allow_negative_numbers = true, after_help = DEDUP_EXAMPLES)]
    Dedup(dedup::DedupArgs),
    /// Find passages reused across a collection, grouped into overlap clusters.
    #[command(allow_negative_numbers = true, after_help = SCAN_EXAMPLES)]
    Scan(scan::ScanArgs),
    /// Find the passages two text files share, even when reworded.
    #[command(allow_negative_numbers = true, after_help = ALIGN_EXAMPLES)]
    Align(align::AlignArgs),
    /// Build, inspect, verify or repair an archive index (`index add|stats|verify|repair`).
    #[command(allow_negative_numbers = true, after_help = INDEX_EXAMPLES)]
    Index(index::IndexArgs),
    /// Evaluate passage alignment on a benchmark corpus (PAN 2013).
    #[command(after_help = EVAL_EXAMPLES)]
    Eval(eval::EvalArgs),
    /// Write a synthetic news dump with planted near-duplicates and its truth.
    #[command(allow_negative_numbers = true, after_help = SYNTH_EXAMPLES)]
    Synth(synth::SynthArgs),
    /// Check articles against an archive index: reused share, sources and passages.
    #[command(allow_negative_numbers = true, after_help = CHECK_EXAMPLES)]
    Check(check::CheckArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(docs::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a folder.
    #[command(after_help = MAN_EXAMPLES)]
    Man(docs::ManArgs),
}

const DEDUP_EXAMPLES: &str = "Examples:
  reprint dedup dump.jsonl.gz -o deduped.jsonl --clusters clusters.jsonl
  reprint dedup articles/ --threshold 0.7 --keep longest --summary-json run.json
  cat dump.jsonl | reprint dedup - -o - > deduped.jsonl";

const SCAN_EXAMPLES: &str = "Examples:
  reprint scan corpus/seeds
  reprint scan dump.jsonl.gz --format json -o reuse.json --html reuse.html
  reprint scan dump.jsonl --date-field date --summary-json run.json
  reprint scan dump.jsonl --align-config '{\"extension\":{\"min_passage_cosine\":0.42}}'";

const ALIGN_EXAMPLES: &str = "Examples:
  reprint align draft.txt wire.txt
  reprint align --format json a.txt b.txt.gz
  gzip -dc a.txt.gz | reprint align - b.txt
  reprint align --print-config > align.json
  reprint align a.txt b.txt --align-config \"$(cat align.json)\"
  reprint align a.txt b.txt --align-config '{\"seeds\":{\"min_sentence_cosine\":0.4}}'";

const INDEX_EXAMPLES: &str = "Examples:
  reprint index add archive.idx archive-2024.jsonl.gz
  reprint index add archive.idx today/
  reprint index stats archive.idx --format json
  reprint index verify archive.idx";

const EVAL_EXAMPLES: &str = "Examples:
  reprint eval pan13 pan13-text-alignment-training-corpus-2013-01-21
  reprint eval pan13 CORPUS --format json --detections detections/
  reprint eval pan13 CORPUS --align-config '{\"extension\":{\"chain_min_seeds\":0}}'";

const SYNTH_EXAMPLES: &str = "Examples:
  reprint synth reuters.jsonl.gz --docs 100k -o dump.jsonl --truth truth.jsonl
  reprint synth base/ --docs 10k --dup-rate 0.4 -o dump.jsonl --truth truth.jsonl --seed 7";

const CHECK_EXAMPLES: &str = "Examples:
  reprint check archive.idx draft.txt
  reprint check archive.idx drafts.jsonl --format json > reuse.jsonl
  reprint check archive.idx draft.txt --html report.html";

const COMPLETIONS_EXAMPLES: &str = "Examples:
  reprint completions bash > /etc/bash_completion.d/reprint
  reprint completions zsh > \"${fpath[1]}/_reprint\"
  reprint completions fish > ~/.config/fish/completions/reprint.fish";

const MAN_EXAMPLES: &str = "Examples:
  reprint man > reprint.1 && man ./reprint.1
  reprint man --dir /usr/local/share/man/man1";

/// A usage problem found after parsing (an invalid combination of values).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    signals::install();
    let global = cli.global;
    if global.threads > 0 {
        if let Err(e) = reprint::exec::set_threads(global.threads) {
            return exit_for(e.into(), &global);
        }
    }
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Dedup(args) => dedup::run(args, &global),
        Command::Scan(args) => scan::run(args, &global),
        Command::Align(args) => align::run(args, &global),
        Command::Index(args) => index::run(args, &global),
        Command::Eval(args) => eval::run(args, &global),
        Command::Synth(args) => synth::run(args, &global),
        Command::Check(args) => check::run(args, &global),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => exit_for(err, &global),
    }
}

fn exit_for(err: anyhow::Error, global: &GlobalArgs) -> ExitCode {
    if is_broken_pipe(&err) {
        return ExitCode::SUCCESS;
    }
    let (label, code) = if err.downcast_ref::<UsageError>().is_some() {
        ("usage error", EXIT_USAGE)
    } else {
        ("error", EXIT_ERROR)
    };
    let style = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Red.into()));
    if global.colour_stderr() {
        eprintln!(
            "reprint: {}{label}:{} {err:#}",
            style.render(),
            style.render_reset()
        );
    } else {
        eprintln!("reprint: {label}: {err:#}");
    }
    ExitCode::from(code)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<reprint::Error>()
                .is_some_and(|e| e.is_broken_pipe())
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
