/* Batch behaviours (nn_behaviour_ops_t open, prepare, close): a node opens their state
 * from its assignment, hands prepare every hosted agent of the population once a round, in
 * id order and as each will step (inbox, notices, trends, parameters), and each agent's
 * step then finds what prepare left for it; other populations step as before. An error
 * of prepare fails the round with its message; one of open refuses the assignment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nunchi/behaviour.h"
#include "nunchi/error.h"
#include "nunchi/node.h"
#include "nunchi/wire.h"

typedef struct t_ctx {
    uint32_t hosted; /* the assignment's agents, seen by open */
    size_t calls;
    uint32_t seen[16];
    size_t n_seen;
    size_t notices[16];
    uint64_t trends[16];
    double vals[16];
    int fail; /* prepare fails when set */
} t_ctx_t;

static int s_closed; /* close calls */
static t_ctx_t *s_last;

static int t_open(void **ctx, const struct nn_welcome *w, size_t population, char *err,
                  size_t errlen)
{
    (void)population;
    (void)err;
    (void)errlen;
    t_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return NN_ENOMEM;
    c->hosted = (uint32_t)w->n_agents;
    *ctx = c;
    s_last = c;
    return NN_OK;
}

static void t_close(void *ctx)
{
    s_closed++;
    free(ctx);
}

static int t_prepare(void *ctx, const nn_batch_t *b, char *err, size_t errlen)
{
    t_ctx_t *c = ctx;
    const nn_agent_t *agents = b->agents;
    size_t n = b->n;
    void **slots = b->slots;
    c->calls++;
    if (c->fail) {
        snprintf(err, errlen, "the batch of round %llu failed on purpose",
                 (unsigned long long)agents[0].round);
        return NN_EPEER;
    }
    c->n_seen = 0;
    for (size_t i = 0; i < n && i < 16; i++) {
        const nn_agent_t *a = &agents[i];
        double sum = a->x;
        for (size_t k = 0; k < a->n_inbox; k++)
            sum += a->inbox[k].value;
        c->seen[c->n_seen] = a->id;
        c->notices[c->n_seen] = a->n_notices;
        c->trends[c->n_seen] = a->trends;
        c->vals[c->n_seen] = sum / (double)(1 + a->n_inbox) * a->params[0];
        slots[i] = &c->vals[c->n_seen];
        c->n_seen++;
    }
    return NN_OK;
}

static void t_step(nn_agent_t *a)
{
    a->x = a->prepared ? *(const double *)a->prepared : -1.0; /* -1: not prepared, refused */
    nn_send_random(a, a->x);
}

static const nn_param_spec_t s_params[] = {{"scale", 1.0, 0.0, 1.0, "times the mean"}};
static const nn_behaviour_ops_t s_batch = {
    "batch-mean",
    "the mean of self and inbox, decided for all at once",
    s_params,
    1,
    0,
    t_step,
    t_open,
    t_close,
    t_prepare,
};

static int t_open_fails(void **ctx, const struct nn_welcome *w, size_t population, char *err,
                        size_t errlen)
{
    (void)population;
    (void)ctx;
    (void)w;
    snprintf(err, errlen, "no endpoint for this node");
    return NN_ESCENARIO;
}
static const nn_behaviour_ops_t s_refusing = {
    "batch-refusing", "cannot open", NULL, 0, 0, t_step, t_open_fails, t_close, t_prepare,
};

/* six agents on a ring, 0, 2, 3 and 5 batch agents (scale 0.5), 1 and 4 deffuant */
static const uint32_t s_nbr[] = {5, 1, 0, 2, 1, 3, 2, 4, 3, 5, 4, 0};
static const uint64_t s_off[] = {0, 2, 4, 6, 8, 10, 12};
static const uint8_t s_pop[] = {0, 1, 0, 0, 1, 0};
static const double s_state[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};

static void t_welcome(nn_welcome_t *w, nn_population_desc_t *desc, const char *batch)
{
    memset(w, 0, sizeof *w);
    memset(desc, 0, 2 * sizeof *desc);
    snprintf(desc[0].behaviour, NN_NAME_MAX, "%s", batch);
    desc[0].n_params = strcmp(batch, "batch-mean") == 0; /* scale is batch-mean's */
    snprintf(desc[0].param_name[0], NN_NAME_MAX, "scale");
    desc[0].param_value[0] = 0.5;
    snprintf(desc[1].behaviour, NN_NAME_MAX, "deffuant");
    w->node = 1;
    w->seed = 9;
    w->rounds = 5;
    w->agents_total = 6;
    w->dim = 1;
    w->n_populations = 2;
    w->populations = desc;
    w->n_agents = 6;
    w->first_agent = 0;
    w->population = s_pop;
    w->state = s_state;
    w->nbr_off = s_off;
    w->nbr = s_nbr;
}

static int t_group_setup(void **state)
{
    (void)state;
    assert_int_equal(nn_behaviour_register(&s_batch), NN_OK);
    assert_int_equal(nn_behaviour_register(&s_refusing), NN_OK);
    return 0;
}

static void test_prepare_then_step(void **state)
{
    (void)state;
    nn_welcome_t w;
    nn_population_desc_t desc[2];
    t_welcome(&w, desc, "batch-mean");
    char err[256] = "";
    nn_node_t *node = NULL;
    assert_int_equal(nn_node_new(&node, &w, err, sizeof err), NN_OK);
    t_ctx_t *c = s_last;
    assert_non_null(c);
    assert_int_equal(c->hosted, 6);
    /* a tick: agent 2 hears 0.9 from 1, agent 3 gets a TREND notice (trend 4) */
    static const nn_delivery_t d[] = {{.from = 1, .seq = 0, .value = 0.9, .standing = 1}};
    static const uint32_t recv[] = {2};
    static const uint64_t ioff[] = {0, 1};
    static const uint32_t nto[] = {3};
    static const nn_notice_t nt[] = {{.kind = NN_NOTICE_TREND, .other = NN_NO_AGENT, .arg = 4}};
    nn_tick_t t = {.n_runs = 1,
                   .receiver = recv,
                   .inbox_off = ioff,
                   .deliveries = d,
                   .n_notices = 1,
                   .notice_to = nto,
                   .notices = nt};
    nn_actions_t out;
    assert_int_equal(nn_node_step(node, 1, &t, &out, err, sizeof err), NN_OK);
    assert_int_equal(c->calls, 1);
    assert_int_equal(c->n_seen, 4);
    const uint32_t want[] = {0, 2, 3, 5};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(c->seen[i], want[i]);
    assert_int_equal(c->notices[2], 1);                 /* agent 3 saw its notice */
    assert_int_equal(c->trends[2], (uint64_t)1 << 4);   /* with the trend set */
    assert_true(out.state[2] == (0.3 + 0.9) / 2 * 0.5); /* agent 2: what prepare decided */
    assert_true(out.state[0] == 0.1 * 0.5);
    assert_true(out.state[5] == 0.6 * 0.5);
    assert_true(out.state[1] == 0.2 && out.state[4] == 0.5); /* deffuant, empty inboxes */
    assert_int_equal(out.n_msgs, 6);                         /* one each */
    /* the next round prepares again, from the new states */
    assert_int_equal(nn_node_step(node, 2, NULL, &out, err, sizeof err), NN_OK);
    assert_int_equal(c->calls, 2);
    assert_true(out.state[0] == 0.1 * 0.5 * 0.5);
    /* prepare's error fails the round with its message */
    c->fail = 1;
    assert_int_equal(nn_node_step(node, 3, NULL, &out, err, sizeof err), NN_EPEER);
    assert_non_null(strstr(err, "the batch of round 3 failed on purpose"));
    int closed = s_closed;
    nn_node_destroy(&node);
    assert_int_equal(s_closed, closed + 1);
}

static void test_open_refuses(void **state)
{
    (void)state;
    nn_welcome_t w;
    nn_population_desc_t desc[2];
    t_welcome(&w, desc, "batch-refusing");
    char err[256] = "";
    nn_node_t *node = NULL;
    assert_int_equal(nn_node_new(&node, &w, err, sizeof err), NN_ESCENARIO);
    assert_null(node);
    assert_string_equal(err, "no endpoint for this node");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare_then_step),
        cmocka_unit_test(test_open_refuses),
    };
    return cmocka_run_group_tests(tests, t_group_setup, NULL);
}
