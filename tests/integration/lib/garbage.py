#!/usr/bin/python3
"""Throws garbage at a coordinator's port (tests/integration/garbage.sh).

    garbage.py --connect tcp://127.0.0.1:PORT --wave join|run [--seed N] [--max-bytes N]
    garbage.py --connect tcp://127.0.0.1:PORT --wave flood [--count N] [--hold S]

Two kinds of input:

- input that ZeroMQ itself drops before the coordinator sees it: raw TCP connections
  sending bytes that are not ZMTP, connections (raw and ZeroMQ) that close at once, and a
  frame above the coordinator's ZMQ_MAXMSGSIZE (--max-bytes); none of it is counted, the
  test only checks that it did not disturb the run;
- well-formed ZeroMQ messages the coordinator must refuse, each on a DEALER socket of
  this process's own (so from a peer that is not one of the society's nodes): random
  frames, truncated envelopes, multi-part messages, envelopes of another version, with
  no body, a Hello (wave `run`: after the society is full), Actions for a wrong round or
  from a made-up node id, a Heartbeat, a Bye and an Error. The coordinator answers each
  refusal with one Error or Reject; this program waits for the answers and counts them.

Wave `flood` is one peer that sends --count empty frames (each one a refusal) and never
reads the coordinator's answers, with small receive buffers, then holds its socket open
for --hold seconds (or until killed): a coordinator that blocks on sending an answer to
a peer that does not read stalls there.

It prints `key=value` lines: `sent` (refusable messages sent), `answered` (answers
received), `errors`, `rejects`, `unexpected_answers` (answers that are neither), the
per-kind counts `sent_KIND`/`answered_KIND`, and `raw_connections`, `oversized`. The
random bytes come from --seed, so a run is repeatable.
"""
import argparse
import os
import random
import socket
import sys
import time

sys.dont_write_bytecode = True


def load_pb2(d):
    if d:
        sys.path.insert(0, d)
    import nunchi_pb2  # noqa: E402
    return nunchi_pb2


class Thrower:
    def __init__(self, args, pb):
        import zmq
        self.zmq = zmq
        self.pb = pb
        self.args = args
        self.rng = random.Random(args.seed * 2 + (args.wave == "run"))
        self.ctx = zmq.Context()
        self.socks = []   # (socket, kind, how many answers it is owed)
        self.sent = {}
        self.answered = {}
        self.errors = self.rejects = self.unexpected = 0
        self.quiet_socks = []  # sent what needs no answer; any answer is unexpected
        self.raw = 0
        self.oversized = 0
        host, port = args.connect[len("tcp://"):].rsplit(":", 1)
        self.addr = (host, int(port))

    # ---- helpers

    def env(self, version=1, rnd=0, node=0):
        e = self.pb.Envelope()
        if version:
            e.version = version
        e.round = rnd
        e.node = node
        return e

    def dealer(self):
        s = self.ctx.socket(self.zmq.DEALER)
        s.setsockopt(self.zmq.LINGER, 0)
        s.setsockopt(self.zmq.RCVHWM, 0)
        s.connect(self.args.connect)
        return s

    def refusable(self, kind, frames_list):
        """Sends each message of frames_list (a list of frames) on one new DEALER; every
        one is owed one answer."""
        s = self.dealer()
        for frames in frames_list:
            s.send_multipart(frames)
        self.socks.append((s, kind, len(frames_list)))
        self.sent[kind] = self.sent.get(kind, 0) + len(frames_list)

    def actions(self, rnd, node, n=40):
        e = self.env(rnd=rnd, node=node)
        a = e.actions
        a.SetInParent()
        getattr(a, "from").extend(range(n))
        a.to.extend((i + 1) % n for i in range(n))
        a.seq.extend([0] * n)
        a.value.extend(self.rng.random() for _ in range(n))
        a.state.extend(self.rng.random() for _ in range(n))
        a.digest = self.rng.getrandbits(64)
        return e

    def hello(self):
        e = self.env()
        e.hello.implementation = "garbage"
        e.hello.language = "python"
        e.hello.behaviours.append("deffuant")
        e.hello.pid = os.getpid()
        return e

    # ---- what ZeroMQ drops

    def raw_tcp(self):
        payloads = [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\xff" + b"\x00" * 8 + b"\x7f\x03",
                    b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x03\x00NULL" + b"\x00" * 16]
        payloads += [bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(1, 3000)))
                     for _ in range(12)]
        for p in payloads:
            try:
                c = socket.create_connection(self.addr, timeout=2)
                c.sendall(p)
                c.close()
                self.raw += 1
            except OSError as e:
                sys.exit("garbage.py: raw tcp to %s:%d: %s" % (self.addr + (e,)))
        for _ in range(10):  # connect and close at once, raw and ZeroMQ
            socket.create_connection(self.addr, timeout=2).close()
            self.raw += 1
            s = self.dealer()
            s.close(linger=0)

    def oversize(self):
        big = self.args.max_bytes + 4096
        s = self.dealer()
        s.send(bytes(self.rng.getrandbits(8) for _ in range(256)) * (big // 256 + 1))
        e = self.actions(1, 1, n=8)
        e.actions.value.extend([0.5] * (big // 8 + 16))  # a real envelope, too long
        s2 = self.dealer()
        s2.send(e.SerializeToString())
        self.oversized += 2
        time.sleep(0.3)  # let ZeroMQ hand them over before the sockets close
        s.close(linger=0)
        s2.close(linger=0)

    # ---- what the coordinator must refuse

    def refused(self):
        rng = self.rng
        self.refusable("random", [[bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 600)))]
                                  for _ in range(40)])
        self.refusable("empty", [[b""]])
        good = self.actions(3, 1).SerializeToString()
        cuts = sorted(set([1, 2, 3, 5, 7, 8, 9, 10] + [rng.randint(1, len(good) - 1)
                                                       for _ in range(25)]))
        self.refusable("truncated", [[good[:c]] for c in cuts])
        hb = self.env(rnd=0, node=0)
        hb.heartbeat.SetInParent()
        hbb = hb.SerializeToString()
        self.refusable("multipart", [[hbb, hbb], [hbb, b""], [b"", hbb, hbb], [good, hbb]])
        v2 = self.env(version=2)
        v2.heartbeat.SetInParent()
        v2h = self.hello()
        v2h.version = 2
        v0 = self.env(version=0)
        v0.heartbeat.SetInParent()
        self.refusable("version", [[v2.SerializeToString()], [v2h.SerializeToString()],
                                   [v0.SerializeToString()]])
        self.refusable("no_body", [[self.env(rnd=2, node=1).SerializeToString()]])
        if self.args.wave == "run":
            self.refusable("hello_full", [[self.hello().SerializeToString()]])
        # Actions from a stranger in the name of a node that does not exist are refused;
        # in the name of a joined node, or a Heartbeat, they are what a node whose
        # connection was remade sends before its resume: dropped without an answer
        self.refusable("actions", [[self.actions(999999, 50).SerializeToString()],
                                   [self.actions(0, 1000).SerializeToString()],
                                   [self.actions(5, 77).SerializeToString()],
                                   [self.actions(1, 0xFFFFFFFF).SerializeToString()]])
        quiet = self.dealer()
        quiet.send(hbb)
        if self.args.wave == "run":  # both nodes have joined by then
            quiet.send(self.actions(3, 0).SerializeToString())
        self.quiet_socks.append(quiet)
        bye = self.env(rnd=4, node=1)
        bye.bye.reason = "a stranger says the run is over"
        err = self.env(rnd=4, node=0)
        err.error.code = 4
        err.error.message = "a stranger says a node failed"
        self.refusable("bye_error", [[bye.SerializeToString()], [err.SerializeToString()]])

    def collect(self, timeout_s):
        poller = self.zmq.Poller()
        owed = {}
        for s, kind, n in self.socks:
            poller.register(s, self.zmq.POLLIN)
            owed[s] = (kind, n)
        end = time.monotonic() + timeout_s
        for s in self.quiet_socks:  # owed nothing: an answer there is unexpected
            poller.register(s, self.zmq.POLLIN)
            owed[s] = ("quiet", 0)
        left = sum(n for _, n in owed.values())
        while left and time.monotonic() < end:
            for s, _ in poller.poll(100):
                kind, n = owed[s]
                if kind == "quiet":
                    s.recv_multipart()
                    self.unexpected += 1
                    print("garbage.py: a Heartbeat or a joined node's Actions from a stranger "
                          "was answered", file=sys.stderr)
                    continue
                frames = s.recv_multipart()
                e = self.pb.Envelope()
                try:
                    e.ParseFromString(frames[-1])
                    body = e.WhichOneof("body")
                except Exception:
                    body = None
                if body == "error":
                    self.errors += 1
                elif body == "reject":
                    self.rejects += 1
                else:
                    self.unexpected += 1
                    print("garbage.py: answer to %s is %s" % (kind, body), file=sys.stderr)
                self.answered[kind] = self.answered.get(kind, 0) + 1
                if n > 0:
                    owed[s] = (kind, n - 1)
                    left -= 1

    def close(self):
        for s, _, _ in self.socks:
            s.close(linger=0)
        for s in self.quiet_socks:
            s.close(linger=0)
        self.ctx.term()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--wave", choices=("join", "run", "flood"), required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-bytes", type=int, default=1 << 20)
    ap.add_argument("--pb2-dir", default=os.environ.get("NUNCHI_PB2_DIR"))
    ap.add_argument("--answer-timeout", type=float, default=5.0)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--hold", type=float, default=30.0)
    args = ap.parse_args()
    if args.wave == "flood":
        import zmq
        ctx = zmq.Context()
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.SNDHWM, 0)
        s.setsockopt(zmq.RCVHWM, 1)
        s.setsockopt(zmq.RCVBUF, 4096)
        s.connect(args.connect)
        for _ in range(args.count):
            s.send(b"")
        print("sent=%d" % args.count, flush=True)
        time.sleep(args.hold)
        s.close(linger=0)
        return 0
    t = Thrower(args, load_pb2(args.pb2_dir))
    t.raw_tcp()
    t.oversize()
    t.refused()
    t.collect(args.answer_timeout)
    t.close()
    out = {"sent": sum(t.sent.values()), "answered": sum(t.answered.values()),
           "errors": t.errors, "rejects": t.rejects, "unexpected_answers": t.unexpected,
           "raw_connections": t.raw, "oversized": t.oversized}
    for k, v in sorted(t.sent.items()):
        out["sent_" + k] = v
        out["answered_" + k] = t.answered.get(k, 0)
    for k, v in out.items():
        print("%s=%d" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
