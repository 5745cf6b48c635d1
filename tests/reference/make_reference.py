"""Remake the golden values of tests/it/analysis_reference.rs with NetworkX
(and cross-check PageRank against igraph's PRPACK solver).

Usage (from the repository root):
    /work/venv/bin/python tests/reference/make_reference.py            # the datasets
    /work/venv/bin/python tests/reference/make_reference.py --case fixtures/tiny [--case fixtures/demo]

Each network becomes tests/reference/<name>.json. A case folder is first
turned into an edge list by `casegraph contacts CASE --out` (so the graph is
exactly the one casegraph analyses, hubs left out by the default rule); that
edge list is stored beside the JSON as <name>.edges.csv. The criminal
networks are read from tests/data/networks/<name>/edges.csv (see the NOTE.md
beside each).

The graph is built as casegraph builds it: undirected, the weights of rows
naming the same pair (in either direction) summed, self-pairs dropped.
"""

import argparse
import csv
import json
import os
import subprocess
import sys

import networkx as nx
import igraph as ig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NETWORKS = os.path.join(ROOT, "tests", "data", "networks")
NAMES = [
    "911-hijackers", "caviar", "siren", "montagna-meetings", "montagna-phonecalls",
    "juanes", "oversize", "cocaine-dealing-natarajan", "noordin-top",
]


def read_graph(path):
    g = nx.Graph()
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            s, t = row["source"], row["target"]
            w = float(row.get("weight") or 1)
            g.add_node(s)
            g.add_node(t)
            if s == t:
                continue
            if g.has_edge(s, t):
                g[s][t]["weight"] += w
            else:
                g.add_edge(s, t, weight=w)
    for _, _, d in g.edges(data=True):
        d["dist"] = 1.0 / d["weight"]
    return g


def igraph_pagerank(g, weighted):
    names = list(g.nodes())
    idx = {n: i for i, n in enumerate(names)}
    h = ig.Graph(n=len(names), edges=[(idx[a], idx[b]) for a, b in g.edges()], directed=False)
    w = [d["weight"] for _, _, d in g.edges(data=True)] if weighted else None
    pr = h.pagerank(weights=w, damping=0.85, implementation="prpack")
    return dict(zip(names, pr))


def reference(g):
    out = {"n_nodes": g.number_of_nodes(), "n_edges": g.number_of_edges()}
    out["components"] = sorted(sorted(c) for c in nx.connected_components(g))
    out["degree"] = nx.degree_centrality(g)
    out["strength"] = dict(g.degree(weight="weight"))
    out["betweenness"] = nx.betweenness_centrality(g, normalized=True)
    out["betweenness_raw"] = nx.betweenness_centrality(g, normalized=False)
    out["betweenness_weighted"] = nx.betweenness_centrality(g, weight="dist", normalized=True)
    out["closeness"] = nx.closeness_centrality(g)
    out["closeness_weighted"] = nx.closeness_centrality(g, distance="dist")
    out["harmonic"] = nx.harmonic_centrality(g)
    out["harmonic_weighted"] = nx.harmonic_centrality(g, distance="dist")
    for key, weight in (("pagerank", None), ("pagerank_weighted", "weight")):
        pr = nx.pagerank(g, alpha=0.85, weight=weight, tol=1e-13, max_iter=100000)
        other = igraph_pagerank(g, weight is not None)
        worst = max(abs(pr[n] - other[n]) for n in g)
        assert worst < 1e-9, f"networkx and igraph pagerank differ by {worst}"
        out[key] = pr
    # NetworkX refuses eigenvector centrality on a disconnected graph (the
    # answer depends on which component wins), so it has goldens only for
    # connected networks.
    if nx.is_connected(g):
        out["eigenvector"] = nx.eigenvector_centrality_numpy(g)
        out["eigenvector_weighted"] = nx.eigenvector_centrality_numpy(g, weight="weight")
    comms = nx.community.louvain_communities(g, weight="weight", resolution=1, seed=0)
    out["louvain_modularity"] = nx.community.modularity(g, comms, weight="weight")
    out["louvain_communities"] = sorted(sorted(c) for c in comms)
    return out


def write(name, edges_path, edges_ref):
    g = read_graph(edges_path)
    ref = reference(g)
    ref["edges"] = edges_ref
    ref["made_with"] = f"networkx {nx.__version__}, igraph {ig.__version__}"
    with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{name}: {ref['n_nodes']} nodes, {ref['n_edges']} pairs, "
          f"louvain Q {ref['louvain_modularity']:.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", default=[], help="case folder to add (runs casegraph contacts)")
    ap.add_argument("--casegraph", default=os.path.join(ROOT, "target", "release", "casegraph"))
    args = ap.parse_args()
    if args.case:
        for case in args.case:
            name = os.path.basename(os.path.normpath(case))
            edges = os.path.join(HERE, name + ".edges.csv")
            subprocess.run([args.casegraph, "contacts", case, "--out", edges], check=True)
            write(name, edges, f"reference/{name}.edges.csv")
        return
    for name in NAMES:
        write(name, os.path.join(NETWORKS, name, "edges.csv"), f"data/networks/{name}/edges.csv")


if __name__ == "__main__":
    sys.exit(main())
