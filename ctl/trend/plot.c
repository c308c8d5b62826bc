/* SPDX-License-Identifier: MIT
 * trend/plot.c - the SVG of `heaptag trend --plot`. Time runs from the first
 * snapshot shown; the y axis starts at zero so a slow leak reads as a slope,
 * not as noise blown up. All text from the log is XML-escaped.
 */
#include "trend/plot.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "util/fmt.h"
#include "util/text_safe.h"

#define W 1000
#define H 560
#define LEFT 80
#define RIGHT 300
#define TOP 56
#define BOTTOM 64
#define PW (W - LEFT - RIGHT)
#define PH (H - TOP - BOTTOM)
#define MAX_POINTS 2000

/* Suspects get red shades, the others colours far from red. */
static const char *const suspect_colors[] = { PLOT_SUSPECT_COLOR, "#a50f15", "#e7298a" };
static const char *const other_colors[] = { "#1f77b4", "#2ca02c", "#9467bd", "#17becf",
                                            "#8c564b", "#7f7f7f", "#bcbd22", "#393b79",
                                            "#6baed6" };

/* Text and attribute values: printable first (util/text_safe.h), then XML-escaped. */
static void xml_text(FILE *out, const char *s)
{
    for (s = text_safe_str(s); *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(c, out); /* printable ASCII or valid UTF-8 */
        }
    }
}

/* A round step giving about `want` ticks over range. */
static double nice_step(double range, int want)
{
    double raw = range / want, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

/* Byte ticks fall on powers of two multiples when the unit is K/M/G. */
static double byte_step(double max)
{
    double unit = 1;
    while (max / unit >= 1024 * 4 && unit < 1099511627776.0)
        unit *= 1024;
    return nice_step(max / unit, 5) * unit;
}

static void time_units(double span, double *div, const char **name)
{
    if (span >= 3 * 3600) {
        *div = 3600;
        *name = "hours";
    } else if (span >= 180) {
        *div = 60;
        *name = "minutes";
    } else {
        *div = 1;
        *name = "seconds";
    }
}

static void legend_label(char *buf, size_t n, const struct plot_line *l)
{
    snprintf(buf, n, "%.24s (pid %d)", l->s->tag, l->s->pid);
}

static void axes(FILE *out, double t0, double span, double ymax)
{
    double div;
    const char *unit;
    time_units(span, &div, &unit);
    fprintf(out, "<rect x='%d' y='%d' width='%d' height='%d' fill='#ffffff' stroke='#444444'/>\n",
            LEFT, TOP, PW, PH);
    double step = nice_step(span / div, 6);
    for (double v = 0; v <= span / div + 1e-9; v += step) {
        double x = LEFT + v * div / span * PW;
        fprintf(out, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#e0e0e0'/>\n", x, TOP, x,
                TOP + PH);
        fprintf(out, "<text x='%.1f' y='%d' text-anchor='middle'>%g</text>\n", x, TOP + PH + 18,
                v);
    }
    char start[32];
    fmt_timestamp(start, sizeof start, (time_t)t0);
    fprintf(out, "<text x='%d' y='%d' text-anchor='middle'>%s since %s (UTC)</text>\n",
            LEFT + PW / 2, TOP + PH + 44, unit, start);
    double ystep = byte_step(ymax);
    for (double v = 0; v <= ymax + 1e-9; v += ystep) {
        double y = TOP + PH - v / ymax * PH;
        char label[32];
        fmt_human_size(label, sizeof label, (uint64_t)v);
        fprintf(out, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#e0e0e0'/>\n", LEFT, y,
                LEFT + PW, y);
        fprintf(out, "<text x='%d' y='%.1f' text-anchor='end'>%s</text>\n", LEFT - 6, y + 4,
                label);
    }
    fprintf(out, "<text transform='translate(18,%d) rotate(-90)' text-anchor='middle'>"
            "live bytes</text>\n", TOP + PH / 2);
}

static void polyline(FILE *out, const struct plot_line *l, const char *color, double t0,
                     double span, double ymax)
{
    const struct log_series *s = l->s;
    size_t stride = s->n > MAX_POINTS ? (s->n + MAX_POINTS - 1) / MAX_POINTS : 1;
    fprintf(out, "<polyline fill='none' stroke='%s' stroke-width='%s' "
            "stroke-linejoin='round' points='", color, l->suspect ? "4" : "2");
    for (size_t i = 0; i < s->n; i += stride) {
        size_t k = i + stride >= s->n ? s->n - 1 : i;
        fprintf(out, "%.1f,%.1f ", LEFT + (s->pts[k].t - t0) / span * PW,
                TOP + PH - (double)s->pts[k].live / ymax * PH);
        if (k == s->n - 1)
            break;
    }
    fputs("'/>\n", out);
    if (l->suspect) {
        const struct log_point *e = &s->pts[s->n - 1];
        double x = LEFT + (e->t - t0) / span * PW, y = TOP + PH - (double)e->live / ymax * PH;
        fprintf(out, "<circle cx='%.1f' cy='%.1f' r='6' fill='%s'/>\n", x, y, color);
        fprintf(out, "<text x='%.1f' y='%.1f' text-anchor='end' font-weight='bold' fill='%s'>"
                "%s</text>\n", x - 8, y - 8, color, l->stopped ? "LEAK (STOPPED)" : "LEAK");
        if (l->stopped) { /* where the growth stopped */
            double sx = LEFT + (l->stop_t - t0) / span * PW;
            fprintf(out, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' "
                    "stroke-dasharray='4,3'/>\n", sx, TOP, sx, TOP + PH, color);
        }
    }
}

int trend_plot(FILE *out, const struct plot_line *lines, size_t n, int html, const char *subtitle)
{
    double t0 = INFINITY, t1 = -INFINITY, ymax = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < lines[i].s->n; k++) {
            const struct log_point *p = &lines[i].s->pts[k];
            t0 = fmin(t0, p->t);
            t1 = fmax(t1, p->t);
            ymax = fmax(ymax, (double)p->live);
        }
    if (n == 0) {
        t0 = 0;
        t1 = 1;
    }
    double span = t1 - t0 > 0 ? t1 - t0 : 1;
    ymax = ymax > 0 ? ymax * 1.08 : 1024;
    double ystep = byte_step(ymax);
    ymax = ceil(ymax / ystep) * ystep;

    if (html)
        fputs("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>heaptag trend</title>"
              "</head>\n<body style='margin:0;background:#ffffff'>\n", out);
    fprintf(out, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "viewBox='0 0 %d %d' font-family='sans-serif' font-size='12'>\n", W, H, W, H);
    fprintf(out, "<rect width='%d' height='%d' fill='#ffffff'/>\n", W, H);
    fputs("<text x='80' y='24' font-size='17' font-weight='bold'>heaptag trend: "
          "live bytes per tag</text>\n", out);
    fputs("<text x='80' y='42' fill='#555555'>", out);
    xml_text(out, subtitle);
    fputs("</text>\n", out);
    axes(out, t0, span, ymax);

    size_t ns = 0, no = 0;
    int ly = TOP + 8;
    for (size_t i = 0; i < n; i++) {
        const char *color = lines[i].suspect
            ? suspect_colors[ns++ % (sizeof suspect_colors / sizeof *suspect_colors)]
            : other_colors[no++ % (sizeof other_colors / sizeof *other_colors)];
        /* non-suspects first would hide the suspects: draw in reverse order below */
        char label[96];
        legend_label(label, sizeof label, &lines[i]);
        fprintf(out, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='%s'/>\n",
                W - RIGHT + 16, ly, W - RIGHT + 40, ly, color, lines[i].suspect ? "4" : "2");
        fprintf(out, "<text x='%d' y='%d'%s>", W - RIGHT + 46, ly + 4,
                lines[i].suspect ? " font-weight='bold'" : "");
        xml_text(out, label);
        fputs("</text>\n", out);
        if (lines[i].suspect) {
            char rate[16];
            fmt_human_size(rate, sizeof rate,
                           (uint64_t)(lines[i].rate_bph > 0 ? lines[i].rate_bph : 0));
            ly += 16;
            if (lines[i].stopped) {
                char held[16];
                fmt_human_size(held, sizeof held,
                               (uint64_t)(lines[i].held > 0 ? lines[i].held : 0));
                fprintf(out, "<text x='%d' y='%d' fill='%s'>LEAK, STOPPED: %s held</text>\n",
                        W - RIGHT + 46, ly + 4, color, held);
            } else {
                fprintf(out, "<text x='%d' y='%d' fill='%s'>LEAK: +%s per hour</text>\n",
                        W - RIGHT + 46, ly + 4, color, rate);
            }
            if (lines[i].func && lines[i].func[0]) {
                ly += 16;
                fprintf(out, "<text x='%d' y='%d' fill='%s'>in ", W - RIGHT + 46, ly + 4, color);
                xml_text(out, lines[i].func);
                fputs("</text>\n", out);
            }
        }
        ly += 20;
    }
    /* draw: others first, suspects on top */
    for (int pass = 0; pass < 2; pass++) {
        ns = no = 0;
        for (size_t i = 0; i < n; i++) {
            const char *color = lines[i].suspect
                ? suspect_colors[ns++ % (sizeof suspect_colors / sizeof *suspect_colors)]
                : other_colors[no++ % (sizeof other_colors / sizeof *other_colors)];
            if (lines[i].suspect == pass && lines[i].s->n)
                polyline(out, &lines[i], color, t0, span, ymax);
        }
    }
    if (n == 0)
        fprintf(out, "<text x='%d' y='%d' text-anchor='middle'>no data</text>\n", LEFT + PW / 2,
                TOP + PH / 2);
    fputs("</svg>\n", out);
    if (html)
        fputs("</body></html>\n", out);
    return ferror(out) ? -1 : 0;
}
