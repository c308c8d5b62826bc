/*
 * main.c - heaptag's entry point: finds the subcommand and hands it the rest
 * of the arguments. Everything else lives in the cmd_*.c files.
 */
#include <string.h>

#include "ctl.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
    { "run", cmd_run },
    { "ls", cmd_ls },
    { "mon", cmd_mon },
    { "gc", cmd_gc },
    { "flags", cmd_flags },
    { "dump", cmd_dump },
    { "diff", cmd_diff },
    { "export", cmd_export },
    { "serve", cmd_serve },
    { "trend", cmd_trend },
    { "reports", cmd_reports },
};

int main(int argc, char **argv)
{
    if (argc < 2)
        ctl_usage_error("no command given");
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help"))
        ctl_help();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    if (name[0] == '-')
        ctl_usage_error("unknown option '%s'", name);
    ctl_usage_error("unknown command '%s'", name);
}
