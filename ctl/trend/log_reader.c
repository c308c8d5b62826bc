/* SPDX-License-Identifier: MIT
 * trend/log_reader.c - reads a log line by line: tells each line's format
 * (table, CSV, JSON Lines; see log_table.c, log_csv.c, log_json.c) and counts
 * what it skips. Series are built in log_series.c. Each line is classified on its own (so formats can be
 * mixed and blocks interleaved); a table row belongs to the last snapshot
 * line seen. Every number is range-checked and allocs - frees must equal diff,
 * which catches most spliced lines. Never aborts on input, only on ENOMEM.
 */
#include "trend/log_reader.h"
#include "trend/log_parse.h"

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct log_data *log_new(void)
{
    struct log_data *d = calloc(1, sizeof *d);
    if (!d)
        err(1, "malloc");
    log_csv_default(&d->csv);
    log_table_default(&d->table);
    return d;
}

void log_free(struct log_data *d)
{
    if (!d)
        return;
    intern_free(&d->strings);
    free(d->rec);
    free(d->ends);
    free(d->series);
    free(d->points);
    free(d);
}


/* ---- lines ------------------------------------------------------------ */

static void skipped(struct log_stats *st, size_t *counter)
{
    (*counter)++;
    if (!st->first_skipped)
        st->first_skipped = st->lines;
}

void log_read_line(struct log_data *d, const char *s, size_t len, struct log_stats *st)
{
    struct log_stats dummy = { 0 };
    if (!st)
        st = &dummy;
    st->lines++;
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == len)
        return; /* blank: ends a table block, nothing to count */
    if (memchr(s, '\0', len)) {
        skipped(st, &st->foreign);
        return;
    }
    int rc;
    if (s[0] == '#') {
        if (log_table_snapshot(d, s, len) != 0)
            skipped(st, &st->foreign);
        return;
    }
    if (!isdigit((unsigned char)s[0]) && s[0] != '{' && memchr(s, ',', len) &&
        memmem(s, len, "timestamp", 9)) {
        if (log_csv_header(d, s, len) != 0)
            skipped(st, &st->damaged);
        return;
    }
    if (log_table_header(d, s + i, len - i) == 0)
        return; /* the table's column header */
    if (s[i] == '{')
        rc = log_json_row(d, s, len, st);
    else if (!memchr(s, ',', len) || (rc = log_csv_row(d, s, len, st)) == ROW_NOT)
        rc = log_table_row(d, s, len, st);
    if (rc == ROW_DAMAGED)
        skipped(st, &st->damaged);
    else if (rc == ROW_NOT)
        skipped(st, &st->foreign);
    else if (rc == ROW_ORPHAN && !st->first_skipped)
        st->first_skipped = st->lines;
}

int log_read(struct log_data *d, FILE *f, struct log_stats *st)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    d->have_ctx = 0; /* a table block never continues into the next file */
    errno = 0;
    while ((n = getline(&line, &cap, f)) >= 0)
        log_read_line(d, line, (size_t)n, st);
    int bad = ferror(f) ? -1 : 0;
    free(line);
    return bad;
}

void log_skip_summary(char *buf, size_t n, const struct log_stats *st)
{
    size_t skipped = st->damaged + st->foreign + st->orphan;
    if (!skipped) {
        snprintf(buf, n, "%s", "");
        return;
    }
    char parts[160] = "";
    size_t o = 0;
    const char *sep = "";
    if (st->damaged) {
        o += (size_t)snprintf(parts + o, sizeof parts - o, "%zu damaged", st->damaged);
        sep = ", ";
    }
    if (st->foreign && o < sizeof parts) {
        o += (size_t)snprintf(parts + o, sizeof parts - o, "%s%zu foreign", sep, st->foreign);
        sep = ", ";
    }
    if (st->orphan && o < sizeof parts)
        snprintf(parts + o, sizeof parts - o, "%s%zu rows without a snapshot line", sep,
                 st->orphan);
    snprintf(buf, n, "skipped %zu of %zu lines (%s), first at line %zu", skipped, st->lines,
             parts, st->first_skipped);
}
