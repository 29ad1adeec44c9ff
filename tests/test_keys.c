/* Tests of coordinator/keys.c: a generated pair loads back, its secret belongs to its
 * public key (checked with libzmq's own derivation), the secret file is private, nothing
 * is overwritten, two pairs differ, and broken files are refused with their file and
 * line. Every test works in a directory of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "node/keys.h"
#include "nunchi/error.h"

#define ERRLEN 4400

typedef struct t_dir {
    char path[64];
    char base[128];
} t_dir_t;

static int s_setup(void **state)
{
    t_dir_t *d = calloc(1, sizeof *d);
    snprintf(d->path, sizeof d->path, "/tmp/nunchi-keys.XXXXXX");
    if (!d || !mkdtemp(d->path))
        return -1;
    snprintf(d->base, sizeof d->base, "%s/node1", d->path);
    *state = d;
    return 0;
}

static int s_teardown(void **state)
{
    t_dir_t *d = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    int rc = system(cmd);
    free(d);
    return rc == 0 ? 0 : -1;
}

static void s_file(const t_dir_t *d, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", d->path, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_generate_and_load(void **state)
{
    t_dir_t *d = *state;
    if (!nn_keys_available())
        skip();
    char err[ERRLEN] = "";
    assert_int_equal(nn_keys_generate(d->base, err, sizeof err), NN_OK);
    char pub_path[256], sec_path[256];
    snprintf(pub_path, sizeof pub_path, "%s.key", d->base);
    snprintf(sec_path, sizeof sec_path, "%s.key_secret", d->base);
    char pub[NN_KEY_Z85_LEN + 1], pub2[NN_KEY_Z85_LEN + 1], sec[NN_KEY_Z85_LEN + 1];
    assert_int_equal(nn_keys_load(sec_path, pub, sec, err, sizeof err), NN_OK);
    assert_int_equal(nn_keys_load(pub_path, pub2, NULL, err, sizeof err), NN_OK);
    assert_string_equal(pub, pub2);
    assert_int_equal(strlen(pub), NN_KEY_Z85_LEN);
    char derived[NN_KEY_Z85_LEN + 1];
    assert_int_equal(zmq_curve_public(derived, sec), 0);
    assert_string_equal(derived, pub);
    /* the public file has no secret in it, and cannot stand for one */
    assert_int_equal(nn_keys_load(pub_path, pub2, sec, err, sizeof err), NN_ESCENARIO);
    assert_non_null(strstr(err, "no secret-key"));
    struct stat st;
    assert_int_equal(stat(sec_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_never_overwrites(void **state)
{
    t_dir_t *d = *state;
    if (!nn_keys_available())
        skip();
    char err[ERRLEN] = "", pub[NN_KEY_Z85_LEN + 1], again[NN_KEY_Z85_LEN + 1];
    char pub_path[256];
    snprintf(pub_path, sizeof pub_path, "%s.key", d->base);
    assert_int_equal(nn_keys_generate(d->base, err, sizeof err), NN_OK);
    assert_int_equal(nn_keys_load(pub_path, pub, NULL, err, sizeof err), NN_OK);
    assert_int_equal(nn_keys_generate(d->base, err, sizeof err), NN_EIO);
    assert_non_null(strstr(err, "node1.key_secret"));
    assert_non_null(strstr(err, "never overwritten"));
    assert_int_equal(nn_keys_load(pub_path, again, NULL, err, sizeof err), NN_OK);
    assert_string_equal(pub, again);
    /* another name, another pair */
    char other[160], other_path[200];
    snprintf(other, sizeof other, "%s/node2", d->path);
    snprintf(other_path, sizeof other_path, "%s.key", other);
    assert_int_equal(nn_keys_generate(other, err, sizeof err), NN_OK);
    assert_int_equal(nn_keys_load(other_path, again, NULL, err, sizeof err), NN_OK);
    assert_string_not_equal(pub, again);
    assert_int_equal(nn_keys_generate("", err, sizeof err), NN_EINVAL);
}

static void test_broken_files(void **state)
{
    t_dir_t *d = *state;
    char err[ERRLEN] = "", pub[NN_KEY_Z85_LEN + 1], sec[NN_KEY_Z85_LEN + 1], path[256];
    s_file(d, "short.key", "curve\n    public-key = \"abc\"\n");
    snprintf(path, sizeof path, "%s/short.key", d->path);
    assert_int_equal(nn_keys_load(path, pub, NULL, err, sizeof err), NN_ESCENARIO);
    assert_non_null(strstr(err, "short.key:2:"));
    assert_non_null(strstr(err, "40 characters of Z85"));
    s_file(d, "none.key", "metadata\ncurve\n");
    snprintf(path, sizeof path, "%s/none.key", d->path);
    assert_int_equal(nn_keys_load(path, pub, NULL, err, sizeof err), NN_ESCENARIO);
    assert_non_null(strstr(err, "no public-key"));
    snprintf(path, sizeof path, "%s/missing.key", d->path);
    assert_int_equal(nn_keys_load(path, pub, NULL, err, sizeof err), NN_EIO);
    assert_non_null(strstr(err, "missing.key"));
    if (!nn_keys_available())
        return;
    /* a secret that is not the public key's */
    char p1[41], s1[41], p2[41], s2[41], text[256];
    assert_int_equal(zmq_curve_keypair(p1, s1), 0);
    assert_int_equal(zmq_curve_keypair(p2, s2), 0);
    snprintf(text, sizeof text, "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n", p1,
             s2);
    s_file(d, "mixed.key_secret", text);
    snprintf(path, sizeof path, "%s/mixed.key_secret", d->path);
    assert_int_equal(nn_keys_load(path, pub, sec, err, sizeof err), NN_ESCENARIO);
    assert_non_null(strstr(err, "does not belong"));
    snprintf(text, sizeof text, "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n", p1,
             s1);
    s_file(d, "good.key_secret", text);
    snprintf(path, sizeof path, "%s/good.key_secret", d->path);
    assert_int_equal(nn_keys_load(path, pub, sec, err, sizeof err), NN_OK);
    assert_string_equal(pub, p1);
    assert_string_equal(sec, s1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generate_and_load, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_never_overwrites, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_broken_files, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
