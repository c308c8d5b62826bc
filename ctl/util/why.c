/* SPDX-License-Identifier: MIT
 * util/why.c - the error return of a reader that says why.
 */
#include "util/why.h"

#include <stdarg.h>
#include <stdio.h>

int why_fail(char *why, size_t wn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, wn, fmt, ap);
    va_end(ap);
    return -1;
}
