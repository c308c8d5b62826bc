/* SPDX-License-Identifier: MIT
 * segment/ages.c - a row's live bytes by age, from a snapshot (ages.h).
 */
#include "segment/ages.h"

#include <time.h>

const char *const segage_class_name[SEGAGE_CLASSES] = { "10s", "1m", "10m", "1h", "1d",
                                                        "older" };
const uint64_t segage_class_from_s[SEGAGE_CLASSES] = { 0, 10, 60, 600, 3600, 86400 };

uint64_t segage_now_ns(const struct segread_snap *s)
{
    if (s->state != SEGREAD_LIVE && s->exit_unix_ns)
        return s->exit_unix_ns;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t segage_bin_age_ns(const struct segread_snap *s, uint32_t b, uint64_t now_ns)
{
    if (!s->has_ages || b >= HT_AGE_BINS || s->age_span[b].lo >= s->age_span[b].hi)
        return UINT64_MAX;
    /* the bin's youngest block was allocated before the end of its last tick */
    uint64_t tick = s->age_tick_ns, hi = s->age_span[b].hi;
    if (hi > (UINT64_MAX - s->age_origin_unix_ns) / tick)
        return 0;
    uint64_t end = s->age_origin_unix_ns + hi * tick;
    return now_ns > end ? now_ns - end : 0;
}

static int class_of(uint64_t age_ns)
{
    int c = 0;
    while (c + 1 < SEGAGE_CLASSES && age_ns / 1000000000ull >= segage_class_from_s[c + 1])
        c++;
    return c;
}

void segage_classes(const struct segread_snap *s, const struct segread_row *r, uint64_t now_ns,
                    int64_t bytes[SEGAGE_CLASSES], int64_t blocks[SEGAGE_CLASSES])
{
    for (int c = 0; c < SEGAGE_CLASSES; c++)
        bytes[c] = blocks[c] = 0;
    if (!s->has_ages)
        return;
    for (uint32_t b = 0; b < HT_AGE_BINS; b++) {
        uint64_t age = segage_bin_age_ns(s, b, now_ns);
        /* an empty bin holds nothing but may be read mid-move: youngest class */
        int c = age == UINT64_MAX ? 0 : class_of(age);
        bytes[c] += r->age_bytes[b];
        blocks[c] += r->age_blocks[b];
    }
}

void segage_old(const struct segread_snap *s, const struct segread_row *r, uint64_t now_ns,
                uint64_t secs, uint64_t *bytes, uint64_t *blocks, uint32_t *bins)
{
    int64_t sb = 0, sn = 0;
    uint32_t nb = 0;
    uint64_t min_ns = secs > UINT64_MAX / 1000000000ull ? UINT64_MAX : secs * 1000000000ull;
    for (uint32_t b = 0; s->has_ages && b < HT_AGE_BINS; b++) {
        uint64_t age = segage_bin_age_ns(s, b, now_ns);
        if (age == UINT64_MAX || age < min_ns)
            continue;
        sb += r->age_bytes[b];
        sn += r->age_blocks[b];
        nb += r->age_bytes[b] > 0;
    }
    uint64_t live_blocks = r->allocs > r->frees ? r->allocs - r->frees : 0;
    *bytes = sb < 0 ? 0 : (uint64_t)sb > r->live ? r->live : (uint64_t)sb;
    *blocks = sn < 0 ? 0 : (uint64_t)sn > live_blocks ? live_blocks : (uint64_t)sn;
    if (bins)
        *bins = nb;
}
