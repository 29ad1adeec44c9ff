/* Granovetter's threshold model: states are 0 or 1; every agent sends its state to every
 * neighbour; an agent at 0 moves to 1, for good, when the share of 1s among the states
 * it received is at least phi. */
#include "nunchi/behaviour.h"

static const nn_param_spec_t s_params[] = {
    {"phi", 0.5, 0.0, 1.0, "share of active senders that activates an agent"},
};

static void s_step(nn_agent_t *a)
{
    if (a->x == 0.0 && a->n_inbox) {
        size_t ones = 0;
        for (size_t i = 0; i < a->n_inbox; i++)
            ones += a->inbox[i].value != 0.0;
        if ((double)ones / (double)a->n_inbox >= a->params[0])
            a->x = 1.0;
    }
    nn_send_all(a, a->x);
}

const nn_behaviour_ops_t nn_behaviour_threshold = {
    "threshold", "adopt for good once a share phi of senders has (Granovetter 1978)",
    s_params,    1,
    1,           s_step,
    NULL,        NULL,
    NULL, /* a behaviour of single steps: no batch */
};
