/* SPDX-License-Identifier: MIT
 * heaptag_segment.h - the binary layout of a process's shared-memory segment.
 *
 * The shim writes it (with relaxed atomics) and the tool maps it read-only. It
 * is the only contract between the two: fixed-width fields, no pointers, every
 * table located by an offset from the segment start. A reader trusts nothing
 * in it and validates magic, version, sizes and every offset and index.
 *
 * Live layout (version 5), each table on pages of its own, in this order:
 *
 *   header | reports ring | bucket index | rows | counter sets | modules | stacks
 *
 * The file's size (segment_size) covers every table at full capacity, but
 * /dev/shm pages are reserved only for what is in use, so a segment grows
 * with its program: at start the header, reports, buckets, modules, the stack
 * table (ust), the first HT_GROW_ROWS rows and, for them, the counters of the
 * HT_SHARDS shared sets. Row entries, and their counters in every open set,
 * are reserved HT_GROW_ROWS at a time as rows are claimed (rows_reserved); a
 * per-thread set is opened (its bit in sets_open, its pages reserved up to
 * rows_target) when a thread first claims it. Growth happens on the slow path
 * of a new row or a new thread, never on the hot path, and without a lock; a
 * chunk that cannot be reserved (a full /dev/shm) sends new rows to the
 * overflow row and new threads to the shared sets. A table added per row
 * (beside rows and counters) grows with rows_reserved the same way.
 *
 * Pages past rows_reserved, and sets without their bit, are holes: a reader
 * reads zeros there (pread of a hole), and must not rely on anything else.
 *
 * Compact layout (HT_SEG_COMPACT in layout): what a kept segment becomes at
 * exit. The same header, then the reports ring, the rows (row_capacity =
 * rows used), ONE counter set holding every set's sums (counter_sets 1,
 * counter_slots 0), the modules in use, and the stack entries in use one
 * after another (stack_capacity = stacks_used; the reports' stack indexes
 * renumbered to match). No bucket index
 * (bucket_capacity 0). It is written to a new file that replaces the live one
 * by rename, so a reader sees one layout or the other, whole.
 */
#ifndef HEAPTAG_SEGMENT_H
#define HEAPTAG_SEGMENT_H

#include <stdint.h>

#define HT_SEG_MAGIC   0x3147415450414548ULL /* "HEAPTAG1" little-endian */
#define HT_SEG_VERSION 5u /* 2: pid namespace in the name; 3: the report ring;
                            * 4: per-thread counter slots and shared shards,
                            * 64-byte rows; 5: the segment grows (rows_reserved,
                            * sets_open), the compact layout of an exited
                            * segment, the process tree and the keep cap's record */

/* /dev/shm/heaptag.<pidns>.<pid>[.<n>]: <pidns> is the inode of the creator's
 * /proc/self/ns/pid (always above any pid: PID_MAX_LIMIT is 4194304), so
 * processes of different PID namespaces sharing /dev/shm never collide.
 * Without /proc the name is heaptag.<pid>[.<n>]. */
#define HT_SEG_PREFIX  "heaptag."
#define HT_PID_MAX_LIMIT 4194304u
#define HT_SHM_DIR     "/dev/shm"

#define HT_TAG_MAX      16   /* 15 characters and a NUL */
#define HT_SHARDS       4    /* shared counter sets for threads without a slot of their own */
#define HT_DEFAULT_SLOTS 28  /* per-thread counter sets (pages reserved only once used) */
#define HT_SETS_MAX     64   /* counter sets a writer makes: sets_open has a bit for each */
#define HT_SLOTS_MAX    256
#define HT_PATH_MAX     256
#define HT_CMDLINE_MAX  1024
#define HT_BUILD_ID_MAX 20
#define HT_STACK_DEPTH_MAX 64
#define HT_REPORTS         64   /* heap check reports kept, the latest */
#define HT_REPORTS_MAX     4096 /* the most a reader accepts */

/* Default table sizes; the shim may be told other sizes, the header says which. */
#define HT_DEFAULT_ROWS    8192
#define HT_DEFAULT_MODULES 512

enum ht_seg_layout {
    HT_SEG_GROWING = 0, /* live layout: tables at full capacity, pages reserved as used */
    HT_SEG_COMPACT = 1, /* an exited segment rewritten to what it used */
};

#define HT_CAP_REMOVED 4 /* the keep cap's latest removals a header names */

enum ht_seg_state {
    HT_SEG_STARTING = 0,
    HT_SEG_LIVE     = 1,
    HT_SEG_EXITED   = 2,
};

/* What the shim does in this process (the header's mode). */
enum ht_seg_mode {
    HT_SEG_COUNTING = 0,
    HT_SEG_PASSIVE  = 1, /* the program's malloc is not the shim's (an allocator
                          * preloaded before it, or its own): nothing counted */
};

/* Why a passive process's shim stood aside (the header's passive_reason). */
enum ht_passive_reason {
    HT_PASSIVE_NOT            = 0, /* counting; or a shim too old to say */
    HT_PASSIVE_EXECUTABLE     = 1, /* the executable defines malloc itself */
    HT_PASSIVE_LOADED_BEFORE  = 2, /* an allocator loaded before the shim
                                    * (earlier in LD_PRELOAD) */
};

enum ht_row_state {
    HT_ROW_EMPTY     = 0,
    HT_ROW_READY     = 2, /* key written, counters valid */
    HT_ROW_DISCARDED = 3, /* lost an insert race; never counted */
};

enum ht_row_kind {
    HT_KIND_SITE     = 0, /* keyed by call site only */
    HT_KIND_TAG      = 1, /* explicit tag (and call site) */
    HT_KIND_MODULE   = 2, /* htd: keyed by the module of the call site */
    HT_KIND_OVERFLOW = 3, /* row 0: everything counted once the table is full */
};

/* Corruption and misuse reports, counted in the header (heap checking flags). */
enum ht_corruption {
    HT_CORRUPT_OVERRUN      = 0, /* htc: guard after a block overwritten */
    HT_CORRUPT_DOUBLE_FREE  = 1, /* hfc */
    HT_CORRUPT_INVALID_PTR  = 2, /* hpc: pointer the heap never gave out */
    HT_CORRUPT_USE_AFTER_FREE = 3, /* hfc: poison of a freed block disturbed */
    HT_CORRUPT_KINDS        = 8,
};

/* What a heap check was doing when it found the problem. */
enum ht_report_op {
    HT_REPORT_OP_FREE    = 0,
    HT_REPORT_OP_REALLOC = 1,
    HT_REPORT_OP_SIZE    = 2, /* malloc_usable_size */
    HT_REPORT_OP_EVICT   = 3, /* hfc: a freed block leaving quarantine */
};

/* One heap check report, in a ring of report_capacity entries: report n
 * (1-based) goes to entry (n - 1) % report_capacity. seq is 0 while the entry
 * is being written and n once it is whole (release-stored last); a reader
 * keeps an entry only when seq reads the same before and after its copy. */
struct ht_report {
    uint64_t seq;
    uint32_t kind;         /* enum ht_corruption */
    uint32_t op;           /* enum ht_report_op */
    uint64_t addr;         /* the pointer handed to free/realloc/... */
    uint64_t size;         /* the block's size, 0 when no block is known */
    uint64_t site;         /* where the block was allocated, 0 unknown */
    uint64_t detail;       /* overrun: bytes past the end; interior: offset
                            * into the block; use after free: first byte written */
    uint64_t time_unix_ns;
    char     tag[HT_TAG_MAX]; /* the block's explicit tag, NUL-padded */
    uint32_t stack;        /* ust: the allocation's stack index, UINT32_MAX none */
    uint32_t reserved0;
    uint64_t reserved[2];
};

/* One row's counters in one counter set. Monotonic. A row's counts are the
 * sums over every set: an allocation is counted in the set of the thread that
 * made it, a free in the set of the thread that freed (live bytes are
 * sum(bytes_alloc) - sum(bytes_freed), never per set). The first
 * counter_slots sets each belong to one thread at a time, which adds without
 * a lock; the other HT_SHARDS sets are shared, with atomic adds, by threads
 * that found no slot free. A slot is handed to a new thread when its thread
 * exits, its counts kept. */
struct ht_counters {
    uint64_t allocs;
    uint64_t frees;
    uint64_t bytes_alloc; /* sum of sizes asked for */
    uint64_t bytes_freed;
};

struct ht_row {
    uint32_t state;        /* enum ht_row_state, release-stored last */
    uint32_t kind;         /* enum ht_row_kind */
    uint64_t site;         /* absolute code address, 0 when none */
    char     tag[HT_TAG_MAX]; /* NUL-padded; empty for call-site rows */
    uint32_t module;       /* index into the module table, UINT32_MAX unknown */
    uint32_t reserved0;
    uint64_t peak_live;    /* highest live bytes a sample saw (a lower bound):
                            * the shim samples a row on its slow paths only, at
                            * a thread's cache miss and every HT_PEAK_EVERY
                            * bytes a thread counts off the fast path */
    uint64_t reserved[2];
};

#define HT_PEAK_EVERY (256u * 1024u)

/* Rows are reserved in chunks of this many: 8 KB of row entries and 4 KB of
 * counters in each open set. */
#define HT_GROW_ROWS 128u

struct ht_module {
    uint64_t base;         /* load address (l_addr + lowest PT_LOAD vaddr) */
    uint64_t size;         /* span of its PT_LOAD segments */
    uint64_t bias;         /* l_addr: address = file vaddr + bias */
    uint32_t state;        /* 0 empty, 1 loaded, 2 unloaded */
    uint32_t build_id_len;
    uint8_t  build_id[HT_BUILD_ID_MAX];
    uint32_t reserved0;
    uint64_t reserved1;
    char     path[HT_PATH_MAX];
};

/* ust: one deduplicated allocation stack of a row, frames innermost first. */
struct ht_stack {
    uint32_t state;        /* enum ht_row_state */
    uint32_t row;
    uint32_t depth;
    uint32_t hash;
    uint64_t allocs;
    uint64_t frees;
    uint64_t bytes_alloc;
    uint64_t bytes_freed;
    uint64_t frames[];     /* stack_depth entries follow */
};

struct ht_seg_header {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size;     /* sizeof(struct ht_seg_header) */
    uint64_t segment_size;    /* bytes, equals the file size */

    int32_t  pid;
    int32_t  ppid;
    uint64_t start_ticks;     /* /proc/PID/stat field 22, tells a reused pid apart */
    uint64_t start_unix_ns;
    uint32_t state;           /* enum ht_seg_state */
    int32_t  exit_code;
    uint64_t exit_unix_ns;

    uint32_t flags;           /* flags in force now; the tool may store here (-p) */
    uint32_t flags_at_start;
    uint32_t keep;            /* segment kept after exit for post-mortem reading */
    uint32_t mode;            /* enum ht_seg_mode */

    uint32_t row_size;        /* sizeof(struct ht_row) */
    uint32_t row_capacity;    /* rows at rows_offset; row 0 is the overflow row */
    uint64_t rows_offset;
    uint32_t rows_used;       /* rows handed out so far (high-water mark) */
    uint32_t bucket_capacity; /* uint32 slots at buckets_offset, power of two */
    uint64_t buckets_offset;  /* hash index: row index + 1, 0 empty */

    uint32_t module_size;
    uint32_t module_capacity;
    uint64_t modules_offset;
    uint32_t modules_used;
    uint32_t modules_seq;     /* odd while the writer changes the module table */

    uint32_t stack_size;      /* bytes per struct ht_stack entry incl. frames */
    uint32_t stack_capacity;
    uint32_t stack_depth;     /* frames per entry */
    uint32_t stacks_used;
    uint64_t stacks_offset;
    uint64_t stacks_dropped;  /* ust: stacks not recorded because the table was full */

    uint32_t counter_sets;    /* counter tables at counters_offset: slots, then shards */
    uint32_t counter_slots;   /* how many of them are per-thread slots */
    uint64_t counters_offset;
    uint64_t counter_stride;  /* bytes from one set to the next, >= row_capacity * 32 */

    uint64_t untracked_frees;    /* frees of pointers the shim did not hand out */
    uint64_t untracked_reallocs;
    uint64_t corruptions[HT_CORRUPT_KINDS];

    char     exe[HT_PATH_MAX];
    char     cmdline[HT_CMDLINE_MAX]; /* arguments joined by spaces */
    uint64_t pid_ns;          /* inode of the creator's /proc/self/ns/pid, 0 unknown */

    uint32_t report_size;     /* sizeof(struct ht_report) */
    uint32_t report_capacity; /* entries at reports_offset (HT_REPORTS) */
    uint64_t reports_offset;
    uint64_t reports_seq;     /* reports written so far (the ring keeps the latest) */

    /* growth (live layout; see the top of this file) */
    uint32_t rows_reserved;   /* rows [0, rows_reserved) have their row entry and
                               * their counters in every open set reserved;
                               * rows_used <= rows_reserved <= row_capacity */
    uint32_t rows_target;     /* rows_reserved once the growth under way is done */
    uint64_t sets_open;       /* bit k: counter set k is reserved up to rows_target */

    uint32_t layout;          /* enum ht_seg_layout */
    int32_t  tree_pid;        /* the process tree this segment belongs to (the keep */
    uint64_t tree_ticks;      /* cap's scope): its first process's pid and start_ticks */

    /* The keep cap: HEAPTAG_KEEP_MAX_MB in force, and the latest kept segments
     * of this process tree it removed when this process started or exited. */
    uint32_t keep_cap_mb;
    uint32_t cap_removed_total; /* segments removed, all told */
    struct ht_cap_removed {
        int32_t  pid;
        uint32_t reserved0;
        uint64_t pid_ns;
        uint64_t start_ticks;
        uint64_t removed_unix_ns;
    } cap_removed[HT_CAP_REMOVED];

    uint32_t passive_reason;  /* enum ht_passive_reason, with mode HT_SEG_PASSIVE */
    uint32_t reserved32;
    /* ages (the struct ht_ages below) */
    uint64_t ages_offset;     /* struct ht_ages, then row_capacity struct ht_age_row;
                               * 0: the segment keeps no ages */
    uint32_t ages_size;       /* sizeof(struct ht_ages) */
    uint32_t age_row_size;    /* sizeof(struct ht_age_row) */
    uint64_t reserved[2];
};

/* Ages: how old each row's live bytes are (shim/accounting/ages.c has the
 * design). Time runs in ticks of tick_ns from origin; every counted block
 * carries the tick of its allocation (modulo 2^HT_AGE_STAMP_BITS) in its
 * header. A row's live bytes are, exactly, the sum of its age bins plus the
 * net counts of every per-thread slot (a slot's counts all belong to the tick
 * in slot_tick; the shared shards hold nothing the bins do not). Bin b holds
 * the blocks allocated in ticks [span[b].lo, span[b].hi); the spans partition
 * [0, tick]. Counts move (slot to shard and bin, bin to bin) between
 * moves_begun++ and moves_done++: a reader whose copy saw moves_begun change,
 * or begun != done, reads again. */
#define HT_AGE_TICK_NS    10000000000ull /* 10 s */
#define HT_AGE_STAMP_BITS 14
#define HT_AGE_RING       4   /* bins 0..3: the latest four ticks, one each */
#define HT_AGE_BINS       8   /* then generations of at most 60, 360 and 8640
                               * ticks (10 min, 1 h, 1 d), and the older rest */

struct ht_age_span {
    uint32_t lo, hi;          /* ticks [lo, hi); lo == hi: empty */
};

/* The bin of tick under spans, the one rule the shim counts by and the tool
 * reads by: the bin whose span holds it, else (a tick past every span) the
 * bin whose span ends latest. */
static inline uint32_t ht_age_bin_of(const struct ht_age_span *span, uint32_t tick)
{
    for (uint32_t b = 0; b < HT_AGE_BINS; b++)
        if (span[b].lo <= tick && tick < span[b].hi)
            return b;
    uint32_t best = 0;
    for (uint32_t b = 1; b < HT_AGE_BINS; b++)
        if (span[b].hi > span[best].hi)
            best = b;
    return best;
}

struct ht_ages {
    uint64_t tick_ns;
    uint64_t origin_unix_ns;  /* tick 0 starts here */
    uint64_t origin_mono_ns;  /* the same instant on the shim's CLOCK_MONOTONIC */
    uint32_t tick;            /* the latest tick, release-stored after the bins moved */
    uint32_t bins;            /* HT_AGE_BINS */
    uint64_t moves_begun;
    uint64_t moves_done;
    uint32_t folding;         /* 1 while one thread moves bins to a new tick */
    uint32_t reserved0;
    uint32_t dirty[HT_AGE_BINS]; /* a bin some row may have counts in */
    struct ht_age_span span[HT_AGE_BINS];
    uint32_t slot_tick[HT_SLOTS_MAX]; /* the tick of each slot's counts */
    uint64_t reserved[8];
};

/* One row's age bins: net live bytes and blocks (signed: a free may be seen
 * before the allocation it undoes). */
struct ht_age_row {
    int64_t bytes[HT_AGE_BINS];
    int32_t blocks[HT_AGE_BINS];
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct ht_counters) == 32, "counters layout");
_Static_assert(sizeof(struct ht_row) == 64, "row layout");
_Static_assert(sizeof(struct ht_module) == 320, "module layout");
_Static_assert(sizeof(struct ht_stack) == 48, "stack entry layout");
_Static_assert(sizeof(struct ht_seg_header) == 1792, "header layout");
_Static_assert(sizeof(struct ht_report) == 96, "report entry layout");
_Static_assert(sizeof(struct ht_age_row) == 96, "age row layout");
_Static_assert(sizeof(struct ht_ages) == 1240, "ages header layout");
_Static_assert(HT_DEFAULT_SLOTS + HT_SHARDS <= HT_SETS_MAX, "a sets_open bit per set");
_Static_assert(__builtin_offsetof(struct ht_seg_header, flags) == 64, "flags offset");
#endif

#endif /* HEAPTAG_SEGMENT_H */
