/* nunchi-bench: deffuant on watts_strogatz (k=10, p=0.05) for 50 rounds at 10^5 and
 * 10^6 agents, run by nunchi embedded with 1 and 2 node threads and with 2 node
 * processes over ipc (and the same agents as an external population on two nunchi-node
 * --claim processes over tcp), against a plain C loop of the same model in the same command.
 * The plain loop gives the same digest (checked), so both do the same work. Each
 * configuration runs in a child process of its own, so that its peak RSS is its own.
 * Prints deliveries per second, the ratio to the plain loop, and bytes per agent.
 *
 * Then the MPI rows of bench/mpi.c (nunchi under mpirun), and the llm client's rows of
 * bench/llm.c (requests per second against a scripted endpoint at 100 ms, and the rounds
 * per second of a 1,000-agent llm society against it).
 *
 * usage: nunchi-bench [--agents N[,N...]] [--rounds R] [--repeat K] [--mpi-only | --no-mpi]
 *                     [--llm-only | --no-llm]
 *                     [--no-big] [--big-agents N] [--big-rounds N] [--big-partition M] */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "coordinator.h"
#include "network.h"
#include "scenario.h"
#include "society.h"

#include "node/link.h"
#include "nunchi/digest.h"
#include "nunchi/error.h"
#include "nunchi/rng.h"

typedef struct s_figures {
    int ok;
    double deliveries_per_s;
    double rounds_s;
    uint64_t deliveries;
    uint64_t digest;
    uint64_t peak_rss;   /* the whole child, network generation included */
    uint64_t rss_rounds; /* resident at the end of the rounds */
    uint64_t children_rss;
    uint64_t edges;
    uint64_t checkpoints, checkpoint_bytes; /* recovery.checkpoint_every rows */
    double checkpoint_write_s_max, checkpoint_write_s_mean;
} s_figures_t;

const char bench_yaml[] = "name: bench\n"
                          "seed: 2024\n"
                          "rounds: %u\n"
                          "agents: %u\n"
                          "network: {model: watts_strogatz, k: 10, p: 0.05}\n"
                          "opinions: {init: uniform}\n"
                          "populations:\n"
                          "  - %s\n"
                          "nodes: %u\n"
                          "transport: %s\n"
                          "output: {dir: %s}\n"
                          "limits: {deadline_s: 600}\n"
                          "%s";

/* The institutions' benchmark: the same deffuant society with norms that every message
 * passes and the game, which prices the check of every message; then citizens with
 * every institution on, a different model whose cost is the whole machinery's. */
static const char s_norms_only[] = "norms:\n"
                                   "  - {norm: rate, limit: 100}\n"
                                   "  - {norm: address, scope: neighbours}\n"
                                   "  - {norm: aggression, threshold: 1}\n"
                                   "game: {benefit: 3, cost: 1}\n";
/* The checkpoint rows: the same societies with a checkpoint every 10 rounds. */
static const char s_checkpoints[] = "recovery: {checkpoint_every: 10}\n";
static char s_everything_ckpt[2048];
static const char s_citizen[] = "{behaviour: citizen, share: 1, params: {sociability: 1, "
                                "tolerance: {normal: [0.2, 0.05]}}}";
static const char s_everything[] =
    "structure:\n"
    "  roles: [{role: leader, share: 0.01, by: random}, {role: mediator, share: 0.02},\n"
    "          {role: arbiter, share: 0.01}]\n"
    "  groups: {from: louvain}\n"
    "  hierarchy: {model: group_leader}\n"
    "norms:\n"
    "  - {norm: rate, limit: 100}\n"
    "  - {norm: aggression, threshold: 0.6, sanctions: [warn, {reputation: 0.1}, {mute: 2}]}\n"
    "  - {norm: defection, detect: 0.3, sanctions: [warn, {reputation: 0.05}]}\n"
    "  - {norm: noncompliance, sanctions: [{reputation: 0.1}]}\n"
    "game: {benefit: 3, cost: 1}\n"
    "cases: {chain: [negotiation, mediation, arbitration, tolerance]}\n"
    "decisions: {every: 10, scope: group, chain: [deliberation, majority]}\n"
    "trends: {every: 10, seeds: 10}\n";

/* The external row: the same deffuant agents as an external population, claimed by two
 * nunchi-node processes over tcp (nunchi-node --claim deff=deffuant). */
static const char s_external_pop[] = "{behaviour: external, name: deff, nodes: 2, share: 1, "
                                     "params: {d: 0.2, mu: 0.5}}";

/* Starts n nunchi-node processes (beside this program) that claim deff at endpoint. */
static int s_claimers(const char *endpoint, int n, pid_t *pids)
{
    char bin[4096];
    ssize_t len = readlink("/proc/self/exe", bin, sizeof bin - 32);
    if (len <= 0)
        return -1;
    bin[len] = '\0';
    char *slash = strrchr(bin, '/');
    snprintf(slash ? slash + 1 : bin, 32, "nunchi-node");
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            execl(bin, "nunchi-node", "--connect", endpoint, "--claim", "deff=deffuant",
                  "--timeout", "60", (char *)NULL);
            _exit(127);
        }
        if (pids[i] < 0)
            return -1;
    }
    return 0;
}

static int s_scenario(nn_scenario_t *sc, uint32_t agents, uint32_t rounds, uint32_t nodes,
                      const char *transport, const char *dir, const char *pop, const char *extra)
{
    char text[4096];
    snprintf(text, sizeof text, bench_yaml, rounds, agents, pop, nodes, transport, dir, extra);
    nn_diag_t diag = NN_DIAG_INIT;
    int rc = nn_scenario_load_text(sc, text, strlen(text), "<bench>", ".", NULL, 0, &diag);
    if (rc != NN_OK)
        nn_diag_print(&diag, stderr);
    nn_diag_release(&diag);
    return rc;
}

/* The plain loop: the same model with nothing around it. Round r applies the messages
 * of round r - 1 in sender order (which is each receiver's canonical order), then every
 * agent sends its opinion to one random neighbour. */
static void s_plain(uint32_t agents, uint32_t rounds, s_figures_t *fig)
{
    nn_scenario_t sc;
    if (s_scenario(&sc, agents, rounds, 1, "inproc", "/tmp", bench_deffuant, "") != NN_OK)
        return;
    nn_network_t *net = NULL;
    char err[512];
    if (nn_network_build(&net, &sc.network, agents, sc.seed, NULL, err, sizeof err) != NN_OK) {
        fprintf(stderr, "nunchi-bench: %s\n", err);
        return;
    }
    nn_diag_t diag = NN_DIAG_INIT;
    nn_society_t soc;
    if (nn_society_init(&soc, &sc, &diag) != NN_OK) {
        nn_diag_release(&diag);
        nn_network_destroy(&net);
        return;
    }
    nn_diag_release(&diag);
    const double d = sc.populations[0].params[0], mu = sc.populations[0].params[1];
    double *x = soc.x;
    uint32_t *to = malloc((size_t)agents * sizeof *to);
    double *val = malloc((size_t)agents * sizeof *val);
    uint8_t *has = calloc(agents, 1);
    uint64_t deliveries = 0;
    double t0 = nn_now();
    for (uint32_t r = 1; r <= rounds; r++) {
        if (r > 1)
            for (uint32_t s = 0; s < agents; s++) {
                if (!has[s])
                    continue;
                double diff = val[s] - x[to[s]];
                if (fabs(diff) < d)
                    x[to[s]] += mu * diff;
                deliveries++;
            }
        for (uint32_t i = 0; i < agents; i++) {
            uint64_t deg = net->off[i + 1] - net->off[i];
            has[i] = deg > 0;
            if (!deg)
                continue;
            nn_rng_t rng;
            nn_rng_init(&rng, sc.seed, NN_STREAM_BEHAVIOUR, i, r);
            to[i] = net->adj[net->off[i] + nn_rng_below(&rng, deg)];
            val[i] = x[i];
        }
    }
    fig->rounds_s = nn_now() - t0;
    fig->deliveries = deliveries;
    fig->deliveries_per_s = (double)deliveries / fig->rounds_s;
    fig->digest = nn_society_digest(&soc);
    fig->edges = net->n_edges;
    fig->ok = 1;
    free(to);
    free(val);
    free(has);
    nn_society_release(&soc);
    nn_network_destroy(&net);
}

static void s_nunchi(uint32_t agents, uint32_t rounds, uint32_t nodes, const char *transport,
                     const char *pop, const char *extra, s_figures_t *fig)
{
    char dir[] = "/tmp/nunchi-bench.XXXXXX";
    if (!mkdtemp(dir))
        return;
    nn_scenario_t sc;
    if (s_scenario(&sc, agents, rounds, nodes, transport, dir, pop, extra) != NN_OK)
        return;
    nn_run_options_t opt = NN_RUN_OPTIONS_INIT;
    char out[4200];
    snprintf(out, sizeof out, "%s/run", dir);
    opt.out_dir = out;
    opt.quiet = 1;
    pid_t claimers[2] = {0, 0};
    if (sc.external_bind[0] && s_claimers(sc.external_bind, 2, claimers) != 0) {
        fprintf(stderr, "nunchi-bench: cannot start the claiming nodes\n");
        return;
    }
    nn_run_result_t res;
    int rc = nn_coord_run(&sc, &opt, &res);
    for (int i = 0; i < 2; i++)
        if (claimers[i] > 0)
            waitpid(claimers[i], NULL, 0);
    if (rc != NN_OK) {
        fprintf(stderr, "nunchi-bench: %s\n", res.error);
        return;
    }
    fig->rounds_s = res.rounds_s;
    fig->deliveries = res.delivered;
    fig->deliveries_per_s = (double)res.delivered / res.rounds_s;
    fig->digest = res.digest;
    fig->rss_rounds = res.rss_rounds;
    fig->edges = res.edges;
    fig->checkpoints = res.checkpoints;
    fig->checkpoint_bytes = res.checkpoint_bytes_max;
    fig->checkpoint_write_s_max = res.checkpoint_write_s_max;
    fig->checkpoint_write_s_mean =
        res.checkpoints ? res.checkpoint_write_s_sum / (double)res.checkpoints : 0.0;
    fig->ok = 1;
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "nunchi-bench: could not remove %s\n", dir);
}

/* Runs one configuration in a child; nodes == 0 is the plain loop. */
static s_figures_t s_measure(uint32_t agents, uint32_t rounds, uint32_t nodes,
                             const char *transport, const char *pop, const char *extra)
{
    s_figures_t fig;
    memset(&fig, 0, sizeof fig);
    int fd[2];
    if (pipe(fd) != 0)
        return fig;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        if (nodes == 0)
            s_plain(agents, rounds, &fig);
        else
            s_nunchi(agents, rounds, nodes, transport, pop, extra, &fig);
        struct rusage ru, kids;
        getrusage(RUSAGE_SELF, &ru);
        getrusage(RUSAGE_CHILDREN, &kids);
        fig.peak_rss = (uint64_t)ru.ru_maxrss * 1024;
        fig.children_rss = (uint64_t)kids.ru_maxrss * 1024;
        ssize_t w = write(fd[1], &fig, sizeof fig);
        _exit(w == (ssize_t)sizeof fig ? 0 : 1);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], &fig, sizeof fig);
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    if (n != (ssize_t)sizeof fig)
        memset(&fig, 0, sizeof fig);
    return fig;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    uint32_t sizes[8] = {100000, 1000000};
    size_t n_sizes = 2;
    uint32_t rounds = 50;
    int repeat = 3;
    int mpi = 1, plain = 1, llm = 1; /* --no-mpi, --mpi-only, --no-llm, --llm-only */
    bench_mpi_config_t mcfg = BENCH_MPI_CONFIG_INIT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--agents") && i + 1 < argc) {
            n_sizes = 0;
            for (char *p = strtok(argv[++i], ","); p && n_sizes < 8; p = strtok(NULL, ","))
                sizes[n_sizes++] = (uint32_t)strtoul(p, NULL, 10);
        } else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            repeat = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--mpi-only")) {
            plain = 0;
        } else if (!strcmp(argv[i], "--no-mpi")) {
            mpi = 0;
        } else if (!strcmp(argv[i], "--no-llm")) {
            llm = 0;
        } else if (!strcmp(argv[i], "--llm-only")) {
            return bench_llm_run();
        } else if (!strcmp(argv[i], "--no-big")) {
            mcfg.big = 0;
        } else if (!strcmp(argv[i], "--big-agents") && i + 1 < argc) {
            mcfg.big_agents = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--big-rounds") && i + 1 < argc) {
            mcfg.big_rounds = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--big-partition") && i + 1 < argc) {
            mcfg.big_partition = argv[++i];
        } else {
            fprintf(stderr, "usage: nunchi-bench [--agents N[,N...]] [--rounds R] [--repeat K] "
                            "[--mpi-only | --no-mpi] [--llm-only | --no-llm]\n"
                            "                    [--no-big] [--big-agents N] [--big-rounds N] "
                            "[--big-partition metis|block|hash]\n");
            return 2;
        }
    }
    if (repeat < 1 || repeat > 15 || rounds < 2) {
        fprintf(stderr, "nunchi-bench: --repeat takes 1..15 and --rounds at least 2\n");
        return 2;
    }
    if (!plain && !mpi) {
        fprintf(stderr, "nunchi-bench: --mpi-only and --no-mpi leave nothing to run\n");
        return 2;
    }
    if (!mcfg.big_agents || !mcfg.big_rounds ||
        (strcmp(mcfg.big_partition, "metis") && strcmp(mcfg.big_partition, "block") &&
         strcmp(mcfg.big_partition, "hash"))) {
        fprintf(stderr, "nunchi-bench: --big-agents and --big-rounds take at least 1, "
                        "--big-partition metis, block or hash\n");
        return 2;
    }
    mcfg.sizes = sizes;
    mcfg.n_sizes = n_sizes;
    mcfg.rounds = rounds;
    mcfg.repeat = repeat;
    if (!plain)
        return bench_mpi_run(&mcfg) | (llm ? bench_llm_run() : 0);
    nn_link_tune_allocator(); /* as nunchi and nunchi-node do */
    static const struct {
        const char *label;
        uint32_t nodes;
        const char *transport;
        const char *pop, *extra;
        int same_model; /* must end on the plain loop's digest */
    } configs[] = {
        {"plain C loop", 0, "-", bench_deffuant, "", 1},
        {"embedded, 1 node thread", 1, "inproc", bench_deffuant, "", 1},
        {"embedded, 2 node threads", 2, "inproc", bench_deffuant, "", 1},
        {"2 node processes, ipc", 2, "ipc", bench_deffuant, "", 1},
        {"2 threads, norms + game", 2, "inproc", bench_deffuant, s_norms_only, 1},
        {"2 threads, citizens, all", 2, "inproc", s_citizen, s_everything, 0},
        {"2 threads, checkpoint/10", 2, "inproc", bench_deffuant, s_checkpoints, 1},
        {"citizens, all, ckpt/10", 2, "inproc", s_citizen, s_everything_ckpt, 0},
        {"2 external nodes, tcp", 2, "inproc", s_external_pop, NULL, 1},
    };
    const size_t n_configs = sizeof configs / sizeof configs[0];
    snprintf(s_everything_ckpt, sizeof s_everything_ckpt, "%s%s", s_everything, s_checkpoints);
    int status = 0;
    printf("deffuant, watts_strogatz k=10 p=0.05, %u rounds; median of %d runs each\n", rounds,
           repeat);
    for (size_t s = 0; s < n_sizes; s++) {
        uint32_t agents = sizes[s];
        printf("\n%u agents\n", agents);
        printf("  %-28s %14s %8s %12s %14s %14s\n", "configuration", "deliveries/s", "ratio",
               "digest", "peak B/agent", "rounds B/agent");
        double plain_rate = 0;
        uint64_t plain_digest = 0;
        for (size_t c = 0; c < n_configs; c++) {
            double rates[15];
            s_figures_t fig;
            memset(&fig, 0, sizeof fig);
            int ok = 1;
            for (int k = 0; k < repeat; k++) {
                char ext[128];
                const char *extra = configs[c].extra;
                if (!extra) { /* the external row: a port of its own each time */
                    snprintf(ext, sizeof ext,
                             "external: {bind: 'tcp://127.0.0.1:%d', wait_s: 60}\n",
                             30000 + (int)((getpid() * 7 + k * 13 + (int)s) % 20000));
                    extra = ext;
                }
                fig = s_measure(agents, rounds, configs[c].nodes, configs[c].transport,
                                configs[c].pop, extra);
                if (!fig.ok) {
                    ok = 0;
                    break;
                }
                rates[k] = fig.deliveries_per_s;
            }
            if (!ok) {
                printf("  %-28s failed\n", configs[c].label);
                status = 1;
                continue;
            }
            qsort(rates, (size_t)repeat, sizeof rates[0], s_cmp_double);
            double med = rates[repeat / 2];
            if (c == 0) {
                plain_rate = med;
                plain_digest = fig.digest;
            }
            char hex[17];
            nn_digest_format(fig.digest, hex);
            uint64_t peak = fig.peak_rss > fig.children_rss ? fig.peak_rss : fig.children_rss;
            printf("  %-28s %14.4g %8.3f %12.12s %14.1f", configs[c].label, med, med / plain_rate,
                   hex, (double)peak / agents);
            if (fig.rss_rounds)
                printf(" %14.1f", (double)fig.rss_rounds / agents);
            printf("\n");
            if (configs[c].same_model && fig.digest != plain_digest) {
                printf("  ^ digest differs from the plain loop's: not the same model\n");
                status = 1;
            }
            if (fig.checkpoints)
                printf("  ^ %" PRIu64 " checkpoints of %.1f B/agent, written in %.3g s (mean) and "
                       "%.3g s (longest), in the last run\n",
                       fig.checkpoints, (double)fig.checkpoint_bytes / agents,
                       fig.checkpoint_write_s_mean, fig.checkpoint_write_s_max);
            if (c == 3)
                printf("  budget: 64 B/agent + 8 B per directed edge entry = %.1f B/agent\n",
                       64.0 + 8.0 * 2.0 * (double)fig.edges / agents);
        }
    }
    if (mpi) {
        printf("\n");
        fflush(stdout);
        status |= bench_mpi_run(&mcfg);
    }
    if (llm) {
        printf("\n");
        fflush(stdout);
        status |= bench_llm_run();
    }
    return status;
}
