# `cmake --install` (what `make install` runs) puts the binaries, the headers,
# libnunchi and nunchi.pc under a prefix; a node written against them with
# `pkg-config nunchi` joins a served society and gives the digest of the built-in run.
source "$(dirname "$0")/lib/common.bash"
prefix="$WORK/prefix"
cmake --install "$BUILD" --prefix "$prefix" >/dev/null
for f in bin/nunchi bin/nunchi-node include/nunchi/node.h include/nunchi/behaviour.h \
         lib/libnunchi_node.a lib/libnunchi_proto.a lib/pkgconfig/nunchi.pc; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
done
"$prefix/bin/nunchi" version | grep -q '^nunchi ' || fail "the installed nunchi does not run"
cat >"$WORK/my_node.c" <<'C'
#include <stdio.h>
#include <zmq.h>
#include <nunchi/error.h>
#include <nunchi/node.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    zmq_connect(sock, argv[1]);
    nn_session_config_t cfg = NN_SESSION_CONFIG_INIT;
    cfg.implementation = "my-node";
    char err[256] = "";
    int rc = nn_node_session(sock, &cfg, err, sizeof err);
    if (rc != NN_OK)
        fprintf(stderr, "my-node: %s\n", err);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc == NN_OK ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc -std=c11 -Wall -Werror -o "$WORK/my_node" "$WORK/my_node.c" $(pkg-config --cflags --libs nunchi) \
    || fail "a node does not build with pkg-config nunchi"
scenario="$DATA/scenarios/mixed.yaml"
"$prefix/bin/nunchi" run "$scenario" --out "$WORK/ref" --quiet
for attempt in 1 2 3 4 5; do # a port the system says is free; another one if it is taken
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$prefix/bin/nunchi" serve "$scenario" --bind "tcp://127.0.0.1:$port" --expect-nodes 2 \
        --wait 60 --out "$WORK/sdk" --quiet 2>"$WORK/err" &
    coord=$!
    sleep 0.3
    kill -0 $coord 2>/dev/null && break
    wait $coord || true
done
"$WORK/my_node" "tcp://127.0.0.1:$port" &
"$WORK/my_node" "tcp://127.0.0.1:$port" &
wait $coord || fail "serve with the SDK nodes failed: $(cat "$WORK/err")"
wait
grep -q '"implementation":"my-node"' "$WORK/sdk/events.jsonl" || fail "the joins do not name my-node"
[ "$(digest_of "$WORK/sdk")" = "$(digest_of "$WORK/ref")" ] || fail "SDK nodes gave another digest"
echo "ok: installed under a prefix; an SDK node joins and matches ($(digest_of "$WORK/ref"))"
