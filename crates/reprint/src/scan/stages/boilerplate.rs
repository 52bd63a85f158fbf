//! The boilerplate stage: short lines common to many documents or repeated in one.

use super::*;

pub(super) fn boilerplate_schema() -> SchemaRef {
    schema(vec![
        u64_field("key"),
        Field::new("kind", DataType::Utf8, false),
        u32_field("doc"),
        u64_field("start"),
        u64_field("end"),
    ])
}

pub(super) fn kind_name(kind: BoilerplateKind) -> &'static str {
    match kind {
        BoilerplateKind::RepeatedLine => "repeated_line",
        BoilerplateKind::CommonLine => "common_line",
        BoilerplateKind::RepeatedInDocument => "repeated_in_document",
    }
}

pub(super) fn kind_of(name: &str, path: &Path) -> Result<BoilerplateKind> {
    match name {
        "repeated_line" => Ok(BoilerplateKind::RepeatedLine),
        "common_line" => Ok(BoilerplateKind::CommonLine),
        "repeated_in_document" => Ok(BoilerplateKind::RepeatedInDocument),
        other => Err(Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("unknown boilerplate kind {other:?}"),
        }),
    }
}

pub(super) fn span_of(start: u64, end: u64, path: &Path) -> Result<Span> {
    if start > end {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("span {start}..{end} ends before it starts"),
        });
    }
    Ok(Span::new(start as usize, end as usize))
}

/// The boilerplate stage: for each line partition of this shard (`partition % world
/// == rank`), the lines that are boilerplate, with every place they occur.
pub fn boilerplate(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let store_dir = check_store(work)?;
    let dir = work.stage_dir("boilerplate")?;
    let parts = work.manifest.plan.line_partitions.max(1);
    let mut report = made(0, 0);
    observer.stage_started(Stage::Candidates, None);
    for p in (0..parts).filter(|&p| owns(shard, u64::from(p))) {
        let name = format!("part-{p:05}");
        if Marker::is_complete(&dir, BOILERPLATE_TABLE.name, &name, work.fp())? {
            report.skipped += 1;
            continue;
        }
        let input = store_dir.join(format!("{}.parquet", line_part_name(p)));
        let mut rows: Vec<(u64, u32, Span)> = Vec::new();
        for batch in read_table(&input, LINES_TABLE, &[])? {
            let batch = batch?;
            let key = column::<UInt64Array>(&batch, "key", &input)?;
            let doc = column::<UInt32Array>(&batch, "doc", &input)?;
            let start = column::<UInt64Array>(&batch, "start", &input)?;
            let end = column::<UInt64Array>(&batch, "end", &input)?;
            for i in 0..batch.num_rows() {
                let span = span_of(start.value(i), end.value(i), &input)?;
                rows.push((key.value(i), doc.value(i), span));
            }
        }
        exec::sort_unstable(&mut rows);
        let path = dir.join(format!("{name}.parquet"));
        let mut writer = TableWriter::create(&path, BOILERPLATE_TABLE, boilerplate_schema())?;
        let (mut keys, mut kinds, mut docs, mut starts, mut ends) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut i = 0;
        while i < rows.len() {
            let key = rows[i].0;
            let mut j = i;
            while j < rows.len() && rows[j].0 == key {
                j += 1;
            }
            let places: Vec<(u32, Span)> = rows[i..j].iter().map(|r| (r.1, r.2)).collect();
            if let Some(line) = classify_line(places, &config.boilerplate) {
                for (d, span) in line.places {
                    keys.push(key);
                    kinds.push(kind_name(line.kind));
                    docs.push(d);
                    starts.push(span.start as u64);
                    ends.push(span.end as u64);
                }
            }
            i = j;
        }
        drop(rows);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(keys)),
            Arc::new(StringArray::from(kinds)),
            Arc::new(UInt32Array::from(docs)),
            Arc::new(UInt64Array::from(starts)),
            Arc::new(UInt64Array::from(ends)),
        ];
        let batch = RecordBatch::try_new(boilerplate_schema(), columns)
            .map_err(|e| build_error("boilerplate", e))?;
        writer.write(&batch)?;
        let digest = writer.finish()?;
        Marker::write(&dir, BOILERPLATE_TABLE.name, &name, work.fp(), vec![digest])?;
        report.made += 1;
    }
    observer.stage_finished(Stage::Candidates);
    Ok(report)
}

/// Every boilerplate line of a finished boilerplate stage, sorted by first place.
pub(super) fn load_boilerplate(work: &ScanWork) -> Result<Vec<BoilerplateLine>> {
    let dir = work.root.join("boilerplate");
    let mut out = Vec::new();
    for p in 0..work.manifest.plan.line_partitions.max(1) {
        let name = format!("part-{p:05}");
        if !Marker::is_complete(&dir, BOILERPLATE_TABLE.name, &name, work.fp())? {
            return Err(incomplete(
                &dir,
                format!("boilerplate part {p} is not complete; run the boilerplate stage (every rank) first"),
            ));
        }
        let path = dir.join(format!("{name}.parquet"));
        let mut current: Option<(u64, BoilerplateLine)> = None;
        for batch in read_table(&path, BOILERPLATE_TABLE, &[])? {
            let batch = batch?;
            let key = column::<UInt64Array>(&batch, "key", &path)?;
            let kind = column::<StringArray>(&batch, "kind", &path)?;
            let doc = column::<UInt32Array>(&batch, "doc", &path)?;
            let start = column::<UInt64Array>(&batch, "start", &path)?;
            let end = column::<UInt64Array>(&batch, "end", &path)?;
            for i in 0..batch.num_rows() {
                let place = (doc.value(i), span_of(start.value(i), end.value(i), &path)?);
                match &mut current {
                    Some((k, line)) if *k == key.value(i) => line.places.push(place),
                    _ => {
                        if let Some((_, line)) = current.take() {
                            out.push(line);
                        }
                        current = Some((
                            key.value(i),
                            BoilerplateLine {
                                kind: kind_of(kind.value(i), &path)?,
                                places: vec![place],
                            },
                        ));
                    }
                }
            }
        }
        if let Some((_, line)) = current {
            out.push(line);
        }
    }
    out.sort_by_key(|b| b.places[0]);
    Ok(out)
}

pub(super) fn load_masks(work: &ScanWork, documents: usize) -> Result<Masks> {
    let lines = load_boilerplate(work)?;
    Ok(Masks::from_places(
        documents,
        lines.into_iter().flat_map(|b| b.places).collect(),
    ))
}
