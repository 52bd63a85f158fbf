//! The library's jobs (`dedup`, `scan`, `align`) run on input files or on Python
//! records held in memory, their reports written by the library's own writers into a
//! buffer: the same bytes the CLI writes.

use std::path::PathBuf;

use pyo3::prelude::*;
use reprint::align::{align, AlignConfig, PreparedDoc};
use reprint::dedup::{DedupConfig, KeepPolicy};
use reprint::exec::Silent;
use reprint::input::{InputConfig, Sources};
use reprint::lsh::LshLayout;
use reprint::report;
use reprint::report::round6;
use reprint::scan::ScanConfig;
use reprint::shingle::ShingleConfig;
use reprint::text::NormalizeConfig;

use crate::errors::{to_py, value_error};

pub(crate) mod records;

/// Adds the functions over records held in memory (`dedup_records`, `scan_records`)
/// to the module.
pub fn add_record_functions(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dedup_records, m)?)?;
    m.add_function(wrap_pyfunction!(scan_records, m)?)?;
    Ok(())
}

/// The report bytes as a `str` (every report writer writes UTF-8 JSON).
fn utf8(bytes: Vec<u8>) -> PyResult<String> {
    String::from_utf8(bytes).map_err(|e| value_error(format!("report is not UTF-8: {e}")))
}

/// The input configuration: fields, as the CLI's `--id-field` and `--text-field` set it.
fn input_config(id_field: Option<String>, text_field: String) -> InputConfig {
    InputConfig {
        id_field,
        text_field,
        ..InputConfig::default()
    }
}

/// The settings of a dedup run as the Python functions take them (the CLI's flags).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct DedupArgs {
    pub(crate) threshold: f64,
    pub(crate) shingle: usize,
    pub(crate) char_ngrams: Option<usize>,
    pub(crate) num_perm: usize,
    pub(crate) seed: u64,
    pub(crate) bands: Option<usize>,
    pub(crate) rows: Option<usize>,
    pub(crate) keep: String,
    pub(crate) keep_by: Option<String>,
    pub(crate) id_field: Option<String>,
    pub(crate) text_field: String,
    pub(crate) strip_diacritics: bool,
    pub(crate) strict: bool,
}

/// The library's configuration for `args` (checked by the library when it runs).
pub fn dedup_config(args: &DedupArgs) -> PyResult<DedupConfig> {
    let DedupArgs {
        threshold,
        shingle,
        char_ngrams,
        num_perm,
        seed,
        bands,
        rows,
        ref keep,
        ref keep_by,
        ref id_field,
        ref text_field,
        strip_diacritics,
        strict,
    } = *args;
    let (keep, keep_by) = (keep.as_str(), keep_by.clone());
    let (id_field, text_field) = (id_field.clone(), text_field.clone());
    let lsh = match (bands, rows) {
        (Some(bands), Some(rows)) => LshLayout::Fixed { bands, rows },
        (None, None) => LshLayout::Auto,
        _ => {
            return Err(value_error(
                "bands and rows are given together or not at all",
            ))
        }
    };
    let mut input = input_config(id_field, text_field);
    let keep = match (keep_by, keep) {
        (Some(field), _) => {
            input.keep_by_field = Some(field);
            KeepPolicy::ByField
        }
        (None, "first") => KeepPolicy::First,
        (None, "longest") => KeepPolicy::Longest,
        (None, other) => {
            return Err(value_error(format!(
                "keep must be \"first\" or \"longest\", not {other:?}"
            )))
        }
    };
    Ok(DedupConfig {
        input,
        shingle: match char_ngrams {
            Some(n) => ShingleConfig::Chars(n),
            None => ShingleConfig::Words(shingle),
        },
        normalize: NormalizeConfig { strip_diacritics },
        num_perm,
        seed,
        lsh,
        threshold,
        keep,
        strict,
        ..DedupConfig::default()
    })
}

/// Runs `reprint dedup` in memory over the sources `sources` makes (called without
/// the GIL) and returns what `--clusters` (or `--pairs`) writes.
fn run_dedup(
    py: Python<'_>,
    config: &DedupConfig,
    pairs: bool,
    sources: impl FnOnce() -> reprint::Result<Sources> + Send,
) -> PyResult<String> {
    let out = py.detach(|| -> reprint::Result<Vec<u8>> {
        config.validate()?;
        let sources = sources()?;
        let result = reprint::dedup::run(&sources, config, &Silent)?;
        let mut out = Vec::new();
        if pairs {
            report::dedup_pairs::write(&result, &mut out)?;
        } else {
            report::dedup_clusters::write(&result, &mut out)?;
        }
        Ok(out)
    });
    utf8(out.map_err(|e| to_py(py, e))?)
}

/// `dedup_paths(paths, settings, *, pairs=False)`: runs `reprint dedup` in memory over
/// the files and folders `paths` with the settings of `reprint._settings.dedup_settings`
/// (JSON) and returns what `--clusters` (or `--pairs` with `pairs=True`) writes: JSON
/// lines. Runs without the GIL.
#[pyfunction]
#[pyo3(signature = (paths, settings, *, pairs=false))]
pub fn dedup_paths(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    settings: &str,
    pairs: bool,
) -> PyResult<String> {
    let config = dedup_config(&parse_dedup_args(settings)?)?;
    run_dedup(py, &config, pairs, || Sources::discover(&paths))
}

/// `dedup_records(records, settings, *, pairs=False)`: [`dedup_paths`] over Python
/// records (an iterable of dicts or `str` texts) handed to the core in memory, as the
/// JSON Lines file of them would be read (see [`records`]). Holds the GIL only while
/// it reads the records.
#[pyfunction]
#[pyo3(signature = (records, settings, *, pairs=false))]
pub fn dedup_records(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    settings: &str,
    pairs: bool,
) -> PyResult<String> {
    let config = dedup_config(&parse_dedup_args(settings)?)?;
    // Invalid settings are reported before the records are read.
    config.validate().map_err(|e| to_py(py, e))?;
    let sources = records::sources(records, config.input.id_field(), &config.input.text_field)?;
    run_dedup(py, &config, pairs, || Ok(sources))
}

/// The dedup settings from their JSON text (`reprint._settings.dedup_settings`).
pub fn parse_dedup_args(settings: &str) -> PyResult<DedupArgs> {
    serde_json::from_str(settings).map_err(|e| value_error(format!("invalid dedup settings: {e}")))
}

/// Runs `reprint scan` in memory over the sources `sources` makes (called without the
/// GIL) and returns what `--format json` writes.
fn run_scan(
    py: Python<'_>,
    config: &ScanConfig,
    sources: impl FnOnce() -> reprint::Result<Sources> + Send,
) -> PyResult<String> {
    let out = py.detach(|| -> reprint::Result<Vec<u8>> {
        let sources = sources()?;
        let result = reprint::scan::run(&sources, config, &Silent)?;
        let mut out = Vec::new();
        report::scan_json::write(&result, config, &mut out)?;
        Ok(out)
    });
    utf8(out.map_err(|e| to_py(py, e))?)
}

/// `scan_paths(paths, settings)`: runs `reprint scan` in memory over `paths` with
/// the settings of `reprint._settings.scan_settings` (JSON) and returns what `--format
/// json` writes. Runs without the GIL.
#[pyfunction]
pub fn scan_paths(py: Python<'_>, paths: Vec<PathBuf>, settings: &str) -> PyResult<String> {
    let config = scan_settings_config(settings)?;
    run_scan(py, &config, || Sources::discover(&paths))
}

/// `scan_records(records, settings)`: [`scan_paths`] over Python records (an iterable
/// of dicts or `str` texts) handed to the core in memory, as the JSON Lines file of
/// them would be read (see [`records`]). Holds the GIL only while it reads the
/// records.
#[pyfunction]
pub fn scan_records(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    settings: &str,
) -> PyResult<String> {
    let config = scan_settings_config(settings)?;
    let sources = records::sources(records, config.input.id_field(), &config.input.text_field)?;
    run_scan(py, &config, || Ok(sources))
}

/// The settings of a scan as the Python functions take them (the CLI's flags; `None`
/// keeps the CLI's default), in JSON from `reprint._settings.scan_settings`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanArgs {
    pub(crate) min_words: Option<usize>,
    pub(crate) ngram: Option<usize>,
    pub(crate) min_shared: Option<usize>,
    pub(crate) max_df: Option<usize>,
    pub(crate) date_field: Option<String>,
    pub(crate) source_field: Option<String>,
    pub(crate) boilerplate_min_docs: Option<usize>,
    #[serde(default)]
    pub(crate) strip_diacritics: bool,
    /// The alignment settings in the library's grouped shape.
    pub(crate) align_config: Option<serde_json::Value>,
    pub(crate) id_field: Option<String>,
    pub(crate) text_field: Option<String>,
    #[serde(default)]
    pub(crate) strict: bool,
}

/// The library's configuration for `args`, checked (`reprint.ConfigError` for values
/// the library refuses).
pub fn scan_config(args: &ScanArgs) -> PyResult<ScanConfig> {
    let mut input = input_config(
        args.id_field.clone(),
        args.text_field.clone().unwrap_or_else(|| "text".into()),
    );
    input.date_field = args.date_field.clone();
    input.source_field = args.source_field.clone();
    let align = match &args.align_config {
        None => AlignConfig::default(),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|e| value_error(format!("invalid align_config: {e}")))?,
    };
    let mut config = ScanConfig {
        input,
        normalize: NormalizeConfig {
            strip_diacritics: args.strip_diacritics,
        },
        align,
        strict: args.strict,
        ..ScanConfig::default()
    };
    if let Some(n) = args.min_words {
        config.align.min_words = n;
    }
    if let Some(n) = args.ngram {
        config.candidates.ngram_words = n;
    }
    if let Some(n) = args.min_shared {
        config.candidates.min_shared = n;
    }
    if let Some(n) = args.max_df {
        if n < 2 {
            return Err(value_error("max_df must be at least 2"));
        }
        config.candidates.max_df = n;
    }
    if let Some(n) = args.boilerplate_min_docs {
        config.boilerplate.min_documents = n.max(2);
    }
    config
        .validate()
        .map_err(|e| Python::attach(|py| to_py(py, e)))?;
    Ok(config)
}

/// [`scan_config`] of the settings' JSON text.
pub fn scan_settings_config(settings: &str) -> PyResult<ScanConfig> {
    let args: ScanArgs = serde_json::from_str(settings)
        .map_err(|e| value_error(format!("invalid scan settings: {e}")))?;
    scan_config(&args)
}

/// The alignment settings from a JSON object in the library's grouped shape
/// (`None`: the defaults). Unknown fields are an error.
fn parse_align_config(json: Option<&str>) -> PyResult<AlignConfig> {
    match json {
        None => Ok(AlignConfig::default()),
        Some(json) => serde_json::from_str(json)
            .map_err(|e| value_error(format!("invalid align_config: {e}"))),
    }
}

/// One aligned passage: `(a_start, a_end, b_start, b_end, similarity)`.
type Passage = (usize, usize, usize, usize, f64);

/// `align_texts(a, b, *, min_words=None, align_config=None)`: the passages two texts
/// share, as `(a_start, a_end, b_start, b_end, similarity)` with byte offsets into
/// the UTF-8 texts and the similarity rounded as the CLI's JSON rounds it. Runs
/// without the GIL.
#[pyfunction]
#[pyo3(signature = (a, b, *, min_words = None, align_config = None))]
pub fn align_texts(
    py: Python<'_>,
    a: String,
    b: String,
    min_words: Option<usize>,
    align_config: Option<String>,
) -> PyResult<Vec<Passage>> {
    let mut cfg = parse_align_config(align_config.as_deref())?;
    if let Some(n) = min_words {
        cfg.min_words = n;
    }
    Ok(py.detach(|| {
        let norm = NormalizeConfig::default();
        let (pa, pb) = (PreparedDoc::new(&a, &norm), PreparedDoc::new(&b, &norm));
        align(&pa, &pb, &cfg)
            .iter()
            .map(|p| (p.a.start, p.a.end, p.b.start, p.b.end, round6(p.similarity)))
            .collect()
    }))
}
