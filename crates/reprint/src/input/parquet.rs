//! Parquet input: every row of a Parquet file is one record.
//!
//! A row is read as the JSON object of its columns (written by `arrow-json`: strings
//! escaped, timestamps and dates as ISO 8601 text, null columns left out), one per
//! line, so that the fields map onto documents exactly as in JSON Lines
//! (`--id-field`, `--text-field`, `--date-field`, `--keep-by`), a row's number
//! (counting from 1) is its "line" in ids, origins and messages, and a run that
//! copies kept records (a deduplicated dump) writes them as JSON Lines. Rows are
//! decoded a batch at a time, so memory holds one batch, whatever the file's size.
//! Snappy, gzip, LZ4 and zstd column chunks are read.

use arrow_json::LineDelimitedWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::ChunkReader;
use std::io::{self, BufRead, Read};

/// Rows decoded per batch.
const BATCH_ROWS: usize = 1024;

/// The rows of one Parquet file as JSON Lines bytes.
pub(crate) struct ParquetLines {
    batches: ParquetRecordBatchReader,
    buf: Vec<u8>,
    pos: usize,
}

fn parquet_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not a readable Parquet file: {e}"),
    )
}

impl ParquetLines {
    /// Opens `file`: a `File`, or the bytes of one held in memory (its footer is read
    /// now, so bytes that are not Parquet fail here).
    pub(crate) fn open<R: ChunkReader + 'static>(file: R) -> io::Result<ParquetLines> {
        let batches = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(parquet_error)?
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(parquet_error)?;
        Ok(ParquetLines {
            batches,
            buf: Vec::new(),
            pos: 0,
        })
    }
}

impl Read for ParquetLines {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ParquetLines {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.buf.len() {
            let Some(batch) = self.batches.next() else {
                break;
            };
            let batch = batch.map_err(parquet_error)?;
            self.buf.clear();
            self.pos = 0;
            let mut writer = LineDelimitedWriter::new(&mut self.buf);
            writer.write(&batch).map_err(parquet_error)?;
            writer.finish().map_err(parquet_error)?;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    use std::fs::File;
    use std::sync::Arc;

    fn write(path: &std::path::Path, rows: usize, compression: Compression) {
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..rows as i64));
        let texts: ArrayRef =
            Arc::new(StringArray::from_iter((0..rows).map(|i| {
                (i % 7 != 3).then(|| format!("line one of {i}\nline \"two\"\r"))
            })));
        let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap();
        let props = WriterProperties::builder()
            .set_compression(compression)
            .build();
        let mut w =
            ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    #[test]
    fn rows_become_json_lines_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        for compression in [Compression::SNAPPY, Compression::UNCOMPRESSED] {
            let path = dir.path().join("a.parquet");
            write(&path, 2500, compression);
            let lines: Vec<String> =
                io::BufReader::new(ParquetLines::open(File::open(&path).unwrap()).unwrap())
                    .lines()
                    .map(Result::unwrap)
                    .collect();
            assert_eq!(lines.len(), 2500);
            let first: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
            assert_eq!(first["id"], 0);
            assert_eq!(first["text"], "line one of 0\nline \"two\"\r");
            // A null text is left out of its row's object.
            let third: serde_json::Value = serde_json::from_str(&lines[3]).unwrap();
            assert!(third.get("text").is_none());
            assert_eq!(third["id"], 3);
        }
    }

    #[test]
    fn a_file_that_is_not_parquet_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.parquet");
        std::fs::write(&path, b"{\"id\": 1}\n").unwrap();
        let err = ParquetLines::open(File::open(&path).unwrap())
            .err()
            .unwrap();
        assert!(err.to_string().contains("Parquet"), "{err}");
    }
}
