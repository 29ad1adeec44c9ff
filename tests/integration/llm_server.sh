# tests/llm_server/server.py, the scripted OpenAI-style endpoint the LLM client is tested
# against, driven over real sockets with curl (or /usr/bin/python3 when curl is missing):
# the scripted answer (same body => same bytes, the opinion moves by the deffuant rule),
# every fault by plan and by rate, bad requests, the Bearer key, keep-alive, 50 requests
# in parallel, a stalled request not blocking others, clients that hang up, and SIGTERM.
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

# start_llm NAME ARGS...: the server in the background; sets $base (its URL) and $llm_pid
start_llm() {
    local name=$1 i
    shift
    $PY "$SERVER" --port 0 --port-file "$WORK/$name.port" "$@" >"$WORK/$name.out" \
        2>"$WORK/$name.err" &
    llm_pid=$!
    for i in $(seq 100); do [ -s "$WORK/$name.port" ] && break; sleep 0.05; done
    [ -s "$WORK/$name.port" ] || fail "server $name did not start: $(cat "$WORK/$name.err")"
    for i in $(seq 40); do grep -q '^listening ' "$WORK/$name.out" && break; sleep 0.05; done
    [ "$(cat "$WORK/$name.out")" = "listening $(cat "$WORK/$name.port")" ] \
        || fail "server $name printed '$(cat "$WORK/$name.out")', not 'listening $(cat "$WORK/$name.port")'"
    base="http://127.0.0.1:$(cat "$WORK/$name.port")"
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
# to 0.65, to 0.575, answers 3 and 7, and complains about nobody (0.45 < 0.6)
cat >"$WORK/body.json" <<'EOF'
{"model": "scripted-1", "messages": [{"role": "system", "content": "You are agent 1 of a society."},
 {"role": "user", "content": "opinion: 0.5\nheard: 3 0.6 I lean yes\nheard: 7 0.7\nheard: 9 0.95 surely yes\ncase: c1 no yes\nAnswer in JSON."}],
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
check "$WORK/a1.body" 'c["opinion"] == 0.575 and "0.575" in c["say"] and c["to"] == [3, 7] and c["votes"] == {"c1": "yes"} and c["cooperate"] is True and "complaint" not in c' "the deffuant-like rule"
words=$($PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(len(m["content"].split()) for m in d["messages"]))' "$B")
check "$WORK/a1.body" "d['usage']['prompt_tokens'] == $words and d['usage']['completion_tokens'] == len(d['choices'][0]['message']['content'].split()) and d['usage']['total_tokens'] == d['usage']['prompt_tokens'] + d['usage']['completion_tokens']" "usage in words"
req "$WORK/a2" "$base$C" "$B"
cmp -s "$WORK/a1.body" "$WORK/a2.body" || fail "the same body got different answers: $(cat "$WORK/a1.body") vs $(cat "$WORK/a2.body")"
# far away: an agent at 0.1 hears only 0.9 (too far): it stays, and complains about 4
printf '{"model": "m", "messages": [{"role": "user", "content": "opinion: 0.1\\nheard: 4 0.9"}]}' >"$WORK/far.json"
req "$WORK/far" "$base$C" "$WORK/far.json"
check "$WORK/far.body" 'c["opinion"] == 0.1 and c["complaint"] == 4 and c["cooperate"] is False and "to" not in c' "an opinion out of reach"

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
