# Planned faults (docs/faults.md): message loss and a partition, applied in their rounds
# only, counted under their own drop rules with the message balance kept, and the same
# digest on 1 and 3 nodes, over tcp and across 2 MPI ranks; silent and byzantine agents
# and a partition between groups in the whole institutional chain, the same on 1 and 3
# nodes and 3 ranks; delayed and duplicated deliveries, with the balance counting them.
source "$(dirname "$0")/lib/common.bash"
cat >"$WORK/f.yaml" <<'YAML'
name: faults
seed: 3
rounds: 20
agents: 1000
network: {model: watts_strogatz, k: 8, p: 0.05}
populations:
  - {behaviour: degroot, share: 1}
nodes: 2
faults:
  - {fault: loss, p: 0.2, rounds: [5, 9]}
  - {fault: partition, between: halves, rounds: [12, 15]}
YAML
sed '/^faults:/,$d' "$WORK/f.yaml" >"$WORK/none.yaml"

"$NUNCHI" run "$WORK/none.yaml" --out "$WORK/none" --quiet
"$NUNCHI" run "$WORK/f.yaml" --out "$WORK/f" --quiet --compare "$WORK/none"
[ "$(digest_of "$WORK/f")" != "$(digest_of "$WORK/none")" ] || fail "the faults changed nothing"
/usr/bin/python3 - "$WORK/f" "$WORK/none" <<'PY' || fail "counts"
import csv, json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))["messages"]
d = s["dropped"]
assert s["sent"] == s["delivered"] + sum(d.values()) + s["in_flight"], s
assert d["fault_loss"] > 0 and d["fault_partition"] > 0, d
c = json.load(open(sys.argv[1] + "/summary.json"))["compare"]
n = json.load(open(sys.argv[2] + "/summary.json"))
assert c["same_digest"] is False and c["digest"] == n["digest"], c
fd = c["figures"]["messages.delivered"]
assert fd["other"] == n["messages"]["delivered"] and fd["diff"] < 0, fd
rows = list(csv.DictReader(open(sys.argv[1] + "/metrics.csv")))
ref = list(csv.DictReader(open(sys.argv[2] + "/metrics.csv")))
lost = sum(int(r["messages_dropped"]) for r in rows)
assert lost == d["fault_loss"] + d["fault_partition"], (lost, d)
for r in rows:
    k, sent, dropped = int(r["round"]), int(r["messages_sent"]), int(r["messages_dropped"])
    if 5 <= k <= 9:     # loss 0.2 (the drops of round k are counted in round k)
        assert 0.15 * sent < dropped < 0.25 * sent, (k, sent, dropped)
    elif 12 <= k <= 15: # the halves cut: a ring of 1000 with k 8 has few edges across
        assert 0 < dropped < 0.1 * sent, (k, sent, dropped)
    else:
        assert dropped == 0, (k, dropped)
# the messages lost in round 5 would have been read in round 6: until then the runs agree
for a, b in zip(rows[:5], ref[:5]):
    assert a["mean"] == b["mean"] and a["sd"] == b["sd"], (a, b)
assert rows[5]["mean"] != ref[5]["mean"] or rows[5]["sd"] != ref[5]["sd"]
PY
grep -q '"event":"fault_start","round":5,"fault":0,"kind":"loss"' "$WORK/f/events.jsonl" \
    || fail "no fault_start of fault 0 in round 5"
[ "$(grep -c '"fault_start"' "$WORK/f/events.jsonl")" = 2 ] || fail "not 2 fault_start events"
[ "$(grep -c '"fault_end"' "$WORK/f/events.jsonl")" = 2 ] || fail "not 2 fault_end events"

digest=$(digest_of "$WORK/f")
for args in "--nodes 1" "--nodes 3 --transport tcp"; do
    # shellcheck disable=SC2086
    "$NUNCHI" run "$WORK/f.yaml" --out "$WORK/n" --quiet $args
    [ "$(digest_of "$WORK/n")" = "$digest" ] || fail "$args: digest $(digest_of "$WORK/n"), not $digest"
done
command -v mpirun >/dev/null || fail "mpirun is missing (openmpi-bin is in deploy/debian-packages.txt)"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
    OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo mpirun -np 2 --oversubscribe \
    "$NUNCHI" run --mpi "$WORK/f.yaml" --out "$WORK/mpi" --quiet
[ "$(digest_of "$WORK/mpi")" = "$digest" ] || fail "2 ranks: digest $(digest_of "$WORK/mpi"), not $digest"
cmp -s "$WORK/mpi/metrics.csv" "$WORK/f/metrics.csv" || fail "2 ranks: metrics.csv differs"
# silent and byzantine agents in the whole institutional chain (votes, offers, compliance)
S=(--set 'faults=[{fault: silent, agents: [0, 1, 2, 3], rounds: [3, 8]}, {fault: byzantine, agents: {share: 0.1}, mode: adversarial, rounds: [2, 40]}, {fault: partition, between: groups, rounds: [20, 25]}, {fault: byzantine, agents: {share: 0.05}, rounds: [30, 60]}]')
"$NUNCHI" run "$DATA/scenarios/society.yaml" --out "$WORK/soc" --quiet "${S[@]}"
"$NUNCHI" run "$DATA/scenarios/society.yaml" --out "$WORK/soc0" --quiet
[ "$(digest_of "$WORK/soc")" != "$(digest_of "$WORK/soc0")" ] || fail "silent and byzantine agents changed nothing"
/usr/bin/python3 - "$WORK/soc" <<'PY' || fail "society counts"
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
m, f = s["messages"], s["faults"]
d = m["dropped"]
assert m["sent"] == m["delivered"] + sum(d.values()) + m["in_flight"], m
assert d["fault_silent"] == f["silenced"] > 0, (d, f)
assert d["fault_partition"] == f["partitioned"] > 0, (d, f)
assert f["byzantine_messages"] > 0 and f["byzantine_acts"] > 0, f
assert [p["fault"] for p in f["planned"]] == ["silent", "byzantine", "partition", "byzantine"], f
assert f["planned"][1]["mode"] == "adversarial" and f["planned"][3]["mode"] == "random", f
PY
soc=$(digest_of "$WORK/soc")
for args in "--nodes 1" "--nodes 3 --transport ipc"; do
    # shellcheck disable=SC2086
    "$NUNCHI" run "$DATA/scenarios/society.yaml" --out "$WORK/sn" --quiet "${S[@]}" $args
    [ "$(digest_of "$WORK/sn")" = "$soc" ] || fail "society $args: digest $(digest_of "$WORK/sn"), not $soc"
done
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
    OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo mpirun -np 3 --oversubscribe \
    "$NUNCHI" run --mpi "$DATA/scenarios/society.yaml" --out "$WORK/smpi" --quiet "${S[@]}"
[ "$(digest_of "$WORK/smpi")" = "$soc" ] || fail "society on 3 ranks: digest $(digest_of "$WORK/smpi"), not $soc"
cmp -s <(grep -o '"byzantine_[a-z]*": [0-9]*' "$WORK/smpi/summary.json") \
    <(grep -o '"byzantine_[a-z]*": [0-9]*' "$WORK/soc/summary.json") || fail "3 ranks count other lies"
# delay and duplication: late and doubled deliveries, the balance with them, and the
# same digest on other node counts and ranks
cat >"$WORK/d.yaml" <<'YAML'
name: late
seed: 4
rounds: 20
agents: 1000
network: {model: watts_strogatz, k: 8, p: 0.05}
populations:
  - {behaviour: deffuant, share: 1, params: {d: 0.3, mu: 0.3}}
nodes: 2
faults:
  - {fault: delay, p: 0.3, rounds_late: 2, rounds: [3, 19]}
  - {fault: duplicate, p: 0.1, rounds: [3, 10]}
YAML
"$NUNCHI" run "$WORK/d.yaml" --out "$WORK/d" --quiet
/usr/bin/python3 - "$WORK/d" <<'PY' || fail "delay and duplicate counts"
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
m, f = s["messages"], s["faults"]
assert f["delayed"] > 0 and f["duplicated"] > 0 and f["delayed_in_flight"] > 0, f
# every message sent is delivered, dropped, in flight or held back; duplicates add some
assert m["sent"] + f["duplicated"] == (m["delivered"] + sum(m["dropped"].values()) +
                                       m["in_flight"] + f["delayed_in_flight"]), (m, f)
# 0.3 of deffuant's one message an agent a round, rounds 3..19, held back
assert 0.25 * 17 * 1000 < f["delayed"] < 0.35 * 17 * 1000, f
PY
late=$(digest_of "$WORK/d")
sed '/^faults:/,$d' "$WORK/d.yaml" >"$WORK/d0.yaml"
"$NUNCHI" run "$WORK/d0.yaml" --out "$WORK/d0" --quiet
[ "$(digest_of "$WORK/d0")" != "$late" ] || fail "delay and duplication changed nothing"
"$NUNCHI" run "$WORK/d.yaml" --out "$WORK/dn" --quiet --nodes 3 --transport tcp
[ "$(digest_of "$WORK/dn")" = "$late" ] || fail "delay on 3 nodes over tcp: another digest"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
    OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo mpirun -np 3 --oversubscribe \
    "$NUNCHI" run --mpi "$WORK/d.yaml" --out "$WORK/dmpi" --quiet
[ "$(digest_of "$WORK/dmpi")" = "$late" ] || fail "delay on 3 ranks: digest $(digest_of "$WORK/dmpi"), not $late"
cmp -s <(grep -o '"d[a-z_]*": [0-9]*' "$WORK/dmpi/summary.json" | grep -E 'delayed|duplicated') \
    <(grep -o '"d[a-z_]*": [0-9]*' "$WORK/d/summary.json" | grep -E 'delayed|duplicated') \
    || fail "3 ranks count other delays or duplicates"
echo "ok: faults: loss and a partition in their rounds, counted, digest $digest on 1, 2, 3 nodes and 2 ranks"
