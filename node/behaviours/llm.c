/* The llm behaviour: each agent asks a language model what to do. Its prompt is its
 * persona, its opinion, what its neighbours said (numbers and texts), its notices, the
 * cases that ask it something and its memory of earlier rounds (node/llm_prompt); the
 * answer is a JSON action. A node's agents of one population ask together, in prepare:
 * every request of the round goes out at once through node/llmclient, answers are cached
 * by a hash of the request (node/llm_cache), recorded or replayed, and an answer out of
 * schema gets one repair request. An agent left without a usable answer (the endpoint
 * failed, the repair failed too, the replay file does not hold its question, the token
 * budget is spent) is stepped by the scenario's fallback behaviour for that round.
 * Everything is counted in the round's nn_spend_t. docs/llm.md is the user's guide. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/behaviour.h"
#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "nunchi/wire.h"

#include "node/llm_cache.h"
#include "node/llm_prompt.h"
#include "node/llmclient.h"

#define S_CACHE_ENTRIES ((size_t)1 << 20)
#define S_MAX_LIST      4096 /* persona names or stances */

/* One hosted agent of the population. */
typedef struct s_agent {
    uint32_t id;
    nn_llmp_persona_t persona;
    nn_llmp_memory_t mem;
    nn_llmp_action_t act;
    int acted; /* this round: 1 act holds its action, 0 the fallback steps */
} s_agent_t;

/* One question of a round: an agent's prompt, or its repair. */
typedef struct s_ask {
    size_t agent;     /* index into agents */
    size_t view;      /* index into the batch's agents */
    json_t *messages; /* owned */
    char key[NN_LLMCACHE_KEY_LEN + 1];
    uint64_t seed;
    const char *content; /* the answer (the cache's, or the request's), or NULL */
} s_ask_t;

typedef struct s_llm {
    json_t *cfg;       /* the llm section (its strings back the persona lists) */
    nn_llmc_t *client; /* NULL when replaying */
    nn_llmcache_t *cache;
    nn_llmcache_rec_t *rec;
    int replay;
    char model[512]; /* the endpoints' models, joined by ',': the cache key's model */
    double temperature;
    uint32_t max_tokens;
    int send_seed;
    uint64_t seed_key; /* nn_rng_stream_key(seed, NN_STREAM_LLM_SEED) */
    uint32_t agents_total;
    const nn_behaviour_ops_t *fallback;
    double fb_params[NN_MAX_PARAMS];
    nn_llmp_persona_spec_t spec;
    const char *names[S_MAX_LIST];
    const char *stances[S_MAX_LIST];
    s_agent_t *agents;
    size_t n;
    /* a round's questions and requests, grown as needed */
    s_ask_t *asks;
    nn_llmc_request_t *reqs;
    size_t *req_ask;
    size_t cap;
} s_llm_t;

static int s_err(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static double s_num(const json_t *o, const char *key, double def)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

static void s_close(void *ctx)
{
    s_llm_t *c = ctx;
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        nn_llmp_memory_release(&c->agents[i].mem);
    free(c->agents);
    for (size_t i = 0; i < c->cap; i++)
        nn_llmc_request_reset(&c->reqs[i]);
    free(c->asks);
    free(c->reqs);
    free(c->req_ask);
    nn_llmc_destroy(&c->client);
    nn_llmcache_destroy(&c->cache);
    nn_llmcache_record_close(&c->rec);
    json_decref(c->cfg);
    free(c);
}

/* The client of the section's endpoints and retry settings. */
static int s_open_client(s_llm_t *c, const json_t *cfg, uint64_t jitter_seed, char *err,
                         size_t errlen)
{
    const json_t *eps = json_object_get(cfg, "endpoints");
    size_t n = json_array_size(eps);
    if (n == 0 || n > NN_LLMC_MAX_ENDPOINTS)
        return s_err(err, errlen, NN_EPROTO, "llm: the section has %zu endpoints (1..%u)", n,
                     NN_LLMC_MAX_ENDPOINTS);
    nn_llm_endpoint_t *ep = calloc(n, sizeof *ep);
    if (!ep)
        return NN_ENOMEM;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(eps, i);
        const char *url = json_string_value(json_object_get(e, "url"));
        const char *model = json_string_value(json_object_get(e, "model"));
        const char *key = json_string_value(json_object_get(e, "api_key_env"));
        snprintf(ep[i].url, sizeof ep[i].url, "%s", url ? url : "");
        snprintf(ep[i].model, sizeof ep[i].model, "%s", model ? model : "");
        snprintf(ep[i].api_key_env, sizeof ep[i].api_key_env, "%s", key ? key : "");
        ep[i].max_concurrency = (uint32_t)s_num(e, "max_concurrency", 8);
        int w =
            snprintf(c->model + used, sizeof c->model - used, "%s%s", i ? "," : "", ep[i].model);
        if (w > 0 && (size_t)w < sizeof c->model - used)
            used += (size_t)w;
    }
    if (c->replay) {
        free(ep);
        return NN_OK; /* no network */
    }
    nn_llmc_config_t lc = NN_LLMC_CONFIG_INIT;
    lc.endpoints = ep;
    lc.n_endpoints = n;
    lc.connect_timeout_s = s_num(cfg, "connect_timeout_s", NN_LLMC_CONNECT_TIMEOUT_S);
    lc.timeout_s = s_num(cfg, "timeout_s", NN_LLMC_TIMEOUT_S);
    lc.max_retries = (uint32_t)s_num(cfg, "retries", NN_LLMC_MAX_RETRIES);
    lc.backoff_s = s_num(cfg, "backoff_s", NN_LLMC_BACKOFF_S);
    lc.backoff_max_s = s_num(cfg, "backoff_max_s", NN_LLMC_BACKOFF_MAX_S);
    lc.retry_after_max_s = s_num(cfg, "retry_after_max_s", NN_LLMC_RETRY_AFTER_MAX_S);
    lc.seed = jitter_seed;
    char why[512] = "";
    int rc = nn_llmc_new(&c->client, &lc, why, sizeof why);
    free(ep);
    if (rc != NN_OK)
        return s_err(err, errlen, rc, "llm: %s", why);
    return NN_OK;
}

/* The persona templates: names and stances point into the section. */
static int s_open_personas(s_llm_t *c, const json_t *cfg, char *err, size_t errlen)
{
    const json_t *p = json_object_get(cfg, "personas");
    const json_t *names = json_object_get(p, "names"), *stances = json_object_get(p, "stances");
    const json_t *traits = json_object_get(p, "traits");
    if (json_array_size(names) > S_MAX_LIST || json_array_size(stances) > S_MAX_LIST ||
        json_array_size(traits) > NN_LLMP_MAX_TRAITS)
        return s_err(err, errlen, NN_EPROTO,
                     "llm.personas: more than %d names or stances, or %d traits", S_MAX_LIST,
                     NN_LLMP_MAX_TRAITS);
    for (size_t i = 0; i < json_array_size(names); i++)
        c->names[i] = json_string_value(json_array_get(names, i));
    for (size_t i = 0; i < json_array_size(stances); i++)
        c->stances[i] = json_string_value(json_array_get(stances, i));
    c->spec.n_names = json_array_size(names);
    c->spec.names = c->names;
    c->spec.n_stances = json_array_size(stances);
    c->spec.stances = c->stances;
    c->spec.n_traits = json_array_size(traits);
    for (size_t k = 0; k < c->spec.n_traits; k++) {
        const json_t *t = json_array_get(traits, k);
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *dist = json_string_value(json_object_get(t, "dist"));
        if (!name || !dist)
            return s_err(err, errlen, NN_EPROTO, "llm.personas.traits[%zu]: no name or dist", k);
        c->spec.trait_name[k] = name;
        c->spec.trait_dist[k] = !strcmp(dist, "uniform")  ? NN_DIST_UNIFORM
                                : !strcmp(dist, "normal") ? NN_DIST_NORMAL
                                                          : NN_DIST_CONSTANT;
        c->spec.trait_a[k] = s_num(t, "a", 0);
        c->spec.trait_b[k] = s_num(t, "b", 0);
    }
    for (size_t i = 0; i < c->spec.n_names; i++)
        if (!c->names[i])
            return s_err(err, errlen, NN_EPROTO, "llm.personas.names[%zu] is not a string", i);
    for (size_t i = 0; i < c->spec.n_stances; i++)
        if (!c->stances[i])
            return s_err(err, errlen, NN_EPROTO, "llm.personas.stances[%zu] is not a string", i);
    return NN_OK;
}

/* The fallback behaviour and its constant parameters. */
static int s_open_fallback(s_llm_t *c, const json_t *cfg, char *err, size_t errlen)
{
    const json_t *fb = json_object_get(cfg, "fallback");
    const char *name = json_string_value(json_object_get(fb, "behaviour"));
    c->fallback = nn_behaviour_find(name ? name : "stubborn");
    if (!c->fallback || c->fallback->prepare || c->fallback->binary_state)
        return s_err(
            err, errlen, NN_EPROTO,
            "llm.fallback.behaviour '%s' is not a behaviour of single steps with "
            "opinions in [0, 1] on this node (stubborn, deffuant, degroot, hk, voter, citizen)",
            name ? name : "stubborn");
    for (size_t k = 0; k < c->fallback->n_params; k++)
        c->fb_params[k] = c->fallback->params[k].def;
    const char *pname;
    json_t *v;
    json_object_foreach(json_object_get(fb, "params"), pname, v)
    {
        int idx = nn_behaviour_param_index(c->fallback, pname);
        if (idx < 0 || !json_is_number(v))
            return s_err(err, errlen, NN_EPROTO,
                         "llm.fallback.params: '%s' is not a numeric parameter of '%s'", pname,
                         c->fallback->name);
        c->fb_params[idx] = json_number_value(v);
    }
    return NN_OK;
}

static int s_open(void **ctx, const struct nn_welcome *w, size_t population, char *err,
                  size_t errlen)
{
    *ctx = NULL;
    if (!w->llm)
        return s_err(err, errlen, NN_EPROTO,
                     "the llm population %zu needs the scenario's llm section, and the welcome "
                     "has none",
                     population);
    json_error_t je;
    json_t *cfg = json_loads(w->llm, 0, &je);
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        return s_err(err, errlen, NN_EPROTO, "the welcome's llm section is not a JSON object: %s",
                     je.text);
    }
    s_llm_t *c = calloc(1, sizeof *c);
    if (!c) {
        json_decref(cfg);
        return NN_ENOMEM;
    }
    c->cfg = cfg;
    c->temperature = s_num(cfg, "temperature", 0.7);
    c->max_tokens = (uint32_t)s_num(cfg, "max_tokens", 256);
    c->send_seed = !json_is_false(json_object_get(cfg, "seed"));
    c->seed_key = nn_rng_stream_key(w->seed, NN_STREAM_LLM_SEED);
    c->agents_total = w->agents_total;
    const char *replay = json_string_value(json_object_get(cfg, "replay"));
    const char *record = json_string_value(json_object_get(cfg, "record"));
    c->replay = replay != NULL;
    int rc = nn_llmcache_new(&c->cache, S_CACHE_ENTRIES);
    if (rc == NN_OK && replay) {
        size_t loaded = 0;
        char why[768] = "";
        rc = nn_llmcache_load(c->cache, replay, &loaded, why, sizeof why);
        if (rc != NN_OK)
            rc = s_err(err, errlen, rc, "llm.replay: %s", why);
    }
    if (rc == NN_OK && record) {
        char why[768] = "";
        rc = nn_llmcache_record_open(&c->rec, record, why, sizeof why);
        if (rc != NN_OK)
            rc = s_err(err, errlen, rc, "llm.record: %s", why);
    }
    if (rc == NN_OK)
        rc = s_open_client(c, cfg, nn_mix64(w->seed ^ ((uint64_t)w->node << 32 | population)), err,
                           errlen);
    if (rc == NN_OK)
        rc = s_open_personas(c, cfg, err, errlen);
    if (rc == NN_OK)
        rc = s_open_fallback(c, cfg, err, errlen);
    size_t memory = (size_t)s_num(cfg, "memory", 8);
    for (size_t i = 0; rc == NN_OK && i < w->n_agents; i++)
        c->n += w->population[i] == population;
    if (rc == NN_OK && !(c->agents = calloc(c->n ? c->n : 1, sizeof *c->agents)))
        rc = NN_ENOMEM;
    size_t at = 0; /* a node that joins during the run: where agent i's memory starts */
    for (size_t i = 0, k = 0; rc == NN_OK && i < w->n_agents; i++) {
        size_t had = w->recall_count ? w->recall_count[i] : 0;
        at += had;
        if (w->population[i] != population)
            continue;
        s_agent_t *a = &c->agents[k++];
        a->id = w->agent ? w->agent[i] : w->first_agent + (uint32_t)i;
        nn_llmp_persona_draw(&c->spec, w->seed, a->id, &a->persona);
        rc = nn_llmp_memory_init(&a->mem, memory);
        if (rc == NN_OK && had && at <= w->n_recall)
            nn_llmp_memory_restore(&a->mem, w->recall + at - had, had);
    }
    if (rc != NN_OK) {
        if (rc == NN_ENOMEM && !err[0])
            s_err(err, errlen, rc, "llm: out of memory for %zu agents", c->n);
        s_close(c);
        return rc;
    }
    *ctx = c;
    return NN_OK;
}

static int s_grow(s_llm_t *c, size_t n)
{
    if (n <= c->cap)
        return NN_OK;
    size_t cap = c->cap ? c->cap : 64;
    while (cap < n)
        cap *= 2;
    s_ask_t *asks = realloc(c->asks, cap * sizeof *asks);
    if (asks)
        c->asks = asks;
    nn_llmc_request_t *reqs = realloc(c->reqs, cap * sizeof *reqs);
    if (reqs)
        c->reqs = reqs;
    size_t *ra = realloc(c->req_ask, cap * sizeof *ra);
    if (ra)
        c->req_ask = ra;
    if (!asks || !reqs || !ra)
        return NN_ENOMEM;
    for (size_t i = c->cap; i < cap; i++)
        nn_llmc_request_init(&c->reqs[i]);
    c->cap = cap;
    return NN_OK;
}

/* Answers asks[0 .. n - 1]: from the cache (or the replay file), else from the endpoints
 * in one batch; what comes back is cached and recorded. An ask without an answer keeps
 * content NULL. Counts into sp. */
static int s_answer(s_llm_t *c, const nn_batch_t *b, size_t n, char *err, size_t errlen)
{
    nn_spend_t *sp = b->spend;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        s_ask_t *q = &c->asks[i];
        q->content = NULL;
        const nn_llmcache_entry_t *e = nn_llmcache_get(c->cache, q->key);
        if (e) {
            q->content = e->content;
            sp->prompt_tokens += e->prompt_tokens;
            sp->completion_tokens += e->completion_tokens;
            if (c->replay)
                sp->replayed++;
            else
                sp->cache_hits++;
            continue;
        }
        if (c->replay) {
            sp->replay_missed++;
            continue;
        }
        nn_llmc_request_t *r = &c->reqs[m];
        nn_llmc_request_reset(r);
        r->messages = q->messages;
        r->temperature = c->temperature;
        r->max_tokens = c->max_tokens;
        r->has_seed = c->send_seed;
        r->seed = q->seed;
        c->req_ask[m++] = i;
    }
    if (!m)
        return NN_OK;
    int rc = nn_llmc_run(c->client, c->reqs, m);
    if (rc == NN_EINVAL)
        return s_err(err, errlen, rc, "llm: a request of round %llu was refused: %s",
                     (unsigned long long)b->round, c->reqs[0].error);
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    sp->sent += m;
    sp->attempts += st.attempts;
    sp->retries += st.retries;
    sp->http_429 += st.http_429;
    sp->http_5xx += st.http_5xx;
    sp->http_4xx += st.http_4xx;
    sp->timeouts += st.timeouts;
    sp->connect_errors += st.connect_errors;
    sp->bad_responses += st.bad_responses;
    for (size_t j = 0; j < m; j++) {
        nn_llmc_request_t *r = &c->reqs[j];
        s_ask_t *q = &c->asks[c->req_ask[j]];
        nn_spend_latency(sp, r->latency_s);
        if (r->outcome != NN_LLMC_OK || !r->content) {
            sp->failed++;
            continue;
        }
        sp->prompt_tokens += r->prompt_tokens;
        sp->completion_tokens += r->completion_tokens;
        int prc =
            nn_llmcache_put(c->cache, q->key, r->content, r->prompt_tokens, r->completion_tokens);
        const nn_llmcache_entry_t *e = prc == NN_OK ? nn_llmcache_get(c->cache, q->key) : NULL;
        q->content = e ? e->content : r->content;
        if (c->rec && nn_llmcache_record_write(c->rec, q->key, c->model, q->messages,
                                               c->temperature, c->max_tokens, c->send_seed, q->seed,
                                               b->round, c->agents[q->agent].id, r->content,
                                               r->prompt_tokens, r->completion_tokens) != NN_OK)
            return s_err(err, errlen, NN_EIO, "llm.record: %s", nn_llmcache_record_error(c->rec));
    }
    return NN_OK;
}

/* The seed of agent id's question of this round (stage 0: its prompt, 1: its repair). */
static uint64_t s_seed(const s_llm_t *c, uint32_t id, uint64_t round, int stage)
{
    nn_rng_t g;
    nn_rng_init_keyed(&g, c->seed_key, id, round * 2 + (uint64_t)stage);
    return nn_rng_u64(&g) >> 1; /* JSON integers are signed */
}

static int s_key(s_llm_t *c, s_ask_t *q, char *err, size_t errlen)
{
    if (!q->messages)
        return s_err(err, errlen, NN_ENOMEM, "llm: out of memory for a prompt");
    if (nn_llmcache_key(c->model, q->messages, c->temperature, c->max_tokens, c->send_seed, q->seed,
                        q->key) != NN_OK)
        return s_err(err, errlen, NN_ENOMEM, "llm: cannot hash the prompt of agent %u",
                     c->agents[q->agent].id);
    return NN_OK;
}

static void s_free_asks(s_llm_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(c->asks[i].messages);
        c->asks[i].messages = NULL;
    }
}

static int s_prepare(void *ctx, const nn_batch_t *b, char *err, size_t errlen)
{
    s_llm_t *c = ctx;
    nn_spend_t *sp = b->spend;
    if (b->n > c->n)
        return s_err(err, errlen, NN_EPROTO, "llm: %zu agents in the batch, %zu hosted", b->n,
                     c->n);
    int rc = s_grow(c, b->n);
    if (rc != NN_OK)
        return s_err(err, errlen, rc, "llm: out of memory for round %llu",
                     (unsigned long long)b->round);
    size_t n = 0, k = 0;
    for (size_t i = 0; i < b->n; i++) {
        const nn_agent_t *a = &b->agents[i];
        while (k < c->n && c->agents[k].id < a->id)
            k++;
        if (k == c->n || c->agents[k].id != a->id)
            return s_err(err, errlen, NN_EPROTO, "llm: agent %u is not one of this population's",
                         a->id);
        s_agent_t *ag = &c->agents[k];
        ag->acted = 0;
        b->slots[i] = ag;
        if (b->budget_spent) {
            sp->budget_skipped++;
            continue;
        }
        sp->asked++;
        s_ask_t *q = &c->asks[n++];
        q->agent = k;
        q->view = i;
        q->seed = s_seed(c, a->id, b->round, 0);
        q->messages = nn_llmp_messages(&ag->persona, a, a->texts, &ag->mem, c->agents_total);
        if ((rc = s_key(c, q, err, errlen)) != NN_OK) {
            s_free_asks(c, n);
            return rc;
        }
    }
    rc = s_answer(c, b, n, err, errlen);
    /* the answers read; those out of schema get their repair questions in place */
    size_t nr = 0;
    for (size_t i = 0; rc == NN_OK && i < n; i++) {
        s_ask_t *q = &c->asks[i];
        s_agent_t *ag = &c->agents[q->agent];
        const nn_agent_t *a = &b->agents[q->view];
        if (!q->content)
            continue;
        char why[256];
        if (nn_llmp_parse(q->content, a, &ag->act, why, sizeof why) == NN_OK) {
            ag->acted = 1;
            continue;
        }
        sp->invalid++;
        sp->repairs++;
        /* the repairs gather in asks[0 .. nr - 1]; asks[nr] (nr <= i) is q itself or an
         * ask already read and not repaired, whose messages are done with */
        json_t *fix = nn_llmp_repair(q->messages, q->content, why);
        s_ask_t *r = &c->asks[nr++];
        size_t agent = q->agent, view = q->view;
        json_decref(r->messages);
        r->agent = agent;
        r->view = view;
        r->seed = s_seed(c, ag->id, b->round, 1);
        r->messages = fix;
        rc = s_key(c, r, err, errlen);
    }
    /* the questions not reused for repairs are done with */
    for (size_t i = nr; i < n; i++) {
        json_decref(c->asks[i].messages);
        c->asks[i].messages = NULL;
    }
    if (rc == NN_OK && nr)
        rc = s_answer(c, b, nr, err, errlen);
    for (size_t i = 0; rc == NN_OK && i < nr; i++) {
        s_ask_t *q = &c->asks[i];
        s_agent_t *ag = &c->agents[q->agent];
        const nn_agent_t *a = &b->agents[q->view];
        char why[256];
        if (q->content && nn_llmp_parse(q->content, a, &ag->act, why, sizeof why) == NN_OK)
            ag->acted = 1;
        else if (q->content)
            sp->invalid++;
    }
    s_free_asks(c, nr);
    for (size_t i = 0; i < b->n; i++)
        sp->fallbacks += !((s_agent_t *)b->slots[i])->acted;
    return rc;
}

static void s_step(nn_agent_t *a)
{
    s_llm_t *c = a->ctx;
    s_agent_t *ag = a->prepared;
    if (ag && ag->acted) {
        nn_llmp_apply(&ag->act, a);
    } else if (c) {
        const double *params = a->params;
        a->params = c->fb_params;
        c->fallback->step(a);
        a->params = params;
    } else {
        nn_send_random(a, a->x);
    }
    if (ag)
        nn_llmp_memory_note(&ag->mem, a, a->texts);
}

const nn_behaviour_ops_t nn_behaviour_llm = {
    "llm",     "asks a language model what to do (the scenario's llm section; docs/llm.md)",
    NULL,      0,
    0,         s_step,
    s_open,    s_close,
    s_prepare,
};
