/* The society's structure; see structure.h. Groups that need no graph (none, sbm, a
 * file) come first, then one igraph session, entered only when something needs igraph
 * (betweenness, Louvain or the modularity of more than one group), copies the network
 * once and does all of it with nunchi's generator installed; roles, status and the
 * hierarchy are then plain array work. Every ranking sorts (key, id) pairs, highest key
 * first and ties to the lower id, so that nothing depends on qsort's order of equals. */
#include "structure.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"

#include "diag.h"

/* Louvain's generator is keyed (seed, NN_STREAM_STRUCTURE, 0, S_LOUVAIN_ROUND); role
 * rule i draws from (seed, NN_STREAM_STRUCTURE, i, 0), so the two never share a key. */
#define S_LOUVAIN_ROUND 1
#define S_STATUS_ROUND  3 /* status from population: (seed, stream, agent, S_STATUS_ROUND) */
/* How much of a bad line is quoted back in a message. */
#define S_QUOTE_MAX 60
#define S_UNSET     UINT32_MAX

const char *nn_role_name(nn_role_t r)
{
    switch (r) {
    case NN_ROLE_CITIZEN: return "citizen";
    case NN_ROLE_MEDIATOR: return "mediator";
    case NN_ROLE_ARBITER: return "arbiter";
    case NN_ROLE_LEADER: return "leader";
    default: return "?";
    }
}

const char *nn_rank_by_name(nn_rank_by_t b)
{
    switch (b) {
    case NN_BY_RANDOM: return "random";
    case NN_BY_DEGREE: return "degree";
    case NN_BY_BETWEENNESS: return "betweenness";
    default: return "?";
    }
}

const char *nn_groups_from_name(nn_groups_from_t g)
{
    switch (g) {
    case NN_GROUPS_NONE: return "none";
    case NN_GROUPS_SBM: return "sbm";
    case NN_GROUPS_LOUVAIN: return "louvain";
    case NN_GROUPS_FILE: return "file";
    default: return "?";
    }
}

const char *nn_hierarchy_name(nn_hierarchy_t h)
{
    switch (h) {
    case NN_HIERARCHY_NONE: return "none";
    case NN_HIERARCHY_GROUP_LEADER: return "group_leader";
    case NN_HIERARCHY_TREE: return "tree";
    default: return "?";
    }
}

const char *nn_status_from_name(nn_status_from_t s)
{
    switch (s) {
    case NN_STATUS_CONSTANT: return "constant";
    case NN_STATUS_DEGREE: return "degree";
    case NN_STATUS_BETWEENNESS: return "betweenness";
    case NN_STATUS_POPULATION: return "population";
    default: return "?";
    }
}

void nn_structure_release(nn_structure_t *s)
{
    if (!s)
        return;
    free(s->role);
    free(s->group);
    free(s->superior);
    free(s->status);
    free(s->reputation);
    memset(s, 0, sizeof *s);
}

/* --- ranking ------------------------------------------------------------------------- */

typedef struct s_ranked {
    double key;
    uint32_t id;
} s_ranked_t;

/* Highest key first, ties to the lower id; keys are compared exactly. */
static int s_cmp_ranked(const void *a, const void *b)
{
    const s_ranked_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static void s_rank(s_ranked_t *rk, const double *key, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        rk[i].key = key[i];
        rk[i].id = i;
    }
    qsort(rk, n, sizeof *rk, s_cmp_ranked);
}

/* Renumbers g[0 .. n-1] (values < n) by first appearance in id order; map is n long. */
static uint32_t s_renumber(uint32_t *g, uint32_t n, uint32_t *map)
{
    for (uint32_t i = 0; i < n; i++)
        map[i] = S_UNSET;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (map[g[i]] == S_UNSET)
            map[g[i]] = k++;
        g[i] = map[g[i]];
    }
    return k;
}

/* --- groups from a file -------------------------------------------------------------- */

/* Distinct labels in order of first appearance, found through an open-addressing table
 * of label index + 1 (0 is empty). At most n labels: a line only adds one after its id
 * was accepted, and each id is accepted once. */
typedef struct s_labels {
    char **name;
    uint32_t len;
    uint32_t *slot;
    size_t mask;
} s_labels_t;

static int s_labels_init(s_labels_t *l, uint32_t n)
{
    memset(l, 0, sizeof *l);
    size_t cap = 16;
    while (cap < 2 * (size_t)n)
        cap *= 2;
    l->name = calloc(n ? n : 1, sizeof *l->name);
    l->slot = calloc(cap, sizeof *l->slot);
    l->mask = cap - 1;
    return l->name && l->slot ? NN_OK : NN_ENOMEM;
}

static void s_labels_release(s_labels_t *l)
{
    if (l->name)
        for (uint32_t i = 0; i < l->len; i++)
            free(l->name[i]);
    free(l->name);
    free(l->slot);
    memset(l, 0, sizeof *l);
}

/* The index of the label neg ? "-" p : p (p len bytes long), added when new; S_UNSET
 * when out of memory. */
static uint32_t s_labels_get(s_labels_t *l, int neg, const char *p, size_t len)
{
    uint64_t h0 = 0xcbf29ce484222325ULL;
    if (neg)
        h0 = (h0 ^ (unsigned char)'-') * 0x100000001b3ULL;
    for (size_t i = 0; i < len; i++)
        h0 = (h0 ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    size_t full = len + (neg ? 1 : 0);
    size_t h = (size_t)h0 & l->mask;
    for (;; h = (h + 1) & l->mask) {
        uint32_t s = l->slot[h];
        if (s == 0)
            break;
        const char *q = l->name[s - 1];
        if (strlen(q) == full && (!neg || q[0] == '-') && memcmp(q + (neg ? 1 : 0), p, len) == 0)
            return s - 1;
    }
    char *copy = malloc(full + 1);
    if (!copy)
        return S_UNSET;
    if (neg)
        copy[0] = '-';
    memcpy(copy + (neg ? 1 : 0), p, len);
    copy[full] = '\0';
    l->name[l->len] = copy;
    l->slot[h] = ++l->len;
    return l->len - 1;
}

static int s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* An integer label in one spelling ("+007" and "7" are the same group, "-0" is "0"):
 * narrows [*p, *p + *len) in place and says whether it is negative; 0 when not an
 * integer (then it is a name, taken as written). */
static int s_canon_int(const char **p, size_t *len, int *neg)
{
    const char *s = *p;
    size_t n = *len, i = 0;
    *neg = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        *neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return 0;
    for (size_t j = i; j < n; j++)
        if (!s_is_digit(s[j]))
            return 0;
    while (i + 1 < n && s[i] == '0')
        i++;
    if (n - i == 1 && s[i] == '0')
        *neg = 0;
    *p = s + i;
    *len = n - i;
    return 1;
}

/* Reads the groups file into s->group (label indices until the end, then groups). */
/* The number of comma-separated fields of a line. */
static int s_count_fields(const char *text, size_t len)
{
    int n = 1;
    for (size_t i = 0; i < len; i++)
        n += text[i] == ',';
    return n;
}

/* Field k of a line, trimmed: 1 and *p, *len set, or 0 past the last field. */
static int s_field(const char *text, size_t len, int k, const char **p, size_t *n)
{
    size_t a = 0;
    for (int i = 0; i < k; i++) {
        const char *c = memchr(text + a, ',', len - a);
        if (!c)
            return 0;
        a = (size_t)(c - text) + 1;
    }
    const char *c = memchr(text + a, ',', len - a);
    size_t e = c ? (size_t)(c - text) : len;
    while (a < e && s_is_space(text[a]))
        a++;
    while (e > a && s_is_space(text[e - 1]))
        e--;
    *p = text + a;
    *n = e - a;
    return 1;
}

/* The index of the header field named `want`, or -1. */
static int s_column(const char *text, size_t len, const char *want)
{
    const char *p;
    size_t n;
    for (int k = 0; s_field(text, len, k, &p, &n); k++)
        if (n == strlen(want) && memcmp(p, want, n) == 0)
            return k;
    return -1;
}

static int s_groups_file_inner(nn_structure_t *s, const nn_structure_config_t *cfg, char *err,
                               size_t errlen)
{
    const char *open_path = cfg->resolved_path[0] ? cfg->resolved_path : cfg->path;
    const char *name = cfg->path[0] ? cfg->path : cfg->resolved_path;
    uint32_t n = s->n;
    if (!open_path[0]) {
        nn_errorf(err, errlen, "groups from 'file' need a path");
        return NN_ESCENARIO;
    }
    FILE *f = fopen(open_path, "r");
    if (!f) {
        nn_errorf(err, errlen, "cannot open the groups file '%s': %s", name, strerror(errno));
        return NN_EIO;
    }
    char *line = NULL;
    size_t cap = 0;
    s_labels_t lab;
    uint64_t *line_of = malloc((size_t)(n ? n : 1) * sizeof *line_of);
    int rc = s_labels_init(&lab, n);
    if (rc != NN_OK || !line_of) {
        nn_errorf(err, errlen, "out of memory reading the groups file '%s'", name);
        rc = NN_ENOMEM;
        goto done;
    }
    for (uint32_t i = 0; i < n; i++)
        s->group[i] = S_UNSET;

    ssize_t got;
    uint64_t lineno = 0;
    int seen_content = 0;
    int col_id = 0, col_group = 1, n_cols = 2; /* until a header says otherwise */
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t end = (size_t)got;
        const char *hash = memchr(line, '#', end);
        if (hash)
            end = (size_t)(hash - line);
        size_t b = 0;
        while (b < end && s_is_space(line[b]))
            b++;
        while (end > b && s_is_space(line[end - 1]))
            end--;
        if (b == end)
            continue;
        const char *text = line + b;
        size_t tlen = end - b;
        int first = !seen_content;
        seen_content = 1;

        /* a header names the columns: 'id' and 'group' among any others (so that a run's
         * structure.csv can be read back); without one the lines are "id,group" */
        if (first && (isalpha((unsigned char)text[0]) || text[0] == '_')) {
            int at_id = s_column(text, tlen, "id"), at_group = s_column(text, tlen, "group");
            if (at_id < 0 || at_group < 0) {
                nn_errorf(err, errlen,
                          "%s:%llu: the header needs an 'id' and a 'group' column, got '%.*s%s'",
                          name, (unsigned long long)lineno,
                          (int)(tlen > S_QUOTE_MAX ? S_QUOTE_MAX : tlen), text,
                          tlen > S_QUOTE_MAX ? "..." : "");
                rc = NN_ESCENARIO;
                break;
            }
            col_id = at_id;
            col_group = at_group;
            n_cols = s_count_fields(text, tlen);
            continue;
        }
        const char *idp, *gp;
        size_t idl, gl;
        int ok = s_count_fields(text, tlen) == n_cols && s_field(text, tlen, col_id, &idp, &idl) &&
                 s_field(text, tlen, col_group, &gp, &gl) && idl > 0 && gl > 0;
        for (size_t j = 0; ok && j < idl; j++)
            ok = s_is_digit(idp[j]);
        if (!ok) {
            nn_errorf(err, errlen,
                      "%s:%llu: expected %d fields with an id and a group, got '%.*s%s'", name,
                      (unsigned long long)lineno, n_cols,
                      (int)(tlen > S_QUOTE_MAX ? S_QUOTE_MAX : tlen), text,
                      tlen > S_QUOTE_MAX ? "..." : "");
            rc = NN_ESCENARIO;
            break;
        }
        uint64_t id = 0;
        int big = 0;
        for (size_t j = 0; j < idl; j++) {
            if (id > (UINT64_MAX - 9) / 10) {
                big = 1;
                break;
            }
            id = id * 10 + (uint64_t)(idp[j] - '0');
        }
        if (big || id >= n) {
            nn_errorf(err, errlen,
                      "%s:%llu: agent id %.*s is out of range (the scenario has %u agents: 0..%u)",
                      name, (unsigned long long)lineno,
                      (int)(idl > S_QUOTE_MAX ? S_QUOTE_MAX : idl), idp, n, n ? n - 1 : 0);
            rc = NN_ESCENARIO;
            break;
        }
        if (s->group[id] != S_UNSET) {
            nn_errorf(err, errlen,
                      "%s:%llu: agent %llu is given a group twice (first at line %llu)", name,
                      (unsigned long long)lineno, (unsigned long long)id,
                      (unsigned long long)line_of[id]);
            rc = NN_ESCENARIO;
            break;
        }
        int neg = 0;
        if (!s_canon_int(&gp, &gl, &neg))
            neg = 0; /* a name, taken as written */
        uint32_t l = s_labels_get(&lab, neg, gp, gl);
        if (l == S_UNSET) {
            nn_errorf(err, errlen, "%s:%llu: out of memory reading the groups file", name,
                      (unsigned long long)lineno);
            rc = NN_ENOMEM;
            break;
        }
        s->group[id] = l;
        line_of[id] = lineno;
    }
    if (rc == NN_OK && ferror(f)) {
        nn_errorf(err, errlen, "error reading the groups file '%s': %s", name, strerror(errno));
        rc = NN_EIO;
    }
    for (uint32_t i = 0; rc == NN_OK && i < n; i++)
        if (s->group[i] == S_UNSET) {
            nn_errorf(err, errlen,
                      "%s:%llu: the file ends without a group for agent %u (each of the %u agents "
                      "0..%u needs exactly one line)",
                      name, (unsigned long long)lineno, i, n, n - 1);
            rc = NN_ESCENARIO;
        }
    if (rc == NN_OK) {
        /* label index -> group by first appearance in id order; line_of is free now */
        uint32_t *map = (uint32_t *)line_of;
        for (uint32_t i = 0; i < lab.len; i++)
            map[i] = S_UNSET;
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (map[s->group[i]] == S_UNSET)
                map[s->group[i]] = k++;
            s->group[i] = map[s->group[i]];
        }
        s->n_groups = k;
    }
done:
    fclose(f);
    free(line);
    free(line_of);
    s_labels_release(&lab);
    return rc;
}

static int s_groups_file(nn_structure_t *s, const nn_structure_config_t *cfg, char *err,
                         size_t errlen)
{
    int rc = s_groups_file_inner(s, cfg, err, errlen);
    /* say which scenario key named the file */
    size_t used = err ? strlen(err) : 0;
    if (rc != NN_OK && cfg->path_where[0] && used + 8 < errlen)
        snprintf(err + used, errlen - used, " (from %s)", cfg->path_where);
    return rc;
}

static int s_groups_sbm(nn_structure_t *s, const nn_network_config_t *net_cfg, char *err,
                        size_t errlen)
{
    if (!net_cfg || net_cfg->model != NN_NET_SBM) {
        nn_errorf(err, errlen, "groups from 'sbm' need network model 'sbm', the network is '%s'",
                  net_cfg ? nn_network_model_name(net_cfg->model) : "unknown");
        return NN_ESCENARIO;
    }
    uint64_t sum = 0;
    for (size_t b = 0; b < net_cfg->n_blocks && b < NN_NET_MAX_BLOCKS; b++)
        sum += net_cfg->blocks[b];
    if (net_cfg->n_blocks < 1 || net_cfg->n_blocks > NN_NET_MAX_BLOCKS || sum != s->n) {
        nn_errorf(err, errlen, "groups from 'sbm': the %zu blocks hold %llu agents, the network %u",
                  net_cfg->n_blocks, (unsigned long long)sum, s->n);
        return NN_ESCENARIO;
    }
    /* igraph_sbm_game (network.c) gives block 0 the first blocks[0] vertices, and so on */
    uint32_t at = 0;
    for (size_t b = 0; b < net_cfg->n_blocks; b++)
        for (uint32_t j = 0; j < net_cfg->blocks[b]; j++)
            s->group[at++] = (uint32_t)b;
    s->n_groups = (uint32_t)net_cfg->n_blocks;
    return NN_OK;
}

/* --- the igraph session -------------------------------------------------------------- */

typedef struct s_session {
    nn_structure_t *s;
    const nn_network_t *net;
    double *btw; /* n, filled when not NULL */
    int louvain; /* fill s->group and s->n_groups */
} s_session_t;

static igraph_error_t s_louvain(s_session_t *x, const igraph_t *g, int *nomem)
{
    igraph_vector_int_t memb;
    igraph_error_t ierr = igraph_vector_int_init(&memb, 0);
    if (ierr != IGRAPH_SUCCESS)
        return ierr;
    ierr = igraph_community_multilevel(g, NULL, 1.0, &memb, NULL, NULL);
    uint32_t n = x->s->n;
    if (ierr == IGRAPH_SUCCESS) {
        /* membership is the last level, which has the highest modularity: a level is
         * only added when it raises modularity */
        for (uint32_t i = 0; i < n; i++)
            x->s->group[i] = (uint32_t)VECTOR(memb)[i];
        uint32_t *map = malloc((size_t)(n ? n : 1) * sizeof *map);
        if (map) {
            x->s->n_groups = s_renumber(x->s->group, n, map);
            free(map);
        } else {
            *nomem = 1;
        }
    }
    igraph_vector_int_destroy(&memb);
    return ierr;
}

static int s_session_cb(void *arg, char *err, size_t errlen)
{
    s_session_t *x = arg;
    nn_structure_t *s = x->s;
    igraph_t g;
    int rc = nn_network_to_igraph(x->net, &g, err, errlen);
    if (rc != NN_OK)
        return rc;
    igraph_error_t ierr = IGRAPH_SUCCESS;
    const char *what = "";
    int nomem = 0;
    if (x->btw) {
        what = "measure the betweenness of";
        igraph_vector_t res;
        ierr = igraph_vector_init(&res, 0);
        if (ierr == IGRAPH_SUCCESS) {
            ierr = igraph_betweenness(&g, &res, igraph_vss_all(), IGRAPH_UNDIRECTED, NULL);
            if (ierr == IGRAPH_SUCCESS)
                for (uint32_t i = 0; i < s->n; i++)
                    x->btw[i] = (double)VECTOR(res)[i];
            igraph_vector_destroy(&res);
        }
    }
    if (ierr == IGRAPH_SUCCESS && x->louvain) {
        what = "find the communities (louvain) of";
        ierr = s_louvain(x, &g, &nomem);
    }
    /* igraph's modularity of a graph without edges is NaN: call it 0, as one group */
    if (ierr == IGRAPH_SUCCESS && !nomem && s->n_groups > 1 && x->net->n_edges > 0) {
        what = "measure the modularity of the groups on";
        igraph_vector_int_t memb;
        ierr = igraph_vector_int_init(&memb, (igraph_integer_t)s->n);
        if (ierr == IGRAPH_SUCCESS) {
            for (uint32_t i = 0; i < s->n; i++)
                VECTOR(memb)[i] = (igraph_integer_t)s->group[i];
            igraph_real_t q = 0.0;
            ierr = igraph_modularity(&g, &memb, NULL, 1.0, IGRAPH_UNDIRECTED, &q);
            s->modularity = (double)q;
            igraph_vector_int_destroy(&memb);
        }
    }
    igraph_destroy(&g);
    if (nomem) {
        nn_errorf(err, errlen, "out of memory numbering the groups of %u agents", s->n);
        return NN_ENOMEM;
    }
    if (ierr != IGRAPH_SUCCESS) {
        nn_errorf(err, errlen, "igraph could not %s the network of %u agents: %s (igraph error %d)",
                  what, s->n, igraph_strerror(ierr), (int)ierr);
        return ierr == IGRAPH_ENOMEM ? NN_ENOMEM : NN_EGRAPH;
    }
    return NN_OK;
}

/* --- roles --------------------------------------------------------------------------- */

static int s_roles(nn_structure_t *s, const nn_structure_config_t *cfg, const nn_network_t *net,
                   const double *btw, uint64_t seed, char *err, size_t errlen)
{
    uint32_t n = s->n;
    uint64_t remaining = n;
    if (cfg->n_roles > 3) {
        nn_errorf(err, errlen, "structure has %zu role rules, at most 3 are allowed", cfg->n_roles);
        return NN_ESCENARIO;
    }
    for (size_t i = 0; i < cfg->n_roles; i++) {
        const nn_role_rule_t *r = &cfg->roles[i];
        if (r->role != NN_ROLE_MEDIATOR && r->role != NN_ROLE_ARBITER &&
            r->role != NN_ROLE_LEADER) {
            nn_errorf(err, errlen,
                      "structure.roles[%zu]: role '%s' cannot be given (only mediator, arbiter "
                      "and leader)",
                      i, nn_role_name(r->role));
            return NN_ESCENARIO;
        }
        if (r->by != NN_BY_RANDOM && r->by != NN_BY_DEGREE && r->by != NN_BY_BETWEENNESS) {
            nn_errorf(err, errlen, "structure.roles[%zu]: unknown ranking %d", i, (int)r->by);
            return NN_ESCENARIO;
        }
        uint64_t want = r->count;
        if (!r->by_count) {
            if (!(r->share >= 0.0 && r->share <= 1.0)) {
                nn_errorf(err, errlen,
                          "structure.roles[%zu]: share of %ss must be in [0, 1], got %g", i,
                          nn_role_name(r->role), r->share);
                return NN_ESCENARIO;
            }
            want = (uint64_t)llround(r->share * (double)n);
        }
        if (want > remaining) {
            nn_errorf(err, errlen,
                      "structure.roles[%zu] asks for %llu %ss but only %llu of the %u agents are "
                      "still citizens",
                      i, (unsigned long long)want, nn_role_name(r->role),
                      (unsigned long long)remaining, n);
            return NN_ESCENARIO;
        }
        if (want == 0)
            continue;

        uint64_t taken = 0;
        if (r->by == NN_BY_RANDOM) {
            /* a seeded permutation, as society.c deals populations */
            uint32_t *perm = malloc((size_t)n * sizeof *perm);
            if (!perm) {
                nn_errorf(err, errlen, "out of memory ranking %u agents", n);
                return NN_ENOMEM;
            }
            nn_rng_t g;
            nn_rng_init(&g, seed, NN_STREAM_STRUCTURE, i, 0);
            nn_rng_permutation(&g, perm, n);
            for (uint32_t k = 0; k < n && taken < want; k++)
                if (s->role[perm[k]] == NN_ROLE_CITIZEN) {
                    s->role[perm[k]] = (uint8_t)r->role;
                    taken++;
                }
            free(perm);
        } else {
            s_ranked_t *rk = malloc((size_t)n * sizeof *rk);
            if (!rk) {
                nn_errorf(err, errlen, "out of memory ranking %u agents", n);
                return NN_ENOMEM;
            }
            for (uint32_t k = 0; k < n; k++) {
                rk[k].id = k;
                rk[k].key = r->by == NN_BY_DEGREE ? (double)nn_network_degree(net, k) : btw[k];
            }
            qsort(rk, n, sizeof *rk, s_cmp_ranked);
            for (uint32_t k = 0; k < n && taken < want; k++)
                if (s->role[rk[k].id] == NN_ROLE_CITIZEN) {
                    s->role[rk[k].id] = (uint8_t)r->role;
                    taken++;
                }
            free(rk);
        }
        remaining -= want;
    }
    return NN_OK;
}

/* --- status and hierarchy ------------------------------------------------------------ */

static int s_status(nn_structure_t *s, const nn_structure_config_t *cfg, const nn_network_t *net,
                    const double *btw, const uint8_t *pop, uint64_t seed, char *err, size_t errlen)
{
    uint32_t n = s->n;
    switch (cfg->status) {
    case NN_STATUS_POPULATION:
        if (!pop) {
            nn_errorf(err, errlen, "structure.status.from population needs the populations");
            return NN_EINVAL;
        }
        for (uint32_t i = 0; i < n; i++) {
            unsigned p = pop[i] < NN_MAX_POPULATIONS ? pop[i] : 0;
            double v = cfg->pop_status[p], b = cfg->pop_status_b[p];
            if (cfg->pop_status_dist[p] != NN_DIST_CONSTANT) {
                nn_rng_t g;
                nn_rng_init(&g, seed, NN_STREAM_STRUCTURE, i, S_STATUS_ROUND);
                v = cfg->pop_status_dist[p] == NN_DIST_UNIFORM ? v + (b - v) * nn_rng_unit(&g)
                                                               : v + b * nn_rng_normal(&g);
            }
            s->status[i] = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
        }
        return NN_OK;
    case NN_STATUS_CONSTANT:
        if (!isfinite(cfg->status_value)) {
            nn_errorf(err, errlen, "structure.status.value must be a finite number, got %g",
                      cfg->status_value);
            return NN_ESCENARIO;
        }
        for (uint32_t i = 0; i < n; i++)
            s->status[i] = cfg->status_value;
        return NN_OK;
    case NN_STATUS_DEGREE:
    case NN_STATUS_BETWEENNESS: {
        for (uint32_t i = 0; i < n; i++)
            s->status[i] =
                cfg->status == NN_STATUS_DEGREE ? (double)nn_network_degree(net, i) : btw[i];
        double max = 0.0;
        for (uint32_t i = 0; i < n; i++)
            if (s->status[i] > max)
                max = s->status[i];
        for (uint32_t i = 0; i < n; i++)
            s->status[i] = max > 0.0 ? s->status[i] / max : 0.0;
        return NN_OK;
    }
    }
    nn_errorf(err, errlen, "unknown structure.status.from %d", (int)cfg->status);
    return NN_ESCENARIO;
}

static int s_hierarchy(nn_structure_t *s, const nn_structure_config_t *cfg, char *err,
                       size_t errlen)
{
    uint32_t n = s->n;
    for (uint32_t i = 0; i < n; i++)
        s->superior[i] = NN_NO_SUPERIOR;
    switch (cfg->hierarchy) {
    case NN_HIERARCHY_NONE: return NN_OK;
    case NN_HIERARCHY_GROUP_LEADER: {
        /* best leader by status per group; ascending ids with a strict > keep ties on
         * the lower id */
        uint32_t *best = malloc((size_t)(s->n_groups ? s->n_groups : 1) * sizeof *best);
        if (!best) {
            nn_errorf(err, errlen, "out of memory for the leaders of %u groups", s->n_groups);
            return NN_ENOMEM;
        }
        for (uint32_t g = 0; g < s->n_groups; g++)
            best[g] = NN_NO_SUPERIOR;
        uint32_t top = NN_NO_SUPERIOR;
        for (uint32_t i = 0; i < n; i++) {
            if (s->role[i] != NN_ROLE_LEADER)
                continue;
            uint32_t g = s->group[i];
            if (best[g] == NN_NO_SUPERIOR || s->status[i] > s->status[best[g]])
                best[g] = i;
            if (top == NN_NO_SUPERIOR || s->status[i] > s->status[top])
                top = i;
        }
        if (top == NN_NO_SUPERIOR) {
            free(best);
            nn_errorf(err, errlen,
                      "hierarchy 'group_leader' needs at least one leader, there is none");
            return NN_ESCENARIO;
        }
        for (uint32_t i = 0; i < n; i++)
            if (s->role[i] != NN_ROLE_LEADER)
                s->superior[i] = best[s->group[i]] != NN_NO_SUPERIOR ? best[s->group[i]] : top;
        free(best);
        return NN_OK;
    }
    case NN_HIERARCHY_TREE: {
        if (cfg->branching < 1) {
            nn_errorf(err, errlen, "hierarchy 'tree' needs a branching of at least 1, got %u",
                      cfg->branching);
            return NN_ESCENARIO;
        }
        s_ranked_t *rk = malloc((size_t)(n ? n : 1) * sizeof *rk);
        if (!rk) {
            nn_errorf(err, errlen, "out of memory ranking %u agents", n);
            return NN_ENOMEM;
        }
        s_rank(rk, s->status, n);
        for (uint32_t r = 1; r < n; r++)
            s->superior[rk[r].id] = rk[(r - 1) / cfg->branching].id;
        free(rk);
        return NN_OK;
    }
    }
    nn_errorf(err, errlen, "unknown structure.hierarchy.model %d", (int)cfg->hierarchy);
    return NN_ESCENARIO;
}

/* --- build --------------------------------------------------------------------------- */

static int s_build(nn_structure_t *s, const nn_structure_config_t *cfg, const nn_network_t *net,
                   const nn_network_config_t *net_cfg, const uint8_t *pop, uint64_t seed, char *err,
                   size_t errlen)
{
    uint32_t n = s->n;
    size_t m = n ? n : 1;
    s->role = calloc(m, sizeof *s->role); /* all NN_ROLE_CITIZEN */
    s->group = calloc(m, sizeof *s->group);
    s->superior = malloc(m * sizeof *s->superior);
    s->status = malloc(m * sizeof *s->status);
    s->reputation = malloc(m * sizeof *s->reputation);
    if (!s->role || !s->group || !s->superior || !s->status || !s->reputation) {
        nn_errorf(err, errlen, "out of memory for the structure of %u agents", n);
        return NN_ENOMEM;
    }

    int rc = NN_OK;
    s->n_groups = 1;
    switch (cfg->groups) {
    case NN_GROUPS_NONE: break;
    case NN_GROUPS_SBM: rc = s_groups_sbm(s, net_cfg, err, errlen); break;
    case NN_GROUPS_LOUVAIN: break; /* in the igraph session */
    case NN_GROUPS_FILE: rc = s_groups_file(s, cfg, err, errlen); break;
    default:
        nn_errorf(err, errlen, "unknown structure.groups.from %d", (int)cfg->groups);
        rc = NN_ESCENARIO;
    }
    if (rc != NN_OK)
        return rc;

    int need_btw = cfg->status == NN_STATUS_BETWEENNESS;
    for (size_t i = 0; i < cfg->n_roles && i < 3; i++)
        need_btw |= cfg->roles[i].by == NN_BY_BETWEENNESS;
    s_session_t x = {.s = s, .net = net, .btw = NULL, .louvain = cfg->groups == NN_GROUPS_LOUVAIN};
    if (need_btw) {
        x.btw = malloc(m * sizeof *x.btw);
        if (!x.btw) {
            nn_errorf(err, errlen, "out of memory for the betweenness of %u agents", n);
            return NN_ENOMEM;
        }
    }
    if (need_btw || x.louvain || s->n_groups > 1)
        rc = nn_network_with_igraph(seed, NN_STREAM_STRUCTURE, 0, S_LOUVAIN_ROUND, s_session_cb, &x,
                                    err, errlen);
    if (rc == NN_OK)
        rc = s_roles(s, cfg, net, x.btw, seed, err, errlen);
    if (rc == NN_OK)
        rc = s_status(s, cfg, net, x.btw, pop, seed, err, errlen);
    free(x.btw);
    if (rc == NN_OK)
        rc = s_hierarchy(s, cfg, err, errlen);
    if (rc != NN_OK)
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        s->reputation[i] = 1.0;
        s->role_count[s->role[i]]++;
    }
    return NN_OK;
}

int nn_structure_build(nn_structure_t *out, const nn_structure_config_t *cfg,
                       const nn_network_t *net, const nn_network_config_t *net_cfg,
                       const uint8_t *pop, uint64_t seed, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out) {
        nn_errorf(err, errlen, "nn_structure_build needs somewhere to put the structure");
        return NN_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (!cfg || !net) {
        nn_errorf(err, errlen, "nn_structure_build needs a structure configuration and a network");
        return NN_EINVAL;
    }
    out->n = net->n;
    int rc = s_build(out, cfg, net, net_cfg, pop, seed, err, errlen);
    if (rc != NN_OK)
        nn_structure_release(out);
    return rc;
}

int nn_structure_write_csv(const nn_structure_t *s, FILE *f)
{
    if (!s || !f)
        return NN_EIO;
    if (fputs("id,role,group,superior,status,reputation\n", f) < 0)
        return NN_EIO;
    for (uint32_t i = 0; i < s->n; i++) {
        char sup[16] = "";
        if (s->superior[i] != NN_NO_SUPERIOR)
            snprintf(sup, sizeof sup, "%u", s->superior[i]);
        if (fprintf(f, "%u,%s,%u,%s,%.17g,%.17g\n", i, nn_role_name((nn_role_t)s->role[i]),
                    s->group[i], sup, s->status[i], s->reputation[i]) < 0)
            return NN_EIO;
    }
    return ferror(f) ? NN_EIO : NN_OK;
}
