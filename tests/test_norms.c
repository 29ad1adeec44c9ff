/* Tests of coordinator/norms.c on a hand-made society of six agents: a path network
 * 0-1-2-3-4-5 in CSR form and a hierarchy 1,2 -> 0; 3,4 -> 1; 5 -> 2, without the
 * coordinator or the router (the tests feed batches to nn_norms_check as the router
 * would, numbering each sender's messages from 0). Each norm blocks and counts what it
 * should and nothing else; sanctions, their ladder, forgiveness and detection are
 * checked against values worked out by hand (a middle detection probability against
 * the draw recomputed here); notices come in their documented order; the result does
 * not depend on the order in which batches arrive; the game's payoffs are exact; and
 * every checked message is either passed or blocked under exactly one rule. Split over
 * two ranks that check their own senders and trade records and game moves (MPI mode),
 * the norms decide, notice, count and sanction exactly as one instance does. */
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
#include "nunchi/wire.h"
#include "norms.h"

#define SEED 0x6e6f726d73ULL
#define N    6u

/* the path 0-1-2-3-4-5: each row ascending */
static const uint64_t s_off[N + 1] = {0, 1, 3, 5, 7, 9, 10};
static const uint32_t s_adj[10] = {1, 0, 2, 1, 3, 2, 4, 3, 5, 4};
static const uint32_t s_sup[N] = {NN_NO_SUPERIOR, 0, 0, 1, 1, 2};

typedef struct t_rank2 t_rank2_t;
static void t_rank2_free(t_rank2_t *k);

typedef struct t_fix {
    nn_network_t net;
    nn_structure_t st;
    uint64_t off[N + 1];
    uint32_t adj[10];
    uint32_t sup[N];
    double rep[N];
    nn_norms_env_t env;
    nn_norms_t *norms;
    nn_notice_list_t out;
    t_rank2_t *ranks; /* the tests across ranks: two more instances */
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    memcpy(f->off, s_off, sizeof f->off);
    memcpy(f->adj, s_adj, sizeof f->adj);
    memcpy(f->sup, s_sup, sizeof f->sup);
    for (uint32_t i = 0; i < N; i++)
        f->rep[i] = 1.0;
    f->net = (nn_network_t){.n = N, .n_edges = 5, .off = f->off, .adj = f->adj};
    f->st = (nn_structure_t){.n = N, .superior = f->sup, .reputation = f->rep, .n_groups = 1};
    f->env = (nn_norms_env_t){.n = N, .seed = SEED, .net = &f->net, .st = &f->st};
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    nn_norms_destroy(&f->norms);
    nn_notice_list_release(&f->out);
    t_rank2_free(f->ranks);
    free(f);
    return 0;
}

/* All norms off, each with the documented defaults. */
static nn_norms_config_t t_cfg(void)
{
    nn_norms_config_t c;
    memset(&c, 0, sizeof c);
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        c.norm[k].limit = 5;
        c.norm[k].scope = NN_ADDRESS_NEIGHBOURS;
        c.norm[k].threshold = 0.7;
        c.norm[k].detect = 1.0;
        c.norm[k].n_ladder = 1;
        c.norm[k].ladder[0] = (nn_sanction_t){NN_SANCTION_WARN, 0, 0};
    }
    return c;
}

static void t_new(t_fix_t *f, const nn_norms_config_t *c, const nn_game_config_t *g)
{
    nn_norms_destroy(&f->norms);
    assert_int_equal(nn_norms_new(&f->norms, c, g, &f->env), NN_OK);
    assert_non_null(f->norms);
}

/* Checks one node's batch as the router does: seq counts each sender's messages. */
static void t_batch(nn_norms_t *n, const nn_msg_t *m, size_t k, nn_drop_rule_t *res)
{
    uint32_t prev = UINT32_MAX, seq = 0;
    for (size_t i = 0; i < k; i++) {
        seq = m[i].from == prev ? seq + 1 : 0;
        prev = m[i].from;
        nn_drop_rule_t r = nn_norms_check(n, &m[i], seq);
        if (res)
            res[i] = r;
    }
}

static nn_msg_t t_msg(uint32_t from, uint32_t to)
{
    return (nn_msg_t){.from = from, .to = to};
}

/* One round of one batch; the round's notices go to f->out (cleared first). */
static void t_round(t_fix_t *f, uint64_t r, const nn_msg_t *m, size_t k, nn_drop_rule_t *res)
{
    f->out.len = 0;
    nn_norms_begin(f->norms, r);
    t_batch(f->norms, m, k, res);
    assert_int_equal(nn_norms_end_round(f->norms, r, &f->out, NULL), NN_OK);
}

/* The i-th notice of agent a (in the list's order), or NULL. */
static const nn_notice_t *t_notice(const nn_notice_list_t *l, uint32_t a, size_t i)
{
    for (size_t j = 0; j < l->len; j++)
        if (l->to[j] == a && i-- == 0)
            return &l->items[j];
    return NULL;
}

static size_t t_count(const nn_notice_list_t *l, uint32_t a)
{
    size_t c = 0;
    for (size_t j = 0; j < l->len; j++)
        c += l->to[j] == a;
    return c;
}

static void t_expect(const nn_notice_t *nt, uint16_t kind, uint32_t arg, uint32_t other,
                     double value)
{
    assert_non_null(nt);
    assert_int_equal(nt->kind, kind);
    assert_int_equal(nt->arg, arg);
    assert_int_equal(nt->other, other);
    assert_true(nt->value == value);
}

static void t_sum_zero_except(const uint64_t *v, size_t n, size_t except)
{
    for (size_t i = 0; i < n; i++)
        if (i != except)
            assert_int_equal(v[i], 0);
}

/* ---- names ------------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(nn_norm_name(NN_NORM_RATE), "rate");
    assert_string_equal(nn_norm_name(NN_NORM_ADDRESS), "address");
    assert_string_equal(nn_norm_name(NN_NORM_AGGRESSION), "aggression");
    assert_string_equal(nn_norm_name(NN_NORM_DEFECTION), "defection");
    assert_string_equal(nn_norm_name(NN_NORM_NONCOMPLIANCE), "noncompliance");
    assert_string_equal(nn_norm_name(NN_NORM_KINDS), "?");
    assert_string_equal(nn_sanction_name(NN_SANCTION_WARN), "warn");
    assert_string_equal(nn_sanction_name(NN_SANCTION_REPUTATION), "reputation");
    assert_string_equal(nn_sanction_name(NN_SANCTION_MUTE), "mute");
    assert_string_equal(nn_sanction_name(NN_SANCTION_EXCLUDE), "exclude");
    assert_string_equal(nn_sanction_name(NN_SANCTION_KINDS), "?");
    assert_string_equal(nn_address_scope_name(NN_ADDRESS_NEIGHBOURS), "neighbours");
    assert_string_equal(nn_address_scope_name(NN_ADDRESS_HIERARCHY), "hierarchy");
    assert_string_equal(nn_address_scope_name(NN_ADDRESS_EITHER), "either");
    assert_string_equal(nn_address_scope_name((nn_address_scope_t)7), "?");
}

/* ---- each norm ------------------------------------------------------------------- */

/* With everything off, every message passes and nothing is counted or noticed. */
static void test_all_off(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    t_new(f, &c, NULL);
    nn_msg_t m[8];
    for (int i = 0; i < 8; i++)
        m[i] = (nn_msg_t){.from = 0, .to = 5, .hostility = 1.0f, .flags = NN_MSG_DEFECT};
    nn_drop_rule_t res[8];
    t_round(f, 1, m, 8, res);
    for (int i = 0; i < 8; i++)
        assert_int_equal(res[i], NN_DROP_PASS);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    t_sum_zero_except(s->total_violations, NN_NORM_KINDS, SIZE_MAX);
    t_sum_zero_except(s->total_sanctions, NN_SANCTION_KINDS, SIZE_MAX);
    assert_int_equal(s->total_defect, 0); /* no game */
    assert_int_equal(f->out.len, 0);
    assert_true(nn_norms_payoff(f->norms, 0) == 0.0);
}

/* A limit of 2 blocks exactly the third and later messages of each sender. */
static void test_rate(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_RATE].on = 1;
    c.norm[NN_NORM_RATE].limit = 2;
    t_new(f, &c, NULL);
    nn_msg_t m[] = {t_msg(0, 1), t_msg(0, 1), t_msg(0, 1), t_msg(0, 1), t_msg(0, 1),
                    t_msg(1, 0), t_msg(1, 2), t_msg(2, 3), t_msg(2, 3), t_msg(2, 3)};
    nn_drop_rule_t res[10];
    t_round(f, 1, m, 10, res);
    const nn_drop_rule_t want[10] = {NN_DROP_PASS, NN_DROP_PASS, NN_DROP_RATE, NN_DROP_RATE,
                                     NN_DROP_RATE, NN_DROP_PASS, NN_DROP_PASS, NN_DROP_PASS,
                                     NN_DROP_PASS, NN_DROP_RATE};
    for (int i = 0; i < 10; i++)
        assert_int_equal(res[i], want[i]);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_violations[NN_NORM_RATE], 4);
    t_sum_zero_except(s->round_violations, NN_NORM_KINDS, NN_NORM_RATE);
    assert_int_equal(s->round_sanctions[NN_SANCTION_WARN], 2);
    /* agent 0: 3 blocked, a warning; agent 1: nothing; agent 2: 1 blocked, a warning */
    assert_int_equal(t_count(&f->out, 0), 2);
    t_expect(t_notice(&f->out, 0, 0), NN_NOTICE_BLOCKED, NN_DROP_RATE, NN_NO_AGENT, 3);
    t_expect(t_notice(&f->out, 0, 1), NN_NOTICE_SANCTION, NN_NORM_RATE, NN_SANCTION_WARN, 0);
    assert_int_equal(t_count(&f->out, 1), 0);
    assert_int_equal(t_count(&f->out, 2), 2);
    t_expect(t_notice(&f->out, 2, 0), NN_NOTICE_BLOCKED, NN_DROP_RATE, NN_NO_AGENT, 1);

    /* seq counts the messages blocked by an earlier rule too: with address on, the
     * blocked first message still uses up one of the two */
    c.norm[NN_NORM_ADDRESS].on = 1;
    t_new(f, &c, NULL);
    nn_msg_t m2[] = {t_msg(0, 3), t_msg(0, 1), t_msg(0, 1)};
    t_round(f, 1, m2, 3, res);
    assert_int_equal(res[0], NN_DROP_ADDRESS);
    assert_int_equal(res[1], NN_DROP_PASS);
    assert_int_equal(res[2], NN_DROP_RATE);
    s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_violations[NN_NORM_RATE], 1);
    assert_int_equal(s->round_violations[NN_NORM_ADDRESS], 1);
}

typedef struct t_addr_case {
    uint32_t from, to;
    int nbr, hier; /* expected: neighbours, hierarchy */
} t_addr_case_t;

static const t_addr_case_t s_addr[] = {
    {0, 1, 1, 1},               /* both */
    {0, 2, 0, 1},               /* 2's superior is 0 */
    {1, 2, 1, 0},               /* neighbours, no rank between them */
    {0, 3, 0, 0},               /* neither: 3's superior is 1, not 0 */
    {1, 1, 0, 0},               /* oneself: no self-loops, no superior of oneself */
    {2, 3, 1, 0}, {2, 5, 0, 1}, /* to a subordinate */
    {3, 1, 0, 1},               /* to the superior */
    {4, 5, 1, 0}, {5, 0, 0, 0}, {5, 4, 1, 0},
};

static void test_address(void **state)
{
    t_fix_t *f = *state;
    const size_t k = sizeof s_addr / sizeof s_addr[0];
    nn_msg_t m[sizeof s_addr / sizeof s_addr[0]];
    nn_drop_rule_t res[sizeof s_addr / sizeof s_addr[0]];
    for (size_t i = 0; i < k; i++)
        m[i] = t_msg(s_addr[i].from, s_addr[i].to);
    const nn_address_scope_t scopes[3] = {NN_ADDRESS_NEIGHBOURS, NN_ADDRESS_HIERARCHY,
                                          NN_ADDRESS_EITHER};
    for (int sc = 0; sc < 3; sc++) {
        nn_norms_config_t c = t_cfg();
        c.norm[NN_NORM_ADDRESS].on = 1;
        c.norm[NN_NORM_ADDRESS].scope = scopes[sc];
        t_new(f, &c, NULL);
        f->out.len = 0;
        nn_norms_begin(f->norms, 1);
        /* one message per node batch, as if each message came from a different node */
        uint64_t bad = 0;
        for (size_t i = 0; i < k; i++) {
            int ok = sc == 0   ? s_addr[i].nbr
                     : sc == 1 ? s_addr[i].hier
                               : s_addr[i].nbr || s_addr[i].hier;
            t_batch(f->norms, &m[i], 1, &res[i]);
            assert_int_equal(res[i], ok ? NN_DROP_PASS : NN_DROP_ADDRESS);
            bad += !ok;
        }
        assert_int_equal(nn_norms_end_round(f->norms, 1, &f->out, NULL), NN_OK);
        const nn_norms_stats_t *s = nn_norms_stats(f->norms);
        assert_int_equal(s->round_violations[NN_NORM_ADDRESS], bad);
        t_sum_zero_except(s->round_violations, NN_NORM_KINDS, NN_NORM_ADDRESS);
    }
    assert_int_equal(res[0], NN_DROP_PASS); /* the last scope was either */

    /* hierarchy without a superior array: nobody may be addressed */
    f->st.superior = NULL;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_ADDRESS].on = 1;
    c.norm[NN_NORM_ADDRESS].scope = NN_ADDRESS_HIERARCHY;
    t_new(f, &c, NULL);
    t_round(f, 1, m, 1, res);
    assert_int_equal(res[0], NN_DROP_ADDRESS);
}

static void test_aggression(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_AGGRESSION].on = 1;
    c.norm[NN_NORM_AGGRESSION].threshold = 0.5;
    t_new(f, &c, NULL);
    nn_msg_t m[] = {
        {.from = 0, .to = 1, .hostility = 0.5f},  /* at: passes */
        {.from = 0, .to = 1, .hostility = 0.25f}, /* below */
        {.from = 0, .to = 1, .hostility = 0.75f}, /* above */
        {.from = 0, .to = 1, .hostility = 0.0f},       {.from = 1, .to = 2, .hostility = 1.0f},
        {.from = 1, .to = 2, .hostility = 0.5000001f},
    };
    nn_drop_rule_t res[6];
    t_round(f, 1, m, 6, res);
    const nn_drop_rule_t want[6] = {NN_DROP_PASS, NN_DROP_PASS,       NN_DROP_AGGRESSION,
                                    NN_DROP_PASS, NN_DROP_AGGRESSION, NN_DROP_AGGRESSION};
    for (int i = 0; i < 6; i++)
        assert_int_equal(res[i], want[i]);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_violations[NN_NORM_AGGRESSION], 3);
    t_sum_zero_except(s->round_violations, NN_NORM_KINDS, NN_NORM_AGGRESSION);
    t_expect(t_notice(&f->out, 0, 0), NN_NOTICE_BLOCKED, NN_DROP_AGGRESSION, NN_NO_AGENT, 1);
    t_expect(t_notice(&f->out, 1, 0), NN_NOTICE_BLOCKED, NN_DROP_AGGRESSION, NN_NO_AGENT, 2);

    /* a threshold that a float cannot hold exactly: a message at it still passes */
    c.norm[NN_NORM_AGGRESSION].threshold = 0.3;
    t_new(f, &c, NULL);
    nn_msg_t m2[] = {{.from = 0, .to = 1, .hostility = 0.3f},
                     {.from = 0, .to = 1, .hostility = 0.30001f},
                     {.from = 0, .to = 1, .hostility = NAN}};
    t_round(f, 1, m2, 3, res);
    assert_int_equal(res[0], NN_DROP_PASS);
    assert_int_equal(res[1], NN_DROP_AGGRESSION);
    assert_int_equal(res[2], NN_DROP_AGGRESSION); /* not a number is not below */
}

/* A defection is delivered and counted as a move; a breach only when the norm is on. */
static void test_defection(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_DEFECTION].on = 1;
    nn_game_config_t g = {.on = 1, .benefit = 3, .cost = 1};
    t_new(f, &c, &g);
    nn_msg_t m[] = {{.from = 0, .to = 1, .flags = NN_MSG_DEFECT},
                    {.from = 0, .to = 1},
                    {.from = 0, .to = 1, .flags = NN_MSG_DEFECT},
                    {.from = 2, .to = 1}};
    nn_drop_rule_t res[4];
    t_round(f, 1, m, 4, res);
    for (int i = 0; i < 4; i++)
        assert_int_equal(res[i], NN_DROP_PASS);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_defect, 2);
    assert_int_equal(s->round_cooperate, 2);
    assert_int_equal(s->round_violations[NN_NORM_DEFECTION], 2);
    t_sum_zero_except(s->round_violations, NN_NORM_KINDS, NN_NORM_DEFECTION);
    /* nothing was blocked: the only notice is agent 0's warning */
    assert_int_equal(f->out.len, 1);
    t_expect(t_notice(&f->out, 0, 0), NN_NOTICE_SANCTION, NN_NORM_DEFECTION, NN_SANCTION_WARN, 0);
    /* defections move no payoff: 0 paid 1 once, 2 paid 1, 1 got 3 twice */
    assert_true(nn_norms_payoff(f->norms, 0) == -1.0);
    assert_true(nn_norms_payoff(f->norms, 1) == 6.0);
    assert_true(nn_norms_payoff(f->norms, 2) == -1.0);

    /* the norm off: still a move, no breach */
    c.norm[NN_NORM_DEFECTION].on = 0;
    t_new(f, &c, &g);
    t_round(f, 1, m, 4, res);
    s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_defect, 2);
    assert_int_equal(s->round_violations[NN_NORM_DEFECTION], 0);
    assert_int_equal(f->out.len, 0);
}

/* ---- sanctions --------------------------------------------------------------------- */

static void test_mute(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_RATE].on = 1;
    c.norm[NN_NORM_RATE].limit = 1;
    c.norm[NN_NORM_RATE].ladder[0] = (nn_sanction_t){NN_SANCTION_MUTE, 0, 2};
    t_new(f, &c, NULL);
    nn_msg_t m[] = {t_msg(0, 1), t_msg(0, 1), t_msg(1, 0)};
    nn_drop_rule_t res[3];

    t_round(f, 1, m, 3, res); /* 0 breaks the rate: muted in rounds 2 and 3 */
    assert_int_equal(res[1], NN_DROP_RATE);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_int_equal(s->muted, 1);
    assert_int_equal(s->round_sanctions[NN_SANCTION_MUTE], 1);
    t_expect(t_notice(&f->out, 0, 1), NN_NOTICE_SANCTION, NN_NORM_RATE, NN_SANCTION_MUTE, 2);

    for (uint64_t r = 2; r <= 3; r++) {
        t_round(f, r, m, 3, res);
        assert_int_equal(res[0], NN_DROP_MUTED);
        assert_int_equal(res[1], NN_DROP_MUTED); /* muted comes before rate: no breach */
        assert_int_equal(res[2], NN_DROP_PASS);  /* 1 is not muted, and 0 may be addressed */
        assert_int_equal(s->round_violations[NN_NORM_RATE], 0);
        assert_int_equal(s->round_sanctions[NN_SANCTION_MUTE], 0);
        assert_int_equal(s->muted, r == 2 ? 1 : 0);
        assert_int_equal(t_count(&f->out, 0), 1);
        t_expect(t_notice(&f->out, 0, 0), NN_NOTICE_BLOCKED, NN_DROP_MUTED, NN_NO_AGENT, 2);
    }
    t_round(f, 4, m, 3, res); /* free again: breaks the rate again */
    assert_int_equal(res[0], NN_DROP_PASS);
    assert_int_equal(res[1], NN_DROP_RATE);
    assert_int_equal(s->total_violations[NN_NORM_RATE], 2);

    /* a shorter mute never shortens a longer one: rate mutes for 3 rounds (2..4), a
     * noncompliance in round 2 mutes for 1 (3), and round 4 is still muted */
    c.norm[NN_NORM_RATE].ladder[0].rounds = 3;
    c.norm[NN_NORM_NONCOMPLIANCE].on = 1;
    c.norm[NN_NORM_NONCOMPLIANCE].ladder[0] = (nn_sanction_t){NN_SANCTION_MUTE, 0, 1};
    t_new(f, &c, NULL);
    t_round(f, 1, m, 3, res);
    f->out.len = 0;
    nn_norms_begin(f->norms, 2);
    nn_violation_t v = {.agent = 0, .norm = NN_NORM_NONCOMPLIANCE, .count = 1, .case_id = 7};
    assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
    assert_int_equal(nn_norms_end_round(f->norms, 2, &f->out, NULL), NN_OK);
    t_expect(t_notice(&f->out, 0, 0), NN_NOTICE_SANCTION, NN_NORM_NONCOMPLIANCE, NN_SANCTION_MUTE,
             1);
    t_round(f, 3, m, 3, res);
    assert_int_equal(res[0], NN_DROP_MUTED);
    t_round(f, 4, m, 3, res);
    assert_int_equal(res[0], NN_DROP_MUTED);
    t_round(f, 5, m, 3, res);
    assert_int_equal(res[0], NN_DROP_PASS);
}

static void test_exclude(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_NONCOMPLIANCE].on = 1;
    c.norm[NN_NORM_NONCOMPLIANCE].ladder[0] = (nn_sanction_t){NN_SANCTION_EXCLUDE, 0, 2};
    t_new(f, &c, NULL);
    nn_msg_t m[] = {t_msg(1, 2), t_msg(1, 0), t_msg(2, 3), t_msg(3, 2), t_msg(3, 4)};
    nn_drop_rule_t res[5];

    f->out.len = 0;
    nn_norms_begin(f->norms, 1);
    nn_violation_t v = {.agent = 2, .norm = NN_NORM_NONCOMPLIANCE, .count = 1, .case_id = 1};
    assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
    assert_int_equal(nn_norms_end_round(f->norms, 1, &f->out, NULL), NN_OK);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_int_equal(s->excluded, 1);
    assert_int_equal(s->round_violations[NN_NORM_NONCOMPLIANCE], 1);
    t_expect(t_notice(&f->out, 2, 0), NN_NOTICE_SANCTION, NN_NORM_NONCOMPLIANCE,
             NN_SANCTION_EXCLUDE, 2);

    for (uint64_t r = 2; r <= 3; r++) {
        t_round(f, r, m, 5, res);
        assert_int_equal(res[0], NN_DROP_EXCLUDED); /* to 2 */
        assert_int_equal(res[1], NN_DROP_PASS);
        assert_int_equal(res[2], NN_DROP_EXCLUDED); /* from 2 */
        assert_int_equal(res[3], NN_DROP_EXCLUDED); /* to 2 */
        assert_int_equal(res[4], NN_DROP_PASS);
        assert_int_equal(s->excluded, r == 2 ? 1 : 0);
        t_sum_zero_except(s->round_violations, NN_NORM_KINDS, SIZE_MAX);
        /* each sender hears of its own blocked messages */
        t_expect(t_notice(&f->out, 1, 0), NN_NOTICE_BLOCKED, NN_DROP_EXCLUDED, NN_NO_AGENT, 1);
        t_expect(t_notice(&f->out, 2, 0), NN_NOTICE_BLOCKED, NN_DROP_EXCLUDED, NN_NO_AGENT, 1);
        t_expect(t_notice(&f->out, 3, 0), NN_NOTICE_BLOCKED, NN_DROP_EXCLUDED, NN_NO_AGENT, 1);
        assert_int_equal(f->out.len, 3);
    }
    t_round(f, 4, m, 5, res);
    for (int i = 0; i < 5; i++)
        assert_int_equal(res[i], NN_DROP_PASS);
    assert_int_equal(f->out.len, 0);

    /* exclusion for good */
    c.norm[NN_NORM_NONCOMPLIANCE].ladder[0].rounds = 0;
    t_new(f, &c, NULL);
    nn_norms_begin(f->norms, 1);
    assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
    assert_int_equal(nn_norms_end_round(f->norms, 1, &f->out, NULL), NN_OK);
    const uint64_t rounds[] = {2, 3, 10, 1000, 1000000};
    for (size_t i = 0; i < 5; i++) {
        t_round(f, rounds[i], m, 5, res);
        assert_int_equal(res[0], NN_DROP_EXCLUDED);
        assert_int_equal(res[2], NN_DROP_EXCLUDED);
        assert_int_equal(res[3], NN_DROP_EXCLUDED);
        assert_int_equal(nn_norms_stats(f->norms)->excluded, 1);
    }
}

/* warn -> reputation -> mute -> exclude over successive rounds, then the last rung. */
static void test_ladder(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    nn_norm_config_t *nc = &c.norm[NN_NORM_NONCOMPLIANCE];
    nc->on = 1;
    nc->n_ladder = 4;
    nc->ladder[0] = (nn_sanction_t){NN_SANCTION_WARN, 0, 0};
    nc->ladder[1] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.25, 0};
    nc->ladder[2] = (nn_sanction_t){NN_SANCTION_MUTE, 0, 1};
    nc->ladder[3] = (nn_sanction_t){NN_SANCTION_EXCLUDE, 0, 1};
    t_new(f, &c, NULL);
    const uint32_t kind[6] = {NN_SANCTION_WARN,    NN_SANCTION_REPUTATION, NN_SANCTION_MUTE,
                              NN_SANCTION_EXCLUDE, NN_SANCTION_EXCLUDE,    NN_SANCTION_EXCLUDE};
    const double value[6] = {0, 0.25, 1, 1, 1, 1};
    nn_violation_t v[2] = {{.agent = 4, .norm = NN_NORM_NONCOMPLIANCE, .count = 1},
                           {.agent = 4, .norm = NN_NORM_NONCOMPLIANCE, .count = 2}};
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    for (uint64_t r = 1; r <= 6; r++) {
        f->out.len = 0;
        nn_norms_begin(f->norms, r);
        /* two records of one (agent, norm) in a round are one breach of count 3: one
         * sanction */
        assert_int_equal(nn_norms_add(f->norms, v, 2), NN_OK);
        assert_int_equal(nn_norms_end_round(f->norms, r, &f->out, NULL), NN_OK);
        assert_int_equal(f->out.len, 1);
        t_expect(t_notice(&f->out, 4, 0), NN_NOTICE_SANCTION, NN_NORM_NONCOMPLIANCE, kind[r - 1],
                 value[r - 1]);
        assert_int_equal(s->round_violations[NN_NORM_NONCOMPLIANCE], 3);
        assert_int_equal(s->muted, r == 3 ? 1 : 0);
        assert_int_equal(s->excluded, r >= 4 ? 1 : 0);
        assert_true(f->rep[4] == (r >= 2 ? 0.75 : 1.0));
    }
    assert_int_equal(s->total_violations[NN_NORM_NONCOMPLIANCE], 18);
    assert_int_equal(s->total_sanctions[NN_SANCTION_WARN], 1);
    assert_int_equal(s->total_sanctions[NN_SANCTION_REPUTATION], 1);
    assert_int_equal(s->total_sanctions[NN_SANCTION_MUTE], 1);
    assert_int_equal(s->total_sanctions[NN_SANCTION_EXCLUDE], 3);
    for (uint32_t a = 0; a < N; a++)
        if (a != 4)
            assert_true(f->rep[a] == 1.0);

    /* reputation does not go below 0 */
    nc->n_ladder = 1;
    nc->ladder[0] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.375, 0};
    t_new(f, &c, NULL);
    f->rep[4] = 1.0;
    const double want[4] = {0.625, 0.25, 0.0, 0.0};
    for (uint64_t r = 1; r <= 4; r++) {
        nn_norms_begin(f->norms, r);
        assert_int_equal(nn_norms_add(f->norms, v, 1), NN_OK);
        assert_int_equal(nn_norms_end_round(f->norms, r, &f->out, NULL), NN_OK);
        assert_true(f->rep[4] == want[r - 1]);
    }
}

/* forgive 2: a sanction more than 2 rounds after the last one starts the ladder over. */
static void test_forgive(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    nn_norm_config_t *nc = &c.norm[NN_NORM_NONCOMPLIANCE];
    nc->on = 1;
    nc->forgive = 2;
    nc->n_ladder = 2;
    nc->ladder[0] = (nn_sanction_t){NN_SANCTION_WARN, 0, 0};
    nc->ladder[1] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.125, 0};
    t_new(f, &c, NULL);
    /* round: the sanction that round's breach gets */
    const struct {
        uint64_t r;
        uint32_t kind;
    } seq[] = {
        {1, NN_SANCTION_WARN},       /* first */
        {3, NN_SANCTION_REPUTATION}, /* 3 - 1 = 2: not more than 2 */
        {4, NN_SANCTION_REPUTATION}, /* the last rung */
        {7, NN_SANCTION_WARN},       /* 7 - 4 = 3 > 2: forgiven */
        {8, NN_SANCTION_REPUTATION}, /* and up again */
        {20, NN_SANCTION_WARN},
    };
    nn_violation_t v = {.agent = 1, .norm = NN_NORM_NONCOMPLIANCE, .count = 1};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        f->out.len = 0;
        nn_norms_begin(f->norms, seq[i].r);
        assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
        assert_int_equal(nn_norms_end_round(f->norms, seq[i].r, &f->out, NULL), NN_OK);
        assert_int_equal(f->out.len, 1);
        assert_int_equal(f->out.items[0].other, seq[i].kind);
    }
    /* without forgiveness, the same rounds climb and stay */
    nc->forgive = 0;
    t_new(f, &c, NULL);
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        f->out.len = 0;
        nn_norms_begin(f->norms, seq[i].r);
        assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
        assert_int_equal(nn_norms_end_round(f->norms, seq[i].r, &f->out, NULL), NN_OK);
        assert_int_equal(f->out.items[0].other, i == 0 ? NN_SANCTION_WARN : NN_SANCTION_REPUTATION);
    }
}

/* The draw of the norms module for (agent, norm, round), recomputed here. */
static double t_draw(uint32_t agent, uint32_t norm, uint64_t round)
{
    nn_rng_t g;
    nn_rng_init(&g, SEED, NN_STREAM_NORMS, agent, round);
    g.draw = norm;
    return nn_rng_unit(&g);
}

static void test_detection(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_NONCOMPLIANCE].on = 1;
    c.norm[NN_NORM_RATE].on = 1;
    c.norm[NN_NORM_RATE].limit = 0; /* every message breaks it */
    const double ps[3] = {0.0, 1.0, 0.3};
    for (int pi = 0; pi < 3; pi++) {
        double p = ps[pi];
        c.norm[NN_NORM_NONCOMPLIANCE].detect = p;
        c.norm[NN_NORM_RATE].detect = p;
        t_new(f, &c, NULL);
        uint64_t seen = 0, unseen = 0, breaches = 0;
        for (uint64_t r = 1; r <= 40; r++) {
            f->out.len = 0;
            nn_norms_begin(f->norms, r);
            /* agent a breaks noncompliance (a % 3) + 1 times and the rate a + 1 times */
            nn_msg_t m[N * (N + 1) / 2];
            size_t k = 0;
            for (uint32_t a = 0; a < N; a++) {
                nn_violation_t v = {.agent = a, .norm = NN_NORM_NONCOMPLIANCE, .count = a % 3 + 1};
                assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
                for (uint32_t j = 0; j <= a; j++)
                    m[k++] = t_msg(a, (a + 1) % N);
            }
            t_batch(f->norms, m, k, NULL);
            assert_int_equal(nn_norms_end_round(f->norms, r, &f->out, NULL), NN_OK);
            for (uint32_t a = 0; a < N; a++) {
                const uint32_t norms[2] = {NN_NORM_RATE, NN_NORM_NONCOMPLIANCE};
                const uint32_t counts[2] = {a + 1, a % 3 + 1};
                for (int q = 0; q < 2; q++) {
                    int want;
                    if (p == 0.0)
                        want = 0;
                    else if (p == 1.0)
                        want = 1;
                    else /* hand-made for p = 0.3: 1 - 0.7^count */
                        want = t_draw(a, norms[q], r) < (counts[q] == 1   ? 0.3
                                                         : counts[q] == 2 ? 0.51
                                                         : counts[q] == 3 ? 0.657
                                                         : counts[q] == 4 ? 0.7599
                                                         : counts[q] == 5 ? 0.83193
                                                                          : 0.882351);
                    int got = 0;
                    for (size_t i = 0; i < t_count(&f->out, a); i++) {
                        const nn_notice_t *nt = t_notice(&f->out, a, i);
                        got += nt->kind == NN_NOTICE_SANCTION && nt->arg == norms[q];
                    }
                    assert_int_equal(got, want);
                    seen += want;
                    unseen += !want;
                    breaches += counts[q];
                }
            }
        }
        const nn_norms_stats_t *s = nn_norms_stats(f->norms);
        assert_int_equal(s->total_sanctions[NN_SANCTION_WARN], seen);
        /* violations are counted whether they are seen or not */
        assert_int_equal(s->total_violations[NN_NORM_RATE] +
                             s->total_violations[NN_NORM_NONCOMPLIANCE],
                         breaches);
        if (p == 0.0)
            assert_int_equal(seen, 0);
        else if (p == 1.0)
            assert_int_equal(unseen, 0);
        else /* the middle value really is in the middle */
            assert_true(seen > 40 && unseen > 40);
    }
}

/* ---- order, game, notices, balance ------------------------------------------------- */

static void test_reputation_recovery(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.recovery = 0.5;
    c.norm[NN_NORM_NONCOMPLIANCE].on = 1;
    c.norm[NN_NORM_NONCOMPLIANCE].ladder[0] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.75, 0};
    t_new(f, &c, NULL);
    f->rep[5] = 0.5;
    nn_norms_begin(f->norms, 1);
    nn_violation_t v = {.agent = 3, .norm = NN_NORM_NONCOMPLIANCE, .count = 1};
    assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
    assert_int_equal(nn_norms_end_round(f->norms, 1, &f->out, NULL), NN_OK);
    /* 3: 1 - 0.75 = 0.25, then + 0.5 * 0.75 = 0.625; 5: 0.5 + 0.25; others stay at 1 */
    assert_true(f->rep[3] == 0.625);
    assert_true(f->rep[5] == 0.75);
    assert_true(f->rep[0] == 1.0);
    nn_norms_begin(f->norms, 2);
    assert_int_equal(nn_norms_end_round(f->norms, 2, &f->out, NULL), NN_OK);
    assert_true(f->rep[3] == 0.8125);
    assert_true(f->rep[5] == 0.875);
}

/* A round where every agent does something: two nodes, 0..2 and 3..5. */
static const nn_msg_t s_node_a[] = {
    {.from = 0, .to = 1},
    {.from = 0, .to = 3},                    /* address */
    {.from = 0, .to = 1, .hostility = 0.9f}, /* aggression */
    {.from = 0, .to = 1},                    /* rate (limit 3) */
    {.from = 1, .to = 2, .flags = NN_MSG_DEFECT},
    {.from = 1, .to = 0},
    {.from = 2, .to = 5}, /* address */
    {.from = 2, .to = 3, .flags = NN_MSG_DEFECT},
};
static const nn_msg_t s_node_b[] = {
    {.from = 3, .to = 2},
    {.from = 3, .to = 2},
    {.from = 3, .to = 2, .hostility = 1.0f}, /* aggression */
    {.from = 3, .to = 2, .flags = NN_MSG_DEFECT},
    {.from = 3, .to = 2}, /* rate */
    {.from = 4, .to = 1}, /* address */
    {.from = 5, .to = 4, .hostility = 0.8f},
    {.from = 5, .to = 4, .flags = NN_MSG_DEFECT},
};

static nn_norms_config_t t_cfg_all(void)
{
    nn_norms_config_t c = t_cfg();
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        nn_norm_config_t *nc = &c.norm[k];
        nc->on = 1;
        nc->n_ladder = 3;
        nc->ladder[0] = (nn_sanction_t){NN_SANCTION_WARN, 0, 0};
        nc->ladder[1] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.1, 0};
        nc->ladder[2] = (nn_sanction_t){NN_SANCTION_MUTE, 0, 1};
    }
    c.norm[NN_NORM_RATE].limit = 4;
    c.norm[NN_NORM_AGGRESSION].threshold = 0.85;
    c.norm[NN_NORM_DEFECTION].detect = 0.5;
    c.norm[NN_NORM_NONCOMPLIANCE].ladder[2] = (nn_sanction_t){NN_SANCTION_EXCLUDE, 0, 1};
    c.recovery = 0.05;
    return c;
}

typedef struct t_run {
    nn_notice_list_t out;
    nn_norms_stats_t stats;
    double rep[N];
    double payoff[N];
} t_run_t;

/* Six rounds of the two nodes' batches, in the order given by `swap` each round. */
static void t_run(t_fix_t *f, int swap, t_run_t *res)
{
    nn_norms_config_t c = t_cfg_all();
    nn_game_config_t g = {.on = 1, .benefit = 2.5, .cost = 0.3};
    for (uint32_t a = 0; a < N; a++)
        f->rep[a] = 1.0;
    t_new(f, &c, &g);
    memset(res, 0, sizeof *res);
    for (uint64_t r = 1; r <= 6; r++) {
        nn_norms_begin(f->norms, r);
        nn_violation_t v[3] = {{.agent = 5, .norm = NN_NORM_NONCOMPLIANCE, .count = 1},
                               {.agent = 0, .norm = NN_NORM_NONCOMPLIANCE, .count = 2},
                               {.agent = 5, .norm = NN_NORM_NONCOMPLIANCE, .count = 1}};
        int flip = swap && (r % 2 == 1);
        if (flip) {
            t_batch(f->norms, s_node_b, 8, NULL);
            assert_int_equal(nn_norms_add(f->norms, &v[2], 1), NN_OK);
            t_batch(f->norms, s_node_a, 8, NULL);
            assert_int_equal(nn_norms_add(f->norms, v, 2), NN_OK);
        } else {
            assert_int_equal(nn_norms_add(f->norms, v, 3), NN_OK);
            t_batch(f->norms, s_node_a, 8, NULL);
            t_batch(f->norms, s_node_b, 8, NULL);
        }
        assert_int_equal(nn_norms_end_round(f->norms, r, &res->out, NULL), NN_OK);
    }
    res->stats = *nn_norms_stats(f->norms);
    memcpy(res->rep, f->rep, sizeof res->rep);
    for (uint32_t a = 0; a < N; a++)
        res->payoff[a] = nn_norms_payoff(f->norms, a);
}

static void test_order_independent(void **state)
{
    t_fix_t *f = *state;
    t_run_t x, y;
    t_run(f, 0, &x);
    t_run(f, 1, &y);
    assert_int_equal(x.out.len, y.out.len);
    assert_true(x.out.len > 20);
    for (size_t i = 0; i < x.out.len; i++) {
        assert_int_equal(x.out.to[i], y.out.to[i]);
        const nn_notice_t *a = &x.out.items[i], *b = &y.out.items[i];
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->arg, b->arg);
        assert_int_equal(a->other, b->other);
        assert_true(a->value == b->value);
    }
    assert_memory_equal(&x.stats, &y.stats, sizeof x.stats);
    assert_memory_equal(x.rep, y.rep, sizeof x.rep);
    assert_memory_equal(x.payoff, y.payoff, sizeof x.payoff);
    /* and something happened: every kind of sanction but exclusion is used... */
    assert_true(x.stats.total_sanctions[NN_SANCTION_WARN] > 0);
    assert_true(x.stats.total_sanctions[NN_SANCTION_REPUTATION] > 0);
    assert_true(x.stats.total_sanctions[NN_SANCTION_MUTE] > 0);
    /* ...and exclusion too, for agents 0 and 5 from round 3 on */
    assert_true(x.stats.total_sanctions[NN_SANCTION_EXCLUDE] > 0);
    nn_notice_list_release(&x.out);
    nn_notice_list_release(&y.out);
}

static void test_game(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    nn_game_config_t g = {.on = 1, .benefit = 3, .cost = 1};
    t_new(f, &c, &g);
    nn_msg_t m[] = {t_msg(0, 1), t_msg(0, 1), t_msg(1, 0), {.from = 2, .to = 1, .flags = 1}};
    t_round(f, 1, m, 4, NULL);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_cooperate, 3);
    assert_int_equal(s->round_defect, 1);
    assert_true(nn_norms_payoff(f->norms, 0) == 1.0); /* -1 -1 +3 */
    assert_true(nn_norms_payoff(f->norms, 1) == 5.0); /* +3 +3 -1 */
    assert_true(nn_norms_payoff(f->norms, 2) == 0.0);
    assert_true(nn_norms_payoff(f->norms, N) == 0.0); /* out of range */
    assert_int_equal(s->total_payoff_micro, 6000000);

    /* decimal amounts that a double cannot sum exactly are exact in millionths */
    g = (nn_game_config_t){.on = 1, .benefit = 0.1, .cost = 0.07};
    t_new(f, &c, &g);
    nn_msg_t ten[10];
    for (int i = 0; i < 10; i++)
        ten[i] = t_msg(0, 1);
    for (uint64_t r = 1; r <= 3; r++)
        t_round(f, r, ten, 10, NULL);
    s = nn_norms_stats(f->norms);
    assert_true(nn_norms_payoff(f->norms, 1) == 3.0);
    assert_true(nn_norms_payoff(f->norms, 0) == -2.1);
    assert_int_equal(s->total_payoff_micro, 900000);
    assert_int_equal(s->round_cooperate, 10);
    assert_int_equal(s->total_cooperate, 30);
    assert_int_equal(s->total_defect, 0);

    /* a blocked message is no move */
    c.norm[NN_NORM_RATE].on = 1;
    c.norm[NN_NORM_RATE].limit = 4;
    t_new(f, &c, &g);
    t_round(f, 1, ten, 10, NULL);
    s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_cooperate, 4);
    assert_int_equal(s->total_payoff_micro, 4 * 30000);
}

/* Blocked notices by rule ascending, then sanctions by norm ascending, agents ascending,
 * whatever the order the breaches were made in. */
static void test_notice_order(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg_all();
    c.norm[NN_NORM_DEFECTION].detect = 1.0;
    c.norm[NN_NORM_RATE].limit = 3;
    c.norm[NN_NORM_AGGRESSION].threshold = 0.5;
    nn_game_config_t g = {.on = 1, .benefit = 2, .cost = 1};
    t_new(f, &c, &g);
    f->out.len = 0;
    nn_norms_begin(f->norms, 1);
    /* node b first; agent 4 defects, then aggresses twice, then breaks the rate and the
     * address (seq 3, 4) */
    nn_msg_t b[] = {{.from = 4, .to = 5, .flags = NN_MSG_DEFECT},
                    {.from = 4, .to = 3, .hostility = 0.9f},
                    {.from = 4, .to = 3, .hostility = 0.9f},
                    {.from = 4, .to = 5},
                    {.from = 4, .to = 0}};
    t_batch(f->norms, b, 5, NULL);
    nn_violation_t v = {.agent = 4, .norm = NN_NORM_NONCOMPLIANCE, .count = 1};
    assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
    nn_msg_t a[] = {{.from = 1, .to = 2, .hostility = 1.0f}};
    t_batch(f->norms, a, 1, NULL);
    assert_int_equal(nn_norms_end_round(f->norms, 1, &f->out, NULL), NN_OK);

    assert_int_equal(f->out.len, 2 + 8);
    /* agent 1 first */
    assert_int_equal(f->out.to[0], 1);
    t_expect(&f->out.items[0], NN_NOTICE_BLOCKED, NN_DROP_AGGRESSION, NN_NO_AGENT, 1);
    t_expect(&f->out.items[1], NN_NOTICE_SANCTION, NN_NORM_AGGRESSION, NN_SANCTION_WARN, 0);
    for (size_t i = 2; i < f->out.len; i++)
        assert_int_equal(f->out.to[i], 4);
    t_expect(&f->out.items[2], NN_NOTICE_BLOCKED, NN_DROP_RATE, NN_NO_AGENT, 1);
    t_expect(&f->out.items[3], NN_NOTICE_BLOCKED, NN_DROP_ADDRESS, NN_NO_AGENT, 1);
    t_expect(&f->out.items[4], NN_NOTICE_BLOCKED, NN_DROP_AGGRESSION, NN_NO_AGENT, 2);
    t_expect(&f->out.items[5], NN_NOTICE_SANCTION, NN_NORM_RATE, NN_SANCTION_WARN, 0);
    t_expect(&f->out.items[6], NN_NOTICE_SANCTION, NN_NORM_ADDRESS, NN_SANCTION_WARN, 0);
    t_expect(&f->out.items[7], NN_NOTICE_SANCTION, NN_NORM_AGGRESSION, NN_SANCTION_WARN, 0);
    t_expect(&f->out.items[8], NN_NOTICE_SANCTION, NN_NORM_DEFECTION, NN_SANCTION_WARN, 0);
    t_expect(&f->out.items[9], NN_NOTICE_SANCTION, NN_NORM_NONCOMPLIANCE, NN_SANCTION_WARN, 0);
    for (size_t i = 0; i < f->out.len; i++)
        assert_int_equal(f->out.items[i].case_id, 0);
}

static void test_events(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_NONCOMPLIANCE].on = 1;
    c.norm[NN_NORM_NONCOMPLIANCE].n_ladder = 3;
    c.norm[NN_NORM_NONCOMPLIANCE].ladder[0] = (nn_sanction_t){NN_SANCTION_WARN, 0, 0};
    c.norm[NN_NORM_NONCOMPLIANCE].ladder[1] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.5, 0};
    c.norm[NN_NORM_NONCOMPLIANCE].ladder[2] = (nn_sanction_t){NN_SANCTION_EXCLUDE, 0, 0};
    c.norm[NN_NORM_RATE].on = 1;
    c.norm[NN_NORM_RATE].limit = 0;
    c.norm[NN_NORM_RATE].detect = 0.0; /* never seen: no events */
    t_new(f, &c, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *ev = open_memstream(&buf, &len);
    assert_non_null(ev);
    nn_violation_t v = {.agent = 2, .norm = NN_NORM_NONCOMPLIANCE, .count = 4};
    nn_msg_t m[] = {t_msg(1, 2), t_msg(1, 2)};
    for (uint64_t r = 1; r <= 3; r++) {
        nn_norms_begin(f->norms, r);
        t_batch(f->norms, m, 2, NULL);
        assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
        assert_int_equal(nn_norms_end_round(f->norms, r, &f->out, ev), NN_OK);
    }
    fclose(ev);
    const char *want[3] = {
        "{\"round\":1,\"event\":\"sanction\",\"agent\":2,\"norm\":\"noncompliance\","
        "\"sanction\":\"warn\",\"breaches\":4}",
        "{\"round\":2,\"event\":\"sanction\",\"agent\":2,\"norm\":\"noncompliance\","
        "\"sanction\":\"reputation\",\"amount\":0.5,\"breaches\":4}",
        "{\"round\":3,\"event\":\"sanction\",\"agent\":2,\"norm\":\"noncompliance\","
        "\"sanction\":\"exclude\",\"rounds\":0,\"breaches\":4}",
    };
    char *line = buf;
    for (int i = 0; i < 3; i++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        json_error_t je;
        json_t *got = json_loads(line, 0, &je), *exp = json_loads(want[i], 0, &je);
        assert_non_null(got);
        assert_non_null(exp);
        assert_true(json_equal(got, exp));
        /* the keys in the documented order: round first */
        assert_int_equal(strncmp(line, "{\"round\":", 9), 0);
        json_decref(got);
        json_decref(exp);
        line = nl + 1;
    }
    assert_string_equal(line, "");
    free(buf);
    assert_int_equal(nn_norms_stats(f->norms)->total_violations[NN_NORM_RATE], 6);
}

/* For a random stream over several rounds: every message checked is passed or blocked
 * under one rule; the notices' blocked counts add up to the blocks; the passes are the
 * game's moves; the breaches are the blocks of the norms plus the defections. */
static void test_balance(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg_all();
    c.norm[NN_NORM_RATE].limit = 3;
    c.norm[NN_NORM_AGGRESSION].threshold = 0.6;
    c.norm[NN_NORM_DEFECTION].detect = 1.0;
    c.norm[NN_NORM_ADDRESS].scope = NN_ADDRESS_EITHER;
    nn_game_config_t g = {.on = 1, .benefit = 1.5, .cost = 0.5};
    t_new(f, &c, &g);
    nn_rng_t rng;
    nn_rng_init(&rng, SEED, NN_STREAM_USER, 0, 0);
    uint64_t checked_all = 0, blocked_all[NN_DROP_RULES] = {0};
    for (uint64_t r = 1; r <= 30; r++) {
        uint64_t checked = 0, pass = 0, blocked[NN_DROP_RULES] = {0};
        f->out.len = 0;
        nn_norms_begin(f->norms, r);
        nn_msg_t m[64];
        size_t k = 0;
        for (uint32_t a = 0; a < N; a++) {
            uint64_t cnt = nn_rng_below(&rng, 7);
            for (uint64_t j = 0; j < cnt; j++)
                m[k++] = (nn_msg_t){.from = a,
                                    .to = (uint32_t)nn_rng_below(&rng, N),
                                    .hostility = (float)nn_rng_unit(&rng),
                                    .flags = nn_rng_below(&rng, 4) == 0 ? NN_MSG_DEFECT : 0};
        }
        nn_drop_rule_t res[64];
        t_batch(f->norms, m, k, res);
        uint64_t defect = 0;
        for (size_t i = 0; i < k; i++) {
            checked++;
            if (res[i] == NN_DROP_PASS) {
                pass++;
                defect += (m[i].flags & NN_MSG_DEFECT) != 0;
            } else {
                assert_true(res[i] >= NN_DROP_RATE && res[i] <= NN_DROP_EXCLUDED);
                blocked[res[i]]++;
            }
        }
        assert_int_equal(nn_norms_end_round(f->norms, r, &f->out, NULL), NN_OK);
        const nn_norms_stats_t *s = nn_norms_stats(f->norms);
        uint64_t noticed[NN_DROP_RULES] = {0}, sum = pass;
        for (size_t i = 0; i < f->out.len; i++)
            if (f->out.items[i].kind == NN_NOTICE_BLOCKED)
                noticed[f->out.items[i].arg] += (uint64_t)f->out.items[i].value;
        for (int q = 0; q < NN_DROP_RULES; q++) {
            assert_int_equal(noticed[q], blocked[q]);
            sum += blocked[q];
            blocked_all[q] += blocked[q];
        }
        assert_int_equal(sum, checked);
        assert_int_equal(s->round_cooperate + s->round_defect, pass);
        assert_int_equal(s->round_defect, defect);
        assert_int_equal(s->round_violations[NN_NORM_RATE], blocked[NN_DROP_RATE]);
        assert_int_equal(s->round_violations[NN_NORM_ADDRESS], blocked[NN_DROP_ADDRESS]);
        assert_int_equal(s->round_violations[NN_NORM_AGGRESSION], blocked[NN_DROP_AGGRESSION]);
        assert_int_equal(s->round_violations[NN_NORM_DEFECTION], defect);
        checked_all += checked;
    }
    /* every rule had its turn */
    for (int q = NN_DROP_RATE; q <= NN_DROP_MUTED; q++)
        assert_true(blocked_all[q] > 0);
    assert_true(checked_all > 100);
}

/* begin clears the round's counts and keeps the totals. */
static void test_begin(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_RATE].on = 1;
    c.norm[NN_NORM_RATE].limit = 1;
    nn_game_config_t g = {.on = 1, .benefit = 3, .cost = 1};
    t_new(f, &c, &g);
    nn_msg_t m[] = {t_msg(0, 1), t_msg(0, 1)};
    t_round(f, 1, m, 2, NULL);
    nn_norms_begin(f->norms, 2);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_violations[NN_NORM_RATE], 0);
    assert_int_equal(s->round_sanctions[NN_SANCTION_WARN], 0);
    assert_int_equal(s->round_cooperate, 0);
    assert_int_equal(s->total_violations[NN_NORM_RATE], 1);
    assert_int_equal(s->total_sanctions[NN_SANCTION_WARN], 1);
    assert_int_equal(s->total_cooperate, 1);
    /* the noncompliance norm is off: its records are ignored */
    nn_violation_t v = {.agent = 0, .norm = NN_NORM_NONCOMPLIANCE, .count = 3};
    assert_int_equal(nn_norms_add(f->norms, &v, 1), NN_OK);
    f->out.len = 0;
    assert_int_equal(nn_norms_end_round(f->norms, 2, &f->out, NULL), NN_OK);
    assert_int_equal(f->out.len, 0);
    assert_int_equal(s->total_violations[NN_NORM_NONCOMPLIANCE], 0);
}

/* ---- across ranks ------------------------------------------------------------------ */

/* Two ranks, each with its own norms and its own copy of the structure, each checking
 * only its own senders; before the end of every round they trade records (each puts the
 * two ranks' records back in another order) and the summed game moves. */
struct t_rank2 {
    nn_norms_t *norms[2];
    nn_structure_t st[2];
    double rep[2][N];
    nn_notice_list_t out[2];
    nn_norm_rec_t *recs[2];
    size_t cap[2];
    /* the events of rank 0, rank 1 and the single instance */
    FILE *ev[3];
    char *ebuf[3];
    size_t elen[3];
};

static void t_rank2_free(t_rank2_t *k)
{
    if (!k)
        return;
    for (int q = 0; q < 2; q++) {
        nn_norms_destroy(&k->norms[q]);
        nn_notice_list_release(&k->out[q]);
        free(k->recs[q]);
    }
    for (int e = 0; e < 3; e++) {
        if (k->ev[e])
            fclose(k->ev[e]);
        free(k->ebuf[e]);
    }
    free(k);
}

/* The same notices, in the same order. */
static void t_same_notices(const nn_notice_list_t *a, const nn_notice_list_t *b)
{
    assert_int_equal(a->len, b->len);
    for (size_t i = 0; i < a->len; i++) {
        assert_int_equal(a->to[i], b->to[i]);
        const nn_notice_t *x = &a->items[i], *y = &b->items[i];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->arg, y->arg);
        assert_int_equal(x->other, y->other);
        assert_int_equal(x->case_id, y->case_id);
        assert_true(x->value == y->value);
    }
}

/* 25 random rounds: a single instance that checks every message (f->norms, f->st) and
 * two ranks splitting the senders by owner give the same verdict for every message, the
 * same notices, stats and events, and the same reputations in each copy. */
static void t_ranks_split(t_fix_t *f, const uint32_t owner[N])
{
    nn_norms_config_t c = t_cfg_all();
    c.norm[NN_NORM_RATE].limit = 3;
    c.norm[NN_NORM_AGGRESSION].threshold = 0.6;
    c.norm[NN_NORM_ADDRESS].scope = NN_ADDRESS_EITHER;
    nn_game_config_t g = {.on = 1, .benefit = 1.5, .cost = 0.25};
    for (uint32_t a = 0; a < N; a++)
        f->rep[a] = 1.0;
    t_new(f, &c, &g);
    t_rank2_free(f->ranks);
    t_rank2_t *k = f->ranks = calloc(1, sizeof *k);
    assert_non_null(k);
    for (int q = 0; q < 2; q++) {
        k->st[q] = f->st;
        for (uint32_t a = 0; a < N; a++)
            k->rep[q][a] = 1.0;
        k->st[q].reputation = k->rep[q];
        nn_norms_env_t env = f->env;
        env.st = &k->st[q];
        assert_int_equal(nn_norms_new(&k->norms[q], &c, &g, &env), NN_OK);
    }
    FILE **ev = k->ev;
    for (int e = 0; e < 3; e++) {
        ev[e] = open_memstream(&k->ebuf[e], &k->elen[e]);
        assert_non_null(ev[e]);
    }
    nn_rng_t rng;
    nn_rng_init(&rng, SEED, NN_STREAM_USER, 1, 0);
    unsigned both_had_records = 0;
    for (uint64_t r = 1; r <= 25; r++) {
        /* two nodes, 0..2 and 3..5, each batch sorted by sender; rank q gets the part of
         * each batch that its senders sent */
        nn_msg_t m[2][48], qm[2][2][48];
        size_t nm[2] = {0}, nq[2][2] = {{0}};
        for (uint32_t a = 0; a < N; a++) {
            int node = a >= 3;
            uint64_t cnt = nn_rng_below(&rng, 7);
            for (uint64_t j = 0; j < cnt; j++) {
                nn_msg_t x = {.from = a,
                              .to = (uint32_t)nn_rng_below(&rng, N),
                              .hostility = (float)nn_rng_unit(&rng),
                              .flags = nn_rng_below(&rng, 4) == 0 ? NN_MSG_DEFECT : 0};
                m[node][nm[node]++] = x;
                qm[owner[a]][node][nq[owner[a]][node]++] = x;
            }
        }
        nn_norms_begin(f->norms, r);
        nn_drop_rule_t want[2][48], got[2][2][48];
        for (int node = 0; node < 2; node++)
            t_batch(f->norms, m[node], nm[node], want[node]);
        for (int q = 0; q < 2; q++) {
            nn_norms_begin(k->norms[q], r);
            for (int node = 0; node < 2; node++)
                t_batch(k->norms[q], qm[q][node], nq[q][node], got[q][node]);
        }
        /* the same verdicts: the ranks' sanctions so far are the single instance's */
        for (int node = 0; node < 2; node++) {
            size_t at[2] = {0, 0};
            for (size_t i = 0; i < nm[node]; i++) {
                uint32_t q = owner[m[node][i].from];
                assert_int_equal(got[q][node][at[q]++], want[node][i]);
            }
        }
        size_t len[2];
        uint64_t coop = 0, defect = 0;
        for (int q = 0; q < 2; q++) {
            assert_int_equal(nn_norms_take_records(k->norms[q], &k->recs[q], &k->cap[q], &len[q]),
                             NN_OK);
            assert_true(k->cap[q] >= len[q]);
            uint64_t cq, dq;
            nn_norms_round_moves(k->norms[q], &cq, &dq);
            coop += cq;
            defect += dq;
        }
        both_had_records += len[0] > 0 && len[1] > 0;
        nn_norm_rec_t all[2][192];
        assert_true(len[0] + len[1] <= 192);
        for (int q = 0; q < 2; q++) {
            /* rank q puts its own records first */
            memcpy(all[q], k->recs[q], len[q] * sizeof *all[q]);
            memcpy(all[q] + len[q], k->recs[1 - q], len[1 - q] * sizeof *all[q]);
        }
        for (int q = 0; q < 2; q++) {
            assert_int_equal(nn_norms_put_records(k->norms[q], all[q], len[0] + len[1]), NN_OK);
            nn_norms_set_round_moves(k->norms[q], coop, defect);
        }
        /* the cases' noncompliances, the same on every rank (their input is gathered) */
        nn_violation_t v[2] = {
            {.agent = (uint32_t)(r % N), .norm = NN_NORM_NONCOMPLIANCE, .count = 1},
            {.agent = 4, .norm = NN_NORM_NONCOMPLIANCE, .count = r % 3 == 0}};
        assert_int_equal(nn_norms_add(f->norms, v, 2), NN_OK);
        f->out.len = 0;
        assert_int_equal(nn_norms_end_round(f->norms, r, &f->out, ev[2]), NN_OK);
        for (int q = 0; q < 2; q++) {
            assert_int_equal(nn_norms_add(k->norms[q], v, 2), NN_OK);
            k->out[q].len = 0;
            assert_int_equal(nn_norms_end_round(k->norms[q], r, &k->out[q], ev[q]), NN_OK);
        }
        const nn_norms_stats_t *s = nn_norms_stats(f->norms);
        for (int q = 0; q < 2; q++) {
            t_same_notices(&k->out[q], &f->out);
            const nn_norms_stats_t *t = nn_norms_stats(k->norms[q]);
            assert_memory_equal(t->round_violations, s->round_violations,
                                sizeof s->round_violations);
            assert_memory_equal(t->total_violations, s->total_violations,
                                sizeof s->total_violations);
            assert_memory_equal(t->round_sanctions, s->round_sanctions, sizeof s->round_sanctions);
            assert_memory_equal(t->total_sanctions, s->total_sanctions, sizeof s->total_sanctions);
            assert_int_equal(t->round_cooperate, s->round_cooperate);
            assert_int_equal(t->round_defect, s->round_defect);
            assert_int_equal(t->total_cooperate, s->total_cooperate);
            assert_int_equal(t->total_defect, s->total_defect);
            assert_true(t->total_payoff_micro == s->total_payoff_micro);
            assert_int_equal(t->muted, s->muted);
            assert_int_equal(t->excluded, s->excluded);
            assert_memory_equal(k->rep[q], f->rep, sizeof f->rep);
        }
    }
    for (int e = 0; e < 3; e++) {
        fclose(ev[e]);
        ev[e] = NULL;
    }
    assert_true(k->elen[2] > 0);
    for (int q = 0; q < 2; q++) {
        assert_int_equal(k->elen[q], k->elen[2]);
        assert_memory_equal(k->ebuf[q], k->ebuf[2], k->elen[2]);
    }
    /* and something happened on both ranks: every sanction and every rule */
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_true(both_had_records > 10);
    for (int j = 0; j < NN_SANCTION_KINDS; j++)
        assert_true(s->total_sanctions[j] > 0);
    for (int j = 0; j < NN_NORM_KINDS; j++)
        assert_true(s->total_violations[j] > 0);
    assert_true(s->total_payoff_micro > 0);
    assert_true(s->total_defect > 0);
    t_rank2_free(k);
    f->ranks = NULL;
}

static void test_ranks_split(void **state)
{
    t_fix_t *f = *state;
    const uint32_t alternate[N] = {0, 1, 0, 1, 0, 1};
    t_ranks_split(f, alternate);
    const uint32_t mixed[N] = {1, 1, 0, 1, 0, 0};
    t_ranks_split(f, mixed);
}

/* Taking the records ends the current sender's run (its counts are in them) and leaves
 * nothing to fold twice; putting records replaces the round's; with nothing taken and
 * nothing put the round ends as if nothing happened. */
static void test_records(void **state)
{
    t_fix_t *f = *state;
    nn_norms_config_t c = t_cfg();
    c.norm[NN_NORM_RATE].on = 1;
    c.norm[NN_NORM_RATE].limit = 1;
    nn_game_config_t g = {.on = 1, .benefit = 3, .cost = 1};
    t_new(f, &c, &g);
    nn_norms_begin(f->norms, 1);
    nn_msg_t m[] = {t_msg(0, 1), t_msg(0, 1), t_msg(0, 1), t_msg(2, 1), t_msg(2, 3)};
    t_batch(f->norms, m, 5, NULL);
    nn_norm_rec_t *recs = NULL;
    size_t cap = 0, len = 0;
    assert_int_equal(nn_norms_take_records(f->norms, &recs, &cap, &len), NN_OK);
    /* 0: two rate breaches and two rate blocks; 2: one of each (the last sender's run) */
    assert_int_equal(len, 4);
    assert_non_null(recs);
    uint64_t breaches = 0, blocks = 0;
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(recs[i].kind, recs[i].list ? NN_DROP_RATE : NN_NORM_RATE);
        assert_true(recs[i].agent == 0 || recs[i].agent == 2);
        assert_int_equal(recs[i].count, recs[i].agent == 0 ? 2 : 1);
        *(recs[i].list ? &blocks : &breaches) += recs[i].count;
    }
    assert_int_equal(breaches, 3);
    assert_int_equal(blocks, 3);
    /* taking again gives the same, nothing added twice */
    size_t len2 = 0;
    assert_int_equal(nn_norms_take_records(f->norms, &recs, &cap, &len2), NN_OK);
    assert_int_equal(len2, len);
    uint64_t coop, defect;
    nn_norms_round_moves(f->norms, &coop, &defect);
    assert_int_equal(coop, 2);
    assert_int_equal(defect, 0);
    /* another rank's records replace these: agent 5 broke the rate four times */
    const nn_norm_rec_t other[] = {
        {5, NN_NORM_RATE, 0, 3}, {5, NN_DROP_RATE, 1, 4}, {5, NN_NORM_RATE, 0, 1}};
    assert_int_equal(nn_norms_put_records(f->norms, other, 3), NN_OK);
    nn_norms_set_round_moves(f->norms, 7, 2);
    f->out.len = 0;
    assert_int_equal(nn_norms_end_round(f->norms, 1, &f->out, NULL), NN_OK);
    assert_int_equal(f->out.len, 2);
    assert_int_equal(f->out.to[0], 5);
    t_expect(&f->out.items[0], NN_NOTICE_BLOCKED, NN_DROP_RATE, NN_NO_AGENT, 4);
    t_expect(&f->out.items[1], NN_NOTICE_SANCTION, NN_NORM_RATE, NN_SANCTION_WARN, 0);
    const nn_norms_stats_t *s = nn_norms_stats(f->norms);
    assert_int_equal(s->round_violations[NN_NORM_RATE], 4);
    assert_int_equal(s->round_cooperate, 7);
    assert_int_equal(s->round_defect, 2);
    assert_int_equal(s->total_cooperate, 7);
    assert_int_equal(s->total_defect, 2);
    assert_true(s->total_payoff_micro == 7 * 2000000);
    /* the next round: nothing taken, nothing put; the moves set to this rank's own */
    nn_norms_begin(f->norms, 2);
    assert_int_equal(nn_norms_take_records(f->norms, &recs, &cap, &len), NN_OK);
    assert_int_equal(len, 0);
    assert_int_equal(nn_norms_put_records(f->norms, NULL, 0), NN_OK);
    nn_norms_set_round_moves(f->norms, 0, 0);
    f->out.len = 0;
    assert_int_equal(nn_norms_end_round(f->norms, 2, &f->out, NULL), NN_OK);
    assert_int_equal(f->out.len, 0);
    assert_int_equal(s->total_cooperate, 7);
    assert_true(s->total_payoff_micro == 7 * 2000000);
    free(recs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_all_off, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_rate, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_address, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_aggression, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_defection, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_mute, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_exclude, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_ladder, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_forgive, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_detection, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_reputation_recovery, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_order_independent, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_game, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_notice_order, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_events, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_balance, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_begin, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_ranks_split, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_records, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
