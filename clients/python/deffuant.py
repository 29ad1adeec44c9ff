#!/usr/bin/python3
"""A nunchi node in Python hosting agents of the `deffuant` behaviour.

    /usr/bin/python3 clients/python/deffuant.py --connect tcp://127.0.0.1:5555 --pb2-dir DIR
    /usr/bin/python3 clients/python/deffuant.py --connect tcp://127.0.0.1:5556 --claim NAME

(the second hosts the external population NAME of a `nunchi run` with deffuant agents)

The step is node/behaviours/deffuant.c, operation for operation: fold the inbox in the
order given (x += mu * (v - x) when |v - x| < d), then send x to one random neighbour.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nunchi_agent  # noqa: E402


class Deffuant:
    name = "deffuant"
    # (name, default, min, max), in the order of the C behaviour's parameters
    params = [("d", 0.2, 0.0, 1.0), ("mu", 0.5, 0.0, 1.0)]

    def step(self, a):
        d, mu = a.params
        x = a.x
        for m in a.inbox:
            diff = m.value - x
            if abs(diff) < d:
                x += mu * diff
        a.x = x
        a.send_random(x)


if __name__ == "__main__":
    sys.exit(nunchi_agent.main([Deffuant], "a nunchi node in Python: deffuant agents"))
