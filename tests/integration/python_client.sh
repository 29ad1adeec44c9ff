# The Python reference node (clients/python/) speaks nunchi's wire protocol to
# `nunchi serve` and gives exactly the digest of the same run with the built-in C nodes:
# deffuant agents on two Python nodes (and on two nunchi-node); deffuant agents with
# parameters drawn per agent beside stubborn agents, with trends (TREND notices, trend
# words in the digest), on three; a Python node that cannot run a behaviour the society
# needs is refused. A deliberately wrong deffuant must change the digest. Talking agents
# (talker.py) keep deffuant's digest, and their texts reach transcript.jsonl and the
# agents they were sent to.
source "$(dirname "$0")/lib/common.bash"
PY=/usr/bin/python3
CLIENT="$SRC/clients/python"
command -v protoc >/dev/null || fail "protoc is missing (protobuf-compiler is needed, see deploy/debian-packages.txt)"
python_protocol

# the generator and digest against the test vectors of docs/protocol.md
"$PY" "$CLIENT/deffuant.py" --self-test >/dev/null || fail "nunchi_agent.py test vectors"

deffuant_yaml="$DATA/scenarios/client_deffuant.yaml"
stubborn_yaml="$DATA/scenarios/client_stubborn.yaml"


# 1. deffuant: nunchi run, serve + 2 Python nodes, serve + 2 nunchi-node
"$NUNCHI" run "$deffuant_yaml" --out "$WORK/ref" --quiet || fail "nunchi run deffuant.yaml"
ref=$(digest_of "$WORK/ref")
[ -n "$ref" ] || fail "no digest in $WORK/ref/summary.json"
served "$deffuant_yaml" 2 "$WORK/py" "$PY" "$CLIENT/deffuant.py"
[ "$(digest_of "$WORK/py")" = "$ref" ] \
    || fail "python nodes: digest $(digest_of "$WORK/py") != nunchi run's $ref"
[ "$(grep -c '"event":"node_joined".*"implementation":"nunchi-python"' "$WORK/py/events.jsonl")" = 2 ] \
    || fail "not 2 nunchi-python joins in $WORK/py/events.jsonl"
served "$deffuant_yaml" 2 "$WORK/c" "$NODE"
[ "$(digest_of "$WORK/c")" = "$ref" ] \
    || fail "nunchi-node: digest $(digest_of "$WORK/c") != nunchi run's $ref"

# 2. the comparison can fail: a deffuant that moves 0.1% less gives another digest
mkdir -p "$WORK/mutant"
cp "$CLIENT/nunchi_agent.py" "$WORK/mutant/"
sed 's/x += mu \* diff$/x += mu * diff * 0.999/' "$CLIENT/deffuant.py" >"$WORK/mutant/deffuant.py"
cmp -s "$CLIENT/deffuant.py" "$WORK/mutant/deffuant.py" && fail "the mutant deffuant is not mutated"
served "$deffuant_yaml" 2 "$WORK/mut" "$PY" "$WORK/mutant/deffuant.py"
mut=$(digest_of "$WORK/mut")
[ -n "$mut" ] || fail "no digest in $WORK/mut/summary.json"
[ "$mut" != "$ref" ] || fail "a wrong deffuant gave the right digest ($mut)"

# 3. stubborn agents beside deffuant agents with parameters drawn per agent; a node that
#    runs only deffuant is refused first (unknown_behaviour) and the society waits on
"$NUNCHI" run "$stubborn_yaml" --out "$WORK/ref2" --quiet || fail "nunchi run stubborn.yaml"
ref2=$(digest_of "$WORK/ref2")
serve "$stubborn_yaml" 3 "$WORK/py2"
set +e
"$PY" "$CLIENT/deffuant.py" --connect "tcp://127.0.0.1:$port" 2>"$WORK/refused.err"
status=$?
set -e
[ $status -eq 1 ] || fail "a deffuant-only node in a stubborn society: exit status $status"
grep -q "refused this node (unknown_behaviour): this society needs 'stubborn'" "$WORK/refused.err" \
    || fail "a deffuant-only node in a stubborn society: $(cat "$WORK/refused.err")"
pids=()
for i in 1 2 3; do
    "$PY" "$CLIENT/stubborn.py" --connect "tcp://127.0.0.1:$port" 2>>"$WORK/py2.nodes.err" &
    pids+=($!)
done
wait "$coord" || fail "serve stubborn.yaml failed: $(cat "$WORK/py2.err" "$WORK/py2.nodes.err")"
for p in "${pids[@]}"; do wait "$p" || fail "a stubborn.py node failed: $(cat "$WORK/py2.nodes.err")"; done
[ "$(digest_of "$WORK/py2")" = "$ref2" ] \
    || fail "python stubborn nodes: digest $(digest_of "$WORK/py2") != nunchi run's $ref2"
grep -q '"event":"rejected".*unknown_behaviour' "$WORK/py2/events.jsonl" \
    || fail "the refused node is not a rejected event in $WORK/py2/events.jsonl"

# 4. without the generated module the node says how to make it
set +e
"$PY" "$CLIENT/deffuant.py" --connect "tcp://127.0.0.1:1" --pb2-dir "$WORK/nowhere" 2>"$WORK/nopb.err"
status=$?
set -e
[ $status -eq 1 ] || fail "no pb2: exit status $status"
grep -q "has no nunchi_pb2.py; make it with: protoc" "$WORK/nopb.err" || fail "no pb2: $(cat "$WORK/nopb.err")"

# 5. a node with no coordinator gives up after its timeout
set +e
"$PY" "$CLIENT/deffuant.py" --connect "tcp://127.0.0.1:$((port + 1))" --timeout 1 2>"$WORK/lonely.err"
status=$?
set -e
[ $status -eq 1 ] || fail "lonely python node: exit status $status"
grep -q "no coordinator answered within 1 s" "$WORK/lonely.err" || fail "lonely python node: $(cat "$WORK/lonely.err")"

# 6. the session, with nunchi-node as the reference: the same answers in every round (the
#    claimed population's mu is drawn with key 1, its index in deffuant's list), then a refused resume
session_check resume "$WORK/s-c" "$NODE" --claim ext-a=deffuant
[ $node_status -eq 1 ] && grep -q "refused to resume node 3 (session)" "$WORK/s-c.node.err" \
    || fail "nunchi-node, a refused resume: status $node_status, $(cat "$WORK/s-c.node.err")"
session_check resume "$WORK/s-py" "$PY" "$CLIENT/deffuant.py" --claim ext-a
[ $node_status -eq 1 ] && grep -q "refused to resume node 3 (session): session 5ec0de is over" "$WORK/s-py.node.err" \
    || fail "python node, a refused resume: status $node_status, $(cat "$WORK/s-py.node.err")"
cmp -s "$WORK/s-c.json" "$WORK/s-py.json" \
    || fail "python node's session answers $(cat "$WORK/s-py.json") != nunchi-node's $(cat "$WORK/s-c.json")"
session_check silent "$WORK/s-q" "$PY" "$CLIENT/deffuant.py" --claim ext-a
[ $node_status -eq 1 ] && grep -q "heard nothing from the coordinator for 1 s" "$WORK/s-q.node.err" \
    || fail "python node, liveness: status $node_status, $(cat "$WORK/s-q.node.err")"
set +e
"$PY" "$CLIENT/deffuant.py" --connect "tcp://127.0.0.1:1" --claim ext-a=voter 2>"$WORK/claim.err"
status=$?
set -e
[ $status -eq 2 ] && grep -q "this node has no behaviour 'voter' (it has: deffuant)" "$WORK/claim.err" \
    || fail "a claim for a behaviour the node lacks: status $status, $(cat "$WORK/claim.err")"

# 7. nunchi run with the deffuant agents an external population (deffuant-py) hosted by a
#    Python node, the stubborn ones on nunchi's own nodes: the digest of the built-in run;
#    the wrong deffuant of 2 as that node gives another
"$NUNCHI" run "$DATA/scenarios/client_external_ref.yaml" --out "$WORK/ref3" --quiet \
    || fail "nunchi run client_external_ref.yaml"
ref3=$(digest_of "$WORK/ref3")
[ -n "$ref3" ] || fail "no digest in $WORK/ref3/summary.json"
external_run "$DATA/scenarios/client_external.yaml" deffuant-py "$WORK/ext" "$PY" "$CLIENT/deffuant.py"
[ "$(digest_of "$WORK/ext")" = "$ref3" ] \
    || fail "an external deffuant-py on a python node: digest $(digest_of "$WORK/ext") != the built-in $ref3"
grep -q '"event":"node_joined".*"implementation":"nunchi-python"' "$WORK/ext/events.jsonl" \
    || fail "no nunchi-python join in $WORK/ext/events.jsonl"
external_run "$DATA/scenarios/client_external.yaml" deffuant-py "$WORK/extmut" "$PY" "$WORK/mutant/deffuant.py"
[ "$(digest_of "$WORK/extmut")" != "$ref3" ] || fail "a wrong external deffuant gave the right digest"
# 8. CURVE (security.curve), with --server-key FILE --key FILE as nunchi-node's: two
#    authorized python nodes give the digest of nunchi run; an unauthorized key and a
#    plaintext node are refused (authentication, status 1); bad key files exit 2
curve_clients "$WORK/curve" "$PY" "$CLIENT/deffuant.py"

# 9. texts: two talker nodes (talker.py: deffuant's step, then "agent ID heard N — round
#    R") give the digest of plain deffuant (texts change no behaviour); transcript.jsonl has
#    every agent's text of every round, and what each node's agents heard (--heard FILE) is
#    exactly what the transcript delivered, one round later, by sender, across the nodes,
#    and what each agent said it heard (text_check.py); a heard file with one sender
#    changed, and a node that maps texts to the wrong sender, fail the check; a text of
#    281 bytes ends the node naming the agent and round, before it is sent
talkers() { # OUT CMD...: serve deffuant.yaml with two CMD --heard OUT.heardI.jsonl
    local out=$1 i
    shift
    serve "$deffuant_yaml" 2 "$out"
    local pids=()
    for i in 1 2; do
        "$@" --connect "tcp://127.0.0.1:$port" --heard "$out.heard$i.jsonl" 2>>"$out.nodes.err" &
        pids+=($!)
    done
    wait "$coord" || fail "serve with talkers $*: $(cat "$out.err" "$out.nodes.err")"
    for i in "${pids[@]}"; do wait "$i" || fail "a talker ($*) failed: $(cat "$out.nodes.err")"; done
}
text_check() { # OUT: text_check.py on the run OUT and its two heard files
    "$PY" "$CLIENT/text_check.py" "$1" "$1.heard1.jsonl" "$1.heard2.jsonl" --agents 2000 --rounds 20
}
talkers "$WORK/talk" "$PY" "$CLIENT/talker.py"
[ "$(digest_of "$WORK/talk")" = "$ref" ] \
    || fail "python talkers: digest $(digest_of "$WORK/talk") != plain deffuant's $ref"
text_check "$WORK/talk" >"$WORK/talk.check" 2>&1 || fail "python talkers: $(cat "$WORK/talk.check")"
grep -q '"texts": 40000,' "$WORK/talk/summary.json" || fail "python talkers: not 40000 texts in $WORK/talk/summary.json"
sed -E '5s/("from": ?)([0-9]+)/\1\29/' "$WORK/talk.heard1.jsonl" >"$WORK/talk.heard1.bad"
cmp -s "$WORK/talk.heard1.jsonl" "$WORK/talk.heard1.bad" && fail "the corrupted heard file is not corrupted"
mv "$WORK/talk.heard1.bad" "$WORK/talk.heard1.jsonl"
text_check "$WORK/talk" >"$WORK/talk.bad" 2>&1 && fail "a heard text with a wrong sender passed the text check"
grep -q "not those the transcript delivered" "$WORK/talk.bad" || fail "text check of a wrong sender: $(cat "$WORK/talk.bad")"
mkdir -p "$WORK/tmut"
cp "$CLIENT/deffuant.py" "$CLIENT/talker.py" "$WORK/tmut/"
sed 's/d.text = texts.get(d.sender) if/d.text = texts.get(d.sender ^ 1) if/' "$CLIENT/nunchi_agent.py" >"$WORK/tmut/nunchi_agent.py"
cmp -s "$CLIENT/nunchi_agent.py" "$WORK/tmut/nunchi_agent.py" && fail "the mutant nunchi_agent.py is not mutated"
talkers "$WORK/tmutrun" "$PY" "$WORK/tmut/talker.py"
text_check "$WORK/tmutrun" >"$WORK/tmut.check" 2>&1 && fail "a node mapping texts to the wrong sender passed the text check"
mkdir -p "$WORK/tlong"
cp "$CLIENT/deffuant.py" "$CLIENT/nunchi_agent.py" "$WORK/tlong/"
sed 's/a.say(.*$/a.say("x" * (280 + (a.id == 7 and a.round == 3)))/' "$CLIENT/talker.py" >"$WORK/tlong/talker.py"
grep -q '280 + (a.id == 7' "$WORK/tlong/talker.py" || fail "the long talker is not mutated"
start_serve "$WORK/long.err" "$NUNCHI" serve "$deffuant_yaml" --set nodes=1 --expect-nodes 1 \
    --wait 20 --out "$WORK/long" --quiet
set +e
"$PY" "$WORK/tlong/talker.py" --connect "tcp://127.0.0.1:$port" 2>"$WORK/long.node.err"
status=$?
wait "$coord"
set -e
[ $status -eq 1 ] && grep -q "agent 7 in round 3 may not say 'x*\.\.\.': it has 281 bytes of UTF-8, more than 280" "$WORK/long.node.err" \
    || fail "a text of 281 bytes: status $status, $(cat "$WORK/long.node.err")"
grep -q "node 0 failed in round 3: agent 7 in round 3 may not say" "$WORK/long.err" \
    || fail "a text of 281 bytes: the coordinator said $(cat "$WORK/long.err")"
[ "$(grep -c '"round":3' "$WORK/long/transcript.jsonl")" = 0 ] || fail "a round-3 text reached the transcript"
[ "$(grep -c '"round":2,' "$WORK/long/transcript.jsonl")" = 2000 ] || fail "not 2000 texts of 280 bytes in round 2"
# the refusals of say() and of a tick's texts, one by one
"$PY" - "$CLIENT" <<'PYEOF' || fail "the text checks of nunchi_agent.py"
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import nunchi_agent as na
a = na.Agent()
a.id, a.round, a.said = 4, 9, None
a.say("\u00e9" * 140)  # 280 bytes
assert a.said == "\u00e9" * 140
a.say(b"caf\xc3\xa9")
assert a.said == "caf\u00e9"
for bad, why in (("\u00e9" * 140 + "x", "it has 281 bytes of UTF-8, more than 280"),
                 ("a\0b", "it has a NUL at byte 1"), ("\ud800", "not well-formed UTF-8"),
                 (b"\xc0\xaf", "not well-formed UTF-8"), (7, "it is not a str (an int)")):
    try:
        a.say(bad)
    except na.TextError as e:
        assert str(e).startswith("agent 4 in round 9 may not say ") and why in str(e), str(e)
    else:
        raise AssertionError("say(%r) was not refused" % (bad,))
assert a.said == "caf\u00e9", "a refused text replaced the one said"
a.say(None)
assert a.said is None


class Tick:
    def __init__(self, frm, text):
        self.text_from, self.text = frm, text


assert na.Node.tick_texts(Tick([2, 5], [b"hi", "\u00e9".encode()])) == {2: "hi", 5: "\u00e9"}
for frm, text, why in (([5, 2], [b"a", b"b"], "'text_from' does not ascend"),
                       ([2, 2], [b"a", b"b"], "'text_from' does not ascend"),
                       ([2], [b"a", b"b"], "'text' has 2 entries but 'text_from' has 1"),
                       ([2], [b"x" * 281], "the text of agent 2 is not at most 280 bytes"),
                       ([3], [b"a\0"], "NUL at byte 1"),
                       ([3], [b"\xed\xa0\x80"], "not well-formed UTF-8")):
    try:
        na.Node.tick_texts(Tick(frm, text))
    except na.ProtocolError as e:
        assert why in str(e) and e.code == na.EPROTO, str(e)
    else:
        raise AssertionError("tick texts %r %r were not refused" % (frm, text))
PYEOF
echo "ok: python nodes give the built-in digests ($ref, $ref2, external $ref3); texts: $(cat "$WORK/talk.check")"
