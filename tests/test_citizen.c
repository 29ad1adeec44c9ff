/* Tests of the citizen behaviour (node/behaviours/citizen.c). Each test builds one
 * nn_agent_t by hand, as a node would hand it over for one step (notices, inbox in
 * canonical order, neighbours, memory word), and checks the exact new opinion, memory,
 * trends, outbox and acts against values worked out here from the rules: notices, inbox
 * (standing-weighted bounded confidence and grievances), trends, complaint, messages to a
 * window of neighbours, memory. Where the step draws, the draws are replayed on a copy of
 * the agent's generator in the documented order (one unit per contested verdict, then
 * below(n_nbrs) for the window start, then one unit per recipient), so the tests pin the
 * draw order too. Values have short binary expansions where possible, so that "exact"
 * means bit-exact. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nunchi/behaviour.h"
#include "nunchi/rng.h"
#include "nunchi/wire.h"

#define SEED 0x636974697a656eULL

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

#define ASSERT_EXACT(got, want)                                                                    \
    do {                                                                                           \
        double got_ = (got), want_ = (want);                                                       \
        if (!(got_ == want_)) {                                                                    \
            print_error("%s = %.17g, expected %.17g\n", #got, got_, want_);                        \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* The parameters in spec order. */
enum { TOL, OPEN, CONF, SOC, SENS, THR, COOP, COMPL, PAT, CONC, PEACE, FORGET, N_PARAMS };

/* Each test gets a fresh outbox and actbox that the teardown releases. */
typedef struct s_fix {
    nn_outbox_t ob;
    nn_actbox_t ab;
    double p[N_PARAMS];
} s_fix_t;

static const nn_behaviour_ops_t *s_ops(void)
{
    const nn_behaviour_ops_t *ops = nn_behaviour_find("citizen");
    assert_non_null(ops);
    assert_non_null(ops->step);
    return ops;
}

static int s_setup(void **state)
{
    s_fix_t *f = (s_fix_t *)calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->ob = (nn_outbox_t)NN_OUTBOX_INIT;
    const nn_behaviour_ops_t *ops = nn_behaviour_find("citizen");
    if (!ops || ops->n_params != N_PARAMS) {
        free(f);
        return -1;
    }
    for (size_t i = 0; i < N_PARAMS; i++)
        f->p[i] = ops->params[i].def;
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    nn_outbox_release(&f->ob);
    nn_actbox_release(&f->ab);
    free(f);
    return 0;
}

static uint64_t s_mem(unsigned strikes, unsigned caution, unsigned peace)
{
    return (uint64_t)strikes | (uint64_t)caution << 8 | (uint64_t)peace << 16;
}

static unsigned s_strikes(uint64_t m)
{
    return (unsigned)(m & 0xff);
}

static unsigned s_caution(uint64_t m)
{
    return (unsigned)(m >> 8 & 0xff);
}

/* An agent as the node hands it over; the boxes are emptied first. */
static nn_agent_t s_agent(s_fix_t *f, uint32_t id, uint64_t round, double x,
                          const nn_delivery_t *inbox, size_t n_inbox, const uint32_t *nbrs,
                          size_t n_nbrs, const nn_notice_t *notices, size_t n_notices,
                          uint64_t memory)
{
    nn_agent_t a;
    memset(&a, 0, sizeof a);
    a.id = id;
    a.round = round;
    a.x = x;
    a.inbox = inbox;
    a.n_inbox = n_inbox;
    a.nbrs = nbrs;
    a.n_nbrs = n_nbrs;
    a.params = f->p;
    nn_rng_init(&a.rng, SEED, NN_STREAM_BEHAVIOUR, id, round);
    f->ob.len = 0;
    f->ab.len = 0;
    a.out = &f->ob;
    a.acts = &f->ab;
    a.superior = NN_NO_AGENT;
    a.notices = notices;
    a.n_notices = n_notices;
    a.memory = memory;
    return a;
}

static void s_step(nn_agent_t *a)
{
    s_ops()->step(a);
    assert_int_equal(a->out->failed, 0);
    assert_int_equal(a->acts->failed, 0);
}

static void s_assert_act(const nn_actbox_t *b, size_t i, uint32_t agent, nn_act_kind_t kind,
                         uint32_t case_id, uint32_t other, double value)
{
    assert_true(i < b->len);
    assert_int_equal(b->acts[i].agent, agent);
    assert_int_equal(b->acts[i].kind, kind);
    assert_int_equal(b->acts[i].case_id, case_id);
    assert_int_equal(b->acts[i].other, other);
    ASSERT_EXACT(b->acts[i].value, value);
}

/* The message to `to` in the outbox (exactly one), or a failure. */
static const nn_msg_t *s_msg_to(const nn_outbox_t *ob, uint32_t to)
{
    const nn_msg_t *found = NULL;
    for (size_t i = 0; i < ob->len; i++)
        if (ob->msgs[i].to == to) {
            assert_null(found);
            found = &ob->msgs[i];
        }
    assert_non_null(found);
    return found;
}

static const uint32_t s_five[] = {10, 20, 30, 40, 50};

/* --- registry and parameters ---------------------------------------------------------- */

static void test_citizen_params(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        double def, min, max;
    } want[] = {
        {"tolerance", 0.25, 0, 1},      {"openness", 0.3, 0, 1},    {"conformity", 0.5, 0, 1},
        {"sociability", 3, 0, 64},      {"sensitivity", 0.5, 0, 1}, {"threshold", 0.5, 0, 1},
        {"cooperativeness", 0.7, 0, 1}, {"compliance", 0.8, 0, 1},  {"patience", 3, 1, 255},
        {"concession", 0.2, 0, 1},      {"peace", 5, 0, 255},       {"forgetting", 0, 0, 255},
    };
    const nn_behaviour_ops_t *ops = s_ops();
    assert_string_equal(ops->name, "citizen");
    assert_non_null(ops->doc);
    assert_int_equal(ops->binary_state, 0);
    assert_int_equal(ops->n_params, N_OF(want));
    assert_true(ops->n_params <= NN_MAX_PARAMS);
    for (size_t i = 0; i < N_OF(want); i++) {
        assert_string_equal(ops->params[i].name, want[i].name);
        ASSERT_EXACT(ops->params[i].def, want[i].def);
        ASSERT_EXACT(ops->params[i].min, want[i].min);
        ASSERT_EXACT(ops->params[i].max, want[i].max);
        assert_non_null(ops->params[i].doc);
        assert_int_equal(nn_behaviour_param_index(ops, want[i].name), (int)i);
    }
}

/* --- inbox: opinion update ------------------------------------------------------------ */

/* Weights (1 - c) + c * min(standing, 2) with c = 0.5: standing 2 -> 1.5, 1 -> 1, 4 -> 1.5
 * (capped at 2). 0.75 lies exactly tau away (heard); 0.875 is not. The mean is taken
 * against the x before the inbox, not a running x. */
static void test_citizen_weighted_update(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[TOL] = 0.25;
    f->p[OPEN] = 0.5;
    f->p[CONF] = 0.5;
    f->p[SOC] = 0;
    const nn_delivery_t inbox[] = {{1, 0, 0.625, 0, 2.0f},
                                   {2, 0, 0.375, 0, 1.0f},
                                   {3, 0, 0.75, 0, 4.0f},
                                   {4, 0, 0.875, 0, 1.0f}};
    nn_agent_t a = s_agent(f, 7, 1, 0.5, inbox, N_OF(inbox), s_five, N_OF(s_five), NULL, 0, 0);
    s_step(&a);
    /* sum w = 4; sum w (v - x) = 1.5 * 0.125 - 1 * 0.125 + 1.5 * 0.25 = 0.4375;
     * x_new = 0.5 + 0.5 * 0.4375 / 4 = 0.5546875 */
    ASSERT_EXACT(a.x, 0.5546875);
    assert_int_equal(a.memory, s_mem(1, 0, 0)); /* 0.875 is a grievance */
    assert_int_equal(f->ob.len, 0);
    assert_int_equal(f->ab.len, 0);
    assert_int_equal(a.rng.draw, 0); /* sociability 0: no window, no draw */

    /* conformity 0: all weights 1, standing ignored: mean of 0.125, -0.125, 0.25 */
    f->p[CONF] = 0.0;
    a = s_agent(f, 7, 1, 0.5, inbox, N_OF(inbox), s_five, N_OF(s_five), NULL, 0, 0);
    s_step(&a);
    /* 0.5 + 0.5 * 0.25 / 3: the same arithmetic as the rule */
    ASSERT_EXACT(a.x, 0.5 + 0.5 * ((0.125 + -0.125 + 0.25) / 3.0));
}

/* Nothing heard, or only weight 0 (conformity 1, standing 0): x stays. */
static void test_citizen_no_weight_keeps_x(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 0;
    f->p[OPEN] = 1.0;
    const nn_delivery_t far[] = {{1, 0, 1.0, 0, 1.0f}, {2, 0, 0.0, 0, 1.0f}};
    nn_agent_t a = s_agent(f, 0, 1, 0.5, far, N_OF(far), NULL, 0, NULL, 0, 0);
    s_step(&a);
    ASSERT_EXACT(a.x, 0.5);

    f->p[CONF] = 1.0;
    const nn_delivery_t nobody[] = {{1, 0, 0.625, 0, 0.0f}, {2, 0, 0.375, 0, 0.0f}};
    a = s_agent(f, 0, 1, 0.5, nobody, N_OF(nobody), NULL, 0, NULL, 0, 0);
    s_step(&a);
    ASSERT_EXACT(a.x, 0.5);

    a = s_agent(f, 0, 1, 0.25, NULL, 0, NULL, 0, NULL, 0, 0);
    s_step(&a);
    ASSERT_EXACT(a.x, 0.25);
    assert_int_equal(a.memory, 0);
}

/* --- grievances and complaints -------------------------------------------------------- */

/* patience 3: strikes 1, 2, then 3 -> a complaint about the sender farthest away (5 and
 * 7 tie at 0.5: the first in canonical order), its value the x before the inbox, and
 * strikes back to 0. */
static void test_citizen_strikes_and_complaint(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[TOL] = 0.25;
    f->p[OPEN] = 0.5;
    f->p[CONF] = 0.0;
    f->p[PAT] = 3.0;
    f->p[SOC] = 0;
    const nn_delivery_t inbox[] = {
        {2, 0, 0.875, 0, 1.0f}, {3, 0, 0.625, 0, 1.0f}, {5, 0, 0.0, 0, 1.0f}, {7, 0, 1.0, 0, 1.0f}};
    uint64_t mem = 0;
    for (uint64_t round = 1; round <= 3; round++) {
        nn_agent_t a = s_agent(f, 4, round, 0.5, inbox, N_OF(inbox), NULL, 0, NULL, 0, mem);
        s_step(&a);
        ASSERT_EXACT(a.x, 0.5625); /* 0.5 + 0.5 * 0.125 */
        mem = a.memory;
        if (round < 3) {
            assert_int_equal(mem, s_mem((unsigned)round, 0, 0));
            assert_int_equal(f->ab.len, 0);
        } else {
            assert_int_equal(mem, 0);
            assert_int_equal(f->ab.len, 1);
            s_assert_act(&f->ab, 0, 4, NN_ACT_COMPLAIN, 0, 5, 0.5);
        }
    }

    /* a round without grievance resets the count: no complaint two rounds later */
    const nn_delivery_t calm[] = {{3, 0, 0.625, 0, 1.0f}};
    nn_agent_t a = s_agent(f, 4, 4, 0.5, calm, 1, NULL, 0, NULL, 0, s_mem(2, 0, 0));
    s_step(&a);
    assert_int_equal(a.memory, 0);
    assert_int_equal(f->ab.len, 0);

    /* the worst offender is the farthest, not the first: 9 at 0.4375 beats 2 at 0.375 */
    const nn_delivery_t two[] = {{2, 0, 0.875, 0, 1.0f}, {9, 0, 0.0625, 0, 1.0f}};
    a = s_agent(f, 4, 5, 0.5, two, 2, NULL, 0, NULL, 0, s_mem(2, 0, 0));
    s_step(&a);
    assert_int_equal(f->ab.len, 1);
    s_assert_act(&f->ab, 0, 4, NN_ACT_COMPLAIN, 0, 9, 0.5);

    /* patience 1 complains at once; strikes saturate at 255 */
    f->p[PAT] = 1.0;
    a = s_agent(f, 4, 6, 0.5, two, 2, NULL, 0, NULL, 0, 0);
    s_step(&a);
    assert_int_equal(f->ab.len, 1);
    assert_int_equal(a.memory, 0);
    f->p[PAT] = 255.0;
    a = s_agent(f, 4, 7, 0.5, two, 2, NULL, 0, NULL, 0, s_mem(253, 0, 0));
    s_step(&a);
    assert_int_equal(f->ab.len, 0);
    assert_int_equal(a.memory, s_mem(254, 0, 0));
    a = s_agent(f, 4, 8, 0.5, two, 2, NULL, 0, NULL, 0, s_mem(255, 0, 0));
    s_step(&a);
    assert_int_equal(f->ab.len, 1); /* min(256, 255) = 255 >= 255 */
    assert_int_equal(a.memory, 0);
    /* patience 3.9 counts as 3 */
    f->p[PAT] = 3.9;
    a = s_agent(f, 4, 9, 0.5, two, 2, NULL, 0, NULL, 0, s_mem(2, 0, 0));
    s_step(&a);
    assert_int_equal(f->ab.len, 1);
}

/* peace rounds left: no grievance (strikes reset), decremented after the step. */
static void test_citizen_peace_suppresses(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[PAT] = 3.0;
    f->p[SOC] = 0;
    const nn_delivery_t far[] = {{1, 0, 1.0, 0, 1.0f}};
    nn_agent_t a = s_agent(f, 0, 1, 0.0, far, 1, NULL, 0, NULL, 0, s_mem(2, 0, 2));
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 0, 1));
    assert_int_equal(f->ab.len, 0);
    a = s_agent(f, 0, 2, 0.0, far, 1, NULL, 0, NULL, 0, a.memory);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 0, 0));
    a = s_agent(f, 0, 3, 0.0, far, 1, NULL, 0, NULL, 0, a.memory);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(1, 0, 0)); /* peace over: a grievance again */
}

/* A complied verdict sets peace to the parameter: it covers this step and peace - 1
 * further steps (memory holds peace - 1 after the step). */
static void test_citizen_peace_after_settlement(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[PEACE] = 3.0;
    f->p[SOC] = 0;
    f->p[CONF] = 0.0;
    const nn_delivery_t far[] = {{1, 0, 1.0, 0, 1.0f}};
    const nn_notice_t agreed[] = {
        {NN_NOTICE_VERDICT, 1, 12, NN_NO_AGENT, NN_OUTCOME_AGREED, 0.0, 1.0}};
    nn_agent_t a = s_agent(f, 0, 1, 0.0, far, 1, NULL, 0, agreed, 1, s_mem(1, 0, 0));
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 0, 2));
    a = s_agent(f, 0, 2, 0.0, far, 1, NULL, 0, NULL, 0, a.memory);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 0, 1));
    a = s_agent(f, 0, 3, 0.0, far, 1, NULL, 0, NULL, 0, a.memory);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 0, 0));
    a = s_agent(f, 0, 4, 0.0, far, 1, NULL, 0, NULL, 0, a.memory);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(1, 0, 0));

    /* a case closed as tolerated makes peace; closed otherwise does not */
    const nn_notice_t tolerated[] = {
        {NN_NOTICE_CLOSED, 6, 3, NN_NO_AGENT, NN_OUTCOME_TOLERATED, 0.5, 0.0}};
    a = s_agent(f, 0, 5, 0.0, far, 1, NULL, 0, tolerated, 1, 0);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 0, 2));
    assert_int_equal(f->ab.len, 0);
    const nn_notice_t imposed[] = {
        {NN_NOTICE_CLOSED, 6, 3, NN_NO_AGENT, NN_OUTCOME_IMPOSED, 0.5, 0.0}};
    a = s_agent(f, 0, 6, 0.0, far, 1, NULL, 0, imposed, 1, 0);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(1, 0, 0));
    /* peace 0 never suppresses */
    f->p[PEACE] = 0.0;
    a = s_agent(f, 0, 7, 0.0, far, 1, NULL, 0, tolerated, 1, 0);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(1, 0, 0));
}

/* --- case notices --------------------------------------------------------------------- */

/* A vote takes the x as the notices before it left it: deliberation first moves it. */
static void test_citizen_votes(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[OPEN] = 0.5;
    f->p[SOC] = 0;
    const nn_notice_t notices[] = {
        {NN_NOTICE_VOTE, 1, 4, NN_NO_AGENT, 3, 0.0, 1.0},
        {NN_NOTICE_DELIBERATE, 5, 8, NN_NO_AGENT, 0, 1.0, 0.0},
        {NN_NOTICE_VOTE, 1, 9, NN_NO_AGENT, 3, 0.0, 1.0},
        {NN_NOTICE_CASE, 1, 9, 3, NN_PART_MEMBER, 0.5, 0.25},
        {NN_NOTICE_BLOCKED, 0, 0, NN_NO_AGENT, 1, 2.0, 0.0},
        {NN_NOTICE_TREND, 0, 0, NN_NO_AGENT, 5, 0.0, 0.0},
    };
    nn_agent_t a = s_agent(f, 11, 2, 0.5, NULL, 0, NULL, 0, notices, N_OF(notices), 0);
    s_step(&a);
    assert_int_equal(f->ab.len, 2);
    s_assert_act(&f->ab, 0, 11, NN_ACT_VOTE, 4, NN_NO_AGENT, 0.5);
    s_assert_act(&f->ab, 1, 11, NN_ACT_VOTE, 9, NN_NO_AGENT, 0.75);
    ASSERT_EXACT(a.x, 0.75); /* deliberation moved the opinion itself */
    assert_int_equal(a.memory, 0);
    assert_int_equal(a.trends, 0); /* the node, not the behaviour, sets a seeded trend */
    assert_int_equal(a.rng.draw, 0);
}

/* Proposals are accepted iff |value - x| <= tau, both sides of the edge. */
static void test_citizen_proposals(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[TOL] = 0.25;
    f->p[SOC] = 0;
    static const double values[] = {0.75, 0.7578125, 0.25, 0.2421875, 0.5};
    static const double want[] = {1, 0, 1, 0, 1};
    nn_notice_t notices[N_OF(values)];
    for (size_t i = 0; i < N_OF(values); i++)
        notices[i] = (nn_notice_t){NN_NOTICE_PROPOSAL, 2, (uint32_t)(20 + i), 6, 0, values[i], 0};
    nn_agent_t a = s_agent(f, 3, 1, 0.5, NULL, 0, NULL, 0, notices, N_OF(notices), 0);
    s_step(&a);
    assert_int_equal(f->ab.len, N_OF(values));
    for (size_t i = 0; i < N_OF(values); i++)
        s_assert_act(&f->ab, i, 3, NN_ACT_ACCEPT, (uint32_t)(20 + i), NN_NO_AGENT, want[i]);
    ASSERT_EXACT(a.x, 0.5);
}

/* Offers within tau are accepted; others answered with value2 + concession * (value -
 * value2), the own last offer moved towards the other's. */
static void test_citizen_offers(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[TOL] = 0.25;
    f->p[CONC] = 0.25;
    f->p[SOC] = 0;
    const nn_notice_t notices[] = {
        {NN_NOTICE_OFFER, 3, 30, 8, 0, 0.75, 0.5},   /* 0.25 away: accept */
        {NN_NOTICE_OFFER, 3, 31, 8, 0, 1.0, 0.5},    /* 0.5 + 0.25 * 0.5 */
        {NN_NOTICE_OFFER, 3, 32, 8, 0, 0.0, 0.375},  /* 0.375 + 0.25 * -0.375 */
        {NN_NOTICE_OFFER, 3, 33, 8, 0, 0.125, 0.25}, /* 0.375 away: counter */
    };
    nn_agent_t a = s_agent(f, 2, 1, 0.5, NULL, 0, NULL, 0, notices, N_OF(notices), 0);
    s_step(&a);
    assert_int_equal(f->ab.len, 4);
    s_assert_act(&f->ab, 0, 2, NN_ACT_ACCEPT, 30, NN_NO_AGENT, 1.0);
    s_assert_act(&f->ab, 1, 2, NN_ACT_OFFER, 31, NN_NO_AGENT, 0.625);
    s_assert_act(&f->ab, 2, 2, NN_ACT_OFFER, 32, NN_NO_AGENT, 0.28125);
    s_assert_act(&f->ab, 3, 2, NN_ACT_OFFER, 33, NN_NO_AGENT, 0.21875);
    /* concession 1 offers the other's offer, concession 0 repeats its own */
    f->p[CONC] = 1.0;
    a = s_agent(f, 2, 1, 0.5, NULL, 0, NULL, 0, notices + 1, 1, 0);
    s_step(&a);
    s_assert_act(&f->ab, 0, 2, NN_ACT_OFFER, 31, NN_NO_AGENT, 1.0);
    f->p[CONC] = 0.0;
    a = s_agent(f, 2, 1, 0.5, NULL, 0, NULL, 0, notices + 1, 1, 0);
    s_step(&a);
    s_assert_act(&f->ab, 0, 2, NN_ACT_OFFER, 31, NN_NO_AGENT, 0.5);
}

/* An imposed verdict is complied with iff u < q + (1 - q) * caution / 15 with
 * q = compliance * min(1, standing): with compliance 0.5, standing 0.5 and caution 3,
 * q = 0.25 and p = 0.25 + 0.75 * 0.2 = 0.4. One unit draw per verdict, the first draw of
 * the step. Complying moves x by conformity and makes peace; defying changes nothing. */
static void test_citizen_verdict_draw(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[COMPL] = 0.5;
    f->p[CONF] = 0.5;
    f->p[PEACE] = 4.0;
    f->p[SOC] = 0;
    const nn_notice_t verdict[] = {
        {NN_NOTICE_VERDICT, 4, 17, 9, NN_OUTCOME_IMPOSED, 1.0, 0.5},
    };
    const double p = 0.25 + (1.0 - 0.25) * (3.0 / 15.0);
    int complied = 0, defied = 0;
    for (uint64_t round = 1; round <= 200; round++) {
        nn_agent_t a = s_agent(f, 6, round, 0.5, NULL, 0, NULL, 0, verdict, 1, s_mem(0, 3, 0));
        nn_rng_t replay = a.rng;
        s_step(&a);
        int comply = nn_rng_unit(&replay) < p;
        assert_int_equal(a.rng.draw, replay.draw);
        assert_int_equal(f->ab.len, 1);
        s_assert_act(&f->ab, 0, 6, NN_ACT_COMPLY, 17, NN_NO_AGENT, comply ? 1.0 : 0.0);
        ASSERT_EXACT(a.x, comply ? 0.75 : 0.5);
        assert_int_equal(a.memory, s_mem(0, 3, comply ? 3 : 0));
        complied += comply;
        defied += !comply;
    }
    /* 200 draws at p = 0.4: both outcomes occur */
    assert_true(complied > 40 && complied < 120);
    assert_true(defied > 80);

    /* standing above 1 counts as 1: compliance 1 always complies, and still draws */
    f->p[COMPL] = 1.0;
    const nn_notice_t strong[] = {{NN_NOTICE_VERDICT, 4, 18, 9, NN_OUTCOME_ESCALATED, 0.0, 4.0}};
    for (uint64_t round = 1; round <= 50; round++) {
        nn_agent_t a = s_agent(f, 6, round, 0.5, NULL, 0, NULL, 0, strong, 1, 0);
        s_step(&a);
        assert_int_equal(a.rng.draw, 1);
        s_assert_act(&f->ab, 0, 6, NN_ACT_COMPLY, 18, NN_NO_AGENT, 1.0);
        ASSERT_EXACT(a.x, 0.25);
    }
    /* compliance 0 with caution 15 complies by caution alone; caution 0 never */
    f->p[COMPL] = 0.0;
    for (uint64_t round = 1; round <= 50; round++) {
        nn_agent_t a = s_agent(f, 6, round, 0.5, NULL, 0, NULL, 0, strong, 1, s_mem(0, 15, 0));
        s_step(&a);
        s_assert_act(&f->ab, 0, 6, NN_ACT_COMPLY, 18, NN_NO_AGENT, 1.0);
        a = s_agent(f, 6, round, 0.5, NULL, 0, NULL, 0, strong, 1, 0);
        s_step(&a);
        s_assert_act(&f->ab, 0, 6, NN_ACT_COMPLY, 18, NN_NO_AGENT, 0.0);
        assert_int_equal(a.rng.draw, 1);
    }
}

/* Two contested verdicts draw in notice order, and a sanction between them raises the
 * caution the second one sees. */
static void test_citizen_verdict_draw_order(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[COMPL] = 0.5;
    f->p[CONF] = 0.0;
    f->p[SOC] = 0;
    const nn_notice_t notices[] = {
        {NN_NOTICE_VERDICT, 4, 1, 9, NN_OUTCOME_IMPOSED, 0.0, 1.0},
        {NN_NOTICE_SANCTION, 0, 0, NN_NO_AGENT, 2, 0.1, 0.0},
        {NN_NOTICE_SANCTION, 0, 0, NN_NO_AGENT, 2, 0.1, 0.0},
        {NN_NOTICE_SANCTION, 0, 0, NN_NO_AGENT, 2, 0.1, 0.0},
        {NN_NOTICE_VERDICT, 4, 2, 9, NN_OUTCOME_IMPOSED, 0.0, 1.0},
    };
    for (uint64_t round = 1; round <= 100; round++) {
        nn_agent_t a = s_agent(f, 8, round, 0.5, NULL, 0, NULL, 0, notices, N_OF(notices), 0);
        nn_rng_t replay = a.rng;
        s_step(&a);
        double u1 = nn_rng_unit(&replay), u2 = nn_rng_unit(&replay);
        assert_int_equal(a.rng.draw, 2);
        assert_int_equal(f->ab.len, 2);
        s_assert_act(&f->ab, 0, 8, NN_ACT_COMPLY, 1, NN_NO_AGENT, u1 < 0.5 ? 1.0 : 0.0);
        /* caution 3: 0.5 + 0.5 * 0.2 */
        s_assert_act(&f->ab, 1, 8, NN_ACT_COMPLY, 2, NN_NO_AGENT,
                     u2 < 0.5 + 0.5 * (3.0 / 15.0) ? 1.0 : 0.0);
        assert_int_equal(s_caution(a.memory), 3);
    }
}

/* An agreed verdict is always complied with and draws nothing. */
static void test_citizen_agreed_verdict(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[COMPL] = 0.0;
    f->p[CONF] = 0.25;
    f->p[PEACE] = 1.0;
    f->p[SOC] = 0;
    const nn_notice_t agreed[] = {
        {NN_NOTICE_VERDICT, 2, 5, NN_NO_AGENT, NN_OUTCOME_AGREED, 1.0, 0.0}};
    for (uint64_t round = 1; round <= 20; round++) {
        nn_agent_t a = s_agent(f, 1, round, 0.5, NULL, 0, NULL, 0, agreed, 1, 0);
        s_step(&a);
        assert_int_equal(a.rng.draw, 0);
        assert_int_equal(f->ab.len, 1);
        s_assert_act(&f->ab, 0, 1, NN_ACT_COMPLY, 5, NN_NO_AGENT, 1.0);
        ASSERT_EXACT(a.x, 0.625);
        assert_int_equal(a.memory, 0); /* peace 1: this step only */
    }
}

/* Sanctions raise caution by one each, up to 15. */
static void test_citizen_sanction_caution(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 0;
    const nn_notice_t two[] = {
        {NN_NOTICE_SANCTION, 0, 0, NN_NO_AGENT, 1, 0.2, 0.0},
        {NN_NOTICE_SANCTION, 0, 0, NN_NO_AGENT, 1, 0.2, 0.0},
    };
    nn_agent_t a = s_agent(f, 1, 1, 0.5, NULL, 0, NULL, 0, two, 2, s_mem(0, 5, 0));
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 7, 0));
    a = s_agent(f, 1, 1, 0.5, NULL, 0, NULL, 0, two, 2, s_mem(0, 14, 0));
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 15, 0));
    assert_int_equal(f->ab.len, 0);
}

/* Bits above 23 of the memory word are written 0 while forgetting is off. */
static void test_citizen_memory_layout(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 0;
    f->p[PAT] = 10.0;
    const nn_delivery_t far[] = {{1, 0, 1.0, 0, 1.0f}};
    nn_agent_t a = s_agent(f, 1, 1, 0.0, far, 1, NULL, 0, NULL, 0,
                           s_mem(4, 6, 0) | 0xabcdef0000000000ULL | (uint64_t)1 << 24);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(5, 6, 0));
}

/* With forgetting 3, caution loses one step after three rounds without a sanction; a
 * sanction starts the count again. */
static void test_citizen_forgetting(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 0;
    f->p[FORGET] = 3;
    const nn_notice_t sanction = {NN_NOTICE_SANCTION, 0, 0, NN_NO_AGENT, 1, 0.2, 0.0};
    uint64_t m = s_mem(0, 4, 0);
    const unsigned want_caution[] = {4, 4, 3, 3, 3, 2};
    for (size_t r = 0; r < 6; r++) {
        nn_agent_t a = s_agent(f, 1, r + 1, 0.5, NULL, 0, NULL, 0, NULL, 0, m);
        s_step(&a);
        m = a.memory;
        assert_int_equal(s_caution(m), want_caution[r]);
        assert_int_equal(m >> 24 & 0xff, (r + 1) % 3);
    }
    /* a sanction: caution 3, the quiet count back to 0 */
    nn_agent_t a = s_agent(f, 1, 7, 0.5, NULL, 0, NULL, 0, &sanction, 1, m);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 3, 0));
    /* caution 0 stays 0 */
    m = s_mem(0, 0, 0) | (uint64_t)2 << 24;
    a = s_agent(f, 1, 8, 0.5, NULL, 0, NULL, 0, NULL, 0, m);
    s_step(&a);
    assert_int_equal(a.memory, s_mem(0, 0, 0));
}

/* --- trends --------------------------------------------------------------------------- */

static void s_trend_inbox(nn_delivery_t *in, size_t n, size_t carrying, uint64_t bit)
{
    for (size_t i = 0; i < n; i++)
        in[i] = (nn_delivery_t){(uint32_t)(100 + i), 0, 0.5, i < carrying ? bit : 0, 1.0f, 0};
}

/* Adopted iff share >= threshold * (1 - sensitivity): with 0.5 and 0.5, 1 of 4 (exactly
 * 0.25) adopts and 1 of 5 does not; with 0.3 and 0, 3 of 10 adopts and 2 of 10 does not. */
static void test_citizen_trends(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 0;
    f->p[THR] = 0.5;
    f->p[SENS] = 0.5;
    nn_delivery_t in[10];
    const uint64_t bit = (uint64_t)1 << 37;

    s_trend_inbox(in, 4, 1, bit);
    nn_agent_t a = s_agent(f, 0, 1, 0.5, in, 4, NULL, 0, NULL, 0, 0);
    a.trends = 1; /* held trends stay */
    s_step(&a);
    assert_int_equal(a.trends, 1 | bit);

    s_trend_inbox(in, 5, 1, bit);
    a = s_agent(f, 0, 1, 0.5, in, 5, NULL, 0, NULL, 0, 0);
    a.trends = 1;
    s_step(&a);
    assert_int_equal(a.trends, 1);

    f->p[THR] = 0.3;
    f->p[SENS] = 0.0;
    s_trend_inbox(in, 10, 3, bit);
    a = s_agent(f, 0, 1, 0.5, in, 10, NULL, 0, NULL, 0, 0);
    s_step(&a);
    assert_int_equal(a.trends, bit);
    s_trend_inbox(in, 10, 2, bit);
    a = s_agent(f, 0, 1, 0.5, in, 10, NULL, 0, NULL, 0, 0);
    s_step(&a);
    assert_int_equal(a.trends, 0);

    /* two trends counted separately: bit 0 on 3 of 10 (adopt), bit 63 on 2 (not); the
     * carriers need not come first */
    s_trend_inbox(in, 10, 0, 0);
    in[2].trends = in[5].trends = in[9].trends = 1;
    in[5].trends |= (uint64_t)1 << 63;
    in[7].trends = (uint64_t)1 << 63;
    a = s_agent(f, 0, 1, 0.5, in, 10, NULL, 0, NULL, 0, 0);
    s_step(&a);
    assert_int_equal(a.trends, 1);

    /* sensitivity 1: any carrier suffices; an empty inbox changes nothing */
    f->p[SENS] = 1.0;
    s_trend_inbox(in, 10, 1, bit);
    a = s_agent(f, 0, 1, 0.5, in, 10, NULL, 0, NULL, 0, 0);
    s_step(&a);
    assert_int_equal(a.trends, bit);
    a = s_agent(f, 0, 1, 0.5, NULL, 0, NULL, 0, NULL, 0, 0);
    a.trends = 6;
    s_step(&a);
    assert_int_equal(a.trends, 6);
}

/* --- messages ------------------------------------------------------------------------- */

/* m = min(sociability, n_nbrs) consecutive neighbours from start = below(n_nbrs), with
 * wrap-around; each gets x_new. */
static void test_citizen_window(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 3.0;
    int starts[N_OF(s_five)] = {0};
    for (uint64_t round = 1; round <= 200; round++) {
        nn_agent_t a = s_agent(f, 5, round, 0.375, NULL, 0, s_five, N_OF(s_five), NULL, 0, 0);
        nn_rng_t replay = a.rng;
        s_step(&a);
        size_t start = (size_t)nn_rng_below(&replay, N_OF(s_five));
        assert_int_equal(f->ob.len, 3);
        for (size_t i = 0; i < 3; i++) {
            assert_int_equal(f->ob.msgs[i].from, 5);
            assert_int_equal(f->ob.msgs[i].to, s_five[(start + i) % N_OF(s_five)]);
            ASSERT_EXACT(f->ob.msgs[i].value, 0.375);
            (void)nn_rng_unit(&replay);
        }
        assert_int_equal(a.rng.draw, replay.draw);
        starts[start]++;
    }
    for (size_t k = 0; k < N_OF(s_five); k++)
        assert_true(starts[k] > 10); /* the wrapping starts 3 and 4 are among them */

    /* sociability above the degree: every neighbour once; 2.9 counts as 2; 0 sends none */
    f->p[SOC] = 64.0;
    nn_agent_t a = s_agent(f, 5, 1, 0.375, NULL, 0, s_five, N_OF(s_five), NULL, 0, 0);
    s_step(&a);
    assert_int_equal(f->ob.len, 5);
    for (size_t k = 0; k < N_OF(s_five); k++)
        (void)s_msg_to(&f->ob, s_five[k]);
    assert_int_equal(a.rng.draw, 6);
    f->p[SOC] = 2.9;
    a = s_agent(f, 5, 1, 0.375, NULL, 0, s_five, N_OF(s_five), NULL, 0, 0);
    s_step(&a);
    assert_int_equal(f->ob.len, 2);
    assert_int_equal(a.rng.draw, 3);
    f->p[SOC] = 0.0;
    a = s_agent(f, 5, 1, 0.375, NULL, 0, s_five, N_OF(s_five), NULL, 0, 0);
    s_step(&a);
    assert_int_equal(f->ob.len, 0);
    assert_int_equal(a.rng.draw, 0);
    /* no neighbours: no message and no draw */
    f->p[SOC] = 3.0;
    a = s_agent(f, 5, 1, 0.375, NULL, 0, NULL, 0, NULL, 0, 0);
    s_step(&a);
    assert_int_equal(f->ob.len, 0);
    assert_int_equal(a.rng.draw, 0);
}

/* Replays the window and returns, per neighbour of s_five, the unit draw it got. */
static void s_replay_window(nn_rng_t replay, size_t m, double u[5])
{
    size_t start = (size_t)nn_rng_below(&replay, 5);
    for (size_t k = 0; k < 5; k++)
        u[k] = 2.0; /* not drawn */
    for (size_t i = 0; i < m; i++)
        u[(start + i) % 5] = nn_rng_unit(&replay);
}

/* cooperate iff u < p, p = coop * agree * min(1, standing), p += (1 - p) * caution / 15.
 * Neighbour 10 sent nothing (agree 1, standing 1), 20 agrees with standing 0.5, 30 sent
 * 0.5 then 1.0 (its latest: 0.5 away, agree 0.5), 40 disagrees entirely (agree 0), 50
 * agrees with standing 3 (capped at 1). x = 0, tau = 0.25, cooperativeness 0.5. */
static void test_citizen_defection(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 5.0;
    f->p[COOP] = 0.5;
    f->p[TOL] = 0.25;
    f->p[OPEN] = 0.0;
    f->p[PAT] = 10.0;
    const nn_delivery_t inbox[] = {
        {3, 0, 0.125, 0, 1.0f}, {20, 0, 0.125, 0, 0.5f}, {30, 0, 0.125, 0, 1.0f},
        {30, 1, 0.5, 0, 1.0f},  {40, 0, 1.0, 0, 1.0f},   {50, 0, 0.25, 0, 3.0f},
        {60, 0, 0.0, 0, 1.0f},
    };
    static const unsigned cautions[] = {0, 5, 15};
    int defects = 0, cooperates = 0;
    for (size_t c = 0; c < N_OF(cautions); c++) {
        const double wary = cautions[c] / 15.0;
        const double base[5] = {0.5, 0.25, 0.25, 0.0, 0.5};
        for (uint64_t round = 1; round <= 100; round++) {
            nn_agent_t a = s_agent(f, 2, round, 0.0, inbox, N_OF(inbox), s_five, N_OF(s_five), NULL,
                                   0, s_mem(0, cautions[c], 0));
            nn_rng_t replay = a.rng;
            s_step(&a);
            double u[5];
            s_replay_window(replay, 5, u);
            assert_int_equal(f->ob.len, 5);
            for (size_t k = 0; k < 5; k++) {
                const nn_msg_t *m = s_msg_to(&f->ob, s_five[k]);
                double p = base[k] + (1.0 - base[k]) * wary;
                uint32_t want = u[k] < p ? 0 : NN_MSG_DEFECT;
                assert_int_equal(m->flags, want);
                defects += want != 0;
                cooperates += want == 0;
                if (cautions[c] == 15)
                    assert_int_equal(m->flags, 0); /* full caution: always cooperates */
                if (cautions[c] == 0 && k == 3)
                    assert_int_equal(m->flags, NN_MSG_DEFECT); /* p = 0 */
            }
        }
    }
    assert_true(defects > 100 && cooperates > 100);

    /* cooperativeness 0 and no caution: everyone defected against; caution 15: nobody */
    f->p[COOP] = 0.0;
    nn_agent_t a = s_agent(f, 2, 1, 0.0, inbox, N_OF(inbox), s_five, 5, NULL, 0, 0);
    s_step(&a);
    for (size_t i = 0; i < f->ob.len; i++)
        assert_int_equal(f->ob.msgs[i].flags, NN_MSG_DEFECT);
    a = s_agent(f, 2, 1, 0.0, inbox, N_OF(inbox), s_five, 5, NULL, 0, s_mem(0, 15, 0));
    s_step(&a);
    for (size_t i = 0; i < f->ob.len; i++)
        assert_int_equal(f->ob.msgs[i].flags, 0);
}

/* hostility = min(1, d * (1 + strikes / patience)) * (1 - caution / 15) against a
 * disagreeing latest delivery, 0 otherwise; strikes as they stand after the complaint. */
static void test_citizen_hostility(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 5.0;
    f->p[TOL] = 0.25;
    f->p[OPEN] = 0.0;
    f->p[PAT] = 4.0;
    /* x = 0.5. 10: its latest (seq 1) is 1.0, 0.5 away; 20 agrees; 30 is 0.5 away at 0.0;
     * 40 sent nothing; 50 is 0.375 away; 60 (not a neighbour) 0.5 away */
    const nn_delivery_t inbox[] = {
        {10, 0, 0.5, 0, 1.0f}, {10, 1, 1.0, 0, 1.0f},   {20, 0, 0.625, 0, 1.0f},
        {30, 0, 0.0, 0, 1.0f}, {50, 0, 0.875, 0, 1.0f}, {60, 0, 0.0, 0, 1.0f},
    };
    /* strikes 1 -> 2 (below patience 4): factor 1 + 2/4 = 1.5 */
    nn_agent_t a = s_agent(f, 7, 3, 0.5, inbox, N_OF(inbox), s_five, 5, NULL, 0, s_mem(1, 0, 0));
    s_step(&a);
    assert_int_equal(f->ab.len, 0);
    assert_int_equal(s_strikes(a.memory), 2);
    assert_true(s_msg_to(&f->ob, 10)->hostility == 0.75f);
    assert_true(s_msg_to(&f->ob, 20)->hostility == 0.0f);
    assert_true(s_msg_to(&f->ob, 30)->hostility == 0.75f);
    assert_true(s_msg_to(&f->ob, 40)->hostility == 0.0f);
    assert_true(s_msg_to(&f->ob, 50)->hostility == 0.5625f);
    for (size_t i = 0; i < f->ob.len; i++)
        ASSERT_EXACT(f->ob.msgs[i].value, 0.5);

    /* strikes 2 -> 3: factor 1.75: 0.5 * 1.75 = 0.875; caution 3 scales by 0.8 */
    a = s_agent(f, 7, 3, 0.5, inbox, N_OF(inbox), s_five, 5, NULL, 0, s_mem(2, 3, 0));
    s_step(&a);
    assert_true(fabsf(s_msg_to(&f->ob, 10)->hostility - 0.7f) < 1e-6f);
    assert_true(fabsf(s_msg_to(&f->ob, 50)->hostility - 0.525f) < 1e-6f);
    assert_true(s_msg_to(&f->ob, 20)->hostility == 0.0f);

    /* strikes 3 -> 4 = patience: complaint (about 10, the first at 0.5), strikes 0 and
     * hostility is d itself */
    a = s_agent(f, 7, 3, 0.5, inbox, N_OF(inbox), s_five, 5, NULL, 0, s_mem(3, 0, 0));
    s_step(&a);
    assert_int_equal(f->ab.len, 1);
    s_assert_act(&f->ab, 0, 7, NN_ACT_COMPLAIN, 0, 10, 0.5);
    assert_true(s_msg_to(&f->ob, 10)->hostility == 0.5f);
    assert_true(s_msg_to(&f->ob, 50)->hostility == 0.375f);

    /* capped at 1: x = 0, 10 at 1.0 with factor 1.75 */
    a = s_agent(f, 7, 3, 0.0, inbox, N_OF(inbox), s_five, 5, NULL, 0, s_mem(2, 0, 0));
    s_step(&a);
    assert_true(s_msg_to(&f->ob, 10)->hostility == 1.0f);
    assert_true(s_msg_to(&f->ob, 30)->hostility == 0.0f); /* 0.0 agrees with x = 0 */

    /* at peace everyone agrees: no hostility */
    a = s_agent(f, 7, 3, 0.5, inbox, N_OF(inbox), s_five, 5, NULL, 0, s_mem(2, 0, 3));
    s_step(&a);
    for (size_t i = 0; i < f->ob.len; i++)
        assert_true(f->ob.msgs[i].hostility == 0.0f);
}

/* The comparisons in the inbox and the messages use the x after the notices; what is
 * sent and kept is x_new, clamped to [0, 1]. */
static void test_citizen_x_after_notices(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[SOC] = 1.0;
    f->p[OPEN] = 0.5;
    f->p[TOL] = 0.25;
    const uint32_t nbrs[] = {20};
    /* deliberation takes x from 0 to 0.5; then 0.75 is heard (0.25 away), 20's 0.125 is
     * a grievance against 0.5 though it would agree with 0 */
    const nn_notice_t delib[] = {{NN_NOTICE_DELIBERATE, 5, 2, NN_NO_AGENT, 0, 1.0, 0.0}};
    const nn_delivery_t inbox[] = {{10, 0, 0.75, 0, 1.0f}, {20, 0, 0.125, 0, 1.0f}};
    nn_agent_t a = s_agent(f, 1, 1, 0.0, inbox, 2, nbrs, 1, delib, 1, 0);
    s_step(&a);
    ASSERT_EXACT(a.x, 0.625);
    assert_int_equal(a.memory, s_mem(1, 0, 0));
    assert_int_equal(f->ob.len, 1);
    ASSERT_EXACT(f->ob.msgs[0].value, 0.625);
    /* d = 0.375 against 0.5, strikes 1 of patience 3: 0.375 * (1 + 1/3) rounds to 0.5 */
    assert_true(f->ob.msgs[0].hostility == 0.5f);

    /* a deliberated position outside [0, 1] is clamped before it is sent */
    f->p[OPEN] = 1.0;
    const nn_notice_t wild[] = {{NN_NOTICE_DELIBERATE, 5, 2, NN_NO_AGENT, 0, 1.5, 0.0}};
    a = s_agent(f, 1, 1, 0.0, NULL, 0, nbrs, 1, wild, 1, 0);
    s_step(&a);
    ASSERT_EXACT(a.x, 1.0);
    ASSERT_EXACT(f->ob.msgs[0].value, 1.0);
}

/* --- determinism ---------------------------------------------------------------------- */

static void test_citizen_repeatable(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    f->p[PAT] = 2.0;
    const nn_delivery_t inbox[] = {
        {10, 0, 0.9, 3, 1.5f},  {20, 0, 0.45, 1, 0.5f}, {20, 1, 0.5, 1, 0.5f},
        {30, 0, 0.05, 2, 1.0f}, {40, 0, 0.55, 0, 2.0f},
    };
    const nn_notice_t notices[] = {
        {NN_NOTICE_SANCTION, 0, 0, NN_NO_AGENT, 1, 0.1, 0.0},
        {NN_NOTICE_VERDICT, 4, 3, 9, NN_OUTCOME_IMPOSED, 0.4, 0.8},
        {NN_NOTICE_VOTE, 1, 4, NN_NO_AGENT, 2, 0.0, 1.0},
        {NN_NOTICE_OFFER, 3, 5, 12, 0, 0.95, 0.6},
    };
    nn_msg_t msgs[2][8];
    nn_act_t acts[2][8];
    size_t n_msgs[2], n_acts[2];
    double xs[2];
    uint64_t mems[2], trends[2], draws[2];
    for (int run = 0; run < 2; run++) {
        nn_agent_t a = s_agent(f, 13, 42, 0.5, inbox, N_OF(inbox), s_five, 5, notices,
                               N_OF(notices), s_mem(1, 2, 0));
        a.trends = 4;
        s_step(&a);
        n_msgs[run] = f->ob.len;
        n_acts[run] = f->ab.len;
        assert_true(n_msgs[run] == 3 && n_acts[run] <= 8);
        memcpy(msgs[run], f->ob.msgs, f->ob.len * sizeof(nn_msg_t));
        memcpy(acts[run], f->ab.acts, f->ab.len * sizeof(nn_act_t));
        xs[run] = a.x;
        mems[run] = a.memory;
        trends[run] = a.trends;
        draws[run] = a.rng.draw;
    }
    assert_int_equal(n_msgs[0], n_msgs[1]);
    assert_int_equal(n_acts[0], n_acts[1]);
    assert_true(n_acts[0] >= 3); /* comply, vote, offer (and perhaps a complaint) */
    ASSERT_EXACT(xs[0], xs[1]);
    assert_int_equal(mems[0], mems[1]);
    assert_int_equal(trends[0], trends[1]);
    assert_int_equal(draws[0], draws[1]);
    for (size_t i = 0; i < n_msgs[0]; i++) {
        assert_int_equal(msgs[0][i].from, msgs[1][i].from);
        assert_int_equal(msgs[0][i].to, msgs[1][i].to);
        ASSERT_EXACT(msgs[0][i].value, msgs[1][i].value);
        assert_true(msgs[0][i].hostility == msgs[1][i].hostility);
        assert_int_equal(msgs[0][i].flags, msgs[1][i].flags);
    }
    for (size_t i = 0; i < n_acts[0]; i++) {
        assert_int_equal(acts[0][i].agent, acts[1][i].agent);
        assert_int_equal(acts[0][i].kind, acts[1][i].kind);
        assert_int_equal(acts[0][i].case_id, acts[1][i].case_id);
        assert_int_equal(acts[0][i].other, acts[1][i].other);
        ASSERT_EXACT(acts[0][i].value, acts[1][i].value);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_citizen_params),
        T(test_citizen_forgetting),
        T(test_citizen_weighted_update),
        T(test_citizen_no_weight_keeps_x),
        T(test_citizen_strikes_and_complaint),
        T(test_citizen_peace_suppresses),
        T(test_citizen_peace_after_settlement),
        T(test_citizen_votes),
        T(test_citizen_proposals),
        T(test_citizen_offers),
        T(test_citizen_verdict_draw),
        T(test_citizen_verdict_draw_order),
        T(test_citizen_agreed_verdict),
        T(test_citizen_sanction_caution),
        T(test_citizen_memory_layout),
        T(test_citizen_trends),
        T(test_citizen_window),
        T(test_citizen_defection),
        T(test_citizen_hostility),
        T(test_citizen_x_after_notices),
        T(test_citizen_repeatable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
