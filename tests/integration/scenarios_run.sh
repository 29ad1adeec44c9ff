# Every scenario shipped in scenarios/ validates and runs to completion.
source "$(dirname "$0")/lib/common.bash"
n=0
for f in "$SRC"/scenarios/*.yaml "$SRC"/scenarios/*/*.yaml; do
    [ -f "$f" ] || continue
    "$NUNCHI" validate "$f" --quiet || fail "$f does not validate"
    "$NUNCHI" run "$f" --out "$WORK/run-$n" --quiet || fail "$f does not run"
    [ "$(json_field "$WORK/run-$n/summary.json" status)" = completed ] || fail "$f: status is not completed"
    n=$((n + 1))
done
[ $n -gt 0 ] || fail "no scenario found in scenarios/"
# no file: the embedded default, which is scenarios/default.yaml
(cd "$WORK" && "$NUNCHI" run --out embedded --quiet)
"$NUNCHI" run "$SRC/scenarios/default.yaml" --out "$WORK/file" --quiet
[ "$(digest_of "$WORK/embedded")" = "$(digest_of "$WORK/file")" ] || fail "the embedded default differs from scenarios/default.yaml"
echo "ok: $n scenario(s) ran; the embedded default equals scenarios/default.yaml"
