/* SPDX-License-Identifier: MIT
 * test_flags_config.c - the settings the shim starts with, from explicit
 * files and environment values; flag changes composed and written back; and
 * the heap checks driven through the allocator core.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "base/block.h"
#include "flags/conf_file.h"
#include "conf_lines.h"
#include "base/config.h"
#include "flags_parse.h"
#include "checks/heapcheck.h"
#include "heaptag_flags.h"
#include "settings.h"
#include "base/state.h"
#include "tmpdir.h"

static char dir[64];

static void mk(void)
{
    cr_assert_eq(tmpdir_make(dir, sizeof dir, "heaptag-conf-"), 0);
}

static void rm(void)
{
    cr_assert_eq(tmpdir_remove(dir), 0);
}

TestSuite(flags_config, .init = mk, .fini = rm, .timeout = 30);

static const char *file(const char *name, const char *text)
{
    static char path[4][128];
    static int n;
    char *p = path[n++ % 4];
    snprintf(p, 128, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static struct ht_config load(const char *sys, const char *user, const char *exe, const char *env)
{
    struct ht_config cfg;
    struct ht_config_sources src = { sys, user, exe, env, NULL, NULL, NULL };
    ht_config_load_from(&cfg, &src);
    return cfg;
}

Test(flags_config, scopes_apply_in_order)
{
    const char *sys = file("sys", "# system\nflags -ptg +htc\nimage prog +hfc\ntracedb 16\n");
    const char *user = file("user", "flags +ptg\t# mine\nimage /opt/prog -htc\n"
                                    "wrappers xmalloc,g_malloc\n");
    struct ht_config c = load(sys, user, "/usr/bin/other", NULL);
    cr_assert_eq(c.flags, HT_FLAG_ptg | HT_FLAG_htc);
    cr_assert_eq(c.tracedb_mb, 16);
    cr_assert_str_eq(c.wrappers, "xmalloc,g_malloc");
    cr_assert_gt(c.stack_capacity, 0, "tracedb set: the stack table is sized");
    c = load(sys, user, "/usr/bin/prog", NULL);
    cr_assert_eq(c.flags, HT_FLAG_ptg | HT_FLAG_htc | HT_FLAG_hfc, "image by name");
    c = load(sys, user, "/opt/prog", NULL);
    cr_assert_eq(c.flags, HT_FLAG_ptg | HT_FLAG_hfc, "user's image entry by path comes last");
    c = load(sys, user, "/opt/prog", "-ptg+0x8000");
    cr_assert_eq(c.flags, HT_FLAG_hfc | HT_FLAG_htd, "environment after everything");
    c = load(sys, user, "/opt/prog", "00001000");
    cr_assert_eq(c.flags, HT_FLAG_ust, "a bare value replaces the word");
    c = load(NULL, NULL, "/opt/prog", NULL);
    cr_assert_eq(c.flags, HT_FLAGS_DEFAULT);
    cr_assert_eq(c.stack_capacity, 0);
}

Test(flags_config, bad_files_and_lines)
{
    /* a malformed line is skipped, the rest used */
    const char *sys = file("sys", "flags +htc\nflags +nope\nbogus 1\nimage\ntracedb 9999\n"
                                  "flags +hfc\n");
    struct ht_config c = load(sys, NULL, "/bin/x", NULL);
    cr_assert_eq(c.flags, HT_FLAG_ptg | HT_FLAG_htc | HT_FLAG_hfc);
    cr_assert_eq(c.tracedb_mb, 0);
    /* binary: ignored whole */
    char path[128];
    snprintf(path, sizeof path, "%s/bin", dir);
    FILE *f = fopen(path, "w");
    fwrite("flags -ptg\n\0\x01", 1, 13, f);
    fclose(f);
    c = load(path, NULL, "/bin/x", NULL);
    cr_assert_eq(c.flags, HT_FLAGS_DEFAULT);
    /* symlink: never followed */
    char link[128];
    snprintf(link, sizeof link, "%s/link", dir);
    cr_assert_eq(symlink(file("target", "flags -ptg\n"), link), 0);
    c = load(link, NULL, "/bin/x", NULL);
    cr_assert_eq(c.flags, HT_FLAGS_DEFAULT);
    /* huge: ignored */
    char *big = malloc(HT_CONF_MAX + 10);
    memset(big, '#', HT_CONF_MAX + 9);
    memcpy(big, "flags -ptg\n", 11);
    big[HT_CONF_MAX + 9] = '\0';
    c = load(file("big", big), NULL, "/bin/x", NULL);
    free(big);
    cr_assert_eq(c.flags, HT_FLAGS_DEFAULT);
    /* a directory and a missing file */
    c = load(dir, "/nonexistent/flags", "/bin/x", "+bad");
    cr_assert_eq(c.flags, HT_FLAGS_DEFAULT);
}

Test(flags_config, compose_and_format)
{
    struct ht_flags_change a = { 0 }, b = { 0 };
    const char *bad;
    size_t bl;
    char text[96];
    cr_assert_eq(ht_flags_parse("+ptg+ust-htc", 12, &a, &bad, &bl), 0);
    ht_flags_format(&a, text, sizeof text);
    cr_assert_str_eq(text, "+ptg+ust-htc");
    cr_assert_eq(ht_flags_parse("-ust+0x10", 9, &b, &bad, &bl), 0);
    struct ht_flags_change c = ht_flags_compose(&a, &b);
    ht_flags_format(&c, text, sizeof text);
    cr_assert_str_eq(text, "+htc+ptg-ust");
    for (uint32_t old = 0; old < 0x10000; old += 0x111)
        cr_assert_eq(ht_flags_apply(old, &c), ht_flags_apply(ht_flags_apply(old, &a), &b));
    struct ht_flags_change r = { 0 };
    cr_assert_eq(ht_flags_parse("1400", 4, &r, &bad, &bl), 0);
    c = ht_flags_compose(&r, &b);
    ht_flags_format(&c, text, sizeof text);
    cr_assert_str_eq(text, "0x00000410");
    cr_assert_eq(ht_flags_parse("+ptg+zz", 7, &r, &bad, &bl), -1);
    cr_assert_eq(bl, 3);
    cr_assert_eq(strncmp(bad, "+zz", 3), 0);
}

Test(flags_config, store_keeps_other_lines)
{
    const char *path = file("f", "# mine\nwrappers a,b\nflags +htc\nimage foo +ust\nflags +hfc\n");
    struct conf_file f;
    cr_assert_eq(conf_load(path, &f), 0);
    cr_assert(f.has_flags);
    cr_assert_eq(f.flags.set, HT_FLAG_htc | HT_FLAG_hfc);
    cr_assert_eq(f.n_images, 1);
    cr_assert_eq(conf_store(&f, "flags", NULL, "+ptg"), 0);
    conf_free(&f);
    cr_assert_eq(conf_load(path, &f), 0);
    cr_assert_str_eq(f.text, "# mine\nwrappers a,b\nflags +ptg\nimage foo +ust\n");
    cr_assert_eq(conf_store(&f, "image", "foo", NULL), 0);
    conf_free(&f);
    cr_assert_eq(conf_load(path, &f), 0);
    cr_assert_str_eq(f.text, "# mine\nwrappers a,b\nflags +ptg\n");
    conf_free(&f);
}

/* The checks through the allocator core, flags word set directly. */
Test(flags_config, checks_in_force_at_allocation_decide)
{
    ht_init();
    cr_assert_not_null(ht_state.flags);
    uint32_t saved = *ht_state.flags;
    __atomic_store_n(ht_state.flags, HT_FLAG_ptg | HT_FLAG_htc | HT_FLAG_hfc, __ATOMIC_RELAXED);
    char *p = ht_alloc(40, 0x1234);
    struct ht_block *b = ht_block_of(p);
    cr_assert(b->meta & HT_META_CHECKED);
    cr_assert(b->meta & HT_META_TAIL);
    cr_assert(b->meta & HT_META_FREE_CHECK);
    cr_assert_eq(((uintptr_t)p & 15), 0);
    cr_assert_eq(ht_usable_size(p), 40);
    __atomic_store_n(ht_state.flags, HT_FLAG_ptg, __ATOMIC_RELAXED);
    uint64_t before = ht_state.seg->corruptions[HT_CORRUPT_OVERRUN];
    p[40] = 0; /* one byte past the end */
    ht_free(p); /* checked by htc although it is off now */
    cr_assert_eq(ht_state.seg->corruptions[HT_CORRUPT_OVERRUN], before + 1);
    cr_assert(b->meta & HT_META_FREED, "hfc: in quarantine");
    uint64_t dbl = ht_state.seg->corruptions[HT_CORRUPT_DOUBLE_FREE];
    ht_free(p);
    cr_assert_eq(ht_state.seg->corruptions[HT_CORRUPT_DOUBLE_FREE], dbl + 1);
    char *q = ht_alloc(40, 0x1234);
    cr_assert_eq(ht_block_of(q)->meta & HT_META_CHECKED, 0, "unchecked once the flags are off");
    ht_free(q);
    __atomic_store_n(ht_state.flags, saved, __ATOMIC_RELAXED);
}

/* A valid value of each file setting, from its type and range alone. */
static void valid_value(const struct ht_setting *s, char *buf, size_t cap)
{
    switch (s->type) {
    case HT_SETTING_FLAGS: snprintf(buf, cap, "+ust"); break;
    case HT_SETTING_IMAGE: snprintf(buf, cap, "prog +hfc"); break;
    case HT_SETTING_TEXT:  snprintf(buf, cap, "xmalloc"); break;
    default:               snprintf(buf, cap, "%ld", s->hi); break;
    }
}

Test(flags_config, one_schema_for_shim_and_tool)
{
    /* every key the schema lists is read by the shim and kept by the tool,
     * without a warning; one more key is refused by both */
    char text[1024] = "", val[64];
    for (int i = 0; i < HT_SETTING_N; i++) {
        const struct ht_setting *s = ht_setting((enum ht_setting_id)i);
        cr_assert(s->key || s->env, "setting %d has neither a key nor an environment name", i);
        if (!s->key)
            continue;
        cr_assert_eq(ht_setting_by_key(s->key, strlen(s->key)), i);
        valid_value(s, val, sizeof val);
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s %s\n", s->key, val);
    }
    const char *path = file("all", text);
    fflush(stderr);
    int saved = dup(2);
    FILE *errs = tmpfile();
    dup2(fileno(errs), 2);
    struct ht_config c = load(path, NULL, "/usr/bin/prog", NULL);
    struct conf_file *f = calloc(1, sizeof *f);
    cr_assert_eq(conf_load(path, f), 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cr_assert_eq(ftell(errs), 0, "a schema key was warned about:\n%s", text);
    fclose(errs);
    cr_assert_eq(c.flags, HT_FLAG_ptg | HT_FLAG_ust | HT_FLAG_hfc);
    cr_assert_eq(c.tracedb_mb, (uint32_t)ht_setting(HT_SET_tracedb)->hi);
    cr_assert_eq(c.abort_on_report, 1);
    cr_assert_str_eq(c.wrappers, "xmalloc");
    cr_assert_eq(f->tracedb_mb, (uint32_t)ht_setting(HT_SET_tracedb)->hi);
    cr_assert_eq(f->n_images, 1);
    conf_free(f);
    free(f);
    cr_assert_eq(ht_setting_by_key("nosuch", 6), -1);

    /* defaults and ranges come from the schema */
    c = load(NULL, NULL, "/bin/x", NULL);
    cr_assert_eq(c.rows, (uint32_t)ht_setting(HT_SET_rows)->def);
    cr_assert_eq(c.stack_depth, (uint32_t)ht_setting(HT_SET_stack_depth)->def);
    char range[48];
    ht_setting_range_text(HT_SET_tracedb, range, sizeof range);
    cr_assert_str_eq(range, "(1 to 1024 MB)");
    cr_assert_eq(ht_setting_count(HT_SET_rows, "63", 2), -1);
    cr_assert_eq(ht_setting_count(HT_SET_rows, "64", 2), 64);
    cr_assert_eq(ht_setting_count(HT_SET_rows, "99999999999999999999", 20), -1);

    /* the header of a new file names every file key */
    char head[256];
    ht_settings_file_header(head, sizeof head);
    for (int i = 0; i < HT_SETTING_N; i++)
        if (ht_setting((enum ht_setting_id)i)->key)
            cr_assert(strstr(head, ht_setting((enum ht_setting_id)i)->key), "%s", head);

    /* the user's file */
    char up[64];
    cr_assert_str_eq(ht_settings_user_path("/x", "/h", up, sizeof up), "/x/heaptag/flags");
    cr_assert_str_eq(ht_settings_user_path("rel", "/h", up, sizeof up),
                     "/h/.config/heaptag/flags");
    cr_assert_null(ht_settings_user_path(NULL, "h", up, sizeof up));
}

Test(flags_config, flag_list_is_the_only_list)
{
    uint32_t all = 0;
    char names[64] = "";
    for (uint32_t bit = 1; bit; bit <<= 1)
        if (ht_flag_abbr(bit)) {
            all |= bit;
            cr_assert(strstr(HT_FLAG_NAMES, ht_flag_abbr(bit)), "%s", HT_FLAG_NAMES);
            snprintf(names + strlen(names), sizeof names - strlen(names), "+%s",
                     ht_flag_abbr(bit));
        }
    cr_assert_eq(all, (uint32_t)HT_FLAG_ALL);
    cr_assert_str_eq(HT_FLAG_NAMES, "ptg ust htc hfc hpc htd");
    /* a listing is by value, whatever the list's order */
    struct ht_flags_change c = { 0 };
    const char *bad;
    size_t bl;
    char text[96];
    cr_assert_eq(ht_flags_parse(names, strlen(names), &c, &bad, &bl), 0);
    ht_flags_format(&c, text, sizeof text);
    cr_assert_str_eq(text, "+htc+hfc+hpc+ptg+ust+htd");
}
