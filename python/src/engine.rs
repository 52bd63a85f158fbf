//! Arrow kernels of the dedup stages, for distributed engines (`reprint.spark`,
//! `reprint.ray`): each takes and returns Arrow record batches through the Arrow C
//! data interface (the PyCapsule protocol, `__arrow_c_array__`), so no row becomes a
//! Python object, and runs the library's stage code ([`reprint::dedup::kernels`])
//! without the GIL.
//!
//! The protocol is implemented here over `arrow-array`'s `ffi` module, the arrow
//! version the library already builds with: the `arrow` crate's `pyarrow` feature
//! and `pyo3-arrow` each need another pyo3 (0.29, 0.30) than this crate's 0.27, and
//! another arrow would be a second copy of every array type.
//!
//! Engines have no unsigned integers (Spark has none), so the tables between the
//! kernels hold record numbers, band keys and shingle fingerprints as signed
//! integers of the same width and bits (`int64`, `int32`); the kernels convert back.
//! Schemas, in the order of the stages:
//!
//! - input: `record` int64, `id` utf8, `text` utf8 (null: an unusable record),
//!   optional `keep_num` float64 / `keep_str` utf8 (the `keep_by` value);
//! - sign: `record` int64 (null: a file that could not be read), `id` utf8 (null:
//!   unusable), `text_bytes` int64, `shingles` int32, `keep_num` float64, `keep_str`
//!   utf8, `keys` list<int64>, `set` list<int32>, `hash` int64 (the record's
//!   checksum, for path inputs), `issue` utf8 and `message` utf8 (why an unusable
//!   record could not be used, the message naming its file and line);
//! - band rows: `band` int32, `key` int64, `record` int64 (documents with shingles);
//! - candidate pairs: `a` int64, `b` int64 (`a < b`);
//! - scored pairs: `a`, `b`, `jaccard`, `containment_a_in_b`, `containment_b_in_a`,
//!   `shared_shingles` (int64), those at or above the threshold;
//! - clusters: `cluster`, `record` int64, `id` utf8, `kept` bool, and the four scores
//!   of the member against the kept one (docs/STAGES.md's `dedup.clusters`).

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, ListArray, RecordBatch,
    StringArray, StructArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};
use reprint::dedup::kernels::{self, ShardItem, SignedDoc, Signer};
use reprint::dedup::stages::{Shard, StageParams};
use reprint::dedup::{DocMeta, DupCluster};
use reprint::document::SortKey;
use reprint::input::Sources;
use reprint::verify::PairScore;

use crate::errors::{to_py, value_error};
use crate::jobs::{dedup_config, parse_dedup_args};

/// A record batch made by a kernel, handed to Python through the Arrow PyCapsule
/// protocol: `pyarrow.record_batch(obj)` (or any reader of `__arrow_c_array__`)
/// takes it without a copy.
#[pyclass(module = "reprint._reprint", frozen)]
pub struct ArrowBatch {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowBatch {
    /// The batch as a struct array: `(schema capsule, array capsule)`.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let _ = requested_schema;
        let array = StructArray::from(self.batch.clone());
        let (array, schema) = to_ffi(&array.to_data()).map_err(arrow_error)?;
        let schema = PyCapsule::new(py, schema, Some(CString::from(c"arrow_schema")))?;
        let array = PyCapsule::new(py, array, Some(CString::from(c"arrow_array")))?;
        PyTuple::new(py, [schema.into_any(), array.into_any()])
    }

    /// Rows in the batch.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }
}

pub(crate) fn arrow_error(e: arrow_schema::ArrowError) -> PyErr {
    value_error(format!("arrow: {e}"))
}

/// The record batch behind any object of the Arrow PyCapsule protocol (a pyarrow
/// RecordBatch, an [`ArrowBatch`], ...), taken over without a copy.
pub(crate) fn import_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    let capsules = obj.call_method0("__arrow_c_array__")?;
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) = capsules.extract()?;
    let schema_ptr = schema.pointer_checked(Some(c"arrow_schema"))?;
    let array_ptr = array.pointer_checked(Some(c"arrow_array"))?;
    // SAFETY: the capsules are named as the protocol names them, so they point to an
    // ArrowSchema and an ArrowArray; the array is moved out (its release left null in
    // the capsule, as the protocol asks of a consumer), the schema only read.
    let data = unsafe {
        let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast());
        let schema = &*(schema_ptr.as_ptr() as *const FFI_ArrowSchema);
        from_ffi(array, schema)
    }
    .map_err(arrow_error)?;
    if !matches!(data.data_type(), DataType::Struct(_)) {
        return Err(value_error("expected a record batch (a struct array)"));
    }
    Ok(RecordBatch::from(StructArray::from(data)))
}

/// [`import_batch`] of each of `objs`.
pub(crate) fn import_batches(objs: &[Bound<'_, PyAny>]) -> PyResult<Vec<RecordBatch>> {
    objs.iter().map(import_batch).collect()
}

pub(crate) fn export(py: Python<'_>, batch: RecordBatch) -> PyResult<Py<ArrowBatch>> {
    Py::new(py, ArrowBatch { batch })
}

pub(crate) fn col<'a, T: 'static>(
    batch: &'a RecordBatch,
    name: &str,
    kind: &str,
) -> PyResult<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| {
            value_error(format!(
                "column {name:?} ({kind}) is missing or of another type"
            ))
        })
}

pub(crate) fn opt_col<'a, T: 'static>(
    batch: &'a RecordBatch,
    name: &str,
    kind: &str,
) -> PyResult<Option<&'a T>> {
    match batch.column_by_name(name) {
        None => Ok(None),
        Some(_) => col(batch, name, kind).map(Some),
    }
}

/// The values of list `i` of a `list<int32>` column, as the shingle fingerprints
/// (`u32`) they stand for.
fn set_of(list: &ListArray, i: usize, out: &mut Vec<u32>) -> PyResult<()> {
    out.clear();
    let values = list
        .values()
        .as_any()
        .downcast_ref::<Int32Array>()
        .ok_or_else(|| value_error("a set column is not a list of int32"))?;
    let offsets = list.value_offsets();
    let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
    out.extend(values.values()[start..end].iter().map(|&v| v as u32));
    Ok(())
}

fn signer(config: &str) -> PyResult<Signer> {
    let config = dedup_config(&parse_dedup_args(config)?)?;
    Signer::new(&config).map_err(|e| Python::attach(|py| to_py(py, e)))
}

fn list_field(name: &str, item: DataType) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new("item", item, true))),
        true,
    )
}

/// The schema of the sign table between the kernels.
fn sign_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("record", DataType::Int64, true),
        Field::new("id", DataType::Utf8, true),
        Field::new("text_bytes", DataType::Int64, true),
        Field::new("shingles", DataType::Int32, true),
        Field::new("keep_num", DataType::Float64, true),
        Field::new("keep_str", DataType::Utf8, true),
        list_field("keys", DataType::Int64),
        list_field("set", DataType::Int32),
        Field::new("hash", DataType::Int64, true),
        Field::new("issue", DataType::Utf8, true),
        Field::new("message", DataType::Utf8, true),
    ]))
}

/// Sign rows being built.
struct SignRows {
    record: Int64Builder,
    id: StringBuilder,
    text_bytes: Int64Builder,
    shingles: Int32Builder,
    keep_num: Float64Builder,
    keep_str: StringBuilder,
    keys: ListBuilder<Int64Builder>,
    set: ListBuilder<Int32Builder>,
    hash: Int64Builder,
    issue: StringBuilder,
    message: StringBuilder,
    rows: usize,
}

impl SignRows {
    fn new() -> SignRows {
        SignRows {
            record: Int64Builder::new(),
            id: StringBuilder::new(),
            text_bytes: Int64Builder::new(),
            shingles: Int32Builder::new(),
            keep_num: Float64Builder::new(),
            keep_str: StringBuilder::new(),
            keys: ListBuilder::new(Int64Builder::new()),
            set: ListBuilder::new(Int32Builder::new()),
            hash: Int64Builder::new(),
            issue: StringBuilder::new(),
            message: StringBuilder::new(),
            rows: 0,
        }
    }

    /// A document's row; `hash` is its record's checksum when it was read from a file.
    fn push(&mut self, d: &SignedDoc, hash: Option<u64>) {
        self.record.append_value(d.meta.ordinal as i64);
        self.id.append_value(&d.meta.id);
        self.text_bytes.append_value(d.meta.text_bytes as i64);
        self.shingles.append_value(d.meta.shingles as i32);
        let (num, text) = SortKey::columns(d.meta.keep_key.as_ref());
        self.keep_num.append_option(num);
        self.keep_str.append_option(text);
        self.keys
            .append_value(d.keys.iter().map(|&k| Some(k as i64)));
        self.set.append_value(d.set.iter().map(|&s| Some(s as i32)));
        self.hash.append_option(hash.map(|h| h as i64));
        self.issue.append_null();
        self.message.append_null();
        self.rows += 1;
    }

    /// The row of a record that could not be used (`record` `None`: a file that
    /// could not be read), with why.
    fn push_unusable(&mut self, record: Option<i64>, reason: &str, message: &str) {
        self.record.append_option(record);
        self.id.append_null();
        self.text_bytes.append_null();
        self.shingles.append_null();
        self.keep_num.append_null();
        self.keep_str.append_null();
        self.keys.append_null();
        self.set.append_null();
        self.hash.append_null();
        self.issue.append_value(reason);
        self.message.append_value(message);
        self.rows += 1;
    }

    fn finish(&mut self) -> PyResult<RecordBatch> {
        self.rows = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.record.finish()),
            Arc::new(self.id.finish()),
            Arc::new(self.text_bytes.finish()),
            Arc::new(self.shingles.finish()),
            Arc::new(self.keep_num.finish()),
            Arc::new(self.keep_str.finish()),
            Arc::new(self.keys.finish()),
            Arc::new(self.set.finish()),
            Arc::new(self.hash.finish()),
            Arc::new(self.issue.finish()),
            Arc::new(self.message.finish()),
        ];
        RecordBatch::try_new(sign_schema(), columns).map_err(arrow_error)
    }
}

/// `sign_batch(batch, config)`: the sign stage over a batch of records (`record`,
/// `id`, `text`, optionally `keep_num` / `keep_str`): one sign row per record, a
/// record with a null id or text kept as an unusable row (null id, its `issue` and
/// `message` saying which), or, with `strict` set, an `InputError`. `config` is the
/// dedup settings as JSON (the keyword arguments of `reprint.dedup`).
#[pyfunction]
pub fn sign_batch(
    py: Python<'_>,
    batch: &Bound<'_, PyAny>,
    config: &str,
) -> PyResult<Py<ArrowBatch>> {
    let batch = import_batch(batch)?;
    let signer = signer(config)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let record = col::<Int64Array>(&batch, "record", "int64")?;
        let id = col::<StringArray>(&batch, "id", "utf8")?;
        let text = col::<StringArray>(&batch, "text", "utf8")?;
        let keep_num = opt_col::<Float64Array>(&batch, "keep_num", "float64")?;
        let keep_str = opt_col::<StringArray>(&batch, "keep_str", "utf8")?;
        let mut rows = SignRows::new();
        for i in 0..batch.num_rows() {
            if record.is_null(i) {
                return Err(value_error("column \"record\" has a null"));
            }
            if id.is_null(i) || text.is_null(i) {
                let issue = reprint::error::InputIssue {
                    path: format!("table record {}", record.value(i)),
                    line: None,
                    kind: if text.is_null(i) {
                        reprint::error::IssueKind::MissingText("text".into())
                    } else {
                        reprint::error::IssueKind::BadId("id".into())
                    },
                };
                if signer.strict() {
                    return Err(Python::attach(|py| {
                        to_py(py, reprint::Error::Strict(issue))
                    }));
                }
                rows.push_unusable(Some(record.value(i)), issue.kind.name(), &issue.to_string());
                continue;
            }
            let keep_key = match (keep_num, keep_str) {
                (Some(n), _) if !n.is_null(i) => Some(SortKey::Num(n.value(i))),
                (_, Some(s)) if !s.is_null(i) => Some(SortKey::Str(s.value(i).to_string())),
                _ => None,
            };
            let signed = signer.sign(
                record.value(i) as u64,
                id.value(i).to_string(),
                text.value(i).to_string(),
                keep_key,
            );
            rows.push(&signed, None);
        }
        rows.finish()
    })?;
    export(py, out)
}

/// What `sign_paths` returns: the sign batches, the records in the whole input and
/// the shard's unusable records by reason.
type SignedShard = (
    Vec<Py<ArrowBatch>>,
    u64,
    std::collections::BTreeMap<String, u64>,
);

/// Rows of sign batches made per shard before one is handed on.
const SIGN_BATCH_ROWS: usize = 2048;

/// `sign_paths(paths, config, part_records, rank, world)`: the sign stage's shard
/// `rank` of `world` over input files and folders, read as the CLI reads them (the
/// parts `p` of `part_records` consecutive records with `p % world == rank`).
/// Returns `(batches, records, skipped)`: the sign rows of the shard's records (its
/// documents and the rows of those that could not be used), the records in the
/// whole input, and the shard's unusable records by reason.
#[pyfunction]
pub fn sign_paths(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    config: &str,
    part_records: u64,
    rank: u32,
    world: u32,
) -> PyResult<SignedShard> {
    let signer = signer(config)?;
    let (batches, read) = py
        .detach(|| -> reprint::Result<_> {
            let sources = Sources::discover(&paths)?;
            let shard = Shard::new(rank, world)?;
            let mut rows = SignRows::new();
            let mut batches = Vec::new();
            let read = signer.sign_shard(&sources, part_records, shard, |item| {
                match item {
                    ShardItem::Doc { doc, hash } => rows.push(&doc, Some(hash)),
                    ShardItem::Unusable {
                        record,
                        reason,
                        message,
                    } => rows.push_unusable(record.map(|r| r as i64), reason, &message),
                }
                if rows.rows >= SIGN_BATCH_ROWS {
                    batches.push(
                        rows.finish()
                            .map_err(|e| reprint::Error::Config(e.to_string()))?,
                    );
                }
                Ok(())
            })?;
            if rows.rows > 0 {
                batches.push(
                    rows.finish()
                        .map_err(|e| reprint::Error::Config(e.to_string()))?,
                );
            }
            Ok((batches, read))
        })
        .map_err(|e| to_py(py, e))?;
    let batches = batches
        .into_iter()
        .map(|b| export(py, b))
        .collect::<PyResult<Vec<_>>>()?;
    Ok((batches, read.records, read.skipped.by_reason))
}

/// `band_rows(sign_batch)`: the rows `(band, key, record)` of every document with
/// shingles (empty documents and unusable records are never candidates).
#[pyfunction]
pub fn band_rows(py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<Py<ArrowBatch>> {
    let batch = import_batch(batch)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let record = col::<Int64Array>(&batch, "record", "int64")?;
        let shingles = col::<Int32Array>(&batch, "shingles", "int32")?;
        let keys = col::<ListArray>(&batch, "keys", "list<int64>")?;
        let values = keys
            .values()
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| value_error("column \"keys\" is not a list of int64"))?;
        let offsets = keys.value_offsets();
        let (mut band, mut key, mut rec) = (
            Int32Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
        );
        for i in 0..batch.num_rows() {
            if shingles.is_null(i) || shingles.value(i) <= 0 || keys.is_null(i) {
                continue;
            }
            let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
            for (b, &k) in values.values()[start..end].iter().enumerate() {
                band.append_value(b as i32);
                key.append_value(k);
                rec.append_value(record.value(i));
            }
        }
        let schema = Arc::new(Schema::new(vec![
            Field::new("band", DataType::Int32, false),
            Field::new("key", DataType::Int64, false),
            Field::new("record", DataType::Int64, false),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(band.finish()),
                Arc::new(key.finish()),
                Arc::new(rec.finish()),
            ],
        )
        .map_err(arrow_error)
    })?;
    export(py, out)
}

fn pairs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("a", DataType::Int64, false),
        Field::new("b", DataType::Int64, false),
    ]))
}

/// `band_pairs(batches, max_bucket)`: the band stage over band rows (`band`, `key`,
/// `record`) holding every row of each of their buckets (an engine groups them by
/// `(band, key)`): the candidate pairs `(a, b)`, `a < b`, sorted and unique.
#[pyfunction]
pub fn band_pairs(
    py: Python<'_>,
    batches: Vec<Bound<'_, PyAny>>,
    max_bucket: usize,
) -> PyResult<Py<ArrowBatch>> {
    let batches = import_batches(&batches)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let mut rows: Vec<(u32, u64, u64)> = Vec::new();
        for batch in &batches {
            let band = col::<Int32Array>(batch, "band", "int32")?;
            let key = col::<Int64Array>(batch, "key", "int64")?;
            let record = col::<Int64Array>(batch, "record", "int64")?;
            for i in 0..batch.num_rows() {
                rows.push((
                    band.value(i) as u32,
                    key.value(i) as u64,
                    record.value(i) as u64,
                ));
            }
        }
        let pairs = kernels::band_pairs(&mut rows, max_bucket);
        let a: Int64Array = pairs.iter().map(|p| p.0 as i64).collect();
        let b: Int64Array = pairs.iter().map(|p| p.1 as i64).collect();
        RecordBatch::try_new(pairs_schema(), vec![Arc::new(a), Arc::new(b)]).map_err(arrow_error)
    })?;
    export(py, out)
}

fn score_fields() -> Vec<Field> {
    vec![
        Field::new("jaccard", DataType::Float64, false),
        Field::new("containment_a_in_b", DataType::Float64, false),
        Field::new("containment_b_in_a", DataType::Float64, false),
        Field::new("shared_shingles", DataType::Int64, false),
    ]
}

/// `verify_pairs(batch, threshold)`: the verify stage over candidate pairs with their
/// sets (`a`, `b`, `set_a`, `set_b`): the pairs whose exact Jaccard similarity is at
/// least `threshold`, with their scores.
#[pyfunction]
pub fn verify_pairs(
    py: Python<'_>,
    batch: &Bound<'_, PyAny>,
    threshold: f64,
) -> PyResult<Py<ArrowBatch>> {
    let batch = import_batch(batch)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let a = col::<Int64Array>(&batch, "a", "int64")?;
        let b = col::<Int64Array>(&batch, "b", "int64")?;
        let set_a = col::<ListArray>(&batch, "set_a", "list<int32>")?;
        let set_b = col::<ListArray>(&batch, "set_b", "list<int32>")?;
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        let mut kept: Vec<(i64, i64, PairScore)> = Vec::new();
        for i in 0..batch.num_rows() {
            set_of(set_a, i, &mut sa)?;
            set_of(set_b, i, &mut sb)?;
            if let Some(score) = kernels::score_pair(&sa, &sb, threshold) {
                kept.push((a.value(i), b.value(i), score));
            }
        }
        let mut fields = pairs_schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect::<Vec<_>>();
        fields.extend(score_fields());
        let columns: Vec<ArrayRef> = vec![
            Arc::new(kept.iter().map(|p| p.0).collect::<Int64Array>()),
            Arc::new(kept.iter().map(|p| p.1).collect::<Int64Array>()),
            Arc::new(kept.iter().map(|p| p.2.jaccard).collect::<Float64Array>()),
            Arc::new(
                kept.iter()
                    .map(|p| p.2.containment_a_in_b)
                    .collect::<Float64Array>(),
            ),
            Arc::new(
                kept.iter()
                    .map(|p| p.2.containment_b_in_a)
                    .collect::<Float64Array>(),
            ),
            Arc::new(
                kept.iter()
                    .map(|p| p.2.shared_shingles as i64)
                    .collect::<Int64Array>(),
            ),
        ];
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(arrow_error)
    })?;
    export(py, out)
}

fn clusters_schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("cluster", DataType::Int64, false),
        Field::new("record", DataType::Int64, false),
        Field::new("id", DataType::Utf8, false),
        Field::new("kept", DataType::Boolean, false),
    ];
    fields.extend(score_fields());
    Arc::new(Schema::new(fields))
}

/// `cluster_members(pairs, members, config)`: the components stage on one machine:
/// the verified pairs (batches of `a`, `b`) linked into clusters, the kept member of
/// each chosen by the keep policy and every member scored against it. `members` are
/// sign rows (batches, any order) of at least every document the pairs name. Returns
/// the clusters table (one row per member, clusters numbered in the order of their
/// first member, members in record order).
#[pyfunction]
pub fn cluster_members(
    py: Python<'_>,
    pairs: Vec<Bound<'_, PyAny>>,
    members: Vec<Bound<'_, PyAny>>,
    config: &str,
) -> PyResult<Py<ArrowBatch>> {
    let pairs = import_batches(&pairs)?;
    let members = import_batches(&members)?;
    let params: StageParams = signer(config)?.params();
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let mut edges: Vec<(u64, u64)> = Vec::new();
        for batch in &pairs {
            let a = col::<Int64Array>(batch, "a", "int64")?;
            let b = col::<Int64Array>(batch, "b", "int64")?;
            edges.extend(
                a.values()
                    .iter()
                    .zip(b.values().iter())
                    .map(|(&a, &b)| (a as u64, b as u64)),
            );
        }
        let mut named: Vec<u64> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
        named.sort_unstable();
        named.dedup();
        let mut docs: Vec<Option<(DocMeta, Vec<u32>)>> = vec![None; named.len()];
        for batch in &members {
            let record = col::<Int64Array>(batch, "record", "int64")?;
            let id = col::<StringArray>(batch, "id", "utf8")?;
            let text_bytes = col::<Int64Array>(batch, "text_bytes", "int64")?;
            let shingles = col::<Int32Array>(batch, "shingles", "int32")?;
            let keep_num = col::<Float64Array>(batch, "keep_num", "float64")?;
            let keep_str = col::<StringArray>(batch, "keep_str", "utf8")?;
            let set = col::<ListArray>(batch, "set", "list<int32>")?;
            for i in 0..batch.num_rows() {
                if record.is_null(i) {
                    continue; // a file that could not be read: no document
                }
                let r = record.value(i) as u64;
                let Ok(slot) = named.binary_search(&r) else {
                    continue;
                };
                if id.is_null(i) {
                    return Err(value_error(format!("record {r} of a pair is no document")));
                }
                let keep_key = SortKey::from_columns(
                    keep_num.is_valid(i).then(|| keep_num.value(i)),
                    keep_str.is_valid(i).then(|| keep_str.value(i)),
                );
                let mut s = Vec::new();
                set_of(set, i, &mut s)?;
                docs[slot] = Some((
                    DocMeta {
                        id: id.value(i).to_string(),
                        ordinal: r,
                        text_bytes: text_bytes.value(i) as usize,
                        shingles: shingles.value(i) as u32,
                        keep_key,
                    },
                    s,
                ));
            }
        }
        let mut metas = Vec::with_capacity(docs.len());
        let mut sets = Vec::with_capacity(docs.len());
        for (slot, doc) in docs.into_iter().enumerate() {
            let (meta, set) = doc.ok_or_else(|| {
                value_error(format!(
                    "record {} of a pair is not among the members",
                    named[slot]
                ))
            })?;
            metas.push(meta);
            sets.push(set);
        }
        let clusters = kernels::clusters(&edges, &metas, &sets, &params)
            .map_err(|e| value_error(e.to_string()))?;
        clusters_batch(&clusters, &metas)
    })?;
    export(py, out)
}

fn clusters_batch(clusters: &[DupCluster], docs: &[DocMeta]) -> PyResult<RecordBatch> {
    let (mut cluster, mut record, mut id, mut kept) = (
        Int64Builder::new(),
        Int64Builder::new(),
        StringBuilder::new(),
        BooleanBuilder::new(),
    );
    let (mut j, mut cab, mut cba, mut shared) = (
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
        Int64Builder::new(),
    );
    for (c, cl) in clusters.iter().enumerate() {
        for m in &cl.members {
            let meta = &docs[m.doc as usize];
            cluster.append_value(c as i64);
            record.append_value(meta.ordinal as i64);
            id.append_value(&meta.id);
            kept.append_value(m.doc == cl.kept);
            j.append_value(m.score.jaccard);
            cab.append_value(m.score.containment_a_in_b);
            cba.append_value(m.score.containment_b_in_a);
            shared.append_value(m.score.shared_shingles as i64);
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(cluster.finish()),
        Arc::new(record.finish()),
        Arc::new(id.finish()),
        Arc::new(kept.finish()),
        Arc::new(j.finish()),
        Arc::new(cab.finish()),
        Arc::new(cba.finish()),
        Arc::new(shared.finish()),
    ];
    RecordBatch::try_new(clusters_schema(), columns).map_err(arrow_error)
}

/// The four score columns of a batch (`jaccard`, `containment_a_in_b`,
/// `containment_b_in_a`, `shared_shingles`), read row by row as a [`PairScore`].
struct ScoreColumns<'a> {
    jaccard: &'a Float64Array,
    a_in_b: &'a Float64Array,
    b_in_a: &'a Float64Array,
    shared: &'a Int64Array,
}

impl<'a> ScoreColumns<'a> {
    fn of(batch: &'a RecordBatch) -> PyResult<ScoreColumns<'a>> {
        Ok(ScoreColumns {
            jaccard: col::<Float64Array>(batch, "jaccard", "float64")?,
            a_in_b: col::<Float64Array>(batch, "containment_a_in_b", "float64")?,
            b_in_a: col::<Float64Array>(batch, "containment_b_in_a", "float64")?,
            shared: col::<Int64Array>(batch, "shared_shingles", "int64")?,
        })
    }

    fn at(&self, i: usize) -> PairScore {
        PairScore {
            jaccard: self.jaccard.value(i),
            containment_a_in_b: self.a_in_b.value(i),
            containment_b_in_a: self.b_in_a.value(i),
            shared_shingles: self.shared.value(i) as usize,
        }
    }
}

/// The text a report writer of the library makes of `result`.
fn report_text(
    result: &reprint::dedup::DedupResult,
    write: fn(&reprint::dedup::DedupResult, &mut dyn std::io::Write) -> reprint::Result<()>,
) -> PyResult<String> {
    let mut out = Vec::new();
    write(result, &mut out).map_err(|e| value_error(e.to_string()))?;
    String::from_utf8(out).map_err(|e| value_error(format!("report is not UTF-8: {e}")))
}

/// `clusters_jsonl(batches)`: what `reprint dedup --clusters` writes for a clusters
/// table (rows in cluster order, as `cluster_members` makes them), written by the
/// library's own writer.
#[pyfunction]
pub fn clusters_jsonl(py: Python<'_>, batches: Vec<Bound<'_, PyAny>>) -> PyResult<String> {
    let batches = import_batches(&batches)?;
    py.detach(|| -> PyResult<String> {
        let mut docs: Vec<DocMeta> = Vec::new();
        let mut clusters: Vec<DupCluster> = Vec::new();
        for batch in &batches {
            let cluster = col::<Int64Array>(batch, "cluster", "int64")?;
            let record = col::<Int64Array>(batch, "record", "int64")?;
            let id = col::<StringArray>(batch, "id", "utf8")?;
            let kept = col::<BooleanArray>(batch, "kept", "bool")?;
            let scores = ScoreColumns::of(batch)?;
            for i in 0..batch.num_rows() {
                let c = cluster.value(i) as usize;
                if c == clusters.len() {
                    clusters.push(DupCluster {
                        kept: docs.len() as u32,
                        members: Vec::new(),
                    });
                } else if c + 1 != clusters.len() {
                    return Err(value_error("cluster rows are out of order"));
                }
                let doc = docs.len() as u32;
                docs.push(DocMeta {
                    id: id.value(i).to_string(),
                    ordinal: record.value(i) as u64,
                    text_bytes: 0,
                    shingles: 0,
                    keep_key: None,
                });
                let last = clusters.len() - 1;
                if kept.value(i) {
                    clusters[last].kept = doc;
                }
                clusters[last].members.push(reprint::dedup::ClusterMember {
                    doc,
                    score: scores.at(i),
                });
            }
        }
        report_text(
            &kernels::clusters_result(docs, clusters),
            reprint::report::dedup_clusters::write,
        )
    })
}

/// `pairs_jsonl(pairs, members)`: the file `reprint dedup --pairs` writes, of the
/// verified pairs (batches of `a`, `b` and the four scores, any order) and sign rows
/// (`record`, `id`) of at least every document they name: one JSON line per pair,
/// ordered by `a`, then `b`.
#[pyfunction]
pub fn pairs_jsonl(
    py: Python<'_>,
    pairs: Vec<Bound<'_, PyAny>>,
    members: Vec<Bound<'_, PyAny>>,
) -> PyResult<String> {
    let pairs = import_batches(&pairs)?;
    let members = import_batches(&members)?;
    py.detach(|| -> PyResult<String> {
        let mut scored: Vec<(u64, u64, PairScore)> = Vec::new();
        for batch in &pairs {
            let a = col::<Int64Array>(batch, "a", "int64")?;
            let b = col::<Int64Array>(batch, "b", "int64")?;
            let scores = ScoreColumns::of(batch)?;
            for i in 0..batch.num_rows() {
                scored.push((a.value(i) as u64, b.value(i) as u64, scores.at(i)));
            }
        }
        scored.sort_by_key(|p| (p.0, p.1));
        let mut named: Vec<u64> = scored.iter().flat_map(|p| [p.0, p.1]).collect();
        named.sort_unstable();
        named.dedup();
        let mut ids: Vec<Option<String>> = vec![None; named.len()];
        for batch in &members {
            let record = col::<Int64Array>(batch, "record", "int64")?;
            let id = col::<StringArray>(batch, "id", "utf8")?;
            for i in 0..batch.num_rows() {
                if record.is_null(i) || id.is_null(i) {
                    continue;
                }
                if let Ok(slot) = named.binary_search(&(record.value(i) as u64)) {
                    ids[slot] = Some(id.value(i).to_string());
                }
            }
        }
        let docs = named
            .iter()
            .zip(ids)
            .map(|(&ordinal, id)| {
                let id = id.ok_or_else(|| {
                    value_error(format!(
                        "record {ordinal} of a pair is not among the members"
                    ))
                })?;
                Ok(DocMeta {
                    id,
                    ordinal,
                    text_bytes: 0,
                    shingles: 0,
                    keep_key: None,
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let slot = |r: u64| named.binary_search(&r).unwrap_or_default() as u32;
        let pairs = scored
            .iter()
            .map(|&(a, b, score)| reprint::dedup::VerifiedPair {
                a: slot(a),
                b: slot(b),
                score,
            })
            .collect();
        report_text(
            &kernels::report_result(docs, pairs, Vec::new()),
            reprint::report::dedup_pairs::write,
        )
    })
}

/// `write_kept(paths, config, records, decided, out)`: writes the deduplicated dump of an
/// engine's dedup over input files and folders, as `reprint dedup -o` writes it.
/// The inputs are read a second time through the one ingest path; `records` is how
/// many records the first read saw, and `decided` (batches of `record` int64, `hash`
/// int64, `write` bool) names the records not simply written: each cluster member
/// with its checksum from the first read (written when it is kept) and each unusable
/// record (null hash, left out). Every other record is written. A member whose bytes
/// changed, or another number of records, is an `InputChangedError`. The dump is
/// written beside `out` and renamed into place when complete, so that a failed run
/// leaves no partial file; `out` must not be an input. Returns the records written.
#[pyfunction]
pub fn write_kept(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    config: &str,
    records: u64,
    decided: Vec<Bound<'_, PyAny>>,
    out: PathBuf,
) -> PyResult<u64> {
    use reprint::dedup::{Expected, Verdict};
    let decided = import_batches(&decided)?;
    let config = dedup_config(&parse_dedup_args(config)?)?;
    let mut rows: Vec<(u64, Option<u64>, bool)> = Vec::new();
    for batch in &decided {
        let record = col::<Int64Array>(batch, "record", "int64")?;
        let hash = col::<Int64Array>(batch, "hash", "int64")?;
        let write = col::<BooleanArray>(batch, "write", "bool")?;
        for i in 0..batch.num_rows() {
            if record.is_null(i) {
                continue;
            }
            rows.push((
                record.value(i) as u64,
                hash.is_valid(i).then(|| hash.value(i) as u64),
                write.value(i),
            ));
        }
    }
    rows.sort_unstable_by_key(|r| r.0);
    py.detach(|| -> reprint::Result<u64> {
        let sources = Sources::discover(&paths)?;
        // No output over an input: the destination is none of the files read.
        let same = |a: &std::path::Path| match (a.canonicalize(), out.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if let Some(input) = sources.list().iter().find(|s| same(&s.path)) {
            return Err(reprint::Error::Config(format!(
                "the deduplicated output {} is an input ({}); name another file",
                out.display(),
                input.display
            )));
        }
        // Written beside its destination and renamed into place when complete.
        reprint::table::write_atomic_with(&out, |w| {
            let expected = Expected {
                records,
                by_source: None,
            };
            reprint::dedup::write_records(
                &sources,
                &config.input,
                expected,
                w,
                &reprint::exec::Silent,
                |ordinal, h| match rows.binary_search_by_key(&ordinal, |r| r.0) {
                    Err(_) => Verdict::Write,
                    Ok(i) => match rows[i] {
                        (_, Some(first), _) if first != h => Verdict::Changed,
                        (_, Some(_), true) => Verdict::Write,
                        _ => Verdict::Leave,
                    },
                },
            )
        })
    })
    .map_err(|e| to_py(py, e))
}

/// `dedup_summary(config, stats)`: the document `reprint dedup --summary-json`
/// writes, of an engine run's counts and timings (`stats`, JSON with the keys of the
/// library's `DedupStats`) and the settings.
#[pyfunction]
pub fn dedup_summary(config: &str, stats: &str) -> PyResult<String> {
    let config = dedup_config(&parse_dedup_args(config)?)?;
    let stats: serde_json::Value =
        serde_json::from_str(stats).map_err(|e| value_error(format!("stats: {e}")))?;
    let mut out = Vec::new();
    reprint::report::summary::write("dedup", &stats, &config, &mut out)
        .map_err(|e| value_error(e.to_string()))?;
    String::from_utf8(out).map_err(|e| value_error(format!("summary is not UTF-8: {e}")))
}

/// `dedup_params(config)`: what the stages after sign take of the settings, as a
/// dict: `bands`, `max_bucket`, `threshold`, `keep`.
#[pyfunction]
pub fn dedup_params(py: Python<'_>, config: &str) -> PyResult<Py<PyAny>> {
    let params = signer(config)?.params();
    let json = serde_json::to_string(&params).map_err(|e| value_error(e.to_string()))?;
    let module = py.import("json")?;
    Ok(module.call_method1("loads", (json,))?.unbind())
}
