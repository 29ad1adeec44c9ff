/* Trends: seeding and the adoption curve; see trends.h. */
#include "trends.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "nunchi/wire.h"

struct nn_trends {
    nn_trends_config_t cfg;
    uint32_t n;
    uint64_t seed;
    size_t count; /* trends born */
    nn_trend_stats_t trend[NN_MAX_TRENDS];
    uint64_t *tally; /* NN_MAX_TRENDS counters, reused each round */
    uint32_t *picked;
    uint64_t *seen; /* one bit per agent, for drawing seeds without repeats */
};

int nn_trends_new(nn_trends_t **out, const nn_trends_config_t *cfg, uint32_t n, uint64_t seed)
{
    *out = NULL;
    if (cfg->every == 0)
        return NN_OK;
    nn_trends_t *t = calloc(1, sizeof *t);
    if (!t)
        return NN_ENOMEM;
    t->cfg = *cfg;
    if (t->cfg.max > NN_MAX_TRENDS || t->cfg.max == 0)
        t->cfg.max = NN_MAX_TRENDS;
    if (t->cfg.seeds > n)
        t->cfg.seeds = n;
    t->n = n;
    t->seed = seed;
    t->tally = calloc(NN_MAX_TRENDS, sizeof *t->tally);
    t->picked = calloc(t->cfg.seeds ? t->cfg.seeds : 1, sizeof *t->picked);
    t->seen = calloc(((size_t)n + 63) / 64 + 1, sizeof *t->seen);
    if (!t->tally || !t->picked || !t->seen) {
        nn_trends_destroy(&t);
        return NN_ENOMEM;
    }
    *out = t;
    return NN_OK;
}

void nn_trends_destroy(nn_trends_t **pt)
{
    nn_trends_t *t = *pt;
    if (!t)
        return;
    free(t->tally);
    free(t->picked);
    free(t->seen);
    free(t);
    *pt = NULL;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int nn_trends_seed(nn_trends_t *t, uint64_t next, nn_notice_list_t *out, FILE *events)
{
    if (!t || next == 0 || next % t->cfg.every != 0 || t->count >= t->cfg.max)
        return NN_OK;
    size_t id = t->count;
    /* seeds are distinct agents drawn uniformly: a draw that repeats an earlier pick
     * is drawn again; repeats are found in a bitmap of the agents, so that a trend
     * seeded in the whole society costs O(agents), not O(seeds^2) */
    nn_rng_t g;
    nn_rng_init(&g, t->seed, NN_STREAM_TRENDS, id, 0);
    memset(t->seen, 0, ((size_t)t->n + 63) / 64 * sizeof *t->seen);
    uint32_t k = 0;
    while (k < t->cfg.seeds) {
        uint32_t a = (uint32_t)nn_rng_below(&g, t->n);
        uint64_t bit = (uint64_t)1 << (a & 63);
        if (t->seen[a >> 6] & bit)
            continue;
        t->seen[a >> 6] |= bit;
        t->picked[k++] = a;
    }
    qsort(t->picked, k, sizeof *t->picked, s_cmp_u32);
    for (uint32_t j = 0; j < k; j++) {
        nn_notice_t no = {NN_NOTICE_TREND, 0, 0, NN_NO_AGENT, (uint32_t)id, 0.0, 0.0};
        if (nn_notice_push(out, t->picked[j], &no) != NN_OK)
            return NN_ENOMEM;
    }
    nn_trend_stats_t *s = &t->trend[id];
    memset(s, 0, sizeof *s);
    s->born = next;
    t->count++;
    if (events) {
        json_t *ev = json_pack("{s:I,s:s,s:I,s:I}", "round", (json_int_t)next, "event",
                               "trend_born", "trend", (json_int_t)id, "seeds", (json_int_t)k);
        if (ev) {
            json_dumpf(ev, events, JSON_COMPACT);
            fputc('\n', events);
            json_decref(ev);
        }
    }
    return NN_OK;
}

void nn_trends_observe(nn_trends_t *t, uint64_t round, const uint64_t *trends)
{
    if (!t || t->count == 0)
        return;
    memset(t->tally, 0, NN_MAX_TRENDS * sizeof *t->tally);
    if (trends)
        for (uint32_t i = 0; i < t->n; i++)
            for (uint64_t m = trends[i]; m; m &= m - 1)
                t->tally[__builtin_ctzll(m)]++;
    static const uint64_t tenths[3] = {1, 5, 9}; /* 10%, 50%, 90%, compared exactly */
    for (size_t id = 0; id < t->count; id++) {
        nn_trend_stats_t *s = &t->trend[id];
        s->adopters = t->tally[id];
        if (s->adopters > s->peak)
            s->peak = s->adopters;
        for (int k = 0; k < 3; k++)
            if (!s->reached[k] && s->adopters * 10 >= tenths[k] * (uint64_t)t->n)
                s->reached[k] = round;
    }
}

size_t nn_trends_count(const nn_trends_t *t)
{
    return t ? t->count : 0;
}

size_t nn_trends_born_by(const nn_trends_t *t, uint64_t round)
{
    size_t n = nn_trends_count(t);
    while (n && t->trend[n - 1].born > round) /* born in ascending rounds */
        n--;
    return n;
}

const nn_trend_stats_t *nn_trends_at(const nn_trends_t *t, size_t i)
{
    return t && i < t->count ? &t->trend[i] : NULL;
}

/* --- checkpoints --------------------------------------------------------------------- */

/* Between two rounds the trends' state is the trends born and their courses; tally,
 * picked and seen are scratch (seen is cleared at the top of each nn_trends_seed). */

enum {
    S_CK_ID = NN_CKPT_TAG_TRENDS, /* u64: agents, every, seeds, max (as made by _new) */
    S_CK_COUNT,                   /* u64: trends born */
    S_CK_TREND                    /* count nn_trend_stats_t */
};

_Static_assert(sizeof(nn_trend_stats_t) == 6 * sizeof(uint64_t), "nn_trend_stats_t is u64s");

static void s_ck_id(const nn_trends_t *t, uint64_t id[4])
{
    id[0] = t ? t->n : 0;
    id[1] = t ? t->cfg.every : 0;
    id[2] = t ? t->cfg.seeds : 0;
    id[3] = t ? t->cfg.max : 0;
}

int nn_trends_save(const nn_trends_t *t, nn_ckpt_writer_t *w)
{
    uint64_t id[4];
    s_ck_id(t, id);
    nn_ckpt_put(w, S_CK_ID, id, sizeof id);
    size_t count = t ? t->count : 0;
    nn_ckpt_put_u64(w, S_CK_COUNT, count);
    nn_ckpt_put(w, S_CK_TREND, count ? t->trend : NULL, count * sizeof *t->trend);
    return NN_OK;
}

int nn_trends_load(nn_trends_t *t, nn_ckpt_reader_t *r)
{
    if (r->failed)
        return NN_EPROTO;
    uint64_t id[4], mine[4], count;
    s_ck_id(t, mine);
    if (nn_ckpt_get(r, S_CK_ID, id, sizeof id) != NN_OK)
        return NN_EPROTO;
    if (id[1] == 0 || mine[1] == 0) {
        if (id[1] != mine[1])
            return nn_ckpt_misfit(r, "trends: the checkpoint has %s, the scenario %s",
                                  id[1] ? "trends" : "no trends", mine[1] ? "has" : "has none");
    } else if (id[0] != mine[0]) {
        return nn_ckpt_misfit(
            r, "trends: the checkpoint is of %" PRIu64 " agents, the scenario has %" PRIu64, id[0],
            mine[0]);
    } else if (id[1] != mine[1] || id[2] != mine[2] || id[3] != mine[3]) {
        return nn_ckpt_misfit(r,
                              "trends: the checkpoint has a trend every %" PRIu64
                              " rounds in %" PRIu64 " agents, at most %" PRIu64
                              "; the scenario every %" PRIu64 " in %" PRIu64 ", at most %" PRIu64,
                              id[1], id[2], id[3], mine[1], mine[2], mine[3]);
    }
    if (nn_ckpt_get_u64(r, S_CK_COUNT, &count) != NN_OK)
        return NN_EPROTO;
    if (count > mine[3])
        return nn_ckpt_misfit(
            r, "trends: the checkpoint has %" PRIu64 " trends, at most %" PRIu64 " fit", count,
            mine[3]);
    size_t len = 0;
    const nn_trend_stats_t *src = nn_ckpt_take(r, S_CK_TREND, &len);
    if (!src)
        return NN_EPROTO;
    if (len != count * sizeof *src)
        return nn_ckpt_misfit(r,
                              "trends: the checkpoint's courses of %" PRIu64
                              " trends have %zu bytes, %zu expected",
                              count, len, (size_t)count * sizeof *src);
    /* what nn_trends_born_by and the adoption curve rely on */
    for (size_t i = 0; i < count; i++) {
        const nn_trend_stats_t *s = &src[i];
        if (s->born == 0 || s->born % mine[1] != 0 || (i > 0 && s->born < src[i - 1].born) ||
            s->adopters > s->peak || s->peak > mine[0])
            return nn_ckpt_misfit(
                r,
                "trends: trend %zu of the checkpoint is out of range (born in round "
                "%" PRIu64 ", %" PRIu64 " adopters, peak %" PRIu64 " of %" PRIu64 ")",
                i, s->born, s->adopters, s->peak, mine[0]);
    }
    if (!t)
        return NN_OK;
    memset(t->trend, 0, sizeof t->trend);
    if (count)
        memcpy(t->trend, src, (size_t)count * sizeof *src);
    t->count = (size_t)count;
    return NN_OK;
}
