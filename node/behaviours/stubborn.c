/* A stubborn agent: sends as deffuant does (one random neighbour) and never changes. */
#include "nunchi/behaviour.h"

static void s_step(nn_agent_t *a)
{
    nn_send_random(a, a->x);
}

const nn_behaviour_ops_t nn_behaviour_stubborn = {
    "stubborn", "never changes; tells one random neighbour a round", NULL, 0, 0, s_step, NULL, NULL,
    NULL, /* a behaviour of single steps: no batch */
};
