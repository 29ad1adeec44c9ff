#!/usr/bin/python3
"""A deffuant node that also spoofs (tests/integration/spoof.sh).

    spoof_node.py --connect tcp://127.0.0.1:PORT --count-file FILE [--pb2-dir DIR]

It is clients/python/deffuant.py (the reference node, imported as a library) for its own
agents, so its states and digest are right; but every Actions also carries

- messages whose `from` is an agent it was not given: three (seqs 0, 1, 2) from another
  node's agent, one from `agents_total` and one from 2^32 - 2, to real agents (its own
  and others') with the extreme values 0 and 1, so that a delivered one would change the
  digest;
- acts (complaints) by agents it does not host: the lowest and the highest id it was not
  given and `agents_total` + 3, in ascending order;

always within the protocol's ordering rules (seqs 0, 1, ... per sender, act_agent
ascending), so the codec accepts the batch and only the coordinator's rules stand in the
way. It writes `foreign_messages=N` and `foreign_acts=N` (what it sent in all) to FILE.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "clients", "python"))
import nunchi_agent  # noqa: E402
import deffuant  # noqa: E402

ACT_COMPLAIN = 1
SPOOFED = {"messages": 0, "acts": 0}


class SpoofNode(nunchi_agent.Node):
    """nunchi_agent.Node that remembers who it is not."""

    def __init__(self, welcome, *args, **kwargs):
        super().__init__(welcome, *args, **kwargs)
        self.total = welcome.agents_total
        mine = set(self.ids)
        others = [i for i in range(self.total) if i not in mine]
        if not others:
            raise nunchi_agent.ProtocolError(nunchi_agent.EINVAL,
                                             "spoof_node: this node hosts every agent")
        self.other = others[0]
        self.act_agents = sorted({others[0], others[-1], self.total + 3})
        self.targets = [self.ids[0], self.ids[-1], others[0], others[-1]]


class SpoofSession(nunchi_agent.Session):
    def _fill_actions(self, env, node, rnd, msgs):
        super()._fill_actions(env, node, rnd, msgs)
        a = env.actions
        frm = getattr(a, "from")
        spoof = [(node.other, s) for s in range(3)] + [(node.total, 0), (0xFFFFFFFE, 0)]
        for k, (sender, seq) in enumerate(spoof):
            frm.append(sender)
            a.to.append(node.targets[(k + rnd) % len(node.targets)])
            a.seq.append(seq)
            a.value.append(float((k + rnd) % 2))
        for agent in node.act_agents:
            a.act_agent.append(agent)
            a.act_kind.append(ACT_COMPLAIN)
            a.act_case.append(0)
            a.act_other.append(node.ids[0] + 1)
            a.act_value.append(0.5)
        SPOOFED["messages"] += len(spoof)
        SPOOFED["acts"] += len(node.act_agents)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--count-file", required=True)
    ap.add_argument("--pb2-dir")
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    pb2 = nunchi_agent.load_pb2(args.pb2_dir)
    nunchi_agent.Node = SpoofNode  # Session.run makes its Node by this name
    table = {deffuant.Deffuant.name: deffuant.Deffuant()}
    rc = SpoofSession(args.connect, pb2, implementation="nunchi-spoof").run(table, args.timeout)
    with open(args.count_file, "w") as f:
        f.write("foreign_messages=%d\nforeign_acts=%d\n" % (SPOOFED["messages"], SPOOFED["acts"]))
    print("spoof_node: sent %d messages from foreign senders and %d foreign acts"
          % (SPOOFED["messages"], SPOOFED["acts"]), file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
