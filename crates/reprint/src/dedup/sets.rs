//! The shingle sets of the sign stage: one Arrow IPC file per sign part
//! (`sign/part-PPPPP.sets.arrow`, table `dedup.sets`), beside the part's Parquet table.
//!
//! Verify and components need the sets of the documents their pairs name, in an order
//! that has nothing to do with the files' order. An uncompressed Arrow IPC file keeps
//! each batch's list offsets and values as plain little-endian buffers at known places,
//! so a set is one positioned read of its values, found through the offsets: nothing
//! is decoded and nothing is copied into a spill file first, and resident memory holds
//! only what is being scored. Any Arrow reader opens the files (`pyarrow.ipc.open_file`,
//! DuckDB through Arrow, Spark, Ray).

use crate::error::{Error, Result};
use crate::table::{file_name, persist, temporary_beside, Digesting, FileDigest, TableKind};
use arrow_array::builder::{ListBuilder, UInt32Builder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The sets table: one row per record of a sign part, in record order.
pub const SETS_TABLE: TableKind = TableKind {
    name: "dedup.sets",
    version: 1,
};

/// Bytes buffered before they reach the file (and its digest).
const WRITE_BUFFER_BYTES: usize = 1 << 20;

/// The schema: `record` (uint64) and `set` (list of uint32, null for a record that is
/// not a document), with the table's name and version in the schema's metadata.
pub fn sets_schema() -> SchemaRef {
    let metadata: HashMap<String, String> = [
        (
            crate::table::TABLE_KEY.to_string(),
            SETS_TABLE.name.to_string(),
        ),
        (
            crate::table::VERSION_KEY.to_string(),
            SETS_TABLE.version.to_string(),
        ),
    ]
    .into_iter()
    .collect();
    Arc::new(
        Schema::new(vec![
            Field::new("record", DataType::UInt64, false),
            Field::new("set", DataType::List(Arc::new(item_field())), true),
        ])
        .with_metadata(metadata),
    )
}

fn item_field() -> Field {
    Field::new("item", DataType::UInt32, false)
}

/// Rows of a sets file being built, handed to a [`SetsWriter`] as one batch.
pub(crate) struct SetRows {
    record: UInt64Builder,
    set: ListBuilder<UInt32Builder>,
}

impl SetRows {
    pub(crate) fn new() -> SetRows {
        SetRows {
            record: UInt64Builder::new(),
            set: ListBuilder::new(UInt32Builder::new()).with_field(Arc::new(item_field())),
        }
    }

    /// The set of document `record`.
    pub(crate) fn push(&mut self, record: u64, set: &[u32]) {
        self.record.append_value(record);
        self.set.values().append_slice(set);
        self.set.append(true);
    }

    /// A record that is not a document.
    pub(crate) fn push_none(&mut self, record: u64) {
        self.record.append_value(record);
        self.set.append_null();
    }

    pub(crate) fn batch(&mut self) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> =
            vec![Arc::new(self.record.finish()), Arc::new(self.set.finish())];
        RecordBatch::try_new(sets_schema(), columns)
            .map_err(|e| Error::Config(format!("building a sets batch: {e}")))
    }
}

type IpcFile = arrow_ipc::writer::FileWriter<BufWriter<Digesting<tempfile::NamedTempFile>>>;

/// Writes a sets file that appears at its path only when [`SetsWriter::finish`]
/// succeeds, digested as it is written.
pub(crate) struct SetsWriter {
    path: PathBuf,
    writer: IpcFile,
}

impl SetsWriter {
    pub(crate) fn create(path: &Path) -> Result<SetsWriter> {
        let tmp = temporary_beside(path)?;
        let out = BufWriter::with_capacity(WRITE_BUFFER_BYTES, Digesting::new(tmp));
        // Uncompressed (the default): the reader finds sets by their place in the file.
        let writer = arrow_ipc::writer::FileWriter::try_new(out, &sets_schema())
            .map_err(|e| write_error(path, e))?;
        Ok(SetsWriter {
            path: path.to_path_buf(),
            writer,
        })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer
            .write(batch)
            .map_err(|e| write_error(&self.path, e))
    }

    /// Closes the file, syncs it, renames it into place and returns its digest.
    pub(crate) fn finish(mut self) -> Result<FileDigest> {
        let path = self.path;
        self.writer.finish().map_err(|e| write_error(&path, e))?;
        let out = self
            .writer
            .into_inner()
            .map_err(|e| write_error(&path, e))?;
        let mut out = out
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        out.flush().map_err(|e| Error::io(&path, e))?;
        let digest = out.digest(&file_name(&path));
        persist(out.into_inner(), &path)?;
        Ok(digest)
    }
}

fn write_error(path: &Path, e: arrow_schema::ArrowError) -> Error {
    match e {
        arrow_schema::ArrowError::IoError(_, io) => Error::io(path, io),
        other => Error::Stream {
            context: format!("writing {}", path.display()),
            cause: std::io::Error::other(other.to_string()),
        },
    }
}

/// Gaps between wanted sets that [`SignSets::warm`] reads through rather than skip.
const WARM_GAP_BYTES: u64 = 1 << 20;

/// Bytes per read of [`SignSets::warm`].
const WARM_READ_BYTES: usize = 8 << 20;

/// Where a document's set is: which file, at which byte, how many values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SetLoc {
    file: u32,
    len: u32,
    at: u64,
}

impl SetLoc {
    /// Number of values (shingle fingerprints) in the set.
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }
}

/// One record batch of a sets file: where its buffers are.
#[derive(Debug, Clone)]
struct BatchPlace {
    /// Rows in the batch.
    rows: u64,
    /// Byte positions in the file and lengths of the buffers used.
    record_values: (u64, u64),
    set_validity: (u64, u64),
    set_nulls: i64,
    set_offsets: (u64, u64),
    item_values: (u64, u64),
}

/// An opened sets file: its batches' places, read from the footer and the batch headers.
struct SetsFile {
    path: PathBuf,
    file: File,
    batches: Vec<BatchPlace>,
}

impl SetsFile {
    fn open(path: &Path) -> Result<SetsFile> {
        let corrupt = |message: String| Error::Corrupt {
            path: path.to_path_buf(),
            message,
        };
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if size < 10 {
            return Err(corrupt("too short for an Arrow IPC file".into()));
        }
        let mut tail = [0u8; 10];
        read_at(&file, path, &mut tail, size - 10)?;
        let footer_len = arrow_ipc::reader::read_footer_length(tail)
            .map_err(|e| corrupt(format!("not an Arrow IPC file: {e}")))?
            as u64;
        if footer_len > size - 10 {
            return Err(corrupt("the Arrow footer is longer than the file".into()));
        }
        let mut footer = vec![0u8; footer_len as usize];
        read_at(&file, path, &mut footer, size - 10 - footer_len)?;
        let footer = arrow_ipc::root_as_footer(&footer)
            .map_err(|e| corrupt(format!("unreadable Arrow footer: {e}")))?;
        let schema = footer
            .schema()
            .ok_or_else(|| corrupt("an Arrow file without a schema".into()))?;
        let schema = arrow_ipc::convert::try_fb_to_schema(schema)
            .map_err(|e| corrupt(format!("unreadable Arrow schema: {e}")))?;
        check_schema(path, &schema)?;
        let mut batches = Vec::new();
        for block in footer.recordBatches().into_iter().flatten() {
            let (offset, meta_len, body_len) = (
                u64::try_from(block.offset()),
                u64::try_from(block.metaDataLength()),
                u64::try_from(block.bodyLength()),
            );
            let (Ok(offset), Ok(meta_len), Ok(body_len)) = (offset, meta_len, body_len) else {
                return Err(corrupt("a negative Arrow block place".into()));
            };
            let body = offset
                .checked_add(meta_len)
                .filter(|b| b.checked_add(body_len).is_some_and(|end| end <= size))
                .filter(|_| (8..=1 << 20).contains(&meta_len))
                .ok_or_else(|| corrupt("an Arrow block outside the file".into()))?;
            let mut meta = vec![0u8; meta_len as usize];
            read_at(&file, path, &mut meta, offset)?;
            let start = if meta[..4] == [0xff; 4] { 8 } else { 4 };
            let message = arrow_ipc::root_as_message(&meta[start..])
                .map_err(|e| corrupt(format!("unreadable Arrow batch header: {e}")))?;
            let batch = message
                .header_as_record_batch()
                .ok_or_else(|| corrupt("an Arrow block that is not a record batch".into()))?;
            if batch.compression().is_some() {
                return Err(Error::Incompatible {
                    path: path.to_path_buf(),
                    message: "a compressed sets file (this build reads uncompressed ones)".into(),
                });
            }
            let rows = u64::try_from(batch.length())
                .map_err(|_| corrupt("a batch of negative length".into()))?;
            let buffers: Vec<(u64, u64)> = batch
                .buffers()
                .into_iter()
                .flatten()
                .map(|b| (b.offset(), b.length()))
                .map(|(o, l)| Ok((u64::try_from(o)?, u64::try_from(l)?)))
                .collect::<std::result::Result<_, std::num::TryFromIntError>>()
                .map_err(|_| corrupt("a negative Arrow buffer place".into()))?;
            let nodes: Vec<i64> = batch
                .nodes()
                .into_iter()
                .flatten()
                .map(|n| n.null_count())
                .collect();
            // record: validity, values; set: validity, offsets; item: validity, values.
            if buffers.len() != 6 || nodes.len() != 3 {
                return Err(corrupt(format!(
                    "a sets batch with {} buffers and {} columns (expected 6 and 3)",
                    buffers.len(),
                    nodes.len()
                )));
            }
            let place = |i: usize| -> Result<(u64, u64)> {
                let (o, l) = buffers[i];
                if o.checked_add(l).is_some_and(|end| end <= body_len) {
                    Ok((body + o, l))
                } else {
                    Err(corrupt("an Arrow buffer outside its batch".into()))
                }
            };
            let record_values = place(1)?;
            let set_offsets = place(3)?;
            let short = |bytes: u64, per_row: u64, extra: u64| {
                rows.checked_add(extra)
                    .and_then(|r| r.checked_mul(per_row))
                    .is_none_or(|need| bytes < need)
            };
            if short(record_values.1, 8, 0) || (rows > 0 && short(set_offsets.1, 4, 1)) {
                return Err(corrupt("a sets batch shorter than its row count".into()));
            }
            batches.push(BatchPlace {
                rows,
                record_values,
                set_validity: place(2)?,
                set_nulls: nodes[1],
                set_offsets,
                item_values: place(5)?,
            });
        }
        Ok(SetsFile {
            path: path.to_path_buf(),
            file,
            batches,
        })
    }
}

fn check_schema(path: &Path, schema: &Schema) -> Result<()> {
    let value = |key: &str| schema.metadata().get(key).cloned();
    let name = value(crate::table::TABLE_KEY);
    if name.as_deref() != Some(SETS_TABLE.name) {
        return Err(Error::Incompatible {
            path: path.to_path_buf(),
            message: format!(
                "holds {}, not a {} table",
                name.map_or_else(|| "no reprint table".into(), |n| format!("a {n} table")),
                SETS_TABLE.name
            ),
        });
    }
    let version = value(crate::table::VERSION_KEY);
    if version.as_deref() != Some(SETS_TABLE.version.to_string().as_str()) {
        return Err(Error::Incompatible {
            path: path.to_path_buf(),
            message: format!(
                "{} schema version {} (this build reads version {}); rerun the sign stage",
                SETS_TABLE.name,
                version.as_deref().unwrap_or("missing"),
                SETS_TABLE.version
            ),
        });
    }
    let expected = sets_schema();
    let same = schema.fields().len() == 2
        && schema
            .fields()
            .iter()
            .zip(expected.fields())
            .all(|(a, b)| a.name() == b.name() && a.data_type() == b.data_type());
    if !same {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            message: "a sets file whose columns are not `record` (uint64) and `set` (list<uint32>)"
                .into(),
        });
    }
    Ok(())
}

fn read_at(file: &File, path: &Path, buf: &mut [u8], at: u64) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, at).map_err(|e| Error::io(path, e))
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = file;
        f.seek(SeekFrom::Start(at))
            .map_err(|e| Error::io(path, e))?;
        f.read_exact(buf).map_err(|e| Error::io(path, e))
    }
}

fn le_u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// The sets files of a run's sign parts, opened, and the places of the sets asked for.
/// Part `p` holds records `p·N … p·N+N−1` (N = `part_records`).
pub(crate) struct SignSets {
    files: Vec<SetsFile>,
    part_records: u64,
}

impl SignSets {
    /// Opens the sets files `paths` (one per part, in part order).
    pub(crate) fn open(paths: &[PathBuf], part_records: u64) -> Result<SignSets> {
        let files = paths
            .iter()
            .map(|p| SetsFile::open(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(SignSets {
            files,
            part_records: part_records.max(1),
        })
    }

    /// The places of the sets of `records` (sorted, unique), in that order. Only the
    /// offsets (and record numbers) of the batches that hold them are read. A record
    /// that is not a document, or that the files do not hold, is an error.
    pub(crate) fn locate(&self, records: &[u64]) -> Result<Vec<SetLoc>> {
        let mut locs = Vec::with_capacity(records.len());
        let mut next = 0usize;
        let mut offsets = Vec::new();
        let mut numbers = Vec::new();
        let mut validity = Vec::new();
        while next < records.len() {
            let part = records[next] / self.part_records;
            let f = self
                .files
                .get(part as usize)
                .ok_or_else(|| self.missing(records[next]))?;
            let corrupt = |message: &str| Error::Corrupt {
                path: f.path.clone(),
                message: message.to_string(),
            };
            let mut first = part * self.part_records;
            for b in &f.batches {
                let end = first + b.rows;
                if next == records.len() || records[next] >= (part + 1) * self.part_records {
                    break;
                }
                if records[next] >= end {
                    first = end;
                    continue;
                }
                offsets.resize((b.rows as usize + 1) * 4, 0);
                read_at(&f.file, &f.path, &mut offsets, b.set_offsets.0)?;
                numbers.resize(b.rows as usize * 8, 0);
                read_at(&f.file, &f.path, &mut numbers, b.record_values.0)?;
                let has_nulls = b.set_nulls > 0;
                if has_nulls {
                    if b.set_validity.1 * 8 < b.rows {
                        return Err(corrupt("a sets batch whose validity is too short"));
                    }
                    validity.resize(b.set_validity.1 as usize, 0);
                    read_at(&f.file, &f.path, &mut validity, b.set_validity.0)?;
                }
                while next < records.len() && records[next] < end {
                    let row = (records[next] - first) as usize;
                    let number = u64::from_le_bytes(
                        numbers[row * 8..row * 8 + 8].try_into().unwrap_or([0; 8]),
                    );
                    let valid = !has_nulls || validity[row / 8] & (1 << (row % 8)) != 0;
                    if number != records[next] || !valid {
                        return Err(Error::Corrupt {
                            path: f.path.clone(),
                            message: format!("record {} is not a document here", records[next]),
                        });
                    }
                    let mut o = le_u32s(&offsets[row * 4..row * 4 + 8]);
                    let (start, stop) = (o.next().unwrap_or(0), o.next().unwrap_or(0));
                    if stop < start || u64::from(stop) * 4 > b.item_values.1 {
                        return Err(corrupt("a set outside its batch's values"));
                    }
                    locs.push(SetLoc {
                        file: part as u32,
                        len: stop - start,
                        at: b.item_values.0 + u64::from(start) * 4,
                    });
                    next += 1;
                }
                first = end;
            }
            if next < records.len() && records[next] / self.part_records == part {
                return Err(self.missing(records[next]));
            }
        }
        Ok(locs)
    }

    fn missing(&self, record: u64) -> Error {
        let path = self
            .files
            .last()
            .map(|f| f.path.clone())
            .unwrap_or_default();
        Error::Corrupt {
            path,
            message: format!("the sign parts hold no record {record}"),
        }
    }

    /// Reads the bytes of the sets at `locs` (in file order, as [`SignSets::locate`]
    /// gives them) front to back, files in parallel, in large reads that also take the
    /// gaps under [`WARM_GAP_BYTES`], and drops them: the random reads of the scoring
    /// that follows then find them in the page cache, where one read each from the
    /// disk would cost a seek (a 16 GB run's verify took 41 s instead of 8 s that way).
    /// When the page cache cannot hold them, this costs one sequential read.
    pub(crate) fn warm(&self, locs: &[SetLoc]) -> Result<()> {
        let mut spans: Vec<Vec<(u64, u64)>> = vec![Vec::new(); self.files.len()];
        for loc in locs {
            let end = loc.at + loc.len as u64 * 4;
            let file = &mut spans[loc.file as usize];
            match file.last_mut() {
                Some(last) if loc.at <= last.1 + WARM_GAP_BYTES => last.1 = last.1.max(end),
                _ => file.push((loc.at, end)),
            }
        }
        let work: Vec<(usize, Vec<(u64, u64)>)> = spans
            .into_iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .collect();
        let results = crate::exec::map(&work, |(file, spans)| {
            let f = &self.files[*file];
            let mut buf = vec![0u8; WARM_READ_BYTES];
            for &(start, end) in spans {
                let mut at = start;
                while at < end {
                    let n = ((end - at) as usize).min(buf.len());
                    read_at(&f.file, &f.path, &mut buf[..n], at)?;
                    at += n as u64;
                }
            }
            Ok(())
        });
        results.into_iter().collect()
    }

    /// Reads the set at `loc` into `out` (a positioned read of its values).
    pub(crate) fn read_into(&self, loc: SetLoc, out: &mut Vec<u32>) -> Result<()> {
        let f = &self.files[loc.file as usize];
        out.clear();
        out.resize(loc.len(), 0);
        if out.is_empty() {
            return Ok(());
        }
        // SAFETY: a u32 has no invalid bit patterns; the view covers exactly the
        // vector's initialised values, for the duration of the read.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(
                out.as_mut_ptr().cast::<u8>(),
                std::mem::size_of_val(out.as_slice()),
            )
        };
        read_at(&f.file, &f.path, bytes, loc.at)?;
        if cfg!(target_endian = "big") {
            for v in out.iter_mut() {
                *v = u32::from_le(*v);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, rows: &[(u64, Option<&[u32]>)], per_batch: usize) -> PathBuf {
        let path = dir.join(name);
        let mut w = SetsWriter::create(&path).unwrap();
        for chunk in rows.chunks(per_batch) {
            let mut r = SetRows::new();
            for &(record, set) in chunk {
                match set {
                    Some(s) => r.push(record, s),
                    None => r.push_none(record),
                }
            }
            w.write(&r.batch().unwrap()).unwrap();
        }
        let digest = w.finish().unwrap();
        assert_eq!(digest, FileDigest::of(&path).unwrap());
        path
    }

    #[test]
    fn sets_are_found_across_batches_and_parts() {
        let dir = tempfile::tempdir().unwrap();
        let a: Vec<(u64, Option<&[u32]>)> = vec![
            (0, Some(&[1, 2, 3])),
            (1, None),
            (2, Some(&[])),
            (3, Some(&[7, 9])),
        ];
        let b: Vec<(u64, Option<&[u32]>)> = vec![(4, Some(&[5])), (5, Some(&[4, 8, 15, 16]))];
        let paths = vec![
            write(dir.path(), "a.arrow", &a, 3),
            write(dir.path(), "b.arrow", &b, 1),
        ];
        let sets = SignSets::open(&paths, 4).unwrap();
        let locs = sets.locate(&[0, 2, 3, 5]).unwrap();
        let mut out = Vec::new();
        let got: Vec<Vec<u32>> = locs
            .iter()
            .map(|&l| {
                sets.read_into(l, &mut out).unwrap();
                out.clone()
            })
            .collect();
        assert_eq!(
            got,
            vec![vec![1, 2, 3], vec![], vec![7, 9], vec![4, 8, 15, 16]]
        );
        // A record that is not a document, or one past the end, is an error.
        assert!(matches!(sets.locate(&[1]), Err(Error::Corrupt { .. })));
        assert!(matches!(sets.locate(&[9]), Err(Error::Corrupt { .. })));
    }

    #[test]
    fn arrow_readers_see_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "s.arrow", &[(0, Some(&[3, 4])), (1, None)], 8);
        let reader =
            arrow_ipc::reader::FileReader::try_new(File::open(&path).unwrap(), None).unwrap();
        assert_eq!(
            reader
                .schema()
                .metadata()
                .get(crate::table::TABLE_KEY)
                .map(String::as_str),
            Some("dedup.sets")
        );
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 2);
    }

    #[test]
    fn damaged_or_foreign_files_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "s.arrow", &[(0, Some(&[3, 4]))], 8);
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes.truncate(n - 3);
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            SignSets::open(std::slice::from_ref(&path), 4),
            Err(Error::Corrupt { .. })
        ));
        std::fs::write(&path, b"not arrow at all").unwrap();
        assert!(matches!(
            SignSets::open(&[path], 4),
            Err(Error::Corrupt { .. })
        ));
    }
}
