# shellcheck shell=bash
# Network faults for real: a coordinator and node processes on "hosts" made with network
# namespaces on this machine, over tcp, with the links delayed, lossy, duplicating,
# reordering and cut for a while. Each run must complete with the digest of the
# fault-free run (TCP carries ZeroMQ: a lost, doubled or late packet costs time, never a
# message), and the cut must show as a stalled round in summary.json's round_s.
#
#     bash tests/netfault/netfault.sh BUILD_DIR SOURCE_DIR     (as root)
#
# Topology: namespace nn-coord-PID (the coordinator, `nunchi serve`) and nn-node-PID-K
# (K = 1..3, one `nunchi-node` each), joined by point-to-point links: 10.77.K.1 on the
# coordinator's side, 10.77.K.2 on node K's. A link is a veth pair with `tc netem` on
# both ends; where the kernel has no sch_netem, it is a pair of TUN devices carried by
# wire.py, a userspace netem (the same netem words). Everything it creates is named with
# its PID and removed on exit, even on failure.
#
# It skips (exit 0, "skip: ...") without root, without network namespaces, or with
# neither netem nor TUN. NUNCHI_NETFAULT_MODE=netem or =wire forces one kind of link
# (and fails when it cannot be had).
source "$2/tests/integration/lib/common.bash"
HERE="$SRC/tests/netfault"
SCEN="$HERE/scenario.yaml"
PY=/usr/bin/python3
K_NODES=3
ROUNDS=40
PORT=5555
CUT_S=2
CUT_AFTER=10
ID=$$
CNS="nn-coord-$ID"
wire_pid=

skip() {
    echo "skip: $*"
    exit 0
}

node_ns() { echo "nn-node-$ID-$1"; }
cdev() { echo "nnc$ID-$1"; } # the coordinator's end of link K
ndev() { echo "nnn$ID-$1"; } # node K's end

# every namespace, device and process of this test, gone; safe to call twice
teardown() {
    local ns p
    if [ -n "$wire_pid" ]; then
        kill "$wire_pid" 2>/dev/null || true
        wait "$wire_pid" 2>/dev/null || true
        wire_pid=
    fi
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^nn-(coord-$ID|node-$ID-[0-9]+)$"); do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
        sleep 0.2
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    # a device still in this namespace (a TUN device before it moved)
    for p in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^nn[cn]$ID-"); do
        ip link del "$p" 2>/dev/null || true
    done
}
on_exit() {
    teardown
    cleanup
}
trap on_exit EXIT

[ "$(id -u)" -eq 0 ] || skip "cannot create network namespaces: not root (uid $(id -u))"
command -v ip >/dev/null || skip "cannot create network namespaces: no 'ip' (apt-get install iproute2)"
command -v tc >/dev/null || skip "cannot create network namespaces: no 'tc' (apt-get install iproute2)"
ip netns add "$CNS" 2>"$WORK/ns.err" || skip "cannot create network namespaces: $(cat "$WORK/ns.err")"
ip -n "$CNS" link set lo up

# the kind of link: netem when a netem qdisc can be put on a veth, else wire.py on TUN
mode=${NUNCHI_NETFAULT_MODE:-}
if [ -z "$mode" ] || [ "$mode" = netem ]; then
    if ip -n "$CNS" link add "nnp$ID" type veth peer name "nnq$ID" 2>"$WORK/veth.err" \
        && ip -n "$CNS" link set "nnp$ID" up \
        && tc -n "$CNS" qdisc add dev "nnp$ID" root netem delay 1ms 2>"$WORK/netem.err"; then
        mode=netem
    else
        [ "$mode" = netem ] && fail "NUNCHI_NETFAULT_MODE=netem: $(cat "$WORK/veth.err" "$WORK/netem.err")"
        grep -q . "$WORK/veth.err" && skip "cannot create network namespaces: a veth pair: $(cat "$WORK/veth.err")"
        netem_why=$(cat "$WORK/netem.err")
        mode=wire
    fi
    ip -n "$CNS" link del "nnp$ID" 2>/dev/null || true
fi
[ "$mode" = netem ] || [ "$mode" = wire ] || fail "NUNCHI_NETFAULT_MODE is '$mode': netem or wire"

for k in $(seq $K_NODES); do
    ip netns add "$(node_ns "$k")" 2>"$WORK/ns.err" \
        || skip "cannot create network namespaces: $(cat "$WORK/ns.err")"
    ip -n "$(node_ns "$k")" link set lo up
done

if [ "$mode" = netem ]; then
    for k in $(seq $K_NODES); do
        ip -n "$CNS" link add "$(cdev "$k")" type veth peer name "$(ndev "$k")" netns "$(node_ns "$k")"
        ip -n "$CNS" addr add "10.77.$k.1/30" dev "$(cdev "$k")"
        ip -n "$(node_ns "$k")" addr add "10.77.$k.2/30" dev "$(ndev "$k")"
    done
else
    [ -c /dev/net/tun ] || skip "tc netem is not available ($netem_why) and there is no /dev/net/tun for wire.py"
    echo "note: tc netem is not available here ($netem_why): the links are TUN devices carried by wire.py, a userspace netem"
    : >"$WORK/wire.ctl"
    pairs=()
    for k in $(seq $K_NODES); do pairs+=("$(cdev "$k"):$(ndev "$k")"); done
    $PY "$HERE/wire.py" "$WORK/wire.ctl" "$WORK/wire.ready" "${pairs[@]}" 2>"$WORK/wire.err" &
    wire_pid=$!
    await_line "$WORK/wire.ready" ready 5 \
        || skip "tc netem is not available ($netem_why) and wire.py cannot make TUN devices: $(cat "$WORK/wire.err")"
    for k in $(seq $K_NODES); do
        ip link set "$(cdev "$k")" netns "$CNS"
        ip link set "$(ndev "$k")" netns "$(node_ns "$k")"
        ip -n "$CNS" addr add "10.77.$k.1/32" peer "10.77.$k.2" dev "$(cdev "$k")"
        ip -n "$(node_ns "$k")" addr add "10.77.$k.2/32" peer "10.77.$k.1" dev "$(ndev "$k")"
    done
fi
for k in $(seq $K_NODES); do
    ip -n "$CNS" link set "$(cdev "$k")" up
    ip -n "$(node_ns "$k")" link set "$(ndev "$k")" up
done

# impair SPEC: every link, both ways, impaired as netem's SPEC ("" for none)
impair() {
    local k
    if [ "$mode" = netem ]; then
        for k in $(seq $K_NODES); do
            tc -n "$CNS" qdisc del dev "$(cdev "$k")" root 2>/dev/null || true
            tc -n "$(node_ns "$k")" qdisc del dev "$(ndev "$k")" root 2>/dev/null || true
            if [ -n "$1" ]; then
                # shellcheck disable=SC2086
                if ! tc -n "$CNS" qdisc add dev "$(cdev "$k")" root netem $1 \
                    || ! tc -n "$(node_ns "$k")" qdisc add dev "$(ndev "$k")" root netem $1; then
                    fail "tc netem '$1' was refused"
                fi
            fi
        done
    else
        kill -0 "$wire_pid" 2>/dev/null || fail "wire.py is gone: $(cat "$WORK/wire.err")"
        echo "$1" >"$WORK/wire.ctl"
        kill -HUP "$wire_pid"
        sleep 0.1
    fi
}

# the nodes can reach the coordinator
for k in $(seq $K_NODES); do
    ip netns exec "$(node_ns "$k")" "$PY" -c "
import socket, sys
s = socket.socket(); s.settimeout(3)
try:
    s.connect(('10.77.$k.1', 9))
except ConnectionRefusedError:
    sys.exit(0)  # a RST from the coordinator's namespace: the link carries packets
except OSError as e:
    sys.exit('10.77.$k.1 from node $k: %s' % e)
" 2>"$WORK/ping.err" || fail "the link to node $k carries nothing: $(cat "$WORK/ping.err")"
done

# netrun NAME SPEC [CUT]: a served run with every link impaired as SPEC, into $WORK/NAME;
# with CUT, node 1's link is down for CUT_S seconds after round CUT_AFTER
netrun() {
    local name=$1 spec=$2 cut=${3:-} out="$WORK/$1" coord k pids=() watch
    impair "$spec"
    ip netns exec "$CNS" timeout 80 "$NUNCHI" serve "$SCEN" --bind "tcp://*:$PORT" \
        --expect-nodes $K_NODES --wait 20 --out "$out" --quiet 2>"$out.err" &
    coord=$!
    for k in $(seq $K_NODES); do
        ip netns exec "$(node_ns "$k")" timeout 80 "$NODE" --connect "tcp://10.77.$k.1:$PORT" \
            --timeout 20 2>>"$out.nodes.err" &
        pids+=($!)
    done
    if [ -n "$cut" ]; then
        $PY "$HERE/watch.py" "$out/metrics.csv" $ROUNDS 60 $CUT_AFTER $CUT_S \
            "ip -n $(node_ns 1) link set $(ndev 1) down" \
            "ip -n $(node_ns 1) link set $(ndev 1) up" >"$out.cut.json" 2>"$out.cut.err" &
        watch=$!
    fi
    wait "$coord" || fail "$name ($spec): serve failed: $(cat "$out.err" "$out.nodes.err")"
    for k in "${pids[@]}"; do
        wait "$k" || fail "$name ($spec): a node failed: $(cat "$out.nodes.err")"
    done
    if [ -n "$cut" ]; then
        wait "$watch" || fail "$name: the link was not cut before the run ended: $(cat "$out.cut.json" "$out.cut.err")"
    fi
    impair ""
    [ "$(json_field "$out/summary.json" status)" = completed ] \
        || fail "$name ($spec): status $(json_field "$out/summary.json" status)"
}

# field NAME EXPR: a value of run NAME's summary.json (s), events (ev) and cut (cut)
field() {
    $PY - "$WORK/$1" "$2" <<'EOF'
import json, os, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
ev = [json.loads(l) for l in open(d + "/events.jsonl")]
cut = json.load(open(d + ".cut.json")) if os.path.exists(d + ".cut.json") else None
print(eval(sys.argv[2]))
EOF
}

"$NUNCHI" run "$SCEN" --out "$WORK/local" --quiet || fail "nunchi run $SCEN failed"
ref=$(digest_of "$WORK/local")
t_start=$(date +%s.%N)
names=(clean delay loss duplicate reorder cut)
specs=("" "delay 50ms 10ms" "loss 10%" "duplicate 5%" "delay 20ms reorder 25% 50%" "delay 10ms")
for i in "${!names[@]}"; do
    if [ "${names[$i]}" = cut ]; then
        netrun cut "${specs[$i]}" yes
    else
        netrun "${names[$i]}" "${specs[$i]}"
    fi
    got=$(digest_of "$WORK/${names[$i]}")
    [ "$got" = "$ref" ] || fail "${names[$i]} (${specs[$i]}): digest $got != the fault-free $ref"
done

printf '\n%-10s %-28s %7s %8s %8s %8s %8s %7s\n' setting netem wall_s p50_ms p95_ms p99_ms max_ms resumed
for i in "${!names[@]}"; do
    n=${names[$i]}
    what=${specs[$i]:-none}
    [ "$n" = cut ] && what="$what + ${CUT_S} s cut"
    printf '%-10s %-28s %7.2f %8.1f %8.1f %8.1f %8.1f %7s\n' "$n" "$what" \
        "$(field "$n" 's["wall_seconds"]')" "$(field "$n" 's["round_s"]["p50"]*1e3')" \
        "$(field "$n" 's["round_s"]["p95"]*1e3')" "$(field "$n" 's["round_s"]["p99"]*1e3')" \
        "$(field "$n" 's["round_s"]["max"]*1e3')" "$(field "$n" 's["node_sessions"]["resumed"]')"
done
echo

# the stalls: the cut is a round at least as long as the cut (less the time the watcher
# takes to see the round's row), the fault-free run has none near it, and the delayed
# link's rounds are at least one round trip (2 x 50 ms less the jitter)
cut_max=$(field cut 's["round_s"]["max"]')
clean_max=$(field clean 's["round_s"]["max"]')
$PY -c "import sys; sys.exit(0 if $cut_max >= $CUT_S - 0.3 else 1)" \
    || fail "the ${CUT_S} s cut after round $CUT_AFTER left no stalled round: round_s.max $cut_max"
$PY -c "import sys; sys.exit(0 if $clean_max < 0.5 else 1)" \
    || fail "the fault-free run has a round of $clean_max s"
$PY -c "import sys; sys.exit(0 if $(field delay 's["round_s"]["p50"]') >= 0.08 else 1)" \
    || fail "delay 50ms on both ends, yet round_s.p50 is $(field delay 's["round_s"]["p50"]') s"
[ "$(field cut 'len([e for e in ev if e["event"] == "node_lost"])')" = 0 ] \
    || fail "the cut lost a node: $(grep node_lost "$WORK/cut/events.jsonl")"
echo "cut: $(field cut 'cut') ; events after it: $(field cut '[e["event"] + " node " + str(e.get("node")) + " round " + str(e.get("round")) for e in ev if e["event"] in ("node_resumed", "node_lost", "rejected")]')"

teardown
left=$(ip netns list | grep -E "nn-(coord-$ID|node-$ID-)" || true)
[ -z "$left" ] || fail "namespaces left behind: $left"
left=$(ip -o link show | grep -E "nn[cn]$ID-" || true)
[ -z "$left" ] || fail "devices left behind: $left"
echo "ok: $mode links, ${#names[@]} runs of $K_NODES nodes in $(printf '%.0f' "$($PY -c "import time; print(time.time() - $t_start)")") s, each with the digest $ref"
