/* SPDX-License-Identifier: MIT
 * threads.h - n threads started on one function and all joined, for the
 * tests that race the shim's core against itself.
 */
#ifndef HT_TEST_THREADS_H
#define HT_TEST_THREADS_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* Runs fn on n threads, thread i given (void *)(intptr_t)i, and joins them
 * all. Returns 0, or -1 when a thread could not be started (those that
 * were are joined all the same). */
static inline int run_threads(int n, void *(*fn)(void *))
{
    pthread_t *t = calloc((size_t)n, sizeof *t);
    if (!t)
        return -1;
    int started = 0;
    while (started < n && pthread_create(&t[started], NULL, fn, (void *)(intptr_t)started) == 0)
        started++;
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    return started == n ? 0 : -1;
}

#endif
