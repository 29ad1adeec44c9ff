#!/usr/bin/python3
"""The premise experiment: runs every scenario of scenarios/premise for several seeds
and writes the table of docs/experiments.md (between its experiment markers).

    /usr/bin/python3 scripts/experiment.py --nunchi build/nunchi [--seeds 10]

Each run is `nunchi run FILE --seed S --out RUNS/NAME-sS --quiet`; the figures come from
the run's summary.json and metrics.csv. Medians over the seeds, with the smallest and
largest value in brackets. Only the standard library is used."""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time

SOCIETIES = ["dense", "sparse"]
INSTITUTIONS = ["none", "norms", "cases", "majority", "mediation", "arbitration", "full"]
BEGIN = "<!-- experiment:begin -->"
END = "<!-- experiment:end -->"


def run_one(nunchi, scenario, seed, out):
    if not os.path.exists(os.path.join(out, "summary.json")):
        cmd = [nunchi, "run", scenario, "--seed", str(seed), "--out", out, "--quiet"]
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit("experiment: %s failed (%d): %s" % (" ".join(cmd), done.returncode, done.stderr))
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    tail = [float(r["cooperation_rate"]) for r in rows[-50:] if r["cooperation_rate"] != ""]
    cases = s.get("cases", {})
    outcomes = cases.get("outcomes", {})
    trends = s.get("trends", [])
    t50 = [t["rounds_to_50"] for t in trends if t["rounds_to_50"] is not None]
    viol = s.get("norms", {}).get("violations", {})
    # violations are counted only where a norm is declared; the cooperation game's
    # defections are counted either way, so they are reported on their own
    return {
        "cooperation": s["game"]["cooperation_rate"],
        "cooperation_late": statistics.mean(tail) if tail else float("nan"),
        "polarization": s["opinions"]["polarization"],
        "clusters": s["opinions"]["clusters"],
        "agreed": outcomes.get("agreed", 0),
        "imposed": outcomes.get("imposed", 0),
        "tolerated": outcomes.get("tolerated", 0),
        "escalated": outcomes.get("escalated", 0),
        "compliance": cases.get("compliance_rate"),
        "t50": statistics.mean(t50) if t50 else None,
        "reached50": len(t50) / len(trends) if trends else 0.0,
        "violations": sum(viol.values()),
        "sanctions": sum(s.get("norms", {}).get("sanctions", {}).values()),
        "defections": s["game"]["defect"],
    }


def fmt(values, digits):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    med = statistics.median(values)
    if digits == 0:
        return "%d [%d–%d]" % (round(med), round(min(values)), round(max(values)))
    return "%.*f [%.*f–%.*f]" % (digits, med, digits, min(values), digits, max(values))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nunchi", default="build/nunchi")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--scenarios", default="scenarios/premise")
    ap.add_argument("--runs", default="runs/experiment")
    ap.add_argument("--doc", default="docs/experiments.md")
    a = ap.parse_args()
    t0 = time.time()
    table = {}
    for soc in SOCIETIES:
        for inst in INSTITUTIONS:
            name = "%s-%s" % (soc, inst)
            scen = os.path.join(a.scenarios, name + ".yaml")
            res = []
            for seed in range(1, a.seeds + 1):
                res.append(run_one(a.nunchi, scen, seed, os.path.join(a.runs, "%s-s%d" % (name, seed))))
            table[name] = res
            print("experiment: %-20s %d seeds done (%.0f s)" % (name, a.seeds, time.time() - t0), flush=True)
    cols = [
        ("cooperation", "cooperation rate (run)", 3),
        ("cooperation_late", "cooperation, last 50 rounds", 3),
        ("polarization", "polarization (final)", 3),
        ("clusters", "clusters", 0),
        ("agreed", "agreed", 0),
        ("imposed", "imposed", 0),
        ("tolerated", "tolerated", 0),
        ("escalated", "escalated", 0),
        ("compliance", "compliance", 2),
        ("t50", "rounds to 50% adoption", 1),
        ("reached50", "trends reaching 50%", 2),
        ("violations", "violations", 0),
        ("sanctions", "sanctions", 0),
        ("defections", "defections", 0),
    ]
    lines = [BEGIN, "",
             "Measured %s with `make experiment` (%d seeds per scenario, %.0f s in all); "
             "medians over the seeds, [smallest–largest]." % (time.strftime("%Y-%m-%d"), a.seeds, time.time() - t0),
             ""]
    groups = [cols[:4], cols[4:9], cols[9:]]
    for g in groups:
        lines.append("| scenario | " + " | ".join(c[1] for c in g) + " |")
        lines.append("| --- | " + " | ".join("---" for _ in g) + " |")
        for name, res in table.items():
            lines.append("| %s | " % name + " | ".join(fmt([r[c[0]] for r in res], c[2]) for c in g) + " |")
        lines.append("")
    lines.append(END)
    block = "\n".join(lines)
    text = open(a.doc).read() if os.path.exists(a.doc) else "# Experiments\n\n%s\n%s\n" % (BEGIN, END)
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text += "\n" + block + "\n"
    with open(a.doc, "w") as f:
        f.write(text)
    print(block)


if __name__ == "__main__":
    main()
