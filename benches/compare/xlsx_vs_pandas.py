#!/usr/bin/env python3
"""Reading one full XLSX sheet of calls, side by side, in one run:
casegraph against pandas.read_excel with its fastest engine (calamine).

    benches/compare/xlsx_vs_pandas.py [--rows 1048575] [--runs 3] [--dir /tmp/casegraph-xlsx]

Writes (once, then reuses) a carrier bill of ROWS calls on one sheet (the
most Excel allows: 1,048,575 rows under the header) with a title row, Chinese
headers, date cells, numbers and text, as carriers deliver it. Then, each in
a fresh process, best of RUNS:

- pandas: `pandas.read_excel(path, engine="calamine", header=2)` (reading
  only: no validation, no graph);
- casegraph: `casegraph ingest DIR -o snap.cgs`, the whole command: find the
  header, read and translate every row, validate, merge, build the graph,
  write the snapshot.

Prints a markdown table for the README. Needs a release build (built here)
and a Python with pandas, python-calamine and xlsxwriter (PYTHON, default
python3).
"""
import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def make_bill(path, rows):
    import xlsxwriter

    rng = random.Random(7)
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    book.set_properties({"created": dt.datetime(2026, 3, 20)})
    ws = book.add_worksheet("话单")
    date = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write(0, 0, "中国移动通信 通话详单  本机号码：13800138000")
    header = ["本机号码", "对方号码", "呼叫类型", "通话起始时间", "通话时长", "LAC", "CI", "IMEI", "对方归属地"]
    ws.write_row(2, 0, header)
    start = dt.datetime(2026, 1, 1)
    others = [13900000000 + rng.randrange(200_000) for _ in range(50_000)]
    t = start
    for i in range(rows):
        r = 3 + i
        t += dt.timedelta(seconds=rng.randrange(1, 60))
        ws.write_number(r, 0, 13800138000)
        ws.write_number(r, 1, others[rng.randrange(len(others))])
        ws.write_string(r, 2, "主叫" if rng.random() < 0.5 else "被叫")
        ws.write_datetime(r, 3, t, date)
        ws.write_number(r, 4, rng.randrange(0, 900))
        ws.write_number(r, 5, 4301 + rng.randrange(20))
        ws.write_number(r, 6, 12000 + rng.randrange(3000))
        ws.write_string(r, 7, "35693803564380" + str(rng.randrange(10)))
        ws.write_string(r, 8, "江苏南京")
    book.close()


def timed(cmd):
    """Wall seconds and peak RSS (MiB) of one fresh process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"{cmd[0]} failed: status {status}")
    return wall, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_048_575 - 2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/casegraph-xlsx")
    ap.add_argument("--no-build", action="store_true", help="use target/release/casegraph as it is")
    a = ap.parse_args()
    case = os.path.join(a.dir, f"case-{a.rows}")
    os.makedirs(case, exist_ok=True)
    path = os.path.join(case, "bill_13800138000.xlsx")
    if not os.path.exists(path):
        print(f"writing {path} ({a.rows} rows) ...", file=sys.stderr)
        make_bill(path, a.rows)
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    bin = os.path.join(ROOT, "target", "release", "casegraph")
    snap = os.path.join(a.dir, "bill.cgs")
    pandas_cmd = [sys.executable, "-c",
                  "import pandas, sys; df = pandas.read_excel(sys.argv[1], engine='calamine', header=2); print(len(df))",
                  path]
    casegraph_cmd = [bin, "ingest", case, "-o", snap, "--format", "csv"]
    results = {"pandas": [], "casegraph": []}
    # Interleaved, so both see the same machine load.
    for _ in range(a.runs):
        results["pandas"].append(timed(pandas_cmd))
        results["casegraph"].append(timed(casegraph_cmd))
    size = os.path.getsize(path) / 2**20
    print(f"| one XLSX sheet, {a.rows + 3:,} rows ({size:.0f} MiB) | best of {a.runs}, seconds | peak memory |")
    print("|---|---|---|")
    labels = {
        "pandas": '`pandas.read_excel(engine="calamine")`: reading only',
        "casegraph": "`casegraph ingest`: read, translate, validate, build the graph, write the snapshot",
    }
    for k in ("pandas", "casegraph"):
        best = min(w for w, _ in results[k])
        mem = f"{max(m for _, m in results[k]):.0f} MiB"
        print(f"| {labels[k]} | {best:.2f} s | {mem} |")


if __name__ == "__main__":
    main()
