/* SPDX-License-Identifier: MIT
 * linked_selfseg.c - a program linked against libheaptag.so (not preloaded),
 * so the shim runs in it even when it is setuid. Prints what its own segment
 * says about the settings the shim took: a setuid copy must show the
 * defaults whatever HEAPTAG_* the environment holds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "heaptag_segment.h"

int main(void)
{
    free(malloc(10)); /* the shim is surely started */
    char path[96];
    struct stat nst;
    snprintf(path, sizeof path, HT_SHM_DIR "/" HT_SEG_PREFIX "%llu.%d",
             stat("/proc/self/ns/pid", &nst) == 0 ? (unsigned long long)nst.st_ino : 0ull,
             (int)getpid());
    struct ht_seg_header h;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        printf("no segment\n");
        return 1;
    }
    close(fd);
    printf("rows %u flags 0x%x keep %u\n", h.row_capacity, h.flags, h.keep);
    return 0;
}
