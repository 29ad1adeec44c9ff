/* The notices and violations that the coordinator's institutions (norms, cases, trends)
 * produce at the end of a round, collected in growable lists. The coordinator sorts the
 * notices by receiver (stably, so that each agent's come in the order they were made)
 * and hands each node its slice with the next round's Tick. */
#ifndef NUNCHI_COORDINATOR_NOTICES_H
#define NUNCHI_COORDINATOR_NOTICES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "nunchi/behaviour.h"
#include "nunchi/error.h"

typedef struct nn_notice_list {
    uint32_t *to;
    nn_notice_t *items;
    size_t len;
    size_t cap;
} nn_notice_list_t;

#define NN_NOTICE_LIST_INIT                                                                        \
    {                                                                                              \
        NULL, NULL, 0, 0                                                                           \
    }

/* Appends a notice for agent `to`. NN_OK or NN_ENOMEM (the list is unchanged). */
static inline int nn_notice_push(nn_notice_list_t *l, uint32_t to, const nn_notice_t *n)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        uint32_t *t = (uint32_t *)realloc(l->to, cap * sizeof *t);
        if (!t)
            return NN_ENOMEM;
        l->to = t;
        nn_notice_t *it = (nn_notice_t *)realloc(l->items, cap * sizeof *it);
        if (!it)
            return NN_ENOMEM;
        l->items = it;
        l->cap = cap;
    }
    l->to[l->len] = to;
    l->items[l->len] = *n;
    l->len++;
    return NN_OK;
}

static inline void nn_notice_list_release(nn_notice_list_t *l)
{
    free(l->to);
    free(l->items);
    l->to = NULL;
    l->items = NULL;
    l->len = l->cap = 0;
}

/* One agent's breaches of one norm in one round. */
typedef struct nn_violation {
    uint32_t agent;
    uint32_t norm;    /* nn_norm_kind_t */
    uint32_t count;   /* breaches in the round (messages, defections, verdicts ignored) */
    uint32_t case_id; /* noncompliance: the case, else 0 */
} nn_violation_t;

typedef struct nn_violation_list {
    nn_violation_t *items;
    size_t len;
    size_t cap;
} nn_violation_list_t;

static inline int nn_violation_push(nn_violation_list_t *l, const nn_violation_t *v)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        nn_violation_t *it = (nn_violation_t *)realloc(l->items, cap * sizeof *it);
        if (!it)
            return NN_ENOMEM;
        l->items = it;
        l->cap = cap;
    }
    l->items[l->len++] = *v;
    return NN_OK;
}

static inline void nn_violation_list_release(nn_violation_list_t *l)
{
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

#endif
