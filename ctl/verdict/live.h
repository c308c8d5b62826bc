/* SPDX-License-Identifier: MIT
 * verdict/live.h - the Trend cell of mon's table: a sparkline of a row's live
 * bytes over the last refreshes and a mark when they grow steadily (the same
 * test `heaptag trend` runs on logs). Keeps a small history per (pid, row)
 * across calls; it must never change what the other columns say.
 */
#ifndef HT_TREND_LIVE_H
#define HT_TREND_LIVE_H

#include <stddef.h>
#include <stdint.h>

/* Display columns of a cell: 8 sparkline glyphs and the mark. */
#define TREND_LIVE_WIDTH 9
/* Bytes a cell can take (glyphs are 3 bytes of UTF-8). */
#define TREND_LIVE_CELL 40

/* Adds this refresh's live bytes of row `row` of process pid, taken at time t
 * (seconds), and writes the cell: right-aligned glyphs, then '^' when the row
 * grows steadily, else ' '. */
void trend_live_cell(char *buf, size_t n, int pid, uint32_t row, uint64_t live, double t);

#endif
