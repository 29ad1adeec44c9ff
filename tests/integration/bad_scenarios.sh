# Every broken scenario in tests/data/bad/ is refused with exit status 2 and a message
# naming the file and the line its first line expects ("# expect: LINE[:COL]").
source "$(dirname "$0")/lib/common.bash"
n=0
for f in "$DATA"/bad/*.yaml; do
    expect=$(sed -n '1s/^# expect: *\([0-9:]*\).*/\1/p' "$f")
    [ -n "$expect" ] || fail "$f has no '# expect: LINE' first line"
    set +e
    "$NUNCHI" validate "$f" >"$WORK/out" 2>"$WORK/err"
    status=$?
    "$NUNCHI" run "$f" --out "$WORK/never" --quiet >/dev/null 2>"$WORK/err-run"
    status_run=$?
    set -e
    [ $status -eq 2 ] || fail "$(basename "$f"): validate exit status $status, expected 2"
    [ $status_run -eq 2 ] || fail "$(basename "$f"): run exit status $status_run, expected 2"
    # the place exactly: "x.yaml:4:1" must not match "x.yaml:4:12"
    grep -Eq "$(basename "$f"):$expect([^0-9]|\$)" "$WORK/err" \
        || fail "$(basename "$f"): no '$(basename "$f"):$expect' in: $(cat "$WORK/err")"
    [ ! -e "$WORK/never" ] || fail "$(basename "$f"): a run directory was made for a bad scenario"
    n=$((n + 1))
done
[ $n -ge 20 ] || fail "only $n bad scenarios in the corpus"
# partition: a wrong method, in the file and through --set, names the place and the methods
printf 'agents: 1000\nnetwork: {model: ring, k: 4}\npopulations: [{behaviour: voter, share: 1}]\npartition: kway\n' >"$WORK/partition_typo.yaml"
set +e
"$NUNCHI" validate "$WORK/partition_typo.yaml" >/dev/null 2>"$WORK/err"
status=$?
"$NUNCHI" validate "$WORK/partition_typo.yaml" --set partition=random >/dev/null 2>"$WORK/err-set"
status_set=$?
"$NUNCHI" validate "$WORK/partition_typo.yaml" --set partition=hash >/dev/null 2>&1
status_fixed=$?
set -e
[ $status -eq 2 ] || fail "partition_typo.yaml: validate exit status $status, expected 2"
grep -Fq "'partition' must be one of metis, block, hash, got 'kway' at $WORK/partition_typo.yaml:4:12" "$WORK/err" \
    || fail "partition_typo.yaml: $(cat "$WORK/err")"
[ $status_set -eq 2 ] || fail "--set partition=random: validate exit status $status_set, expected 2"
grep -Fq "got 'random' at --set 'partition=random'" "$WORK/err-set" \
    || fail "--set partition=random: $(cat "$WORK/err-set")"
[ $status_fixed -eq 0 ] || fail "--set partition=hash does not override the file's bad value"
# llm: --set reaches an endpoint by index, fixes the file's bad url or is refused at its
# place; a key pasted where a variable's name goes is never printed back
set +e
"$NUNCHI" validate "$DATA/bad/llm_url_not_http.yaml" --set llm.endpoints.0.url=http://127.0.0.1:9/v1 >/dev/null 2>"$WORK/err-llm-fixed"
status_fixed=$?
"$NUNCHI" validate "$DATA/bad/llm_url_not_http.yaml" --set llm.endpoints.0.url=file:///etc/passwd >/dev/null 2>"$WORK/err-llm-set"
status_set=$?
"$NUNCHI" validate "$DATA/bad/llm_api_key_not_a_name.yaml" >/dev/null 2>"$WORK/err-llm-key"
set -e
[ $status_fixed -eq 0 ] || fail "--set llm.endpoints.0.url does not override the file's bad url: $(cat "$WORK/err-llm-fixed")"
[ $status_set -eq 2 ] || fail "--set llm.endpoints.0.url=file://...: validate exit status $status_set, expected 2"
grep -Fq "'llm.endpoints[0].url' is 'file:///etc/passwd', not an http:// or https:// URL at --set 'llm.endpoints.0.url=file:///etc/passwd'" "$WORK/err-llm-set" \
    || fail "--set llm.endpoints.0.url=file://...: $(cat "$WORK/err-llm-set")"
grep -Fq "'llm.endpoints[0].api_key_env' must be the name of an environment variable" "$WORK/err-llm-key" \
    || fail "llm_api_key_not_a_name.yaml: $(cat "$WORK/err-llm-key")"
! grep -Fq "sk-proj" "$WORK/err-llm-key" || fail "the pasted key is printed back: $(cat "$WORK/err-llm-key")"
# faults: the messages of the corpus' fault files, and --set fixing or breaking an entry
for pair in \
    "fault_unknown.yaml|'faults[0].fault' must be one of loss, partition, silent, byzantine, delay, duplicate, kill, got 'crash' at" \
    "fault_delay_rounds_late_zero.yaml|'faults[0].rounds_late' must be an integer in 1..1000 (how many rounds late a message arrives), got 0 at" \
    "fault_loss_without_p.yaml|missing key 'faults[0].p' at" \
    "fault_rounds_reversed.yaml|'faults[0].rounds' ends (round 10) before it starts (round 50) at" \
    "fault_groups_without_groups.yaml|'faults[0].between' is 'groups' but the structure has no groups at" \
    "fault_silent_agent_out_of_range.yaml|'faults[0].agents[2]' is 1000, not below agents (1000) at" \
    "fault_silent_agent_out_of_range.yaml|(agent ids run from 0 to 999)" \
    "fault_byzantine_unknown_mode.yaml|'faults[0].mode' must be one of random, adversarial, got 'lying' at" \
    "fault_links_without_groups.yaml|'faults[0].links' is 'between_groups' but the structure has no groups at" \
    "fault_links_without_groups.yaml|(add structure.groups, such as structure: {groups: {from: louvain}}, or use links: all)" \
    "fault_kill_node_out_of_range.yaml|'faults[1].node' is 4, not below nodes (4) at" \
    "fault_kill_node_out_of_range.yaml|(nodes run from 0 to 3; kill one of them, or raise nodes)"; do
    f=${pair%%|*}
    want=${pair#*|}
    set +e
    "$NUNCHI" validate "$DATA/bad/$f" >/dev/null 2>"$WORK/err-fault"
    set -e
    grep -Fq "$want" "$WORK/err-fault" || fail "$f: no '$want' in: $(cat "$WORK/err-fault")"
done
set +e
"$NUNCHI" validate "$DATA/bad/fault_unknown.yaml" >/dev/null 2>"$WORK/err-fault-unknown"
set -e
! grep -Fq "not yet" "$WORK/err-fault-unknown" || fail "fault_unknown.yaml: a 'not yet' note is left: $(cat "$WORK/err-fault-unknown")"
set +e
"$NUNCHI" validate "$DATA/bad/fault_delay_rounds_late_zero.yaml" --set faults.0.rounds_late=3 >/dev/null 2>"$WORK/err-fault-late"
status_late=$?
"$NUNCHI" validate "$DATA/bad/fault_delay_rounds_late_zero.yaml" --set faults.0.rounds_late=1001 >/dev/null 2>"$WORK/err-fault-late-set"
status_late_set=$?
set -e
[ $status_late -eq 0 ] || fail "--set faults.0.rounds_late=3 does not fix rounds_late: $(cat "$WORK/err-fault-late")"
[ $status_late_set -eq 2 ] || fail "--set faults.0.rounds_late=1001: validate exit status $status_late_set, expected 2"
grep -Fq "'faults[0].rounds_late' must be an integer in 1..1000 (how many rounds late a message arrives), got 1001 at --set 'faults.0.rounds_late=1001'" "$WORK/err-fault-late-set" \
    || fail "--set faults.0.rounds_late=1001: $(cat "$WORK/err-fault-late-set")"
set +e
"$NUNCHI" validate "$DATA/bad/fault_loss_without_p.yaml" --set faults.0.p=0.2 >/dev/null 2>"$WORK/err-fault-fixed"
status_fixed=$?
"$NUNCHI" validate "$DATA/bad/fault_groups_without_groups.yaml" --set 'structure.groups={from: louvain}' >/dev/null 2>"$WORK/err-fault-groups"
status_groups=$?
"$NUNCHI" validate "$DATA/bad/fault_loss_without_p.yaml" --set faults.0.p=1.5 >/dev/null 2>"$WORK/err-fault-set"
status_set=$?
"$NUNCHI" validate "$DATA/bad/fault_silent_agent_out_of_range.yaml" --set agents=1001 >/dev/null 2>"$WORK/err-fault-agents"
status_agents=$?
"$NUNCHI" validate "$DATA/bad/fault_byzantine_unknown_mode.yaml" --set faults.0.mode=adversarial >/dev/null 2>"$WORK/err-fault-mode"
status_mode=$?
"$NUNCHI" validate "$DATA/bad/fault_byzantine_unknown_mode.yaml" --set faults.0.mode=adversarial --set faults.0.agents.share=0 >/dev/null 2>"$WORK/err-fault-share"
status_share=$?
set -e
[ $status_agents -eq 0 ] || fail "--set agents=1001 does not make agent 1000 valid: $(cat "$WORK/err-fault-agents")"
[ $status_mode -eq 0 ] || fail "--set faults.0.mode=adversarial does not fix the mode: $(cat "$WORK/err-fault-mode")"
[ $status_share -eq 2 ] || fail "--set faults.0.agents.share=0: validate exit status $status_share, expected 2"
grep -Fq "'faults[0].agents.share' must be a number in (0, 1] (the chance each agent is taken), got 0 at --set 'faults.0.agents.share=0'" "$WORK/err-fault-share" \
    || fail "--set faults.0.agents.share=0: $(cat "$WORK/err-fault-share")"
[ $status_fixed -eq 0 ] || fail "--set faults.0.p=0.2 does not fix the missing p: $(cat "$WORK/err-fault-fixed")"
[ $status_groups -eq 0 ] || fail "--set structure.groups does not allow between: groups: $(cat "$WORK/err-fault-groups")"
[ $status_set -eq 2 ] || fail "--set faults.0.p=1.5: validate exit status $status_set, expected 2"
grep -Fq "'faults[0].p' must be a number in (0, 1] (the chance a message is lost), got 1.5 at --set 'faults.0.p=1.5'" "$WORK/err-fault-set" \
    || fail "--set faults.0.p=1.5: $(cat "$WORK/err-fault-set")"
# links: groups or links: all fix the file; a misspelt links value is refused at its --set
set +e
"$NUNCHI" validate "$DATA/bad/fault_links_without_groups.yaml" --set 'structure.groups={from: louvain}' >/dev/null 2>"$WORK/err-links-groups"
status_links_groups=$?
"$NUNCHI" validate "$DATA/bad/fault_links_without_groups.yaml" --set faults.0.links=all >/dev/null 2>"$WORK/err-links-all"
status_links_all=$?
"$NUNCHI" validate "$DATA/bad/fault_links_without_groups.yaml" --set 'structure.groups={from: louvain}' --set faults.0.links=within_group >/dev/null 2>"$WORK/err-links-set"
status_links_set=$?
set -e
[ $status_links_groups -eq 0 ] || fail "--set structure.groups does not allow links: between_groups: $(cat "$WORK/err-links-groups")"
[ $status_links_all -eq 0 ] || fail "--set faults.0.links=all does not fix links: $(cat "$WORK/err-links-all")"
[ $status_links_set -eq 2 ] || fail "--set faults.0.links=within_group: validate exit status $status_links_set, expected 2"
grep -Fq "'faults[0].links' must be one of all, within_groups, between_groups, got 'within_group' at --set 'faults.0.links=within_group' (did you mean 'within_groups'?)" "$WORK/err-links-set" \
    || fail "--set faults.0.links=within_group: $(cat "$WORK/err-links-set")"
# kill: more nodes fix the file; a kill after the last round and a bad recovery policy are
# refused at their --set
set +e
"$NUNCHI" validate "$DATA/bad/fault_kill_node_out_of_range.yaml" --set nodes=5 --set recovery.policy=restart >/dev/null 2>"$WORK/err-kill-nodes"
status_kill_nodes=$?
"$NUNCHI" validate "$DATA/bad/fault_kill_node_out_of_range.yaml" --set faults.1.node=0 --set faults.1.round=21 >/dev/null 2>"$WORK/err-kill-round"
status_kill_round=$?
"$NUNCHI" validate "$DATA/bad/fault_kill_node_out_of_range.yaml" --set nodes=5 --set recovery.policy=retry >/dev/null 2>"$WORK/err-kill-policy"
status_kill_policy=$?
set -e
[ $status_kill_nodes -eq 0 ] || fail "--set nodes=5 does not make node 4 valid: $(cat "$WORK/err-kill-nodes")"
[ $status_kill_round -eq 2 ] || fail "--set faults.1.round=21: validate exit status $status_kill_round, expected 2"
grep -Fq "'faults[1].round' is 21, after the last round (rounds: 20) at --set 'faults.1.round=21' (a kill after the last round would never happen; give a round in 1..20)" "$WORK/err-kill-round" \
    || fail "--set faults.1.round=21: $(cat "$WORK/err-kill-round")"
[ $status_kill_policy -eq 2 ] || fail "--set recovery.policy=retry: validate exit status $status_kill_policy, expected 2"
grep -Fq "'recovery.policy' must be one of fail, restart, drop, got 'retry' at --set 'recovery.policy=retry'" "$WORK/err-kill-policy" \
    || fail "--set recovery.policy=retry: $(cat "$WORK/err-kill-policy")"
echo "ok: $n bad scenarios refused with their file:line"
