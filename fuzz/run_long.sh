#!/usr/bin/env bash
# The long runs recorded in fuzz/README.md: each given target (default: all)
# for SECONDS (default 600), one at a time, one process each, growing
# fuzz/corpus/<target>/ from fuzz/seeds/<target>/. Prints one line per
# target: seconds, executions, result. Build first (`cargo fuzz build`);
# FUZZ_BIN names the folder of the built targets.
set -uo pipefail
cd "$(dirname "$0")"
seconds="${SECONDS_EACH:-600}"
bin="${FUZZ_BIN:-target/x86_64-unknown-linux-gnu/release}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(RUSTC_BOOTSTRAP=1 cargo fuzz list)
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  start=$(date +%s)
  "$bin/$t" "corpus/$t" "seeds/$t" -max_total_time="$seconds" -print_final_stats=1 \
    -rss_limit_mb=2048 -artifact_prefix="artifacts/$t/" >"logs/$t.log" 2>&1
  status=$?
  took=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
  if [ "$status" -eq 0 ]; then result="no crash"; else result="CRASH (exit $status, see logs/$t.log)"; fi
  echo "$t: ${took}s, ${execs:-?} execs, $result, corpus $(ls "corpus/$t" | wc -l) inputs"
done
