/* nunchi-bench's llm row: how close node/llmclient.c comes to the throughput that its
 * concurrency allows. The scripted endpoint tests/llm_server/server.py runs as a
 * subprocess and answers every completion after 100 ms; for C = 8, 64 and 256 the client
 * runs 10 * C requests with max_concurrency C (after one untimed round of C that opens
 * the connections), so the ideal is C / 0.1 s requests a second and the ratio measured /
 * ideal says what the client (and the Python server, on the same cores) lose to
 * overhead. The server is found beside this source file (__FILE__ is absolute in a CMake
 * build) or at $NUNCHI_LLM_SERVER.
 *
 * Then the society rows: a 1,000-agent society of behaviour llm (watts_strogatz k 6, two
 * node threads, 5 rounds, max_concurrency 256, fallback stubborn) run in this process by
 * nn_coord_run, against the endpoint at 100 ms and then against a second one at 0 ms
 * (what nunchi itself costs a round: prompts, JSON, cache, routing). Each node has a
 * client of its own, so a round of 500 agents a node takes ceil(500 / 256) = 2 waves of
 * 0.1 s: the ideal is 5 rounds/s. Median of 3 runs each (by rounds/s, timed over the
 * rounds only, the first one's connecting included), with the CPU a round of this process
 * (coordinator, nodes, clients) and of the server; a run in which any agent fell back or
 * a request failed (summary.json's llm.fallbacks, llm.failed) is a failure. */
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
#include "coordinator.h"
#include "scenario.h"

#include "node/llmclient.h"
#include "nunchi/error.h"

#define S_LATENCY_MS "100"
#define S_LATENCY_S  0.1
#define S_AIM        0.9
#define S_ROUNDS     10 /* requests per unit of concurrency */

#define S_SOC_AGENTS 1000u
#define S_SOC_NODES  2u
#define S_SOC_ROUNDS 5u
#define S_SOC_CONC   256u
#define S_SOC_RUNS   3

/* The society of the society rows: rounds, agents, nodes, the endpoint's port,
 * max_concurrency and the output dir. */
static const char s_soc_yaml[] = "name: bench-llm\n"
                                 "seed: 2024\n"
                                 "rounds: %u\n"
                                 "agents: %u\n"
                                 "network: {model: watts_strogatz, k: 6, p: 0.05}\n"
                                 "opinions: {init: uniform}\n"
                                 "populations:\n"
                                 "  - {behaviour: llm, share: 1}\n"
                                 "nodes: %u\n"
                                 "transport: inproc\n"
                                 "output: {dir: %s}\n"
                                 "limits: {deadline_s: 600}\n"
                                 "llm:\n"
                                 "  endpoints:\n"
                                 "    - {url: 'http://127.0.0.1:%d/v1', model: scripted, "
                                 "max_concurrency: %u}\n"
                                 "  timeout_s: 30\n"
                                 "  fallback: {behaviour: stubborn}\n";

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

/* Starts the server answering after latency_ms (a decimal string), its port file
 * dir/port-LATENCY; its port, or 0 (the reason printed). */
static int s_start(const char *server, const char *dir, const char *latency_ms, pid_t *pid)
{
    char port_file[PATH_MAX];
    snprintf(port_file, sizeof port_file, "%s/port-%s", dir, latency_ms);
    const char *argv[] = {"/usr/bin/python3",  server,    "--port",       "0",
                          "--port-file",       port_file, "--latency-ms", latency_ms,
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

/* One run of the society rows. */
typedef struct s_soc_run {
    double rounds_per_s, requests_per_s, p50_s;
    double cpu_s, server_cpu_s; /* CPU of this process (nunchi) and of the server, a round */
    uint64_t asked, sent, fallbacks, failed, cache_hits;
} s_soc_run_t;

/* CPU seconds (user and system) of process pid so far, from /proc; 0 when unknown. */
static double s_proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* after the command, which may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static uint64_t s_count(json_t *llm, const char *key)
{
    return (uint64_t)json_integer_value(json_object_get(llm, key));
}

/* Runs the society once against the endpoint at port, its run directory under dir. 0, or
 * 1 when the run did not complete (the reason printed). */
static int s_soc_once(int port, pid_t server, const char *dir, int k, s_soc_run_t *out)
{
    memset(out, 0, sizeof *out);
    char text[PATH_MAX + 2048], runs[PATH_MAX], run_dir[PATH_MAX + 32];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    snprintf(run_dir, sizeof run_dir, "%s/run-%d-%d", runs, port, k);
    snprintf(text, sizeof text, s_soc_yaml, S_SOC_ROUNDS, S_SOC_AGENTS, S_SOC_NODES, runs, port,
             S_SOC_CONC);
    nn_scenario_t sc;
    nn_diag_t diag = NN_DIAG_INIT;
    int rc =
        nn_scenario_load_text(&sc, text, strlen(text), "<bench llm society>", ".", NULL, 0, &diag);
    if (rc != NN_OK) {
        printf("  society: the scenario does not load:\n");
        nn_diag_print(&diag, stdout);
        nn_diag_release(&diag);
        nn_scenario_release(&sc);
        return 1;
    }
    nn_diag_release(&diag);
    nn_run_options_t opt = NN_RUN_OPTIONS_INIT;
    opt.out_dir = run_dir;
    opt.quiet = 1;
    nn_run_result_t res;
    fflush(stdout);
    double cpu0 = s_cpu(), server0 = s_proc_cpu(server);
    rc = nn_coord_run(&sc, &opt, &res);
    out->cpu_s = (s_cpu() - cpu0) / S_SOC_ROUNDS;
    out->server_cpu_s = (s_proc_cpu(server) - server0) / S_SOC_ROUNDS;
    nn_scenario_release(&sc);
    if (rc != NN_OK) {
        printf("  society: the run failed: %s\n", res.error);
        return 1;
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/summary.json", res.run_dir);
    json_t *summary = json_load_file(path, 0, NULL);
    json_t *llm = json_object_get(summary, "llm");
    if (!json_is_object(llm)) {
        printf("  society: no llm section in %s\n", path);
        json_decref(summary);
        return 1;
    }
    out->asked = s_count(llm, "asked");
    out->sent = s_count(llm, "sent");
    out->fallbacks = s_count(llm, "fallbacks");
    out->failed = s_count(llm, "failed");
    out->cache_hits = s_count(llm, "cache_hits");
    out->p50_s = json_number_value(json_object_get(llm, "latency_p50_s"));
    out->rounds_per_s = S_SOC_ROUNDS / res.rounds_s;
    out->requests_per_s = (double)out->sent / res.rounds_s;
    json_decref(summary);
    return 0;
}

static int s_cmp_soc(const void *a, const void *b)
{
    double x = ((const s_soc_run_t *)a)->rounds_per_s, y = ((const s_soc_run_t *)b)->rounds_per_s;
    return x < y ? -1 : x > y;
}

/* One society row: S_SOC_RUNS runs against the endpoint at port, printed as the median
 * run (by rounds/s); ideal 0 prints no ratio. 0, or 1 when a run failed or any agent fell
 * back (a FAIL line printed). */
static int s_soc_row(const char *label, int port, pid_t server, const char *dir, double ideal)
{
    s_soc_run_t runs[S_SOC_RUNS];
    int bad = 0;
    for (int k = 0; k < S_SOC_RUNS; k++) {
        if (s_soc_once(port, server, dir, k, &runs[k]) != 0) {
            printf("FAIL llm society %s: run %d of %d did not complete\n", label, k + 1,
                   S_SOC_RUNS);
            return 1;
        }
        if (runs[k].fallbacks || runs[k].failed) {
            printf("FAIL llm society %s: run %d: %llu fallbacks, %llu failed requests "
                   "(summary.json llm; both must be 0)\n",
                   label, k + 1, (unsigned long long)runs[k].fallbacks,
                   (unsigned long long)runs[k].failed);
            bad = 1;
        }
    }
    qsort(runs, S_SOC_RUNS, sizeof runs[0], s_cmp_soc);
    const s_soc_run_t *m = &runs[S_SOC_RUNS / 2];
    char ideal_s[32] = "-", ratio_s[32] = "-";
    if (ideal > 0) {
        snprintf(ideal_s, sizeof ideal_s, "%.2f", ideal);
        snprintf(ratio_s, sizeof ratio_s, "%.3f", m->rounds_per_s / ideal);
    }
    printf("  %-8s %9.2f %9.2f %9.2f %7s %7s %11.1f %7llu %7llu %9llu %7.1f %10.3f %10.3f\n", label,
           runs[0].rounds_per_s, m->rounds_per_s, runs[S_SOC_RUNS - 1].rounds_per_s, ideal_s,
           ratio_s, m->requests_per_s, (unsigned long long)m->sent,
           (unsigned long long)m->cache_hits, (unsigned long long)m->fallbacks, m->p50_s * 1e3,
           m->cpu_s, m->server_cpu_s);
    return bad;
}

/* The society rows, against the endpoint at 100 ms (port, its server pid) and at 0 ms
 * (port0, pid0). */
static int s_society(int port, pid_t pid, int port0, pid_t pid0, const char *dir)
{
    uint32_t per_node = (S_SOC_AGENTS + S_SOC_NODES - 1) / S_SOC_NODES;
    uint32_t waves = (per_node + S_SOC_CONC - 1) / S_SOC_CONC;
    double ideal = 1.0 / (waves * S_LATENCY_S);
    printf("llm society: %u agents of behaviour llm, watts_strogatz k=6 p=0.05, %u node "
           "threads, %u rounds, max_concurrency %u a node, fallback stubborn; %d runs each\n",
           S_SOC_AGENTS, S_SOC_NODES, S_SOC_ROUNDS, S_SOC_CONC, S_SOC_RUNS);
    printf("  ideal at %s ms: 1 / (ceil(%u / %u) * %.1f s) = %.2f rounds/s\n", S_LATENCY_MS,
           per_node, S_SOC_CONC, S_LATENCY_S, ideal);
    printf("  %-8s %9s %9s %9s %7s %7s %11s %7s %7s %9s %7s %10s %10s\n", "latency", "min r/s",
           "rounds/s", "max r/s", "ideal", "ratio", "requests/s", "sent", "cached", "fallbacks",
           "p50 ms", "cpu/round", "server cpu");
    int bad = s_soc_row(S_LATENCY_MS " ms", port, pid, dir, ideal);
    bad |= port0 ? s_soc_row("0 ms", port0, pid0, dir, 0) : 1;
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/runs'", dir);
    if (system(cmd) != 0)
        printf("  could not remove %s/runs\n", dir);
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
    pid_t pid = 0, pid0 = 0;
    int port = messages ? s_start(server, dir, S_LATENCY_MS, &pid) : 0;
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
        int port0 = s_start(server, dir, "0", &pid0);
        failed |= s_society(port, pid, port0, pid0, dir);
        printf("\n");
    }
    s_stop(pid);
    s_stop(pid0);
    json_decref(messages);
    const char *latencies[] = {S_LATENCY_MS, "0"};
    for (size_t k = 0; k < 2; k++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/port-%s", dir, latencies[k]);
        unlink(path);
    }
    rmdir(dir);
    return failed;
}
