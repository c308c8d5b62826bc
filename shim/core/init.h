/* SPDX-License-Identifier: MIT
 * init.h - starting the shim and marking its end (init.c).
 */
#ifndef HT_INIT_H
#define HT_INIT_H

#include "base/glue.h"

/* Marks the segment exited with status (exit handlers, _exit). */
HT_HIDDEN void ht_note_exit(int status);

/* Starts the shim if it has not started and it is safe to now. */
HT_HIDDEN void ht_init(void);

#endif
