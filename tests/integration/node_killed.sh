# A node process killed with SIGKILL in the middle of a run ends the run with exit
# status 1 and a message naming the node and the round, long before the deadline; a
# node started by hand that dies is caught by the round deadline.
source "$(dirname "$0")/lib/common.bash"
cat >"$WORK/long.yaml" <<'YAML'
name: long
agents: 20000
rounds: 100000
network: {model: ring, k: 4}
populations: [{behaviour: deffuant, share: 1}]
nodes: 3
transport: ipc
limits: {deadline_s: 20}
YAML
"$NUNCHI" run "$WORK/long.yaml" --out "$WORK/run" --quiet 2>"$WORK/err" &
coord=$!
victim=""
for _ in $(seq 100); do
    victim=$(pgrep -P $coord -f nunchi-node | head -n 1 || true)
    [ -n "$victim" ] && [ -s "$WORK/run/metrics.csv" ] && [ "$(wc -l <"$WORK/run/metrics.csv")" -gt 2 ] && break
    sleep 0.1
done
[ -n "$victim" ] || fail "no node process found"
sleep 0.5
start=$(date +%s.%N)
kill -KILL "$victim"
set +e
wait $coord
status=$?
set -e
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
[ $status -eq 1 ] || fail "exit status $status, expected 1"
grep -Eq "node [0-9]+ \(pid $victim\) was killed by signal 9 .* in round [0-9]+" "$WORK/err" \
    || fail "unexpected message: $(cat "$WORK/err")"
awk -v t="$took" 'BEGIN { exit !(t < 10) }' || fail "took $took s to notice"
grep -q '"status": "failed"' "$WORK/run/summary.json" || fail "summary.json does not say failed"
grep -q '"event":"node_lost"' "$WORK/run/events.jsonl" || fail "no node_lost event"
echo "ok: killed node $victim noticed in $took s: $(cat "$WORK/err" | head -n 1)"

# serve: nodes started by hand. One that stops answering (SIGSTOP keeps its connection
# open) is caught by the round deadline; one that is killed, by its closed connection.
serve_and_lose() {
    local signal=$1 tag=$2
    port=$((20000 + RANDOM % 20000))
    "$NUNCHI" serve "$WORK/serve.yaml" --bind "tcp://127.0.0.1:$port" --out "$WORK/serve-$tag" --quiet 2>"$WORK/serr-$tag" &
    coord=$!
    "$NODE" --connect "tcp://127.0.0.1:$port" 2>/dev/null &
    n1=$!
    "$NODE" --connect "tcp://127.0.0.1:$port" 2>/dev/null &
    n2=$!
    for _ in $(seq 100); do
        [ -s "$WORK/serve-$tag/metrics.csv" ] && [ "$(wc -l <"$WORK/serve-$tag/metrics.csv")" -gt 2 ] && break
        sleep 0.1
    done
    kill -"$signal" $n1
    start=$(date +%s.%N)
    set +e
    wait $coord
    status=$?
    set -e
    took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    kill -KILL $n1 2>/dev/null || true
    wait $n1 $n2 2>/dev/null || true
    [ $status -eq 1 ] || fail "serve ($signal): exit status $status, expected 1"
}
sed -e 's/deadline_s: 20/deadline_s: 2/' -e 's/nodes: 3/nodes: 2/' "$WORK/long.yaml" >"$WORK/serve.yaml"
serve_and_lose STOP stopped
grep -Eq "node [0-9]+ missed the deadline of round [0-9]+ \(limits.deadline_s: 2 s\)" "$WORK/serr-stopped" \
    || fail "stopped node: $(cat "$WORK/serr-stopped")"
awk -v t="$took" 'BEGIN { exit !(t < 6) }' || fail "stopped node: took $took s for a 2 s deadline"
echo "ok: stopped node reported after $took s: $(head -n 1 "$WORK/serr-stopped")"
serve_and_lose KILL killed
grep -Eq "node [0-9]+ (vanished \(its connection closed\)|missed the deadline of) .*round [0-9]+" "$WORK/serr-killed" \
    || fail "killed node: $(cat "$WORK/serr-killed")"
awk -v t="$took" 'BEGIN { exit !(t < 6) }' || fail "killed node: took $took s"
echo "ok: killed hand-started node reported after $took s: $(head -n 1 "$WORK/serr-killed")"

# the coordinator itself: SIGINT ends the run cleanly (exit status 130, the run directory
# says interrupted, every node process reaped); SIGKILL takes its node processes with it
sed -e 's/deadline_s: 20/deadline_s: 5/' "$WORK/long.yaml" >"$WORK/coord.yaml"
"$NUNCHI" run "$WORK/coord.yaml" --out "$WORK/int" --quiet 2>"$WORK/ierr" &
coord=$!
for _ in $(seq 100); do
    [ -s "$WORK/int/metrics.csv" ] && [ "$(wc -l <"$WORK/int/metrics.csv")" -gt 2 ] && break
    sleep 0.1
done
nodes=$(pgrep -P $coord -f nunchi-node | tr '\n' ' ')
[ -n "$nodes" ] || fail "no node processes under the coordinator"
kill -INT $coord
set +e
wait $coord
status=$?
set -e
[ $status -eq 130 ] || fail "SIGINT: exit status $status, expected 130"
grep -q '"status": "interrupted"' "$WORK/int/summary.json" || fail "SIGINT: summary does not say interrupted"
grep -q "stopped in round" "$WORK/ierr" || fail "SIGINT: $(cat "$WORK/ierr")"
for p in $nodes; do
    ! kill -0 "$p" 2>/dev/null || fail "SIGINT: node process $p outlived the run"
done
echo "ok: SIGINT: $(head -n 1 "$WORK/ierr"), nodes reaped"

"$NUNCHI" run "$WORK/coord.yaml" --out "$WORK/kill" --quiet 2>/dev/null &
coord=$!
for _ in $(seq 100); do
    [ -s "$WORK/kill/metrics.csv" ] && [ "$(wc -l <"$WORK/kill/metrics.csv")" -gt 2 ] && break
    sleep 0.1
done
nodes=$(pgrep -P $coord -f nunchi-node | tr '\n' ' ')
[ -n "$nodes" ] || fail "no node processes under the coordinator"
kill -KILL $coord
wait $coord 2>/dev/null || true
for _ in $(seq 50); do
    alive=0
    for p in $nodes; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
done
[ $alive -eq 0 ] || fail "node processes $nodes outlived their killed coordinator by 5 s"
echo "ok: a killed coordinator takes its node processes with it"
