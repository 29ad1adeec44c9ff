/* Tests of coordinator/output.c: the run directory (given, or PARENT/NAME-TIMESTAMP with
 * a -2 suffix when taken, and an error naming the path when it cannot be made), the state
 * files whose opinions read back bit for bit, events as one compact JSON line with
 * "event" first, JSON files, and the resolved scenario that loads back into the same
 * scenario with its file paths made absolute. Each test works in a fresh mkdtemp
 * directory that its teardown removes. */
#define _GNU_SOURCE /* nftw, strptime and timegm */
#include <errno.h>
#include <float.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "network.h"
#include "nunchi/error.h"
#include "output.h"
#include "scenario.h"
#include "society.h"

#define DATA NUNCHI_SOURCE_DIR "/tests/data"

typedef struct t_fix {
    char dir[64]; /* the test's own temporary directory */
    char err[512];
    char path[4096];
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", "/tmp/nunchi-output-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int t_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    int rc = nftw(f->dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

static int t_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The whole of a file as a malloc'd string (NULL when it cannot be read). */
static char *t_slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *t = realloc(buf, cap);
            assert_non_null(t);
            buf = t;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(fp);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

static void t_write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* ---- nn_output_make_dir -------------------------------------------------------------- */

static void test_make_dir_explicit(void **state)
{
    t_fix_t *f = *state;
    char want[256];
    snprintf(want, sizeof want, "%s/a/b/c", f->dir);
    assert_int_equal(nn_output_make_dir(want, "ignored", "ignored", f->path, sizeof f->path, f->err,
                                        sizeof f->err),
                     NN_OK);
    assert_string_equal(f->path, want);
    assert_true(t_is_dir(want));
    /* an existing directory is fine, and so is a trailing slash */
    assert_int_equal(
        nn_output_make_dir(want, NULL, NULL, f->path, sizeof f->path, f->err, sizeof f->err),
        NN_OK);
    assert_string_equal(f->path, want);
    strcat(want, "/");
    assert_int_equal(
        nn_output_make_dir(want, NULL, NULL, f->path, sizeof f->path, f->err, sizeof f->err),
        NN_OK);
    assert_true(t_is_dir(f->path));
    /* files in it can be opened */
    FILE *fp = nn_output_open(f->path, "x.txt", f->err, sizeof f->err);
    assert_non_null(fp);
    fclose(fp);

    /* under a regular file it cannot be made: NN_EIO naming the path */
    char file[256], bad[300];
    snprintf(file, sizeof file, "%s/plain", f->dir);
    t_write_file(file, "not a directory\n");
    snprintf(bad, sizeof bad, "%s/run", file);
    f->err[0] = '\0';
    assert_int_equal(
        nn_output_make_dir(bad, NULL, NULL, f->path, sizeof f->path, f->err, sizeof f->err),
        NN_EIO);
    assert_non_null(strstr(f->err, bad));
    assert_non_null(strstr(f->err, "run directory"));
}

/* Checks that base is NAME-YYYYmmddTHHMMSSZ for a time in [t0, t1]. */
static void t_check_stamp(const char *base, const char *name, time_t t0, time_t t1)
{
    size_t nl = strlen(name);
    assert_memory_equal(base, name, nl);
    assert_int_equal(base[nl], '-');
    const char *s = base + nl + 1;
    assert_int_equal(strlen(s), 16);
    for (int i = 0; i < 16; i++) {
        if (i == 8)
            assert_int_equal(s[i], 'T');
        else if (i == 15)
            assert_int_equal(s[i], 'Z');
        else
            assert_true(s[i] >= '0' && s[i] <= '9');
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
    assert_non_null(end);
    assert_int_equal(*end, '\0');
    time_t t = timegm(&tm);
    assert_true(t >= t0 && t <= t1);
}

static void test_make_dir_named(void **state)
{
    t_fix_t *f = *state;
    char parent[256];
    snprintf(parent, sizeof parent, "%s/runs/deeper", f->dir);
    char first[4096], second[4096], third[4096];
    /* two calls in the same second: the second gets "-2", the third "-3". A second may
     * tick over between the calls, so try again until it does not. */
    int same_second = 0;
    for (int attempt = 0; attempt < 5 && !same_second; attempt++) {
        char sub[300];
        snprintf(sub, sizeof sub, "%s/%d", parent, attempt);
        time_t t0 = time(NULL);
        assert_int_equal(
            nn_output_make_dir(NULL, sub, "mixed", first, sizeof first, f->err, sizeof f->err),
            NN_OK);
        assert_int_equal(
            nn_output_make_dir(NULL, sub, "mixed", second, sizeof second, f->err, sizeof f->err),
            NN_OK);
        assert_int_equal(
            nn_output_make_dir(NULL, sub, "mixed", third, sizeof third, f->err, sizeof f->err),
            NN_OK);
        time_t t1 = time(NULL);
        assert_true(t_is_dir(first));
        assert_true(t_is_dir(second));
        assert_true(t_is_dir(third));
        assert_memory_equal(first, sub, strlen(sub));
        assert_int_equal(first[strlen(sub)], '/');
        t_check_stamp(first + strlen(sub) + 1, "mixed", t0, t1);
        if (t0 != t1)
            continue;
        same_second = 1;
        char want[4200];
        snprintf(want, sizeof want, "%s-2", first);
        assert_string_equal(second, want);
        snprintf(want, sizeof want, "%s-3", first);
        assert_string_equal(third, want);
    }
    assert_true(same_second);

    /* a parent that cannot be created (under a regular file): NN_EIO naming it */
    char file[256], bad[300];
    snprintf(file, sizeof file, "%s/plain", f->dir);
    t_write_file(file, "x\n");
    snprintf(bad, sizeof bad, "%s/runs", file);
    f->err[0] = '\0';
    assert_int_equal(
        nn_output_make_dir(NULL, bad, "mixed", f->path, sizeof f->path, f->err, sizeof f->err),
        NN_EIO);
    assert_non_null(strstr(f->err, bad));
    assert_non_null(strstr(f->err, "Not a directory"));
    /* a parent that is itself a regular file */
    f->err[0] = '\0';
    assert_int_equal(
        nn_output_make_dir(NULL, file, "mixed", f->path, sizeof f->path, f->err, sizeof f->err),
        NN_EIO);
    assert_non_null(strstr(f->err, file));
}

/* ---- nn_output_write_state ----------------------------------------------------------- */

static void test_write_state(void **state)
{
    t_fix_t *f = *state;
    const double values[] = {
        0.0,
        1.0,
        0.1,
        1.0 / 3.0,
        2.0 / 3.0,
        0.5,
        nextafter(1.0, 0.0),
        nextafter(0.0, 1.0),
        DBL_MIN,
        DBL_EPSILON,
        0.30000000000000004,
        0.7,
        1e-300,
        0.123456789012345678,
        -0.25,
        123456.789,
    };
    enum { N = 1000 };
    nn_society_t s;
    memset(&s, 0, sizeof s);
    s.n = N;
    s.n_pops = 3;
    snprintf(s.desc[0].behaviour, sizeof s.desc[0].behaviour, "deffuant");
    snprintf(s.desc[1].behaviour, sizeof s.desc[1].behaviour, "hk");
    snprintf(s.desc[2].behaviour, sizeof s.desc[2].behaviour, "voter");
    s.pop = malloc(N);
    s.x = malloc(N * sizeof *s.x);
    assert_non_null(s.pop);
    assert_non_null(s.x);
    uint64_t z = 88172645463325252ull; /* xorshift: spread bits across the mantissa */
    for (uint32_t i = 0; i < N; i++) {
        s.pop[i] = (uint8_t)(i % 3);
        if (i < sizeof values / sizeof values[0]) {
            s.x[i] = values[i];
        } else {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            s.x[i] = (double)(z >> 11) / 9007199254740992.0;
        }
    }
    assert_int_equal(nn_output_write_state(f->dir, "final_state.csv", &s, f->err, sizeof f->err),
                     NN_OK);

    char path[256];
    snprintf(path, sizeof path, "%s/final_state.csv", f->dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[256];
    assert_non_null(fgets(line, sizeof line, fp));
    assert_string_equal(line, "id,behaviour,opinion\n");
    uint32_t rows = 0;
    while (fgets(line, sizeof line, fp)) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        char *c1 = strchr(line, ',');
        assert_non_null(c1);
        char *c2 = strchr(c1 + 1, ',');
        assert_non_null(c2);
        *c1 = *c2 = '\0';
        char *end;
        unsigned long id = strtoul(line, &end, 10);
        assert_int_equal(*end, '\0');
        assert_int_equal(id, rows);
        assert_string_equal(c1 + 1, s.desc[s.pop[id]].behaviour);
        double v = strtod(c2 + 1, &end);
        assert_int_equal(*end, '\0');
        if (memcmp(&v, &s.x[id], sizeof v) != 0)
            fail_msg("row %lu: '%s' reads back as %.17g, not %.17g", id, c2 + 1, v, s.x[id]);
        rows++;
    }
    fclose(fp);
    assert_int_equal(rows, N);

    /* an empty society: the header only */
    nn_society_t empty;
    memset(&empty, 0, sizeof empty);
    assert_int_equal(nn_output_write_state(f->dir, "empty.csv", &empty, f->err, sizeof f->err),
                     NN_OK);
    snprintf(path, sizeof path, "%s/empty.csv", f->dir);
    char *text = t_slurp(path);
    assert_non_null(text);
    assert_string_equal(text, "id,behaviour,opinion\n");
    free(text);

    /* a run directory that is not there: NN_EIO naming the file */
    char missing[256];
    snprintf(missing, sizeof missing, "%s/nope", f->dir);
    f->err[0] = '\0';
    assert_int_equal(nn_output_write_state(missing, "s.csv", &s, f->err, sizeof f->err), NN_EIO);
    assert_non_null(strstr(f->err, "nope/s.csv"));
    free(s.pop);
    free(s.x);
}

/* ---- events and JSON files ----------------------------------------------------------- */

static void test_event(void **state)
{
    t_fix_t *f = *state;
    FILE *fp = nn_output_open(f->dir, "events.jsonl", f->err, sizeof f->err);
    assert_non_null(fp);
    nn_output_event(fp, "run_start",
                    json_pack("{s:s,s:i,s:f}", "name", "mixed", "agents", 3000, "wall", 0.25));
    nn_output_event(
        fp, "round_end",
        json_pack("{s:i,s:[i,i],s:{s:b}}", "round", 7, "pair", 1, 2, "nested", "ok", 1));
    nn_output_event(fp, "bare", NULL);
    nn_output_event(fp, "text", json_pack("{s:s}", "msg", "line\nbreak \"quoted\""));
    /* a field that is also called "event" does not move "event" from first place */
    nn_output_event(fp, "first", json_pack("{s:i,s:s}", "z", 1, "event", "first"));
    assert_int_equal(fclose(fp), 0);

    /* NULL-safe: the event (and its reference) is dropped; valgrind sees no leak */
    nn_output_event(NULL, "dropped", json_pack("{s:i}", "x", 1));
    nn_output_event(NULL, "dropped", NULL);

    char path[256];
    snprintf(path, sizeof path, "%s/events.jsonl", f->dir);
    char *text = t_slurp(path);
    assert_non_null(text);
    const char *want_event[] = {"run_start", "round_end", "bare", "text", "first"};
    const char *p = text;
    size_t lines = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every event ends its line */
        size_t n = (size_t)(nl - p);
        assert_true(lines < 5);
        /* compact and with "event" first */
        char head[64];
        snprintf(head, sizeof head, "{\"event\":\"%s\"", want_event[lines]);
        assert_memory_equal(p, head, strlen(head));
        if (lines != 3) /* compact: no space outside strings */
            assert_null(memchr(p, ' ', n));
        json_error_t je;
        json_t *o = json_loadb(p, n, 0, &je);
        if (!o)
            fail_msg("line %zu does not parse: %s", lines + 1, je.text);
        assert_true(json_is_object(o));
        assert_string_equal(json_string_value(json_object_get(o, "event")), want_event[lines]);
        switch (lines) {
        case 0:
            assert_string_equal(json_string_value(json_object_get(o, "name")), "mixed");
            assert_int_equal(json_integer_value(json_object_get(o, "agents")), 3000);
            assert_true(json_real_value(json_object_get(o, "wall")) == 0.25);
            assert_int_equal(json_object_size(o), 4);
            break;
        case 1:
            assert_int_equal(json_integer_value(json_object_get(o, "round")), 7);
            assert_int_equal(json_array_size(json_object_get(o, "pair")), 2);
            assert_true(json_is_true(json_object_get(json_object_get(o, "nested"), "ok")));
            break;
        case 2: assert_int_equal(json_object_size(o), 1); break;
        case 3:
            assert_string_equal(json_string_value(json_object_get(o, "msg")),
                                "line\nbreak \"quoted\"");
            break;
        case 4: assert_int_equal(json_object_size(o), 2); break;
        }
        json_decref(o);
        lines++;
        p = nl + 1;
    }
    assert_int_equal(lines, 5);
    free(text);
}

static void test_write_json(void **state)
{
    t_fix_t *f = *state;
    json_t *o = json_pack("{s:s,s:I,s:f,s:[i,i,i],s:{s:s}}", "status", "completed", "sent",
                          (json_int_t)123456789012, "wall_seconds", 1.5, "list", 1, 2, 3, "dropped",
                          "why", "none");
    assert_non_null(o);
    assert_int_equal(nn_output_write_json(f->dir, "summary.json", o, f->err, sizeof f->err), NN_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/summary.json", f->dir);
    json_error_t je;
    json_t *back = json_load_file(path, 0, &je);
    if (!back)
        fail_msg("summary.json does not parse: %s", je.text);
    assert_string_equal(json_string_value(json_object_get(back, "status")), "completed");
    assert_int_equal(json_integer_value(json_object_get(back, "sent")), 123456789012);
    assert_true(json_real_value(json_object_get(back, "wall_seconds")) == 1.5);
    assert_int_equal(json_array_size(json_object_get(back, "list")), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(back, "dropped"), "why")),
                        "none");
    json_decref(back);
    /* pretty-printed, keys in the order given, ending with a newline */
    char *text = t_slurp(path);
    assert_non_null(text);
    assert_memory_equal(text, "{\n  \"status\": \"completed\",\n  \"sent\": 123456789012,", 49);
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);

    /* an unwritable place: NN_EIO, and the stolen object is still released */
    char missing[256];
    snprintf(missing, sizeof missing, "%s/nope", f->dir);
    f->err[0] = '\0';
    assert_int_equal(nn_output_write_json(missing, "summary.json", json_pack("{s:i}", "a", 1),
                                          f->err, sizeof f->err),
                     NN_EIO);
    assert_non_null(strstr(f->err, "nope/summary.json"));
}

/* ---- the resolved scenario ----------------------------------------------------------- */

static void t_same_scenario(const nn_scenario_t *a, const nn_scenario_t *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->seed, b->seed);
    assert_int_equal(a->rounds, b->rounds);
    assert_int_equal(a->agents, b->agents);
    assert_int_equal(a->network.model, b->network.model);
    assert_int_equal(a->network.k, b->network.k);
    assert_true(a->network.p == b->network.p);
    assert_true(a->network.mean_degree == b->network.mean_degree);
    assert_int_equal(a->network.m, b->network.m);
    assert_int_equal(a->opinions.init, b->opinions.init);
    assert_true(a->opinions.mean == b->opinions.mean);
    assert_true(a->opinions.sd == b->opinions.sd);
    assert_true(a->opinions.modes[0] == b->opinions.modes[0]);
    assert_true(a->opinions.modes[1] == b->opinions.modes[1]);
    assert_int_equal(a->n_populations, b->n_populations);
    for (size_t i = 0; i < a->n_populations; i++) {
        const nn_population_t *pa = &a->populations[i], *pb = &b->populations[i];
        assert_ptr_equal(pa->ops, pb->ops);
        assert_int_equal(pa->by_count, pb->by_count);
        assert_int_equal(pa->count, pb->count);
        assert_true(pa->share == pb->share);
        assert_memory_equal(pa->params, pb->params, sizeof pa->params);
    }
    assert_int_equal(a->nodes, b->nodes);
    assert_int_equal(a->transport, b->transport);
    assert_string_equal(a->output_dir, b->output_dir);
    assert_true(a->deadline_s == b->deadline_s);
    assert_int_equal(a->max_message_bytes, b->max_message_bytes);
}

static void test_write_scenario(void **state)
{
    t_fix_t *f = *state;
    nn_scenario_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    nn_diag_t d = NN_DIAG_INIT;
    int rc = nn_scenario_load(a, DATA "/scenarios/mixed.yaml", NULL, 0, &d);
    if (rc != NN_OK)
        fail_msg("mixed.yaml: %s", d.text ? d.text : "?");
    assert_int_equal(nn_output_write_scenario(f->dir, a, f->err, sizeof f->err), NN_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/scenario.yaml", f->dir);
    rc = nn_scenario_load(b, path, NULL, 0, &d);
    if (rc != NN_OK)
        fail_msg("the written scenario.yaml: %s", d.text ? d.text : "?");
    t_same_scenario(a, b);
    assert_string_equal(b->name, "mixed");
    assert_int_equal(b->seed, 7);
    assert_int_equal(b->agents, 3000);
    assert_int_equal(b->network.model, NN_NET_WATTS_STROGATZ);
    assert_int_equal(b->network.k, 8);
    assert_int_equal(b->n_populations, 5);
    assert_int_equal(b->populations[4].count, 30);
    assert_string_equal(b->source, path);

    /* into a run directory that is not there: NN_EIO naming the file */
    char missing[256];
    snprintf(missing, sizeof missing, "%s/nope", f->dir);
    f->err[0] = '\0';
    assert_int_equal(nn_output_write_scenario(missing, a, f->err, sizeof f->err), NN_EIO);
    assert_non_null(strstr(f->err, "nope/scenario.yaml"));
    nn_diag_release(&d);
    free(a);
    free(b);
}

/* A scenario naming files by relative paths is written with absolute ones, so that the
 * copy in the run directory loads and builds from there. The scenario sits in src/ and
 * reaches tests/data/networks/small.txt through a symlink; the run directory is run/. */
static void t_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    assert_int_equal(stat(a, &sa), 0);
    assert_int_equal(stat(b, &sb), 0);
    assert_true(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

static void test_write_scenario_paths(void **state)
{
    t_fix_t *f = *state;
    char src[256], run[256], path[300];
    snprintf(src, sizeof src, "%s/src", f->dir);
    snprintf(run, sizeof run, "%s/run", f->dir);
    assert_int_equal(mkdir(src, 0777), 0);
    assert_int_equal(mkdir(run, 0777), 0);
    snprintf(path, sizeof path, "%s/nets", src);
    assert_int_equal(symlink(DATA "/networks", path), 0);
    /* opinions for the 6 agents of small.txt */
    snprintf(path, sizeof path, "%s/opinions.txt", src);
    t_write_file(path, "0.1\n0.2\n0.3\n0.4\n0.5\n0.6\n");
    snprintf(path, sizeof path, "%s/paths.yaml", src);
    t_write_file(path, "agents: 6\n"
                       "network: {model: file, path: ../src/nets/small.txt}\n"
                       "opinions: {init: file, path: ./opinions.txt}\n"
                       "populations: [{behaviour: voter, share: 1}]\n"
                       "nodes: 1\n");

    nn_scenario_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    nn_diag_t d = NN_DIAG_INIT;
    int rc = nn_scenario_load(a, path, NULL, 0, &d);
    if (rc != NN_OK)
        fail_msg("paths.yaml: %s", d.text ? d.text : "?");
    assert_int_equal(nn_output_write_scenario(run, a, f->err, sizeof f->err), NN_OK);
    /* the caller's scenario is left as written */
    assert_string_equal(a->network.path, "../src/nets/small.txt");
    assert_string_equal(a->opinions.path, "./opinions.txt");

    char written[300];
    snprintf(written, sizeof written, "%s/scenario.yaml", run);
    rc = nn_scenario_load(b, written, NULL, 0, &d);
    if (rc != NN_OK)
        fail_msg("the written scenario.yaml: %s", d.text ? d.text : "?");
    t_same_scenario(a, b);
    assert_string_equal(b->name, "paths");
    /* absolute, without . or .. components, and the same files */
    assert_int_equal(b->network.model, NN_NET_FILE);
    assert_int_equal(b->network.path[0], '/');
    assert_null(strstr(b->network.path, "/."));
    t_same_file(b->network.path, DATA "/networks/small.txt");
    assert_int_equal(b->opinions.init, NN_INIT_FILE);
    assert_int_equal(b->opinions.path[0], '/');
    assert_null(strstr(b->opinions.path, "/."));
    snprintf(path, sizeof path, "%s/opinions.txt", src);
    t_same_file(b->opinions.path, path);
    /* an absolute path resolves to itself wherever the scenario is */
    assert_string_equal(b->network.resolved_path, b->network.path);
    assert_string_equal(b->opinions.resolved_path, b->opinions.path);

    /* the written copy builds the same network: 6 agents, 8 edges, 2 lines dropped */
    nn_network_t *net = NULL;
    uint64_t dropped = 0;
    rc = nn_network_build(&net, &b->network, b->agents, b->seed, &dropped, f->err, sizeof f->err);
    if (rc != NN_OK)
        fail_msg("building from the written scenario: %s", f->err);
    assert_int_equal(net->n, 6);
    assert_int_equal(net->n_edges, 8);
    assert_int_equal(dropped, 2);
    nn_network_destroy(&net);

    /* and the society reads its opinions through the absolute path */
    nn_society_t s;
    nn_diag_release(&d);
    rc = nn_society_init(&s, b, &d);
    if (rc != NN_OK)
        fail_msg("society from the written scenario: %s", d.text ? d.text : "?");
    assert_int_equal(s.n, 6);
    assert_true(s.x[0] == 0.1);
    assert_true(s.x[5] == 0.6);
    nn_society_release(&s);
    nn_diag_release(&d);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_make_dir_explicit, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_make_dir_named, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_write_state, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_event, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_write_json, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_write_scenario, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_write_scenario_paths, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
