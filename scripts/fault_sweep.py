#!/usr/bin/python3
"""The fault sweeps: premise scenarios under planned faults, and the table of
docs/faults.md (between its fault-sweep markers).

    /usr/bin/python3 scripts/fault_sweep.py --nunchi build/nunchi [--seeds 10] [--jobs 2]

Each sweep point is a premise scenario (scenarios/premise/VARIANT.yaml) run as
`nunchi run FILE --seed S --out RUNS/VARIANT-POINT-sS --quiet --set 'faults=[...]'`:
message loss 10, 20 and 30%, 5, 10 and 20% of the agents byzantine (adversarial), and
the society cut in two (its id halves, two halves drawn at random, or its groups) for the
middle third of the rounds.
The figures are those of the premise experiment (scripts/experiment.py reads them), and
five more. A run already in RUNS is read, not made again. The examples in
scenarios/faults/ are points of the grid: each is run again every time, and must give
the digest of its grid point for seed 1. Medians over the seeds, with the smallest and
largest value in brackets. Only the standard library."""

import argparse
import concurrent.futures
import csv
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import experiment  # noqa: E402  (run_one reads a run's figures, fmt prints them)

VARIANTS = ["dense-full", "dense-none", "sparse-full", "sparse-none"]
ROUNDS = 200
MID = [ROUNDS // 3 + 1, 2 * ROUNDS // 3]  # the middle third: rounds 67..133
POINTS = [
    ("no-fault", "[]"),
    ("loss-10", "[{fault: loss, p: 0.1}]"),
    ("loss-20", "[{fault: loss, p: 0.2}]"),
    ("loss-30", "[{fault: loss, p: 0.3}]"),
    ("byzantine-5", "[{fault: byzantine, agents: {share: 0.05}, mode: adversarial}]"),
    ("byzantine-10", "[{fault: byzantine, agents: {share: 0.1}, mode: adversarial}]"),
    ("byzantine-20", "[{fault: byzantine, agents: {share: 0.2}, mode: adversarial}]"),
    ("partition", "[{fault: partition, between: halves, rounds: [%d, %d]}]" % tuple(MID)),
    ("partition-groups", "[{fault: partition, between: groups, rounds: [%d, %d]}]" % tuple(MID)),
    ("partition-random", "[{fault: partition, between: random, rounds: [%d, %d]}]" % tuple(MID)),
]
BEGIN = "<!-- fault-sweep:begin -->"
END = "<!-- fault-sweep:end -->"


def nunchi_run(nunchi, scenario, seed, out, faults, fresh=False):
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    elif os.path.exists(os.path.join(out, "summary.json")):
        return 0  # made before: read, not rerun (remove RUNS after changing a premise file)
    cmd = [nunchi, "run", scenario, "--seed", str(seed), "--out", out, "--quiet"]
    if faults is not None:
        cmd += ["--set", "faults=" + faults]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit("fault_sweep: %s failed (%d): %s" % (" ".join(cmd), done.returncode, done.stderr))
    return 1


def read_one(nunchi, scenario, seed, out):
    r = experiment.run_one(nunchi, scenario, seed, out)  # the run is there: only read
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    mid = [float(x["cooperation_rate"]) for x in rows[MID[0] - 1:MID[1]] if x["cooperation_rate"] != ""]
    r["cooperation_mid"] = statistics.mean(mid) if mid else float("nan")
    r["polarization_mid"] = float(rows[MID[1] - 1]["polarization"])
    fl = s.get("faults", {})  # no section without faults
    r["taken"] = fl.get("lost", 0) + fl.get("partitioned", 0) + fl.get("silenced", 0)
    r["byzantine"] = fl.get("byzantine_messages", 0)
    r["byzantine_acts"] = fl.get("byzantine_acts", 0)
    r["excluded"] = s["messages"]["dropped"].get("excluded", 0)
    r["digest"] = s["digest"]
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nunchi", default="build/nunchi")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=1, help="runs at a time")
    ap.add_argument("--premise", default="scenarios/premise")
    ap.add_argument("--examples", default="scenarios/faults")
    ap.add_argument("--runs", default="runs/fault-sweep")
    ap.add_argument("--doc", default="docs/faults.md")
    a = ap.parse_args()
    t0 = time.time()
    jobs = []  # (variant, point, seed, scenario, out, faults)
    for v in VARIANTS:
        for point, faults in POINTS:
            for seed in range(1, a.seeds + 1):
                out = os.path.join(a.runs, "%s-%s-s%d" % (v, point, seed))
                jobs.append((v, point, seed, os.path.join(a.premise, v + ".yaml"), out, faults))
    examples = sorted(glob.glob(os.path.join(a.examples, "*.yaml")))
    for f in examples:
        name = os.path.basename(f)[:-5]
        jobs.append((None, name, 1, f, os.path.join(a.runs, "example-" + name), None))
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        made = sum(f.result() for f in [pool.submit(nunchi_run, a.nunchi, j[3], j[2], j[4], j[5], j[0] is None) for j in jobs])
    table = {}
    digests = {}
    for v, point, seed, scen, out, faults in jobs:
        if v is None:
            continue
        r = read_one(a.nunchi, scen, seed, out)
        table.setdefault((v, point), []).append(r)
        if seed == 1:
            digests["%s-%s" % (v, point)] = r["digest"]
    # each example in scenarios/faults is a grid point, named VARIANT-POINT
    for f in examples:
        name = os.path.basename(f)[:-5]
        with open(os.path.join(a.runs, "example-" + name, "summary.json")) as fh:
            d = json.load(fh)["digest"]
        if name not in digests:
            sys.exit("fault_sweep: %s is named after no sweep point (VARIANT-POINT, e.g. dense-full-loss-20)" % f)
        if d != digests[name]:
            sys.exit("fault_sweep: %s gives digest %s, its sweep point %s (seed 1) %s" % (f, d, name, digests[name]))
    elapsed = time.time() - t0
    print("fault_sweep: %d runs (%d made now, the rest read from %s) in %.0f s; %d example(s) equal "
          "their sweep points" % (len(jobs), made, a.runs, elapsed, len(examples)), flush=True)
    mid = "rounds %d–%d" % tuple(MID)
    cols = [
        ("cooperation", "cooperation rate (run)", 3),
        ("cooperation_mid", "cooperation, " + mid, 3),
        ("cooperation_late", "cooperation, last 50 rounds", 3),
        ("polarization_mid", "polarization, round %d" % MID[1], 3),
        ("polarization", "polarization (final)", 3),
        ("clusters", "clusters", 0),
        ("agreed", "agreed", 0),
        ("imposed", "imposed", 0),
        ("escalated", "escalated", 0),
        ("compliance", "compliance", 2),
        ("t50", "rounds to 50% adoption", 1),
        ("reached50", "trends reaching 50%", 2),
        ("violations", "violations", 0),
        ("sanctions", "sanctions", 0),
        ("defections", "defections", 0),
        ("taken", "messages lost to the fault", 0),
        ("excluded", "messages dropped: sender excluded", 0),
        ("byzantine", "byzantine messages", 0),
        ("byzantine_acts", "byzantine acts", 0),
    ]
    cmd = "/usr/bin/python3 scripts/fault_sweep.py --nunchi BUILD/nunchi --seeds %d --jobs %d" % (a.seeds, a.jobs)
    lines = [BEGIN, "",
             "Measured %s with `%s` (`make fault-sweep` runs it with `SEEDS`, 10 by default); "
             "%d seeds per point, %d runs (%d made, %.0f s in all on %d job(s)); medians over the "
             "seeds, [smallest–largest]." % (time.strftime("%Y-%m-%d"), cmd, a.seeds, len(jobs), made, elapsed, a.jobs),
             ""]
    for g in [cols[:6], cols[6:12], cols[12:]]:
        lines.append("| scenario | fault | " + " | ".join(c[1] for c in g) + " |")
        lines.append("| --- | --- | " + " | ".join("---" for _ in g) + " |")
        for (v, point), res in table.items():
            lines.append("| %s | %s | " % (v, point) + " | ".join(experiment.fmt([r[c[0]] for r in res], c[2]) for c in g) + " |")
        lines.append("")
    lines.append(END)
    block = "\n".join(lines)
    text = open(a.doc).read()
    if BEGIN not in text or END not in text:
        sys.exit("fault_sweep: %s has no %s ... %s markers to put the table between" % (a.doc, BEGIN, END))
    text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    with open(a.doc, "w") as f:
        f.write(text)
    print(block)


if __name__ == "__main__":
    main()
