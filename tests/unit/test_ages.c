/* SPDX-License-Identifier: MIT
 * test_ages.c - the age bins of the shim core, driven directly: the sum of a
 * row's bins and slots is its live bytes and blocks exactly, across ticks,
 * threads, realloc and fork, and old bytes stay in the bins of their tick.
 * A tick is made by moving the clock the ages read forward by one tick and
 * letting the thread look at it on its next allocation.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accounting/ages.h"
#include "accounting/grow.h"
#include "accounting/slots.h"
#include "core/alloc.h"
#include "base/block.h"
#include "base/state.h"

static void setup(void) { ht_init(); }

TestSuite(ages, .init = setup, .timeout = 60);

static uint32_t row_of(void *p) { return ht_block_row(ht_block_of(p)); }

struct hist {
    int64_t bytes[HT_AGE_BINS], blocks[HT_AGE_BINS];
    int64_t sum_bytes, sum_blocks;
    int64_t live, diff; /* from the counters, as the tool sums them */
};

/* A row as a reader sees it: its bins, each slot's net in the bin of the
 * slot's tick, and its totals over every counter set. */
static struct hist hist_of(uint32_t row)
{
    struct hist h;
    memset(&h, 0, sizeof h);
    struct ht_ages *a = ht_state.ages;
    cr_assert_not_null(a, "the segment keeps ages");
    for (uint32_t b = 0; b < HT_AGE_BINS; b++) {
        h.bytes[b] = ht_state.age_rows[row].bytes[b];
        h.blocks[b] = ht_state.age_rows[row].blocks[b];
    }
    uint64_t open = ht_grow_sets_open();
    for (uint32_t k = 0; k < ht_state.counter_slots; k++) {
        if (!(open >> k & 1))
            continue; /* a closed set is a hole */
        const struct ht_counters *c =
            ht_state.counters + (uint64_t)k * ht_state.counter_stride + row;
        uint32_t b = ht_age_bin_of(a->span, a->slot_tick[k]);
        h.bytes[b] += (int64_t)(c->bytes_alloc - c->bytes_freed);
        h.blocks[b] += (int64_t)(c->allocs - c->frees);
    }
    for (uint32_t b = 0; b < HT_AGE_BINS; b++) {
        h.sum_bytes += h.bytes[b];
        h.sum_blocks += h.blocks[b];
    }
    struct ht_counters t;
    ht_row_totals(row, &t);
    h.live = (int64_t)(t.bytes_alloc - t.bytes_freed);
    h.diff = (int64_t)(t.allocs - t.frees);
    return h;
}

static void assert_exact(uint32_t row, const char *when)
{
    struct hist h = hist_of(row);
    cr_assert_eq(h.sum_bytes, h.live, "%s: bins hold %lld bytes, the row %lld", when,
                 (long long)h.sum_bytes, (long long)h.live);
    cr_assert_eq(h.sum_blocks, h.diff, "%s: bins hold %lld blocks, Diff is %lld", when,
                 (long long)h.sum_blocks, (long long)h.diff);
    for (uint32_t b = 0; b < HT_AGE_BINS; b++)
        cr_assert_geq(h.bytes[b], 0, "%s: bin %u below zero", when, b);
}

/* The bytes of row in bins that do not hold the present tick. */
static int64_t older_bytes(uint32_t row)
{
    struct hist h = hist_of(row);
    struct ht_ages *a = ht_state.ages;
    uint32_t now = ht_age_bin_of(a->span, a->tick);
    return h.sum_bytes - h.bytes[now];
}

/* One tick passes: the clock moves on, this thread looks at the clock at
 * its next allocation and takes the new tick at the one after. */
static void tick(void)
{
    struct ht_ages *a = ht_state.ages;
    uint32_t before = a->tick;
    ht_fetch_add_relaxed(&ht_ages_clock_skew_ns, HT_AGE_TICK_NS);
    ht_self.age_count = 1;
    ht_free(ht_alloc(1, 0x7777)); /* a row of its own, nothing kept: the look */
    ht_free(ht_alloc(1, 0x7777)); /* the cache missed: the thread takes the tick */
    cr_assert_eq(a->tick, before + 1, "the thread saw the tick");
    cr_assert_eq(ht_self.tick, a->tick);
}

Test(ages, old_blocks_stay_in_their_tick)
{
    void *keep[40], *young[10];
    for (int i = 0; i < 40; i++)
        keep[i] = ht_alloc(100, 0x5001);
    uint32_t row = row_of(keep[0]);
    assert_exact(row, "before any tick");
    cr_assert_eq(older_bytes(row), 0);
    tick();
    assert_exact(row, "after a tick");
    cr_assert_eq(older_bytes(row), 4000, "the first tick's blocks are old");
    for (int i = 0; i < 10; i++)
        young[i] = ht_alloc(100, 0x5001);
    for (int i = 0; i < 10; i++)
        ht_free(keep[i]); /* old blocks: off their own bin */
    ht_free(young[0]);    /* a young one: the slot */
    assert_exact(row, "frees of old and young blocks");
    cr_assert_eq(older_bytes(row), 3000);
    for (int t = 0; t < 8; t++) /* through the one-tick bins into the generations */
        tick();
    assert_exact(row, "eight ticks on");
    cr_assert_eq(older_bytes(row), 3000 + 900);
    for (int i = 10; i < 20; i++)
        ht_free(keep[i]);
    assert_exact(row, "frees of blocks in a generation");
    cr_assert_eq(older_bytes(row), 2000 + 900);
    for (int i = 20; i < 40; i++)
        ht_free(keep[i]);
    for (int i = 1; i < 10; i++)
        ht_free(young[i]);
    struct hist h = hist_of(row);
    for (uint32_t b = 0; b < HT_AGE_BINS; b++)
        cr_assert_eq(h.bytes[b], 0, "all freed: bin %u empty", b);
    assert_exact(row, "all freed");
}

/* More call sites than the thread's cache holds, taking turns: their rows
 * come from the counter slot's cache (accounting/slot_cache.h), whose words
 * carry a tick's stamp as the thread's do. After a tick no word of the old
 * one may answer: every block is stamped with the tick it was made in, and
 * its free finds its bytes where they were counted. */
#define MANY_SITES 600
static uint32_t stamp_of(void *p)
{
    const struct ht_block *b = ht_block_of(p);
    return ht_stamp_of(b->off, b->meta);
}

Test(ages, sites_beyond_the_threads_cache_stamp_their_tick)
{
    static void *blocks[3][2][MANY_SITES];
    uint32_t rows[MANY_SITES];
    for (int round = 0; round < 3; round++) {
        for (int pass = 0; pass < 2; pass++) /* the second from the slot's cache */
            for (int i = 0; i < MANY_SITES; i++)
                blocks[round][pass][i] = ht_alloc(8 + (size_t)round, 0x6a0000 + (uint64_t)i * 64);
        if (round < 2)
            tick();
    }
    struct ht_ages *a = ht_state.ages;
    uint32_t now = ht_age_bin_of(a->span, a->tick);
    for (int i = 0; i < MANY_SITES; i++) {
        rows[i] = row_of(blocks[0][0][i]);
        for (int round = 0; round < 3; round++)
            for (int pass = 0; pass < 2; pass++) {
                cr_assert_eq(row_of(blocks[round][pass][i]), rows[i], "site %d: one row", i);
                cr_assert_eq(stamp_of(blocks[round][pass][i]),
                             (a->tick - 2 + (uint32_t)round) & HT_STAMP_MASK,
                             "site %d, round %d, pass %d: the tick it was made in", i, round,
                             pass);
            }
        for (int j = 0; j < i; j += 97)
            cr_assert_neq(rows[j], rows[i], "sites %d and %d share a row", j, i);
        assert_exact(rows[i], "three ticks");
        /* rounds 0 and 1 are old (8 and 9 bytes, twice), round 2 young (10) */
        cr_assert_eq(older_bytes(rows[i]), 34, "site %d: %lld old bytes", i,
                     (long long)older_bytes(rows[i]));
        cr_assert_eq(hist_of(rows[i]).bytes[now], 20, "site %d: young bytes", i);
    }
    for (int round = 0; round < 3; round++) {
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < MANY_SITES; i++)
                ht_free(blocks[round][pass][i]);
        for (int i = 0; i < MANY_SITES; i++)
            assert_exact(rows[i], "a round freed");
    }
    for (int i = 0; i < MANY_SITES; i++) {
        struct hist h = hist_of(rows[i]);
        for (uint32_t b = 0; b < HT_AGE_BINS; b++)
            cr_assert_eq(h.bytes[b], 0, "site %d, all freed: bin %u empty", i, b);
    }
}

Test(ages, realloc_makes_a_block_young)
{
    void *p = ht_alloc(64, 0x5101);
    void *q = ht_alloc(64, 0x5101);
    uint32_t row = row_of(p);
    tick();
    cr_assert_eq(older_bytes(row), 128);
    p = ht_realloc(p, 4096, 0x5101); /* grows: a new allocation, young again */
    cr_assert_eq(row_of(p), row);
    assert_exact(row, "after realloc");
    cr_assert_eq(older_bytes(row), 64, "only the untouched block is old");
    q = ht_realloc(q, 32, 0x5101); /* shrinks: young too */
    assert_exact(row, "after a shrinking realloc");
    cr_assert_eq(older_bytes(row), 0);
    tick();
    cr_assert_eq(older_bytes(row), 4096 + 32);
    ht_free(p);
    ht_free(q);
    assert_exact(row, "freed");
}

Test(ages, aligned_and_calloc_blocks_age_too)
{
    void *a = ht_alloc_aligned(256, 1000, 0x5201);
    void *c = ht_alloc_zeroed(10, 30, 0x5202);
    uint32_t ra = row_of(a), rc = row_of(c);
    tick();
    cr_assert_eq(older_bytes(ra), 1000);
    cr_assert_eq(older_bytes(rc), 300);
    ht_free(a);
    ht_free(c);
    assert_exact(ra, "aligned freed");
    assert_exact(rc, "calloc freed");
    cr_assert_eq(older_bytes(ra), 0);
}

#define THREADS 20 /* more than the counter slots: some count on shards */
#define ROUNDS 20000

static void *shared_blocks[THREADS][64];
static volatile int stop_ticking;

/* Each thread allocates, keeps some, frees its own and its neighbour's old
 * blocks while the main thread makes ticks. */
static void *worker(void *arg)
{
    long id = (long)arg;
    void **mine = shared_blocks[id];
    for (int r = 0; r < ROUNDS; r++) {
        int i = r % 64;
        if (id == 0 && r % 1000 == 999) /* a tick now and then, whatever the timing */
            ht_fetch_add_relaxed(&ht_ages_clock_skew_ns, HT_AGE_TICK_NS);
        if (mine[i])
            ht_free(mine[i]);
        mine[i] = ht_alloc((size_t)(16 + (r % 7) * 8), 0x5301);
        void *t = ht_alloc(24, 0x5301);
        ht_free(t);
        if (r % 97 == 0)
            mine[i] = ht_realloc(mine[i], 200, 0x5301);
    }
    return NULL;
}

static void *ticker(void *arg)
{
    (void)arg;
    while (!stop_ticking) {
        ht_fetch_add_relaxed(&ht_ages_clock_skew_ns, HT_AGE_TICK_NS / 2);
        usleep(500);
    }
    return NULL;
}

Test(ages, threads_exact)
{
    void *first = ht_alloc(16, 0x5301);
    uint32_t row = row_of(first);
    ht_free(first);
    uint32_t tick0 = ht_state.ages->tick;
    pthread_t th[THREADS], tk;
    pthread_create(&tk, NULL, ticker, NULL);
    for (long i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    stop_ticking = 1;
    pthread_join(tk, NULL);
    cr_assert_gt(ht_state.ages->tick, tick0 + 2, "ticks passed while the threads ran");
    assert_exact(row, "threads joined");
    /* the blocks still held, counted one by one */
    int64_t held = 0;
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < 64; i++)
            if (shared_blocks[t][i])
                held += (int64_t)ht_block_size(ht_block_of(shared_blocks[t][i]));
    cr_assert_eq(hist_of(row).live, held);
    /* the main thread frees every block the others kept: the old ones leave
     * their bins, the row ends empty in every bin */
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < 64; i++)
            if (shared_blocks[t][i])
                ht_free(shared_blocks[t][i]);
    struct hist h = hist_of(row);
    cr_assert_eq(h.live, 0);
    for (uint32_t b = 0; b < HT_AGE_BINS; b++) {
        cr_assert_eq(h.bytes[b], 0, "bin %u empty", b);
        cr_assert_eq(h.blocks[b], 0, "bin %u no blocks", b);
    }
}

Test(ages, fork_child_keeps_ages)
{
    void *keep[8];
    for (int i = 0; i < 8; i++)
        keep[i] = ht_alloc(512, 0x5401);
    uint32_t row = row_of(keep[0]);
    tick();
    void *young = ht_alloc(100, 0x5401);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* the child's own segment: the inherited blocks kept their ages */
        struct hist h = hist_of(row);
        int ok = h.sum_bytes == h.live && h.live == 8 * 512 + 100 &&
                 older_bytes(row) == 8 * 512;
        ht_free(keep[0]);
        ht_free(young);
        h = hist_of(row);
        ok = ok && h.sum_bytes == h.live && h.sum_blocks == h.diff && older_bytes(row) == 7 * 512;
        tick();
        ok = ok && older_bytes(row) == 7 * 512 && hist_of(row).sum_bytes == 7 * 512;
        _exit(ok ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's ages were exact");
    assert_exact(row, "parent after fork");
    cr_assert_eq(older_bytes(row), 8 * 512, "the child's frees are not the parent's");
    for (int i = 0; i < 8; i++)
        ht_free(keep[i]);
    ht_free(young);
    assert_exact(row, "parent freed");
}
