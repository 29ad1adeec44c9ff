"""A scripted OpenAI-style chat completion endpoint for nunchi's tests: a real HTTP/1.1
server on loopback (keep-alive, asyncio: one task per connection) whose "model" is a fixed
deffuant-like rule read from the prompt, so the same request body always gets the same
answer byte for byte, and whose faults (429, 5xx, stalls, broken and cut bodies) are
injected by a plan (POST /admin/plan) or by reproducible rates (--fault-rate), so a
client's retries, timeouts and concurrency can be checked against a live socket.
Python stdlib only. See README.md beside it for every option, endpoint and fault.

    /usr/bin/python3 tests/llm_server/server.py [--port 0] [--port-file F]
        [--latency-ms N] [--jitter-ms N] [--log FILE] [--fault-rate KIND=P]...
"""
import argparse
import asyncio
import collections
import email.utils
import hashlib
import hmac
import html
import json
import math
import os
import re
import select
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from http.server import (DEFAULT_ERROR_CONTENT_TYPE, DEFAULT_ERROR_MESSAGE,
                         BaseHTTPRequestHandler)

# every fault a plan or a rate may name; "ok" is a plain answer
FAULTS = ("ok", "429", "429date", "500", "503", "400", "401", "stall", "malformed",
          "badschema", "cut", "empty")
RATE_FAULTS = tuple(f for f in FAULTS if f != "ok")
CREATED = 1735689600  # a fixed "created" so that equal bodies get equal bytes
DEFAULT_RETRY_AFTER_S = 1
DEFAULT_STALL_S = 3600.0
MAXLINE = 65536    # the longest request or header line, as in http.server
MAXHEADERS = 100   # and the most header lines
BOUND = 0.3   # the scripted model listens to opinions within this distance
MU = 0.5      # and moves this share of the way to their mean
COMPLAIN_ABOVE = 0.6  # a heard opinion this far away draws a complaint

OPINION_RE = re.compile(r"^\s*opinion:\s*(\S+)\s*$", re.IGNORECASE)
NEIGHBOURS_RE = re.compile(r"^\s*neighbours:(.*)$", re.IGNORECASE)
HEARD_RE = re.compile(r"^\s*heard:\s*(\S+)\s+(\S+)(?:\s+(.*))?$", re.IGNORECASE)
# the case lines as node/llm_prompt.c (s_put_notice) writes them, numbers in %.17g
CASE_VOTE_RE = re.compile(
    r"^\s*case:\s*(\d+)\s+vote among\s+(\d+)\s+options from\s+(\S+)\s+to\s+(\S+)\s*$",
    re.IGNORECASE)
CASE_ACCEPT_RE = re.compile(
    r"^\s*case:\s*(\d+)\s+accept a proposal of\s+(\S+)\s+from\s+(\S+)\s*$", re.IGNORECASE)
CASE_OFFER_RE = re.compile(
    r"^\s*case:\s*(\d+)\s+offer:\s+(\S+)\s+offers\s+([^\s,]+),\s*yours was\s+([^\s;]+)",
    re.IGNORECASE)
CASE_COMPLY_RE = re.compile(
    r"^\s*case:\s*(\d+)\s+comply with the verdict\s+(\S+)\s+\(([^)]*)\)\s+by\s+(\S+)\s*$",
    re.IGNORECASE)
ACCEPT_WITHIN = 0.25  # a proposal this close to the opinion is accepted
OFFER_WITHIN = 0.1    # and the other's offer this close is taken
COMPLY_WITHIN = 0.4   # and a verdict this close is complied with
NO_AGENT = 0xFFFFFFFF  # nunchi's NN_NO_AGENT: no id is this or more
MAX_TO = 16       # NN_LLMP_MAX_TO: the most receivers an answer may name
MAX_ANSWERS = 16  # NN_LLMP_MAX_ANSWERS: the most case answers


class BadRequest(Exception):
    pass


def words(text):
    return len(text.split())


def message_text(content):
    """A message's content as text: a string, or OpenAI's list of {type: text} parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if not isinstance(p, dict) or not isinstance(p.get("text", ""), str):
                raise BadRequest("a content part must be an object with a 'text' string")
            parts.append(p.get("text", ""))
        return "\n".join(parts)
    if content is None:
        return ""
    raise BadRequest("'content' must be a string or a list of text parts")


def agent_id(text):
    """An agent id as JSON: a number when it reads as an integer, else the text."""
    try:
        return int(text)
    except ValueError:
        return text


def number(text):
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def clamp01(x):
    return min(1.0, max(0.0, x))


def nbr_id(text):
    """An agent id the parser takes as a neighbour id: a non-negative integer below
    NN_NO_AGENT, written as digits; else None."""
    if not text.isdigit():
        return None
    i = int(text)
    return i if i < NO_AGENT else None


def case_answer(line, x):
    """The answer to a `case:` line for an agent whose new opinion is x, as (case id,
    key, value), or None when the line is not one of llm_prompt.c's case lines."""
    m = CASE_VOTE_RE.match(line)
    if m:
        a, b = number(m.group(3)), number(m.group(4))
        if a is None or b is None:
            return None
        lo, hi = min(a, b), max(a, b)
        return int(m.group(1)), "vote", clamp01(min(hi, max(lo, x)))
    m = CASE_ACCEPT_RE.match(line)
    if m:
        v = number(m.group(2))
        return None if v is None else (int(m.group(1)), "accept", abs(v - x) <= ACCEPT_WITHIN)
    m = CASE_OFFER_RE.match(line)
    if m:
        v = number(m.group(3))  # theirs; group(4) is the agent's own last offer
        if v is None:
            return None
        if abs(v - x) <= OFFER_WITHIN:
            return int(m.group(1)), "accept", True
        return int(m.group(1)), "offer", round(clamp01((x + v) / 2), 6)
    m = CASE_COMPLY_RE.match(line)
    if m:
        v = number(m.group(2))
        return None if v is None else (int(m.group(1)), "comply", abs(v - x) <= COMPLY_WITHIN)
    return None


def scripted_content(prompt):
    """The scripted model: reads the last user message in node/llm_prompt.c's format
    (`opinion: X`, `neighbours: ID...`, `heard: ID VALUE [text]`, `case: ID ...`; the
    other lines are ignored) and answers in the action schema that nn_llmp_parse takes:
    opinion, say, to, cooperate, complaint and cases, nothing else."""
    x = 0.5
    nbrs = None  # None: no `neighbours:` line, every heard id counts as one
    heard = []
    case_lines = []
    for line in prompt.splitlines():
        m = OPINION_RE.match(line)
        if m and number(m.group(1)) is not None:
            x = clamp01(number(m.group(1)))
            continue
        m = NEIGHBOURS_RE.match(line)
        if m:
            nbrs = {i for i in map(nbr_id, m.group(1).split()) if i is not None}
            continue
        m = HEARD_RE.match(line)
        if m and number(m.group(2)) is not None:
            heard.append((m.group(1), clamp01(number(m.group(2)))))
            continue
        if line.lstrip().lower().startswith("case:"):
            case_lines.append(line)
    near = [(i, v) for i, v in heard if abs(v - x) < BOUND]
    new = x
    if near:
        mean = sum(v for _, v in near) / len(near)
        new = x + MU * (mean - x)
    new = round(clamp01(new), 6)

    def addressable(text):  # a heard id that nn_llmp_parse takes in "to" or "complaint"
        i = nbr_id(text)
        return i if i is not None and (nbrs is None or i in nbrs) else None

    action = {"opinion": new, "say": "I think the opinion is %s." % format(new, "g")}
    to = []
    for i, _ in near:
        n = addressable(i)
        if n is not None and n not in to and len(to) < MAX_TO:
            to.append(n)
    if to:
        action["to"] = to
    action["cooperate"] = len(near) * 2 >= len(heard)
    far = [(abs(v - x), addressable(i)) for i, v in heard if abs(v - x) > COMPLAIN_ABOVE]
    far = [t for t in far if t[1] is not None]
    if far:
        action["complaint"] = max(far, key=lambda t: t[0])[1]
    cases = []
    for line in case_lines:
        ans = case_answer(line, new)
        # a case is answered once (the first line that asks it, as the parser reads
        # the notices), case 0 asks nothing, and at most MAX_ANSWERS are answered
        if ans is None or not 0 < ans[0] <= 0xFFFFFFFF or len(cases) >= MAX_ANSWERS:
            continue
        if any(c["case"] == ans[0] for c in cases):
            continue
        cases.append({"case": ans[0], ans[1]: ans[2]})
    if cases:
        action["cases"] = cases
    return json.dumps(action)


def hash_unit(*parts):
    """A reproducible draw in [0, 1) from the bytes given."""
    h = hashlib.sha256(b"\0".join(parts)).digest()
    return int.from_bytes(h[:8], "big") / 2.0 ** 64


def error_body(message, etype, code=None):
    return {"error": {"message": message, "type": etype, "param": None, "code": code}}


class State:
    """Everything the handlers share, under one lock."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.latency_s = args.latency_ms / 1000.0
        self.jitter_s = args.jitter_ms / 1000.0
        self.rates = args.fault_rate
        self.api_key = args.api_key
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.reset()

    def reset(self):
        with self.lock:
            self.plan = collections.deque()
            self.retry_after_s = DEFAULT_RETRY_AFTER_S
            self.stall_s = DEFAULT_STALL_S
            self.requests = 0
            self.by_fault = {f: 0 for f in FAULTS}
            self.bad_requests = 0
            self.in_flight = 0
            self.in_flight_max = 0
            self.connections = 0
            self.completion_connections = 0
            self.authorized = 0
            self.last_authorization_ok = None
            self.prompt_tokens = 0
            self.completion_tokens = 0

    def stats(self):
        with self.lock:
            return {
                "requests": self.requests,
                "by_fault": dict(self.by_fault),
                "bad_requests": self.bad_requests,
                "in_flight": self.in_flight,
                "in_flight_max": self.in_flight_max,
                "connections": self.connections,
                "completion_connections": self.completion_connections,
                "authorized": self.authorized,
                "last_authorization_ok": self.last_authorization_ok,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "plan_left": len(self.plan),
                "retry_after_s": self.retry_after_s,
            }

    def write_log(self, record):
        if self.log is None:
            return
        line = json.dumps(record) + "\n"
        with self.lock:
            self.log.write(line)
            self.log.flush()


class Headers:
    """A request's headers: get() gives the first one of a name, in any case, as
    email.message.Message did."""

    def __init__(self):
        self.first = {}
        self.last = None

    def add(self, line):
        if line[:1] in (" ", "\t") and self.last is not None:  # a folded line
            if self.first.get(self.last[0]) is self.last[1]:
                self.last[1][0] += line.rstrip("\r\n")
            return
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            self.last = None
            return
        box = [value.lstrip(" \t").rstrip("\r\n")]
        self.last = (name.lower(), box)
        self.first.setdefault(name.lower(), box)

    def get(self, name, default=None):
        box = self.first.get(name.lower())
        return box[0] if box is not None else default


class Conn:
    """One client connection: HTTP/1.1 with keep-alive, parsed by hand on asyncio streams,
    the same answers and the same errors (as http.server would give them) as before."""
    protocol_version = "HTTP/1.1"
    server_version = "nunchi-llm-server/1"
    sys_version = ""
    default_request_version = "HTTP/0.9"
    responses = BaseHTTPRequestHandler.responses
    timeout = 600  # an idle keep-alive connection is dropped after this

    def __init__(self, state, reader, writer):
        self.state = state
        self.reader = reader
        self.writer = writer
        self.used_for_completions = False
        self.close_connection = True
        self.headers = Headers()
        self.command = None
        self.request_version = self.default_request_version
        # one lazy timer per connection drops a client that keeps the server waiting
        # (for a request, a body, or to take an answer) for `timeout` seconds
        self.loop = asyncio.get_running_loop()
        self.busy = False  # waiting on the client now
        self.mark = self.loop.time()  # since then
        self.watch = self.loop.call_later(self.timeout, self.watchdog)
        with state.lock:
            state.connections += 1

    def waiting(self):
        self.busy = True
        self.mark = self.loop.time()

    def watchdog(self):
        if self.writer.is_closing():
            return
        now = self.loop.time()
        due = self.mark + self.timeout
        if self.busy and now >= due:
            self.writer.transport.abort()  # the pending read or drain ends: closed
            return
        self.watch = self.loop.call_at(due if self.busy else now + self.timeout,
                                       self.watchdog)

    # -- plumbing ---------------------------------------------------------------------
    def write(self, data):
        if self.writer.is_closing():
            raise ConnectionResetError("the client is gone")
        self.writer.write(data)

    def date_time_string(self):
        return email.utils.formatdate(time.time(), usegmt=True)

    def send_all(self, status, body, headers=(), content_type="application/json",
                 cut=False):
        """One write for the status line, headers and body: no Nagle stalls between
        them. With cut, Content-Length says the whole body but half of it goes, then the
        connection is closed."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        reason = self.responses.get(status, ("",))[0]
        head = ["HTTP/1.1 %d %s" % (status, reason),
                "Server: " + self.server_version,
                "Date: " + self.date_time_string(),
                "Content-Type: " + content_type,
                "Content-Length: %d" % len(body)]
        head += ["%s: %s" % kv for kv in headers]
        if self.close_connection and not cut:  # a cut says nothing: it just breaks
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        data += body[: len(body) // 2] if cut else body
        self.write(data)
        if cut:
            self.close_connection = True
            try:
                self.writer.write_eof()  # after the half body: FIN, as shutdown() did
            except OSError:
                pass
        self.status_sent = status

    def send_error(self, code, message=None, explain=None):
        """http.server's error answer, byte for byte (HTML, Connection: close; nothing
        but the body when the request line gave no version)."""
        try:
            shortmsg, longmsg = self.responses[code]
        except KeyError:
            shortmsg, longmsg = "???", "???"
        if message is None:
            message = shortmsg
        if explain is None:
            explain = longmsg
        self.close_connection = True
        body = (DEFAULT_ERROR_MESSAGE % {
            "code": code, "message": html.escape(message, quote=False),
            "explain": html.escape(explain, quote=False)}).encode("UTF-8", "replace")
        data = b""
        if self.request_version != "HTTP/0.9":
            head = ["%s %d %s" % (self.protocol_version, code, message),
                    "Server: " + self.server_version + " " + self.sys_version,
                    "Date: " + self.date_time_string(),
                    "Connection: close",
                    "Content-Type: " + DEFAULT_ERROR_CONTENT_TYPE,
                    "Content-Length: %d" % len(body)]
            data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "strict")
        self.write(data + (body if self.command != "HEAD" else b""))

    async def readline(self):
        """A line of at most 65537 bytes, as rfile.readline(65537) gave it."""
        try:
            return await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as e:
            return e.partial
        except asyncio.LimitOverrunError:
            return b"x" * (MAXLINE + 2)  # too long: the caller refuses it

    async def read_head(self):
        """Reads a request line and its headers: True when a request is to be
        dispatched, False when the connection is to be closed (an error was sent)."""
        raw = await self.readline()
        self.command = None
        self.request_version = self.default_request_version
        if len(raw) > MAXLINE:
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return False
        if not raw:
            self.close_connection = True
            return False
        version = self.default_request_version
        self.close_connection = True
        requestline = str(raw, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if len(words) == 0:
            return False
        if len(words) >= 3:
            version = words[-1]
            try:
                if not version.startswith("HTTP/"):
                    raise ValueError
                number = version.split("/", 1)[1].split(".")
                if len(number) != 2:
                    raise ValueError
                number = int(number[0]), int(number[1])
            except (ValueError, IndexError):
                self.send_error(400, "Bad request version (%r)" % version)
                return False
            if number >= (1, 1):
                self.close_connection = False
            if number >= (2, 0):
                self.send_error(505, "Invalid HTTP version (%s)" % version.split("/", 1)[1])
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(400, "Bad request syntax (%r)" % requestline)
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(400, "Bad HTTP/0.9 request type (%r)" % command)
                return False
        self.command, self.path = command, path
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        headers = Headers()
        lines = 0  # as http.client.parse_headers counts them: the blank line too
        while True:
            line = await self.readline()
            if len(line) > MAXLINE:
                self.send_error(431, "Line too long",
                                "got more than %d bytes when reading header line" % MAXLINE)
                return False
            lines += 1
            if lines > MAXHEADERS:
                self.send_error(431, "Too many headers",
                                "got more than %d headers" % MAXHEADERS)
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            headers.add(line.decode("iso-8859-1"))
        self.headers = headers
        conntype = headers.get("Connection", "").lower()
        if conntype == "close":
            self.close_connection = True
        elif conntype == "keep-alive":
            self.close_connection = False
        if (headers.get("Expect", "").lower() == "100-continue"
                and self.request_version >= "HTTP/1.1"):
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    async def read_body(self):
        self.waiting()
        try:
            return await self.read_body_now()
        finally:
            self.busy = False

    async def read_body_now(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = await self.readline()
                if not line:
                    raise ConnectionResetError("the client closed inside a chunked body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while await self.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(await self.reader.readexactly(size))
                await self.readline()
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0:
            self.close_connection = True
            raise BadRequest("a bad Content-Length header")
        return await self.reader.readexactly(n)

    async def wait(self, seconds):
        """Sleeps, but not past a SIGTERM (which ends the loop and every task)."""
        if seconds > 0:
            await asyncio.sleep(seconds)

    async def stall(self, seconds):
        """Sends nothing for SECONDS, but ends early when the client hangs up (its
        timeout fired), so stalled requests do not pile up. Bytes the client pipelines
        meanwhile are read and dropped: the connection is closed after a stall."""
        async def gone():
            while await self.reader.read(65536):
                pass
        try:
            await asyncio.wait_for(gone(), seconds)
        except (asyncio.TimeoutError, OSError, ValueError):
            return

    async def serve(self):
        try:
            while True:
                self.waiting()
                ok = await self.read_head()
                self.busy = False
                if ok:
                    if self.command not in ("GET", "POST", "PUT", "DELETE"):
                        self.send_error(501, "Unsupported method (%r)" % self.command)
                    else:
                        await self.dispatch(self.command)
                self.waiting()
                await self.writer.drain()
                self.busy = False
                if self.close_connection or not ok:
                    break
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass  # a client that hangs up (or idles past the timeout) is no error
        except Exception:
            print("-" * 40, file=sys.stderr)
            print("Exception occurred during processing of request from",
                  self.writer.get_extra_info("peername"), file=sys.stderr)
            traceback.print_exc()
            print("-" * 40, file=sys.stderr)
        finally:
            self.watch.cancel()
            self.writer.close()

    # -- methods ----------------------------------------------------------------------
    async def dispatch(self, method):
        t0 = time.monotonic()
        self.status_sent = None
        self.fault = None
        self.model = None
        path = self.path.split("?", 1)[0]
        st = self.state
        try:
            try:
                body = await self.read_body()
            except BadRequest as e:
                self.send_all(400, error_body(str(e), "invalid_request_error"))
                return
            routes = {
                "/v1/chat/completions": ("POST", self.completions),
                "/chat/completions": ("POST", self.completions),
                "/v1/models": ("GET", self.models),
                "/admin/stats": ("GET", self.admin_stats),
                "/admin/plan": ("POST", self.admin_plan),
                "/admin/reset": ("POST", self.admin_reset),
            }
            if path not in routes:
                self.send_all(404, error_body("no route %s %s" % (method, path),
                                              "invalid_request_error", "not_found"))
                return
            want, fn = routes[path]
            if method != want:
                self.send_all(405, error_body("%s wants %s, got %s" % (path, want, method),
                                              "invalid_request_error", "method_not_allowed"),
                              headers=[("Allow", want)])
                return
            if fn == self.completions:
                await fn(body)
            else:
                fn(body)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            self.close_connection = True  # the client went away: nothing to answer
        finally:
            if st.log is not None:
                st.write_log({"time": round(time.time(), 6), "method": method, "path": path,
                              "status": self.status_sent, "fault": self.fault,
                              "latency": round(time.monotonic() - t0, 6),
                              "model": self.model,
                              "authorization": self.headers.get("Authorization") is not None})

    def admin_stats(self, body):
        self.send_all(200, self.state.stats())

    def admin_reset(self, body):
        self.state.reset()
        self.send_all(200, {"reset": True})

    def admin_plan(self, body):
        st = self.state
        try:
            plan = json.loads(body or b"{}")
            if not isinstance(plan, dict):
                raise ValueError("the plan must be a JSON object")
            faults = plan.get("faults", [])
            if not isinstance(faults, list) or not all(isinstance(f, str) for f in faults):
                raise ValueError("'faults' must be a list of fault names")
            bad = [f for f in faults if f not in FAULTS]
            if bad:
                raise ValueError("unknown fault '%s' in 'faults' (one of %s)"
                                 % (bad[0], ", ".join(FAULTS)))
            ra = plan.get("retry_after_s", None)
            if ra is not None and (not isinstance(ra, int) or isinstance(ra, bool) or ra < 0):
                raise ValueError("'retry_after_s' must be an integer >= 0")
            ss = plan.get("stall_s", None)
            if ss is not None and (not isinstance(ss, (int, float)) or isinstance(ss, bool)
                                   or ss < 0):
                raise ValueError("'stall_s' must be a number >= 0")
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            self.send_all(400, error_body("bad plan: %s" % e, "invalid_request_error"))
            return
        with st.lock:
            st.plan.extend(faults)
            if ra is not None:
                st.retry_after_s = ra
            if ss is not None:
                st.stall_s = float(ss)
            left = len(st.plan)
        self.send_all(200, {"queued": len(faults), "plan_left": left})

    def models(self, body):
        self.send_all(200, {"object": "list", "data": [
            {"id": "scripted", "object": "model", "created": CREATED, "owned_by": "nunchi"}]})

    # -- completions ------------------------------------------------------------------
    def parse_completion(self, body):
        try:
            req = json.loads(body)
        except ValueError as e:
            raise BadRequest("the body is not JSON: %s" % e)
        if not isinstance(req, dict):
            raise BadRequest("the body must be a JSON object")
        model = req.get("model", "scripted")
        if not isinstance(model, str):
            raise BadRequest("'model' must be a string")
        msgs = req.get("messages")
        if not isinstance(msgs, list) or not msgs:
            raise BadRequest("'messages' must be a non-empty list of {role, content}")
        texts = []
        for i, m in enumerate(msgs):
            if not isinstance(m, dict) or not isinstance(m.get("role"), str):
                raise BadRequest("messages[%d] must be an object with a 'role' string" % i)
            texts.append((m["role"], message_text(m.get("content"))))
        t = req.get("temperature")
        if t is not None and (not isinstance(t, (int, float)) or isinstance(t, bool)):
            raise BadRequest("'temperature' must be a number")
        mt = req.get("max_tokens")
        if mt is not None and (not isinstance(mt, int) or isinstance(mt, bool) or mt < 1):
            raise BadRequest("'max_tokens' must be an integer >= 1")
        if req.get("stream"):
            raise BadRequest("'stream' is not supported by the test server")
        return model, texts

    async def completions(self, body):
        st = self.state
        if not self.used_for_completions:
            self.used_for_completions = True
            with st.lock:
                st.completion_connections += 1
        auth = self.headers.get("Authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if st.api_key is not None:
            auth_ok = hmac.compare_digest(bearer.encode(), st.api_key.encode())
        else:
            auth_ok = bool(bearer)
        try:
            model, texts = self.parse_completion(body)
        except BadRequest as e:
            with st.lock:
                st.bad_requests += 1
            self.send_all(400, error_body(str(e), "invalid_request_error"))
            return
        self.model = model
        with st.lock:
            st.requests += 1
            n = st.requests
            if bearer:
                st.authorized += 1
            st.last_authorization_ok = auth_ok
            st.in_flight += 1
            st.in_flight_max = max(st.in_flight_max, st.in_flight)
            fault = st.plan.popleft() if st.plan else None
            retry_after = st.retry_after_s
            stall_s = st.stall_s
        try:
            if st.api_key is not None and not auth_ok:
                fault = "401"
            if fault is None and st.rates:
                u = hash_unit(body, str(n).encode())
                acc = 0.0
                for kind, p in st.rates:
                    acc += p
                    if u < acc:
                        fault = kind
                        break
            fault = fault or "ok"
            self.fault = fault
            with st.lock:
                st.by_fault[fault] += 1
            if fault == "stall":
                await self.stall(stall_s)
                self.close_connection = True  # never answer late on a reused connection
                return
            delay = st.latency_s
            if st.jitter_s > 0:
                delay += st.jitter_s * hash_unit(body, str(n).encode(), b"jitter")
            await self.wait(delay)
            if st.stop.is_set():
                self.close_connection = True
                return
            self.answer(fault, body, model, texts, retry_after)
        finally:
            with st.lock:
                st.in_flight -= 1

    def answer(self, fault, body, model, texts, retry_after):
        st = self.state
        if fault in ("429", "429date"):
            if fault == "429":
                ra = str(retry_after)
            else:  # an HTTP date, rounded up so the wait is never shorter than asked
                ra = email.utils.formatdate(math.ceil(time.time()) + retry_after, usegmt=True)
            self.send_all(429, error_body("Rate limit reached for requests (scripted)",
                                          "rate_limit_error", "rate_limit_exceeded"),
                          headers=[("Retry-After", ra)])
            return
        if fault == "500":
            self.send_all(500, error_body("The server had an error (scripted)", "server_error"))
            return
        if fault == "503":
            self.send_all(503, error_body("The engine is currently overloaded (scripted)",
                                          "server_error", "service_unavailable"))
            return
        if fault == "400":
            self.send_all(400, error_body("Invalid request (scripted)",
                                          "invalid_request_error"))
            return
        if fault == "401":
            self.send_all(401, error_body("Incorrect API key provided",
                                          "invalid_request_error", "invalid_api_key"))
            return
        if fault == "malformed":
            self.send_all(200, '{"id": "chatcmpl-malformed", "object": "chat.completion", '
                               '"choices": [{"index": 0, "message": {"role": "assis')
            return
        digest = hashlib.sha256(body).hexdigest()
        if fault == "badschema":
            content = "I think the opinion is fine."
        else:
            # the last user message; after a repair request (node/llm_prompt.c's
            # nn_llmp_repair), the last one that gave the agent's `opinion:`
            user = [t for r, t in texts if r == "user"]
            asked = [t for t in user if any(OPINION_RE.match(l) for l in t.splitlines())]
            content = scripted_content(asked[-1] if asked else user[-1] if user else "")
        prompt_tokens = sum(words(t) for _, t in texts)
        completion_tokens = words(content) if fault != "empty" else 0
        choices = [] if fault == "empty" else [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"}]
        answer = {
            "id": "chatcmpl-" + digest[:24],
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens,
                      "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }
        with st.lock:
            st.prompt_tokens += prompt_tokens
            st.completion_tokens += completion_tokens
        self.send_all(200, answer, cut=(fault == "cut"))


def fault_rate(text):
    kind, sep, p = text.partition("=")
    if not sep or kind not in RATE_FAULTS:
        raise argparse.ArgumentTypeError(
            "--fault-rate '%s': want KIND=P with KIND one of %s" % (text, ", ".join(RATE_FAULTS)))
    try:
        pv = float(p)
    except ValueError:
        pv = -1.0
    if not 0.0 <= pv <= 1.0:
        raise argparse.ArgumentTypeError(
            "--fault-rate '%s': P must be a number in [0, 1], got '%s'" % (text, p))
    return (kind, pv)


def non_negative(text):
    try:
        v = float(text)
    except ValueError:
        v = -1.0
    if v < 0 or not math.isfinite(v):
        raise argparse.ArgumentTypeError("want a number >= 0, got '%s'" % text)
    return v




class PreciseSelector(selectors.EpollSelector):
    """epoll_wait counts whole milliseconds, and selectors rounds the timeout up, so every
    latency came out ~0.5 ms long (more when timers queue). Waiting on the epoll fd with
    select() first, which counts microseconds, wakes the loop on time."""

    def select(self, timeout=None):
        if timeout is not None and timeout > 0:
            select.select([self._selector.fileno()], [], [], timeout)
            timeout = 0
        return super().select(timeout)


async def serve(args, state):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal():
        state.stop.set()
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)

    async def client(reader, writer):
        await Conn(state, reader, writer).serve()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # as socketserver did
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(1024)  # hundreds of clients connecting at once are not refused
    except OSError as e:
        sock.close()
        print("cannot listen on %s:%d: %s" % (args.host, args.port, e), file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    # TCP_NODELAY is asyncio's default: no Nagle stalls
    srv = await asyncio.start_server(client, sock=sock, backlog=1024, limit=MAXLINE - 1)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("listening %d" % port, flush=True)
    parent = os.getppid()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 0.2)
        except asyncio.TimeoutError:
            pass
        if args.die_with_parent and os.getppid() != parent:
            break
    srv.close()  # asyncio.run then cancels the connections' tasks, stalls included
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    ap.add_argument("--port-file", help="write the port here (atomically) once listening")
    ap.add_argument("--latency-ms", type=non_negative, default=0.0,
                    help="delay before every completion answer")
    ap.add_argument("--jitter-ms", type=non_negative, default=0.0,
                    help="plus a uniform delay in [0, N) drawn from the request")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--fault-rate", type=fault_rate, action="append", default=[],
                    metavar="KIND=P", help="fault each completion with probability P")
    ap.add_argument("--api-key", help="refuse (401) completions without Bearer KEY")
    ap.add_argument("--die-with-parent", action="store_true",
                    help="exit when the process that started the server is gone")
    args = ap.parse_args()
    total = sum(p for _, p in args.fault_rate)
    if total > 1.0 + 1e-9:
        ap.error("the --fault-rate probabilities add up to %g, more than 1" % total)

    state = State(args)
    if hasattr(selectors, "EpollSelector"):
        factory = lambda: asyncio.SelectorEventLoop(PreciseSelector())  # noqa: E731
    else:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(serve(args, state))


if __name__ == "__main__":
    sys.exit(main())
