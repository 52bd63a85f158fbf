#!/usr/bin/env python3
"""Scores who-copies-whom in a `reprint scan --format json --date-field date
--source-field outlet` report against the truth of `make_passages.py --outlets K`.

- found copies: planted copies (family members other than the original) that one
  reported cluster holds together with the family's original, each by a member
  covering at least half of the planted bytes;
- original named correctly: among found copies, the share whose cluster's
  `original` is the member in the planted original's document (the headline
  figure); copies of clusters with no original count as wrong;
- outlet table agreement: the report's `attribution.copied` bytes against the
  planted table (bytes of each planted copy from its original's outlet to its own),
  as a weighted Jaccard, sum(min) / sum(max) over all cells; and the same over the
  planted copies found only (the report's member bytes of those copies, credited
  from the outlet of the original the report names), which leaves out what the
  scan misses or reports besides the planted passages.

usage: score_attribution.py REPORT.json TRUTH.json
"""

import json
import sys
from collections import defaultdict


def overlap(a0, a1, b0, b1):
    return max(0, min(a1, b1) - max(a0, b0))


def covering(cluster, m):
    """The index of the member of `cluster` covering half of planted member `m`."""
    for i, x in enumerate(cluster["members"]):
        if x["doc"] == m["doc"] and 2 * overlap(x["start"], x["end"], m["start"], m["end"]) >= (
            m["end"] - m["start"]
        ):
            return i
    return None


def jaccard(a, b):
    keys = set(a) | set(b)
    top = sum(min(a.get(k, 0), b.get(k, 0)) for k in keys)
    bottom = sum(max(a.get(k, 0), b.get(k, 0)) for k in keys)
    return top / bottom if bottom else 1.0


def main():
    report = json.load(open(sys.argv[1], encoding="utf-8"))
    truth = json.load(open(sys.argv[2], encoding="utf-8"))
    clusters_of = defaultdict(list)  # doc -> clusters with a member there
    for c in report["clusters"]:
        for doc in {m["doc"] for m in c["members"]}:
            clusters_of[doc].append(c)
    outlet_of = {d["doc"]: d.get("outlet") for d in report["documents"]}

    planted_table = defaultdict(int)
    found_table_truth = defaultdict(int)
    found_table_report = defaultdict(int)
    copies = found = right = 0
    for f in truth["families"]:
        if "original" not in f:
            sys.exit("the truth has no originals: make it with make_passages.py --outlets K")
        members = f["members"]
        originals = [m for m in members if m["doc"] == f["original"]]
        if not originals:
            continue
        o = originals[0]
        for m in members:
            if m is o or m["doc"] == o["doc"]:
                continue
            copies += 1
            planted_table[(o["outlet"], m["outlet"])] += m["end"] - m["start"]
            for c in clusters_of[m["doc"]]:
                i, j = covering(c, m), covering(c, o)
                if i is None or j is None:
                    continue
                found += 1
                named = c.get("original")
                right += named == j
                found_table_truth[(o["outlet"], m["outlet"])] += m["end"] - m["start"]
                if named is not None:
                    x = c["members"][i]
                    from_outlet = outlet_of.get(c["members"][named]["doc"])
                    found_table_report[(from_outlet, outlet_of.get(x["doc"]))] += x["end"] - x["start"]
                break

    reported = {(c["from"], c["to"]): c["bytes"] for c in (report.get("attribution") or {}).get("copied", [])}
    print(f"planted copies          {copies}")
    print(f"found with original     {found} ({found / max(copies, 1):.4f})")
    print(f"original named right    {right / max(found, 1):.4f} ({right} of {found} found copies)")
    print(f"outlet table agreement  {jaccard(planted_table, reported):.4f} (weighted Jaccard, report vs planted, all cells)")
    print(
        f"  on found copies       {jaccard(found_table_truth, found_table_report):.4f} "
        "(report's bytes and named originals vs planted, planted copies found only)"
    )


if __name__ == "__main__":
    main()
