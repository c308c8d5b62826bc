/* SPDX-License-Identifier: MIT
 * cmd/commands.c - the table of heaptag's commands: main.c dispatches through
 * it and bash completion offers its names.
 */
#include "ctl.h"

const struct ctl_command ctl_commands[] = {
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
    { "rules", cmd_rules },
    { "reports", cmd_reports },
};
const size_t ctl_n_commands = sizeof ctl_commands / sizeof ctl_commands[0];
