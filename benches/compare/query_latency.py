#!/usr/bin/env python3
"""Wall-time latency of `casegraph query neighbors` and `query profile` from a
fresh process on a snapshot: p50/p95 over N random phones.

Usage: query_latency.py [--size large|medium|small] [--dir /tmp/casegraph-query-bench]
                        [--casegraph target/release/casegraph] [--n 100] [--seed 1]

Generates the case (`casegraph generate --seed 11 --size SIZE`) and ingests it
into DIR/SIZE.cgs when missing. Entities are the callers of N calls.csv rows
drawn at random (seeded), so a phone is picked in proportion to how much it
calls: a "typical" number an investigator would look up, written as the
carrier wrote it. One untimed run first warms the page cache; every timed run
is a new process, snapshot loading included. Standard library only.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def pick_callers(calls_csv, n, seed):
    size = os.path.getsize(calls_csv)
    rng = random.Random(seed)
    out = []
    with open(calls_csv, "rb") as f:
        f.readline()
        while len(out) < n:
            f.seek(rng.randrange(size))
            f.readline()  # skip to the next whole row
            row = f.readline().decode("utf-8", "replace")
            caller = row.split(",", 1)[0].strip().strip('"')
            if caller and any(c.isdigit() for c in caller):
                out.append(caller)
    return out


def pct(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="large")
    ap.add_argument("--dir", default="/tmp/casegraph-query-bench")
    ap.add_argument("--casegraph", default="target/release/casegraph")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    exe = os.path.abspath(a.casegraph)
    os.makedirs(a.dir, exist_ok=True)
    case = os.path.join(a.dir, a.size)
    snap = os.path.join(a.dir, a.size + ".cgs")
    if not os.path.exists(os.path.join(case, "calls.csv")):
        print(f"generating {a.size} case into {case}", file=sys.stderr)
        sh([exe, "generate", "--seed", "11", "--size", a.size, "--out", case, "--format", "csv"],
           stdout=subprocess.DEVNULL)
    if not os.path.exists(snap):
        print(f"ingesting into {snap}", file=sys.stderr)
        sh([exe, "ingest", case, "--out", snap, "--format", "csv"],
           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    phones = pick_callers(os.path.join(case, "calls.csv"), a.n, a.seed)
    sh([exe, "query", "profile", snap, phones[0], "--format", "csv"], stdout=subprocess.DEVNULL)
    print(f"case: {a.size} ({os.path.getsize(snap) / 1e9:.2f} GB snapshot), {len(phones)} phones, "
          f"{os.cpu_count()} cores")
    print("query,p50_ms,p95_ms,max_ms,not_found")
    for q in ["neighbors", "profile"]:
        times, missing = [], 0
        for p in phones:
            t0 = time.perf_counter()
            r = subprocess.run([exe, "query", q, snap, p, "--format", "csv"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append((time.perf_counter() - t0) * 1000)
            if r.returncode == 1:
                missing += 1  # a caller row the ingest rejected
            elif r.returncode != 0:
                sys.exit(f"query {q} {p} failed with status {r.returncode}")
        print(f"{q},{pct(times, 50):.1f},{pct(times, 95):.1f},{max(times):.1f},{missing}")


if __name__ == "__main__":
    main()
