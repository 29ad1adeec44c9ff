/* The registry of behaviours: the built-in ones, then those a program registers (a node
 * of its own, built with the C SDK). Adding a built-in behaviour is one file in this
 * folder that defines a const nn_behaviour_ops_t, and one line in the table below. */
#include <string.h>

#include "nunchi/behaviour.h"
#include "nunchi/error.h"

extern const nn_behaviour_ops_t nn_behaviour_degroot;
extern const nn_behaviour_ops_t nn_behaviour_deffuant;
extern const nn_behaviour_ops_t nn_behaviour_hk;
extern const nn_behaviour_ops_t nn_behaviour_voter;
extern const nn_behaviour_ops_t nn_behaviour_threshold;
extern const nn_behaviour_ops_t nn_behaviour_stubborn;
extern const nn_behaviour_ops_t nn_behaviour_citizen;
extern const nn_behaviour_ops_t nn_behaviour_llm;

static const nn_behaviour_ops_t *const s_table[] = {
    &nn_behaviour_degroot,   &nn_behaviour_deffuant, &nn_behaviour_hk,      &nn_behaviour_voter,
    &nn_behaviour_threshold, &nn_behaviour_stubborn, &nn_behaviour_citizen, &nn_behaviour_llm,
};

#define S_BUILT_IN  (sizeof s_table / sizeof s_table[0])
#define S_MAX_ADDED 32

static const nn_behaviour_ops_t *s_added[S_MAX_ADDED];
static size_t s_n_added;

size_t nn_behaviour_count(void)
{
    return S_BUILT_IN + s_n_added;
}

const nn_behaviour_ops_t *nn_behaviour_at(size_t i)
{
    if (i < S_BUILT_IN)
        return s_table[i];
    return i < nn_behaviour_count() ? s_added[i - S_BUILT_IN] : NULL;
}

const nn_behaviour_ops_t *nn_behaviour_find(const char *name)
{
    for (size_t i = 0; i < nn_behaviour_count(); i++)
        if (strcmp(nn_behaviour_at(i)->name, name) == 0)
            return nn_behaviour_at(i);
    return NULL;
}

int nn_behaviour_register(const nn_behaviour_ops_t *ops)
{
    if (!ops || !ops->name || !ops->name[0] || strlen(ops->name) >= 32 || !ops->step ||
        ops->n_params > NN_MAX_PARAMS || (ops->n_params && !ops->params) ||
        strcmp(ops->name, "external") == 0)
        return NN_EINVAL;
    if (nn_behaviour_find(ops->name))
        return NN_EINVAL; /* the name is taken */
    if (s_n_added == S_MAX_ADDED)
        return NN_ETOOBIG;
    s_added[s_n_added++] = ops;
    return NN_OK;
}

int nn_behaviour_param_index(const nn_behaviour_ops_t *ops, const char *name)
{
    for (size_t i = 0; i < ops->n_params; i++)
        if (strcmp(ops->params[i].name, name) == 0)
            return (int)i;
    return -1;
}
