/* The run directory: where a run leaves what happened. scenario.yaml (resolved),
 * initial_state.csv and final_state.csv, metrics.csv (a row a round), events.jsonl
 * (one JSON object a line) and summary.json. */
#ifndef NUNCHI_COORDINATOR_OUTPUT_H
#define NUNCHI_COORDINATOR_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "metrics.h"
#include "scenario.h"
#include "society.h"

/* Makes the run directory: `dir` itself when given (created if missing, parents too),
 * else PARENT/NAME-YYYYmmddTHHMMSSZ (with -2, -3, ... if taken). The path goes into
 * path[len]. NN_OK or NN_EIO with err set. */
int nn_output_make_dir(const char *dir, const char *parent, const char *name, char *path,
                       size_t len, char *err, size_t errlen);

/* Writes "id,behaviour,opinion" rows to run_dir/file. NN_OK or NN_EIO. */
int nn_output_write_state(const char *run_dir, const char *file, const nn_society_t *s, char *err,
                          size_t errlen);

/* Writes the resolved scenario to run_dir/scenario.yaml. */
int nn_output_write_scenario(const char *run_dir, const nn_scenario_t *sc, char *err,
                             size_t errlen);

/* Opens run_dir/name for writing. NULL with err set on failure. */
FILE *nn_output_open(const char *run_dir, const char *name, char *err, size_t errlen);

/* Appends one event (a JSON object; the reference is stolen) as a line, with its "event"
 * name first. NULL-safe in f (the event is dropped). */
void nn_output_event(FILE *f, const char *event, json_t *fields);

/* Writes a JSON object (stolen) to run_dir/name, pretty-printed. */
int nn_output_write_json(const char *run_dir, const char *name, json_t *obj, char *err,
                         size_t errlen);

#endif
