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

int ht_depth_held(struct ht_thread *t, uint64_t caller_fp)
{
    uint64_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    uint64_t fp = t->enter_fp, word = 0;
    int got = fp && !(fp & 7) ? read_word(fp + 8, &word) : 0;
    if (got < 0)
        return 1; /* cannot tell: never reset a guard that may be held */
    /* the frame that took the guard still holds its return address: one of
     * the current call's own frames (every word above sp is), so this call is
     * nested in the shim's work (its own allocation, a handler over it) */
    if (got && word == t->enter_ret) {
        if (fp >= caller_fp)
            return 1;
        /* between sp and the asking frame: this function's own frame, whose
         * unwritten slots may still hold the words of the call a jump cut
         * short (the same slow path at the same depth): stale */
        if (fp >= sp)
            goto stale;
        /* below sp: popped, unless we run on a signal stack above it */
        stack_t old;
        if (raw_sigaltstack(NULL, &old) != 0 || (old.ss_flags & SS_ONSTACK))
            return 1;
    }
stale:
    /* the frames that took the guard are gone */
    t->cache_writing = 1;
    ht_signal_fence();
    ht_unw_thread_reset();
    if (t->slot_state == HT_SLOT_CLAIMING)
        t->slot_state = HT_SLOT_SHARED; /* left half way: counts on a shared set */
    t->depth = 0;
    t->key = ht_tag_key(t->tag[0], t->tag[1]);
    ht_signal_fence();
    t->cache_writing = 0;
    return 0;
}
