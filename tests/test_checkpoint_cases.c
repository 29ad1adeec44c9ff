/* Tests of the case engine's checkpoints (nn_cases_save, nn_cases_load in
 * coordinator/cases.c). A society of 60 agents in three groups, with mediators, arbiters,
 * leaders and superiors, runs 30 rounds of complaints and group decisions whose chains go
 * through every protocol; the acts are drawn from a seeded stream answering the previous
 * round's notices. Engine A runs all rounds; engine B runs the first R, is saved into a
 * checkpoint file and loaded into a fresh engine C, which runs the rest with the same
 * acts: C's notices, violations, counters and event lines must be A's, byte for byte,
 * for several R with cases open mid-protocol. Then the refusals: a checkpoint of another
 * agent count or another config, a cut or changed file, and hand-made files with absurd
 * counts or out-of-range cases, each refused with NN_EPROTO and a reason, never a crash,
 * and the engine left as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"

#include "cases.h"
#include "checkpoint.h"

#define SEED          0x636b7074ULL
#define N             60
#define ROUNDS        30
#define T_MAX_RECORDS 32

#define ACT(agent, kind, case_id, other, value)                                                    \
    ((nn_act_t){(agent), (kind), (case_id), (other), (value)})

/* ---- the society ------------------------------------------------------------------------- */

typedef struct t_world {
    uint32_t n;
    nn_network_t net;
    nn_structure_t st;
    double *x;
    nn_cases_env_t env;
    nn_cases_config_t cfg;
} t_world_t;

static void t_world_free(t_world_t *w)
{
    free(w->net.off);
    free(w->net.adj);
    free(w->st.role);
    free(w->st.group);
    free(w->st.superior);
    free(w->st.status);
    free(w->st.reputation);
    free(w->x);
    memset(w, 0, sizeof *w);
}

/* Complaints: negotiation, mediation, a jury vote, tolerance; decisions by
 * group every 4 rounds: deliberation, a weighted vote, arbitration. Short protocols, so
 * that cases hand on down the chains within the run. */
static nn_cases_config_t t_cfg(void)
{
    nn_cases_config_t c;
    memset(&c, 0, sizeof c);
    c.complaints = 1;
    nn_protocol_t cc[] = {NN_PROTO_NEGOTIATION, NN_PROTO_MEDIATION, NN_PROTO_MAJORITY,
                          NN_PROTO_TOLERANCE};
    c.n_chain[NN_CASE_COMPLAINT] = 4;
    memcpy(c.chain[NN_CASE_COMPLAINT], cc, sizeof cc);
    nn_protocol_t dc[] = {NN_PROTO_DELIBERATION, NN_PROTO_WEIGHTED, NN_PROTO_ARBITRATION};
    c.n_chain[NN_CASE_DECISION] = 3;
    memcpy(c.chain[NN_CASE_DECISION], dc, sizeof dc);
    c.jury = 3;
    c.max_open = 2;
    c.decisions_every = 4;
    c.decisions_scope = NN_SCOPE_GROUP;
    c.options = 5;
    c.turnout = 0.9;
    c.mediation_rounds = 3;
    c.mediation_step = 0.25;
    c.negotiation_rounds = 3;
    c.arbiter_by = NN_ARBITER_ROLE;
    c.deliberation_rounds = 4;
    c.deliberation_confidence = 0.3;
    c.deliberation_epsilon = 0.02;
    return c;
}

/* The other chains: complaints by mediation, then arbitration by the superior (which
 * fails when a leader is a party, so complaints escalate); society-wide decisions every 5
 * rounds by a majority, then deliberation. */
static nn_cases_config_t t_cfg2(void)
{
    nn_cases_config_t c = t_cfg();
    nn_protocol_t cc[] = {NN_PROTO_MEDIATION, NN_PROTO_ARBITRATION};
    c.n_chain[NN_CASE_COMPLAINT] = 2;
    memcpy(c.chain[NN_CASE_COMPLAINT], cc, sizeof cc);
    nn_protocol_t dc[] = {NN_PROTO_MAJORITY, NN_PROTO_DELIBERATION};
    c.n_chain[NN_CASE_DECISION] = 2;
    memcpy(c.chain[NN_CASE_DECISION], dc, sizeof dc);
    c.arbiter_by = NN_ARBITER_SUPERIOR;
    c.decisions_every = 5;
    c.decisions_scope = NN_SCOPE_SOCIETY;
    c.mediation_rounds = 2;
    c.deliberation_rounds = 3;
    c.max_open = 1;
    return c;
}

/* n agents on a seeded random graph (each pair an edge with probability 0.12), groups
 * i % 3, mediators i % 10 == 1, arbiters i % 10 == 2, leaders 3, 4, 5 (one a group), the
 * others' superior their group's leader, status and reputation varying. */
static void t_world(t_world_t *w, uint32_t n)
{
    memset(w, 0, sizeof *w);
    w->n = n;
    uint32_t *uv = malloc((size_t)n * n * sizeof *uv);
    assert_non_null(uv);
    size_t m = 0;
    nn_rng_t g;
    nn_rng_init(&g, SEED, 1, 0, 0);
    for (uint32_t u = 0; u < n; u++)
        for (uint32_t v = u + 1; v < n; v++)
            if (nn_rng_unit(&g) < 0.12) {
                uv[2 * m] = u;
                uv[2 * m + 1] = v;
                m++;
            }
    w->net.n = n;
    w->net.n_edges = m;
    w->net.off = calloc((size_t)n + 1, sizeof *w->net.off);
    w->net.adj = malloc((2 * m + 1) * sizeof *w->net.adj);
    uint64_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    assert_true(w->net.off && w->net.adj && fill);
    for (size_t e = 0; e < m; e++) {
        w->net.off[uv[2 * e] + 1]++;
        w->net.off[uv[2 * e + 1] + 1]++;
    }
    for (uint32_t i = 0; i < n; i++)
        w->net.off[i + 1] += w->net.off[i];
    memcpy(fill, w->net.off, ((size_t)n + 1) * sizeof *fill);
    for (size_t e = 0; e < m; e++) {
        w->net.adj[fill[uv[2 * e]]++] = uv[2 * e + 1];
        w->net.adj[fill[uv[2 * e + 1]]++] = uv[2 * e];
    }
    free(fill);
    free(uv);
    for (uint32_t i = 0; i < n; i++)
        for (uint64_t a = w->net.off[i] + 1; a < w->net.off[i + 1]; a++)
            for (uint64_t b = a; b > w->net.off[i] && w->net.adj[b - 1] > w->net.adj[b]; b--) {
                uint32_t t = w->net.adj[b];
                w->net.adj[b] = w->net.adj[b - 1];
                w->net.adj[b - 1] = t;
            }

    w->st.n = n;
    w->st.n_groups = 3;
    w->st.role = calloc(n, sizeof *w->st.role);
    w->st.group = calloc(n, sizeof *w->st.group);
    w->st.superior = malloc(n * sizeof *w->st.superior);
    w->st.status = malloc(n * sizeof *w->st.status);
    w->st.reputation = malloc(n * sizeof *w->st.reputation);
    w->x = malloc(n * sizeof *w->x);
    assert_true(w->st.role && w->st.group && w->st.superior && w->st.status && w->st.reputation &&
                w->x);
    for (uint32_t i = 0; i < n; i++) {
        w->st.group[i] = i % 3;
        w->st.role[i] = i % 10 == 1   ? NN_ROLE_MEDIATOR
                        : i % 10 == 2 ? NN_ROLE_ARBITER
                                      : NN_ROLE_CITIZEN;
        if (i >= 3 && i <= 5)
            w->st.role[i] = NN_ROLE_LEADER;
        w->st.superior[i] = i >= 3 && i <= 5 ? NN_NO_SUPERIOR : 3 + i % 3;
        w->st.status[i] = 0.2 + 0.8 * (double)(i % 7) / 6.0;
        w->st.reputation[i] = 1.0 - 0.01 * (double)(i % 5);
        w->x[i] = 0.5;
    }
    w->env.n = n;
    w->env.seed = SEED;
    w->env.net = &w->net;
    w->env.st = &w->st;
    w->env.x = w->x;
    w->cfg = t_cfg();
}

/* The opinions as reported before the end of round r: a function of the round, so that
 * every engine sees the same ones whenever it runs the round. */
static void t_opinions(t_world_t *w, uint64_t r)
{
    for (uint32_t i = 0; i < w->n; i++) {
        nn_rng_t g;
        nn_rng_init(&g, SEED, 2, i, r);
        w->x[i] = (double)(i % 5) / 5.0 + 0.2 * nn_rng_unit(&g);
    }
}

/* ---- runs and their traces ---------------------------------------------------------------- */

typedef struct t_trace {
    nn_notice_list_t out[ROUNDS + 1];
    nn_violation_list_t viol[ROUNDS + 1];
    nn_cases_stats_t stats[ROUNDS + 1];
    size_t ev_end[ROUNDS + 1]; /* where round r's events end in ev_buf */
    FILE *ev;
    char *ev_buf;
    size_t ev_len;
} t_trace_t;

typedef struct t_acts {
    nn_act_t *a[ROUNDS + 1];
    size_t n[ROUNDS + 1];
} t_acts_t;

static t_trace_t *t_trace_new(void)
{
    t_trace_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->ev = open_memstream(&t->ev_buf, &t->ev_len);
    assert_non_null(t->ev);
    return t;
}

static void t_trace_free(t_trace_t *t)
{
    for (int r = 0; r <= ROUNDS; r++) {
        nn_notice_list_release(&t->out[r]);
        nn_violation_list_release(&t->viol[r]);
    }
    fclose(t->ev);
    free(t->ev_buf);
    free(t);
}

static void t_acts_free(t_acts_t *a)
{
    for (int r = 0; r <= ROUNDS; r++)
        free(a->a[r]);
}

static void t_push(nn_act_t **acts, size_t *n, size_t *cap, nn_act_t a)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *acts = realloc(*acts, *cap * sizeof **acts);
        assert_non_null(*acts);
    }
    (*acts)[(*n)++] = a;
}

/* Round r's acts: answers to round r - 1's notices (votes, acceptances, offers, compliance
 * or defiance, some missing), complaints about neighbours and non-neighbours, and a few
 * acts for cases that do not exist; sorted by agent, each agent's in order. */
static void t_make_acts(const t_world_t *w, const nn_notice_list_t *prev, uint64_t r,
                        nn_act_t **out, size_t *n_out)
{
    nn_act_t *acts = NULL;
    size_t n = 0, cap = 0;
    nn_rng_t g;
    nn_rng_init(&g, SEED, 3, 0, r);
    for (size_t i = 0; prev && i < prev->len; i++) {
        const nn_notice_t *no = &prev->items[i];
        uint32_t to = prev->to[i], id = no->case_id;
        double u = nn_rng_unit(&g), v = nn_rng_unit(&g);
        switch (no->kind) {
        case NN_NOTICE_VOTE:
            if (u < 0.85)
                t_push(&acts, &n, &cap, ACT(to, NN_ACT_VOTE, id, 0, v));
            break;
        case NN_NOTICE_PROPOSAL:
            if (u < 0.9)
                t_push(&acts, &n, &cap, ACT(to, NN_ACT_ACCEPT, id, 0, v < 0.4 ? 1.0 : 0.0));
            break;
        case NN_NOTICE_OFFER:
            if (u < 0.2)
                t_push(&acts, &n, &cap, ACT(to, NN_ACT_ACCEPT, id, 0, 1.0));
            else if (u < 0.8)
                t_push(&acts, &n, &cap, ACT(to, NN_ACT_OFFER, id, 0, v));
            break;
        case NN_NOTICE_VERDICT:
            if (u < 0.7)
                t_push(&acts, &n, &cap, ACT(to, NN_ACT_COMPLY, id, 0, 1.0));
            else if (u < 0.85)
                t_push(&acts, &n, &cap, ACT(to, NN_ACT_COMPLY, id, 0, 0.0));
            break;
        case NN_NOTICE_DELIBERATE:
            if (u < 0.05) /* deliberation asks nothing: ignored */
                t_push(&acts, &n, &cap, ACT(to, NN_ACT_VOTE, id, 0, v));
            break;
        default: break;
        }
    }
    uint32_t k = (uint32_t)nn_rng_below(&g, 7);
    for (uint32_t j = 0; j < k; j++) {
        uint32_t a = (uint32_t)nn_rng_below(&g, w->n);
        uint64_t deg = w->net.off[a + 1] - w->net.off[a];
        uint32_t b = deg && nn_rng_unit(&g) < 0.9
                         ? w->net.adj[w->net.off[a] + nn_rng_below(&g, deg)]
                         : (uint32_t)nn_rng_below(&g, w->n);
        t_push(&acts, &n, &cap, ACT(a, NN_ACT_COMPLAIN, 0, b, w->x[a]));
    }
    if (nn_rng_unit(&g) < 0.5)
        t_push(&acts, &n, &cap,
               ACT((uint32_t)nn_rng_below(&g, w->n), NN_ACT_ACCEPT, 999999, 0, 1.0));
    for (size_t i = 1; i < n; i++) /* stable, by agent */
        for (size_t j = i; j > 0 && acts[j - 1].agent > acts[j].agent; j--) {
            nn_act_t t = acts[j];
            acts[j] = acts[j - 1];
            acts[j - 1] = t;
        }
    *out = acts;
    *n_out = n;
}

/* Ends rounds from .. to with engine c, recording into t; with make set, round r's acts
 * are drawn from the notices of round r - 1 in t and stored in acts, else replayed. */
static void t_run(t_world_t *w, nn_cases_t *c, uint64_t from, uint64_t to, t_acts_t *acts, int make,
                  t_trace_t *t)
{
    for (uint64_t r = from; r <= to; r++) {
        t_opinions(w, r);
        if (make)
            t_make_acts(w, r > 1 ? &t->out[r - 1] : NULL, r, &acts->a[r], &acts->n[r]);
        assert_int_equal(
            nn_cases_round(c, r, acts->a[r], acts->n[r], &t->out[r], &t->viol[r], t->ev), NN_OK);
        t->stats[r] = *nn_cases_stats(c);
        assert_int_equal(fflush(t->ev), 0);
        t->ev_end[r] = t->ev_len;
    }
}

static void t_same_round(const t_trace_t *a, const t_trace_t *c, uint64_t r)
{
    const nn_notice_list_t *na = &a->out[r], *nc = &c->out[r];
    if (na->len != nc->len)
        fail_msg("round %llu: %zu notices, resumed %zu", (unsigned long long)r, na->len, nc->len);
    for (size_t i = 0; i < na->len; i++) {
        const nn_notice_t *x = &na->items[i], *y = &nc->items[i];
        if (na->to[i] != nc->to[i] || x->kind != y->kind || x->protocol != y->protocol ||
            x->case_id != y->case_id || x->other != y->other || x->arg != y->arg ||
            memcmp(&x->value, &y->value, sizeof x->value) != 0 ||
            memcmp(&x->value2, &y->value2, sizeof x->value2) != 0)
            fail_msg("round %llu: notice %zu differs (kind %u case %u to %u, resumed kind %u case "
                     "%u to %u, values %.17g %.17g / %.17g %.17g)",
                     (unsigned long long)r, i, x->kind, x->case_id, na->to[i], y->kind, y->case_id,
                     nc->to[i], x->value, x->value2, y->value, y->value2);
    }
    const nn_violation_list_t *va = &a->viol[r], *vc = &c->viol[r];
    assert_int_equal(va->len, vc->len);
    for (size_t i = 0; i < va->len; i++) {
        assert_int_equal(va->items[i].agent, vc->items[i].agent);
        assert_int_equal(va->items[i].norm, vc->items[i].norm);
        assert_int_equal(va->items[i].count, vc->items[i].count);
        assert_int_equal(va->items[i].case_id, vc->items[i].case_id);
    }
    if (memcmp(&a->stats[r], &c->stats[r], sizeof a->stats[r]) != 0)
        fail_msg("round %llu: the counters differ (open %llu / %llu, closed agreed %llu / %llu)",
                 (unsigned long long)r, (unsigned long long)a->stats[r].open,
                 (unsigned long long)c->stats[r].open,
                 (unsigned long long)a->stats[r].closed[NN_OUTCOME_AGREED],
                 (unsigned long long)c->stats[r].closed[NN_OUTCOME_AGREED]);
}

/* A checkpoint path in a fresh temporary directory (removed by t_rmdir). */
static void t_tmpdir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/nn-ckpt-cases-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void t_rmdir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void t_save(nn_cases_t *c, const char *path)
{
    nn_ckpt_writer_t w;
    char err[512];
    assert_int_equal(nn_ckpt_begin(&w, path, err, sizeof err), NN_OK);
    assert_int_equal(nn_cases_save(c, &w), NN_OK);
    if (nn_ckpt_commit(&w, err, sizeof err) != NN_OK)
        fail_msg("commit: %s", err);
}

/* Loads path into c: the result, with the reader's why in why. */
static int t_load(nn_cases_t *c, const char *path, char *why, size_t len)
{
    nn_ckpt_reader_t r;
    char err[512];
    int e = nn_ckpt_open(&r, path, err, sizeof err);
    if (e != NN_OK)
        fail_msg("open: %s", err);
    e = nn_cases_load(c, &r);
    if (e == NN_OK)
        assert_int_equal(r.at, r.len); /* every record was taken */
    snprintf(why, len, "%s", r.why);
    nn_ckpt_close(&r);
    return e;
}

/* ---- resuming gives the same run ---------------------------------------------------------- */

typedef struct t_fix {
    t_world_t w;
    t_acts_t acts;
    t_trace_t *a; /* the uninterrupted run */
    char dir[64], path[128];
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    if (f->a)
        t_trace_free(f->a);
    t_acts_free(&f->acts);
    t_world_free(&f->w);
    if (f->dir[0])
        t_rmdir(f->dir);
    free(f);
    return 0;
}

/* The world (with the other chains when other is set), run A with its acts, and a
 * checkpoint directory. */
static void t_prepare_with(t_fix_t *f, int other)
{
    t_world(&f->w, N);
    if (other)
        f->w.cfg = t_cfg2();
    t_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->path, sizeof f->path, "%s/cases.ckpt", f->dir);
    f->a = t_trace_new();
    nn_cases_t *a = NULL;
    assert_int_equal(nn_cases_new(&a, &f->w.cfg, &f->w.env), NN_OK);
    t_run(&f->w, a, 1, ROUNDS, &f->acts, 1, f->a);
    nn_cases_destroy(&a);
}

static void t_prepare(t_fix_t *f)
{
    t_prepare_with(f, 0);
}

static size_t t_kind_count(const nn_notice_list_t *l, int kind)
{
    size_t k = 0;
    for (size_t i = 0; i < l->len; i++)
        k += l->items[i].kind == kind;
    return k;
}

/* B runs to R, is saved and loaded into C, C runs the rest: all of it A's. */
static void t_resume_at(t_fix_t *f, uint64_t R)
{
    t_trace_t *b = t_trace_new(), *c = t_trace_new();
    nn_cases_t *eb = NULL, *ec = NULL;
    assert_int_equal(nn_cases_new(&eb, &f->w.cfg, &f->w.env), NN_OK);
    t_run(&f->w, eb, 1, R, &f->acts, 0, b);
    for (uint64_t r = 1; r <= R; r++) /* B is A so far: the replay is faithful */
        t_same_round(f->a, b, r);
    t_save(eb, f->path);
    nn_cases_destroy(&eb);

    assert_int_equal(nn_cases_new(&ec, &f->w.cfg, &f->w.env), NN_OK);
    char why[512];
    int e = t_load(ec, f->path, why, sizeof why);
    if (e != NN_OK)
        fail_msg("load after round %llu: %s (%s)", (unsigned long long)R, nn_strerror(e), why);
    assert_memory_equal(nn_cases_stats(ec), &f->a->stats[R], sizeof(nn_cases_stats_t));
    t_run(&f->w, ec, R + 1, ROUNDS, &f->acts, 0, c);
    for (uint64_t r = R + 1; r <= ROUNDS; r++)
        t_same_round(f->a, c, r);
    /* the events, byte for byte: A's after round R are all of C's */
    size_t from = f->a->ev_end[R], len = f->a->ev_len - from;
    assert_int_equal(c->ev_len, len);
    assert_memory_equal(c->ev_buf, f->a->ev_buf + from, len);
    for (uint64_t r = R + 1; r <= ROUNDS; r++)
        assert_int_equal(c->ev_end[r], f->a->ev_end[r] - from);
    nn_cases_destroy(&ec);
    t_trace_free(b);
    t_trace_free(c);
}

static void test_resume_gives_the_same_run(void **state)
{
    t_fix_t *f = *state;
    t_prepare(f);
    const nn_cases_stats_t *s = &f->a->stats[ROUNDS];
    /* the run goes through every protocol of the chains and every outcome */
    static const nn_protocol_t used[] = {
        NN_PROTO_NEGOTIATION, NN_PROTO_MEDIATION,    NN_PROTO_MAJORITY, NN_PROTO_ARBITRATION,
        NN_PROTO_TOLERANCE,   NN_PROTO_DELIBERATION, NN_PROTO_WEIGHTED};
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (!s->protocol[used[i]].opened)
            fail_msg("%s never opened", nn_protocol_name(used[i]));
    for (int o = 0; o < NN_OUTCOME_ESCALATED; o++) /* escalations: the other chains */
        if (!s->closed[o])
            fail_msg("no case closed %s", nn_outcome_name(o));
    assert_true(s->opened[NN_CASE_COMPLAINT] > 20);
    assert_true(s->opened[NN_CASE_DECISION] >= 18);
    assert_true(s->complied > 0 && s->defied > 0);
    assert_true(s->refused_complaints > 0 && s->ignored_acts > 0);

    /* a checkpoint after every round; most leave cases open in the middle of their
     * protocols: waiting for answers to proposals, offers or votes, deliberating, or
     * verdicts waiting for compliance */
    int mid = 0, comply_pending = 0;
    for (uint64_t R = 1; R < ROUNDS; R++) {
        const nn_notice_list_t *o = &f->a->out[R];
        mid += f->a->stats[R].open > 0 &&
               t_kind_count(o, NN_NOTICE_PROPOSAL) + t_kind_count(o, NN_NOTICE_OFFER) +
                       t_kind_count(o, NN_NOTICE_VOTE) + t_kind_count(o, NN_NOTICE_DELIBERATE) >
                   0;
        comply_pending += t_kind_count(o, NN_NOTICE_VERDICT) > 0;
        t_resume_at(f, R);
    }
    assert_true(mid >= ROUNDS - 5);
    assert_true(comply_pending >= 10);
    /* decisions are deliberating after round 4 (opened then, 4 steps at most) */
    assert_true(t_kind_count(&f->a->out[5], NN_NOTICE_DELIBERATE) > 0);
}

static void test_resume_other_chains(void **state)
{
    t_fix_t *f = *state;
    t_prepare_with(f, 1);
    const nn_cases_stats_t *s = &f->a->stats[ROUNDS];
    assert_true(s->protocol[NN_PROTO_ARBITRATION].outcome[NN_OUTCOME_IMPOSED] > 0);
    assert_true(s->protocol[NN_PROTO_ARBITRATION].outcome[NN_OUTCOME_ESCALATED] > 0);
    assert_true(s->protocol[NN_PROTO_DELIBERATION].opened > 0);
    assert_true(s->closed[NN_OUTCOME_ESCALATED] > 0);
    assert_int_equal(s->opened[NN_CASE_DECISION], ROUNDS / 5);
    int open = 0;
    for (uint64_t R = 1; R < ROUNDS; R++) {
        open += f->a->stats[R].open > 0;
        t_resume_at(f, R);
    }
    assert_true(open >= ROUNDS - 5);
}

/* ---- refusals ---------------------------------------------------------------------------- */

/* The records of a checkpoint as the file format lays them out (checkpoint.h), to be
 * rewritten changed. */
typedef struct t_records {
    size_t n;
    uint32_t tag[T_MAX_RECORDS];
    size_t len[T_MAX_RECORDS];
    unsigned char *data[T_MAX_RECORDS];
} t_records_t;

static void t_read_records(const char *path, t_records_t *rec)
{
    nn_ckpt_reader_t r;
    char err[512];
    assert_int_equal(nn_ckpt_open(&r, path, err, sizeof err), NN_OK);
    memset(rec, 0, sizeof *rec);
    size_t at = r.at;
    while (at + 16 <= r.len) {
        assert_true(rec->n < T_MAX_RECORDS);
        uint32_t tag;
        uint64_t len;
        memcpy(&tag, r.buf + at, sizeof tag);
        memcpy(&len, r.buf + at + 8, sizeof len);
        rec->tag[rec->n] = tag;
        rec->len[rec->n] = (size_t)len;
        rec->data[rec->n] = malloc((size_t)len + 1);
        assert_non_null(rec->data[rec->n]);
        memcpy(rec->data[rec->n], r.buf + at + 16, (size_t)len);
        rec->n++;
        at += 16 + (size_t)len + (8 - len % 8) % 8;
    }
    assert_int_equal(at, r.len);
    nn_ckpt_close(&r);
}

static void t_records_free(t_records_t *rec)
{
    for (size_t i = 0; i < rec->n; i++)
        free(rec->data[i]);
    rec->n = 0;
}

/* Writes rec to path, skipping the record of tag `skip` (0: none). */
static void t_write_records(const t_records_t *rec, const char *path, uint32_t skip)
{
    nn_ckpt_writer_t w;
    char err[512];
    assert_int_equal(nn_ckpt_begin(&w, path, err, sizeof err), NN_OK);
    for (size_t i = 0; i < rec->n; i++)
        if (rec->tag[i] != skip)
            nn_ckpt_put(&w, rec->tag[i], rec->data[i], rec->len[i]);
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
}

static size_t t_find(const t_records_t *rec, uint32_t tag)
{
    for (size_t i = 0; i < rec->n; i++)
        if (rec->tag[i] == tag)
            return i;
    fail_msg("no record 0x%04x", tag);
    return 0;
}

/* The engine after a refused load is the fresh one it was: it runs round 1 as A did. */
static void t_still_fresh(t_fix_t *f, nn_cases_t *c)
{
    const nn_cases_stats_t *s = nn_cases_stats(c);
    assert_int_equal(s->open, 0);
    assert_int_equal(s->opened[NN_CASE_COMPLAINT] + s->opened[NN_CASE_DECISION], 0);
    t_trace_t *t = t_trace_new();
    t_run(&f->w, c, 1, 1, &f->acts, 0, t);
    t_same_round(f->a, t, 1);
    t_trace_free(t);
}

/* Loads path into a fresh engine of f's world: must be refused with a why holding want. */
static void t_refused(t_fix_t *f, const char *path, const char *want)
{
    nn_cases_t *c = NULL;
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    char why[512];
    int e = t_load(c, path, why, sizeof why);
    if (e != NN_EPROTO)
        fail_msg("a checkpoint that should say '%s' gave %s (%s)", want, nn_strerror(e), why);
    if (!strstr(why, want))
        fail_msg("why '%s' does not say '%s'", why, want);
    t_still_fresh(f, c);
    nn_cases_destroy(&c);
}

static void test_another_scenario_is_refused(void **state)
{
    t_fix_t *f = *state;
    t_prepare(f);
    nn_cases_t *b = NULL;
    assert_int_equal(nn_cases_new(&b, &f->w.cfg, &f->w.env), NN_OK);
    t_trace_t *tb = t_trace_new();
    t_run(&f->w, b, 1, 9, &f->acts, 0, tb);
    t_trace_free(tb);
    t_save(b, f->path);
    nn_cases_destroy(&b);

    /* 50 agents */
    t_world_t w2;
    t_world(&w2, 50);
    nn_cases_t *c = NULL;
    assert_int_equal(nn_cases_new(&c, &w2.cfg, &w2.env), NN_OK);
    char why[512];
    assert_int_equal(t_load(c, f->path, why, sizeof why), NN_EPROTO);
    assert_string_equal(why, "cases: the checkpoint is of 60 agents, the scenario has 50");
    assert_int_equal(nn_cases_stats(c)->open, 0);
    nn_cases_destroy(&c);
    t_world_free(&w2);

    /* the same agents under another config, another seed or other roles */
    nn_cases_config_t keep = f->w.cfg;
    f->w.cfg.mediation_rounds = 4;
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    assert_int_equal(t_load(c, f->path, why, sizeof why), NN_EPROTO);
    assert_string_equal(why, "cases: the checkpoint has mediation rounds 3, the scenario 4");
    nn_cases_destroy(&c);
    f->w.cfg = keep;
    f->w.cfg.chain[NN_CASE_COMPLAINT][2] = NN_PROTO_WEIGHTED;
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    assert_int_equal(t_load(c, f->path, why, sizeof why), NN_EPROTO);
    assert_string_equal(why,
                        "cases: the checkpoint has the complaint chain's protocol 3 majority, the "
                        "scenario weighted");
    nn_cases_destroy(&c);
    f->w.cfg = keep;
    f->w.env.seed = SEED + 1;
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    assert_int_equal(t_load(c, f->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "seed"));
    nn_cases_destroy(&c);
    f->w.env.seed = SEED;
    f->w.st.role[11] = NN_ROLE_ARBITER; /* a mediator less, an arbiter more */
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    assert_int_equal(t_load(c, f->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "mediators"));
    nn_cases_destroy(&c);
    f->w.st.role[11] = NN_ROLE_MEDIATOR;
    f->w.st.group[7] = 0; /* one agent in another group */
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    assert_int_equal(t_load(c, f->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "fingerprint of the roles and groups"));
    nn_cases_destroy(&c);
    f->w.st.group[7] = 7 % 3;

    /* and the genuine engine takes it */
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    assert_int_equal(t_load(c, f->path, why, sizeof why), NN_OK);
    nn_cases_destroy(&c);
}

static void test_damaged_files_are_refused(void **state)
{
    t_fix_t *f = *state;
    t_prepare(f);
    nn_cases_t *b = NULL;
    assert_int_equal(nn_cases_new(&b, &f->w.cfg, &f->w.env), NN_OK);
    t_trace_t *tb = t_trace_new();
    t_run(&f->w, b, 1, 13, &f->acts, 0, tb);
    t_trace_free(tb);
    t_save(b, f->path);
    nn_cases_destroy(&b);
    assert_true(f->a->stats[13].open > 0);

    /* cut or changed: nn_ckpt_open refuses it */
    FILE *in = fopen(f->path, "rb");
    assert_non_null(in);
    unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    assert_true(n > 200 && n < sizeof buf);
    char cut[160], err[512];
    snprintf(cut, sizeof cut, "%s/cut.ckpt", f->dir);
    FILE *out = fopen(cut, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(buf, 1, n / 2, out), n / 2);
    fclose(out);
    nn_ckpt_reader_t r;
    assert_int_equal(nn_ckpt_open(&r, cut, err, sizeof err), NN_EPROTO);
    buf[n / 2] ^= 0x10;
    out = fopen(cut, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(out);
    assert_int_equal(nn_ckpt_open(&r, cut, err, sizeof err), NN_EPROTO);

    /* hand-made files with a valid checksum and contents that do not fit */
    t_records_t rec;
    t_read_records(f->path, &rec);
    assert_int_equal(rec.n, 10);
    size_t ic = t_find(&rec, NN_CKPT_TAG_CASES + 1), ik = t_find(&rec, NN_CKPT_TAG_CASES + 2);
    size_t im = t_find(&rec, NN_CKPT_TAG_CASES + 3);
    uint64_t *cnt = (uint64_t *)rec.data[ic];
    assert_int_equal(rec.len[ic], 5 * sizeof(uint64_t));
    uint64_t live = cnt[0], last = cnt[1];
    assert_true(live > 0 && live <= last);

    /* an absurd case count */
    cnt[0] = (uint64_t)1 << 40;
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "absurd counts");
    /* a big one within the ids given, which the cases record does not hold */
    cnt[0] = 1000000;
    cnt[1] = UINT32_MAX;
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "the record of cases has");
    cnt[0] = SIZE_MAX / 8;
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "cases");
    cnt[0] = live;
    cnt[1] = last;
    /* more members announced than there are */
    cnt[3] += 1000;
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "members");
    cnt[3] -= 1000;

    /* a case state out of range: the state byte of the first case (offset 137 of its
     * 152-byte record) */
    assert_int_equal(rec.len[ik], live * 152);
    unsigned char keep = rec.data[ik][137];
    rec.data[ik][137] = 9;
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "state 9");
    rec.data[ik][137] = keep;
    /* a protocol out of range */
    keep = rec.data[ik][138];
    rec.data[ik][138] = 200;
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "protocol 200");
    rec.data[ik][138] = keep;
    /* the second case with the first one's id */
    assert_true(live >= 2);
    uint32_t id0, id1; /* id: after the 8 eight-byte fields */
    memcpy(&id0, rec.data[ik] + 64, 4);
    memcpy(&id1, rec.data[ik] + 152 + 64, 4);
    assert_true(id0 < id1);
    memcpy(rec.data[ik] + 152 + 64, &id0, 4);
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "out of order");
    memcpy(rec.data[ik] + 152 + 64, &id1, 4);

    /* a member id out of range */
    assert_true(rec.len[im] >= 8);
    uint32_t m0;
    memcpy(&m0, rec.data[im], 4);
    uint32_t bad = N + 5;
    memcpy(rec.data[im], &bad, 4);
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "members not ascending agent ids");
    memcpy(rec.data[im], &m0, 4);

    /* the open counts of an agent changed: they no longer follow the cases */
    size_t io = t_find(&rec, NN_CKPT_TAG_CASES + 7);
    assert_int_equal(rec.len[io], N * sizeof(uint32_t));
    rec.data[io][0] ^= 1;
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "open counts");
    rec.data[io][0] ^= 1;

    /* a missing record: the reader says which */
    t_write_records(&rec, cut, NN_CKPT_TAG_CASES + 9);
    t_refused(f, cut, "0x0309");
    /* positions cut short */
    size_t ip = t_find(&rec, NN_CKPT_TAG_CASES + 4);
    rec.len[ip] -= 8;
    t_write_records(&rec, cut, 0);
    t_refused(f, cut, "positions");
    rec.len[ip] += 8;

    /* put back together, it loads */
    t_write_records(&rec, cut, 0);
    nn_cases_t *c = NULL;
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    char why[512];
    assert_int_equal(t_load(c, cut, why, sizeof why), NN_OK);
    assert_memory_equal(nn_cases_stats(c), &f->a->stats[13], sizeof(nn_cases_stats_t));
    nn_cases_destroy(&c);
    t_records_free(&rec);

    /* a failed reader is refused as it is */
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    assert_int_equal(nn_ckpt_open(&r, f->path, err, sizeof err), NN_OK);
    size_t bytes;
    assert_null(nn_ckpt_take(&r, NN_CKPT_TAG_NORMS, &bytes));
    assert_int_equal(nn_cases_load(c, &r), NN_EPROTO);
    assert_non_null(strstr(r.why, "0x0200"));
    nn_ckpt_close(&r);
    t_still_fresh(f, c);
    nn_cases_destroy(&c);
}

/* A fresh engine saved and loaded is still fresh: an empty checkpoint is a valid one. */
static void test_empty_engine(void **state)
{
    t_fix_t *f = *state;
    t_prepare(f);
    nn_cases_t *b = NULL, *c = NULL;
    assert_int_equal(nn_cases_new(&b, &f->w.cfg, &f->w.env), NN_OK);
    t_save(b, f->path);
    nn_cases_destroy(&b);
    assert_int_equal(nn_cases_new(&c, &f->w.cfg, &f->w.env), NN_OK);
    char why[512];
    assert_int_equal(t_load(c, f->path, why, sizeof why), NN_OK);
    t_trace_t *t = t_trace_new();
    t_run(&f->w, c, 1, ROUNDS, &f->acts, 0, t);
    for (uint64_t r = 1; r <= ROUNDS; r++)
        t_same_round(f->a, t, r);
    assert_int_equal(t->ev_len, f->a->ev_len);
    assert_memory_equal(t->ev_buf, f->a->ev_buf, t->ev_len);
    t_trace_free(t);
    nn_cases_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resume_gives_the_same_run, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_resume_other_chains, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_another_scenario_is_refused, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_files_are_refused, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_empty_engine, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
