/* SPDX-License-Identifier: MIT
 * test_command_table.c - the one table of commands (cmd/commands.c) that the
 * usage text, each command's help, bash completion and heaptag(1)'s SYNOPSIS
 * come from: every option it lists is in its command's synopsis and every
 * option a synopsis names is listed, every help fits 80 columns, and the
 * completion offers each option and each value an option takes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* Whether word occurs in text as a whole synopsis word. */
static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        int before = p == text || strchr(" [|\n", p[-1]);
        int after = !p[n] || strchr(" ]|\n", p[n]);
        if (before && after)
            return 1;
    }
    return 0;
}

static const struct ctl_option *find_opt(const struct ctl_command *c, const char *name)
{
    for (const struct ctl_option *o = c->options; o->name; o++)
        if (!strcmp(o->name, name))
            return o;
    return NULL;
}

Test(command_table, options_and_synopsis_agree)
{
    for (size_t i = 0; i < ctl_n_commands; i++) {
        const struct ctl_command *c = &ctl_commands[i];
        for (const struct ctl_option *o = c->options; o->name; o++) {
            cr_assert(has_word(c->synopsis, o->name), "%s: %s missing from the synopsis '%s'",
                      c->name, o->name, c->synopsis);
            if (o->arg) {
                char both[128];
                snprintf(both, sizeof both, "%s %s", o->name, o->arg);
                cr_assert(strstr(c->synopsis, both), "%s: synopsis lacks '%s'", c->name, both);
            }
        }
        /* every dashed word of the synopsis is an option of the table */
        const char *s = c->synopsis;
        while (*s) {
            size_t len = strcspn(s, " []|\n");
            if (len && s[0] == '-') {
                char word[64];
                snprintf(word, sizeof word, "%.*s", (int)len, s);
                cr_assert(find_opt(c, word), "%s: synopsis names %s, the table does not",
                          c->name, word);
            }
            s += len ? len : 1;
        }
        cr_assert(c->summary && *c->summary && c->example && !strncmp(c->example, "heaptag ", 8),
                  "%s: summary and example", c->name);
    }
}

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    fn(f, arg);
    fclose(f);
    return buf;
}

static void help_of(FILE *f, const void *c) { ctl_command_help(f, c); }
static void usage_of(FILE *f, const void *c) { (void)c; ctl_usage(f); }
static void synopsis_of(FILE *f, const void *c) { (void)c; ctl_man_synopsis(f); }

static void assert_fits(const char *what, const char *text)
{
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        cr_assert(len <= 80, "%s: a line of %zu columns: %.*s", what, len, (int)len, line);
        line += len + (line[len] == '\n');
    }
}

Test(command_table, help_per_command_fits_80_columns)
{
    char *u = capture(usage_of, NULL);
    assert_fits("usage", u);
    for (size_t i = 0; i < ctl_n_commands; i++) {
        const struct ctl_command *c = &ctl_commands[i];
        char *h = capture(help_of, c);
        assert_fits(c->name, h);
        char head[64];
        snprintf(head, sizeof head, "usage: heaptag %s", c->name);
        cr_assert(!strncmp(h, head, strlen(head)), "%s", h);
        cr_assert(strstr(h, "\nexample:\n  heaptag "), "%s", h);
        for (const struct ctl_option *o = c->options; o->name; o++)
            cr_assert(strstr(h, o->name), "%s help lacks %s", c->name, o->name);
        /* the global usage carries every command's synopsis too */
        cr_assert(strstr(u, head + strlen("usage: ")), "usage lacks %s", c->name);
        free(h);
    }
    free(u);
}

Test(command_table, man_synopsis_names_every_option)
{
    char *m = capture(synopsis_of, NULL);
    cr_assert(!strncmp(m, ".SH SYNOPSIS\n", 13));
    for (size_t i = 0; i < ctl_n_commands; i++) {
        const struct ctl_command *c = &ctl_commands[i];
        char head[64];
        snprintf(head, sizeof head, "\\fBheaptag %s\\fR", c->name);
        cr_assert(strstr(m, head), "%s", c->name);
        for (const struct ctl_option *o = c->options; o->name; o++) {
            char roff[64] = "";
            for (const char *p = o->name; *p; p++)
                strcat(roff, *p == '-' ? "\\-" : (char[2]){ *p, 0 });
            cr_assert(strstr(m, roff), "man synopsis lacks %s %s", c->name, o->name);
        }
    }
    free(m);
}
