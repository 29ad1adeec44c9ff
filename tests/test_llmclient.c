/* Tests of node/llmclient.c against the scripted endpoint tests/llm_server/server.py,
 * started for each test as a subprocess on a free loopback port: a plain answer with its
 * usage, every fault of the server's plan (429 with Retry-After in seconds and as a date,
 * 5xx, a stall past the timeout, malformed, cut and empty answers, 400 and 401 as final),
 * giving up after max_retries, a refused connection, the concurrency cap (all 64 in
 * flight at once, never more than 8 with a cap of 8), two endpoints sharing the load,
 * keep-alive (connections never more than the cap over several rounds), the API key as a
 * Bearer header, and the contract checks of nn_llmc_new and nn_llmc_run. The timing
 * bounds are loose on purpose: the machine running the suite is small and shared. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "node/llmclient.h"
#include "nunchi/error.h"

#include "llm_test_server.h"

#ifndef NUNCHI_SOURCE_DIR
#define NUNCHI_SOURCE_DIR "."
#endif

#define T_MAX_SRV 2
#define T_KEY_ENV "NUNCHI_TEST_LLMC_KEY"

typedef struct t_ctx {
    char dir[64];
    t_srv_t srv[T_MAX_SRV];
    int n_srv;
    nn_llmc_t *client;
    nn_llmc_request_t *reqs;
    size_t n_reqs;
    json_t *messages;
} t_ctx_t;

static double t_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Starts a server with the extra arguments (NULL-terminated) and waits for its port. */
static t_srv_t *t_start(t_ctx_t *c, const char *const *extra)
{
    assert_true(c->n_srv < T_MAX_SRV);
    t_srv_t *s = &c->srv[c->n_srv++];
    t_srv_start(s, c->dir, c->n_srv - 1, extra);
    return s;
}

static int s_setup(void **state)
{
    t_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    snprintf(c->dir, sizeof c->dir, "/tmp/nunchi-llmc.XXXXXX");
    if (!mkdtemp(c->dir))
        return -1;
    c->messages = json_pack("[{s:s, s:s}, {s:s, s:s}]", "role", "system", "content",
                            "You are agent 3 of a society.", "role", "user", "content",
                            "opinion: 0.5\nheard: 7 0.7 I lean up\nheard: 9 0.95\n");
    *state = c;
    return c->messages ? 0 : -1;
}

static int s_teardown(void **state)
{
    t_ctx_t *c = *state;
    for (size_t i = 0; i < c->n_reqs; i++)
        nn_llmc_request_reset(&c->reqs[i]);
    free(c->reqs);
    nn_llmc_destroy(&c->client);
    for (int i = 0; i < c->n_srv; i++)
        t_srv_stop(&c->srv[i]);
    json_decref(c->messages);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    int rc = system(cmd);
    free(c);
    return rc == 0 ? 0 : -1;
}

/* A client of the given servers with a cap each, fast back-offs, and n requests. */
static void t_client(t_ctx_t *c, const uint32_t *caps, int n_ep, const nn_llmc_config_t *over,
                     size_t n)
{
    nn_llm_endpoint_t eps[T_MAX_SRV];
    memset(eps, 0, sizeof eps);
    for (int i = 0; i < n_ep; i++) {
        snprintf(eps[i].url, sizeof eps[i].url, "%s/", c->srv[i].base); /* '/' dropped */
        snprintf(eps[i].model, sizeof eps[i].model, "scripted-%d", i);
        eps[i].max_concurrency = caps[i];
    }
    nn_llmc_config_t cfg = NN_LLMC_CONFIG_INIT;
    if (over)
        cfg = *over;
    cfg.endpoints = eps;
    cfg.n_endpoints = (size_t)n_ep;
    if (!over) {
        cfg.backoff_s = 0.01;
        cfg.backoff_max_s = 0.05;
        cfg.timeout_s = 10;
    }
    char err[256] = "";
    int rc = nn_llmc_new(&c->client, &cfg, err, sizeof err);
    if (rc)
        print_error("nn_llmc_new: %s\n", err);
    assert_int_equal(rc, NN_OK);
    c->reqs = calloc(n, sizeof *c->reqs);
    assert_non_null(c->reqs);
    c->n_reqs = n;
    for (size_t i = 0; i < n; i++) {
        nn_llmc_request_init(&c->reqs[i]);
        c->reqs[i].messages = c->messages;
        c->reqs[i].temperature = 0.2;
        c->reqs[i].max_tokens = 64;
        c->reqs[i].has_seed = 1;
        c->reqs[i].seed = i;
    }
}

static void t_expect_ok(const nn_llmc_request_t *r, uint32_t attempts)
{
    if (r->outcome != NN_LLMC_OK)
        print_error("outcome %s: %s\n", nn_llmc_outcome_name(r->outcome), r->error);
    assert_int_equal(r->outcome, NN_LLMC_OK);
    assert_int_equal(r->attempts, attempts);
    assert_int_equal(r->http_status, 200);
    assert_non_null(r->content);
    assert_string_equal(r->error, "");
}

static void test_plain_answer(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, NULL);
    t_client(c, (uint32_t[]){2}, 1, NULL, 2);
    c->reqs[1] = c->reqs[0]; /* the same body twice: the same bytes back */
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 2), NN_OK);
    for (int i = 0; i < 2; i++) {
        t_expect_ok(&c->reqs[i], 1);
        assert_int_equal(c->reqs[i].last_failure, NN_LLMC_OK);
        assert_true(c->reqs[i].latency_s > 0 && c->reqs[i].latency_s < 10);
    }
    assert_string_equal(c->reqs[0].content, c->reqs[1].content);
    /* the scripted rule: 0.7 is within 0.3 of 0.5, 0.95 is not: 0.5 + 0.5 * 0.2 = 0.6 */
    json_t *action = json_loads(c->reqs[0].content, 0, NULL);
    assert_non_null(action);
    assert_true(fabs(json_real_value(json_object_get(action, "opinion")) - 0.6) < 1e-9);
    json_decref(action);
    /* usage: whitespace-separated words of the messages and of the content */
    assert_int_equal(c->reqs[0].prompt_tokens, 7 + 11);
    assert_true(c->reqs[0].completion_tokens > 3);
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.ok, 2);
    assert_int_equal(st.attempts, 2);
    assert_int_equal(st.retries, 0);
    assert_int_equal(st.prompt_tokens, 2 * 18);
    assert_int_equal(st.prompt_tokens, (uint64_t)t_stat(s, "prompt_tokens"));
    assert_int_equal(st.completion_tokens, (uint64_t)t_stat(s, "completion_tokens"));
    assert_true(st.latency_p50_s > 0 && st.latency_p50_s <= st.latency_p99_s);
    assert_int_equal(t_stat(s, "authorized"), 0); /* no key configured: no header */
    /* the window starts again; a request goes round again after its reset */
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.requests, 0);
    assert_true(st.latency_p99_s == 0);
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    t_expect_ok(&c->reqs[0], 1);
}

static void test_retry_after(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, NULL);
    t_client(c, (uint32_t[]){1}, 1, NULL, 1);
    t_plan(s, "{\"faults\": [\"429\"], \"retry_after_s\": 1}");
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    t_expect_ok(&c->reqs[0], 2);
    assert_int_equal(c->reqs[0].last_failure, NN_LLMC_HTTP_ERROR);
    /* the back-off is 10 ms: the wait is the server's second */
    assert_true(c->reqs[0].latency_s >= 0.95);
    assert_true(c->reqs[0].latency_s < 5);
    /* Retry-After as an HTTP date, a second or two ahead */
    t_plan(s, "{\"faults\": [\"429date\"], \"retry_after_s\": 1}");
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    t_expect_ok(&c->reqs[0], 2);
    assert_true(c->reqs[0].latency_s >= 0.5);
    assert_true(c->reqs[0].latency_s < 6);
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.http_429, 2);
    assert_int_equal(st.retries, 2);
    assert_int_equal(st.attempts, 4);
}

static void test_5xx_then_ok(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, NULL);
    t_client(c, (uint32_t[]){1}, 1, NULL, 1);
    t_plan(s, "{\"faults\": [\"500\", \"503\"]}");
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    t_expect_ok(&c->reqs[0], 3);
    assert_true(c->reqs[0].latency_s < 5); /* back-offs of 10 and 20 ms, not seconds */
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.http_5xx, 2);
    assert_int_equal(st.retries, 2);
    assert_int_equal(t_stat(s, "requests"), 3);
}

static void test_stall_times_out(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, NULL);
    nn_llmc_config_t cfg = NN_LLMC_CONFIG_INIT;
    cfg.timeout_s = 0.5;
    cfg.backoff_s = 0.01;
    t_client(c, (uint32_t[]){8}, 1, &cfg, 8);
    t_plan(s, "{\"faults\": [\"stall\"], \"stall_s\": 30}");
    double t0 = t_now();
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 8), NN_OK);
    double took = t_now() - t0;
    /* the first to arrive (whichever that was) was stalled, timed out and went again */
    int stalled = -1;
    for (int i = 0; i < 8; i++)
        if (c->reqs[i].attempts == 2)
            stalled = i;
    assert_true(stalled >= 0);
    t_expect_ok(&c->reqs[stalled], 2);
    assert_int_equal(c->reqs[stalled].last_failure, NN_LLMC_TIMEOUT);
    assert_true(c->reqs[stalled].latency_s >= 0.45);
    for (int i = 0; i < 8; i++) { /* the server kept answering the others meanwhile */
        if (i == stalled)
            continue;
        t_expect_ok(&c->reqs[i], 1);
        assert_true(c->reqs[i].latency_s < c->reqs[stalled].latency_s);
    }
    assert_true(took < 8);
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.timeouts, 1);
    assert_int_equal(st.ok, 8);
}

static void test_bad_answers_retried(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, NULL);
    t_client(c, (uint32_t[]){1}, 1, NULL, 1);
    t_plan(s, "{\"faults\": [\"malformed\", \"cut\", \"empty\"]}");
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    t_expect_ok(&c->reqs[0], 4);
    assert_int_equal(c->reqs[0].last_failure, NN_LLMC_BAD_RESPONSE);
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.bad_responses, 3);
    /* content that is not the action schema is the behaviour's business: ok here */
    t_plan(s, "{\"faults\": [\"badschema\"]}");
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    t_expect_ok(&c->reqs[0], 1);
    assert_string_equal(c->reqs[0].content, "I think the opinion is fine.");
}

static void test_gives_up(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, NULL);
    nn_llmc_config_t cfg = NN_LLMC_CONFIG_INIT;
    cfg.max_retries = 3;
    cfg.backoff_s = 0.01;
    cfg.backoff_max_s = 0.02;
    t_client(c, (uint32_t[]){1}, 1, &cfg, 1);
    t_plan(s, "{\"faults\": [\"500\", \"500\", \"500\", \"500\", \"ok\"]}");
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    nn_llmc_request_t *r = &c->reqs[0];
    assert_int_equal(r->outcome, NN_LLMC_GAVE_UP);
    assert_int_equal(r->last_failure, NN_LLMC_HTTP_ERROR);
    assert_int_equal(r->attempts, 4);
    assert_int_equal(r->http_status, 500);
    assert_null(r->content);
    assert_non_null(strstr(r->error, "http 500"));
    assert_non_null(strstr(r->error, "The server had an error (scripted)"));
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.gave_up, 1);
    assert_int_equal(st.ok, 0);
    assert_int_equal(st.attempts, 4);
    assert_int_equal(t_stat(s, "plan_left"), 1); /* the fifth was never asked for */
}

static void test_4xx_final(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, NULL);
    t_client(c, (uint32_t[]){1}, 1, NULL, 1);
    t_plan(s, "{\"faults\": [\"400\", \"401\"]}");
    for (int k = 0; k < 2; k++) {
        assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
        nn_llmc_request_t *r = &c->reqs[0];
        assert_int_equal(r->outcome, NN_LLMC_HTTP_ERROR);
        assert_int_equal(r->attempts, 1);
        assert_int_equal(r->http_status, k ? 401 : 400);
        assert_null(r->content);
        assert_non_null(strstr(r->error, k ? "Incorrect API key" : "Invalid request"));
    }
    /* a request the server itself refuses: no messages */
    json_t *empty = json_array();
    c->reqs[0].messages = empty;
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    assert_int_equal(c->reqs[0].outcome, NN_LLMC_HTTP_ERROR);
    assert_int_equal(c->reqs[0].http_status, 400);
    assert_non_null(strstr(c->reqs[0].error, "'messages'"));
    c->reqs[0].messages = c->messages;
    json_decref(empty);
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.http_4xx, 3);
    assert_int_equal(st.retries, 0);
    assert_int_equal(t_stat(s, "plan_left"), 0);
}

static void test_connect_refused(void **state)
{
    t_ctx_t *c = *state;
    /* a port that was free a moment ago and has no listener now */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    c->srv[0].port = ntohs(a.sin_port);
    snprintf(c->srv[0].base, sizeof c->srv[0].base, "http://127.0.0.1:%d/v1", c->srv[0].port);
    nn_llmc_config_t cfg = NN_LLMC_CONFIG_INIT;
    cfg.max_retries = 1;
    cfg.backoff_s = 0.01;
    cfg.connect_timeout_s = 2;
    t_client(c, (uint32_t[]){1}, 1, &cfg, 1);
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    assert_int_equal(c->reqs[0].outcome, NN_LLMC_GAVE_UP);
    assert_int_equal(c->reqs[0].last_failure, NN_LLMC_CONNECT);
    assert_int_equal(c->reqs[0].attempts, 2);
    assert_int_equal(c->reqs[0].http_status, 0);
    assert_non_null(strstr(c->reqs[0].error, c->srv[0].base));
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.connect_errors, 2);
}

static void test_concurrency(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, (const char *[]){"--latency-ms", "100", NULL});
    t_client(c, (uint32_t[]){64}, 1, NULL, 64);
    double t0 = t_now();
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 64), NN_OK);
    double first = t_now() - t0;
    /* a second round on the connections of the first */
    t0 = t_now();
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 64), NN_OK);
    double second = t_now() - t0;
    for (int i = 0; i < 64; i++)
        t_expect_ok(&c->reqs[i], 1);
    /* one after another would be 6.4 s a round */
    assert_true(first < 3.2);
    assert_true(second < 3.2);
    assert_true(second >= 0.095);
    assert_int_equal(t_stat(s, "in_flight_max"), 64);
    assert_true(t_stat(s, "completion_connections") <= 64);
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c->client, &st);
    assert_int_equal(st.ok, 128);
    assert_true(st.latency_p50_s >= 0.095);
    assert_true(st.latency_p95_s >= st.latency_p50_s);
    assert_true(st.latency_p99_s >= st.latency_p95_s);
}

static void test_cap_respected(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, (const char *[]){"--latency-ms", "100", NULL});
    t_client(c, (uint32_t[]){8}, 1, NULL, 40);
    double t0 = t_now();
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 40), NN_OK);
    double took = t_now() - t0;
    for (int i = 0; i < 40; i++)
        t_expect_ok(&c->reqs[i], 1);
    assert_true(took >= 5 * 0.095); /* five waves of eight */
    assert_true(took < 4);
    assert_int_equal(t_stat(s, "in_flight_max"), 8);
    assert_true(t_stat(s, "completion_connections") <= 8);
}

static void test_two_endpoints(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *a = t_start(c, (const char *[]){"--latency-ms", "100", NULL});
    t_srv_t *b = t_start(c, (const char *[]){"--latency-ms", "100", NULL});
    t_client(c, (uint32_t[]){4, 4}, 2, NULL, 32);
    double t0 = t_now();
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 32), NN_OK);
    double took = t_now() - t0;
    int on[2] = {0, 0};
    for (int i = 0; i < 32; i++) {
        t_expect_ok(&c->reqs[i], 1);
        assert_true(c->reqs[i].endpoint < 2);
        on[c->reqs[i].endpoint]++;
    }
    /* 8 in flight: four waves, not the eight of one endpoint alone */
    assert_true(took >= 4 * 0.095);
    assert_true(took < 4);
    json_int_t na = t_stat(a, "requests"), nb = t_stat(b, "requests");
    assert_int_equal(na, on[0]);
    assert_int_equal(nb, on[1]);
    assert_int_equal(na + nb, 32);
    assert_true(na >= 8 && nb >= 8);
    assert_int_equal(t_stat(a, "in_flight_max"), 4);
    assert_int_equal(t_stat(b, "in_flight_max"), 4);
    /* ties go to the lowest index: one request lands on the first endpoint */
    assert_int_equal(nn_llmc_run(c->client, c->reqs, 1), NN_OK);
    t_expect_ok(&c->reqs[0], 1);
    assert_int_equal(c->reqs[0].endpoint, 0);
}

static void test_keepalive(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, NULL);
    t_client(c, (uint32_t[]){4}, 1, NULL, 50);
    for (int round = 0; round < 4; round++) {
        assert_int_equal(nn_llmc_run(c->client, c->reqs, 50), NN_OK);
        for (int i = 0; i < 50; i++)
            t_expect_ok(&c->reqs[i], 1);
    }
    assert_int_equal(t_stat(s, "requests"), 200);
    json_int_t conns = t_stat(s, "completion_connections");
    assert_true(conns >= 1 && conns <= 4);
}

static void test_api_key(void **state)
{
    t_ctx_t *c = *state;
    t_srv_t *s = t_start(c, (const char *[]){"--api-key", "sk-test-nunchi", NULL});
    nn_llm_endpoint_t ep = {.max_concurrency = 1};
    snprintf(ep.url, sizeof ep.url, "%s", s->base);
    snprintf(ep.model, sizeof ep.model, "scripted");
    snprintf(ep.api_key_env, sizeof ep.api_key_env, "%s", T_KEY_ENV);
    nn_llmc_config_t cfg = NN_LLMC_CONFIG_INIT;
    cfg.endpoints = &ep;
    cfg.n_endpoints = 1;
    char err[256] = "";
    /* the variable unset: refused, naming it */
    unsetenv(T_KEY_ENV);
    assert_int_equal(nn_llmc_new(&c->client, &cfg, err, sizeof err), NN_EINVAL);
    assert_null(c->client);
    assert_non_null(strstr(err, "'" T_KEY_ENV "'"));
    setenv(T_KEY_ENV, "sk-test-nunchi", 1);
    assert_int_equal(nn_llmc_new(&c->client, &cfg, err, sizeof err), NN_OK);
    unsetenv(T_KEY_ENV); /* read once, at nn_llmc_new */
    nn_llmc_request_t r;
    nn_llmc_request_init(&r);
    r.messages = c->messages;
    assert_int_equal(nn_llmc_run(c->client, &r, 1), NN_OK);
    t_expect_ok(&r, 1);
    assert_int_equal(t_stat(s, "authorized"), 1);
    assert_int_equal(t_stat(s, "last_authorization_ok"), 1);
    assert_null(strstr(r.content, "sk-test"));
    nn_llmc_request_reset(&r);
    nn_llmc_destroy(&c->client);
    /* no key: the server's 401 is final */
    ep.api_key_env[0] = '\0';
    assert_int_equal(nn_llmc_new(&c->client, &cfg, err, sizeof err), NN_OK);
    assert_int_equal(nn_llmc_run(c->client, &r, 1), NN_OK);
    assert_int_equal(r.outcome, NN_LLMC_HTTP_ERROR);
    assert_int_equal(r.http_status, 401);
    assert_int_equal(r.attempts, 1);
    nn_llmc_request_reset(&r);
}

static void test_contract(void **state)
{
    t_ctx_t *c = *state;
    nn_llm_endpoint_t ep = {.url = "http://127.0.0.1:9/v1", .model = "m", .max_concurrency = 1};
    nn_llmc_config_t cfg = NN_LLMC_CONFIG_INIT;
    char err[256];
    nn_llmc_t *cl = (nn_llmc_t *)&cfg; /* must come back NULL */
    assert_int_equal(nn_llmc_new(&cl, &cfg, err, sizeof err), NN_EINVAL);
    assert_null(cl);
    assert_non_null(strstr(err, "endpoints"));
    cfg.endpoints = &ep;
    cfg.n_endpoints = 1;
    ep.max_concurrency = 0;
    assert_int_equal(nn_llmc_new(&cl, &cfg, err, sizeof err), NN_EINVAL);
    assert_non_null(strstr(err, "max_concurrency 0"));
    ep.max_concurrency = 1;
    ep.model[0] = '\0';
    assert_int_equal(nn_llmc_new(&cl, &cfg, err, sizeof err), NN_EINVAL);
    assert_non_null(strstr(err, "model"));
    snprintf(ep.model, sizeof ep.model, "m");
    cfg.timeout_s = 0;
    assert_int_equal(nn_llmc_new(&cl, &cfg, err, sizeof err), NN_EINVAL);
    assert_non_null(strstr(err, "timeout_s"));
    cfg.timeout_s = 1;
    cfg.backoff_max_s = cfg.backoff_s / 2;
    assert_int_equal(nn_llmc_new(&cl, &cfg, err, sizeof err), NN_EINVAL);
    assert_non_null(strstr(err, "backoff_max_s"));
    cfg.backoff_max_s = 1;
    assert_int_equal(nn_llmc_new(&cl, &cfg, NULL, 0), NN_OK);
    c->client = cl;
    /* requests that break the contract: nothing is sent */
    nn_llmc_request_t r[2];
    nn_llmc_request_init(&r[0]);
    nn_llmc_request_init(&r[1]);
    r[0].messages = c->messages;
    r[1].messages = json_object_get(json_array_get(c->messages, 0), "role"); /* a string */
    assert_int_equal(nn_llmc_run(cl, r, 2), NN_EINVAL);
    assert_non_null(strstr(r[1].error, "llm request 1: messages"));
    assert_int_equal(r[0].attempts, 0);
    r[1].messages = c->messages;
    r[1].temperature = NAN;
    assert_int_equal(nn_llmc_run(cl, r, 2), NN_EINVAL);
    assert_non_null(strstr(r[1].error, "temperature"));
    r[1].temperature = 0;
    r[1].has_seed = 1;
    r[1].seed = UINT64_MAX;
    assert_int_equal(nn_llmc_run(cl, r, 2), NN_EINVAL);
    assert_non_null(strstr(r[1].error, "seed"));
    assert_int_equal(nn_llmc_run(NULL, r, 2), NN_EINVAL);
    assert_int_equal(nn_llmc_run(cl, NULL, 0), NN_OK);
    nn_llmc_destroy(&c->client);
    assert_null(c->client);
    nn_llmc_destroy(&c->client); /* NULL-safe */
    nn_llmc_destroy(NULL);
}

int main(void)
{
    /* the test's own admin requests use libcurl's easy interface too */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (access(T_PYTHON, X_OK) != 0 || access(T_SERVER, R_OK) != 0) {
        fprintf(stderr, "test_llmclient: needs %s and %s\n", T_PYTHON, T_SERVER);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_answer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_retry_after, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_5xx_then_ok, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_stall_times_out, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_answers_retried, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_gives_up, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_4xx_final, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_connect_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_concurrency, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_cap_respected, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_two_endpoints, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_keepalive, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_api_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_contract, s_setup, s_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
