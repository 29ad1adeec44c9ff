/* The MPI world of a run split across ranks: who this rank is, the few collectives the
 * coordinator needs (broadcast, exact integer sums, gathers of raw bytes) and the
 * round's neighbourhood exchange over a distributed graph communicator of the ranks
 * that share cut edges. Everything here is called from the coordinator's main thread
 * only (MPI_THREAD_FUNNELED). A build without MPI (NUNCHI_HAVE_MPI undefined) has the
 * same functions for one rank, so that the coordinator has one code path: there the
 * world is never made, and nn_ranks_available() says 0.
 *
 * Data crosses ranks as bytes: every host runs the same build on the same architecture
 * (docs/cluster.md), so fixed-layout records need no MPI datatype. Counts above INT_MAX
 * bytes are moved in pieces. */
#ifndef NUNCHI_COORDINATOR_RANKS_H
#define NUNCHI_COORDINATOR_RANKS_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_ranks nn_ranks_t;

/* 1 when this build has MPI. */
int nn_ranks_available(void);

/* The number of ranks and this process's rank as the launcher's environment says
 * (Open MPI's OMPI_COMM_WORLD_*, or PMI_*), before MPI is initialised; 1 and 0 when not
 * started by a launcher. */
long nn_ranks_launched(long *rank);

/* Initialises MPI (funneled) and makes the world. NN_OK, or NN_EMPI with err set. */
int nn_ranks_init(nn_ranks_t **out, int *argc, char ***argv, char *err, size_t errlen);
/* Finalises MPI; *w becomes NULL. */
void nn_ranks_finalize(nn_ranks_t **w);
/* Ends every rank of the job with status (for errors that leave ranks out of step). */
void nn_ranks_abort(nn_ranks_t *w, int status);

int nn_ranks_rank(const nn_ranks_t *w); /* 0 for NULL */
int nn_ranks_size(const nn_ranks_t *w); /* 1 for NULL */

/* Collectives over every rank; with w NULL they do what one rank would. NN_OK or
 * NN_EMPI (MPI reported an error; with the default error handler it aborts first). */
int nn_ranks_bcast(nn_ranks_t *w, void *buf, size_t bytes, int root);
/* v[i] = the sum over ranks of v[i] (wrapping, so exact and order-free). */
int nn_ranks_sum_u64(nn_ranks_t *w, uint64_t *v, size_t n);
/* *v = the largest over ranks. */
int nn_ranks_max_int(nn_ranks_t *w, int *v);
/* Every rank's `bytes` bytes of mine, in rank order, into all (size * bytes) at root. */
int nn_ranks_gather(nn_ranks_t *w, const void *mine, size_t bytes, void *all, int root);
/* Every rank's mine (its own length each) concatenated in rank order, into *all on
 * every rank (grown with realloc as needed, *cap its capacity in bytes); counts[q] (size
 * entries, may be NULL) the bytes from rank q. NN_OK, NN_ENOMEM or NN_EMPI. */
int nn_ranks_allgatherv(nn_ranks_t *w, const void *mine, size_t bytes, void **all, size_t *cap,
                        size_t *counts);

/* The neighbourhood of the round's exchange: a distributed graph communicator whose
 * edges are the given ranks (symmetric: q lists this rank when it lists q). */
typedef struct nn_ranks_graph nn_ranks_graph_t;
int nn_ranks_graph_new(nn_ranks_t *w, const int *nbrs, int n_nbrs, nn_ranks_graph_t **out);
void nn_ranks_graph_destroy(nn_ranks_graph_t **g);
int nn_ranks_graph_degree(const nn_ranks_graph_t *g);
const int *nn_ranks_graph_ranks(const nn_ranks_graph_t *g); /* the neighbours, ascending */

/* One exchange: send_bytes[j] bytes from send (packed in neighbour order) to neighbour
 * j; what arrives goes to *recv (grown as needed, *cap its capacity) packed in neighbour
 * order, recv_bytes[j] from neighbour j. The counts move first, in a neighbourhood
 * alltoall of one number each; the records in one MPI_Neighbor_alltoallv (in pieces when
 * a count passes INT_MAX). NN_OK, NN_ENOMEM or NN_EMPI. */
int nn_ranks_graph_exchange(nn_ranks_graph_t *g, const void *send, const size_t *send_bytes,
                            void **recv, size_t *cap, size_t *recv_bytes);

/* The same for any two ranks, over the whole world (MPI_Alltoallv): for messages to a
 * rank that shares no cut edge with the sender. send_bytes and recv_bytes have size
 * entries. */
int nn_ranks_alltoallv(nn_ranks_t *w, const void *send, const size_t *send_bytes, void **recv,
                       size_t *cap, size_t *recv_bytes);

#endif
