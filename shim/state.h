/*
 * state.h - the shim's process-wide and per-thread state.
 *
 * Process-wide: where the segment is mapped. Per thread (initial-exec TLS, so
 * touching it never allocates): the explicit tag in force, the counter shard,
 * the recursion guard and a small cache from call site to row.
 */
#ifndef HT_STATE_H
#define HT_STATE_H

#include <stdint.h>

#include "glue.h"
#include "heaptag_flags.h"
#include "heaptag_segment.h"

#define HT_CACHE_SIZE 64 /* power of two */

/* One key -> row. Hit: site and key both match; the row comes with the
 * shard as the header's second word (ht_block_word()), read in one load so
 * that a signal handler rewriting the entry cannot pair one key's row with
 * another's shard. */
struct ht_cache_entry {
    uint64_t site; /* 0: empty; written last so a signal handler never sees half an entry */
    uint64_t key;  /* ht_thread.key ^ ht_state.epoch at the time of filling */
    uint64_t word; /* ht_block_word(line of row and shard, shard) */
    uint64_t unused;
};

struct ht_thread {
    struct ht_cache_entry cache[HT_CACHE_SIZE]; /* first: slot offsets need no base */
    uint64_t key;     /* ht_tag_key(tag): 0 when no tag, top bit set otherwise */
    uint64_t tag[2];  /* explicit tag in force, NUL-padded; zero when none */
    uint32_t shard;   /* counter shard of this thread */
    uint32_t depth;   /* > 0 while inside the shim's own slow paths */
    uint32_t shard_assigned;
    uint32_t cache_writing; /* an entry is half written: a signal handler must not cache */
};

extern HT_HIDDEN __thread struct ht_thread ht_self __attribute__((tls_model("initial-exec")));

/* The fields malloc and free read come first, in one cache line. */
struct ht_state {
    uint32_t *flags;           /* &seg->flags once started; a PENDING word before */
    uint64_t epoch;            /* bumped when rows must no longer come from caches
                                * (module changes, the segment remapped); < 2^63 */
    struct ht_row *rows;
    uint32_t line_limit;       /* counter lines free may count on: row_capacity *
                                * HT_ROW_LINES, 0 without a segment */
    uint32_t next_shard;
    struct ht_seg_header *seg; /* the segment, or a private fallback mapping */
    uint32_t *buckets;
    uint64_t map_size;
    int shared;                /* 1: /dev/shm segment; 0: private fallback */
    char path[64];
};

extern HT_HIDDEN struct ht_state ht_state;

/* Flags that send an allocation off the fast path; PENDING until started. */
#define HT_FLAGS_COLD (HT_FLAG_INTERNAL_PENDING | HT_FLAG_htc | HT_FLAG_hfc | \
                       HT_FLAG_hpc | HT_FLAG_ust | HT_FLAG_htd)

/* The per-thread key word of an explicit tag: 0 for none, else a 63-bit
 * hash with the top bit set (epochs stay below it, so an untagged key never
 * equals a tagged one). The fast path compares only this word; the rows
 * themselves are keyed by the full tag bytes. */
static inline uint64_t ht_tag_key(uint64_t tag0, uint64_t tag1)
{
    if (!(tag0 | tag1))
        return 0;
    uint64_t h = (tag0 ^ 0x632be59bd9b4e019ull) * 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 29) ^ tag1) * 0xbf58476d1ce4e5b9ull;
    return (h ^ (h >> 32)) | 1ull << 63;
}

/* The cache key of a thread inside the shim: bit 62 set and bit 63 clear, so
 * it matches neither an untagged entry (an epoch, far below 2^62) nor a tagged
 * one (bit 63 set), and no entry is ever filed under it (rows.c files entries
 * under the tag's own key). */
#define HT_KEY_INSIDE (1ull << 62)

/* Recursion guard for slow paths that may call into libc. While it is held
 * no cache entry of the program's tags can hit, so every allocation of the
 * shim's own work reaches a path that sees depth > 0 and leaves it untracked,
 * never counted in the program's rows (alloc.c, reentered_row()). */
static inline void ht_enter(void)
{
    if (ht_self.depth++ == 0)
        ht_self.key = HT_KEY_INSIDE;
}

/* The key comes back from the tag bytes, so a signal handler that pushed
 * and popped a scope in between cannot leave a stale one behind. */
static inline void ht_leave(void)
{
    if (--ht_self.depth == 0)
        ht_self.key = ht_tag_key(ht_self.tag[0], ht_self.tag[1]);
}

#endif
