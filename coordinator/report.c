/* report.html: the summary and inline SVG charts of a run; see report.h. Every chart over
 * the rounds but the opinions' is one s_chart_t of the table s_charts, drawn by
 * s_line_chart; an institution's charts are drawn only when the run has it. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/error.h"

#define S_W          720.0 /* chart size in SVG units */
#define S_H          220.0
#define S_LEFT       56.0 /* room for the y labels */
#define S_RIGHT      12.0
#define S_TOP        12.0
#define S_BOTTOM     28.0
#define S_MAX_POINTS 1500 /* a line has at most this many points, whatever the rounds */
#define S_BINS       50   /* of the final opinions' histogram */

void nn_report_rows_init(nn_report_rows_t *rows)
{
    memset(rows, 0, sizeof *rows);
}

void nn_report_rows_release(nn_report_rows_t *rows)
{
    free(rows->row);
    memset(rows, 0, sizeof *rows);
}

int nn_report_rows_add(nn_report_rows_t *rows, const nn_report_row_t *row)
{
    if (rows->n == rows->cap) {
        size_t cap = rows->cap ? 2 * rows->cap : 256;
        nn_report_row_t *r = realloc(rows->row, cap * sizeof *r);
        if (!r)
            return NN_ENOMEM;
        rows->row = r;
        rows->cap = cap;
    }
    rows->row[rows->n++] = *row;
    return NN_OK;
}

static void s_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A value of a round for a line. */
typedef double (*s_get_fn)(const nn_report_row_t *row);

/* the getters, one a line: a function of the row r */
#define S_GET(name, expr)                                                                          \
    static double name(const nn_report_row_t *r)                                                   \
    {                                                                                              \
        return (expr);                                                                             \
    }
S_GET(s_mean, r->m.mean)
S_GET(s_lo_sd, r->m.mean - r->m.sd)
S_GET(s_hi_sd, r->m.mean + r->m.sd)
S_GET(s_min, r->m.min)
S_GET(s_max, r->m.max)
S_GET(s_polar, r->m.polarization)
S_GET(s_bimod, r->m.bimodality)
S_GET(s_clusters, r->m.clusters)
S_GET(s_sent, (double)r->sent)
S_GET(s_delivered, (double)r->delivered)
S_GET(s_dropped, (double)r->dropped)
S_GET(s_cooperation, r->cooperation)
S_GET(s_violations, (double)r->violations)
S_GET(s_sanctions, (double)r->sanctions)
S_GET(s_blocked, (double)r->blocked)
S_GET(s_muted, (double)r->muted)
S_GET(s_excluded, (double)r->excluded)
S_GET(s_opened, (double)r->cases_opened)
S_GET(s_closed, (double)r->cases_closed)
S_GET(s_open, (double)r->cases_open)
S_GET(s_trend, r->trend_share)
#undef S_GET

/* One line of a chart: the legend gives its label in its colour, then `what`. */
typedef struct s_series {
    s_get_fn get;
    const char *cls, *color;
    const char *label, *what; /* HTML; what may be NULL */
} s_series_t;

/* A line chart of a few series over the rounds. Its y range is 0 to 1 at least, grown to
 * the data, and the top then by `room`, so that a constant count stays off the frame. A
 * chart of an institution is drawn when some row has its bit, and a round whose row lacks
 * the bit has no value, as a NaN: the lines have a gap there. */
typedef struct s_chart {
    unsigned bit; /* NN_REPORT_*; 0: always drawn, every round has values */
    const char *title, *ylabel;
    double room;
    const char *note; /* HTML closing the legend, or NULL */
    size_t n_series;
    s_series_t series[3];
} s_chart_t;

static const s_series_t s_mean_line = {s_mean, "mean", "#1f5fa8", "mean", NULL};

static const s_chart_t s_charts[] = {
    {.title = "Polarization",
     .ylabel = "index",
     .room = 1.0,
     .n_series = 2,
     .series = {{s_polar, "polar", "#d9480f", "Esteban-Ray polarization",
                 "(alpha 1.6, 20 bins; 1 for halves at the ends)"},
                {s_bimod, "bimod", "#2f9e44", "bimodality coefficient",
                 "(above 5/9 suggests two modes)"}}},
    {.title = "Opinion clusters",
     .ylabel = "clusters",
     .room = 1.1,
     .n_series = 1,
     .series = {{s_clusters, "clusters", "#8a3ea8", "clusters",
                 "(groups of sorted opinions split by gaps over 0.01 holding at least 1% of "
                 "the agents)"}}},
    {.title = "Messages",
     .ylabel = "messages a round",
     .room = 1.1,
     .n_series = 3,
     .series = {{s_sent, "sent", "#1f5fa8", "sent", NULL},
                {s_delivered, "delivered", "#2f9e44", "delivered",
                 "(what was sent the round before)"},
                {s_dropped, "dropped", "#d9480f", "dropped", NULL}}},
    {.bit = NN_REPORT_GAME,
     .title = "Cooperation",
     .ylabel = "share of moves",
     .room = 1.0,
     .note = "a gap where the round had no moves",
     .n_series = 1,
     .series = {{s_cooperation, "cooperation", "#2f9e44", "cooperation rate",
                 "(the game's cooperative moves over all its moves in the round)"}}},
    {.bit = NN_REPORT_NORMS,
     .title = "Norms",
     .ylabel = "count a round",
     .room = 1.1,
     .n_series = 3,
     .series = {{s_violations, "violations", "#d9480f", "violations",
                 "(detected breaches of every norm)"},
                {s_sanctions, "sanctions", "#8a3ea8", "sanctions",
                 "(warnings, reputation losses, mutes and exclusions imposed)"},
                {s_blocked, "blocked", "#1f5fa8", "blocked messages",
                 "(stopped by the norms, mutes and exclusions)"}}},
    {.bit = NN_REPORT_NORMS,
     .title = "Sanctioned agents",
     .ylabel = "agents",
     .room = 1.1,
     .note = "for the round after",
     .n_series = 2,
     .series = {{s_muted, "muted", "#e67700", "muted", "(may not send)"},
                {s_excluded, "excluded", "#c92a2a", "excluded", "(may neither send nor receive)"}}},
    {.bit = NN_REPORT_CASES,
     .title = "Cases",
     .ylabel = "cases",
     .room = 1.1,
     .n_series = 3,
     .series = {{s_opened, "opened", "#1f5fa8", "opened", "(in the round)"},
                {s_closed, "closed", "#2f9e44", "closed", "(in the round)"},
                {s_open, "open", "#8a3ea8", "open", "(at the round's end)"}}},
    {.bit = NN_REPORT_TRENDS,
     .title = "Trends",
     .ylabel = "share of agents",
     .room = 1.0,
     .note = "the share drops when a new trend is born; a gap before the first",
     .n_series = 1,
     .series = {{s_trend, "trend", "#1f5fa8", "newest trend", "(its adopters over all agents)"}}},
};

/* The series' value of one round, NaN for none (never an infinity either): a row
 * without the institution `bit` has none. */
static double s_value(const s_series_t *s, unsigned bit, const nn_report_row_t *row)
{
    if (bit && !(row->institutions & bit))
        return NAN;
    double v = s->get(row);
    return isfinite(v) ? v : NAN;
}

typedef struct s_frame {
    size_t n; /* rounds */
    double ymin, ymax;
} s_frame_t;

static double s_x(const s_frame_t *fr, double i)
{
    double span = fr->n > 1 ? (double)(fr->n - 1) : 1.0;
    return S_LEFT + (S_W - S_LEFT - S_RIGHT) * i / span;
}

static double s_y(const s_frame_t *fr, double v)
{
    double span = fr->ymax > fr->ymin ? fr->ymax - fr->ymin : 1.0;
    return S_H - S_BOTTOM - (S_H - S_TOP - S_BOTTOM) * (v - fr->ymin) / span;
}

static void s_axes(FILE *f, const s_frame_t *fr, const char *ylabel)
{
    fprintf(f, "<rect x='%g' y='%g' width='%g' height='%g' class='plot'/>\n", S_LEFT, S_TOP,
            S_W - S_LEFT - S_RIGHT, S_H - S_TOP - S_BOTTOM);
    for (int t = 0; t <= 4; t++) {
        double v = fr->ymin + (fr->ymax - fr->ymin) * t / 4.0;
        fprintf(f, "<text x='%g' y='%g' class='yl'>%.4g</text>\n", S_LEFT - 4, s_y(fr, v) + 4, v);
    }
    fprintf(f, "<text x='%g' y='%g' class='xl'>round 1</text>\n", S_LEFT, S_H - 8);
    fprintf(f, "<text x='%g' y='%g' class='xl end'>round %zu</text>\n", S_W - S_RIGHT, S_H - 8,
            fr->n);
    fprintf(f, "<text x='%g' y='%g' class='xl'>", S_LEFT + 4, S_TOP + 14);
    s_text(f, ylabel);
    fputs("</text>\n", f);
}

/* The rounds a line draws are every step-th and the last, so that a line has at most
 * S_MAX_POINTS + 1 points whatever the rounds. */
static size_t s_step(size_t n)
{
    return n > S_MAX_POINTS ? (n + S_MAX_POINTS - 1) / S_MAX_POINTS : 1;
}

static size_t s_next(size_t i, size_t n)
{
    size_t step = s_step(n);
    return i + step < n ? i + step : n - 1;
}

/* One <path> for the series, a subpath for each run of rounds with values, so that a NaN
 * is a gap and never a broken coordinate; a lone value is a zero-length subpath, which the
 * round line caps draw as a dot. Nothing at all when the series has no value. */
static void s_path(FILE *f, const s_frame_t *fr, const nn_report_rows_t *rows, const s_series_t *s,
                   unsigned bit)
{
    int open = 0;
    size_t pen = 0; /* points in the current subpath */
    for (size_t i = 0;; i = s_next(i, rows->n)) {
        double v = s_value(s, bit, &rows->row[i]);
        if (isnan(v)) {
            if (pen == 1)
                fputs(" h0", f);
            pen = 0;
        } else {
            if (!open)
                fprintf(f, "<path class='%s' stroke='%s' d='", s->cls, s->color);
            const char *sep = pen > 1 ? " " : pen == 1 ? " L" : open ? " M" : "M";
            fprintf(f, "%s%.1f,%.1f", sep, s_x(fr, (double)i), s_y(fr, v));
            open = 1;
            pen++;
        }
        if (i == rows->n - 1)
            break;
    }
    if (pen == 1)
        fputs(" h0", f);
    if (open)
        fputs("'/>\n", f);
}

/* The points of a band's edge, thinned as a line's. */
static void s_points(FILE *f, const s_frame_t *fr, const nn_report_rows_t *rows, s_get_fn get,
                     int reverse)
{
    size_t step = s_step(rows->n);
    for (size_t k = 0; k < rows->n; k += step) {
        size_t i = reverse ? rows->n - 1 - k : k;
        fprintf(f, "%.1f,%.1f ", s_x(fr, (double)i), s_y(fr, get(&rows->row[i])));
    }
    size_t last = reverse ? 0 : rows->n - 1;
    fprintf(f, "%.1f,%.1f", s_x(fr, (double)last), s_y(fr, get(&rows->row[last])));
}

static void s_band(FILE *f, const s_frame_t *fr, const nn_report_rows_t *rows, s_get_fn lo,
                   s_get_fn hi, const char *cls)
{
    fprintf(f, "<polygon class='%s' points='", cls);
    s_points(f, fr, rows, hi, 0);
    fputc(' ', f);
    s_points(f, fr, rows, lo, 1);
    fputs("'/>\n", f);
}

static void s_chart_open(FILE *f, const char *title)
{
    fputs("<figure><figcaption>", f);
    s_text(f, title);
    fprintf(f, "</figcaption><svg viewBox='0 0 %g %g' role='img'>\n", S_W, S_H);
}

/* The legend: each series' label in its colour, then the note. */
static void s_chart_close(FILE *f, const s_series_t *s, size_t n, const char *note)
{
    fputs("</svg><p class='legend'>", f);
    for (size_t k = 0; k < n; k++) {
        fprintf(f, "%s<span style='color:%s'>%s</span>", k ? ", " : "", s[k].color, s[k].label);
        if (s[k].what)
            fprintf(f, " %s", s[k].what);
    }
    if (note)
        fprintf(f, "%s%s", n ? "; " : "", note);
    fputs("</p></figure>\n", f);
}

static void s_line_chart(FILE *f, const nn_report_rows_t *rows, const s_chart_t *c)
{
    s_frame_t fr = {rows->n, 0.0, 1.0};
    for (size_t k = 0; k < c->n_series; k++) {
        for (size_t i = 0; i < rows->n; i++) {
            double v = s_value(&c->series[k], c->bit, &rows->row[i]);
            if (v < fr.ymin) /* false for a NaN */
                fr.ymin = v;
            if (v > fr.ymax)
                fr.ymax = v;
        }
    }
    fr.ymax *= c->room;
    s_chart_open(f, c->title);
    s_axes(f, &fr, c->ylabel);
    for (size_t k = 0; k < c->n_series; k++)
        s_path(f, &fr, rows, &c->series[k], c->bit);
    s_chart_close(f, c->series, c->n_series, c->note);
}

static void s_histogram(FILE *f, const double *x, size_t n)
{
    uint64_t bin[S_BINS] = {0}, top = 1;
    for (size_t i = 0; i < n; i++) {
        int b = (int)(x[i] * S_BINS);
        b = b < 0 ? 0 : b >= S_BINS ? S_BINS - 1 : b;
        bin[b]++;
    }
    for (int b = 0; b < S_BINS; b++)
        top = bin[b] > top ? bin[b] : top;
    s_frame_t fr = {S_BINS + 1, 0.0, (double)top};
    s_chart_open(f, "Final opinions");
    fprintf(f, "<rect x='%g' y='%g' width='%g' height='%g' class='plot'/>\n", S_LEFT, S_TOP,
            S_W - S_LEFT - S_RIGHT, S_H - S_TOP - S_BOTTOM);
    double w = (S_W - S_LEFT - S_RIGHT) / S_BINS;
    for (int b = 0; b < S_BINS; b++) {
        double y = s_y(&fr, (double)bin[b]);
        fprintf(f, "<rect class='bar' x='%.1f' y='%.1f' width='%.1f' height='%.1f'/>\n",
                S_LEFT + b * w + 0.5, y, w - 1.0, S_H - S_BOTTOM - y);
    }
    fprintf(f, "<text x='%g' y='%g' class='yl'>%llu</text>\n", S_LEFT - 4, S_TOP + 10,
            (unsigned long long)top);
    fprintf(f, "<text x='%g' y='%g' class='xl'>0</text>\n", S_LEFT, S_H - 8);
    fprintf(f, "<text x='%g' y='%g' class='xl end'>1</text>\n", S_W - S_RIGHT, S_H - 8);
    s_chart_close(f, NULL, 0, "agents per opinion bin of width 0.02");
}

static void s_row(FILE *f, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_row(FILE *f, const char *key, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(f, "<tr><th>%s</th><td>", key);
    s_text(f, buf);
    fputs("</td></tr>\n", f);
}

int nn_report_write(const char *run_dir, const nn_report_info_t *in, const nn_report_rows_t *rows,
                    char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/report.html", run_dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return NN_EIO;
    }
    fputs("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n<title>nunchi: ", f);
    s_text(f, in->name);
    fputs("</title>\n<style>\n"
          "body{font:14px/1.4 sans-serif;max-width:760px;margin:2em auto;color:#222}\n"
          "table{border-collapse:collapse;margin:1em 0}th,td{padding:2px 10px;text-align:left}\n"
          "th{font-weight:normal;color:#666}figure{margin:1.5em 0}figcaption{font-weight:bold}\n"
          "svg{width:100%;height:auto}.plot{fill:#fafafa;stroke:#ccc}\n"
          "path{fill:none;stroke-width:1.5;stroke-linecap:round;stroke-linejoin:round}\n"
          ".range{fill:#1f5fa8;opacity:.12}.sd{fill:#1f5fa8;opacity:.25}.bar{fill:#1f5fa8}\n"
          "text{font-size:11px;fill:#555}.yl{text-anchor:end}.end{text-anchor:end}\n"
          ".legend{color:#666;margin:0}.failed{color:#c92a2a}\n"
          "</style></head><body>\n<h1>",
          f);
    s_text(f, in->name);
    fputs("</h1>\n", f);
    if (in->error && in->error[0]) {
        fputs("<p class='failed'>", f);
        s_text(f, in->error);
        fputs("</p>\n", f);
    }
    fputs("<table>\n", f);
    s_row(f, "status", "%s", in->status);
    s_row(f, "digest", "%s", in->digest_hex[0] ? in->digest_hex : "(none)");
    s_row(f, "seed", "%llu", (unsigned long long)in->seed);
    s_row(f, "agents", "%llu", (unsigned long long)in->agents);
    s_row(f, "network", "%s, %llu edges, mean degree %.3f, clustering %.4f", in->network,
          (unsigned long long)in->edges, in->agents ? 2.0 * (double)in->edges / in->agents : 0.0,
          in->clustering);
    s_row(f, "rounds", "%zu of %llu", rows->n, (unsigned long long)in->rounds);
    s_row(f, "nodes", "%llu over %s", (unsigned long long)in->nodes, in->transport);
    s_row(f, "messages", "%llu sent, %llu delivered, %llu dropped, %llu in flight",
          (unsigned long long)in->sent, (unsigned long long)in->delivered,
          (unsigned long long)in->dropped, (unsigned long long)in->in_flight);
    s_row(f, "refused wire messages", "%llu", (unsigned long long)in->rejected);
    s_row(f, "time", "%.2f s, %.3g deliveries/s", in->wall_s, in->deliveries_per_s);
    s_row(f, "nunchi", "%s", in->version);
    fputs("</table>\n", f);

    if (rows->n > 0) {
        s_frame_t fr = {rows->n, 0.0, 1.0};
        s_chart_open(f, "Opinions");
        s_axes(f, &fr, "opinion");
        s_band(f, &fr, rows, s_min, s_max, "range");
        s_band(f, &fr, rows, s_lo_sd, s_hi_sd, "sd");
        s_path(f, &fr, rows, &s_mean_line, 0);
        s_chart_close(f, NULL, 0,
                      "mean (line), mean &plusmn; sd (dark band), min to max (light band)");
        /* an institution's charts only for a run that has it */
        unsigned institutions = 0;
        for (size_t i = 0; i < rows->n; i++)
            institutions |= rows->row[i].institutions;
        for (size_t k = 0; k < sizeof s_charts / sizeof s_charts[0]; k++)
            if (!s_charts[k].bit || (institutions & s_charts[k].bit))
                s_line_chart(f, rows, &s_charts[k]);
    }
    if (in->final_x && in->n_final)
        s_histogram(f, in->final_x, in->n_final);
    fputs("<p class='legend'>Written by nunchi. The numbers are those of metrics.csv and "
          "summary.json in this directory.</p>\n</body></html>\n",
          f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "cannot write '%s'", path);
        return NN_EIO;
    }
    return NN_OK;
}
