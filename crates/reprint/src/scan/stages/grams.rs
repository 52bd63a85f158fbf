//! The grams stage: each document's distinct unmasked n-gram hashes and its repeats.

use super::*;

pub(super) fn gram_partitions(work: &ScanWork, stats: &StoreStats) -> u32 {
    // One posting (8 bytes once loaded) per word at most.
    let planned = work.manifest.plan.gram_partitions.unwrap_or_else(|| {
        work.manifest
            .memory_limit
            .parts_for(stats.words.saturating_mul(8), PART_SHARE)
            .min(4096) as u32
    });
    planned.max(1)
}

pub(super) fn grams_schema() -> SchemaRef {
    schema(vec![u32_field("gram"), u32_field("doc")])
}

pub(super) fn repeats_schema() -> SchemaRef {
    schema(vec![
        u32_field("doc"),
        u64_field("first_start"),
        u64_field("first_end"),
        u64_field("second_start"),
        u64_field("second_end"),
    ])
}

/// The grams stage: for each block ([`ScanPlan::block_docs`]) of this shard
/// (`block % world == rank`), every document's distinct unmasked n-gram hashes
/// (partitioned by hash range) and its within-document repeats.
pub fn grams(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let dir = work.stage_dir("grams")?;
    let name = shard_name(shard);
    if Marker::is_complete(&dir, GRAMS_TABLE.name, &name, work.fp())? {
        return Ok(made(0, 1));
    }
    let stored = load_stored(work)?;
    let documents = stored.texts.len();
    let masks = load_masks(work, documents)?;
    let store = TextStore::open(&work.root.join("store").join("texts.bin"), stored.texts)?;
    let parts = gram_partitions(work, &stored.stats);
    let mut writers: Vec<PartWriter> = (0..parts)
        .map(|p| {
            PartWriter::create(
                &dir.join(format!("{name}.part-{p:05}.parquet")),
                GRAMS_TABLE,
                grams_schema(),
            )
        })
        .collect::<Result<_>>()?;
    let repeats_path = dir.join(format!("{name}.repeats.parquet"));
    let mut repeats_writer = TableWriter::create(&repeats_path, REPEATS_TABLE, repeats_schema())?;
    let block_docs = work.plan().block_docs.max(1) as usize;
    let blocks = documents.div_ceil(block_docs);
    observer.stage_started(Stage::Candidates, Some(blocks as u64));
    for b in (0..blocks).filter(|&b| owns(shard, b as u64)) {
        let range = b * block_docs..((b + 1) * block_docs).min(documents);
        let first = range.start;
        let texts = store.read_range(range)?;
        let indexed: Vec<(Vec<u32>, Vec<RepeatPair>)> =
            exec::map_owned(texts.into_iter().enumerate().collect(), |(i, text)| {
                let index = index_document(&text, masks.get(first + i), config);
                let mut grams = index.grams;
                grams.sort_unstable();
                grams.dedup();
                (grams, index.repeats)
            });
        let (mut rd, mut fs, mut fe, mut ss, mut se) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, (grams, repeats)) in indexed.into_iter().enumerate() {
            let d = (first + i) as u32;
            for g in grams {
                writers[gram_partition(g, parts) as usize].push_gram(g, d)?;
            }
            for (a, b) in repeats {
                rd.push(d);
                fs.push(a.start as u64);
                fe.push(a.end as u64);
                ss.push(b.start as u64);
                se.push(b.end as u64);
            }
        }
        if !rd.is_empty() {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(UInt32Array::from(rd)),
                Arc::new(UInt64Array::from(fs)),
                Arc::new(UInt64Array::from(fe)),
                Arc::new(UInt64Array::from(ss)),
                Arc::new(UInt64Array::from(se)),
            ];
            let batch = RecordBatch::try_new(repeats_schema(), columns)
                .map_err(|e| build_error("repeats", e))?;
            repeats_writer.write(&batch)?;
        }
        observer.advance(1);
    }
    let mut files = Vec::with_capacity(parts as usize + 1);
    for w in writers {
        files.push(w.finish()?);
    }
    files.push(repeats_writer.finish()?);
    Marker::write(&dir, GRAMS_TABLE.name, &name, work.fp(), files)?;
    observer.stage_finished(Stage::Candidates);
    Ok(made(1, 0))
}

/// The world size whose ranks have all completed a sharded stage (the largest such).
pub(super) fn complete_world(work: &ScanWork, stage: &str, kind: TableKind) -> Result<u32> {
    let dir = work.root.join(stage);
    let mut worlds = std::collections::BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(w) = name
                .strip_suffix(".done")
                .and_then(|r| r.split_once("-of-"))
                .and_then(|(_, w)| w.parse::<u32>().ok())
            {
                worlds.insert(w);
            }
        }
    }
    for &w in worlds.iter().rev() {
        let mut all = true;
        for r in 0..w {
            if !Marker::is_complete(&dir, kind.name, &format!("rank-{r}-of-{w}"), work.fp())? {
                all = false;
                break;
            }
        }
        if all {
            return Ok(w);
        }
    }
    Err(incomplete(
        &dir,
        format!("the {stage} stage is not complete (every rank of one world size); run it first"),
    ))
}
