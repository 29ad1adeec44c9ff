/* A small pool of worker threads for the coordinator's own per-round work (routing,
 * metrics), which would otherwise run on one core while the nodes wait. A job is split
 * into tasks that write disjoint data, so that the result does not depend on how many
 * threads ran it or in which order. */
#ifndef NUNCHI_COORDINATOR_POOL_H
#define NUNCHI_COORDINATOR_POOL_H

#include <stddef.h>

typedef struct nn_pool nn_pool_t;

typedef void (*nn_pool_fn)(void *arg, size_t task);

/* Starts a pool of `threads` threads in all, the caller of nn_pool_run included (so 1
 * starts none). NN_OK, NN_ENOMEM or NN_ESYS; *out is NULL on failure. */
int nn_pool_new(nn_pool_t **out, size_t threads);

/* Stops and joins the workers. NULL-safe; sets *p to NULL. */
void nn_pool_destroy(nn_pool_t **p);

/* How many threads run tasks (at least 1). NULL-safe: 1. */
size_t nn_pool_threads(const nn_pool_t *p);

/* Runs fn(arg, t) for t = 0 .. n_tasks - 1 on the pool's threads and the caller, and
 * returns when all have finished. With a NULL pool the caller runs them all. Only one
 * thread may call it at a time. */
void nn_pool_run(nn_pool_t *p, size_t n_tasks, nn_pool_fn fn, void *arg);

#endif
