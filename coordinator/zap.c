/* The ZAP handler; see zap.h. */
#include "zap.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "nunchi/error.h"

#define S_KEPT 64 /* refusals kept until taken; more are counted only */

struct nn_zap {
    void *sock;
    pthread_t thread;
    int running;
    atomic_int stop;
    uint8_t (*keys)[32]; /* authorized public keys, binary */
    size_t n_keys, n_dir;
    pthread_mutex_t mu;
    uint64_t refused;
    nn_zap_refusal_t kept[S_KEPT];
    size_t n_kept;
};

static int s_add_key(nn_zap_t *z, const char *z85)
{
    uint8_t(*k)[32] = realloc(z->keys, (z->n_keys + 1) * sizeof *k);
    if (!k)
        return NN_ENOMEM;
    z->keys = k;
    if (!zmq_z85_decode(z->keys[z->n_keys], z85))
        return NN_ESCENARIO;
    z->n_keys++;
    return NN_OK;
}

static int s_load_dir(nn_zap_t *z, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read the authorized keys directory '%s'", dir);
        return NN_EIO;
    }
    int rc = NN_OK;
    struct dirent *e;
    while (rc == NN_OK && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".key") != 0)
            continue;
        char path[4096], pub[NN_KEY_Z85_LEN + 1];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if ((rc = nn_keys_load(path, pub, NULL, err, errlen)) == NN_OK)
            rc = s_add_key(z, pub);
    }
    closedir(d);
    z->n_dir = z->n_keys;
    return rc;
}

static int s_known(const nn_zap_t *z, const uint8_t *key, size_t len)
{
    if (len != 32)
        return 0;
    for (size_t i = 0; i < z->n_keys; i++)
        if (memcmp(z->keys[i], key, 32) == 0)
            return 1;
    return 0;
}

/* One request (RFC 27: version, request id, domain, address, identity, mechanism, then
 * the mechanism's credentials) and its answer. */
static void s_answer(nn_zap_t *z)
{
    zmq_msg_t part[8];
    int n = 0, more = 1;
    while (more && n < 8) {
        zmq_msg_init(&part[n]);
        if (zmq_msg_recv(&part[n], z->sock, 0) < 0) {
            zmq_msg_close(&part[n]);
            break;
        }
        more = zmq_msg_more(&part[n]);
        n++;
    }
    while (more) { /* more frames than RFC 27 has: drop them */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        if (zmq_msg_recv(&extra, z->sock, 0) < 0) {
            zmq_msg_close(&extra);
            break;
        }
        more = zmq_msg_more(&extra);
        zmq_msg_close(&extra);
    }
    int ok = 0;
    if (n >= 7 && zmq_msg_size(&part[5]) == 5 && memcmp(zmq_msg_data(&part[5]), "CURVE", 5) == 0)
        ok = s_known(z, zmq_msg_data(&part[6]), zmq_msg_size(&part[6]));
    if (!ok) {
        pthread_mutex_lock(&z->mu);
        z->refused++;
        if (z->n_kept < S_KEPT) {
            nn_zap_refusal_t *r = &z->kept[z->n_kept++];
            memset(r, 0, sizeof *r);
            if (n >= 4) {
                size_t len = zmq_msg_size(&part[3]);
                len = len < sizeof r->address - 1 ? len : sizeof r->address - 1;
                memcpy(r->address, zmq_msg_data(&part[3]), len);
            }
            if (n >= 7 && zmq_msg_size(&part[6]) == 32)
                zmq_z85_encode(r->key, zmq_msg_data(&part[6]), 32);
        }
        pthread_mutex_unlock(&z->mu);
    }
    if (n >= 2) {
        const char *status = ok ? "200" : "400";
        const char *text = ok ? "OK" : "this key is not among the authorized keys";
        zmq_send(z->sock, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(z->sock, zmq_msg_data(&part[1]), zmq_msg_size(&part[1]), ZMQ_SNDMORE);
        zmq_send(z->sock, status, 3, ZMQ_SNDMORE);
        zmq_send(z->sock, text, strlen(text), ZMQ_SNDMORE);
        /* the user id is the key: the coordinator ties a node's session to it */
        char user[41] = "";
        if (ok)
            zmq_z85_encode(user, zmq_msg_data(&part[6]), 32);
        zmq_send(z->sock, user, strlen(user), ZMQ_SNDMORE);
        zmq_send(z->sock, "", 0, 0);
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close(&part[i]);
}

static void *s_thread(void *arg)
{
    nn_zap_t *z = arg;
    while (!z->stop) {
        zmq_pollitem_t it = {z->sock, 0, ZMQ_POLLIN, 0};
        int r = zmq_poll(&it, 1, 100);
        if (r < 0)
            break; /* the context is ending */
        if (r > 0 && (it.revents & ZMQ_POLLIN))
            s_answer(z);
    }
    return NULL;
}

int nn_zap_start(nn_zap_t **out, void *ctx, const char *dir, const char *extra, char *err,
                 size_t errlen)
{
    *out = NULL;
    nn_zap_t *z = calloc(1, sizeof *z);
    if (!z)
        return NN_ENOMEM;
    pthread_mutex_init(&z->mu, NULL);
    int rc = s_load_dir(z, dir, err, errlen);
    if (rc == NN_OK && extra && (rc = s_add_key(z, extra)) != NN_OK)
        snprintf(err, errlen, "the node processes' key is not Z85");
    if (rc == NN_OK) {
        int linger = 0;
        z->sock = zmq_socket(ctx, ZMQ_REP);
        if (!z->sock || zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
            zmq_bind(z->sock, "inproc://zeromq.zap.01") != 0) {
            snprintf(err, errlen, "cannot start the authentication handler: %s",
                     zmq_strerror(zmq_errno()));
            rc = NN_EZMQ;
        }
    }
    if (rc == NN_OK && pthread_create(&z->thread, NULL, s_thread, z) != 0) {
        snprintf(err, errlen, "cannot start the authentication handler's thread");
        rc = NN_ESYS;
    }
    if (rc != NN_OK) {
        nn_zap_stop(&z);
        return rc;
    }
    z->running = 1;
    *out = z;
    return NN_OK;
}

size_t nn_zap_keys(const nn_zap_t *z)
{
    return z ? z->n_dir : 0;
}

uint64_t nn_zap_refused(const nn_zap_t *z)
{
    if (!z)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&z->mu);
    uint64_t n = z->refused;
    pthread_mutex_unlock((pthread_mutex_t *)&z->mu);
    return n;
}

size_t nn_zap_take(nn_zap_t *z, nn_zap_refusal_t *out, size_t max)
{
    if (!z)
        return 0;
    pthread_mutex_lock(&z->mu);
    size_t n = z->n_kept < max ? z->n_kept : max;
    memcpy(out, z->kept, n * sizeof *out);
    memmove(z->kept, z->kept + n, (z->n_kept - n) * sizeof *z->kept);
    z->n_kept -= n;
    pthread_mutex_unlock(&z->mu);
    return n;
}

void nn_zap_stop(nn_zap_t **pz)
{
    if (!pz || !*pz)
        return;
    nn_zap_t *z = *pz;
    z->stop = 1;
    if (z->running)
        pthread_join(z->thread, NULL);
    if (z->sock)
        zmq_close(z->sock);
    pthread_mutex_destroy(&z->mu);
    free(z->keys);
    free(z);
    *pz = NULL;
}
