/* SPDX-License-Identifier: MIT
 * prom/selector.h - turns a series selector's braces ('{job="api",
 * host=~"web.*"}') into label matchers, as remote read takes them. Only what
 * is certainly read as PromQL reads it is turned: anything else (an escape it
 * does not know, a name that is not a label name) is refused, and the caller
 * asks with the selector as PromQL instead.
 */
#ifndef HT_SELECTOR_H
#define HT_SELECTOR_H

#include <stddef.h>

enum prom_match_type { PROM_MATCH_EQ = 0, PROM_MATCH_NEQ = 1, PROM_MATCH_RE = 2, PROM_MATCH_NRE = 3 };

#define PROM_MAX_MATCHERS 32

struct prom_matcher {
    enum prom_match_type type;
    const char *name, *value; /* into the set's own buffer, NUL-terminated */
};

struct prom_matchers {
    size_t n;
    struct prom_matcher m[PROM_MAX_MATCHERS];
    char buf[8192];
    size_t used;
};

/* Appends the matchers of sel ("{...}", or NULL for none) to *ms. Returns 0,
 * or -1 with *why set when sel cannot be turned (ms then holds what came
 * before). */
int prom_selector_parse(const char *sel, struct prom_matchers *ms, const char **why);

/* Appends one matcher, copying name and value. Returns 0, or -1 when the set
 * is full. */
int prom_matchers_add(struct prom_matchers *ms, enum prom_match_type type, const char *name,
                      const char *value);

#endif
