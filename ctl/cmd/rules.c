/* SPDX-License-Identifier: MIT
 * cmd/rules.c - `heaptag rules [--window DUR] [--for DUR] [--row-rate SIZE]
 * [--min-bytes SIZE] [--instance-rate SIZE]`: prints the Prometheus rules
 * file for heaptag's metrics (prom/rules.h), thresholds as given.
 */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "prom/query_json.h"
#include "prom/rules.h"

/* "1048576", "64K", "1M", "2G" (powers of 1024; "Ki", "Mi", "Gi" too). */
static int parse_size(const char *s, double *v)
{
    char *end;
    errno = 0;
    if (!(*s >= '0' && *s <= '9'))
        return -1;
    double x = strtod(s, &end);
    if (errno || !(x >= 0) || x > 1e18)
        return -1;
    double unit = 1;
    if (*end == 'K' || *end == 'k')
        unit = 1024, end++;
    else if (*end == 'M')
        unit = 1048576, end++;
    else if (*end == 'G')
        unit = 1073741824, end++;
    if (unit > 1 && *end == 'i')
        end++;
    if (*end == 'B')
        end++;
    if (*end)
        return -1;
    *v = x * unit;
    return 0;
}

static const char *value(int argc, char **argv, int *i, const char *a, size_t n)
{
    if (a[n] == '=')
        return a + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    ctl_usage_error("rules: %.*s needs a value", (int)n, a);
}

int cmd_rules(int argc, char **argv)
{
    struct prom_rules_opts o = PROM_RULES_DEFAULTS;
    static const struct {
        const char *name;
        int is_size;
        size_t off;
    } opts[] = {
        { "--window", 0, offsetof(struct prom_rules_opts, window_s) },
        { "--for", 0, offsetof(struct prom_rules_opts, for_s) },
        { "--row-rate", 1, offsetof(struct prom_rules_opts, row_rate_bph) },
        { "--min-bytes", 1, offsetof(struct prom_rules_opts, row_min_bytes) },
        { "--instance-rate", 1, offsetof(struct prom_rules_opts, inst_rate_bph) },
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (ctl_is_help(a))
            ctl_help();
        size_t k;
        for (k = 0; k < sizeof opts / sizeof opts[0]; k++) {
            size_t n = strlen(opts[k].name);
            if (!strncmp(a, opts[k].name, n) && (a[n] == '\0' || a[n] == '=')) {
                const char *v = value(argc, argv, &i, a, n);
                double *dst = (double *)((char *)&o + opts[k].off), x;
                if (opts[k].is_size ? parse_size(v, &x) != 0
                                    : !((x = promq_duration(v)) >= 1 && x <= 7 * 86400 &&
                                        x == floor(x)))
                    ctl_usage_error("rules: bad %s '%s' (%s)", opts[k].name, v,
                                    opts[k].is_size ? "bytes, like 1048576 or 1M"
                                                    : "a duration like 30m or 1h");
                *dst = x;
                break;
            }
        }
        if (k == sizeof opts / sizeof opts[0])
            ctl_usage_error(a[0] == '-' ? "rules: unknown option '%s'" : "rules: unexpected argument '%s'", a);
    }
    if (o.window_s < 2 || fmod(o.window_s, 2) != 0)
        ctl_usage_error("rules: --window must be an even number of seconds");
    prom_rules_write(stdout, &o);
    if (fflush(stdout) != 0 || ferror(stdout))
        return 1;
    return 0;
}
