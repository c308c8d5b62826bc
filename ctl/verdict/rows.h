/* SPDX-License-Identifier: MIT
 * verdict/rows.h - the parts of the verdict that look at several rows of one
 * process at once: where its log stops being worth reading (exit and the
 * teardown before it), and whether one row's growth is only another row's
 * decline (ownership moving between call sites). Pure arithmetic, no I/O.
 */
#ifndef HT_TREND_ROWS_H
#define HT_TREND_ROWS_H

#include <stddef.h>

#include "verdict/series.h"

/* For the rows of one run of one process: the time of the last snapshot
 * worth analysing. Snapshots taken after the process exited or died are
 * never worth it; when the run ended, the snapshots at its end in which the
 * process's live bytes fell steeply (destructors and cleanup freeing at
 * exit) are cut too. INFINITY when everything counts. */
double trend_exit_cut(const struct log_series *const *rows, size_t n);

/* The points of s worth analysing, up to cut: those taken while the process
 * was live (or in logs that do not say), through the cut, and not the last
 * point of an ended run if it fell by more than half (that row's own
 * teardown). Returns how many of s->pts, from the first, to use. */
size_t trend_exit_points(const struct log_series *s, double cut);

/* Whether q (another row of the same process) mirrors the growth of a from
 * a's point `onset` on: over the same snapshots q fell by three quarters of
 * a's rise or more, a + q did not grow like a did, and a + q kept to a line
 * (spread a twentieth of the rise at most: a wandering row's chance fall is no
 * move of ownership). */
int trend_mirrored(const struct log_point *a, size_t na, size_t onset,
                   const struct log_point *q, size_t nq);

#endif
