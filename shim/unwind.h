/*
 * unwind.h - the shim's own stack walker (x86-64): the caller's frames from
 * each object's .eh_frame, one rule per return address learnt once and kept in
 * a lock-free cache, so a walk is a few loads per frame. Never opens a file
 * descriptor, never takes a lock, never allocates; every stack read is checked
 * readable first, so a wrong rule ends the walk instead of faulting.
 */
#ifndef HT_UNWIND_H
#define HT_UNWIND_H

#include <stdint.h>

#include "glue.h"

/* One frame: the code address it runs at and the registers the next step
 * needs. exact: pc is where the code was interrupted (a signal), not a
 * return address. */
struct ht_unw_cursor {
    uint64_t pc, sp, bp;
    int exact;
};

/* Points c at the frame of the function that calls ht_unw_init(). Returns 0,
 * or -1 when the walk cannot start. */
HT_HIDDEN int ht_unw_init(struct ht_unw_cursor *c);

/* Moves c to the calling frame: 1 when it did, 0 at the outermost frame or
 * when the way is lost (no rule, unreadable stack). */
HT_HIDDEN int ht_unw_step(struct ht_unw_cursor *c);

/* Forgets every learnt rule (code was unloaded). */
HT_HIDDEN void ht_unw_flush(void);

#endif
