/* Diagnostics collected for a person; see diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void nn_diag_init(nn_diag_t *d)
{
    memset(d, 0, sizeof *d);
}

void nn_diag_release(nn_diag_t *d)
{
    free(d->text);
    memset(d, 0, sizeof *d);
}

void nn_diag_add(nn_diag_t *d, const char *fmt, ...)
{
    va_list ap;
    d->count++;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t need = d->len + (size_t)n + 2;
    if (need > d->cap) {
        size_t cap = d->cap ? d->cap : 256;
        while (cap < need)
            cap *= 2;
        char *t = realloc(d->text, cap);
        if (!t) {
            d->oom = 1;
            return;
        }
        d->text = t;
        d->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(d->text + d->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    d->len += (size_t)n;
    d->text[d->len++] = '\n';
    d->text[d->len] = '\0';
}

void nn_errorf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void nn_diag_print(const nn_diag_t *d, FILE *f)
{
    const char *p = d->text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(f, "nunchi: %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
    if (d->oom)
        fprintf(f, "nunchi: (some messages were lost: out of memory)\n");
}
