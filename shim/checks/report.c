/* SPDX-License-Identifier: MIT
 * report.c - writing heap check reports. Called from inside free and malloc of
 * a program whose heap is already damaged: only stack memory, raw write(2),
 * and reads of the segment's module table that are bounded by its header.
 */
#include "checks/report.h"

#include <stdlib.h>
#include <string.h>

#include "heaptag_segment.h"
#include "callers/modules.h"
#include "base/state.h"
#include "ht_atomic.h"

static int report_abort;

void ht_report_set_abort(int on) { report_abort = on; }

void ht_msg_str(struct ht_msg *m, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof m->buf - 1 - m->len)
        n = sizeof m->buf - 1 - m->len;
    memcpy(m->buf + m->len, s, n);
    m->len += n;
    m->buf[m->len] = '\0';
}

void ht_msg_u64(struct ht_msg *m, uint64_t v)
{
    char tmp[24];
    ht_fmt_u64(tmp, v);
    ht_msg_str(m, tmp);
}

void ht_msg_hex(struct ht_msg *m, uint64_t v)
{
    char tmp[19] = "0x";
    int n = 0;
    char digits[16];
    do {
        digits[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    for (int i = 0; i < n; i++)
        tmp[2 + i] = digits[n - 1 - i];
    tmp[2 + n] = '\0';
    ht_msg_str(m, tmp);
}

/* " (name+0xoff)" for a site inside a module the segment knows. */
static void msg_module(struct ht_msg *m, uint64_t site)
{
    int i = ht_state.seg ? ht_modules_find(ht_state.seg, site) : -1;
    if (i < 0)
        return;
    const struct ht_seg_header *h = ht_state.seg;
    const struct ht_module *t = (const struct ht_module *)((const char *)h + h->modules_offset) + i;
    char path[HT_PATH_MAX];
    memcpy(path, t->path, sizeof path);
    path[sizeof path - 1] = '\0';
    const char *base = strrchr(path, '/');
    ht_msg_str(m, " (");
    ht_msg_str(m, base ? base + 1 : path);
    ht_msg_str(m, "+");
    ht_msg_hex(m, site - t->bias);
    ht_msg_str(m, ")");
}

void ht_msg_origin(struct ht_msg *m, const uint64_t tag[2], uint64_t site)
{
    char t[HT_TAG_MAX + 1];
    memcpy(t, tag, HT_TAG_MAX);
    t[HT_TAG_MAX] = '\0';
    for (char *c = t; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    ht_msg_str(m, "tag ");
    ht_msg_str(m, t[0] ? t : "(none)");
    ht_msg_str(m, ", allocated at ");
    ht_msg_hex(m, site);
    msg_module(m, site);
}

/* The next entry of the segment's report ring, written as its seq field
 * says (heaptag_segment.h): 0 first, the fields, then the number, released. */
static void ring_put(struct ht_seg_header *h, const struct ht_report_info *info)
{
    if (h->report_capacity == 0 || h->report_size != sizeof(struct ht_report))
        return;
    uint64_t n = ht_add_fetch_relaxed(&h->reports_seq, 1);
    struct ht_report *e =
        (struct ht_report *)((char *)h + h->reports_offset) + (n - 1) % h->report_capacity;
    /* an exchange with acquire: the fields below cannot be seen before the 0 */
    (void)ht_exchange_acquire(&e->seq, 0);
    e->kind = info->kind;
    e->op = info->op;
    e->addr = info->addr;
    e->size = info->size;
    e->site = info->site;
    e->detail = info->detail;
    e->time_unix_ns = ht_now_unix_ns();
    memcpy(e->tag, info->tag, HT_TAG_MAX);
    e->tag[HT_TAG_MAX - 1] = '\0';
    e->stack = info->stack;
    ht_store_release(&e->seq, n);
}

void ht_report(struct ht_msg *m, const struct ht_report_info *info)
{
    ht_write_err("heaptag: ", 9);
    ht_write_err(m->buf, m->len);
    ht_write_err("\n", 1);
    if (ht_state.seg && info->kind < HT_CORRUPT_KINDS) {
        ht_fetch_add_relaxed(&ht_state.seg->corruptions[info->kind], 1);
        ring_put(ht_state.seg, info);
    }
    if (report_abort) {
        ht_write_err("heaptag: HEAPTAG_ABORT set: aborting\n", 37);
        abort();
    }
}
