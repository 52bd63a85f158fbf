//! The report: passages and repeats into overlap clusters, from a finished folder.

use super::*;

/// Seconds per part of a staged run, as [`run_local`] measured them (zero for the
/// stages run elsewhere).
#[derive(Debug, Clone, Copy, Default)]
pub struct StageSeconds {
    /// The store stage.
    pub read: f64,
    /// Boilerplate, grams, postings and pairs.
    pub candidates: f64,
    /// The align stage.
    pub align: f64,
}

/// The scan's result from a work folder whose stages are all complete: the same
/// result as the in-memory scan, with the texts left in the store.
pub fn load_result(
    work: &ScanWork,
    config: &ScanConfig,
    seconds: StageSeconds,
) -> Result<ScanResult> {
    let started = Instant::now();
    let stored = load_stored(work)?;
    let documents = stored.texts.len();
    let boiler_lines = load_boilerplate(work)?;
    let candidates = load_pairs(work)?;
    let dir = work.root.join("align");
    let world = complete_world(work, "align", PASSAGES_TABLE)?;
    let mut keyed: Vec<(u64, Edge)> = Vec::new();
    for r in 0..world {
        let path = dir.join(format!("rank-{r}-of-{world}.parquet"));
        for batch in read_table(&path, PASSAGES_TABLE, &[])? {
            let batch = batch?;
            let pair = column::<UInt64Array>(&batch, "pair", &path)?;
            let xd = column::<UInt32Array>(&batch, "x_doc", &path)?;
            let xs = column::<UInt64Array>(&batch, "x_start", &path)?;
            let xe = column::<UInt64Array>(&batch, "x_end", &path)?;
            let yd = column::<UInt32Array>(&batch, "y_doc", &path)?;
            let ys = column::<UInt64Array>(&batch, "y_start", &path)?;
            let ye = column::<UInt64Array>(&batch, "y_end", &path)?;
            let sim = column::<Float64Array>(&batch, "similarity", &path)?;
            for i in 0..batch.num_rows() {
                keyed.push((
                    pair.value(i),
                    Edge {
                        x: Occurrence {
                            doc: xd.value(i),
                            span: span_of(xs.value(i), xe.value(i), &path)?,
                        },
                        y: Occurrence {
                            doc: yd.value(i),
                            span: span_of(ys.value(i), ye.value(i), &path)?,
                        },
                        similarity: sim.value(i),
                    },
                ));
            }
        }
    }
    // Stable: a pair's passages keep the order alignment gave them.
    keyed.sort_by_key(|(k, _)| *k);
    let mut stats = ScanStats {
        documents: documents as u64,
        skipped: stored.stats.skipped.clone(),
        input: stored.stats.input.clone(),
        candidate_pairs: candidates.len() as u64,
        passages: keyed.len() as u64,
        ..ScanStats::default()
    };
    drop(candidates);
    let mut previous = None;
    for (k, _) in &keyed {
        if previous != Some(*k) {
            stats.pairs_with_passages += 1;
            previous = Some(*k);
        }
    }
    let edges: Vec<Edge> = keyed.into_iter().map(|(_, e)| e).collect();
    let repeats = load_repeats(work)?;
    let docs = load_documents(work, stored)?;
    let documents = ScanDocuments::stored(docs);
    let clustered = cluster_passages(edges, repeats.into_iter(), boiler_lines, config, &documents)?;
    stats.read_seconds = seconds.read;
    stats.candidate_seconds = seconds.candidates;
    stats.align_seconds = seconds.align;
    stats.cluster_seconds = started.elapsed().as_secs_f64();
    stats.total_seconds = seconds.read + seconds.candidates + seconds.align + stats.cluster_seconds;
    Ok(clustered.into_result(documents, stats))
}

/// Every within-document repeat, in document order (each document's in the order
/// they were found).
pub(super) fn load_repeats(work: &ScanWork) -> Result<Vec<(u32, RepeatPair)>> {
    let dir = work.root.join("grams");
    let world = complete_world(work, "grams", GRAMS_TABLE)?;
    let mut out = Vec::new();
    for r in 0..world {
        let path = dir.join(format!("rank-{r}-of-{world}.repeats.parquet"));
        for batch in read_table(&path, REPEATS_TABLE, &[])? {
            let batch = batch?;
            let doc = column::<UInt32Array>(&batch, "doc", &path)?;
            let fs = column::<UInt64Array>(&batch, "first_start", &path)?;
            let fe = column::<UInt64Array>(&batch, "first_end", &path)?;
            let ss = column::<UInt64Array>(&batch, "second_start", &path)?;
            let se = column::<UInt64Array>(&batch, "second_end", &path)?;
            for i in 0..batch.num_rows() {
                out.push((
                    doc.value(i),
                    (
                        span_of(fs.value(i), fe.value(i), &path)?,
                        span_of(ss.value(i), se.value(i), &path)?,
                    ),
                ));
            }
        }
    }
    out.sort_by_key(|r| r.0);
    Ok(out)
}

pub(super) fn load_documents(work: &ScanWork, stored: Stored) -> Result<StoredDocuments> {
    let path = work.root.join("store").join("documents.parquet");
    let mut ids = String::new();
    let mut id_ends = Vec::with_capacity(stored.texts.len());
    let mut dates: Vec<Option<DocDate>> = Vec::new();
    let mut encodings = Vec::new();
    let mut any_date = false;
    let mut outlets: Vec<Option<u32>> = Vec::new();
    let mut outlet_names: Vec<String> = Vec::new();
    let mut outlet_numbers: std::collections::HashMap<String, u32> = Default::default();
    for batch in read_table_batched(
        &path,
        DOCUMENTS_TABLE,
        &[
            "doc",
            "id",
            "date",
            "date_seconds",
            "date_nanos",
            "encoding",
            "outlet",
        ],
        8192,
    )? {
        let batch = batch?;
        let doc = column::<UInt32Array>(&batch, "doc", &path)?;
        let id = column::<StringArray>(&batch, "id", &path)?;
        let date = column::<StringArray>(&batch, "date", &path)?;
        let seconds = column::<Int64Array>(&batch, "date_seconds", &path)?;
        let nanos = column::<UInt32Array>(&batch, "date_nanos", &path)?;
        let encoding = column::<StringArray>(&batch, "encoding", &path)?;
        let outlet = column::<StringArray>(&batch, "outlet", &path)?;
        for i in 0..batch.num_rows() {
            let number = (!outlet.is_null(i)).then(|| {
                let name = outlet.value(i);
                *outlet_numbers.entry(name.to_string()).or_insert_with(|| {
                    outlet_names.push(name.to_string());
                    outlet_names.len() as u32 - 1
                })
            });
            if number.is_some() && outlets.is_empty() {
                outlets.resize(id_ends.len(), None);
            }
            if number.is_some() || !outlets.is_empty() {
                outlets.push(number);
            }
            ids.push_str(id.value(i));
            id_ends.push(ids.len() as u64);
            let parsed = if date.is_null(i) || seconds.is_null(i) || nanos.is_null(i) {
                None
            } else {
                let instant = chrono::DateTime::from_timestamp(seconds.value(i), nanos.value(i))
                    .ok_or_else(|| Error::Corrupt {
                        path: path.clone(),
                        message: format!("document {} has a date out of range", doc.value(i)),
                    })?;
                Some(DocDate {
                    text: date.value(i).to_string(),
                    instant,
                })
            };
            if parsed.is_some() && !any_date {
                any_date = true;
                dates.resize_with(id_ends.len() - 1, || None);
            }
            if any_date {
                dates.push(parsed);
            }
            if !encoding.is_null(i) {
                let name = encoding_rs::Encoding::for_label(encoding.value(i).as_bytes())
                    .map(|e| e.name())
                    .ok_or_else(|| Error::Corrupt {
                        path: path.clone(),
                        message: format!("unknown encoding {:?}", encoding.value(i)),
                    })?;
                encodings.push((doc.value(i), name));
            }
        }
    }
    let store = TextStore::open(&work.root.join("store").join("texts.bin"), stored.texts)?;
    Ok(StoredDocuments {
        store,
        ids,
        id_ends,
        dates,
        encodings,
        outlets,
        outlet_names,
    })
}
