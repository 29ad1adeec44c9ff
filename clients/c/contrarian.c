/* A node of one's own with the nunchi C SDK: it hosts the external population
 * `contrarians` with a behaviour that nunchi does not have built in. A contrarian is a
 * bounded-confidence agent (as deffuant) with a contrary streak: each opinion it hears
 * makes it, with probability `flip`, move away from that opinion instead of towards it,
 * whatever the distance, so contrarians drift to the extremes 0 and 1 where deffuant
 * agents form clusters. Every round it tells one neighbour, drawn at random, its opinion.
 *
 * Build:  cc contrarian.c $(pkg-config --cflags --libs nunchi) -o contrarian-node
 * Join:   ./contrarian-node --connect tcp://HOST:PORT       (README.md says more) */
#include <stdio.h>

#include <nunchi/sdk.h>

/* The parameters, by name as the scenario gives them (params: {d: ..., mu: ..., flip: ...});
 * one the scenario leaves out takes its default. The node matches them by name, so the
 * order here is this behaviour's own: a->params[i] is s_params[i]. */
static const nn_param_spec_t s_params[] = {
    {"d", 0.25, 0.0, 1.0, "confidence bound: opinions closer than d attract"},
    {"mu", 0.3, 0.0, 1.0, "how far it moves towards (or away from) an opinion it hears"},
    {"flip", 0.3, 0.0, 1.0, "probability of moving away from an opinion instead"},
};
enum { P_D, P_MU, P_FLIP };

/* One step of one agent. No state but the nn_agent_t: the node may host any subset of
 * the population, in any process, and the run must not depend on which. All randomness
 * comes from a->rng, the agent's own stream for this round, so that every placement of
 * the agents gives the same draws and the same digest. */
static void s_step(nn_agent_t *a)
{
    const double d = a->params[P_D], mu = a->params[P_MU], flip = a->params[P_FLIP];
    double x = a->x;
    for (size_t i = 0; i < a->n_inbox; i++) {
        double diff = a->inbox[i].value - x;
        /* one draw per message whatever happens, so the draws after it do not shift */
        int contrary = nn_rng_unit(&a->rng) < flip;
        if (contrary)
            x -= mu * diff;
        else if (diff < d && -diff < d)
            x += mu * diff;
        x = x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
    }
    a->x = x;
    if (a->n_nbrs)
        nn_send(a, a->nbrs[nn_rng_below(&a->rng, a->n_nbrs)], x);
}

static const nn_behaviour_ops_t s_contrarian = {
    "contrarian",
    "bounded confidence with a contrary streak: moves away from what it hears with "
    "probability flip",
    s_params,
    sizeof s_params / sizeof s_params[0],
    0, /* opinions in [0, 1], not binary */
    s_step,
    NULL,
    NULL,
    NULL, /* a behaviour of single steps: no batch */
};

int main(int argc, char **argv)
{
    int rc = nn_behaviour_register(&s_contrarian);
    if (rc != NN_OK) {
        fprintf(stderr, "contrarian-node: cannot register 'contrarian': %s\n", nn_strerror(rc));
        return 1;
    }
    /* without --claim it hosts the population `contrarians`; --claim NAME=contrarian hosts
     * another one with the same behaviour */
    static const nn_claim_t claims[] = {{"contrarians", "contrarian"}};
    nn_node_main_config_t cfg = NN_NODE_MAIN_CONFIG_INIT;
    cfg.implementation = "contrarian-node";
    cfg.version = "1.0";
    cfg.claims = claims;
    cfg.n_claims = 1;
    return nn_node_main(argc, argv, &cfg);
}
