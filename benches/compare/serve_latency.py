#!/usr/bin/env python3
"""Latency of `casegraph serve` on a generated case: how long the server takes
to be ready from a snapshot, and p50/p95/max of expanding an ordinary phone
and the first page of a hub, measured against the running server.

Usage: serve_latency.py [--size small|medium|large] [--dir /tmp/casegraph-query-bench]
                        [--casegraph target/release/casegraph] [--n 200] [--seed 1]

Generates the case (`casegraph generate --seed 11 --size SIZE`) and ingests it
into DIR/SIZE.cgs when missing (the same files as query_latency.py). Ready
time: from starting the process to the line with its address (snapshot
opened, port bound), the median of 3 starts after one warm-up start that
fills the page cache. Ordinary phones: the callers of N calls.csv rows drawn
at random (seeded), written as the carrier wrote them, each expanded once by
`GET /api/expand?id=…&kind=call&limit=50` on one kept-alive connection (the
look-up of the spelling included). Hubs: the 5 busiest phones of `casegraph
stats`, first page of 50. Search: the first 7 digits of each ordinary phone
(suggestions as the analyst types). Standard library only.
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from query_latency import pct, pick_callers, sh  # noqa: E402


def start(exe, snap):
    t0 = time.perf_counter()
    p = subprocess.Popen([exe, "serve", snap, "--port", "0", "--notes", snap + ".bench-notes.json"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    ready = (time.perf_counter() - t0) * 1000
    url = line[line.index("http://"):].split()[0]
    return p, urllib.parse.urlparse(url).port, ready


def stop(p):
    p.terminate()
    p.wait()


def timed_get(conn, path):
    t0 = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    return (time.perf_counter() - t0) * 1000, r.status, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="medium")
    ap.add_argument("--dir", default="/tmp/casegraph-query-bench")
    ap.add_argument("--casegraph", default="target/release/casegraph")
    ap.add_argument("--n", type=int, default=200)
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
    stats = json.loads(subprocess.run([exe, "stats", snap, "--format", "json"], check=True,
                                      capture_output=True, text=True).stdout)
    hubs = [b["phone"] for b in stats["busiest_phones"][:5]]
    phones = pick_callers(os.path.join(case, "calls.csv"), a.n, a.seed)
    stop(start(exe, snap)[0])  # warm the page cache
    readies = []
    for _ in range(3):
        p, port, ready = start(exe, snap)
        readies.append(ready)
        stop(p)
    p, port, _ = start(exe, snap)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        print(f"case: {a.size} ({os.path.getsize(snap) / 1e9:.2f} GB snapshot, "
              f"{stats.get('call_events', 0) + stats.get('text_events', 0)} events), "
              f"{len(phones)} phones, {os.cpu_count()} cores")
        print(f"ready_ms (median of 3): {sorted(readies)[1]:.0f}")
        print("request,n,p50_ms,p95_ms,max_ms,not_found")
        digits = ["".join(c for c in ph if c.isdigit())[-11:][:7] for ph in phones]
        for name, ids, path in [
            ("expand ordinary phone", phones, "/api/expand?"),
            ("expand hub, first page", hubs, "/api/expand?"),
            ("search first 7 digits", digits, "/api/search?"),
        ]:
            times, missing = [], 0
            for ph in ids:
                if path == "/api/search?":
                    q = urllib.parse.urlencode({"q": ph})
                else:
                    q = urllib.parse.urlencode({"id": ph, "kind": "call", "limit": 50})
                ms, status, body = timed_get(conn, path + q)
                if status == 404:
                    missing += 1  # a caller row the ingest rejected
                    continue
                if status != 200:
                    sys.exit(f"{name} {ph}: status {status}: {body[:200]!r}")
                times.append(ms)
            print(f"{name},{len(times)},{pct(times, 50):.1f},{pct(times, 95):.1f},"
                  f"{max(times):.1f},{missing}")
    finally:
        stop(p)


if __name__ == "__main__":
    main()
