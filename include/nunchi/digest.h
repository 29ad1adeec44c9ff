/* The state digest: an order-free sum (mod 2^64) of one hash per agent of (id, state),
 * so that it does not depend on which node, thread or rank computed which part. */
#ifndef NUNCHI_DIGEST_H
#define NUNCHI_DIGEST_H

#include <stdint.h>
#include <string.h>

#include "nunchi/rng.h"

/* The hash of one agent's state. -0.0 hashes as 0.0, so the sign of a zero never
 * changes a digest. */
static inline uint64_t nn_digest_agent(uint32_t id, double x)
{
    uint64_t bits;
    if (x == 0.0)
        x = 0.0;
    memcpy(&bits, &x, sizeof bits);
    return nn_mix64(nn_mix64((uint64_t)id * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL) ^ bits);
}

/* The hash of an agent's whole state. An agent whose trends and memory are 0 hashes as
 * nn_digest_agent(id, x), so behaviours without them keep their digests. */
static inline uint64_t nn_digest_agent_full(uint32_t id, double x, uint64_t trends, uint64_t memory)
{
    uint64_t h = nn_digest_agent(id, x);
    if (trends | memory)
        h += nn_mix64(nn_mix64(((uint64_t)id << 1 | 1) * 0xd6e8feb86659fd93ULL ^ trends) ^
                      (memory * 0x9e3779b97f4a7c15ULL));
    return h;
}

/* Writes the digest as 16 lower-case hex digits and a NUL into buf[17]. */
static inline void nn_digest_format(uint64_t digest, char buf[17])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        buf[i] = hex[digest & 15];
        digest >>= 4;
    }
    buf[16] = '\0';
}

#endif
