//! The staged scan's stages, one shard at a time, for engines that schedule them.
//!
//! `reprint scan --work-dir DIR --stage S --rank R --world-size W` runs one shard of
//! one stage; these functions do the same from Python, so that Spark or Ray tasks can
//! run every shard of every stage over one work folder all their workers see, and the
//! driver then reads the report from it. The parts a stage writes are atomic and
//! marked complete, so a task the engine retries after a lost worker finds the parts
//! already made and makes only the rest: the report is the same, byte for byte, as
//! `reprint scan`'s.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use reprint::dedup::stages::Shard;
use reprint::exec::{MemoryLimit, Silent};
use reprint::input::Sources;
use reprint::report;
use reprint::scan::stages::{self, ScanStage, ScanWork, StageSeconds};
use reprint::scan::ScanConfig;

use crate::errors::{to_py, value_error};
use crate::jobs::scan_settings_config;

fn stage_of(name: &str) -> PyResult<ScanStage> {
    Ok(match name {
        "store" => ScanStage::Store,
        "boilerplate" => ScanStage::Boilerplate,
        "grams" => ScanStage::Grams,
        "postings" => ScanStage::Postings,
        "pairs" => ScanStage::Pairs,
        "align" => ScanStage::Align,
        other => {
            return Err(value_error(format!(
                "no scan stage {other:?}: store, boilerplate, grams, postings, pairs or align"
            )))
        }
    })
}

/// `scan_settings(settings)`: checks the settings (JSON) and returns them; raises
/// `ValueError` for a bad one, so that a run fails on the driver and not in a task.
#[pyfunction]
pub fn scan_settings(settings: &str) -> PyResult<String> {
    scan_settings_config(settings)?;
    Ok(settings.to_owned())
}

/// `scan_work(work_dir, paths, settings, memory_limit=None)`: makes the work folder
/// of a staged scan of `paths` (or opens it, checking that it was made for the same
/// inputs and settings). `memory_limit`: bytes one task may hold (default: half the
/// machine's memory), kept in the folder for every stage.
#[pyfunction]
#[pyo3(signature = (work_dir, paths, settings, memory_limit=None))]
pub fn scan_work(
    py: Python<'_>,
    work_dir: PathBuf,
    paths: Vec<PathBuf>,
    settings: &str,
    memory_limit: Option<u64>,
) -> PyResult<()> {
    let config = scan_settings_config(settings)?;
    let out = py.detach(|| -> reprint::Result<()> {
        let sources = Sources::discover(&paths)?;
        let memory = memory_limit.map(MemoryLimit::new).unwrap_or_default();
        ScanWork::create(&work_dir, &config, &sources, memory)?;
        Ok(())
    });
    out.map_err(|e| to_py(py, e))
}

/// `scan_stage(work_dir, paths, settings, stage, rank, world)`: runs shard `rank` of
/// `world` of `stage` (`"store"` takes world 1) in the work folder, skipping the parts
/// already complete; returns `(parts made, parts already complete)`. Runs without
/// the GIL.
#[pyfunction]
pub fn scan_stage(
    py: Python<'_>,
    work_dir: PathBuf,
    paths: Vec<PathBuf>,
    settings: &str,
    stage: &str,
    rank: u32,
    world: u32,
) -> PyResult<(u64, u64)> {
    let config = scan_settings_config(settings)?;
    let stage = stage_of(stage)?;
    let shard = Shard::new(rank, world).map_err(|e| to_py(py, e))?;
    let out = py.detach(|| -> reprint::Result<(u64, u64)> {
        let sources = Sources::discover(&paths)?;
        let work = ScanWork::open(&work_dir)?;
        let report = stages::run_stage(&work, stage, &sources, &config, shard, &Silent)?;
        Ok((report.made, report.skipped))
    });
    out.map_err(|e| to_py(py, e))
}

/// `scan_report(work_dir, paths, settings, format="json")`: the report of a work
/// folder whose stages are all complete, as `reprint scan --format FORMAT` writes it
/// (`"json"`, `"text"` or `"jsonl"`). Raises `reprint.StageIncompleteError` naming
/// the first stage with parts missing.
#[pyfunction]
#[pyo3(signature = (work_dir, paths, settings, format="json"))]
pub fn scan_report(
    py: Python<'_>,
    work_dir: PathBuf,
    paths: Vec<PathBuf>,
    settings: &str,
    format: &str,
) -> PyResult<String> {
    let config = scan_settings_config(settings)?;
    if !matches!(format, "json" | "text" | "jsonl") {
        return Err(value_error(format!(
            "format must be \"json\", \"text\" or \"jsonl\", not {format:?}"
        )));
    }
    let out = py.detach(|| -> reprint::Result<Vec<u8>> {
        let sources = Sources::discover(&paths)?;
        let work = open_checked(&work_dir, &config, &sources)?;
        let result = stages::load_result(&work, &config, StageSeconds::default())?;
        let mut out = Vec::new();
        match format {
            "text" => report::scan_text::write(&result, &mut out)?,
            "jsonl" => report::scan_jsonl::write(&result, &mut out)?,
            _ => report::scan_json::write(&result, &config, &mut out)?,
        }
        Ok(out)
    });
    let bytes = out.map_err(|e| to_py(py, e))?;
    String::from_utf8(bytes).map_err(|e| value_error(format!("report is not UTF-8: {e}")))
}

fn open_checked(dir: &Path, config: &ScanConfig, sources: &Sources) -> reprint::Result<ScanWork> {
    let work = ScanWork::open(dir)?;
    work.check_config(config, sources)?;
    Ok(work)
}
