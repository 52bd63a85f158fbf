//! The align stage: the passages of every candidate pair.

use super::*;

/// What one align shard did, in `align/rank-R-of-W.stats.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct AlignStats {
    /// Candidate pairs aligned.
    pub(super) pairs: u64,
    /// Pairs per block.
    pub(super) block_pairs: u64,
    /// Documents taking part in the shard's pairs.
    pub(super) documents: u64,
    /// Analyses made, counting those made again after being freed for room.
    pub(super) analyses: u64,
}
/// Share of the memory limit the analyses of one block's documents may take.
const BLOCK_SHARE: f64 = 0.2;
/// Bytes of a document's alignment analysis per byte of its text (tokens, stems,
/// sentences, n-grams), about what news articles take.
const ANALYSIS_BYTES_PER_TEXT_BYTE: u64 = 12;

pub(super) fn passages_schema() -> SchemaRef {
    schema(vec![
        u64_field("pair"),
        u32_field("x_doc"),
        u64_field("x_start"),
        u64_field("x_end"),
        u32_field("y_doc"),
        u64_field("y_start"),
        u64_field("y_end"),
        Field::new("similarity", DataType::Float64, false),
    ])
}

/// The align stage: the blocks of candidate pairs of this shard (`block % world ==
/// rank`, blocks as the in-memory scan makes them), each pair's passages with the
/// pair's number (its position in `(a, b)` order).
pub fn align(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let dir = work.stage_dir("align")?;
    let name = shard_name(shard);
    if Marker::is_complete(&dir, PASSAGES_TABLE.name, &name, work.fp())? {
        return Ok(made(0, 1));
    }
    let stored = load_stored(work)?;
    let documents = stored.texts.len();
    let masks = load_masks(work, documents)?;
    let candidates = load_pairs(work)?;
    // Blocks small enough that the analyses of one block's documents (two per pair
    // at most) fit their share of the limit; the report does not depend on it.
    let limit = work.memory_limit().bytes() as f64;
    let per_doc = ANALYSIS_BYTES_PER_TEXT_BYTE
        * stored
            .stats
            .text_bytes
            .div_ceil(stored.stats.documents.max(1))
        + 1024;
    let block_pairs = ((limit * BLOCK_SHARE) as u64 / (2 * per_doc)).max(1) as usize;
    let block_pairs = block_pairs.min(config.align_block_pairs.max(1));
    let plan = AlignPlan::new(&candidates, documents, block_pairs);
    let owned: Vec<(usize, &[usize])> = plan
        .blocks()
        .enumerate()
        .filter(|(n, _)| owns(shard, *n as u64))
        .collect();
    let pairs: u64 = owned.iter().map(|(_, b)| b.len() as u64).sum();
    let documents_used = {
        let mut used: bitvec::vec::BitVec = bitvec::vec::BitVec::repeat(false, documents);
        for (_, block) in &owned {
            for &k in *block {
                used.set(candidates[k].a as usize, true);
                used.set(candidates[k].b as usize, true);
            }
        }
        used.count_ones() as u64
    };
    observer.stage_started(Stage::Align, Some(pairs));
    let store = TextStore::open(&work.root.join("store").join("texts.bin"), stored.texts)?;
    let mut analyses = Analyses::new(
        &plan,
        &candidates,
        |n| owns(shard, n as u64),
        work.plan().analyses_bytes.min(usize::MAX as u64) as usize,
    );
    let path = dir.join(format!("{name}.parquet"));
    let mut writer = TableWriter::create(&path, PASSAGES_TABLE, passages_schema())?;
    for (n, block) in owned {
        let aligned = plan.align_block(
            n,
            block,
            &candidates,
            &mut analyses,
            |fresh| {
                exec::map(fresh, |&d| {
                    let text = store.read(d as usize)?;
                    let blanked = blank_masks_owned(text, masks.get(d as usize));
                    Ok((
                        d,
                        Some(Box::new(PreparedDoc::owned(blanked, &config.normalize))),
                    ))
                })
                .into_iter()
                .collect()
            },
            &masks,
            config,
            observer,
        )?;
        let mut rows: (Vec<u64>, Vec<u32>, Vec<u64>, Vec<u64>) = Default::default();
        let mut ys: (Vec<u32>, Vec<u64>, Vec<u64>, Vec<f64>) = Default::default();
        for (k, edges) in aligned {
            for e in edges {
                rows.0.push(k as u64);
                rows.1.push(e.x.doc);
                rows.2.push(e.x.span.start as u64);
                rows.3.push(e.x.span.end as u64);
                ys.0.push(e.y.doc);
                ys.1.push(e.y.span.start as u64);
                ys.2.push(e.y.span.end as u64);
                ys.3.push(e.similarity);
            }
        }
        if rows.0.is_empty() {
            continue;
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(rows.0)),
            Arc::new(UInt32Array::from(rows.1)),
            Arc::new(UInt64Array::from(rows.2)),
            Arc::new(UInt64Array::from(rows.3)),
            Arc::new(UInt32Array::from(ys.0)),
            Arc::new(UInt64Array::from(ys.1)),
            Arc::new(UInt64Array::from(ys.2)),
            Arc::new(Float64Array::from(ys.3)),
        ];
        let batch = RecordBatch::try_new(passages_schema(), columns)
            .map_err(|e| build_error("passages", e))?;
        writer.write(&batch)?;
    }
    let digest = writer.finish()?;
    let stats = AlignStats {
        pairs,
        block_pairs: block_pairs as u64,
        documents: documents_used,
        analyses: analyses.made,
    };
    let stats_path = dir.join(format!("{name}.stats.json"));
    write_json_atomic(&stats_path, &stats)?;
    let stats_digest = FileDigest::of(&stats_path)?;
    Marker::write(
        &dir,
        PASSAGES_TABLE.name,
        &name,
        work.fp(),
        vec![digest, stats_digest],
    )?;
    observer.stage_finished(Stage::Align);
    Ok(made(1, 0))
}
