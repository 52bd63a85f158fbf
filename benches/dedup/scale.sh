#!/usr/bin/env bash
# In-memory against staged `reprint dedup` on a synthetic dump of N documents: wall
# time, peak resident memory (from /usr/bin/time -v) and whether the clusters and the
# deduplicated dumps are byte for byte the same. Runs are interleaved, ROUNDS of each.
#
#   benches/dedup/scale.sh [DOCS] [ROUNDS] [SCRATCH]
#
# DOCS defaults to 1000000 (a 2.4 GB dump), ROUNDS to 1, SCRATCH to a new folder under
# /tmp. Needs a release build (cargo build --release) and, for the dump, the Reuters
# articles (REUTERS, default /work/shared/reuters21578.jsonl.gz). Disk: about 2.4 KB
# (dump) + 1.1 KB (work folder) + 2 KB (two deduplicated dumps) per document at once.
# Everything it makes is removed at the end. With PIPE=1 the staged run writes its
# deduplicated dump to stdout, compared on the fly with the in-memory run's (for sizes
# where two dumps do not fit on the disk; cmp then reads along with the run). With
# NODUMP=1 neither run writes its deduplicated dump (-o /dev/null) and only the clusters
# are compared (for sizes where even one dump and the work folder do not fit).
set -euo pipefail

docs=${1:-1000000}
rounds=${2:-1}
scratch=${3:-$(mktemp -d /tmp/reprint-scale.XXXXXX)}
reuters=${REUTERS:-/work/shared/reuters21578.jsonl.gz}
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${REPRINT:-$here/target/release/reprint}
mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT

dump="$scratch/dump.jsonl"
if [ ! -f "$dump" ]; then # a dump already in SCRATCH is used as it is
    "$bin" synth "$reuters" --docs "$docs" -o "$dump" --truth "$scratch/truth.jsonl" --quiet
fi
echo "dump: $docs documents, $(du -h "$dump" | cut -f1)"

exec 3>&1 # the figures, also when a run's stdout is piped
measure() { # name, then the dedup arguments
    local name=$1
    shift
    /usr/bin/time -v "$bin" dedup "$dump" --quiet --summary-json "$scratch/summary.json" "$@" \
        2>"$scratch/time.txt"
    local wall rss analysis
    wall=$(grep 'Elapsed (wall clock)' "$scratch/time.txt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$scratch/time.txt" | awk '{print $NF}')
    analysis=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(", ".join(f"{k} {v:.1f} s" for k,v in s["seconds"].items()), "; analysis:", round(s["throughput"]["documents_per_second"]), "documents/s")' "$scratch/summary.json")
    echo "$name: wall $wall, peak RSS $((rss / 1024)) MiB; $analysis" >&3
}

for round in $(seq 1 "$rounds"); do
    echo "round $round"
    out_memory="$scratch/out-memory.jsonl"
    [ "${NODUMP:-0}" = 1 ] && out_memory=/dev/null
    measure "in-memory" -o "$out_memory" --clusters "$scratch/c-memory.jsonl" \
        --memory-limit 1TiB # never staged, whatever the size
    rm -rf "$scratch/work"
    if [ "${NODUMP:-0}" = 1 ]; then
        measure "staged   " -o /dev/null --clusters "$scratch/c-staged.jsonl" \
            --work-dir "$scratch/work"
    elif [ "${PIPE:-0}" = 1 ]; then
        measure "staged   " -o - --clusters "$scratch/c-staged.jsonl" \
            --work-dir "$scratch/work" | cmp - "$scratch/out-memory.jsonl"
    else
        measure "staged   " -o "$scratch/out-staged.jsonl" --clusters "$scratch/c-staged.jsonl" \
            --work-dir "$scratch/work"
        cmp "$scratch/out-memory.jsonl" "$scratch/out-staged.jsonl"
    fi
    echo "work folder: $(du -sh "$scratch/work" | cut -f1)"
    rm -rf "$scratch/work"
    cmp "$scratch/c-memory.jsonl" "$scratch/c-staged.jsonl"
    if [ "${NODUMP:-0}" = 1 ]; then
        echo "clusters identical ($(wc -l <"$scratch/c-memory.jsonl") clusters; dumps not written)"
    else
        echo "clusters and deduplicated dumps identical ($(wc -l <"$scratch/c-memory.jsonl") clusters)"
    fi
    rm -f "$scratch/out-memory.jsonl" "$scratch/out-staged.jsonl"
done
