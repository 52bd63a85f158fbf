#!/usr/bin/env bash
# Times `reprint scan` on the Reuters-21578 newswire (19,043 articles) and on a
# 100,000-article synthetic news dump built from it with planted reused text.
#
#   bash benches/scan/run.sh [REUTERS_JSONL_GZ] [WORK_DIR]
#
# Prints wall time, peak RSS and the scan's own stage timings; writes results.md
# in WORK_DIR. Nothing here is committed data: the dumps are generated in WORK_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
reuters=${1:-../shared/reuters21578.jsonl.gz}
work=${2:-bench-out/scan}
mkdir -p "$work"
if [ ! -f "$reuters" ]; then
  echo "Reuters dump not found at $reuters" >&2
  exit 1
fi
cargo build --release --quiet
bin=target/release/reprint

measure() { # name, then the command
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" -o /dev/null -q --format json
  read -r wall rss < "$work/$name.time"
  echo "| $name | $wall | $((rss / 1024)) |" | tee -a "$work/results.md"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(date -u +%F)" > "$work/results.md"
echo "| corpus | wall s | peak RSS MB |" >> "$work/results.md"
echo "|---|---|---|" >> "$work/results.md"

measure reuters-19k "$bin" scan "$reuters"

if [ ! -f "$work/synth-100k.jsonl" ]; then
  "$bin" synth "$reuters" --docs 100k --seed 7 -o "$work/synth-100k.jsonl" --truth "$work/synth-100k.truth.jsonl"
fi
measure synth-100k "$bin" scan "$work/synth-100k.jsonl"
cat "$work/results.md"
