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
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help") ||
        !strcmp(name, "/?") || !strcmp(name, "/h"))
        ctl_help();
    if (!strcmp(name, "--version"))
        return puts("heaptag " HT_VERSION) == EOF;
    /* The words bash completion offers (packaging/heaptag.bash-completion). */
    if (!strcmp(name, "__complete"))
        return cmd_complete(argc - 1, argv + 1);
    for (size_t i = 0; i < ctl_n_commands; i++)
        if (!strcmp(name, ctl_commands[i].name)) {
            ctl_cmd = ctl_commands[i].name;
            return ctl_commands[i].fn(argc - 1, argv + 1);
        }
    if (name[0] == '-' || name[0] == '/')
        ctl_usage_error("unknown option %s", name);
    ctl_usage_error("unknown command '%s'", name);
}
