#!/usr/bin/env python3
"""Gang-finding figures of `casegraph leads` on foreign case bundles.

The bundles come from a generator this project did not write (see
../shared/validation/README.md): each NAME/ folder is a case, NAME.truth/
beside it holds the answers. For every bundle this runs `casegraph leads`
with default settings, scores gangs.csv with the validation set's own
scorer (score_gangs.py) and prints one line per bundle:

    bundle, planted gangs recovered (Jaccard >= 0.5 over phones), reported
    gangs (size >= 3) matching a planted gang, decoy or hub phones in any
    gang, planted burners flagged, bosses labelled boss, bad rows (and
    exact duplicates) of truth/bad_rows.csv found in rejects.csv and good
    rows wrongly rejected (by the validation set's score_rejects.py),
    seconds, peak MiB, and the scorer's mean best Jaccard over the planted
    gangs (it moves when a change adds or loses phones of a gang without
    crossing 0.5)

With --roles it then prints, per bundle, how many of the planted phones of
each role and kind (boss, lieutenant, operator, mule, broker; personal or
burner) are in some reported gang: where the recall comes from, and which
members the evidence leaves out.

Usage:
    foreign_gangs.py [--bin target/release/casegraph] [--scorer PATH]
                     [--out DIR] [--roles] BUNDLE_DIR ...
Example (after unpacking the archives into target/validation):
    foreign_gangs.py target/validation/small-31 target/validation/mid-41
"""
import argparse, csv, json, os, re, resource, subprocess, sys, time


def norm(v):
    d = re.sub(r"\D", "", v or "")
    if d.startswith("0086"):
        d = d[4:]
    elif d.startswith("86") and len(d) == 13:
        d = d[2:]
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/casegraph")
    ap.add_argument("--scorer", default="../shared/validation/score_gangs.py")
    ap.add_argument("--rejects-scorer", default="../shared/validation/score_rejects.py")
    ap.add_argument("--out", default="target/foreign-leads")
    ap.add_argument("--roles", action="store_true",
                    help="also print recall of planted phones per role and kind")
    ap.add_argument("bundles", nargs="+")
    a = ap.parse_args()
    roles = []
    print("bundle,recovered,matching_reported,decoy_or_hub_phones,burners_flagged,bosses,"
          "bad_rows_reported,good_rows_rejected,seconds,peak_mib,mean_best_j")
    for b in a.bundles:
        b = b.rstrip("/")
        name = os.path.basename(b)
        truth = b + ".truth"
        out = os.path.join(a.out, name)
        t0 = time.time()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run([a.bin, "leads", b, "--out", out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        secs = time.time() - t0
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        res = subprocess.run([sys.executable, a.scorer, "--truth", truth, "--output",
                              os.path.join(out, "gangs.csv")], check=True,
                             capture_output=True, text=True).stdout
        rep = json.loads(res[: res.rfind("score_gangs")])
        matched = round(rep["precision"] * rep["reported_gangs_min_size"]) if rep["precision"] is not None else 0
        planted_burners = {r["phone"] for r in csv.DictReader(open(os.path.join(truth, "gangs.csv"), encoding="utf-8-sig"))
                           if r["phone_kind"] == "burner"}
        flagged = {norm(r["entity"]) for r in csv.DictReader(open(os.path.join(out, "patterns.csv"), encoding="utf-8"))
                   if r["pattern"] == "burner"}
        boss = rep["boss"] or {}
        rej = subprocess.run([sys.executable, a.rejects_scorer, "--truth", truth, "--rejects",
                              os.path.join(out, "rejects.csv")], check=True,
                             capture_output=True, text=True).stdout
        rej = json.loads(rej[: rej.rfind("score_rejects")])
        print(f"{name},{rep['recovered']}/{rep['planted_gangs']},{matched}/{rep['reported_gangs_min_size']},"
              f"{rep['decoy_or_hub_phones_reported']},{len(planted_burners & flagged)}/{len(planted_burners)},"
              f"{boss.get('labelled_in_matched_gang', 0)}/{boss.get('planted_bosses', 0)},"
              f"{rej['reported']}/{rej['truth_bad_rows']},{rej['wrongly_rejected']},{secs:.2f},{peak:.0f},"
              f"{rep['mean_best_jaccard'] or 0:.3f}")
        if a.roles:
            roles.append((name, role_recall(truth, out)))
    if roles:
        print()
        print("bundle,role,phone_kind,planted_phones_in_a_reported_gang")
        for name, rows in roles:
            for (role, kind), (found, total) in sorted(rows.items()):
                print(f"{name},{role},{kind},{found}/{total}")


def role_recall(truth, out):
    """(role, phone kind) -> (planted phones in any reported gang, planted phones)."""
    reported = {norm(r["node_id"]) for r in csv.DictReader(open(os.path.join(out, "gangs.csv"), encoding="utf-8"))
                if r["node_kind"] == "phone"}
    rows = {}
    for r in csv.DictReader(open(os.path.join(truth, "gangs.csv"), encoding="utf-8-sig")):
        key = (r["role"], r["phone_kind"])
        found, total = rows.get(key, (0, 0))
        rows[key] = (found + (norm(r["phone"]) in reported), total + 1)
    return rows


if __name__ == "__main__":
    main()
