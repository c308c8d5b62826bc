/* SPDX-License-Identifier: MIT
 * ages.c - how old each row's live bytes are, exactly and always on.
 *
 * Design.
 * - Time runs in ticks of 10 s from the segment's origin. One shared word
 *   (ht_ages.tick) holds the latest tick; a thread looks at the clock
 *   (CLOCK_MONOTONIC_COARSE, no system call) every HT_AGE_EVERY allocations
 *   and on its slow paths, and the first to see a new tick moves the bins
 *   (below) and bumps ht_state.epoch, so that every thread's next allocation
 *   misses its cache and takes the new tick.
 * - Every counted block carries the tick of its allocation in its header,
 *   modulo 2^14 (45 h), in bits nothing else reads (core/block.h): the header
 *   stays 16 bytes. The thread's cache words carry its tick's stamp, so the
 *   allocation fast path writes the stamp for nothing; a thread's free_base
 *   makes free's one subtract-and-compare test "plain block of my tick".
 * - A thread's counter slot holds only counts of its own tick (slot_tick):
 *   its allocations (all stamped with that tick) and its frees of blocks
 *   stamped with it. Frees of blocks of other ticks go the cold way: they are
 *   counted on a shared shard and taken off the bin of their tick. When the
 *   thread takes a new tick it moves its slot's counts to a shared shard (the
 *   row's totals) and their net to the bin of the old tick, and zeroes the
 *   slot. Threads without a slot count on a shard and in the bin at once.
 *   So, per row: live = sum of bins + sum over slots of their net, and the
 *   bins hold exactly what the shards hold: every block is counted in exactly
 *   one place, the place of its tick. A reader sums both (the tool puts a
 *   slot's net in the bin that holds its tick).
 * - Bins: 4 of one tick each (the latest ticks), then generations of at
 *   most 60, 360 and 8640 ticks (10 min, 1 h, 1 d) and one for the rest. At
 *   a new tick, the oldest one-tick bin joins the first generation; a
 *   generation that would outgrow its cap joins the next first. The spans
 *   say which ticks each bin holds, so a reader knows every bin's age to
 *   within its span: one tick for the latest four, the generation's cap
 *   beyond.
 * - Moving counts (a slot to a shard and a bin; a bin to the next) is done
 *   between moves_begun++ and moves_done++, which a reader checks around its
 *   copy, and reads again when they moved: the sums it sees are exact. A
 *   writer that found its bin just before a move (a window of a few
 *   instructions once a tick) counts in the bin's new span: the sum stays
 *   exact, the age of those bytes may be off by one bin.
 * - Cost on the fast path: the allocation decrements its clock count and
 *   masks its counter offset (2 instructions more), free subtracts and
 *   compares where it compared twice (one fewer). Memory: 96 bytes a row and
 *   a 1.2 KB header; a slot costs nothing more.
 * - realloc makes a block young (its counts move as a free and a new
 *   allocation); fork keeps the parent's ticks, bins and slot ticks, so the
 *   child's inherited blocks keep their ages.
 * No lock, no allocation; the bins move in the thread that saw the tick, all
 * other threads go on counting meanwhile.
 */
#include "accounting/ages.h"

#include <string.h>
#include <time.h>

#include "accounting/counter_sets.h"
#include "ht_atomic.h"

/* The largest span of each bin, in ticks (the one-tick bins and the rest: 0). */
static const uint32_t gen_cap[HT_AGE_BINS] = { 0, 0, 0, 0, 60, 360, 8640, 0 };
#define GEN_FIRST HT_AGE_RING

uint64_t ht_ages_clock_skew_ns;

/* The clock ticks are read on. Unit tests make ticks pass by moving the skew
 * forward: moving the origin back instead would run below zero on a machine
 * booted a few minutes ago, whose monotonic clock is still small. */
static uint64_t mono_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec +
           ht_load_relaxed(&ht_ages_clock_skew_ns);
}

void ht_ages_init(struct ht_seg_header *h)
{
    if (!h->ages_offset)
        return;
    struct ht_ages *a = (struct ht_ages *)((char *)h + h->ages_offset);
    a->tick_ns = HT_AGE_TICK_NS;
    a->origin_unix_ns = h->start_unix_ns;
    a->origin_mono_ns = mono_ns();
    a->bins = HT_AGE_BINS;
    a->span[0].lo = 0;
    a->span[0].hi = 1;
}

void ht_ages_point(struct ht_seg_header *h)
{
    if (!h || !h->ages_offset) {
        ht_state.ages = NULL;
        ht_state.age_rows = NULL;
        return;
    }
    ht_state.ages = (struct ht_ages *)((char *)h + h->ages_offset);
    ht_state.age_rows = (struct ht_age_row *)((char *)ht_state.ages + h->ages_size);
}

uint32_t ht_ages_tick_of_stamp(uint32_t stamp)
{
    struct ht_ages *a = ht_state.ages;
    uint32_t now = a ? ht_load_acquire(&a->tick) : 0;
    return now - ((now - stamp) & HT_STAMP_MASK);
}

void ht_ages_add(uint32_t off, uint32_t tick, int64_t bytes, int32_t blocks)
{
    struct ht_ages *a = ht_state.ages;
    if (!a)
        return;
    struct ht_age_span span[HT_AGE_BINS];
    for (uint32_t b = 0; b < HT_AGE_BINS; b++) {
        span[b].lo = ht_load_relaxed(&a->span[b].lo);
        span[b].hi = ht_load_relaxed(&a->span[b].hi);
    }
    uint32_t b = ht_age_bin_of(span, tick);
    struct ht_age_row *r = &ht_state.age_rows[off >> HT_CTR_SHIFT];
    if (!ht_load_relaxed(&a->dirty[b]))
        ht_store_relaxed(&a->dirty[b], 1);
    ht_fetch_add_relaxed(&r->bytes[b], bytes);
    ht_fetch_add_relaxed(&r->blocks[b], blocks);
}

void ht_ages_fold_slots(const struct ht_seg_header *h, struct ht_age_row *out, uint32_t r0,
                        uint32_t n)
{
    if (!h->ages_offset)
        return;
    const struct ht_ages *a = (const struct ht_ages *)((const char *)h + h->ages_offset);
    uint64_t open = ht_load_acquire(&h->sets_open);
    for (uint32_t k = 0; k < h->counter_slots && k < HT_SLOTS_MAX && k < HT_SETS_MAX; k++) {
        if (!(open >> k & 1))
            continue; /* a closed set is a hole: reading it would fill it */
        uint32_t b = ht_age_bin_of(a->span, ht_load_relaxed(&a->slot_tick[k]));
        const struct ht_counters *c =
            (const struct ht_counters *)((const char *)h + h->counters_offset +
                                         k * h->counter_stride) + r0;
        for (uint32_t i = 0; i < n; i++) {
            out[i].bytes[b] += (int64_t)(ht_load_relaxed(&c[i].bytes_alloc) -
                                         ht_load_relaxed(&c[i].bytes_freed));
            out[i].blocks[b] += (int32_t)(ht_load_relaxed(&c[i].allocs) -
                                          ht_load_relaxed(&c[i].frees));
        }
    }
}

static uint32_t rows_in_use(void)
{
    struct ht_seg_header *h = ht_state.seg;
    uint32_t used = ht_load_relaxed(&h->rows_used);
    return used < h->row_capacity ? used : h->row_capacity;
}

/* Every row's counts of bin from go to bin to (their spans already say so). */
static void move_bin(struct ht_ages *a, uint32_t from, uint32_t to)
{
    if (!ht_load_relaxed(&a->dirty[from]))
        return;
    ht_store_relaxed(&a->dirty[from], 0);
    ht_store_relaxed(&a->dirty[to], 1);
    uint32_t rows = rows_in_use();
    for (uint32_t i = 0; i < rows; i++) {
        struct ht_age_row *r = &ht_state.age_rows[i];
        if (!ht_load_relaxed(&r->bytes[from]) && !ht_load_relaxed(&r->blocks[from]))
            continue;
        int64_t v = ht_exchange_acq_rel(&r->bytes[from], 0);
        int32_t n = ht_exchange_acq_rel(&r->blocks[from], 0);
        ht_fetch_add_relaxed(&r->bytes[to], v);
        ht_fetch_add_relaxed(&r->blocks[to], n);
    }
}

static int span_empty(const struct ht_age_span *s) { return s->lo >= s->hi; }

/* Generation g takes bin src (older bins first make room). */
static void absorb(struct ht_ages *a, uint32_t g, uint32_t src)
{
    struct ht_age_span *G = &a->span[g], *S = &a->span[src];
    if (span_empty(S))
        return;
    if (gen_cap[g] && !span_empty(G) && S->hi - G->lo > gen_cap[g] && g + 1 < HT_AGE_BINS)
        absorb(a, g + 1, g);
    uint32_t lo = span_empty(G) ? S->lo : G->lo;
    ht_store_relaxed(&G->lo, lo);
    ht_store_relaxed(&G->hi, S->hi);
    ht_store_relaxed(&S->lo, 0);
    ht_store_relaxed(&S->hi, 0);
    move_bin(a, src, g);
}

/* Tick t begins: the one-tick bin it reuses joins the generations first. */
static void step(struct ht_ages *a, uint32_t t)
{
    uint32_t i = t % HT_AGE_RING;
    absorb(a, GEN_FIRST, i);
    ht_store_relaxed(&a->span[i].lo, t);
    ht_store_relaxed(&a->span[i].hi, t + 1);
}

/* Looks at the clock; the first thread to see a new tick moves the bins. */
static void advance(struct ht_ages *a)
{
    uint64_t ns = mono_ns();
    if (ns <= a->origin_mono_ns)
        return;
    uint64_t now = (ns - a->origin_mono_ns) / a->tick_ns;
    if (now > UINT32_MAX - 2)
        now = UINT32_MAX - 2;
    uint32_t t = ht_load_acquire(&a->tick);
    if (now <= t)
        return;
    uint32_t idle = 0;
    if (!ht_cas_acq_rel(&a->folding, &idle, 1))
        return; /* another thread moves them */
    t = ht_load_acquire(&a->tick);
    if (now > t) {
        ht_fetch_add_acq_rel(&a->moves_begun, 1);
        while (t < now)
            step(a, ++t);
        ht_store_release(&a->tick, t);
        ht_fetch_add_acq_rel(&a->moves_done, 1);
        ht_epoch_bump(); /* every cache word has the old stamp */
    }
    ht_store_release(&a->folding, 0);
}

/* The counts of a slot (all of tick) to a shard and the bins; the slot
 * zeroed. Only its owner writes it, and the owner is here. */
static void flush_slot(struct ht_ages *a, struct ht_counters *ctr, uint32_t slot, uint32_t tick)
{
    uint32_t rows = rows_in_use();
    struct ht_counters *shard = ht_shard_set(slot % HT_SHARDS);
    ht_fetch_add_acq_rel(&a->moves_begun, 1);
    for (uint32_t i = 0; i < rows; i++) {
        struct ht_counters *c = &ctr[i];
        uint64_t na = ht_load_relaxed(&c->allocs), nf = ht_load_relaxed(&c->frees);
        uint64_t ba = ht_load_relaxed(&c->bytes_alloc), bf = ht_load_relaxed(&c->bytes_freed);
        if (!(na | nf | ba | bf))
            continue;
        ht_store_relaxed(&c->allocs, 0);
        ht_store_relaxed(&c->frees, 0);
        ht_store_relaxed(&c->bytes_alloc, 0);
        ht_store_relaxed(&c->bytes_freed, 0);
        ht_fetch_add_relaxed(&shard[i].allocs, na);
        ht_fetch_add_relaxed(&shard[i].frees, nf);
        ht_fetch_add_relaxed(&shard[i].bytes_alloc, ba);
        ht_fetch_add_relaxed(&shard[i].bytes_freed, bf);
        ht_ages_add(i << HT_CTR_SHIFT, tick, (int64_t)(ba - bf), (int32_t)(na - nf));
    }
    ht_store_relaxed(&a->slot_tick[slot], ht_self.tick);
    ht_fetch_add_acq_rel(&a->moves_done, 1);
}

void ht_ages_thread_bases(struct ht_thread *t)
{
    uint64_t s = ht_stamp_bits(t->tick);
    t->free_base = s | (uint64_t)HT_BLOCK_MAGIC << 48;
}

void ht_ages_slot_taken(struct ht_thread *t, struct ht_counters *ctr, uint32_t slot)
{
    struct ht_ages *a = ht_state.ages;
    if (!a || slot >= HT_SLOTS_MAX)
        return;
    flush_slot(a, ctr, slot, ht_load_relaxed(&a->slot_tick[slot]));
    (void)t;
}

/* t takes tick now: its cache words (old stamps) dropped, its slot's counts
 * moved to their bin. Meanwhile t counts without its slot (a signal handler
 * counts on a shard, in the bins). */
static void retick(struct ht_thread *t, struct ht_ages *a, uint32_t now)
{
    t->cache_writing = 1;
    ht_signal_fence();
    for (int i = 0; i < HT_CACHE_SIZE; i++)
        ht_store_relaxed(&t->cache.match[i], 0);
    ht_signal_fence();
    struct ht_counters *ctr = t->ctr;
    uint32_t limit = t->off_limit;
    t->off_limit = 0;
    ht_signal_fence();
    t->ctr = NULL;
    ht_signal_fence();
    t->tick = now;
    ht_ages_thread_bases(t);
    ht_signal_fence();
    if (ctr && t->slot < HT_SLOTS_MAX) {
        flush_slot(a, ctr, t->slot, ht_load_relaxed(&a->slot_tick[t->slot]));
        ht_signal_fence();
        t->ctr = ctr;
        ht_signal_fence();
        t->off_limit = limit;
    }
    ht_signal_fence();
    t->cache_writing = 0;
}

__attribute__((noinline)) void ht_ages_clock(struct ht_thread *t)
{
    t->age_count = HT_AGE_EVERY;
    if (ht_state.ages)
        advance(ht_state.ages);
}

void ht_ages_sync(struct ht_thread *t)
{
    struct ht_ages *a = ht_state.ages;
    if (!a)
        return;
    /* the fast path counts down to 0 and comes here; slow paths count too */
    if (t->age_count <= 1 || t->age_count > HT_AGE_EVERY) {
        t->age_count = HT_AGE_EVERY;
        advance(a);
    } else {
        t->age_count--;
    }
    /* not inside a cache write or our own slow path (a signal handler there):
     * the next allocation does it */
    if (t->cache_writing || t->depth)
        return;
    uint32_t now = ht_load_acquire(&a->tick);
    if (now != t->tick || !t->free_base)
        retick(t, a, now);
}
