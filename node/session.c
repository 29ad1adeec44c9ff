/* A node's life on one DEALER socket: Hello, then Welcome or Reject, then one Actions
 * for every Tick until Bye, with heartbeats while idle and a resume when the coordinator
 * falls silent. The same loop serves nunchi-node processes (protobuf) and the
 * coordinator's inproc node threads (pointers); see node/link.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "nunchi/error.h"
#include "nunchi/node.h"
#include "node/link.h"

#define S_DEFAULT_LIVENESS_S  60.0
#define S_DEFAULT_HEARTBEAT_S 1.0
#define S_RESUME_BEATS        3 /* silent heartbeat intervals before asking to resume */

/* Tells the coordinator why this node stops. A local peer reads the struct after the
 * session has returned, so it goes into the caller's error_slot when there is one. */
static int s_send_error(nn_link_t *l, const nn_session_config_t *cfg, uint64_t round, uint32_t node,
                        int code, const char *msg)
{
    nn_wire_t stack;
    nn_wire_t *w = cfg->error_slot ? cfg->error_slot : &stack;
    memset(w, 0, sizeof *w);
    w->kind = NN_WIRE_ERROR;
    w->round = round;
    w->node = node;
    w->u.error.code = (uint32_t)code;
    snprintf(w->u.error.message, sizeof w->u.error.message, "%s", msg);
    return nn_link_send(l, NULL, w, NULL, 0);
}

static void s_make_hello(const nn_session_config_t *cfg, nn_wire_t *hello)
{
    memset(hello, 0, sizeof *hello);
    hello->kind = NN_WIRE_HELLO;
    nn_hello_t *h = &hello->u.hello;
    snprintf(h->implementation, sizeof h->implementation, "%s", cfg->implementation);
    snprintf(h->language, sizeof h->language, "c");
    size_t nb = cfg->builtin ? nn_behaviour_count() : 0;
    for (size_t i = 0; i < nb && i < NN_MAX_BEHAVIOURS; i++)
        snprintf(h->behaviours[i], NN_NAME_MAX, "%s", nn_behaviour_at(i)->name);
    h->n_behaviours = nb < NN_MAX_BEHAVIOURS ? nb : NN_MAX_BEHAVIOURS;
    for (size_t i = 0; i < cfg->n_claims && i < NN_MAX_POPULATIONS; i++)
        snprintf(h->claims[i], NN_NAME_MAX, "%s", cfg->claims[i].population);
    h->n_claims = cfg->n_claims < NN_MAX_POPULATIONS ? cfg->n_claims : NN_MAX_POPULATIONS;
    h->max_agents = cfg->max_agents;
    h->pid = (uint32_t)getpid();
}

/* A handshake failure from the socket monitor, as the refusal it is; 0 when mon had none. */
static int s_handshake_failed(void *mon, char *err, size_t errlen)
{
    uint16_t event;
    uint32_t value;
    if (!nn_link_monitor_event(mon, &event, &value, NULL, 0))
        return 0;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        snprintf(err, errlen,
                 "the coordinator refused this node (authentication): its CURVE key is not "
                 "among the coordinator's authorized keys (ZAP status %u)",
                 (unsigned)value);
    else
        snprintf(err, errlen,
                 "the coordinator refused this node (authentication): the security handshake "
                 "failed (%s %#x): a plaintext node and a CURVE coordinator, or the reverse, or "
                 "the wrong server key",
                 event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "protocol error" : "no detail",
                 (unsigned)value);
    return 1;
}

/* Waits for the coordinator's answer to Hello, watching the monitor (when there is one)
 * for a handshake that failed. As nn_link_recv; NN_EPEER for a failed handshake. */
static int s_await_welcome(nn_link_t *link, void *dealer, const nn_session_config_t *cfg,
                           nn_wire_t *in, char *err, size_t errlen)
{
    if (!cfg->monitor)
        return nn_link_recv(link, (int)(cfg->hello_timeout_s * 1000.0), NULL, in, err, errlen);
    double until = nn_now() + cfg->hello_timeout_s;
    for (;;) {
        double left = until - nn_now();
        if (left <= 0)
            return NN_ETIMEOUT;
        zmq_pollitem_t items[2] = {{dealer, 0, ZMQ_POLLIN, 0}, {cfg->monitor, 0, ZMQ_POLLIN, 0}};
        int n = zmq_poll(items, 2, (long)(left * 1000.0) + 1);
        if (n < 0 && zmq_errno() != EINTR) {
            snprintf(err, errlen, "poll: %s", zmq_strerror(zmq_errno()));
            return NN_EZMQ;
        }
        if (n > 0 && (items[1].revents & ZMQ_POLLIN) &&
            s_handshake_failed(cfg->monitor, err, errlen))
            return NN_EPEER;
        if (n > 0 && (items[0].revents & ZMQ_POLLIN))
            return nn_link_recv(link, 0, NULL, in, err, errlen);
    }
}

int nn_node_session(void *dealer, const nn_session_config_t *cfg, char *err, size_t errlen)
{
    nn_codec_limits_t lim = NN_CODEC_LIMITS_INIT;
    lim.max_message_bytes = cfg->max_message_bytes;
    nn_link_t link;
    if (nn_link_init(&link, dealer, cfg->local, 0, &lim) != NN_OK) {
        snprintf(err, errlen, "out of memory");
        return NN_ENOMEM;
    }
    nn_node_t *node = NULL;
    nn_wire_t hello, answer, beat, in;
    memset(&answer, 0, sizeof answer);
    s_make_hello(cfg, &hello);

    int rc = nn_link_send(&link, NULL, &hello, err, errlen);
    if (rc != NN_OK)
        goto done;
    rc = s_await_welcome(&link, dealer, cfg, &in, err, errlen);
    if (rc == NN_ETIMEOUT) {
        snprintf(err, errlen, "no coordinator answered within %g s", cfg->hello_timeout_s);
        goto done;
    }
    if (rc != NN_OK)
        goto done;
    if (in.kind == NN_WIRE_REJECT) {
        snprintf(err, errlen, "the coordinator refused this node (%s): %s", in.u.reject.reason,
                 in.u.reject.detail);
        rc = NN_EPEER;
        goto done;
    }
    if (in.kind != NN_WIRE_WELCOME || in.u.welcome.resumed) {
        snprintf(err, errlen, "expected a welcome, got message kind %d", (int)in.kind);
        rc = NN_EPROTO;
        goto done;
    }
    const uint32_t node_id = in.u.welcome.node;
    const uint64_t session = in.u.welcome.session;
    const double liveness_s =
        in.u.welcome.liveness_s > 0 ? in.u.welcome.liveness_s : S_DEFAULT_LIVENESS_S;
    const double beat_s =
        in.u.welcome.heartbeat_s > 0 ? in.u.welcome.heartbeat_s : S_DEFAULT_HEARTBEAT_S;
    /* a coordinator that gives no heartbeat interval sends none and expects none: silence
     * then says nothing, and only the liveness ends the session */
    const int in_beats = in.u.welcome.heartbeat_s > 0;
    const int resumable = !cfg->local && !cfg->in_process && in_beats && session != 0;
    rc = nn_node_new_claimed(&node, &in.u.welcome, cfg->claims, cfg->n_claims, err, errlen);
    if (rc != NN_OK) {
        s_send_error(&link, cfg, 0, node_id, rc, err);
        goto done;
    }
    if (cfg->verbose)
        fprintf(stderr, "%s: node %u hosts %zu agents\n", cfg->implementation, node_id,
                nn_node_agent_count(node));

    memset(&beat, 0, sizeof beat);
    beat.kind = NN_WIRE_HEARTBEAT;
    beat.node = node_id;
    answer.node = node_id;
    uint64_t answered = 0; /* the last round answered (0: none) */
    double heard = nn_now(), sent = heard, asked = 0;
    for (;;) {
        /* local threads neither beat nor resume: they share the coordinator's process */
        int wait_ms = cfg->local ? (int)(liveness_s * 1000.0) : (int)(beat_s * 1000.0 / 2) + 1;
        rc = nn_link_recv(&link, wait_ms, NULL, &in, err, errlen);
        double now = nn_now();
        if (rc == NN_ETIMEOUT) {
            if (now - heard >= liveness_s) {
                snprintf(err, errlen, "node %u heard nothing from the coordinator for %g s",
                         node_id, liveness_s);
                goto done;
            }
            if (!cfg->local && !cfg->in_process && in_beats && now - sent >= beat_s) {
                beat.round = answered;
                if ((rc = nn_link_send(&link, NULL, &beat, err, errlen)) != NN_OK)
                    goto done;
                sent = now;
            }
            if (resumable && now - heard >= S_RESUME_BEATS * beat_s &&
                now - asked >= S_RESUME_BEATS * beat_s) {
                /* the connection may have broken and been remade by ZeroMQ: ask for our
                 * session on it */
                hello.node = node_id;
                hello.u.hello.session = session;
                if ((rc = nn_link_send(&link, NULL, &hello, err, errlen)) != NN_OK)
                    goto done;
                asked = sent = now;
                if (cfg->verbose)
                    fprintf(stderr, "nunchi-node: node %u asks to resume session %llx\n", node_id,
                            (unsigned long long)session);
            }
            continue;
        }
        if (rc == NN_EPROTO || rc == NN_ETOOBIG) {
            char why[NN_TEXT_MAX];
            snprintf(why, sizeof why, "node %u refused a message: %s", node_id, err);
            s_send_error(&link, cfg, 0, node_id, rc, why);
            snprintf(err, errlen, "%s", why);
            goto done;
        }
        if (rc != NN_OK)
            goto done;
        heard = now;
        switch (in.kind) {
        case NN_WIRE_TICK:
            if (answered && in.round == answered) {
                /* a repeated tick (after a resume): the same answer again, not a second
                 * step */
                if ((rc = nn_link_send(&link, NULL, &answer, err, errlen)) != NN_OK)
                    goto done;
                sent = now;
                break;
            }
            if (in.round < answered)
                break; /* older than the last answer: long answered, nothing to do */
            rc = nn_node_step(node, in.round, &in.u.tick, &answer.u.actions, err, errlen);
            if (rc != NN_OK) {
                s_send_error(&link, cfg, in.round, node_id, rc, err);
                goto done;
            }
            answer.kind = NN_WIRE_ACTIONS;
            answer.round = in.round;
            rc = nn_link_send(&link, NULL, &answer, err, errlen);
            if (rc != NN_OK)
                goto done;
            answered = in.round;
            sent = nn_now();
            break;
        case NN_WIRE_WELCOME:
            if (!in.u.welcome.resumed || in.u.welcome.node != node_id) {
                snprintf(err, errlen, "node %u got a second welcome (for node %u)", node_id,
                         in.u.welcome.node);
                s_send_error(&link, cfg, in.round, node_id, NN_EPROTO, err);
                rc = NN_EPROTO;
                goto done;
            }
            asked = 0;
            if (cfg->verbose)
                fprintf(stderr, "nunchi-node: node %u resumed in round %llu\n", node_id,
                        (unsigned long long)in.u.welcome.round);
            break;
        case NN_WIRE_REJECT:
            snprintf(err, errlen, "the coordinator refused to resume node %u (%s): %s", node_id,
                     in.u.reject.reason, in.u.reject.detail);
            rc = NN_EPEER;
            goto done;
        case NN_WIRE_HEARTBEAT: break;
        case NN_WIRE_BYE: rc = NN_OK; goto done;
        case NN_WIRE_ERROR:
            snprintf(err, errlen, "the coordinator reported: %s", in.u.error.message);
            rc = NN_EPEER;
            goto done;
        default:
            snprintf(err, errlen, "unexpected message kind %d in round %llu", (int)in.kind,
                     (unsigned long long)in.round);
            s_send_error(&link, cfg, in.round, node_id, NN_EPROTO, err);
            rc = NN_EPROTO;
            goto done;
        }
    }
done:
    nn_node_destroy(&node);
    nn_link_release(&link);
    return rc;
}
