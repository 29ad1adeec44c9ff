#!/usr/bin/python3
"""A scripted coordinator that checks one node's session (docs/protocol.md): claims,
parameters keyed by their index in the behaviour's own list, heartbeats, a resume on the same socket,
repeated and old ticks, and a refused resume. For the tests of the reference clients
(tests/integration/python_client.sh, node_client.sh), run against nunchi-node as well.

    /usr/bin/python3 clients/python/session_check.py --pb2-dir DIR --port-file F MODE

binds a ROUTER on a free tcp port of 127.0.0.1 and writes the port to F; start the node
after that with --connect tcp://127.0.0.1:PORT and a claim of the population `ext-a` for
deffuant. MODE `resume`: prints one line of JSON with what the node answered (compare it
between nodes) and exits 0 when the session went as the protocol says, else 1 naming
what went wrong; the node must then exit 1 with "(session)". MODE `silent`: a Welcome
without heartbeat_s and a liveness of 1 s, then silence; the node must send no
heartbeat and leave on its liveness.
"""
import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nunchi_agent  # noqa: E402

SESSION = 0x5EC0DE
NODE = 3
BEAT = 0.2


class Check:
    def __init__(self, pb, sock):
        self.pb = pb
        self.sock = sock
        self.peer = None
        self.beats = []  # (time, round) of the heartbeats seen

    def fail(self, why):
        print("session_check: %s" % why, file=sys.stderr)
        sys.exit(1)

    def send(self, rnd, fill, node=NODE):
        env = self.pb.Envelope()
        env.version = 1
        env.round = rnd
        env.node = node
        fill(env)
        self.sock.send_multipart([self.peer, env.SerializeToString()])

    def recv(self, timeout_s, beats=True):
        """The next envelope other than a heartbeat (those are kept), or None."""
        end = time.monotonic() + timeout_s
        while True:
            left = end - time.monotonic()
            if left <= 0 or not self.sock.poll(int(left * 1000) + 1):
                return None
            peer, frame = self.sock.recv_multipart()
            if self.peer is None:
                self.peer = peer
            elif peer != self.peer:
                self.fail("a second peer")
            env = self.pb.Envelope()
            env.ParseFromString(frame)
            if env.version != 1:
                self.fail("an envelope of version %d" % env.version)
            if env.WhichOneof("body") == "heartbeat" and beats:
                if env.node != NODE:
                    self.fail("a heartbeat from node %d, not %d" % (env.node, NODE))
                self.beats.append((time.monotonic(), env.round))
                continue
            return env, frame

    def expect(self, kind, timeout_s, what):
        got = self.recv(timeout_s)
        if got is None:
            self.fail("%s: nothing within %g s" % (what, timeout_s))
        env, frame = got
        if env.WhichOneof("body") != kind:
            detail = env.error.message if env.WhichOneof("body") == "error" else ""
            self.fail("%s: a %s, not a %s %s" % (what, env.WhichOneof("body"), kind, detail))
        return env, frame


def welcome(e, beat, liveness):
    w = e.welcome
    w.node = NODE
    w.session = SESSION
    w.seed = 7
    w.rounds = 4
    w.agents_total = 4
    w.dim = 1
    p = w.populations.add()
    p.behaviour = "voter"  # no hosted agent has it: a node need not run it
    p = w.populations.add()
    p.behaviour = "external"
    p.name = "ext-a"
    # not the behaviour's order: mu is drawn with key 1 (its index in deffuant's own
    # list: d, mu), d constant
    p.param_name.extend(["mu", "d"])
    p.param_value.extend([0.2, 0.9])
    p.param_dist.extend([1, 0])
    p.param_b.extend([0.8, 0.0])
    w.agent.extend([1, 2])
    w.population.extend([1, 1])
    w.state.extend([0.25, 0.75])
    w.neighbour_offset.extend([0, 1, 2])
    w.neighbour.extend([2, 1])
    w.deadline_s = 5
    w.liveness_s = liveness
    w.heartbeat_s = beat
    w.role.extend([0, 0])
    w.group.extend([0, 0])
    w.superior.extend([0, 0])


def tick(e, deliveries):
    e.tick.SetInParent()
    for to, frm, v in deliveries:
        e.tick.to.append(to)
        getattr(e.tick, "from").append(frm)
        e.tick.seq.append(0)
        e.tick.value.append(v)


def summary(env):
    a = env.actions
    return {"round": env.round, "node": env.node, "from": list(getattr(a, "from")),
            "to": list(a.to), "seq": list(a.seq), "value": [float.hex(v) for v in a.value],
            "state": [float.hex(v) for v in a.state], "digest": "%016x" % a.digest}


def hello_of(c, what):
    env, _ = c.expect("hello", 10, what)
    h = env.hello
    if list(h.claims) != ["ext-a"]:
        c.fail("%s: claims %s, not ['ext-a']" % (what, list(h.claims)))
    if "deffuant" not in h.behaviours:
        c.fail("%s: behaviours %s lack deffuant" % (what, list(h.behaviours)))
    return env


def resume(c):
    env = hello_of(c, "the first hello")
    if env.hello.session != 0 or env.node != 0:
        c.fail("the first hello has session %d, node %d (0, 0)" % (env.hello.session, env.node))
    c.send(0, lambda e: welcome(e, BEAT, 30), node=0)
    out = []
    c.send(1, lambda e: tick(e, []))
    env, first = c.expect("actions", 5, "the actions of round 1")
    out.append(summary(env))
    # the same tick again: the same answer, byte for byte, and no second step
    c.send(1, lambda e: tick(e, []))
    env, again = c.expect("actions", 5, "the answer to a repeated tick of round 1")
    if again != first:
        c.fail("a repeated tick of round 1 is answered otherwise: %s, then %s"
               % (summary(env), out[0]))
    c.send(2, lambda e: tick(e, [(1, 2, 0.5), (2, 1, 0.6)]))
    env, _ = c.expect("actions", 5, "the actions of round 2")
    out.append(summary(env))
    # an older tick is ignored: only heartbeats for a while, then a resume
    c.send(1, lambda e: tick(e, []))
    t0 = time.monotonic()
    env, _ = c.expect("hello", 3 * BEAT * 3, "a resume after silence")
    waited = time.monotonic() - t0
    if waited < 3 * BEAT * 0.9:
        c.fail("a resume after %.2f s of silence (3 heartbeats of %g s)" % (waited, BEAT))
    if env.hello.session != SESSION or env.node != NODE:
        c.fail("the resume has session %x, node %d (%x, %d)"
               % (env.hello.session, env.node, SESSION, NODE))
    beats = [b for b in c.beats if b[0] >= t0]
    if len(beats) < 2 or any(r != 2 for _, r in beats):
        c.fail("heartbeats while silent: %s (2 or more, of round 2)" % [r for _, r in beats])
    c.beats = []

    def resumed(e):
        w = e.welcome
        w.node, w.session, w.seed, w.rounds, w.agents_total, w.dim = NODE, SESSION, 7, 4, 4, 1
        w.liveness_s, w.heartbeat_s = 30, BEAT
        w.resumed = True
        w.round = 2
        w.neighbour_offset.append(0)  # no agents: an assignment to keep
    c.send(0, resumed)
    # the tick of round 2 again (its answer was lost, say), then round 3
    c.send(2, lambda e: tick(e, [(1, 2, 0.5), (2, 1, 0.6)]))
    env, _ = c.expect("actions", 5, "the answer to round 2 after the resume")
    if summary(env) != out[1]:
        c.fail("round 2 after the resume: %s, not %s" % (summary(env), out[1]))
    c.send(3, lambda e: tick(e, [(1, 2, 0.75), (2, 1, 0.1)]))
    env, _ = c.expect("actions", 5, "the actions of round 3")
    out.append(summary(env))
    # silence again: the next resume is refused
    env, _ = c.expect("hello", 3 * BEAT * 3, "a second resume")

    def reject(e):
        e.reject.reason = "session"
        e.reject.detail = "session %x is over" % SESSION
    c.send(0, reject)
    print(json.dumps(out, sort_keys=True))


def silent(c):
    hello_of(c, "the hello")
    c.send(0, lambda e: welcome(e, 0.0, 1.0), node=0)
    got = c.recv(2.0)
    if got is not None:
        c.fail("a %s from a node told no heartbeat interval" % got[0].WhichOneof("body"))
    if c.beats:
        c.fail("%d heartbeats from a node told no heartbeat interval" % len(c.beats))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["resume", "silent"])
    ap.add_argument("--pb2-dir")
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    pb = nunchi_agent.load_pb2(args.pb2_dir)
    import zmq
    sock = zmq.Context.instance().socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 1000)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)
    c = Check(pb, sock)
    (resume if args.mode == "resume" else silent)(c)
    time.sleep(0.3)
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
