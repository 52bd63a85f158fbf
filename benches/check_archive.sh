#!/usr/bin/env bash
# Builds a 100,000-document archive from a JSON Lines news dump, times
# `reprint index add` on it, and measures per-article `reprint check` latency.
#
# usage: benches/check_archive.sh DUMP.jsonl[.gz] [WORK_DIR]
# WORK_DIR (default: a new temporary directory) receives archive.jsonl,
# articles.jsonl and the index; nothing is written inside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

dump=${1:?usage: benches/check_archive.sh DUMP.jsonl[.gz] [WORK_DIR]}
work=${2:-$(mktemp -d)}
docs=${REPRINT_BENCH_DOCS:-100000}

echo "== archive and articles in $work"
if [[ ! -s "$work/articles_mixed.jsonl" ]]; then
    python3 benches/make_archive.py "$dump" "$work" --docs "$docs" --articles 200
fi
ls -l "$work"/*.jsonl

bin="${CARGO_TARGET_DIR:-target}/release/reprint"
echo "== build"
cargo build --release --quiet

echo "== index add"
rm -rf "$work/idx"
/usr/bin/time -f "wall %e s, CPU user %U s, max RSS %M KB" "$bin" index add -q "$work/idx" "$work/archive.jsonl"
"$bin" index stats "$work/idx"

for articles in articles articles_mixed; do
    echo "== check latency: $articles.jsonl"
    REPRINT_BENCH_INDEX="$work/idx" REPRINT_BENCH_ARTICLES="$work/$articles.jsonl" \
        cargo bench --quiet --bench check_latency
done

echo "== reprint check, all articles, end to end"
/usr/bin/time -f "wall %e s, CPU user %U s" "$bin" check -q --format json \
    "$work/idx" "$work/articles.jsonl" > "$work/check.jsonl"
wc -l "$work/check.jsonl"
