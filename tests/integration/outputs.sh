# A run directory holds every file with the documented columns and keys, and the
# message counts balance: sent = delivered + dropped + in flight.
source "$(dirname "$0")/lib/common.bash"
"$NUNCHI" run "$DATA/scenarios/mixed.yaml" --out "$WORK/run" --quiet
r="$WORK/run"
for f in scenario.yaml initial_state.csv final_state.csv structure.csv metrics.csv events.jsonl summary.json report.html; do
    [ -s "$r/$f" ] || fail "$f is missing or empty"
done
[ "$(head -n 1 "$r/final_state.csv")" = "id,behaviour,opinion" ] || fail "final_state.csv header"
[ "$(head -n 1 "$r/structure.csv")" = "id,role,group,superior,status,reputation" ] || fail "structure.csv header"
[ "$(grep -c ',leader,' "$r/structure.csv")" -eq 30 ] || fail "structure.csv has not the 30 leaders"
[ "$(grep -c ',arbiter,' "$r/structure.csv")" -eq 5 ] || fail "structure.csv has not the 5 arbiters"
# group_leader: every citizen reports to a leader of the society
awk -F, 'NR == FNR { if ($2 == "leader") lead[$1] = 1; next }
         FNR > 1 && $2 != "leader" && !($4 in lead) { bad++ } END { exit bad > 0 }' \
    "$r/structure.csv" "$r/structure.csv" || fail "a non-leader's superior is not a leader"
grep -q '"structure":' "$r/summary.json" || fail "summary.json lacks the structure"
# a run's structure.csv reads back as a groups file and gives the same structure
"$NUNCHI" run "$DATA/scenarios/mixed.yaml" --rounds 1 --out "$WORK/regroup" --quiet \
    --set "structure.groups={from: file, path: $r/structure.csv}"
cmp -s "$r/structure.csv" "$WORK/regroup/structure.csv" || fail "structure.csv does not read back the same"
[ "$(wc -l <"$r/final_state.csv")" -eq 3001 ] || fail "final_state.csv has not one row per agent"
head -n 1 "$r/metrics.csv" | grep -q '^round,mean,sd,min,max,clusters,messages_sent,messages_delivered,messages_dropped,polarization,bimodality,messages_blocked,cooperation_rate,violations,sanctions,muted,excluded,cases_opened,cases_closed,cases_open,trend_share,violations_rate,violations_address,violations_aggression,violations_defection,violations_noncompliance,sanctions_warn,sanctions_reputation,sanctions_mute,sanctions_exclude,cases_agreed,cases_imposed,cases_tolerated,cases_escalated,verdicts_complied,verdicts_defied$' \
    || fail "metrics.csv header: $(head -n 1 "$r/metrics.csv")"
[ "$(wc -l <"$r/metrics.csv")" -eq 31 ] || fail "metrics.csv has not one row per round"
for k in name seed agents edges rounds nodes transport digest wall_seconds deliveries_per_second \
         peak_rss_bytes version clustering mean_degree; do
    grep -q "\"$k\":" "$r/summary.json" || fail "summary.json lacks '$k'"
done
sent=$(sed -n 's/^    "sent": \([0-9]*\).*/\1/p' "$r/summary.json")
delivered=$(sed -n 's/^    "delivered": \([0-9]*\).*/\1/p' "$r/summary.json")
inflight=$(sed -n 's/^    "in_flight": \([0-9]*\).*/\1/p' "$r/summary.json")
dropped=$(awk '/"dropped": \{/,/\}/ { if (match($0, /: [0-9]+/)) s += substr($0, RSTART + 2, RLENGTH - 2) } END { print s + 0 }' "$r/summary.json")
[ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "no messages sent"
[ "$sent" -eq $((delivered + dropped + inflight)) ] \
    || fail "sent $sent != delivered $delivered + dropped $dropped + in flight $inflight"
# the per-round columns add up to the totals
sum_sent=$(awk -F, 'NR > 1 { s += $7 } END { print s }' "$r/metrics.csv")
sum_deliv=$(awk -F, 'NR > 1 { s += $8 } END { print s }' "$r/metrics.csv")
[ "$sum_sent" -eq "$sent" ] || fail "metrics.csv messages_sent adds to $sum_sent, summary says $sent"
[ "$sum_deliv" -eq "$delivered" ] || fail "metrics.csv messages_delivered adds to $sum_deliv, summary says $delivered"
# the report: self-contained (nothing fetched, no script), five charts, the run's digest
[ "$(grep -o '<svg' "$r/report.html" | wc -l)" -eq 5 ] || fail "report.html has not five charts"
grep -q "$(digest_of "$r")" "$r/report.html" || fail "report.html does not give the digest"
! grep -Eq '<script|src=|href=' "$r/report.html" || fail "report.html is not self-contained"
grep -q "30 of 30" "$r/report.html" || fail "report.html does not count the rounds"
grep -q '"event":"run_start"' "$r/events.jsonl" || fail "no run_start event"
grep -q '"event":"run_end"' "$r/events.jsonl" || fail "no run_end event"
[ "$(grep -c '"event":"node_joined"' "$r/events.jsonl")" -eq 4 ] || fail "not 4 node_joined events"
# the resolved scenario runs again to the same digest
"$NUNCHI" run "$r/scenario.yaml" --out "$WORK/again" --quiet
[ "$(digest_of "$WORK/again")" = "$(digest_of "$r")" ] || fail "the resolved scenario.yaml gives another digest"
# a default run directory name: output.dir/NAME-TIMESTAMP
(cd "$WORK" && "$NUNCHI" run "$DATA/scenarios/mixed.yaml" --rounds 2 --quiet)
ls -d "$WORK"/runs/mixed-*T*Z >/dev/null || fail "no runs/mixed-<timestamp> directory"
echo "ok: run directory complete, $sent messages balanced"
