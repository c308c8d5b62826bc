/* SPDX-License-Identifier: MIT
 * threads.c - four threads allocating under their own tags and one shared
 * tag; counters stay exact with no lock on the allocation path.
 * Try: heaptag run -- build/examples/threads; heaptag mon -p PID -n 1
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "heaptag.h"

static void *worker(void *arg)
{
    char tag[8];
    snprintf(tag, sizeof tag, "Wrk%d", (int)(intptr_t)arg);
    void *kept[50];
    HEAPTAG_SCOPE(tag) {
        for (int i = 0; i < 100000; i++)
            free(malloc((size_t)(16 + i % 1000)));
        for (int i = 0; i < 50; i++)
            kept[i] = malloc(100);
    }
    HEAPTAG_SCOPE("Shrd") {
        for (int i = 0; i < 50; i++)
            free(kept[i]), kept[i] = malloc(200);
    }
    return NULL; /* kept blocks stay live: 50 x 200 bytes per thread under Shrd */
}

int main(int argc, char **argv)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("done; pid %d\n", (int)getpid());
    if (argc > 1)
        sleep((unsigned)atoi(argv[1]));
    return 0;
}
