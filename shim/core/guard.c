/* SPDX-License-Identifier: MIT
 * guard.c - recognising a recursion guard left held by a jump out of the
 * shim (a signal handler that interrupted it and siglongjmp'd away): the
 * thread would otherwise stay "inside" for good, its allocations counted
 * without a walk. Runs only where a slow path finds depth > 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "core/guard.h"
#include "callers/hops.h"
#include "callers/unwind.h"
#include "base/state.h"
#include "accounting/slots.h"
#include "ht_atomic.h"

static long raw_sigaltstack(const stack_t *ss, stack_t *old)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"((long)SYS_sigaltstack), "D"(ss), "S"(old)
                     : "rcx", "r11", "memory");
    return ret;
}

/* The word at a through the kernel (never a fault): 1 and *out when read,
 * 0 when a is not mapped readable (EFAULT), -1 when the kernel would not say
 * (process_vm_readv refused by a seccomp filter). Errno untouched. */
static int read_word(uint64_t a, uint64_t *out)
{
    struct iovec local = { out, 8 }, remote = { (void *)(uintptr_t)a, 8 };
    long pid, ret;
    __asm__ volatile("syscall" : "=a"(pid) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
    register long r10 __asm__("r10") = (long)&remote;
    register long r8 __asm__("r8") = 1;
    register long r9 __asm__("r9") = 0;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"((long)SYS_process_vm_readv), "D"(pid), "S"(&local), "d"(1L),
                       "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    if (ret == 8)
        return 1;
    return ret == -EFAULT ? 0 : -1;
}

enum ht_guard_frame ht_guard_judge(uint64_t fp, uint64_t ret, int word_read, uint64_t word,
                                   uint64_t sp, uint64_t caller_base)
{
    if (!word_read || word != ret)
        return HT_GUARD_STALE; /* its return address slot overwritten */
    if (fp >= caller_base)
        return HT_GUARD_HELD; /* the asking slow path's own frame or above */
    return fp >= sp ? HT_GUARD_STALE : HT_GUARD_POPPED;
}

int ht_depth_held(struct ht_thread *t, uint64_t caller_cfa)
{
    uint64_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    /* the asking slow path's frame base: where a guard it took itself sits */
    uint64_t caller_base = caller_cfa - 16;
    uint64_t fp = t->enter_fp, word = 0;
    int got = fp && !(fp & 7) ? read_word(fp + 8, &word) : 0;
    if (got < 0)
        return 1; /* cannot tell: never reset a guard that may be held */
    switch (ht_guard_judge(fp, t->enter_ret, got, word, sp, caller_base)) {
    case HT_GUARD_HELD:
        return 1;
    case HT_GUARD_POPPED: {
        /* below sp: popped, unless we run on a signal stack above it */
        stack_t old;
        if (raw_sigaltstack(NULL, &old) != 0 || (old.ss_flags & SS_ONSTACK))
            return 1;
        break;
    }
    case HT_GUARD_STALE:
        break;
    }
    /* the frames that took the guard are gone */
    t->cache_writing = 1;
    ht_signal_fence();
    ht_unw_thread_reset();
    ht_hops_thread_reset();
    if (t->slot_state == HT_SLOT_CLAIMING)
        t->slot_state = HT_SLOT_SHARED; /* left half way: counts on a shared set */
    t->depth = 0;
    t->key = ht_tag_key(t->tag[0], t->tag[1]);
    ht_signal_fence();
    t->cache_writing = 0;
    return 0;
}
