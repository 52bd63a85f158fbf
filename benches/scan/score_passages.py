#!/usr/bin/env python3
"""Scores a `reprint scan --format json` report against the truth written by
make_passages.py.

- pair recall: a planted pair (two copies of one passage in two documents) is
  found when one cluster has a member in each document covering at least half of
  that copy's bytes;
- character precision: the share of reported member bytes that lie inside planted
  passages; the bytes of background paragraphs that two members' documents were
  both made from (one article, half of its words replaced in each) are counted
  apart as derived background, a heavily reworded copy rather than a chance match;
- boundary tightness: for found copies, bytes of the gold span covered by the best
  member over the bytes of their union.

usage: score_passages.py REPORT.json TRUTH.json
"""

import json
import sys
from collections import defaultdict


def overlap(a0, a1, b0, b1):
    return max(0, min(a1, b1) - max(a0, b0))


def main():
    report = json.load(open(sys.argv[1], encoding="utf-8"))
    truth = json.load(open(sys.argv[2], encoding="utf-8"))
    by_doc = defaultdict(list)  # doc -> [(cluster, start, end)]
    for c in report["clusters"]:
        for m in c["members"]:
            by_doc[m["doc"]].append((c["cluster"], m["start"], m["end"]))
    gold_by_doc = defaultdict(list)
    for f in truth["families"]:
        for m in f["members"]:
            gold_by_doc[m["doc"]].append((m["start"], m["end"]))

    pairs = found = 0
    tight = []
    by_kind = defaultdict(lambda: [0, 0])
    for f in truth["families"]:
        covers = []
        for m in f["members"]:
            length = m["end"] - m["start"]
            hits = set()
            best = 0.0
            for cid, s, e in by_doc.get(m["doc"], []):
                ov = overlap(s, e, m["start"], m["end"])
                if ov * 2 >= length:
                    hits.add(cid)
                    union = max(e, m["end"]) - min(s, m["start"])
                    best = max(best, ov / union)
            if hits:
                tight.append(best)
            covers.append((m, hits))
        for i in range(len(covers)):
            for j in range(i + 1, len(covers)):
                (mi, hi), (mj, hj) = covers[i], covers[j]
                if mi["doc"] == mj["doc"]:
                    continue
                kind = mj["kind"] if mi["kind"] == "verbatim" else mi["kind"]
                pairs += 1
                by_kind[kind][0] += 1
                if hi & hj:
                    found += 1
                    by_kind[kind][1] += 1

    # Background paragraphs made from one newswire article (older truth files lack them).
    background = truth.get("background", {})
    articles_of_cluster = defaultdict(set)  # cluster -> {(doc, article)}
    for doc, members in by_doc.items():
        for cid, _, _ in members:
            for article, _, _ in background.get(doc, []):
                articles_of_cluster[cid].add((doc, article))
    reported = inside = derived = 0
    for doc, members in by_doc.items():
        gold = gold_by_doc.get(doc, [])
        for cid, s, e in members:
            reported += e - s
            inside += sum(overlap(s, e, g0, g1) for g0, g1 in gold)
            # Bytes of a background paragraph whose article another member's
            # document was also built from: a derived (heavily reworded) copy.
            others = {a for d, a in articles_of_cluster[cid] if d != doc}
            derived += sum(
                overlap(s, e, b0, b1) for article, b0, b1 in background.get(doc, []) if article in others
            )

    print(f"planted pairs        {pairs}")
    print(f"pair recall          {found / max(pairs, 1):.4f}")
    for kind, (n, k) in sorted(by_kind.items()):
        print(f"  {kind:<18} {k / max(n, 1):.4f} of {n}")
    print(f"character precision  {inside / max(reported, 1):.4f}")
    if background:
        print(
            f"  derived background {derived / max(reported, 1):.4f} "
            "(backgrounds made from one article: heavily reworded copies)"
        )
        print(f"  planted + derived  {(inside + derived) / max(reported, 1):.4f}")
    if tight:
        print(f"boundary tightness   {sum(tight) / len(tight):.4f} (mean overlap/union of found copies)")


if __name__ == "__main__":
    main()
