/* SPDX-License-Identifier: MIT
 * slots.c - the life of the per-thread counter slots: claimed on a thread's
 * first slow path, given back at thread exit (a pthread key's destructor) for
 * the next thread to add to, kept across fork; and the sampled peak.
 * Runs inside malloc and free: no locks, no allocation of its own (the
 * pthread key's value is set under the recursion guard).
 */
#include "accounting/slots.h"
#include "accounting/grow.h"
#include "ht_atomic.h"

#include <pthread.h>
#include <string.h>

/* One bit per slot, set while a thread holds it. Atomic bit operations only:
 * a slot is handed out by the fetch-or that set its bit. */
static uint64_t slot_used[HT_SLOTS_MAX / 64];
static pthread_key_t slot_key;
static int slot_key_ok;

static void slot_release(void *arg);

void ht_slots_init(void)
{
    if (!slot_key_ok && pthread_key_create(&slot_key, slot_release) == 0)
        slot_key_ok = 1;
}

static struct ht_counters *slot_base(uint32_t slot)
{
    return ht_state.counters + (uint64_t)slot * ht_state.counter_stride;
}

/* Claims a free slot: its index, or -1 when every slot is taken. */
static int slot_claim(void)
{
    uint32_t n = ht_state.counter_slots;
    for (uint32_t w = 0; w * 64 < n; w++) {
        uint64_t used = ht_load_relaxed(&slot_used[w]);
        for (;;) {
            uint64_t avail = ~used;
            if (n - w * 64 < 64)
                avail &= (1ull << (n - w * 64)) - 1;
            if (!avail)
                break;
            uint64_t bit = avail & -avail;
            used = ht_fetch_or_acq_rel(&slot_used[w], bit);
            if (!(used & bit))
                return (int)(w * 64 + (uint32_t)__builtin_ctzll(bit));
        }
    }
    return -1;
}

void ht_slots_attach(struct ht_thread *t)
{
    if (t->slot_state != HT_SLOT_NEW || !ht_state.counters || !ht_state.off_limit)
        return;
    t->slot_state = HT_SLOT_CLAIMING;
    t->peak_budget = 0; /* its first allocation samples its row's peak */
    t->shard = ht_fetch_add_relaxed(&ht_state.next_shard, 1) % HT_SHARDS;
    int slot = slot_key_ok ? slot_claim() : -1;
    if (slot < 0) {
        t->slot_state = HT_SLOT_SHARED;
        return;
    }
    t->slot = (uint32_t)slot;
    if (ht_grow_open_set((uint32_t)slot) != 0) { /* /dev/shm cannot back it */
        ht_fetch_and_release(&slot_used[slot / 64], ~(1ull << (slot % 64)));
        t->slot_state = HT_SLOT_SHARED;
        return;
    }
    /* the value only makes the destructor run; above the first 32 keys
     * glibc allocates its second-level block, uncounted under the guard */
    ht_enter();
    int set = pthread_setspecific(slot_key, (void *)1) == 0;
    ht_leave();
    if (!set) {
        ht_fetch_and_release(&slot_used[slot / 64], ~(1ull << (slot % 64)));
        t->slot_state = HT_SLOT_SHARED;
        return;
    }
    /* counts a thread gone before left in it go to the bins of their tick */
    ht_ages_slot_taken(t, slot_base((uint32_t)slot), (uint32_t)slot);
    ht_signal_fence();
    t->ctr = slot_base((uint32_t)slot);
    ht_signal_fence();
    t->off_limit = ht_state.off_limit;
    t->slot_state = HT_SLOT_HELD;
}

/* Thread exit: the slot goes back, the thread counts on a shared shard for
 * what it still allocates or frees (later destructors). Its cache entries
 * name the slot: all dropped first. */
static void slot_release(void *arg)
{
    (void)arg;
    struct ht_thread *t = &ht_self;
    if (t->slot_state != HT_SLOT_HELD)
        return;
    t->cache_writing = 1;
    ht_signal_fence();
    for (int i = 0; i < HT_CACHE_SIZE; i++)
        ht_store_relaxed(&t->cache.site[i], 0);
    ht_signal_fence();
    t->slot_state = HT_SLOT_SHARED;
    t->off_limit = 0;
    ht_signal_fence();
    t->ctr = NULL;
    ht_signal_fence();
    t->cache_writing = 0;
    /* release: the next holder's plain adds come after ours */
    ht_fetch_and_release(&slot_used[t->slot / 64], ~(1ull << (t->slot % 64)));
}

void ht_slots_fork_child(void)
{
    struct ht_thread *t = &ht_self;
    /* the other threads are gone from the child: their slots are free (their
     * counts stay, as the blocks they counted do) */
    memset(slot_used, 0, sizeof slot_used);
    if (t->slot_state != HT_SLOT_HELD)
        return;
    if (!ht_state.off_limit) { /* no segment in the child: count nowhere */
        t->off_limit = 0;
        t->ctr = NULL;
        t->slot_state = HT_SLOT_SHARED;
        return;
    }
    slot_used[t->slot / 64] = 1ull << (t->slot % 64);
    t->ctr = slot_base(t->slot); /* the child's own segment */
    t->off_limit = ht_state.off_limit;
}

void ht_row_totals(uint32_t row, struct ht_counters *sum)
{
    memset(sum, 0, sizeof *sum);
    if (!ht_state.counters || row >= ht_state.off_limit >> HT_CTR_SHIFT)
        return;
    uint32_t sets = ht_state.counter_slots + HT_SHARDS;
    uint64_t open = ht_grow_sets_open();
    for (uint32_t s = 0; s < sets && s < HT_SETS_MAX; s++) {
        if (!(open >> s & 1))
            continue; /* a hole: reading it through the mapping would fill it */
        const struct ht_counters *c =
            ht_state.counters + (uint64_t)s * ht_state.counter_stride + row;
        sum->allocs += ht_load_relaxed(&c->allocs);
        sum->frees += ht_load_relaxed(&c->frees);
        sum->bytes_alloc += ht_load_relaxed(&c->bytes_alloc);
        sum->bytes_freed += ht_load_relaxed(&c->bytes_freed);
    }
}

/* Every HT_PEAK_EVERY bytes a thread allocates: the live bytes of the row it
 * allocates from now, summed over the sets, raise the row's peak. Other
 * threads' adds may be seen half way (freed before allocated): a live sum
 * that reads negative is skipped. */
void *ht_peak_sample(struct ht_thread *t, uint32_t off, void *user)
{
    t->peak_budget = HT_PEAK_EVERY;
    if (off >= ht_state.off_limit)
        return user;
    uint32_t row = off >> HT_CTR_SHIFT;
    struct ht_counters sum;
    ht_row_totals(row, &sum);
    if (sum.bytes_freed > sum.bytes_alloc)
        return user;
    uint64_t live = sum.bytes_alloc - sum.bytes_freed;
    uint64_t *peak = &ht_state.rows[row].peak_live;
    uint64_t old = ht_load_relaxed(peak);
    while (live > old &&
           !ht_cas_weak_relaxed(peak, &old, live))
        ;
    return user;
}
