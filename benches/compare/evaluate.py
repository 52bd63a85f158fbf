"""Scores predicted duplicate pairs against the truth written by `reprint synth`.

A truth pair is a duplicate when its exact Jaccard similarity reaches --threshold.
Predicted pairs are unordered {a, b} (extra fields ignored). Predicted pairs that
are not duplicates are split into near misses (planted pairs below the threshold)
and pairs outside any planted family; the latter are checked with exact Jaccard on
the dump when --dump is given, to show whether the truth missed a duplicate.

Prints one JSON object (the metrics), merged with --extra JSON fields.
"""

import argparse
import json
import re
import sys

import common


def load_pairs(path):
    pairs = set()
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                # reprint writes doc_a/doc_b; the other tools' adapters write a/b.
                a, b = str(r.get("doc_a", r.get("a"))), str(r.get("doc_b", r.get("b")))
                if a != b:
                    pairs.add((a, b) if a < b else (b, a))
    return pairs


def time_v(path):
    """Wall seconds and peak RSS (MB) from a `/usr/bin/time -v` log."""
    out = {}
    if not path:
        return out
    text = open(path).read()
    m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    if m:
        h = int(m.group(1) or 0)
        out["wall_s"] = round(h * 3600 + int(m.group(2)) * 60 + float(m.group(3)), 2)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["peak_rss_mb"] = round(int(m.group(1)) / 1024, 1)
    m = re.search(r"User time \(seconds\): ([\d.]+)", text)
    s = re.search(r"System time \(seconds\): ([\d.]+)", text)
    if m and s:
        out["cpu_s"] = round(float(m.group(1)) + float(s.group(1)), 2)
    m = re.search(r"Exit status: (\d+)", text)
    if m:
        out["exit_status"] = int(m.group(1))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--truth", required=True)
    p.add_argument("--pairs", required=True)
    p.add_argument("--threshold", type=float, default=0.8)
    p.add_argument("--time-log", help="/usr/bin/time -v output of the run")
    p.add_argument("--dump", help="the dump, to check pairs found outside the planted families")
    p.add_argument(
        "--clusters",
        help="clusters file (JSON Lines with members[].id): also score all pairs within each cluster",
    )
    p.add_argument("--extra", default="{}", help="JSON object merged into the output")
    args = p.parse_args()

    truth_pos, truth_neg = set(), set()
    with open(args.truth) as f:
        for line in f:
            r = json.loads(line)
            a, b = r["doc_a"], r["doc_b"]
            key = (a, b) if a < b else (b, a)
            (truth_pos if r["jaccard"] >= args.threshold else truth_neg).add(key)
    pred = load_pairs(args.pairs)
    tp = len(pred & truth_pos)
    fp_pairs = pred - truth_pos
    near_miss = len(fp_pairs & truth_neg)
    outside = sorted(fp_pairs - truth_neg)
    fn = len(truth_pos) - tp
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(truth_pos) if truth_pos else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "truth_pairs": len(truth_pos),
        "predicted_pairs": len(pred),
        "tp": tp,
        "fp": len(fp_pairs),
        "fp_near_miss": near_miss,
        "fp_outside_families": len(outside),
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }
    if args.dump and outside:
        wanted = {i for pair in outside[:2000] for i in pair}
        texts = {}
        with open(args.dump, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if r["id"] in wanted:
                    texts[r["id"]] = r["text"]
        at_threshold = 0
        for a, b in outside[:2000]:
            sa, sb = common.shingles(texts.get(a, "")), common.shingles(texts.get(b, ""))
            union = len(sa | sb)
            if union and len(sa & sb) / union >= args.threshold:
                at_threshold += 1
        out["outside_checked"] = min(len(outside), 2000)
        out["outside_exact_at_threshold"] = at_threshold
    if args.clusters:
        expanded = set()
        with open(args.clusters) as f:
            for line in f:
                if not line.strip():
                    continue
                members = sorted(str(m["doc"]) for m in json.loads(line)["members"])
                for i, a in enumerate(members):
                    for b in members[i + 1 :]:
                        expanded.add((a, b))
        ctp = len(expanded & truth_pos)
        cp = ctp / len(expanded) if expanded else 1.0
        cr = ctp / len(truth_pos) if truth_pos else 1.0
        out["cluster_pairs"] = len(expanded)
        out["cluster_precision"] = round(cp, 4)
        out["cluster_recall"] = round(cr, 4)
        out["cluster_f1"] = round(2 * cp * cr / (cp + cr) if cp + cr else 0.0, 4)
    out.update(time_v(args.time_log))
    out.update(json.loads(args.extra))
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
