#!/usr/bin/env bash
# The in-memory scan and the staged scan (`--work-dir`, `--memory-limit`) side by side
# on a passages dump (make_passages.py): wall time, peak RSS, time per stage, the
# work folder's size, whether the JSON reports are byte-identical, and the planted
# pair recall of each (score_passages.py).
#
#   bash benches/scan/scale.sh [DOCS] [MEMORY_LIMIT] [REUTERS_JSONL_GZ] [WORK_DIR]
#
# Defaults: 1000000 documents (3.4 GB of JSON Lines), a 2GiB limit. Needs the disk
# for the dump, about 1.6 times its size for the work folder, and the two reports.
# Run it on an otherwise idle machine: the two runs are timed one after the other.
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-1000000}
limit=${2:-2GiB}
reuters=${3:-../shared/reuters21578.jsonl.gz}
work=${4:-bench-out/scan-scale}
mkdir -p "$work"
cargo build --release --quiet
bin=target/release/reprint
dump="$work/passages-$docs.jsonl"
truth="$work/passages-$docs.truth.json"
if [ ! -f "$dump" ]; then
  python3 benches/scan/make_passages.py "$reuters" "$dump" "$truth" --docs "$docs" --seed 1
fi

run() { # name, then extra arguments
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" \
    "$bin" scan "$dump" --format json -o "$work/$name.json" -q \
    --summary-json "$work/$name.summary.json" "$@"
  read -r wall rss < "$work/$name.time"
  local stages
  stages=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["seconds"]; print(", ".join(f"{k} {v:.1f}" for k,v in s.items() if k != "total"))' "$work/$name.summary.json")
  local recall
  recall=$(python3 benches/scan/score_passages.py "$work/$name.json" "$truth" | awk '/^pair recall/ {print $NF}')
  echo "| $name | $wall | $((rss / 1024)) | $recall | $stages |" | tee -a "$work/results.md"
}

{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
  echo "input: $dump, $(du -m "$dump" | cut -f1) MB, $docs documents"
  echo
  echo "| run | wall s | peak RSS MB | pair recall | seconds per stage |"
  echo "|---|---|---|---|---|"
} > "$work/results.md"

run in-memory --memory-limit 1TiB
rm -rf "$work/work"
run staged --work-dir "$work/work" --memory-limit "$limit"
echo "work folder: $(du -sm "$work/work" | cut -f1) MB" | tee -a "$work/results.md"
if cmp -s "$work/in-memory.json" "$work/staged.json"; then
  echo "reports: byte-identical" | tee -a "$work/results.md"
else
  echo "reports: DIFFERENT" | tee -a "$work/results.md"
  exit 1
fi
