# Checkpoints and --resume (docs/faults.md): a coordinator killed with SIGKILL, by a
# planned kill or from outside, is resumed from its last checkpoint to the digest, the
# metrics and the events of the run that was never killed: on other nodes and another
# transport, twice in one run, with a node restarted in between, under every planned
# fault, with nodes given up (recovery.policy drop), and across 2 MPI ranks, resumed on 1,
# 2 and 3 ranks. A damaged
# checkpoint is refused or passed over for the one before it; a resume that could not
# give the same run is refused, naming why. llm agents' texts and memories go across a
# checkpoint and a restart; an external population's node joins the resumed run.
source "$(dirname "$0")/lib/common.bash"
S="$DATA/scenarios/society.yaml"
field() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1/summary.json" "$2"; }
# events.jsonl without what differs between one run and a killed and resumed one: joins,
# checkpoints, kills and restarts, the resumes and the end
quiet_events() {
    grep -v '"event":"\(node_joined\|checkpoint\|run_resumed\|run_end\|fault_kill\|partition\|checkpoint_failed\)"' "$1" |
        grep -v '"event":"node_\(lost\|restarting\|restarted\)"'
}
same_events() {
    diff <(quiet_events "$1/events.jsonl") <(quiet_events "$2/events.jsonl") >"$WORK/events.diff" ||
        fail "$2's events differ from $1's: $(head -c 600 "$WORK/events.diff")"
}
# same_run REF DIR: the digest, metrics.csv, trends.csv and the events of REF
same_run() {
    [ "$(digest_of "$2")" = "$(digest_of "$1")" ] ||
        fail "$2: digest $(digest_of "$2"), not $(digest_of "$1")"
    cmp -s "$1/metrics.csv" "$2/metrics.csv" || fail "$2's metrics.csv differs from $1's"
    cmp -s "$1/trends.csv" "$2/trends.csv" || fail "$2's trends.csv differs from $1's"
    same_events "$1" "$2"
}

"$NUNCHI" run "$S" --out "$WORK/ref" --quiet --transport ipc
ref=$(digest_of "$WORK/ref")

# 1. a planned kill of the coordinator in round 23, checkpoints every 5 rounds: the process
# dies by SIGKILL with the checkpoint of round 20 on disk, and nothing else
set +e
"$NUNCHI" run "$S" --out "$WORK/k1" --quiet --transport ipc --set recovery.checkpoint_every=5 \
    --set 'faults=[{fault: kill, node: coordinator, round: 23}]' 2>"$WORK/k1.err"
st=$?
set -e
[ $st = 137 ] || fail "the coordinator's planned kill: exit status $st, not 137 (SIGKILL)"
[ ! -e "$WORK/k1/summary.json" ] || fail "a killed coordinator wrote summary.json"
ckpts() { ls "$1/checkpoints" | grep '\.ckpt$' | tr '\n' ' '; }
[ "$(ckpts "$WORK/k1")" = "round-00000020.rank-0.ckpt " ] ||
    fail "checkpoints after the kill: $(ckpts "$WORK/k1")"
tail -n 1 "$WORK/k1/events.jsonl" | grep -q '"event":"fault_kill".*"process":"coordinator"' ||
    fail "events.jsonl does not end with the coordinator's kill"
cp -r "$WORK/k1" "$WORK/k1.copy"
# resumed on 3 nodes over tcp: the run that was never killed
"$NUNCHI" run --resume "$WORK/k1" --quiet --transport tcp --nodes 3
same_run "$WORK/ref" "$WORK/k1"
[ "$(field "$WORK/k1" checkpoints.resumed_from_round)" = 20 ] || fail "not resumed from round 20"
[ "$(field "$WORK/k1" checkpoints.resumes)" = 1 ] || fail "not 1 resume"
[ "$(field "$WORK/k1" checkpoints.written)" = 11 ] ||
    fail "checkpoints written: $(field "$WORK/k1" checkpoints.written), not 11 (rounds 5..55)"
/usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["checkpoints"]
assert c["bytes_last"] > 10000 and c["bytes_max"] >= c["bytes_last"] and 0 < c["write_s_max"] < 5, c' \
    "$WORK/k1/summary.json" || fail "checkpoint figures"
grep -q '"event":"run_resumed","round":20' "$WORK/k1/events.jsonl" || fail "no run_resumed event"
# every checkpoint has its event, the one resumed from too (without its write time)
[ "$(grep -c '"event":"checkpoint"' "$WORK/k1/events.jsonl")" = 11 ] ||
    fail "checkpoint events: $(grep -c '"event":"checkpoint"' "$WORK/k1/events.jsonl"), not 11"
grep -q '"event":"checkpoint","round":20,"bytes":[1-9][0-9]*,"write_s":null' "$WORK/k1/events.jsonl" ||
    fail "the checkpoint resumed from has no event"
[ "$(ckpts "$WORK/k1")" = "round-00000055.rank-0.ckpt " ] ||
    fail "old checkpoints were not removed: $(ckpts "$WORK/k1")"

# a checkpoint that cannot be written (its temporary file's place taken by a directory):
# an event and a warning, and the run goes on to the same end
cp -r "$WORK/k1.copy" "$WORK/cfail"
mkdir "$WORK/cfail/checkpoints/round-00000025.rank-0.ckpt.tmp"
"$NUNCHI" run --resume "$WORK/cfail" --quiet 2>"$WORK/cfail.err"
same_run "$WORK/ref" "$WORK/cfail"
[ "$(field "$WORK/cfail" checkpoints.failed)" = 1 ] || fail "the failed checkpoint is not counted"
grep -q '"event":"checkpoint_failed","round":25,"rank":0,"why":"cannot write the checkpoint' \
    "$WORK/cfail/events.jsonl" || fail "no checkpoint_failed event"
grep -q "the checkpoint of round 25 was not written: .*; the run goes on" "$WORK/cfail.err" ||
    fail "no warning of the failed checkpoint: $(cat "$WORK/cfail.err")"

# 2. killed from outside (kill -9) mid-run: resumed from whatever checkpoint it had
"$NUNCHI" run "$S" --out "$WORK/k2" --quiet --transport ipc --set recovery.checkpoint_every=3 &
pid=$!
for _ in $(seq 1000); do
    [ -f "$WORK/k2/metrics.csv" ] && [ "$(wc -l <"$WORK/k2/metrics.csv")" -ge 11 ] && break
    sleep 0.01
done
# while it lives, its run directory is locked against a resume
"$NUNCHI" run --resume "$WORK/k2" --quiet 2>"$WORK/lock.err" && fail "resumed a living run"
kill -9 $pid
grep -q "another nunchi (pid $pid) is running or resuming this run: '$WORK/k2/checkpoints/lock' is locked" \
    "$WORK/lock.err" || fail "the lock: $(cat "$WORK/lock.err")"
wait $pid && fail "the coordinator ended before it was killed: make the run longer" || true
[ ! -e "$WORK/k2/summary.json" ] || fail "the coordinator finished before it was killed"
ls "$WORK/k2/checkpoints" | grep -q '^round-000000[0-9][0-9].rank-0.ckpt$' || fail "no checkpoint"
"$NUNCHI" run --resume "$WORK/k2" --quiet
same_run "$WORK/ref" "$WORK/k2"
# the killed coordinator's node processes left with it
for _ in $(seq 100); do
    pgrep -f "nunchi-node.*--parent $pid\$" >/dev/null || break
    sleep 0.1
done
! pgrep -f "nunchi-node.*--parent $pid\$" >/dev/null || fail "the killed coordinator's nodes stayed"

# 3. killed twice, a node restarted between the kills: two resumes, one run
kills='[{fault: kill, node: coordinator, round: 23}, {fault: kill, node: 1, round: 30},
        {fault: kill, node: coordinator, round: 41}]'
set +e
"$NUNCHI" run "$S" --out "$WORK/k3" --quiet --transport ipc --set recovery.checkpoint_every=5 \
    --set recovery.policy=restart --set "faults=$kills" 2>/dev/null
[ $? = 137 ] || fail "the first kill did not end the run"
"$NUNCHI" run --resume "$WORK/k3" --quiet 2>/dev/null
[ $? = 137 ] || fail "the second kill did not end the resumed run"
set -e
"$NUNCHI" run --resume "$WORK/k3" --quiet
same_run "$WORK/ref" "$WORK/k3"
[ "$(field "$WORK/k3" checkpoints.resumes)" = 2 ] || fail "not 2 resumes"
[ "$(field "$WORK/k3" recovery.restarts)" = 1 ] || fail "the node was not restarted once"
# two kills between the same two checkpoints: each life dies once, at its own kill
set +e
"$NUNCHI" run "$S" --out "$WORK/k4" --quiet --set recovery.checkpoint_every=5 \
    --set 'faults=[{fault: kill, node: coordinator, round: 23}, {fault: kill, node: coordinator, round: 24}]' 2>/dev/null
a=$?
"$NUNCHI" run --resume "$WORK/k4" --quiet 2>/dev/null
b=$?
set -e
[ "$a $b" = "137 137" ] || fail "two kills in a row: exit statuses $a $b, not 137 137"
"$NUNCHI" run --resume "$WORK/k4" --quiet
same_run "$WORK/ref" "$WORK/k4"
[ "$(field "$WORK/k4" checkpoints.resumes)" = 2 ] || fail "two kills in a row: not 2 resumes"

# 3b. recovery.policy drop: node 1 given up in round 8, its agents (200..399) absent, then
# the coordinator killed: resumed, the same agents stay absent, on the same nodes only
drop=(--set recovery.policy=drop --set recovery.checkpoint_every=5)
"$NUNCHI" run "$S" --out "$WORK/dref" --quiet --transport ipc --set recovery.policy=drop \
    --set 'faults=[{fault: kill, node: 1, round: 8}]'
# an absent agent files nothing: no complaint of its own after it was dropped
/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "case_opened" and e.get("type") == "complaint" and e["round"] > 8:
        assert not 200 <= e["parties"][0] < 400, e' "$WORK/dref/events.jsonl" ||
    fail "an absent agent complained after its node was dropped"
"$NUNCHI" run "$S" --out "$WORK/dk" --quiet --transport ipc "${drop[@]}" \
    --set 'faults=[{fault: kill, node: 1, round: 8}, {fault: kill, node: coordinator, round: 23}]' \
    2>/dev/null && fail "the coordinator's kill did not end the drop run"
"$NUNCHI" run --resume "$WORK/dk" --quiet --nodes 3 2>"$WORK/dk.err" && fail "resumed on other nodes"
grep -q "recovery.policy drop had given up 1 of its 4 nodes, whose agents are absent: resume it on the same 4 nodes" \
    "$WORK/dk.err" || fail "drop on other nodes: $(cat "$WORK/dk.err")"
"$NUNCHI" run --resume "$WORK/dk" --quiet --transport tcp
same_run "$WORK/dref" "$WORK/dk"
[ "$(field "$WORK/dk" recovery.absent_agents)" = 200 ] || fail "not 200 absent agents"

# 4. every planned fault, delayed deliveries held across the checkpoint, across 2 MPI
# ranks, the coordinator of rank 1 killed: resumed on 2 ranks, the one-process run
faults='{fault: loss, p: 0.1}, {fault: delay, p: 0.1, rounds_late: 3},
        {fault: duplicate, p: 0.05}, {fault: silent, agents: {share: 0.03}, rounds: [10, 30]},
        {fault: byzantine, agents: {share: 0.05}, mode: adversarial},
        {fault: partition, between: groups, rounds: [18, 26]}'
"$NUNCHI" run "$S" --out "$WORK/fref" --quiet --set "faults=[$faults]"
command -v mpirun >/dev/null || fail "mpirun is missing (openmpi-bin is in deploy/debian-packages.txt)"
mpi() {
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
        OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo mpirun "$@"
}
mpi -np 2 --oversubscribe "$NUNCHI" run "$S" --out "$WORK/m" --quiet --transport ipc \
    --set recovery.checkpoint_every=4 \
    --set "faults=[$faults, {fault: kill, node: coordinator, round: 22, rank: 1}]" \
    >"$WORK/m.out" 2>&1 && fail "the rank's kill did not end the MPI run"
[ "$(ckpts "$WORK/m")" = "round-00000020.rank-0.ckpt round-00000020.rank-1.ckpt " ] ||
    fail "MPI checkpoints: $(ckpts "$WORK/m")"
cp -r "$WORK/m" "$WORK/m.copy"
mpi -np 2 --oversubscribe "$NUNCHI" run --resume "$WORK/m" --quiet
same_run "$WORK/fref" "$WORK/m"
[ "$(field "$WORK/m" ranks)" = 2 ] || fail "the resumed run is not across 2 ranks"
# on another number of ranks: every rank merges the two old files into its own share,
# in one process and on 3 ranks, to the same run; and the one-process run of 1 on 2 ranks
cp -r "$WORK/m.copy" "$WORK/m1"
"$NUNCHI" run --resume "$WORK/m1" --quiet
same_run "$WORK/fref" "$WORK/m1"
[ "$(ckpts "$WORK/m1")" = "round-00000056.rank-0.ckpt " ] ||
    fail "the old ranks' checkpoints stayed beside the one-process run's: $(ckpts "$WORK/m1")"
cp -r "$WORK/m.copy" "$WORK/m3"
mpi -np 3 --oversubscribe "$NUNCHI" run --resume "$WORK/m3" --quiet
same_run "$WORK/fref" "$WORK/m3"
[ "$(field "$WORK/m3" ranks)" = 3 ] || fail "the resumed run is not across 3 ranks"
grep -q '"event":"run_resumed","round":20,"checkpoint":"[^"]*round-00000020.rank-\*.ckpt"' \
    "$WORK/m3/events.jsonl" || fail "the merged resume's event does not name the old files"
cp -r "$WORK/k1.copy" "$WORK/k1m"
mpi -np 2 --oversubscribe "$NUNCHI" run --resume "$WORK/k1m" --quiet --nodes 2
same_run "$WORK/ref" "$WORK/k1m"
cp -r "$WORK/m.copy" "$WORK/mhalf" # a rank's file missing: refused, saying what is needed
rm "$WORK/mhalf/checkpoints/round-00000020.rank-1.ckpt"
"$NUNCHI" run --resume "$WORK/mhalf" --quiet 2>"$WORK/mhalf.err" && fail "resumed without rank 1's file"
grep -q "holds no usable checkpoint (no checkpoint of a run across 1 rank(s); cannot read the checkpoint '[^']*round-00000020.rank-1.ckpt': No such file" "$WORK/mhalf.err" ||
    fail "a missing rank's file: $(cat "$WORK/mhalf.err")"
cp -r "$WORK/m.copy" "$WORK/mhalf0"
rm "$WORK/mhalf0/checkpoints/round-00000020.rank-0.ckpt"
"$NUNCHI" run --resume "$WORK/mhalf0" --quiet 2>"$WORK/mhalf0.err" && fail "resumed without rank 0's file"
grep -q "mhalf0/checkpoints' holds no usable checkpoint: no checkpoint of a run across 1 rank(s), nor an old rank 0's file" "$WORK/mhalf0.err" ||
    fail "a missing rank 0 file: $(cat "$WORK/mhalf0.err")"

# 5. damaged checkpoints
cp -r "$WORK/k1.copy" "$WORK/torn"
ck="$WORK/torn/checkpoints/round-00000020.rank-0.ckpt"
# a newer one cut short (killed while writing, renamed by hand): passed over for round 20
head -c 5000 "$ck" >"$WORK/torn/checkpoints/round-00000025.rank-0.ckpt"
"$NUNCHI" run --resume "$WORK/torn" --quiet
same_run "$WORK/ref" "$WORK/torn"
[ "$(field "$WORK/torn" checkpoints.resumed_from_round)" = 20 ] || fail "the torn one was used"
# the only one, a byte changed: refused, naming the checksum
cp -r "$WORK/k1.copy" "$WORK/flip"
ck="$WORK/flip/checkpoints/round-00000020.rank-0.ckpt"
printf '\x5a' | dd of="$ck" bs=1 seek=1000 conv=notrunc status=none
"$NUNCHI" run --resume "$WORK/flip" --quiet 2>"$WORK/flip.err" && fail "a changed checkpoint was resumed"
grep -q "round-00000020.rank-0.ckpt' cannot be used: its checksum does not match" "$WORK/flip.err" ||
    fail "changed checkpoint: $(cat "$WORK/flip.err")"
[ ! -e "$WORK/flip/summary.json" ] || fail "a refused resume wrote summary.json"
cmp -s "$WORK/flip/events.jsonl" "$WORK/k1.copy/events.jsonl" || fail "a refused resume changed events.jsonl"
[ "$(wc -l <"$WORK/flip/metrics.csv")" = "$(wc -l <"$WORK/k1.copy/metrics.csv")" ] ||
    fail "a refused resume changed metrics.csv"
# none at all
cp -r "$WORK/k1.copy" "$WORK/none"
rm -r "$WORK/none/checkpoints"
"$NUNCHI" run --resume "$WORK/none" --quiet 2>"$WORK/none.err" && fail "resumed without checkpoints"
grep -q "holds no usable checkpoint: it cannot be read" "$WORK/none.err" ||
    fail "no checkpoints: $(cat "$WORK/none.err")"

# an output shorter than at the checkpoint: refused before anything is cut
cp -r "$WORK/k1.copy" "$WORK/short"
head -c 100 "$WORK/k1.copy/metrics.csv" >"$WORK/short/metrics.csv"
"$NUNCHI" run --resume "$WORK/short" --quiet 2>"$WORK/short.err" && fail "resumed a cut metrics.csv"
grep -q "metrics.csv' has 100 bytes, fewer than the [0-9]* it had at the checkpoint" "$WORK/short.err" ||
    fail "cut output: $(cat "$WORK/short.err")"
cmp -s "$WORK/short/events.jsonl" "$WORK/k1.copy/events.jsonl" || fail "a refused resume cut events.jsonl"

# 6. what a resume refuses: another scenario, changed keys, a directory that is no run's
cp -r "$WORK/k1.copy" "$WORK/edit"
sed -i 's/^seed: 11$/seed: 12/' "$WORK/edit/scenario.yaml"
"$NUNCHI" run --resume "$WORK/edit" --quiet 2>"$WORK/edit.err" && fail "resumed another scenario"
grep -q "it is of another scenario (seed 11, 800 agents, 60 rounds" "$WORK/edit.err" ||
    fail "edited scenario: $(cat "$WORK/edit.err")"
cp -r "$WORK/k1.copy" "$WORK/edit2" # a change no figure of the checkpoint shows
sed -i 's/^    recovery: 0.02$/    recovery: 0.03/' "$WORK/edit2/scenario.yaml"
! cmp -s "$WORK/edit2/scenario.yaml" "$WORK/k1.copy/scenario.yaml" || fail "the edit did not edit"
"$NUNCHI" run --resume "$WORK/edit2" --quiet 2>"$WORK/edit2.err" && fail "resumed an edited scenario"
grep -q "scenario.yaml' is not the file the run wrote: it was changed since" "$WORK/edit2.err" ||
    fail "edited reputation: $(cat "$WORK/edit2.err")"
"$NUNCHI" run --resume "$WORK/k1.copy" --seed 3 2>"$WORK/u1.err" && fail "--resume took --seed"
grep -q "a resumed run keeps its scenario" "$WORK/u1.err" || fail "--seed: $(cat "$WORK/u1.err")"
"$NUNCHI" run "$S" --resume "$WORK/k1.copy" 2>"$WORK/u2.err" && fail "--resume took a scenario"
grep -q "give no scenario file" "$WORK/u2.err" || fail "scenario: $(cat "$WORK/u2.err")"
"$NUNCHI" run --resume "$WORK/nowhere" 2>"$WORK/u3.err" && fail "resumed nowhere"
grep -q "is not a run directory: cannot read '$WORK/nowhere/scenario.yaml'" "$WORK/u3.err" ||
    fail "no run directory: $(cat "$WORK/u3.err")"
"$NUNCHI" run "$S" --out "$WORK/nock" --quiet \
    --set 'faults=[{fault: kill, node: coordinator, round: 5}]' 2>"$WORK/u4.err" &&
    fail "a coordinator kill without checkpoints ran"
grep -q "'faults\[0\]' kills the coordinator, but the run writes no checkpoint to go on from at --set" \
    "$WORK/u4.err" || fail "kill without checkpoints: $(cat "$WORK/u4.err")"
[ ! -e "$WORK/nock" ] || fail "a refused scenario left a run directory"
"$NUNCHI" run "$S" --out "$WORK/early" --quiet --set recovery.checkpoint_every=10 \
    --set 'faults=[{fault: kill, node: coordinator, round: 10}]' 2>"$WORK/u5.err" &&
    fail "a coordinator kill before the first checkpoint ran"
grep -q "kills the coordinator in round 10, before the first checkpoint (after round 10)" \
    "$WORK/u5.err" || fail "kill before the first checkpoint: $(cat "$WORK/u5.err")"
# 7. llm agents that say texts and remember (llm.memory 3), replayed: the coordinator
# keeps their memories as their nodes do, so a resume, and a node restarted mid-run, ask
# the recorded questions again (no replay missed) and give the recorded digest and texts
start_llm ckpt
L=("$SRC/scenarios/llm/citizens.yaml" --rounds 12 --set llm.memory=3 --transport ipc --quiet)
"$NUNCHI" run "${L[@]}" --set "llm.endpoints.0.url=$base/v1" --set "llm.record=$WORK/rec.jsonl" \
    --out "$WORK/lrec"
kill "$llm_pid"
"$NUNCHI" run "${L[@]}" --set "llm.replay=$WORK/rec.jsonl" --out "$WORK/lrep"
[ "$(wc -l <"$WORK/lrep/transcript.jsonl")" -gt 100 ] || fail "the llm run said few texts"
"$NUNCHI" run "${L[@]}" --set "llm.replay=$WORK/rec.jsonl" --set recovery.checkpoint_every=4 \
    --set 'faults=[{fault: kill, node: coordinator, round: 7}]' --out "$WORK/lk" 2>/dev/null &&
    fail "the llm run's coordinator was not killed"
"$NUNCHI" run --resume "$WORK/lk" --quiet --transport tcp --nodes 3
"$NUNCHI" run "${L[@]}" --set "llm.replay=$WORK/rec.jsonl" --set recovery.policy=restart \
    --set 'faults=[{fault: kill, node: 1, round: 6}]' --out "$WORK/lr"
for d in lk lr; do
    [ "$(digest_of "$WORK/$d")" = "$(digest_of "$WORK/lrec")" ] || fail "$d: the llm run's digest"
    cmp -s "$WORK/$d/transcript.jsonl" "$WORK/lrec/transcript.jsonl" || fail "$d: the llm run's texts"
    [ "$(field "$WORK/$d" llm.replay_missed)" = 0 ] ||
        fail "$d: $(field "$WORK/$d" llm.replay_missed) questions not in the record: a memory was lost"
done
cmp -s "$WORK/lk/metrics.csv" "$WORK/lrep/metrics.csv" || fail "the llm resume's metrics"
[ "$(field "$WORK/lr" recovery.restarts)" = 1 ] || fail "the llm node was not restarted"
# 8. an external population (deffuant-py, claimed by a nunchi-node started by hand): its
# node is started again beside the resumed run and joins it, to the built-in run's digest
"$NUNCHI" run "$DATA/scenarios/client_external_ref.yaml" --out "$WORK/xref" --quiet
xport=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NUNCHI" run "$DATA/scenarios/client_external.yaml" --set "external.bind=tcp://127.0.0.1:$xport" \
    --set recovery.checkpoint_every=5 --set 'faults=[{fault: kill, node: coordinator, round: 12}]' \
    --out "$WORK/xk" --quiet 2>/dev/null &
xrun=$!
"$NODE" --connect "tcp://127.0.0.1:$xport" --claim deffuant-py=deffuant 2>"$WORK/xk.node.err" &
xnode=$!
wait $xrun && fail "the coordinator with an external population was not killed" || true
kill $xnode 2>/dev/null || true
wait $xnode || true
"$NUNCHI" run --resume "$WORK/xk" --quiet 2>"$WORK/xk.err" &
xrun=$!
"$NODE" --connect "tcp://127.0.0.1:$xport" --claim deffuant-py=deffuant 2>"$WORK/xk2.node.err" ||
    fail "the external node of the resumed run: $(cat "$WORK/xk2.node.err") (the run said: $(cat "$WORK/xk.err"))"
wait $xrun || fail "the resumed run with an external population: $(cat "$WORK/xk.err")"
[ "$(digest_of "$WORK/xk")" = "$(digest_of "$WORK/xref")" ] ||
    fail "external population resumed: digest $(digest_of "$WORK/xk"), not $(digest_of "$WORK/xref")"
# 9. the llm agents an external population, hosted by nunchi-node --claim llm-ext=llm:
# their memories go to the node that joins the resumed run too
start_llm ckpt2
xl=("$SRC/scenarios/llm/citizens.yaml" --rounds 10 --set llm.memory=3 --quiet
    --set 'populations.0={behaviour: external, name: llm-ext, share: 0.5}')
ext_llm() { # OUT NODE_ERR ARGS...: the run in the background and its claiming node
    local out=$1 err=$2 port
    shift 2
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$NUNCHI" run "${xl[@]}" --set "external={bind: 'tcp://127.0.0.1:$port', wait_s: 30}" "$@" \
        --out "$out" 2>"$out.err" &
    xrun=$!
    "$NODE" --connect "tcp://127.0.0.1:$port" --claim llm-ext=llm 2>"$err" &
    xnode=$!
}
ext_llm "$WORK/xlrec" "$WORK/xlrec.node" --set "llm.endpoints.0.url=$base/v1" \
    --set "llm.record=$WORK/xlrec.jsonl"
wait $xrun || fail "the external llm run: $(cat "$WORK/xlrec.err")"
wait $xnode || true
kill "$llm_pid"
ext_llm "$WORK/xlk" "$WORK/xlk.node" --set "llm.replay=$WORK/xlrec.jsonl" \
    --set recovery.checkpoint_every=4 --set 'faults=[{fault: kill, node: coordinator, round: 7}]'
wait $xrun && fail "the external llm run's coordinator was not killed" || true
kill $xnode 2>/dev/null || true
wait $xnode || true
xport=$(sed -n 's|^  bind: "tcp://127.0.0.1:\([0-9]*\)"$|\1|p' "$WORK/xlk/scenario.yaml")
[ -n "$xport" ] || fail "no external.bind in the run's scenario.yaml"
"$NUNCHI" run --resume "$WORK/xlk" --quiet 2>"$WORK/xlk2.err" &
xrun=$!
"$NODE" --connect "tcp://127.0.0.1:$xport" --claim llm-ext=llm 2>"$WORK/xlk2.node" ||
    fail "the external llm node of the resumed run: $(cat "$WORK/xlk2.node") ($(cat "$WORK/xlk2.err"))"
wait $xrun || fail "the resumed external llm run: $(cat "$WORK/xlk2.err")"
[ "$(digest_of "$WORK/xlk")" = "$(digest_of "$WORK/xlrec")" ] || fail "the external llm resume's digest"
[ "$(field "$WORK/xlk" llm.replay_missed)" = 0 ] ||
    fail "the external llm resume missed $(field "$WORK/xlk" llm.replay_missed) questions"
echo "resume: ok"
