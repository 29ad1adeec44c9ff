/* nunchi-bench's MPI rows: nunchi run as a subprocess under `mpirun --oversubscribe
 * --bind-to core|none -np P`, the figures read back from its summary.json. Three rows: the
 * speed-up of the deffuant society of bench.c on 2 ranks over 1, with a rank per core
 * and with ranks sharing the cores (with the digests
 * checked equal, and a plain `nunchi run` beside them to show that mpirun -np 1 costs
 * nothing); the bytes that cross ranks per round for each partition method on 2 and 4
 * ranks; and the memory of a society of 10^7 agents across 2 ranks against its aim.
 * Every run is a process of its own, so that its timings and memory are its own; the
 * nunchi binary is the one built beside nunchi-bench. */
#define _GNU_SOURCE /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define S_MAX_RANKS   8
#define S_MAX_REPEAT  15
#define S_GIB         (1024.0 * 1024.0 * 1024.0)
#define S_SPEEDUP_AIM 1.7 /* 2 ranks on two cores */
#define S_CUT_AIM     0.5 /* metis's cut over hash's */
#define S_RSS_AIM_GIB 4.0 /* 10^7 agents, all ranks together */
#define S_BIG_FREE    (8.0 * S_GIB)

typedef struct s_ctx {
    char nunchi[PATH_MAX];
    char dir[64]; /* the runs' scenarios, outputs and logs */
    unsigned seq;
    unsigned failed;             /* runs whose files stay in dir */
    char network[PATH_MAX + 64]; /* "" or a --set of the network from an edge list */
} s_ctx_t;

/* One run as its summary.json tells it. */
typedef struct s_run {
    int ok;
    double rounds_s, setup_s;
    uint64_t delivered, rounds;
    char digest[24];
    char method[16];
    int ranks;
    uint64_t cut;
    double cut_share, balance;
    uint64_t x_msgs;
    double x_bytes_round;
    uint64_t rank_rss[S_MAX_RANKS];
    int n_rank_rss;
    uint64_t rss; /* all ranks' peaks added, or the one process's */
} s_run_t;

static double s_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, s_cmp_double);
    return v[n / 2];
}

static int s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void s_rm_tree(const char *path)
{
    if (nftw(path, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        fprintf(stderr, "nunchi-bench: cannot remove '%s': %s\n", path, strerror(errno));
}

/* A program in PATH, as execvp would find it. */
static int s_in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        if (n && snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog) < (int)sizeof buf &&
            access(buf, X_OK) == 0)
            return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

/* Bytes the kernel says can be had without swapping (MemAvailable), 0 if unknown. */
static double s_mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    double kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024.0;
}

/* Why a run failed, from its log: the last line nunchi wrote ("nunchi: ..."), else the
 * last line that is not one of mpirun's banners of dashes. */
static void s_why(const char *path, char *out, size_t outlen)
{
    snprintf(out, outlen, "no output");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    int ours = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        int mine = !strncmp(line, "nunchi", 6);
        if (line[strspn(line, "- \t")] && (mine || !ours)) {
            snprintf(out, outlen, "%s", line);
            ours |= mine;
        }
    }
    fclose(f);
}

static double s_num(json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static int s_read_summary(const char *path, s_run_t *run, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) {
        snprintf(err, errlen, "cannot read '%s': %s (line %d)", path, je.text, je.line);
        return -1;
    }
    const char *status = json_string_value(json_object_get(o, "status"));
    const char *digest = json_string_value(json_object_get(o, "digest"));
    if (!status || strcmp(status, "completed") || !digest) {
        snprintf(err, errlen, "'%s' says status '%s'", path, status ? status : "(none)");
        json_decref(o);
        return -1;
    }
    snprintf(run->digest, sizeof run->digest, "%s", digest);
    run->rounds_s = s_num(o, "rounds_seconds");
    run->setup_s = s_num(o, "setup_seconds");
    run->rounds = (uint64_t)s_num(o, "rounds_completed");
    run->delivered = (uint64_t)s_num(json_object_get(o, "messages"), "delivered");
    run->ranks = (int)s_num(o, "ranks");
    run->rss = (uint64_t)s_num(o, "peak_rss_bytes");
    json_t *p = json_object_get(o, "partition");
    if (p) {
        snprintf(run->method, sizeof run->method, "%s",
                 json_string_value(json_object_get(p, "method")) ?: "?");
        run->cut = (uint64_t)s_num(p, "cut");
        run->cut_share = s_num(p, "cut_share");
        run->balance = s_num(p, "balance");
        run->x_msgs = (uint64_t)s_num(p, "exchanged_messages");
        run->x_bytes_round = s_num(p, "exchanged_bytes_per_round");
    }
    json_t *rss = json_object_get(o, "ranks_peak_rss_bytes");
    for (size_t q = 0; q < json_array_size(rss) && q < S_MAX_RANKS; q++)
        run->rank_rss[run->n_rank_rss++] = (uint64_t)json_number_value(json_array_get(rss, q));
    if (json_object_get(o, "all_ranks_peak_rss_bytes"))
        run->rss = (uint64_t)s_num(o, "all_ranks_peak_rss_bytes");
    json_decref(o);
    run->ok = 1;
    return 0;
}

/* Runs nunchi once: under `mpirun -np ranks`, or on its own when ranks is 0. On failure
 * prints why (after label) and returns a run with ok 0. */
static s_run_t s_launch(s_ctx_t *c, const char *label, int ranks, const char *bind, uint32_t agents,
                        uint32_t rounds, uint32_t nodes, const char *partition)
{
    s_run_t run;
    memset(&run, 0, sizeof run);
    unsigned k = c->seq++;
    char yaml[PATH_MAX], out[PATH_MAX], log[PATH_MAX], summary[PATH_MAX + 16];
    snprintf(yaml, sizeof yaml, "%s/scenario-%u.yaml", c->dir, k);
    snprintf(out, sizeof out, "%s/run-%u", c->dir, k);
    snprintf(log, sizeof log, "%s/log-%u.txt", c->dir, k);
    snprintf(summary, sizeof summary, "%s/summary.json", out);
    FILE *f = fopen(yaml, "w");
    char extra[64];
    snprintf(extra, sizeof extra, "partition: %s\n", partition);
    int bad = !f || fprintf(f, bench_yaml, rounds, agents, bench_deffuant, nodes, "inproc", c->dir,
                            extra) < 0;
    if ((f && fclose(f) != 0) || bad) {
        printf("  %-30s failed: cannot write '%s': %s\n", label, yaml, strerror(errno));
        c->failed++;
        return run;
    }
    char np[16];
    snprintf(np, sizeof np, "%d", ranks);
    const char *set = c->network[0] ? "--set" : NULL;
    const char *mpi_argv[] = {"mpirun", "--oversubscribe", "--bind-to", bind,       "-np",
                              np,       c->nunchi,         "run",       yaml,       "--out",
                              out,      "--quiet",         set,         c->network, NULL};
    const char *own_argv[] = {c->nunchi, "run", yaml,       "--out", out,
                              "--quiet", set,   c->network, NULL};
    const char *const *argv = ranks ? mpi_argv : own_argv;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        printf("  %-30s failed: fork: %s\n", label, strerror(errno));
        c->failed++;
        return run;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
        setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
        setenv("OMPI_MCA_btl", "self,vader,tcp", 1);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st = 0;
    pid_t got;
    while ((got = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    char why[2 * PATH_MAX];
    if (got < 0) {
        printf("  %-30s failed: waitpid: %s\n", label, strerror(errno));
        c->failed++;
        return run;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        s_why(log, why, sizeof why);
        printf("  %-30s failed (%s %d): %s (log %s)\n", label,
               WIFEXITED(st) ? "exit status" : "signal",
               WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), why, log);
        c->failed++;
        return run;
    }
    if (s_read_summary(summary, &run, why, sizeof why) != 0) {
        printf("  %-30s failed: %s\n", label, why);
        c->failed++;
        return run;
    }
    s_rm_tree(out);
    remove(yaml);
    remove(log);
    return run;
}

/* Row 1: the same society in one process and on 2 ranks, nodes: 1 in each process. The
 * runs go round-robin over the configurations, so that the machine's noise falls on all
 * of them alike. */
static int s_speedup(s_ctx_t *c, uint32_t agents, uint32_t rounds, int repeat)
{
    /* a rank per core (Open MPI's binding for up to 2 ranks), and ranks that share the
     * host's cores (--bind-to none) */
    static const struct {
        const char *label;
        int ranks;
        const char *bind;
    } cf[] = {
        {"nunchi run (no mpirun)", 0, "none"},  {"mpirun -np 1, bind core", 1, "core"},
        {"mpirun -np 2, bind core", 2, "core"}, {"mpirun -np 1, bind none", 1, "none"},
        {"mpirun -np 2, bind none", 2, "none"},
    };
    enum { N = sizeof cf / sizeof cf[0] };
    double secs[N][S_MAX_REPEAT];
    s_run_t last[N];
    int ok[N] = {1, 1, 1, 1, 1};
    printf("\nspeed-up: %u agents, %u rounds, nodes: 1 per process, partition metis; median of "
           "%d runs each\n",
           agents, rounds, repeat);
    for (int k = 0; k < repeat; k++)
        for (int i = 0; i < N; i++) {
            if (!ok[i])
                continue;
            last[i] = s_launch(c, cf[i].label, cf[i].ranks, cf[i].bind, agents, rounds, 1, "metis");
            ok[i] = last[i].ok;
            secs[i][k] = last[i].rounds_s;
        }
    printf("  %-30s %10s %14s %8s %18s %10s\n", "configuration", "rounds s", "deliveries/s",
           "ratio", "digest", "peak GiB");
    double med[N] = {0}, base = 0;
    int status = 0;
    for (int i = 0; i < N; i++) {
        if (!ok[i]) {
            printf("  %-30s failed (see above)\n", cf[i].label);
            status = 1;
            continue;
        }
        med[i] = s_median(secs[i], repeat);
        if (i == 1)
            base = med[i]; /* ratios against one rank on one core */
    }
    for (int i = 0; i < N; i++) {
        if (!ok[i])
            continue;
        printf("  %-30s %10.3f %14.4g", cf[i].label, med[i], (double)last[i].delivered / med[i]);
        if (base > 0)
            printf(" %8.3f", base / med[i]);
        else
            printf(" %8s", "-");
        printf(" %18s %10.2f\n", last[i].digest, (double)last[i].rss / S_GIB);
    }
    int ref = ok[0] ? 0 : ok[1] ? 1 : 2;
    for (int i = ref + 1; i < N; i++)
        if (ok[i] && strcmp(last[i].digest, last[ref].digest)) {
            printf("  ^ digest differs from the one process's: the ranks do not compute the "
                   "same society\n");
            status = 1;
        }
    for (int b = 1; b + 1 < N; b += 2)
        if (ok[b] && ok[b + 1])
            printf("  speed-up, 2 ranks over 1, bind %s (rounds time): %.2f   aim >= %.1f%s\n",
                   cf[b].bind, med[b] / med[b + 1], S_SPEEDUP_AIM,
                   med[b] / med[b + 1] >= S_SPEEDUP_AIM ? "" : "  (missed)");
    return status;
}

/* Row 2: what crosses ranks, per method. These figures are the same on every run (the
 * partition and the messages follow from the seed), so one run each. */
static int s_bytes(s_ctx_t *c, uint32_t agents, uint32_t rounds)
{
    static const char *methods[] = {"metis", "block", "hash"};
    static const int ranks[] = {2, 4};
    int status = 0;
    char digest[24] = "";
    printf("\nbytes exchanged: %u agents, %u rounds, nodes: 1 per rank; one run each (the "
           "figures follow from the seed)\n",
           agents, rounds);
    printf("  %5s %-8s %10s %10s %8s %14s %12s %14s %18s\n", "ranks", "method", "cut", "cut share",
           "balance", "bytes/round", "msgs/round", "deliveries/s", "digest");
    for (size_t p = 0; p < sizeof ranks / sizeof ranks[0]; p++) {
        double cut[3] = {0};
        for (size_t m = 0; m < 3; m++) {
            char label[64];
            snprintf(label, sizeof label, "%d ranks, %s", ranks[p], methods[m]);
            s_run_t r = s_launch(c, label, ranks[p], "none", agents, rounds, 1, methods[m]);
            if (!r.ok) {
                status = 1;
                continue;
            }
            cut[m] = (double)r.cut;
            printf("  %5d %-8s %10" PRIu64 " %9.2f%% %8.3f %14.0f %12.1f %14.4g %18s\n", r.ranks,
                   r.method, r.cut, 100.0 * r.cut_share, r.balance, r.x_bytes_round,
                   r.rounds ? (double)r.x_msgs / (double)r.rounds : 0.0,
                   r.rounds_s > 0 ? (double)r.delivered / r.rounds_s : 0.0, r.digest);
            if (strcmp(r.method, methods[m]))
                printf("  ^ asked for %s, the partition says %s\n", methods[m], r.method);
            if (!digest[0])
                snprintf(digest, sizeof digest, "%s", r.digest);
            else if (strcmp(digest, r.digest)) {
                printf("  ^ digest differs from the first row's: the partition changed the "
                       "answer\n");
                status = 1;
            }
        }
        if (cut[0] > 0 && cut[2] > 0)
            printf("        cut metis/hash on %d ranks: %.3f   aim <= %.1f%s\n", ranks[p],
                   cut[0] / cut[2], S_CUT_AIM, cut[0] / cut[2] <= S_CUT_AIM ? "" : "  (missed)");
    }
    return status;
}

/* Row 3: a society too big to be cheap, across 2 ranks, for its memory. */
/* The same society with its network read from an edge list that `nunchi network`
 * wrote beforehand, in a process of its own: the run without igraph's generator, whose
 * peak is rank 0's above. It must end on the generated network's digest. */
static int s_big_from_file(s_ctx_t *c, const bench_mpi_config_t *cfg, const s_run_t *gen)
{
    char yaml[PATH_MAX], edges[PATH_MAX], cmd[4 * PATH_MAX];
    snprintf(yaml, sizeof yaml, "%s/network.yaml", c->dir);
    snprintf(edges, sizeof edges, "%s/edges.txt", c->dir);
    FILE *f = fopen(yaml, "w");
    int bad = !f || fprintf(f, bench_yaml, cfg->big_rounds, cfg->big_agents, bench_deffuant, 1,
                            "inproc", c->dir, "") < 0;
    if ((f && fclose(f) != 0) || bad) {
        printf("  from an edge list: cannot write '%s'\n", yaml);
        return 1;
    }
    double t0 = s_clock();
    snprintf(cmd, sizeof cmd, "'%s' network '%s' -o '%s' >'%s/network.log' 2>&1", c->nunchi, yaml,
             edges, c->dir);
    if (system(cmd) != 0) {
        printf("  from an edge list: 'nunchi network' failed (see %s/network.log)\n", c->dir);
        return 1;
    }
    double t_net = s_clock() - t0;
    snprintf(c->network, sizeof c->network, "network={model: file, path: %s}", edges);
    s_run_t r = s_launch(c, "2 ranks, edge list", 2, "none", cfg->big_agents, cfg->big_rounds, 1,
                         cfg->big_partition);
    c->network[0] = '\0';
    remove(edges);
    remove(yaml);
    if (!r.ok)
        return 1;
    const double gib = (double)r.rss / S_GIB;
    printf("  the same network from an edge list (written by 'nunchi network' in %.0f s, a "
           "process of its own):\n",
           t_net);
    printf("  %-14.2f %8.1f", gib, S_RSS_AIM_GIB);
    for (int q = 0; q < r.n_rank_rss; q++)
        printf(" %11.2f", (double)r.rank_rss[q] / S_GIB);
    printf(" %14.4g %10.2f %10.1f\n", r.rounds_s > 0 ? (double)r.delivered / r.rounds_s : 0.0,
           r.rounds_s, r.setup_s);
    printf("  all ranks' peak %s the aim of %.1f GiB; digest %s%s\n",
           gib <= S_RSS_AIM_GIB ? "within" : "over", S_RSS_AIM_GIB, r.digest,
           strcmp(r.digest, gen->digest) ? " DIFFERS from the generated network's" : "");
    return strcmp(r.digest, gen->digest) ? 1 : 0;
}

static int s_big(s_ctx_t *c, const bench_mpi_config_t *cfg)
{
    printf("\n%u agents across 2 ranks, %u rounds, nodes: 1 per rank, partition %s\n",
           cfg->big_agents, cfg->big_rounds, cfg->big_partition);
    if (!cfg->big) {
        printf("  skipped (--no-big)\n");
        return 0;
    }
    double avail = s_mem_available();
    if (avail < S_BIG_FREE) {
        printf("  skipped: %.1f GiB available, the row needs %.0f GiB free\n", avail / S_GIB,
               S_BIG_FREE / S_GIB);
        return 0;
    }
    if (!strcmp(cfg->big_partition, "block"))
        printf("  (block, not metis: watts_strogatz numbers agents along its lattice, so block "
               "cuts fewer\n   edges than METIS and saves METIS's setup time; --big-partition "
               "metis to compare)\n");
    double t0 = s_clock();
    s_run_t r =
        s_launch(c, "2 ranks", 2, "none", cfg->big_agents, cfg->big_rounds, 1, cfg->big_partition);
    if (!r.ok)
        return 1;
    const double gib = (double)r.rss / S_GIB;
    printf("  %-14s %8s", "all ranks GiB", "aim GiB");
    for (int q = 0; q < r.n_rank_rss; q++)
        printf("  rank %d GiB", q);
    printf(" %14s %10s %10s %10s\n", "deliveries/s", "rounds s", "setup s", "wall s");
    printf("  %-14.2f %8.1f", gib, S_RSS_AIM_GIB);
    for (int q = 0; q < r.n_rank_rss; q++)
        printf(" %11.2f", (double)r.rank_rss[q] / S_GIB);
    printf(" %14.4g %10.2f %10.1f %10.1f\n",
           r.rounds_s > 0 ? (double)r.delivered / r.rounds_s : 0.0, r.rounds_s, r.setup_s,
           s_clock() - t0);
    printf("  all ranks' peak %s the aim of %.1f GiB\n", gib <= S_RSS_AIM_GIB ? "within" : "over",
           S_RSS_AIM_GIB);
    printf("  cut %" PRIu64 " (%.2f%%), balance %.3f, %.0f bytes/round exchanged, digest %s\n",
           r.cut, 100.0 * r.cut_share, r.balance, r.x_bytes_round, r.digest);
    return s_big_from_file(c, cfg, &r);
}

int bench_mpi_run(const bench_mpi_config_t *cfg)
{
    double t0 = s_clock();
    printf("MPI: deffuant, watts_strogatz k=10 p=0.05, seed 2024; nunchi under mpirun "
           "--oversubscribe (--bind-to none unless said), OMPI_MCA_btl=self,vader,tcp\n");
    s_ctx_t c;
    memset(&c, 0, sizeof c);
    ssize_t n = readlink("/proc/self/exe", c.nunchi, sizeof c.nunchi - 8);
    if (n <= 0) {
        printf("  cannot find nunchi-bench's own path (/proc/self/exe): %s\n", strerror(errno));
        return 1;
    }
    c.nunchi[n] = 0;
    char *slash = strrchr(c.nunchi, '/');
    snprintf(slash ? slash + 1 : c.nunchi,
             sizeof c.nunchi - (size_t)(slash ? slash + 1 - c.nunchi : 0), "nunchi");
    if (access(c.nunchi, X_OK) != 0) {
        printf("  no nunchi beside nunchi-bench ('%s': %s): build the target nunchi\n", c.nunchi,
               strerror(errno));
        return 1;
    }
    if (!s_in_path("mpirun")) {
        printf("  no mpirun in PATH: install openmpi-bin (deploy/debian-packages.txt), or run "
               "with --no-mpi\n");
        return 1;
    }
    if (cfg->repeat < 1 || cfg->repeat > S_MAX_REPEAT || !cfg->n_sizes) {
        printf("  --repeat takes 1..%d and --agents at least one size\n", S_MAX_REPEAT);
        return 1;
    }
    snprintf(c.dir, sizeof c.dir, "/tmp/nunchi-bench-mpi.XXXXXX");
    if (!mkdtemp(c.dir)) {
        printf("  cannot make a directory in /tmp: %s\n", strerror(errno));
        return 1;
    }
    int status = 0;
    status |= s_speedup(&c, cfg->sizes[cfg->n_sizes - 1], cfg->rounds, cfg->repeat);
    status |= s_bytes(&c, cfg->sizes[0], cfg->rounds);
    status |= s_big(&c, cfg);
    if (c.failed)
        printf("\n  the failed runs' files are in %s\n", c.dir);
    else
        s_rm_tree(c.dir);
    printf("\nMPI rows: %.0f s\n", s_clock() - t0);
    return status;
}
