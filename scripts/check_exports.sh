#!/bin/sh
# CI check of casegraph's exports:
# - every plain GraphML validates against the official schema (xmllint, libxml2-utils);
# - the yEd GraphML and the GEXF are well-formed (yEd's <y:ShapeNode> inside <data> is not
#   allowed by graphml.xsd, whose <data> is text only, so the yEd file cannot validate there);
# - every GraphML (plain and yEd) loads in NetworkX and igraph with the node and edge counts
#   and attribute types casegraph printed (scripts/check_graphml.py --expect).
# The golden files in tests/golden/export/ are what the golden test requires the binary to
# write byte for byte, so they are validated too.
#
# Usage: scripts/check_exports.sh [GRAPHML_SCHEMA_DIR]   (default: ../shared/schemas/graphml)
# Environment: PYTHON (default /work/venv/bin/python; needs networkx and python-igraph),
#              CASEGRAPH (default target/debug/casegraph, built if absent).
set -eu
cd "$(dirname "$0")/.."
SCHEMA="${1:-../shared/schemas/graphml}/graphml.xsd"
PY="${PYTHON:-/work/venv/bin/python}"
BIN="${CASEGRAPH:-target/debug/casegraph}"
[ -x "$BIN" ] || cargo build --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

xmllint --noout --schema "$SCHEMA" tests/golden/export/tiny.graphml
xmllint --noout tests/golden/export/tiny.yed.graphml tests/golden/export/tiny.gexf

for case in fixtures/tiny tests/fixtures/export_names; do
    n=$(basename "$case")
    "$BIN" export "$case" --graphml "$OUT/$n.graphml" --gexf "$OUT/$n.gexf" --format json >"$OUT/$n.json"
    "$BIN" export "$case" --graphml "$OUT/$n.yed.graphml" --yed --format json >"$OUT/$n.yed.json"
    xmllint --noout --schema "$SCHEMA" "$OUT/$n.graphml"
    xmllint --noout "$OUT/$n.yed.graphml" "$OUT/$n.gexf"
    "$PY" scripts/check_graphml.py --expect "$OUT/$n.json" "$OUT/$n.graphml"
    "$PY" scripts/check_graphml.py --expect "$OUT/$n.yed.json" "$OUT/$n.yed.graphml"
done

# A selection: the boss's phone and two hops, phones and persons only.
"$BIN" export fixtures/tiny --ego "+86 139 0000 0001" --hops 2 --kinds phone,person \
    --graphml "$OUT/ego.graphml" --format json >"$OUT/ego.json"
xmllint --noout --schema "$SCHEMA" "$OUT/ego.graphml"
"$PY" scripts/check_graphml.py --expect "$OUT/ego.json" "$OUT/ego.graphml"
# Selections from the analysis passes: a component and the top phones by degree.
"$BIN" export fixtures/demo --component 0 --graphml "$OUT/comp.graphml" --format json >"$OUT/comp.json"
"$BIN" export fixtures/demo --top 50 --by pagerank --graphml "$OUT/top.graphml" --format json >"$OUT/top.json"
for n in comp top; do
    xmllint --noout --schema "$SCHEMA" "$OUT/$n.graphml"
    "$PY" scripts/check_graphml.py --expect "$OUT/$n.json" "$OUT/$n.graphml"
done

echo "exports: ok"

