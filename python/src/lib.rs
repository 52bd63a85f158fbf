//! `reprint._reprint`: the extension module under the Python package `reprint`.
//!
//! The Rust core does the work; this crate converts Python values, releases the GIL
//! around every kernel (`Python::detach`) and maps the library's errors onto the typed
//! exceptions of `reprint.errors`. The pure-Python layer in `python/reprint/` gives
//! the classes their final, datasketch-compatible shape.

use pyo3::prelude::*;

mod engine;
mod errors;
mod index;
mod jobs;
mod lsh;
mod minhash;
mod scan_engine;
mod scan_stages;

/// The module: the classes and functions the `reprint` package wraps.
#[pymodule]
fn _reprint(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<minhash::MinHashCore>()?;
    m.add_class::<lsh::BandIndex>()?;
    m.add_function(wrap_pyfunction!(lsh::optimal_params, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::dedup_paths, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::scan_paths, m)?)?;
    jobs::add_record_functions(m)?;
    m.add_function(wrap_pyfunction!(jobs::align_texts, m)?)?;
    m.add_function(wrap_pyfunction!(index::index_add, m)?)?;
    m.add_class::<index::IndexReader>()?;
    m.add_class::<engine::ArrowBatch>()?;
    m.add_function(wrap_pyfunction!(engine::sign_batch, m)?)?;
    m.add_function(wrap_pyfunction!(engine::sign_paths, m)?)?;
    m.add_function(wrap_pyfunction!(engine::band_rows, m)?)?;
    m.add_function(wrap_pyfunction!(engine::band_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(engine::verify_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(engine::cluster_members, m)?)?;
    m.add_function(wrap_pyfunction!(engine::clusters_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(engine::dedup_params, m)?)?;
    m.add_function(wrap_pyfunction!(engine::pairs_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(engine::write_kept, m)?)?;
    m.add_function(wrap_pyfunction!(engine::dedup_summary, m)?)?;
    m.add_function(wrap_pyfunction!(scan_stages::scan_settings, m)?)?;
    m.add_function(wrap_pyfunction!(scan_stages::scan_work, m)?)?;
    m.add_function(wrap_pyfunction!(scan_stages::scan_stage, m)?)?;
    m.add_function(wrap_pyfunction!(scan_stages::scan_report, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_read_paths, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_read_batch, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_offsets, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_lines, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_boilerplate, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_grams, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_pair_counts, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_sum_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_align, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_report_docs, m)?)?;
    m.add_function(wrap_pyfunction!(scan_engine::scan_report_rows, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
