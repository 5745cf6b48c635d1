#!/usr/bin/env python3
"""casegraph dist on a large synthetic contact graph: time and peak memory
per process against one process, and components against NetworKit on the
same edge list. A benchmark, not a test.

The graph: a seeded heavy-tailed random graph (Chung-Lu, power-law
exponent 2.5, as compare.py --synthetic) of --pairs distinct phone pairs
over --phones phones, written as a calls.csv of one call per pair
(caller, callee, start within four weeks), so that the contact pairs
dist builds are exactly the graph's pairs. Each run is a fresh
`casegraph dist CASE --procs P --folders 0` (folders are a separate step
with its own cost, see docs/dist.md) under GNU time: wall seconds, the peak
resident memory of its largest process, the per-step seconds of process 0,
and the components step per pair. The outputs of every run are compared
byte for byte with the first run's. NetworKit (if importable) reads the
same pairs and runs ConnectedComponents, timed apart from its load.

    /work/venv/bin/python benches/compare/dist_scale.py --pairs 10000000

Needs: numpy and pandas (and networkit for its column); builds nothing:
run `cargo build --release` first. The case goes under --work (default
target/dist-scale/PAIRS-SEED), several GB at 10^8 pairs.
"""
import argparse, os, re, shutil, subprocess, sys, time, filecmp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import chung_lu_pairs  # the same graph as compare.py --synthetic


def make_case(pairs, phones, seed, case, edges):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    keys = chung_lu_pairs(phones, pairs, rng)
    lo, hi = keys // phones, keys % phones
    swap = rng.random(len(keys)) < 0.5
    caller = np.where(swap, hi, lo)
    callee = np.where(swap, lo, hi)
    number = lambda ix: pd.Series(ix).map("+86139{:08d}".format)
    seconds = rng.integers(0, 28 * 86400, size=len(keys))
    duration = rng.geometric(0.02, size=len(keys))
    os.makedirs(case, exist_ok=True)
    # Written in pieces (the same bytes as one frame): at 10^8 pairs one
    # frame of Python strings would need tens of GB.
    piece = 5_000_000
    with open(os.path.join(case, "calls.csv"), "w", newline="") as calls, \
            open(edges, "w", newline="") as edge_file:
        for at in range(0, len(keys), piece):
            part = slice(at, at + piece)
            start = pd.to_datetime("2026-03-02") + pd.to_timedelta(seconds[part], unit="s")
            pd.DataFrame(
                {
                    "caller": number(caller[part]),
                    "callee": number(callee[part]),
                    "start": start.strftime("%Y-%m-%d %H:%M:%S"),
                    "duration_s": duration[part],
                }
            ).to_csv(calls, index=False, header=at == 0)
            pd.DataFrame({"source": lo[part], "target": hi[part]}).to_csv(
                edge_file, index=False, header=at == 0)


def run_dist(exe, case, out, procs):
    shutil.rmtree(out, ignore_errors=True)
    timing = out + ".time"
    cmd = ["/usr/bin/time", "-f", "%e %M", "-o", timing, exe, "dist", case,
           "--out", out, "--procs", str(procs), "--folders", "0"]
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"dist --procs {procs} failed:\n{r.stderr}")
    secs, kb = open(timing).read().split()[-2:]
    steps = {}
    m = re.search(r"\[process 0\] casegraph dist: seconds per step: (.*)", r.stderr)
    if m:
        for part in m.group(1).split(", "):
            name, _, value = part.rpartition(" ")
            steps[name] = float(value)
    return float(secs), int(kb) // 1024, steps


def networkit_components(edges):
    try:
        import networkit as nk
        import pandas as pd
    except ImportError:
        return None
    df = pd.read_csv(edges)
    n = int(max(df["source"].max(), df["target"].max())) + 1
    g = nk.Graph(n)
    g.addEdges((df["source"].to_numpy(), df["target"].to_numpy()))
    t = time.perf_counter()
    cc = nk.components.ConnectedComponents(g)
    cc.run()
    return time.perf_counter() - t, cc.numberOfComponents()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=10_000_000)
    ap.add_argument("--phones", type=int, help="default: pairs / 10")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--procs", default="1,4", help="comma-separated, first is the baseline")
    ap.add_argument("--bin", default="target/release/casegraph")
    ap.add_argument("--work")
    args = ap.parse_args()
    phones = args.phones or max(args.pairs // 10, 10)
    work = args.work or f"target/dist-scale/{args.pairs}-{args.seed}"
    case, edges = os.path.join(work, "case"), os.path.join(work, "edges.csv")
    if not os.path.exists(os.path.join(case, "calls.csv")):
        t = time.perf_counter()
        make_case(args.pairs, phones, args.seed, case, edges)
        print(f"generated {args.pairs} pairs over {phones} phones in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    print(f"graph: {args.pairs} pairs (one call each), {phones} phones, {os.cpu_count()} cores")
    print(f"{'run':<10} {'seconds':>8} {'peak_MB':>8} {'of_1':>6} {'read':>6} {'pairs':>6} {'compon.':>8} {'us/pair':>8}  outputs")
    first, base_mb = None, None
    for procs in [int(p) for p in args.procs.split(",")]:
        out = os.path.join(work, f"procs{procs}")
        secs, mb, steps = run_dist(args.bin, case, out, procs)
        base_mb = base_mb or mb
        same = "baseline"
        if first:
            diff = [f for f in ("ledger.json", "pairs.csv", "hubs.csv", "components.csv", "pagerank.csv")
                    if not filecmp.cmp(os.path.join(first, f), os.path.join(out, f), shallow=False)]
            same = "identical" if not diff else "DIFFER: " + " ".join(diff)
        first = first or out
        comp = steps.get("components", float("nan"))
        print(f"procs{procs:<5} {secs:>8.1f} {mb:>8} {mb / base_mb:>6.0%} {steps.get('read', float('nan')):>6.1f} "
              f"{steps.get('pairs', float('nan')):>6.1f} {comp:>8.2f} {comp / args.pairs * 1e6:>8.3f}  {same}")
    nk = networkit_components(edges)
    if nk:
        print(f"NetworKit ConnectedComponents: {nk[0]:.2f} s ({nk[0] / args.pairs * 1e6:.3f} us/pair), {nk[1]} components")
    else:
        print("NetworKit not importable: its column skipped")


if __name__ == "__main__":
    main()
