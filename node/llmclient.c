/* The llm behaviour's HTTP client; see llmclient.h. One CURLM drives a fixed set of
 * slots (an easy handle and a response buffer each, as many as the endpoints'
 * max_concurrency added up), so that a round allocates only request bodies and answers.
 * The loop: start every attempt that may start (retries whose back-off has passed, then
 * new requests in index order), sleep in epoll_wait until a socket, libcurl's timer or
 * the next back-off needs us, hand libcurl the sockets that are ready
 * (curl_multi_socket_action), settle every finished attempt (curl_multi_info_read).
 * libcurl's socket interface rather than curl_multi_perform + curl_multi_poll: those
 * walk every transfer and poll every socket on each wake-up, which at 256 in flight cost
 * twice the CPU per request (bench/llm.c: 0.66 against 0.30 CPU seconds for 2560 requests).
 * The concurrency cap is ours, not libcurl's: an attempt is added to the multi handle
 * only when its endpoint has room, so CURLOPT_TIMEOUT_MS never counts time spent queued
 * inside libcurl (its CURLMOPT_MAX_HOST_CONNECTIONS note); libcurl's own limits are set
 * to the same sum as a safety net and to size the connection cache. */
#include "node/llmclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"

#define S_STREAM_JITTER (NN_STREAM_USER + 6) /* the client's back-off jitter */
#define S_BUF_FIRST     4096u                /* first size of a response buffer */
#define S_WAIT_MAX_MS   1000                 /* longest sleep in one epoll_wait */
#define S_EVENTS        64                   /* epoll events taken per wait */
#define S_PATH          "/chat/completions"

typedef struct s_endpoint {
    char url[sizeof((nn_llm_endpoint_t *)0)->url + sizeof S_PATH];
    char model[sizeof((nn_llm_endpoint_t *)0)->model];
    uint32_t cap, inflight;
    struct curl_slist *headers; /* may hold the key: wiped before it is freed */
} s_endpoint_t;

typedef struct s_slot {
    CURL *easy;
    char *buf; /* the answer so far, NUL-terminated */
    size_t len, cap, max;
    int overflow;
    char *body; /* the request body of the attempt in flight */
    size_t req;
    uint32_t endpoint;
    char curl_err[CURL_ERROR_SIZE];
} s_slot_t;

/* A request's state during one nn_llmc_run. */
typedef struct s_track {
    double ready_at;   /* monotonic time its next attempt may start */
    double first_sent; /* monotonic time of its first attempt */
} s_track_t;

struct nn_llmc {
    nn_llmc_config_t cfg; /* endpoints points at nothing after new: see eps */
    s_endpoint_t *eps;
    size_t n_eps;
    CURLM *multi;
    int epfd;        /* the sockets libcurl asks us to watch (CURLMOPT_SOCKETFUNCTION) */
    double timer_at; /* when libcurl wants curl_multi_socket_action(TIMEOUT); < 0 never */
    s_slot_t *slots;
    size_t n_slots;
    size_t *free_slots; /* stack of idle slot indices */
    size_t n_free;
    s_track_t *track; /* one per request of the current run, reused */
    size_t track_cap;
    size_t *waiting; /* requests in back-off */
    size_t n_waiting, waiting_cap;
    nn_rng_t jitter;
    nn_llmc_stats_t stats;
    double *lat; /* latencies of the window */
    size_t n_lat, lat_cap;
};

static pthread_once_t s_global_once = PTHREAD_ONCE_INIT;
static CURLcode s_global_rc = CURLE_OK; /* written once, under s_global_once */

static void s_global_init(void)
{
    s_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *nn_llmc_outcome_name(nn_llmc_outcome_t o)
{
    switch (o) {
    case NN_LLMC_OK: return "ok";
    case NN_LLMC_HTTP_ERROR: return "http error";
    case NN_LLMC_TIMEOUT: return "timeout";
    case NN_LLMC_CONNECT: return "connect error";
    case NN_LLMC_BAD_RESPONSE: return "bad response";
    case NN_LLMC_GAVE_UP: return "gave up";
    default: return "unknown outcome";
    }
}

void nn_llmc_request_init(nn_llmc_request_t *r)
{
    memset(r, 0, sizeof *r);
}

void nn_llmc_request_reset(nn_llmc_request_t *r)
{
    if (!r)
        return;
    free(r->content);
    r->content = NULL;
    r->outcome = NN_LLMC_OK;
    r->last_failure = NN_LLMC_OK;
    r->http_status = 0;
    r->prompt_tokens = r->completion_tokens = 0;
    r->attempts = 0;
    r->endpoint = 0;
    r->latency_s = 0;
    r->error[0] = '\0';
}

/* Writes the message of a broken contract to err (may be NULL); NN_EINVAL. */
static int s_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return NN_EINVAL;
}

/* Wipes a header list (it may hold an API key) and frees it. */
static void s_free_headers(struct curl_slist *h)
{
    for (struct curl_slist *p = h; p; p = p->next) {
        volatile char *s = p->data;
        while (*s)
            *s++ = '\0';
    }
    curl_slist_free_all(h);
}

static size_t s_write(char *data, size_t size, size_t nmemb, void *user)
{
    s_slot_t *s = user;
    size_t n = size * nmemb;
    if (s->len + n + 1 > s->cap) {
        if (s->len + n > s->max) {
            s->overflow = 1;
            return 0; /* CURLE_WRITE_ERROR */
        }
        size_t cap = s->cap ? s->cap : S_BUF_FIRST;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b)
            return 0;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

static int s_check_endpoint(const nn_llm_endpoint_t *e, size_t i, char *err, size_t errlen)
{
    size_t url = strnlen(e->url, sizeof e->url), model = strnlen(e->model, sizeof e->model);
    if (url == 0 || url == sizeof e->url)
        return s_fail(err, errlen,
                      "llm endpoint %zu: url is empty or longer than %zu characters (want a "
                      "base URL such as 'http://127.0.0.1:8080/v1')",
                      i, sizeof e->url - 1);
    if (model == 0 || model == sizeof e->model)
        return s_fail(err, errlen,
                      "llm endpoint %zu (%s): model is empty or longer than %zu characters "
                      "(want the model's name, e.g. 'gpt-4o-mini')",
                      i, e->url, sizeof e->model - 1);
    if (strnlen(e->api_key_env, sizeof e->api_key_env) == sizeof e->api_key_env)
        return s_fail(err, errlen,
                      "llm endpoint %zu (%s): api_key_env is longer than %zu characters", i, e->url,
                      sizeof e->api_key_env - 1);
    if (e->max_concurrency < 1 || e->max_concurrency > NN_LLMC_MAX_CONCURRENCY)
        return s_fail(err, errlen, "llm endpoint %zu (%s): max_concurrency %u is not in 1 .. %u", i,
                      e->url, e->max_concurrency, NN_LLMC_MAX_CONCURRENCY);
    return NN_OK;
}

static int s_check_config(const nn_llmc_config_t *cfg, char *err, size_t errlen)
{
    if (!cfg)
        return s_fail(err, errlen, "llm client: no config");
    if (!cfg->endpoints || cfg->n_endpoints < 1 || cfg->n_endpoints > NN_LLMC_MAX_ENDPOINTS)
        return s_fail(err, errlen, "llm client: want 1 .. %u endpoints, not %zu",
                      NN_LLMC_MAX_ENDPOINTS, cfg->endpoints ? cfg->n_endpoints : 0);
    if (!(cfg->connect_timeout_s > 0) || !(cfg->connect_timeout_s <= 86400) ||
        !(cfg->timeout_s > 0) || !(cfg->timeout_s <= 86400))
        return s_fail(err, errlen,
                      "llm client: connect_timeout_s %g and timeout_s %g must be positive "
                      "seconds, at most a day",
                      cfg->connect_timeout_s, cfg->timeout_s);
    if (!(cfg->backoff_s >= 0) || !(cfg->backoff_max_s >= cfg->backoff_s) ||
        !isfinite(cfg->backoff_max_s) || !(cfg->retry_after_max_s >= 0) ||
        !isfinite(cfg->retry_after_max_s))
        return s_fail(err, errlen,
                      "llm client: want 0 <= backoff_s (%g) <= backoff_max_s (%g) and "
                      "retry_after_max_s (%g) >= 0, all finite",
                      cfg->backoff_s, cfg->backoff_max_s, cfg->retry_after_max_s);
    if (cfg->max_retries > 100)
        return s_fail(err, errlen, "llm client: max_retries %u is more than 100", cfg->max_retries);
    if (cfg->max_response < 64)
        return s_fail(err, errlen, "llm client: max_response %zu is under 64 bytes",
                      cfg->max_response);
    for (size_t i = 0; i < cfg->n_endpoints; i++) {
        int rc = s_check_endpoint(&cfg->endpoints[i], i, err, errlen);
        if (rc)
            return rc;
    }
    return NN_OK;
}

/* The endpoint's full URL and header list (with the key from its environment variable). */
static int s_endpoint_init(s_endpoint_t *e, const nn_llm_endpoint_t *src, size_t i, char *err,
                           size_t errlen)
{
    size_t n = strlen(src->url);
    while (n > 0 && src->url[n - 1] == '/')
        n--;
    snprintf(e->url, sizeof e->url, "%.*s%s", (int)n, src->url, S_PATH);
    snprintf(e->model, sizeof e->model, "%s", src->model);
    e->cap = src->max_concurrency;
    const char *fixed[] = {"Content-Type: application/json", "Accept: application/json",
                           "Expect:"}; /* no 100-continue round trip for bodies over 1 KiB */
    for (size_t k = 0; k < sizeof fixed / sizeof *fixed; k++) {
        struct curl_slist *h = curl_slist_append(e->headers, fixed[k]);
        if (!h)
            return NN_ENOMEM;
        e->headers = h;
    }
    if (src->api_key_env[0]) {
        const char *key = getenv(src->api_key_env);
        if (!key || !key[0])
            return s_fail(err, errlen,
                          "llm endpoint %zu (%s): environment variable '%s' (api_key_env) is "
                          "unset or empty (export it with the API key, or set api_key_env to "
                          "\"\")",
                          i, src->url, src->api_key_env);
        size_t len = strlen(key) + sizeof "Authorization: Bearer ";
        char *line = malloc(len);
        if (!line)
            return NN_ENOMEM;
        snprintf(line, len, "Authorization: Bearer %s", key);
        struct curl_slist *h = curl_slist_append(e->headers, line);
        volatile char *w = line;
        for (size_t k = 0; k < len; k++)
            w[k] = '\0';
        free(line);
        if (!h)
            return NN_ENOMEM;
        e->headers = h;
    }
    return NN_OK;
}

static int s_slot_init(nn_llmc_t *c, s_slot_t *s)
{
    s->easy = curl_easy_init();
    if (!s->easy)
        return NN_ENOMEM;
    s->max = c->cfg.max_response;
    long timeout_ms = (long)ceil(c->cfg.timeout_s * 1000.0);
    long connect_ms = (long)ceil(c->cfg.connect_timeout_s * 1000.0);
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, s_write);
    rc |= curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
    rc |= curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    rc |= curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->curl_err);
    rc |= curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    rc |= curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    rc |= curl_easy_setopt(s->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in the node */
    rc |= curl_easy_setopt(s->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    rc |= curl_easy_setopt(s->easy, CURLOPT_ACCEPT_ENCODING, "");
    return rc == CURLE_OK ? NN_OK : NN_ENOMEM;
}

/* libcurl's wishes for a socket, as epoll interest: add, change or drop it. sockp is
 * NULL until we assign it (curl_multi_assign) after the first ADD, and libcurl forgets it
 * with the socket at CURL_POLL_REMOVE: a socket that comes back (a kept-alive connection
 * reused by the next request) is added in one call, not a failed MOD and then an ADD. */
static int s_on_socket(CURL *easy, curl_socket_t fd, int what, void *user, void *sockp)
{
    (void)easy;
    nn_llmc_t *c = user;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(c->epfd, EPOLL_CTL_DEL, fd, NULL); /* EBADF when already closed: fine */
        return 0;
    }
    struct epoll_event ev = {.data.fd = fd};
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    int first = sockp == NULL;
    if (epoll_ctl(c->epfd, first ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) != 0) {
        /* our guess was wrong (the descriptor closed and came back, say): the other one */
        if (errno != (first ? EEXIST : ENOENT) ||
            epoll_ctl(c->epfd, first ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
            return -1;
    }
    if (first)
        curl_multi_assign(c->multi, fd, c); /* any non-NULL mark */
    return 0;
}

/* libcurl's single timer: -1 deletes it, 0 means as soon as possible. */
static int s_on_timer(CURLM *multi, long timeout_ms, void *user)
{
    (void)multi;
    nn_llmc_t *c = user;
    c->timer_at = timeout_ms < 0 ? -1.0 : s_now() + (double)timeout_ms * 1e-3;
    return 0;
}

void nn_llmc_destroy(nn_llmc_t **pc)
{
    if (!pc || !*pc)
        return;
    nn_llmc_t *c = *pc;
    for (size_t i = 0; i < c->n_slots; i++) {
        s_slot_t *s = &c->slots[i];
        if (s->easy) {
            if (c->multi)
                curl_multi_remove_handle(c->multi, s->easy); /* harmless when not added */
            curl_easy_cleanup(s->easy);
        }
        free(s->buf);
        free(s->body);
    }
    if (c->multi)
        curl_multi_cleanup(c->multi); /* may still call s_on_socket: epfd stays open */
    if (c->epfd >= 0)
        close(c->epfd);
    for (size_t i = 0; i < c->n_eps; i++)
        s_free_headers(c->eps[i].headers);
    free(c->eps);
    free(c->slots);
    free(c->free_slots);
    free(c->track);
    free(c->waiting);
    free(c->lat);
    free(c);
    *pc = NULL;
}

int nn_llmc_new(nn_llmc_t **out, const nn_llmc_config_t *cfg, char *err, size_t errlen)
{
    if (!out)
        return NN_EINVAL;
    *out = NULL;
    int rc = s_check_config(cfg, err, errlen);
    if (rc)
        return rc;
    pthread_once(&s_global_once, s_global_init);
    if (s_global_rc != CURLE_OK) {
        if (err && errlen)
            snprintf(err, errlen, "llm client: curl_global_init failed: %s",
                     curl_easy_strerror(s_global_rc));
        return s_global_rc == CURLE_OUT_OF_MEMORY ? NN_ENOMEM : NN_EINVAL;
    }
    nn_llmc_t *c = calloc(1, sizeof *c);
    if (!c)
        return NN_ENOMEM;
    c->cfg = *cfg;
    c->cfg.endpoints = NULL;
    c->timer_at = -1;
    c->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (c->epfd < 0) {
        free(c);
        if (err && errlen)
            snprintf(err, errlen, "llm client: epoll_create1 failed: %s", strerror(errno));
        return errno == ENOMEM ? NN_ENOMEM : NN_ESYS;
    }
    c->eps = calloc(cfg->n_endpoints, sizeof *c->eps);
    if (!c->eps)
        goto nomem;
    c->n_eps = cfg->n_endpoints;
    for (size_t i = 0; i < c->n_eps; i++) {
        rc = s_endpoint_init(&c->eps[i], &cfg->endpoints[i], i, err, errlen);
        if (rc) {
            nn_llmc_destroy(&c);
            if (rc == NN_ENOMEM && err && errlen)
                snprintf(err, errlen, "llm client: out of memory");
            return rc;
        }
        c->n_slots += c->eps[i].cap;
    }
    c->slots = calloc(c->n_slots, sizeof *c->slots);
    c->free_slots = calloc(c->n_slots, sizeof *c->free_slots);
    c->multi = curl_multi_init();
    if (!c->slots || !c->free_slots || !c->multi)
        goto nomem;
    for (size_t i = 0; i < c->n_slots; i++) {
        if (s_slot_init(c, &c->slots[i]))
            goto nomem;
        c->free_slots[c->n_free++] = c->n_slots - 1 - i; /* slot 0 on top */
    }
    long total = (long)c->n_slots;
    CURLMcode mrc = CURLM_OK;
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, total);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, total);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, total);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, s_on_socket);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, s_on_timer);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    if (mrc != CURLM_OK)
        goto nomem;
    nn_rng_init(&c->jitter, cfg->seed, S_STREAM_JITTER, 0, 0);
    *out = c;
    return NN_OK;
nomem:
    nn_llmc_destroy(&c);
    if (err && errlen)
        snprintf(err, errlen, "llm client: out of memory");
    return NN_ENOMEM;
}

static int s_grow(void **p, size_t *cap, size_t want, size_t elem)
{
    if (want <= *cap)
        return NN_OK;
    size_t n = *cap ? *cap : 16;
    while (n < want)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return NN_ENOMEM;
    *p = q;
    *cap = n;
    return NN_OK;
}

static int s_check_request(nn_llmc_request_t *r, size_t i)
{
    const char *why = NULL;
    if (!json_is_array(r->messages))
        why = "messages is not a JSON array";
    else if (!isfinite(r->temperature) || r->temperature < 0)
        why = "temperature must be finite and >= 0";
    else if (r->has_seed && r->seed > (uint64_t)INT64_MAX)
        why = "seed must be at most 2^63 - 1";
    if (!why)
        return NN_OK;
    nn_llmc_request_reset(r);
    snprintf(r->error, sizeof r->error, "llm request %zu: %s", i, why);
    return NN_EINVAL;
}

/* The endpoint with the smallest share of its cap in flight and room left, or -1. */
static long s_pick_endpoint(const nn_llmc_t *c)
{
    long best = -1;
    for (size_t i = 0; i < c->n_eps; i++) {
        const s_endpoint_t *e = &c->eps[i];
        if (e->inflight >= e->cap)
            continue;
        if (best < 0 ||
            (uint64_t)e->inflight * c->eps[best].cap < (uint64_t)c->eps[best].inflight * e->cap)
            best = (long)i;
    }
    return best;
}

static char *s_body(const s_endpoint_t *e, const nn_llmc_request_t *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "model", json_string(e->model));
    bad |= json_object_set(o, "messages", r->messages);
    bad |= json_object_set_new(o, "temperature", json_real(r->temperature));
    if (r->max_tokens)
        bad |= json_object_set_new(o, "max_tokens", json_integer((json_int_t)r->max_tokens));
    if (r->has_seed)
        bad |= json_object_set_new(o, "seed", json_integer((json_int_t)r->seed));
    char *s = bad ? NULL : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* Starts request i's next attempt on a free slot at the least loaded endpoint. */
static int s_start(nn_llmc_t *c, nn_llmc_request_t *reqs, size_t i, long ep, double now)
{
    s_endpoint_t *e = &c->eps[ep];
    s_slot_t *s = &c->slots[c->free_slots[c->n_free - 1]];
    nn_llmc_request_t *r = &reqs[i];
    s->body = s_body(e, r);
    if (!s->body)
        return NN_ENOMEM;
    s->len = 0;
    s->overflow = 0;
    s->curl_err[0] = '\0';
    if (s->buf)
        s->buf[0] = '\0';
    s->req = i;
    s->endpoint = (uint32_t)ep;
    CURLcode rc = curl_easy_setopt(s->easy, CURLOPT_URL, e->url);
    rc |= curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, e->headers);
    rc |= curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
    rc |= curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
    if (rc != CURLE_OK || curl_multi_add_handle(c->multi, s->easy) != CURLM_OK) {
        free(s->body);
        s->body = NULL;
        return NN_ENOMEM;
    }
    c->n_free--;
    e->inflight++;
    if (r->attempts == 0)
        c->track[i].first_sent = now;
    r->attempts++;
    r->endpoint = (uint32_t)ep;
    c->stats.attempts++;
    return NN_OK;
}

/* Reads choices[0].message.content and usage from a 2xx answer; 0 or -1 (error set). */
static int s_parse_answer(nn_llmc_request_t *r, const char *buf, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, 0, &jerr);
    if (!root) {
        snprintf(r->error, sizeof r->error, "answer is not JSON (%s at byte %d)", jerr.text,
                 jerr.position);
        return -1;
    }
    json_t *content = json_object_get(
        json_object_get(json_array_get(json_object_get(root, "choices"), 0), "message"), "content");
    if (!json_is_string(content)) {
        json_decref(root);
        snprintf(r->error, sizeof r->error, "answer has no choices[0].message.content string");
        return -1;
    }
    r->content = strndup(json_string_value(content), json_string_length(content));
    json_t *usage = json_object_get(root, "usage");
    json_int_t pt = json_integer_value(json_object_get(usage, "prompt_tokens"));
    json_int_t ct = json_integer_value(json_object_get(usage, "completion_tokens"));
    r->prompt_tokens = pt > 0 ? (uint64_t)pt : 0;
    r->completion_tokens = ct > 0 ? (uint64_t)ct : 0;
    json_decref(root);
    if (!r->content) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return -2;
    }
    return 0;
}

/* The error text of a non-2xx answer: the OpenAI body's error.message when there is one. */
static void s_http_error(nn_llmc_request_t *r, const s_slot_t *s, const char *url)
{
    const char *msg = NULL;
    json_t *root = s->len ? json_loadb(s->buf, s->len, 0, NULL) : NULL;
    json_t *m = json_object_get(json_object_get(root, "error"), "message");
    if (json_is_string(m))
        msg = json_string_value(m);
    snprintf(r->error, sizeof r->error, "http %ld from %.96s%s%.130s", r->http_status, url,
             msg ? ": " : "", msg ? msg : "");
    json_decref(root);
}

static void s_record_latency(nn_llmc_t *c, double lat)
{
    if (s_grow((void **)&c->lat, &c->lat_cap, c->n_lat + 1, sizeof *c->lat) == NN_OK)
        c->lat[c->n_lat++] = lat; /* no room: the percentiles miss one, nothing else */
}

static void s_done(nn_llmc_t *c, nn_llmc_request_t *r, size_t i, nn_llmc_outcome_t o, double now)
{
    r->outcome = o;
    r->latency_s = now - c->track[i].first_sent;
    c->stats.requests++;
    if (o == NN_LLMC_OK) {
        c->stats.ok++;
        c->stats.prompt_tokens += r->prompt_tokens;
        c->stats.completion_tokens += r->completion_tokens;
        r->error[0] = '\0';
    } else if (o == NN_LLMC_GAVE_UP) {
        c->stats.gave_up++;
    }
    s_record_latency(c, r->latency_s);
}

/* The wait before attempt number `attempts + 1`. */
static double s_backoff(nn_llmc_t *c, uint32_t attempts, double retry_after)
{
    double base = c->cfg.backoff_s;
    for (uint32_t k = 1; k < attempts && base < c->cfg.backoff_max_s; k++)
        base *= 2;
    if (base > c->cfg.backoff_max_s)
        base = c->cfg.backoff_max_s;
    double wait = base * (0.5 + 0.5 * nn_rng_unit(&c->jitter));
    if (retry_after > c->cfg.retry_after_max_s)
        retry_after = c->cfg.retry_after_max_s;
    return retry_after > wait ? retry_after : wait;
}

/* Settles a finished attempt: an outcome for its request, or a place among the waiting. */
static int s_finish(nn_llmc_t *c, nn_llmc_request_t *reqs, s_slot_t *s, CURLcode res, size_t *done)
{
    curl_multi_remove_handle(c->multi, s->easy);
    double now = s_now();
    nn_llmc_request_t *r = &reqs[s->req];
    s_endpoint_t *e = &c->eps[s->endpoint];
    long status = 0;
    curl_off_t retry_after = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &retry_after);
    r->http_status = status;
    nn_llmc_outcome_t kind = NN_LLMC_OK;
    int retry = 0, rc = NN_OK;
    if (res == CURLE_OK && status >= 200 && status < 300) {
        free(r->content);
        r->content = NULL;
        int p = s_parse_answer(r, s->buf ? s->buf : "", s->len);
        if (p == -2)
            rc = NN_ENOMEM;
        if (p) {
            kind = NN_LLMC_BAD_RESPONSE;
            retry = p == -1;
            c->stats.bad_responses++;
        }
    } else if (res == CURLE_OK) {
        s_http_error(r, s, e->url);
        kind = NN_LLMC_HTTP_ERROR;
        if (status == 429) {
            retry = 1;
            c->stats.http_429++;
        } else if (status >= 500) {
            retry = 1;
            c->stats.http_5xx++;
        } else if (status >= 400) {
            c->stats.http_4xx++;
        }
    } else {
        const char *detail = s->curl_err[0] ? s->curl_err : curl_easy_strerror(res);
        switch (res) {
        case CURLE_OPERATION_TIMEDOUT:
            kind = NN_LLMC_TIMEOUT;
            retry = 1;
            c->stats.timeouts++;
            break;
        case CURLE_PARTIAL_FILE:
            kind = NN_LLMC_BAD_RESPONSE;
            retry = 1;
            c->stats.bad_responses++;
            break;
        case CURLE_WRITE_ERROR: /* too long (or no memory for it): the same again */
            kind = NN_LLMC_BAD_RESPONSE;
            c->stats.bad_responses++;
            if (!s->overflow)
                rc = NN_ENOMEM;
            else
                detail = "answer longer than max_response";
            break;
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_SSL_CONNECT_ERROR:
            kind = NN_LLMC_CONNECT;
            retry = 1;
            c->stats.connect_errors++;
            break;
        case CURLE_OUT_OF_MEMORY:
            kind = NN_LLMC_CONNECT;
            rc = NN_ENOMEM;
            break;
        default: /* a bad URL, an unsupported scheme: retrying cannot mend it */
            kind = NN_LLMC_CONNECT;
            c->stats.connect_errors++;
            break;
        }
        snprintf(r->error, sizeof r->error, "%.96s: %.150s", e->url, detail);
    }
    free(s->body);
    s->body = NULL;
    e->inflight--;
    c->free_slots[c->n_free++] = (size_t)(s - c->slots);
    if (kind == NN_LLMC_OK) {
        s_done(c, r, s->req, NN_LLMC_OK, now);
        ++*done;
        return rc;
    }
    r->last_failure = kind;
    if (retry && r->attempts <= c->cfg.max_retries && rc == NN_OK) {
        c->track[s->req].ready_at = now + s_backoff(c, r->attempts, (double)retry_after);
        c->waiting[c->n_waiting++] = s->req;
        c->stats.retries++;
        return NN_OK;
    }
    s_done(c, r, s->req, retry ? NN_LLMC_GAVE_UP : kind, now);
    ++*done;
    return rc;
}

/* After a failure of our own (memory, libcurl's multi handle): stops the attempts in
 * flight and gives every request without an outcome one. */
static void s_abandon(nn_llmc_t *c, nn_llmc_request_t *reqs, size_t n, size_t next_new,
                      const char *why)
{
    double now = s_now();
    for (size_t k = 0; k < c->n_slots; k++) {
        s_slot_t *s = &c->slots[k];
        if (!s->body)
            continue;
        curl_multi_remove_handle(c->multi, s->easy);
        free(s->body);
        s->body = NULL;
        c->eps[s->endpoint].inflight--;
        c->free_slots[c->n_free++] = k;
        nn_llmc_request_t *r = &reqs[s->req];
        snprintf(r->error, sizeof r->error, "%s", why);
        s_done(c, r, s->req, NN_LLMC_GAVE_UP, now);
    }
    for (size_t w = 0; w < c->n_waiting; w++) {
        nn_llmc_request_t *r = &reqs[c->waiting[w]];
        snprintf(r->error, sizeof r->error, "%s", why);
        s_done(c, r, c->waiting[w], NN_LLMC_GAVE_UP, now);
    }
    c->n_waiting = 0;
    for (size_t i = next_new; i < n; i++) {
        c->track[i].first_sent = now;
        snprintf(reqs[i].error, sizeof reqs[i].error, "%s", why);
        s_done(c, &reqs[i], i, NN_LLMC_GAVE_UP, now);
    }
}

int nn_llmc_run(nn_llmc_t *c, nn_llmc_request_t *reqs, size_t n)
{
    if (!c || (!reqs && n > 0))
        return NN_EINVAL;
    int bad = NN_OK;
    for (size_t i = 0; i < n; i++)
        bad |= s_check_request(&reqs[i], i);
    if (bad)
        return NN_EINVAL;
    if (n == 0)
        return NN_OK;
    if (s_grow((void **)&c->track, &c->track_cap, n, sizeof *c->track) ||
        s_grow((void **)&c->waiting, &c->waiting_cap, n, sizeof *c->waiting))
        return NN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        nn_llmc_request_reset(&reqs[i]);
        c->track[i].ready_at = 0;
        c->track[i].first_sent = 0;
    }
    c->n_waiting = 0;
    size_t next_new = 0, done = 0;
    int rc = NN_OK;
    const char *why = "out of memory";
    while (done < n) {
        double now = s_now();
        /* retries whose back-off is over go first: they have waited longest */
        for (size_t w = 0; w < c->n_waiting && rc == NN_OK;) {
            size_t i = c->waiting[w];
            long ep = c->track[i].ready_at <= now ? s_pick_endpoint(c) : -1;
            if (ep < 0) {
                w++;
                continue;
            }
            rc = s_start(c, reqs, i, ep, now);
            if (rc == NN_OK)
                c->waiting[w] = c->waiting[--c->n_waiting];
        }
        while (next_new < n && rc == NN_OK) {
            long ep = s_pick_endpoint(c);
            if (ep < 0)
                break;
            rc = s_start(c, reqs, next_new, ep, now);
            if (rc == NN_OK)
                next_new++;
        }
        if (rc)
            break;
        /* sleep until a socket or libcurl's timer needs us, or the next back-off ends */
        now = s_now();
        int wait_ms = S_WAIT_MAX_MS;
        if (c->timer_at >= 0) {
            double ms = ceil((c->timer_at - now) * 1000.0);
            wait_ms = ms < wait_ms ? (ms > 0 ? (int)ms : 0) : wait_ms;
        }
        int room = s_pick_endpoint(c) >= 0;
        for (size_t w = 0; w < c->n_waiting && room && wait_ms > 0; w++) {
            double ms = ceil((c->track[c->waiting[w]].ready_at - now) * 1000.0);
            wait_ms = ms < wait_ms ? (ms > 0 ? (int)ms : 0) : wait_ms;
        }
        struct epoll_event ev[S_EVENTS];
        int k = epoll_wait(c->epfd, ev, S_EVENTS, wait_ms);
        if (k < 0 && errno != EINTR) {
            rc = NN_ESYS;
            why = "epoll_wait failed";
            break;
        }
        int running = 0;
        CURLMcode mrc = CURLM_OK;
        for (int e = 0; e < k && mrc == CURLM_OK; e++) {
            int mask = (ev[e].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                       (ev[e].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                       (ev[e].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            mrc = curl_multi_socket_action(c->multi, ev[e].data.fd, mask, &running);
        }
        if (mrc == CURLM_OK && c->timer_at >= 0 && s_now() >= c->timer_at) {
            c->timer_at = -1;
            mrc = curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        if (mrc != CURLM_OK) {
            rc = mrc == CURLM_OUT_OF_MEMORY ? NN_ENOMEM : NN_EIO;
            why = curl_multi_strerror(mrc);
            break;
        }
        CURLMsg *msg;
        int left;
        while (rc == NN_OK && (msg = curl_multi_info_read(c->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            s_slot_t *s = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            rc = s_finish(c, reqs, s, msg->data.result, &done);
        }
        if (rc)
            break;
    }
    if (rc)
        s_abandon(c, reqs, n, next_new, why);
    return rc;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_rank(const double *v, size_t n, double p)
{
    size_t k = (size_t)ceil(p * (double)n);
    return v[k > 0 ? k - 1 : 0];
}

void nn_llmc_take_stats(nn_llmc_t *c, nn_llmc_stats_t *out)
{
    if (!c || !out)
        return;
    *out = c->stats;
    out->latency_p50_s = out->latency_p95_s = out->latency_p99_s = 0;
    if (c->n_lat) {
        qsort(c->lat, c->n_lat, sizeof *c->lat, s_cmp_double);
        out->latency_p50_s = s_rank(c->lat, c->n_lat, 0.50);
        out->latency_p95_s = s_rank(c->lat, c->n_lat, 0.95);
        out->latency_p99_s = s_rank(c->lat, c->n_lat, 0.99);
    }
    memset(&c->stats, 0, sizeof c->stats);
    c->n_lat = 0;
}
