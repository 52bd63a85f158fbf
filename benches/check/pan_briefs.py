#!/usr/bin/env python3
"""Ranks news-brief-length texts by reuse: `reprint check` against a word-3-gram baseline.

The PAN 2013 text-alignment training corpus gives suspicious documents with known
plagiarism cases (random and summary obfuscation) and suspicious documents with
none (the "no-plagiarism" pairs). Each reused brief is a window of about WORDS words
of a suspicious document centred on one case (so the brief really contains the
reused text); each unrelated brief a window of a suspicious document that holds no
case at all (up to three non-overlapping windows per document). All PAN source
documents are archived with `reprint index add`, the briefs are checked with
`reprint check --format json`, and two scores rank them:

- `check`: the article's `reused_fraction`;
- `w3-archive`: the naive baseline, the largest containment of the brief's
  lowercase word 3-grams in one archived document's;
- `check-pair`: the `share` of the brief's words covered by passages of the pair's
  own source document (for unrelated briefs the largest over the sources they are
  paired with; 0 when check did not report it);
- `w3-pair`: the baseline's containment in that same document.

The pair scores are the fair comparison on this corpus: some suspicious documents
of the no-plagiarism pairs hold text that is also in a source document they are not
paired with (the same book in both halves of the corpus), so an archive-wide score
rightly finds them reused (`unrelated_found_verbatim` counts the unrelated briefs
with a word-3-gram containment of at least 0.5 in some archived document).

For each score: ROC AUC (ties count one half), average precision, recall at a
false-positive rate of at most 1% and 5%, and R-precision (precision among the
top-ranked as many briefs as there are reused ones), for all reused briefs and per
obfuscation.

Usage: pan_briefs.py REPRINT_BINARY [--pan DIR] [--work DIR] [--words N] [--json OUT]
                     [--check-arg=ARG]...
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

WORD = re.compile(r"\w+")
SCORES = ("check", "w3-archive", "check-pair", "w3-pair")


def words(text):
    return [(m.start(), m.end()) for m in WORD.finditer(text)]


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def cases_of(xml_path):
    """(this_offset, this_length, source, obfuscation) per plagiarism feature."""
    out = []
    for feat in ET.parse(xml_path).getroot().iter("feature"):
        if feat.get("name") != "plagiarism":
            continue
        out.append(
            (
                int(feat.get("this_offset")),
                int(feat.get("this_length")),
                feat.get("source_reference"),
                feat.get("obfuscation"),
            )
        )
    return out


def window(text, spans, first, count):
    """Characters of `text` from word `first` through `count` words."""
    first = max(0, min(first, len(spans) - count)) if len(spans) > count else 0
    last = min(len(spans), first + count) - 1
    return text[spans[first][0] : spans[last][1]]


def make_briefs(pan, n_words):
    pairs_dirs = sorted(d for d in os.listdir(pan) if d[:2].isdigit())
    cases_by_susp = {}
    pairs = []  # (dir, susp, src)
    for d in pairs_dirs:
        with open(os.path.join(pan, d, "pairs")) as f:
            for line in f:
                if not line.strip():
                    continue
                susp, src = line.split()
                pairs.append((d, susp, src))
                xml = os.path.join(pan, d, f"{susp[:-4]}-{src[:-4]}.xml")
                for case in cases_of(xml):
                    cases_by_susp.setdefault(susp, []).append(case)
    briefs = []
    seen = set()
    for d, susp, src in pairs:
        kind = d.split("-", 1)[1]
        if kind in ("random-obfuscation", "summary-obfuscation"):
            xml = os.path.join(pan, d, f"{susp[:-4]}-{src[:-4]}.xml")
            text = read_text(os.path.join(pan, "susp", susp))
            spans = words(text)
            for off, length, source, obf in cases_of(xml):
                key = (susp, off)
                if key in seen:
                    continue
                seen.add(key)
                inside = [i for i, (s, e) in enumerate(spans) if s >= off and e <= off + length]
                if not inside:
                    continue
                mid = (inside[0] + inside[-1]) // 2
                body = window(text, spans, mid - n_words // 2, n_words)
                briefs.append(
                    {
                        "id": f"{susp[:-4]}@{off}",
                        "text": body,
                        "label": 1,
                        "kind": obf,
                        "sources": [source],
                    }
                )
    negatives = {}
    for d, susp, src in pairs:
        if d.endswith("no-plagiarism") and susp not in cases_by_susp:
            negatives.setdefault(susp, []).append(src)
    for susp in sorted(negatives):
        text = read_text(os.path.join(pan, "susp", susp))
        spans = words(text)
        for k in range(3):
            first = k * n_words
            if first + n_words > len(spans) and k > 0:
                break
            briefs.append(
                {
                    "id": f"{susp[:-4]}#{k}",
                    "text": window(text, spans, first, n_words),
                    "label": 0,
                    "kind": "none",
                    "sources": negatives[susp],
                }
            )
    return briefs


def grams3(text):
    toks = [m.group(0).lower() for m in WORD.finditer(text)]
    return {tuple(toks[i : i + 3]) for i in range(len(toks) - 2)}


def containment_scores(briefs, pan, sources):
    src_grams = {name: grams3(read_text(os.path.join(pan, "src", name))) for name in sources}
    postings = {}
    for name, grams in src_grams.items():
        for g in grams:
            postings.setdefault(g, []).append(name)
    for b in briefs:
        grams = grams3(b["text"])
        counts = {}
        for g in grams:
            for name in postings.get(g, ()):
                counts[name] = counts.get(name, 0) + 1
        n = max(1, len(grams))
        b["w3-archive"] = max(counts.values(), default=0) / n
        b["w3-pair"] = max(counts.get(s, 0) for s in b["sources"]) / n


def auc(pos, neg):
    # Mann-Whitney U over ranks; ties count one half.
    scored = sorted([(s, 1) for s in pos] + [(s, 0) for s in neg])
    rank_sum, i = 0.0, 0
    while i < len(scored):
        j = i
        while j < len(scored) and scored[j][0] == scored[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2
        rank_sum += mean_rank * sum(1 for k in range(i, j) if scored[k][1])
        i = j
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def thresholds(pos, neg):
    """(tp, fp) after each distinct score, from the highest down."""
    scored = sorted([(s, 1) for s in pos] + [(s, 0) for s in neg], reverse=True)
    out, tp, fp, i = [], 0, 0, 0
    while i < len(scored):
        j = i
        while j < len(scored) and scored[j][0] == scored[i][0]:
            tp += scored[j][1]
            fp += 1 - scored[j][1]
            j += 1
        out.append((tp, fp))
        i = j
    return out


def average_precision(pos, neg):
    # As scikit-learn: sum over thresholds of (recall step) x precision.
    ap, prev_tp = 0.0, 0
    for tp, fp in thresholds(pos, neg):
        if tp > prev_tp:
            ap += (tp - prev_tp) / len(pos) * tp / (tp + fp)
        prev_tp = tp
    return ap


def recall_at_fpr(pos, neg, max_fpr):
    best = 0.0
    for tp, fp in thresholds(pos, neg):
        if fp <= max_fpr * len(neg):
            best = max(best, tp / len(pos))
    return best


def r_precision(pos, neg):
    # Precision among the top len(pos); a tie group straddling the cut counts pro rata.
    k = len(pos)
    prev_tp = prev_n = 0
    for tp, fp in thresholds(pos, neg):
        n = tp + fp
        if n >= k:
            share = (k - prev_n) / (n - prev_n)
            return (prev_tp + share * (tp - prev_tp)) / k
        prev_tp, prev_n = tp, n
    return prev_tp / k


def metrics(briefs, score, kind=None):
    pos = [b[score] for b in briefs if b["label"] == 1 and kind in (None, b["kind"])]
    neg = [b[score] for b in briefs if b["label"] == 0]
    return {
        "positives": len(pos),
        "negatives": len(neg),
        "roc_auc": round(auc(pos, neg), 4),
        "average_precision": round(average_precision(pos, neg), 4),
        "recall_at_fpr_1pct": round(recall_at_fpr(pos, neg, 0.01), 4),
        "recall_at_fpr_5pct": round(recall_at_fpr(pos, neg, 0.05), 4),
        "r_precision": round(r_precision(pos, neg), 4),
        "zero_scored_positives": sum(1 for s in pos if s == 0),
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reprint", help="the reprint binary to measure")
    ap.add_argument("--pan", default=os.path.join(repo, "..", "shared", "pan13-train"))
    ap.add_argument(
        "--work",
        help="folder for the index, the briefs and the scores per brief (default: a temporary one)",
    )
    ap.add_argument("--words", type=int, default=250, help="words per brief")
    ap.add_argument("--json", help="write the figures here as JSON")
    ap.add_argument(
        "--check-arg",
        action="append",
        default=[],
        help="an extra argument for reprint check (repeatable), e.g. --check-arg=--short-article-words=0",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or tmp
        os.makedirs(work, exist_ok=True)
        briefs = make_briefs(args.pan, args.words)
        sources = sorted(os.listdir(os.path.join(args.pan, "src")))
        archive = os.path.join(work, "sources.jsonl")
        with open(archive, "w") as f:
            for name in sources:
                text = read_text(os.path.join(args.pan, "src", name))
                f.write(json.dumps({"id": name, "text": text}) + "\n")
        queries = os.path.join(work, "briefs.jsonl")
        with open(queries, "w") as f:
            for b in briefs:
                f.write(json.dumps({"id": b["id"], "text": b["text"]}) + "\n")
        index = os.path.join(work, "pan-sources.idx")
        if not os.path.exists(index):
            subprocess.run([args.reprint, "-q", "index", "add", index, archive], check=True)
        t0 = time.monotonic()
        out = subprocess.run(
            [args.reprint, "-q", "check", "--format", "json", *args.check_arg, index, queries],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        check_s = time.monotonic() - t0
        by_id = {}
        for line in out.splitlines():
            r = json.loads(line)
            by_id[r["doc"]] = r
        for b in briefs:
            r = by_id[b["id"]]
            b["check"] = r["reused_fraction"]
            shares = [s["share"] for s in r["sources"] if s["doc"] in b["sources"]]
            b["check-pair"] = max(shares, default=0.0)
        containment_scores(briefs, args.pan, sources)
        with open(os.path.join(work, "scores.jsonl"), "w") as f:
            for b in briefs:
                row = {k: b[k] for k in ("id", "label", "kind") + SCORES}
                f.write(json.dumps(row) + "\n")
    report = {"words_per_brief": args.words, "check_seconds": round(check_s, 2), "scores": {}}
    report["unrelated_found_verbatim"] = sum(
        1 for b in briefs if b["label"] == 0 and b["w3-archive"] >= 0.5
    )
    for score in SCORES:
        report["scores"][score] = {
            "all": metrics(briefs, score),
            "random": metrics(briefs, score, "random"),
            "summary": metrics(briefs, score, "summary"),
        }
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    cols = ["roc_auc", "average_precision", "recall_at_fpr_1pct", "recall_at_fpr_5pct", "r_precision"]
    print("\n| score | reused | " + " | ".join(cols) + " |", file=sys.stderr)
    for score, per in report["scores"].items():
        for kind, m in per.items():
            vals = " | ".join(f"{m[c]:.3f}" for c in cols)
            print(f"| {score} | {kind} ({m['positives']} vs {m['negatives']}) | {vals} |", file=sys.stderr)


if __name__ == "__main__":
    main()
