# tests/llm_server/server.py, the scripted OpenAI-style endpoint the LLM client is tested
# against, driven over real sockets with curl (or /usr/bin/python3 when curl is missing):
# the scripted answer (same body => same bytes, the opinion moves by the deffuant rule,
# the action schema of node/llm_prompt.c with every kind of case, the prompt as
# nn_llmp_messages writes it), every fault by plan and by rate, bad requests, the Bearer
# key, keep-alive, 50 requests in parallel, a stalled request not blocking others, clients
# that hang up, and SIGTERM.
source "$(dirname "$0")/lib/common.bash"
SERVER="$SRC/tests/llm_server/server.py"
PY=/usr/bin/python3

# a stand-in for the few curl calls below when curl is not installed: `fetch OUT URL
# [BODYFILE] [MAXTIME] [HEADER]` writes OUT.code, OUT.headers, OUT.body and exits like
# curl (0, 18 for a cut body, 28 for a timeout, 7 when it cannot connect, 52 for no answer)
cat >"$WORK/fetch.py" <<'EOF'
import http.client, socket, sys, urllib.parse
out, url = sys.argv[1], urllib.parse.urlsplit(sys.argv[2])
body = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 and sys.argv[3] else None
maxtime = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else 30
headers = dict([sys.argv[5].split(": ", 1)]) if len(sys.argv) > 5 and sys.argv[5] else {}
c = http.client.HTTPConnection(url.hostname, url.port, timeout=maxtime)
code, rc, data, head = 0, 0, b"", ""
try:
    c.request("POST" if body is not None else "GET", url.path, body, headers)
    r = c.getresponse()
    code, head = r.status, "".join("%s: %s\r\n" % kv for kv in r.getheaders())
    try:
        data = r.read()
    except http.client.IncompleteRead as e:
        data, rc = e.partial, 18
except socket.timeout:
    rc = 28
except ConnectionRefusedError:
    rc = 7
except (http.client.RemoteDisconnected, ConnectionError):
    rc = 52
open(out + ".code", "w").write(str(code))
open(out + ".headers", "w").write(head)
open(out + ".body", "wb").write(data)
sys.exit(rc)
EOF
HAVE_CURL=0
command -v curl >/dev/null 2>&1 && [ -z "${NUNCHI_TEST_NO_CURL:-}" ] && HAVE_CURL=1

# req OUT URL [BODYFILE] [MAXTIME] [HEADER]: one request; sets $rc (curl's exit status)
req() {
    local out=$1 url=$2 body=${3:-} maxtime=${4:-30} header=${5:-}
    set +e
    if [ $HAVE_CURL = 1 ]; then
        local args=(-s -o "$out.body" -D "$out.headers" -w '%{http_code}' --max-time "$maxtime")
        [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "@$body")
        [ -n "$header" ] && args+=(-H "$header")
        curl "${args[@]}" "$url" >"$out.code"
    else
        $PY "$WORK/fetch.py" "$out" "$url" "$body" "$maxtime" "$header"
    fi
    rc=$?
    set -e
}

# jget FILE EXPR: EXPR evaluated in Python with d = the JSON in FILE (and c = the parsed
# content of its first choice, when there is one)
jget() {
    $PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
try:
    c = json.loads(d["choices"][0]["message"]["content"])
except Exception:
    c = None
v = eval(sys.argv[2])
print(json.dumps(v) if not isinstance(v, str) else v)' "$1" "$2"
}

# check FILE EXPR WHAT: fails unless the Python EXPR (as in jget) is true
check() {
    [ "$(jget "$1" "$2")" = "true" ] || fail "$3: $2 is not true of $(cat "$1")"
}

plan() {
    printf '%s' "$1" >"$WORK/plan.json"
    req "$WORK/plan" "$base/admin/plan" "$WORK/plan.json"
    [ "$(cat "$WORK/plan.code")" = 200 ] || fail "POST /admin/plan $1: $(cat "$WORK/plan.body")"
}

stats() {
    req "$WORK/stats" "$base/admin/stats"
    [ "$(cat "$WORK/stats.code")" = 200 ] || fail "GET /admin/stats: $(cat "$WORK/stats.body")"
}

reset() {
    printf '{}' >"$WORK/empty.json"
    req "$WORK/reset" "$base/admin/reset" "$WORK/empty.json"
    [ "$(cat "$WORK/reset.code")" = 200 ] || fail "POST /admin/reset: $(cat "$WORK/reset.body")"
}

# an agent at 0.5 that heard 0.6 and 0.7 (within 0.3) and 0.95 (not): it moves half way
# to 0.65, to 0.575, answers 3 and 7, complains about nobody (0.45 < 0.6), and votes its
# new opinion in case 4 (the user message is in node/llm_prompt.c's format)
cat >"$WORK/body.json" <<'EOF'
{"model": "scripted-1", "messages": [{"role": "system", "content": "You are agent 1 of a society."},
 {"role": "user", "content": "round: 2\nopinion: 0.5\nneighbours: 3 7 9\nheard: 3 0.59999999999999998 I lean yes\nheard: 7 0.69999999999999996\nheard: 9 0.94999999999999996 surely yes\ncase: 4 vote among 3 options from 0 to 1\n"}],
 "temperature": 0.7, "max_tokens": 200, "seed": 11, "response_format": {"type": "json_object"}}
EOF
B="$WORK/body.json"
C="/v1/chat/completions"

start_llm main --log "$WORK/main.log"
main_pid=$llm_pid

# -- the scripted answer ------------------------------------------------------------------
req "$WORK/a1" "$base$C" "$B"
[ $rc = 0 ] && [ "$(cat "$WORK/a1.code")" = 200 ] || fail "plain answer: rc $rc, $(cat "$WORK/a1.body")"
grep -qi '^content-length: [0-9]' "$WORK/a1.headers" || fail "no Content-Length: $(cat "$WORK/a1.headers")"
check "$WORK/a1.body" 'd["object"] == "chat.completion" and d["model"] == "scripted-1" and len(d["choices"]) == 1 and d["choices"][0]["index"] == 0 and d["choices"][0]["message"]["role"] == "assistant" and d["choices"][0]["finish_reason"] == "stop" and isinstance(d["id"], str) and isinstance(d["created"], int)' "the OpenAI shape"
check "$WORK/a1.body" 'list(c) == ["opinion", "say", "to", "cooperate", "cases"] and c["opinion"] == 0.575 and c["say"] == "I think the opinion is 0.575." and c["to"] == [3, 7] and c["cooperate"] is True and c["cases"] == [{"case": 4, "vote": 0.575}]' "the deffuant-like rule"
words=$($PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(len(m["content"].split()) for m in d["messages"]))' "$B")
check "$WORK/a1.body" "d['usage']['prompt_tokens'] == $words and d['usage']['completion_tokens'] == len(d['choices'][0]['message']['content'].split()) and d['usage']['total_tokens'] == d['usage']['prompt_tokens'] + d['usage']['completion_tokens']" "usage in words"
req "$WORK/a2" "$base$C" "$B"
cmp -s "$WORK/a1.body" "$WORK/a2.body" || fail "the same body got different answers: $(cat "$WORK/a1.body") vs $(cat "$WORK/a2.body")"
# far away: an agent at 0.1 hears only 0.9 (too far): it stays, and complains about 4
printf '{"model": "m", "messages": [{"role": "user", "content": "opinion: 0.1\\nheard: 4 0.9"}]}' >"$WORK/far.json"
req "$WORK/far" "$base$C" "$WORK/far.json"
check "$WORK/far.body" 'list(c) == ["opinion", "say", "cooperate", "complaint"] and c["opinion"] == 0.1 and c["complaint"] == 4 and c["cooperate"] is False' "an opinion out of reach"
# only neighbours are named: 7 (near) and 12 (farthest) are heard but are not neighbours,
# so the answer goes to 3 alone and the complaint is about 5 (0.65 away, > 0.6); 7 still
# counts in the mean: 0.2 + 0.5 * (0.275 - 0.2) = 0.2375
printf '{"messages": [{"role": "user", "content": "round: 1\\nopinion: 0.20000000000000001\\nneighbours: 3 5\\nheard: 3 0.29999999999999999\\nheard: 7 0.25\\nheard: 12 0.94999999999999996\\nheard: 5 0.84999999999999998\\n"}]}' >"$WORK/nbrs.json"
req "$WORK/nbrs" "$base$C" "$WORK/nbrs.json"
check "$WORK/nbrs.body" 'c == {"opinion": 0.2375, "say": "I think the opinion is 0.2375.", "to": [3], "cooperate": True, "complaint": 5}' "only neighbours named"
# no neighbour heard, near or far: no "to", no "complaint" (an agent with no neighbours)
printf '{"messages": [{"role": "user", "content": "round: 1\\nopinion: 0.5\\nneighbours:\\nheard: 7 0.59999999999999998\\nheard: 12 0\\n"}]}' >"$WORK/nonbr.json"
req "$WORK/nonbr" "$base$C" "$WORK/nonbr.json"
check "$WORK/nonbr.body" 'c == {"opinion": 0.55, "say": "I think the opinion is 0.55.", "cooperate": True}' "no neighbours to name"
# every kind of case, as llm_prompt.c words them, for an agent at 0.5 that heard nothing:
# 21 votes 0.5 clamped into [0.6, 0.9]; 22 accepts 0.75 (0.25 away), 23 refuses 0.8; 24
# takes the offer 0.55 (within 0.1), 25 counters 0.9 with the midpoint 0.7; 26 complies
# with 0.85 (0.35 away), 27 not with 0.95; 28 votes 0.3, the top of [0, 0.3]; the second
# line of case 21 (the parser reads the first) and the notices are not answered
cat >"$WORK/cases.txt" <<'EOF'
round: 5
opinion: 0.5
neighbours: 3 9
notice: case 21 opened, you are member, other none, your position 0.5, theirs 0
case: 21 vote among 5 options from 0.59999999999999998 to 0.90000000000000002
case: 22 accept a proposal of 0.75 from 3
case: 23 accept a proposal of 0.80000000000000004 from none
case: 24 offer: 3 offers 0.55000000000000004, yours was 0.5; accept it or offer another
case: 25 offer: 9 offers 0.90000000000000002, yours was 0.40000000000000002; accept it or offer another
case: 26 comply with the verdict 0.84999999999999998 (imposed) by 9
case: 27 comply with the verdict 0.94999999999999996 (agreed) by none
case: 21 vote among 2 options from 0 to 1
case: 28 vote among 3 options from 0 to 0.29999999999999999
notice: case 20 closed agreed at 0.5
remember: 4 verdict 9 0.5
EOF
$PY -c 'import json, sys; print(json.dumps({"messages": [{"role": "user", "content": open(sys.argv[1]).read()}]}))' "$WORK/cases.txt" >"$WORK/cases.json"
req "$WORK/cases" "$base$C" "$WORK/cases.json"
check "$WORK/cases.body" 'list(c) == ["opinion", "say", "cooperate", "cases"] and c["opinion"] == 0.5 and c["cooperate"] is True' "the case answers' action"
check "$WORK/cases.body" 'c["cases"] == [{"case": 21, "vote": 0.6}, {"case": 22, "accept": True}, {"case": 23, "accept": False}, {"case": 24, "accept": True}, {"case": 25, "offer": 0.7}, {"case": 26, "comply": True}, {"case": 27, "comply": False}, {"case": 28, "vote": 0.3}]' "every kind of case"
# the cases are answered at the new opinion: at 0.2, having heard 0.4, x' = 0.3: it votes
# 0.3, accepts 0.5 (0.2 away) but not 0.6 (0.3), takes the offer 0.35 (0.05) and does not
# comply with 0.75 (0.45)
printf '{"messages": [{"role": "user", "content": "round: 1\\nopinion: 0.20000000000000001\\nneighbours: 6\\nheard: 6 0.40000000000000002\\ncase: 1 vote among 2 options from 0 to 1\\ncase: 2 accept a proposal of 0.5 from 6\\ncase: 3 accept a proposal of 0.59999999999999998 from 6\\ncase: 4 offer: 6 offers 0.34999999999999998, yours was 0.20000000000000001; accept it or offer another\\ncase: 5 comply with the verdict 0.75 (escalated) by 6\\n"}]}' >"$WORK/moved.json"
req "$WORK/moved" "$base$C" "$WORK/moved.json"
check "$WORK/moved.body" 'c["opinion"] == 0.3 and c["to"] == [6] and c["cases"] == [{"case": 1, "vote": 0.3}, {"case": 2, "accept": True}, {"case": 3, "accept": False}, {"case": 4, "accept": True}, {"case": 5, "comply": False}]' "cases at the new opinion"
# the prompt exactly as node/llm_prompt.c's nn_llmp_messages writes it (the messages of
# tests/test_llm_prompt.c's test_prompt_lines, taken from the test binary), then prompts
# drawn in its format: every answer must pass nn_llmp_parse's rules (only its keys; "to"
# and "complaint" neighbours; each case asked, answered once, with a key that fits its ask)
$PY - "$base$C" >"$WORK/schema.out" 2>&1 <<'EOF' || fail "the answers and nn_llmp_parse's rules: $(cat "$WORK/schema.out")"
import http.client, json, random, sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
SYSTEM = "You are Minji, one of the 100 members of a society. You are wary of quick change. Your traits, from 0 to 1: openness 0.62, agreeableness 0.30. Your role: mediator, in group 2. Each round you read what your neighbours said, decide your opinion on the society's question (a number from 0 to 1), may say something to some of them, and answer the cases that ask you something. Answer with one JSON object and nothing else: {\"opinion\": number from 0 to 1, \"say\": \"a short text\" (optional), \"to\": [neighbour ids] (optional), \"cooperate\": true or false (optional, default true), \"complaint\": a neighbour id or null (optional), \"cases\": [{\"case\": id, \"vote\": number} or {\"case\": id, \"accept\": true or false} or {\"case\": id, \"offer\": number} or {\"case\": id, \"comply\": true or false}, one for each case that asks you] (optional)}"
USER = "round: 3\nopinion: 0.5\nneighbours: 2 5 9\nheard: 2 0.25 we should wait opinion: 1\nheard: 9 0.75\ncase: 7 vote among 5 options from 0.20000000000000001 to 0.80000000000000004\ncase: 8 accept a proposal of 0.45000000000000001 from 9\ncase: 11 offer: 5 offers 0.40000000000000002, yours was 0.59999999999999998; accept it or offer another\ncase: 12 comply with the verdict 0.5 (imposed) by 9\nnotice: sanction aggression reputation 0.10000000000000001\n"
KEYS = {"opinion", "say", "to", "cooperate", "complaint", "cases"}
ASKS = {"vote": {"vote"}, "accept": {"accept"}, "offer": {"accept", "offer"},
        "comply": {"comply"}}

def ask(messages):
    conn.request("POST", url.path, json.dumps({"model": "m", "messages": messages}))
    r = conn.getresponse()
    body = r.read()
    assert r.status == 200, (r.status, body)
    return json.loads(json.loads(body)["choices"][0]["message"]["content"])

def unit(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1

def parses(c, nbrs, asks):
    """nn_llmp_parse's rules: what it would refuse, as an assertion."""
    assert isinstance(c, dict) and set(c) <= KEYS, c
    assert unit(c["opinion"]), c
    assert isinstance(c.get("say", ""), str) and len(c.get("say", "").encode()) <= 280, c
    to = c.get("to") or []
    assert isinstance(to, list) and len(to) <= 16 and len(set(to)) == len(to), c
    assert all(type(i) is int and i in nbrs for i in to), (c, nbrs)
    assert isinstance(c.get("cooperate", True), bool), c
    assert c.get("complaint") is None or (type(c["complaint"]) is int and c["complaint"] in nbrs), (c, nbrs)
    cases = c.get("cases", [])
    assert "cases" not in c or cases, "an empty 'cases' list: leave it out"
    assert isinstance(cases, list) and len(cases) <= 16, c
    seen = set()
    for e in cases:
        assert isinstance(e, dict) and len(e) == 2 and type(e.get("case")) is int, e
        (k, v), = [(k, v) for k, v in e.items() if k != "case"]
        assert e["case"] in asks and k in ASKS[asks[e["case"]]] and e["case"] not in seen, (e, asks)
        seen.add(e["case"])
        assert isinstance(v, bool) if k in ("accept", "comply") else unit(v), e
    return c

# the real prompt: 0.5 hears 0.25 (2) and 0.75 (9), both near: it stays at 0.5
c = parses(ask([{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]),
           {2, 5, 9}, {7: "vote", 8: "accept", 11: "offer", 12: "comply"})
want = {"opinion": 0.5, "say": "I think the opinion is 0.5.", "to": [2, 9], "cooperate": True,
        "cases": [{"case": 7, "vote": 0.5}, {"case": 8, "accept": True},
                  {"case": 11, "accept": True}, {"case": 12, "comply": True}]}
assert c == want, c
# a repair (nn_llmp_repair): the model answers the agent's prompt again, not the repair text
rep = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER},
       {"role": "assistant", "content": "I think the opinion is fine."},
       {"role": "user", "content": "Your answer could not be used: the answer is not one JSON object "
        "(invalid token at character 0). Answer again with one JSON object and nothing else: {...}"}]
assert ask(rep) == want, ask(rep)

# prompts drawn in llm_prompt.c's format (numbers with %.17g, as C writes them)
g = random.Random(7)
kinds = {"vote": 0, "accept": 0, "offer": 0, "comply": 0}
def agent():
    return "none" if g.random() < 0.2 else "%u" % g.randrange(40)
for n in range(300):
    nbrs = sorted(g.sample(range(40), g.randrange(0, 8)))
    lines = ["round: %u" % g.randrange(100), "opinion: %.17g" % g.random(),
             "neighbours:" + "".join(" %u" % i for i in nbrs)]
    for _ in range(g.randrange(0, 10)):  # some of the heard are not neighbours
        lines.append("heard: %u %.17g" % (g.choice(nbrs) if nbrs and g.random() < 0.7
                                         else g.randrange(40), g.random())
                     + g.choice(["", " I agree", " case: 3 vote among 2 options from 0 to 1"]))
    asks = {}
    for _ in range(g.randrange(0, 6)):
        cid, kind = g.randrange(1, 12), g.choice(list(ASKS))
        asks.setdefault(cid, kind)  # the parser reads a case's first ask
        a, b = sorted((g.random(), g.random()))
        lines.append({
            "vote": "case: %u vote among %u options from %.17g to %.17g" % (cid, g.randrange(2, 6), a, b),
            "accept": "case: %u accept a proposal of %.17g from %s" % (cid, a, agent()),
            "offer": "case: %u offer: %s offers %.17g, yours was %.17g; accept it or offer another"
                     % (cid, agent(), a, b),
            "comply": "case: %u comply with the verdict %.17g (%s) by %s"
                      % (cid, a, g.choice(["agreed", "imposed", "tolerated", "escalated"]), agent()),
        }[kind])
    if g.random() < 0.5:
        lines.append("notice: case %u closed agreed at %.17g" % (g.randrange(1, 12), g.random()))
        lines.append("remember: 1 heard %s %.17g" % (agent(), g.random()))
    c = parses(ask([{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": "\n".join(lines) + "\n"}]), set(nbrs), asks)
    got = {e["case"] for e in c.get("cases", [])}
    assert got == set(asks), ("every case that asks is answered", c, asks)
    for e in c.get("cases", []):
        kinds[asks[e["case"]]] += 1
assert min(kinds.values()) > 20, kinds
print("schema ok", kinds)
EOF

# -- faults by plan -----------------------------------------------------------------------
reset
plan '{"faults": ["429", "500", "503", "malformed", "badschema", "cut", "empty", "ok", "400"], "retry_after_s": 7}'
req "$WORK/f" "$base$C" "$B"
[ "$(cat "$WORK/f.code")" = 429 ] || fail "429: status $(cat "$WORK/f.code")"
grep -qi '^retry-after: 7' "$WORK/f.headers" || fail "429: no Retry-After: 7 in $(cat "$WORK/f.headers")"
check "$WORK/f.body" 'd["error"]["type"] == "rate_limit_error" and d["error"]["code"] == "rate_limit_exceeded" and isinstance(d["error"]["message"], str)' "429 body"
req "$WORK/f" "$base$C" "$B"
[ "$(cat "$WORK/f.code")" = 500 ] || fail "500: status $(cat "$WORK/f.code")"
check "$WORK/f.body" 'd["error"]["type"] == "server_error"' "500 body"
req "$WORK/f" "$base$C" "$B"
[ "$(cat "$WORK/f.code")" = 503 ] || fail "503: status $(cat "$WORK/f.code")"
req "$WORK/f" "$base$C" "$B"
[ "$(cat "$WORK/f.code")" = 200 ] || fail "malformed: status $(cat "$WORK/f.code")"
$PY -c 'import json, sys; json.load(open(sys.argv[1]))' "$WORK/f.body" 2>/dev/null \
    && fail "malformed: the body is JSON: $(cat "$WORK/f.body")"
req "$WORK/f" "$base$C" "$B"
[ "$(cat "$WORK/f.code")" = 200 ] || fail "badschema: status $(cat "$WORK/f.code")"
check "$WORK/f.body" 'c is None and isinstance(d["choices"][0]["message"]["content"], str)' "badschema: content is not JSON"
req "$WORK/f" "$base$C" "$B"
[ $rc = 18 ] || fail "cut: curl status $rc, 18 (partial file) wanted"
full=$(stat -c %s "$WORK/a1.body")
got=$(stat -c %s "$WORK/f.body")
grep -qi "^content-length: $full" "$WORK/f.headers" || fail "cut: Content-Length is not the full $full: $(cat "$WORK/f.headers")"
[ "$got" -lt "$full" ] && [ "$got" -gt 0 ] || fail "cut: got $got bytes of $full"
req "$WORK/f" "$base$C" "$B"
[ "$(cat "$WORK/f.code")" = 200 ] || fail "empty: status $(cat "$WORK/f.code")"
check "$WORK/f.body" 'd["choices"] == []' "empty"
req "$WORK/f" "$base$C" "$B"
cmp -s "$WORK/a1.body" "$WORK/f.body" || fail "ok in a plan: $(cat "$WORK/f.body")"
req "$WORK/f" "$base$C" "$B"
[ "$(cat "$WORK/f.code")" = 400 ] || fail "400 by plan: status $(cat "$WORK/f.code")"
req "$WORK/f" "$base$C" "$B" # the plan is spent: plain answers again
cmp -s "$WORK/a1.body" "$WORK/f.body" || fail "after the plan: $(cat "$WORK/f.body")"
stats
check "$WORK/stats.body" 'd["requests"] == 10 and d["plan_left"] == 0 and d["by_fault"] == {"ok": 2, "429": 1, "429date": 0, "500": 1, "503": 1, "400": 1, "401": 0, "stall": 0, "malformed": 1, "badschema": 1, "cut": 1, "empty": 1}' "stats after the plan"
# a Retry-After as an HTTP date, not before now + retry_after_s
plan '{"faults": ["429date"], "retry_after_s": 5}'
req "$WORK/f" "$base$C" "$B"
[ "$(cat "$WORK/f.code")" = 429 ] || fail "429date: status $(cat "$WORK/f.code")"
$PY -c 'import email.utils, sys, time
h = [l for l in open(sys.argv[1]) if l.lower().startswith("retry-after:")][0]
t = email.utils.parsedate_to_datetime(h.split(":", 1)[1].strip()).timestamp()
sys.exit(0 if time.time() + 4 <= t <= time.time() + 7 else 1)' "$WORK/f.headers" \
    || fail "429date: $(grep -i retry-after "$WORK/f.headers")"
# a plan naming an unknown fault is refused, and queues nothing
printf '{"faults": ["ok", "409"]}' >"$WORK/badplan.json"
req "$WORK/bp" "$base/admin/plan" "$WORK/badplan.json"
[ "$(cat "$WORK/bp.code")" = 400 ] && grep -q "unknown fault '409'" "$WORK/bp.body" \
    || fail "a bad plan: $(cat "$WORK/bp.code") $(cat "$WORK/bp.body")"
stats
check "$WORK/stats.body" 'd["plan_left"] == 0' "a bad plan queued nothing"

# -- the stall: others are still answered, the client's timeout fires ---------------------
plan '{"faults": ["stall"]}'
t0=$(date +%s.%N)
req "$WORK/stall" "$base$C" "$B" 1.5 &
stall_job=$!
sleep 0.3
req "$WORK/beside" "$base$C" "$B" 5
cmp -s "$WORK/a1.body" "$WORK/beside.body" || fail "a request beside a stalled one: rc $rc, $(cat "$WORK/beside.body" 2>/dev/null)"
stats
check "$WORK/stats.body" 'd["in_flight"] == 1 and d["by_fault"]["stall"] == 1' "a stalled request is in flight"
wait $stall_job || true
[ "$(cat "$WORK/stall.code")" = 000 ] || [ "$(cat "$WORK/stall.code")" = 0 ] \
    || fail "stall: an answer came: $(cat "$WORK/stall.code")"
elapsed=$($PY -c "import time; print(time.time() - $t0)")
$PY -c "import sys; sys.exit(0 if 1.4 <= $elapsed <= 4 else 1)" || fail "stall: the client's 1.5 s timeout took $elapsed s"
# the server sees the client hang up and lets the stalled request go
for i in $(seq 40); do
    stats
    [ "$(jget "$WORK/stats.body" 'd["in_flight"]')" = 0 ] && break
    sleep 0.05
done
check "$WORK/stats.body" 'd["in_flight"] == 0' "the stalled request ended with its client"

# -- bad requests ---------------------------------------------------------------------
printf 'not json at all' >"$WORK/bad1.json"
printf '{"model": "m"}' >"$WORK/bad2.json"
printf '{"model": "m", "messages": []}' >"$WORK/bad3.json"
printf '{"model": "m", "messages": [{"content": "no role"}]}' >"$WORK/bad4.json"
for i in 1 2 3 4; do
    req "$WORK/bad" "$base$C" "$WORK/bad$i.json"
    [ "$(cat "$WORK/bad.code")" = 400 ] || fail "bad$i: status $(cat "$WORK/bad.code"): $(cat "$WORK/bad.body")"
    check "$WORK/bad.body" 'd["error"]["type"] == "invalid_request_error" and len(d["error"]["message"]) > 0' "bad$i body"
done
grep -q "messages" "$WORK/bad.body" || fail "bad4: the message does not name 'messages': $(cat "$WORK/bad.body")"
req "$WORK/nf" "$base/v1/nowhere" "$B"
[ "$(cat "$WORK/nf.code")" = 404 ] || fail "an unknown path: $(cat "$WORK/nf.code")"

# -- the Bearer header is counted ------------------------------------------------------
reset
req "$WORK/k" "$base$C" "$B" 5 "Authorization: Bearer sk-test-123"
stats
check "$WORK/stats.body" 'd["authorized"] == 1 and d["last_authorization_ok"] is True' "a Bearer key"
req "$WORK/k" "$base$C" "$B"
stats
check "$WORK/stats.body" 'd["authorized"] == 1 and d["last_authorization_ok"] is False and d["requests"] == 2' "no key"

# -- keep-alive: two requests on one connection -----------------------------------------
reset
if [ $HAVE_CURL = 1 ]; then
    curl -s -o /dev/null -o /dev/null --data-binary "@$B" -H 'Content-Type: application/json' \
        "$base$C" "$base$C" --next -s -o "$WORK/stats.body" "$base/admin/stats" \
        || fail "keep-alive: curl failed"
else
    $PY - "$base" "$B" >"$WORK/stats.body" <<'EOF'
import http.client, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1]); body = open(sys.argv[2], "rb").read()
c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
for _ in range(2):
    c.request("POST", "/v1/chat/completions", body); c.getresponse().read()
c.request("GET", "/admin/stats"); print(c.getresponse().read().decode())
EOF
fi
check "$WORK/stats.body" 'd["requests"] == 2 and d["connections"] == 1 and d["completion_connections"] == 1' "keep-alive"

# -- faults by rate: reproducible for a given order -------------------------------------
kill -TERM $main_pid
wait $main_pid || fail "the server exited with status $? on SIGTERM"
start_llm rate --fault-rate 500=0.3 --fault-rate 429=0.2
seqs=()
for _ in 1 2; do
    reset
    s=""
    for i in $(seq 20); do
        req "$WORK/r" "$base$C" "$B"
        s="$s $(cat "$WORK/r.code")"
    done
    seqs+=("$s")
done
[ "${seqs[0]}" = "${seqs[1]}" ] || fail "rates: not reproducible: '${seqs[0]}' vs '${seqs[1]}'"
n500=$(grep -o 500 <<<"${seqs[0]}" | wc -l)
n429=$(grep -o 429 <<<"${seqs[0]}" | wc -l)
n200=$(grep -o 200 <<<"${seqs[0]}" | wc -l)
[ "$n500" -ge 1 ] && [ "$n500" -le 13 ] && [ "$n429" -ge 1 ] && [ "$n429" -le 11 ] \
    && [ "$n200" -ge 3 ] && [ $((n500 + n429 + n200)) = 20 ] \
    || fail "rates 500=0.3, 429=0.2 over 20 requests gave:${seqs[0]}"
stats
check "$WORK/stats.body" "d['by_fault']['500'] == $n500 and d['by_fault']['429'] == $n429 and d['by_fault']['ok'] == $n200" "rate stats"
kill -TERM $llm_pid
wait $llm_pid || fail "the rate server exited with status $? on SIGTERM"
# a bad --fault-rate is refused with the option named
set +e
$PY "$SERVER" --fault-rate stall=2 >/dev/null 2>"$WORK/badrate.err"
st=$?
set -e
[ $st = 2 ] && grep -q "fault-rate 'stall=2'" "$WORK/badrate.err" || fail "--fault-rate stall=2: status $st, $(cat "$WORK/badrate.err")"

# -- concurrency: 50 requests at 100 ms, all at once; clients that hang up --------------
start_llm slow --latency-ms 100 --jitter-ms 20 --api-key sk-slow
t0=$(date +%s.%N)
pids=()
for i in $(seq 50); do
    req "$WORK/c$i" "$base$C" "$B" 10 "Authorization: Bearer sk-slow" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
elapsed=$($PY -c "import time; print(time.time() - $t0)")
for i in $(seq 50); do
    cmp -s "$WORK/a1.body" "$WORK/c$i.body" || fail "concurrent request $i: $(cat "$WORK/c$i.code") $(cat "$WORK/c$i.body")"
done
stats
echo "50 requests at 100 ms: $elapsed s, in_flight_max $(jget "$WORK/stats.body" 'd["in_flight_max"]')"
check "$WORK/stats.body" 'd["requests"] == 50 and d["in_flight_max"] >= 10 and d["authorized"] == 50' "50 concurrent requests"
$PY -c "import sys; sys.exit(0 if $elapsed < 2.5 else 1)" \
    || fail "50 requests at 100 ms took $elapsed s: not concurrent (50 x 0.1 = 5 s in series)"
req "$WORK/nokey" "$base$C" "$B" 5 "Authorization: Bearer wrong"
[ "$(cat "$WORK/nokey.code")" = 401 ] || fail "--api-key and a wrong key: $(cat "$WORK/nokey.code")"
check "$WORK/nokey.body" 'd["error"]["code"] == "invalid_api_key"' "401 body"
# clients that hang up before the answer (or mid-way): the server goes on and says nothing
pids=()
for i in $(seq 5); do
    req "$WORK/hang$i" "$base$C" "$B" 0.03 "Authorization: Bearer sk-slow" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
sleep 0.3
req "$WORK/after" "$base$C" "$B" 5 "Authorization: Bearer sk-slow"
cmp -s "$WORK/a1.body" "$WORK/after.body" || fail "after clients hung up: $(cat "$WORK/after.body")"
[ ! -s "$WORK/slow.err" ] || fail "the server wrote to stderr: $(cat "$WORK/slow.err")"

# -- SIGTERM ends it promptly, even with a request stalled -----------------------------
plan '{"faults": ["stall"]}'
req "$WORK/st2" "$base$C" "$B" 30 "Authorization: Bearer sk-slow" &
st2_job=$!
sleep 0.3
t0=$(date +%s.%N)
kill -TERM $llm_pid
wait $llm_pid || fail "SIGTERM with a stalled request: status $?"
elapsed=$($PY -c "import time; print(time.time() - $t0)")
$PY -c "import sys; sys.exit(0 if $elapsed < 2 else 1)" || fail "SIGTERM took $elapsed s"
wait $st2_job || true
[ "$(cat "$WORK/st2.code")" = 000 ] || [ "$(cat "$WORK/st2.code")" = 0 ] || fail "the stalled request got an answer: $(cat "$WORK/st2.code")"

# -- the log: one JSON line per request ------------------------------------------------
$PY -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
comp = [l for l in lines if l["path"] == "/v1/chat/completions"]
assert all({"time", "path", "fault", "latency", "model"} <= set(l) for l in lines), lines[0]
assert any(l["fault"] == "cut" for l in comp) and any(l["fault"] == "stall" for l in comp)
assert any(l["model"] == "scripted-1" and l["fault"] == "ok" and l["status"] == 200 for l in comp)
assert any(l["path"] == "/admin/plan" for l in lines)' "$WORK/main.log" \
    || fail "the --log file: $(head -c 2000 "$WORK/main.log")"
echo "ok: llm_server: the scripted answer, every fault, keep-alive, 50 at once, SIGTERM in ${elapsed} s"
