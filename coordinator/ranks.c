/* MPI for the coordinator; see ranks.h. */
#include "ranks.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nunchi/error.h"

long nn_ranks_launched(long *rank)
{
    const char *size = getenv("OMPI_COMM_WORLD_SIZE"), *r = getenv("OMPI_COMM_WORLD_RANK");
    if (!size) {
        size = getenv("PMI_SIZE");
        r = getenv("PMI_RANK");
    }
    long n = size ? strtol(size, NULL, 10) : 1;
    *rank = r ? strtol(r, NULL, 10) : 0;
    return n > 1 ? n : 1;
}

/* Grows *buf to at least need bytes. */
static int s_reserve(void **buf, size_t *cap, size_t need)
{
    if (need <= *cap && *buf)
        return NN_OK;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    void *p = realloc(*buf, c);
    if (!p)
        return NN_ENOMEM;
    *buf = p;
    *cap = c;
    return NN_OK;
}

/* What an allgather is with one rank: a copy. */
static int s_allgather_one(const void *mine, size_t bytes, void **all, size_t *cap, size_t *counts)
{
    if (s_reserve(all, cap, bytes ? bytes : 1) != NN_OK)
        return NN_ENOMEM;
    if (bytes)
        memcpy(*all, mine, bytes);
    if (counts)
        counts[0] = bytes;
    return NN_OK;
}

#ifdef NUNCHI_HAVE_MPI

#include <mpi.h>

struct nn_ranks {
    MPI_Comm comm;
    int rank, size;
};

struct nn_ranks_graph {
    nn_ranks_t *w;
    MPI_Comm comm;
    int degree;
    int *ranks;
    uint64_t *counts_out, *counts_in; /* degree each */
    int *sc, *sd, *rc, *rd;           /* degree each: one piece's counts and offsets */
};

int nn_ranks_available(void)
{
    return 1;
}

int nn_ranks_init(nn_ranks_t **out, int *argc, char ***argv, char *err, size_t errlen)
{
    *out = NULL;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        snprintf(err, errlen, "MPI_Init_thread failed");
        return NN_EMPI;
    }
    nn_ranks_t *w = calloc(1, sizeof *w);
    if (!w) {
        MPI_Finalize();
        return NN_ENOMEM;
    }
    w->comm = MPI_COMM_WORLD;
    MPI_Comm_rank(w->comm, &w->rank);
    MPI_Comm_size(w->comm, &w->size);
    *out = w;
    return NN_OK;
}

void nn_ranks_finalize(nn_ranks_t **w)
{
    if (!w || !*w)
        return;
    MPI_Finalize();
    free(*w);
    *w = NULL;
}

void nn_ranks_abort(nn_ranks_t *w, int status)
{
    if (w)
        MPI_Abort(w->comm, status);
    exit(status);
}

int nn_ranks_rank(const nn_ranks_t *w)
{
    return w ? w->rank : 0;
}

int nn_ranks_size(const nn_ranks_t *w)
{
    return w ? w->size : 1;
}

/* The largest piece one call moves: MPI counts are int. NUNCHI_MPI_PIECE_BYTES lowers it,
 * so that the tests can take the piecewise paths with small societies. */
static size_t s_piece_bytes(void)
{
    static size_t piece;
    if (!piece) {
        const char *e = getenv("NUNCHI_MPI_PIECE_BYTES");
        long long v = e ? atoll(e) : 0;
        piece = v >= 64 && v <= INT_MAX / 2 ? (size_t)v : (size_t)INT_MAX / 2 + 1;
    }
    return piece;
}
#define S_PIECE s_piece_bytes()

int nn_ranks_bcast(nn_ranks_t *w, void *buf, size_t bytes, int root)
{
    if (!w)
        return NN_OK;
    for (size_t at = 0; at < bytes; at += S_PIECE) {
        size_t n = bytes - at < S_PIECE ? bytes - at : S_PIECE;
        if (MPI_Bcast((char *)buf + at, (int)n, MPI_BYTE, root, w->comm) != MPI_SUCCESS)
            return NN_EMPI;
    }
    return NN_OK;
}

int nn_ranks_sum_u64(nn_ranks_t *w, uint64_t *v, size_t n)
{
    if (!w || n == 0)
        return NN_OK;
    for (size_t at = 0; at < n; at += S_PIECE / 8) {
        size_t k = n - at < S_PIECE / 8 ? n - at : S_PIECE / 8;
        if (MPI_Allreduce(MPI_IN_PLACE, v + at, (int)k, MPI_UINT64_T, MPI_SUM, w->comm) !=
            MPI_SUCCESS)
            return NN_EMPI;
    }
    return NN_OK;
}

/* Waits for a request without taking a core: MPI's blocking calls poll without pause,
 * and a rank that waits for another one's nodes would take the CPU they need when ranks
 * share cores. A few polls first, then polls 50 microseconds apart. */
static int s_wait(MPI_Request *q)
{
    for (int i = 0;; i++) {
        int done = 0;
        if (MPI_Test(q, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return NN_EMPI;
        if (done)
            return NN_OK;
        if (i >= 64) {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
}

int nn_ranks_max_int(nn_ranks_t *w, int *v)
{
    if (!w)
        return NN_OK;
    /* every rank arrives here when its nodes have answered: the wait can be long */
    MPI_Request q;
    if (MPI_Iallreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_MAX, w->comm, &q) != MPI_SUCCESS)
        return NN_EMPI;
    return s_wait(&q);
}

int nn_ranks_gather(nn_ranks_t *w, const void *mine, size_t bytes, void *all, int root)
{
    if (!w) {
        memcpy(all, mine, bytes);
        return NN_OK;
    }
    if (bytes > (size_t)INT_MAX)
        return NN_EINVAL;
    return MPI_Gather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, root, w->comm) ==
                   MPI_SUCCESS
               ? NN_OK
               : NN_EMPI;
}

/* Moves variable pieces between ranks with Alltoallv (comm: the world) or
 * Neighbor_alltoallv (graph): the counts first (uint64 each), then the bytes, in rounds
 * of pieces no larger than S_PIECE per peer, so that no int count overflows. */
static int s_exchange(MPI_Comm comm, int graph, int peers, const void *send,
                      const size_t *send_bytes, void **recv, size_t *cap, size_t *recv_bytes,
                      uint64_t *cout, uint64_t *cin, int *sc, int *sd, int *rc, int *rd)
{
    for (int j = 0; j < peers; j++)
        cout[j] = send_bytes[j];
    int e = graph ? MPI_Neighbor_alltoall(cout, 1, MPI_UINT64_T, cin, 1, MPI_UINT64_T, comm)
                  : MPI_Alltoall(cout, 1, MPI_UINT64_T, cin, 1, MPI_UINT64_T, comm);
    if (e != MPI_SUCCESS)
        return NN_EMPI;
    size_t total_in = 0, most = 0;
    for (int j = 0; j < peers; j++) {
        recv_bytes[j] = (size_t)cin[j];
        total_in += recv_bytes[j];
        if (recv_bytes[j] > most)
            most = recv_bytes[j];
        if (send_bytes[j] > most)
            most = send_bytes[j];
    }
    if (s_reserve(recv, cap, total_in ? total_in : 1) != NN_OK)
        return NN_ENOMEM;
    /* every rank goes through the same number of pieces: the largest count anywhere
     * decides, so agree on it */
    uint64_t m = most;
    if (MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_UINT64_T, MPI_MAX, comm) != MPI_SUCCESS)
        return NN_EMPI;
    size_t pieces = m == 0 ? 1 : (size_t)((m + S_PIECE - 1) / S_PIECE);
    if (pieces == 1) {
        size_t so = 0, ro = 0;
        for (int j = 0; j < peers; j++) {
            sc[j] = (int)send_bytes[j];
            sd[j] = (int)so;
            rc[j] = (int)recv_bytes[j];
            rd[j] = (int)ro;
            so += send_bytes[j];
            ro += recv_bytes[j];
        }
        if (so > S_PIECE || ro > S_PIECE)
            pieces = 2; /* the displacements overflow: take the piecewise path */
        else {
            e = graph
                    ? MPI_Neighbor_alltoallv(send, sc, sd, MPI_BYTE, *recv, rc, rd, MPI_BYTE, comm)
                    : MPI_Alltoallv(send, sc, sd, MPI_BYTE, *recv, rc, rd, MPI_BYTE, comm);
            return e == MPI_SUCCESS ? NN_OK : NN_EMPI;
        }
    }
    /* piecewise: each piece sends up to S_PIECE / peers bytes to each peer from its own
     * place; displacements are from a base pointer per piece, so they are small */
    size_t chunk = S_PIECE / (size_t)(peers ? peers : 1);
    if (chunk == 0)
        chunk = 1;
    uint64_t steps = 0;
    for (int j = 0; j < peers; j++) {
        uint64_t s = (send_bytes[j] + chunk - 1) / chunk, r = (recv_bytes[j] + chunk - 1) / chunk;
        if (s > steps)
            steps = s;
        if (r > steps)
            steps = r;
    }
    if (MPI_Allreduce(MPI_IN_PLACE, &steps, 1, MPI_UINT64_T, MPI_MAX, comm) != MPI_SUCCESS)
        return NN_EMPI;
    char *tmp_s = malloc(chunk * (size_t)(peers ? peers : 1));
    char *tmp_r = malloc(chunk * (size_t)(peers ? peers : 1));
    if (!tmp_s || !tmp_r) {
        free(tmp_s);
        free(tmp_r);
        return NN_ENOMEM;
    }
    int rcode = NN_OK;
    for (uint64_t st = 0; st < steps && rcode == NN_OK; st++) {
        size_t s_base = 0, r_base = 0;
        for (int j = 0; j < peers; j++) {
            size_t at = (size_t)st * chunk;
            size_t sn = send_bytes[j] > at ? send_bytes[j] - at : 0;
            size_t rn = recv_bytes[j] > at ? recv_bytes[j] - at : 0;
            sn = sn < chunk ? sn : chunk;
            rn = rn < chunk ? rn : chunk;
            memcpy(tmp_s + (size_t)j * chunk, (const char *)send + s_base + (sn ? at : 0), sn);
            sc[j] = (int)sn;
            sd[j] = (int)((size_t)j * chunk);
            rc[j] = (int)rn;
            rd[j] = (int)((size_t)j * chunk);
            s_base += send_bytes[j];
            r_base += recv_bytes[j];
        }
        e = graph ? MPI_Neighbor_alltoallv(tmp_s, sc, sd, MPI_BYTE, tmp_r, rc, rd, MPI_BYTE, comm)
                  : MPI_Alltoallv(tmp_s, sc, sd, MPI_BYTE, tmp_r, rc, rd, MPI_BYTE, comm);
        if (e != MPI_SUCCESS) {
            rcode = NN_EMPI;
            break;
        }
        r_base = 0;
        for (int j = 0; j < peers; j++) {
            size_t at = (size_t)st * chunk;
            if (rc[j])
                memcpy((char *)*recv + r_base + at, tmp_r + (size_t)j * chunk, (size_t)rc[j]);
            r_base += recv_bytes[j];
        }
    }
    free(tmp_s);
    free(tmp_r);
    return rcode;
}

int nn_ranks_allgatherv(nn_ranks_t *w, const void *mine, size_t bytes, void **all, size_t *cap,
                        size_t *counts)
{
    if (!w)
        return s_allgather_one(mine, bytes, all, cap, counts);
    uint64_t b = bytes;
    uint64_t *each = malloc((size_t)w->size * sizeof *each);
    int *rc = malloc((size_t)w->size * sizeof *rc), *rd = malloc((size_t)w->size * sizeof *rd);
    if (!each || !rc || !rd) {
        free(each);
        free(rc);
        free(rd);
        return NN_ENOMEM;
    }
    int code = NN_OK;
    if (MPI_Allgather(&b, 1, MPI_UINT64_T, each, 1, MPI_UINT64_T, w->comm) != MPI_SUCCESS)
        code = NN_EMPI;
    uint64_t total = 0;
    for (int q = 0; code == NN_OK && q < w->size; q++) {
        if (counts)
            counts[q] = (size_t)each[q];
        total += each[q];
    }
    if (code == NN_OK && total > (uint64_t)S_PIECE) {
        /* large: rank by rank broadcasts, each in pieces */
        if (s_reserve(all, cap, (size_t)total) != NN_OK)
            code = NN_ENOMEM;
        size_t at = 0;
        for (int q = 0; code == NN_OK && q < w->size; q++) {
            if (q == w->rank && bytes)
                memcpy((char *)*all + at, mine, bytes);
            code = nn_ranks_bcast(w, (char *)*all + at, (size_t)each[q], q);
            at += (size_t)each[q];
        }
    } else if (code == NN_OK) {
        if (s_reserve(all, cap, total ? (size_t)total : 1) != NN_OK)
            code = NN_ENOMEM;
        int off = 0;
        for (int q = 0; q < w->size; q++) {
            rc[q] = (int)each[q];
            rd[q] = off;
            off += rc[q];
        }
        if (code == NN_OK && MPI_Allgatherv(mine, (int)bytes, MPI_BYTE, *all, rc, rd, MPI_BYTE,
                                            w->comm) != MPI_SUCCESS)
            code = NN_EMPI;
    }
    free(each);
    free(rc);
    free(rd);
    return code;
}

int nn_ranks_graph_new(nn_ranks_t *w, const int *nbrs, int n_nbrs, nn_ranks_graph_t **out)
{
    *out = NULL;
    nn_ranks_graph_t *g = calloc(1, sizeof *g);
    if (!g)
        return NN_ENOMEM;
    g->w = w;
    g->degree = n_nbrs;
    size_t d = n_nbrs ? (size_t)n_nbrs : 1;
    g->ranks = malloc(d * sizeof *g->ranks);
    g->counts_out = malloc(d * sizeof *g->counts_out);
    g->counts_in = malloc(d * sizeof *g->counts_in);
    g->sc = malloc(d * sizeof(int));
    g->sd = malloc(d * sizeof(int));
    g->rc = malloc(d * sizeof(int));
    g->rd = malloc(d * sizeof(int));
    if (!g->ranks || !g->counts_out || !g->counts_in || !g->sc || !g->sd || !g->rc || !g->rd) {
        nn_ranks_graph_destroy(&g);
        return NN_ENOMEM;
    }
    if (n_nbrs)
        memcpy(g->ranks, nbrs, (size_t)n_nbrs * sizeof *nbrs);
    /* the same neighbours in and out, in the order given (ascending): no reordering, so
     * that the order of what arrives is the order of the ranks */
    /* unit weights (every neighbour alike) rather than MPI_UNWEIGHTED, which GCC reads as
     * an array of size 0 */
    for (int j = 0; j < n_nbrs; j++)
        g->sc[j] = 1;
    if (MPI_Dist_graph_create_adjacent(w->comm, n_nbrs, g->ranks, g->sc, n_nbrs, g->ranks, g->sc,
                                       MPI_INFO_NULL, 0, &g->comm) != MPI_SUCCESS) {
        g->comm = MPI_COMM_NULL;
        nn_ranks_graph_destroy(&g);
        return NN_EMPI;
    }
    *out = g;
    return NN_OK;
}

void nn_ranks_graph_destroy(nn_ranks_graph_t **pg)
{
    if (!pg || !*pg)
        return;
    nn_ranks_graph_t *g = *pg;
    if (g->comm != MPI_COMM_NULL && g->comm)
        MPI_Comm_free(&g->comm);
    free(g->ranks);
    free(g->counts_out);
    free(g->counts_in);
    free(g->sc);
    free(g->sd);
    free(g->rc);
    free(g->rd);
    free(g);
    *pg = NULL;
}

int nn_ranks_graph_exchange(nn_ranks_graph_t *g, const void *send, const size_t *send_bytes,
                            void **recv, size_t *cap, size_t *recv_bytes)
{
    return s_exchange(g->comm, 1, g->degree, send, send_bytes, recv, cap, recv_bytes, g->counts_out,
                      g->counts_in, g->sc, g->sd, g->rc, g->rd);
}

int nn_ranks_alltoallv(nn_ranks_t *w, const void *send, const size_t *send_bytes, void **recv,
                       size_t *cap, size_t *recv_bytes)
{
    size_t p = (size_t)w->size;
    uint64_t *co = malloc(p * sizeof *co), *ci = malloc(p * sizeof *ci);
    int *sc = malloc(p * sizeof *sc), *sd = malloc(p * sizeof *sd);
    int *rc = malloc(p * sizeof *rc), *rd = malloc(p * sizeof *rd);
    int code = NN_ENOMEM;
    if (co && ci && sc && sd && rc && rd)
        code = s_exchange(w->comm, 0, w->size, send, send_bytes, recv, cap, recv_bytes, co, ci, sc,
                          sd, rc, rd);
    free(co);
    free(ci);
    free(sc);
    free(sd);
    free(rc);
    free(rd);
    return code;
}

#else /* one process: what one rank would do */

struct nn_ranks {
    int unused;
};

struct nn_ranks_graph {
    int unused;
};

int nn_ranks_available(void)
{
    return 0;
}

int nn_ranks_init(nn_ranks_t **out, int *argc, char ***argv, char *err, size_t errlen)
{
    (void)argc;
    (void)argv;
    *out = NULL;
    snprintf(err, errlen,
             "this nunchi was built without MPI (install libopenmpi-dev and build again)");
    return NN_EMPI;
}

void nn_ranks_finalize(nn_ranks_t **w)
{
    if (w)
        *w = NULL;
}

void nn_ranks_abort(nn_ranks_t *w, int status)
{
    (void)w;
    exit(status);
}

int nn_ranks_rank(const nn_ranks_t *w)
{
    (void)w;
    return 0;
}

int nn_ranks_size(const nn_ranks_t *w)
{
    (void)w;
    return 1;
}

int nn_ranks_bcast(nn_ranks_t *w, void *buf, size_t bytes, int root)
{
    (void)w;
    (void)buf;
    (void)bytes;
    (void)root;
    return NN_OK;
}

int nn_ranks_sum_u64(nn_ranks_t *w, uint64_t *v, size_t n)
{
    (void)w;
    (void)v;
    (void)n;
    return NN_OK;
}

int nn_ranks_max_int(nn_ranks_t *w, int *v)
{
    (void)w;
    (void)v;
    return NN_OK;
}

int nn_ranks_gather(nn_ranks_t *w, const void *mine, size_t bytes, void *all, int root)
{
    (void)w;
    (void)root;
    memcpy(all, mine, bytes);
    return NN_OK;
}

int nn_ranks_allgatherv(nn_ranks_t *w, const void *mine, size_t bytes, void **all, size_t *cap,
                        size_t *counts)
{
    (void)w;
    return s_allgather_one(mine, bytes, all, cap, counts);
}

int nn_ranks_graph_new(nn_ranks_t *w, const int *nbrs, int n_nbrs, nn_ranks_graph_t **out)
{
    (void)w;
    (void)nbrs;
    (void)n_nbrs;
    *out = NULL;
    return NN_EMPI;
}

void nn_ranks_graph_destroy(nn_ranks_graph_t **g)
{
    if (g)
        *g = NULL;
}

int nn_ranks_graph_exchange(nn_ranks_graph_t *g, const void *send, const size_t *send_bytes,
                            void **recv, size_t *cap, size_t *recv_bytes)
{
    (void)g;
    (void)send;
    (void)send_bytes;
    (void)recv;
    (void)cap;
    (void)recv_bytes;
    return NN_EMPI;
}

int nn_ranks_alltoallv(nn_ranks_t *w, const void *send, const size_t *send_bytes, void **recv,
                       size_t *cap, size_t *recv_bytes)
{
    (void)w; /* never made without MPI */
    return nn_ranks_graph_exchange(NULL, send, send_bytes, recv, cap, recv_bytes);
}

#endif

int nn_ranks_graph_degree(const nn_ranks_graph_t *g)
{
#ifdef NUNCHI_HAVE_MPI
    return g ? g->degree : 0;
#else
    (void)g;
    return 0;
#endif
}

const int *nn_ranks_graph_ranks(const nn_ranks_graph_t *g)
{
#ifdef NUNCHI_HAVE_MPI
    return g ? g->ranks : NULL;
#else
    (void)g;
    return NULL;
#endif
}
