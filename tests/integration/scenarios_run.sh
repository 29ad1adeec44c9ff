# Every scenario shipped in scenarios/ validates and runs to completion.
# The llm scenarios talk to the scripted test endpoint, on a port of its own here.
source "$(dirname "$0")/lib/common.bash"
start_llm scripted
n=0
for f in "$SRC"/scenarios/*.yaml "$SRC"/scenarios/*/*.yaml; do
    [ -f "$f" ] || continue
    set_url=()
    case "$f" in */scenarios/llm/*) set_url=(--set "llm.endpoints.0.url=$base/v1") ;; esac
    "$NUNCHI" validate "$f" --quiet || fail "$f does not validate"
    "$NUNCHI" run "$f" --out "$WORK/run-$n" --quiet "${set_url[@]}" || fail "$f does not run"
    if [ ${#set_url[@]} -gt 0 ]; then
        fallbacks=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["llm"]["fallbacks"])' "$WORK/run-$n/summary.json")
        [ "$fallbacks" = 0 ] || fail "$f: $fallbacks fallbacks against the scripted endpoint"
    fi
    [ "$(json_field "$WORK/run-$n/summary.json" status)" = completed ] || fail "$f: status is not completed"
    n=$((n + 1))
done
[ $n -gt 0 ] || fail "no scenario found in scenarios/"
# no file: the embedded default, which is scenarios/default.yaml
(cd "$WORK" && "$NUNCHI" run --out embedded --quiet)
"$NUNCHI" run "$SRC/scenarios/default.yaml" --out "$WORK/file" --quiet
[ "$(digest_of "$WORK/embedded")" = "$(digest_of "$WORK/file")" ] || fail "the embedded default differs from scenarios/default.yaml"
echo "ok: $n scenario(s) ran; the embedded default equals scenarios/default.yaml"
