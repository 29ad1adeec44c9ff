/* Partitioning of the network into P parts; see partition.h. block and hash are closed
 * forms of the id. metis converts the CSR to METIS's idx_t arrays (the network keeps
 * 64-bit offsets and 32-bit ids, METIS one integer type, 32-bit in Debian's build) and
 * calls the k-way partitioner; around it sit the cases where METIS is known to do badly
 * (one part: it divides by zero; more parts than agents: it puts everyone in one part;
 * few agents a part: k-way leaves parts empty), each handled by a method that does
 * better there and named in the result's note. The cut and the balance are always
 * counted here from part[], never taken from METIS, so that every method is measured
 * the same way. */
#include "partition.h"

#include <stdlib.h>
#include <string.h>

#include <metis.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"

#include "diag.h"

#if IDXTYPEWIDTH == 32
#define S_IDX_MAX INT32_MAX
#elif IDXTYPEWIDTH == 64
#define S_IDX_MAX INT64_MAX
#else
#error "metis.h: unknown IDXTYPEWIDTH"
#endif

/* METIS's imbalance tolerances, in its units of 1/1000 over perfect: its defaults for
 * each algorithm, set explicitly so that another METIS release cannot change them. */
#define S_UFACTOR_KWAY      30
#define S_UFACTOR_RECURSIVE 1

const char *nn_partition_method_name(nn_partition_method_t m)
{
    switch (m) {
    case NN_PARTITION_METIS: return "metis";
    case NN_PARTITION_BLOCK: return "block";
    case NN_PARTITION_HASH: return "hash";
    }
    return "?";
}

int nn_partition_method_parse(const char *name, nn_partition_method_t *m)
{
    if (!name || !m)
        return NN_EINVAL;
    for (int i = 0; i < NN_PARTITION_METHODS; i++) {
        if (!strcmp(name, nn_partition_method_name((nn_partition_method_t)i))) {
            *m = (nn_partition_method_t)i;
            return NN_OK;
        }
    }
    return NN_EINVAL;
}

void nn_partition_release(nn_partition_t *p)
{
    if (!p)
        return;
    free(p->part);
    free(p->size);
    memset(p, 0, sizeof *p);
}

int nn_partition_measure(nn_partition_t *p, const nn_network_t *net)
{
    if (!p || !net || !p->size || (net->n > 0 && !p->part) || p->n != net->n || p->parts == 0)
        return NN_EINVAL;
    for (uint32_t i = 0; i < net->n; i++)
        if (p->part[i] >= p->parts)
            return NN_EINVAL;
    memset(p->size, 0, (size_t)p->parts * sizeof *p->size);
    uint64_t cut = 0;
    for (uint32_t i = 0; i < net->n; i++) {
        uint32_t pi = p->part[i];
        p->size[pi]++;
        /* each edge is in both rows: count it from its lower end only */
        for (uint64_t a = net->off[i]; a < net->off[i + 1]; a++)
            cut += net->adj[a] > i && p->part[net->adj[a]] != pi;
    }
    uint64_t largest = 0;
    for (uint32_t k = 0; k < p->parts; k++)
        if (p->size[k] > largest)
            largest = p->size[k];
    p->cut = cut;
    p->balance = net->n ? (double)largest * p->parts / net->n : 1.0;
    return NN_OK;
}

static void s_block(uint32_t *part, uint32_t n, uint32_t parts)
{
    uint32_t q = n / parts, r = n % parts;
    uint64_t big = (uint64_t)r * (q + 1); /* agents in the r larger parts */
    for (uint32_t i = 0; i < n; i++)
        part[i] = i < big ? i / (q + 1) : r + (uint32_t)((i - big) / q);
}

static void s_hash(uint32_t *part, uint32_t n, uint32_t parts, uint64_t seed)
{
    uint64_t key = nn_rng_stream_key(seed, NN_STREAM_PARTITION);
    for (uint32_t i = 0; i < n; i++)
        part[i] = (uint32_t)(nn_rng_at(key, i) % parts);
}

static const char *s_metis_code(int rc)
{
    switch (rc) {
    case METIS_OK: return "METIS_OK";
    case METIS_ERROR_INPUT: return "METIS_ERROR_INPUT";
    case METIS_ERROR_MEMORY: return "METIS_ERROR_MEMORY";
    case METIS_ERROR: return "METIS_ERROR";
    default: return "an unknown code";
    }
}

/* The empty parts of part[0 .. n-1] among parts. */
static uint32_t s_empty_parts(const uint32_t *part, uint32_t n, uint32_t parts, uint64_t *size)
{
    memset(size, 0, (size_t)parts * sizeof *size);
    for (uint32_t i = 0; i < n; i++)
        size[part[i]]++;
    uint32_t empty = 0;
    for (uint32_t k = 0; k < parts; k++)
        empty += size[k] == 0;
    return empty;
}

typedef struct s_metis_graph {
    idx_t nvtxs;
    idx_t *xadj;   /* nvtxs + 1 */
    idx_t *adjncy; /* xadj[nvtxs] */
    idx_t *where;  /* nvtxs: METIS's answer */
} s_metis_graph_t;

static void s_metis_graph_release(s_metis_graph_t *g)
{
    free(g->xadj);
    free(g->adjncy);
    free(g->where);
    memset(g, 0, sizeof *g);
}

/* Copies net into METIS's types, checking that they can hold it and that every id is
 * in range (METIS would read out of bounds on a bad id instead of failing). */
static int s_metis_graph_init(s_metis_graph_t *g, const nn_network_t *net, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    uint64_t entries = net->off[net->n];
    if ((uint64_t)net->n > (uint64_t)S_IDX_MAX || entries > (uint64_t)S_IDX_MAX) {
        nn_errorf(err, errlen,
                  "partition 'metis': the network (%u agents, %llu neighbour entries) is too "
                  "large for this METIS build, whose %d-bit idx_t indexes at most %lld; use "
                  "partition 'block' or 'hash', or a METIS built with IDXTYPEWIDTH 64",
                  net->n, (unsigned long long)entries, IDXTYPEWIDTH, (long long)S_IDX_MAX);
        return NN_ESCENARIO;
    }
    g->nvtxs = (idx_t)net->n;
    g->xadj = malloc(((size_t)net->n + 1) * sizeof *g->xadj);
    g->adjncy = malloc((entries ? (size_t)entries : 1) * sizeof *g->adjncy);
    g->where = malloc((net->n ? (size_t)net->n : 1) * sizeof *g->where);
    if (!g->xadj || !g->adjncy || !g->where) {
        s_metis_graph_release(g);
        nn_errorf(err, errlen, "partition 'metis': out of memory copying %llu entries for METIS",
                  (unsigned long long)entries);
        return NN_ENOMEM;
    }
    for (uint32_t i = 0; i <= net->n; i++)
        g->xadj[i] = (idx_t)net->off[i];
    for (uint32_t i = 0; i < net->n; i++) {
        for (uint64_t a = net->off[i]; a < net->off[i + 1]; a++) {
            if (net->adj[a] >= net->n) {
                nn_errorf(err, errlen,
                          "partition: agent %u has neighbour %u, out of range (%u agents)", i,
                          net->adj[a], net->n);
                s_metis_graph_release(g);
                return NN_EINVAL;
            }
            g->adjncy[a] = (idx_t)net->adj[a];
        }
    }
    return NN_OK;
}

/* One METIS call, k-way or recursive bisection, into g->where. */
static int s_metis_call(s_metis_graph_t *g, uint32_t parts, uint64_t seed, int kway, char *err,
                        size_t errlen)
{
    idx_t options[METIS_NOPTIONS];
    METIS_SetDefaultOptions(options);
    options[METIS_OPTION_OBJTYPE] = METIS_OBJTYPE_CUT;
    options[METIS_OPTION_NUMBERING] = 0;
    options[METIS_OPTION_UFACTOR] = kway ? S_UFACTOR_KWAY : S_UFACTOR_RECURSIVE;
    /* 31 bits of the seed's own stream: never METIS's "-1 = default", never negative */
    options[METIS_OPTION_SEED] = (idx_t)(nn_rng_stream_key(seed, NN_STREAM_PARTITION) >> 33);
    idx_t ncon = 1, nparts = (idx_t)parts, objval = 0;
    int rc = kway ? METIS_PartGraphKway(&g->nvtxs, &ncon, g->xadj, g->adjncy, NULL, NULL, NULL,
                                        &nparts, NULL, NULL, options, &objval, g->where)
                  : METIS_PartGraphRecursive(&g->nvtxs, &ncon, g->xadj, g->adjncy, NULL, NULL, NULL,
                                             &nparts, NULL, NULL, options, &objval, g->where);
    if (rc == METIS_OK)
        return NN_OK;
    nn_errorf(err, errlen, "partition 'metis': %s into %u parts failed with %s (%d)",
              kway ? "METIS_PartGraphKway" : "METIS_PartGraphRecursive", parts, s_metis_code(rc),
              rc);
    return rc == METIS_ERROR_MEMORY ? NN_ENOMEM : NN_EGRAPH;
}

/* Copies METIS's answer into out->part, refusing ids outside 0 .. parts-1 (a METIS bug,
 * but one that would otherwise index out of bounds later). */
static int s_metis_take(nn_partition_t *out, const s_metis_graph_t *g, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < out->n; i++) {
        if (g->where[i] < 0 || (uint64_t)g->where[i] >= out->parts) {
            nn_errorf(err, errlen, "partition 'metis': METIS put agent %u in part %lld of %u", i,
                      (long long)g->where[i], out->parts);
            return NN_EGRAPH;
        }
        out->part[i] = (uint32_t)g->where[i];
    }
    return NN_OK;
}

static int s_metis(nn_partition_t *out, const nn_network_t *net, uint64_t seed, char *err,
                   size_t errlen)
{
    s_metis_graph_t g;
    int rc = s_metis_graph_init(&g, net, err, errlen);
    if (rc != NN_OK)
        return rc;
    rc = s_metis_call(&g, out->parts, seed, 1, err, errlen);
    if (rc == NN_OK)
        rc = s_metis_take(out, &g, err, errlen);
    uint32_t empty = rc == NN_OK ? s_empty_parts(out->part, out->n, out->parts, out->size) : 0;
    if (rc == NN_OK && empty > 0) {
        /* k-way is known to leave parts empty when n / P is small; the recursive
         * bisection that k-way itself starts from does not, or far less */
        uint32_t kway_empty = empty;
        rc = s_metis_call(&g, out->parts, seed, 0, err, errlen);
        if (rc == NN_OK)
            rc = s_metis_take(out, &g, err, errlen);
        empty = rc == NN_OK ? s_empty_parts(out->part, out->n, out->parts, out->size) : 0;
        if (rc == NN_OK && empty == 0) {
            snprintf(out->note, sizeof out->note,
                     "METIS k-way left %u of %u parts empty: its recursive bisection was used",
                     kway_empty, out->parts);
        } else if (rc == NN_OK) {
            s_block(out->part, out->n, out->parts);
            out->method = NN_PARTITION_BLOCK;
            snprintf(out->note, sizeof out->note,
                     "METIS left parts empty (k-way %u of %u, recursive bisection %u): block "
                     "was used",
                     kway_empty, out->parts, empty);
        }
    }
    s_metis_graph_release(&g);
    return rc;
}

int nn_partition_build(nn_partition_t *out, const nn_network_t *net, uint32_t parts,
                       nn_partition_method_t m, uint64_t seed, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out) {
        nn_errorf(err, errlen, "partition: no result to fill");
        return NN_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (!net) {
        nn_errorf(err, errlen, "partition: no network");
        return NN_EINVAL;
    }
    if (parts == 0) {
        nn_errorf(err, errlen, "partition: the number of parts must be at least 1, got 0");
        return NN_EINVAL;
    }
    if (m != NN_PARTITION_METIS && m != NN_PARTITION_BLOCK && m != NN_PARTITION_HASH) {
        nn_errorf(err, errlen, "partition: unknown method %d (methods: metis, block, hash)",
                  (int)m);
        return NN_EINVAL;
    }
    out->n = net->n;
    out->parts = parts;
    out->method = m;
    out->part = calloc(net->n ? net->n : 1, sizeof *out->part);
    out->size = calloc(parts, sizeof *out->size);
    if (!out->part || !out->size) {
        nn_partition_release(out);
        nn_errorf(err, errlen, "partition: out of memory for %u agents in %u parts", net->n, parts);
        return NN_ENOMEM;
    }

    int rc = NN_OK;
    if (parts == 1) {
        /* calloc made every part 0; METIS is never asked for one part */
    } else if (m == NN_PARTITION_BLOCK) {
        s_block(out->part, net->n, parts);
    } else if (m == NN_PARTITION_HASH) {
        s_hash(out->part, net->n, parts, seed);
    } else if (parts >= net->n) {
        s_block(out->part, net->n, parts);
        out->method = NN_PARTITION_BLOCK;
        snprintf(out->note, sizeof out->note,
                 "%u parts for %u agents: at most one agent a part, block was used "
                 "(every edge is cut whatever the assignment)",
                 parts, net->n);
    } else if (net->off[net->n] == 0) {
        s_block(out->part, net->n, parts);
        out->method = NN_PARTITION_BLOCK;
        snprintf(out->note, sizeof out->note,
                 "the network has no edges: block was used (nothing to cut, exact balance)");
    } else {
        rc = s_metis(out, net, seed, err, errlen);
    }
    if (rc == NN_OK)
        rc = nn_partition_measure(out, net);
    if (rc != NN_OK)
        nn_partition_release(out);
    return rc;
}
