"""A small library for writing a nunchi node in Python (docs/protocol.md, version 1).

A node connects one ZeroMQ DEALER socket to a coordinator (`nunchi serve SCENARIO
--bind tcp://...`), says Hello, is given agents in a Welcome, answers each round's Tick
with one Actions, and leaves on Bye. This module holds that session, nunchi's
counter-based random generator and its digest arithmetic (uint64 arithmetic is done on
Python ints masked to 64 bits; doubles are IEEE binary64 in the C code's operation
order), so that a behaviour written in Python gives, draw for draw, the digest of the
same behaviour run by the built-in C node.

The protobuf module is generated from proto/nunchi.proto:

    protoc --python_out=DIR --proto_path=SRC/proto SRC/proto/nunchi.proto

and found in the directory given by --pb2-dir or the environment variable
NUNCHI_PB2_DIR (else on the normal import path).

A behaviour is a class with `name`, `params` (a list of (name, default, min, max)) and a
method `step(agent)`; see deffuant.py. An agent may say one short text a round
(`agent.say(text)`: at most 280 bytes of UTF-8, no NUL), which goes with every message it
sends that round; each delivery of its inbox has the sender's text (`m.text`, None when
the sender said none); see talker.py.
"""

import argparse
import importlib
import json
import math
import os
import struct
import sys
import time

M = (1 << 64) - 1
PROTOCOL_VERSION = 1
STREAM_BEHAVIOUR = 4
STREAM_TRAITS = 5
EXTERNAL = "external"  # the behaviour of a population hosted by the nodes that claim it
RESUME_BEATS = 3  # silent heartbeat intervals before asking to resume
NOTICE_TREND = 10
TEXT_BYTES = 280  # the longest text an agent may say, in bytes of UTF-8 (NN_TEXT_BYTES)
MAX_MESSAGE_BYTES = 1 << 30

# nn_err_t codes used here
EINVAL = 2
EPROTO = 4
EPEER = 9


# ---------------------------------------------------------------- arithmetic


def mix64(z):
    """nn_mix64: SplitMix64's finaliser on a uint64."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def double_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def digest_agent(agent_id, x):
    """nn_digest_agent: the hash of one agent's opinion (-0.0 hashes as +0.0)."""
    if x == 0.0:
        x = 0.0
    h = mix64((agent_id * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & M)
    return mix64(h ^ double_bits(x))


def digest_agent_full(agent_id, x, trends=0, memory=0):
    """nn_digest_agent_full: with the agent's trends and memory words."""
    h = digest_agent(agent_id, x)
    if trends or memory:
        k = ((((agent_id << 1) | 1) * 0xD6E8FEB86659FD93) & M) ^ trends
        h = (h + mix64(mix64(k) ^ ((memory * 0x9E3779B97F4A7C15) & M))) & M
    return h


def stream_key(seed, stream):
    """nn_rng_stream_key: the part of a key that depends on (seed, stream) only."""
    k = mix64((seed + 0x9E3779B97F4A7C15) & M)
    return mix64(k ^ ((stream * 0xD1B54A32D192ED03) & M))


def rng_key(skey, agent, rnd):
    """nn_rng_init_keyed: the key of (stream key, agent, round)."""
    k = mix64(skey ^ ((agent * 0xAEF17502108EF2D9) & M))
    return mix64(k ^ ((rnd * 0xF1357AEA2E62A9C5) & M))


class Rng:
    """nunchi's counter-based generator positioned at draw 0 of a key."""

    __slots__ = ("key", "draw")

    def __init__(self, key):
        self.key = key
        self.draw = 0

    @classmethod
    def of(cls, seed, stream, agent, rnd):
        return cls(rng_key(stream_key(seed, stream), agent, rnd))

    def u64(self):
        self.draw += 1
        return mix64((self.key + self.draw * 0x9E3779B97F4A7C15) & M)

    def unit(self):
        return float(self.u64() >> 11) * (2.0 ** -53)

    def below(self, n):
        """An integer in [0, n) without bias (Lemire's method with rejection)."""
        threshold = ((1 << 64) - n) % n
        while True:
            m = self.u64() * n
            lo = m & M
            if lo >= n or lo >= threshold:
                return m >> 64

    def normal(self):
        u1 = 1.0 - self.unit()
        u2 = self.unit()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(6.283185307179586 * u2)


def self_test():
    """The test vectors of docs/protocol.md; raises ValueError naming the first mismatch."""
    r = Rng.of(42, STREAM_BEHAVIOUR, 7, 1)
    s = sum(digest_agent(i, x) for i, x in ((7, 0.5), (8, 0.25), (9, 1.0))) & M
    checks = [
        ("mix64(1)", mix64(1), 0x5692161D100B05E5),
        ("digest_agent(7, 0.5)", digest_agent(7, 0.5), 0xED245293B7FCE3B1),
        ("digest_agent(0, -0.0)", digest_agent(0, -0.0), 0x58016DF76F315627),
        ("digest_agent(0, 0.0)", digest_agent(0, 0.0), 0x58016DF76F315627),
        ("node digest of 7, 8, 9", s, 0x665006962D239DFC),
        ("digest_agent_full(7, 0.5, 0, 0)", digest_agent_full(7, 0.5, 0, 0),
         digest_agent(7, 0.5)),
        ("digest_agent_full(7, 0.5, 5, 0)", digest_agent_full(7, 0.5, 5, 0),
         0xDD796722EA8F13ED),
        ("digest_agent_full(7, 0.5, 0, 42)", digest_agent_full(7, 0.5, 0, 42),
         0x1BAE157468F2FC71),
        ("digest_agent_full(7, 0.5, 5, 42)", digest_agent_full(7, 0.5, 5, 42),
         0xD274BC922B9D7EEF),
        ("key(42, 4, 7, 1)", r.key, 0xCA7F5C75C2DCDE24),
        ("draw 0", r.u64(), 0x6634E1DD255942DD),
        ("draw 1", r.u64(), 0x1FE7365407215665),
        ("unit() at draw 0", Rng(r.key).unit(), 0.39924441956586509),
        ("below(16) at draw 0", Rng(r.key).below(16), 6),
    ]
    for what, got, want in checks:
        if got != want:
            raise ValueError("nunchi_agent self-test: %s is %r, not %r" % (what, got, want))


# ---------------------------------------------------------------- texts


def text_problem(text):
    """None when text (str, or bytes of UTF-8) is one an agent may say, else what is wrong
    with it (nn_text_valid: at most TEXT_BYTES bytes of well-formed UTF-8, no NUL)."""
    if isinstance(text, str):
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError as e:
            return "it is not well-formed UTF-8 (%s)" % e.reason
    elif isinstance(text, (bytes, bytearray)):
        raw = bytes(text)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return "it is not well-formed UTF-8 (%s at byte %d)" % (e.reason, e.start)
    else:
        return "it is not a str (%s %s)" % ("an" if type(text).__name__[0] in "aeiou" else "a",
                                              type(text).__name__)
    if len(raw) > TEXT_BYTES:
        return "it has %d bytes of UTF-8, more than %d" % (len(raw), TEXT_BYTES)
    if b"\0" in raw:
        return "it has a NUL at byte %d" % raw.index(b"\0")
    return None


class TextError(ValueError):
    """A text an agent may not say (Agent.say refuses it before anything is sent)."""


# ---------------------------------------------------------------- agents


class Agent:
    """What a behaviour's step sees and changes (nn_agent_t)."""

    __slots__ = ("id", "x", "params", "nbrs", "inbox", "notices", "rng", "trends",
                 "memory", "role", "group", "superior", "out", "round", "said")

    def say(self, text):
        """Says text this round (a later call in the same step replaces it; None takes it
        back): it goes with every message the agent sends this round. Raises TextError,
        naming the agent and round, for a text of more than 280 bytes of UTF-8, one with
        a NUL, or one that is not well-formed UTF-8 (nothing is sent then)."""
        if text is None:
            self.said = None
            return
        why = text_problem(text)
        if why is not None:
            shown = repr(text[:40] + "..." if isinstance(text, str) and len(text) > 40
                         else text)
            raise TextError("agent %d in round %d may not say %s: %s (a text is at most %d "
                            "bytes of UTF-8 without NUL)" % (self.id, self.round, shown, why,
                                                             TEXT_BYTES))
        self.said = text if isinstance(text, str) else bytes(text).decode("utf-8")

    def send(self, to, value):
        """Sends value to agent `to` (seq is the order of sends in this step)."""
        self.out.append((to, value))

    def send_random(self, value):
        """nn_send_random: to one neighbour drawn uniformly; nothing without neighbours."""
        if self.nbrs:
            self.send(self.nbrs[self.rng.below(len(self.nbrs))], value)

    def send_all(self, value):
        for n in self.nbrs:
            self.send(n, value)


class Delivery:
    """One inbox entry; text is the sender's text of the round it sent this (None: none)."""

    __slots__ = ("sender", "seq", "value", "trends", "standing", "flags", "text")


class Notice:
    __slots__ = ("kind", "protocol", "case", "other", "arg", "value", "value2")


class ProtocolError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class HandshakeFailed(Exception):
    """The coordinator refused this node in ZeroMQ's security handshake (no message
    reaches a node that is not authenticated; the socket monitor tells of it)."""


class KeyFileError(Exception):
    """A key file that cannot be read or holds no usable key (the message names it)."""


def _resolve_params(behaviour, pop, seed):
    """Per parameter of the behaviour (its own order): (dist, a, b, key); a parameter the
    Population does not list takes its default as a constant. A drawn parameter is keyed
    by its index in the behaviour's own list (node/node.c does the same), whatever order
    the Population lists the parameters in."""
    what = pop.name if pop.behaviour == EXTERNAL else pop.behaviour
    given = {}
    dists = list(pop.param_dist) or [0] * len(pop.param_name)
    bs = list(pop.param_b) or [0.0] * len(pop.param_name)
    if len(pop.param_value) != len(pop.param_name) or len(dists) != len(pop.param_name) \
            or len(bs) != len(pop.param_name):
        raise ProtocolError(EPROTO, "welcome: population '%s' has parameter arrays of "
                            "unequal length" % what)
    for k, (name, v, dist, b) in enumerate(zip(pop.param_name, pop.param_value, dists, bs)):
        given[name] = (dist, v, b, k)
    known = {p[0] for p in behaviour.params}
    for name in given:
        if name not in known:
            raise ProtocolError(EINVAL, "welcome: population '%s': behaviour '%s' has no "
                                "parameter '%s' (it has: %s)"
                                % (what, behaviour.name, name,
                                   ", ".join(sorted(known)) or "none"))
    out = []
    for key, (name, default, lo, hi) in enumerate(behaviour.params):
        dist, a, b, _ = given.get(name, (0, default, 0.0, 0))
        if dist > 2:
            raise ProtocolError(EPROTO, "welcome: parameter '%s' has distribution %d "
                                "(0, 1 or 2)" % (name, dist))
        out.append((dist, a, b, key, lo, hi))
    tkey = stream_key(seed, STREAM_TRAITS)

    def params_of(agent_id):
        vals = []
        for dist, a, b, key, lo, hi in out:
            v = a
            if dist != 0:
                g = Rng(rng_key(tkey, agent_id, key))
                if dist == 1:
                    v = a + (b - a) * g.unit()
                else:
                    v = a + b * g.normal()
                v = lo if v < lo else hi if v > hi else v
            vals.append(v)
        return vals

    constant = all(d == 0 for d, *_ in out)
    return params_of, constant


def _behaviour_of(pop, behaviours, claims):
    """The behaviour that runs a Population: its own, or for an external population
    (behaviour "external") the one this node claimed its name for."""
    if pop.behaviour == EXTERNAL:
        if pop.name not in claims:
            raise ProtocolError(EINVAL, "welcome: external population '%s' is not one this "
                                "node claims (it claims: %s)"
                                % (pop.name, ", ".join(sorted(claims)) or "none"))
        return claims[pop.name]
    if pop.behaviour not in behaviours:
        raise ProtocolError(EINVAL, "welcome: behaviour '%s' is not one this node "
                            "runs (it runs: %s)" % (pop.behaviour,
                                                    ", ".join(sorted(behaviours))))
    return behaviours[pop.behaviour]


class Node:
    """The agents a Welcome assigned, stepped one round at a time (node/node.c)."""

    def __init__(self, welcome, behaviours, claims=None):
        if welcome.dim != 1:
            raise ProtocolError(EPROTO, "welcome: dim is %d (1 in protocol v1)" % welcome.dim)
        self.seed = welcome.seed
        self.rounds = welcome.rounds
        self.ids = list(welcome.agent)
        n = len(self.ids)
        if len(welcome.state) != n or len(welcome.population) != n \
                or len(welcome.neighbour_offset) != n + 1:
            raise ProtocolError(EPROTO, "welcome: per-agent arrays do not match %d agents" % n)
        self.state = list(welcome.state)
        self.trends = [0] * n
        self.memory = [0] * n
        self.role = list(welcome.role) or [0] * n
        self.group = list(welcome.group) or [0] * n
        sup = list(welcome.superior) or [0] * n
        self.superior = [s - 1 if s else None for s in sup]
        off = list(welcome.neighbour_offset)
        nb = list(welcome.neighbour)
        self.nbrs = [nb[off[i]:off[i + 1]] for i in range(n)]
        # only the populations of hosted agents need a behaviour here (a Welcome lists
        # the society's every population)
        pops = {}
        self.pop = []
        for i, pi in enumerate(welcome.population):
            if pi >= len(welcome.populations):
                raise ProtocolError(EPROTO, "welcome: agent %d has population %d of %d"
                                    % (self.ids[i], pi, len(welcome.populations)))
            if pi not in pops:
                p = welcome.populations[pi]
                b = _behaviour_of(p, behaviours, claims or {})
                params_of, constant = _resolve_params(b, p, self.seed)
                pops[pi] = (b, params_of, constant, params_of(0) if constant else None)
            self.pop.append(pops[pi])
        self.skey = stream_key(self.seed, STREAM_BEHAVIOUR)

    @staticmethod
    def tick_texts(tick):
        """The texts of a Tick by sender: {sender: str}; raises ProtocolError for texts
        that break docs/protocol.md (text_from not strictly ascending, a text longer than
        280 bytes, with a NUL or not UTF-8)."""
        tfrom, ttext = tick.text_from, tick.text
        if len(tfrom) != len(ttext):
            raise ProtocolError(EPROTO, "tick: 'text' has %d entries but 'text_from' has %d"
                                % (len(ttext), len(tfrom)))
        texts = {}
        prev = None
        for s, raw in zip(tfrom, ttext):
            if prev is not None and s <= prev:
                raise ProtocolError(EPROTO, "tick: 'text_from' does not ascend (a text from "
                                    "%d after one from %d; one text per sender)" % (s, prev))
            why = text_problem(raw)
            if why is not None:
                raise ProtocolError(EPROTO, "tick: the text of agent %d is not at most %d "
                                    "bytes of UTF-8 without NUL: %s" % (s, TEXT_BYTES, why))
            texts[s] = raw.decode("utf-8")
            prev = s
        return texts

    def step(self, rnd, tick):
        """Steps every hosted agent once, in ascending id order; returns the messages sent
        as (from, to, seq, value) lists. The texts said are left in self.said (text_from,
        text: ascending), the texts heard in self.heard ((receiver, sender, text) per
        delivery that had one)."""
        to, frm, seq, val = tick.to, tick.__getattribute__("from"), tick.seq, tick.value
        nd = len(to)
        if len(frm) != nd or len(seq) != nd or len(val) != nd:
            raise ProtocolError(EPROTO, "tick: deliveries have arrays of unequal length")
        texts = self.tick_texts(tick)
        said_from, said_text, heard = [], [], []
        ttr = list(tick.trends) or None
        tst = list(tick.standing) or None
        tfl = list(tick.flags) or None
        nto = tick.notice_to
        nn = len(nto)
        out_from, out_to, out_seq, out_val = [], [], [], []
        di = ni = 0
        for i, aid in enumerate(self.ids):
            b, params_of, constant, cparams = self.pop[i]
            a = Agent()
            a.id = aid
            a.round = rnd
            a.x = self.state[i]
            a.params = cparams if constant else params_of(aid)
            a.nbrs = self.nbrs[i]
            a.role, a.group, a.superior = self.role[i], self.group[i], self.superior[i]
            a.trends, a.memory = self.trends[i], self.memory[i]
            if di < nd and to[di] < aid:
                raise ProtocolError(EPROTO, "tick has a delivery for agent %d, which this node "
                                    "does not host (or the tick is not sorted)" % to[di])
            inbox = []
            while di < nd and to[di] == aid:
                d = Delivery()
                d.sender, d.seq, d.value = frm[di], seq[di], val[di]
                d.trends = ttr[di] if ttr else 0
                d.standing = tst[di] if tst else 1.0
                d.flags = tfl[di] if tfl else 0
                d.text = texts.get(d.sender) if texts else None
                if d.text is not None:
                    heard.append((aid, d.sender, d.text))
                inbox.append(d)
                di += 1
            a.inbox = inbox
            if ni < nn and nto[ni] < aid:
                raise ProtocolError(EPROTO, "tick has a notice for agent %d, which this node "
                                    "does not host" % nto[ni])
            notices = []
            while ni < nn and nto[ni] == aid:
                no = Notice()
                no.kind, no.protocol = tick.notice_kind[ni], tick.notice_protocol[ni]
                no.case, no.arg = tick.notice_case[ni], tick.notice_arg[ni]
                other = tick.notice_other[ni]
                no.other = None if other == 0 else other - 1
                no.value, no.value2 = tick.notice_value[ni], tick.notice_value2[ni]
                if no.kind == NOTICE_TREND and no.arg < 64:
                    a.trends |= 1 << no.arg
                notices.append(no)
                ni += 1
            a.notices = notices
            a.rng = Rng(rng_key(self.skey, aid, rnd))
            a.out = []
            a.said = None
            b.step(a)
            if a.said is not None:
                said_from.append(aid)
                said_text.append(a.said)
            for s, (t, v) in enumerate(a.out):
                if not math.isfinite(v):
                    raise ProtocolError(EPROTO, "agent %d sent a value that is not finite in "
                                        "round %d" % (aid, rnd))
                out_from.append(aid)
                out_to.append(t)
                out_seq.append(s)
                out_val.append(v)
            if not (0.0 <= a.x <= 1.0):
                raise ProtocolError(EPROTO, "agent %d has opinion %r outside [0, 1] after "
                                    "round %d" % (aid, a.x, rnd))
            self.state[i] = a.x
            self.trends[i] = a.trends & M
            self.memory[i] = a.memory & M
        if di < nd:
            raise ProtocolError(EPROTO, "tick has a delivery for agent %d, which this node does "
                                "not host" % to[di])
        if ni < nn:
            raise ProtocolError(EPROTO, "tick has a notice for agent %d, which this node does "
                                "not host" % nto[ni])
        self.said = (said_from, said_text)
        self.heard = heard
        return out_from, out_to, out_seq, out_val

    def digest(self):
        return sum(digest_agent_full(i, x, t, m) for i, x, t, m in
                   zip(self.ids, self.state, self.trends, self.memory)) & M


# ---------------------------------------------------------------- session


def load_pb2(pb2_dir=None):
    """Imports nunchi_pb2 from pb2_dir, $NUNCHI_PB2_DIR or the import path."""
    d = pb2_dir or os.environ.get("NUNCHI_PB2_DIR")
    if d:
        if not os.path.isfile(os.path.join(d, "nunchi_pb2.py")):
            sys.exit("nunchi-python: %s has no nunchi_pb2.py; make it with: protoc "
                     "--python_out=%s --proto_path=SRC/proto SRC/proto/nunchi.proto" % (d, d))
        sys.path.insert(0, d)
    try:
        return importlib.import_module("nunchi_pb2")
    except ImportError as e:
        sys.exit("nunchi-python: cannot import nunchi_pb2 (%s); give --pb2-dir DIR or "
                 "NUNCHI_PB2_DIR, DIR made with: protoc --python_out=DIR "
                 "--proto_path=SRC/proto SRC/proto/nunchi.proto" % e)


KEY_Z85_LEN = 40


def _key_of(path, line, what, lineno):
    """The Z85 key of a `what = "..."` line of a certificate, or None for another line."""
    name, eq, value = line.partition(b"=")
    if name.strip() != what or not eq:
        return None
    value = value.strip()
    key = value[1:-1] if len(value) >= 2 and value[:1] == value[-1:] == b'"' else None
    ok = key is not None and len(key) == KEY_Z85_LEN
    if ok:
        from zmq.utils import z85
        try:
            z85.decode(key)
        except Exception:
            ok = False
    if not ok:
        raise KeyFileError("%s:%d: a %s must be 40 characters of Z85 in double quotes, such "
                           "as %s = \"<40 characters>\"" % (path, lineno, what.decode(),
                                                             what.decode()))
    return key


def load_key_file(path, secret):
    """(public, secret) Z85 keys (bytes) of a certificate of `nunchi keygen` (ZeroMQ's
    format, as zmq.auth.load_certificate reads it), secret None when not asked for;
    raises KeyFileError naming the file when it cannot be read or lacks a key."""
    import zmq
    import zmq.auth
    try:
        with open(path, "rb") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise KeyFileError("cannot read the key file '%s': %s" % (path, e.strerror or e))
    pub = sec = None
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith(b"#"):
            continue
        pub = _key_of(path, line, b"public-key", n) or pub
        sec = _key_of(path, line, b"secret-key", n) or sec
    if pub is None:
        raise KeyFileError("%s: no public-key line (is it a key file of nunchi keygen?)" % path)
    try:
        lpub, lsec = zmq.auth.load_certificate(path)
    except (OSError, ValueError) as e:
        raise KeyFileError("%s: %s" % (path, e))
    if lpub != pub or lsec != sec:
        raise KeyFileError("%s: pyzmq's zmq.auth.load_certificate reads other keys from it "
                           "than its public-key and secret-key lines" % path)
    if not secret:
        return pub, None
    if sec is None:
        raise KeyFileError("%s has no secret-key: give the .key_secret file" % path)
    if zmq.curve_public(sec) != pub:
        raise KeyFileError("%s: the secret-key does not belong to its public-key" % path)
    return pub, sec


def load_curve(server_key, key):
    """The CURVE client keys of --server-key FILE (the coordinator's NAME.key) and --key
    FILE (this node's NAME.key_secret): (server public, public, secret)."""
    spub, _ = load_key_file(server_key, False)
    pub, sec = load_key_file(key, True)
    return spub, pub, sec


class Session:
    """One node's conversation with a coordinator over a DEALER socket; with curve
    (server public key, public key, secret key; Z85) a CURVE client."""

    def __init__(self, endpoint, pb2, implementation="nunchi-python", verbose=False,
                 curve=None, heard=None):
        import zmq
        self.heard = heard  # a file: each text heard, one JSON line per delivery
        self.zmq = zmq
        self.pb = pb2
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.sock.setsockopt(zmq.LINGER, 2000)
        if curve:
            self.sock.curve_serverkey, self.sock.curve_publickey, \
                self.sock.curve_secretkey = curve
        # a refusal (a key the coordinator does not authorize, plaintext against CURVE or
        # the reverse) happens in the security handshake, before any message: the socket
        # monitor tells of it while the node waits for its Welcome
        self.mon = self.sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH
                                                | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                                                | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        self.sock.connect(endpoint)
        self.endpoint = endpoint
        self.implementation = implementation
        self.node_id = 0
        self.verbose = verbose

    def _send(self, rnd, fill):
        env = self.pb.Envelope()
        env.version = PROTOCOL_VERSION
        env.round = rnd
        env.node = self.node_id
        fill(env)
        self.sock.send(env.SerializeToString())

    def _recv(self, timeout_s):
        if not self.sock.poll(int(timeout_s * 1000)):
            return None
        frames = self.sock.recv_multipart()
        if len(frames) != 1:
            raise ProtocolError(EPROTO, "a message of %d frames (one frame is one envelope)"
                                % len(frames))
        env = self.pb.Envelope()
        try:
            env.ParseFromString(frames[0])
        except Exception as e:  # google.protobuf.message.DecodeError
            raise ProtocolError(EPROTO, "an envelope that is not valid protobuf: %s" % e)
        if env.version != PROTOCOL_VERSION:
            raise ProtocolError(EPROTO, "unsupported protocol version %d" % env.version)
        if env.WhichOneof("body") is None:
            raise ProtocolError(EPROTO, "an envelope without a body")
        return env

    def _handshake_failed(self):
        """The refusal the monitor tells of, as nunchi-node words it; None without one."""
        zmq = self.zmq
        from zmq.utils.monitor import recv_monitor_message
        try:
            ev = recv_monitor_message(self.mon, zmq.NOBLOCK)
        except zmq.Again:
            return None
        event, value = ev.get("event", 0), ev.get("value", 0)
        if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
            return ("the coordinator refused this node (authentication): its CURVE key is "
                    "not among the coordinator's authorized keys (ZAP status %d)" % value)
        if event in (zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL):
            return ("the coordinator refused this node (authentication): the security "
                    "handshake failed (%s %s): a plaintext node and a CURVE coordinator, or "
                    "the reverse, or the wrong server key"
                    % ("protocol error" if event == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                       else "no detail", "%#x" % value if value else "0"))
        return None

    def _await_welcome(self, timeout_s):
        """As _recv, watching the socket monitor for a failed security handshake (raises
        HandshakeFailed)."""
        zmq = self.zmq
        poller = zmq.Poller()
        poller.register(self.sock, zmq.POLLIN)
        poller.register(self.mon, zmq.POLLIN)
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready = dict(poller.poll(int(left * 1000) + 1))
            if self.mon in ready:
                why = self._handshake_failed()
                if why:
                    raise HandshakeFailed(why)
            if self.sock in ready:
                return self._recv(0)

    def _stop_monitor(self):
        if self.mon is not None:
            try:
                self.sock.disable_monitor()
            except self.zmq.ZMQError:
                pass
            self.mon.close(linger=0)
            self.mon = None

    def send_heartbeat(self, rnd=0):
        self._send(rnd, lambda e: e.heartbeat.SetInParent())

    def send_error(self, rnd, code, message):
        def fill(e):
            e.error.code = code
            e.error.message = message.encode("utf-8")[:255].decode("utf-8", "ignore")
        self._send(rnd, fill)

    def send_bye(self, reason):
        self._send(0, lambda e: setattr(e.bye, "reason", reason))

    def run(self, behaviours, hello_timeout_s=10.0, claims=None):
        """The whole session; returns 0 after Bye, else prints why and returns 1.
        behaviours maps a name to a behaviour; claims maps the name of an external
        population this node hosts to the behaviour it runs those agents with."""
        zmq = self.zmq
        claims = claims or {}

        def hello(e, session=0):
            e.hello.implementation = self.implementation
            e.hello.language = "python"
            # the behaviours this node has, never none (a Hello listing none is taken to
            # run the built-in ones)
            e.hello.behaviours.extend(sorted(behaviours))
            e.hello.pid = os.getpid() & 0xFFFFFFFF
            if claims:
                e.hello.claims.extend(sorted(claims))
            if session:
                e.hello.session = session
        rnd = 0
        ok = False
        try:
            self._send(0, hello)
            deadline = time.monotonic() + hello_timeout_s
            while True:
                env = self._await_welcome(max(0.0, deadline - time.monotonic()))
                if env is None:
                    return self._fail("no coordinator answered within %g s at %s"
                                      % (hello_timeout_s, self.endpoint))
                kind = env.WhichOneof("body")
                if kind == "heartbeat":
                    continue
                if kind == "reject":
                    return self._fail("the coordinator refused this node (%s): %s"
                                      % (env.reject.reason, env.reject.detail))
                if kind != "welcome" or env.welcome.resumed:
                    return self._fail("expected a welcome, got %s"
                                      % ("a resumed welcome" if kind == "welcome" else kind))
                break
            self._stop_monitor()
            w = env.welcome
            self.node_id = w.node
            session = w.session
            liveness = w.liveness_s if w.liveness_s > 0 else 60.0
            # a coordinator that gives no heartbeat interval sends none either: silence
            # then says nothing, and only the liveness ends the session
            beat = max(getattr(w, "heartbeat_s", 0.0), 0.0)
            resumable = beat > 0 and session != 0
            node = Node(w, behaviours, claims)
            if self.verbose:
                print("nunchi-python: node %d hosts %d agents" % (w.node, len(node.ids)),
                      file=sys.stderr)
            answered = 0  # the last round answered (0: none)
            answer = None  # the encoded Actions of that round
            heard = sent = time.monotonic()
            asked = None
            while True:
                now = time.monotonic()
                wait = liveness - (now - heard)
                if beat > 0:
                    wait = min(wait, beat / 2)
                env = self._recv(max(0.0, wait)) if wait > 0 else None
                now = time.monotonic()
                if env is None:
                    if now - heard >= liveness:
                        return self._fail("node %d heard nothing from the coordinator for %g s"
                                          % (self.node_id, liveness))
                    if beat > 0 and now - sent >= beat:
                        self.send_heartbeat(answered)
                        sent = now
                    if resumable and now - heard >= RESUME_BEATS * beat and \
                            (asked is None or now - asked >= RESUME_BEATS * beat):
                        # the connection may have broken and been remade by ZeroMQ: ask
                        # for our session on it
                        self._send(0, lambda e: hello(e, session))
                        asked = sent = now
                        if self.verbose:
                            print("nunchi-python: node %d asks to resume session %x"
                                  % (self.node_id, session), file=sys.stderr)
                    continue
                heard = now
                kind = env.WhichOneof("body")
                if kind == "heartbeat":
                    continue
                if kind == "bye":
                    ok = True
                    return 0
                if kind == "error":
                    return self._fail("the coordinator reported: %s" % env.error.message)
                if kind == "welcome":
                    if not env.welcome.resumed or env.welcome.node != self.node_id:
                        raise ProtocolError(EPROTO, "node %d got a second welcome (for node %d)"
                                            % (self.node_id, env.welcome.node))
                    asked = None
                    if self.verbose:
                        print("nunchi-python: node %d resumed in round %d"
                              % (self.node_id, env.welcome.round), file=sys.stderr)
                    continue
                if kind == "reject":
                    return self._fail("the coordinator refused to resume node %d (%s): %s"
                                      % (self.node_id, env.reject.reason, env.reject.detail))
                if kind != "tick":
                    raise ProtocolError(EPROTO, "unexpected message %s in round %d"
                                        % (kind, env.round))
                if answered and env.round == answered:
                    # a repeated tick (after a resume): the same answer again, not a
                    # second step
                    self.sock.send(answer)
                    sent = time.monotonic()
                    continue
                if env.round < answered:
                    continue  # older than the last answer: long answered
                rnd = env.round
                try:
                    msgs = node.step(rnd, env.tick)
                except TextError as e:
                    raise ProtocolError(EINVAL, str(e))
                if self.heard is not None:
                    for receiver, sender, text in node.heard:
                        self.heard.write(json.dumps({"round": rnd, "from": sender,
                                                     "to": receiver, "text": text},
                                                    ensure_ascii=False) + "\n")
                    self.heard.flush()
                out = self.pb.Envelope()
                out.version = PROTOCOL_VERSION
                out.round = rnd
                out.node = self.node_id
                self._fill_actions(out, node, rnd, msgs)
                answer = out.SerializeToString()
                self.sock.send(answer)
                answered = rnd
                sent = time.monotonic()
        except HandshakeFailed as e:
            return self._fail(str(e))
        except ProtocolError as e:
            try:
                self.send_error(rnd, e.code, str(e))
            except Exception:
                pass
            return self._fail(str(e))
        except zmq.ZMQError as e:
            return self._fail("node %d: %s" % (self.node_id, e))
        finally:
            self._stop_monitor()
            # after a Bye everything was sent; on a failure do not wait for a peer
            self.sock.close(linger=2000 if ok else 200)

    def _fill_actions(self, env, node, rnd, msgs):
        a = env.actions
        a.SetInParent()
        frm, to, seq, val = msgs
        getattr(a, "from").extend(frm)
        a.to.extend(to)
        a.seq.extend(seq)
        a.value.extend(val)
        said_from, said_text = node.said
        if said_from:
            a.text_from.extend(said_from)
            a.text.extend(t.encode("utf-8") for t in said_text)
        a.state.extend(node.state)
        if any(node.trends):
            a.trends.extend(node.trends)
        if any(node.memory):
            a.memory.extend(node.memory)
        # the coordinator reads the digest in the last round only (as nunchi-node does)
        a.digest = node.digest() if rnd == node.rounds else 0

    def _fail(self, why):
        print("nunchi-python: %s" % why, file=sys.stderr)
        return 1


def main(behaviours, description):
    """The command line of a Python node hosting `behaviours` (a list of classes)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--connect", help="the coordinator's endpoint, e.g. tcp://127.0.0.1:5555")
    ap.add_argument("--pb2-dir", help="the directory holding nunchi_pb2.py (default: "
                    "$NUNCHI_PB2_DIR, else the import path)")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="seconds to wait for the coordinator's welcome (default 10)")
    ap.add_argument("--claim", action="append", default=[], metavar="NAME[=BEHAVIOUR]",
                    help="host the external population NAME (behaviour: external, name: "
                    "NAME in the scenario) with this node's behaviour %s, or with BEHAVIOUR; "
                    "repeatable" % behaviours[0].name)
    ap.add_argument("--server-key", metavar="FILE",
                    help="the coordinator's public key (its NAME.key of nunchi keygen): CURVE "
                    "over tcp, with --key")
    ap.add_argument("--key", metavar="FILE",
                    help="this node's key pair (its NAME.key_secret of nunchi keygen), with "
                    "--server-key")
    ap.add_argument("--heard", metavar="FILE",
                    help="write each text this node's agents hear to FILE, one JSON line "
                    "{round, from, to, text} per delivery that carries one")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--self-test", action="store_true",
                    help="check the generator and digest against docs/protocol.md and exit")
    args = ap.parse_args()
    if args.self_test:
        try:
            self_test()
        except ValueError as e:
            print(e, file=sys.stderr)
            return 1
        print("ok: nunchi_agent test vectors")
        return 0
    if not args.connect:
        ap.error("--connect ENDPOINT is required (e.g. --connect tcp://127.0.0.1:5555)")
    table = {b.name: b() for b in behaviours}
    claims = {}
    for c in args.claim:
        name, eq, bname = c.partition("=")
        bname = bname if eq else behaviours[0].name
        if not name or len(name.encode("utf-8")) > 31:
            ap.error("--claim %s: the population name must have 1 to 31 bytes (e.g. --claim "
                     "opinion-py)" % c)
        if bname not in table:
            ap.error("--claim %s: this node has no behaviour '%s' (it has: %s)"
                     % (c, bname, ", ".join(sorted(table))))
        if name in claims:
            ap.error("--claim %s: population '%s' is claimed twice" % (c, name))
        claims[name] = table[bname]
    if len(claims) > 64:
        ap.error("--claim: %d claims, at most 64" % len(claims))
    if (args.server_key is None) != (args.key is None):
        ap.error("--server-key FILE and --key FILE go together (the coordinator's NAME.key "
                 "and this node's NAME.key_secret of nunchi keygen)")
    curve = None
    if args.server_key is not None:
        try:
            curve = load_curve(args.server_key, args.key)
        except KeyFileError as e:
            print("nunchi-python: %s" % e, file=sys.stderr)
            return 2
    pb2 = load_pb2(args.pb2_dir)
    if claims and not hasattr(pb2.Hello(), "claims"):
        sys.exit("nunchi-python: the nunchi_pb2.py found has no Hello.claims; remake it from "
                 "the current proto/nunchi.proto")
    if not hasattr(pb2.Tick(), "text_from"):
        sys.exit("nunchi-python: the nunchi_pb2.py found has no Tick.text_from; remake it "
                 "from the current proto/nunchi.proto")
    heard = None
    if args.heard is not None:
        try:
            heard = open(args.heard, "w", encoding="utf-8")
        except OSError as e:
            print("nunchi-python: --heard %s: cannot write it: %s" % (args.heard,
                                                                   e.strerror or e),
                  file=sys.stderr)
            return 2
    try:
        return Session(args.connect, pb2, verbose=args.verbose, curve=curve,
                       heard=heard).run(table, args.timeout, claims)
    finally:
        if heard is not None:
            heard.close()
