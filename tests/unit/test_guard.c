/* SPDX-License-Identifier: MIT
 * test_guard.c - the recursion guard after a jump out of the shim
 * (core/guard.c): a guard an ancestor holds stays held; one whose frame is
 * gone is recovered, also when the stale words of the call a jump cut short
 * still sit in the asking slow path's own frame, where the same slow path at
 * the same depth leaves them (a host once had every later allocation
 * counted as the shim's own, without its stack).
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "base/state.h"
#include "core/alloc.h"

static void setup(void) { ht_init(); }

TestSuite(guard, .init = setup);

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

/* The words a cut-short call left: the guard's frame inside the asking
 * function's own frame, its return address slot holding the old value. */
static __attribute__((noinline)) int ask_over_stale_words(void)
{
    volatile uint64_t stale[4];
    stale[1] = 0x5151515151ull; /* the return address the lost frame held */
    ht_self.enter_fp = (uint64_t)(uintptr_t)&stale[0];
    ht_self.enter_ret = stale[1];
    ht_self.depth = 1; /* what the jump left */
    int r = ht_inside(&ht_self);
    __asm__ volatile("" ::: "memory");
    return r;
}

Test(guard, stale_words_in_the_asking_frame_are_not_a_guard)
{
    cr_assert_eq(ask_over_stale_words(), 0, "a guard whose frame is gone is recovered");
    cr_assert_eq(ht_self.depth, 0, "depth reset");
    cr_assert_eq(ht_self.key, ht_tag_key(ht_self.tag[0], ht_self.tag[1]), "key restored");
}

/* A frame popped: below the stack pointer of the asking call. */
static __attribute__((noinline)) void take_and_lose(void)
{
    ht_enter(); /* left held, as a siglongjmp out of it would */
    __asm__ volatile("" ::: "memory");
}

Test(guard, popped_frame_is_recovered)
{
    take_and_lose();
    cr_assert_eq(ht_self.depth, 1);
    cr_assert_eq(ask(), 0, "the frame that took the guard returned long ago");
    cr_assert_eq(ht_self.depth, 0);
}
