//! Arrow kernels of the scan stages, for engines that move the rows between them
//! with their own shuffle (`reprint.spark.scan`): each wraps one kernel of
//! [`reprint::scan::kernels`], takes and returns Arrow record batches through the
//! PyCapsule protocol (no row becomes a Python object) and runs without the GIL.
//!
//! Engines have no unsigned integers, so document numbers are `int64`, line keys
//! `int64` (the `u64` bits), n-gram hashes `int32` (the `u32` bits) and byte offsets
//! `int64`. Schemas, in the order of the stages (`reprint._scan_kernels` has them
//! for pyarrow):
//!
//! - documents: `part`, `pos` int64, `id`, `text` utf8, `text_bytes` int64, `date`
//!   utf8, `date_seconds` int64, `date_nanos` int32, `outlet`, `encoding`,
//!   `summary` utf8. Every read task ends with one summary row (`part` −1, the
//!   task's [`ReadSummary`] as JSON in `summary`, the rest null);
//! - lines: `key`, `doc`, `line_start`, `line_end` int64 (short lines);
//! - boilerplate: `key` int64, `kind` int8 (0 repeated line, 1 common line, 2
//!   repeated in document), `doc`, `line_start`, `line_end` int64: one row per
//!   place of every boilerplate line;
//! - masks (input of grams and align): `list<struct<start int64, end int64>>`, the
//!   places of boilerplate lines in a document (null: none);
//! - grams: `gram` int32 (null on a repeat row), `doc` int64, `seq` int32 (a
//!   repeat's place among the document's), `first_start`, `first_end`,
//!   `second_start`, `second_end` int64 (a repeat's two spans);
//! - pair counts: `a`, `b`, `n` int64; candidates: `a`, `b`, `shared` int64;
//! - passages: `a`, `b` int64, `seq` int32 (place in the pair's alignment),
//!   `a_start`, `a_end`, `b_start`, `b_end` int64, `similarity` float64.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, Int32Builder, Int64Builder, Int8Builder, StringBuilder,
};
use arrow_array::{
    Array, ArrayRef, Float64Array, Int32Array, Int64Array, Int8Array, ListArray, RecordBatch,
    StringArray, StructArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use bitvec::vec::BitVec;
use pyo3::prelude::*;
use reprint::dedup::stages::Shard;
use reprint::document::{Document, Origin, Span};
use reprint::input::Sources;
use reprint::scan::boilerplate::{BoilerplateKind, BoilerplateLine};
use reprint::scan::clusters::Edge;
use reprint::scan::kernels::{self, ReadDoc, ReadSummary};
use reprint::scan::{Occurrence, ScanConfig, ScanDocuments};

use crate::engine::{arrow_error, col, export, import_batch, import_batches, opt_col, ArrowBatch};
use crate::errors::{to_py, value_error};
use crate::jobs::scan_settings_config;

/// Document rows per batch a read task hands on.
const DOC_BATCH_ROWS: usize = 512;

fn int64(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Int64, nullable)
}

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn docs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        int64("part", false),
        int64("pos", true),
        utf8("id"),
        utf8("text"),
        int64("text_bytes", true),
        utf8("date"),
        int64("date_seconds", true),
        Field::new("date_nanos", DataType::Int32, true),
        utf8("outlet"),
        utf8("encoding"),
        utf8("summary"),
    ]))
}

fn batch_of(schema: SchemaRef, columns: Vec<ArrayRef>) -> PyResult<RecordBatch> {
    RecordBatch::try_new(schema, columns).map_err(arrow_error)
}

fn lib_error(e: PyErr) -> reprint::Error {
    reprint::Error::Config(e.to_string())
}

/// A document number from a column, checked.
fn doc_number(v: i64) -> PyResult<u32> {
    u32::try_from(v).map_err(|_| value_error(format!("{v} is not a document number")))
}

fn offset(v: i64) -> PyResult<usize> {
    usize::try_from(v).map_err(|_| value_error(format!("{v} is not a byte offset")))
}

/// Document rows being built.
#[derive(Default)]
struct DocRows {
    part: Int64Builder,
    pos: Int64Builder,
    id: StringBuilder,
    text: StringBuilder,
    text_bytes: Int64Builder,
    date: StringBuilder,
    date_seconds: Int64Builder,
    date_nanos: Int32Builder,
    outlet: StringBuilder,
    encoding: StringBuilder,
    summary: StringBuilder,
    rows: usize,
}

impl DocRows {
    fn push(&mut self, d: &ReadDoc) {
        self.part.append_value(d.part as i64);
        self.pos.append_value(d.pos as i64);
        self.id.append_value(&d.doc.id);
        self.text.append_value(&d.doc.text);
        self.text_bytes.append_value(d.doc.text.len() as i64);
        match &d.doc.date {
            Some(date) => {
                self.date.append_value(&date.text);
                self.date_seconds.append_value(date.instant.timestamp());
                self.date_nanos
                    .append_value(date.instant.timestamp_subsec_nanos() as i32);
            }
            None => {
                self.date.append_null();
                self.date_seconds.append_null();
                self.date_nanos.append_null();
            }
        }
        self.outlet.append_option(d.doc.outlet.as_deref());
        self.encoding.append_option(d.doc.encoding);
        self.summary.append_null();
        self.rows += 1;
    }

    fn push_summary(&mut self, summary: &ReadSummary) -> PyResult<()> {
        let json = serde_json::to_string(summary)
            .map_err(|e| value_error(format!("read summary: {e}")))?;
        self.part.append_value(-1);
        self.pos.append_null();
        self.id.append_null();
        self.text.append_null();
        self.text_bytes.append_null();
        self.date.append_null();
        self.date_seconds.append_null();
        self.date_nanos.append_null();
        self.outlet.append_null();
        self.encoding.append_null();
        self.summary.append_value(json);
        self.rows += 1;
        Ok(())
    }

    fn finish(&mut self) -> PyResult<RecordBatch> {
        self.rows = 0;
        batch_of(
            docs_schema(),
            vec![
                Arc::new(self.part.finish()),
                Arc::new(self.pos.finish()),
                Arc::new(self.id.finish()),
                Arc::new(self.text.finish()),
                Arc::new(self.text_bytes.finish()),
                Arc::new(self.date.finish()),
                Arc::new(self.date_seconds.finish()),
                Arc::new(self.date_nanos.finish()),
                Arc::new(self.outlet.finish()),
                Arc::new(self.encoding.finish()),
                Arc::new(self.summary.finish()),
            ],
        )
    }
}

/// Runs a read kernel, cutting its documents into batches and ending with the
/// summary row.
fn read_into_batches(
    read: impl FnOnce(&mut dyn FnMut(ReadDoc) -> reprint::Result<()>) -> reprint::Result<ReadSummary>,
) -> reprint::Result<Vec<RecordBatch>> {
    let mut rows = DocRows::default();
    let mut batches = Vec::new();
    let summary = read(&mut |d| {
        rows.push(&d);
        if rows.rows >= DOC_BATCH_ROWS {
            batches.push(rows.finish().map_err(lib_error)?);
        }
        Ok(())
    })?;
    rows.push_summary(&summary).map_err(lib_error)?;
    batches.push(rows.finish().map_err(lib_error)?);
    Ok(batches)
}

fn export_all(py: Python<'_>, batches: Vec<RecordBatch>) -> PyResult<Vec<Py<ArrowBatch>>> {
    batches.into_iter().map(|b| export(py, b)).collect()
}

/// `scan_read_paths(paths, settings, part_records, rank, world)`: the read stage's
/// shard `rank` of `world` over input files and folders, read as the CLI reads
/// them (parts of `part_records` consecutive records, part `p` in shard
/// `p % world`): the document batches, the last ending with the summary row.
#[pyfunction]
pub fn scan_read_paths(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    settings: &str,
    part_records: u64,
    rank: u32,
    world: u32,
) -> PyResult<Vec<Py<ArrowBatch>>> {
    let config = scan_settings_config(settings)?;
    let batches = py
        .detach(|| {
            let sources = Sources::discover(&paths)?;
            let shard = Shard::new(rank, world)?;
            read_into_batches(|emit| {
                kernels::read_shard(&sources, &config, part_records, shard, emit)
            })
        })
        .map_err(|e| to_py(py, e))?;
    export_all(py, batches)
}

/// `scan_read_batch(batch, settings, part, display)`: the read stage over a batch
/// of an engine's table, one record per row (its columns the record's fields, read
/// as a row of a Parquet file is), as the documents of part `part`; `display` names
/// the batch in messages. Returns the document batches, the last ending with the
/// summary row.
#[pyfunction]
pub fn scan_read_batch(
    py: Python<'_>,
    batch: &Bound<'_, PyAny>,
    settings: &str,
    part: u64,
    display: &str,
) -> PyResult<Vec<Py<ArrowBatch>>> {
    let config = scan_settings_config(settings)?;
    let batch = import_batch(batch)?;
    let batches = py
        .detach(|| {
            read_into_batches(|emit| kernels::read_batch(&batch, display, &config, part, emit))
        })
        .map_err(|e| to_py(py, e))?;
    export_all(py, batches)
}

fn summaries_of(summaries: &[String]) -> PyResult<Vec<ReadSummary>> {
    summaries
        .iter()
        .map(|s| {
            serde_json::from_str(s).map_err(|e| value_error(format!("not a read summary: {e}")))
        })
        .collect()
}

/// `scan_offsets(summaries, settings)`: the read tasks' summaries merged into the
/// number of each part's first document, `[(part, first document)]` in part order.
/// Raises (as the CLI fails) when no record has the text or id field.
#[pyfunction]
pub fn scan_offsets(
    py: Python<'_>,
    summaries: Vec<String>,
    settings: &str,
) -> PyResult<Vec<(i64, i64)>> {
    let config = scan_settings_config(settings)?;
    let totals =
        kernels::merge_reads(&summaries_of(&summaries)?, &config).map_err(|e| to_py(py, e))?;
    Ok(totals
        .offsets
        .into_iter()
        .map(|(p, first)| (p as i64, first as i64))
        .collect())
}

fn lines_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        int64("key", false),
        int64("doc", false),
        int64("line_start", false),
        int64("line_end", false),
    ]))
}

/// `scan_lines(batch, settings)`: the lines short enough to be boilerplate of the
/// documents of a batch of `doc`, `text`.
#[pyfunction]
pub fn scan_lines(
    py: Python<'_>,
    batch: &Bound<'_, PyAny>,
    settings: &str,
) -> PyResult<Py<ArrowBatch>> {
    let config = scan_settings_config(settings)?;
    let batch = import_batch(batch)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let doc = col::<Int64Array>(&batch, "doc", "int64")?;
        let text = col::<StringArray>(&batch, "text", "utf8")?;
        let (mut key, mut docs, mut start, mut end) = (
            Int64Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
        );
        for i in 0..batch.num_rows() {
            let d = doc_number(doc.value(i))?;
            for (k, span) in kernels::short_lines(text.value(i), &config) {
                key.append_value(k as i64);
                docs.append_value(i64::from(d));
                start.append_value(span.start as i64);
                end.append_value(span.end as i64);
            }
        }
        batch_of(
            lines_schema(),
            vec![
                Arc::new(key.finish()),
                Arc::new(docs.finish()),
                Arc::new(start.finish()),
                Arc::new(end.finish()),
            ],
        )
    })?;
    export(py, out)
}

fn kind_code(kind: BoilerplateKind) -> i8 {
    match kind {
        BoilerplateKind::RepeatedLine => 0,
        BoilerplateKind::CommonLine => 1,
        BoilerplateKind::RepeatedInDocument => 2,
    }
}

fn kind_of(code: i8) -> PyResult<BoilerplateKind> {
    Ok(match code {
        0 => BoilerplateKind::RepeatedLine,
        1 => BoilerplateKind::CommonLine,
        2 => BoilerplateKind::RepeatedInDocument,
        other => return Err(value_error(format!("no boilerplate kind {other}"))),
    })
}

fn boilerplate_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        int64("key", false),
        Field::new("kind", DataType::Int8, false),
        int64("doc", false),
        int64("line_start", false),
        int64("line_end", false),
    ]))
}

/// `scan_boilerplate(batches, settings)`: the boilerplate lines among line rows
/// that hold every row of their keys (an engine's partition by `key`), one row per
/// place.
#[pyfunction]
pub fn scan_boilerplate(
    py: Python<'_>,
    batches: Vec<Bound<'_, PyAny>>,
    settings: &str,
) -> PyResult<Py<ArrowBatch>> {
    let config = scan_settings_config(settings)?;
    let batches = import_batches(&batches)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let mut rows: Vec<(u64, u32, Span)> = Vec::new();
        for batch in &batches {
            let key = col::<Int64Array>(batch, "key", "int64")?;
            let doc = col::<Int64Array>(batch, "doc", "int64")?;
            let start = col::<Int64Array>(batch, "line_start", "int64")?;
            let end = col::<Int64Array>(batch, "line_end", "int64")?;
            for i in 0..batch.num_rows() {
                rows.push((
                    key.value(i) as u64,
                    doc_number(doc.value(i))?,
                    Span::new(offset(start.value(i))?, offset(end.value(i))?),
                ));
            }
        }
        let (mut key, mut kind, mut docs, mut start, mut end) = (
            Int64Builder::new(),
            Int8Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
        );
        for (k, line) in kernels::boilerplate_lines(&mut rows, &config) {
            for (d, span) in &line.places {
                key.append_value(k as i64);
                kind.append_value(kind_code(line.kind));
                docs.append_value(i64::from(*d));
                start.append_value(span.start as i64);
                end.append_value(span.end as i64);
            }
        }
        batch_of(
            boilerplate_schema(),
            vec![
                Arc::new(key.finish()),
                Arc::new(kind.finish()),
                Arc::new(docs.finish()),
                Arc::new(start.finish()),
                Arc::new(end.finish()),
            ],
        )
    })?;
    export(py, out)
}

/// The masks of row `i` of a `list<struct<start, end>>` column (null: none),
/// sorted and without repeats.
fn masks_of(list: Option<&ListArray>, i: usize) -> PyResult<Vec<Span>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    if list.is_null(i) {
        return Ok(Vec::new());
    }
    let item = list.value(i);
    let spans = item
        .as_any()
        .downcast_ref::<StructArray>()
        .filter(|s| s.num_columns() == 2)
        .ok_or_else(|| value_error("a masks column is not a list of struct<start, end>"))?;
    let int = |c: usize| {
        spans
            .column(c)
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| value_error("mask offsets are not int64"))
    };
    let (start, end) = (int(0)?, int(1)?);
    let mut places = Vec::with_capacity(spans.len());
    for j in 0..spans.len() {
        places.push(Span::new(offset(start.value(j))?, offset(end.value(j))?));
    }
    Ok(kernels::doc_masks(places))
}

fn list_col<'a>(batch: &'a RecordBatch, name: &str) -> PyResult<Option<&'a ListArray>> {
    opt_col::<ListArray>(batch, name, "list<struct<start, end>>")
}

fn grams_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("gram", DataType::Int32, true),
        int64("doc", false),
        Field::new("seq", DataType::Int32, true),
        int64("first_start", true),
        int64("first_end", true),
        int64("second_start", true),
        int64("second_end", true),
    ]))
}

/// `scan_grams(batch, settings)`: for each document of a batch of `doc`, `text`,
/// `masks`: a row per distinct unmasked n-gram and a row per repeat.
#[pyfunction]
pub fn scan_grams(
    py: Python<'_>,
    batch: &Bound<'_, PyAny>,
    settings: &str,
) -> PyResult<Py<ArrowBatch>> {
    let config = scan_settings_config(settings)?;
    let batch = import_batch(batch)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let doc = col::<Int64Array>(&batch, "doc", "int64")?;
        let text = col::<StringArray>(&batch, "text", "utf8")?;
        let masks = list_col(&batch, "masks")?;
        let mut gram = Int32Builder::new();
        let mut docs = Int64Builder::new();
        let mut seq = Int32Builder::new();
        let mut spans: [Int64Builder; 4] = Default::default();
        for i in 0..batch.num_rows() {
            let d = i64::from(doc_number(doc.value(i))?);
            let (grams, repeats) =
                kernels::index_grams(text.value(i), &masks_of(masks, i)?, &config);
            for g in grams {
                gram.append_value(g as i32);
                docs.append_value(d);
                seq.append_null();
                spans.iter_mut().for_each(|s| s.append_null());
            }
            for (n, (first, second)) in repeats.into_iter().enumerate() {
                gram.append_null();
                docs.append_value(d);
                seq.append_value(n as i32);
                for (s, v) in
                    spans
                        .iter_mut()
                        .zip([first.start, first.end, second.start, second.end])
                {
                    s.append_value(v as i64);
                }
            }
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(gram.finish()),
            Arc::new(docs.finish()),
            Arc::new(seq.finish()),
        ];
        columns.extend(spans.iter_mut().map(|s| Arc::new(s.finish()) as ArrayRef));
        batch_of(grams_schema(), columns)
    })?;
    export(py, out)
}

fn pair_schema(third: &str) -> SchemaRef {
    Arc::new(Schema::new(vec![
        int64("a", false),
        int64("b", false),
        int64(third, false),
    ]))
}

fn pair_batch(third: &str, rows: impl Iterator<Item = (u32, u32, u64)>) -> PyResult<RecordBatch> {
    let (mut a, mut b, mut n) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    for (x, y, z) in rows {
        a.append_value(i64::from(x));
        b.append_value(i64::from(y));
        n.append_value(z as i64);
    }
    batch_of(
        pair_schema(third),
        vec![
            Arc::new(a.finish()),
            Arc::new(b.finish()),
            Arc::new(n.finish()),
        ],
    )
}

/// `scan_pair_counts(batches, settings)`: over n-gram rows (`gram` int32, `doc`)
/// that hold every row of their n-grams (an engine's partition by `gram`), the
/// pairs of documents and how many of these n-grams they share (`a`, `b`, `n`).
#[pyfunction]
pub fn scan_pair_counts(
    py: Python<'_>,
    batches: Vec<Bound<'_, PyAny>>,
    settings: &str,
) -> PyResult<Py<ArrowBatch>> {
    let config = scan_settings_config(settings)?;
    let batches = import_batches(&batches)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let mut postings: Vec<u64> = Vec::new();
        for batch in &batches {
            let gram = col::<Int32Array>(batch, "gram", "int32")?;
            let doc = col::<Int64Array>(batch, "doc", "int64")?;
            for i in 0..batch.num_rows() {
                if gram.is_null(i) {
                    return Err(value_error("column \"gram\" has a null"));
                }
                let d = doc_number(doc.value(i))?;
                postings.push((u64::from(gram.value(i) as u32) << 32) | u64::from(d));
            }
        }
        let counts = kernels::pair_instances(&mut postings, &config);
        pair_batch(
            "n",
            counts.into_iter().map(|(a, b, n)| (a, b, u64::from(n))),
        )
    })?;
    export(py, out)
}

/// `scan_sum_pairs(batches, settings)`: over pair counts that hold every count of
/// their pairs (an engine's partition by `a`, `b`), the candidate pairs (`a`, `b`,
/// `shared`) sharing at least `min_shared` n-grams.
#[pyfunction]
pub fn scan_sum_pairs(
    py: Python<'_>,
    batches: Vec<Bound<'_, PyAny>>,
    settings: &str,
) -> PyResult<Py<ArrowBatch>> {
    let config = scan_settings_config(settings)?;
    let batches = import_batches(&batches)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let mut rows: Vec<(u32, u32, u32)> = Vec::new();
        for batch in &batches {
            let a = col::<Int64Array>(batch, "a", "int64")?;
            let b = col::<Int64Array>(batch, "b", "int64")?;
            let n = col::<Int64Array>(batch, "n", "int64")?;
            for i in 0..batch.num_rows() {
                let count = u32::try_from(n.value(i))
                    .map_err(|_| value_error(format!("{} is not a pair count", n.value(i))))?;
                rows.push((doc_number(a.value(i))?, doc_number(b.value(i))?, count));
            }
        }
        let pairs = kernels::sum_pairs(&mut rows, &config);
        pair_batch(
            "shared",
            pairs.iter().map(|c| (c.a, c.b, u64::from(c.shared))),
        )
    })?;
    export(py, out)
}

fn passages_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        int64("a", false),
        int64("b", false),
        Field::new("seq", DataType::Int32, false),
        int64("a_start", false),
        int64("a_end", false),
        int64("b_start", false),
        int64("b_end", false),
        Field::new("similarity", DataType::Float64, false),
    ]))
}

/// `scan_align(batch, settings)`: the passages of the candidate pairs of a batch of
/// `a`, `b`, `text_a`, `text_b`, `masks_a`, `masks_b` (sorted by `a`, the analysis
/// of each `a` is made once).
#[pyfunction]
pub fn scan_align(
    py: Python<'_>,
    batch: &Bound<'_, PyAny>,
    settings: &str,
) -> PyResult<Py<ArrowBatch>> {
    let config: ScanConfig = scan_settings_config(settings)?;
    let batch = import_batch(batch)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let a = col::<Int64Array>(&batch, "a", "int64")?;
        let b = col::<Int64Array>(&batch, "b", "int64")?;
        let text_a = col::<StringArray>(&batch, "text_a", "utf8")?;
        let text_b = col::<StringArray>(&batch, "text_b", "utf8")?;
        let (masks_a, masks_b) = (list_col(&batch, "masks_a")?, list_col(&batch, "masks_b")?);
        let mut aligner = kernels::PairAligner::new(&config);
        let (mut xa, mut xb, mut seq) = (
            Int64Builder::new(),
            Int64Builder::new(),
            Int32Builder::new(),
        );
        let mut spans: [Int64Builder; 4] = Default::default();
        let mut similarity = Float64Builder::new();
        for i in 0..batch.num_rows() {
            let (da, db) = (doc_number(a.value(i))?, doc_number(b.value(i))?);
            let (ma, mb) = (masks_of(masks_a, i)?, masks_of(masks_b, i)?);
            let found = aligner.align((da, text_a.value(i), &ma), (db, text_b.value(i), &mb));
            for (n, e) in found.into_iter().enumerate() {
                xa.append_value(i64::from(da));
                xb.append_value(i64::from(db));
                seq.append_value(n as i32);
                for (s, v) in spans.iter_mut().zip([
                    e.x.span.start,
                    e.x.span.end,
                    e.y.span.start,
                    e.y.span.end,
                ]) {
                    s.append_value(v as i64);
                }
                similarity.append_value(e.similarity);
            }
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(xa.finish()),
            Arc::new(xb.finish()),
            Arc::new(seq.finish()),
        ];
        columns.extend(spans.iter_mut().map(|s| Arc::new(s.finish()) as ArrayRef));
        columns.push(Arc::new(similarity.finish()));
        batch_of(passages_schema(), columns)
    })?;
    export(py, out)
}

/// The rows a driver gathered, as the report kernel takes them.
type Gathered = (
    Vec<BoilerplateLine>,
    Vec<(u32, (Span, Span))>,
    Vec<((u32, u32), Vec<Edge>)>,
);

fn gather(
    boilerplate: &[RecordBatch],
    repeats: &[RecordBatch],
    passages: &[RecordBatch],
) -> PyResult<Gathered> {
    let span = |s: &Int64Array, e: &Int64Array, i: usize| -> PyResult<Span> {
        Ok(Span::new(offset(s.value(i))?, offset(e.value(i))?))
    };
    let mut places: Vec<(u64, u32, Span, i8)> = Vec::new();
    for batch in boilerplate {
        let key = col::<Int64Array>(batch, "key", "int64")?;
        let kind = col::<Int8Array>(batch, "kind", "int8")?;
        let doc = col::<Int64Array>(batch, "doc", "int64")?;
        let start = col::<Int64Array>(batch, "line_start", "int64")?;
        let end = col::<Int64Array>(batch, "line_end", "int64")?;
        for i in 0..batch.num_rows() {
            places.push((
                key.value(i) as u64,
                doc_number(doc.value(i))?,
                span(start, end, i)?,
                kind.value(i),
            ));
        }
    }
    places.sort_unstable();
    let mut lines = Vec::new();
    for run in places.chunk_by(|x, y| x.0 == y.0) {
        lines.push(BoilerplateLine {
            kind: kind_of(run[0].3)?,
            places: run.iter().map(|p| (p.1, p.2)).collect(),
        });
    }
    let mut found: Vec<(u32, i32, Span, Span)> = Vec::new();
    for batch in repeats {
        let doc = col::<Int64Array>(batch, "doc", "int64")?;
        let seq = col::<Int32Array>(batch, "seq", "int32")?;
        let cols = ["first_start", "first_end", "second_start", "second_end"]
            .map(|c| col::<Int64Array>(batch, c, "int64"));
        let [fs, fe, ss, se] = cols;
        let (fs, fe, ss, se) = (fs?, fe?, ss?, se?);
        for i in 0..batch.num_rows() {
            found.push((
                doc_number(doc.value(i))?,
                seq.value(i),
                span(fs, fe, i)?,
                span(ss, se, i)?,
            ));
        }
    }
    found.sort_unstable();
    let repeats = found.into_iter().map(|r| (r.0, (r.2, r.3))).collect();
    let mut edges: Vec<(u32, u32, i32, Span, Span, f64)> = Vec::new();
    for batch in passages {
        let a = col::<Int64Array>(batch, "a", "int64")?;
        let b = col::<Int64Array>(batch, "b", "int64")?;
        let seq = col::<Int32Array>(batch, "seq", "int32")?;
        let cols =
            ["a_start", "a_end", "b_start", "b_end"].map(|c| col::<Int64Array>(batch, c, "int64"));
        let [as_, ae, bs, be] = cols;
        let (as_, ae, bs, be) = (as_?, ae?, bs?, be?);
        let similarity = col::<Float64Array>(batch, "similarity", "float64")?;
        for i in 0..batch.num_rows() {
            edges.push((
                doc_number(a.value(i))?,
                doc_number(b.value(i))?,
                seq.value(i),
                span(as_, ae, i)?,
                span(bs, be, i)?,
                similarity.value(i),
            ));
        }
    }
    edges.sort_unstable_by_key(|x| (x.0, x.1, x.2));
    let passages = edges
        .chunk_by(|x, y| (x.0, x.1) == (y.0, y.1))
        .map(|run| {
            let pair = (run[0].0, run[0].1);
            let found = run
                .iter()
                .map(|e| Edge {
                    x: Occurrence {
                        doc: e.0,
                        span: e.3,
                    },
                    y: Occurrence {
                        doc: e.1,
                        span: e.4,
                    },
                    similarity: e.5,
                })
                .collect();
            (pair, found)
        })
        .collect();
    Ok((lines, repeats, passages))
}

/// `scan_report_docs(boilerplate, repeats, passages)`: the documents whose texts
/// the report quotes for these gathered rows (sorted): the driver gathers these
/// texts and no others.
#[pyfunction]
pub fn scan_report_docs(
    py: Python<'_>,
    boilerplate: Vec<Bound<'_, PyAny>>,
    repeats: Vec<Bound<'_, PyAny>>,
    passages: Vec<Bound<'_, PyAny>>,
) -> PyResult<Vec<i64>> {
    let (boilerplate, repeats, passages) = (
        import_batches(&boilerplate)?,
        import_batches(&repeats)?,
        import_batches(&passages)?,
    );
    py.detach(|| {
        let (lines, repeats, passages) = gather(&boilerplate, &repeats, &passages)?;
        Ok(kernels::report_texts(&lines, &repeats, &passages)
            .into_iter()
            .map(i64::from)
            .collect())
    })
}

/// Every document's metadata (`doc`, `id`, `text_bytes`, `date`, `date_seconds`,
/// `date_nanos`, `outlet`, `encoding`) and the texts of some (`doc`, `text`), as the
/// report's documents.
fn documents(meta: &[RecordBatch], texts: &[RecordBatch]) -> PyResult<ScanDocuments> {
    let mut rows: Vec<(u32, Document, usize)> = Vec::new();
    for batch in meta {
        let doc = col::<Int64Array>(batch, "doc", "int64")?;
        let id = col::<StringArray>(batch, "id", "utf8")?;
        let bytes = col::<Int64Array>(batch, "text_bytes", "int64")?;
        let date = col::<StringArray>(batch, "date", "utf8")?;
        let seconds = col::<Int64Array>(batch, "date_seconds", "int64")?;
        let nanos = col::<Int32Array>(batch, "date_nanos", "int32")?;
        let outlet = col::<StringArray>(batch, "outlet", "utf8")?;
        let encoding = col::<StringArray>(batch, "encoding", "utf8")?;
        for i in 0..batch.num_rows() {
            let mut d = Document::new(id.value(i), String::new(), Origin { source: 0, line: 0 });
            if !date.is_null(i) {
                d.date = kernels::doc_date(
                    date.value(i).to_string(),
                    seconds.value(i),
                    nanos.value(i) as u32,
                );
            }
            d.outlet = (!outlet.is_null(i)).then(|| outlet.value(i).to_string());
            if !encoding.is_null(i) {
                d.encoding =
                    Some(kernels::encoding_named(encoding.value(i)).ok_or_else(|| {
                        value_error(format!("no encoding {:?}", encoding.value(i)))
                    })?);
            }
            rows.push((doc_number(doc.value(i))?, d, offset(bytes.value(i))?));
        }
    }
    rows.sort_unstable_by_key(|r| r.0);
    if let Some((i, r)) = rows.iter().enumerate().find(|(i, r)| r.0 as usize != *i) {
        return Err(value_error(format!(
            "document {} is missing from the gathered documents (found {})",
            i, r.0
        )));
    }
    let mut has_text = BitVec::repeat(false, rows.len());
    for batch in texts {
        let doc = col::<Int64Array>(batch, "doc", "int64")?;
        let text = col::<StringArray>(batch, "text", "utf8")?;
        for i in 0..batch.num_rows() {
            let d = doc_number(doc.value(i))? as usize;
            let row = rows
                .get_mut(d)
                .ok_or_else(|| value_error(format!("a text of no document, {d}")))?;
            row.1.text = text.value(i).to_string();
            has_text.set(d, true);
        }
    }
    let bytes = rows.iter().map(|r| r.2).collect();
    let docs = rows.into_iter().map(|r| r.1).collect();
    ScanDocuments::gathered(docs, bytes, has_text).map_err(|e| value_error(e.to_string()))
}

/// `scan_report(meta, texts, boilerplate, repeats, passages, candidate_pairs,
/// summaries, settings)`: the report of the gathered rows, the text `reprint scan
/// --format json` writes for the same input and settings.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn scan_report_rows(
    py: Python<'_>,
    meta: Vec<Bound<'_, PyAny>>,
    texts: Vec<Bound<'_, PyAny>>,
    boilerplate: Vec<Bound<'_, PyAny>>,
    repeats: Vec<Bound<'_, PyAny>>,
    passages: Vec<Bound<'_, PyAny>>,
    candidate_pairs: u64,
    summaries: Vec<String>,
    settings: &str,
) -> PyResult<String> {
    let config = scan_settings_config(settings)?;
    let (meta, texts) = (import_batches(&meta)?, import_batches(&texts)?);
    let (boilerplate, repeats, passages) = (
        import_batches(&boilerplate)?,
        import_batches(&repeats)?,
        import_batches(&passages)?,
    );
    let summaries = summaries_of(&summaries)?;
    let out = py.detach(|| -> PyResult<reprint::Result<Vec<u8>>> {
        let documents = documents(&meta, &texts)?;
        let (lines, repeats, passages) = gather(&boilerplate, &repeats, &passages)?;
        Ok((|| {
            let totals = kernels::merge_reads(&summaries, &config)?;
            let result = kernels::report(
                documents,
                lines,
                repeats,
                passages,
                candidate_pairs,
                &totals,
                &config,
            )?;
            let mut out = Vec::new();
            reprint::report::scan_json::write(&result, &config, &mut out)?;
            Ok(out)
        })())
    })?;
    let bytes = out.map_err(|e| to_py(py, e))?;
    String::from_utf8(bytes).map_err(|e| value_error(format!("report is not UTF-8: {e}")))
}
