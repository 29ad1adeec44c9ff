/* Diagnostics: a list of messages for a person, one per line, collected while reading
 * a scenario or a command line so that all the errors of a file are reported at once
 * instead of the first only. */
#ifndef NUNCHI_COORDINATOR_DIAG_H
#define NUNCHI_COORDINATOR_DIAG_H

#include <stddef.h>
#include <stdio.h>

typedef struct nn_diag {
    size_t count; /* messages added */
    char *text;   /* "msg\nmsg\n...", NUL-terminated; NULL while empty */
    size_t len;
    size_t cap;
    int oom; /* a message was lost to memory exhaustion */
} nn_diag_t;

#define NN_DIAG_INIT                                                                               \
    {                                                                                              \
        0, NULL, 0, 0, 0                                                                           \
    }

void nn_diag_init(nn_diag_t *d);
void nn_diag_release(nn_diag_t *d);

/* Appends one message (printf format, no trailing newline needed). Never fails: when
 * memory runs out the message is counted and d->oom is set. */
void nn_diag_add(nn_diag_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats one message into a caller's buffer err[errlen] (NULL or 0: nothing), for the
 * modules that report a single error through an (err, errlen) pair. */
void nn_errorf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes every message to f, each prefixed with "nunchi: ". */
void nn_diag_print(const nn_diag_t *d, FILE *f);

#endif
