# The llm behaviour end to end, against the scripted endpoint (tests/llm_server) on
# loopback: a recorded run (answers, texts, transcript, accounts, the API key kept out of
# the run directory), the same digest on other node counts and transports and from the
# replay file with the endpoint gone, every failure of the endpoint counted while the run
# goes on, and the token budget stopping the requests.
source "$(dirname "$0")/lib/common.bash"
S="$SRC/scenarios/llm/citizens.yaml"
KEY=sk-test-not-in-any-file-4711
start_llm main --api-key "$KEY"
export NUNCHI_TEST_LLM_KEY=$KEY
URL=(--set "llm.endpoints.0.url=$base/v1" --set llm.endpoints.0.api_key_env=NUNCHI_TEST_LLM_KEY)

# admin PATH [JSON]: the endpoint's admin call (POST with JSON), its body on stdout
admin() {
    /usr/bin/python3 -c '
import sys, urllib.request
data = sys.argv[2].encode() if len(sys.argv) > 2 else None
req = urllib.request.Request(sys.argv[1], data=data, headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())' "$base$1" "${@:2}"
}

# llm RUN KEY: summary.json's llm.KEY
llm() {
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["llm"][sys.argv[2]])' \
        "$WORK/$1/summary.json" "$2"
}
# column RUN NAME: the sum of metrics.csv's column NAME
column() {
    /usr/bin/python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(sum(int(r[sys.argv[2]]) for r in rows))' "$WORK/$1/metrics.csv" "$2"
}

# 1. a recorded run: 30 llm agents (half of 60) ask each of the 30 rounds
"$NUNCHI" run "$S" --out "$WORK/rec" --quiet "${URL[@]}" --set "llm.record=$WORK/rec.jsonl"
digest=$(digest_of "$WORK/rec")
[ "$(llm rec asked)" = 900 ] || fail "asked $(llm rec asked), not 30 agents x 30 rounds"
[ "$(llm rec sent)" = 900 ] || fail "sent $(llm rec sent) requests, not 900"
[ "$(llm rec fallbacks)" = 0 ] || fail "$(llm rec fallbacks) fallbacks against a healthy endpoint"
[ "$(llm rec prompt_tokens)" -gt 100000 ] || fail "prompt_tokens $(llm rec prompt_tokens)"
[ "$(column rec llm_asked)" = 900 ] || fail "metrics.csv's llm_asked add up to $(column rec llm_asked)"
[ "$(column rec llm_prompt_tokens)" = "$(llm rec prompt_tokens)" ] || fail "metrics.csv's tokens differ from summary.json's"
[ "$(wc -l <"$WORK/rec.jsonl")" = 900 ] || fail "the record file has $(wc -l <"$WORK/rec.jsonl") lines"
/usr/bin/python3 - "$WORK/rec.jsonl" "$WORK/rec/transcript.jsonl" "$WORK/rec/summary.json" <<'EOF' || fail "record or transcript"
import json, sys
rec = [json.loads(l) for l in open(sys.argv[1])]
assert all(isinstance(r["seed"], int) and r["seed"] >= 0 for r in rec), "a request without a seed"
assert len({(r["round"], r["agent"]) for r in rec}) == 900, "not one request per agent and round"
tr = [json.loads(l) for l in open(sys.argv[2])]
texts = json.load(open(sys.argv[3]))["messages"]["texts"]
assert len(tr) == texts == 900, (len(tr), texts)
for t in tr:
    assert set(t) == {"round", "from", "to", "text"}, t
    assert t["text"].startswith("I think the opinion is "), t
    assert all(isinstance(x, int) for x in t["to"]), t
assert sum(len(t["to"]) for t in tr) > 0, "no text reached anyone"
EOF
if grep -rq "$KEY" "$WORK/rec" "$WORK/rec.jsonl"; then fail "the API key was written to the run directory"; fi
grep -q "api_key_env: \"NUNCHI_TEST_LLM_KEY\"" "$WORK/rec/scenario.yaml" || fail "scenario.yaml lost api_key_env"
admin /admin/stats >"$WORK/stats.json"
/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["last_authorization_ok"] is True and s["authorized"] >= 900, s' \
    "$WORK/stats.json" || fail "the endpoint did not get the key: $(cat "$WORK/stats.json")"

# 2. the same society on other node counts and transports
for args in "--nodes 1" "--nodes 3 --transport tcp"; do
    # shellcheck disable=SC2086
    "$NUNCHI" run "$S" --out "$WORK/n" --quiet "${URL[@]}" $args
    [ "$(digest_of "$WORK/n")" = "$digest" ] || fail "$args: digest $(digest_of "$WORK/n"), recorded $digest"
done

# 3. no key in the environment: the nodes refuse, naming the variable
if env -u NUNCHI_TEST_LLM_KEY "$NUNCHI" run "$S" --out "$WORK/nokey" --quiet "${URL[@]}" 2>"$WORK/nokey.err"; then
    fail "a run without the API key's variable succeeded"
fi
grep -q "NUNCHI_TEST_LLM_KEY" "$WORK/nokey.err" || fail "the refusal does not name the variable: $(cat "$WORK/nokey.err")"

# 4. replay, the endpoint gone: the recorded digest, no request
kill "$llm_pid"
wait "$llm_pid" 2>/dev/null || true
"$NUNCHI" run "$S" --out "$WORK/rep" --quiet "${URL[@]}" --set "llm.replay=$WORK/rec.jsonl" --nodes 3
[ "$(digest_of "$WORK/rep")" = "$digest" ] || fail "replay: digest $(digest_of "$WORK/rep"), recorded $digest"
[ "$(llm rep replayed)" = 900 ] || fail "replayed $(llm rep replayed)"
[ "$(llm rep sent)" = 0 ] && [ "$(llm rep attempts)" = 0 ] || fail "a replay sent requests"
[ "$(llm rep prompt_tokens)" = "$(llm rec prompt_tokens)" ] || fail "a replay counts other tokens"
# a replay file that lacks the questions of another seed: every agent falls back, counted
"$NUNCHI" run "$S" --out "$WORK/miss" --quiet "${URL[@]}" --set "llm.replay=$WORK/rec.jsonl" --seed 8
[ "$(llm miss replay_missed)" = 900 ] && [ "$(llm miss fallbacks)" = 900 ] \
    || fail "seed 8 from seed 7's record: replay_missed $(llm miss replay_missed), fallbacks $(llm miss fallbacks)"

# 5. every failure of the endpoint, counted, and the run goes on
start_llm faults
admin /admin/plan '{"faults": ["429", "500", "503", "stall", "malformed", "cut", "badschema", "400", "empty"], "retry_after_s": 1, "stall_s": 30}' >/dev/null \
    || fail "POST /admin/plan failed"
"$NUNCHI" run "$S" --out "$WORK/f" --quiet --set "llm.endpoints.0.url=$base/v1" --set rounds=3 \
    --set llm.timeout_s=1.5 --set llm.backoff_s=0.05 --set llm.retries=3 --nodes 1
[ "$(json_field "$WORK/f/summary.json" status)" = completed ] || fail "the faulty run did not complete"
for c in http_429 http_5xx timeouts bad_responses repairs invalid http_4xx failed fallbacks retries; do
    [ "$(llm f "$c")" -ge 1 ] || fail "faults: $c is $(llm f "$c")"
done
[ "$(llm f http_5xx)" -ge 2 ] || fail "500 and 503: http_5xx $(llm f http_5xx)"
[ "$(llm f bad_responses)" -ge 3 ] || fail "malformed, cut and empty: bad_responses $(llm f bad_responses)"
# nobody listening: each request tried twice, then the fallback
"$NUNCHI" run "$S" --out "$WORK/c" --quiet --set llm.endpoints.0.url=http://127.0.0.1:1/v1 \
    --set rounds=1 --set llm.retries=1 --set llm.backoff_s=0.05
[ "$(llm c connect_errors)" = 60 ] && [ "$(llm c failed)" = 30 ] && [ "$(llm c fallbacks)" = 30 ] \
    || fail "no endpoint: connect_errors $(llm c connect_errors), failed $(llm c failed), fallbacks $(llm c fallbacks)"
[ "$(column f llm_fallbacks)" = "$(llm f fallbacks)" ] || fail "metrics.csv's fallbacks differ from summary.json's"
# a 400 is final and a badschema answer is repaired: the fallbacks are those left without an answer
[ "$(llm f fallbacks)" -le "$(llm f failed)" ] || fail "more fallbacks ($(llm f fallbacks)) than failed requests ($(llm f failed))"

# 6. the token budget: spent in some round, then nobody asks and the fallback acts
"$NUNCHI" run "$S" --out "$WORK/b" --quiet --set "llm.endpoints.0.url=$base/v1" \
    --set llm.budget_tokens=40000 2>"$WORK/b.err"
r=$(llm b budget_spent_round)
[ "$r" -ge 1 ] && [ "$r" -lt 30 ] || fail "budget_spent_round $r"
grep -q "llm.budget_tokens (40000) is spent after round $r" "$WORK/b.err" || fail "no word of the budget: $(cat "$WORK/b.err")"
grep -q '"event":"llm_budget_spent"' "$WORK/b/events.jsonl" || fail "no llm_budget_spent event"
[ "$(llm b budget_skipped)" = $(((30 - r) * 30)) ] || fail "budget_skipped $(llm b budget_skipped) after round $r"
[ "$(llm b asked)" = $((r * 30)) ] || fail "asked $(llm b asked) before the budget ran out in round $r"

# 7. seed: false sends none
"$NUNCHI" run "$S" --out "$WORK/ns" --quiet --set "llm.endpoints.0.url=$base/v1" --set rounds=2 \
    --set llm.seed=false --set "llm.record=$WORK/ns.jsonl"
/usr/bin/python3 -c 'import json,sys; assert all(json.loads(l)["seed"] is None for l in open(sys.argv[1]))' \
    "$WORK/ns.jsonl" || fail "llm.seed false still sent seeds"
# 8. across MPI ranks: the same digest, and the same transcript (texts cross ranks)
command -v mpirun >/dev/null || fail "mpirun is missing (openmpi-bin is in deploy/debian-packages.txt)"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
    OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo mpirun -np 2 --oversubscribe \
    "$NUNCHI" run --mpi "$S" --out "$WORK/mpi" --quiet --set "llm.endpoints.0.url=$base/v1"
[ "$(digest_of "$WORK/mpi")" = "$digest" ] || fail "2 ranks: digest $(digest_of "$WORK/mpi"), recorded $digest"
cmp -s <(sort "$WORK/mpi/transcript.jsonl") <(sort "$WORK/rec/transcript.jsonl") \
    || fail "2 ranks: the transcript differs"
echo "ok: llm: 900 answers recorded and replayed to digest $digest, every fault counted, the budget kept"
