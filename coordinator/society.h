/* The society as the coordinator owns it: who each agent is (its population, hence its
 * behaviour) and what it thinks, from the scenario's populations and opinions. Both are
 * drawn from the counter-based generator, so they do not depend on placement. */
#ifndef NUNCHI_COORDINATOR_SOCIETY_H
#define NUNCHI_COORDINATOR_SOCIETY_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "scenario.h"

typedef struct nn_society {
    uint32_t n;
    uint8_t *pop; /* n: population index per agent */
    double *x;    /* n: current opinion (the coordinator's copy, from state reports) */
    size_t n_pops;
    uint64_t pop_count[NN_MAX_POPULATIONS];
    nn_population_desc_t desc[NN_MAX_POPULATIONS]; /* for Welcome */
} nn_society_t;

/* Assigns populations to ids and draws initial opinions. Population sizes: counted
 * populations get their count; the rest is split among share populations by largest
 * remainder (ties to the earlier population); then a seeded permutation of the ids
 * (stream NN_STREAM_POPULATION) hands out ids population by population. NN_OK,
 * NN_ENOMEM, NN_EIO / NN_ESCENARIO (opinions file: diag names file and line). */
int nn_society_init(nn_society_t *s, const nn_scenario_t *sc, nn_diag_t *diag);
void nn_society_release(nn_society_t *s);

/* The digest of the current opinions. */
uint64_t nn_society_digest(const nn_society_t *s);

#endif
