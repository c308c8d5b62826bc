/* SPDX-License-Identifier: MIT
 * cmd/usage.c - what the command table (cmd/commands.c) prints: the usage text,
 * each command's help (synopsis, options, notes, an example) and the SYNOPSIS
 * of heaptag(1) in roff; and the exits that print them. Kept out of main.c so
 * that the unit tests can link every other object.
 */
#include "ctl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "heaptag_flags.h"

/* After the commands, before the FLAGS lines (which come from the flag list). */
static const char usage_middle[] =
    "\n"
    "heaptag COMMAND --help (or heaptag help COMMAND): that command's options and an\n"
    "example. Usage errors exit 2 with one line; -h, --help, /? and /h show help.\n";

/* After the FLAGS lines. */
static const char usage_tail[] =
    "Segments are read from $HEAPTAG_SHM_DIR, default /dev/shm.\n";

/* Appends to buf (cap bytes, NUL-terminated), never past its end. */
__attribute__((format(printf, 3, 4)))
static void usage_add(char *buf, size_t cap, const char *fmt, ...)
{
    size_t at = strlen(buf);
    if (at + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + at, cap - at, fmt, ap);
    va_end(ap);
}

/* "heaptag NAME SYNOPSIS", continuation lines under the first word after the
 * name, each line starting with lead. */
static void usage_synopsis(char *buf, size_t cap, const char *lead, const struct ctl_command *c)
{
    int indent = (int)(strlen(lead) + strlen("heaptag ") + strlen(c->name) + 1);
    usage_add(buf, cap, "%sheaptag %s", lead, c->name);
    const char *s = c->synopsis;
    if (*s)
        usage_add(buf, cap, " ");
    while (*s) {
        size_t len = strcspn(s, "\n");
        usage_add(buf, cap, "%.*s", (int)len, s);
        s += len;
        if (*s == '\n' && *++s)
            usage_add(buf, cap, "\n%*s", indent, "");
    }
}

#define USAGE_SUMMARY_COL 45

/* summary after the synopsis just added: at USAGE_SUMMARY_COL of its last
 * line when it fits there, else on a line of its own. */
static void usage_summary(char *buf, size_t cap, const char *summary)
{
    const char *nl = strrchr(buf, '\n');
    size_t last = strlen(nl ? nl + 1 : buf);
    if (last + 1 <= USAGE_SUMMARY_COL && USAGE_SUMMARY_COL + strlen(summary) <= 80)
        usage_add(buf, cap, "%*s%s\n", (int)(USAGE_SUMMARY_COL - last), "", summary);
    else
        usage_add(buf, cap, "\n      %s\n", summary);
}

/* "FLAGS: +ptg pool tagging, +ust stack traces, ..." wrapped before column
 * 80, appended to buf (cap bytes, NUL-terminated). */
static void usage_flags(char *buf, size_t cap)
{
    static const char *const items[][2] = {
#define USAGE_FLAG(abbr, value, text, help) { #abbr, help },
        HT_FLAG_LIST(USAGE_FLAG)
#undef USAGE_FLAG
    };
    size_t n = sizeof items / sizeof items[0], at = strlen(buf), col;
    at += (size_t)snprintf(buf + at, cap - at, "FLAGS:");
    col = strlen("FLAGS:");
    for (size_t i = 0; i < n && at < cap; i++) {
        size_t len = 1 + 1 + strlen(items[i][0]) + 1 + strlen(items[i][1]) + 1;
        if (col + len > 80) {
            at += (size_t)snprintf(buf + at, cap - at, "\n      ");
            col = 6;
        }
        int w = snprintf(buf + at, cap - at, " +%s %s%s", items[i][0], items[i][1],
                         i + 1 < n ? "," : ".");
        at += (size_t)w;
        col += (size_t)w;
    }
    if (at < cap)
        snprintf(buf + at, cap - at, "\n");
}

const char *ctl_usage_text(void)
{
    static char text[8192];
    if (text[0])
        return text;
    usage_add(text, sizeof text, "usage: heaptag COMMAND [ARGS]\n\n");
    for (size_t i = 0; i < ctl_n_commands; i++) {
        const struct ctl_command *c = &ctl_commands[i];
        usage_synopsis(text, sizeof text, "  ", c);
        usage_summary(text, sizeof text, c->summary);
    }
    usage_add(text, sizeof text, "  heaptag help [COMMAND]");
    usage_summary(text, sizeof text, "this text, or one command's help");
    usage_add(text, sizeof text, "%s", usage_middle);
    usage_flags(text, sizeof text - sizeof usage_tail);
    usage_add(text, sizeof text, "%s", usage_tail);
    return text;
}

/* text wrapped before column 80, every line after the first indented by
 * indent columns (the first continues where the caller is, at column col). */
static void help_wrap(FILE *out, const char *text, int col, int indent)
{
    while (*text) {
        size_t word = strcspn(text, " ");
        if (col > indent && col + 1 + (int)word > 79) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", (int)word, text);
        col += (int)word;
        text += word;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

#define HELP_OPT_COL 26

void ctl_command_help(FILE *out, const struct ctl_command *c)
{
    char syn[1024] = "";
    usage_synopsis(syn, sizeof syn, "usage: ", c);
    fprintf(out, "%s\n%s\n", syn, c->summary);
    int flags = 0;
    if (c->options[0].name) {
        fputs("\noptions:\n", out);
        for (const struct ctl_option *o = c->options; o->name; o++) {
            int col = fprintf(out, "  %s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
            if (col + 2 > HELP_OPT_COL) {
                fprintf(out, "\n%*s", HELP_OPT_COL, "");
            } else {
                fprintf(out, "%*s", HELP_OPT_COL - col, "");
            }
            help_wrap(out, o->help, HELP_OPT_COL, HELP_OPT_COL);
            flags |= o->values && !strcmp(o->values, CTL_VALUES_FLAGS);
        }
    }
    if (flags) {
        char list[1024] = "";
        usage_flags(list, sizeof list);
        fprintf(out, "\n%s", list);
    }
    if (c->more)
        fprintf(out, "\n%s", c->more);
    fprintf(out, "\nexample:\n  %s\n", c->example);
}

/* One synopsis word in roff: literal words bold, values italic, '-' as \-. */
static void man_word(FILE *out, const struct ctl_command *c, const char *w, size_t len)
{
    size_t lead = strspn(w, ",");
    size_t trail = len >= 3 && !strncmp(w + len - 3, "...", 3) ? 3 : 0;
    if (lead + trail >= len) {
        fprintf(out, "%.*s", (int)len, w);
        return;
    }
    fprintf(out, "%.*s", (int)lead, w);
    w += lead;
    len -= lead + trail;
    int literal = -1, upper = 0, lower = 0;
    for (const struct ctl_option *o = c->options; o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, w, len))
            literal = !o->values || strcmp(o->values, CTL_VALUES_FLAGS) != 0;
    for (size_t i = 0; i < len; i++) {
        upper |= w[i] >= 'A' && w[i] <= 'Z';
        lower |= w[i] >= 'a' && w[i] <= 'z';
    }
    if (literal < 0)
        literal = lower || !upper;
    fputs(literal ? "\\fB" : "\\fI", out);
    for (size_t i = 0; i < len; i++)
        fputs(w[i] == '-' ? "\\-" : (char[2]){ w[i], 0 }, out);
    fputs("\\fR", out);
    if (trail)
        fputs("...", out);
}

void ctl_man_synopsis(FILE *out)
{
    fputs(".SH SYNOPSIS\n.ad l\n.nh\n", out);
    for (size_t i = 0; i < ctl_n_commands; i++) {
        const struct ctl_command *c = &ctl_commands[i];
        /* one filled line per command; inside brackets the spaces do not
         * break, so an option stays with its value */
        fprintf(out, "%s\\fBheaptag %s\\fR", i ? ".br\n" : "", c->name);
        const char *s = c->synopsis;
        int depth = 0;
        if (*s)
            fputc(' ', out);
        while (*s) {
            size_t len = strcspn(s, " []|\n");
            if (len) {
                man_word(out, c, s, len);
                s += len;
                continue;
            }
            depth += *s == '[';
            depth -= *s == ']';
            if (*s == ' ' || *s == '\n')
                fputs(depth > 0 ? "\\ " : " ", out);
            else
                fputc(*s, out);
            s++;
        }
        fputc('\n', out);
    }
    fputs(".br\n\\fBheaptag help\\fR [\\fICOMMAND\\fR]\n.ad\n.hy\n", out);
}

void ctl_usage(FILE *out)
{
    fputs(ctl_usage_text(), out);
}

const char *ctl_cmd;

/* One line: the problem and where to read more, never the whole help. */
void ctl_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("heaptag: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (ctl_cmd)
        fprintf(stderr, "; see heaptag %s --help\n", ctl_cmd);
    else
        fputs("; see heaptag --help\n", stderr);
    exit(2);
}

int ctl_is_help(const char *a)
{
    return !strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "/?") || !strcmp(a, "/h") ||
           !strcmp(a, "/H");
}

void ctl_no_args(const char *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (ctl_is_help(argv[i]))
            ctl_help();
        ctl_usage_error("%s: unexpected argument '%s'", cmd, argv[i]);
    }
}

void ctl_help(void)
{
    const struct ctl_command *c = ctl_command_find(ctl_cmd);
    if (c)
        ctl_command_help(stdout, c);
    else
        ctl_usage(stdout);
    exit(fflush(stdout) == 0 ? 0 : 1);
}
