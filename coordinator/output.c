/* Files of the run directory; see output.h. */
#include "output.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nunchi/error.h"

static int s_mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0) {
        struct stat st;
        if (errno != EEXIST)
            return -1;
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            return -1;
        }
    }
    return 0;
}

int nn_output_make_dir(const char *dir, const char *parent, const char *name, char *path,
                       size_t len, char *err, size_t errlen)
{
    if (dir) {
        if ((size_t)snprintf(path, len, "%s", dir) >= len) {
            snprintf(err, errlen, "the run directory path is longer than %zu bytes", len - 1);
            return NN_EIO;
        }
        if (s_mkdirs(path) != 0) {
            snprintf(err, errlen, "cannot create the run directory '%s': %s", path,
                     strerror(errno));
            return NN_EIO;
        }
        return NN_OK;
    }
    if (s_mkdirs(parent) != 0) {
        snprintf(err, errlen, "cannot create the output directory '%s': %s", parent,
                 strerror(errno));
        return NN_EIO;
    }
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int k = 1; k < 1000; k++) {
        if (k == 1)
            snprintf(path, len, "%s/%s-%s", parent, name, stamp);
        else
            snprintf(path, len, "%s/%s-%s-%d", parent, name, stamp, k);
        if (mkdir(path, 0777) == 0)
            return NN_OK;
        if (errno != EEXIST)
            break;
    }
    snprintf(err, errlen, "cannot create a run directory under '%s': %s", parent, strerror(errno));
    return NN_EIO;
}

FILE *nn_output_open(const char *run_dir, const char *name, char *err, size_t errlen)
{
    char path[4096 + 64];
    snprintf(path, sizeof path, "%s/%s", run_dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
    return f;
}

static int s_close(FILE *f, const char *run_dir, const char *name, char *err, size_t errlen)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "cannot write '%s/%s'", run_dir, name);
        return NN_EIO;
    }
    return NN_OK;
}

int nn_output_write_state(const char *run_dir, const char *file, const nn_society_t *s, char *err,
                          size_t errlen)
{
    FILE *f = nn_output_open(run_dir, file, err, errlen);
    if (!f)
        return NN_EIO;
    static const size_t bufsize = 1 << 20;
    char *buf = malloc(bufsize);
    if (buf)
        setvbuf(f, buf, _IOFBF, bufsize);
    fputs("id,behaviour,opinion\n", f);
    for (uint32_t i = 0; i < s->n; i++) {
        /* an external population is named by the name its nodes claim: external:NAME */
        const nn_population_desc_t *d = &s->desc[s->pop[i]];
        fprintf(f, "%u,%s%s%s,%.17g\n", i, d->behaviour, d->name[0] ? ":" : "", d->name, s->x[i]);
    }
    int rc = s_close(f, run_dir, file, err, errlen);
    free(buf);
    return rc;
}

int nn_output_write_scenario(const char *run_dir, const nn_scenario_t *sc, char *err, size_t errlen)
{
    /* the run directory's copy names its files by absolute path, so that it runs again
     * from wherever it is */
    nn_scenario_t *copy = malloc(sizeof *copy);
    if (!copy) {
        snprintf(err, errlen, "out of memory writing '%s/scenario.yaml'", run_dir);
        return NN_ENOMEM;
    }
    *copy = *sc;
    char abs[PATH_MAX];
    if (sc->network.model == NN_NET_FILE && realpath(sc->network.resolved_path, abs))
        snprintf(copy->network.path, sizeof copy->network.path, "%s", abs);
    if (sc->opinions.init == NN_INIT_FILE && realpath(sc->opinions.resolved_path, abs))
        snprintf(copy->opinions.path, sizeof copy->opinions.path, "%s", abs);
    if (sc->structure.groups == NN_GROUPS_FILE && realpath(sc->structure.resolved_path, abs))
        snprintf(copy->structure.path, sizeof copy->structure.path, "%s", abs);
    nn_curve_config_t *cv = &copy->security.curve;
    if (cv->on && realpath(sc->security.curve.secret_key, abs))
        snprintf(cv->secret_key_given, sizeof cv->secret_key_given, "%s", abs);
    if (cv->on && realpath(sc->security.curve.authorized_keys, abs))
        snprintf(cv->authorized_keys_given, sizeof cv->authorized_keys_given, "%s", abs);
    const char *rec = sc->llm ? json_string_value(json_object_get(sc->llm, "record")) : NULL;
    const char *rep = sc->llm ? json_string_value(json_object_get(sc->llm, "replay")) : NULL;
    if (rec)
        snprintf(copy->llm_record_given, sizeof copy->llm_record_given, "%s", rec);
    if (rep)
        snprintf(copy->llm_replay_given, sizeof copy->llm_replay_given, "%s", rep);
    FILE *f = nn_output_open(run_dir, "scenario.yaml", err, errlen);
    if (!f) {
        free(copy);
        return NN_EIO;
    }
    int rc = nn_scenario_write(copy, f);
    free(copy);
    int rc2 = s_close(f, run_dir, "scenario.yaml", err, errlen);
    return rc != NN_OK ? rc : rc2;
}

void nn_output_event(FILE *f, const char *event, json_t *fields)
{
    if (!f) {
        json_decref(fields);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "event", json_string(event));
    if (fields)
        json_object_update(o, fields);
    json_decref(fields);
    json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    fflush(f);
    json_decref(o);
}

int nn_output_write_json(const char *run_dir, const char *name, json_t *obj, char *err,
                         size_t errlen)
{
    FILE *f = nn_output_open(run_dir, name, err, errlen);
    if (!f) {
        json_decref(obj);
        return NN_EIO;
    }
    json_dumpf(obj, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(obj);
    return s_close(f, run_dir, name, err, errlen);
}
