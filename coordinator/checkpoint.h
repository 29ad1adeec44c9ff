/* Checkpoints: a coordinator's state between two rounds, in one file per rank.
 *
 * A file is a header, then records, then a trailer. A record is a tag (u32), 4 bytes of
 * zero, a length (u64) and that many bytes, padded with zeros to 8. The trailer is the
 * tag NN_CKPT_END, the length 8 and the CRC-32 (zlib) of everything before it, so a file
 * that was cut or changed is refused. Records are read back in the order they were
 * written, each by its expected tag, so a file from another version or another scenario
 * is refused at the first record that does not fit, naming it.
 *
 * Writing is atomic: the records go to PATH.tmp, which is flushed, fsync'ed and renamed
 * to PATH, and the directory is fsync'ed, so PATH is always a whole checkpoint or absent.
 * Errors while putting records are sticky and reported by nn_ckpt_commit. */
#ifndef NUNCHI_COORDINATOR_CHECKPOINT_H
#define NUNCHI_COORDINATOR_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NN_CKPT_MAGIC   "NNCKPT01"
#define NN_CKPT_VERSION 2u
#define NN_CKPT_END     0xffffffffu

/* The tag ranges of the modules, so that a record names its owner in messages. */
enum {
    NN_CKPT_TAG_RUN = 0x0100,    /* the coordinator's own state (coordinator.c) */
    NN_CKPT_TAG_NORMS = 0x0200,  /* norms.c */
    NN_CKPT_TAG_CASES = 0x0300,  /* cases.c */
    NN_CKPT_TAG_TRENDS = 0x0400, /* trends.c */
    NN_CKPT_TAG_FAULTS = 0x0500, /* faults.c */
    NN_CKPT_TAG_ROUTER = 0x0600, /* router.c */
    NN_CKPT_TAG_TEXTS = 0x0700,  /* texts.c */
    NN_CKPT_TAG_SPEND = 0x0800   /* spend.c */
};

typedef struct nn_ckpt_writer {
    FILE *f;
    char path[4096];
    char tmp[4104];
    uint64_t bytes; /* written so far, the trailer included once committed */
    unsigned long crc;
    int failed; /* errno of the first failure, or -1 for out of memory; 0: none */
} nn_ckpt_writer_t;

typedef struct nn_ckpt_reader {
    unsigned char *buf;
    size_t len; /* the records and the trailer, after the header */
    size_t at;
    char path[4096];
    int failed;    /* a record did not fit: why says which */
    char why[512]; /* what did not fit, for the message */
} nn_ckpt_reader_t;

/* Opens PATH.tmp for the records of a checkpoint to be renamed to path. NN_OK or NN_EIO
 * (err says which file and why). */
int nn_ckpt_begin(nn_ckpt_writer_t *w, const char *path, char *err, size_t errlen);

/* One record of `bytes` bytes from data (NULL with bytes 0: an empty record). */
void nn_ckpt_put(nn_ckpt_writer_t *w, uint32_t tag, const void *data, size_t bytes);
void nn_ckpt_put_u64(nn_ckpt_writer_t *w, uint32_t tag, uint64_t v);

/* Writes the trailer, flushes, fsyncs, renames to the final path and fsyncs its
 * directory. NN_OK, or NN_EIO with err naming the file and the failure (the temporary
 * file is removed). */
int nn_ckpt_commit(nn_ckpt_writer_t *w, char *err, size_t errlen);

/* Gives up a checkpoint being written: the temporary file is removed. */
void nn_ckpt_abort(nn_ckpt_writer_t *w);

/* Reads a whole checkpoint and checks its magic, version and checksum. NN_OK; NN_EIO
 * (cannot read it) or NN_EPROTO (not a checkpoint, another version, cut or changed), err
 * naming the file and what is wrong; NN_ENOMEM. */
int nn_ckpt_open(nn_ckpt_reader_t *r, const char *path, char *err, size_t errlen);

/* The next record, which must have the tag: its bytes (inside the reader's buffer, 8-byte
 * aligned, valid until nn_ckpt_close) and *bytes its length. NULL, with r->failed set and
 * r->why saying what was found instead, when it has another tag or the file ends. A
 * failed reader gives NULL from then on. */
const void *nn_ckpt_take(nn_ckpt_reader_t *r, uint32_t tag, size_t *bytes);

/* The next record into dst, which must have exactly `bytes` bytes. NN_OK or NN_EPROTO. */
int nn_ckpt_get(nn_ckpt_reader_t *r, uint32_t tag, void *dst, size_t bytes);
int nn_ckpt_get_u64(nn_ckpt_reader_t *r, uint32_t tag, uint64_t *v);

/* The next record as a new malloc'ed copy (*out NULL for an empty record): NN_OK,
 * NN_EPROTO or NN_ENOMEM. */
int nn_ckpt_get_copy(nn_ckpt_reader_t *r, uint32_t tag, void **out, size_t *bytes);

/* The next record whatever its tag (in *tag), or NULL at the end or when it does not fit
 * the file (r->failed then). For copying records one does not read. */
const void *nn_ckpt_next(nn_ckpt_reader_t *r, uint32_t *tag, size_t *bytes);

/* Whether the next record has this tag (for records that are there only sometimes). */
int nn_ckpt_next_is(const nn_ckpt_reader_t *r, uint32_t tag);

/* Marks the reader failed, its why saying what did not fit (fmt, printf-style) unless it
 * failed already and said why. Gives NN_EPROTO, for `return nn_ckpt_misfit(r, ...)`. */
int nn_ckpt_misfit(nn_ckpt_reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void nn_ckpt_close(nn_ckpt_reader_t *r);

#endif
