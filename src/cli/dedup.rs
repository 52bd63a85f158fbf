//! `reprint dedup`: near-duplicate documents and a deduplicated dump.

use super::common::{input_files, time_line, InputArgs, ShingleArgs};
use super::output::{self, OutputRequest};
use super::progress::TerminalObserver;
use super::GlobalArgs;
use super::UsageError;
use clap::{Args, ValueEnum};
use reprint::dedup::{self, DedupConfig, DedupResult, KeepPolicy};
use reprint::input::FileType;
use reprint::lsh::LshLayout;
use reprint::report;
use reprint::report::prose::count;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Find near-duplicate documents, write their clusters and a deduplicated dump.
#[derive(Debug, Args)]
pub struct DedupArgs {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    shingle: ShingleArgs,

    /// Write the deduplicated dump here (`-` for stdout), as JSON Lines: kept JSONL
    /// records byte for byte in input order; Parquet rows as the JSON objects of their
    /// columns; whole-file documents as {"id", "text"} lines.
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
    #[arg(long, default_value_t = DedupConfig::default().threshold, value_name = "X")]
    threshold: f64,

    /// MinHash signature length.
    #[arg(long, default_value_t = DedupConfig::default().num_perm, value_name = "N", value_parser = super::common::positive)]
    num_perm: usize,

    /// LSH bands (with --rows; by default chosen from --threshold, weighted toward recall).
    #[arg(long, value_name = "N", requires = "rows", value_parser = super::common::positive)]
    bands: Option<usize>,

    /// LSH rows per band (with --bands).
    #[arg(long, value_name = "N", requires = "bands", value_parser = super::common::positive)]
    rows: Option<usize>,

    /// Seed of the MinHash hash family (results are deterministic for a seed).
    #[arg(long, default_value_t = DedupConfig::default().seed, value_parser = super::common::seed)]
    seed: u64,

    /// Which document of a cluster to keep.
    #[arg(long, value_enum, default_value_t = Keep::First, conflicts_with = "keep_by")]
    keep: Keep,

    /// Keep the document with the smallest value of this JSON field (e.g. a date).
    #[arg(long, value_name = "FIELD")]
    keep_by: Option<String>,

    /// Run as stages over Parquet tables kept in this folder (see docs/STAGES.md): a
    /// killed run given the same folder, inputs and flags resumes where it stopped.
    #[arg(long, value_name = "DIR", help_heading = "Stages")]
    work_dir: Option<PathBuf>,

    /// Run only this stage (for this shard) and write nothing else; the other flags and
    /// inputs must be the same for every stage of a run. Without it every stage still
    /// missing runs here, and the outputs are written.
    #[arg(long, value_enum, requires = "work_dir", help_heading = "Stages")]
    stage: Option<StageName>,

    /// This process's shard of the stage (0-based), with --world-size.
    #[arg(
        long,
        default_value_t = 0,
        requires = "stage",
        value_name = "R",
        help_heading = "Stages"
    )]
    rank: u32,

    /// Number of shards the stage is split into.
    #[arg(long, default_value_t = 1, requires = "stage", value_name = "W",
          value_parser = super::common::positive_u32, help_heading = "Stages")]
    world_size: u32,

    /// The memory the run may hold (e.g. 2GiB, 512MB; by default half of the machine's
    /// or its control group's). When the in-memory run would need more (about 0.72 bytes
    /// per byte of input text) and no --work-dir is given, the run goes as stages in a
    /// temporary work folder beside the output, removed afterwards.
    #[arg(long, value_name = "SIZE", value_parser = super::common::memory_limit)]
    memory_limit: Option<reprint::exec::MemoryLimit>,

    /// Records per sign part: the unit of sharding and resumption.
    #[arg(long, value_name = "N", requires = "work_dir", help_heading = "Stages",
          default_value_t = dedup::stages::DEFAULT_PART_RECORDS, value_parser = clap::value_parser!(u64).range(1..))]
    part_records: u64,
}

/// A stage of a staged run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StageName {
    /// Documents → band keys and shingle fingerprints (sharded by parts of records).
    Sign,
    /// Equal band keys → candidate pairs (sharded by band key).
    Band,
    /// Candidate pairs → exact scores above the threshold (sharded by first document).
    Verify,
    /// Verified pairs → clusters and kept documents (one process).
    Components,
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
        let lsh = match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => LshLayout::Fixed { bands, rows },
            _ => LshLayout::Auto,
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
        if let Some(out) = &self.output {
            if FileType::of_name(&out.to_string_lossy()) == Some(FileType::Parquet) {
                return Err(UsageError(format!(
                    "--output {}: the deduplicated dump is JSON Lines; name it .jsonl",
                    out.display()
                )));
            }
        }
        output::one_stdout(
            [
                &self.output,
                &self.clusters,
                &self.pairs,
                &self.summary_json,
            ]
            .into_iter()
            .flatten(),
        )?;
        let config = DedupConfig {
            input,
            shingle,
            normalize,
            num_perm: self.num_perm,
            seed: self.seed,
            lsh,
            threshold: self.threshold,
            keep,
            strict: self.input.strict,
            memory_limit: self.memory_limit.unwrap_or_default(),
            ..DedupConfig::default()
        };
        // The library checks the ranges; a bad combination of flags is a usage error.
        config.validate().map_err(|e| match e {
            reprint::Error::Config(message) => UsageError(message),
            other => UsageError(other.to_string()),
        })?;
        Ok(config)
    }
}

/// Runs `reprint dedup`.
pub fn run(args: DedupArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    if let Some(dir) = &args.work_dir {
        output::work_dir_outside_inputs(dir, &args.input.inputs)?;
    }
    let sources = args.input.sources()?;
    if let (Some(stage), Some(dir)) = (args.stage, &args.work_dir) {
        return run_stage(&args, stage, dir, &sources, &config, global);
    }
    // Every destination is checked (and its temporary file created) before any work.
    let requests: Vec<OutputRequest> = [
        ("--clusters", &args.clusters),
        ("--pairs", &args.pairs),
        ("--output", &args.output),
        ("--summary-json", &args.summary_json),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_ref().map(|p| OutputRequest::new(flag, p)))
    .collect();
    let mut outputs = output::prepare(&requests, &input_files(&sources))?;
    let observer = TerminalObserver::new(global.quiet);
    // Past the memory limit, the stages run in a folder of our own, removed at the end.
    let spill = match &args.work_dir {
        None if !config.fits_in_memory(&sources) => Some(spill_dir(&args)?),
        _ => None,
    };
    if let (Some(tmp), false) = (&spill, global.quiet) {
        eprintln!(
            "reprint dedup: the in-memory run would need about {} (over the memory limit of {}); \
             running as stages in {}",
            size(dedup::in_memory_estimate(&sources)),
            size(config.memory_limit.bytes()),
            tmp.path().display()
        );
    }
    let result = match (&args.work_dir, &spill) {
        (Some(dir), _) => {
            dedup::stages::run_local(dir, &sources, &config, args.part_records, &observer)?
        }
        (None, Some(tmp)) => {
            dedup::stages::run_local(tmp.path(), &sources, &config, args.part_records, &observer)?
        }
        (None, None) => dedup::run(&sources, &config, &observer)?,
    };

    let mut written = None;
    for (request, out) in requests.iter().zip(outputs.iter_mut()) {
        let mut w = out.writer();
        match request.flag {
            "--clusters" => report::dedup_clusters::write(&result, &mut w)?,
            "--pairs" => report::dedup_pairs::write(&result, &mut w)?,
            "--output" => {
                written = Some(dedup::write_deduplicated(
                    &sources,
                    &config.input,
                    &result,
                    &mut w,
                    &observer,
                )?)
            }
            _ => report::summary::write("dedup", &result.stats, &config, &mut w)?,
        }
        w.flush()?;
    }
    for out in outputs {
        out.commit()?;
    }
    if let Some(tmp) = spill {
        let path = tmp.path().to_path_buf();
        tmp.close()
            .map_err(|e| anyhow::anyhow!("removing the work folder {}: {e}", path.display()))?;
    }
    if !global.quiet {
        print_summary(&result, &config, written);
    }
    Ok(ExitCode::SUCCESS)
}

/// A memory size for messages, e.g. `1.5 GiB`.
fn size(bytes: u64) -> String {
    bytesize::ByteSize::b(bytes).display().iec().to_string()
}

/// The temporary work folder of a run past its memory limit: beside the first output
/// written to a file (`-o` first), else in the current folder; in the system's
/// temporary folder when that one lies inside an input folder.
fn spill_dir(args: &DedupArgs) -> anyhow::Result<tempfile::TempDir> {
    let beside = [
        &args.output,
        &args.clusters,
        &args.pairs,
        &args.summary_json,
    ]
    .into_iter()
    .flatten()
    .find(|p| p.as_os_str() != "-")
    .and_then(|p| p.parent())
    .filter(|p| !p.as_os_str().is_empty())
    .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let outside = |folder: &PathBuf| {
        output::work_dir_outside_inputs(&folder.join(".reprint-dedup"), &args.input.inputs).is_ok()
    };
    let Some(folder) = [beside, std::env::temp_dir()].into_iter().find(outside) else {
        return Err(UsageError(
            "the run is over its memory limit and needs a work folder outside the inputs: \
             give one with --work-dir, or a larger --memory-limit"
                .into(),
        )
        .into());
    };
    tempfile::Builder::new()
        .prefix(".reprint-dedup-")
        .tempdir_in(&folder)
        .map_err(|e| {
            anyhow::anyhow!(
                "creating a temporary work folder in {}: {e}",
                folder.display()
            )
        })
}

/// `reprint dedup --stage S`: one stage for one shard, nothing else written.
fn run_stage(
    args: &DedupArgs,
    stage: StageName,
    dir: &std::path::Path,
    sources: &reprint::input::Sources,
    config: &DedupConfig,
    global: &GlobalArgs,
) -> anyhow::Result<ExitCode> {
    super::common::refuse_outputs_with_stage(&[
        ("--output", &args.output),
        ("--clusters", &args.clusters),
        ("--pairs", &args.pairs),
        ("--summary-json", &args.summary_json),
    ])?;
    let shard = dedup::stages::Shard::new(args.rank, args.world_size)
        .map_err(|e| UsageError(format!("--rank/--world-size: {e}")))?;
    let observer = TerminalObserver::new(global.quiet);
    let work = dedup::stages::WorkDir::create(dir, config, sources, args.part_records)?;
    let report = match stage {
        StageName::Sign => dedup::stages::sign(&work, sources, config, shard, &observer)?,
        StageName::Band => dedup::stages::band(&work, shard, &observer)?,
        StageName::Verify => dedup::stages::verify(&work, shard, &observer)?,
        StageName::Components => dedup::stages::components(&work, &observer)?,
    };
    if !global.quiet {
        let name = format!("{stage:?}").to_lowercase();
        eprintln!(
            "reprint dedup: stage {name}, shard {} of {}: {} made, {} already complete",
            shard.rank(),
            shard.world(),
            report.made,
            report.skipped
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(result: &DedupResult, config: &DedupConfig, written: Option<u64>) {
    let s = &result.stats;
    eprintln!(
        "reprint dedup: {} ({} empty), {} skipped, {:.1} MB",
        count(s.documents, "document", "documents"),
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
    let lsh = config.lsh_params();
    eprintln!(
        "  {} ({} bands × {} rows), {} verified at Jaccard ≥ {}",
        count(s.candidate_pairs, "candidate pair", "candidate pairs"),
        lsh.bands,
        lsh.rows,
        s.verified_pairs,
        config.threshold
    );
    eprintln!(
        "  {} holding {}; {} removed ({:.2}% duplicates)",
        count(s.clusters, "cluster", "clusters"),
        count(s.documents_in_clusters, "document", "documents"),
        s.documents_removed,
        s.duplicate_fraction * 100.0
    );
    if let Some(n) = written {
        eprintln!("  {} written", count(n, "document", "documents"));
    }
    eprintln!("  {}", time_line(s));
}
