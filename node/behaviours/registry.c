/* The registry of built-in behaviours. Adding a behaviour is one file in this folder
 * that defines a const nn_behaviour_ops_t, and one line in the table below. */
#include <string.h>

#include "nunchi/behaviour.h"

extern const nn_behaviour_ops_t nn_behaviour_degroot;
extern const nn_behaviour_ops_t nn_behaviour_deffuant;
extern const nn_behaviour_ops_t nn_behaviour_hk;
extern const nn_behaviour_ops_t nn_behaviour_voter;
extern const nn_behaviour_ops_t nn_behaviour_threshold;
extern const nn_behaviour_ops_t nn_behaviour_stubborn;
extern const nn_behaviour_ops_t nn_behaviour_citizen;

static const nn_behaviour_ops_t *const s_table[] = {
    &nn_behaviour_degroot,   &nn_behaviour_deffuant, &nn_behaviour_hk,      &nn_behaviour_voter,
    &nn_behaviour_threshold, &nn_behaviour_stubborn, &nn_behaviour_citizen,
};

size_t nn_behaviour_count(void)
{
    return sizeof s_table / sizeof s_table[0];
}

const nn_behaviour_ops_t *nn_behaviour_at(size_t i)
{
    return i < nn_behaviour_count() ? s_table[i] : NULL;
}

const nn_behaviour_ops_t *nn_behaviour_find(const char *name)
{
    for (size_t i = 0; i < nn_behaviour_count(); i++)
        if (strcmp(s_table[i]->name, name) == 0)
            return s_table[i];
    return NULL;
}

int nn_behaviour_param_index(const nn_behaviour_ops_t *ops, const char *name)
{
    for (size_t i = 0; i < ops->n_params; i++)
        if (strcmp(ops->params[i].name, name) == 0)
            return (int)i;
    return -1;
}
