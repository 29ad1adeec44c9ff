# The command line: usage errors exit 2 with a message; validate prints the resolved
# scenario; network writes the edges the run uses; --set and the shorthands apply.
source "$(dirname "$0")/lib/common.bash"
expect_status() {
    local want=$1; shift
    set +e
    "$@" >"$WORK/out" 2>"$WORK/err"
    local got=$?
    set -e
    [ $got -eq "$want" ] || fail "'$*' exited $got, expected $want: $(cat "$WORK/err")"
}
expect_status 2 "$NUNCHI"
expect_status 2 "$NUNCHI" frobnicate
grep -q "unknown command 'frobnicate'" "$WORK/err" || fail "unknown command message"
expect_status 2 "$NUNCHI" run --bogus
grep -q "unknown option '--bogus'" "$WORK/err" || fail "unknown option message"
expect_status 2 "$NUNCHI" run "$WORK/missing.yaml"
grep -q "missing.yaml" "$WORK/err" || fail "missing file not named: $(cat "$WORK/err")"
expect_status 2 "$NUNCHI" serve "$DATA/scenarios/mixed.yaml"
grep -q -- "--bind" "$WORK/err" || fail "serve without --bind"
expect_status 2 "$NUNCHI" run --set rounds=-3
grep -q "rounds" "$WORK/err" || fail "--set rounds=-3 not refused by name"
expect_status 2 "$NUNCHI" run --transport carrier-pigeon
# validate reads the files a scenario names, as run would, and names the key behind them
printf '0 1\n1 2\n2 99\n' >"$WORK/edges.txt"
cat >"$WORK/fnet.yaml" <<YAML
agents: 10
network: {model: file, path: edges.txt}
populations: [{behaviour: voter, share: 1}]
YAML
expect_status 2 "$NUNCHI" validate "$WORK/fnet.yaml"
grep -q "edges.txt:3: agent id 99 is out of range" "$WORK/err" || fail "bad edge file: $(cat "$WORK/err")"
grep -q "from 'network.path' at $WORK/fnet.yaml:2:" "$WORK/err" || fail "no key named: $(cat "$WORK/err")"
sed -i 's/edges.txt/missing.txt/' "$WORK/fnet.yaml"
expect_status 2 "$NUNCHI" run "$WORK/fnet.yaml" --out "$WORK/never"
grep -q "cannot open the network edge list 'missing.txt'" "$WORK/err" || fail "missing edge file: $(cat "$WORK/err")"
[ ! -e "$WORK/never" ] || fail "a run directory was made for a missing edge list"
# and the groups file of the structure
printf 'id,group\n0,a\n1,b\n' >"$WORK/groups.csv"
cat >"$WORK/groups.yaml" <<YAML
agents: 3
network: {model: ring, k: 2}
populations: [{behaviour: voter, share: 1}]
structure: {groups: {from: file, path: groups.csv}}
YAML
expect_status 2 "$NUNCHI" validate "$WORK/groups.yaml"
grep -q "groups.csv:3: the file ends without a group for agent 2" "$WORK/err" || fail "groups file: $(cat "$WORK/err")"
echo "2,a" >>"$WORK/groups.csv"
expect_status 0 "$NUNCHI" validate "$WORK/groups.yaml"
# a society too large for the machine is refused at once, before igraph tries to build it
expect_status 2 timeout 20 "$NUNCHI" run --set agents=1000000 --set 'network={model: complete}' --out "$WORK/huge"
grep -q "this society needs about .* GiB to build" "$WORK/err" || fail "no memory estimate: $(cat "$WORK/err")"
[ ! -e "$WORK/huge" ] || fail "a run directory was made for a society that cannot fit"
expect_status 0 "$NUNCHI" help
expect_status 0 "$NUNCHI" version
expect_status 0 "$NUNCHI" behaviours
grep -q deffuant "$WORK/out" || fail "behaviours does not list deffuant"
expect_status 0 "$NUNCHI" validate "$DATA/scenarios/mixed.yaml" --set seed=99 --rounds 7
grep -q "seed: 99" "$WORK/out" || fail "validate does not print the overridden seed"
grep -q "rounds: 7" "$WORK/out" || fail "validate does not print the overridden rounds"
expect_status 2 "$NODE"
expect_status 2 "$NODE" --connect tcp://127.0.0.1:1 --timeout soon
# network -o writes the edges of the run
"$NUNCHI" network "$DATA/scenarios/mixed.yaml" -o "$WORK/edges.csv" --quiet
"$NUNCHI" run "$DATA/scenarios/mixed.yaml" --rounds 1 --out "$WORK/run" --quiet
edges=$(json_field "$WORK/run/summary.json" edges)
[ "$(wc -l <"$WORK/edges.csv")" -eq "$edges" ] || fail "edges.csv has $(wc -l <"$WORK/edges.csv") lines, the run $edges edges"
awk -F, '$1 >= $2 { exit 1 }' "$WORK/edges.csv" || fail "edges.csv has a line with u >= v"
# the human summary has a line per institution the scenario has, and none without
expect_status 0 "$NUNCHI" run "$DATA/scenarios/society.yaml" --rounds 20 --out "$WORK/soc"
grep -qE '^  game       cooperation 0\.[0-9]{4} \([0-9]+ cooperative, [0-9]+ defecting moves\)$' "$WORK/out" \
    || fail "no game line in the summary: $(cat "$WORK/out")"
grep -qE '^  norms      [0-9]+ violations, [0-9]+ sanctions, [0-9]+ messages blocked$' "$WORK/out" \
    || fail "no norms line in the summary"
grep -qE '^  cases      [0-9]+ opened, [0-9]+ closed: ' "$WORK/out" || fail "no cases line in the summary"
expect_status 0 "$NUNCHI" run "$DATA/scenarios/mixed.yaml" --rounds 2 --out "$WORK/mixed-plain"
! grep -qE '^  (game|norms|cases) ' "$WORK/out" || fail "institution lines for a society without them"
# partition: a table of the three methods, a file of parts, and usage errors
expect_status 0 "$NUNCHI" partition "$DATA/scenarios/mixed.yaml" --parts 3
for m in metis block hash; do
    grep -qE "^  $m " "$WORK/out" || fail "partition does not report method $m"
done
expect_status 0 "$NUNCHI" partition "$DATA/scenarios/mixed.yaml" --parts 3 --method metis -o "$WORK/parts.csv"
[ "$(wc -l <"$WORK/parts.csv")" -eq 3000 ] || fail "parts.csv has not one line per agent"
awk -F, '$2 < 0 || $2 > 2 { exit 1 }' "$WORK/parts.csv" || fail "parts.csv has a part outside 0..2"
[ "$(cut -d, -f2 "$WORK/parts.csv" | sort -u | wc -l)" -eq 3 ] || fail "metis left a part empty"
expect_status 2 "$NUNCHI" partition "$DATA/scenarios/mixed.yaml"
expect_status 2 "$NUNCHI" partition "$DATA/scenarios/mixed.yaml" --parts 0
expect_status 2 "$NUNCHI" partition "$DATA/scenarios/mixed.yaml" --parts 2 --method metiss
# keygen: a CURVE pair in ZeroMQ's certificate format, the secret private, never
# overwritten; no name is a usage error
"$NUNCHI" keygen "$WORK/keys/node1" >/dev/null 2>&1 && fail "keygen wrote into a missing directory"
mkdir -p "$WORK/keys"
"$NUNCHI" keygen "$WORK/keys/node1" >"$WORK/keygen.out" || fail "keygen failed"
grep -q 'public-key = "' "$WORK/keys/node1.key" || fail "no public key in node1.key"
! grep -q 'secret-key' "$WORK/keys/node1.key" || fail "the public file holds the secret"
grep -q 'secret-key = "' "$WORK/keys/node1.key_secret" || fail "no secret key in node1.key_secret"
[ "$(stat -c %a "$WORK/keys/node1.key_secret")" = 600 ] || fail "the secret file is not private"
pub=$(sed -n 's/.*public-key = "\(.*\)"/\1/p' "$WORK/keys/node1.key")
grep -qF "$pub" "$WORK/keygen.out" || fail "keygen did not print the public key"
before=$(cat "$WORK/keys/node1.key_secret")
expect_status 1 "$NUNCHI" keygen "$WORK/keys/node1"
[ "$(cat "$WORK/keys/node1.key_secret")" = "$before" ] || fail "keygen overwrote a secret"
expect_status 2 "$NUNCHI" keygen
echo "ok: command line"
