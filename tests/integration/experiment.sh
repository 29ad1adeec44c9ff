# make experiment's script, on one seed: every premise scenario runs, the table lands
# between its markers in a copy of docs/experiments.md, and it says what the settings
# are: no cases or breaches without institutions, breaches only where norms are declared,
# cases only where cases are.
source "$(dirname "$0")/lib/common.bash"
cp "$SRC/docs/experiments.md" "$WORK/experiments.md"
(cd "$SRC" && /usr/bin/python3 scripts/experiment.py --nunchi "$NUNCHI" --seeds 1 \
    --runs "$WORK/runs" --doc "$WORK/experiments.md" >"$WORK/out.txt") \
    || fail "scripts/experiment.py failed: $(tail -3 "$WORK/out.txt")"
doc="$WORK/experiments.md"
[ "$(grep -c '<!-- experiment:begin -->' "$doc")" -eq 1 ] || fail "the begin marker is not there once"
[ "$(grep -c '<!-- experiment:end -->' "$doc")" -eq 1 ] || fail "the end marker is not there once"
grep -q '1 seeds per scenario' "$doc" || fail "the table does not say it ran one seed"
# three tables of fourteen rows
rows=$(sed -n '/experiment:begin/,/experiment:end/p' "$doc" | grep -cE '^\| (dense|sparse)-')
[ "$rows" -eq 42 ] || fail "expected 3 x 14 scenario rows, got $rows"
# the last table: | scenario | t50 | reached | violations | sanctions | defections |
last() { sed -n '/experiment:begin/,/experiment:end/p' "$doc" | grep "^| $1 |" | tail -1; }
field() { echo "$1" | awk -F'|' -v k="$2" '{gsub(/ /, "", $(k + 1)); sub(/\[.*/, "", $(k + 1)); print $(k + 1)}'; }
for soc in dense sparse; do
    [ "$(field "$(last $soc-none)" 4)" = 0 ] || fail "$soc-none has violations without norms"
    [ "$(field "$(last $soc-cases)" 4)" = 0 ] || fail "$soc-cases has violations without norms"
    [ "$(field "$(last $soc-norms)" 4)" -gt 0 ] || fail "$soc-norms counts no violation"
    # the middle table: | scenario | agreed | imposed | tolerated | escalated | compliance |
    mid=$(sed -n '/experiment:begin/,/experiment:end/p' "$doc" | grep "^| $soc-norms |" | sed -n 2p)
    [ "$(field "$mid" 2)" = 0 ] && [ "$(field "$mid" 3)" = 0 ] || fail "$soc-norms settles cases"
    mid=$(sed -n '/experiment:begin/,/experiment:end/p' "$doc" | grep "^| $soc-majority |" | sed -n 2p)
    [ "$(field "$mid" 3)" -gt 0 ] || fail "$soc-majority imposes nothing"
done
ls "$WORK/runs" | grep -c . | grep -qx 14 || fail "expected 14 run directories"
echo "ok: the experiment ran 14 scenarios on one seed and wrote its table"
