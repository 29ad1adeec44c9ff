/* The llm behaviour's answer cache (node/llm_cache): what the key depends on and what it
 * does not, the cache's first-answer-wins rule and its limit, a large cache, a record
 * read back by a replay, two threads appending to one record file, and the refusal of
 * edited, broken and missing files with the file and line named. */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "node/llm_cache.h"
#include "nunchi/error.h"

/* ---- helpers ---------------------------------------------------------------------- */

typedef struct t_dir {
    char dir[64];
    char path[128];
} t_dir_t;

static int t_setup(void **state)
{
    t_dir_t *d = calloc(1, sizeof *d);
    snprintf(d->dir, sizeof d->dir, "/tmp/nunchi-llmcache.XXXXXX");
    if (!mkdtemp(d->dir))
        return -1;
    snprintf(d->path, sizeof d->path, "%s/record.jsonl", d->dir);
    *state = d;
    return 0;
}

static int t_teardown(void **state)
{
    t_dir_t *d = *state;
    unlink(d->path);
    rmdir(d->dir);
    free(d);
    return 0;
}

/* A system and a user message; the user text varies with i. */
static json_t *t_messages(const char *user)
{
    return json_pack("[{s:s, s:s}, {s:s, s:s}]", "role", "system", "content",
                     "you are member 4 — cautious", "role", "user", "content", user);
}

static void t_key(const char *model, const json_t *m, double t, uint32_t mt, int hs, uint64_t s,
                  char out[33])
{
    assert_int_equal(nn_llmcache_key(model, m, t, mt, hs, s, out), NN_OK);
    assert_int_equal(strlen(out), 32);
}

static char *t_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static void t_spit(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(s, f);
    fclose(f);
}

/* Replaces the first `from` in s by `to` (same length or not); s is malloc'd. */
static char *t_replace(char *s, const char *from, const char *to)
{
    char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *r = malloc(n + 1);
    size_t pre = (size_t)(at - s);
    memcpy(r, s, pre);
    strcpy(r + pre, to);
    strcat(r, at + strlen(from));
    free(s);
    return r;
}

/* ---- the key ---------------------------------------------------------------------- */

static void test_key_changes(void **state)
{
    (void)state;
    json_t *m = t_messages("round: 3\nopinion: 0.5");
    char k[33], k2[33];
    t_key("qwen", m, 0.7, 256, 1, 42, k);
    for (size_t i = 0; i < 32; i++)
        assert_true((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f'));
    t_key("qwen", m, 0.7, 256, 1, 42, k2);
    assert_string_equal(k, k2);

    /* every input counts */
    t_key("qwen2", m, 0.7, 256, 1, 42, k2);
    assert_string_not_equal(k, k2);
    t_key("qwen", m, nextafter(0.7, 1.0), 256, 1, 42, k2); /* one ulp */
    assert_string_not_equal(k, k2);
    t_key("qwen", m, 0.7, 257, 1, 42, k2);
    assert_string_not_equal(k, k2);
    t_key("qwen", m, 0.7, 256, 1, 43, k2);
    assert_string_not_equal(k, k2);
    t_key("qwen", m, 0.7, 256, 0, 42, k2); /* no seed is not seed 42 ... */
    assert_string_not_equal(k, k2);
    char k0[33];
    t_key("qwen", m, 0.7, 256, 1, 0, k0); /* ... nor seed 0 */
    assert_string_not_equal(k0, k2);
    t_key("qwen", m, 0.7, 256, 0, 999, k0); /* without a seed, the seed value is moot */
    assert_string_equal(k0, k2);

    /* one byte of a message */
    json_t *m2 = t_messages("round: 3\nopinion: 0.6");
    t_key("qwen", m2, 0.7, 256, 1, 42, k2);
    assert_string_not_equal(k, k2);
    json_decref(m2);
    /* one message more */
    m2 = json_deep_copy(m);
    json_array_append_new(m2, json_pack("{s:s, s:s}", "role", "user", "content", ""));
    t_key("qwen", m2, 0.7, 256, 1, 42, k2);
    assert_string_not_equal(k, k2);
    json_decref(m2);

    /* the order in which a message's keys were set does not count */
    m2 = json_pack("[{s:s, s:s}, {s:s, s:s}]", "content", "you are member 4 — cautious", "role",
                   "system", "content", "round: 3\nopinion: 0.5", "role", "user");
    t_key("qwen", m2, 0.7, 256, 1, 42, k2);
    assert_string_equal(k, k2);
    json_decref(m2);

    /* nor the locale's decimal point, where such a locale is installed */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        t_key("qwen", m, 0.7, 256, 1, 42, k2);
        setlocale(LC_NUMERIC, "C");
        assert_string_equal(k, k2);
    }

    /* refusals leave "" */
    strcpy(k2, "x");
    assert_int_equal(nn_llmcache_key(NULL, m, 0.7, 256, 1, 42, k2), NN_EINVAL);
    assert_string_equal(k2, "");
    assert_int_equal(nn_llmcache_key("\xff", m, 0.7, 256, 1, 42, k2), NN_EINVAL);
    assert_int_equal(nn_llmcache_key("qwen", NULL, 0.7, 256, 1, 42, k2), NN_EINVAL);
    json_t *obj = json_object();
    assert_int_equal(nn_llmcache_key("qwen", obj, 0.7, 256, 1, 42, k2), NN_EINVAL);
    json_decref(obj);
    assert_int_equal(nn_llmcache_key("qwen", m, NAN, 256, 1, 42, k2), NN_EINVAL);
    assert_int_equal(nn_llmcache_key("qwen", m, INFINITY, 256, 1, 42, k2), NN_EINVAL);
    assert_int_equal(nn_llmcache_key("qwen", m, 0.7, 256, 1, (uint64_t)INT64_MAX + 1, k2),
                     NN_EINVAL);
    t_key("qwen", m, 0.7, 256, 1, (uint64_t)INT64_MAX, k2);
    json_decref(m);
}

/* Many near-identical inputs, no two keys alike, and each half of the key varies. */
static void test_key_spread(void **state)
{
    (void)state;
    enum { N = 4096 };
    char(*keys)[33] = malloc(N * sizeof *keys);
    nn_llmcache_t *c = NULL;
    assert_int_equal(nn_llmcache_new(&c, N), NN_OK);
    json_t *m = json_array();
    for (uint32_t i = 0; i < N; i++) {
        t_key("m", m, 0.0, i, 0, 0, keys[i]);
        assert_int_equal(nn_llmcache_put(c, keys[i], "", 0, 0), NN_OK);
    }
    assert_int_equal(nn_llmcache_count(c), N); /* no collisions */
    /* the halves are two hashes, not one twice */
    for (size_t i = 0; i < N; i++)
        assert_true(memcmp(keys[i], keys[i] + 16, 16) != 0);
    /* both halves carry bits: count the first hex digit of each half */
    int first[16] = {0}, second[16] = {0};
    for (size_t i = 0; i < N; i++) {
        first[keys[i][0] <= '9' ? keys[i][0] - '0' : keys[i][0] - 'a' + 10]++;
        second[keys[i][16] <= '9' ? keys[i][16] - '0' : keys[i][16] - 'a' + 10]++;
    }
    for (int d = 0; d < 16; d++) {
        assert_in_range(first[d], N / 16 / 2, N / 16 * 2);
        assert_in_range(second[d], N / 16 / 2, N / 16 * 2);
    }
    json_decref(m);
    nn_llmcache_destroy(&c);
    free(keys);
}

/* ---- the cache -------------------------------------------------------------------- */

static void test_cache_put_get(void **state)
{
    (void)state;
    nn_llmcache_t *c = (nn_llmcache_t *)1;
    assert_int_equal(nn_llmcache_new(&c, 0), NN_EINVAL);
    assert_null(c);
    assert_int_equal(nn_llmcache_new(&c, 3), NN_OK);
    assert_int_equal(nn_llmcache_count(c), 0);

    const char *ka = "0123456789abcdef0123456789abcdef";
    const char *kb = "fedcba9876543210fedcba9876543210";
    const char *kc = "00000000000000000000000000000001";
    const char *kd = "00000000000000000000000000000002";
    assert_null(nn_llmcache_get(c, ka));
    char content[] = "{\"opinion\": 0.4}";
    assert_int_equal(nn_llmcache_put(c, ka, content, 120, 9), NN_OK);
    content[0] = 'X'; /* the cache holds a copy */
    const nn_llmcache_entry_t *e = nn_llmcache_get(c, ka);
    assert_non_null(e);
    assert_string_equal(e->key, ka);
    assert_string_equal(e->content, "{\"opinion\": 0.4}");
    assert_int_equal(e->prompt_tokens, 120);
    assert_int_equal(e->completion_tokens, 9);
    assert_null(nn_llmcache_get(c, kb));

    /* first answer wins */
    assert_int_equal(nn_llmcache_put(c, ka, "second", 1, 1), NN_OK);
    assert_int_equal(nn_llmcache_count(c), 1);
    assert_ptr_equal(nn_llmcache_get(c, ka), e);
    assert_string_equal(e->content, "{\"opinion\": 0.4}");
    assert_int_equal(e->prompt_tokens, 120);

    /* the limit: nothing stored past it, a known key still answers */
    assert_int_equal(nn_llmcache_put(c, kb, "b", 0, 0), NN_OK);
    assert_int_equal(nn_llmcache_put(c, kc, "", 0, 0), NN_OK);
    assert_int_equal(nn_llmcache_put(c, kd, "d", 0, 0), NN_ETOOBIG);
    assert_int_equal(nn_llmcache_count(c), 3);
    assert_null(nn_llmcache_get(c, kd));
    assert_int_equal(nn_llmcache_put(c, kb, "again", 0, 0), NN_OK);
    assert_string_equal(nn_llmcache_get(c, kb)->content, "b");
    assert_string_equal(nn_llmcache_get(c, kc)->content, "");

    /* keys that are not 32 lower-case hex */
    assert_int_equal(nn_llmcache_put(c, "0123456789ABCDEF0123456789abcdef", "x", 0, 0), NN_EINVAL);
    char shortk[33] = "0123";
    assert_int_equal(nn_llmcache_put(c, shortk, "x", 0, 0), NN_EINVAL);
    assert_int_equal(nn_llmcache_put(c, ka, NULL, 0, 0), NN_EINVAL);
    assert_null(nn_llmcache_get(c, "0123456789abcdef0123456789abcdef0"));
    assert_null(nn_llmcache_get(c, NULL));
    assert_null(nn_llmcache_get(NULL, ka));
    assert_int_equal(nn_llmcache_count(NULL), 0);

    nn_llmcache_destroy(&c);
    assert_null(c);
    nn_llmcache_destroy(&c);
    nn_llmcache_destroy(NULL);
}

static void t_fake_key(uint64_t i, char out[33])
{
    /* spread like real keys, so the table is exercised, not a sorted run */
    uint64_t a = i * 0x9e3779b97f4a7c15ULL, b = ~i * 0xd1b54a32d192ed03ULL;
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static void test_cache_large(void **state)
{
    (void)state;
    enum { N = 100000 };
    nn_llmcache_t *c = NULL;
    assert_int_equal(nn_llmcache_new(&c, NN_LLMCACHE_MAX_ENTRIES), NN_OK);
    char key[33], text[32];
    const nn_llmcache_entry_t *first = NULL;
    for (uint64_t i = 0; i < N; i++) {
        t_fake_key(i, key);
        snprintf(text, sizeof text, "answer %llu", (unsigned long long)i);
        assert_int_equal(nn_llmcache_put(c, key, text, i, 2 * i), NN_OK);
        if (i == 0)
            first = nn_llmcache_get(c, key);
    }
    assert_int_equal(nn_llmcache_count(c), N);
    t_fake_key(0, key);
    assert_ptr_equal(nn_llmcache_get(c, key), first); /* entries do not move */
    for (uint64_t i = 0; i < N; i++) {
        t_fake_key(i, key);
        const nn_llmcache_entry_t *e = nn_llmcache_get(c, key);
        assert_non_null(e);
        snprintf(text, sizeof text, "answer %llu", (unsigned long long)i);
        assert_string_equal(e->content, text);
        assert_int_equal(e->prompt_tokens, i);
        assert_int_equal(e->completion_tokens, 2 * i);
    }
    for (uint64_t i = N; i < N + 1000; i++) {
        t_fake_key(i, key);
        assert_null(nn_llmcache_get(c, key));
    }
    nn_llmcache_destroy(&c);
}

/* ---- record and replay ------------------------------------------------------------ */

typedef struct t_exchange {
    const char *model;
    const char *user;
    double temperature;
    uint32_t max_tokens;
    int has_seed;
    uint64_t seed;
    const char *content;
    uint64_t prompt, completion;
} t_exchange_t;

static const t_exchange_t s_ex[] = {
    {"qwen", "round: 1\nopinion: 0.5", 0.7, 256, 1, 42, "{\"opinion\": 0.4}", 100, 7},
    {"qwen", "round: 2\nheard: 5 0.25 «ça va?» \"quoted\"", 0.1, 64, 0, 0,
     "{\"opinion\": 0.3, \"say\": \"naïve — oui\"}", 130, 20},
    {"llama", "round: 2\nopinion: 1e-300", 1.0, 0, 1, (uint64_t)INT64_MAX, "", 0, 0},
    {"qwen", "round: 3\n\ttab\\back", 1.0 / 3.0, 1u << 31, 1, 0, "line one\nline two", 5, 1},
};
#define S_N_EX (sizeof s_ex / sizeof s_ex[0])

static void t_record(nn_llmcache_rec_t *r, const t_exchange_t *x, uint64_t round, uint32_t agent,
                     char key[33])
{
    json_t *m = t_messages(x->user);
    t_key(x->model, m, x->temperature, x->max_tokens, x->has_seed, x->seed, key);
    assert_int_equal(nn_llmcache_record_write(r, key, x->model, m, x->temperature, x->max_tokens,
                                              x->has_seed, x->seed, round, agent, x->content,
                                              x->prompt, x->completion),
                     NN_OK);
    assert_string_equal(nn_llmcache_record_error(r), "");
    json_decref(m);
}

static void test_record_load(void **state)
{
    t_dir_t *d = *state;
    char err[512];
    nn_llmcache_rec_t *r = NULL;
    assert_int_equal(nn_llmcache_record_open(&r, d->path, err, sizeof err), NN_OK);
    char keys[S_N_EX][33];
    for (size_t i = 0; i < S_N_EX; i++)
        t_record(r, &s_ex[i], i + 1, (uint32_t)(10 + i), keys[i]);
    /* the same question answered again: the replay keeps the first answer */
    t_exchange_t again = s_ex[0];
    again.content = "{\"opinion\": 0.9}";
    char kagain[33];
    t_record(r, &again, 9, 10, kagain);
    assert_string_equal(kagain, keys[0]);
    nn_llmcache_record_close(&r);
    assert_null(r);

    /* the line's shape: keys in record order, compact, ASCII */
    char *text = t_slurp(d->path);
    assert_true(strncmp(text, "{\"key\":\"", 8) == 0);
    assert_non_null(strstr(text, "\",\"round\":1,\"agent\":10,\"model\":\"qwen\",\"messages\":[{"));
    assert_non_null(strstr(text, "\"temperature\":0.69999999999999996,\"max_tokens\":256,"
                                 "\"seed\":42,\"content\":"));
    assert_non_null(strstr(text, "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":7}}\n"));
    assert_non_null(strstr(text, "\"seed\":null"));
    for (const char *p = text; *p; p++)
        assert_true((unsigned char)*p < 0x80);
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, S_N_EX + 1);
    /* blank lines are skipped */
    char *padded = malloc(strlen(text) + 8);
    sprintf(padded, "\n%s  \n\r\n", text);
    t_spit(d->path, padded);
    free(padded);
    free(text);

    nn_llmcache_t *c = NULL;
    assert_int_equal(nn_llmcache_new(&c, 100), NN_OK);
    size_t loaded = 99;
    assert_int_equal(nn_llmcache_load(c, d->path, &loaded, err, sizeof err), NN_OK);
    assert_string_equal(err, "");
    assert_int_equal(loaded, S_N_EX);
    assert_int_equal(nn_llmcache_count(c), S_N_EX);
    for (size_t i = 0; i < S_N_EX; i++) {
        const nn_llmcache_entry_t *e = nn_llmcache_get(c, keys[i]);
        assert_non_null(e);
        assert_string_equal(e->content, s_ex[i].content);
        assert_int_equal(e->prompt_tokens, s_ex[i].prompt);
        assert_int_equal(e->completion_tokens, s_ex[i].completion);
    }
    /* loading again adds nothing */
    assert_int_equal(nn_llmcache_load(c, d->path, &loaded, err, sizeof err), NN_OK);
    assert_int_equal(loaded, 0);
    nn_llmcache_destroy(&c);

    /* a cache too small for the file */
    assert_int_equal(nn_llmcache_new(&c, 2), NN_OK);
    assert_int_equal(nn_llmcache_load(c, d->path, &loaded, err, sizeof err), NN_ETOOBIG);
    assert_int_equal(loaded, 2);
    char where[160];
    snprintf(where, sizeof where, "%s:4: the cache is full", d->path);
    assert_non_null(strstr(err, where));
    nn_llmcache_destroy(&c);
}

/* Two threads, each with its own record, append to one file at once; lines longer than
 * a pipe's atomic size so that interleaving would show. */
enum { S_THREAD_LINES = 2000 };

typedef struct t_writer {
    const char *path;
    uint32_t agent;
    int rc;
} t_writer_t;

static void *t_write_lines(void *arg)
{
    t_writer_t *w = arg;
    nn_llmcache_rec_t *r = NULL;
    w->rc = nn_llmcache_record_open(&r, w->path, NULL, 0);
    if (w->rc != NN_OK)
        return NULL;
    char *user = malloc(6000), *content = malloc(6000);
    for (uint32_t i = 0; i < S_THREAD_LINES && w->rc == NN_OK; i++) {
        int n = snprintf(user, 6000, "agent %u round %u ", w->agent, i);
        memset(user + n, 'a' + (char)(i % 26), 5000);
        user[n + 5000] = '\0';
        n = snprintf(content, 6000, "answer of %u at %u ", w->agent, i);
        memset(content + n, 'z', 100);
        content[n + 100] = '\0';
        json_t *m = t_messages(user);
        char key[33];
        w->rc = nn_llmcache_key("qwen", m, 0.5, 128, 1, w->agent, key);
        if (w->rc == NN_OK)
            w->rc = nn_llmcache_record_write(r, key, "qwen", m, 0.5, 128, 1, w->agent, i, w->agent,
                                             content, i, w->agent);
        json_decref(m);
    }
    free(user);
    free(content);
    nn_llmcache_record_close(&r);
    return NULL;
}

static void test_record_threads(void **state)
{
    t_dir_t *d = *state;
    pthread_t th[2];
    t_writer_t w[2] = {{d->path, 1, -1}, {d->path, 2, -1}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, t_write_lines, &w[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].rc, NN_OK);
    }
    nn_llmcache_t *c = NULL;
    assert_int_equal(nn_llmcache_new(&c, NN_LLMCACHE_MAX_ENTRIES), NN_OK);
    size_t loaded = 0;
    char err[512] = "";
    assert_int_equal(nn_llmcache_load(c, d->path, &loaded, err, sizeof err), NN_OK);
    assert_string_equal(err, "");
    assert_int_equal(loaded, 2 * S_THREAD_LINES);
    assert_int_equal(nn_llmcache_count(c), 2 * S_THREAD_LINES);
    nn_llmcache_destroy(&c);
}

/* An edited line keeps its key but asks another question: refused, with file and line. */
static void test_load_refusals(void **state)
{
    t_dir_t *d = *state;
    char err[1024], where[200];
    nn_llmcache_rec_t *r = NULL;
    assert_int_equal(nn_llmcache_record_open(&r, d->path, err, sizeof err), NN_OK);
    char k[33];
    t_record(r, &s_ex[0], 1, 4, k);
    t_record(r, &s_ex[1], 1, 5, k);
    nn_llmcache_record_close(&r);
    char *good = t_slurp(d->path);
    nn_llmcache_t *c = NULL;
    assert_int_equal(nn_llmcache_new(&c, 100), NN_OK);
    size_t loaded;

    static const struct {
        const char *from, *to, *says;
    } edits[] = {
        /* the question changed under the same key */
        {"round: 2", "round: 3", "the key does not match the exchange (the file was edited?)"},
        {"\"temperature\":0.10000000000000001", "\"temperature\":0.2",
         "the key does not match the exchange"},
        {"\"seed\":null", "\"seed\":1", "the key does not match the exchange"},
        {"\"model\":\"qwen\",\"messages\":[{\"role\":\"system\",\"content\":\"you are member 4 "
         "\\u2014 cautious\"},{\"role\":\"user\",\"content\":\"round: 2",
         "\"model\":\"qwen2\",\"messages\":[{\"role\":\"system\",\"content\":\"you are member 4 "
         "\\u2014 cautious\"},{\"role\":\"user\",\"content\":\"round: 2",
         "the key does not match the exchange"},
        /* broken lines */
        {"\"round\":1,\"agent\":5,", "", "'round' missing"},
        {"\"max_tokens\":64,", "\"max_tokens\":-1,", "'max_tokens' must be an integer"},
        {"\"seed\":null", "\"seed\":\"x\"", "'seed' must be null or an integer"},
        {"\"completion_tokens\":20", "\"completion\":20", "'usage.completion_tokens' missing"},
        {"\"content\":\"{\\\"opinion\\\": 0.3", "\"content\":7,\"x\":\"{\\\"opinion\\\": 0.3",
         "'content' must be a string"},
        {"\"round\":1,\"agent\":5,", "\"round\":1,\"round\":1,\"agent\":5,", "not JSON"},
        {"\"usage\":{\"prompt_tokens\":130", "\"usage\":{\"prompt_tokens\":130,", "not JSON"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        /* edit the second line only */
        char *nl = strchr(good, '\n');
        char *second = t_replace(strdup(nl + 1), edits[i].from, edits[i].to);
        char *file = malloc(strlen(good) + strlen(second) + 1);
        memcpy(file, good, (size_t)(nl + 1 - good));
        strcpy(file + (nl + 1 - good), second);
        t_spit(d->path, file);
        free(file);
        free(second);
        assert_int_equal(nn_llmcache_load(c, d->path, &loaded, err, sizeof err), NN_EINVAL);
        snprintf(where, sizeof where, "%s:2: %s", d->path, edits[i].says);
        if (!strstr(err, where))
            fail_msg("edit %zu: '%s' lacks '%s'", i, err, where);
        assert_int_equal(loaded, i == 0 ? 1 : 0); /* the first line got in, once */
        assert_int_equal(nn_llmcache_count(c), 1);
    }
    nn_llmcache_destroy(&c);

    /* not an object; the key not hex */
    assert_int_equal(nn_llmcache_new(&c, 100), NN_OK);
    t_spit(d->path, "[1, 2]\n");
    assert_int_equal(nn_llmcache_load(c, d->path, &loaded, err, sizeof err), NN_EINVAL);
    snprintf(where, sizeof where, "%s:1: not a JSON object", d->path);
    assert_non_null(strstr(err, where));
    char *bad = t_replace(strdup(good), "{\"key\":\"", "{\"key\":\"Z");
    t_spit(d->path, bad);
    free(bad);
    assert_int_equal(nn_llmcache_load(c, d->path, &loaded, err, sizeof err), NN_EINVAL);
    snprintf(where, sizeof where, "%s:1: 'key' must be 32 lower-case hex", d->path);
    assert_non_null(strstr(err, where));
    assert_int_equal(nn_llmcache_count(c), 0);
    nn_llmcache_destroy(&c);
    free(good);
}

static void test_missing_files(void **state)
{
    t_dir_t *d = *state;
    char err[512], path[200];
    nn_llmcache_t *c = NULL;
    assert_int_equal(nn_llmcache_new(&c, 10), NN_OK);
    snprintf(path, sizeof path, "%s/absent.jsonl", d->dir);
    size_t loaded = 7;
    assert_int_equal(nn_llmcache_load(c, path, &loaded, err, sizeof err), NN_EIO);
    assert_int_equal(loaded, 0);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file or directory"));
    assert_int_equal(nn_llmcache_load(NULL, path, NULL, err, sizeof err), NN_EINVAL);

    nn_llmcache_rec_t *r = (nn_llmcache_rec_t *)1;
    snprintf(path, sizeof path, "%s/no/such/dir/record.jsonl", d->dir);
    assert_int_equal(nn_llmcache_record_open(&r, path, err, sizeof err), NN_EIO);
    assert_null(r);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file or directory"));

    /* a write that breaks the contract writes nothing */
    assert_int_equal(nn_llmcache_record_open(&r, d->path, err, sizeof err), NN_OK);
    json_t *m = t_messages("x");
    char k[33];
    t_key("qwen", m, 0.5, 1, 0, 0, k);
    char nothex[33] = "nothex";
    assert_int_equal(nn_llmcache_record_write(r, nothex, "qwen", m, 0.5, 1, 0, 0, 0, 0, "a", 0, 0),
                     NN_EINVAL);
    assert_non_null(strstr(nn_llmcache_record_error(r), d->path));
    assert_int_equal(nn_llmcache_record_write(r, k, "qwen", m, 0.5, 1, 0, 0, 0, 0, "\xc3", 0, 0),
                     NN_EINVAL);
    assert_int_equal(nn_llmcache_record_write(r, k, "qwen", m, NAN, 1, 0, 0, 0, 0, "a", 0, 0),
                     NN_EINVAL);
    nn_llmcache_record_close(&r);
    char *text = t_slurp(d->path);
    assert_string_equal(text, "");
    free(text);
    json_decref(m);
    nn_llmcache_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_changes),
        cmocka_unit_test(test_key_spread),
        cmocka_unit_test(test_cache_put_get),
        cmocka_unit_test(test_cache_large),
        cmocka_unit_test_setup_teardown(test_record_load, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_record_threads, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_load_refusals, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_missing_files, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
