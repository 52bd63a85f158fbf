//! The store stage: the inputs read once into the text store, the documents table
//! and the short lines.

use super::*;

/// What the store stage counted, in `store/stats.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct StoreStats {
    pub(super) documents: u64,
    pub(super) skipped: Skipped,
    pub(super) input: InputTally,
    pub(super) text_bytes: u64,
    pub(super) words: u64,
    pub(super) read_seconds: f64,
}

pub(super) fn documents_schema() -> SchemaRef {
    schema(vec![
        u32_field("doc"),
        u64_field("record"),
        u32_field("source"),
        u64_field("line"),
        Field::new("id", DataType::Utf8, false),
        Field::new("id_from_field", DataType::Boolean, false),
        u64_field("offset"),
        u64_field("bytes"),
        u64_field("xxh3"),
        Field::new("date", DataType::Utf8, true),
        Field::new("date_seconds", DataType::Int64, true),
        Field::new("date_nanos", DataType::UInt32, true),
        Field::new("encoding", DataType::Utf8, true),
        Field::new("outlet", DataType::Utf8, true),
    ])
}

pub(super) fn lines_schema() -> SchemaRef {
    schema(vec![
        u64_field("key"),
        u32_field("doc"),
        u64_field("start"),
        u64_field("end"),
    ])
}

#[derive(Default)]
pub(super) struct DocRows {
    pub(super) doc: Vec<u32>,
    pub(super) record: Vec<u64>,
    pub(super) source: Vec<u32>,
    pub(super) line: Vec<u64>,
    pub(super) id: Vec<String>,
    pub(super) id_from_field: Vec<bool>,
    pub(super) offset: Vec<u64>,
    pub(super) bytes: Vec<u64>,
    pub(super) xxh3: Vec<u64>,
    pub(super) date: Vec<Option<String>>,
    pub(super) date_seconds: Vec<Option<i64>>,
    pub(super) date_nanos: Vec<Option<u32>>,
    pub(super) encoding: Vec<Option<&'static str>>,
    pub(super) outlet: Vec<Option<String>>,
}

impl DocRows {
    pub(super) fn flush(&mut self, writer: &mut TableWriter) -> Result<()> {
        if self.doc.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(self);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(rows.doc)),
            Arc::new(UInt64Array::from(rows.record)),
            Arc::new(UInt32Array::from(rows.source)),
            Arc::new(UInt64Array::from(rows.line)),
            Arc::new(StringArray::from(rows.id)),
            Arc::new(BooleanArray::from(rows.id_from_field)),
            Arc::new(UInt64Array::from(rows.offset)),
            Arc::new(UInt64Array::from(rows.bytes)),
            Arc::new(UInt64Array::from(rows.xxh3)),
            Arc::new(StringArray::from(rows.date)),
            Arc::new(Int64Array::from(rows.date_seconds)),
            Arc::new(UInt32Array::from(rows.date_nanos)),
            Arc::new(StringArray::from(rows.encoding)),
            Arc::new(StringArray::from(rows.outlet)),
        ];
        let batch = RecordBatch::try_new(documents_schema(), columns)
            .map_err(|e| build_error("documents", e))?;
        writer.write(&batch)
    }
}

/// Rows of one partition of a `(key, doc, start, end)` or `(gram, doc)` table,
/// buffered until [`FLUSH_ROWS`].
pub(super) struct PartWriter {
    pub(super) writer: TableWriter,
    pub(super) schema: SchemaRef,
    pub(super) keys: Vec<u64>,
    pub(super) docs: Vec<u32>,
    pub(super) starts: Vec<u64>,
    pub(super) ends: Vec<u64>,
}

impl PartWriter {
    pub(super) fn create(path: &Path, kind: TableKind, schema: SchemaRef) -> Result<PartWriter> {
        // The (gram, doc) tables are hashes read back at once: not worth compressing.
        let writer = if schema.fields().len() == 2 {
            TableWriter::create_uncompressed(path, kind, schema.clone())?
        } else {
            TableWriter::create(path, kind, schema.clone())?
        };
        Ok(PartWriter {
            writer,
            schema,
            keys: Vec::new(),
            docs: Vec::new(),
            starts: Vec::new(),
            ends: Vec::new(),
        })
    }

    pub(super) fn flush(&mut self) -> Result<()> {
        if self.docs.is_empty() {
            return Ok(());
        }
        let docs = Arc::new(UInt32Array::from(std::mem::take(&mut self.docs)));
        let keys = std::mem::take(&mut self.keys);
        let columns: Vec<ArrayRef> = if self.schema.fields().len() == 2 {
            let grams: UInt32Array = keys.into_iter().map(|k| k as u32).collect();
            vec![Arc::new(grams), docs]
        } else {
            vec![
                Arc::new(UInt64Array::from(keys)),
                docs,
                Arc::new(UInt64Array::from(std::mem::take(&mut self.starts))),
                Arc::new(UInt64Array::from(std::mem::take(&mut self.ends))),
            ]
        };
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| build_error("partition", e))?;
        self.writer.write(&batch)
    }

    pub(super) fn push_span(&mut self, key: u64, doc: u32, span: Span) -> Result<()> {
        self.keys.push(key);
        self.docs.push(doc);
        self.starts.push(span.start as u64);
        self.ends.push(span.end as u64);
        if self.docs.len() >= FLUSH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    pub(super) fn push_gram(&mut self, gram: u32, doc: u32) -> Result<()> {
        self.keys.push(u64::from(gram));
        self.docs.push(doc);
        if self.docs.len() >= FLUSH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<FileDigest> {
        self.flush()?;
        self.writer.finish()
    }
}

pub(super) fn line_part_name(p: u32) -> String {
    format!("lines-{p:05}")
}

/// The partition of a 64-bit key among `parts` (by range, so that partitions in
/// order hold the keys in order).
pub(super) fn key_partition(key: u64, parts: u32) -> u32 {
    ((u128::from(key) * u128::from(parts)) >> 64) as u32
}

/// The partition of a 32-bit n-gram hash among `parts` (by range).
pub(super) fn gram_partition(gram: u32, parts: u32) -> u32 {
    ((u64::from(gram) * u64::from(parts)) >> 32) as u32
}

/// The store stage: reads every record of `sources` once, in order.
pub fn store(
    work: &ScanWork,
    sources: &Sources,
    config: &ScanConfig,
    observer: &dyn Observer,
) -> Result<StageReport> {
    work.check_config(config, sources)?;
    let dir = work.stage_dir("store")?;
    if Marker::is_complete(&dir, "scan.store", "store", work.fp())? {
        return Ok(made(0, 1));
    }
    let started = Instant::now();
    let parts = work.manifest.plan.line_partitions.max(1);
    let mut texts = TextStoreWriter::create(&dir.join("texts.bin"))?;
    let mut docs_writer = TableWriter::create(
        &dir.join("documents.parquet"),
        DOCUMENTS_TABLE,
        documents_schema(),
    )?;
    let mut line_parts: Vec<PartWriter> = (0..parts)
        .map(|p| {
            PartWriter::create(
                &dir.join(format!("{}.parquet", line_part_name(p))),
                LINES_TABLE,
                lines_schema(),
            )
        })
        .collect::<Result<_>>()?;
    let mut rows = DocRows::default();
    let mut stats = StoreStats::default();
    let max_words = config.boilerplate.max_line_words;
    let ingest_config = IngestConfig {
        strict: config.strict,
        ..IngestConfig::default()
    };
    let read = ingest::ingest_selected(
        sources,
        &config.input,
        &ingest_config,
        &|_| true,
        observer,
        |_: &mut (), _, doc| {
            let all = lines(&doc.text, &config.normalize);
            let words: u64 = all.iter().map(|l| l.words as u64).sum();
            let short: Vec<_> = all.into_iter().filter(|l| l.words <= max_words).collect();
            (doc, short, words)
        },
        |item| {
            let ingest::Item::Doc { record, value, .. } = item else {
                return Ok(());
            };
            let (doc, short, words) = value;
            let d = stats.documents as u32;
            let placed = texts.push(&doc.text)?;
            rows.doc.push(d);
            rows.record.push(record.ordinal);
            rows.source.push(doc.origin.source);
            rows.line.push(doc.origin.line);
            rows.id.push(doc.id);
            rows.id_from_field.push(doc.id_from_field);
            rows.offset.push(placed.offset);
            rows.bytes.push(placed.bytes);
            rows.xxh3.push(placed.xxh3);
            rows.date.push(doc.date.as_ref().map(|x| x.text.clone()));
            rows.date_seconds
                .push(doc.date.as_ref().map(|x| x.instant.timestamp()));
            rows.date_nanos.push(
                doc.date
                    .as_ref()
                    .map(|x| x.instant.timestamp_subsec_nanos()),
            );
            rows.encoding.push(doc.encoding);
            rows.outlet.push(doc.outlet);
            if rows.doc.len() >= 8192 {
                rows.flush(&mut docs_writer)?;
            }
            for l in short {
                line_parts[key_partition(l.key, parts) as usize].push_span(l.key, d, l.span)?;
            }
            stats.documents += 1;
            stats.text_bytes += placed.bytes;
            stats.words += words;
            Ok(())
        },
    )?;
    read.tally
        .check_fields(&read.skipped, sources, &config.input)?;
    rows.flush(&mut docs_writer)?;
    // The text store is not in the marker: each text carries its own checksum, checked
    // on every read, and its size is checked against the documents table on open, so
    // that checking the marker does not read the whole text again.
    texts.finish()?;
    let mut files = vec![docs_writer.finish()?];
    for part in line_parts {
        files.push(part.finish()?);
    }
    stats.skipped = read.skipped;
    stats.input = read.tally;
    stats.read_seconds = started.elapsed().as_secs_f64();
    let stats_path = dir.join("stats.json");
    write_json_atomic(&stats_path, &stats)?;
    files.push(FileDigest::of(&stats_path)?);
    Marker::write(&dir, "scan.store", "store", work.fp(), files)?;
    Ok(made(1, 0))
}

/// The store's documents as later stages need them.
pub(super) struct Stored {
    pub(super) stats: StoreStats,
    pub(super) texts: Vec<StoredText>,
}

pub(super) fn check_store(work: &ScanWork) -> Result<PathBuf> {
    let dir = work.root.join("store");
    if !Marker::is_complete(&dir, "scan.store", "store", work.fp())? {
        return Err(incomplete(
            &dir,
            "the store stage is not complete; run it first".into(),
        ));
    }
    Ok(dir)
}

pub(super) fn load_stored(work: &ScanWork) -> Result<Stored> {
    let dir = check_store(work)?;
    let stats: StoreStats = read_json(&dir.join("stats.json"))?;
    let path = dir.join("documents.parquet");
    let mut texts = Vec::with_capacity(stats.documents as usize);
    for batch in read_table(&path, DOCUMENTS_TABLE, &["doc", "offset", "bytes", "xxh3"])? {
        let batch = batch?;
        let doc = column::<UInt32Array>(&batch, "doc", &path)?;
        let offset = column::<UInt64Array>(&batch, "offset", &path)?;
        let bytes = column::<UInt64Array>(&batch, "bytes", &path)?;
        let xxh3 = column::<UInt64Array>(&batch, "xxh3", &path)?;
        for i in 0..batch.num_rows() {
            if doc.value(i) as usize != texts.len() {
                return Err(Error::Corrupt {
                    path,
                    message: "documents are not numbered consecutively".into(),
                });
            }
            texts.push(StoredText {
                offset: offset.value(i),
                bytes: bytes.value(i),
                xxh3: xxh3.value(i),
            });
        }
    }
    if texts.len() as u64 != stats.documents {
        return Err(Error::Corrupt {
            path,
            message: format!(
                "{} documents where the store's stats count {}",
                texts.len(),
                stats.documents
            ),
        });
    }
    Ok(Stored { stats, texts })
}
