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

struct ht_cache_entry {
    uint64_t site; /* 0: empty; written last so a signal handler never sees half an entry */
    uint64_t tag0, tag1;
    uint32_t row;
    uint32_t epoch;
};

struct ht_thread {
    uint64_t tag[2];  /* explicit tag in force, NUL-padded; zero when none */
    uint32_t shard;   /* counter shard of this thread */
    uint32_t depth;   /* > 0 while inside the shim's own slow paths */
    uint32_t shard_assigned;
    uint32_t cache_writing; /* an entry is half written: a signal handler must not cache */
    struct ht_cache_entry cache[HT_CACHE_SIZE];
};

extern __thread struct ht_thread ht_self __attribute__((tls_model("initial-exec")));

struct ht_state {
    struct ht_seg_header *seg; /* the segment, or a private fallback mapping */
    struct ht_row *rows;
    uint32_t *buckets;
    uint32_t *flags;           /* &seg->flags once started; NULL reads as PENDING */
    uint32_t epoch;            /* bumped when rows must no longer come from caches */
    uint32_t next_shard;
    uint64_t map_size;
    int shared;                /* 1: /dev/shm segment; 0: private fallback */
    char path[64];
};

extern struct ht_state ht_state;

/* Flags that send an allocation off the fast path; PENDING until started. */
#define HT_FLAGS_COLD (HT_FLAG_INTERNAL_PENDING | HT_FLAG_htc | HT_FLAG_hfc | \
                       HT_FLAG_hpc | HT_FLAG_ust | HT_FLAG_htd)

/* Recursion guard for slow paths that may call into libc. */
static inline void ht_enter(void) { ht_self.depth++; }
static inline void ht_leave(void) { ht_self.depth--; }

#endif
