/* The one random generator of nunchi: counter-based, keyed by (seed, stream, agent,
 * round) with a draw counter, so any draw can be recomputed anywhere without shared
 * state. That is what makes a run independent of how agents are placed on nodes, ranks
 * or threads. A draw is SplitMix64's finaliser applied to key + draw * golden gamma;
 * the key is the same finaliser chained over the four key words. */
#ifndef NUNCHI_RNG_H
#define NUNCHI_RNG_H

#include <math.h>
#include <stdint.h>

/* Streams: one per purpose, so that adding draws to one purpose never shifts another. */
enum nn_rng_stream {
    NN_STREAM_NETWORK = 1,    /* network generation (through igraph's RNG hook) */
    NN_STREAM_POPULATION = 2, /* assignment of behaviours to agent ids */
    NN_STREAM_OPINION = 3,    /* initial opinions */
    NN_STREAM_BEHAVIOUR = 4,  /* an agent's own draws while it steps */
    NN_STREAM_TRAITS = 5,     /* per-agent parameter draws (round slot: parameter index) */
    NN_STREAM_CASES = 6,      /* juries, mediators, arbiters, tie-breaks (agent slot: case) */
    NN_STREAM_NORMS = 7,      /* detection of violations */
    NN_STREAM_TRENDS = 8,     /* trend seeds (agent slot: trend) */
    NN_STREAM_PERSONA = 9,    /* an llm agent's persona (round slot: 0 name, 1 stance, 2 + k
                                 trait k) */
    NN_STREAM_LLM_SEED = 10,  /* the seed sent with an llm agent's request (round slot:
                                 2 round + 0 for its prompt, + 1 for its repair) */
    NN_STREAM_FAULTS = 11,    /* planned faults (one key a fault; see coordinator/faults.c) */
    NN_STREAM_USER = 64       /* first stream free for later modules */
};

typedef struct nn_rng {
    uint64_t key;  /* derived from (seed, stream, agent, round) */
    uint64_t draw; /* next draw index */
} nn_rng_t;

static inline uint64_t nn_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The part of a key that depends on (seed, stream) only: a loop over agents computes it
 * once and positions each agent's generator with nn_rng_init_keyed(). */
static inline uint64_t nn_rng_stream_key(uint64_t seed, uint64_t stream)
{
    return nn_mix64(nn_mix64(seed + 0x9e3779b97f4a7c15ULL) ^ (stream * 0xd1b54a32d192ed03ULL));
}

/* Positions the generator at draw 0 of (stream_key's seed and stream, agent, round). */
static inline void nn_rng_init_keyed(nn_rng_t *r, uint64_t stream_key, uint64_t agent,
                                     uint64_t round)
{
    uint64_t k = nn_mix64(stream_key ^ (agent * 0xaef17502108ef2d9ULL));
    r->key = nn_mix64(k ^ (round * 0xf1357aea2e62a9c5ULL));
    r->draw = 0;
}

/* Positions the generator at draw 0 of (seed, stream, agent, round). */
static inline void nn_rng_init(nn_rng_t *r, uint64_t seed, uint64_t stream, uint64_t agent,
                               uint64_t round)
{
    nn_rng_init_keyed(r, nn_rng_stream_key(seed, stream), agent, round);
}

/* The draw at index `draw` of the keyed sequence, without a generator object. */
static inline uint64_t nn_rng_at(uint64_t key, uint64_t draw)
{
    return nn_mix64(key + (draw + 1) * 0x9e3779b97f4a7c15ULL);
}

/* The next 64 random bits. */
static inline uint64_t nn_rng_u64(nn_rng_t *r)
{
    return nn_rng_at(r->key, r->draw++);
}

/* A double uniform in [0, 1) with 53 random bits. */
static inline double nn_rng_unit(nn_rng_t *r)
{
    return (double)(nn_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* An integer uniform in [0, n) for n >= 1, without modulo bias (Lemire's method with
 * rejection; the rejection loop runs more than once with probability < n / 2^64). */
static inline uint64_t nn_rng_below(nn_rng_t *r, uint64_t n)
{
    for (;;) {
        __uint128_t m = (__uint128_t)nn_rng_u64(r) * n;
        uint64_t lo = (uint64_t)m;
        if (lo >= n || lo >= (uint64_t)(-n) % n)
            return (uint64_t)(m >> 64);
    }
}

/* Fills perm[0 .. n - 1] with a uniformly random permutation of 0 .. n - 1 (Fisher-Yates
 * from the end: n - 1 draws). */
static inline void nn_rng_permutation(nn_rng_t *r, uint32_t *perm, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)nn_rng_below(r, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

/* A standard normal deviate (Box-Muller: exactly two draws per call, so that the draw
 * count of a caller does not depend on the values drawn). */
static inline double nn_rng_normal(nn_rng_t *r)
{
    double u1 = 1.0 - nn_rng_unit(r); /* (0, 1]: log is finite */
    double u2 = nn_rng_unit(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#endif
