/* SPDX-License-Identifier: MIT
 * test_guard.c - the recursion guard after a jump out of the shim
 * (core/guard.c): a guard an ancestor holds stays held; one whose frame is
 * gone is recovered, also when the words of the call a jump cut short still
 * sit where the asking function's own frame now is (the same slow path at
 * the same depth leaves them there: a host once had every later allocation
 * counted as if inside the shim, without its stack).
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "base/state.h"
#include "core/alloc.h"
#include "core/guard.h"

static void setup(void) { ht_init(); }

TestSuite(guard, .init = setup);

#define RET 0x5151515151ull
#define SP 0x7ffd00001000ull     /* the stack pointer of the call judging */
#define CALLER 0x7ffd00001100ull /* the asking slow path's frame base */

Test(guard, judged_by_where_the_frame_lies)
{
    /* the caller's frame or above, its slot intact: held */
    cr_assert_eq(ht_guard_judge(CALLER, RET, 1, RET, SP, CALLER), HT_GUARD_HELD);
    cr_assert_eq(ht_guard_judge(CALLER + 0x800, RET, 1, RET, SP, CALLER), HT_GUARD_HELD);
    /* in the asking function's own frame, the old words still there: stale */
    cr_assert_eq(ht_guard_judge(SP, RET, 1, RET, SP, CALLER), HT_GUARD_STALE);
    cr_assert_eq(ht_guard_judge(CALLER - 16, RET, 1, RET, SP, CALLER), HT_GUARD_STALE);
    /* its slot overwritten, or unreadable: stale wherever it lies */
    cr_assert_eq(ht_guard_judge(CALLER + 0x800, RET, 1, RET + 1, SP, CALLER), HT_GUARD_STALE);
    cr_assert_eq(ht_guard_judge(CALLER + 0x800, RET, 0, 0, SP, CALLER), HT_GUARD_STALE);
    /* below the stack pointer: popped (held only on a signal stack) */
    cr_assert_eq(ht_guard_judge(SP - 64, RET, 1, RET, SP, CALLER), HT_GUARD_POPPED);
}

/* A slow path asking whether the thread is inside, from a frame below the
 * one that took the guard. */
static __attribute__((noinline)) int ask(void)
{
    int r = ht_inside(&ht_self);
    __asm__ volatile("" ::: "memory"); /* not a tail call: ask keeps its frame */
    return r;
}

Test(guard, held_by_an_ancestor)
{
    ht_enter();
    cr_assert_eq(ask(), 1, "the guard this call took is held");
    cr_assert_eq(ht_self.depth, 1);
    ht_leave();
    cr_assert_eq(ht_self.depth, 0);
}

/* A frame popped: the guard taken in a function that returned without
 * leaving it, as a siglongjmp out of it would. */
static __attribute__((noinline)) void take_and_lose(void)
{
    ht_enter();
    __asm__ volatile("" ::: "memory");
}

Test(guard, popped_frame_is_recovered)
{
    take_and_lose();
    cr_assert_eq(ht_self.depth, 1);
    cr_assert_eq(ask(), 0, "the frame that took the guard returned long ago");
    cr_assert_eq(ht_self.depth, 0, "depth reset");
    cr_assert_eq(ht_self.key, ht_tag_key(ht_self.tag[0], ht_self.tag[1]), "key restored");
}
