#!/usr/bin/env bash
# casegraph dist, nightly batches: a full run over every call row against
# a run that adds the last ~1% of the rows (the tail of the generated
# calls.csv, which is written day by day) to a state kept by a run over the
# other 99%; reports both times and whether the canonical outputs are
# byte-identical. The add run updates the 99% run's outputs in place (as a
# nightly batch does) and computes no PageRank (`--pagerank` is not given),
# so pagerank.csv is not compared. A benchmark, not a test.
#
#   benches/compare/dist_incremental.sh [SIZE] [SEED] [PROCS] [PERCENT]
#       SIZE: tiny|small|mid|medium|large (default mid), PROCS default 2,
#       PERCENT of the rows added (default 1)
#
# WHOLE=DIR takes the case folder DIR instead of generating one (for
# example the synthetic graph of dist_scale.py, whose rows are in no time
# order, so the added rows are a random 1% of the pairs); SIZE and SEED
# then only name the work folder.
#
# Builds the release binary (or uses CASEGRAPH_BIN, e.g. the test
# profile's target/debug/casegraph); the case, the split and the outputs go
# under target/dist-bench/ (nothing here is committed).
set -euo pipefail
size=${1:-mid}
seed=${2:-7}
procs=${3:-2}
percent=${4:-1}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ -n "${CASEGRAPH_BIN:-}" ]; then
    bin=$CASEGRAPH_BIN
else
    cargo build --release --quiet
    bin=target/release/casegraph
fi
work=target/dist-bench/incr-$size-$seed
mkdir -p "$work"
if [ -n "${WHOLE:-}" ]; then
    rm -rf "$work/whole"
    mkdir -p "$work/whole"
    ln -s "$(cd "$WHOLE" && pwd)/calls.csv" "$work/whole/calls.csv"
elif [ ! -f "$work/whole/calls.csv" ]; then
    "$bin" generate --seed "$seed" --size "$size" --out "$work/whole" --format json >/dev/null
fi
if grep -q '"' "$work/whole/calls.csv"; then
    echo "calls.csv has quoted fields: this script cuts at newlines" >&2
    exit 2
fi
rows=$(($(wc -l < "$work/whole/calls.csv") - 1))
added=$((rows * percent / 100))
mkdir -p "$work/early"
head -n 1 "$work/whole/calls.csv" > "$work/early/calls.csv"
sed -n "2,$((rows - added + 1))p" "$work/whole/calls.csv" >> "$work/early/calls.csv"
head -n 1 "$work/whole/calls.csv" > "$work/added.csv"
tail -n "$added" "$work/whole/calls.csv" >> "$work/added.csv"
echo "case: $size seed $seed, $rows call rows, $added added ($percent%), --procs $procs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %10s\n' run seconds peak_MB
timed() {
    local name=$1; shift
    /usr/bin/time -f '%e %M' -o "$work/$name.time" "$bin" dist "$@" --procs "$procs" --folders 0 >/dev/null 2>"$work/$name.err"
    read -r secs kb < "$work/$name.time"
    printf '%-28s %10s %10s\n' "$name" "$secs" "$((kb / 1024))"
}
rm -rf "$work/full" "$work/first" "$work/incr" "$work/state"
timed full "$work/whole" --out "$work/full"
timed "state run (99%)" "$work/early" --out "$work/first" --state "$work/state"
timed "add ($percent%)" --out "$work/first" --state "$work/state" --add "$work/added.csv"
grep -h "state generation" "$work/add ($percent%).err" | sed 's/^ *//; s/^/  /' || true
for name in full "add ($percent%)"; do
    grep -h "seconds per step" "$work/$name.err" | sed "s/^.*seconds per step/  $name, seconds per step/" || true
done
same=identical
for f in ledger.json pairs.csv hubs.csv components.csv; do
    cmp -s "$work/full/$f" "$work/first/$f" || same="DIFFERS: $f"
done
echo "outputs of full and add (ledger, pairs, hubs, components): $same"
du -sh "$work/state" | sed 's/^/state on disk: /'
