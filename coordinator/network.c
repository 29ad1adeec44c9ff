/* The society's network; see network.h. Generated models go through igraph with
 * nunchi's counter-based generator installed as igraph's default RNG and a
 * non-aborting error handler, both for the duration of one build only. The igraph
 * graph lives just long enough to measure clustering and to be copied into CSR; an
 * edge-list file never becomes an igraph graph at all: it is parsed straight into CSR
 * and its clustering is counted on the CSR, which keeps the memory of a large file at
 * about 16 bytes an edge. */
#include "network.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"

#include "diag.h"

/* Rows up to this length are sorted by insertion, longer ones by qsort. */
#define S_SMALL_ROW 24
/* How much of a bad line is quoted back in a message. */
#define S_QUOTE_MAX 60

const char *nn_network_model_name(nn_net_model_t m)
{
    switch (m) {
    case NN_NET_COMPLETE: return "complete";
    case NN_NET_RING: return "ring";
    case NN_NET_ERDOS_RENYI: return "erdos_renyi";
    case NN_NET_WATTS_STROGATZ: return "watts_strogatz";
    case NN_NET_BARABASI_ALBERT: return "barabasi_albert";
    case NN_NET_SBM: return "sbm";
    case NN_NET_FILE: return "file";
    default: return "?";
    }
}

void nn_network_destroy(nn_network_t **net)
{
    if (!net || !*net)
        return;
    free((*net)->off);
    free((*net)->adj);
    free(*net);
    *net = NULL;
}

/* --- parameters ---------------------------------------------------------------------- */

static int s_is_prob(double p)
{
    return p >= 0.0 && p <= 1.0; /* false for NaN */
}

/* The model's parameters against n, before igraph sees them: igraph refuses some of
 * these itself, but not all (a ring with k >= n silently becomes something else). */
static int s_check(const nn_network_config_t *cfg, uint32_t n, char *err, size_t errlen)
{
    const char *name = nn_network_model_name(cfg->model);
    if (!strcmp(name, "?")) {
        nn_errorf(err, errlen, "unknown network model %d", (int)cfg->model);
        return NN_ESCENARIO;
    }
    if (n < 2) {
        nn_errorf(err, errlen, "network '%s' needs at least 2 agents (the scenario has %u)", name,
                  n);
        return NN_ESCENARIO;
    }
    switch (cfg->model) {
    case NN_NET_COMPLETE: break;
    case NN_NET_RING:
    case NN_NET_WATTS_STROGATZ:
        if (cfg->k < 2 || cfg->k % 2 != 0 || cfg->k >= n) {
            nn_errorf(err, errlen,
                      "network '%s' needs an even degree k with 2 <= k < %u (the agent count), "
                      "got k = %u",
                      name, n, cfg->k);
            return NN_ESCENARIO;
        }
        if (cfg->model == NN_NET_WATTS_STROGATZ && !s_is_prob(cfg->p)) {
            nn_errorf(err, errlen, "network '%s' needs a rewiring probability p in [0, 1], got %g",
                      name, cfg->p);
            return NN_ESCENARIO;
        }
        break;
    case NN_NET_ERDOS_RENYI:
        if (cfg->mean_degree > 0.0) {
            if (!isfinite(cfg->mean_degree)) {
                nn_errorf(err, errlen, "network '%s' needs a finite mean_degree, got %g", name,
                          cfg->mean_degree);
                return NN_ESCENARIO;
            }
        } else if (cfg->mean_degree < 0.0 || isnan(cfg->mean_degree)) {
            nn_errorf(err, errlen, "network '%s' needs mean_degree > 0 (or p), got %g", name,
                      cfg->mean_degree);
            return NN_ESCENARIO;
        } else if (!s_is_prob(cfg->p)) {
            nn_errorf(err, errlen, "network '%s' needs an edge probability p in [0, 1], got %g",
                      name, cfg->p);
            return NN_ESCENARIO;
        }
        break;
    case NN_NET_BARABASI_ALBERT:
        if (cfg->m < 1 || cfg->m >= n) {
            nn_errorf(err, errlen,
                      "network '%s' needs m edges per new agent with 1 <= m < %u (the agent "
                      "count), got m = %u",
                      name, n, cfg->m);
            return NN_ESCENARIO;
        }
        break;
    case NN_NET_SBM: {
        if (cfg->n_blocks < 1 || cfg->n_blocks > NN_NET_MAX_BLOCKS) {
            nn_errorf(err, errlen, "network '%s' needs 1 to %d blocks, got %zu", name,
                      NN_NET_MAX_BLOCKS, cfg->n_blocks);
            return NN_ESCENARIO;
        }
        uint64_t sum = 0;
        for (size_t b = 0; b < cfg->n_blocks; b++) {
            if (cfg->blocks[b] == 0) {
                nn_errorf(err, errlen, "network '%s': block %zu is empty", name, b);
                return NN_ESCENARIO;
            }
            sum += cfg->blocks[b];
        }
        if (sum != n) {
            nn_errorf(err, errlen,
                      "network '%s': the block sizes sum to %llu but the scenario has %u agents",
                      name, (unsigned long long)sum, n);
            return NN_ESCENARIO;
        }
        if (!s_is_prob(cfg->p_in) || !s_is_prob(cfg->p_out)) {
            nn_errorf(err, errlen, "network '%s' needs p_in and p_out in [0, 1], got %g and %g",
                      name, cfg->p_in, cfg->p_out);
            return NN_ESCENARIO;
        }
        break;
    }
    case NN_NET_FILE:
        if (!cfg->path[0] && !cfg->resolved_path[0]) {
            nn_errorf(err, errlen, "network 'file' needs a path");
            return NN_ESCENARIO;
        }
        break;
    }
    return NN_OK;
}

/* --- CSR ----------------------------------------------------------------------------- */

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void s_sort_row(uint32_t *a, uint64_t len)
{
    if (len > S_SMALL_ROW) {
        qsort(a, (size_t)len, sizeof *a, s_cmp_u32);
        return;
    }
    for (uint64_t i = 1; i < len; i++) {
        uint32_t v = a[i];
        uint64_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Sorts each row of a filled CSR, drops repeats and shrinks adj to fit; returns the
 * number of undirected duplicates removed (a repeated pair shows in both its rows and
 * is counted once). */
static uint64_t s_finish_rows(nn_network_t *net)
{
    uint32_t n = net->n;
    uint64_t w = 0, start = 0, dups = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t end = net->off[i + 1];
        s_sort_row(net->adj + start, end - start);
        net->off[i] = w;
        for (uint64_t j = start; j < end; j++) {
            uint32_t v = net->adj[j];
            if (w > net->off[i] && net->adj[w - 1] == v) {
                if (i < v)
                    dups++; /* the same pair repeats in row v: count it once */
                continue;
            }
            net->adj[w++] = v;
        }
        start = end;
    }
    net->off[n] = w;
    net->n_edges = w / 2;
    if (w > 0 && w < start) {
        uint32_t *t = realloc(net->adj, (size_t)w * sizeof *net->adj);
        if (t)
            net->adj = t;
    }
    return dups;
}

/* An empty network object for n vertices with off zeroed and room for adj_len entries
 * (at least one, so that adj is never NULL). */
static int s_alloc(nn_network_t **out, uint32_t n, uint64_t adj_len, char *err, size_t errlen)
{
    nn_network_t *net = calloc(1, sizeof *net);
    if (net) {
        net->n = n;
        net->off = calloc((size_t)n + 1, sizeof *net->off);
        if (adj_len <= SIZE_MAX / sizeof *net->adj)
            net->adj = malloc((size_t)(adj_len ? adj_len : 1) * sizeof *net->adj);
    }
    if (!net || !net->off || !net->adj) {
        nn_network_destroy(&net);
        nn_errorf(err, errlen, "out of memory for a network of %u agents and %llu edge ends", n,
                  (unsigned long long)adj_len);
        return NN_ENOMEM;
    }
    *out = net;
    return NN_OK;
}

/* Turns degree counts in off[u + 1] into shifted row starts, off[u + 1] = start of
 * row u, so that filling with `adj[off[u + 1]++] = v` leaves off[u + 1] at the end of
 * row u, which is the start of row u + 1: after the fill off is the CSR as it stands. */
static void s_prefix(nn_network_t *net)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i <= net->n; i++) {
        uint64_t d = net->off[i];
        net->off[i] = sum;
        sum += d;
    }
}

/* --- average local clustering on CSR (for edge-list files) ---------------------------- */

static int s_clustering_csr(nn_network_t *net, char *err, size_t errlen)
{
    uint32_t n = net->n;
    uint32_t *mark = calloc((size_t)n, sizeof *mark);
    if (!mark) {
        nn_errorf(err, errlen, "out of memory measuring the clustering of %u agents", n);
        return NN_ENOMEM;
    }
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t d = nn_network_degree(net, i);
        if (d < 2)
            continue;
        uint32_t stamp = i + 1;
        for (uint64_t a = net->off[i]; a < net->off[i + 1]; a++)
            mark[net->adj[a]] = stamp;
        uint64_t tri = 0;
        for (uint64_t a = net->off[i]; a < net->off[i + 1]; a++) {
            uint32_t u = net->adj[a];
            /* Each triangle i-u-w once, from its smaller other corner u < w. */
            for (uint64_t b = net->off[u + 1]; b > net->off[u]; b--) {
                uint32_t w = net->adj[b - 1];
                if (w <= u)
                    break;
                if (mark[w] == stamp)
                    tri++;
            }
        }
        sum += (double)tri / ((double)d * (double)(d - 1) / 2.0);
    }
    free(mark);
    net->clustering = sum / (double)n;
    return NN_OK;
}

/* --- edge-list files ----------------------------------------------------------------- */

typedef struct s_edges {
    uint32_t *uv; /* pairs */
    uint64_t len; /* pairs held */
    uint64_t cap;
} s_edges_t;

static int s_edges_push(s_edges_t *e, uint32_t u, uint32_t v)
{
    if (e->len == e->cap) {
        uint64_t cap = e->cap ? e->cap * 2 : 4096;
        if (cap > SIZE_MAX / (2 * sizeof *e->uv))
            return NN_ENOMEM;
        uint32_t *t = realloc(e->uv, (size_t)cap * 2 * sizeof *t);
        if (!t)
            return NN_ENOMEM;
        e->uv = t;
        e->cap = cap;
    }
    e->uv[2 * e->len] = u;
    e->uv[2 * e->len + 1] = v;
    e->len++;
    return NN_OK;
}

static int s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Reads an optionally negative decimal integer at *p (at most end); its value
 * saturates far outside the uint32 range, which is all that the range check needs.
 * 0 when there are no digits. */
static int s_parse_id(const char **p, const char *end, long long *out)
{
    const char *s = *p;
    int neg = 0;
    if (s < end && *s == '-') {
        neg = 1;
        s++;
    }
    if (s >= end || *s < '0' || *s > '9')
        return 0;
    long long v = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++)
        if (v < (1LL << 40))
            v = v * 10 + (*s - '0');
    *out = neg ? -v : v;
    *p = s;
    return 1;
}

/* One line of an edge list: 1 with *u, *v set, 0 for a blank or comment line, -1 for a
 * malformed line, -2 for an id out of range (*bad and *bad_len are its text). */
static int s_parse_line(const char *line, size_t len, uint32_t n, uint32_t *u, uint32_t *v,
                        const char **bad, int *bad_len)
{
    const char *p = line, *end = line + len;
    const char *hash = memchr(line, '#', len);
    if (hash)
        end = hash;
    while (end > p && (s_space(end[-1]) || end[-1] == '\n'))
        end--;
    while (p < end && s_space(*p))
        p++;
    if (p == end)
        return 0;

    long long a, b;
    const char *a_at = p;
    if (!s_parse_id(&p, end, &a))
        return -1;
    int a_len = (int)(p - a_at);
    const char *gap = p;
    while (p < end && s_space(*p))
        p++;
    if (p < end && *p == ',') {
        p++;
        while (p < end && s_space(*p))
            p++;
    } else if (p == gap) {
        return -1; /* "1x2": no separator */
    }
    const char *b_at = p;
    if (!s_parse_id(&p, end, &b) || p != end)
        return -1;
    if (a < 0 || a >= (long long)n) {
        *bad = a_at;
        *bad_len = a_len;
        return -2;
    }
    if (b < 0 || b >= (long long)n) {
        *bad = b_at;
        *bad_len = (int)(p - b_at);
        return -2;
    }
    *u = (uint32_t)a;
    *v = (uint32_t)b;
    return 1;
}

static int s_build_file(nn_network_t **out, const nn_network_config_t *cfg, uint32_t n,
                        uint64_t *dropped, char *err, size_t errlen)
{
    const char *open_path = cfg->resolved_path[0] ? cfg->resolved_path : cfg->path;
    const char *name = cfg->path[0] ? cfg->path : cfg->resolved_path;
    FILE *f = fopen(open_path, "r");
    if (!f) {
        nn_errorf(err, errlen, "cannot open the network edge list '%s': %s", name, strerror(errno));
        return NN_EIO;
    }

    s_edges_t e = {NULL, 0, 0};
    uint64_t loops = 0, lineno = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = NN_OK;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        uint32_t u = 0, v = 0;
        const char *bad = NULL;
        int bad_len = 0;
        int r = s_parse_line(line, (size_t)got, n, &u, &v, &bad, &bad_len);
        if (r == 0)
            continue;
        if (r == -1) {
            size_t q = (size_t)got;
            while (q > 0 && (line[q - 1] == '\n' || line[q - 1] == '\r'))
                q--;
            nn_errorf(err, errlen, "%s:%llu: expected an edge as 'u v' or 'u,v', got '%.*s%s'",
                      name, (unsigned long long)lineno, (int)(q > S_QUOTE_MAX ? S_QUOTE_MAX : q),
                      line, q > S_QUOTE_MAX ? "..." : "");
            rc = NN_ESCENARIO;
            break;
        }
        if (r == -2) {
            nn_errorf(err, errlen,
                      "%s:%llu: agent id %.*s is out of range (the scenario has %u agents: "
                      "0..%u)",
                      name, (unsigned long long)lineno,
                      bad_len > S_QUOTE_MAX ? S_QUOTE_MAX : bad_len, bad, n, n - 1);
            rc = NN_ESCENARIO;
            break;
        }
        if (u == v) {
            loops++;
            continue;
        }
        if (s_edges_push(&e, u, v) != NN_OK) {
            nn_errorf(err, errlen, "%s:%llu: out of memory reading the edge list", name,
                      (unsigned long long)lineno);
            rc = NN_ENOMEM;
            break;
        }
    }
    if (rc == NN_OK && ferror(f)) {
        nn_errorf(err, errlen, "error reading the network edge list '%s': %s", name,
                  strerror(errno));
        rc = NN_EIO;
    }
    free(line);
    fclose(f);

    nn_network_t *net = NULL;
    if (rc == NN_OK)
        rc = s_alloc(&net, n, 2 * e.len, err, errlen);
    if (rc != NN_OK) {
        free(e.uv);
        return rc;
    }
    for (uint64_t i = 0; i < e.len; i++) {
        net->off[e.uv[2 * i] + 1]++;
        net->off[e.uv[2 * i + 1] + 1]++;
    }
    s_prefix(net);
    for (uint64_t i = 0; i < e.len; i++) {
        uint32_t u = e.uv[2 * i], v = e.uv[2 * i + 1];
        net->adj[net->off[u + 1]++] = v;
        net->adj[net->off[v + 1]++] = u;
    }
    free(e.uv);
    uint64_t dups = s_finish_rows(net);

    rc = s_clustering_csr(net, err, errlen);
    if (rc != NN_OK) {
        nn_network_destroy(&net);
        return rc;
    }
    if (dropped)
        *dropped = loops + dups;
    *out = net;
    return NN_OK;
}

/* --- igraph -------------------------------------------------------------------------- */

/* nunchi's generator behind igraph's RNG interface: the state is an nn_rng_t keyed by
 * (seed, NN_STREAM_NETWORK, 0, 0) whose draw counter runs through the whole build. */
static igraph_error_t s_rng_init(void **state)
{
    nn_rng_t *r = calloc(1, sizeof *r);
    if (!r)
        return IGRAPH_ENOMEM;
    *state = r;
    return IGRAPH_SUCCESS;
}

static void s_rng_destroy(void *state)
{
    free(state);
}

static igraph_error_t s_rng_seed(void *state, igraph_uint_t seed)
{
    nn_rng_init(state, (uint64_t)seed, NN_STREAM_NETWORK, 0, 0);
    return IGRAPH_SUCCESS;
}

static igraph_uint_t s_rng_get(void *state)
{
    return (igraph_uint_t)nn_rng_u64(state);
}

static const igraph_rng_type_t s_rng_type = {
    .name = "nunchi",
    .bits = sizeof(igraph_uint_t) * 8, /* 64 with Debian's igraph */
    .init = s_rng_init,
    .destroy = s_rng_destroy,
    .seed = s_rng_seed,
    .get = s_rng_get,
};

int nn_network_igraph_code(igraph_error_t ierr)
{
    if (ierr == IGRAPH_SUCCESS)
        return NN_OK;
    if (ierr == IGRAPH_ENOMEM)
        return NN_ENOMEM;
    if (ierr == IGRAPH_EINVAL)
        return NN_ESCENARIO;
    return NN_EGRAPH;
}

static int s_igraph_fail(igraph_error_t ierr, const char *what, const char *model, char *err,
                         size_t errlen)
{
    nn_errorf(err, errlen, "igraph could not %s the '%s' network: %s (igraph error %d)", what,
              model, igraph_strerror(ierr), (int)ierr);
    return nn_network_igraph_code(ierr);
}

static igraph_error_t s_generate(igraph_t *g, const nn_network_config_t *cfg, uint32_t n)
{
    igraph_integer_t nn = (igraph_integer_t)n;
    igraph_error_t ierr;
    switch (cfg->model) {
    case NN_NET_COMPLETE: return igraph_full(g, nn, IGRAPH_UNDIRECTED, IGRAPH_NO_LOOPS);
    case NN_NET_RING:
        /* The circular 1-d lattice with k / 2 neighbours on each side; igraph_ring is
         * only the k = 2 case. With p = 0 the game is exactly that lattice. */
        return igraph_watts_strogatz_game(g, 1, nn, cfg->k / 2, 0.0, 0, 0);
    case NN_NET_WATTS_STROGATZ:
        return igraph_watts_strogatz_game(g, 1, nn, cfg->k / 2, cfg->p, 0, 0);
    case NN_NET_ERDOS_RENYI: {
        double p = cfg->p;
        if (cfg->mean_degree > 0.0) {
            p = cfg->mean_degree / (double)(n - 1);
            if (p > 1.0)
                p = 1.0;
        }
        return igraph_erdos_renyi_game_gnp(g, nn, p, IGRAPH_UNDIRECTED, IGRAPH_NO_LOOPS);
    }
    case NN_NET_BARABASI_ALBERT:
        return igraph_barabasi_game(g, nn, 1.0, (igraph_integer_t)cfg->m, NULL, 0, 1.0,
                                    IGRAPH_UNDIRECTED, IGRAPH_BARABASI_PSUMTREE, NULL);
    case NN_NET_SBM: {
        igraph_matrix_t pref;
        igraph_vector_int_t sizes;
        igraph_integer_t k = (igraph_integer_t)cfg->n_blocks;
        ierr = igraph_matrix_init(&pref, k, k);
        if (ierr != IGRAPH_SUCCESS)
            return ierr;
        ierr = igraph_vector_int_init(&sizes, k);
        if (ierr != IGRAPH_SUCCESS) {
            igraph_matrix_destroy(&pref);
            return ierr;
        }
        for (igraph_integer_t i = 0; i < k; i++) {
            VECTOR(sizes)[i] = (igraph_integer_t)cfg->blocks[i];
            for (igraph_integer_t j = 0; j < k; j++)
                MATRIX(pref, i, j) = i == j ? cfg->p_in : cfg->p_out;
        }
        ierr = igraph_sbm_game(g, nn, &pref, &sizes, IGRAPH_UNDIRECTED, IGRAPH_NO_LOOPS);
        igraph_vector_int_destroy(&sizes);
        igraph_matrix_destroy(&pref);
        return ierr;
    }
    case NN_NET_FILE: break;
    }
    return IGRAPH_EINVAL;
}

/* Generates, measures and converts; runs with nunchi's RNG and the quiet error handler
 * installed. On failure no igraph graph is left behind. */
static int s_build_igraph_inner(nn_network_t **out, const nn_network_config_t *cfg, uint32_t n,
                                char *err, size_t errlen)
{
    const char *model = nn_network_model_name(cfg->model);
    igraph_t g;
    igraph_error_t ierr = s_generate(&g, cfg, n);
    if (ierr != IGRAPH_SUCCESS)
        return s_igraph_fail(ierr, "generate", model, err, errlen);

    /* Clustering first: igraph's adjacency lists for it and our CSR are then never
     * alive at the same time. */
    igraph_real_t clustering = 0.0;
    ierr = igraph_transitivity_avglocal_undirected(&g, &clustering, IGRAPH_TRANSITIVITY_ZERO);
    if (ierr != IGRAPH_SUCCESS) {
        igraph_destroy(&g);
        return s_igraph_fail(ierr, "measure the clustering of", model, err, errlen);
    }

    igraph_integer_t m = igraph_ecount(&g);
    nn_network_t *net = NULL;
    int rc = s_alloc(&net, n, 2 * (uint64_t)m, err, errlen);
    if (rc != NN_OK) {
        igraph_destroy(&g);
        return rc;
    }
    for (igraph_integer_t e = 0; e < m; e++) {
        igraph_integer_t u = IGRAPH_FROM(&g, e), v = IGRAPH_TO(&g, e);
        if (u != v) {
            net->off[u + 1]++;
            net->off[v + 1]++;
        }
    }
    s_prefix(net);
    for (igraph_integer_t e = 0; e < m; e++) {
        igraph_integer_t u = IGRAPH_FROM(&g, e), v = IGRAPH_TO(&g, e);
        if (u != v) {
            net->adj[net->off[u + 1]++] = (uint32_t)v;
            net->adj[net->off[v + 1]++] = (uint32_t)u;
        }
    }
    igraph_destroy(&g);
    /* The generators are asked for simple graphs; should one ever return a loop or a
     * repeated edge anyway, the CSR invariants still hold. */
    (void)s_finish_rows(net);
    net->clustering = (double)clustering;
    *out = net;
    return NN_OK;
}

int nn_network_with_igraph(uint64_t seed, uint64_t stream, uint64_t agent, uint64_t round,
                           nn_network_igraph_fn *fn, void *arg, char *err, size_t errlen)
{
    /* igraph's default handler aborts the process; this one frees igraph's temporaries
     * and returns the code, which the callback translates. */
    igraph_error_handler_t *old_handler = igraph_set_error_handler(igraph_error_handler_ignore);

    igraph_rng_t rng;
    igraph_error_t ierr = igraph_rng_init(&rng, &s_rng_type);
    if (ierr != IGRAPH_SUCCESS) {
        igraph_set_error_handler(old_handler);
        nn_errorf(err, errlen, "out of memory for igraph's random generator");
        return NN_ENOMEM;
    }
    igraph_rng_seed(&rng, (igraph_uint_t)seed); /* also marks it seeded: no time(0) */
    /* seeding keys the state by (seed, NN_STREAM_NETWORK, 0, 0); re-key it for the
     * caller's purpose (the same key for a network build) */
    nn_rng_init(rng.state, seed, stream, agent, round);

    /* igraph_rng_set_default copies the struct: keep a copy of the old one to put back. */
    igraph_rng_t old_rng = *igraph_rng_default();
    igraph_rng_set_default(&rng);

    int rc = fn(arg, err, errlen);

    igraph_rng_set_default(&old_rng);
    igraph_rng_destroy(&rng);
    igraph_set_error_handler(old_handler);
    return rc;
}

int nn_network_to_igraph(const nn_network_t *net, igraph_t *g, char *err, size_t errlen)
{
    if (net->n_edges > (uint64_t)IGRAPH_INTEGER_MAX / 2) {
        nn_errorf(err, errlen, "a network of %llu edges is too large for igraph",
                  (unsigned long long)net->n_edges);
        return NN_EGRAPH;
    }
    igraph_vector_int_t edges;
    igraph_error_t ierr = igraph_vector_int_init(&edges, (igraph_integer_t)(2 * net->n_edges));
    if (ierr == IGRAPH_SUCCESS) {
        igraph_integer_t at = 0;
        for (uint32_t u = 0; u < net->n; u++)
            for (uint64_t a = net->off[u]; a < net->off[u + 1]; a++)
                if (net->adj[a] > u) {
                    VECTOR(edges)[at++] = (igraph_integer_t)u;
                    VECTOR(edges)[at++] = (igraph_integer_t)net->adj[a];
                }
        ierr = igraph_create(g, &edges, (igraph_integer_t)net->n, IGRAPH_UNDIRECTED);
        igraph_vector_int_destroy(&edges);
    }
    if (ierr != IGRAPH_SUCCESS) {
        nn_errorf(err, errlen,
                  "igraph could not copy the network of %u agents and %llu edges: %s "
                  "(igraph error %d)",
                  net->n, (unsigned long long)net->n_edges, igraph_strerror(ierr), (int)ierr);
        return ierr == IGRAPH_ENOMEM ? NN_ENOMEM : NN_EGRAPH;
    }
    return NN_OK;
}

typedef struct s_build_arg {
    nn_network_t **out;
    const nn_network_config_t *cfg;
    uint32_t n;
} s_build_arg_t;

static int s_build_igraph_cb(void *arg, char *err, size_t errlen)
{
    s_build_arg_t *a = arg;
    return s_build_igraph_inner(a->out, a->cfg, a->n, err, errlen);
}

static int s_build_igraph(nn_network_t **out, const nn_network_config_t *cfg, uint32_t n,
                          uint64_t seed, char *err, size_t errlen)
{
    s_build_arg_t a = {.out = out, .cfg = cfg, .n = n};
    return nn_network_with_igraph(seed, NN_STREAM_NETWORK, 0, 0, s_build_igraph_cb, &a, err,
                                  errlen);
}

int nn_network_build(nn_network_t **out, const nn_network_config_t *cfg, uint32_t n, uint64_t seed,
                     uint64_t *dropped, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (dropped)
        *dropped = 0;
    if (!out) {
        nn_errorf(err, errlen, "nn_network_build needs somewhere to put the network");
        return NN_EINVAL;
    }
    *out = NULL;
    if (!cfg) {
        nn_errorf(err, errlen, "nn_network_build needs a network configuration");
        return NN_EINVAL;
    }
    int rc = s_check(cfg, n, err, errlen);
    if (rc != NN_OK)
        return rc;
    if (cfg->model == NN_NET_FILE) {
        rc = s_build_file(out, cfg, n, dropped, err, errlen);
        /* say which scenario key named the file */
        size_t used = err ? strlen(err) : 0;
        if (rc != NN_OK && cfg->path_where[0] && used + 8 < errlen)
            snprintf(err + used, errlen - used, " (from %s)", cfg->path_where);
        return rc;
    }
    return s_build_igraph(out, cfg, n, seed, err, errlen);
}

double nn_network_expected_entries(const nn_network_config_t *cfg, uint32_t n)
{
    double dn = (double)n;
    switch (cfg->model) {
    case NN_NET_COMPLETE: return dn * (dn - 1.0);
    case NN_NET_RING:
    case NN_NET_WATTS_STROGATZ: return dn * (double)cfg->k;
    case NN_NET_ERDOS_RENYI:
        return cfg->mean_degree > 0 ? dn * cfg->mean_degree : cfg->p * dn * (dn - 1.0);
    case NN_NET_BARABASI_ALBERT: return 2.0 * (double)cfg->m * dn;
    case NN_NET_SBM: {
        double e = 0.0;
        for (size_t a = 0; a < cfg->n_blocks; a++)
            for (size_t b = 0; b < cfg->n_blocks; b++) {
                double na = (double)cfg->blocks[a], nb = (double)cfg->blocks[b];
                e += a == b ? cfg->p_in * na * (na - 1.0) : cfg->p_out * na * nb;
            }
        return e;
    }
    default: return 0.0;
    }
}

int nn_network_write_edges(const nn_network_t *net, FILE *f)
{
    if (!net || !f)
        return NN_EINVAL;
    for (uint32_t u = 0; u < net->n; u++) {
        for (uint64_t a = net->off[u]; a < net->off[u + 1]; a++) {
            uint32_t v = net->adj[a];
            if (v > u && fprintf(f, "%u,%u\n", u, v) < 0)
                return NN_EIO;
        }
    }
    return ferror(f) ? NN_EIO : NN_OK;
}
