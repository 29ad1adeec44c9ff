/* The llm behaviour's words: the chat messages an agent's prompt is made of (its persona,
 * its opinion, what it heard, its notices and the cases that ask it something, and its
 * memory of earlier rounds), and the JSON action its model answers with, read and
 * checked against what the agent may do this round. A bad answer is refused with a
 * reason that the repair request quotes back to the model. No network here: the
 * requests go through node/llmclient. */
#ifndef NUNCHI_NODE_LLM_PROMPT_H
#define NUNCHI_NODE_LLM_PROMPT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "nunchi/behaviour.h"
#include "nunchi/wire.h"

#define NN_LLMP_MAX_TRAITS  8
#define NN_LLMP_MAX_SAY     280 /* bytes of text in one answer */
#define NN_LLMP_MAX_TO      16  /* receivers named in one answer */
#define NN_LLMP_MAX_ANSWERS 16  /* case answers in one answer */

/* Who an agent is to its model: drawn per agent from the scenario's templates. */
typedef struct nn_llmp_persona {
    char name[32];
    char stance[96]; /* a short phrase: "cautious about change" */
    size_t n_traits;
    char trait_name[NN_LLMP_MAX_TRAITS][32];
    double trait[NN_LLMP_MAX_TRAITS]; /* each in [0, 1] */
} nn_llmp_persona_t;

/* The scenario's persona templates: each agent draws its name and stance uniformly from
 * the lists (none: "member ID", no stance) and each trait from its distribution, clamped
 * into [0, 1]. */
typedef struct nn_llmp_persona_spec {
    size_t n_names;
    const char *const *names;
    size_t n_stances;
    const char *const *stances;
    size_t n_traits;
    const char *trait_name[NN_LLMP_MAX_TRAITS];
    uint8_t trait_dist[NN_LLMP_MAX_TRAITS]; /* nn_dist_t: constant, uniform, normal */
    double trait_a[NN_LLMP_MAX_TRAITS];     /* the constant, the low end or the mean */
    double trait_b[NN_LLMP_MAX_TRAITS];     /* the high end or the sd */
} nn_llmp_persona_spec_t;

/* Agent id's persona, drawn from (seed, NN_STREAM_PERSONA, id, slot) so that it does not
 * depend on which node hosts the agent: slot 0 picks the name, 1 the stance, 2 + k trait
 * k (draw 0 of each: one unit() for a uniform, two for a normal). */
void nn_llmp_persona_draw(const nn_llmp_persona_spec_t *spec, uint64_t seed, uint32_t id,
                          nn_llmp_persona_t *out);

/* What an agent remembers of earlier rounds: the last `cap` things it heard or was told
 * (messages and verdicts), oldest first. */
typedef struct nn_llmp_memory_item {
    uint64_t round;
    uint32_t from; /* the sender, or the decider of a verdict (NN_NO_AGENT: none) */
    double value;  /* the opinion heard, or the verdict's value */
    int verdict;   /* 1: a verdict, 0: a message */
    char text[NN_LLMP_MAX_SAY + 1];
} nn_llmp_memory_item_t;

typedef struct nn_llmp_memory {
    nn_llmp_memory_item_t *items; /* cap entries, a ring */
    size_t cap, len, head;        /* head: the oldest */
} nn_llmp_memory_t;

/* The texts that came with an agent's deliveries: texts[i] for inbox[i], NULL or "" for
 * none; the whole array may be NULL. */
typedef const char *const *nn_llmp_texts_t;

/* What the agent may answer about one case this round, from its notices. */
typedef enum nn_llmp_ask {
    NN_LLMP_ASK_VOTE = 1, /* a position: NN_ACT_VOTE */
    NN_LLMP_ASK_ACCEPT,   /* a proposal: NN_ACT_ACCEPT 1 or 0 */
    NN_LLMP_ASK_OFFER,    /* a negotiation turn: accept (NN_ACT_ACCEPT 1) or a counter-offer */
    NN_LLMP_ASK_COMPLY    /* a verdict: NN_ACT_COMPLY 1 or 0 */
} nn_llmp_ask_t;

/* One case answer of an action. */
typedef struct nn_llmp_answer {
    uint32_t case_id;
    nn_llmp_ask_t ask;
    int accept;   /* ACCEPT, OFFER (1: takes the offer), COMPLY */
    double value; /* VOTE: the position; OFFER: the counter-offer when accept is 0 */
} nn_llmp_answer_t;

/* A model's answer, read and checked. */
typedef struct nn_llmp_action {
    double opinion; /* the new opinion, in [0, 1] */
    char say[NN_LLMP_MAX_SAY + 1];
    size_t n_to; /* 0: the opinion goes to one neighbour drawn from the agent's generator */
    uint32_t to[NN_LLMP_MAX_TO];
    int cooperate;      /* 0: its messages defect in the game (default 1) */
    uint32_t complaint; /* a neighbour complained about, or NN_NO_AGENT */
    size_t n_answers;
    nn_llmp_answer_t answers[NN_LLMP_MAX_ANSWERS];
} nn_llmp_action_t;

/* The action schema as the prompt states it, one line. */
extern const char nn_llmp_schema[];

int nn_llmp_memory_init(nn_llmp_memory_t *m, size_t cap); /* NN_OK or NN_ENOMEM; cap 0 ok */
void nn_llmp_memory_release(nn_llmp_memory_t *m);
/* Remembers what a finished step heard (its inbox and texts) and was told (verdicts). */
void nn_llmp_memory_note(nn_llmp_memory_t *m, const nn_agent_t *a, nn_llmp_texts_t texts);

/* Remembers n items given from outside, oldest first, as if noted (a node that joins
 * during the run gets its agents' memories in the Welcome). */
void nn_llmp_memory_restore(nn_llmp_memory_t *m, const nn_recall_t *items, size_t n);

/* The chat messages of an agent's request: a system message (who it is, what it
 * decides, the schema) and a user message whose lines are, in order:
 *   round: R
 *   opinion: X
 *   neighbours: ID ID ...
 *   heard: ID VALUE [TEXT]            one per delivery, in canonical order
 *   notice: KIND ...                  sanctions, blocks and closed cases
 *   case: ID ASK ...                  each case that asks it something (see the schema)
 *   remember: ROUND ID VALUE [TEXT]   its memory, oldest first
 * Numbers are written with %.17g, so that the same state gives the same bytes. A new
 * reference, or NULL when out of memory. */
json_t *nn_llmp_messages(const nn_llmp_persona_t *p, const nn_agent_t *a, nn_llmp_texts_t texts,
                         const nn_llmp_memory_t *mem, uint32_t agents_total);

/* Reads the model's content as an action for agent a this round: one JSON object (a
 * Markdown ``` fence around it is allowed, nothing else), with "opinion" (required, a
 * number in [0, 1]), "say" (a string of at most NN_LLMP_MAX_SAY bytes), "to" (neighbour
 * ids), "cooperate" (true or false), "complaint" (a neighbour id or null) and "cases"
 * ([{"case": ID, "vote": X} | {"case": ID, "accept": B} | {"case": ID, "offer": X} |
 * {"case": ID, "comply": B}], each a case that asks it that this round, at most once).
 * Unknown keys are refused, so that a model that drifts is repaired rather than half
 * read. NN_OK, or NN_EPROTO with why saying what is wrong. */
int nn_llmp_parse(const char *content, const nn_agent_t *a, nn_llmp_action_t *out, char *why,
                  size_t whylen);

/* The repair request: messages (borrowed) with the model's answer and a user message
 * quoting why it was refused and asking for the JSON object alone. A new reference, or
 * NULL. */
json_t *nn_llmp_repair(const json_t *messages, const char *content, const char *why);

/* Acts the action out in a's step: its new opinion, its messages (to the named
 * neighbours, else to one drawn from its generator; defecting when it does not
 * cooperate), its complaint and its case answers. */
void nn_llmp_apply(const nn_llmp_action_t *act, nn_agent_t *a);

#endif
