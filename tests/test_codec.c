/* Tests of the codec (proto/codec.c). Every message kind goes through encode and decode
 * and is compared field by field; malformed input is built byte by byte with a small
 * protobuf writer below (the tests never touch protobuf-c structs, as nothing outside
 * the codec may), so that each check of the decoder can be hit on its own: wrong
 * version, missing body, unequal arrays, non-finite values, unsorted ticks, repeated or
 * missing sequence numbers, bad welcome offsets, out-of-range populations, over-long
 * names, and the fields of societies (delivery trends, standing and flags, notices,
 * message hostility and flags, agent trends and memory, acts, parameter distributions):
 * wrong-length columns, unknown kinds and flags, values out of range, descending
 * receivers or agents, counts past the limits. Truncations of valid messages and random
 * bytes must give an error or a valid message, never a crash (run this file under ASan
 * and valgrind). Each test has a fresh codec, which the teardown destroys even when the
 * test fails. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "nunchi/wire.h"
#include "proto/codec.h"

#define SEED      0x6e756e636869ULL
#define N_GARBAGE 10000

/* ---- a minimal protobuf writer, for messages the encoder would refuse to make -------- */

typedef struct s_pb {
    uint8_t *p;
    size_t len;
    size_t cap;
} s_pb_t;

static void s_pb_free(s_pb_t *w)
{
    free(w->p);
    w->p = NULL;
    w->len = w->cap = 0;
}

static void s_put(s_pb_t *w, const void *data, size_t n)
{
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        w->p = realloc(w->p, cap);
        assert_non_null(w->p);
        w->cap = cap;
    }
    if (n)
        memcpy(w->p + w->len, data, n);
    w->len += n;
}

static void s_varint(s_pb_t *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    s_put(w, b, n);
}

static void s_tag(s_pb_t *w, unsigned field, unsigned wt)
{
    s_varint(w, (uint64_t)field << 3 | wt);
}

static void s_f_varint(s_pb_t *w, unsigned field, uint64_t v)
{
    s_tag(w, field, 0);
    s_varint(w, v);
}

static void s_f_fixed64(s_pb_t *w, unsigned field, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    s_tag(w, field, 1);
    s_put(w, b, 8);
}

static void s_f_double(s_pb_t *w, unsigned field, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    s_f_fixed64(w, field, v);
}

static void s_f_bytes(s_pb_t *w, unsigned field, const void *data, size_t n)
{
    s_tag(w, field, 2);
    s_varint(w, n);
    s_put(w, data, n);
}

static void s_f_str(s_pb_t *w, unsigned field, const char *s)
{
    s_f_bytes(w, field, s, strlen(s));
}

/* Moves sub into w as field `field` and empties sub. */
static void s_f_sub(s_pb_t *w, unsigned field, s_pb_t *sub)
{
    s_f_bytes(w, field, sub->p, sub->len);
    s_pb_free(sub);
}

static void s_f_packed_u32(s_pb_t *w, unsigned field, const uint32_t *v, size_t n)
{
    s_pb_t t = {0};
    for (size_t i = 0; i < n; i++)
        s_varint(&t, v[i]);
    s_f_sub(w, field, &t);
}

static void s_f_packed_u64(s_pb_t *w, unsigned field, const uint64_t *v, size_t n)
{
    s_pb_t t = {0};
    for (size_t i = 0; i < n; i++)
        s_varint(&t, v[i]);
    s_f_sub(w, field, &t);
}

static void s_f_packed_double(s_pb_t *w, unsigned field, const double *v, size_t n)
{
    s_pb_t t = {0};
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &v[i], sizeof b);
        for (int k = 0; k < 8; k++) {
            uint8_t c = (uint8_t)(b >> (8 * k));
            s_put(&t, &c, 1);
        }
    }
    s_f_sub(w, field, &t);
}

static void s_f_packed_fixed64(s_pb_t *w, unsigned field, const uint64_t *v, size_t n)
{
    s_pb_t t = {0};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 8; k++) {
            uint8_t c = (uint8_t)(v[i] >> (8 * k));
            s_put(&t, &c, 1);
        }
    s_f_sub(w, field, &t);
}

static void s_f_packed_float(s_pb_t *w, unsigned field, const float *v, size_t n)
{
    s_pb_t t = {0};
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &v[i], sizeof b);
        for (int k = 0; k < 4; k++) {
            uint8_t c = (uint8_t)(b >> (8 * k));
            s_put(&t, &c, 1);
        }
    }
    s_f_sub(w, field, &t);
}

/* One float, unpacked (wire type 5). */
static void s_f_float(s_pb_t *w, unsigned field, float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    s_tag(w, field, 5);
    for (int k = 0; k < 4; k++) {
        uint8_t c = (uint8_t)(b >> (8 * k));
        s_put(w, &c, 1);
    }
}

/* Field numbers of nunchi.proto. */
enum {
    ENV_VERSION = 1,
    ENV_ROUND = 2,
    ENV_NODE = 3,
    ENV_HELLO = 10,
    ENV_WELCOME,
    ENV_REJECT,
    ENV_TICK,
    ENV_ACTIONS,
    ENV_HEARTBEAT,
    ENV_BYE,
    ENV_ERROR,
};
enum { /* Tick */
       TICK_TRENDS = 5,
       TICK_STANDING,
       TICK_FLAGS,
       TICK_NOTICE_TO,
       TICK_NOTICE_KIND,
       TICK_NOTICE_PROTOCOL,
       TICK_NOTICE_CASE,
       TICK_NOTICE_OTHER,
       TICK_NOTICE_ARG,
       TICK_NOTICE_VALUE,
       TICK_NOTICE_VALUE2,
};
enum { /* Actions */
       ACT_HOSTILITY = 7,
       ACT_FLAGS,
       ACT_TRENDS,
       ACT_MEMORY,
       ACT_AGENT,
       ACT_KIND,
       ACT_CASE,
       ACT_OTHER,
       ACT_VALUE,
};
enum { /* Population */
       POP_PARAM_DIST = 4,
       POP_PARAM_B,
};

/* An envelope of version `version` around body (moved in; NULL body: none at all). */
static s_pb_t s_envelope(uint32_t version, unsigned body_field, s_pb_t *body)
{
    s_pb_t w = {0};
    if (version)
        s_f_varint(&w, ENV_VERSION, version);
    s_f_varint(&w, ENV_ROUND, 7);
    s_f_varint(&w, ENV_NODE, 3);
    if (body)
        s_f_sub(&w, body_field, body);
    return w;
}

/* A tick body from columns, each of its own length. */
static s_pb_t s_tick_body(const uint32_t *to, size_t nt, const uint32_t *from, size_t nf,
                          const uint32_t *seq, size_t ns, const double *value, size_t nv)
{
    s_pb_t b = {0};
    if (nt)
        s_f_packed_u32(&b, 1, to, nt);
    if (nf)
        s_f_packed_u32(&b, 2, from, nf);
    if (ns)
        s_f_packed_u32(&b, 3, seq, ns);
    if (nv)
        s_f_packed_double(&b, 4, value, nv);
    return b;
}

static s_pb_t s_tick_env(const uint32_t *to, const uint32_t *from, const uint32_t *seq,
                         const double *value, size_t n)
{
    s_pb_t b = s_tick_body(to, n, from, n, seq, n, value, n);
    return s_envelope(1, ENV_TICK, &b);
}

/* An actions body with messages, states and the digest 0x0123456789abcdef. */
static s_pb_t s_actions_body(const uint32_t *from, const uint32_t *to, const uint32_t *seq,
                             const double *value, size_t n, const double *state, size_t ns)
{
    s_pb_t b = {0};
    if (n) {
        s_f_packed_u32(&b, 1, from, n);
        s_f_packed_u32(&b, 2, to, n);
        s_f_packed_u32(&b, 3, seq, n);
        s_f_packed_double(&b, 4, value, n);
    }
    if (ns)
        s_f_packed_double(&b, 5, state, ns);
    s_f_fixed64(&b, 6, 0x0123456789abcdefULL);
    return b;
}

static s_pb_t s_actions_env(const uint32_t *from, const uint32_t *to, const uint32_t *seq,
                            const double *value, size_t n, const double *state, size_t ns)
{
    s_pb_t b = s_actions_body(from, to, seq, value, n, state, ns);
    return s_envelope(1, ENV_ACTIONS, &b);
}

/* Appends n notices as the eight parallel notice columns (other as on the wire: id + 1). */
static void s_notice_cols(s_pb_t *b, const uint32_t *to, const uint32_t *kind,
                          const uint32_t *protocol, const uint32_t *case_id,
                          const uint32_t *other_wire, const uint32_t *arg, const double *value,
                          const double *value2, size_t n)
{
    s_f_packed_u32(b, TICK_NOTICE_TO, to, n);
    s_f_packed_u32(b, TICK_NOTICE_KIND, kind, n);
    s_f_packed_u32(b, TICK_NOTICE_PROTOCOL, protocol, n);
    s_f_packed_u32(b, TICK_NOTICE_CASE, case_id, n);
    s_f_packed_u32(b, TICK_NOTICE_OTHER, other_wire, n);
    s_f_packed_u32(b, TICK_NOTICE_ARG, arg, n);
    s_f_packed_double(b, TICK_NOTICE_VALUE, value, n);
    s_f_packed_double(b, TICK_NOTICE_VALUE2, value2, n);
}

/* Appends n acts as the five parallel act columns (other as on the wire: id + 1). */
static void s_act_cols(s_pb_t *b, const uint32_t *agent, const uint32_t *kind,
                       const uint32_t *case_id, const uint32_t *other_wire, const double *value,
                       size_t n)
{
    s_f_packed_u32(b, ACT_AGENT, agent, n);
    s_f_packed_u32(b, ACT_KIND, kind, n);
    s_f_packed_u32(b, ACT_CASE, case_id, n);
    s_f_packed_u32(b, ACT_OTHER, other_wire, n);
    s_f_packed_double(b, ACT_VALUE, value, n);
}

/* ---- fixture and helpers ------------------------------------------------------------ */

typedef struct s_fix {
    nn_codec_t *c;
    nn_wire_t out;
    char err[NN_TEXT_MAX];
} s_fix_t;

static int s_setup(void **state)
{
    s_fix_t *f = calloc(1, sizeof *f);
    if (!f || nn_codec_new(&f->c, NULL) != NN_OK)
        return -1;
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix_t *f = *state;
    nn_codec_destroy(&f->c);
    assert_null(f->c);
    free(f);
    return 0;
}

/* Replaces the fixture's codec by one with the given limits. */
static void s_limits(s_fix_t *f, size_t bytes, size_t batch, size_t agents)
{
    nn_codec_destroy(&f->c);
    nn_codec_limits_t lim = {bytes, batch, agents};
    assert_int_equal(nn_codec_new(&f->c, &lim), NN_OK);
}

/* Decodes w; returns the code. */
static int s_decode(s_fix_t *f, const s_pb_t *w)
{
    f->err[0] = 'x';
    f->err[1] = '\0';
    return nn_codec_decode(f->c, w->p, w->len, &f->out, f->err, sizeof f->err);
}

/* Decoding w must fail with `code` and a message containing `needle`. */
static void s_expect_fail(s_fix_t *f, s_pb_t *w, int code, const char *needle)
{
    int rc = s_decode(f, w);
    if (rc != code || !strstr(f->err, needle)) {
        print_error("decode gave %d '%s', expected %d with '%s'\n", rc, f->err, code, needle);
        fail();
    }
    assert_int_equal(f->out.kind, NN_WIRE_NONE);
    assert_string_equal(nn_codec_error(f->c), f->err);
    s_pb_free(w);
}

/* Encodes msg and decodes the bytes into f->out. */
static void s_roundtrip(s_fix_t *f, const nn_wire_t *msg)
{
    const void *data;
    size_t len;
    int rc = nn_codec_encode(f->c, msg, &data, &len);
    if (rc != NN_OK) {
        print_error("encode: %s\n", nn_codec_error(f->c));
        fail();
    }
    assert_non_null(data);
    rc = nn_codec_decode(f->c, data, len, &f->out, f->err, sizeof f->err);
    if (rc != NN_OK) {
        print_error("decode: %s\n", f->err);
        fail();
    }
    assert_int_equal(f->out.kind, msg->kind);
    assert_int_equal(f->out.version, NN_PROTOCOL_VERSION);
    assert_true(f->out.round == msg->round);
    assert_int_equal(f->out.node, msg->node);
}

/* One delivery in flat form. */
typedef struct s_flat {
    uint32_t to, from, seq;
    double value;
} s_flat_t;

static size_t s_flatten(const nn_tick_t *t, s_flat_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n_runs; i++) {
        uint32_t to = t->receiver ? t->receiver[i] : t->first_agent + (uint32_t)i;
        for (uint64_t j = t->inbox_off[i]; j < t->inbox_off[i + 1]; j++, k++) {
            out[k].to = to;
            out[k].from = t->deliveries[j].from;
            out[k].seq = t->deliveries[j].seq;
            out[k].value = t->deliveries[j].value;
        }
    }
    return k;
}

/* What a decoded tick promises: receiver[] set, strictly ascending, one non-empty run
 * each, offsets from 0, each inbox in (from, seq) order. */
static void s_check_decoded_tick(const nn_tick_t *t)
{
    assert_non_null(t->receiver);
    assert_non_null(t->inbox_off);
    assert_non_null(t->deliveries);
    assert_true(t->inbox_off[0] == 0);
    for (size_t i = 0; i < t->n_runs; i++) {
        assert_true(t->inbox_off[i + 1] > t->inbox_off[i]);
        if (i)
            assert_true(t->receiver[i] > t->receiver[i - 1]);
        for (uint64_t j = t->inbox_off[i] + 1; j < t->inbox_off[i + 1]; j++) {
            const nn_delivery_t *a = &t->deliveries[j - 1], *b = &t->deliveries[j];
            assert_true(a->from < b->from || (a->from == b->from && a->seq <= b->seq));
        }
    }
    uint64_t n = t->inbox_off[t->n_runs];
    for (uint64_t j = 0; j < n; j++) {
        assert_true(isfinite(t->deliveries[j].standing) && t->deliveries[j].standing >= 0.0f);
        assert_true((t->deliveries[j].flags & ~NN_MSG_DEFECT) == 0);
    }
    if (t->n_notices) {
        assert_non_null(t->notice_to);
        assert_non_null(t->notices);
    }
    for (size_t i = 0; i < t->n_notices; i++) {
        if (i)
            assert_true(t->notice_to[i] >= t->notice_to[i - 1]);
        assert_true(t->notices[i].kind > NN_NOTICE_NONE && t->notices[i].kind < NN_NOTICE_KINDS);
        assert_true(isfinite(t->notices[i].value) && isfinite(t->notices[i].value2));
    }
}

/* What a decoded actions promises: sorted by sender, each sender's seq implied 0, 1, ... */
static void s_check_decoded_actions(const nn_actions_t *a)
{
    for (size_t i = 1; i < a->n_msgs; i++)
        assert_true(a->msgs[i].from >= a->msgs[i - 1].from);
    for (size_t i = 0; i < a->n_msgs; i++) {
        assert_true(isfinite(a->msgs[i].value));
        assert_true(a->msgs[i].hostility >= 0.0f && a->msgs[i].hostility <= 1.0f);
        assert_true((a->msgs[i].flags & ~NN_MSG_DEFECT) == 0);
    }
    for (size_t i = 0; i < a->n_state; i++)
        assert_true(isfinite(a->state[i]));
    for (size_t i = 0; i < a->n_acts; i++) {
        if (i)
            assert_true(a->acts[i].agent >= a->acts[i - 1].agent);
        assert_true(a->acts[i].kind > NN_ACT_NONE && a->acts[i].kind < NN_ACT_KINDS);
        assert_true(isfinite(a->acts[i].value));
    }
}

/* A tick for agents 10..15 with empty runs (10, 12, 15), offsets starting at 2. */
static const nn_delivery_t s_dl[] = {
    {99, 9, 0.0},  {99, 9, 0.0},                 /* before offset 2: not part of the tick */
    {1, 0, 0.25},  {4, 0, 0.5},  {4, 1, 0.75},   /* to 11 */
    {2, 0, -1.5},                                /* to 13 */
    {0, 3, 1e300}, {7, 0, -0.0}, {7, 1, 5e-324}, /* to 14 */
};
static const uint64_t s_dl_off[] = {2, 2, 5, 5, 6, 9, 9};

static nn_wire_t s_tick_msg(const uint32_t *receiver)
{
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_TICK;
    m.round = 12;
    m.node = 2;
    m.u.tick.n_runs = 6;
    m.u.tick.first_agent = 10;
    m.u.tick.receiver = receiver;
    m.u.tick.inbox_off = s_dl_off;
    m.u.tick.deliveries = s_dl;
    return m;
}

/* A bigger tick: n deliveries to receivers in steps, senders in order. */
typedef struct s_bigtick {
    uint32_t *recv;
    uint64_t *off;
    nn_delivery_t *dl;
    nn_wire_t msg;
} s_bigtick_t;

static void s_bigtick_make(s_bigtick_t *b, size_t runs, size_t per_run)
{
    b->recv = malloc(runs * sizeof *b->recv);
    b->off = malloc((runs + 1) * sizeof *b->off);
    b->dl = malloc((runs * per_run + 1) * sizeof *b->dl);
    assert_true(b->recv && b->off && b->dl);
    nn_rng_t r;
    nn_rng_init(&r, SEED, NN_STREAM_USER, 1, 0);
    for (size_t i = 0; i < runs; i++) {
        b->recv[i] = (uint32_t)(3 * i + 1);
        b->off[i] = i * per_run;
        for (size_t k = 0; k < per_run; k++) {
            nn_delivery_t *d = &b->dl[i * per_run + k];
            d->from = (uint32_t)(k / 2);
            d->seq = (uint32_t)(k % 2);
            d->value = nn_rng_unit(&r);
            d->trends = 0;
            d->standing = 1.0f;
            d->flags = 0;
        }
    }
    b->off[runs] = runs * per_run;
    memset(&b->msg, 0, sizeof b->msg);
    b->msg.kind = NN_WIRE_TICK;
    b->msg.round = 5;
    b->msg.u.tick.n_runs = runs;
    b->msg.u.tick.receiver = b->recv;
    b->msg.u.tick.inbox_off = b->off;
    b->msg.u.tick.deliveries = b->dl;
}

static void s_bigtick_free(s_bigtick_t *b)
{
    free(b->recv);
    free(b->off);
    free(b->dl);
}

/* ---- round trips -------------------------------------------------------------------- */

static void test_roundtrip_hello(void **state)
{
    s_fix_t *f = *state;
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_HELLO;
    strcpy(m.u.hello.implementation, "nunchi-python");
    strcpy(m.u.hello.language, "python");
    m.u.hello.n_behaviours = NN_MAX_BEHAVIOURS;
    for (int i = 0; i < NN_MAX_BEHAVIOURS; i++)
        snprintf(m.u.hello.behaviours[i], NN_NAME_MAX, "behaviour-%d", i);
    memset(m.u.hello.behaviours[3], 'b', NN_NAME_MAX - 1); /* the longest name that fits */
    m.u.hello.behaviours[3][NN_NAME_MAX - 1] = '\0';
    m.u.hello.max_agents = 123456;
    m.u.hello.pid = 4242;
    s_roundtrip(f, &m);
    const nn_hello_t *h = &f->out.u.hello;
    assert_string_equal(h->implementation, "nunchi-python");
    assert_string_equal(h->language, "python");
    assert_int_equal(h->n_behaviours, NN_MAX_BEHAVIOURS);
    for (int i = 0; i < NN_MAX_BEHAVIOURS; i++)
        assert_string_equal(h->behaviours[i], m.u.hello.behaviours[i]);
    assert_int_equal(h->max_agents, 123456);
    assert_int_equal(h->pid, 4242);

    /* an empty hello (no behaviours, empty strings) is fine too */
    memset(&m.u.hello, 0, sizeof m.u.hello);
    s_roundtrip(f, &m);
    assert_string_equal(f->out.u.hello.implementation, "");
    assert_int_equal(f->out.u.hello.n_behaviours, 0);
}

static void s_fill_populations(nn_population_desc_t *pops)
{
    memset(pops, 0, 2 * sizeof *pops);
    strcpy(pops[0].behaviour, "deffuant");
    pops[0].n_params = 2;
    strcpy(pops[0].param_name[0], "d");
    strcpy(pops[0].param_name[1], "mu");
    pops[0].param_value[0] = 0.2;
    pops[0].param_value[1] = 0.5;
    strcpy(pops[1].behaviour, "stubborn");
}

static void s_check_welcome(const nn_welcome_t *got, const nn_welcome_t *want, const uint32_t *ids)
{
    assert_int_equal(got->node, want->node);
    assert_true(got->session == want->session);
    assert_true(got->seed == want->seed);
    assert_true(got->rounds == want->rounds);
    assert_int_equal(got->agents_total, want->agents_total);
    assert_int_equal(got->dim, 1);
    assert_int_equal(got->n_populations, want->n_populations);
    for (size_t p = 0; p < want->n_populations; p++) {
        const nn_population_desc_t *a = &got->populations[p], *b = &want->populations[p];
        assert_string_equal(a->behaviour, b->behaviour);
        assert_int_equal(a->n_params, b->n_params);
        for (size_t k = 0; k < b->n_params; k++) {
            assert_string_equal(a->param_name[k], b->param_name[k]);
            assert_true(a->param_value[k] == b->param_value[k]);
            assert_int_equal(a->param_dist[k], b->param_dist[k]);
            assert_true(a->param_b[k] == b->param_b[k]);
        }
    }
    assert_int_equal(got->n_agents, want->n_agents);
    assert_non_null(got->agent); /* decoded welcomes always list their agents */
    uint64_t base = want->nbr_off[0];
    assert_true(got->nbr_off[0] == 0);
    for (size_t i = 0; i < want->n_agents; i++) {
        assert_int_equal(got->agent[i], ids[i]);
        assert_int_equal(got->population[i], want->population[i]);
        assert_true(got->state[i] == want->state[i]);
        assert_true(got->nbr_off[i + 1] == want->nbr_off[i + 1] - base);
        for (uint64_t k = got->nbr_off[i]; k < got->nbr_off[i + 1]; k++)
            assert_int_equal(got->nbr[k], want->nbr[base + k]);
    }
    if (want->n_agents)
        assert_int_equal(got->first_agent, ids[0]);
    assert_true(got->deadline_s == want->deadline_s);
    assert_true(got->liveness_s == want->liveness_s);
}

static void test_roundtrip_welcome(void **state)
{
    s_fix_t *f = *state;
    nn_population_desc_t pops[2];
    s_fill_populations(pops);
    static const uint8_t pop[] = {0, 1, 0, 0};
    static const double st[] = {0.1, 0.9, 0.0, 1.0};
    static const uint64_t off[] = {3, 5, 5, 8, 9}; /* starts above 0 */
    static const uint32_t nbr[] = {77, 77, 77, 1, 9, 0, 8, 9, 2};
    static const uint32_t listed[] = {2, 4, 8, 9};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_WELCOME;
    m.node = 4;
    nn_welcome_t *w = &m.u.welcome;
    w->node = 4;
    w->session = 0xfeedfacecafebeefULL;
    w->seed = 42;
    w->rounds = 200;
    w->agents_total = 10;
    w->dim = 1;
    w->n_populations = 2;
    w->populations = pops;
    w->n_agents = 4;
    w->population = pop;
    w->state = st;
    w->nbr_off = off;
    w->nbr = nbr;
    w->deadline_s = 2.5;
    w->liveness_s = 60.0;

    /* contiguous: agents 5..8 */
    w->first_agent = 5;
    w->agent = NULL;
    s_roundtrip(f, &m);
    static const uint32_t range[] = {5, 6, 7, 8};
    s_check_welcome(&f->out.u.welcome, w, range);

    /* listed */
    w->agent = listed;
    s_roundtrip(f, &m);
    s_check_welcome(&f->out.u.welcome, w, listed);
    /* without structure arrays they decode as absent */
    assert_null(f->out.u.welcome.role);
    assert_null(f->out.u.welcome.group);
    assert_null(f->out.u.welcome.superior);

    /* the structure: roles, groups, superiors (one without) */
    static const uint8_t role[] = {3, 0, 1, 2};
    static const uint32_t group[] = {0, 7, 7, 123456};
    static const uint32_t sup[] = {NN_NO_AGENT, 2, 0, 9};
    w->role = role;
    w->group = group;
    w->superior = sup;
    s_roundtrip(f, &m);
    const nn_welcome_t *g = &f->out.u.welcome;
    assert_non_null(g->role);
    assert_non_null(g->group);
    assert_non_null(g->superior);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(g->role[i], role[i]);
        assert_int_equal(g->group[i], group[i]);
        assert_int_equal(g->superior[i], sup[i]);
    }
    /* refused at the sender: a role past leader, a superior past the society */
    static const uint8_t bad_role[] = {0, 4, 0, 0};
    static const uint32_t bad_sup[] = {NN_NO_AGENT, 10, 0, 0};
    const void *data;
    size_t len;
    w->role = bad_role;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_EINVAL);
    assert_non_null(strstr(nn_codec_error(f->c), "role 4"));
    w->role = role;
    w->superior = bad_sup;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_EINVAL);
    assert_non_null(strstr(nn_codec_error(f->c), "superior 10"));
    w->superior = NULL;
    w->role = NULL;
    w->group = NULL;

    /* no agents at all, offsets NULL */
    w->n_agents = 0;
    w->agent = NULL;
    w->nbr_off = NULL;
    w->nbr = NULL;
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.welcome.n_agents, 0);
    assert_true(f->out.u.welcome.nbr_off[0] == 0);
    assert_int_equal(f->out.u.welcome.n_populations, 2);
}

static void test_roundtrip_small_kinds(void **state)
{
    s_fix_t *f = *state;
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_REJECT;
    strcpy(m.u.reject.reason, "unknown_behaviour");
    memset(m.u.reject.detail, 'd', NN_TEXT_MAX - 1);
    s_roundtrip(f, &m);
    assert_string_equal(f->out.u.reject.reason, "unknown_behaviour");
    assert_string_equal(f->out.u.reject.detail, m.u.reject.detail);

    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_HEARTBEAT;
    m.round = 0;
    m.node = 9;
    s_roundtrip(f, &m);

    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_BYE;
    m.round = UINT64_MAX;
    m.node = UINT32_MAX;
    strcpy(m.u.bye.reason, "the run is over");
    s_roundtrip(f, &m);
    assert_string_equal(f->out.u.bye.reason, "the run is over");

    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ERROR;
    m.round = 3;
    m.u.error.code = NN_ETOOBIG;
    strcpy(m.u.error.message, "tick: 12 deliveries exceed the limit of 10 ('max_batch')");
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.error.code, NN_ETOOBIG);
    assert_string_equal(f->out.u.error.message, m.u.error.message);
}

static void test_roundtrip_tick(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t listed[] = {10, 11, 12, 13, 14, 40};
    for (int pass = 0; pass < 2; pass++) {
        nn_wire_t m = s_tick_msg(pass ? listed : NULL);
        s_roundtrip(f, &m);
        const nn_tick_t *t = &f->out.u.tick;
        s_check_decoded_tick(t);
        /* empty runs vanish: receivers 11, 13, 14 remain */
        assert_int_equal(t->n_runs, 3);
        assert_int_equal(t->receiver[0], 11);
        assert_int_equal(t->receiver[1], 13);
        assert_int_equal(t->receiver[2], 14);
        assert_int_equal(t->first_agent, 11);
        static const uint64_t want_off[] = {0, 3, 4, 7};
        for (int i = 0; i < 4; i++)
            assert_true(t->inbox_off[i] == want_off[i]);
        s_flat_t a[16], b[16];
        size_t na = s_flatten(&m.u.tick, a), nb = s_flatten(t, b);
        assert_int_equal(na, 7);
        assert_int_equal(nb, na);
        for (size_t i = 0; i < na; i++) {
            assert_int_equal(a[i].to, b[i].to);
            assert_int_equal(a[i].from, b[i].from);
            assert_int_equal(a[i].seq, b[i].seq);
            assert_memory_equal(&a[i].value, &b[i].value, sizeof(double)); /* -0.0 too */
        }
    }
}

static void test_roundtrip_empty_tick(void **state)
{
    s_fix_t *f = *state;
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_TICK;
    m.round = 1;
    s_roundtrip(f, &m);
    const nn_tick_t *t = &f->out.u.tick;
    assert_int_equal(t->n_runs, 0);
    assert_non_null(t->inbox_off);
    assert_true(t->inbox_off[0] == 0);
    assert_non_null(t->receiver);

    /* only empty runs */
    static const uint64_t off[] = {4, 4, 4, 4};
    m.u.tick.n_runs = 3;
    m.u.tick.first_agent = 100;
    m.u.tick.inbox_off = off;
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.tick.n_runs, 0);
}

/* A repeated (to, from, seq) key (a duplicated message) is allowed in a tick. */
static void test_tick_repeated_key(void **state)
{
    s_fix_t *f = *state;
    static const nn_delivery_t dl[] = {{3, 0, 0.5}, {3, 0, 0.5}, {3, 1, 0.25}};
    static const uint64_t off[] = {0, 3};
    static const uint32_t recv[] = {8};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_TICK;
    m.u.tick.n_runs = 1;
    m.u.tick.receiver = recv;
    m.u.tick.inbox_off = off;
    m.u.tick.deliveries = dl;
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.tick.n_runs, 1);
    assert_true(f->out.u.tick.inbox_off[1] == 3);
}

static void test_roundtrip_actions(void **state)
{
    s_fix_t *f = *state;
    static const nn_msg_t msgs[] = {
        {2, 5, 0.5}, {2, 7, 0.25}, {2, 5, 0.125}, {3, 1, -2.0}, {9, 0, 1e-300},
    };
    static const double st[] = {0.5, 0.25, 0.75};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ACTIONS;
    m.round = 8;
    m.node = 1;
    m.u.actions.n_msgs = 5;
    m.u.actions.msgs = msgs;
    m.u.actions.n_state = 3;
    m.u.actions.state = st;
    m.u.actions.digest = 0xfedcba9876543210ULL;
    s_roundtrip(f, &m);
    const nn_actions_t *a = &f->out.u.actions;
    assert_int_equal(a->n_msgs, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(a->msgs[i].from, msgs[i].from);
        assert_int_equal(a->msgs[i].to, msgs[i].to);
        assert_true(a->msgs[i].value == msgs[i].value);
    }
    assert_int_equal(a->n_state, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(a->state[i] == st[i]);
    assert_true(a->digest == 0xfedcba9876543210ULL);

    /* nothing sent, no state */
    memset(&m.u.actions, 0, sizeof m.u.actions);
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.actions.n_msgs, 0);
    assert_int_equal(f->out.u.actions.n_state, 0);
    assert_true(f->out.u.actions.digest == 0);
}

/* Actions in any order come out sorted by (from, seq); seq itself is implied. */
static void test_actions_out_of_order(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t from[] = {7, 2, 7, 2, 5, 2};
    static const uint32_t to[] = {71, 22, 70, 20, 50, 21};
    static const uint32_t seq[] = {1, 2, 0, 0, 0, 1};
    static const double value[] = {0.71, 0.22, 0.70, 0.20, 0.50, 0.21};
    static const double st[] = {1.0};
    s_pb_t w = s_actions_env(from, to, seq, value, 6, st, 1);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    const nn_actions_t *a = &f->out.u.actions;
    static const uint32_t wfrom[] = {2, 2, 2, 5, 7, 7};
    static const uint32_t wto[] = {20, 21, 22, 50, 70, 71};
    static const double wvalue[] = {0.20, 0.21, 0.22, 0.50, 0.70, 0.71};
    assert_int_equal(a->n_msgs, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(a->msgs[i].from, wfrom[i]);
        assert_int_equal(a->msgs[i].to, wto[i]);
        assert_true(a->msgs[i].value == wvalue[i]);
    }
    assert_true(a->digest == 0x0123456789abcdefULL);
}

/* A large shuffled actions message (exercises the merge sort past its insertion runs). */
static void test_actions_shuffled_large(void **state)
{
    s_fix_t *f = *state;
    const size_t n = 20011;
    uint32_t *from = malloc(n * sizeof *from), *to = malloc(n * sizeof *to);
    uint32_t *seq = malloc(n * sizeof *seq);
    double *value = malloc(n * sizeof *value);
    assert_true(from && to && seq && value);
    for (size_t i = 0; i < n; i++) { /* sender i / 7 sends 7 messages (the last fewer) */
        from[i] = (uint32_t)(i / 7) * 3;
        seq[i] = (uint32_t)(i % 7);
        to[i] = (uint32_t)i;
        value[i] = (double)i;
    }
    nn_rng_t r;
    nn_rng_init(&r, SEED, NN_STREAM_USER, 2, 0);
    for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates, all four columns together */
        size_t j = (size_t)nn_rng_below(&r, i + 1);
        uint32_t t;
        t = from[i], from[i] = from[j], from[j] = t;
        t = to[i], to[i] = to[j], to[j] = t;
        t = seq[i], seq[i] = seq[j], seq[j] = t;
        double d = value[i];
        value[i] = value[j];
        value[j] = d;
    }
    s_pb_t w = s_actions_env(from, to, seq, value, n, NULL, 0);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    const nn_actions_t *a = &f->out.u.actions;
    assert_int_equal(a->n_msgs, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(a->msgs[i].from, (uint32_t)(i / 7) * 3);
        assert_int_equal(a->msgs[i].to, (uint32_t)i);
        assert_true(a->msgs[i].value == (double)i);
    }
    free(from);
    free(to);
    free(seq);
    free(value);
}

/* A foreign encoder may write repeated scalars unpacked (one tag per element). */
static void test_unpacked_repeated_accepted(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t to[] = {1, 1, 2}, from[] = {0, 0, 5}, seq[] = {0, 1, 0};
    static const double value[] = {0.5, 0.25, 1.0};
    s_pb_t b = {0};
    for (int i = 0; i < 3; i++) {
        s_f_varint(&b, 1, to[i]);
        s_f_varint(&b, 2, from[i]);
        s_f_varint(&b, 3, seq[i]);
        s_f_double(&b, 4, value[i]);
        s_f_varint(&b, TICK_TRENDS, i);
        s_f_float(&b, TICK_STANDING, 0.5f * (float)i);
    }
    s_pb_t w = s_envelope(1, ENV_TICK, &b);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    const nn_tick_t *t = &f->out.u.tick;
    s_check_decoded_tick(t);
    assert_int_equal(t->n_runs, 2);
    assert_true(t->inbox_off[2] == 3);
    assert_int_equal(t->deliveries[1].seq, 1);
    assert_true(t->deliveries[2].value == 1.0);
    assert_true(t->deliveries[2].trends == 2);
    assert_true(t->deliveries[1].standing == 0.5f);
}

/* Decoded arrays of one kind survive decodes of other kinds. */
static void test_scratch_per_kind(void **state)
{
    s_fix_t *f = *state;
    nn_wire_t m = s_tick_msg(NULL);
    s_roundtrip(f, &m);
    nn_tick_t kept = f->out.u.tick;
    static const nn_msg_t msgs[] = {{1, 2, 0.5}};
    nn_wire_t a;
    memset(&a, 0, sizeof a);
    a.kind = NN_WIRE_ACTIONS;
    a.u.actions.n_msgs = 1;
    a.u.actions.msgs = msgs;
    s_roundtrip(f, &a);
    s_pb_t w = s_envelope(1, ENV_TICK, NULL); /* a failed decode of no kind */
    assert_int_equal(s_decode(f, &w), NN_EPROTO);
    s_pb_free(&w);
    s_check_decoded_tick(&kept);
    assert_int_equal(kept.n_runs, 3);
    assert_int_equal(kept.receiver[2], 14);
    assert_true(kept.deliveries[6].value == 5e-324);
}

/* Once the buffers have grown, a round of encode and decode allocates nothing. */
static void test_steady_state_allocates_nothing(void **state)
{
    s_fix_t *f = *state;
    s_bigtick_t b;
    s_bigtick_make(&b, 1000, 20);
    const void *d1, *d2;
    size_t l1, l2;
    assert_int_equal(nn_codec_encode(f->c, &b.msg, &d1, &l1), NN_OK);
    uint64_t n0 = nn_codec_allocations(f->c);
    assert_true(n0 > 0);
    assert_int_equal(nn_codec_encode(f->c, &b.msg, &d2, &l2), NN_OK);
    assert_ptr_equal(d1, d2);
    assert_int_equal(l1, l2);
    assert_true(nn_codec_allocations(f->c) == n0);

    /* decode: the first one may grow the arena and the scratch, later ones may not */
    assert_int_equal(nn_codec_decode(f->c, d2, l2, &f->out, f->err, sizeof f->err), NN_OK);
    uint64_t n1 = nn_codec_allocations(f->c);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(nn_codec_encode(f->c, &b.msg, &d2, &l2), NN_OK);
        assert_int_equal(nn_codec_decode(f->c, d2, l2, &f->out, f->err, sizeof f->err), NN_OK);
    }
    assert_true(nn_codec_allocations(f->c) == n1);
    assert_int_equal(f->out.u.tick.n_runs, 1000);

    /* a smaller tick needs nothing new either */
    b.msg.u.tick.n_runs = 10;
    assert_int_equal(nn_codec_encode(f->c, &b.msg, &d2, &l2), NN_OK);
    assert_int_equal(nn_codec_decode(f->c, d2, l2, &f->out, f->err, sizeof f->err), NN_OK);
    assert_true(nn_codec_allocations(f->c) == n1);
    s_bigtick_free(&b);
}

/* ---- hostile input ------------------------------------------------------------------ */

/* Every prefix of a valid tick and actions: an error or a valid message, never a crash. */
static void test_truncated(void **state)
{
    s_fix_t *f = *state;
    nn_wire_t msgs[2];
    msgs[0] = s_tick_msg(NULL);
    static const nn_msg_t am[] = {{1, 2, 0.5}, {1, 3, 0.25}, {4, 0, 1.0}, {300, 70000, 2.0}};
    static const double st[] = {0.5, 0.5, 0.125};
    memset(&msgs[1], 0, sizeof msgs[1]);
    msgs[1].kind = NN_WIRE_ACTIONS;
    msgs[1].round = 1000;
    msgs[1].u.actions.n_msgs = 4;
    msgs[1].u.actions.msgs = am;
    msgs[1].u.actions.n_state = 3;
    msgs[1].u.actions.state = st;
    msgs[1].u.actions.digest = UINT64_MAX;
    for (int k = 0; k < 2; k++) {
        const void *data;
        size_t len;
        assert_int_equal(nn_codec_encode(f->c, &msgs[k], &data, &len), NN_OK);
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, data, len);
        size_t ok = 0;
        for (size_t n = 0; n <= len; n++) {
            /* each prefix in its own allocation, so ASan sees any read past its end */
            uint8_t *p = malloc(n ? n : 1);
            assert_non_null(p);
            memcpy(p, copy, n);
            int rc = nn_codec_decode(f->c, p, n, &f->out, f->err, sizeof f->err);
            free(p);
            if (rc == NN_OK) {
                ok++;
                if (f->out.kind == NN_WIRE_TICK)
                    s_check_decoded_tick(&f->out.u.tick);
                else if (f->out.kind == NN_WIRE_ACTIONS)
                    s_check_decoded_actions(&f->out.u.actions);
            } else {
                assert_true(rc == NN_EPROTO || rc == NN_ETOOBIG);
                assert_int_equal(f->out.kind, NN_WIRE_NONE);
                assert_true(f->err[0] != '\0');
            }
        }
        assert_true(ok >= 1); /* at least the whole message */
        free(copy);
    }
}

static void test_garbage(void **state)
{
    s_fix_t *f = *state;
    nn_rng_t r;
    nn_rng_init(&r, SEED, NN_STREAM_USER, 3, 0);
    uint8_t buf[512];
    size_t ok = 0;
    for (int i = 0; i < N_GARBAGE; i++) {
        size_t n = (size_t)nn_rng_below(&r, sizeof buf + 1);
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)nn_rng_u64(&r);
        if (i % 2) { /* half of them look like an envelope for a while */
            static const uint8_t head[] = {0x08, 0x01, 0x10, 0x05, 0x6a};
            size_t h = n < sizeof head ? n : sizeof head;
            memcpy(buf, head, h);
        }
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, buf, n);
        int rc = nn_codec_decode(f->c, p, n, &f->out, f->err, sizeof f->err);
        free(p);
        if (rc == NN_OK)
            ok++;
        else
            assert_int_equal(f->out.kind, NN_WIRE_NONE);
    }
    /* and valid messages with a few bytes changed */
    s_bigtick_t b;
    s_bigtick_make(&b, 20, 5);
    const void *data;
    size_t len;
    assert_int_equal(nn_codec_encode(f->c, &b.msg, &data, &len), NN_OK);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    for (int i = 0; i < N_GARBAGE / 10; i++) {
        memcpy(copy, data, len);
        for (int k = 0; k < 3; k++)
            copy[nn_rng_below(&r, len)] = (uint8_t)nn_rng_u64(&r);
        int rc = nn_codec_decode(f->c, copy, len, &f->out, f->err, sizeof f->err);
        if (rc == NN_OK && f->out.kind == NN_WIRE_TICK)
            s_check_decoded_tick(&f->out.u.tick);
    }
    free(copy);
    s_bigtick_free(&b);
    (void)ok;
}

static void test_oversized_message(void **state)
{
    s_fix_t *f = *state;
    s_limits(f, 64, NN_CODEC_DEFAULT_MAX_BATCH, NN_CODEC_DEFAULT_MAX_AGENTS);
    uint8_t junk[65];
    memset(junk, 0xff, sizeof junk); /* not protobuf: only the size check can say why */
    uint64_t n0 = nn_codec_allocations(f->c);
    int rc = nn_codec_decode(f->c, junk, sizeof junk, &f->out, f->err, sizeof f->err);
    assert_int_equal(rc, NN_ETOOBIG);
    assert_non_null(strstr(f->err, "max_message_bytes"));
    assert_true(nn_codec_allocations(f->c) == n0); /* nothing was unpacked */
    assert_int_equal(f->out.kind, NN_WIRE_NONE);
    /* 64 bytes pass the size check and fail as protobuf */
    rc = nn_codec_decode(f->c, junk, 64, &f->out, f->err, sizeof f->err);
    assert_int_equal(rc, NN_EPROTO);
}

static void test_oversized_batch(void **state)
{
    s_fix_t *f = *state;
    uint32_t to[11], from[11], seq[11];
    double value[11];
    for (uint32_t i = 0; i < 11; i++) {
        to[i] = 1;
        from[i] = i;
        seq[i] = 0;
        value[i] = 0.5;
    }
    s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 10, 2);
    s_pb_t w = s_tick_env(to, from, seq, value, 10);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    w = s_tick_env(to, from, seq, value, 11);
    s_expect_fail(f, &w, NN_ETOOBIG, "tick: 11 deliveries exceed the limit of 10 ('max_batch')");
    w = s_actions_env(from, to, seq, value, 11, NULL, 0);
    s_expect_fail(f, &w, NN_ETOOBIG, "actions: 11 messages exceed");
    w = s_actions_env(from, to, seq, value, 1, value, 3);
    s_expect_fail(f, &w, NN_ETOOBIG, "actions: 3 states exceed the limit of 2 ('max_agents')");
}

static void test_wrong_version(void **state)
{
    s_fix_t *f = *state;
    s_pb_t b = {0};
    s_pb_t w = s_envelope(2, ENV_HEARTBEAT, &b);
    s_expect_fail(f, &w, NN_EPROTO, "unsupported protocol version 2");
    w = s_envelope(0, ENV_HEARTBEAT, &b); /* no version at all */
    s_expect_fail(f, &w, NN_EPROTO, "unsupported protocol version 0");
    uint8_t empty = 0;
    assert_int_equal(nn_codec_decode(f->c, &empty, 0, &f->out, f->err, sizeof f->err), NN_EPROTO);
    assert_int_equal(nn_codec_decode(f->c, NULL, 0, &f->out, f->err, sizeof f->err), NN_EPROTO);
}

static void test_missing_body(void **state)
{
    s_fix_t *f = *state;
    s_pb_t w = s_envelope(1, 0, NULL);
    s_expect_fail(f, &w, NN_EPROTO, "envelope: no message body");
    /* an unknown body field (a later protocol's message) is no body for v1 */
    s_pb_t b = {0};
    w = s_envelope(1, 30, &b);
    s_expect_fail(f, &w, NN_EPROTO, "no message body");
}

static void test_unequal_arrays(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t u[] = {1, 2, 3, 4};
    static const double d[] = {0.1, 0.2, 0.3, 0.4};
    s_pb_t b = s_tick_body(u, 3, u, 4, u, 3, d, 3);
    s_pb_t w = s_envelope(1, ENV_TICK, &b);
    s_expect_fail(f, &w, NN_EPROTO, "tick: 'from' has 4 entries but 'to' has 3");
    b = s_tick_body(u, 3, u, 3, u, 3, d, 2);
    w = s_envelope(1, ENV_TICK, &b);
    s_expect_fail(f, &w, NN_EPROTO, "tick: 'value' has 2 entries but 'to' has 3");
    b = s_tick_body(u, 0, u, 1, NULL, 0, NULL, 0);
    w = s_envelope(1, ENV_TICK, &b);
    s_expect_fail(f, &w, NN_EPROTO, "tick: 'from' has 1 entries but 'to' has 0");

    b = (s_pb_t){0};
    s_f_packed_u32(&b, 1, u, 4);
    s_f_packed_u32(&b, 2, u, 3);
    s_f_packed_u32(&b, 3, u, 4);
    s_f_packed_double(&b, 4, d, 4);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'to' has 3 entries but 'from' has 4");
    b = (s_pb_t){0};
    s_f_packed_u32(&b, 1, u, 2);
    s_f_packed_u32(&b, 2, u, 2);
    s_f_packed_u32(&b, 3, u, 1);
    s_f_packed_double(&b, 4, d, 2);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'seq' has 1 entries but 'from' has 2");
}

static void test_non_finite(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t to[] = {1, 1}, from[] = {0, 2}, seq[] = {0, 0};
    double value[] = {0.5, NAN};
    s_pb_t w = s_tick_env(to, from, seq, value, 2);
    s_expect_fail(f, &w, NN_EPROTO, "tick: 'value' [1]");
    value[1] = INFINITY;
    w = s_actions_env(from, to, seq, value, 2, NULL, 0);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'value' [1]");
    double st[] = {0.5, -INFINITY};
    w = s_actions_env(from, to, seq, st, 1, st, 2);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'state' [1] is not finite");
}

static void test_unsorted_tick(void **state)
{
    s_fix_t *f = *state;
    static const double v[] = {0.1, 0.2, 0.3};
    {
        static const uint32_t to[] = {2, 1, 3}, from[] = {0, 0, 0}, seq[] = {0, 0, 0};
        s_pb_t w = s_tick_env(to, from, seq, v, 3);
        s_expect_fail(f, &w, NN_EPROTO, "tick: 'to' is not sorted");
    }
    {
        static const uint32_t to[] = {1, 1, 1}, from[] = {0, 5, 4}, seq[] = {0, 0, 0};
        s_pb_t w = s_tick_env(to, from, seq, v, 3);
        s_expect_fail(f, &w, NN_EPROTO, "tick: the inbox of agent 1 is not sorted");
    }
    {
        static const uint32_t to[] = {1, 1, 1}, from[] = {4, 4, 4}, seq[] = {0, 2, 1};
        s_pb_t w = s_tick_env(to, from, seq, v, 3);
        s_expect_fail(f, &w, NN_EPROTO, "from 4 seq 1 after from 4 seq 2");
    }
    { /* a new receiver resets the (from, seq) order */
        static const uint32_t to[] = {1, 2, 2}, from[] = {9, 0, 1}, seq[] = {5, 0, 0};
        s_pb_t w = s_tick_env(to, from, seq, v, 3);
        assert_int_equal(s_decode(f, &w), NN_OK);
        s_pb_free(&w);
    }
}

static void test_actions_seq_rules(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t to[] = {1, 2, 3, 4};
    static const double v[] = {0.1, 0.2, 0.3, 0.4};
    {
        static const uint32_t from[] = {3, 3, 5, 5}, seq[] = {0, 1, 0, 0};
        s_pb_t w = s_actions_env(from, to, seq, v, 4, NULL, 0);
        s_expect_fail(f, &w, NN_EPROTO, "actions: sender 5 sends seq 0 twice");
    }
    { /* the same, out of order: found after sorting */
        static const uint32_t from[] = {5, 3, 5, 3}, seq[] = {1, 1, 1, 0};
        s_pb_t w = s_actions_env(from, to, seq, v, 4, NULL, 0);
        s_expect_fail(f, &w, NN_EPROTO, "actions: sender 5 starts at seq 1 (expected 0)");
    }
    {
        static const uint32_t from[] = {3, 3, 3, 5}, seq[] = {0, 1, 3, 0};
        s_pb_t w = s_actions_env(from, to, seq, v, 4, NULL, 0);
        s_expect_fail(f, &w, NN_EPROTO, "actions: sender 3 skips from seq 1 to seq 3");
    }
    {
        static const uint32_t from[] = {3, 5, 3, 3}, seq[] = {3, 0, 0, 3};
        s_pb_t w = s_actions_env(from, to, seq, v, 4, NULL, 0);
        s_expect_fail(f, &w, NN_EPROTO, "actions: sender 3 skips from seq 0 to seq 3");
    }
    {
        static const uint32_t from[] = {3, 3, 3, 3}, seq[] = {2, 1, 0, 1};
        s_pb_t w = s_actions_env(from, to, seq, v, 4, NULL, 0);
        s_expect_fail(f, &w, NN_EPROTO, "actions: sender 3 sends seq 1 twice");
    }
    {
        static const uint32_t from[] = {8}, seq[] = {4};
        s_pb_t w = s_actions_env(from, to, seq, v, 1, NULL, 0);
        s_expect_fail(f, &w, NN_EPROTO, "actions: sender 8 starts at seq 4");
    }
}

/* A welcome body with n agents 0..n-1, all of population 0, from the given offsets and
 * neighbours; extra lets a test add or override fields (later fields win in protobuf). */
static s_pb_t s_welcome_body(size_t n, const uint64_t *off, size_t n_off, const uint32_t *nbr,
                             size_t n_nbr, uint32_t agents_total)
{
    s_pb_t b = {0};
    s_f_varint(&b, 1, 1);
    s_f_varint(&b, 5, agents_total);
    s_f_varint(&b, 6, 1);
    s_pb_t p = {0};
    s_f_str(&p, 1, "deffuant");
    s_f_str(&p, 2, "d");
    s_f_packed_double(&p, 3, (const double[]){0.3}, 1);
    s_f_sub(&b, 7, &p);
    uint32_t ids[16] = {0}, pop[16] = {0};
    double st[16];
    for (size_t i = 0; i < n; i++) {
        ids[i] = (uint32_t)i;
        st[i] = 0.5;
    }
    if (n) {
        s_f_packed_u32(&b, 8, ids, n);
        s_f_packed_u32(&b, 9, pop, n);
        s_f_packed_double(&b, 10, st, n);
    }
    if (n_off)
        s_f_packed_u64(&b, 11, off, n_off);
    if (n_nbr)
        s_f_packed_u32(&b, 12, nbr, n_nbr);
    return b;
}

static void test_welcome_checks(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t nbr[] = {0, 1, 1, 2, 2}; /* ascends however it is cut */
    {
        static const uint64_t off[] = {0, 2, 3, 5};
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        assert_int_equal(s_decode(f, &w), NN_OK);
        s_pb_free(&w);
        const nn_welcome_t *wl = &f->out.u.welcome;
        assert_int_equal(wl->n_agents, 3);
        assert_string_equal(wl->populations[0].behaviour, "deffuant");
        assert_string_equal(wl->populations[0].param_name[0], "d");
        assert_true(wl->populations[0].param_value[0] == 0.3);
        assert_true(wl->nbr_off[3] == 5);
    }
    struct {
        uint64_t off[4];
        size_t n_off;
        const char *needle;
    } bad[] = {
        {{1, 2, 3, 5}, 4, "'neighbour_offset' starts at 1 (expected 0)"},
        {{0, 3, 2, 5}, 4, "'neighbour_offset' descends at agent 1 (2 after 3)"},
        {{0, 2, 3, 4}, 4, "'neighbour_offset' ends at 4 but 'neighbour' has 5 entries"},
        {{0, 2, 9, 5}, 4, "'neighbour_offset' of agent 1 is 9 but 'neighbour' has 5"},
        {{0, 2, 5}, 3, "'neighbour_offset' has 3 entries but 'agent' has 3 (expected 4)"},
        {{0}, 0, "'neighbour_offset' has 0 entries"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_pb_t b = s_welcome_body(3, bad[i].off, bad[i].n_off, nbr, 5, 3);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, bad[i].needle);
    }
    static const uint64_t off[] = {0, 2, 3, 5};
    { /* a neighbour id outside the society */
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 2);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "not below 'agents_total' 2");
    }
    { /* neighbours out of order */
        static const uint32_t un[] = {2, 1, 0, 0, 1};
        s_pb_t b = s_welcome_body(3, off, 4, un, 5, 3);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "'neighbour' entries of agent 0 do not ascend");
    }
    { /* a population index past the populations (one population: index 1 is out) */
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_packed_u32(&b, 9, (const uint32_t[]){0, 1, 0}, 3); /* appended: 6 entries */
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "'population' has 6 entries but 'agent' has 3");
        s_pb_t b2 = s_welcome_body(0, NULL, 0, NULL, 0, 3);
        s_f_packed_u32(&b2, 8, (const uint32_t[]){0, 1}, 2);
        s_f_packed_u32(&b2, 9, (const uint32_t[]){0, 1}, 2);
        s_f_packed_double(&b2, 10, (const double[]){0.5, 0.5}, 2);
        s_f_packed_u64(&b2, 11, (const uint64_t[]){0, 0, 0}, 3);
        w = s_envelope(1, ENV_WELCOME, &b2);
        s_expect_fail(f, &w, NN_EPROTO, "'population' of agent 1 is 1 but there are 1 populations");
        s_pb_t b3 = s_welcome_body(0, NULL, 0, NULL, 0, 3);
        s_f_packed_u32(&b3, 8, (const uint32_t[]){0}, 1);
        s_f_packed_u32(&b3, 9, (const uint32_t[]){300}, 1);
        s_f_packed_double(&b3, 10, (const double[]){0.5}, 1);
        s_f_packed_u64(&b3, 11, (const uint64_t[]){0, 0}, 2);
        w = s_envelope(1, ENV_WELCOME, &b3);
        s_expect_fail(f, &w, NN_EPROTO, "'population' of agent 0 is 300");
    }
    { /* agents must ascend */
        s_pb_t b = s_welcome_body(0, NULL, 0, NULL, 0, 9);
        s_f_packed_u32(&b, 8, (const uint32_t[]){4, 4}, 2);
        s_f_packed_u32(&b, 9, (const uint32_t[]){0, 0}, 2);
        s_f_packed_double(&b, 10, (const double[]){0.5, 0.5}, 2);
        s_f_packed_u64(&b, 11, (const uint64_t[]){0, 0, 0}, 3);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "'agent' does not ascend (4 after 4)");
    }
    { /* dim must be 1 */
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_varint(&b, 6, 2);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "welcome: 'dim' is 2");
    }
    { /* a non-finite initial state or deadline */
        s_pb_t b = s_welcome_body(0, NULL, 0, NULL, 0, 3);
        s_f_packed_u32(&b, 8, (const uint32_t[]){0}, 1);
        s_f_packed_u32(&b, 9, (const uint32_t[]){0}, 1);
        s_f_packed_double(&b, 10, (const double[]){NAN}, 1);
        s_f_packed_u64(&b, 11, (const uint64_t[]){0, 0}, 2);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "welcome: 'state' of agent 0 is not finite");
        b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_double(&b, 13, INFINITY);
        w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "welcome: 'deadline_s' is not finite");
    }
    { /* too many agents for the limit */
        s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, NN_CODEC_DEFAULT_MAX_BATCH, 2);
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_ETOOBIG, "welcome: 3 agents exceed the limit of 2");
    }
}

static void test_population_checks(void **state)
{
    s_fix_t *f = *state;
    static const uint64_t off0[] = {0};
    { /* param names and values of unequal length */
        s_pb_t b = s_welcome_body(0, off0, 1, NULL, 0, 1);
        s_pb_t p = {0};
        s_f_str(&p, 1, "hk");
        s_f_str(&p, 2, "epsilon");
        s_f_str(&p, 2, "other");
        s_f_packed_double(&p, 3, (const double[]){0.1}, 1);
        s_f_sub(&b, 7, &p);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "population 1: 'param_value' has 1 entries but 'param_name' has 2");
    }
    { /* too many parameters */
        s_pb_t b = s_welcome_body(0, off0, 1, NULL, 0, 1);
        s_pb_t p = {0};
        double v[NN_MAX_PARAMS + 1];
        for (int k = 0; k <= NN_MAX_PARAMS; k++) {
            s_f_str(&p, 2, "p");
            v[k] = k;
        }
        s_f_packed_double(&p, 3, v, NN_MAX_PARAMS + 1);
        s_f_sub(&b, 7, &p);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        char needle[64];
        snprintf(needle, sizeof needle, "'param_name' has %d entries (at most %d)",
                 NN_MAX_PARAMS + 1, NN_MAX_PARAMS);
        s_expect_fail(f, &w, NN_EPROTO, needle);
    }
    { /* too many populations */
        s_pb_t b = s_welcome_body(0, off0, 1, NULL, 0, 1);
        for (int k = 0; k < NN_MAX_POPULATIONS; k++) {
            s_pb_t p = {0};
            s_f_str(&p, 1, "voter");
            s_f_sub(&b, 7, &p);
        }
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "'populations' has 65 entries (at most 64)");
    }
    { /* a non-finite parameter */
        s_pb_t b = s_welcome_body(0, off0, 1, NULL, 0, 1);
        s_pb_t p = {0};
        s_f_str(&p, 2, "mu");
        s_f_packed_double(&p, 3, (const double[]){NAN}, 1);
        s_f_sub(&b, 7, &p);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, "'param_value' of 'mu' is not finite");
    }
}

static void test_overlong_strings(void **state)
{
    s_fix_t *f = *state;
    char s64[65], s32[33], s16[17], s256[257];
    memset(s64, 'i', 64);
    s64[64] = '\0';
    memset(s32, 'n', 32);
    s32[32] = '\0';
    memset(s16, 'l', 16);
    s16[16] = '\0';
    memset(s256, 't', 256);
    s256[256] = '\0';
    s_pb_t b = {0}, w;
    s_f_str(&b, 1, s64);
    w = s_envelope(1, ENV_HELLO, &b);
    s_expect_fail(f, &w, NN_EPROTO, "hello: 'implementation' is 64 bytes long (at most 63)");
    s_f_str(&b, 2, s16);
    w = s_envelope(1, ENV_HELLO, &b);
    s_expect_fail(f, &w, NN_EPROTO, "hello: 'language' is 16 bytes long (at most 15)");
    s_f_str(&b, 3, "voter");
    s_f_str(&b, 3, s32);
    w = s_envelope(1, ENV_HELLO, &b);
    s_expect_fail(f, &w, NN_EPROTO, "hello: 'behaviours' is 32 bytes long (at most 31)");
    for (int i = 0; i <= NN_MAX_BEHAVIOURS; i++)
        s_f_str(&b, 3, "voter");
    w = s_envelope(1, ENV_HELLO, &b);
    s_expect_fail(f, &w, NN_EPROTO, "hello: 'behaviours' has 65 entries (at most 64)");

    s_f_str(&b, 1, s32);
    w = s_envelope(1, ENV_REJECT, &b);
    s_expect_fail(f, &w, NN_EPROTO, "reject: 'reason' is 32 bytes long");
    s_f_str(&b, 2, s256);
    w = s_envelope(1, ENV_REJECT, &b);
    s_expect_fail(f, &w, NN_EPROTO, "reject: 'detail' is 256 bytes long (at most 255)");
    s_f_str(&b, 1, s256);
    w = s_envelope(1, ENV_BYE, &b);
    s_expect_fail(f, &w, NN_EPROTO, "bye: 'reason' is 256 bytes long");
    s_f_varint(&b, 1, 4);
    s_f_str(&b, 2, s256);
    w = s_envelope(1, ENV_ERROR, &b);
    s_expect_fail(f, &w, NN_EPROTO, "error: 'message' is 256 bytes long");

    static const uint64_t off0[] = {0};
    b = s_welcome_body(0, off0, 1, NULL, 0, 1);
    s_pb_t p = {0};
    s_f_str(&p, 1, s32);
    s_f_sub(&b, 7, &p);
    w = s_envelope(1, ENV_WELCOME, &b);
    s_expect_fail(f, &w, NN_EPROTO, "welcome: 'behaviour' is 32 bytes long (at most 31)");
    b = s_welcome_body(0, off0, 1, NULL, 0, 1);
    s_f_str(&p, 2, s32);
    s_f_packed_double(&p, 3, (const double[]){1.0}, 1);
    s_f_sub(&b, 7, &p);
    w = s_envelope(1, ENV_WELCOME, &b);
    s_expect_fail(f, &w, NN_EPROTO, "welcome: 'param_name' is 32 bytes long");
}

/* The reason is cut to errlen - 1 bytes, and a NULL err is fine. */
static void test_error_text_bounds(void **state)
{
    s_fix_t *f = *state;
    s_pb_t w = s_envelope(1, 0, NULL);
    char small[8];
    memset(small, 'z', sizeof small);
    assert_int_equal(nn_codec_decode(f->c, w.p, w.len, &f->out, small, sizeof small), NN_EPROTO);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(nn_codec_decode(f->c, w.p, w.len, &f->out, NULL, 0), NN_EPROTO);
    assert_true(strlen(nn_codec_error(f->c)) > sizeof small);
    s_pb_free(&w);
    assert_int_equal(nn_codec_decode(f->c, "x", 1, NULL, NULL, 0), NN_EINVAL);
    assert_int_equal(nn_codec_decode(NULL, "x", 1, &f->out, f->err, sizeof f->err), NN_EINVAL);
    assert_int_equal(f->out.kind, NN_WIRE_NONE);
    assert_string_equal(nn_codec_error(NULL), "");
    nn_codec_destroy(NULL);
    nn_codec_t *none = NULL;
    nn_codec_destroy(&none);
}

/* ---- encode errors ------------------------------------------------------------------ */

static void s_expect_encode_fail(s_fix_t *f, const nn_wire_t *m, int code, const char *needle)
{
    const void *data = (const void *)1;
    size_t len = 1;
    int rc = nn_codec_encode(f->c, m, &data, &len);
    if (rc != code || !strstr(nn_codec_error(f->c), needle)) {
        print_error("encode gave %d '%s', expected %d with '%s'\n", rc, nn_codec_error(f->c), code,
                    needle);
        fail();
    }
    assert_null(data);
    assert_int_equal(len, 0);
}

static void test_encode_errors(void **state)
{
    s_fix_t *f = *state;
    /* descending offsets */
    nn_wire_t m = s_tick_msg(NULL);
    static const uint64_t bad_off[] = {2, 5, 4, 6, 6, 9, 9};
    m.u.tick.inbox_off = bad_off;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: 'inbox_off' descends at run 1 (4 after 5)");
    /* receivers out of order, inboxes out of order, a NaN */
    static const uint32_t recv[] = {10, 11, 12, 11, 14, 15};
    m = s_tick_msg(recv);
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: receivers do not ascend (11 after 12)");
    static const nn_delivery_t dl[] = {{4, 0, 0.5}, {1, 0, 0.5}};
    static const uint64_t off2[] = {0, 2};
    static const uint32_t r1[] = {3};
    m.u.tick.n_runs = 1;
    m.u.tick.receiver = r1;
    m.u.tick.inbox_off = off2;
    m.u.tick.deliveries = dl;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: the inbox of agent 3 is not in (from, seq)");
    static const nn_delivery_t dln[] = {{1, 0, 0.5}, {4, 0, NAN}};
    m.u.tick.deliveries = dln;
    s_expect_encode_fail(f, &m, NN_EINVAL, "not finite");

    /* actions not sorted by sender, NaN state, too many */
    static const nn_msg_t msgs[] = {{5, 1, 0.5}, {2, 1, 0.5}};
    nn_wire_t a;
    memset(&a, 0, sizeof a);
    a.kind = NN_WIRE_ACTIONS;
    a.u.actions.n_msgs = 2;
    a.u.actions.msgs = msgs;
    s_expect_encode_fail(f, &a, NN_EINVAL, "actions: messages are not sorted by sender");
    static const double st[] = {INFINITY};
    a.u.actions.n_msgs = 1;
    a.u.actions.n_state = 1;
    a.u.actions.state = st;
    s_expect_encode_fail(f, &a, NN_EINVAL, "actions: 'state' [0] is not finite");

    /* welcome: population index out of range, descending offsets, dim */
    nn_population_desc_t pops[2];
    s_fill_populations(pops);
    static const uint8_t pop[] = {0, 2};
    static const double wst[] = {0.5, 0.5};
    static const uint64_t woff[] = {0, 1, 0};
    static const uint32_t nbr[] = {1};
    nn_wire_t w;
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_WELCOME;
    w.u.welcome.dim = 1;
    w.u.welcome.agents_total = 2;
    w.u.welcome.n_populations = 2;
    w.u.welcome.populations = pops;
    w.u.welcome.n_agents = 2;
    w.u.welcome.population = pop;
    w.u.welcome.state = wst;
    w.u.welcome.nbr_off = woff;
    w.u.welcome.nbr = nbr;
    s_expect_encode_fail(f, &w, NN_EINVAL, "welcome: agent 1 has population 2");
    static const uint8_t pop_ok[] = {0, 1};
    w.u.welcome.population = pop_ok;
    s_expect_encode_fail(f, &w, NN_EINVAL, "welcome: 'nbr_off' descends at agent 1");
    w.u.welcome.dim = 3;
    s_expect_encode_fail(f, &w, NN_EINVAL, "welcome: 'dim' is 3");

    /* strings that are not terminated, an unknown kind */
    nn_wire_t h;
    memset(&h, 0, sizeof h);
    h.kind = NN_WIRE_HELLO;
    memset(h.u.hello.language, 'c', sizeof h.u.hello.language);
    s_expect_encode_fail(f, &h, NN_EINVAL, "hello: 'language' is not terminated");
    h.kind = NN_WIRE_NONE;
    s_expect_encode_fail(f, &h, NN_EINVAL, "unknown message kind");
    assert_int_equal(nn_codec_encode(f->c, NULL, NULL, NULL), NN_EINVAL);

    /* limits: the encoded size and the batch */
    s_bigtick_t b;
    s_bigtick_make(&b, 100, 10);
    s_limits(f, 1000, NN_CODEC_DEFAULT_MAX_BATCH, NN_CODEC_DEFAULT_MAX_AGENTS);
    s_expect_encode_fail(f, &b.msg, NN_ETOOBIG, "tick: ");
    assert_non_null(strstr(nn_codec_error(f->c), "('max_message_bytes')"));
    s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 999, NN_CODEC_DEFAULT_MAX_AGENTS);
    s_expect_encode_fail(f, &b.msg, NN_ETOOBIG,
                         "tick: 1000 deliveries exceed the limit of 999 ('max_batch')");
    s_bigtick_free(&b);
}

/* Bytes that protobuf-c would blow up into far more memory (each empty body field
 * allocates a whole Welcome struct) are refused before they take it. */
static void test_unpack_budget(void **state)
{
    s_fix_t *f = *state;
    s_pb_t w = {0};
    s_f_varint(&w, ENV_VERSION, 1);
    static const uint8_t empty_welcome[] = {ENV_WELCOME << 3 | 2, 0};
    for (int i = 0; i < 100000; i++)
        s_put(&w, empty_welcome, sizeof empty_welcome);
    s_expect_fail(f, &w, NN_ETOOBIG, "envelope: unpacking 200002 bytes needs more than");
    /* a few of them are merely a (bad) welcome */
    w = (s_pb_t){0};
    s_f_varint(&w, ENV_VERSION, 1);
    for (int i = 0; i < 3; i++)
        s_put(&w, empty_welcome, sizeof empty_welcome);
    s_expect_fail(f, &w, NN_EPROTO, "welcome: 'dim' is 0");
}

/* The encoder refuses what the decoder would refuse. */
static void test_encode_checks_what_decode_checks(void **state)
{
    s_fix_t *f = *state;
    nn_wire_t h;
    memset(&h, 0, sizeof h);
    h.kind = NN_WIRE_HELLO;
    h.u.hello.n_behaviours = NN_MAX_BEHAVIOURS + 1;
    s_expect_encode_fail(f, &h, NN_EINVAL, "hello: 'behaviours' has 65 entries");

    nn_population_desc_t pops[2];
    s_fill_populations(pops);
    static const uint8_t pop[] = {0, 1, 1};
    double st[] = {0.5, 0.5, 0.5};
    static const uint64_t off[] = {0, 1, 2, 3};
    uint32_t nbr[] = {1, 2, 0};
    uint32_t ids[] = {0, 1, 2};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_WELCOME;
    nn_welcome_t *w = &m.u.welcome;
    w->dim = 1;
    w->agents_total = 3;
    w->n_populations = 2;
    w->populations = pops;
    w->n_agents = 3;
    w->agent = ids;
    w->population = pop;
    w->state = st;
    w->nbr_off = off;
    w->nbr = nbr;
    const void *data;
    size_t len;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    ids[1] = 0;
    s_expect_encode_fail(f, &m, NN_EINVAL, "welcome: 'agent' does not ascend (0 after 0)");
    ids[1] = 1;
    ids[2] = 3;
    s_expect_encode_fail(f, &m, NN_EINVAL, "welcome: agent 3 is not below 'agents_total' 3");
    ids[2] = 2;
    nbr[1] = 7;
    s_expect_encode_fail(f, &m, NN_EINVAL, "welcome: neighbour 7 of agent 1");
    nbr[1] = 2;
    st[2] = NAN;
    s_expect_encode_fail(f, &m, NN_EINVAL, "welcome: the 'state' of agent 2 is not finite");
    st[2] = 0.5;
    w->liveness_s = INFINITY;
    s_expect_encode_fail(f, &m, NN_EINVAL, "welcome: 'liveness_s' is not finite");
    w->liveness_s = 1.0;
    pops[1].n_params = NN_MAX_PARAMS + 1;
    char needle[64];
    snprintf(needle, sizeof needle, "welcome: population 1 has %d parameters (at most %d)",
             NN_MAX_PARAMS + 1, NN_MAX_PARAMS);
    s_expect_encode_fail(f, &m, NN_EINVAL, needle);
    pops[1].n_params = 1;
    strcpy(pops[1].param_name[0], "x");
    pops[1].param_value[0] = NAN;
    s_expect_encode_fail(f, &m, NN_EINVAL, "parameter 'x' is not finite");
    pops[1].n_params = 0;
    w->population = NULL;
    s_expect_encode_fail(f, &m, NN_EINVAL, "welcome: 'population' is NULL for 3 agents");
    w->population = pop;
    w->n_populations = NN_MAX_POPULATIONS + 1;
    s_expect_encode_fail(f, &m, NN_EINVAL, "welcome: 65 populations");
    w->n_populations = 2;
    s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 1, 2);
    s_expect_encode_fail(f, &m, NN_ETOOBIG, "welcome: 3 agents exceed the limit of 2");

    static const nn_msg_t msgs[] = {{1, 2, 0.5}, {1, 3, NAN}};
    nn_wire_t a;
    memset(&a, 0, sizeof a);
    a.kind = NN_WIRE_ACTIONS;
    a.u.actions.n_msgs = 2;
    a.u.actions.msgs = msgs;
    s_expect_encode_fail(f, &a, NN_ETOOBIG, "actions: 2 messages exceed the limit of 1");
    a.u.actions.n_msgs = 1;
    a.u.actions.n_state = 3;
    a.u.actions.state = st;
    s_expect_encode_fail(f, &a, NN_ETOOBIG, "actions: 3 states exceed the limit of 2");
    s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 10, 10);
    a.u.actions.n_msgs = 2;
    s_expect_encode_fail(f, &a, NN_EINVAL, "actions: the value of message 1 (from 1)");
    a.u.actions.msgs = NULL;
    s_expect_encode_fail(f, &a, NN_EINVAL, "actions: 'msgs' is NULL");
}

/* ---- the fields of societies: trends, standing, flags, notices, acts, distributions --- */

/* What a coordinator stamps on a delivery goes through unchanged, bit for bit. */
static void test_roundtrip_delivery_fields(void **state)
{
    s_fix_t *f = *state;
    static const nn_delivery_t dl[] = {
        {.from = 1, .seq = 0, .value = 0.5, .trends = 0, .standing = 1.0f, .flags = 0},
        {.from = 2,
         .seq = 0,
         .value = 0.25,
         .trends = 1ULL << 63 | 5,
         .standing = 0.0f,
         .flags = NN_MSG_DEFECT},
        {.from = 3, .seq = 0, .value = 0.75, .trends = UINT64_MAX, .standing = 2.5f, .flags = 0},
        {.from = 0,
         .seq = 1,
         .value = 1.0,
         .trends = 2,
         .standing = 1e-30f,
         .flags = NN_MSG_DEFECT},
    };
    static const uint64_t off[] = {0, 3, 4};
    static const uint32_t recv[] = {5, 9};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_TICK;
    m.u.tick.n_runs = 2;
    m.u.tick.receiver = recv;
    m.u.tick.inbox_off = off;
    m.u.tick.deliveries = dl;
    s_roundtrip(f, &m);
    const nn_tick_t *t = &f->out.u.tick;
    s_check_decoded_tick(t);
    assert_true(t->inbox_off[2] == 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(t->deliveries[i].from, dl[i].from);
        assert_true(t->deliveries[i].trends == dl[i].trends);
        assert_memory_equal(&t->deliveries[i].standing, &dl[i].standing, sizeof(float));
        assert_int_equal(t->deliveries[i].flags, dl[i].flags);
    }
}

/* A delivery at the defaults (trends 0, standing 1, flags 0) costs no byte: the encoder
 * writes exactly what a v1 tick without those fields is, and each one that differs adds
 * its whole column (sizes below by hand: tag, length, entries). */
static void test_delivery_defaults_omitted(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t to[] = {1, 1, 2}, from[] = {4, 4, 6}, seq[] = {0, 1, 0};
    static const double value[] = {0.5, 0.25, 0.125};
    nn_delivery_t dl[3];
    for (int i = 0; i < 3; i++)
        dl[i] =
            (nn_delivery_t){.from = from[i], .seq = seq[i], .value = value[i], .standing = 1.0f};
    static const uint64_t off[] = {0, 2, 3};
    static const uint32_t recv[] = {1, 2};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_TICK;
    m.round = 7; /* as s_envelope writes */
    m.node = 3;
    m.u.tick.n_runs = 2;
    m.u.tick.receiver = recv;
    m.u.tick.inbox_off = off;
    m.u.tick.deliveries = dl;
    s_pb_t plain = s_tick_env(to, from, seq, value, 3);
    const void *data;
    size_t len;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, plain.len);
    assert_memory_equal(data, plain.p, len);
    /* and the plain tick decodes to the defaults */
    assert_int_equal(s_decode(f, &plain), NN_OK);
    for (int i = 0; i < 3; i++) {
        assert_true(f->out.u.tick.deliveries[i].trends == 0);
        assert_true(f->out.u.tick.deliveries[i].standing == 1.0f);
        assert_int_equal(f->out.u.tick.deliveries[i].flags, 0);
    }
    size_t base = plain.len;
    s_pb_free(&plain);

    dl[1].standing = 0.5f; /* standing: 1 + 1 + 3 * 4 bytes */
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, base + 14);
    s_roundtrip(f, &m);
    assert_true(f->out.u.tick.deliveries[0].standing == 1.0f);
    assert_true(f->out.u.tick.deliveries[1].standing == 0.5f);
    assert_true(f->out.u.tick.deliveries[2].standing == 1.0f);
    dl[1].standing = 1.0f;
    dl[2].flags = NN_MSG_DEFECT; /* flags: 1 + 1 + 3 one-byte varints */
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, base + 5);
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.tick.deliveries[0].flags, 0);
    assert_int_equal(f->out.u.tick.deliveries[2].flags, NN_MSG_DEFECT);
    dl[2].flags = 0;
    dl[0].trends = 1ULL << 40; /* trends: 1 + 1 + (6 + 1 + 1): 2^40 takes 41 bits, 6 varint bytes */
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, base + 10);
    s_roundtrip(f, &m);
    assert_true(f->out.u.tick.deliveries[0].trends == 1ULL << 40);
    assert_true(f->out.u.tick.deliveries[1].trends == 0);
}

static void test_delivery_field_checks(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t to[] = {1, 1, 2}, from[] = {4, 5, 6}, seq[] = {0, 0, 0};
    static const double value[] = {0.5, 0.25, 0.125};
    static const uint64_t tr[] = {1, 2, 3};
    static const float st[] = {1.0f, 1.0f, 1.0f};
    static const uint32_t fl[] = {0, 1, 0};
    s_pb_t b, w;
    /* columns of the wrong length */
    b = s_tick_body(to, 3, from, 3, seq, 3, value, 3);
    s_f_packed_u64(&b, TICK_TRENDS, tr, 2);
    w = s_envelope(1, ENV_TICK, &b);
    s_expect_fail(f, &w, NN_EPROTO, "tick: 'trends' has 2 entries but 'to' has 3 (0 or as many)");
    b = s_tick_body(to, 3, from, 3, seq, 3, value, 3);
    s_f_packed_float(&b, TICK_STANDING, st, 1);
    w = s_envelope(1, ENV_TICK, &b);
    s_expect_fail(f, &w, NN_EPROTO, "tick: 'standing' has 1 entries but 'to' has 3");
    b = s_tick_body(to, 3, from, 3, seq, 3, value, 3);
    s_f_packed_u32(&b, TICK_FLAGS, fl, 3);
    s_f_packed_u32(&b, TICK_FLAGS, fl, 1); /* appended: 4 entries */
    w = s_envelope(1, ENV_TICK, &b);
    s_expect_fail(f, &w, NN_EPROTO, "tick: 'flags' has 4 entries but 'to' has 3");
    b = (s_pb_t){0}; /* no deliveries, yet a column */
    s_f_packed_float(&b, TICK_STANDING, st, 1);
    w = s_envelope(1, ENV_TICK, &b);
    s_expect_fail(f, &w, NN_EPROTO, "tick: 'standing' has 1 entries but 'to' has 0");
    /* a standing that is negative, NaN or infinite; flags that v1 does not know */
    const float bad_st[] = {-0.5f, NAN, INFINITY};
    const char *const st_needle[] = {
        "tick: 'standing' [1] (from 5 to 1) is -0.5 (must be finite and >= 0)",
        "tick: 'standing' [1] (from 5 to 1) is nan",
        "tick: 'standing' [1] (from 5 to 1) is inf",
    };
    for (int k = 0; k < 3; k++) {
        float v[] = {1.0f, bad_st[k], 1.0f};
        b = s_tick_body(to, 3, from, 3, seq, 3, value, 3);
        s_f_packed_float(&b, TICK_STANDING, v, 3);
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_EPROTO, st_needle[k]);
    }
    static const uint32_t bad_fl[] = {0, 0, 2};
    b = s_tick_body(to, 3, from, 3, seq, 3, value, 3);
    s_f_packed_u32(&b, TICK_FLAGS, bad_fl, 3);
    w = s_envelope(1, ENV_TICK, &b);
    s_expect_fail(f, &w, NN_EPROTO,
                  "tick: 'flags' [2] (from 6 to 2) is 0x2 (protocol v1 knows only 0x1)");
    /* -0 is a standing of 0, which is allowed, as is a huge one */
    const float ok_st[] = {-0.0f, 0.0f, 3e38f};
    b = s_tick_body(to, 3, from, 3, seq, 3, value, 3);
    s_f_packed_float(&b, TICK_STANDING, ok_st, 3);
    w = s_envelope(1, ENV_TICK, &b);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    assert_true(f->out.u.tick.deliveries[2].standing == 3e38f);

    /* the encoder refuses the same */
    nn_delivery_t dl[] = {{.from = 4, .standing = 1.0f}, {.from = 5, .standing = -1.0f}};
    static const uint64_t off[] = {0, 2};
    static const uint32_t recv[] = {1};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_TICK;
    m.u.tick.n_runs = 1;
    m.u.tick.receiver = recv;
    m.u.tick.inbox_off = off;
    m.u.tick.deliveries = dl;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "tick: the 'standing' of delivery 1 (from 5 seq 0 to 1) is -1");
    dl[1].standing = NAN;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: the 'standing' of delivery 1");
    dl[1].standing = 1.0f;
    dl[0].flags = NN_MSG_DEFECT | 0x80u;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "tick: the 'flags' of delivery 0 (from 4 seq 0 to 1) are 0x81");
}

/* Notices of every kind, with the extremes of each field; `other` NN_NO_AGENT too. */
static const uint32_t s_nto[] = {3, 3, 8, 8, 8, 9};
static const nn_notice_t s_nt[] = {
    {.kind = NN_NOTICE_SANCTION, .other = 2, .arg = 1, .value = 0.25},
    {.kind = NN_NOTICE_CASE,
     .protocol = 4,
     .case_id = 17,
     .other = NN_NO_AGENT,
     .arg = NN_PART_PARTY,
     .value = 0.3,
     .value2 = -0.0},
    {.kind = NN_NOTICE_VOTE, .case_id = 17, .other = 0, .arg = 5, .value = 0.0, .value2 = 1.0},
    {.kind = NN_NOTICE_TREND, .other = NN_NO_AGENT, .arg = 63},
    {.kind = NN_NOTICE_VERDICT,
     .protocol = UINT16_MAX,
     .case_id = UINT32_MAX,
     .other = UINT32_MAX - 1,
     .arg = NN_OUTCOME_IMPOSED,
     .value = -1e300,
     .value2 = 5e-324},
    {.kind = NN_NOTICE_BLOCKED, .other = NN_NO_AGENT, .arg = 2, .value = 3.0},
};

static void s_check_notices(const nn_tick_t *t)
{
    assert_int_equal(t->n_notices, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(t->notice_to[i], s_nto[i]);
        const nn_notice_t *a = &t->notices[i], *b = &s_nt[i];
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->protocol, b->protocol);
        assert_int_equal(a->case_id, b->case_id);
        assert_int_equal(a->other, b->other);
        assert_int_equal(a->arg, b->arg);
        assert_memory_equal(&a->value, &b->value, sizeof(double));
        assert_memory_equal(&a->value2, &b->value2, sizeof(double));
    }
}

static void test_roundtrip_notices(void **state)
{
    s_fix_t *f = *state;
    /* with deliveries */
    nn_wire_t m = s_tick_msg(NULL);
    m.u.tick.n_notices = 6;
    m.u.tick.notice_to = s_nto;
    m.u.tick.notices = s_nt;
    s_roundtrip(f, &m);
    s_check_decoded_tick(&f->out.u.tick);
    assert_int_equal(f->out.u.tick.n_runs, 3);
    s_check_notices(&f->out.u.tick);
    /* without any (no runs, no offsets) */
    memset(&m.u.tick, 0, sizeof m.u.tick);
    m.u.tick.n_notices = 6;
    m.u.tick.notice_to = s_nto;
    m.u.tick.notices = s_nt;
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.tick.n_runs, 0);
    s_check_notices(&f->out.u.tick);
    /* notices survive a decode of another kind */
    static const nn_msg_t msgs[] = {{1, 2, 0.5}};
    nn_wire_t a;
    memset(&a, 0, sizeof a);
    a.kind = NN_WIRE_ACTIONS;
    a.u.actions.n_msgs = 1;
    a.u.actions.msgs = msgs;
    nn_tick_t kept = f->out.u.tick;
    s_roundtrip(f, &a);
    s_check_notices(&kept);
    /* none at all */
    m = s_tick_msg(NULL);
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.tick.n_notices, 0);
}

/* On the wire `other` is the id + 1 (mod 2^32), 0 for none: checked on hand-made bytes. */
static void test_notice_wire_form(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t to[] = {4, 4, 4}, kind[] = {NN_NOTICE_PROPOSAL, NN_NOTICE_OFFER, 10};
    static const uint32_t protocol[] = {2, 3, 0}, case_id[] = {1, 2, 0};
    static const uint32_t other[] = {0, 1, 7}, arg[] = {0, 0, 9};
    static const double value[] = {0.5, 0.25, 0.0}, value2[] = {0.0, 0.75, 0.0};
    s_pb_t b = {0};
    s_notice_cols(&b, to, kind, protocol, case_id, other, arg, value, value2, 3);
    s_pb_t w = s_envelope(1, ENV_TICK, &b);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    const nn_tick_t *t = &f->out.u.tick;
    assert_int_equal(t->n_runs, 0);
    assert_int_equal(t->n_notices, 3);
    assert_int_equal(t->notices[0].other, NN_NO_AGENT);
    assert_int_equal(t->notices[1].other, 0);
    assert_int_equal(t->notices[2].other, 6);
    assert_int_equal(t->notices[2].kind, NN_NOTICE_TREND);
    assert_int_equal(t->notices[1].protocol, 3);
    assert_true(t->notices[1].value2 == 0.75);
}

static void test_notice_checks(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t to[] = {3, 5, 5}, kind[] = {1, 2, 3}, zero[] = {0, 0, 0};
    static const double v[] = {0.5, 0.5, 0.5};
    s_pb_t b, w;
    { /* one column short, one too long */
        b = (s_pb_t){0};
        s_notice_cols(&b, to, kind, zero, zero, zero, zero, v, v, 3);
        s_f_packed_double(&b, TICK_NOTICE_VALUE2, v, 1); /* appended: 4 entries */
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "tick: 'notice_value2' has 4 entries but 'notice_to' has 3");
        b = (s_pb_t){0};
        s_f_packed_u32(&b, TICK_NOTICE_TO, to, 3);
        s_f_packed_u32(&b, TICK_NOTICE_KIND, kind, 3);
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "tick: 'notice_protocol' has 0 entries but 'notice_to' has 3");
        b = (s_pb_t){0};
        s_f_packed_u32(&b, TICK_NOTICE_ARG, kind, 2);
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_EPROTO, "tick: 'notice_arg' has 2 entries but 'notice_to' has 0");
    }
    { /* kinds outside 1 .. NN_NOTICE_KINDS - 1 */
        const uint32_t bad[] = {0, NN_NOTICE_KINDS, 1000};
        for (int k = 0; k < 3; k++) {
            uint32_t kd[] = {1, bad[k], 3};
            char needle[96];
            snprintf(needle, sizeof needle,
                     "tick: 'notice_kind' [1] (to 5) is %u (kinds are 1..%d)", bad[k],
                     NN_NOTICE_KINDS - 1);
            b = (s_pb_t){0};
            s_notice_cols(&b, to, kd, zero, zero, zero, zero, v, v, 3);
            w = s_envelope(1, ENV_TICK, &b);
            s_expect_fail(f, &w, NN_EPROTO, needle);
        }
    }
    { /* a protocol past uint16 */
        static const uint32_t pr[] = {0, 0, 65536};
        b = (s_pb_t){0};
        s_notice_cols(&b, to, kind, pr, zero, zero, zero, v, v, 3);
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "tick: 'notice_protocol' [2] (to 5) is 65536 (at most 65535)");
    }
    { /* values that are not finite */
        double nan_v[] = {0.5, NAN, 0.5}, inf_v[] = {-INFINITY, 0.5, 0.5};
        b = (s_pb_t){0};
        s_notice_cols(&b, to, kind, zero, zero, zero, zero, nan_v, v, 3);
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_EPROTO, "tick: 'notice_value' [1] (to 5) is not finite");
        b = (s_pb_t){0};
        s_notice_cols(&b, to, kind, zero, zero, zero, zero, v, inf_v, 3);
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_EPROTO, "tick: 'notice_value2' [0] (to 3) is not finite");
    }
    { /* receivers that descend (a repeated one is fine, see above) */
        static const uint32_t down[] = {3, 5, 4};
        b = (s_pb_t){0};
        s_notice_cols(&b, down, kind, zero, zero, zero, zero, v, v, 3);
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_EPROTO, "tick: 'notice_to' descends at notice 2 (4 after 5)");
    }
    { /* more notices than max_batch (deliveries and notices are counted apart) */
        s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 2, NN_CODEC_DEFAULT_MAX_AGENTS);
        b = (s_pb_t){0};
        s_notice_cols(&b, to, kind, zero, zero, zero, zero, v, v, 2);
        w = s_envelope(1, ENV_TICK, &b);
        assert_int_equal(s_decode(f, &w), NN_OK);
        s_pb_free(&w);
        b = s_tick_body(to, 2, zero, 2, zero, 2, v, 2);
        s_notice_cols(&b, to, kind, zero, zero, zero, zero, v, v, 2);
        w = s_envelope(1, ENV_TICK, &b);
        assert_int_equal(s_decode(f, &w), NN_OK);
        s_pb_free(&w);
        b = (s_pb_t){0};
        s_notice_cols(&b, to, kind, zero, zero, zero, zero, v, v, 3);
        w = s_envelope(1, ENV_TICK, &b);
        s_expect_fail(f, &w, NN_ETOOBIG, "tick: 3 notices exceed the limit of 2 ('max_batch')");
    }

    /* the encoder refuses the same */
    s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 5, NN_CODEC_DEFAULT_MAX_AGENTS);
    nn_notice_t nt[6];
    memcpy(nt, s_nt, sizeof nt);
    uint32_t nto[6];
    memcpy(nto, s_nto, sizeof nto);
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_TICK;
    m.u.tick.n_notices = 6;
    m.u.tick.notice_to = nto;
    m.u.tick.notices = nt;
    s_expect_encode_fail(f, &m, NN_ETOOBIG, "tick: 6 notices exceed the limit of 5 ('max_batch')");
    s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 6, NN_CODEC_DEFAULT_MAX_AGENTS);
    nto[3] = 7;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: 'notice_to' descends at notice 3 (7 after 8)");
    nto[3] = 8;
    nt[4].kind = NN_NOTICE_NONE;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: notice 4 (to 8) has kind 0 (kinds are 1..10)");
    nt[4].kind = NN_NOTICE_KINDS;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: notice 4 (to 8) has kind 11");
    nt[4].kind = NN_NOTICE_VERDICT;
    nt[5].value2 = NAN;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "tick: the 'value2' of notice 5 (to 9, kind 1) is not finite");
    nt[5].value2 = 0.0;
    nt[0].value = INFINITY;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: the 'value' of notice 0 (to 3, kind 2)");
    nt[0].value = 0.25;
    m.u.tick.notices = NULL;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: 'notices' is NULL for 6 notices");
    m.u.tick.notices = nt;
    m.u.tick.notice_to = NULL;
    s_expect_encode_fail(f, &m, NN_EINVAL, "tick: 'notice_to' is NULL for 6 notices");
    m.u.tick.notice_to = nto;
    s_roundtrip(f, &m);
    s_check_notices(&f->out.u.tick);
}

/* Hostility and flags follow their message, in order and reordered. */
static void test_roundtrip_message_fields(void **state)
{
    s_fix_t *f = *state;
    static const nn_msg_t msgs[] = {
        {.from = 2, .to = 5, .value = 0.5, .hostility = 0.0f, .flags = 0},
        {.from = 2, .to = 7, .value = 0.25, .hostility = 1.0f, .flags = NN_MSG_DEFECT},
        {.from = 3, .to = 1, .value = -2.0, .hostility = 0.375f, .flags = 0},
        {.from = 9, .to = 0, .value = 1.0, .hostility = 1e-20f, .flags = NN_MSG_DEFECT},
    };
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ACTIONS;
    m.u.actions.n_msgs = 4;
    m.u.actions.msgs = msgs;
    s_roundtrip(f, &m);
    const nn_actions_t *a = &f->out.u.actions;
    s_check_decoded_actions(a);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(a->msgs[i].to, msgs[i].to);
        assert_memory_equal(&a->msgs[i].hostility, &msgs[i].hostility, sizeof(float));
        assert_int_equal(a->msgs[i].flags, msgs[i].flags);
    }

    /* at the defaults the bytes are those of a v1 actions without the columns */
    static const nn_msg_t plain[] = {{2, 5, 0.5}, {2, 7, 0.25}, {3, 1, -2.0}};
    static const uint32_t from[] = {2, 2, 3}, to[] = {5, 7, 1}, seq[] = {0, 1, 0};
    static const double value[] = {0.5, 0.25, -2.0};
    m.round = 7;
    m.node = 3;
    m.u.actions.n_msgs = 3;
    m.u.actions.msgs = plain;
    m.u.actions.digest = 0x0123456789abcdefULL;
    s_pb_t want = s_actions_env(from, to, seq, value, 3, NULL, 0);
    const void *data;
    size_t len;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, want.len);
    assert_memory_equal(data, want.p, len);
    s_pb_free(&want);

    /* reordered: (from, seq) sorts, and each message's hostility and flags go with it */
    static const uint32_t sfrom[] = {7, 2, 7, 2, 5, 2};
    static const uint32_t sto[] = {71, 22, 70, 20, 50, 21};
    static const uint32_t sseq[] = {1, 2, 0, 0, 0, 1};
    static const double svalue[] = {0.71, 0.22, 0.70, 0.20, 0.50, 0.21};
    static const float shost[] = {0.875f, 0.25f, 0.5f, 0.0f, 1.0f, 0.125f};
    static const uint32_t sflags[] = {1, 0, 0, 1, 1, 0};
    s_pb_t b = s_actions_body(sfrom, sto, sseq, svalue, 6, NULL, 0);
    s_f_packed_float(&b, ACT_HOSTILITY, shost, 6);
    s_f_packed_u32(&b, ACT_FLAGS, sflags, 6);
    s_pb_t w = s_envelope(1, ENV_ACTIONS, &b);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    static const uint32_t wto[] = {20, 21, 22, 50, 70, 71};
    static const float whost[] = {0.0f, 0.125f, 0.25f, 1.0f, 0.5f, 0.875f};
    static const uint32_t wflags[] = {1, 0, 0, 1, 0, 1};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(a->msgs[i].to, wto[i]);
        assert_true(a->msgs[i].hostility == whost[i]);
        assert_int_equal(a->msgs[i].flags, wflags[i]);
    }
    /* either column alone, the other empty (all 0) */
    b = s_actions_body(sfrom, sto, sseq, svalue, 6, NULL, 0);
    s_f_packed_u32(&b, ACT_FLAGS, sflags, 6);
    w = s_envelope(1, ENV_ACTIONS, &b);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    for (size_t i = 0; i < 6; i++) {
        assert_true(a->msgs[i].hostility == 0.0f);
        assert_int_equal(a->msgs[i].flags, wflags[i]);
    }
}

static void test_message_field_checks(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t from[] = {3, 3, 5}, to[] = {1, 2, 3}, seq[] = {0, 1, 0};
    static const double v[] = {0.1, 0.2, 0.3};
    static const float h[] = {0.5f, 0.5f, 0.5f};
    static const uint32_t fl[] = {1, 1, 1};
    s_pb_t b, w;
    b = s_actions_body(from, to, seq, v, 3, NULL, 0);
    s_f_packed_float(&b, ACT_HOSTILITY, h, 2);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO,
                  "actions: 'hostility' has 2 entries but 'from' has 3 (0 or as many)");
    b = s_actions_body(from, to, seq, v, 3, NULL, 0);
    s_f_packed_u32(&b, ACT_FLAGS, fl, 3);
    s_f_packed_u32(&b, ACT_FLAGS, fl, 3);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'flags' has 6 entries but 'from' has 3");
    const float bad_h[] = {-0.25f, 1.5f, NAN, INFINITY};
    const char *const h_needle[] = {
        "actions: 'hostility' [1] (from 3 seq 1) is -0.25 (must be in [0, 1])",
        "actions: 'hostility' [1] (from 3 seq 1) is 1.5",
        "actions: 'hostility' [1] (from 3 seq 1) is nan",
        "actions: 'hostility' [1] (from 3 seq 1) is inf",
    };
    for (int k = 0; k < 4; k++) {
        float hv[] = {0.5f, bad_h[k], 0.5f};
        b = s_actions_body(from, to, seq, v, 3, NULL, 0);
        s_f_packed_float(&b, ACT_HOSTILITY, hv, 3);
        w = s_envelope(1, ENV_ACTIONS, &b);
        s_expect_fail(f, &w, NN_EPROTO, h_needle[k]);
    }
    static const uint32_t bad_fl[] = {1, 0, 3};
    b = s_actions_body(from, to, seq, v, 3, NULL, 0);
    s_f_packed_u32(&b, ACT_FLAGS, bad_fl, 3);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO,
                  "actions: 'flags' [2] (from 5 seq 0) is 0x3 (protocol v1 knows only 0x1)");
    /* checked before reordering: the index is the one on the wire */
    static const uint32_t ufrom[] = {5, 3, 3}, useq[] = {0, 1, 0};
    static const float uh[] = {0.0f, 0.0f, 2.0f};
    b = s_actions_body(ufrom, to, useq, v, 3, NULL, 0);
    s_f_packed_float(&b, ACT_HOSTILITY, uh, 3);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'hostility' [2] (from 3 seq 0) is 2");

    /* the encoder refuses the same */
    nn_msg_t msgs[] = {{.from = 1, .to = 2, .value = 0.5}, {.from = 1, .to = 3, .value = 0.5}};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ACTIONS;
    m.u.actions.n_msgs = 2;
    m.u.actions.msgs = msgs;
    msgs[1].hostility = 1.0001f;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "actions: the 'hostility' of message 1 (from 1) is 1.0001 (must be in");
    msgs[1].hostility = -NAN;
    s_expect_encode_fail(f, &m, NN_EINVAL, "actions: the 'hostility' of message 1 (from 1)");
    msgs[1].hostility = 1.0f;
    msgs[0].flags = 4;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "actions: the 'flags' of message 0 (from 1) are 0x4 (protocol v1 knows "
                         "only 0x1)");
}

/* Trends and memory per hosted agent: NULL and all-zero travel as nothing and come back
 * as NULL; anything else comes back exactly. */
static void test_roundtrip_agent_words(void **state)
{
    s_fix_t *f = *state;
    static const double st[] = {0.5, 0.25, 0.75};
    static const uint64_t trends[] = {0, 1, UINT64_MAX};
    static const uint64_t memory[] = {0xdeadbeefcafef00dULL, 0, 1ULL << 63};
    static const uint64_t zeros[] = {0, 0, 0};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ACTIONS;
    m.u.actions.n_state = 3;
    m.u.actions.state = st;
    s_roundtrip(f, &m);
    assert_null(f->out.u.actions.trends);
    assert_null(f->out.u.actions.memory);
    const void *data;
    size_t len;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    size_t base = len;
    m.u.actions.trends = zeros;
    m.u.actions.memory = zeros;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, base);
    s_roundtrip(f, &m);
    assert_null(f->out.u.actions.trends);
    assert_null(f->out.u.actions.memory);
    m.u.actions.trends = trends; /* 1 + 1 + (1 + 1 + 10) */
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, base + 14);
    m.u.actions.memory = memory; /* fixed64: 1 + 1 + 3 * 8 */
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, base + 14 + 26);
    s_roundtrip(f, &m);
    const nn_actions_t *a = &f->out.u.actions;
    assert_non_null(a->trends);
    assert_non_null(a->memory);
    for (size_t i = 0; i < 3; i++) {
        assert_true(a->trends[i] == trends[i]);
        assert_true(a->memory[i] == memory[i]);
    }
    m.u.actions.trends = NULL;
    s_roundtrip(f, &m);
    assert_null(f->out.u.actions.trends);
    assert_true(f->out.u.actions.memory[2] == 1ULL << 63);

    /* the wire forms: trends as varints, memory as fixed64, each 0 or one per state */
    s_pb_t b = s_actions_body(NULL, NULL, NULL, NULL, 0, st, 3);
    s_f_packed_u64(&b, ACT_TRENDS, trends, 3);
    s_f_packed_fixed64(&b, ACT_MEMORY, memory, 3);
    s_pb_t w = s_envelope(1, ENV_ACTIONS, &b);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    assert_true(a->trends[2] == UINT64_MAX);
    assert_true(a->memory[0] == 0xdeadbeefcafef00dULL);
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, st, 3);
    s_f_packed_u64(&b, ACT_TRENDS, trends, 2);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO,
                  "actions: 'trends' has 2 entries but 'state' has 3 (0 or as many)");
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, st, 2);
    s_f_packed_fixed64(&b, ACT_MEMORY, memory, 3);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'memory' has 3 entries but 'state' has 2");
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
    s_f_packed_fixed64(&b, ACT_MEMORY, memory, 1);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'memory' has 1 entries but 'state' has 0");
}

/* Acts of several agents, an agent's in the order made; `other` NN_NO_AGENT too. */
static const nn_act_t s_acts[] = {
    {.agent = 0, .kind = NN_ACT_COMPLAIN, .case_id = 0, .other = 4, .value = 0.25},
    {.agent = 4, .kind = NN_ACT_VOTE, .case_id = 12, .other = NN_NO_AGENT, .value = 0.75},
    {.agent = 4, .kind = NN_ACT_ACCEPT, .case_id = 3, .other = NN_NO_AGENT, .value = 1.0},
    {.agent = 4, .kind = NN_ACT_OFFER, .case_id = 3, .other = 0, .value = -0.0},
    {.agent = UINT32_MAX - 1,
     .kind = NN_ACT_COMPLY,
     .case_id = UINT32_MAX,
     .other = UINT32_MAX - 1,
     .value = 0.0},
};

static void test_roundtrip_acts(void **state)
{
    s_fix_t *f = *state;
    static const nn_msg_t msgs[] = {{1, 2, 0.5}};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ACTIONS;
    m.u.actions.n_msgs = 1;
    m.u.actions.msgs = msgs;
    m.u.actions.n_acts = 5;
    m.u.actions.acts = s_acts;
    s_roundtrip(f, &m);
    const nn_actions_t *a = &f->out.u.actions;
    s_check_decoded_actions(a);
    assert_int_equal(a->n_msgs, 1);
    assert_int_equal(a->n_acts, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(a->acts[i].agent, s_acts[i].agent);
        assert_int_equal(a->acts[i].kind, s_acts[i].kind);
        assert_int_equal(a->acts[i].case_id, s_acts[i].case_id);
        assert_int_equal(a->acts[i].other, s_acts[i].other);
        assert_memory_equal(&a->acts[i].value, &s_acts[i].value, sizeof(double));
    }
    /* no acts */
    m.u.actions.n_acts = 0;
    m.u.actions.acts = NULL;
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.actions.n_acts, 0);

    /* the wire form of other: id + 1, 0 for none */
    static const uint32_t agent[] = {2, 2}, kind[] = {NN_ACT_COMPLAIN, NN_ACT_COMPLY};
    static const uint32_t case_id[] = {0, 9}, other[] = {6, 0};
    static const double value[] = {0.5, 1.0};
    s_pb_t b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
    s_act_cols(&b, agent, kind, case_id, other, value, 2);
    s_pb_t w = s_envelope(1, ENV_ACTIONS, &b);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    assert_int_equal(a->n_acts, 2);
    assert_int_equal(a->acts[0].other, 5);
    assert_int_equal(a->acts[1].other, NN_NO_AGENT);
    assert_int_equal(a->acts[1].case_id, 9);
}

static void test_act_checks(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t agent[] = {1, 1, 4}, kind[] = {1, 2, 5}, zero[] = {0, 0, 0};
    static const double v[] = {0.5, 0.5, 0.5};
    s_pb_t b, w;
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
    s_act_cols(&b, agent, kind, zero, zero, v, 3);
    s_f_packed_u32(&b, ACT_CASE, zero, 1); /* appended: 4 entries */
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'act_case' has 4 entries but 'act_agent' has 3");
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
    s_f_packed_u32(&b, ACT_AGENT, agent, 3);
    s_f_packed_u32(&b, ACT_KIND, kind, 3);
    s_f_packed_u32(&b, ACT_CASE, zero, 3);
    s_f_packed_u32(&b, ACT_OTHER, zero, 3);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'act_value' has 0 entries but 'act_agent' has 3");
    const uint32_t bad[] = {0, NN_ACT_KINDS, UINT32_MAX};
    for (int k = 0; k < 3; k++) {
        uint32_t kd[] = {1, 1, bad[k]};
        char needle[96];
        snprintf(needle, sizeof needle, "actions: 'act_kind' [2] (agent 4) is %u (kinds are 1..%d)",
                 bad[k], NN_ACT_KINDS - 1);
        b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
        s_act_cols(&b, agent, kd, zero, zero, v, 3);
        w = s_envelope(1, ENV_ACTIONS, &b);
        s_expect_fail(f, &w, NN_EPROTO, needle);
    }
    double nv[] = {0.5, NAN, 0.5};
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
    s_act_cols(&b, agent, kind, zero, zero, nv, 3);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'act_value' [1] (agent 1) is not finite");
    static const uint32_t down[] = {4, 4, 1};
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
    s_act_cols(&b, down, kind, zero, zero, v, 3);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_EPROTO, "actions: 'act_agent' descends at act 2 (1 after 4)");
    s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 2, NN_CODEC_DEFAULT_MAX_AGENTS);
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
    s_act_cols(&b, agent, kind, zero, zero, v, 2);
    w = s_envelope(1, ENV_ACTIONS, &b);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    b = s_actions_body(NULL, NULL, NULL, NULL, 0, NULL, 0);
    s_act_cols(&b, agent, kind, zero, zero, v, 3);
    w = s_envelope(1, ENV_ACTIONS, &b);
    s_expect_fail(f, &w, NN_ETOOBIG, "actions: 3 acts exceed the limit of 2 ('max_batch')");

    /* the encoder refuses the same */
    nn_act_t acts[5];
    memcpy(acts, s_acts, sizeof acts);
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ACTIONS;
    m.u.actions.n_acts = 5;
    m.u.actions.acts = acts;
    s_expect_encode_fail(f, &m, NN_ETOOBIG, "actions: 5 acts exceed the limit of 2 ('max_batch')");
    s_limits(f, NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, 5, NN_CODEC_DEFAULT_MAX_AGENTS);
    acts[2].agent = 3;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "actions: acts are not sorted by agent (act 2 of agent 3 after one of "
                         "agent 4)");
    acts[2].agent = 4;
    acts[1].kind = NN_ACT_NONE;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "actions: act 1 (of agent 4) has kind 0 (kinds are 1..5)");
    acts[1].kind = NN_ACT_KINDS;
    s_expect_encode_fail(f, &m, NN_EINVAL, "actions: act 1 (of agent 4) has kind 6");
    acts[1].kind = NN_ACT_VOTE;
    acts[3].value = -INFINITY;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "actions: the value of act 3 (of agent 4) is not finite");
    acts[3].value = 0.0;
    m.u.actions.acts = NULL;
    s_expect_encode_fail(f, &m, NN_EINVAL, "actions: 'acts' is NULL for 5 acts");
}

/* Parameters drawn per agent: the distribution and its second number round-trip; all
 * constants leave both columns off the wire. */
static void test_roundtrip_param_dist(void **state)
{
    s_fix_t *f = *state;
    nn_population_desc_t pops[2];
    s_fill_populations(pops);
    pops[1].n_params = NN_MAX_PARAMS; /* the most a population may have */
    for (int k = 0; k < NN_MAX_PARAMS; k++) {
        snprintf(pops[1].param_name[k], NN_NAME_MAX, "p%d", k);
        pops[1].param_value[k] = 0.125 * k;
        pops[1].param_dist[k] = (uint8_t)(k % 3);
        pops[1].param_b[k] = k % 3 == NN_DIST_CONSTANT ? 0.0 : 0.125 * k + 0.5;
    }
    pops[1].param_dist[4] = NN_DIST_UNIFORM; /* a uniform of width 0 */
    pops[1].param_b[4] = pops[1].param_value[4];
    pops[1].param_dist[5] = NN_DIST_NORMAL; /* a normal of deviation 0 */
    pops[1].param_b[5] = 0.0;
    static const uint8_t pop[] = {1};
    static const double st[] = {0.5};
    static const uint64_t off[] = {0, 0};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_WELCOME;
    nn_welcome_t *w = &m.u.welcome;
    w->agents_total = 1;
    w->dim = 1;
    w->n_populations = 2;
    w->populations = pops;
    w->n_agents = 1;
    w->population = pop;
    w->state = st;
    w->nbr_off = off;
    s_roundtrip(f, &m);
    static const uint32_t ids[] = {0};
    s_check_welcome(&f->out.u.welcome, w, ids);
    const nn_population_desc_t *g = &f->out.u.welcome.populations[1];
    assert_int_equal(g->param_dist[4], NN_DIST_UNIFORM);
    assert_true(g->param_b[4] == 0.5); /* 0.125 * 4: its own value */
    assert_int_equal(g->param_dist[5], NN_DIST_NORMAL);
    assert_int_equal(g->param_dist[15], NN_DIST_CONSTANT);
    assert_true(g->param_b[14] == 0.125 * 14 + 0.5);

    /* all constant: the same bytes as without any distribution, whatever pops[1] held */
    const void *data;
    size_t len;
    pops[1].n_params = 0;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    size_t base = len;
    pops[1].n_params = 2;
    memset(pops[1].param_dist, 0, sizeof pops[1].param_dist);
    memset(pops[1].param_b, 0, sizeof pops[1].param_b);
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    /* two names "p0", "p1" (1 + 1 + 2 each) and two doubles (1 + 1 + 16) */
    assert_int_equal(len, base + 8 + 18);
    s_roundtrip(f, &m);
    g = &f->out.u.welcome.populations[1];
    assert_int_equal(g->param_dist[0], NN_DIST_CONSTANT);
    assert_int_equal(g->param_dist[1], NN_DIST_CONSTANT);
    assert_true(g->param_b[1] == 0.0);
    /* only param_b set (a constant's b is carried, though nothing reads it) */
    pops[1].param_b[1] = 2.0;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, base + 8 + 18 + 18);
    s_roundtrip(f, &m);
    assert_true(f->out.u.welcome.populations[1].param_b[1] == 2.0);
}

static void test_param_dist_checks(void **state)
{
    s_fix_t *f = *state;
    static const uint64_t off0[] = {0};
    static const double val[] = {0.5, 0.5};
    struct {
        uint32_t dist[2];
        size_t n_dist;
        double b[2];
        size_t n_b;
        const char *needle;
    } bad[] = {
        {{0, 0},
         1,
         {0},
         0,
         "population 1: 'param_dist' has 1 entries but 'param_name' has 2 (0 or "
         "as many)"},
        {{0}, 0, {1, 1}, 1, "population 1: 'param_b' has 1 entries but 'param_name' has 2"},
        {{0, 3},
         2,
         {0},
         0,
         "population 1: 'param_dist' [1] ('b') is 3 (0 constant, 1 uniform, 2 "
         "normal)"},
        {{1, 0}, 2, {NAN, 0}, 2, "population 1: 'param_b' [0] ('a') is not finite"},
        {{0, 0}, 2, {0, INFINITY}, 2, "population 1: 'param_b' [1] ('b') is not finite"},
        {{0, 1},
         2,
         {0, 0.25},
         2,
         "population 1: 'param_b' [1] ('b') is 0.25, below 'param_value' "
         "0.5 (a uniform runs from 'param_value' up to 'param_b')"},
        {{2, 0},
         2,
         {-0.1, 0},
         2,
         "population 1: 'param_b' [0] ('a') is -0.1 (a normal's "
         "deviation must be >= 0)"},
        {{1, 0}, 2, {0}, 0, "population 1: 'param_b' [0] ('a') is 0, below 'param_value' 0.5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_pb_t b = s_welcome_body(0, off0, 1, NULL, 0, 1);
        s_pb_t p = {0};
        s_f_str(&p, 1, "hk");
        s_f_str(&p, 2, "a");
        s_f_str(&p, 2, "b");
        s_f_packed_double(&p, 3, val, 2);
        if (bad[i].n_dist)
            s_f_packed_u32(&p, POP_PARAM_DIST, bad[i].dist, bad[i].n_dist);
        if (bad[i].n_b)
            s_f_packed_double(&p, POP_PARAM_B, bad[i].b, bad[i].n_b);
        s_f_sub(&b, 7, &p);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO, bad[i].needle);
    }
    { /* and the good ones: a uniform [0.5, 0.5], a normal of deviation 0 */
        s_pb_t b = s_welcome_body(0, off0, 1, NULL, 0, 1);
        s_pb_t p = {0};
        s_f_str(&p, 1, "hk");
        s_f_str(&p, 2, "a");
        s_f_str(&p, 2, "b");
        s_f_packed_double(&p, 3, val, 2);
        s_f_packed_u32(&p, POP_PARAM_DIST, (const uint32_t[]){1, 2}, 2);
        s_f_packed_double(&p, POP_PARAM_B, (const double[]){0.5, 0.0}, 2);
        s_f_sub(&b, 7, &p);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        assert_int_equal(s_decode(f, &w), NN_OK);
        s_pb_free(&w);
        const nn_population_desc_t *d = &f->out.u.welcome.populations[1];
        assert_int_equal(d->param_dist[0], NN_DIST_UNIFORM);
        assert_int_equal(d->param_dist[1], NN_DIST_NORMAL);
        assert_true(d->param_b[0] == 0.5);
        /* population 0 of s_welcome_body sent no distributions: constants */
        assert_int_equal(f->out.u.welcome.populations[0].param_dist[0], NN_DIST_CONSTANT);
        assert_true(f->out.u.welcome.populations[0].param_b[0] == 0.0);
    }

    /* the encoder refuses the same */
    nn_population_desc_t pops[2];
    s_fill_populations(pops);
    static const uint8_t pop[] = {0};
    static const double st[] = {0.5};
    static const uint64_t off[] = {0, 0};
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_WELCOME;
    m.u.welcome.agents_total = 1;
    m.u.welcome.dim = 1;
    m.u.welcome.n_populations = 2;
    m.u.welcome.populations = pops;
    m.u.welcome.n_agents = 1;
    m.u.welcome.population = pop;
    m.u.welcome.state = st;
    m.u.welcome.nbr_off = off;
    pops[0].param_dist[1] = 3;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "welcome: population 0: 'param_dist' [1] ('mu') is 3 (0 constant");
    pops[0].param_dist[1] = NN_DIST_UNIFORM; /* mu 0.5 up to 0.4 */
    pops[0].param_b[1] = 0.4;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "welcome: population 0: 'param_b' [1] ('mu') is 0.4, below 'param_value' "
                         "0.5");
    pops[0].param_dist[1] = NN_DIST_NORMAL;
    pops[0].param_b[1] = -0.4;
    s_expect_encode_fail(f, &m, NN_EINVAL, "'param_b' [1] ('mu') is -0.4 (a normal's deviation");
    pops[0].param_b[1] = NAN;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "welcome: population 0: 'param_b' [1] ('mu') is not "
                         "finite");
    pops[0].param_b[1] = 0.1;
    const void *data;
    size_t len;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
}

/* A tick and an actions message with every new field: their prefixes, and the steady
 * state of encoding and decoding them. */
static void s_rich_msgs(nn_wire_t *tick, nn_wire_t *actions, nn_delivery_t *dl)
{
    *tick = s_tick_msg(NULL);
    memcpy(dl, s_dl, sizeof s_dl);
    for (size_t i = 0; i < sizeof s_dl / sizeof s_dl[0]; i++) {
        dl[i].trends = (uint64_t)i << 60 | i;
        dl[i].standing = 0.25f * (float)i;
        dl[i].flags = (uint32_t)i & NN_MSG_DEFECT;
    }
    tick->u.tick.deliveries = dl;
    tick->u.tick.n_notices = 6;
    tick->u.tick.notice_to = s_nto;
    tick->u.tick.notices = s_nt;
    static const nn_msg_t am[] = {
        {.from = 1, .to = 2, .value = 0.5, .hostility = 0.5f, .flags = NN_MSG_DEFECT},
        {.from = 1, .to = 3, .value = 0.25},
        {.from = 300, .to = 70000, .value = 2.0, .hostility = 1.0f},
    };
    static const double st[] = {0.5, 0.5, 0.125};
    static const uint64_t tr[] = {1, 0, 1ULL << 62}, mem[] = {7, 8, 9};
    memset(actions, 0, sizeof *actions);
    actions->kind = NN_WIRE_ACTIONS;
    actions->round = 99;
    actions->u.actions.n_msgs = 3;
    actions->u.actions.msgs = am;
    actions->u.actions.n_state = 3;
    actions->u.actions.state = st;
    actions->u.actions.trends = tr;
    actions->u.actions.memory = mem;
    actions->u.actions.n_acts = 5;
    actions->u.actions.acts = s_acts;
    actions->u.actions.digest = 42;
}

static void test_truncated_rich(void **state)
{
    s_fix_t *f = *state;
    nn_wire_t msgs[2];
    nn_delivery_t dl[sizeof s_dl / sizeof s_dl[0]];
    s_rich_msgs(&msgs[0], &msgs[1], dl);
    for (int k = 0; k < 2; k++) {
        const void *data;
        size_t len;
        assert_int_equal(nn_codec_encode(f->c, &msgs[k], &data, &len), NN_OK);
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, data, len);
        for (size_t n = 0; n <= len; n++) {
            uint8_t *p = malloc(n ? n : 1);
            assert_non_null(p);
            memcpy(p, copy, n);
            int rc = nn_codec_decode(f->c, p, n, &f->out, f->err, sizeof f->err);
            free(p);
            if (rc == NN_OK && f->out.kind == NN_WIRE_TICK)
                s_check_decoded_tick(&f->out.u.tick);
            else if (rc == NN_OK && f->out.kind == NN_WIRE_ACTIONS)
                s_check_decoded_actions(&f->out.u.actions);
            else if (rc != NN_OK)
                assert_int_equal(f->out.kind, NN_WIRE_NONE);
        }
        /* the whole message decodes to what was sent */
        assert_int_equal(nn_codec_decode(f->c, copy, len, &f->out, f->err, sizeof f->err), NN_OK);
        if (k == 0) {
            s_check_notices(&f->out.u.tick);
            assert_true(f->out.u.tick.deliveries[6].trends == (8ULL << 60 | 8)); /* s_dl[8] */
            assert_true(f->out.u.tick.deliveries[6].standing == 2.0f);           /* s_dl[8] */
        } else {
            assert_int_equal(f->out.u.actions.n_acts, 5);
            assert_true(f->out.u.actions.memory[1] == 8);
        }
        free(copy);
    }
}

static void test_steady_state_rich(void **state)
{
    s_fix_t *f = *state;
    nn_wire_t msgs[2];
    nn_delivery_t dl[sizeof s_dl / sizeof s_dl[0]];
    s_rich_msgs(&msgs[0], &msgs[1], dl);
    const void *data;
    size_t len;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(nn_codec_encode(f->c, &msgs[k], &data, &len), NN_OK);
        assert_int_equal(nn_codec_decode(f->c, data, len, &f->out, f->err, sizeof f->err), NN_OK);
    }
    uint64_t n0 = nn_codec_allocations(f->c);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 2; k++) {
            assert_int_equal(nn_codec_encode(f->c, &msgs[k], &data, &len), NN_OK);
            assert_int_equal(nn_codec_decode(f->c, data, len, &f->out, f->err, sizeof f->err),
                             NN_OK);
        }
    assert_true(nn_codec_allocations(f->c) == n0);
}

/* ---- texts, budget, spending and the llm section -------------------------------------- */

enum { /* Tick and Actions: texts; Tick: budget; Actions: spend */
       TX_FROM = 16,
       TX_TEXT = 17,
       TICK_BUDGET = 18,
       ACT_SPEND = 18,
       SPEND_LATENCY = 21,
};

/* A text of n bytes: 'a' .. 'z' repeated (static storage, one at a time). */
static const char *s_text_of(size_t n)
{
    static char buf[NN_TEXT_BYTES + 64];
    assert_true(n < sizeof buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + i % 26);
    buf[n] = '\0';
    return buf;
}

static void test_text_valid(void **state)
{
    (void)state;
    char buf[NN_TEXT_BYTES + 8];
    memcpy(buf, s_text_of(NN_TEXT_BYTES), NN_TEXT_BYTES + 1);
    assert_true(nn_text_valid(buf));
    memcpy(buf, s_text_of(NN_TEXT_BYTES + 1), NN_TEXT_BYTES + 2);
    assert_false(nn_text_valid(buf));
    assert_true(nn_text_valid(""));
    assert_true(nn_text_valid("\xf0\x9f\x98\x80"));         /* U+1F600, 4 bytes */
    assert_true(nn_text_valid("caf\xc3\xa9 \xe2\x82\xac")); /* é and € */
    assert_true(nn_text_valid("\xf4\x8f\xbf\xbf"));         /* U+10FFFF, the last */
    assert_false(nn_text_valid("\xf4\x90\x80\x80"));        /* past U+10FFFF */
    assert_false(nn_text_valid("\xc0\xaf"));                /* overlong '/' */
    assert_false(nn_text_valid("\xe0\x80\xaf"));            /* overlong, 3 bytes */
    assert_false(nn_text_valid("\xed\xa0\x80"));            /* surrogate U+D800 */
    assert_false(nn_text_valid("\xe2\x82"));                /* truncated € */
    assert_false(nn_text_valid("ok \xe2\x82"));             /* truncated at the end */
    assert_false(nn_text_valid("\x80"));                    /* a lone continuation byte */
    assert_false(nn_text_valid("\xff"));
    /* 280 bytes ending in a 4-byte character fit; one more byte does not */
    memcpy(buf, s_text_of(NN_TEXT_BYTES - 4), NN_TEXT_BYTES - 4);
    memcpy(buf + NN_TEXT_BYTES - 4, "\xf0\x9f\x98\x80", 5);
    assert_int_equal(strlen(buf), NN_TEXT_BYTES);
    assert_true(nn_text_valid(buf));
    memcpy(buf, s_text_of(NN_TEXT_BYTES - 3), NN_TEXT_BYTES - 3);
    memcpy(buf + NN_TEXT_BYTES - 3, "\xf0\x9f\x98\x80", 5);
    assert_false(nn_text_valid(buf));
}

static void test_roundtrip_tick_texts(void **state)
{
    s_fix_t *f = *state;
    char longest[NN_TEXT_BYTES + 1];
    memcpy(longest, s_text_of(NN_TEXT_BYTES), sizeof longest);
    static const uint32_t from[] = {0, 2, 4, 7, 1000};
    const char *text[] = {"zero", "", "\xf0\x9f\x98\x80 caf\xc3\xa9", longest, "from afar"};
    nn_wire_t m = s_tick_msg(NULL);
    m.u.tick.texts.n = 5;
    m.u.tick.texts.from = from;
    m.u.tick.texts.text = text;
    m.u.tick.budget_spent = 1;
    s_roundtrip(f, &m);
    const nn_tick_t *t = &f->out.u.tick;
    s_check_decoded_tick(t);
    assert_int_equal(t->texts.n, 5);
    assert_non_null(t->texts.from);
    assert_non_null(t->texts.text);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(t->texts.from[i], from[i]);
        assert_non_null(t->texts.text[i]);
        assert_int_equal(strlen(t->texts.text[i]), strlen(text[i]));
        assert_memory_equal(t->texts.text[i], text[i], strlen(text[i]) + 1);
        assert_true(t->texts.text[i] != text[i]); /* copied, not the sender's */
    }
    assert_int_equal(t->budget_spent, 1);
    /* the deliveries are unchanged by the texts */
    s_flat_t got[16];
    assert_int_equal(s_flatten(t, got), 7);

    /* without texts and with the budget left */
    m.u.tick.texts.n = 0;
    m.u.tick.texts.from = NULL;
    m.u.tick.texts.text = NULL;
    m.u.tick.budget_spent = 0;
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.tick.texts.n, 0);
    assert_int_equal(f->out.u.tick.budget_spent, 0);

    /* an empty tick may still carry texts and the budget flag */
    nn_wire_t e;
    memset(&e, 0, sizeof e);
    e.kind = NN_WIRE_TICK;
    e.round = 3;
    e.u.tick.texts.n = 1;
    e.u.tick.texts.from = &from[3];
    e.u.tick.texts.text = &text[3];
    e.u.tick.budget_spent = 1;
    s_roundtrip(f, &e);
    assert_int_equal(f->out.u.tick.texts.n, 1);
    assert_int_equal(f->out.u.tick.texts.from[0], 7);
    assert_string_equal(f->out.u.tick.texts.text[0], longest);
    assert_int_equal(f->out.u.tick.budget_spent, 1);
}

/* A spend with every counter distinct. */
static void s_fill_spend(nn_spend_t *sp, float *lat, size_t n_lat)
{
    memset(sp, 0, sizeof *sp);
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        *nn_spend_counter(sp, k) = 1000003ULL * (k + 1) + (k == 19 ? (1ULL << 40) : 0);
    sp->n_latency = n_lat;
    sp->latency_s = lat;
    sp->latency_cap = n_lat;
}

static void test_roundtrip_actions_texts_spend(void **state)
{
    s_fix_t *f = *state;
    static const nn_msg_t msgs[] = {{2, 5, 0.5}, {3, 1, -2.0}, {9, 0, 0.25}};
    static const double st[] = {0.5, 0.25, 0.75};
    static const uint32_t from[] = {2, 3, 9};
    const char *text[] = {"I agree \xe2\x9c\x93", "no", "\xf0\x9f\x98\x80"};
    float lat[] = {0.0f, 0.125f, 3.5f, 1e-3f, 120.0f};
    nn_spend_t sp;
    s_fill_spend(&sp, lat, 5);
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ACTIONS;
    m.round = 8;
    m.node = 1;
    m.u.actions.n_msgs = 3;
    m.u.actions.msgs = msgs;
    m.u.actions.n_state = 3;
    m.u.actions.state = st;
    m.u.actions.digest = 0x1234;
    m.u.actions.texts.n = 3;
    m.u.actions.texts.from = from;
    m.u.actions.texts.text = text;
    m.u.actions.spend = &sp;
    s_roundtrip(f, &m);
    const nn_actions_t *a = &f->out.u.actions;
    s_check_decoded_actions(a);
    assert_int_equal(a->n_msgs, 3);
    assert_int_equal(a->texts.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(a->texts.from[i], from[i]);
        assert_string_equal(a->texts.text[i], text[i]);
    }
    assert_non_null(a->spend);
    nn_spend_t *got = (nn_spend_t *)a->spend;
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        if (*nn_spend_counter(got, k) != *nn_spend_counter(&sp, k)) {
            print_error("counter %s: %llu, expected %llu\n", nn_spend_counter_name(k),
                        (unsigned long long)*nn_spend_counter(got, k),
                        (unsigned long long)*nn_spend_counter(&sp, k));
            fail();
        }
    assert_int_equal(got->n_latency, 5);
    assert_non_null(got->latency_s);
    assert_memory_equal(got->latency_s, lat, sizeof lat);

    /* no spend: NULL after decoding; a spend of zeros is still a spend */
    m.u.actions.spend = NULL;
    m.u.actions.texts.n = 0;
    m.u.actions.texts.from = NULL;
    m.u.actions.texts.text = NULL;
    s_roundtrip(f, &m);
    assert_null(f->out.u.actions.spend);
    assert_int_equal(f->out.u.actions.texts.n, 0);
    nn_spend_t zero;
    memset(&zero, 0, sizeof zero);
    m.u.actions.spend = &zero;
    s_roundtrip(f, &m);
    assert_non_null(f->out.u.actions.spend);
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        assert_true(*nn_spend_counter((nn_spend_t *)f->out.u.actions.spend, k) == 0);
    assert_int_equal(f->out.u.actions.spend->n_latency, 0);
}

static void test_roundtrip_welcome_llm(void **state)
{
    s_fix_t *f = *state;
    nn_population_desc_t pops[2];
    s_fill_populations(pops);
    static const char *llm = "{\"model\":\"m\",\"budget_tokens\":1000,\"api_key_env\":\"NN_KEY\","
                             "\"persona\":\"caf\xc3\xa9 \\\"quoted\\\"\"}";
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_WELCOME;
    m.node = 4;
    nn_welcome_t *w = &m.u.welcome;
    w->node = 4;
    w->seed = 42;
    w->rounds = 10;
    w->agents_total = 10;
    w->dim = 1;
    w->n_populations = 2;
    w->populations = pops;
    w->deadline_s = 2.5;
    w->liveness_s = 60.0;
    w->llm = llm;
    s_roundtrip(f, &m);
    assert_non_null(f->out.u.welcome.llm);
    assert_string_equal(f->out.u.welcome.llm, llm);
    assert_true(f->out.u.welcome.llm != llm);
    /* without one, and with an empty one: NULL */
    w->llm = NULL;
    s_roundtrip(f, &m);
    assert_null(f->out.u.welcome.llm);
    w->llm = "";
    s_roundtrip(f, &m);
    assert_null(f->out.u.welcome.llm);
}

/* The bad texts both sides refuse, with what the error names. */
typedef struct s_bad_text {
    const char *text;
    const char *why;
} s_bad_text_t;

static const s_bad_text_t s_bad_texts[] = {
    {"\xc0\xaf", "overlong"},  {"ok \xed\xa0\x80", "surrogate"},
    {"\xe2\x82", "truncated"}, {"\xf4\x90\x80\x80", "past U+10FFFF"},
    {NULL, "281 bytes"}, /* filled in by s_bad_text */
};
#define N_BAD_TEXTS (sizeof s_bad_texts / sizeof s_bad_texts[0])

static const char *s_bad_text(size_t k)
{
    return s_bad_texts[k].text ? s_bad_texts[k].text : s_text_of(NN_TEXT_BYTES + 1);
}

static void test_encode_refuses_texts(void **state)
{
    s_fix_t *f = *state;
    const char *ok[] = {"a", "b", "c"};
    for (int kind = 0; kind < 2; kind++) {
        nn_wire_t m;
        nn_texts_t *tx;
        const char *name = kind ? "actions" : "tick";
        if (kind) {
            memset(&m, 0, sizeof m);
            m.kind = NN_WIRE_ACTIONS;
            tx = &m.u.actions.texts;
        } else {
            m = s_tick_msg(NULL);
            tx = &m.u.tick.texts;
        }
        char needle[128];
        /* descending, then a sender twice */
        static const uint32_t desc[] = {2, 7, 4}, dup[] = {2, 4, 4};
        tx->n = 3;
        tx->text = ok;
        tx->from = desc;
        snprintf(needle, sizeof needle,
                 "%s: 'text_from' does not ascend (text 2 from 4 after one "
                 "from 7",
                 name);
        s_expect_encode_fail(f, &m, NN_EINVAL, needle);
        tx->from = dup;
        snprintf(needle, sizeof needle,
                 "%s: 'text_from' does not ascend (text 2 from 4 after one "
                 "from 4",
                 name);
        s_expect_encode_fail(f, &m, NN_EINVAL, needle);
        /* each bad text, as the second of three */
        static const uint32_t asc[] = {2, 4, 7};
        tx->from = asc;
        for (size_t k = 0; k < N_BAD_TEXTS; k++) {
            const char *bad[] = {"a", s_bad_text(k), "c"};
            tx->text = bad;
            snprintf(needle, sizeof needle, "%s: the text of agent 4 is not at most 280 bytes",
                     name);
            int rc;
            const void *data = (const void *)1;
            size_t len = 1;
            rc = nn_codec_encode(f->c, &m, &data, &len);
            if (rc != NN_EINVAL || !strstr(nn_codec_error(f->c), needle)) {
                print_error("%s, %s: encode gave %d '%s'\n", name, s_bad_texts[k].why, rc,
                            nn_codec_error(f->c));
                fail();
            }
            assert_null(data);
            assert_int_equal(len, 0);
        }
        /* a NULL text, NULL columns */
        const char *with_null[] = {"a", NULL, "c"};
        tx->text = with_null;
        snprintf(needle, sizeof needle, "%s: the text of agent 4", name);
        s_expect_encode_fail(f, &m, NN_EINVAL, needle);
        tx->text = NULL;
        snprintf(needle, sizeof needle, "%s: the texts' 'text' is NULL", name);
        s_expect_encode_fail(f, &m, NN_EINVAL, needle);
        tx->text = ok;
        tx->from = NULL;
        snprintf(needle, sizeof needle, "%s: the texts' 'text_from' is NULL", name);
        s_expect_encode_fail(f, &m, NN_EINVAL, needle);
        /* and the codec still encodes a good one afterwards */
        tx->from = asc;
        s_roundtrip(f, &m);
    }
}

static void test_encode_refuses_latency(void **state)
{
    s_fix_t *f = *state;
    float lat[] = {0.5f, NAN, 1.0f};
    nn_spend_t sp;
    s_fill_spend(&sp, lat, 3);
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_ACTIONS;
    m.u.actions.spend = &sp;
    s_expect_encode_fail(f, &m, NN_EINVAL, "actions: spend latency [1] is nan");
    lat[1] = -0.5f;
    s_expect_encode_fail(f, &m, NN_EINVAL, "actions: spend latency [1] is -0.5");
    lat[1] = INFINITY;
    s_expect_encode_fail(f, &m, NN_EINVAL, "actions: spend latency [1] is inf");
    sp.latency_s = NULL;
    s_expect_encode_fail(f, &m, NN_EINVAL, "actions: the spend's 'latency_s' is NULL");
    lat[1] = 0.25f;
    sp.latency_s = lat;
    s_roundtrip(f, &m);
    assert_int_equal(f->out.u.actions.spend->n_latency, 3);
}

/* A tick body with one delivery (to 1 from 2) and the given text columns. */
static s_pb_t s_tick_texts_env(const uint32_t *from, size_t n_from, const char *const *text,
                               size_t n_text, int budget)
{
    static const uint32_t to[] = {1}, sender[] = {2}, seq[] = {0};
    static const double value[] = {0.5};
    s_pb_t b = s_tick_body(to, 1, sender, 1, seq, 1, value, 1);
    if (n_from)
        s_f_packed_u32(&b, TX_FROM, from, n_from);
    for (size_t i = 0; i < n_text; i++)
        s_f_str(&b, TX_TEXT, text[i]);
    if (budget)
        s_f_varint(&b, TICK_BUDGET, 1);
    return s_envelope(1, ENV_TICK, &b);
}

/* An actions body with one message (from 2) and the given text columns and spend. */
static s_pb_t s_actions_texts_env(const uint32_t *from, size_t n_from, const char *const *text,
                                  size_t n_text, s_pb_t *spend)
{
    static const uint32_t sender[] = {2}, to[] = {1}, seq[] = {0};
    static const double value[] = {0.5};
    s_pb_t b = s_actions_body(sender, to, seq, value, 1, NULL, 0);
    if (n_from)
        s_f_packed_u32(&b, TX_FROM, from, n_from);
    for (size_t i = 0; i < n_text; i++)
        s_f_str(&b, TX_TEXT, text[i]);
    if (spend)
        s_f_sub(&b, ACT_SPEND, spend);
    return s_envelope(1, ENV_ACTIONS, &b);
}

/* A Spend body: counter k (field k + 1) = 7 * (k + 1), and the latencies packed. */
static s_pb_t s_spend_body(const float *lat, size_t n)
{
    s_pb_t s = {0};
    for (unsigned k = 0; k < NN_SPEND_COUNTERS; k++)
        s_f_varint(&s, k + 1, 7u * (k + 1));
    if (n)
        s_f_packed_float(&s, SPEND_LATENCY, lat, n);
    return s;
}

/* A text with a NUL inside is refused, not cut short at the NUL (the field is bytes). */
static void test_decode_text_with_nul(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t to[] = {1}, sender[] = {2}, seq[] = {0}, from[] = {2};
    static const double value[] = {0.5};
    for (int kind = 0; kind < 2; kind++) {
        s_pb_t b = kind ? s_actions_body(sender, to, seq, value, 1, NULL, 0)
                        : s_tick_body(to, 1, sender, 1, seq, 1, value, 1);
        s_f_packed_u32(&b, TX_FROM, from, 1);
        s_f_bytes(&b, TX_TEXT, "ab\0cd", 5);
        s_pb_t w = s_envelope(1, kind ? ENV_ACTIONS : ENV_TICK, &b);
        assert_int_equal(s_decode(f, &w), NN_EPROTO);
        assert_non_null(strstr(nn_codec_error(f->c), "without NUL"));
        s_pb_free(&w);
        /* the same five bytes without the NUL are a text */
        b = kind ? s_actions_body(sender, to, seq, value, 1, NULL, 0)
                 : s_tick_body(to, 1, sender, 1, seq, 1, value, 1);
        s_f_packed_u32(&b, TX_FROM, from, 1);
        s_f_bytes(&b, TX_TEXT, "ab-cd", 5);
        w = s_envelope(1, kind ? ENV_ACTIONS : ENV_TICK, &b);
        assert_int_equal(s_decode(f, &w), NN_OK);
        s_pb_free(&w);
        const nn_texts_t *t = kind ? &f->out.u.actions.texts : &f->out.u.tick.texts;
        assert_int_equal(t->n, 1);
        assert_string_equal(t->text[0], "ab-cd");
    }
}

static void test_decode_texts(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t from[] = {2, 5, 9};
    const char *text[] = {"two", "", "\xf0\x9f\x98\x80"};
    /* hand-built, accepted: the field numbers are right */
    s_pb_t w = s_tick_texts_env(from, 3, text, 3, 1);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    const nn_tick_t *t = &f->out.u.tick;
    assert_int_equal(t->texts.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(t->texts.from[i], from[i]);
        assert_string_equal(t->texts.text[i], text[i]);
    }
    assert_int_equal(t->budget_spent, 1);
    w = s_tick_texts_env(NULL, 0, NULL, 0, 0);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    assert_int_equal(f->out.u.tick.texts.n, 0);
    assert_int_equal(f->out.u.tick.budget_spent, 0);

    float lat[] = {0.25f, 2.0f};
    s_pb_t sp = s_spend_body(lat, 2);
    w = s_actions_texts_env(from, 3, text, 3, &sp);
    assert_int_equal(s_decode(f, &w), NN_OK);
    s_pb_free(&w);
    const nn_actions_t *a = &f->out.u.actions;
    assert_int_equal(a->texts.n, 3);
    assert_string_equal(a->texts.text[2], text[2]);
    assert_non_null(a->spend);
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        assert_true(*nn_spend_counter((nn_spend_t *)a->spend, k) == 7u * (k + 1));
    assert_int_equal(a->spend->n_latency, 2);
    assert_true(a->spend->latency_s[0] == 0.25f && a->spend->latency_s[1] == 2.0f);

    for (int kind = 0; kind < 2; kind++) {
        const char *name = kind ? "actions" : "tick";
        char needle[128];
#define S_ENV(fr, nf, tx, nt)                                                                      \
    (kind ? s_actions_texts_env(fr, nf, tx, nt, NULL) : s_tick_texts_env(fr, nf, tx, nt, 0))
        static const uint32_t desc[] = {2, 9, 5}, dup[] = {2, 5, 5};
        w = S_ENV(desc, 3, text, 3);
        snprintf(needle, sizeof needle,
                 "%s: 'text_from' does not ascend (text 2 from 5 after one "
                 "from 9",
                 name);
        s_expect_fail(f, &w, NN_EPROTO, needle);
        w = S_ENV(dup, 3, text, 3);
        snprintf(needle, sizeof needle,
                 "%s: 'text_from' does not ascend (text 2 from 5 after one "
                 "from 5",
                 name);
        s_expect_fail(f, &w, NN_EPROTO, needle);
        /* counts that differ either way */
        w = S_ENV(from, 3, text, 2);
        snprintf(needle, sizeof needle, "%s: 'text' has 2 entries but 'text_from' has 3", name);
        s_expect_fail(f, &w, NN_EPROTO, needle);
        w = S_ENV(from, 2, text, 3);
        snprintf(needle, sizeof needle, "%s: 'text' has 3 entries but 'text_from' has 2", name);
        s_expect_fail(f, &w, NN_EPROTO, needle);
        w = S_ENV(NULL, 0, text, 1);
        snprintf(needle, sizeof needle, "%s: 'text' has 1 entries but 'text_from' has 0", name);
        s_expect_fail(f, &w, NN_EPROTO, needle);
        w = S_ENV(from, 1, NULL, 0);
        snprintf(needle, sizeof needle, "%s: 'text' has 0 entries but 'text_from' has 1", name);
        s_expect_fail(f, &w, NN_EPROTO, needle);
        /* each bad text, as the second of three */
        for (size_t k = 0; k < N_BAD_TEXTS; k++) {
            const char *bad[] = {"two", s_bad_text(k), "nine"};
            w = S_ENV(from, 3, bad, 3);
            snprintf(needle, sizeof needle, "%s: the text of agent 5 is not at most 280 bytes",
                     name);
            int rc = s_decode(f, &w);
            if (rc != NN_EPROTO || !strstr(f->err, needle)) {
                print_error("%s, %s: decode gave %d '%s'\n", name, s_bad_texts[k].why, rc, f->err);
                fail();
            }
            assert_int_equal(f->out.kind, NN_WIRE_NONE);
            s_pb_free(&w);
        }
#undef S_ENV
    }

    /* latencies that are not finite or negative */
    float bad_lat[][2] = {{0.5f, NAN}, {0.5f, -1.0f}, {0.5f, INFINITY}};
    const char *want[] = {"actions: spend latency [1] is nan", "actions: spend latency [1] is -1",
                          "actions: spend latency [1] is inf"};
    for (size_t k = 0; k < 3; k++) {
        sp = s_spend_body(bad_lat[k], 2);
        w = s_actions_texts_env(NULL, 0, NULL, 0, &sp);
        s_expect_fail(f, &w, NN_EPROTO, want[k]);
    }
}

/* What a decoded column of texts promises: senders ascending, each text valid. */
static void s_check_decoded_texts(const nn_texts_t *t)
{
    if (t->n) {
        assert_non_null(t->from);
        assert_non_null(t->text);
    }
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            assert_true(t->from[i] > t->from[i - 1]);
        assert_non_null(t->text[i]);
        assert_true(nn_text_valid(t->text[i]));
    }
}

/* Every prefix of a tick with texts and of an actions with texts and a spend is refused
 * or decodes into what the codec promises; never a crash. */
static void test_truncated_texts(void **state)
{
    s_fix_t *f = *state;
    static const uint32_t from[] = {1, 2, 4, 7};
    const char *text[] = {"\xf0\x9f\x98\x80\xf0\x9f\x98\x80", "caf\xc3\xa9", "x", "\xe2\x82\xac"};
    float lat[] = {0.5f, 0.25f, 8.0f};
    nn_spend_t sp;
    s_fill_spend(&sp, lat, 3);
    nn_wire_t msgs[2];
    msgs[0] = s_tick_msg(NULL);
    msgs[0].u.tick.texts = (nn_texts_t){4, from, text};
    msgs[0].u.tick.budget_spent = 1;
    static const nn_msg_t am[] = {{1, 2, 0.5}, {2, 3, 0.25}, {7, 0, 1.0}};
    memset(&msgs[1], 0, sizeof msgs[1]);
    msgs[1].kind = NN_WIRE_ACTIONS;
    msgs[1].u.actions.n_msgs = 3;
    msgs[1].u.actions.msgs = am;
    msgs[1].u.actions.texts = (nn_texts_t){4, from, text};
    msgs[1].u.actions.spend = &sp;
    for (int k = 0; k < 2; k++) {
        const void *data;
        size_t len;
        assert_int_equal(nn_codec_encode(f->c, &msgs[k], &data, &len), NN_OK);
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, data, len);
        size_t ok = 0;
        for (size_t n = 0; n <= len; n++) {
            uint8_t *p = malloc(n ? n : 1);
            assert_non_null(p);
            memcpy(p, copy, n);
            int rc = nn_codec_decode(f->c, p, n, &f->out, f->err, sizeof f->err);
            free(p);
            if (rc != NN_OK) {
                assert_true(rc == NN_EPROTO || rc == NN_ETOOBIG);
                assert_int_equal(f->out.kind, NN_WIRE_NONE);
                continue;
            }
            ok++;
            if (f->out.kind == NN_WIRE_TICK) {
                s_check_decoded_tick(&f->out.u.tick);
                s_check_decoded_texts(&f->out.u.tick.texts);
            } else if (f->out.kind == NN_WIRE_ACTIONS) {
                const nn_actions_t *a = &f->out.u.actions;
                s_check_decoded_actions(a);
                s_check_decoded_texts(&a->texts);
                for (size_t i = 0; a->spend && i < a->spend->n_latency; i++)
                    assert_true(isfinite(a->spend->latency_s[i]) && a->spend->latency_s[i] >= 0);
            }
        }
        assert_true(ok >= 1);
        /* the whole message is the one sent */
        assert_int_equal(nn_codec_decode(f->c, copy, len, &f->out, f->err, sizeof f->err), NN_OK);
        const nn_texts_t *t = k ? &f->out.u.actions.texts : &f->out.u.tick.texts;
        assert_int_equal(t->n, 4);
        for (size_t i = 0; i < 4; i++)
            assert_string_equal(t->text[i], text[i]);
        free(copy);
    }
}

/* ---- the llm agents' recall in a welcome ---------------------------------------------- */

enum { /* Welcome and Recall */
       W_RECALL_COUNT = 24,
       W_RECALL,
       REC_ROUND = 1,
       REC_FROM,
       REC_VALUE,
       REC_VERDICT,
       REC_TEXT,
};

/* A welcome of 4 contiguous agents 5..8 without neighbours. */
static nn_wire_t s_recall_welcome(nn_population_desc_t *pops)
{
    static const uint8_t pop[] = {0, 1, 0, 0};
    static const double st[] = {0.1, 0.9, 0.0, 1.0};
    static const uint64_t off[] = {0, 0, 0, 0, 0};
    s_fill_populations(pops);
    nn_wire_t m;
    memset(&m, 0, sizeof m);
    m.kind = NN_WIRE_WELCOME;
    m.node = 4;
    nn_welcome_t *w = &m.u.welcome;
    w->node = 4;
    w->seed = 42;
    w->rounds = 100;
    w->agents_total = 10;
    w->dim = 1;
    w->n_populations = 2;
    w->populations = pops;
    w->n_agents = 4;
    w->first_agent = 5;
    w->population = pop;
    w->state = st;
    w->nbr_off = off;
    w->deadline_s = 2.5;
    w->liveness_s = 60.0;
    return m;
}

static void s_check_recall(const nn_welcome_t *got, const nn_welcome_t *want)
{
    assert_non_null(got->recall_count);
    for (size_t i = 0; i < want->n_agents; i++)
        assert_int_equal(got->recall_count[i], want->recall_count[i]);
    assert_int_equal(got->n_recall, want->n_recall);
    assert_non_null(got->recall);
    for (size_t k = 0; k < want->n_recall; k++) {
        const nn_recall_t *a = &got->recall[k], *b = &want->recall[k];
        assert_true(a->round == b->round);
        assert_int_equal(a->from, b->from);
        assert_int_equal(a->verdict, b->verdict);
        assert_true(a->value == b->value); /* a proto3 scalar: -0.0 comes back as 0 */
        assert_non_null(a->text);
        assert_string_equal(a->text, b->text ? b->text : "");
        assert_true(a->text != b->text); /* the codec's copy */
    }
}

/* Recall round-trips item by item; without it (NULL, or every count 0) nothing goes on
 * the wire and the decoded welcome has recall_count NULL. */
static void test_roundtrip_welcome_recall(void **state)
{
    s_fix_t *f = *state;
    nn_population_desc_t pops[2];
    nn_wire_t m = s_recall_welcome(pops);
    nn_welcome_t *w = &m.u.welcome;
    const void *data;
    size_t len;

    /* the default: absent; the same bytes as every count 0 */
    s_roundtrip(f, &m);
    assert_null(f->out.u.welcome.recall_count);
    assert_int_equal(f->out.u.welcome.n_recall, 0);
    assert_null(f->out.u.welcome.recall);
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    uint8_t *plain = malloc(len);
    assert_non_null(plain);
    memcpy(plain, data, len);
    size_t plain_len = len;
    static const uint32_t zeros[] = {0, 0, 0, 0};
    w->recall_count = zeros;
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    assert_int_equal(len, plain_len);
    assert_memory_equal(data, plain, len);
    s_roundtrip(f, &m);
    assert_null(f->out.u.welcome.recall_count);

    /* agents 5 and 7 remember nothing; texts with and without content, verdicts */
    char *big = malloc(4096 + 1);
    assert_non_null(big);
    memset(big, 'r', 4096);
    big[4096] = '\0';
    static const uint32_t count[] = {0, 3, 0, 2};
    const nn_recall_t items[] = {
        {.round = 1, .from = 2, .verdict = 0, .value = 0.25, .text = "hello, caf\xc3\xa9"},
        {.round = 2, .from = NN_NO_AGENT, .verdict = 1, .value = -0.0, .text = ""},
        {.round = 3, .from = 9, .verdict = 1, .value = 0.75, .text = "guilty"},
        {.round = 1ULL << 40, .from = 0, .verdict = 0, .value = 1.0, .text = NULL},
        {.round = 7, .from = 5, .verdict = 0, .value = 0.5, .text = big},
    };
    w->recall_count = count;
    w->n_recall = 5;
    w->recall = items;
    s_roundtrip(f, &m);
    s_check_recall(&f->out.u.welcome, w);
    assert_int_equal(strlen(f->out.u.welcome.recall[4].text), 4096);
    assert_true(signbit(f->out.u.welcome.recall[1].value)); /* -0.0 keeps its sign */
    assert_true(f->out.u.welcome.recall[3].text[0] == '\0'); /* NULL went as "" */

    /* each field matters: a flipped verdict, a changed text, from, round or value */
    assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
    uint8_t *full = malloc(len);
    assert_non_null(full);
    memcpy(full, data, len);
    size_t full_len = len;
    assert_true(full_len > plain_len + 4096);
    nn_recall_t alt[5];
    for (size_t k = 0; k < 5; k++) {
        for (int what = 0; what < 5; what++) {
            memcpy(alt, items, sizeof alt);
            switch (what) {
            case 0: alt[k].verdict = !alt[k].verdict; break;
            case 1: alt[k].text = "other"; break;
            case 2: alt[k].from ^= 1; break;
            case 3: alt[k].round ^= 1; break;
            default: alt[k].value = 0.125; break;
            }
            w->recall = alt;
            assert_int_equal(nn_codec_encode(f->c, &m, &data, &len), NN_OK);
            assert_true(len != full_len || memcmp(data, full, len) != 0);
            assert_int_equal(nn_codec_decode(f->c, data, len, &f->out, f->err, sizeof f->err),
                             NN_OK);
            s_check_recall(&f->out.u.welcome, w);
        }
    }
    w->recall = items;

    /* a listed assignment and a reordering of the counts: items stay in their order */
    static const uint32_t listed[] = {1, 3, 4, 9};
    static const uint32_t count2[] = {5, 0, 0, 0};
    w->agent = listed;
    w->recall_count = count2;
    s_roundtrip(f, &m);
    s_check_recall(&f->out.u.welcome, w);

    /* a second round trip of the same welcome allocates nothing */
    uint64_t n0 = nn_codec_allocations(f->c);
    s_roundtrip(f, &m);
    assert_true(nn_codec_allocations(f->c) == n0);

    /* a later welcome without recall does not see the last one's */
    w->recall_count = NULL;
    w->n_recall = 0;
    w->recall = NULL;
    s_roundtrip(f, &m);
    assert_null(f->out.u.welcome.recall_count);
    assert_int_equal(f->out.u.welcome.n_recall, 0);

    /* every prefix of a welcome with recall: an error or a welcome that holds together */
    for (size_t n = 0; n <= full_len; n++) {
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, full, n);
        int rc = nn_codec_decode(f->c, p, n, &f->out, f->err, sizeof f->err);
        free(p);
        if (rc != NN_OK) {
            assert_true(rc == NN_EPROTO || rc == NN_ETOOBIG);
            continue;
        }
        const nn_welcome_t *g = &f->out.u.welcome;
        if (f->out.kind != NN_WIRE_WELCOME || !g->recall_count)
            continue;
        uint64_t sum = 0;
        for (size_t i = 0; i < g->n_agents; i++)
            sum += g->recall_count[i];
        assert_true(sum == g->n_recall);
        for (size_t k = 0; k < g->n_recall; k++)
            assert_true(strlen(g->recall[k].text) <= 4096);
    }
    assert_int_equal(nn_codec_decode(f->c, full, full_len, &f->out, f->err, sizeof f->err), NN_OK);
    w->recall_count = count;
    w->n_recall = 5;
    w->recall = items;
    w->agent = NULL;
    s_check_recall(&f->out.u.welcome, w);
    free(full);
    free(plain);
    free(big);
}

/* One Recall submessage as the wire has it. */
static void s_f_recall(s_pb_t *b, uint64_t round, uint32_t from, double value, int verdict,
                       const void *text, size_t len)
{
    s_pb_t r = {0};
    s_f_varint(&r, REC_ROUND, round);
    s_f_varint(&r, REC_FROM, from);
    s_f_double(&r, REC_VALUE, value);
    if (verdict)
        s_f_varint(&r, REC_VERDICT, 1);
    if (len)
        s_f_bytes(&r, REC_TEXT, text, len);
    s_f_sub(b, W_RECALL, &r);
}

static void test_welcome_recall_checks(void **state)
{
    s_fix_t *f = *state;
    static const uint64_t off[] = {0, 2, 3, 5};
    static const uint32_t nbr[] = {0, 1, 1, 2, 2};
    { /* the wire form, read by hand: agent 0 has one item, agent 2 two */
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){1, 0, 2}, 3);
        s_f_recall(&b, 4, 1, 0.5, 0, "hi", 2);
        s_f_recall(&b, 5, 0xffffffffu, 0.25, 1, NULL, 0);
        s_f_recall(&b, 6, 2, 1.0, 1, "fine", 4);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        assert_int_equal(s_decode(f, &w), NN_OK);
        s_pb_free(&w);
        const nn_welcome_t *g = &f->out.u.welcome;
        assert_non_null(g->recall_count);
        assert_int_equal(g->recall_count[0], 1);
        assert_int_equal(g->recall_count[1], 0);
        assert_int_equal(g->recall_count[2], 2);
        assert_int_equal(g->n_recall, 3);
        assert_true(g->recall[0].round == 4);
        assert_int_equal(g->recall[0].from, 1);
        assert_int_equal(g->recall[0].verdict, 0);
        assert_true(g->recall[0].value == 0.5);
        assert_string_equal(g->recall[0].text, "hi");
        assert_int_equal(g->recall[1].from, NN_NO_AGENT);
        assert_int_equal(g->recall[1].verdict, 1);
        assert_string_equal(g->recall[1].text, "");
        assert_int_equal(g->recall[2].verdict, 1);
        assert_string_equal(g->recall[2].text, "fine");
    }
    { /* counts, but not one per agent */
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){1, 0}, 2);
        s_f_recall(&b, 1, 1, 0.5, 0, "a", 1);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "welcome: 'recall_count' has 2 entries but 'agent' has 3 (0 or as many)");
    }
    { /* counts that do not add up to the items, either way */
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){1, 0, 1}, 3);
        s_f_recall(&b, 1, 1, 0.5, 0, "a", 1);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "welcome: 'recall_count' adds up to 2 but 'recall' has 1 items");
        b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){0, 0, 0}, 3);
        s_f_recall(&b, 1, 1, 0.5, 0, "a", 1);
        w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "welcome: 'recall_count' adds up to 0 but 'recall' has 1 items");
        b = s_welcome_body(3, off, 4, nbr, 5, 3); /* a sum past 32 bits does not wrap */
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){UINT32_MAX, 2, 0}, 3);
        s_f_recall(&b, 1, 1, 0.5, 0, "a", 1);
        w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "welcome: 'recall_count' adds up to 4294967297 but 'recall' has 1 items");
    }
    { /* items without counts */
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_recall(&b, 1, 1, 0.5, 0, "a", 1);
        s_f_recall(&b, 2, 1, 0.5, 1, "b", 1);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "welcome: 'recall' has 2 items but 'recall_count' is empty");
    }
    { /* a text with a NUL inside, one too long, a value not finite */
        s_pb_t b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){0, 0, 2}, 3);
        s_f_recall(&b, 1, 1, 0.5, 0, "ok", 2);
        s_f_recall(&b, 2, 1, 0.5, 0, "a\0b", 3);
        s_pb_t w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "welcome: the 'text' of recall item 1 (agent 2) holds a NUL byte");
        char *big = malloc(4097);
        assert_non_null(big);
        memset(big, 'x', 4097);
        b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){1, 0, 0}, 3);
        s_f_recall(&b, 1, 1, 0.5, 0, big, 4097);
        w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "welcome: the 'text' of recall item 0 (agent 0) is 4097 bytes long (at "
                      "most 4096)");
        b = s_welcome_body(3, off, 4, nbr, 5, 3); /* 4096 is fine */
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){1, 0, 0}, 3);
        s_f_recall(&b, 1, 1, 0.5, 0, big, 4096);
        w = s_envelope(1, ENV_WELCOME, &b);
        assert_int_equal(s_decode(f, &w), NN_OK);
        s_pb_free(&w);
        assert_int_equal(strlen(f->out.u.welcome.recall[0].text), 4096);
        free(big);
        b = s_welcome_body(3, off, 4, nbr, 5, 3);
        s_f_packed_u32(&b, W_RECALL_COUNT, (const uint32_t[]){0, 1, 0}, 3);
        s_f_recall(&b, 1, 1, NAN, 1, "", 0);
        w = s_envelope(1, ENV_WELCOME, &b);
        s_expect_fail(f, &w, NN_EPROTO,
                      "welcome: the 'value' of recall item 0 (agent 1) is not finite");
    }
}

/* The encoder refuses what the decoder would. */
static void test_encode_refuses_recall(void **state)
{
    s_fix_t *f = *state;
    nn_population_desc_t pops[2];
    nn_wire_t m = s_recall_welcome(pops);
    nn_welcome_t *w = &m.u.welcome;
    static const uint32_t count[] = {0, 1, 0, 1};
    nn_recall_t items[] = {
        {.round = 1, .from = 2, .verdict = 0, .value = 0.25, .text = "a"},
        {.round = 2, .from = 3, .verdict = 1, .value = 0.5, .text = "b"},
    };
    w->recall_count = NULL;
    w->n_recall = 2;
    w->recall = items;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "welcome: 'recall' has 2 items but 'recall_count' is NULL");
    w->recall_count = count;
    w->n_recall = 1;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "welcome: 'recall_count' adds up to 2 but 'recall' has 1 items");
    w->n_recall = 2;
    w->recall = NULL;
    s_expect_encode_fail(f, &m, NN_EINVAL, "welcome: 'recall' is NULL for 2 items");
    w->recall = items;
    items[1].value = INFINITY;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "welcome: the 'value' of recall item 1 (agent 8) is not finite");
    items[1].value = 0.5;
    char *big = malloc(4098);
    assert_non_null(big);
    memset(big, 'x', 4097);
    big[4097] = '\0';
    items[0].text = big;
    s_expect_encode_fail(f, &m, NN_EINVAL,
                         "welcome: the 'text' of recall item 0 (agent 6) is 4097 bytes long (at "
                         "most 4096)");
    free(big);
    items[0].text = "a";
    s_roundtrip(f, &m);
    s_check_recall(&f->out.u.welcome, w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_hello, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_welcome, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_small_kinds, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_tick, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_empty_tick, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tick_repeated_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_actions, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_actions_out_of_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_actions_shuffled_large, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unpacked_repeated_accepted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_scratch_per_kind, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_steady_state_allocates_nothing, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_truncated, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_garbage, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_oversized_message, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_oversized_batch, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_version, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_missing_body, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unequal_arrays, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_non_finite, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unsorted_tick, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_actions_seq_rules, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_welcome_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_population_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_overlong_strings, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_error_text_bounds, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_encode_errors, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unpack_budget, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_encode_checks_what_decode_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_delivery_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_delivery_defaults_omitted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_delivery_field_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_notices, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_notice_wire_form, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_notice_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_message_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_message_field_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_agent_words, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_acts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_act_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_param_dist, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_param_dist_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_rich, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_steady_state_rich, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_text_valid, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_tick_texts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_actions_texts_spend, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_welcome_llm, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_encode_refuses_texts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_encode_refuses_latency, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_decode_texts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_decode_text_with_nul, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_texts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_welcome_recall, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_welcome_recall_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_encode_refuses_recall, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
