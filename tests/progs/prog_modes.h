/* SPDX-License-Identifier: MIT
 * prog_modes.h - test programs that do one of several things, chosen by
 * their one argument: the table of modes and the lookup, with its usage
 * line and its word on an unknown mode.
 */
#ifndef HT_PROG_MODES_H
#define HT_PROG_MODES_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef void prog_mode_fn(void);

struct prog_mode {
    const char *name;
    prog_mode_fn *fn;
};

/* The function of the mode argv[1] names among modes[0..n), for program
 * prog; NULL after a line on stderr (no single argument, or no such mode),
 * when the program is to exit 2. */
static inline prog_mode_fn *prog_mode_find(const char *prog, const struct prog_mode *modes,
                                           size_t n, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODE\n", prog);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[1], modes[i].name) == 0)
            return modes[i].fn;
    fprintf(stderr, "%s: unknown mode %s\n", prog, argv[1]);
    return NULL;
}

#define PROG_MODE(prog, modes, argc, argv) \
    prog_mode_find(prog, modes, sizeof modes / sizeof modes[0], argc, argv)

#endif
