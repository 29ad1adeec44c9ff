#!/usr/bin/python3
"""A nunchi node in Python hosting `deffuant` agents that talk.

    /usr/bin/python3 clients/python/talker.py --connect tcp://127.0.0.1:5555 --heard FILE

Each agent takes deffuant's step unchanged (deffuant.py), then says what it heard:
"agent ID heard N — round R", N being the deliveries of its inbox that carried a text.
A text does not enter the digest and does not change the step, so a society of talkers
gives the digest of the same society of plain deffuant agents; the coordinator writes the
texts to transcript.jsonl, and --heard FILE (any node) writes the texts its agents heard.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nunchi_agent  # noqa: E402
from deffuant import Deffuant  # noqa: E402


class Talker(Deffuant):
    name = "deffuant"

    def step(self, a):
        Deffuant.step(self, a)
        n = sum(1 for m in a.inbox if m.text is not None)
        a.say("agent %d heard %d \u2014 round %d" % (a.id, n, a.round))


if __name__ == "__main__":
    sys.exit(nunchi_agent.main([Talker], "a nunchi node in Python: deffuant agents that talk"))
