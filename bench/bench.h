/* What bench.c's main calls in the other sources of nunchi-bench. */
#ifndef NUNCHI_BENCH_BENCH_H
#define NUNCHI_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* The benchmark's scenario (bench.c), a format of: rounds, agents, a population, nodes,
 * transport, output dir and extra top-level keys. */
extern const char bench_yaml[];
static const char bench_deffuant[] = "{behaviour: deffuant, share: 1, params: {d: 0.2, mu: 0.5}}";

/* The MPI rows (bench/mpi.c): nunchi under mpirun, as a subprocess. */
typedef struct bench_mpi_config {
    const uint32_t *sizes; /* --agents: the first for the bytes row, the last for the speed-up */
    size_t n_sizes;
    uint32_t rounds;     /* --rounds, for the speed-up and the bytes rows */
    int repeat;          /* --repeat: runs of the speed-up row, of which the median */
    int big;             /* 0 with --no-big: no run of big_agents agents */
    uint32_t big_agents; /* --big-agents */
    uint32_t big_rounds; /* --big-rounds */
    const char *big_partition;
} bench_mpi_config_t;

#define BENCH_MPI_BIG_AGENTS 10000000u
#define BENCH_MPI_BIG_ROUNDS 5u
#define BENCH_MPI_CONFIG_INIT                                                                      \
    {                                                                                              \
        NULL, 0, 50, 3, 1, BENCH_MPI_BIG_AGENTS, BENCH_MPI_BIG_ROUNDS, "block"                     \
    }

/* Runs and prints the MPI rows. 0 when every run completed and every digest agrees, 1
 * otherwise (the reason printed); aims missed are printed, not failures. */
int bench_mpi_run(const bench_mpi_config_t *cfg);

/* The llm row (bench/llm.c): node/llmclient.c against tests/llm_server/server.py at
 * 100 ms a completion, for max_concurrency 8, 64 and 256 (10 * C requests each), printed
 * as requests/s, the ideal C / 0.1 s and their ratio (aim >= 0.9). 0 when every request
 * got an answer, 1 otherwise (the reason printed); a ratio under the aim is printed, not
 * a failure. Then the rounds/s of a 1,000-agent llm society (2 node threads, 5 rounds) at
 * 100 ms, against the ideal 5 rounds/s, and at 0 ms; 1 also when an agent fell back. */
int bench_llm_run(void);

#endif
