//! The pairs stage: document pairs sharing at least `min_shared` n-grams.

use super::*;

/// Document ranges of the pair shards: consecutive histogram blocks whose pair
/// instances (8 bytes each while counted) fit the share of the memory limit.
pub(super) fn pair_shards(
    instances: &[u64],
    documents: usize,
    block_docs: usize,
    share: u64,
) -> Vec<(usize, usize)> {
    let budget = (share / 8).max(1);
    let mut shards = Vec::new();
    let mut start = 0usize;
    let mut sum = 0u64;
    for (b, &n) in instances.iter().enumerate() {
        if b > start && sum + n > budget {
            shards.push((start * block_docs, b * block_docs));
            start = b;
            sum = 0;
        }
        sum += n;
    }
    shards.push((
        (start * block_docs).min(documents),
        documents.max(start * block_docs),
    ));
    shards
}

pub(super) fn pairs_schema() -> SchemaRef {
    schema(vec![u32_field("a"), u32_field("b"), u32_field("shared")])
}

pub(super) fn pair_shard_name(s: usize, of: usize) -> String {
    format!("shard-{s:05}-of-{of:05}")
}

/// The pairs stage: for each document range of this shard (`shard % world == rank`),
/// the pairs `a < b` with `a` in the range sharing at least `min_shared` n-grams,
/// sorted by `(a, b)`.
pub fn pairs(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let dir = work.stage_dir("pairs")?;
    let (parts, instances) = postings_parts(work)?;
    let documents = load_stored(work)?.texts.len();
    let block_docs = work.plan().block_docs.max(1) as usize;
    let shards = pair_shards(
        &instances,
        documents,
        block_docs,
        work.plan().pair_shard_bytes,
    );
    write_json_atomic(&dir.join("plan.json"), &shards)?;
    let mut report = made(0, 0);
    observer.stage_started(Stage::Candidates, Some(shards.len() as u64));
    for (s, &(lo, hi)) in shards.iter().enumerate() {
        if !owns(shard, s as u64) {
            continue;
        }
        let name = pair_shard_name(s, shards.len());
        if Marker::is_complete(&dir, PAIRS_TABLE.name, &name, work.fp())? {
            report.skipped += 1;
            continue;
        }
        let (lo32, hi32) = (lo as u32, hi as u32);
        let expected: u64 = instances
            .get(lo / block_docs..hi.div_ceil(block_docs).min(instances.len()))
            .map_or(0, |b| b.iter().sum());
        let mut found: Vec<u64> = Vec::with_capacity(expected as usize);
        for path in &parts {
            for batch in read_table(path, POSTINGS_TABLE, &["docs"])? {
                let batch = batch?;
                let lists = column::<ListArray>(&batch, "docs", path)?;
                let values = lists
                    .values()
                    .as_any()
                    .downcast_ref::<UInt32Array>()
                    .ok_or_else(|| Error::Corrupt {
                        path: path.clone(),
                        message: "column \"docs\" is not a list of 32-bit integers".into(),
                    })?;
                let offsets = lists.value_offsets();
                for r in 0..lists.len() {
                    let docs = &values.values()[offsets[r] as usize..offsets[r + 1] as usize];
                    let first = docs.partition_point(|&d| d < lo32);
                    let last = docs.partition_point(|&d| d < hi32);
                    for i in first..last {
                        let a = u64::from(docs[i]) << 32;
                        found.extend(docs[i + 1..].iter().map(|&b| a | u64::from(b)));
                    }
                }
            }
        }
        exec::sort_unstable(&mut found);
        let (mut a, mut b, mut shared) = (Vec::new(), Vec::new(), Vec::new());
        let mut i = 0;
        while i < found.len() {
            let mut j = i + 1;
            while j < found.len() && found[j] == found[i] {
                j += 1;
            }
            if j - i >= config.candidates.min_shared {
                a.push((found[i] >> 32) as u32);
                b.push(found[i] as u32);
                shared.push((j - i) as u32);
            }
            i = j;
        }
        drop(found);
        let path = dir.join(format!("{name}.parquet"));
        let mut writer = TableWriter::create(&path, PAIRS_TABLE, pairs_schema())?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(a)),
            Arc::new(UInt32Array::from(b)),
            Arc::new(UInt32Array::from(shared)),
        ];
        let batch =
            RecordBatch::try_new(pairs_schema(), columns).map_err(|e| build_error("pairs", e))?;
        writer.write(&batch)?;
        let digest = writer.finish()?;
        Marker::write(&dir, PAIRS_TABLE.name, &name, work.fp(), vec![digest])?;
        report.made += 1;
        observer.advance(1);
    }
    observer.stage_finished(Stage::Candidates);
    Ok(report)
}

/// Every candidate pair of a finished pairs stage, sorted by `(a, b)`.
pub(super) fn load_pairs(work: &ScanWork) -> Result<Vec<Candidate>> {
    let dir = work.root.join("pairs");
    let plan_path = dir.join("plan.json");
    if !plan_path.exists() {
        return Err(incomplete(
            &dir,
            "the pairs stage has not run; run it first".into(),
        ));
    }
    let shards: Vec<(usize, usize)> = read_json(&plan_path)?;
    let mut out = Vec::new();
    for s in 0..shards.len() {
        let name = pair_shard_name(s, shards.len());
        if !Marker::is_complete(&dir, PAIRS_TABLE.name, &name, work.fp())? {
            return Err(incomplete(
                &dir,
                format!(
                    "pair shard {s} of {} is not complete; run the pairs stage (every rank) first",
                    shards.len()
                ),
            ));
        }
        let path = dir.join(format!("{name}.parquet"));
        for batch in read_table(&path, PAIRS_TABLE, &[])? {
            let batch = batch?;
            let a = column::<UInt32Array>(&batch, "a", &path)?;
            let b = column::<UInt32Array>(&batch, "b", &path)?;
            let shared = column::<UInt32Array>(&batch, "shared", &path)?;
            for i in 0..batch.num_rows() {
                out.push(Candidate {
                    a: a.value(i),
                    b: b.value(i),
                    shared: shared.value(i),
                });
            }
        }
    }
    if out.windows(2).any(|w| (w[0].a, w[0].b) >= (w[1].a, w[1].b)) {
        return Err(Error::Corrupt {
            path: dir,
            message: "candidate pairs are out of order".into(),
        });
    }
    Ok(out)
}
