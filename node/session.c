/* A node's life on one DEALER socket: Hello, then Welcome or Reject, then one Actions
 * for every Tick until Bye. The same loop serves nunchi-node processes (protobuf) and
 * the coordinator's inproc node threads (pointers); see node/link.h. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nunchi/error.h"
#include "nunchi/node.h"
#include "node/link.h"

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
    nn_wire_t hello, answer, in;
    memset(&hello, 0, sizeof hello);
    memset(&answer, 0, sizeof answer);
    hello.kind = NN_WIRE_HELLO;
    snprintf(hello.u.hello.implementation, sizeof hello.u.hello.implementation, "%s",
             cfg->implementation);
    snprintf(hello.u.hello.language, sizeof hello.u.hello.language, "c");
    size_t nb = nn_behaviour_count();
    for (size_t i = 0; i < nb && i < NN_MAX_BEHAVIOURS; i++)
        snprintf(hello.u.hello.behaviours[i], NN_NAME_MAX, "%s", nn_behaviour_at(i)->name);
    hello.u.hello.n_behaviours = nb < NN_MAX_BEHAVIOURS ? nb : NN_MAX_BEHAVIOURS;
    hello.u.hello.pid = (uint32_t)getpid();

    int rc = nn_link_send(&link, NULL, &hello, err, errlen);
    if (rc != NN_OK)
        goto done;
    rc = nn_link_recv(&link, (int)(cfg->hello_timeout_s * 1000.0), NULL, &in, err, errlen);
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
    if (in.kind != NN_WIRE_WELCOME) {
        snprintf(err, errlen, "expected a welcome, got message kind %d", (int)in.kind);
        rc = NN_EPROTO;
        goto done;
    }
    const uint32_t node_id = in.u.welcome.node;
    const double liveness_s = in.u.welcome.liveness_s > 0 ? in.u.welcome.liveness_s : 60.0;
    rc = nn_node_new(&node, &in.u.welcome, err, errlen);
    if (rc != NN_OK) {
        s_send_error(&link, cfg, 0, node_id, rc, err);
        goto done;
    }
    if (cfg->verbose)
        fprintf(stderr, "nunchi-node: node %u hosts %zu agents\n", node_id,
                nn_node_agent_count(node));

    answer.node = node_id;
    for (;;) {
        rc = nn_link_recv(&link, (int)(liveness_s * 1000.0), NULL, &in, err, errlen);
        if (rc == NN_ETIMEOUT) {
            snprintf(err, errlen, "node %u heard nothing from the coordinator for %g s", node_id,
                     liveness_s);
            goto done;
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
        switch (in.kind) {
        case NN_WIRE_TICK:
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
            break;
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
