/* The case engine; see cases.h and docs/society.md. Only the cases still alive (open, or
 * waiting for the parties' compliance) are stored, in one array in ascending id order,
 * with a hash index from id to place, so an act finds its case in O(1) and memory
 * follows the cases alive, not the length of the run (a society that opens thousands of
 * cases a round over hundreds of rounds keeps a few thousand). Ids are still given from 1
 * in opening order, so a new case appends and the order holds; a finished case is
 * compacted away, and an act naming it later finds nothing and is ignored, as an act for
 * a finished case always was. Every protocol step lasts exactly one round: its notices go
 * out with the next Tick and the answers are read at the end of that round, so at the end
 * of round r every open case is waiting for round r's acts. A round runs in four phases:
 * the acts are filed into their cases; the alive cases advance in id order (verdicts
 * waiting for compliance are settled, protocol steps are tallied, failures hand on down
 * the chain); the finished are dropped and the index rebuilt; the round's complaints open
 * in act order, then the decisions by group. Third parties are drawn from role lists
 * sorted by (group, id), so a draw costs O(1) beside the binary searches, and the
 * bounded-confidence step of a big deliberation runs on sorted positions with prefix sums
 * in O(m log m). All sums run in a fixed order (member order, or sorted order), so the
 * outcome depends on the scenario, the seed and the acts only. */
#include "cases.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"

#include "norms.h"

#define S_SOCIETY UINT32_MAX /* s_case_t.group of a society-wide decision */
#define S_EMPTY   UINT64_MAX /* an empty slot of the open-pair table */
/* Deliberations up to this many members take the bounded-confidence step literally, in
 * member order (O(m^2)); bigger ones on sorted positions (O(m log m)). */
#define S_DIRECT_HK 256
/* Seeded draws: (seed, NN_STREAM_CASES, case id, round slot). */
#define S_SLOT_JURY     0
#define S_SLOT_MEDIATOR 1000
#define S_SLOT_ARBITER  2000
#define S_SLOT_TALLY    ((uint64_t)1 << 32) /* + the tally round: apart from the slots above */

enum { S_OPEN = 1, S_COMPLY, S_DONE };      /* s_case_t.state */
enum { S_WAIT = 0, S_SUCCEEDED, S_FAILED }; /* what a protocol step came to */
enum { S_MEDIATORS = 0, S_ARBITERS };       /* nn_cases.roles */

/* The agents of one role, ordered by (group, id); goff[g] .. goff[g + 1] is group g. */
typedef struct s_rolelist {
    uint32_t *ids;
    uint32_t *goff;
    uint32_t len;
} s_rolelist_t;

typedef struct s_case {
    uint64_t opened_round;
    uint64_t comply_round; /* S_COMPLY: the round whose acts answer the verdict */
    double *pos;           /* by member: the position at opening (owns the block) */
    uint32_t *members;     /* ascending agent ids (inside the block of pos) */
    int32_t *ans;          /* by member: vote option, accept or comply answer; -1 none */
    double *work;          /* deliberation: the positions in the case */
    uint32_t id;
    uint32_t n_members;
    uint32_t group;               /* decision: its group, or S_SOCIETY */
    uint32_t party[2];            /* complaint: complainant, respondent */
    uint32_t pidx[2];             /* ... and their member indices */
    uint32_t third[NN_MAX_CHAIN]; /* mediators and arbiters noticed, in order */
    uint32_t decider;             /* the current protocol's mediator or arbiter */
    uint32_t steps;               /* proposals, turns or deliberation steps made */
    uint32_t n_opt;               /* votes: options, evenly from opt_lo to opt_hi */
    double opt_lo, opt_hi;
    double p;        /* mediation: the standing proposal */
    double offer[2]; /* negotiation: each party's last offer */
    double new_offer;
    uint8_t type, state, proto;
    uint8_t at; /* the position of proto in the chain */
    uint8_t n_third;
    uint8_t turn; /* negotiation: 0 the complainant's, 1 the respondent's */
    uint8_t got_accept, got_offer;
} s_case_t;

typedef struct s_ranked {
    double v;
    uint32_t i;
} s_ranked_t;

struct nn_cases {
    nn_cases_config_t cfg;
    /* a copy: callers build env on their stack; what it points to must outlive us */
    nn_cases_env_t env_copy;
    const nn_cases_env_t *env;
    uint32_t n;
    uint32_t n_groups;
    int jury_used; /* the complaint chain has a vote or a deliberation */

    /* the live cases, ascending by id; a case that closed as soon as it opened stays,
     * S_DONE, until the next round's cleanup */
    s_case_t *cases;
    size_t n_live, cap_cases;
    uint32_t last_id; /* ids given so far */
    /* id -> place in cases: (id << 32 | place), 0 empty (no case has id 0); linear
     * probing, at most half full, rebuilt whenever the places move */
    uint64_t *index;
    size_t index_cap;

    uint32_t *n_open_of; /* by agent: open complaint cases it is a party to */
    uint64_t *pairs;     /* open complaint pairs (lower id << 32 | higher id) */
    size_t pairs_len, pairs_cap;

    uint32_t *goff, *gmem; /* decisions by group: the groups' members, CSR */
    s_rolelist_t roles[2];

    /* scratch, reused from round to round */
    uint32_t *pool;
    size_t pool_cap;
    double *dbl, *dbl2;
    size_t dbl_cap, dbl2_cap;
    s_ranked_t *rank;
    size_t rank_cap;
    uint32_t *cand;
    size_t cand_cap;

    /* the round being ended */
    uint64_t r;
    nn_notice_list_t *out;
    nn_violation_list_t *viol;
    FILE *ev;
    int err;

    nn_cases_stats_t stats;
};

const char *nn_protocol_name(nn_protocol_t p)
{
    switch (p) {
    case NN_PROTO_MAJORITY: return "majority";
    case NN_PROTO_WEIGHTED: return "weighted";
    case NN_PROTO_MEDIATION: return "mediation";
    case NN_PROTO_NEGOTIATION: return "negotiation";
    case NN_PROTO_ARBITRATION: return "arbitration";
    case NN_PROTO_DELIBERATION: return "deliberation";
    case NN_PROTO_TOLERANCE: return "tolerance";
    default: return "?";
    }
}

const char *nn_case_type_name(nn_case_type_t t)
{
    switch (t) {
    case NN_CASE_COMPLAINT: return "complaint";
    case NN_CASE_DECISION: return "decision";
    default: return "?";
    }
}

const char *nn_outcome_name(int outcome)
{
    switch (outcome) {
    case NN_OUTCOME_AGREED: return "agreed";
    case NN_OUTCOME_IMPOSED: return "imposed";
    case NN_OUTCOME_TOLERATED: return "tolerated";
    case NN_OUTCOME_ESCALATED: return "escalated";
    default: return "?";
    }
}

/* ---- small helpers -------------------------------------------------------------------- */

static int s_grow(void **p, size_t *cap, size_t want, size_t elem)
{
    if (want <= *cap)
        return NN_OK;
    size_t c = *cap ? *cap : 64;
    while (c < want)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return NN_ENOMEM;
    *p = q;
    *cap = c;
    return NN_OK;
}

static uint32_t s_group(const nn_cases_t *c, uint32_t i)
{
    const nn_structure_t *st = c->env->st;
    return st && st->group ? st->group[i] : 0;
}

static int s_role(const nn_cases_t *c, uint32_t i)
{
    const nn_structure_t *st = c->env->st;
    return st && st->role ? st->role[i] : NN_ROLE_CITIZEN;
}

static uint32_t s_superior(const nn_cases_t *c, uint32_t i)
{
    const nn_structure_t *st = c->env->st;
    uint32_t s = st && st->superior ? st->superior[i] : NN_NO_SUPERIOR;
    return s < c->n ? s : NN_NO_SUPERIOR;
}

/* status times reputation, each 1 where the structure has none */
static double s_standing(const nn_cases_t *c, uint32_t i)
{
    const nn_structure_t *st = c->env->st;
    double s = st && st->status ? st->status[i] : 1.0;
    double r = st && st->reputation ? st->reputation[i] : 1.0;
    return s * r;
}

/* An opinion as last reported; a missing or non-finite one reads as 0, since NaN may not
 * go out on the wire. */
static double s_x(const nn_cases_t *c, uint32_t i)
{
    const double *x = c->env->x;
    return x && isfinite(x[i]) ? x[i] : 0.0;
}

static int s_is_neighbour(const nn_network_t *net, uint32_t a, uint32_t b)
{
    if (!net || a >= net->n)
        return 0;
    uint64_t lo = net->off[a], hi = net->off[a + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (net->adj[mid] < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < net->off[a + 1] && net->adj[lo] == b;
}

/* The member index of agent a in cs, or -1. */
static int64_t s_member(const s_case_t *cs, uint32_t a)
{
    size_t lo = 0, hi = cs->n_members;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cs->members[mid] < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cs->n_members && cs->members[lo] == a ? (int64_t)lo : -1;
}

/* Parties are bound by the outcome: both sides of a complaint, every member of a decision. */
static int s_is_party(const s_case_t *cs, size_t idx)
{
    return cs->type == NN_CASE_DECISION || idx == cs->pidx[0] || idx == cs->pidx[1];
}

static void s_free_arrays(s_case_t *cs)
{
    free(cs->pos);
    free(cs->work);
    cs->pos = cs->work = NULL;
    cs->members = NULL;
    cs->ans = NULL;
}

/* ---- the open complaint pairs: linear probing with backward-shift deletion ----------- */

static uint64_t s_pair_key(uint32_t a, uint32_t b)
{
    return a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
}

static size_t s_pair_slot(const nn_cases_t *c, uint64_t key)
{
    size_t mask = c->pairs_cap - 1, h = (size_t)nn_mix64(key) & mask;
    while (c->pairs[h] != S_EMPTY && c->pairs[h] != key)
        h = (h + 1) & mask;
    return h;
}

static int s_pair_has(const nn_cases_t *c, uint64_t key)
{
    return c->pairs_cap && c->pairs[s_pair_slot(c, key)] == key;
}

static int s_pair_add(nn_cases_t *c, uint64_t key)
{
    if ((c->pairs_len + 1) * 2 > c->pairs_cap) {
        size_t cap = c->pairs_cap ? c->pairs_cap * 2 : 64;
        uint64_t *old = c->pairs;
        size_t old_cap = c->pairs_cap;
        c->pairs = malloc(cap * sizeof *c->pairs);
        if (!c->pairs) {
            c->pairs = old;
            return NN_ENOMEM;
        }
        for (size_t i = 0; i < cap; i++)
            c->pairs[i] = S_EMPTY;
        c->pairs_cap = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i] != S_EMPTY)
                c->pairs[s_pair_slot(c, old[i])] = old[i];
        free(old);
    }
    c->pairs[s_pair_slot(c, key)] = key;
    c->pairs_len++;
    return NN_OK;
}

static void s_pair_remove(nn_cases_t *c, uint64_t key)
{
    if (!s_pair_has(c, key))
        return;
    size_t mask = c->pairs_cap - 1, i = s_pair_slot(c, key), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (c->pairs[j] == S_EMPTY)
            break;
        size_t k = (size_t)nn_mix64(c->pairs[j]) & mask;
        /* the entry at j stays when its home lies cyclically in (i, j] */
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        c->pairs[i] = c->pairs[j];
        i = j;
    }
    c->pairs[i] = S_EMPTY;
    c->pairs_len--;
}

/* ---- notices and events ----------------------------------------------------------------- */

static void s_notice(nn_cases_t *c, uint32_t to, int kind, const s_case_t *cs, uint32_t other,
                     uint32_t arg, double value, double value2)
{
    if (c->err)
        return;
    nn_notice_t n = {.kind = (uint16_t)kind,
                     .protocol = cs->proto,
                     .case_id = cs->id,
                     .other = other,
                     .arg = arg,
                     .value = value,
                     .value2 = value2};
    if (nn_notice_push(c->out, to, &n) != NN_OK)
        c->err = NN_ENOMEM;
}

static void s_ev_set(nn_cases_t *c, json_t *o, const char *key, json_t *v)
{
    if (!o) {
        json_decref(v);
        return;
    }
    if (!v || json_object_set_new(o, key, v) != 0)
        c->err = NN_ENOMEM;
}

/* A new event {round, event, case}, or NULL without an event stream (or after an error). */
static json_t *s_ev_new(nn_cases_t *c, const char *event, const s_case_t *cs)
{
    if (!c->ev || c->err)
        return NULL;
    json_t *o = json_object();
    if (!o) {
        c->err = NN_ENOMEM;
        return NULL;
    }
    s_ev_set(c, o, "round", json_integer((json_int_t)c->r));
    s_ev_set(c, o, "event", json_string(event));
    s_ev_set(c, o, "case", json_integer((json_int_t)cs->id));
    return o;
}

static void s_ev_emit(nn_cases_t *c, json_t *o)
{
    if (!o)
        return;
    if (!c->err && (json_dumpf(o, c->ev, JSON_COMPACT) != 0 || fputc('\n', c->ev) == EOF))
        c->err = NN_EIO;
    json_decref(o);
}

/* The most rounds a protocol of the chain can take before it settles or fails: votes and
 * arbitration answer in the next round, mediation and negotiation after their rounds of
 * proposals and turns, deliberation steps from its first round on, tolerance at once. A
 * case's deadline is its opening round plus the sum over its chain: it closes then at the
 * latest, escalated if nothing settled it. */
static uint64_t s_chain_span(const nn_cases_t *c, nn_case_type_t t)
{
    uint64_t span = 0;
    for (size_t i = 0; i < c->cfg.n_chain[t]; i++) {
        switch (c->cfg.chain[t][i]) {
        case NN_PROTO_MAJORITY:
        case NN_PROTO_WEIGHTED:
        case NN_PROTO_ARBITRATION: span += 1; break;
        case NN_PROTO_MEDIATION: span += c->cfg.mediation_rounds; break;
        case NN_PROTO_NEGOTIATION: span += c->cfg.negotiation_rounds; break;
        case NN_PROTO_DELIBERATION:
            span += c->cfg.deliberation_rounds ? c->cfg.deliberation_rounds - 1 : 0;
            break;
        default: break;
        }
    }
    return span;
}

static void s_ev_protocol_ended(nn_cases_t *c, const s_case_t *cs, const char *result)
{
    json_t *o = s_ev_new(c, "protocol_ended", cs);
    s_ev_set(c, o, "protocol", json_string(nn_protocol_name((nn_protocol_t)cs->proto)));
    s_ev_set(c, o, "result", json_string(result));
    s_ev_emit(c, o);
}

/* ---- closing ------------------------------------------------------------------------------ */

/* The case reaches its outcome in this round: verdicts to the parties when binding, the
 * closing notice to everyone noticed of the case, and the bookkeeping. */
static void s_close(nn_cases_t *c, s_case_t *cs, int outcome, double verdict, uint32_t decider)
{
    int binding = outcome == NN_OUTCOME_AGREED || outcome == NN_OUTCOME_IMPOSED;
    double value = binding ? verdict : 0.0;
    uint32_t other = binding ? decider : NN_NO_AGENT;
    if (binding) {
        json_t *o = s_ev_new(c, "verdict", cs);
        s_ev_set(c, o, "value", json_real(verdict));
        s_ev_set(c, o, "outcome", json_string(nn_outcome_name(outcome)));
        s_ev_set(c, o, "decider", decider == NN_NO_AGENT ? json_null() : json_integer(decider));
        s_ev_emit(c, o);
        double standing = decider == NN_NO_AGENT ? 1.0 : s_standing(c, decider);
        for (size_t i = 0; i < cs->n_members; i++) {
            if (!s_is_party(cs, i))
                continue;
            s_notice(c, cs->members[i], NN_NOTICE_VERDICT, cs, decider, (uint32_t)outcome, verdict,
                     standing);
            c->stats.verdicts++;
            cs->ans[i] = -1;
        }
    }
    for (size_t i = 0; i < cs->n_members; i++)
        s_notice(c, cs->members[i], NN_NOTICE_CLOSED, cs, other, (uint32_t)outcome, value, 0.0);
    for (size_t t = 0; t < cs->n_third; t++) {
        uint32_t a = cs->third[t];
        int seen = s_member(cs, a) >= 0;
        for (size_t u = 0; u < t && !seen; u++)
            seen = cs->third[u] == a;
        if (!seen)
            s_notice(c, a, NN_NOTICE_CLOSED, cs, other, (uint32_t)outcome, value, 0.0);
    }

    c->stats.closed[outcome]++;
    c->stats.resolution_rounds += c->r - cs->opened_round;
    c->stats.round_closed++;
    c->stats.open--;
    json_t *o = s_ev_new(c, "case_closed", cs);
    s_ev_set(c, o, "outcome", json_string(nn_outcome_name(outcome)));
    s_ev_set(c, o, "rounds", json_integer((json_int_t)(c->r - cs->opened_round)));
    s_ev_emit(c, o);

    if (cs->type == NN_CASE_COMPLAINT) {
        s_pair_remove(c, s_pair_key(cs->party[0], cs->party[1]));
        c->n_open_of[cs->party[0]]--;
        c->n_open_of[cs->party[1]]--;
    }
    if (binding) {
        cs->state = S_COMPLY;
        cs->comply_round = c->r + 1;
        free(cs->work);
        cs->work = NULL;
    } else {
        s_free_arrays(cs);
        cs->state = S_DONE;
    }
}

/* The current protocol succeeded with outcome; returns S_SUCCEEDED. */
static int s_succeed(nn_cases_t *c, s_case_t *cs, int outcome, double verdict, uint32_t decider)
{
    c->stats.protocol[cs->proto].outcome[outcome]++;
    s_ev_protocol_ended(c, cs, nn_outcome_name(outcome));
    s_close(c, cs, outcome, verdict, decider);
    return S_SUCCEEDED;
}

/* ---- third parties ------------------------------------------------------------------------ */

/* The index in a list window [lo, hi) of the k-th entry that lies in none of the excluded
 * ranges (sorted, disjoint; those outside the window are skipped). */
static uint32_t s_kth(uint32_t lo, uint32_t hi, uint64_t k, const uint32_t (*ex)[2], int n_ex)
{
    uint64_t p = lo + k;
    for (int e = 0; e < n_ex; e++)
        if (ex[e][0] >= lo && ex[e][1] <= hi && ex[e][0] <= p)
            p += ex[e][1] - ex[e][0];
    return (uint32_t)p;
}

static uint32_t s_excluded_in(uint32_t lo, uint32_t hi, const uint32_t (*ex)[2], int n_ex)
{
    uint32_t k = 0;
    for (int e = 0; e < n_ex; e++)
        if (ex[e][0] >= lo && ex[e][1] <= hi)
            k += ex[e][1] - ex[e][0];
    return k;
}

/* The position of agent a in its group's range of list l, or UINT32_MAX. */
static uint32_t s_role_pos(const nn_cases_t *c, const s_rolelist_t *l, uint32_t a)
{
    uint32_t g = s_group(c, a), lo = l->goff[g], hi = l->goff[g + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->ids[mid] < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->goff[g + 1] && l->ids[lo] == a ? lo : UINT32_MAX;
}

/* A mediator or arbiter of list l who is not a party: one of the case's group (the
 * complainant's for a complaint) when there is one, else any, drawn uniformly from the
 * candidates in (group, id) order with (seed, NN_STREAM_CASES, case id, slot). */
static uint32_t s_pick(nn_cases_t *c, const s_case_t *cs, const s_rolelist_t *l, uint64_t slot)
{
    if (!l->len || (cs->type == NN_CASE_DECISION && cs->group == S_SOCIETY))
        return NN_NO_AGENT; /* society-wide, everyone is a party */
    uint32_t ex[2][2];
    int n_ex = 0;
    uint32_t g;
    if (cs->type == NN_CASE_COMPLAINT) {
        g = s_group(c, cs->party[0]);
        for (int k = 0; k < 2; k++) {
            uint32_t p = s_role_pos(c, l, cs->party[k]);
            if (p != UINT32_MAX) {
                ex[n_ex][0] = p;
                ex[n_ex][1] = p + 1;
                n_ex++;
            }
        }
        if (n_ex == 2 && ex[1][0] < ex[0][0]) {
            uint32_t t = ex[0][0];
            ex[0][0] = ex[1][0];
            ex[0][1] = ex[1][1];
            ex[1][0] = t;
            ex[1][1] = t + 1;
        }
    } else {
        g = cs->group; /* every agent of the role in the group is a party */
        ex[0][0] = l->goff[g];
        ex[0][1] = l->goff[g + 1];
        n_ex = ex[0][1] > ex[0][0];
    }
    uint32_t lo = l->goff[g], hi = l->goff[g + 1];
    uint64_t count = hi - lo - s_excluded_in(lo, hi, (const uint32_t(*)[2])ex, n_ex);
    if (!count) {
        lo = 0;
        hi = l->len;
        count = hi - lo - s_excluded_in(lo, hi, (const uint32_t(*)[2])ex, n_ex);
    }
    if (!count)
        return NN_NO_AGENT;
    nn_rng_t rng;
    nn_rng_init(&rng, c->env->seed, NN_STREAM_CASES, cs->id, slot);
    uint64_t k = nn_rng_below(&rng, count);
    return l->ids[s_kth(lo, hi, k, (const uint32_t(*)[2])ex, n_ex)];
}

/* The arbiter by superior: the respondent's, else the complainant's, when not a party;
 * for a decision the lowest-id leader among the members, else the superior of the
 * lowest-id member that has one. */
static uint32_t s_superior_arbiter(const nn_cases_t *c, const s_case_t *cs)
{
    if (cs->type == NN_CASE_COMPLAINT) {
        for (int k = 1; k >= 0; k--) {
            uint32_t s = s_superior(c, cs->party[k]);
            if (s != NN_NO_SUPERIOR && s != cs->party[0] && s != cs->party[1])
                return s;
        }
        return NN_NO_AGENT;
    }
    for (size_t i = 0; i < cs->n_members; i++)
        if (s_role(c, cs->members[i]) == NN_ROLE_LEADER)
            return cs->members[i];
    for (size_t i = 0; i < cs->n_members; i++) {
        uint32_t s = s_superior(c, cs->members[i]);
        if (s != NN_NO_SUPERIOR)
            return s;
    }
    return NN_NO_AGENT;
}

/* The lowest and highest party positions. */
static void s_party_range(const s_case_t *cs, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < cs->n_members; i++) {
        if (!s_is_party(cs, i))
            continue;
        if (cs->pos[i] < *lo)
            *lo = cs->pos[i];
        if (cs->pos[i] > *hi)
            *hi = cs->pos[i];
    }
}

/* Notices a mediator or arbiter of the case: a complaint's complainant and both
 * positions, a decision's lowest and highest position. */
static void s_third(nn_cases_t *c, s_case_t *cs, uint32_t a, uint32_t part)
{
    cs->decider = a;
    if (cs->n_third < NN_MAX_CHAIN)
        cs->third[cs->n_third++] = a;
    if (cs->type == NN_CASE_COMPLAINT) {
        s_notice(c, a, NN_NOTICE_CASE, cs, cs->party[0], part, cs->pos[cs->pidx[0]],
                 cs->pos[cs->pidx[1]]);
    } else {
        double lo, hi;
        s_party_range(cs, &lo, &hi);
        s_notice(c, a, NN_NOTICE_CASE, cs, NN_NO_AGENT, part, lo, hi);
    }
}

/* ---- votes: majority and weighted --------------------------------------------------------- */

static double s_option(const s_case_t *cs, uint32_t i)
{
    if (i == 0)
        return cs->opt_lo;
    if (i == cs->n_opt - 1)
        return cs->opt_hi;
    return cs->opt_lo + (cs->opt_hi - cs->opt_lo) * ((double)i / (double)(cs->n_opt - 1));
}

/* The option nearest to v, the lower index on an exact tie. The options are monotone, so
 * the distances fall and then rise: start from the guess and walk downhill. */
static uint32_t s_nearest(const s_case_t *cs, double v)
{
    uint32_t k = cs->n_opt, g = 0;
    double span = cs->opt_hi - cs->opt_lo;
    if (k > 2 && span != 0.0) {
        double t = (v - cs->opt_lo) / span * (double)(k - 1);
        if (t >= (double)(k - 1))
            g = k - 1;
        else if (t > 0.0)
            g = (uint32_t)(t + 0.5);
    }
    while (g > 0 && fabs(v - s_option(cs, g - 1)) <= fabs(v - s_option(cs, g)))
        g--;
    while (g + 1 < k && fabs(v - s_option(cs, g + 1)) < fabs(v - s_option(cs, g)))
        g++;
    return g;
}

static int s_vote_start(nn_cases_t *c, s_case_t *cs)
{
    if (cs->type == NN_CASE_COMPLAINT) {
        cs->n_opt = 2;
        cs->opt_lo = cs->pos[cs->pidx[0]];
        cs->opt_hi = cs->pos[cs->pidx[1]];
    } else {
        cs->n_opt = c->cfg.options;
        cs->opt_lo = 0.0;
        cs->opt_hi = 1.0;
    }
    for (size_t i = 0; i < cs->n_members; i++) {
        cs->ans[i] = -1;
        s_notice(c, cs->members[i], NN_NOTICE_VOTE, cs, NN_NO_AGENT, cs->n_opt, cs->opt_lo,
                 cs->opt_hi);
    }
    return S_WAIT;
}

static int s_vote_tally(nn_cases_t *c, s_case_t *cs)
{
    uint32_t k = cs->n_opt;
    if (s_grow((void **)&c->dbl, &c->dbl_cap, k, sizeof *c->dbl) ||
        s_grow((void **)&c->cand, &c->cand_cap, k, sizeof *c->cand)) {
        c->err = NN_ENOMEM;
        return S_WAIT;
    }
    double *tally = c->dbl;
    for (uint32_t o = 0; o < k; o++)
        tally[o] = 0.0;
    int weighted = cs->proto == NN_PROTO_WEIGHTED;
    uint64_t voters = 0;
    for (size_t i = 0; i < cs->n_members; i++) {
        if (cs->ans[i] < 0)
            continue;
        voters++;
        tally[cs->ans[i]] += weighted ? s_standing(c, cs->members[i]) : 1.0;
    }
    if ((double)voters / (double)cs->n_members < c->cfg.turnout)
        return S_FAILED;
    double best = tally[0];
    for (uint32_t o = 1; o < k; o++)
        if (tally[o] > best)
            best = tally[o];
    uint32_t n_cand = 0;
    for (uint32_t o = 0; o < k; o++)
        if (tally[o] == best)
            c->cand[n_cand++] = o;
    uint32_t win = c->cand[0];
    if (n_cand > 1) {
        nn_rng_t rng;
        nn_rng_init(&rng, c->env->seed, NN_STREAM_CASES, cs->id, S_SLOT_TALLY + c->r);
        win = c->cand[nn_rng_below(&rng, n_cand)];
    }
    return s_succeed(c, cs, NN_OUTCOME_IMPOSED, s_option(cs, win), NN_NO_AGENT);
}

/* ---- mediation ------------------------------------------------------------------------------ */

static int s_propose(nn_cases_t *c, s_case_t *cs)
{
    cs->steps++;
    for (size_t i = 0; i < cs->n_members; i++) {
        if (!s_is_party(cs, i))
            continue;
        cs->ans[i] = -1;
        s_notice(c, cs->members[i], NN_NOTICE_PROPOSAL, cs, cs->decider, 0, cs->p, 0.0);
    }
    return S_WAIT;
}

static int s_mediation_start(nn_cases_t *c, s_case_t *cs)
{
    if (!c->cfg.mediation_rounds)
        return S_FAILED;
    uint32_t m = s_pick(c, cs, &c->roles[S_MEDIATORS], S_SLOT_MEDIATOR + cs->at);
    if (m == NN_NO_AGENT)
        return S_FAILED;
    s_third(c, cs, m, NN_PART_MEDIATOR);
    double sum = 0.0;
    uint64_t k = 0;
    for (size_t i = 0; i < cs->n_members; i++)
        if (s_is_party(cs, i)) {
            sum += cs->pos[i];
            k++;
        }
    cs->p = sum / (double)k;
    return s_propose(c, cs);
}

static int s_mediation_answer(nn_cases_t *c, s_case_t *cs)
{
    double sum = 0.0;
    uint64_t holdouts = 0;
    for (size_t i = 0; i < cs->n_members; i++)
        if (s_is_party(cs, i) && cs->ans[i] != 1) {
            sum += cs->pos[i];
            holdouts++;
        }
    if (!holdouts)
        return s_succeed(c, cs, NN_OUTCOME_AGREED, cs->p, cs->decider);
    if (cs->steps >= c->cfg.mediation_rounds)
        return S_FAILED;
    cs->p += c->cfg.mediation_step * (sum / (double)holdouts - cs->p);
    return s_propose(c, cs);
}

/* ---- negotiation ---------------------------------------------------------------------------- */

static int s_offer_turn(nn_cases_t *c, s_case_t *cs)
{
    int t = cs->turn;
    cs->steps++;
    cs->got_accept = cs->got_offer = 0;
    s_notice(c, cs->party[t], NN_NOTICE_OFFER, cs, cs->party[1 - t], 0, cs->offer[1 - t],
             cs->offer[t]);
    return S_WAIT;
}

static int s_negotiation_start(nn_cases_t *c, s_case_t *cs)
{
    if (cs->type != NN_CASE_COMPLAINT || !c->cfg.negotiation_rounds)
        return S_FAILED;
    cs->offer[0] = cs->pos[cs->pidx[0]];
    cs->offer[1] = cs->pos[cs->pidx[1]];
    cs->turn = 0;
    return s_offer_turn(c, cs);
}

static int s_negotiation_answer(nn_cases_t *c, s_case_t *cs)
{
    int t = cs->turn;
    if (cs->got_accept)
        return s_succeed(c, cs, NN_OUTCOME_AGREED, cs->offer[1 - t], NN_NO_AGENT);
    if (cs->got_offer)
        cs->offer[t] = cs->new_offer;
    if (cs->steps >= c->cfg.negotiation_rounds)
        return S_FAILED;
    cs->turn = (uint8_t)(1 - t);
    return s_offer_turn(c, cs);
}

/* ---- arbitration ---------------------------------------------------------------------------- */

static int s_arbitration_start(nn_cases_t *c, s_case_t *cs)
{
    uint32_t a = c->cfg.arbiter_by == NN_ARBITER_SUPERIOR
                     ? s_superior_arbiter(c, cs)
                     : s_pick(c, cs, &c->roles[S_ARBITERS], S_SLOT_ARBITER + cs->at);
    if (a == NN_NO_AGENT)
        return S_FAILED;
    s_third(c, cs, a, NN_PART_ARBITER);
    return S_WAIT;
}

static int s_arbitration_answer(nn_cases_t *c, s_case_t *cs)
{
    double lo, hi, v = s_x(c, cs->decider);
    s_party_range(cs, &lo, &hi);
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    return s_succeed(c, cs, NN_OUTCOME_IMPOSED, v, cs->decider);
}

/* ---- deliberation --------------------------------------------------------------------------- */

static int s_rank_cmp(const void *pa, const void *pb)
{
    const s_ranked_t *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* One Hegselmann-Krause step of the case's positions from the old ones. Small cases sum
 * each neighbourhood in member order; big ones sort the positions (ties by member), and
 * each neighbourhood, an interval of the sorted positions because |q - q_i| is monotone in
 * q, is a difference of prefix sums taken in sorted order. Both orders are fixed. */
static int s_hk_step(nn_cases_t *c, s_case_t *cs)
{
    size_t m = cs->n_members;
    double conf = c->cfg.deliberation_confidence, *old = cs->work;
    if (!(conf >= 0.0))
        return NN_OK; /* nobody within reach, not even oneself: nothing moves */
    if (s_grow((void **)&c->dbl2, &c->dbl2_cap, m, sizeof *c->dbl2))
        return NN_ENOMEM;
    double *nw = c->dbl2;
    if (m <= S_DIRECT_HK) {
        for (size_t i = 0; i < m; i++) {
            double s = 0.0;
            uint64_t k = 0;
            for (size_t j = 0; j < m; j++)
                if (fabs(old[j] - old[i]) <= conf) {
                    s += old[j];
                    k++;
                }
            nw[i] = s / (double)k;
        }
    } else {
        if (s_grow((void **)&c->rank, &c->rank_cap, m, sizeof *c->rank) ||
            s_grow((void **)&c->dbl, &c->dbl_cap, m + 1, sizeof *c->dbl))
            return NN_ENOMEM;
        s_ranked_t *q = c->rank;
        double *pre = c->dbl;
        for (size_t i = 0; i < m; i++) {
            q[i].v = old[i];
            q[i].i = (uint32_t)i;
        }
        qsort(q, m, sizeof *q, s_rank_cmp);
        pre[0] = 0.0;
        for (size_t t = 0; t < m; t++)
            pre[t + 1] = pre[t] + q[t].v;
        size_t lo = 0, hi = 0;
        for (size_t t = 0; t < m; t++) {
            if (hi < t + 1)
                hi = t + 1;
            while (hi < m && fabs(q[hi].v - q[t].v) <= conf)
                hi++;
            while (fabs(q[lo].v - q[t].v) > conf)
                lo++;
            nw[q[t].i] = (pre[hi] - pre[lo]) / (double)(hi - lo);
        }
    }
    memcpy(old, nw, m * sizeof *old);
    return NN_OK;
}

static int s_deliberate(nn_cases_t *c, s_case_t *cs)
{
    int e = s_hk_step(c, cs);
    if (e) {
        c->err = e;
        return S_WAIT;
    }
    cs->steps++;
    double lo = INFINITY, hi = -INFINITY, sum = 0.0;
    for (size_t i = 0; i < cs->n_members; i++) {
        double p = cs->work[i];
        s_notice(c, cs->members[i], NN_NOTICE_DELIBERATE, cs, NN_NO_AGENT, 0, p, 0.0);
        sum += p;
        if (p < lo)
            lo = p;
        if (p > hi)
            hi = p;
    }
    if (hi - lo < c->cfg.deliberation_epsilon)
        return s_succeed(c, cs, NN_OUTCOME_AGREED, sum / (double)cs->n_members, NN_NO_AGENT);
    if (cs->steps >= c->cfg.deliberation_rounds)
        return S_FAILED;
    return S_WAIT;
}

static int s_deliberation_start(nn_cases_t *c, s_case_t *cs)
{
    if (!c->cfg.deliberation_rounds)
        return S_FAILED;
    cs->work = malloc(cs->n_members * sizeof *cs->work);
    if (!cs->work) {
        c->err = NN_ENOMEM;
        return S_WAIT;
    }
    memcpy(cs->work, cs->pos, cs->n_members * sizeof *cs->work);
    return s_deliberate(c, cs);
}

/* ---- the chain --------------------------------------------------------------------------------
 */

static void s_failed(nn_cases_t *c, s_case_t *cs)
{
    c->stats.protocol[cs->proto].outcome[NN_OUTCOME_ESCALATED]++;
    s_ev_protocol_ended(c, cs, "failed");
    free(cs->work);
    cs->work = NULL;
    cs->at++;
}

/* Starts the protocol at cs->at, and the next ones while they fail at once; a spent chain
 * closes the case as escalated. */
static void s_start(nn_cases_t *c, s_case_t *cs)
{
    while (!c->err) {
        if (cs->at >= c->cfg.n_chain[cs->type]) {
            s_close(c, cs, NN_OUTCOME_ESCALATED, 0.0, NN_NO_AGENT);
            return;
        }
        cs->proto = (uint8_t)c->cfg.chain[cs->type][cs->at];
        cs->decider = NN_NO_AGENT;
        cs->steps = 0;
        c->stats.protocol[cs->proto].opened++;
        int res;
        switch (cs->proto) {
        case NN_PROTO_MAJORITY:
        case NN_PROTO_WEIGHTED: res = s_vote_start(c, cs); break;
        case NN_PROTO_MEDIATION: res = s_mediation_start(c, cs); break;
        case NN_PROTO_NEGOTIATION: res = s_negotiation_start(c, cs); break;
        case NN_PROTO_ARBITRATION: res = s_arbitration_start(c, cs); break;
        case NN_PROTO_DELIBERATION: res = s_deliberation_start(c, cs); break;
        default: res = s_succeed(c, cs, NN_OUTCOME_TOLERATED, 0.0, NN_NO_AGENT); break;
        }
        if (res != S_FAILED)
            return;
        s_failed(c, cs);
    }
}

/* The open case's step with this round's answers. */
static void s_advance(nn_cases_t *c, s_case_t *cs)
{
    int res;
    switch (cs->proto) {
    case NN_PROTO_MAJORITY:
    case NN_PROTO_WEIGHTED: res = s_vote_tally(c, cs); break;
    case NN_PROTO_MEDIATION: res = s_mediation_answer(c, cs); break;
    case NN_PROTO_NEGOTIATION: res = s_negotiation_answer(c, cs); break;
    case NN_PROTO_ARBITRATION: res = s_arbitration_answer(c, cs); break;
    case NN_PROTO_DELIBERATION: res = s_deliberate(c, cs); break;
    default: res = S_WAIT; break; /* tolerance never waits */
    }
    if (res == S_FAILED) {
        s_failed(c, cs);
        s_start(c, cs);
    }
}

/* The verdict's answers are in: each party that did not comply is a noncompliance. */
static void s_settle(nn_cases_t *c, s_case_t *cs)
{
    for (size_t i = 0; i < cs->n_members && !c->err; i++) {
        if (!s_is_party(cs, i))
            continue;
        if (cs->ans[i] == 1) {
            c->stats.complied++;
            continue;
        }
        c->stats.defied++;
        nn_violation_t v = {cs->members[i], NN_NORM_NONCOMPLIANCE, 1, cs->id};
        if (nn_violation_push(c->viol, &v) != NN_OK)
            c->err = NN_ENOMEM;
    }
    s_free_arrays(cs);
    cs->state = S_DONE;
}

/* ---- the index of the live cases --------------------------------------------------------- */

static void s_index_put(nn_cases_t *c, uint32_t id, size_t place)
{
    size_t mask = c->index_cap - 1, h = (size_t)nn_mix64(id) & mask;
    while (c->index[h])
        h = (h + 1) & mask;
    c->index[h] = (uint64_t)id << 32 | (uint32_t)place;
}

/* Indexes the live cases afresh in a table of cap slots (a power of two, more than twice
 * the live cases). When the table cannot be resized, the old one serves if it is big
 * enough (a shrink), else NN_ENOMEM and nothing changed. */
static int s_index_build(nn_cases_t *c, size_t cap)
{
    if (cap != c->index_cap) {
        uint64_t *p = realloc(c->index, cap * sizeof *p);
        if (p) {
            c->index = p;
            c->index_cap = cap;
        } else if (c->index_cap < cap) {
            return NN_ENOMEM;
        }
    }
    memset(c->index, 0, c->index_cap * sizeof *c->index);
    for (size_t k = 0; k < c->n_live; k++)
        s_index_put(c, c->cases[k].id, k);
    return NN_OK;
}

/* The live case of this id, or NULL (case 0, one not opened yet, or one finished and
 * dropped). */
static s_case_t *s_find(const nn_cases_t *c, uint32_t id)
{
    if (!id || !c->index_cap)
        return NULL;
    size_t mask = c->index_cap - 1, h = (size_t)nn_mix64(id) & mask;
    for (uint64_t e; (e = c->index[h]) != 0; h = (h + 1) & mask)
        if ((uint32_t)(e >> 32) == id)
            return &c->cases[(uint32_t)e];
    return NULL;
}

/* ---- acts --------------------------------------------------------------------------------- */

/* Files one answer into its case, or counts it as ignored. Complaints are opened later. */
static void s_take(nn_cases_t *c, const nn_act_t *a)
{
    if (a->kind != NN_ACT_VOTE && a->kind != NN_ACT_ACCEPT && a->kind != NN_ACT_OFFER &&
        a->kind != NN_ACT_COMPLY)
        return;
    s_case_t *cs = s_find(c, a->case_id);
    if (!cs)
        goto ignored;
    if (cs->state == S_COMPLY) {
        int64_t i = s_member(cs, a->agent);
        if (a->kind != NN_ACT_COMPLY || cs->comply_round != c->r || i < 0 ||
            !s_is_party(cs, (size_t)i))
            goto ignored;
        cs->ans[i] = a->value >= 0.5;
        return;
    }
    if (cs->state != S_OPEN)
        goto ignored;
    switch (cs->proto) {
    case NN_PROTO_MAJORITY:
    case NN_PROTO_WEIGHTED: {
        int64_t i = s_member(cs, a->agent);
        if (a->kind != NN_ACT_VOTE || i < 0 || !isfinite(a->value))
            goto ignored;
        cs->ans[i] = (int32_t)s_nearest(cs, a->value);
        return;
    }
    case NN_PROTO_MEDIATION: {
        int64_t i = s_member(cs, a->agent);
        if (a->kind != NN_ACT_ACCEPT || i < 0 || !s_is_party(cs, (size_t)i))
            goto ignored;
        cs->ans[i] = a->value >= 0.5;
        return;
    }
    case NN_PROTO_NEGOTIATION:
        if (a->agent != cs->party[cs->turn])
            goto ignored;
        if (a->kind == NN_ACT_ACCEPT) {
            if (a->value >= 0.5)
                cs->got_accept = 1;
            return;
        }
        if (a->kind != NN_ACT_OFFER || !isfinite(a->value))
            goto ignored;
        cs->got_offer = 1;
        cs->new_offer = a->value < 0.0 ? 0.0 : a->value > 1.0 ? 1.0 : a->value;
        return;
    default: break; /* arbitration and deliberation ask nothing of the agents */
    }
ignored:
    c->stats.ignored_acts++;
}

/* ---- opening ------------------------------------------------------------------------------ */

/* A new case with m members, its arrays allocated; NULL on exhaustion. The case array may
 * move: no s_case_t pointer survives this call. */
static s_case_t *s_new_case(nn_cases_t *c, nn_case_type_t type, size_t m)
{
    if (s_grow((void **)&c->cases, &c->cap_cases, c->n_live + 1, sizeof *c->cases) ||
        ((c->n_live + 1) * 2 >= c->index_cap &&
         s_index_build(c, c->index_cap ? c->index_cap * 2 : 64) != NN_OK)) {
        c->err = NN_ENOMEM;
        return NULL;
    }
    double *block = malloc(m * (sizeof(double) + sizeof(uint32_t) + sizeof(int32_t)));
    if (!block) {
        c->err = NN_ENOMEM;
        return NULL;
    }
    s_case_t *cs = &c->cases[c->n_live];
    memset(cs, 0, sizeof *cs);
    cs->id = ++c->last_id;
    s_index_put(c, cs->id, c->n_live++);
    cs->type = (uint8_t)type;
    cs->state = S_OPEN;
    cs->opened_round = c->r;
    cs->n_members = (uint32_t)m;
    cs->pos = block;
    cs->members = (uint32_t *)(block + m);
    cs->ans = (int32_t *)(cs->members + m);
    /* no answers yet: the protocols set their own before they read them, but a checkpoint
     * writes every member's, so none may be left uninitialised */
    for (size_t i = 0; i < m; i++)
        cs->ans[i] = -1;
    cs->decider = NN_NO_AGENT;
    cs->group = S_SOCIETY;
    c->stats.opened[type]++;
    c->stats.round_opened++;
    c->stats.open++;
    return cs;
}

static int s_u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

/* The jurors of a complaint between a and b, drawn into c->pool[0 .. *k): a partial
 * Fisher-Yates over the two parties' neighbours (ascending, without the parties). */
static int s_draw_jury(nn_cases_t *c, uint32_t id, uint32_t a, uint32_t b, size_t *k)
{
    const nn_network_t *net = c->env->net;
    uint64_t ia = net->off[a], ea = net->off[a + 1], ib = net->off[b], eb = net->off[b + 1];
    if (s_grow((void **)&c->pool, &c->pool_cap, (size_t)(ea - ia + eb - ib) + 1, sizeof *c->pool))
        return NN_ENOMEM;
    size_t n = 0;
    while (ia < ea || ib < eb) {
        uint32_t v;
        if (ib >= eb || (ia < ea && net->adj[ia] < net->adj[ib]))
            v = net->adj[ia++];
        else if (ia >= ea || net->adj[ib] < net->adj[ia])
            v = net->adj[ib++];
        else {
            v = net->adj[ia++];
            ib++;
        }
        if (v != a && v != b)
            c->pool[n++] = v;
    }
    size_t want = c->cfg.jury < n ? c->cfg.jury : n;
    nn_rng_t rng;
    nn_rng_init(&rng, c->env->seed, NN_STREAM_CASES, id, S_SLOT_JURY);
    for (size_t i = 0; i < want; i++) {
        size_t j = i + (size_t)nn_rng_below(&rng, n - i);
        uint32_t t = c->pool[i];
        c->pool[i] = c->pool[j];
        c->pool[j] = t;
    }
    *k = want;
    return NN_OK;
}

static void s_complain(nn_cases_t *c, const nn_act_t *act)
{
    uint32_t a = act->agent, b = act->other;
    uint64_t key = s_pair_key(a, b);
    if (!c->cfg.complaints || !c->cfg.n_chain[NN_CASE_COMPLAINT] || a >= c->n || b >= c->n ||
        a == b || !s_is_neighbour(c->env->net, a, b) || s_pair_has(c, key) ||
        c->n_open_of[a] >= c->cfg.max_open || c->n_open_of[b] >= c->cfg.max_open ||
        c->last_id == UINT32_MAX) {
        /* the last: case ids are 32 bits on the wire, and a run that spent them opens no
         * more cases rather than reuse one */
        c->stats.refused_complaints++;
        return;
    }
    size_t n_jury = 0;
    if (c->jury_used && c->cfg.jury && s_draw_jury(c, c->last_id + 1, a, b, &n_jury) != NN_OK) {
        c->err = NN_ENOMEM;
        return;
    }
    if (s_pair_add(c, key) != NN_OK) {
        c->err = NN_ENOMEM;
        return;
    }
    s_case_t *cs = s_new_case(c, NN_CASE_COMPLAINT, 2 + n_jury);
    if (!cs)
        return;
    c->n_open_of[a]++;
    c->n_open_of[b]++;
    cs->party[0] = a;
    cs->party[1] = b;
    cs->members[0] = a;
    cs->members[1] = b;
    if (n_jury)
        memcpy(cs->members + 2, c->pool, n_jury * sizeof *cs->members);
    qsort(cs->members, cs->n_members, sizeof *cs->members, s_u32_cmp);
    double sum = 0.0;
    for (size_t i = 0; i < cs->n_members; i++) {
        cs->pos[i] = s_x(c, cs->members[i]);
        sum += cs->pos[i];
    }
    cs->pidx[0] = (uint32_t)s_member(cs, a);
    cs->pidx[1] = (uint32_t)s_member(cs, b);
    double mean = sum / (double)cs->n_members;
    cs->proto = (uint8_t)c->cfg.chain[NN_CASE_COMPLAINT][0];

    json_t *o = s_ev_new(c, "case_opened", cs);
    s_ev_set(c, o, "type", json_string("complaint"));
    s_ev_set(c, o, "parties", json_pack("[II]", (json_int_t)a, (json_int_t)b));
    s_ev_set(c, o, "members", json_integer((json_int_t)cs->n_members));
    s_ev_set(c, o, "protocol", json_string(nn_protocol_name((nn_protocol_t)cs->proto)));
    s_ev_set(c, o, "issue", json_pack("[ff]", cs->pos[cs->pidx[0]], cs->pos[cs->pidx[1]]));
    s_ev_set(c, o, "deadline",
             json_integer((json_int_t)(c->r + s_chain_span(c, NN_CASE_COMPLAINT))));
    s_ev_emit(c, o);

    double xa = cs->pos[cs->pidx[0]], xb = cs->pos[cs->pidx[1]];
    for (size_t i = 0; i < cs->n_members; i++) {
        uint32_t m = cs->members[i];
        if (i == cs->pidx[0])
            s_notice(c, m, NN_NOTICE_CASE, cs, b, NN_PART_PARTY, xa, xb);
        else if (i == cs->pidx[1])
            s_notice(c, m, NN_NOTICE_CASE, cs, a, NN_PART_PARTY, xb, xa);
        else
            s_notice(c, m, NN_NOTICE_CASE, cs, NN_NO_AGENT, NN_PART_MEMBER, cs->pos[i], mean);
    }
    s_start(c, cs);
}

/* A decision of `m` members (ascending), of group g or the society (S_SOCIETY). */
static void s_decide(nn_cases_t *c, uint32_t g, const uint32_t *members, size_t m)
{
    s_case_t *cs = s_new_case(c, NN_CASE_DECISION, m);
    if (!cs)
        return;
    cs->group = g;
    double sum = 0.0;
    for (size_t i = 0; i < m; i++) {
        uint32_t a = members ? members[i] : (uint32_t)i;
        cs->members[i] = a;
        cs->pos[i] = s_x(c, a);
        sum += cs->pos[i];
    }
    double mean = sum / (double)m;
    cs->proto = (uint8_t)c->cfg.chain[NN_CASE_DECISION][0];

    json_t *o = s_ev_new(c, "case_opened", cs);
    s_ev_set(c, o, "type", json_string("decision"));
    s_ev_set(c, o, "group", g == S_SOCIETY ? json_string("society") : json_integer((json_int_t)g));
    s_ev_set(c, o, "members", json_integer((json_int_t)m));
    s_ev_set(c, o, "protocol", json_string(nn_protocol_name((nn_protocol_t)cs->proto)));
    s_ev_set(c, o, "issue",
             json_pack("{s:I,s:f}", "options", (json_int_t)c->cfg.options, "mean", mean));
    s_ev_set(c, o, "deadline",
             json_integer((json_int_t)(c->r + s_chain_span(c, NN_CASE_DECISION))));
    s_ev_emit(c, o);

    for (size_t i = 0; i < m; i++)
        s_notice(c, cs->members[i], NN_NOTICE_CASE, cs, NN_NO_AGENT, NN_PART_PARTY, cs->pos[i],
                 mean);
    s_start(c, cs);
}

/* ---- the engine ------------------------------------------------------------------------------ */

static int s_role_list(nn_cases_t *c, s_rolelist_t *l, int role)
{
    l->goff = calloc((size_t)c->n_groups + 1, sizeof *l->goff);
    if (!l->goff)
        return NN_ENOMEM;
    for (uint32_t i = 0; i < c->n; i++)
        if (s_role(c, i) == role)
            l->goff[s_group(c, i) + 1]++;
    for (uint32_t g = 0; g < c->n_groups; g++)
        l->goff[g + 1] += l->goff[g];
    l->len = l->goff[c->n_groups];
    if (!l->len)
        return NN_OK;
    l->ids = malloc((size_t)l->len * sizeof *l->ids);
    uint32_t *fill = malloc((size_t)c->n_groups * sizeof *fill);
    if (!l->ids || !fill) {
        free(fill);
        return NN_ENOMEM;
    }
    memcpy(fill, l->goff, (size_t)c->n_groups * sizeof *fill);
    for (uint32_t i = 0; i < c->n; i++)
        if (s_role(c, i) == role)
            l->ids[fill[s_group(c, i)]++] = i;
    free(fill);
    return NN_OK;
}

static int s_valid(const nn_cases_config_t *cfg, const nn_cases_env_t *env)
{
    if (env->n < 1 || (env->net && env->net->n != env->n) || (env->st && env->st->n != env->n))
        return 0;
    for (int t = 0; t < NN_CASE_TYPES; t++) {
        if (cfg->n_chain[t] > NN_MAX_CHAIN)
            return 0;
        for (size_t i = 0; i < cfg->n_chain[t]; i++)
            if ((unsigned)cfg->chain[t][i] >= NN_PROTOCOLS)
                return 0;
    }
    if (cfg->decisions_every && cfg->options < 2)
        return 0;
    const nn_structure_t *st = env->st;
    if (st && st->group)
        for (uint32_t i = 0; i < env->n; i++)
            if (st->group[i] >= st->n_groups)
                return 0;
    return 1;
}

int nn_cases_new(nn_cases_t **out, const nn_cases_config_t *cfg, const nn_cases_env_t *env)
{
    if (!out)
        return NN_EINVAL;
    *out = NULL;
    if (!cfg || !env || !s_valid(cfg, env))
        return NN_EINVAL;
    nn_cases_t *c = calloc(1, sizeof *c);
    if (!c)
        return NN_ENOMEM;
    c->cfg = *cfg;
    c->env_copy = *env;
    c->env = &c->env_copy;
    c->n = env->n;
    c->n_groups = env->st && env->st->group ? env->st->n_groups : 1;
    for (size_t i = 0; i < cfg->n_chain[NN_CASE_COMPLAINT]; i++) {
        nn_protocol_t p = cfg->chain[NN_CASE_COMPLAINT][i];
        if (p == NN_PROTO_MAJORITY || p == NN_PROTO_WEIGHTED || p == NN_PROTO_DELIBERATION)
            c->jury_used = 1;
    }
    int e = NN_OK;
    if (cfg->complaints && !(c->n_open_of = calloc(c->n, sizeof *c->n_open_of)))
        e = NN_ENOMEM;
    if (!e)
        e = s_role_list(c, &c->roles[S_MEDIATORS], NN_ROLE_MEDIATOR);
    if (!e)
        e = s_role_list(c, &c->roles[S_ARBITERS], NN_ROLE_ARBITER);
    if (!e && cfg->decisions_every && cfg->decisions_scope == NN_SCOPE_GROUP) {
        c->goff = calloc((size_t)c->n_groups + 1, sizeof *c->goff);
        c->gmem = malloc((size_t)c->n * sizeof *c->gmem);
        uint32_t *fill = malloc((size_t)c->n_groups * sizeof *fill);
        if (c->goff && c->gmem && fill) {
            for (uint32_t i = 0; i < c->n; i++)
                c->goff[s_group(c, i) + 1]++;
            for (uint32_t g = 0; g < c->n_groups; g++)
                c->goff[g + 1] += c->goff[g];
            memcpy(fill, c->goff, (size_t)c->n_groups * sizeof *fill);
            for (uint32_t i = 0; i < c->n; i++)
                c->gmem[fill[s_group(c, i)]++] = i;
        } else {
            e = NN_ENOMEM;
        }
        free(fill);
    }
    if (e) {
        nn_cases_destroy(&c);
        return e;
    }
    *out = c;
    return NN_OK;
}

void nn_cases_destroy(nn_cases_t **pc)
{
    if (!pc || !*pc)
        return;
    nn_cases_t *c = *pc;
    for (size_t i = 0; i < c->n_live; i++)
        s_free_arrays(&c->cases[i]);
    free(c->cases);
    free(c->index);
    free(c->n_open_of);
    free(c->pairs);
    free(c->goff);
    free(c->gmem);
    for (int k = 0; k < 2; k++) {
        free(c->roles[k].ids);
        free(c->roles[k].goff);
    }
    free(c->pool);
    free(c->dbl);
    free(c->dbl2);
    free(c->rank);
    free(c->cand);
    free(c);
    *pc = NULL;
}

/* Drops the finished cases (their arrays are already freed), keeping the id order, and
 * reindexes the rest. Memory goes back when the live cases fill under a quarter of the
 * array, or an eighth of the index, so a burst of cases is not kept for the rest of the
 * run. Never fails: an index that cannot shrink stays as it is. */
static void s_compact(nn_cases_t *c)
{
    size_t w = 0;
    for (size_t k = 0; k < c->n_live; k++) {
        if (c->cases[k].state == S_DONE)
            continue;
        if (w != k)
            c->cases[w] = c->cases[k];
        w++;
    }
    int moved = w != c->n_live;
    c->n_live = w;
    if (c->cap_cases > 256 && c->n_live < c->cap_cases / 4) {
        s_case_t *p = realloc(c->cases, c->cap_cases / 2 * sizeof *p);
        if (p) {
            c->cases = p;
            c->cap_cases /= 2;
        }
    }
    size_t cap = c->index_cap;
    while (cap > 64 && c->n_live * 8 < cap)
        cap /= 2;
    if (moved || cap != c->index_cap)
        (void)s_index_build(c, cap);
}

int nn_cases_round(nn_cases_t *c, uint64_t round, const nn_act_t *acts, size_t n_acts,
                   nn_notice_list_t *out, nn_violation_list_t *noncompliance, FILE *events)
{
    if (!c || !out || !noncompliance || (n_acts && !acts))
        return NN_EINVAL;
    c->r = round;
    c->out = out;
    c->viol = noncompliance;
    c->ev = events;
    c->err = NN_OK;
    c->stats.round_opened = c->stats.round_closed = 0;

    for (size_t i = 0; i < n_acts; i++)
        s_take(c, &acts[i]);

    /* nothing opens in this loop, so the array stays put; the cases opened below are not
     * advanced this round */
    size_t n_alive = c->n_live;
    for (size_t k = 0; k < n_alive && !c->err; k++) {
        s_case_t *cs = &c->cases[k];
        if (cs->state == S_COMPLY)
            s_settle(c, cs);
        else if (cs->state == S_OPEN)
            s_advance(c, cs);
    }
    s_compact(c);

    for (size_t i = 0; i < n_acts && !c->err; i++)
        if (acts[i].kind == NN_ACT_COMPLAIN)
            s_complain(c, &acts[i]);

    if (c->cfg.decisions_every && round % c->cfg.decisions_every == 0 &&
        c->cfg.n_chain[NN_CASE_DECISION] && (uint64_t)c->last_id + c->n_groups <= UINT32_MAX) {
        if (c->cfg.decisions_scope == NN_SCOPE_SOCIETY) {
            if (c->n >= 2)
                s_decide(c, S_SOCIETY, NULL, c->n);
        } else {
            for (uint32_t g = 0; g < c->n_groups && !c->err; g++) {
                size_t m = c->goff[g + 1] - c->goff[g];
                if (m >= 2)
                    s_decide(c, g, c->gmem + c->goff[g], m);
            }
        }
    }
    c->out = NULL;
    c->viol = NULL;
    c->ev = NULL;
    return c->err;
}

const nn_cases_stats_t *nn_cases_stats(const nn_cases_t *c)
{
    return &c->stats;
}

/* ---- checkpoints --------------------------------------------------------------------------- */

/* The records, in the order written. */
enum {
    S_REC_ID = NN_CKPT_TAG_CASES, /* u64[S_ID_FIELDS]: what the engine was made of */
    S_REC_COUNTS,                 /* u64[S_COUNTS] */
    S_REC_CASES,                  /* s_case_rec_t[n_live] */
    S_REC_MEMBERS,                /* u32: the members of the cases that have arrays, in order */
    S_REC_POS,                    /* double: their positions at opening */
    S_REC_ANS,                    /* i32: their answers */
    S_REC_WORK,                   /* double: the positions inside the deliberating cases */
    S_REC_OPEN_OF,                /* u32[n], or empty without complaints */
    S_REC_PAIRS,                  /* u64[pairs_len]: the open pairs, ascending */
    S_REC_STATS                   /* nn_cases_stats_t */
};
enum { S_CNT_LIVE = 0, S_CNT_LAST_ID, S_CNT_PAIRS, S_CNT_MEMBERS, S_CNT_WORK, S_COUNTS };

/* A case without its pointers, with a fixed layout (no hidden padding). */
typedef struct s_case_rec {
    uint64_t opened_round, comply_round;
    double opt_lo, opt_hi, p, offer[2], new_offer;
    uint32_t id, n_members, group, party[2], pidx[2], third[NN_MAX_CHAIN], decider, steps, n_opt;
    uint8_t type, state, proto, at, n_third, turn, got_accept, got_offer;
    uint8_t has_arrays, has_work, pad[6];
} s_case_rec_t;
_Static_assert(sizeof(s_case_rec_t) == 152, "s_case_rec_t has hidden padding");

/* The identity: the engine's sizes, its config and a fingerprint of the structure it
 * drew its role lists and groups from. */
enum { S_ID_U = 0, S_ID_D, S_ID_P };
typedef struct s_id_field {
    const char *name;
    int kind;
} s_id_field_t;

#define S_ID_CHAIN(t, k)                                                                           \
    {                                                                                              \
        "the " t " chain's protocol " #k, S_ID_P                                                   \
    }
static const s_id_field_t s_id_fields[] = {
    {"agents", S_ID_U},
    {"groups", S_ID_U},
    {"seed", S_ID_U},
    {"cases.complaints", S_ID_U},
    {"protocols in the complaint chain", S_ID_U},
    {"protocols in the decision chain", S_ID_U},
    S_ID_CHAIN("complaint", 1),
    S_ID_CHAIN("complaint", 2),
    S_ID_CHAIN("complaint", 3),
    S_ID_CHAIN("complaint", 4),
    S_ID_CHAIN("complaint", 5),
    S_ID_CHAIN("complaint", 6),
    S_ID_CHAIN("complaint", 7),
    S_ID_CHAIN("complaint", 8),
    S_ID_CHAIN("decision", 1),
    S_ID_CHAIN("decision", 2),
    S_ID_CHAIN("decision", 3),
    S_ID_CHAIN("decision", 4),
    S_ID_CHAIN("decision", 5),
    S_ID_CHAIN("decision", 6),
    S_ID_CHAIN("decision", 7),
    S_ID_CHAIN("decision", 8),
    {"cases.jury", S_ID_U},
    {"cases.max_open", S_ID_U},
    {"decisions.every", S_ID_U},
    {"decisions.scope", S_ID_U},
    {"decisions.options", S_ID_U},
    {"turnout", S_ID_D},
    {"mediation rounds", S_ID_U},
    {"mediation step", S_ID_D},
    {"negotiation rounds", S_ID_U},
    {"arbiter by", S_ID_U},
    {"deliberation rounds", S_ID_U},
    {"deliberation confidence", S_ID_D},
    {"deliberation epsilon", S_ID_D},
    {"mediators", S_ID_U},
    {"arbiters", S_ID_U},
    {"a fingerprint of the roles and groups", S_ID_U},
};
#define S_ID_FIELDS (sizeof s_id_fields / sizeof s_id_fields[0])

static uint64_t s_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static uint64_t s_hash(uint64_t h, uint64_t v)
{
    return nn_mix64(h ^ (v + 0x9e3779b97f4a7c15ULL));
}

static void s_identity(const nn_cases_t *c, uint64_t *id)
{
    const nn_cases_config_t *cfg = &c->cfg;
    size_t k = 0;
    id[k++] = c->n;
    id[k++] = c->n_groups;
    id[k++] = c->env->seed;
    id[k++] = cfg->complaints != 0;
    for (int t = 0; t < NN_CASE_TYPES; t++)
        id[k++] = cfg->n_chain[t];
    for (int t = 0; t < NN_CASE_TYPES; t++)
        for (size_t i = 0; i < NN_MAX_CHAIN; i++)
            id[k++] = i < cfg->n_chain[t] ? (uint64_t)cfg->chain[t][i] : UINT64_MAX;
    id[k++] = cfg->jury;
    id[k++] = cfg->max_open;
    id[k++] = cfg->decisions_every;
    id[k++] = (uint64_t)cfg->decisions_scope;
    id[k++] = cfg->options;
    id[k++] = s_bits(cfg->turnout);
    id[k++] = cfg->mediation_rounds;
    id[k++] = s_bits(cfg->mediation_step);
    id[k++] = cfg->negotiation_rounds;
    id[k++] = (uint64_t)cfg->arbiter_by;
    id[k++] = cfg->deliberation_rounds;
    id[k++] = s_bits(cfg->deliberation_confidence);
    id[k++] = s_bits(cfg->deliberation_epsilon);
    id[k++] = c->roles[S_MEDIATORS].len;
    id[k++] = c->roles[S_ARBITERS].len;
    uint64_t h = 0;
    for (int r = 0; r < 2; r++) {
        const s_rolelist_t *l = &c->roles[r];
        for (uint32_t i = 0; i < l->len; i++)
            h = s_hash(h, l->ids[i]);
        h = s_hash(h, UINT64_MAX);
    }
    for (uint32_t i = 0; i < c->n; i++)
        h = s_hash(h, s_group(c, i));
    id[k++] = h;
}

static void s_id_value(char *buf, size_t len, int kind, uint64_t v)
{
    if (kind == S_ID_D) {
        double d;
        memcpy(&d, &v, sizeof d);
        snprintf(buf, len, "%.17g", d);
    } else if (kind == S_ID_P) {
        snprintf(buf, len, "%s",
                 v == UINT64_MAX    ? "none"
                 : v < NN_PROTOCOLS ? nn_protocol_name((nn_protocol_t)v)
                                    : "?");
    } else {
        snprintf(buf, len, "%llu", (unsigned long long)v);
    }
}

static int s_u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

int nn_cases_save(const nn_cases_t *c, nn_ckpt_writer_t *w)
{
    if (!c || !w)
        return NN_EINVAL;
    uint64_t id[S_ID_FIELDS];
    s_identity(c, id);
    nn_ckpt_put(w, S_REC_ID, id, sizeof id);

    uint64_t cnt[S_COUNTS] = {0};
    cnt[S_CNT_LIVE] = c->n_live;
    cnt[S_CNT_LAST_ID] = c->last_id;
    cnt[S_CNT_PAIRS] = c->pairs_len;
    for (size_t k = 0; k < c->n_live; k++) {
        const s_case_t *cs = &c->cases[k];
        if (cs->pos)
            cnt[S_CNT_MEMBERS] += cs->n_members;
        if (cs->pos && cs->work)
            cnt[S_CNT_WORK] += cs->n_members;
    }
    /* one scratch block serves every flat array in turn */
    size_t need = c->n_live * sizeof(s_case_rec_t);
    if (cnt[S_CNT_MEMBERS] * sizeof(double) > need)
        need = (size_t)cnt[S_CNT_MEMBERS] * sizeof(double);
    if (c->pairs_len * sizeof(uint64_t) > need)
        need = c->pairs_len * sizeof(uint64_t);
    void *buf = need ? malloc(need) : NULL;
    if (need && !buf) {
        if (!w->failed)
            w->failed = -1;
        return NN_ENOMEM;
    }
    nn_ckpt_put(w, S_REC_COUNTS, cnt, sizeof cnt);

    s_case_rec_t *rec = buf;
    for (size_t k = 0; k < c->n_live; k++) {
        const s_case_t *cs = &c->cases[k];
        s_case_rec_t *o = &rec[k];
        memset(o, 0, sizeof *o);
        o->opened_round = cs->opened_round;
        o->comply_round = cs->comply_round;
        o->opt_lo = cs->opt_lo;
        o->opt_hi = cs->opt_hi;
        o->p = cs->p;
        o->offer[0] = cs->offer[0];
        o->offer[1] = cs->offer[1];
        o->new_offer = cs->new_offer;
        o->id = cs->id;
        o->n_members = cs->n_members;
        o->group = cs->group;
        memcpy(o->party, cs->party, sizeof o->party);
        memcpy(o->pidx, cs->pidx, sizeof o->pidx);
        memcpy(o->third, cs->third, sizeof o->third);
        o->decider = cs->decider;
        o->steps = cs->steps;
        o->n_opt = cs->n_opt;
        o->type = cs->type;
        o->state = cs->state;
        o->proto = cs->proto;
        o->at = cs->at;
        o->n_third = cs->n_third;
        o->turn = cs->turn;
        o->got_accept = cs->got_accept;
        o->got_offer = cs->got_offer;
        o->has_arrays = cs->pos != NULL;
        o->has_work = cs->pos && cs->work;
    }
    nn_ckpt_put(w, S_REC_CASES, rec, c->n_live * sizeof *rec);

    /* the members, positions, answers and deliberation positions, case after case */
    for (int a = 0; a < 4; a++) {
        size_t at = 0;
        for (size_t k = 0; k < c->n_live; k++) {
            const s_case_t *cs = &c->cases[k];
            size_t m = cs->n_members;
            if (!cs->pos || (a == 3 && !cs->work))
                continue;
            switch (a) {
            case 0: memcpy((uint32_t *)buf + at, cs->members, m * sizeof(uint32_t)); break;
            case 1: memcpy((double *)buf + at, cs->pos, m * sizeof(double)); break;
            case 2: memcpy((int32_t *)buf + at, cs->ans, m * sizeof(int32_t)); break;
            default: memcpy((double *)buf + at, cs->work, m * sizeof(double)); break;
            }
            at += m;
        }
        static const uint32_t tags[4] = {S_REC_MEMBERS, S_REC_POS, S_REC_ANS, S_REC_WORK};
        static const size_t elem[4] = {sizeof(uint32_t), sizeof(double), sizeof(int32_t),
                                       sizeof(double)};
        nn_ckpt_put(w, tags[a], buf, at * elem[a]);
    }

    nn_ckpt_put(w, S_REC_OPEN_OF, c->n_open_of,
                c->n_open_of ? (size_t)c->n * sizeof *c->n_open_of : 0);

    /* the pair table in key order, so that the file does not depend on its history */
    uint64_t *keys = buf;
    size_t n_keys = 0;
    for (size_t i = 0; i < c->pairs_cap && n_keys < c->pairs_len; i++)
        if (c->pairs[i] != S_EMPTY)
            keys[n_keys++] = c->pairs[i];
    if (n_keys)
        qsort(keys, n_keys, sizeof *keys, s_u64_cmp);
    nn_ckpt_put(w, S_REC_PAIRS, keys, n_keys * sizeof *keys);

    nn_ckpt_put(w, S_REC_STATS, &c->stats, sizeof c->stats);
    free(buf);
    return NN_OK;
}

/* Marks r failed, its why saying what did not fit (after "cases: ") unless the reader said
 * it already. */
#define s_refuse(r, ...) nn_ckpt_misfit((r), "cases: " __VA_ARGS__)

/* The next record, of exactly count elements of elem bytes (count checked against the
 * record's real length, so no count in a file leads to an allocation), or NULL. */
static const void *s_take_n(nn_ckpt_reader_t *r, uint32_t tag, uint64_t count, size_t elem,
                            const char *what)
{
    size_t bytes = 0;
    const void *p = nn_ckpt_take(r, tag, &bytes);
    if (!p)
        return NULL;
    if (count > SIZE_MAX / elem || bytes != count * elem) {
        s_refuse(r, "the record of %s has %zu bytes where %llu %s of %zu bytes were announced",
                 what, bytes, (unsigned long long)count, what, elem);
        return NULL;
    }
    return p;
}

/* Whether one saved case could have been made by this engine; why says what not. */
static int s_rec_ok(const nn_cases_t *c, const s_case_rec_t *o, char *why, size_t len)
{
    const nn_cases_config_t *cfg = &c->cfg;
    if (o->type >= NN_CASE_TYPES || o->state < S_OPEN || o->state > S_DONE ||
        o->proto >= NN_PROTOCOLS) {
        snprintf(why, len, "type %u, state %u or protocol %u out of range", o->type, o->state,
                 o->proto);
        return 0;
    }
    if (o->n_members < 2 || o->n_members > c->n) {
        snprintf(why, len, "%u members, of %u agents", o->n_members, c->n);
        return 0;
    }
    if (o->has_arrays != (o->state != S_DONE) ||
        o->has_work != (o->state == S_OPEN && o->proto == NN_PROTO_DELIBERATION)) {
        snprintf(why, len, "arrays that do not fit its state");
        return 0;
    }
    if (o->n_third > NN_MAX_CHAIN || o->turn > 1 || o->at > cfg->n_chain[o->type]) {
        snprintf(why, len, "%u third parties, turn %u or chain position %u out of range",
                 o->n_third, o->turn, o->at);
        return 0;
    }
    for (size_t t = 0; t < o->n_third; t++)
        if (o->third[t] >= c->n) {
            snprintf(why, len, "a third party %u, of %u agents", o->third[t], c->n);
            return 0;
        }
    if (o->decider != NN_NO_AGENT && o->decider >= c->n) {
        snprintf(why, len, "a decider %u, of %u agents", o->decider, c->n);
        return 0;
    }
    if (o->type == NN_CASE_COMPLAINT) {
        if (!cfg->complaints || o->party[0] >= c->n || o->party[1] >= c->n ||
            o->party[0] == o->party[1] || o->pidx[0] >= o->n_members ||
            o->pidx[1] >= o->n_members) {
            snprintf(why, len, "parties %u and %u (members %u and %u) that do not fit", o->party[0],
                     o->party[1], o->pidx[0], o->pidx[1]);
            return 0;
        }
    } else if (!cfg->decisions_every || (o->group != S_SOCIETY && o->group >= c->n_groups)) {
        /* without decisions, options may be below 2: no vote of a decision may come in */
        snprintf(why, len, "group %u, of %u groups%s", o->group, c->n_groups,
                 cfg->decisions_every ? "" : ", in a scenario without decisions");
        return 0;
    }
    if (o->state == S_OPEN) {
        int vote = o->proto == NN_PROTO_MAJORITY || o->proto == NN_PROTO_WEIGHTED;
        uint32_t n_opt = o->type == NN_CASE_COMPLAINT ? 2 : cfg->options;
        if (o->at >= cfg->n_chain[o->type] || cfg->chain[o->type][o->at] != o->proto ||
            o->proto == NN_PROTO_TOLERANCE ||
            (o->proto == NN_PROTO_NEGOTIATION && o->type != NN_CASE_COMPLAINT) ||
            (o->proto == NN_PROTO_ARBITRATION && o->decider == NN_NO_AGENT) ||
            (vote && o->n_opt != n_opt)) {
            snprintf(why, len, "an open %s at chain position %u that this engine could not have",
                     nn_protocol_name((nn_protocol_t)o->proto), o->at);
            return 0;
        }
    }
    return 1;
}

/* The members of a case (ascending, agents), its parties among them and its answers. */
static int s_arrays_ok(const nn_cases_t *c, const s_case_rec_t *o, const uint32_t *mem,
                       const int32_t *ans, char *why, size_t len)
{
    for (uint32_t i = 0; i < o->n_members; i++)
        if (mem[i] >= c->n || (i && mem[i] <= mem[i - 1])) {
            snprintf(why, len, "members not ascending agent ids");
            return 0;
        }
    if (o->type == NN_CASE_COMPLAINT &&
        (mem[o->pidx[0]] != o->party[0] || mem[o->pidx[1]] != o->party[1])) {
        snprintf(why, len, "parties that are not its members");
        return 0;
    }
    int vote =
        o->state == S_OPEN && (o->proto == NN_PROTO_MAJORITY || o->proto == NN_PROTO_WEIGHTED);
    for (uint32_t i = 0; i < o->n_members; i++)
        if (ans[i] < -1 || (vote && ans[i] >= (int64_t)o->n_opt)) {
            snprintf(why, len, "an answer %d out of range", ans[i]);
            return 0;
        }
    return 1;
}

static void s_free_cases(s_case_t *cases, size_t n)
{
    for (size_t k = 0; k < n; k++)
        s_free_arrays(&cases[k]);
    free(cases);
}

int nn_cases_load(nn_cases_t *c, nn_ckpt_reader_t *r)
{
    if (!c || !r)
        return NN_EINVAL;
    if (r->failed)
        return r->why[0] ? NN_EPROTO : s_refuse(r, "the reader had failed");

    /* identity */
    uint64_t mine[S_ID_FIELDS];
    s_identity(c, mine);
    const uint64_t *theirs = s_take_n(r, S_REC_ID, S_ID_FIELDS, sizeof(uint64_t), "identity");
    if (!theirs)
        return NN_EPROTO;
    for (size_t k = 0; k < S_ID_FIELDS; k++) {
        if (theirs[k] == mine[k])
            continue;
        if (k == 0)
            return s_refuse(r, "the checkpoint is of %llu agents, the scenario has %llu",
                            (unsigned long long)theirs[k], (unsigned long long)mine[k]);
        char a[64], b[64];
        s_id_value(a, sizeof a, s_id_fields[k].kind, theirs[k]);
        s_id_value(b, sizeof b, s_id_fields[k].kind, mine[k]);
        return s_refuse(r, "the checkpoint has %s %s, the scenario %s", s_id_fields[k].name, a, b);
    }

    /* counts, then every record checked against them before anything is allocated */
    uint64_t cnt[S_COUNTS];
    if (nn_ckpt_get(r, S_REC_COUNTS, cnt, sizeof cnt) != NN_OK)
        return NN_EPROTO;
    uint64_t n_live = cnt[S_CNT_LIVE], last_id = cnt[S_CNT_LAST_ID];
    if (last_id > UINT32_MAX || n_live > last_id || cnt[S_CNT_PAIRS] > n_live ||
        cnt[S_CNT_WORK] > cnt[S_CNT_MEMBERS])
        return s_refuse(r, "absurd counts: %llu live cases, %llu ids given, %llu open pairs",
                        (unsigned long long)n_live, (unsigned long long)last_id,
                        (unsigned long long)cnt[S_CNT_PAIRS]);
    const s_case_rec_t *rec = s_take_n(r, S_REC_CASES, n_live, sizeof *rec, "cases");
    if (!rec)
        return NN_EPROTO;
    char why[200];
    uint64_t members = 0, work = 0, open = 0;
    for (size_t k = 0; k < n_live; k++) {
        const s_case_rec_t *o = &rec[k];
        if (!o->id || o->id > last_id || (k && o->id <= rec[k - 1].id))
            return s_refuse(r, "case %u out of order or past the %llu ids given", o->id,
                            (unsigned long long)last_id);
        if (!s_rec_ok(c, o, why, sizeof why))
            return s_refuse(r, "case %u has %s", o->id, why);
        members += o->has_arrays ? o->n_members : 0;
        work += o->has_work ? o->n_members : 0;
        open += o->state == S_OPEN;
    }
    if (members != cnt[S_CNT_MEMBERS] || work != cnt[S_CNT_WORK])
        return s_refuse(r,
                        "the cases have %llu members and %llu deliberating, the counts say "
                        "%llu and %llu",
                        (unsigned long long)members, (unsigned long long)work,
                        (unsigned long long)cnt[S_CNT_MEMBERS],
                        (unsigned long long)cnt[S_CNT_WORK]);
    const uint32_t *mem = s_take_n(r, S_REC_MEMBERS, members, sizeof *mem, "members");
    const double *pos = s_take_n(r, S_REC_POS, members, sizeof *pos, "positions");
    const int32_t *ans = s_take_n(r, S_REC_ANS, members, sizeof *ans, "answers");
    const double *wrk = s_take_n(r, S_REC_WORK, work, sizeof *wrk, "deliberation positions");
    const uint32_t *open_of =
        s_take_n(r, S_REC_OPEN_OF, c->n_open_of ? c->n : 0, sizeof *open_of, "open counts");
    const uint64_t *pairs = s_take_n(r, S_REC_PAIRS, cnt[S_CNT_PAIRS], sizeof *pairs, "pairs");
    nn_cases_stats_t stats;
    if (!mem || !pos || !ans || !wrk || !open_of || !pairs ||
        nn_ckpt_get(r, S_REC_STATS, &stats, sizeof stats) != NN_OK)
        return NN_EPROTO;
    size_t at = 0;
    for (size_t k = 0; k < n_live; k++) {
        if (!rec[k].has_arrays)
            continue;
        if (!s_arrays_ok(c, &rec[k], mem + at, ans + at, why, sizeof why))
            return s_refuse(r, "case %u has %s", rec[k].id, why);
        at += rec[k].n_members;
    }
    if (stats.open != open)
        return s_refuse(r, "the counters say %llu cases are open, the cases %llu",
                        (unsigned long long)stats.open, (unsigned long long)open);

    /* the open pairs and the open counts must be those of the open complaints */
    uint64_t *keys = NULL;
    uint32_t *n_of = NULL;
    size_t n_keys = 0;
    if (c->n_open_of) {
        keys = malloc((cnt[S_CNT_PAIRS] + 1) * sizeof *keys);
        n_of = calloc(c->n, sizeof *n_of);
        if (!keys || !n_of) {
            free(keys);
            free(n_of);
            return NN_ENOMEM;
        }
    }
    int fits = 1;
    for (size_t k = 0; k < n_live && fits; k++) {
        const s_case_rec_t *o = &rec[k];
        if (o->type != NN_CASE_COMPLAINT || o->state != S_OPEN)
            continue;
        if (n_keys == cnt[S_CNT_PAIRS]) { /* more open complaints than pairs */
            fits = 0;
            break;
        }
        keys[n_keys++] = s_pair_key(o->party[0], o->party[1]);
        n_of[o->party[0]]++;
        n_of[o->party[1]]++;
    }
    if (fits && n_keys)
        qsort(keys, n_keys, sizeof *keys, s_u64_cmp);
    for (size_t i = 1; i < n_keys && fits; i++)
        fits = keys[i] != keys[i - 1]; /* one open case per pair */
    fits = fits && n_keys == cnt[S_CNT_PAIRS] &&
           (!n_keys || memcmp(keys, pairs, n_keys * sizeof *keys) == 0) &&
           (!c->n_open_of || memcmp(n_of, open_of, (size_t)c->n * sizeof *n_of) == 0);
    free(keys);
    free(n_of);
    if (!fits)
        return s_refuse(r, "the open pairs or the open counts are not those of the open "
                           "complaints");

    /* everything fits: build the new state aside, so that a failure leaves the engine be */
    size_t cap_cases = 0, index_cap = 64, pairs_cap = 0;
    while (index_cap <= n_live * 2)
        index_cap *= 2;
    if (cnt[S_CNT_PAIRS]) {
        pairs_cap = 64;
        while ((cnt[S_CNT_PAIRS] + 1) * 2 > pairs_cap)
            pairs_cap *= 2;
    }
    s_case_t *cases = NULL;
    uint64_t *index = n_live ? malloc(index_cap * sizeof *index) : NULL;
    uint64_t *table = pairs_cap ? malloc(pairs_cap * sizeof *table) : NULL;
    int e = (n_live && !index) || (pairs_cap && !table) ? NN_ENOMEM : NN_OK;
    if (!e && n_live)
        e = s_grow((void **)&cases, &cap_cases, n_live, sizeof *cases);
    size_t made = 0, wat = 0;
    at = 0;
    for (; !e && made < n_live; made++) {
        const s_case_rec_t *o = &rec[made];
        s_case_t *cs = &cases[made];
        memset(cs, 0, sizeof *cs);
        cs->opened_round = o->opened_round;
        cs->comply_round = o->comply_round;
        cs->opt_lo = o->opt_lo;
        cs->opt_hi = o->opt_hi;
        cs->p = o->p;
        cs->offer[0] = o->offer[0];
        cs->offer[1] = o->offer[1];
        cs->new_offer = o->new_offer;
        cs->id = o->id;
        cs->n_members = o->n_members;
        cs->group = o->group;
        memcpy(cs->party, o->party, sizeof cs->party);
        memcpy(cs->pidx, o->pidx, sizeof cs->pidx);
        memcpy(cs->third, o->third, sizeof cs->third);
        cs->decider = o->decider;
        cs->steps = o->steps;
        cs->n_opt = o->n_opt;
        cs->type = o->type;
        cs->state = o->state;
        cs->proto = o->proto;
        cs->at = o->at;
        cs->n_third = o->n_third;
        cs->turn = o->turn;
        cs->got_accept = o->got_accept;
        cs->got_offer = o->got_offer;
        if (!o->has_arrays)
            continue;
        /* one block as s_new_case makes it, so that s_free_arrays frees it */
        size_t m = o->n_members;
        double *block = malloc(m * (sizeof(double) + sizeof(uint32_t) + sizeof(int32_t)));
        if (!block) {
            e = NN_ENOMEM;
            break;
        }
        cs->pos = block;
        cs->members = (uint32_t *)(block + m);
        cs->ans = (int32_t *)(cs->members + m);
        memcpy(cs->pos, pos + at, m * sizeof *cs->pos);
        memcpy(cs->members, mem + at, m * sizeof *cs->members);
        memcpy(cs->ans, ans + at, m * sizeof *cs->ans);
        at += m;
        if (o->has_work) {
            if (!(cs->work = malloc(m * sizeof *cs->work))) {
                e = NN_ENOMEM;
                made++; /* its block is freed with the others */
                break;
            }
            memcpy(cs->work, wrk + wat, m * sizeof *cs->work);
            wat += m;
        }
    }
    if (e) {
        s_free_cases(cases, made);
        free(index);
        free(table);
        return NN_ENOMEM;
    }

    for (size_t k = 0; k < c->n_live; k++)
        s_free_arrays(&c->cases[k]);
    free(c->cases);
    free(c->index);
    free(c->pairs);
    c->cases = cases;
    c->n_live = n_live;
    c->cap_cases = cap_cases;
    c->last_id = (uint32_t)last_id;
    c->index = index;
    c->index_cap = n_live ? index_cap : 0;
    if (c->index)
        (void)s_index_build(c, c->index_cap); /* the size it has: cannot fail */
    c->pairs = table;
    c->pairs_cap = pairs_cap;
    c->pairs_len = 0;
    for (size_t i = 0; i < pairs_cap; i++)
        c->pairs[i] = S_EMPTY;
    for (size_t i = 0; i < cnt[S_CNT_PAIRS]; i++) {
        c->pairs[s_pair_slot(c, pairs[i])] = pairs[i];
        c->pairs_len++;
    }
    if (c->n_open_of)
        memcpy(c->n_open_of, open_of, (size_t)c->n * sizeof *c->n_open_of);
    c->stats = stats;
    return NN_OK;
}
