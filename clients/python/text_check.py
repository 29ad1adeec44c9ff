#!/usr/bin/python3
"""Checks the texts of a run of talker nodes (talker.py, talker.js) against the
coordinator's transcript.jsonl (python_client.sh, node_client.sh).

    text_check.py RUN_DIR HEARD_FILE... --agents N --rounds R

Every agent said, in every round, "agent ID heard N — round R" (one transcript line each,
N the deliveries of its inbox that carried a text); the HEARD_FILEs (--heard of the
nodes, between them every agent of the society) hold exactly the texts the transcript
says reached each receiver, heard one round after they were said, by the right sender;
every node heard texts said on another node. Exit status 1 with what is wrong.
"""
import argparse
import collections
import json
import re
import sys

TALK = re.compile(r"^agent (\d+) heard (\d+) \u2014 round (\d+)$")


def lines(path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                yield n, json.loads(line)
            except ValueError as e:
                sys.exit("text_check: %s:%d: not JSON (%s)" % (path, n, e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("heard", nargs="+")
    ap.add_argument("--agents", type=int, required=True)
    ap.add_argument("--rounds", type=int, required=True)
    args = ap.parse_args()
    tpath = args.run_dir + "/transcript.jsonl"
    said = {}  # (round, from) -> (text, receivers)
    for n, e in lines(tpath):
        key = (e["round"], e["from"])
        if key in said:
            sys.exit("text_check: %s:%d: agent %d said two texts in round %d" % (tpath, n,
                                                                               key[1], key[0]))
        m = TALK.match(e["text"])
        if not m or int(m.group(1)) != e["from"] or int(m.group(3)) != e["round"]:
            sys.exit("text_check: %s:%d: agent %d in round %d said %r, not 'agent %d heard N "
                     "\u2014 round %d'" % (tpath, n, e["from"], e["round"], e["text"],
                                          e["from"], e["round"]))
        said[key] = (e["text"], set(e["to"]), int(m.group(2)))
    want = {(r, a) for r in range(1, args.rounds + 1) for a in range(args.agents)}
    if set(said) != want:
        miss = sorted(want - set(said))[:3]
        extra = sorted(set(said) - want)[:3]
        sys.exit("text_check: %s has %d texts, not one per agent and round (%d): missing "
                 "%s, unexpected %s" % (tpath, len(said), len(want), miss, extra))
    heard = collections.Counter()  # (round, from, to, text)
    node_of = {}  # receiver -> its heard file
    for path in args.heard:
        for n, e in lines(path):
            heard[(e["round"], e["from"], e["to"], e["text"])] += 1
            if node_of.setdefault(e["to"], path) != path:
                sys.exit("text_check: agent %d hears in both %s and %s" % (e["to"], path,
                                                                         node_of[e["to"]]))
    expect = collections.Counter()
    for (r, s), (text, to, _) in said.items():
        if r < args.rounds:
            for t in to:
                expect[(r + 1, s, t, text)] += 1
    if set(heard) != set(expect):
        bad = sorted(set(heard) - set(expect))[:3]
        miss = sorted(set(expect) - set(heard))[:3]
        sys.exit("text_check: the texts heard are not those the transcript delivered: heard "
                 "but not delivered %s; delivered but not heard %s" % (bad, miss))
    per_receiver = collections.Counter((r, t) for (r, _, t, _), k in heard.items()
                                       for _ in range(k))
    for (r, a), (text, _, n) in said.items():
        if n != per_receiver[(r, a)]:
            sys.exit("text_check: agent %d in round %d said %r but heard %d texts" %
                     (a, r, text, per_receiver[(r, a)]))
    counted = sum(n for (r, _), (_, _, n) in said.items())
    if counted == 0:
        sys.exit("text_check: no agent heard a text")
    across = collections.Counter()
    for (r, s, t, _) in heard:
        if node_of.get(s) is not None and node_of[s] != node_of[t]:
            across[node_of[t]] += 1
    for path in args.heard:
        if across[path] == 0:
            sys.exit("text_check: the agents of %s heard no text said on another node" % path)
    print("ok: %d texts said, %d heard (%s across nodes)" %
          (len(said), sum(heard.values()), ", ".join(str(across[p]) for p in args.heard)))


if __name__ == "__main__":
    main()
