/* The round's texts: see texts.h. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/error.h"

#include "texts.h"

int nn_said_init(nn_said_t *s, uint32_t n_agents)
{
    memset(s, 0, sizeof *s);
    s->n_agents = n_agents;
    s->at = calloc(n_agents ? n_agents : 1, sizeof *s->at);
    return s->at ? NN_OK : NN_ENOMEM;
}

void nn_said_release(nn_said_t *s)
{
    free(s->e);
    free(s->bytes);
    free(s->to);
    free(s->at);
    memset(s, 0, sizeof *s);
}

void nn_said_view_release(nn_said_view_t *v)
{
    free(v->from);
    free(v->text);
    memset(v, 0, sizeof *v);
}

void nn_said_begin(nn_said_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].from < s->n_agents)
            s->at[s->e[i].from] = 0;
    s->n = s->used = s->n_to = 0;
}

/* Grows *p (of elem-byte entries, *cap of them) to hold want. 0 or -1. */
static int s_grow(void **p, size_t *cap, size_t want, size_t elem)
{
    if (want <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < want)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

int nn_said_add(nn_said_t *s, uint32_t from, const char *text, const uint32_t *to, size_t n_to)
{
    size_t len = strlen(text) + 1;
    if (s_grow((void **)&s->e, &s->cap, s->n + 1, sizeof *s->e) ||
        s_grow((void **)&s->bytes, &s->bytes_cap, s->used + len, 1) ||
        s_grow((void **)&s->to, &s->to_cap, s->n_to + n_to, sizeof *s->to))
        return NN_ENOMEM;
    nn_said_entry_t *e = &s->e[s->n++];
    e->from = from;
    e->text = s->used;
    e->to = s->n_to;
    e->n_to = n_to;
    memcpy(s->bytes + s->used, text, len);
    s->used += len;
    if (n_to)
        memcpy(s->to + s->n_to, to, n_to * sizeof *to);
    s->n_to += n_to;
    return NN_OK;
}

static int s_entry_cmp(const void *a, const void *b)
{
    const nn_said_entry_t *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

int nn_said_finish(nn_said_t *s)
{
    int sorted = 1;
    for (size_t i = 1; i < s->n && sorted; i++)
        sorted = s->e[i].from > s->e[i - 1].from;
    if (!sorted)
        qsort(s->e, s->n, sizeof *s->e, s_entry_cmp);
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].from >= s->n_agents || (i && s->e[i].from == s->e[i - 1].from))
            return NN_EPROTO;
        s->at[s->e[i].from] = (uint32_t)(i + 1);
    }
    return NN_OK;
}

static int s_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int nn_said_tick(const nn_said_t *s, const nn_delivery_t *d, size_t n, nn_said_view_t *v,
                 nn_texts_t *out)
{
    memset(out, 0, sizeof *out);
    if (!s->n)
        return NN_OK;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t f = d[i].from;
        if (f >= s->n_agents || !s->at[f])
            continue;
        if (m == v->cap) {
            size_t cap = v->cap ? 2 * v->cap : 64;
            uint32_t *a = realloc(v->from, cap * sizeof *a);
            if (a)
                v->from = a;
            const char **t = realloc(v->text, cap * sizeof *t);
            if (t)
                v->text = t;
            if (!a || !t)
                return NN_ENOMEM;
            v->cap = cap;
        }
        v->from[m++] = f;
    }
    if (m)
        qsort(v->from, m, sizeof *v->from, s_u32_cmp);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (!u || v->from[i] != v->from[u - 1])
            v->from[u++] = v->from[i];
    for (size_t i = 0; i < u; i++)
        v->text[i] = s->bytes + s->e[s->at[v->from[i]] - 1].text;
    out->n = u;
    out->from = v->from;
    out->text = v->text;
    return NN_OK;
}

int nn_said_write(const nn_said_t *s, FILE *f, uint64_t round)
{
    for (size_t i = 0; i < s->n; i++) {
        const nn_said_entry_t *e = &s->e[i];
        json_t *to = json_array();
        for (size_t k = 0; to && k < e->n_to; k++)
            json_array_append_new(to, json_integer(s->to[e->to + k]));
        json_t *o = json_pack("{s:I,s:I,s:o,s:s}", "round", (json_int_t)round, "from",
                              (json_int_t)e->from, "to", to, "text", s->bytes + e->text);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (!line)
            return NN_EIO;
        int bad = fputs(line, f) < 0 || fputc('\n', f) < 0;
        free(line);
        if (bad)
            return NN_EIO;
    }
    return fflush(f) == 0 ? NN_OK : NN_EIO;
}

/* Packed: per text, uint32 from, uint32 n_to, uint32 text bytes (NUL included), then
 * the receivers and the text, padded to 4 bytes. */
int nn_said_pack(const nn_said_t *s, void **buf, size_t *cap, size_t *len)
{
    size_t need = 0;
    for (size_t i = 0; i < s->n; i++) {
        size_t tl = strlen(s->bytes + s->e[i].text) + 1;
        need += 12 + 4 * s->e[i].n_to + ((tl + 3) & ~(size_t)3);
    }
    if (need > *cap) {
        void *p = realloc(*buf, need);
        if (!p)
            return NN_ENOMEM;
        *buf = p;
        *cap = need;
    }
    unsigned char *at = *buf;
    for (size_t i = 0; i < s->n; i++) {
        const nn_said_entry_t *e = &s->e[i];
        uint32_t tl = (uint32_t)strlen(s->bytes + e->text) + 1,
                 h[3] = {e->from, (uint32_t)e->n_to, tl};
        memcpy(at, h, 12);
        at += 12;
        if (e->n_to)
            memcpy(at, s->to + e->to, 4 * e->n_to);
        at += 4 * e->n_to;
        memcpy(at, s->bytes + e->text, tl);
        memset(at + tl, 0, ((tl + 3) & ~3u) - tl);
        at += (tl + 3) & ~3u;
    }
    *len = need;
    return NN_OK;
}

int nn_said_unpack(nn_said_t *s, const void *buf, size_t len)
{
    const unsigned char *at = buf, *end = at + len;
    while (at < end) {
        uint32_t h[3];
        if ((size_t)(end - at) < 12)
            return NN_EPROTO;
        memcpy(h, at, 12);
        at += 12;
        size_t tl = h[2], pad = (tl + 3) & ~(size_t)3;
        if (tl == 0 || tl > NN_TEXT_BYTES + 1 || (size_t)(end - at) / 4 < h[1] ||
            (size_t)(end - at) - 4 * (size_t)h[1] < pad || at[4 * (size_t)h[1] + tl - 1] != '\0')
            return NN_EPROTO;
        uint32_t *to = NULL;
        if (h[1] && !(to = malloc(4 * (size_t)h[1])))
            return NN_ENOMEM;
        if (h[1])
            memcpy(to, at, 4 * (size_t)h[1]);
        int rc = nn_said_add(s, h[0], (const char *)at + 4 * (size_t)h[1], to, h[1]);
        free(to);
        if (rc != NN_OK)
            return rc;
        at += 4 * (size_t)h[1] + pad;
    }
    return NN_OK;
}

/* --- checkpoints ----------------------------------------------------------------------- */

int nn_said_save(const nn_said_t *s, nn_ckpt_writer_t *w)
{
    void *buf = NULL;
    size_t cap = 0, len = 0;
    int rc = nn_said_pack(s, &buf, &cap, &len);
    if (rc == NN_OK)
        nn_ckpt_put(w, NN_CKPT_TAG_TEXTS + 0, buf, len);
    free(buf);
    return rc;
}

int nn_said_load(nn_said_t *s, nn_ckpt_reader_t *r)
{
    size_t len = 0;
    const void *p = nn_ckpt_take(r, NN_CKPT_TAG_TEXTS + 0, &len);
    if (!p)
        return NN_EPROTO;
    nn_said_begin(s);
    int rc = nn_said_unpack(s, p, len);
    if (rc == NN_OK && nn_said_finish(s) != NN_OK)
        rc = NN_EPROTO;
    if (rc == NN_EPROTO) {
        nn_ckpt_misfit(r, "texts: the saved texts do not unpack");
    }
    return rc;
}

const char *nn_said_text(const nn_said_t *s, uint32_t from)
{
    if (!s->at || from >= s->n_agents || !s->at[from])
        return NULL;
    return s->bytes + s->e[s->at[from] - 1].text;
}
