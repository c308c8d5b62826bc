/* SPDX-License-Identifier: MIT
 * coldsites.c - 512 functions, each a call site of its own, each called
 * twice from one place: every walk under ust meets new return addresses,
 * whose unwind rules are learnt then. The kernel's questions are counted:
 * getpid (the first system call of each readability question the shim
 * asks) is made to trap, and a SIGSYS handler counts it and answers with
 * the pid. Prints "asked=N calls=1024", the pid and "ok"; the blocks are
 * left live.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static void *volatile sink;
static void *kept[1024];
static int kept_n;

/* distinct sizes: no two functions have one body (identical code folding) */
#define F(n)                                                                  \
    static __attribute__((noinline)) void f##n(void)                         \
    {                                                                         \
        sink = malloc(16 + n);                                                \
        kept[kept_n++] = sink;                                                \
    }
#define F8(n) F(n##0) F(n##1) F(n##2) F(n##3) F(n##4) F(n##5) F(n##6) F(n##7)
#define F64(n) F8(n##0) F8(n##1) F8(n##2) F8(n##3) F8(n##4) F8(n##5) F8(n##6) F8(n##7)
F64(1) F64(2) F64(3) F64(4) F64(5) F64(6) F64(7) F64(8)

#define P(n) f##n,
#define P8(n) P(n##0) P(n##1) P(n##2) P(n##3) P(n##4) P(n##5) P(n##6) P(n##7)
#define P64(n) P8(n##0) P8(n##1) P8(n##2) P8(n##3) P8(n##4) P8(n##5) P8(n##6) P8(n##7)
static void (*const fns[])(void) = { P64(1) P64(2) P64(3) P64(4) P64(5) P64(6) P64(7) P64(8) };

static volatile sig_atomic_t asked;
static long pid;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    asked++;
    ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX] = pid;
}

static int trap_getpid(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getpid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof *f), f };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("coldsites: seccomp");
        return -1;
    }
    return 0;
}

int main(void)
{
    pid = getpid();
    free(malloc(1)); /* the shim started, the stack's range known */
    if (trap_getpid() != 0)
        return 2;
    asked = 0;
    size_t n = sizeof fns / sizeof *fns;
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < n; i++)
            fns[i]();
    int got = asked;
    printf("asked=%d calls=%d\npid %ld\n", got, kept_n, pid);
    puts("ok"); /* the blocks stay live: each stack shows allocs=2 live_allocs=2 */
    return 0;
}
