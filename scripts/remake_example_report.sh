#!/bin/sh
# Remake docs/example/report.html and docs/example/report.png: the demo
# case's browser report and a screenshot of its first screenful (summary
# and the first gang's link chart).
#
#   scripts/remake_example_report.sh
#
# Needs Debian's chromium (apt-get install chromium fonts-noto-cjk) for the
# screenshot; CHROMIUM=/path/to/chromium overrides /usr/bin/chromium.
# The report is the same bytes every time for the same case and build.
set -eu
cd "$(dirname "$0")/.."
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "remake_example_report: $chromium not found (apt-get install chromium fonts-noto-cjk)" >&2; exit 2; }

out=$(mktemp -d)
profile=$(mktemp -d)
trap 'rm -rf "$out" "$profile"' EXIT

cargo run --release --quiet -- leads fixtures/demo --out "$out/demo-out" --top 0 >/dev/null
mkdir -p docs/example
cp "$out/demo-out/report.html" docs/example/report.html

"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$PWD/docs/example/report.png" --window-size=1400,2000 \
  "file://$PWD/docs/example/report.html" 2>/dev/null
ls -l docs/example/report.html docs/example/report.png
