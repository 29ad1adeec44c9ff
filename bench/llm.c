/* nunchi-bench's llm row: how close node/llmclient.c comes to the throughput that its
 * concurrency allows. The scripted endpoint tests/llm_server/server.py runs as a
 * subprocess and answers every completion after 100 ms; for C = 8, 64 and 256 the client
 * runs 10 * C requests with max_concurrency C (after one untimed round of C that opens
 * the connections), so the ideal is C / 0.1 s requests a second and the ratio measured /
 * ideal says what the client (and the Python server, on the same cores) lose to
 * overhead. The server is found beside this source file (__FILE__ is absolute in a CMake
 * build) or at $NUNCHI_LLM_SERVER. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench.h"
#include "node/llmclient.h"
#include "nunchi/error.h"

#define S_LATENCY_MS "100"
#define S_LATENCY_S  0.1
#define S_AIM        0.9
#define S_ROUNDS     10 /* requests per unit of concurrency */

extern char **environ;

/* CPU seconds of this process (the client) so far: user and system. */
static double s_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static double s_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int s_server_path(char *out, size_t len)
{
    const char *env = getenv("NUNCHI_LLM_SERVER");
    if (env && env[0]) {
        snprintf(out, len, "%s", env);
    } else {
        const char *file = __FILE__; /* .../bench/llm.c */
        const char *slash = strrchr(file, '/');
        size_t dir = slash ? (size_t)(slash - file) : 0;
        snprintf(out, len, "%.*s%s../tests/llm_server/server.py", (int)dir, file, slash ? "/" : "");
    }
    return access(out, R_OK) == 0 ? 0 : -1;
}

/* Starts the server; its port, or 0 (the reason printed). */
static int s_start(const char *server, const char *dir, pid_t *pid)
{
    char port_file[PATH_MAX];
    snprintf(port_file, sizeof port_file, "%s/port", dir);
    const char *argv[] = {"/usr/bin/python3",  server,    "--port",       "0",
                          "--port-file",       port_file, "--latency-ms", S_LATENCY_MS,
                          "--die-with-parent", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        printf("  llm: cannot start %s %s: %s\n", argv[0], server, strerror(rc));
        return 0;
    }
    for (int i = 0; i < 1000; i++) { /* 10 s */
        int port = 0, status;
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &port) == 1;
            fclose(f);
            if (ok && port > 0)
                return port;
        }
        if (waitpid(*pid, &status, WNOHANG) == *pid) {
            printf("  llm: the server exited at start (status %d)\n", status);
            *pid = 0;
            return 0;
        }
        usleep(10000);
    }
    printf("  llm: the server wrote no port to '%s' in 10 s\n", port_file);
    return 0;
}

static void s_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    int status;
    for (int k = 0; k < 300; k++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
}

static size_t s_collect(char *data, size_t size, size_t nmemb, void *user)
{
    char *buf = user;
    size_t old = strlen(buf), n = size * nmemb;
    if (old + n < 4096) {
        memcpy(buf + old, data, n);
        buf[old + n] = '\0';
    }
    return n;
}

/* POST /admin/reset or GET /admin/stats (body NULL): its JSON, or NULL. */
static json_t *s_admin(int port, const char *path, const char *body)
{
    char url[128], buf[4096] = "";
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, buf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    if (body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    return rc == CURLE_OK ? json_loads(buf, 0, NULL) : NULL;
}

/* One row: 10 * conc requests at max_concurrency conc. 0, or 1 when a request failed. */
static int s_row(int port, uint32_t conc, json_t *messages)
{
    nn_llm_endpoint_t ep = {.max_concurrency = conc};
    snprintf(ep.url, sizeof ep.url, "http://127.0.0.1:%d/v1", port);
    snprintf(ep.model, sizeof ep.model, "scripted");
    nn_llmc_config_t cfg = NN_LLMC_CONFIG_INIT;
    cfg.endpoints = &ep;
    cfg.n_endpoints = 1;
    char err[256];
    nn_llmc_t *c = NULL;
    if (nn_llmc_new(&c, &cfg, err, sizeof err) != NN_OK) {
        printf("  %-6u failed: %s\n", conc, err);
        return 1;
    }
    size_t n = (size_t)S_ROUNDS * conc;
    nn_llmc_request_t *reqs = calloc(n, sizeof *reqs);
    if (!reqs) {
        nn_llmc_destroy(&c);
        printf("  %-6u failed: out of memory\n", conc);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        nn_llmc_request_init(&reqs[i]);
        reqs[i].messages = messages;
        reqs[i].temperature = 0.7;
        reqs[i].max_tokens = 64;
        reqs[i].has_seed = 1;
        reqs[i].seed = i;
    }
    int bad = nn_llmc_run(c, reqs, conc) != NN_OK; /* warm-up: the connections */
    json_decref(s_admin(port, "/admin/reset", "{}"));
    nn_llmc_stats_t st;
    nn_llmc_take_stats(c, &st);
    double t0 = s_clock(), cpu0 = s_cpu();
    bad |= nn_llmc_run(c, reqs, n) != NN_OK;
    double took = s_clock() - t0, cpu = s_cpu() - cpu0;
    nn_llmc_take_stats(c, &st);
    json_t *srv = s_admin(port, "/admin/stats", NULL);
    json_int_t conns = json_integer_value(json_object_get(srv, "completion_connections"));
    json_int_t in_flight = json_integer_value(json_object_get(srv, "in_flight_max"));
    json_decref(srv);
    double rate = (double)n / took, ideal = conc / S_LATENCY_S;
    printf("  %-6u %9zu %9.3f %12.1f %12.1f %7.3f %8.1f %8.1f %9lld %9lld %10.3f\n", conc, n, took,
           rate, ideal, rate / ideal, st.latency_p50_s * 1e3, st.latency_p99_s * 1e3,
           (long long)in_flight, (long long)conns, cpu);
    if (st.ok != n || bad) {
        printf("  ^ %llu of %zu requests failed (%s)\n", (unsigned long long)(n - st.ok), n,
               reqs[0].error[0] ? reqs[0].error : "see the client's stats");
        bad = 1;
    } else if (rate / ideal < S_AIM) {
        printf("  ^ ratio below the aim of %.2f\n", S_AIM);
    }
    for (size_t i = 0; i < n; i++)
        nn_llmc_request_reset(&reqs[i]);
    free(reqs);
    nn_llmc_destroy(&c);
    return bad;
}

int bench_llm_run(void)
{
    static const uint32_t concs[] = {8, 64, 256};
    char server[PATH_MAX];
    if (s_server_path(server, sizeof server) != 0) {
        printf("llm client: no test server at '%s' (set NUNCHI_LLM_SERVER)\n", server);
        return 1;
    }
    char dir[] = "/tmp/nunchi-bench-llm.XXXXXX";
    if (!mkdtemp(dir)) {
        printf("llm client: cannot make a directory under /tmp: %s\n", strerror(errno));
        return 1;
    }
    json_t *messages = json_pack("[{s:s}, {s:s, s:s}]", "role", "system", "role", "user", "content",
                                 "opinion: 0.4\nheard: 2 0.5 fine\nheard: 5 0.9\n");
    json_object_set_new(json_array_get(messages, 0), "content",
                        json_string("You are an agent of a society of opinions."));
    pid_t pid = 0;
    int port = messages ? s_start(server, dir, &pid) : 0;
    int failed = port == 0;
    if (port) {
        printf("llm client: %d * C requests to a scripted endpoint answering after %s ms, "
               "max_concurrency C, after a warm-up round of C\n",
               S_ROUNDS, S_LATENCY_MS);
        printf("  %-6s %9s %9s %12s %12s %7s %8s %8s %9s %9s %10s\n", "C", "requests", "seconds",
               "requests/s", "ideal C/0.1", "ratio", "p50 ms", "p99 ms", "in flight", "new conns",
               "client cpu");
        for (size_t k = 0; k < sizeof concs / sizeof *concs; k++)
            failed |= s_row(port, concs[k], messages);
        printf("\n");
    }
    s_stop(pid);
    json_decref(messages);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/port", dir);
    unlink(path);
    rmdir(dir);
    return failed;
}
