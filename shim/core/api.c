/* SPDX-License-Identifier: MIT
 * api.c - the functions behind include/heaptag.h: explicit tags.
 * Exported by name; the header finds them at run time with dlsym.
 */
#include <string.h>

#include "core/alloc.h"
#include "heaptag.h"
#include "base/state.h"

_Static_assert(sizeof(((heaptag_scope_t *)0)->saved) >= 3 * sizeof(uint64_t),
               "a scope saves the previous tag and its key");

/* The tag as the rows key it: up to 15 bytes, NUL-padded to 16. */
static void tag_words(const char *tag, uint64_t out[2])
{
    char buf[HT_TAG_MAX] = { 0 };
    if (tag)
        memcpy(buf, tag, strnlen(tag, HT_TAG_MAX - 1));
    memcpy(out, buf, sizeof buf);
}

/* A signal handler that allocates between these stores hits on the old or
 * the new tag's key, either being right at that moment; a miss files its row
 * under the key of the bytes it read (rows.c), never under a stale key. */
static void set_tag(struct ht_thread *t, uint64_t tag0, uint64_t tag1, uint64_t key)
{
    t->tag[0] = tag0;
    t->tag[1] = tag1;
    t->key = key;
}

HT_EXPORT void heaptag_scope_enter(heaptag_scope_t *scope, const char *tag)
{
    struct ht_thread *t = &ht_self;
    scope->saved[0] = t->tag[0];
    scope->saved[1] = t->tag[1];
    scope->saved[2] = t->key;
    scope->active = 1;
    uint64_t w[2];
    tag_words(tag, w);
    set_tag(t, w[0], w[1], ht_tag_key(w[0], w[1]));
}

HT_EXPORT void heaptag_scope_leave(heaptag_scope_t *scope)
{
    struct ht_thread *t = &ht_self;
    if (!scope->active)
        return;
    set_tag(t, scope->saved[0], scope->saved[1], scope->saved[2]);
    scope->active = 0;
}

HT_EXPORT void *heaptag_tagged_malloc(const char *tag, size_t size)
{
    struct ht_thread *t = &ht_self;
    uint64_t saved[3] = { t->tag[0], t->tag[1], t->key };
    uint64_t w[2];
    tag_words(tag, w);
    set_tag(t, w[0], w[1], ht_tag_key(w[0], w[1]));
    void *p = ht_alloc(size, (uint64_t)__builtin_return_address(0));
    set_tag(t, saved[0], saved[1], saved[2]);
    return p;
}
