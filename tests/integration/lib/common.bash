# Shared by the integration tests: each test is `bash TEST.sh BUILD_DIR SOURCE_DIR`.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
NUNCHI="$BUILD/nunchi"
NODE="$BUILD/nunchi-node"
DATA="$SRC/tests/data"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nunchi-test.XXXXXX")
cleanup() {
    local pids
    pids=$(jobs -p || true)
    [ -n "$pids" ] && kill $pids 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The value of a top-level string or number key of a summary.json.
json_field() {
    sed -n "s/^  \"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$1" | head -n 1
}

digest_of() {
    json_field "$1/summary.json" digest
}

# start_serve ERRFILE COMMAND...: runs COMMAND with `--bind tcp://127.0.0.1:PORT` added, in
# the background, on a free port (another one when the port is taken); sets $port and
# $coord (its pid). Its stderr goes to ERRFILE.
start_serve() {
    local err=$1
    shift
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 20000))
        "$@" --bind "tcp://127.0.0.1:$port" 2>"$err" &
        coord=$!
        sleep 0.3
        kill -0 $coord 2>/dev/null && return 0
        wait $coord || true
        grep -q "cannot bind" "$err" || fail "serve did not start: $(cat "$err")"
    done
    fail "no free port for serve in 5 tries"
}

# served SCENARIO NODES OUT CMD...: `nunchi serve` on a free port with NODES nodes, each
# running CMD --connect ENDPOINT; fails the test when serve or a node fails
served() {
    local scenario=$1 n=$2 out=$3 i
    shift 3
    start_serve "$out.err" "$NUNCHI" serve "$scenario" --expect-nodes "$n" --wait 20 \
        --out "$out" --quiet
    local pids=()
    for i in $(seq "$n"); do
        "$@" --connect "tcp://127.0.0.1:$port" 2>>"$out.nodes.err" &
        pids+=($!)
    done
    wait "$coord" || fail "serve $scenario with $* failed: $(cat "$out.err" "$out.nodes.err")"
    for i in "${pids[@]}"; do
        wait "$i" || fail "a node ($*) exited with an error: $(cat "$out.nodes.err")"
    done
}
