# The Node.js reference node (clients/node/) speaks nunchi's wire protocol to
# `nunchi serve` and gives exactly the digest of the same run with the built-in C nodes:
# deffuant agents on two Node.js nodes; deffuant agents with parameters drawn per agent
# beside stubborn agents, with trends (TREND notices, trend words in the digest), on
# three; a Node.js node that cannot run a behaviour the society needs is refused. A
# deliberately wrong deffuant must change the digest. The session against a scripted
# coordinator (clients/python/session_check.py, so /usr/bin/python3 with python3-zmq and
# python3-protobuf is needed too) answers as nunchi-node does: an external population
# claimed by name, parameters keyed by their index in the behaviour's list, heartbeats, a resume on the
# same socket, repeated and old ticks, a refused resume, and no heartbeats but the
# liveness when the Welcome gives no interval. Under `nunchi run`, an external population
# hosted by a Node.js node gives the digest of the built-in one. Talking agents
# (talker.js) keep deffuant's digest, and their texts reach transcript.jsonl and the
# agents they were sent to, also beside a Python talker.
source "$(dirname "$0")/lib/common.bash"
CLIENT="$SRC/clients/node"
command -v node >/dev/null || fail "node is missing (Debian's nodejs and npm are needed, see deploy/debian-packages.txt)"
if [ ! -d "$CLIENT/node_modules/zeromq" ] || [ ! -d "$CLIENT/node_modules/protobufjs" ]; then
    command -v npm >/dev/null \
        || fail "$CLIENT/node_modules is missing and so is npm; install Debian's npm, then run: npm ci --prefix $CLIENT"
    npm ci --prefix "$CLIENT" --no-audit --no-fund >"$WORK/npm.log" 2>&1 \
        || fail "$CLIENT/node_modules is missing and 'npm ci --prefix $CLIENT' failed: $(tail -n 20 "$WORK/npm.log")"
fi
(cd "$CLIENT" && node -e 'require("zeromq"); require("protobufjs")') 2>"$WORK/imp" \
    || fail "the npm packages zeromq and protobufjs do not load (run: npm ci --prefix $CLIENT): $(cat "$WORK/imp")"

# the generator and digest against the test vectors of docs/protocol.md
node "$CLIENT/deffuant.js" --self-test >/dev/null || fail "nunchi_agent.js test vectors"

deffuant_yaml="$DATA/scenarios/client_deffuant.yaml"
stubborn_yaml="$DATA/scenarios/client_stubborn.yaml"


# 1. deffuant: nunchi run, serve + 2 Node.js nodes
"$NUNCHI" run "$deffuant_yaml" --out "$WORK/ref" --quiet || fail "nunchi run deffuant.yaml"
ref=$(digest_of "$WORK/ref")
[ -n "$ref" ] || fail "no digest in $WORK/ref/summary.json"
served "$deffuant_yaml" 2 "$WORK/js" node "$CLIENT/deffuant.js"
[ "$(digest_of "$WORK/js")" = "$ref" ] \
    || fail "node.js nodes: digest $(digest_of "$WORK/js") != nunchi run's $ref"
[ "$(grep -c '"event":"node_joined".*"implementation":"nunchi-nodejs"' "$WORK/js/events.jsonl")" = 2 ] \
    || fail "not 2 nunchi-nodejs joins in $WORK/js/events.jsonl"

# 2. the comparison can fail: a deffuant that moves 0.1% less gives another digest
#    (the mutant sits beside a link to node_modules so that it finds the packages)
mkdir -p "$WORK/mutant"
cp "$CLIENT/nunchi_agent.js" "$WORK/mutant/"
ln -s "$CLIENT/node_modules" "$WORK/mutant/node_modules"
sed 's/x += mu \* diff;$/x += mu * diff * 0.999;/' "$CLIENT/deffuant.js" >"$WORK/mutant/deffuant.js"
cmp -s "$CLIENT/deffuant.js" "$WORK/mutant/deffuant.js" && fail "the mutant deffuant is not mutated"
served "$deffuant_yaml" 2 "$WORK/mut" node "$WORK/mutant/deffuant.js" --proto "$SRC/proto/nunchi.proto"
mut=$(digest_of "$WORK/mut")
[ -n "$mut" ] || fail "no digest in $WORK/mut/summary.json"
[ "$mut" != "$ref" ] || fail "a wrong deffuant gave the right digest ($mut)"

# 3. stubborn agents beside deffuant agents with parameters drawn per agent; a node that
#    runs only deffuant is refused first (unknown_behaviour) and the society waits on
"$NUNCHI" run "$stubborn_yaml" --out "$WORK/ref2" --quiet || fail "nunchi run stubborn.yaml"
ref2=$(digest_of "$WORK/ref2")
[ -n "$ref2" ] || fail "no digest in $WORK/ref2/summary.json"
serve "$stubborn_yaml" 3 "$WORK/js2"
set +e
node "$CLIENT/deffuant.js" --connect "tcp://127.0.0.1:$port" 2>"$WORK/refused.err"
status=$?
set -e
[ $status -eq 1 ] || fail "a deffuant-only node in a stubborn society: exit status $status"
grep -q "refused this node (unknown_behaviour): this society needs 'stubborn'" "$WORK/refused.err" \
    || fail "a deffuant-only node in a stubborn society: $(cat "$WORK/refused.err")"
pids=()
for i in 1 2 3; do
    node "$CLIENT/stubborn.js" --connect "tcp://127.0.0.1:$port" 2>>"$WORK/js2.nodes.err" &
    pids+=($!)
done
wait "$coord" || fail "serve stubborn.yaml failed: $(cat "$WORK/js2.err" "$WORK/js2.nodes.err")"
for p in "${pids[@]}"; do wait "$p" || fail "a stubborn.js node failed: $(cat "$WORK/js2.nodes.err")"; done
[ "$(digest_of "$WORK/js2")" = "$ref2" ] \
    || fail "node.js stubborn nodes: digest $(digest_of "$WORK/js2") != nunchi run's $ref2"
grep -q '"event":"rejected".*unknown_behaviour' "$WORK/js2/events.jsonl" \
    || fail "the refused node is not a rejected event in $WORK/js2/events.jsonl"

# 4. without the schema the node says where it looked and what to give
set +e
node "$CLIENT/deffuant.js" --connect "tcp://127.0.0.1:1" --proto "$WORK/nowhere.proto" 2>"$WORK/noproto.err"
status=$?
set -e
[ $status -eq 1 ] || fail "no proto: exit status $status"
grep -q "nowhere.proto does not exist; give --proto FILE" "$WORK/noproto.err" \
    || fail "no proto: $(cat "$WORK/noproto.err")"

# 5. a node with no coordinator gives up after its timeout
set +e
node "$CLIENT/deffuant.js" --connect "tcp://127.0.0.1:$((port + 1))" --timeout 1 2>"$WORK/lonely.err"
status=$?
set -e
[ $status -eq 1 ] || fail "lonely node.js node: exit status $status"
grep -q "no coordinator answered within 1 s" "$WORK/lonely.err" || fail "lonely node.js node: $(cat "$WORK/lonely.err")"
PY=/usr/bin/python3
python_protocol


# 6. the session, with nunchi-node as the reference: the same answers in every round (the
#    claimed population's mu is drawn with key 1, its index in deffuant's list), then a refused resume
session_check resume "$WORK/s-c" "$NODE" --claim ext-a=deffuant
[ $node_status -eq 1 ] && grep -q "refused to resume node 3 (session)" "$WORK/s-c.node.err" \
    || fail "nunchi-node, a refused resume: status $node_status, $(cat "$WORK/s-c.node.err")"
session_check resume "$WORK/s-js" node "$CLIENT/deffuant.js" --claim ext-a
[ $node_status -eq 1 ] && grep -q "refused to resume node 3 (session): session 5ec0de is over" "$WORK/s-js.node.err" \
    || fail "node.js node, a refused resume: status $node_status, $(cat "$WORK/s-js.node.err")"
cmp -s "$WORK/s-c.json" "$WORK/s-js.json" \
    || fail "node.js node's session answers $(cat "$WORK/s-js.json") != nunchi-node's $(cat "$WORK/s-c.json")"
session_check silent "$WORK/s-q" node "$CLIENT/deffuant.js" --claim ext-a
[ $node_status -eq 1 ] && grep -q "heard nothing from the coordinator for 1 s" "$WORK/s-q.node.err" \
    || fail "node.js node, liveness: status $node_status, $(cat "$WORK/s-q.node.err")"
set +e
node "$CLIENT/deffuant.js" --connect "tcp://127.0.0.1:1" --claim ext-a=voter 2>"$WORK/claim.err"
status=$?
set -e
[ $status -eq 1 ] && grep -q "this node has no behaviour 'voter' (it has: deffuant)" "$WORK/claim.err" \
    || fail "a claim for a behaviour the node lacks: status $status, $(cat "$WORK/claim.err")"

# 7. nunchi run with the deffuant agents an external population (deffuant-js) hosted by a
#    Node.js node, the stubborn ones on nunchi's own nodes: the digest of the built-in run;
#    the wrong deffuant of 2 as that node gives another
"$NUNCHI" run "$DATA/scenarios/client_external_ref.yaml" --out "$WORK/ref3" --quiet \
    || fail "nunchi run client_external_ref.yaml"
ref3=$(digest_of "$WORK/ref3")
[ -n "$ref3" ] || fail "no digest in $WORK/ref3/summary.json"
external_run "$DATA/scenarios/client_external_js.yaml" deffuant-js "$WORK/ext" node "$CLIENT/deffuant.js"
[ "$(digest_of "$WORK/ext")" = "$ref3" ] \
    || fail "an external deffuant-js on a node.js node: digest $(digest_of "$WORK/ext") != the built-in $ref3"
grep -q '"event":"node_joined".*"implementation":"nunchi-nodejs"' "$WORK/ext/events.jsonl" \
    || fail "no nunchi-nodejs join in $WORK/ext/events.jsonl"
external_run "$DATA/scenarios/client_external_js.yaml" deffuant-js "$WORK/extmut" node "$WORK/mutant/deffuant.js" --proto "$SRC/proto/nunchi.proto"
[ "$(digest_of "$WORK/extmut")" != "$ref3" ] || fail "a wrong external deffuant gave the right digest"
# 8. CURVE (security.curve), with --server-key FILE --key FILE as nunchi-node's: two
#    authorized node.js nodes give the digest of nunchi run; an unauthorized key and a
#    plaintext node are refused (authentication, status 1); bad key files exit 2
curve_clients "$WORK/curve" node "$CLIENT/deffuant.js"

# 9. texts: two talker nodes (talker.js: deffuant's step, then "agent ID heard N — round
#    R") give the digest of plain deffuant (texts change no behaviour); transcript.jsonl has
#    every agent's text of every round, and what each node's agents heard (--heard FILE) is
#    exactly what the transcript delivered, one round later, by sender, across the nodes,
#    and what each agent said it heard (clients/python/text_check.py); so with a Node.js
#    talker beside a Python one (clients/python/talker.py); a node that maps texts to the
#    wrong sender fails the check; a text of 281 bytes ends the node naming the agent and
#    round, before it is sent
talkers() { # OUT CMD1 -- CMD2: serve deffuant.yaml with CMD1 and CMD2, each --heard OUT.heardI.jsonl
    local out=$1 i=1 p
    shift
    local cmd1=() cmd2=()
    while [ "$1" != "--" ]; do cmd1+=("$1"); shift; done
    shift
    cmd2=("$@")
    serve "$deffuant_yaml" 2 "$out"
    local pids=()
    "${cmd1[@]}" --connect "tcp://127.0.0.1:$port" --heard "$out.heard1.jsonl" 2>>"$out.nodes.err" &
    pids+=($!)
    "${cmd2[@]}" --connect "tcp://127.0.0.1:$port" --heard "$out.heard2.jsonl" 2>>"$out.nodes.err" &
    pids+=($!)
    wait "$coord" || fail "serve with talkers ${cmd1[*]}, ${cmd2[*]}: $(cat "$out.err" "$out.nodes.err")"
    for p in "${pids[@]}"; do wait "$p" || fail "a talker failed: $(cat "$out.nodes.err")"; done
}
text_check() { # OUT: text_check.py on the run OUT and its two heard files
    "$PY" "$SRC/clients/python/text_check.py" "$1" "$1.heard1.jsonl" "$1.heard2.jsonl" --agents 2000 --rounds 20
}
talkers "$WORK/talk" node "$CLIENT/talker.js" -- node "$CLIENT/talker.js"
[ "$(digest_of "$WORK/talk")" = "$ref" ] \
    || fail "node.js talkers: digest $(digest_of "$WORK/talk") != plain deffuant's $ref"
text_check "$WORK/talk" >"$WORK/talk.check" 2>&1 || fail "node.js talkers: $(cat "$WORK/talk.check")"
grep -q '"texts": 40000,' "$WORK/talk/summary.json" || fail "node.js talkers: not 40000 texts in $WORK/talk/summary.json"
talkers "$WORK/mixed" node "$CLIENT/talker.js" -- "$PY" "$SRC/clients/python/talker.py"
[ "$(digest_of "$WORK/mixed")" = "$ref" ] \
    || fail "a node.js and a python talker: digest $(digest_of "$WORK/mixed") != plain deffuant's $ref"
text_check "$WORK/mixed" >"$WORK/mixed.check" 2>&1 || fail "a node.js and a python talker: $(cat "$WORK/mixed.check")"
mkdir -p "$WORK/tmut"
cp "$CLIENT/deffuant.js" "$CLIENT/talker.js" "$WORK/tmut/"
ln -s "$CLIENT/node_modules" "$WORK/tmut/node_modules"
sed 's/texts.get(frm\[di\])/texts.get(frm[di] ^ 1)/' "$CLIENT/nunchi_agent.js" >"$WORK/tmut/nunchi_agent.js"
cmp -s "$CLIENT/nunchi_agent.js" "$WORK/tmut/nunchi_agent.js" && fail "the mutant nunchi_agent.js is not mutated"
talkers "$WORK/tmutrun" node "$WORK/tmut/talker.js" --proto "$SRC/proto/nunchi.proto" -- \
    node "$WORK/tmut/talker.js" --proto "$SRC/proto/nunchi.proto"
text_check "$WORK/tmutrun" >"$WORK/tmut.check" 2>&1 && fail "a node mapping texts to the wrong sender passed the text check"
grep -q "not those the transcript delivered" "$WORK/tmut.check" || fail "text check of a wrong mapping: $(cat "$WORK/tmut.check")"
mkdir -p "$WORK/tlong"
cp "$CLIENT/deffuant.js" "$CLIENT/nunchi_agent.js" "$WORK/tlong/"
ln -s "$CLIENT/node_modules" "$WORK/tlong/node_modules"
sed "s/a.say(.*\$/a.say('x'.repeat(280 + (a.id === 7 \&\& a.round === 3)));/" "$CLIENT/talker.js" >"$WORK/tlong/talker.js"
grep -q '280 + (a.id === 7' "$WORK/tlong/talker.js" || fail "the long talker is not mutated"
start_serve "$WORK/long.err" "$NUNCHI" serve "$deffuant_yaml" --set nodes=1 --expect-nodes 1 \
    --wait 20 --out "$WORK/long" --quiet
set +e
node "$WORK/tlong/talker.js" --proto "$SRC/proto/nunchi.proto" --connect "tcp://127.0.0.1:$port" 2>"$WORK/long.node.err"
status=$?
wait "$coord"
set -e
[ $status -eq 1 ] && grep -q 'agent 7 in round 3 may not say "x*\.\.\.": it has 281 bytes of UTF-8, more than 280' "$WORK/long.node.err" \
    || fail "a text of 281 bytes: status $status, $(cat "$WORK/long.node.err")"
grep -q "node 0 failed in round 3: agent 7 in round 3 may not say" "$WORK/long.err" \
    || fail "a text of 281 bytes: the coordinator said $(cat "$WORK/long.err")"
[ "$(grep -c '"round":3' "$WORK/long/transcript.jsonl")" = 0 ] || fail "a round-3 text reached the transcript"
[ "$(grep -c '"round":2,' "$WORK/long/transcript.jsonl")" = 2000 ] || fail "not 2000 texts of 280 bytes in round 2"
# the refusals of say() and of a tick's texts, one by one
node - "$CLIENT" <<'JSEOF' || fail "the text checks of nunchi_agent.js"
'use strict';
const assert = require('assert');
const na = require(require('path').join(process.argv[2], 'nunchi_agent.js'));
const a = new na.Agent();
a.id = 4; a.round = 9; a.said = null;
a.say('\u00e9'.repeat(140)); // 280 bytes
assert.strictEqual(a.said, '\u00e9'.repeat(140));
a.say(Buffer.from('caf\u00e9', 'utf8'));
assert.strictEqual(a.said, 'caf\u00e9');
for (const [bad, why] of [['\u00e9'.repeat(140) + 'x', 'it has 281 bytes of UTF-8, more than 280'],
  ['a\0b', 'it has a NUL at byte 1'], ['\ud800', 'not well-formed UTF-8'],
  ['x\udc00', 'not well-formed UTF-8'], [Buffer.from([0xc0, 0xaf]), 'not well-formed UTF-8'],
  [7, 'it is not a string (number)']]) {
  assert.throws(() => a.say(bad), (e) => {
    assert.ok(e instanceof na.TextError, String(e));
    assert.ok(e.message.startsWith('agent 4 in round 9 may not say ') && e.message.includes(why), e.message);
    return true;
  });
}
assert.strictEqual(a.said, 'caf\u00e9', 'a refused text replaced the one said');
a.say('\ud83d\ude00'); // a surrogate pair is one code point
assert.strictEqual(Buffer.byteLength(a.said), 4);
a.say(null);
assert.strictEqual(a.said, null);
const t = na.Node.tickTexts({ text_from: [2, 5], text: [Buffer.from('hi'), Buffer.from('\u00e9')] });
assert.deepStrictEqual([...t], [[2, 'hi'], [5, '\u00e9']]);
for (const [frm, text, why] of [[[5, 2], ['a', 'b'], "'text_from' does not ascend"],
  [[2, 2], ['a', 'b'], "'text_from' does not ascend"],
  [[2], ['a', 'b'], "'text' has 2 entries but 'text_from' has 1"],
  [[2], ['x'.repeat(281)], 'the text of agent 2 is not at most 280 bytes'],
  [[3], ['a\0'], 'NUL at byte 1'], [[3], [[0xed, 0xa0, 0x80]], 'not well-formed UTF-8']]) {
  const tick = { text_from: frm, text: text.map((x) => Buffer.from(x)) };
  assert.throws(() => na.Node.tickTexts(tick), (e) => {
    assert.ok(e instanceof na.ProtocolError && e.code === na.EPROTO && e.message.includes(why), e.message);
    return true;
  });
}
JSEOF
echo "ok: node.js nodes give the built-in digests ($ref, $ref2, external $ref3); texts: $(cat "$WORK/talk.check"), with python: $(cat "$WORK/mixed.check")"
