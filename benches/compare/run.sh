#!/usr/bin/env bash
# Compares `reprint dedup` with the Python libraries people reach for instead
# (gaoya, rensa, datasketch) on synthetic news dumps with planted near-duplicates.
#
# Every tool gets the same JSON Lines dump, the same shingling (case-folded words,
# 5-grams), 128 permutations, the same LSH banding (16 bands x 8 rows, reprint's
# default for 0.8) and threshold 0.8. Each run is timed with /usr/bin/time -v (wall
# clock, peak RSS) and its predicted pairs are scored against the planted truth
# (pairs with exact Jaccard >= 0.8).
#
# usage: benches/compare/run.sh [--sizes 10k,100k,1m] [--tools reprint,gaoya,rensa,datasketch]
#                               [--base FILE] [--work DIR] [--repeat N] [--budget SECONDS] [--seed N]
#
# --base      base corpus for `reprint synth` (default ../shared/reuters21578.jsonl.gz)
# --work      where the venv, dumps and results go (default bench-out/compare, git-ignored)
# --repeat    runs per tool and size (default 1); the table shows the fastest and slowest
# --budget    a peer whose predicted time at a size (from its time at the previous
#             size, scaled by the number of documents) exceeds this many seconds is
#             skipped there, and a run is killed after twice the budget (default 900)
#
# Results: WORK/results.jsonl (one object per run), WORK/results.json, WORK/results.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

sizes=10k,100k
tools=reprint,gaoya,rensa,datasketch
base="$repo/../shared/reuters21578.jsonl.gz"
work="$repo/bench-out/compare"
repeat=1
budget=900
seed=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --sizes) sizes=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        --base) base=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --budget) budget=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        -h|--help) sed -n 2,22p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
here="$repo/benches/compare"

[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

echo "== python venv ($work/venv)"
if [[ ! -x "$work/venv/bin/python" ]]; then
    python3 -m venv "$work/venv"
fi
if ! "$work/venv/bin/python" -c "import datasketch, rensa, gaoya" 2>/dev/null; then
    "$work/venv/bin/pip" install --quiet datasketch rensa gaoya
fi
py="$work/venv/bin/python"
"$py" - <<'PY'
import importlib.metadata as m
print("  " + ", ".join(f"{p} {m.version(p)}" for p in ["datasketch", "rensa", "gaoya"]))
PY

echo "== build reprint (release)"
cargo build --release --quiet --locked
bin="${CARGO_TARGET_DIR:-$repo/target}/release/reprint"
"$bin" --version

echo "== machine"
echo "  $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"

docs_of() {
    case "$1" in
        *k) echo $(( ${1%k} * 1000 )) ;;
        *m) echo $(( ${1%m} * 1000000 )) ;;
        *) echo "$1" ;;
    esac
}

results="$work/results.jsonl"
declare -A last_docs last_wall

for size in ${sizes//,/ }; do
    dump="$work/synth-$size.jsonl"
    truth="$work/truth-$size.jsonl"
    if [[ ! -s "$dump" || ! -s "$truth" ]]; then
        echo "== reprint synth --docs $size"
        /usr/bin/time -f "  synth: wall %e s, peak RSS %M KB" \
            "$bin" synth "$base" --docs "$size" --seed "$seed" -o "$dump" --truth "$truth" \
            --summary-json "$work/synth-$size.json"
    fi
    n=$(docs_of "$size")
    echo "== $size documents ($(du -m "$dump" | cut -f1) MB)"
    for tool in ${tools//,/ }; do
        if [[ "$tool" != reprint && -n "${last_wall[$tool]:-}" ]]; then
            predicted=$("$py" -c "print(int(${last_wall[$tool]} * $n / ${last_docs[$tool]}))")
            if (( predicted > budget )); then
                echo "  $tool: skipped (predicted ~${predicted} s > ${budget} s budget)"
                echo "{\"size\": \"$size\", \"tool\": \"$tool\", \"skipped\": \"skipped: predicted ~${predicted} s from the previous size, over the ${budget} s budget\"}" >> "$results"
                continue
            fi
        fi
        for run in $(seq 1 "$repeat"); do
            out="$work/$tool-$size-$run"
            case "$tool" in
                reprint)
                    cmd=("$bin" dedup "$dump" --pairs "$out.pairs.jsonl" --summary-json "$out.stats.json"
                         --threshold 0.8 --num-perm 128 --shingle 5 --id-field id --text-field text -q) ;;
                gaoya|rensa|datasketch)
                    cmd=("$py" "$here/peer_$tool.py" "$dump" --pairs "$out.pairs.jsonl" --stats "$out.stats.json"
                         --threshold 0.8 --num-perm 128 --bands 16 --rows 8 --shingle 5) ;;
                *) echo "unknown tool $tool" >&2; exit 2 ;;
            esac
            load=$(cut -d' ' -f1 /proc/loadavg)
            set +e
            timeout $(( budget * 2 )) /usr/bin/time -v -o "$out.time" "${cmd[@]}"
            status=$?
            set -e
            if [[ $status -ne 0 ]]; then
                echo "  $tool: failed or timed out (exit $status)"
                echo "{\"size\": \"$size\", \"tool\": \"$tool\", \"run\": $run, \"skipped\": \"failed or killed after $(( budget * 2 )) s (exit $status)\"}" >> "$results"
                break
            fi
            extra="{\"size\": \"$size\", \"tool\": \"$tool\", \"run\": $run, \"docs\": $n, \"load_before\": $load}"
            if [[ -s "$out.stats.json" ]]; then
                extra=$("$py" -c "import json,sys; e=json.loads(sys.argv[1]); e['tool_stats']=json.load(open(sys.argv[2])); print(json.dumps(e))" "$extra" "$out.stats.json")
            fi
            line=$("$py" "$here/evaluate.py" --truth "$truth" --pairs "$out.pairs.jsonl" \
                --threshold 0.8 --time-log "$out.time" --dump "$dump" --extra "$extra")
            echo "$line" >> "$results"
            "$py" -c "import json,sys; r=json.loads(sys.argv[1]); print('  {tool:10s} run {run}: {wall_s:7.1f} s  {peak_rss_mb:7.0f} MB  P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}'.format(**r))" "$line"
            last_docs[$tool]=$n
            last_wall[$tool]=$("$py" -c "import json,sys; print(json.loads(sys.argv[1])['wall_s'])" "$line")
        done
    done
done

"$py" "$here/report.py" "$results" > "$work/results.md"
"$py" -c "import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1]) if l.strip()], indent=1))" "$results" > "$work/results.json"
echo "== results ($work/results.md)"
cat "$work/results.md"
