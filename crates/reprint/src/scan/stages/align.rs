//! The align stage: the passages of every candidate pair.

use super::*;

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
    let store = TextStore::open(&work.root.join("store").join("texts.bin"), stored.texts)?;
    let candidates = load_pairs(work)?;
    let plan = AlignPlan::new(&candidates, documents, config.align_block_pairs);
    let owned: Vec<(usize, &[usize])> = plan
        .blocks()
        .enumerate()
        .filter(|(n, _)| owns(shard, *n as u64))
        .collect();
    let pairs: u64 = owned.iter().map(|(_, b)| b.len() as u64).sum();
    observer.stage_started(Stage::Align, Some(pairs));
    let last = plan.last_blocks(&candidates, |n| owns(shard, n as u64));
    let mut prepared: Vec<Option<Box<PreparedDoc<'static>>>> = Vec::new();
    prepared.resize_with(documents, || None);
    let path = dir.join(format!("{name}.parquet"));
    let mut writer = TableWriter::create(&path, PASSAGES_TABLE, passages_schema())?;
    for (n, block) in owned {
        let aligned = plan.align_block(
            n,
            block,
            &candidates,
            &mut prepared,
            &last,
            |fresh| {
                exec::map(fresh, |&d| {
                    let text = store.read(d as usize)?;
                    let blanked = blank_masks(&text, masks.get(d as usize)).into_owned();
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
    Marker::write(&dir, PASSAGES_TABLE.name, &name, work.fp(), vec![digest])?;
    observer.stage_finished(Stage::Align);
    Ok(made(1, 0))
}
