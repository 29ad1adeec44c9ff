/* The texts of a round, society-wide: what each agent said (nn_say) in one round, with
 * the receivers its messages of that round reached. The coordinator keeps two, the round
 * being answered and the one before (whose texts go out with the next ticks), and
 * writes each round's to transcript.jsonl. docs/llm.md describes the transcript. */
#ifndef NUNCHI_COORDINATOR_TEXTS_H
#define NUNCHI_COORDINATOR_TEXTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nunchi/wire.h"
#include "checkpoint.h"

typedef struct nn_said_entry {
    uint32_t from;
    size_t text; /* offset into bytes */
    size_t to;   /* offset into to */
    size_t n_to;
} nn_said_entry_t;

typedef struct nn_said {
    uint32_t n_agents;
    nn_said_entry_t *e; /* n, ascending by from after nn_said_finish */
    size_t n, cap;
    char *bytes;
    size_t used, bytes_cap;
    uint32_t *to;
    size_t n_to, to_cap;
    uint32_t *at; /* n_agents: after nn_said_finish, the agent's entry + 1, or 0 */
} nn_said_t;

/* The texts of one node's tick, gathered by nn_said_tick (its arrays, reused). */
typedef struct nn_said_view {
    uint32_t *from;
    const char **text;
    size_t cap;
} nn_said_view_t;

int nn_said_init(nn_said_t *s, uint32_t n_agents); /* NN_OK or NN_ENOMEM */
void nn_said_release(nn_said_t *s);
void nn_said_view_release(nn_said_view_t *v);

/* Forgets the texts held: a new round. */
void nn_said_begin(nn_said_t *s);

/* Adds agent from's text (copied) and the n_to receivers its messages reached. Each
 * agent at most once a round. NN_OK or NN_ENOMEM. */
int nn_said_add(nn_said_t *s, uint32_t from, const char *text, const uint32_t *to, size_t n_to);

/* Sorts the round's texts by sender and indexes them. NN_OK, or NN_EPROTO when an agent
 * said two texts (a coordinator bug: each node's texts were checked). */
int nn_said_finish(nn_said_t *s);

/* What agent `from` said (after nn_said_finish), or NULL. */
const char *nn_said_text(const nn_said_t *s, uint32_t from);

/* The texts of the senders among the n deliveries (after nn_said_finish), ascending, in
 * out (pointing into s and v). NN_OK or NN_ENOMEM. */
int nn_said_tick(const nn_said_t *s, const nn_delivery_t *d, size_t n, nn_said_view_t *v,
                 nn_texts_t *out);

/* One JSON line per text of round `round`: {"round", "from", "to": [...], "text"}.
 * NN_OK or NN_EIO. */
int nn_said_write(const nn_said_t *s, FILE *f, uint64_t round);

/* Across ranks: the texts as bytes (what nn_said_unpack reads back), into *buf (grown,
 * *cap its size). NN_OK or NN_ENOMEM. */
int nn_said_pack(const nn_said_t *s, void **buf, size_t *cap, size_t *len);
/* Adds the texts packed by another rank. NN_OK, NN_ENOMEM, or NN_EPROTO (bad bytes). */
int nn_said_unpack(nn_said_t *s, const void *buf, size_t len);

/* Checkpoints: a finished round's texts (nn_said_finish done), and the same loaded into
 * a cleared nn_said_t and finished. NN_OK; load: NN_EPROTO or NN_ENOMEM. */
int nn_said_save(const nn_said_t *s, nn_ckpt_writer_t *w);
int nn_said_load(nn_said_t *s, nn_ckpt_reader_t *r);

#endif
