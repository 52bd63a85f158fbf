//! The on-disk index of `reprint index add` and `reprint check`, read and written by
//! the library's own code, so an index made here is the CLI's and the other way round.

use std::path::PathBuf;

use pyo3::prelude::*;
use reprint::check::{check_article, check_sources, CheckConfig};
use reprint::exec::Silent;
use reprint::index::compact::AUTO_MERGE_SEGMENTS;
use reprint::index::manifest::Manifest;
use reprint::index::{add_sources, AddOptions, CompactOptions, Index, IndexParams};
use reprint::input::{InputConfig, Sources};
use reprint::report::SCHEMA_VERSION;
use reprint::text::NormalizeConfig;

use crate::errors::{to_py, value_error};

/// One line of `reprint check --format json`: `schema_version`, then the article's
/// result.
fn json_line(check: &reprint::check::ArticleCheck) -> reprint::Result<String> {
    #[derive(serde::Serialize)]
    struct JsonLine<'a> {
        schema_version: u32,
        #[serde(flatten)]
        check: &'a reprint::check::ArticleCheck,
    }
    serde_json::to_string(&JsonLine {
        schema_version: SCHEMA_VERSION,
        check,
    })
    .map_err(|e| reprint::Error::Config(format!("serialising a check result: {e}")))
}

/// The sources of a job of the index: `records` (Python records or a table's Parquet
/// bytes, read in memory, see [`crate::jobs::records::sources`]) when given, else the
/// files and folders `paths`, found when the job runs.
enum Input {
    Paths(Vec<PathBuf>),
    Records(Sources),
}

impl Input {
    fn new(
        paths: Vec<PathBuf>,
        records: Option<&Bound<'_, PyAny>>,
        input: &InputConfig,
    ) -> PyResult<Input> {
        Ok(match records {
            Some(r) => Input::Records(crate::jobs::records::sources(
                r,
                input.id_field(),
                &input.text_field,
            )?),
            None => Input::Paths(paths),
        })
    }

    fn sources(self) -> reprint::Result<Sources> {
        match self {
            Input::Paths(paths) => Sources::discover(&paths),
            Input::Records(sources) => Ok(sources),
        }
    }
}

/// `index_add(index, paths, *, records=None, ...)`: `reprint index add INDEX
/// PATHS...` (or over `records`, read in memory), with the CLI's automatic merge of
/// small segments afterwards. Returns the add summary as a
/// dict-shaped tuple `(added, replaced, identical, conflicts, issues, documents,
/// text_bytes, conflict_ids, replaced_ids)`. Runs without the GIL.
#[pyfunction]
#[pyo3(signature = (index, paths, *, replace, strict, shingle, max_df, strip_diacritics,
                    id_field, text_field, merge, records = None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn index_add(
    py: Python<'_>,
    index: PathBuf,
    paths: Vec<PathBuf>,
    replace: bool,
    strict: bool,
    shingle: Option<u32>,
    max_df: Option<u32>,
    strip_diacritics: bool,
    id_field: Option<String>,
    text_field: String,
    merge: bool,
    records: Option<&Bound<'_, PyAny>>,
) -> PyResult<(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    Vec<(String, String)>,
    Vec<String>,
)> {
    let input = InputConfig {
        id_field,
        text_field,
        ..InputConfig::default()
    };
    let given = Input::new(paths, records, &input)?;
    let result = py.detach(|| -> reprint::Result<_> {
        let existing = Manifest::load(&index)?.map(|m| m.params);
        let mut params = existing.unwrap_or_default();
        if let Some(n) = shingle {
            params.shingle_words = n;
        }
        if let Some(n) = max_df {
            params.max_df = n;
        }
        if strip_diacritics {
            params.normalize = NormalizeConfig {
                strip_diacritics: true,
            };
        }
        params.validate()?;
        let sources = given.sources()?;
        let options = AddOptions {
            input,
            params,
            replace,
            strict,
        };
        let s = add_sources(&index, &sources, &options, &Silent)?;
        let segments = Manifest::load(&index)?.map_or(0, |m| m.segments.len());
        if merge && segments > AUTO_MERGE_SEGMENTS {
            reprint::index::compact(&index, &CompactOptions::default())?;
        }
        Ok((
            s.added,
            s.replaced,
            s.identical,
            s.conflicts,
            s.issues,
            s.documents,
            s.text_bytes,
            s.conflict_ids,
            s.replaced_ids,
        ))
    });
    result.map_err(|e| to_py(py, e))
}

/// An opened index for checking articles against (`reprint check`).
#[pyclass(module = "reprint._reprint", name = "IndexReader")]
pub struct IndexReader {
    index: Index,
    config: CheckConfig,
}

#[pymethods]
impl IndexReader {
    /// `IndexReader(path, *, min_words=None, max_candidates=None, include_self=False)`:
    /// opens the index at `path` with the check settings of `reprint check`.
    #[new]
    #[pyo3(signature = (path, *, min_words = None, max_candidates = None, include_self = false))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        min_words: Option<usize>,
        max_candidates: Option<usize>,
        include_self: bool,
    ) -> PyResult<Self> {
        let mut config = CheckConfig {
            include_self,
            ..CheckConfig::default()
        };
        if let Some(n) = max_candidates {
            config.max_candidates = n;
        }
        if let Some(n) = min_words {
            config.align.min_words = n;
        }
        config.validate().map_err(|e| value_error(e.to_string()))?;
        let index = py.detach(|| Index::open(&path)).map_err(|e| to_py(py, e))?;
        Ok(IndexReader { index, config })
    }

    /// Checks one article: the JSON line `reprint check --format json` writes for it.
    fn check_text(&self, py: Python<'_>, id: String, text: String) -> PyResult<String> {
        let line = py.detach(|| -> reprint::Result<String> {
            let checker = reprint::check::Checker::new(&self.index, self.config.clone())?;
            json_line(&check_article(&checker, &id, &text)?)
        });
        line.map_err(|e| to_py(py, e))
    }

    /// Checks every article of the files `paths` (`reprint check INDEX PATHS...`), or
    /// of `records` (read in memory) when given: the JSON lines, one per article, and
    /// the number of input records skipped.
    #[pyo3(signature = (paths, *, id_field = None, text_field = "text".to_string(), strict = false,
                        records = None))]
    fn check_paths(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        id_field: Option<String>,
        text_field: String,
        strict: bool,
        records: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Vec<String>, u64)> {
        let input = InputConfig {
            id_field,
            text_field,
            ..InputConfig::default()
        };
        let given = Input::new(paths, records, &input)?;
        let out = py.detach(|| -> reprint::Result<_> {
            let sources = given.sources()?;
            let run = check_sources(&self.index, &sources, &input, &self.config, strict, &Silent)?;
            let lines = run
                .articles
                .iter()
                .map(|a| json_line(&a.result))
                .collect::<reprint::Result<Vec<_>>>()?;
            Ok((lines, run.issues))
        });
        out.map_err(|e| to_py(py, e))
    }

    /// The index's parameters: `(shingle_words, max_df, strip_diacritics)`.
    fn params(&self) -> (u32, u32, bool) {
        let p: &IndexParams = self.index.params();
        (p.shingle_words, p.max_df, p.normalize.strip_diacritics)
    }
}
