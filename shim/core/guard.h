/* SPDX-License-Identifier: MIT
 * guard.h - how the recursion guard's frame is judged after a possible jump
 * out of the shim (guard.c), apart so that the rule can be tested alone.
 */
#ifndef HT_GUARD_H
#define HT_GUARD_H

#include <stdint.h>

#include "base/glue.h"

enum ht_guard_frame {
    HT_GUARD_HELD,   /* a frame of this call took it: really inside */
    HT_GUARD_STALE,  /* its frame is gone: a jump left the guard held */
    HT_GUARD_POPPED, /* below the stack pointer: gone, unless on a signal stack */
};

/* The guard's frame fp, whose return address slot read word (ret is what
 * it held when taken; word_read 0 when the slot could not be read), judged
 * from a call whose stack pointer is sp, asked by a slow path whose frame
 * base is caller_base (where its frame pointer would be: 16 below its
 * canonical frame address). A guard taken there or above, its slot intact,
 * is held; a frame between sp and caller_base lies inside the slow path's
 * own frame or the one it called, whose unwritten slots may still hold the
 * words of a call a jump cut short (a slow path entered anew at a nearby
 * depth): stale. */
HT_HIDDEN enum ht_guard_frame ht_guard_judge(uint64_t fp, uint64_t ret, int word_read,
                                             uint64_t word, uint64_t sp, uint64_t caller_base);

#endif
