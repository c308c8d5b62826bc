/* SPDX-License-Identifier: MIT
 * segment/reader.c - reads one segment file into a validated snapshot.
 * Uses pread only (a file truncated under us gives a short read, not SIGBUS),
 * checks the header before touching any table, and copies every string with a
 * bound. A damaged file yields a short reason; nothing here exits or prints.
 */
#include "segment/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "segment/proc_stat.h"
#include "full_io.h"
#include "util/text_safe.h"
#include "util/sums.h"

#define ROW_CHUNK 256 /* rows read per pread */
#define MODULE_TRIES 4 /* attempts to read the module table between writer updates */

/* A table of cap entries of esize bytes at off must lie after the header and
 * inside the segment. Empty tables are fine wherever they point. */
static int table_ok(uint64_t off, uint64_t cap, uint64_t esize, uint64_t hdr, uint64_t seg)
{
    uint64_t len, end;
    if (cap == 0)
        return 1;
    if (__builtin_mul_overflow(cap, esize, &len) || __builtin_add_overflow(off, len, &end))
        return 0;
    return off >= hdr && end <= seg;
}

/* Copies a fixed-size field into dst, always terminated and printable
 * (unsafe bytes as \xNN, cut to dcap). Returns 1 if src had no NUL. */
static int copy_str(char *dst, size_t dcap, const char *src, size_t scap)
{
    char raw[HT_CMDLINE_MAX + 1];
    size_t n = scap - 1 < sizeof raw - 1 ? scap - 1 : sizeof raw - 1; /* as if terminated */
    memcpy(raw, src, n);
    raw[n] = '\0';
    text_safe(dst, dcap, raw);
    return memchr(src, '\0', scap) == NULL;
}

/* Everything in the header that could make a later read go wrong. */
static const char *check_header(const struct ht_seg_header *h, uint64_t file_size, pid_t pid)
{
    const uint64_t hs = sizeof(struct ht_seg_header);
    if (h->magic != HT_SEG_MAGIC)
        return "bad magic";
    if (h->version != HT_SEG_VERSION)
        return "unsupported version";
    if (h->header_size != hs)
        return "bad header size";
    if (h->segment_size > file_size)
        return "truncated";
    if (h->segment_size != file_size)
        return "segment size does not match file size";
    if (h->segment_size > SEGREAD_MAX_SIZE)
        return "segment too large";
    if (h->pid <= 0)
        return "bad pid";
    if (h->pid != pid)
        return "pid does not match file name";
    if (h->state > HT_SEG_EXITED)
        return "bad process state";
    if (h->mode > HT_SEG_PASSIVE)
        return "bad mode";
    if (h->layout > HT_SEG_COMPACT)
        return "bad layout";
    if (h->layout == HT_SEG_COMPACT && (h->counter_sets != 1 || h->state != HT_SEG_EXITED))
        return "bad compact layout";
    if (h->rows_reserved > h->row_capacity)
        return "bad reserved rows";
    if (h->row_size != sizeof(struct ht_row))
        return "bad row size";
    if (!table_ok(h->rows_offset, h->row_capacity, h->row_size, hs, h->segment_size))
        return "rows table out of bounds";
    if (!table_ok(h->buckets_offset, h->bucket_capacity, sizeof(uint32_t), hs, h->segment_size))
        return "bucket table out of bounds";
    if (h->counter_sets == 0 || h->counter_sets > HT_SLOTS_MAX + HT_SHARDS ||
        h->counter_slots > h->counter_sets)
        return "bad counter sets";
    if (h->counter_stride / sizeof(struct ht_counters) < h->row_capacity ||
        h->counter_stride % sizeof(struct ht_counters) != 0)
        return "bad counter stride";
    if (!table_ok(h->counters_offset, h->counter_sets, h->counter_stride, hs, h->segment_size))
        return "counter tables out of bounds";
    if (h->module_size != sizeof(struct ht_module))
        return "bad module size";
    if (!table_ok(h->modules_offset, h->module_capacity, h->module_size, hs, h->segment_size))
        return "module table out of bounds";
    if (h->report_capacity > HT_REPORTS_MAX)
        return "bad report ring size";
    if (h->report_capacity > 0) {
        if (h->report_size != sizeof(struct ht_report))
            return "bad report entry size";
        if (!table_ok(h->reports_offset, h->report_capacity, h->report_size, hs, h->segment_size))
            return "report ring out of bounds";
    }
    if (h->stack_capacity > 0) {
        if (h->stack_depth > HT_STACK_DEPTH_MAX)
            return "bad stack depth";
        if (h->stack_size < sizeof(struct ht_stack) + (uint64_t)h->stack_depth * sizeof(uint64_t))
            return "bad stack entry size";
        if (!table_ok(h->stacks_offset, h->stack_capacity, h->stack_size, hs, h->segment_size))
            return "stack table out of bounds";
    }
    return NULL;
}

static void take_module(struct segread_snap *s, struct segread_module *dst,
                        const struct ht_module *m)
{
    uint64_t end;
    dst->base = m->base;
    dst->size = m->size;
    dst->bias = m->bias;
    dst->state = m->state;
    if (m->state > 2) {
        dst->state = 0;
        s->repairs++;
    }
    dst->build_id_len = m->build_id_len;
    if (m->build_id_len > HT_BUILD_ID_MAX) {
        dst->build_id_len = 0; /* a length we cannot believe: no build id */
        s->repairs++;
    }
    memcpy(dst->build_id, m->build_id, sizeof dst->build_id);
    if (__builtin_add_overflow(m->base, m->size, &end)) {
        dst->size = 0; /* a span that wraps contains nothing */
        s->repairs++;
    }
    s->repairs += (uint32_t)copy_str(dst->path, sizeof dst->path, m->path, sizeof m->path);
}

/* Reads the module table; retries while the writer is changing it (odd or
 * moving sequence), then keeps the last read, which is still validated. */
static const char *read_modules(int fd, const struct ht_seg_header *h, struct segread_snap *s)
{
    const uint64_t used_off = offsetof(struct ht_seg_header, modules_used);
    uint32_t cap = h->module_capacity;
    struct ht_module m;

    s->modules = calloc(cap ? cap : 1, sizeof *s->modules);
    if (!s->modules)
        return "out of memory";
    for (int attempt = 0; attempt < MODULE_TRIES; attempt++) {
        uint32_t before[2], after[2]; /* modules_used, modules_seq */
        if (ht_pread_full(fd, before, sizeof before, used_off) != 0)
            return "truncated";
        if (before[1] & 1) {
            sched_yield();
            continue;
        }
        uint32_t used = before[0] < cap ? before[0] : cap;
        s->n_modules = used;
        for (uint32_t i = 0; i < used; i++) {
            if (ht_pread_full(fd, &m, sizeof m,
                              h->modules_offset + (uint64_t)i * h->module_size) != 0)
                return "truncated";
            take_module(s, &s->modules[i], &m);
        }
        if (ht_pread_full(fd, after, sizeof after, used_off) != 0)
            return "truncated";
        if (after[1] == before[1]) {
            if (before[0] > cap)
                s->repairs++;
            return NULL;
        }
    }
    s->repairs++; /* never saw a quiet moment: keep what we have */
    return NULL;
}

/* A row's age bins as read: the shim's bins plus each slot's net in the bin
 * that holds the slot's tick. */
struct age_acc {
    int64_t bytes[HT_AGE_BINS];
    int64_t blocks[HT_AGE_BINS];
};

static void take_row(struct segread_snap *s, const struct ht_row *r, uint32_t index,
                     const struct ht_counters *sum, const struct age_acc *acc)
{
    if (r->state != HT_ROW_READY)
        return;
    if (r->kind > HT_KIND_OVERFLOW) {
        s->repairs++;
        return;
    }
    struct segread_row *o = &s->rows[s->n_rows++];
    memset(o, 0, sizeof *o);
    o->index = index;
    o->kind = r->kind;
    o->site = r->site;
    o->module = r->module < s->n_modules ? r->module : SEGREAD_NO_MODULE;
    s->repairs += (uint32_t)copy_str(o->tag, sizeof o->tag, r->tag, sizeof r->tag);
    o->allocs = sum->allocs;
    o->frees = sum->frees;
    o->bytes_alloc = sum->bytes_alloc;
    o->bytes_freed = sum->bytes_freed;
    o->live = o->bytes_alloc > o->bytes_freed ? o->bytes_alloc - o->bytes_freed : 0;
    /* the shim samples peaks (a lower bound): never below what is live now */
    o->peak = r->peak_live > o->live ? r->peak_live : o->live;
    if (acc) {
        memcpy(o->age_bytes, acc->bytes, sizeof o->age_bytes);
        memcpy(o->age_blocks, acc->blocks, sizeof o->age_blocks);
    }
}

/* The ages header, when the segment keeps ages in a place and shape we
 * know; 0 otherwise (the snapshot then has none). */
static int read_ages_header(int fd, const struct ht_seg_header *h, struct ht_ages *a)
{
    if (!h->ages_offset || h->ages_size != sizeof *a || h->age_row_size != sizeof(struct ht_age_row))
        return 0;
    uint64_t len = sizeof *a + (uint64_t)h->row_capacity * sizeof(struct ht_age_row);
    if (h->ages_offset < h->header_size || h->ages_offset > h->segment_size ||
        len > h->segment_size - h->ages_offset)
        return 0;
    if (ht_pread_full(fd, a, sizeof *a, h->ages_offset) != 0 || a->bins != HT_AGE_BINS ||
        a->tick_ns == 0)
        return 0;
    for (uint32_t b = 0; b < HT_AGE_BINS; b++)
        if (a->span[b].lo > a->span[b].hi)
            a->span[b].lo = a->span[b].hi = 0; /* nonsense: an empty bin */
    return 1;
}

/* Adds the shim's age bins of rows [0, used) to acc. */
static int read_age_rows(int fd, const struct ht_seg_header *h, uint32_t used, struct age_acc *acc)
{
    static struct ht_age_row chunk[ROW_CHUNK];
    uint64_t base = h->ages_offset + h->ages_size;
    for (uint32_t i = 0; i < used; i += ROW_CHUNK) {
        uint32_t n = used - i < ROW_CHUNK ? used - i : ROW_CHUNK;
        if (ht_pread_full(fd, chunk, (size_t)n * sizeof chunk[0],
                          base + (uint64_t)i * sizeof chunk[0]) != 0)
            return -1;
        for (uint32_t r = 0; r < n; r++)
            for (uint32_t b = 0; b < HT_AGE_BINS; b++) {
                acc[i + r].bytes[b] += chunk[r].bytes[b];
                acc[i + r].blocks[b] += chunk[r].blocks[b];
            }
    }
    return 0;
}

/* The counters of rows [0, used) summed over every counter set (per-thread
 * slots and shared shards), saturating. NULL when out of memory or truncated. */
static struct ht_counters *sum_counters(int fd, const struct ht_seg_header *h, uint32_t used,
                                        const struct ht_ages *ages, struct age_acc *acc,
                                        const char **why)
{
    static struct ht_counters chunk[ROW_CHUNK];
    struct ht_counters *sum = calloc(used ? used : 1, sizeof *sum);
    *why = "out of memory";
    if (!sum)
        return NULL;
    for (uint32_t k = 0; k < h->counter_sets; k++) {
        uint64_t base = h->counters_offset + (uint64_t)k * h->counter_stride;
        for (uint32_t i = 0; i < used; i += ROW_CHUNK) {
            uint32_t n = used - i < ROW_CHUNK ? used - i : ROW_CHUNK;
            if (ht_pread_full(fd, chunk, (size_t)n * sizeof chunk[0],
                        base + (uint64_t)i * sizeof chunk[0]) != 0) {
                free(sum);
                *why = "truncated";
                return NULL;
            }
            /* a slot's counts all belong to its tick */
            uint32_t bin = ages && k < h->counter_slots && k < HT_SLOTS_MAX
                               ? ht_age_bin_of(ages->span, ages->slot_tick[k]) : HT_AGE_BINS;
            for (uint32_t r = 0; r < n; r++) {
                struct ht_counters *o = &sum[i + r];
                if (bin < HT_AGE_BINS) {
                    acc[i + r].bytes[bin] += (int64_t)(chunk[r].bytes_alloc - chunk[r].bytes_freed);
                    acc[i + r].blocks[bin] += (int64_t)(chunk[r].allocs - chunk[r].frees);
                }
                o->allocs = sat_add(o->allocs, chunk[r].allocs);
                o->frees = sat_add(o->frees, chunk[r].frees);
                o->bytes_alloc = sat_add(o->bytes_alloc, chunk[r].bytes_alloc);
                o->bytes_freed = sat_add(o->bytes_freed, chunk[r].bytes_freed);
            }
        }
    }
    return sum;
}

static const char *read_rows(int fd, const struct ht_seg_header *h, struct segread_snap *s)
{
    static struct ht_row chunk[ROW_CHUNK];
    uint32_t used = h->rows_used;
    if (used > h->row_capacity) {
        used = h->row_capacity;
        s->repairs++;
    }
    s->rows_used = used;
    s->rows = calloc(used ? used : 1, sizeof *s->rows);
    if (!s->rows)
        return "out of memory";
    const char *why;
    struct ht_ages ages;
    struct age_acc *acc = calloc(used ? used : 1, sizeof *acc);
    if (!acc)
        return "out of memory";
    struct ht_counters *sum;
    /* counts that move between a slot, a shard and the bins while we copy
     * could be seen twice or not at all: read again (a few times) until no
     * move began or ran during the copy */
    for (uint32_t attempt = 0;; attempt++) {
        int has = read_ages_header(fd, h, &ages);
        sum = sum_counters(fd, h, used, has ? &ages : NULL, acc, &why);
        if (!sum) {
            free(acc);
            return why;
        }
        uint64_t begun = 0;
        if (has && read_age_rows(fd, h, used, acc) != 0) {
            free(sum);
            free(acc);
            return "truncated";
        }
        s->has_ages = has;
        if (!has || attempt >= 16 ||
            (ages.moves_begun == ages.moves_done &&
             ht_pread_full(fd, &begun, sizeof begun,
                     h->ages_offset + offsetof(struct ht_ages, moves_begun)) == 0 &&
             begun == ages.moves_begun))
            break;
        free(sum);
        memset(acc, 0, (used ? used : 1) * sizeof *acc);
        s->age_retries++;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    if (s->has_ages) {
        s->age_tick_ns = ages.tick_ns;
        s->age_origin_unix_ns = ages.origin_unix_ns;
        s->age_tick = ages.tick;
        memcpy(s->age_span, ages.span, sizeof s->age_span);
    }
    for (uint32_t i = 0; i < used; i += ROW_CHUNK) {
        uint32_t n = used - i < ROW_CHUNK ? used - i : ROW_CHUNK;
        if (ht_pread_full(fd, chunk, (size_t)n * sizeof chunk[0],
                    h->rows_offset + (uint64_t)i * h->row_size) != 0) {
            free(sum);
            free(acc);
            return "truncated";
        }
        for (uint32_t k = 0; k < n; k++)
            take_row(s, &chunk[k], i + k, &sum[i + k], s->has_ages ? &acc[i + k] : NULL);
    }
    free(sum);
    free(acc);
    return NULL;
}

static int by_seq(const void *a, const void *b)
{
    const struct segread_report *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The fields the snapshot takes from the segment as they are (X-lists of
 * field names, each used as X(field) by one take_ function); the others are
 * checked or converted where they are taken. */
#define HEADER_AS_IS(X)                                                                   \
    X(pid) X(ppid) X(exit_code) X(start_ticks) X(start_unix_ns) X(exit_unix_ns) X(flags) \
    X(flags_at_start) X(segment_size) X(tree_ticks) X(keep_cap_mb) X(cap_removed_total)  \
    X(row_capacity) X(untracked_frees) X(untracked_reallocs) X(stacks_dropped)
#define REPORT_AS_IS(X) \
    X(seq) X(kind) X(op) X(addr) X(size) X(site) X(detail) X(time_unix_ns) X(stack)
#define STACK_AS_IS(X) X(row) X(depth) X(allocs) X(frees) X(bytes_alloc) X(bytes_freed)

/* An entry read the same twice, numbered for its slot, and of known kind. */
static int take_report(struct segread_snap *s, const struct ht_report *e,
                       const struct ht_report *again, uint32_t slot, uint32_t cap, uint64_t total)
{
    if (memcmp(e, again, sizeof *e) != 0 || e->seq == 0)
        return 0; /* being written: skipped */
    if (e->seq > total || (e->seq - 1) % cap != slot || e->kind >= HT_CORRUPT_KINDS ||
        e->op > HT_REPORT_OP_EVICT) {
        s->repairs++;
        return 0;
    }
    struct segread_report *o = &s->reports[s->n_reports++];
#define TAKE(field) o->field = e->field;
    REPORT_AS_IS(TAKE)
#undef TAKE
    s->repairs += (uint32_t)copy_str(o->tag, sizeof o->tag, e->tag, sizeof e->tag);
    return 1;
}

/* The report ring, read twice: an entry a writer touched in between differs
 * and is left out; the count is read after both. */
static const char *read_reports(int fd, const struct ht_seg_header *h, struct segread_snap *s)
{
    uint32_t cap = h->report_capacity;
    size_t len = (size_t)cap * sizeof(struct ht_report);
    if (cap == 0)
        return NULL;
    struct ht_report *a = malloc(len), *b = malloc(len);
    s->reports = calloc(cap, sizeof *s->reports);
    const char *why = NULL;
    if (!a || !b || !s->reports)
        why = "out of memory";
    else if (ht_pread_full(fd, a, len, h->reports_offset) != 0 ||
             ht_pread_full(fd, b, len, h->reports_offset) != 0 ||
             ht_pread_full(fd, &s->reports_total, sizeof s->reports_total,
                     offsetof(struct ht_seg_header, reports_seq)) != 0)
        why = "truncated";
    for (uint32_t i = 0; !why && i < cap; i++)
        take_report(s, &a[i], &b[i], i, cap, s->reports_total);
    free(a);
    free(b);
    if (!why)
        qsort(s->reports, s->n_reports, sizeof *s->reports, by_seq);
    return why;
}

/* live: the pid still runs and is the process that wrote the segment. A
 * process still starting counts as live, so gc never removes it. When /proc
 * will not say (hidepid), assume live: wrongly keeping a file is harmless. */
static enum segread_state process_state(const struct ht_seg_header *h)
{
    uint64_t ticks;
    if (h->state == HT_SEG_EXITED)
        return SEGREAD_EXITED;
    /* Another PID namespace: its pids are not ours to look up in /proc.
     * Assumed live, so nothing removes it. */
    if (segread_other_pidns(h->pid_ns))
        return SEGREAD_LIVE;
    int rc = procstat_start_ticks(h->pid, &ticks);
    if (rc == -ENOENT)
        return SEGREAD_DEAD;
    if (rc != 0)
        return SEGREAD_LIVE;
    return ticks == h->start_ticks ? SEGREAD_LIVE : SEGREAD_DEAD;
}

static void take_header(struct segread_snap *s, const struct ht_seg_header *h)
{
#define TAKE(field) s->field = h->field;
    HEADER_AS_IS(TAKE)
#undef TAKE
    s->repairs += (uint32_t)copy_str(s->exe, sizeof s->exe, h->exe, sizeof h->exe);
    s->repairs += (uint32_t)copy_str(s->cmdline, sizeof s->cmdline, h->cmdline, sizeof h->cmdline);
    s->compact = h->layout == HT_SEG_COMPACT;
    s->tree_pid = h->tree_pid > 0 ? h->tree_pid : 0;
    s->n_cap_removed = 0;
    for (uint32_t i = 0; i < HT_CAP_REMOVED && i < h->cap_removed_total; i++)
        if (h->cap_removed[i].pid > 0)
            s->cap_removed[s->n_cap_removed++] = h->cap_removed[i];
    memcpy(s->corruptions, h->corruptions, sizeof s->corruptions);
    s->pidns = h->pid_ns;
    s->other_pidns = segread_other_pidns(h->pid_ns);
    s->passive = h->mode == HT_SEG_PASSIVE;
    s->passive_reason = s->passive && h->passive_reason <= HT_PASSIVE_LOADED_BEFORE
                            ? h->passive_reason : HT_PASSIVE_NOT;
    s->state = process_state(h);
}

/* Is the file's owner the owner of the running process the header claims?
 * Sets s->proc_uid. Returns 1 when trusted (see segread_open in reader.h). */
static int owner_trusted(struct segread_snap *s, const struct ht_seg_header *h)
{
    uint64_t before, after;
    uid_t uids[4];
    s->proc_uid = (uid_t)-1;
    /* another PID namespace's pid is not ours to look up: as when /proc
     * will not say */
    if (segread_other_pidns(h->pid_ns))
        return s->uid == 0 || s->uid == geteuid();
    int rc = procstat_start_ticks(h->pid, &before);
    if (rc == -ENOENT || (rc == 0 && before != h->start_ticks))
        return 1; /* its process is gone: the segment is history, never written */
    if (rc == 0)
        rc = procstat_uids(h->pid, uids);
    if (rc == -ENOENT)
        return 1; /* exited while we looked: gone as above */
    if (rc != 0)
        return s->uid == 0 || s->uid == geteuid(); /* /proc will not say (hidepid) */
    if (procstat_start_ticks(h->pid, &after) != 0 || after != before)
        return 1; /* exited while we looked: gone as above */
    s->proc_uid = uids[1];
    if (s->uid == 0)
        return 1; /* only root can own a file as root */
    for (int i = 0; i < 4; i++)
        if (uids[i] == s->uid)
            return 1;
    return 0;
}

static const char *read_fd(int fd, struct segread_snap *s, pid_t pid, int *forged)
{
    struct stat st;
    struct ht_seg_header h;
    const char *why;

    if (fstat(fd, &st) != 0)
        return "cannot stat";
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->uid = st.st_uid;
    s->disk_bytes = (uint64_t)st.st_blocks * 512;
    if ((uint64_t)st.st_size < sizeof h || ht_pread_full(fd, &h, sizeof h, 0) != 0)
        return "truncated";
    if ((why = check_header(&h, (uint64_t)st.st_size, pid)) != NULL)
        return why;
    take_header(s, &h);
    if (!owner_trusted(s, &h)) {
        *forged = 1;
        return "forged: the file's owner does not own the process it names";
    }
    if ((why = read_modules(fd, &h, s)) != NULL)
        return why;
    if ((why = read_reports(fd, &h, s)) != NULL)
        return why;
    return read_rows(fd, &h, s);
}

int segread_open(const char *dir, const char *name, struct segread_snap *snap,
                 const char **why)
{
    pid_t pid;
    unsigned seq;
    uint64_t ns;

    memset(snap, 0, sizeof *snap);
    if (strlen(name) >= sizeof snap->name ||
        (size_t)snprintf(snap->path, sizeof snap->path, "%s/%s", dir, name) >= sizeof snap->path) {
        *why = "path too long";
        return SEGREAD_NOACCESS;
    }
    strcpy(snap->name, name);
    if (segread_parse_name_ns(name, &ns, &pid, &seq) != 0) {
        *why = "not a segment name";
        return SEGREAD_DAMAGED;
    }
    int fd = open(snap->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP) {
            *why = "not a regular file";
            return SEGREAD_DAMAGED;
        }
        *why = strerror(errno);
        return SEGREAD_NOACCESS;
    }
    int forged = 0;
    const char *bad = read_fd(fd, snap, pid, &forged);
    close(fd);
    if (!bad && ns && snap->pidns != ns)
        bad = "PID namespace does not match file name";
    if (bad) {
        segread_close(snap);
        *why = bad;
        return forged ? SEGREAD_FORGED : SEGREAD_DAMAGED;
    }
    return SEGREAD_OK;
}

int segread_peek(const char *dir, const char *name, enum segread_state *state,
                 uint64_t *exit_unix_ns)
{
    char path[PATH_MAX];
    pid_t pid;
    unsigned seq;
    struct stat st;
    struct ht_seg_header h;
    if (segread_parse_name(name, &pid, &seq) != 0)
        return SEGREAD_DAMAGED;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return SEGREAD_NOACCESS;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? SEGREAD_DAMAGED : SEGREAD_NOACCESS;
    int rc = SEGREAD_DAMAGED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= sizeof h &&
        ht_pread_full(fd, &h, sizeof h, 0) == 0 && !check_header(&h, (uint64_t)st.st_size, pid)) {
        *state = process_state(&h);
        *exit_unix_ns = *state == SEGREAD_EXITED ? h.exit_unix_ns : 0;
        rc = SEGREAD_OK;
    }
    close(fd);
    return rc;
}

void segread_close(struct segread_snap *snap)
{
    free(snap->modules);
    free(snap->rows);
    free(snap->reports);
    snap->modules = NULL;
    snap->rows = NULL;
    snap->reports = NULL;
    snap->n_modules = snap->n_rows = snap->n_reports = 0;
}

uint64_t segread_live_total(const struct segread_snap *snap)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < snap->n_rows; i++)
        sum = sat_add(sum, snap->rows[i].live);
    return sum;
}

uint64_t segread_corrupt_total(const struct segread_snap *snap)
{
    uint64_t sum = 0;
    for (int k = 0; k < HT_CORRUPT_KINDS; k++)
        sum = sat_add(sum, snap->corruptions[k]);
    return sum;
}

const char *segread_passive_why(uint32_t reason)
{
    switch (reason) {
    case HT_PASSIVE_EXECUTABLE:
        return "the program defines malloc itself; it cannot be counted";
    case HT_PASSIVE_LOADED_BEFORE:
        return "an allocator was loaded before libheaptag.so; put libheaptag.so first in "
               "LD_PRELOAD";
    default:
        return "the program's malloc is not the shim's";
    }
}

const char *segread_state_name(enum segread_state state)
{
    switch (state) {
    case SEGREAD_LIVE: return "live";
    case SEGREAD_EXITED: return "exited";
    case SEGREAD_DEAD: return "dead";
    }
    return "?";
}

#define STACK_CHUNK_BYTES (1u << 20)

static int take_stack(const struct ht_stack *e, uint32_t index, uint32_t table_depth,
                      struct segread_stack *o)
{
    if (e->state != HT_ROW_READY || e->depth == 0 || e->depth > table_depth)
        return 0;
    memset(o, 0, sizeof *o);
    o->index = index;
#define TAKE(field) o->field = e->field;
    STACK_AS_IS(TAKE)
#undef TAKE
    o->live = o->bytes_alloc > o->bytes_freed ? o->bytes_alloc - o->bytes_freed : 0;
    memcpy(o->frames, e->frames, e->depth * sizeof e->frames[0]);
    return 1;
}

static const char *read_stacks(int fd, const struct ht_seg_header *h, struct segread_stack **out,
                               size_t *n)
{
    uint32_t cap = h->stack_capacity, esize = h->stack_size;
    uint32_t per = STACK_CHUNK_BYTES / esize ? STACK_CHUNK_BYTES / esize : 1;
    uint32_t used = h->stacks_used < cap ? h->stacks_used : cap;
    char *chunk = malloc((size_t)per * esize);
    struct segread_stack *v = calloc(used ? used : 1, sizeof *v);
    size_t k = 0;
    if (!chunk || !v) {
        free(chunk);
        free(v);
        return "out of memory";
    }
    for (uint32_t i = 0; i < cap; i += per) {
        uint32_t m = cap - i < per ? cap - i : per;
        if (ht_pread_full(fd, chunk, (size_t)m * esize,
                          h->stacks_offset + (uint64_t)i * esize) != 0) {
            free(chunk);
            free(v);
            return "truncated";
        }
        for (uint32_t j = 0; j < m; j++) {
            if (k == used) { /* more READY entries than the header said: grow */
                size_t grow = used ? (size_t)used * 2 : 64;
                struct segread_stack *nv = realloc(v, grow * sizeof *v);
                if (!nv) {
                    free(chunk);
                    free(v);
                    return "out of memory";
                }
                v = nv;
                used = (uint32_t)(grow < cap ? grow : cap);
            }
            k += (size_t)take_stack((const struct ht_stack *)(chunk + (size_t)j * esize), i + j,
                                    h->stack_depth, &v[k]);
        }
    }
    free(chunk);
    *out = v;
    *n = k;
    return NULL;
}

int segread_stacks(const struct segread_snap *snap, struct segread_stack **out, size_t *n,
                   const char **why)
{
    struct ht_seg_header h;
    struct stat st;
    *out = NULL;
    *n = 0;
    int fd = open(snap->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    *why = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        *why = "not a regular file";
    else if ((uint64_t)st.st_size < sizeof h || ht_pread_full(fd, &h, sizeof h, 0) != 0)
        *why = "truncated";
    else if ((*why = check_header(&h, (uint64_t)st.st_size, snap->pid)) != NULL)
        ;
    else if (st.st_ino != snap->ino || h.start_ticks != snap->start_ticks)
        *why = "segment replaced since it was read";
    else if (h.stack_capacity > 0)
        *why = read_stacks(fd, &h, out, n);
    close(fd);
    return *why ? -1 : 0;
}
