/* SPDX-License-Identifier: MIT
 * tsan_core.c - the shim's core under ThreadSanitizer: threads racing to
 * insert the same rows, counting in slots of their own and (more threads than
 * slots) on shared shards, freeing and reallocating
 * each other's blocks, entering and leaving tag scopes. A plain program (the
 * test framework's runner does not run under TSan): exits 0 when every count
 * is exact, 1 with a message otherwise; TSan itself fails it on a race.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "base/block.h"
#include "heaptag.h"
#include "accounting/slots.h"
#include "base/state.h"
#include "threads.h"

void heaptag_scope_enter(heaptag_scope_t *scope, const char *tag);
void heaptag_scope_leave(heaptag_scope_t *scope);

#define THREADS (HT_DEFAULT_SLOTS + 4) /* more threads than counter slots */
#define ITERS   20000
#define SITES   40
#define KEEP    200

static void *kept[THREADS][KEEP];
static pthread_barrier_t barrier;
static int failures;

static uint64_t site_of(int i) { return 0x10000 + (uint64_t)(i % SITES) * 16; }

static void *racer(void *arg)
{
    int id = (int)(intptr_t)arg;
    heaptag_scope_t scope;
    for (int i = 0; i < ITERS; i++) {
        int tagged = (i / 7) % 2;
        if (tagged)
            heaptag_scope_enter(&scope, "Race");
        char *p = ht_alloc(8 + (size_t)(i % 100), site_of(i));
        if (i % 3 == 0)
            p = ht_realloc(p, 8 + (size_t)(i % 100) * 2, site_of(i));
        if (i % (ITERS / KEEP) == 0)
            kept[id][i / (ITERS / KEEP)] = p;
        else
            ht_free(p);
        if (tagged)
            heaptag_scope_leave(&scope);
    }
    pthread_barrier_wait(&barrier);
    /* free the blocks the next thread kept: counts go to the allocating row */
    int other = (id + 1) % THREADS;
    for (int k = 0; k < KEEP; k++)
        ht_free(kept[other][k]);
    return NULL;
}

static void expect(const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        fprintf(stderr, "tsan_core: %s: %llu, want %llu\n", what, (unsigned long long)got,
                (unsigned long long)want);
        failures++;
    }
}

int main(void)
{
    ht_init();
    if (!ht_state.seg) {
        fprintf(stderr, "tsan_core: no segment\n");
        return 1;
    }
    pthread_barrier_init(&barrier, NULL, THREADS);
    if (run_threads(THREADS, racer) != 0) {
        fprintf(stderr, "tsan_core: threads did not start\n");
        return 1;
    }

    /* Each iteration is one alloc and one free, plus one of each for a realloc. */
    uint64_t per_thread = ITERS + (ITERS + 2) / 3;
    uint64_t allocs = 0, frees = 0, live = 0, race_allocs = 0;
    uint32_t used = ht_state.seg->rows_used, race_rows = 0;
    for (uint32_t r = 1; r < used; r++) {
        const struct ht_row *row = &ht_state.rows[r];
        if (row->state != HT_ROW_READY || row->site < 0x10000 || row->site >= 0x10000 + SITES * 16)
            continue;
        struct ht_counters c;
        ht_row_totals(r, &c);
        allocs += c.allocs;
        frees += c.frees;
        live += c.bytes_alloc - c.bytes_freed;
        if (!strcmp(row->tag, "Race"))
            race_allocs += c.allocs;
        race_rows += !strcmp(row->tag, "Race");
    }
    expect("allocs", allocs, THREADS * per_thread);
    expect("frees", frees, THREADS * per_thread);
    expect("live bytes", live, 0);
    expect("tagged rows (one per site, no duplicates)", race_rows, SITES);
    uint64_t tagged_iters = 0, tagged_reallocs = 0;
    for (int i = 0; i < ITERS; i++)
        if ((i / 7) % 2) {
            tagged_iters++;
            tagged_reallocs += i % 3 == 0;
        }
    expect("tagged allocs", race_allocs, THREADS * (tagged_iters + tagged_reallocs));
    if (!failures)
        printf("tsan_core: %d threads x %d iterations exact\n", THREADS, ITERS);
    return failures ? 1 : 0;
}
