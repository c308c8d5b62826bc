/* SPDX-License-Identifier: MIT
 * prom/rules.h - the Prometheus rules file `heaptag rules` prints: recording
 * rules for each row's and each instance's growth rate, alerting rules for a
 * row that leaks steadily, an instance whose tagged bytes grow, and rows
 * dropped by the series cap. Named as the metrics are (heaptag_*, rules as
 * level:metric:operation). Writes to a FILE only.
 */
#ifndef HT_PROM_RULES_H
#define HT_PROM_RULES_H

#include <stdio.h>

struct prom_rules_opts {
    double window_s;        /* growth is measured over this window (deriv) */
    double for_s;           /* an alert waits this long before it fires */
    double row_rate_bph;    /* a row's growth that alerts, bytes per hour */
    double row_min_bytes;   /* rows smaller than this never alert */
    double inst_rate_bph;   /* an instance's growth that alerts, bytes per hour */
};

#define PROM_RULES_DEFAULTS { 3600, 3600, 0, 1048576, 10485760 }

/* "1h", "30m", "90s": a duration as Prometheus writes it. */
void prom_duration(char *buf, size_t n, double seconds);

void prom_rules_write(FILE *out, const struct prom_rules_opts *o);

#endif
