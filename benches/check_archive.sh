#!/usr/bin/env bash
# Builds an archive from a JSON Lines news dump in many `reprint index add` runs
# (the way a daily archive grows), then measures `reprint check` (per-article
# latency, peak RSS), `index add` (time, peak RSS), `index compact --all` (time,
# peak RSS) and `check` again after compaction, whose output must be identical.
#
# usage: benches/check_archive.sh DUMP.jsonl[.gz] [WORK_DIR]
# WORK_DIR (default: a new temporary directory) receives archive.jsonl,
# articles.jsonl, the archive's parts and the index; nothing is written inside
# the repository.
#
# Environment:
#   REPRINT_BENCH_DOCS       archive documents (default 300000)
#   REPRINT_BENCH_ADDS       `index add` runs the archive is fed in (default 100)
#   REPRINT_BENCH_ADD_FLAGS  extra flags of every `index add` (e.g. --no-merge)
#   REPRINT_BIN              reprint binary to measure (default: build target/release/reprint)
#   REPRINT_BENCH_LATENCY    0 skips the check_latency bench (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

dump=${1:?usage: benches/check_archive.sh DUMP.jsonl[.gz] [WORK_DIR]}
work=${2:-$(mktemp -d)}
docs=${REPRINT_BENCH_DOCS:-300000}
adds=${REPRINT_BENCH_ADDS:-100}
add_flags=${REPRINT_BENCH_ADD_FLAGS:-}
latency=${REPRINT_BENCH_LATENCY:-1}

echo "== archive and articles in $work"
if [[ ! -s "$work/articles_mixed.jsonl" ]]; then
    python3 benches/make_archive.py "$dump" "$work" --docs "$docs" --articles 200
fi
ls -l "$work"/*.jsonl
rm -rf "$work/parts"
mkdir -p "$work/parts"
split -n "l/$adds" -d -a 4 --additional-suffix=.jsonl "$work/archive.jsonl" "$work/parts/part-"

if [[ -n "${REPRINT_BIN:-}" ]]; then
    bin=$REPRINT_BIN
else
    bin="${CARGO_TARGET_DIR:-target}/release/reprint"
    echo "== build"
    cargo build --release --quiet
fi

# Peak RSS (KB) and wall time of a command, appended to a log.
measure() {
    local log=$1
    shift
    /usr/bin/time -f "%M %e" -a -o "$log" "$@"
}

echo "== index add: $adds runs"
rm -rf "$work/idx" "$work/add.time"
for part in "$work"/parts/part-*.jsonl; do
    # shellcheck disable=SC2086
    measure "$work/add.time" "$bin" index add -q $add_flags "$work/idx" "$part"
done
awk '{ if ($1 > rss) rss = $1; wall += $2; if ($2 > max) max = $2 }
     END { printf "index add: %d runs, %.1f s in all, slowest %.1f s, peak RSS %.0f MB\n",
           NR, wall, max, rss / 1024 }' "$work/add.time"
"$bin" index stats "$work/idx"

check_rss() {
    local out=$1
    rm -f "$work/check.time"
    measure "$work/check.time" "$bin" check -q --format json "$work/idx" "$work/articles.jsonl" > "$out"
    awk '{ printf "check (200 articles, end to end): %.1f s, peak RSS %.0f MB\n", $2, $1 / 1024 }' \
        "$work/check.time"
}

latency_bench() {
    [[ "$latency" == 1 ]] || return 0
    for articles in articles articles_mixed; do
        echo "== check latency: $articles.jsonl"
        REPRINT_BENCH_INDEX="$work/idx" REPRINT_BENCH_ARTICLES="$work/$articles.jsonl" \
            cargo bench --quiet --bench check_latency
    done
}

echo "== check, $(grep -c . "$work/articles.jsonl") articles"
check_rss "$work/check-before.jsonl"
latency_bench

if "$bin" index compact --help > /dev/null 2>&1; then
    echo "== index compact --all"
    rm -f "$work/compact.time"
    measure "$work/compact.time" "$bin" index compact --all "$work/idx"
    awk '{ printf "compact: %.1f s, peak RSS %.0f MB\n", $2, $1 / 1024 }' "$work/compact.time"
    "$bin" index stats "$work/idx"
    "$bin" index verify "$work/idx" | tail -1
    echo "== check after compaction"
    check_rss "$work/check-after.jsonl"
    if cmp -s "$work/check-before.jsonl" "$work/check-after.jsonl"; then
        echo "check output identical before and after compaction"
    else
        echo "check output DIFFERS after compaction" >&2
        exit 1
    fi
    latency_bench
fi
