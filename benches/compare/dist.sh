#!/usr/bin/env bash
# casegraph dist against the single machine: time and peak memory (of the
# largest process) of `--reference` and of `--procs 1, 2, 4` on a generated
# case, and whether their outputs agree. A benchmark, not a test.
#
#   benches/compare/dist.sh [SIZE] [SEED]    # SIZE: tiny|small|mid|medium|large (default mid)
#
# Builds the release binary; the case and outputs go under target/dist-bench/.
set -euo pipefail
size=${1:-mid}
seed=${2:-7}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cargo build --release --quiet
bin=target/release/casegraph
work=target/dist-bench/$size-$seed
mkdir -p "$work"
if [ ! -f "$work/case/calls.csv" ]; then
    "$bin" generate --seed "$seed" --size "$size" --out "$work/case" --format json >/dev/null
fi
rows=$(($(wc -l < "$work/case/calls.csv") - 1))
echo "case: $size seed $seed, $rows call rows, $(nproc) cores"
printf '%-22s %10s %14s %s\n' run seconds peak_MB outputs
run() {
    local name=$1; shift
    local out="$work/$name"
    rm -rf "$out"
    /usr/bin/time -f '%e %M' -o "$work/$name.time" "$bin" dist "$work/case" --out "$out" "$@" >/dev/null 2>"$work/$name.err"
    read -r secs kb < "$work/$name.time"
    local same=""
    if [ "$name" != reference ]; then
        same=identical
        for f in ledger.json pairs.csv hubs.csv components.csv; do
            cmp -s "$work/reference/$f" "$out/$f" || same="DIFFERS: $f"
        done
        if [ "$name" != procs1 ] && ! cmp -s "$work/procs1/pagerank.csv" "$out/pagerank.csv"; then
            same="$same; pagerank differs from procs1"
        fi
    fi
    printf '%-22s %10s %14s %s\n' "$name" "$secs" "$((kb / 1024))" "$same"
}
run reference --reference
run procs1 --procs 1
run procs2 --procs 2
run procs4 --procs 4
