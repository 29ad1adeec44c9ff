/* Worker threads for the coordinator's per-round work; see pool.h. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "nunchi/error.h"

struct nn_pool {
    size_t n_workers;
    pthread_t *workers;
    pthread_mutex_t mu;
    pthread_cond_t start;
    pthread_cond_t done;
    unsigned long generation; /* bumped for every job */
    int stop;
    /* the current job */
    nn_pool_fn fn;
    void *arg;
    size_t n_tasks;
    atomic_size_t next; /* next task to take */
    size_t busy;        /* workers still in the job */
};

static void s_work(nn_pool_t *p)
{
    for (;;) {
        size_t t = atomic_fetch_add(&p->next, 1);
        if (t >= p->n_tasks)
            return;
        p->fn(p->arg, t);
    }
}

static void *s_worker(void *arg)
{
    nn_pool_t *p = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen)
            pthread_cond_wait(&p->start, &p->mu);
        if (p->stop)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        s_work(p);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int nn_pool_new(nn_pool_t **out, size_t threads)
{
    *out = NULL;
    nn_pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return NN_ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    size_t want = threads > 1 ? threads - 1 : 0;
    p->workers = calloc(want ? want : 1, sizeof *p->workers);
    if (!p->workers) {
        nn_pool_destroy(&p);
        return NN_ENOMEM;
    }
    for (size_t i = 0; i < want; i++) {
        if (pthread_create(&p->workers[i], NULL, s_worker, p) != 0) {
            nn_pool_destroy(&p);
            return NN_ESYS;
        }
        p->n_workers++;
    }
    *out = p;
    return NN_OK;
}

void nn_pool_destroy(nn_pool_t **pp)
{
    nn_pool_t *p = *pp;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->n_workers; i++)
        pthread_join(p->workers[i], NULL);
    free(p->workers);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
    *pp = NULL;
}

size_t nn_pool_threads(const nn_pool_t *p)
{
    return p ? p->n_workers + 1 : 1;
}

void nn_pool_run(nn_pool_t *p, size_t n_tasks, nn_pool_fn fn, void *arg)
{
    if (!p || p->n_workers == 0 || n_tasks < 2) {
        for (size_t t = 0; t < n_tasks; t++)
            fn(arg, t);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    p->n_tasks = n_tasks;
    atomic_store(&p->next, 0);
    p->busy = p->n_workers;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    s_work(p);
    pthread_mutex_lock(&p->mu);
    while (p->busy)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
