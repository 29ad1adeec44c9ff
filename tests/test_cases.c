/* Tests of coordinator/cases.c. Each test builds a small society by hand (a CSR network,
 * a structure with roles, groups, superiors, status and reputation, and the opinions),
 * starts a case engine on it and drives it round by round with hand-written acts,
 * checking the notices, violations, events and counters against values worked out by
 * hand: every protocol succeeding and failing over, refused complaints, ignored acts,
 * compliance, decisions by group and for the society, a spent chain, the two summing
 * orders of deliberation on either side of their limit, and a long run whose memory must
 * stay flat while the cases pile up. Seeded draws (juries,
 * mediators, tie-breaks) are recomputed here from nunchi's generator as the engine's
 * contract describes them. The coordinator is not involved. */
#include <malloc.h>
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

#include "cases.h"
#include "norms.h"

#define SEED 0x6361736573ULL

#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (eps)))                                                             \
            fail_msg("%s = %.17g, expected %.17g within %g", #a, a_, b_, (double)(eps));           \
    } while (0)

#define ACT(agent, kind, case_id, other, value)                                                    \
    ((nn_act_t){(agent), (kind), (case_id), (other), (value)})

typedef struct t_fix {
    nn_network_t net;
    nn_structure_t st;
    double *x;
    nn_cases_env_t env;
    nn_cases_config_t cfg;
    nn_cases_t *c;
    nn_notice_list_t out;
    nn_violation_list_t viol;
    FILE *ev;
    char *ev_buf;
    size_t ev_len;
    size_t ev_mark; /* where the last round's events begin in ev_buf */
} t_fix_t;

/* ---- fixtures ---------------------------------------------------------------------------- */

static void t_free_world(t_fix_t *f)
{
    free(f->net.off);
    free(f->net.adj);
    free(f->st.role);
    free(f->st.group);
    free(f->st.superior);
    free(f->st.status);
    free(f->st.reputation);
    free(f->x);
    memset(&f->net, 0, sizeof f->net);
    memset(&f->st, 0, sizeof f->st);
    f->x = NULL;
}

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->ev = open_memstream(&f->ev_buf, &f->ev_len);
    if (!f->ev) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    nn_cases_destroy(&f->c);
    nn_notice_list_release(&f->out);
    nn_violation_list_release(&f->viol);
    fclose(f->ev);
    free(f->ev_buf);
    t_free_world(f);
    free(f);
    return 0;
}

/* The defaults of cases.h. */
static nn_cases_config_t t_cfg(void)
{
    nn_cases_config_t c;
    memset(&c, 0, sizeof c);
    c.complaints = 1;
    c.n_chain[NN_CASE_COMPLAINT] = 3;
    c.chain[NN_CASE_COMPLAINT][0] = NN_PROTO_MEDIATION;
    c.chain[NN_CASE_COMPLAINT][1] = NN_PROTO_ARBITRATION;
    c.chain[NN_CASE_COMPLAINT][2] = NN_PROTO_TOLERANCE;
    c.n_chain[NN_CASE_DECISION] = 1;
    c.chain[NN_CASE_DECISION][0] = NN_PROTO_MAJORITY;
    c.jury = 5;
    c.max_open = 1;
    c.decisions_every = 0;
    c.decisions_scope = NN_SCOPE_GROUP;
    c.options = 5;
    c.turnout = 0.5;
    c.mediation_rounds = 5;
    c.mediation_step = 0.25;
    c.negotiation_rounds = 6;
    c.arbiter_by = NN_ARBITER_ROLE;
    c.deliberation_rounds = 10;
    c.deliberation_confidence = 0.3;
    c.deliberation_epsilon = 0.05;
    return c;
}

static void t_chain(t_fix_t *f, nn_case_type_t t, size_t n, const nn_protocol_t *p)
{
    f->cfg.n_chain[t] = n;
    for (size_t i = 0; i < n; i++)
        f->cfg.chain[t][i] = p[i];
}

/* A society of n agents with the m undirected edges uv (pairs, no repeats): everyone a
 * citizen of group 0 without a superior, status and reputation 1, opinion 0.5. */
static void t_world(t_fix_t *f, uint32_t n, const uint32_t *uv, size_t m)
{
    t_free_world(f);
    f->net.n = n;
    f->net.n_edges = m;
    f->net.off = calloc((size_t)n + 1, sizeof *f->net.off);
    f->net.adj = malloc((2 * m + 1) * sizeof *f->net.adj);
    assert_non_null(f->net.off);
    assert_non_null(f->net.adj);
    for (size_t e = 0; e < m; e++) {
        f->net.off[uv[2 * e] + 1]++;
        f->net.off[uv[2 * e + 1] + 1]++;
    }
    for (uint32_t i = 0; i < n; i++)
        f->net.off[i + 1] += f->net.off[i];
    uint64_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    assert_non_null(fill);
    memcpy(fill, f->net.off, ((size_t)n + 1) * sizeof *fill);
    for (size_t e = 0; e < m; e++) {
        uint32_t u = uv[2 * e], v = uv[2 * e + 1];
        f->net.adj[fill[u]++] = v;
        f->net.adj[fill[v]++] = u;
    }
    free(fill);
    for (uint32_t i = 0; i < n; i++) /* rows ascending: insertion sort */
        for (uint64_t a = f->net.off[i] + 1; a < f->net.off[i + 1]; a++)
            for (uint64_t b = a; b > f->net.off[i] && f->net.adj[b - 1] > f->net.adj[b]; b--) {
                uint32_t t = f->net.adj[b];
                f->net.adj[b] = f->net.adj[b - 1];
                f->net.adj[b - 1] = t;
            }

    f->st.n = n;
    f->st.role = calloc(n, sizeof *f->st.role);
    f->st.group = calloc(n, sizeof *f->st.group);
    f->st.n_groups = 1;
    f->st.superior = malloc(n * sizeof *f->st.superior);
    f->st.status = malloc(n * sizeof *f->st.status);
    f->st.reputation = malloc(n * sizeof *f->st.reputation);
    f->x = malloc(n * sizeof *f->x);
    assert_true(f->st.role && f->st.group && f->st.superior && f->st.status && f->st.reputation &&
                f->x);
    for (uint32_t i = 0; i < n; i++) {
        f->st.superior[i] = NN_NO_SUPERIOR;
        f->st.status[i] = 1.0;
        f->st.reputation[i] = 1.0;
        f->x[i] = 0.5;
    }
    f->env.n = n;
    f->env.seed = SEED;
    f->env.net = &f->net;
    f->env.st = &f->st;
    f->env.x = f->x;
    f->cfg = t_cfg();
}

/* (Re)starts the engine with f->cfg; counters start from zero. */
static void t_start(t_fix_t *f)
{
    nn_cases_destroy(&f->c);
    assert_int_equal(nn_cases_new(&f->c, &f->cfg, &f->env), NN_OK);
    assert_non_null(f->c);
}

/* Ends round r with the given acts: the notices and violations of that round only. */
static void t_round(t_fix_t *f, uint64_t r, const nn_act_t *acts, size_t n)
{
    f->out.len = 0;
    f->viol.len = 0;
    fflush(f->ev);
    f->ev_mark = f->ev_len;
    assert_int_equal(nn_cases_round(f->c, r, acts, n, &f->out, &f->viol, f->ev), NN_OK);
    fflush(f->ev);
}

static const nn_cases_stats_t *t_stats(const t_fix_t *f)
{
    return nn_cases_stats(f->c);
}

/* The k-th notice (from 0) of kind for agent `to` in case_id (0: any case), or NULL. */
static const nn_notice_t *t_nth(const t_fix_t *f, uint32_t to, int kind, uint32_t case_id, size_t k)
{
    for (size_t i = 0; i < f->out.len; i++) {
        const nn_notice_t *n = &f->out.items[i];
        if (f->out.to[i] == to && n->kind == kind && (!case_id || n->case_id == case_id) &&
            k-- == 0)
            return n;
    }
    return NULL;
}

static const nn_notice_t *t_get(const t_fix_t *f, uint32_t to, int kind, uint32_t case_id)
{
    const nn_notice_t *n = t_nth(f, to, kind, case_id, 0);
    if (!n)
        fail_msg("no notice of kind %d for agent %u in case %u", kind, to, case_id);
    return n;
}

/* Notices of kind in case_id (0: any case). */
static size_t t_count(const t_fix_t *f, int kind, uint32_t case_id)
{
    size_t k = 0;
    for (size_t i = 0; i < f->out.len; i++)
        if (f->out.items[i].kind == kind && (!case_id || f->out.items[i].case_id == case_id))
            k++;
    return k;
}

/* The last round's event lines, parsed; returns how many (at most max). */
static size_t t_events(const t_fix_t *f, json_t **ev, size_t max)
{
    size_t k = 0;
    const char *p = f->ev_buf + f->ev_mark, *end = f->ev_buf + f->ev_len;
    while (p < end && k < max) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl);
        json_error_t err;
        ev[k] = json_loadb(p, (size_t)(nl - p), 0, &err);
        if (!ev[k])
            fail_msg("bad event line: %s", err.text);
        k++;
        p = nl + 1;
    }
    return k;
}

static void t_events_free(json_t **ev, size_t k)
{
    for (size_t i = 0; i < k; i++)
        json_decref(ev[i]);
}

static const char *t_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("event has no string '%s'", key);
    return json_string_value(v);
}

static long long t_int(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("event has no integer '%s'", key);
    return (long long)json_integer_value(v);
}

static void t_notice_is(const nn_notice_t *n, int protocol, uint32_t case_id, uint32_t other,
                        uint32_t arg, double value, double value2)
{
    assert_int_equal(n->protocol, protocol);
    assert_int_equal(n->case_id, case_id);
    assert_int_equal(n->other, other);
    assert_int_equal(n->arg, arg);
    assert_near(n->value, value, 1e-12);
    assert_near(n->value2, value2, 1e-12);
}

/* The small world of the complaint tests: 0-1, 1-2, 2-3, 0-4, 1-5 and 6, 7 apart. */
static const uint32_t s_edges[] = {0, 1, 1, 2, 2, 3, 0, 4, 1, 5};

/* ---- names and arguments ---------------------------------------------------------------- */

static void test_names_and_arguments(void **state)
{
    t_fix_t *f = *state;
    assert_string_equal(nn_protocol_name(NN_PROTO_MAJORITY), "majority");
    assert_string_equal(nn_protocol_name(NN_PROTO_WEIGHTED), "weighted");
    assert_string_equal(nn_protocol_name(NN_PROTO_MEDIATION), "mediation");
    assert_string_equal(nn_protocol_name(NN_PROTO_NEGOTIATION), "negotiation");
    assert_string_equal(nn_protocol_name(NN_PROTO_ARBITRATION), "arbitration");
    assert_string_equal(nn_protocol_name(NN_PROTO_DELIBERATION), "deliberation");
    assert_string_equal(nn_protocol_name(NN_PROTO_TOLERANCE), "tolerance");
    assert_string_equal(nn_protocol_name(NN_PROTOCOLS), "?");
    assert_string_equal(nn_case_type_name(NN_CASE_COMPLAINT), "complaint");
    assert_string_equal(nn_case_type_name(NN_CASE_DECISION), "decision");
    assert_string_equal(nn_case_type_name(NN_CASE_TYPES), "?");
    assert_string_equal(nn_outcome_name(NN_OUTCOME_AGREED), "agreed");
    assert_string_equal(nn_outcome_name(NN_OUTCOME_IMPOSED), "imposed");
    assert_string_equal(nn_outcome_name(NN_OUTCOME_TOLERATED), "tolerated");
    assert_string_equal(nn_outcome_name(NN_OUTCOME_ESCALATED), "escalated");
    assert_string_equal(nn_outcome_name(4), "?");

    t_world(f, 8, s_edges, 5);
    nn_cases_t *c = (nn_cases_t *)&c;
    assert_int_equal(nn_cases_new(&c, NULL, &f->env), NN_EINVAL);
    assert_null(c);
    f->cfg.chain[NN_CASE_COMPLAINT][1] = NN_PROTOCOLS;
    assert_int_equal(nn_cases_new(&c, &f->cfg, &f->env), NN_EINVAL);
    f->cfg = t_cfg();
    f->cfg.n_chain[NN_CASE_DECISION] = NN_MAX_CHAIN + 1;
    assert_int_equal(nn_cases_new(&c, &f->cfg, &f->env), NN_EINVAL);
    f->cfg = t_cfg();
    f->cfg.decisions_every = 3;
    f->cfg.options = 1;
    assert_int_equal(nn_cases_new(&c, &f->cfg, &f->env), NN_EINVAL);
    f->cfg = t_cfg();
    f->st.group[3] = 1; /* n_groups is 1 */
    assert_int_equal(nn_cases_new(&c, &f->cfg, &f->env), NN_EINVAL);
    f->st.group[3] = 0;
    t_start(f);
    nn_cases_destroy(&f->c);
    assert_null(f->c);
    nn_cases_destroy(&f->c); /* NULL-safe */
    nn_cases_destroy(NULL);

    /* env is copied: the caller may build it on its stack and reuse the memory */
    nn_cases_env_t tmp = f->env;
    nn_protocol_t p = NN_PROTO_TOLERANCE;
    t_chain(f, NN_CASE_COMPLAINT, 1, &p);
    assert_int_equal(nn_cases_new(&f->c, &f->cfg, &tmp), NN_OK);
    memset(&tmp, 0, sizeof tmp);
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.5)};
    t_round(f, 1, r1, 1);
    assert_int_equal(t_stats(f)->opened[NN_CASE_COMPLAINT], 1);
    assert_int_equal(t_stats(f)->refused_complaints, 0);
}

/* ---- complaints ------------------------------------------------------------------------- */

static void test_refused_complaints(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5);
    nn_protocol_t neg[] = {NN_PROTO_NEGOTIATION}; /* stays open for several rounds */
    t_chain(f, NN_CASE_COMPLAINT, 1, neg);
    t_start(f);
    nn_act_t r1[] = {
        ACT(0, NN_ACT_COMPLAIN, 0, 2, 0.5),  /* not a neighbour */
        ACT(0, NN_ACT_COMPLAIN, 0, 0, 0.5),  /* itself */
        ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.5),  /* accepted: case 1 */
        ACT(0, NN_ACT_COMPLAIN, 0, 99, 0.5), /* out of range */
        ACT(1, NN_ACT_COMPLAIN, 0, 0, 0.5),  /* the same pair the other way */
        ACT(1, NN_ACT_COMPLAIN, 0, 2, 0.5),  /* 1 is at max_open */
        ACT(2, NN_ACT_COMPLAIN, 0, 1, 0.5),  /* ... also as a respondent */
        ACT(2, NN_ACT_COMPLAIN, 0, 3, 0.5),  /* accepted: case 2 */
    };
    t_round(f, 1, r1, 8);
    assert_int_equal(t_stats(f)->refused_complaints, 6);
    assert_int_equal(t_stats(f)->opened[NN_CASE_COMPLAINT], 2);
    assert_int_equal(t_stats(f)->round_opened, 2);
    assert_int_equal(t_stats(f)->open, 2);
    t_notice_is(t_get(f, 0, NN_NOTICE_CASE, 1), NN_PROTO_NEGOTIATION, 1, 1, NN_PART_PARTY, 0.5,
                0.5);
    t_notice_is(t_get(f, 3, NN_NOTICE_CASE, 2), NN_PROTO_NEGOTIATION, 2, 2, NN_PART_PARTY, 0.5,
                0.5);
    /* a later round: the pair is still open */
    nn_act_t r2[] = {ACT(1, NN_ACT_COMPLAIN, 0, 0, 0.5)};
    t_round(f, 2, r2, 1);
    assert_int_equal(t_stats(f)->refused_complaints, 7);
    assert_int_equal(t_stats(f)->round_opened, 0);

    /* max_open 2: an agent may be a party to two cases, not to the same pair twice */
    f->cfg.max_open = 2;
    t_start(f);
    nn_act_t r3[] = {
        ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.5), ACT(1, NN_ACT_COMPLAIN, 0, 2, 0.5),
        ACT(1, NN_ACT_COMPLAIN, 0, 5, 0.5), /* third case of 1 */
        ACT(2, NN_ACT_COMPLAIN, 0, 1, 0.5), /* the pair 1-2 again */
        ACT(4, NN_ACT_COMPLAIN, 0, 0, 0.5),
    };
    t_round(f, 1, r3, 5);
    assert_int_equal(t_stats(f)->opened[NN_CASE_COMPLAINT], 3);
    assert_int_equal(t_stats(f)->refused_complaints, 2);
    assert_non_null(t_nth(f, 4, NN_NOTICE_CASE, 3, 0));
    /* below max_open, the same pair is refused for being open */
    t_start(f);
    nn_act_t r4[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.5), ACT(1, NN_ACT_COMPLAIN, 0, 0, 0.5)};
    t_round(f, 1, r4, 2);
    assert_int_equal(t_stats(f)->opened[NN_CASE_COMPLAINT], 1);
    assert_int_equal(t_stats(f)->refused_complaints, 1);

    /* without complaints every complaint is refused */
    f->cfg.complaints = 0;
    t_start(f);
    t_round(f, 1, r3, 5);
    assert_int_equal(t_stats(f)->refused_complaints, 5);
    assert_int_equal(t_stats(f)->opened[NN_CASE_COMPLAINT], 0);
    assert_int_equal(f->out.len, 0);
}

static void test_mediation_agrees_and_compliance(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5);
    f->st.role[4] = NN_ROLE_MEDIATOR;
    f->st.status[4] = 0.5;
    f->st.reputation[4] = 0.8;
    f->x[0] = 0.2;
    f->x[1] = 0.6;
    t_start(f);

    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.2)};
    t_round(f, 1, r1, 1);
    assert_int_equal(f->out.len, 5); /* 2 case, 1 mediator, 2 proposals */
    t_notice_is(t_get(f, 0, NN_NOTICE_CASE, 1), NN_PROTO_MEDIATION, 1, 1, NN_PART_PARTY, 0.2, 0.6);
    t_notice_is(t_get(f, 1, NN_NOTICE_CASE, 1), NN_PROTO_MEDIATION, 1, 0, NN_PART_PARTY, 0.6, 0.2);
    t_notice_is(t_get(f, 4, NN_NOTICE_CASE, 1), NN_PROTO_MEDIATION, 1, 0, NN_PART_MEDIATOR, 0.2,
                0.6);
    t_notice_is(t_get(f, 0, NN_NOTICE_PROPOSAL, 1), NN_PROTO_MEDIATION, 1, 4, 0, 0.4, 0.0);
    t_notice_is(t_get(f, 1, NN_NOTICE_PROPOSAL, 1), NN_PROTO_MEDIATION, 1, 4, 0, 0.4, 0.0);
    assert_int_equal(t_stats(f)->protocol[NN_PROTO_MEDIATION].opened, 1);
    json_t *ev[8];
    size_t k = t_events(f, ev, 8);
    assert_int_equal(k, 1);
    assert_int_equal(t_int(ev[0], "round"), 1);
    assert_string_equal(t_str(ev[0], "event"), "case_opened");
    assert_int_equal(t_int(ev[0], "case"), 1);
    assert_string_equal(t_str(ev[0], "type"), "complaint");
    json_t *parties = json_object_get(ev[0], "parties");
    assert_int_equal(json_array_size(parties), 2);
    assert_int_equal(json_integer_value(json_array_get(parties, 0)), 0);
    assert_int_equal(json_integer_value(json_array_get(parties, 1)), 1);
    assert_int_equal(t_int(ev[0], "members"), 2);
    assert_string_equal(t_str(ev[0], "protocol"), "mediation");
    /* the issue is the parties' positions; the deadline opening + mediation 5 +
     * arbitration 1 + tolerance 0 */
    json_t *issue = json_object_get(ev[0], "issue");
    assert_int_equal(json_array_size(issue), 2);
    assert_true(json_real_value(json_array_get(issue, 0)) == 0.2);
    assert_true(json_real_value(json_array_get(issue, 1)) == 0.6);
    assert_int_equal(t_int(ev[0], "deadline"), 1 + 5 + 1 + 0);
    t_events_free(ev, k);

    /* both accept (an earlier rejection is replaced): agreed at the proposal */
    nn_act_t r2[] = {ACT(0, NN_ACT_ACCEPT, 1, 0, 0.0), ACT(0, NN_ACT_ACCEPT, 1, 0, 1.0),
                     ACT(1, NN_ACT_ACCEPT, 1, 0, 0.7)};
    t_round(f, 2, r2, 3);
    t_notice_is(t_get(f, 0, NN_NOTICE_VERDICT, 1), NN_PROTO_MEDIATION, 1, 4, NN_OUTCOME_AGREED, 0.4,
                0.4);
    t_notice_is(t_get(f, 1, NN_NOTICE_VERDICT, 1), NN_PROTO_MEDIATION, 1, 4, NN_OUTCOME_AGREED, 0.4,
                0.4);
    assert_null(t_nth(f, 4, NN_NOTICE_VERDICT, 1, 0));
    for (uint32_t a = 0; a < 5; a += (a == 1 ? 3 : 1))
        t_notice_is(t_get(f, a, NN_NOTICE_CLOSED, 1), NN_PROTO_MEDIATION, 1, 4, NN_OUTCOME_AGREED,
                    0.4, 0.0);
    assert_int_equal(f->out.len, 5);
    const nn_cases_stats_t *s = t_stats(f);
    assert_int_equal(s->verdicts, 2);
    assert_int_equal(s->closed[NN_OUTCOME_AGREED], 1);
    assert_int_equal(s->round_closed, 1);
    assert_int_equal(s->resolution_rounds, 1);
    assert_int_equal(s->open, 0);
    assert_int_equal(s->protocol[NN_PROTO_MEDIATION].outcome[NN_OUTCOME_AGREED], 1);
    assert_int_equal(s->ignored_acts, 0);
    k = t_events(f, ev, 8);
    assert_int_equal(k, 3);
    assert_string_equal(t_str(ev[0], "event"), "protocol_ended");
    assert_string_equal(t_str(ev[0], "protocol"), "mediation");
    assert_string_equal(t_str(ev[0], "result"), "agreed");
    assert_string_equal(t_str(ev[1], "event"), "verdict");
    assert_near(json_real_value(json_object_get(ev[1], "value")), 0.4, 1e-12);
    assert_string_equal(t_str(ev[1], "outcome"), "agreed");
    assert_int_equal(t_int(ev[1], "decider"), 4);
    assert_string_equal(t_str(ev[2], "event"), "case_closed");
    assert_string_equal(t_str(ev[2], "outcome"), "agreed");
    assert_int_equal(t_int(ev[2], "rounds"), 1);
    assert_int_equal(t_int(ev[2], "round"), 2);
    t_events_free(ev, k);

    /* 0 complies, 1 says nothing: one noncompliance; the mediator cannot comply */
    nn_act_t r3[] = {ACT(0, NN_ACT_COMPLY, 1, 0, 1.0), ACT(4, NN_ACT_COMPLY, 1, 0, 1.0)};
    t_round(f, 3, r3, 2);
    assert_int_equal(s->complied, 1);
    assert_int_equal(s->defied, 1);
    assert_int_equal(s->ignored_acts, 1);
    assert_int_equal(f->viol.len, 1);
    assert_int_equal(f->viol.items[0].agent, 1);
    assert_int_equal(f->viol.items[0].norm, NN_NORM_NONCOMPLIANCE);
    assert_int_equal(f->viol.items[0].count, 1);
    assert_int_equal(f->viol.items[0].case_id, 1);
    assert_int_equal(f->out.len, 0);

    /* the record is gone: a late answer is ignored, nothing more is counted */
    nn_act_t r4[] = {ACT(1, NN_ACT_COMPLY, 1, 0, 1.0)};
    t_round(f, 4, r4, 1);
    assert_int_equal(s->ignored_acts, 2);
    assert_int_equal(s->complied, 1);
    assert_int_equal(f->viol.len, 0);
}

static void test_mediation_fails_over_to_arbitration(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5);
    f->st.role[4] = NN_ROLE_MEDIATOR;
    f->st.role[5] = NN_ROLE_ARBITER;
    f->st.status[5] = 0.5;
    f->x[0] = 0.2;
    f->x[1] = 0.6;
    f->x[5] = 0.9;
    f->cfg.mediation_rounds = 3;
    t_start(f);

    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.2)};
    t_round(f, 1, r1, 1);
    assert_near(t_get(f, 1, NN_NOTICE_PROPOSAL, 1)->value, 0.4, 1e-12);
    /* 0 accepts, 1 holds out: p <- 0.4 + 0.25 (0.6 - 0.4) */
    nn_act_t r2[] = {ACT(0, NN_ACT_ACCEPT, 1, 0, 1.0), ACT(1, NN_ACT_ACCEPT, 1, 0, 0.0)};
    t_round(f, 2, r2, 2);
    assert_int_equal(f->out.len, 2);
    t_notice_is(t_get(f, 0, NN_NOTICE_PROPOSAL, 1), NN_PROTO_MEDIATION, 1, 4, 0, 0.45, 0.0);
    t_notice_is(t_get(f, 1, NN_NOTICE_PROPOSAL, 1), NN_PROTO_MEDIATION, 1, 4, 0, 0.45, 0.0);
    /* 1 says nothing: p <- 0.45 + 0.25 (0.6 - 0.45) */
    nn_act_t r3[] = {ACT(0, NN_ACT_ACCEPT, 1, 0, 1.0)};
    t_round(f, 3, r3, 1);
    assert_near(t_get(f, 0, NN_NOTICE_PROPOSAL, 1)->value, 0.4875, 1e-12);
    /* both reject the third proposal: mediation fails and arbitration starts at once */
    nn_act_t r4[] = {ACT(0, NN_ACT_ACCEPT, 1, 0, 0.0), ACT(1, NN_ACT_ACCEPT, 1, 0, 0.0)};
    t_round(f, 4, r4, 2);
    assert_int_equal(f->out.len, 1);
    t_notice_is(t_get(f, 5, NN_NOTICE_CASE, 1), NN_PROTO_ARBITRATION, 1, 0, NN_PART_ARBITER, 0.2,
                0.6);
    const nn_cases_stats_t *s = t_stats(f);
    assert_int_equal(s->protocol[NN_PROTO_MEDIATION].outcome[NN_OUTCOME_ESCALATED], 1);
    assert_int_equal(s->protocol[NN_PROTO_ARBITRATION].opened, 1);
    assert_int_equal(s->open, 1);
    json_t *ev[4];
    size_t k = t_events(f, ev, 4);
    assert_int_equal(k, 1);
    assert_string_equal(t_str(ev[0], "event"), "protocol_ended");
    assert_string_equal(t_str(ev[0], "protocol"), "mediation");
    assert_string_equal(t_str(ev[0], "result"), "failed");
    t_events_free(ev, k);
    /* an accept is no answer to an arbitration */
    nn_act_t r5[] = {ACT(0, NN_ACT_ACCEPT, 1, 0, 1.0)};
    t_round(f, 5, r5, 1);
    assert_int_equal(s->ignored_acts, 1);
    /* the arbiter's 0.9 is clamped to the parties' range [0.2, 0.6] */
    t_notice_is(t_get(f, 0, NN_NOTICE_VERDICT, 1), NN_PROTO_ARBITRATION, 1, 5, NN_OUTCOME_IMPOSED,
                0.6, 0.5);
    t_notice_is(t_get(f, 1, NN_NOTICE_VERDICT, 1), NN_PROTO_ARBITRATION, 1, 5, NN_OUTCOME_IMPOSED,
                0.6, 0.5);
    /* the closing notice reaches both third parties, the earlier mediator too */
    for (uint32_t a = 0; a < 6; a++) {
        const nn_notice_t *n = t_nth(f, a, NN_NOTICE_CLOSED, 1, 0);
        if (a == 2 || a == 3) {
            assert_null(n);
            continue;
        }
        t_notice_is(n, NN_PROTO_ARBITRATION, 1, 5, NN_OUTCOME_IMPOSED, 0.6, 0.0);
    }
    assert_int_equal(s->closed[NN_OUTCOME_IMPOSED], 1);
    assert_int_equal(s->resolution_rounds, 4);
    assert_int_equal(s->protocol[NN_PROTO_ARBITRATION].outcome[NN_OUTCOME_IMPOSED], 1);
}

static void test_mediator_choice(void **state)
{
    t_fix_t *f = *state;
    /* groups {0,1,2,3}, {4,5,6}, {7,8,9}; mediators 2, 3 | 5 | 8 */
    static const uint32_t e[] = {0, 1, 5, 6, 4, 5, 7, 8};
    t_world(f, 10, e, 4);
    f->st.n_groups = 3;
    for (uint32_t i = 0; i < 10; i++)
        f->st.group[i] = i < 4 ? 0 : i < 7 ? 1 : 2;
    f->st.role[2] = f->st.role[3] = f->st.role[5] = f->st.role[8] = NN_ROLE_MEDIATOR;
    t_start(f);
    /* case 1: 0 against 1 in group 0 draws from its group's [2, 3]; case 2: 5 against 6 in
     * group 1, whose only mediator is a party, draws from everyone's [2, 3, 8] */
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.5), ACT(5, NN_ACT_COMPLAIN, 0, 6, 0.5)};
    t_round(f, 1, r1, 2);
    nn_rng_t g;
    nn_rng_init(&g, SEED, NN_STREAM_CASES, 1, 1000);
    uint32_t want1 = (uint32_t[]){2, 3}[nn_rng_below(&g, 2)];
    nn_rng_init(&g, SEED, NN_STREAM_CASES, 2, 1000);
    uint32_t want2 = (uint32_t[]){2, 3, 8}[nn_rng_below(&g, 3)];
    assert_int_equal(t_get(f, want1, NN_NOTICE_CASE, 1)->arg, NN_PART_MEDIATOR);
    assert_int_equal(t_get(f, 0, NN_NOTICE_PROPOSAL, 1)->other, want1);
    assert_int_equal(t_get(f, want2, NN_NOTICE_CASE, 2)->arg, NN_PART_MEDIATOR);
    assert_int_equal(t_get(f, 6, NN_NOTICE_PROPOSAL, 2)->other, want2);
    assert_int_equal(t_count(f, NN_NOTICE_CASE, 1), 3);
    assert_int_equal(t_count(f, NN_NOTICE_CASE, 2), 3);

    /* decisions by group under mediation: all of a group are parties, so group 0 (2 and 3
     * in it) draws from [5, 8] and group 1 (5 in it) from [2, 3, 8] */
    f->cfg.complaints = 0;
    f->cfg.decisions_every = 1;
    nn_protocol_t med[] = {NN_PROTO_MEDIATION};
    t_chain(f, NN_CASE_DECISION, 1, med);
    t_start(f);
    t_round(f, 1, NULL, 0);
    assert_int_equal(t_stats(f)->opened[NN_CASE_DECISION], 3);
    nn_rng_init(&g, SEED, NN_STREAM_CASES, 1, 1000);
    uint32_t d1 = (uint32_t[]){5, 8}[nn_rng_below(&g, 2)];
    nn_rng_init(&g, SEED, NN_STREAM_CASES, 2, 1000);
    uint32_t d2 = (uint32_t[]){2, 3, 8}[nn_rng_below(&g, 3)];
    nn_rng_init(&g, SEED, NN_STREAM_CASES, 3, 1000);
    uint32_t d3 = (uint32_t[]){2, 3, 5}[nn_rng_below(&g, 3)];
    assert_int_equal(t_get(f, 0, NN_NOTICE_PROPOSAL, 1)->other, d1);
    assert_int_equal(t_get(f, 4, NN_NOTICE_PROPOSAL, 2)->other, d2);
    assert_int_equal(t_get(f, 9, NN_NOTICE_PROPOSAL, 3)->other, d3);
    /* the proposal is the group's mean: 0.5 each, then every member must accept */
    assert_near(t_get(f, 0, NN_NOTICE_PROPOSAL, 1)->value, 0.5, 1e-15);
    assert_int_equal(t_count(f, NN_NOTICE_PROPOSAL, 1), 4);

    /* second in the chain, after a negotiation that a decision cannot hold: the draw's
     * slot is 1000 + 1 */
    nn_protocol_t neg_med[] = {NN_PROTO_NEGOTIATION, NN_PROTO_MEDIATION};
    t_chain(f, NN_CASE_DECISION, 2, neg_med);
    t_start(f);
    t_round(f, 1, NULL, 0);
    nn_rng_init(&g, SEED, NN_STREAM_CASES, 2, 1001);
    d2 = (uint32_t[]){2, 3, 8}[nn_rng_below(&g, 3)];
    t_notice_is(t_get(f, 4, NN_NOTICE_PROPOSAL, 2), NN_PROTO_MEDIATION, 2, d2, 0, 0.5, 0.0);
    t_notice_is(t_get(f, d2, NN_NOTICE_CASE, 2), NN_PROTO_MEDIATION, 2, NN_NO_AGENT,
                NN_PART_MEDIATOR, 0.5, 0.5);
}

static void test_negotiation_meets(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5);
    f->x[0] = 0.2;
    f->x[1] = 0.8;
    f->cfg.negotiation_rounds = 4;
    nn_protocol_t chain[] = {NN_PROTO_NEGOTIATION, NN_PROTO_TOLERANCE};
    t_chain(f, NN_CASE_COMPLAINT, 2, chain);
    t_start(f);

    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.2)};
    t_round(f, 1, r1, 1);
    /* the complainant's turn first: the other's position, its own */
    t_notice_is(t_get(f, 0, NN_NOTICE_OFFER, 1), NN_PROTO_NEGOTIATION, 1, 1, 0, 0.8, 0.2);
    assert_int_equal(t_count(f, NN_NOTICE_OFFER, 1), 1);
    /* 0 offers 0.4; 1 is not on turn */
    nn_act_t r2[] = {ACT(0, NN_ACT_OFFER, 1, 0, 0.4), ACT(1, NN_ACT_OFFER, 1, 0, 0.7)};
    t_round(f, 2, r2, 2);
    assert_int_equal(t_stats(f)->ignored_acts, 1);
    assert_int_equal(f->out.len, 1);
    t_notice_is(t_get(f, 1, NN_NOTICE_OFFER, 1), NN_PROTO_NEGOTIATION, 1, 0, 0, 0.4, 0.8);
    nn_act_t r3[] = {ACT(1, NN_ACT_OFFER, 1, 0, 0.6)};
    t_round(f, 3, r3, 1);
    t_notice_is(t_get(f, 0, NN_NOTICE_OFFER, 1), NN_PROTO_NEGOTIATION, 1, 1, 0, 0.6, 0.4);
    /* 0 takes the 0.6 offered to it */
    nn_act_t r4[] = {ACT(0, NN_ACT_ACCEPT, 1, 0, 1.0)};
    t_round(f, 4, r4, 1);
    t_notice_is(t_get(f, 0, NN_NOTICE_VERDICT, 1), NN_PROTO_NEGOTIATION, 1, NN_NO_AGENT,
                NN_OUTCOME_AGREED, 0.6, 1.0);
    t_notice_is(t_get(f, 1, NN_NOTICE_VERDICT, 1), NN_PROTO_NEGOTIATION, 1, NN_NO_AGENT,
                NN_OUTCOME_AGREED, 0.6, 1.0);
    assert_int_equal(t_stats(f)->protocol[NN_PROTO_NEGOTIATION].outcome[NN_OUTCOME_AGREED], 1);
    json_t *ev[4];
    size_t k = t_events(f, ev, 4);
    assert_int_equal(k, 3);
    assert_true(json_is_null(json_object_get(ev[1], "decider")));
    t_events_free(ev, k);
    /* both comply */
    nn_act_t r5[] = {ACT(0, NN_ACT_COMPLY, 1, 0, 1.0), ACT(1, NN_ACT_COMPLY, 1, 0, 0.9)};
    t_round(f, 5, r5, 2);
    assert_int_equal(t_stats(f)->complied, 2);
    assert_int_equal(t_stats(f)->defied, 0);
    assert_int_equal(f->viol.len, 0);
}

static void test_negotiation_times_out(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5);
    f->x[0] = 0.2;
    f->x[1] = 0.8;
    f->cfg.negotiation_rounds = 3;
    nn_protocol_t chain[] = {NN_PROTO_NEGOTIATION, NN_PROTO_TOLERANCE};
    t_chain(f, NN_CASE_COMPLAINT, 2, chain);
    t_start(f);
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.2)};
    t_round(f, 1, r1, 1);
    /* an offer above 1 is clamped */
    nn_act_t r2[] = {ACT(0, NN_ACT_OFFER, 1, 0, 1.7)};
    t_round(f, 2, r2, 1);
    t_notice_is(t_get(f, 1, NN_NOTICE_OFFER, 1), NN_PROTO_NEGOTIATION, 1, 0, 0, 1.0, 0.8);
    /* no answer keeps the last offer */
    t_round(f, 3, NULL, 0);
    t_notice_is(t_get(f, 0, NN_NOTICE_OFFER, 1), NN_PROTO_NEGOTIATION, 1, 1, 0, 0.8, 1.0);
    /* a rejection of the third offer: the negotiation fails, tolerance closes the case */
    nn_act_t r4[] = {ACT(0, NN_ACT_ACCEPT, 1, 0, 0.0)};
    t_round(f, 4, r4, 1);
    assert_int_equal(t_count(f, NN_NOTICE_VERDICT, 0), 0);
    t_notice_is(t_get(f, 0, NN_NOTICE_CLOSED, 1), NN_PROTO_TOLERANCE, 1, NN_NO_AGENT,
                NN_OUTCOME_TOLERATED, 0.0, 0.0);
    t_notice_is(t_get(f, 1, NN_NOTICE_CLOSED, 1), NN_PROTO_TOLERANCE, 1, NN_NO_AGENT,
                NN_OUTCOME_TOLERATED, 0.0, 0.0);
    const nn_cases_stats_t *s = t_stats(f);
    assert_int_equal(s->protocol[NN_PROTO_NEGOTIATION].outcome[NN_OUTCOME_ESCALATED], 1);
    assert_int_equal(s->protocol[NN_PROTO_TOLERANCE].opened, 1);
    assert_int_equal(s->protocol[NN_PROTO_TOLERANCE].outcome[NN_OUTCOME_TOLERATED], 1);
    assert_int_equal(s->closed[NN_OUTCOME_TOLERATED], 1);
    assert_int_equal(s->verdicts, 0);
    json_t *ev[4];
    size_t k = t_events(f, ev, 4);
    assert_int_equal(k, 3);
    assert_string_equal(t_str(ev[0], "result"), "failed");
    assert_string_equal(t_str(ev[1], "protocol"), "tolerance");
    assert_string_equal(t_str(ev[1], "result"), "tolerated");
    assert_string_equal(t_str(ev[2], "outcome"), "tolerated");
    assert_int_equal(t_int(ev[2], "rounds"), 3);
    t_events_free(ev, k);
    /* nothing binding: no compliance is asked, none is missed */
    nn_act_t r5[] = {ACT(0, NN_ACT_COMPLY, 1, 0, 1.0)};
    t_round(f, 5, r5, 1);
    assert_int_equal(s->ignored_acts, 1);
    assert_int_equal(s->defied, 0);
    assert_int_equal(f->viol.len, 0);
}

/* ---- votes ---------------------------------------------------------------------------- */

/* 0 against 1 with the jury {2, 3, 4} (all of their neighbours); 0 and 2 stand high. */
static void t_vote_world(t_fix_t *f, nn_protocol_t p)
{
    static const uint32_t e[] = {0, 1, 0, 2, 0, 3, 1, 4};
    t_world(f, 6, e, 4);
    f->x[0] = 0.1;
    f->x[1] = 0.9;
    f->x[2] = 0.3;
    f->x[3] = 0.6;
    f->x[4] = 0.7;
    f->st.status[1] = f->st.status[3] = f->st.status[4] = 0.2;
    f->cfg.jury = 3;
    t_chain(f, NN_CASE_COMPLAINT, 1, &p);
    t_start(f);
}

/* Opens the case and has everyone vote: 0 and 2 for 0.1, 1, 3 and 4 for 0.9. */
static void t_vote_rounds(t_fix_t *f)
{
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.1)};
    t_round(f, 1, r1, 1);
    nn_act_t r2[] = {
        ACT(0, NN_ACT_VOTE, 1, 0, 0.0), ACT(1, NN_ACT_VOTE, 1, 0, 1.0),
        ACT(2, NN_ACT_VOTE, 1, 0, 0.3), ACT(3, NN_ACT_VOTE, 1, 0, 0.0), /* replaced */
        ACT(3, NN_ACT_VOTE, 1, 0, 0.6), ACT(4, NN_ACT_VOTE, 1, 0, 0.7),
        ACT(5, NN_ACT_VOTE, 1, 0, 0.0), /* not a member */
    };
    t_round(f, 2, r2, 7);
}

static void test_majority_and_weighted_differ(void **state)
{
    t_fix_t *f = *state;
    t_vote_world(f, NN_PROTO_MAJORITY);
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.1)};
    t_round(f, 1, r1, 1);
    double mean = (0.1 + 0.9 + 0.3 + 0.6 + 0.7) / 5.0;
    for (uint32_t a = 2; a <= 4; a++)
        t_notice_is(t_get(f, a, NN_NOTICE_CASE, 1), NN_PROTO_MAJORITY, 1, NN_NO_AGENT,
                    NN_PART_MEMBER, f->x[a], mean);
    for (uint32_t a = 0; a <= 4; a++)
        t_notice_is(t_get(f, a, NN_NOTICE_VOTE, 1), NN_PROTO_MAJORITY, 1, NN_NO_AGENT, 2, 0.1, 0.9);
    assert_null(t_nth(f, 5, NN_NOTICE_VOTE, 1, 0));
    json_t *ev[4];
    size_t k = t_events(f, ev, 4);
    assert_int_equal(t_int(ev[0], "members"), 5);
    t_events_free(ev, k);

    t_vote_world(f, NN_PROTO_MAJORITY);
    t_vote_rounds(f);
    assert_int_equal(t_stats(f)->ignored_acts, 1);
    /* three heads against two: the respondent's position */
    t_notice_is(t_get(f, 0, NN_NOTICE_VERDICT, 1), NN_PROTO_MAJORITY, 1, NN_NO_AGENT,
                NN_OUTCOME_IMPOSED, 0.9, 1.0);
    assert_int_equal(t_count(f, NN_NOTICE_VERDICT, 1), 2); /* parties only */
    assert_null(t_nth(f, 2, NN_NOTICE_VERDICT, 1, 0));
    assert_int_equal(t_count(f, NN_NOTICE_CLOSED, 1), 5); /* jurors too */
    /* a juror's comply is not asked for */
    nn_act_t r3[] = {ACT(0, NN_ACT_COMPLY, 1, 0, 0.0), ACT(1, NN_ACT_COMPLY, 1, 0, 1.0),
                     ACT(2, NN_ACT_COMPLY, 1, 0, 1.0)};
    t_round(f, 3, r3, 3);
    assert_int_equal(t_stats(f)->ignored_acts, 2);
    assert_int_equal(t_stats(f)->complied, 1);
    assert_int_equal(t_stats(f)->defied, 1);
    assert_int_equal(f->viol.len, 1);
    assert_int_equal(f->viol.items[0].agent, 0);

    /* weights 1 + 1 against 0.2 + 0.2 + 0.2: the complainant's position */
    t_vote_world(f, NN_PROTO_WEIGHTED);
    t_vote_rounds(f);
    t_notice_is(t_get(f, 1, NN_NOTICE_VERDICT, 1), NN_PROTO_WEIGHTED, 1, NN_NO_AGENT,
                NN_OUTCOME_IMPOSED, 0.1, 1.0);
    assert_int_equal(t_stats(f)->protocol[NN_PROTO_WEIGHTED].outcome[NN_OUTCOME_IMPOSED], 1);
    /* reputation counts as much: 0 and 2 fall to 0.25, 0.25 + 0.25 < 0.6 */
    f->st.reputation[0] = f->st.reputation[2] = 0.25;
    t_start(f);
    t_vote_rounds(f);
    assert_near(t_get(f, 1, NN_NOTICE_VERDICT, 1)->value, 0.9, 1e-15);
}

static void test_jury_draw(void **state)
{
    t_fix_t *f = *state;
    /* 0 against 1: the pool is {2, 3, 4, 5, 6}, three are drawn */
    static const uint32_t e[] = {0, 1, 0, 2, 0, 3, 0, 4, 1, 3, 1, 5, 1, 6, 2, 7};
    t_world(f, 8, e, 8);
    f->cfg.jury = 3;
    nn_protocol_t p = NN_PROTO_DELIBERATION;
    t_chain(f, NN_CASE_COMPLAINT, 1, &p);
    t_start(f);
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.5)};
    t_round(f, 1, r1, 1);
    uint32_t pool[] = {2, 3, 4, 5, 6};
    nn_rng_t g;
    nn_rng_init(&g, SEED, NN_STREAM_CASES, 1, 0);
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t j = i + (uint32_t)nn_rng_below(&g, 5 - i);
        uint32_t t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
    }
    for (uint32_t i = 0; i < 5; i++) {
        const nn_notice_t *n = t_nth(f, pool[i], NN_NOTICE_CASE, 1, 0);
        if (i < 3)
            assert_int_equal(n->arg, NN_PART_MEMBER);
        else
            assert_null(n);
    }
    assert_null(t_nth(f, 7, NN_NOTICE_CASE, 1, 0));
    assert_int_equal(t_count(f, NN_NOTICE_CASE, 1), 5);
    /* all at 0.5: the first step agrees on 0.5 at once */
    assert_int_equal(t_count(f, NN_NOTICE_DELIBERATE, 1), 5);
    assert_int_equal(t_count(f, NN_NOTICE_VERDICT, 1), 2);
    assert_near(t_get(f, 0, NN_NOTICE_VERDICT, 1)->value, 0.5, 1e-15);

    /* a chain without votes or deliberation has no jury */
    nn_protocol_t q[] = {NN_PROTO_NEGOTIATION};
    t_chain(f, NN_CASE_COMPLAINT, 1, q);
    t_start(f);
    t_round(f, 1, r1, 1);
    assert_int_equal(t_count(f, NN_NOTICE_CASE, 1), 2);
}

/* A society of four deciding on 5 options: 0 and 1 for 0, 2 and 3 for 1. 0.125 lies
 * exactly between 0 and 0.25 and goes to the lower option. Returns the verdict. */
static double t_tie_run(t_fix_t *f, uint64_t seed)
{
    t_world(f, 4, NULL, 0);
    f->env.seed = seed;
    f->cfg.complaints = 0;
    f->cfg.decisions_every = 10;
    f->cfg.decisions_scope = NN_SCOPE_SOCIETY;
    t_start(f);
    t_round(f, 9, NULL, 0);
    assert_int_equal(f->out.len, 0);
    t_round(f, 10, NULL, 0);
    for (uint32_t a = 0; a < 4; a++) {
        t_notice_is(t_get(f, a, NN_NOTICE_CASE, 1), NN_PROTO_MAJORITY, 1, NN_NO_AGENT,
                    NN_PART_PARTY, 0.5, 0.5);
        t_notice_is(t_get(f, a, NN_NOTICE_VOTE, 1), NN_PROTO_MAJORITY, 1, NN_NO_AGENT, 5, 0.0, 1.0);
    }
    nn_act_t r[] = {ACT(0, NN_ACT_VOTE, 1, 0, 0.0), ACT(1, NN_ACT_VOTE, 1, 0, 0.125),
                    ACT(2, NN_ACT_VOTE, 1, 0, 1.0), ACT(3, NN_ACT_VOTE, 1, 0, 0.9)};
    t_round(f, 11, r, 4);
    assert_int_equal(t_count(f, NN_NOTICE_VERDICT, 1), 4);
    return t_get(f, 2, NN_NOTICE_VERDICT, 1)->value;
}

static void test_tie_by_seeded_draw(void **state)
{
    t_fix_t *f = *state;
    int seen[2] = {0, 0};
    for (uint64_t seed = 1; seed <= 16; seed++) {
        nn_rng_t g;
        nn_rng_init(&g, seed, NN_STREAM_CASES, 1, ((uint64_t)1 << 32) + 11);
        double want = nn_rng_below(&g, 2) ? 1.0 : 0.0; /* candidates: options 0 and 4 */
        double got = t_tie_run(f, seed);
        assert_near(got, want, 0.0);
        assert_near(t_tie_run(f, seed), got, 0.0); /* the same again */
        seen[got == 1.0]++;
    }
    assert_true(seen[0] > 0 && seen[1] > 0);
}

static void test_turnout_below_threshold(void **state)
{
    t_fix_t *f = *state;
    t_vote_world(f, NN_PROTO_MAJORITY);
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.1)};
    t_round(f, 1, r1, 1);
    /* two of five vote: 0.4 < 0.5; the chain is spent */
    nn_act_t r2[] = {ACT(0, NN_ACT_VOTE, 1, 0, 0.1), ACT(1, NN_ACT_VOTE, 1, 0, 0.9)};
    t_round(f, 2, r2, 2);
    assert_int_equal(t_count(f, NN_NOTICE_VERDICT, 0), 0);
    assert_int_equal(t_count(f, NN_NOTICE_CLOSED, 1), 5);
    t_notice_is(t_get(f, 3, NN_NOTICE_CLOSED, 1), NN_PROTO_MAJORITY, 1, NN_NO_AGENT,
                NN_OUTCOME_ESCALATED, 0.0, 0.0);
    const nn_cases_stats_t *s = t_stats(f);
    assert_int_equal(s->closed[NN_OUTCOME_ESCALATED], 1);
    assert_int_equal(s->protocol[NN_PROTO_MAJORITY].outcome[NN_OUTCOME_ESCALATED], 1);
    /* three of five reach the threshold */
    t_start(f);
    t_round(f, 1, r1, 1);
    nn_act_t r3[] = {ACT(0, NN_ACT_VOTE, 1, 0, 0.1), ACT(1, NN_ACT_VOTE, 1, 0, 0.9),
                     ACT(2, NN_ACT_VOTE, 1, 0, 0.1)};
    t_round(f, 2, r3, 3);
    assert_near(t_get(f, 0, NN_NOTICE_VERDICT, 1)->value, 0.1, 0.0);
}

/* ---- arbitration ------------------------------------------------------------------------ */

static void test_arbitration(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5);
    f->st.role[5] = NN_ROLE_ARBITER;
    f->x[0] = 0.2;
    f->x[1] = 0.6;
    f->x[5] = 0.9;
    nn_protocol_t p = NN_PROTO_ARBITRATION;
    t_chain(f, NN_CASE_COMPLAINT, 1, &p);
    t_start(f);
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.2)};
    t_round(f, 1, r1, 1);
    assert_int_equal(t_get(f, 5, NN_NOTICE_CASE, 1)->arg, NN_PART_ARBITER);
    /* the arbiter's opinion when it decides, not at opening: 0.1 clamps up to 0.2 */
    f->x[5] = 0.1;
    f->x[0] = 0.0; /* the parties' range stays that of the opening */
    t_round(f, 2, NULL, 0);
    t_notice_is(t_get(f, 1, NN_NOTICE_VERDICT, 1), NN_PROTO_ARBITRATION, 1, 5, NN_OUTCOME_IMPOSED,
                0.2, 1.0);
    /* inside the range it stands */
    f->x[0] = 0.2;
    f->x[5] = 0.35;
    t_start(f);
    t_round(f, 1, r1, 1);
    t_round(f, 2, NULL, 0);
    assert_near(t_get(f, 0, NN_NOTICE_VERDICT, 1)->value, 0.35, 0.0);

    /* by superior: the respondent's (3), or the complainant's (7) when the respondent's
     * is the complainant; without either, arbitration fails */
    f->cfg.arbiter_by = NN_ARBITER_SUPERIOR;
    f->cfg.max_open = 3;
    f->st.superior[1] = 3;
    f->st.superior[2] = 1;
    f->st.superior[0] = 6;
    f->st.superior[4] = NN_NO_SUPERIOR;
    f->x[3] = 0.45;
    f->x[6] = 0.0;
    f->st.status[3] = 0.5;
    f->st.reputation[3] = 0.5;
    t_start(f);
    nn_act_t r2[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.2), ACT(1, NN_ACT_COMPLAIN, 0, 2, 0.6),
                     ACT(4, NN_ACT_COMPLAIN, 0, 0, 0.5)};
    t_round(f, 1, r2, 3);
    assert_int_equal(t_get(f, 3, NN_NOTICE_CASE, 1)->arg, NN_PART_ARBITER);
    /* case 2: 1 against 2; 2's superior is 1, a party, so 1's superior 3 */
    assert_int_equal(t_get(f, 3, NN_NOTICE_CASE, 2)->arg, NN_PART_ARBITER);
    /* case 3: 4 against 0; 0's superior 6 */
    assert_int_equal(t_get(f, 6, NN_NOTICE_CASE, 3)->arg, NN_PART_ARBITER);
    t_round(f, 2, NULL, 0);
    t_notice_is(t_get(f, 0, NN_NOTICE_VERDICT, 1), NN_PROTO_ARBITRATION, 1, 3, NN_OUTCOME_IMPOSED,
                0.45, 0.25);
    assert_near(t_get(f, 2, NN_NOTICE_VERDICT, 2)->value, 0.5, 0.0); /* range [0.5, 0.6] */
    assert_near(t_get(f, 4, NN_NOTICE_VERDICT, 3)->value, 0.2, 0.0); /* range [0.2, 0.5] */

    f->st.superior[0] = NN_NO_SUPERIOR;
    f->st.superior[1] = 0; /* the respondent's superior is the complainant */
    t_start(f);
    t_round(f, 1, r1, 1);
    assert_int_equal(t_stats(f)->closed[NN_OUTCOME_ESCALATED], 1);
    assert_int_equal(t_stats(f)->protocol[NN_PROTO_ARBITRATION].outcome[NN_OUTCOME_ESCALATED], 1);
}

/* ---- deliberation --------------------------------------------------------------------- */

static void test_deliberation(void **state)
{
    t_fix_t *f = *state;
    /* one group {0, 1, 2} at 0, 0.25, 0.5 and one {3, 4, 5} at 0, 0.5, 1 */
    t_world(f, 6, NULL, 0);
    f->st.n_groups = 2;
    double x[] = {0.0, 0.25, 0.5, 0.0, 0.5, 1.0};
    for (uint32_t i = 0; i < 6; i++) {
        f->st.group[i] = i / 3;
        f->x[i] = x[i];
    }
    f->cfg.complaints = 0;
    f->cfg.decisions_every = 100;
    f->cfg.deliberation_rounds = 3;
    nn_protocol_t chain[] = {NN_PROTO_DELIBERATION, NN_PROTO_TOLERANCE};
    t_chain(f, NN_CASE_DECISION, 2, chain);
    t_start(f);
    t_round(f, 100, NULL, 0);
    /* first step: 0 sees {0, 0.25}, 0.25 sees all, 0.5 sees {0.25, 0.5} */
    t_notice_is(t_get(f, 0, NN_NOTICE_DELIBERATE, 1), NN_PROTO_DELIBERATION, 1, NN_NO_AGENT, 0,
                0.125, 0.0);
    assert_near(t_get(f, 1, NN_NOTICE_DELIBERATE, 1)->value, 0.25, 0.0);
    assert_near(t_get(f, 2, NN_NOTICE_DELIBERATE, 1)->value, 0.375, 0.0);
    /* the spread group sees only itself */
    assert_near(t_get(f, 3, NN_NOTICE_DELIBERATE, 2)->value, 0.0, 0.0);
    assert_near(t_get(f, 4, NN_NOTICE_DELIBERATE, 2)->value, 0.5, 0.0);
    assert_near(t_get(f, 5, NN_NOTICE_DELIBERATE, 2)->value, 1.0, 0.0);
    assert_int_equal(t_stats(f)->open, 2);
    /* second step: everyone within 0.3 of everyone, all at 0.25: agreed */
    t_round(f, 101, NULL, 0);
    assert_near(t_get(f, 0, NN_NOTICE_DELIBERATE, 1)->value, 0.25, 0.0);
    t_notice_is(t_get(f, 2, NN_NOTICE_VERDICT, 1), NN_PROTO_DELIBERATION, 1, NN_NO_AGENT,
                NN_OUTCOME_AGREED, 0.25, 1.0);
    assert_int_equal(t_count(f, NN_NOTICE_VERDICT, 2), 0);
    /* third step: the spread group fails, tolerance closes it */
    t_round(f, 102, NULL, 0);
    assert_int_equal(t_count(f, NN_NOTICE_DELIBERATE, 2), 3);
    t_notice_is(t_get(f, 4, NN_NOTICE_CLOSED, 2), NN_PROTO_TOLERANCE, 2, NN_NO_AGENT,
                NN_OUTCOME_TOLERATED, 0.0, 0.0);
    /* the agreed group did not answer its verdict: three noncompliances, in agent order */
    assert_int_equal(f->viol.len, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(f->viol.items[i].agent, i);
        assert_int_equal(f->viol.items[i].case_id, 1);
    }
    const nn_cases_stats_t *s = t_stats(f);
    assert_int_equal(s->protocol[NN_PROTO_DELIBERATION].opened, 2);
    assert_int_equal(s->protocol[NN_PROTO_DELIBERATION].outcome[NN_OUTCOME_AGREED], 1);
    assert_int_equal(s->protocol[NN_PROTO_DELIBERATION].outcome[NN_OUTCOME_ESCALATED], 1);
    assert_int_equal(s->resolution_rounds, 1 + 2);
    assert_int_equal(s->open, 0);
}

/* A society of three or four deciding by deliberation alone. */
static void t_delib_society(t_fix_t *f, const double *x, uint32_t n, double conf, double eps)
{
    t_world(f, n, NULL, 0);
    for (uint32_t i = 0; i < n; i++)
        f->x[i] = x[i];
    f->cfg.complaints = 0;
    f->cfg.decisions_every = 1;
    f->cfg.decisions_scope = NN_SCOPE_SOCIETY;
    f->cfg.deliberation_confidence = conf;
    f->cfg.deliberation_epsilon = eps;
    nn_protocol_t p = NN_PROTO_DELIBERATION;
    t_chain(f, NN_CASE_DECISION, 1, &p);
    t_start(f);
    t_round(f, 1, NULL, 0);
}

static void test_deliberation_exact_and_epsilon(void **state)
{
    t_fix_t *f = *state;
    /* summed in member order the mean is 0.3475; in sorted order 0.34750000000000003 */
    static const double x4[] = {0.09, 0.03, 0.84, 0.43};
    t_delib_society(f, x4, 4, 1.0, 0.05);
    double want = (((x4[0] + x4[1]) + x4[2]) + x4[3]) / 4;
    assert_true(want == 0.3475);
    for (uint32_t a = 0; a < 4; a++)
        assert_true(t_get(f, a, NN_NOTICE_DELIBERATE, 1)->value == want);
    assert_true(t_get(f, 0, NN_NOTICE_VERDICT, 1)->value == want);

    /* one step from {0, 0.02, 0.32} with confidence 0.3 gives {0.01, 0.34 / 3, 0.17}: a
     * spread of 0.16, agreed under epsilon 0.2 on the mean, not under 0.15 */
    static const double x3[] = {0.0, 0.02, 0.32};
    t_delib_society(f, x3, 3, 0.3, 0.2);
    assert_near(t_get(f, 1, NN_NOTICE_DELIBERATE, 1)->value, 0.34 / 3, 1e-15);
    assert_near(t_get(f, 2, NN_NOTICE_VERDICT, 1)->value, (0.01 + 0.34 / 3 + 0.17) / 3, 1e-15);
    t_delib_society(f, x3, 3, 0.3, 0.15);
    assert_int_equal(t_count(f, NN_NOTICE_VERDICT, 1), 0);
    assert_int_equal(t_stats(f)->open, 1);
}

/* A society well above the direct limit of 256 members: one step against the literal
 * formula. */
static void test_deliberation_large(void **state)
{
    t_fix_t *f = *state;
    const uint32_t n = 3000;
    t_world(f, n, NULL, 0);
    nn_rng_t g;
    nn_rng_init(&g, 7, 99, 0, 0);
    for (uint32_t i = 0; i < n; i++)
        f->x[i] = i % 7 == 0 ? 0.5 : nn_rng_unit(&g); /* many exact ties too */
    f->cfg.complaints = 0;
    f->cfg.decisions_every = 1;
    f->cfg.decisions_scope = NN_SCOPE_SOCIETY;
    f->cfg.deliberation_confidence = 0.1;
    nn_protocol_t p = NN_PROTO_DELIBERATION;
    t_chain(f, NN_CASE_DECISION, 1, &p);
    t_start(f);
    t_round(f, 1, NULL, 0);
    assert_int_equal(f->out.len, 2 * (size_t)n);
    json_t *ev[2];
    size_t k = t_events(f, ev, 2);
    assert_int_equal(k, 1);
    assert_string_equal(t_str(ev[0], "group"), "society");
    assert_int_equal(t_int(ev[0], "members"), n);
    t_events_free(ev, k);
    for (uint32_t i = 0; i < n; i++) {
        double s = 0.0;
        uint32_t m = 0;
        for (uint32_t j = 0; j < n; j++)
            if (fabs(f->x[j] - f->x[i]) <= 0.1) {
                s += f->x[j];
                m++;
            }
        const nn_notice_t *d = &f->out.items[n + i];
        assert_int_equal(d->kind, NN_NOTICE_DELIBERATE);
        assert_int_equal(f->out.to[n + i], i);
        assert_near(d->value, s / m, 1e-12);
    }
}

/* The two ways of summing a neighbourhood, as docs/society.md gives them: literally, in
 * member order, and in sorted order (ties by member) as a difference of prefix sums. */
static double t_hk_direct(const double *x, uint32_t m, uint32_t i, double conf)
{
    double s = 0.0;
    uint32_t k = 0;
    for (uint32_t j = 0; j < m; j++)
        if (fabs(x[j] - x[i]) <= conf) {
            s += x[j];
            k++;
        }
    return s / k;
}

static int t_by_value(const void *pa, const void *pb)
{
    const double *a = *(const double *const *)pa, *b = *(const double *const *)pb;
    if (*a != *b)
        return *a < *b ? -1 : 1;
    return a < b ? -1 : a > b; /* pointers into one array: ties by member */
}

static double t_hk_sorted(const double *x, uint32_t m, uint32_t i, double conf)
{
    const double **q = malloc(m * sizeof *q);
    double *pre = malloc((m + 1) * sizeof *pre);
    assert_true(q && pre);
    for (uint32_t j = 0; j < m; j++)
        q[j] = &x[j];
    qsort(q, m, sizeof *q, t_by_value);
    pre[0] = 0.0;
    for (uint32_t t = 0; t < m; t++)
        pre[t + 1] = pre[t] + *q[t];
    uint32_t t = 0;
    while (q[t] != &x[i])
        t++;
    uint32_t lo = t, hi = t + 1;
    while (lo > 0 && fabs(*q[lo - 1] - x[i]) <= conf)
        lo--;
    while (hi < m && fabs(*q[hi] - x[i]) <= conf)
        hi++;
    double v = (pre[hi] - pre[lo]) / (hi - lo);
    free(q);
    free(pre);
    return v;
}

/* The direct limit is 256 members: a deliberation of 256 sums in member order, one of 257
 * in sorted order, each to the last bit. The positions are chosen so that the two orders
 * round differently for some members, or the test could not tell the paths apart. */
static void test_deliberation_direct_limit(void **state)
{
    t_fix_t *f = *state;
    for (uint32_t n = 256; n <= 257; n++) {
        t_world(f, n, NULL, 0);
        nn_rng_t g;
        nn_rng_init(&g, 11, 99, 0, 0);
        for (uint32_t i = 0; i < n; i++)
            f->x[i] = i % 5 == 0 ? 0.375 : nn_rng_unit(&g); /* some exact ties */
        f->cfg.complaints = 0;
        f->cfg.decisions_every = 1;
        f->cfg.decisions_scope = NN_SCOPE_SOCIETY;
        f->cfg.deliberation_confidence = 0.15;
        nn_protocol_t p = NN_PROTO_DELIBERATION;
        t_chain(f, NN_CASE_DECISION, 1, &p);
        t_start(f);
        t_round(f, 1, NULL, 0);
        assert_int_equal(f->out.len, 2 * (size_t)n); /* n case notices, n steps */
        uint32_t differ = 0;
        for (uint32_t i = 0; i < n; i++) {
            double direct = t_hk_direct(f->x, n, i, 0.15);
            double sorted = t_hk_sorted(f->x, n, i, 0.15);
            differ += direct != sorted;
            const nn_notice_t *d = &f->out.items[n + i];
            assert_int_equal(d->kind, NN_NOTICE_DELIBERATE);
            assert_int_equal(f->out.to[n + i], i);
            if (d->value != (n <= 256 ? direct : sorted))
                fail_msg("%u members, member %u: %.17g, direct %.17g, sorted %.17g", n, i, d->value,
                         direct, sorted);
        }
        assert_true(differ > 0);
    }
}

/* ---- tolerance, ignored acts, decisions, a spent chain --------------------------------- */

static void test_tolerance(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5);
    nn_protocol_t p = NN_PROTO_TOLERANCE;
    t_chain(f, NN_CASE_COMPLAINT, 1, &p);
    t_start(f);
    /* each case closes at once, so the same pair may complain again in the same round */
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.5), ACT(1, NN_ACT_COMPLAIN, 0, 0, 0.5)};
    t_round(f, 1, r1, 2);
    const nn_cases_stats_t *s = t_stats(f);
    assert_int_equal(s->opened[NN_CASE_COMPLAINT], 2);
    assert_int_equal(s->closed[NN_OUTCOME_TOLERATED], 2);
    assert_int_equal(s->round_opened, 2);
    assert_int_equal(s->round_closed, 2);
    assert_int_equal(s->open, 0);
    assert_int_equal(s->resolution_rounds, 0);
    assert_int_equal(s->protocol[NN_PROTO_TOLERANCE].opened, 2);
    assert_int_equal(t_count(f, NN_NOTICE_VERDICT, 0), 0);
    t_notice_is(t_get(f, 1, NN_NOTICE_CLOSED, 2), NN_PROTO_TOLERANCE, 2, NN_NO_AGENT,
                NN_OUTCOME_TOLERATED, 0.0, 0.0);
    assert_int_equal(f->out.len, 8); /* 2 x (2 case + 2 closed) */
    json_t *ev[8];
    size_t k = t_events(f, ev, 8);
    assert_int_equal(k, 6);
    assert_string_equal(t_str(ev[3], "event"), "case_opened");
    assert_int_equal(t_int(ev[3], "case"), 2);
    t_events_free(ev, k);
    t_round(f, 2, NULL, 0);
    assert_int_equal(s->round_opened, 0);
    assert_int_equal(s->round_closed, 0);
    assert_int_equal(f->viol.len, 0);
}

static void test_ignored_acts(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5);
    nn_protocol_t p = NN_PROTO_NEGOTIATION;
    t_chain(f, NN_CASE_COMPLAINT, 1, &p);
    t_start(f);
    nn_act_t r1[] = {ACT(0, NN_ACT_COMPLAIN, 0, 1, 0.5),
                     ACT(1, NN_ACT_VOTE, 1, 0, 0.5)}; /* case 1 does not exist yet */
    t_round(f, 1, r1, 2);
    assert_int_equal(t_stats(f)->ignored_acts, 1);
    nn_act_t r2[] = {
        ACT(0, NN_ACT_VOTE, 1, 0, 0.5),    /* no vote asked */
        ACT(0, NN_ACT_COMPLY, 1, 0, 1.0),  /* no verdict pending */
        ACT(0, NN_ACT_ACCEPT, 7, 0, 1.0),  /* no such case */
        ACT(0, NN_ACT_ACCEPT, 0, 0, 1.0),  /* no case 0 */
        ACT(0, NN_ACT_OFFER, 1, 0, NAN),   /* not a number */
        ACT(0, NN_ACT_NONE, 1, 0, 1.0),    /* not a case act: skipped, not counted */
        ACT(0, NN_ACT_KINDS, 1, 0, 1.0),   /* nor an unknown kind */
        ACT(1, NN_ACT_OFFER, 1, 0, 0.3),   /* not its turn */
        ACT(2, NN_ACT_ACCEPT, 1, 0, 1.0),  /* not in the case */
        ACT(99, NN_ACT_ACCEPT, 1, 0, 1.0), /* no such agent */
    };
    t_round(f, 2, r2, 10);
    assert_int_equal(t_stats(f)->ignored_acts, 9);
    /* the turn passed with the complainant's offer unchanged */
    t_notice_is(t_get(f, 1, NN_NOTICE_OFFER, 1), NN_PROTO_NEGOTIATION, 1, 0, 0, 0.5, 0.5);
    assert_int_equal(f->out.len, 1);
}

static void test_decisions_by_group(void **state)
{
    t_fix_t *f = *state;
    /* groups {0, 2, 4}, {1, 3}, {5}: 5 alone makes no decision */
    static const uint32_t e[] = {0, 2};
    t_world(f, 6, e, 1);
    f->st.n_groups = 3;
    uint32_t grp[] = {0, 1, 0, 1, 0, 2};
    double x[] = {0.1, 0.7, 0.4, 0.9, 0.3, 0.5};
    for (uint32_t i = 0; i < 6; i++) {
        f->st.group[i] = grp[i];
        f->x[i] = x[i];
    }
    f->st.role[4] = NN_ROLE_LEADER;
    f->st.superior[3] = 2;
    f->st.superior[1] = NN_NO_SUPERIOR;
    f->cfg.decisions_every = 3;
    f->cfg.arbiter_by = NN_ARBITER_SUPERIOR;
    nn_protocol_t dchain[] = {NN_PROTO_NEGOTIATION, NN_PROTO_ARBITRATION};
    t_chain(f, NN_CASE_DECISION, 2, dchain);
    nn_protocol_t cchain[] = {NN_PROTO_TOLERANCE};
    t_chain(f, NN_CASE_COMPLAINT, 1, cchain);
    t_start(f);
    t_round(f, 1, NULL, 0);
    t_round(f, 2, NULL, 0);
    assert_int_equal(f->out.len, 0);
    t_round(f, 3, NULL, 0);
    const nn_cases_stats_t *s = t_stats(f);
    assert_int_equal(s->opened[NN_CASE_DECISION], 2);
    /* negotiation fails at once for a decision; group 0's arbiter is its leader 4, group
     * 1's the superior of its lowest member with one, 3's superior 2 */
    t_notice_is(t_get(f, 0, NN_NOTICE_CASE, 1), NN_PROTO_NEGOTIATION, 1, NN_NO_AGENT, NN_PART_PARTY,
                0.1, (0.1 + 0.4 + 0.3) / 3);
    t_notice_is(t_get(f, 4, NN_NOTICE_CASE, 1), NN_PROTO_NEGOTIATION, 1, NN_NO_AGENT, NN_PART_PARTY,
                0.3, (0.1 + 0.4 + 0.3) / 3);
    t_notice_is(t_nth(f, 4, NN_NOTICE_CASE, 1, 1), NN_PROTO_ARBITRATION, 1, NN_NO_AGENT,
                NN_PART_ARBITER, 0.1, 0.4);
    t_notice_is(t_get(f, 3, NN_NOTICE_CASE, 2), NN_PROTO_NEGOTIATION, 2, NN_NO_AGENT, NN_PART_PARTY,
                0.9, (0.7 + 0.9) / 2);
    t_notice_is(t_get(f, 2, NN_NOTICE_CASE, 2), NN_PROTO_ARBITRATION, 2, NN_NO_AGENT,
                NN_PART_ARBITER, 0.7, 0.9);
    assert_null(t_nth(f, 5, NN_NOTICE_CASE, 0, 0));
    assert_int_equal(s->protocol[NN_PROTO_NEGOTIATION].outcome[NN_OUTCOME_ESCALATED], 2);
    json_t *ev[8];
    size_t k = t_events(f, ev, 8);
    assert_int_equal(k, 4); /* opened, negotiation failed; twice */
    assert_string_equal(t_str(ev[0], "type"), "decision");
    assert_int_equal(t_int(ev[0], "group"), 0);
    assert_int_equal(t_int(ev[0], "members"), 3);
    assert_null(json_object_get(ev[0], "parties"));
    assert_int_equal(t_int(ev[2], "group"), 1);
    t_events_free(ev, k);

    /* the arbiters decide: 4 at 0.3 inside [0.1, 0.4]; 2 at 0.4 clamped up to 0.7. Every
     * member is a party and gets the verdict. A complaint in round 6 comes before the
     * decisions in the order of ids. */
    t_round(f, 4, NULL, 0);
    for (uint32_t a = 0; a < 5; a++) {
        const nn_notice_t *n = t_get(f, a, NN_NOTICE_VERDICT, 0);
        assert_int_equal(n->case_id, grp[a] + 1);
        assert_near(n->value, grp[a] == 0 ? 0.3 : 0.7, 0.0);
    }
    assert_int_equal(s->verdicts, 5);
    /* the arbiter 4 is a member: one closing notice each, none twice */
    assert_int_equal(t_count(f, NN_NOTICE_CLOSED, 1), 3);
    assert_int_equal(t_count(f, NN_NOTICE_CLOSED, 2), 3); /* 1, 3 and the arbiter 2 */
    assert_non_null(t_nth(f, 2, NN_NOTICE_CLOSED, 2, 0));
    nn_act_t r5[] = {ACT(0, NN_ACT_COMPLY, 1, 0, 1.0), ACT(1, NN_ACT_COMPLY, 2, 0, 0.0),
                     ACT(2, NN_ACT_COMPLY, 1, 0, 1.0), ACT(3, NN_ACT_COMPLY, 2, 0, 1.0),
                     ACT(4, NN_ACT_COMPLY, 2, 0, 1.0)}; /* the wrong case */
    t_round(f, 5, r5, 5);
    assert_int_equal(s->complied, 3);
    assert_int_equal(s->defied, 2);
    assert_int_equal(s->ignored_acts, 1);
    assert_int_equal(f->viol.len, 2);
    assert_int_equal(f->viol.items[0].agent, 4);
    assert_int_equal(f->viol.items[0].case_id, 1);
    assert_int_equal(f->viol.items[1].agent, 1);
    assert_int_equal(f->viol.items[1].case_id, 2);
    nn_act_t r6[] = {ACT(0, NN_ACT_COMPLAIN, 0, 2, 0.1)};
    t_round(f, 6, r6, 1);
    assert_int_equal(s->opened[NN_CASE_COMPLAINT], 1);
    assert_int_equal(s->opened[NN_CASE_DECISION], 4);
    assert_int_equal(t_get(f, 0, NN_NOTICE_CLOSED, 3)->arg, NN_OUTCOME_TOLERATED);
    assert_int_equal(t_get(f, 0, NN_NOTICE_CASE, 4)->arg, NN_PART_PARTY);
    assert_int_equal(t_get(f, 1, NN_NOTICE_CASE, 5)->arg, NN_PART_PARTY);
}

static void test_chain_spent(void **state)
{
    t_fix_t *f = *state;
    t_world(f, 8, s_edges, 5); /* nobody is a mediator or an arbiter */
    nn_protocol_t chain[] = {NN_PROTO_MEDIATION, NN_PROTO_ARBITRATION};
    t_chain(f, NN_CASE_COMPLAINT, 2, chain);
    t_start(f);
    nn_act_t r1[] = {ACT(2, NN_ACT_COMPLAIN, 0, 3, 0.5)};
    t_round(f, 1, r1, 1);
    assert_int_equal(f->out.len, 4);
    t_notice_is(t_get(f, 2, NN_NOTICE_CASE, 1), NN_PROTO_MEDIATION, 1, 3, NN_PART_PARTY, 0.5, 0.5);
    t_notice_is(t_get(f, 3, NN_NOTICE_CLOSED, 1), NN_PROTO_ARBITRATION, 1, NN_NO_AGENT,
                NN_OUTCOME_ESCALATED, 0.0, 0.0);
    const nn_cases_stats_t *s = t_stats(f);
    assert_int_equal(s->closed[NN_OUTCOME_ESCALATED], 1);
    assert_int_equal(s->protocol[NN_PROTO_MEDIATION].opened, 1);
    assert_int_equal(s->protocol[NN_PROTO_MEDIATION].outcome[NN_OUTCOME_ESCALATED], 1);
    assert_int_equal(s->protocol[NN_PROTO_ARBITRATION].opened, 1);
    assert_int_equal(s->protocol[NN_PROTO_ARBITRATION].outcome[NN_OUTCOME_ESCALATED], 1);
    assert_int_equal(s->open, 0);
    json_t *ev[8];
    size_t k = t_events(f, ev, 8);
    assert_int_equal(k, 4);
    const char *want[] = {"case_opened", "protocol_ended", "protocol_ended", "case_closed"};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(t_str(ev[i], "event"), want[i]);
        assert_int_equal(t_int(ev[i], "round"), 1);
        assert_int_equal(t_int(ev[i], "case"), 1);
    }
    assert_string_equal(t_str(ev[2], "protocol"), "arbitration");
    assert_string_equal(t_str(ev[2], "result"), "failed");
    assert_string_equal(t_str(ev[3], "outcome"), "escalated");
    assert_int_equal(t_int(ev[3], "rounds"), 0);
    t_events_free(ev, k);
    /* closed at once: the same pair may come back the next round */
    t_round(f, 2, r1, 1);
    assert_int_equal(s->opened[NN_CASE_COMPLAINT], 2);
    /* no events stream is fine */
    f->out.len = 0;
    assert_int_equal(nn_cases_round(f->c, 3, r1, 1, &f->out, &f->viol, NULL), NN_OK);
    assert_int_equal(f->out.len, 4);
}

/* Many complaints opening and closing at random against a naive model of the rules:
 * negotiations of at most 5 turns, each turn's party accepting with probability 0.2,
 * max_open 6, many complaints about pairs already open. The model scans its open cases where the
 * engine uses its pair table. */
typedef struct t_model_case {
    uint32_t id, a, b, steps, turn;
    int open;
} t_model_case_t;

static void test_random_complaints_against_model(void **state)
{
    t_fix_t *f = *state;
    enum { N = 40, ROUNDS = 2000, MAXC = 20000, MAXO = 6 };
    uint32_t uv[2 * N * N];
    size_t m = 0;
    nn_rng_t g;
    nn_rng_init(&g, 42, 99, 0, 0);
    for (uint32_t u = 0; u < N; u++)
        for (uint32_t v = u + 1; v < N; v++)
            if (nn_rng_unit(&g) < 0.3) {
                uv[2 * m] = u;
                uv[2 * m + 1] = v;
                m++;
            }
    t_world(f, N, uv, m);
    f->cfg.max_open = MAXO;
    f->cfg.negotiation_rounds = 5;
    nn_protocol_t p = NN_PROTO_NEGOTIATION;
    t_chain(f, NN_CASE_COMPLAINT, 1, &p);
    t_start(f);

    t_model_case_t *mc = calloc(MAXC, sizeof *mc);
    nn_act_t *acts = malloc(4 * N * sizeof *acts);
    assert_non_null(mc);
    assert_non_null(acts);
    uint32_t n_cases = 0, n_open[N] = {0};
    uint64_t refused = 0, closed = 0;
    for (uint64_t r = 1; r <= ROUNDS; r++) {
        size_t na = 0;
        /* answers first in the model: a case closes when its party accepts or its turns
         * are spent, else the turn passes */
        for (uint32_t k = 0; k < n_cases; k++) {
            t_model_case_t *c = &mc[k];
            if (!c->open)
                continue;
            int accept = nn_rng_unit(&g) < 0.2;
            if (accept)
                acts[na++] = ACT(c->turn ? c->b : c->a, NN_ACT_ACCEPT, c->id, 0, 1.0);
            if (accept || c->steps >= 5) {
                c->open = 0;
                n_open[c->a]--;
                n_open[c->b]--;
                closed++;
            } else {
                c->turn ^= 1;
                c->steps++;
            }
        }
        uint32_t n_complaints = (uint32_t)nn_rng_below(&g, 24);
        for (uint32_t k = 0; k < n_complaints; k++) {
            uint32_t a = (uint32_t)nn_rng_below(&g, N), b = (uint32_t)nn_rng_below(&g, N);
            uint32_t q = n_cases ? (uint32_t)nn_rng_below(&g, n_cases) : 0;
            if (n_cases && mc[q].open && nn_rng_unit(&g) < 0.7) { /* an open pair again */
                a = nn_rng_below(&g, 2) ? mc[q].a : mc[q].b;
                b = a == mc[q].a ? mc[q].b : mc[q].a;
            }
            acts[na++] = ACT(a, NN_ACT_COMPLAIN, 0, b, 0.5);
        }
        /* the engine's acts come sorted by agent; the order among one agent's is kept */
        for (size_t i = 1; i < na; i++)
            for (size_t j = i; j > 0 && acts[j - 1].agent > acts[j].agent; j--) {
                nn_act_t t = acts[j];
                acts[j] = acts[j - 1];
                acts[j - 1] = t;
            }
        /* complaints open in act order, after the answers */
        for (size_t k = 0; k < na; k++) {
            if (acts[k].kind != NN_ACT_COMPLAIN)
                continue;
            uint32_t a = acts[k].agent, b = acts[k].other;
            int ok = a != b && n_open[a] < MAXO && n_open[b] < MAXO;
            int nb = 0;
            for (uint64_t e = f->net.off[a]; e < f->net.off[a + 1]; e++)
                nb |= f->net.adj[e] == b;
            ok = ok && nb;
            for (uint32_t q = 0; q < n_cases && ok; q++)
                if (mc[q].open &&
                    ((mc[q].a == a && mc[q].b == b) || (mc[q].a == b && mc[q].b == a)))
                    ok = 0;
            if (!ok) {
                refused++;
                continue;
            }
            assert_true(n_cases < MAXC);
            mc[n_cases] = (t_model_case_t){n_cases + 1, a, b, 1, 0, 1};
            n_cases++;
            n_open[a]++;
            n_open[b]++;
        }
        t_round(f, r, acts, na);
        const nn_cases_stats_t *s = t_stats(f);
        assert_int_equal(s->opened[NN_CASE_COMPLAINT], n_cases);
        assert_int_equal(s->refused_complaints, refused);
        assert_int_equal(s->closed[NN_OUTCOME_AGREED] + s->closed[NN_OUTCOME_ESCALATED], closed);
        assert_int_equal(s->ignored_acts, 0);
        uint64_t open = 0;
        for (uint32_t k = 0; k < n_cases; k++)
            open += mc[k].open;
        assert_int_equal(s->open, open);
    }
    /* 6295 cases and 16630 refusals with these seeds: the pair table filled, wrapped
     * around and emptied many times */
    assert_true(n_cases > 5000);
    assert_true(refused > 10000);
    free(mc);
    free(acts);
}

/* Heap bytes in use (small chunks and mmapped ones alike), or 0 where glibc's mallinfo2
 * is missing. */
static size_t t_heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

/* Many short-lived cases over a long run: the engine keeps the live cases only, so its
 * memory stays flat while the cases opened pile up. P pairs (2i, 2i + 1) under
 * negotiation of 2 turns, each complainant complaining every round. In the even pairs the
 * complainant accepts its first offer (agreed after 1 round) and complies with the
 * verdict the round after, while the respondent never answers it; the odd pairs never
 * answer (escalated after 2 rounds, the pair busy in between). So a round opens P cases
 * when odd and E = P / 2 when even, and about 2E + O cases are alive at any time (E open,
 * E waiting for compliance, O open). Agent 1 also names, every round, a case long
 * finished and a case not yet opened: both count as ignored. */
static void test_storage_stays_bounded(void **state)
{
    t_fix_t *f = *state;
    enum { P = 200, E = P / 2, O = P / 2, R = 1000, WARM = 20 };
    static uint32_t uv[2 * P];
    for (uint32_t i = 0; i < P; i++) {
        uv[2 * i] = 2 * i;
        uv[2 * i + 1] = 2 * i + 1;
    }
    t_world(f, 2 * P, uv, P);
    f->cfg.negotiation_rounds = 2;
    nn_protocol_t p = NN_PROTO_NEGOTIATION;
    t_chain(f, NN_CASE_COMPLAINT, 1, &p);
    t_start(f);
    nn_act_t *acts = malloc((3 * P + 2) * sizeof *acts);
    uint32_t *accept = calloc(2 * P, sizeof *accept), *comply = calloc(2 * P, sizeof *comply);
    assert_true(acts && accept && comply);
    size_t heap0 = 0;
    uint32_t verdict_case0 = 0;
    for (uint64_t r = 1; r <= R; r++) {
        /* the agents answer the last round's notices: each even complainant has at most
         * one offer (its case opened last round) and one verdict (its case closed last
         * round) */
        memset(accept, 0, 2 * P * sizeof *accept);
        memset(comply, 0, 2 * P * sizeof *comply);
        for (size_t i = 0; i < f->out.len; i++) {
            uint32_t to = f->out.to[i];
            const nn_notice_t *n = &f->out.items[i];
            if (to % 4 != 0) /* the complainant of an even pair */
                continue;
            if (n->kind == NN_NOTICE_OFFER)
                accept[to] = n->case_id;
            else if (n->kind == NN_NOTICE_VERDICT)
                comply[to] = n->case_id;
        }
        size_t na = 0;
        for (uint32_t a = 0; a < 2 * P; a++) {
            if (accept[a])
                acts[na++] = ACT(a, NN_ACT_ACCEPT, accept[a], 0, 1.0);
            if (comply[a])
                acts[na++] = ACT(a, NN_ACT_COMPLY, comply[a], 0, 1.0);
            if (a % 2 == 0)
                acts[na++] = ACT(a, NN_ACT_COMPLAIN, 0, a + 1, 0.5);
            if (a == 1) {
                /* case 1 (pair 0, round 1) is agreed in round 2 and done in round 3; in
                 * round 2 agent 1 answers out of turn, in 3 with the wrong kind */
                if (r >= 2)
                    acts[na++] = ACT(1, NN_ACT_ACCEPT, 1, 0, 1.0);
                acts[na++] = ACT(1, NN_ACT_VOTE, UINT32_MAX, 0, 0.5);
            }
        }
        f->out.len = 0;
        f->viol.len = 0;
        /* no event stream: its buffer would grow with the run */
        assert_int_equal(nn_cases_round(f->c, r, acts, na, &f->out, &f->viol, NULL), NN_OK);
        assert_int_equal(f->viol.len, r >= 3 ? E : 0);
        for (size_t i = 0; i < f->viol.len; i++)
            assert_int_equal(f->viol.items[i].agent, 4 * i + 1); /* the respondents */
        if (r == WARM)
            heap0 = t_heap_in_use();
        if (r == R) {
            const nn_notice_t *v = t_get(f, 0, NN_NOTICE_VERDICT, 0);
            verdict_case0 = v->case_id;
            assert_near(v->value, 0.5, 0.0); /* the respondent's position */
        }
    }
    size_t heap1 = t_heap_in_use();

    const nn_cases_stats_t *s = t_stats(f);
    uint64_t opened = (uint64_t)E * R + (uint64_t)O * (R / 2);
    assert_int_equal(s->opened[NN_CASE_COMPLAINT], opened);
    assert_int_equal(s->protocol[NN_PROTO_NEGOTIATION].opened, opened);
    assert_int_equal(s->closed[NN_OUTCOME_AGREED], (uint64_t)E * (R - 1));
    assert_int_equal(s->closed[NN_OUTCOME_ESCALATED], (uint64_t)O * ((R - 2) / 2));
    assert_int_equal(s->refused_complaints, (uint64_t)O * (R / 2));
    assert_int_equal(s->open, E + O);
    assert_int_equal(s->resolution_rounds, (uint64_t)E * (R - 1) + (uint64_t)O * (R - 2));
    assert_int_equal(s->verdicts, 2 * (uint64_t)E * (R - 1));
    assert_int_equal(s->complied, (uint64_t)E * (R - 2));
    assert_int_equal(s->defied, (uint64_t)E * (R - 2));
    assert_int_equal(s->ignored_acts, (R - 1) + R);
    /* ids still count from 1 in opening order: an odd round 2k + 1 opens pair i as
     * k (P + E) + i + 1, so pair 0's case of round R - 1 is ((R - 2) / 2) (P + E) + 1 */
    assert_int_equal(verdict_case0, (uint64_t)((R - 2) / 2) * (P + E) + 1);

    /* 150 000 cases were opened: 26 MB at 176 bytes a case if they were all kept (the
     * engine that kept them grew by 45 MB here). The 300 or so live ones and their arrays
     * take tens of kilobytes, and the allocations of a round are all given back. */
    if (heap0 || heap1) {
        size_t grown = heap1 > heap0 ? heap1 - heap0 : 0;
        if (grown > 256 * 1024)
            fail_msg("the heap grew by %zu bytes over %d rounds", grown, R - WARM);
    }
    free(acts);
    free(accept);
    free(comply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names_and_arguments, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_refused_complaints, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_mediation_agrees_and_compliance, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_mediation_fails_over_to_arbitration, t_setup,
                                        t_teardown),
        cmocka_unit_test_setup_teardown(test_mediator_choice, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_negotiation_meets, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_negotiation_times_out, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_majority_and_weighted_differ, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_jury_draw, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_tie_by_seeded_draw, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_turnout_below_threshold, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_arbitration, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_deliberation, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_deliberation_exact_and_epsilon, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_deliberation_large, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_deliberation_direct_limit, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_tolerance, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_ignored_acts, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_decisions_by_group, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_chain_spent, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_random_complaints_against_model, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_storage_stays_bounded, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
