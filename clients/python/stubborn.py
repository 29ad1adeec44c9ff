#!/usr/bin/python3
"""A nunchi node in Python hosting agents of the `stubborn` behaviour, and of
`deffuant` too (a society with stubborn agents usually has others to hold firm against).

    /usr/bin/python3 clients/python/stubborn.py --connect tcp://127.0.0.1:5555 --pb2-dir DIR

The step is node/behaviours/stubborn.c: never change, tell one random neighbour.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nunchi_agent  # noqa: E402
from deffuant import Deffuant  # noqa: E402


class Stubborn:
    name = "stubborn"
    params = []

    def step(self, a):
        a.send_random(a.x)


if __name__ == "__main__":
    sys.exit(nunchi_agent.main([Stubborn, Deffuant],
                               "a nunchi node in Python: stubborn and deffuant agents"))
