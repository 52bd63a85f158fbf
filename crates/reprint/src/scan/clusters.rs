//! Overlap clusters: one cluster per reused passage.
//!
//! Each aligned passage pair is an edge between two occurrences `(document, span)`.
//! Occurrences in the same document that overlap by at least `min_overlap` of the
//! shorter one are the same passage seen from different partners, so they are joined
//! too. The connected components are the clusters; within a cluster, overlapping
//! occurrences in one document merge into one member span.

use crate::cluster::UnionFind;
use crate::document::Span;
use std::collections::BTreeMap;

/// A passage in one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Occurrence {
    /// Document index.
    pub doc: u32,
    /// Byte span in the document's text.
    pub span: Span,
}

/// Two occurrences of the same passage and how similar they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// One side.
    pub x: Occurrence,
    /// The other side.
    pub y: Occurrence,
    /// Similarity of the two (from alignment; 1 for exact repeats).
    pub similarity: f64,
}

/// A similarity link between two members of a cluster (indices into `members`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Link {
    /// Member index.
    pub a: usize,
    /// Member index.
    pub b: usize,
    /// Best similarity seen between the two.
    pub similarity: f64,
}

/// One reused passage and everywhere it occurs.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageCluster {
    /// Occurrences sorted by document, then start.
    pub members: Vec<Occurrence>,
    /// Pairwise similarities that linked the members.
    pub links: Vec<Link>,
}

impl PassageCluster {
    /// Number of distinct documents among the members.
    pub fn document_count(&self) -> usize {
        let mut docs: Vec<u32> = self.members.iter().map(|m| m.doc).collect();
        docs.dedup();
        docs.len()
    }
}

fn overlaps_enough(a: &Span, b: &Span, min_overlap: f64) -> bool {
    let shorter = a.len().min(b.len()).max(1);
    a.overlap(b) as f64 >= min_overlap * shorter as f64
}

/// Groups edges into overlap clusters, ordered by their first member.
pub fn overlap_clusters(edges: &[Edge], min_overlap: f64) -> Vec<PassageCluster> {
    let nodes: Vec<Occurrence> = edges.iter().flat_map(|e| [e.x, e.y]).collect();
    let mut uf = UnionFind::new(nodes.len());
    for e in 0..edges.len() as u32 {
        uf.union(2 * e, 2 * e + 1);
    }
    let mut order: Vec<u32> = (0..nodes.len() as u32).collect();
    order.sort_unstable_by_key(|&i| (nodes[i as usize].doc, nodes[i as usize].span.start, i));
    let mut active: Vec<u32> = Vec::new();
    let mut current_doc = u32::MAX;
    for &i in &order {
        let node = nodes[i as usize];
        if node.doc != current_doc {
            active.clear();
            current_doc = node.doc;
        }
        active.retain(|&j| nodes[j as usize].span.end > node.span.start);
        let mut same_span = false;
        for &j in &active {
            if overlaps_enough(&nodes[j as usize].span, &node.span, min_overlap) {
                uf.union(i, j);
                same_span |= nodes[j as usize].span == node.span;
            }
        }
        // A span equal to an active one (the first occurrence of a sentence repeated
        // thousands of times is in every one of its repeats) joins that one's
        // cluster and takes no place of its own: whatever overlaps one overlaps the
        // other, and `active` stays short instead of growing with the repeats.
        if !same_span {
            active.push(i);
        }
    }

    let mut components: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for i in 0..nodes.len() as u32 {
        components.entry(uf.find(i)).or_default().push(i);
    }
    let mut clusters: Vec<PassageCluster> = components
        .into_values()
        .map(|node_ids| build_cluster(&node_ids, &nodes, edges))
        .collect();
    clusters.sort_by_key(|c| c.members[0]);
    clusters
}

fn build_cluster(node_ids: &[u32], nodes: &[Occurrence], edges: &[Edge]) -> PassageCluster {
    let mut sorted: Vec<u32> = node_ids.to_vec();
    sorted.sort_unstable_by_key(|&i| (nodes[i as usize], i));
    let mut members: Vec<Occurrence> = Vec::new();
    let mut member_of: BTreeMap<u32, usize> = BTreeMap::new();
    for &i in &sorted {
        let node = nodes[i as usize];
        match members.last_mut() {
            Some(last) if last.doc == node.doc && last.span.overlap(&node.span) > 0 => {
                last.span = last.span.union(&node.span);
            }
            _ => members.push(node),
        }
        member_of.insert(i, members.len() - 1);
    }
    let mut best: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for &i in node_ids.iter().filter(|&&i| i % 2 == 0) {
        let e = &edges[(i / 2) as usize];
        let (a, b) = (member_of[&i], member_of[&(i + 1)]);
        if a == b {
            continue;
        }
        let key = (a.min(b), a.max(b));
        let entry = best.entry(key).or_insert(0.0);
        *entry = entry.max(e.similarity);
    }
    PassageCluster {
        members,
        links: best
            .into_iter()
            .map(|((a, b), similarity)| Link { a, b, similarity })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occ(doc: u32, start: usize, end: usize) -> Occurrence {
        Occurrence {
            doc,
            span: Span::new(start, end),
        }
    }

    #[test]
    fn overlapping_occurrences_join() {
        // Doc 0's passage is seen by docs 1 and 2 with slightly different bounds.
        let edges = [
            Edge {
                x: occ(0, 100, 200),
                y: occ(1, 10, 110),
                similarity: 0.9,
            },
            Edge {
                x: occ(0, 105, 210),
                y: occ(2, 50, 150),
                similarity: 0.8,
            },
            Edge {
                x: occ(0, 500, 600),
                y: occ(2, 300, 400),
                similarity: 1.0,
            },
        ];
        let clusters = overlap_clusters(&edges, 0.5);
        assert_eq!(clusters.len(), 2);
        let c = &clusters[0];
        assert_eq!(
            c.members,
            vec![occ(0, 100, 210), occ(1, 10, 110), occ(2, 50, 150)]
        );
        assert_eq!(c.links.len(), 2);
        assert_eq!(c.document_count(), 3);
        assert_eq!(
            clusters[1].members,
            vec![occ(0, 500, 600), occ(2, 300, 400)]
        );
    }

    #[test]
    fn slight_overlap_does_not_chain() {
        let edges = [
            Edge {
                x: occ(0, 0, 100),
                y: occ(1, 0, 100),
                similarity: 1.0,
            },
            Edge {
                x: occ(0, 95, 200),
                y: occ(2, 0, 100),
                similarity: 1.0,
            },
        ];
        assert_eq!(overlap_clusters(&edges, 0.5).len(), 2);
    }

    #[test]
    fn a_sentence_repeated_thousands_of_times_is_one_cluster() {
        // Every repeat pairs the first occurrence (the same span) with a later one.
        let edges: Vec<Edge> = (1..5000)
            .map(|k| Edge {
                x: occ(0, 0, 50),
                y: occ(0, 50 * k, 50 * k + 50),
                similarity: 1.0,
            })
            .collect();
        let clusters = overlap_clusters(&edges, 0.5);
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0].members.len(), 5000);
        // Equal spans still join what overlaps them.
        let mut edges = edges[..2].to_vec();
        edges.push(Edge {
            x: occ(0, 10, 60),
            y: occ(1, 0, 50),
            similarity: 1.0,
        });
        assert_eq!(overlap_clusters(&edges, 0.5).len(), 1);
    }
}
