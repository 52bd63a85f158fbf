"""Shared pieces of the peer adapters: reading a JSON Lines dump, the shingling
every tool is given (case-folded words, 5-grams), and writing predicted pairs.

Words are runs of letters and digits, with an apostrophe, period, comma or colon
allowed between two such runs ("it's", "155,221", "U.S"), which is close to the
Unicode word segmentation reprint uses on English news text.
"""

import argparse
import json
import re
import resource
import sys
import time

WORD = re.compile(r"\w+(?:['\u2019.,:]\w+)*")


def words(text):
    return WORD.findall(text.lower())


def shingles(text, n=5):
    """The set of word n-grams of text, as strings; a text shorter than n words
    gives one shingle of all its words."""
    w = words(text)
    if not w:
        return set()
    if len(w) < n:
        return {" ".join(w)}
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def read_jsonl(path, id_field="id", text_field="text"):
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            record = json.loads(line)
            ids.append(str(record[id_field]))
            texts.append(record.get(text_field) or "")
    return ids, texts


def arguments(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("input", help="JSON Lines dump (id, text)")
    p.add_argument("--pairs", required=True, help="where to write predicted pairs (JSON Lines a, b)")
    p.add_argument("--stats", help="where to write stage timings (JSON)")
    p.add_argument("--threshold", type=float, default=0.8)
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--bands", type=int, default=16, help="LSH bands (same banding for every tool)")
    p.add_argument("--rows", type=int, default=8, help="LSH rows per band")
    p.add_argument("--shingle", type=int, default=5)
    p.add_argument(
        "--verify",
        choices=["estimate", "none"],
        default="estimate",
        help="keep candidates whose MinHash estimate reaches the threshold (estimate), or all (none)",
    )
    return p.parse_args()


class Stages:
    """Wall-clock time per stage, written as JSON with the peak RSS."""

    def __init__(self):
        self.start = time.perf_counter()
        self.last = self.start
        self.seconds = {}

    def done(self, name):
        now = time.perf_counter()
        self.seconds[name] = round(now - self.last, 3)
        self.last = now

    def write(self, path, **extra):
        if not path:
            return
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = {
            "stage_seconds": self.seconds,
            "total_seconds": round(time.perf_counter() - self.start, 3),
            "peak_rss_mb": round(peak_kb / 1024, 1),
        }
        out.update(extra)
        with open(path, "w") as f:
            json.dump(out, f, indent=1)


def write_pairs(path, ids, pairs):
    """pairs: iterable of (i, j) document indices; written once each, i < j."""
    seen = set()
    with open(path, "w") as f:
        for i, j in pairs:
            if i == j:
                continue
            if i > j:
                i, j = j, i
            if (i, j) in seen:
                continue
            seen.add((i, j))
            f.write(json.dumps({"a": ids[i], "b": ids[j]}) + "\n")
    return len(seen)


def log(*args):
    print(*args, file=sys.stderr, flush=True)
