/* The llm behaviour's prompt and action; see llm_prompt.h. */
#include "node/llm_prompt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "nunchi/wire.h"

const char nn_llmp_schema[] =
    "{\"opinion\": number from 0 to 1, \"say\": \"a short text\" (optional), \"to\": "
    "[neighbour ids] (optional), \"cooperate\": true or false (optional, default true), "
    "\"complaint\": a neighbour id or null (optional), \"cases\": [{\"case\": id, \"vote\": "
    "number} or {\"case\": id, \"accept\": true or false} or {\"case\": id, \"offer\": "
    "number} or {\"case\": id, \"comply\": true or false}, one for each case that asks you] "
    "(optional)}";

/* The names the wire's numbers have in docs/society.md (the node does not include the
 * coordinator's headers, so they are written out here). */
static const char *const s_roles[] = {"citizen", "mediator", "arbiter", "leader"};
static const char *const s_norms[] = {"rate", "address", "aggression", "defection",
                                      "noncompliance"};
static const char *const s_sanctions[] = {"warn", "reputation", "mute", "exclude"};
static const char *const s_rules[] = {"foreign_sender", "unknown_receiver", "rate",
                                      "address",        "aggression",       "muted",
                                      "excluded",       "over_limit"};
static const char *const s_outcomes[] = {"agreed", "imposed", "tolerated", "escalated"};
static const char *const s_parts[] = {"party", "member", "mediator", "arbiter"};

static const char *s_name(const char *const *names, size_t n, uint32_t i)
{
    return i < n ? names[i] : "other";
}
#define S_NAME(t, i) s_name(t, sizeof t / sizeof t[0], i)

/* ---- text building ---------------------------------------------------------------- */

typedef struct s_text {
    char *buf;
    size_t len, cap;
    int failed;
} s_text_t;

static void s_put(s_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_put(s_text_t *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if (t->buf && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap : 1024;
        while (cap <= t->len + (size_t)n)
            cap *= 2;
        char *b = realloc(t->buf, cap);
        if (!b) {
            t->failed = 1;
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
}

/* A text of the society's (a neighbour's words) on one line: control characters become
 * spaces, so that a message cannot forge a line of the prompt. */
static void s_put_text(s_text_t *t, const char *text)
{
    if (!text || !*text)
        return;
    /* control characters become spaces, so that a text stays on its line; copied in
     * one s_put (a text is at most NN_LLMP_MAX_SAY bytes from a model, or a delivery's
     * NN_TEXT_BYTES) */
    char clean[NN_TEXT_BYTES > NN_LLMP_MAX_SAY ? NN_TEXT_BYTES + 1 : NN_LLMP_MAX_SAY + 1];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c && n + 1 < sizeof clean; c++)
        clean[n++] = *c < 0x20 || *c == 0x7f ? ' ' : (char)*c;
    clean[n] = '\0';
    s_put(t, " %s", clean);
}

static json_t *s_message(const char *role, s_text_t *t)
{
    json_t *m = t->failed ? NULL : json_pack("{s:s,s:s#}", "role", role, "content", t->buf, t->len);
    free(t->buf);
    memset(t, 0, sizeof *t);
    return m;
}

static nn_llmp_ask_t s_ask_of(uint16_t kind)
{
    switch (kind) {
    case NN_NOTICE_VOTE: return NN_LLMP_ASK_VOTE;
    case NN_NOTICE_PROPOSAL: return NN_LLMP_ASK_ACCEPT;
    case NN_NOTICE_OFFER: return NN_LLMP_ASK_OFFER;
    case NN_NOTICE_VERDICT: return NN_LLMP_ASK_COMPLY;
    default: return (nn_llmp_ask_t)0;
    }
}

static void s_put_agent(s_text_t *t, uint32_t id)
{
    if (id == NN_NO_AGENT)
        s_put(t, "none");
    else
        s_put(t, "%u", id);
}

static void s_put_notice(s_text_t *t, const nn_notice_t *n)
{
    switch (n->kind) {
    case NN_NOTICE_BLOCKED:
        s_put(t, "notice: blocked %s %.17g\n", S_NAME(s_rules, n->arg), n->value);
        break;
    case NN_NOTICE_SANCTION:
        s_put(t, "notice: sanction %s %s %.17g\n", S_NAME(s_norms, n->arg),
              S_NAME(s_sanctions, n->other), n->value);
        break;
    case NN_NOTICE_CASE:
        s_put(t, "notice: case %u opened, you are %s, other ", n->case_id, S_NAME(s_parts, n->arg));
        s_put_agent(t, n->other);
        s_put(t, ", your position %.17g, theirs %.17g\n", n->value, n->value2);
        break;
    case NN_NOTICE_DELIBERATE:
        s_put(t, "notice: case %u deliberated, your position %.17g\n", n->case_id, n->value);
        break;
    case NN_NOTICE_CLOSED:
        s_put(t, "notice: case %u closed %s at %.17g\n", n->case_id, S_NAME(s_outcomes, n->arg),
              n->value);
        break;
    case NN_NOTICE_TREND: s_put(t, "notice: you took up trend %u\n", n->arg); break;
    case NN_NOTICE_VOTE:
        s_put(t, "case: %u vote among %u options from %.17g to %.17g\n", n->case_id, n->arg,
              n->value, n->value2);
        break;
    case NN_NOTICE_PROPOSAL:
        s_put(t, "case: %u accept a proposal of %.17g from ", n->case_id, n->value);
        s_put_agent(t, n->other);
        s_put(t, "\n");
        break;
    case NN_NOTICE_OFFER:
        s_put(t, "case: %u offer: ", n->case_id);
        s_put_agent(t, n->other);
        s_put(t, " offers %.17g, yours was %.17g; accept it or offer another\n", n->value,
              n->value2);
        break;
    case NN_NOTICE_VERDICT:
        s_put(t, "case: %u comply with the verdict %.17g (%s) by ", n->case_id, n->value,
              S_NAME(s_outcomes, n->arg));
        s_put_agent(t, n->other);
        s_put(t, "\n");
        break;
    default: break;
    }
}

json_t *nn_llmp_messages(const nn_llmp_persona_t *p, const nn_agent_t *a, nn_llmp_texts_t texts,
                         const nn_llmp_memory_t *mem, uint32_t agents_total)
{
    s_text_t t = {0};
    s_put(&t, "You are %s, one of the %u members of a society.", p->name[0] ? p->name : "a member",
          agents_total);
    if (p->stance[0])
        s_put(&t, " You are %s.", p->stance);
    if (p->n_traits) {
        s_put(&t, " Your traits, from 0 to 1:");
        for (size_t i = 0; i < p->n_traits && i < NN_LLMP_MAX_TRAITS; i++)
            s_put(&t, "%s %s %.2f", i ? "," : "", p->trait_name[i], p->trait[i]);
        s_put(&t, ".");
    }
    s_put(&t, " Your role: %s, in group %u", S_NAME(s_roles, a->role), a->group);
    if (a->superior != NN_NO_AGENT)
        s_put(&t, ", under %u", a->superior);
    s_put(&t,
          ". Each round you read what your neighbours said, decide your opinion on the "
          "society's question (a number from 0 to 1), may say something to some of them, "
          "and answer the cases that ask you something. Answer with one JSON object and "
          "nothing else: %s",
          nn_llmp_schema);
    json_t *sys = s_message("system", &t);

    s_put(&t, "round: %llu\nopinion: %.17g\nneighbours:", (unsigned long long)a->round, a->x);
    for (size_t i = 0; i < a->n_nbrs; i++)
        s_put(&t, " %u", a->nbrs[i]);
    s_put(&t, "\n");
    for (size_t i = 0; i < a->n_inbox; i++) {
        s_put(&t, "heard: %u %.17g", a->inbox[i].from, a->inbox[i].value);
        s_put_text(&t, texts ? texts[i] : NULL);
        s_put(&t, "\n");
    }
    for (size_t i = 0; i < a->n_notices; i++)
        s_put_notice(&t, &a->notices[i]);
    for (size_t k = 0; mem && k < mem->len; k++) {
        const nn_llmp_memory_item_t *m = &mem->items[(mem->head + k) % mem->cap];
        s_put(&t, "remember: %llu %s ", (unsigned long long)m->round,
              m->verdict ? "verdict" : "heard");
        s_put_agent(&t, m->from);
        s_put(&t, " %.17g", m->value);
        s_put_text(&t, m->text);
        s_put(&t, "\n");
    }
    json_t *user = s_message("user", &t);
    json_t *msgs = sys && user ? json_pack("[o,o]", sys, user) : NULL;
    if (!msgs) {
        json_decref(sys);
        json_decref(user);
    }
    return msgs;
}

/* ---- persona ---------------------------------------------------------------------- */

void nn_llmp_persona_draw(const nn_llmp_persona_spec_t *spec, uint64_t seed, uint32_t id,
                          nn_llmp_persona_t *out)
{
    memset(out, 0, sizeof *out);
    nn_rng_t g;
    if (spec->n_names) {
        nn_rng_init(&g, seed, NN_STREAM_PERSONA, id, 0);
        snprintf(out->name, sizeof out->name, "%s", spec->names[nn_rng_below(&g, spec->n_names)]);
    } else {
        snprintf(out->name, sizeof out->name, "member %u", id);
    }
    if (spec->n_stances) {
        nn_rng_init(&g, seed, NN_STREAM_PERSONA, id, 1);
        snprintf(out->stance, sizeof out->stance, "%s",
                 spec->stances[nn_rng_below(&g, spec->n_stances)]);
    }
    out->n_traits = spec->n_traits < NN_LLMP_MAX_TRAITS ? spec->n_traits : NN_LLMP_MAX_TRAITS;
    for (size_t k = 0; k < out->n_traits; k++) {
        snprintf(out->trait_name[k], sizeof out->trait_name[k], "%s", spec->trait_name[k]);
        double v = spec->trait_a[k];
        nn_rng_init(&g, seed, NN_STREAM_PERSONA, id, 2 + k);
        if (spec->trait_dist[k] == NN_DIST_UNIFORM)
            v = spec->trait_a[k] + (spec->trait_b[k] - spec->trait_a[k]) * nn_rng_unit(&g);
        else if (spec->trait_dist[k] == NN_DIST_NORMAL)
            v = spec->trait_a[k] + spec->trait_b[k] * nn_rng_normal(&g);
        out->trait[k] = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
    }
}

/* ---- memory ----------------------------------------------------------------------- */

int nn_llmp_memory_init(nn_llmp_memory_t *m, size_t cap)
{
    memset(m, 0, sizeof *m);
    if (cap && !(m->items = calloc(cap, sizeof *m->items)))
        return NN_ENOMEM;
    m->cap = cap;
    return NN_OK;
}

void nn_llmp_memory_release(nn_llmp_memory_t *m)
{
    free(m->items);
    memset(m, 0, sizeof *m);
}

static void s_remember(nn_llmp_memory_t *m, uint64_t round, uint32_t from, double value,
                       int verdict, const char *text)
{
    if (!m->cap)
        return;
    nn_llmp_memory_item_t *it;
    if (m->len < m->cap) {
        it = &m->items[(m->head + m->len) % m->cap];
        m->len++;
    } else { /* full: the oldest goes */
        it = &m->items[m->head];
        m->head = (m->head + 1) % m->cap;
    }
    it->round = round;
    it->from = from;
    it->value = value;
    it->verdict = verdict;
    snprintf(it->text, sizeof it->text, "%s", text ? text : "");
}

void nn_llmp_memory_note(nn_llmp_memory_t *m, const nn_agent_t *a, nn_llmp_texts_t texts)
{
    for (size_t i = 0; i < a->n_inbox; i++)
        s_remember(m, a->round, a->inbox[i].from, a->inbox[i].value, 0, texts ? texts[i] : NULL);
    for (size_t i = 0; i < a->n_notices; i++)
        if (a->notices[i].kind == NN_NOTICE_VERDICT)
            s_remember(m, a->round, a->notices[i].other, a->notices[i].value, 1, NULL);
}

void nn_llmp_memory_restore(nn_llmp_memory_t *m, const nn_recall_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_remember(m, items[i].round, items[i].from, items[i].value, items[i].verdict != 0,
                   items[i].text);
}

/* ---- the action ------------------------------------------------------------------- */

static int s_why(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_why(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return NN_EPROTO;
}

static int s_is_nbr(const nn_agent_t *a, uint32_t id)
{
    size_t lo = 0, hi = a->n_nbrs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->nbrs[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n_nbrs && a->nbrs[lo] == id;
}

/* A neighbour's id from an integer JSON value, or -1 after saying why. */
static int s_nbr_id(const json_t *v, const nn_agent_t *a, const char *key, uint32_t *out, char *why,
                    size_t len)
{
    if (!json_is_integer(v))
        return s_why(why, len, "'%s' must hold neighbour ids (integers)", key);
    json_int_t id = json_integer_value(v);
    if (id < 0 || id >= (json_int_t)NN_NO_AGENT || !s_is_nbr(a, (uint32_t)id))
        return s_why(why, len, "'%s' names %lld, which is not one of your neighbours", key,
                     (long long)id);
    *out = (uint32_t)id;
    return NN_OK;
}

static int s_unit(const json_t *v, const char *what, double *out, char *why, size_t len)
{
    if (!json_is_number(v))
        return s_why(why, len, "'%s' must be a number from 0 to 1", what);
    double x = json_number_value(v);
    if (!(x >= 0.0 && x <= 1.0))
        return s_why(why, len, "'%s' is %g, outside 0 to 1", what, x);
    *out = x;
    return NN_OK;
}

/* The ask of case c in a's notices this round, or 0. */
static nn_llmp_ask_t s_asked(const nn_agent_t *a, uint32_t c)
{
    for (size_t i = 0; i < a->n_notices; i++)
        if (a->notices[i].case_id == c && s_ask_of(a->notices[i].kind))
            return s_ask_of(a->notices[i].kind);
    return (nn_llmp_ask_t)0;
}

static int s_cases(const json_t *arr, const nn_agent_t *a, nn_llmp_action_t *out, char *why,
                   size_t len)
{
    if (!json_is_array(arr))
        return s_why(why, len, "'cases' must be a list of objects");
    if (json_array_size(arr) > NN_LLMP_MAX_ANSWERS)
        return s_why(why, len, "'cases' has %zu entries (at most %d)", json_array_size(arr),
                     NN_LLMP_MAX_ANSWERS);
    static const char *const keys[] = {"vote", "accept", "offer", "comply"};
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *c = json_object_get(e, "case");
        if (!json_is_object(e) || !json_is_integer(c) || json_object_size(e) != 2)
            return s_why(why, len,
                         "'cases' entry %zu must be {\"case\": id, and one of vote, accept, "
                         "offer, comply}",
                         i);
        json_int_t id = json_integer_value(c);
        nn_llmp_ask_t asked =
            id > 0 && id <= (json_int_t)UINT32_MAX ? s_asked(a, (uint32_t)id) : (nn_llmp_ask_t)0;
        if (!asked)
            return s_why(why, len, "case %lld does not ask you anything this round", (long long)id);
        for (size_t j = 0; j < out->n_answers; j++)
            if (out->answers[j].case_id == (uint32_t)id)
                return s_why(why, len, "case %lld is answered twice", (long long)id);
        int k = 0;
        while (k < 4 && !json_object_get(e, keys[k]))
            k++;
        if (k == 4)
            return s_why(why, len,
                         "the answer to case %lld has none of vote, accept, offer, comply",
                         (long long)id);
        json_t *v = json_object_get(e, keys[k]);
        nn_llmp_answer_t *ans = &out->answers[out->n_answers];
        memset(ans, 0, sizeof *ans);
        ans->case_id = (uint32_t)id;
        ans->ask = asked;
        char what[48];
        snprintf(what, sizeof what, "%s of case %lld", keys[k], (long long)id);
        int fits = (k == 0 && asked == NN_LLMP_ASK_VOTE) ||
                   (k == 1 && (asked == NN_LLMP_ASK_ACCEPT || asked == NN_LLMP_ASK_OFFER)) ||
                   (k == 2 && asked == NN_LLMP_ASK_OFFER) ||
                   (k == 3 && asked == NN_LLMP_ASK_COMPLY);
        if (!fits)
            return s_why(why, len, "case %lld asks you to %s, not to %s", (long long)id,
                         asked == NN_LLMP_ASK_VOTE     ? "vote"
                         : asked == NN_LLMP_ASK_ACCEPT ? "accept"
                         : asked == NN_LLMP_ASK_OFFER  ? "accept or offer"
                                                       : "comply",
                         keys[k]);
        if (k == 1 || k == 3) {
            if (!json_is_boolean(v))
                return s_why(why, len, "'%s' must be true or false", what);
            ans->accept = json_is_true(v);
        } else if (s_unit(v, what, &ans->value, why, len) != NN_OK) {
            return NN_EPROTO;
        }
        out->n_answers++;
    }
    return NN_OK;
}

int nn_llmp_parse(const char *content, const nn_agent_t *a, nn_llmp_action_t *out, char *why,
                  size_t whylen)
{
    memset(out, 0, sizeof *out);
    out->cooperate = 1;
    out->complaint = NN_NO_AGENT;
    if (!content)
        return s_why(why, whylen, "the answer is empty");
    /* a Markdown fence around the object: ```json ... ``` */
    const char *s = content;
    while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        n--;
    if (n >= 6 && !strncmp(s, "```", 3) && !strncmp(s + n - 3, "```", 3)) {
        const char *nl = memchr(s, '\n', n);
        if (!nl)
            return s_why(why, whylen, "the answer is a fence with nothing in it");
        n = (size_t)(s + n - 3 - (nl + 1));
        s = nl + 1;
    }
    json_error_t je;
    json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return s_why(why, whylen, "the answer is not one JSON object (%s at character %d)", je.text,
                     je.position);
    int rc = NN_OK;
    if (!json_is_object(o)) {
        rc = s_why(why, whylen, "the answer must be a JSON object, not a list or a value");
        goto done;
    }
    static const char *const known[] = {"opinion", "say", "to", "cooperate", "complaint", "cases"};
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        size_t k = 0;
        while (k < 6 && strcmp(key, known[k]) != 0)
            k++;
        if (k == 6) {
            rc = s_why(why, whylen,
                       "unknown key '%.40s' (the keys are opinion, say, to, cooperate, "
                       "complaint, cases)",
                       key);
            goto done;
        }
    }
    if (!(v = json_object_get(o, "opinion"))) {
        rc = s_why(why, whylen, "'opinion' is missing");
        goto done;
    }
    if ((rc = s_unit(v, "opinion", &out->opinion, why, whylen)) != NN_OK)
        goto done;
    if ((v = json_object_get(o, "say")) && !json_is_null(v)) {
        if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v))) {
            rc = s_why(why, whylen, "'say' must be a text");
            goto done;
        }
        if (json_string_length(v) > NN_LLMP_MAX_SAY) {
            rc = s_why(why, whylen, "'say' has %zu bytes (at most %d)", json_string_length(v),
                       NN_LLMP_MAX_SAY);
            goto done;
        }
        snprintf(out->say, sizeof out->say, "%s", json_string_value(v));
    }
    if ((v = json_object_get(o, "to")) && !json_is_null(v)) {
        size_t i;
        json_t *e;
        if (!json_is_array(v) || json_array_size(v) > NN_LLMP_MAX_TO) {
            rc = s_why(why, whylen, "'to' must be a list of at most %d neighbour ids",
                       NN_LLMP_MAX_TO);
            goto done;
        }
        json_array_foreach(v, i, e)
        {
            uint32_t id;
            if ((rc = s_nbr_id(e, a, "to", &id, why, whylen)) != NN_OK)
                goto done;
            for (size_t j = 0; j < out->n_to; j++)
                if (out->to[j] == id) {
                    rc = s_why(why, whylen, "'to' names %u twice", id);
                    goto done;
                }
            out->to[out->n_to++] = id;
        }
    }
    if ((v = json_object_get(o, "cooperate"))) {
        if (!json_is_boolean(v)) {
            rc = s_why(why, whylen, "'cooperate' must be true or false");
            goto done;
        }
        out->cooperate = json_is_true(v);
    }
    if ((v = json_object_get(o, "complaint")) && !json_is_null(v) &&
        (rc = s_nbr_id(v, a, "complaint", &out->complaint, why, whylen)) != NN_OK)
        goto done;
    if ((v = json_object_get(o, "cases")) && !json_is_null(v))
        rc = s_cases(v, a, out, why, whylen);
done:
    json_decref(o);
    return rc;
}

json_t *nn_llmp_repair(const json_t *messages, const char *content, const char *why)
{
    json_t *m = json_deep_copy(messages);
    char text[1024];
    snprintf(text, sizeof text,
             "Your answer could not be used: %s. Answer again with one JSON object and nothing "
             "else: %s",
             why, nn_llmp_schema);
    if (!m ||
        json_array_append_new(m, json_pack("{s:s,s:s}", "role", "assistant", "content",
                                           content ? content : "")) != 0 ||
        json_array_append_new(m, json_pack("{s:s,s:s}", "role", "user", "content", text)) != 0) {
        json_decref(m);
        return NULL;
    }
    return m;
}

void nn_llmp_apply(const nn_llmp_action_t *act, nn_agent_t *a)
{
    a->x = act->opinion;
    if (act->say[0])
        nn_say(a, act->say);
    uint32_t flags = act->cooperate ? 0u : NN_MSG_DEFECT;
    if (act->n_to) {
        for (size_t i = 0; i < act->n_to; i++)
            nn_send_ex(a, act->to[i], a->x, 0.0f, flags);
    } else if (a->n_nbrs) {
        nn_send_ex(a, a->nbrs[nn_rng_below(&a->rng, a->n_nbrs)], a->x, 0.0f, flags);
    }
    if (act->complaint != NN_NO_AGENT)
        nn_act(a, NN_ACT_COMPLAIN, 0, act->complaint, a->x);
    for (size_t i = 0; i < act->n_answers; i++) {
        const nn_llmp_answer_t *an = &act->answers[i];
        switch (an->ask) {
        case NN_LLMP_ASK_VOTE: nn_act(a, NN_ACT_VOTE, an->case_id, NN_NO_AGENT, an->value); break;
        case NN_LLMP_ASK_ACCEPT:
            nn_act(a, NN_ACT_ACCEPT, an->case_id, NN_NO_AGENT, an->accept ? 1 : 0);
            break;
        case NN_LLMP_ASK_OFFER:
            if (an->accept)
                nn_act(a, NN_ACT_ACCEPT, an->case_id, NN_NO_AGENT, 1);
            else
                nn_act(a, NN_ACT_OFFER, an->case_id, NN_NO_AGENT, an->value);
            break;
        case NN_LLMP_ASK_COMPLY:
            nn_act(a, NN_ACT_COMPLY, an->case_id, NN_NO_AGENT, an->accept ? 1 : 0);
            break;
        }
    }
}
