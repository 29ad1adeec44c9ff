"""A userspace netem for kernels without sch_netem: each link is a pair of TUN devices,
one moved into the coordinator's namespace and one into a node's, and this process
carries every IP packet between them, delayed, lost, duplicated or reordered as netem
would. netfault.sh uses it only where `tc qdisc add ... netem` is refused.

    /usr/bin/python3 wire.py CONTROL_FILE READY_FILE TUNA:TUNB [TUNA:TUNB ...]

It creates the TUN devices (named as given, in its own namespace: the caller moves and
addresses them), writes READY_FILE, and on SIGHUP reads CONTROL_FILE, one netem-like
line for every link (empty: no impairment): `delay 50ms 10ms`, `loss 10%`,
`duplicate 5%`, `delay 20ms reorder 25% 50%`. It runs until killed. A packet written
to a TUN device that is down (a cut link) is lost, like a cable pulled.
"""
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def pct(word):
    return float(word.rstrip("%")) / 100.0


def ms(word):
    """A netem time: 50ms, 1.5s, or microseconds without a unit, in seconds."""
    if word.endswith("ms"):
        return float(word[:-2]) / 1e3
    if word.endswith("us"):
        return float(word[:-2]) / 1e6
    if word.endswith("s"):
        return float(word[:-1])
    return float(word) / 1e6


def parse(line):
    """A netem argument line, as the subset netfault.sh uses."""
    spec = {"delay": 0.0, "jitter": 0.0, "loss": 0.0, "duplicate": 0.0, "reorder": 0.0, "corr": 0.0}
    w = line.split()
    i = 0
    while i < len(w):
        k = w[i]
        if k == "delay":
            spec["delay"] = ms(w[i + 1])
            i += 2
            if i < len(w) and w[i][0].isdigit():
                spec["jitter"] = ms(w[i])
                i += 1
        elif k in ("loss", "duplicate", "reorder"):
            spec[k] = pct(w[i + 1])
            i += 2
            if i < len(w) and w[i][0].isdigit():
                spec["corr"] = pct(w[i])
                i += 1
        else:
            raise SystemExit("wire.py: unknown netem word '%s' in '%s'" % (k, line))
    return spec


def main():
    ctl, ready = sys.argv[1], sys.argv[2]
    rng = random.Random(77)
    fds, peer = [], {}
    for pair in sys.argv[3:]:
        a, b = pair.split(":")
        fa, fb = open_tun(a), open_tun(b)
        fds += [fa, fb]
        peer[fa], peer[fb] = fb, fa
    state = {"spec": parse(""), "reload": False, "last_reorder": False}
    signal.signal(signal.SIGHUP, lambda *_: state.__setitem__("reload", True))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(ready, "w") as f:
        f.write("ready\n")
    queue, seq = [], 0

    def put(when, fd, pkt):
        nonlocal seq
        seq += 1
        heapq.heappush(queue, (when, seq, fd, pkt))

    while True:
        if state["reload"]:
            state["reload"] = False
            with open(ctl) as f:
                state["spec"] = parse(f.read().strip())
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, fd, pkt = heapq.heappop(queue)
            try:
                os.write(fd, pkt)
            except OSError:
                pass  # the device is down: the packet is lost on a cut link
        timeout = max(0.0, queue[0][0] - now) if queue else 0.2
        try:
            readable, _, _ = select.select(fds, [], [], timeout)
        except InterruptedError:
            continue
        s = state["spec"]
        for fd in readable:
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except (BlockingIOError, OSError):
                    break
                now = time.monotonic()
                if s["loss"] and rng.random() < s["loss"]:
                    continue
                d = s["delay"]
                if s["jitter"]:
                    d = max(0.0, d + rng.uniform(-s["jitter"], s["jitter"]))
                if s["reorder"]:
                    # netem: reorder% of the packets (with correlation) go at once, the
                    # others wait the delay, so the early ones overtake them
                    p = s["corr"] * (1.0 if state["last_reorder"] else 0.0) + (1 - s["corr"]) * s["reorder"]
                    state["last_reorder"] = rng.random() < p
                    if state["last_reorder"]:
                        d = 0.0
                put(now + d, peer[fd], pkt)
                if s["duplicate"] and rng.random() < s["duplicate"]:
                    put(now + d, peer[fd], pkt)


if __name__ == "__main__":
    main()
