/* SPDX-License-Identifier: MIT
 * state.h - the shim's process-wide and per-thread state.
 *
 * Process-wide: where the segment is mapped. Per thread (initial-exec TLS, so
 * touching it never allocates): the explicit tag in force, the counter slot,
 * the recursion guard and a small cache from call site to row and counters.
 */
#ifndef HT_STATE_H
#define HT_STATE_H

#include <stdint.h>

#include "base/glue.h"
#include "heaptag_flags.h"
#include "heaptag_segment.h"
#include "ht_atomic.h"

/* Entries of the thread's site cache: a large program's start-up (node)
 * allocates in loops over a few hundred sites (115,000 misses in 64 or 128
 * entries, 7,000 in 256). An entry costs 16 bytes of static TLS, which glibc
 * carves from every thread's stack: 4 KB, and a thread created with
 * PTHREAD_STACK_MIN must still start (test_hostsafe, minstack; 12 KB did not). */
#define HT_CACHE_BITS 8
#define HT_CACHE_SIZE (1 << HT_CACHE_BITS)

/* The thread's cache from (site, key) -> row, by column so that one index
 * register reaches every field: entry i is match[i], word[i]. An entry is
 * filed under site ^ key, one word that one compare checks: a site is a user
 * address (below 2^47), the epoch lives in bits 47 to 60 and a key's own bits
 * 61 to 63 tell untagged, tagged, shared and inside apart (below), so two
 * different (site, key) pairs of one tag never share a word. Hit: the word
 * matches; the header's second word (ht_block_word(), whose low half is the
 * row's counter offset) is then read in one load, so that a signal handler
 * rewriting the entry cannot pair one key with another's row. */
struct ht_cache {
    uint64_t match[HT_CACHE_SIZE]; /* site ^ key at the time of filling; 0: empty
                                    * (never a filed value: a site is not 0 and
                                    * lies below the epoch's bits); written last
                                    * so a signal handler never sees half an entry */
    uint64_t word[HT_CACHE_SIZE];  /* ht_block_word(ht_row_off(row), 0) */
};

struct ht_thread {
    struct ht_cache cache;
    uint64_t key;     /* ht_tag_key(tag): 0 when no tag, top bit set otherwise */
    uint64_t tag[2];  /* explicit tag in force, NUL-padded; zero when none */
    struct ht_counters *ctr; /* this thread's counter slot (row-indexed), NULL when none */
    uint64_t peak_budget;    /* bytes left to allocate before the next peak sample */
    uint64_t off_limit;     /* ht_state.off_limit while ctr is set, else 0: free's
                             * one test for "a row of this segment, a slot"
                             * (64 bits: compared straight from memory) */
    uint32_t shard;   /* shared counter set, when the thread has no slot */
    uint32_t depth;   /* > 0 while inside the shim's own slow paths */
    uint32_t slot;    /* index of the slot in ctr, when slot_state is HT_SLOT_HELD */
    uint32_t slot_state;    /* enum ht_slot_state */
    uint32_t cache_writing; /* an entry is half written: a signal handler must not cache */
    uint64_t enter_fp;  /* the frame that took the guard (depth 0 to 1) and */
    uint64_t enter_ret; /* its return address: a frame gone or overwritten
                         * means a jump out of the shim (ht_depth_held()) */
    /* ages (accounting/ages.h): the tick this thread stamps and counts in,
     * what a header's second word minus free_base is for a plain block of
     * that tick (its counter offset), and the allocations left before the
     * clock is looked at again */
    uint64_t free_base;
    uint32_t tick;
    uint32_t age_count;
};

enum ht_slot_state {
    HT_SLOT_NEW = 0,  /* never asked for one */
    HT_SLOT_CLAIMING, /* asking now (a signal handler counts shared meanwhile) */
    HT_SLOT_HELD,
    HT_SLOT_SHARED,   /* none was free, or the thread is exiting: shared sets */
};

extern HT_HIDDEN __thread struct ht_thread ht_self __attribute__((tls_model("initial-exec")));

/* The fields malloc and free read come first, in one cache line. */
struct ht_state {
    uint32_t *flags;           /* &seg->flags once started; a PENDING word before */
    uint64_t epoch;            /* bumped when rows must no longer come from caches
                                * (module changes, the segment remapped, a tick):
                                * bits 47 to 60 only (ht_epoch_bump()) */
    struct ht_row *rows;
    uint32_t off_limit;        /* counter offsets free may count on: row_capacity *
                                * sizeof(struct ht_counters), 0 without a segment */
    uint32_t next_shard;
    struct ht_counters *counters; /* set 0 of the counter tables */
    uint64_t counter_stride;   /* struct ht_counters from one set to the next */
    uint32_t counter_slots;    /* per-thread sets; HT_SHARDS shared ones follow */
    struct ht_seg_header *seg; /* the segment, or a private fallback mapping */
    uint32_t *buckets;
    uint64_t map_size;
    int shared;                /* 1: /dev/shm segment; 0: private fallback */
    struct ht_ages *ages;      /* the ages header, NULL without one */
    struct ht_age_row *age_rows;
    char path[64];
};

extern HT_HIDDEN struct ht_state ht_state;

/* Flags that send an allocation off the fast path; PENDING until started. */
#define HT_FLAGS_COLD (HT_FLAG_INTERNAL_PENDING | HT_FLAG_htc | HT_FLAG_hfc | \
                       HT_FLAG_hpc | HT_FLAG_ust | HT_FLAG_htd)

/* The per-thread key word of an explicit tag: 0 for none, else a 61-bit
 * hash with the top bit set (epochs stay below 2^61 and sites below 2^47, so
 * an untagged entry never equals a tagged one), bit 62 clear (HT_KEY_SHARED marks the entries of
 * threads without a counter slot) and bit 61 clear (HT_KEY_INSIDE has it).
 * The fast path compares only this word; the rows themselves are keyed by
 * the full tag bytes. */
static inline uint64_t ht_tag_key(uint64_t tag0, uint64_t tag1)
{
    if (!(tag0 | tag1))
        return 0;
    uint64_t h = (tag0 ^ 0x632be59bd9b4e019ull) * 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 29) ^ tag1) * 0xbf58476d1ce4e5b9ull;
    return ((h ^ (h >> 32)) & ~(3ull << 61)) | 1ull << 63;
}

/* The cache key of a thread inside the shim: bits 63 and 61 set. Entries are
 * filed under a tag key or an untagged one (bit 63 clear), each possibly with
 * HT_KEY_SHARED (bit 62) flipped, xor an epoch and a site below 2^61: a tag
 * key has bit 61 clear, so no entry is ever filed under this key or under it
 * with bit 62 flipped. (It once was bit 62 alone, the very bit of the shared entries: a
 * thread without a slot inside the shim hit them on the fast path and counted
 * into its NULL slot.) */
#define HT_KEY_INSIDE (1ull << 63 | 1ull << 61)

/* The epoch moves in bits 47 to 60, above every user address and below the
 * key bits: 16,384 values, then it starts again. An entry filed exactly a
 * multiple of 16,384 epochs ago hits again only if its thread took no tick
 * since (a tick empties the thread's cache, ages.c), and then charges a live
 * row or a retired one: never memory the segment does not hold. */
#define HT_EPOCH_SHIFT 47
#define HT_EPOCH_MASK (((1ull << 14) - 1) << HT_EPOCH_SHIFT)

/* No cache entry filed before this call hits after it. */
static inline void ht_epoch_bump(void)
{
    uint64_t e = ht_load_relaxed(&ht_state.epoch);
    while (!ht_cas_weak_relaxed(&ht_state.epoch, &e,
                                (e + (1ull << HT_EPOCH_SHIFT)) & HT_EPOCH_MASK))
        ;
}

/* Recursion guard for slow paths that may call into libc. While it is held
 * no cache entry of the program's tags can hit, so every allocation of the
 * shim's own work reaches a path that sees depth > 0 and leaves it untracked,
 * never counted in the program's rows (alloc.c, reentered_row()). */
static inline void ht_enter(void)
{
    if (ht_self.depth++ == 0) {
        /* inlined: the frame and return address of the function taking it */
        ht_self.enter_fp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
        ht_self.enter_ret = (uint64_t)(uintptr_t)__builtin_return_address(0);
        ht_self.key = HT_KEY_INSIDE;
    }
}

/* The key comes back from the tag bytes, so a signal handler that pushed
 * and popped a scope in between cannot leave a stale one behind. */
static inline void ht_leave(void)
{
    if (--ht_self.depth == 0)
        ht_self.key = ht_tag_key(ht_self.tag[0], ht_self.tag[1]);
}

/* A signal handler that interrupted the shim and jumped out (siglongjmp)
 * leaves depth > 0 for good. Called where a slow path finds depth > 0: when
 * the frame that took the guard is no longer one of the current call's
 * (popped: below the stack pointer; or its return address slot overwritten),
 * the thread's state is reset (depth, key, half-written cache and stack
 * ranges) and 0 returned, the call being a fresh one. Else 1: really inside.
 * caller_cfa: the canonical frame address of the slow path asking (its
 * caller's stack pointer before the call): a guard held by this call was
 * taken in that slow path (whose frame base lies 16 below it) or above. */
HT_HIDDEN int ht_depth_held(struct ht_thread *t, uint64_t caller_cfa);

/* t->depth != 0, stale depths recovered. Inlined, so that the frame address
 * it passes is the slow path's own (no frame pointer needed for it). */
static inline __attribute__((always_inline)) int ht_inside(struct ht_thread *t)
{
    return t->depth != 0 && ht_depth_held(t, (uint64_t)(uintptr_t)__builtin_dwarf_cfa());
}

#endif
