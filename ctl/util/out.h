/* SPDX-License-Identifier: MIT
 * util/out.h - standard output for commands that print tables: a reader that goes
 * away (heaptag mon | head) ends us quietly with status 0; any other write
 * error is reported and fails.
 */
#ifndef HT_OUT_H
#define HT_OUT_H

/* Call once before printing: turns SIGPIPE into EPIPE for this process only
 * (never before exec: the disposition would be inherited). */
void out_init(void);

/* Flushes stdout; exits 0 on EPIPE, exits 1 with a message on other errors. */
void out_flush(void);

#endif
