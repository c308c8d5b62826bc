/* SPDX-License-Identifier: MIT
 * fuzz_segment_reader.c - libFuzzer target: any bytes as a segment file in a
 * private directory, read by the tool's reader and rendered as table and CSV.
 * The file is named after the pid the bytes claim, so the reader gets past
 * the name check and into the tables. Must never crash or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heaptag_segment.h"
#include "mon/model.h"
#include "mon/view.h"
#include "mon/render.h"
#include "segment/reader.h"

static char dir[64];
static FILE *sink;

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/heaptag-fuzz.XXXXXX");
    if (!mkdtemp(dir))
        abort();
    sink = fopen("/dev/null", "w");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup();
    int32_t pid = 1;
    if (size >= offsetof(struct ht_seg_header, pid) + sizeof pid)
        memcpy(&pid, data + offsetof(struct ht_seg_header, pid), sizeof pid);
    if (pid <= 0)
        pid = 1;
    char name[64], path[160];
    snprintf(name, sizeof name, HT_SEG_PREFIX "%d", (int)pid);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    struct segread_snap snap;
    const char *why;
    if (segread_open(dir, name, &snap, &why) == SEGREAD_OK) {
        (void)segread_live_total(&snap);
        (void)segread_corrupt_total(&snap);
        segread_close(&snap);
        /* the same file through mon's model and every log renderer, its
         * sites named as logs name them (the module map is the fuzzer's) */
        pid_t pids[1] = { (pid_t)pid };
        struct mon_cfg cfg = { .dir = dir, .pids = pids, .n_pids = 1, .by = MON_BY_TAG,
                               .split = 1, .name_sites = 1 };
        struct mon_model m;
        mon_model_init(&m, &cfg);
        mon_model_refresh(&m);
        struct mon_view_cfg v;
        memset(&v, 0, sizeof v);
        v.sort = MON_SORT_BYTES;
        v.pid_first = 1;
        mon_model_view(&m, &v);
        mon_render(sink, &m, MON_FORMAT_TABLE, "ts", 0);
        mon_render(sink, &m, MON_FORMAT_CSV, "ts", 0);
        mon_render(sink, &m, MON_FORMAT_JSON, "ts", 0);
        mon_model_fini(&m);
    }
    struct segread_entry *v;
    size_t n;
    if (segread_list(dir, &v, &n) == 0)
        free(v);
    unlink(path);
    return 0;
}
