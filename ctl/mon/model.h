/* SPDX-License-Identifier: MIT
 * mon/model.h - the data layer of `heaptag mon`: reads the watched segments,
 * groups their rows (by tag, site, function or module; summed over processes
 * or split by process) in a hash kept across refreshes, so each line knows its
 * change since the last refresh, and builds the filtered, sorted view that the
 * screen and the log renderers draw. It never prints and never exits on bad
 * input: a damaged or vanished segment becomes a problem entry and is skipped.
 */
#ifndef HT_MON_MODEL_H
#define HT_MON_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uthash.h>

#include "segment/ages.h"
#include "segment/reader.h"

struct tag_desc;
struct sym_cache;
struct mon_memo;

#define MON_LABEL_MAX 128
#define MON_DETAIL_MAX 200
#define MON_MAX_PATTERNS 32

enum mon_sort {
    MON_SORT_BYTES, MON_SORT_ALLOCS, MON_SORT_FREES, MON_SORT_DIFF, MON_SORT_TAG,
    MON_SORT_PER_ALLOC, MON_SORT_OLD,
};

#define MON_OLD_DEFAULT 600 /* --old: seconds */
enum mon_by { MON_BY_TAG, MON_BY_SITE, MON_BY_FUNC, MON_BY_MODULE };
/* The Type filter p cycles through: every row, explicit tags, call sites. */
enum mon_type { MON_TYPE_ALL, MON_TYPE_TAG, MON_TYPE_SITE, MON_TYPE_COUNT };

/* Hashed up to the end of label's string: label must stay last. */
struct mon_key {
    int32_t  pid;     /* 0 when summed over processes */
    uint32_t seq;     /* the <n> of heaptag.<pid>.<n> when split */
    uint32_t kind;    /* enum ht_row_kind */
    char     label[MON_LABEL_MAX];
};

struct mon_line {
    struct mon_key key;
    char     detail[MON_DETAIL_MAX]; /* the Site column: site, function, file:line */
    /* the name of the row detail came from (sym/symbolize.h): "" and 0 when
     * unknown; owned by the model's symbol cache */
    const char *func, *file;
    int      line;
    uint64_t detail_bytes;           /* live bytes of the row detail came from */
    pid_t    det_pid;                /* that row: segment and row index */
    uint32_t det_seq, det_index;
    uint32_t rows;                   /* segment rows summed into this line */
    const char *desc;                /* from -g, or NULL */
    uint64_t allocs, frees, bytes, bytes_alloc, bytes_freed, peak;
    int64_t  diff;
    int64_t  d_allocs, d_frees, d_bytes, d_diff; /* since the last refresh */
    uint64_t prev_allocs, prev_frees, prev_bytes;
    int64_t  prev_diff;
    /* ages (segment/ages.h): live bytes and blocks at least cfg.old_secs
     * old, how many age bins hold them, and the six classes */
    int      has_ages;
    uint64_t old_bytes, old_blocks;
    uint32_t old_bins;
    int64_t  age_bytes[SEGAGE_CLASSES], age_blocks[SEGAGE_CLASSES];
    unsigned gen;
    UT_hash_handle hh;
};

enum mon_proc_status { MON_PROC_OK, MON_PROC_DAMAGED, MON_PROC_GONE };

struct mon_proc {
    pid_t    pid;
    unsigned seq;
    char     name[NAME_MAX + 1];
    char     exe[HT_PATH_MAX];
    char     build_id[2 * HT_BUILD_ID_MAX + 1]; /* the exe's, hex; "" when unknown */
    enum segread_state state;
    int32_t  exit_code;              /* the shim's record when EXITED, else -1 */
    enum mon_proc_status status;
    const char *why;                 /* static string, for DAMAGED and GONE */
    uint64_t rss, rss_peak;          /* 0 when not live or not readable */
    uint64_t bytes;                  /* live tagged bytes */
    size_t   rows;                   /* rows with allocations */
    int      hidden;                 /* not live and the view shows live ones only */
    int      passive;                /* the shim stood aside: nothing is counted */
    uint32_t passive_reason;         /* enum ht_passive_reason */
};

struct mon_cfg {
    const char *dir;
    const pid_t *pids;   /* NULL: every segment in dir */
    size_t   n_pids;
    enum mon_by by;
    int      split;      /* one line per process instead of sums */
    int      live_only;  /* exited and dead segments are listed, not summed */
    const struct tag_desc *desc;
    int      name_sites; /* by tag too, name each line's site (a symbol look-up
                          * per site, cached for the whole run) */
    int      func_first; /* by tag, the Site text leads with the function and
                          * file:line (the screen); logs keep the address first,
                          * as `heaptag trend` and older parsers read it */
    int      children;   /* pids' descendants with the shim too, found at each refresh */
    uint64_t old_secs;   /* --old: the age from which live bytes count as old */
};

struct mon_view_cfg {
    enum mon_sort sort;
    int      reverse;
    int      by_change;  /* sort by the delta instead of the value */
    int      pid_first;  /* order by process first (log blocks) */
    enum mon_type type;
    const char *include[MON_MAX_PATTERNS]; /* fnmatch patterns, any may match */
    size_t   n_include;
    const char *exclude[MON_MAX_PATTERNS];
    size_t   n_exclude;
};

/* The counters of a line the totals line sums over the view, each with its
 * type and how it adds (util/sums.h: sat for counts, wrap for signed
 * differences). X(type, name, add) for each. */
#define MON_TOTALS(X)                                                            \
    X(uint64_t, allocs, sat) X(uint64_t, frees, sat) X(uint64_t, bytes, sat)     \
    X(int64_t, diff, wrap) X(int64_t, d_allocs, wrap) X(int64_t, d_frees, wrap) \
    X(int64_t, d_bytes, wrap) X(int64_t, d_diff, wrap)

struct mon_totals {
#define MON_TOTALS_FIELD(type, name, add) type name;
    MON_TOTALS(MON_TOTALS_FIELD)
#undef MON_TOTALS_FIELD
    size_t   lines;
};

struct mon_model {
    struct mon_cfg cfg;
    struct mon_line *map;    /* uthash, by key */
    unsigned gen;
    unsigned refreshes;
    double   refreshed_at;   /* wall clock of the last refresh, seconds */
    struct mon_proc *procs;  /* this refresh's segments, good and bad */
    size_t   n_procs, cap_procs;
    struct sym_cache *sym;
    struct mon_memo *memos;  /* per segment: which line each row fed last time */
    uint64_t tagged_bytes;   /* over every good segment, unfiltered */
    size_t   tagged_rows;
    struct mon_line **view;  /* after mon_model_view */
    size_t   n_view, cap_view;
    struct mon_totals totals; /* of the view */
};

/* 1 when the line looks like a leak on this one snapshot: its old bytes
 * are at least half of what it holds, and were allocated over more than one
 * age bin (it kept growing after it began, unlike a cache filled once). */
int mon_old_suspect(const struct mon_line *l);

void mon_model_init(struct mon_model *m, const struct mon_cfg *cfg);
void mon_model_fini(struct mon_model *m);

/* Changes grouping (--by, split): forgets every line, deltas start afresh. */
void mon_model_regroup(struct mon_model *m, enum mon_by by, int split);

/* Reads every watched segment and updates the lines and their deltas. */
void mon_model_refresh(struct mon_model *m);

/* The state of a process as logs and the screen write it: "live",
 * "exited(3)" ("exited" when the code is not known), "dead". */
void mon_state_text(char *buf, size_t n, const struct mon_proc *p);

/* realloc for the model and its view: exits on failure. */
void *mon_model_xalloc(void *p, size_t n, size_t size);

/* Whether the lines of p are in the model (not hidden by live_only). */
int mon_proc_shown(const struct mon_model *m, const struct mon_proc *p);

/* Per Alloc as PoolMon defines it: Bytes / Diff, the average size of a live
 * block (0 when no block is alive). */
uint64_t mon_per_alloc(const struct mon_line *l);

/* Bytes allocated per allocation over the whole run (0 without allocs): the
 * logs' avg_alloc field. */
uint64_t mon_avg_alloc(const struct mon_line *l);

const char *mon_by_name(enum mon_by by);
/* Parses "tag", "site", "func" or "module"; -1 if none. */
int mon_by_parse(const char *s);
const char *mon_type_name(enum mon_type t);

#endif
