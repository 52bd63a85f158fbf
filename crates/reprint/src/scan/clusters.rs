//! Overlap clusters: one cluster per reused passage.
//!
//! Each aligned passage pair is an edge between two occurrences `(document, span)`.
//! Occurrences in the same document that overlap by at least `min_overlap` of the
//! shorter one are the same passage seen from different partners, so they are joined
//! too. The connected components are the clusters; within a cluster, overlapping
//! occurrences in one document merge into one member span.
//!
//! A connected component can chain: A resembles B, B resembles C, and A and C have
//! little in common (on newswire, one formula filled in by hundreds of stories links
//! them all). [`cohesive_split`] therefore cuts each component into stars: the
//! member with the most strong links (similarity at least `min_core_similarity`)
//! becomes a core, with every unassigned member strongly linked to it; then the next
//! unassigned member with the most strong links, and so on. A member left over
//! because it was aligned only with other copies, never with their core, is then
//! compared with that core directly and joins its star when it resembles it enough;
//! failing that, a whole copy of one member linked to the core joins when the two
//! links bound its similarity to the core at the bar (see [`similarity_through`]).
//! Every member of a cluster resembles its core at that similarity or more, so a
//! cluster is one passage and the copies of it, not a chain.

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

/// A cohesive cluster: members that all resemble one core member.
#[derive(Debug, Clone, PartialEq)]
pub struct CohesiveCluster {
    /// Members and the links among them.
    pub passage: PassageCluster,
    /// Index of the core member in `passage.members`.
    pub core: usize,
    /// Similarity of every other member to the core, in member order.
    pub core_similarities: Vec<f64>,
}

/// Cuts `cluster` into stars around core members (see the module documentation):
/// each star holds its core and members linked to it with similarity at least
/// `min_core_similarity`. A member whose partners all went to cores it was never
/// aligned with is compared with those cores by `similarity` (of two members'
/// passages) and joins the first it resembles enough; failing that, a whole copy of
/// a member linked to a core joins through that member when the two links bound its
/// similarity to the core at the bar ([`similarity_through`], reported as its core
/// similarity). Members still left without a core are returned in none; the second value counts them. Stars come out in the
/// order of their first member. An error of `similarity` is returned as is.
pub fn cohesive_split<E>(
    mut cluster: PassageCluster,
    min_core_similarity: f64,
    mut similarity: impl FnMut(Occurrence, Occurrence) -> Result<f64, E>,
) -> Result<(Vec<CohesiveCluster>, usize), E> {
    let n = cluster.members.len();
    let mut strong: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut score = vec![0.0f64; n];
    for l in &cluster.links {
        if l.similarity >= min_core_similarity {
            strong[l.a].push((l.b, l.similarity));
            strong[l.b].push((l.a, l.similarity));
            score[l.a] += l.similarity;
            score[l.b] += l.similarity;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| score[y].total_cmp(&score[x]).then(x.cmp(&y)));
    let mut star_of: Vec<Option<usize>> = vec![None; n];
    let mut cores: Vec<usize> = Vec::new();
    for &m in &order {
        if star_of[m].is_some() || !strong[m].iter().any(|&(o, _)| star_of[o].is_none()) {
            continue;
        }
        let star = cores.len();
        cores.push(m);
        star_of[m] = Some(star);
        for &(o, _) in &strong[m] {
            if star_of[o].is_none() {
                star_of[o] = Some(star);
            }
        }
    }
    let through = attach_loose(
        &mut cluster,
        &mut star_of,
        &cores,
        min_core_similarity,
        &mut similarity,
    )?;
    let loose = star_of.iter().filter(|s| s.is_none()).count();
    if cores.len() == 1 && loose == 0 {
        let core = cores[0];
        let core_similarities = core_similarities(&cluster, core, &through);
        return Ok((
            vec![CohesiveCluster {
                passage: cluster,
                core,
                core_similarities,
            }],
            0,
        ));
    }
    // Members keep their order inside each star; stars are ordered by first member.
    let mut new_index = vec![usize::MAX; n];
    let mut stars: Vec<PassageCluster> = vec![
        PassageCluster {
            members: Vec::new(),
            links: Vec::new(),
        };
        cores.len()
    ];
    let mut star_through: Vec<Vec<f64>> = vec![Vec::new(); cores.len()];
    for (m, star) in star_of.iter().enumerate() {
        if let Some(s) = *star {
            new_index[m] = stars[s].members.len();
            stars[s].members.push(cluster.members[m]);
            star_through[s].push(through[m]);
        }
    }
    for l in &cluster.links {
        if let (Some(s), Some(t)) = (star_of[l.a], star_of[l.b]) {
            if s == t {
                stars[s].links.push(Link {
                    a: new_index[l.a],
                    b: new_index[l.b],
                    similarity: l.similarity,
                });
            }
        }
    }
    let mut out: Vec<CohesiveCluster> = stars
        .into_iter()
        .zip(&cores)
        .zip(&star_through)
        .map(|((passage, &core), through)| {
            let core = new_index[core];
            let core_similarities = core_similarities(&passage, core, through);
            CohesiveCluster {
                passage,
                core,
                core_similarities,
            }
        })
        .collect();
    out.sort_by_key(|c| c.passage.members[0]);
    Ok((out, loose))
}

/// Cores a member left without a star is compared with, at most.
const MAX_CORE_TRIES: usize = 4;

/// The second chance of members left without a star: a copy aligned only with
/// other copies, never with their core, is compared with the cores of the stars its
/// partners went to (best link first, at most [`MAX_CORE_TRIES`] cores) by
/// `similarity`, and joins the first star whose core it resembles at
/// `min_core_similarity` or more; the comparison becomes a link of the cluster.
/// A member already aligned with a core (a link too weak to join it) is not
/// compared with that core again.
///
/// A member the comparisons leave out may still join a star through one partner
/// in it that it copies: the partner is linked to the star's core (directly or by
/// a comparison, never through another partner, so the path to the core is two
/// links at most), the member resembles the partner at [`MIN_COPY_OF_PARTNER`] or
/// more by [`copy_similarity`] (their link weighed by how much of the longer span
/// the shorter one could cover), and [`similarity_through`] of that and the
/// partner's link to the core reaches `min_core_similarity`. Such a member's
/// similarity to the core is that bound (the best over its partners), returned in
/// member order (0 for every other member). This keeps a copy beside the member it
/// copies when the comparison of whole member spans with the core falls short only
/// because the core's span is longer or shorter than the part the links were
/// aligned on. A member linked weakly to a partner, or to a small part of a longer
/// one, stays out: its link need not stand for the partner's whole span.
///
/// Members are taken in order, so the result is deterministic.
fn attach_loose<E>(
    cluster: &mut PassageCluster,
    star_of: &mut [Option<usize>],
    cores: &[usize],
    min_core_similarity: f64,
    similarity: &mut impl FnMut(Occurrence, Occurrence) -> Result<f64, E>,
) -> Result<Vec<f64>, E> {
    let n = cluster.members.len();
    let mut through = vec![0.0f64; n];
    if cores.is_empty() || star_of.iter().all(Option::is_some) {
        return Ok(through);
    }
    let mut partners: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for l in &cluster.links {
        partners[l.a].push((l.b, l.similarity));
        partners[l.b].push((l.a, l.similarity));
    }
    for m in 0..n {
        if star_of[m].is_some() {
            continue;
        }
        let mut mine = std::mem::take(&mut partners[m]);
        mine.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        let linked = |o: usize| mine.iter().any(|&(p, _)| p == o);
        let mut tried: Vec<usize> = Vec::new();
        for &(p, _) in &mine {
            let Some(star) = star_of[p] else { continue };
            if tried.contains(&star) {
                continue;
            }
            if tried.len() == MAX_CORE_TRIES {
                break;
            }
            tried.push(star);
            let core = cores[star];
            if linked(core) {
                continue;
            }
            let s = similarity(cluster.members[m], cluster.members[core])?;
            if s >= min_core_similarity {
                star_of[m] = Some(star);
                cluster.links.push(Link {
                    a: m.min(core),
                    b: m.max(core),
                    similarity: s,
                });
                break;
            }
        }
        if star_of[m].is_some() {
            continue;
        }
        let mut best: Option<(usize, f64)> = None;
        for &(p, to_partner) in &mine {
            let Some(star) = star_of[p] else { continue };
            let core = cores[star];
            if p == core || through[p] > 0.0 || linked(core) {
                continue;
            }
            let copy = copy_similarity(
                to_partner,
                cluster.members[m].span.len(),
                cluster.members[p].span.len(),
            );
            if copy < MIN_COPY_OF_PARTNER {
                continue;
            }
            let partner_to_core = link_similarity(&cluster.links, p, core);
            let bound = similarity_through(copy, partner_to_core);
            if bound >= min_core_similarity && best.is_none_or(|(_, b)| bound > b) {
                best = Some((star, bound));
            }
        }
        if let Some((star, bound)) = best {
            star_of[m] = Some(star);
            through[m] = bound;
        }
    }
    Ok(through)
}

/// How much a member must resemble a partner, by [`copy_similarity`], to join the
/// partner's star through it (see [`cohesive_split`]): a copy of the partner's whole
/// span, with some words replaced or a sentence dropped, not a passage sharing a
/// part of it.
pub const MIN_COPY_OF_PARTNER: f64 = 0.7;

/// A link's similarity weighed by the ratio of the shorter member span to the
/// longer (in bytes): members merge the spans of all their alignments, so a link
/// between a short span and a long one stands only for the part of the long one
/// it was aligned on, and two spans this similarity calls alike have comparable
/// lengths.
pub fn copy_similarity(link: f64, len_a: usize, len_b: usize) -> f64 {
    let (short, long) = (len_a.min(len_b), len_a.max(len_b));
    if long == 0 {
        return 0.0;
    }
    link * short as f64 / long as f64
}

/// The best similarity of a link between members `a` and `b` (0 when none).
fn link_similarity(links: &[Link], a: usize, b: usize) -> f64 {
    links
        .iter()
        .filter(|l| (l.a, l.b) == (a.min(b), a.max(b)))
        .map(|l| l.similarity)
        .fold(0.0, f64::max)
}

/// The least similarity to a core that a member can have when it resembles a
/// partner at `to_partner` and the partner resembles the core at
/// `partner_to_core`, all three being Dice coefficients of stem sets: the Jaccard
/// distance `1 - J` obeys the triangle inequality, so
/// `J(member, core) >= J(member, partner) + J(partner, core) - 1`, with
/// `J = D / (2 - D)` and back `D = 2J / (1 + J)`. Two links of 0.85 bound the
/// third at 0.65, two of 0.6 bound nothing (the result is 0 when the bound is not
/// positive).
pub fn similarity_through(to_partner: f64, partner_to_core: f64) -> f64 {
    let jaccard = |d: f64| d / (2.0 - d);
    let j = jaccard(to_partner) + jaccard(partner_to_core) - 1.0;
    if j <= 0.0 {
        0.0
    } else {
        2.0 * j / (1.0 + j)
    }
}

/// The best link similarity of every member but `core` to `core`, in member order
/// (for a member not linked to it, its similarity `through` a partner, see
/// [`attach_loose`]).
fn core_similarities(cluster: &PassageCluster, core: usize, through: &[f64]) -> Vec<f64> {
    let mut best = through.to_vec();
    for l in &cluster.links {
        if l.a == core {
            best[l.b] = best[l.b].max(l.similarity);
        } else if l.b == core {
            best[l.a] = best[l.a].max(l.similarity);
        }
    }
    best.remove(core);
    best
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

    /// A comparison that never finds a resemblance (nothing attaches after the fact).
    fn unaligned(_: Occurrence, _: Occurrence) -> Result<f64, std::convert::Infallible> {
        Ok(0.0)
    }

    #[test]
    fn a_copy_never_aligned_with_its_core_is_compared_with_it() {
        // 0 is the core of 1 and 2; 3 was aligned only with 2.
        let star = || PassageCluster {
            members: (0..4).map(|d| occ(d, 0, 100)).collect(),
            links: [(0, 1, 0.9), (0, 2, 0.8), (2, 3, 0.9)]
                .map(|(a, b, similarity)| Link { a, b, similarity })
                .to_vec(),
        };
        let mut asked = Vec::new();
        let (stars, loose) = cohesive_split(star(), 0.3, |x, y| {
            asked.push((x.doc, y.doc));
            Ok::<_, std::convert::Infallible>(0.45)
        })
        .unwrap();
        assert_eq!(asked, vec![(3, 0)]);
        assert_eq!((stars.len(), loose), (1, 0));
        assert_eq!(stars[0].core, 0);
        assert_eq!(stars[0].core_similarities, vec![0.9, 0.8, 0.45]);
        // Too unlike the core by the comparison, but a copy of 2 (0.9 over spans of
        // one length), which resembles the core at 0.8: it joins through 2.
        let (stars, loose) =
            cohesive_split(star(), 0.3, |_, _| Ok::<_, std::convert::Infallible>(0.2)).unwrap();
        assert_eq!((stars.len(), loose), (1, 0));
        let through = similarity_through(0.9, 0.8);
        assert_eq!(stars[0].core_similarities, vec![0.9, 0.8, through]);
        assert_eq!(stars[0].passage.links.len(), 3);
        // An error of the comparison is the split's error.
        assert_eq!(
            cohesive_split(star(), 0.3, |_, _| Err("unreadable")),
            Err("unreadable")
        );
    }

    #[test]
    fn the_bound_through_a_partner_follows_the_jaccard_triangle_inequality() {
        assert!((similarity_through(0.85, 0.85) - 0.6471).abs() < 1e-4);
        assert_eq!(similarity_through(0.6, 0.6), 0.0);
        assert!((similarity_through(1.0, 0.42) - 0.42).abs() < 1e-12);
        assert!((similarity_through(0.42, 1.0) - 0.42).abs() < 1e-12);
        // Never above either link: the member is no closer to the core than its
        // partner is, nor than it is to its partner.
        for a in [0.3, 0.5, 0.7, 0.9, 1.0] {
            for b in [0.3, 0.5, 0.7, 0.9, 1.0] {
                let t = similarity_through(a, b);
                assert!((0.0..=a.min(b) + 1e-12).contains(&t), "{a} {b} {t}");
            }
        }
        assert_eq!(copy_similarity(0.9, 100, 100), 0.9);
        assert_eq!(copy_similarity(1.0, 50, 200), 0.25);
        assert_eq!(copy_similarity(1.0, 0, 0), 0.0);
    }

    /// Core 0 with members 1, 2 and 4; member 3 (`len` bytes against 100) aligned
    /// only with 2, at `to_partner`.
    fn partner_star(to_partner: f64, len: usize) -> PassageCluster {
        let mut members: Vec<Occurrence> = (0..5).map(|d| occ(d, 0, 100)).collect();
        members[3] = occ(3, 0, len);
        PassageCluster {
            members,
            links: [(0, 1, 0.9), (0, 2, 0.8), (2, 3, to_partner), (0, 4, 0.9)]
                .map(|(a, b, similarity)| Link { a, b, similarity })
                .to_vec(),
        }
    }

    #[test]
    fn only_a_whole_copy_of_a_member_joins_through_it() {
        let unlike = |_: Occurrence, _: Occurrence| Ok::<_, std::convert::Infallible>(0.1);
        let (stars, loose) = cohesive_split(partner_star(0.95, 100), 0.3, unlike).unwrap();
        assert_eq!((stars.len(), loose), (1, 0));
        assert_eq!(stars[0].core, 0);
        let through = similarity_through(0.95, 0.8);
        assert!((through - 0.7273).abs() < 1e-4);
        assert_eq!(stars[0].core_similarities, vec![0.9, 0.8, through, 0.9]);
        // Every member resembles the core at the bar or more, by what is reported;
        // joining through a partner adds no link (the member and the core were
        // never aligned).
        assert!(stars[0].core_similarities.iter().all(|&s| s >= 0.3));
        assert_eq!(stars[0].passage.links.len(), 4);
        // A weak link to the partner, or a short span aligned with a part of it,
        // does not stand for the partner's whole span: 3 stays out.
        for (to_partner, len) in [(0.6, 100), (0.95, 40)] {
            let (stars, loose) =
                cohesive_split(partner_star(to_partner, len), 0.3, unlike).unwrap();
            assert_eq!((stars.len(), loose), (1, 1), "{to_partner} {len}");
            assert_eq!(stars[0].core_similarities, vec![0.9, 0.8, 0.9]);
        }
        // A copy of a partner that resembles the core too little for the bound.
        let mut weak = partner_star(0.8, 100);
        weak.links[1].similarity = 0.35;
        let (stars, loose) = cohesive_split(weak, 0.3, unlike).unwrap();
        assert_eq!((stars.len(), loose), (1, 1));
        assert_eq!(stars[0].core_similarities, vec![0.9, 0.35, 0.9]);
        // A comparison that finds the member alike is taken before any bound.
        let alike = |_: Occurrence, _: Occurrence| Ok::<_, std::convert::Infallible>(0.5);
        let (stars, _) = cohesive_split(partner_star(0.95, 100), 0.3, alike).unwrap();
        assert_eq!(stars[0].core_similarities, vec![0.9, 0.8, 0.5, 0.9]);
    }

    fn chain() -> PassageCluster {
        // 0–1–2–3 strongly linked in a row, 0 and 3 never aligned, 1–3 weakly.
        PassageCluster {
            members: (0..4).map(|d| occ(d, 0, 100)).collect(),
            links: vec![
                Link {
                    a: 0,
                    b: 1,
                    similarity: 0.9,
                },
                Link {
                    a: 1,
                    b: 2,
                    similarity: 0.8,
                },
                Link {
                    a: 2,
                    b: 3,
                    similarity: 0.9,
                },
                Link {
                    a: 1,
                    b: 3,
                    similarity: 0.2,
                },
            ],
        }
    }

    #[test]
    fn a_chain_is_cut_into_stars_around_cores() {
        let (stars, loose) = cohesive_split(chain(), 0.3, unaligned).unwrap();
        // Members 1 and 2 have the most strong links (1.7 each); the first wins and
        // takes 0 and 2. Member 3 resembles 2, not the core, and is left out.
        assert_eq!((stars.len(), loose), (1, 1));
        assert_eq!(
            stars[0].passage.members,
            vec![occ(0, 0, 100), occ(1, 0, 100), occ(2, 0, 100)]
        );
        assert_eq!(stars[0].core, 1);
        assert_eq!(stars[0].core_similarities, vec![0.9, 0.8]);
        assert_eq!(stars[0].passage.links.len(), 2);
        // With a fifth member strongly linked to 3, 3 becomes a core of its own.
        let mut longer = chain();
        longer.members.push(occ(4, 0, 100));
        longer.links.push(Link {
            a: 3,
            b: 4,
            similarity: 0.7,
        });
        let (stars, loose) = cohesive_split(longer, 0.3, unaligned).unwrap();
        assert_eq!((stars.len(), loose), (2, 0));
        assert_eq!(
            stars[1].passage.members,
            vec![occ(3, 0, 100), occ(4, 0, 100)]
        );
        assert_eq!(stars[1].core_similarities, vec![0.7]);
    }

    #[test]
    fn a_star_is_kept_whole() {
        let cluster = PassageCluster {
            members: (0..3).map(|d| occ(d, 0, 100)).collect(),
            links: vec![
                Link {
                    a: 0,
                    b: 1,
                    similarity: 1.0,
                },
                Link {
                    a: 0,
                    b: 2,
                    similarity: 0.5,
                },
                Link {
                    a: 1,
                    b: 2,
                    similarity: 0.25,
                },
            ],
        };
        let (stars, loose) = cohesive_split(cluster.clone(), 0.3, unaligned).unwrap();
        assert_eq!((stars.len(), loose), (1, 0));
        assert_eq!(stars[0].core, 0);
        assert_eq!(stars[0].passage, cluster);
        assert_eq!(stars[0].core_similarities, vec![1.0, 0.5]);
        // Under a higher bar member 2 resembles no core.
        let (stars, loose) = cohesive_split(cluster, 0.6, unaligned).unwrap();
        assert_eq!((stars.len(), loose), (1, 1));
        assert_eq!(stars[0].passage.members.len(), 2);
    }
}
