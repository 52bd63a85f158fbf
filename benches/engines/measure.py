"""Runs a command and reports its wall time and the peak memory of its whole process
tree (the command and every process it starts, such as a Spark JVM or Ray's raylet,
object store and workers): the sum of their resident set sizes, sampled every 0.1 s
from /proc. Prints one JSON object: wall_s, peak_tree_rss_mb, exit_status.

usage: measure.py OUT.json -- COMMAND...
"""

import json
import os
import subprocess
import sys
import time


def tree_rss_kb(root):
    """Sum of VmRSS over ``root`` and all its descendants (from /proc)."""
    children = {}
    rss = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/status") as f:
                kb = next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), 0)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = kb
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def main():
    out, sep, *cmd = sys.argv[1:]
    if sep != "--" or not cmd:
        sys.exit(__doc__)
    start = time.monotonic()
    proc = subprocess.Popen(cmd)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kb(proc.pid))
        time.sleep(0.1)
    wall = time.monotonic() - start
    result = {"wall_s": round(wall, 2), "peak_tree_rss_mb": round(peak / 1024, 1), "exit_status": proc.returncode}
    with open(out, "w") as f:
        json.dump(result, f)
    print(json.dumps(result))
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
