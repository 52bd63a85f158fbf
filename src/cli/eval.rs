//! `reprint eval pan13 DIR`: alignment quality on the PAN 2013 text alignment corpus.

use super::GlobalArgs;
use clap::{Args, Subcommand, ValueEnum};
use reprint::text::NormalizeConfig;
use reprint_tools::eval::pan13::{write_detections, Corpus, Report, ReportRow};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Evaluate passage alignment on a benchmark corpus.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub benchmark: Benchmark,
}

/// The benchmarks `reprint eval` knows.
#[derive(Debug, Subcommand)]
pub enum Benchmark {
    /// PAN 2013 text alignment corpus: plagdet, precision, recall, granularity.
    #[command(
        after_help = "Examples:\n  reprint eval pan13 pan13-text-alignment-training-corpus-2013-01-21\n  \
                      reprint eval pan13 CORPUS --format json --detections detections/\n  \
                      reprint eval pan13 CORPUS --align-config '{\"extension\":{\"chain_min_seeds\":0}}'"
    )]
    Pan13(Pan13Args),
}

/// Output format of `reprint eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// An aligned table.
    Text,
    /// One JSON document.
    Json,
}

/// Arguments of `reprint eval pan13`.
#[derive(Debug, Args)]
pub struct Pan13Args {
    /// The corpus directory (holding `pairs`, `src/`, `susp/` and the sub-corpora).
    pub corpus: PathBuf,
    /// Also write one PAN detection file per pair into this directory.
    #[arg(long, value_name = "OUT_DIR")]
    pub detections: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Text)]
    pub format: EvalFormat,
    /// Alignment settings as a JSON object grouped by step, as for `reprint align`
    /// (see `reprint align --print-config`; missing fields keep their defaults), for
    /// tuning experiments.
    #[arg(long, value_name = "JSON")]
    pub align_config: Option<String>,
}

/// Runs `reprint eval`.
pub fn run(args: EvalArgs, _global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    match args.benchmark {
        Benchmark::Pan13(a) => run_pan13(a),
    }
}

fn run_pan13(args: Pan13Args) -> anyhow::Result<ExitCode> {
    let cfg = super::common::align_config(args.align_config.as_deref())?;
    // A missing or wrong path is a runtime error (exit 1), as for every command.
    if !args.corpus.exists() {
        anyhow::bail!("{}: No such file or directory", args.corpus.display());
    }
    if !args.corpus.join("pairs").is_file() {
        anyhow::bail!(
            "{}: not a PAN 2013 corpus directory (no `pairs` file)",
            args.corpus.display()
        );
    }
    if let Some(dir) = &args.detections {
        // Detection files share their names with the corpus's truth files: never write
        // them inside the corpus.
        let corpus = std::fs::canonicalize(&args.corpus)?;
        let mut probe = dir.clone();
        let inside = loop {
            if let Ok(p) = std::fs::canonicalize(&probe) {
                break p.starts_with(&corpus);
            }
            match probe.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => probe = parent.to_path_buf(),
                Some(_) => probe = std::path::PathBuf::from("."),
                None => break false,
            }
        };
        if inside {
            return Err(super::UsageError(format!(
                "--detections {} is inside the corpus {}: its truth files would be overwritten",
                dir.display(),
                args.corpus.display()
            ))
            .into());
        }
    }
    let started = std::time::Instant::now();
    let corpus = Corpus::load(&args.corpus)?;
    let detections =
        reprint_tools::eval::detect::detect(&corpus, &cfg, &NormalizeConfig::default())?;
    if let Some(dir) = &args.detections {
        write_detections(dir, &corpus.pairs, &detections)?;
    }
    let report = corpus.score(&detections);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        EvalFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &reprint::report::Versioned::new(&report))?;
            writeln!(out)?;
        }
        EvalFormat::Text => print_table(&mut out, &report)?,
    }
    out.flush()?;
    eprintln!(
        "reprint: aligned {} pairs in {:.1} s",
        corpus.pairs.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn print_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<28} {:>6} {:>6} {:>6} {:>8} {:>9} {:>7} {:>11}",
        "sub-corpus", "pairs", "cases", "dets", "plagdet", "precision", "recall", "granularity"
    )?;
    let row = |out: &mut dyn Write, r: &ReportRow| {
        writeln!(
            out,
            "{:<28} {:>6} {:>6} {:>6} {:>8.4} {:>9.4} {:>7.4} {:>11.4}",
            r.name,
            r.pairs,
            r.score.cases,
            r.score.detections,
            r.score.plagdet,
            r.score.precision,
            r.score.recall,
            r.score.granularity
        )
    };
    for r in &report.rows {
        row(out, r)?;
    }
    row(out, &report.entire)
}
