/* Checkpoint files; see checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "nunchi/error.h"

#define S_HEADER 16 /* the magic (8) and the version (u32) and 4 bytes of zero */

static void s_write(nn_ckpt_writer_t *w, const void *data, size_t bytes)
{
    if (w->failed || bytes == 0)
        return;
    if (!w->f) { /* never begun, or begun in vain */
        w->failed = EBADF;
        return;
    }
    errno = 0;
    if (fwrite(data, 1, bytes, w->f) != bytes) {
        w->failed = errno ? errno : EIO;
        return;
    }
    /* crc32 takes a uInt length: feed it in pieces */
    const unsigned char *p = data;
    for (size_t left = bytes; left;) {
        uInt piece = left > (1u << 30) ? (1u << 30) : (uInt)left;
        w->crc = crc32(w->crc, p, piece);
        p += piece;
        left -= piece;
    }
    w->bytes += bytes;
}

int nn_ckpt_begin(nn_ckpt_writer_t *w, const char *path, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s", path);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path);
    w->f = fopen(w->tmp, "wb");
    if (!w->f) {
        snprintf(err, errlen, "cannot write the checkpoint '%s': %s", w->tmp, strerror(errno));
        return NN_EIO;
    }
    w->crc = crc32(0L, Z_NULL, 0);
    unsigned char head[S_HEADER] = {0};
    memcpy(head, NN_CKPT_MAGIC, 8);
    uint32_t version = NN_CKPT_VERSION;
    memcpy(head + 8, &version, sizeof version);
    s_write(w, head, sizeof head);
    return NN_OK;
}

void nn_ckpt_put(nn_ckpt_writer_t *w, uint32_t tag, const void *data, size_t bytes)
{
    static const unsigned char zeros[8] = {0};
    uint32_t head[2] = {tag, 0};
    uint64_t len = bytes;
    s_write(w, head, sizeof head);
    s_write(w, &len, sizeof len);
    s_write(w, data, bytes);
    s_write(w, zeros, (8 - bytes % 8) % 8);
}

void nn_ckpt_put_u64(nn_ckpt_writer_t *w, uint32_t tag, uint64_t v)
{
    nn_ckpt_put(w, tag, &v, sizeof v);
}

void nn_ckpt_abort(nn_ckpt_writer_t *w)
{
    if (w->f) {
        fclose(w->f);
        w->f = NULL;
        unlink(w->tmp);
    }
}

/* fsyncs the directory that holds path, so that a rename into it lasts. */
static int s_sync_dir(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int nn_ckpt_commit(nn_ckpt_writer_t *w, char *err, size_t errlen)
{
    if (!w->f) {
        snprintf(err, errlen, "the checkpoint '%s' was not begun", w->path);
        return NN_EIO;
    }
    uint64_t crc = w->crc; /* of everything before the trailer */
    nn_ckpt_put(w, NN_CKPT_END, &crc, sizeof crc);
    if (!w->failed && fflush(w->f) != 0)
        w->failed = errno ? errno : EIO;
    if (!w->failed && fsync(fileno(w->f)) != 0)
        w->failed = errno ? errno : EIO;
    if (fclose(w->f) != 0 && !w->failed)
        w->failed = errno ? errno : EIO;
    w->f = NULL;
    int renaming = 0;
    if (!w->failed && rename(w->tmp, w->path) != 0) {
        w->failed = errno ? errno : EIO;
        renaming = 1;
    }
    if (w->failed) {
        snprintf(err, errlen, "cannot %s the checkpoint '%s': %s", renaming ? "rename to" : "write",
                 renaming ? w->path : w->tmp,
                 w->failed > 0 ? strerror(w->failed) : "out of memory");
        unlink(w->tmp);
        return NN_EIO;
    }
    if (s_sync_dir(w->path) != 0) {
        snprintf(err, errlen, "cannot sync the directory of the checkpoint '%s': %s", w->path,
                 strerror(errno));
        return NN_EIO;
    }
    return NN_OK;
}

int nn_ckpt_open(nn_ckpt_reader_t *r, const char *path, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read the checkpoint '%s': %s", path, strerror(errno));
        return NN_EIO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read the checkpoint '%s': %s", path,
                 S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file");
        fclose(f);
        return NN_EIO;
    }
    long n = (long)st.st_size;
    unsigned char *buf = malloc((size_t)n + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "out of memory reading the checkpoint '%s' (%ld bytes)", path, n);
        return NN_ENOMEM;
    }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    if (got != (size_t)n) {
        free(buf);
        snprintf(err, errlen, "cannot read the checkpoint '%s': short read", path);
        return NN_EIO;
    }
    const char *bad = NULL;
    uint32_t version = 0;
    if ((size_t)n < 12 || memcmp(buf, NN_CKPT_MAGIC, 8) != 0) {
        bad = "it is not a nunchi checkpoint";
    } else {
        memcpy(&version, buf + 8, sizeof version);
        if (version != NN_CKPT_VERSION) {
            bad = "it was written by another version of nunchi";
        } else if ((size_t)n < S_HEADER + 24) {
            bad = "it is cut short (no trailer)";
        } else {
            /* the trailer: END, 0, length 8, the crc of all before it */
            const unsigned char *t = buf + n - 24;
            uint32_t tag;
            uint64_t len, crc;
            memcpy(&tag, t, sizeof tag);
            memcpy(&len, t + 8, sizeof len);
            memcpy(&crc, t + 16, sizeof crc);
            uLong mine = crc32(0L, Z_NULL, 0);
            size_t body = (size_t)n - 24;
            const unsigned char *p = buf;
            for (size_t left = body; left;) {
                uInt piece = left > (1u << 30) ? (1u << 30) : (uInt)left;
                mine = crc32(mine, p, piece);
                p += piece;
                left -= piece;
            }
            if (tag != NN_CKPT_END || len != 8)
                bad = "it is cut short (no trailer)";
            else if (crc != (uint64_t)mine)
                bad = "its checksum does not match (the file was changed or damaged)";
        }
    }
    if (bad) {
        free(buf);
        snprintf(err, errlen, "the checkpoint '%s' cannot be used: %s", path, bad);
        return NN_EPROTO;
    }
    r->buf = buf;
    r->len = (size_t)n - 24; /* the records; the trailer was checked */
    r->at = S_HEADER;
    return NN_OK;
}

static int s_peek(const nn_ckpt_reader_t *r, uint32_t *tag, uint64_t *len)
{
    if (r->failed || r->at + 16 > r->len)
        return -1;
    memcpy(tag, r->buf + r->at, sizeof *tag);
    memcpy(len, r->buf + r->at + 8, sizeof *len);
    if (*len > r->len - r->at - 16)
        return -1;
    return 0;
}

int nn_ckpt_next_is(const nn_ckpt_reader_t *r, uint32_t tag)
{
    uint32_t t;
    uint64_t len;
    return s_peek(r, &t, &len) == 0 && t == tag;
}

const void *nn_ckpt_take(nn_ckpt_reader_t *r, uint32_t tag, size_t *bytes)
{
    uint32_t t;
    uint64_t len;
    if (r->failed)
        return NULL;
    if (s_peek(r, &t, &len) != 0) {
        r->failed = 1;
        if (r->at + 16 > r->len)
            snprintf(r->why, sizeof r->why, "record 0x%04x is missing: the file ends at byte %zu",
                     tag, r->at);
        else
            snprintf(r->why, sizeof r->why,
                     "record 0x%04x at byte %zu claims more bytes than the file holds", tag, r->at);
        return NULL;
    }
    if (t != tag) {
        r->failed = 1;
        snprintf(r->why, sizeof r->why,
                 "record 0x%04x expected at byte %zu, found 0x%04x (a checkpoint of another "
                 "scenario or version)",
                 tag, r->at, t);
        return NULL;
    }
    const void *p = r->buf + r->at + 16;
    size_t padded = (size_t)len + (8 - len % 8) % 8;
    r->at += 16 + (padded <= r->len - r->at - 16 ? padded : (size_t)len);
    *bytes = (size_t)len;
    return p;
}

const void *nn_ckpt_next(nn_ckpt_reader_t *r, uint32_t *tag, size_t *bytes)
{
    uint64_t len;
    if (r->failed || r->at >= r->len)
        return NULL;
    if (s_peek(r, tag, &len) != 0) {
        r->failed = 1;
        snprintf(r->why, sizeof r->why, "the record at byte %zu does not fit the file", r->at);
        return NULL;
    }
    return nn_ckpt_take(r, *tag, bytes);
}

int nn_ckpt_get(nn_ckpt_reader_t *r, uint32_t tag, void *dst, size_t bytes)
{
    size_t len = 0;
    const void *p = nn_ckpt_take(r, tag, &len);
    if (!p)
        return NN_EPROTO;
    if (len != bytes) {
        r->failed = 1;
        snprintf(r->why, sizeof r->why, "record 0x%04x has %zu bytes, %zu expected", tag, len,
                 bytes);
        return NN_EPROTO;
    }
    if (bytes)
        memcpy(dst, p, bytes);
    return NN_OK;
}

int nn_ckpt_get_u64(nn_ckpt_reader_t *r, uint32_t tag, uint64_t *v)
{
    return nn_ckpt_get(r, tag, v, sizeof *v);
}

int nn_ckpt_get_copy(nn_ckpt_reader_t *r, uint32_t tag, void **out, size_t *bytes)
{
    *out = NULL;
    *bytes = 0;
    size_t len = 0;
    const void *p = nn_ckpt_take(r, tag, &len);
    if (!p)
        return NN_EPROTO;
    if (len == 0)
        return NN_OK;
    void *c = malloc(len);
    if (!c)
        return NN_ENOMEM;
    memcpy(c, p, len);
    *out = c;
    *bytes = len;
    return NN_OK;
}

int nn_ckpt_misfit(nn_ckpt_reader_t *r, const char *fmt, ...)
{
    if (!r->failed || !r->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->why, sizeof r->why, fmt, ap);
        va_end(ap);
    }
    r->failed = 1;
    return NN_EPROTO;
}

void nn_ckpt_close(nn_ckpt_reader_t *r)
{
    free(r->buf);
    r->buf = NULL;
    r->len = r->at = 0;
}
