# The Node.js reference node (clients/node/) speaks nunchi's wire protocol to
# `nunchi serve` and gives exactly the digest of the same run with the built-in C nodes:
# deffuant agents on two Node.js nodes; deffuant agents with parameters drawn per agent
# beside stubborn agents, with trends (TREND notices, trend words in the digest), on
# three; a Node.js node that cannot run a behaviour the society needs is refused. A
# deliberately wrong deffuant must change the digest.
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

# serve SCENARIO NODES OUT: starts `nunchi serve` on a free port; sets $port and $coord
serve() {
    start_serve "$3.err" "$NUNCHI" serve "$1" --expect-nodes "$2" --wait 20 --out "$3" --quiet
}

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
echo "ok: node.js nodes give the built-in digests ($ref, $ref2)"
