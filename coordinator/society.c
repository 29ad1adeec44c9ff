/* The society's members: populations assigned to ids and initial opinions drawn; see
 * society.h. */
#include "society.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/digest.h"
#include "nunchi/error.h"
#include "nunchi/rng.h"

static void s_sizes(const nn_scenario_t *sc, uint64_t *size)
{
    uint64_t counted = 0;
    double shares = 0.0;
    for (size_t p = 0; p < sc->n_populations; p++) {
        const nn_population_t *pp = &sc->populations[p];
        size[p] = pp->by_count ? pp->count : 0;
        if (pp->by_count)
            counted += pp->count;
        else
            shares += pp->share;
    }
    uint64_t rest = sc->agents > counted ? sc->agents - counted : 0;
    if (shares <= 0.0)
        return;
    double frac[NN_MAX_POPULATIONS];
    uint64_t given = 0;
    for (size_t p = 0; p < sc->n_populations; p++) {
        if (sc->populations[p].by_count)
            continue;
        double want = (double)rest * sc->populations[p].share / shares;
        size[p] = (uint64_t)floor(want);
        frac[p] = want - floor(want);
        given += size[p];
    }
    /* largest remainder, ties to the earlier population */
    while (given < rest) {
        size_t best = SIZE_MAX;
        for (size_t p = 0; p < sc->n_populations; p++)
            if (!sc->populations[p].by_count && (best == SIZE_MAX || frac[p] > frac[best]))
                best = p;
        size[best]++;
        frac[best] = -1.0;
        given++;
    }
}

static int s_read_opinions(nn_society_t *s, const nn_scenario_t *sc, nn_diag_t *diag)
{
    const char *path = sc->opinions.resolved_path;
    FILE *f = fopen(path, "r");
    if (!f) {
        nn_diag_add(diag, "cannot read the opinions file '%s': %s%s%s%s", sc->opinions.path,
                    strerror(errno), sc->opinions.path_where[0] ? " (from " : "",
                    sc->opinions.path_where, sc->opinions.path_where[0] ? ")" : "");
        return NN_EIO;
    }
    char line[512];
    unsigned long lineno = 0;
    uint32_t next = 0;
    int rc = NN_OK, header_seen = 0;
    unsigned char *seen = calloc(s->n, 1);
    if (!seen) {
        fclose(f);
        return NN_ENOMEM;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
            continue;
        if (!header_seen) {
            header_seen = 1;
            if (strncmp(p, "id,opinion", 10) == 0 && strspn(p + 10, " \t\r\n") == strlen(p + 10))
                continue; /* the header */
        }
        char *end;
        double a = strtod(p, &end);
        uint32_t id = next;
        double v = a;
        char *q = end;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q == ',') {
            double b = strtod(q + 1, &end);
            if (end == q + 1) {
                nn_diag_add(diag, "%s:%lu: the opinion after the id is missing", sc->opinions.path,
                            lineno);
                rc = NN_ESCENARIO;
                continue;
            }
            if (a < 0 || a != floor(a) || a >= s->n) {
                nn_diag_add(diag, "%s:%lu: the id must be an integer in 0..%u", sc->opinions.path,
                            lineno, s->n - 1);
                rc = NN_ESCENARIO;
                continue;
            }
            id = (uint32_t)a;
            v = b;
        } else if (end == p) {
            nn_diag_add(diag, "%s:%lu: expected 'id,opinion' or one opinion a line",
                        sc->opinions.path, lineno);
            rc = NN_ESCENARIO;
            continue;
        }
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (*end != '\0') {
            nn_diag_add(diag, "%s:%lu: unexpected text after the opinion", sc->opinions.path,
                        lineno);
            rc = NN_ESCENARIO;
            continue;
        }
        if (!(v >= 0.0 && v <= 1.0)) {
            nn_diag_add(diag, "%s:%lu: the opinion must be a number in [0, 1]", sc->opinions.path,
                        lineno);
            rc = NN_ESCENARIO;
            continue;
        }
        if (id >= s->n) {
            nn_diag_add(diag, "%s:%lu: more opinions than the %u agents", sc->opinions.path, lineno,
                        s->n);
            rc = NN_ESCENARIO;
            break;
        }
        if (seen[id]) {
            nn_diag_add(diag, "%s:%lu: agent %u is given twice", sc->opinions.path, lineno, id);
            rc = NN_ESCENARIO;
            continue;
        }
        seen[id] = 1;
        s->x[id] = v;
        next = id + 1;
    }
    fclose(f);
    if (rc == NN_OK)
        for (uint32_t i = 0; i < s->n; i++)
            if (!seen[i]) {
                nn_diag_add(diag, "%s: agent %u has no opinion (the file must give all %u)",
                            sc->opinions.path, i, s->n);
                rc = NN_ESCENARIO;
                break;
            }
    free(seen);
    return rc;
}

static double s_clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

static int s_init_opinions(nn_society_t *s, const nn_scenario_t *sc, nn_diag_t *diag)
{
    const nn_opinions_config_t *o = &sc->opinions;
    if (o->init == NN_INIT_FILE)
        return s_read_opinions(s, sc, diag);
    if (o->init == NN_INIT_SEEDS) {
        /* the first `ones` agents of a seeded permutation start at 1 */
        uint64_t ones =
            o->seeds_by_count ? o->seeds_count : (uint64_t)llround(o->seeds_share * s->n);
        if (ones > s->n)
            ones = s->n;
        uint32_t *perm = malloc((size_t)s->n * sizeof *perm);
        if (!perm)
            return NN_ENOMEM;
        nn_rng_t r;
        nn_rng_init(&r, sc->seed, NN_STREAM_OPINION, 0, 0);
        for (uint32_t i = 0; i < s->n; i++)
            perm[i] = i;
        for (uint32_t i = 0; i < ones; i++) {
            uint32_t j = i + (uint32_t)nn_rng_below(&r, s->n - i);
            uint32_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (uint32_t i = 0; i < s->n; i++)
            s->x[i] = 0.0;
        for (uint32_t i = 0; i < ones; i++)
            s->x[perm[i]] = 1.0;
        free(perm);
        return NN_OK;
    }
    for (uint32_t i = 0; i < s->n; i++) {
        nn_rng_t r;
        nn_rng_init(&r, sc->seed, NN_STREAM_OPINION, i, 0);
        switch (o->init) {
        case NN_INIT_NORMAL: s->x[i] = s_clamp01(o->mean + o->sd * nn_rng_normal(&r)); break;
        case NN_INIT_BIMODAL: {
            double mode = o->modes[nn_rng_below(&r, 2)];
            s->x[i] = s_clamp01(mode + o->sd * nn_rng_normal(&r));
            break;
        }
        default: s->x[i] = nn_rng_unit(&r); break;
        }
    }
    return NN_OK;
}

int nn_society_init(nn_society_t *s, const nn_scenario_t *sc, nn_diag_t *diag)
{
    memset(s, 0, sizeof *s);
    s->n = sc->agents;
    s->n_pops = sc->n_populations;
    s->pop = malloc(s->n);
    s->x = malloc((size_t)s->n * sizeof *s->x);
    uint32_t *perm = malloc((size_t)s->n * sizeof *perm);
    if (!s->pop || !s->x || !perm) {
        free(perm);
        nn_society_release(s);
        return NN_ENOMEM;
    }
    for (size_t p = 0; p < s->n_pops; p++) {
        const nn_population_t *pp = &sc->populations[p];
        nn_population_desc_t *d = &s->desc[p];
        snprintf(d->behaviour, sizeof d->behaviour, "%s",
                 pp->external ? NN_BEHAVIOUR_EXTERNAL : pp->ops->name);
        snprintf(d->name, sizeof d->name, "%s", pp->external ? pp->name : "");
        d->n_params = pp->external ? pp->n_ext_params : pp->ops->n_params;
        for (size_t k = 0; k < d->n_params; k++) {
            snprintf(d->param_name[k], sizeof d->param_name[k], "%s",
                     pp->external ? pp->ext_param[k] : pp->ops->params[k].name);
            d->param_value[k] = pp->params[k];
            d->param_dist[k] = pp->dist[k];
            d->param_b[k] = pp->param_b[k];
        }
    }
    s_sizes(sc, s->pop_count);
    /* a seeded Fisher-Yates permutation of the ids, dealt out population by population */
    nn_rng_t r;
    nn_rng_init(&r, sc->seed, NN_STREAM_POPULATION, 0, 0);
    nn_rng_permutation(&r, perm, s->n);
    uint32_t at = 0;
    for (size_t p = 0; p < s->n_pops; p++)
        for (uint64_t k = 0; k < s->pop_count[p] && at < s->n; k++)
            s->pop[perm[at++]] = (uint8_t)p;
    while (at < s->n) /* only if the counts undershoot, which the scenario forbids */
        s->pop[perm[at++]] = 0;
    free(perm);
    int rc = s_init_opinions(s, sc, diag);
    if (rc != NN_OK)
        nn_society_release(s);
    return rc;
}

void nn_society_release(nn_society_t *s)
{
    free(s->pop);
    free(s->x);
    memset(s, 0, sizeof *s);
}

uint64_t nn_society_digest(const nn_society_t *s)
{
    uint64_t d = 0;
    for (uint32_t i = 0; i < s->n; i++)
        d += nn_digest_agent(i, s->x[i]);
    return d;
}
