# The coordinator's port under garbage: while `nunchi serve` runs a society with two
# nunchi-node processes over tcp, lib/garbage.py throws at the port (once while the nodes
# join, once during the rounds) raw TCP bytes that are not ZMTP, connections that close
# at once, frames over limits.max_message_bytes, and well-formed ZeroMQ messages the
# coordinator must refuse (random frames, truncated envelopes, multi-part messages,
# version 2 and 0, no body, a Hello after the society is full, Actions for a wrong round
# or from a made-up node, a Heartbeat, a Bye and an Error from a stranger). The run must
# end normally with the digest of `nunchi run`, every refusal must be answered, counted
# in summary.json and logged as a rejected event, and nothing over the size limit may
# reach the codec. Then one peer floods the port with refusals and never reads the
# answers: the run must still end in time with the same digest.
source "$(dirname "$0")/lib/common.bash"
PY=/usr/bin/python3
GARBAGE="$SRC/tests/integration/lib/garbage.py"
python_protocol
scenario="$DATA/scenarios/garbage.yaml"
max_bytes=$(sed -n 's/^ *max_message_bytes: *\([0-9]*\).*/\1/p' "$scenario")
[ -n "$max_bytes" ] || fail "$scenario sets no limits.max_message_bytes"

# `messages` keys of a summary.json (nested one level, so not json_field's)
msg_field() {
    "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["messages"][sys.argv[2]])' \
        "$1/summary.json" "$2"
}
# kv FILE KEY: a key=value line of garbage.py's output
kv() {
    sed -n "s/^$2=//p" "$1"
}
# wait_joined EVENTS N: until N node_joined events are in EVENTS (10 s at most)
wait_joined() {
    for _ in $(seq 100); do
        [ "$(grep -c '"event":"node_joined"' "$1" 2>/dev/null || true)" -ge "$2" ] && return 0
        sleep 0.1
    done
    fail "$2 nodes did not join within 10 s: $(cat "$1" 2>/dev/null)"
}
# two_nodes: two nunchi-node at $endpoint, their pids in $nodes, once both have joined
# the run in $out
two_nodes() {
    nodes=()
    for _ in 1 2; do
        "$NODE" --connect "$endpoint" 2>>"$out.nodes.err" &
        nodes+=($!)
    done
    wait_joined "$out/events.jsonl" 2
}
# finish WHAT SECONDS PIDS...: waits up to SECONDS for the coordinator; when it is still
# running it and the PIDS are killed and the test fails; else its exit status must be 0
finish() {
    local what=$1 limit=$2 p
    shift 2
    for _ in $(seq $((limit * 10))); do
        kill -0 "$coord" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$coord" 2>/dev/null; then
        local n last
        n=$(grep -c '"event":"rejected"' "$out/events.jsonl" || true)
        last=$(tail -n 1 "$out/events.jsonl")
        kill -9 "$coord" "$@" 2>/dev/null || true
        fail "$what: the coordinator stalled (still running after $limit s, the run lasts ~4 s; $n rejected events so far, the last event: $last)"
    fi
    wait "$coord" || fail "$what: serve failed: $(cat "$out.err" "$out.nodes.err" 2>/dev/null)"
    for p in "$@"; do
        wait "$p" || fail "$what: a node failed: $(cat "$out.nodes.err")"
    done
}

"$NUNCHI" run "$scenario" --out "$WORK/ref" --quiet || fail "nunchi run $scenario"
ref=$(digest_of "$WORK/ref")
[ -n "$ref" ] || fail "no digest in $WORK/ref/summary.json"
[ "$(msg_field "$WORK/ref" rejected_wire_messages)" = 0 ] || fail "nunchi run refused messages"

# 1. garbage while the nodes join and during the rounds
out="$WORK/g"
start_serve "$out.err" "$NUNCHI" serve "$scenario" --expect-nodes 2 --wait 20 --out "$out" --quiet
endpoint="tcp://127.0.0.1:$port"
"$PY" "$GARBAGE" --connect "$endpoint" --wave join --seed 1 --max-bytes "$max_bytes" \
    >"$WORK/join.kv" 2>"$WORK/join.err" || fail "garbage.py (join): $(cat "$WORK/join.err")"
kill -0 "$coord" 2>/dev/null || fail "serve ended under garbage before any node joined: $(cat "$out.err")"
two_nodes
"$PY" "$GARBAGE" --connect "$endpoint" --wave run --seed 1 --max-bytes "$max_bytes" \
    >"$WORK/run.kv" 2>"$WORK/run.err" || fail "garbage.py (run): $(cat "$WORK/run.err")"
kill -0 "$coord" 2>/dev/null \
    || fail "the run was over before the garbage was through (make $scenario last longer)"
finish "garbage" 15 "${nodes[@]}"

[ "$(json_field "$out/summary.json" status)" = completed ] || fail "status: $(cat "$out/summary.json")"
got=$(digest_of "$out")
[ "$got" = "$ref" ] || fail "served under garbage: digest $got != nunchi run's $ref"
for w in join run; do
    f="$WORK/$w.kv"
    sent=$(kv "$f" sent)
    [ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "garbage.py ($w) sent nothing: $(cat "$f" "$WORK/$w.err")"
    # every refusable message reached the coordinator and was answered, once
    [ "$(kv "$f" answered)" = "$sent" ] \
        || fail "$w: $sent refusable messages, $(kv "$f" answered) answers: $(cat "$f")"
    [ "$(kv "$f" unexpected_answers)" = 0 ] || fail "$w: answers that are not Error or Reject: $(cat "$WORK/$w.err")"
    [ "$(kv "$f" raw_connections)" -gt 0 ] && [ "$(kv "$f" oversized)" -gt 0 ] \
        || fail "$w: no raw or oversized garbage: $(cat "$f")"
done
[ "$(kv "$WORK/run.kv" answered_hello_full)" = 1 ] || fail "the Hello after the society was full was not answered"
# the coordinator's own counts: at least every refusal answered (libzmq takes raw bytes
# that do not start like ZMTP 3 for ZMTP 1.0 frames, so some raw garbage may be refused
# too), and one rejected event per refusal
counted=$(($(kv "$WORK/join.kv" sent) + $(kv "$WORK/run.kv" sent)))
rejected=$(msg_field "$out" rejected_wire_messages)
[ "$rejected" -gt 0 ] && [ "$rejected" -ge "$counted" ] \
    || fail "rejected_wire_messages is $rejected, but $counted refused messages were answered"
grep '"event":"rejected"' "$out/events.jsonl" >"$WORK/rejected.jsonl" || true
events=$(wc -l <"$WORK/rejected.jsonl")
[ "$events" = "$rejected" ] || fail "$events rejected events in events.jsonl, $rejected in summary.json"
# the second wave hit the coordinator during the rounds, not before or after them
grep -q '"round":[1-9]' "$WORK/rejected.jsonl" || fail "no refusal happened during the rounds"
for why in '"reason":"full"' 'a message must be one frame' 'unsupported protocol version 2' \
    'unsupported protocol version 0' 'not a valid protobuf message' 'no message body' \
    '"reason":"version"' 'unexpected message kind'; do
    grep -qF "$why" "$WORK/rejected.jsonl" \
        || fail "no rejected event with '$why' in $out/events.jsonl"
done
# nothing over the limit reached the codec (ZMQ_MAXMSGSIZE drops it in libzmq)
! grep -q "max_message_bytes" "$WORK/rejected.jsonl" \
    || fail "a frame over $max_bytes bytes reached the coordinator: $(grep -m 1 max_message_bytes "$WORK/rejected.jsonl")"
biggest=$(sed -n 's/.*"why":"envelope: \([0-9]*\) bytes.*/\1/p' "$WORK/rejected.jsonl" | sort -n | tail -n 1)
[ -z "$biggest" ] || [ "$biggest" -le "$max_bytes" ] \
    || fail "a $biggest-byte frame reached the codec (limit $max_bytes)"
[ "$(msg_field "$out" sent)" = "$(msg_field "$WORK/ref" sent)" ] \
    || fail "agents' messages: $(msg_field "$out" sent) sent under garbage, $(msg_field "$WORK/ref" sent) without"

# 2. a peer that floods the port with refusals and never reads the answers
out="$WORK/flood"
start_serve "$out.err" "$NUNCHI" serve "$scenario" --expect-nodes 2 --wait 20 --out "$out" --quiet
endpoint="tcp://127.0.0.1:$port"
two_nodes
"$PY" "$GARBAGE" --connect "$endpoint" --wave flood --count 100000 --hold 20 \
    >"$WORK/flood.kv" 2>"$WORK/flood.err" &
flooder=$!
finish "a peer that does not read its answers" 12 "${nodes[@]}" "$flooder"
kill "$flooder" 2>/dev/null || true
wait "$flooder" 2>/dev/null || true
got=$(digest_of "$out")
[ "$got" = "$ref" ] || fail "served under a flood: digest $got != nunchi run's $ref"
[ "$(msg_field "$out" rejected_wire_messages)" -gt 0 ] || fail "the flood was not refused"
echo "ok: garbage ($counted refusals answered, $rejected counted) and a flood leave the digest $ref"
