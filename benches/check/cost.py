#!/usr/bin/env python3
"""What the short-article candidate channel costs: index size, `index add` time and
`check` latency, for two reprint builds side by side.

Each build archives the Reuters-21578 articles (19,043, one `index add`); then
200 short articles (at most SHORT words) and 200 long ones are checked one
`reprint check` process each against each build's index, the two builds taking
turns article by article so that both see the same load. An article is checked
under its own id (so it is left out as its own source, and its near-duplicates
are found). Prints the index size, the `index add` wall time, and
the median and p95 wall time per article for each build and length class (the
process start and the index opening included; they are the same for both).

Usage: cost.py BEFORE_BINARY AFTER_BINARY [--reuters FILE] [--work DIR] [--short 400]
"""

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

WORD = re.compile(r"\w+")


def timed(cmd):
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t0


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--reuters", default=os.path.join(repo, "..", "shared", "reuters21578.jsonl.gz"))
    ap.add_argument("--work")
    ap.add_argument("--short", type=int, default=400, help="words of a short article")
    ap.add_argument("--articles", type=int, default=200, help="articles per length class")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or tmp
        builds = {"before": args.before, "after": args.after}
        report = {}
        for name, binary in builds.items():
            idx = os.path.join(work, f"{name}.idx")
            wall = timed([binary, "-q", "index", "add", idx, args.reuters])
            report[name] = {"add_seconds": round(wall, 2), "index_bytes": dir_bytes(idx)}
        with gzip.open(args.reuters, "rt") as f:
            records = [json.loads(line) for line in f]
        short = [r for r in records if len(WORD.findall(r["text"])) <= args.short]
        long_ = [r for r in records if len(WORD.findall(r["text"])) > args.short]
        # Every k-th, so the sample spreads over the whole collection.
        pick = lambda rs: rs[:: max(1, len(rs) // args.articles)][: args.articles]
        classes = {"short": pick(short), "long": pick(long_)}
        times = {(b, c): [] for b in builds for c in classes}
        for cls, recs in classes.items():
            for r in recs:
                path = os.path.join(work, "article.jsonl")
                with open(path, "w") as f:
                    f.write(json.dumps({"id": r["id"], "text": r["text"]}) + "\n")
                for name, binary in builds.items():
                    idx = os.path.join(work, f"{name}.idx")
                    t0 = time.monotonic()
                    subprocess.run(
                        [binary, "-q", "check", "--format", "json", idx, path],
                        check=True,
                        stdout=subprocess.DEVNULL,
                    )
                    times[(name, cls)].append((time.monotonic() - t0) * 1e3)
        for (name, cls), ts in times.items():
            ts.sort()
            report[name][f"{cls}_median_ms"] = round(statistics.median(ts), 1)
            report[name][f"{cls}_p95_ms"] = round(ts[int(0.95 * (len(ts) - 1))], 1)
        report["articles_per_class"] = {c: len(r) for c, r in classes.items()}
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
