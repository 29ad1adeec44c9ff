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
