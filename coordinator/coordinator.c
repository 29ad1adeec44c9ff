/* The coordinator's run: set-up (network, society, run directory, nodes), the round
 * loop and the tear-down. Nodes are inproc threads of this process, nunchi-node
 * processes it spawns and reaps, or nodes started by hand that `serve` waits for. Every
 * wait has a deadline; a node that vanishes or misses one ends the run with a message
 * naming the node and the round. */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include "coordinator.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zmq.h>

#include "cases.h"
#include "checkpoint.h"
#include "faults.h"
#include "metrics.h"
#include "network.h"
#include "norms.h"
#include "notices.h"
#include "output.h"
#include "partition.h"
#include "pool.h"
#include "ranks.h"
#include "report.h"
#include "society.h"
#include "spend.h"
#include "structure.h"
#include "texts.h"
#include "trends.h"
#include "zap.h"

#include "node/link.h"
#include "node/llm_prompt.h"
#include "nunchi/digest.h"
#include "nunchi/error.h"
#include "nunchi/node.h"

extern char **environ;

#define S_POLL_MS         100   /* how often waits look at child processes */
#define S_HEARTBEAT_S     1.0   /* heartbeat interval while nodes wait to start */
#define S_REAP_S          5.0   /* how long node processes get to leave after Bye */
#define S_MAX_POOL        16    /* the coordinator's own threads, at most */
#define S_BYTES_PER_AGENT 120.0 /* resident per agent in the rounds, for estimates */

/* One node as the coordinator sees it. */
typedef struct s_node {
    int joined;
    int ext;      /* the external population it hosts (scenario index), or -1: built-in */
    double heard; /* when it was last heard from (remote nodes) */
    int unsent;   /* this round's tick could not be sent (its connection was closed) */
    nn_peer_id_t peer;
    uint32_t lo, hi;     /* hosted agents lo .. hi - 1 (with ids: the first and the last + 1) */
    const uint32_t *ids; /* across ranks: the hosted agents, ascending (borrowed), or NULL */
    size_t count;        /* hosted agents */
    uint64_t *tick_off;  /* with ids: count + 1 inbox offsets of this round's tick */
    void *assigned;      /* with ids: one block for the welcome's per-agent arrays */
    /* a Welcome's llm memories (s_make_recall): counts, items and their texts */
    uint32_t *recall_count;
    nn_recall_t *recall;
    char *recall_text;
    long proc;        /* index into the run's processes, or -1 */
    pthread_t thread; /* inproc */
    int has_thread;
    int answered;    /* this round's Actions arrived */
    uint64_t digest; /* from its last Actions */
    char implementation[64];
    nn_wire_t welcome;        /* kept alive for local nodes */
    nn_wire_t tick;           /* kept alive for local nodes */
    nn_wire_t simple;         /* heartbeat, error or bye, kept alive for local nodes */
    nn_outbox_t copy;         /* remote: this round's messages, out of the codec's scratch */
    nn_actbox_t acts;         /* this round's acts, copied out of the node's or codec's arrays */
    nn_notice_list_t notices; /* hosts (external populations): this round's notices for it */
    nn_delivery_t *deliv;     /* hosts: this round's deliveries for it, gathered */
    size_t deliv_cap;
    nn_said_view_t tview; /* the texts of this round's tick */
    /* recovery: a restarted node waits for its new process; when it was lost, or killed
     * (a planned kill), for the figures; its agents' words for the new Welcome */
    int restarting;
    int restarting_answered; /* s_rejoin: the dead process had answered this round */
    int dropped;             /* recovery drop: its process died and its agents are absent */
    double lost_at, killed_at;
    uint64_t *words;
    nn_codec_t *codec; /* remote: encodes this node's Ticks, on any pool thread */
    const void *bytes; /* remote: the encoded Tick of this round */
    size_t n_bytes;
    int encode_rc;
    /* inproc thread state */
    void *ctx;
    char endpoint[512];
    int by_pointer; /* the thread's link passes pointers (no external populations) */
    nn_wire_t error_slot;
    int thread_rc;
    char thread_err[512];
} s_node_t;

/* A node process this coordinator started. */
typedef struct s_proc {
    pid_t pid;
    int exited; /* reaped */
    int status; /* its wait status */
    long node;  /* the node id it joined as, or -1 */
} s_proc_t;

typedef struct s_run {
    const nn_scenario_t *sc;
    const nn_run_options_t *opt;
    nn_run_result_t *res;
    nn_network_t *net;
    nn_society_t soc;
    nn_structure_t st; /* roles, groups, superiors, status, reputation */
    nn_router_t router;
    nn_pool_t *pool;    /* the coordinator's own threads, for routing and metrics */
    nn_moments_t *part; /* one per pool thread */
    size_t n_nodes;
    s_node_t *nodes;
    s_proc_t *procs;  /* n_nodes when spawned, else NULL */
    nn_wire_t simple; /* for peers that are not nodes (remote only) */
    void *ctx;
    void *sock;
    nn_link_t link;
    char endpoint[512];
    char inproc[512];       /* where the built-in node threads connect */
    char ext_endpoint[512]; /* where external nodes join */
    char ipc_path[256];
    int local;          /* messages by pointer: inproc threads, none but them */
    int threads;        /* the built-in nodes are threads of this process (transport inproc) */
    size_t n_builtin;   /* nodes for the built-in populations (started here unless serve) */
    int has_external;   /* some population is external */
    uint32_t *host;     /* external populations: each agent's node, or NULL */
    uint32_t *slot_ids; /* external populations: every node's agents, node after node */
    double liveness_s;  /* silence that loses an idle node */
    uint64_t resumed;   /* sessions resumed */
    uint64_t stray;     /* Actions on a connection that has not resumed yet */
    uint64_t lost;      /* nodes lost before the run for want of heartbeats */
    uint64_t session;
    FILE *metrics;
    FILE *events;
    nn_report_rows_t rows; /* what metrics.csv holds, for report.html */
    uint64_t round;
    /* the institutions: each NULL when the scenario does not have it */
    nn_norms_t *norms;      /* norms, sanctions and the game */
    nn_faults_t *faults;    /* planned faults */
    nn_cases_t *cases;      /* complaints and decisions */
    nn_trends_t *trends;    /* novelty items */
    float *standing;        /* n: status times reputation, stamped on deliveries; or NULL (1) */
    uint64_t *agent_trends; /* n: the agents' trends as last reported, or NULL (all 0) */
    uint64_t *agent_memory; /* n: the agents' private words, or NULL (all 0) */
    nn_notice_list_t made;  /* the norms' notices made at the end of this round, for the next */
    nn_notice_list_t made_cases;  /* the cases' part of them, read after the norms' */
    nn_notice_list_t made_trends; /* the trends' part, read last */
    size_t *notice_at;            /* n + 1: where each agent's notices go in live */
    nn_notice_list_t live;        /* the notices of the round in progress, sorted by receiver */
    nn_actbox_t acts;             /* every node's acts of the round, in agent order */
    nn_violation_list_t noncompliance;
    FILE *trends_csv;
    uint64_t prev_closed[NN_OUTCOMES]; /* the cases' totals after the previous round */
    uint64_t prev_complied, prev_defied;
    /* the round's message counts, the whole society's (summed over ranks) */
    uint64_t round_sent, round_delivered, round_dropped[NN_DROP_RULES];
    uint64_t round_texts, round_latencies; /* the texts said, the llm requests timed */
    double *round_s;                       /* each round's wall time, for summary.json */
    size_t n_round_s;
    /* delay faults: the deliveries held back, each with the round whose routing gives it
     * back; due: those of this round, sorted by receiver */
    struct s_held *held;
    size_t n_held, held_cap;
    nn_router_late_t *due;
    size_t due_cap;
    int held_failed;
    uint32_t restarts; /* recovery: node processes restarted so far */
    /* across ranks (w NULL: one process, and the rest stays 0) */
    nn_ranks_t *w;
    int me, ranks;
    uint64_t total_nodes; /* over all ranks */
    uint64_t *rank_rss;   /* rank 0, at the end: every rank's peak resident bytes */
    /* security.curve: the handler that lets nodes in, and the pair given to the node
     * processes this coordinator starts itself */
    nn_zap_t *zap;
    void *mon;                 /* security.curve: the router's socket monitor (PAIR), or NULL */
    uint64_t handshake_failed; /* peers whose handshake failed before the ZAP handler (plaintext
                                  at a CURVE coordinator, a wrong server key) */
    char server_pub[NN_KEY_Z85_LEN + 1];
    char node_pub[NN_KEY_Z85_LEN + 1], node_sec[NN_KEY_Z85_LEN + 1];
    nn_partition_t partition; /* part[i]: agent i's rank */
    uint32_t *mine;           /* this rank's agents, ascending */
    size_t n_mine;
    uint32_t *by_rank;        /* every agent, by rank then id: how gathered arrays unpack */
    size_t *rank_at;          /* ranks + 1: where each rank's agents start in by_rank */
    nn_ranks_graph_t *graph;  /* the ranks that share cut edges or superiors with this one */
    uint8_t *is_nbr;          /* ranks: 1 for the graph's ranks */
    int share_states;         /* cases or trends read every agent's state: gathered a round */
    void *gbuf, *sbuf, *xbuf; /* gathers, sends and exchanges, grown as needed */
    size_t gcap, scap, xcap;
    size_t *xcounts;          /* ranks: bytes a peer */
    size_t *xcounts_in;       /* ranks */
    nn_router_import_t *segs; /* ranks */
    nn_norm_rec_t *recs;
    size_t recs_cap;
    /* texts (nn_say): said[round & 1] fills while the round is answered; the other holds
     * the previous round's, which go out with this round's ticks */
    nn_said_t said[2];
    uint32_t *said_to; /* scratch: one text's receivers */
    size_t said_to_cap;
    FILE *transcript;
    /* the llm agents' spending: this round's (summed over nodes and ranks) and the run's */
    int llm;        /* the scenario has an llm section: metrics.csv has its columns */
    char *llm_json; /* the section as it goes out in Welcome */
    nn_spend_t spend_round, spend_total;
    uint64_t budget_round; /* the round in which llm.budget_tokens was found spent; 0 */
    /* checkpoints (recovery.checkpoint_every) and --resume */
    char ckpt_dir[4200];            /* RUN_DIR/checkpoints: every rank writes its own file there */
    uint64_t init_digest;           /* the society as drawn, before round 1: a resume checks it */
    nn_ckpt_reader_t *resume_rd;    /* resuming: the checkpoint, read in two parts, or NULL */
    nn_ckpt_reader_t resume_reader; /* ... which it points to */
    char resume_path[4400];         /* ... its file */
    uint64_t start_round;   /* the first round this process runs: 1, or the checkpoint's + 1 */
    uint64_t resume_off[4]; /* the outputs' sizes at the checkpoint (rank 0) */
    uint64_t resume_bytes;  /* the checkpoint's files, over the ranks */
    int resume_from_ranks;  /* a resume on another number of ranks: the old number */
    uint64_t scenario_crc;  /* rank 0: CRC-32 of RUN_DIR/scenario.yaml (checkpoints) */
    int ckpt_lock;          /* rank 0: 1 + the fd that holds checkpoints/lock; 0: none */
    /* the llm agents' memories (llm.memory > 0) as their nodes keep them, noted from what
     * each round's ticks gave them: for a node that joins during the run and for
     * checkpoints. recall_of[i]: agent i's ring in recall, or UINT32_MAX */
    uint32_t *recall_of;
    nn_llmp_memory_t *recall;
    size_t n_recall;
    const char **recall_texts; /* scratch: one agent's texts, per inbox entry */
    size_t recall_texts_cap;
} s_run_t;

static int s_fail(s_run_t *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void s_note_refusals(s_run_t *r);

static int s_fail(s_run_t *r, int rc, const char *fmt, ...)
{
    if (!r->res->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->res->error, sizeof r->res->error, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static const char *s_node_binary(const nn_run_options_t *opt, char *buf, size_t len)
{
    if (opt->node_binary)
        return opt->node_binary;
    const char *env = getenv("NUNCHI_NODE");
    if (env && *env)
        return env;
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0)
        return "nunchi-node";
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return "nunchi-node";
    snprintf(slash + 1, len - (size_t)(slash + 1 - buf), "nunchi-node");
    return buf;
}

/* ---- nodes ------------------------------------------------------------------------ */

static void *s_node_thread(void *arg)
{
    s_node_t *nd = arg;
    void *sock = zmq_socket(nd->ctx, ZMQ_DEALER);
    if (!sock) {
        nd->thread_rc = NN_EZMQ;
        snprintf(nd->thread_err, sizeof nd->thread_err, "socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sock, nd->endpoint) != 0) {
        nd->thread_rc = NN_EZMQ;
        snprintf(nd->thread_err, sizeof nd->thread_err, "connect: %s", zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return NULL;
    }
    nn_session_config_t cfg = NN_SESSION_CONFIG_INIT;
    cfg.implementation = "nunchi-inproc";
    cfg.local = nd->by_pointer;
    cfg.in_process = 1;
    cfg.error_slot = &nd->error_slot;
    nd->thread_rc = nn_node_session(sock, &cfg, nd->thread_err, sizeof nd->thread_err);
    zmq_close(sock);
    return NULL;
}

/* Starts node process i (a nunchi-node connecting to this coordinator) into r->procs[i].
 * Under security.curve it gets this coordinator's public key and a pair of its own in its
 * environment, not on its command line. NN_OK, or an error said with s_fail. */
static int s_spawn(s_run_t *r, size_t i)
{
    char buf[4096];
    const char *bin = s_node_binary(r->opt, buf, sizeof buf);
    char maxmsg[32];
    snprintf(maxmsg, sizeof maxmsg, "%" PRIu64, r->sc->max_message_bytes);
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%g", r->opt->join_timeout_s);
    char parent[32]; /* the nodes leave when this process ends, however it ends */
    snprintf(parent, sizeof parent, "%d", (int)getpid());
    char **env = environ, **own = NULL;
    char e_server[96], e_pub[96], e_sec[96];
    if (r->zap) {
        size_t n = 0;
        while (environ[n])
            n++;
        own = calloc(n + 4, sizeof *own);
        if (!own)
            return s_fail(r, NN_ENOMEM, "out of memory");
        memcpy(own, environ, n * sizeof *own);
        snprintf(e_server, sizeof e_server, "%s=%s", NN_KEYS_ENV_SERVER, r->server_pub);
        snprintf(e_pub, sizeof e_pub, "%s=%s", NN_KEYS_ENV_PUBLIC, r->node_pub);
        snprintf(e_sec, sizeof e_sec, "%s=%s", NN_KEYS_ENV_SECRET, r->node_sec);
        own[n] = e_server;
        own[n + 1] = e_pub;
        own[n + 2] = e_sec;
        env = own;
    }
    char *argv[] = {(char *)"nunchi-node",
                    (char *)"--connect",
                    r->endpoint,
                    (char *)"--max-message-bytes",
                    maxmsg,
                    (char *)"--timeout",
                    timeout,
                    (char *)"--parent",
                    parent,
                    NULL};
    pid_t pid;
    int e = posix_spawn(&pid, bin, NULL, NULL, argv, env);
    free(own);
    memset(e_sec, 0, sizeof e_sec);
    if (e != 0)
        return s_fail(r, NN_ESYS, "cannot start node process '%s': %s", bin, strerror(e));
    /* node ids go by the order of joining; the hello's pid links the two */
    memset(&r->procs[i], 0, sizeof r->procs[i]);
    r->procs[i].pid = pid;
    r->procs[i].node = -1;
    return NN_OK;
}

static int s_start_nodes(s_run_t *r)
{
    if (r->opt->bind)
        return NN_OK; /* serve: nodes are started by hand */
    if (r->threads) {
        for (size_t k = 0; k < r->n_builtin; k++) {
            s_node_t *nd = &r->nodes[k];
            if (nd->dropped)
                continue; /* a resumed run's node that recovery.policy drop gave up */
            nd->ctx = r->ctx;
            nd->by_pointer = r->local;
            snprintf(nd->endpoint, sizeof nd->endpoint, "%s", r->inproc);
            if (pthread_create(&nd->thread, NULL, s_node_thread, nd) != 0)
                return s_fail(r, NN_ESYS, "cannot start node thread %zu", k);
            nd->has_thread = 1;
        }
        return NN_OK;
    }
    r->procs = calloc(r->n_nodes, sizeof *r->procs);
    if (!r->procs)
        return s_fail(r, NN_ENOMEM, "out of memory");
    for (size_t k = 0; k < r->n_builtin; k++) {
        if (r->nodes[k].dropped)
            continue; /* as above: procs[k] stays without a pid */
        int rc = s_spawn(r, k);
        if (rc != NN_OK)
            return rc;
    }
    return NN_OK;
}

/* Reaps node processes that have ended; returns the index of one that ended (and was
 * not reaped before) or -1. */
static long s_reap(s_run_t *r)
{
    if (!r->procs)
        return -1;
    long ended = -1;
    for (size_t k = 0; k < r->n_nodes; k++) {
        s_proc_t *pr = &r->procs[k];
        if (!pr->pid || pr->exited)
            continue;
        int st;
        pid_t p = waitpid(pr->pid, &st, WNOHANG);
        if (p == pr->pid) {
            pr->exited = 1;
            pr->status = st;
            if (ended < 0)
                ended = (long)k;
        }
    }
    return ended;
}

static void s_describe_exit(int st, char *buf, size_t len)
{
    if (WIFSIGNALED(st))
        snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else if (WIFEXITED(st))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
    else
        snprintf(buf, len, "ended");
}

static int s_restart(s_run_t *r, long i);
static int s_drop_node(s_run_t *r, long i);

static int s_process_died(s_run_t *r, long i, const char *when)
{
    const s_proc_t *pr = &r->procs[i];
    const int recover = r->round >= 1 && pr->node >= 0;
    const int restart = recover && r->sc->faults.recovery == NN_RECOVERY_RESTART;
    const int drop = recover && r->sc->faults.recovery == NN_RECOVERY_DROP;
    char how[128];
    s_describe_exit(pr->status, how, sizeof how);
    json_t *ev = json_pack("{s:I,s:I,s:s}", "round", (json_int_t)r->round, "pid",
                           (json_int_t)pr->pid, "what", how);
    if (pr->node >= 0)
        json_object_set_new(ev, "node", json_integer((json_int_t)pr->node));
    nn_output_event(r->events, "node_lost", ev);
    if (restart)
        return s_restart(r, i);
    if (drop)
        return s_drop_node(r, i);
    if (pr->node >= 0)
        return s_fail(r, NN_EPEER, "node %ld (pid %d) %s %s", pr->node, (int)pr->pid, how, when);
    return s_fail(r, NN_EPEER, "node process %d %s %s", (int)pr->pid, how, when);
}

/* A node whose connection closed: name its process's fate when it is ours. */
static int s_node_gone(s_run_t *r, size_t k)
{
    long i = r->nodes[k].proc;
    if (i >= 0) {
        /* the connection closes as the process dies: give the kernel a moment to say how */
        for (int t = 0; t < 200 && !r->procs[i].exited; t++) {
            s_reap(r);
            if (!r->procs[i].exited)
                usleep(10000);
        }
        if (r->procs[i].exited) {
            char when[64];
            snprintf(when, sizeof when, "in round %" PRIu64, r->round);
            return s_process_died(r, i, when);
        }
    }
    nn_output_event(r->events, "node_lost",
                    json_pack("{s:I,s:I,s:s}", "round", (json_int_t)r->round, "node", (json_int_t)k,
                              "what", "connection closed"));
    return s_fail(r, NN_EPEER, "node %zu vanished (its connection closed) in round %" PRIu64, k,
                  r->round);
}

static int s_stopped(const s_run_t *r)
{
    return r->opt->stop && *r->opt->stop;
}

static long s_find_peer(const s_run_t *r, const nn_peer_id_t *p)
{
    for (size_t k = 0; k < r->n_nodes; k++) {
        const s_node_t *nd = &r->nodes[k];
        if (nd->joined && nd->peer.len == p->len && memcmp(nd->peer.id, p->id, p->len) == 0)
            return (long)k;
    }
    return -1;
}

/* Sends a heartbeat, error, reject or bye. A local peer reads the struct after the send
 * returns, so it lives in the node (or, for a peer that is not a node, which is never
 * local, in the run). */
static void s_send_simple(s_run_t *r, const nn_peer_id_t *to, long k, nn_wire_kind_t kind,
                          const char *text)
{
    nn_wire_t *w = k >= 0 ? &r->nodes[k].simple : &r->simple;
    memset(w, 0, sizeof *w);
    w->kind = kind;
    w->round = r->round;
    w->node = k >= 0 ? (uint32_t)k : 0;
    if (kind == NN_WIRE_ERROR) {
        w->u.error.code = NN_EPROTO;
        snprintf(w->u.error.message, sizeof w->u.error.message, "%s", text);
    } else if (kind == NN_WIRE_REJECT) {
        /* text is "reason: detail" */
        const char *colon = strchr(text, ':');
        size_t n = colon ? (size_t)(colon - text) : strlen(text);
        snprintf(w->u.reject.reason, sizeof w->u.reject.reason, "%.*s", (int)n, text);
        snprintf(w->u.reject.detail, sizeof w->u.reject.detail, "%s",
                 colon ? colon + 1 + (colon[1] == ' ') : "");
    } else if (kind == NN_WIRE_BYE) {
        snprintf(w->u.bye.reason, sizeof w->u.bye.reason, "%s", text);
    }
    nn_link_send(&r->link, to, w, NULL, 0);
}

/* The welcome's per-agent arrays for a node that hosts listed agents (across ranks):
 * copies of their entries, and a CSR of their own, in one block that lives as long as
 * the node (a local node reads them by pointer). Made before the nodes start, so that
 * joining cannot fail. */
static int s_prepare_listed(s_run_t *r, s_node_t *nd)
{
    size_t n = nd->count;
    uint64_t entries = 0;
    for (size_t i = 0; i < n; i++)
        entries += r->net->off[nd->ids[i] + 1] - r->net->off[nd->ids[i]];
    /* offsets and states first, for alignment */
    size_t bytes = (n + 1) * sizeof(uint64_t) + n * sizeof(double) +
                   (size_t)entries * sizeof(uint32_t) + 2 * n * sizeof(uint32_t) + 2 * n;
    nd->assigned = malloc(bytes ? bytes : 1);
    nd->tick_off = malloc((n + 1) * sizeof *nd->tick_off);
    if (!nd->assigned || !nd->tick_off)
        return NN_ENOMEM;
    uint64_t *off = nd->assigned;
    double *state = (double *)(off + n + 1);
    uint32_t *nbr = (uint32_t *)(state + n);
    uint32_t *group = nbr + entries, *sup = group + n;
    uint8_t *pop = (uint8_t *)(sup + n), *role = pop + n;
    uint64_t e = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = nd->ids[i];
        uint64_t a = r->net->off[id], b = r->net->off[id + 1];
        off[i] = e;
        memcpy(nbr + e, r->net->adj + a, (size_t)(b - a) * sizeof *nbr);
        e += b - a;
        state[i] = r->soc.x[id];
        pop[i] = r->soc.pop[id];
        role[i] = r->st.role ? r->st.role[id] : 0;
        group[i] = r->st.group ? r->st.group[id] : 0;
        sup[i] = r->st.superior ? r->st.superior[id] : NN_NO_AGENT;
    }
    off[n] = e;
    return NN_OK;
}

static void s_assign_listed(const s_run_t *r, const s_node_t *nd, nn_welcome_t *we)
{
    (void)r;
    size_t n = nd->count;
    const uint64_t *off = nd->assigned;
    const double *state = (const double *)(off + n + 1);
    const uint32_t *nbr = (const uint32_t *)(state + n);
    const uint32_t *group = nbr + off[n], *sup = group + n;
    const uint8_t *pop = (const uint8_t *)(sup + n), *role = pop + n;
    we->agent = nd->ids;
    we->population = pop;
    we->state = state;
    we->nbr_off = off;
    we->nbr = nbr;
    we->role = role;
    we->group = group;
    we->superior = sup;
}

/* What every Welcome to node k says, the assignment aside: into *w, cleared first. */
static nn_welcome_t *s_welcome_head(const s_run_t *r, size_t k, nn_wire_t *w)
{
    memset(w, 0, sizeof *w);
    w->kind = NN_WIRE_WELCOME;
    w->node = (uint32_t)k;
    nn_welcome_t *we = &w->u.welcome;
    we->node = (uint32_t)k;
    we->session = r->session;
    we->seed = r->sc->seed;
    we->rounds = r->sc->rounds;
    we->agents_total = r->sc->agents;
    we->dim = 1;
    we->deadline_s = r->sc->deadline_s;
    we->liveness_s = r->liveness_s;
    we->heartbeat_s = r->sc->heartbeat_s;
    we->llm = r->llm_json;
    return we;
}

static void s_notice_slice(const s_run_t *r, uint32_t lo, uint32_t hi, nn_tick_t *t);

/* Whether the agents of population p have their memories kept: llm ones, and external
 * ones (see s_recall_init). */
static int s_recall_pop(const s_run_t *r, uint8_t p)
{
    const nn_population_t *pc = &r->sc->populations[p];
    return pc->external || (pc->ops && !strcmp(pc->ops->name, "llm"));
}

/* The llm agents' memories: one ring of llm.memory items per llm agent this process hosts
 * (with ranks, its own), when the scenario has llm agents that remember. An external
 * population's node may host it with the llm behaviour (nunchi-node --claim P=llm), which
 * the coordinator cannot know: its agents are kept too, and other behaviours ignore them.
 * NN_OK or NN_ENOMEM. */
static int s_recall_init(s_run_t *r)
{
    const nn_scenario_t *sc = r->sc;
    json_int_t cap = sc->llm ? json_integer_value(json_object_get(sc->llm, "memory")) : 0;
    /* only a restarted node and a checkpoint read them */
    if (cap <= 0 || (sc->faults.recovery != NN_RECOVERY_RESTART && !sc->faults.checkpoint_every))
        return NN_OK;
    int llm_pop[NN_MAX_POPULATIONS] = {0}, any = 0;
    for (size_t p = 0; p < sc->n_populations && p < NN_MAX_POPULATIONS; p++)
        any |= llm_pop[p] = s_recall_pop(r, (uint8_t)p);
    if (!any)
        return NN_OK;
    const uint32_t n = r->soc.n;
    if (!(r->recall_of = malloc((n ? n : 1) * sizeof *r->recall_of)))
        return NN_ENOMEM;
    size_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        int mine = !r->w || r->partition.part[i] == (uint32_t)r->me;
        r->recall_of[i] = mine && llm_pop[r->soc.pop[i]] ? (uint32_t)m++ : UINT32_MAX;
    }
    if (!(r->recall = calloc(m ? m : 1, sizeof *r->recall)))
        return NN_ENOMEM;
    r->n_recall = m;
    for (size_t k = 0; k < m; k++)
        if (nn_llmp_memory_init(&r->recall[k], (size_t)cap) != NN_OK)
            return NN_ENOMEM;
    return NN_OK;
}

/* Notes into ring m what agent i was given this round, as its llm behaviour notes it in
 * its step: the inbox with each sender's text of the round before, then its verdicts. */
static int s_recall_note(s_run_t *r, nn_llmp_memory_t *m, uint32_t i)
{
    nn_agent_t a;
    memset(&a, 0, sizeof a);
    a.id = i;
    a.round = r->round;
    a.inbox = r->router.deliv + r->router.off[i];
    a.n_inbox = (size_t)(r->router.off[i + 1] - r->router.off[i]);
    nn_tick_t t;
    memset(&t, 0, sizeof t);
    s_notice_slice(r, i, i + 1, &t);
    a.notices = t.notices;
    a.n_notices = t.n_notices;
    if (a.n_inbox > r->recall_texts_cap) {
        const char **g = realloc(r->recall_texts, a.n_inbox * sizeof *g);
        if (!g)
            return NN_ENOMEM;
        r->recall_texts = g;
        r->recall_texts_cap = a.n_inbox;
    }
    const nn_said_t *said = &r->said[(r->round - 1) & 1];
    for (size_t j = 0; j < a.n_inbox; j++)
        r->recall_texts[j] = nn_said_text(said, a.inbox[j].from);
    nn_llmp_memory_note(m, &a, a.n_inbox ? r->recall_texts : NULL);
    return NN_OK;
}

/* Once every node has answered the round: its ticks, into every llm agent's ring (absent
 * agents step no more and note nothing). NN_OK or NN_ENOMEM. */
static int s_recall_round(s_run_t *r)
{
    for (uint32_t i = 0; r->recall && i < r->soc.n; i++) {
        uint32_t k = r->recall_of[i];
        if (k == UINT32_MAX || (r->faults && nn_faults_is_absent(r->faults, i)))
            continue;
        if (s_recall_note(r, &r->recall[k], i) != NN_OK)
            return NN_ENOMEM;
    }
    return NN_OK;
}

/* Node k's Welcome memories: each hosted llm agent's ring, oldest first, and with
 * `this_round` the round in progress noted too (a node that died after it answered).
 * Nothing when none remembers anything. NN_OK or NN_ENOMEM. */
static int s_make_recall(s_run_t *r, size_t k, int this_round, nn_welcome_t *we)
{
    s_node_t *nd = &r->nodes[k];
    if (!r->recall || !r->n_recall)
        return NN_OK;
    size_t n = nd->count, items = 0, bytes = 0;
    nn_llmp_memory_t tmp;
    memset(&tmp, 0, sizeof tmp);
    if (this_round && nn_llmp_memory_init(&tmp, r->recall[0].cap) != NN_OK)
        return NN_ENOMEM;
    uint32_t *cnt = realloc(nd->recall_count, (n ? n : 1) * sizeof *cnt);
    if (!cnt) {
        nn_llmp_memory_release(&tmp);
        return NN_ENOMEM;
    }
    nd->recall_count = cnt;
    for (int pass = 0; pass < 2; pass++) { /* count, then copy */
        size_t at = 0, tat = 0;
        for (size_t j = 0; j < n; j++) {
            uint32_t id = nd->ids ? nd->ids[j] : nd->lo + (uint32_t)j;
            uint32_t q = r->recall_of[id];
            const nn_llmp_memory_t *m = q == UINT32_MAX ? NULL : &r->recall[q];
            if (m && this_round) {
                for (size_t e = 0; e < m->len; e++)
                    tmp.items[e] = m->items[(m->head + e) % m->cap];
                tmp.len = m->len;
                tmp.head = 0;
                if (s_recall_note(r, &tmp, id) != NN_OK) {
                    nn_llmp_memory_release(&tmp);
                    return NN_ENOMEM;
                }
                m = &tmp;
            }
            size_t len = m ? m->len : 0;
            cnt[j] = (uint32_t)len;
            for (size_t e = 0; e < len; e++) {
                const nn_llmp_memory_item_t *it = &m->items[(m->head + e) % m->cap];
                size_t tl = strlen(it->text) + 1;
                if (pass == 0) {
                    items++;
                    bytes += tl;
                    continue;
                }
                memcpy(nd->recall_text + tat, it->text, tl);
                nd->recall[at].round = it->round;
                nd->recall[at].from = it->from;
                nd->recall[at].verdict = it->verdict;
                nd->recall[at].value = it->value;
                nd->recall[at].text = nd->recall_text + tat;
                at++;
                tat += tl;
            }
        }
        if (pass == 0) {
            nn_recall_t *ri = realloc(nd->recall, (items ? items : 1) * sizeof *ri);
            if (ri)
                nd->recall = ri;
            char *tx = ri ? realloc(nd->recall_text, bytes ? bytes : 1) : NULL;
            if (tx)
                nd->recall_text = tx;
            if (!ri || !tx) {
                nn_llmp_memory_release(&tmp);
                return NN_ENOMEM;
            }
        }
    }
    nn_llmp_memory_release(&tmp);
    if (items) {
        we->recall_count = cnt;
        we->n_recall = items;
        we->recall = nd->recall;
    }
    return NN_OK;
}

/* Node k's Welcome: its agents as they are now, their trends and memory words too once
 * the run has some (a restarted node, a resumed run). NN_OK or NN_ENOMEM. */
static int s_make_welcome(s_run_t *r, size_t k)
{
    s_node_t *nd = &r->nodes[k];
    nn_welcome_t *we = s_welcome_head(r, k, &nd->welcome);
    /* a restarted node that had answered the round before it died steps the next one */
    if (s_make_recall(r, k, nd->restarting_answered, we) != NN_OK)
        return NN_ENOMEM;
    we->n_populations = r->soc.n_pops;
    we->populations = r->soc.desc;
    we->n_agents = nd->count;
    we->first_agent = nd->lo;
    if (nd->ids) {
        s_assign_listed(r, nd, we);
    } else {
        we->agent = NULL;
        we->population = r->soc.pop + nd->lo;
        we->state = r->soc.x + nd->lo;
        we->nbr_off = r->net->off + nd->lo;
        we->nbr = r->net->adj;
        we->role = r->st.role + nd->lo;
        we->group = r->st.group + nd->lo;
        we->superior = r->st.superior + nd->lo;
    }
    if (!r->agent_trends && !r->agent_memory)
        return NN_OK;
    size_t n = nd->count;
    uint64_t *w = realloc(nd->words, (2 * n + 1) * sizeof *w);
    if (!w)
        return NN_ENOMEM;
    nd->words = w;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = nd->ids ? nd->ids[i] : nd->lo + (uint32_t)i;
        w[i] = r->agent_trends ? r->agent_trends[id] : 0;
        w[n + i] = r->agent_memory ? r->agent_memory[id] : 0;
    }
    we->trends = w;
    we->memory = w + n;
    return NN_OK;
}

/* Refuses one wire message: counts it, logs it in events.jsonl and answers the sender
 * with an Error (or, for a peer that has not joined, a Reject, which ends its session:
 * `text` is then "reason: detail"). */
static void s_refuse(s_run_t *r, const nn_peer_id_t *from, long k, nn_wire_kind_t answer,
                     const char *text)
{
    r->res->rejected++;
    json_t *ev = json_pack("{s:I,s:s}", "round", (json_int_t)r->round, "why", text);
    if (k >= 0)
        json_object_set_new(ev, "node", json_integer((json_int_t)k));
    const char *colon = answer == NN_WIRE_REJECT ? strchr(text, ':') : NULL;
    if (colon)
        json_object_set_new(ev, "reason", json_stringn(text, (size_t)(colon - text)));
    nn_output_event(r->events, "rejected", ev);
    s_send_simple(r, from, k, answer, text);
}

/* Handles a message that is not the one awaited: out-of-protocol input is refused,
 * counted and answered with an Error; a node's own Error ends the run. */
static int s_unexpected(s_run_t *r, const nn_peer_id_t *from, long k, const nn_wire_t *in)
{
    if (k >= 0 && in->kind == NN_WIRE_ERROR)
        return s_fail(r, NN_EPEER, "node %ld failed in round %" PRIu64 ": %s", k, r->round,
                      in->u.error.message);
    if (k >= 0 && in->kind == NN_WIRE_BYE)
        return s_fail(r, NN_EPEER, "node %ld left in round %" PRIu64 ": %s", k, r->round,
                      in->u.bye.reason);
    if (in->kind == NN_WIRE_HEARTBEAT)
        return NN_OK; /* a node's, or one from a node whose connection was remade and that
                       * has not resumed yet: either way nothing to answer */
    if (k < 0 && in->kind == NN_WIRE_HELLO) {
        s_refuse(r, from, -1, NN_WIRE_REJECT, "full: this society has all its nodes");
        return NN_OK;
    }
    if (k < 0 && in->kind == NN_WIRE_ACTIONS && in->node < r->n_nodes &&
        r->nodes[in->node].joined) {
        /* what a node queued while its connection broke arrives on the new connection
         * before its resume: an Error would end it. Dropped and counted; once it has
         * resumed it gets the tick again and answers it again */
        r->stray++;
        return NN_OK;
    }
    char text[NN_TEXT_MAX];
    snprintf(text, sizeof text,
             "unexpected message kind %d for round %" PRIu64 " in round %" PRIu64, (int)in->kind,
             in->round, r->round);
    s_refuse(r, from, k, NN_WIRE_ERROR, text);
    return NN_OK;
}

/* The first population behaviour that a node's Hello does not list, or NULL. A node
 * that lists none is taken to run the built-in ones. */
static const char *s_missing_behaviour(const s_run_t *r, const nn_hello_t *h)
{
    if (h->n_behaviours == 0)
        return NULL;
    for (size_t p = 0; p < r->soc.n_pops; p++) {
        if (r->sc->populations[p].external)
            continue; /* hosted by the nodes that claim it */
        size_t i = 0;
        while (i < h->n_behaviours && strcmp(h->behaviours[i], r->soc.desc[p].behaviour) != 0)
            i++;
        if (i == h->n_behaviours)
            return r->soc.desc[p].behaviour;
    }
    return NULL;
}

/* The node a Hello asks for: the first free one of a population it claims, or without
 * claims the first free built-in node; -1 with the refusal ("reason: detail") in why. */
static long s_pick_slot(const s_run_t *r, const nn_hello_t *h, char *why, size_t len)
{
    const nn_scenario_t *sc = r->sc;
    int claimed_any = 0;
    for (size_t c = 0; c < h->n_claims; c++) {
        size_t p = 0;
        while (p < sc->n_populations &&
               !(sc->populations[p].external && strcmp(sc->populations[p].name, h->claims[c]) == 0))
            p++;
        if (p == sc->n_populations)
            continue;
        claimed_any = 1;
        for (size_t k = 0; k < r->n_nodes; k++) {
            const s_node_t *nd = &r->nodes[k];
            if (nd->joined || nd->ext != (int)p)
                continue;
            if (h->max_agents && nd->count > h->max_agents) {
                snprintf(why, len,
                         "capacity: a node of population '%s' hosts %zu agents, more than the "
                         "%" PRIu32 " this node takes",
                         sc->populations[p].name, nd->count, h->max_agents);
                return -1;
            }
            return (long)k;
        }
    }
    if (h->n_claims) {
        if (claimed_any)
            snprintf(why, len, "full: the populations this node claims have all their nodes");
        else
            snprintf(why, len,
                     "unknown_population: this society has no external population named '%s'",
                     h->claims[0]);
        return -1;
    }
    for (size_t k = 0; k < r->n_nodes; k++) {
        const s_node_t *nd = &r->nodes[k];
        if (nd->joined || nd->ext >= 0)
            continue;
        const char *missing = s_missing_behaviour(r, h);
        if (missing) {
            snprintf(why, len,
                     "unknown_behaviour: this society needs '%s', which the node does not run",
                     missing);
            return -1;
        }
        if (h->max_agents && nd->count > h->max_agents) {
            snprintf(why, len,
                     "capacity: a node of this society hosts %zu agents, more than the %" PRIu32
                     " this node takes",
                     nd->count, h->max_agents);
            return -1;
        }
        return (long)k;
    }
    snprintf(why, len, "full: this society has all its nodes");
    return -1;
}

/* A node that asks to resume its session (a Hello with the session id, from a new
 * connection): it takes its node back, is told so, and gets the tick it has not answered
 * again. Refused with "session" when the session or the node is not this run's. */
static int s_resume(s_run_t *r, const nn_peer_id_t *from, const nn_wire_t *in)
{
    uint32_t k = in->node;
    if (in->u.hello.session != r->session || k >= r->n_nodes || !r->nodes[k].joined) {
        s_refuse(r, from, -1, NN_WIRE_REJECT,
                 "session: no node of this run's session has that id; join afresh");
        return NN_OK;
    }
    s_node_t *nd = &r->nodes[k];
    if (strcmp(nd->peer.user, from->user) != 0) {
        /* under CURVE a session belongs to the key that joined it */
        s_refuse(r, from, -1, NN_WIRE_REJECT,
                 "session: this node's session belongs to another key; join afresh");
        return NN_OK;
    }
    nd->peer = *from;
    nd->heard = nn_now();
    nn_wire_t *w = &nd->simple;
    nn_welcome_t *we = s_welcome_head(r, k, w);
    w->round = r->round;
    we->resumed = 1;
    we->round = r->round;
    char err[256] = "";
    int rc = nn_link_send(&r->link, from, w, err, sizeof err);
    if (rc == NN_EPEER)
        return NN_OK; /* gone again: it may come back */
    if (rc != NN_OK)
        return s_fail(r, rc, "cannot answer the resume of node %u: %s", k, err);
    r->resumed++;
    nn_output_event(r->events, "node_resumed",
                    json_pack("{s:I,s:I}", "round", (json_int_t)r->round, "node", (json_int_t)k));
    if (r->round && nd->bytes && !nd->answered) {
        rc = nn_link_send_bytes(&r->link, &nd->peer, nd->bytes, nd->n_bytes, err, sizeof err);
        if (rc != NN_OK && rc != NN_EPEER)
            return s_fail(r, rc, "cannot send the tick of round %" PRIu64 " to node %u again: %s",
                          r->round, k, err);
        nd->unsent = rc == NN_EPEER;
    }
    return NN_OK;
}

/* Notes that node k (or -1: a peer that is no node) was heard from, and takes a resume
 * (a Hello with a session, from a new connection or the node's own). 1 when in was a
 * resume, handled (*rc says whether that failed); else 0 with *rc NN_OK. */
static int s_heard(s_run_t *r, const nn_peer_id_t *from, long k, const nn_wire_t *in, int *rc)
{
    *rc = NN_OK;
    if (k >= 0)
        r->nodes[k].heard = nn_now();
    if (in->kind != NN_WIRE_HELLO || !in->u.hello.session || (k >= 0 && in->node != (uint32_t)k))
        return 0;
    *rc = s_resume(r, from, in);
    return 1;
}

/* The populations still waiting for nodes, for the message of a join that timed out. */
static void s_waiting(const s_run_t *r, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int p = -1; p < (int)r->sc->n_populations; p++) {
        size_t want = 0, got = 0;
        for (size_t k = 0; k < r->n_nodes; k++)
            if (r->nodes[k].ext == p) {
                want++;
                got += r->nodes[k].joined != 0;
            }
        if (got == want)
            continue;
        int n = snprintf(buf + at, len - at, "%s%s%s%s (%zu of %zu nodes joined)", at ? ", " : "",
                         p < 0 ? "the built-in populations" : "population '",
                         p < 0 ? "" : r->sc->populations[p].name, p < 0 ? "" : "'", got, want);
        if (n < 0 || (size_t)n >= len - at)
            break;
        at += (size_t)n;
    }
}

static int s_join(s_run_t *r)
{
    size_t joined = 0;
    for (size_t k = 0; k < r->n_nodes; k++)
        joined += r->nodes[k].dropped; /* a resumed run's, given up before */
    double start = nn_now(), last_beat = start, last_note = start;
    double limit = r->opt->bind ? r->opt->wait_s : r->opt->join_timeout_s;
    if (r->has_external && !r->opt->bind)
        limit = r->sc->external_wait_s; /* external.wait_s; the built-in nodes join at once */
    if (!r->opt->quiet && (r->opt->bind || r->has_external))
        fprintf(stderr, "nunchi: waiting for %zu node(s) at %s\n",
                r->n_nodes - r->n_builtin + (r->opt->bind ? r->n_builtin : 0),
                r->has_external ? r->ext_endpoint : r->endpoint);
    while (joined < r->n_nodes) {
        double now = nn_now();
        if (s_stopped(r))
            return s_fail(r, NN_EINTR, "stopped while %zu of %zu node(s) had joined", joined,
                          r->n_nodes);
        if (limit > 0 && now - start > limit) {
            char waiting[1024];
            s_waiting(r, waiting, sizeof waiting);
            return s_fail(r, NN_ETIMEOUT,
                          "%zu of %zu node(s) joined within %g s (waiting at %s): still waiting "
                          "for %s",
                          joined, r->n_nodes, limit,
                          r->has_external ? r->ext_endpoint : r->endpoint, waiting);
        }
        long dead = s_reap(r);
        if (dead >= 0)
            return s_process_died(r, dead, "before the run started");
        s_note_refusals(r);
        for (size_t k = 0; r->threads && k < r->n_nodes; k++) {
            s_node_t *nd = &r->nodes[k];
            if (nd->has_thread && pthread_tryjoin_np(nd->thread, NULL) == 0) {
                nd->has_thread = 0;
                return s_fail(r, nd->thread_rc ? nd->thread_rc : NN_EPEER,
                              "node thread %zu ended before the run started: %s", k,
                              nd->thread_err[0] ? nd->thread_err : "no reason given");
            }
        }
        /* a node started by hand that has gone silent gives its place back */
        for (size_t k = 0; k < r->n_nodes; k++) {
            s_node_t *nd = &r->nodes[k];
            if (!nd->joined || nd->dropped || nd->has_thread || nd->proc >= 0 ||
                now - nd->heard < r->liveness_s)
                continue;
            nd->joined = 0;
            joined--;
            r->lost++;
            nn_output_event(r->events, "node_lost",
                            json_pack("{s:I,s:I,s:s,s:f}", "round", (json_int_t)0, "node",
                                      (json_int_t)k, "what", "no heartbeat", "silent_s",
                                      now - nd->heard));
            if (!r->opt->quiet)
                fprintf(stderr,
                        "nunchi: node %zu (%s) was silent for %.1f s (limits.liveness_s %g): "
                        "its place is free again\n",
                        k, nd->implementation, now - nd->heard, r->liveness_s);
        }
        if (now - last_beat >= r->sc->heartbeat_s) {
            for (size_t k = 0; k < r->n_nodes; k++)
                if (r->nodes[k].joined && !r->nodes[k].dropped)
                    s_send_simple(r, &r->nodes[k].peer, (long)k, NN_WIRE_HEARTBEAT, "");
            last_beat = now;
        }
        if (r->opt->bind && !r->opt->quiet && now - last_note >= 10.0) {
            fprintf(stderr, "nunchi: still waiting for %zu more node(s) at %s\n",
                    r->n_nodes - joined, r->endpoint);
            last_note = now;
        }
        nn_peer_id_t from;
        nn_wire_t in;
        char err[256] = "";
        int rc = nn_link_recv(&r->link, S_POLL_MS, &from, &in, err, sizeof err);
        if (rc == NN_ETIMEOUT)
            continue;
        if (rc == NN_EPROTO || rc == NN_ETOOBIG) {
            long k = s_find_peer(r, &from);
            if (k < 0 && in.version && in.version != NN_PROTOCOL_VERSION) {
                char text[NN_TEXT_MAX];
                snprintf(text, sizeof text, "version: this coordinator speaks protocol %u, not %u",
                         NN_PROTOCOL_VERSION, in.version);
                s_refuse(r, &from, -1, NN_WIRE_REJECT, text);
            } else {
                s_refuse(r, &from, k, NN_WIRE_ERROR, err);
            }
            continue;
        }
        if (rc != NN_OK)
            return s_fail(r, rc, "while nodes join: %s", err);
        long k = s_find_peer(r, &from);
        if (s_heard(r, &from, k, &in, &rc))
            continue;
        if (rc != NN_OK)
            return rc;
        if (k >= 0 || in.kind != NN_WIRE_HELLO || joined == r->n_nodes) {
            rc = s_unexpected(r, &from, k, &in);
            if (rc != NN_OK)
                return rc;
            continue;
        }
        char why[NN_TEXT_MAX];
        long slot = s_pick_slot(r, &in.u.hello, why, sizeof why);
        if (slot < 0) {
            s_refuse(r, &from, -1, NN_WIRE_REJECT, why);
            if (!r->opt->quiet)
                fprintf(stderr, "nunchi: refused a node (%s): %s\n", in.u.hello.implementation,
                        why);
            continue;
        }
        s_node_t *nd = &r->nodes[slot];
        nd->joined = 1;
        nd->heard = nn_now();
        nd->peer = from;
        nd->proc = -1;
        for (size_t i = 0; r->procs && i < r->n_nodes; i++)
            if (in.u.hello.pid && r->procs[i].pid == (pid_t)in.u.hello.pid) {
                r->procs[i].node = slot;
                nd->proc = (long)i;
            }
        snprintf(nd->implementation, sizeof nd->implementation, "%s", in.u.hello.implementation);
        if (s_make_welcome(r, (size_t)slot) != NN_OK)
            return s_fail(r, NN_ENOMEM, "out of memory welcoming node %ld", slot);
        char serr[256] = "";
        rc = nn_link_send(&r->link, &from, &nd->welcome, serr, sizeof serr);
        if (rc != NN_OK)
            return s_fail(r, rc, "cannot send the welcome of node %ld: %s", slot, serr);
        json_t *ev = json_pack("{s:I,s:s,s:I,s:I}", "node", (json_int_t)slot, "implementation",
                               nd->implementation, "first_agent", (json_int_t)nd->lo, "agents",
                               (json_int_t)nd->count);
        if (nd->ext >= 0)
            json_object_set_new(ev, "population", json_string(r->sc->populations[nd->ext].name));
        nn_output_event(r->events, "node_joined", ev);
        joined++;
    }
    return NN_OK;
}

/* ---- across ranks ----------------------------------------------------------------- */

/* Whether every rank got here with NN_OK. When one did not, the lowest failing rank's
 * code and message become every rank's (rank 0's message names that rank), so that all
 * stop at the same point and rank 0 can say why. With one process: rc. */
static int s_agree(s_run_t *r, int rc)
{
    if (!r->w)
        return rc;
    int v = rc != NN_OK ? r->ranks - r->me : 0;
    nn_ranks_max_int(r->w, &v);
    if (v == 0)
        return NN_OK;
    int q = r->ranks - v;
    struct {
        int rc;
        char text[sizeof r->res->error];
    } m;
    memset(&m, 0, sizeof m);
    if (q == r->me) {
        m.rc = rc;
        snprintf(m.text, sizeof m.text, "%s", r->res->error[0] ? r->res->error : nn_strerror(rc));
    }
    nn_ranks_bcast(r->w, &m, sizeof m, q);
    if (q != r->me)
        snprintf(r->res->error, sizeof r->res->error, "rank %d: %.1000s", q, m.text);
    return m.rc;
}

/* A failure that leaves the ranks out of step (one ran out of memory between two
 * collectives): said on stderr by the rank it happened on, and the whole job ends. */
static void s_fatal(s_run_t *r, int rc, const char *what)
{
    fprintf(stderr, "nunchi: rank %d: %s in round %" PRIu64 ": %s\n", r->me, what, r->round,
            nn_strerror(rc));
    nn_ranks_abort(r->w, 1);
}

/* Gathers every rank's `bytes` bytes of mine into gbuf, rank after rank; counts (ranks
 * entries) gets each rank's share. */
static int s_allgather(s_run_t *r, const void *mine, size_t bytes, size_t *counts)
{
    return nn_ranks_allgatherv(r->w, mine, bytes, &r->gbuf, &r->gcap, counts);
}

static int s_reserve_send(s_run_t *r, size_t bytes)
{
    if (bytes <= r->scap && r->sbuf)
        return NN_OK;
    size_t cap = r->scap ? r->scap : 4096;
    while (cap < bytes)
        cap *= 2;
    void *p = realloc(r->sbuf, cap);
    if (!p)
        return NN_ENOMEM;
    r->sbuf = p;
    r->scap = cap;
    return NN_OK;
}

/* Every agent's opinion (and with trends its trends) from the rank that hosts it into
 * every rank's arrays: the cases and the trends read any agent's. */
static int s_share_states(s_run_t *r, int with_trends)
{
    size_t per = sizeof(double) + (with_trends ? sizeof(uint64_t) : 0);
    if (s_reserve_send(r, r->n_mine * per + 1) != NN_OK)
        return NN_ENOMEM;
    double *x = r->sbuf;
    uint64_t *t = (uint64_t *)(x + r->n_mine);
    for (size_t i = 0; i < r->n_mine; i++) {
        x[i] = r->soc.x[r->mine[i]];
        if (with_trends)
            t[i] = r->agent_trends ? r->agent_trends[r->mine[i]] : 0;
    }
    int rc = s_allgather(r, r->sbuf, r->n_mine * per, r->xcounts);
    if (rc != NN_OK)
        return rc;
    if (with_trends && !r->agent_trends &&
        !(r->agent_trends = calloc(r->soc.n ? r->soc.n : 1, sizeof *r->agent_trends)))
        return NN_ENOMEM;
    const char *at = r->gbuf;
    for (int q = 0; q < r->ranks; q++) {
        size_t nq = r->rank_at[q + 1] - r->rank_at[q];
        if (r->xcounts[q] != nq * per)
            return NN_EMPI;
        const uint32_t *ids = r->by_rank + r->rank_at[q];
        const double *qx = (const double *)at;
        const uint64_t *qt = (const uint64_t *)(qx + nq);
        for (size_t i = 0; i < nq; i++) {
            r->soc.x[ids[i]] = qx[i];
            if (with_trends)
                r->agent_trends[ids[i]] = qt[i];
        }
        at += r->xcounts[q];
    }
    return NN_OK;
}

/* Every rank's acts of the round, merged in agent order (each agent's acts come from
 * one rank, in the order made), into every rank's r->acts. */
static int s_share_acts(s_run_t *r)
{
    int rc = s_allgather(r, r->acts.acts, r->acts.len * sizeof *r->acts.acts, r->xcounts);
    if (rc != NN_OK)
        return rc;
    size_t total = 0;
    for (int q = 0; q < r->ranks; q++) {
        if (r->xcounts[q] % sizeof(nn_act_t))
            return NN_EMPI;
        total += r->xcounts[q] / sizeof(nn_act_t);
    }
    r->acts.len = 0;
    if (total && nn_actbox_grow(&r->acts, total) != 0)
        return NN_ENOMEM;
    const nn_act_t *all = r->gbuf;
    size_t at[r->ranks], end[r->ranks], base = 0;
    for (int q = 0; q < r->ranks; q++) {
        at[q] = base;
        base += r->xcounts[q] / sizeof(nn_act_t);
        end[q] = base;
    }
    for (size_t k = 0; k < total; k++) {
        int best = -1;
        for (int q = 0; q < r->ranks; q++)
            if (at[q] < end[q] && (best < 0 || all[at[q]].agent < all[at[best]].agent))
                best = q;
        r->acts.acts[k] = all[at[best]++];
    }
    r->acts.len = total;
    return NN_OK;
}

/* The norms' records of the round from every rank, so that every rank folds the same. */
static int s_share_norms(s_run_t *r)
{
    size_t len = 0;
    if (nn_norms_take_records(r->norms, &r->recs, &r->recs_cap, &len) != NN_OK)
        return NN_ENOMEM;
    int rc = s_allgather(r, r->recs, len * sizeof *r->recs, r->xcounts);
    if (rc != NN_OK)
        return rc;
    size_t total = 0;
    for (int q = 0; q < r->ranks; q++)
        total += r->xcounts[q];
    if (total % sizeof(nn_norm_rec_t))
        return NN_EMPI;
    return nn_norms_put_records(r->norms, r->gbuf, total / sizeof(nn_norm_rec_t));
}

/* The round's exchange: the messages to agents of other ranks go out, those from other
 * ranks come in (one neighbourhood collective over the ranks that share cut edges or
 * superiors, and a world-wide one only in a round where some message goes beyond them). */
static int s_exchange(s_run_t *r)
{
    nn_router_t *rt = &r->router;
    int rc = nn_router_exports(rt);
    if (rc != NN_OK)
        return rc;
    const int deg = nn_ranks_graph_degree(r->graph);
    const int *nb = nn_ranks_graph_ranks(r->graph);
    size_t near = 0, far = 0;
    for (int j = 0; j < deg; j++)
        near += rt->out_count[nb[j]];
    far = rt->exported - near;
    if (s_reserve_send(r, near * sizeof(nn_xrec_t) + 1) != NN_OK)
        return NN_ENOMEM;
    nn_xrec_t *send = r->sbuf;
    size_t w = 0;
    for (int j = 0; j < deg; j++) {
        size_t c = rt->out_count[nb[j]];
        memcpy(send + w, rt->out + rt->out_at[nb[j]], c * sizeof *send);
        r->xcounts[j] = c * sizeof *send;
        w += c;
    }
    if ((rc = nn_ranks_graph_exchange(r->graph, send, r->xcounts, &r->xbuf, &r->xcap,
                                      r->xcounts_in)) != NN_OK)
        return rc;
    size_t n_seg = 0;
    const char *at = r->xbuf;
    for (int j = 0; j < deg; j++) {
        if (r->xcounts_in[j] % sizeof(nn_xrec_t))
            return NN_EMPI;
        r->segs[n_seg++] =
            (nn_router_import_t){(const nn_xrec_t *)at, r->xcounts_in[j] / sizeof(nn_xrec_t)};
        at += r->xcounts_in[j];
    }
    int any = far > 0;
    if ((rc = nn_ranks_max_int(r->w, &any)) != NN_OK)
        return rc;
    if (any) {
        /* the rest, rank by rank (the neighbours' and this rank's shares are empty) */
        for (int q = 0; q < r->ranks; q++)
            r->xcounts[q] = q != r->me && !r->is_nbr[q] ? rt->out_count[q] * sizeof(nn_xrec_t) : 0;
        if (s_reserve_send(r, far * sizeof(nn_xrec_t) + 1) != NN_OK)
            return NN_ENOMEM;
        send = r->sbuf;
        w = 0;
        for (int q = 0; q < r->ranks; q++) {
            size_t c = r->xcounts[q] / sizeof(nn_xrec_t);
            memcpy(send + w, rt->out + rt->out_at[q], c * sizeof *send);
            w += c;
        }
        if ((rc = nn_ranks_alltoallv(r->w, send, r->xcounts, &r->gbuf, &r->gcap, r->xcounts_in)) !=
            NN_OK)
            return rc;
        at = r->gbuf;
        for (int q = 0; q < r->ranks; q++) {
            if (r->xcounts_in[q] % sizeof(nn_xrec_t))
                return NN_EMPI;
            if (r->xcounts_in[q])
                r->segs[n_seg++] = (nn_router_import_t){(const nn_xrec_t *)at,
                                                        r->xcounts_in[q] / sizeof(nn_xrec_t)};
            at += r->xcounts_in[q];
        }
    }
    r->res->exchanged += rt->exported;
    r->res->exchanged_bytes += rt->exported * sizeof(nn_xrec_t);
    return nn_router_imports(rt, r->segs, n_seg);
}

/* The ranks this one exchanges with every round: those that host a network neighbour,
 * a superior or a subordinate of one of its agents (symmetric by construction). */
static int s_make_graph(s_run_t *r)
{
    const uint32_t *part = r->partition.part, me = (uint32_t)r->me;
    r->is_nbr = calloc((size_t)r->ranks, 1);
    if (!r->is_nbr)
        return NN_ENOMEM;
    for (size_t i = 0; i < r->n_mine; i++) {
        uint32_t a = r->mine[i];
        for (uint64_t e = r->net->off[a]; e < r->net->off[a + 1]; e++)
            r->is_nbr[part[r->net->adj[e]]] = 1;
    }
    for (uint32_t i = 0; r->st.superior && i < r->soc.n; i++) {
        uint32_t s = r->st.superior[i];
        if (s == NN_NO_AGENT || s >= r->soc.n)
            continue;
        if (part[i] == me)
            r->is_nbr[part[s]] = 1;
        if (part[s] == me)
            r->is_nbr[part[i]] = 1;
    }
    r->is_nbr[me] = 0;
    /* NUNCHI_MPI_EXCHANGE=world: no neighbourhood, every message crosses in the world-wide
     * exchange (to compare the two, and to test the one external agents' messages take) */
    const char *how = getenv("NUNCHI_MPI_EXCHANGE");
    if (how && !strcmp(how, "world"))
        memset(r->is_nbr, 0, (size_t)r->ranks);
    int nbrs[r->ranks], deg = 0;
    for (int q = 0; q < r->ranks; q++)
        if (r->is_nbr[q])
            nbrs[deg++] = q;
    return nn_ranks_graph_new(r->w, nbrs, deg, &r->graph);
}

/* Rank 0 builds the network and every other rank gets it by broadcast. */
static int s_build_network(s_run_t *r, uint64_t *dropped)
{
    const nn_scenario_t *sc = r->sc;
    char err[1024] = "";
    int rc = NN_OK;
    if (r->me == 0)
        rc =
            nn_network_build(&r->net, &sc->network, sc->agents, sc->seed, dropped, err, sizeof err);
    if (!r->w)
        return rc != NN_OK ? s_fail(r, rc, "%s", err) : NN_OK;
    struct {
        int rc;
        uint32_t n;
        uint64_t n_edges, dropped;
        double clustering;
        char err[1024];
    } h;
    memset(&h, 0, sizeof h);
    if (r->me == 0) {
        h.rc = rc;
        if (rc == NN_OK) {
            h.n = r->net->n;
            h.n_edges = r->net->n_edges;
            h.clustering = r->net->clustering;
            h.dropped = *dropped;
        }
        snprintf(h.err, sizeof h.err, "%s", err);
    }
    nn_ranks_bcast(r->w, &h, sizeof h, 0);
    if (h.rc != NN_OK)
        return s_fail(r, h.rc, "%s", h.err);
    *dropped = h.dropped;
    if (r->me != 0) {
        r->net = calloc(1, sizeof *r->net);
        if (r->net) {
            r->net->n = h.n;
            r->net->n_edges = h.n_edges;
            r->net->clustering = h.clustering;
            r->net->off = malloc(((size_t)h.n + 1) * sizeof *r->net->off);
            r->net->adj = malloc((size_t)(2 * h.n_edges + 1) * sizeof *r->net->adj);
        }
        if (!r->net || !r->net->off || !r->net->adj)
            rc =
                s_fail(r, NN_ENOMEM, "out of memory for the network (%u agents, %" PRIu64 " edges)",
                       h.n, h.n_edges);
    }
    if ((rc = s_agree(r, rc)) != NN_OK)
        return rc;
    nn_ranks_bcast(r->w, r->net->off, ((size_t)h.n + 1) * sizeof *r->net->off, 0);
    nn_ranks_bcast(r->w, r->net->adj, (size_t)(2 * h.n_edges) * sizeof *r->net->adj, 0);
    return NN_OK;
}

/* Rank 0 partitions the network into the ranks (METIS draws from the C library's
 * rand(), so one rank decides) and broadcasts who lives where; every rank then knows
 * its agents, every rank's, and whom it exchanges with. */
static int s_split(s_run_t *r)
{
    const nn_scenario_t *sc = r->sc;
    nn_partition_t *p = &r->partition;
    char err[1024] = "";
    struct {
        int rc;
        int method;
        char note[160];
        char err[1024];
    } h;
    memset(&h, 0, sizeof h);
    if (r->me == 0) {
        h.rc = nn_partition_build(p, r->net, (uint32_t)r->ranks, sc->partition, sc->seed, err,
                                  sizeof err);
        h.method = (int)p->method;
        snprintf(h.note, sizeof h.note, "%s", p->note);
        snprintf(h.err, sizeof h.err, "%s", err);
    }
    nn_ranks_bcast(r->w, &h, sizeof h, 0);
    if (h.rc != NN_OK)
        return s_fail(r, h.rc, "cannot partition the society into %d ranks: %s", r->ranks, h.err);
    int rc = NN_OK;
    uint32_t n = r->net->n;
    if (r->me != 0) {
        p->n = n;
        p->parts = (uint32_t)r->ranks;
        p->method = (nn_partition_method_t)h.method;
        snprintf(p->note, sizeof p->note, "%s", h.note);
        p->part = malloc((n ? n : 1) * sizeof *p->part);
        p->size = calloc((size_t)r->ranks, sizeof *p->size);
        if (!p->part || !p->size)
            rc = s_fail(r, NN_ENOMEM, "out of memory for the partition");
    }
    if ((rc = s_agree(r, rc)) != NN_OK)
        return rc;
    nn_ranks_bcast(r->w, p->part, (size_t)n * sizeof *p->part, 0);
    if (r->me != 0 && nn_partition_measure(p, r->net) != NN_OK)
        rc = s_fail(r, NN_EMPI, "the partition broadcast from rank 0 does not fit this network");
    r->rank_at = calloc((size_t)r->ranks + 1, sizeof *r->rank_at);
    r->by_rank = malloc((n ? n : 1) * sizeof *r->by_rank);
    r->xcounts = calloc((size_t)r->ranks, sizeof *r->xcounts);
    r->xcounts_in = calloc((size_t)r->ranks, sizeof *r->xcounts_in);
    r->segs = calloc(2 * (size_t)r->ranks, sizeof *r->segs);
    if (rc == NN_OK && (!r->rank_at || !r->by_rank || !r->xcounts || !r->xcounts_in || !r->segs))
        rc = s_fail(r, NN_ENOMEM, "out of memory for the partition");
    if (rc == NN_OK) {
        /* a counting sort by rank keeps ids ascending within each rank */
        for (uint32_t i = 0; i < n; i++)
            r->rank_at[p->part[i] + 1]++;
        for (int q = 0; q < r->ranks; q++)
            r->rank_at[q + 1] += r->rank_at[q];
        size_t *fill = r->xcounts;
        for (int q = 0; q < r->ranks; q++)
            fill[q] = r->rank_at[q];
        for (uint32_t i = 0; i < n; i++)
            r->by_rank[fill[p->part[i]]++] = i;
        r->mine = r->by_rank + r->rank_at[r->me];
        r->n_mine = r->rank_at[r->me + 1] - r->rank_at[r->me];
        r->res->cut = p->cut;
        r->res->balance = p->balance;
    }
    return s_agree(r, rc);
}

/* ---- rounds ----------------------------------------------------------------------- */

/* Keeps a node's reported words (trends or memory) for its agents in *arr, made on the
 * first report that is not all 0; a NULL report means all 0. */
static int s_keep_words(uint64_t **arr, uint32_t total, const s_node_t *nd, const uint64_t *words)
{
    size_t n = nd->count;
    if (!words && !*arr)
        return NN_OK;
    if (!*arr && !(*arr = calloc(total ? total : 1, sizeof **arr)))
        return NN_ENOMEM;
    if (nd->ids) {
        for (size_t i = 0; i < n; i++)
            (*arr)[nd->ids[i]] = words ? words[i] : 0;
    } else if (words) {
        memcpy(*arr + nd->lo, words, n * sizeof *words);
    } else {
        memset(*arr + nd->lo, 0, n * sizeof **arr);
    }
    return NN_OK;
}

/* Byzantine faults: what the liars among node nd's agents said this round (its copy of
 * the messages, n of them in order, and its acts) becomes what the fault makes them say.
 * A message's lie is keyed by its sequence number, an act's by its place among the
 * agent's acts, so it does not depend on where the agent is hosted. */
static void s_lies(s_run_t *r, s_node_t *nd, size_t n)
{
    uint32_t seq = 0;
    for (size_t i = 0; i < n; i++) {
        nn_msg_t *m = &nd->copy.msgs[i];
        seq = i && m->from == nd->copy.msgs[i - 1].from ? seq + 1 : 0;
        size_t k = nn_faults_liar(r->faults, m->from);
        if (k) {
            m->value = nn_faults_lie(r->faults, k, m->from, seq, m->value, 0);
            r->res->byzantine_messages++;
        }
    }
    uint32_t slot = 0;
    for (size_t i = 0; i < nd->acts.len; i++) {
        nn_act_t *t = &nd->acts.acts[i];
        slot = i && t->agent == nd->acts.acts[i - 1].agent ? slot + 1 : 0;
        size_t k = nn_faults_liar(r->faults, t->agent);
        if (!k)
            continue;
        int boolean = t->kind == NN_ACT_ACCEPT || t->kind == NN_ACT_COMPLY;
        t->value = nn_faults_lie(r->faults, k, t->agent, (1u << 31) + slot, t->value, boolean);
        r->res->byzantine_acts++;
    }
}

/* Whether node k hosts agent id (this rank's, in its range, and with external populations
 * its own). */
static int s_hosts(const s_run_t *r, size_t k, uint32_t id)
{
    const s_node_t *nd = &r->nodes[k];
    return id >= nd->lo && id < nd->hi && !(r->w && r->partition.part[id] != (uint32_t)r->me) &&
           !(r->host && r->host[id] != (uint32_t)k);
}

/* Node k's texts of the round, each with the receivers that its sender's messages
 * reached (the router's verdicts on msgs are in), into said[round & 1]; a text of an
 * agent the node does not host is refused and counted. */
static int s_take_texts(s_run_t *r, size_t k, const nn_actions_t *a, const nn_msg_t *msgs)
{
    const nn_router_batch_t *b = &r->router.batch[k];
    nn_said_t *said = &r->said[r->round & 1];
    size_t j = 0;
    for (size_t i = 0; i < a->texts.n; i++) {
        uint32_t from = a->texts.from[i];
        if (!s_hosts(r, k, from)) {
            r->res->foreign_texts++;
            continue;
        }
        while (j < a->n_msgs && msgs[j].from < from)
            j++;
        size_t n_to = 0;
        for (; j < a->n_msgs && msgs[j].from == from; j++) {
            if (!b->clean && !b->keep[j])
                continue;
            if (n_to == r->said_to_cap) {
                size_t cap = r->said_to_cap ? 2 * r->said_to_cap : 256;
                uint32_t *v = realloc(r->said_to, cap * sizeof *v);
                if (!v)
                    return s_fail(r, NN_ENOMEM, "out of memory for the texts of node %zu", k);
                r->said_to = v;
                r->said_to_cap = cap;
            }
            r->said_to[n_to++] = msgs[j].to;
        }
        if (nn_said_add(said, from, a->texts.text[i], r->said_to, n_to) != NN_OK)
            return s_fail(r, NN_ENOMEM, "out of memory for the texts of node %zu", k);
    }
    return NN_OK;
}

static int s_take_actions(s_run_t *r, size_t k, const nn_wire_t *in, const nn_peer_id_t *from)
{
    s_node_t *nd = &r->nodes[k];
    int rc;
    const nn_actions_t *a = &in->u.actions;
    size_t hosted = nd->count;
    if (in->round < r->round || (in->round == r->round && nd->answered)) {
        /* the answer to a repeated tick (after a resume), or one more copy of it: taken
         * once, counted, and not held against the node */
        r->res->repeated_actions++;
        return NN_OK;
    }
    if (in->round != r->round) {
        char text[NN_TEXT_MAX];
        snprintf(text, sizeof text, "actions for round %" PRIu64 " refused in round %" PRIu64 "%s",
                 in->round, r->round, " (a round not begun)");
        s_refuse(r, from, (long)k, NN_WIRE_ERROR, text);
        return NN_OK;
    }
    if (a->n_state != hosted)
        return s_fail(r, NN_EPROTO,
                      "node %zu reported %zu states in round %" PRIu64 " but hosts %zu agents", k,
                      a->n_state, r->round, hosted);
    for (size_t i = 0; i < hosted; i++)
        if (!(a->state[i] >= 0.0 && a->state[i] <= 1.0))
            return s_fail(r, NN_EPROTO,
                          "node %zu reported opinion %g for agent %u in round %" PRIu64
                          " (opinions lie in [0, 1])",
                          k, a->state[i], nd->ids ? nd->ids[i] : nd->lo + (uint32_t)i, r->round);
    if (nd->ids) {
        for (size_t i = 0; i < hosted; i++)
            r->soc.x[nd->ids[i]] = a->state[i];
    } else {
        memcpy(r->soc.x + nd->lo, a->state, hosted * sizeof *a->state);
    }
    if (s_keep_words(&r->agent_trends, r->soc.n, nd, a->trends) != NN_OK ||
        s_keep_words(&r->agent_memory, r->soc.n, nd, a->memory) != NN_OK)
        return s_fail(r, NN_ENOMEM, "out of memory for the agents' states");
    nd->acts.len = 0;
    for (size_t i = 0; i < a->n_acts; i++) {
        const nn_act_t *t = &a->acts[i];
        if (!s_hosts(r, k, t->agent) || t->kind == NN_ACT_NONE || t->kind >= NN_ACT_KINDS) {
            r->res->foreign_acts++;
            continue;
        }
        if (nn_actbox_grow(&nd->acts, 1) != 0)
            return s_fail(r, NN_ENOMEM, "out of memory for the acts of node %zu", k);
        nd->acts.acts[nd->acts.len++] = *t;
    }
    const nn_msg_t *msgs = a->msgs;
    const int lying = nn_faults_lying(r->faults);
    if ((!r->local || lying) && a->n_msgs) {
        /* the next decode reuses the codec's arrays, and the router reads these at the
         * end of the round */
        nd->copy.len = 0;
        if (nn_outbox_grow(&nd->copy, a->n_msgs) != 0)
            return s_fail(r, NN_ENOMEM, "out of memory for the messages of node %zu", k);
        memcpy(nd->copy.msgs, a->msgs, a->n_msgs * sizeof *a->msgs);
        msgs = nd->copy.msgs;
    }
    if (lying)
        s_lies(r, nd, a->n_msgs);
    nn_router_add(&r->router, k, nd->lo, nd->hi, msgs, a->n_msgs);
    if (a->texts.n && (rc = s_take_texts(r, k, a, msgs)) != NN_OK)
        return rc;
    if (a->spend && nn_spend_add(&r->spend_round, a->spend) != NN_OK)
        return s_fail(r, NN_ENOMEM, "out of memory for the llm accounts of node %zu", k);
    nd->digest = a->digest;
    nd->answered = 1;
    return NN_OK;
}

/* Encodes node k's Tick with the node's own codec, so that the Ticks of all nodes are
 * encoded on the pool's threads at once. */
static void s_encode_task(void *arg, size_t k)
{
    s_run_t *r = arg;
    s_node_t *nd = &r->nodes[k];
    nd->encode_rc = nn_codec_encode(nd->codec, &nd->tick, &nd->bytes, &nd->n_bytes);
}

/* Where the institutions write their events: events.jsonl, or nowhere with
 * output.events: lean (a large society's sanctions and case steps run to gigabytes). */
static FILE *s_inst_events(const s_run_t *r)
{
    return r->sc->lean_events ? NULL : r->events;
}

/* The notices of the round in progress for agents lo .. hi - 1. */
static void s_notice_slice(const s_run_t *r, uint32_t lo, uint32_t hi, nn_tick_t *t)
{
    const nn_notice_list_t *l = &r->live;
    size_t a = 0, b = l->len;
    while (a < b) { /* the first notice to lo or above */
        size_t m = a + (b - a) / 2;
        if (l->to[m] < lo)
            a = m + 1;
        else
            b = m;
    }
    size_t e = a;
    while (e < l->len && l->to[e] < hi)
        e++;
    t->n_notices = e - a;
    t->notice_to = e > a ? l->to + a : NULL;
    t->notices = e > a ? l->items + a : NULL;
}

/* Makes the notices made at the end of this round the live ones of the next, sorted by
 * receiver with a stable counting sort over the sources in their reading order (norms,
 * cases, trends), so that each agent gets its notices in that order and, within one
 * source, in the order they were made. NN_OK or NN_ENOMEM. */
static int s_publish_notices(s_run_t *r)
{
    nn_notice_list_t *src[3] = {&r->made, &r->made_cases, &r->made_trends};
    nn_notice_list_t *l = &r->live;
    const uint32_t n = r->soc.n;
    size_t total = 0;
    const uint32_t *owner = r->w ? r->partition.part : NULL, me = (uint32_t)r->me;
    if (owner) /* every rank made every agent's notices: this one keeps its agents' */
        for (int k = 0; k < 3; k++) {
            size_t w = 0;
            for (size_t i = 0; i < src[k]->len; i++)
                if (owner[src[k]->to[i]] == me) {
                    src[k]->to[w] = src[k]->to[i];
                    src[k]->items[w++] = src[k]->items[i];
                }
            src[k]->len = w;
        }
    for (int k = 0; k < 3; k++)
        total += src[k]->len;
    l->len = 0;
    if (total == 0)
        return NN_OK;
    if (total > l->cap) {
        uint32_t *t = realloc(l->to, total * sizeof *t);
        if (!t)
            return NN_ENOMEM;
        l->to = t;
        nn_notice_t *it = realloc(l->items, total * sizeof *it);
        if (!it)
            return NN_ENOMEM;
        l->items = it;
        l->cap = total;
    }
    if (!r->notice_at && !(r->notice_at = malloc(((size_t)n + 1) * sizeof *r->notice_at)))
        return NN_ENOMEM;
    size_t *at = r->notice_at;
    memset(at, 0, ((size_t)n + 1) * sizeof *at);
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < src[k]->len; i++)
            at[src[k]->to[i] + 1]++; /* receivers are agents: the institutions made them */
    for (uint32_t a = 0; a < n; a++)
        at[a + 1] += at[a];
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < src[k]->len; i++) {
            size_t j = at[src[k]->to[i]]++;
            l->to[j] = src[k]->to[i];
            l->items[j] = src[k]->items[i];
        }
        src[k]->len = 0;
    }
    l->len = total;
    return NN_OK;
}

/* The end of a round for the institutions: cases read the round's acts, norms fold the
 * round's breaches, trends are observed and seeded, standing follows reputation, and the
 * notices of it all go out with the next Tick. Everything runs in agent order on this
 * thread, so the outcome does not depend on which node answered first. */
static int s_institutions(s_run_t *r)
{
    int rc = NN_OK;
    r->acts.len = 0;
    for (size_t k = 0; k < r->n_nodes; k++) {
        const nn_actbox_t *b = &r->nodes[k].acts;
        if (b->len == 0)
            continue;
        if (nn_actbox_grow(&r->acts, b->len) != 0)
            return NN_ENOMEM;
        memcpy(r->acts.acts + r->acts.len, b->acts, b->len * sizeof *b->acts);
        r->acts.len += b->len;
    }
    if (r->w) {
        /* every rank runs the whole society's institutions on the same inputs: the acts,
         * the norms' records and (where the cases or the trends read them) the states of
         * every agent, gathered from the ranks that host them */
        if ((rc = s_share_acts(r)) != NN_OK || (r->norms && (rc = s_share_norms(r)) != NN_OK) ||
            (r->share_states && (rc = s_share_states(r, r->trends != NULL)) != NN_OK))
            s_fatal(r, rc, "sharing the institutions' inputs failed");
    }
    r->noncompliance.len = 0;
    /* the cases run first (their noncompliances are this round's breaches), but an agent
     * reads the norms' notices first: what it was sanctioned for, then its cases */
    r->made_cases.len = 0;
    if (r->cases &&
        (rc = nn_cases_round(r->cases, r->round, r->acts.acts, r->acts.len, &r->made_cases,
                             &r->noncompliance, s_inst_events(r))) != NN_OK)
        return rc;
    if (r->norms) {
        if (r->noncompliance.len &&
            (rc = nn_norms_add(r->norms, r->noncompliance.items, r->noncompliance.len)) != NN_OK)
            return rc;
        if ((rc = nn_norms_end_round(r->norms, r->round, &r->made, s_inst_events(r))) != NN_OK)
            return rc;
    }
    if (r->trends) {
        nn_trends_observe(r->trends, r->round, r->agent_trends);
        /* no trend is born after the last round */
        if (r->round < r->sc->rounds &&
            (rc = nn_trends_seed(r->trends, r->round + 1, &r->made_trends, r->events)) != NN_OK)
            return rc;
    }
    if (r->standing)
        for (uint32_t i = 0; i < r->st.n; i++)
            r->standing[i] = (float)(r->st.status[i] * r->st.reputation[i]);
    return s_publish_notices(r);
}

/* The nodes' part of a round: the ticks go out and every node answers. */
/* The tick of a node whose agents lie between other nodes' (external populations): its
 * agents' inboxes gathered into one array of its own. NN_OK or NN_ENOMEM. */
static int s_tick_hosted(s_run_t *r, s_node_t *nd)
{
    const uint64_t *off = r->router.off;
    size_t total = 0;
    for (size_t i = 0; i < nd->count; i++)
        total += off[nd->ids[i] + 1] - off[nd->ids[i]];
    if (total > nd->deliv_cap) {
        nn_delivery_t *d = realloc(nd->deliv, total * sizeof *d);
        if (!d)
            return NN_ENOMEM;
        nd->deliv = d;
        nd->deliv_cap = total;
    }
    size_t at = 0;
    for (size_t i = 0; i < nd->count; i++) {
        uint64_t a = off[nd->ids[i]], b = off[nd->ids[i] + 1];
        nd->tick_off[i] = at;
        if (b > a)
            memcpy(nd->deliv + at, r->router.deliv + a, (size_t)(b - a) * sizeof *nd->deliv);
        at += b - a;
    }
    nd->tick_off[nd->count] = at;
    nn_tick_t *t = &nd->tick.u.tick;
    t->n_runs = nd->count;
    t->first_agent = nd->ids[0];
    t->receiver = nd->ids;
    t->inbox_off = nd->tick_off;
    t->deliveries = nd->deliv;
    return NN_OK;
}

/* A node that hosts agents of several ranges (external populations): of the notices in
 * its id range, the ones for its own agents. NN_OK or NN_ENOMEM. */
static int s_notices_hosted(s_run_t *r, size_t k)
{
    s_node_t *nd = &r->nodes[k];
    nn_tick_t *t = &nd->tick.u.tick;
    nd->notices.len = 0;
    for (size_t i = 0; i < t->n_notices; i++)
        if (r->host[t->notice_to[i]] == (uint32_t)k &&
            nn_notice_push(&nd->notices, t->notice_to[i], &t->notices[i]) != 0)
            return NN_ENOMEM;
    t->n_notices = nd->notices.len;
    t->notice_to = nd->notices.len ? nd->notices.to : NULL;
    t->notices = nd->notices.len ? nd->notices.items : NULL;
    return NN_OK;
}

/* The router's check with planned faults: the faults first (a message the network loses
 * never reaches the norms), then the norms. */
static nn_drop_rule_t s_check(void *ctx, const nn_msg_t *m, uint32_t seq)
{
    const s_run_t *r = ctx;
    nn_drop_rule_t d = nn_faults_check(r->faults, m, seq);
    return d != NN_DROP_PASS || !r->norms ? d : nn_norms_check(r->norms, m, seq);
}

/* The router's check for this round: with a fault that drops messages acting (or an
 * absent agent), the faults then the norms; else the norms alone, or none, so that a
 * round without such a fault keeps the router's fast path. */
static void s_set_check(s_run_t *r)
{
    if (nn_faults_checking(r->faults))
        nn_router_set_check(&r->router, s_check, r);
    else if (r->norms)
        nn_router_set_check(&r->router, nn_norms_check, r->norms);
    else
        nn_router_set_check(&r->router, NULL, NULL);
}

typedef struct s_held {
    uint64_t release;
    nn_router_late_t l;
} s_held_t;

/* The router's fate function under delay and duplicate faults (receiver's rank). */
static nn_router_fate_t s_fate(void *ctx, uint32_t to, const nn_delivery_t *d)
{
    s_run_t *r = ctx;
    uint32_t late = 0;
    nn_router_fate_t f = nn_faults_fate(r->faults, to, d, &late);
    if (f == NN_FATE_TWICE)
        r->res->duplicated++;
    if (f != NN_FATE_HOLD)
        return f;
    if (r->n_held == r->held_cap) {
        size_t cap = r->held_cap ? 2 * r->held_cap : 1024;
        s_held_t *h = realloc(r->held, cap * sizeof *h);
        if (!h) {
            r->held_failed = 1;
            return NN_FATE_DELIVER; /* the round fails below: nothing is lost unseen */
        }
        r->held = h;
        r->held_cap = cap;
    }
    s_held_t *h = &r->held[r->n_held++];
    h->release = r->round + late;
    h->l.to = to;
    h->l.d = *d;
    r->res->delayed++;
    return NN_FATE_HOLD;
}

static int s_late_cmp(const void *a, const void *b)
{
    const nn_router_late_t *x = a, *y = b;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    if (x->d.from != y->d.from)
        return x->d.from < y->d.from ? -1 : 1;
    return (x->d.seq > y->d.seq) - (x->d.seq < y->d.seq);
}

/* Delay and duplicate faults on this round's routed deliveries (this rank's receivers),
 * and the held ones due now given back. NN_OK or NN_ENOMEM. */
static int s_reshape(s_run_t *r)
{
    size_t n_due = 0, keep = 0;
    for (size_t i = 0; i < r->n_held; i++)
        n_due += r->held[i].release == r->round;
    if (!n_due && !nn_faults_reshaping(r->faults))
        return NN_OK;
    if (n_due > r->due_cap) {
        nn_router_late_t *d = realloc(r->due, n_due * sizeof *d);
        if (!d)
            return NN_ENOMEM;
        r->due = d;
        r->due_cap = n_due;
    }
    n_due = 0;
    for (size_t i = 0; i < r->n_held; i++) {
        if (r->held[i].release == r->round)
            r->due[n_due++] = r->held[i].l;
        else
            r->held[keep++] = r->held[i];
    }
    r->n_held = keep;
    if (n_due)
        qsort(r->due, n_due, sizeof *r->due, s_late_cmp);
    r->held_failed = 0;
    int rc = nn_router_reshape(&r->router, nn_faults_reshaping(r->faults) ? s_fate : NULL, r,
                               r->due, n_due);
    return rc != NN_OK ? rc : r->held_failed ? NN_ENOMEM : NN_OK;
}

/* The faults of this round; a fault that starts or has ended is an event. */
static void s_faults_begin(s_run_t *r)
{
    nn_faults_begin(r->faults, r->round);
    s_set_check(r);
    for (size_t k = 0; r->me == 0 && k < r->sc->faults.n; k++) {
        const nn_fault_config_t *c = &r->sc->faults.f[k];
        int now = nn_faults_active(r->faults, k, r->round);
        int before = r->round > 1 && nn_faults_active(r->faults, k, r->round - 1);
        if (now != before)
            nn_output_event(r->events, now ? "fault_start" : "fault_end",
                            json_pack("{s:I,s:I,s:s}", "round", (json_int_t)r->round, "fault",
                                      (json_int_t)k, "kind", nn_fault_kind_name(c->kind)));
    }
}

/* recovery.policy restart: node process i died during the run. A new process is started
 * for its node; once it says Hello it gets the node's agents as they are now and the
 * round's tick again (s_rejoin). NN_OK, or the run fails (no policy, no node yet, or the
 * restarts spent). */
static int s_restart(s_run_t *r, long i)
{
    s_proc_t *pr = &r->procs[i];
    long k = pr->node;
    s_node_t *nd = &r->nodes[k];
    double now = nn_now();
    if (r->restarts >= r->sc->faults.restarts)
        return s_fail(r, NN_EPEER,
                      "node %ld (pid %d) died in round %" PRIu64
                      " and recovery.restarts (%u) are spent",
                      k, (int)pr->pid, r->round, r->sc->faults.restarts);
    r->restarts++;
    r->res->restarts++;
    if (nd->killed_at > 0) {
        double det = now - nd->killed_at;
        if (det > r->res->detection_s_max)
            r->res->detection_s_max = det;
        nd->killed_at = 0;
    }
    nd->restarting = 1;
    nd->lost_at = now;
    nd->unsent = 0;
    int rc = s_spawn(r, (size_t)i);
    if (rc != NN_OK)
        return rc;
    r->procs[i].node = k; /* the new process is this node's, whatever its Hello says */
    nn_output_event(r->events, "node_restarting",
                    json_pack("{s:I,s:I,s:I}", "round", (json_int_t)r->round, "node", (json_int_t)k,
                              "pid", (json_int_t)r->procs[i].pid));
    return NN_OK;
}

/* recovery.policy drop: node process i died; its agents are absent from now on (they
 * step no more and keep their states; messages to them are dropped as fault_absent). */
static int s_drop_node(s_run_t *r, long i)
{
    long k = r->procs[i].node;
    s_node_t *nd = &r->nodes[k];
    for (size_t j = 0; j < nd->count; j++) {
        uint32_t id = nd->ids ? nd->ids[j] : nd->lo + (uint32_t)j;
        nn_faults_absent(r->faults, id);
        if (!nn_faults_is_absent(r->faults, id))
            return s_fail(r, NN_ENOMEM, "out of memory dropping node %ld", k);
    }
    nd->dropped = 1;
    s_set_check(r); /* messages to its agents are dropped from now on */
    nd->restarting = 0;
    r->res->dropped_nodes++;
    r->res->absent_agents += nd->count;
    nn_output_event(r->events, "node_dropped",
                    json_pack("{s:I,s:I,s:I}", "round", (json_int_t)r->round, "node", (json_int_t)k,
                              "agents", (json_int_t)nd->count));
    return NN_OK;
}

/* A restarted node's new process says Hello: the node's slot, if hello comes from it. */
static long s_restarted_slot(const s_run_t *r, const nn_hello_t *h)
{
    for (size_t k = 0; r->procs && k < r->n_nodes; k++) {
        const s_node_t *nd = &r->nodes[k];
        if (nd->restarting && nd->proc >= 0 && h->pid && r->procs[nd->proc].pid == (pid_t)h->pid)
            return (long)k;
    }
    return -1;
}

/* Welcomes restarted node k on its new connection with its agents' states and words as
 * they are now, and sends it this round's tick again unless it answered before it died. */
static int s_rejoin(s_run_t *r, size_t k, const nn_peer_id_t *from)
{
    s_node_t *nd = &r->nodes[k];
    nd->peer = *from;
    nd->restarting = 0;
    nd->heard = nn_now();
    size_t n = nd->count;
    if (nd->ids) { /* the listed states were taken at the first join: now's */
        double *state = (double *)((uint64_t *)nd->assigned + n + 1);
        for (size_t i = 0; i < n; i++)
            state[i] = r->soc.x[nd->ids[i]];
    }
    nd->restarting_answered = nd->answered;
    int mrc = s_make_welcome(r, k);
    nd->restarting_answered = 0;
    if (mrc != NN_OK)
        return s_fail(r, NN_ENOMEM, "out of memory restarting node %zu", k);
    char err[256] = "";
    int rc = nn_link_send(&r->link, &nd->peer, &nd->welcome, err, sizeof err);
    if (rc == NN_OK && !nd->answered)
        rc = nn_link_send_bytes(&r->link, &nd->peer, nd->bytes, nd->n_bytes, err, sizeof err);
    if (rc != NN_OK)
        return s_fail(r, rc, "cannot send restarted node %zu its welcome and tick: %s", k, err);
    double rec = nn_now() - nd->lost_at;
    if (rec > r->res->recovery_s_max)
        r->res->recovery_s_max = rec;
    nn_output_event(r->events, "node_restarted",
                    json_pack("{s:I,s:I,s:I,s:f}", "round", (json_int_t)r->round, "node",
                              (json_int_t)k, "pid", (json_int_t)r->procs[nd->proc].pid,
                              "recovery_s", rec));
    return NN_OK;
}

/* The kills planned for this round, before its ticks go out, so that a killed node never
 * answers the round it dies in (the same run whatever the timing): SIGKILL, the process
 * reaped, and the recovery policy applied at once. NN_OK, or the run fails (policy fail). */
static int s_kills(s_run_t *r)
{
    const nn_faults_config_t *fc = &r->sc->faults;
    for (size_t j = 0; j < fc->n_kills; j++) {
        const nn_fault_kill_t *kl = &fc->kill[j];
        if (kl->coordinator || kl->round != r->round || kl->rank != (uint32_t)r->me ||
            kl->node >= r->n_nodes)
            continue; /* the coordinator's (s_kill_coordinator), or another rank's */
        s_node_t *nd = &r->nodes[kl->node];
        if (nd->proc < 0 || nd->dropped || r->procs[nd->proc].exited)
            continue;
        s_proc_t *pr = &r->procs[nd->proc];
        pid_t pid = pr->pid;
        nd->killed_at = nn_now();
        kill(pid, SIGKILL);
        nn_output_event(r->events, "fault_kill",
                        json_pack("{s:I,s:I,s:I}", "round", (json_int_t)r->round, "node",
                                  (json_int_t)kl->node, "pid", (json_int_t)pid));
        if (waitpid(pid, &pr->status, 0) == pid)
            pr->exited = 1;
        char when[64];
        snprintf(when, sizeof when, "in round %" PRIu64, r->round);
        int rc = s_process_died(r, nd->proc, when);
        if (rc != NN_OK)
            return rc;
    }
    return NN_OK;
}

static int s_round_nodes(s_run_t *r)
{
    const double deadline = nn_now() + r->sc->deadline_s;
    for (size_t k = 0; k < r->n_nodes; k++) {
        s_node_t *nd = &r->nodes[k];
        memset(&nd->tick, 0, sizeof nd->tick);
        nd->tick.kind = NN_WIRE_TICK;
        nd->tick.round = r->round;
        nd->tick.node = (uint32_t)k;
        if (r->host) {
            if (s_tick_hosted(r, nd) != NN_OK)
                return s_fail(r, NN_ENOMEM, "out of memory for the tick of node %zu", k);
        } else if (nd->ids)
            nn_router_tick_ids(&r->router, nd->ids, nd->count, nd->tick_off, &nd->tick.u.tick);
        else
            nn_router_tick(&r->router, nd->lo, nd->hi, &nd->tick.u.tick);
        s_notice_slice(r, nd->lo, nd->hi, &nd->tick.u.tick);
        if (r->host && s_notices_hosted(r, k) != NN_OK)
            return s_fail(r, NN_ENOMEM, "out of memory for the notices of node %zu", k);
        nn_tick_t *t = &nd->tick.u.tick;
        if (t->n_runs && nn_said_tick(&r->said[(r->round - 1) & 1], t->deliveries + t->inbox_off[0],
                                      (size_t)(t->inbox_off[t->n_runs] - t->inbox_off[0]),
                                      &nd->tview, &t->texts) != NN_OK)
            return s_fail(r, NN_ENOMEM, "out of memory for the texts of node %zu", k);
        t->budget_spent = r->budget_round != 0;
        nd->answered = 0;
        nd->acts.len = 0; /* a dropped node's last acts must not be filed again */
    }
    nn_said_begin(&r->said[r->round & 1]);
    nn_spend_clear(&r->spend_round);
    if (r->norms)
        nn_norms_begin(r->norms, r->round);
    if (r->faults)
        s_faults_begin(r);
    if (!r->local)
        nn_pool_run(r->pool, r->n_nodes, s_encode_task, r);
    if (r->sc->faults.n_kills) {
        int krc = s_kills(r);
        if (krc != NN_OK)
            return krc;
    }
    for (size_t k = 0; k < r->n_nodes; k++) {
        s_node_t *nd = &r->nodes[k];
        char err[256] = "";
        int rc;
        if (nd->dropped || nd->restarting)
            continue; /* a restarting node gets its tick when it is back */
        if (r->local) {
            rc = nn_link_send(&r->link, &nd->peer, &nd->tick, err, sizeof err);
        } else if (nd->encode_rc != NN_OK) {
            rc = nd->encode_rc;
            snprintf(err, sizeof err, "%s", nn_codec_error(nd->codec));
        } else {
            rc = nn_link_send_bytes(&r->link, &nd->peer, nd->bytes, nd->n_bytes, err, sizeof err);
        }
        nd->unsent = 0;
        if (rc == NN_EPEER && (nd->proc >= 0 || !r->sc->heartbeat_s)) {
            if ((rc = s_node_gone(r, k)) != NN_OK)
                return rc;
            continue; /* restarting: its tick goes out when it is back */
        }
        if (rc == NN_EPEER) {
            /* a node started by hand may come back and resume within the deadline */
            nd->unsent = 1;
            rc = NN_OK;
        }
        if (rc != NN_OK)
            return s_fail(r, rc, "cannot send the tick of round %" PRIu64 " to node %zu: %s",
                          r->round, k, err);
    }
    nn_router_begin(&r->router);
    size_t pending = 0;
    for (size_t k = 0; k < r->n_nodes; k++)
        pending += !r->nodes[k].dropped;
    double last_beat = nn_now();
    while (pending) {
        double now = nn_now();
        if (!r->local && now - last_beat >= r->sc->heartbeat_s) {
            /* nodes that answered wait for the next tick; tell them the coordinator lives,
             * and lose the ones that have fallen silent while idle, or whose connection
             * closed and who have not resumed within limits.liveness_s */
            for (size_t k = 0; k < r->n_nodes; k++) {
                s_node_t *nd = &r->nodes[k];
                if (!nd->answered && !nd->unsent)
                    continue;
                if (nd->proc < 0 && !nd->has_thread && now - nd->heard > r->liveness_s) {
                    const char *what = nd->unsent ? "connection closed" : "no heartbeat";
                    nn_output_event(r->events, "node_lost",
                                    json_pack("{s:I,s:I,s:s,s:f}", "round", (json_int_t)r->round,
                                              "node", (json_int_t)k, "what", what, "silent_s",
                                              now - nd->heard));
                    return s_fail(r, NN_EPEER,
                                  "node %zu was lost in round %" PRIu64
                                  ": nothing heard from it for %.1f s%s (limits.liveness_s %g)",
                                  k, r->round, now - nd->heard,
                                  nd->unsent ? ", its connection closed and it did not resume" : "",
                                  r->liveness_s);
                }
                if (nd->answered && !nd->dropped)
                    s_send_simple(r, &nd->peer, (long)k, NN_WIRE_HEARTBEAT, "");
            }
            last_beat = now;
        }
        if (s_stopped(r))
            return s_fail(r, NN_EINTR, "stopped in round %" PRIu64, r->round);
        double left = deadline - nn_now();
        if (left <= 0) {
            for (size_t k = 0; k < r->n_nodes; k++)
                if (!r->nodes[k].answered && !r->nodes[k].dropped)
                    return s_fail(
                        r, NN_ETIMEOUT,
                        "node %zu missed the deadline of round %" PRIu64
                        " (limits.deadline_s: %g s)%s",
                        k, r->round, r->sc->deadline_s,
                        r->nodes[k].unsent ? ": its connection closed and it did not resume" : "");
        }
        long dead = s_reap(r);
        if (dead >= 0) {
            char when[64];
            snprintf(when, sizeof when, "in round %" PRIu64, r->round);
            int drc = s_process_died(r, dead, when);
            if (drc != NN_OK)
                return drc;
            long dk = r->procs[dead].node;
            if (dk >= 0 && r->nodes[dk].dropped && !r->nodes[dk].answered) {
                r->nodes[dk].answered = 1; /* nothing more to wait for from it */
                pending--;
            }
        }
        int wait = left > S_POLL_MS / 1000.0 ? S_POLL_MS : (int)(left * 1000.0) + 1;
        nn_peer_id_t from;
        nn_wire_t in;
        char err[256] = "";
        int rc = nn_link_recv(&r->link, wait, &from, &in, err, sizeof err);
        if (rc == NN_ETIMEOUT)
            continue;
        long k = rc == NN_EZMQ ? -1 : s_find_peer(r, &from);
        if (rc == NN_EPROTO || rc == NN_ETOOBIG) {
            s_refuse(r, &from, k, NN_WIRE_ERROR, err);
            continue;
        }
        if (rc != NN_OK)
            return s_fail(r, rc, "in round %" PRIu64 ": %s", r->round, err);
        if (s_heard(r, &from, k, &in, &rc))
            continue;
        if (rc != NN_OK)
            return rc;
        long back = k < 0 && in.kind == NN_WIRE_HELLO ? s_restarted_slot(r, &in.u.hello) : -1;
        if (back >= 0) {
            if ((rc = s_rejoin(r, (size_t)back, &from)) != NN_OK)
                return rc;
            continue;
        }
        if (k < 0 || in.kind != NN_WIRE_ACTIONS) {
            rc = s_unexpected(r, &from, k, &in);
            if (rc != NN_OK)
                return rc;
            continue;
        }
        int was = r->nodes[k].answered;
        rc = s_take_actions(r, (size_t)k, &in, &from);
        if (rc != NN_OK)
            return rc;
        if (!was && r->nodes[k].answered)
            pending--;
    }
    if (s_recall_round(r) != NN_OK)
        return s_fail(r, NN_ENOMEM, "out of memory for the llm agents' memories");
    return NN_OK;
}

/* The round's counts for metrics.csv and the summary, the whole society's: with ranks,
 * one exact sum over them (the game's moves with them, which the norms need next). */
/* With ranks, the same sum carries the llm agents' counters, and how many texts and
 * latencies each rank holds, so that the texts and latencies are gathered only in a round
 * that has some. */
static void s_round_counts(s_run_t *r, uint64_t delivered)
{
    enum { M = 2 + NN_DROP_RULES, X = M + 2, N = X + 2 + NN_SPEND_COUNTERS };
    uint64_t v[N] = {r->router.sent, delivered};
    memcpy(v + 2, r->router.dropped, sizeof r->router.dropped);
    if (r->norms)
        nn_norms_round_moves(r->norms, &v[M], &v[M + 1]);
    v[X] = r->said[r->round & 1].n;
    v[X + 1] = r->spend_round.n_latency;
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        v[X + 2 + k] = *nn_spend_counter(&r->spend_round, k);
    if (r->w && nn_ranks_sum_u64(r->w, v, N) != NN_OK)
        s_fatal(r, NN_EMPI, "summing the round's counts failed");
    r->round_sent = v[0];
    r->round_delivered = v[1];
    memcpy(r->round_dropped, v + 2, sizeof r->round_dropped);
    if (r->w && r->norms)
        nn_norms_set_round_moves(r->norms, v[M], v[M + 1]);
    r->round_texts = v[X];
    r->round_latencies = v[X + 1];
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        *nn_spend_counter(&r->spend_round, k) = v[X + 2 + k];
}

/* The round's texts, society-wide (with ranks, every rank's), indexed for the next
 * round's ticks and written to transcript.jsonl. NN_OK, NN_ENOMEM, NN_EMPI or NN_EIO. */
static int s_round_texts(s_run_t *r)
{
    nn_said_t *said = &r->said[r->round & 1];
    int rc;
    if (r->w && r->round_texts) {
        size_t len = 0;
        if ((rc = nn_said_pack(said, &r->sbuf, &r->scap, &len)) != NN_OK ||
            (rc = s_allgather(r, r->sbuf, len, r->xcounts)) != NN_OK)
            return rc;
        nn_said_begin(said);
        const char *at = r->gbuf;
        for (int q = 0; q < r->ranks; q++) {
            if ((rc = nn_said_unpack(said, at, r->xcounts[q])) != NN_OK)
                return rc == NN_EPROTO ? NN_EMPI : rc;
            at += r->xcounts[q];
        }
    }
    if (nn_said_finish(said) != NN_OK)
        return NN_EPROTO;
    r->res->texts += said->n;
    if (r->transcript && said->n && nn_said_write(said, r->transcript, r->round) != NN_OK)
        return NN_EIO;
    return NN_OK;
}

/* The round's llm spending, summed over ranks, into the run's; the budget is checked
 * here, between rounds, so that every node learns of it in the same round. */
static int s_round_spend(s_run_t *r)
{
    nn_spend_t *sp = &r->spend_round; /* its counters are the society's already */
    int rc;
    if (r->w && r->round_latencies) {
        if ((rc = s_allgather(r, sp->latency_s, sp->n_latency * sizeof(float), r->xcounts)) !=
            NN_OK)
            return rc;
        size_t bytes = 0;
        for (int q = 0; q < r->ranks; q++)
            bytes += r->xcounts[q];
        if (bytes != r->round_latencies * sizeof(float))
            return NN_EMPI;
        nn_spend_t all = {0}; /* every rank's latencies, no counter */
        all.n_latency = (size_t)r->round_latencies;
        all.latency_s = r->gbuf;
        sp->n_latency = 0;
        if ((rc = nn_spend_add(sp, &all)) != NN_OK)
            return rc;
    }
    if ((rc = nn_spend_add(&r->spend_total, sp)) != NN_OK)
        return rc;
    uint64_t budget = r->sc->llm_budget_tokens;
    uint64_t spent = r->spend_total.prompt_tokens + r->spend_total.completion_tokens;
    if (budget && !r->budget_round && spent >= budget) {
        r->budget_round = r->round;
        if (r->me == 0) {
            nn_output_event(r->events, "llm_budget_spent",
                            json_pack("{s:I,s:I,s:I}", "round", (json_int_t)r->round, "tokens",
                                      (json_int_t)spent, "budget_tokens", (json_int_t)budget));
            fprintf(stderr,
                    "nunchi: llm.budget_tokens (%" PRIu64 ") is spent after round %" PRIu64
                    " (%" PRIu64 " tokens): from round %" PRIu64
                    " no model is asked and the fallback behaviour acts for every llm agent\n",
                    budget, r->round, spent, r->round + 1);
        }
    }
    return NN_OK;
}

static int s_round(s_run_t *r)
{
    /* what this round's ticks deliver was routed at the end of the previous one */
    uint64_t delivered = r->router.routed;
    int rc = s_agree(r, s_round_nodes(r));
    if (rc != NN_OK)
        return rc;
    nn_router_set_stamps(&r->router, r->standing, r->agent_trends);
    if (r->w && (rc = s_exchange(r)) != NN_OK)
        s_fatal(r, rc, "the exchange between ranks failed");
    if (nn_router_finish(&r->router) != NN_OK || (r->faults && s_reshape(r) != NN_OK)) {
        if (r->w)
            s_fatal(r, NN_ENOMEM, "routing failed");
        return s_fail(r, NN_ENOMEM, "out of memory routing round %" PRIu64, r->round);
    }
    s_round_counts(r, delivered);
    if ((rc = s_round_texts(r)) != NN_OK || (rc = s_round_spend(r)) != NN_OK) {
        if (r->w)
            s_fatal(r, rc, "sharing the round's texts and llm accounts failed");
        return s_fail(r, rc, "the texts and llm accounts of round %" PRIu64 " failed: %s", r->round,
                      rc == NN_EIO ? "cannot write transcript.jsonl" : nn_strerror(rc));
    }
    rc = s_institutions(r);
    if (rc != NN_OK)
        s_fail(r, rc, "the institutions of round %" PRIu64 " failed: %s", r->round,
               rc == NN_EIO ? "cannot write events.jsonl" : nn_strerror(rc));
    return s_agree(r, rc);
}

static void s_progress(const s_run_t *r, double t0, uint64_t delivered_total, int final)
{
    double el = nn_now() - t0;
    double rate = el > 0 ? (double)delivered_total / el : 0.0;
    double eta = r->round ? el / (double)r->round * (double)(r->sc->rounds - r->round) : 0.0;
    int width = 30, fill = r->sc->rounds ? (int)(width * r->round / r->sc->rounds) : width;
    fprintf(stderr, "\r  round %" PRIu64 "/%" PRIu64 " [%.*s%*s] %.3gM deliveries/s  ETA %.0fs ",
            r->round, r->sc->rounds, fill, "##############################", width - fill, "",
            rate / 1e6, eta);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* The opinions whose moments this rank adds: every agent's, or with ranks its own
 * (copied into the send buffer in s_metrics_row). */
static const double *s_moment_values(const s_run_t *r, size_t *n)
{
    *n = r->w ? r->n_mine : r->soc.n;
    return r->w ? r->sbuf : r->soc.x;
}

static void s_moments_task(void *arg, size_t t)
{
    s_run_t *r = arg;
    size_t parts = nn_pool_threads(r->pool), n;
    const double *x = s_moment_values(r, &n);
    size_t lo = (size_t)((uint64_t)n * t / parts);
    size_t hi = (size_t)((uint64_t)n * (t + 1) / parts);
    nn_moments_clear(&r->part[t]);
    nn_moments_add(&r->part[t], x + lo, hi - lo);
}

static void s_metrics_row(s_run_t *r, uint64_t sent, uint64_t delivered)
{
    if (r->w) {
        if (s_reserve_send(r, r->n_mine * sizeof(double) + 1) != NN_OK)
            s_fatal(r, NN_ENOMEM, "the opinions' moments failed");
        double *x = r->sbuf;
        for (size_t i = 0; i < r->n_mine; i++)
            x[i] = r->soc.x[r->mine[i]];
    }
    /* the parts merge exactly, so the figures do not depend on the number of threads,
     * nor on the number of ranks */
    size_t parts = nn_pool_threads(r->pool);
    nn_pool_run(r->pool, parts, s_moments_task, r);
    nn_moments_t m;
    nn_moments_clear(&m);
    for (size_t t = 0; t < parts; t++)
        nn_moments_merge(&m, &r->part[t]);
    if (r->w) {
        nn_moments_t *all = r->me == 0 ? malloc((size_t)r->ranks * sizeof *all) : NULL;
        if ((r->me == 0 && !all) || nn_ranks_gather(r->w, &m, sizeof m, all, 0) != NN_OK)
            s_fatal(r, NN_ENOMEM, "gathering the opinions' moments failed");
        if (r->me != 0)
            return; /* rank 0 writes metrics.csv */
        nn_moments_clear(&m);
        for (int q = 0; q < r->ranks; q++)
            nn_moments_merge(&m, &all[q]);
        free(all);
    }
    nn_round_metrics_t mt;
    nn_moments_finish(&m, &mt);
    r->res->final = mt;
    uint64_t dropped = 0, blocked = 0;
    for (int d = 0; d < NN_DROP_RULES; d++) {
        dropped += r->round_dropped[d];
        if (NN_DROP_IS_NORM(d))
            blocked += r->round_dropped[d];
    }
    nn_report_row_t row;
    memset(&row, 0, sizeof row);
    row.m = mt;
    row.sent = sent;
    row.delivered = delivered;
    row.dropped = dropped;
    row.blocked = blocked;
    row.cooperation = NAN;
    row.trend_share = NAN;
    fprintf(r->metrics,
            "%" PRIu64 ",%.17g,%.17g,%.17g,%.17g,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%.17g,%.17g,%" PRIu64 ",",
            r->round, mt.mean, mt.sd, mt.min, mt.max, mt.clusters, sent, delivered, dropped,
            mt.polarization, mt.bimodality, blocked);
    /* institution columns stay empty where the scenario has no such institution */
    const nn_norms_stats_t *ns = r->norms ? nn_norms_stats(r->norms) : NULL;
    if (ns && r->sc->game.on) {
        row.institutions |= NN_REPORT_GAME;
        uint64_t moves = ns->round_cooperate + ns->round_defect;
        if (moves) {
            row.cooperation = (double)ns->round_cooperate / (double)moves;
            fprintf(r->metrics, "%.17g", row.cooperation);
        }
    }
    fputc(',', r->metrics);
    if (ns) {
        row.institutions |= NN_REPORT_NORMS;
        for (int i = 0; i < NN_NORM_KINDS; i++)
            row.violations += ns->round_violations[i];
        for (int i = 0; i < NN_SANCTION_KINDS; i++)
            row.sanctions += ns->round_sanctions[i];
        row.muted = ns->muted;
        row.excluded = ns->excluded;
        fprintf(r->metrics, "%" PRIu64 ",%" PRIu64 ",%u,%u,", row.violations, row.sanctions,
                ns->muted, ns->excluded);
    } else {
        fputs(",,,,", r->metrics);
    }
    const nn_cases_stats_t *cs = r->cases ? nn_cases_stats(r->cases) : NULL;
    if (cs) {
        row.institutions |= NN_REPORT_CASES;
        row.cases_opened = cs->round_opened;
        row.cases_closed = cs->round_closed;
        row.cases_open = cs->open;
        fprintf(r->metrics, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", cs->round_opened,
                cs->round_closed, cs->open);
    } else {
        fputs(",,,", r->metrics);
    }
    size_t nt = nn_trends_born_by(r->trends, r->round);
    if (r->trends)
        row.institutions |= NN_REPORT_TRENDS;
    if (nt) {
        const nn_trend_stats_t *ts = nn_trends_at(r->trends, nt - 1);
        row.trend_share = (double)ts->adopters / (double)r->soc.n;
        fprintf(r->metrics, "%.17g", row.trend_share);
        for (size_t i = 0; i < nt; i++) {
            const nn_trend_stats_t *t = nn_trends_at(r->trends, i);
            fprintf(r->trends_csv, "%" PRIu64 ",%zu,%" PRIu64 ",%.17g\n", r->round, i, t->adopters,
                    (double)t->adopters / (double)r->soc.n);
        }
    }
    /* the same, norm by norm, kind by kind and outcome by outcome */
    for (int i = 0; i < NN_NORM_KINDS; i++)
        if (ns)
            fprintf(r->metrics, ",%" PRIu64, ns->round_violations[i]);
        else
            fputc(',', r->metrics);
    for (int i = 0; i < NN_SANCTION_KINDS; i++)
        if (ns)
            fprintf(r->metrics, ",%" PRIu64, ns->round_sanctions[i]);
        else
            fputc(',', r->metrics);
    for (int i = 0; i < NN_OUTCOMES; i++) {
        if (cs)
            fprintf(r->metrics, ",%" PRIu64, cs->closed[i] - r->prev_closed[i]);
        else
            fputc(',', r->metrics);
    }
    if (cs) {
        fprintf(r->metrics, ",%" PRIu64 ",%" PRIu64, cs->complied - r->prev_complied,
                cs->defied - r->prev_defied);
        memcpy(r->prev_closed, cs->closed, sizeof r->prev_closed);
        r->prev_complied = cs->complied;
        r->prev_defied = cs->defied;
    } else {
        fputs(",,", r->metrics);
    }
    for (size_t k = 0; r->llm && k < NN_SPEND_COUNTERS; k++)
        fprintf(r->metrics, ",%" PRIu64, *nn_spend_counter(&r->spend_round, k));
    if (r->llm)
        fprintf(r->metrics, ",%.6g,%.6g,%.6g", nn_spend_quantile(&r->spend_round, 0.50),
                nn_spend_quantile(&r->spend_round, 0.95), nn_spend_quantile(&r->spend_round, 0.99));
    fputc('\n', r->metrics);
    fflush(r->metrics); /* one write a round, so that a run can be watched as it goes */
    if (nn_report_rows_add(&r->rows, &row) != NN_OK)
        r->rows.n = 0; /* the report goes without its charts rather than the run failing */
}

/* ---- set-up and tear-down --------------------------------------------------------- */

/* security.curve: the socket becomes a CURVE server whose ZAP handler lets in the
 * authorized keys, and the node processes this coordinator starts get a pair of their
 * own. Only over tcp. */
static int s_curve_server(s_run_t *r)
{
    const nn_curve_config_t *cv = &r->sc->security.curve;
    if (!cv->on)
        return NN_OK;
    int tcp =
        r->opt->bind ? !strncmp(r->opt->bind, "tcp://", 6) : r->sc->transport == NN_TRANSPORT_TCP;
    if (r->has_external && !strncmp(r->sc->external_bind, "tcp://", 6))
        tcp = 1;
    if (!tcp)
        return s_fail(r, NN_ESCENARIO,
                      "security.curve authenticates nodes that connect over tcp: give "
                      "'transport: tcp' (or serve --bind tcp://...), or leave security out");
    char sec[NN_KEY_Z85_LEN + 1], err[4400];
    int rc = nn_keys_load(cv->secret_key, r->server_pub, sec, err, sizeof err);
    if (rc != NN_OK)
        return s_fail(r, NN_ESCENARIO, "%s: %s", cv->secret_key_where, err);
    if (!r->opt->bind && zmq_curve_keypair(r->node_pub, r->node_sec) != 0)
        return s_fail(r, NN_EZMQ, "cannot make the node processes' CURVE keys");
    rc = nn_zap_start(&r->zap, r->ctx, cv->authorized_keys, r->opt->bind ? NULL : r->node_pub, err,
                      sizeof err);
    if (rc != NN_OK)
        return s_fail(r, rc == NN_ENOMEM ? rc : NN_ESCENARIO, "%s: %s", cv->authorized_keys_where,
                      err);
    rc = nn_keys_server(r->sock, sec, NN_ZAP_DOMAIN);
    memset(sec, 0, sizeof sec);
    if (rc != NN_OK)
        return s_fail(r, NN_EZMQ, "cannot make the coordinator a CURVE server: %s",
                      zmq_strerror(zmq_errno()));
    /* the ZAP handler sees only peers that speak CURVE with the right server key; the
     * others fail the handshake before it, which the socket monitor tells */
    char mon_ep[64];
    snprintf(mon_ep, sizeof mon_ep, "inproc://nunchi-monitor-%016" PRIx64, r->session);
    if (zmq_socket_monitor(r->sock, mon_ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0 ||
        !(r->mon = zmq_socket(r->ctx, ZMQ_PAIR)) || zmq_connect(r->mon, mon_ep) != 0)
        return s_fail(r, NN_EZMQ, "cannot watch the CURVE handshakes: %s",
                      zmq_strerror(zmq_errno()));
    return NN_OK;
}

/* The refusals of the ZAP handler since the last call, into events.jsonl. */
static void s_note_refusals(s_run_t *r)
{
    nn_zap_refusal_t got[16];
    size_t n;
    uint16_t event;
    uint32_t value;
    char address[256];
    while (r->mon && nn_link_monitor_event(r->mon, &event, &value, address, sizeof address)) {
        r->handshake_failed++;
        nn_output_event(
            r->events, "handshake_failed",
            json_pack("{s:I,s:s,s:s,s:I}", "round", (json_int_t)r->round, "endpoint", address,
                      "what",
                      event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "protocol error" : "no detail",
                      "code", (json_int_t)value));
    }
    while (r->zap && (n = nn_zap_take(r->zap, got, 16)) > 0)
        for (size_t i = 0; i < n; i++)
            nn_output_event(r->events, "key_refused",
                            json_pack("{s:I,s:s,s:s}", "round", (json_int_t)r->round, "address",
                                      got[i].address, "key", got[i].key));
}

static int s_open_transport(s_run_t *r)
{
    r->ctx = zmq_ctx_new();
    if (!r->ctx)
        return s_fail(r, NN_EZMQ, "cannot create a zeromq context: %s", zmq_strerror(zmq_errno()));
    r->sock = zmq_socket(r->ctx, ZMQ_ROUTER);
    if (!r->sock)
        return s_fail(r, NN_EZMQ, "cannot create the router socket: %s", zmq_strerror(zmq_errno()));
    int one = 1, linger = 0;
    int64_t maxmsg = (int64_t)r->sc->max_message_bytes;
    zmq_setsockopt(r->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(r->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (!r->local)
        zmq_setsockopt(r->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    int rc = s_curve_server(r);
    if (rc != NN_OK)
        return rc;
    snprintf(r->inproc, sizeof r->inproc, "inproc://nunchi-%016" PRIx64, r->session);
    if (r->opt->bind) {
        snprintf(r->endpoint, sizeof r->endpoint, "%s", r->opt->bind);
    } else if (r->threads) {
        snprintf(r->endpoint, sizeof r->endpoint, "%s", r->inproc);
    } else if (r->sc->transport == NN_TRANSPORT_IPC) {
        const char *tmp = getenv("TMPDIR");
        snprintf(r->ipc_path, sizeof r->ipc_path, "%s/nunchi-%d-%08" PRIx64 ".sock",
                 tmp && *tmp && strlen(tmp) < 64 ? tmp : "/tmp", (int)getpid(),
                 r->session & 0xffffffffu);
        snprintf(r->endpoint, sizeof r->endpoint, "ipc://%s", r->ipc_path);
    } else {
        snprintf(r->endpoint, sizeof r->endpoint, "tcp://127.0.0.1:*");
    }
    if (zmq_bind(r->sock, r->endpoint) != 0)
        return s_fail(r, r->opt->bind ? NN_ESCENARIO : NN_EZMQ, "cannot bind '%s': %s", r->endpoint,
                      zmq_strerror(zmq_errno()));
    size_t len = sizeof r->endpoint;
    if (!r->threads && zmq_getsockopt(r->sock, ZMQ_LAST_ENDPOINT, r->endpoint, &len) != 0)
        return s_fail(r, NN_EZMQ, "cannot read the bound endpoint: %s", zmq_strerror(zmq_errno()));
    /* external populations join at external.bind, unless serve's --bind is the same */
    const char *ext = r->sc->external_bind;
    if (r->has_external && ext[0] && !(r->opt->bind && strcmp(ext, r->opt->bind) == 0)) {
        if (zmq_bind(r->sock, ext) != 0)
            return s_fail(r, NN_ESCENARIO, "%s: cannot bind external.bind '%s': %s", r->sc->source,
                          ext, zmq_strerror(zmq_errno()));
        len = sizeof r->ext_endpoint;
        zmq_getsockopt(r->sock, ZMQ_LAST_ENDPOINT, r->ext_endpoint, &len);
    } else if (r->has_external) {
        snprintf(r->ext_endpoint, sizeof r->ext_endpoint, "%s", r->endpoint);
    }
    nn_codec_limits_t lim = NN_CODEC_LIMITS_INIT;
    lim.max_message_bytes = (size_t)r->sc->max_message_bytes;
    if (nn_link_init(&r->link, r->sock, r->local, 1, &lim) != NN_OK)
        return s_fail(r, NN_ENOMEM, "out of memory");
    return NN_OK;
}

/* Says bye to every node and waits for them to leave: threads are joined, processes
 * reaped (and killed when they do not leave in time). */
static void s_stop_nodes(s_run_t *r)
{
    for (size_t k = 0; r->nodes && k < r->n_nodes; k++)
        if (r->nodes[k].joined && !r->nodes[k].dropped)
            s_send_simple(r, &r->nodes[k].peer, (long)k, NN_WIRE_BYE,
                          r->res->error[0] ? "the run failed" : "the run is over");
    if (r->procs) {
        double until = nn_now() + S_REAP_S;
        for (;;) {
            s_reap(r);
            int alive = 0;
            for (size_t k = 0; k < r->n_nodes; k++)
                alive += r->procs[k].pid && !r->procs[k].exited;
            if (!alive)
                break;
            if (nn_now() > until) {
                for (size_t k = 0; k < r->n_nodes; k++)
                    if (r->procs[k].pid && !r->procs[k].exited) {
                        kill(r->procs[k].pid, SIGKILL);
                        waitpid(r->procs[k].pid, &r->procs[k].status, 0);
                        r->procs[k].exited = 1;
                    }
                break;
            }
            usleep(10000);
        }
    }
    if (r->ctx && r->threads) {
        /* node threads still waiting for a welcome or a tick: make their calls return */
        int unjoined = 0;
        for (size_t k = 0; k < r->n_nodes; k++)
            unjoined += r->nodes[k].has_thread && !r->nodes[k].joined;
        if (unjoined || r->res->error[0])
            zmq_ctx_shutdown(r->ctx);
    }
    for (size_t k = 0; r->nodes && k < r->n_nodes; k++)
        if (r->nodes[k].has_thread) {
            pthread_join(r->nodes[k].thread, NULL);
            r->nodes[k].has_thread = 0;
        }
}

static void s_free(s_run_t *r)
{
    for (size_t k = 0; r->recall && k < r->n_recall; k++)
        nn_llmp_memory_release(&r->recall[k]);
    free(r->recall);
    free(r->recall_of);
    free(r->recall_texts);
    if (r->ckpt_lock)
        close(r->ckpt_lock - 1);
    if (r->resume_rd)
        nn_ckpt_close(r->resume_rd);
    nn_link_release(&r->link);
    if (r->mon) {
        zmq_socket_monitor(r->sock, NULL, 0);
        zmq_close(r->mon);
    }
    if (r->sock)
        zmq_close(r->sock);
    nn_zap_stop(&r->zap);
    memset(r->node_sec, 0, sizeof r->node_sec);
    if (r->ctx)
        zmq_ctx_term(r->ctx);
    if (r->ipc_path[0])
        unlink(r->ipc_path);
    for (size_t k = 0; r->nodes && k < r->n_nodes; k++) {
        nn_outbox_release(&r->nodes[k].copy);
        nn_actbox_release(&r->nodes[k].acts);
        free(r->nodes[k].recall_count);
        free(r->nodes[k].recall);
        free(r->nodes[k].recall_text);
        nn_codec_destroy(&r->nodes[k].codec);
        free(r->nodes[k].assigned);
        free(r->nodes[k].tick_off);
        nn_notice_list_release(&r->nodes[k].notices);
        free(r->nodes[k].deliv);
        nn_said_view_release(&r->nodes[k].tview);
        free(r->nodes[k].words);
    }
    free(r->nodes);
    free(r->procs);
    nn_router_release(&r->router);
    nn_report_rows_release(&r->rows);
    nn_pool_destroy(&r->pool);
    free(r->part);
    nn_society_release(&r->soc);
    nn_structure_release(&r->st);
    nn_network_destroy(&r->net);
    nn_norms_destroy(&r->norms);
    nn_faults_destroy(&r->faults);
    nn_cases_destroy(&r->cases);
    nn_trends_destroy(&r->trends);
    free(r->standing);
    free(r->agent_trends);
    free(r->agent_memory);
    nn_notice_list_release(&r->made);
    nn_notice_list_release(&r->made_cases);
    nn_notice_list_release(&r->made_trends);
    free(r->notice_at);
    nn_notice_list_release(&r->live);
    nn_actbox_release(&r->acts);
    free(r->host);
    free(r->slot_ids);
    nn_violation_list_release(&r->noncompliance);
    if (r->trends_csv)
        fclose(r->trends_csv);
    nn_partition_release(&r->partition);
    free(r->by_rank);
    free(r->rank_at);
    nn_ranks_graph_destroy(&r->graph);
    free(r->is_nbr);
    free(r->gbuf);
    free(r->sbuf);
    free(r->xbuf);
    free(r->xcounts);
    free(r->xcounts_in);
    free(r->segs);
    free(r->recs);
    free(r->rank_rss);
    nn_said_release(&r->said[0]);
    nn_said_release(&r->said[1]);
    free(r->said_to);
    nn_spend_release(&r->spend_round);
    nn_spend_release(&r->spend_total);
    free(r->llm_json);
    free(r->round_s);
    free(r->held);
    free(r->due);
    if (r->transcript)
        fclose(r->transcript);
}

static uint64_t s_resident_bytes(void)
{
    unsigned long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "%lu %lu", &pages_total, &pages_resident);
    fclose(f);
    return n == 2 ? (uint64_t)pages_resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

static const char *s_status(int rc)
{
    return rc == NN_OK ? "completed" : rc == NN_EINTR ? "interrupted" : "failed";
}

/* The transport the nodes used: the scenario's, or for serve the bound endpoint's. */
static const char *s_transport(const s_run_t *r)
{
    if (!r->opt->bind)
        return nn_transport_name(r->sc->transport);
    static const char *const schemes[] = {"tcp", "ipc", "inproc"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(r->opt->bind, schemes[i], n) == 0 && r->opt->bind[n] == ':')
            return schemes[i];
    }
    return "other";
}

static json_t *s_opt_round(uint64_t round, uint64_t born)
{
    return round ? json_integer((json_int_t)(round - born)) : json_null();
}

/* The institutions' part of summary.json: game, norms, cases, trends. */
static void s_summary_institutions(const s_run_t *r, json_t *o)
{
    if (r->norms) {
        const nn_norms_stats_t *ns = nn_norms_stats(r->norms);
        if (r->sc->game.on) {
            uint64_t moves = ns->total_cooperate + ns->total_defect;
            json_object_set_new(
                o, "game",
                json_pack(
                    "{s:f,s:f,s:I,s:I,s:o,s:f}", "benefit", r->sc->game.benefit, "cost",
                    r->sc->game.cost, "cooperate", (json_int_t)ns->total_cooperate, "defect",
                    (json_int_t)ns->total_defect, "cooperation_rate",
                    moves ? json_real((double)ns->total_cooperate / (double)moves) : json_null(),
                    "mean_payoff",
                    (double)ns->total_payoff_micro / 1e6 / (double)(r->soc.n ? r->soc.n : 1)));
        }
        json_t *viol = json_object(), *sanc = json_object();
        for (int k = 0; k < NN_NORM_KINDS; k++)
            if (r->sc->norms.norm[k].on)
                json_object_set_new(viol, nn_norm_name((nn_norm_kind_t)k),
                                    json_integer((json_int_t)ns->total_violations[k]));
        for (int k = 0; k < NN_SANCTION_KINDS; k++)
            json_object_set_new(sanc, nn_sanction_name((nn_sanction_kind_t)k),
                                json_integer((json_int_t)ns->total_sanctions[k]));
        json_object_set_new(o, "norms",
                            json_pack("{s:o,s:o,s:i,s:i}", "violations", viol, "sanctions", sanc,
                                      "muted", (int)ns->muted, "excluded", (int)ns->excluded));
    }
    if (r->cases) {
        const nn_cases_stats_t *cs = nn_cases_stats(r->cases);
        json_t *protos = json_object(), *outs = json_object();
        for (int p = 0; p < NN_PROTOCOLS; p++) {
            const nn_protocol_stats_t *ps = &cs->protocol[p];
            if (!ps->opened)
                continue;
            json_t *po = json_pack("{s:I}", "opened", (json_int_t)ps->opened);
            for (int k = 0; k < NN_OUTCOMES; k++)
                json_object_set_new(po, nn_outcome_name(k),
                                    json_integer((json_int_t)ps->outcome[k]));
            json_object_set_new(protos, nn_protocol_name((nn_protocol_t)p), po);
        }
        uint64_t closed = 0, resolved = 0;
        for (int k = 0; k < NN_OUTCOMES; k++) {
            json_object_set_new(outs, nn_outcome_name(k), json_integer((json_int_t)cs->closed[k]));
            closed += cs->closed[k];
            if (k != NN_OUTCOME_ESCALATED)
                resolved += cs->closed[k];
        }
        uint64_t answers = cs->complied + cs->defied;
        json_t *c = json_object();
        json_object_set_new(c, "opened",
                            json_pack("{s:I,s:I}", "complaint",
                                      (json_int_t)cs->opened[NN_CASE_COMPLAINT], "decision",
                                      (json_int_t)cs->opened[NN_CASE_DECISION]));
        json_object_set_new(c, "outcomes", outs);
        json_object_set_new(c, "open", json_integer((json_int_t)cs->open));
        json_object_set_new(c, "protocols", protos);
        json_object_set_new(c, "mean_rounds_to_resolution",
                            closed ? json_real((double)cs->resolution_rounds / (double)closed)
                                   : json_null());
        json_object_set_new(c, "resolved", json_integer((json_int_t)resolved));
        json_object_set_new(c, "refused_complaints",
                            json_integer((json_int_t)cs->refused_complaints));
        json_object_set_new(c, "ignored_acts", json_integer((json_int_t)cs->ignored_acts));
        json_object_set_new(c, "verdicts", json_integer((json_int_t)cs->verdicts));
        json_object_set_new(c, "complied", json_integer((json_int_t)cs->complied));
        json_object_set_new(c, "defied", json_integer((json_int_t)cs->defied));
        json_object_set_new(c, "compliance_rate",
                            answers ? json_real((double)cs->complied / (double)answers)
                                    : json_null());
        json_object_set_new(o, "cases", c);
    }
    size_t nt = nn_trends_count(r->trends);
    if (r->trends) {
        json_t *arr = json_array();
        for (size_t i = 0; i < nt; i++) {
            const nn_trend_stats_t *t = nn_trends_at(r->trends, i);
            json_array_append_new(arr,
                                  json_pack("{s:I,s:I,s:I,s:I,s:o,s:o,s:o}", "trend", (json_int_t)i,
                                            "born", (json_int_t)t->born, "adopters",
                                            (json_int_t)t->adopters, "peak", (json_int_t)t->peak,
                                            "rounds_to_10", s_opt_round(t->reached[0], t->born),
                                            "rounds_to_50", s_opt_round(t->reached[1], t->born),
                                            "rounds_to_90", s_opt_round(t->reached[2], t->born)));
        }
        json_object_set_new(o, "trends", arr);
    }
}

static int s_double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* summary.json's round_s: the rounds' wall times (this rank's view: the round from its
 * ticks going out to the institutions done), nearest-rank quantiles and the longest; a
 * stall (a node late, a link cut) shows in the top ones. null without rounds. */
static json_t *s_round_times(const s_run_t *r)
{
    size_t n = r->n_round_s;
    if (!n || !r->round_s)
        return json_null();
    double *v = malloc(n * sizeof *v);
    if (!v)
        return json_null();
    memcpy(v, r->round_s, n * sizeof *v);
    qsort(v, n, sizeof *v, s_double_cmp);
    const double q[] = {0.50, 0.95, 0.99};
    const char *name[] = {"p50", "p95", "p99"};
    json_t *o = json_object();
    for (int i = 0; i < 3; i++) {
        size_t rank = (size_t)ceil(q[i] * (double)n - 1e-9);
        json_object_set_new(o, name[i], json_real(v[(rank ? rank : 1) - 1]));
    }
    json_object_set_new(o, "max", json_real(v[n - 1]));
    free(v);
    return o;
}

/* summary.json's faults section: each planned fault, and what the faults did. */
static json_t *s_summary_faults(const s_run_t *r)
{
    const nn_run_result_t *res = r->res;
    json_t *planned = json_array();
    for (size_t k = 0; k < r->sc->faults.n; k++) {
        const nn_fault_config_t *c = &r->sc->faults.f[k];
        json_t *f = json_pack("{s:s,s:I}", "fault", nn_fault_kind_name(c->kind), "from_round",
                              (json_int_t)c->from_round);
        json_object_set_new(f, "to_round",
                            c->to_round == UINT64_MAX ? json_null()
                                                      : json_integer((json_int_t)c->to_round));
        if (c->kind == NN_FAULT_LOSS)
            json_object_set_new(f, "p", json_real(c->p));
        if (c->kind == NN_FAULT_PARTITION)
            json_object_set_new(f, "between", json_string(nn_fault_between_name(c->between)));
        if (c->kind == NN_FAULT_BYZANTINE)
            json_object_set_new(f, "mode", json_string(nn_byzantine_mode_name(c->mode)));
        if (c->links != NN_LINKS_ALL)
            json_object_set_new(f, "links", json_string(nn_fault_links_name(c->links)));
        if (c->share > 0)
            json_object_set_new(f, "agents_share", json_real(c->share));
        else if (c->n_agents)
            json_object_set_new(f, "agents_listed", json_integer((json_int_t)c->n_agents));
        json_array_append_new(planned, f);
    }
    return json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "planned", planned, "lost",
                     (json_int_t)res->dropped[NN_DROP_FAULT_LOSS], "partitioned",
                     (json_int_t)res->dropped[NN_DROP_FAULT_PARTITION], "silenced",
                     (json_int_t)res->dropped[NN_DROP_FAULT_SILENT], "byzantine_messages",
                     (json_int_t)res->byzantine_messages, "byzantine_acts",
                     (json_int_t)res->byzantine_acts, "delayed", (json_int_t)res->delayed,
                     "duplicated", (json_int_t)res->duplicated, "delayed_in_flight",
                     (json_int_t)res->delayed_in_flight);
}

/* summary.json's llm section: the run's spending and the budget. */
static json_t *s_summary_llm(const s_run_t *r)
{
    json_t *o = json_object();
    nn_spend_t *t = (nn_spend_t *)&r->spend_total; /* the quantiles sort its latencies */
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        json_object_set_new(o, nn_spend_counter_name(k),
                            json_integer((json_int_t)*nn_spend_counter(t, k)));
    json_object_set_new(o, "tokens",
                        json_integer((json_int_t)(t->prompt_tokens + t->completion_tokens)));
    json_object_set_new(o, "latency_p50_s", json_real(nn_spend_quantile(t, 0.50)));
    json_object_set_new(o, "latency_p95_s", json_real(nn_spend_quantile(t, 0.95)));
    json_object_set_new(o, "latency_p99_s", json_real(nn_spend_quantile(t, 0.99)));
    json_object_set_new(o, "budget_tokens", json_integer((json_int_t)r->sc->llm_budget_tokens));
    json_object_set_new(o, "budget_spent_round",
                        r->budget_round ? json_integer((json_int_t)r->budget_round) : json_null());
    return o;
}

/* The leaf at a dotted path of o (NULL when absent). */
static json_t *s_json_path(json_t *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        o = json_object_get(o, key);
        path += n + (path[n] == '.');
    }
    return o;
}

/* summary.json's compare (--compare RUN_DIR): the other run's digest and, for the figures
 * both summaries have, this run's value, the other's and the difference. */
static json_t *s_compare(s_run_t *r, json_t *mine)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", r->opt->compare);
    json_error_t je;
    json_t *other = json_load_file(path, 0, &je);
    json_t *c = json_pack("{s:s}", "run_dir", r->opt->compare);
    if (!other) {
        json_object_set_new(c, "error", json_string(je.text));
        return c;
    }
    const char *od = json_string_value(json_object_get(other, "digest"));
    snprintf(r->res->compare_digest, sizeof r->res->compare_digest, "%s", od ? od : "");
    r->res->compared = od && !strcmp(od, r->res->digest_hex) ? 1 : -1;
    json_object_set_new(c, "digest", json_string(od ? od : ""));
    json_object_set_new(c, "same_digest", json_boolean(r->res->compared == 1));
    static const char *const figures[] = {"opinions.mean",         "opinions.sd",
                                          "opinions.polarization", "opinions.clusters",
                                          "opinions.bimodality",   "messages.delivered",
                                          "game.cooperation_rate", "cases.compliance_rate",
                                          "round_s.p50",           "round_s.max"};
    json_t *f = json_object();
    for (size_t i = 0; i < sizeof figures / sizeof *figures; i++) {
        json_t *a = s_json_path(mine, figures[i]), *b = s_json_path(other, figures[i]);
        if (!json_is_number(a) || !json_is_number(b))
            continue;
        double x = json_number_value(a), y = json_number_value(b);
        json_object_set_new(f, figures[i],
                            json_pack("{s:f,s:f,s:f}", "this", x, "other", y, "diff", x - y));
    }
    json_object_set_new(c, "figures", f);
    json_decref(other);
    return c;
}

static json_t *s_summary(const s_run_t *r, int rc)
{
    const nn_run_result_t *res = r->res;
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    json_t *drops = json_object();
    for (int d = 0; d < NN_DROP_RULES; d++)
        json_object_set_new(drops, nn_drop_rule_name((nn_drop_rule_t)d),
                            json_integer((json_int_t)res->dropped[d]));
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(r->sc->name));
    json_object_set_new(o, "status", json_string(s_status(rc)));
    if (rc != NN_OK)
        json_object_set_new(o, "error", json_string(res->error));
    json_object_set_new(o, "seed", json_integer((json_int_t)r->sc->seed));
    json_object_set_new(o, "agents", json_integer((json_int_t)r->sc->agents));
    json_object_set_new(o, "edges", json_integer((json_int_t)res->edges));
    json_object_set_new(o, "mean_degree",
                        json_real(r->sc->agents ? 2.0 * (double)res->edges / r->sc->agents : 0));
    json_object_set_new(o, "clustering", json_real(res->clustering));
    if (r->st.n) {
        json_t *st = json_object(), *roles = json_object();
        for (int k = 0; k < NN_ROLES; k++)
            json_object_set_new(roles, nn_role_name((nn_role_t)k),
                                json_integer((json_int_t)r->st.role_count[k]));
        json_object_set_new(st, "roles", roles);
        json_object_set_new(st, "groups", json_integer((json_int_t)r->st.n_groups));
        json_object_set_new(st, "modularity", json_real(r->st.modularity));
        json_object_set_new(o, "structure", st);
    }
    json_object_set_new(o, "rounds", json_integer((json_int_t)r->sc->rounds));
    json_object_set_new(
        o, "rounds_completed",
        json_integer((json_int_t)(rc == NN_OK ? r->round : (r->round ? r->round - 1 : 0))));
    json_object_set_new(o, "nodes", json_integer((json_int_t)r->total_nodes));
    json_object_set_new(o, "ranks", json_integer(r->ranks ? r->ranks : 1));
    if (r->w && r->partition.part) {
        const nn_partition_t *p = &r->partition;
        json_t *sizes = json_array();
        for (int q = 0; q < r->ranks; q++)
            json_array_append_new(sizes, json_integer((json_int_t)p->size[q]));
        uint64_t rounds = r->round ? r->round : 1;
        json_object_set_new(
            o, "partition",
            json_pack("{s:s,s:s,s:I,s:f,s:f,s:o,s:I,s:I,s:f}", "method",
                      nn_partition_method_name(p->method), "asked",
                      nn_partition_method_name(r->sc->partition), "cut", (json_int_t)p->cut,
                      "cut_share",
                      r->net && r->net->n_edges ? (double)p->cut / (double)r->net->n_edges : 0.0,
                      "balance", p->balance, "agents_per_rank", sizes, "exchanged_messages",
                      (json_int_t)r->res->exchanged, "exchanged_bytes",
                      (json_int_t)r->res->exchanged_bytes, "exchanged_bytes_per_round",
                      (double)r->res->exchanged_bytes / (double)rounds));
        const char *how = getenv("NUNCHI_MPI_EXCHANGE");
        json_object_set_new(json_object_get(o, "partition"), "exchange",
                            json_string(how && !strcmp(how, "world") ? "world" : "neighbourhood"));
        if (p->note[0])
            json_object_set_new(json_object_get(o, "partition"), "note", json_string(p->note));
        if (r->rank_rss) {
            json_t *rss = json_array();
            uint64_t all = 0;
            for (int q = 0; q < r->ranks; q++) {
                json_array_append_new(rss, json_integer((json_int_t)r->rank_rss[q]));
                all += r->rank_rss[q];
            }
            json_object_set_new(o, "ranks_peak_rss_bytes", rss);
            json_object_set_new(o, "all_ranks_peak_rss_bytes", json_integer((json_int_t)all));
        }
    }
    json_object_set_new(o, "transport", json_string(s_transport(r)));
    json_object_set_new(o, "digest", json_string(res->digest_hex));
    if (r->rows.n) {
        const nn_round_metrics_t *fm = &res->final;
        json_object_set_new(o, "opinions",
                            json_pack("{s:f,s:f,s:f,s:f,s:i,s:f,s:f}", "mean", fm->mean, "sd",
                                      fm->sd, "min", fm->min, "max", fm->max, "clusters",
                                      (int)fm->clusters, "polarization", fm->polarization,
                                      "bimodality", fm->bimodality));
    }
    json_t *msgs = json_object();
    json_object_set_new(msgs, "sent", json_integer((json_int_t)res->sent));
    json_object_set_new(msgs, "delivered", json_integer((json_int_t)res->delivered));
    json_object_set_new(msgs, "dropped", drops);
    json_object_set_new(msgs, "in_flight", json_integer((json_int_t)res->in_flight));
    json_object_set_new(msgs, "rejected_wire_messages", json_integer((json_int_t)res->rejected));
    json_object_set_new(msgs, "foreign_acts", json_integer((json_int_t)res->foreign_acts));
    json_object_set_new(msgs, "texts", json_integer((json_int_t)res->texts));
    json_object_set_new(msgs, "foreign_texts", json_integer((json_int_t)res->foreign_texts));
    json_object_set_new(o, "messages", msgs);
    s_summary_institutions(r, o);
    if (r->llm)
        json_object_set_new(o, "llm", s_summary_llm(r));
    if (r->sc->faults.n || r->sc->faults.n_kills)
        json_object_set_new(o, "faults", s_summary_faults(r));
    if (r->sc->faults.recovery != NN_RECOVERY_FAIL || res->restarts)
        json_object_set_new(o, "recovery",
                            json_pack("{s:s,s:I,s:I,s:f,s:f}", "policy",
                                      r->sc->faults.recovery == NN_RECOVERY_RESTART ? "restart"
                                      : r->sc->faults.recovery == NN_RECOVERY_DROP  ? "drop"
                                                                                    : "fail",
                                      "restarts_allowed", (json_int_t)r->sc->faults.restarts,
                                      "restarts", (json_int_t)res->restarts, "detection_s_max",
                                      res->detection_s_max, "recovery_s_max", res->recovery_s_max));
    if (res->dropped_nodes) {
        json_t *rec = json_object_get(o, "recovery");
        json_object_set_new(rec, "dropped_nodes", json_integer((json_int_t)res->dropped_nodes));
        json_object_set_new(rec, "absent_agents", json_integer((json_int_t)res->absent_agents));
    }
    if (r->sc->faults.checkpoint_every || res->resumed_from) {
        json_t *ck = json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:f,s:f}", "every", (json_int_t)r->sc->faults.checkpoint_every,
            "written", (json_int_t)res->checkpoints, "failed", (json_int_t)res->checkpoints_failed,
            "bytes_last", (json_int_t)res->checkpoint_bytes, "bytes_max",
            (json_int_t)res->checkpoint_bytes_max, "write_s_max", res->checkpoint_write_s_max,
            "write_s_mean",
            res->checkpoints ? res->checkpoint_write_s_sum / (double)res->checkpoints : 0.0);
        json_object_set_new(ck, "resumed_from_round",
                            res->resumed_from ? json_integer((json_int_t)res->resumed_from)
                                              : json_null());
        json_object_set_new(ck, "resumes", json_integer((json_int_t)res->resumes));
        json_object_set_new(o, "checkpoints", ck);
    }
    if (r->sc->security.curve.on)
        json_object_set_new(o, "security",
                            json_pack("{s:s,s:I,s:I,s:I}", "mechanism", "curve", "authorized_keys",
                                      (json_int_t)nn_zap_keys(r->zap), "refused",
                                      (json_int_t)nn_zap_refused(r->zap), "handshake_failed",
                                      (json_int_t)r->handshake_failed));
    /* the nodes: how many hosted what, and the ones that resumed or were lost */
    json_t *nodes = json_object();
    json_object_set_new(nodes, "builtin", json_integer((json_int_t)r->n_builtin));
    json_object_set_new(nodes, "external", json_integer((json_int_t)(r->n_nodes - r->n_builtin)));
    json_object_set_new(nodes, "resumed", json_integer((json_int_t)r->resumed));
    json_object_set_new(nodes, "repeated_actions",
                        json_integer((json_int_t)r->res->repeated_actions));
    json_object_set_new(nodes, "actions_before_resume", json_integer((json_int_t)r->stray));
    json_object_set_new(nodes, "lost_before_start", json_integer((json_int_t)r->lost));
    if (!r->w)
        json_object_set_new(o, "node_sessions", nodes);
    else
        json_decref(nodes);
    json_object_set_new(o, "setup_seconds", json_real(res->setup_s));
    json_object_set_new(o, "rounds_seconds", json_real(res->rounds_s));
    json_object_set_new(o, "round_s", s_round_times(r));
    json_object_set_new(o, "wall_seconds", json_real(res->wall_s));
    json_object_set_new(o, "deliveries_per_second",
                        json_real(res->rounds_s > 0 ? (double)res->delivered / res->rounds_s : 0));
    json_object_set_new(o, "peak_rss_bytes", json_integer((json_int_t)self.ru_maxrss * 1024));
    json_object_set_new(o, "rss_after_rounds_bytes", json_integer((json_int_t)res->rss_rounds));
    json_object_set_new(o, "node_processes_peak_rss_bytes",
                        json_integer((json_int_t)kids.ru_maxrss * 1024));
    json_object_set_new(o, "bytes_sent", json_integer((json_int_t)r->link.bytes_out));
    json_object_set_new(o, "bytes_received", json_integer((json_int_t)r->link.bytes_in));
    json_object_set_new(o, "version", json_string(NUNCHI_VERSION));
    json_object_set_new(o, "protocol", json_integer(NN_PROTOCOL_VERSION));
    if (r->opt->compare)
        json_object_set_new(o, "compare", s_compare((s_run_t *)r, o));
    return o;
}

static int s_report(const s_run_t *r, int rc, char *err, size_t errlen)
{
    const nn_run_result_t *res = r->res;
    uint64_t dropped = 0;
    for (int d = 0; d < NN_DROP_RULES; d++)
        dropped += res->dropped[d];
    nn_report_info_t in = {
        .name = r->sc->name,
        .status = s_status(rc),
        .error = rc == NN_OK ? NULL : res->error,
        .digest_hex = res->digest_hex,
        .network = nn_network_model_name(r->sc->network.model),
        .transport = s_transport(r),
        .version = NUNCHI_VERSION,
        .seed = r->sc->seed,
        .agents = r->sc->agents,
        .edges = res->edges,
        .rounds = r->sc->rounds,
        .nodes = r->n_nodes,
        .clustering = res->clustering,
        .wall_s = res->wall_s,
        .deliveries_per_s = res->rounds_s > 0 ? (double)res->delivered / res->rounds_s : 0.0,
        .sent = res->sent,
        .delivered = res->delivered,
        .dropped = dropped,
        .in_flight = res->in_flight,
        .rejected = res->rejected,
        .final_x = rc == NN_OK ? r->soc.x : NULL,
        .n_final = rc == NN_OK ? r->soc.n : 0,
    };
    return nn_report_write(res->run_dir, &in, &r->rows, err, errlen);
}

/* structure.csv, and an event that sums it up. */
static int s_write_structure(s_run_t *r, char *err, size_t errlen)
{
    FILE *f = nn_output_open(r->res->run_dir, "structure.csv", err, errlen);
    if (!f)
        return NN_EIO;
    int rc = nn_structure_write_csv(&r->st, f);
    if (fclose(f) != 0 || rc != NN_OK) {
        snprintf(err, errlen, "cannot write '%.900s/structure.csv'", r->res->run_dir);
        return NN_EIO;
    }
    json_t *roles = json_object();
    for (int k = 0; k < NN_ROLES; k++)
        json_object_set_new(roles, nn_role_name((nn_role_t)k),
                            json_integer((json_int_t)r->st.role_count[k]));
    nn_output_event(r->events, "structure",
                    json_pack("{s:o,s:I,s:f,s:s,s:s}", "roles", roles, "groups",
                              (json_int_t)r->st.n_groups, "modularity", r->st.modularity,
                              "hierarchy", nn_hierarchy_name(r->sc->structure.hierarchy), "status",
                              nn_status_from_name(r->sc->structure.status)));
    return NN_OK;
}

/* Makes the institutions the scenario asks for and the notices of the first round. */
static int s_start_institutions(s_run_t *r)
{
    const nn_scenario_t *sc = r->sc;
    int norms_on = sc->game.on;
    for (int k = 0; k < NN_NORM_KINDS; k++)
        norms_on |= sc->norms.norm[k].on;
    int cases_on = sc->cases.complaints || sc->cases.decisions_every > 0;
    if (norms_on || cases_on || sc->structure.status != NN_STATUS_CONSTANT ||
        sc->structure.status_value != 1.0) {
        r->standing = malloc((sc->agents ? sc->agents : 1) * sizeof *r->standing);
        if (!r->standing)
            return s_fail(r, NN_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < r->st.n; i++)
            r->standing[i] = (float)(r->st.status[i] * r->st.reputation[i]);
    }
    if (norms_on) {
        nn_norms_env_t env = {sc->agents, sc->seed, r->net, &r->st};
        if (nn_norms_new(&r->norms, &sc->norms, &sc->game, &env) != NN_OK)
            return s_fail(r, NN_ENOMEM, "out of memory");
    }
    if (nn_faults_new(&r->faults, &sc->faults, sc->agents, r->st.group, sc->seed) != NN_OK)
        return s_fail(r, NN_ENOMEM, "out of memory");
    s_set_check(r);
    if (cases_on) {
        nn_cases_env_t env = {sc->agents, sc->seed, r->net, &r->st, r->soc.x};
        if (nn_cases_new(&r->cases, &sc->cases, &env) != NN_OK)
            return s_fail(r, NN_ENOMEM, "out of memory");
    }
    char err[1024];
    if (nn_trends_new(&r->trends, &sc->trends, sc->agents, sc->seed) != NN_OK)
        return s_fail(r, NN_ENOMEM, "out of memory");
    /* with ranks, the cases and the trends read every agent's state each round */
    r->share_states = r->w && (r->cases || r->trends);
    if (r->trends && r->me == 0 && !r->opt->resume) { /* a resume opens it again later */
        r->trends_csv = nn_output_open(r->res->run_dir, "trends.csv", err, sizeof err);
        if (!r->trends_csv)
            return s_fail(r, NN_EIO, "%s", err);
        fputs("round,trend,adopters,share\n", r->trends_csv);
    }
    if (r->trends) { /* a resume takes the trends from its checkpoint: no event of these */
        if (nn_trends_seed(r->trends, 1, &r->made_trends, r->resume_rd ? NULL : r->events) != NN_OK)
            return s_fail(r, NN_ENOMEM, "out of memory");
    }
    if (s_publish_notices(r) != NN_OK)
        return s_fail(r, NN_ENOMEM, "out of memory");
    return NN_OK;
}

/* The institutions' totals in the run's result, for callers and tests. */
static void s_result_institutions(s_run_t *r)
{
    nn_run_result_t *res = r->res;
    if (r->norms) {
        const nn_norms_stats_t *ns = nn_norms_stats(r->norms);
        res->cooperate = ns->total_cooperate;
        res->defect = ns->total_defect;
        memcpy(res->violations, ns->total_violations, sizeof res->violations);
        memcpy(res->sanctions, ns->total_sanctions, sizeof res->sanctions);
    }
    if (r->cases) {
        const nn_cases_stats_t *cs = nn_cases_stats(r->cases);
        res->cases_opened = cs->opened[NN_CASE_COMPLAINT] + cs->opened[NN_CASE_DECISION];
        memcpy(res->cases_closed, cs->closed, sizeof res->cases_closed);
    }
}

/* The digest of the society as the coordinator holds it: opinions, trends and memory. */
static uint64_t s_digest(const s_run_t *r)
{
    if (r->w) { /* this rank's agents: the ranks' digests add up to the society's */
        uint64_t d = 0;
        for (size_t k = 0; k < r->n_mine; k++) {
            uint32_t i = r->mine[k];
            d += nn_digest_agent_full(i, r->soc.x[i], r->agent_trends ? r->agent_trends[i] : 0,
                                      r->agent_memory ? r->agent_memory[i] : 0);
        }
        return d;
    }
    if (!r->agent_trends && !r->agent_memory)
        return nn_society_digest(&r->soc);
    uint64_t d = 0;
    for (uint32_t i = 0; i < r->soc.n; i++)
        d += nn_digest_agent_full(i, r->soc.x[i], r->agent_trends ? r->agent_trends[i] : 0,
                                  r->agent_memory ? r->agent_memory[i] : 0);
    return d;
}

/* ---- checkpoints and resume --------------------------------------------------------- */

/* The outputs whose sizes a checkpoint records, so that a resume cuts off what the
 * killed run wrote after it. */
enum { S_OUT_METRICS, S_OUT_EVENTS, S_OUT_TRANSCRIPT, S_OUT_TRENDS, S_OUTS };
static const char *const s_out_names[S_OUTS] = {"metrics.csv", "events.jsonl", "transcript.jsonl",
                                                "trends.csv"};

static FILE **s_out_file(s_run_t *r, int k)
{
    switch (k) {
    case S_OUT_METRICS: return &r->metrics;
    case S_OUT_EVENTS: return &r->events;
    case S_OUT_TRANSCRIPT: return &r->transcript;
    default: return &r->trends_csv;
    }
}

/* What a checkpoint must agree with to be resumed by this run. */
typedef struct s_ckpt_id {
    uint64_t round, seed, agents, rounds, edges, init_digest, ranks, rank, has;
    uint64_t scenario_crc; /* rank 0: of RUN_DIR/scenario.yaml as the run wrote it; else 0 */
} s_ckpt_id_t;

enum { S_HAS_NORMS = 1, S_HAS_CASES = 2, S_HAS_TRENDS = 4, S_HAS_INSTITUTIONS = 7 };

/* The coordinator's own counters that carry over, beside the result's. */
typedef struct s_ckpt_scalars {
    uint64_t resumed, stray, lost, prev_complied, prev_defied, restarts, budget_round;
    uint64_t prev_closed[NN_OUTCOMES];
} s_ckpt_scalars_t;

/* A held delivery as written, without padding. */
typedef struct s_ckpt_held {
    uint64_t release;
    uint32_t to, zero;
    nn_delivery_t d;
} s_ckpt_held_t;

enum { /* the coordinator's records, NN_CKPT_TAG_RUN + */
       S_CK_ID,
       S_CK_OUTPUTS,
       S_CK_RESULT,
       S_CK_SCALARS,
       S_CK_X,
       S_CK_TRENDS,
       S_CK_MEMORY,
       S_CK_REPUTATION,
       S_CK_HELD,
       S_CK_NOTICE_TO,
       S_CK_NOTICES,
       S_CK_ROWS,
       S_CK_ROUND_S,
       S_CK_DROPPED,
       S_CK_RECALL_COUNT,
       S_CK_RECALL,
       S_CK_MINE /* written after S_CK_ID: this rank's agents, ascending (empty: all) */
};

static void s_ckpt_path(const s_run_t *r, uint64_t round, char *buf, size_t len)
{
    snprintf(buf, len, "%s/round-%08" PRIu64 ".rank-%d.ckpt", r->ckpt_dir, round, r->me);
}

static int s_u64_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x < y) - (x > y);
}

/* Whether name is a checkpoint file's, round-R.rank-Q.ckpt: R and Q in *round, *rank. */
static int s_ckpt_parse(const char *name, uint64_t *round, int *rank)
{
    unsigned long long q;
    int end = 0;
    if (sscanf(name, "round-%llu.rank-%d.ckpt%n", &q, rank, &end) != 2 || name[end])
        return 0;
    *round = (uint64_t)q;
    return 1;
}

/* Whether name is one of this rank's checkpoint files: its round in *round. */
static int s_ckpt_name(const s_run_t *r, const char *name, uint64_t *round)
{
    int rank;
    return s_ckpt_parse(name, round, &rank) && rank == r->me;
}

/* The rounds of rank's checkpoint files, newest first, in *out (malloc'ed, or NULL for
 * none); with rank -1, 1 + the highest rank of any in *ranks_seen instead of rounds. */
static size_t s_ckpt_rounds(const s_run_t *r, int rank, uint64_t **out, int *ranks_seen)
{
    uint64_t *q = NULL, v;
    size_t n = 0, cap = 0;
    int rk;
    DIR *d = opendir(r->ckpt_dir);
    struct dirent *e;
    if (ranks_seen)
        *ranks_seen = 0;
    while (d && (e = readdir(d))) {
        if (!s_ckpt_parse(e->d_name, &v, &rk))
            continue;
        if (ranks_seen && rk >= *ranks_seen)
            *ranks_seen = rk + 1;
        if (rk != rank || !out)
            continue;
        if (n == cap) {
            size_t c = cap ? 2 * cap : 8;
            uint64_t *g = realloc(q, c * sizeof *g);
            if (!g)
                break;
            q = g;
            cap = c;
        }
        q[n++] = v;
    }
    if (d)
        closedir(d);
    if (n)
        qsort(q, n, sizeof *q, s_u64_desc);
    if (out)
        *out = q;
    else
        free(q);
    return n;
}

/* The institutions the scenario has (as s_start_institutions makes them). */
static uint64_t s_ckpt_has_config(const s_run_t *r)
{
    const nn_scenario_t *sc = r->sc;
    int norms_on = sc->game.on;
    for (int k = 0; k < NN_NORM_KINDS; k++)
        norms_on |= sc->norms.norm[k].on;
    int cases_on = sc->cases.complaints || sc->cases.decisions_every > 0;
    return (norms_on ? S_HAS_NORMS : 0) | (cases_on ? S_HAS_CASES : 0) |
           (sc->trends.every ? S_HAS_TRENDS : 0);
}

/* The CRC-32 of the file at path (1 + it, so that 0 means none), or 0 when it cannot be
 * read. */
static uint64_t s_file_crc(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char buf[65536];
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        crc = crc32(crc, buf, (uInt)n);
    int bad = ferror(f);
    fclose(f);
    return bad ? 0 : (uint64_t)crc + 1;
}

/* Everything of this rank that the rounds after this one read, in the order s_resume_open
 * and s_resume_rest read it back. NN_OK or NN_ENOMEM (the writer keeps its own errors). */
static int s_save(s_run_t *r, nn_ckpt_writer_t *w, char *err, size_t errlen)
{
    const uint32_t n = r->soc.n;
    const uint32_t T = NN_CKPT_TAG_RUN;
    s_ckpt_id_t id = {
        r->round,       r->sc->seed,        r->sc->agents,   r->sc->rounds,        r->net->n_edges,
        r->init_digest, (uint64_t)r->ranks, (uint64_t)r->me, s_ckpt_has_config(r), r->scenario_crc};
    nn_ckpt_put(w, T + S_CK_ID, &id, sizeof id);
    nn_ckpt_put(w, T + S_CK_MINE, r->w ? r->mine : NULL, r->w ? r->n_mine * sizeof *r->mine : 0);
    /* the outputs as far as this checkpoint, on disk before it (what a resume keeps) */
    uint64_t off[S_OUTS] = {0};
    for (int k = 0; k < S_OUTS; k++) {
        FILE *f = *s_out_file(r, k);
        off_t at = 0;
        if (f && (fflush(f) != 0 || fsync(fileno(f)) != 0 || (at = ftello(f)) < 0)) {
            snprintf(err, errlen, "cannot write '%s/%s' to disk: %s", r->res->run_dir,
                     s_out_names[k], strerror(errno));
            return NN_EIO;
        }
        off[k] = (uint64_t)at;
    }
    nn_ckpt_put(w, T + S_CK_OUTPUTS, off, sizeof off);
    nn_ckpt_put(w, T + S_CK_RESULT, r->res, sizeof *r->res);
    s_ckpt_scalars_t sc;
    memset(&sc, 0, sizeof sc);
    sc.resumed = r->resumed;
    sc.stray = r->stray;
    sc.lost = r->lost;
    sc.prev_complied = r->prev_complied;
    sc.prev_defied = r->prev_defied;
    sc.restarts = r->restarts;
    sc.budget_round = r->budget_round;
    memcpy(sc.prev_closed, r->prev_closed, sizeof sc.prev_closed);
    nn_ckpt_put(w, T + S_CK_SCALARS, &sc, sizeof sc);
    nn_ckpt_put(w, T + S_CK_X, r->soc.x, (size_t)n * sizeof *r->soc.x);
    nn_ckpt_put(w, T + S_CK_TRENDS, r->agent_trends,
                r->agent_trends ? (size_t)n * sizeof *r->agent_trends : 0);
    nn_ckpt_put(w, T + S_CK_MEMORY, r->agent_memory,
                r->agent_memory ? (size_t)n * sizeof *r->agent_memory : 0);
    nn_ckpt_put(w, T + S_CK_REPUTATION, r->st.reputation,
                r->st.reputation ? (size_t)n * sizeof *r->st.reputation : 0);
    s_ckpt_held_t *held = r->n_held ? calloc(r->n_held, sizeof *held) : NULL;
    if (r->n_held && !held)
        return NN_ENOMEM;
    for (size_t i = 0; i < r->n_held; i++) {
        held[i].release = r->held[i].release;
        held[i].to = r->held[i].l.to;
        held[i].d = r->held[i].l.d;
    }
    nn_ckpt_put(w, T + S_CK_HELD, held, r->n_held * sizeof *held);
    free(held);
    nn_ckpt_put(w, T + S_CK_NOTICE_TO, r->live.to, r->live.len * sizeof *r->live.to);
    nn_ckpt_put(w, T + S_CK_NOTICES, r->live.items, r->live.len * sizeof *r->live.items);
    nn_ckpt_put(w, T + S_CK_ROWS, r->rows.row, r->rows.n * sizeof *r->rows.row);
    nn_ckpt_put(w, T + S_CK_ROUND_S, r->round_s, r->n_round_s * sizeof *r->round_s);
    uint8_t *dropped = calloc(r->n_nodes ? r->n_nodes : 1, 1);
    if (!dropped)
        return NN_ENOMEM;
    for (size_t k = 0; k < r->n_nodes; k++)
        dropped[k] = (uint8_t)r->nodes[k].dropped;
    nn_ckpt_put(w, T + S_CK_DROPPED, dropped, r->n_nodes);
    free(dropped);
    /* the llm agents' memories: each ring's length, then the items oldest first */
    size_t n_items = 0;
    for (size_t k = 0; k < r->n_recall; k++)
        n_items += r->recall[k].len;
    uint32_t *lens = calloc(r->n_recall ? r->n_recall : 1, sizeof *lens);
    nn_llmp_memory_item_t *items = calloc(n_items ? n_items : 1, sizeof *items);
    if (!lens || !items) {
        free(lens);
        free(items);
        return NN_ENOMEM;
    }
    for (size_t k = 0, at = 0; k < r->n_recall; k++) {
        const nn_llmp_memory_t *m = &r->recall[k];
        lens[k] = (uint32_t)m->len;
        for (size_t e = 0; e < m->len; e++)
            items[at++] = m->items[(m->head + e) % m->cap];
    }
    nn_ckpt_put(w, T + S_CK_RECALL_COUNT, lens, r->n_recall * sizeof *lens);
    nn_ckpt_put(w, T + S_CK_RECALL, items, n_items * sizeof *items);
    free(lens);
    free(items);
    int rc = nn_router_save(&r->router, w);
    if (rc == NN_OK)
        rc = nn_said_save(&r->said[r->round & 1], w);
    if (rc == NN_OK)
        rc = nn_spend_save(&r->spend_total, w);
    if (rc == NN_OK && r->norms)
        rc = nn_norms_save(r->norms, w);
    if (rc == NN_OK && r->cases)
        rc = nn_cases_save(r->cases, w);
    if (rc == NN_OK && r->trends)
        rc = nn_trends_save(r->trends, w);
    return rc;
}

/* Rank 0 holds RUN_DIR/checkpoints/lock (flock) while it writes or resumes checkpoints,
 * so that a second resume of the run directory, or one while the run still lives, is
 * refused instead of both writing the same files. The lock goes with the process, however
 * it ends. NN_OK, or NN_EIO with err saying who holds it. */
static int s_ckpt_lock(s_run_t *r, char *err, size_t errlen)
{
    if (r->me != 0 || r->ckpt_lock)
        return NN_OK;
    char path[4300];
    snprintf(path, sizeof path, "%s/lock", r->ckpt_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NN_EIO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        snprintf(err, errlen,
                 "another nunchi (pid %s) is running or resuming this run: '%s' is locked",
                 pid[0] ? pid : "?", path);
        close(fd);
        return NN_EIO;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        /* the lock holds without its pid: the pid is only for the message */
    }
    r->ckpt_lock = fd + 1;
    return NN_OK;
}

/* Removes this rank's checkpoints of rounds before `round` and its temporary files, and
 * on rank 0 those of ranks the run does not have (it was resumed on fewer ranks than
 * wrote them), once every rank has a checkpoint of `round`. */
static void s_prune(s_run_t *r, uint64_t round)
{
    DIR *d = opendir(r->ckpt_dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4500];
    while ((e = readdir(d))) {
        uint64_t q;
        int rk;
        size_t len = strlen(e->d_name);
        int tmp = len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0;
        char merged[64]; /* a merged resume killed before it removed what it merged */
        snprintf(merged, sizeof merged, ".merged.rank-%d", r->me);
        if (!strncmp(e->d_name, merged, strlen(merged)) &&
            (!e->d_name[strlen(merged)] || !strcmp(e->d_name + strlen(merged), ".tmp"))) {
            /* removed below */
        } else if (tmp) {
            char base[256];
            snprintf(base, sizeof base, "%.*s", (int)(len - 4), e->d_name);
            if (!s_ckpt_name(r, base, &q))
                continue;
        } else if (!s_ckpt_parse(e->d_name, &q, &rk) ||
                   !((rk == r->me && q < round) || (r->me == 0 && rk >= r->ranks))) {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", r->ckpt_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

/* recovery.checkpoint_every: the checkpoint of the round just ended, every rank's file,
 * then the older ones removed once every rank has its new one. A checkpoint that cannot
 * be written is an event and a warning, and the run goes on with the previous one. */
static void s_checkpoint(s_run_t *r)
{
    double t0 = nn_now();
    char path[4400], err[5000] = "";
    int rc = NN_OK;
    if (mkdir(r->ckpt_dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, sizeof err, "cannot make '%s': %s", r->ckpt_dir, strerror(errno));
        rc = NN_EIO;
    }
    if (rc == NN_OK)
        rc = s_ckpt_lock(r, err, sizeof err);
    nn_ckpt_writer_t w;
    memset(&w, 0, sizeof w);
    s_ckpt_path(r, r->round, path, sizeof path);
    if (rc == NN_OK && (rc = nn_ckpt_begin(&w, path, err, sizeof err)) == NN_OK) {
        if ((rc = s_save(r, &w, err, sizeof err)) == NN_OK)
            rc = nn_ckpt_commit(&w, err, sizeof err);
        else
            nn_ckpt_abort(&w);
        if (rc == NN_ENOMEM)
            snprintf(err, sizeof err, "out of memory writing '%s'", path);
    }
    double took = nn_now() - t0;
    int bad = rc != NN_OK ? r->me + 1 : 0; /* 1 + the highest rank that failed */
    uint64_t bytes = rc == NN_OK ? w.bytes : 0;
    if (r->w && (nn_ranks_max_int(r->w, &bad) != NN_OK || nn_ranks_sum_u64(r->w, &bytes, 1)))
        s_fatal(r, NN_EMPI, "agreeing on a checkpoint failed");
    nn_run_result_t *res = r->res;
    if (bad) {
        res->checkpoints_failed++;
        if (rc != NN_OK) /* every rank that failed says why; rank 0 writes the event */
            fprintf(stderr,
                    "nunchi: the checkpoint of round %" PRIu64 " was not written: %s; "
                    "the run goes on\n",
                    r->round, err);
        nn_output_event(r->events, "checkpoint_failed",
                        json_pack("{s:I,s:i,s:s}", "round", (json_int_t)r->round, "rank",
                                  rc != NN_OK ? r->me : bad - 1, "why",
                                  rc != NN_OK ? err : "see that rank's standard error"));
        return; /* the previous checkpoints stay: they are the last whole set */
    }
    s_prune(r, r->round);
    res->checkpoints++;
    res->checkpoint_bytes = bytes;
    if (bytes > res->checkpoint_bytes_max)
        res->checkpoint_bytes_max = bytes;
    if (took > res->checkpoint_write_s_max)
        res->checkpoint_write_s_max = took;
    res->checkpoint_write_s_sum += took;
    nn_output_event(r->events, "checkpoint",
                    json_pack("{s:I,s:I,s:f}", "round", (json_int_t)r->round, "bytes",
                              (json_int_t)bytes, "write_s", took));
}

/* {fault: kill, node: coordinator, round: R}: this process is killed (SIGKILL) at the start
 * of round R, as a crash would end it, for `nunchi run --resume` to go on from the last
 * checkpoint. Each such kill happens once: the j-th of them in round order ends the run's
 * j-th life (j resumes before it), so a resumed run passes the kills it has had. */
static uint64_t s_coordinator_kill_index(const nn_faults_config_t *fc, size_t j)
{
    uint64_t before = 0; /* the coordinator kills that come before kill j, in round order */
    for (size_t i = 0; i < fc->n_kills; i++)
        before += fc->kill[i].coordinator && (fc->kill[i].round < fc->kill[j].round ||
                                              (fc->kill[i].round == fc->kill[j].round && i < j));
    return before;
}

static void s_kill_coordinator(s_run_t *r)
{
    const nn_faults_config_t *fc = &r->sc->faults;
    for (size_t j = 0; j < fc->n_kills; j++) {
        const nn_fault_kill_t *kl = &fc->kill[j];
        if (!kl->coordinator || kl->round != r->round)
            continue;
        if (s_coordinator_kill_index(fc, j) != r->res->resumes || kl->rank != (uint32_t)r->me)
            continue;
        nn_output_event(r->events, "fault_kill",
                        json_pack("{s:I,s:s,s:i,s:I}", "round", (json_int_t)r->round, "process",
                                  "coordinator", "rank", r->me, "pid", (json_int_t)getpid()));
        for (int k = 0; k < S_OUTS; k++)
            if (*s_out_file(r, k))
                fflush(*s_out_file(r, k));
        kill(getpid(), SIGKILL);
    }
}

static int s_resume_bad(s_run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_resume_bad(s_run_t *r, const char *fmt, ...)
{
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return s_fail(r, NN_ESCENARIO, "--resume: %s: %s", r->resume_path, text);
}

/* The rank that holds agent i now. */
static uint32_t s_new_owner(const s_run_t *r, uint32_t i)
{
    return r->w ? r->partition.part[i] : 0;
}

/* A resume on another number of ranks than the run had: every rank reads the checkpoint
 * files of all the K ranks of round `round` and writes, for itself, the checkpoint it
 * would have written had the run been split as now: each agent's state, inbox, held
 * deliveries, notices and memories from the file of the rank that held it, what every
 * rank held alike from old rank 0's, the counters that each rank kept of its own summed
 * on the new rank 0. The resume then reads it as its own. */
typedef struct s_old {
    nn_ckpt_reader_t rd;
    const void *p[S_CK_MINE + 1];
    size_t len[S_CK_MINE + 1];
    const uint64_t *off; /* the router's */
    uint64_t n_agents;
    const nn_delivery_t *deliv;
    size_t n_deliv;
} s_old_t;

/* The records of an old file that the merge reads, in the order they were written. */
static int s_old_read(s_old_t *o)
{
    static const int order[] = {
        S_CK_ID,     S_CK_MINE,    S_CK_OUTPUTS,    S_CK_RESULT,       S_CK_SCALARS,   S_CK_X,
        S_CK_TRENDS, S_CK_MEMORY,  S_CK_REPUTATION, S_CK_HELD,         S_CK_NOTICE_TO, S_CK_NOTICES,
        S_CK_ROWS,   S_CK_ROUND_S, S_CK_DROPPED,    S_CK_RECALL_COUNT, S_CK_RECALL};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        if (!(o->p[order[k]] = nn_ckpt_take(&o->rd, NN_CKPT_TAG_RUN + order[k], &o->len[order[k]])))
            return NN_EPROTO;
    size_t b;
    const uint64_t *n = nn_ckpt_take(&o->rd, NN_CKPT_TAG_ROUTER + 0, &b);
    if (!n || b != sizeof *n || !(o->off = nn_ckpt_take(&o->rd, NN_CKPT_TAG_ROUTER + 1, &b)) ||
        b != ((size_t)*n + 2) * sizeof *o->off ||
        !(o->deliv = nn_ckpt_take(&o->rd, NN_CKPT_TAG_ROUTER + 2, &b)) || b % sizeof *o->deliv)
        return NN_EPROTO;
    o->n_deliv = b / sizeof *o->deliv;
    o->n_agents = *n;
    return NN_OK;
}

/* The u64 fields at offsets off[] of the struct at dst: the sum of the same fields of
 * every old file's record `tag` (its length checked by the caller), or 0 without `mine`. */
static void s_sum_own(void *dst, const size_t *off, size_t n_off, const s_old_t *old, int K,
                      int tag, int mine)
{
    for (size_t k = 0; k < n_off; k++) {
        uint64_t sum = 0, v;
        for (int q = 0; q < K && mine; q++) {
            memcpy(&v, (const char *)old[q].p[tag] + off[k], sizeof v);
            sum += v;
        }
        memcpy((char *)dst + off[k], &sum, sizeof sum);
    }
}

static int s_merge_write(s_run_t *r, s_old_t *old, int K, nn_ckpt_writer_t *w, char *why,
                         size_t whylen)
{
    const uint32_t n = r->soc.n, T = NN_CKPT_TAG_RUN;
    const uint32_t me = (uint32_t)r->me;
    int rc = NN_ENOMEM;
    uint32_t *owner = malloc((n ? n : 1) * sizeof *owner);
    uint32_t *ring = malloc((n ? n : 1) * sizeof *ring); /* agent -> its ring in its file */
    size_t *ring_at = NULL, *ring_n = calloc((size_t)K, sizeof *ring_n), *q_base = NULL;
    void *buf = NULL;
    if (!owner || !ring || !ring_n)
        goto out;
    for (uint32_t i = 0; i < n; i++)
        owner[i] = UINT32_MAX;
    for (int q = 0; q < K; q++) {
        const s_ckpt_id_t *id = old[q].p[S_CK_ID];
        const uint32_t *mine = old[q].p[S_CK_MINE];
        size_t m = old[q].len[S_CK_MINE] / sizeof *mine;
        const s_ckpt_id_t *id0 = old[0].p[S_CK_ID];
        if (old[q].len[S_CK_ID] != sizeof *id || id->ranks != (uint64_t)K ||
            id->rank != (uint64_t)q || id->round != id0->round || id->seed != id0->seed ||
            id->agents != id0->agents || id->rounds != id0->rounds || id->edges != id0->edges ||
            id->init_digest != id0->init_digest || id->has != id0->has) {
            snprintf(why, whylen, "old rank %d's file is not of the same checkpoint", q);
            rc = NN_EPROTO;
            goto out;
        }
        if (K == 1 && m == 0) /* one process: all its agents */
            for (uint32_t i = 0; i < n; i++)
                owner[i] = 0;
        for (size_t j = 0; j < m; j++) {
            if (mine[j] >= n || owner[mine[j]] != UINT32_MAX) {
                snprintf(why, whylen, "old rank %d's agents are not a share of the society", q);
                rc = NN_EPROTO;
                goto out;
            }
            owner[mine[j]] = (uint32_t)q;
        }
        if (old[q].len[S_CK_NOTICES] !=
                old[q].len[S_CK_NOTICE_TO] / sizeof(uint32_t) * sizeof(nn_notice_t) ||
            old[q].len[S_CK_NOTICE_TO] % sizeof(uint32_t) ||
            old[q].len[S_CK_HELD] % sizeof(s_ckpt_held_t) || old[q].n_agents != n) {
            snprintf(why, whylen, "old rank %d's notices, held deliveries or inboxes are cut", q);
            rc = NN_EPROTO;
            goto out;
        }
        if (old[q].len[S_CK_X] != (size_t)n * sizeof(double) ||
            (old[q].len[S_CK_DROPPED] &&
             memchr(old[q].p[S_CK_DROPPED], 1, old[q].len[S_CK_DROPPED]))) {
            snprintf(why, whylen, "%s",
                     old[q].len[S_CK_X] != (size_t)n * sizeof(double)
                         ? "its opinions are not the society's size"
                         : "nodes had been given up by recovery.policy drop, "
                           "which a resume on another number of ranks cannot "
                           "place again");
            rc = NN_EPROTO;
            goto out;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (owner[i] == UINT32_MAX) {
            snprintf(why, whylen, "agent %" PRIu32 " is in no old rank's file", i);
            rc = NN_EPROTO;
            goto out;
        }
    /* the memories: each file's rings are its mirrored agents in id order */
    int recalls = 0;
    for (int q = 0; q < K; q++)
        recalls |= old[q].len[S_CK_RECALL_COUNT] > 0;
    for (uint32_t i = 0; i < n; i++) {
        ring[i] = UINT32_MAX;
        if (recalls && s_recall_pop(r, r->soc.pop[i]))
            ring[i] = (uint32_t)ring_n[owner[i]]++;
    }
    for (int q = 0; q < K; q++)
        if (old[q].len[S_CK_RECALL_COUNT] != ring_n[q] * sizeof(uint32_t)) {
            snprintf(why, whylen, "old rank %d's llm memories are not its agents'", q);
            rc = NN_EPROTO;
            goto out;
        }
    size_t total_rings = 0;
    for (int q = 0; q < K; q++)
        total_rings += ring_n[q];
    if (!(ring_at = calloc(total_rings + 1, sizeof *ring_at)))
        goto out;
    size_t base = 0; /* ring_at[q_base[q] + k]: the first item of q's ring k in q's items */
    if (!(q_base = calloc((size_t)K, sizeof *q_base)))
        goto out;
    for (int q = 0; q < K; q++) {
        q_base[q] = base;
        const uint32_t *lens = old[q].p[S_CK_RECALL_COUNT];
        size_t at = 0;
        for (size_t k = 0; k < ring_n[q]; k++) {
            ring_at[base + k] = at;
            at += lens[k];
        }
        if (at * sizeof(nn_llmp_memory_item_t) != old[q].len[S_CK_RECALL]) {
            snprintf(why, whylen, "old rank %d's llm memories are cut", q);
            rc = NN_EPROTO;
            goto out;
        }
        base += ring_n[q];
    }
    const s_old_t *o0 = &old[0];
    /* the identity, as this rank would have written it */
    s_ckpt_id_t id = *(const s_ckpt_id_t *)o0->p[S_CK_ID];
    id.ranks = (uint64_t)r->ranks;
    id.rank = me;
    if (me != 0)
        id.scenario_crc = 0;
    nn_ckpt_put(w, T + S_CK_ID, &id, sizeof id);
    nn_ckpt_put(w, T + S_CK_MINE, r->w ? r->mine : NULL, r->w ? r->n_mine * sizeof *r->mine : 0);
    nn_ckpt_put(w, T + S_CK_OUTPUTS, o0->p[S_CK_OUTPUTS], o0->len[S_CK_OUTPUTS]);
    /* the counters each rank kept of its own: all on the new rank 0 */
    nn_run_result_t res;
    s_ckpt_scalars_t sc;
    for (int q = 0; q < K; q++)
        if (old[q].len[S_CK_RESULT] != sizeof res || old[q].len[S_CK_SCALARS] != sizeof sc) {
            snprintf(why, whylen, "old rank %d's counters are not this version's", q);
            rc = NN_EPROTO;
            goto out;
        }
    memcpy(&res, o0->p[S_CK_RESULT], sizeof res);
    memcpy(&sc, o0->p[S_CK_SCALARS], sizeof sc);
    /* the counters each rank keeps of its own (the ones a run sums over its ranks at the
     * end): the old ranks' sum on the new rank 0, none on the others */
    static const size_t res_own[] = {
        offsetof(nn_run_result_t, rejected),        offsetof(nn_run_result_t, foreign_acts),
        offsetof(nn_run_result_t, exchanged),       offsetof(nn_run_result_t, exchanged_bytes),
        offsetof(nn_run_result_t, foreign_texts),   offsetof(nn_run_result_t, byzantine_messages),
        offsetof(nn_run_result_t, byzantine_acts),  offsetof(nn_run_result_t, delayed),
        offsetof(nn_run_result_t, duplicated),      offsetof(nn_run_result_t, restarts),
        offsetof(nn_run_result_t, repeated_actions)};
    static const size_t sc_own[] = {offsetof(s_ckpt_scalars_t, resumed),
                                    offsetof(s_ckpt_scalars_t, stray),
                                    offsetof(s_ckpt_scalars_t, lost)};
    s_sum_own(&res, res_own, sizeof res_own / sizeof *res_own, old, K, S_CK_RESULT, me == 0);
    s_sum_own(&sc, sc_own, sizeof sc_own / sizeof *sc_own, old, K, S_CK_SCALARS, me == 0);
    for (int q = 1; q < K; q++) {
        nn_run_result_t rq;
        memcpy(&rq, old[q].p[S_CK_RESULT], sizeof rq);
        if (rq.detection_s_max > res.detection_s_max)
            res.detection_s_max = rq.detection_s_max;
        if (rq.recovery_s_max > res.recovery_s_max)
            res.recovery_s_max = rq.recovery_s_max;
    }
    /* recovery.restarts bounds each rank's restarts: on ranks laid out anew none is used */
    sc.restarts = 0;
    nn_ckpt_put(w, T + S_CK_RESULT, &res, sizeof res);
    nn_ckpt_put(w, T + S_CK_SCALARS, &sc, sizeof sc);
    /* per agent, from its old rank's file */
    static const int per_agent[] = {S_CK_X, S_CK_TRENDS, S_CK_MEMORY};
    if (!(buf = malloc(((size_t)n ? n : 1) * 8)))
        goto out_q;
    for (size_t k = 0; k < 3; k++) {
        int any = 0;
        for (int q = 0; q < K; q++)
            any |= old[q].len[per_agent[k]] > 0;
        for (int q = 0; any && q < K; q++)
            if (old[q].len[per_agent[k]] && old[q].len[per_agent[k]] != (size_t)n * 8) {
                snprintf(why, whylen, "old rank %d's per-agent arrays are not the society's", q);
                rc = NN_EPROTO;
                goto out_q;
            }
        for (uint32_t i = 0; any && i < n; i++) {
            const s_old_t *o = &old[owner[i]];
            uint64_t v = 0;
            if (o->len[per_agent[k]])
                memcpy(&v, (const char *)o->p[per_agent[k]] + (size_t)i * 8, 8);
            memcpy((char *)buf + (size_t)i * 8, &v, 8);
        }
        nn_ckpt_put(w, T + per_agent[k], buf, any ? (size_t)n * 8 : 0);
    }
    nn_ckpt_put(w, T + S_CK_REPUTATION, o0->p[S_CK_REPUTATION], o0->len[S_CK_REPUTATION]);
    /* held deliveries and notices of this rank's agents, from their old ranks' files */
    size_t nh = 0, nl = 0;
    for (int q = 0; q < K; q++) {
        nh += old[q].len[S_CK_HELD] / sizeof(s_ckpt_held_t);
        nl += old[q].len[S_CK_NOTICE_TO] / sizeof(uint32_t);
    }
    size_t cap = (nh > nl ? nh : nl) + 1;
    void *big =
        malloc(cap * (sizeof(s_ckpt_held_t) > sizeof(nn_notice_t) + 4 ? sizeof(s_ckpt_held_t)
                                                                      : sizeof(nn_notice_t) + 4));
    uint32_t *nto = malloc(cap * sizeof *nto);
    size_t *cnt = calloc((size_t)n + 1, sizeof *cnt);
    if (!big || !nto || !cnt) {
        free(big);
        free(nto);
        free(cnt);
        goto out_q;
    }
    s_ckpt_held_t *h = big;
    size_t kh = 0;
    for (int q = 0; q < K; q++) {
        const s_ckpt_held_t *src = old[q].p[S_CK_HELD];
        for (size_t j = 0; j < old[q].len[S_CK_HELD] / sizeof *src; j++)
            if (src[j].to < n && s_new_owner(r, src[j].to) == me)
                h[kh++] = src[j];
    }
    nn_ckpt_put(w, T + S_CK_HELD, h, kh * sizeof *h);
    /* notices: a stable counting sort by receiver of the kept ones, so that each keeps
     * its own order (all of one receiver's come from one file) */
    nn_notice_t *items = big;
    for (int q = 0; q < K; q++) {
        const uint32_t *to = old[q].p[S_CK_NOTICE_TO];
        for (size_t j = 0; j < old[q].len[S_CK_NOTICE_TO] / sizeof *to; j++)
            if (to[j] < n && s_new_owner(r, to[j]) == me)
                cnt[to[j] + 1]++;
    }
    for (uint32_t i = 0; i < n; i++)
        cnt[i + 1] += cnt[i];
    size_t kl = cnt[n];
    for (int q = 0; q < K; q++) {
        const uint32_t *to = old[q].p[S_CK_NOTICE_TO];
        const nn_notice_t *it = old[q].p[S_CK_NOTICES];
        size_t m = old[q].len[S_CK_NOTICE_TO] / sizeof *to; /* its items checked above */
        for (size_t j = 0; j < m; j++)
            if (to[j] < n && s_new_owner(r, to[j]) == me) {
                size_t at = cnt[to[j]]++;
                nto[at] = to[j];
                items[at] = it[j];
            }
    }
    nn_ckpt_put(w, T + S_CK_NOTICE_TO, nto, kl * sizeof *nto);
    nn_ckpt_put(w, T + S_CK_NOTICES, items, kl * sizeof *items);
    free(big);
    free(nto);
    free(cnt);
    nn_ckpt_put(w, T + S_CK_ROWS, me == 0 ? o0->p[S_CK_ROWS] : NULL,
                me == 0 ? o0->len[S_CK_ROWS] : 0);
    nn_ckpt_put(w, T + S_CK_ROUND_S, o0->p[S_CK_ROUND_S], o0->len[S_CK_ROUND_S]);
    nn_ckpt_put(w, T + S_CK_DROPPED, NULL, 0);
    /* the memories of this rank's mirrored agents, in id order */
    size_t n_mine_rings = 0, n_items = 0;
    for (uint32_t i = 0; i < n; i++)
        if (ring[i] != UINT32_MAX && s_new_owner(r, i) == me) {
            const uint32_t *lens = old[owner[i]].p[S_CK_RECALL_COUNT];
            n_mine_rings++;
            n_items += lens[ring[i]];
        }
    uint32_t *lens_out = malloc((n_mine_rings + 1) * sizeof *lens_out);
    nn_llmp_memory_item_t *it_out = malloc((n_items + 1) * sizeof *it_out);
    if (!lens_out || !it_out) {
        free(lens_out);
        free(it_out);
        goto out_q;
    }
    for (uint32_t i = 0, a = 0, b = 0; i < n; i++) {
        if (ring[i] == UINT32_MAX || s_new_owner(r, i) != me)
            continue;
        const s_old_t *o = &old[owner[i]];
        const uint32_t *lens = o->p[S_CK_RECALL_COUNT];
        const nn_llmp_memory_item_t *src = o->p[S_CK_RECALL];
        lens_out[a++] = lens[ring[i]];
        memcpy(it_out + b, src + ring_at[q_base[owner[i]] + ring[i]],
               lens[ring[i]] * sizeof *it_out);
        b += lens[ring[i]];
    }
    nn_ckpt_put(w, T + S_CK_RECALL_COUNT, lens_out, n_mine_rings * sizeof *lens_out);
    nn_ckpt_put(w, T + S_CK_RECALL, it_out, n_items * sizeof *it_out);
    free(lens_out);
    free(it_out);
    /* the routed inboxes of this rank's agents, each from its old rank's file */
    uint64_t *off = calloc((size_t)n + 2, sizeof *off);
    size_t nd = 0;
    for (uint32_t i = 0; i < n; i++)
        if (s_new_owner(r, i) == me)
            nd += (size_t)(old[owner[i]].off[i + 1] - old[owner[i]].off[i]);
    nn_delivery_t *dv = malloc((nd + 1) * sizeof *dv);
    if (!off || !dv) {
        free(off);
        free(dv);
        goto out_q;
    }
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        off[i] = at;
        if (s_new_owner(r, i) != me)
            continue;
        const s_old_t *o = &old[owner[i]];
        uint64_t a = o->off[i], b = o->off[i + 1];
        if (a > b || b > o->n_deliv) {
            free(off);
            free(dv);
            snprintf(why, whylen, "old rank %u's routed inboxes are inconsistent", owner[i]);
            rc = NN_EPROTO;
            goto out_q;
        }
        memcpy(dv + at, o->deliv + a, (size_t)(b - a) * sizeof *dv);
        at += (size_t)(b - a);
    }
    off[n] = off[n + 1] = at;
    nn_ckpt_put_u64(w, NN_CKPT_TAG_ROUTER + 0, n);
    nn_ckpt_put(w, NN_CKPT_TAG_ROUTER + 1, off, ((size_t)n + 2) * sizeof *off);
    nn_ckpt_put(w, NN_CKPT_TAG_ROUTER + 2, dv, at * sizeof *dv);
    free(off);
    free(dv);
    /* the rest (texts, spending, norms, cases, trends) every rank held alike: old rank 0's */
    nn_ckpt_reader_t *r0 = &old[0].rd;
    uint32_t tag;
    size_t len;
    const void *p;
    while ((p = nn_ckpt_next(r0, &tag, &len)))
        nn_ckpt_put(w, tag, p, len);
    rc = r0->failed ? NN_EPROTO : NN_OK;
    if (rc != NN_OK)
        snprintf(why, whylen, "%s", r0->why);
out_q:
out:
    free(q_base);
    free(owner);
    free(ring);
    free(ring_at);
    free(ring_n);
    free(buf);
    return rc;
}

/* The lowest of every rank's *round, in *round on every rank (with one process: as is). */
static void s_lowest_round(s_run_t *r, uint64_t *round)
{
    if (!r->w)
        return;
    uint64_t *all = calloc((size_t)r->ranks, sizeof *all);
    if (!all || (all[r->me] = *round, nn_ranks_sum_u64(r->w, all, (size_t)r->ranks)) != NN_OK)
        s_fatal(r, NN_EMPI, "agreeing on a checkpoint failed");
    for (int k = 0; k < r->ranks; k++)
        if (all[k] < *round)
            *round = all[k];
    free(all);
}

/* Opens round's files: rank 0's first, whose identity says how many ranks wrote it (*K),
 * then the others, each read once and kept in *out (calloc'ed; s_old_free). NN_OK, or
 * NN_EPROTO with why saying which file. */
static int s_old_open(s_run_t *r, uint64_t round, s_old_t **out, int *K, char *why, size_t whylen)
{
    *out = NULL;
    *K = 0;
    s_old_t first;
    memset(&first, 0, sizeof first);
    char path[4400], err[1024];
    snprintf(path, sizeof path, "%s/round-%08" PRIu64 ".rank-0.ckpt", r->ckpt_dir, round);
    if (nn_ckpt_open(&first.rd, path, err, sizeof err) != NN_OK) {
        snprintf(why, whylen, "%s", err);
        return NN_EPROTO;
    }
    int rc = s_old_read(&first);
    const s_ckpt_id_t *id = first.p[S_CK_ID];
    int k = rc == NN_OK && first.len[S_CK_ID] == sizeof *id && id->ranks >= 1 && id->ranks <= 65536
                ? (int)id->ranks
                : 0;
    s_old_t *old = k ? calloc((size_t)k, sizeof *old) : NULL;
    if (!old) {
        snprintf(why, whylen, "old rank 0's file: %s",
                 k                 ? "out of memory"
                 : first.rd.why[0] ? first.rd.why
                                   : "no identity");
        nn_ckpt_close(&first.rd);
        return NN_EPROTO;
    }
    old[0] = first;
    *out = old;
    *K = k;
    for (int q = 1; q < k; q++) {
        snprintf(path, sizeof path, "%s/round-%08" PRIu64 ".rank-%d.ckpt", r->ckpt_dir, round, q);
        if (nn_ckpt_open(&old[q].rd, path, err, sizeof err) != NN_OK) {
            snprintf(why, whylen, "%s", err);
            return NN_EPROTO;
        }
        if (s_old_read(&old[q]) != NN_OK) {
            snprintf(why, whylen, "old rank %d's file: %s", q, old[q].rd.why);
            return NN_EPROTO;
        }
    }
    return NN_OK;
}

static void s_old_free(s_old_t **old, int K)
{
    for (int q = 0; *old && q < K; q++)
        nn_ckpt_close(&(*old)[q].rd);
    free(*old);
    *old = NULL;
}

/* --resume on another number of ranks than the K the checkpoints were written by: the
 * newest round that all K files have whole, agreed over the ranks, merged into this
 * rank's own checkpoint (s_merge_write), which the resume then reads in r->resume_rd.
 * NN_OK; NN_ESCENARIO saying what is missing or wrong; NN_ENOMEM; NN_EIO. */
static int s_resume_merged(s_run_t *r, uint64_t *round, const char *pwhy)
{
    char why[1024] = "";
    uint64_t *rounds = NULL, best = 0;
    int K = 0, rc = NN_OK;
    s_old_t *old = NULL;
    /* the newest round whose rank-0 file says how many ranks wrote it and whose files of
     * all those ranks read whole */
    size_t n = s_ckpt_rounds(r, 0, &rounds, NULL);
    for (size_t i = 0; i < n && !best; i++) {
        if (s_old_open(r, rounds[i], &old, &K, why, sizeof why) == NN_OK)
            best = rounds[i];
        else
            s_old_free(&old, K);
    }
    free(rounds);
    uint64_t agreed = best;
    s_lowest_round(r, &agreed); /* every rank must read the same files */
    if (agreed != best) {       /* another rank is a round behind: its round's files */
        s_old_free(&old, K);
        K = 0;
        if (agreed && s_old_open(r, agreed, &old, &K, why, sizeof why) != NN_OK)
            rc = NN_EPROTO;
    }
    struct stat st;
    if (!agreed || !K || rc != NN_OK)
        s_old_free(&old, K);
    if ((!agreed || !K) && !n) /* nothing of any number of ranks */
        return s_fail(r, NN_ESCENARIO, "--resume: '%s' holds no usable checkpoint: %s%s",
                      r->ckpt_dir, pwhy && pwhy[0] ? pwhy : "none is there",
                      stat(r->ckpt_dir, &st) == 0
                          ? ", nor an old rank 0's file to start a resume on another number "
                            "of ranks from"
                          : "");
    if (!agreed || !K || rc != NN_OK)
        return s_fail(r, NN_ESCENARIO,
                      "--resume: '%s' holds no usable checkpoint (%s%s%s; a resume on another "
                      "number of ranks than wrote them reads every old rank's file on every "
                      "rank: without a shared file system, copy them to each host)",
                      r->ckpt_dir, pwhy && pwhy[0] ? pwhy : "none of this many ranks",
                      why[0] ? "; " : "", why);
    char path[4400];
    snprintf(path, sizeof path, "%s/.merged.rank-%d", r->ckpt_dir, r->me);
    nn_ckpt_writer_t w;
    memset(&w, 0, sizeof w);
    if ((rc = nn_ckpt_begin(&w, path, why, sizeof why)) == NN_OK) {
        if ((rc = s_merge_write(r, old, K, &w, why, sizeof why)) == NN_OK)
            rc = nn_ckpt_commit(&w, why, sizeof why);
        else
            nn_ckpt_abort(&w);
    }
    uint64_t bytes = 0;
    for (int q = 0; rc == NN_OK && q < K && r->me == 0; q++) {
        struct stat st;
        char p[4400];
        snprintf(p, sizeof p, "%s/round-%08" PRIu64 ".rank-%d.ckpt", r->ckpt_dir, agreed, q);
        if (stat(p, &st) == 0)
            bytes += (uint64_t)st.st_size;
    }
    s_old_free(&old, K);
    if (rc == NN_OK) {
        char err[1024];
        rc = nn_ckpt_open(r->resume_rd, path, err, sizeof err);
        if (rc != NN_OK)
            snprintf(why, sizeof why, "%s", err);
        unlink(path);
    }
    if (rc != NN_OK)
        return s_fail(r, rc == NN_ENOMEM ? rc : NN_ESCENARIO,
                      "--resume: the checkpoints of round %" PRIu64
                      " of %d ranks cannot be merged for %d: %s",
                      agreed, K, r->ranks, why);
    snprintf(r->resume_path, sizeof r->resume_path, "%s/round-%08" PRIu64 ".rank-*.ckpt",
             r->ckpt_dir, agreed);
    r->resume_bytes = bytes;
    r->resume_from_ranks = K;
    *round = agreed;
    return NN_OK;
}

/* The newest of this rank's checkpoints that reads whole, and then the round that every
 * rank has (the lowest of the ranks' newest: a rank killed while writing keeps the one
 * before, which the other ranks removed only once every rank had its new one). */
static int s_resume_pick(s_run_t *r, uint64_t *round, nn_ckpt_reader_t *keep, char *whyout,
                         size_t whylen)
{
    *round = 0;
    uint64_t *q = NULL;
    char why[1024] = "";
    struct stat st;
    if (stat(r->ckpt_dir, &st) != 0) /* no return before the ranks agree below */
        snprintf(why, sizeof why,
                 "it cannot be read (%s): the run had no recovery.checkpoint_every, or was "
                 "killed before its first checkpoint",
                 strerror(errno));
    size_t n = s_ckpt_rounds(r, r->me, &q, NULL);
    uint64_t usable = 0;
    for (size_t i = 0; i < n && !usable; i++) {
        char path[4400], err[1024];
        s_ckpt_path(r, q[i], path, sizeof path);
        if (nn_ckpt_open(keep, path, err, sizeof err) != NN_OK) {
            if (!why[0])
                snprintf(why, sizeof why, "%s", err);
            continue;
        }
        /* kept, to be read once; only a file of a run across as many ranks as this one */
        size_t at = keep->at, b = 0;
        const s_ckpt_id_t *id = nn_ckpt_take(keep, NN_CKPT_TAG_RUN + S_CK_ID, &b);
        keep->at = at;
        if (id && b == sizeof *id && id->ranks == (uint64_t)r->ranks && id->rank == (uint64_t)r->me)
            usable = q[i];
        else
            nn_ckpt_close(keep);
    }
    free(q);
    s_lowest_round(r, &usable);
    *round = usable;
    if (!usable && !why[0])
        snprintf(why, sizeof why, "no checkpoint of a run across %d rank(s)", r->ranks);
    if (!usable && whyout)
        snprintf(whyout, whylen, "%s", why);
    return NN_OK; /* usable 0: none of this many ranks on every rank */
}

/* A per-agent array of the checkpoint into dst (n items of `size` bytes); with may_lack,
 * an empty record leaves *had 0. NN_OK or NN_EPROTO. */
static int s_resume_array(s_run_t *r, uint32_t tag, void *dst, size_t size, int may_lack, int *had,
                          const char *what)
{
    size_t bytes = 0, want = (size_t)r->soc.n * size;
    const void *p = nn_ckpt_take(r->resume_rd, NN_CKPT_TAG_RUN + tag, &bytes);
    if (had)
        *had = p && bytes > 0;
    if (p && bytes == 0 && may_lack)
        return NN_OK;
    if (!p || bytes != want)
        return s_resume_bad(r, "%s", p ? what : r->resume_rd->why);
    memcpy(dst, p, bytes);
    return NN_OK;
}

/* A run's words (trends or memory) as the checkpoint has them: NULL when it had none. */
static int s_resume_words(s_run_t *r, uint32_t tag, uint64_t **arr, const char *what)
{
    size_t bytes = 0;
    const void *p = nn_ckpt_take(r->resume_rd, NN_CKPT_TAG_RUN + tag, &bytes);
    if (!p || (bytes && bytes != (size_t)r->soc.n * sizeof **arr))
        return s_resume_bad(r, "%s", p ? what : r->resume_rd->why);
    if (!bytes)
        return NN_OK;
    if (!*arr && !(*arr = malloc(bytes)))
        return s_fail(r, NN_ENOMEM, "out of memory resuming");
    memcpy(*arr, p, bytes);
    return NN_OK;
}

/* --resume, the first part, once the society is drawn: the checkpoint that every rank
 * has, checked against this run, and the agents' states, the result's counters and the
 * outputs' sizes taken from it (the rest waits for the institutions: s_resume_rest). */
static int s_resume_open(s_run_t *r)
{
    snprintf(r->ckpt_dir, sizeof r->ckpt_dir, "%s/checkpoints", r->opt->resume);
    char lerr[4600];
    struct stat st; /* without the directory, s_resume_pick says what is wrong */
    int rc = s_agree(r, stat(r->ckpt_dir, &st) == 0 ? s_ckpt_lock(r, lerr, sizeof lerr) : NN_OK);
    if (rc != NN_OK)
        return s_fail(r, NN_ESCENARIO, "--resume: %s", lerr);
    uint64_t round;
    r->resume_rd = &r->resume_reader;
    char pwhy[1024] = "";
    rc = s_agree(r, s_resume_pick(r, &round, r->resume_rd, pwhy, sizeof pwhy));
    if (rc != NN_OK)
        return rc;
    if (!round) { /* no set of this many ranks: one of another number, merged */
        nn_ckpt_close(r->resume_rd);
        if ((rc = s_agree(r, s_resume_merged(r, &round, pwhy))) != NN_OK)
            return rc;
    } else {
        s_ckpt_path(r, round, r->resume_path, sizeof r->resume_path);
        char err[1024];
        if (strcmp(r->resume_rd->path, r->resume_path) != 0) { /* another rank is one behind */
            nn_ckpt_close(r->resume_rd);
            if ((rc = nn_ckpt_open(r->resume_rd, r->resume_path, err, sizeof err)) != NN_OK)
                return s_fail(r, rc == NN_ENOMEM ? rc : NN_ESCENARIO, "--resume: %s", err);
        }
        struct stat fst;
        r->resume_bytes = stat(r->resume_path, &fst) == 0 ? (uint64_t)fst.st_size : 0;
    }
    nn_ckpt_reader_t *rd = r->resume_rd;
    const uint32_t T = NN_CKPT_TAG_RUN;
    s_ckpt_id_t id;
    size_t mine_bytes;
    if (nn_ckpt_get(rd, T + S_CK_ID, &id, sizeof id) != NN_OK ||
        !nn_ckpt_take(rd, T + S_CK_MINE, &mine_bytes))
        return s_resume_bad(r, "%s", rd->why);
    const nn_scenario_t *sc = r->sc;
    if (id.ranks != (uint64_t)r->ranks || id.rank != (uint64_t)r->me)
        return s_resume_bad(r,
                            "it was written by a run across %" PRIu64
                            " MPI rank(s), but the files of the other ranks are not in '%s': a "
                            "resume (on any number of ranks) needs every old rank's file of "
                            "its round, copied here from the hosts they ran on",
                            id.ranks, r->ckpt_dir);
    if (id.seed != sc->seed || id.agents != sc->agents || id.rounds != sc->rounds ||
        id.edges != r->net->n_edges || id.init_digest != r->init_digest ||
        (id.has & S_HAS_INSTITUTIONS) != s_ckpt_has_config(r))
        return s_resume_bad(r,
                            "it is of another scenario (seed %" PRIu64 ", %" PRIu64
                            " agents, %" PRIu64 " rounds, %" PRIu64
                            " edges) than the run directory's scenario.yaml (seed %" PRIu64
                            ", %" PRIu32 " agents, %" PRIu64 " rounds, %" PRIu64
                            " edges), or that file was changed since",
                            id.seed, id.agents, id.rounds, id.edges, sc->seed, sc->agents,
                            sc->rounds, r->net->n_edges);
    if (r->me == 0) {
        char path[4200];
        snprintf(path, sizeof path, "%s/scenario.yaml", r->opt->resume);
        r->scenario_crc = s_file_crc(path);
        if (id.scenario_crc != r->scenario_crc)
            return s_resume_bad(r,
                                "'%s' is not the file the run wrote: it was changed since, and a "
                                "resumed run must keep its scenario (put it back as it was, or "
                                "start a new run)",
                                path);
    }
    if (r->me == 0 && !r->opt->quiet) {
        char path[4200];
        struct stat sst;
        snprintf(path, sizeof path, "%s/summary.json", r->opt->resume);
        if (stat(path, &sst) == 0)
            fprintf(stderr,
                    "nunchi: --resume: '%s' is there: the run had ended (or failed); its "
                    "rounds after round %" PRIu64 " run again into the same files\n",
                    path, id.round);
    }
    if (id.round != round)
        return s_resume_bad(r, "it says round %" PRIu64 " but is named for round %" PRIu64,
                            id.round, round);
    if (id.round == 0 || id.round >= sc->rounds)
        return s_resume_bad(r, "its round %" PRIu64 " is not one to resume after (1..%" PRIu64 ")",
                            id.round, sc->rounds ? sc->rounds - 1 : 0);
    if (nn_ckpt_get(rd, T + S_CK_OUTPUTS, r->resume_off, sizeof r->resume_off) != NN_OK)
        return s_resume_bad(r, "%s", rd->why);
    nn_run_result_t saved;
    if (nn_ckpt_get(rd, T + S_CK_RESULT, &saved, sizeof saved) != NN_OK)
        return s_resume_bad(r, "%s", rd->why);
    nn_run_result_t *res = r->res;
    res->sent = saved.sent;
    res->delivered = saved.delivered;
    memcpy(res->dropped, saved.dropped, sizeof res->dropped);
    res->rejected = saved.rejected;
    res->foreign_acts = saved.foreign_acts;
    res->foreign_texts = saved.foreign_texts;
    res->texts = saved.texts;
    res->byzantine_messages = saved.byzantine_messages;
    res->byzantine_acts = saved.byzantine_acts;
    res->delayed = saved.delayed;
    res->duplicated = saved.duplicated;
    res->restarts = saved.restarts;
    res->detection_s_max = saved.detection_s_max;
    res->recovery_s_max = saved.recovery_s_max;
    res->repeated_actions = saved.repeated_actions;
    res->dropped_nodes = saved.dropped_nodes;
    res->absent_agents = saved.absent_agents;
    res->exchanged = saved.exchanged;
    res->exchanged_bytes = saved.exchanged_bytes;
    res->final = saved.final;
    res->checkpoints = saved.checkpoints + 1; /* the one resumed from counted itself not */
    res->checkpoints_failed = saved.checkpoints_failed;
    res->checkpoint_bytes = saved.checkpoint_bytes;
    res->checkpoint_bytes_max = saved.checkpoint_bytes_max;
    res->checkpoint_write_s_max = saved.checkpoint_write_s_max;
    res->checkpoint_write_s_sum = saved.checkpoint_write_s_sum;

    res->resumed_from = id.round;
    s_ckpt_scalars_t s;
    if (nn_ckpt_get(rd, T + S_CK_SCALARS, &s, sizeof s) != NN_OK)
        return s_resume_bad(r, "%s", rd->why);
    r->resumed = s.resumed;
    r->stray = s.stray;
    r->lost = s.lost;
    r->prev_complied = s.prev_complied;
    r->prev_defied = s.prev_defied;
    r->restarts = (uint32_t)s.restarts;
    r->budget_round = s.budget_round;
    memcpy(r->prev_closed, s.prev_closed, sizeof r->prev_closed);
    if ((rc = s_resume_array(r, S_CK_X, r->soc.x, sizeof *r->soc.x, 0, NULL,
                             "the opinions are not the society's size")) != NN_OK ||
        (rc = s_resume_words(r, S_CK_TRENDS, &r->agent_trends,
                             "the agents' trends are not the society's size")) != NN_OK ||
        (rc = s_resume_words(r, S_CK_MEMORY, &r->agent_memory,
                             "the agents' memory is not the society's size")) != NN_OK)
        return rc;
    int had = 0;
    if (r->st.reputation &&
        (rc = s_resume_array(r, S_CK_REPUTATION, r->st.reputation, sizeof *r->st.reputation, 1,
                             &had, "the reputations are not the society's size")) != NN_OK)
        return rc;
    for (uint32_t i = 0; i < r->soc.n; i++) {
        if (!isfinite(r->soc.x[i]))
            return s_resume_bad(r, "agent %" PRIu32 "'s opinion is not a number", i);
        if (had && !(r->st.reputation[i] >= 0.0 && r->st.reputation[i] <= 1.0))
            return s_resume_bad(r, "agent %" PRIu32 "'s reputation is not in [0, 1]", i);
    }
    r->round = id.round;
    r->start_round = id.round + 1;
    return NN_OK;
}

/* --resume, the second part, once the institutions are made: the routed round, the held
 * deliveries, the notices and texts for the next ticks, the spending, the report's rows
 * and the institutions' states. */
static int s_resume_rest(s_run_t *r)
{
    nn_ckpt_reader_t *rd = r->resume_rd;
    const uint32_t T = NN_CKPT_TAG_RUN;
    const uint32_t n = r->soc.n;
    size_t bytes = 0;
    const s_ckpt_held_t *held = nn_ckpt_take(rd, T + S_CK_HELD, &bytes);
    if (!held || bytes % sizeof *held)
        return s_resume_bad(r, "%s", held ? "the held deliveries are cut" : rd->why);
    size_t nh = bytes / sizeof *held;
    if (nh > r->held_cap) {
        s_held_t *h = realloc(r->held, nh * sizeof *h);
        if (!h)
            return s_fail(r, NN_ENOMEM, "out of memory resuming");
        r->held = h;
        r->held_cap = nh;
    }
    for (size_t i = 0; i < nh; i++) {
        if (held[i].to >= n || held[i].d.from >= n || held[i].release <= r->round ||
            !isfinite(held[i].d.value) || !isfinite(held[i].d.standing))
            return s_resume_bad(r, "held delivery %zu is not one of this society's", i);
        r->held[i].release = held[i].release;
        r->held[i].l.to = held[i].to;
        r->held[i].l.d = held[i].d;
    }
    r->n_held = nh;
    size_t tb = 0, ib = 0;
    const uint32_t *to = nn_ckpt_take(rd, T + S_CK_NOTICE_TO, &tb);
    const nn_notice_t *items = to ? nn_ckpt_take(rd, T + S_CK_NOTICES, &ib) : NULL;
    if (!items || tb % sizeof *to || ib != tb / sizeof *to * sizeof *items)
        return s_resume_bad(r, "%s", items ? "the notices are cut" : rd->why);
    size_t nl = tb / sizeof *to;
    for (size_t i = 0; i < nl; i++) {
        if (to[i] >= n || (i && to[i] < to[i - 1]))
            return s_resume_bad(r, "notice %zu is not to an agent of this society in order", i);
        if (items[i].kind == NN_NOTICE_NONE || items[i].kind >= NN_NOTICE_KINDS ||
            !isfinite(items[i].value) || !isfinite(items[i].value2))
            return s_resume_bad(r, "notice %zu is of no kind this version knows", i);
    }
    if (nl > r->live.cap) {
        uint32_t *t = realloc(r->live.to, nl * sizeof *t);
        if (t)
            r->live.to = t;
        nn_notice_t *it = t ? realloc(r->live.items, nl * sizeof *it) : NULL;
        if (!it)
            return s_fail(r, NN_ENOMEM, "out of memory resuming");
        r->live.items = it;
        r->live.cap = nl;
    }
    if (nl) {
        memcpy(r->live.to, to, tb);
        memcpy(r->live.items, items, ib);
    }
    r->live.len = nl;
    const nn_report_row_t *rows = nn_ckpt_take(rd, T + S_CK_ROWS, &bytes);
    if (!rows || bytes % sizeof *rows || bytes / sizeof *rows > r->round)
        return s_resume_bad(r, "%s", rows ? "the report's rows are not one a round" : rd->why);
    r->rows.n = 0;
    for (size_t i = 0; i < bytes / sizeof *rows; i++)
        if (nn_report_rows_add(&r->rows, &rows[i]) != NN_OK)
            return s_fail(r, NN_ENOMEM, "out of memory resuming");
    const double *rs = nn_ckpt_take(rd, T + S_CK_ROUND_S, &bytes);
    if (!rs || bytes % sizeof *rs || (bytes && bytes / sizeof *rs != r->round))
        return s_resume_bad(r, "%s", rs ? "the round times are not one a round" : rd->why);
    free(r->round_s);
    if (!(r->round_s = malloc((r->sc->rounds ? r->sc->rounds : 1) * sizeof *r->round_s)))
        return s_fail(r, NN_ENOMEM, "out of memory resuming");
    memcpy(r->round_s, rs, bytes);
    r->n_round_s = bytes / sizeof *rs;
    /* recovery.policy drop: the nodes given up stay given up, their agents absent; the
     * same nodes host the same agents only on the same number of nodes */
    const uint8_t *dropped = nn_ckpt_take(rd, T + S_CK_DROPPED, &bytes);
    if (!dropped)
        return s_resume_bad(r, "%s", rd->why);
    size_t gone = 0;
    for (size_t k = 0; k < bytes; k++)
        gone += dropped[k] != 0;
    if (gone && bytes != r->n_nodes)
        return s_resume_bad(r,
                            "recovery.policy drop had given up %zu of its %zu nodes, whose agents "
                            "are absent: resume it on the same %zu nodes (without --nodes), so "
                            "that the same agents stay absent",
                            gone, bytes, bytes);
    if (gone && (!r->faults || r->sc->faults.recovery != NN_RECOVERY_DROP))
        return s_resume_bad(r, "it has nodes given up, but the scenario's recovery.policy is not "
                               "drop");
    for (size_t k = 0; gone && k < r->n_nodes; k++) {
        s_node_t *nd = &r->nodes[k];
        if (!dropped[k])
            continue;
        nd->dropped = 1;
        nd->joined = 1; /* no process, no thread and no place to join */
        nd->proc = -1;
        for (size_t j = 0; j < nd->count; j++) {
            uint32_t id = nd->ids ? nd->ids[j] : nd->lo + (uint32_t)j;
            nn_faults_absent(r->faults, id);
            if (!nn_faults_is_absent(r->faults, id))
                return s_fail(r, NN_ENOMEM, "out of memory resuming");
        }
    }
    if (gone)
        s_set_check(r); /* messages to the absent agents are dropped */
    const uint32_t *lens = nn_ckpt_take(rd, T + S_CK_RECALL_COUNT, &bytes);
    size_t rb = 0;
    const nn_llmp_memory_item_t *mem_items = lens ? nn_ckpt_take(rd, T + S_CK_RECALL, &rb) : NULL;
    if (!mem_items)
        return s_resume_bad(r, "%s", rd->why);
    if (bytes != r->n_recall * sizeof *lens || rb % sizeof *mem_items)
        return s_resume_bad(r,
                            "the llm agents' memories are not this society's (%zu agents "
                            "remember here)",
                            r->n_recall);
    size_t at = 0;
    for (uint32_t i = 0; r->recall && i < n; i++) {
        uint32_t k = r->recall_of[i];
        if (k == UINT32_MAX)
            continue;
        nn_llmp_memory_t *m = &r->recall[k];
        if (lens[k] > m->cap || (at + lens[k]) * sizeof *mem_items > rb)
            return s_resume_bad(r,
                                "agent %" PRIu32 "'s llm memory has %" PRIu32
                                " items, more than llm.memory (%zu) or the record holds",
                                i, lens[k], m->cap);
        m->len = m->head = 0;
        for (size_t e = 0; e < lens[k]; e++, at++) {
            const nn_llmp_memory_item_t *it = &mem_items[at];
            if (!memchr(it->text, '\0', sizeof it->text) ||
                (it->verdict != 0 && it->verdict != 1) || !isfinite(it->value) || it->round == 0 ||
                it->round > r->round || (it->from >= n && it->from != NN_NO_AGENT))
                return s_resume_bad(r,
                                    "agent %" PRIu32 "'s llm memory item %zu (round %" PRIu64
                                    ", from %" PRIu32 ") is not one it could have",
                                    i, e, it->round, it->from);
            m->items[m->len++] = *it;
        }
    }
    if (at * sizeof *mem_items != rb)
        return s_resume_bad(r,
                            "the llm memories' record has %zu items, %zu more than the agents' "
                            "counts",
                            rb / sizeof *mem_items, rb / sizeof *mem_items - at);
    int rc = nn_router_load(&r->router, rd);
    if (rc == NN_OK)
        rc = nn_said_load(&r->said[r->round & 1], rd);
    if (rc == NN_OK)
        rc = nn_spend_load(&r->spend_total, rd);
    if (rc == NN_OK && r->norms)
        rc = nn_norms_load(r->norms, rd);
    if (rc == NN_OK && r->cases)
        rc = nn_cases_load(r->cases, rd);
    if (rc == NN_OK && r->trends)
        rc = nn_trends_load(r->trends, rd);
    if (rc == NN_ENOMEM)
        return s_fail(r, rc, "out of memory resuming");
    if (rc != NN_OK)
        return s_resume_bad(r, "%s", rd->why[0] ? rd->why : "a record does not fit");
    if (!nn_ckpt_next_is(rd, NN_CKPT_END) && rd->at != rd->len)
        return s_resume_bad(r, "it has records after the last one this version reads");
    if (r->standing)
        for (uint32_t i = 0; i < r->st.n; i++)
            r->standing[i] = (float)(r->st.status[i] * r->st.reputation[i]);
    nn_ckpt_close(rd);
    r->resume_rd = NULL;
    return NN_OK;
}

/* The run's lives, kept beside its checkpoints (not in them, so that two resumes from one
 * checkpoint count two): this resume's number, written back atomically. Rank 0. */
static int s_count_resume(s_run_t *r, uint64_t *resumes)
{
    char path[4300], tmp[4310];
    snprintf(path, sizeof path, "%s/resumes", r->ckpt_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unsigned long long n = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%llu", &n) != 1)
            n = 0;
        fclose(f);
    }
    *resumes = (uint64_t)n + 1;
    f = fopen(tmp, "w");
    int ok = f && fprintf(f, "%llu\n", n + 1) > 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0)
        return s_fail(r, NN_EIO, "--resume: cannot write '%s': %s", path, strerror(errno));
    return NN_OK;
}

/* --resume (rank 0), once the whole checkpoint was read and found good: the run
 * directory's growing files cut back to their sizes at the checkpoint and opened to go
 * on, the checkpoint's own event written again (without its write time, which it could not
 * hold) and the resume an event. Nothing is cut unless every file is long enough. */
static int s_reopen_outputs(s_run_t *r)
{
    nn_run_result_t *res = r->res;
    char path[S_OUTS][4200];
    for (int k = 0; k < S_OUTS; k++) {
        snprintf(path[k], sizeof path[k], "%s/%s", r->opt->resume, s_out_names[k]);
        struct stat st;
        if (k == S_OUT_TRENDS && !(r->sc->trends.every))
            continue;
        if (stat(path[k], &st) != 0 || (uint64_t)st.st_size < r->resume_off[k])
            return s_fail(r, NN_ESCENARIO,
                          "--resume: '%s' has %lld bytes, fewer than the %" PRIu64
                          " it had at the checkpoint: it was cut or replaced since, and the run "
                          "cannot go on from it",
                          path[k], stat(path[k], &st) == 0 ? (long long)st.st_size : -1LL,
                          r->resume_off[k]);
    }
    int rc = s_count_resume(r, &res->resumes);
    if (rc != NN_OK)
        return rc;
    snprintf(res->run_dir, sizeof res->run_dir, "%s", r->opt->resume);
    for (int k = 0; k < S_OUTS; k++) {
        if (k == S_OUT_TRENDS && !(r->sc->trends.every))
            continue;
        FILE *f = NULL;
        if (truncate(path[k], (off_t)r->resume_off[k]) != 0 || !(f = fopen(path[k], "a")) ||
            fseeko(f, 0, SEEK_END) != 0) {
            int e = errno;
            if (f)
                fclose(f);
            return s_fail(r, NN_EIO,
                          "--resume: cannot cut '%s' back to its %" PRIu64
                          " bytes at the checkpoint: %s",
                          path[k], r->resume_off[k], strerror(e));
        }
        *s_out_file(r, k) = f;
    }
    nn_output_event(r->events, "checkpoint",
                    json_pack("{s:I,s:I,s:n}", "round", (json_int_t)r->round, "bytes",
                              (json_int_t)res->checkpoint_bytes, "write_s"));
    nn_output_event(r->events, "run_resumed",
                    json_pack("{s:I,s:s,s:I,s:I,s:s}", "round", (json_int_t)r->round, "checkpoint",
                              r->resume_path, "resumes", (json_int_t)res->resumes, "nodes",
                              (json_int_t)r->sc->nodes, "transport",
                              nn_transport_name(r->sc->transport)));
    return NN_OK;
}

static int s_open_outputs(s_run_t *r, uint64_t dropped_edges);
static int s_start_rounds(s_run_t *r, double t0);

static int s_run(s_run_t *r, double t0)
{
    const nn_scenario_t *sc = r->sc;
    nn_run_result_t *res = r->res;
    char err[1024] = "";
    /* a society that cannot fit is refused before igraph spends minutes finding out */
    double entries = nn_network_expected_entries(&sc->network, sc->agents);
    double need = S_BYTES_PER_AGENT * sc->agents + entries / 2.0 * NN_NETWORK_BUILD_BYTES_PER_EDGE;
    double have = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (have > 0 && need > have)
        return s_fail(r, NN_ESCENARIO,
                      "this society needs about %.1f GiB to build (%u agents, about %.3g edges of "
                      "a '%s' network), more than the %.1f GiB of this machine",
                      need / 1073741824.0, sc->agents, entries / 2.0,
                      nn_network_model_name(sc->network.model), have / 1073741824.0);
    /* inputs first: a scenario whose files are wrong leaves no run directory */
    uint64_t dropped_edges = 0;
    int rc = s_build_network(r, &dropped_edges);
    if (rc != NN_OK)
        return rc;
    if (r->w && (rc = s_split(r)) != NN_OK)
        return rc;
    res->edges = r->net->n_edges;
    res->clustering = r->net->clustering;
    malloc_trim(0); /* give igraph's working memory back before the rounds */
    nn_diag_t diag = NN_DIAG_INIT;
    rc = s_agree(r, nn_society_init(&r->soc, sc, &diag));
    if (rc != NN_OK) {
        s_fail(r, rc, "%s", diag.text ? diag.text : nn_strerror(rc));
        size_t n = strlen(res->error);
        if (n && res->error[n - 1] == '\n')
            res->error[n - 1] = '\0';
        nn_diag_release(&diag);
        return rc;
    }
    nn_diag_release(&diag);
    r->init_digest = nn_society_digest(&r->soc);
    rc = nn_structure_build(&r->st, &sc->structure, r->net, &sc->network, r->soc.pop, sc->seed, err,
                            sizeof err);
    if (rc != NN_OK)
        s_fail(r, rc, "%s", err);
    if ((rc = s_agree(r, rc)) != NN_OK)
        return rc;
    malloc_trim(0); /* and igraph's community detection's, if it ran */
    if (r->w && (rc = s_agree(r, s_make_graph(r))) != NN_OK)
        return s_fail(r, rc, "cannot make the ranks' exchange graph");
    /* --resume: the agents as the checkpoint has them, before the nodes are laid out */
    if (r->opt->resume && (rc = s_agree(r, s_resume_open(r))) != NN_OK)
        return rc;
    /* rank 0 writes the run directory */
    if (r->me == 0)
        rc = r->opt->resume ? NN_OK : s_open_outputs(r, dropped_edges); /* resume: later */
    if ((rc = s_agree(r, rc)) != NN_OK)
        return rc;
    if (sc->faults.checkpoint_every && !r->opt->resume) {
        /* every rank writes its checkpoints under the run directory's path, on its host */
        if (r->w && nn_ranks_bcast(r->w, res->run_dir, sizeof res->run_dir, 0) != NN_OK)
            s_fatal(r, NN_EMPI, "sharing the run directory failed");
        snprintf(r->ckpt_dir, sizeof r->ckpt_dir, "%s/checkpoints", res->run_dir);
        if (r->me == 0) {
            char path[4200];
            snprintf(path, sizeof path, "%s/scenario.yaml", res->run_dir);
            r->scenario_crc = s_file_crc(path);
        }
        if (r->me != 0)
            res->run_dir[0] = '\0'; /* rank 0's alone: the others write no run files */
    }
    return s_start_rounds(r, t0);
}

/* The run directory's first files (rank 0). */
static int s_open_outputs(s_run_t *r, uint64_t dropped_edges)
{
    const nn_scenario_t *sc = r->sc;
    nn_run_result_t *res = r->res;
    char err[1024] = "";
    int rc = nn_output_make_dir(r->opt->out_dir, sc->output_dir, sc->name, res->run_dir,
                                sizeof res->run_dir, err, sizeof err);
    if (rc != NN_OK) {
        res->run_dir[0] = '\0'; /* nothing was written */
        return s_fail(r, rc, "%s", err);
    }
    if ((rc = nn_output_write_scenario(res->run_dir, sc, err, sizeof err)) != NN_OK)
        return s_fail(r, rc, "%s", err);
    r->events = nn_output_open(res->run_dir, "events.jsonl", err, sizeof err);
    if (!r->events)
        return s_fail(r, NN_EIO, "%s", err);
    nn_output_event(r->events, "run_start",
                    json_pack("{s:s,s:I,s:I,s:I}", "name", sc->name, "seed", (json_int_t)sc->seed,
                              "agents", (json_int_t)sc->agents, "rounds", (json_int_t)sc->rounds));

    nn_output_event(r->events, "network",
                    json_pack("{s:s,s:I,s:f,s:I}", "model",
                              nn_network_model_name(sc->network.model), "edges",
                              (json_int_t)r->net->n_edges, "clustering", r->net->clustering,
                              "dropped_file_edges", (json_int_t)dropped_edges));
    if ((rc = nn_output_write_state(res->run_dir, "initial_state.csv", &r->soc, err, sizeof err)))
        return s_fail(r, rc, "%s", err);
    if ((rc = s_write_structure(r, err, sizeof err)) != NN_OK)
        return s_fail(r, rc, "%s", err);
    r->metrics = nn_output_open(res->run_dir, "metrics.csv", err, sizeof err);
    if (!r->metrics)
        return s_fail(r, NN_EIO, "%s", err);
    fputs("round,mean,sd,min,max,clusters,messages_sent,messages_delivered,messages_dropped,"
          "polarization,bimodality,messages_blocked,cooperation_rate,violations,sanctions,muted,"
          "excluded,cases_opened,cases_closed,cases_open,trend_share,violations_rate,"
          "violations_address,violations_aggression,violations_defection,"
          "violations_noncompliance,sanctions_warn,sanctions_reputation,sanctions_mute,"
          "sanctions_exclude,cases_agreed,cases_imposed,cases_tolerated,cases_escalated,"
          "verdicts_complied,verdicts_defied",
          r->metrics);
    for (size_t k = 0; r->llm && k < NN_SPEND_COUNTERS; k++)
        fprintf(r->metrics, ",llm_%s", nn_spend_counter_name(k));
    if (r->llm)
        fputs(",llm_latency_p50_s,llm_latency_p95_s,llm_latency_p99_s", r->metrics);
    fputc('\n', r->metrics);
    r->transcript = nn_output_open(res->run_dir, "transcript.jsonl", err, sizeof err);
    if (!r->transcript)
        return s_fail(r, NN_EIO, "%s", err);
    if (r->w)
        nn_output_event(r->events, "partition",
                        json_pack("{s:i,s:s,s:I,s:f,s:s}", "ranks", r->ranks, "method",
                                  nn_partition_method_name(r->partition.method), "cut",
                                  (json_int_t)r->partition.cut, "balance", r->partition.balance,
                                  "note", r->partition.note));
    return NN_OK;
}

/* Nodes, institutions and transport, then the rounds and the run's end. */
/* How many nodes a society with external populations has: the built-in nodes (the
 * scenario's `nodes`, or serve's --expect-nodes, never more than the built-in agents),
 * then each external population's `nodes` (never more than its agents). */
static size_t s_count_external_slots(s_run_t *r, size_t *builtin)
{
    const nn_scenario_t *sc = r->sc;
    uint64_t inside = 0;
    size_t n = 0;
    for (size_t p = 0; p < sc->n_populations; p++)
        if (!sc->populations[p].external)
            inside += r->soc.pop_count[p];
    size_t want = r->opt->bind && r->opt->expect_nodes ? r->opt->expect_nodes : sc->nodes;
    *builtin = inside < want ? (size_t)inside : want;
    n = *builtin;
    for (size_t p = 0; p < sc->n_populations; p++) {
        const nn_population_t *pp = &sc->populations[p];
        if (pp->external)
            n += r->soc.pop_count[p] < pp->ext_nodes ? (size_t)r->soc.pop_count[p] : pp->ext_nodes;
    }
    return n;
}

/* The nodes of a society with external populations: the built-in agents in ascending
 * slices over the first n_builtin nodes, then each external population's agents over its
 * own nodes; every node lists its agents, and host[] says whose each agent is. */
static int s_layout_external(s_run_t *r)
{
    const nn_scenario_t *sc = r->sc;
    uint32_t n = r->soc.n;
    r->host = malloc((n ? n : 1) * sizeof *r->host);
    r->slot_ids = malloc((n ? n : 1) * sizeof *r->slot_ids);
    if (!r->host || !r->slot_ids)
        return s_fail(r, NN_ENOMEM, "out of memory");
    size_t at = 0, k = 0;
    for (int pass = -1; pass < (int)sc->n_populations; pass++) {
        if (pass >= 0 && !sc->populations[pass].external)
            continue;
        size_t first = at;
        for (uint32_t i = 0; i < n; i++) {
            int p = r->soc.pop[i];
            if (pass < 0 ? !sc->populations[p].external : p == pass)
                r->slot_ids[at++] = i;
        }
        size_t count = at - first;
        size_t slots = pass < 0 ? r->n_builtin : sc->populations[pass].ext_nodes;
        if (slots > count)
            slots = count;
        for (size_t j = 0; j < slots; j++, k++) {
            s_node_t *nd = &r->nodes[k];
            size_t a = count * j / slots, b = count * (j + 1) / slots;
            nd->ext = pass;
            nd->ids = r->slot_ids + first + a;
            nd->count = b - a;
            nd->lo = nd->ids[0];
            nd->hi = nd->ids[nd->count - 1] + 1;
            for (size_t i = 0; i < nd->count; i++)
                r->host[nd->ids[i]] = (uint32_t)k;
            if (s_prepare_listed(r, nd) != NN_OK)
                return s_fail(r, NN_ENOMEM, "out of memory");
        }
    }
    return NN_OK;
}

/* The bounds a scenario sets on its nodes: how many, and how many agents each hosts. */
static int s_check_bounds(s_run_t *r)
{
    const nn_scenario_t *sc = r->sc;
    if (r->n_nodes > sc->max_nodes)
        return s_fail(r, NN_ESCENARIO,
                      "%s: this society has %zu nodes, more than limits.max_nodes (%" PRIu32
                      "): lower 'nodes' (or the external populations' nodes), or raise the limit",
                      sc->source, r->n_nodes, sc->max_nodes);
    for (size_t k = 0; k < r->n_nodes; k++)
        if (r->nodes[k].count > sc->max_agents_per_node) {
            const s_node_t *nd = &r->nodes[k];
            char what[96];
            if (nd->ext >= 0)
                snprintf(what, sizeof what, "populations[%d].nodes", nd->ext);
            else
                snprintf(what, sizeof what, "nodes");
            return s_fail(r, NN_ESCENARIO,
                          "%s: node %zu would host %zu agents, more than "
                          "limits.max_agents_per_node (%" PRIu64 "): raise '%s', or the limit",
                          sc->source, k, nd->count, sc->max_agents_per_node, what);
        }
    return NN_OK;
}

static int s_start_rounds(s_run_t *r, double t0)
{
    const nn_scenario_t *sc = r->sc;
    nn_run_result_t *res = r->res;
    char err[1024] = "";
    int rc;
    r->n_nodes = r->opt->bind && r->opt->expect_nodes ? r->opt->expect_nodes : sc->nodes;
    if (r->w && r->n_nodes > r->n_mine) /* per rank, and never a node without agents */
        r->n_nodes = r->n_mine;
    if (r->has_external) {
        if (r->w)
            return s_agree(r, s_fail(r, NN_ESCENARIO,
                                     "%s: external populations do not run under mpirun yet: run "
                                     "the society in one process",
                                     sc->source));
        if (!r->opt->bind && !sc->external_bind[0])
            return s_fail(r, NN_ESCENARIO,
                          "%s: the society has external populations but nowhere for their nodes "
                          "to join: add external: {bind: tcp://*:5556, wait_s: 60}",
                          sc->source);
        r->n_nodes = s_count_external_slots(r, &r->n_builtin);
    } else {
        r->n_builtin = r->n_nodes;
    }
    r->nodes = calloc(r->n_nodes ? r->n_nodes : 1, sizeof *r->nodes);
    if (!r->nodes)
        return s_fail(r, NN_ENOMEM, "out of memory");
    /* the CPUs this process may run on (a Slurm task's, a container's, an mpirun rank's
     * binding), not all the machine's */
    cpu_set_t set;
    long cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                            : sysconf(_SC_NPROCESSORS_ONLN);
    /* ranks of one host that are not bound to cores of their own share those CPUs */
    const char *local = r->w ? getenv("OMPI_COMM_WORLD_LOCAL_SIZE") : NULL;
    long on_host = local ? strtol(local, NULL, 10) : 1;
    if (on_host > 1)
        cpus /= on_host;
    size_t threads = cpus < 1 ? 1 : cpus > S_MAX_POOL ? S_MAX_POOL : (size_t)cpus;
    if ((rc = nn_pool_new(&r->pool, threads)) != NN_OK)
        return s_fail(r, rc, "cannot start the coordinator's %zu threads", threads);
    r->part = calloc(nn_pool_threads(r->pool), sizeof *r->part);
    if (sc->llm && !(r->llm_json = json_dumps(sc->llm, JSON_COMPACT | JSON_PRESERVE_ORDER)))
        return s_agree(r, s_fail(r, NN_ENOMEM, "out of memory"));
    if (!r->part || nn_router_init(&r->router, sc->agents, r->n_nodes, r->pool) != NN_OK ||
        nn_said_init(&r->said[0], sc->agents) != NN_OK ||
        nn_said_init(&r->said[1], sc->agents) != NN_OK ||
        (r->w && nn_router_set_ranks(&r->router, r->partition.part, (uint32_t)r->me,
                                     (uint32_t)r->ranks) != NN_OK))
        return s_agree(r, s_fail(r, NN_ENOMEM, "out of memory"));
    for (size_t k = 0; k < r->n_nodes; k++)
        r->nodes[k].ext = -1;
    if (r->has_external && (rc = s_layout_external(r)) != NN_OK)
        return rc;
    for (size_t k = 0; !r->has_external && k < r->n_nodes; k++) {
        s_node_t *nd = &r->nodes[k];
        if (r->w) { /* a slice of this rank's agents */
            size_t a = r->n_mine * k / r->n_nodes, b = r->n_mine * (k + 1) / r->n_nodes;
            nd->ids = r->mine + a;
            nd->count = b - a;
            nd->lo = nd->ids[0];
            nd->hi = nd->ids[nd->count - 1] + 1;
            /* a contiguous slice (block partitions give them) is hosted as a range: no
             * copies of its agents' arrays, and the nodes' fast path */
            if (nd->hi - nd->lo == nd->count)
                nd->ids = NULL;
            else if (s_prepare_listed(r, nd) != NN_OK)
                return s_agree(r, s_fail(r, NN_ENOMEM, "out of memory"));
        } else {
            nd->lo = (uint32_t)((uint64_t)sc->agents * k / r->n_nodes);
            nd->hi = (uint32_t)((uint64_t)sc->agents * (k + 1) / r->n_nodes);
            nd->count = nd->hi - nd->lo;
        }
    }
    if ((rc = s_agree(r, s_check_bounds(r))) != NN_OK)
        return rc;
    if (r->host)
        nn_router_set_hosts(&r->router, r->host);
    nn_router_set_max_per_sender(&r->router, sc->max_messages_per_agent);
    if ((rc = s_agree(r, s_recall_init(r))) != NN_OK)
        return s_fail(r, rc, "out of memory for the llm agents' memories");
    if ((rc = s_agree(r, s_start_institutions(r))) != NN_OK)
        return rc;
    if (r->resume_rd) {
        if ((rc = s_agree(r, s_resume_rest(r))) != NN_OK)
            return rc;
        /* the checkpoint resumed from counts as written: its bytes over the ranks */
        if (r->w && nn_ranks_sum_u64(r->w, &r->resume_bytes, 1) != NN_OK)
            s_fatal(r, NN_EMPI, "summing the checkpoint's size failed");
        res->checkpoint_bytes = r->resume_bytes;
        if (r->resume_bytes > res->checkpoint_bytes_max)
            res->checkpoint_bytes_max = r->resume_bytes;
        if ((rc = s_agree(r, r->me == 0 ? s_reopen_outputs(r) : NN_OK)) != NN_OK)
            return rc;
        if (r->w && nn_ranks_bcast(r->w, &res->resumes, sizeof res->resumes, 0) != NN_OK)
            s_fatal(r, NN_EMPI, "sharing the resume's count failed");
    }
    if ((rc = s_agree(r, s_open_transport(r))) != NN_OK)
        return rc;
    nn_codec_limits_t lim = NN_CODEC_LIMITS_INIT;
    lim.max_message_bytes = (size_t)sc->max_message_bytes;
    for (size_t k = 0; !r->local && k < r->n_nodes; k++)
        if (nn_codec_new(&r->nodes[k].codec, &lim) != NN_OK)
            rc = s_fail(r, NN_ENOMEM, "out of memory");
    const nn_faults_config_t *fc = &sc->faults;
    for (size_t j = 0; rc == NN_OK && j < fc->n_kills; j++) {
        /* a resumed run's kills that have happened stay as they were: its past */
        if (fc->kill[j].coordinator ? s_coordinator_kill_index(fc, j) < r->res->resumes
                                    : fc->kill[j].round < r->start_round)
            continue;
        if (fc->kill[j].coordinator && fc->kill[j].rank >= (uint32_t)(r->w ? r->ranks : 1))
            rc = s_fail(r, NN_ESCENARIO,
                        "faults: a kill of the coordinator on rank %u, but the run has %d rank(s)",
                        fc->kill[j].rank, r->w ? r->ranks : 1);
        else if (fc->kill[j].coordinator)
            continue;
        else if (r->threads || r->opt->bind || r->has_external)
            rc = s_fail(r, NN_ESCENARIO,
                        "faults: a kill needs node processes that nunchi run starts: transport "
                        "ipc or tcp (not inproc threads), not serve, no external populations");
        else if (fc->kill[j].rank >= (uint32_t)(r->w ? r->ranks : 1))
            rc = s_fail(r, NN_ESCENARIO,
                        "faults: a kill on rank %u, but the run has %d rank(s) (faults[].rank "
                        "counts from 0)",
                        fc->kill[j].rank, r->w ? r->ranks : 1);
        else if (fc->kill[j].node >= r->n_nodes)
            rc = s_fail(r, NN_ESCENARIO, "faults: a kill of node %u, but a rank has %zu nodes",
                        fc->kill[j].node, r->n_nodes);
    }
    if (rc == NN_OK)
        rc = s_start_nodes(r);
    if (rc == NN_OK)
        rc = s_join(r);
    if ((rc = s_agree(r, rc)) != NN_OK)
        return rc;
    r->total_nodes = r->n_nodes;
    if (r->w && nn_ranks_sum_u64(r->w, &r->total_nodes, 1) != NN_OK)
        s_fatal(r, NN_EMPI, "counting the nodes failed");
    res->nodes = (uint32_t)r->total_nodes;
    res->method = r->partition.method;
    res->setup_s = nn_now() - t0;

    double t1 = nn_now(), last_progress = 0;
    if (!r->round_s) { /* a resume has the rounds' times before its checkpoint */
        r->round_s = malloc((sc->rounds ? sc->rounds : 1) * sizeof *r->round_s);
        r->n_round_s = 0;
    }
    const uint64_t every = sc->faults.checkpoint_every;
    for (r->round = r->start_round ? r->start_round : 1; r->round <= sc->rounds; r->round++) {
        double tr = nn_now();
        if (fc->n_kills)
            s_kill_coordinator(r);
        if ((rc = s_round(r)) != NN_OK)
            return rc;
        if (r->round_s)
            r->round_s[r->n_round_s++] = nn_now() - tr;
        res->sent += r->round_sent;
        res->delivered += r->round_delivered;
        for (int d = 0; d < NN_DROP_RULES; d++)
            res->dropped[d] += r->round_dropped[d];
        s_metrics_row(r, r->round_sent, r->round_delivered);
        s_note_refusals(r);
        if (every && r->round % every == 0 && r->round < sc->rounds)
            s_checkpoint(r);
        if (r->opt->progress && nn_now() - last_progress > 0.2) {
            s_progress(r, t1, res->delivered, 0);
            last_progress = nn_now();
        }
    }
    r->round = sc->rounds;
    res->rounds_s = nn_now() - t1;
    res->rss_rounds = s_resident_bytes();
    if (r->opt->progress)
        s_progress(r, t1, res->delivered, 1);
    res->in_flight = r->router.routed;
    res->delayed_in_flight = r->n_held;
    s_result_institutions(r);

    res->digest = s_digest(r);
    nn_digest_format(res->digest, res->digest_hex);
    if (sc->rounds > 0) {
        uint64_t nodes_digest = 0;
        for (size_t k = 0; k < r->n_nodes; k++) {
            const s_node_t *nd = &r->nodes[k];
            if (!nd->dropped) {
                nodes_digest += nd->digest;
                continue;
            }
            for (size_t j = 0; j < nd->count; j++) { /* absent: as the coordinator holds them */
                uint32_t id = nd->ids ? nd->ids[j] : nd->lo + (uint32_t)j;
                nodes_digest += nn_digest_agent_full(id, r->soc.x[id],
                                                     r->agent_trends ? r->agent_trends[id] : 0,
                                                     r->agent_memory ? r->agent_memory[id] : 0);
            }
        }
        if (nodes_digest != res->digest) {
            char hex[17];
            nn_digest_format(nodes_digest, hex);
            rc = s_fail(r, NN_EPROTO,
                        "the nodes' digests add up to %s but their reported states to %s", hex,
                        res->digest_hex);
        }
    }
    if (r->w) {
        /* this rank's share of the digest and of the counts, summed over ranks; the final
         * opinions gathered for final_state.csv and the report */
        if ((rc = s_agree(r, rc)) != NN_OK)
            return rc;
        struct rusage self;
        getrusage(RUSAGE_SELF, &self);
        uint64_t peak = (uint64_t)self.ru_maxrss * 1024;
        if (r->me == 0 && !(r->rank_rss = calloc((size_t)r->ranks, sizeof *r->rank_rss)))
            s_fatal(r, NN_ENOMEM, "gathering the ranks' memory failed");
        if (nn_ranks_gather(r->w, &peak, sizeof peak, r->rank_rss, 0) != NN_OK)
            s_fatal(r, NN_EMPI, "gathering the ranks' memory failed");
        uint64_t v[] = {res->digest,        res->in_flight,          res->rejected,
                        res->foreign_acts,  res->exchanged,          res->exchanged_bytes,
                        res->foreign_texts, res->byzantine_messages, res->byzantine_acts,
                        res->delayed,       res->duplicated,         res->delayed_in_flight,
                        res->restarts,      res->dropped_nodes,      res->absent_agents};
        if (nn_ranks_sum_u64(r->w, v, sizeof v / sizeof v[0]) != NN_OK ||
            s_share_states(r, 0) != NN_OK)
            s_fatal(r, NN_EMPI, "gathering the run's results failed");
        res->digest = v[0];
        res->in_flight = v[1];
        res->rejected = v[2];
        res->foreign_acts = v[3];
        res->exchanged = v[4];
        res->exchanged_bytes = v[5];
        res->foreign_texts = v[6];
        res->byzantine_messages = v[7];
        res->byzantine_acts = v[8];
        res->delayed = v[9];
        res->duplicated = v[10];
        res->delayed_in_flight = v[11];
        res->restarts = v[12];
        res->dropped_nodes = v[13];
        res->absent_agents = v[14];
        nn_digest_format(res->digest, res->digest_hex);
        if (r->me != 0)
            return NN_OK;
    } else if (rc != NN_OK) {
        return rc;
    }
    if ((rc = nn_output_write_state(res->run_dir, "final_state.csv", &r->soc, err, sizeof err)))
        return s_fail(r, rc, "%s", err);
    return NN_OK;
}

int nn_coord_run(const nn_scenario_t *sc, const nn_run_options_t *opt, nn_run_result_t *res)
{
    double t0 = nn_now();
    memset(res, 0, sizeof *res);
    s_run_t r;
    memset(&r, 0, sizeof r);
    r.sc = sc;
    r.llm = sc->llm != NULL;
    r.opt = opt;
    r.res = res;
    for (size_t p = 0; p < sc->n_populations; p++)
        r.has_external |= sc->populations[p].external;
    r.threads = !opt->bind && sc->transport == NN_TRANSPORT_INPROC;
    /* with external populations every peer speaks protobuf, the threads too */
    r.local = r.threads && !r.has_external;
    r.liveness_s = sc->liveness_s > 0 ? sc->liveness_s : 2.0 * sc->deadline_s + 10.0;
    r.ranks = 1;
    if (opt->mpi && nn_ranks_size(opt->mpi) > 1) {
        r.w = opt->mpi;
        r.me = nn_ranks_rank(opt->mpi);
        r.ranks = nn_ranks_size(opt->mpi);
    }
    res->ranks = (uint32_t)r.ranks;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* the session id lets a node take its place back (a resume): not to be guessed */
    uint64_t noise = 0;
    if (getrandom(&noise, sizeof noise, 0) != (ssize_t)sizeof noise)
        noise = 0;
    r.session = nn_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                         ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)&r) ^
                noise;
    if (!r.session)
        r.session = 1; /* 0 means "a new join" in a Hello */
    /* a node process that dies must not kill us through a write on its socket */
    signal(SIGPIPE, SIG_IGN);

    int rc = s_run(&r, t0);
    s_stop_nodes(&r);
    res->wall_s = nn_now() - t0;
    if (res->run_dir[0]) {
        char err[512];
        if (r.metrics)
            fclose(r.metrics);
        r.metrics = NULL;
        if (rc != NN_OK && r.events)
            nn_output_event(
                r.events, "error",
                json_pack("{s:I,s:s}", "round", (json_int_t)r.round, "message", res->error));
        if (r.events) {
            nn_output_event(
                r.events, "run_end",
                json_pack("{s:s,s:s}", "status", s_status(rc), "digest", res->digest_hex));
            fclose(r.events);
            r.events = NULL;
        }
        int wrc =
            nn_output_write_json(res->run_dir, "summary.json", s_summary(&r, rc), err, sizeof err);
        if (rc == NN_OK && wrc != NN_OK)
            rc = s_fail(&r, wrc, "%s", err);
        wrc = s_report(&r, rc, err, sizeof err);
        if (rc == NN_OK && wrc != NN_OK)
            rc = s_fail(&r, wrc, "%s", err);
    }
    s_free(&r);
    return rc;
}
