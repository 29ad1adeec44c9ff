/* Norms, sanctions and the cooperation game; see norms.h and docs/society.md. The check is
 * the coordinator's per-message hot path: it reads a few per-agent arrays, does at most
 * one binary search of a CSR row, and counts breaches and blocks in a handful of
 * counters for the current sender only. A sender's counts become one record when the
 * next sender starts (and at the end of the round), so the round's lists hold one entry
 * per violator and norm, not one per message. At the end of the round the lists are
 * sorted by (agent, kind) and merged, which makes everything that follows independent of
 * the order in which the nodes' batches arrived. */
#include "norms.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "nunchi/wire.h"

/* One (agent, norm) or (agent, drop rule) count of a round. */
typedef struct s_rec {
    uint32_t agent;
    uint32_t kind; /* nn_norm_kind_t or nn_drop_rule_t */
    uint64_t count;
} s_rec_t;

typedef struct s_recs {
    s_rec_t *items;
    size_t len;
    size_t cap;
} s_recs_t;

struct nn_norms {
    nn_norms_config_t cfg;
    nn_game_config_t game;
    nn_norms_env_t env;
    uint64_t stream_key; /* (seed, NN_STREAM_NORMS) */
    uint64_t round;      /* the round being checked */
    float threshold;     /* aggression, at the precision of nn_msg_t.hostility */
    int64_t benefit_micro, cost_micro;

    /* per agent, each only when something needs it (NULL otherwise) */
    uint64_t *mute_end;            /* muted in rounds < mute_end */
    uint64_t *excl_end;            /* excluded in rounds < excl_end (UINT64_MAX: for good) */
    uint8_t *rung[NN_NORM_KINDS];  /* sanctions had, capped at the ladder's length */
    uint64_t *last[NN_NORM_KINDS]; /* round of the last sanction (forgive > 0 only) */
    int64_t *payoff;               /* game: millionths */

    /* the current sender's run */
    uint32_t run_from; /* NN_NO_AGENT: none */
    uint32_t run_breach[NN_NORM_KINDS];
    uint32_t run_block[NN_DROP_RULES];
    uint32_t run_mask; /* bit k: run_breach[k] > 0; bit 8 + k: run_block[k] > 0 */

    s_recs_t breaches; /* this round's (agent, norm) */
    s_recs_t blocks;   /* this round's (agent, rule) */
    int failed;        /* a list could not grow during the checks: end_round says NN_ENOMEM */

    nn_norms_stats_t stats;
};

#define S_BLOCK_BIT 8

/* --- names --------------------------------------------------------------------------- */

const char *nn_norm_name(nn_norm_kind_t k)
{
    switch (k) {
    case NN_NORM_RATE: return "rate";
    case NN_NORM_ADDRESS: return "address";
    case NN_NORM_AGGRESSION: return "aggression";
    case NN_NORM_DEFECTION: return "defection";
    case NN_NORM_NONCOMPLIANCE: return "noncompliance";
    default: return "?";
    }
}

const char *nn_sanction_name(nn_sanction_kind_t k)
{
    switch (k) {
    case NN_SANCTION_WARN: return "warn";
    case NN_SANCTION_REPUTATION: return "reputation";
    case NN_SANCTION_MUTE: return "mute";
    case NN_SANCTION_EXCLUDE: return "exclude";
    default: return "?";
    }
}

const char *nn_address_scope_name(nn_address_scope_t s)
{
    switch (s) {
    case NN_ADDRESS_NEIGHBOURS: return "neighbours";
    case NN_ADDRESS_HIERARCHY: return "hierarchy";
    case NN_ADDRESS_EITHER: return "either";
    default: return "?";
    }
}

/* --- lifetime ------------------------------------------------------------------------ */

static int s_ladder_has(const nn_norms_config_t *cfg, nn_sanction_kind_t kind)
{
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        const nn_norm_config_t *nc = &cfg->norm[k];
        if (!nc->on)
            continue;
        for (size_t i = 0; i < nc->n_ladder && i < NN_MAX_LADDER; i++)
            if (nc->ladder[i].kind == kind)
                return 1;
    }
    return 0;
}

static size_t s_ladder_len(const nn_norm_config_t *nc)
{
    return nc->n_ladder > NN_MAX_LADDER ? NN_MAX_LADDER : nc->n_ladder;
}

int nn_norms_new(nn_norms_t **out, const nn_norms_config_t *cfg, const nn_game_config_t *game,
                 const nn_norms_env_t *env)
{
    *out = NULL;
    nn_norms_t *n = calloc(1, sizeof *n);
    if (!n)
        return NN_ENOMEM;
    if (cfg)
        n->cfg = *cfg;
    if (game)
        n->game = *game;
    n->env = *env;
    n->stream_key = nn_rng_stream_key(env->seed, NN_STREAM_NORMS);
    n->threshold = (float)n->cfg.norm[NN_NORM_AGGRESSION].threshold;
    n->benefit_micro = llround(n->game.benefit * 1e6);
    n->cost_micro = llround(n->game.cost * 1e6);
    n->run_from = NN_NO_AGENT;

    size_t m = env->n ? env->n : 1;
    int fail = 0;
    if (s_ladder_has(&n->cfg, NN_SANCTION_MUTE))
        fail |= !(n->mute_end = calloc(m, sizeof *n->mute_end));
    if (s_ladder_has(&n->cfg, NN_SANCTION_EXCLUDE))
        fail |= !(n->excl_end = calloc(m, sizeof *n->excl_end));
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        const nn_norm_config_t *nc = &n->cfg.norm[k];
        /* with one rung every sanction is the same: no need to remember where one is */
        if (!nc->on || s_ladder_len(nc) <= 1)
            continue;
        fail |= !(n->rung[k] = calloc(m, sizeof *n->rung[k]));
        if (nc->forgive > 0)
            fail |= !(n->last[k] = calloc(m, sizeof *n->last[k]));
    }
    if (n->game.on)
        fail |= !(n->payoff = calloc(m, sizeof *n->payoff));
    if (fail) {
        nn_norms_destroy(&n);
        return NN_ENOMEM;
    }
    *out = n;
    return NN_OK;
}

void nn_norms_destroy(nn_norms_t **p)
{
    if (!p || !*p)
        return;
    nn_norms_t *n = *p;
    free(n->mute_end);
    free(n->excl_end);
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        free(n->rung[k]);
        free(n->last[k]);
    }
    free(n->payoff);
    free(n->breaches.items);
    free(n->blocks.items);
    free(n);
    *p = NULL;
}

const nn_norms_stats_t *nn_norms_stats(const nn_norms_t *n)
{
    return &n->stats;
}

double nn_norms_payoff(const nn_norms_t *n, uint32_t agent)
{
    if (!n->payoff || agent >= n->env.n)
        return 0.0;
    return (double)n->payoff[agent] / 1e6;
}

/* --- the round's records ------------------------------------------------------------- */

static int s_push(s_recs_t *l, uint32_t agent, uint32_t kind, uint64_t count)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        s_rec_t *it = realloc(l->items, cap * sizeof *it);
        if (!it)
            return NN_ENOMEM;
        l->items = it;
        l->cap = cap;
    }
    l->items[l->len++] = (s_rec_t){agent, kind, count};
    return NN_OK;
}

/* Turns the current sender's counters into records. Called only when the run saw a
 * breach or a block, so that compliant senders cost nothing here. */
static void s_flush(nn_norms_t *n)
{
    uint32_t mask = n->run_mask;
    for (uint32_t k = 0; k < NN_NORM_KINDS; k++) {
        if (mask & (1u << k)) {
            if (s_push(&n->breaches, n->run_from, k, n->run_breach[k]) != NN_OK)
                n->failed = 1;
            n->run_breach[k] = 0;
        }
    }
    for (uint32_t k = 0; k < NN_DROP_RULES; k++) {
        if (mask & (1u << (S_BLOCK_BIT + k))) {
            if (s_push(&n->blocks, n->run_from, k, n->run_block[k]) != NN_OK)
                n->failed = 1;
            n->run_block[k] = 0;
        }
    }
    n->run_mask = 0;
}

static inline void s_breach(nn_norms_t *n, nn_norm_kind_t k)
{
    n->run_breach[k]++;
    n->run_mask |= 1u << k;
}

static inline nn_drop_rule_t s_block(nn_norms_t *n, nn_drop_rule_t rule)
{
    n->run_block[rule]++;
    n->run_mask |= 1u << (S_BLOCK_BIT + rule);
    return rule;
}

static int s_rec_cmp(const void *a, const void *b)
{
    const s_rec_t *x = a, *y = b;
    if (x->agent != y->agent)
        return x->agent < y->agent ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return 0;
}

/* Sorts by (agent, kind) and adds up duplicates: the result is the same set of sums in
 * the same order whatever order the records came in. */
static void s_sort_merge(s_recs_t *l)
{
    if (l->len < 2)
        return;
    qsort(l->items, l->len, sizeof *l->items, s_rec_cmp);
    size_t w = 0;
    for (size_t i = 1; i < l->len; i++) {
        s_rec_t *a = &l->items[w], *b = &l->items[i];
        if (a->agent == b->agent && a->kind == b->kind)
            a->count += b->count;
        else
            l->items[++w] = *b;
    }
    l->len = w + 1;
}

/* --- the check ----------------------------------------------------------------------- */

void nn_norms_begin(nn_norms_t *n, uint64_t round)
{
    n->round = round;
    nn_norms_stats_t *s = &n->stats;
    memset(s->round_violations, 0, sizeof s->round_violations);
    memset(s->round_sanctions, 0, sizeof s->round_sanctions);
    s->round_cooperate = s->round_defect = 0;
    /* a round that was never ended leaves nothing behind */
    n->breaches.len = n->blocks.len = 0;
    memset(n->run_breach, 0, sizeof n->run_breach);
    memset(n->run_block, 0, sizeof n->run_block);
    n->run_mask = 0;
    n->run_from = NN_NO_AGENT;
}

/* Whether `to` is in from's CSR row (ascending): a binary search, O(log degree). */
static int s_is_neighbour(const nn_network_t *net, uint32_t from, uint32_t to)
{
    if (!net)
        return 0;
    const uint32_t *a = net->adj;
    uint64_t lo = net->off[from], hi = net->off[from + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (a[mid] < to)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < net->off[from + 1] && a[lo] == to;
}

static int s_is_hierarchy(const nn_structure_t *st, uint32_t from, uint32_t to)
{
    if (!st || !st->superior)
        return 0;
    return st->superior[from] == to || st->superior[to] == from;
}

nn_drop_rule_t nn_norms_check(void *ctx, const nn_msg_t *m, uint32_t seq)
{
    nn_norms_t *n = ctx;
    const uint32_t from = m->from, to = m->to, N = n->env.n;
    /* the router lets through only agents of the society; this guard keeps a misuse from
     * reading out of bounds, and answers with the router's own rules */
    if (from >= N)
        return NN_DROP_FOREIGN_SENDER;
    if (to >= N)
        return NN_DROP_UNKNOWN_RECEIVER;
    if (from != n->run_from) {
        if (n->run_mask)
            s_flush(n);
        n->run_from = from;
    }
    const uint64_t r = n->round;
    const nn_norm_config_t *nc = n->cfg.norm;

    if (n->excl_end && (r < n->excl_end[from] || r < n->excl_end[to]))
        return s_block(n, NN_DROP_EXCLUDED);
    if (n->mute_end && r < n->mute_end[from])
        return s_block(n, NN_DROP_MUTED);
    if (nc[NN_NORM_ADDRESS].on) {
        int ok;
        switch (nc[NN_NORM_ADDRESS].scope) {
        case NN_ADDRESS_NEIGHBOURS: ok = s_is_neighbour(n->env.net, from, to); break;
        case NN_ADDRESS_HIERARCHY: ok = s_is_hierarchy(n->env.st, from, to); break;
        default: ok = s_is_hierarchy(n->env.st, from, to) || s_is_neighbour(n->env.net, from, to);
        }
        if (!ok) {
            s_breach(n, NN_NORM_ADDRESS);
            return s_block(n, NN_DROP_ADDRESS);
        }
    }
    if (nc[NN_NORM_RATE].on && seq >= nc[NN_NORM_RATE].limit) {
        s_breach(n, NN_NORM_RATE);
        return s_block(n, NN_DROP_RATE);
    }
    /* written so that a NaN hostility (out of the protocol's [0, 1]) counts as above */
    if (nc[NN_NORM_AGGRESSION].on && !(m->hostility <= n->threshold)) {
        s_breach(n, NN_NORM_AGGRESSION);
        return s_block(n, NN_DROP_AGGRESSION);
    }
    if (n->game.on) {
        nn_norms_stats_t *s = &n->stats;
        if (m->flags & NN_MSG_DEFECT) {
            s->round_defect++;
            s->total_defect++;
            if (nc[NN_NORM_DEFECTION].on)
                s_breach(n, NN_NORM_DEFECTION);
        } else {
            s->round_cooperate++;
            s->total_cooperate++;
            n->payoff[from] -= n->cost_micro;
            n->payoff[to] += n->benefit_micro;
            s->total_payoff_micro += n->benefit_micro - n->cost_micro;
        }
    }
    return NN_DROP_PASS;
}

int nn_norms_add(nn_norms_t *n, const nn_violation_t *v, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        /* only norms that are on are counted; a record about nobody is ignored */
        if (v[i].norm >= NN_NORM_KINDS || !n->cfg.norm[v[i].norm].on || v[i].agent >= n->env.n ||
            v[i].count == 0)
            continue;
        if (s_push(&n->breaches, v[i].agent, v[i].norm, v[i].count) != NN_OK)
            return NN_ENOMEM;
    }
    return NN_OK;
}

/* --- the end of the round ------------------------------------------------------------ */

static int s_event(FILE *f, uint64_t round, uint32_t agent, uint32_t norm, const nn_sanction_t *sc,
                   uint64_t breaches)
{
    json_t *o = json_object();
    if (!o)
        return NN_ENOMEM;
    int bad = 0;
    bad |= json_object_set_new(o, "round", json_integer((json_int_t)round));
    bad |= json_object_set_new(o, "event", json_string("sanction"));
    bad |= json_object_set_new(o, "agent", json_integer((json_int_t)agent));
    bad |= json_object_set_new(o, "norm", json_string(nn_norm_name((nn_norm_kind_t)norm)));
    bad |= json_object_set_new(o, "sanction", json_string(nn_sanction_name(sc->kind)));
    if (sc->kind == NN_SANCTION_REPUTATION)
        bad |= json_object_set_new(o, "amount", json_real(sc->amount));
    else if (sc->kind == NN_SANCTION_MUTE || sc->kind == NN_SANCTION_EXCLUDE)
        bad |= json_object_set_new(o, "rounds", json_integer((json_int_t)sc->rounds));
    bad |= json_object_set_new(o, "breaches", json_integer((json_int_t)breaches));
    if (bad) {
        json_decref(o);
        return NN_ENOMEM;
    }
    int rc = json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 && fputc('\n', f) != EOF
                 ? NN_OK
                 : NN_EIO;
    json_decref(o);
    return rc;
}

/* Whether the agent's `count` breaches of a norm with detection probability p are seen:
 * one draw, at draw index `norm` of (seed, NN_STREAM_NORMS, agent, round), so that each
 * norm has its own draw and the draw does not depend on what else the agent did. */
static int s_detected(const nn_norms_t *n, uint32_t agent, uint32_t norm, uint64_t round, double p,
                      uint64_t count)
{
    if (p >= 1.0)
        return 1;
    if (p <= 0.0)
        return 0;
    nn_rng_t g;
    nn_rng_init_keyed(&g, n->stream_key, agent, round);
    g.draw = norm;
    double u = nn_rng_unit(&g);
    return u < 1.0 - pow(1.0 - p, (double)count);
}

static uint64_t s_end_after(uint64_t round, uint32_t k)
{
    /* muted or excluded in rounds round + 1 .. round + k: before round + k + 1 */
    uint64_t e = round + (uint64_t)k + 1;
    return e < round ? UINT64_MAX : e;
}

/* One detected breach of `norm` by `agent` in `round`: the next rung of the ladder. */
static int s_sanction(nn_norms_t *n, uint32_t agent, uint32_t norm, uint64_t round,
                      uint64_t breaches, nn_notice_list_t *out, FILE *events)
{
    const nn_norm_config_t *nc = &n->cfg.norm[norm];
    size_t len = s_ladder_len(nc);
    nn_sanction_t sc = {NN_SANCTION_WARN, 0.0, 0};
    if (len > 0) {
        size_t rung = 0;
        if (n->rung[norm]) {
            if (n->last[norm] && n->rung[norm][agent] > 0 &&
                round - n->last[norm][agent] > nc->forgive)
                n->rung[norm][agent] = 0;
            rung = n->rung[norm][agent];
            /* capped at the ladder's length: past the last rung, all rungs are the last */
            if (rung < len)
                n->rung[norm][agent] = (uint8_t)(rung + 1);
            if (n->last[norm])
                n->last[norm][agent] = round;
        }
        sc = nc->ladder[rung < len ? rung : len - 1];
    }

    nn_notice_t nt = {.kind = NN_NOTICE_SANCTION, .arg = norm, .other = (uint32_t)sc.kind};
    nn_structure_t *st = n->env.st;
    switch (sc.kind) {
    case NN_SANCTION_REPUTATION:
        if (st && st->reputation) {
            double rep = st->reputation[agent] - sc.amount;
            st->reputation[agent] = rep > 0.0 ? rep : 0.0;
        }
        nt.value = sc.amount;
        break;
    case NN_SANCTION_MUTE:
        if (n->mute_end && sc.rounds > 0) {
            uint64_t e = s_end_after(round, sc.rounds);
            if (e > n->mute_end[agent])
                n->mute_end[agent] = e;
        }
        nt.value = sc.rounds;
        break;
    case NN_SANCTION_EXCLUDE:
        if (n->excl_end) {
            uint64_t e = sc.rounds == 0 ? UINT64_MAX : s_end_after(round, sc.rounds);
            if (e > n->excl_end[agent])
                n->excl_end[agent] = e;
        }
        nt.value = sc.rounds;
        break;
    default: sc.kind = NN_SANCTION_WARN; nt.other = NN_SANCTION_WARN;
    }
    n->stats.round_sanctions[sc.kind]++;
    n->stats.total_sanctions[sc.kind]++;
    if (nn_notice_push(out, agent, &nt) != NN_OK)
        return NN_ENOMEM;
    return events ? s_event(events, round, agent, norm, &sc, breaches) : NN_OK;
}

int nn_norms_end_round(nn_norms_t *n, uint64_t round, nn_notice_list_t *out, FILE *events)
{
    if (n->run_mask)
        s_flush(n);
    n->run_from = NN_NO_AGENT;
    int rc = n->failed ? NN_ENOMEM : NN_OK;
    n->failed = 0;
    s_sort_merge(&n->breaches);
    s_sort_merge(&n->blocks);

    /* agents ascending; for each, its blocks by rule, then its sanctions by norm */
    const s_rec_t *br = n->breaches.items, *bl = n->blocks.items;
    size_t nb = n->breaches.len, nl = n->blocks.len, i = 0, j = 0;
    while (rc == NN_OK && (i < nb || j < nl)) {
        uint32_t agent = i < nb ? br[i].agent : UINT32_MAX;
        if (j < nl && bl[j].agent < agent)
            agent = bl[j].agent;
        for (; rc == NN_OK && j < nl && bl[j].agent == agent; j++) {
            nn_notice_t nt = {.kind = NN_NOTICE_BLOCKED,
                              .other = NN_NO_AGENT,
                              .arg = bl[j].kind,
                              .value = (double)bl[j].count};
            rc = nn_notice_push(out, agent, &nt);
        }
        for (; rc == NN_OK && i < nb && br[i].agent == agent; i++) {
            uint32_t norm = br[i].kind;
            uint64_t c = br[i].count;
            n->stats.round_violations[norm] += c;
            n->stats.total_violations[norm] += c;
            if (s_detected(n, agent, norm, round, n->cfg.norm[norm].detect, c))
                rc = s_sanction(n, agent, norm, round, c, out, events);
        }
    }
    n->breaches.len = n->blocks.len = 0;

    nn_structure_t *st = n->env.st;
    const uint32_t N = n->env.n;
    double rec = n->cfg.recovery;
    if (rec > 0.0 && st && st->reputation)
        for (uint32_t a = 0; a < N; a++)
            st->reputation[a] += rec * (1.0 - st->reputation[a]);

    uint32_t muted = 0, excluded = 0;
    const uint64_t next = round + 1;
    if (n->mute_end)
        for (uint32_t a = 0; a < N; a++)
            muted += next < n->mute_end[a];
    if (n->excl_end)
        for (uint32_t a = 0; a < N; a++)
            excluded += next < n->excl_end[a];
    n->stats.muted = muted;
    n->stats.excluded = excluded;
    return rc;
}

/* --- across ranks -------------------------------------------------------------------- */

int nn_norms_take_records(nn_norms_t *n, nn_norm_rec_t **out, size_t *cap, size_t *len)
{
    if (n->run_mask)
        s_flush(n);
    n->run_from = NN_NO_AGENT;
    size_t need = n->breaches.len + n->blocks.len;
    if (need > *cap) {
        nn_norm_rec_t *o = realloc(*out, need * sizeof *o);
        if (!o)
            return NN_ENOMEM;
        *out = o;
        *cap = need;
    }
    size_t w = 0;
    const s_recs_t *lists[2] = {&n->breaches, &n->blocks};
    for (uint16_t l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->len; i++) {
            const s_rec_t *r = &lists[l]->items[i];
            (*out)[w++] = (nn_norm_rec_t){r->agent, (uint16_t)r->kind, l, r->count};
        }
    *len = w;
    return NN_OK;
}

int nn_norms_put_records(nn_norms_t *n, const nn_norm_rec_t *recs, size_t len)
{
    n->breaches.len = n->blocks.len = 0;
    for (size_t i = 0; i < len; i++) {
        s_recs_t *l = recs[i].list ? &n->blocks : &n->breaches;
        if (s_push(l, recs[i].agent, recs[i].kind, recs[i].count) != NN_OK)
            return NN_ENOMEM;
    }
    return NN_OK;
}

void nn_norms_round_moves(const nn_norms_t *n, uint64_t *cooperate, uint64_t *defect)
{
    *cooperate = n->stats.round_cooperate;
    *defect = n->stats.round_defect;
}

void nn_norms_set_round_moves(nn_norms_t *n, uint64_t cooperate, uint64_t defect)
{
    nn_norms_stats_t *s = &n->stats;
    /* every cooperative move added benefit - cost to the run's total */
    s->total_payoff_micro +=
        (__int128)(cooperate - s->round_cooperate) * (__int128)(n->benefit_micro - n->cost_micro);
    s->total_cooperate += cooperate - s->round_cooperate;
    s->total_defect += defect - s->round_defect;
    s->round_cooperate = cooperate;
    s->round_defect = defect;
}

/* --- checkpoints --------------------------------------------------------------------- */

/* Between two rounds the norms' state is the per-agent arrays and the stats: the round's
 * records, the current sender's run and the round being checked are all reset by
 * nn_norms_begin (and the round's records are empty after nn_norms_end_round), and the
 * rest is the config. The round's game moves are in the stats (the next round's begin
 * clears them, but the stats are read between rounds). Reputation is the structure's. */

enum {
    S_CK_ID = NN_CKPT_TAG_NORMS, /* u64: agents, the arrays present, each ladder's length */
    S_CK_MUTE,                   /* mute_end (empty when absent), and so on */
    S_CK_EXCL,
    S_CK_RUNG,                             /* + k: rung[k] */
    S_CK_LAST = S_CK_RUNG + NN_NORM_KINDS, /* + k: last[k] */
    S_CK_PAYOFF = S_CK_LAST + NN_NORM_KINDS,
    S_CK_STATS
};

/* The arrays in the order of the records and of the bits of the identity's mask. */
#define S_CK_ARRAYS    (3 + 2 * NN_NORM_KINDS)
#define S_CK_ID_LEN    (2 + NN_NORM_KINDS)
#define S_CK_STATS_LEN (2 * NN_NORM_KINDS + 2 * NN_SANCTION_KINDS + 4 + 2 + 2)

typedef struct s_ck_array {
    void *p;
    size_t size; /* of one element */
    uint32_t tag;
    char name[32];
} s_ck_array_t;

static void s_ck_arrays(const nn_norms_t *n, s_ck_array_t a[S_CK_ARRAYS])
{
    size_t i = 0;
    a[i++] = (s_ck_array_t){n->mute_end, sizeof *n->mute_end, S_CK_MUTE, "mute_end"};
    a[i++] = (s_ck_array_t){n->excl_end, sizeof *n->excl_end, S_CK_EXCL, "excl_end"};
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        a[i] = (s_ck_array_t){n->rung[k], sizeof *n->rung[k], S_CK_RUNG + k, ""};
        snprintf(a[i++].name, sizeof a[0].name, "rung[%s]", nn_norm_name((nn_norm_kind_t)k));
    }
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        a[i] = (s_ck_array_t){n->last[k], sizeof *n->last[k], S_CK_LAST + k, ""};
        snprintf(a[i++].name, sizeof a[0].name, "last[%s]", nn_norm_name((nn_norm_kind_t)k));
    }
    a[i++] = (s_ck_array_t){n->payoff, sizeof *n->payoff, S_CK_PAYOFF, "payoff"};
}

static void s_ck_id(const nn_norms_t *n, const s_ck_array_t a[S_CK_ARRAYS],
                    uint64_t id[S_CK_ID_LEN])
{
    id[0] = n->env.n;
    id[1] = 0;
    for (size_t i = 0; i < S_CK_ARRAYS; i++)
        if (a[i].p)
            id[1] |= (uint64_t)1 << i;
    for (int k = 0; k < NN_NORM_KINDS; k++)
        id[2 + k] = n->cfg.norm[k].on ? s_ladder_len(&n->cfg.norm[k]) : 0;
}

/* The stats as u64s, field by field: no padding in the file, and the 128-bit total as
 * its low and high halves. */
static void s_ck_stats_put(const nn_norms_stats_t *s, uint64_t v[S_CK_STATS_LEN])
{
    size_t i = 0;
    for (int k = 0; k < NN_NORM_KINDS; k++)
        v[i++] = s->round_violations[k];
    for (int k = 0; k < NN_NORM_KINDS; k++)
        v[i++] = s->total_violations[k];
    for (int k = 0; k < NN_SANCTION_KINDS; k++)
        v[i++] = s->round_sanctions[k];
    for (int k = 0; k < NN_SANCTION_KINDS; k++)
        v[i++] = s->total_sanctions[k];
    v[i++] = s->round_cooperate;
    v[i++] = s->round_defect;
    v[i++] = s->total_cooperate;
    v[i++] = s->total_defect;
    unsigned __int128 p = (unsigned __int128)s->total_payoff_micro;
    v[i++] = (uint64_t)p;
    v[i++] = (uint64_t)(p >> 64);
    v[i++] = s->muted;
    v[i++] = s->excluded;
}

static void s_ck_stats_get(nn_norms_stats_t *s, const uint64_t v[S_CK_STATS_LEN])
{
    size_t i = 0;
    memset(s, 0, sizeof *s);
    for (int k = 0; k < NN_NORM_KINDS; k++)
        s->round_violations[k] = v[i++];
    for (int k = 0; k < NN_NORM_KINDS; k++)
        s->total_violations[k] = v[i++];
    for (int k = 0; k < NN_SANCTION_KINDS; k++)
        s->round_sanctions[k] = v[i++];
    for (int k = 0; k < NN_SANCTION_KINDS; k++)
        s->total_sanctions[k] = v[i++];
    s->round_cooperate = v[i++];
    s->round_defect = v[i++];
    s->total_cooperate = v[i++];
    s->total_defect = v[i++];
    unsigned __int128 p = (unsigned __int128)v[i] | (unsigned __int128)v[i + 1] << 64;
    i += 2;
    s->total_payoff_micro = (__int128)p;
    s->muted = (uint32_t)v[i++];
    s->excluded = (uint32_t)v[i++];
}

int nn_norms_save(const nn_norms_t *n, nn_ckpt_writer_t *w)
{
    s_ck_array_t a[S_CK_ARRAYS];
    s_ck_arrays(n, a);
    uint64_t id[S_CK_ID_LEN];
    s_ck_id(n, a, id);
    nn_ckpt_put(w, S_CK_ID, id, sizeof id);
    for (size_t i = 0; i < S_CK_ARRAYS; i++)
        nn_ckpt_put(w, a[i].tag, a[i].p, a[i].p ? (size_t)n->env.n * a[i].size : 0);
    uint64_t v[S_CK_STATS_LEN];
    s_ck_stats_put(&n->stats, v);
    nn_ckpt_put(w, S_CK_STATS, v, sizeof v);
    return NN_OK;
}

int nn_norms_load(nn_norms_t *n, nn_ckpt_reader_t *r)
{
    if (r->failed)
        return NN_EPROTO;
    s_ck_array_t a[S_CK_ARRAYS];
    s_ck_arrays(n, a);
    uint64_t mine[S_CK_ID_LEN], id[S_CK_ID_LEN];
    s_ck_id(n, a, mine);
    if (nn_ckpt_get(r, S_CK_ID, id, sizeof id) != NN_OK)
        return NN_EPROTO;
    if (id[0] != mine[0])
        return nn_ckpt_misfit(
            r, "norms: the checkpoint is of %" PRIu64 " agents, the scenario has %" PRIu64, id[0],
            mine[0]);
    for (int k = 0; k < NN_NORM_KINDS; k++)
        if (id[2 + k] != mine[2 + k])
            return nn_ckpt_misfit(r,
                                  "norms: the checkpoint's ladder of '%s' has %" PRIu64
                                  " rungs, the scenario's %" PRIu64 " (0: the norm is off)",
                                  nn_norm_name((nn_norm_kind_t)k), id[2 + k], mine[2 + k]);
    for (size_t i = 0; i < S_CK_ARRAYS; i++) {
        uint64_t bit = (uint64_t)1 << i;
        if ((id[1] & bit) != (mine[1] & bit))
            return nn_ckpt_misfit(r, "norms: the checkpoint %s '%s', the scenario's norms %s",
                                  id[1] & bit ? "has" : "has no", a[i].name,
                                  mine[1] & bit ? "have it" : "do not");
    }
    if (id[1] >> S_CK_ARRAYS)
        return nn_ckpt_misfit(
            r, "norms: the checkpoint has arrays unknown here (mask 0x%" PRIx64 ")", id[1]);

    /* everything is checked before anything is copied: a file that does not fit leaves
     * the instance as it was */
    const void *src[S_CK_ARRAYS];
    for (size_t i = 0; i < S_CK_ARRAYS; i++) {
        size_t len = 0, want = a[i].p ? (size_t)n->env.n * a[i].size : 0;
        src[i] = nn_ckpt_take(r, a[i].tag, &len);
        if (!src[i])
            return NN_EPROTO;
        if (len != want)
            return nn_ckpt_misfit(r, "norms: the checkpoint's '%s' has %zu bytes, %zu expected",
                                  a[i].name, len, want);
    }
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        const uint8_t *rung = src[2 + k];
        if (!a[2 + k].p)
            continue;
        for (uint32_t x = 0; x < n->env.n; x++)
            if (rung[x] > mine[2 + k])
                return nn_ckpt_misfit(
                    r,
                    "norms: agent %" PRIu32 " is on rung %u of the ladder of '%s', "
                    "which has %" PRIu64,
                    x, (unsigned)rung[x], nn_norm_name((nn_norm_kind_t)k), mine[2 + k]);
    }
    uint64_t v[S_CK_STATS_LEN];
    if (nn_ckpt_get(r, S_CK_STATS, v, sizeof v) != NN_OK)
        return NN_EPROTO;
    nn_norms_stats_t s;
    s_ck_stats_get(&s, v);
    if (v[S_CK_STATS_LEN - 2] > n->env.n || v[S_CK_STATS_LEN - 1] > n->env.n)
        return nn_ckpt_misfit(r,
                              "norms: the checkpoint has %" PRIu64 " agents muted and %" PRIu64
                              " excluded, of %" PRIu32,
                              v[S_CK_STATS_LEN - 2], v[S_CK_STATS_LEN - 1], n->env.n);

    for (size_t i = 0; i < S_CK_ARRAYS; i++)
        if (a[i].p && n->env.n)
            memcpy(a[i].p, src[i], (size_t)n->env.n * a[i].size);
    n->stats = s;
    return NN_OK;
}
