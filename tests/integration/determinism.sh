# The same scenario and seed give the same digest for 1, 2, 3, 4 and 8 nodes and for
# the inproc, ipc and tcp transports, also with every institution on (society.yaml);
# a different seed gives a different digest.
source "$(dirname "$0")/lib/common.bash"

for scenario in "$DATA/scenarios/mixed.yaml" "$DATA/scenarios/cascade.yaml" "$DATA/scenarios/society.yaml" \
    "$SRC/scenarios/default.yaml"; do
    name=$(basename "$scenario" .yaml)
    extra=()
    [ "$name" = default ] && extra=(--set agents=4000 --rounds 40)
    ref=""
    for run in "1 inproc" "2 inproc" "3 inproc" "4 inproc" "8 inproc" "1 ipc" "3 ipc" "2 tcp" "4 tcp"; do
        set -- $run
        out="$WORK/$name-$1-$2"
        "$NUNCHI" run "$scenario" "${extra[@]}" --nodes "$1" --transport "$2" --out "$out" --quiet \
            || fail "$name with $1 $2 node(s) failed"
        d=$(digest_of "$out")
        [ ${#d} -eq 16 ] || fail "$name: no digest in $out/summary.json"
        if [ -z "$ref" ]; then
            ref=$d
            ref_metrics="$out/metrics.csv"
        fi
        [ "$d" = "$ref" ] || fail "$name: digest $d with $1 $2 node(s), $ref with the first run"
        cmp -s "$out/metrics.csv" "$ref_metrics" || fail "$name: metrics.csv differs with $1 $2 node(s)"
        cmp -s "$out/final_state.csv" "$WORK/$name-1-inproc/final_state.csv" \
            || fail "$name: final_state.csv differs with $1 $2 node(s)"
        cmp -s "$out/structure.csv" "$WORK/$name-1-inproc/structure.csv" \
            || fail "$name: structure.csv differs with $1 $2 node(s)"
        if [ -f "$WORK/$name-1-inproc/trends.csv" ]; then
            cmp -s "$out/trends.csv" "$WORK/$name-1-inproc/trends.csv" \
                || fail "$name: trends.csv differs with $1 $2 node(s)"
        fi
        # the institutions' events (cases, verdicts, sanctions, trends) are part of the result
        grep -E '"event":"(case_|protocol_|verdict|sanction|trend_)' "$out/events.jsonl" >"$out/inst.jsonl" || true
        cmp -s "$out/inst.jsonl" "$WORK/$name-1-inproc/inst.jsonl" \
            || fail "$name: the institutions' events differ with $1 $2 node(s)"
    done
    "$NUNCHI" run "$scenario" "${extra[@]}" --seed 777 --out "$WORK/$name-seed" --quiet
    [ "$(digest_of "$WORK/$name-seed")" != "$ref" ] || fail "$name: another seed gave the same digest"
    echo "ok: $name digest $ref on every node count and transport"
done
