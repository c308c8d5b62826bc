/* SPDX-License-Identifier: MIT
 * sym/site_name.c - turns a call-site address into "module+0xoffset" using the
 * module table of the snapshot. Offsets are from the module's base, so the
 * same site reads the same in every run despite ASLR.
 */
#include "sym/site_name.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int holds(const struct segread_module *m, uint64_t addr)
{
    return m->size > 0 && addr >= m->base && addr - m->base < m->size;
}

const struct segread_module *site_module(const struct segread_snap *snap, uint64_t addr)
{
    const struct segread_module *unloaded = NULL;
    for (size_t i = 0; i < snap->n_modules; i++) {
        const struct segread_module *m = &snap->modules[i];
        if (m->state == 1 && holds(m, addr))
            return m;
        if (m->state == 2 && !unloaded && holds(m, addr))
            unloaded = m;
    }
    return unloaded;
}

const struct segread_module *site_module_near(const struct segread_snap *snap, uint64_t addr,
                                              uint32_t hint)
{
    if (hint < snap->n_modules && holds(&snap->modules[hint], addr))
        return &snap->modules[hint];
    return site_module(snap, addr);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

const char *site_module_name(const struct segread_snap *snap, const struct segread_module *m)
{
    const char *name = base_name(m->path);
    if (*name)
        return name;
    name = base_name(snap->exe);
    return *name ? name : "?";
}

void site_format(char *buf, size_t n, const struct segread_snap *snap, uint64_t addr)
{
    site_format_near(buf, n, snap, addr, SEGREAD_NO_MODULE);
}

void site_format_near(char *buf, size_t n, const struct segread_snap *snap, uint64_t addr,
                      uint32_t hint)
{
    const struct segread_module *m = site_module_near(snap, addr, hint);
    if (addr == 0)
        snprintf(buf, n, "-");
    else if (m)
        snprintf(buf, n, "%s+0x%" PRIx64, site_module_name(snap, m), addr - m->base);
    else
        snprintf(buf, n, "0x%" PRIx64, addr);
}

void site_format_full(char *buf, size_t n, const struct segread_snap *snap, uint64_t addr)
{
    const struct segread_module *m = site_module(snap, addr);
    if (addr == 0)
        snprintf(buf, n, "-");
    else if (m)
        snprintf(buf, n, "0x%" PRIx64 " %s+0x%" PRIx64, addr, site_module_name(snap, m),
                 addr - m->base);
    else
        snprintf(buf, n, "0x%" PRIx64, addr);
}

void site_row_label(char *buf, size_t n, const struct segread_snap *snap,
                    const struct segread_row *row)
{
    switch (row->kind) {
    case HT_KIND_TAG:
        snprintf(buf, n, "%s", row->tag[0] ? row->tag : "(untagged)");
        return;
    case HT_KIND_OVERFLOW:
        snprintf(buf, n, "(overflow)");
        return;
    case HT_KIND_MODULE:
        if (row->module != SEGREAD_NO_MODULE) {
            snprintf(buf, n, "%s", site_module_name(snap, &snap->modules[row->module]));
            return;
        }
        const struct segread_module *m = site_module(snap, row->site);
        if (m) {
            snprintf(buf, n, "%s", site_module_name(snap, m));
            return;
        }
        break;
    default:
        break;
    }
    site_format_near(buf, n, snap, row->site, site_row_hint(row));
}

const char *site_kind_name(uint32_t kind)
{
    switch (kind) {
    case HT_KIND_SITE: return "Site";
    case HT_KIND_TAG: return "Tag";
    case HT_KIND_MODULE: return "Mod";
    case HT_KIND_OVERFLOW: return "Ovfl";
    }
    return "?";
}
