/* SPDX-License-Identifier: MIT
 * callers.c - the ways to a call site the shim's unwinder must survive, one
 * mode per argument; prints "ok" and exits 0 when the host came through.
 *   jitfork:   three threads allocate through generated code without unwind
 *              info (fresh code at new addresses too) while the main thread
 *              forks 60 children that allocate and exit; a child that has
 *              not exited within 10 s is a hang (killed, reported, exit 1).
 *   nolocals:  allocations through a generated frame-pointer function with
 *              no locals (rbp == rsp at its call), called from
 *              via_nolocals(): 7 blocks, kept.
 *   bogusret:  allocations from a frame whose return address points into a
 *              PROT_NONE hole between a library's segments (libholes.so,
 *              from the directory argument), and at a few other bad places;
 *              the walk must end there, not fault.
 *   dlswap:    dlopen A, allocate (plug_alloc, 5 blocks kept), dlclose A,
 *              dlopen B at the same address, allocate (plug_alloc, 9 blocks
 *              kept); prints "same_address=1" when B landed where A was.
 *   sigjump:   an itimer signal handler that allocates and siglongjmps out
 *              (when it interrupted the shim or this program, never glibc:
 *              glibc's malloc is not reentrant), while the main loop
 *              allocates and frees, many times; then 11 blocks kept from
 *              in_after_jumps() (a row with exact counts, a stack under ust).
 *   samesp:    samesp_leaf() allocates at one stack pointer through two
 *              callers of one layout, taking turns (3 of every 10 through
 *              samesp_path_a(): 300 blocks of 48 bytes, kept; 700 through
 *              samesp_path_b()); then 300 of 96 bytes through one call of
 *              samesp_path_a(), every third under the tag "Smsp" (100
 *              tagged, 200 not); prints "same_sp=1" when every call reached
 *              samesp_leaf() at the same stack pointer.
 *   pltsig:    a loop that calls strlen() through the PLT while a 200 us
 *              timer's handler allocates and frees, 3,000 times: walks from
 *              the handler go through the signal frame into whatever the
 *              loop was doing, often a PLT entry (whose unwind rule is an
 *              expression on rip); prints "signals=N".
 */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <time.h>
#include <unistd.h>

#include "child_wait.h"
#include "heaptag.h"

static void *volatile sink;

static int fail(const char *what)
{
    printf("fail: %s\n", what);
    return 1;
}

/* ---- generated code ---------------------------------------------------- */

/* void *stub(void *(*fn)(size_t), size_t n): push rbp; mov rbp,rsp;
 * mov rax,rdi; mov rdi,rsi; call *rax; pop rbp; ret. No locals: at the call
 * rbp == rsp. No unwind info anywhere. */
typedef void *(*stub_fn)(void *(*)(size_t), size_t);

#define STUBS_PER_PAGE 64 /* one every 16 bytes */

static stub_fn make_stub(void)
{
    static const unsigned char code[] = {
        0x55,             /* push %rbp */
        0x48, 0x89, 0xe5, /* mov %rsp,%rbp */
        0x48, 0x89, 0xf8, /* mov %rdi,%rax */
        0x48, 0x89, 0xf7, /* mov %rsi,%rdi */
        0xff, 0xd0,       /* call *%rax */
        0x5d,             /* pop %rbp */
        0xc3,             /* ret */
    };
    unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    for (int i = 0; i < STUBS_PER_PAGE; i++)
        memcpy(m + 16 * i, code, sizeof code);
    if (mprotect(m, 4096, PROT_READ | PROT_EXEC) != 0)
        return NULL;
    return (stub_fn)(void *)m;
}

/* void *fake(void *(*fn)(size_t), size_t n, uint64_t ret): calls fn(n) under
 * a made-up frame-pointer frame whose return address is ret:
 * push rbp; mov rbp,rsp; push rdx; push rbp; mov rbp,rsp; sub rsp,16; mov rax,rdi;
 * mov rdi,rsi; call *rax; leave; add rsp,8; pop rbp; ret. */
typedef void *(*fake_fn)(void *(*)(size_t), size_t, uint64_t);

static fake_fn make_fake(void)
{
    static const unsigned char code[] = {
        0x55, 0x48, 0x89, 0xe5,       /* push %rbp; mov %rsp,%rbp */
        0x52,                         /* push %rdx: the made-up return address */
        0x55, 0x48, 0x89, 0xe5,       /* push %rbp; mov %rsp,%rbp */
        0x48, 0x83, 0xec, 0x10,       /* sub $16,%rsp: locals */
        0x48, 0x89, 0xf8,             /* mov %rdi,%rax */
        0x48, 0x89, 0xf7,             /* mov %rsi,%rdi */
        0xff, 0xd0,                   /* call *%rax */
        0xc9,                         /* leave */
        0x48, 0x83, 0xc4, 0x08,       /* add $8,%rsp */
        0x5d, 0xc3,                   /* pop %rbp; ret */
    };
    unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    memcpy(m, code, sizeof code);
    if (mprotect(m, 4096, PROT_READ | PROT_EXEC) != 0)
        return NULL;
    return (fake_fn)(void *)m;
}

/* ---- jitfork ------------------------------------------------------------ */

/* dl_iterate_phdr as the shim sees it (the executable's definition comes
 * first): counted, and during jitfork slowed while it holds the loader's
 * lock, so that a fork landing inside one is likely, not a rare race. */
typedef int (*phdr_cb)(struct dl_phdr_info *, size_t, void *);
static int (*real_iterate)(phdr_cb, void *);
static volatile unsigned long iterate_calls;
static volatile int iterate_slow;

struct slow_iterate {
    phdr_cb cb;
    void *arg;
    int first;
};

static int slow_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct slow_iterate *s = arg;
    if (s->first) {
        s->first = 0;
        nanosleep(&(struct timespec){ 0, 300000 }, NULL);
    }
    return s->cb(info, size, s->arg);
}

int dl_iterate_phdr(phdr_cb cb, void *arg)
{
    if (!real_iterate)
        real_iterate = (int (*)(phdr_cb, void *))dlsym(RTLD_NEXT, "dl_iterate_phdr");
    __atomic_fetch_add(&iterate_calls, 1, __ATOMIC_RELAXED);
    struct slow_iterate s = { cb, arg, 1 };
    return iterate_slow ? real_iterate(slow_cb, &s) : real_iterate(cb, arg);
}

static volatile int stop;
static stub_fn shared_stub;

static void churn_once(void)
{
    void *p = shared_stub(malloc, 48);
    sink = p;
    free(p);
    /* code at addresses never seen before: 64 new call sites */
    unsigned char *fresh = (unsigned char *)(void *)make_stub();
    if (fresh) {
        for (int i = 0; i < STUBS_PER_PAGE; i++) {
            p = ((stub_fn)(void *)(fresh + 16 * i))(malloc, 80);
            sink = p;
            free(p);
        }
        munmap(fresh, 4096);
    }
}

static void *churn(void *arg)
{
    (void)arg;
    while (!stop)
        churn_once();
    return NULL;
}

static int mode_jitfork(void)
{
    shared_stub = make_stub();
    if (!shared_stub)
        return fail("no executable page");
    iterate_slow = 1;
    unsigned long calls_before = iterate_calls;
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, churn, NULL);
    int hung = 0, bad = 0;
    static pid_t kids[60];
    for (int n = 0; n < 60; n++) {
        pid_t pid = fork();
        if (pid < 0)
            return fail("fork");
        kids[n] = pid;
        if (pid == 0) {
            for (int i = 0; i < 3; i++)
                churn_once();
            void *p = malloc(100);
            sink = p;
            free(p);
            exit(0);
        }
        int st = 0;
        if (!child_ended(pid, &st, 10000)) {
            hung++;
        } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            bad++;
        }
    }
    stop = 1;
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("iterate_calls=%lu\n", iterate_calls - calls_before);
    printf("children");
    for (int n = 0; n < 60; n++)
        printf(" %d", (int)kids[n]);
    printf("\n");
    if (hung || bad) {
        printf("fail: %d children hung, %d failed\n", hung, bad);
        return 1;
    }
    return 0;
}

/* ---- nolocals ----------------------------------------------------------- */

static void *volatile blocks[64]; /* kept: read by nobody, so volatile */

__attribute__((noinline)) static int via_nolocals(stub_fn f)
{
    for (int i = 0; i < 7; i++) {
        blocks[i] = f(malloc, 56);
        if (!blocks[i])
            return 1;
    }
    __asm__ volatile("" ::: "memory");
    return 0;
}

static int mode_nolocals(void)
{
    stub_fn f = make_stub();
    if (!f)
        return fail("no executable page");
    return via_nolocals(f);
}

/* ---- bogusret ----------------------------------------------------------- */

/* An address inside a PROT_NONE mapping that lies between two mappings of
 * the same file (a loaded library's hole), or 0. */
static uint64_t hole_address(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    char line[512], prev_file[256] = "";
    uint64_t found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi, off;
        char perms[8], file[256] = "";
        unsigned dmaj, dmin;
        unsigned long ino;
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %255s", &lo, &hi, perms, &off, &dmaj, &dmin,
                   &ino, file) < 7)
            continue;
        if (strcmp(perms, "---p") == 0 && prev_file[0] == '/' && hi - lo >= 8192) {
            found = lo + 4096 + 0x123; /* an odd place inside it */
            break;
        }
        snprintf(prev_file, sizeof prev_file, "%s", file);
    }
    fclose(f);
    return found;
}

static int mode_bogusret(const char *dir)
{
    char holes[4096];
    snprintf(holes, sizeof holes, "%s/libholes.so", dir);
    if (!dlopen(holes, RTLD_NOW | RTLD_LOCAL))
        return fail(dlerror());
    fake_fn f = make_fake();
    if (!f)
        return fail("no executable page");
    uint64_t hole = hole_address();
    /* a mapping made unreadable after it was seen as code, and the hole */
    unsigned char *gone = mmap(NULL, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                               -1, 0);
    if (gone == MAP_FAILED)
        return fail("mmap");
    uint64_t bad[] = { hole, hole + 8, (uint64_t)(uintptr_t)gone + 0x40, 0x1000, 0x7ffffffff000ull,
                       (uint64_t)(uintptr_t)&bad /* the stack itself */ };
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            if (!bad[i])
                continue;
            for (int k = 0; k < 3; k++) {
                void *p = f(malloc, 24 + i, bad[i]);
                sink = p;
                free(p);
            }
        }
        mprotect(gone, 8192, PROT_NONE);
    }
    printf("hole=%s\n", hole ? "yes" : "no");
    return 0;
}

/* ---- dlswap ------------------------------------------------------------- */

typedef void *plug_alloc_fn(size_t);

/* plug_alloc of a plugin dlopen gave h for (NULL: it failed), or NULL after
 * a fail line. The dlopen calls stay in mode_dlswap: what the loader
 * allocates is counted at their two call sites, apart from the plugins' rows. */
static plug_alloc_fn *plug_alloc_of(void *h, char which)
{
    if (!h) {
        fail(dlerror());
        return NULL;
    }
    plug_alloc_fn *fn = (plug_alloc_fn *)dlsym(h, "plug_alloc");
    if (!fn) {
        char what[32];
        snprintf(what, sizeof what, "plug_alloc in %c", which);
        fail(what);
    }
    return fn;
}

static int mode_dlswap(const char *dir)
{
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/libplugA.so", dir);
    snprintf(b, sizeof b, "%s/libplugB.so", dir);
    void *ha = dlopen(a, RTLD_NOW | RTLD_LOCAL);
    plug_alloc_fn *fa = plug_alloc_of(ha, 'A');
    if (!fa)
        return 1;
    for (int i = 0; i < 5; i++)
        blocks[i] = fa(32);
    uintptr_t where_a = (uintptr_t)fa;
    dlclose(ha);
    void *hb = dlopen(b, RTLD_NOW | RTLD_LOCAL);
    plug_alloc_fn *fb = plug_alloc_of(hb, 'B');
    if (!fb)
        return 1;
    for (int i = 0; i < 9; i++)
        blocks[10 + i] = fb(40);
    printf("same_address=%d\n", (uintptr_t)fb == where_a);
    return 0;
}

/* ---- sigjump ------------------------------------------------------------ */

static sigjmp_buf jump_back;
static volatile sig_atomic_t armed;
static volatile unsigned long jumps;

/* Code ranges a jump may leave: the shim's and this program's. Never
 * glibc's or the loader's (jumping out of glibc's malloc breaks glibc). */
static uintptr_t jump_ok_lo[8], jump_ok_hi[8];
static int jump_ok_shim[8];
static int n_jump_ok;

static void note_code_ranges(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    while (f && fgets(line, sizeof line, f) && n_jump_ok < 8) {
        unsigned long lo, hi;
        char perms[8], file[512] = "";
        if (sscanf(line, "%lx-%lx %7s %*x %*x:%*x %*u %511s", &lo, &hi, perms, file) < 3)
            continue;
        if (perms[2] != 'x' || !file[0])
            continue;
        if (strstr(file, "libheaptag") || strcmp(file, self) == 0) {
            jump_ok_shim[n_jump_ok] = strstr(file, "libheaptag") != NULL;
            jump_ok_lo[n_jump_ok] = lo;
            jump_ok_hi[n_jump_ok++] = hi;
        }
    }
    if (f)
        fclose(f);
}

/* 0: keep going; 1: program code; 2: the shim's */
static int may_jump_from(uintptr_t pc)
{
    for (int i = 0; i < n_jump_ok; i++)
        if (pc >= jump_ok_lo[i] && pc < jump_ok_hi[i])
            return 1 + jump_ok_shim[i];
    return 0;
}

static volatile unsigned long in_shim_jumps;

static void on_alarm(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    uintptr_t pc = (uintptr_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
    int from = may_jump_from(pc);
    if (!from)
        return; /* glibc's malloc is not reentrant: never allocate over it */
    void *p = malloc(64);
    sink = p;
    free(p);
    if (armed) {
        armed = 0;
        if (from == 2)
            in_shim_jumps++;
        siglongjmp(jump_back, 1);
    }
}

__attribute__((noinline)) static void in_after_jumps(void)
{
    for (int i = 0; i < 11; i++)
        blocks[20 + i] = malloc(72);
}

static int mode_sigjump(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    note_code_ranges();
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 50 }, { 0, 50 } };
    setitimer(ITIMER_REAL, &it, NULL);
    time_t end = time(NULL) + 2;
    static volatile unsigned long rounds;
    while (time(NULL) < end || jumps < 200) {
        if (sigsetjmp(jump_back, 1)) {
            jumps++;
            continue;
        }
        armed = 1;
        for (int i = 0; i < 200; i++) {
            void *p = malloc(16 + (size_t)(i & 63) * 8);
            sink = p;
            free(p);
        }
        armed = 0;
        rounds++;
        if (time(NULL) > end + 20)
            break;
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    in_after_jumps();
    printf("jumps=%lu in_shim=%lu rounds=%lu\n", jumps, in_shim_jumps, rounds);
    return 0;
}

/* ---- samesp ------------------------------------------------------------ */

static void *volatile samesp_keep;
static volatile uintptr_t samesp_at, samesp_b_marks;
static int samesp_differs;

__attribute__((noinline)) static void *samesp_leaf(size_t n)
{
    /* a local's address, not the frame's: that would give the function a
     * frame pointer where the build has none */
    volatile char local = 0;
    uintptr_t here = (uintptr_t)&local;
    if (samesp_at && here != samesp_at)
        samesp_differs = 1;
    samesp_at = here;
    void *p = malloc(n);
    samesp_keep = p;
    return p;
}

__attribute__((noinline)) static void *samesp_mid(size_t n)
{
    void *p = samesp_leaf(n);
    __asm__ volatile("" ::: "memory");
    return p;
}

/* Two callers of one layout (they differ in a store, so they are not
 * merged into one). */
__attribute__((noinline)) void *samesp_path_a(size_t n)
{
    void *p = samesp_mid(n);
    __asm__ volatile("" ::: "memory");
    return p;
}

__attribute__((noinline)) void *samesp_path_b(size_t n)
{
    void *p = samesp_mid(n);
    samesp_b_marks++;
    return p;
}

static int mode_samesp(void)
{
    for (int i = 0; i < 1000; i++)
        (void)(i % 10 < 3 ? samesp_path_a(48) : samesp_path_b(48));
    /* one call of samesp_path_a(), every third time under the tag */
    for (int i = 0; i < 300; i++) {
        heaptag_scope_t s = { { 0, 0, 0 }, 1, 0 };
        if (i % 3 == 0)
            s = heaptag_scope_begin_("Smsp");
        (void)samesp_path_a(96);
        heaptag_scope_end_(&s);
    }
    printf("same_sp=%d\n", !samesp_differs);
    return 0;
}

/* ---- pltsig ------------------------------------------------------------ */

static volatile unsigned long plt_signals;

static void on_plt_tick(int sig)
{
    (void)sig;
    void *p = malloc(40); /* the loop never is inside malloc */
    sink = p;
    free(p);
    plt_signals++;
}

static int mode_pltsig(void)
{
    static char text[8] = "abcdefg";
    char *volatile s = text;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_plt_tick;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 200 }, { 0, 200 } };
    setitimer(ITIMER_REAL, &it, NULL);
    size_t total = 0;
    while (plt_signals < 3000)
        total += strlen(s);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    printf("signals=%lu lengths=%zu\n", plt_signals, total); /* total keeps the calls */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return fail("mode?");
    int rc;
    if (!strcmp(argv[1], "jitfork"))
        rc = mode_jitfork();
    else if (!strcmp(argv[1], "nolocals"))
        rc = mode_nolocals();
    else if (!strcmp(argv[1], "bogusret"))
        rc = mode_bogusret(argc > 2 ? argv[2] : ".");
    else if (!strcmp(argv[1], "dlswap"))
        rc = mode_dlswap(argc > 2 ? argv[2] : ".");
    else if (!strcmp(argv[1], "sigjump"))
        rc = mode_sigjump();
    else if (!strcmp(argv[1], "samesp"))
        rc = mode_samesp();
    else if (!strcmp(argv[1], "pltsig"))
        rc = mode_pltsig();
    else
        return fail("unknown mode");
    if (rc == 0)
        printf("ok pid=%d\n", (int)getpid());
    fflush(stdout);
    return rc;
}
