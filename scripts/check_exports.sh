#!/bin/sh
# CI check of casegraph's exports:
# - every plain GraphML validates against the official schema (xmllint, libxml2-utils);
# - every yEd GraphML validates against graphml.xsd extended the way the GraphML spec provides
#   (graphml-structure.xsd: "Users may redefine [data-extension.type] in order to add content"):
#   the extension lets <data> hold elements of other namespaces (yEd's <y:ShapeNode>) and <key>
#   carry yEd's yfiles.type; everything else is checked by the official schema, unchanged;
# - the GEXF is well-formed;
# - every GraphML (plain and yEd) loads in NetworkX and igraph with the node and edge counts
#   and attribute types casegraph printed (scripts/check_graphml.py --expect).
# The golden files in tests/golden/export/ are what the golden test requires the binary to
# write byte for byte, so they are validated too.
#
# Usage: scripts/check_exports.sh [GRAPHML_SCHEMA_DIR]   (default: tests/data/graphml)
# Environment: PYTHON (default /work/venv/bin/python; needs networkx and python-igraph),
#              CASEGRAPH (default target/debug/casegraph, built if absent).
set -eu
cd "$(dirname "$0")/.."
SCHEMA="${1:-tests/data/graphml}/graphml.xsd"
PY="${PYTHON:-/work/venv/bin/python}"
BIN="${CASEGRAPH:-target/debug/casegraph}"
[ -x "$BIN" ] || cargo build --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# graphml.xsd with the spec's extension point opened for yEd's elements.
SCHEMA_ABS=$(cd "$(dirname "$SCHEMA")" && pwd)/graphml.xsd
YED_SCHEMA="$OUT/graphml-yed.xsd"
cat >"$YED_SCHEMA" <<XSD
<?xml version="1.0"?>
<xs:schema targetNamespace="http://graphml.graphdrawing.org/xmlns"
           xmlns="http://graphml.graphdrawing.org/xmlns"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           elementFormDefault="qualified" attributeFormDefault="unqualified">
  <xs:redefine schemaLocation="file://$SCHEMA_ABS">
    <xs:complexType name="data-extension.type" mixed="true">
      <xs:complexContent>
        <xs:extension base="data-extension.type">
          <xs:sequence>
            <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
          </xs:sequence>
        </xs:extension>
      </xs:complexContent>
    </xs:complexType>
    <xs:attributeGroup name="key.extra.attrib">
      <xs:attributeGroup ref="key.extra.attrib"/>
      <xs:attribute name="yfiles.type" type="xs:NMTOKEN" use="optional"/>
    </xs:attributeGroup>
  </xs:redefine>
</xs:schema>
XSD
# The extension must not accept what the official schema refuses: a yEd file with an
# attr.type graphml.xsd does not know has to fail.
sed 's/attr.type="string"/attr.type="text"/' tests/golden/export/tiny.yed.graphml >"$OUT/bad.yed.graphml"
if xmllint --noout --schema "$YED_SCHEMA" "$OUT/bad.yed.graphml" 2>/dev/null; then
    echo "the yEd schema extension accepted an attr.type graphml.xsd refuses" >&2
    exit 1
fi

xmllint --noout --schema "$SCHEMA" tests/golden/export/tiny.graphml
xmllint --noout --schema "$YED_SCHEMA" tests/golden/export/tiny.yed.graphml
xmllint --noout tests/golden/export/tiny.gexf

for case in fixtures/tiny tests/fixtures/export_names; do
    n=$(basename "$case")
    "$BIN" export "$case" --graphml "$OUT/$n.graphml" --gexf "$OUT/$n.gexf" --format json >"$OUT/$n.json"
    "$BIN" export "$case" --graphml "$OUT/$n.yed.graphml" --yed --format json >"$OUT/$n.yed.json"
    xmllint --noout --schema "$SCHEMA" "$OUT/$n.graphml"
    xmllint --noout --schema "$YED_SCHEMA" "$OUT/$n.yed.graphml"
    xmllint --noout "$OUT/$n.gexf"
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
# A gang of the leads pipeline, and the individual level (whole, and one gang's individuals).
"$BIN" export fixtures/demo --gang G1 --graphml "$OUT/gang.graphml" --format json >"$OUT/gang.json"
"$BIN" export fixtures/demo --level individual --measures component,community,pagerank,gang \
    --graphml "$OUT/ind.graphml" --format json >"$OUT/ind.json"
"$BIN" export fixtures/demo --level individual --gang G1 --graphml "$OUT/indgang.graphml" --format json >"$OUT/indgang.json"
for n in comp top gang ind indgang; do
    xmllint --noout --schema "$SCHEMA" "$OUT/$n.graphml"
    "$PY" scripts/check_graphml.py --expect "$OUT/$n.json" "$OUT/$n.graphml"
done

echo "exports: ok"

