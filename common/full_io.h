/* SPDX-License-Identifier: MIT
 * full_io.h - whole transfers on a file descriptor: write, pread and pwrite
 * repeated until every byte went, through partial transfers and EINTR. One
 * loop for the shim and the tool. No allocation, no stdio.
 */
#ifndef HT_FULL_IO_H
#define HT_FULL_IO_H

#include <stddef.h>
#include <stdint.h>

/* Each returns 0 when all len bytes went, -1 on an error (errno says which)
 * or when a call moved nothing (a read at the end of the file). */
int ht_write_full(int fd, const void *buf, size_t len);
int ht_pread_full(int fd, void *buf, size_t len, uint64_t off);
int ht_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

#endif
