# External populations and the joining protocol, with real processes over tcp: a
# population hosted by nodes that claim it by name gives the digest of the same society
# with every population built in (one or two claiming nodes, built-in nodes as threads or
# processes); the coordinator's wait names the populations still unclaimed; every reason
# of a Reject (unknown_population, capacity, full, version, session); a resume after the
# coordinator fell silent; a node lost for want of heartbeats before the run, whose place
# another takes; and the scenario's bounds on nodes and on messages per agent.
source "$(dirname "$0")/lib/common.bash"
PY=/usr/bin/python3
ext="$DATA/scenarios/external.yaml"
ref_yaml="$DATA/scenarios/external_ref.yaml"

# run_ext OUT ARGS...: `nunchi run external.yaml` in the background with external.bind on
# a free port; sets $port and $coord. Its stderr goes to OUT.err.
run_ext() {
    local out=$1
    shift
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 20000))
        "$NUNCHI" run "$ext" --out "$out" --quiet --set "external.bind=tcp://127.0.0.1:$port" "$@" \
            2>"$out.err" &
        coord=$!
        sleep 0.3
        kill -0 $coord 2>/dev/null && return 0
        wait $coord || true
        grep -q "cannot bind" "$out.err" || fail "nunchi run did not start: $(cat "$out.err")"
    done
    fail "no free port for external.bind in 5 tries"
}

# claim N ARGS...: N nunchi-node processes claiming deff, in the background ($claimers)
claim() {
    local n=$1 i
    shift
    claimers=()
    for i in $(seq "$n"); do
        "$NODE" --connect "tcp://127.0.0.1:$port" --claim deff=deffuant "$@" 2>>"$WORK/claim.err" &
        claimers+=($!)
    done
}

# reject ARGS...: one nunchi-node that must be refused; prints its stderr
reject() {
    local status=0
    "$NODE" --connect "tcp://127.0.0.1:$port" --timeout 5 "$@" 2>"$WORK/rej.err" || status=$?
    [ $status -eq 1 ] || fail "nunchi-node $*: exit status $status, not 1: $(cat "$WORK/rej.err")"
    cat "$WORK/rej.err"
}

"$NUNCHI" run "$ref_yaml" --out "$WORK/ref" --quiet || fail "nunchi run external_ref.yaml"
ref=$(digest_of "$WORK/ref")
[ -n "$ref" ] || fail "no digest in $WORK/ref/summary.json"

# 1. two claiming nodes beside two built-in node threads; then one claiming node, and the
#    built-in nodes as processes over ipc
run_ext "$WORK/a"
claim 2
wait "$coord" || fail "external run: $(cat "$WORK/a.err" "$WORK/claim.err")"
for p in "${claimers[@]}"; do wait "$p" || fail "a claiming node failed: $(cat "$WORK/claim.err")"; done
[ "$(digest_of "$WORK/a")" = "$ref" ] || fail "external deff on 2 nodes: $(digest_of "$WORK/a") != $ref"
[ "$(grep -c '"event":"node_joined".*"population":"deff"' "$WORK/a/events.jsonl")" = 2 ] \
    || fail "not 2 joins for population deff in $WORK/a/events.jsonl"
grep -q '"external": 2' "$WORK/a/summary.json" || fail "summary.json does not count 2 external nodes"
run_ext "$WORK/b" --set populations.0.nodes=1 --set transport=ipc
claim 1
wait "$coord" || fail "external run (ipc): $(cat "$WORK/b.err" "$WORK/claim.err")"
[ "$(digest_of "$WORK/b")" = "$ref" ] || fail "external deff on 1 node, ipc: $(digest_of "$WORK/b") != $ref"

# 1b. the whole institutional chain (roles, norms, sanctions, the game, cases, decisions,
#     trends) with the citizens an external population on two claiming nodes: the digest,
#     metrics.csv and the institutions' events of the built-in run
soc="$DATA/scenarios/society.yaml"
"$NUNCHI" run "$soc" --out "$WORK/soc-ref" --quiet || fail "nunchi run society.yaml"
xp=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NUNCHI" run "$soc" --out "$WORK/soc" --quiet --set populations.0.behaviour=external \
    --set populations.0.name=cit --set populations.0.nodes=2 \
    --set "external.bind=tcp://127.0.0.1:$xp" 2>"$WORK/soc.err" &
coord=$!
sleep 0.3
"$NODE" --connect "tcp://127.0.0.1:$xp" --claim cit=citizen 2>>"$WORK/claim.err" &
"$NODE" --connect "tcp://127.0.0.1:$xp" --claim cit=citizen 2>>"$WORK/claim.err" &
wait "$coord" || fail "society.yaml with external citizens: $(cat "$WORK/soc.err" "$WORK/claim.err")"
[ "$(digest_of "$WORK/soc")" = "$(digest_of "$WORK/soc-ref")" ] \
    || fail "external citizens: digest $(digest_of "$WORK/soc") != $(digest_of "$WORK/soc-ref")"
cmp -s "$WORK/soc/metrics.csv" "$WORK/soc-ref/metrics.csv" || fail "external citizens: metrics.csv differs"
cmp -s <(grep -v '"event":"node_' "$WORK/soc/events.jsonl") <(grep -v '"event":"node_' "$WORK/soc-ref/events.jsonl") \
    || fail "external citizens: the institutions' events differ"
grep -q '^0,external:cit,' "$WORK/soc/final_state.csv" || fail "final_state.csv does not name the external population"

# 2. a claiming node that runs another behaviour gives another digest (the test can fail)
run_ext "$WORK/wrong" --set populations.0.nodes=1 --set "populations.0.params={epsilon: 0.3}"
"$NODE" --connect "tcp://127.0.0.1:$port" --claim deff=hk 2>"$WORK/hk.err" &
wait "$coord" || fail "external run with hk: $(cat "$WORK/wrong.err" "$WORK/hk.err")"
[ "$(digest_of "$WORK/wrong")" != "$ref" ] || fail "hk in deffuant's place gave deffuant's digest"

# 3. the refusals, each with its reason, while `nunchi serve` waits for its built-in nodes
#    (at --bind) and its external one (at external.bind); then the nodes it wants
xport=$((40000 + RANDOM % 20000))
start_serve "$WORK/c.err" "$NUNCHI" serve "$ext" --expect-nodes 2 --wait 30 --out "$WORK/c" \
    --quiet --set populations.0.nodes=1 --set "external.bind=tcp://127.0.0.1:$xport"
sport=$port
port=$xport
reject --claim nope=deffuant | grep -q "refused this node (unknown_population): this society has no external population named 'nope'" \
    || fail "unknown_population: $(cat "$WORK/rej.err")"
reject --claim deff=deffuant --max-agents 10 | grep -q "refused this node (capacity): a node of population 'deff' hosts 600 agents, more than the 10" \
    || fail "capacity: $(cat "$WORK/rej.err")"
python_protocol
# version and session, from a peer that speaks the protocol by hand
"$PY" - "tcp://127.0.0.1:$port" <<'EOF' || fail "version / session refusals (see above)"
import os, sys
sys.path.insert(0, os.environ["NUNCHI_PB2_DIR"])
import zmq, nunchi_pb2 as pb
ctx = zmq.Context()
def ask(env):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(sys.argv[1])
    s.send(env.SerializeToString())
    if not s.poll(5000):
        sys.exit("no answer")
    got = pb.Envelope()
    got.ParseFromString(s.recv())
    s.close()
    return got
e = pb.Envelope(version=2)
e.hello.implementation = "by-hand"
got = ask(e)
assert got.WhichOneof("body") == "reject" and got.reject.reason == "version", got
e = pb.Envelope(version=1, node=0)
e.hello.implementation = "by-hand"
e.hello.session = 12345
got = ask(e)
assert got.WhichOneof("body") == "reject" and got.reject.reason == "session", got
EOF
claim 1
sleep 0.5
reject --claim deff=deffuant | grep -q "refused this node (full): the populations this node claims have all their nodes" \
    || fail "full: $(cat "$WORK/rej.err")"
port=$sport
reject --claim deff=deffuant | grep -q "refused this node (full): the populations this node claims have all their nodes" \
    || fail "full, at serve's own endpoint: $(cat "$WORK/rej.err")"
"$NODE" --connect "tcp://127.0.0.1:$port" 2>>"$WORK/claim.err" &
"$NODE" --connect "tcp://127.0.0.1:$port" 2>>"$WORK/claim.err" &
wait "$coord" || fail "the run after the refusals: $(cat "$WORK/c.err" "$WORK/claim.err")"
[ "$(digest_of "$WORK/c")" = "$ref" ] || fail "the run after the refusals: $(digest_of "$WORK/c") != $ref"
for why in unknown_population capacity version session full; do
    grep -q "\"event\":\"rejected\".*\"reason\":\"$why\"" "$WORK/c/events.jsonl" \
        || fail "no rejected event with reason $why in $WORK/c/events.jsonl"
done

# 4. nobody claims: the wait ends with the unclaimed population named
status=0
"$NUNCHI" run "$ext" --out "$WORK/lonely" --quiet --set external.bind=tcp://127.0.0.1:0 \
    --set external.wait_s=1 2>"$WORK/lonely.err" || status=$?
[ $status -ne 0 ] || fail "a run without its external nodes succeeded"
grep -q "still waiting for population 'deff' (0 of 2 nodes joined)" "$WORK/lonely.err" \
    || fail "unclaimed: $(cat "$WORK/lonely.err")"

# 5. resume: the coordinator stops for longer than three heartbeat intervals (the nodes
#    ask to resume, on their own sockets) and goes on; the digest does not change
run_ext "$WORK/d" --set rounds=3000 --set populations.0.nodes=1
claim 1 --verbose
await_line "$WORK/d/events.jsonl" '"event":"node_joined".*"population":"deff"' 5 || true
kill -STOP "$coord"
sleep 1.5
kill -CONT "$coord"
wait "$coord" || fail "the run that stopped: $(cat "$WORK/d.err" "$WORK/claim.err")"
"$NUNCHI" run "$ref_yaml" --out "$WORK/ref3000" --quiet --set rounds=3000 || fail "ref, 3000 rounds"
[ "$(digest_of "$WORK/d")" = "$(digest_of "$WORK/ref3000")" ] \
    || fail "after a resume: $(digest_of "$WORK/d") != $(digest_of "$WORK/ref3000")"
grep -q '"event":"node_resumed"' "$WORK/d/events.jsonl" || fail "no node_resumed event in $WORK/d/events.jsonl"
grep -q "asks to resume session" "$WORK/claim.err" || fail "the claiming node did not ask to resume"

# 5b. resume across a broken connection: the claiming node reaches the coordinator through
#     a relay that is killed mid-run and started again; ZeroMQ reconnects, the coordinator
#     sees a new peer, and the node's Hello with its session gives it its place back
run_ext "$WORK/f" --set rounds=3000 --set populations.0.nodes=1
relay_port=$((20000 + RANDOM % 20000))
start_relay() {
    "$PY" "$SRC/tests/integration/lib/proxy.py" "$relay_port" "$port" >"$WORK/relay.out" 2>&1 &
    relay=$!
    await_line "$WORK/relay.out" listening 5 || fail "the relay did not start: $(cat "$WORK/relay.out")"
}
start_relay
"$NODE" --connect "tcp://127.0.0.1:$relay_port" --claim deff=deffuant --verbose 2>"$WORK/f.node.err" &
relayed=$!
await_line "$WORK/f/events.jsonl" '"event":"node_joined".*"population":"deff"' 5 || true
kill -KILL "$relay"
wait "$relay" 2>/dev/null || true
sleep 0.5
start_relay
wait "$coord" || fail "the run whose connection broke: $(cat "$WORK/f.err" "$WORK/f.node.err")"
wait "$relayed" || fail "the relayed node failed: $(cat "$WORK/f.node.err")"
kill "$relay" 2>/dev/null || true
[ "$(digest_of "$WORK/f")" = "$(digest_of "$WORK/ref3000")" ] \
    || fail "after a broken connection: $(digest_of "$WORK/f") != $(digest_of "$WORK/ref3000")"
grep -q '"event":"node_resumed"' "$WORK/f/events.jsonl" || fail "no node_resumed after the broken connection"
grep -q "resumed in round" "$WORK/f.node.err" || fail "the relayed node did not resume: $(cat "$WORK/f.node.err")"

# 6. a claiming node that falls silent before the run loses its place; another takes it
run_ext "$WORK/e" --set limits.liveness_s=1.5
claim 1
silent=${claimers[0]}
sleep 0.5
kill -STOP "$silent"
await_line "$WORK/e/events.jsonl" '"event":"node_lost".*"no heartbeat"' 4 \
    || fail "a silent node was not lost: $(cat "$WORK/e.err")"
claim 2
wait "$coord" || fail "the run after a lost node: $(cat "$WORK/e.err" "$WORK/claim.err")"
kill -KILL "$silent" 2>/dev/null || true
wait "$silent" 2>/dev/null || true
[ "$(digest_of "$WORK/e")" = "$ref" ] || fail "after a lost node: $(digest_of "$WORK/e") != $ref"
grep -q '"lost_before_start": 1' "$WORK/e/summary.json" || fail "summary.json does not count the lost node"

# 6b. a claiming node that stops during the run: idle, it is lost once limits.liveness_s
#     of silence has passed; stepping, it misses the deadline. Either way the run ends at
#     once with the node named, not at the 30 s default
run_ext "$WORK/g" --set rounds=100000 --set populations.0.nodes=1 --set limits.liveness_s=1 \
    --set limits.deadline_s=2
claim 1
await_line "$WORK/g/events.jsonl" '"event":"node_joined".*"population":"deff"' 5 || true
kill -STOP "${claimers[0]}"
status=0
timeout 10 bash -c "while kill -0 $coord 2>/dev/null; do sleep 0.1; done" || fail "the run did not end when its node stopped"
wait "$coord" || status=$?
kill -KILL "${claimers[0]}" 2>/dev/null || true
wait "${claimers[0]}" 2>/dev/null || true
[ $status -ne 0 ] || fail "a run whose node stopped succeeded"
grep -Eq "node 2 was lost in round [0-9]+: nothing heard from it for [0-9.]+ s \(limits.liveness_s 1\)|node 2 missed the deadline of round [0-9]+ \(limits.deadline_s: 2 s\)" "$WORK/g.err" \
    || fail "a node that stopped during the run: $(cat "$WORK/g.err")"

# 7. bounds: messages per agent a round (hk sends to its 6 neighbours on a ring), agents a
#    node, nodes a coordinator
cat >"$WORK/hk.yaml" <<'EOF'
seed: 3
rounds: 5
agents: 300
network: {model: watts_strogatz, k: 6, p: 0.0}
populations: [{behaviour: hk, share: 1.0}]
limits: {max_messages_per_agent: 4}
EOF
"$NUNCHI" run "$WORK/hk.yaml" --out "$WORK/hk" --quiet || fail "the hk run"
grep -q '"over_limit": 3000' "$WORK/hk/summary.json" \
    || fail "300 agents x 2 messages over the limit x 5 rounds are not 3000 over_limit drops"
status=0
"$NUNCHI" run "$WORK/hk.yaml" --out "$WORK/hk2" --quiet --set limits.max_agents_per_node=10 \
    2>"$WORK/hk2.err" || status=$?
[ $status -eq 2 ] && grep -q "node 0 would host 75 agents, more than limits.max_agents_per_node (10)" "$WORK/hk2.err" \
    || fail "max_agents_per_node (status $status): $(cat "$WORK/hk2.err")"
status=0
"$NUNCHI" run "$WORK/hk.yaml" --quiet --set limits.max_nodes=2 2>"$WORK/hk3.err" || status=$?
[ $status -eq 2 ] && grep -q "asks for 4 nodes .*more than limits.max_nodes (2) at .*hk.yaml" "$WORK/hk3.err" \
    || fail "max_nodes (status $status): $(cat "$WORK/hk3.err")"
echo "ok: external populations give the built-in digest $ref; refusals, resume, loss and bounds"
