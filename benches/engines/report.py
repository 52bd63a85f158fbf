"""The Markdown tables of benches/engines/run.sh's results.jsonl."""

import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]


def against_cli(part, output):
    """The table of one part's runs, each against the CLI's run on the same input."""
    runs = [r for r in rows if r["part"] == part]
    if not runs:
        return
    print(f"| input | tool | wall (s) | peak memory, process tree (MB) | vs CLI wall | {output} identical to CLI |")
    print("|---|---|---:|---:|---:|---|")
    cli = {r["input"]: r for r in runs if r["tool"] == "cli"}
    for r in runs:
        base = cli.get(r["input"])
        ratio = f"{r['wall_s'] / base['wall_s']:.2f}x" if base and base["wall_s"] else ""
        same = {True: "yes", False: "NO", None: "-"}[r.get("identical_to_cli")]
        if r["exit_status"]:
            same = f"failed (exit {r['exit_status']})"
        print(f"| {r['input']} | {r['tool']} | {r['wall_s']:.1f} | {r['peak_tree_rss_mb']:.0f} | {ratio} | {same} |")
    print()


against_cli("engines", "clusters")
against_cli("scan", "scan.json")
api = [r for r in rows if r["part"] == "api"]
if api:
    print("| synth docs | tool | wall (s) | peak RSS (MB) | precision | recall | F1 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in api:
        print(f"| {r['input']} | {r['tool']} | {r['wall_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")
