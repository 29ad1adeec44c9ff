"""Watches a run's metrics.csv (one row a round, flushed as it is written) and, for the
timed link cut, runs a command when a round is done and another one CUT_S later.

    /usr/bin/python3 watch.py METRICS ROUNDS TIMEOUT_S [AFTER_ROUND CUT_S DOWN_CMD UP_CMD]

It prints a JSON object: `cut` (the times the link went down and up, relative to the
first row, or null), and ends when ROUNDS rows are there or TIMEOUT_S has passed.
"""
import json
import os
import subprocess
import sys
import time


def rows(path):
    try:
        with open(path) as f:
            return max(0, sum(1 for line in f if line.endswith("\n")) - 1)
    except OSError:
        return 0


def main():
    path, rounds, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    cut = None
    if len(sys.argv) > 4:
        after, cut_s, down, up = int(sys.argv[4]), float(sys.argv[5]), sys.argv[6], sys.argv[7]
    t0 = time.monotonic()
    seen = 0
    while seen < rounds and time.monotonic() - t0 < timeout:
        seen = rows(path)
        if cut is None and len(sys.argv) > 4 and seen >= after:
            t_down = time.monotonic()
            subprocess.run(down, shell=True, check=True)
            time.sleep(cut_s)
            subprocess.run(up, shell=True, check=True)
            t_up = time.monotonic()
            cut = {"after_round": seen, "down_s": round(t_up - t_down, 3)}
            continue
        time.sleep(0.002)
    json.dump({"cut": cut, "rows": seen}, sys.stdout)
    print()
    return 0 if cut is not None or len(sys.argv) <= 4 else 1


if __name__ == "__main__":
    sys.exit(main())
