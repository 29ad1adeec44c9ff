/* libFuzzer target for the wire codec and the router's message checks: any bytes go to
 * nn_codec_decode; whatever decodes must encode again and decode to the same envelope
 * (the codec's promise: encoding checks what decoding checks); a decoded Actions goes
 * through a router of 64 agents, as a node's batch would, where every message must be
 * delivered or dropped by a named rule. Built by `make fuzz` (clang,
 * -fsanitize=fuzzer,address,undefined); any crash, sanitizer report or broken promise
 * aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/router.h"
#include "nunchi/error.h"
#include "proto/codec.h"

#define S_AGENTS 64u

static nn_codec_t *s_in, *s_out, *s_again;
static nn_router_t s_router;

static void s_init(void)
{
    nn_codec_limits_t lim = NN_CODEC_LIMITS_INIT;
    lim.max_message_bytes = 1u << 20; /* a fuzz input is small; keep allocations so */
    lim.max_batch = 1u << 16;
    lim.max_agents = 1u << 16;
    if (nn_codec_new(&s_in, &lim) != NN_OK || nn_codec_new(&s_out, &lim) != NN_OK ||
        nn_codec_new(&s_again, &lim) != NN_OK || nn_router_init(&s_router, S_AGENTS, 1, NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_in)
        s_init();
    nn_wire_t w;
    char err[256];
    if (nn_codec_decode(s_in, data, size, &w, err, sizeof err) != NN_OK) {
        if (w.kind != NN_WIRE_NONE || !err[0])
            abort(); /* a refusal says why and leaves no message */
        return 0;
    }
    const void *bytes;
    size_t n;
    int rc = nn_codec_encode(s_out, &w, &bytes, &n);
    if (rc != NN_OK) {
        fprintf(stderr, "decoded but does not encode: %s\n", nn_codec_error(s_out));
        abort();
    }
    nn_wire_t back;
    if (nn_codec_decode(s_again, bytes, n, &back, err, sizeof err) != NN_OK) {
        fprintf(stderr, "encoded but does not decode: %s\n", err);
        abort();
    }
    if (back.kind != w.kind || back.round != w.round || back.node != w.node)
        abort();
    if (w.kind == NN_WIRE_ACTIONS) {
        /* the node hosts agents 0 .. 31 of 64: others' messages are foreign, ids past 63
         * unknown */
        nn_router_begin(&s_router);
        nn_router_add(&s_router, 0, 0, S_AGENTS / 2, w.u.actions.msgs, w.u.actions.n_msgs);
        if (nn_router_finish(&s_router) != NN_OK)
            abort();
        uint64_t dropped = 0;
        for (int d = 0; d < NN_DROP_RULES; d++)
            dropped += s_router.dropped[d];
        if (s_router.routed + dropped != w.u.actions.n_msgs)
            abort(); /* every message delivered or dropped by a named rule */
    }
    return 0;
}
