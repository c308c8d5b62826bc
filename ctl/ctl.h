/* SPDX-License-Identifier: MIT
 * ctl.h - the subcommands of the heaptag tool and the usage text they share.
 * Each cmd_* takes the arguments after its own name (argv[0] is the name) and
 * returns the exit status; usage errors exit 2 from inside.
 */
#ifndef HT_CTL_H
#define HT_CTL_H

#include <stddef.h>
#include <stdio.h>

/* The type of every cmd_*, as the comment above says. */
typedef int ctl_cmd_fn(int argc, char **argv);

ctl_cmd_fn cmd_run, cmd_ls, cmd_mon, cmd_gc, cmd_flags, cmd_dump, cmd_diff, cmd_export,
    cmd_serve, cmd_trend, cmd_rules, cmd_reports, cmd_complete;

/* What completion offers after an option (struct ctl_option.values): these
 * markers, or the words themselves separated by spaces ("tag site"). */
#define CTL_VALUES_PIDS  "<pid>"
#define CTL_VALUES_FILES "<file>"
#define CTL_VALUES_FLAGS "<flag>"

/* One option of a command: "--by" with its value "tag|site|func|module". */
struct ctl_option {
    const char *name;
    const char *arg;    /* the value it takes as the synopsis writes it, or NULL */
    const char *values; /* what completion offers for it (above), or NULL */
    const char *help;   /* one line */
};

/* The command table (cmd/commands.c): dispatch, usage, help, completion and
 * the man page's synopsis all come from it. */
struct ctl_command {
    const char *name;
    ctl_cmd_fn *fn;
    const char *synopsis; /* after "heaptag NAME"; '\n' between lines */
    const char *summary;  /* one line */
    const struct ctl_option *options; /* ends with a NULL name */
    const char *more;     /* paragraphs for its help, or NULL */
    const char *example;  /* one command line, with a comment */
};
extern const struct ctl_command ctl_commands[];
extern const size_t ctl_n_commands;

/* The command named name, or NULL. */
const struct ctl_command *ctl_command_find(const char *name);

/* The whole usage text. */
const char *ctl_usage_text(void);

/* One command's help: synopsis, options, notes and an example. */
void ctl_command_help(FILE *out, const struct ctl_command *c);

/* The SYNOPSIS section of heaptag(1) in roff, from the command table. */
void ctl_man_synopsis(FILE *out);

/* Prints the whole usage text to out. */
void ctl_usage(FILE *out);

/* The command being run ("mon"), for the pointer to its help; NULL before. */
extern const char *ctl_cmd;

/* "heaptag: <message>; see heaptag CMD --help" on stderr, then exit 2. */
__attribute__((noreturn, format(printf, 1, 2)))
void ctl_usage_error(const char *fmt, ...);

/* -h, --help, /? or /h (GFlags' and PoolMon's spellings). */
int ctl_is_help(const char *arg);

/* For a command that takes no arguments: help for a help option, else a
 * usage error naming the first argument. */
void ctl_no_args(const char *cmd, int argc, char **argv);

/* For a subcommand's -h/--help: usage on stdout, exit 0. */
__attribute__((noreturn))
void ctl_help(void);

#endif
