#!/usr/bin/env python3
"""Scores a `reprint scan --format json` report of corpus/seeds against
corpus/seeds.gold.json: which gold clusters are found (every member covered by a
member of one reported cluster for at least half of its bytes), the share of
reported characters that lie outside every gold span, and whether any gold
boilerplate is reported as cross-article reuse.

usage: score_seeds.py REPORT.json corpus/seeds.gold.json
"""

import json
import sys


def same_doc(report_id, gold_file):
    """A report id is the path as given on the command line (`corpus/seeds/000_x.txt`);
    the gold file names the file (`000_x.txt`): match by file name or path suffix."""
    return report_id == gold_file or report_id.endswith("/" + gold_file)


def overlap(a0, a1, b0, b1):
    return max(0, min(a1, b1) - max(a0, b0))


def main():
    report = json.load(open(sys.argv[1], encoding="utf-8"))
    gold = json.load(open(sys.argv[2], encoding="utf-8"))
    clusters = report["clusters"]
    for g in gold["clusters"]:
        found = False
        for c in clusters:
            if all(
                any(
                    same_doc(m["doc"], gm["doc"])
                    and 2 * overlap(m["start"], m["end"], gm["start"], gm["end"])
                    >= gm["end"] - gm["start"]
                    for m in c["members"]
                )
                for gm in g["members"]
            ):
                found = True
        tag = "required" if g.get("required") else "stretch"
        print(f"{g['name']:<32} {tag:<9} {'found' if found else 'missed'}")
    spans = [(m["doc"], m["start"], m["end"]) for g in gold["clusters"] for m in g["members"]]
    reported = outside = 0
    for c in clusters:
        for m in c["members"]:
            length = m["end"] - m["start"]
            inside = set()
            for d, s, e in spans:
                if same_doc(m["doc"], d):
                    inside.update(range(max(s, m["start"]), min(e, m["end"])))
            reported += length
            outside += length - len(inside)
    print(f"reported characters outside gold spans: {outside / max(reported, 1):.1%} of {reported}")
    leaked = [
        b["name"]
        for b in gold["boilerplate"]
        for c in clusters
        for m in c["members"]
        for bm in b["members"]
        if same_doc(m["doc"], bm["doc"]) and overlap(m["start"], m["end"], bm["start"], bm["end"]) > 0
    ]
    print("gold boilerplate inside clusters:", ", ".join(sorted(set(leaked))) or "none")


if __name__ == "__main__":
    main()
