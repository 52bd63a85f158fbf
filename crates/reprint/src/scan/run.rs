//! Text reuse across a whole collection (see [`crate::scan`] for the stages).
//!
//! Documents are held in memory (the alignment needs their text); everything else
//! is per document or per candidate pair, computed in parallel and gathered in input
//! order, so the result is deterministic.

use super::{BoilerplateItem, ScanCluster, ScanConfig, ScanDocuments, ScanResult, ScanStats};
use crate::align::{align, passage_similarity, PreparedDoc};
use crate::document::{Document, Span};
use crate::error::Result;
use crate::exec::{self, Observer, Stage};
use crate::input::ingest::{self, IngestConfig, InputTally};
use crate::input::Sources;
use crate::scan::boilerplate::{blank_masks, find_boilerplate_lines, lines, BoilerplateKind};
use crate::scan::candidates::{candidate_pairs, Candidate};
use crate::scan::clusters::{
    cohesive_split, overlap_clusters, CohesiveCluster, Edge, Occurrence, PassageCluster,
};
use crate::scan::repeats::find_repeats;
use crate::scan::templates::{fills_other_slots, is_template_pair, shape, SlotProfile};
use crate::scan::TemplateCluster;
use crate::shingle::hash_keys;
use crate::text::tokenize;
use bitvec::vec::BitVec;
use std::borrow::Cow;
use std::time::Instant;

/// Reads and parses every document through the ingest, keeping them in input order.
fn read_documents(
    sources: &Sources,
    config: &ScanConfig,
    observer: &dyn Observer,
    stats: &mut ScanStats,
) -> Result<Vec<Document>> {
    let ingest_config = IngestConfig {
        strict: config.strict,
        ..IngestConfig::default()
    };
    let (docs, read) = ingest::read_documents(sources, &config.input, &ingest_config, observer)?;
    stats.skipped = read.skipped;
    stats.input = read.tally;
    Ok(docs)
}

/// Share of `span` covered by the sorted, disjoint `masks`.
pub(crate) fn masked_share(span: &Span, masks: &[Span]) -> f64 {
    if span.is_empty() {
        return 0.0;
    }
    let first = masks.partition_point(|m| m.end <= span.start);
    let covered: usize = masks[first..]
        .iter()
        .take_while(|m| m.start < span.end)
        .map(|m| m.overlap(span))
        .sum();
    covered as f64 / span.len() as f64
}

/// A span repeated later in the same document.
pub(crate) type RepeatPair = (Span, Span);

/// The boilerplate spans of every document, sorted and disjoint per document (one
/// allocation for the whole collection).
#[derive(Debug, Default)]
pub(crate) struct Masks {
    /// Start of each document's spans in `spans`; one more entry than documents.
    offsets: Vec<usize>,
    spans: Vec<Span>,
}

impl Masks {
    /// Masks from `(document, span)` places of boilerplate lines, for `documents`
    /// documents (places in any order, repeats allowed).
    pub(crate) fn from_places(documents: usize, mut places: Vec<(u32, Span)>) -> Masks {
        places.sort_unstable();
        places.dedup();
        let mut offsets = vec![0usize; documents + 1];
        for &(d, _) in &places {
            offsets[d as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        Masks {
            offsets,
            spans: places.into_iter().map(|(_, s)| s).collect(),
        }
    }

    /// Document `d`'s masked spans.
    pub(crate) fn get(&self, d: usize) -> &[Span] {
        match (self.offsets.get(d), self.offsets.get(d + 1)) {
            (Some(&a), Some(&b)) => &self.spans[a..b],
            _ => &[],
        }
    }
}

/// The order and blocks in which candidate pairs are aligned. Every document taking
/// part in a pair is analysed once (tokens, stems, sentences) and shared by all its
/// pairs: preparing per pair would cost more than aligning. Documents are numbered
/// in breadth-first order of the pair graph, one connected component after another,
/// and pairs are taken in the order of their documents' numbers, a block at a time:
/// the pairs of a document then come close together, so that its analysis, freed
/// after the last block that needs it, is held for few blocks (the bandwidth-reducing
/// order of Cuthill and McKee).
pub(crate) struct AlignPlan {
    /// Candidate indices in alignment order.
    order: Vec<usize>,
    block_pairs: usize,
    /// Documents taking part in some pair.
    pub(crate) needed: BitVec,
}

impl AlignPlan {
    /// Plans the alignment of `candidates` among `documents` documents in blocks of
    /// `block_pairs` pairs.
    pub(crate) fn new(candidates: &[Candidate], documents: usize, block_pairs: usize) -> AlignPlan {
        let mut needed: BitVec = BitVec::repeat(false, documents);
        let mut offsets = vec![0usize; documents + 1];
        for c in candidates {
            needed.set(c.a as usize, true);
            needed.set(c.b as usize, true);
            offsets[c.a as usize + 1] += 1;
            offsets[c.b as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut fill = offsets.clone();
        let mut neighbours = vec![0u32; offsets[documents]];
        for c in candidates {
            neighbours[fill[c.a as usize]] = c.b;
            fill[c.a as usize] += 1;
            neighbours[fill[c.b as usize]] = c.a;
            fill[c.b as usize] += 1;
        }
        drop(fill);
        // Breadth-first numbers, each component from its first document.
        let mut number = vec![u32::MAX; documents];
        let mut next = 0u32;
        let mut queue: Vec<u32> = Vec::new();
        for start in 0..documents {
            if !needed[start] || number[start] != u32::MAX {
                continue;
            }
            queue.clear();
            queue.push(start as u32);
            number[start] = next;
            next += 1;
            let mut head = 0;
            while head < queue.len() {
                let d = queue[head] as usize;
                head += 1;
                for &e in &neighbours[offsets[d]..offsets[d + 1]] {
                    if number[e as usize] == u32::MAX {
                        number[e as usize] = next;
                        next += 1;
                        queue.push(e);
                    }
                }
            }
        }
        drop(neighbours);
        drop(offsets);
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&k| {
            let (x, y) = (
                number[candidates[k].a as usize],
                number[candidates[k].b as usize],
            );
            (x.min(y), x.max(y), k)
        });
        AlignPlan {
            order,
            block_pairs: block_pairs.max(1),
            needed,
        }
    }

    /// The blocks of candidate indices, in alignment order.
    pub(crate) fn blocks(&self) -> std::slice::Chunks<'_, usize> {
        self.order.chunks(self.block_pairs)
    }
}

/// The document analyses held from one block of an alignment to the next, within a
/// budget of bytes. An analysis is freed after the last block that uses it; when
/// the analyses held between blocks exceed the budget (a dense collection whose pair
/// graph is one large component), those used again the latest are freed first (the
/// optimal choice, since the plan says which block uses what) and made again when
/// needed. An unlimited budget keeps every analysis until its last use.
pub(crate) struct Analyses<'t> {
    prepared: Vec<Option<Box<PreparedDoc<'t>>>>,
    bytes: Vec<u32>,
    /// The blocks using each document, ascending: `uses[use_offsets[d]..use_offsets[d + 1]]`.
    use_offsets: Vec<u64>,
    uses: Vec<u32>,
    /// `(next block using it, document)` of the analyses held; entries whose next use
    /// has moved on are skipped when popped.
    next: std::collections::BinaryHeap<(u32, u32)>,
    held: usize,
    budget: usize,
    /// Analyses made, counting those made again after being freed.
    pub(crate) made: u64,
}

impl<'t> Analyses<'t> {
    /// Room for the documents of `candidates` in the blocks `owned` accepts.
    pub(crate) fn new(
        plan: &AlignPlan,
        candidates: &[Candidate],
        owned: impl Fn(usize) -> bool,
        budget: usize,
    ) -> Analyses<'t> {
        let documents = plan.needed.len();
        let mut use_offsets = vec![0u64; documents + 1];
        for (_, block) in plan.blocks().enumerate().filter(|(n, _)| owned(*n)) {
            for &k in block {
                use_offsets[candidates[k].a as usize + 1] += 1;
                use_offsets[candidates[k].b as usize + 1] += 1;
            }
        }
        for i in 1..use_offsets.len() {
            use_offsets[i] += use_offsets[i - 1];
        }
        let mut fill = use_offsets.clone();
        let mut uses = vec![0u32; use_offsets[documents] as usize];
        for (n, block) in plan.blocks().enumerate().filter(|(n, _)| owned(*n)) {
            for &k in block {
                for d in [candidates[k].a as usize, candidates[k].b as usize] {
                    uses[fill[d] as usize] = n as u32;
                    fill[d] += 1;
                }
            }
        }
        let mut prepared = Vec::new();
        prepared.resize_with(documents, || None);
        Analyses {
            prepared,
            bytes: vec![0; documents],
            use_offsets,
            uses,
            next: std::collections::BinaryHeap::new(),
            held: 0,
            budget,
            made: 0,
        }
    }

    /// The first block after `n` that uses document `d`.
    fn next_use(&self, d: usize, n: u32) -> Option<u32> {
        let list = &self.uses[self.use_offsets[d] as usize..self.use_offsets[d + 1] as usize];
        list.get(list.partition_point(|&b| b <= n)).copied()
    }

    fn free(&mut self, d: usize) {
        if self.prepared[d].take().is_some() {
            self.held -= self.bytes[d] as usize;
        }
    }
}

impl AlignPlan {
    /// Aligns block number `n`: analyses the documents of its pairs not held (`analyse`
    /// gets them sorted, and returns each with its analysis, `None` for a document
    /// that cannot be aligned), aligns every pair, frees the analyses no later block
    /// uses and, over the budget, those used again the latest, and returns each
    /// pair's edges by candidate index.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn align_block<'t>(
        &self,
        n: usize,
        block: &[usize],
        candidates: &[Candidate],
        analyses: &mut Analyses<'t>,
        analyse: impl FnOnce(&[u32]) -> Result<Vec<(u32, Option<Box<PreparedDoc<'t>>>)>>,
        masks: &Masks,
        config: &ScanConfig,
        observer: &dyn Observer,
    ) -> Result<Vec<(usize, Vec<Edge>)>> {
        let mut docs: Vec<u32> = block
            .iter()
            .flat_map(|&k| [candidates[k].a, candidates[k].b])
            .collect();
        docs.sort_unstable();
        docs.dedup();
        let fresh: Vec<u32> = docs
            .iter()
            .copied()
            .filter(|&d| analyses.prepared[d as usize].is_none())
            .collect();
        for (d, doc) in analyse(&fresh)? {
            let bytes = doc.as_ref().map_or(0, |p| p.heap_bytes());
            analyses.bytes[d as usize] = bytes.min(u32::MAX as usize) as u32;
            analyses.held += analyses.bytes[d as usize] as usize;
            analyses.prepared[d as usize] = doc;
            analyses.made += 1;
        }
        let shared: &[Option<Box<PreparedDoc<'t>>>] = &analyses.prepared;
        let aligned: Vec<(usize, Vec<Edge>)> = exec::map_chunks(block, 64, |chunk| {
            let out: Vec<(usize, Vec<Edge>)> = chunk
                .iter()
                .map(|&k| (k, align_pair(&candidates[k], shared, masks, config)))
                .collect();
            observer.advance(chunk.len() as u64);
            out
        });
        let n = n as u32;
        for &d in &docs {
            match analyses.next_use(d as usize, n) {
                None => analyses.free(d as usize),
                Some(next) => analyses.next.push((next, d)),
            }
        }
        while analyses.held > analyses.budget {
            let Some((next, d)) = analyses.next.pop() else {
                break;
            };
            let d = d as usize;
            if analyses.prepared[d].is_some() && analyses.next_use(d, n) == Some(next) {
                analyses.free(d);
            }
        }
        Ok(aligned)
    }
}

pub(crate) struct DocIndex {
    /// Upper 32 bits of each unmasked n-gram's hash.
    pub(crate) grams: Vec<u32>,
    pub(crate) repeats: Vec<RepeatPair>,
}

pub(crate) fn index_document(text: &str, masks: &[Span], config: &ScanConfig) -> DocIndex {
    let tokens = tokenize(text, &config.normalize);
    let n = config.candidates.ngram_words.max(1);
    let mut grams = Vec::with_capacity(tokens.len());
    if tokens.len() >= n {
        let keys: Vec<u64> = tokens.iter().map(|t| t.key).collect();
        for (p, window) in keys.windows(n).enumerate() {
            let span = Span::new(tokens[p].start, tokens[p + n - 1].end);
            if masked_share(&span, masks) == 0.0 {
                grams.push((hash_keys(window) >> 32) as u32);
            }
        }
    }
    let repeats = find_repeats(&tokens, n, config.align.min_words)
        .into_iter()
        .filter(|r| masked_share(&r.first, masks) < 0.5 && masked_share(&r.second, masks) < 0.5)
        .map(|r| (r.first, r.second))
        .collect();
    DocIndex { grams, repeats }
}

/// Bytes of memory the in-memory scan holds at its peak per byte of document text
/// (documents, lines, the n-gram index and its postings), measured on news: 1 M
/// articles of 3.4 GB peaked at 11.8 GB.
pub const IN_MEMORY_BYTES_PER_TEXT_BYTE: f64 = 3.5;

/// The in-memory scan's estimated peak memory for `sources`, from their size on disk
/// (a compressed file, `.gz` or `.zst`, counted as four times its size): above the
/// memory limit, the staged scan is the one to run.
pub fn estimated_memory(sources: &Sources) -> u64 {
    let text: u64 = sources
        .list()
        .iter()
        .map(|s| {
            let bytes = std::fs::metadata(&s.path).map_or(0, |m| m.len());
            let compressed = s
                .path
                .extension()
                .is_some_and(|e| e == "gz" || e == "zst" || e == "zstd");
            if compressed {
                bytes.saturating_mul(4)
            } else {
                bytes
            }
        })
        .sum();
    (text as f64 * IN_MEMORY_BYTES_PER_TEXT_BYTE) as u64
}

/// Finds reused passages across a collection.
pub fn run(sources: &Sources, config: &ScanConfig, observer: &dyn Observer) -> Result<ScanResult> {
    config.validate()?;
    let started = Instant::now();
    let mut stats = ScanStats {
        input: InputTally::new(sources),
        ..ScanStats::default()
    };
    let documents = read_documents(sources, config, observer, &mut stats)?;
    stats.documents = documents.len() as u64;
    stats.read_seconds = started.elapsed().as_secs_f64();
    let result = scan_documents(documents, config, observer, stats, started)?;
    Ok(result)
}

/// Finds reused passages among documents already in memory.
pub fn scan_documents(
    documents: Vec<Document>,
    config: &ScanConfig,
    observer: &dyn Observer,
    mut stats: ScanStats,
    started: Instant,
) -> Result<ScanResult> {
    config.validate()?;
    stats.documents = documents.len() as u64;

    // 1. Boilerplate lines, then per-document masks.
    let t = Instant::now();
    observer.stage_started(Stage::Candidates, None);
    let doc_lines: Vec<_> = exec::map(&documents, |d| lines(&d.text, &config.normalize));
    let boiler_lines = find_boilerplate_lines(&doc_lines, &config.boilerplate);
    drop(doc_lines);
    let masks = Masks::from_places(
        documents.len(),
        boiler_lines
            .iter()
            .flat_map(|b| b.places.iter().copied())
            .collect(),
    );

    // 2. N-gram index and within-document repeats.
    let (grams, repeats): (Vec<Vec<u32>>, Vec<Vec<RepeatPair>>) =
        exec::map_indices(documents.len(), |d| {
            let index = index_document(&documents[d].text, masks.get(d), config);
            (index.grams, index.repeats)
        })
        .into_iter()
        .unzip();
    let candidates = candidate_pairs(grams, &config.candidates);
    observer.stage_finished(Stage::Candidates);
    stats.candidate_pairs = candidates.len() as u64;
    stats.candidate_seconds = t.elapsed().as_secs_f64();

    // 3. Alignment, a block of pairs at a time (see [`AlignPlan`]). Edges are
    // gathered back in candidate order (deterministic).
    let t = Instant::now();
    observer.stage_started(Stage::Align, Some(candidates.len() as u64));
    let plan = AlignPlan::new(&candidates, documents.len(), config.align_block_pairs);
    let blanked: Vec<Option<Cow<'_, str>>> = exec::map_indices(documents.len(), |d| {
        plan.needed[d].then(|| blank_masks(&documents[d].text, masks.get(d)))
    });
    let mut analyses = Analyses::new(&plan, &candidates, |_| true, usize::MAX);
    let mut pair_edges: Vec<Vec<Edge>> = Vec::new();
    pair_edges.resize_with(candidates.len(), Vec::new);
    for (n, block) in plan.blocks().enumerate() {
        let aligned = plan.align_block(
            n,
            block,
            &candidates,
            &mut analyses,
            |fresh| {
                Ok(exec::map(fresh, |&d| {
                    let text = blanked[d as usize].as_deref();
                    (
                        d,
                        text.map(|t| Box::new(PreparedDoc::new(t, &config.normalize))),
                    )
                }))
            },
            &masks,
            config,
            observer,
        )?;
        for (k, e) in aligned {
            pair_edges[k] = e;
        }
    }
    drop(analyses);
    drop(blanked);
    observer.stage_finished(Stage::Align);
    let mut edges: Vec<Edge> = Vec::new();
    for e in pair_edges {
        stats.pairs_with_passages += u64::from(!e.is_empty());
        edges.extend(e);
    }
    stats.passages = edges.len() as u64;
    stats.align_seconds = t.elapsed().as_secs_f64();

    // 4. Repeats inside documents, then overlap clusters.
    let t = Instant::now();
    observer.stage_started(Stage::Cluster, None);
    let documents = ScanDocuments::in_memory(documents);
    let clustered = cluster_passages(
        edges,
        repeats
            .iter()
            .enumerate()
            .flat_map(|(d, r)| r.iter().map(move |&pair| (d as u32, pair))),
        boiler_lines,
        config,
        &documents,
    )?;
    observer.stage_finished(Stage::Cluster);
    stats.cluster_seconds = t.elapsed().as_secs_f64();
    stats.total_seconds = started.elapsed().as_secs_f64();
    Ok(clustered.into_result(documents, stats))
}

/// What the last step of a scan finds.
pub(crate) struct Clustered {
    pub(crate) clusters: Vec<ScanCluster>,
    pub(crate) templates: Vec<TemplateCluster>,
    pub(crate) boilerplate: Vec<BoilerplateItem>,
    pub(crate) template_pairs: u64,
    pub(crate) loose_members: u64,
    pub(crate) attribution: Option<crate::scan::attribution::Attribution>,
}

impl Clustered {
    /// The scan's result: these clusters, counted into `stats`, over `documents`
    /// (one constructor for the in-memory, staged and engine scans).
    pub(crate) fn into_result(self, documents: ScanDocuments, mut stats: ScanStats) -> ScanResult {
        stats.record_clusters(&self);
        ScanResult {
            documents,
            clusters: self.clusters,
            templates: self.templates,
            boilerplate: self.boilerplate,
            attribution: self.attribution,
            stats,
        }
    }
}

/// The last step of a scan, the same for the in-memory and the staged run: aligned
/// pairs that fill one formula with other names and numbers become templates (see
/// [`crate::scan::templates`]); within-document repeats join the other edges, which
/// become overlap clusters cut into cohesive clusters around core members (those in
/// two or more documents are reuse; a whole overlap cluster in one document is
/// boilerplate repeated inside it); boilerplate lines become boilerplate items. Each
/// list is sorted by its first member or place.
pub(crate) fn cluster_passages(
    edges: Vec<Edge>,
    repeats: impl Iterator<Item = (u32, RepeatPair)>,
    boiler_lines: Vec<crate::scan::boilerplate::BoilerplateLine>,
    config: &ScanConfig,
    documents: &ScanDocuments,
) -> Result<Clustered> {
    let template_config = &config.templates;
    let is_template: Vec<bool> = if template_config.enabled {
        exec::map(&edges, |e| {
            if e.x.doc == e.y.doc {
                return Ok(false);
            }
            let a = documents.quote(e.x.doc as usize, e.x.span)?;
            let b = documents.quote(e.y.doc as usize, e.y.span)?;
            Ok(is_template_pair(
                &SlotProfile::new(&a, &config.normalize),
                &SlotProfile::new(&b, &config.normalize),
                template_config,
            ))
        })
        .into_iter()
        .collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    let mut reuse_edges: Vec<Edge> = Vec::with_capacity(edges.len());
    let mut template_edges: Vec<Edge> = Vec::new();
    for (k, e) in edges.into_iter().enumerate() {
        if is_template.get(k).copied().unwrap_or(false) {
            template_edges.push(e);
        } else {
            reuse_edges.push(e);
        }
    }
    drop(is_template);
    for (d, (first, second)) in repeats {
        reuse_edges.push(Edge {
            x: Occurrence {
                doc: d,
                span: first,
            },
            y: Occurrence {
                doc: d,
                span: second,
            },
            similarity: 1.0,
        });
    }
    let date = |d: usize| documents.date(d);
    let mut clusters = Vec::new();
    let mut templates = Vec::new();
    let mut loose_members = 0u64;
    let mut boilerplate: Vec<BoilerplateItem> = boiler_lines
        .into_iter()
        .map(|b| BoilerplateItem {
            kind: b.kind,
            places: b
                .places
                .into_iter()
                .map(|(doc, span)| Occurrence { doc, span })
                .collect(),
        })
        .collect();
    for passage in overlap_clusters(&reuse_edges, config.min_overlap) {
        if passage.document_count() < 2 {
            boilerplate.push(BoilerplateItem {
                kind: BoilerplateKind::RepeatedInDocument,
                places: passage.members,
            });
            continue;
        }
        let (stars, loose) = cohesive_split(passage, config.min_core_similarity, |x, y| {
            Ok::<_, crate::Error>(passage_similarity(
                &documents.quote(x.doc as usize, x.span)?,
                &documents.quote(y.doc as usize, y.span)?,
                &config.normalize,
            ))
        })?;
        loose_members += loose as u64;
        for star in stars {
            if star.passage.document_count() < 2 {
                loose_members += star.passage.members.len() as u64;
                continue;
            }
            if template_config.enabled
                && star.passage.document_count() >= template_config.min_documents
                && fills_template(&star, documents, config)?
            {
                let core = star.passage.members[star.core];
                let (shape, slot_share) = shape(
                    &documents.quote(core.doc as usize, core.span)?,
                    &config.normalize,
                );
                templates.push(TemplateCluster {
                    passage: star.passage,
                    representative: star.core,
                    shape,
                    slot_share,
                });
                continue;
            }
            let earliest = earliest_member(&star.passage, date);
            let original = crate::scan::attribution::original_member(&star.passage, documents);
            clusters.push(ScanCluster {
                passage: star.passage,
                earliest,
                original,
                core: star.core,
                core_similarities: star.core_similarities,
            });
        }
    }
    clusters.sort_by_key(|c| c.passage.members[0]);
    boilerplate.sort_by_key(|b| b.places[0]);
    let template_pairs = template_edges.len() as u64;
    for passage in overlap_clusters(&template_edges, config.min_overlap) {
        if passage.document_count() < 2 {
            continue;
        }
        let representative = most_linked(&passage);
        let m = passage.members[representative];
        let (shape, slot_share) =
            shape(&documents.quote(m.doc as usize, m.span)?, &config.normalize);
        templates.push(TemplateCluster {
            passage,
            representative,
            shape,
            slot_share,
        });
    }
    templates.sort_by_key(|t| t.passage.members[0]);
    let attribution = crate::scan::attribution::summarize(documents, &clusters)?;
    Ok(Clustered {
        attribution,
        clusters,
        templates,
        boilerplate,
        template_pairs,
        loose_members,
    })
}

impl ScanStats {
    /// Counts what the last step found.
    pub(crate) fn record_clusters(&mut self, clustered: &Clustered) {
        self.clusters = clustered.clusters.len() as u64;
        self.templates = clustered.templates.len() as u64;
        self.boilerplate = clustered.boilerplate.len() as u64;
        self.template_pairs = clustered.template_pairs;
        self.loose_members = clustered.loose_members;
    }
}

/// Whether most members of a cohesive cluster (more than half of those other than
/// the core) fill the core's wording with other names and numbers.
fn fills_template(
    star: &CohesiveCluster,
    documents: &ScanDocuments,
    config: &ScanConfig,
) -> Result<bool> {
    let profile = |i: usize| -> Result<SlotProfile> {
        let m = star.passage.members[i];
        Ok(SlotProfile::new(
            &documents.quote(m.doc as usize, m.span)?,
            &config.normalize,
        ))
    };
    let core = profile(star.core)?;
    let mut filled = 0usize;
    for i in (0..star.passage.members.len()).filter(|&i| i != star.core) {
        filled += usize::from(fills_other_slots(&core, &profile(i)?, &config.templates));
    }
    Ok(2 * filled > star.passage.members.len() - 1)
}

/// The member with the highest sum of link similarities (the first on ties).
fn most_linked(cluster: &PassageCluster) -> usize {
    let mut score = vec![0.0f64; cluster.members.len()];
    for l in &cluster.links {
        score[l.a] += l.similarity;
        score[l.b] += l.similarity;
    }
    let mut best = 0;
    for (i, s) in score.iter().enumerate() {
        if *s > score[best] {
            best = i;
        }
    }
    best
}

/// The passages of one candidate pair as edges, leaving out passages that lie
/// mostly on boilerplate.
fn align_pair(
    c: &Candidate,
    prepared: &[Option<Box<PreparedDoc<'_>>>],
    masks: &Masks,
    config: &ScanConfig,
) -> Vec<Edge> {
    let (Some(prep_a), Some(prep_b)) = (&prepared[c.a as usize], &prepared[c.b as usize]) else {
        return Vec::new();
    };
    align(prep_a, prep_b, &config.align)
        .into_iter()
        .filter(|p| {
            masked_share(&p.a, masks.get(c.a as usize)) < 0.5
                && masked_share(&p.b, masks.get(c.b as usize)) < 0.5
        })
        .map(|p| Edge {
            x: Occurrence {
                doc: c.a,
                span: p.a,
            },
            y: Occurrence {
                doc: c.b,
                span: p.b,
            },
            similarity: p.similarity,
        })
        .collect()
}

/// The member in the document with the earliest parsed date; ties go to the first
/// member in input order (members are sorted by document). Undated documents never win.
pub(crate) fn earliest_member<'d>(
    cluster: &PassageCluster,
    date: impl Fn(usize) -> Option<&'d crate::document::DocDate>,
) -> Option<usize> {
    cluster
        .members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| date(m.doc as usize).map(|d| (d.instant, i)))
        .min()
        .map(|(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::candidates::CandidateConfig;

    #[test]
    fn report_does_not_depend_on_block_size() {
        let texts = [
            "The central bank raised its main interest rate by half a point on Tuesday, \
             citing inflation that has stayed above target for a year. Markets fell.",
            "Weather was mild. The central bank raised its main interest rate by half a \
             point on Tuesday, citing inflation that has stayed above target for a year.",
            "Unrelated news: the city council approved a new park near the river after \
             a long debate about costs and the trees that would have to be cut down.",
            "Sport: the city council approved a new park near the river after a long \
             debate about costs. The central bank raised its main interest rate by half \
             a point on Tuesday, citing inflation that has stayed above target.",
        ];
        let documents: Vec<Document> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Document::new(
                    format!("d{i}"),
                    *t,
                    crate::document::Origin {
                        source: 0,
                        line: i as u64 + 1,
                    },
                )
            })
            .collect();
        let summary = |block: usize| {
            let config = ScanConfig {
                align_block_pairs: block,
                candidates: CandidateConfig {
                    min_shared: 2,
                    ..CandidateConfig::default()
                },
                ..ScanConfig::default()
            };
            let r = scan_documents(
                documents.clone(),
                &config,
                &crate::exec::Silent,
                ScanStats::default(),
                Instant::now(),
            )
            .unwrap();
            let clusters: Vec<Vec<(u32, Span)>> = r
                .clusters
                .iter()
                .map(|c| c.passage.members.iter().map(|m| (m.doc, m.span)).collect())
                .collect();
            (r.stats.candidate_pairs, clusters)
        };
        let whole = summary(8192);
        assert!(whole.0 >= 3, "{whole:?}");
        assert_eq!(whole.1.len(), 2, "{whole:?}");
        assert_eq!(summary(1), whole);
        assert_eq!(summary(2), whole);
    }

    #[test]
    fn a_formula_filled_in_by_many_stories_is_a_template_not_reuse() {
        // The aligned passages start and end on shared words, so the names and
        // numbers that tell the stories apart are inside the formula.
        let companies = [
            (
                "Acme Cleveland Corp",
                "50",
                "2012",
                "3",
                "14",
                "Salomon Brothers",
            ),
            (
                "Brown Forman Inc",
                "75",
                "2017",
                "4",
                "22",
                "Morgan Stanley",
            ),
            ("Red Lion Inns", "120", "2009", "6", "31", "Drexel Burnham"),
            ("Torchmark Corp", "200", "2015", "8", "47", "Kidder Peabody"),
        ];
        let mut texts: Vec<String> = companies
            .iter()
            .map(|(name, amount, year, shares, price, bank)| {
                format!(
                    "{name} said it filed a registration statement with the Securities and \
                     Exchange Commission covering a proposed offering of {amount} mln dlrs of \
                     debentures due {year} and {shares} mln common shares at {price} dlrs \
                     each, with {bank} as lead manager of the offering. The company said \
                     proceeds would be used to repay bank debt and for general corporate \
                     purposes."
                )
            })
            .collect();
        // One story copied as it stands: reuse.
        texts.push(texts[0].clone());
        let documents: Vec<Document> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Document::new(
                    format!("d{i}"),
                    t.as_str(),
                    crate::document::Origin {
                        source: 0,
                        line: i as u64 + 1,
                    },
                )
            })
            .collect();
        let scan = |enabled: bool| {
            let mut config = ScanConfig::default();
            config.templates.enabled = enabled;
            config.candidates.min_shared = 2;
            scan_documents(
                documents.clone(),
                &config,
                &crate::exec::Silent,
                ScanStats::default(),
                Instant::now(),
            )
            .unwrap()
        };
        let r = scan(true);
        assert_eq!(r.templates.len(), 1, "{:?}", r.stats);
        assert!(
            r.templates[0]
                .shape
                .contains("offering of [number] mln dlrs of debentures"),
            "{}",
            r.templates[0].shape
        );
        assert!(r.templates[0].passage.document_count() >= 4);
        // The true copy is reuse. (A template pair whose aligned passages happen to
        // share enough of their names can still join it: here Torchmark's.)
        assert_eq!(r.clusters.len(), 1, "{:?}", r.stats);
        let docs: Vec<u32> = r.clusters[0]
            .passage
            .members
            .iter()
            .map(|m| m.doc)
            .collect();
        assert!(docs.contains(&0) && docs.contains(&4), "{docs:?}");
        assert!(docs.len() < 5, "{docs:?}");
        assert!(r.clusters[0].core_similarity().unwrap().0 >= 0.3);
        // Without template detection the formula is reported as reuse.
        let r = scan(false);
        assert!(r.templates.is_empty());
        assert!(r.clusters.iter().any(|c| c.passage.document_count() >= 4));
    }

    #[test]
    fn earliest_member_compares_parsed_dates_not_text() {
        let dated = |text: &str| crate::document::DocDate {
            text: text.to_string(),
            instant: crate::input::date::parse_text(text).unwrap(),
        };
        let origin = crate::document::Origin { source: 0, line: 1 };
        let mut docs: Vec<Document> = (0..4)
            .map(|i| Document::new(format!("d{i}"), "x", origin))
            .collect();
        // As text "03-MAR" < "26-FEB"; as dates February comes first.
        docs[0].date = Some(dated("3-MAR-1987 09:00:00.00"));
        docs[1].date = Some(dated("26-FEB-1987 15:01:01.79"));
        docs[3].date = Some(dated("1987-02-26T15:01:01.79Z"));
        let cluster = PassageCluster {
            members: (0..4)
                .map(|doc| Occurrence {
                    doc,
                    span: Span::new(0, 1),
                })
                .collect(),
            links: Vec::new(),
        };
        assert_eq!(
            earliest_member(&cluster, |d| docs[d].date.as_ref()),
            Some(1),
            "ties go to input order"
        );
    }

    #[test]
    fn masked_share_counts_covered_bytes() {
        let masks = [Span::new(0, 10), Span::new(20, 30)];
        assert_eq!(masked_share(&Span::new(0, 10), &masks), 1.0);
        assert_eq!(masked_share(&Span::new(5, 25), &masks), 0.5);
        assert_eq!(masked_share(&Span::new(10, 20), &masks), 0.0);
    }
}
