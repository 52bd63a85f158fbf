//! The postings stage: n-grams found in 2 to `max_df` documents, with those documents.

use super::*;

/// What one postings part counted, in `postings/part-PPPPP.stats.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct PostingsStats {
    /// Partitions of the grams stage (every part says the same).
    pub(super) partitions: u32,
    /// N-grams kept (found in 2 to `max_df` documents).
    pub(super) grams: u64,
    /// Pair instances (one per pair of documents per shared n-gram) counted by the
    /// block ([`ScanPlan::block_docs`]) of the pair's first document.
    pub(super) instances: Vec<u64>,
}

pub(super) fn postings_schema() -> SchemaRef {
    schema(vec![
        u32_field("gram"),
        Field::new(
            "docs",
            DataType::List(Arc::new(Field::new("item", DataType::UInt32, false))),
            false,
        ),
    ])
}

/// The postings stage: for each gram partition of this shard (`partition % world ==
/// rank`), the n-grams found in 2 to `max_df` documents, each with its documents in
/// ascending order.
pub fn postings(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let dir = work.stage_dir("postings")?;
    let stored = load_stored(work)?;
    let documents = stored.texts.len();
    let block_docs = work.plan().block_docs.max(1) as usize;
    let parts = gram_partitions(work, &stored.stats);
    let world = complete_world(work, "grams", GRAMS_TABLE)?;
    let grams_dir = work.root.join("grams");
    let mut report = made(0, 0);
    observer.stage_started(Stage::Candidates, None);
    for p in (0..parts).filter(|&p| owns(shard, u64::from(p))) {
        let name = format!("part-{p:05}");
        if Marker::is_complete(&dir, POSTINGS_TABLE.name, &name, work.fp())? {
            report.skipped += 1;
            continue;
        }
        let paths: Vec<PathBuf> = (0..world)
            .map(|r| grams_dir.join(format!("rank-{r}-of-{world}.part-{p:05}.parquet")))
            .collect();
        let mut postings: Vec<u64> = Vec::new();
        for path in &paths {
            let table = read_table(path, GRAMS_TABLE, &[])?;
            postings.reserve_exact(table.rows() as usize);
            for batch in table {
                let batch = batch?;
                let gram = column::<UInt32Array>(&batch, "gram", path)?;
                let doc = column::<UInt32Array>(&batch, "doc", path)?;
                postings.extend(
                    gram.values()
                        .iter()
                        .zip(doc.values().iter())
                        .map(|(&g, &d)| (u64::from(g) << 32) | u64::from(d)),
                );
            }
        }
        exec::sort_unstable(&mut postings);
        let mut stats = PostingsStats {
            partitions: parts,
            grams: 0,
            instances: vec![0; documents.div_ceil(block_docs)],
        };
        let path = dir.join(format!("{name}.parquet"));
        let mut writer =
            TableWriter::create_uncompressed(&path, POSTINGS_TABLE, postings_schema())?;
        let mut grams: Vec<u32> = Vec::new();
        let mut lists = ListBuilder::new(UInt32Builder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::UInt32,
            false,
        )));
        let mut start = 0;
        while start < postings.len() {
            let hash = postings[start] >> 32;
            let mut end = start + 1;
            while end < postings.len() && postings[end] >> 32 == hash {
                end += 1;
            }
            let run = &postings[start..end];
            if crate::scan::candidates::is_candidate_run(run.len(), &config.candidates) {
                grams.push(hash as u32);
                for (i, &x) in run.iter().enumerate() {
                    let d = x as u32;
                    lists.values().append_value(d);
                    stats.instances[d as usize / block_docs] += (run.len() - 1 - i) as u64;
                }
                lists.append(true);
                stats.grams += 1;
                if grams.len() >= FLUSH_ROWS / 8 {
                    write_postings(&mut writer, &mut grams, &mut lists)?;
                }
            }
            start = end;
        }
        drop(postings);
        write_postings(&mut writer, &mut grams, &mut lists)?;
        let digest = writer.finish()?;
        let stats_path = dir.join(format!("{name}.stats.json"));
        write_json_atomic(&stats_path, &stats)?;
        let stats_digest = FileDigest::of(&stats_path)?;
        Marker::write(
            &dir,
            POSTINGS_TABLE.name,
            &name,
            work.fp(),
            vec![digest, stats_digest],
        )?;
        report.made += 1;
    }
    observer.stage_finished(Stage::Candidates);
    Ok(report)
}

pub(super) fn write_postings(
    writer: &mut TableWriter,
    grams: &mut Vec<u32>,
    lists: &mut ListBuilder<UInt32Builder>,
) -> Result<()> {
    if grams.is_empty() {
        return Ok(());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from(std::mem::take(grams))),
        Arc::new(lists.finish()),
    ];
    let batch =
        RecordBatch::try_new(postings_schema(), columns).map_err(|e| build_error("postings", e))?;
    writer.write(&batch)
}

/// The postings parts of a finished postings stage with their stats.
pub(super) fn postings_parts(work: &ScanWork) -> Result<(Vec<PathBuf>, Vec<u64>)> {
    let dir = work.root.join("postings");
    let stored = load_stored(work)?;
    let parts = gram_partitions(work, &stored.stats);
    let mut paths = Vec::with_capacity(parts as usize);
    let block_docs = work.plan().block_docs.max(1) as usize;
    let mut instances = vec![0u64; stored.texts.len().div_ceil(block_docs)];
    for p in 0..parts {
        let name = format!("part-{p:05}");
        if !Marker::is_complete(&dir, POSTINGS_TABLE.name, &name, work.fp())? {
            return Err(incomplete(
                &dir,
                format!("postings part {p} of {parts} is not complete; run the postings stage (every rank) first"),
            ));
        }
        let stats: PostingsStats = read_json(&dir.join(format!("{name}.stats.json")))?;
        if stats.instances.len() != instances.len() {
            return Err(Error::Corrupt {
                path: dir.join(format!("{name}.stats.json")),
                message: "pair counts for another number of documents".into(),
            });
        }
        for (total, n) in instances.iter_mut().zip(stats.instances) {
            *total += n;
        }
        paths.push(dir.join(format!("{name}.parquet")));
    }
    Ok((paths, instances))
}
