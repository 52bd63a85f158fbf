"""Turns results.jsonl (one JSON object per tool and size) into a Markdown table."""

import json
import sys


def fmt(v, nd=2):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def main():
    path = sys.argv[1]
    runs = [json.loads(l) for l in open(path) if l.strip()]
    # One row per (size, tool): metrics of the first run (they are deterministic),
    # fastest and slowest wall time, highest peak RSS.
    groups = {}
    for r in runs:
        groups.setdefault((r.get("size"), r.get("tool")), []).append(r)
    rows = []
    for group in groups.values():
        done = [r for r in group if not r.get("skipped")]
        if not done:
            rows.append(group[0])
            continue
        row = dict(done[0])
        walls = [r["wall_s"] for r in done if "wall_s" in r]
        row["wall_s"] = min(walls) if walls else None
        row["rss_all"] = [r.get("peak_rss_mb") for r in done]
        row["peak_rss_mb"] = max(r.get("peak_rss_mb", 0) for r in done)
        if len(walls) > 1:
            row["note"] = f"best of {len(walls)}; slowest {max(walls):.1f} s"
        rows.append(row)
    order = {"10k": 0, "100k": 1, "1m": 2}
    rows.sort(key=lambda r: (order.get(r.get("size"), 9), r.get("size"), r.get("tool"), r.get("run", 0)))
    print("| size | tool | wall s | peak RSS MB | CPU s | precision | recall | F1 | pairs predicted | note |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        if r.get("skipped"):
            print(f"| {r['size']} | {r['tool']} | – | – | – | – | – | – | – | {r['skipped']} |")
            continue
        print(
            "| {size} | {tool} | {wall} | {rss} | {cpu} | {p} | {r_} | {f1} | {n} | {note} |".format(
                size=r["size"],
                tool=r["tool"],
                wall=fmt(r.get("wall_s"), 1),
                rss=fmt(r.get("peak_rss_mb"), 0),
                cpu=fmt(r.get("cpu_s"), 1),
                p=fmt(r.get("precision"), 3),
                r_=fmt(r.get("recall"), 3),
                f1=fmt(r.get("f1"), 3),
                n=r.get("predicted_pairs", "–"),
                note=r.get("note", ""),
            )
        )


if __name__ == "__main__":
    main()
