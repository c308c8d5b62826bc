/* SPDX-License-Identifier: MIT
 * cmd/complete.c - the words bash completion offers, taken from the tool's own
 * tables: the command table of main.c, the options each command's usage line
 * names, the flag list of heaptag_flags.h, and the tagged processes alive now.
 * packaging/heaptag.bash-completion calls `heaptag __complete CWORD WORDS...`.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "heaptag_flags.h"
#include "segment/reader.h"

static void complete_offer(const char *word, const char *cur)
{
    if (!strncmp(word, cur, strlen(cur)))
        printf("%s\n", word);
}

/* Options of one command as its usage text writes them: every word that
 * starts with '-' on the lines from "  heaptag CMD " to the next command. */
static void complete_options(const char *cmd, const char *cur)
{
    const char *text = ctl_usage_text();
    char head[64];
    snprintf(head, sizeof head, "  heaptag %s", cmd);
    int inside = 0;
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        if (!strncmp(line, "  heaptag ", 10))
            inside = !strncmp(line, head, strlen(head)) &&
                     (line[strlen(head)] == ' ' || line[strlen(head)] == '\n');
        else if (len == 0 || line[0] != ' ')
            inside = 0;
        for (size_t i = 0; inside && i < len; i++) {
            if (line[i] != '-' || (i > 0 && !strchr(" [|(", line[i - 1])))
                continue;
            size_t n = strcspn(line + i, " ]|)\n=");
            if (n < 2 || n >= 40 || line[i + 1] == ' ' ||
                (line[i + 1] >= 'A' && line[i + 1] <= 'Z'))
                continue;
            char word[40];
            memcpy(word, line + i, n);
            word[n] = '\0';
            complete_offer(word, cur);
            i += n;
        }
        line += len + (line[len] == '\n');
    }
}

static void complete_flags(char sign, const char *cur)
{
    char word[8];
#define COMPLETE_FLAG(abbr, value, text, help)           \
    snprintf(word, sizeof word, "%c%s", sign, #abbr);    \
    complete_offer(word, cur);
    HT_FLAG_LIST(COMPLETE_FLAG)
#undef COMPLETE_FLAG
}

/* Processes with a segment that are alive now (one line each, once). */
static void complete_pids(const char *cur)
{
    struct segread_entry *e = NULL;
    size_t n = 0;
    if (segread_list(segread_dir(), &e, &n) != 0)
        return;
    pid_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].pid == last || kill(e[i].pid, 0) != 0)
            continue;
        last = e[i].pid;
        char word[24];
        snprintf(word, sizeof word, "%d", (int)e[i].pid);
        complete_offer(word, cur);
    }
    free(e);
}

int cmd_complete(int argc, char **argv)
{
    /* argv: __complete CWORD heaptag WORD... */
    if (argc < 3)
        return 0;
    int cword = atoi(argv[1]);
    char **words = argv + 2;
    int nwords = argc - 2;
    if (cword < 1 || cword > nwords)
        return 0;
    const char *cur = cword < nwords ? words[cword] : "";
    const char *prev = words[cword - 1];
    if (cword == 1) {
        for (size_t i = 0; i < ctl_n_commands; i++)
            complete_offer(ctl_commands[i].name, cur);
        complete_offer("help", cur);
        return 0;
    }
    const char *cmd = words[1];
    if (!strcmp(prev, "-p") || !strcmp(prev, "-k") || !strcmp(prev, "/p") ||
        !strcmp(prev, "/k")) {
        complete_pids(cur);
        return 0;
    }
    int takes_flags = !strcmp(cmd, "flags") || !strcmp(cmd, "run");
    if (takes_flags && cur[0] == '+')
        complete_flags('+', cur);
    else if (cur[0] == '-') {
        if (!strcmp(cmd, "flags"))
            complete_flags('-', cur);
        complete_options(cmd, cur);
    }
    return 0;
}
