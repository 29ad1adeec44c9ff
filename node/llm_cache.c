/* The llm behaviour's answer cache, record and replay; see llm_cache.h. The cache is an
 * open-addressing table of 32-bit entry indexes over entries kept in fixed blocks, so
 * that an entry never moves once stored; the record builds each line in a buffer it
 * reuses and hands it to one write(2). */
#include "node/llm_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"

/* what the key and the record share: the same bytes for the same request */
#define S_DUMP_FLAGS  (JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(17))
#define S_BLOCK_SHIFT 12u /* entries per block: 4096 */
#define S_BLOCK_LEN   (1u << S_BLOCK_SHIFT)
#define S_MIN_SLOTS   64u

static void s_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void s_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- hashing ---------------------------------------------------------------------- */

static uint64_t s_le64(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

/* Two chains that differ in seed and in how a word enters, so that a collision of one
 * says nothing about the other. Each word goes through nn_mix64 (a bijection with full
 * avalanche); the zero-padded tail and the length close the chain, so that inputs that
 * differ only in trailing zero bytes differ. */
static void s_hash128(const unsigned char *p, size_t n, uint64_t *a, uint64_t *b)
{
    uint64_t h1 = 0x6a09e667f3bcc908ULL, h2 = 0xbb67ae8584caa73bULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = s_le64(p + i, 8);
        h1 = nn_mix64(h1 ^ w);
        h2 = nn_mix64((h2 + w) * 0x9e3779b97f4a7c15ULL);
    }
    uint64_t w = s_le64(p + i, n - i);
    h1 = nn_mix64(h1 ^ w);
    h2 = nn_mix64((h2 + w) * 0x9e3779b97f4a7c15ULL);
    *a = nn_mix64(h1 ^ ((uint64_t)n * 0xd1b54a32d192ed03ULL));
    *b = nn_mix64(h2 + ((uint64_t)n * 0xaef17502108ef2d9ULL) + 0x3c6ef372fe94f82bULL);
}

/* ---- checks ----------------------------------------------------------------------- */

/* As strict as jansson's own check (no overlong forms, no surrogates, nothing past
 * U+10FFFF), so that json_string() fails afterwards only when out of memory. */
static int s_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p++;
        size_t more;
        uint32_t cp, min;
        if (c < 0x80)
            continue;
        else if ((c & 0xe0) == 0xc0)
            more = 1, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            more = 2, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            more = 3, cp = c & 0x07, min = 0x10000;
        else
            return 0;
        for (size_t k = 0; k < more; k++) {
            if ((p[k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[k] & 0x3f);
        }
        p += more;
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
    }
    return 1;
}

static int s_hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

static int s_key_ok(const char *key)
{
    if (!key)
        return 0;
    for (size_t i = 0; i < NN_LLMCACHE_KEY_LEN; i++)
        if (s_hexval(key[i]) < 0)
            return 0;
    return key[NN_LLMCACHE_KEY_LEN] == '\0';
}

/* The key's first 64 bits: already a well-mixed hash. */
static uint64_t s_key_hash(const char *key)
{
    uint64_t h = 0;
    for (size_t i = 0; i < 16; i++)
        h = (h << 4) | (uint64_t)s_hexval(key[i]);
    return h;
}

/* ---- the key ---------------------------------------------------------------------- */

/* The exchange's fields as one object, keys in record order (json_dumps sorts them for
 * the key). NULL with *rc set on failure. */
static json_t *s_request(const char *model, const json_t *messages, double temperature,
                         uint32_t max_tokens, int has_seed, uint64_t seed, int *rc)
{
    *rc = NN_EINVAL;
    if (!model || !s_utf8_ok(model) || !json_is_array(messages) || !isfinite(temperature) ||
        (has_seed && seed > (uint64_t)INT64_MAX))
        return NULL;
    *rc = NN_ENOMEM;
    json_t *o = json_object();
    if (!o)
        return NULL;
    /* json_object_set takes a reference: the count changes (atomically in jansson), the
     * messages do not */
    if (json_object_set_new(o, "model", json_string(model)) ||
        json_object_set(o, "messages", (json_t *)messages) ||
        json_object_set_new(o, "temperature", json_real(temperature)) ||
        json_object_set_new(o, "max_tokens", json_integer((json_int_t)max_tokens)) ||
        json_object_set_new(o, "seed", has_seed ? json_integer((json_int_t)seed) : json_null())) {
        json_decref(o);
        return NULL;
    }
    *rc = NN_OK;
    return o;
}

static int s_key_of(const json_t *req, char out[NN_LLMCACHE_KEY_LEN + 1])
{
    char *s = json_dumps(req, S_DUMP_FLAGS | JSON_SORT_KEYS);
    if (!s)
        return NN_EINVAL; /* a cycle in the messages (or out of memory) */
    uint64_t a, b;
    s_hash128((const unsigned char *)s, strlen(s), &a, &b);
    free(s);
    snprintf(out, NN_LLMCACHE_KEY_LEN + 1, "%016" PRIx64 "%016" PRIx64, a, b);
    return NN_OK;
}

int nn_llmcache_key(const char *model, const json_t *messages, double temperature,
                    uint32_t max_tokens, int has_seed, uint64_t seed,
                    char out[NN_LLMCACHE_KEY_LEN + 1])
{
    if (!out)
        return NN_EINVAL;
    out[0] = '\0';
    int rc;
    json_t *req = s_request(model, messages, temperature, max_tokens, has_seed, seed, &rc);
    if (!req)
        return rc;
    rc = s_key_of(req, out);
    json_decref(req);
    return rc;
}

/* ---- the cache -------------------------------------------------------------------- */

struct nn_llmcache {
    size_t max_entries;
    size_t count;
    nn_llmcache_entry_t **blocks; /* each S_BLOCK_LEN entries */
    size_t n_blocks, cap_blocks;
    uint32_t *slots; /* entry index + 1; 0: empty */
    size_t n_slots;  /* a power of two, or 0 before the first put */
};

static nn_llmcache_entry_t *s_entry(const nn_llmcache_t *c, size_t i)
{
    return &c->blocks[i >> S_BLOCK_SHIFT][i & (S_BLOCK_LEN - 1)];
}

int nn_llmcache_new(nn_llmcache_t **out, size_t max_entries)
{
    if (!out)
        return NN_EINVAL;
    *out = NULL;
    if (max_entries == 0 || max_entries > NN_LLMCACHE_ENTRIES_CAP)
        return NN_EINVAL;
    nn_llmcache_t *c = calloc(1, sizeof *c);
    if (!c)
        return NN_ENOMEM;
    c->max_entries = max_entries;
    *out = c;
    return NN_OK;
}

void nn_llmcache_destroy(nn_llmcache_t **pc)
{
    if (!pc || !*pc)
        return;
    nn_llmcache_t *c = *pc;
    for (size_t i = 0; i < c->count; i++)
        free(s_entry(c, i)->content);
    for (size_t b = 0; b < c->n_blocks; b++)
        free(c->blocks[b]);
    free(c->blocks);
    free(c->slots);
    free(c);
    *pc = NULL;
}

size_t nn_llmcache_count(const nn_llmcache_t *c)
{
    return c ? c->count : 0;
}

/* The slot that holds key, or the empty slot where it would go. n_slots > 0. */
static size_t s_probe(const nn_llmcache_t *c, const char *key)
{
    size_t mask = c->n_slots - 1;
    size_t i = (size_t)s_key_hash(key) & mask;
    while (c->slots[i] != 0 &&
           memcmp(s_entry(c, c->slots[i] - 1)->key, key, NN_LLMCACHE_KEY_LEN) != 0)
        i = (i + 1) & mask;
    return i;
}

const nn_llmcache_entry_t *nn_llmcache_get(const nn_llmcache_t *c,
                                           const char key[NN_LLMCACHE_KEY_LEN + 1])
{
    if (!c || c->n_slots == 0 || !s_key_ok(key))
        return NULL;
    uint32_t s = c->slots[s_probe(c, key)];
    return s ? s_entry(c, s - 1) : NULL;
}

/* Doubles the table (or makes the first one) and places every entry again. */
static int s_grow(nn_llmcache_t *c)
{
    size_t n = c->n_slots ? c->n_slots * 2 : S_MIN_SLOTS;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return NN_ENOMEM;
    free(c->slots);
    c->slots = slots;
    c->n_slots = n;
    for (size_t i = 0; i < c->count; i++)
        c->slots[s_probe(c, s_entry(c, i)->key)] = (uint32_t)(i + 1);
    return NN_OK;
}

int nn_llmcache_put(nn_llmcache_t *c, const char key[NN_LLMCACHE_KEY_LEN + 1], const char *content,
                    uint64_t prompt_tokens, uint64_t completion_tokens)
{
    if (!c || !content || !s_key_ok(key))
        return NN_EINVAL;
    if (c->n_slots && c->slots[s_probe(c, key)])
        return NN_OK; /* first answer wins */
    if (c->count >= c->max_entries)
        return NN_ETOOBIG;
    /* load factor at most 1/2: short probes even for a missing key */
    if ((c->count + 1) * 2 > c->n_slots && s_grow(c) != NN_OK)
        return NN_ENOMEM;
    size_t b = c->count >> S_BLOCK_SHIFT;
    if (b == c->n_blocks) {
        if (c->n_blocks == c->cap_blocks) {
            size_t cap = c->cap_blocks ? c->cap_blocks * 2 : 8;
            nn_llmcache_entry_t **blocks = realloc(c->blocks, cap * sizeof *blocks);
            if (!blocks)
                return NN_ENOMEM;
            c->blocks = blocks;
            c->cap_blocks = cap;
        }
        c->blocks[b] = malloc(S_BLOCK_LEN * sizeof **c->blocks);
        if (!c->blocks[b])
            return NN_ENOMEM;
        c->n_blocks++;
    }
    char *copy = strdup(content);
    if (!copy)
        return NN_ENOMEM;
    nn_llmcache_entry_t *e = s_entry(c, c->count);
    memcpy(e->key, key, NN_LLMCACHE_KEY_LEN + 1);
    e->content = copy;
    e->prompt_tokens = prompt_tokens;
    e->completion_tokens = completion_tokens;
    c->slots[s_probe(c, key)] = (uint32_t)(c->count + 1);
    c->count++;
    return NN_OK;
}

/* ---- record ----------------------------------------------------------------------- */

struct nn_llmcache_rec {
    int fd;
    char *path;
    char *buf; /* the line being built, reused */
    size_t len, cap;
    char err[512];
};

int nn_llmcache_record_open(nn_llmcache_rec_t **out, const char *path, char *err, size_t errlen)
{
    s_err(err, errlen, "%s", "");
    if (!out || !path) {
        s_err(err, errlen, "nn_llmcache_record_open: no %s", out ? "path" : "out");
        return NN_EINVAL;
    }
    *out = NULL;
    nn_llmcache_rec_t *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        s_err(err, errlen, "cannot open the record file '%s': out of memory", path);
        return NN_ENOMEM;
    }
    r->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (r->fd < 0) {
        s_err(err, errlen, "cannot open the record file '%s': %s", path, strerror(errno));
        free(r->path);
        free(r);
        return NN_EIO;
    }
    *out = r;
    return NN_OK;
}

void nn_llmcache_record_close(nn_llmcache_rec_t **pr)
{
    if (!pr || !*pr)
        return;
    nn_llmcache_rec_t *r = *pr;
    close(r->fd);
    free(r->buf);
    free(r->path);
    free(r);
    *pr = NULL;
}

const char *nn_llmcache_record_error(const nn_llmcache_rec_t *r)
{
    return r ? r->err : "";
}

static int s_append(const char *data, size_t n, void *arg)
{
    nn_llmcache_rec_t *r = arg;
    if (r->len + n + 1 > r->cap) { /* + 1: room for the newline */
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *buf = realloc(r->buf, cap);
        if (!buf)
            return -1;
        r->buf = buf;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    return 0;
}

/* One write(2) of the whole line; a second one only for what a short write left. */
static int s_write_all(nn_llmcache_rec_t *r)
{
    size_t off = 0;
    while (off < r->len) {
        ssize_t n = write(r->fd, r->buf + off, r->len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(r->err, sizeof r->err, "cannot write the record file '%s': %s", r->path,
                     strerror(errno));
            return NN_EIO;
        }
        off += (size_t)n;
    }
    return NN_OK;
}

int nn_llmcache_record_write(nn_llmcache_rec_t *r, const char key[NN_LLMCACHE_KEY_LEN + 1],
                             const char *model, const json_t *messages, double temperature,
                             uint32_t max_tokens, int has_seed, uint64_t seed, uint64_t round,
                             uint32_t agent, const char *content, uint64_t prompt_tokens,
                             uint64_t completion_tokens)
{
    if (!r)
        return NN_EINVAL;
    r->err[0] = '\0';
    const char *bad = NULL;
    if (!s_key_ok(key))
        bad = "the key is not 32 lower-case hex characters";
    else if (!content || !s_utf8_ok(content))
        bad = "the content is missing or not UTF-8";
    else if (round > (uint64_t)INT64_MAX || prompt_tokens > (uint64_t)INT64_MAX ||
             completion_tokens > (uint64_t)INT64_MAX)
        bad = "the round or a token count is past INT64_MAX";
    if (bad) {
        snprintf(r->err, sizeof r->err, "cannot record to '%s': %s", r->path, bad);
        return NN_EINVAL;
    }
    int rc;
    json_t *req = s_request(model, messages, temperature, max_tokens, has_seed, seed, &rc);
    if (!req) {
        snprintf(r->err, sizeof r->err, "cannot record to '%s': %s", r->path,
                 rc == NN_EINVAL ? "the model is missing or not UTF-8, the messages are not an "
                                   "array, the temperature is not finite or the seed is past "
                                   "INT64_MAX"
                                 : "out of memory");
        return rc;
    }
    /* the record's order: key, round, agent, then the request, then the answer */
    json_t *line = json_object();
    json_t *usage = json_object();
    int fail = !line || !usage;
    fail = fail || json_object_set_new(line, "key", json_string(key));
    fail = fail || json_object_set_new(line, "round", json_integer((json_int_t)round));
    fail = fail || json_object_set_new(line, "agent", json_integer((json_int_t)agent));
    static const char *const fields[] = {"model", "messages", "temperature", "max_tokens", "seed"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && !fail; i++)
        fail = json_object_set(line, fields[i], json_object_get(req, fields[i]));
    fail = fail || json_object_set_new(line, "content", json_string(content));
    fail = fail ||
           json_object_set_new(usage, "prompt_tokens", json_integer((json_int_t)prompt_tokens));
    fail = fail || json_object_set_new(usage, "completion_tokens",
                                       json_integer((json_int_t)completion_tokens));
    fail = fail || json_object_set(line, "usage", usage);
    json_decref(req);
    json_decref(usage);
    r->len = 0;
    if (!fail)
        fail = json_dump_callback(line, s_append, r, S_DUMP_FLAGS | JSON_PRESERVE_ORDER) != 0;
    json_decref(line);
    if (fail) {
        snprintf(r->err, sizeof r->err, "cannot record to '%s': out of memory", r->path);
        return NN_ENOMEM;
    }
    r->buf[r->len++] = '\n'; /* s_append left room */
    return s_write_all(r);
}

/* ---- replay ----------------------------------------------------------------------- */

/* Where a line went wrong: "PATH:LINE: ..." into the caller's err. */
typedef struct s_where {
    const char *path;
    size_t line;
    char *err;
    size_t errlen;
} s_where_t;

static int s_bad(const s_where_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_bad(const s_where_t *w, const char *fmt, ...)
{
    if (w->err && w->errlen) {
        int n = snprintf(w->err, w->errlen, "%s:%zu: ", w->path, w->line);
        if (n >= 0 && (size_t)n < w->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return NN_EINVAL;
}

/* An integer field in [0, max]. */
static int s_uint(const s_where_t *w, const json_t *o, const char *name, const char *shown,
                  uint64_t max, uint64_t *out)
{
    const json_t *v = json_object_get(o, name);
    if (!v)
        return s_bad(w, "'%s' missing", shown);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return s_bad(w, "'%s' must be an integer in [0, %" PRIu64 "]", shown, max);
    *out = (uint64_t)json_integer_value(v);
    return NN_OK;
}

static int s_string(const s_where_t *w, const json_t *o, const char *name, const char **out)
{
    const json_t *v = json_object_get(o, name);
    if (!v)
        return s_bad(w, "'%s' missing", name);
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return s_bad(w, "'%s' must be a string without NUL bytes", name);
    *out = json_string_value(v);
    return NN_OK;
}

/* One non-blank line into c: NN_OK (also for a key c holds already), else err says why.
 * *added is 1 when the line made a new entry. */
static int s_load_line(nn_llmcache_t *c, const s_where_t *w, const char *text, size_t len,
                       int *added)
{
    *added = 0;
    json_error_t jerr;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!o)
        return s_bad(w, "not JSON: %s (at column %d)", jerr.text, jerr.column);
    int rc = NN_OK;
    const char *key = NULL, *model = NULL, *content = NULL;
    uint64_t u, max_tokens = 0, seed = 0, prompt = 0, completion = 0;
    const json_t *messages, *temperature, *seedv, *usage;
    if (!json_is_object(o)) {
        rc = s_bad(w, "not a JSON object (each line is one exchange, as "
                      "nn_llmcache_record_write writes it)");
        goto out;
    }
    if ((rc = s_string(w, o, "key", &key)) != NN_OK)
        goto out;
    if (!s_key_ok(key)) {
        rc = s_bad(w, "'key' must be 32 lower-case hex characters, not '%.40s'", key);
        goto out;
    }
    if ((rc = s_uint(w, o, "round", "round", (uint64_t)INT64_MAX, &u)) != NN_OK ||
        (rc = s_uint(w, o, "agent", "agent", UINT32_MAX, &u)) != NN_OK ||
        (rc = s_string(w, o, "model", &model)) != NN_OK)
        goto out;
    messages = json_object_get(o, "messages");
    if (!messages || !json_is_array(messages)) {
        rc = messages ? s_bad(w, "'messages' must be an array") : s_bad(w, "'messages' missing");
        goto out;
    }
    temperature = json_object_get(o, "temperature");
    if (!temperature || !json_is_number(temperature)) {
        rc = temperature ? s_bad(w, "'temperature' must be a number")
                         : s_bad(w, "'temperature' missing");
        goto out;
    }
    if ((rc = s_uint(w, o, "max_tokens", "max_tokens", UINT32_MAX, &max_tokens)) != NN_OK)
        goto out;
    seedv = json_object_get(o, "seed");
    if (!seedv) {
        rc = s_bad(w, "'seed' missing");
        goto out;
    }
    if (!json_is_null(seedv) &&
        (rc = s_uint(w, o, "seed", "seed", (uint64_t)INT64_MAX, &seed)) != NN_OK) {
        rc = s_bad(w, "'seed' must be null or an integer in [0, %" PRId64 "]", INT64_MAX);
        goto out;
    }
    if ((rc = s_string(w, o, "content", &content)) != NN_OK)
        goto out;
    usage = json_object_get(o, "usage");
    if (!usage || !json_is_object(usage)) {
        rc = usage ? s_bad(w, "'usage' must be an object") : s_bad(w, "'usage' missing");
        goto out;
    }
    if ((rc = s_uint(w, usage, "prompt_tokens", "usage.prompt_tokens", (uint64_t)INT64_MAX,
                     &prompt)) != NN_OK ||
        (rc = s_uint(w, usage, "completion_tokens", "usage.completion_tokens", (uint64_t)INT64_MAX,
                     &completion)) != NN_OK)
        goto out;

    char want[NN_LLMCACHE_KEY_LEN + 1];
    rc = nn_llmcache_key(model, messages, json_number_value(temperature), (uint32_t)max_tokens,
                         !json_is_null(seedv), seed, want);
    if (rc != NN_OK) {
        rc = rc == NN_ENOMEM ? NN_ENOMEM
                             : s_bad(w, "the exchange has no key (a cycle in 'messages'?)");
        goto out;
    }
    if (strcmp(want, key) != 0) {
        rc = s_bad(w,
                   "the key does not match the exchange (the file was edited?): 'key' is '%s', "
                   "the model, messages, temperature, max_tokens and seed give '%s'",
                   key, want);
        goto out;
    }
    size_t before = nn_llmcache_count(c);
    rc = nn_llmcache_put(c, key, content, prompt, completion);
    if (rc == NN_ETOOBIG)
        s_bad(w, "the cache is full: it holds %zu answers, its max_entries", c->max_entries);
    else if (rc == NN_ENOMEM)
        s_bad(w, "out of memory");
    *added = nn_llmcache_count(c) > before;
out:
    json_decref(o);
    return rc;
}

static int s_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

int nn_llmcache_load(nn_llmcache_t *c, const char *path, size_t *loaded, char *err, size_t errlen)
{
    s_err(err, errlen, "%s", "");
    if (loaded)
        *loaded = 0;
    if (!c || !path) {
        s_err(err, errlen, "nn_llmcache_load: no %s", c ? "path" : "cache");
        return NN_EINVAL;
    }
    FILE *f = fopen(path, "re");
    if (!f) {
        s_err(err, errlen, "cannot open the record file '%s': %s", path, strerror(errno));
        return NN_EIO;
    }
    s_where_t w = {path, 0, err, errlen};
    char *line = NULL;
    size_t cap = 0, n_added = 0;
    int rc = NN_OK;
    for (;;) {
        errno = 0;
        ssize_t n = getline(&line, &cap, f);
        if (n < 0) {
            if (ferror(f) || errno == ENOMEM) {
                int e = errno;
                rc = e == ENOMEM ? NN_ENOMEM : NN_EIO;
                s_err(err, errlen, "cannot read the record file '%s' after line %zu: %s", path,
                      w.line, strerror(e ? e : EIO));
            }
            break;
        }
        w.line++;
        if (s_blank(line, (size_t)n))
            continue;
        int added;
        rc = s_load_line(c, &w, line, (size_t)n, &added);
        n_added += (size_t)added;
        if (rc != NN_OK)
            break;
    }
    free(line);
    fclose(f);
    if (loaded)
        *loaded = n_added;
    return rc;
}
