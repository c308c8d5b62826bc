/* SPDX-License-Identifier: MIT
 * segment.c - creating, filling and replacing /dev/shm/heaptag.<pidns>.<pid>.
 *
 * Created exclusively with mode 0600 and O_NOFOLLOW, sized for every table at
 * full capacity but with pages reserved (fallocate) only for what a program
 * uses at first: header, reports, buckets, modules, stacks, the first chunk of
 * rows and the shared counter sets; the rest grows (grow.c). Nothing is
 * touched before it is reserved, so a full /dev/shm means counting privately,
 * never a SIGBUS. A stale segment of our own (a dead process with
 * our pid in our PID namespace, or our image before exec) is replaced; a file
 * of anyone else's is never followed, written or removed - we take another name.
 * Runs at start, in a forked child and at exit: no stdio, no allocation.
 *
 * accounting/ - where counts go: the segment (created, grown as rows and
 * threads appear, compacted at exit, kept under the cap), the row table and
 * its per-thread cache (rows), the counter sets and slots, the ages. Uses
 * base/ and callers/ (to name a new row's site); knows nothing of core/.
 */
#include "accounting/segment.h"

#include "base/block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounting/compact.h"
#include "accounting/grow.h"
#include "accounting/keep_cap.h"
#include "callers/modules.h"
#include "accounting/ages.h"
#include "base/shm_reserve.h"
#include "callers/stacks.h"
#include "ht_atomic.h"
#include "base/next.h"

#define PAGE 4096u

/* Flags read as PENDING until ht_init() points them at the segment. */
static uint32_t pending_flags = HT_FLAG_INTERNAL_PENDING;
struct ht_state ht_state = { .flags = &pending_flags };

static uint64_t round_page(uint64_t v) { return (v + PAGE - 1) & ~(uint64_t)(PAGE - 1); }

static uint32_t pow2_at_least(uint32_t v)
{
    uint32_t p = 64;
    while (p < v)
        p <<= 1;
    return p;
}

/* Lays out the tables for cfg into h; returns the total size. */
static uint64_t plan_layout(struct ht_seg_header *h, const struct ht_config *cfg)
{
    uint64_t off = round_page(sizeof *h);
    /* before the rows: a fork's copy of everything up to them takes it along */
    h->report_size = sizeof(struct ht_report);
    h->report_capacity = HT_REPORTS;
    h->reports_offset = off;
    off = round_page(off + (uint64_t)h->report_capacity * h->report_size);
    h->bucket_capacity = pow2_at_least(cfg->rows * 2);
    h->buckets_offset = off;
    off = round_page(off + (uint64_t)h->bucket_capacity * sizeof(uint32_t));
    h->row_size = sizeof(struct ht_row);
    /* below 2^17: a counter offset leaves the header's stamp bits free
     * (core/block.h), and an uncounted block's never passes for one */
    h->row_capacity = cfg->rows < HT_ROWS_LIMIT ? cfg->rows : HT_ROWS_LIMIT - 1;
    h->rows_offset = off;
    off = round_page(off + (uint64_t)h->row_capacity * h->row_size);
    /* counter sets: HT_DEFAULT_SLOTS per-thread slots, then HT_SHARDS shared
     * shards, each a table of row_capacity counters on pages of its own,
     * reserved only once open (sets_open) */
    h->counter_slots = HT_DEFAULT_SLOTS;
    h->counter_sets = HT_DEFAULT_SLOTS + HT_SHARDS;
    h->counter_stride = round_page((uint64_t)h->row_capacity * sizeof(struct ht_counters));
    h->counters_offset = off;
    off += (uint64_t)h->counter_sets * h->counter_stride;
    h->module_size = sizeof(struct ht_module);
    h->module_capacity = HT_DEFAULT_MODULES;
    h->modules_offset = off;
    off = round_page(off + (uint64_t)h->module_capacity * h->module_size);
    h->stack_depth = cfg->stack_depth;
    h->stack_size = (uint32_t)(sizeof(struct ht_stack) + cfg->stack_depth * sizeof(uint64_t));
    h->stack_capacity = cfg->stack_capacity;
    h->stacks_offset = off;
    off = round_page(off + (uint64_t)h->stack_capacity * h->stack_size);
    /* ages (accounting/ages.c): a region of their own, after everything */
    h->ages_size = sizeof(struct ht_ages);
    h->age_row_size = sizeof(struct ht_age_row);
    h->ages_offset = off;
    off = round_page(off + h->ages_size + (uint64_t)h->row_capacity * h->age_row_size);
    /* what is reserved at first: one chunk of rows, the shared sets */
    h->layout = HT_SEG_GROWING;
    h->rows_reserved = ht_grow_chunk_up(h, 1);
    h->rows_target = h->rows_reserved;
    h->sets_open = ((1ull << HT_SHARDS) - 1) << h->counter_slots;
    return off;
}

/* The process tree whose kept segments share one cap: heaptag run names it
 * in HEAPTAG_TREE ("<pid>.<start ticks>" of its own process); without it the
 * tree starts here. A forked child keeps its parent's. */
static int32_t tree_pid;
static uint64_t tree_ticks;

static void tree_from_env(void)
{
    const char *s = getenv("HEAPTAG_TREE");
    uint64_t pid = 0, ticks = 0;
    if (s && *s >= '1' && *s <= '9') {
        while (*s >= '0' && *s <= '9' && pid <= HT_PID_MAX_LIMIT)
            pid = pid * 10 + (uint64_t)(*s++ - '0');
        if (*s++ == '.' && *s >= '0' && *s <= '9') {
            while (*s >= '0' && *s <= '9' && ticks < (UINT64_MAX - 9) / 10)
                ticks = ticks * 10 + (uint64_t)(*s++ - '0');
            if (*s == '\0' && pid <= HT_PID_MAX_LIMIT) {
                tree_pid = (int32_t)pid;
                tree_ticks = ticks;
                return;
            }
        }
    }
    tree_pid = 0; /* filled from the segment's own identity */
}

/* Removals by the keep cap at start, written into the segment once made. */
static struct ht_cap_removed start_removed[HT_CAP_REMOVED];
static uint32_t start_removed_n;

/* n removals, the latest HT_CAP_REMOVED of them in r (removal i at
 * r[i % HT_CAP_REMOVED]). */
static void note_removals(struct ht_seg_header *h, const struct ht_cap_removed *r, uint32_t n)
{
    uint32_t first = n > HT_CAP_REMOVED ? n - HT_CAP_REMOVED : 0;
    h->cap_removed_total += first;
    for (uint32_t i = first; i < n; i++)
        h->cap_removed[h->cap_removed_total++ % HT_CAP_REMOVED] = r[i % HT_CAP_REMOVED];
}

/* The inode of our PID namespace, 0 when /proc will not say. Read again in
 * a forked child: fork keeps the namespace, but unshare -p before it does not. */
static uint64_t pid_ns(void)
{
    struct stat st;
    return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Field 22 of /proc/self/stat: start time in clock ticks since boot. */
static uint64_t read_start_ticks(void)
{
    char buf[1024];
    if (ht_read_file("/proc/self/stat", buf, sizeof buf) <= 0)
        return 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    int field = 2;
    for (; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    return v;
}

static void fill_identity(struct ht_seg_header *h)
{
    h->pid = (int32_t)getpid();
    h->pid_ns = pid_ns();
    h->ppid = (int32_t)getppid();
    h->start_ticks = read_start_ticks();
    h->start_unix_ns = ht_now_unix_ns();
    ssize_t n = readlink("/proc/self/exe", h->exe, sizeof h->exe - 1);
    h->exe[n > 0 ? n : 0] = '\0';
    long len = ht_read_file("/proc/self/cmdline", h->cmdline, sizeof h->cmdline);
    for (long i = 0; i + 1 < len; i++)
        if (h->cmdline[i] == '\0')
            h->cmdline[i] = ' ';
}

/* Makes the path /dev/shm/heaptag.<pidns>.<pid>[.<n>] in dst. */
static void make_path(char *dst, uint64_t ns, int pid, unsigned n)
{
    char *p = dst;
    memcpy(p, HT_SHM_DIR "/" HT_SEG_PREFIX, sizeof(HT_SHM_DIR "/" HT_SEG_PREFIX) - 1);
    p += sizeof(HT_SHM_DIR "/" HT_SEG_PREFIX) - 1;
    if (ns > HT_PID_MAX_LIMIT) {
        p = ht_fmt_u64(p, ns);
        *p++ = '.';
    }
    p = ht_fmt_u64(p, (uint64_t)pid);
    if (n) {
        *p++ = '.';
        ht_fmt_u64(p, n);
    }
}

/* A file already there: remove it only if it is a regular file of ours.
 * Its name holds our PID namespace and pid, so its writer was this process
 * before exec or is dead (a pid is unique in its namespace, a namespace's
 * inode among live namespaces). Without the namespace in the name, a file of
 * ours with our pid may be another namespace's: never touch it. */
static int remove_stale(const char *path, uint64_t ns)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || ns <= HT_PID_MAX_LIMIT)
        return -1;
    return unlink(path);
}

/* What a new segment laid out as h reserves: everything but the rows, the
 * counter sets and the stack table (its pages are reserved as stacks land
 * on them, callers/stacks.c), then rows [0, h->rows_reserved) in the rows
 * table and in every set of h->sets_open. */
static int reserve_start(int fd, const struct ht_seg_header *h, uint64_t size)
{
    uint64_t stacks_end = h->stacks_offset + (uint64_t)h->stack_capacity * h->stack_size;
    stacks_end = (stacks_end + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    uint64_t end = h->ages_offset ? h->ages_offset : size;
    if (ht_shm_fallocate(fd, 0, h->rows_offset) != 0 ||
        ht_shm_fallocate(fd, h->rows_offset, (uint64_t)h->rows_reserved * h->row_size) != 0 ||
        ht_shm_fallocate(fd, h->modules_offset, h->stacks_offset - h->modules_offset) != 0 ||
        (end > stacks_end && ht_shm_fallocate(fd, stacks_end, end - stacks_end) != 0))
        return -1;
    /* the ages' header and the bins of the rows reserved (they grow with them) */
    if (h->ages_offset &&
        ht_shm_fallocate(fd, h->ages_offset,
                         h->ages_size + (uint64_t)h->rows_reserved * h->age_row_size) != 0)
        return -1;
    for (uint32_t k = 0; k < h->counter_sets && k < HT_SETS_MAX; k++)
        if (h->sets_open >> k & 1 &&
            ht_shm_fallocate(fd, h->counters_offset + (uint64_t)k * h->counter_stride,
                             (uint64_t)h->rows_reserved * sizeof(struct ht_counters)) != 0)
            return -1;
    return 0;
}

/* Opens a fresh segment file of size bytes laid out as plan, its first pages
 * reserved; fills ht_state.path. -1 when /dev/shm cannot hold it (or cannot
 * be used at all). */
static int create_errno; /* why create_file() last failed */

static int create_file(uint64_t size, const struct ht_seg_header *plan)
{
    int pid = (int)getpid();
    create_errno = 0;
    uint64_t ns = pid_ns();
    for (unsigned n = 0; n < 8; n++) {
        make_path(ht_state.path, ns, pid, n);
        for (int attempt = 0; attempt < 2; attempt++) {
            int fd = open(ht_state.path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd >= 0) {
                if (ftruncate(fd, (off_t)size) == 0 && reserve_start(fd, plan, size) == 0)
                    return fd;
                create_errno = errno;
                close(fd);
                unlink(ht_state.path);
                ht_state.path[0] = '\0';
                return -1;
            }
            create_errno = errno;
            if (errno != EEXIST || remove_stale(ht_state.path, ns) != 0)
                break;
        }
    }
    ht_state.path[0] = '\0';
    return -1;
}

/* Says once per process tree that nobody can see this process's counts. */
static int private_said;

static void *map_segment(uint64_t size, const struct ht_seg_header *plan, int *shared)
{
    int fd = create_file(size, plan);
    void *m = MAP_FAILED;
    if (fd >= 0) {
        m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (m == MAP_FAILED)
            unlink(ht_state.path);
    }
    *shared = m != MAP_FAILED;
    if (m == MAP_FAILED) {
        ht_state.path[0] = '\0';
        m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED && !private_said) {
            private_said = 1;
            ht_warn(create_errno != ENOSPC
                        ? "cannot create a segment in " HT_SHM_DIR
                          "; counting privately (heaptag ls lists this process as private)"
                        : HT_SHM_DIR " full, counting privately "
                          "(heaptag ls lists this process as private)");
        }
    }
    return m == MAP_FAILED ? NULL : m;
}

static void point_state_at(struct ht_seg_header *h, uint64_t size, int shared)
{
    ht_state.seg = h;
    ht_state.map_size = size;
    ht_state.shared = shared;
    ht_state.buckets = (uint32_t *)((char *)h + h->buckets_offset);
    ht_state.rows = (struct ht_row *)((char *)h + h->rows_offset);
    ht_state.counters = (struct ht_counters *)((char *)h + h->counters_offset);
    ht_state.counter_stride = h->counter_stride / sizeof(struct ht_counters);
    ht_state.counter_slots = h->counter_slots;
    ht_state.off_limit = h->row_capacity * (uint32_t)sizeof(struct ht_counters);
    /* rows moved (a fork child's fresh segment): no cached row may stand */
    ht_epoch_bump();
    ht_ages_point(h);
    ht_store_release(&ht_state.flags, &h->flags);
}

/* Creates, maps and fills a segment laid out for cfg; NULL when even private
 * memory cannot be had. */
static struct ht_seg_header *make_segment(const struct ht_config *cfg, uint32_t mode,
                                          uint64_t *size_out, int *shared)
{
    struct ht_seg_header plan;
    memset(&plan, 0, sizeof plan);
    uint64_t size = plan_layout(&plan, cfg);
    struct ht_seg_header *h = map_segment(size, &plan, shared);
    if (!h)
        return NULL;

    memcpy(h, &plan, sizeof plan);
    h->version = HT_SEG_VERSION;
    h->header_size = sizeof *h;
    h->segment_size = size;
    h->flags = mode == HT_SEG_PASSIVE ? 0 : cfg->flags;
    h->flags_at_start = h->flags;
    h->keep = (uint32_t)cfg->keep;
    h->mode = mode;
    h->exit_code = -1;
    h->keep_cap_mb = cfg->keep_max_mb;
    fill_identity(h);
    if (!tree_pid) {
        tree_pid = h->pid;
        tree_ticks = h->start_ticks;
    }
    h->tree_pid = tree_pid;
    h->tree_ticks = tree_ticks;
    note_removals(h, start_removed, start_removed_n);
    *size_out = size;
    return h;
}

/* The smallest segment: header and empty tables, for a passive process. */
static void passive_config(struct ht_config *c, const struct ht_config *cfg)
{
    memset(c, 0, sizeof *c);
    c->rows = 64;
    c->stack_depth = 1;
    c->keep = cfg->keep;
}

static int passive_keep;

/* The shim is passive (next.h): a segment that says so, so `heaptag ls` can
 * tell this process from one counting privately; flags stay PENDING so every
 * allocation keeps going straight to the next allocator. */
static int start_passive(const struct ht_config *cfg)
{
    struct ht_config c;
    passive_config(&c, cfg);
    passive_keep = cfg->keep;
    uint64_t size;
    int shared;
    struct ht_seg_header *h = make_segment(&c, HT_SEG_PASSIVE, &size, &shared);
    if (!h)
        return -1;
    h->passive_reason = (uint32_t)ht_next_passive_reason;
    h->state = HT_SEG_LIVE;
    ht_store_release(&h->magic, HT_SEG_MAGIC);
    ht_state.seg = h;
    ht_state.map_size = size;
    ht_state.shared = shared;
    return 0;
}

int ht_segment_start(const struct ht_config *cfg)
{
    tree_from_env();
    if (cfg->keep && tree_pid)
        start_removed_n = ht_keep_cap(HT_SHM_DIR, (uint64_t)cfg->keep_max_mb << 20, tree_pid,
                                      tree_ticks, NULL, start_removed);
    if (ht_next_passive())
        return start_passive(cfg);
    uint64_t size;
    int shared;
    struct ht_seg_header *h = make_segment(cfg, HT_SEG_COUNTING, &size, &shared);
    if (!h)
        return -1;

    struct ht_row *overflow = (struct ht_row *)((char *)h + h->rows_offset);
    overflow->kind = HT_KIND_OVERFLOW;
    overflow->module = UINT32_MAX;
    memcpy(overflow->tag, "Overflow", sizeof "Overflow");
    overflow->state = HT_ROW_READY;
    h->rows_used = 1;

    ht_modules_scan(h);
    ht_ages_init(h);
    h->state = HT_SEG_LIVE;
    ht_store_release(&h->magic, HT_SEG_MAGIC); /* readers go by magic */
    point_state_at(h, size, shared);
    return 0;
}

/* Bytes of the old segment worth copying: everything up to the last used row,
 * the counters of the open sets, then the module and stack tables. With
 * merge, every open set of src is added into dst's first shared set instead
 * (a forked child has one thread: its parent's many sets become one). Only
 * open sets are read: a closed one is a hole that reading would fill. own:
 * dst becomes this process's segment (shared: a /dev/shm file), whose stack
 * table's pages are reserved as its entries are copied. */
static void copy_used(struct ht_seg_header *dst, const struct ht_seg_header *src, int merge,
                      int own, int shared)
{
    uint32_t rows_used = ht_load_relaxed(&src->rows_used);
    if (rows_used > src->row_capacity)
        rows_used = src->row_capacity;
    if (rows_used > src->rows_reserved)
        rows_used = src->rows_reserved;
    uint64_t open = ht_load_acquire(&src->sets_open);
    memcpy(dst, src, src->rows_offset);
    memcpy((char *)dst + src->rows_offset, (const char *)src + src->rows_offset,
           (size_t)rows_used * src->row_size);
    struct ht_counters *into =
        (struct ht_counters *)((char *)dst + src->counters_offset +
                               (uint64_t)src->counter_slots * src->counter_stride);
    for (uint32_t k = 0; k < src->counter_sets && k < HT_SETS_MAX; k++) {
        if (!(open >> k & 1))
            continue;
        const struct ht_counters *from =
            (const struct ht_counters *)((const char *)src + src->counters_offset +
                                         k * src->counter_stride);
        if (!merge) {
            memcpy((char *)dst + src->counters_offset + k * src->counter_stride, from,
                   (size_t)rows_used * sizeof(struct ht_counters));
            continue;
        }
        for (uint32_t r = 0; r < rows_used; r++) {
            into[r].allocs += from[r].allocs;
            into[r].frees += from[r].frees;
            into[r].bytes_alloc += from[r].bytes_alloc;
            into[r].bytes_freed += from[r].bytes_freed;
        }
    }
    memcpy((char *)dst + src->modules_offset, (const char *)src + src->modules_offset,
           (size_t)src->modules_used * src->module_size);
    ht_stacks_copy(dst, src, own, shared); /* entries sit anywhere in the hash table */
    if (src->ages_offset) { /* the blocks the child inherits keep their ages */
        memcpy((char *)dst + src->ages_offset, (const char *)src + src->ages_offset,
               src->ages_size + (size_t)rows_used * src->age_row_size);
        /* merged into a shared set, the slots' counts go to the bins of their
         * ticks, where a shared set's counts are */
        if (merge)
            ht_ages_fold_slots(src, (struct ht_age_row *)((char *)dst + src->ages_offset +
                                                          src->ages_size),
                               0, rows_used);
    }
}

/* The parent's counts at the moment of fork. Taken in the parent just before
 * the fork, because after it the parent goes on counting into the segment the
 * child still sees, and the child would inherit counts of blocks it never had. */
static struct ht_seg_header *fork_snapshot;

void ht_segment_fork_prepare(void)
{
    struct ht_seg_header *h = ht_state.seg;
    /* passive, or private (the child's copy of private memory is the snapshot) */
    if (!h || h->mode == HT_SEG_PASSIVE || !ht_state.shared)
        return;
    void *m = mmap(NULL, ht_state.map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return;
    copy_used(m, h, 0, 0, 0);
    fork_snapshot = m;
}

void ht_segment_fork_parent(void)
{
    if (fork_snapshot)
        munmap(fork_snapshot, ht_state.map_size);
    fork_snapshot = NULL;
}

void ht_segment_fork_child(void)
{
    struct ht_seg_header *old = ht_state.seg;
    struct ht_seg_header *snap = fork_snapshot;
    uint64_t size = ht_state.map_size;
    fork_snapshot = NULL;
    if (!old)
        return;
    if (old->mode == HT_SEG_PASSIVE) {
        struct ht_config c;
        memset(&c, 0, sizeof c);
        c.keep = passive_keep;
        if (start_passive(&c) != 0)
            ht_state.seg = NULL;
        munmap(old, size);
        return;
    }
    if (!ht_state.shared) {
        /* Private memory was copied by fork: counts from the parent's, as in
         * a shared child; nothing to say again. */
        fill_identity(old);
        old->exit_code = -1;
        old->exit_unix_ns = 0;
        return;
    }
    /* the child's segment reserves the rows its parent had, and two sets:
     * the first shared one, which takes every count inherited, and the slot
     * of the one thread there is */
    struct ht_seg_header plan;
    if (snap) {
        memcpy(&plan, snap, sizeof plan);
        plan.sets_open = ((1ull << HT_SHARDS) - 1) << snap->counter_slots;
        if (ht_self.slot_state == HT_SLOT_HELD && ht_self.slot < snap->counter_slots)
            plan.sets_open |= 1ull << ht_self.slot;
    }
    int shared;
    struct ht_seg_header *h = snap ? map_segment(size, &plan, &shared) : NULL;
    if (!h) {
        /* Keep the program going, but never count into the parent's segment. */
        ht_warn("fork: no segment for the child; counting off");
        static uint32_t off_flags;
        ht_store_release(&ht_state.flags, &off_flags);
        ht_state.off_limit = 0; /* nor free into it */
        if (snap)
            munmap(snap, size);
        return;
    }
    copy_used(h, snap, 1, 1, shared);
    munmap(snap, size);
    h->magic = 0;
    h->sets_open = plan.sets_open;
    h->cap_removed_total = 0;
    memset(h->cap_removed, 0, sizeof h->cap_removed);
    fill_identity(h);
    h->state = HT_SEG_LIVE;
    h->exit_code = -1;
    h->exit_unix_ns = 0;
    ht_store_release(&h->magic, HT_SEG_MAGIC);
    point_state_at(h, size, shared);
    munmap(old, size);
}

void ht_segment_exit(int status)
{
    struct ht_seg_header *h = ht_state.seg;
    if (!h || h->pid != (int32_t)getpid() || h->state == HT_SEG_EXITED)
        return;
    h->exit_code = status;
    h->exit_unix_ns = ht_now_unix_ns();
    if (!ht_state.shared || !ht_state.path[0]) {
        ht_store_release(&h->state, HT_SEG_EXITED);
        return;
    }
    if (!h->keep) {
        ht_store_release(&h->state, HT_SEG_EXITED);
        unlink(ht_state.path);
        return;
    }
    /* kept: rewritten to what it used, then the tree's kept segments capped */
    int fd = ht_compact(h, ht_state.path);
    ht_store_release(&h->state, HT_SEG_EXITED);
    struct ht_cap_removed r[HT_CAP_REMOVED];
    const char *own = strrchr(ht_state.path, '/') + 1;
    uint32_t n = ht_keep_cap(HT_SHM_DIR, (uint64_t)h->keep_cap_mb << 20, h->tree_pid,
                             h->tree_ticks, own, r);
    if (n && fd >= 0)
        ht_compact_note_removals(fd, h, r, n);
    if (fd >= 0)
        close(fd);
}
