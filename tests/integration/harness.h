/* SPDX-License-Identifier: MIT
 * harness.h - running programs under the shim from a test, and reading their
 * counters back through `heaptag mon --format csv`, as a user would.
 * The shim goes only into the child's environment: the test runner stays untagged.
 */
#ifndef HT_HARNESS_H
#define HT_HARNESS_H

#include <stddef.h>
#include <stdint.h>

struct run_result {
    int pid;
    int status;     /* as from waitpid */
    char *out;      /* stdout, NUL-terminated */
    size_t out_len;
    char *err;      /* stderr */
    size_t err_len;
};

/* Path of a file in the build directory (HEAPTAG_BUILD, default ./build). */
const char *build_path(const char *rel);

/* Runs argv with extra environment entries ("NAME=value", NULL-terminated;
 * NULL for none). preload: put the shim in LD_PRELOAD (and keep its segment).
 * stdin_data may be NULL. Returns 0, or -1 if it could not be started. */
int run_cmd(const char *const argv[], const char *const env[], int preload,
            const char *stdin_data, struct run_result *r);
void run_free(struct run_result *r);

/* `heaptag ARGS...` (args NULL-terminated, at most 14), not preloaded, as
 * run_cmd does. 0, or -1 if it could not be started. */
int run_tool(const char *const args[], struct run_result *r);

/* `heaptag run -- PROG [arg]`, PROG the build_path of rel, arg NULL for
 * none; as run_cmd (not preloaded: run does that). 0, or -1 if not started. */
int heaptag_run(const char *rel, const char *arg, struct run_result *r);

/* Starts program rel (build_path) with args (NULL-terminated, at most 14, or
 * NULL) in the background under the shim, its segment kept; its stdout goes to
 * out_fd (-1: ours). Returns its pid (the caller reaps it), or -1. */
int start_tagged(const char *rel, const char *const args[], int out_fd);

/* Runs tests/progs-style program rel (build_path) with one optional argument,
 * preloaded, HEAPTAG_FLAGS=flags in its environment. 0, or -1 if not started. */
int run_flagged(const char *rel, const char *arg, const char *flags, struct run_result *r);

/* `heaptag CMD -p PID [extra...]` (extra NULL-terminated, or NULL): its stdout
 * (malloc'd) when it exits 0; else NULL, its stderr written to ours. */
char *tool_pid_out(const char *cmd, int pid, const char *const extra[]);

/* Sums of the rows of one tag in a process's segment, through the tool. */
struct tag_counts {
    uint64_t allocs, frees, bytes, rows;
};
int tag_counts(int pid, const char *tag, struct tag_counts *c);

/* The same sums from CSV text already read (pid 0: every process). */
int csv_tag_counts(const char *csv, int pid, const char *tag, struct tag_counts *c);

/* `heaptag mon -n 1 --format csv` over every readable segment (malloc'd), or NULL. */
char *mon_csv_all(void);

/* The segment file of pid (of our PID namespace) in /dev/shm; returns dst. */
const char *segment_path(char *dst, size_t cap, int pid);

/* Removes a kept segment of pid. */
void segment_remove(int pid);

/* Runs cmd under sh (popen); what it writes to stdout goes to out (cap
 * bytes, NUL-terminated, the rest dropped). Returns its status as from
 * pclose, or -1 if it could not be started. */
int shell_out(const char *cmd, char *out, size_t cap);

/* How many times word stands in text (not overlapping). */
int count_in(const char *text, const char *word);

/* First "pid N" / "child N" number in text after the word. */
int find_pid(const char *text, const char *word);

#endif
