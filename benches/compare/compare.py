"""Side-by-side timing of casegraph against NetworkX, igraph and NetworKit.

Runs the same passes on the same edge list in every tool, each pass of each
tool in a fresh process, and prints one table: load seconds, pass seconds,
peak memory (max RSS of that process, loading included), a quality figure
(modularity for Louvain) and the ratio casegraph / fastest other tool.

Input, one of:
    --edges PATH            an edge list CSV (source,target[,weight])
    --case DIR              a case folder or snapshot: its contact graph is
                            written with `casegraph contacts CASE --out`
    --generate SIZE:SEED    generate the case first (`casegraph generate`,
                            e.g. large:11, about 14 minutes on 2 cores), then
                            as --case
    --synthetic N,M         a seeded heavy-tailed random graph with N nodes
                            and about M distinct pairs (Chung-Lu, power-law
                            exponent 2.5, geometric call counts)
Run (from the repository root, after `cargo build --release`):
    /work/venv/bin/python benches/compare/compare.py --synthetic 1000000,3000000

Passes: components, pagerank, betweenness (from --sources sampled sources),
louvain. The tools' settings:
  - components: NetworkX connected_components, igraph connected_components,
    NetworKit ConnectedComponents, casegraph components.
  - pagerank (unweighted, damping 0.85): NetworkX pagerank (tol 1e-6, which
    it scales by n), igraph PRPACK (exact solve), NetworKit PageRank (tol
    1e-6 on the L2 norm of the change, its default), casegraph --tol 1e-6
    --norm l2 (the same stopping rule as NetworKit; casegraph's own default
    is 1e-10 on the L1 norm). So that a looser rule cannot buy speed, the
    table's quality column for pagerank is each tool's L1 distance to
    igraph's exact PRPACK solution (lower is better; igraph's is 0).
  - betweenness from K sources: NetworkX betweenness_centrality(k=K),
    igraph betweenness(sources=K sampled), NetworKit EstimateBetweenness(K,
    parallel), casegraph central --sample K.
  - louvain (weighted): NetworkX louvain_communities(seed=0), igraph
    community_multilevel, NetworKit PLM(refine=True), casegraph communities
    (Louvain + Leiden refinement, every community connected).
NetworkX is skipped above --networkx-max-pairs pairs (default 1,000,000),
where a pass would take well over 15 minutes; the table says so.

Whole commands (--commands): what the investigator waits for. With
--case (a case folder, ingested first, or a snapshot) or --generate, each of
`casegraph components`, `central --measure pagerank`, `communities` and
`stats` runs as a fresh process on the snapshot, output written to a file
twice over: `--format csv` (every row) and `--format table` (what a
terminal shows: the largest groups, the top ranks), wall time best of
--repeat runs (default 3), beside NetworKit's pass alone
on the same contact graph (the edge list `casegraph contacts` writes;
loading excluded, best of --repeat runs, Louvain with its modularity). The
load average before and after is printed, since the machine is shared.
    /work/venv/bin/python benches/compare/compare.py --commands --case /tmp/medium.cgs --repeat 3
--repeat N also makes the pass mode keep the best of N runs of each pass.
--csv FILE --label NAME appends every row to FILE (the columns of
compare.results.csv: graph,pass,tool,load_s,pass_s,stopped,peak_mib,quality).

Long passes: casegraph runs first in every pass. With --stop-after R, another
tool is stopped once its pass (not its load) has run R times as long as
casegraph's pass took, and at least --stop-floor seconds (default 300). The
table then shows its time as a lower bound (">1234.5") and the ratio as an
upper bound ("<0.83"): enough to show that casegraph is faster without
waiting hours for the slower tool. Its peak memory is then the peak up to the
moment it was stopped. --stop-at S does the same after S seconds of pass,
for runs without casegraph (its time taken from an earlier run on the same
edge list). --timeout stops any process (load included) after that many
seconds and fails the run.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOLS = ["networkx", "igraph", "networkit", "casegraph"]
PASSES = ["components", "pagerank", "betweenness", "louvain"]


def load_pairs(path):
    """Edge list -> (n, u, v, w) numpy arrays, each undirected pair once
    (weights of repeated pairs summed, self-pairs dropped)."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(path, dtype={"source": str, "target": str})
    codes, names = pd.factorize(pd.concat([df["source"], df["target"]], ignore_index=True))
    load_pairs.names = names
    m = len(df)
    a, b = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    w = df["weight"].to_numpy(dtype=np.float64) if "weight" in df else np.ones(m)
    keep = a != b
    a, b, w = a[keep], b[keep], w[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    n = int(codes.max()) + 1 if len(codes) else 0
    key = lo * n + hi
    uniq, inv = np.unique(key, return_inverse=True)
    ws = np.zeros(len(uniq))
    np.add.at(ws, inv, w)
    return n, (uniq // n), (uniq % n), ws


def loaded(t0):
    """Tell the parent the load is over (run_measured's --stop-after clock
    starts here); return the time."""
    t1 = time.perf_counter()
    print(f"loaded {t1 - t0:.3f}", file=sys.stderr, flush=True)
    return t1


def worker(tool, pas, path, sources):
    t0 = time.perf_counter()
    n, u, v, w = load_pairs(path)
    quality = None
    vector = None
    if tool == "networkx":
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist()))
        t1 = loaded(t0)
        if pas == "components":
            list(nx.connected_components(g))
        elif pas == "pagerank":
            pr = nx.pagerank(g, weight=None, tol=1e-6)
            vector = [pr[i] for i in range(n)]
        elif pas == "betweenness":
            nx.betweenness_centrality(g, k=sources, seed=0)
        elif pas == "louvain":
            c = nx.community.louvain_communities(g, weight="weight", seed=0)
            quality = nx.community.modularity(g, c, weight="weight")
    elif tool == "igraph":
        import igraph as ig
        import numpy as np

        g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist(), directed=False)
        g.es["weight"] = w.tolist()
        t1 = loaded(t0)
        if pas == "components":
            g.connected_components()
        elif pas == "pagerank":
            vector = g.pagerank(damping=0.85, implementation="prpack")
        elif pas == "betweenness":
            rng = np.random.default_rng(0)
            src = rng.choice(n, size=min(sources, n), replace=False).tolist()
            g.betweenness(sources=src, directed=False)
        elif pas == "louvain":
            c = g.community_multilevel(weights="weight")
            quality = g.modularity(c.membership, weights="weight")
    elif tool == "networkit":
        import networkit as nk

        weighted = pas == "louvain"
        g = nk.Graph(n, weighted=weighted)
        if weighted:
            g.addEdges((w, (u, v)))
        else:
            g.addEdges((u, v))
        t1 = loaded(t0)
        if pas == "components":
            nk.components.ConnectedComponents(g).run()
        elif pas == "pagerank":
            pr = nk.centrality.PageRank(g, damp=0.85, tol=1e-6)
            pr.run()
            vector = pr.scores()
        elif pas == "betweenness":
            nk.centrality.EstimateBetweenness(g, sources, True, True).run()
        elif pas == "louvain":
            plm = nk.community.PLM(g, refine=True)
            plm.run()
            quality = nk.community.Modularity().getQuality(plm.getPartition(), g)
    else:
        raise SystemExit(f"unknown tool {tool}")
    t2 = time.perf_counter()
    dump = os.environ.get("COMPARE_DUMP")
    if dump and vector is not None:
        # Values by node name, so that tools numbering nodes differently compare.
        with open(os.path.join(dump, f"{tool}.{pas}.csv"), "w") as f:
            for name, x in zip(load_pairs.names, vector):
                f.write(f"{name},{x!r}\n")
    print(json.dumps({"load_s": t1 - t0, "pass_s": t2 - t1, "quality": quality}))


def run_measured(cmd, timeout, pass_limit=None):
    """Run cmd; return (stdout, stderr, peak RSS in MiB, wall seconds, stopped).

    With pass_limit, the process is stopped once pass_limit seconds have
    passed since it wrote "loaded ..." on stderr (the workers do, right after
    loading); stopped is then the seconds its pass had run. timeout bounds the
    whole process and is an error."""
    start = time.perf_counter()
    loaded = None
    stopped = None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        try:
            while True:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                now = time.perf_counter()
                if loaded is None and pass_limit is not None:
                    err.seek(0)
                    if b"loaded " in err.read():
                        loaded = now
                if loaded is not None and now - loaded > pass_limit:
                    stopped = now - loaded
                    p.kill()
                elif now - start > timeout:
                    p.kill()
                    _, status, usage = os.wait4(p.pid, 0)
                    raise RuntimeError(f"{' '.join(cmd)}: still running after --timeout {timeout} s")
                time.sleep(0.2)
        except KeyboardInterrupt:
            p.kill()
            raise
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        o, e = out.read().decode(), err.read().decode()
    if p.returncode != 0 and stopped is None:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {e[-2000:]}")
    return o, e, usage.ru_maxrss / 1024.0, wall, stopped


def casegraph_cmd(exe, pas, path, sources):
    if pas == "components":
        return [exe, "components", path, "--timings", "--format", "csv"]
    if pas == "pagerank":
        # Every node's value on stdout (node_kind,node_id,value,rank), for the accuracy check.
        return [exe, "central", path, "--measure", "pagerank", "--tol", "1e-6", "--norm", "l2", "--timings",
                "--format", "csv"]
    if pas == "betweenness":
        return [exe, "central", path, "--measure", "betweenness", "--sample", str(sources), "--seed", "0",
                "--top", "10", "--timings", "--format", "csv"]
    if pas == "louvain":
        return [exe, "communities", path, "--timings", "--format", "csv"]
    raise ValueError(pas)


# The whole commands timed by --commands, and the NetworKit pass each one is
# set beside (None: no counterpart).
COMMANDS = [
    ("components", ["components"], "components"),
    # casegraph's default stopping rule (L1 change below 1e-10) is far
    # stricter than NetworKit's (L2 change below 1e-6): timed both ways, the
    # second doing the same work as the NetworKit pass it is set beside.
    ("pagerank", ["central", "--measure", "pagerank"], "pagerank"),
    ("pagerank tol 1e-6 l2", ["central", "--measure", "pagerank", "--tol", "1e-6", "--norm", "l2"], "pagerank"),
    ("communities", ["communities"], "louvain"),
    ("stats", ["stats"], None),
]


def loadavg():
    return open("/proc/loadavg").read().split()[0]


def whole_commands(args, snapshot, edges, work):
    """Time each command of COMMANDS as a fresh process (best of
    args.repeat), and NetworKit's pass alone on the same contact graph."""
    rows = []
    print(f"load average before: {loadavg()}", file=sys.stderr)
    def timed(cmd, fmt, out_path):
        best = None
        for _ in range(args.repeat):
            full = [args.casegraph] + cmd + [snapshot, "--format", fmt]
            with open(out_path, "w") as out:
                start = time.perf_counter()
                p = subprocess.run(full, stdout=out, stderr=subprocess.PIPE)
                wall = time.perf_counter() - start
            if p.returncode not in (0, 1):
                raise RuntimeError(f"{' '.join(full)} failed ({p.returncode}): {p.stderr.decode()[-2000:]}")
            q = re.search(rb"modularity=([0-9.eE+-]+)", p.stderr)
            r = {"pass_s": wall, "quality": float(q.group(1)) if q else None}
            if best is None or wall < best["pass_s"]:
                best = r
        return best

    for name, cmd, nk_pass in COMMANDS:
        out_path = os.path.join(work, f"{name}.out")
        # Every row as CSV (a script's or an analyst's file), and the table
        # an investigator sees at a terminal (the largest groups, the top
        # ranks).
        best = timed(cmd, "csv", out_path)
        best["table_s"] = timed(cmd, "table", out_path)["pass_s"]
        other = None
        if nk_pass and "networkit" in args.tools.split(","):
            for _ in range(args.repeat):
                r = measure("networkit", nk_pass, edges, args.sources, args.casegraph, args.timeout)
                if other is None or r["pass_s"] < other["pass_s"]:
                    other = r
        print(f"  {name}: casegraph command {best['pass_s']:.3f} s (csv), {best['table_s']:.3f} s (table)"
              + (f", NetworKit pass alone {other['pass_s']:.3f} s" if other else "")
              + (f" (Q {best['quality']:.4f} vs {other['quality']:.4f})" if other and best.get("quality") else ""),
              file=sys.stderr, flush=True)
        rows.append((name, best, other))
    print(f"load average after: {loadavg()}", file=sys.stderr)
    print(f"\n{'command':<22} {'csv s':>8} {'table s':>8} {'NetworKit pass s':>17} {'ratio csv':>10} {'ratio table':>12} {'Q casegraph':>12} {'Q NetworKit':>12}")
    for name, best, other in rows:
        ratio = f"{best['pass_s'] / other['pass_s']:.2f}" if other else ""
        ratio_t = f"{best['table_s'] / other['pass_s']:.2f}" if other else ""
        qa = f"{best['quality']:.4f}" if best.get("quality") is not None else ""
        qb = f"{other['quality']:.4f}" if other and other.get("quality") is not None else ""
        print(f"{name:<22} {best['pass_s']:>8.3f} {best['table_s']:>8.3f} {(other['pass_s'] if other else float('nan')):>17.3f} "
              f"{ratio:>10} {ratio_t:>12} {qa:>12} {qb:>12}")
    print(f"whole command: fresh process, snapshot opened, output written (csv: every row; table: what a terminal shows); "
          f"best of {args.repeat}. NetworKit: its pass alone, graph already loaded.")
    if args.csv:
        with open(args.csv, "a") as f:
            for name, best, other in rows:
                q = "" if best.get("quality") is None else best["quality"]
                f.write(f"{args.label},{name} (whole command),casegraph,,{best['pass_s']:.3f},no,,{q}\n")
                f.write(f"{args.label},{name} (whole command table view),casegraph,,{best['table_s']:.3f},no,,{q}\n")
                if other:
                    q = "" if other.get("quality") is None else other["quality"]
                    f.write(f"{args.label},{name} (whole command),networkit pass alone,{other['load_s']:.2f},"
                            f"{other['pass_s']:.3f},no,{other['rss_mib']:.0f},{q}\n")


def measure(tool, pas, path, sources, exe, timeout, pass_limit=None):
    if tool == "casegraph":
        out, err, rss, _, _ = run_measured(casegraph_cmd(exe, pas, path, sources), timeout)
        dump = os.environ.get("COMPARE_DUMP")
        if dump and pas == "pagerank":
            with open(os.path.join(dump, f"casegraph.{pas}.csv"), "w") as f:
                for line in out.splitlines()[1:]:
                    parts = line.split(",")
                    if len(parts) >= 3:
                        f.write(f"{parts[1]},{parts[2]}\n")
        m = re.search(r"timings: load ([0-9.]+) s, \w+ ([0-9.]+) s", err)
        q = re.search(r"modularity=([0-9.eE+-]+)", err)
        return {"load_s": float(m.group(1)), "pass_s": float(m.group(2)),
                "quality": float(q.group(1)) if q else None, "rss_mib": rss}
    out, err, rss, _, stopped = run_measured(
        [sys.executable, os.path.abspath(__file__), "--worker", tool, pas, path, str(sources)], timeout, pass_limit)
    if stopped is not None:
        load = re.search(r"loaded ([0-9.]+)", err)
        return {"load_s": float(load.group(1)), "pass_s": stopped, "quality": None, "rss_mib": rss,
                "stopped": True}
    r = json.loads(out.strip().splitlines()[-1])
    r["rss_mib"] = rss
    return r


def chung_lu_pairs(n, m, rng):
    """m distinct unordered pairs of n nodes, heavy-tailed (Chung-Lu,
    power-law exponent 2.5), in random order, as keys lo * n + hi."""
    import numpy as np

    p = (np.arange(n) + 10.0) ** (-1.0 / 1.5)
    p /= p.sum()
    pairs = np.empty(0, dtype=np.int64)
    while len(pairs) < m:
        k = int((m - len(pairs)) * 1.3) + 1000
        a = rng.choice(n, size=k, p=p)
        b = rng.choice(n, size=k, p=p)
        keep = a != b
        lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
        pairs = np.unique(np.concatenate([pairs, lo.astype(np.int64) * n + hi]))
    return rng.permutation(pairs)[:m]


def synthetic(spec, seed, path):
    import numpy as np
    import pandas as pd

    n, m = (int(x) for x in spec.split(","))
    rng = np.random.default_rng(seed)
    pairs = chung_lu_pairs(n, m, rng)
    w = rng.geometric(0.6, size=len(pairs))
    pd.DataFrame({"source": pairs // n, "target": pairs % n, "weight": w}).to_csv(path, index=False)
    return path


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        tool, pas, path, sources = sys.argv[2:6]
        return worker(tool, pas, path, int(sources))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--edges")
    src.add_argument("--case")
    src.add_argument("--generate", metavar="SIZE:SEED")
    src.add_argument("--synthetic", metavar="N,M")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--passes", default=",".join(PASSES))
    ap.add_argument("--networkx-max-pairs", type=int, default=1_000_000)
    ap.add_argument("--casegraph", default=os.path.join(ROOT, "target", "release", "casegraph"))
    ap.add_argument("--timeout", type=float, default=4 * 3600,
                    help="fail if any one process (load included) runs longer than this")
    ap.add_argument("--stop-after", type=float, metavar="R",
                    help="stop another tool once its pass has run R times casegraph's pass time")
    ap.add_argument("--stop-floor", type=float, default=300, metavar="S",
                    help="with --stop-after, never stop a pass before it has run S seconds")
    ap.add_argument("--stop-at", type=float, metavar="S",
                    help="stop the other tools after S seconds of pass (for example casegraph's pass time "
                         "from an earlier run on the same edge list, when casegraph is not among --tools)")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--commands", action="store_true",
                    help="time whole casegraph commands against NetworKit's pass alone (see above)")
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1; --commands: 3)")
    ap.add_argument("--csv", help="append the rows to this CSV (with --label)")
    ap.add_argument("--label", default="", help="the graph column of --csv rows")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="casegraph-compare-")
    if args.generate:
        size, seed = args.generate.split(":")
        args.case = os.path.join(work, f"{size}-{seed}")
        t = time.perf_counter()
        subprocess.run([args.casegraph, "generate", "--size", size, "--seed", seed, "--out", args.case],
                       check=True, stdout=subprocess.DEVNULL)
        print(f"generated {size} case (seed {seed}) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    if args.commands:
        if not args.case:
            raise SystemExit("--commands: expected --case or --generate")
        if args.repeat == 1 and "--repeat" not in sys.argv:
            args.repeat = 3
        snapshot = args.case
        if os.path.isdir(args.case):
            snapshot = os.path.join(work, "case.cgs")
            t = time.perf_counter()
            subprocess.run([args.casegraph, "ingest", args.case, "-o", snapshot], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"ingested {args.case} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        edges = os.path.join(work, "edges.csv")
        subprocess.run([args.casegraph, "contacts", snapshot, "--out", edges], check=True,
                       stderr=subprocess.DEVNULL)
        return whole_commands(args, snapshot, edges, work)
    if args.edges:
        path = args.edges
    elif args.case:
        path = os.path.join(work, "edges.csv")
        # contacts --verbose lists every hub it leaves out on stderr: keep that list beside the edge list.
        with open(os.path.join(work, "contacts.log"), "w") as log:
            subprocess.run([args.casegraph, "contacts", args.case, "--out", path, "--verbose"], check=True,
                           stderr=log)
        lines = open(os.path.join(work, "contacts.log")).read().splitlines()
        hubs = sum("hub left out" in l for l in lines)
        print("\n".join(l for l in lines if "hub left out" not in l), file=sys.stderr)
        print(f"contacts: {hubs} hubs left out (list: {work}/contacts.log)", file=sys.stderr)
    else:
        path = os.path.join(work, "synthetic.csv")
        t = time.perf_counter()
        synthetic(args.synthetic, args.seed, path)
        print(f"generated {args.synthetic} (seed {args.seed}) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    n_pairs = sum(1 for _ in open(path)) - 1
    print(f"edge list: {path} ({n_pairs} rows), {os.cpu_count()} cpus", file=sys.stderr)

    dump = tempfile.mkdtemp(prefix="casegraph-compare-dump-")
    os.environ["COMPARE_DUMP"] = dump

    def distance_to_exact(tool, pas):
        """L1 distance of a tool's pagerank to igraph's exact PRPACK solution."""
        exact_path = os.path.join(dump, f"igraph.{pas}.csv")
        mine = os.path.join(dump, f"{tool}.{pas}.csv")
        if not (os.path.exists(exact_path) and os.path.exists(mine)):
            return None
        read = lambda p: {k: float(x) for k, x in (l.rstrip("\n").rsplit(",", 1) for l in open(p))}
        exact, got = read(exact_path), read(mine)
        return sum(abs(got.get(k, 0.0) - x) for k, x in exact.items())

    rows = []
    for pas in args.passes.split(","):
        results = {}
        tools = args.tools.split(",")
        # casegraph first, so that --stop-after knows its pass time.
        for tool in sorted(tools, key=lambda t: t != "casegraph"):
            if tool == "networkx" and n_pairs > args.networkx_max_pairs:
                results[tool] = None
                continue
            limit = args.stop_at if tool != "casegraph" else None
            if args.stop_after and tool != "casegraph" and results.get("casegraph"):
                limit = max(args.stop_after * results["casegraph"]["pass_s"], args.stop_floor)
            print(f"  {pas} / {tool} ..." + (f" (stopped after {limit:.1f} s of pass)" if limit else ""),
                  file=sys.stderr, flush=True)
            r = None
            for _ in range(args.repeat):
                one = measure(tool, pas, path, args.sources, args.casegraph, args.timeout, limit)
                if r is None or one["pass_s"] < r["pass_s"]:
                    r = one
            results[tool] = r
            print(f"    load {r['load_s']:.2f} s, pass {r['pass_s']:.3f} s"
                  + (" (stopped: a lower bound)" if r.get("stopped") else "")
                  + f", peak {r['rss_mib']:.0f} MiB"
                  + (f", quality {r['quality']:.4f}" if r.get("quality") is not None else ""),
                  file=sys.stderr, flush=True)
        results = {t: results[t] for t in tools if t in results}
        if pas == "pagerank":
            for tool, r in results.items():
                if r and not r.get("stopped"):
                    r["quality"] = distance_to_exact(tool, pas)
                    if r["quality"] is not None:
                        print(f"    {tool}: L1 distance to exact {r['quality']:.3g}", file=sys.stderr)
        others = [(r["pass_s"], bool(r.get("stopped"))) for t, r in results.items() if t != "casegraph" and r]
        best = min(others) if others else None
        for tool, r in results.items():
            rows.append((pas, tool, r, best if tool == "casegraph" else None))

    print(f"\n{'pass':<12} {'tool':<10} {'load s':>8} {'pass s':>9} {'peak MiB':>9} {'quality':>8} {'ratio':>7}")
    for pas, tool, r, best in rows:
        if r is None:
            print(f"{pas:<12} {tool:<10} {'skipped: over --networkx-max-pairs (would exceed 15 min)':>40}")
            continue
        q = (f"{r['quality']:.2g}" if pas == "pagerank" else f"{r['quality']:.4f}") if r.get("quality") is not None else ""
        # A stopped tool's time is a lower bound, so a ratio against it is an upper bound.
        ratio = f"{'<' if best[1] else ''}{r['pass_s'] / best[0]:.2f}" if best else ""
        secs = f"{'>' if r.get('stopped') else ''}{r['pass_s']:.3f}"
        print(f"{pas:<12} {tool:<10} {r['load_s']:>8.2f} {secs:>9} {r['rss_mib']:>9.0f} {q:>8} {ratio:>7}")
    print("ratio = casegraph pass seconds / fastest other tool's pass seconds (below 1: casegraph faster)")
    print(">: stopped by --stop-after, a lower bound; <: so the ratio is an upper bound")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"pass": p, "tool": t, **(r or {"skipped": True})} for p, t, r, _ in rows], f, indent=1)
    if args.csv:
        with open(args.csv, "a") as f:
            for pas, tool, r, _ in rows:
                if r is None:
                    continue
                q = "" if r.get("quality") is None else r["quality"]
                f.write(f"{args.label},{pas},{tool},{r['load_s']:.2f},{r['pass_s']:.3f},"
                        f"{'yes' if r.get('stopped') else 'no'},{r['rss_mib']:.0f},{q}\n")


if __name__ == "__main__":
    sys.exit(main())
