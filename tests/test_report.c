/* Tests of coordinator/report.c: report.html holds the summary and one chart per figure,
 * the charts of an institution only when the run has it, escapes what it quotes, thins
 * long runs to a bounded number of points, splits a line where a value is missing, stays
 * well-formed, and goes without charts when there are no rounds. */
#include <setjmp.h>
#include <ctype.h>
#include <math.h>
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

/* The well-formedness the page needs: every element closed in order (meta is void, an
 * element ending in '/>' closes itself), every attribute quoted, no '<' or bare '&' in
 * text or values, and every coordinate of the SVG a finite number inside the viewBox. */
static int t_number(const char **p, double hi)
{
    const char *q = *p;
    if (*q == '-')
        q++;
    if (!isdigit((unsigned char)*q))
        return 0;
    while (isdigit((unsigned char)*q) || *q == '.')
        q++;
    double v = strtod(*p, NULL);
    *p = q;
    return isfinite(v) && v >= 0.0 && v <= hi;
}

/* "x,y x,y ..." of a polygon; a path's: "Mx,y Lx,y x,y ...", a subpath of one point
 * followed by "h0", subpaths apart by " M" */
static int t_coords(const char *v, size_t len, int path)
{
    const char *p = v, *end = v + len;
    size_t tokens = 0, pen = 0; /* points in the current subpath */
    for (; p < end; tokens++) {
        if (tokens > 0 && *p++ != ' ')
            return 0;
        if (path && strncmp(p, "h0", 2) == 0) {
            if (pen != 1)
                return 0;
            p += 2;
            pen = 0;
            continue;
        }
        if (path && *p == 'M' && pen != 1) { /* a new subpath */
            p++;
            pen = 0;
        } else if (path && (pen == 0 || (pen == 1 && *p++ != 'L'))) {
            return 0;
        }
        if (!t_number(&p, 720.0) || *p++ != ',' || !t_number(&p, 220.0))
            return 0;
        pen++;
    }
    return p == end && tokens > 0 && (!path || pen != 1);
}

static void t_well_formed(const char *html)
{
    static const char doctype[] = "<!DOCTYPE html>\n";
    assert_memory_equal(html, doctype, sizeof doctype - 1);
    char stack[32][16];
    int depth = 0, elements = 0;
    const char *p = html + sizeof doctype - 1;
    while (*p) {
        if (*p == '&') {
            const char *q = p + 1;
            while (isalnum((unsigned char)*q) || *q == '#')
                q++;
            assert_true(q > p + 1 && *q == ';');
            p = q + 1;
            continue;
        }
        assert_int_not_equal(*p, '>');
        if (*p != '<') {
            p++;
            continue;
        }
        p++;
        if (*p == '/') {
            size_t n = strcspn(p + 1, ">");
            assert_true(depth > 0);
            depth--;
            assert_int_equal(n, strlen(stack[depth]));
            assert_memory_equal(p + 1, stack[depth], n);
            p += n + 2;
            continue;
        }
        size_t n = strcspn(p, " />");
        assert_true(n > 0 && n < sizeof stack[0]);
        char name[16];
        memcpy(name, p, n);
        name[n] = 0;
        for (size_t i = 0; i < n; i++)
            assert_true(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]));
        p += n;
        elements++;
        /* the attributes: name='value' */
        while (*p == ' ') {
            p++;
            size_t an = strcspn(p, "=");
            char attr[16];
            assert_true(an > 0 && an < sizeof attr);
            memcpy(attr, p, an);
            attr[an] = 0;
            p += an + 1;
            char quote = *p++;
            assert_true(quote == '\'' || quote == '"');
            const char *v = p, *ve = strchr(p, quote);
            assert_non_null(ve);
            for (const char *q = v; q < ve; q++)
                assert_true(*q != '<' && *q != '>');
            if (strcmp(attr, "d") == 0 || strcmp(attr, "points") == 0)
                assert_true(t_coords(v, (size_t)(ve - v), attr[0] == 'd'));
            if (strcmp(attr, "x") == 0 || strcmp(attr, "y") == 0 || strcmp(attr, "width") == 0 ||
                strcmp(attr, "height") == 0) {
                const char *q = v;
                assert_true(t_number(&q, 720.0) && q == ve);
            }
            p = ve + 1;
        }
        if (p[0] == '/' && p[1] == '>') {
            p += 2;
            continue;
        }
        assert_int_equal(*p, '>');
        p++;
        if (strcmp(name, "meta") == 0)
            continue;
        assert_true(depth < 32);
        strcpy(stack[depth++], name);
        if (strcmp(name, "style") == 0) { /* CSS, no markup */
            const char *e = strstr(p, "</style>");
            assert_non_null(e);
            for (const char *q = p; q < e; q++)
                assert_true(*q != '<' && *q != '>');
            p = e;
        }
    }
    assert_int_equal(depth, 0);
    assert_true(elements > 10);
    assert_null(strstr(html, "<script"));
}

/* The d of the one path of class cls, copied into out; 0 when there is none. */
static int t_path(const char *html, const char *cls, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "<path class='%s'", cls);
    const char *p = strstr(html, key);
    if (!p)
        return 0;
    assert_null(strstr(p + 1, key));
    const char *d = strstr(p, " d='");
    assert_non_null(d);
    d += 4;
    size_t n = strcspn(d, "'");
    assert_true(n < cap);
    memcpy(out, d, n);
    out[n] = 0;
    return 1;
}

/* The points of a path: one comma each. */
static size_t t_points(const char *d)
{
    return t_count(d, ",");
}

static nn_report_row_t t_row(unsigned institutions)
{
    nn_report_row_t row = {
        .m = {0.5, 0.1, 0.0, 1.0, 2, 0.2, 0.5},
        .sent = 100,
        .delivered = 90,
        .dropped = 1,
        .institutions = institutions,
        .cooperation = NAN,
        .trend_share = NAN,
    };
    return row;
}

static const char *const t_new_titles[] = {
    "<figcaption>Cooperation</figcaption>", "<figcaption>Norms</figcaption>",
    "<figcaption>Sanctioned agents</figcaption>", "<figcaption>Cases</figcaption>",
    "<figcaption>Trends</figcaption>"};

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
    /* rows without institutions: none of their charts */
    for (size_t k = 0; k < sizeof t_new_titles / sizeof t_new_titles[0]; k++)
        assert_null(strstr(f->html, t_new_titles[k]));
    assert_non_null(strstr(f->html, "<figcaption>Messages</figcaption>"));
    t_well_formed(f->html);
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
    t_well_formed(f->html);
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
    while ((p = strstr(p, "<path"))) {
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
    t_well_formed(f->html);
}

/* Four rounds with every institution: each gets its charts, and the lines go through the
 * hand-computed points. x = 56 + 652 i / 3 for round i+1; y = 192 - 180 v / ymax. */
static void test_institution_charts(void **state)
{
    t_fix_t *f = *state;
    const unsigned all = NN_REPORT_GAME | NN_REPORT_NORMS | NN_REPORT_CASES | NN_REPORT_TRENDS;
    const double coop[4] = {0.0, 0.5, 1.0, 0.25}, trend[4] = {NAN, 0.1, 0.2, 0.05};
    const uint64_t viol[4] = {0, 2, 4, 10}, sanc[4] = {0, 1, 2, 3}, blocked[4] = {0, 5, 0, 7};
    for (int i = 0; i < 4; i++) {
        nn_report_row_t row = t_row(all);
        row.cooperation = coop[i];
        row.trend_share = trend[i];
        row.violations = viol[i];
        row.sanctions = sanc[i];
        row.blocked = blocked[i];
        row.muted = (uint32_t)(i % 2);
        row.excluded = (uint32_t)(i / 2);
        row.cases_opened = (uint64_t)(i == 0);
        row.cases_closed = (uint64_t)(i == 3);
        row.cases_open = 1;
        assert_int_equal(nn_report_rows_add(&f->rows, &row), NN_OK);
    }
    nn_report_info_t in = t_info();
    in.rounds = 4;
    t_write(f, &in);
    t_well_formed(f->html);
    /* opinions, polarization, clusters, messages, then the five of the institutions */
    assert_int_equal(t_count(f->html, "<svg"), 9);
    for (size_t k = 0; k < sizeof t_new_titles / sizeof t_new_titles[0]; k++)
        assert_non_null(strstr(f->html, t_new_titles[k]));
    /* in the table's order, after the messages */
    const char *msg = strstr(f->html, "<figcaption>Messages</figcaption>");
    for (size_t k = 0; k < sizeof t_new_titles / sizeof t_new_titles[0]; k++) {
        const char *t = strstr(f->html, t_new_titles[k]);
        assert_true(t > msg);
        msg = t;
    }
    char d[4096];
    /* cooperation on 0..1 */
    assert_true(t_path(f->html, "cooperation", d, sizeof d));
    assert_string_equal(d, "M56.0,192.0 L273.3,102.0 490.7,12.0 708.0,147.0");
    /* the norms' counts on 0..11 (10 and 10% headroom) */
    assert_true(t_path(f->html, "violations", d, sizeof d));
    assert_string_equal(d, "M56.0,192.0 L273.3,159.3 490.7,126.5 708.0,28.4");
    assert_non_null(strstr(f->html, "class='yl'>11</text>"));
    static const char *const four[] = {"sanctions", "blocked", "muted",    "excluded",
                                       "opened",    "closed",  "open",     "mean",
                                       "polar",     "bimod",   "clusters", "sent"};
    for (size_t k = 0; k < sizeof four / sizeof four[0]; k++) {
        assert_true(t_path(f->html, four[k], d, sizeof d));
        assert_int_equal(t_points(d), 4);
        assert_int_equal(t_count(d, "M"), 1);
    }
    /* the newest trend: none before round 2 */
    assert_true(t_path(f->html, "trend", d, sizeof d));
    assert_string_equal(d, "M273.3,174.0 L490.7,156.0 708.0,183.0");
    /* each chart's legend names its series in their colours */
    assert_non_null(strstr(f->html, "<span style='color:#2f9e44'>cooperation rate</span>"));
    assert_non_null(strstr(f->html, "<span style='color:#d9480f'>violations</span>"));
    assert_non_null(strstr(f->html, "<span style='color:#c92a2a'>excluded</span>"));
    assert_non_null(strstr(f->html, "<span style='color:#8a3ea8'>open</span>"));
    assert_non_null(strstr(f->html, "<span style='color:#1f5fa8'>newest trend</span>"));
    assert_non_null(strstr(f->html, "class='xl'>share of moves</text>"));
    assert_non_null(strstr(f->html, "class='xl'>cases</text>"));
}

/* Each institution alone gives its charts and no other's. */
static void test_each_institution_alone(void **state)
{
    t_fix_t *f = *state;
    static const struct {
        unsigned bit;
        int charts; /* of t_new_titles, as bits */
    } cases[] = {{NN_REPORT_GAME, 1},
                 {NN_REPORT_NORMS, 2 | 4},
                 {NN_REPORT_CASES, 8},
                 {NN_REPORT_TRENDS, 16}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        nn_report_rows_release(&f->rows);
        nn_report_rows_init(&f->rows);
        for (int i = 0; i < 3; i++) {
            nn_report_row_t row = t_row(cases[c].bit);
            row.cooperation = 0.5;
            row.trend_share = 0.5;
            assert_int_equal(nn_report_rows_add(&f->rows, &row), NN_OK);
        }
        nn_report_info_t in = t_info();
        t_write(f, &in);
        t_well_formed(f->html);
        int n = 0;
        for (size_t k = 0; k < sizeof t_new_titles / sizeof t_new_titles[0]; k++) {
            int want = (cases[c].charts >> k) & 1;
            assert_int_equal(strstr(f->html, t_new_titles[k]) != NULL, want);
            n += want;
        }
        assert_int_equal(t_count(f->html, "<svg"), 4 + n);
    }
}

/* A missing value (NaN, an infinity, or a round whose row lacks the institution) ends a
 * subpath; a lone value is a zero-length one. x = 56 + 652 i / 6, y = 192 - 180 v. */
static void test_gaps_split_the_path(void **state)
{
    t_fix_t *f = *state;
    const double coop[7] = {0.5, NAN, INFINITY, 0.25, 0.75, 0.3, 1.0};
    for (int i = 0; i < 7; i++) {
        /* round 6 has no game: its 0.3 is not a value */
        nn_report_row_t row = t_row(i == 5 ? NN_REPORT_TRENDS : NN_REPORT_GAME);
        row.cooperation = coop[i];
        assert_int_equal(nn_report_rows_add(&f->rows, &row), NN_OK);
    }
    nn_report_info_t in = t_info();
    t_write(f, &in);
    t_well_formed(f->html);
    char d[4096];
    assert_true(t_path(f->html, "cooperation", d, sizeof d));
    assert_string_equal(d, "M56.0,102.0 h0 M382.0,147.0 L490.7,57.0 M708.0,12.0 h0");
    assert_null(strstr(f->html, "nan"));
    assert_null(strstr(f->html, "inf,"));
    /* the trend chart is there (round 6 has trends) but without a value it has no line */
    assert_non_null(strstr(f->html, "<figcaption>Trends</figcaption>"));
    assert_false(t_path(f->html, "trend", d, sizeof d));
}

/* Thinning keeps gaps: of 100000 rounds every 67th is drawn, and the last (1494 points);
 * a trend born at round 50001 starts at the 748th of them, 50050 (747 points). */
static void test_long_gaps_are_thinned(void **state)
{
    t_fix_t *f = *state;
    for (size_t i = 0; i < 100000; i++) {
        nn_report_row_t row = t_row(NN_REPORT_TRENDS);
        row.trend_share = i < 50000 ? NAN : 0.5;
        assert_int_equal(nn_report_rows_add(&f->rows, &row), NN_OK);
    }
    nn_report_info_t in = t_info();
    in.rounds = 100000;
    t_write(f, &in);
    t_well_formed(f->html);
    static char d[200000];
    assert_true(t_path(f->html, "mean", d, sizeof d));
    assert_int_equal(t_points(d), 1494);
    assert_true(t_path(f->html, "trend", d, sizeof d));
    assert_int_equal(t_points(d), 747);
    assert_int_equal(t_count(d, "M"), 1);
    /* x of round 50050: 56 + 652 * 50049 / 99999 = 382.3 */
    assert_memory_equal(d, "M382.3,", 7);
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
        cmocka_unit_test_setup_teardown(test_institution_charts, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_each_institution_alone, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_gaps_split_the_path, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_long_gaps_are_thinned, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
