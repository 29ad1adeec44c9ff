/* Tests of coordinator/report.c: report.html holds the summary and one chart per figure,
 * escapes what it quotes, thins long runs to a bounded number of points, and goes
 * without charts when there are no rounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nunchi/error.h"
#include "report.h"

typedef struct t_fix {
    char dir[64];
    nn_report_rows_t rows;
    char *html;
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/nunchi-test-report.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    nn_report_rows_init(&f->rows);
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/report.html", f->dir);
    unlink(path);
    rmdir(f->dir);
    nn_report_rows_release(&f->rows);
    free(f->html);
    free(f);
    return 0;
}

static nn_report_info_t t_info(void)
{
    nn_report_info_t in = {
        .name = "a <b> & \"c\"",
        .status = "completed",
        .error = NULL,
        .digest_hex = "0123456789abcdef",
        .network = "ring",
        .transport = "inproc",
        .version = "test",
        .seed = 7,
        .agents = 100,
        .edges = 200,
        .rounds = 10,
        .nodes = 2,
    };
    return in;
}

static void t_write(t_fix_t *f, const nn_report_info_t *in)
{
    char err[256] = "";
    assert_int_equal(nn_report_write(f->dir, in, &f->rows, err, sizeof err), NN_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/report.html", f->dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    free(f->html);
    f->html = calloc((size_t)n + 1, 1);
    assert_non_null(f->html);
    assert_int_equal(fread(f->html, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
}

static size_t t_count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void t_add_rounds(t_fix_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        nn_report_row_t row = {{0.5, 0.1, 0.0, 1.0, (uint32_t)(1 + i % 3), 0.2, 0.5}, 100, 90, 1};
        assert_int_equal(nn_report_rows_add(&f->rows, &row), NN_OK);
    }
}

static void test_charts_and_escaping(void **state)
{
    t_fix_t *f = *state;
    t_add_rounds(f, 10);
    double x[100];
    for (int i = 0; i < 100; i++)
        x[i] = i / 99.0;
    nn_report_info_t in = t_info();
    in.final_x = x;
    in.n_final = 100;
    t_write(f, &in);
    assert_int_equal(t_count(f->html, "<svg"), 5);
    assert_non_null(strstr(f->html, "a &lt;b&gt; &amp; &quot;c&quot;"));
    assert_null(strstr(f->html, "a <b>"));
    assert_non_null(strstr(f->html, "0123456789abcdef"));
    assert_non_null(strstr(f->html, "10 of 10"));
    assert_null(strstr(f->html, "<script"));
    /* 50 histogram bars besides the plot frames */
    assert_int_equal(t_count(f->html, "class='bar'"), 50);
}

static void test_no_rounds(void **state)
{
    t_fix_t *f = *state;
    nn_report_info_t in = t_info();
    in.status = "failed";
    in.error = "node 1 missed the deadline of round 1";
    t_write(f, &in);
    assert_int_equal(t_count(f->html, "<svg"), 0);
    assert_non_null(strstr(f->html, "node 1 missed the deadline of round 1"));
    assert_non_null(strstr(f->html, "failed"));
}

static void test_long_runs_are_thinned(void **state)
{
    t_fix_t *f = *state;
    t_add_rounds(f, 100000);
    assert_int_equal(f->rows.n, 100000);
    nn_report_info_t in = t_info();
    in.rounds = 100000;
    t_write(f, &in);
    /* each line: its points are "x,y " pairs; none has more than 1500 of them plus the
     * last */
    const char *p = f->html;
    int lines = 0;
    while ((p = strstr(p, "<polyline"))) {
        const char *end = strstr(p, "/>");
        assert_non_null(end);
        size_t pairs = 0;
        for (const char *q = p; q < end; q++)
            pairs += *q == ',';
        assert_true(pairs <= 1501);
        assert_true(pairs >= 1000);
        lines++;
        p = end;
    }
    assert_int_equal(lines,
                     7); /* mean, polarization, bimodality, clusters, sent, delivered, dropped */
    assert_true(strlen(f->html) < 1000000);
}

static void test_unwritable(void **state)
{
    (void)state;
    nn_report_rows_t rows;
    nn_report_rows_init(&rows);
    nn_report_info_t in = t_info();
    char err[256] = "";
    assert_int_equal(nn_report_write("/nonexistent/dir", &in, &rows, err, sizeof err), NN_EIO);
    assert_non_null(strstr(err, "/nonexistent/dir/report.html"));
    nn_report_rows_release(&rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_charts_and_escaping, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_no_rounds, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_long_runs_are_thinned, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
