//! Tables between stages: Parquet files that pyarrow, DuckDB, Spark and Ray read
//! without reprint, written atomically, with a completion marker per part.
//!
//! Every table carries two key-value entries in its Parquet footer:
//! `reprint.table` (what it holds, e.g. `dedup.sign`) and `reprint.schema_version`
//! (raised when a column is renamed, removed or changes meaning; adding a column
//! does not raise it). A reader refuses a table of another name or version with
//! [`Error::Incompatible`]; a file that is not valid Parquet is [`Error::Corrupt`].
//! The schemas are documented in `docs/STAGES.md`.
//!
//! A part is complete when its marker (`<part>.done`, JSON with a magic name, a
//! version and the size and xxh3 checksum of every file of the part) exists and the
//! files match it. A stage rerun skips complete parts, so a killed run resumes.

use crate::error::{Error, Result};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::arrow_reader::{
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder, RowSelection,
};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Footer key naming what a table holds.
pub const TABLE_KEY: &str = "reprint.table";
/// Footer key holding the table's schema version.
pub const VERSION_KEY: &str = "reprint.schema_version";
/// Rows per Parquet row group (and per batch read back): large enough for fast
/// column scans, small enough that a reader holds little at once.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// What a table holds and in which version of its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableKind {
    /// The name in the footer, e.g. `dedup.sign`.
    pub name: &'static str,
    /// The schema version this build writes and reads.
    pub version: u32,
}

fn corrupt(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Size and checksum of a finished file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileDigest {
    /// File name inside the stage folder.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// xxh3-64 of the content, as 16 hex digits.
    pub xxh3: String,
}

/// A writer that digests (xxh3-64) and counts the bytes passing through it, so that a
/// file written front to back has its [`FileDigest`] when it is closed, without being
/// read back.
pub struct Digesting<W> {
    inner: W,
    hasher: xxhash_rust::xxh3::Xxh3,
    bytes: u64,
}

impl<W> Digesting<W> {
    /// Digests what is written to `inner` from now on.
    pub fn new(inner: W) -> Digesting<W> {
        Digesting {
            inner,
            hasher: xxhash_rust::xxh3::Xxh3::new(),
            bytes: 0,
        }
    }

    /// The digest of everything written so far, for a file to be named `name`.
    pub fn digest(&self, name: &str) -> FileDigest {
        FileDigest {
            name: name.to_string(),
            bytes: self.bytes,
            xxh3: format!("{:016x}", self.hasher.digest()),
        }
    }

    /// The writer underneath.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The writer underneath, given back.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for Digesting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The file name of `path` as a marker lists it.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Syncs a finished temporary file, renames it to `path` and syncs the folder.
pub(crate) fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    sync_dir(parent(path));
    Ok(())
}

/// A temporary file beside `path`, to be renamed over it when complete.
pub(crate) fn temporary_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = parent(path);
    tempfile::Builder::new()
        .prefix(".reprint-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))
}

impl FileDigest {
    /// Reads a file through and digests it.
    pub fn of(path: &Path) -> Result<FileDigest> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut bytes = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            bytes += n as u64;
        }
        Ok(FileDigest {
            name: file_name(path),
            bytes,
            xxh3: format!("{:016x}", hasher.digest()),
        })
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced, then
/// renamed over it, and the folder synced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = temporary_beside(path)?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    persist(tmp, path)
}

/// Writes `path` atomically with what `write` puts into a buffered writer: a
/// temporary file beside it, synced, then renamed over it, and the folder synced.
/// When `write` fails, nothing is left at `path` or beside it.
pub fn write_atomic_with<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    let tmp = temporary_beside(path)?;
    let mut out = std::io::BufWriter::new(tmp);
    let value = write(&mut out)?;
    let tmp = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    persist(tmp, path)?;
    Ok(value)
}

/// Writes `value` as pretty JSON (with a final newline) to `path`, atomically.
pub fn write_json_atomic(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    json.push(b'\n');
    write_atomic(path, &json)
}

/// Reads the run description of a work folder (`dedup.json`, `scan.json`): JSON whose
/// `format` must be `format` (otherwise the file is not one: [`Error::Corrupt`]) and
/// whose `version` must be `version` (otherwise another build made the folder:
/// [`Error::Incompatible`]). `what` names the kind in messages ("scan").
pub fn read_run_description<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
    format: &str,
    version: u32,
) -> Result<T> {
    #[derive(serde::Deserialize)]
    struct Head {
        format: String,
        version: u32,
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let not_one = |e: serde_json::Error| Error::Corrupt {
        path: path.to_path_buf(),
        message: format!("not a {what} run description: {e}"),
    };
    let head: Head = serde_json::from_slice(&bytes).map_err(not_one)?;
    if head.format != format {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("not a {what} run description"),
        });
    }
    if head.version != version {
        return Err(Error::Incompatible {
            path: path.to_path_buf(),
            message: format!(
                "work folder version {} (this build reads version {version})",
                head.version
            ),
        });
    }
    serde_json::from_slice(&bytes).map_err(not_one)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) {
    // A folder cannot be synced everywhere (and not on every file system); the
    // rename itself is atomic either way.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Streams record batches into a Parquet table that appears at its path only when
/// [`TableWriter::finish`] succeeds.
pub struct TableWriter {
    path: PathBuf,
    writer: ArrowWriter<Digesting<tempfile::NamedTempFile>>,
}

impl TableWriter {
    /// Starts a table of `kind` with `schema` at `path` (written beside it first).
    pub fn create(path: &Path, kind: TableKind, schema: SchemaRef) -> Result<TableWriter> {
        TableWriter::create_with_row_groups(path, kind, schema, ROW_GROUP_ROWS)
    }

    /// [`TableWriter::create`] with row groups of `rows` rows: a writer holds one row
    /// group in memory, so tables of wide rows (lists) use smaller ones.
    pub fn create_with_row_groups(
        path: &Path,
        kind: TableKind,
        schema: SchemaRef,
        rows: usize,
    ) -> Result<TableWriter> {
        TableWriter::create_with_raw_columns(path, kind, schema, rows, &[])
    }

    /// [`TableWriter::create`] with every column stored plain (uncompressed, without
    /// statistics), for tables of hashes and document numbers that a later stage reads
    /// back whole: zstd would spend time on bytes that do not compress.
    pub fn create_uncompressed(
        path: &Path,
        kind: TableKind,
        schema: SchemaRef,
    ) -> Result<TableWriter> {
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        TableWriter::create_with_raw_columns(path, kind, schema, ROW_GROUP_ROWS, &names)
    }

    /// [`TableWriter::create_with_row_groups`] where the columns named in `raw` (top-level
    /// names; for a list column, its items) are stored plain: uncompressed and without
    /// statistics. For columns of hashes, which neither compress nor filter, this saves
    /// the compressor's and the statistics' time on write and the decompressor's on read.
    pub fn create_with_raw_columns(
        path: &Path,
        kind: TableKind,
        schema: SchemaRef,
        rows: usize,
        raw: &[&str],
    ) -> Result<TableWriter> {
        let tmp = Digesting::new(temporary_beside(path)?);
        // Hashes and offsets do not compress; plain encoding without dictionaries keeps
        // writing and scanning cheap. Identifiers compress well with zstd level 1.
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                parquet::basic::ZstdLevel::try_new(1).map_err(|e| corrupt(path, e))?,
            ))
            .set_dictionary_enabled(false)
            .set_max_row_group_row_count(Some(rows.max(1)))
            .set_key_value_metadata(Some(vec![
                KeyValue::new(TABLE_KEY.to_string(), kind.name.to_string()),
                KeyValue::new(VERSION_KEY.to_string(), kind.version.to_string()),
            ]));
        for name in raw {
            let leaf = leaf_path(&schema, name).ok_or_else(|| {
                Error::Config(format!(
                    "{}: no column {name:?} to store plain",
                    path.display()
                ))
            })?;
            props = props
                .set_column_compression(leaf.clone(), Compression::UNCOMPRESSED)
                .set_column_statistics_enabled(leaf, EnabledStatistics::None);
        }
        let props = props.build();
        let writer = ArrowWriter::try_new(tmp, schema, Some(props))
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        Ok(TableWriter {
            path: path.to_path_buf(),
            writer,
        })
    }

    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer
            .write(batch)
            .map_err(|e| parquet_write_error(&self.path, e))
    }

    /// Closes the table, syncs it, renames it into place and returns its digest (taken
    /// of the bytes as they were written).
    pub fn finish(self) -> Result<FileDigest> {
        let path = self.path;
        let mut tmp = self
            .writer
            .into_inner()
            .map_err(|e| parquet_write_error(&path, e))?;
        tmp.flush().map_err(|e| Error::io(&path, e))?;
        let digest = tmp.digest(&file_name(&path));
        persist(tmp.into_inner(), &path)?;
        Ok(digest)
    }
}

/// The Parquet path of the values of top-level column `name`: the column itself, or
/// for a list its items (`name.list.item`, as the Arrow writer names them).
fn leaf_path(schema: &SchemaRef, name: &str) -> Option<ColumnPath> {
    let field = schema.field_with_name(name).ok()?;
    Some(match field.data_type() {
        DataType::List(item) | DataType::LargeList(item) => ColumnPath::from(vec![
            name.to_string(),
            "list".to_string(),
            item.name().clone(),
        ]),
        _ => ColumnPath::from(name),
    })
}

fn parquet_write_error(path: &Path, e: parquet::errors::ParquetError) -> Error {
    match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(io) => Error::io(path, *io),
                Err(other) => corrupt(path, other),
            }
        }
        other => Error::Stream {
            context: format!("writing {}", path.display()),
            cause: std::io::Error::other(other.to_string()),
        },
    }
}

/// Opens a table written by [`TableWriter`], checking its kind and version, and reads
/// the named columns (all when `columns` is empty) in batches of [`ROW_GROUP_ROWS`].
pub fn read_table(path: &Path, kind: TableKind, columns: &[&str]) -> Result<TableReader> {
    read_table_batched(path, kind, columns, ROW_GROUP_ROWS)
}

/// [`read_table`] in batches of `batch_rows` rows (for wide rows, such as lists).
pub fn read_table_batched(
    path: &Path,
    kind: TableKind,
    columns: &[&str],
    batch_rows: usize,
) -> Result<TableReader> {
    read_table_rows(path, kind, columns, batch_rows, None)
}

/// [`read_table_batched`] of the rows whose numbers (from 0, in the file) are in
/// `selected` (sorted, not overlapping) only; `None` reads every row. Rows left out are
/// skipped without being decoded into arrays, which saves most of the reading of a
/// list column when few rows are wanted.
pub fn read_table_rows(
    path: &Path,
    kind: TableKind,
    columns: &[&str],
    batch_rows: usize,
    selected: Option<&[std::ops::Range<usize>]>,
) -> Result<TableReader> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| corrupt(path, format!("not a readable Parquet table: {e}")))?;
    let meta = builder.metadata().file_metadata();
    let value = |key: &str| {
        meta.key_value_metadata().and_then(|kv| {
            kv.iter()
                .find(|e| e.key == key)
                .and_then(|e| e.value.clone())
        })
    };
    let name = value(TABLE_KEY);
    if name.as_deref() != Some(kind.name) {
        return Err(Error::Incompatible {
            path: path.to_path_buf(),
            message: format!(
                "holds {}, not a {} table",
                name.map_or_else(
                    || "no reprint table".to_string(),
                    |n| format!("a {n} table")
                ),
                kind.name
            ),
        });
    }
    let version = value(VERSION_KEY);
    if version.as_deref() != Some(kind.version.to_string().as_str()) {
        return Err(Error::Incompatible {
            path: path.to_path_buf(),
            message: format!(
                "{} schema version {} (this build reads version {}); rerun the stage that wrote it",
                kind.name,
                version.as_deref().unwrap_or("missing"),
                kind.version
            ),
        });
    }
    let rows = meta.num_rows().max(0) as u64;
    let builder = if columns.is_empty() {
        builder
    } else {
        let schema = builder.schema().clone();
        let mut indices = Vec::with_capacity(columns.len());
        for c in columns {
            let i = schema
                .index_of(c)
                .map_err(|_| corrupt(path, format!("{} table without column {c:?}", kind.name)))?;
            indices.push(i);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
        builder.with_projection(mask)
    };
    let builder = match selected {
        None => builder,
        Some(ranges) => {
            let total = rows as usize;
            if ranges.iter().any(|r| r.end > total) {
                return Err(corrupt(
                    path,
                    format!("{} table of {total} rows, fewer than expected", kind.name),
                ));
            }
            builder.with_row_selection(RowSelection::from_consecutive_ranges(
                ranges.iter().cloned(),
                total,
            ))
        }
    };
    let reader = builder
        .with_batch_size(batch_rows.max(1))
        .build()
        .map_err(|e| corrupt(path, e))?;
    Ok(TableReader {
        path: path.to_path_buf(),
        rows,
        reader,
    })
}

/// Batches of a table, in file order.
pub struct TableReader {
    path: PathBuf,
    rows: u64,
    reader: ParquetRecordBatchReader,
}

impl TableReader {
    /// Rows in the whole table.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The table's path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Iterator for TableReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        self.reader
            .next()
            .map(|r| r.map_err(|e| corrupt(&self.path, e)))
    }
}

/// The completion marker of one part of a stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Marker {
    /// Always [`Marker::FORMAT`].
    pub format: String,
    /// Marker format version, [`Marker::VERSION`].
    pub version: u32,
    /// The stage, e.g. `dedup.sign`.
    pub stage: String,
    /// The part's name, e.g. `part-00003` or `rank-1-of-4`.
    pub part: String,
    /// Fingerprint of the run's parameters: a part made under others is not reused.
    pub fingerprint: String,
    /// The files the part consists of.
    pub files: Vec<FileDigest>,
}

impl Marker {
    /// The marker's magic name.
    pub const FORMAT: &'static str = "reprint-stage-done";
    /// The marker format version.
    pub const VERSION: u32 = 1;

    /// The marker path of a part in a stage folder.
    pub fn path(dir: &Path, part: &str) -> PathBuf {
        dir.join(format!("{part}.done"))
    }

    /// Writes the marker (atomically) once every file of the part is in place.
    pub fn write(
        dir: &Path,
        stage: &str,
        part: &str,
        fingerprint: &str,
        files: Vec<FileDigest>,
    ) -> Result<()> {
        let marker = Marker {
            format: Marker::FORMAT.to_string(),
            version: Marker::VERSION,
            stage: stage.to_string(),
            part: part.to_string(),
            fingerprint: fingerprint.to_string(),
            files,
        };
        write_json_atomic(&Marker::path(dir, part), &marker)
    }

    /// Whether a part is complete: its marker is there, of this format, made under
    /// `fingerprint`, and every file it lists has the size and checksum it records.
    /// A marker that exists but does not hold is reported as `Err` only when it is
    /// unreadable as a marker at all (damaged); a mismatch means "not complete".
    pub fn is_complete(dir: &Path, stage: &str, part: &str, fingerprint: &str) -> Result<bool> {
        let path = Marker::path(dir, part);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let marker: Marker = match serde_json::from_slice(&bytes) {
            Ok(m) => m,
            Err(_) => return Ok(false),
        };
        if marker.format != Marker::FORMAT
            || marker.version != Marker::VERSION
            || marker.stage != stage
            || marker.part != part
            || marker.fingerprint != fingerprint
        {
            return Ok(false);
        }
        for f in &marker.files {
            // A part's files are in its stage folder: a name with a path in it is not ours.
            let plain = Path::new(&f.name)
                .file_name()
                .is_some_and(|n| n == f.name.as_str() && f.name != "." && f.name != "..");
            if !plain {
                return Ok(false);
            }
            let p = dir.join(&f.name);
            match FileDigest::of(&p) {
                Ok(d) if d == *f => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, UInt64Array};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    const KIND: TableKind = TableKind {
        name: "test.numbers",
        version: 1,
    };

    fn write(path: &Path, kind: TableKind) -> FileDigest {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::UInt64, false)]));
        let mut w = TableWriter::create(path, kind, schema.clone()).unwrap();
        let col: ArrayRef = Arc::new(UInt64Array::from(vec![1u64, 2, 3]));
        w.write(&RecordBatch::try_new(schema, vec![col]).unwrap())
            .unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn table_round_trips_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let digest = write(&path, KIND);
        assert_eq!(digest.name, "t.parquet");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        let reader = read_table(&path, KIND, &["n"]).unwrap();
        assert_eq!(reader.rows(), 3);
        let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
        assert_eq!(batches[0].num_rows(), 3);
    }

    #[test]
    fn table_of_another_version_or_name_is_incompatible() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        write(
            &path,
            TableKind {
                name: "test.numbers",
                version: 2,
            },
        );
        assert!(matches!(
            read_table(&path, KIND, &[]),
            Err(Error::Incompatible { .. })
        ));
        write(
            &path,
            TableKind {
                name: "test.other",
                version: 1,
            },
        );
        assert!(matches!(
            read_table(&path, KIND, &[]),
            Err(Error::Incompatible { .. })
        ));
    }

    #[test]
    fn truncated_table_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        write(&path, KIND);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(matches!(
            read_table(&path, KIND, &[]),
            Err(Error::Corrupt { .. })
        ));
    }

    #[test]
    fn marker_holds_only_while_its_files_are_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part-00000.parquet");
        let digest = write(&path, KIND);
        assert!(!Marker::is_complete(dir.path(), "s", "part-00000", "f").unwrap());
        Marker::write(dir.path(), "s", "part-00000", "f", vec![digest]).unwrap();
        assert!(Marker::is_complete(dir.path(), "s", "part-00000", "f").unwrap());
        assert!(!Marker::is_complete(dir.path(), "s", "part-00000", "other").unwrap());
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 10;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(!Marker::is_complete(dir.path(), "s", "part-00000", "f").unwrap());
    }

    #[test]
    fn marker_naming_a_file_outside_its_folder_does_not_hold() {
        let dir = tempfile::tempdir().unwrap();
        let stage = dir.path().join("stage");
        std::fs::create_dir(&stage).unwrap();
        let outside = dir.path().join("t.parquet");
        let mut digest = write(&outside, KIND);
        digest.name = "../t.parquet".into();
        Marker::write(&stage, "s", "part-00000", "f", vec![digest]).unwrap();
        assert!(!Marker::is_complete(&stage, "s", "part-00000", "f").unwrap());
    }
}
