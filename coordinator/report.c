/* report.html: the summary and inline SVG charts of a run; see report.h. */
#include "report.h"

#include <errno.h>
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

/* A value of round i (0-based) for a line. */
typedef double (*s_get_fn)(const nn_report_row_t *row);

static double s_mean(const nn_report_row_t *r)
{
    return r->m.mean;
}
static double s_lo_sd(const nn_report_row_t *r)
{
    return r->m.mean - r->m.sd;
}
static double s_hi_sd(const nn_report_row_t *r)
{
    return r->m.mean + r->m.sd;
}
static double s_min(const nn_report_row_t *r)
{
    return r->m.min;
}
static double s_max(const nn_report_row_t *r)
{
    return r->m.max;
}
static double s_polar(const nn_report_row_t *r)
{
    return r->m.polarization;
}
static double s_bimod(const nn_report_row_t *r)
{
    return r->m.bimodality;
}
static double s_clusters(const nn_report_row_t *r)
{
    return r->m.clusters;
}
static double s_sent(const nn_report_row_t *r)
{
    return (double)r->sent;
}
static double s_delivered(const nn_report_row_t *r)
{
    return (double)r->delivered;
}
static double s_dropped(const nn_report_row_t *r)
{
    return (double)r->dropped;
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

/* The points of one line, thinned to at most S_MAX_POINTS. */
static void s_points(FILE *f, const s_frame_t *fr, const nn_report_rows_t *rows, s_get_fn get,
                     int reverse)
{
    size_t step = rows->n > S_MAX_POINTS ? (rows->n + S_MAX_POINTS - 1) / S_MAX_POINTS : 1;
    for (size_t k = 0; k < rows->n; k += step) {
        size_t i = reverse ? rows->n - 1 - k : k;
        fprintf(f, "%.1f,%.1f ", s_x(fr, (double)i), s_y(fr, get(&rows->row[i])));
    }
    size_t last = reverse ? 0 : rows->n - 1;
    fprintf(f, "%.1f,%.1f", s_x(fr, (double)last), s_y(fr, get(&rows->row[last])));
}

static void s_line(FILE *f, const s_frame_t *fr, const nn_report_rows_t *rows, s_get_fn get,
                   const char *cls)
{
    fprintf(f, "<polyline class='%s' points='", cls);
    s_points(f, fr, rows, get, 0);
    fputs("'/>\n", f);
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

static void s_chart_close(FILE *f, const char *legend)
{
    fprintf(f, "</svg><p class='legend'>%s</p></figure>\n", legend);
}

static void s_range(const nn_report_rows_t *rows, s_get_fn get, double *lo, double *hi)
{
    for (size_t i = 0; i < rows->n; i++) {
        double v = get(&rows->row[i]);
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
    }
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
    s_chart_close(f, "agents per opinion bin of width 0.02");
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
          "polyline{fill:none;stroke-width:1.5}.mean{stroke:#1f5fa8}.clusters{stroke:#8a3ea8}\n"
          ".sent{stroke:#1f5fa8}.delivered{stroke:#2f9e44}.dropped{stroke:#d9480f}\n"
          ".polar{stroke:#d9480f}.bimod{stroke:#2f9e44}.range{fill:#1f5fa8;opacity:.12}.sd{fill:#"
          "1f5fa8;opacity:.25}.bar{fill:#1f5fa8}\n"
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
        s_line(f, &fr, rows, s_mean, "mean");
        s_chart_close(f, "mean (line), mean &plusmn; sd (dark band), min to max (light band)");

        fr.ymin = 0.0;
        fr.ymax = 1.0;
        s_range(rows, s_bimod, &fr.ymin, &fr.ymax);
        s_chart_open(f, "Polarization");
        s_axes(f, &fr, "index");
        s_line(f, &fr, rows, s_polar, "polar");
        s_line(f, &fr, rows, s_bimod, "bimod");
        s_chart_close(f, "<span style='color:#d9480f'>Esteban-Ray polarization</span> (alpha "
                         "1.6, 20 bins; 1 for halves at the ends), "
                         "<span style='color:#2f9e44'>bimodality coefficient</span> (above 5/9 "
                         "suggests two modes)");

        fr.ymin = 0.0;
        fr.ymax = 1.0;
        s_range(rows, s_clusters, &fr.ymin, &fr.ymax);
        fr.ymax *= 1.1; /* a constant line stays off the frame */
        s_chart_open(f, "Opinion clusters");
        s_axes(f, &fr, "clusters");
        s_line(f, &fr, rows, s_clusters, "clusters");
        s_chart_close(f, "groups of sorted opinions split by gaps over 0.01 holding at least 1% "
                         "of the agents");

        fr.ymin = 0.0;
        fr.ymax = 1.0;
        s_range(rows, s_sent, &fr.ymin, &fr.ymax);
        s_range(rows, s_delivered, &fr.ymin, &fr.ymax);
        fr.ymax *= 1.1;
        s_chart_open(f, "Messages");
        s_axes(f, &fr, "messages a round");
        s_line(f, &fr, rows, s_sent, "sent");
        s_line(f, &fr, rows, s_delivered, "delivered");
        s_line(f, &fr, rows, s_dropped, "dropped");
        s_chart_close(f, "<span style='color:#1f5fa8'>sent</span>, "
                         "<span style='color:#2f9e44'>delivered</span> (what was sent the round "
                         "before), <span style='color:#d9480f'>dropped</span>");
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
