/* The run's report: report.html in the run directory, one self-contained page (inline
 * SVG, no scripts, nothing fetched) with the summary and charts of the opinions and the
 * messages round by round, and of the final opinions. */
#ifndef NUNCHI_COORDINATOR_REPORT_H
#define NUNCHI_COORDINATOR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

/* One round as the report draws it. The institutions' fields are for scenarios that have
 * them: `institutions` says which (NN_REPORT_* bits), the others are 0 (NaN for rates). */
typedef struct nn_report_row {
    nn_round_metrics_t m;
    uint64_t sent, delivered, dropped;
    unsigned institutions; /* NN_REPORT_GAME | NN_REPORT_NORMS | NN_REPORT_CASES | ..._TRENDS */
    uint64_t blocked;      /* messages blocked by norms and sanctions this round */
    double cooperation;    /* the game's cooperation rate this round (NaN: no moves) */
    uint64_t violations, sanctions; /* this round, all norms and kinds */
    uint32_t muted, excluded;       /* agents, for the next round */
    uint64_t cases_opened, cases_closed, cases_open;
    double trend_share; /* the newest trend's share of adopters (NaN: none yet) */
} nn_report_row_t;

#define NN_REPORT_GAME   1u
#define NN_REPORT_NORMS  2u
#define NN_REPORT_CASES  4u
#define NN_REPORT_TRENDS 8u

/* The rows of a run, growing round by round (caller-owned, _init / _release). */
typedef struct nn_report_rows {
    nn_report_row_t *row;
    size_t n, cap;
} nn_report_rows_t;

void nn_report_rows_init(nn_report_rows_t *rows);
void nn_report_rows_release(nn_report_rows_t *rows);

/* Appends one row. NN_OK or NN_ENOMEM. */
int nn_report_rows_add(nn_report_rows_t *rows, const nn_report_row_t *row);

/* What the report says about the run beside its rows. Strings are borrowed. */
typedef struct nn_report_info {
    const char *name;
    const char *status; /* "completed", "failed", "interrupted" */
    const char *error;  /* empty or NULL when none */
    const char *digest_hex;
    const char *network; /* the model's name */
    const char *transport;
    const char *version;
    uint64_t seed, agents, edges, rounds, nodes;
    double clustering, wall_s, deliveries_per_s;
    uint64_t sent, delivered, dropped, in_flight, rejected;
    const double *final_x; /* the opinions after the last round, or NULL */
    size_t n_final;
} nn_report_info_t;

/* Writes run_dir/report.html. NN_OK or NN_EIO with err set. */
int nn_report_write(const char *run_dir, const nn_report_info_t *info, const nn_report_rows_t *rows,
                    char *err, size_t errlen);

#endif
