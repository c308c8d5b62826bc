/*
 * api.c - the functions behind include/heaptag.h: explicit tags.
 * Exported by name; the header finds them at run time with dlsym.
 */
#include <string.h>

#include "alloc.h"
#include "heaptag.h"
#include "state.h"

_Static_assert(sizeof(((heaptag_scope_t *)0)->saved) >= 2 * sizeof(uint64_t),
               "a scope saves the previous tag");

/* The tag as the rows key it: up to 15 bytes, NUL-padded to 16. */
static void tag_words(const char *tag, uint64_t out[2])
{
    char buf[HT_TAG_MAX] = { 0 };
    if (tag)
        memcpy(buf, tag, strnlen(tag, HT_TAG_MAX - 1));
    memcpy(out, buf, sizeof buf);
}

HT_EXPORT void heaptag_scope_enter(heaptag_scope_t *scope, const char *tag)
{
    struct ht_thread *t = &ht_self;
    scope->saved[0] = t->tag[0];
    scope->saved[1] = t->tag[1];
    scope->active = 1;
    tag_words(tag, t->tag);
}

HT_EXPORT void heaptag_scope_leave(heaptag_scope_t *scope)
{
    struct ht_thread *t = &ht_self;
    if (!scope->active)
        return;
    t->tag[0] = scope->saved[0];
    t->tag[1] = scope->saved[1];
    scope->active = 0;
}

HT_EXPORT void *heaptag_tagged_malloc(const char *tag, size_t size)
{
    struct ht_thread *t = &ht_self;
    uint64_t saved[2] = { t->tag[0], t->tag[1] };
    tag_words(tag, t->tag);
    void *p = ht_alloc(size, (uint64_t)__builtin_return_address(0));
    t->tag[0] = saved[0];
    t->tag[1] = saved[1];
    return p;
}
