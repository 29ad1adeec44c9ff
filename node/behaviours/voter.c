/* The voter model: every agent sends its opinion to one random neighbour; a receiver
 * adopts one of the received opinions, drawn uniformly. */
#include "nunchi/behaviour.h"

static void s_step(nn_agent_t *a)
{
    if (a->n_inbox)
        a->x = a->inbox[nn_rng_below(&a->rng, a->n_inbox)].value;
    nn_send_random(a, a->x);
}

const nn_behaviour_ops_t nn_behaviour_voter = {
    "voter", "adopt the opinion of a random sender (voter model)", NULL, 0, 0, s_step, NULL, NULL,
    NULL, /* a behaviour of single steps: no batch */
};
