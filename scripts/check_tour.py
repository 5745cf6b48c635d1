#!/usr/bin/env python3
"""Run every command of the README's tour on fixtures/demo in a pseudo-terminal
of 100 columns, as an investigator would, and check that no line is wider
than the terminal and that no identifier is cut (a word ending in "…").

    scripts/check_tour.py [--bin target/release/casegraph] [--columns 100]

The commands are read from the README's "A tour" block, so the README and
this check cannot drift apart; they run in a temporary folder (the outputs
they write land there), with `fixtures/demo` read from the repository and
`generate` made `--size tiny` to stay quick. Exit status 0 when every
command passed, 1 otherwise (each failure printed with its line).
"""
import argparse
import fcntl
import os
import pty
import re
import select
import shlex
import struct
import subprocess
import sys
import tempfile
import termios
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]")


def tour_commands(readme):
    text = open(readme, encoding="utf-8").read()
    block = text.split("## A tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    out = []
    for line in block.splitlines():
        line = line.split("  #", 1)[0].strip()
        if line.startswith("casegraph "):
            out.append(shlex.split(line)[1:])
    return out


def width(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def run_in_pty(argv, cwd, columns, rows=50, timeout=600):
    """Run argv with stdout and stderr on a pseudo-terminal of the given size;
    return (exit code, everything it printed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm"
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        r, _, _ = select.select([master], [], [], timeout)
        if not r:
            p.kill()
            break
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return p.wait(), b"".join(chunks).decode("utf-8", "replace")


def check(output, columns):
    problems = []
    for raw in re.split(r"\r\n|\n|\r", output):
        line = ANSI.sub("", raw).rstrip()
        if width(line) > columns:
            problems.append(f"{width(line)} columns wide: {line}")
        for word in line.split():
            if word.endswith("…") and word != "…":
                problems.append(f"cut identifier {word!r}: {line}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "casegraph"))
    ap.add_argument("--columns", type=int, default=100)
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.join(ROOT, "fixtures"), os.path.join(tmp, "fixtures"))
        for args in tour_commands(a.readme):
            if args[0] == "generate":
                args = [("tiny" if prev == "--size" else x) for prev, x in zip([""] + args, args)]
                args = [os.path.join(tmp, "generated") if prev == "--out" else x
                        for prev, x in zip([""] + args, args)]
            code, out = run_in_pty([binary] + args, tmp, a.columns)
            problems = check(out, a.columns)
            if code != 0:
                problems.append(f"exit status {code}")
            shown = " ".join(args)
            lines = len(re.split(r"\r\n|\n", out.strip()))
            if problems:
                failed += 1
                print(f"FAIL casegraph {shown} ({lines} lines)")
                for p in problems[:10]:
                    print(f"    {p}")
                if len(problems) > 10:
                    print(f"    ... and {len(problems) - 10} more")
            else:
                print(f"ok   casegraph {shown} ({lines} lines)")
    print(f"{failed} command(s) failed" if failed else f"every tour command fits {a.columns} columns")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
