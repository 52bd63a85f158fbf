//! `reprint scan`: reused passages across a collection, in overlap clusters.

use super::common::{input_files, time_line, InputArgs};
use super::output::{self, OutputRequest};
use super::progress::TerminalObserver;
use super::GlobalArgs;
use super::UsageError;
use clap::{Args, ValueEnum};
use reprint::dedup::stages::Shard;
use reprint::exec::MemoryLimit;
use reprint::report;
use reprint::report::html::{
    ClusterView, LinkView, MemberView, ScanHtmlLimits, ScanView, TemplateView,
};
use reprint::report::prose::count;
use reprint::scan::boilerplate::BoilerplateConfig;
use reprint::scan::candidates::CandidateConfig;
use reprint::scan::stages::{ScanStage, ScanWork};
use reprint::scan::templates::TemplateConfig;
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

    /// JSON field naming the outlet (publisher) of each record (a string). With
    /// dates, each cluster's original (the earliest-dated member) is credited to its
    /// outlet and the report tells which outlets copy which. A record without it has
    /// no outlet (counted).
    #[arg(long, value_name = "FIELD")]
    source_field: Option<String>,

    /// Take each document's outlet from the first folder below the folder argument
    /// it was found in (`DIR/reuters/2024/a.txt` is from `reuters`); files directly
    /// in the folder, files named directly and stdin have none. A record's
    /// --source-field, when present, comes first.
    #[arg(long)]
    source_from_folder: bool,

    /// Report every aligned passage pair as reuse: do not tell templates (one wording
    /// filled in with other names and numbers) apart.
    #[arg(long)]
    no_templates: bool,

    /// A passage pair sharing less than this share of its distinct names and
    /// numbers is a template pair, not reuse (0 to 1).
    #[arg(long, value_name = "X", default_value_t = TemplateConfig::default().max_slot_agreement)]
    template_slot_agreement: f64,

    /// Every member of a reuse cluster must have been aligned with the cluster's
    /// core at this similarity or more (0 to 1); components chained through weaker
    /// links are cut.
    #[arg(long, value_name = "X", default_value_t = ScanConfig::default().min_core_similarity)]
    min_core_similarity: f64,

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

    /// Run as stages over files kept in this folder (see docs/STAGES.md), holding at
    /// once only what --memory-limit allows; the report is the same. A killed run
    /// given the same folder, inputs and flags resumes where it stopped.
    #[arg(long, value_name = "DIR", help_heading = "Stages")]
    work_dir: Option<PathBuf>,

    /// Memory a scan may hold (e.g. 2GiB, 512MB; default half of the machine's). A
    /// collection whose in-memory scan would need more is scanned in stages, in a
    /// temporary folder beside the report when no --work-dir is given. A work folder
    /// keeps the plan it was made with.
    #[arg(long, value_name = "SIZE", value_parser = super::common::memory_limit, help_heading = "Stages")]
    memory_limit: Option<MemoryLimit>,

    /// Run only this stage (for this shard) and write nothing else; the other flags and
    /// inputs must be the same for every stage of a run. Without it every stage still
    /// missing runs here, and the report is written.
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
}

/// A stage of a staged scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StageName {
    /// Inputs → text store, documents and short lines (one process).
    Store,
    /// Short lines → boilerplate (sharded by line partition).
    Boilerplate,
    /// Texts → n-gram hashes and repeats (sharded by block of documents).
    Grams,
    /// N-gram hashes → postings (sharded by hash partition).
    Postings,
    /// Postings → candidate pairs (sharded by range of documents).
    Pairs,
    /// Candidate pairs → passages (sharded by block of pairs).
    Align,
}

impl StageName {
    fn stage(self) -> ScanStage {
        match self {
            StageName::Store => ScanStage::Store,
            StageName::Boilerplate => ScanStage::Boilerplate,
            StageName::Grams => ScanStage::Grams,
            StageName::Postings => ScanStage::Postings,
            StageName::Pairs => ScanStage::Pairs,
            StageName::Align => ScanStage::Align,
        }
    }
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
        config.input.source_field = self.source_field.clone();
        config.input.source_from_folder = self.source_from_folder;
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
        if !(0.0..=1.0).contains(&self.min_core_similarity) {
            return Err(UsageError(
                "--min-core-similarity must be between 0 and 1".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.template_slot_agreement) {
            return Err(UsageError(
                "--template-slot-agreement must be between 0 and 1".into(),
            ));
        }
        config.min_core_similarity = self.min_core_similarity;
        config.templates.enabled = !self.no_templates;
        config.templates.max_slot_agreement = self.template_slot_agreement;
        config.strict = self.input.strict;
        Ok(config)
    }
}

/// Runs `reprint scan`.
pub fn run(args: ScanArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    if let Some(dir) = &args.work_dir {
        output::work_dir_outside_inputs(dir, &args.input.inputs)?;
    }
    let sources = args.input.sources()?;
    if let (Some(stage), Some(dir)) = (args.stage, &args.work_dir) {
        return run_stage(&args, stage, dir, &sources, &config, global);
    }
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
    let memory = args.memory_limit.unwrap_or_default();
    // A staged run without a folder of the user's works in a temporary one beside
    // the report, removed when the report is written.
    let mut temporary = None;
    let work_dir = match &args.work_dir {
        Some(dir) => Some(dir.clone()),
        None if scan::estimated_memory(&sources) > memory.bytes() => {
            let beside = args
                .output
                .as_ref()
                .and_then(|p| p.parent())
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            let dir = tempfile::Builder::new()
                .prefix(".reprint-scan-")
                .tempdir_in(&beside)
                .map_err(|e| {
                    anyhow::anyhow!("cannot make a work folder in {}: {e}", beside.display())
                })?;
            output::work_dir_outside_inputs(dir.path(), &args.input.inputs)?;
            if !global.quiet {
                eprintln!(
                    "reprint scan: the inputs need about {} in memory, over the limit of {}; \
                     scanning in stages in {}",
                    bytesize::ByteSize::b(scan::estimated_memory(&sources))
                        .display()
                        .iec(),
                    bytesize::ByteSize::b(memory.bytes()).display().iec(),
                    dir.path().display()
                );
            }
            let path = dir.path().to_path_buf();
            temporary = Some(dir);
            Some(path)
        }
        None => None,
    };
    let result = match &work_dir {
        Some(dir) => scan::stages::run_local(dir, &sources, &config, memory, &observer)?,
        None => scan::run(&sources, &config, &observer)?,
    };
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
                earliest: c.original,
                core: Some(c.core),
                core_similarity: c.core_similarity(),
            })
            .collect();
        let templates: Vec<TemplateView> = result
            .templates
            .iter()
            .enumerate()
            .map(|(number, t)| TemplateView {
                number,
                shape: t.shape.clone(),
                documents: t.passage.document_count(),
                passages: t.passage.members.len(),
                slot_share: t.slot_share,
                examples: t
                    .passage
                    .members
                    .iter()
                    .take(3)
                    .map(|m| MemberView {
                        doc: m.doc as usize,
                        start: m.span.start,
                        end: m.span.end,
                    })
                    .collect(),
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
            &ScanView {
                clusters: &clusters,
                templates: &templates,
                boilerplate: result.boilerplate.len(),
                attribution: result.attribution.as_ref(),
            },
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
            "reprint scan: {}, {} skipped; {}, {} with passages; {}, {}, {}",
            count(s.documents, "document", "documents"),
            s.skipped.total,
            count(s.candidate_pairs, "candidate pair", "candidate pairs"),
            s.pairs_with_passages,
            count(s.clusters, "cluster", "clusters"),
            count(s.templates, "template", "templates"),
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
    drop(result);
    if let Some(dir) = temporary {
        dir.close()
            .map_err(|e| anyhow::anyhow!("cannot remove the temporary work folder: {e}"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `reprint scan --stage S`: one stage for one shard, nothing else written.
fn run_stage(
    args: &ScanArgs,
    stage: StageName,
    dir: &std::path::Path,
    sources: &reprint::input::Sources,
    config: &ScanConfig,
    global: &GlobalArgs,
) -> anyhow::Result<ExitCode> {
    super::common::refuse_outputs_with_stage(&[
        ("--output", &args.output),
        ("--html", &args.html),
        ("--summary-json", &args.summary_json),
    ])?;
    let shard = Shard::new(args.rank, args.world_size)
        .map_err(|e| UsageError(format!("--rank/--world-size: {e}")))?;
    let observer = TerminalObserver::new(global.quiet);
    let memory = args.memory_limit.unwrap_or_default();
    let work = ScanWork::create(dir, config, sources, memory)?;
    let report = scan::stages::run_stage(&work, stage.stage(), sources, config, shard, &observer)?;
    if !global.quiet {
        let name = format!("{stage:?}").to_lowercase();
        eprintln!(
            "reprint scan: stage {name}, shard {} of {}: {} made, {} already complete",
            shard.rank(),
            shard.world(),
            report.made,
            report.skipped
        );
    }
    Ok(ExitCode::SUCCESS)
}
