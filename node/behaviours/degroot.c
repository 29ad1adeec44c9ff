/* DeGroot averaging: every agent sends its opinion to every neighbour; a receiver moves
 * to w * x + (1 - w) * mean(received). An empty inbox leaves x as it is. */
#include "nunchi/behaviour.h"

static const nn_param_spec_t s_params[] = {
    {"self_weight", 0.5, 0.0, 1.0, "weight w of the agent's own opinion"},
};

static void s_step(nn_agent_t *a)
{
    if (a->n_inbox) {
        double sum = 0.0;
        for (size_t i = 0; i < a->n_inbox; i++)
            sum += a->inbox[i].value;
        double w = a->params[0];
        a->x = w * a->x + (1.0 - w) * (sum / (double)a->n_inbox);
    }
    nn_send_all(a, a->x);
}

const nn_behaviour_ops_t nn_behaviour_degroot = {
    "degroot", "weighted averaging with every neighbour (DeGroot 1974)",
    s_params,  1,
    0,         s_step,
    NULL,      NULL,
    NULL, /* a behaviour of single steps: no batch */
};
