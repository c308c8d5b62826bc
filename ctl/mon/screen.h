/* SPDX-License-Identifier: MIT
 * mon/screen.h - the live PoolMon screen (ncurses): header lines from /proc,
 * the table with deltas in parentheses, changed lines highlighted, PoolMon's
 * keys. Draws the model; never reads a segment itself.
 */
#ifndef HT_MON_SCREEN_H
#define HT_MON_SCREEN_H

#include "mon/model.h"
#include "mon/opts.h"

/* Runs until q or Esc; returns the exit status. */
int mon_screen_run(const struct mon_opts *o, struct mon_model *m);

#endif
