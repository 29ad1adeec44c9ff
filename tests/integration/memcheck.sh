# Memcheck: the unit tests of the modules that do the most pointer work, then a small
# real run under valgrind, once with inproc nodes (coordinator and node threads in one
# process) and once with ipc, where each nunchi-node process runs under valgrind too
# (through NUNCHI_NODE). Only memory errors and definite leaks fail: libzmq and igraph
# keep some memory until exit ("still reachable", "possibly lost"), which is not ours to
# free. Library errors that are not ours go in lib/valgrind.supp, each with its reason.
source "$(dirname "$0")/lib/common.bash"
command -v valgrind >/dev/null \
    || fail "valgrind is not installed: install it (apt-get install valgrind;" \
            "it is listed in deploy/debian-packages.txt)"

VG=(valgrind --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite)
SUPP="$SRC/tests/integration/lib/valgrind.supp"
[ -f "$SUPP" ] && VG+=(--suppressions="$SUPP")
mkdir -p "$WORK/vg"

# Runs "$@" under valgrind -q with one log a process in $WORK/vg/NAME.PID.log: any
# non-empty log is a finding (a forked child that execs leaves an empty one). Fails with
# the findings, or with the output's tail when the command itself fails.
memcheck() {
    local name=$1 rc=0 found=0 log
    shift
    (cd "$WORK" && "${VG[@]}" -q --log-file="$WORK/vg/$name.%p.log" "$@") \
        >"$WORK/$name.out" 2>&1 || rc=$?
    for log in "$WORK/vg/$name".*.log; do
        if [ -s "$log" ]; then
            cat "$log" >&2
            found=1
        fi
    done
    [ $found -eq 0 ] || fail "$name: valgrind found memory errors or definite leaks (above)"
    if [ $rc -ne 0 ]; then
        tail -n 40 "$WORK/$name.out" >&2
        fail "$name exited with status $rc under valgrind"
    fi
}

for t in test_codec test_node test_router test_society test_metrics test_network \
         test_output test_diag test_norms test_cases test_citizen test_structure \
         test_partition test_texts test_llm_cache test_llm_behaviour; do
    [ -x "$BUILD/$t" ] || fail "$BUILD/$t is not built"
    memcheck "$t" "$BUILD/$t"
done

cat >"$WORK/tiny.yaml" <<'YAML'
name: tiny
agents: 200
rounds: 5
network: {model: watts_strogatz, k: 4, p: 0.1}
populations:
  - {behaviour: deffuant, share: 0.5}
  - {behaviour: hk, share: 0.5}
nodes: 2
YAML

memcheck run_inproc "$NUNCHI" run "$WORK/tiny.yaml" --transport inproc --out "$WORK/inproc" --quiet
[ "$(json_field "$WORK/inproc/summary.json" status)" = completed ] \
    || fail "the inproc run under valgrind did not complete: $(cat "$WORK/inproc/summary.json")"

# The coordinator reaps its nodes after Bye without looking at their exit status, so the
# node's own valgrind verdict is read from its log; without -q the log ends with an
# ERROR SUMMARY line, which also shows the node ran to its end under valgrind.
{
    echo '#!/bin/sh'
    echo '# nunchi-node under valgrind, for NUNCHI_NODE (written by memcheck.sh)'
    printf 'exec'
    printf ' %q' "${VG[@]}" --log-file="$WORK/vg/node.%p.log" "$NODE"
    printf ' "$@"\n'
} >"$WORK/node-under-valgrind"
chmod +x "$WORK/node-under-valgrind"
NUNCHI_NODE="$WORK/node-under-valgrind" \
    memcheck run_ipc "$NUNCHI" run "$WORK/tiny.yaml" --transport ipc --out "$WORK/ipc" --quiet
[ "$(json_field "$WORK/ipc/summary.json" status)" = completed ] \
    || fail "the ipc run under valgrind did not complete: $(cat "$WORK/ipc/summary.json")"
n_logs=0
for log in "$WORK/vg"/node.*.log; do
    [ -e "$log" ] || continue
    n_logs=$((n_logs + 1))
    if ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
        cat "$log" >&2
        fail "a nunchi-node under valgrind found memory errors or definite leaks," \
             "or did not finish (above)"
    fi
done
[ $n_logs -eq 2 ] || fail "$n_logs nunchi-node processes ran under valgrind, expected 2"
[ "$(digest_of "$WORK/ipc")" = "$(digest_of "$WORK/inproc")" ] \
    || fail "the ipc and inproc runs under valgrind give different digests"
# llm agents (prompts, requests, answers, repairs, the cache, the record file) against
# the scripted endpoint, a timeout and a repair included
start_llm vg
/usr/bin/python3 -c '
import sys, urllib.request
body = b"{\"faults\": [\"429\", \"stall\", \"malformed\", \"badschema\", \"400\"], \"stall_s\": 20}"
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/admin/plan", data=body), timeout=10).read()' "$base"
memcheck run_llm "$NUNCHI" run "$SRC/scenarios/llm/citizens.yaml" --rounds 3 --transport inproc \
    --set "llm.endpoints.0.url=$base/v1" --set llm.timeout_s=2 --set llm.backoff_s=0.05 \
    --set "llm.record=$WORK/llm.jsonl" --out "$WORK/llm" --quiet
[ "$(json_field "$WORK/llm/summary.json" status)" = completed ] \
    || fail "the llm run under valgrind did not complete: $(cat "$WORK/llm/summary.json")"
memcheck run_llm_replay "$NUNCHI" run "$SRC/scenarios/llm/citizens.yaml" --rounds 3 \
    --transport inproc --set "llm.replay=$WORK/llm.jsonl" --out "$WORK/llm-replay" --quiet
[ "$(digest_of "$WORK/llm-replay")" = "$(digest_of "$WORK/llm")" ] \
    || fail "the llm replay under valgrind gives another digest than its record"
echo "ok: 16 unit tests, inproc and ipc runs (2 nodes) and llm runs clean under valgrind"
