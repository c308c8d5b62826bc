/* SPDX-License-Identifier: MIT
 * leaky.c - a service-like loop with one slow, real leak among honest habits:
 *   "Strg"  churn: strings built and freed every round;
 *   "Cach"  a cache that grows and is trimmed back now and then;
 *   "Sess"  sessions opened and closed, a steady population;
 *   leak_session_names() forgets one small buffer in every round: the leak.
 * Usage: leaky [SECONDS [ROUNDS_PER_SECOND]]   (default 20 s, 50 rounds/s)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heaptag.h"

#define CACHE_MAX 400
#define SESSIONS 64

static char *cache[CACHE_MAX];
static int cache_len;
static void *sessions[SESSIONS];

static void churn_strings(int round)
{
    HEAPTAG_SCOPE("Strg") {
        for (int i = 0; i < 20; i++) {
            char *s = malloc(32 + (size_t)((round + i) % 200));
            snprintf(s, 32, "round %d item %d", round, i);
            free(s);
        }
    }
}

static void fill_cache(int round)
{
    HEAPTAG_SCOPE("Cach") {
        for (int i = 0; i < 4 && cache_len < CACHE_MAX; i++)
            cache[cache_len++] = malloc(256);
    }
    if (round % 75 == 74) { /* trim back to a quarter */
        while (cache_len > CACHE_MAX / 4)
            free(cache[--cache_len]);
    }
}

static void rotate_sessions(int round)
{
    int slot = round % SESSIONS;
    free(sessions[slot]);
    sessions[slot] = heaptag_alloc("Sess", 512);
}

/* The bug: the name is copied for logging and never freed. */
static __attribute__((noinline)) void leak_session_names(int round)
{
    char *name = malloc(48);
    snprintf(name, 48, "session-%d", round);
    if (name[0] == '\0')
        puts(name);
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 20;
    int rate = argc > 2 ? atoi(argv[2]) : 50;
    if (seconds <= 0 || rate <= 0 || rate > 100000) {
        fprintf(stderr, "usage: leaky [SECONDS [ROUNDS_PER_SECOND]]\n");
        return 2;
    }
    struct timespec pause = { 0, 1000000000L / rate };
    for (int round = 0; round < seconds * rate; round++) {
        churn_strings(round);
        fill_cache(round);
        rotate_sessions(round);
        leak_session_names(round);
        nanosleep(&pause, NULL);
    }
    return 0;
}
