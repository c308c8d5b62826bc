/* SPDX-License-Identifier: MIT
 * segment/reader.h - find heaptag segments and read each into a private,
 * validated snapshot. The tool never maps a segment: it reads it with pread, so
 * a file truncated under us is an error message, never a SIGBUS. Nothing in a
 * segment is trusted: every size, offset, index and string is checked.
 */
#ifndef HT_SEGMENT_READER_H
#define HT_SEGMENT_READER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "heaptag_segment.h"
#include "segment/names.h"

/* Segments larger than this are refused rather than read ("segment too large"). */
#define SEGREAD_MAX_SIZE ((uint64_t)1 << 30)

#define SEGREAD_NO_MODULE UINT32_MAX

/* A tag made printable (util/text_safe.h): each of its 15 bytes may become "\xNN". */
#define SEGREAD_TAG_MAX 64

/* Return codes of segread_open. */
#define SEGREAD_OK       0
#define SEGREAD_DAMAGED  (-1) /* the file is not a sound segment: warn, go on */
#define SEGREAD_NOACCESS (-2) /* gone, or not ours to read: usually skip quietly */
#define SEGREAD_FORGED   (-3) /* claims a running process another user owns: never
                               * trusted nor written; the header fields of the
                               * snapshot (pid, path, uid, proc_uid, exe) are filled
                               * for a message, the tables are not */

enum segread_state {
    SEGREAD_LIVE,   /* running (or still starting) and the pid is the same process */
    SEGREAD_EXITED, /* the shim marked it exited */
    SEGREAD_DEAD,   /* killed without a word (SIGKILL), or its pid now belongs to another */
};

struct segread_module {
    uint64_t base;  /* load address; base + size does not overflow */
    uint64_t size;
    uint64_t bias;
    uint32_t state; /* 0 empty, 1 loaded, 2 unloaded */
    uint32_t build_id_len; /* 0 when none; at most HT_BUILD_ID_MAX */
    uint8_t  build_id[HT_BUILD_ID_MAX];
    char     path[HT_PATH_MAX];
};

/* One READY row with its counters summed over every counter set. */
struct segread_row {
    uint32_t index;        /* row index in the segment */
    uint32_t kind;         /* enum ht_row_kind, known values only */
    uint64_t site;
    uint32_t module;       /* index into modules[], or SEGREAD_NO_MODULE */
    char     tag[SEGREAD_TAG_MAX]; /* printable: unsafe bytes as \xNN */
    uint64_t allocs;
    uint64_t frees;
    uint64_t bytes_alloc;
    uint64_t bytes_freed;
    uint64_t live;         /* bytes_alloc - bytes_freed, 0 when a racy read says less */
    uint64_t peak;         /* highest live bytes sampled by the shim, at least live */
    /* live bytes and blocks by age bin (segment/ages.h reads them); their
     * sums are bytes_alloc - bytes_freed and allocs - frees exactly */
    int64_t  age_bytes[HT_AGE_BINS];
    int64_t  age_blocks[HT_AGE_BINS];
};

/* One whole heap check report from the segment's ring. */
struct segread_report {
    uint64_t seq;          /* 1-based number among all the process's reports */
    uint32_t kind;         /* enum ht_corruption, < HT_CORRUPT_KINDS */
    uint32_t op;           /* enum ht_report_op, known values only */
    uint64_t addr;
    uint64_t size;
    uint64_t site;         /* 0 unknown */
    uint64_t detail;
    uint64_t time_unix_ns;
    char     tag[SEGREAD_TAG_MAX]; /* printable: unsafe bytes as \xNN */
    uint32_t stack;        /* ust stack index, UINT32_MAX none */
};

struct segread_snap {
    uint64_t pidns;              /* the creator's PID namespace inode, 0 unknown */
    int      other_pidns;        /* 1: not ours, so liveness cannot be judged
                                  * (state says live unless it exited) */
    int      passive;            /* the shim stood aside: nothing is counted */
    uint32_t passive_reason;     /* enum ht_passive_reason, 0 when unknown */
    char     name[NAME_MAX + 1]; /* file name in the directory */
    char     path[PATH_MAX];     /* directory + name, for messages */
    dev_t    dev;
    ino_t    ino;
    uid_t    uid;                /* owner of the file */
    uid_t    proc_uid;           /* effective uid of the running process it claims,
                                  * (uid_t)-1 when that process is gone */

    pid_t    pid;
    pid_t    ppid;
    char     exe[HT_PATH_MAX];        /* these strings and module paths are printable: */
                                      /* unsafe bytes as \xNN (util/text_safe.h) */
    char     cmdline[HT_CMDLINE_MAX];
    enum segread_state state;
    int32_t  exit_code;
    uint64_t start_ticks;
    uint64_t start_unix_ns;
    uint64_t exit_unix_ns;
    uint32_t flags;
    uint32_t flags_at_start;
    uint64_t segment_size;            /* the file's size: every table at full capacity */
    uint64_t disk_bytes;              /* what it occupies (st_blocks): the pages in use */
    int      compact;                 /* rewritten to what it used at exit */
    pid_t    tree_pid;                /* its process tree (the keep cap's scope), 0 unknown */
    uint64_t tree_ticks;
    uint32_t keep_cap_mb;             /* the keep cap in force for the tree */
    uint32_t cap_removed_total;       /* segments of the tree the cap removed here */
    size_t   n_cap_removed;           /* the latest of them (pid > 0 only) */
    struct ht_cap_removed cap_removed[HT_CAP_REMOVED];
    uint32_t row_capacity;
    uint32_t rows_used;               /* clamped to row_capacity */
    uint64_t untracked_frees;
    uint64_t untracked_reallocs;
    uint64_t stacks_dropped;
    uint64_t corruptions[HT_CORRUPT_KINDS];
    uint32_t repairs;                 /* oddities smoothed over: clamps, unterminated strings */

    size_t   n_modules;
    struct segread_module *modules;   /* indexed as in the segment */
    size_t   n_rows;
    struct segread_row *rows;         /* READY rows only, in segment order */
    int      has_ages;                /* the segment keeps ages: the fields below */
    uint64_t age_tick_ns;
    uint64_t age_origin_unix_ns;
    uint32_t age_tick;                /* the latest tick the shim saw */
    struct ht_age_span age_span[HT_AGE_BINS]; /* each bin's ticks */
    uint32_t age_retries;             /* copies read again because counts moved */
    uint64_t reports_total;           /* heap check reports written so far */
    size_t   n_reports;
    struct segread_report *reports;   /* the ring's whole entries, oldest first */
};

/* Reads dir/name into *snap. Returns SEGREAD_OK; or SEGREAD_DAMAGED /
 * SEGREAD_NOACCESS / SEGREAD_FORGED with *why naming the problem ("bad magic",
 * "truncated", ...; a static string). On failure *snap holds nothing to free.
 *
 * A segment is trusted only when the process it claims is gone (it is then
 * exited or dead, and never written), or when the running process with its
 * pid and start time is owned by the file's owner (any of its real, effective,
 * saved or filesystem uids; root's files are trusted, as only root can make
 * them). Otherwise it is SEGREAD_FORGED: another user planted it. */
int segread_open(const char *dir, const char *name, struct segread_snap *snap,
                 const char **why);

/* Reads only the header of dir/name, checked as segread_open checks it, for
 * choosing what to read in full: the process's state and, once exited, when
 * it exited (0 when unknown). Returns SEGREAD_OK or SEGREAD_DAMAGED /
 * SEGREAD_NOACCESS; ownership is left to segread_open. */
int segread_peek(const char *dir, const char *name, enum segread_state *state,
                 uint64_t *exit_unix_ns);

/* Frees what segread_open allocated; *snap may then be reused. */
void segread_close(struct segread_snap *snap);

/* ust: one READY entry of the stack table. */
struct segread_stack {
    uint32_t index;        /* entry index in the segment */
    uint32_t row;          /* row index in the segment (may name no READY row) */
    uint32_t depth;        /* frames used, at most HT_STACK_DEPTH_MAX */
    uint64_t allocs;
    uint64_t frees;
    uint64_t bytes_alloc;
    uint64_t bytes_freed;
    uint64_t live;         /* bytes_alloc - bytes_freed, 0 when a racy read says less */
    uint64_t frames[HT_STACK_DEPTH_MAX]; /* return addresses, innermost first */
};

/* Reads the stack table of the segment snap was read from (reopening it and
 * checking it is still the same process's). Returns 0 with a malloc'd array
 * of READY entries (possibly none) the caller frees, or -1 with *why set. */
int segread_stacks(const struct segread_snap *snap, struct segread_stack **out, size_t *n,
                   const char **why);

/* Whether the keep cap removed the kept segment of pid: 1 with the cap in MB
 * then in force and, when a segment still names the removal, the pid of the
 * process whose exit or start removed it and when (else *by is 0); 0 when
 * nothing in dir says so. */
int segread_cap_removed(const char *dir, pid_t pid, pid_t *by, uint32_t *cap_mb,
                        uint64_t *when_ns);

/* Removes the empty notes the keep cap leaves for the segments it removed
 * (<segment name>.capped.<MB>, regular files of ours); returns how many. */
int segread_remove_tombstones(const char *dir);

/* Sums over the snapshot, saturating instead of wrapping. */
uint64_t segread_live_total(const struct segread_snap *snap);
uint64_t segread_corrupt_total(const struct segread_snap *snap);

/* "live", "exited" or "dead". */
const char *segread_state_name(enum segread_state state);

/* Why a passive process is not counted, and what to do: one phrase. */
const char *segread_passive_why(uint32_t reason);

#endif
