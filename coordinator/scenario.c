/* Scenarios: reads a YAML scenario (a file, text in memory or the embedded default) with
 * libyaml's document API into a small tree of our own that remembers where each node came
 * from (line and column in the text, or which --set), applies the --set overrides to that
 * tree, then walks it against the schema and fills an nn_scenario_t in which every default
 * is written out. Errors are collected, not returned at the first one: each names its
 * place and its key, and they reach the diag sorted by place, so that a person reads them
 * top to bottom and fixes a file in one pass. nn_scenario_write is the inverse: loading
 * what it writes gives the same nn_scenario_t. */
#include "scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "nunchi/error.h"

#define S_MAX_ERRORS        50     /* messages handed to the diag; the rest are counted */
#define S_KEEP_ERRORS       10000  /* messages kept for sorting; a hostile file makes more */
#define S_MAX_DEPTH         64     /* nesting levels; real scenarios use four */
#define S_MAX_NODES         100000 /* values in one document, aliases expanded */
#define S_MAX_FILE          (16L << 20)
#define S_MAX_STEPS         64     /* components of a --set key path */
#define S_SHOW              64     /* bytes of a user's text quoted back in a message */
#define S_PATH              320    /* a key path in a message: "populations[63].params.phi" */
#define S_HINT              "\x1f" /* splits "what is wrong" from "what would be right" */
#define S_SHARE_TOLERANCE   1e-6
#define S_MAX_MESSAGE_BYTES (UINT64_C(1) << 31)
#define S_MAX_BETWEENNESS   200000 /* agents: betweenness costs O(agents x edges) */

/* ---- the tree ------------------------------------------------------------------------ */

typedef enum s_kind { S_SCALAR, S_SEQ, S_MAP } s_kind_t;

typedef struct s_node {
    s_kind_t kind;
    int quoted;              /* a scalar written in quotes or as a block: a string for sure */
    int origin;              /* -1: the scenario text; i >= 0: sets[i] */
    unsigned long line, col; /* 1-based, in the scenario text */
    char *text;              /* scalar: NUL-terminated (it may hold a NUL before len) */
    size_t len;
    struct s_node **kid; /* sequence: the items; mapping: key, value, key, value, ... */
    size_t n;
    size_t cap;
} s_node_t;

static s_node_t *s_node_new(s_kind_t kind, int origin, unsigned long line, unsigned long col)
{
    s_node_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->origin = origin;
    n->line = line;
    n->col = col;
    return n;
}

static s_node_t *s_scalar_new(const char *text, size_t len, int quoted, int origin,
                              unsigned long line, unsigned long col)
{
    s_node_t *n = s_node_new(S_SCALAR, origin, line, col);
    if (!n)
        return NULL;
    n->text = malloc(len + 1);
    if (!n->text) {
        free(n);
        return NULL;
    }
    if (len)
        memcpy(n->text, text, len);
    n->text[len] = '\0';
    n->len = len;
    n->quoted = quoted;
    return n;
}

static void s_node_free(s_node_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        s_node_free(n->kid[i]);
    free(n->kid);
    free(n->text);
    free(n);
}

static int s_node_push(s_node_t *p, s_node_t *k)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 4;
        s_node_t **kid = realloc(p->kid, cap * sizeof *kid);
        if (!kid)
            return -1;
        p->kid = kid;
        p->cap = cap;
    }
    p->kid[p->n++] = k;
    return 0;
}

static int s_is_null(const s_node_t *n)
{
    if (n->kind != S_SCALAR || n->quoted)
        return 0;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

static int s_is_key(const s_node_t *k, const char *name)
{
    return k->kind == S_SCALAR && strlen(name) == k->len && memcmp(k->text, name, k->len) == 0;
}

/* The value of the first `name` key of map, or NULL. */
static const s_node_t *s_lookup(const s_node_t *map, const char *name)
{
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (s_is_key(map->kid[i], name))
            return map->kid[i + 1];
    return NULL;
}

/* ---- messages ------------------------------------------------------------------------ */

typedef struct s_err {
    int origin;
    unsigned long line, col;
    size_t seq;
    char *msg;
} s_err_t;

typedef struct s_ctx {
    const char *source; /* names the text in messages */
    const char *const *sets;
    size_t n_sets;
    s_err_t *errs;
    size_t n_errs, cap_errs;
    size_t n_lost; /* errors past S_KEEP_ERRORS */
    size_t seq;
    int oom;
    size_t budget; /* nodes a conversion may still make */
    int agents_ok;
    uint32_t agents;
    int model_ok;     /* network.model is known: structure checks may depend on it */
    int roles_ok;     /* structure.roles is valid (or absent): cases checks depend on it */
    int hierarchy_ok; /* structure.hierarchy is valid (or absent) */
    int groups_ok;    /* structure.groups is valid (or absent): faults' between depends on it */
    int rounds_ok;    /* rounds is valid (or absent): a kill's round must be within it */
    /* the node value of each kill (faults.kill[i]) and its place in the faults list, checked
     * against 'nodes' once the whole scenario is read */
    const s_node_t *kill_node_at[NN_MAX_FAULTS];
    size_t kill_idx[NN_MAX_FAULTS];
    const s_node_t *pop_status_at[NN_MAX_POPULATIONS]; /* populations[i].status, if written */
} s_ctx_t;

static char *s_vaprintf(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static char *s_aprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *s_aprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = s_vaprintf(fmt, ap);
    va_end(ap);
    return s;
}

static char *s_loc(const s_ctx_t *c, int origin, unsigned long line, unsigned long col)
{
    if (origin < 0)
        return s_aprintf("%s:%lu:%lu", c->source, line, col);
    return s_aprintf("--set '%s'", c->sets[origin] ? c->sets[origin] : "");
}

/* Adds "what at LOC (hint)" where fmt formats "what" S_HINT "hint" (the hint optional). */
static void s_errv(s_ctx_t *c, int origin, unsigned long line, unsigned long col, const char *fmt,
                   va_list ap)
{
    if (c->n_errs == S_KEEP_ERRORS) {
        c->n_lost++;
        return;
    }
    char *body = s_vaprintf(fmt, ap);
    char *loc = s_loc(c, origin, line, col);
    char *msg = NULL;
    if (body && loc) {
        char *hint = strchr(body, S_HINT[0]);
        if (hint)
            *hint++ = '\0';
        msg = hint ? s_aprintf("%s at %s (%s)", body, loc, hint) : s_aprintf("%s at %s", body, loc);
    }
    free(body);
    free(loc);
    if (!msg) {
        c->oom = 1;
        return;
    }
    if (c->n_errs == c->cap_errs) {
        size_t cap = c->cap_errs ? 2 * c->cap_errs : 16;
        s_err_t *e = realloc(c->errs, cap * sizeof *e);
        if (!e) {
            free(msg);
            c->oom = 1;
            return;
        }
        c->errs = e;
        c->cap_errs = cap;
    }
    c->errs[c->n_errs++] = (s_err_t){origin, line, col, c->seq++, msg};
}

static void s_err_at(s_ctx_t *c, int origin, unsigned long line, unsigned long col, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));
static void s_err_at(s_ctx_t *c, int origin, unsigned long line, unsigned long col, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_errv(c, origin, line, col, fmt, ap);
    va_end(ap);
}

static void s_err(s_ctx_t *c, const s_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void s_err(s_ctx_t *c, const s_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_errv(c, n->origin, n->line, n->col, fmt, ap);
    va_end(ap);
}

/* Populations and role rules take exactly one of 'share' and 'count': 1 when that
 * holds, else the error (at the second key, or at the entry when both are missing) and
 * 0. `share` says what a share means there. */
static int s_share_or_count(s_ctx_t *c, const s_node_t *entry, const s_node_t *second,
                            const s_node_t *sv, const s_node_t *cv, const char *where,
                            const char *share)
{
    if (sv && cv)
        s_err(c, second,
              "'%s' has both 'share' and 'count'" S_HINT
              "give exactly one: %s or a count of agents",
              where, share);
    else if (!sv && !cv)
        s_err(c, entry,
              "missing key '%s.share' or '%s.count'" S_HINT
              "give exactly one: %s or a count of agents",
              where, where, share);
    return (sv != NULL) != (cv != NULL);
}

/* A key given twice in one mapping: the error is at the second, and names the first. */
static void s_err_duplicate(s_ctx_t *c, const s_node_t *again, const char *path,
                            const s_node_t *first)
{
    char *loc = s_loc(c, first->origin, first->line, first->col);
    if (loc)
        s_err(c, again, "duplicate key '%s'" S_HINT "first at %s", path, loc);
    else
        c->oom = 1;
    free(loc);
}

static int s_err_cmp(const void *pa, const void *pb)
{
    const s_err_t *a = pa, *b = pb;
    if (a->origin != b->origin)
        return a->origin < b->origin ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void s_flush(s_ctx_t *c, nn_diag_t *d)
{
    if (c->n_errs)
        qsort(c->errs, c->n_errs, sizeof *c->errs, s_err_cmp);
    for (size_t i = 0; i < c->n_errs; i++) {
        if (i < S_MAX_ERRORS)
            nn_diag_add(d, "%s", c->errs[i].msg);
        free(c->errs[i].msg);
    }
    size_t total = c->n_errs + c->n_lost;
    if (total > S_MAX_ERRORS)
        nn_diag_add(d, "too many errors in '%s': %zu more not shown", c->source,
                    total - S_MAX_ERRORS);
    if (c->oom)
        nn_diag_add(d, "out of memory while reading the scenario '%s'", c->source);
    free(c->errs);
    c->errs = NULL;
    c->n_errs = c->cap_errs = 0;
}

/* A user's text made safe to quote back: at most S_SHOW bytes, controls as '?'. */
static void s_clean(const char *text, size_t len, char *buf, size_t cap)
{
    size_t j = 0, i = 0;
    for (; i < len && i < S_SHOW && j + 1 < cap; i++) {
        unsigned char ch = (unsigned char)text[i];
        buf[j++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (i < len && j + 4 < cap) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
}

static int s_looks_numeric(const s_node_t *n)
{
    int digits = 0;
    for (size_t i = 0; i < n->len; i++) {
        char ch = n->text[i];
        if (ch >= '0' && ch <= '9')
            digits = 1;
        else if (!strchr("+-.eE", ch) || ch == '\0')
            return 0;
    }
    return digits;
}

/* Describes what the user wrote, for "got ..." */
static void s_show(const s_node_t *n, char *buf, size_t cap)
{
    char t[S_SHOW + 8];
    if (n->kind == S_MAP) {
        snprintf(buf, cap, "a mapping");
        return;
    }
    if (n->kind == S_SEQ) {
        snprintf(buf, cap, "a sequence");
        return;
    }
    if (n->len == 0) {
        snprintf(buf, cap, n->quoted ? "an empty string" : "an empty value");
        return;
    }
    s_clean(n->text, n->len, t, sizeof t);
    if (n->quoted)
        snprintf(buf, cap, "the string '%s'", t);
    else if (s_looks_numeric(n))
        snprintf(buf, cap, "%s", t);
    else
        snprintf(buf, cap, "'%s'", t);
}

static void s_join(const char *const *names, size_t n, char *buf, size_t cap)
{
    size_t j = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + j, cap - j, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - j)
            return;
        j += (size_t)w;
    }
}

static void s_path(char *buf, size_t cap, const char *where, const char *key)
{
    /* a key path longer than buf is cut: it only names a place in a message */
    size_t j = 0;
    const char *parts[3] = {where, where ? "." : NULL, key};
    for (int p = 0; p < 3; p++)
        for (const char *q = parts[p]; q && *q && j + 1 < cap; q++)
            buf[j++] = *q;
    buf[j] = '\0';
}

/* ---- suggestions --------------------------------------------------------------------- */

/* Edit distance with adjacent transpositions (optimal string alignment), so that 'tpc'
 * is one edit from 'tcp'. */
static size_t s_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t d[64][64];
    if (la > 62 || lb > 62)
        return SIZE_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            size_t best = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

/* The name nearest to word: edit distance at most 2 (and less than the longer length, so
 * that 'x' does not suggest 'k'; on a tie, one with the same first letter), else a name
 * that word begins or that begins word; NULL when none. */
static const char *s_suggest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t bestd = 3, wl = strlen(word);
    for (size_t i = 0; i < n; i++) {
        size_t d = s_distance(word, names[i]), nl = strlen(names[i]);
        if (d > 2 || d >= (wl > nl ? wl : nl))
            continue;
        if (d < bestd || (d == bestd && best[0] != word[0] && names[i][0] == word[0])) {
            best = names[i];
            bestd = d;
        }
    }
    if (best || wl < 2)
        return best;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(names[i]);
        if (nl >= 2 && (strncmp(word, names[i], wl < nl ? wl : nl) == 0))
            return names[i];
    }
    return NULL;
}

/* ---- reading values ------------------------------------------------------------------ */

/* 0: an integer, *neg and *mag (*ovf when the magnitude passes 2^64 - 1); -1: not one. */
static int s_int(const s_node_t *n, int *neg, uint64_t *mag, int *ovf)
{
    if (n->kind != S_SCALAR || n->quoted || n->len == 0)
        return -1;
    const char *t = n->text, *end = n->text + n->len;
    *neg = 0;
    *ovf = 0;
    *mag = 0;
    if (*t == '+' || *t == '-')
        *neg = *t++ == '-';
    if (t == end)
        return -1;
    for (; t < end; t++) {
        if (*t < '0' || *t > '9')
            return -1;
        unsigned d = (unsigned)(*t - '0');
        if (*mag > (UINT64_MAX - d) / 10)
            *ovf = 1;
        else
            *mag = *mag * 10 + d;
    }
    return 0;
}

/* 0: a finite number in *v; -1: not a number; -2: a number that is not finite. */
static int s_num(const s_node_t *n, double *v)
{
    static const char *const inf[] = {".inf", "+.inf", "-.inf",    ".nan",      "inf",      "+inf",
                                      "-inf", "nan",   "infinity", "+infinity", "-infinity"};
    if (n->kind != S_SCALAR || n->quoted || n->len == 0 || strlen(n->text) != n->len)
        return -1;
    for (size_t i = 0; i < sizeof inf / sizeof inf[0]; i++)
        if (strcasecmp(n->text, inf[i]) == 0)
            return -2;
    if (!s_looks_numeric(n))
        return -1;
    char *end;
    double x = strtod(n->text, &end);
    if (end != n->text + n->len)
        return -1;
    if (!isfinite(x))
        return -2;
    *v = x;
    return 0;
}

static void s_bad(s_ctx_t *c, const s_node_t *v, const char *path, const char *desc)
{
    char got[S_SHOW + 32];
    double x;
    s_show(v, got, sizeof got);
    if (s_num(v, &x) == -2)
        s_err(c, v, "'%s' must be %s, got %s" S_HINT "numbers must be finite", path, desc, got);
    else
        s_err(c, v, "'%s' must be %s, got %s", path, desc, got);
}

static int s_get_u64(s_ctx_t *c, const s_node_t *v, const char *path, uint64_t min, uint64_t max,
                     const char *desc, uint64_t *out)
{
    int neg, ovf;
    uint64_t mag;
    if (s_int(v, &neg, &mag, &ovf) != 0 || ovf || (neg && mag) || mag < min || mag > max) {
        s_bad(c, v, path, desc);
        return -1;
    }
    *out = mag;
    return 0;
}

/* A finite number in lo..hi; lo_open / hi_open exclude the bound. */
static int s_get_num(s_ctx_t *c, const s_node_t *v, const char *path, double lo, double hi,
                     int lo_open, int hi_open, const char *desc, double *out)
{
    double x;
    if (s_num(v, &x) != 0 || x < lo || x > hi || (lo_open && x == lo) || (hi_open && x == hi)) {
        s_bad(c, v, path, desc);
        return -1;
    }
    *out = x;
    return 0;
}

static int s_get_str(s_ctx_t *c, const s_node_t *v, const char *path, char *dst, size_t cap,
                     const char *desc)
{
    if (v->kind != S_SCALAR || v->len == 0 || strlen(v->text) != v->len) {
        s_bad(c, v, path, desc);
        return -1;
    }
    if (v->len >= cap) {
        s_err(c, v, "'%s' is longer than %zu bytes", path, cap - 1);
        return -1;
    }
    memcpy(dst, v->text, v->len + 1);
    return 0;
}

/* The index of v's text in names, or -1 after an error that lists them. */
static int s_get_enum(s_ctx_t *c, const s_node_t *v, const char *path, const char *const *names,
                      size_t n)
{
    char list[512], got[S_SHOW + 32];
    if (v->kind == S_SCALAR)
        for (size_t i = 0; i < n; i++)
            if (s_is_key(v, names[i]))
                return (int)i;
    s_join(names, n, list, sizeof list);
    s_show(v, got, sizeof got);
    const char *sug = v->kind == S_SCALAR ? s_suggest(v->text, names, n) : NULL;
    if (sug)
        s_err(c, v, "'%s' must be one of %s, got %s" S_HINT "did you mean '%s'?", path, list, got,
              sug);
    else
        s_err(c, v, "'%s' must be one of %s, got %s", path, list, got);
    return -1;
}

static int s_want(s_ctx_t *c, const s_node_t *v, s_kind_t kind, const char *path,
                  const char *example)
{
    if (v->kind == kind)
        return 0;
    char got[S_SHOW + 32];
    s_show(v, got, sizeof got);
    s_err(c, v, "'%s' must be a %s, got %s" S_HINT "such as %s", path,
          kind == S_MAP ? "mapping" : "sequence", got, example);
    return -1;
}

/* Keys that another variant of a mapping takes (another network model, another init). */
typedef struct s_variant {
    const char *what;       /* "network model 'ring'" */
    const char *takes;      /* "k" */
    const char *const *all; /* every key of every variant */
    size_t n_all;
} s_variant_t;

static int s_find(const char *const *names, size_t n, const s_node_t *k)
{
    for (size_t i = 0; i < n; i++)
        if (s_is_key(k, names[i]))
            return (int)i;
    return -1;
}

/* Sorts map's pairs into vals / keys by names (the first of duplicates), reporting keys
 * that are unknown, duplicated, not scalars, or (var) taken by another variant only. */
static void s_fields(s_ctx_t *c, const s_node_t *map, const char *where, const char *const *names,
                     size_t n, const s_node_t **vals, const s_node_t **keys, const s_variant_t *var)
{
    char kt[S_SHOW + 8], path[S_PATH], list[512], got[S_SHOW + 32];
    for (size_t i = 0; i < n; i++)
        vals[i] = keys[i] = NULL;
    for (size_t p = 0; p + 1 < map->n; p += 2) {
        const s_node_t *k = map->kid[p], *v = map->kid[p + 1];
        if (k->kind != S_SCALAR || k->len == 0 || strlen(k->text) != k->len) {
            s_show(k, got, sizeof got);
            s_err(c, k, "a key %s%s%smust be a name, got %s", where ? "in '" : "",
                  where ? where : "", where ? "' " : "", got);
            continue;
        }
        s_clean(k->text, k->len, kt, sizeof kt);
        int i = s_find(names, n, k);
        if (i < 0) {
            if (var && s_find(var->all, var->n_all, k) >= 0) {
                s_err(c, k, "key '%s' does not apply to %s" S_HINT "it takes%s%s", kt, var->what,
                      strncmp(var->takes, "no ", 3) ? ": " : " ", var->takes);
                continue;
            }
            const char *sug = s_suggest(k->text, names, n);
            s_join(names, n, list, sizeof list);
            if (sug)
                s_err(c, k, "unknown key '%s'%s%s%s" S_HINT "did you mean '%s'?", kt,
                      where ? " in '" : "", where ? where : "", where ? "'" : "", sug);
            else
                s_err(c, k, "unknown key '%s'%s%s%s" S_HINT "valid keys: %s", kt,
                      where ? " in '" : "", where ? where : "", where ? "'" : "", list);
            continue;
        }
        if (vals[i]) {
            s_path(path, sizeof path, where, names[i]);
            s_err_duplicate(c, k, path, keys[i]);
            continue;
        }
        vals[i] = v;
        keys[i] = k;
    }
}

/* ---- paths --------------------------------------------------------------------------- */

static int s_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

/* out = path when absolute or base is "" or "."; else base/path. -1 when it does not fit. */
static int s_resolve(const char *base, const char *path, char *out, size_t cap)
{
    if (path[0] == '/' || !base || !base[0] || strcmp(base, ".") == 0)
        return s_copy(out, cap, path);
    size_t bl = strlen(base), pl = strlen(path);
    int slash = base[bl - 1] != '/';
    if (bl + (size_t)slash + pl >= cap)
        return -1;
    memcpy(out, base, bl);
    if (slash)
        out[bl] = '/';
    memcpy(out + bl + (size_t)slash, path, pl + 1);
    return 0;
}

/* The basename of source without its extension, or "default" for "<...>" sources. */
static void s_default_name(const char *source, char *out, size_t cap)
{
    const char *b = strrchr(source, '/');
    b = b ? b + 1 : source;
    if (source[0] == '<' || !b[0]) {
        s_copy(out, cap, "default");
        return;
    }
    const char *dot = strrchr(b, '.');
    size_t n = (dot && dot != b) ? (size_t)(dot - b) : strlen(b);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

/* ---- the schema ---------------------------------------------------------------------- */

typedef struct s_model {
    const char *name;
    int model; /* an nn_net_model_t or an nn_init_t */
    const char *takes;
    const char *keys[3];
    size_t n_keys;
} s_model_t;

static const s_model_t s_models[] = {
    {"complete", NN_NET_COMPLETE, "no parameters", {NULL}, 0},
    {"ring", NN_NET_RING, "k", {"k"}, 1},
    {"erdos_renyi", NN_NET_ERDOS_RENYI, "p or mean_degree", {"p", "mean_degree"}, 2},
    {"watts_strogatz", NN_NET_WATTS_STROGATZ, "k, p", {"k", "p"}, 2},
    {"barabasi_albert", NN_NET_BARABASI_ALBERT, "m", {"m"}, 1},
    {"sbm", NN_NET_SBM, "blocks, p_in, p_out", {"blocks", "p_in", "p_out"}, 3},
    {"file", NN_NET_FILE, "path", {"path"}, 1},
};
#define S_N_MODELS (sizeof s_models / sizeof s_models[0])

static const char *const s_model_names[] = {
    "complete", "ring", "erdos_renyi", "watts_strogatz", "barabasi_albert", "sbm", "file"};
static const char *const s_net_keys[] = {"model",  "k",    "p",     "mean_degree", "m",
                                         "blocks", "p_in", "p_out", "path"};

static const s_model_t s_inits[] = {
    {"uniform", NN_INIT_UNIFORM, "no parameters", {NULL}, 0},
    {"normal", NN_INIT_NORMAL, "mean, sd", {"mean", "sd"}, 2},
    {"bimodal", NN_INIT_BIMODAL, "modes, sd", {"modes", "sd"}, 2},
    {"seeds", NN_INIT_SEEDS, "seeds", {"seeds"}, 1},
    {"file", NN_INIT_FILE, "path", {"path"}, 1},
};
#define S_N_INITS (sizeof s_inits / sizeof s_inits[0])

static const char *const s_init_names[] = {"uniform", "normal", "bimodal", "seeds", "file"};
static const char *const s_op_keys[] = {"init", "mean", "sd", "modes", "seeds", "path"};
static const char *const s_transport_names[] = {"inproc", "ipc", "tcp"};

/* structure: in the order of the enums of structure.h (roles from NN_ROLE_MEDIATOR) */
static const char *const s_role_names[] = {"mediator", "arbiter", "leader"};
static const char *const s_by_names[] = {"random", "degree", "betweenness"};
static const char *const s_groups_names[] = {"none", "sbm", "louvain", "file"};
static const char *const s_groups_keys[] = {NULL, NULL, NULL, "path"};
static const char *const s_hierarchy_names[] = {"none", "group_leader", "tree"};
static const char *const s_hierarchy_keys[] = {NULL, NULL, "branching"};
static const char *const s_status_names[] = {"constant", "degree", "betweenness", "population"};
static const char *const s_status_keys[] = {"value", NULL, NULL, NULL};
#define S_N_BY     3
#define S_N_GROUPS 4
#define S_N_HIER   3
#define S_N_STATUS 4

/* The value of `name` among the vals that s_fields sorted by the keys in `keys`. */
static const s_node_t *s_val(const char *const *keys, size_t n, const s_node_t **vals,
                             const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], name) == 0)
            return vals[i];
    return NULL;
}

/* k of ring and watts_strogatz: even, >= 2, < agents. */
static void s_degree_k(s_ctx_t *c, const s_node_t *v, uint32_t *k)
{
    char desc[96];
    uint64_t x;
    if (c->agents_ok)
        snprintf(desc, sizeof desc, "an even integer >= 2 and < agents (%" PRIu32 ")", c->agents);
    else
        snprintf(desc, sizeof desc, "an even integer >= 2");
    uint64_t max = c->agents_ok ? (uint64_t)c->agents - 1 : UINT32_MAX - 1;
    if (s_get_u64(c, v, "network.k", 2, max, desc, &x) != 0)
        return;
    if (x % 2) {
        s_bad(c, v, "network.k", desc);
        return;
    }
    *k = (uint32_t)x;
}

static void s_probability(s_ctx_t *c, const s_node_t *v, const char *path, double *out)
{
    s_get_num(c, v, path, 0.0, 1.0, 0, 0, "a number in [0, 1]", out);
}

static void s_file_path(s_ctx_t *c, const s_node_t *v, const char *path, const char *base,
                        char *out, size_t cap, char *resolved, char *where, size_t where_cap)
{
    if (s_get_str(c, v, path, out, cap, "a file path (a non-empty string)") != 0)
        return;
    /* so that a problem found later in the file itself can name this key */
    char *loc = s_loc(c, v->origin, v->line, v->col);
    if (loc)
        snprintf(where, where_cap, "'%s' at %s", path, loc);
    free(loc);
    if (s_resolve(base, out, resolved, cap) != 0)
        s_err(c, v, "'%s' resolves to a path longer than %zu bytes", path, cap - 1);
}

static void s_sbm_blocks(s_ctx_t *c, const s_node_t *v, nn_network_config_t *net)
{
    char path[S_PATH];
    if (s_want(c, v, S_SEQ, "network.blocks", "[500, 500]") != 0)
        return;
    if (v->n == 0 || v->n > NN_NET_MAX_BLOCKS) {
        s_err(c, v, "'network.blocks' must have 1..%d entries, got %zu", NN_NET_MAX_BLOCKS, v->n);
        return;
    }
    uint64_t sum = 0;
    int ok = 1;
    for (size_t i = 0; i < v->n; i++) {
        uint64_t b;
        snprintf(path, sizeof path, "network.blocks[%zu]", i);
        if (s_get_u64(c, v->kid[i], path, 1, INT32_MAX, "an integer in 1..2147483647", &b) != 0) {
            ok = 0;
            continue;
        }
        net->blocks[i] = (uint32_t)b;
        sum += b;
    }
    net->n_blocks = v->n;
    if (ok && c->agents_ok && sum != c->agents)
        s_err(c, v,
              "'network.blocks' sum to %" PRIu64 ", not the %" PRIu32 " agents" S_HINT
              "the block sizes split the agents, so they must add up to 'agents'",
              sum, c->agents);
}

static void s_network(s_ctx_t *c, const s_node_t *root, const s_node_t *v, const char *base,
                      nn_network_config_t *net)
{
    char list[256], desc[96];
    const s_node_t *vals[9], *keys[9];
    if (!v) {
        s_err(c, root,
              "missing key 'network'" S_HINT
              "required: a mapping with a 'model', such as {model: ring, k: 4}");
        return;
    }
    if (s_want(c, v, S_MAP, "network", "{model: ring, k: 4}") != 0)
        return;
    const s_node_t *mv = s_lookup(v, "model");
    int mi = -1;
    s_join(s_model_names, S_N_MODELS, list, sizeof list);
    if (!mv)
        s_err(c, v, "missing key 'network.model'" S_HINT "required: one of %s", list);
    else
        mi = s_get_enum(c, mv, "network.model", s_model_names, S_N_MODELS);
    if (mi < 0) {
        s_fields(c, v, "network", s_net_keys, 9, vals, keys, NULL);
        return;
    }
    const s_model_t *m = &s_models[mi];
    const char *names[4] = {"model", m->keys[0], m->keys[1], m->keys[2]};
    size_t nn = 1 + m->n_keys;
    char what[64];
    snprintf(what, sizeof what, "network model '%s'", m->name);
    s_variant_t var = {what, m->takes, s_net_keys, 9};
    s_fields(c, v, "network", names, nn, vals, keys, &var);
    net->model = (nn_net_model_t)m->model;
    c->model_ok = 1;
    /* every model but erdos_renyi requires all its keys */
    for (size_t i = 0; i < m->n_keys && m->model != NN_NET_ERDOS_RENYI; i++)
        if (!s_val(names, nn, vals, m->keys[i]))
            s_err(c, v, "missing key 'network.%s'" S_HINT "network model '%s' takes: %s",
                  m->keys[i], m->name, m->takes);
    const s_node_t *x;
    if ((x = s_val(names, nn, vals, "k")))
        s_degree_k(c, x, &net->k);
    if ((x = s_val(names, nn, vals, "blocks")))
        s_sbm_blocks(c, x, net);
    if ((x = s_val(names, nn, vals, "p_in")))
        s_probability(c, x, "network.p_in", &net->p_in);
    if ((x = s_val(names, nn, vals, "p_out")))
        s_probability(c, x, "network.p_out", &net->p_out);
    if ((x = s_val(names, nn, vals, "path")))
        s_file_path(c, x, "network.path", base, net->path, sizeof net->path, net->resolved_path,
                    net->path_where, sizeof net->path_where);
    if ((x = s_val(names, nn, vals, "m"))) {
        uint64_t mm;
        if (c->agents_ok)
            snprintf(desc, sizeof desc, "an integer >= 1 and < agents (%" PRIu32 ")", c->agents);
        else
            snprintf(desc, sizeof desc, "an integer >= 1");
        if (s_get_u64(c, x, "network.m", 1, c->agents_ok ? c->agents - 1 : UINT32_MAX, desc, &mm) ==
            0)
            net->m = (uint32_t)mm;
    }
    const s_node_t *p = s_val(names, nn, vals, "p"), *md = s_val(names, nn, vals, "mean_degree");
    if (m->model == NN_NET_ERDOS_RENYI && p && md) {
        s_err(c, md,
              "'network.p' and 'network.mean_degree' are both given" S_HINT
              "erdos_renyi takes exactly one: p, the edge probability, or mean_degree, the "
              "expected degree");
        return;
    }
    if (m->model == NN_NET_ERDOS_RENYI && !p && !md)
        s_err(c, v,
              "missing key 'network.p' or 'network.mean_degree'" S_HINT
              "erdos_renyi takes exactly one: p, the edge probability, or mean_degree, the "
              "expected degree");
    if (p)
        s_probability(c, p, "network.p", &net->p);
    if (md) {
        double hi = c->agents_ok ? (double)c->agents - 1.0 : HUGE_VAL;
        if (c->agents_ok)
            snprintf(desc, sizeof desc, "a number > 0 and <= agents - 1 (%" PRIu32 ")",
                     c->agents - 1);
        else
            snprintf(desc, sizeof desc, "a number > 0");
        s_get_num(c, md, "network.mean_degree", 0.0, hi, 1, 0, desc, &net->mean_degree);
    }
}

static void s_seeds(s_ctx_t *c, const s_node_t *v, nn_opinions_config_t *op)
{
    char desc[160];
    if (c->agents_ok)
        snprintf(desc, sizeof desc,
                 "a count of agents in 0..%" PRIu32 " (an integer) or a share in [0, 1] (a "
                 "decimal such as 0.01)",
                 c->agents);
    else
        snprintf(desc, sizeof desc,
                 "a count of agents (an integer) or a share in [0, 1] (a decimal such as 0.01)");
    if (v->kind == S_SCALAR && !v->quoted &&
        (memchr(v->text, '.', v->len) || memchr(v->text, 'e', v->len) ||
         memchr(v->text, 'E', v->len))) {
        if (s_get_num(c, v, "opinions.seeds", 0.0, 1.0, 0, 0, desc, &op->seeds_share) == 0)
            op->seeds_by_count = 0;
        return;
    }
    uint64_t max = c->agents_ok ? c->agents : UINT64_MAX;
    if (s_get_u64(c, v, "opinions.seeds", 0, max, desc, &op->seeds_count) == 0)
        op->seeds_by_count = 1;
}

static void s_modes(s_ctx_t *c, const s_node_t *v, double *modes)
{
    const char *desc = "a sequence of two numbers in [0, 1]";
    if (v->kind != S_SEQ || v->n != 2) {
        if (v->kind == S_SEQ)
            s_err(c, v, "'opinions.modes' must be %s, got %zu %s" S_HINT "such as [0.25, 0.75]",
                  desc, v->n, v->n == 1 ? "entry" : "entries");
        else
            s_bad(c, v, "opinions.modes", desc);
        return;
    }
    s_get_num(c, v->kid[0], "opinions.modes[0]", 0.0, 1.0, 0, 0, "a number in [0, 1]", &modes[0]);
    s_get_num(c, v->kid[1], "opinions.modes[1]", 0.0, 1.0, 0, 0, "a number in [0, 1]", &modes[1]);
}

/* Returns 1 when opinions are valid (so the init is known for later checks). */
static int s_opinions(s_ctx_t *c, const s_node_t *v, const char *base, nn_opinions_config_t *op)
{
    const s_node_t *vals[6], *keys[6];
    op->init = NN_INIT_UNIFORM;
    if (!v)
        return 1;
    if (s_want(c, v, S_MAP, "opinions", "{init: uniform}") != 0)
        return 0;
    size_t before = c->n_errs;
    const s_node_t *iv = s_lookup(v, "init");
    int ii = iv ? s_get_enum(c, iv, "opinions.init", s_init_names, S_N_INITS) : 0;
    if (ii < 0) {
        s_fields(c, v, "opinions", s_op_keys, 6, vals, keys, NULL);
        return 0;
    }
    const s_model_t *m = &s_inits[ii];
    const char *names[3] = {"init", m->keys[0], m->keys[1]};
    size_t nn = 1 + m->n_keys;
    char what[64];
    snprintf(what, sizeof what, "opinions init '%s'", m->name);
    s_variant_t var = {what, m->takes, s_op_keys, 6};
    s_fields(c, v, "opinions", names, nn, vals, keys, &var);
    op->init = (nn_init_t)m->model;
    const s_node_t *x;
    switch (op->init) {
    case NN_INIT_UNIFORM: break;
    case NN_INIT_NORMAL:
        op->mean = 0.5;
        op->sd = 0.15;
        if ((x = s_val(names, nn, vals, "mean")))
            s_get_num(c, x, "opinions.mean", 0.0, 1.0, 0, 0, "a number in [0, 1]", &op->mean);
        if ((x = s_val(names, nn, vals, "sd")))
            s_get_num(c, x, "opinions.sd", 0.0, HUGE_VAL, 1, 0, "a number > 0", &op->sd);
        break;
    case NN_INIT_BIMODAL:
        op->modes[0] = 0.25;
        op->modes[1] = 0.75;
        op->sd = 0.1;
        if ((x = s_val(names, nn, vals, "modes")))
            s_modes(c, x, op->modes);
        if ((x = s_val(names, nn, vals, "sd")))
            s_get_num(c, x, "opinions.sd", 0.0, HUGE_VAL, 1, 0, "a number > 0", &op->sd);
        break;
    case NN_INIT_SEEDS:
        if ((x = s_val(names, nn, vals, "seeds")))
            s_seeds(c, x, op);
        else
            s_err(c, v,
                  "missing key 'opinions.seeds'" S_HINT
                  "required with init 'seeds': how many agents start at 1, a count such as 10 "
                  "or a share such as 0.01");
        break;
    case NN_INIT_FILE:
        if ((x = s_val(names, nn, vals, "path")))
            s_file_path(c, x, "opinions.path", base, op->path, sizeof op->path, op->resolved_path,
                        op->path_where, sizeof op->path_where);
        else
            s_err(c, v,
                  "missing key 'opinions.path'" S_HINT
                  "required with init 'file': a file of lines \"id,opinion\" or one opinion a "
                  "line");
        break;
    }
    return c->n_errs == before;
}

static void s_behaviour_names(const char **names, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < nn_behaviour_count() && *n < NN_MAX_BEHAVIOURS; i++)
        names[(*n)++] = nn_behaviour_at(i)->name;
}

/* A parameter drawn per agent: {uniform: [low, high]} with both in the parameter's
 * range, or {normal: [mean, sd]} with the mean in it (the draws are clamped into it). */
static void s_dist(s_ctx_t *c, const s_node_t *x, const char *path, const nn_param_spec_t *sp,
                   nn_population_t *pop, size_t i)
{
    static const char *const dn[] = {"uniform", "normal"};
    static const char *const form[] = {"[low, high]", "[mean, sd]"};
    char dp[S_PATH + 16], ip[S_PATH + 32], kt[S_SHOW + 8], got[S_SHOW + 32], desc[128];
    snprintf(desc, sizeof desc, "a number in [%g, %g]", sp->min, sp->max);
    if (x->n != 2) {
        s_err(c, x,
              "'%s' must be %s or one distribution, got %s" S_HINT
              "such as {uniform: [low, high]} or {normal: [mean, sd]}",
              path, desc, x->n ? "a mapping of several keys" : "an empty mapping");
        return;
    }
    const s_node_t *k = x->kid[0], *v = x->kid[1];
    int d = s_find(dn, 2, k);
    if (d < 0) {
        if (k->kind != S_SCALAR) {
            s_show(k, got, sizeof got);
            s_err(c, k, "a distribution in '%s' must be a name, got %s" S_HINT "uniform or normal",
                  path, got);
            return;
        }
        s_clean(k->text, k->len, kt, sizeof kt);
        const char *sug = s_suggest(k->text, dn, 2);
        if (sug)
            s_err(c, k, "unknown distribution '%s' in '%s'" S_HINT "did you mean '%s'?", kt, path,
                  sug);
        else
            s_err(c, k,
                  "unknown distribution '%s' in '%s'" S_HINT
                  "valid: uniform [low, high], normal [mean, sd]",
                  kt, path);
        return;
    }
    snprintf(dp, sizeof dp, "%s.%s", path, dn[d]);
    if (v->kind != S_SEQ || v->n != 2) {
        s_show(v, got, sizeof got);
        if (v->kind == S_SEQ)
            snprintf(got, sizeof got, "%zu %s", v->n, v->n == 1 ? "entry" : "entries");
        s_err(c, v, "'%s' must be a sequence of two numbers %s, got %s", dp, form[d], got);
        return;
    }
    double a, b;
    snprintf(ip, sizeof ip, "%s[0]", dp);
    int ok = s_get_num(c, v->kid[0], ip, sp->min, sp->max, 0, 0, desc, &a) == 0;
    snprintf(ip, sizeof ip, "%s[1]", dp);
    if (d == 0)
        ok &= s_get_num(c, v->kid[1], ip, sp->min, sp->max, 0, 0, desc, &b) == 0;
    else
        ok &= s_get_num(c, v->kid[1], ip, 0.0, HUGE_VAL, 0, 0, "a number >= 0 (the sd)", &b) == 0;
    if (!ok)
        return;
    if (d == 0 && a > b) {
        s_err(c, v, "'%s' has its low %g above its high %g" S_HINT "write [low, high]", dp, a, b);
        return;
    }
    pop->dist[i] = d == 0 ? NN_DIST_UNIFORM : NN_DIST_NORMAL;
    pop->params[i] = a;
    pop->param_b[i] = b;
}

/* A behaviour's params at v into pop; with constants_why set, a distribution is an error
 * whose hint is constants_why. */
static void s_params(s_ctx_t *c, const s_node_t *v, const char *where,
                     const nn_behaviour_ops_t *ops, nn_population_t *pop, const char *constants_why)
{
    char path[S_PATH], kt[S_SHOW + 8], list[512], got[S_SHOW + 32], desc[128];
    const char *names[NN_MAX_PARAMS];
    const s_node_t *seen[NN_MAX_PARAMS] = {NULL};
    size_t np = ops->n_params < NN_MAX_PARAMS ? ops->n_params : NN_MAX_PARAMS;
    for (size_t i = 0; i < np; i++)
        names[i] = ops->params[i].name;
    s_join(names, np, list, sizeof list);
    for (size_t p = 0; p + 1 < v->n; p += 2) {
        const s_node_t *k = v->kid[p], *x = v->kid[p + 1];
        if (k->kind != S_SCALAR) {
            s_show(k, got, sizeof got);
            s_err(c, k, "a key in '%s' must be a parameter name, got %s", where, got);
            continue;
        }
        s_clean(k->text, k->len, kt, sizeof kt);
        int i = s_find(names, np, k);
        if (i < 0) {
            const char *sug = s_suggest(k->text, names, np);
            if (!np)
                s_err(c, k,
                      "unknown parameter '%s' for behaviour '%s'" S_HINT "it takes no parameters",
                      kt, ops->name);
            else if (sug)
                s_err(c, k,
                      "unknown parameter '%s' for behaviour '%s'" S_HINT
                      "did you mean '%s'? it takes: %s",
                      kt, ops->name, sug, list);
            else
                s_err(c, k, "unknown parameter '%s' for behaviour '%s'" S_HINT "it takes: %s", kt,
                      ops->name, list);
            continue;
        }
        s_path(path, sizeof path, where, names[i]);
        if (seen[i]) {
            s_err_duplicate(c, k, path, seen[i]);
            continue;
        }
        seen[i] = k;
        const nn_param_spec_t *sp = &ops->params[i];
        snprintf(desc, sizeof desc, "a number in [%g, %g]", sp->min, sp->max);
        if (x->kind == S_MAP && constants_why)
            s_err(c, x, "'%s' must be %s, got a distribution" S_HINT "%s", path, desc,
                  constants_why);
        else if (x->kind == S_MAP)
            s_dist(c, x, path, sp, pop, (size_t)i);
        else if (x->kind == S_SEQ)
            s_err(c, x,
                  "'%s' must be %s or a distribution, got a sequence" S_HINT
                  "a range of values is written {uniform: [low, high]}",
                  path, desc);
        else
            s_get_num(c, x, path, sp->min, sp->max, 0, 0, desc, &pop->params[i]);
    }
}

/* populations[i].status: a number in [0, 1] or a distribution, read when the structure
 * takes its status from the populations (checked once the structure is read). */
static void s_pop_status(s_ctx_t *c, const s_node_t *x, const char *path, nn_scenario_t *s,
                         size_t i)
{
    static const nn_param_spec_t spec = {"status", 1.0, 0.0, 1.0, "status"};
    nn_structure_config_t *st = &s->structure;
    c->pop_status_at[i] = x;
    if (x->kind == S_MAP) {
        nn_population_t tmp;
        memset(&tmp, 0, sizeof tmp);
        size_t before = c->n_errs;
        s_dist(c, x, path, &spec, &tmp, 0);
        if (c->n_errs == before) {
            st->pop_status_dist[i] = tmp.dist[0];
            st->pop_status[i] = tmp.params[0];
            st->pop_status_b[i] = tmp.param_b[0];
        }
    } else {
        s_get_num(c, x, path, 0.0, 1.0, 0, 0, "a number in [0, 1] or a distribution",
                  &st->pop_status[i]);
    }
}

/* populations[i].name and .nodes: an external population's name (what a node claims in
 * its Hello: letters, digits, '_', '-' and '.', unique among the populations) and how many
 * nodes share its agents; neither belongs to a built-in population. */
static void s_external_pop(s_ctx_t *c, const s_node_t *e, const char *where, const s_node_t *nv,
                           const s_node_t *kv, nn_scenario_t *s, size_t i)
{
    nn_population_t *pop = &s->populations[i];
    char path[S_PATH];
    uint64_t x;
    pop->ext_nodes = 1;
    if (!pop->external) {
        if (nv || kv)
            s_err(c, nv ? nv : kv,
                  "'%s.%s' is for external populations" S_HINT
                  "write behaviour: external to have nodes of your own host them, or leave "
                  "it out (built-in agents share the scenario's 'nodes')",
                  where, nv ? "name" : "nodes");
        return;
    }
    s_path(path, sizeof path, where, "name");
    if (!nv) {
        s_err(c, e,
              "missing key '%s'" S_HINT
              "an external population needs the name its nodes claim, such as name: opinion-py",
              path);
    } else if (s_get_str(c, nv, path, pop->name, sizeof pop->name,
                         "a name of letters, digits, '_', '-' and '.'") == 0) {
        size_t bad = strspn(pop->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789_-.");
        if (pop->name[bad])
            s_err(c, nv, "'%s' is '%s', which has '%c'" S_HINT "use letters, digits, '_', '-', '.'",
                  path, pop->name, pop->name[bad]);
        for (size_t j = 0; j < i; j++)
            if (s->populations[j].external && strcmp(s->populations[j].name, pop->name) == 0)
                s_err(c, nv,
                      "'%s' is '%s', the name of populations[%zu] too" S_HINT
                      "each external population needs a name of its own",
                      path, pop->name, j);
    }
    s_path(path, sizeof path, where, "nodes");
    if (kv && s_get_u64(c, kv, path, 1, 1024, "an integer in 1..1024", &x) == 0)
        pop->ext_nodes = (uint32_t)x;
}

/* An external population's parameters: any names (the nodes that claim it know what they
 * mean), each a finite number or a distribution, kept in the order written. */
static void s_ext_params(s_ctx_t *c, const s_node_t *v, const char *where, nn_population_t *pop)
{
    static const nn_param_spec_t any = {"", 0.0, -1e300, 1e300, ""};
    char path[S_PATH], got[S_SHOW + 32];
    for (size_t p = 0; p + 1 < v->n; p += 2) {
        const s_node_t *k = v->kid[p], *x = v->kid[p + 1];
        size_t n = pop->n_ext_params;
        if (k->kind != S_SCALAR || k->len == 0 || strlen(k->text) != k->len ||
            k->len >= NN_NAME_MAX) {
            s_show(k, got, sizeof got);
            s_err(c, k, "a key in '%s' must be a parameter name of 1..%d bytes, got %s", where,
                  NN_NAME_MAX - 1, got);
            continue;
        }
        if (n == NN_MAX_PARAMS) {
            s_err(c, k, "'%s' has more than %d parameters", where, NN_MAX_PARAMS);
            return;
        }
        s_path(path, sizeof path, where, k->text);
        size_t j = 0;
        while (j < n && strcmp(pop->ext_param[j], k->text) != 0)
            j++;
        if (j < n) {
            s_err(c, k, "'%s' is given twice", path);
            continue;
        }
        memcpy(pop->ext_param[n], k->text, k->len + 1);
        if (x->kind == S_MAP)
            s_dist(c, x, path, &any, pop, n);
        else if (x->kind == S_SEQ)
            s_err(c, x,
                  "'%s' must be a number or a distribution, got a sequence" S_HINT
                  "a range of values is written {uniform: [low, high]}",
                  path);
        else
            s_get_num(c, x, path, -1e300, 1e300, 0, 0, "a finite number", &pop->params[n]);
        pop->n_ext_params = n + 1;
    }
}

/* external: is for external populations. */
static void s_check_external(s_ctx_t *c, const s_node_t *root, const s_node_t *ev,
                             const nn_scenario_t *s)
{
    (void)root;
    size_t n = 0;
    for (size_t i = 0; i < s->n_populations; i++)
        n += s->populations[i].external != 0;
    if (ev && !n)
        s_err(c, ev,
              "'external' is given but no population is external" S_HINT
              "add a population {behaviour: external, name: NAME, share: ...}, or leave "
              "'external' out");
}

static void s_populations(s_ctx_t *c, const s_node_t *root, const s_node_t *v, int opinions_ok,
                          nn_scenario_t *s)
{
    static const char *const pk[] = {"behaviour", "share", "count", "params",
                                     "status",    "name",  "nodes"};
    const char *known[NN_MAX_BEHAVIOURS];
    size_t n_known;
    char where[S_PATH], path[S_PATH], list[1024], got[S_SHOW + 32];
    if (!v) {
        s_err(c, root,
              "missing key 'populations'" S_HINT
              "required: a sequence of populations such as [{behaviour: deffuant, share: 1}]");
        return;
    }
    if (s_want(c, v, S_SEQ, "populations", "[{behaviour: deffuant, share: 1}]") != 0)
        return;
    if (v->n == 0 || v->n > NN_MAX_POPULATIONS) {
        s_err(c, v,
              "'populations' must have 1..%d entries, got %zu" S_HINT
              "such as [{behaviour: deffuant, share: 1}]",
              NN_MAX_POPULATIONS, v->n);
        return;
    }
    s_behaviour_names(known, &n_known);
    s_join(known, n_known, list, sizeof list);
    int all_ok = 1;
    size_t n_share = 0;
    double share_sum = 0.0, share_c = 0.0; /* Kahan: the sum must not depend on the order */
    uint64_t count_sum = 0;
    for (size_t i = 0; i < v->n; i++) {
        const s_node_t *e = v->kid[i], *vals[7], *keys[7];
        nn_population_t *pop = &s->populations[i];
        size_t before = c->n_errs;
        snprintf(where, sizeof where, "populations[%zu]", i);
        if (s_want(c, e, S_MAP, where, "{behaviour: deffuant, share: 1}") != 0) {
            all_ok = 0;
            continue;
        }
        s_fields(c, e, where, pk, 7, vals, keys, NULL);
        const s_node_t *bv = vals[0], *sv = vals[1], *cv = vals[2], *pv = vals[3];
        pop->external = bv && bv->kind == S_SCALAR && strcmp(bv->text, NN_BEHAVIOUR_EXTERNAL) == 0;
        s_external_pop(c, e, where, vals[5], vals[6], s, i);
        if (vals[4]) {
            s_path(path, sizeof path, where, "status");
            s_pop_status(c, vals[4], path, s, i);
        }
        if (!bv)
            s_err(c, e, "missing key '%s.behaviour'" S_HINT "required: one of %s", where, list);
        else if (pop->external)
            ; /* hosted by the nodes that claim its name */
        else if (bv->kind != S_SCALAR || strlen(bv->text) != bv->len ||
                 !(pop->ops = nn_behaviour_find(bv->text))) {
            s_show(bv, got, sizeof got);
            const char *sug = bv->kind == S_SCALAR ? s_suggest(bv->text, known, n_known) : NULL;
            if (sug)
                s_err(c, bv,
                      "unknown behaviour %s in '%s.behaviour'" S_HINT
                      "did you mean '%s'? known: %s",
                      got, where, sug, list);
            else
                s_err(c, bv, "unknown behaviour %s in '%s.behaviour'" S_HINT "known: %s", got,
                      where, list);
        }
        if (pop->ops)
            for (size_t j = 0; j < pop->ops->n_params && j < NN_MAX_PARAMS; j++)
                pop->params[j] = pop->ops->params[j].def;
        int one = s_share_or_count(c, e, keys[2], sv, cv, where, "a share in (0, 1]");
        if (one && sv) {
            s_path(path, sizeof path, where, "share");
            if (s_get_num(c, sv, path, 0.0, 1.0, 1, 0, "a number in (0, 1]", &pop->share) == 0) {
                double y = pop->share - share_c, t = share_sum + y;
                share_c = (t - share_sum) - y;
                share_sum = t;
                n_share++;
            }
        } else if (one) {
            s_path(path, sizeof path, where, "count");
            if (s_get_u64(c, cv, path, 0, UINT64_MAX, "an integer >= 0", &pop->count) == 0) {
                pop->by_count = 1;
                count_sum =
                    count_sum > UINT64_MAX - pop->count ? UINT64_MAX : count_sum + pop->count;
            }
        }
        if (pv) {
            s_path(path, sizeof path, where, "params");
            if (s_want(c, pv, S_MAP, path, "{d: 0.2}") == 0 && pop->ops)
                s_params(c, pv, path, pop->ops, pop, NULL);
            else if (pop->external && pv->kind == S_MAP)
                s_ext_params(c, pv, path, pop);
        }
        if (pop->ops && pop->ops->binary_state && opinions_ok &&
            s->opinions.init != NN_INIT_SEEDS && s->opinions.init != NN_INIT_FILE)
            s_err(c, bv,
                  "behaviour '%s' needs opinions.init 'seeds' or 'file', not '%s'" S_HINT
                  "its agents' states are 0 or 1 and only agents seeded at 1 start a cascade: "
                  "give them with opinions: {init: seeds, seeds: 10}",
                  pop->ops->name, s_init_names[s->opinions.init]);
        if (c->n_errs != before)
            all_ok = 0;
    }
    s->n_populations = v->n;
    if (!all_ok || !c->agents_ok)
        return;
    if (count_sum > c->agents)
        s_err(c, v, "the population counts sum to %" PRIu64 ", more than the %" PRIu32 " agents",
              count_sum, c->agents);
    else if (!n_share && count_sum != c->agents)
        s_err(c, v,
              "the population counts sum to %" PRIu64 ", not the %" PRIu32 " agents" S_HINT
              "change the counts, or add a population with a 'share' to take the rest",
              count_sum, c->agents);
    else if (n_share && fabs(share_sum - 1.0) > S_SHARE_TOLERANCE)
        s_err(c, v,
              "the population shares sum to %.10g, not 1" S_HINT
              "shares split the agents left after the counted populations",
              share_sum);
}

/* ---- structure ----------------------------------------------------------------------- */

/* A mapping whose key `sel` (default: the first name) picks a variant that takes at most
 * one more key, extra[i]. Returns the variant, or -1 after an error; *sel_v and *extra_v
 * are the values given (NULL when left out). Keys of another variant are errors that say
 * what this one takes. */
static int s_choose(s_ctx_t *c, const s_node_t *v, const char *where, const char *sel,
                    const char *const *names, const char *const *extra, size_t n,
                    const s_node_t **sel_v, const s_node_t **extra_v)
{
    const char *all[8];
    const s_node_t *vals[8], *keys[8];
    char path[S_PATH], what[S_PATH + 64];
    size_t n_all = 0;
    *sel_v = *extra_v = NULL;
    all[n_all++] = sel;
    for (size_t i = 0; i < n && n_all < 8; i++) {
        int seen = 0;
        for (size_t j = 0; extra[i] && j < n_all; j++)
            seen |= strcmp(all[j], extra[i]) == 0;
        if (extra[i] && !seen)
            all[n_all++] = extra[i];
    }
    const s_node_t *sv = s_lookup(v, sel);
    s_path(path, sizeof path, where, sel);
    int i = sv ? s_get_enum(c, sv, path, names, n) : 0;
    if (i < 0) {
        s_fields(c, v, where, all, n_all, vals, keys, NULL);
        return -1;
    }
    const char *mine[2] = {sel, extra[i]};
    size_t nm = extra[i] ? 2 : 1;
    snprintf(what, sizeof what, "'%s' %s '%s'", where, sel, names[i]);
    s_variant_t var = {what, extra[i] ? extra[i] : "no parameters", all, n_all};
    s_fields(c, v, where, mine, nm, vals, keys, &var);
    *sel_v = vals[0];
    *extra_v = nm == 2 ? vals[1] : NULL;
    return i;
}

/* `by: betweenness` and `status: {from: betweenness}` cost O(agents x edges). */
static void s_betweenness_cap(s_ctx_t *c, const s_node_t *v, const char *path, const char *instead)
{
    if (c->agents_ok && c->agents > S_MAX_BETWEENNESS)
        s_err(c, v,
              "'%s' is 'betweenness', which costs O(agents x edges): too slow for %" PRIu32
              " agents" S_HINT "betweenness takes at most %d agents; use %s instead",
              path, c->agents, S_MAX_BETWEENNESS, instead);
}

/* Returns 1 when the roles are valid; *leader says whether a rule picks leaders. */
static int s_roles(s_ctx_t *c, const s_node_t *v, nn_structure_config_t *st, int *leader)
{
    static const char *const rk[] = {"role", "share", "count", "by"};
    char where[S_PATH], path[S_PATH], desc[96], list[128];
    const s_node_t *seen[NN_ROLES] = {NULL};
    size_t before = c->n_errs;
    uint64_t sum = 0;
    *leader = 0;
    if (s_want(c, v, S_SEQ, "structure.roles", "[{role: leader, count: 10}]") != 0)
        return 0;
    if (v->n > 3) {
        s_err(c, v,
              "'structure.roles' must have 0..3 entries, got %zu" S_HINT
              "one rule at most for each of mediator, arbiter and leader",
              v->n);
        return 0;
    }
    s_join(s_role_names, 3, list, sizeof list);
    if (c->agents_ok)
        snprintf(desc, sizeof desc, "an integer in 0..%" PRIu32 " (agents)", c->agents);
    else
        snprintf(desc, sizeof desc, "an integer >= 0");
    for (size_t i = 0; i < v->n; i++) {
        const s_node_t *e = v->kid[i], *vals[4], *keys[4];
        nn_role_rule_t *r = &st->roles[i];
        snprintf(where, sizeof where, "structure.roles[%zu]", i);
        if (s_want(c, e, S_MAP, where, "{role: leader, count: 10}") != 0)
            continue;
        s_fields(c, e, where, rk, 4, vals, keys, NULL);
        const s_node_t *rv = vals[0], *sv = vals[1], *cv = vals[2], *bv = vals[3];
        s_path(path, sizeof path, where, "role");
        if (!rv)
            s_err(c, e, "missing key '%s'" S_HINT "required: one of %s", path, list);
        else if (s_is_key(rv, "citizen"))
            s_err(c, rv,
                  "'%s' cannot be 'citizen'" S_HINT
                  "citizens are the agents that no rule picks: rules are for %s only",
                  path, list);
        else {
            int ri = s_get_enum(c, rv, path, s_role_names, 3);
            if (ri >= 0) {
                r->role = (nn_role_t)(NN_ROLE_MEDIATOR + ri);
                if (seen[r->role]) {
                    char *loc =
                        s_loc(c, seen[r->role]->origin, seen[r->role]->line, seen[r->role]->col);
                    if (loc)
                        s_err(c, rv,
                              "role '%s' is given twice in 'structure.roles'" S_HINT
                              "first at %s; each role takes one rule",
                              s_role_names[ri], loc);
                    else
                        c->oom = 1;
                    free(loc);
                } else {
                    seen[r->role] = rv;
                }
                if (r->role == NN_ROLE_LEADER)
                    *leader = 1;
            }
        }
        int one = s_share_or_count(c, e, keys[2], sv, cv, where, "a share in [0, 1] of all agents");
        if (one && sv) {
            s_path(path, sizeof path, where, "share");
            if (s_get_num(c, sv, path, 0.0, 1.0, 0, 0, "a number in [0, 1]", &r->share) == 0 &&
                c->agents_ok)
                sum += (uint64_t)llround(r->share * (double)c->agents);
        } else if (one) {
            s_path(path, sizeof path, where, "count");
            uint64_t max = c->agents_ok ? c->agents : UINT32_MAX;
            if (s_get_u64(c, cv, path, 0, max, desc, &r->count) == 0) {
                r->by_count = 1;
                sum += r->count;
            }
        }
        r->by = NN_BY_RANDOM;
        if (bv) {
            s_path(path, sizeof path, where, "by");
            int bi = s_get_enum(c, bv, path, s_by_names, S_N_BY);
            if (bi >= 0)
                r->by = (nn_rank_by_t)bi;
            if (bi == NN_BY_BETWEENNESS)
                s_betweenness_cap(c, bv, path, "'by: degree' or 'by: random'");
        }
    }
    st->n_roles = v->n;
    if (c->n_errs != before)
        return 0;
    if (c->agents_ok && sum > c->agents) {
        s_err(c, v,
              "the role counts sum to %" PRIu64 ", more than the %" PRIu32 " agents" S_HINT
              "a share counts as share x agents, rounded; the agents no rule picks are citizens",
              sum, c->agents);
        return 0;
    }
    return 1;
}

static void s_structure(s_ctx_t *c, const s_node_t *v, const char *base, nn_scenario_t *s)
{
    static const char *const sk[] = {"roles", "groups", "hierarchy", "status", "reputation"};
    const s_node_t *vals[5], *keys[5], *sel, *x;
    nn_structure_config_t *st = &s->structure;
    c->roles_ok = c->hierarchy_ok = c->groups_ok = 1;
    if (!v)
        return;
    if (s_want(c, v, S_MAP, "structure", "{roles: [{role: leader, count: 10}]}") != 0) {
        c->roles_ok = c->hierarchy_ok = c->groups_ok = 0;
        return;
    }
    s_fields(c, v, "structure", sk, 5, vals, keys, NULL);
    int leader = 0, roles_ok = 1;
    if (vals[0])
        roles_ok = s_roles(c, vals[0], st, &leader);
    c->roles_ok = roles_ok;

    size_t before_groups = c->n_errs;
    if (vals[1] && s_want(c, vals[1], S_MAP, "structure.groups", "{from: louvain}") == 0) {
        int g = s_choose(c, vals[1], "structure.groups", "from", s_groups_names, s_groups_keys,
                         S_N_GROUPS, &sel, &x);
        if (g >= 0)
            st->groups = (nn_groups_from_t)g;
        if (g == NN_GROUPS_SBM && c->model_ok && s->network.model != NN_NET_SBM) {
            const char *model = "?";
            for (size_t i = 0; i < S_N_MODELS; i++)
                if (s_models[i].model == (int)s->network.model)
                    model = s_models[i].name;
            s_err(c, sel,
                  "'structure.groups.from' is 'sbm' but network.model is '%s'" S_HINT
                  "groups from sbm are the blocks of an sbm network: use network model sbm, or "
                  "groups from louvain or file",
                  model);
        }
        if (g == NN_GROUPS_FILE && x)
            s_file_path(c, x, "structure.groups.path", base, st->path, sizeof st->path,
                        st->resolved_path, st->path_where, sizeof st->path_where);
        else if (g == NN_GROUPS_FILE)
            s_err(c, vals[1],
                  "missing key 'structure.groups.path'" S_HINT
                  "required with groups from 'file': a file of lines \"id,group\"");
    }
    c->groups_ok = c->n_errs == before_groups;

    size_t before_hierarchy = c->n_errs;
    if (vals[2] && s_want(c, vals[2], S_MAP, "structure.hierarchy", "{model: group_leader}") == 0) {
        int h = s_choose(c, vals[2], "structure.hierarchy", "model", s_hierarchy_names,
                         s_hierarchy_keys, S_N_HIER, &sel, &x);
        if (h >= 0)
            st->hierarchy = (nn_hierarchy_t)h;
        if (h == NN_HIERARCHY_TREE && x) {
            uint64_t b;
            if (s_get_u64(c, x, "structure.hierarchy.branching", 1, UINT32_MAX,
                          "an integer in 1..4294967295", &b) == 0)
                st->branching = (uint32_t)b;
        }
        if (h == NN_HIERARCHY_GROUP_LEADER && roles_ok && !leader)
            s_err(c, sel,
                  "hierarchy model 'group_leader' needs a leader rule in 'structure.roles'" S_HINT
                  "each agent's superior is a leader of its group, so without leaders nobody "
                  "could be a superior: add {role: leader, count: 10} or use model tree");
    }
    c->hierarchy_ok = c->n_errs == before_hierarchy;

    if (vals[3] && s_want(c, vals[3], S_MAP, "structure.status", "{from: degree}") == 0) {
        int f = s_choose(c, vals[3], "structure.status", "from", s_status_names, s_status_keys,
                         S_N_STATUS, &sel, &x);
        if (f >= 0)
            st->status = (nn_status_from_t)f;
        if (f == NN_STATUS_CONSTANT && x)
            s_get_num(c, x, "structure.status.value", -HUGE_VAL, HUGE_VAL, 0, 0, "a number",
                      &st->status_value);
        if (f == NN_STATUS_BETWEENNESS)
            s_betweenness_cap(c, sel, "structure.status.from", "'from: degree'");
    }

    if (vals[4] && s_want(c, vals[4], S_MAP, "structure.reputation", "{recovery: 0.01}") == 0) {
        static const char *const rk[] = {"recovery"};
        const s_node_t *rv[1], *rkk[1];
        s_fields(c, vals[4], "structure.reputation", rk, 1, rv, rkk, NULL);
        if (rv[0])
            s_probability(c, rv[0], "structure.reputation.recovery", &s->norms.recovery);
    }
}

/* ---- norms, game, cases, decisions, trends -------------------------------------------- */

static void s_fmt_double(double x, char *buf, size_t cap);

/* In the order of the enums of norms.h and cases.h. The modules' own name functions are
 * not called: loading a scenario needs nothing but this file. */
static const char *const s_norm_names[] = {"rate", "address", "aggression", "defection",
                                           "noncompliance"};
static const char *const s_norm_extra[] = {"limit", "scope", "threshold", NULL, NULL};
static const char *const s_norm_takes[] = {
    "limit, detect, forgive, sanctions", "scope, detect, forgive, sanctions",
    "threshold, detect, forgive, sanctions", "detect, forgive, sanctions",
    "detect, forgive, sanctions"};
static const char *const s_norm_keys[] = {"norm",   "limit",   "scope",    "threshold",
                                          "detect", "forgive", "sanctions"};
static const char *const s_sanction_names[] = {"warn", "reputation", "mute", "exclude"};
static const char *const s_sanction_form[] = {"warn", "{reputation: 0.1}", "{mute: 3}",
                                              "{exclude: 10}"};
static const char *const s_scope_names[] = {"neighbours", "hierarchy", "either"};
static const char *const s_proto_names[] = {
    "majority", "weighted", "mediation", "negotiation", "arbitration", "deliberation", "tolerance"};
static const char *const s_dscope_names[] = {"group", "society"};
static const char *const s_arbiter_names[] = {"arbiter", "superior"};
#define S_N(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(S_N(s_norm_names) == NN_NORM_KINDS, "a name for each norm");
_Static_assert(S_N(s_norm_extra) == NN_NORM_KINDS, "a key (or none) for each norm");
_Static_assert(S_N(s_norm_takes) == NN_NORM_KINDS, "the keys of each norm");
_Static_assert(S_N(s_sanction_names) == NN_SANCTION_KINDS, "a name for each sanction");
_Static_assert(S_N(s_proto_names) == NN_PROTOCOLS, "a name for each protocol");

/* The default complaint chain: a mediator first, then an arbiter, then let it be. */
static const nn_protocol_t s_complaint_chain[] = {NN_PROTO_MEDIATION, NN_PROTO_ARBITRATION,
                                                  NN_PROTO_TOLERANCE};

static int s_index(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

/* Agents that structure.roles gives `role`: -1 when no rule names it. A share counts as
 * the structure rounds it; while agents is unknown, any share above 0 counts as some. */
static int64_t s_role_agents(const s_ctx_t *c, const nn_structure_config_t *st, nn_role_t role)
{
    for (size_t i = 0; i < st->n_roles && i < 3; i++) {
        const nn_role_rule_t *r = &st->roles[i];
        if (r->role != role)
            continue;
        if (r->by_count)
            return (int64_t)r->count;
        if (!c->agents_ok)
            return r->share > 0.0;
        return (int64_t)llround(r->share * (double)c->agents);
    }
    return -1;
}

/* An integer in lo..hi (hi UINT32_MAX: ">= lo" in the message) into a uint32_t. */
static int s_get_u32(s_ctx_t *c, const s_node_t *v, const char *path, uint32_t lo, uint32_t hi,
                     const char *what, uint32_t *out)
{
    char desc[96];
    uint64_t x;
    if (hi == UINT32_MAX)
        snprintf(desc, sizeof desc, "an integer >= %" PRIu32 "%s", lo, what);
    else
        snprintf(desc, sizeof desc, "an integer in %" PRIu32 "..%" PRIu32 "%s", lo, hi, what);
    if (s_get_u64(c, v, path, lo, hi, desc, &x) != 0)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

/* One sanction of a ladder: the word warn, or a mapping of one key, {reputation: AMOUNT},
 * {mute: ROUNDS} or {exclude: ROUNDS | forever}. */
static void s_sanction(s_ctx_t *c, const s_node_t *x, const char *ip, nn_sanction_t *sa)
{
    char vp[S_PATH + 64], got[S_SHOW + 32];
    if (x->kind == S_SCALAR) {
        int k = s_find(s_sanction_names, NN_SANCTION_KINDS, x);
        if (k == NN_SANCTION_WARN) {
            sa->kind = NN_SANCTION_WARN;
            return;
        }
        s_show(x, got, sizeof got);
        const char *sug = k < 0 ? s_suggest(x->text, s_sanction_names, NN_SANCTION_KINDS) : NULL;
        if (k > 0)
            s_err(c, x, "'%s' is '%s', which needs %s" S_HINT "write it as %s", ip,
                  s_sanction_names[k],
                  k == NN_SANCTION_REPUTATION ? "an amount" : "a number of rounds",
                  s_sanction_form[k]);
        else if (sug)
            s_err(c, x, "'%s' must be a sanction, got %s" S_HINT "did you mean %s?", ip, got,
                  s_sanction_form[s_index(s_sanction_names, NN_SANCTION_KINDS, sug)]);
        else
            s_err(c, x,
                  "'%s' must be a sanction, got %s" S_HINT
                  "warn, {reputation: AMOUNT}, {mute: ROUNDS} or {exclude: ROUNDS}",
                  ip, got);
        return;
    }
    if (x->kind != S_MAP || x->n != 2) {
        s_err(c, x,
              "'%s' must be one sanction, got %s" S_HINT
              "warn, or a mapping of one key: {reputation: AMOUNT}, {mute: ROUNDS} or "
              "{exclude: ROUNDS}",
              ip,
              x->kind == S_SEQ ? "a sequence"
              : x->n == 0      ? "an empty mapping"
                               : "a mapping of several keys");
        return;
    }
    const s_node_t *k = x->kid[0], *a = x->kid[1];
    int kind = s_find(s_sanction_names, NN_SANCTION_KINDS, k);
    if (kind < 0) {
        s_show(k, got, sizeof got);
        const char *sug =
            k->kind == S_SCALAR ? s_suggest(k->text, s_sanction_names, NN_SANCTION_KINDS) : NULL;
        if (sug)
            s_err(c, k, "unknown sanction %s in '%s'" S_HINT "did you mean '%s'?", got, ip, sug);
        else
            s_err(c, k,
                  "unknown sanction %s in '%s'" S_HINT "valid: warn, reputation, mute, exclude",
                  got, ip);
        return;
    }
    if (kind == NN_SANCTION_WARN) {
        s_err(c, k, "sanction 'warn' in '%s' takes no value" S_HINT "write it as the word warn",
              ip);
        return;
    }
    snprintf(vp, sizeof vp, "%s.%s", ip, s_sanction_names[kind]);
    if (kind == NN_SANCTION_REPUTATION) {
        if (s_get_num(c, a, vp, 0.0, 1.0, 1, 0, "a number in (0, 1] (the reputation taken)",
                      &sa->amount) == 0)
            sa->kind = NN_SANCTION_REPUTATION;
        return;
    }
    if (kind == NN_SANCTION_EXCLUDE && s_is_key(a, "forever") && !a->quoted) {
        sa->kind = NN_SANCTION_EXCLUDE;
        sa->rounds = 0; /* for good */
        return;
    }
    if (s_get_u32(c, a, vp, 1, UINT32_MAX,
                  kind == NN_SANCTION_MUTE ? " (rounds)" : " (rounds), or the word forever",
                  &sa->rounds) == 0)
        sa->kind = (nn_sanction_kind_t)kind;
}

/* The escalation ladder, 1..NN_MAX_LADDER sanctions; nm keeps its ladder unless all are
 * valid. */
static void s_ladder(s_ctx_t *c, const s_node_t *v, const char *path, nn_norm_config_t *nm)
{
    char ip[S_PATH + 32];
    nn_sanction_t ladder[NN_MAX_LADDER];
    memset(ladder, 0, sizeof ladder);
    if (s_want(c, v, S_SEQ, path, "[warn, {mute: 3}, {exclude: forever}]") != 0)
        return;
    if (v->n == 0 || v->n > NN_MAX_LADDER) {
        s_err(c, v,
              "'%s' must have 1..%d entries, got %zu" S_HINT
              "the escalation ladder, such as [warn, {reputation: 0.1}, {mute: 3}]",
              path, NN_MAX_LADDER, v->n);
        return;
    }
    size_t before = c->n_errs;
    for (size_t i = 0; i < v->n; i++) {
        snprintf(ip, sizeof ip, "%s[%zu]", path, i);
        s_sanction(c, v->kid[i], ip, &ladder[i]);
    }
    if (c->n_errs != before)
        return;
    memcpy(nm->ladder, ladder, sizeof ladder);
    nm->n_ladder = v->n;
}

/* What the cross-checks of norms, cases and decisions need to know of the rest. */
typedef struct s_present {
    int game, cases, decisions;
} s_present_t;

static void s_norm(s_ctx_t *c, const s_node_t *e, size_t idx, const s_present_t *has,
                   nn_scenario_t *s, const s_node_t **seen)
{
    char where[S_PATH], path[S_PATH], list[256], what[64];
    const s_node_t *vals[7], *keys[7];
    snprintf(where, sizeof where, "norms[%zu]", idx);
    if (s_want(c, e, S_MAP, where, "{norm: rate, limit: 5}") != 0)
        return;
    s_join(s_norm_names, NN_NORM_KINDS, list, sizeof list);
    const s_node_t *kv = s_lookup(e, "norm");
    s_path(path, sizeof path, where, "norm");
    int k = -1;
    if (!kv)
        s_err(c, e, "missing key '%s'" S_HINT "required: one of %s", path, list);
    else
        k = s_get_enum(c, kv, path, s_norm_names, NN_NORM_KINDS);
    if (k < 0) {
        s_fields(c, e, where, s_norm_keys, 7, vals, keys, NULL);
        return;
    }
    if (seen[k]) {
        char *loc = s_loc(c, seen[k]->origin, seen[k]->line, seen[k]->col);
        if (loc)
            s_err(c, kv,
                  "norm '%s' is given twice in 'norms'" S_HINT "first at %s; each norm takes one "
                  "entry",
                  s_norm_names[k], loc);
        else
            c->oom = 1;
        free(loc);
        return;
    }
    seen[k] = kv;
    const char *names[5];
    size_t nn = 0;
    names[nn++] = "norm";
    if (s_norm_extra[k])
        names[nn++] = s_norm_extra[k];
    names[nn++] = "detect";
    names[nn++] = "forgive";
    names[nn++] = "sanctions";
    snprintf(what, sizeof what, "norm '%s'", s_norm_names[k]);
    s_variant_t var = {what, s_norm_takes[k], s_norm_keys, 7};
    s_fields(c, e, where, names, nn, vals, keys, &var);
    nn_norm_config_t *nm = &s->norms.norm[k];
    nm->on = 1;
    const s_node_t *x;
    if ((x = s_val(names, nn, vals, "limit"))) {
        s_path(path, sizeof path, where, "limit");
        s_get_u32(c, x, path, 0, UINT32_MAX, " (messages per agent per round)", &nm->limit);
    }
    if ((x = s_val(names, nn, vals, "scope"))) {
        s_path(path, sizeof path, where, "scope");
        int sc = s_get_enum(c, x, path, s_scope_names, S_N(s_scope_names));
        if (sc >= 0)
            nm->scope = (nn_address_scope_t)sc;
        if (sc == NN_ADDRESS_HIERARCHY && c->hierarchy_ok &&
            s->structure.hierarchy == NN_HIERARCHY_NONE)
            s_err(c, x,
                  "'%s' is 'hierarchy' but structure.hierarchy is 'none'" S_HINT
                  "nobody has a superior or a subordinate, so every message would break the "
                  "norm: give structure.hierarchy a model, or use scope neighbours or either",
                  path);
    }
    if ((x = s_val(names, nn, vals, "threshold"))) {
        s_path(path, sizeof path, where, "threshold");
        s_probability(c, x, path, &nm->threshold);
    }
    if ((x = s_val(names, nn, vals, "detect"))) {
        s_path(path, sizeof path, where, "detect");
        s_probability(c, x, path, &nm->detect);
    }
    if ((x = s_val(names, nn, vals, "forgive"))) {
        s_path(path, sizeof path, where, "forgive");
        s_get_u32(c, x, path, 0, UINT32_MAX, " (rounds; 0: never)", &nm->forgive);
    }
    if ((x = s_val(names, nn, vals, "sanctions"))) {
        s_path(path, sizeof path, where, "sanctions");
        s_ladder(c, x, path, nm);
    }
    if (k == NN_NORM_DEFECTION && !has->game)
        s_err(c, kv,
              "norm 'defection' needs 'game'" S_HINT
              "without the cooperation game there is nothing to defect in: add game: "
              "{benefit: 3, cost: 1}");
    if (k == NN_NORM_NONCOMPLIANCE && !has->cases && !has->decisions)
        s_err(c, kv,
              "norm 'noncompliance' needs 'cases' or 'decisions'" S_HINT
              "it sanctions ignored verdicts, and without cases there are none: add cases: {} "
              "or decisions: {every: 10}");
}

static void s_norms(s_ctx_t *c, const s_node_t *v, const s_present_t *has, nn_scenario_t *s)
{
    const s_node_t *seen[NN_NORM_KINDS] = {NULL};
    if (!v)
        return;
    if (s_want(c, v, S_SEQ, "norms", "[{norm: rate, limit: 5}]") != 0)
        return;
    for (size_t i = 0; i < v->n; i++)
        s_norm(c, v->kid[i], i, has, s, seen);
}

/* ---- faults -------------------------------------------------------------------------- */

/* In the order of the enums of faults.h, then kill (S_KILL: stored in faults.kill[], not
 * f[]); as with the norms, faults.c's name functions are not called. */
static const char *const s_fault_names[] = {"loss",  "partition", "silent", "byzantine",
                                            "delay", "duplicate", "kill"};
#define S_KILL NN_FAULT_KINDS
static const char *const s_policy_names[] = {"fail", "restart", "drop"};
#define S_MAX_RESTARTS 1000 /* recovery.restarts (the text of its error says 0..1000) */
static const char *const s_between_names[] = {"halves", "groups", "random"};
static const char *const s_mode_names[] = {"random", "adversarial"};
static const char *const s_links_names[] = {"all", "within_groups", "between_groups"};
static const char *const s_fault_keys[] = {"fault",  "p",     "between",     "rounds",
                                           "agents", "mode",  "rounds_late", "links",
                                           "node",   "round", "rank"};
enum {
    S_FK_FAULT,
    S_FK_P,
    S_FK_BETWEEN,
    S_FK_ROUNDS,
    S_FK_AGENTS,
    S_FK_MODE,
    S_FK_LATE,
    S_FK_LINKS,
    S_FK_NODE,
    S_FK_ROUND,
    S_FK_RANK,
    S_FK_N
};
#define S_MAX_ROUNDS_LATE                                                                          \
    1000 /* delay: the most rounds a message is held back (the text                                \
           of the rounds_late error says 1..1000) */
_Static_assert(S_N(s_fault_names) == NN_FAULT_KINDS + 1, "a name for each fault, and kill");
_Static_assert(S_N(s_policy_names) == NN_RECOVERY_DROP + 1, "a name for each policy");
_Static_assert(S_N(s_fault_keys) == S_FK_N, "a name for each fault key");
_Static_assert(S_N(s_mode_names) == NN_BYZANTINE_ADVERSARIAL + 1, "a name for each mode");
_Static_assert(S_N(s_links_names) == NN_LINKS_BETWEEN_GROUPS + 1, "a name for each links");

/* rounds: [first, last], integers with 1 <= first <= last; last may pass the scenario's
 * rounds (the fault then acts to the end) and is kept as written. */
static void s_fault_rounds(s_ctx_t *c, const s_node_t *v, const char *path, nn_fault_config_t *fc)
{
    char ip[S_PATH + 32];
    uint64_t r[2];
    if (s_want(c, v, S_SEQ, path, "[10, 50] (the first and the last round it acts in)") != 0)
        return;
    if (v->n != 2) {
        s_err(c, v,
              "'%s' must be two rounds [first, last], got %zu entr%s" S_HINT
              "such as [10, 50]; leave rounds out for every round",
              path, v->n, v->n == 1 ? "y" : "ies");
        return;
    }
    int ok = 1;
    for (size_t i = 0; i < 2; i++) {
        snprintf(ip, sizeof ip, "%s[%zu]", path, i);
        ok &= s_get_u64(c, v->kid[i], ip, 1, UINT64_MAX, "an integer >= 1 (a round)", &r[i]) == 0;
    }
    if (!ok)
        return;
    if (r[0] > r[1]) {
        s_err(c, v->kid[1],
              "'%s' ends (round %" PRIu64 ") before it starts (round %" PRIu64 ")" S_HINT
              "give [first, last] with first <= last, such as [%" PRIu64 ", %" PRIu64 "]",
              path, r[1], r[0], r[1], r[0]);
        return;
    }
    fc->from_round = r[0];
    fc->to_round = r[1];
}

static int s_u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* agents of a fault (silent, byzantine: the agents; loss, delay, duplicate: the senders whose
 * messages it acts on): {share: S}, S in (0, 1], or a list of 1..256 distinct ids below the
 * agent count (agents is read before every other section), kept ascending. */
static void s_fault_agents(s_ctx_t *c, const s_node_t *v, const char *path, nn_fault_config_t *fc)
{
    static const char *const share_key[] = {"share"};
    char ip[S_PATH + 32];
    if (v->kind == S_MAP) {
        const s_node_t *sv[1], *sk[1];
        size_t before = c->n_errs;
        s_fields(c, v, path, share_key, 1, sv, sk, NULL);
        s_path(ip, sizeof ip, path, "share");
        if (!sv[0]) {
            if (c->n_errs == before) /* a misspelt share is its own error only */
                s_err(c, v,
                      "missing key '%s'" S_HINT
                      "give the chance each agent is taken, such as {share: 0.05}, or list the "
                      "agents, such as [3, 17, 42]",
                      ip);
        } else
            s_get_num(c, sv[0], ip, 0.0, 1.0, 1, 0,
                      "a number in (0, 1] (the chance each agent is taken)", &fc->share);
        return;
    }
    if (v->kind != S_SEQ) {
        char got[S_SHOW + 32];
        s_show(v, got, sizeof got);
        s_err(c, v,
              "'%s' must be a mapping {share: S} or a list of agent ids, got %s" S_HINT
              "such as {share: 0.05} or [3, 17, 42]",
              path, got);
        return;
    }
    if (v->n == 0) {
        s_err(c, v,
              "'%s' lists no agents" S_HINT
              "list 1..%d agent ids, such as [3, 17, 42], or give a share, such as {share: 0.05}",
              path, NN_FAULT_MAX_AGENTS);
        return;
    }
    if (v->n > NN_FAULT_MAX_AGENTS) {
        s_err(c, v,
              "'%s' lists %zu agents, more than %d" S_HINT
              "list at most %d ids, or give a share, such as {share: 0.05}",
              path, v->n, NN_FAULT_MAX_AGENTS, NN_FAULT_MAX_AGENTS);
        return;
    }
    uint32_t ids[NN_FAULT_MAX_AGENTS];
    int ok = 1;
    for (size_t i = 0; i < v->n; i++) {
        uint64_t x;
        ids[i] = UINT32_MAX;
        snprintf(ip, sizeof ip, "%s[%zu]", path, i);
        if (s_get_u64(c, v->kid[i], ip, 0, INT32_MAX, "an integer >= 0 (an agent id)", &x) != 0) {
            ok = 0;
            continue;
        }
        if (c->agents_ok && x >= c->agents) {
            s_err(c, v->kid[i],
                  "'%s' is %" PRIu64 ", not below agents (%" PRIu32 ")" S_HINT
                  "agent ids run from 0 to %" PRIu32,
                  ip, x, c->agents, c->agents - 1);
            ok = 0;
            continue;
        }
        ids[i] = (uint32_t)x;
        for (size_t j = 0; j < i; j++)
            if (ids[j] == ids[i]) {
                char *loc = s_loc(c, v->kid[j]->origin, v->kid[j]->line, v->kid[j]->col);
                if (!loc) {
                    c->oom = 1;
                    return;
                }
                s_err(c, v->kid[i],
                      "'%s' lists agent %" PRIu32 " twice" S_HINT "first at %s; list each once",
                      path, ids[i], loc);
                free(loc);
                ok = 0;
                ids[i] = UINT32_MAX;
                break;
            }
    }
    if (!ok)
        return;
    qsort(ids, v->n, sizeof ids[0], s_u32_cmp);
    memcpy(fc->agents, ids, v->n * sizeof ids[0]);
    fc->n_agents = (uint32_t)v->n;
}

/* Why key `key` does not apply to fault kind k, and what to write instead. */
static void s_fault_foreign(s_ctx_t *c, const s_node_t *key, int k, const char *why)
{
    char kt[S_SHOW + 8];
    s_clean(key->text, key->len, kt, sizeof kt);
    s_err(c, key, "key '%s' does not apply to fault '%s'" S_HINT "%s", kt, s_fault_names[k], why);
}

/* A kill, {fault: kill, node: N, round: R}: node is checked against 'nodes' once the whole
 * scenario is read (*node_at: its value, when it is an integer); round must be in 1..rounds. */
static void s_fault_kill(s_ctx_t *c, const s_node_t *e, const char *where, const s_node_t **vals,
                         const s_node_t **keys, const nn_scenario_t *s, nn_fault_kill_t *kl,
                         const s_node_t **node_at)
{
    static const struct {
        int key;
        const char *why;
    } no[] = {
        {S_FK_P, "a kill stops its node's process for certain, once; for a chance of loss add "
                 "{fault: loss, p: 0.1}"},
        {S_FK_ROUNDS, "a kill acts once, in the round given by 'round', such as round: 5"},
        {S_FK_AGENTS, "a kill stops a whole node process, given by 'node', with all its agents; "
                      "to silence some agents add {fault: silent, agents: [3, 17]}"},
        {S_FK_LINKS, "a kill stops a whole node process, given by 'node'; for losses on some "
                     "links add {fault: loss, p: 0.1, links: between_groups}"},
        {S_FK_BETWEEN, "a kill stops one node process, given by 'node'; to cut the society in "
                       "two add {fault: partition, between: halves}"},
        {S_FK_MODE, "mode says what byzantine agents say instead of the truth; write "
                    "{fault: byzantine, agents: {share: 0.1}, mode: adversarial}"},
        {S_FK_LATE, "rounds_late says how many rounds late a delayed message arrives; for late "
                    "messages add {fault: delay, p: 0.1, rounds_late: 2}"},
    };
    char path[S_PATH];
    const s_node_t *x;
    uint64_t u;
    for (size_t i = 0; i < S_N(no); i++)
        if (vals[no[i].key])
            s_fault_foreign(c, keys[no[i].key], S_KILL, no[i].why);
    s_path(path, sizeof path, where, "node");
    if (!(x = vals[S_FK_NODE]))
        s_err(c, e,
              "missing key '%s'" S_HINT
              "required with fault 'kill': the node whose process is killed, an integer from 0 "
              "to nodes - 1, or coordinator",
              path);
    else if (x->kind == S_SCALAR && !x->quoted && x->len == 11 && !strcmp(x->text, "coordinator")) {
        kl->coordinator = 1; /* the coordinator kills itself; --resume goes on */
        *node_at = x;
    } else if (s_get_u64(c, x, path, 0, UINT32_MAX,
                         "an integer >= 0 (a node, from 0 to nodes - 1) or coordinator", &u) == 0) {
        kl->node = (uint32_t)u;
        *node_at = x;
    }
    s_path(path, sizeof path, where, "round");
    if (!(x = vals[S_FK_ROUND]))
        s_err(c, e,
              "missing key '%s'" S_HINT
              "required with fault 'kill': the round at whose start the node is killed, an "
              "integer in 1..rounds",
              path);
    else if (s_get_u64(c, x, path, 1, UINT64_MAX, "an integer >= 1 (a round)", &u) == 0) {
        if (c->rounds_ok && u > s->rounds) {
            if (s->rounds)
                s_err(c, x,
                      "'%s' is %" PRIu64 ", after the last round (rounds: %" PRIu64 ")" S_HINT
                      "a kill after the last round would never happen; give a round in "
                      "1..%" PRIu64,
                      path, u, s->rounds, s->rounds);
            else
                s_err(c, x,
                      "'%s' is %" PRIu64 ", but the run has no rounds (rounds: 0)" S_HINT
                      "a kill after the last round would never happen; raise rounds",
                      path, u);
        } else
            kl->round = u;
    }
    kl->rank = 0;
    if ((x = vals[S_FK_RANK])) {
        s_path(path, sizeof path, where, "rank");
        if (s_get_u64(c, x, path, 0, 65535, "an integer in 0..65535 (an MPI rank)", &u) == 0)
            kl->rank = (uint32_t)u;
    }
}

/* One entry of the faults list: a message or agent fault in *fc, or a kill in *kl. Its
 * kind (S_KILL for a kill), or -1 when it has none. */
static int s_fault(s_ctx_t *c, const s_node_t *e, size_t idx, const nn_scenario_t *s,
                   nn_fault_config_t *fc, nn_fault_kill_t *kl, const s_node_t **node_at)
{
    char where[S_PATH], path[S_PATH], list[128], why[256];
    const s_node_t *vals[S_FK_N], *keys[S_FK_N];
    memset(fc, 0, sizeof *fc);
    fc->kind = NN_FAULT_LOSS;
    fc->from_round = 1;
    fc->to_round = UINT64_MAX;
    fc->between = NN_BETWEEN_HALVES;
    fc->mode = NN_BYZANTINE_RANDOM;
    memset(kl, 0, sizeof *kl);
    *node_at = NULL;
    snprintf(where, sizeof where, "faults[%zu]", idx);
    if (s_want(c, e, S_MAP, where, "{fault: loss, p: 0.1}") != 0)
        return -1;
    s_join(s_fault_names, S_N(s_fault_names), list, sizeof list);
    s_fields(c, e, where, s_fault_keys, S_FK_N, vals, keys, NULL);
    const s_node_t *kv = vals[S_FK_FAULT];
    s_path(path, sizeof path, where, "fault");
    int k = -1;
    if (!kv)
        s_err(c, e, "missing key '%s'" S_HINT "required: one of %s", path, list);
    else
        k = s_get_enum(c, kv, path, s_fault_names, S_N(s_fault_names));
    if (k < 0)
        return -1;
    if (k == S_KILL) {
        s_fault_kill(c, e, where, vals, keys, s, kl, node_at);
        return k;
    }
    fc->kind = (nn_fault_kind_t)k;
    const s_node_t *x;
    if (vals[S_FK_NODE])
        s_fault_foreign(c, keys[S_FK_NODE], k,
                        "node says which node process a kill stops; write {fault: kill, node: 0, "
                        "round: 5}");
    if (vals[S_FK_RANK])
        s_fault_foreign(c, keys[S_FK_RANK], k,
                        "rank says whose node process a kill stops under mpirun; write {fault: "
                        "kill, node: 0, round: 5, rank: 1}");
    if (vals[S_FK_ROUND])
        s_fault_foreign(c, keys[S_FK_ROUND], k,
                        "round is the one round a kill acts in; for the rounds this fault acts "
                        "in write rounds: [first, last]");
    if (k == NN_FAULT_LOSS || k == NN_FAULT_DELAY || k == NN_FAULT_DUPLICATE) {
        /* the faults that take each message with chance p */
        static const char *const what[] = {
            [NN_FAULT_LOSS] = "a loss takes any message",
            [NN_FAULT_DELAY] = "a delay holds back any message",
            [NN_FAULT_DUPLICATE] = "a duplicate fault delivers any message twice",
        };
        static const char *const taken[] = {
            [NN_FAULT_LOSS] = "lost",
            [NN_FAULT_DELAY] = "delayed",
            [NN_FAULT_DUPLICATE] = "delivered twice",
        };
        char desc[96];
        if (vals[S_FK_BETWEEN]) {
            snprintf(why, sizeof why,
                     "%s with chance p, wherever it goes; to cut the society in two "
                     "add {fault: partition, between: halves}",
                     what[k]);
            s_fault_foreign(c, keys[S_FK_BETWEEN], k, why);
        }
        s_path(path, sizeof path, where, "agents");
        if ((x = vals[S_FK_AGENTS])) /* left out: every sender */
            s_fault_agents(c, x, path, fc);
        if ((x = vals[S_FK_LINKS])) {
            s_path(path, sizeof path, where, "links");
            int l = s_get_enum(c, x, path, s_links_names, S_N(s_links_names));
            if (l >= 0)
                fc->links = (nn_fault_links_t)l;
            if (l > NN_LINKS_ALL && c->groups_ok && s->structure.groups == NN_GROUPS_NONE)
                s_err(c, x,
                      "'%s' is '%s' but the structure has no groups" S_HINT
                      "add structure.groups, such as structure: {groups: {from: louvain}}, or "
                      "use links: all",
                      path, s_links_names[l]);
        }
        s_path(path, sizeof path, where, "p");
        snprintf(desc, sizeof desc, "a number in (0, 1] (the chance a message is %s)", taken[k]);
        if ((x = vals[S_FK_P]))
            s_get_num(c, x, path, 0.0, 1.0, 1, 0, desc, &fc->p);
        else
            s_err(c, e,
                  "missing key '%s'" S_HINT
                  "required with fault '%s': the chance a message is %s, a number in (0, 1]",
                  path, s_fault_names[k], taken[k]);
        if (k == NN_FAULT_DELAY) {
            uint64_t late = 1;
            s_path(path, sizeof path, where, "rounds_late");
            if ((x = vals[S_FK_LATE])) /* left at 1 when it is wrong */
                s_get_u64(c, x, path, 1, S_MAX_ROUNDS_LATE,
                          "an integer in 1..1000 (how many rounds late a message arrives)", &late);
            fc->delay = (uint32_t)late;
        }
    } else if (k == NN_FAULT_PARTITION) {
        if (vals[S_FK_P])
            s_fault_foreign(c, keys[S_FK_P], k,
                            "a partition loses every message between its sides, not some; for "
                            "a chance of loss add {fault: loss, p: 0.1}");
        if (vals[S_FK_AGENTS])
            s_fault_foreign(c, keys[S_FK_AGENTS], k,
                            "a partition cuts the society along 'between'; to silence some "
                            "agents add {fault: silent, agents: [3, 17]}");
        if ((x = vals[S_FK_BETWEEN])) {
            s_path(path, sizeof path, where, "between");
            int b = s_get_enum(c, x, path, s_between_names, S_N(s_between_names));
            if (b >= 0)
                fc->between = (nn_fault_between_t)b;
            if (b == NN_BETWEEN_GROUPS && c->groups_ok && s->structure.groups == NN_GROUPS_NONE)
                s_err(c, x,
                      "'%s' is 'groups' but the structure has no groups" S_HINT
                      "add structure.groups, such as structure: {groups: {from: louvain}}, or "
                      "use between: halves",
                      path);
        }
    } else {
        int silent = k == NN_FAULT_SILENT;
        if (vals[S_FK_P])
            s_fault_foreign(c, keys[S_FK_P], k,
                            silent ? "a silent fault loses every message from or to its agents, "
                                     "not some; for a chance of loss add {fault: loss, p: 0.1}"
                                   : "a byzantine agent's messages all arrive, with other values; "
                                     "for a chance of loss add {fault: loss, p: 0.1}");
        if (vals[S_FK_BETWEEN])
            s_fault_foreign(c, keys[S_FK_BETWEEN], k,
                            "it acts on the agents given by 'agents'; to cut the society in two "
                            "add {fault: partition, between: halves}");
        s_path(path, sizeof path, where, "agents");
        if ((x = vals[S_FK_AGENTS]))
            s_fault_agents(c, x, path, fc);
        else
            s_err(c, e,
                  "missing key '%s'" S_HINT
                  "required with fault '%s': its agents, a share such as {share: 0.05} or a "
                  "list of ids such as [3, 17, 42]",
                  path, s_fault_names[k]);
    }
    if (vals[S_FK_LINKS] && k != NN_FAULT_LOSS && k != NN_FAULT_DELAY && k != NN_FAULT_DUPLICATE) {
        static const char *const links_why[] = {
            [NN_FAULT_PARTITION] = "a partition's sides are given by 'between'; to cut every "
                                   "link between groups write between: groups",
            [NN_FAULT_SILENT] = "a silent fault loses every message from or to its agents, on "
                                "every link; for losses on some links add {fault: loss, p: 0.1, "
                                "links: between_groups}",
            [NN_FAULT_BYZANTINE] = "a byzantine agent lies on every link; for losses on some "
                                   "links add {fault: loss, p: 0.1, links: between_groups}",
        };
        s_fault_foreign(c, keys[S_FK_LINKS], k, links_why[k]);
    }
    if (vals[S_FK_LATE] && k != NN_FAULT_DELAY)
        s_fault_foreign(c, keys[S_FK_LATE], k,
                        "rounds_late says how many rounds late a delayed message arrives; for "
                        "late messages add {fault: delay, p: 0.1, rounds_late: 2}");
    if ((x = vals[S_FK_MODE])) {
        if (k != NN_FAULT_BYZANTINE)
            s_fault_foreign(c, keys[S_FK_MODE], k,
                            "mode says what byzantine agents say instead of the truth; write "
                            "{fault: byzantine, agents: {share: 0.1}, mode: adversarial}");
        else {
            s_path(path, sizeof path, where, "mode");
            int m = s_get_enum(c, x, path, s_mode_names, S_N(s_mode_names));
            if (m >= 0)
                fc->mode = (nn_byzantine_mode_t)m;
        }
    }
    if ((x = vals[S_FK_ROUNDS])) {
        s_path(path, sizeof path, where, "rounds");
        s_fault_rounds(c, x, path, fc);
    }
    return k;
}

static void s_faults(s_ctx_t *c, const s_node_t *v, nn_scenario_t *s)
{
    if (!v)
        return;
    if (s_want(c, v, S_SEQ, "faults", "[{fault: loss, p: 0.1, rounds: [10, 50]}]") != 0)
        return;
    if (v->n > NN_MAX_FAULTS) {
        s_err(c, v,
              "'faults' has %zu entries, more than %d" S_HINT
              "at most %d faults; one entry acts over a range of rounds",
              v->n, NN_MAX_FAULTS, NN_MAX_FAULTS);
        return;
    }
    /* the kills go to faults.kill[], the others to faults.f[], each in list order */
    size_t nf = 0, nk = 0;
    for (size_t i = 0; i < v->n; i++) {
        nn_fault_config_t fc;
        nn_fault_kill_t kl;
        const s_node_t *node_at;
        if (s_fault(c, v->kid[i], i, s, &fc, &kl, &node_at) == S_KILL) {
            c->kill_node_at[nk] = node_at;
            c->kill_idx[nk] = i;
            s->faults.kill[nk++] = kl;
        } else
            s->faults.f[nf++] = fc;
    }
    s->faults.n = nf;
    s->faults.n_kills = nk;
}

/* Each kill's node below 'nodes', once the whole scenario is read. */
static void s_check_kills(s_ctx_t *c, const nn_scenario_t *s)
{
    const uint64_t every = s->faults.checkpoint_every;
    for (size_t i = 0; i < s->faults.n_kills && i < NN_MAX_FAULTS; i++) {
        const nn_fault_kill_t *kl = &s->faults.kill[i];
        if (c->kill_node_at[i] && kl->coordinator && !every)
            s_err(c, c->kill_node_at[i],
                  "'faults[%zu]' kills the coordinator, but the run writes no checkpoint to go on "
                  "from" S_HINT "add recovery: {checkpoint_every: 10}, and continue the run with "
                  "nunchi run --resume RUN_DIR",
                  c->kill_idx[i]);
        else if (c->kill_node_at[i] && kl->coordinator && kl->round <= every)
            s_err(c, c->kill_node_at[i],
                  "'faults[%zu]' kills the coordinator in round %" PRIu64
                  ", before the first checkpoint (after round %" PRIu64 ")" S_HINT
                  "kill it after round %" PRIu64 ", or write checkpoints more often",
                  c->kill_idx[i], kl->round, every, every);
        if (c->kill_node_at[i] && !kl->coordinator && s->faults.kill[i].node >= s->nodes)
            s_err(c, c->kill_node_at[i],
                  "'faults[%zu].node' is %" PRIu32 ", not below nodes (%" PRIu32 ")" S_HINT
                  "nodes run from 0 to %" PRIu32 "; kill one of them, or raise nodes",
                  c->kill_idx[i], s->faults.kill[i].node, s->nodes, s->nodes - 1);
    }
}

/* recovery: {policy: fail | restart, restarts: N}; restarts is kept with policy fail, where
 * it is not used. */
static void s_recovery(s_ctx_t *c, const s_node_t *v, nn_scenario_t *s)
{
    static const char *const rk[] = {"policy", "restarts", "checkpoint_every"};
    const s_node_t *rv[3], *rkk[3];
    uint64_t x;
    if (!v || s_want(c, v, S_MAP, "recovery", "{policy: restart, restarts: 3}") != 0)
        return;
    s_fields(c, v, "recovery", rk, 3, rv, rkk, NULL);
    if (rv[0]) {
        int p = s_get_enum(c, rv[0], "recovery.policy", s_policy_names, S_N(s_policy_names));
        if (p >= 0)
            s->faults.recovery = (nn_recovery_policy_t)p;
    }
    if (rv[1] && s_get_u64(c, rv[1], "recovery.restarts", 0, S_MAX_RESTARTS,
                           "an integer in 0..1000 (the most restarts in a run)", &x) == 0)
        s->faults.restarts = (uint32_t)x;
    if (rv[2])
        s_get_u64(c, rv[2], "recovery.checkpoint_every", 0, UINT64_MAX,
                  "an integer >= 0 (a checkpoint every K rounds; 0: none)",
                  &s->faults.checkpoint_every);
}

/* Payoffs are summed in millionths as 64-bit integers per agent: a benefit of at most
 * 1000 keeps a hub with 10^7 cooperative messages received far from overflowing. */
#define S_MAX_BENEFIT 1000.0

static void s_game(s_ctx_t *c, const s_node_t *v, nn_game_config_t *g)
{
    static const char *const gk[] = {"benefit", "cost"};
    const s_node_t *vals[2], *keys[2];
    char desc[96];
    if (!v)
        return;
    if (s_want(c, v, S_MAP, "game", "{benefit: 3, cost: 1}") != 0)
        return;
    s_fields(c, v, "game", gk, 2, vals, keys, NULL);
    g->on = 1;
    int benefit_ok = 1;
    if (vals[0])
        benefit_ok = s_get_num(c, vals[0], "game.benefit", 0.0, S_MAX_BENEFIT, 1, 0,
                               "a number in (0, 1000]", &g->benefit) == 0;
    if (!vals[1])
        return;
    if (benefit_ok) {
        char b[40];
        s_fmt_double(g->benefit, b, sizeof b);
        size_t bl = strlen(b);
        if (bl > 2 && strcmp(b + bl - 2, ".0") == 0)
            b[bl - 2] = '\0';
        snprintf(desc, sizeof desc, "a number >= 0 and < game.benefit (%s)", b);
        s_get_num(c, vals[1], "game.cost", 0.0, g->benefit, 0, 1, desc, &g->cost);
    } else {
        s_get_num(c, vals[1], "game.cost", 0.0, HUGE_VAL, 0, 0, "a number >= 0", &g->cost);
    }
}

/* A chain of 1..NN_MAX_CHAIN protocols into chain / *n (unchanged unless all are valid);
 * item[i] is where entry i was written. 1 when valid. */
static int s_chain(s_ctx_t *c, const s_node_t *v, const char *path, int decision,
                   nn_protocol_t *chain, size_t *n, const s_node_t **item)
{
    char ip[S_PATH + 32];
    nn_protocol_t got[NN_MAX_CHAIN];
    if (s_want(c, v, S_SEQ, path,
               decision ? "[majority]" : "[mediation, arbitration, tolerance]") != 0)
        return 0;
    if (v->n == 0 || v->n > NN_MAX_CHAIN) {
        s_err(c, v,
              "'%s' must have 1..%d entries, got %zu" S_HINT
              "the protocols a case tries in turn, such as %s",
              path, NN_MAX_CHAIN, v->n,
              decision ? "[majority]" : "[mediation, arbitration, tolerance]");
        return 0;
    }
    size_t before = c->n_errs;
    memset(got, 0, sizeof got);
    for (size_t i = 0; i < v->n; i++) {
        snprintf(ip, sizeof ip, "%s[%zu]", path, i);
        int p = s_get_enum(c, v->kid[i], ip, s_proto_names, NN_PROTOCOLS);
        if (p < 0)
            continue;
        if (decision && p == NN_PROTO_NEGOTIATION) {
            s_err(c, v->kid[i],
                  "'%s' cannot be 'negotiation'" S_HINT
                  "negotiation is between exactly two parties, and a decision is a group's: use "
                  "majority, weighted, mediation, arbitration, deliberation or tolerance",
                  ip);
            continue;
        }
        got[i] = (nn_protocol_t)p;
        item[i] = v->kid[i];
    }
    if (c->n_errs != before)
        return 0;
    memcpy(chain, got, sizeof got);
    *n = v->n;
    return 1;
}

/* The third parties that a chain's protocols need. The error is at the chain entry, or at
 * `at` (the cases mapping) for the default chain; each protocol is checked once. */
static void s_chain_needs(s_ctx_t *c, const nn_scenario_t *s, nn_case_type_t t,
                          const s_node_t *const *item, const s_node_t *at, const s_node_t *by,
                          int *superior_done)
{
    const nn_cases_config_t *cc = &s->cases;
    const char *path = t == NN_CASE_COMPLAINT ? "cases.chain" : "decisions.chain";
    char list[256];
    int done[NN_PROTOCOLS] = {0};
    for (size_t i = 0; i < cc->n_chain[t]; i++) {
        nn_protocol_t p = cc->chain[t][i];
        nn_role_t role;
        if (done[p])
            continue;
        done[p] = 1;
        if (p == NN_PROTO_MEDIATION)
            role = NN_ROLE_MEDIATOR;
        else if (p == NN_PROTO_ARBITRATION && cc->arbiter_by == NN_ARBITER_ROLE)
            role = NN_ROLE_ARBITER;
        else {
            if (p == NN_PROTO_ARBITRATION && by && !*superior_done && c->hierarchy_ok &&
                s->structure.hierarchy == NN_HIERARCHY_NONE) {
                *superior_done = 1;
                s_err(c, by,
                      "'cases.arbitration.by' is 'superior' but structure.hierarchy is "
                      "'none'" S_HINT
                      "arbitration by superior takes a case to a party's superior, and nobody "
                      "has one: give structure.hierarchy a model, or use by: arbiter");
            }
            continue;
        }
        if (!c->roles_ok)
            continue;
        int64_t have = s_role_agents(c, &s->structure, role);
        if (have > 0)
            continue;
        const char *rn = s_role_names[role - NN_ROLE_MEDIATOR];
        const char *pn = s_proto_names[p];
        char subject[S_PATH + 128], fix[256];
        if (item) {
            snprintf(subject, sizeof subject, "'%s[%zu]' is '%s'%s, which", path, i, pn,
                     p == NN_PROTO_ARBITRATION ? " by arbiter" : "");
        } else {
            size_t n = 0;
            list[0] = '\0';
            for (size_t j = 0; j < cc->n_chain[t] && j < NN_MAX_CHAIN; j++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", j ? ", " : "",
                                      s_proto_names[cc->chain[t][j]]);
            snprintf(subject, sizeof subject, "'%s' is [%s] by default, and its '%s'%s", path, list,
                     pn, p == NN_PROTO_ARBITRATION ? " by arbiter" : "");
        }
        snprintf(fix, sizeof fix, "%s%s%s%s",
                 have < 0
                     ? (p == NN_PROTO_MEDIATION ? "add a rule such as {role: mediator, share: 0.01}"
                                                : "add a rule such as {role: arbiter, count: 5}")
                     : "give the rule a count or share of at least one agent",
                 p == NN_PROTO_ARBITRATION ? ", or use cases.arbitration.by: superior" : "",
                 item ? "" : "; or give the chain without ", item ? "" : pn);
        if (have < 0)
            s_err(c, item ? item[i] : at,
                  "%s needs %ss: no rule in 'structure.roles' gives the role %s" S_HINT "%s",
                  subject, rn, rn, fix);
        else
            s_err(c, item ? item[i] : at,
                  "%s needs %ss, but the %s rule in 'structure.roles' picks no "
                  "agents" S_HINT "%s",
                  subject, rn, rn, fix);
    }
}

/* cases: (complaints and every protocol's parameters) and decisions:, then what their
 * chains need of the structure. */
static void s_cases(s_ctx_t *c, const s_node_t *v, const s_node_t *dv, nn_scenario_t *s)
{
    static const char *const ck[] = {"chain",       "jury",         "max_open",
                                     "turnout",     "mediation",    "negotiation",
                                     "arbitration", "deliberation", "complaints"};
    static const char *const bools[] = {"false", "true"};
    static const char *const dk[] = {"every", "scope", "chain", "options"};
    nn_cases_config_t *cc = &s->cases;
    const s_node_t *vals[9], *keys[9], *sub[3], *subk[3];
    const s_node_t *citem[NN_MAX_CHAIN] = {NULL}, *ditem[NN_MAX_CHAIN] = {NULL};
    const s_node_t *by = NULL;
    int cases_ok = 0, dec_ok = 0, by_ok = 1, cchain_given = 0, dchain_given = 0;
    if (v && s_want(c, v, S_MAP, "cases", "{chain: [mediation, arbitration, tolerance]}") == 0) {
        cc->complaints = 1;
        s_fields(c, v, "cases", ck, 9, vals, keys, NULL);
        cases_ok = 1;
        /* complaints: false keeps the protocols' parameters for decisions alone */
        if (vals[8]) {
            int b = s_get_enum(c, vals[8], "cases.complaints", bools, 2);
            if (b >= 0)
                cc->complaints = b;
        }
        if (vals[0]) {
            cchain_given = 1;
            cases_ok = s_chain(c, vals[0], "cases.chain", 0, cc->chain[NN_CASE_COMPLAINT],
                               &cc->n_chain[NN_CASE_COMPLAINT], citem);
        }
        if (vals[1])
            s_get_u32(c, vals[1], "cases.jury", 0, 1000, "", &cc->jury);
        if (vals[2])
            s_get_u32(c, vals[2], "cases.max_open", 1, UINT32_MAX, "", &cc->max_open);
        if (vals[3])
            s_get_num(c, vals[3], "cases.turnout", 0.0, 1.0, 1, 0, "a number in (0, 1]",
                      &cc->turnout);
        if (vals[4] &&
            s_want(c, vals[4], S_MAP, "cases.mediation", "{rounds: 5, step: 0.25}") == 0) {
            static const char *const mk[] = {"rounds", "step"};
            s_fields(c, vals[4], "cases.mediation", mk, 2, sub, subk, NULL);
            if (sub[0])
                s_get_u32(c, sub[0], "cases.mediation.rounds", 1, UINT32_MAX, "",
                          &cc->mediation_rounds);
            if (sub[1])
                s_get_num(c, sub[1], "cases.mediation.step", 0.0, 1.0, 1, 0, "a number in (0, 1]",
                          &cc->mediation_step);
        }
        if (vals[5] && s_want(c, vals[5], S_MAP, "cases.negotiation", "{rounds: 6}") == 0) {
            static const char *const nk[] = {"rounds"};
            s_fields(c, vals[5], "cases.negotiation", nk, 1, sub, subk, NULL);
            if (sub[0])
                s_get_u32(c, sub[0], "cases.negotiation.rounds", 1, UINT32_MAX, "",
                          &cc->negotiation_rounds);
        }
        if (vals[6] && s_want(c, vals[6], S_MAP, "cases.arbitration", "{by: arbiter}") == 0) {
            static const char *const ak[] = {"by"};
            s_fields(c, vals[6], "cases.arbitration", ak, 1, sub, subk, NULL);
            if (sub[0]) {
                int b = s_get_enum(c, sub[0], "cases.arbitration.by", s_arbiter_names, 2);
                if (b >= 0)
                    cc->arbiter_by = (nn_arbiter_by_t)b;
                by_ok = b >= 0;
                by = b == NN_ARBITER_SUPERIOR ? sub[0] : NULL;
            }
        } else if (vals[6]) {
            by_ok = 0;
        }
        if (vals[7] && s_want(c, vals[7], S_MAP, "cases.deliberation",
                              "{rounds: 10, confidence: 0.3, epsilon: 0.05}") == 0) {
            static const char *const lk[] = {"rounds", "confidence", "epsilon"};
            s_fields(c, vals[7], "cases.deliberation", lk, 3, sub, subk, NULL);
            if (sub[0])
                s_get_u32(c, sub[0], "cases.deliberation.rounds", 1, UINT32_MAX, "",
                          &cc->deliberation_rounds);
            if (sub[1])
                s_get_num(c, sub[1], "cases.deliberation.confidence", 0.0, 1.0, 1, 0,
                          "a number in (0, 1]", &cc->deliberation_confidence);
            if (sub[2])
                s_get_num(c, sub[2], "cases.deliberation.epsilon", 0.0, 1.0, 1, 0,
                          "a number in (0, 1]", &cc->deliberation_epsilon);
        }
    }
    if (dv && s_want(c, dv, S_MAP, "decisions", "{every: 10}") == 0) {
        s_fields(c, dv, "decisions", dk, 4, vals, keys, NULL);
        dec_ok = 1;
        if (!vals[0])
            s_err(c, dv,
                  "missing key 'decisions.every'" S_HINT
                  "required: a decision is taken every this many rounds, an integer >= 1");
        else if (s_get_u32(c, vals[0], "decisions.every", 1, UINT32_MAX, " (rounds)",
                           &cc->decisions_every) != 0)
            dec_ok = 0;
        if (vals[1]) {
            int sc = s_get_enum(c, vals[1], "decisions.scope", s_dscope_names, 2);
            if (sc >= 0)
                cc->decisions_scope = (nn_decision_scope_t)sc;
        }
        dchain_given = vals[2] != NULL;
        if (vals[2] && !s_chain(c, vals[2], "decisions.chain", 1, cc->chain[NN_CASE_DECISION],
                                &cc->n_chain[NN_CASE_DECISION], ditem))
            dec_ok = 0;
        if (vals[3])
            s_get_u32(c, vals[3], "decisions.options", 2, 101, "", &cc->options);
        if (!vals[0])
            dec_ok = 0;
    }
    /* a chain left out is the default, which names no place of its own */
    int superior_done = 0;
    if (!by_ok)
        return;
    if (cases_ok && cc->complaints) /* complaints: false has no complaint chain to check */
        s_chain_needs(c, s, NN_CASE_COMPLAINT, cchain_given ? citem : NULL, v, by, &superior_done);
    if (dec_ok)
        s_chain_needs(c, s, NN_CASE_DECISION, dchain_given ? ditem : NULL, dv, by, &superior_done);
    /* a third party must not be a member, and a decision of the whole society (or of
     * the one group there is without groups) has every agent as a member */
    if (dec_ok && c->n_errs == 0 &&
        (cc->decisions_scope == NN_SCOPE_SOCIETY || s->structure.groups == NN_GROUPS_NONE))
        for (size_t i = 0; i < cc->n_chain[NN_CASE_DECISION]; i++) {
            nn_protocol_t p = cc->chain[NN_CASE_DECISION][i];
            if (p != NN_PROTO_MEDIATION &&
                !(p == NN_PROTO_ARBITRATION && cc->arbiter_by == NN_ARBITER_ROLE))
                continue;
            s_err(c, dchain_given && ditem[i] ? ditem[i] : dv,
                  "'decisions.chain' uses %s, whose %s must not be a member, but %s every agent "
                  "is a member" S_HINT
                  "use groups (structure.groups) with scope: group, arbitration by: superior, "
                  "or a vote or deliberation",
                  p == NN_PROTO_MEDIATION ? "mediation" : "arbitration by an arbiter",
                  p == NN_PROTO_MEDIATION ? "mediator" : "arbiter",
                  cc->decisions_scope == NN_SCOPE_SOCIETY ? "in a decision of the whole society"
                                                          : "without groups (one group)");
            break;
        }
}

static void s_trends(s_ctx_t *c, const s_node_t *v, nn_trends_config_t *t)
{
    static const char *const tk[] = {"every", "seeds", "max"};
    const s_node_t *vals[3], *keys[3];
    char desc[96];
    if (!v)
        return;
    if (s_want(c, v, S_MAP, "trends", "{every: 20, seeds: 5}") != 0)
        return;
    s_fields(c, v, "trends", tk, 3, vals, keys, NULL);
    if (!vals[0])
        s_err(c, v,
              "missing key 'trends.every'" S_HINT
              "required: a trend appears every this many rounds, an integer >= 1");
    else
        s_get_u32(c, vals[0], "trends.every", 1, UINT32_MAX, " (rounds)", &t->every);
    if (vals[1]) {
        uint64_t x;
        if (c->agents_ok)
            snprintf(desc, sizeof desc, "an integer in 1..%" PRIu32 " (agents)", c->agents);
        else
            snprintf(desc, sizeof desc, "an integer >= 1");
        if (s_get_u64(c, vals[1], "trends.seeds", 1, c->agents_ok ? c->agents : UINT32_MAX, desc,
                      &x) == 0)
            t->seeds = (uint32_t)x;
    }
    if (vals[2])
        s_get_u32(c, vals[2], "trends.max", 1, NN_MAX_TRENDS, "", &t->max);
    /* the default of 5 seeds, in a society of fewer agents, is all of them */
    if (!vals[1] && c->agents_ok && t->seeds > c->agents)
        t->seeds = c->agents;
}

/* " (resolved against the scenario's directory: 'PATH')" when the path as written is not
 * the one opened, else "": for messages about a file. */
static void s_resolved_note(const char *given, const char *resolved, char *buf, size_t len)
{
    buf[0] = '\0';
    if (strcmp(given, resolved) != 0)
        snprintf(buf, len, " (resolved against the scenario's directory: '%s')", resolved);
}

/* security: {curve: {secret_key: FILE, authorized_keys: DIR}}. The files are looked at,
 * not read: the key file's format is the link layer's to check when it loads it. */
static void s_curve_file(s_ctx_t *c, const s_node_t *v, const char *given, const char *resolved)
{
    struct stat st;
    char shown[4200];
    s_resolved_note(given, resolved, shown, sizeof shown);
    /* the stem that `nunchi keygen` takes, run from where the scenario was loaded */
    char stem[4096];
    size_t rl = strlen(resolved), sl = sizeof ".key_secret" - 1;
    int has_ext = rl > sl && strcmp(resolved + rl - sl, ".key_secret") == 0;
    snprintf(stem, sizeof stem, "%.*s", (int)(has_ext ? rl - sl : rl), resolved);
    if (stat(resolved, &st) == 0 && S_ISDIR(st.st_mode)) {
        s_err(c, v,
              "'security.curve.secret_key': '%s' is a directory, not a key file%s" S_HINT
              "name the coordinator's secret key, NAME.key_secret, written by: nunchi keygen "
              "NAME",
              given, shown);
        return;
    }
    FILE *f = fopen(resolved, "rb");
    if (!f) {
        const char *why = strerror(errno);
        if (has_ext)
            s_err(c, v,
                  "'security.curve.secret_key': cannot read '%s': %s%s" S_HINT
                  "write one with: nunchi keygen %s",
                  given, why, shown, stem);
        else
            s_err(c, v,
                  "'security.curve.secret_key': cannot read '%s': %s%s" S_HINT
                  "name the coordinator's secret key, NAME.key_secret, written by: nunchi "
                  "keygen NAME",
                  given, why, shown);
        return;
    }
    fclose(f);
}

static void s_curve_dir(s_ctx_t *c, const s_node_t *v, const char *given, const char *resolved)
{
    struct stat st;
    char shown[4200];
    s_resolved_note(given, resolved, shown, sizeof shown);
    if (stat(resolved, &st) != 0) {
        s_err(c, v,
              "'security.curve.authorized_keys': no directory '%s': %s%s" S_HINT
              "make it and put in it each authorized node's public key, the NAME.key that "
              "nunchi keygen NAME writes",
              given, strerror(errno), shown);
        return;
    }
    if (!S_ISDIR(st.st_mode))
        s_err(c, v,
              "'security.curve.authorized_keys': '%s' is not a directory%s" S_HINT
              "name a directory holding each authorized node's public key, the NAME.key that "
              "nunchi keygen NAME writes",
              given, shown);
}

static void s_security(s_ctx_t *c, const s_node_t *v, const char *base, nn_security_config_t *sec)
{
    static const char *const sk[] = {"curve"};
    static const char *const ck[] = {"secret_key", "authorized_keys"};
    const s_node_t *vals[2], *keys[2];
    if (!v)
        return;
    if (s_want(c, v, S_MAP, "security",
               "{curve: {secret_key: keys/coordinator.key_secret, authorized_keys: "
               "keys/authorized}}") != 0)
        return;
    s_fields(c, v, "security", sk, 1, vals, keys, NULL);
    const s_node_t *cv = vals[0];
    if (!cv) {
        s_err(c, v,
              "missing key 'security.curve'" S_HINT
              "required: {secret_key: FILE, authorized_keys: DIR}, the coordinator's "
              "NAME.key_secret and a directory of the nodes' NAME.key files");
        return;
    }
    if (s_want(c, cv, S_MAP, "security.curve",
               "{secret_key: keys/coordinator.key_secret, authorized_keys: keys/authorized}") != 0)
        return;
    s_fields(c, cv, "security.curve", ck, 2, vals, keys, NULL);
    nn_curve_config_t *cu = &sec->curve;
    cu->on = 1;
    if (!vals[0])
        s_err(c, cv,
              "missing key 'security.curve.secret_key'" S_HINT
              "required with authorized_keys: the coordinator's secret key file, "
              "NAME.key_secret from nunchi keygen NAME");
    if (!vals[1])
        s_err(c, cv,
              "missing key 'security.curve.authorized_keys'" S_HINT
              "required with secret_key: a directory of the authorized nodes' public keys, "
              "their NAME.key files");
    if (vals[0]) {
        s_file_path(c, vals[0], "security.curve.secret_key", base, cu->secret_key_given,
                    sizeof cu->secret_key_given, cu->secret_key, cu->secret_key_where,
                    sizeof cu->secret_key_where);
        if (cu->secret_key[0])
            s_curve_file(c, vals[0], cu->secret_key_given, cu->secret_key);
    }
    if (vals[1]) {
        s_get_str(c, vals[1], "security.curve.authorized_keys", cu->authorized_keys_given,
                  sizeof cu->authorized_keys_given, "a directory path (a non-empty string)");
        if (cu->authorized_keys_given[0]) {
            char *loc = s_loc(c, vals[1]->origin, vals[1]->line, vals[1]->col);
            if (loc)
                snprintf(cu->authorized_keys_where, sizeof cu->authorized_keys_where,
                         "'security.curve.authorized_keys' at %s", loc);
            free(loc);
            if (s_resolve(base, cu->authorized_keys_given, cu->authorized_keys,
                          sizeof cu->authorized_keys) != 0)
                s_err(c, vals[1],
                      "'security.curve.authorized_keys' resolves to a path longer "
                      "than %zu bytes",
                      sizeof cu->authorized_keys - 1);
            else
                s_curve_dir(c, vals[1], cu->authorized_keys_given, cu->authorized_keys);
        }
    }
}

/* ---- llm ----------------------------------------------------------------------------- */

/* llm: the language-model section. It is read into a JSON object (s->llm) in the shape
 * that the nodes are handed, every default filled in, so that the node side reads one
 * document and not this schema. API keys never pass through here: an endpoint names the
 * environment variable that holds its key (api_key_env), which the node reads. */
#define S_LLM_ENDPOINTS 64
#define S_LLM_URL       512 /* bytes, NUL included: the limits are "< N bytes" */
#define S_LLM_MODEL     128
#define S_LLM_KEY_ENV   64
#define S_LLM_NAME      32
#define S_LLM_STANCE    96
#define S_LLM_PERSONAS  4096
#define S_LLM_TRAITS    8
#define S_LLM_ENDPOINT  "{url: http://127.0.0.1:8089/v1, model: scripted}"

/* Sets obj's key to val (stolen), or marks the context out of memory. */
static void s_jset(s_ctx_t *c, json_t *obj, const char *key, json_t *val)
{
    if (!obj || !val || json_object_set_new(obj, key, val) != 0)
        c->oom = 1;
}

static void s_jpush(s_ctx_t *c, json_t *arr, json_t *val)
{
    if (!arr || !val || json_array_append_new(arr, val) != 0)
        c->oom = 1;
}

/* An environment variable's name: letters, digits and '_'. A value that is not one is
 * never quoted back, since it may be a key pasted in by mistake. */
static void s_llm_key_env(s_ctx_t *c, const s_node_t *v, const char *path, char *env)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    if (v->kind == S_SCALAR && v->len && strlen(v->text) == v->len &&
        (v->len >= S_LLM_KEY_ENV || v->text[strspn(v->text, ok)])) {
        s_err(c, v,
              "'%s' must be the name of an environment variable (letters, digits and '_', "
              "at most %d bytes), not a key" S_HINT
              "put the key in the environment, such as export OPENAI_API_KEY=..., and write "
              "api_key_env: OPENAI_API_KEY; a key itself never goes in a scenario",
              path, S_LLM_KEY_ENV - 1);
        return;
    }
    s_get_str(c, v, path, env, S_LLM_KEY_ENV, "the name of an environment variable");
}

static void s_llm_endpoint(s_ctx_t *c, const s_node_t *e, size_t i, json_t *arr)
{
    static const char *const ek[] = {"url", "model", "api_key_env", "max_concurrency"};
    const s_node_t *vals[4], *keys[4];
    char where[S_PATH], path[S_PATH], shown[S_SHOW + 8];
    char url[S_LLM_URL] = "", model[S_LLM_MODEL] = "", env[S_LLM_KEY_ENV] = "";
    uint64_t conc = 8;
    snprintf(where, sizeof where, "llm.endpoints[%zu]", i);
    if (s_want(c, e, S_MAP, where, S_LLM_ENDPOINT) != 0)
        return;
    s_fields(c, e, where, ek, 4, vals, keys, NULL);
    s_path(path, sizeof path, where, "url");
    if (!vals[0]) {
        s_err(c, e,
              "missing key '%s'" S_HINT
              "required: the base URL of an OpenAI-compatible API, such as "
              "http://127.0.0.1:8089/v1",
              path);
    } else if (s_get_str(c, vals[0], path, url, sizeof url,
                         "a URL such as http://127.0.0.1:8089/v1") == 0) {
        size_t scheme = strncmp(url, "http://", 7) == 0    ? 7
                        : strncmp(url, "https://", 8) == 0 ? 8
                                                           : 0;
        int blank = 0;
        for (const unsigned char *p = (const unsigned char *)url; *p; p++)
            blank |= *p <= 0x20 || *p == 0x7f;
        s_clean(url, strlen(url), shown, sizeof shown);
        if (!scheme)
            s_err(c, vals[0],
                  "'%s' is '%s', not an http:// or https:// URL" S_HINT
                  "such as http://127.0.0.1:8089/v1: the API's base, without /chat/completions",
                  path, shown);
        else if (!url[scheme])
            s_err(c, vals[0],
                  "'%s' is '%s', which names no host" S_HINT "such as http://127.0.0.1:8089/v1",
                  path, shown);
        else if (blank)
            s_err(c, vals[0],
                  "'%s' has a space or a control character" S_HINT
                  "percent-encode it, such as %%20 for a space",
                  path);
    }
    s_path(path, sizeof path, where, "model");
    if (!vals[1])
        s_err(c, e,
              "missing key '%s'" S_HINT
              "required: the model the endpoint serves, such as gpt-4o-mini",
              path);
    else
        s_get_str(c, vals[1], path, model, sizeof model, "a model name such as gpt-4o-mini");
    s_path(path, sizeof path, where, "api_key_env");
    if (vals[2])
        s_llm_key_env(c, vals[2], path, env);
    s_path(path, sizeof path, where, "max_concurrency");
    if (vals[3])
        s_get_u64(c, vals[3], path, 1, 4096, "an integer in 1..4096", &conc);
    json_t *o = json_object();
    s_jset(c, o, "url", json_string(url));
    s_jset(c, o, "model", json_string(model));
    s_jset(c, o, "api_key_env", json_string(env));
    s_jset(c, o, "max_concurrency", json_integer((json_int_t)conc));
    s_jpush(c, arr, o);
}

static void s_llm_endpoints(s_ctx_t *c, const s_node_t *llm, const s_node_t *v, json_t *out)
{
    json_t *arr = json_array();
    s_jset(c, out, "endpoints", arr);
    if (!v) {
        s_err(c, llm,
              "missing key 'llm.endpoints'" S_HINT
              "required: 1..%d endpoints that the llm agents ask, such as "
              "[" S_LLM_ENDPOINT "]",
              S_LLM_ENDPOINTS);
        return;
    }
    if (s_want(c, v, S_SEQ, "llm.endpoints", "[" S_LLM_ENDPOINT "]") != 0)
        return;
    if (v->n == 0 || v->n > S_LLM_ENDPOINTS) {
        s_err(c, v, "'llm.endpoints' must have 1..%d entries, got %zu" S_HINT "such as [%s]",
              S_LLM_ENDPOINTS, v->n, S_LLM_ENDPOINT);
        return;
    }
    for (size_t i = 0; i < v->n; i++)
        s_llm_endpoint(c, v->kid[i], i, arr);
}

/* llm.fallback: the behaviour that decides for an llm agent whose request failed, with
 * constant parameters (one value for every such agent). */
static void s_llm_fallback(s_ctx_t *c, const s_node_t *v, json_t *out)
{
    static const char *const fk[] = {"behaviour", "params"};
    const s_node_t *vals[2], *keys[2];
    const char *known[NN_MAX_BEHAVIOURS], *names[NN_MAX_PARAMS] = {NULL};
    char list[1024], plist[512], got[S_SHOW + 32];
    double par[NN_MAX_PARAMS];
    size_t n_known = 0, all;
    s_behaviour_names(known, &all);
    for (size_t i = 0; i < all; i++)
        if (strcmp(known[i], "llm") != 0)
            known[n_known++] = known[i];
    s_join(known, n_known, list, sizeof list);
    const nn_behaviour_ops_t *ops = nn_behaviour_find("stubborn");
    vals[0] = vals[1] = NULL;
    if (v && s_want(c, v, S_MAP, "llm.fallback", "{behaviour: deffuant, params: {d: 0.2}}") == 0) {
        s_fields(c, v, "llm.fallback", fk, 2, vals, keys, NULL);
        const s_node_t *bv = vals[0];
        if (!bv) {
            s_err(c, v,
                  "missing key 'llm.fallback.behaviour'" S_HINT
                  "required: the behaviour that decides for an llm agent whose request "
                  "failed, one of %s",
                  list);
            ops = NULL;
        } else if (s_is_key(bv, "llm") || s_is_key(bv, NN_BEHAVIOUR_EXTERNAL)) {
            s_err(c, bv,
                  "'llm.fallback.behaviour' cannot be '%s'" S_HINT
                  "the fallback decides when the language model does not, so it is a "
                  "built-in behaviour: one of %s",
                  bv->text, list);
            ops = NULL;
        } else if (bv->kind != S_SCALAR || strlen(bv->text) != bv->len ||
                   !(ops = nn_behaviour_find(bv->text))) {
            s_show(bv, got, sizeof got);
            const char *sug = bv->kind == S_SCALAR ? s_suggest(bv->text, known, n_known) : NULL;
            if (sug)
                s_err(c, bv,
                      "unknown behaviour %s in 'llm.fallback.behaviour'" S_HINT
                      "did you mean '%s'? known: %s",
                      got, sug, list);
            else
                s_err(c, bv, "unknown behaviour %s in 'llm.fallback.behaviour'" S_HINT "known: %s",
                      got, list);
            ops = NULL;
        } else if (ops->binary_state || ops->prepare) {
            s_err(c, bv,
                  "'llm.fallback.behaviour' cannot be '%s'" S_HINT
                  "an llm agent's opinion lies in [0, 1] and its fallback steps it alone: one "
                  "of stubborn, deffuant, degroot, hk, voter, citizen",
                  bv->text);
            ops = NULL;
        }
    }
    size_t np = ops ? (ops->n_params < NN_MAX_PARAMS ? ops->n_params : NN_MAX_PARAMS) : 0;
    for (size_t i = 0; i < np; i++) {
        names[i] = ops->params[i].name;
        par[i] = ops->params[i].def;
    }
    s_join(names, np, plist, sizeof plist);
    const s_node_t *pv = vals[1];
    if (pv && s_want(c, pv, S_MAP, "llm.fallback.params", "{d: 0.2}") == 0 && ops) {
        nn_population_t tmp;
        memset(&tmp, 0, sizeof tmp);
        memcpy(tmp.params, par, sizeof par);
        s_params(c, pv, "llm.fallback.params", ops, &tmp,
                 "a fallback's parameters are constants: one value serves every llm agent "
                 "whose request failed");
        memcpy(par, tmp.params, sizeof par);
    }
    json_t *o = json_object(), *po = json_object();
    s_jset(c, out, "fallback", o);
    s_jset(c, o, "behaviour", json_string(ops ? ops->name : ""));
    s_jset(c, o, "params", po);
    for (size_t i = 0; i < np; i++)
        s_jset(c, po, names[i], json_real(par[i]));
}

/* A sequence of 0..S_LLM_PERSONAS non-empty strings, each shorter than cap bytes. */
static void s_llm_strings(s_ctx_t *c, const s_node_t *v, const char *path, size_t cap,
                          const char *example, json_t *out, const char *key)
{
    char ip[S_PATH + 16], buf[S_LLM_STANCE];
    json_t *arr = json_array();
    s_jset(c, out, key, arr);
    if (!v || s_want(c, v, S_SEQ, path, example) != 0)
        return;
    if (v->n > S_LLM_PERSONAS) {
        s_err(c, v, "'%s' has %zu entries, more than %d", path, v->n, S_LLM_PERSONAS);
        return;
    }
    for (size_t i = 0; i < v->n; i++) {
        snprintf(ip, sizeof ip, "%s[%zu]", path, i);
        if (s_get_str(c, v->kid[i], ip, buf, cap, "a non-empty string") == 0)
            s_jpush(c, arr, json_string(buf));
    }
}

/* llm.personas.traits: up to S_LLM_TRAITS names, each a number in [0, 1] or a
 * distribution drawn per agent, as population parameters are written; kept in order. */
static void s_llm_traits(s_ctx_t *c, const s_node_t *v, json_t *out)
{
    static const nn_param_spec_t spec = {"trait", 0.5, 0.0, 1.0, "trait"};
    const s_node_t *seen[S_LLM_TRAITS];
    char path[S_PATH], got[S_SHOW + 32];
    json_t *arr = json_array();
    s_jset(c, out, "traits", arr);
    if (!v || s_want(c, v, S_MAP, "llm.personas.traits", "{agreeableness: {uniform: [0.2, 0.9]}}"))
        return;
    if (v->n / 2 > S_LLM_TRAITS) {
        s_err(c, v, "'llm.personas.traits' has %zu traits, more than %d", v->n / 2, S_LLM_TRAITS);
        return;
    }
    size_t n = 0;
    for (size_t p = 0; p + 1 < v->n; p += 2) {
        const s_node_t *k = v->kid[p], *x = v->kid[p + 1];
        if (k->kind != S_SCALAR || k->len == 0 || strlen(k->text) != k->len ||
            k->len >= S_LLM_NAME) {
            s_show(k, got, sizeof got);
            s_err(c, k,
                  "a key in 'llm.personas.traits' must be a trait name of 1..%d bytes, got %s",
                  S_LLM_NAME - 1, got);
            continue;
        }
        s_path(path, sizeof path, "llm.personas.traits", k->text);
        size_t j = 0;
        while (j < n && !s_is_key(seen[j], k->text))
            j++;
        if (j < n) {
            s_err_duplicate(c, k, path, seen[j]);
            continue;
        }
        seen[n++] = k;
        nn_population_t tmp;
        memset(&tmp, 0, sizeof tmp);
        size_t before = c->n_errs;
        if (x->kind == S_MAP)
            s_dist(c, x, path, &spec, &tmp, 0);
        else
            s_get_num(c, x, path, 0.0, 1.0, 0, 0, "a number in [0, 1] or a distribution",
                      &tmp.params[0]);
        if (c->n_errs != before)
            continue;
        const char *dist = tmp.dist[0] == NN_DIST_UNIFORM  ? "uniform"
                           : tmp.dist[0] == NN_DIST_NORMAL ? "normal"
                                                           : "constant";
        json_t *t = json_object();
        s_jset(c, t, "name", json_string(k->text));
        s_jset(c, t, "dist", json_string(dist));
        s_jset(c, t, "a", json_real(tmp.params[0]));
        s_jset(c, t, "b", json_real(tmp.param_b[0]));
        s_jpush(c, arr, t);
    }
}

static void s_llm_personas(s_ctx_t *c, const s_node_t *v, json_t *out)
{
    static const char *const pk[] = {"names", "stances", "traits"};
    const s_node_t *vals[3] = {NULL, NULL, NULL}, *keys[3];
    json_t *o = json_object();
    s_jset(c, out, "personas", o);
    if (v && s_want(c, v, S_MAP, "llm.personas", "{names: [Minji, Jun]}") == 0)
        s_fields(c, v, "llm.personas", pk, 3, vals, keys, NULL);
    s_llm_strings(c, vals[0], "llm.personas.names", S_LLM_NAME, "[Minji, Jun]", o, "names");
    s_llm_strings(c, vals[1], "llm.personas.stances", S_LLM_STANCE, "[\"cautious about change\"]",
                  o, "stances");
    s_llm_traits(c, vals[2], o);
}

/* PATH made absolute against the current directory, its directory made canonical when it
 * exists (the file itself may not: the nodes write llm.record). 0, -1 (too long) or -2
 * (no current directory). */
static int s_absolute(const char *p, char *out, size_t cap)
{
    char joined[4096], dir[4096], real[PATH_MAX];
    if (p[0] == '/') {
        if (s_copy(joined, sizeof joined, p) != 0)
            return -1;
    } else {
        if (!getcwd(dir, sizeof dir))
            return -2;
        if (s_resolve(dir, p, joined, sizeof joined) != 0)
            return -1;
    }
    const char *slash = strrchr(joined, '/'), *name = slash + 1;
    size_t dl = slash == joined ? 1 : (size_t)(slash - joined);
    if (*name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
        memcpy(dir, joined, dl);
        dir[dl] = '\0';
        if (realpath(dir, real)) {
            int n = snprintf(out, cap, "%s/%s", strcmp(real, "/") ? real : "", name);
            return n < 0 || (size_t)n >= cap ? -1 : 0;
        }
    }
    return s_copy(out, cap, joined);
}

/* llm.record or llm.replay: kept as written in given, and absolute in abs ("" on error). */
static void s_llm_path(s_ctx_t *c, const s_node_t *v, const char *path, const char *base,
                       char *given, char *abs, size_t cap)
{
    char resolved[4096] = "", where[4200];
    abs[0] = '\0';
    s_file_path(c, v, path, base, given, cap, resolved, where, sizeof where);
    if (!resolved[0])
        return;
    int rc = s_absolute(resolved, abs, cap);
    if (rc == -1)
        s_err(c, v, "'%s' resolves to a path longer than %zu bytes", path, cap - 1);
    else if (rc == -2)
        s_err(c, v,
              "'%s': cannot resolve '%s' against the current directory: %s" S_HINT
              "write an absolute path",
              path, given, strerror(errno));
    if (rc != 0)
        abs[0] = '\0';
}

static void s_llm_files(s_ctx_t *c, const s_node_t *rv, const s_node_t *pv, const char *base,
                        nn_scenario_t *s, json_t *out)
{
    char rec[4096] = "", rep[4096] = "", shown[4200];
    struct stat st, st2;
    if (rv) {
        s_llm_path(c, rv, "llm.record", base, s->llm_record_given, rec, sizeof rec);
        s_resolved_note(s->llm_record_given, rec, shown, sizeof shown);
        size_t gl = strlen(s->llm_record_given);
        if (rec[0] && ((gl && s->llm_record_given[gl - 1] == '/') ||
                       (stat(rec, &st) == 0 && S_ISDIR(st.st_mode)))) {
            s_err(c, rv,
                  "'llm.record': '%s' is a directory%s" S_HINT
                  "name a file for the nodes to write, such as llm-record.jsonl",
                  s->llm_record_given, shown);
            rec[0] = '\0';
        }
    }
    if (pv) {
        s_llm_path(c, pv, "llm.replay", base, s->llm_replay_given, rep, sizeof rep);
        s_resolved_note(s->llm_replay_given, rep, shown, sizeof shown);
        FILE *f = NULL;
        if (rep[0] && stat(rep, &st) == 0 && S_ISDIR(st.st_mode)) {
            s_err(c, pv,
                  "'llm.replay': '%s' is a directory, not a recording%s" S_HINT
                  "name the file that llm.record wrote in an earlier run",
                  s->llm_replay_given, shown);
            rep[0] = '\0';
        } else if (rep[0] && !(f = fopen(rep, "rb"))) {
            s_err(c, pv,
                  "'llm.replay': cannot read '%s': %s%s" S_HINT
                  "replay reads what llm.record wrote in an earlier run: record one first",
                  s->llm_replay_given, strerror(errno), shown);
            rep[0] = '\0';
        }
        if (f)
            fclose(f);
    }
    if (rec[0] && rep[0] &&
        (strcmp(rec, rep) == 0 || (stat(rec, &st) == 0 && stat(rep, &st2) == 0 &&
                                   st.st_dev == st2.st_dev && st.st_ino == st2.st_ino)))
        s_err(c, pv,
              "'llm.record' and 'llm.replay' are the same file '%s'" S_HINT
              "recording would overwrite the recording being replayed: give record another "
              "file, or leave it out",
              rep);
    s_jset(c, out, "record", rec[0] ? json_string(rec) : json_null());
    s_jset(c, out, "replay", rep[0] ? json_string(rep) : json_null());
}

static void s_llm(s_ctx_t *c, const s_node_t *v, const char *base, nn_scenario_t *s)
{
    static const char *const lk[] = {
        "endpoints",         "temperature",   "max_tokens", "timeout_s",
        "connect_timeout_s", "retries",       "backoff_s",  "backoff_max_s",
        "retry_after_max_s", "memory",        "seed",       "fallback",
        "personas",          "budget_tokens", "record",     "replay"};
    enum {
        L_ENDPOINTS,
        L_TEMPERATURE,
        L_MAX_TOKENS,
        L_TIMEOUT,
        L_CONNECT_TIMEOUT,
        L_RETRIES,
        L_BACKOFF,
        L_BACKOFF_MAX,
        L_RETRY_AFTER_MAX,
        L_MEMORY,
        L_SEED,
        L_FALLBACK,
        L_PERSONAS,
        L_BUDGET,
        L_RECORD,
        L_REPLAY,
        L_N
    };
    static const char *const bools[] = {"false", "true"};
    const s_node_t *vals[L_N], *keys[L_N];
    if (!v)
        return;
    if (s_want(c, v, S_MAP, "llm", "{endpoints: [" S_LLM_ENDPOINT "]}") != 0)
        return;
    json_t *o = json_object();
    if (!o) {
        c->oom = 1;
        return;
    }
    s->llm = o;
    s_fields(c, v, "llm", lk, L_N, vals, keys, NULL);
    double temperature = 0.7, timeout = 60.0, connect = 5.0, backoff = 0.5, backoff_max = 30.0,
           retry_after_max = 120.0;
    uint64_t max_tokens = 256, retries = 4, memory = 8, budget = 0;
    int seed = 1;
    s_llm_endpoints(c, v, vals[L_ENDPOINTS], o);
    if (vals[L_TEMPERATURE])
        s_get_num(c, vals[L_TEMPERATURE], "llm.temperature", 0.0, 2.0, 0, 0, "a number in [0, 2]",
                  &temperature);
    if (vals[L_MAX_TOKENS])
        s_get_u64(c, vals[L_MAX_TOKENS], "llm.max_tokens", 1, 65536, "an integer in 1..65536",
                  &max_tokens);
    if (vals[L_TIMEOUT])
        s_get_num(c, vals[L_TIMEOUT], "llm.timeout_s", 0.0, HUGE_VAL, 1, 0, "a number > 0",
                  &timeout);
    if (vals[L_CONNECT_TIMEOUT])
        s_get_num(c, vals[L_CONNECT_TIMEOUT], "llm.connect_timeout_s", 0.0, HUGE_VAL, 1, 0,
                  "a number > 0", &connect);
    if (vals[L_RETRIES])
        s_get_u64(c, vals[L_RETRIES], "llm.retries", 0, 20, "an integer in 0..20", &retries);
    int backoff_ok = 1, backoff_max_ok = 1;
    if (vals[L_BACKOFF])
        backoff_ok = s_get_num(c, vals[L_BACKOFF], "llm.backoff_s", 0.0, HUGE_VAL, 1, 0,
                               "a number > 0", &backoff) == 0;
    if (vals[L_BACKOFF_MAX])
        backoff_max_ok = s_get_num(c, vals[L_BACKOFF_MAX], "llm.backoff_max_s", 0.0, HUGE_VAL, 1, 0,
                                   "a number > 0", &backoff_max) == 0;
    if (backoff_ok && backoff_max_ok && backoff_max < backoff) {
        char a[40], b[40];
        s_fmt_double(backoff_max, a, sizeof a);
        s_fmt_double(backoff, b, sizeof b);
        if (vals[L_BACKOFF_MAX])
            s_err(c, vals[L_BACKOFF_MAX],
                  "'llm.backoff_max_s' is %s, below 'llm.backoff_s' (%s)" S_HINT
                  "the wait between retries doubles from backoff_s up to backoff_max_s: give "
                  "a backoff_max_s >= %s",
                  a, b, b);
        else
            s_err(c, vals[L_BACKOFF],
                  "'llm.backoff_s' is %s, above 'llm.backoff_max_s' (%s, its default)" S_HINT
                  "the wait between retries doubles from backoff_s up to backoff_max_s: give "
                  "a backoff_max_s >= %s too",
                  b, a, b);
    }
    if (vals[L_RETRY_AFTER_MAX])
        s_get_num(c, vals[L_RETRY_AFTER_MAX], "llm.retry_after_max_s", 0.0, HUGE_VAL, 0, 0,
                  "a number >= 0", &retry_after_max);
    if (vals[L_MEMORY])
        s_get_u64(c, vals[L_MEMORY], "llm.memory", 0, 256, "an integer in 0..256", &memory);
    if (vals[L_SEED]) {
        int b = s_get_enum(c, vals[L_SEED], "llm.seed", bools, 2);
        if (b >= 0)
            seed = b;
    }
    if (vals[L_BUDGET])
        s_get_u64(c, vals[L_BUDGET], "llm.budget_tokens", 0, INT64_MAX,
                  "an integer in 0..9223372036854775807 (0: no budget)", &budget);
    s_jset(c, o, "temperature", json_real(temperature));
    s_jset(c, o, "max_tokens", json_integer((json_int_t)max_tokens));
    s_jset(c, o, "timeout_s", json_real(timeout));
    s_jset(c, o, "connect_timeout_s", json_real(connect));
    s_jset(c, o, "retries", json_integer((json_int_t)retries));
    s_jset(c, o, "backoff_s", json_real(backoff));
    s_jset(c, o, "backoff_max_s", json_real(backoff_max));
    s_jset(c, o, "retry_after_max_s", json_real(retry_after_max));
    s_jset(c, o, "memory", json_integer((json_int_t)memory));
    s_jset(c, o, "seed", json_boolean(seed));
    s_llm_fallback(c, vals[L_FALLBACK], o);
    s_llm_personas(c, vals[L_PERSONAS], o);
    s_jset(c, o, "budget_tokens", json_integer((json_int_t)budget));
    s->llm_budget_tokens = budget;
    s_llm_files(c, vals[L_RECORD], vals[L_REPLAY], base, s, o);
}

/* A population of the llm behaviour needs the llm section: without it there is no model
 * to ask. The error is at the population. */
static void s_check_llm(s_ctx_t *c, const s_node_t *pops, const s_node_t *llm,
                        const nn_scenario_t *s)
{
    if (llm || !pops || pops->kind != S_SEQ)
        return;
    for (size_t i = 0; i < s->n_populations && i < pops->n; i++)
        if (s->populations[i].ops && strcmp(s->populations[i].ops->name, "llm") == 0)
            s_err(c, pops->kid[i],
                  "population %zu has behaviour 'llm' but the scenario has no llm section" S_HINT
                  "add llm: {endpoints: [{url, model}]}",
                  i);
}

static void s_validate(s_ctx_t *c, const s_node_t *root, const char *base, nn_scenario_t *s)
{
    static const char *const top[] = {
        "name",        "seed",     "rounds",    "agents",    "network",   "opinions",
        "populations", "nodes",    "transport", "partition", "output",    "limits",
        "structure",   "norms",    "game",      "cases",     "decisions", "trends",
        "security",    "external", "llm",       "faults",    "recovery"};
    enum {
        T_NAME,
        T_SEED,
        T_ROUNDS,
        T_AGENTS,
        T_NETWORK,
        T_OPINIONS,
        T_POPULATIONS,
        T_NODES,
        T_TRANSPORT,
        T_PARTITION,
        T_OUTPUT,
        T_LIMITS,
        T_STRUCTURE,
        T_NORMS,
        T_GAME,
        T_CASES,
        T_DECISIONS,
        T_TRENDS,
        T_SECURITY,
        T_EXTERNAL,
        T_LLM,
        T_FAULTS,
        T_RECOVERY,
        T_N
    };
    const s_node_t *v[T_N], *k[T_N];
    uint64_t x;
    s_fields(c, root, NULL, top, T_N, v, k, NULL);

    /* agents first: the ranges of k, m, blocks, seeds and counts depend on it */
    if (!v[T_AGENTS])
        s_err(c, root,
              "missing key 'agents'" S_HINT "required: the number of agents, 2..2147483647");
    else if (s_get_u64(c, v[T_AGENTS], "agents", 2, INT32_MAX, "an integer in 2..2147483647", &x) ==
             0) {
        s->agents = (uint32_t)x;
        c->agents = s->agents;
        c->agents_ok = 1;
    }
    if (v[T_NAME])
        s_get_str(c, v[T_NAME], "name", s->name, sizeof s->name, "a non-empty string");
    if (v[T_SEED])
        s_get_u64(c, v[T_SEED], "seed", 0, UINT64_MAX, "an integer in 0..18446744073709551615",
                  &s->seed);
    c->rounds_ok = !v[T_ROUNDS] || s_get_u64(c, v[T_ROUNDS], "rounds", 0, UINT64_MAX,
                                             "an integer >= 0", &s->rounds) == 0;
    s_network(c, root, v[T_NETWORK], base, &s->network);
    int opinions_ok = s_opinions(c, v[T_OPINIONS], base, &s->opinions);
    s_populations(c, root, v[T_POPULATIONS], opinions_ok, s);
    s_structure(c, v[T_STRUCTURE], base, s);
    if (s->structure.status != NN_STATUS_POPULATION)
        for (size_t i = 0; i < NN_MAX_POPULATIONS; i++)
            if (c->pop_status_at[i]) {
                s_err(c, c->pop_status_at[i],
                      "'populations[%zu].status' is read only when the structure takes its "
                      "status from the populations" S_HINT
                      "add structure: {status: {from: population}}, or leave the status out",
                      i);
                break;
            }
    /* after the structure: the cases' and norms' checks ask about roles and hierarchy */
    s_game(c, v[T_GAME], &s->game);
    s_cases(c, v[T_CASES], v[T_DECISIONS], s);
    s_present_t has = {v[T_GAME] != NULL, v[T_CASES] != NULL, v[T_DECISIONS] != NULL};
    s_norms(c, v[T_NORMS], &has, s);
    s_faults(c, v[T_FAULTS], s); /* after the structure: between: groups needs groups */
    s_recovery(c, v[T_RECOVERY], s);
    s_trends(c, v[T_TRENDS], &s->trends);
    s_security(c, v[T_SECURITY], base, &s->security);
    s_llm(c, v[T_LLM], base, s);
    s_check_llm(c, v[T_POPULATIONS], v[T_LLM], s);
    int nodes_ok = 1;
    if (v[T_NODES]) {
        nodes_ok = s_get_u64(c, v[T_NODES], "nodes", 1, 1024, "an integer in 1..1024", &x) == 0;
        if (nodes_ok)
            s->nodes = (uint32_t)x;
    }
    if (nodes_ok)
        s_check_kills(c, s);
    if (v[T_TRANSPORT]) {
        int t = s_get_enum(c, v[T_TRANSPORT], "transport", s_transport_names, 3);
        if (t >= 0)
            s->transport = (nn_transport_t)t;
    }
    if (v[T_PARTITION]) {
        /* the names are partition.c's, so that the scenario and `nunchi partition
         * --method` accept the same words; an enum value is its index here */
        const char *names[NN_PARTITION_METHODS];
        for (int i = 0; i < NN_PARTITION_METHODS; i++)
            names[i] = nn_partition_method_name((nn_partition_method_t)i);
        int m = s_get_enum(c, v[T_PARTITION], "partition", names, NN_PARTITION_METHODS);
        if (m >= 0)
            s->partition = (nn_partition_method_t)m;
    }
    if (v[T_OUTPUT] && s_want(c, v[T_OUTPUT], S_MAP, "output", "{dir: runs}") == 0) {
        static const char *const ok[] = {"dir", "events"};
        static const char *const ev[] = {"all", "lean"};
        const s_node_t *ov[2], *okk[2];
        s_fields(c, v[T_OUTPUT], "output", ok, 2, ov, okk, NULL);
        if (ov[0])
            s_get_str(c, ov[0], "output.dir", s->output_dir, sizeof s->output_dir,
                      "a directory path (a non-empty string)");
        if (ov[1]) {
            int e = s_get_enum(c, ov[1], "output.events", ev, 2);
            if (e >= 0)
                s->lean_events = e;
        }
    }
    if (v[T_LIMITS] && s_want(c, v[T_LIMITS], S_MAP, "limits",
                              "{deadline_s: 30, max_message_bytes: 1048576}") == 0) {
        static const char *const lk[] = {
            "deadline_s", "max_message_bytes", "max_agents_per_node", "max_messages_per_agent",
            "max_nodes",  "heartbeat_s",       "liveness_s"};
        const s_node_t *lv[7], *lkk[7];
        s_fields(c, v[T_LIMITS], "limits", lk, 7, lv, lkk, NULL);
        if (lv[0])
            s_get_num(c, lv[0], "limits.deadline_s", 0.0, HUGE_VAL, 1, 0, "a number > 0",
                      &s->deadline_s);
        if (lv[1])
            s_get_u64(c, lv[1], "limits.max_message_bytes", 1024, S_MAX_MESSAGE_BYTES,
                      "an integer in 1024..2147483648", &s->max_message_bytes);
        if (lv[2])
            s_get_u64(c, lv[2], "limits.max_agents_per_node", 1, UINT64_C(1) << 27,
                      "an integer in 1..134217728", &s->max_agents_per_node);
        if (lv[3] && s_get_u64(c, lv[3], "limits.max_messages_per_agent", 1, UINT64_C(1) << 27,
                               "an integer in 1..134217728", &x) == 0)
            s->max_messages_per_agent = (uint32_t)x;
        if (lv[4] &&
            s_get_u64(c, lv[4], "limits.max_nodes", 1, 1024, "an integer in 1..1024", &x) == 0)
            s->max_nodes = (uint32_t)x;
        if (lv[5])
            s_get_num(c, lv[5], "limits.heartbeat_s", 0.01, 3600.0, 0, 0,
                      "a number in [0.01, 3600]", &s->heartbeat_s);
        if (lv[6])
            s_get_num(c, lv[6], "limits.liveness_s", 0.0, HUGE_VAL, 1, 0, "a number > 0",
                      &s->liveness_s);
    }
    if (v[T_EXTERNAL] &&
        s_want(c, v[T_EXTERNAL], S_MAP, "external", "{bind: tcp://*:5556, wait_s: 60}") == 0) {
        static const char *const ek[] = {"bind", "wait_s"};
        const s_node_t *ev[2], *ekk[2];
        s_fields(c, v[T_EXTERNAL], "external", ek, 2, ev, ekk, NULL);
        if (!ev[0])
            s_err(c, v[T_EXTERNAL],
                  "missing key 'external.bind'" S_HINT
                  "where external nodes connect, such as tcp://*:5556");
        else if (s_get_str(c, ev[0], "external.bind", s->external_bind, sizeof s->external_bind,
                           "an endpoint such as tcp://*:5556") == 0 &&
                 strncmp(s->external_bind, "tcp://", 6) != 0 &&
                 strncmp(s->external_bind, "ipc://", 6) != 0)
            s_err(c, ev[0],
                  "'external.bind' is '%s', not a tcp:// or ipc:// endpoint" S_HINT
                  "such as tcp://*:5556 (external nodes are other processes)",
                  s->external_bind);
        if (ev[1])
            s_get_num(c, ev[1], "external.wait_s", 0.0, HUGE_VAL, 1, 0, "a number > 0",
                      &s->external_wait_s);
    }
    s_check_external(c, root, v[T_EXTERNAL], s);
    uint64_t nodes = s->nodes;
    for (size_t i = 0; i < s->n_populations; i++)
        if (s->populations[i].external)
            nodes += s->populations[i].ext_nodes;
    if (nodes > s->max_nodes)
        s_err(c, v[T_NODES] ? v[T_NODES] : root,
              "the society asks for %" PRIu64 " nodes ('nodes' and the external populations' "
              "nodes), more than limits.max_nodes (%" PRIu32 ")" S_HINT
              "lower them, or raise limits.max_nodes (at most 1024)",
              nodes, s->max_nodes);
}

/* ---- YAML text to tree --------------------------------------------------------------- */

/* Line and column (1-based, in characters) of byte offset off. */
static void s_offset_mark(const char *text, size_t len, size_t off, unsigned long *line,
                          unsigned long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

/* Whether the character at line:col (1-based, characters) is a tab. */
static int s_tab_at(const char *text, size_t len, unsigned long line, unsigned long col)
{
    size_t i = 0;
    for (unsigned long l = 1; l < line && i < len; i++)
        if (text[i] == '\n')
            l++;
    for (unsigned long k = 1; k < col && i < len; k++) {
        i++;
        while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
            i++;
    }
    return i < len && text[i] == '\t';
}

static void s_yaml_error(s_ctx_t *c, const yaml_parser_t *p, const char *text, size_t len,
                         int origin)
{
    unsigned long line, col;
    char extra[64] = "";
    if (p->error == YAML_MEMORY_ERROR) {
        c->oom = 1;
        return;
    }
    const char *problem = p->problem ? p->problem : "malformed yaml";
    if (p->error == YAML_READER_ERROR) {
        s_offset_mark(text, len, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            snprintf(extra, sizeof extra, " (byte 0x%02x)", (unsigned)p->problem_value & 0xffu);
    } else {
        line = (unsigned long)p->problem_mark.line + 1;
        col = (unsigned long)p->problem_mark.column + 1;
    }
    const char *tab =
        s_tab_at(text, len, line, col) ? "; this is a tab: YAML indents with spaces only" : "";
    char *ctx = NULL;
    if (p->context && p->error != YAML_READER_ERROR) {
        char *cl = origin < 0 ? s_loc(c, origin, (unsigned long)p->context_mark.line + 1,
                                      (unsigned long)p->context_mark.column + 1)
                              : s_aprintf("column %lu", (unsigned long)p->context_mark.column + 1);
        ctx = cl ? s_aprintf(", %s at %s", p->context, cl) : NULL;
        free(cl);
        if (!ctx) {
            c->oom = 1;
            return;
        }
    }
    if (origin < 0)
        s_err_at(c, origin, line, col, "%s%s" S_HINT "yaml syntax error%s%s", problem, extra,
                 ctx ? ctx : "", tab);
    else if (line == 1)
        s_err_at(c, origin, 0, 0, "%s%s" S_HINT "yaml syntax error in the value, at column %lu%s%s",
                 problem, extra, col, ctx ? ctx : "", tab);
    else
        s_err_at(c, origin, 0, 0, "%s%s" S_HINT "yaml syntax error in the value, at its end%s%s",
                 problem, extra, ctx ? ctx : "", tab);
    free(ctx);
}

/* Copies a libyaml node into our tree. Depth and the node budget bound the work, also for
 * aliases that point at their own ancestors or expand exponentially. */
static int s_conv(s_ctx_t *c, yaml_document_t *d, yaml_node_t *yn, int origin, int depth,
                  s_node_t **out)
{
    unsigned long line = (unsigned long)yn->start_mark.line + 1;
    unsigned long col = (unsigned long)yn->start_mark.column + 1;
    s_node_t *n = NULL;
    *out = NULL;
    if (depth > S_MAX_DEPTH) {
        s_err_at(c, origin, line, col, "the scenario nests deeper than %d levels", S_MAX_DEPTH);
        return -1;
    }
    if (c->budget == 0) {
        s_err_at(c, origin, line, col,
                 "the scenario holds more than %d values" S_HINT "aliases that expand without end?",
                 S_MAX_NODES);
        return -1;
    }
    c->budget--;
    switch (yn->type) {
    case YAML_SCALAR_NODE:
        n = s_scalar_new((const char *)yn->data.scalar.value, yn->data.scalar.length,
                         yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE, origin, line, col);
        if (!n)
            goto oom;
        break;
    case YAML_SEQUENCE_NODE:
        if (!(n = s_node_new(S_SEQ, origin, line, col)))
            goto oom;
        for (yaml_node_item_t *it = yn->data.sequence.items.start; it < yn->data.sequence.items.top;
             it++) {
            s_node_t *k;
            yaml_node_t *kn = yaml_document_get_node(d, *it);
            if (!kn || s_conv(c, d, kn, origin, depth + 1, &k) != 0)
                goto fail;
            if (s_node_push(n, k) != 0) {
                s_node_free(k);
                goto oom;
            }
        }
        break;
    case YAML_MAPPING_NODE:
        if (!(n = s_node_new(S_MAP, origin, line, col)))
            goto oom;
        for (yaml_node_pair_t *pr = yn->data.mapping.pairs.start; pr < yn->data.mapping.pairs.top;
             pr++) {
            s_node_t *k, *v;
            yaml_node_t *kn = yaml_document_get_node(d, pr->key);
            yaml_node_t *vn = yaml_document_get_node(d, pr->value);
            if (!kn || !vn || s_conv(c, d, kn, origin, depth + 1, &k) != 0)
                goto fail;
            if (s_conv(c, d, vn, origin, depth + 1, &v) != 0) {
                s_node_free(k);
                goto fail;
            }
            if (s_node_push(n, k) != 0) {
                s_node_free(k);
                s_node_free(v);
                goto oom;
            }
            if (s_node_push(n, v) != 0) {
                s_node_free(v);
                goto oom;
            }
        }
        break;
    default: s_err_at(c, origin, line, col, "an empty yaml node"); return -1;
    }
    *out = n;
    return 0;
oom:
    c->oom = 1;
fail:
    s_node_free(n);
    return -1;
}

/* libyaml's scanner takes time quadratic in the depth of flow collections ([[[...]]]:
 * 40,000 levels take seconds), so deep flow nesting is refused before libyaml sees it.
 * Quoted scalars and comments are skipped; anything this misjudges is at worst refused
 * later by the depth check on the tree. 0, or -1 after an error. */
static int s_flow_depth(s_ctx_t *c, const char *text, size_t len, int origin)
{
    int depth = 0, line = 1, col = 0;
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        col++;
        if (ch == '\n') {
            line++;
            col = 0;
            if (quote == '#')
                quote = 0;
            continue;
        }
        if (quote) {
            if (quote == '"' && ch == '\\' && i + 1 < len)
                i++, col++;
            else if (ch == quote)
                quote = 0;
            continue;
        }
        if (ch == '"' || ch == '\'')
            quote = ch;
        else if (ch == '#' &&
                 (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n'))
            quote = '#';
        else if (ch == '[' || ch == '{') {
            if (++depth > S_MAX_DEPTH) {
                s_err_at(c, origin, line, col, "the scenario nests deeper than %d levels",
                         S_MAX_DEPTH);
                return -1;
            }
        } else if ((ch == ']' || ch == '}') && depth > 0)
            depth--;
    }
    return 0;
}

/* Parses one YAML document into *root (NULL for an empty text). 0, or -1 after an error. */
static int s_parse(s_ctx_t *c, const char *text, size_t len, int origin, s_node_t **root)
{
    yaml_parser_t p;
    yaml_document_t doc;
    int rc = 0;
    *root = NULL;
    if (s_flow_depth(c, text, len, origin) != 0)
        return -1;
    if (!yaml_parser_initialize(&p)) {
        c->oom = 1;
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        s_yaml_error(c, &p, text, len, origin);
        yaml_parser_delete(&p);
        return -1;
    }
    yaml_node_t *yr = yaml_document_get_root_node(&doc);
    if (yr) {
        c->budget = S_MAX_NODES;
        rc = s_conv(c, &doc, yr, origin, 0, root);
        if (rc == 0) {
            yaml_document_t d2;
            if (!yaml_parser_load(&p, &d2)) {
                s_yaml_error(c, &p, text, len, origin);
                rc = -1;
            } else {
                if (yaml_document_get_root_node(&d2)) {
                    s_err_at(c, origin, (unsigned long)d2.start_mark.line + 1,
                             (unsigned long)d2.start_mark.column + 1,
                             "a second yaml document" S_HINT
                             "a scenario is one document: remove the '---' and what follows");
                    rc = -1;
                }
                yaml_document_delete(&d2);
            }
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    if (rc != 0) {
        s_node_free(*root);
        *root = NULL;
    }
    return rc;
}

/* ---- --set --------------------------------------------------------------------------- */

typedef struct s_step {
    const char *s;
    size_t len;
    int bracket; /* written as [i]: must index a sequence */
} s_step_t;

/* Splits "a.b[1].c" into steps; -1 on an empty name, a stray '[' or a trailing '.'. */
static int s_split_path(const char *path, size_t len, s_step_t *steps, size_t *n)
{
    size_t i = 0;
    *n = 0;
    for (;;) {
        size_t j = i;
        while (j < len && path[j] != '.' && path[j] != '[')
            j++;
        if (j == i || *n == S_MAX_STEPS)
            return -1;
        steps[(*n)++] = (s_step_t){path + i, j - i, 0};
        while (j < len && path[j] == '[') {
            size_t e = j + 1;
            while (e < len && path[e] >= '0' && path[e] <= '9')
                e++;
            if (e == j + 1 || e >= len || path[e] != ']' || *n == S_MAX_STEPS)
                return -1;
            steps[(*n)++] = (s_step_t){path + j + 1, e - j - 1, 1};
            j = e + 1;
        }
        if (j == len)
            return 0;
        if (path[j] != '.' || j + 1 == len)
            return -1;
        i = j + 1;
    }
}

static int s_step_index(const s_step_t *st, size_t *idx)
{
    size_t v = 0;
    if (st->len == 0 || st->len > 9)
        return -1;
    for (size_t i = 0; i < st->len; i++) {
        if (st->s[i] < '0' || st->s[i] > '9')
            return -1;
        v = v * 10 + (size_t)(st->s[i] - '0');
    }
    *idx = v;
    return 0;
}

/* Replaces (or creates) the key at the set's path in *root with the set's value. */
static void s_apply_set(s_ctx_t *c, s_node_t *root, size_t si)
{
    const char *set = c->sets[si];
    int o = (int)si;
    s_step_t steps[S_MAX_STEPS];
    size_t n_steps;
    if (!set || !strchr(set, '=')) {
        s_err_at(c, o, 0, 0,
                 "no '=' in the override" S_HINT "the form is key.path=value, such "
                 "as network.k=8");
        return;
    }
    const char *eq = strchr(set, '=');
    if (eq == set) {
        s_err_at(c, o, 0, 0,
                 "empty key path in the override" S_HINT
                 "the form is key.path=value, such as network.k=8");
        return;
    }
    size_t plen = (size_t)(eq - set);
    if (s_split_path(set, plen, steps, &n_steps) != 0 || n_steps == 0) {
        s_err_at(c, o, 0, 0,
                 "malformed key path '%.*s'" S_HINT
                 "keys joined by '.', sequence entries by number: populations.0.share",
                 (int)plen, set);
        return;
    }
    s_node_t *value;
    if (s_parse(c, eq + 1, strlen(eq + 1), o, &value) != 0)
        return;
    if (!value && !(value = s_scalar_new("", 0, 0, o, 0, 0))) {
        c->oom = 1;
        return;
    }
    if (root->kind != S_MAP) { /* reported by the validation */
        s_node_free(value);
        return;
    }
    s_node_t *cur = root;
    for (size_t j = 0; j < n_steps; j++) {
        const s_step_t *st = &steps[j];
        int last = j + 1 == n_steps;
        /* the path up to this step, and up to its parent, for messages */
        int upto = (int)(st->s + st->len - set) + (st->bracket ? 1 : 0);
        int parent =
            j ? (int)(steps[j - 1].s + steps[j - 1].len - set) + (steps[j - 1].bracket ? 1 : 0) : 0;
        s_node_t **slot = NULL;
        if (cur->kind == S_MAP && !st->bracket) {
            for (size_t p = 0; p + 1 < cur->n; p += 2)
                if (cur->kid[p]->kind == S_SCALAR && cur->kid[p]->len == st->len &&
                    memcmp(cur->kid[p]->text, st->s, st->len) == 0) {
                    slot = &cur->kid[p + 1];
                    break;
                }
            if (!slot) {
                s_node_t *k = s_scalar_new(st->s, st->len, 0, o, 0, 0);
                if (!k || s_node_push(cur, k) != 0) {
                    s_node_free(k);
                    goto oom;
                }
                s_node_t *nv = last ? value : s_node_new(S_MAP, o, 0, 0);
                if (!nv || s_node_push(cur, nv) != 0) {
                    /* keep the mapping whole: the key goes again */
                    s_node_free(cur->kid[--cur->n]);
                    if (nv != value)
                        s_node_free(nv);
                    goto oom;
                }
                if (last)
                    return;
                cur = nv;
                continue;
            }
        } else if (cur->kind == S_SEQ) {
            size_t idx;
            if (s_step_index(st, &idx) != 0) {
                s_err_at(c, o, 0, 0,
                         "cannot set '%.*s': '%.*s' is a sequence" S_HINT
                         "index its entries by number, such as %.*s.0",
                         upto, set, parent, set, parent, set);
                goto fail;
            }
            if (idx > cur->n) {
                s_err_at(c, o, 0, 0,
                         "cannot set '%.*s': '%.*s' has %zu entries" S_HINT
                         "an index can be 0..%zu, and %zu appends one",
                         upto, set, parent, set, cur->n, cur->n ? cur->n - 1 : 0, cur->n);
                goto fail;
            }
            if (idx == cur->n) {
                s_node_t *nv = last ? value : s_node_new(S_MAP, o, 0, 0);
                if (!nv || s_node_push(cur, nv) != 0) {
                    if (nv != value)
                        s_node_free(nv);
                    goto oom;
                }
                if (last)
                    return;
                cur = nv;
                continue;
            }
            slot = &cur->kid[idx];
        } else {
            /* j > 0 here: the root is a mapping and names never start with '[' */
            s_err_at(c, o, 0, 0, "cannot set '%.*s': '%.*s' is %s, not a %s", upto, set, parent,
                     set, cur->kind == S_MAP ? "a mapping" : "a scalar",
                     st->bracket ? "sequence" : "mapping");
            goto fail;
        }
        if (last) {
            s_node_free(*slot);
            *slot = value;
            return;
        }
        if (s_is_null(*slot)) {
            s_node_t *nv = s_node_new(S_MAP, o, 0, 0);
            if (!nv)
                goto oom;
            s_node_free(*slot);
            *slot = nv;
        }
        cur = *slot;
    }
    /* not reached: the last step returns */
fail:
    s_node_free(value);
    return;
oom:
    c->oom = 1;
    s_node_free(value);
}

/* ---- loading ------------------------------------------------------------------------- */

static void s_defaults(nn_scenario_t *s, const char *source)
{
    memset(s, 0, sizeof *s);
    s_default_name(source, s->name, sizeof s->name);
    size_t n = strlen(source);
    if (n >= sizeof s->source)
        n = sizeof s->source - 1;
    memcpy(s->source, source, n);
    s->source[n] = '\0';
    s->seed = 1;
    s->rounds = 100;
    s->nodes = 4;
    s->transport = NN_TRANSPORT_INPROC;
    s->partition = NN_PARTITION_METIS;
    s_copy(s->output_dir, sizeof s->output_dir, "runs");
    s->deadline_s = 30.0;
    s->max_message_bytes = UINT64_C(1) << 30;
    s->max_agents_per_node = UINT64_C(1) << 27;
    s->max_messages_per_agent = 65536;
    s->max_nodes = 1024;
    s->heartbeat_s = 1.0;
    s->external_wait_s = 60.0;
    s->opinions.init = NN_INIT_UNIFORM;
    s->structure.branching = 3;
    s->structure.status_value = 1.0;
    for (size_t i = 0; i < NN_MAX_POPULATIONS; i++)
        s->structure.pop_status[i] = 1.0;
    /* every norm, listed or not, carries its defaults, so that code reading the config
     * never takes a zero for a default */
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        nn_norm_config_t *nm = &s->norms.norm[k];
        nm->limit = 5;
        nm->scope = NN_ADDRESS_NEIGHBOURS;
        nm->threshold = 0.7;
        nm->detect = 1.0;
        nm->forgive = 0;
        nm->n_ladder = 1;
        nm->ladder[0].kind = NN_SANCTION_WARN;
    }
    s->game.benefit = 3.0;
    s->game.cost = 1.0;
    nn_cases_config_t *cc = &s->cases;
    cc->n_chain[NN_CASE_COMPLAINT] = sizeof s_complaint_chain / sizeof s_complaint_chain[0];
    memcpy(cc->chain[NN_CASE_COMPLAINT], s_complaint_chain, sizeof s_complaint_chain);
    cc->n_chain[NN_CASE_DECISION] = 1;
    cc->chain[NN_CASE_DECISION][0] = NN_PROTO_MAJORITY;
    cc->jury = 5;
    cc->max_open = 1;
    cc->decisions_scope = NN_SCOPE_GROUP;
    cc->options = 5;
    cc->turnout = 0.5;
    cc->mediation_rounds = 5;
    cc->mediation_step = 0.25;
    cc->negotiation_rounds = 6;
    cc->arbiter_by = NN_ARBITER_ROLE;
    cc->deliberation_rounds = 10;
    cc->deliberation_confidence = 0.3;
    cc->deliberation_epsilon = 0.05;
    s->trends.seeds = 5;
    s->trends.max = NN_MAX_TRENDS;
    s->faults.recovery = NN_RECOVERY_FAIL;
    s->faults.restarts = 3;
}

int nn_scenario_load_text(nn_scenario_t *out, const char *text, size_t len, const char *source,
                          const char *base_dir, const char *const *sets, size_t n_sets,
                          nn_diag_t *diag)
{
    if (!out || !diag || (!text && len) || (!sets && n_sets))
        return NN_EINVAL;
    s_ctx_t c;
    memset(&c, 0, sizeof c);
    c.source = source ? source : "<text>";
    c.sets = sets;
    c.n_sets = n_sets;
    s_defaults(out, c.source);
    s_node_t *root = NULL;
    if (s_parse(&c, text ? text : "", len, -1, &root) == 0) {
        if (!root || s_is_null(root)) {
            s_node_free(root);
            if (!(root = s_node_new(S_MAP, -1, 1, 1)))
                c.oom = 1;
        }
        for (size_t i = 0; i < n_sets && !c.oom; i++)
            s_apply_set(&c, root, i);
        if (!c.oom && root->kind != S_MAP) {
            char got[S_SHOW + 32];
            s_show(root, got, sizeof got);
            s_err(&c, root,
                  "a scenario must be a mapping of keys, got %s" S_HINT
                  "such as 'agents: 1000' on the first line",
                  got);
        } else if (!c.oom) {
            s_validate(&c, root, base_dir ? base_dir : ".", out);
        }
    }
    s_node_free(root);
    int rc = c.oom ? NN_ENOMEM : (c.n_errs || c.n_lost) ? NN_ESCENARIO : NN_OK;
    s_flush(&c, diag);
    if (rc != NN_OK) {
        nn_scenario_release(out);
        s_defaults(out, c.source);
    }
    return rc;
}

int nn_scenario_load(nn_scenario_t *out, const char *path, const char *const *sets, size_t n_sets,
                     nn_diag_t *diag)
{
    if (!out || !diag)
        return NN_EINVAL;
    if (!path)
        return nn_scenario_load_text(out, nn_embedded_default_yaml,
                                     strlen(nn_embedded_default_yaml), "<embedded default>", ".",
                                     sets, n_sets, diag);
    FILE *f = fopen(path, "rb");
    if (!f) {
        nn_diag_add(diag, "cannot read scenario '%s': %s", path, strerror(errno));
        return NN_EIO;
    }
    size_t len = 0, cap = 4096;
    char *text = malloc(cap);
    int rc = text ? NN_OK : NN_ENOMEM;
    while (rc == NN_OK) {
        if (len == cap) {
            if (cap > (size_t)S_MAX_FILE) {
                nn_diag_add(diag, "scenario '%s' is larger than %ld MiB", path, S_MAX_FILE >> 20);
                rc = NN_ESCENARIO;
                break;
            }
            char *t = realloc(text, cap * 2);
            if (!t) {
                rc = NN_ENOMEM;
                break;
            }
            text = t;
            cap *= 2;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                nn_diag_add(diag, "cannot read scenario '%s': %s", path, strerror(errno));
                rc = NN_EIO;
            }
            break;
        }
    }
    fclose(f);
    if (rc == NN_ENOMEM)
        nn_diag_add(diag, "out of memory while reading the scenario '%s'", path);
    if (rc == NN_OK)
        rc = nn_scenario_load_file_text(out, text, len, path, sets, n_sets, diag);
    free(text);
    return rc;
}

int nn_scenario_load_file_text(nn_scenario_t *out, const char *text, size_t len, const char *path,
                               const char *const *sets, size_t n_sets, nn_diag_t *diag)
{
    const char *slash = strrchr(path, '/');
    char *base = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!base) {
        nn_diag_add(diag, "out of memory while reading the scenario '%s'", path);
        return NN_ENOMEM;
    }
    int rc = nn_scenario_load_text(out, text, len, path, base, sets, n_sets, diag);
    free(base);
    return rc;
}

/* ---- writing ------------------------------------------------------------------------- */

/* The shortest %g text that reads back as x exactly (up to %.17g, which always does; the
 * shortest keeps the resolved scenario readable: 0.05, not 0.050000000000000003), with a
 * '.' or an exponent so that it reads as a decimal (opinions.seeds tells a count from a
 * share by that). */
static void s_fmt_double(double x, char *buf, size_t cap)
{
    double ax = fabs(x);
    int plain = ax >= 1e-4 && ax < 1e16; /* write 30 as "30", not "3e+01" */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, x);
        if (strtod(buf, NULL) == x && (!plain || !strchr(buf, 'e') || prec == 17))
            break;
    }
    if (!strpbrk(buf, ".eEni"))
        strncat(buf, ".0", cap - strlen(buf) - 1);
}

static void s_put_double(FILE *f, const char *indent, const char *key, double x)
{
    char b[40];
    s_fmt_double(x, b, sizeof b);
    fprintf(f, "%s%s: %s\n", indent, key, b);
}

/* s as a YAML double-quoted string. */
static void s_put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void s_put_string(FILE *f, const char *indent, const char *key, const char *s)
{
    fprintf(f, "%s%s: ", indent, key);
    s_put_quoted(f, s);
    fputc('\n', f);
}

static const char *s_name_of(const char *const *names, size_t n, unsigned i)
{
    return i < n ? names[i] : "?";
}

static void s_write_structure(const nn_scenario_t *s, FILE *f)
{
    const nn_structure_config_t *st = &s->structure;
    fputs("structure:\n", f);
    if (!st->n_roles)
        fputs("  roles: []\n", f);
    else
        fputs("  roles:\n", f);
    for (size_t i = 0; i < st->n_roles && i < 3; i++) {
        const nn_role_rule_t *r = &st->roles[i];
        fprintf(f, "    - role: %s\n",
                s_name_of(s_role_names, 3, (unsigned)r->role - NN_ROLE_MEDIATOR));
        if (r->by_count)
            fprintf(f, "      count: %" PRIu64 "\n", r->count);
        else
            s_put_double(f, "      ", "share", r->share);
        fprintf(f, "      by: %s\n", s_name_of(s_by_names, S_N_BY, (unsigned)r->by));
    }
    fprintf(f, "  groups:\n    from: %s\n",
            s_name_of(s_groups_names, S_N_GROUPS, (unsigned)st->groups));
    if (st->groups == NN_GROUPS_FILE)
        s_put_string(f, "    ", "path", st->path);
    fprintf(f, "  hierarchy:\n    model: %s\n",
            s_name_of(s_hierarchy_names, S_N_HIER, (unsigned)st->hierarchy));
    if (st->hierarchy == NN_HIERARCHY_TREE)
        fprintf(f, "    branching: %" PRIu32 "\n", st->branching);
    fprintf(f, "  status:\n    from: %s\n",
            s_name_of(s_status_names, S_N_STATUS, (unsigned)st->status));
    if (st->status == NN_STATUS_CONSTANT)
        s_put_double(f, "    ", "value", st->status_value);
    fputs("  reputation:\n", f);
    s_put_double(f, "    ", "recovery", s->norms.recovery);
}

static void s_write_chain(const nn_cases_config_t *cc, nn_case_type_t t, FILE *f)
{
    fputs("  chain: [", f);
    for (size_t i = 0; i < cc->n_chain[t] && i < NN_MAX_CHAIN; i++)
        fprintf(f, "%s%s", i ? ", " : "",
                s_name_of(s_proto_names, NN_PROTOCOLS, (unsigned)cc->chain[t][i]));
    fputs("]\n", f);
}

/* The sections that are off when absent are written only when on: `game:`, `cases:`,
 * `decisions:` and `trends:` turn their part on by being there. What is not written then
 * holds the defaults, which is what loading fills in. */
static void s_write_society(const nn_scenario_t *s, FILE *f)
{
    char a[40];
    const nn_norms_config_t *nc = &s->norms;
    int any = 0;
    for (int k = 0; k < NN_NORM_KINDS; k++)
        any |= nc->norm[k].on;
    fputs(any ? "norms:\n" : "norms: []\n", f);
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        const nn_norm_config_t *nm = &nc->norm[k];
        if (!nm->on)
            continue;
        fprintf(f, "  - norm: %s\n", s_norm_names[k]);
        if (k == NN_NORM_RATE)
            fprintf(f, "    limit: %" PRIu32 "\n", nm->limit);
        if (k == NN_NORM_ADDRESS)
            fprintf(f, "    scope: %s\n",
                    s_name_of(s_scope_names, S_N(s_scope_names), (unsigned)nm->scope));
        if (k == NN_NORM_AGGRESSION)
            s_put_double(f, "    ", "threshold", nm->threshold);
        s_put_double(f, "    ", "detect", nm->detect);
        fprintf(f, "    forgive: %" PRIu32 "\n    sanctions:\n", nm->forgive);
        for (size_t i = 0; i < nm->n_ladder && i < NN_MAX_LADDER; i++) {
            const nn_sanction_t *sa = &nm->ladder[i];
            switch (sa->kind) {
            case NN_SANCTION_REPUTATION:
                s_fmt_double(sa->amount, a, sizeof a);
                fprintf(f, "      - {reputation: %s}\n", a);
                break;
            case NN_SANCTION_MUTE: fprintf(f, "      - {mute: %" PRIu32 "}\n", sa->rounds); break;
            case NN_SANCTION_EXCLUDE:
                if (sa->rounds)
                    fprintf(f, "      - {exclude: %" PRIu32 "}\n", sa->rounds);
                else
                    fputs("      - {exclude: forever}\n", f);
                break;
            default: fputs("      - warn\n", f); break;
            }
        }
    }
    if (s->game.on) {
        fputs("game:\n", f);
        s_put_double(f, "  ", "benefit", s->game.benefit);
        s_put_double(f, "  ", "cost", s->game.cost);
    }
    const nn_cases_config_t *cc = &s->cases;
    if (cc->complaints || cc->decisions_every) {
        /* with decisions only, cases: still carries the protocols' parameters */
        fprintf(f, "cases:\n  complaints: %s\n", cc->complaints ? "true" : "false");
        s_write_chain(cc, NN_CASE_COMPLAINT, f);
        fprintf(f, "  jury: %" PRIu32 "\n  max_open: %" PRIu32 "\n", cc->jury, cc->max_open);
        s_put_double(f, "  ", "turnout", cc->turnout);
        fprintf(f, "  mediation:\n    rounds: %" PRIu32 "\n", cc->mediation_rounds);
        s_put_double(f, "    ", "step", cc->mediation_step);
        fprintf(f, "  negotiation:\n    rounds: %" PRIu32 "\n", cc->negotiation_rounds);
        fprintf(f, "  arbitration:\n    by: %s\n",
                s_name_of(s_arbiter_names, 2, (unsigned)cc->arbiter_by));
        fprintf(f, "  deliberation:\n    rounds: %" PRIu32 "\n", cc->deliberation_rounds);
        s_put_double(f, "    ", "confidence", cc->deliberation_confidence);
        s_put_double(f, "    ", "epsilon", cc->deliberation_epsilon);
    }
    if (cc->decisions_every) {
        fprintf(f, "decisions:\n  every: %" PRIu32 "\n  scope: %s\n", cc->decisions_every,
                s_name_of(s_dscope_names, 2, (unsigned)cc->decisions_scope));
        s_write_chain(cc, NN_CASE_DECISION, f);
        fprintf(f, "  options: %" PRIu32 "\n", cc->options);
    }
    if (s->trends.every)
        fprintf(f, "trends:\n  every: %" PRIu32 "\n  seeds: %" PRIu32 "\n  max: %" PRIu32 "\n",
                s->trends.every, s->trends.seeds, s->trends.max);
}

/* ", agents: [ids]" or ", agents: {share: S}". */
static void s_write_fault_agents(const nn_fault_config_t *fc, FILE *f)
{
    char a[40];
    uint32_t na = fc->n_agents < NN_FAULT_MAX_AGENTS ? fc->n_agents : NN_FAULT_MAX_AGENTS;
    if (na) {
        fputs(", agents: [", f);
        for (uint32_t j = 0; j < na; j++)
            fprintf(f, "%s%" PRIu32, j ? ", " : "", fc->agents[j]);
        fputc(']', f);
    } else {
        s_fmt_double(fc->share, a, sizeof a);
        fprintf(f, ", agents: {share: %s}", a);
    }
}

/* The faults list, always written ("faults: []" without faults), one flow mapping an
 * entry; agents on loss, delay and duplicate only when given, links only when not all;
 * rounds only when the fault does not act in every round, as loading fills it in. */
static void s_write_faults(const nn_scenario_t *s, FILE *f)
{
    char a[40];
    size_t n = s->faults.n < NN_MAX_FAULTS ? s->faults.n : NN_MAX_FAULTS;
    size_t nk = s->faults.n_kills < NN_MAX_FAULTS ? s->faults.n_kills : NN_MAX_FAULTS;
    fputs(n || nk ? "faults:\n" : "faults: []\n", f);
    for (size_t i = 0; i < n; i++) {
        const nn_fault_config_t *fc = &s->faults.f[i];
        fprintf(f, "  - {fault: %s", s_name_of(s_fault_names, NN_FAULT_KINDS, (unsigned)fc->kind));
        if (fc->kind == NN_FAULT_LOSS || fc->kind == NN_FAULT_DELAY ||
            fc->kind == NN_FAULT_DUPLICATE) {
            s_fmt_double(fc->p, a, sizeof a);
            fprintf(f, ", p: %s", a);
            if (fc->kind == NN_FAULT_DELAY)
                fprintf(f, ", rounds_late: %" PRIu32, fc->delay);
            if (fc->n_agents || fc->share > 0.0)
                s_write_fault_agents(fc, f);
            if (fc->links != NN_LINKS_ALL)
                fprintf(f, ", links: %s",
                        s_name_of(s_links_names, S_N(s_links_names), (unsigned)fc->links));
        } else if (fc->kind == NN_FAULT_PARTITION)
            fprintf(f, ", between: %s",
                    s_name_of(s_between_names, S_N(s_between_names), (unsigned)fc->between));
        else {
            s_write_fault_agents(fc, f);
            if (fc->kind == NN_FAULT_BYZANTINE)
                fprintf(f, ", mode: %s",
                        s_name_of(s_mode_names, S_N(s_mode_names), (unsigned)fc->mode));
        }
        if (fc->from_round != 1 || fc->to_round != UINT64_MAX)
            fprintf(f, ", rounds: [%" PRIu64 ", %" PRIu64 "]", fc->from_round, fc->to_round);
        fputs("}\n", f);
    }
    /* the kills after the other faults: they are kept apart (faults.kill[]), so their place
     * among the others is not part of the scenario */
    for (size_t i = 0; i < nk; i++) {
        if (s->faults.kill[i].coordinator)
            fprintf(f, "  - {fault: kill, node: coordinator, round: %" PRIu64,
                    s->faults.kill[i].round);
        else
            fprintf(f, "  - {fault: kill, node: %" PRIu32 ", round: %" PRIu64,
                    s->faults.kill[i].node, s->faults.kill[i].round);
        if (s->faults.kill[i].rank)
            fprintf(f, ", rank: %" PRIu32, s->faults.kill[i].rank);
        fputs("}\n", f);
    }
    fprintf(f, "recovery:\n  policy: %s\n  restarts: %" PRIu32 "\n",
            s_name_of(s_policy_names, S_N(s_policy_names), (unsigned)s->faults.recovery),
            s->faults.restarts);
    if (s->faults.checkpoint_every)
        fprintf(f, "  checkpoint_every: %" PRIu64 "\n", s->faults.checkpoint_every);
}

static double s_jnum(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static json_int_t s_jint(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *s_jtext(const json_t *o, const char *key)
{
    const char *t = json_string_value(json_object_get(o, key));
    return t ? t : "";
}

static void s_put_strings(FILE *f, const char *key, const json_t *arr)
{
    size_t i;
    const json_t *x;
    fprintf(f, "    %s: [", key);
    json_array_foreach(arr, i, x)
    {
        if (i)
            fputs(", ", f);
        s_put_quoted(f, json_string_value(x) ? json_string_value(x) : "");
    }
    fputs("]\n", f);
}

/* llm: every key but the empty ones (an endpoint without api_key_env, no record or
 * replay), which are left out as loading takes them; record and replay as given. */
static void s_write_llm(const nn_scenario_t *s, FILE *f)
{
    const json_t *o = s->llm, *x, *fb, *pe, *params;
    const char *k;
    size_t i;
    if (!o)
        return;
    fputs("llm:\n  endpoints:\n", f);
    json_array_foreach(json_object_get(o, "endpoints"), i, x)
    {
        s_put_string(f, "    - ", "url", s_jtext(x, "url"));
        s_put_string(f, "      ", "model", s_jtext(x, "model"));
        if (s_jtext(x, "api_key_env")[0])
            s_put_string(f, "      ", "api_key_env", s_jtext(x, "api_key_env"));
        fprintf(f, "      max_concurrency: %" JSON_INTEGER_FORMAT "\n",
                s_jint(x, "max_concurrency"));
    }
    s_put_double(f, "  ", "temperature", s_jnum(o, "temperature"));
    fprintf(f, "  max_tokens: %" JSON_INTEGER_FORMAT "\n", s_jint(o, "max_tokens"));
    s_put_double(f, "  ", "timeout_s", s_jnum(o, "timeout_s"));
    s_put_double(f, "  ", "connect_timeout_s", s_jnum(o, "connect_timeout_s"));
    fprintf(f, "  retries: %" JSON_INTEGER_FORMAT "\n", s_jint(o, "retries"));
    s_put_double(f, "  ", "backoff_s", s_jnum(o, "backoff_s"));
    s_put_double(f, "  ", "backoff_max_s", s_jnum(o, "backoff_max_s"));
    s_put_double(f, "  ", "retry_after_max_s", s_jnum(o, "retry_after_max_s"));
    fprintf(f, "  memory: %" JSON_INTEGER_FORMAT "\n", s_jint(o, "memory"));
    fprintf(f, "  seed: %s\n", json_is_true(json_object_get(o, "seed")) ? "true" : "false");
    fb = json_object_get(o, "fallback");
    fprintf(f, "  fallback:\n    behaviour: %s\n", s_jtext(fb, "behaviour"));
    params = json_object_get(fb, "params");
    fputs(json_object_size(params) ? "    params:\n" : "    params: {}\n", f);
    json_object_foreach((json_t *)params, k, x) s_put_double(f, "      ", k, json_number_value(x));
    pe = json_object_get(o, "personas");
    fputs("  personas:\n", f);
    s_put_strings(f, "names", json_object_get(pe, "names"));
    s_put_strings(f, "stances", json_object_get(pe, "stances"));
    const json_t *traits = json_object_get(pe, "traits");
    fputs(json_array_size(traits) ? "    traits:\n" : "    traits: {}\n", f);
    json_array_foreach(traits, i, x)
    {
        char a[40], b[40];
        const char *dist = s_jtext(x, "dist");
        fputs("      ", f);
        s_put_quoted(f, s_jtext(x, "name"));
        s_fmt_double(s_jnum(x, "a"), a, sizeof a);
        s_fmt_double(s_jnum(x, "b"), b, sizeof b);
        if (strcmp(dist, "constant") == 0)
            fprintf(f, ": %s\n", a);
        else
            fprintf(f, ": {%s: [%s, %s]}\n", dist, a, b);
    }
    fprintf(f, "  budget_tokens: %" JSON_INTEGER_FORMAT "\n", s_jint(o, "budget_tokens"));
    if (s->llm_record_given[0])
        s_put_string(f, "  ", "record", s->llm_record_given);
    if (s->llm_replay_given[0])
        s_put_string(f, "  ", "replay", s->llm_replay_given);
}

int nn_scenario_write(const nn_scenario_t *s, FILE *f)
{
    if (!s || !f || s->n_populations > NN_MAX_POPULATIONS)
        return NN_EINVAL;
    for (size_t i = 0; i < s->n_populations; i++)
        if (!s->populations[i].ops && !s->populations[i].external)
            return NN_EINVAL;
    const nn_network_config_t *n = &s->network;
    const nn_opinions_config_t *o = &s->opinions;
    fputs("# resolved scenario: every key written out, defaults included\n", f);
    s_put_string(f, "", "name", s->name);
    fprintf(f, "seed: %" PRIu64 "\nrounds: %" PRIu64 "\nagents: %" PRIu32 "\n", s->seed, s->rounds,
            s->agents);
    const char *model = "?";
    for (size_t i = 0; i < S_N_MODELS; i++)
        if (s_models[i].model == (int)n->model)
            model = s_models[i].name;
    fprintf(f, "network:\n  model: %s\n", model);
    switch (n->model) {
    case NN_NET_COMPLETE: break;
    case NN_NET_RING: fprintf(f, "  k: %" PRIu32 "\n", n->k); break;
    case NN_NET_WATTS_STROGATZ:
        fprintf(f, "  k: %" PRIu32 "\n", n->k);
        s_put_double(f, "  ", "p", n->p);
        break;
    case NN_NET_ERDOS_RENYI:
        if (n->mean_degree > 0)
            s_put_double(f, "  ", "mean_degree", n->mean_degree);
        else
            s_put_double(f, "  ", "p", n->p);
        break;
    case NN_NET_BARABASI_ALBERT: fprintf(f, "  m: %" PRIu32 "\n", n->m); break;
    case NN_NET_SBM:
        fputs("  blocks: [", f);
        for (size_t i = 0; i < n->n_blocks && i < NN_NET_MAX_BLOCKS; i++)
            fprintf(f, "%s%" PRIu32, i ? ", " : "", n->blocks[i]);
        fputs("]\n", f);
        s_put_double(f, "  ", "p_in", n->p_in);
        s_put_double(f, "  ", "p_out", n->p_out);
        break;
    case NN_NET_FILE: s_put_string(f, "  ", "path", n->path); break;
    }
    fprintf(f, "opinions:\n  init: %s\n", nn_opinions_init_name(o->init));
    switch (o->init) {
    case NN_INIT_UNIFORM: break;
    case NN_INIT_NORMAL:
        s_put_double(f, "  ", "mean", o->mean);
        s_put_double(f, "  ", "sd", o->sd);
        break;
    case NN_INIT_BIMODAL: {
        char a[40], b[40];
        s_fmt_double(o->modes[0], a, sizeof a);
        s_fmt_double(o->modes[1], b, sizeof b);
        fprintf(f, "  modes: [%s, %s]\n", a, b);
        s_put_double(f, "  ", "sd", o->sd);
        break;
    }
    case NN_INIT_SEEDS:
        if (o->seeds_by_count)
            fprintf(f, "  seeds: %" PRIu64 "\n", o->seeds_count);
        else
            s_put_double(f, "  ", "seeds", o->seeds_share);
        break;
    case NN_INIT_FILE: s_put_string(f, "  ", "path", o->path); break;
    }
    fputs("populations:\n", f);
    for (size_t i = 0; i < s->n_populations; i++) {
        const nn_population_t *p = &s->populations[i];
        if (p->external)
            fprintf(f, "  - behaviour: %s\n    name: %s\n    nodes: %" PRIu32 "\n",
                    NN_BEHAVIOUR_EXTERNAL, p->name, p->ext_nodes);
        else
            fprintf(f, "  - behaviour: %s\n", p->ops->name);
        if (p->by_count)
            fprintf(f, "    count: %" PRIu64 "\n", p->count);
        else
            s_put_double(f, "    ", "share", p->share);
        if (s->structure.status == NN_STATUS_POPULATION) {
            const nn_structure_config_t *st = &s->structure;
            if (st->pop_status_dist[i] == NN_DIST_CONSTANT) {
                s_put_double(f, "    ", "status", st->pop_status[i]);
            } else {
                char a[40], b[40];
                s_fmt_double(st->pop_status[i], a, sizeof a);
                s_fmt_double(st->pop_status_b[i], b, sizeof b);
                fprintf(f, "    status: {%s: [%s, %s]}\n",
                        st->pop_status_dist[i] == NN_DIST_UNIFORM ? "uniform" : "normal", a, b);
            }
        }
        size_t np = p->external ? p->n_ext_params : p->ops->n_params;
        if (!np) {
            fputs("    params: {}\n", f);
            continue;
        }
        fputs("    params:\n", f);
        for (size_t j = 0; j < np && j < NN_MAX_PARAMS; j++) {
            char a[40], b[40];
            const char *pn = p->external ? p->ext_param[j] : p->ops->params[j].name;
            if (p->dist[j] != NN_DIST_UNIFORM && p->dist[j] != NN_DIST_NORMAL) {
                s_put_double(f, "      ", pn, p->params[j]);
                continue;
            }
            s_fmt_double(p->params[j], a, sizeof a);
            s_fmt_double(p->param_b[j], b, sizeof b);
            fprintf(f, "      %s: {%s: [%s, %s]}\n", pn,
                    p->dist[j] == NN_DIST_UNIFORM ? "uniform" : "normal", a, b);
        }
    }
    fprintf(f, "nodes: %" PRIu32 "\ntransport: %s\npartition: %s\noutput:\n", s->nodes,
            nn_transport_name(s->transport), nn_partition_method_name(s->partition));
    s_put_string(f, "  ", "dir", s->output_dir);
    fprintf(f, "  events: %s\n", s->lean_events ? "lean" : "all");
    fputs("limits:\n", f);
    s_put_double(f, "  ", "deadline_s", s->deadline_s);
    fprintf(f, "  max_message_bytes: %" PRIu64 "\n", s->max_message_bytes);
    fprintf(f, "  max_agents_per_node: %" PRIu64 "\n", s->max_agents_per_node);
    fprintf(f, "  max_messages_per_agent: %" PRIu32 "\n", s->max_messages_per_agent);
    fprintf(f, "  max_nodes: %" PRIu32 "\n", s->max_nodes);
    s_put_double(f, "  ", "heartbeat_s", s->heartbeat_s);
    if (s->liveness_s > 0)
        s_put_double(f, "  ", "liveness_s", s->liveness_s);
    if (s->external_bind[0]) {
        fputs("external:\n", f);
        s_put_string(f, "  ", "bind", s->external_bind);
        s_put_double(f, "  ", "wait_s", s->external_wait_s);
    }
    if (s->security.curve.on) {
        fputs("security:\n  curve:\n", f);
        s_put_string(f, "    ", "secret_key", s->security.curve.secret_key_given);
        s_put_string(f, "    ", "authorized_keys", s->security.curve.authorized_keys_given);
    }
    s_write_llm(s, f);
    s_write_structure(s, f);
    s_write_society(s, f);
    s_write_faults(s, f);
    return ferror(f) ? NN_EIO : NN_OK;
}

void nn_scenario_release(nn_scenario_t *s)
{
    if (!s)
        return;
    json_decref(s->llm);
    s->llm = NULL;
}

const char *nn_transport_name(nn_transport_t t)
{
    return (unsigned)t < 3 ? s_transport_names[t] : "?";
}

const char *nn_opinions_init_name(nn_init_t i)
{
    return (unsigned)i < S_N_INITS ? s_init_names[i] : "?";
}
