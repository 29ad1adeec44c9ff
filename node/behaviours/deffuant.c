/* Deffuant bounded confidence: every agent sends its opinion to one random neighbour;
 * a receiver applies each received opinion in canonical order, moving mu of the way
 * towards it when it lies closer than d. */
#include <math.h>

#include "nunchi/behaviour.h"

static const nn_param_spec_t s_params[] = {
    {"d", 0.2, 0.0, 1.0, "confidence bound: opinions closer than d attract"},
    {"mu", 0.5, 0.0, 1.0, "convergence rate"},
};

static void s_step(nn_agent_t *a)
{
    double d = a->params[0], mu = a->params[1], x = a->x;
    for (size_t i = 0; i < a->n_inbox; i++) {
        double diff = a->inbox[i].value - x;
        if (fabs(diff) < d)
            x += mu * diff;
    }
    a->x = x;
    nn_send_random(a, x);
}

const nn_behaviour_ops_t nn_behaviour_deffuant = {
    "deffuant", "bounded confidence with one random neighbour a round (Deffuant et al. 2000)",
    s_params,   2,
    0,          s_step,
    NULL,       NULL,
    NULL, /* a behaviour of single steps: no batch */
};
