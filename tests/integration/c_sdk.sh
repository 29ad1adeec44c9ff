# The C SDK: `cmake --install` gives a prefix with the headers, one libnunchi.a and a
# relocatable nunchi.pc; the example of clients/c/ builds against that prefix alone
# (pkg-config, no source tree), and its nodes host the external population
# `contrarians` of tests/data/scenarios/c_sdk.yaml while nunchi's own nodes host the
# deffuant agents. The run names the example in its joins, gives the same digest with 1
# and with 2 example nodes sharing the population, and the contrary streak shows: agents
# pushed to the extremes 0 and 1, which deffuant agents in their place never reach, and
# another digest than c_sdk_deffuant.yaml.
source "$(dirname "$0")/lib/common.bash"

# 1. install into a prefix of its own; the archive holds the whole node side
prefix="$WORK/prefix"
cmake --install "$BUILD" --prefix "$prefix" >"$WORK/install.log" 2>&1 \
    || fail "cmake --install $BUILD --prefix $prefix: $(tail -n 20 "$WORK/install.log")"
for f in bin/nunchi bin/nunchi-node lib/libnunchi.a lib/pkgconfig/nunchi.pc \
         include/nunchi/sdk.h include/nunchi/behaviour.h include/nunchi/node.h; do
    [ -e "$prefix/$f" ] || fail "$f is not installed under $prefix"
done
members=$(ar t "$prefix/lib/libnunchi.a")
for o in cli.c.o session.c.o node.c.o registry.c.o deffuant.c.o codec.c.o nunchi.pb-c.c.o; do
    grep -qx "$o" <<<"$members" || fail "libnunchi.a has no $o (it has: $(echo $members))"
done

# 2. the installed headers stand alone: each compiles with nothing but the prefix
for h in "$prefix"/include/nunchi/*.h; do
    echo "#include <nunchi/$(basename "$h")>" >"$WORK/h.c"
    cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$prefix/include" "$WORK/h.c" 2>"$WORK/h.err" \
        || fail "the installed $(basename "$h") does not compile on its own: $(cat "$WORK/h.err")"
done

# 3. the example, built from a copy (not the source tree) with the prefix's nunchi.pc;
#    the prefix is moved first, so nunchi.pc must find it from where it lies
mv "$prefix" "$WORK/moved"
prefix="$WORK/moved"
mkdir "$WORK/ex"
cp "$SRC/clients/c/contrarian.c" "$SRC/clients/c/Makefile" "$WORK/ex/"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
incdir=$(pkg-config --variable=includedir nunchi) || fail "pkg-config finds no nunchi.pc in $PKG_CONFIG_PATH"
[ "$(cd "$prefix/include" && pwd)" = "$(cd "$incdir" 2>/dev/null && pwd)" ] \
    || fail "nunchi.pc points at '$incdir', not at the moved prefix's $prefix/include"
(cd "$WORK/ex" && cc -std=c11 -Wall -Wextra -Werror contrarian.c \
    $(pkg-config --cflags --libs nunchi) -o contrarian-node) 2>"$WORK/cc.err" \
    || fail "the example does not build with pkg-config nunchi: $(cat "$WORK/cc.err")"
make -s -C "$WORK/ex" clean contrarian-node >"$WORK/make.log" 2>&1 \
    || fail "clients/c/Makefile does not build the example: $(cat "$WORK/make.log")"
EX="$WORK/ex/contrarian-node"
"$EX" --version | grep -q '^contrarian-node 1.0 (libnunchi ' || fail "contrarian-node --version: $("$EX" --version)"
"$EX" --help | grep -q 'without --claim it claims contrarians=contrarian' \
    || fail "contrarian-node --help does not tell its default claim"
set +e
"$EX" --connect tcp://127.0.0.1:1 --claim contrarians=nope 2>"$WORK/claim.err"
status=$?
set -e
[ $status -eq 2 ] || fail "a claim of an unknown behaviour: exit status $status"
grep -q "^contrarian-node: '--claim contrarians=nope': no such behaviour" "$WORK/claim.err" \
    || fail "a claim of an unknown behaviour: $(cat "$WORK/claim.err")"

# with_nodes SCENARIO N OUT: the installed nunchi runs SCENARIO with its external
# endpoint on a free port, and N example nodes join it
with_nodes() {
    local scenario=$1 n=$2 out=$3 i run
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 20000))
        "$prefix/bin/nunchi" run "$scenario" --set "external.bind=tcp://127.0.0.1:$port" \
            --out "$out" --quiet 2>"$out.err" &
        run=$!
        sleep 0.5
        kill -0 $run 2>/dev/null && break
        wait $run || true
        grep -qi "bind" "$out.err" || fail "nunchi run $scenario did not start: $(cat "$out.err")"
        rm -rf "$out"
    done
    local pids=()
    for i in $(seq "$n"); do
        "$EX" --connect "tcp://127.0.0.1:$port" --timeout 30 2>>"$out.nodes.err" &
        pids+=($!)
    done
    wait $run || fail "nunchi run $scenario with $n example nodes failed: $(cat "$out.err" "$out.nodes.err")"
    for i in "${pids[@]}"; do
        wait "$i" || fail "an example node exited with an error: $(cat "$out.nodes.err")"
    done
}

# 4. one example node, then two sharing the population: one society
one="$DATA/scenarios/c_sdk.yaml"
sed 's/^    nodes: 1$/    nodes: 2/' "$one" >"$WORK/c_sdk_two.yaml"
cmp -s "$one" "$WORK/c_sdk_two.yaml" && fail "the two-node copy of c_sdk.yaml is not changed"
with_nodes "$one" 1 "$WORK/one"
with_nodes "$WORK/c_sdk_two.yaml" 2 "$WORK/two"
d1=$(digest_of "$WORK/one")
d2=$(digest_of "$WORK/two")
[ -n "$d1" ] || fail "no digest in $WORK/one/summary.json"
[ "$d1" = "$d2" ] || fail "1 example node gives digest $d1, 2 give $d2"
for run in one two; do
    joins=$(grep -c '"event":"node_joined".*"implementation":"contrarian-node"' "$WORK/$run/events.jsonl" || true)
    want=$([ $run = one ] && echo 1 || echo 2)
    [ "$joins" = "$want" ] \
        || fail "$run: $joins node_joined events of contrarian-node in events.jsonl, not $want"
done

# 5. the behaviour ran: contrarians at exactly 0 or 1 (deffuant agents, which move only
#    towards opinions inside (0, 1), never get there), and another digest than the same
#    society with deffuant agents in their place
"$prefix/bin/nunchi" run "$DATA/scenarios/c_sdk_deffuant.yaml" --out "$WORK/deff" --quiet \
    || fail "nunchi run c_sdk_deffuant.yaml failed"
[ "$(digest_of "$WORK/deff")" != "$d1" ] || fail "the contrarians gave the deffuant digest $d1"
# extremes FILE: "agents extremes" over the rows of final_state.csv (id,behaviour,opinion)
# whose behaviour is not deffuant (all rows when every one is)
extremes() {
    awk -F, 'NR > 1 { all++; e = ($3 == 0 || $3 == 1); ea += e
                      if ($2 != "deffuant") { n++; en += e } }
             END { if (n) print n, en; else print all, ea }' "$1"
}
read -r n ext <<<"$(extremes "$WORK/one/final_state.csv")"
[ "$n" -gt 0 ] && [ "$n" -lt 2000 ] \
    || fail "final_state.csv of the c_sdk run has $n rows that are not deffuant (the contrarians)"
[ $((ext * 5)) -ge "$n" ] || fail "only $ext of $n contrarians end at 0 or 1 (the streak did not run?)"
read -r m dext <<<"$(extremes "$WORK/deff/final_state.csv")"
[ "$dext" = 0 ] || fail "$dext of $m deffuant agents end at 0 or 1: the check cannot tell contrarians"
echo "ok: an installed libnunchi builds the example; 1 and 2 contrarian nodes give $d1 ($ext of $n contrarians at the extremes)"
