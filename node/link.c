/* Links: one socket, messages by pointer (local) or by codec (remote); see link.h. */
#include "node/link.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "nunchi/error.h"

double nn_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void nn_link_tune_allocator(void)
{
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

int nn_link_init(nn_link_t *l, void *sock, int local, int router, const nn_codec_limits_t *lim)
{
    memset(l, 0, sizeof *l);
    l->sock = sock;
    l->local = local;
    l->router = router;
    if (!local && nn_codec_new(&l->codec, lim) != NN_OK)
        return NN_ENOMEM;
    return NN_OK;
}

void nn_link_release(nn_link_t *l)
{
    nn_codec_destroy(&l->codec);
    memset(l, 0, sizeof *l);
}

static int s_zmq_error(const char *what, char *err, size_t errlen)
{
    int e = zmq_errno();
    if (err && e == EAGAIN)
        snprintf(err, errlen, "%s: the peer does not read (its queue is full)", what);
    else if (err)
        snprintf(err, errlen, "%s: %s", what, zmq_strerror(e));
    /* a router's peer whose connection has closed, or that does not read */
    return e == EHOSTUNREACH || e == EAGAIN ? NN_EPEER : NN_EZMQ;
}

static int s_send_frame(nn_link_t *l, const nn_peer_id_t *to, const void *data, size_t len,
                        char *err, size_t errlen);

int nn_link_send(nn_link_t *l, const nn_peer_id_t *to, const nn_wire_t *msg, char *err,
                 size_t errlen)
{
    if (l->local)
        return s_send_frame(l, to, &msg, sizeof msg, err, errlen);
    const void *data;
    size_t len;
    int rc = nn_codec_encode(l->codec, msg, &data, &len);
    if (rc != NN_OK) {
        if (err)
            snprintf(err, errlen, "cannot encode message: %s", nn_codec_error(l->codec));
        return rc;
    }
    return s_send_frame(l, to, data, len, err, errlen);
}

int nn_link_send_bytes(nn_link_t *l, const nn_peer_id_t *to, const void *data, size_t len,
                       char *err, size_t errlen)
{
    if (l->local)
        return NN_EINVAL;
    return s_send_frame(l, to, data, len, err, errlen);
}

static int s_send_frame(nn_link_t *l, const nn_peer_id_t *to, const void *data, size_t len,
                        char *err, size_t errlen)
{
    if (l->router) {
        /* never wait on one peer: a peer that floods the coordinator without reading its
         * answers, or a node that is stopped, fills its queue, and the round must go on */
        if (!to)
            return NN_EINVAL;
        while (zmq_send(l->sock, to->id, to->len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            if (zmq_errno() != EINTR)
                return s_zmq_error("send", err, errlen);
    }
    while (zmq_send(l->sock, data, len, 0) < 0)
        if (zmq_errno() != EINTR)
            return s_zmq_error("send", err, errlen);
    l->bytes_out += len;
    return NN_OK;
}

int nn_link_monitor_event(void *mon, uint16_t *event, uint32_t *value, char *endpoint, size_t len)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return 0;
    }
    *event = 0;
    *value = 0;
    if (zmq_msg_size(&m) >= 6) { /* 16-bit event, 32-bit value */
        memcpy(event, zmq_msg_data(&m), 2);
        memcpy(value, (const char *)zmq_msg_data(&m) + 2, 4);
    }
    int more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    if (endpoint && len)
        endpoint[0] = '\0';
    while (more) { /* the endpoint */
        zmq_msg_init(&m);
        more = zmq_msg_recv(&m, mon, 0) >= 0 && zmq_msg_more(&m);
        if (endpoint && len && !endpoint[0])
            snprintf(endpoint, len, "%.*s", (int)zmq_msg_size(&m), (const char *)zmq_msg_data(&m));
        zmq_msg_close(&m);
    }
    return 1;
}

/* Receives the rest of a multipart message and throws it away. */
static void s_drain(void *sock)
{
    int more = 1;
    size_t sz = sizeof more;
    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            return;
        }
        zmq_msg_close(&m);
    }
}

int nn_link_recv(nn_link_t *l, int timeout_ms, nn_peer_id_t *from, nn_wire_t *out, char *err,
                 size_t errlen)
{
    out->kind = NN_WIRE_NONE;
    zmq_pollitem_t item = {l->sock, 0, ZMQ_POLLIN, 0};
    double deadline = timeout_ms < 0 ? 0 : nn_now() + timeout_ms / 1000.0;
    for (;;) {
        int wait = timeout_ms;
        if (timeout_ms >= 0) {
            double left = deadline - nn_now();
            wait = left <= 0 ? 0 : (int)(left * 1000.0) + 1;
        }
        int rc = zmq_poll(&item, 1, wait);
        if (rc < 0) {
            if (zmq_errno() == EINTR)
                continue;
            return s_zmq_error("poll", err, errlen);
        }
        if (rc == 0)
            return NN_ETIMEOUT;
        break;
    }
    zmq_msg_t m;
    if (l->router) {
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, l->sock, 0) < 0) {
            zmq_msg_close(&m);
            return s_zmq_error("recv", err, errlen);
        }
        size_t n = zmq_msg_size(&m);
        if (from) {
            from->len = n < NN_PEER_ID_MAX ? n : NN_PEER_ID_MAX;
            memcpy(from->id, zmq_msg_data(&m), from->len);
        }
        int more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        if (!more) {
            if (err)
                snprintf(err, errlen, "message without a body");
            return NN_EPROTO;
        }
    }
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, l->sock, 0) < 0) {
        zmq_msg_close(&m);
        return s_zmq_error("recv", err, errlen);
    }
    int rc = NN_OK;
    size_t len = zmq_msg_size(&m);
    l->bytes_in += len;
    if (from) {
        const char *user = l->router ? zmq_msg_gets(&m, "User-Id") : NULL;
        snprintf(from->user, sizeof from->user, "%s", user ? user : "");
    }
    if (zmq_msg_more(&m)) {
        s_drain(l->sock);
        if (err)
            snprintf(err, errlen, "a message must be one frame");
        rc = NN_EPROTO;
    } else if (l->local) {
        const nn_wire_t *p = NULL;
        if (len != sizeof p) {
            if (err)
                snprintf(err, errlen, "local message of %zu bytes", len);
            rc = NN_EPROTO;
        } else {
            memcpy(&p, zmq_msg_data(&m), sizeof p);
            *out = *p;
        }
    } else {
        rc = nn_codec_decode(l->codec, zmq_msg_data(&m), len, out, err, errlen);
    }
    zmq_msg_close(&m);
    return rc;
}
