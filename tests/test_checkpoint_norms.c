/* Tests of the norms' and the trends' checkpoints (nn_norms_save/load, nn_trends_save/load)
 * without the coordinator. A run of 30 rounds with every norm and every sanction on (and
 * forgiveness, partial detection and the game) is made straight (A); then, for every R,
 * an instance is run R rounds (B), saved to a file, loaded into a fresh instance (C) and
 * continued: C's check results, notices, stats, payoffs, reputations and events lines for
 * rounds R + 1 .. 30 are byte for byte A's. The same for the trends, whose adoption is
 * simulated here. A checkpoint of another society or config, or a file whose records
 * were changed (sizes, values out of range, records missing), is refused with a message
 * naming what does not fit, and the instance is left untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "checkpoint.h"
#include "norms.h"
#include "trends.h"

#define SEED  0x636b7074ULL
#define T     30u /* rounds of a run */
#define MAXN  64u
#define NN_   10u /* the norms' society */
#define NT_   40u /* the trends' society */
#define INPUT 77u /* the test's own stream, for the agents' acts */

/* ---- files ----------------------------------------------------------------------- */

typedef struct t_dir {
    char dir[64];
    char path[128];
    char path2[128];
} t_dir_t;

static int t_setup(void **state)
{
    t_dir_t *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->dir, sizeof d->dir, "/tmp/test_ckpt_norms.XXXXXX");
    if (!mkdtemp(d->dir)) {
        free(d);
        return -1;
    }
    snprintf(d->path, sizeof d->path, "%s/ckpt", d->dir);
    snprintf(d->path2, sizeof d->path2, "%s/ckpt2", d->dir);
    *state = d;
    return 0;
}

static int t_teardown(void **state)
{
    t_dir_t *d = *state;
    unlink(d->path);
    unlink(d->path2);
    rmdir(d->dir);
    free(d);
    return 0;
}

/* What was written to f from byte `from` on, NUL-terminated (the caller frees it). */
static char *t_slurp(FILE *f, long from, size_t *len)
{
    assert_int_equal(fflush(f), 0);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long end = ftell(f);
    assert_true(end >= from);
    char *b = malloc((size_t)(end - from) + 1);
    assert_non_null(b);
    assert_int_equal(fseek(f, from, SEEK_SET), 0);
    assert_int_equal(fread(b, 1, (size_t)(end - from), f), (size_t)(end - from));
    b[end - from] = '\0';
    *len = (size_t)(end - from);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    return b;
}

static void t_same_from(FILE *a, long from_a, FILE *c, long from_c)
{
    size_t la, lc;
    char *x = t_slurp(a, from_a, &la), *y = t_slurp(c, from_c, &lc);
    if (la != lc || memcmp(x, y, la) != 0) {
        /* the first line that differs, for the reader of a failure */
        size_t i = 0;
        while (i < la && i < lc && x[i] == y[i])
            i++;
        size_t s = i;
        while (s > 0 && x[s - 1] != '\n')
            s--;
        fprintf(stderr, "straight: %.200s\nresumed:  %.200s\n", x + s, y + s);
    }
    assert_int_equal(la, lc);
    assert_memory_equal(x, y, la);
    free(x);
    free(y);
}

/* Copies the records base + 0 .. base + count - 1 of src to dst, letting `mutate` change
 * the one with tag `tag` (its buffer has room for 64 more bytes). */
typedef void (*t_mutate_fn)(unsigned char *buf, size_t *len);

static void t_rewrite(const char *src, const char *dst, uint32_t base, size_t count, uint32_t tag,
                      t_mutate_fn mutate)
{
    char err[256];
    nn_ckpt_reader_t r;
    nn_ckpt_writer_t w;
    assert_int_equal(nn_ckpt_open(&r, src, err, sizeof err), NN_OK);
    assert_int_equal(nn_ckpt_begin(&w, dst, err, sizeof err), NN_OK);
    for (size_t i = 0; i < count; i++) {
        size_t len = 0;
        const void *p = nn_ckpt_take(&r, base + (uint32_t)i, &len);
        assert_non_null(p);
        unsigned char *buf = calloc(1, len + 64);
        assert_non_null(buf);
        memcpy(buf, p, len);
        if (base + i == tag && mutate)
            mutate(buf, &len);
        if (!(base + i == tag && !mutate)) /* no mutate: the record is left out */
            nn_ckpt_put(&w, base + (uint32_t)i, buf, len);
        free(buf);
    }
    assert_false(nn_ckpt_next_is(&r, base + (uint32_t)count)); /* all were copied */
    nn_ckpt_close(&r);
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
}

/* ---- the norms' society ------------------------------------------------------------ */

/* A path 0-1-..-(n-1) with the hierarchy i -> (i - 1) / 2, everything owned here. */
typedef struct t_nrun {
    uint32_t n;
    uint64_t off[MAXN + 1];
    uint32_t adj[2 * MAXN];
    uint32_t sup[MAXN];
    double rep[MAXN];
    nn_network_t net;
    nn_structure_t st;
    nn_norms_t *norms;
    nn_notice_list_t out;
    FILE *trace, *events;
    long toff[T + 1], eoff[T + 1]; /* the files' lengths after each round */
    uint32_t muted[T + 1], excluded[T + 1];
} t_nrun_t;

static nn_norms_config_t t_ncfg(void)
{
    nn_norms_config_t c;
    memset(&c, 0, sizeof c);
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        c.norm[k].on = 1;
        c.norm[k].detect = 1.0;
    }
    c.norm[NN_NORM_RATE].limit = 3;
    c.norm[NN_NORM_ADDRESS].scope = NN_ADDRESS_EITHER;
    c.norm[NN_NORM_AGGRESSION].threshold = 0.9;
    c.norm[NN_NORM_AGGRESSION].detect = 0.6;
    c.norm[NN_NORM_DEFECTION].detect = 0.7;
    const nn_sanction_t W = {NN_SANCTION_WARN, 0, 0};
    nn_norm_config_t *nc = c.norm;
    nc[NN_NORM_RATE].forgive = 3;
    nc[NN_NORM_RATE].n_ladder = 3;
    nc[NN_NORM_RATE].ladder[0] = W;
    nc[NN_NORM_RATE].ladder[1] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.1, 0};
    nc[NN_NORM_RATE].ladder[2] = (nn_sanction_t){NN_SANCTION_MUTE, 0, 2};
    nc[NN_NORM_ADDRESS].forgive = 4;
    nc[NN_NORM_ADDRESS].n_ladder = 3;
    nc[NN_NORM_ADDRESS].ladder[0] = W;
    nc[NN_NORM_ADDRESS].ladder[1] = (nn_sanction_t){NN_SANCTION_MUTE, 0, 1};
    nc[NN_NORM_ADDRESS].ladder[2] = (nn_sanction_t){NN_SANCTION_EXCLUDE, 0, 2};
    nc[NN_NORM_AGGRESSION].forgive = 2;
    nc[NN_NORM_AGGRESSION].n_ladder = 3;
    nc[NN_NORM_AGGRESSION].ladder[0] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.2, 0};
    nc[NN_NORM_AGGRESSION].ladder[1] = (nn_sanction_t){NN_SANCTION_MUTE, 0, 3};
    nc[NN_NORM_AGGRESSION].ladder[2] = (nn_sanction_t){NN_SANCTION_EXCLUDE, 0, 1};
    nc[NN_NORM_DEFECTION].forgive = 2;
    nc[NN_NORM_DEFECTION].n_ladder = 4;
    nc[NN_NORM_DEFECTION].ladder[0] = W;
    nc[NN_NORM_DEFECTION].ladder[1] = W;
    nc[NN_NORM_DEFECTION].ladder[2] = (nn_sanction_t){NN_SANCTION_REPUTATION, 0.05, 0};
    nc[NN_NORM_DEFECTION].ladder[3] = (nn_sanction_t){NN_SANCTION_MUTE, 0, 1};
    nc[NN_NORM_NONCOMPLIANCE].forgive = 3;
    nc[NN_NORM_NONCOMPLIANCE].n_ladder = 2;
    nc[NN_NORM_NONCOMPLIANCE].ladder[0] = W;
    nc[NN_NORM_NONCOMPLIANCE].ladder[1] = (nn_sanction_t){NN_SANCTION_EXCLUDE, 0, 3};
    c.recovery = 0.05;
    return c;
}

static const nn_game_config_t s_game = {.on = 1, .benefit = 2.5, .cost = 0.3};

static void t_nrun_init(t_nrun_t *x, uint32_t n, const nn_norms_config_t *c)
{
    memset(x, 0, sizeof *x);
    assert_true(n >= 2 && n <= MAXN);
    x->n = n;
    uint64_t e = 0;
    for (uint32_t i = 0; i < n; i++) {
        x->off[i] = e;
        if (i > 0)
            x->adj[e++] = i - 1;
        if (i + 1 < n)
            x->adj[e++] = i + 1;
        x->sup[i] = i == 0 ? NN_NO_SUPERIOR : (i - 1) / 2;
        x->rep[i] = 1.0;
    }
    x->off[n] = e;
    x->net = (nn_network_t){.n = n, .n_edges = e / 2, .off = x->off, .adj = x->adj};
    x->st = (nn_structure_t){.n = n, .superior = x->sup, .reputation = x->rep, .n_groups = 1};
    nn_norms_env_t env = {.n = n, .seed = SEED, .net = &x->net, .st = &x->st};
    nn_norms_config_t dc = t_ncfg();
    assert_int_equal(nn_norms_new(&x->norms, c ? c : &dc, &s_game, &env), NN_OK);
    x->trace = tmpfile();
    x->events = tmpfile();
    assert_non_null(x->trace);
    assert_non_null(x->events);
}

static void t_nrun_free(t_nrun_t *x)
{
    nn_norms_destroy(&x->norms);
    nn_notice_list_release(&x->out);
    if (x->trace)
        fclose(x->trace);
    if (x->events)
        fclose(x->events);
    x->trace = x->events = NULL;
}

/* The agents' acts in round r, a function of r only: each sender's messages in one
 * batch (ascending senders), mostly to neighbours, some hostile or defecting; and a few
 * noncompliances. */
static size_t t_acts(uint32_t n, uint64_t r, nn_msg_t *m, nn_violation_t *v, size_t *nv)
{
    size_t k = 0;
    *nv = 0;
    for (uint32_t a = 0; a < n; a++) {
        nn_rng_t g;
        nn_rng_init(&g, SEED, INPUT, a, r);
        uint64_t count = nn_rng_below(&g, 6);
        for (uint64_t i = 0; i < count; i++) {
            uint32_t to;
            if (nn_rng_unit(&g) < 0.75)
                to = a == 0 ? 1 : a + 1 == n ? a - 1 : (nn_rng_u64(&g) & 1 ? a + 1 : a - 1);
            else
                to = (a + 1 + (uint32_t)nn_rng_below(&g, n - 1)) % n;
            float hostility = (float)nn_rng_unit(&g);
            uint32_t flags = nn_rng_unit(&g) < 0.4 ? NN_MSG_DEFECT : 0;
            m[k++] = (nn_msg_t){.from = a, .to = to, .hostility = hostility, .flags = flags};
        }
        if (nn_rng_unit(&g) < 0.08)
            v[(*nv)++] = (nn_violation_t){.agent = a,
                                          .norm = NN_NORM_NONCOMPLIANCE,
                                          .count = 1 + (uint32_t)nn_rng_below(&g, 2)};
    }
    return k;
}

/* Rounds from .. to, as the coordinator runs them: begin, the router's checks (seq
 * numbering each sender's messages), the cases' noncompliances, end_round; everything
 * they give is written to the trace. */
static void t_nrounds(t_nrun_t *x, uint64_t from, uint64_t to)
{
    static nn_msg_t m[MAXN * 6];
    nn_violation_t v[MAXN];
    for (uint64_t r = from; r <= to; r++) {
        size_t nv, k = t_acts(x->n, r, m, v, &nv);
        nn_norms_begin(x->norms, r);
        fprintf(x->trace, "round %llu checks", (unsigned long long)r);
        uint32_t prev = UINT32_MAX, seq = 0;
        for (size_t i = 0; i < k; i++) {
            seq = m[i].from == prev ? seq + 1 : 0;
            prev = m[i].from;
            fprintf(x->trace, " %d", (int)nn_norms_check(x->norms, &m[i], seq));
        }
        fputc('\n', x->trace);
        assert_int_equal(nn_norms_add(x->norms, v, nv), NN_OK);
        x->out.len = 0;
        assert_int_equal(nn_norms_end_round(x->norms, r, &x->out, x->events), NN_OK);
        for (size_t i = 0; i < x->out.len; i++) {
            const nn_notice_t *nt = &x->out.items[i];
            fprintf(x->trace, "notice %u: %u %u %u %u %u %a %a\n", x->out.to[i], nt->kind,
                    nt->protocol, nt->case_id, nt->other, nt->arg, nt->value, nt->value2);
        }
        const nn_norms_stats_t *s = nn_norms_stats(x->norms);
        fputs("stats", x->trace);
        for (int j = 0; j < NN_NORM_KINDS; j++)
            fprintf(x->trace, " %llu/%llu", (unsigned long long)s->round_violations[j],
                    (unsigned long long)s->total_violations[j]);
        for (int j = 0; j < NN_SANCTION_KINDS; j++)
            fprintf(x->trace, " %llu/%llu", (unsigned long long)s->round_sanctions[j],
                    (unsigned long long)s->total_sanctions[j]);
        fprintf(x->trace, " %llu/%llu %llu/%llu %llx:%llx %u %u\n",
                (unsigned long long)s->round_cooperate, (unsigned long long)s->total_cooperate,
                (unsigned long long)s->round_defect, (unsigned long long)s->total_defect,
                (unsigned long long)((unsigned __int128)s->total_payoff_micro >> 64),
                (unsigned long long)(uint64_t)s->total_payoff_micro, s->muted, s->excluded);
        fputs("agents", x->trace);
        for (uint32_t a = 0; a < x->n; a++)
            fprintf(x->trace, " %a/%a", nn_norms_payoff(x->norms, a), x->rep[a]);
        fputc('\n', x->trace);
        assert_int_equal(fflush(x->trace), 0);
        assert_int_equal(fflush(x->events), 0);
        x->toff[r] = ftell(x->trace);
        x->eoff[r] = ftell(x->events);
        x->muted[r] = s->muted;
        x->excluded[r] = s->excluded;
    }
}

static void t_nsave(nn_norms_t *n, const char *path)
{
    char err[256];
    nn_ckpt_writer_t w;
    assert_int_equal(nn_ckpt_begin(&w, path, err, sizeof err), NN_OK);
    assert_int_equal(nn_norms_save(n, &w), NN_OK);
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
}

/* Loads path into n: the result, and r.why in why. */
static int t_nload(nn_norms_t *n, const char *path, char *why, size_t whylen)
{
    char err[256];
    nn_ckpt_reader_t r;
    assert_int_equal(nn_ckpt_open(&r, path, err, sizeof err), NN_OK);
    int rc = nn_norms_load(n, &r);
    if (rc == NN_OK)
        assert_false(nn_ckpt_next_is(&r, NN_CKPT_TAG_NORMS + 15)); /* nothing left behind */
    snprintf(why, whylen, "%s", r.why);
    assert_true(rc == NN_OK ? r.failed == 0 && why[0] == '\0' : r.failed != 0 && why[0] != '\0');
    nn_ckpt_close(&r);
    return rc;
}

/* ---- the norms: resumed runs are the straight run ----------------------------------- */

static void test_norms_resume(void **state)
{
    t_dir_t *d = *state;
    static t_nrun_t a, b, c;
    t_nrun_init(&a, NN_, NULL);
    t_nrounds(&a, 1, T);
    /* the run does all there is to do */
    const nn_norms_stats_t *s = nn_norms_stats(a.norms);
    for (int k = 0; k < NN_NORM_KINDS; k++)
        assert_true(s->total_violations[k] > 0);
    for (int k = 0; k < NN_SANCTION_KINDS; k++)
        assert_true(s->total_sanctions[k] > 0);
    assert_true(s->total_cooperate > 0 && s->total_defect > 0);

    unsigned both = 0, muted = 0, excluded = 0, none = 0;
    for (uint64_t R = 0; R < T; R++) {
        t_nrun_init(&b, NN_, NULL);
        t_nrounds(&b, 1, R);
        t_nsave(b.norms, d->path);
        t_nrun_init(&c, NN_, NULL);
        /* reputation is the structure's, which has its own checkpoint */
        memcpy(c.rep, b.rep, sizeof c.rep);
        char why[512];
        assert_int_equal(t_nload(c.norms, d->path, why, sizeof why), NN_OK);
        /* the stats are there before the next round */
        assert_memory_equal(nn_norms_stats(c.norms)->total_sanctions,
                            nn_norms_stats(b.norms)->total_sanctions, sizeof s->total_sanctions);
        t_nrounds(&c, R + 1, T);
        t_same_from(a.trace, R ? a.toff[R] : 0, c.trace, 0);
        t_same_from(a.events, R ? a.eoff[R] : 0, c.events, 0);
        if (R > 0) {
            /* B is A's beginning, and at R some are muted or excluded */
            assert_int_equal(b.muted[R], a.muted[R]);
            assert_int_equal(b.excluded[R], a.excluded[R]);
            muted += a.muted[R] > 0;
            excluded += a.excluded[R] > 0;
            both += a.muted[R] > 0 && a.excluded[R] > 0;
            none += a.muted[R] == 0 && a.excluded[R] == 0;
        }
        t_nrun_free(&b);
        t_nrun_free(&c);
    }
    assert_true(both >= 3);
    assert_true(muted > both && excluded > both);
    t_nrun_free(&a);
}

/* ---- the norms: checkpoints that do not fit ----------------------------------------- */

static void t_assert_fresh(const nn_norms_t *n, uint32_t agents)
{
    static const nn_norms_stats_t zero;
    assert_memory_equal(nn_norms_stats(n), &zero, offsetof(nn_norms_stats_t, muted));
    assert_int_equal(nn_norms_stats(n)->muted, 0);
    for (uint32_t a = 0; a < agents; a++)
        assert_true(nn_norms_payoff(n, a) == 0.0);
}

static void test_norms_other_society(void **state)
{
    t_dir_t *d = *state;
    static t_nrun_t b, c;
    char why[512];
    t_nrun_init(&b, NN_, NULL);
    t_nrounds(&b, 1, 8);
    t_nsave(b.norms, d->path);

    t_nrun_init(&c, 12, NULL);
    assert_int_equal(t_nload(c.norms, d->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "norms"));
    assert_non_null(strstr(why, "10 agents"));
    assert_non_null(strstr(why, "12"));
    t_assert_fresh(c.norms, 12);
    t_nrun_free(&c);

    /* the same society with noncompliance off: a ladder, and its arrays, are missing */
    nn_norms_config_t cf = t_ncfg();
    cf.norm[NN_NORM_NONCOMPLIANCE].on = 0;
    t_nrun_init(&c, NN_, &cf);
    assert_int_equal(t_nload(c.norms, d->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "noncompliance"));
    t_nrun_free(&c);

    /* no forgiveness for rate: the same ladders, but no last[rate] */
    cf = t_ncfg();
    cf.norm[NN_NORM_RATE].forgive = 0;
    t_nrun_init(&c, NN_, &cf);
    assert_int_equal(t_nload(c.norms, d->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "last[rate]"));
    t_nrun_free(&c);

    /* a reader that has failed already is not read on */
    t_nrun_init(&c, NN_, NULL);
    nn_ckpt_reader_t r;
    char err[256];
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    r.failed = 1;
    snprintf(r.why, sizeof r.why, "earlier");
    assert_int_equal(nn_norms_load(c.norms, &r), NN_EPROTO);
    assert_string_equal(r.why, "earlier");
    nn_ckpt_close(&r);
    /* and a checkpoint of the trends is not one of the norms */
    nn_trends_config_t tc = {.every = 3, .seeds = 2, .max = 4};
    nn_trends_t *t = NULL;
    assert_int_equal(nn_trends_new(&t, &tc, NN_, SEED), NN_OK);
    nn_ckpt_writer_t w;
    assert_int_equal(nn_ckpt_begin(&w, d->path2, err, sizeof err), NN_OK);
    assert_int_equal(nn_trends_save(t, &w), NN_OK);
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
    nn_trends_destroy(&t);
    assert_int_equal(t_nload(c.norms, d->path2, why, sizeof why), NN_EPROTO);
    t_assert_fresh(c.norms, NN_);
    t_nrun_free(&c);
    t_nrun_free(&b);
}

static void t_cut3(unsigned char *buf, size_t *len)
{
    (void)buf;
    *len = 3;
}
static void t_grow8(unsigned char *buf, size_t *len)
{
    (void)buf;
    *len += 8;
}
static void t_rung_past(unsigned char *buf, size_t *len)
{
    assert_true(*len == NN_);
    buf[4] = 200;
}
static void t_muted_many(unsigned char *buf, size_t *len)
{
    uint64_t v = 1000; /* the stats' second last field: the agents muted */
    memcpy(buf + *len - 16, &v, sizeof v);
}
static void t_agents_huge(unsigned char *buf, size_t *len)
{
    (void)len;
    uint64_t v = UINT64_MAX;
    memcpy(buf, &v, sizeof v);
}

static void test_norms_bad_file(void **state)
{
    t_dir_t *d = *state;
    static t_nrun_t b, c;
    char why[512];
    t_nrun_init(&b, NN_, NULL);
    t_nrounds(&b, 1, 8);
    t_nsave(b.norms, d->path);
    const uint32_t N0 = NN_CKPT_TAG_NORMS;
    /* the records: 0 identity, 1 mute_end, 2 excl_end, 3.. rung[k], 8.. last[k], 13 payoff,
     * 14 stats */
    struct {
        uint32_t tag;
        t_mutate_fn fn;
        const char *says;
    } bad[] = {
        {N0 + 1, t_cut3, "mute_end"},
        {N0 + 2, t_grow8, "excl_end"},
        {N0 + 3, t_rung_past, "rung 200"},
        {N0 + 9, t_cut3, "last[address]"},
        {N0 + 13, t_grow8, "payoff"},
        {N0 + 14, t_muted_many, "1000 agents muted"},
        {N0 + 14, t_cut3, "0x020e"},
        {N0 + 0, t_cut3, "0x0200"},
        {N0 + 0, t_agents_huge, "18446744073709551615 agents"},
        {N0 + 6, NULL, "0x0206"},  /* rung[defection] left out */
        {N0 + 14, NULL, "0x020e"}, /* the stats left out: the file ends */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t_rewrite(d->path, d->path2, N0, 15, bad[i].tag, bad[i].fn);
        t_nrun_init(&c, NN_, NULL);
        assert_int_equal(t_nload(c.norms, d->path2, why, sizeof why), NN_EPROTO);
        if (!strstr(why, bad[i].says))
            fail_msg("case %zu: '%s' does not say '%s'", i, why, bad[i].says);
        t_assert_fresh(c.norms, NN_);
        /* untouched: it runs as a fresh instance does */
        t_nrun_t f;
        t_nrun_init(&f, NN_, NULL);
        t_nrounds(&f, 1, 4);
        t_nrounds(&c, 1, 4);
        t_same_from(f.trace, 0, c.trace, 0);
        t_nrun_free(&f);
        t_nrun_free(&c);
    }
    /* the copy unchanged is taken */
    t_rewrite(d->path, d->path2, N0, 15, 0, NULL);
    t_nrun_init(&c, NN_, NULL);
    assert_int_equal(t_nload(c.norms, d->path2, why, sizeof why), NN_OK);
    t_nrun_free(&c);
    t_nrun_free(&b);
}

/* ---- the trends' society ------------------------------------------------------------ */

typedef struct t_trun {
    uint32_t n;
    nn_trends_t *t;
    uint64_t has[MAXN];       /* the agents' trends, as the nodes would report them */
    nn_notice_list_t pending; /* the seeds' notices for the next round */
    FILE *trace, *events;
    long toff[T + 1], eoff[T + 1];
} t_trun_t;

static const nn_trends_config_t s_tcfg = {.every = 3, .seeds = 3, .max = 6};

static void t_trace_notices(t_trun_t *x)
{
    for (size_t i = 0; i < x->pending.len; i++)
        fprintf(x->trace, "seed %u: %u %u %u\n", x->pending.to[i], x->pending.items[i].kind,
                x->pending.items[i].arg, x->pending.items[i].other);
}

/* A run made and seeded for round 1 (as the coordinator does at its start). */
static void t_trun_init(t_trun_t *x, uint32_t n, const nn_trends_config_t *c, int seed1)
{
    memset(x, 0, sizeof *x);
    x->n = n;
    x->trace = tmpfile();
    x->events = tmpfile();
    assert_non_null(x->trace);
    assert_non_null(x->events);
    assert_int_equal(nn_trends_new(&x->t, c ? c : &s_tcfg, n, SEED), NN_OK);
    assert_non_null(x->t);
    if (seed1) {
        assert_int_equal(nn_trends_seed(x->t, 1, &x->pending, x->events), NN_OK);
        t_trace_notices(x);
    }
}

static void t_trun_free(t_trun_t *x)
{
    nn_trends_destroy(&x->t);
    nn_notice_list_release(&x->pending);
    fclose(x->trace);
    fclose(x->events);
}

/* Rounds from .. to: the seeds adopt their trend, others adopt what is born with some
 * chance and drop it with a smaller one; observe, then seed the next round. */
static void t_trounds(t_trun_t *x, uint64_t from, uint64_t to)
{
    for (uint64_t r = from; r <= to; r++) {
        for (size_t i = 0; i < x->pending.len; i++)
            x->has[x->pending.to[i]] |= (uint64_t)1 << x->pending.items[i].arg;
        size_t born = nn_trends_born_by(x->t, r);
        for (uint32_t a = 0; a < x->n; a++) {
            nn_rng_t g;
            nn_rng_init(&g, SEED, INPUT + 1, a, r);
            for (size_t id = 0; id < born; id++) {
                uint64_t bit = (uint64_t)1 << id;
                double u = nn_rng_unit(&g);
                if (!(x->has[a] & bit) && u < 0.2)
                    x->has[a] |= bit;
                else if ((x->has[a] & bit) && u > 0.99)
                    x->has[a] &= ~bit;
            }
        }
        nn_trends_observe(x->t, r, x->has);
        x->pending.len = 0;
        if (r < T)
            assert_int_equal(nn_trends_seed(x->t, r + 1, &x->pending, x->events), NN_OK);
        fprintf(x->trace, "round %llu: %zu born, %zu by now\n", (unsigned long long)r,
                nn_trends_count(x->t), nn_trends_born_by(x->t, r));
        for (size_t id = 0; id < nn_trends_count(x->t); id++) {
            const nn_trend_stats_t *s = nn_trends_at(x->t, id);
            fprintf(x->trace, "trend %zu: %llu %llu %llu %llu %llu %llu\n", id,
                    (unsigned long long)s->born, (unsigned long long)s->adopters,
                    (unsigned long long)s->peak, (unsigned long long)s->reached[0],
                    (unsigned long long)s->reached[1], (unsigned long long)s->reached[2]);
        }
        t_trace_notices(x);
        assert_int_equal(fflush(x->trace), 0);
        assert_int_equal(fflush(x->events), 0);
        x->toff[r] = ftell(x->trace);
        x->eoff[r] = ftell(x->events);
    }
}

static void t_tsave(const nn_trends_t *t, const char *path)
{
    char err[256];
    nn_ckpt_writer_t w;
    assert_int_equal(nn_ckpt_begin(&w, path, err, sizeof err), NN_OK);
    assert_int_equal(nn_trends_save(t, &w), NN_OK);
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
}

static int t_tload(nn_trends_t *t, const char *path, char *why, size_t whylen)
{
    char err[256];
    nn_ckpt_reader_t r;
    assert_int_equal(nn_ckpt_open(&r, path, err, sizeof err), NN_OK);
    int rc = nn_trends_load(t, &r);
    if (rc == NN_OK)
        assert_false(nn_ckpt_next_is(&r, NN_CKPT_TAG_TRENDS + 3));
    snprintf(why, whylen, "%s", r.why);
    assert_true(rc == NN_OK ? r.failed == 0 && why[0] == '\0' : r.failed != 0 && why[0] != '\0');
    nn_ckpt_close(&r);
    return rc;
}

static void test_trends_resume(void **state)
{
    t_dir_t *d = *state;
    static t_trun_t a, b, c;
    t_trun_init(&a, NT_, NULL, 1);
    t_trounds(&a, 1, T);
    /* all trends are born, the last after the first ones reached 90% */
    assert_int_equal(nn_trends_count(a.t), s_tcfg.max);
    assert_true(nn_trends_at(a.t, 0)->reached[2] > 0);
    assert_true(nn_trends_at(a.t, 0)->reached[2] < nn_trends_at(a.t, s_tcfg.max - 1)->born);
    assert_true(nn_trends_at(a.t, 0)->peak > nn_trends_at(a.t, 0)->adopters);

    for (uint64_t R = 0; R < T; R++) {
        t_trun_init(&b, NT_, NULL, 1);
        t_trounds(&b, 1, R);
        t_tsave(b.t, d->path);
        /* the coordinator seeds round 1 when it makes the trends: that does not matter */
        t_trun_init(&c, NT_, NULL, (int)(R & 1));
        c.pending.len = 0;
        char why[512];
        assert_int_equal(t_tload(c.t, d->path, why, sizeof why), NN_OK);
        assert_int_equal(nn_trends_count(c.t), nn_trends_count(b.t));
        /* the nodes' state and the notices in flight are the coordinator's */
        memcpy(c.has, b.has, sizeof c.has);
        for (size_t i = 0; i < b.pending.len; i++)
            assert_int_equal(nn_notice_push(&c.pending, b.pending.to[i], &b.pending.items[i]),
                             NN_OK);
        long t0 = ftell(c.trace), e0 = ftell(c.events);
        t_trounds(&c, R + 1, T);
        /* R = 0: a's trace and events begin with round 1's seeds */
        long ta = R ? a.toff[R] : 0, ea = R ? a.eoff[R] : 0;
        if (R == 0) {
            t_trun_t z;
            t_trun_init(&z, NT_, NULL, 1);
            ta = ftell(z.trace);
            ea = ftell(z.events);
            t_trun_free(&z);
        }
        t_same_from(a.trace, ta, c.trace, t0);
        t_same_from(a.events, ea, c.events, e0);
        t_trun_free(&b);
        t_trun_free(&c);
    }
    t_trun_free(&a);
}

static void t_count_big(unsigned char *buf, size_t *len)
{
    (void)len;
    uint64_t v = 7; /* max is 6 */
    memcpy(buf, &v, sizeof v);
}
static void t_born_odd(unsigned char *buf, size_t *len)
{
    (void)len;
    uint64_t v = 4; /* not a multiple of every */
    memcpy(buf, &v, sizeof v);
}
static void t_peak_big(unsigned char *buf, size_t *len)
{
    (void)len;
    uint64_t v = NT_ + 1;
    memcpy(buf + 8, &v, 8);
    memcpy(buf + 16, &v, 8);
}

static void test_trends_bad_file(void **state)
{
    t_dir_t *d = *state;
    static t_trun_t b, c;
    char why[512];
    t_trun_init(&b, NT_, NULL, 1);
    t_trounds(&b, 1, 10);
    assert_int_equal(nn_trends_count(b.t), 3);
    t_tsave(b.t, d->path);

    /* another society */
    t_trun_init(&c, NT_ + 1, NULL, 0);
    assert_int_equal(t_tload(c.t, d->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "trends"));
    assert_non_null(strstr(why, "40 agents"));
    assert_non_null(strstr(why, "41"));
    assert_int_equal(nn_trends_count(c.t), 0);
    t_trun_free(&c);
    /* another config */
    nn_trends_config_t other = s_tcfg;
    other.every = 4;
    t_trun_init(&c, NT_, &other, 0);
    assert_int_equal(t_tload(c.t, d->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "every 3 rounds"));
    t_trun_free(&c);
    /* no trends here, or none there */
    assert_int_equal(t_tload(NULL, d->path, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "has none"));
    t_tsave(NULL, d->path2);
    assert_int_equal(t_tload(NULL, d->path2, why, sizeof why), NN_OK);
    t_trun_init(&c, NT_, NULL, 0);
    assert_int_equal(t_tload(c.t, d->path2, why, sizeof why), NN_EPROTO);
    assert_non_null(strstr(why, "no trends"));
    t_trun_free(&c);

    const uint32_t T0 = NN_CKPT_TAG_TRENDS;
    struct {
        uint32_t tag;
        t_mutate_fn fn;
        const char *says;
    } bad[] = {
        {T0 + 0, t_cut3, "0x0400"},      {T0 + 1, t_count_big, "7 trends"},
        {T0 + 2, t_cut3, "3 bytes"},     {T0 + 2, t_grow8, "152 bytes"},
        {T0 + 2, t_born_odd, "trend 0"}, {T0 + 2, t_peak_big, "peak 41"},
        {T0 + 1, NULL, "0x0401"},        {T0 + 2, NULL, "0x0402"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t_rewrite(d->path, d->path2, T0, 3, bad[i].tag, bad[i].fn);
        t_trun_init(&c, NT_, NULL, 0);
        assert_int_equal(t_tload(c.t, d->path2, why, sizeof why), NN_EPROTO);
        if (!strstr(why, bad[i].says))
            fail_msg("case %zu: '%s' does not say '%s'", i, why, bad[i].says);
        assert_int_equal(nn_trends_count(c.t), 0);
        t_trun_free(&c);
    }
    t_trun_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_norms_resume, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_norms_other_society, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_norms_bad_file, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_trends_resume, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_trends_bad_file, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
