/* CURVE key files; see keys.h. */
#include "node/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "nunchi/error.h"

int nn_keys_available(void)
{
    return zmq_has("curve");
}

/* Writes one certificate file with O_EXCL, so that no key is ever overwritten. */
static int s_write(const char *path, int mode, const char *pub, const char *sec, char *err,
                   size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write '%s': %s%s", path, strerror(errno),
                 errno == EEXIST ? " (keys are never overwritten: remove it or choose another "
                                   "name)"
                                 : "");
        return NN_EIO;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(path);
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return NN_EIO;
    }
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    int bad =
        fprintf(f,
                "#   nunchi CURVE %s, made %s by nunchi keygen\n"
                "#   ZeroMQ certificate format (ZPL), as CZMQ and pyzmq read it\n"
                "metadata\n"
                "curve\n"
                "    public-key = \"%s\"\n",
                sec ? "secret key (keep this file to yourself)" : "public key", when, pub) < 0;
    if (sec)
        bad |= fprintf(f, "    secret-key = \"%s\"\n", sec) < 0;
    if (fclose(f) != 0 || bad) {
        unlink(path);
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return NN_EIO;
    }
    return NN_OK;
}

int nn_keys_generate(const char *base, char *err, size_t errlen)
{
    if (!base || !*base) {
        snprintf(err, errlen, "no name for the key files");
        return NN_EINVAL;
    }
    char pub[NN_KEY_Z85_LEN + 1], sec[NN_KEY_Z85_LEN + 1];
    if (!nn_keys_available() || zmq_curve_keypair(pub, sec) != 0) {
        snprintf(err, errlen,
                 "this libzmq cannot make CURVE keys (it was built without "
                 "libsodium)");
        return NN_EZMQ;
    }
    char pub_path[4096], sec_path[4096];
    if (snprintf(pub_path, sizeof pub_path, "%s.key", base) >= (int)sizeof pub_path ||
        snprintf(sec_path, sizeof sec_path, "%s.key_secret", base) >= (int)sizeof sec_path) {
        snprintf(err, errlen, "the key file name '%.200s...' is too long", base);
        return NN_EINVAL;
    }
    /* the secret first: a run that fails half-way leaves no public key without its secret */
    int rc = s_write(sec_path, 0600, pub, sec, err, errlen);
    if (rc == NN_OK && (rc = s_write(pub_path, 0644, pub, NULL, err, errlen)) != NN_OK)
        unlink(sec_path);
    memset(sec, 0, sizeof sec);
    return rc;
}

/* The quoted Z85 value of `name = "..."` on line, into out; 1 when the line is that key,
 * 0 when it is another line, -1 when it is that key but malformed. */
static int s_value(const char *line, const char *name, char *out)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strlen(name);
    if (strncmp(line, name, n) != 0)
        return 0;
    line += n;
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line++ != '=')
        return -1;
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line++ != '"')
        return -1;
    const char *end = strchr(line, '"');
    if (!end || end - line != NN_KEY_Z85_LEN)
        return -1;
    memcpy(out, line, NN_KEY_Z85_LEN);
    out[NN_KEY_Z85_LEN] = '\0';
    uint8_t raw[32];
    return zmq_z85_decode(raw, out) ? 1 : -1;
}

int nn_keys_load(const char *path, char *public_key, char *secret_key, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read the key file '%s': %s", path, strerror(errno));
        return NN_EIO;
    }
    char line[512];
    int lineno = 0, have_pub = 0, have_sec = 0, rc = NN_OK;
    char sec[NN_KEY_Z85_LEN + 1] = "";
    while (rc == NN_OK && fgets(line, sizeof line, f)) {
        lineno++;
        int p = s_value(line, "public-key", public_key);
        int s = p ? 0 : s_value(line, "secret-key", sec);
        if (p < 0 || s < 0) {
            snprintf(err, errlen,
                     "%s:%d: a %s must be 40 characters of Z85 in double quotes, such as "
                     "%s = \"<40 characters>\"",
                     path, lineno, p < 0 ? "public-key" : "secret-key",
                     p < 0 ? "public-key" : "secret-key");
            rc = NN_ESCENARIO;
        }
        have_pub |= p > 0;
        have_sec |= s > 0;
    }
    fclose(f);
    if (rc == NN_OK && !have_pub) {
        snprintf(err, errlen, "%s: no public-key line (is it a key file of nunchi keygen?)", path);
        rc = NN_ESCENARIO;
    }
    if (rc == NN_OK && secret_key) {
        char derived[NN_KEY_Z85_LEN + 1];
        if (!have_sec) {
            snprintf(err, errlen, "%s has no secret-key: give the .key_secret file", path);
            rc = NN_ESCENARIO;
        } else if (zmq_curve_public(derived, sec) != 0 || strcmp(derived, public_key) != 0) {
            snprintf(err, errlen, "%s: the secret-key does not belong to its public-key", path);
            rc = NN_ESCENARIO;
        } else {
            memcpy(secret_key, sec, sizeof sec);
        }
    }
    memset(sec, 0, sizeof sec);
    return rc;
}

int nn_keys_client(void *sock, const char *server_public, const char *public_key,
                   const char *secret_key)
{
    return zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_public, NN_KEY_Z85_LEN) == 0 &&
                   zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public_key, NN_KEY_Z85_LEN) == 0 &&
                   zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret_key, NN_KEY_Z85_LEN) == 0
               ? NN_OK
               : NN_EZMQ;
}

int nn_keys_server(void *sock, const char *secret_key, const char *domain)
{
    int one = 1;
    return zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) == 0 &&
                   zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret_key, NN_KEY_Z85_LEN) == 0 &&
                   zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) == 0
               ? NN_OK
               : NN_EZMQ;
}
