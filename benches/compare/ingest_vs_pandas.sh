#!/usr/bin/env bash
# Ingest speed, side by side: casegraph reading, validating and building the
# graph of a generated case, against pandas.read_csv merely reading the same
# calls.csv. Prints a markdown table for the README.
#
#   benches/compare/ingest_vs_pandas.sh [SIZE] [RUNS]     (default: medium 3)
#
# Needs: a release build (built here) and python3 with pandas. The case is
# generated under $BENCH_DIR (default /tmp/casegraph-bench), never in the repo.
# Set PYTHON to choose the interpreter (default: /work/venv/bin/python if it
# exists, else python3); pandas is installed into a venv outside the repo if
# missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-medium}
runs=${2:-3}
bench_dir=${BENCH_DIR:-/tmp/casegraph-bench}
mkdir -p "$bench_dir"
case_dir="$bench_dir/$size"
snap="$bench_dir/$size.cgs"

python=${PYTHON:-}
if [ -z "$python" ]; then
  if [ -x /work/venv/bin/python ]; then python=/work/venv/bin/python; else python=python3; fi
fi
if ! "$python" -c 'import pandas' 2>/dev/null; then
  python3 -m venv "$bench_dir/venv"
  "$bench_dir/venv/bin/pip" install -q pandas
  python="$bench_dir/venv/bin/python"
fi

cargo build --release --quiet
bin=target/release/casegraph
if [ ! -f "$case_dir/calls.csv" ]; then
  "$bin" generate --seed 7 --size "$size" --out "$case_dir" >/dev/null
fi
rows=$(($(wc -l < "$case_dir/calls.csv") - 1))

# Best of $runs for each, wall-clock seconds; peak RSS from GNU time.
best() { sort -g | head -1; }
ingest_s=(); ingest_rss=(); build_s=()
for _ in $(seq "$runs"); do
  /usr/bin/time -f '%e %M' -o "$bench_dir/time.txt" "$bin" ingest "$case_dir" -o "$snap" --format json >"$bench_dir/ingest.json" 2>/dev/null
  out=$(tail -1 "$bench_dir/time.txt")
  ingest_s+=("${out% *}"); ingest_rss+=("${out#* }")
  build_s+=("$("$python" -c "import json; print(json.load(open('$bench_dir/ingest.json'))['snapshot'][0]['ingest_seconds'])")")
done
load_s=()
for _ in $(seq "$runs"); do
  /usr/bin/time -f '%e %M' -o "$bench_dir/time.txt" "$bin" stats "$snap" --top 0 --format json >/dev/null 2>/dev/null
  out=$(tail -1 "$bench_dir/time.txt")
  load_s+=("${out% *}")
done
pandas_s=()
for _ in $(seq "$runs"); do
  pandas_s+=("$("$python" -c "
import time, pandas
t = time.perf_counter()
pandas.read_csv('$case_dir/calls.csv', on_bad_lines='skip')
print(f'{time.perf_counter() - t:.3f}')")")
done
i=$(printf '%s\n' "${build_s[@]}" | best)
w=$(printf '%s\n' "${ingest_s[@]}" | best)
l=$(printf '%s\n' "${load_s[@]}" | best)
p=$(printf '%s\n' "${pandas_s[@]}" | best)
rss=$(printf '%s\n' "${ingest_rss[@]}" | sort -g | tail -1)
snap_mb=$(du -m "$snap" | cut -f1)
echo "| case | call rows | pandas.read_csv(calls.csv) | casegraph: read, validate, build the graph | calls/s | whole ingest command incl. snapshot write | peak memory | snapshot | snapshot load + stats |"
echo "|---|---|---|---|---|---|---|---|---|"
awk -v size="$size" -v rows="$rows" -v i="$i" -v w="$w" -v l="$l" -v p="$p" -v rss="$rss" -v snap="$snap_mb" 'BEGIN {
  printf "| %s | %d | %.2f s | %.2f s | %.0f | %.2f s | %.0f MiB | %d MiB | %.2f s |\n", size, rows, p, i, rows / i, w, rss / 1024, snap, l
}'
echo
echo "best of $runs runs each on $(nproc) cores, $(date -u +%Y-%m-%d)"
