/* SPDX-License-Identifier: MIT
 * prom/rules.c - the rules text. A row alerts when its live bytes rose over
 * the window, the low of the window's second half stayed above the high of
 * its first half (a cache that fills and is trimmed fails this, as does most
 * of a random walk's wandering), and it is big enough to matter. Rules see
 * only one window: a late onset, a step or a leak slower than the noise are
 * left to `heaptag trend --prometheus`, which tests the whole history.
 */
#include "prom/rules.h"

#include <math.h>

void prom_duration(char *buf, size_t n, double seconds)
{
    long s = lround(seconds);
    if (s % 3600 == 0)
        snprintf(buf, n, "%ldh", s / 3600);
    else if (s % 60 == 0)
        snprintf(buf, n, "%ldm", s / 60);
    else
        snprintf(buf, n, "%lds", s);
}

void prom_rules_write(FILE *out, const struct prom_rules_opts *o)
{
    char win[32], half[32], wait[32], before[32];
    prom_duration(win, sizeof win, o->window_s);
    prom_duration(half, sizeof half, o->window_s / 2);
    /* the first half ends a second before the second begins: a range takes
     * both of its ends, and a sample on the border would be in both */
    prom_duration(before, sizeof before, o->window_s / 2 + 1);
    prom_duration(wait, sizeof wait, o->for_s);
    fprintf(out,
            "# heaptag's Prometheus rules, printed by `heaptag rules` (window %s, for %s,\n"
            "# row rate %.0f B/h, row size %.0f B, instance rate %.0f B/h).\n"
            "# Load with rule_files: [heaptag-rules.yml]; check with promtool check rules.\n"
            "# The rules see one window; `heaptag trend --prometheus URL` judges whole series.\n"
            "groups:\n"
            "  - name: heaptag-recording\n"
            "    rules:\n"
            "      # live bytes per second gained by each row (one series per process and row)\n"
            "      - record: row:heaptag_live_bytes:deriv%s\n"
            "        expr: deriv(heaptag_live_bytes[%s])\n"
            "      # tagged live bytes of every process of an instance\n"
            "      - record: instance:heaptag_process_live_bytes:sum\n"
            "        expr: sum by (instance, job) (heaptag_process_live_bytes)\n"
            "      - record: instance:heaptag_process_live_bytes:deriv%s\n"
            "        expr: deriv(instance:heaptag_process_live_bytes:sum[%s])\n",
            win, wait, o->row_rate_bph, o->row_min_bytes, o->inst_rate_bph, win, win, win, win);
    fprintf(out,
            "  - name: heaptag-alerts\n"
            "    rules:\n"
            "      - alert: HeaptagRowLeaking\n"
            "        expr: |\n"
            "          row:heaptag_live_bytes:deriv%s > %.6g\n"
            "          and min_over_time(heaptag_live_bytes[%s]) > max_over_time(heaptag_live_bytes[%s] offset %s)\n"
            "          and heaptag_live_bytes > %.0f\n"
            "        for: %s\n"
            "        labels:\n"
            "          severity: warning\n"
            "        annotations:\n"
            "          summary: \"{{ $labels.instance }} {{ $labels.exe }} (pid {{ $labels.pid }}): "
            "{{ $labels.tag }} keeps growing\"\n"
            "          description: \"Live bytes of {{ $labels.tag }} ({{ $labels.function }} "
            "{{ $labels.file }}) rose steadily for %s, now by {{ $value | humanize1024 }}B/s. "
            "Look with: heaptag trend --prometheus URL\"\n",
            win, o->row_rate_bph / 3600, half, half, before, o->row_min_bytes, wait, wait);
    fprintf(out,
            "      - alert: HeaptagInstanceGrowing\n"
            "        expr: |\n"
            "          instance:heaptag_process_live_bytes:deriv%s > %.6g\n"
            "          and min_over_time(instance:heaptag_process_live_bytes:sum[%s])\n"
            "            > max_over_time(instance:heaptag_process_live_bytes:sum[%s] offset %s)\n"
            "        for: %s\n"
            "        labels:\n"
            "          severity: warning\n"
            "        annotations:\n"
            "          summary: \"{{ $labels.instance }}: tagged heap bytes keep growing\"\n"
            "          description: \"The tagged live bytes of every process on {{ $labels.instance }} "
            "rose steadily for %s, now by {{ $value | humanize1024 }}B/s.\"\n"
            "      - alert: HeaptagSeriesDropped\n"
            "        expr: max_over_time(heaptag_series_dropped[%s]) > 0\n"
            "        labels:\n"
            "          severity: info\n"
            "        annotations:\n"
            "          summary: \"{{ $labels.instance }} {{ $labels.exe }} (pid {{ $labels.pid }}): "
            "more row groups than --top allows\"\n",
            win, o->inst_rate_bph / 3600, half, half, before, wait, wait, win);
}
