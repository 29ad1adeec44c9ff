/* The llm behaviour's HTTP client: chat completions from OpenAI-compatible endpoints
 * (POST URL/chat/completions), many in flight at once. A node hands nn_llmc_run() a batch
 * of requests (one per agent that asks its model this round) and gets every one back
 * with an outcome: the batch is spread over the endpoints, least loaded first, within
 * each endpoint's max_concurrency, on keep-alive connections that stay open from round
 * to round; 429, 5xx, timeouts, broken connections and unreadable answers are retried
 * with exponential back-off and jitter (honouring Retry-After), a 4xx is final. Failed
 * requests are outcomes, not errors: the behaviour decides what an agent without an
 * answer does.
 *
 * Built on libcurl's multi interface (one CURLM driven through its socket interface and
 * epoll, one easy handle per slot of concurrency, reused) and jansson. Threads: a client belongs to
 * one thread (a node is one thread); different clients may live in different threads.
 * curl_global_init runs once per process, from the first nn_llmc_new(), under pthread_once; it is
 * never undone (curl_global_cleanup is not thread-safe and the process ends soon enough). With a
 * libcurl older than 7.84 (no CURL_VERSION_THREADSAFE) call nn_llmc_new() for the first
 * time before other threads start. */
#ifndef NUNCHI_NODE_LLMCLIENT_H
#define NUNCHI_NODE_LLMCLIENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One OpenAI-compatible endpoint. */
typedef struct nn_llm_endpoint {
    char url[512];            /* base URL, e.g. http://127.0.0.1:8080/v1: the client posts
                                 to URL "/chat/completions" (a trailing '/' is dropped) */
    char model[128];          /* the body's "model" */
    char api_key_env[64];     /* name of the environment variable holding the key ("" for
                                 none): sent as Authorization: Bearer KEY; read once by
                                 nn_llmc_new(), wiped from memory by nn_llmc_destroy() */
    uint32_t max_concurrency; /* requests in flight at this endpoint, >= 1 */
} nn_llm_endpoint_t;

#define NN_LLMC_CONNECT_TIMEOUT_S 5.0
#define NN_LLMC_TIMEOUT_S         60.0
#define NN_LLMC_MAX_RETRIES       4u
#define NN_LLMC_BACKOFF_S         0.5
#define NN_LLMC_BACKOFF_MAX_S     30.0
#define NN_LLMC_RETRY_AFTER_MAX_S 120.0
#define NN_LLMC_MAX_RESPONSE      (8u << 20) /* bytes of one answer */
#define NN_LLMC_MAX_ENDPOINTS     64u
#define NN_LLMC_MAX_CONCURRENCY   4096u /* per endpoint */

typedef struct nn_llmc_config {
    const nn_llm_endpoint_t *endpoints; /* borrowed for nn_llmc_new() only: copied */
    size_t n_endpoints;                 /* 1 .. NN_LLMC_MAX_ENDPOINTS */
    double connect_timeout_s;           /* per connection attempt */
    double timeout_s;                   /* per attempt, connect to last byte */
    uint32_t max_retries;               /* attempts = 1 + max_retries */
    double backoff_s;                   /* first back-off; doubles per retry */
    double backoff_max_s;               /* cap of the back-off */
    double retry_after_max_s;           /* cap of a server's Retry-After */
    size_t max_response;                /* bytes of one answer; longer is a bad response */
    uint64_t seed;                      /* jitter draws (timing only, never results) */
} nn_llmc_config_t;

#define NN_LLMC_CONFIG_INIT                                                                        \
    {                                                                                              \
        NULL, 0, NN_LLMC_CONNECT_TIMEOUT_S, NN_LLMC_TIMEOUT_S, NN_LLMC_MAX_RETRIES,                \
            NN_LLMC_BACKOFF_S, NN_LLMC_BACKOFF_MAX_S, NN_LLMC_RETRY_AFTER_MAX_S,                   \
            NN_LLMC_MAX_RESPONSE, 0                                                                \
    }

/* What became of a request, or (as last_failure) of its last failed attempt. */
typedef enum nn_llmc_outcome {
    NN_LLMC_OK = 0,       /* content holds choices[0].message.content */
    NN_LLMC_HTTP_ERROR,   /* a final HTTP status: 4xx other than 429, or 1xx/3xx */
    NN_LLMC_TIMEOUT,      /* an attempt ran past timeout_s (or connect_timeout_s) */
    NN_LLMC_CONNECT,      /* no connection, or it broke before an answer; as an outcome:
                             a transport error that retrying cannot mend (bad URL) */
    NN_LLMC_BAD_RESPONSE, /* 2xx but cut short, not JSON, or no choices[0].message.content
                             string (the content's own schema is the behaviour's business) */
    NN_LLMC_GAVE_UP       /* every attempt failed with something retryable (see
                             last_failure, http_status and error) */
} nn_llmc_outcome_t;

/* A short lower-case name of an outcome ("ok", "timeout", ...); never NULL. */
const char *nn_llmc_outcome_name(nn_llmc_outcome_t o);

/* One chat completion. The caller owns it: nn_llmc_request_init() before first use,
 * nn_llmc_request_reset() to free the answer (also before reuse: nn_llmc_run() resets
 * each request it is given, so a request can go round after round). */
typedef struct nn_llmc_request {
    /* in */
    json_t *messages;   /* borrowed: the chat messages array; not modified */
    double temperature; /* finite, >= 0 */
    uint32_t max_tokens;
    int has_seed;  /* send "seed" */
    uint64_t seed; /* <= INT64_MAX (JSON integers are signed) */
    /* out */
    nn_llmc_outcome_t outcome;
    nn_llmc_outcome_t last_failure; /* the last failed attempt's kind (NN_LLMC_OK: none) */
    long http_status;               /* of the last attempt, 0 when it had no answer */
    char *content;                  /* malloc'd choices[0].message.content, or NULL; owned
                                       by the request (freed by nn_llmc_request_reset) */
    uint64_t prompt_tokens, completion_tokens; /* from usage, 0 when absent */
    uint32_t attempts;
    uint32_t endpoint; /* index of the endpoint of the last attempt */
    double latency_s;  /* first send to final answer, back-offs included */
    char error[256];   /* "" when ok, else what went wrong last, lower-case */
} nn_llmc_request_t;

/* Zeroes r: no messages, no answer. */
void nn_llmc_request_init(nn_llmc_request_t *r);
/* Frees r's content and clears its outputs; the inputs stay. NULL-safe. */
void nn_llmc_request_reset(nn_llmc_request_t *r);

typedef struct nn_llmc nn_llmc_t;

/* Makes a client of cfg's endpoints (copied) and checks cfg: NN_OK; NN_EINVAL with err
 * naming the field and what would be right (no endpoints, an empty URL or model, a
 * max_concurrency of 0, a timeout <= 0, an api_key_env variable unset or empty, ...);
 * NN_ENOMEM. *out stays NULL on failure. err may be NULL. */
int nn_llmc_new(nn_llmc_t **out, const nn_llmc_config_t *cfg, char *err, size_t errlen);

/* Closes the connections and frees the client; NULL-safe, nulls *c. */
void nn_llmc_destroy(nn_llmc_t **c);

/* Runs every request of reqs[0 .. n - 1] to an outcome, blocking until the last one has
 * one: all in flight at once up to each endpoint's max_concurrency, each new attempt to
 * the endpoint with the smallest share of its max_concurrency in use (ties: lowest
 * index); retries (up to max_retries) after min(backoff_s * 2^k, backoff_max_s), jittered
 * into its upper half, or after the server's Retry-After (capped at retry_after_max_s)
 * when that is longer. Requests are sent in index order; answers come in any order.
 * NN_OK when every request has an outcome (failures are outcomes); NN_EINVAL before
 * anything is sent when c is NULL, reqs is NULL with n > 0, or a request breaks its
 * contract (messages not an array, temperature, seed); its error says which; NN_ENOMEM,
 * NN_EIO (libcurl's multi handle failed) or NN_ESYS (epoll failed): the requests without
 * an outcome then have outcome NN_LLMC_GAVE_UP and error saying why. Stats count what
 * this call did. */
int nn_llmc_run(nn_llmc_t *c, nn_llmc_request_t *reqs, size_t n);

typedef struct nn_llmc_stats {
    uint64_t requests;       /* that got an outcome */
    uint64_t attempts;       /* HTTP requests sent */
    uint64_t retries;        /* attempts - requests, counted as they are scheduled */
    uint64_t ok;             /* requests with outcome NN_LLMC_OK */
    uint64_t http_429;       /* attempts answered 429 */
    uint64_t http_5xx;       /* attempts answered 5xx */
    uint64_t http_4xx;       /* attempts answered another 4xx (final) */
    uint64_t timeouts;       /* attempts that timed out */
    uint64_t connect_errors; /* attempts without a connection, or whose connection broke */
    uint64_t bad_responses;  /* attempts with an unusable 2xx answer */
    uint64_t gave_up;        /* requests with outcome NN_LLMC_GAVE_UP */
    uint64_t prompt_tokens, completion_tokens;          /* of the ok requests */
    double latency_p50_s, latency_p95_s, latency_p99_s; /* over the requests with an
                                                          outcome since the last take
                                                          (nearest rank; 0 when none) */
} nn_llmc_stats_t;

/* Copies the counters since the last take (or since nn_llmc_new) to *out and starts a
 * new window. */
void nn_llmc_take_stats(nn_llmc_t *c, nn_llmc_stats_t *out);

#endif
