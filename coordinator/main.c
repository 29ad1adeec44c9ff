/* nunchi: the command line. `run` runs a scenario (the embedded default without a
 * file), `serve` does the same with nodes started by hand, `validate` checks a
 * scenario, `network` writes its generated network. Exit status: 0 success, 1 a run
 * that failed, 2 a scenario or usage error. */
#include <errno.h>
#include <jansson.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coordinator.h"
#include "network.h"
#include "node/keys.h"
#include "partition.h"
#include "ranks.h"
#include "scenario.h"
#include "society.h"
#include "structure.h"

#include "node/link.h"
#include "nunchi/error.h"

#define S_MAX_SETS 256

typedef struct s_cli {
    const char *command;
    const char *scenario;
    const char *sets[S_MAX_SETS];
    size_t n_sets;
    char owned[S_MAX_SETS][512]; /* --seed N and friends, turned into "seed=N" */
    size_t n_owned;
    const char *out;
    const char *edges_out;
    int quiet;
    uint32_t parts;               /* partition --parts */
    int has_method;               /* partition --method given */
    int mpi;                      /* run --mpi: split across the MPI ranks */
    int changes;                  /* --set, --seed or --rounds given: refused with --resume */
    char resumed[4200];           /* run --resume DIR: DIR/scenario.yaml */
    nn_partition_method_t method; /* partition --method */
    nn_run_options_t run;
} s_cli_t;

static void s_usage(FILE *f)
{
    fprintf(f, "usage: nunchi COMMAND [SCENARIO] [OPTIONS]\n"
               "\n"
               "commands:\n"
               "  run [SCENARIO]        run a scenario (no file: the embedded default)\n"
               "  serve SCENARIO        run it with nodes started by hand (nunchi-node --connect)\n"
               "  validate SCENARIO     check a scenario and print it resolved\n"
               "  network SCENARIO -o FILE   write the generated network as 'u,v' lines\n"
               "  partition SCENARIO --parts P [--method metis|block|hash] [-o FILE]\n"
               "                        split its network into P parts: each method's edge cut\n"
               "                        and balance (-o with --method: 'agent,part' lines)\n"
               "  behaviours            list the built-in behaviours and their parameters\n"
               "  keygen NAME           write a CURVE key pair: NAME.key (public) and\n"
               "                        NAME.key_secret (public and secret, mode 0600)\n"
               "  version               print the version\n"
               "\n"
               "options of run, serve, validate, network and partition:\n"
               "  --set KEY.PATH=VALUE  override a scenario key (repeatable; VALUE is YAML)\n"
               "  --seed N  --rounds N  --nodes N  --transport inproc|ipc|tcp\n"
               "                        shorthands for --set seed=N and so on\n"
               "options of run and serve:\n"
               "  --out DIR             the run directory (default: output.dir/NAME-TIMESTAMP)\n"
               "  --quiet               no progress and no summary on the terminal\n"
               "  --node-binary PATH    the nunchi-node to start for ipc and tcp\n"
               "options of run:\n"
               "  --resume RUN_DIR      continue a killed run from its last checkpoint\n"
               "                        (recovery.checkpoint_every) to the same digest; only\n"
               "                        --nodes, --transport and --quiet may be given with it\n"
               "  --mpi                 split the society across MPI ranks (implied under\n"
               "                        mpirun -np P with P > 1; see docs/cluster.md)\n"
               "options of serve:\n"
               "  --bind ENDPOINT       where nodes connect, e.g. tcp://*:5555 (required)\n"
               "  --expect-nodes N      nodes to wait for (default: the scenario's nodes)\n"
               "  --wait S              give up when they have not all joined within S seconds\n"
               "\n"
               "exit status: 0 success, 1 the run failed, 2 scenario or usage error,\n"
               "             130 (143) stopped by SIGINT (SIGTERM), its run directory complete\n");
}

static int s_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "nunchi: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nnunchi: see 'nunchi help'\n");
    return 2;
}

static int s_add_set(s_cli_t *c, const char *text)
{
    if (c->n_sets >= S_MAX_SETS)
        return s_usage_error("too many overrides (at most %s)", "256");
    c->sets[c->n_sets++] = text;
    return 0;
}

static int s_add_short(s_cli_t *c, const char *key, const char *value)
{
    if (c->n_owned >= S_MAX_SETS)
        return s_usage_error("too many overrides (at most %s)", "256");
    char *buf = c->owned[c->n_owned++];
    snprintf(buf, sizeof c->owned[0], "%s=%s", key, value);
    return s_add_set(c, buf);
}

static int s_parse_double(const char *opt, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0)) {
        fprintf(stderr, "nunchi: '%s' needs a number >= 0, got '%s'\n", opt, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int s_parse(s_cli_t *c, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        static const char *const valued[] = {
            "--set",          "--seed", "--rounds", "--nodes",  "--transport",
            "--out",          "-o",     "--output", "--bind",   "--node-binary",
            "--expect-nodes", "--wait", "--parts",  "--method", "--compare",
            "--resume",       NULL};
        int needs_value = 0;
        for (int j = 0; valued[j]; j++)
            needs_value |= !strcmp(a, valued[j]);
        if (needs_value && !v)
            return s_usage_error("option '%s' needs a value", a);
        if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            c->quiet = 1;
            takes = 0;
        } else if (!strcmp(a, "--mpi")) {
            c->mpi = 1;
            takes = 0;
        } else if (!strcmp(a, "--set")) {
            if (s_add_set(c, v))
                return 2;
            c->changes++;
        } else if (!strncmp(a, "--set=", 6)) {
            if (s_add_set(c, a + 6))
                return 2;
            c->changes++;
            takes = 0;
        } else if (!strcmp(a, "--seed") || !strcmp(a, "--rounds") || !strcmp(a, "--nodes") ||
                   !strcmp(a, "--transport")) {
            if (s_add_short(c, a + 2, v))
                return 2;
            c->changes += !strcmp(a, "--seed") || !strcmp(a, "--rounds");
        } else if (!strcmp(a, "--resume")) {
            c->run.resume = v;
        } else if (!strcmp(a, "--out")) {
            c->out = v;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            c->edges_out = v;
        } else if (!strcmp(a, "--bind")) {
            c->run.bind = v;
        } else if (!strcmp(a, "--node-binary")) {
            c->run.node_binary = v;
        } else if (!strcmp(a, "--compare")) {
            char path[4200];
            snprintf(path, sizeof path, "%s/summary.json", v);
            json_error_t je;
            json_t *o = json_load_file(path, 0, &je);
            int ok = json_is_string(json_object_get(o, "digest"));
            json_decref(o);
            if (!ok) {
                fprintf(stderr,
                        "nunchi: --compare: '%s' is not a run's summary (%s); give the directory "
                        "of a finished run\n",
                        path, o ? "it has no digest" : je.text);
                return 2;
            }
            c->run.compare = v;
        } else if (!strcmp(a, "--expect-nodes")) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (errno || *end || n < 1 || n > 1024)
                return s_usage_error("'--expect-nodes' needs a number in 1..1024, got '%s'", v);
            c->run.expect_nodes = (uint32_t)n;
        } else if (!strcmp(a, "--parts")) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (errno || *end || v[0] == '-' || n < 1 || n > UINT32_MAX)
                return s_usage_error("'--parts' needs a number >= 1, got '%s'", v);
            c->parts = (uint32_t)n;
        } else if (!strcmp(a, "--method")) {
            if (nn_partition_method_parse(v, &c->method) != NN_OK)
                return s_usage_error("'--method' is metis, block or hash, got '%s'", v);
            c->has_method = 1;
        } else if (!strcmp(a, "--wait")) {
            if (s_parse_double(a, v, &c->run.wait_s))
                return 2;
        } else if (a[0] == '-' && a[1]) {
            return s_usage_error("unknown option '%s'", a);
        } else {
            if (c->scenario)
                return s_usage_error("more than one scenario file given ('%s')", a);
            c->scenario = a;
            takes = 0;
        }
        i += takes;
    }
    return 0;
}

static int s_load(s_cli_t *c, nn_scenario_t *sc)
{
    nn_diag_t diag = NN_DIAG_INIT;
    int rc = nn_scenario_load(sc, c->scenario, c->sets, c->n_sets, &diag);
    if (rc != NN_OK) {
        nn_diag_print(&diag, stderr);
        if (!diag.count)
            fprintf(stderr, "nunchi: cannot load the scenario: %s\n", nn_strerror(rc));
    }
    nn_diag_release(&diag);
    return rc == NN_OK ? 0 : 2;
}

static void s_human_summary(const nn_scenario_t *sc, const nn_run_result_t *res, uint32_t nodes,
                            const char *transport)
{
    uint64_t dropped = 0;
    for (int d = 0; d < NN_DROP_RULES; d++)
        dropped += res->dropped[d];
    printf("nunchi: '%s' ran %" PRIu64 " rounds of %u agents on %u %s node(s)", sc->name,
           sc->rounds, sc->agents, nodes, transport);
    if (res->ranks > 1)
        printf(" across %u MPI ranks (%s partition, %.1f%% of the edges cut)", res->ranks,
               nn_partition_method_name(res->method),
               res->edges ? 100.0 * (double)res->cut / (double)res->edges : 0.0);
    printf("\n");
    printf("  digest     %s\n", res->digest_hex);
    if (res->resumed_from)
        printf("  resumed    after round %" PRIu64 " from its checkpoint (resume %" PRIu64 ")\n",
               res->resumed_from, res->resumes);
    if (res->checkpoints)
        printf("  checkpoints %" PRIu64 " written, the last %.3g MB, the longest write %.3g s\n",
               res->checkpoints, (double)res->checkpoint_bytes / 1e6, res->checkpoint_write_s_max);
    if (res->compared)
        printf("  compare    %s the compared run's (%s)\n",
               res->compared > 0 ? "the same digest as" : "a digest other than",
               res->compare_digest);
    printf("  opinions   mean %.4f  sd %.4f  range [%.4f, %.4f]  clusters %u\n", res->final.mean,
           res->final.sd, res->final.min, res->final.max, res->final.clusters);
    printf("             polarization %.4f  bimodality %.4f\n", res->final.polarization,
           res->final.bimodality);
    printf("  messages   %" PRIu64 " sent, %" PRIu64 " delivered, %" PRIu64 " dropped, %" PRIu64
           " in flight\n",
           res->sent, res->delivered, dropped, res->in_flight);
    /* the institutions the scenario has, in a line each */
    uint64_t blocked = 0, viol = 0, sanc = 0, closed = 0;
    for (int d = NN_DROP_RATE; d <= NN_DROP_EXCLUDED; d++)
        blocked += res->dropped[d];
    for (int k = 0; k < NN_NORM_KINDS; k++)
        viol += res->violations[k];
    for (int k = 0; k < NN_SANCTION_KINDS; k++)
        sanc += res->sanctions[k];
    for (int k = 0; k < NN_OUTCOMES; k++)
        closed += res->cases_closed[k];
    if (sc->game.on && res->cooperate + res->defect)
        printf("  game       cooperation %.4f (%" PRIu64 " cooperative, %" PRIu64
               " defecting moves)\n",
               (double)res->cooperate / (double)(res->cooperate + res->defect), res->cooperate,
               res->defect);
    int norms_on = 0;
    for (int k = 0; k < NN_NORM_KINDS; k++)
        norms_on |= sc->norms.norm[k].on;
    if (norms_on)
        printf("  norms      %" PRIu64 " violations, %" PRIu64 " sanctions, %" PRIu64
               " messages blocked\n",
               viol, sanc, blocked);
    if (sc->cases.complaints || sc->cases.decisions_every)
        printf("  cases      %" PRIu64 " opened, %" PRIu64 " closed: %" PRIu64 " agreed, %" PRIu64
               " imposed, %" PRIu64 " tolerated, %" PRIu64 " escalated\n",
               res->cases_opened, closed, res->cases_closed[NN_OUTCOME_AGREED],
               res->cases_closed[NN_OUTCOME_IMPOSED], res->cases_closed[NN_OUTCOME_TOLERATED],
               res->cases_closed[NN_OUTCOME_ESCALATED]);
    printf("  time       %.2f s (set-up %.2f s, %.3gM deliveries/s)\n", res->wall_s, res->setup_s,
           res->rounds_s > 0 ? (double)res->delivered / res->rounds_s / 1e6 : 0.0);
    printf("  run dir    %s\n", res->run_dir);
}

/* Set by SIGINT and SIGTERM: the run ends cleanly (its nodes told, its files written).
 * A second signal ends the program at once. The one global of the program, because a
 * signal handler has nowhere else to write. */
static volatile int s_stop;

static void s_on_signal(int sig)
{
    s_stop = sig;
    signal(sig, SIG_DFL);
}

static void s_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The scenario of a run across ranks: rank 0 reads the file and every rank gets its text
 * by broadcast, so that the file need exist on rank 0's host only; every rank loads the
 * same text with the same --set options, and only rank 0 prints what is wrong. 0 or 2 on
 * every rank. */
static int s_load_ranks(s_cli_t *c, nn_scenario_t *sc, nn_ranks_t *w)
{
    int me = nn_ranks_rank(w);
    uint64_t len = 0;
    char *text = NULL;
    if (me == 0 && c->scenario) {
        FILE *f = fopen(c->scenario, "rb");
        if (f && fseek(f, 0, SEEK_END) == 0) {
            long n = ftell(f);
            if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1)) &&
                fread(text, 1, (size_t)n, f) == (size_t)n)
                len = (uint64_t)n;
            else
                len = UINT64_MAX;
        } else {
            len = UINT64_MAX;
        }
        if (len == UINT64_MAX)
            fprintf(stderr, "nunchi: cannot read scenario '%s': %s\n", c->scenario,
                    strerror(errno ? errno : EIO));
        if (f)
            fclose(f);
    }
    nn_ranks_bcast(w, &len, sizeof len, 0);
    if (len == UINT64_MAX) {
        free(text);
        return 2;
    }
    if (me != 0 && c->scenario && !(text = malloc(len + 1)))
        nn_ranks_abort(w, 1);
    if (c->scenario)
        nn_ranks_bcast(w, text, (size_t)len, 0);
    nn_diag_t diag = NN_DIAG_INIT;
    int rc;
    if (!c->scenario) {
        rc = nn_scenario_load(sc, NULL, c->sets, c->n_sets, &diag);
    } else {
        rc = nn_scenario_load_file_text(sc, text, (size_t)len, c->scenario, c->sets, c->n_sets,
                                        &diag);
    }
    free(text);
    if (rc != NN_OK && me == 0) {
        nn_diag_print(&diag, stderr);
        if (!diag.count)
            fprintf(stderr, "nunchi: cannot load the scenario: %s\n", nn_strerror(rc));
    }
    nn_diag_release(&diag);
    return rc == NN_OK ? 0 : 2;
}

/* What a finished run says (when `speaks`: rank 0, or the one process) and the exit
 * status it gives. */
static int s_run_status(const s_cli_t *c, const nn_scenario_t *sc, const nn_run_result_t *res,
                        int rc, int speaks, uint32_t nodes, const char *transport)
{
    if (rc == NN_OK) {
        if (speaks && !c->quiet)
            s_human_summary(sc, res, nodes, transport);
        return 0;
    }
    if (speaks) {
        fprintf(stderr, "nunchi: %s\n", res->error[0] ? res->error : nn_strerror(rc));
        if (res->run_dir[0])
            fprintf(stderr, "nunchi: what was written is in %s\n", res->run_dir);
    }
    if (rc == NN_EINTR)
        return 128 + s_stop; /* as a shell reports a program a signal ended */
    /* inputs that are wrong (a bad network or opinions file, an --out that cannot be
     * made) are found before the run directory exists */
    return rc == NN_ESCENARIO || (rc == NN_EIO && !res->run_dir[0]) ? 2 : 1;
}

/* run under mpirun: every rank runs nn_coord_run over its share of the society; rank 0
 * speaks for all. */
static int s_cmd_run_ranks(s_cli_t *c)
{
    if (c->run.bind || c->run.expect_nodes || c->run.wait_s > 0)
        return s_usage_error("'--bind', '--expect-nodes' and '--wait' belong to 'serve'%s", "");
    char err[256] = "";
    nn_ranks_t *w = NULL;
    if (nn_ranks_init(&w, NULL, NULL, err, sizeof err) != NN_OK) {
        fprintf(stderr, "nunchi: %s\n", err);
        return 1;
    }
    int me = nn_ranks_rank(w), status;
    nn_scenario_t *sc = calloc(1, sizeof *sc);
    nn_run_result_t *res = calloc(1, sizeof *res);
    if (!sc || !res)
        nn_ranks_abort(w, 1);
    status = s_load_ranks(c, sc, w);
    if (status == 0) {
        c->run.out_dir = c->out;
        c->run.quiet = c->quiet || me != 0;
        c->run.progress = me == 0 && !c->quiet && isatty(STDERR_FILENO);
        c->run.stop = &s_stop;
        c->run.mpi = w;
        s_catch_signals();
        int rc = nn_coord_run(sc, &c->run, res);
        status =
            s_run_status(c, sc, res, rc, me == 0, res->nodes, nn_transport_name(sc->transport));
    }
    nn_scenario_release(sc);
    free(sc);
    free(res);
    nn_ranks_finalize(&w);
    return status;
}

/* A refusal under mpirun that comes before MPI is up: mpirun ends the job at the first
 * rank that exits with an error, so the others wait a moment for rank 0 to be heard. */
static int s_refused_rank(long rank)
{
    if (rank != 0)
        sleep(1);
    return 2;
}

/* run --resume DIR: the scenario is DIR/scenario.yaml and the run directory DIR; only
 * what never changes a digest (--nodes, --transport) may be given beside it. 0 or 2. */
static int s_resume_options(s_cli_t *c)
{
    const char *dir = c->run.resume;
    if (c->scenario)
        return s_usage_error("'--resume' continues the run directory's own scenario.yaml: give "
                             "no scenario file (got '%s')",
                             c->scenario);
    if (c->out)
        return s_usage_error("'--resume' writes into the run directory it resumes: give no "
                             "'--out' (got '%s')",
                             c->out);
    if (c->changes)
        return s_usage_error("a resumed run keeps its scenario: '--set', '--seed' and '--rounds' "
                             "would give another digest (only --nodes and --transport may "
                             "change)%s",
                             "");
    snprintf(c->resumed, sizeof c->resumed, "%s/scenario.yaml", dir);
    if (access(c->resumed, R_OK) != 0) {
        fprintf(stderr,
                "nunchi: --resume: '%s' is not a run directory: cannot read '%s' (%s); give "
                "the directory a run wrote\n",
                dir, c->resumed, strerror(errno));
        return 2;
    }
    c->scenario = c->resumed;
    c->out = dir;
    return 0;
}

static int s_cmd_run(s_cli_t *c)
{
    if (c->run.resume && s_resume_options(c) != 0)
        return 2;
    long rank, ranks = nn_ranks_launched(&rank);
    if (ranks > 1 || c->mpi) {
        /* said once, from rank 0, and every rank stops with the same status */
        if (!nn_ranks_available()) {
            if (rank == 0)
                fprintf(stderr,
                        "nunchi: '%s' was started as %ld MPI ranks, but this nunchi was built "
                        "without MPI: install libopenmpi-dev and build again (or run it without "
                        "mpirun, in one process)\n",
                        c->command, ranks);
            return s_refused_rank(rank);
        }
        if (!strcmp(c->command, "serve")) {
            if (rank == 0)
                fprintf(stderr, "nunchi: 'serve' runs in one process: start it without mpirun "
                                "(under mpirun, each rank starts its own nodes: use 'run')\n");
            return s_refused_rank(rank);
        }
        return s_cmd_run_ranks(c);
    }
    if (!strcmp(c->command, "serve")) {
        if (!c->scenario)
            return s_usage_error("'serve' needs a scenario file%s", "");
        if (!c->run.bind)
            return s_usage_error("'serve' needs '--bind ENDPOINT', for example tcp://*:5555%s", "");
    } else if (c->run.bind || c->run.expect_nodes || c->run.wait_s > 0) {
        return s_usage_error("'--bind', '--expect-nodes' and '--wait' belong to 'serve'%s", "");
    }
    nn_scenario_t *sc = calloc(1, sizeof *sc);
    nn_run_result_t *res = calloc(1, sizeof *res);
    if (!sc || !res) {
        nn_scenario_release(sc);
        free(sc);
        free(res);
        fprintf(stderr, "nunchi: out of memory\n");
        return 1;
    }
    int status = s_load(c, sc);
    if (status == 0) {
        c->run.out_dir = c->out;
        c->run.quiet = c->quiet;
        c->run.progress = !c->quiet && isatty(STDERR_FILENO);
        c->run.stop = &s_stop;
        s_catch_signals();
        int rc = nn_coord_run(sc, &c->run, res);
        /* the nodes that took part (external ones included), or, for a run that failed
         * before they joined, the ones it wanted */
        uint32_t nodes = res->nodes                           ? res->nodes
                         : c->run.bind && c->run.expect_nodes ? c->run.expect_nodes
                                                              : sc->nodes;
        status = s_run_status(c, sc, res, rc, 1, nodes,
                              c->run.bind ? "remote" : nn_transport_name(sc->transport));
    }
    nn_scenario_release(sc);
    free(sc);
    free(res);
    return status;
}

/* The files a scenario names (an edge list, an opinions file, a groups file) are read
 * too, so that validate finds what run would; generated networks are built only for a
 * groups file. 0 or 2. */
static int s_check_files(const nn_scenario_t *sc)
{
    int status = 0;
    char err[1024] = "";
    /* a groups file needs the network too: it is built then, generated or not */
    int groups_file = sc->structure.groups == NN_GROUPS_FILE;
    if (sc->network.model == NN_NET_FILE || groups_file) {
        nn_network_t *net = NULL;
        int rc = nn_network_build(&net, &sc->network, sc->agents, sc->seed, NULL, err, sizeof err);
        if (rc != NN_OK) {
            fprintf(stderr, "nunchi: %s\n", err[0] ? err : nn_strerror(rc));
            status = 2;
        } else if (groups_file) {
            nn_structure_t st;
            memset(&st, 0, sizeof st);
            /* the groups file is what is checked here: any populations will do */
            uint8_t *pop = calloc(sc->agents, 1);
            rc = pop ? nn_structure_build(&st, &sc->structure, net, &sc->network, pop, sc->seed,
                                          err, sizeof err)
                     : NN_ENOMEM;
            free(pop);
            if (rc != NN_OK) {
                fprintf(stderr, "nunchi: %s\n", err[0] ? err : nn_strerror(rc));
                status = 2;
            }
            nn_structure_release(&st);
        }
        nn_network_destroy(&net);
    }
    if (sc->opinions.init == NN_INIT_FILE) {
        nn_diag_t diag = NN_DIAG_INIT;
        nn_society_t soc;
        if (nn_society_init(&soc, sc, &diag) != NN_OK) {
            nn_diag_print(&diag, stderr);
            status = 2;
        } else {
            nn_society_release(&soc);
        }
        nn_diag_release(&diag);
    }
    return status;
}

static int s_cmd_validate(s_cli_t *c)
{
    if (!c->scenario)
        return s_usage_error("'validate' needs a scenario file%s", "");
    nn_scenario_t *sc = calloc(1, sizeof *sc);
    if (!sc)
        return 1;
    int status = s_load(c, sc);
    if (status == 0)
        status = s_check_files(sc);
    if (status == 0 && !c->quiet) {
        nn_scenario_write(sc, stdout);
        fprintf(stderr, "nunchi: '%s' is valid\n", c->scenario);
    }
    nn_scenario_release(sc);
    free(sc);
    return status;
}

static int s_cmd_network(s_cli_t *c)
{
    if (!c->edges_out)
        return s_usage_error("'network' needs '-o FILE' (use - for standard output)%s", "");
    nn_scenario_t *sc = calloc(1, sizeof *sc);
    if (!sc)
        return 1;
    int status = s_load(c, sc);
    if (status != 0) {
        nn_scenario_release(sc);
        free(sc);
        return status;
    }
    nn_network_t *net = NULL;
    char err[1024] = "";
    uint64_t dropped = 0;
    int rc = nn_network_build(&net, &sc->network, sc->agents, sc->seed, &dropped, err, sizeof err);
    if (rc != NN_OK) {
        fprintf(stderr, "nunchi: %s\n", err[0] ? err : nn_strerror(rc));
        nn_scenario_release(sc);
        free(sc);
        return rc == NN_ESCENARIO || rc == NN_EIO ? 2 : 1;
    }
    FILE *f = strcmp(c->edges_out, "-") ? fopen(c->edges_out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "nunchi: cannot write '%s': %s\n", c->edges_out, strerror(errno));
        status = 1;
    } else {
        rc = nn_network_write_edges(net, f);
        if ((f != stdout && fclose(f) != 0) || rc != NN_OK) {
            fprintf(stderr, "nunchi: cannot write '%s'\n", c->edges_out);
            status = 1;
        } else if (!c->quiet) {
            fprintf(stderr,
                    "nunchi: %s network of %u agents: %" PRIu64
                    " edges, mean degree %.3f, clustering %.4f -> %s\n",
                    nn_network_model_name(sc->network.model), net->n, net->n_edges,
                    net->n ? 2.0 * (double)net->n_edges / net->n : 0.0, net->clustering,
                    c->edges_out);
        }
    }
    nn_network_destroy(&net);
    nn_scenario_release(sc);
    free(sc);
    return status;
}

static int s_cmd_partition(s_cli_t *c)
{
    if (c->parts == 0)
        return s_usage_error("'partition' needs '--parts P' (P >= 1)%s", "");
    if (c->edges_out && !c->has_method)
        return s_usage_error("'partition -o FILE' needs '--method' to say whose parts to write%s",
                             "");
    nn_scenario_t *sc = calloc(1, sizeof *sc);
    if (!sc)
        return 1;
    int status = s_load(c, sc);
    if (status != 0) {
        nn_scenario_release(sc);
        free(sc);
        return status;
    }
    /* with -o - the parts go to standard output and the table to standard error */
    FILE *tab = c->edges_out && !strcmp(c->edges_out, "-") ? stderr : stdout;
    nn_network_t *net = NULL;
    char err[1024] = "";
    int rc = nn_network_build(&net, &sc->network, sc->agents, sc->seed, NULL, err, sizeof err);
    if (rc != NN_OK) {
        fprintf(stderr, "nunchi: %s\n", err[0] ? err : nn_strerror(rc));
        nn_scenario_release(sc);
        free(sc);
        return rc == NN_ESCENARIO || rc == NN_EIO ? 2 : 1;
    }
    fprintf(tab,
            "nunchi: '%s': %s network of %u agents and %" PRIu64 " edges in %u parts (seed %" PRIu64
            ")\n",
            sc->name, nn_network_model_name(sc->network.model), net->n, net->n_edges, c->parts,
            sc->seed);
    fprintf(tab, "  %-6s %-6s %12s %7s %8s %10s %10s\n", "method", "used", "cut", "cut%", "balance",
            "smallest", "largest");
    for (int m = 0; m < NN_PARTITION_METHODS && status == 0; m++) {
        if (c->has_method && (nn_partition_method_t)m != c->method)
            continue;
        nn_partition_t p;
        rc = nn_partition_build(&p, net, c->parts, (nn_partition_method_t)m, sc->seed, err,
                                sizeof err);
        if (rc != NN_OK) {
            fprintf(stderr, "nunchi: %s\n", err[0] ? err : nn_strerror(rc));
            status = rc == NN_ESCENARIO || rc == NN_EINVAL ? 2 : 1;
            break;
        }
        uint64_t smallest = UINT64_MAX, largest = 0;
        for (uint32_t k = 0; k < p.parts; k++) {
            smallest = p.size[k] < smallest ? p.size[k] : smallest;
            largest = p.size[k] > largest ? p.size[k] : largest;
        }
        fprintf(tab, "  %-6s %-6s %12" PRIu64 " %7.2f %8.4f %10" PRIu64 " %10" PRIu64 "\n",
                nn_partition_method_name((nn_partition_method_t)m),
                nn_partition_method_name(p.method), p.cut,
                net->n_edges ? 100.0 * (double)p.cut / (double)net->n_edges : 0.0, p.balance,
                smallest, largest);
        if (p.note[0])
            fprintf(tab, "         %s: %s\n", nn_partition_method_name((nn_partition_method_t)m),
                    p.note);
        if (c->edges_out && c->has_method) {
            FILE *f = strcmp(c->edges_out, "-") ? fopen(c->edges_out, "w") : stdout;
            int bad = !f;
            for (uint32_t i = 0; f && i < p.n && !bad; i++)
                bad = fprintf(f, "%u,%u\n", i, p.part[i]) < 0;
            if (f && f != stdout && fclose(f) != 0)
                bad = 1;
            if (bad) {
                fprintf(stderr, "nunchi: cannot write '%s'%s%s\n", c->edges_out, f ? "" : ": ",
                        f ? "" : strerror(errno));
                status = 1;
            }
        }
        nn_partition_release(&p);
    }
    nn_network_destroy(&net);
    nn_scenario_release(sc);
    free(sc);
    return status;
}

static int s_cmd_behaviours(void)
{
    for (size_t i = 0; i < nn_behaviour_count(); i++) {
        const nn_behaviour_ops_t *b = nn_behaviour_at(i);
        printf("%-10s %s\n", b->name, b->doc);
        for (size_t k = 0; k < b->n_params; k++)
            printf("           %s: %s (default %g, %g..%g)\n", b->params[k].name, b->params[k].doc,
                   b->params[k].def, b->params[k].min, b->params[k].max);
    }
    return 0;
}

/* keygen NAME: a CURVE key pair in NAME.key and NAME.key_secret. 0, 1 or 2. */
static int s_cmd_keygen(s_cli_t *c)
{
    if (!c->scenario)
        return s_usage_error("'keygen' needs a name for the key files, such as 'keygen "
                             "keys/node1'%s",
                             "");
    char err[4200] = "";
    int rc = nn_keys_generate(c->scenario, err, sizeof err);
    if (rc != NN_OK) {
        fprintf(stderr, "nunchi: %s\n", err);
        return rc == NN_EINVAL ? 2 : 1;
    }
    char pub[NN_KEY_Z85_LEN + 1], path[4200];
    snprintf(path, sizeof path, "%s.key", c->scenario);
    if (nn_keys_load(path, pub, NULL, err, sizeof err) != NN_OK) {
        fprintf(stderr, "nunchi: %s\n", err);
        return 1;
    }
    if (!c->quiet)
        printf("nunchi: wrote %s.key (public key %s) and %s.key_secret (keep it to yourself)\n",
               c->scenario, pub, c->scenario);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        s_usage(stderr);
        return 2;
    }
    s_cli_t *c = calloc(1, sizeof *c);
    nn_link_tune_allocator();
    if (!c)
        return 1;
    nn_run_options_t defaults = NN_RUN_OPTIONS_INIT;
    c->run = defaults;
    c->command = argv[1];
    int status;
    if (!strcmp(c->command, "help") || !strcmp(c->command, "--help") || !strcmp(c->command, "-h")) {
        s_usage(stdout);
        status = 0;
    } else if (!strcmp(c->command, "version") || !strcmp(c->command, "--version")) {
        printf("nunchi %s (protocol %u)\n", NUNCHI_VERSION, NN_PROTOCOL_VERSION);
        status = 0;
    } else if (!strcmp(c->command, "behaviours")) {
        status = s_cmd_behaviours();
    } else if (!strcmp(c->command, "keygen")) {
        status = s_parse(c, argc, argv);
        if (status == 0)
            status = s_cmd_keygen(c);
    } else if (strcmp(c->command, "run") && strcmp(c->command, "serve") &&
               strcmp(c->command, "validate") && strcmp(c->command, "network") &&
               strcmp(c->command, "partition")) {
        status = s_usage_error(
            "unknown command '%s' (commands: run, serve, validate, network, partition, "
            "behaviours, keygen, version, help)",
            c->command);
    } else if ((status = s_parse(c, argc, argv)) == 0) {
        if (c->run.resume && strcmp(c->command, "run"))
            status = s_usage_error("'--resume' belongs to 'run' (got '%s')", c->command);
        else if (!strcmp(c->command, "validate"))
            status = s_cmd_validate(c);
        else if (!strcmp(c->command, "network"))
            status = s_cmd_network(c);
        else if (!strcmp(c->command, "partition"))
            status = s_cmd_partition(c);
        else
            status = s_cmd_run(c);
    }
    free(c);
    return status;
}
