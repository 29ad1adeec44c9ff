/* Tests of the coordinator's texts of a round (coordinator/texts.c) and of the summing of
 * what llm agents spent (coordinator/spend.c). Texts: entries added out of order come out
 * sorted by sender; an agent twice, or past the society, is refused; a tick gets the texts
 * of its deliveries' senders once each, ascending, and none for senders without one;
 * the transcript lines are JSON with round, from, to and text; the packed form for other
 * ranks reads back equal, and truncated or garbage bytes are refused without a crash;
 * nn_said_begin forgets the round. Spend: counters sum, latencies concatenate, clear keeps
 * the memory, and the quantiles are nearest-rank. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "spend.h"
#include "texts.h"

#define N_AGENTS 100u

typedef struct t_fix {
    nn_said_t s, s2;
    nn_said_view_t v;
    void *buf;
    size_t cap;
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f || nn_said_init(&f->s, N_AGENTS) != NN_OK || nn_said_init(&f->s2, N_AGENTS) != NN_OK)
        return -1;
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    nn_said_release(&f->s);
    nn_said_release(&f->s2);
    nn_said_view_release(&f->v);
    free(f->buf);
    free(f);
    return 0;
}

/* The entry of s for agent `from` (after finish), or NULL. */
static const nn_said_entry_t *t_entry(const nn_said_t *s, uint32_t from)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].from == from)
            return &s->e[i];
    return NULL;
}

static void t_check_entry(const nn_said_t *s, uint32_t from, const char *text, const uint32_t *to,
                          size_t n_to)
{
    const nn_said_entry_t *e = t_entry(s, from);
    assert_non_null(e);
    assert_string_equal(s->bytes + e->text, text);
    assert_int_equal(e->n_to, n_to);
    for (size_t k = 0; k < n_to; k++)
        assert_int_equal(s->to[e->to + k], to[k]);
}

/* Three texts added as 7, 2, 5 (as ranks or nodes answer). */
static const uint32_t s_to7[] = {1, 2, 99}, s_to5[] = {3};
static void t_add3(nn_said_t *s)
{
    assert_int_equal(nn_said_add(s, 7, "seven \xe2\x9c\x93", s_to7, 3), NN_OK);
    assert_int_equal(nn_said_add(s, 2, "", NULL, 0), NN_OK);
    assert_int_equal(nn_said_add(s, 5, "five, \"quoted\"\nand a new line", s_to5, 1), NN_OK);
}

static void t_check3(const nn_said_t *s)
{
    assert_int_equal(s->n, 3);
    assert_int_equal(s->e[0].from, 2);
    assert_int_equal(s->e[1].from, 5);
    assert_int_equal(s->e[2].from, 7);
    t_check_entry(s, 7, "seven \xe2\x9c\x93", s_to7, 3);
    t_check_entry(s, 2, "", NULL, 0);
    t_check_entry(s, 5, "five, \"quoted\"\nand a new line", s_to5, 1);
}

static void test_finish_sorts(void **state)
{
    t_fix_t *f = *state;
    t_add3(&f->s);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    t_check3(&f->s);
    /* indexed: at[agent] is its entry + 1 */
    assert_int_equal(f->s.at[2], 1);
    assert_int_equal(f->s.at[5], 2);
    assert_int_equal(f->s.at[7], 3);
    assert_int_equal(f->s.at[3], 0);
    /* the text was copied */
    char mine[] = "mutable";
    nn_said_begin(&f->s);
    assert_int_equal(nn_said_add(&f->s, 1, mine, NULL, 0), NN_OK);
    mine[0] = 'X';
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    t_check_entry(&f->s, 1, "mutable", NULL, 0);
}

static void test_finish_refuses(void **state)
{
    t_fix_t *f = *state;
    /* the same agent twice, apart and adjacent */
    assert_int_equal(nn_said_add(&f->s, 3, "a", NULL, 0), NN_OK);
    assert_int_equal(nn_said_add(&f->s, 9, "b", NULL, 0), NN_OK);
    assert_int_equal(nn_said_add(&f->s, 3, "c", NULL, 0), NN_OK);
    assert_int_equal(nn_said_finish(&f->s), NN_EPROTO);
    nn_said_begin(&f->s);
    assert_int_equal(nn_said_add(&f->s, 4, "a", NULL, 0), NN_OK);
    assert_int_equal(nn_said_add(&f->s, 4, "b", NULL, 0), NN_OK);
    assert_int_equal(nn_said_finish(&f->s), NN_EPROTO);
    /* an agent past the society */
    nn_said_begin(&f->s);
    assert_int_equal(nn_said_add(&f->s, N_AGENTS, "a", NULL, 0), NN_OK);
    assert_int_equal(nn_said_finish(&f->s), NN_EPROTO);
    /* and after begin a clean round is fine */
    nn_said_begin(&f->s);
    assert_int_equal(nn_said_add(&f->s, 4, "a", NULL, 0), NN_OK);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
}

static void test_tick(void **state)
{
    t_fix_t *f = *state;
    t_add3(&f->s);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    /* senders repeated and out of order; 9 and 0 said nothing; 1000 is past the society */
    const nn_delivery_t d[] = {{7, 0}, {9, 0}, {2, 0}, {7, 1},   {5, 0},
                               {0, 0}, {2, 1}, {7, 2}, {1000, 0}};
    nn_texts_t out;
    assert_int_equal(nn_said_tick(&f->s, d, sizeof d / sizeof d[0], &f->v, &out), NN_OK);
    assert_int_equal(out.n, 3);
    const uint32_t want[] = {2, 5, 7};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(out.from[i], want[i]);
        const nn_said_entry_t *e = t_entry(&f->s, want[i]);
        assert_string_equal(out.text[i], f->s.bytes + e->text);
    }
    assert_string_equal(out.text[1], "five, \"quoted\"\nand a new line");
    /* only senders without a text, and no deliveries at all */
    const nn_delivery_t quiet[] = {{9, 0}, {0, 0}, {9, 1}};
    assert_int_equal(nn_said_tick(&f->s, quiet, 3, &f->v, &out), NN_OK);
    assert_int_equal(out.n, 0);
    assert_int_equal(nn_said_tick(&f->s, NULL, 0, &f->v, &out), NN_OK);
    assert_int_equal(out.n, 0);
    /* one sender alone */
    assert_int_equal(nn_said_tick(&f->s, &d[4], 1, &f->v, &out), NN_OK);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.from[0], 5);
}

/* Many deliveries (the view grows past its first size): every agent says "t<id>", odd ones
 * send three messages each, in descending order. */
static void test_tick_grows(void **state)
{
    t_fix_t *f = *state;
    char text[16];
    for (uint32_t a = N_AGENTS; a-- > 0;) {
        if (a % 3 == 0)
            continue; /* says nothing */
        snprintf(text, sizeof text, "t%u", a);
        assert_int_equal(nn_said_add(&f->s, a, text, &a, 1), NN_OK);
    }
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    nn_delivery_t d[3 * N_AGENTS];
    size_t n = 0;
    for (uint32_t a = N_AGENTS; a-- > 0;)
        for (uint32_t k = 0; k < (a % 2 ? 3u : 1u); k++)
            d[n++] = (nn_delivery_t){a, k};
    nn_texts_t out;
    assert_int_equal(nn_said_tick(&f->s, d, n, &f->v, &out), NN_OK);
    size_t want = 0;
    for (uint32_t a = 0; a < N_AGENTS; a++)
        if (a % 3) {
            assert_true(want < out.n);
            assert_int_equal(out.from[want], a);
            snprintf(text, sizeof text, "t%u", a);
            assert_string_equal(out.text[want], text);
            want++;
        }
    assert_int_equal(out.n, want);
}

static void test_write(void **state)
{
    t_fix_t *f = *state;
    t_add3(&f->s);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(nn_said_write(&f->s, fp, 42), NN_OK);
    rewind(fp);
    char line[1024];
    const uint32_t want_from[] = {2, 5, 7};
    size_t lines = 0;
    while (fgets(line, sizeof line, fp)) {
        assert_true(lines < 3);
        size_t len = strlen(line);
        assert_true(len > 0 && line[len - 1] == '\n'); /* one whole line per text */
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        if (!o) {
            print_error("line %zu is not JSON: %s (%s)\n", lines + 1, je.text, line);
            fail();
        }
        assert_true(json_is_object(o));
        assert_true(json_integer_value(json_object_get(o, "round")) == 42);
        uint32_t from = want_from[lines];
        assert_true(json_integer_value(json_object_get(o, "from")) == from);
        const nn_said_entry_t *e = t_entry(&f->s, from);
        json_t *to = json_object_get(o, "to");
        assert_true(json_is_array(to));
        assert_int_equal(json_array_size(to), e->n_to);
        for (size_t k = 0; k < e->n_to; k++)
            assert_true(json_integer_value(json_array_get(to, k)) == f->s.to[e->to + k]);
        json_t *text = json_object_get(o, "text");
        assert_true(json_is_string(text));
        assert_string_equal(json_string_value(text), f->s.bytes + e->text);
        assert_int_equal(json_object_size(o), 4);
        json_decref(o);
        lines++;
    }
    assert_int_equal(lines, 3);
    fclose(fp);

    /* nothing said: nothing written */
    nn_said_begin(&f->s);
    fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(nn_said_write(&f->s, fp, 43), NN_OK);
    assert_int_equal(ftell(fp), 0);
    fclose(fp);
}

/* Texts of every length modulo 4 (the packed form pads), up to the longest. */
static void t_add_lengths(nn_said_t *s)
{
    char text[NN_TEXT_BYTES + 1];
    const size_t lens[] = {0, 1, 2, 3, 4, 5, 6, 7, NN_TEXT_BYTES - 1, NN_TEXT_BYTES};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (size_t k = 0; k < lens[i]; k++)
            text[k] = (char)('a' + (k + i) % 26);
        text[lens[i]] = '\0';
        uint32_t to[4] = {(uint32_t)i, 50, 60, 70};
        assert_int_equal(nn_said_add(s, (uint32_t)(90 - 3 * i), text, to, i % 5), NN_OK);
    }
}

static void t_same(const nn_said_t *a, const nn_said_t *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->e[i].from, b->e[i].from);
        assert_string_equal(a->bytes + a->e[i].text, b->bytes + b->e[i].text);
        assert_int_equal(a->e[i].n_to, b->e[i].n_to);
        for (size_t k = 0; k < a->e[i].n_to; k++)
            assert_int_equal(a->to[a->e[i].to + k], b->to[b->e[i].to + k]);
    }
}

static void test_pack_unpack(void **state)
{
    t_fix_t *f = *state;
    t_add_lengths(&f->s);
    t_add3(&f->s);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    size_t len = 0;
    assert_int_equal(nn_said_pack(&f->s, &f->buf, &f->cap, &len), NN_OK);
    assert_true(len > 0 && len <= f->cap);
    assert_int_equal(len % 4, 0);
    assert_int_equal(nn_said_unpack(&f->s2, f->buf, len), NN_OK);
    assert_int_equal(nn_said_finish(&f->s2), NN_OK);
    t_same(&f->s, &f->s2);

    /* two ranks' packs into one round: the union, sorted */
    nn_said_t a, b;
    assert_int_equal(nn_said_init(&a, N_AGENTS), NN_OK);
    assert_int_equal(nn_said_init(&b, N_AGENTS), NN_OK);
    t_add_lengths(&a);
    t_add3(&b);
    void *ba = NULL, *bb = NULL;
    size_t ca = 0, cb = 0, la = 0, lb = 0;
    assert_int_equal(nn_said_pack(&a, &ba, &ca, &la), NN_OK);
    assert_int_equal(nn_said_pack(&b, &bb, &cb, &lb), NN_OK);
    nn_said_begin(&f->s2);
    assert_int_equal(nn_said_unpack(&f->s2, bb, lb), NN_OK);
    assert_int_equal(nn_said_unpack(&f->s2, ba, la), NN_OK);
    assert_int_equal(nn_said_finish(&f->s2), NN_OK);
    t_same(&f->s, &f->s2);
    /* the same pack twice: an agent twice */
    assert_int_equal(nn_said_unpack(&f->s2, bb, lb), NN_OK);
    assert_int_equal(nn_said_finish(&f->s2), NN_EPROTO);
    free(ba);
    free(bb);
    nn_said_release(&a);
    nn_said_release(&b);

    /* nothing said: nothing packed, and nothing unpacked */
    nn_said_begin(&f->s);
    assert_int_equal(nn_said_pack(&f->s, &f->buf, &f->cap, &len), NN_OK);
    assert_int_equal(len, 0);
    nn_said_begin(&f->s2);
    assert_int_equal(nn_said_unpack(&f->s2, f->buf, 0), NN_OK);
    assert_int_equal(f->s2.n, 0);
}

static void test_unpack_bad(void **state)
{
    t_fix_t *f = *state;
    t_add_lengths(&f->s);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    size_t len = 0;
    assert_int_equal(nn_said_pack(&f->s, &f->buf, &f->cap, &len), NN_OK);
    /* where each entry ends in the packed bytes: prefixes ending there are whole */
    size_t ends[16], n_ends = 0, at = 0;
    for (size_t i = 0; i < f->s.n; i++) {
        size_t tl = strlen(f->s.bytes + f->s.e[i].text) + 1;
        at += 12 + 4 * f->s.e[i].n_to + ((tl + 3) & ~(size_t)3);
        ends[n_ends++] = at;
    }
    assert_int_equal(at, len);
    size_t whole = 0;
    for (size_t n = 0; n < len; n++) {
        /* each prefix in its own allocation, so ASan sees any read past its end */
        unsigned char *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, f->buf, n);
        nn_said_begin(&f->s2);
        int rc = nn_said_unpack(&f->s2, p, n);
        free(p);
        int is_end = n == 0;
        size_t entries = 0;
        for (size_t k = 0; k < n_ends; k++)
            if (ends[k] <= n)
                entries = k + 1;
        for (size_t k = 0; k < n_ends; k++)
            is_end |= ends[k] == n;
        if (is_end) {
            assert_int_equal(rc, NN_OK);
            assert_int_equal(f->s2.n, entries);
            whole++;
        } else if (rc != NN_EPROTO) {
            print_error("a prefix of %zu of %zu bytes gave %d\n", n, len, rc);
            fail();
        }
    }
    assert_int_equal(whole, n_ends); /* 0 and every end but the last (len is not tried) */

    /* hand-made headers: {from, n_to, text bytes with NUL} */
    struct {
        uint32_t h[3];
        unsigned char tail[8];
        size_t n_tail;
        int rc;
    } cases[] = {
        {{1, 0, 0}, {0}, 4, NN_EPROTO},                       /* no NUL room */
        {{1, 0, NN_TEXT_BYTES + 2}, {0}, 8, NN_EPROTO},       /* too long */
        {{1, 0, 3}, {'a', 'b', 'c', 0}, 4, NN_EPROTO},        /* not NUL-terminated */
        {{1, 0, 5}, {'a', 'b', 'c', 'd', 0}, 5, NN_EPROTO},   /* padding cut */
        {{1, 0xffffffffu, 1}, {0}, 8, NN_EPROTO},             /* receivers past the end */
        {{1, 1, 1}, {9, 0, 0, 0}, 4, NN_EPROTO},              /* the text past the end */
        {{1, 1, 2}, {9, 0, 0, 0, 'x', 0, 0, 0}, 8, NN_OK},    /* fine: to 9, "x" */
        {{1, 0, 3}, {'o', 'k', 0, 0}, 4, NN_OK},              /* fine: "ok" */
        {{1, 0, 3}, {'o', 'k', 0, 0, 1, 2, 3}, 7, NN_EPROTO}, /* a cut header after it */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned char b[32];
        memcpy(b, cases[c].h, 12);
        memcpy(b + 12, cases[c].tail, cases[c].n_tail);
        nn_said_begin(&f->s2);
        int rc = nn_said_unpack(&f->s2, b, 12 + cases[c].n_tail);
        if (rc != cases[c].rc) {
            print_error("case %zu gave %d, expected %d\n", c, rc, cases[c].rc);
            fail();
        }
    }
    nn_said_begin(&f->s2);
    unsigned char fine[] = {1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 'x', 0, 0, 0};
    assert_int_equal(nn_said_unpack(&f->s2, fine, sizeof fine), NN_OK);
    assert_int_equal(nn_said_finish(&f->s2), NN_OK);
    t_check_entry(&f->s2, 1, "x", (const uint32_t[]){9}, 1);

    /* garbage: refused or read, never a crash; what is read stays in bounds */
    nn_rng_t r;
    nn_rng_init(&r, 0x7465787473ULL, NN_STREAM_USER, 1, 0);
    for (int round = 0; round < 5000; round++) {
        size_t n = (size_t)nn_rng_below(&r, 64);
        unsigned char *p = malloc(n ? n : 1);
        assert_non_null(p);
        for (size_t i = 0; i < n; i++) {
            uint64_t x = nn_rng_below(&r, 4);
            /* small numbers often, so that headers sometimes parse */
            p[i] = (unsigned char)(x == 0 ? nn_rng_below(&r, 256) : x == 1 ? 0 : 1 + x);
        }
        nn_said_begin(&f->s2);
        int rc = nn_said_unpack(&f->s2, p, n);
        free(p);
        assert_true(rc == NN_OK || rc == NN_EPROTO);
        for (size_t i = 0; rc == NN_OK && i < f->s2.n; i++)
            assert_true(strlen(f->s2.bytes + f->s2.e[i].text) <= NN_TEXT_BYTES);
    }
}

static void test_begin_forgets(void **state)
{
    t_fix_t *f = *state;
    t_add3(&f->s);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    nn_said_begin(&f->s);
    assert_int_equal(f->s.n, 0);
    for (uint32_t a = 0; a < N_AGENTS; a++)
        assert_int_equal(f->s.at[a], 0);
    const nn_delivery_t d[] = {{2, 0}, {5, 0}, {7, 0}};
    nn_texts_t out;
    assert_int_equal(nn_said_tick(&f->s, d, 3, &f->v, &out), NN_OK);
    assert_int_equal(out.n, 0);
    /* a new round with only agent 5: 2 and 7 are not heard from the old one */
    assert_int_equal(nn_said_add(&f->s, 5, "new five", NULL, 0), NN_OK);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    assert_int_equal(nn_said_tick(&f->s, d, 3, &f->v, &out), NN_OK);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.from[0], 5);
    assert_string_equal(out.text[0], "new five");
    /* agents of the old round may speak again */
    nn_said_begin(&f->s);
    t_add3(&f->s);
    assert_int_equal(nn_said_finish(&f->s), NN_OK);
    t_check3(&f->s);
}

/* ---- spend ------------------------------------------------------------------------------ */

static void test_spend_add(void **state)
{
    (void)state;
    nn_spend_t dst, a, b;
    memset(&dst, 0, sizeof dst);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    float la[] = {1.0f, 2.0f}, lb[] = {3.0f};
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++) {
        *nn_spend_counter(&a, k) = k + 1;
        *nn_spend_counter(&b, k) = 100 * (k + 1);
    }
    a.latency_s = la;
    a.n_latency = 2;
    b.latency_s = lb;
    b.n_latency = 1;
    assert_int_equal(nn_spend_add(&dst, &a), NN_OK);
    assert_int_equal(nn_spend_add(&dst, &b), NN_OK);
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        if (*nn_spend_counter(&dst, k) != 101 * (k + 1)) {
            print_error("%s: %llu\n", nn_spend_counter_name(k),
                        (unsigned long long)*nn_spend_counter(&dst, k));
            fail();
        }
    assert_int_equal(dst.n_latency, 3);
    const float want[] = {1.0f, 2.0f, 3.0f};
    assert_memory_equal(dst.latency_s, want, sizeof want);
    /* the sources are unchanged */
    assert_true(a.asked == 1 && a.n_latency == 2 && la[0] == 1.0f);
    /* a source without latencies (NULL array) adds counters only */
    nn_spend_t c;
    memset(&c, 0, sizeof c);
    c.completion_tokens = 5;
    assert_int_equal(nn_spend_add(&dst, &c), NN_OK);
    assert_true(dst.completion_tokens == 2020 + 5);
    assert_int_equal(dst.n_latency, 3);

    /* many latencies: the array grows and keeps them in order */
    nn_spend_t big;
    memset(&big, 0, sizeof big);
    float many[700];
    for (size_t i = 0; i < 700; i++)
        many[i] = (float)i;
    big.latency_s = many;
    big.n_latency = 300;
    assert_int_equal(nn_spend_add(&dst, &big), NN_OK);
    big.latency_s = many + 300;
    big.n_latency = 400;
    assert_int_equal(nn_spend_add(&dst, &big), NN_OK);
    assert_int_equal(dst.n_latency, 703);
    assert_true(dst.latency_cap >= 703);
    assert_memory_equal(dst.latency_s + 3, many, sizeof many);

    /* clear: zeros, no latencies, the memory kept */
    float *mem = dst.latency_s;
    size_t cap = dst.latency_cap;
    nn_spend_clear(&dst);
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        assert_true(*nn_spend_counter(&dst, k) == 0);
    assert_int_equal(dst.n_latency, 0);
    assert_ptr_equal(dst.latency_s, mem);
    assert_int_equal(dst.latency_cap, cap);
    assert_true(nn_spend_quantile(&dst, 0.5) == 0.0);
    assert_int_equal(nn_spend_add(&dst, &b), NN_OK);
    assert_int_equal(dst.n_latency, 1);
    assert_true(dst.latency_s[0] == 3.0f);
    assert_true(dst.asked == 100);
    nn_spend_release(&dst);
    assert_null(dst.latency_s);
    assert_int_equal(dst.n_latency, 0);
}

static void test_spend_quantile(void **state)
{
    (void)state;
    nn_spend_t s;
    memset(&s, 0, sizeof s);
    /* none */
    assert_true(nn_spend_quantile(&s, 0.5) == 0.0);
    assert_true(nn_spend_quantile(&s, 0.99) == 0.0);
    /* 1 .. 100, shuffled */
    float v[100];
    for (size_t i = 0; i < 100; i++)
        v[i] = (float)(i + 1);
    nn_rng_t r;
    nn_rng_init(&r, 99, NN_STREAM_USER, 2, 0);
    for (size_t i = 99; i > 0; i--) {
        size_t j = (size_t)nn_rng_below(&r, i + 1);
        float t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
    s.latency_s = v;
    s.n_latency = 100;
    s.latency_cap = 100;
    assert_true(nn_spend_quantile(&s, 0.50) == 50.0);
    assert_true(nn_spend_quantile(&s, 0.95) == 95.0);
    assert_true(nn_spend_quantile(&s, 0.99) == 99.0);
    assert_true(nn_spend_quantile(&s, 1.0) == 100.0);
    assert_true(nn_spend_quantile(&s, 0.01) == 1.0);
    assert_true(nn_spend_quantile(&s, 0.001) == 1.0); /* rank ceil(0.1) = 1 */
    assert_true(nn_spend_quantile(&s, 0.505) == 51.0);
    /* sorted in place */
    for (size_t i = 0; i < 100; i++)
        assert_true(v[i] == (float)(i + 1));
    /* one value: every quantile */
    float one[] = {7.5f};
    s.latency_s = one;
    s.n_latency = 1;
    assert_true(nn_spend_quantile(&s, 0.01) == 7.5);
    assert_true(nn_spend_quantile(&s, 0.5) == 7.5);
    assert_true(nn_spend_quantile(&s, 0.99) == 7.5);
    /* ten values: p50 is the 5th, p95 and p99 the 10th (nearest rank, not interpolated) */
    float ten[] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
    s.latency_s = ten;
    s.n_latency = 10;
    assert_true(nn_spend_quantile(&s, 0.5) == 5.0);
    assert_true(nn_spend_quantile(&s, 0.95) == 10.0);
    assert_true(nn_spend_quantile(&s, 0.99) == 10.0);
    assert_true(nn_spend_quantile(&s, 0.9) == 9.0);
    /* two values and repeated ones */
    float two[] = {0.25f, 0.125f};
    s.latency_s = two;
    s.n_latency = 2;
    assert_true(nn_spend_quantile(&s, 0.5) == 0.125);
    assert_true(nn_spend_quantile(&s, 0.51) == 0.25);
    float same[] = {2, 2, 2, 1};
    s.latency_s = same;
    s.n_latency = 4;
    assert_true(nn_spend_quantile(&s, 0.25) == 1.0);
    assert_true(nn_spend_quantile(&s, 0.26) == 2.0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, t_setup, t_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_finish_sorts), T(test_finish_refuses), T(test_tick),       T(test_tick_grows),
        T(test_write),        T(test_pack_unpack),    T(test_unpack_bad), T(test_begin_forgets),
        T(test_spend_add),    T(test_spend_quantile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
