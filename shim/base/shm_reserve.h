/* SPDX-License-Identifier: MIT
 * shm_reserve.h - tmpfs gives a page at first touch and answers a full
 * /dev/shm with SIGBUS, so no page of the segment is touched before it is
 * reserved: MADV_POPULATE_WRITE reserves and maps the pages, or fails with an
 * error where a touch would have raised the signal (fallocate through the
 * file on a kernel without it).
 */
#ifndef HT_SHM_RESERVE_H
#define HT_SHM_RESERVE_H

#include <stdint.h>

#include "base/glue.h"

/* Reserves the pages that hold bytes [off, off + len) of the segment mapped
 * at base: shared, a /dev/shm file (ht_state.path names it, for kernels
 * without MADV_POPULATE_WRITE); else private memory, nothing to reserve.
 * 0, or -1 when /dev/shm cannot back them (they must not be touched). */
HT_HIDDEN int ht_shm_reserve(void *base, int shared, uint64_t off, uint64_t len);

/* Reserves bytes [off, off + len) of the open segment file fd (before it is
 * mapped, or where MADV_POPULATE_WRITE is missing). 0, or -1 (errno set). */
HT_HIDDEN int ht_shm_fallocate(int fd, uint64_t off, uint64_t len);

#endif
