# The codec and the router's message checks under libFuzzer, briefly (make fuzz runs it
# for as long as asked): a clang build of its own, the seed corpus of every message kind,
# then 10 seconds of mutations in which any crash, sanitizer report, message that decodes
# but does not encode again, or message neither delivered nor dropped by a named rule
# fails the test.
source "$(dirname "$0")/lib/common.bash"
command -v clang >/dev/null || fail "clang is missing (it is in deploy/debian-packages.txt)"
fz="$WORK/build-fuzz"
cmake -S "$SRC" -B "$fz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DNUNCHI_FUZZ=ON \
    >"$WORK/configure.log" 2>&1 || fail "cannot configure the fuzz build: $(tail -20 "$WORK/configure.log")"
cmake --build "$fz" -j "$(nproc)" --target fuzz_codec fuzz_seeds >"$WORK/build.log" 2>&1 \
    || fail "fuzz build: $(tail -20 "$WORK/build.log")"
mkdir -p "$WORK/corpus"
"$fz/fuzz_seeds" "$WORK/corpus" || fail "cannot write the seed corpus"
[ "$(ls "$WORK/corpus" | wc -l)" -eq 15 ] || fail "the seed corpus is not the 15 messages of fuzz_seeds"
# the seeds themselves decode, encode and route (a run of the corpus only)
(cd "$WORK" && "$fz/fuzz_codec" -runs=0 corpus >"$WORK/seeds.log" 2>&1) \
    || fail "the seed corpus fails: $(tail -20 "$WORK/seeds.log")"
(cd "$WORK" && "$fz/fuzz_codec" -max_total_time=10 -max_len=65536 corpus >"$WORK/fuzz.log" 2>&1) \
    || fail "the fuzzer found a failure: $(grep -A20 -E 'ERROR|abort|SUMMARY' "$WORK/fuzz.log" | head -40)"
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$WORK/fuzz.log")
[ -n "$runs" ] && [ "$runs" -gt 10000 ] || fail "the fuzzer ran only '$runs' inputs"
echo "ok: $runs fuzzed messages through the codec and the router, no failure"
