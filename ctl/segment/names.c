/* SPDX-License-Identifier: MIT
 * segment/names.c - the segment directory and the parsing of segment names
 * (names.h). Pure but for getenv and one readlink of /proc/self/ns/pid.
 */
#include "segment/names.h"

#include "heaptag_segment.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *segread_dir(void)
{
    const char *d = getenv("HEAPTAG_SHM_DIR");
    return d && *d ? d : HT_SHM_DIR;
}

/* A decimal number without sign or leading zeros, at most max; returns the
 * end of it or NULL. */
static const char *parse_dec(const char *p, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    const char *start = p;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return NULL;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > max)
            return NULL;
    }
    if (p == start)
        return NULL;
    *out = v;
    return p;
}

/* heaptag.<pidns>.<pid>[.<n>], or heaptag.<pid>[.<n>] when the creator could
 * not name its PID namespace: a first number above any pid is a namespace. */
int segread_parse_name_ns(const char *name, uint64_t *ns, pid_t *pid, unsigned *seq)
{
    const size_t plen = sizeof(HT_SEG_PREFIX) - 1;
    unsigned long a, p, n = 0;
    if (strncmp(name, HT_SEG_PREFIX, plen) != 0)
        return -1;
    const char *s = parse_dec(name + plen, ULONG_MAX / 10 - 10, &a);
    if (!s || a == 0)
        return -1;
    *ns = 0;
    if (a > HT_PID_MAX_LIMIT && *s == '.') {
        *ns = a;
        s = parse_dec(s + 1, INT_MAX, &p);
        if (!s || p == 0)
            return -1;
    } else if (a <= INT_MAX) {
        p = a;
    } else {
        return -1;
    }
    if (*s == '.') {
        s = parse_dec(s + 1, 999999, &n);
        if (!s)
            return -1;
    }
    if (*s != '\0')
        return -1;
    *pid = (pid_t)p;
    *seq = (unsigned)n;
    return 0;
}

int segread_parse_name(const char *name, pid_t *pid, unsigned *seq)
{
    uint64_t ns;
    return segread_parse_name_ns(name, &ns, pid, seq);
}

uint64_t segread_self_pidns(void)
{
    static uint64_t ns;
    static int known;
    if (!known) {
        struct stat st;
        ns = stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
        known = 1;
    }
    return ns;
}

int segread_other_pidns(uint64_t ns)
{
    uint64_t self = segread_self_pidns();
    return ns && self && ns != self;
}

