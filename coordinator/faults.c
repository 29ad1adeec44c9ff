/* Planned faults; see faults.h. */
#include "faults.h"

#include <stdlib.h>
#include <string.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"

struct nn_faults {
    nn_faults_config_t cfg;
    uint32_t n;
    const uint32_t *group;
    uint64_t key[NN_MAX_FAULTS]; /* per fault: its stream key */
    uint64_t round;
    int active[NN_MAX_FAULTS];
    int any;                        /* some fault acts this round */
    int lying;                      /* some byzantine fault acts this round */
    int reshaping;                  /* some delay or duplicate fault acts this round */
    uint8_t *member[NN_MAX_FAULTS]; /* silent, byzantine: n flags, 1 for its agents */
    uint8_t *absent;                /* n flags, or NULL: no agent is absent */
};

const char *nn_fault_kind_name(nn_fault_kind_t k)
{
    switch (k) {
    case NN_FAULT_LOSS: return "loss";
    case NN_FAULT_PARTITION: return "partition";
    case NN_FAULT_SILENT: return "silent";
    case NN_FAULT_BYZANTINE: return "byzantine";
    case NN_FAULT_DELAY: return "delay";
    case NN_FAULT_DUPLICATE: return "duplicate";
    default: return "?";
    }
}

const char *nn_fault_between_name(nn_fault_between_t b)
{
    return b == NN_BETWEEN_GROUPS ? "groups" : b == NN_BETWEEN_RANDOM ? "random" : "halves";
}

const char *nn_fault_links_name(nn_fault_links_t l)
{
    return l == NN_LINKS_WITHIN_GROUPS    ? "within_groups"
           : l == NN_LINKS_BETWEEN_GROUPS ? "between_groups"
                                          : "all";
}

const char *nn_byzantine_mode_name(nn_byzantine_mode_t m)
{
    return m == NN_BYZANTINE_ADVERSARIAL ? "adversarial" : "random";
}

/* Fault k's agents: the listed ones, or each drawn with probability share. */
static int s_members(nn_faults_t *f, size_t k)
{
    const nn_fault_config_t *c = &f->cfg.f[k];
    uint8_t *m = calloc(f->n ? f->n : 1, 1);
    if (!m)
        return NN_ENOMEM;
    if (c->n_agents) {
        for (uint32_t i = 0; i < c->n_agents && i < NN_FAULT_MAX_AGENTS; i++)
            if (c->agents[i] < f->n)
                m[c->agents[i]] = 1;
    } else if (c->kind == NN_FAULT_PARTITION) { /* between: random: each agent's side */
        for (uint32_t a = 0; a < f->n; a++)
            m[a] = (uint8_t)(nn_rng_at(f->key[k], a) >> 63);
    } else {
        for (uint32_t a = 0; a < f->n; a++)
            m[a] = (double)(nn_rng_at(f->key[k], a) >> 11) * 0x1p-53 < c->share;
    }
    f->member[k] = m;
    return NN_OK;
}

int nn_faults_new(nn_faults_t **out, const nn_faults_config_t *cfg, uint32_t n,
                  const uint32_t *group, uint64_t seed)
{
    *out = NULL;
    if (!cfg->n && cfg->recovery != NN_RECOVERY_DROP)
        return NN_OK;
    nn_faults_t *f = calloc(1, sizeof *f);
    if (!f)
        return NN_ENOMEM;
    f->cfg = *cfg;
    if (f->cfg.n > NN_MAX_FAULTS)
        f->cfg.n = NN_MAX_FAULTS;
    f->n = n;
    f->group = group;
    uint64_t base = nn_rng_stream_key(seed, NN_STREAM_FAULTS);
    for (size_t k = 0; k < f->cfg.n; k++) {
        f->key[k] = nn_mix64(base + (k + 1) * 0xd6e8feb86659fd93ULL);
        const nn_fault_config_t *c = &f->cfg.f[k];
        int sets = c->kind == NN_FAULT_SILENT || c->kind == NN_FAULT_BYZANTINE || c->share > 0 ||
                   c->n_agents > 0 || /* loss, delay, duplicate: optional */
                   (c->kind == NN_FAULT_PARTITION && c->between == NN_BETWEEN_RANDOM);
        if (sets && s_members(f, k) != NN_OK) {
            nn_faults_destroy(&f);
            return NN_ENOMEM;
        }
    }
    *out = f;
    return NN_OK;
}

void nn_faults_destroy(nn_faults_t **pf)
{
    nn_faults_t *f = *pf;
    if (!f)
        return;
    for (size_t k = 0; k < NN_MAX_FAULTS; k++)
        free(f->member[k]);
    free(f->absent);
    free(f);
    *pf = NULL;
}

int nn_faults_active(const nn_faults_t *f, size_t k, uint64_t round)
{
    const nn_fault_config_t *c = &f->cfg.f[k];
    return round >= c->from_round && round <= c->to_round;
}

void nn_faults_begin(nn_faults_t *f, uint64_t round)
{
    f->round = round;
    f->any = f->lying = f->reshaping = 0;
    for (size_t k = 0; k < f->cfg.n; k++) {
        f->active[k] = nn_faults_active(f, k, round);
        nn_fault_kind_t kind = f->cfg.f[k].kind;
        if (kind == NN_FAULT_BYZANTINE)
            f->lying |= f->active[k];
        else if (kind == NN_FAULT_DELAY || kind == NN_FAULT_DUPLICATE)
            f->reshaping |= f->active[k];
        else
            f->any |= f->active[k];
    }
}

int nn_faults_lying(const nn_faults_t *f)
{
    return f && f->lying;
}

size_t nn_faults_liar(const nn_faults_t *f, uint32_t agent)
{
    if (!f || !f->lying || agent >= f->n)
        return 0;
    for (size_t k = 0; k < f->cfg.n; k++)
        if (f->active[k] && f->cfg.f[k].kind == NN_FAULT_BYZANTINE && f->member[k][agent])
            return k + 1;
    return 0;
}

/* The uniform draw in [0, 1) of fault k for the message (round, from, seq): a function of
 * those alone, so that it does not depend on where the message was routed. */
static double s_unit(const nn_faults_t *f, size_t k, uint32_t from, uint32_t seq)
{
    uint64_t h = nn_mix64(f->key[k] ^ nn_mix64((uint64_t)from * 0x9e3779b97f4a7c15ULL ^ f->round));
    return (double)(nn_rng_at(h, seq) >> 11) * 0x1p-53;
}

/* Whether loss, delay or duplicate fault k acts on the link from -> to: its senders (all
 * without a set) and its link class. */
static int s_scoped(const nn_faults_t *f, size_t k, uint32_t from, uint32_t to)
{
    const nn_fault_config_t *c = &f->cfg.f[k];
    if (f->member[k] && (from >= f->n || !f->member[k][from]))
        return 0;
    if (c->links == NN_LINKS_ALL)
        return 1;
    int same = !f->group || from >= f->n || to >= f->n || f->group[from] == f->group[to];
    return c->links == NN_LINKS_WITHIN_GROUPS ? same : !same;
}

int nn_faults_checking(const nn_faults_t *f)
{
    return f && (f->any || f->absent);
}

int nn_faults_reshaping(const nn_faults_t *f)
{
    return f && f->reshaping;
}

nn_router_fate_t nn_faults_fate(const nn_faults_t *f, uint32_t to, const nn_delivery_t *d,
                                uint32_t *late)
{
    for (size_t k = 0; f && f->reshaping && k < f->cfg.n; k++) {
        const nn_fault_config_t *c = &f->cfg.f[k];
        if (!f->active[k] || (c->kind != NN_FAULT_DELAY && c->kind != NN_FAULT_DUPLICATE))
            continue;
        if (!s_scoped(f, k, d->from, to) || s_unit(f, k, d->from, d->seq) >= c->p)
            continue;
        if (c->kind == NN_FAULT_DUPLICATE)
            return NN_FATE_TWICE;
        *late = c->delay ? c->delay : 1;
        return NN_FATE_HOLD;
    }
    return NN_FATE_DELIVER;
}

double nn_faults_lie(const nn_faults_t *f, size_t k, uint32_t agent, uint32_t slot, double value,
                     int boolean)
{
    const nn_fault_config_t *c = &f->cfg.f[k - 1];
    if (c->mode == NN_BYZANTINE_ADVERSARIAL)
        return boolean ? (value != 0 ? 0.0 : 1.0) : 1.0 - value;
    double u = s_unit(f, k - 1, agent, slot);
    return boolean ? (u < 0.5 ? 0.0 : 1.0) : u;
}

void nn_faults_absent(nn_faults_t *f, uint32_t agent)
{
    if (!f || agent >= f->n || (!f->absent && !(f->absent = calloc(f->n, 1))))
        return; /* out of memory: the caller checks nn_faults_is_absent */
    f->absent[agent] = 1;
}

int nn_faults_is_absent(const nn_faults_t *f, uint32_t agent)
{
    return f && f->absent && agent < f->n && f->absent[agent];
}

nn_drop_rule_t nn_faults_check(const nn_faults_t *f, const nn_msg_t *m, uint32_t seq)
{
    if (f && f->absent && m->to < f->n && f->absent[m->to])
        return NN_DROP_FAULT_ABSENT;
    if (!f || !f->any)
        return NN_DROP_PASS;
    for (size_t k = 0; k < f->cfg.n; k++) {
        if (!f->active[k])
            continue;
        const nn_fault_config_t *c = &f->cfg.f[k];
        if (c->kind == NN_FAULT_LOSS) {
            if (s_scoped(f, k, m->from, m->to) && s_unit(f, k, m->from, seq) < c->p)
                return NN_DROP_FAULT_LOSS;
        } else if (c->kind == NN_FAULT_SILENT) {
            if ((m->from < f->n && f->member[k][m->from]) || (m->to < f->n && f->member[k][m->to]))
                return NN_DROP_FAULT_SILENT;
        } else if (c->kind == NN_FAULT_PARTITION && m->from < f->n && m->to < f->n) {
            int cut = c->between == NN_BETWEEN_GROUPS
                          ? (f->group ? f->group[m->from] != f->group[m->to] : 0)
                      : c->between == NN_BETWEEN_RANDOM
                          ? f->member[k][m->from] != f->member[k][m->to]
                          : (m->from < f->n / 2) != (m->to < f->n / 2);
            if (cut)
                return NN_DROP_FAULT_PARTITION;
        }
    }
    return NN_DROP_PASS;
}
