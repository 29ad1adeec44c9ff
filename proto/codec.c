/* The codec: the one place where nunchi's plain wire structs (include/nunchi/wire.h) meet
 * protobuf-c. On the wire a batch is columnar (parallel to[], from[], seq[], value[]
 * arrays, which pack well); in C it is an array of structs (nn_delivery_t, nn_msg_t),
 * which is what a stepping agent reads. Encoding builds the protobuf-c structs on the
 * stack, pointing at scratch columns owned by the codec (or straight at the caller's
 * arrays where the layouts agree), and packs into a reusable output buffer; an optional
 * column whose entries are all at their default (a society without trends, structure or
 * cooperation game) stays off the wire, so that such runs pay nothing for it. Decoding
 * unpacks through an arena allocator owned by the codec, checks everything a peer could
 * get wrong, and copies the result into per-kind scratch. Every buffer grows
 * geometrically and is kept, so a steady state of rounds allocates nothing. Nothing here
 * aborts on input: every failure is a code and a sentence in c->err. */
#include "codec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi.pb-c.h"
#include "nunchi/error.h"

/* protobuf-c keeps some lengths and counts in `unsigned int`; a message must stay below
 * 4 GiB whatever max_message_bytes says. */
#define S_UNPACK_MAX ((size_t)UINT32_MAX - 64)
/* The arena refuses to let one unpack take more than this many bytes per input byte
 * (plus S_BUDGET_SLACK): legitimate v1 messages need at most about 20, while a message
 * of many tiny submessages could otherwise turn 1 byte into 50. */
#define S_BUDGET_PER_BYTE 64
#define S_BUDGET_SLACK    ((size_t)1 << 20)
#define S_ALIGN           16
#define S_ARENA_MIN       4096
#define S_SCRATCH_MIN     64
#define S_SORT_RUN        32
/* Every NN_MSG_* flag that protocol v1 knows; a message with another bit is refused. */
#define S_MSG_FLAGS NN_MSG_DEFECT
/* What a delivery's standing is when the tick leaves it out. */
#define S_STANDING_DEFAULT 1.0f
#define S_LLM_MAX          (1 << 20) /* bytes of a welcome's llm section */
#define S_RECALL_TEXT_MAX  4096      /* bytes of the text of one recall item */

/* A growable scratch buffer; its content does not survive growing. */
typedef struct s_buf {
    void *p;
    size_t cap; /* bytes */
} s_buf_t;

/* Memory that does not fit the arena block during one unpack. */
typedef struct s_spill {
    struct s_spill *next;
} s_spill_t;

/* A bump allocator for protobuf-c's unpack: free is a no-op and everything is released
 * at once after the message has been copied out. When an unpack needed more than the
 * block holds, the block grows for the next one. */
typedef struct s_arena {
    unsigned char *base;
    size_t cap;
    size_t used;
    size_t demand;    /* bytes asked for during this unpack */
    size_t budget;    /* the most this unpack may take */
    s_spill_t *spill; /* allocations that did not fit, freed at reset */
    int over_budget;
    int oom;
    uint64_t *allocs; /* the codec's allocation counter */
} s_arena_t;

/* An actions message being reordered: key is (from << 32) | seq; the rest travels with
 * its message. */
typedef struct s_rec {
    uint64_t key;
    double value;
    uint32_t to;
    float hostility;
    uint32_t flags;
} s_rec_t;

/* Encode columns beyond col_a .. col_g. A tick and an actions message share them (they
 * are never encoded at once): each slot says what it holds for either. */
enum {
    S_EX_TRENDS,   /* tick: delivery trends (uint64) */
    S_EX_FLOAT,    /* tick: delivery standing; actions: message hostility (float) */
    S_EX_FLAGS,    /* tick: delivery flags; actions: message flags (uint32) */
    S_EX_KIND,     /* notice kind; act kind (uint32) */
    S_EX_PROTOCOL, /* notice protocol; act agent (uint32) */
    S_EX_CASE,     /* notice case; act case (uint32) */
    S_EX_OTHER,    /* notice other + 1; act other + 1 (uint32) */
    S_EX_ARG,      /* notice arg (uint32) */
    S_EX_VALUE,    /* notice value; act value (double) */
    S_EX_VALUE2,   /* notice value2 (double) */
    S_EX_COUNT
};

struct nn_codec {
    nn_codec_limits_t lim;
    uint64_t allocs;
    char err[NN_TEXT_MAX];

    /* encode: the output and the columns the protobuf-c structs point at */
    s_buf_t out;
    s_buf_t col_a, col_b, col_c; /* uint32 columns */
    s_buf_t col_d;               /* double column */
    s_buf_t col_e;               /* uint64 column */
    s_buf_t col_f, col_g;        /* uint32 columns: welcome roles and superiors */
    s_buf_t ex[S_EX_COUNT];      /* tick and actions: the columns named above */
    Nunchi__V1__Population e_pop[NN_MAX_POPULATIONS];
    Nunchi__V1__Population *e_pop_ptr[NN_MAX_POPULATIONS];
    char *e_param[NN_MAX_POPULATIONS][NN_MAX_PARAMS];
    uint32_t e_dist[NN_MAX_POPULATIONS][NN_MAX_PARAMS];
    char *e_beh[NN_MAX_BEHAVIOURS];
    char *e_claim[NN_MAX_POPULATIONS];

    /* decode */
    s_arena_t arena;
    ProtobufCAllocator pa;
    s_buf_t t_dl, t_recv, t_off, t_nto, t_notice;  /* tick */
    s_buf_t a_msg, a_state, a_rec, a_tmp;          /* actions */
    s_buf_t a_trends, a_memory, a_act;             /* actions: agent words and acts */
    s_buf_t w_agent, w_pop, w_state, w_off, w_nbr; /* welcome */
    s_buf_t w_role, w_group, w_sup;                /* welcome: structure */
    s_buf_t w_llm;                                 /* welcome: the llm section */
    s_buf_t w_trends, w_memory;                    /* welcome: a restart's words */
    s_buf_t w_rcount, w_recall, w_rtext;           /* welcome: a restart's recall */
    s_buf_t e_recall, e_recall_ptr;                /* encode: the recall items */
    s_buf_t e_text;                                /* encode: the texts' descriptors */
    s_buf_t t_tfrom, t_tptr, t_tbytes;             /* tick: texts */
    s_buf_t a_tfrom, a_tptr, a_tbytes, a_lat;      /* actions: texts, latencies */
    nn_spend_t a_spend;                            /* actions: the decoded spend */
    Nunchi__V1__Spend e_spend;                     /* encode: the spend */
    nn_population_desc_t w_pops[NN_MAX_POPULATIONS];
};

static const char *const s_kind_name[] = {
    "message", "hello", "welcome", "reject", "tick", "actions", "heartbeat", "bye", "error",
};

static const char *s_kind(nn_wire_kind_t k)
{
    return (unsigned)k < sizeof s_kind_name / sizeof s_kind_name[0] ? s_kind_name[k] : "message";
}

static int s_fail(nn_codec_t *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(nn_codec_t *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- scratch buffers ------------------------------------------------------------- */

/* Makes b hold at least n elements of elem bytes (at least S_SCRATCH_MIN, so that empty
 * batches still get non-NULL arrays). Grows geometrically; the old content is dropped. */
static int s_reserve(nn_codec_t *c, s_buf_t *b, size_t n, size_t elem)
{
    if (n < S_SCRATCH_MIN)
        n = S_SCRATCH_MIN;
    if (n > SIZE_MAX / elem)
        return s_fail(c, NN_ENOMEM, "a buffer of %zu elements of %zu bytes does not fit memory", n,
                      elem);
    size_t need = n * elem;
    if (need <= b->cap)
        return NN_OK;
    size_t cap = b->cap ? b->cap : need;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    free(b->p);
    b->p = malloc(cap);
    c->allocs++;
    if (!b->p) {
        b->cap = 0;
        return s_fail(c, NN_ENOMEM, "out of memory for a buffer of %zu bytes", cap);
    }
    b->cap = cap;
    return NN_OK;
}

static void s_buf_free(s_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->cap = 0;
}

/* ---- the unpack arena ------------------------------------------------------------- */

static void *s_arena_alloc(void *data, size_t size)
{
    s_arena_t *a = data;
    if (size > SIZE_MAX - 2 * S_ALIGN) {
        a->over_budget = 1;
        return NULL;
    }
    size_t need = ((size ? size : 1) + S_ALIGN - 1) & ~(size_t)(S_ALIGN - 1);
    if (need > a->budget - a->demand) {
        a->over_budget = 1;
        return NULL;
    }
    a->demand += need;
    if (need <= a->cap - a->used) {
        void *p = a->base + a->used;
        a->used += need;
        return p;
    }
    s_spill_t *s = malloc(S_ALIGN + need);
    (*a->allocs)++;
    if (!s) {
        a->oom = 1;
        return NULL;
    }
    s->next = a->spill;
    a->spill = s;
    return (unsigned char *)s + S_ALIGN;
}

static void s_arena_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

static void s_arena_begin(s_arena_t *a, size_t len)
{
    a->used = 0;
    a->demand = 0;
    a->over_budget = 0;
    a->oom = 0;
    a->budget = len > (SIZE_MAX - S_BUDGET_SLACK) / S_BUDGET_PER_BYTE
                    ? SIZE_MAX
                    : len * S_BUDGET_PER_BYTE + S_BUDGET_SLACK;
}

/* Releases everything the last unpack took; after a successful one that did not fit the
 * block, the block grows so that the next message of that size fits. */
static void s_arena_end(s_arena_t *a, int grow)
{
    while (a->spill) {
        s_spill_t *next = a->spill->next;
        free(a->spill);
        a->spill = next;
    }
    if (grow && a->demand > a->cap) {
        size_t cap = a->cap ? a->cap : S_ARENA_MIN;
        while (cap < a->demand)
            cap = cap > SIZE_MAX / 2 ? a->demand : cap * 2;
        free(a->base);
        a->base = malloc(cap);
        (*a->allocs)++;
        a->cap = a->base ? cap : 0;
    }
    a->used = 0;
    a->demand = 0;
}

/* ---- life --------------------------------------------------------------------- */

int nn_codec_new(nn_codec_t **out, const nn_codec_limits_t *limits)
{
    if (!out)
        return NN_EINVAL;
    *out = NULL;
    nn_codec_t *c = calloc(1, sizeof *c);
    if (!c)
        return NN_ENOMEM;
    if (limits) {
        c->lim = *limits;
    } else {
        nn_codec_limits_t def = NN_CODEC_LIMITS_INIT;
        c->lim = def;
    }
    c->arena.allocs = &c->allocs;
    c->pa.alloc = s_arena_alloc;
    c->pa.free = s_arena_free;
    c->pa.allocator_data = &c->arena;
    *out = c;
    return NN_OK;
}

void nn_codec_destroy(nn_codec_t **pc)
{
    if (!pc || !*pc)
        return;
    nn_codec_t *c = *pc;
    s_buf_t *bufs[] = {&c->out,      &c->col_a,    &c->col_b,    &c->col_c,       &c->col_d,
                       &c->col_e,    &c->t_dl,     &c->t_recv,   &c->t_off,       &c->a_msg,
                       &c->a_state,  &c->a_rec,    &c->a_tmp,    &c->w_agent,     &c->w_pop,
                       &c->w_state,  &c->w_off,    &c->w_nbr,    &c->col_f,       &c->col_g,
                       &c->w_role,   &c->w_group,  &c->w_sup,    &c->t_nto,       &c->t_notice,
                       &c->a_trends, &c->a_memory, &c->a_act,    &c->w_llm,       &c->t_tfrom,
                       &c->t_tptr,   &c->t_tbytes, &c->a_tfrom,  &c->a_tptr,      &c->a_tbytes,
                       &c->a_lat,    &c->e_text,   &c->w_trends, &c->w_memory,    &c->w_rcount,
                       &c->w_recall, &c->w_rtext,  &c->e_recall, &c->e_recall_ptr};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        s_buf_free(bufs[i]);
    for (size_t i = 0; i < S_EX_COUNT; i++)
        s_buf_free(&c->ex[i]);
    s_arena_end(&c->arena, 0);
    free(c->arena.base);
    free(c);
    *pc = NULL;
}

const char *nn_codec_error(const nn_codec_t *c)
{
    return c ? c->err : "";
}

uint64_t nn_codec_allocations(const nn_codec_t *c)
{
    return c ? c->allocs : 0;
}

/* ---- encode ------------------------------------------------------------------- */

/* Points *dst at a fixed-size text field after checking that it is terminated. */
static int s_enc_str(nn_codec_t *c, const char *kind, const char *field, const char *src,
                     size_t size, char **dst)
{
    if (!memchr(src, '\0', size))
        return s_fail(c, NN_EINVAL, "%s: '%s' is not terminated within its %zu bytes", kind, field,
                      size);
    *dst = (char *)src;
    return NN_OK;
}

static int s_enc_hello(nn_codec_t *c, const nn_hello_t *h, Nunchi__V1__Hello *pb)
{
    nunchi__v1__hello__init(pb);
    int rc = s_enc_str(c, "hello", "implementation", h->implementation, sizeof h->implementation,
                       &pb->implementation);
    if (!rc)
        rc = s_enc_str(c, "hello", "language", h->language, sizeof h->language, &pb->language);
    if (rc)
        return rc;
    if (h->n_behaviours > NN_MAX_BEHAVIOURS)
        return s_fail(c, NN_EINVAL, "hello: 'behaviours' has %zu entries (at most %d)",
                      h->n_behaviours, NN_MAX_BEHAVIOURS);
    for (size_t i = 0; i < h->n_behaviours; i++)
        if ((rc = s_enc_str(c, "hello", "behaviours", h->behaviours[i], NN_NAME_MAX, &c->e_beh[i])))
            return rc;
    pb->n_behaviours = h->n_behaviours;
    pb->behaviours = c->e_beh;
    if (h->n_claims > NN_MAX_POPULATIONS)
        return s_fail(c, NN_EINVAL, "hello: 'claims' has %zu entries (at most %d)", h->n_claims,
                      NN_MAX_POPULATIONS);
    for (size_t i = 0; i < h->n_claims; i++)
        if ((rc = s_enc_str(c, "hello", "claims", h->claims[i], NN_NAME_MAX, &c->e_claim[i])))
            return rc;
    pb->n_claims = h->n_claims;
    pb->claims = c->e_claim;
    pb->max_agents = h->max_agents;
    pb->pid = h->pid;
    pb->session = h->session;
    return NN_OK;
}

/* The checks of parameter k ('name') of population p that encode and decode share: a
 * known distribution, a finite second number, a uniform range that does not run
 * backwards, a normal deviation that is not negative. */
static int s_check_dist(nn_codec_t *c, int code, size_t p, size_t k, const char *name,
                        uint32_t dist, double value, double b)
{
    if (dist > NN_DIST_NORMAL)
        return s_fail(c, code,
                      "welcome: population %zu: 'param_dist' [%zu] ('%s') is %u (0 constant, 1 "
                      "uniform, 2 normal)",
                      p, k, name, dist);
    if (!isfinite(b))
        return s_fail(c, code, "welcome: population %zu: 'param_b' [%zu] ('%s') is not finite", p,
                      k, name);
    if (dist == NN_DIST_UNIFORM && !(value <= b))
        return s_fail(c, code,
                      "welcome: population %zu: 'param_b' [%zu] ('%s') is %g, below 'param_value' "
                      "%g (a uniform runs from 'param_value' up to 'param_b')",
                      p, k, name, b, value);
    if (dist == NN_DIST_NORMAL && b < 0.0)
        return s_fail(c, code,
                      "welcome: population %zu: 'param_b' [%zu] ('%s') is %g (a normal's "
                      "deviation must be >= 0)",
                      p, k, name, b);
    return NN_OK;
}

static int s_enc_populations(nn_codec_t *c, const nn_welcome_t *w, Nunchi__V1__Welcome *pb)
{
    if (w->n_populations > NN_MAX_POPULATIONS)
        return s_fail(c, NN_EINVAL, "welcome: %zu populations (at most %d)", w->n_populations,
                      NN_MAX_POPULATIONS);
    if (w->n_populations && !w->populations)
        return s_fail(c, NN_EINVAL, "welcome: 'populations' is NULL");
    for (size_t p = 0; p < w->n_populations; p++) {
        const nn_population_desc_t *d = &w->populations[p];
        Nunchi__V1__Population *e = &c->e_pop[p];
        nunchi__v1__population__init(e);
        int rc = s_enc_str(c, "welcome", "behaviour", d->behaviour, NN_NAME_MAX, &e->behaviour);
        if (!rc)
            rc = s_enc_str(c, "welcome", "name", d->name, NN_NAME_MAX, &e->name);
        if (rc)
            return rc;
        if (d->n_params > NN_MAX_PARAMS)
            return s_fail(c, NN_EINVAL, "welcome: population %zu has %zu parameters (at most %d)",
                          p, d->n_params, NN_MAX_PARAMS);
        /* the distributions go on the wire only when some parameter is drawn */
        int any_dist = 0, any_b = 0;
        for (size_t k = 0; k < d->n_params; k++) {
            if ((rc = s_enc_str(c, "welcome", "param_name", d->param_name[k], NN_NAME_MAX,
                                &c->e_param[p][k])))
                return rc;
            if (!isfinite(d->param_value[k]))
                return s_fail(c, NN_EINVAL, "welcome: population %zu: parameter '%s' is not finite",
                              p, d->param_name[k]);
            if ((rc = s_check_dist(c, NN_EINVAL, p, k, d->param_name[k], d->param_dist[k],
                                   d->param_value[k], d->param_b[k])))
                return rc;
            c->e_dist[p][k] = d->param_dist[k];
            any_dist |= d->param_dist[k] != NN_DIST_CONSTANT;
            any_b |= d->param_b[k] != 0.0;
        }
        e->n_param_name = e->n_param_value = d->n_params;
        e->param_name = c->e_param[p];
        e->param_value = (double *)d->param_value;
        if (any_dist) {
            e->n_param_dist = d->n_params;
            e->param_dist = c->e_dist[p];
        }
        if (any_b) {
            e->n_param_b = d->n_params;
            e->param_b = (double *)d->param_b;
        }
        c->e_pop_ptr[p] = e;
    }
    pb->n_populations = w->n_populations;
    pb->populations = c->e_pop_ptr;
    return NN_OK;
}

/* The welcome's structure arrays: each absent (NULL) or one entry per agent; a superior
 * goes on the wire as its id + 1, 0 for none. */
static int s_enc_structure(nn_codec_t *c, const nn_welcome_t *w, const uint32_t *agent,
                           Nunchi__V1__Welcome *pb)
{
    size_t n = w->n_agents;
    int rc;
    if (w->role && n) {
        if ((rc = s_reserve(c, &c->col_f, n, sizeof(uint32_t))))
            return rc;
        uint32_t *role = c->col_f.p;
        for (size_t i = 0; i < n; i++) {
            if (w->role[i] >= NN_ROLE_COUNT)
                return s_fail(c, NN_EINVAL, "welcome: agent %u has role %u (roles are 0..%d)",
                              agent[i], w->role[i], NN_ROLE_COUNT - 1);
            role[i] = w->role[i];
        }
        pb->n_role = n;
        pb->role = role;
    }
    if (w->group && n) {
        pb->n_group = n;
        pb->group = (uint32_t *)w->group;
    }
    if (w->superior && n) {
        if ((rc = s_reserve(c, &c->col_g, n, sizeof(uint32_t))))
            return rc;
        uint32_t *sup = c->col_g.p;
        for (size_t i = 0; i < n; i++) {
            uint32_t v = w->superior[i];
            if (v != NN_NO_AGENT && v >= w->agents_total)
                return s_fail(c, NN_EINVAL,
                              "welcome: the superior %u of agent %u is not below 'agents_total' %u",
                              v, agent[i], w->agents_total);
            sup[i] = v == NN_NO_AGENT ? 0 : v + 1;
        }
        pb->n_superior = n;
        pb->superior = sup;
    }
    return NN_OK;
}

static int s_any_u64(const uint64_t *v, size_t n);

/* The llm agents' recall: the counts and the items travel only when some agent remembers
 * something, so that an old peer and a fresh join see nothing new. The checks are the
 * decoder's (s_dec_recall). */
static int s_enc_recall(nn_codec_t *c, const nn_welcome_t *w, const uint32_t *agent,
                        Nunchi__V1__Welcome *pb)
{
    size_t n = w->n_agents;
    uint64_t sum = 0;
    for (size_t i = 0; w->recall_count && i < n; i++)
        sum += w->recall_count[i];
    if (!w->recall_count && w->n_recall)
        return s_fail(c, NN_EINVAL, "welcome: 'recall' has %zu items but 'recall_count' is NULL",
                      w->n_recall);
    if (sum != w->n_recall)
        return s_fail(c, NN_EINVAL,
                      "welcome: 'recall_count' adds up to %llu but 'recall' has %zu items",
                      (unsigned long long)sum, w->n_recall);
    if (w->n_recall == 0)
        return NN_OK;
    if (w->n_recall > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG,
                      "welcome: %zu recall items exceed the limit of %zu ('max_batch')",
                      w->n_recall, c->lim.max_batch);
    if (!w->recall)
        return s_fail(c, NN_EINVAL, "welcome: 'recall' is NULL for %zu items", w->n_recall);
    int rc;
    if ((rc = s_reserve(c, &c->e_recall, w->n_recall, sizeof(Nunchi__V1__Recall))) ||
        (rc = s_reserve(c, &c->e_recall_ptr, w->n_recall, sizeof(Nunchi__V1__Recall *))))
        return rc;
    Nunchi__V1__Recall *e = c->e_recall.p, **ep = c->e_recall_ptr.p;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < w->recall_count[i]; j++, k++) {
            const nn_recall_t *r = &w->recall[k];
            const char *text = r->text ? r->text : "";
            size_t len = strlen(text);
            if (len > S_RECALL_TEXT_MAX)
                return s_fail(c, NN_EINVAL,
                              "welcome: the 'text' of recall item %zu (agent %u) is %zu bytes "
                              "long (at most %d)",
                              k, agent[i], len, S_RECALL_TEXT_MAX);
            if (!isfinite(r->value))
                return s_fail(c, NN_EINVAL,
                              "welcome: the 'value' of recall item %zu (agent %u) is not finite", k,
                              agent[i]);
            nunchi__v1__recall__init(&e[k]);
            e[k].round = r->round;
            e[k].from = r->from;
            e[k].v_case = NUNCHI__V1__RECALL__V_VALUE;
            e[k].value = r->value;
            e[k].verdict = r->verdict != 0;
            e[k].text.len = len;
            e[k].text.data = (uint8_t *)text;
            ep[k] = &e[k];
        }
    pb->n_recall_count = n;
    pb->recall_count = (uint32_t *)w->recall_count;
    pb->n_recall = w->n_recall;
    pb->recall = ep;
    return NN_OK;
}

static int s_dec_words(nn_codec_t *c, s_buf_t *b, const uint64_t *src, size_t n,
                       const uint64_t **dst);

static int s_enc_welcome(nn_codec_t *c, const nn_welcome_t *w, Nunchi__V1__Welcome *pb)
{
    nunchi__v1__welcome__init(pb);
    size_t n = w->n_agents;
    if (w->dim != 1)
        return s_fail(c, NN_EINVAL,
                      "welcome: 'dim' is %u (protocol v1 carries 1 value per opinion)", w->dim);
    if (n > c->lim.max_agents)
        return s_fail(c, NN_ETOOBIG, "welcome: %zu agents exceed the limit of %zu ('max_agents')",
                      n, c->lim.max_agents);
    if (!isfinite(w->deadline_s) || !isfinite(w->liveness_s) || !isfinite(w->heartbeat_s))
        return s_fail(c, NN_EINVAL, "welcome: '%s' is not finite",
                      !isfinite(w->deadline_s)   ? "deadline_s"
                      : !isfinite(w->liveness_s) ? "liveness_s"
                                                 : "heartbeat_s");
    int rc = s_enc_populations(c, w, pb);
    if (rc)
        return rc;
    if (n && (!w->population || !w->state || !w->nbr_off))
        return s_fail(c, NN_EINVAL, "welcome: '%s' is NULL for %zu agents",
                      !w->population ? "population"
                      : !w->state    ? "state"
                                     : "nbr_off",
                      n);
    if ((rc = s_reserve(c, &c->col_b, n, sizeof(uint32_t))))
        return rc;

    /* hosted agents: listed as given, or the contiguous range spelled out */
    const uint32_t *agent = w->agent;
    if (!agent) {
        if (n && (uint64_t)w->first_agent + (n - 1) > UINT32_MAX)
            return s_fail(c, NN_EINVAL, "welcome: agents %u + %zu pass the largest id",
                          w->first_agent, n);
        if ((rc = s_reserve(c, &c->col_a, n, sizeof(uint32_t))))
            return rc;
        uint32_t *ids = c->col_a.p;
        for (size_t i = 0; i < n; i++)
            ids[i] = w->first_agent + (uint32_t)i;
        agent = ids;
    }
    uint32_t *pop = c->col_b.p;
    for (size_t i = 0; i < n; i++) {
        if (i && agent[i] <= agent[i - 1])
            return s_fail(c, NN_EINVAL, "welcome: 'agent' does not ascend (%u after %u)", agent[i],
                          agent[i - 1]);
        if (agent[i] >= w->agents_total)
            return s_fail(c, NN_EINVAL, "welcome: agent %u is not below 'agents_total' %u",
                          agent[i], w->agents_total);
        if (w->population[i] >= w->n_populations)
            return s_fail(c, NN_EINVAL,
                          "welcome: agent %u has population %u but there are %zu populations",
                          agent[i], w->population[i], w->n_populations);
        pop[i] = w->population[i];
        if (!isfinite(w->state[i]))
            return s_fail(c, NN_EINVAL, "welcome: the 'state' of agent %u is not finite", agent[i]);
    }

    /* neighbour offsets, rebased to start at 0 */
    uint64_t base = w->nbr_off ? w->nbr_off[0] : 0;
    const uint64_t *off = w->nbr_off;
    for (size_t i = 0; i < n; i++)
        if (off[i + 1] < off[i])
            return s_fail(c, NN_EINVAL, "welcome: 'nbr_off' descends at agent %u (%llu after %llu)",
                          agent[i], (unsigned long long)off[i + 1], (unsigned long long)off[i]);
    uint64_t n_nbr = off ? off[n] - base : 0;
    if (n_nbr && !w->nbr)
        return s_fail(c, NN_EINVAL, "welcome: 'nbr' is NULL for %llu neighbours",
                      (unsigned long long)n_nbr);
    if (!off || base != 0) {
        if ((rc = s_reserve(c, &c->col_e, n + 1, sizeof(uint64_t))))
            return rc;
        uint64_t *o = c->col_e.p;
        for (size_t i = 0; i <= n; i++)
            o[i] = off ? off[i] - base : 0;
        off = o;
    }
    const uint32_t *nbr = w->nbr ? w->nbr + base : NULL;
    for (size_t i = 0; i < n; i++)
        for (uint64_t k = off[i]; k < off[i + 1]; k++) {
            if (nbr[k] >= w->agents_total)
                return s_fail(c, NN_EINVAL,
                              "welcome: neighbour %u of agent %u is not below 'agents_total' %u",
                              nbr[k], agent[i], w->agents_total);
            if (k > off[i] && nbr[k] < nbr[k - 1])
                return s_fail(c, NN_EINVAL,
                              "welcome: the neighbours of agent %u do not ascend (%u after %u)",
                              agent[i], nbr[k], nbr[k - 1]);
        }

    pb->node = w->node;
    pb->session = w->session;
    pb->seed = w->seed;
    pb->rounds = w->rounds;
    pb->agents_total = w->agents_total;
    pb->dim = w->dim;
    pb->n_agent = pb->n_population = pb->n_state = n;
    pb->agent = (uint32_t *)agent;
    pb->population = pop;
    pb->state = (double *)w->state;
    pb->n_neighbour_offset = n + 1;
    pb->neighbour_offset = (uint64_t *)off;
    pb->n_neighbour = (size_t)n_nbr;
    pb->neighbour = (uint32_t *)nbr;
    pb->deadline_s = w->deadline_s;
    pb->liveness_s = w->liveness_s;
    pb->heartbeat_s = w->heartbeat_s;
    pb->resumed = w->resumed != 0;
    pb->round = w->round;
    if (w->llm && strlen(w->llm) > S_LLM_MAX)
        return s_fail(c, NN_ETOOBIG, "welcome: the llm section has %zu bytes (at most %d)",
                      strlen(w->llm), S_LLM_MAX);
    pb->llm = (char *)(w->llm ? w->llm : "");
    if (w->trends && s_any_u64(w->trends, n)) {
        pb->n_trends = n;
        pb->trends = (uint64_t *)w->trends;
    }
    if (w->memory && s_any_u64(w->memory, n)) {
        pb->n_memory = n;
        pb->memory = (uint64_t *)w->memory;
    }
    if ((rc = s_enc_recall(c, w, agent, pb)))
        return rc;
    return s_enc_structure(c, w, agent, pb);
}

/* The deliveries of a tick. trends, standing and flags travel only when some delivery
 * differs from their defaults (0, 1, 0): a society without trends, structure or the
 * cooperation game pays nothing for them. */
static int s_enc_deliveries(nn_codec_t *c, const nn_tick_t *t, Nunchi__V1__Tick *pb)
{
    size_t nr = t->n_runs;
    if (nr == 0 && !t->inbox_off)
        return NN_OK;
    if (!t->inbox_off)
        return s_fail(c, NN_EINVAL, "tick: 'inbox_off' is NULL for %zu runs", nr);
    const uint64_t *off = t->inbox_off;
    for (size_t i = 0; i < nr; i++)
        if (off[i + 1] < off[i])
            return s_fail(c, NN_EINVAL, "tick: 'inbox_off' descends at run %zu (%llu after %llu)",
                          i, (unsigned long long)off[i + 1], (unsigned long long)off[i]);
    uint64_t total = off[nr] - off[0];
    if (total > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "tick: %llu deliveries exceed the limit of %zu ('max_batch')",
                      (unsigned long long)total, c->lim.max_batch);
    if (total && !t->deliveries)
        return s_fail(c, NN_EINVAL, "tick: 'deliveries' is NULL for %llu deliveries",
                      (unsigned long long)total);
    if (!t->receiver && nr && (uint64_t)t->first_agent + (nr - 1) > UINT32_MAX)
        return s_fail(c, NN_EINVAL, "tick: receivers %u + %zu pass the largest id", t->first_agent,
                      nr);
    int rc;
    if ((rc = s_reserve(c, &c->col_a, total, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->col_b, total, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->col_c, total, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->col_d, total, sizeof(double))) ||
        (rc = s_reserve(c, &c->ex[S_EX_TRENDS], total, sizeof(uint64_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_FLOAT], total, sizeof(float))) ||
        (rc = s_reserve(c, &c->ex[S_EX_FLAGS], total, sizeof(uint32_t))))
        return rc;
    uint32_t *to = c->col_a.p, *from = c->col_b.p, *seq = c->col_c.p;
    double *value = c->col_d.p;
    uint64_t *trends = c->ex[S_EX_TRENDS].p;
    float *standing = c->ex[S_EX_FLOAT].p;
    uint32_t *flags = c->ex[S_EX_FLAGS].p;
    int any_trends = 0, any_standing = 0, any_flags = 0;
    size_t k = 0;
    uint32_t prev_to = 0;
    uint64_t prev_key = 0;
    for (size_t i = 0; i < nr; i++) {
        uint32_t r = t->receiver ? t->receiver[i] : t->first_agent + (uint32_t)i;
        if (i && r < (t->receiver ? t->receiver[i - 1] : r - 1))
            return s_fail(c, NN_EINVAL, "tick: receivers do not ascend (%u after %u)", r,
                          t->receiver[i - 1]);
        for (uint64_t j = off[i]; j < off[i + 1]; j++, k++) {
            const nn_delivery_t *d = &t->deliveries[j];
            uint64_t key = (uint64_t)d->from << 32 | d->seq;
            if (k && r == prev_to && key < prev_key)
                return s_fail(c, NN_EINVAL,
                              "tick: the inbox of agent %u is not in (from, seq) order "
                              "(from %u seq %u after from %u seq %u)",
                              r, d->from, d->seq, (uint32_t)(prev_key >> 32), (uint32_t)prev_key);
            if (!isfinite(d->value))
                return s_fail(c, NN_EINVAL, "tick: the value from %u (seq %u) to %u is not finite",
                              d->from, d->seq, r);
            if (!(isfinite(d->standing) && d->standing >= 0.0f))
                return s_fail(c, NN_EINVAL,
                              "tick: the 'standing' of delivery %llu (from %u seq %u to %u) is %g "
                              "(must be finite and >= 0)",
                              (unsigned long long)j, d->from, d->seq, r, (double)d->standing);
            if (d->flags & ~S_MSG_FLAGS)
                return s_fail(c, NN_EINVAL,
                              "tick: the 'flags' of delivery %llu (from %u seq %u to %u) are 0x%x "
                              "(protocol v1 knows only 0x%x)",
                              (unsigned long long)j, d->from, d->seq, r, d->flags, S_MSG_FLAGS);
            to[k] = r;
            from[k] = d->from;
            seq[k] = d->seq;
            value[k] = d->value;
            trends[k] = d->trends;
            standing[k] = d->standing;
            flags[k] = d->flags;
            any_trends |= d->trends != 0;
            any_standing |= d->standing != S_STANDING_DEFAULT;
            any_flags |= d->flags != 0;
            prev_to = r;
            prev_key = key;
        }
    }
    pb->n_to = pb->n_from = pb->n_seq = pb->n_value = (size_t)total;
    pb->to = to;
    pb->from = from;
    pb->seq = seq;
    pb->value = value;
    pb->n_trends = any_trends ? (size_t)total : 0;
    pb->trends = trends;
    pb->n_standing = any_standing ? (size_t)total : 0;
    pb->standing = standing;
    pb->n_flags = any_flags ? (size_t)total : 0;
    pb->flags = flags;
    return NN_OK;
}

/* The notices of a tick, as parallel columns; `other` goes on the wire as id + 1
 * (modulo 2^32), so that NN_NO_AGENT is 0 and takes one byte. */
static int s_enc_notices(nn_codec_t *c, const nn_tick_t *t, Nunchi__V1__Tick *pb)
{
    size_t n = t->n_notices;
    if (n == 0)
        return NN_OK;
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "tick: %zu notices exceed the limit of %zu ('max_batch')", n,
                      c->lim.max_batch);
    if (!t->notice_to || !t->notices)
        return s_fail(c, NN_EINVAL, "tick: '%s' is NULL for %zu notices",
                      !t->notice_to ? "notice_to" : "notices", n);
    int rc;
    if ((rc = s_reserve(c, &c->ex[S_EX_KIND], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_PROTOCOL], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_CASE], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_OTHER], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_ARG], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_VALUE], n, sizeof(double))) ||
        (rc = s_reserve(c, &c->ex[S_EX_VALUE2], n, sizeof(double))))
        return rc;
    uint32_t *kind = c->ex[S_EX_KIND].p, *protocol = c->ex[S_EX_PROTOCOL].p;
    uint32_t *case_id = c->ex[S_EX_CASE].p, *other = c->ex[S_EX_OTHER].p, *arg = c->ex[S_EX_ARG].p;
    double *value = c->ex[S_EX_VALUE].p, *value2 = c->ex[S_EX_VALUE2].p;
    for (size_t i = 0; i < n; i++) {
        const nn_notice_t *e = &t->notices[i];
        uint32_t to = t->notice_to[i];
        if (i && to < t->notice_to[i - 1])
            return s_fail(c, NN_EINVAL, "tick: 'notice_to' descends at notice %zu (%u after %u)", i,
                          to, t->notice_to[i - 1]);
        if (e->kind == NN_NOTICE_NONE || e->kind >= NN_NOTICE_KINDS)
            return s_fail(c, NN_EINVAL, "tick: notice %zu (to %u) has kind %u (kinds are 1..%d)", i,
                          to, e->kind, NN_NOTICE_KINDS - 1);
        if (!isfinite(e->value) || !isfinite(e->value2))
            return s_fail(c, NN_EINVAL,
                          "tick: the '%s' of notice %zu (to %u, kind %u) is not finite",
                          isfinite(e->value) ? "value2" : "value", i, to, e->kind);
        kind[i] = e->kind;
        protocol[i] = e->protocol;
        case_id[i] = e->case_id;
        other[i] = e->other + 1u;
        arg[i] = e->arg;
        value[i] = e->value;
        value2[i] = e->value2;
    }
    pb->n_notice_to = pb->n_notice_kind = pb->n_notice_protocol = pb->n_notice_case = n;
    pb->n_notice_other = pb->n_notice_arg = pb->n_notice_value = pb->n_notice_value2 = n;
    pb->notice_to = (uint32_t *)t->notice_to;
    pb->notice_kind = kind;
    pb->notice_protocol = protocol;
    pb->notice_case = case_id;
    pb->notice_other = other;
    pb->notice_arg = arg;
    pb->notice_value = value;
    pb->notice_value2 = value2;
    return NN_OK;
}

/* Checks a column of texts (either direction): senders ascending and unique, each text
 * at most NN_TEXT_BYTES bytes of UTF-8. */
static int s_check_texts(nn_codec_t *c, int code, const char *kind, size_t n, const uint32_t *from,
                         const char *const *text)
{
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "%s: %zu texts exceed the limit of %zu ('max_batch')", kind, n,
                      c->lim.max_batch);
    if (n && (!from || !text))
        return s_fail(c, code, "%s: the texts' '%s' is NULL", kind, from ? "text" : "text_from");
    for (size_t i = 0; i < n; i++) {
        if (i && from[i] <= from[i - 1])
            return s_fail(c, code,
                          "%s: 'text_from' does not ascend (text %zu from %u after one from %u; "
                          "one text per agent)",
                          kind, i, from[i], from[i - 1]);
        if (!text[i] || !nn_text_valid(text[i]))
            return s_fail(c, code,
                          "%s: the text of agent %u is not at most %d bytes of UTF-8 without NUL",
                          kind, from[i], NN_TEXT_BYTES);
    }
    return NN_OK;
}

/* The texts go out as bytes (the proto's `bytes`: a string field would let a NUL inside
 * cut a text short unseen); the codec keeps the descriptors. */
static int s_enc_texts(nn_codec_t *c, const char *kind, const nn_texts_t *t, size_t *n_from,
                       uint32_t **from, size_t *n_text, ProtobufCBinaryData **text)
{
    int rc = s_check_texts(c, NN_EINVAL, kind, t->n, t->from, t->text);
    if (rc || !t->n)
        return rc;
    if ((rc = s_reserve(c, &c->e_text, t->n, sizeof(ProtobufCBinaryData))))
        return rc;
    ProtobufCBinaryData *d = c->e_text.p;
    for (size_t i = 0; i < t->n; i++) {
        d[i].len = strlen(t->text[i]);
        d[i].data = (uint8_t *)t->text[i];
    }
    *n_from = *n_text = t->n;
    *from = (uint32_t *)t->from;
    *text = d;
    return NN_OK;
}

/* A decoded column of texts, copied into the codec's buffers with a NUL each, and checked
 * as the encoder checks them (a NUL inside a text is refused). */
static int s_dec_texts(nn_codec_t *c, const char *kind, size_t n_from, const uint32_t *from,
                       size_t n_text, const ProtobufCBinaryData *text, s_buf_t *bfrom,
                       s_buf_t *bptr, s_buf_t *bbytes, nn_texts_t *out)
{
    memset(out, 0, sizeof *out);
    if (n_from != n_text)
        return s_fail(c, NN_EPROTO, "%s: 'text' has %zu entries but 'text_from' has %zu", kind,
                      n_text, n_from);
    if (!n_from)
        return NN_OK;
    if (n_from > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "%s: %zu texts exceed the limit of %zu ('max_batch')", kind,
                      n_from, c->lim.max_batch);
    size_t bytes = 0;
    for (size_t i = 0; i < n_from; i++) {
        if (text[i].len > NN_TEXT_BYTES || (text[i].len && memchr(text[i].data, 0, text[i].len)))
            return s_fail(c, NN_EPROTO,
                          "%s: the text of agent %u is not at most %d bytes of UTF-8 without NUL",
                          kind, from[i], NN_TEXT_BYTES);
        bytes += text[i].len + 1;
    }
    int rc;
    if ((rc = s_reserve(c, bfrom, n_from, sizeof(uint32_t))) ||
        (rc = s_reserve(c, bptr, n_from, sizeof(char *))) || (rc = s_reserve(c, bbytes, bytes, 1)))
        return rc;
    uint32_t *f = bfrom->p;
    const char **p = bptr->p;
    char *at = bbytes->p;
    for (size_t i = 0; i < n_from; i++) {
        if (text[i].len)
            memcpy(at, text[i].data, text[i].len);
        at[text[i].len] = '\0';
        f[i] = from[i];
        p[i] = at;
        at += text[i].len + 1;
    }
    if ((rc = s_check_texts(c, NN_EPROTO, kind, n_from, f, p)))
        return rc;
    out->n = n_from;
    out->from = f;
    out->text = p;
    return NN_OK;
}

static int s_enc_tick(nn_codec_t *c, const nn_tick_t *t, Nunchi__V1__Tick *pb)
{
    nunchi__v1__tick__init(pb);
    int rc = s_enc_deliveries(c, t, pb);
    if (!rc)
        rc = s_enc_notices(c, t, pb);
    if (!rc)
        rc = s_enc_texts(c, "tick", &t->texts, &pb->n_text_from, &pb->text_from, &pb->n_text,
                         &pb->text);
    pb->budget_spent = t->budget_spent != 0;
    return rc;
}

/* Whether any of n words is not 0: an array of zeros stays off the wire. */
static int s_any_u64(const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i])
            return 1;
    return 0;
}

/* The acts of an actions message, as parallel columns (`other` as in s_enc_notices). */
static int s_enc_acts(nn_codec_t *c, const nn_actions_t *a, Nunchi__V1__Actions *pb)
{
    size_t n = a->n_acts;
    if (n == 0)
        return NN_OK;
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "actions: %zu acts exceed the limit of %zu ('max_batch')", n,
                      c->lim.max_batch);
    if (!a->acts)
        return s_fail(c, NN_EINVAL, "actions: 'acts' is NULL for %zu acts", n);
    int rc;
    if ((rc = s_reserve(c, &c->ex[S_EX_PROTOCOL], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_KIND], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_CASE], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_OTHER], n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->ex[S_EX_VALUE], n, sizeof(double))))
        return rc;
    uint32_t *agent = c->ex[S_EX_PROTOCOL].p, *kind = c->ex[S_EX_KIND].p;
    uint32_t *case_id = c->ex[S_EX_CASE].p, *other = c->ex[S_EX_OTHER].p;
    double *value = c->ex[S_EX_VALUE].p;
    for (size_t i = 0; i < n; i++) {
        const nn_act_t *t = &a->acts[i];
        if (i && t->agent < a->acts[i - 1].agent)
            return s_fail(c, NN_EINVAL,
                          "actions: acts are not sorted by agent (act %zu of agent %u after one "
                          "of agent %u)",
                          i, t->agent, a->acts[i - 1].agent);
        if (t->kind == NN_ACT_NONE || t->kind >= NN_ACT_KINDS)
            return s_fail(c, NN_EINVAL,
                          "actions: act %zu (of agent %u) has kind %u (kinds are 1..%d)", i,
                          t->agent, t->kind, NN_ACT_KINDS - 1);
        if (!isfinite(t->value))
            return s_fail(c, NN_EINVAL, "actions: the value of act %zu (of agent %u) is not finite",
                          i, t->agent);
        agent[i] = t->agent;
        kind[i] = t->kind;
        case_id[i] = t->case_id;
        other[i] = t->other + 1u;
        value[i] = t->value;
    }
    pb->n_act_agent = pb->n_act_kind = pb->n_act_case = pb->n_act_other = pb->n_act_value = n;
    pb->act_agent = agent;
    pb->act_kind = kind;
    pb->act_case = case_id;
    pb->act_other = other;
    pb->act_value = value;
    return NN_OK;
}

/* The counter of the Spend message that has counter k's name. */
static uint64_t *s_pb_spend_counter(Nunchi__V1__Spend *pb, size_t k)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(
        &nunchi__v1__spend__descriptor, nn_spend_counter_name(k));
    return f && f->type == PROTOBUF_C_TYPE_UINT64 ? (uint64_t *)((char *)pb + f->offset) : NULL;
}

/* Copies the counters between the two forms (to_pb: into pb). NN_OK, or NN_EINVAL when
 * the Spend message lacks a counter (a build of mismatched sources). */
static int s_spend_copy(nn_codec_t *c, nn_spend_t *sp, Nunchi__V1__Spend *pb, int to_pb)
{
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++) {
        uint64_t *f = s_pb_spend_counter(pb, k);
        if (!f)
            return s_fail(c, NN_EINVAL, "the Spend message has no uint64 '%s'",
                          nn_spend_counter_name(k));
        if (to_pb)
            *f = *nn_spend_counter(sp, k);
        else
            *nn_spend_counter(sp, k) = *f;
    }
    return NN_OK;
}

static int s_check_latency(nn_codec_t *c, int code, const float *v, size_t n)
{
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "actions: %zu latencies exceed the limit of %zu ('max_batch')",
                      n, c->lim.max_batch);
    for (size_t i = 0; i < n; i++)
        if (!(isfinite(v[i]) && v[i] >= 0.0f))
            return s_fail(c, code, "actions: spend latency [%zu] is %g (must be finite, >= 0)", i,
                          (double)v[i]);
    return NN_OK;
}

static int s_enc_spend(nn_codec_t *c, const nn_spend_t *sp, Nunchi__V1__Actions *pb)
{
    if (sp->n_latency && !sp->latency_s)
        return s_fail(c, NN_EINVAL, "actions: the spend's 'latency_s' is NULL");
    int rc = s_check_latency(c, NN_EINVAL, sp->latency_s, sp->n_latency);
    if (rc)
        return rc;
    nunchi__v1__spend__init(&c->e_spend);
    if ((rc = s_spend_copy(c, (nn_spend_t *)sp, &c->e_spend, 1)))
        return rc;
    c->e_spend.n_latency_s = sp->n_latency;
    c->e_spend.latency_s = sp->latency_s;
    pb->spend = &c->e_spend;
    return NN_OK;
}

static int s_dec_spend(nn_codec_t *c, Nunchi__V1__Spend *pb, nn_actions_t *a)
{
    a->spend = NULL;
    if (!pb)
        return NN_OK;
    int rc = s_check_latency(c, NN_EPROTO, pb->latency_s, pb->n_latency_s);
    if (rc || (rc = s_reserve(c, &c->a_lat, pb->n_latency_s, sizeof(float))))
        return rc;
    nn_spend_t *sp = &c->a_spend;
    memset(sp, 0, sizeof *sp);
    if ((rc = s_spend_copy(c, sp, pb, 0)))
        return rc;
    if (pb->n_latency_s)
        memcpy(c->a_lat.p, pb->latency_s, pb->n_latency_s * sizeof(float));
    sp->n_latency = pb->n_latency_s;
    sp->latency_s = c->a_lat.p;
    a->spend = sp;
    return NN_OK;
}

static int s_enc_actions(nn_codec_t *c, const nn_actions_t *a, Nunchi__V1__Actions *pb)
{
    nunchi__v1__actions__init(pb);
    size_t n = a->n_msgs;
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "actions: %zu messages exceed the limit of %zu ('max_batch')",
                      n, c->lim.max_batch);
    if (a->n_state > c->lim.max_agents)
        return s_fail(c, NN_ETOOBIG, "actions: %zu states exceed the limit of %zu ('max_agents')",
                      a->n_state, c->lim.max_agents);
    if ((n && !a->msgs) || (a->n_state && !a->state))
        return s_fail(c, NN_EINVAL, "actions: '%s' is NULL", n && !a->msgs ? "msgs" : "state");
    int rc;
    if ((rc = s_reserve(c, &c->col_a, n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->col_b, n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->col_c, n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->col_d, n, sizeof(double))) ||
        (rc = s_reserve(c, &c->ex[S_EX_FLOAT], n, sizeof(float))) ||
        (rc = s_reserve(c, &c->ex[S_EX_FLAGS], n, sizeof(uint32_t))))
        return rc;
    uint32_t *from = c->col_a.p, *to = c->col_b.p, *seq = c->col_c.p;
    double *value = c->col_d.p;
    float *hostility = c->ex[S_EX_FLOAT].p;
    uint32_t *flags = c->ex[S_EX_FLAGS].p;
    int any_hostility = 0, any_flags = 0;
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        const nn_msg_t *m = &a->msgs[i];
        if (i && m->from < a->msgs[i - 1].from)
            return s_fail(c, NN_EINVAL,
                          "actions: messages are not sorted by sender (message %zu from %u "
                          "after one from %u)",
                          i, m->from, a->msgs[i - 1].from);
        if (i && m->from == a->msgs[i - 1].from) {
            if (s == UINT32_MAX)
                return s_fail(c, NN_EINVAL, "actions: sender %u sends more than %u messages",
                              m->from, UINT32_MAX);
            s++;
        } else {
            s = 0;
        }
        if (!isfinite(m->value))
            return s_fail(c, NN_EINVAL, "actions: the value of message %zu (from %u) is not finite",
                          i, m->from);
        if (!(m->hostility >= 0.0f && m->hostility <= 1.0f)) /* NaN fails too */
            return s_fail(c, NN_EINVAL,
                          "actions: the 'hostility' of message %zu (from %u) is %g (must be in "
                          "[0, 1])",
                          i, m->from, (double)m->hostility);
        if (m->flags & ~S_MSG_FLAGS)
            return s_fail(c, NN_EINVAL,
                          "actions: the 'flags' of message %zu (from %u) are 0x%x (protocol v1 "
                          "knows only 0x%x)",
                          i, m->from, m->flags, S_MSG_FLAGS);
        from[i] = m->from;
        to[i] = m->to;
        seq[i] = s;
        value[i] = m->value;
        hostility[i] = m->hostility;
        flags[i] = m->flags;
        any_hostility |= m->hostility != 0.0f;
        any_flags |= m->flags != 0;
    }
    for (size_t i = 0; i < a->n_state; i++)
        if (!isfinite(a->state[i]))
            return s_fail(c, NN_EINVAL, "actions: 'state' [%zu] is not finite", i);
    if ((rc = s_enc_acts(c, a, pb)))
        return rc;
    pb->n_from = pb->n_to = pb->n_seq = pb->n_value = n;
    pb->from = from;
    pb->to = to;
    pb->seq = seq;
    pb->value = value;
    pb->n_hostility = any_hostility ? n : 0;
    pb->hostility = hostility;
    pb->n_flags = any_flags ? n : 0;
    pb->flags = flags;
    pb->n_state = a->n_state;
    pb->state = (double *)a->state;
    if (a->trends && s_any_u64(a->trends, a->n_state)) {
        pb->n_trends = a->n_state;
        pb->trends = (uint64_t *)a->trends;
    }
    if (a->memory && s_any_u64(a->memory, a->n_state)) {
        pb->n_memory = a->n_state;
        pb->memory = (uint64_t *)a->memory;
    }
    pb->digest = a->digest;
    if ((rc = s_enc_texts(c, "actions", &a->texts, &pb->n_text_from, &pb->text_from, &pb->n_text,
                          &pb->text)))
        return rc;
    if (a->spend)
        return s_enc_spend(c, a->spend, pb);
    return NN_OK;
}

int nn_codec_encode(nn_codec_t *c, const nn_wire_t *msg, const void **data, size_t *len)
{
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    if (!c)
        return NN_EINVAL;
    c->err[0] = '\0';
    if (!msg || !data || !len)
        return s_fail(c, NN_EINVAL, "encode: '%s' is NULL", !msg ? "msg" : !data ? "data" : "len");

    Nunchi__V1__Envelope env = NUNCHI__V1__ENVELOPE__INIT;
    union {
        Nunchi__V1__Hello hello;
        Nunchi__V1__Welcome welcome;
        Nunchi__V1__Reject reject;
        Nunchi__V1__Tick tick;
        Nunchi__V1__Actions actions;
        Nunchi__V1__Heartbeat heartbeat;
        Nunchi__V1__Bye bye;
        Nunchi__V1__Error error;
    } b;
    env.version = NN_PROTOCOL_VERSION;
    env.round = msg->round;
    env.node = msg->node;
    int rc = NN_OK;
    switch (msg->kind) {
    case NN_WIRE_HELLO:
        rc = s_enc_hello(c, &msg->u.hello, &b.hello);
        env.body_case = NUNCHI__V1__ENVELOPE__BODY_HELLO;
        env.hello = &b.hello;
        break;
    case NN_WIRE_WELCOME:
        rc = s_enc_welcome(c, &msg->u.welcome, &b.welcome);
        env.body_case = NUNCHI__V1__ENVELOPE__BODY_WELCOME;
        env.welcome = &b.welcome;
        break;
    case NN_WIRE_REJECT:
        nunchi__v1__reject__init(&b.reject);
        rc = s_enc_str(c, "reject", "reason", msg->u.reject.reason, sizeof msg->u.reject.reason,
                       &b.reject.reason);
        if (!rc)
            rc = s_enc_str(c, "reject", "detail", msg->u.reject.detail, sizeof msg->u.reject.detail,
                           &b.reject.detail);
        env.body_case = NUNCHI__V1__ENVELOPE__BODY_REJECT;
        env.reject = &b.reject;
        break;
    case NN_WIRE_TICK:
        rc = s_enc_tick(c, &msg->u.tick, &b.tick);
        env.body_case = NUNCHI__V1__ENVELOPE__BODY_TICK;
        env.tick = &b.tick;
        break;
    case NN_WIRE_ACTIONS:
        rc = s_enc_actions(c, &msg->u.actions, &b.actions);
        env.body_case = NUNCHI__V1__ENVELOPE__BODY_ACTIONS;
        env.actions = &b.actions;
        break;
    case NN_WIRE_HEARTBEAT:
        nunchi__v1__heartbeat__init(&b.heartbeat);
        env.body_case = NUNCHI__V1__ENVELOPE__BODY_HEARTBEAT;
        env.heartbeat = &b.heartbeat;
        break;
    case NN_WIRE_BYE:
        nunchi__v1__bye__init(&b.bye);
        rc = s_enc_str(c, "bye", "reason", msg->u.bye.reason, sizeof msg->u.bye.reason,
                       &b.bye.reason);
        env.body_case = NUNCHI__V1__ENVELOPE__BODY_BYE;
        env.bye = &b.bye;
        break;
    case NN_WIRE_ERROR:
        nunchi__v1__error__init(&b.error);
        b.error.code = msg->u.error.code;
        rc = s_enc_str(c, "error", "message", msg->u.error.message, sizeof msg->u.error.message,
                       &b.error.message);
        env.body_case = NUNCHI__V1__ENVELOPE__BODY_ERROR;
        env.error = &b.error;
        break;
    default: return s_fail(c, NN_EINVAL, "encode: unknown message kind %d", (int)msg->kind);
    }
    if (rc)
        return rc;
    size_t n = nunchi__v1__envelope__get_packed_size(&env);
    if (n > c->lim.max_message_bytes)
        return s_fail(c, NN_ETOOBIG, "%s: %zu bytes exceed the limit of %zu ('max_message_bytes')",
                      s_kind(msg->kind), n, c->lim.max_message_bytes);
    if ((rc = s_reserve(c, &c->out, n, 1)))
        return rc;
    *len = nunchi__v1__envelope__pack(&env, c->out.p);
    *data = c->out.p;
    return NN_OK;
}

/* ---- decode ------------------------------------------------------------------- */

/* Copies a protobuf string into a fixed field, refusing one that does not fit. */
static int s_dec_str(nn_codec_t *c, const char *kind, const char *field, const char *src, char *dst,
                     size_t size)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= size)
        return s_fail(c, NN_EPROTO, "%s: '%s' is %zu bytes long (at most %zu)", kind, field, n,
                      size - 1);
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return NN_OK;
}

static int s_dec_hello(nn_codec_t *c, const Nunchi__V1__Hello *pb, nn_hello_t *h)
{
    int rc = s_dec_str(c, "hello", "implementation", pb->implementation, h->implementation,
                       sizeof h->implementation);
    if (!rc)
        rc = s_dec_str(c, "hello", "language", pb->language, h->language, sizeof h->language);
    if (rc)
        return rc;
    if (pb->n_behaviours > NN_MAX_BEHAVIOURS)
        return s_fail(c, NN_EPROTO, "hello: 'behaviours' has %zu entries (at most %d)",
                      pb->n_behaviours, NN_MAX_BEHAVIOURS);
    for (size_t i = 0; i < pb->n_behaviours; i++)
        if ((rc = s_dec_str(c, "hello", "behaviours", pb->behaviours[i], h->behaviours[i],
                            NN_NAME_MAX)))
            return rc;
    h->n_behaviours = pb->n_behaviours;
    if (pb->n_claims > NN_MAX_POPULATIONS)
        return s_fail(c, NN_EPROTO, "hello: 'claims' has %zu entries (at most %d)", pb->n_claims,
                      NN_MAX_POPULATIONS);
    for (size_t i = 0; i < pb->n_claims; i++)
        if ((rc = s_dec_str(c, "hello", "claims", pb->claims[i], h->claims[i], NN_NAME_MAX)))
            return rc;
    h->n_claims = pb->n_claims;
    h->max_agents = pb->max_agents;
    h->pid = pb->pid;
    h->session = pb->session;
    return NN_OK;
}

static int s_dec_populations(nn_codec_t *c, const Nunchi__V1__Welcome *pb)
{
    if (pb->n_populations > NN_MAX_POPULATIONS)
        return s_fail(c, NN_EPROTO, "welcome: 'populations' has %zu entries (at most %d)",
                      pb->n_populations, NN_MAX_POPULATIONS);
    for (size_t p = 0; p < pb->n_populations; p++) {
        const Nunchi__V1__Population *e = pb->populations[p];
        nn_population_desc_t *d = &c->w_pops[p];
        memset(d, 0, sizeof *d);
        if (!e)
            return s_fail(c, NN_EPROTO, "welcome: population %zu is missing", p);
        int rc = s_dec_str(c, "welcome", "behaviour", e->behaviour, d->behaviour, NN_NAME_MAX);
        if (!rc)
            rc = s_dec_str(c, "welcome", "name", e->name, d->name, NN_NAME_MAX);
        if (rc)
            return rc;
        if (e->n_param_value != e->n_param_name)
            return s_fail(c, NN_EPROTO,
                          "welcome: population %zu: 'param_value' has %zu entries but "
                          "'param_name' has %zu",
                          p, e->n_param_value, e->n_param_name);
        if (e->n_param_name > NN_MAX_PARAMS)
            return s_fail(c, NN_EPROTO,
                          "welcome: population %zu: 'param_name' has %zu entries (at most %d)", p,
                          e->n_param_name, NN_MAX_PARAMS);
        static const char *const opt_name[] = {"param_dist", "param_b"};
        const size_t opt[] = {e->n_param_dist, e->n_param_b};
        for (int o = 0; o < 2; o++)
            if (opt[o] && opt[o] != e->n_param_name)
                return s_fail(c, NN_EPROTO,
                              "welcome: population %zu: '%s' has %zu entries but 'param_name' "
                              "has %zu (0 or as many)",
                              p, opt_name[o], opt[o], e->n_param_name);
        for (size_t k = 0; k < e->n_param_name; k++) {
            if ((rc = s_dec_str(c, "welcome", "param_name", e->param_name[k], d->param_name[k],
                                NN_NAME_MAX)))
                return rc;
            if (!isfinite(e->param_value[k]))
                return s_fail(c, NN_EPROTO,
                              "welcome: population %zu: 'param_value' of '%s' is not finite", p,
                              d->param_name[k]);
            uint32_t dist = e->n_param_dist ? e->param_dist[k] : NN_DIST_CONSTANT;
            double b = e->n_param_b ? e->param_b[k] : 0.0;
            if ((rc = s_check_dist(c, NN_EPROTO, p, k, d->param_name[k], dist, e->param_value[k],
                                   b)))
                return rc;
            d->param_value[k] = e->param_value[k];
            d->param_dist[k] = (uint8_t)dist; /* <= NN_DIST_NORMAL */
            d->param_b[k] = b;
        }
        d->n_params = e->n_param_name;
    }
    return NN_OK;
}

/* The welcome's structure arrays, each empty or one entry per agent; see s_enc_structure. */
static int s_dec_structure(nn_codec_t *c, const Nunchi__V1__Welcome *pb, nn_welcome_t *w)
{
    size_t n = pb->n_agent;
    static const char *const name[] = {"role", "group", "superior"};
    const size_t count[] = {pb->n_role, pb->n_group, pb->n_superior};
    for (int k = 0; k < 3; k++)
        if (count[k] != 0 && count[k] != n)
            return s_fail(c, NN_EPROTO,
                          "welcome: '%s' has %zu entries but 'agent' has %zu (0 or as many)",
                          name[k], count[k], n);
    int rc;
    w->role = NULL;
    w->group = NULL;
    w->superior = NULL;
    if (pb->n_role) {
        if ((rc = s_reserve(c, &c->w_role, n, sizeof(uint8_t))))
            return rc;
        uint8_t *role = c->w_role.p;
        for (size_t i = 0; i < n; i++) {
            if (pb->role[i] >= NN_ROLE_COUNT)
                return s_fail(c, NN_EPROTO, "welcome: 'role' of agent %u is %u (roles are 0..%d)",
                              pb->agent[i], pb->role[i], NN_ROLE_COUNT - 1);
            role[i] = (uint8_t)pb->role[i];
        }
        w->role = role;
    }
    if (pb->n_group) {
        if ((rc = s_reserve(c, &c->w_group, n, sizeof(uint32_t))))
            return rc;
        memcpy(c->w_group.p, pb->group, n * sizeof(uint32_t));
        w->group = c->w_group.p;
    }
    if (pb->n_superior) {
        if ((rc = s_reserve(c, &c->w_sup, n, sizeof(uint32_t))))
            return rc;
        uint32_t *sup = c->w_sup.p;
        for (size_t i = 0; i < n; i++) {
            uint32_t v = pb->superior[i];
            if (v > pb->agents_total)
                return s_fail(c, NN_EPROTO,
                              "welcome: 'superior' of agent %u is %u, past agents_total %u + 1",
                              pb->agent[i], v, pb->agents_total);
            sup[i] = v == 0 ? NN_NO_AGENT : v - 1;
        }
        w->superior = sup;
    }
    return NN_OK;
}

/* The llm agents' recall: empty counts and no items is NULL (nobody remembers
 * anything); else one count per agent, adding up to the items, each item's text copied
 * with a NUL into the codec's scratch. */
static int s_dec_recall(nn_codec_t *c, const Nunchi__V1__Welcome *pb, nn_welcome_t *w)
{
    size_t n = pb->n_agent, m = pb->n_recall;
    w->recall_count = NULL;
    w->n_recall = 0;
    w->recall = NULL;
    if (pb->n_recall_count == 0) {
        if (m)
            return s_fail(c, NN_EPROTO,
                          "welcome: 'recall' has %zu items but 'recall_count' is empty", m);
        return NN_OK;
    }
    if (pb->n_recall_count != n)
        return s_fail(c, NN_EPROTO,
                      "welcome: 'recall_count' has %zu entries but 'agent' has %zu (0 or as many)",
                      pb->n_recall_count, n);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += pb->recall_count[i];
    if (sum != m)
        return s_fail(c, NN_EPROTO,
                      "welcome: 'recall_count' adds up to %llu but 'recall' has %zu items",
                      (unsigned long long)sum, m);
    if (m > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG,
                      "welcome: %zu recall items exceed the limit of %zu ('max_batch')", m,
                      c->lim.max_batch);
    size_t bytes = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < pb->recall_count[i]; j++, k++) {
            const Nunchi__V1__Recall *r = pb->recall[k];
            if (!r)
                return s_fail(c, NN_EPROTO, "welcome: recall item %zu is missing", k);
            if (r->text.len > S_RECALL_TEXT_MAX)
                return s_fail(c, NN_EPROTO,
                              "welcome: the 'text' of recall item %zu (agent %u) is %zu bytes "
                              "long (at most %d)",
                              k, pb->agent[i], r->text.len, S_RECALL_TEXT_MAX);
            if (r->text.len && memchr(r->text.data, 0, r->text.len))
                return s_fail(c, NN_EPROTO,
                              "welcome: the 'text' of recall item %zu (agent %u) holds a NUL byte",
                              k, pb->agent[i]);
            if (!isfinite(r->value))
                return s_fail(c, NN_EPROTO,
                              "welcome: the 'value' of recall item %zu (agent %u) is not finite", k,
                              pb->agent[i]);
            bytes += r->text.len + 1;
        }
    int rc;
    if ((rc = s_reserve(c, &c->w_rcount, n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->w_recall, m, sizeof(nn_recall_t))) ||
        (rc = s_reserve(c, &c->w_rtext, bytes, 1)))
        return rc;
    memcpy(c->w_rcount.p, pb->recall_count, n * sizeof(uint32_t));
    nn_recall_t *out = c->w_recall.p;
    char *at = c->w_rtext.p;
    for (k = 0; k < m; k++) {
        const Nunchi__V1__Recall *r = pb->recall[k];
        if (r->text.len)
            memcpy(at, r->text.data, r->text.len);
        at[r->text.len] = '\0';
        out[k].round = r->round;
        out[k].from = r->from;
        out[k].verdict = r->verdict != 0;
        out[k].value = r->value;
        out[k].text = at;
        at += r->text.len + 1;
    }
    w->recall_count = c->w_rcount.p;
    w->n_recall = m;
    w->recall = out;
    return NN_OK;
}

static int s_dec_welcome(nn_codec_t *c, const Nunchi__V1__Welcome *pb, nn_welcome_t *w)
{
    size_t n = pb->n_agent;
    if (pb->dim != 1)
        return s_fail(c, NN_EPROTO,
                      "welcome: 'dim' is %u (protocol v1 carries 1 value per opinion)", pb->dim);
    if (n > c->lim.max_agents)
        return s_fail(c, NN_ETOOBIG, "welcome: %zu agents exceed the limit of %zu ('max_agents')",
                      n, c->lim.max_agents);
    if (pb->n_population != n)
        return s_fail(c, NN_EPROTO, "welcome: 'population' has %zu entries but 'agent' has %zu",
                      pb->n_population, n);
    if (pb->n_state != n)
        return s_fail(c, NN_EPROTO, "welcome: 'state' has %zu entries but 'agent' has %zu (dim 1)",
                      pb->n_state, n);
    if (pb->n_neighbour_offset != n + 1)
        return s_fail(c, NN_EPROTO,
                      "welcome: 'neighbour_offset' has %zu entries but 'agent' has %zu "
                      "(expected %zu)",
                      pb->n_neighbour_offset, n, n + 1);
    if (!isfinite(pb->deadline_s) || !isfinite(pb->liveness_s) || !isfinite(pb->heartbeat_s))
        return s_fail(c, NN_EPROTO, "welcome: '%s' is not finite",
                      !isfinite(pb->deadline_s)   ? "deadline_s"
                      : !isfinite(pb->liveness_s) ? "liveness_s"
                                                  : "heartbeat_s");
    int rc = s_dec_populations(c, pb);
    if (rc)
        return rc;
    size_t n_nbr = pb->n_neighbour;
    if ((rc = s_reserve(c, &c->w_agent, n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->w_pop, n, sizeof(uint8_t))) ||
        (rc = s_reserve(c, &c->w_state, n, sizeof(double))) ||
        (rc = s_reserve(c, &c->w_off, n + 1, sizeof(uint64_t))) ||
        (rc = s_reserve(c, &c->w_nbr, n_nbr, sizeof(uint32_t))))
        return rc;
    uint32_t *agent = c->w_agent.p, *nbr = c->w_nbr.p;
    uint8_t *pop = c->w_pop.p;
    double *state = c->w_state.p;
    uint64_t *off = c->w_off.p;
    const uint64_t *po = pb->neighbour_offset;
    if (po[0] != 0)
        return s_fail(c, NN_EPROTO, "welcome: 'neighbour_offset' starts at %llu (expected 0)",
                      (unsigned long long)po[0]);
    off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = pb->agent[i];
        if (i && id <= agent[i - 1])
            return s_fail(c, NN_EPROTO, "welcome: 'agent' does not ascend (%u after %u)", id,
                          agent[i - 1]);
        if (id >= pb->agents_total)
            return s_fail(c, NN_EPROTO, "welcome: 'agent' %u is not below 'agents_total' %u", id,
                          pb->agents_total);
        agent[i] = id;
        if (pb->population[i] >= pb->n_populations)
            return s_fail(c, NN_EPROTO,
                          "welcome: 'population' of agent %u is %u but there are %zu populations",
                          id, pb->population[i], pb->n_populations);
        pop[i] = (uint8_t)pb->population[i]; /* < NN_MAX_POPULATIONS <= 255 */
        if (!isfinite(pb->state[i]))
            return s_fail(c, NN_EPROTO, "welcome: 'state' of agent %u is not finite", id);
        state[i] = pb->state[i];
        if (po[i + 1] < po[i])
            return s_fail(c, NN_EPROTO,
                          "welcome: 'neighbour_offset' descends at agent %u (%llu after %llu)", id,
                          (unsigned long long)po[i + 1], (unsigned long long)po[i]);
        if (po[i + 1] > n_nbr)
            return s_fail(c, NN_EPROTO,
                          "welcome: 'neighbour_offset' of agent %u is %llu but 'neighbour' has "
                          "%zu entries",
                          id, (unsigned long long)po[i + 1], n_nbr);
        off[i + 1] = po[i + 1];
        for (uint64_t k = po[i]; k < po[i + 1]; k++) {
            uint32_t v = pb->neighbour[k];
            if (v >= pb->agents_total)
                return s_fail(c, NN_EPROTO,
                              "welcome: 'neighbour' %u of agent %u is not below 'agents_total' %u",
                              v, id, pb->agents_total);
            if (k > po[i] && v < nbr[k - 1])
                return s_fail(c, NN_EPROTO,
                              "welcome: the 'neighbour' entries of agent %u do not ascend "
                              "(%u after %u)",
                              id, v, nbr[k - 1]);
            nbr[k] = v;
        }
    }
    if (po[n] != n_nbr)
        return s_fail(c, NN_EPROTO,
                      "welcome: 'neighbour_offset' ends at %llu but 'neighbour' has %zu entries",
                      (unsigned long long)po[n], n_nbr);
    w->node = pb->node;
    w->session = pb->session;
    w->seed = pb->seed;
    w->rounds = pb->rounds;
    w->agents_total = pb->agents_total;
    w->dim = pb->dim;
    w->n_populations = pb->n_populations;
    w->populations = c->w_pops;
    w->n_agents = n;
    w->first_agent = n ? agent[0] : 0;
    w->agent = agent;
    w->population = pop;
    w->state = state;
    w->nbr_off = off;
    w->nbr = nbr;
    w->deadline_s = pb->deadline_s;
    w->liveness_s = pb->liveness_s;
    w->heartbeat_s = pb->heartbeat_s;
    w->resumed = pb->resumed != 0;
    w->round = pb->round;
    w->llm = NULL;
    if (pb->llm && pb->llm[0]) {
        size_t len = strlen(pb->llm);
        if (len > S_LLM_MAX)
            return s_fail(c, NN_ETOOBIG, "welcome: the llm section has %zu bytes (at most %d)", len,
                          S_LLM_MAX);
        if ((rc = s_reserve(c, &c->w_llm, len + 1, 1)))
            return rc;
        memcpy(c->w_llm.p, pb->llm, len + 1);
        w->llm = c->w_llm.p;
    }
    if ((pb->n_trends && pb->n_trends != n) || (pb->n_memory && pb->n_memory != n))
        return s_fail(c, NN_EPROTO,
                      "welcome: '%s' has %zu entries but 'agent' has %zu (0 or as many)",
                      pb->n_trends && pb->n_trends != n ? "trends" : "memory",
                      pb->n_trends && pb->n_trends != n ? pb->n_trends : pb->n_memory, n);
    if ((rc = s_dec_words(c, &c->w_trends, pb->trends, pb->n_trends, &w->trends)) ||
        (rc = s_dec_words(c, &c->w_memory, pb->memory, pb->n_memory, &w->memory)) ||
        (rc = s_dec_recall(c, pb, w)))
        return rc;
    return s_dec_structure(c, pb, w);
}

/* The notices of a tick: parallel arrays of one length, sorted by receiver. */
static int s_dec_notices(nn_codec_t *c, const Nunchi__V1__Tick *pb, nn_tick_t *t)
{
    size_t n = pb->n_notice_to;
    static const char *const name[] = {"notice_kind",  "notice_protocol", "notice_case",
                                       "notice_other", "notice_arg",      "notice_value",
                                       "notice_value2"};
    const size_t count[] = {pb->n_notice_kind,  pb->n_notice_protocol, pb->n_notice_case,
                            pb->n_notice_other, pb->n_notice_arg,      pb->n_notice_value,
                            pb->n_notice_value2};
    for (size_t k = 0; k < sizeof count / sizeof count[0]; k++)
        if (count[k] != n)
            return s_fail(c, NN_EPROTO, "tick: '%s' has %zu entries but 'notice_to' has %zu",
                          name[k], count[k], n);
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "tick: %zu notices exceed the limit of %zu ('max_batch')", n,
                      c->lim.max_batch);
    int rc;
    if ((rc = s_reserve(c, &c->t_nto, n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->t_notice, n, sizeof(nn_notice_t))))
        return rc;
    uint32_t *nto = c->t_nto.p;
    nn_notice_t *nt = c->t_notice.p;
    for (size_t i = 0; i < n; i++) {
        uint32_t to = pb->notice_to[i], kind = pb->notice_kind[i];
        if (i && to < nto[i - 1])
            return s_fail(c, NN_EPROTO, "tick: 'notice_to' descends at notice %zu (%u after %u)", i,
                          to, nto[i - 1]);
        if (kind == NN_NOTICE_NONE || kind >= NN_NOTICE_KINDS)
            return s_fail(c, NN_EPROTO, "tick: 'notice_kind' [%zu] (to %u) is %u (kinds are 1..%d)",
                          i, to, kind, NN_NOTICE_KINDS - 1);
        if (pb->notice_protocol[i] > UINT16_MAX)
            return s_fail(c, NN_EPROTO, "tick: 'notice_protocol' [%zu] (to %u) is %u (at most %u)",
                          i, to, pb->notice_protocol[i], (unsigned)UINT16_MAX);
        if (!isfinite(pb->notice_value[i]) || !isfinite(pb->notice_value2[i]))
            return s_fail(c, NN_EPROTO, "tick: '%s' [%zu] (to %u) is not finite",
                          isfinite(pb->notice_value[i]) ? "notice_value2" : "notice_value", i, to);
        nto[i] = to;
        nt[i].kind = (uint16_t)kind; /* < NN_NOTICE_KINDS */
        nt[i].protocol = (uint16_t)pb->notice_protocol[i];
        nt[i].case_id = pb->notice_case[i];
        nt[i].other = pb->notice_other[i] - 1u; /* 0 (none) becomes NN_NO_AGENT */
        nt[i].arg = pb->notice_arg[i];
        nt[i].value = pb->notice_value[i];
        nt[i].value2 = pb->notice_value2[i];
    }
    t->n_notices = n;
    t->notice_to = nto;
    t->notices = nt;
    return NN_OK;
}

static int s_dec_tick(nn_codec_t *c, const Nunchi__V1__Tick *pb, nn_tick_t *t)
{
    size_t n = pb->n_to;
    if (pb->n_from != n || pb->n_seq != n || pb->n_value != n) {
        const char *f = pb->n_from != n ? "from" : pb->n_seq != n ? "seq" : "value";
        size_t m = pb->n_from != n ? pb->n_from : pb->n_seq != n ? pb->n_seq : pb->n_value;
        return s_fail(c, NN_EPROTO, "tick: '%s' has %zu entries but 'to' has %zu", f, m, n);
    }
    static const char *const opt_name[] = {"trends", "standing", "flags"};
    const size_t opt[] = {pb->n_trends, pb->n_standing, pb->n_flags};
    for (int k = 0; k < 3; k++)
        if (opt[k] && opt[k] != n)
            return s_fail(c, NN_EPROTO,
                          "tick: '%s' has %zu entries but 'to' has %zu (0 or as many)", opt_name[k],
                          opt[k], n);
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "tick: %zu deliveries exceed the limit of %zu ('max_batch')",
                      n, c->lim.max_batch);
    int rc;
    if ((rc = s_reserve(c, &c->t_dl, n, sizeof(nn_delivery_t))) ||
        (rc = s_reserve(c, &c->t_recv, n, sizeof(uint32_t))) ||
        (rc = s_reserve(c, &c->t_off, n + 1, sizeof(uint64_t))))
        return rc;
    nn_delivery_t *dl = c->t_dl.p;
    uint32_t *recv = c->t_recv.p;
    uint64_t *off = c->t_off.p;
    const uint32_t *to = pb->to, *from = pb->from, *seq = pb->seq;
    const double *value = pb->value;
    size_t runs = 0;
    off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(value[i]))
            return s_fail(c, NN_EPROTO, "tick: 'value' [%zu] (from %u to %u) is not finite", i,
                          from[i], to[i]);
        float standing = pb->n_standing ? pb->standing[i] : S_STANDING_DEFAULT;
        if (!(isfinite(standing) && standing >= 0.0f))
            return s_fail(c, NN_EPROTO,
                          "tick: 'standing' [%zu] (from %u to %u) is %g (must be finite and >= 0)",
                          i, from[i], to[i], (double)standing);
        uint32_t flags = pb->n_flags ? pb->flags[i] : 0;
        if (flags & ~S_MSG_FLAGS)
            return s_fail(c, NN_EPROTO,
                          "tick: 'flags' [%zu] (from %u to %u) is 0x%x (protocol v1 knows only "
                          "0x%x)",
                          i, from[i], to[i], flags, S_MSG_FLAGS);
        if (i == 0 || to[i] != to[i - 1]) {
            if (i && to[i] < to[i - 1])
                return s_fail(c, NN_EPROTO,
                              "tick: 'to' is not sorted (delivery %zu to %u after one to %u)", i,
                              to[i], to[i - 1]);
            off[runs] = i;
            recv[runs++] = to[i];
        } else if (from[i] < from[i - 1] || (from[i] == from[i - 1] && seq[i] < seq[i - 1])) {
            return s_fail(c, NN_EPROTO,
                          "tick: the inbox of agent %u is not sorted by (from, seq) (delivery "
                          "%zu from %u seq %u after from %u seq %u)",
                          to[i], i, from[i], seq[i], from[i - 1], seq[i - 1]);
        }
        dl[i].from = from[i];
        dl[i].seq = seq[i];
        dl[i].value = value[i];
        dl[i].trends = pb->n_trends ? pb->trends[i] : 0;
        dl[i].standing = standing;
        dl[i].flags = flags;
    }
    off[runs] = n;
    t->n_runs = runs;
    t->first_agent = runs ? recv[0] : 0;
    t->receiver = recv;
    t->inbox_off = off;
    t->deliveries = dl;
    t->budget_spent = pb->budget_spent != 0;
    if ((rc = s_dec_notices(c, pb, t)))
        return rc;
    return s_dec_texts(c, "tick", pb->n_text_from, pb->text_from, pb->n_text, pb->text, &c->t_tfrom,
                       &c->t_tptr, &c->t_tbytes, &t->texts);
}

static void s_insertion_sort(s_rec_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        s_rec_t x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].key > x.key) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* A stable bottom-up merge sort on key; returns the buffer (a or tmp) holding the result. */
static s_rec_t *s_sort(s_rec_t *a, s_rec_t *tmp, size_t n)
{
    for (size_t lo = 0; lo < n; lo += S_SORT_RUN)
        s_insertion_sort(a + lo, n - lo < S_SORT_RUN ? n - lo : S_SORT_RUN);
    s_rec_t *src = a, *dst = tmp;
    for (size_t w = S_SORT_RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = mid + w < n ? mid + w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = src[j].key < src[i].key ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        s_rec_t *s = src;
        src = dst;
        dst = s;
    }
    return src;
}

/* Each sender's seq must run 0, 1, 2, ...: checked on messages in (from, seq) order. */
static int s_check_seq(nn_codec_t *c, size_t i, uint32_t from, uint32_t seq, uint32_t pfrom,
                       uint32_t pseq)
{
    if (i == 0 || from != pfrom) {
        if (seq != 0)
            return s_fail(c, NN_EPROTO, "actions: sender %u starts at seq %u (expected 0)", from,
                          seq);
    } else if (seq == pseq) {
        return s_fail(c, NN_EPROTO, "actions: sender %u sends seq %u twice", from, seq);
    } else if (seq != pseq + 1) {
        return s_fail(c, NN_EPROTO, "actions: sender %u skips from seq %u to seq %u", from, pseq,
                      seq);
    }
    return NN_OK;
}

/* The acts of an actions message: parallel arrays of one length, sorted by agent. */
static int s_dec_acts(nn_codec_t *c, const Nunchi__V1__Actions *pb, nn_actions_t *a)
{
    size_t n = pb->n_act_agent;
    static const char *const name[] = {"act_kind", "act_case", "act_other", "act_value"};
    const size_t count[] = {pb->n_act_kind, pb->n_act_case, pb->n_act_other, pb->n_act_value};
    for (size_t k = 0; k < sizeof count / sizeof count[0]; k++)
        if (count[k] != n)
            return s_fail(c, NN_EPROTO, "actions: '%s' has %zu entries but 'act_agent' has %zu",
                          name[k], count[k], n);
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "actions: %zu acts exceed the limit of %zu ('max_batch')", n,
                      c->lim.max_batch);
    int rc;
    if ((rc = s_reserve(c, &c->a_act, n, sizeof(nn_act_t))))
        return rc;
    nn_act_t *act = c->a_act.p;
    for (size_t i = 0; i < n; i++) {
        uint32_t agent = pb->act_agent[i], kind = pb->act_kind[i];
        if (i && agent < act[i - 1].agent)
            return s_fail(c, NN_EPROTO, "actions: 'act_agent' descends at act %zu (%u after %u)", i,
                          agent, act[i - 1].agent);
        if (kind == NN_ACT_NONE || kind >= NN_ACT_KINDS)
            return s_fail(c, NN_EPROTO,
                          "actions: 'act_kind' [%zu] (agent %u) is %u (kinds are 1..%d)", i, agent,
                          kind, NN_ACT_KINDS - 1);
        if (!isfinite(pb->act_value[i]))
            return s_fail(c, NN_EPROTO, "actions: 'act_value' [%zu] (agent %u) is not finite", i,
                          agent);
        act[i].agent = agent;
        act[i].kind = kind;
        act[i].case_id = pb->act_case[i];
        act[i].other = pb->act_other[i] - 1u; /* 0 (none) becomes NN_NO_AGENT */
        act[i].value = pb->act_value[i];
    }
    a->n_acts = n;
    a->acts = act;
    return NN_OK;
}

/* A per-agent word array (trends, memory): empty is NULL (all 0), else one per state. */
static int s_dec_words(nn_codec_t *c, s_buf_t *b, const uint64_t *src, size_t n,
                       const uint64_t **dst)
{
    *dst = NULL;
    if (n == 0)
        return NN_OK;
    int rc = s_reserve(c, b, n, sizeof(uint64_t));
    if (rc)
        return rc;
    memcpy(b->p, src, n * sizeof(uint64_t));
    *dst = b->p;
    return NN_OK;
}

static int s_dec_actions(nn_codec_t *c, const Nunchi__V1__Actions *pb, nn_actions_t *a)
{
    size_t n = pb->n_from;
    if (pb->n_to != n || pb->n_seq != n || pb->n_value != n) {
        const char *f = pb->n_to != n ? "to" : pb->n_seq != n ? "seq" : "value";
        size_t m = pb->n_to != n ? pb->n_to : pb->n_seq != n ? pb->n_seq : pb->n_value;
        return s_fail(c, NN_EPROTO, "actions: '%s' has %zu entries but 'from' has %zu", f, m, n);
    }
    if (pb->n_hostility && pb->n_hostility != n)
        return s_fail(c, NN_EPROTO,
                      "actions: 'hostility' has %zu entries but 'from' has %zu (0 or as many)",
                      pb->n_hostility, n);
    if (pb->n_flags && pb->n_flags != n)
        return s_fail(c, NN_EPROTO,
                      "actions: 'flags' has %zu entries but 'from' has %zu (0 or as many)",
                      pb->n_flags, n);
    if (pb->n_trends && pb->n_trends != pb->n_state)
        return s_fail(c, NN_EPROTO,
                      "actions: 'trends' has %zu entries but 'state' has %zu (0 or as many)",
                      pb->n_trends, pb->n_state);
    if (pb->n_memory && pb->n_memory != pb->n_state)
        return s_fail(c, NN_EPROTO,
                      "actions: 'memory' has %zu entries but 'state' has %zu (0 or as many)",
                      pb->n_memory, pb->n_state);
    if (n > c->lim.max_batch)
        return s_fail(c, NN_ETOOBIG, "actions: %zu messages exceed the limit of %zu ('max_batch')",
                      n, c->lim.max_batch);
    if (pb->n_state > c->lim.max_agents)
        return s_fail(c, NN_ETOOBIG, "actions: %zu states exceed the limit of %zu ('max_agents')",
                      pb->n_state, c->lim.max_agents);
    int rc;
    if ((rc = s_reserve(c, &c->a_msg, n, sizeof(nn_msg_t))) ||
        (rc = s_reserve(c, &c->a_state, pb->n_state, sizeof(double))))
        return rc;
    const uint32_t *from = pb->from, *to = pb->to, *seq = pb->seq;
    const double *value = pb->value;
    nn_msg_t *msg = c->a_msg.p;
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(value[i]))
            return s_fail(c, NN_EPROTO, "actions: 'value' [%zu] (from %u seq %u) is not finite", i,
                          from[i], seq[i]);
        if (pb->n_hostility && !(pb->hostility[i] >= 0.0f && pb->hostility[i] <= 1.0f))
            return s_fail(c, NN_EPROTO,
                          "actions: 'hostility' [%zu] (from %u seq %u) is %g (must be in [0, 1])",
                          i, from[i], seq[i], (double)pb->hostility[i]);
        if (pb->n_flags && (pb->flags[i] & ~S_MSG_FLAGS))
            return s_fail(c, NN_EPROTO,
                          "actions: 'flags' [%zu] (from %u seq %u) is 0x%x (protocol v1 knows "
                          "only 0x%x)",
                          i, from[i], seq[i], pb->flags[i], S_MSG_FLAGS);
        if (i && (from[i] < from[i - 1] || (from[i] == from[i - 1] && seq[i] < seq[i - 1])))
            sorted = 0;
    }
    if (sorted) {
        for (size_t i = 0; i < n; i++) {
            if ((rc = s_check_seq(c, i, from[i], seq[i], i ? from[i - 1] : 0, i ? seq[i - 1] : 0)))
                return rc;
            msg[i].from = from[i];
            msg[i].to = to[i];
            msg[i].value = value[i];
            msg[i].hostility = pb->n_hostility ? pb->hostility[i] : 0.0f;
            msg[i].flags = pb->n_flags ? pb->flags[i] : 0;
        }
    } else {
        if ((rc = s_reserve(c, &c->a_rec, n, sizeof(s_rec_t))) ||
            (rc = s_reserve(c, &c->a_tmp, n, sizeof(s_rec_t))))
            return rc;
        s_rec_t *rec = c->a_rec.p;
        for (size_t i = 0; i < n; i++) {
            rec[i].key = (uint64_t)from[i] << 32 | seq[i];
            rec[i].value = value[i];
            rec[i].to = to[i];
            rec[i].hostility = pb->n_hostility ? pb->hostility[i] : 0.0f;
            rec[i].flags = pb->n_flags ? pb->flags[i] : 0;
        }
        rec = s_sort(rec, c->a_tmp.p, n);
        for (size_t i = 0; i < n; i++) {
            uint32_t f = (uint32_t)(rec[i].key >> 32), s = (uint32_t)rec[i].key;
            uint32_t pf = i ? (uint32_t)(rec[i - 1].key >> 32) : 0;
            uint32_t ps = i ? (uint32_t)rec[i - 1].key : 0;
            if ((rc = s_check_seq(c, i, f, s, pf, ps)))
                return rc;
            msg[i].from = f;
            msg[i].to = rec[i].to;
            msg[i].value = rec[i].value;
            msg[i].hostility = rec[i].hostility;
            msg[i].flags = rec[i].flags;
        }
    }
    double *state = c->a_state.p;
    for (size_t i = 0; i < pb->n_state; i++) {
        if (!isfinite(pb->state[i]))
            return s_fail(c, NN_EPROTO, "actions: 'state' [%zu] is not finite", i);
        state[i] = pb->state[i];
    }
    if ((rc = s_dec_words(c, &c->a_trends, pb->trends, pb->n_trends, &a->trends)) ||
        (rc = s_dec_words(c, &c->a_memory, pb->memory, pb->n_memory, &a->memory)) ||
        (rc = s_dec_acts(c, pb, a)))
        return rc;
    a->n_msgs = n;
    a->msgs = msg;
    a->n_state = pb->n_state;
    a->state = state;
    a->digest = pb->digest;
    if ((rc = s_dec_texts(c, "actions", pb->n_text_from, pb->text_from, pb->n_text, pb->text,
                          &c->a_tfrom, &c->a_tptr, &c->a_tbytes, &a->texts)))
        return rc;
    return s_dec_spend(c, pb->spend, a);
}

static int s_dec_envelope(nn_codec_t *c, const Nunchi__V1__Envelope *env, nn_wire_t *out)
{
    out->version = env->version; /* kept on a mismatch, so that the caller can say so */
    if (env->version != NN_PROTOCOL_VERSION)
        return s_fail(c, NN_EPROTO,
                      "envelope: unsupported protocol version %u (this end speaks %u)",
                      env->version, NN_PROTOCOL_VERSION);
    out->version = env->version;
    out->round = env->round;
    out->node = env->node;
    switch (env->body_case) {
    case NUNCHI__V1__ENVELOPE__BODY_HELLO:
        if (!env->hello)
            break;
        out->kind = NN_WIRE_HELLO;
        return s_dec_hello(c, env->hello, &out->u.hello);
    case NUNCHI__V1__ENVELOPE__BODY_WELCOME:
        if (!env->welcome)
            break;
        out->kind = NN_WIRE_WELCOME;
        return s_dec_welcome(c, env->welcome, &out->u.welcome);
    case NUNCHI__V1__ENVELOPE__BODY_REJECT: {
        if (!env->reject)
            break;
        out->kind = NN_WIRE_REJECT;
        int rc = s_dec_str(c, "reject", "reason", env->reject->reason, out->u.reject.reason,
                           sizeof out->u.reject.reason);
        if (rc)
            return rc;
        return s_dec_str(c, "reject", "detail", env->reject->detail, out->u.reject.detail,
                         sizeof out->u.reject.detail);
    }
    case NUNCHI__V1__ENVELOPE__BODY_TICK:
        if (!env->tick)
            break;
        out->kind = NN_WIRE_TICK;
        return s_dec_tick(c, env->tick, &out->u.tick);
    case NUNCHI__V1__ENVELOPE__BODY_ACTIONS:
        if (!env->actions)
            break;
        out->kind = NN_WIRE_ACTIONS;
        return s_dec_actions(c, env->actions, &out->u.actions);
    case NUNCHI__V1__ENVELOPE__BODY_HEARTBEAT: out->kind = NN_WIRE_HEARTBEAT; return NN_OK;
    case NUNCHI__V1__ENVELOPE__BODY_BYE:
        if (!env->bye)
            break;
        out->kind = NN_WIRE_BYE;
        return s_dec_str(c, "bye", "reason", env->bye->reason, out->u.bye.reason,
                         sizeof out->u.bye.reason);
    case NUNCHI__V1__ENVELOPE__BODY_ERROR:
        if (!env->error)
            break;
        out->kind = NN_WIRE_ERROR;
        out->u.error.code = env->error->code;
        return s_dec_str(c, "error", "message", env->error->message, out->u.error.message,
                         sizeof out->u.error.message);
    default: break;
    }
    return s_fail(c, NN_EPROTO,
                  "envelope: no message body (expected hello, welcome, reject, "
                  "tick, actions, heartbeat, bye or error)");
}

int nn_codec_decode(nn_codec_t *c, const void *data, size_t len, nn_wire_t *out, char *err,
                    size_t errlen)
{
    static const uint8_t s_empty[1] = {0};
    int rc;
    if (err && errlen)
        err[0] = '\0';
    if (!out) {
        rc = NN_EINVAL;
        if (c)
            s_fail(c, rc, "decode: 'out' is NULL");
        goto report;
    }
    memset(out, 0, sizeof *out);
    out->kind = NN_WIRE_NONE;
    if (!c || (!data && len)) {
        rc = NN_EINVAL;
        if (c)
            s_fail(c, rc, "decode: 'data' is NULL for %zu bytes", len);
        goto report;
    }
    c->err[0] = '\0';
    if (len > c->lim.max_message_bytes) {
        rc = s_fail(c, NN_ETOOBIG,
                    "envelope: %zu bytes exceed the limit of %zu ('max_message_bytes')", len,
                    c->lim.max_message_bytes);
        goto report;
    }
    if (len > S_UNPACK_MAX) {
        rc = s_fail(c, NN_ETOOBIG, "envelope: %zu bytes exceed the %zu that protobuf-c can unpack",
                    len, S_UNPACK_MAX);
        goto report;
    }
    s_arena_begin(&c->arena, len);
    Nunchi__V1__Envelope *env =
        nunchi__v1__envelope__unpack(&c->pa, len, len ? (const uint8_t *)data : s_empty);
    if (!env) {
        if (c->arena.oom)
            rc = s_fail(c, NN_ENOMEM, "envelope: out of memory unpacking %zu bytes", len);
        else if (c->arena.over_budget)
            rc = s_fail(c, NN_ETOOBIG,
                        "envelope: unpacking %zu bytes needs more than %zu bytes of memory", len,
                        c->arena.budget);
        else
            rc = s_fail(c, NN_EPROTO,
                        "envelope: %zu bytes are not a valid protobuf message "
                        "(truncated or malformed)",
                        len);
        s_arena_end(&c->arena, 0);
        goto report;
    }
    rc = s_dec_envelope(c, env, out);
    nunchi__v1__envelope__free_unpacked(env, &c->pa);
    s_arena_end(&c->arena, rc == NN_OK);
report:
    if (rc != NN_OK) {
        if (out)
            out->kind = NN_WIRE_NONE;
        if (err && errlen)
            snprintf(err, errlen, "%s", c ? c->err : "decode: 'c' is NULL");
    }
    return rc;
}
