/* SPDX-License-Identifier: MIT
 * main.c - heaptag's entry point: finds the subcommand and hands it the rest
 * of the arguments. The commands are listed in cmd/commands.c.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"


int main(int argc, char **argv)
{
    if (argc < 2)
        ctl_usage_error("no command given");
    const char *name = argv[1];
    if (!strcmp(name, "help") && argc > 2) { /* heaptag help CMD: that command's help */
        if (argc > 3)
            ctl_usage_error("help: one command at a time");
        ctl_cmd = ctl_command_find(argv[2]) ? argv[2] : NULL;
        if (!ctl_cmd)
            ctl_usage_error("help: unknown command '%s'", argv[2]);
        ctl_help();
    }
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help") ||
        !strcmp(name, "/?") || !strcmp(name, "/h"))
        ctl_help();
    if (!strcmp(name, "--version"))
        return puts("heaptag " HT_VERSION) == EOF;
    /* The words bash completion offers (packaging/heaptag.bash-completion). */
    if (!strcmp(name, "__complete"))
        return cmd_complete(argc - 1, argv + 1);
    /* The SYNOPSIS of heaptag(1), from the command table (make man-synopsis). */
    if (!strcmp(name, "__man-synopsis")) {
        ctl_man_synopsis(stdout);
        return fflush(stdout) != 0;
    }
    const struct ctl_command *c = ctl_command_find(name);
    if (c) {
        ctl_cmd = c->name;
        return c->fn(argc - 1, argv + 1);
    }
    if (name[0] == '-' || name[0] == '/')
        ctl_usage_error("unknown option %s", name);
    ctl_usage_error("unknown command '%s'", name);
}
