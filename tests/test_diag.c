/* Tests of coordinator/diag.c: messages accumulate one a line with a count, printing
 * prefixes "nunchi: " to each, release empties the list for reuse, and ten thousand long
 * messages are all kept in order. Each test starts from a fresh nn_diag_t. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"

/* What nn_diag_print writes, as a malloc'd string the caller frees. */
static char *t_printed(const nn_diag_t *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    nn_diag_print(d, f);
    assert_int_equal(fclose(f), 0);
    assert_non_null(buf);
    return buf;
}

static void test_empty(void **state)
{
    (void)state;
    nn_diag_t d = NN_DIAG_INIT;
    assert_int_equal(d.count, 0);
    assert_null(d.text);
    char *out = t_printed(&d);
    assert_string_equal(out, "");
    free(out);
    nn_diag_release(&d);
    nn_diag_release(&d); /* twice is harmless */
    nn_diag_init(&d);
    assert_int_equal(d.count, 0);
    assert_null(d.text);
    assert_int_equal(d.len, 0);
    nn_diag_release(&d);
}

static void test_accumulate(void **state)
{
    (void)state;
    nn_diag_t d;
    nn_diag_init(&d);
    nn_diag_add(&d, "unknown key '%s' at %s:%d:%d", "netwrk", "s.yaml", 4, 3);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.text, "unknown key 'netwrk' at s.yaml:4:3\n");
    assert_int_equal(d.len, strlen(d.text));
    nn_diag_add(&d, "second");
    assert_int_equal(d.count, 2);
    nn_diag_add(&d, "%s", "");
    assert_int_equal(d.count, 3);
    nn_diag_add(&d, "%d%%", 50);
    assert_int_equal(d.count, 4);
    assert_string_equal(d.text, "unknown key 'netwrk' at s.yaml:4:3\nsecond\n\n50%\n");
    assert_int_equal(d.len, strlen(d.text));
    assert_int_equal(d.oom, 0);
    nn_diag_release(&d);
}

static void test_print(void **state)
{
    (void)state;
    nn_diag_t d = NN_DIAG_INIT;
    nn_diag_add(&d, "first error");
    nn_diag_add(&d, "second: %u", 2u);
    char *out = t_printed(&d);
    assert_string_equal(out, "nunchi: first error\nnunchi: second: 2\n");
    free(out);

    /* into a tmpfile too, as stderr would be */
    FILE *f = tmpfile();
    assert_non_null(f);
    nn_diag_print(&d, f);
    rewind(f);
    char line[128];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "nunchi: first error\n");
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "nunchi: second: 2\n");
    assert_null(fgets(line, sizeof line, f));
    fclose(f);

    /* printing does not consume the messages */
    out = t_printed(&d);
    assert_string_equal(out, "nunchi: first error\nnunchi: second: 2\n");
    free(out);
    nn_diag_release(&d);
}

static void test_release_resets(void **state)
{
    (void)state;
    nn_diag_t d = NN_DIAG_INIT;
    nn_diag_add(&d, "old");
    nn_diag_add(&d, "older");
    nn_diag_release(&d);
    assert_int_equal(d.count, 0);
    assert_null(d.text);
    assert_int_equal(d.len, 0);
    assert_int_equal(d.cap, 0);
    assert_int_equal(d.oom, 0);
    char *out = t_printed(&d);
    assert_string_equal(out, "");
    free(out);
    /* reusable after release */
    nn_diag_add(&d, "new");
    assert_int_equal(d.count, 1);
    assert_string_equal(d.text, "new\n");
    nn_diag_release(&d);
}

static void test_many_long(void **state)
{
    (void)state;
    enum { N = 10000, LEN = 300 };
    char body[LEN - 8 + 1];
    memset(body, 'x', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    nn_diag_t d = NN_DIAG_INIT;
    for (int i = 0; i < N; i++)
        nn_diag_add(&d, "%07d:%s", i, body); /* 7 + 1 + 292 = 300 bytes */
    assert_int_equal(d.count, N);
    assert_int_equal(d.oom, 0);
    assert_int_equal(d.len, (size_t)N * (LEN + 1));
    assert_int_equal(strlen(d.text), d.len);

    char *out = t_printed(&d);
    const char *p = out;
    char want[16];
    for (int i = 0; i < N; i++) {
        assert_memory_equal(p, "nunchi: ", 8);
        snprintf(want, sizeof want, "%07d:", i);
        assert_memory_equal(p + 8, want, 8);
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_int_equal(nl - p, 8 + LEN);
        p = nl + 1;
    }
    assert_int_equal(*p, '\0');
    free(out);
    nn_diag_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),     cmocka_unit_test(test_accumulate),
        cmocka_unit_test(test_print),     cmocka_unit_test(test_release_resets),
        cmocka_unit_test(test_many_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
