/* Hegselmann-Krause bounded confidence: every agent sends its opinion to every
 * neighbour; a receiver moves to the mean of its own opinion and every received one
 * within epsilon of it. */
#include <math.h>

#include "nunchi/behaviour.h"

static const nn_param_spec_t s_params[] = {
    {"epsilon", 0.2, 0.0, 1.0, "confidence bound: opinions within epsilon count"},
};

static void s_step(nn_agent_t *a)
{
    double eps = a->params[0], x = a->x, sum = x;
    size_t n = 1;
    for (size_t i = 0; i < a->n_inbox; i++) {
        double v = a->inbox[i].value;
        if (fabs(v - x) <= eps) {
            sum += v;
            n++;
        }
    }
    a->x = sum / (double)n;
    nn_send_all(a, a->x);
}

const nn_behaviour_ops_t nn_behaviour_hk = {
    "hk",     "bounded confidence with every neighbour (Hegselmann-Krause 2002)",
    s_params, 1,
    0,        s_step,
    NULL,     NULL,
    NULL, /* a behaviour of single steps: no batch */
};
