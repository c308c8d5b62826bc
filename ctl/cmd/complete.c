/* SPDX-License-Identifier: MIT
 * cmd/complete.c - the words bash completion offers, taken from the tool's own
 * tables: the command table (cmd/commands.c) with each command's options and
 * the values they take, the flag list of heaptag_flags.h, and the tagged
 * processes alive now with their names.
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

/* The options of c that start with '-' (not the -FLAGS of flags). */
static void complete_options(const struct ctl_command *c, const char *cur)
{
    for (const struct ctl_option *o = c->options; o->name; o++)
        if (o->name[0] == '-' && (!o->values || strcmp(o->values, CTL_VALUES_FLAGS) != 0))
            complete_offer(o->name, cur);
}

/* The option of c spelled word, or NULL. */
static const struct ctl_option *complete_option(const struct ctl_command *c, const char *word)
{
    for (const struct ctl_option *o = c->options; o->name; o++)
        if (!strcmp(o->name, word))
            return o;
    return NULL;
}

/* Whether c takes operands (CMD, LOG, ...): an upper-case word of its
 * synopsis outside every bracket. */
static int complete_has_operands(const struct ctl_command *c)
{
    int depth = 0;
    for (const char *s = c->synopsis; *s; s++) {
        depth += *s == '[';
        depth -= *s == ']';
        if (!depth && *s >= 'A' && *s <= 'Z' && (s == c->synopsis || s[-1] == ' '))
            return 1;
    }
    return 0;
}

/* "one two three": each word that starts with cur. */
static void complete_words(const char *words, const char *cur)
{
    while (*words) {
        size_t len = strcspn(words, " ");
        char word[64];
        if (len < sizeof word) {
            memcpy(word, words, len);
            word[len] = '\0';
            complete_offer(word, cur);
        }
        words += len;
        words += strspn(words, " ");
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

/* The program name of a live process (/proc/PID/comm), made printable. */
static void complete_comm(pid_t pid, char *name, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    name[0] = '\0';
    if (f) {
        if (!fgets(name, (int)cap, f))
            name[0] = '\0';
        fclose(f);
    }
    for (char *p = name; *p; p++)
        if (*p == '\n')
            *p = '\0';
        else if ((unsigned char)*p < 0x20 || *p == 0x7f || (unsigned char)*p >= 0x80)
            *p = '?';
}

/* Processes with a segment that are alive now, once each: the bare pid when
 * it is the only match (bash inserts it), else "PID NAME" lines, which bash
 * lists and whose common prefix is still a pid's beginning. */
static void complete_pids(const char *cur)
{
    struct segread_entry *e = NULL;
    size_t n = 0, found = 0;
    if (segread_list(segread_dir(), &e, &n) != 0)
        return;
    pid_t last = 0;
    char word[24], only[24] = "";
    for (int pass = 0; pass < 2; pass++) {
        last = 0;
        for (size_t i = 0; i < n; i++) {
            if (e[i].pid == last || kill(e[i].pid, 0) != 0)
                continue;
            last = e[i].pid;
            snprintf(word, sizeof word, "%d", (int)e[i].pid);
            if (strncmp(word, cur, strlen(cur)) != 0)
                continue;
            if (pass == 0) {
                found++;
                snprintf(only, sizeof only, "%s", word);
                continue;
            }
            char name[64];
            complete_comm(e[i].pid, name, sizeof name);
            printf("%s  %s\n", word, name[0] ? name : "?");
        }
        if (found <= 1)
            break;
    }
    if (found == 1)
        printf("%s\n", only);
    free(e);
}

/* The program names of the live tagged processes (mon -p NAME), once each. */
static void complete_names(const char *cur)
{
    struct segread_entry *e = NULL;
    size_t n = 0;
    if (segread_list(segread_dir(), &e, &n) != 0)
        return;
    char (*seen)[64] = calloc(n ? n : 1, sizeof *seen);
    size_t n_seen = 0;
    for (size_t i = 0; seen && i < n; i++) {
        char name[64];
        if (kill(e[i].pid, 0) != 0)
            continue;
        complete_comm(e[i].pid, name, sizeof name);
        if (!name[0] || strchr(name, '?'))
            continue;
        size_t j = 0;
        while (j < n_seen && strcmp(seen[j], name) != 0)
            j++;
        if (j < n_seen)
            continue;
        memcpy(seen[n_seen++], name, sizeof name);
        complete_offer(name, cur);
    }
    free(seen);
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
    if (!strcmp(words[1], "help")) {
        if (cword == 2)
            for (size_t i = 0; i < ctl_n_commands; i++)
                complete_offer(ctl_commands[i].name, cur);
        return 0;
    }
    const struct ctl_command *c = ctl_command_find(words[1]);
    if (!c)
        return 0;
    /* after "--" of run: the command line of the program, file names */
    for (int i = 2; i < cword; i++)
        if (!strcmp(words[i], "--"))
            return 0;
    const char *p = prev[0] == '/' ? (char[3]){ '-', prev[1], prev[1] ? prev[2] : 0 } : prev;
    const struct ctl_option *o = complete_option(c, !strcmp(p, "-k") ? "-p" : p);
    if (o && o->arg) {
        /* mon -p also takes program names */
        if (o->values && !strcmp(o->values, CTL_VALUES_PIDS) && !strcmp(c->name, "mon") &&
            cur[0] && (cur[0] < '0' || cur[0] > '9'))
            complete_names(cur);
        else if (o->values && !strcmp(o->values, CTL_VALUES_PIDS))
            complete_pids(cur);
        else if (o->values && o->values[0] != '<')
            complete_words(o->values, cur);
        return 0; /* a file or a free value: bash completes file names */
    }
    int takes_flags = complete_option(c, "+FLAGS") != NULL;
    if (takes_flags && cur[0] == '+')
        complete_flags('+', cur);
    else if (cur[0] == '-') {
        if (complete_option(c, "-FLAGS"))
            complete_flags('-', cur);
        complete_options(c, cur);
    } else if (!cur[0] && !complete_has_operands(c))
        complete_options(c, cur);
    return 0;
}
