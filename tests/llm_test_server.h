/* The scripted LLM endpoint (tests/llm_server/server.py) for the unit tests that talk to
 * it: started as a subprocess on a free loopback port, its admin calls (plan, stats), and
 * its stop. Included by one test file each (static functions, cmocka asserts). */
#ifndef NUNCHI_TESTS_LLM_TEST_SERVER_H
#define NUNCHI_TESTS_LLM_TEST_SERVER_H

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NUNCHI_SOURCE_DIR
#define NUNCHI_SOURCE_DIR "."
#endif

#define T_PYTHON "/usr/bin/python3"
#define T_SERVER NUNCHI_SOURCE_DIR "/tests/llm_server/server.py"

extern char **environ;

typedef struct t_srv {
    pid_t pid;
    int port;
    char base[96]; /* http://127.0.0.1:PORT/v1 */
} t_srv_t;

/* Starts a server (its port file in dir, numbered idx) with the extra arguments
 * (NULL-terminated) and waits for its port. */
static inline void t_srv_start(t_srv_t *s, const char *dir, int idx, const char *const *extra)
{
    char port_file[160];
    snprintf(port_file, sizeof port_file, "%s/port%d", dir, idx);
    const char *argv[32] = {T_PYTHON,      T_SERVER,  "--port",           "0",
                            "--port-file", port_file, "--die-with-parent"};
    int argc = 7;
    for (; extra && *extra; extra++)
        argv[argc++] = *extra;
    argv[argc] = NULL;
    posix_spawn_file_actions_t fa; /* its "listening PORT" line is not the test's output */
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&s->pid, T_PYTHON, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    for (int i = 0; i < 1000; i++) { /* 10 s */
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &s->port) == 1;
            fclose(f);
            if (ok)
                break;
        }
        int status;
        assert_int_equal(waitpid(s->pid, &status, WNOHANG), 0); /* it did not die */
        usleep(10000);
    }
    assert_true(s->port > 0);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d/v1", s->port);
}

/* Stops a server: SIGTERM, then SIGKILL after 3 s. */
static inline void t_srv_stop(t_srv_t *s)
{
    kill(s->pid, SIGTERM);
    int status;
    for (int k = 0; k < 300 && waitpid(s->pid, &status, WNOHANG) == 0; k++)
        usleep(10000);
    if (waitpid(s->pid, &status, WNOHANG) == 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
    }
}

static inline size_t t_collect(char *data, size_t size, size_t nmemb, void *user)
{
    char **buf = user;
    size_t old = *buf ? strlen(*buf) : 0, n = size * nmemb;
    char *b = realloc(*buf, old + n + 1);
    assert_non_null(b);
    memcpy(b + old, data, n);
    b[old + n] = '\0';
    *buf = b;
    return n;
}

/* GET (body NULL) or POST body to the server's path; the answer as JSON. */
static inline json_t *t_admin(const t_srv_t *s, const char *path, const char *body)
{
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    CURL *e = curl_easy_init();
    assert_non_null(e);
    char *buf = NULL;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, t_collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &buf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    if (body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    assert_int_equal(status, 200);
    json_t *j = json_loads(buf ? buf : "", 0, NULL);
    free(buf);
    assert_non_null(j);
    return j;
}

static inline void t_plan(const t_srv_t *s, const char *plan)
{
    json_decref(t_admin(s, "/admin/plan", plan));
}

static inline json_int_t t_stat(const t_srv_t *s, const char *key)
{
    json_t *j = t_admin(s, "/admin/stats", NULL);
    json_t *v = json_object_get(j, key);
    assert_true(json_is_integer(v) || json_is_boolean(v));
    json_int_t n = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
    json_decref(j);
    return n;
}

#endif
