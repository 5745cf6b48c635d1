#!/usr/bin/env python3
"""Check that GraphML files written by `casegraph export` load in NetworkX and
igraph with the node and edge counts and attribute types casegraph meant.

Usage:
    check_graphml.py [--expect SUMMARY.json] FILE.graphml...

SUMMARY.json is what `casegraph export ... --format json` prints: the table
`written` (file, format, nodes, edges) and the table `graphml_keys` (for,
name, type). With it, each file's counts and declared keys must equal what
casegraph says it wrote. Without it, the file's own declarations (parsed
with ElementTree) are the reference. Either way each file must:

- load in NetworkX (`read_graphml`) and igraph (`Graph.Read_GraphML`) with
  the same node and edge counts as its <node>/<edge> elements;
- give every attribute a value of its declared type in both libraries
  (NetworkX: int/long -> int, float/double -> float, boolean -> bool,
  string -> str; igraph: numeric -> float, boolean -> bool, string -> str).

Exit status 0 when every file passes, 1 when any check fails, 2 on usage.
Run with the project's venv: /work/venv/bin/python scripts/check_graphml.py
"""

import argparse
import json
import math
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://graphml.graphdrawing.org/xmlns}"

NX_TYPES = {
    "int": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": bool,
    "string": str,
}


def declared(path):
    """Keys with attr.name as {(for, name): type}, and node/edge counts."""
    root = ET.parse(path).getroot()
    keys = {}
    for k in root.iter(NS + "key"):
        if k.get("attr.name") is None:
            continue  # yEd's graphics keys carry no attribute
        keys[(k.get("for"), k.get("attr.name"))] = k.get("attr.type", "string")
    nodes = sum(1 for _ in root.iter(NS + "node"))
    edges = sum(1 for _ in root.iter(NS + "edge"))
    return keys, nodes, edges


def check_networkx(path, keys, nodes, edges, fail):
    import networkx as nx

    g = nx.read_graphml(path)
    if g.number_of_nodes() != nodes or g.number_of_edges() != edges:
        fail(
            f"networkx: expected {nodes} nodes and {edges} edges, "
            f"found {g.number_of_nodes()} and {g.number_of_edges()}"
        )
    for domain, items in (("node", g.nodes(data=True)), ("edge", g.edges(data=True))):
        for item in items:
            data = item[-1]
            for (kfor, name), ktype in keys.items():
                if kfor != domain or name not in data:
                    continue
                want = NX_TYPES[ktype]
                if type(data[name]) is not want:
                    fail(
                        f"networkx: {domain} {item[:-1]} attribute {name!r}: expected "
                        f"{want.__name__} ({ktype}), found {type(data[name]).__name__}"
                    )
                    return


def check_igraph(path, keys, nodes, edges, fail):
    import igraph

    g = igraph.Graph.Read_GraphML(path)
    if g.vcount() != nodes or g.ecount() != edges:
        fail(
            f"igraph: expected {nodes} nodes and {edges} edges, "
            f"found {g.vcount()} and {g.ecount()}"
        )
    for domain, seq in (("node", g.vs), ("edge", g.es)):
        present = set(seq.attributes())
        for (kfor, name), ktype in keys.items():
            if kfor != domain:
                continue
            if name not in present:
                fail(f"igraph: {domain} attribute {name!r} declared but not loaded")
                continue
            for v in seq[name]:
                if ktype == "string":
                    ok = isinstance(v, str)
                elif ktype == "boolean":
                    ok = isinstance(v, bool) or (isinstance(v, float) and math.isnan(v))
                else:
                    ok = isinstance(v, (int, float)) and not isinstance(v, bool)
                if not ok:
                    fail(
                        f"igraph: {domain} attribute {name!r}: expected {ktype}, "
                        f"found {type(v).__name__} {v!r}"
                    )
                    break


def expected_from(summary_path):
    with open(summary_path, encoding="utf-8") as f:
        s = json.load(f)
    written = {
        os.path.realpath(r["file"]): (r["nodes"], r["edges"])
        for r in s["written"]
        if r["format"].startswith("graphml")
    }
    keys = {(r["for"], r["name"]): r["type"] for r in s.get("graphml_keys", [])}
    return written, keys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--expect", metavar="SUMMARY.json")
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args()
    expect = expected_from(args.expect) if args.expect else None
    failures = 0
    for path in args.files:
        problems = []
        fail = problems.append
        try:
            keys, nodes, edges = declared(path)
        except (ET.ParseError, OSError) as e:
            print(f"{path}: FAIL: expected well-formed GraphML, found {e}")
            failures += 1
            continue
        if expect is not None:
            written, want_keys = expect
            counts = written.get(os.path.realpath(path))
            if counts is None:
                fail("expected the file in the summary's `written` table, found it absent")
            elif counts != (nodes, edges):
                fail(f"expected {counts[0]} nodes and {counts[1]} edges as casegraph printed, "
                     f"found {nodes} and {edges} elements")
            if keys != want_keys:
                fail(f"expected the keys casegraph printed, found differences: "
                     f"{sorted(set(keys.items()) ^ set(want_keys.items()))}")
        for check in (check_networkx, check_igraph):
            try:
                check(path, keys, nodes, edges, fail)
            except Exception as e:  # a reader refusing the file is a failure
                fail(f"{check.__name__[6:]}: could not load: {type(e).__name__}: {e}")
        if problems:
            failures += 1
            for p in problems:
                print(f"{path}: FAIL: {p}")
        else:
            print(f"{path}: ok: {nodes} nodes, {edges} edges, {len(keys)} typed keys "
                  f"(networkx and igraph agree)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
