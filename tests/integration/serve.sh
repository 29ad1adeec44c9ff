# `nunchi serve` waits for nodes started by hand with `nunchi-node --connect`, and
# the run they make gives the digest of the same scenario run with its own nodes.
source "$(dirname "$0")/lib/common.bash"
scenario="$DATA/scenarios/mixed.yaml"
"$NUNCHI" run "$scenario" --out "$WORK/ref" --quiet
start_serve "$WORK/err" "$NUNCHI" serve "$scenario" --expect-nodes 3 --wait 60 \
    --out "$WORK/served" --quiet
for i in 1 2 3; do
    "$NODE" --connect "tcp://127.0.0.1:$port" &
done
wait $coord || fail "serve failed: $(cat "$WORK/err")"
wait
[ "$(digest_of "$WORK/served")" = "$(digest_of "$WORK/ref")" ] \
    || fail "served digest $(digest_of "$WORK/served") != $(digest_of "$WORK/ref")"
grep -c '"event":"node_joined"' "$WORK/served/events.jsonl" | grep -qx 3 || fail "not 3 joins"

# serve with nobody coming gives up after --wait, naming the endpoint
set +e
"$NUNCHI" serve "$scenario" --bind "tcp://127.0.0.1:$((port + 1))" --wait 1 --out "$WORK/empty" --quiet 2>"$WORK/err2"
status=$?
set -e
[ $status -eq 1 ] || fail "serve with no nodes: exit status $status"
grep -q "0 of 4 node(s) joined within 1 s" "$WORK/err2" || fail "serve with no nodes: $(cat "$WORK/err2")"

# a node with no coordinator gives up after its timeout
set +e
"$NODE" --connect "tcp://127.0.0.1:$((port + 2))" --timeout 1 2>"$WORK/err3"
status=$?
set -e
[ $status -eq 1 ] || fail "lonely node: exit status $status"
grep -q "no coordinator answered within 1 s" "$WORK/err3" || fail "lonely node: $(cat "$WORK/err3")"
echo "ok: served run equals the spawned run ($(digest_of "$WORK/ref"))"
