/* SPDX-License-Identifier: MIT
 * test_alloc_core.c - the shim's allocator core driven directly, without
 * preloading: exact row counters after known patterns.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "base/block.h"
#include "heaptag.h"
#include "accounting/slots.h"
#include "base/state.h"
#include "threads.h"

void heaptag_scope_enter(heaptag_scope_t *scope, const char *tag);
void heaptag_scope_leave(heaptag_scope_t *scope);

struct sums {
    uint64_t allocs, frees, live, peak;
};

/* A row's counts summed over every counter set, as the tool sums them. */
static struct sums row_sums(uint32_t row)
{
    struct ht_counters c;
    ht_row_totals(row, &c);
    struct sums s = { c.allocs, c.frees, c.bytes_alloc - c.bytes_freed,
                      ht_state.rows[row].peak_live };
    return s;
}

static uint32_t row_of(void *p) { return ht_block_row(ht_block_of(p)); }

static void setup(void) { ht_init(); }

/* Under AddressSanitizer the next allocator is ASan's: a test that needs a
 * foreign block's neighbourhood readable is not a shim question there. */
#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_ASAN() cr_skip_test("the next allocator is ASan's in this build")
#else
#define SKIP_UNDER_ASAN() ((void)0)
#endif

TestSuite(alloc_core, .init = setup, .timeout = 30);

Test(alloc_core, counts_by_site)
{
    void *p[5];
    for (int i = 0; i < 5; i++)
        p[i] = ht_alloc(100 + (size_t)i, 0x1000);
    uint32_t row = row_of(p[0]);
    cr_assert_neq(row, HT_ROW_NONE);
    for (int i = 1; i < 5; i++)
        cr_assert_eq(row_of(p[i]), row, "same site, same row");
    ht_free(p[1]);
    ht_free(p[3]);
    struct sums s = row_sums(row);
    cr_assert_eq(s.allocs, 5);
    cr_assert_eq(s.frees, 2);
    cr_assert_eq(s.live, 100 + 102 + 104);
    cr_assert_eq(s.peak, 100, "sampled at the thread's first allocation, not on the fast path");
    cr_assert_eq(ht_state.rows[row].site, 0x1000);
    cr_assert_eq(ht_state.rows[row].kind, HT_KIND_SITE);
    void *q = ht_alloc(8, 0x2000);
    cr_assert_neq(row_of(q), row, "another site, another row");
}

Test(alloc_core, explicit_tag_rows)
{
    heaptag_scope_t sc;
    heaptag_scope_enter(&sc, "Strg");
    void *a = ht_alloc(10, 0x3000);
    heaptag_scope_leave(&sc);
    void *b = ht_alloc(10, 0x3000);
    cr_assert_neq(row_of(a), row_of(b), "tag is part of the key");
    cr_assert_str_eq(ht_state.rows[row_of(a)].tag, "Strg");
    cr_assert_eq(ht_state.rows[row_of(a)].kind, HT_KIND_TAG);
    cr_assert_str_eq(ht_state.rows[row_of(b)].tag, "");
    heaptag_scope_enter(&sc, "AVeryLongTagNameIndeed");
    void *c = ht_alloc(1, 0x3000);
    heaptag_scope_leave(&sc);
    cr_assert_str_eq(ht_state.rows[row_of(c)].tag, "AVeryLongTagNam", "cut to 15 characters");
}

Test(alloc_core, realloc_moves_counts)
{
    char *p = ht_alloc(10, 0x4000);
    uint32_t r1 = row_of(p);
    memset(p, 7, 10);
    p = ht_realloc(p, 5000, 0x5000);
    uint32_t r2 = row_of(p);
    cr_assert_eq(p[9], 7);
    struct sums s1 = row_sums(r1), s2 = row_sums(r2);
    cr_assert_eq(s1.allocs, 1);
    cr_assert_eq(s1.frees, 1);
    cr_assert_eq(s1.live, 0);
    cr_assert_eq(s2.allocs, 1);
    cr_assert_eq(s2.live, 5000);
    cr_assert_null(ht_realloc(p, 0, 0x5000), "realloc to 0 frees");
    s2 = row_sums(r2);
    cr_assert_eq(s2.frees, 1);
    cr_assert_eq(s2.live, 0);
}

Test(alloc_core, aligned_blocks)
{
    SKIP_UNDER_ASAN();
    for (size_t align = 32; align <= 65536; align <<= 1) {
        char *p = ht_alloc_aligned(align, 100, 0x6000);
        cr_assert_eq((uintptr_t)p % align, 0);
        cr_assert_eq(ht_usable_size(p), 100);
        memset(p, 1, 100);
        p = ht_realloc(p, 300, 0x6000);
        cr_assert_eq(p[99], 1);
        ht_free(p);
    }
    struct sums s = row_sums(row_of(ht_alloc(1, 0x6000)));
    cr_assert_eq(s.allocs, 2 * 12 + 1);
    cr_assert_eq(s.frees, 2 * 12);
    cr_assert_eq(s.live, 1);
}

Test(alloc_core, failures_keep_libc_contracts)
{
    errno = 0;
    cr_assert_null(ht_alloc_zeroed(SIZE_MAX / 2, 3, 0x7000));
    cr_assert_eq(errno, ENOMEM);
    errno = 0;
    cr_assert_null(ht_alloc(SIZE_MAX - 4, 0x7000));
    cr_assert_eq(errno, ENOMEM);
    char *p = ht_alloc(10, 0x7000);
    errno = 0;
    cr_assert_null(ht_realloc(p, SIZE_MAX - 4, 0x7000));
    cr_assert_eq(errno, ENOMEM);
    cr_assert_eq(ht_usable_size(p), 10, "failed realloc leaves the block");
    errno = 77;
    ht_free(p);
    ht_free(NULL);
    cr_assert_eq(errno, 77);
}

Test(alloc_core, foreign_pointers_pass_through)
{
    /* the shim reads the 16 bytes before a pointer to tell its own blocks
     * apart: inside ASan's redzone when the next allocator is ASan's */
    SKIP_UNDER_ASAN();
    /* a block of the next allocator that the shim did not hand out (the
     * test runner's malloc is not the shim's: the hooks are not linked) */
    uint64_t before = ht_state.seg->untracked_frees;
    void *f = malloc(64);
    cr_assert_geq(ht_usable_size(f), 64);
    f = ht_realloc(f, 128, 0x8000);
    cr_assert_not_null(f);
    ht_free(f);
    cr_assert_eq(ht_state.seg->untracked_frees, before + 1);
    cr_assert_eq(ht_state.seg->untracked_reallocs, 1);
}

Test(alloc_core, full_table_goes_to_overflow)
{
    uint32_t cap = ht_state.seg->row_capacity;
    void *p = NULL;
    for (uint32_t i = 0; i <= cap; i++) {
        p = ht_alloc(3, 0x100000 + (uint64_t)i * 16);
        if (i + 1 < cap - 16)
            ht_free(p);
    }
    cr_assert_eq(ht_state.seg->rows_used, cap);
    cr_assert_eq(row_of(p), 0, "the last one lands in the overflow row");
    cr_assert_eq(ht_state.rows[0].kind, HT_KIND_OVERFLOW);
    cr_assert_geq(row_sums(0).allocs, 1);
}

#define THREADS 8
#define ROUNDS 50000
/* the blocks kept alive, reachable (the next allocator may be ASan's) */
static void *kept[THREADS * 10];
static int kept_n;

static void *storm(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++)
        ht_free(ht_alloc((size_t)(i % 512), 0x9000));
    for (int i = 0; i < 10; i++)
        kept[__atomic_fetch_add(&kept_n, 1, __ATOMIC_RELAXED)] = ht_alloc(64, 0x9000);
    return NULL;
}

Test(alloc_core, threads_exact)
{
    cr_assert_eq(run_threads(THREADS, storm), 0);
    void *probe = ht_alloc(0, 0x9000);
    struct sums s = row_sums(row_of(probe));
    cr_assert_eq(s.allocs, (uint64_t)THREADS * (ROUNDS + 10) + 1);
    cr_assert_eq(s.frees, (uint64_t)THREADS * ROUNDS);
    cr_assert_eq(s.live, (uint64_t)THREADS * 10 * 64);
}

/* More threads than counter slots, each block freed by another thread than
 * the one that allocated it: the sums over every set stay exact. */
#define MANY (HT_DEFAULT_SLOTS * 2 + 3)
#define HANDED 2000
static void *handed[MANY][HANDED];
static pthread_barrier_t handoff;
static int shared_threads;

static void *hand_over(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < HANDED; i++)
        handed[id][i] = ht_alloc((size_t)(1 + i % 300), 0xa000);
    if (ht_self.slot_state == HT_SLOT_SHARED)
        __atomic_fetch_add(&shared_threads, 1, __ATOMIC_RELAXED);
    pthread_barrier_wait(&handoff);
    for (int i = 0; i < HANDED; i++)
        ht_free(handed[(id + 1) % MANY][i]);
    return NULL;
}

Test(alloc_core, more_threads_than_slots_freeing_each_others_blocks)
{
    pthread_barrier_init(&handoff, NULL, MANY);
    cr_assert_eq(run_threads(MANY, hand_over), 0);
    cr_assert_geq(shared_threads, MANY - HT_DEFAULT_SLOTS,
                  "threads beyond the slots count on shared shards");
    uint64_t bytes = 0;
    for (int i = 0; i < HANDED; i++)
        bytes += (uint64_t)(1 + i % 300);
    void *probe = ht_alloc(0, 0xa000);
    struct sums s = row_sums(row_of(probe));
    cr_assert_eq(s.allocs, (uint64_t)MANY * HANDED + 1);
    cr_assert_eq(s.frees, (uint64_t)MANY * HANDED);
    cr_assert_eq(s.live, 0);
    cr_assert_geq(s.peak, bytes, "the slow path's samples saw at least one thread's blocks");
}

/* A thread's slot goes back when it exits: threads one after another, many
 * more than there are slots, each find one, and its counts stay. */
static void *one_after_another(void *arg)
{
    void **keep = arg;
    *keep = ht_alloc(40, 0xb000);
    ht_free(ht_alloc(24, 0xb000));
    return (void *)(intptr_t)(ht_self.slot_state == HT_SLOT_HELD);
}

Test(alloc_core, slots_reused_after_thread_exit)
{
    void *keep[HT_DEFAULT_SLOTS * 4];
    for (int i = 0; i < HT_DEFAULT_SLOTS * 4; i++) {
        pthread_t t;
        void *held;
        pthread_create(&t, NULL, one_after_another, &keep[i]);
        pthread_join(t, &held);
        cr_assert_eq((intptr_t)held, 1, "thread %d found no free slot", i);
    }
    uint32_t row = row_of(keep[0]);
    struct sums s = row_sums(row);
    cr_assert_eq(s.allocs, (uint64_t)HT_DEFAULT_SLOTS * 4 * 2);
    cr_assert_eq(s.frees, (uint64_t)HT_DEFAULT_SLOTS * 4);
    cr_assert_eq(s.live, (uint64_t)HT_DEFAULT_SLOTS * 4 * 40);
    for (int i = 0; i < HT_DEFAULT_SLOTS * 4; i++)
        ht_free(keep[i]); /* freed by this thread, counted in its own set */
    cr_assert_eq(row_sums(row).live, 0);
}

/* calloc and realloc on the fast path count like malloc. */
Test(alloc_core, calloc_and_realloc_fast_paths_count)
{
    char *z[4];
    for (int i = 0; i < 4; i++) {
        z[i] = ht_alloc_zeroed(3, 7, 0xc000);
        cr_assert_not_null(z[i]);
        for (int k = 0; k < 21; k++)
            cr_assert_eq(z[i][k], 0);
    }
    for (int i = 0; i < 4; i++)
        z[i] = ht_realloc(z[i], 100 + (size_t)i, 0xc000);
    uint32_t row = row_of(z[0]);
    struct sums s = row_sums(row);
    cr_assert_eq(s.allocs, 8);
    cr_assert_eq(s.frees, 4);
    cr_assert_eq(s.live, 100 + 101 + 102 + 103);
    for (int i = 0; i < 4; i++)
        ht_free(z[i]);
    cr_assert_eq(row_sums(row).live, 0);
}
