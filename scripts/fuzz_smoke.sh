#!/usr/bin/env bash
# Fuzz smoke test: build every cargo-fuzz target in fuzz/ and run each for a
# few seconds on its committed seed corpus (fuzz/seeds/<target>/). A crash
# fails the script; libFuzzer leaves the input in fuzz/artifacts/<target>/.
#
# Works on a machine with only the stable toolchain: cargo-fuzz needs
# unstable rustc flags (-Zsanitizer), which RUSTC_BOOTSTRAP=1 allows on
# stable. Installs cargo-fuzz when it is missing. Needs a C++ compiler
# (libFuzzer is built from source by libfuzzer-sys).
#
#   scripts/fuzz_smoke.sh            # every target of fuzz/Cargo.toml, FUZZ_SECONDS (5) each
#   FUZZ_SECONDS=600 scripts/fuzz_smoke.sh snapshot
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-5}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

cargo fuzz build
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  echo "fuzz $t: ${seconds}s on seeds/$t"
  # New inputs go to the scratch corpus, so the committed seeds stay as they are.
  status=0
  cargo fuzz run "$t" "$scratch/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
    >"$scratch/$t.log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|Done )' "$scratch/$t.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$scratch/$t.log" >&2
    echo "fuzz $t: FAILED (input in fuzz/artifacts/$t/)" >&2
    exit 1
  fi
done
echo "fuzz smoke: ${#targets[@]} targets passed"
