# Real process faults (docs/faults.md): node processes killed with SIGKILL, by a planned
# kill or from outside, restarted by the coordinator with their agents as they were, to
# the fault-free digest (also with trends, memory words and every institution); the
# restart budget; the default policy ends the run naming the node; a kill needs node
# processes.
source "$(dirname "$0")/lib/common.bash"
cat >"$WORK/k.yaml" <<'YAML'
name: killed
seed: 9
rounds: 30
agents: 3000
network: {model: watts_strogatz, k: 6, p: 0.05}
populations:
  - {behaviour: deffuant, share: 0.8, params: {d: 0.3, mu: 0.3}}
  - {behaviour: degroot, share: 0.2}
nodes: 3
transport: ipc
YAML
"$NUNCHI" run "$WORK/k.yaml" --out "$WORK/ref" --quiet
ref=$(digest_of "$WORK/ref")
field() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1/summary.json" "$2"; }

# 1. one kill, restarted: the fault-free digest
"$NUNCHI" run "$WORK/k.yaml" --out "$WORK/one" --quiet --set recovery.policy=restart \
    --set 'faults=[{fault: kill, node: 1, round: 5}]' --compare "$WORK/ref"
[ "$(digest_of "$WORK/one")" = "$ref" ] || fail "one kill: digest $(digest_of "$WORK/one"), not $ref"
[ "$(field "$WORK/one" recovery.restarts)" = 1 ] || fail "not 1 restart"
[ "$(field "$WORK/one" compare.same_digest)" = True ] || fail "--compare does not say the digest is the same"
if "$NUNCHI" run "$WORK/k.yaml" --out "$WORK/nocmp" --quiet --compare "$WORK/none" 2>"$WORK/nocmp.err"; then
    fail "--compare with no run directory ran"
fi
grep -q -- "--compare: '$WORK/none/summary.json' is not a run's summary" "$WORK/nocmp.err" \
    || fail "--compare's refusal: $(cat "$WORK/nocmp.err")"
for e in fault_kill node_lost node_restarting node_restarted; do
    grep -q "\"event\":\"$e\"" "$WORK/one/events.jsonl" || fail "no $e event"
done
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["recovery"]; assert 0 < r["detection_s_max"] < 10 and 0 < r["recovery_s_max"] < 10, r' \
    "$WORK/one/summary.json" || fail "detection and recovery times"

# 2. kills in the first round, the middle and the last, of every node
"$NUNCHI" run "$WORK/k.yaml" --out "$WORK/many" --quiet --set recovery.policy=restart \
    --set recovery.restarts=3 \
    --set 'faults=[{fault: kill, node: 0, round: 1}, {fault: kill, node: 2, round: 15}, {fault: kill, node: 1, round: 30}]'
[ "$(digest_of "$WORK/many")" = "$ref" ] || fail "three kills: digest $(digest_of "$WORK/many"), not $ref"
[ "$(field "$WORK/many" recovery.restarts)" = 3 ] || fail "not 3 restarts"

# 3. the budget: two kills, one restart allowed
if "$NUNCHI" run "$WORK/k.yaml" --out "$WORK/budget" --quiet --set recovery.policy=restart \
    --set recovery.restarts=1 \
    --set 'faults=[{fault: kill, node: 0, round: 3}, {fault: kill, node: 1, round: 6}]' 2>"$WORK/budget.err"; then
    fail "a second kill past the restart budget did not end the run"
fi
grep -q "recovery.restarts (1) are spent" "$WORK/budget.err" || fail "the budget is not named: $(cat "$WORK/budget.err")"

# 4. the default policy: the run ends, naming the node
if "$NUNCHI" run "$WORK/k.yaml" --out "$WORK/failpol" --quiet \
    --set 'faults=[{fault: kill, node: 2, round: 4}]' 2>"$WORK/failpol.err"; then
    fail "a kill without recovery did not end the run"
fi
grep -q "node 2 (pid [0-9]*) was killed by signal 9 (Killed) in round 4" "$WORK/failpol.err" \
    || fail "the dead node is not named: $(cat "$WORK/failpol.err")"

# 4b. policy drop: the node's agents are absent from the kill on, counted, the balance kept
"$NUNCHI" run "$WORK/k.yaml" --out "$WORK/drop" --quiet --set recovery.policy=drop \
    --set 'faults=[{fault: kill, node: 1, round: 10}]' --compare "$WORK/ref"
/usr/bin/python3 - "$WORK/drop" "$WORK/ref" <<'PY' || fail "drop policy"
import csv, json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
rec, m = s["recovery"], s["messages"]
assert s["status"] == "completed", s["status"]
assert rec["policy"] == "drop" and rec["dropped_nodes"] == 1 and rec["absent_agents"] == 1000, rec
assert m["dropped"]["fault_absent"] > 0, m
assert m["sent"] == m["delivered"] + sum(m["dropped"].values()) + m["in_flight"], m
assert s["compare"]["same_digest"] is False
# node 1 hosts agents 1000..1999: from round 10 on they send nothing and keep their states
fin = {int(r["id"]): float(r["opinion"]) for r in csv.DictReader(open(sys.argv[1] + "/final_state.csv"))}
ref = {int(r["id"]): float(r["opinion"]) for r in csv.DictReader(open(sys.argv[2] + "/final_state.csv"))}
assert sum(fin[i] != ref[i] for i in range(1000, 2000)) > 500
PY
grep -q '"event":"node_dropped","round":10,"node":1' "$WORK/drop/events.jsonl" \
    || fail "no node_dropped event for node 1 in round 10"
"$NUNCHI" run "$WORK/k.yaml" --out "$WORK/drop2" --quiet --set recovery.policy=drop \
    --set 'faults=[{fault: kill, node: 1, round: 10}]' --transport tcp
[ "$(digest_of "$WORK/drop2")" = "$(digest_of "$WORK/drop")" ] || fail "drop: another digest over tcp"

# 5. every institution, trends and memory words: a restarted node takes them back
"$NUNCHI" run "$DATA/scenarios/society.yaml" --out "$WORK/soc0" --quiet --transport ipc
"$NUNCHI" run "$DATA/scenarios/society.yaml" --out "$WORK/soc" --quiet --transport ipc \
    --set recovery.policy=restart --set 'faults=[{fault: kill, node: 1, round: 30}]'
[ "$(digest_of "$WORK/soc")" = "$(digest_of "$WORK/soc0")" ] || fail "society: a restart changed the digest"

# 6. a node killed from outside, mid-run
cat "$WORK/k.yaml" >"$WORK/slow.yaml"
sed -i 's/^rounds: 30/rounds: 400/' "$WORK/slow.yaml"
"$NUNCHI" run "$WORK/slow.yaml" --out "$WORK/slow0" --quiet
"$NUNCHI" run "$WORK/slow.yaml" --out "$WORK/slow" --quiet --set recovery.policy=restart &
coord=$!
victim=""
for _ in $(seq 100); do
    victim=$(pgrep -P "$coord" nunchi-node | head -n 1 || true)
    # a node process, and the run past round 20 (metrics.csv: a header and a row a round)
    [ -n "$victim" ] && [ -f "$WORK/slow/metrics.csv" ] && [ "$(wc -l <"$WORK/slow/metrics.csv")" -gt 21 ] && break
    sleep 0.05
done
[ -n "$victim" ] || fail "no node process to kill"
kill -9 "$victim"
wait "$coord" || fail "the run with a node killed from outside failed"
[ "$(digest_of "$WORK/slow")" = "$(digest_of "$WORK/slow0")" ] || fail "killed from outside: another digest"
[ "$(field "$WORK/slow" recovery.restarts)" = 1 ] || fail "killed from outside: not 1 restart"

# 6b. across 2 MPI ranks: nodes of both ranks killed and restarted, the one-process digest
command -v mpirun >/dev/null || fail "mpirun is missing (openmpi-bin is in deploy/debian-packages.txt)"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
    OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo mpirun -np 2 --oversubscribe \
    "$NUNCHI" run --mpi "$WORK/k.yaml" --out "$WORK/mpi" --quiet --set recovery.policy=restart \
    --set 'faults=[{fault: kill, node: 1, round: 7}, {fault: kill, node: 0, round: 12, rank: 1}, {fault: kill, node: 2, round: 20, rank: 1}]'
[ "$(digest_of "$WORK/mpi")" = "$ref" ] || fail "2 ranks: digest $(digest_of "$WORK/mpi"), not $ref"
[ "$(field "$WORK/mpi" recovery.restarts)" = 3 ] || fail "2 ranks: not 3 restarts"
if "$NUNCHI" run "$WORK/k.yaml" --out "$WORK/rank1" --quiet \
    --set 'faults=[{fault: kill, node: 0, round: 2, rank: 1}]' 2>"$WORK/rank1.err"; then
    fail "a kill on rank 1 of a one-process run ran"
fi
grep -q "faults: a kill on rank 1, but the run has 1 rank(s)" "$WORK/rank1.err" \
    || fail "the rank refusal: $(cat "$WORK/rank1.err")"

# 7. a kill needs node processes
if "$NUNCHI" run "$WORK/k.yaml" --out "$WORK/threads" --quiet --transport inproc \
    --set 'faults=[{fault: kill, node: 0, round: 2}]' 2>"$WORK/threads.err"; then
    fail "a kill with inproc node threads ran"
fi
grep -q "kill" "$WORK/threads.err" || fail "the refusal does not say why: $(cat "$WORK/threads.err")"
echo "ok: recovery: kills at rounds 1 to 30 and from outside restarted to digest $ref; the budget and the default policy"
