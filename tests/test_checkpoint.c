/* Tests of the checkpoint file (coordinator/checkpoint.c) on its own. Records of several
 * sizes (a u64, empty, 1, 13 and 1 MiB bytes) read back equal through every reader call,
 * 8-byte aligned, and the file has the size of the layout. Writing is atomic: the records
 * sit in PATH.tmp until the commit renames it, an abort leaves nothing, and a commit over
 * an older checkpoint replaces it whole. A file cut at any length, with a byte changed,
 * another magic or another version is refused by nn_ckpt_open naming the file and the
 * reason; a missing file or directory gives NN_EIO. The reader refuses another tag or
 * size naming both, stays failed, and stops at the end of the records; a hand-made file
 * with a correct checksum but an absurd record length is refused without reading past
 * its buffer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "nunchi/error.h"
#include "checkpoint.h"

/* whether ASan is on (gcc says so with a macro, clang with __has_feature) */
#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif
#ifndef T_ASAN
#define T_ASAN 0
#endif

#define TAG(k) ((uint32_t)NN_CKPT_TAG_RUN + (k))
#define BIG    (1u << 20)
#define U64A   0x0123456789abcdefULL
#define U64B   0xfedcba9876543210ULL

static const char s_13[] = "hello, world!"; /* its 13 bytes, without the NUL */
#define N13 (sizeof s_13 - 1)

typedef struct t_dir {
    char dir[64];
    char path[128];
    char tmp[136];
    char missing[160]; /* a path in a directory that does not exist */
} t_dir_t;

static int t_setup(void **state)
{
    t_dir_t *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->dir, sizeof d->dir, "/tmp/test_ckpt_file.XXXXXX");
    if (!mkdtemp(d->dir)) {
        free(d);
        return -1;
    }
    snprintf(d->path, sizeof d->path, "%s/ckpt", d->dir);
    snprintf(d->tmp, sizeof d->tmp, "%s.tmp", d->path);
    snprintf(d->missing, sizeof d->missing, "%s/no/such/dir/ckpt", d->dir);
    *state = d;
    return 0;
}

static int t_teardown(void **state)
{
    t_dir_t *d = *state;
    unlink(d->path);
    rmdir(d->path); /* when a test made it a directory */
    unlink(d->tmp);
    rmdir(d->dir);
    free(d);
    return 0;
}

static int t_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The whole of path (the caller frees it). */
static unsigned char *t_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    unsigned char *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static void t_spit(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static unsigned char s_pattern(size_t i)
{
    return (unsigned char)(i * 131u + (i >> 8) + 7u);
}

static unsigned char *t_big(void)
{
    unsigned char *b = malloc(BIG);
    assert_non_null(b);
    for (size_t i = 0; i < BIG; i++)
        b[i] = s_pattern(i);
    return b;
}

static int t_is_big(const unsigned char *p)
{
    for (size_t i = 0; i < BIG; i++)
        if (p[i] != s_pattern(i))
            return 0;
    return 1;
}

/* A u64, an empty record, 1 byte, 13 bytes and (with big) 1 MiB and another u64. */
static uint64_t t_put_small(nn_ckpt_writer_t *w)
{
    const unsigned char one = 0x5a;
    nn_ckpt_put_u64(w, TAG(1), U64A);
    nn_ckpt_put(w, TAG(2), NULL, 0);
    nn_ckpt_put(w, TAG(3), &one, 1);
    nn_ckpt_put(w, TAG(4), s_13, N13);
    return 16 + (16 + 8) + (16 + 0) + (16 + 8) + (16 + 16);
}

/* Writes the sample checkpoint to path and returns its size as the layout says. */
static size_t t_write_sample(const char *path, int big)
{
    nn_ckpt_writer_t w;
    char err[512] = "";
    assert_int_equal(nn_ckpt_begin(&w, path, err, sizeof err), NN_OK);
    uint64_t size = t_put_small(&w);
    if (big) {
        unsigned char *b = t_big();
        nn_ckpt_put(&w, TAG(5), b, BIG);
        free(b);
        nn_ckpt_put_u64(&w, TAG(6), U64B);
        size += (16 + BIG) + (16 + 8);
    }
    size += 24;
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
    assert_int_equal(w.bytes, size);
    return (size_t)size;
}

/* nn_ckpt_open of path must fail with code, err naming path and saying `reason`. */
static void t_refused(const char *path, int code, const char *reason)
{
    nn_ckpt_reader_t r;
    char err[8192] = "";
    int rc = nn_ckpt_open(&r, path, err, sizeof err);
    if (rc != code || !strstr(err, path) || !strstr(err, reason))
        print_error("open of '%s': rc %d, err '%s' (expected %d and '%s')\n", path, rc, err, code,
                    reason);
    assert_int_equal(rc, code);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, reason));
    /* a reader that was not opened gives nothing and can be closed */
    size_t n = 99;
    assert_null(nn_ckpt_take(&r, TAG(1), &n));
    assert_false(nn_ckpt_next_is(&r, TAG(1)));
    nn_ckpt_close(&r);
}

/* ---- 1. round trip ------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
    t_dir_t *d = *state;
    size_t size = t_write_sample(d->path, 1);
    size_t n = 0;
    unsigned char *raw = t_slurp(d->path, &n);
    assert_int_equal(n, size);
    assert_memory_equal(raw, NN_CKPT_MAGIC, 8);
    uint32_t version;
    memcpy(&version, raw + 8, 4);
    assert_int_equal(version, NN_CKPT_VERSION);
    uint32_t end;
    memcpy(&end, raw + n - 24, 4);
    assert_int_equal(end, NN_CKPT_END);
    free(raw);

    nn_ckpt_reader_t r;
    char err[512] = "";
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_true(nn_ckpt_next_is(&r, TAG(1)));
    assert_false(nn_ckpt_next_is(&r, TAG(2)));
    assert_false(r.failed); /* asking does not fail the reader */
    uint64_t v = 0;
    assert_int_equal(nn_ckpt_get_u64(&r, TAG(1), &v), NN_OK);
    assert_true(v == U64A);

    assert_true(nn_ckpt_next_is(&r, TAG(2)));
    void *copy = (void *)&v;
    size_t bytes = 99;
    assert_int_equal(nn_ckpt_get_copy(&r, TAG(2), &copy, &bytes), NN_OK);
    assert_null(copy);
    assert_int_equal(bytes, 0);

    unsigned char one = 0;
    assert_int_equal(nn_ckpt_get(&r, TAG(3), &one, 1), NN_OK);
    assert_int_equal(one, 0x5a);

    assert_int_equal(nn_ckpt_get_copy(&r, TAG(4), &copy, &bytes), NN_OK);
    assert_non_null(copy);
    assert_int_equal(bytes, N13);
    assert_memory_equal(copy, s_13, N13);
    free(copy);

    const unsigned char *p = nn_ckpt_take(&r, TAG(5), &bytes);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 8, 0);
    assert_int_equal(bytes, BIG);
    assert_true(t_is_big(p));

    assert_true(nn_ckpt_next_is(&r, TAG(6)));
    assert_int_equal(nn_ckpt_get_u64(&r, TAG(6), &v), NN_OK);
    assert_true(v == U64B);
    assert_false(r.failed);

    /* the reader ends with the records: the trailer is not a record */
    assert_int_equal(r.at, r.len);
    assert_int_equal(r.len, size - 24);
    assert_false(nn_ckpt_next_is(&r, NN_CKPT_END));
    assert_false(nn_ckpt_next_is(&r, TAG(7)));
    assert_false(r.failed);
    nn_ckpt_close(&r);
    assert_null(r.buf);

    /* again, every record by take: aligned, in place, with its length */
    static const size_t lens[] = {8, 0, 1, N13, BIG, 8};
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    for (uint32_t k = 1; k <= 6; k++) {
        bytes = 99;
        p = nn_ckpt_take(&r, TAG(k), &bytes);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        assert_int_equal(bytes, lens[k - 1]);
        assert_true(p >= r.buf && p + bytes <= r.buf + r.len);
        assert_int_equal(r.at % 8, 0);
    }
    assert_int_equal(r.at, r.len);
    nn_ckpt_close(&r);
}

/* A checkpoint of no records: the header and the trailer. */
static void test_no_records(void **state)
{
    t_dir_t *d = *state;
    nn_ckpt_writer_t w;
    char err[512] = "";
    assert_int_equal(nn_ckpt_begin(&w, d->path, err, sizeof err), NN_OK);
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
    assert_int_equal(w.bytes, 16 + 24);
    nn_ckpt_reader_t r;
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_false(nn_ckpt_next_is(&r, TAG(1)));
    size_t n = 0;
    assert_null(nn_ckpt_take(&r, TAG(1), &n));
    assert_true(r.failed);
    nn_ckpt_close(&r);
}

/* ---- 2. atomicity ------------------------------------------------------------------- */

static void test_atomic(void **state)
{
    t_dir_t *d = *state;
    nn_ckpt_writer_t w;
    char err[512] = "";

    assert_int_equal(nn_ckpt_begin(&w, d->path, err, sizeof err), NN_OK);
    assert_string_equal(w.tmp, d->tmp);
    t_put_small(&w);
    assert_false(t_exists(d->path));
    assert_true(t_exists(d->tmp));
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
    assert_true(t_exists(d->path));
    assert_false(t_exists(d->tmp));
    assert_null(w.f);
    nn_ckpt_abort(&w); /* after a commit: nothing to give up, the checkpoint stays */
    assert_true(t_exists(d->path));
    size_t n_a = 0;
    unsigned char *a = t_slurp(d->path, &n_a);

    /* a second checkpoint of one record: the first stays whole until it is committed */
    assert_int_equal(nn_ckpt_begin(&w, d->path, err, sizeof err), NN_OK);
    nn_ckpt_put_u64(&w, TAG(9), U64B);
    size_t n = 0;
    unsigned char *now = t_slurp(d->path, &n);
    assert_int_equal(n, n_a);
    assert_memory_equal(now, a, n_a);
    free(now);
    nn_ckpt_reader_t r;
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_true(nn_ckpt_next_is(&r, TAG(1)));
    nn_ckpt_close(&r);
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_OK);
    assert_false(t_exists(d->tmp));
    now = t_slurp(d->path, &n);
    assert_int_equal(n, 16 + 24 + 24);
    assert_int_equal(n, w.bytes);
    free(now);
    uint64_t v = 0;
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_int_equal(nn_ckpt_get_u64(&r, TAG(9), &v), NN_OK);
    assert_true(v == U64B);
    assert_int_equal(r.at, r.len); /* nothing of the longer first checkpoint is left */
    nn_ckpt_close(&r);

    /* abort over an existing checkpoint: the temporary goes, the checkpoint stays */
    size_t n_b = 0;
    unsigned char *b = t_slurp(d->path, &n_b);
    assert_int_equal(nn_ckpt_begin(&w, d->path, err, sizeof err), NN_OK);
    t_put_small(&w);
    assert_true(t_exists(d->tmp));
    nn_ckpt_abort(&w);
    assert_false(t_exists(d->tmp));
    assert_null(w.f);
    nn_ckpt_abort(&w); /* twice is harmless */
    now = t_slurp(d->path, &n);
    assert_int_equal(n, n_b);
    assert_memory_equal(now, b, n_b);
    free(now);

    /* abort with no checkpoint before: nothing at all */
    assert_int_equal(unlink(d->path), 0);
    assert_int_equal(nn_ckpt_begin(&w, d->path, err, sizeof err), NN_OK);
    t_put_small(&w);
    nn_ckpt_abort(&w);
    assert_false(t_exists(d->tmp));
    assert_false(t_exists(d->path));
    /* a commit after the abort is refused, naming the checkpoint */
    err[0] = '\0';
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_EIO);
    assert_non_null(strstr(err, d->path));
    assert_false(t_exists(d->path));
    free(a);
    free(b);
}

/* When the rename fails (a directory is in the way) the commit says so and cleans up. */
static void test_commit_fails(void **state)
{
    t_dir_t *d = *state;
    assert_int_equal(mkdir(d->path, 0700), 0);
    nn_ckpt_writer_t w;
    char err[512] = "";
    assert_int_equal(nn_ckpt_begin(&w, d->path, err, sizeof err), NN_OK);
    t_put_small(&w);
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_EIO);
    assert_non_null(strstr(err, d->path));
    assert_non_null(strstr(err, "cannot rename to the checkpoint"));
    assert_false(t_exists(d->tmp));
    struct stat st;
    assert_int_equal(stat(d->path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
}

/* ---- 3. refusals by nn_ckpt_open ----------------------------------------------------- */

static void test_open_cut(void **state)
{
    t_dir_t *d = *state;
    size_t n = t_write_sample(d->path, 0);
    assert_int_equal(n, 136);
    size_t len = 0;
    unsigned char *good = t_slurp(d->path, &len);
    assert_int_equal(len, n);
    /* shorter than a header: nothing to recognise */
    static const size_t tiny[] = {0, 1, 7, 8, 15};
    for (size_t i = 0; i < sizeof tiny / sizeof *tiny; i++) {
        t_spit(d->path, good, tiny[i]);
        t_refused(d->path, NN_EPROTO, "cannot be used");
    }
    /* the whole header and more: cut in a record head (41), in a record's data (50, 70,
     * 105), at a record's end with no trailer (n - 24) and in the trailer */
    const size_t cuts[] = {40,     41,     47,     50,    64,    70,   105,
                           n - 24, n - 20, n - 16, n - 9, n - 8, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        t_spit(d->path, good, cuts[i]);
        t_refused(d->path, NN_EPROTO, "cut short");
    }
    /* and the whole file is fine again */
    t_spit(d->path, good, n);
    nn_ckpt_reader_t r;
    char err[512] = "";
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    nn_ckpt_close(&r);
    free(good);
}

/* A file with the right magic and version that ends before a trailer could fit (a
 * header-only file) is a cut checkpoint, and should be reported as one. FAILS with the
 * checkpoint.c of this writing: the length test comes before the magic test and says "it
 * is not a nunchi checkpoint" for a file that begins with NNCKPT01 and version 1. */
static void test_open_cut_header_only(void **state)
{
    t_dir_t *d = *state;
    size_t n = t_write_sample(d->path, 0);
    size_t len = 0;
    unsigned char good[136], *whole = t_slurp(d->path, &len);
    assert_int_equal(len, n);
    assert_int_equal(n, sizeof good);
    memcpy(good, whole, n); /* on the stack: nothing leaks when an assertion fails */
    free(whole);
    static const size_t cuts[] = {16, 24, 39};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        t_spit(d->path, good, cuts[i]);
        t_refused(d->path, NN_EPROTO, "cut short");
    }
}

static void test_open_changed(void **state)
{
    t_dir_t *d = *state;
    size_t n = t_write_sample(d->path, 0);
    size_t len = 0;
    unsigned char *good = t_slurp(d->path, &len);
    assert_int_equal(len, n);
    unsigned char *bad = malloc(n);
    assert_non_null(bad);
    /* a tag, its zero word, a length, a u64, the 1-byte record, its padding, the 13-byte
     * record, the last padding byte before the trailer and the trailer's crc */
    const size_t at[] = {16, 20, 24, 32, 39, 40, 56, 72, 73, 80, 101, n - 25, n - 8, n - 1};
    for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
        for (unsigned flip = 0x01; flip <= 0x80; flip <<= 7) {
            memcpy(bad, good, n);
            bad[at[i]] ^= (unsigned char)flip;
            t_spit(d->path, bad, n);
            t_refused(d->path, NN_EPROTO, "checksum");
        }
    }
    free(bad);
    free(good);

    /* in the middle of the 1 MiB record */
    n = t_write_sample(d->path, 1);
    good = t_slurp(d->path, &len);
    assert_int_equal(len, n);
    good[n / 2] ^= 0x10;
    t_spit(d->path, good, n);
    t_refused(d->path, NN_EPROTO, "checksum");
    free(good);
}

static void test_open_other(void **state)
{
    t_dir_t *d = *state;
    size_t n = t_write_sample(d->path, 0);
    size_t len = 0;
    unsigned char *good = t_slurp(d->path, &len);
    unsigned char *bad = malloc(n);
    assert_non_null(bad);

    static const char *magics[] = {"NNCKPT02", "nnckpt01", "XXXXXXXX", "NNCKPT0\0"};
    for (size_t i = 0; i < sizeof magics / sizeof *magics; i++) {
        memcpy(bad, good, n);
        memcpy(bad, magics[i], 8);
        t_spit(d->path, bad, n);
        t_refused(d->path, NN_EPROTO, "not a nunchi checkpoint");
    }
    char text[200];
    memset(text, 'x', sizeof text);
    t_spit(d->path, text, sizeof text);
    t_refused(d->path, NN_EPROTO, "not a nunchi checkpoint");

    static const uint32_t versions[] = {0, NN_CKPT_VERSION + 1, 0x01000000u, 0xffffffffu};
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
        memcpy(bad, good, n);
        memcpy(bad + 8, &versions[i], 4);
        t_spit(d->path, bad, n);
        t_refused(d->path, NN_EPROTO, "another version");
    }
    free(bad);
    free(good);

    /* missing: NN_EIO with the path and the system's reason */
    assert_int_equal(unlink(d->path), 0);
    t_refused(d->path, NN_EIO, "No such file");
    t_refused(d->missing, NN_EIO, "cannot read");
}

/* A directory where the checkpoint should be cannot be read: NN_EIO. FAILS with the
 * checkpoint.c of this writing: on ext4 fseek(SEEK_END) on a directory succeeds and ftell
 * gives LONG_MAX, so nn_ckpt_open tries malloc(LONG_MAX + 1) and reports NN_ENOMEM "out
 * of memory reading the checkpoint ... (9223372036854775807 bytes)"; under ASan that
 * allocation aborts the process, so the case is skipped there. */
static void test_open_directory(void **state)
{
    t_dir_t *d = *state;
#if T_ASAN
    (void)d;
    skip();
#else
    assert_int_equal(mkdir(d->path, 0700), 0);
    t_refused(d->path, NN_EIO, "cannot read");
#endif
}

/* ---- 4. reader errors --------------------------------------------------------------- */

static void test_wrong_tag(void **state)
{
    t_dir_t *d = *state;
    t_write_sample(d->path, 0);
    nn_ckpt_reader_t r;
    char err[512] = "", want[64];
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    uint64_t v = 77;
    assert_int_equal(nn_ckpt_get_u64(&r, TAG(9), &v), NN_EPROTO);
    assert_true(v == 77);
    assert_true(r.failed);
    snprintf(want, sizeof want, "0x%04x", TAG(9));
    assert_non_null(strstr(r.why, want));
    snprintf(want, sizeof want, "0x%04x", TAG(1));
    assert_non_null(strstr(r.why, want));
    assert_non_null(strstr(r.why, "byte 16"));
    char first[sizeof r.why];
    snprintf(first, sizeof first, "%s", r.why);

    /* sticky: the right tag does not help, and why still says what went wrong first */
    assert_false(nn_ckpt_next_is(&r, TAG(1)));
    assert_int_equal(nn_ckpt_get_u64(&r, TAG(1), &v), NN_EPROTO);
    assert_true(v == 77);
    size_t n = 99;
    assert_null(nn_ckpt_take(&r, TAG(1), &n));
    void *copy = &v;
    assert_int_equal(nn_ckpt_get_copy(&r, TAG(1), &copy, &n), NN_EPROTO);
    assert_null(copy);
    assert_int_equal(n, 0);
    assert_int_equal(nn_ckpt_get(&r, TAG(2), NULL, 0), NN_EPROTO);
    assert_string_equal(r.why, first);
    nn_ckpt_close(&r);

    /* a later record with the wrong tag, after good ones */
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_int_equal(nn_ckpt_get_u64(&r, TAG(1), &v), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(2), NULL, 0), NN_OK);
    unsigned char one;
    assert_int_equal(nn_ckpt_get(&r, TAG(4), &one, 1), NN_EPROTO);
    snprintf(want, sizeof want, "0x%04x", TAG(4));
    assert_non_null(strstr(r.why, want));
    snprintf(want, sizeof want, "0x%04x", TAG(3));
    assert_non_null(strstr(r.why, want));
    assert_non_null(strstr(r.why, "byte 56"));
    nn_ckpt_close(&r);
}

static void test_wrong_size(void **state)
{
    t_dir_t *d = *state;
    t_write_sample(d->path, 0);
    nn_ckpt_reader_t r;
    char err[512] = "", want[64];
    unsigned char buf[32];
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(1), buf, 4), NN_EPROTO);
    assert_true(r.failed);
    snprintf(want, sizeof want, "0x%04x", TAG(1));
    assert_non_null(strstr(r.why, want));
    assert_non_null(strstr(r.why, "8 bytes"));
    assert_non_null(strstr(r.why, "4 expected"));
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xee); /* nothing copied */
    /* sticky */
    assert_int_equal(nn_ckpt_get(&r, TAG(2), NULL, 0), NN_EPROTO);
    assert_false(nn_ckpt_next_is(&r, TAG(2)));
    nn_ckpt_close(&r);

    /* too large a destination, and a non-empty one for the empty record */
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(1), buf, 8), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(2), buf, 1), NN_EPROTO);
    assert_non_null(strstr(r.why, "0 bytes"));
    assert_non_null(strstr(r.why, "1 expected"));
    nn_ckpt_close(&r);
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(1), buf, 8), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(2), NULL, 0), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(3), NULL, 0), NN_EPROTO);
    assert_non_null(strstr(r.why, "1 bytes"));
    assert_non_null(strstr(r.why, "0 expected"));
    nn_ckpt_close(&r);
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(1), buf, 8), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(2), NULL, 0), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(3), buf, 1), NN_OK);
    assert_int_equal(nn_ckpt_get(&r, TAG(4), buf, sizeof buf), NN_EPROTO);
    assert_non_null(strstr(r.why, "13 bytes"));
    assert_non_null(strstr(r.why, "32 expected"));
    nn_ckpt_close(&r);
}

static void test_past_end(void **state)
{
    t_dir_t *d = *state;
    t_write_sample(d->path, 0);
    nn_ckpt_reader_t r;
    char err[512] = "", want[64];
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    size_t n = 0;
    for (uint32_t k = 1; k <= 4; k++)
        assert_non_null(nn_ckpt_take(&r, TAG(k), &n));
    assert_int_equal(r.at, r.len);
    n = 99;
    assert_null(nn_ckpt_take(&r, TAG(5), &n));
    assert_int_equal(n, 99);
    assert_true(r.failed);
    snprintf(want, sizeof want, "0x%04x", TAG(5));
    assert_non_null(strstr(r.why, want));
    assert_non_null(strstr(r.why, "missing"));
    for (int i = 0; i < 3; i++) {
        assert_null(nn_ckpt_take(&r, TAG(5), &n));
        assert_null(nn_ckpt_take(&r, NN_CKPT_END, &n));
        uint64_t v;
        assert_int_equal(nn_ckpt_get_u64(&r, NN_CKPT_END, &v), NN_EPROTO);
    }
    assert_int_equal(r.at, r.len);
    nn_ckpt_close(&r);
    nn_ckpt_close(&r); /* twice is harmless */
}

/* ---- 5. hand-made files with a correct checksum ---------------------------------------- */

/* header, one record head with the given length, `data` bytes of 0xab, and a trailer
 * whose crc is right */
static size_t t_craft(unsigned char *buf, uint64_t len, size_t data)
{
    size_t n = 0;
    memcpy(buf, NN_CKPT_MAGIC, 8);
    uint32_t version = NN_CKPT_VERSION, zero = 0, tag = TAG(1), end = NN_CKPT_END;
    memcpy(buf + 8, &version, 4);
    memcpy(buf + 12, &zero, 4);
    n = 16;
    memcpy(buf + n, &tag, 4);
    memcpy(buf + n + 4, &zero, 4);
    memcpy(buf + n + 8, &len, 8);
    n += 16;
    memset(buf + n, 0xab, data);
    n += data;
    uint64_t crc = crc32(crc32(0L, Z_NULL, 0), buf, (uInt)n);
    uint64_t eight = 8;
    memcpy(buf + n, &end, 4);
    memcpy(buf + n + 4, &zero, 4);
    memcpy(buf + n + 8, &eight, 8);
    memcpy(buf + n + 16, &crc, 8);
    return n + 24;
}

static void test_absurd_length(void **state)
{
    t_dir_t *d = *state;
    unsigned char buf[256];
    char err[512] = "", want[64];
    /* 16 bytes of data follow the record head */
    const uint64_t lens[] = {
        17,        24, 4096, 1ull << 40, 0x8000000000000000ull, UINT64_MAX - 15, UINT64_MAX - 7,
        UINT64_MAX};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        size_t n = t_craft(buf, lens[i], 16);
        t_spit(d->path, buf, n);
        nn_ckpt_reader_t r;
        assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
        assert_false(nn_ckpt_next_is(&r, TAG(1)));
        size_t got = 99;
        assert_null(nn_ckpt_take(&r, TAG(1), &got));
        assert_true(r.failed);
        snprintf(want, sizeof want, "0x%04x", TAG(1));
        assert_non_null(strstr(r.why, want));
        nn_ckpt_close(&r);

        assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
        unsigned char dst[16];
        assert_int_equal(nn_ckpt_get(&r, TAG(1), dst, sizeof dst), NN_EPROTO);
        nn_ckpt_close(&r);

        assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
        void *copy = buf;
        assert_int_equal(nn_ckpt_get_copy(&r, TAG(1), &copy, &got), NN_EPROTO);
        assert_null(copy);
        nn_ckpt_close(&r);
    }

    /* a length that just fits is read; one unpadded at the end too */
    const uint64_t fits[] = {16, 13, 9};
    for (size_t i = 0; i < sizeof fits / sizeof *fits; i++) {
        size_t n = t_craft(buf, fits[i], (size_t)fits[i]);
        t_spit(d->path, buf, n);
        nn_ckpt_reader_t r;
        assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
        size_t got = 0;
        const unsigned char *p = nn_ckpt_take(&r, TAG(1), &got);
        assert_non_null(p);
        assert_int_equal(got, fits[i]);
        assert_int_equal(p[got - 1], 0xab);
        assert_int_equal(r.at, r.len);
        assert_null(nn_ckpt_take(&r, TAG(2), &got));
        nn_ckpt_close(&r);
    }

    /* records and trailer at an odd offset: the head does not fit in what is left */
    (void)t_craft(buf, 0, 0);
    memmove(buf + 16 + 5, buf + 16 + 16, 24); /* 5 bytes of a head, then the trailer */
    size_t n = 16 + 5;
    uint64_t crc = crc32(crc32(0L, Z_NULL, 0), buf, (uInt)n);
    memcpy(buf + n + 16, &crc, 8);
    t_spit(d->path, buf, n + 24);
    nn_ckpt_reader_t r;
    assert_int_equal(nn_ckpt_open(&r, d->path, err, sizeof err), NN_OK);
    size_t got = 0;
    assert_false(nn_ckpt_next_is(&r, TAG(1)));
    assert_null(nn_ckpt_take(&r, TAG(1), &got));
    nn_ckpt_close(&r);
}

/* ---- 6. writing where one cannot ------------------------------------------------------ */

static void test_begin_missing_dir(void **state)
{
    t_dir_t *d = *state;
    nn_ckpt_writer_t w;
    char err[8192] = "";
    assert_int_equal(nn_ckpt_begin(&w, d->missing, err, sizeof err), NN_EIO);
    assert_non_null(strstr(err, d->missing));
    assert_non_null(strstr(err, "No such file"));
    assert_null(w.f);
    nn_ckpt_abort(&w);
    err[0] = '\0';
    assert_int_equal(nn_ckpt_commit(&w, err, sizeof err), NN_EIO);
    assert_non_null(strstr(err, d->missing));
    assert_non_null(strstr(err, "not begun"));
    assert_false(t_exists(d->missing));
}

#define T(name) cmocka_unit_test_setup_teardown(name, t_setup, t_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_round_trip),    T(test_no_records),        T(test_atomic),
        T(test_commit_fails),  T(test_open_cut),          T(test_open_cut_header_only),
        T(test_open_changed),  T(test_open_other),        T(test_open_directory),
        T(test_wrong_tag),     T(test_wrong_size),        T(test_past_end),
        T(test_absurd_length), T(test_begin_missing_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
