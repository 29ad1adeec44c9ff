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

# session_check MODE OUT CMD...: the scripted coordinator of clients/python/session_check.py
# in MODE, and CMD --connect to it; fails when the session goes otherwise; sets
# $node_status (CMD's exit status). Needs NUNCHI_PB2_DIR.
session_check() {
    local mode=$1 out=$2 check i
    shift 2
    /usr/bin/python3 "$SRC/clients/python/session_check.py" --port-file "$out.port" "$mode" \
        >"$out.json" 2>"$out.check.err" &
    check=$!
    for i in $(seq 100); do [ -f "$out.port" ] && break; sleep 0.1; done
    [ -f "$out.port" ] || fail "session_check $mode did not start: $(cat "$out.check.err")"
    set +e
    "$@" --connect "tcp://127.0.0.1:$(cat "$out.port")" 2>"$out.node.err"
    node_status=$?
    set -e
    wait "$check" || fail "session_check $mode with $*: $(cat "$out.check.err") (the node said: $(cat "$out.node.err"))"
}

# external_run SCENARIO CLAIM OUT CMD...: `nunchi run SCENARIO` with external.bind on a
# free port, and CMD --connect to it --claim CLAIM as its external node
external_run() {
    local scenario=$1 claim=$2 out=$3 ext_port run
    shift 3
    ext_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$NUNCHI" run "$scenario" --set "external.bind=tcp://127.0.0.1:$ext_port" \
        --out "$out" --quiet 2>"$out.err" &
    run=$!
    "$@" --connect "tcp://127.0.0.1:$ext_port" --claim "$claim" 2>"$out.node.err" \
        || fail "the external node ($*) failed: $(cat "$out.node.err") (nunchi run said: $(cat "$out.err"))"
    wait "$run" || fail "nunchi run $scenario failed: $(cat "$out.err")"
}

# curve_clients OUT CMD...: a reference node CMD (its --server-key FILE --key FILE as
# nunchi-node's) under security.curve: two authorized nodes serve client_deffuant.yaml
# with the digest of `nunchi run`; a node with a key the coordinator does not authorize,
# and a plaintext node, are refused (authentication) with status 1; a missing key file,
# a public key as --key, a key file without a key and one option alone exit 2
curve_clients() {
    local out=$1 scenario="$DATA/scenarios/client_deffuant.yaml" st i ref
    shift
    mkdir -p "$out/keys" "$out/auth"
    for i in server ok other; do
        "$NUNCHI" keygen "$out/keys/$i" --quiet || fail "keygen $i failed"
    done
    cp "$out/keys/ok.key" "$out/auth/"
    "$NUNCHI" run "$scenario" --out "$out/ref" --quiet || fail "nunchi run $scenario"
    ref=$(digest_of "$out/ref")
    start_serve "$out/serve.err" "$NUNCHI" serve "$scenario" --expect-nodes 2 --wait 30 \
        --out "$out/served" --quiet \
        --set "security={curve: {secret_key: $out/keys/server.key_secret, authorized_keys: $out/auth}}"
    set +e
    timeout 30 "$@" --connect "tcp://127.0.0.1:$port" --server-key "$out/keys/server.key" \
        --key "$out/keys/other.key_secret" --timeout 5 2>"$out/other.err"
    st=$?
    set -e
    [ $st -eq 1 ] && grep -q "refused this node (authentication): its CURVE key is not among the coordinator's authorized keys" "$out/other.err" \
        || fail "$*: an unauthorized key: status $st, $(cat "$out/other.err")"
    set +e
    timeout 30 "$@" --connect "tcp://127.0.0.1:$port" --timeout 5 2>"$out/plain.err"
    st=$?
    set -e
    [ $st -eq 1 ] && grep -q "refused this node (authentication): the security handshake failed" "$out/plain.err" \
        || fail "$*: a plaintext node and a CURVE coordinator: status $st, $(cat "$out/plain.err")"
    kill -0 "$coord" 2>/dev/null || fail "serve ended before the authorized nodes came: $(cat "$out/serve.err")"
    local pids=()
    for i in 1 2; do
        timeout 60 "$@" --connect "tcp://127.0.0.1:$port" --server-key "$out/keys/server.key" \
            --key "$out/keys/ok.key_secret" 2>>"$out/ok.err" &
        pids+=($!)
    done
    wait "$coord" || fail "serve under CURVE with $*: $(cat "$out/serve.err" "$out/ok.err")"
    for i in "${pids[@]}"; do wait "$i" || fail "an authorized node ($*) failed: $(cat "$out/ok.err")"; done
    [ "$(digest_of "$out/served")" = "$ref" ] \
        || fail "$* under CURVE: digest $(digest_of "$out/served") != nunchi run's $ref"
    [ "$(grep -c '"event":"node_joined"' "$out/served/events.jsonl")" -eq 2 ] \
        || fail "$* under CURVE: not 2 joins in $out/served/events.jsonl"
    grep -q '"event":"key_refused"' "$out/served/events.jsonl" || fail "$*: no key_refused event"
    printf 'curve\n    public-key = "short"\n' >"$out/keys/bad.key"
    local bad
    for bad in "--server-key $out/keys/nowhere.key --key $out/keys/ok.key_secret:cannot read the key file '$out/keys/nowhere.key'" \
        "--server-key $out/keys/server.key --key $out/keys/ok.key:$out/keys/ok.key has no secret-key" \
        "--server-key $out/serve.err --key $out/keys/ok.key_secret:$out/serve.err: no public-key line" \
        "--server-key $out/keys/bad.key --key $out/keys/ok.key_secret:$out/keys/bad.key:2: a public-key must be 40 characters of Z85" \
        "--server-key $out/keys/server.key:--server-key FILE and --key FILE go together" \
        "--key $out/keys/ok.key_secret:--server-key FILE and --key FILE go together"; do
        set +e
        # shellcheck disable=SC2086
        timeout 30 "$@" --connect tcp://127.0.0.1:1 --timeout 1 ${bad%%:*} 2>"$out/bad.err"
        st=$?
        set -e
        [ $st -eq 2 ] && grep -qF -- "${bad#*:}" "$out/bad.err" \
            || fail "$* ${bad%%:*}: status $st (2 wanted), $(cat "$out/bad.err")"
    done
}

# python_protocol: Debian's python3-zmq and python3-protobuf for /usr/bin/python3, and the
# protocol module the build makes from proto/ (CMake's python_pb2 target), which it
# exports as NUNCHI_PB2_DIR; fails the test, saying what is missing, otherwise
python_protocol() {
    /usr/bin/python3 -c 'import zmq, google.protobuf' 2>"$WORK/imp" \
        || fail "python3-zmq or python3-protobuf is missing: $(cat "$WORK/imp")"
    [ -f "$BUILD/python/nunchi_pb2.py" ] \
        || fail "the build made no $BUILD/python/nunchi_pb2.py (protoc missing at configure time?)"
    export NUNCHI_PB2_DIR="$BUILD/python"
}

# serve SCENARIO NODES OUT: `nunchi serve` on a free port waiting 20 s for NODES nodes
# started by the test; sets $port and $coord
serve() {
    start_serve "$3.err" "$NUNCHI" serve "$1" --expect-nodes "$2" --wait 20 --out "$3" --quiet
}

# await_line FILE PATTERN [SECONDS]: waits up to SECONDS (5) for a line of FILE matching
# the grep PATTERN; 0 when one came, 1 otherwise (the caller says what that means)
await_line() {
    local tenths=$((${3:-5} * 10))
    for _ in $(seq "$tenths"); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# start_llm NAME ARGS...: the scripted LLM endpoint (tests/llm_server/server.py) in the
# background on a free port, with ARGS; sets $base (its URL) and $llm_pid
start_llm() {
    local name=$1 i
    shift
    /usr/bin/python3 "$SRC/tests/llm_server/server.py" --port 0 --port-file "$WORK/$name.port" "$@" >"$WORK/$name.out" \
        2>"$WORK/$name.err" &
    llm_pid=$!
    for i in $(seq 100); do [ -s "$WORK/$name.port" ] && break; sleep 0.05; done
    [ -s "$WORK/$name.port" ] || fail "server $name did not start: $(cat "$WORK/$name.err")"
    for i in $(seq 40); do grep -q '^listening ' "$WORK/$name.out" && break; sleep 0.05; done
    [ "$(cat "$WORK/$name.out")" = "listening $(cat "$WORK/$name.port")" ] \
        || fail "server $name printed '$(cat "$WORK/$name.out")', not 'listening $(cat "$WORK/$name.port")'"
    base="http://127.0.0.1:$(cat "$WORK/$name.port")"
}
