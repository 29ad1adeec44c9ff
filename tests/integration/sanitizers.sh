# The unit tests and real runs (inproc threads, ipc processes) under AddressSanitizer
# and UndefinedBehaviorSanitizer: a build of its own with NUNCHI_SANITIZE=ON, in which
# any report aborts the program.
source "$(dirname "$0")/lib/common.bash"
asan="$WORK/build-asan"
cmake -S "$SRC" -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DNUNCHI_SANITIZE=ON >/dev/null \
    || fail "cannot configure the sanitizer build"
cmake --build "$asan" -j "$(nproc)" >"$WORK/build.log" 2>&1 || fail "sanitizer build: $(tail -20 "$WORK/build.log")"
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
n=0
for t in "$asan"/test_*; do
    [ -x "$t" ] || continue
    "$t" >"$WORK/unit.log" 2>&1 || fail "$(basename "$t") under sanitizers: $(tail -30 "$WORK/unit.log")"
    n=$((n + 1))
done
[ $n -ge 10 ] || fail "only $n unit tests in the sanitizer build"
for transport in inproc ipc; do
    "$asan/nunchi" run "$DATA/scenarios/mixed.yaml" --rounds 10 --nodes 3 --transport $transport \
        --out "$WORK/run-$transport" --quiet 2>"$WORK/err-$transport" \
        || fail "run over $transport under sanitizers: $(tail -30 "$WORK/err-$transport")"
done
[ "$(digest_of "$WORK/run-inproc")" = "$(digest_of "$WORK/run-ipc")" ] || fail "digests differ"
# llm agents against the scripted endpoint, with faults (retries, a timeout, a repair, a
# fallback), recorded, then replayed with the endpoint gone
start_llm san
/usr/bin/python3 -c '
import sys, urllib.request
body = b"{\"faults\": [\"429\", \"500\", \"stall\", \"malformed\", \"cut\", \"badschema\", \"400\"], \"stall_s\": 20}"
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/admin/plan", data=body), timeout=10).read()' "$base"
LLM=("$SRC/scenarios/llm/citizens.yaml" --rounds 6 --set "llm.endpoints.0.url=$base/v1"
     --set llm.timeout_s=1 --set llm.backoff_s=0.05)
for transport in inproc ipc; do
    "$asan/nunchi" run "${LLM[@]}" --transport $transport --set "llm.record=$WORK/llm-$transport.jsonl" \
        --out "$WORK/llm-$transport" --quiet 2>"$WORK/err-llm-$transport" \
        || fail "llm agents over $transport under sanitizers: $(tail -30 "$WORK/err-llm-$transport")"
done
kill "$llm_pid"
"$asan/nunchi" run "${LLM[@]}" --set "llm.replay=$WORK/llm-ipc.jsonl" --out "$WORK/llm-replay" \
    --quiet 2>"$WORK/err-llm-replay" || fail "llm replay under sanitizers: $(tail -30 "$WORK/err-llm-replay")"
[ "$(digest_of "$WORK/llm-replay")" = "$(digest_of "$WORK/llm-ipc")" ] || fail "the llm replay's digest differs"
# every planned fault, and a node process killed and restarted, in the whole chain
FAULTS='faults=[{fault: loss, p: 0.1, rounds: [2, 8]}, {fault: partition, between: groups, rounds: [5, 9]}, {fault: silent, agents: {share: 0.05}}, {fault: byzantine, agents: {share: 0.05}, mode: adversarial}, {fault: delay, p: 0.1, rounds_late: 2}, {fault: duplicate, p: 0.05}, {fault: kill, node: 1, round: 6}]'
"$asan/nunchi" run "$DATA/scenarios/society.yaml" --rounds 12 --nodes 3 --transport ipc \
    --set recovery.policy=restart --set "$FAULTS" --out "$WORK/faults" --quiet \
    2>"$WORK/err-faults" || fail "faults under sanitizers: $(tail -30 "$WORK/err-faults")"
grep -q '"restarts": 1' "$WORK/faults/summary.json" || fail "faults under sanitizers: no restart"
# the same with checkpoints, the coordinator killed in round 10 and resumed: the digest
"$asan/nunchi" run "$DATA/scenarios/society.yaml" --rounds 12 --nodes 3 --transport ipc \
    --set recovery.policy=restart --set recovery.checkpoint_every=4 \
    --set "${FAULTS%]}, {fault: kill, node: coordinator, round: 10}]" --out "$WORK/killed" \
    --quiet 2>"$WORK/err-killed" && fail "the coordinator's kill under sanitizers did not end it"
"$asan/nunchi" run --resume "$WORK/killed" --quiet 2>"$WORK/err-resume" \
    || fail "resume under sanitizers: $(tail -30 "$WORK/err-resume")"
[ "$(digest_of "$WORK/killed")" = "$(digest_of "$WORK/faults")" ] || fail "the resumed digest differs"
# every institution on: norms, game, cases, decisions, trends, citizens
for transport in inproc ipc; do
    "$asan/nunchi" run "$DATA/scenarios/society.yaml" --rounds 20 --nodes 3 --transport $transport \
        --out "$WORK/soc-$transport" --quiet 2>"$WORK/err-soc-$transport" \
        || fail "society over $transport under sanitizers: $(tail -30 "$WORK/err-soc-$transport")"
done
[ "$(digest_of "$WORK/soc-inproc")" = "$(digest_of "$WORK/soc-ipc")" ] || fail "society digests differ"
# across three MPI ranks: memory errors abort; Open MPI's own allocations at exit are
# reported as leaks from modules it has unloaded, so a leak fails the test only when its
# stack reaches nunchi's sources
if command -v mpirun >/dev/null; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 LSAN_OPTIONS=exitcode=0 \
        mpirun --oversubscribe -np 3 "$asan/nunchi" run "$DATA/scenarios/society.yaml" --rounds 20 \
        --out "$WORK/soc-ranks" --quiet >"$WORK/err-ranks" 2>&1 \
        || fail "society on 3 ranks under sanitizers: $(tail -30 "$WORK/err-ranks")"
    ! grep -E "^ +#[0-9]+ .*$SRC/(coordinator|node|proto|include)/" "$WORK/err-ranks" >/dev/null \
        || fail "a leak in nunchi on 3 ranks: $(grep -B3 -A12 "Direct leak" "$WORK/err-ranks" | head -40)"
    "$asan/nunchi" run "$DATA/scenarios/society.yaml" --rounds 20 --out "$WORK/soc-one" --quiet \
        || fail "society in one process under sanitizers"
    [ "$(digest_of "$WORK/soc-ranks")" = "$(digest_of "$WORK/soc-one")" ] || fail "3 ranks changed the digest"
    # the 3 ranks' checkpoints merged into one process's, the coordinator of rank 2 killed
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 LSAN_OPTIONS=exitcode=0 \
        mpirun --oversubscribe -np 3 "$asan/nunchi" run "$DATA/scenarios/society.yaml" --rounds 20 \
        --set recovery.checkpoint_every=5 --set 'faults=[{fault: kill, node: coordinator, round: 13, rank: 2}]' \
        --out "$WORK/soc-merge" --quiet >"$WORK/err-merge" 2>&1 && fail "rank 2's coordinator was not killed"
    "$asan/nunchi" run --resume "$WORK/soc-merge" --quiet 2>"$WORK/err-merge1" \
        || fail "a resume of 3 ranks in one process under sanitizers: $(tail -30 "$WORK/err-merge1")"
    [ "$(digest_of "$WORK/soc-merge")" = "$(digest_of "$WORK/soc-one")" ] || fail "the merged resume's digest"
fi
echo "ok: $n unit tests and runs (also with every institution, a resume, one across ranks, and on 3 MPI ranks) over inproc and ipc clean under ASan and UBSan"
