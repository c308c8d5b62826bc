/* SPDX-License-Identifier: MIT
 * verdict/live.c - per-row history for mon's Trend column: a fixed open-address
 * table of rings (allocated once, never grown; when full, new rows just get
 * no history). A refresh at the same time as the last sample replaces it.
 */
#include "verdict/live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict/series.h"
#include "verdict/analysis.h"

#define LIVE_SLOTS 8192
#define LIVE_HISTORY 16
#define LIVE_GLYPHS 8

struct live_hist {
    int pid; /* 0: free */
    uint32_t row;
    unsigned n, next;
    struct log_point pts[LIVE_HISTORY];
};

static struct live_hist *live_table;

static struct live_hist *live_find(int pid, uint32_t row)
{
    if (!live_table && !(live_table = calloc(LIVE_SLOTS, sizeof *live_table)))
        return NULL;
    uint32_t h = ((uint32_t)pid * 2654435761u) ^ (row * 40503u);
    for (unsigned probe = 0; probe < 64; probe++) {
        struct live_hist *e = &live_table[(h + probe) & (LIVE_SLOTS - 1)];
        if (e->pid == pid && e->row == row)
            return e;
        if (e->pid == 0) {
            e->pid = pid;
            e->row = row;
            return e;
        }
    }
    return NULL;
}

void trend_live_cell(char *buf, size_t n, int pid, uint32_t row, uint64_t live, double t)
{
    static const char *const glyph[LIVE_GLYPHS] = { "\u2581", "\u2582", "\u2583", "\u2584",
                                                    "\u2585", "\u2586", "\u2587", "\u2588" };
    struct live_hist *e = live_find(pid > 0 ? pid : 1, row);
    if (n == 0)
        return;
    buf[0] = '\0';
    if (!e) {
        snprintf(buf, n, "%*s", TREND_LIVE_WIDTH, "");
        return;
    }
    unsigned last = (e->next + LIVE_HISTORY - 1) % LIVE_HISTORY;
    if (e->n && e->pts[last].t >= t) {
        e->pts[last].live = live;
    } else {
        e->pts[e->next] = (struct log_point){ .t = t, .live = live };
        e->next = (e->next + 1) % LIVE_HISTORY;
        if (e->n < LIVE_HISTORY)
            e->n++;
    }
    if (e->n < 2) { /* one sample is no trend yet: a blank cell, as documented */
        snprintf(buf, n, "%*s", TREND_LIVE_WIDTH, "");
        return;
    }
    struct log_point pts[LIVE_HISTORY];
    for (unsigned i = 0; i < e->n; i++)
        pts[i] = e->pts[(e->next + LIVE_HISTORY - e->n + i) % LIVE_HISTORY];
    unsigned shown = e->n < LIVE_GLYPHS ? e->n : LIVE_GLYPHS;
    const struct log_point *tail = pts + e->n - shown;
    uint64_t lo = tail[0].live, hi = tail[0].live;
    for (unsigned i = 1; i < shown; i++) {
        lo = tail[i].live < lo ? tail[i].live : lo;
        hi = tail[i].live > hi ? tail[i].live : hi;
    }
    struct trend_result r;
    trend_analyze(pts, e->n, &r);
    size_t o = (size_t)snprintf(buf, n, "%*s", LIVE_GLYPHS - (int)shown, "");
    for (unsigned i = 0; i < shown && o + 4 < n; i++) {
        unsigned g = hi > lo ? (unsigned)((tail[i].live - lo) * (LIVE_GLYPHS - 1) / (hi - lo)) : 0;
        memcpy(buf + o, glyph[g], 3);
        o += 3;
    }
    if (o + 2 <= n) {
        buf[o++] = r.suspect && !r.stopped ? '^' : ' ';
        buf[o] = '\0';
    }
}
