#!/usr/bin/env bash
# Times `reprint scan` on the Reuters-21578 newswire (19,043 articles) and on a
# 100,000-article news-size dump with planted reused passages built from it
# (make_passages.py), and scores the planted passages found (score_passages.py).
# A fourth run scans a 20,000-document dump with outlets and dates whose copy
# direction is known (make_passages.py --outlets 12) and scores the originals named
# (score_attribution.py). A third run scans the first 20,000 documents of a `reprint synth` dump: every
# document there recombines pool articles, so nearly every document shares text
# with dozens of others (a stress case for the number of pairs to align).
#
#   bash benches/scan/run.sh [REUTERS_JSONL_GZ] [WORK_DIR]
#
# Prints wall time and peak RSS; writes results.md in WORK_DIR. Nothing here is
# committed data: the dumps are generated in WORK_DIR.
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

measure() { # name, input, then extra arguments
  local name=$1 input=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/$name.time" \
    "$bin" scan "$input" -o "$work/$name.json" -q --format json "$@"
  read -r wall rss < "$work/$name.time"
  echo "| $name | $(du -m "$input" | cut -f1) | $wall | $((rss / 1024)) |" | tee -a "$work/results.md"
}

{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
  echo
  echo "| corpus | input MB | wall s | peak RSS MB |"
  echo "|---|---|---|---|"
} > "$work/results.md"

measure reuters-19k "$reuters"

if [ ! -f "$work/passages-100k.jsonl" ]; then
  python3 benches/scan/make_passages.py "$reuters" "$work/passages-100k.jsonl" \
    "$work/passages-100k.truth.json" --docs 100000 --seed 1
fi
measure passages-100k "$work/passages-100k.jsonl"

if [ ! -f "$work/synth-20k.jsonl" ]; then
  "$bin" synth "$reuters" --docs 100k --seed 7 -o "$work/synth-100k.jsonl" --truth "$work/synth-100k.truth.jsonl"
  head -n 20000 "$work/synth-100k.jsonl" > "$work/synth-20k.jsonl"
  rm "$work/synth-100k.jsonl" "$work/synth-100k.truth.jsonl"
fi
measure synth-20k-dense "$work/synth-20k.jsonl"

{
  echo
  echo "planted passages in passages-100k:"
  echo '```'
  python3 benches/scan/score_passages.py "$work/passages-100k.json" "$work/passages-100k.truth.json"
  echo '```'
} | tee -a "$work/results.md"

if [ ! -f "$work/attribution-20k.jsonl" ]; then
  python3 benches/scan/make_passages.py "$reuters" "$work/attribution-20k.jsonl" \
    "$work/attribution-20k.truth.json" --docs 20000 --seed 1 --outlets 12
fi
measure attribution-20k "$work/attribution-20k.jsonl" --date-field date --source-field outlet
{
  echo
  echo "who copies whom in attribution-20k:"
  echo '```'
  python3 benches/scan/score_attribution.py "$work/attribution-20k.json" "$work/attribution-20k.truth.json"
  echo '```'
} | tee -a "$work/results.md"
