/* SPDX-License-Identifier: MIT
 * dump/format.h - the text format of `heaptag dump`, read back by `heaptag
 * diff`. Line-oriented, one record per line, frames indented under their
 * stack; stable names (module+offset) so dumps of different runs compare:
 *
 *   heaptag-dump 1
 *   process pid=PID state=live|exited|dead flags=0xHEX exe=PATH
 *   totals rows=N stacks=N stacks_dropped=N live_allocs=N live_bytes=N
 *   row INDEX KIND allocs=N frees=N live_allocs=N live_bytes=N label=LABEL
 *     ages 10s=BYTES/BLOCKS 1m=B/N 10m=B/N 1h=B/N 1d=B/N older=B/N
 *     at FUNCTION FILE:LINE MODULE+0xOFFSET
 *       inline FUNCTION FILE:LINE
 *   stack ID row=INDEX allocs=N frees=N live_allocs=N live_bytes=N
 *     #K FUNCTION FILE:LINE MODULE+0xOFFSET
 *       inline FUNCTION FILE:LINE
 *   end
 *
 * FUNCTION FILE:LINE is the innermost frame of the inline chain at that
 * address that is the program's own code (see sym/symbolize.h), at the line
 * of the call within it. Where code was inlined there, the "inline" lines
 * that follow list the whole chain, innermost first, the last one being the
 * function the code lives in.
 *
 * The ages line (segment/ages.h) splits the row's live bytes and blocks by
 * the age they surely have: under 10 s, 1 min, 10 min, 1 h, 1 d, and older;
 * it sums to live_bytes and live_allocs. Segments without ages have none.
 *
 * Unknown parts read "??" (function, file; line 0) or "0xADDR" (no module).
 * ID is 16 hex digits naming the stack at source level: the row's explicit
 * tag and each frame's function and file:line (module+offset where the
 * symbols are missing), so copies of one call made by inlining or unrolling,
 * and the same stack in another run, share it; diff adds such entries up.
 * A row without stacks of its own (ust off) is written as a one-frame stack
 * at its site. Rows and stacks with nothing live are left out; both are
 * sorted by live bytes. With --children the part from "process" to the last
 * stack comes once per process, the parent first; diff adds them up.
 */
#ifndef HT_DUMP_FORMAT_H
#define HT_DUMP_FORMAT_H

#define DUMP_MAGIC_LINE "heaptag-dump 1"

#endif
