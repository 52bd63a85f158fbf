#!/usr/bin/env bash
# The engines and the Python API against the native CLI.
#
# engines: `reprint dedup --clusters` vs `python -m reprint.spark dedup` (local[2]) vs
#   `python -m reprint.ray dedup` (a local Ray cluster that the driver starts), on the
#   Reuters dump and on synth dumps: wall time, peak memory of the whole process tree
#   (the sum of the RSS of the command and every process it starts: the Spark JVM,
#   Ray's GCS, raylet and workers; sampled every 0.1 s by measure.py) and whether the
#   clusters files are byte-identical to the CLI's.
# scan: `reprint scan --format json` (in memory, and staged with --work-dir) vs
#   `python -m reprint.spark scan` (local[2]) and `python -m reprint.ray scan`, each on
#   the engine's shuffle and staged with --work-dir, on passages dumps (benches/scan/make_passages.py over Reuters): the same measures,
#   and whether scan.json is byte-identical to the CLI's.
# api: `reprint.dedup(records)` (api_reprint.py: the dump read into Python dicts, then
#   one call) vs rensa and datasketch, with benches/compare's peers, settings (word
#   5-grams, 128 permutations, 16 bands x 8 rows, threshold 0.8) and evaluate.py (F1
#   against the planted truth); wall time and peak RSS from /usr/bin/time -v.
#
# usage: benches/engines/run.sh [--engine-inputs reuters,100k] [--api-sizes 10k,100k]
#                               [--scan-sizes 100k] [--parts engines,scan,api]
#                               [--work DIR] [--seed N]
#
# --engine-inputs  `reuters` (../shared/reuters21578.jsonl.gz, 19,043 articles) and/or
#                  synth sizes (10k, 100k, 1m)
# --scan-sizes     passages dump sizes for the scan part (20k, 100k, ...)
# --work           venv, dumps and results (default bench-out/engines, git-ignored)
#
# Results: WORK/results.jsonl (one object per run) and WORK/results.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

engine_inputs=reuters,100k
api_sizes=10k,100k
scan_sizes=100k
parts=engines,scan,api
work="$repo/bench-out/engines"
seed=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --engine-inputs) engine_inputs=$2; shift 2 ;;
        --api-sizes) api_sizes=$2; shift 2 ;;
        --scan-sizes) scan_sizes=$2; shift 2 ;;
        --parts) parts=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        -h|--help) sed -n 2,30p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
here="$repo/benches/engines"
compare="$repo/benches/compare"
reuters="$repo/../shared/reuters21578.jsonl.gz"
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

echo "== build reprint (release)"
cargo build --release --quiet --locked
bin="${CARGO_TARGET_DIR:-$repo/target}/release/reprint"
"$bin" --version

echo "== python venv ($work/venv)"
if [[ ! -x "$work/venv/bin/python" ]]; then
    python3 -m venv "$work/venv"
fi
py="$work/venv/bin/python"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check \
    -r python/tests_engines/requirements.txt rensa datasketch
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
"$py" - <<'PY'
import importlib.metadata as m
print("  " + ", ".join(f"{p} {m.version(p)}" for p in ["reprint", "pyspark", "ray", "rensa", "datasketch"]))
PY
if [[ ",$parts," == *,engines,* || ",$parts," == *,scan,* ]] && ! command -v java >/dev/null; then
    echo "needs Java 17 for Spark (apt-get install openjdk-17-jre-headless)" >&2; exit 1
fi

echo "== machine"
echo "  $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"

docs_of() {
    case "$1" in
        *k) echo $(( ${1%k} * 1000 )) ;;
        *m) echo $(( ${1%m} * 1000000 )) ;;
        *) echo "$1" ;;
    esac
}
synth() {  # synth SIZE: makes WORK/synth-SIZE.jsonl and its truth once
    local dump="$work/synth-$1.jsonl"
    if [[ ! -s "$dump" || ! -s "$work/truth-$1.jsonl" ]]; then
        "$bin" --quiet synth "$reuters" --docs "$(docs_of "$1")" --seed "$seed" -o "$dump" \
            --truth "$work/truth-$1.jsonl"
    fi
    echo "$dump"
}
results="$work/results.jsonl"
: > "$results"

measure() {  # measure PART INPUT TOOL OUT REFERENCE CMD...: one measured run into results
    local part=$1 input=$2 tool=$3 out=$4 reference=$5
    shift 5
    local load status same=null
    load=$(cut -d' ' -f1 /proc/loadavg)
    set +e
    # Spark's Python workers must run the venv's interpreter (the one with reprint).
    PYSPARK_PYTHON="$py" PYSPARK_DRIVER_PYTHON="$py" \
    SPARK_LOCAL_IP=127.0.0.1 RAY_USAGE_STATS_ENABLED=0 \
        "$py" "$here/measure.py" "$out/measure.json" -- "$@" > "$out/log.txt" 2>&1
    status=$?
    set -e
    if [[ $status -eq 0 && -n "$reference" ]]; then
        local file; file=$(basename "$reference")
        if cmp -s "$out/$file" "$reference"; then same=true; else same=false; fi
    fi
    line=$("$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); r.update(part=sys.argv[2], input=sys.argv[3], tool=sys.argv[4], identical_to_cli=json.loads(sys.argv[5]), load_before=float(sys.argv[6])); print(json.dumps(r))' \
        "$out/measure.json" "$part" "$input" "$tool" "$same" "$load")
    echo "$line" >> "$results"
    echo "  $tool: $line"
}

if [[ ",$parts," == *,engines,* ]]; then
    for input in ${engine_inputs//,/ }; do
        if [[ "$input" == reuters ]]; then dump="$reuters"; else dump=$(synth "$input"); fi
        echo "== engines on $input ($(du -m "$dump" | cut -f1) MB)"
        for tool in cli spark ray; do
            out="$work/engines-$input-$tool"
            rm -rf "$out"; mkdir -p "$out"
            case "$tool" in
                cli) cmd=("$bin" --quiet dedup "$dump" --threshold 0.8 --clusters "$out/clusters.jsonl") ;;
                spark) cmd=("$py" -m reprint.spark dedup "$dump" --threshold 0.8 --out "$out" --master "local[2]") ;;
                ray) cmd=("$py" -m reprint.ray dedup "$dump" --threshold 0.8 --out "$out") ;;
            esac
            ref="$work/engines-$input-cli/clusters.jsonl"
            [[ "$tool" == cli ]] && ref=""
            measure engines "$input" "$tool" "$out" "$ref" "${cmd[@]}"
        done
    done
fi

if [[ ",$parts," == *,scan,* ]]; then
    for size in ${scan_sizes//,/ }; do
        dump="$work/passages-$size.jsonl"
        if [[ ! -s "$dump" ]]; then
            python3 benches/scan/make_passages.py "$reuters" "$dump" "$work/passages-$size.truth.json" \
                --docs "$(docs_of "$size")" --seed "$seed"
        fi
        echo "== scan on passages-$size ($(du -m "$dump" | cut -f1) MB)"
        reference="$work/scan-$size-cli/scan.json"
        for tool in cli cli-staged spark spark-staged ray ray-staged; do
            out="$work/scan-$size-$tool"
            rm -rf "$out"; mkdir -p "$out"
            case "$tool" in
                cli) cmd=("$bin" --quiet scan "$dump" --format json -o "$out/scan.json"); ref="" ;;
                cli-staged) cmd=("$bin" --quiet scan "$dump" --format json -o "$out/scan.json" --work-dir "$out/work"); ref=$reference ;;
                # On the shuffle, local[2]'s one JVM holds the persisted texts and n-gram rows:
                # Spark's default 1 GB heap is too small for passages-100k.
                spark) cmd=(env PYSPARK_SUBMIT_ARGS="--driver-memory 4g pyspark-shell" "$py" -m reprint.spark scan "$dump" --out "$out" --master "local[2]"); ref=$reference ;;
                spark-staged) cmd=("$py" -m reprint.spark scan "$dump" --out "$out" --work-dir "$out/work" --master "local[2]"); ref=$reference ;;
                ray) cmd=("$py" -m reprint.ray scan "$dump" --out "$out"); ref=$reference ;;
                ray-staged) cmd=("$py" -m reprint.ray scan "$dump" --out "$out" --work-dir "$out/work"); ref=$reference ;;
            esac
            measure scan "passages-$size" "$tool" "$out" "$ref" "${cmd[@]}"
            rm -rf "$out/work"
        done
    done
fi

if [[ ",$parts," == *,api,* ]]; then
    for size in ${api_sizes//,/ }; do
        dump=$(synth "$size")
        truth="$work/truth-$size.jsonl"
        echo "== Python API on synth $size ($(du -m "$dump" | cut -f1) MB)"
        for tool in reprint rensa datasketch; do
            out="$work/api-$size-$tool"
            if [[ "$tool" == reprint ]]; then script="$here/api_reprint.py"; else script="$compare/peer_$tool.py"; fi
            load=$(cut -d' ' -f1 /proc/loadavg)
            /usr/bin/time -v -o "$out.time" "$py" "$script" "$dump" --pairs "$out.pairs.jsonl" \
                --stats "$out.stats.json" --threshold 0.8 --num-perm 128 --bands 16 --rows 8 --shingle 5
            extra=$("$py" -c 'import json,sys; print(json.dumps(dict(part="api", input=sys.argv[1], tool=sys.argv[2], load_before=float(sys.argv[3]))))' "$size" "$tool" "$load")
            line=$("$py" "$compare/evaluate.py" --truth "$truth" --pairs "$out.pairs.jsonl" \
                --threshold 0.8 --time-log "$out.time" --extra "$extra")
            echo "$line" >> "$results"
            "$py" -c "import json,sys; r=json.loads(sys.argv[1]); print('  {tool:10s} {wall_s:7.1f} s  {peak_rss_mb:7.0f} MB  F1 {f1:.3f}'.format(**r))" "$line"
        done
    done
fi

"$py" "$here/report.py" "$results" > "$work/results.md"
echo "== results ($work/results.md)"
cat "$work/results.md"
