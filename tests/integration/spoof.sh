# A node that speaks for agents it was not given: lib/spoof_node.py runs deffuant rightly
# for its own agents (it is clients/python's reference node) and in every Actions also
# sends messages from another node's agent and from ids >= agents_total, and acts for
# agents it does not host, in an order the codec accepts. Beside an honest nunchi-node,
# the served run must give `nunchi run`'s digest (no spoofed message is delivered), and
# summary.json must count exactly the spoofed messages under the router's
# foreign_sender rule and the spoofed acts as foreign_acts. The same spoofer then runs
# with the sides swapped (it joins second, so its agents are the upper half).
source "$(dirname "$0")/lib/common.bash"
PY=/usr/bin/python3
SPOOF="$SRC/tests/integration/lib/spoof_node.py"
python_protocol
scenario="$DATA/scenarios/client_deffuant.yaml"

msg_field() { # summary.json's messages.KEY, or messages.dropped.KEY with `dropped KEY`
    "$PY" -c 'import json, sys
m = json.load(open(sys.argv[1]))["messages"]
for k in sys.argv[2:]:
    m = m[k]
print(m)' "$1/summary.json" "${@:2}"
}
kv() {
    sed -n "s/^$2=//p" "$1"
}

"$NUNCHI" run "$scenario" --out "$WORK/ref" --quiet || fail "nunchi run $scenario"
ref=$(digest_of "$WORK/ref")
[ -n "$ref" ] || fail "no digest in $WORK/ref/summary.json"
rounds=$(json_field "$WORK/ref/summary.json" rounds)

# spoofed ORDER OUT: serve with the spoofer and nunchi-node, the spoofer joining first
# (ORDER=first) or second
spoofed() {
    local order=$1 out=$2 sp nd
    start_serve "$out.err" "$NUNCHI" serve "$scenario" --expect-nodes 2 --wait 20 --out "$out" --quiet
    if [ "$order" = first ]; then
        "$PY" "$SPOOF" --connect "tcp://127.0.0.1:$port" --count-file "$out.count" 2>"$out.spoof.err" &
        sp=$!
        for _ in $(seq 50); do grep -q node_joined "$out/events.jsonl" 2>/dev/null && break; sleep 0.1; done
        "$NODE" --connect "tcp://127.0.0.1:$port" 2>"$out.node.err" &
        nd=$!
    else
        "$NODE" --connect "tcp://127.0.0.1:$port" 2>"$out.node.err" &
        nd=$!
        for _ in $(seq 50); do grep -q node_joined "$out/events.jsonl" 2>/dev/null && break; sleep 0.1; done
        "$PY" "$SPOOF" --connect "tcp://127.0.0.1:$port" --count-file "$out.count" 2>"$out.spoof.err" &
        sp=$!
    fi
    wait "$coord" || fail "serve with a spoofer ($order) failed: $(cat "$out.err" "$out.spoof.err" "$out.node.err")"
    wait "$sp" || fail "the spoofer ($order) failed: $(cat "$out.spoof.err")"
    wait "$nd" || fail "nunchi-node beside the spoofer ($order) failed: $(cat "$out.node.err")"
    grep -q '"implementation":"nunchi-spoof"' "$out/events.jsonl" || fail "the spoofer did not join ($order)"
    [ "$(json_field "$out/summary.json" status)" = completed ] || fail "$order: $(cat "$out/summary.json")"
    local got msgs acts foreign fa
    got=$(digest_of "$out")
    [ "$got" = "$ref" ] || fail "spoofer $order: digest $got != nunchi run's $ref (a spoofed message or act took effect)"
    msgs=$(kv "$out.count" foreign_messages)
    acts=$(kv "$out.count" foreign_acts)
    [ "$msgs" = $((5 * rounds)) ] && [ "$acts" = $((3 * rounds)) ] \
        || fail "spoofer $order sent $msgs foreign messages and $acts foreign acts, not $((5 * rounds)) and $((3 * rounds))"
    foreign=$(msg_field "$out" dropped foreign_sender)
    [ "$foreign" = "$msgs" ] || fail "spoofer $order: dropped.foreign_sender is $foreign, the spoofer sent $msgs"
    fa=$(msg_field "$out" foreign_acts)
    [ "$fa" = "$acts" ] || fail "spoofer $order: foreign_acts is $fa, the spoofer made $acts"
    # nothing else changed: the agents' own messages are those of nunchi run
    [ "$(msg_field "$out" sent)" = "$(($(msg_field "$WORK/ref" sent) + msgs))" ] \
        || fail "spoofer $order: sent $(msg_field "$out" sent), nunchi run's $(msg_field "$WORK/ref" sent) + $msgs spoofed"
    [ "$(msg_field "$out" delivered)" = "$(msg_field "$WORK/ref" delivered)" ] \
        || fail "spoofer $order: delivered $(msg_field "$out" delivered) != nunchi run's $(msg_field "$WORK/ref" delivered)"
    [ "$(msg_field "$out" dropped unknown_receiver)" = 0 ] || fail "spoofer $order: unknown_receiver drops"
    [ "$(msg_field "$out" rejected_wire_messages)" = 0 ] \
        || fail "spoofer $order: the codec refused its batches ($(grep rejected "$out/events.jsonl" | head -n 2))"
}
spoofed first "$WORK/first"
spoofed second "$WORK/second"
echo "ok: a spoofing node's $((5 * rounds)) foreign messages and $((3 * rounds)) foreign acts are dropped and counted ($ref)"
