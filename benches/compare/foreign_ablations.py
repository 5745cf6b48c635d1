#!/usr/bin/env python3
"""How gang finding degrades when a bundle lacks what the contract leaves optional.

Another generator, or another carrier, may not deliver handset serials, cell
locations, registrations, fraud reports or police records: the contract
makes every column but caller, callee and start optional. For each foreign
bundle given, this writes copies with one or two of those sources blanked
(the columns emptied, or the file reduced to its header), with the bundle's
truth beside each copy, and runs `foreign_gangs.py` on them all. A detector
that leans on one source shows as a collapse on the copy without it; a
rule that merges or splits wrongly shows in the matching column.

Variants (one line each in the output, NAME-VARIANT):
    noimei   caller_imei, callee_imei (calls.csv) and imei (phones.csv) empty
    noloc    caller_location, callee_location (calls.csv) empty
    noreg    subscriber_name, subscriber_id_number (phones.csv) empty
    noinc    incidents.csv header only
    noacct   accounts (incidents.csv) empty
    nopersons  persons.csv header only
    noimei+noloc, noimei+noreg, noimei+noinc, noloc+noinc  two at once

Usage:
    foreign_ablations.py [--bin target/release/casegraph] [--work DIR]
                         [--variants noimei,noloc,...] BUNDLE_DIR ...
Example (after unpacking the archives into target/validation):
    foreign_ablations.py target/validation/small-31
"""
import argparse, csv, os, shutil, subprocess, sys

BLANK = {
    "noimei": {"calls.csv": {"caller_imei", "callee_imei"}, "phones.csv": {"imei"}},
    "noloc": {"calls.csv": {"caller_location", "callee_location"}},
    "noreg": {"phones.csv": {"subscriber_name", "subscriber_id_number"}},
    "noacct": {"incidents.csv": {"accounts"}},
}
HEADER_ONLY = {"noinc": "incidents.csv", "nopersons": "persons.csv"}
DEFAULT = ["noimei", "noloc", "noreg", "noinc", "noacct", "nopersons",
           "noimei+noloc", "noimei+noreg", "noimei+noinc", "noloc+noinc"]


def write_variant(src, dst, parts):
    os.makedirs(dst, exist_ok=True)
    for f in sorted(os.listdir(src)):
        path = os.path.join(src, f)
        if not f.endswith(".csv") or not os.path.isfile(path):
            continue
        blank, header_only = set(), False
        for p in parts:
            blank |= BLANK.get(p, {}).get(f, set())
            header_only |= HEADER_ONLY.get(p) == f
        with open(path, encoding="utf-8-sig", newline="") as fh, \
                open(os.path.join(dst, f), "w", encoding="utf-8", newline="") as out:
            rows = csv.reader(fh)
            w = csv.writer(out)
            header = next(rows, None)
            if header is None:
                continue
            w.writerow(header)
            if header_only:
                continue
            idx = [i for i, c in enumerate(header) if c.strip() in blank]
            for r in rows:
                for i in idx:
                    if i < len(r):
                        r[i] = ""
                w.writerow(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/casegraph")
    ap.add_argument("--work", default="target/foreign-ablations")
    ap.add_argument("--variants", default=",".join(DEFAULT))
    ap.add_argument("bundles", nargs="+")
    a = ap.parse_args()
    variants = [v for v in a.variants.split(",") if v]
    for v in variants:
        for p in v.split("+"):
            if p not in BLANK and p not in HEADER_ONLY:
                sys.exit("unknown variant part %r (expected one of %s)"
                         % (p, ", ".join(sorted(set(BLANK) | set(HEADER_ONLY)))))
    made = []
    for b in a.bundles:
        b = b.rstrip("/")
        name = os.path.basename(b)
        for v in variants:
            dst = os.path.join(a.work, "%s-%s" % (name, v.replace("+", "-")))
            write_variant(b, dst, v.split("+"))
            shutil.rmtree(dst + ".truth", ignore_errors=True)
            shutil.copytree(b + ".truth", dst + ".truth")
            made.append(dst)
    here = os.path.dirname(os.path.abspath(__file__))
    cmd = [sys.executable, os.path.join(here, "foreign_gangs.py"), "--bin", a.bin,
           "--out", os.path.join(a.work, "leads")] + made
    sys.exit(subprocess.call(cmd))


if __name__ == "__main__":
    main()
