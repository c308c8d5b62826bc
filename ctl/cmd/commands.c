/* SPDX-License-Identifier: MIT
 * cmd/commands.c - the one table of heaptag's commands: each command's name,
 * its function, its synopsis, its options (with the values they take) and an
 * example. main.c dispatches through it; the usage text, `heaptag CMD --help`,
 * bash completion and the SYNOPSIS of heaptag(1) (`heaptag __man-synopsis`,
 * checked by a test) are all printed from it, so none can miss an option.
 *
 * Synopsis words: a word with a lower-case letter or starting with '-' is
 * literal (bold in the man page), an upper-case word is a value (italic);
 * [ ] | and ... are the usual grammar. Every option of the list appears in
 * the synopsis and every option the synopsis names is in the list (tested).
 */
#include "ctl.h"

#include <string.h>

#define END { NULL, NULL, NULL, NULL }

static const struct ctl_option run_opts[] = {
    { "+FLAGS", NULL, CTL_VALUES_FLAGS, "flags added after $HEAPTAG_FLAGS (+ptg is on by default)" },
    { "--pid-file", "FILE", CTL_VALUES_FILES, "write the program's pid to FILE before it starts" },
    { "--anyway", NULL, NULL, "run a static, setuid or setgid CMD untagged instead of refusing" },
    { "--", NULL, NULL, "the end of heaptag's arguments: CMD follows" },
    END,
};

static const struct ctl_option ls_opts[] = { END };

static const struct ctl_option mon_opts[] = {
    { "-p", "PID|NAME[,...]", CTL_VALUES_PIDS,
      "these processes only: pids, or program names (every tagged process of that name)" },
    { "--children", NULL, NULL, "with -p: their tagged descendants too" },
    { "-i", "SECS", NULL, "refresh every SECS seconds (default 1; 0.001 or more)" },
    { "-n", "COUNT", NULL, "print COUNT snapshots, then exit" },
    { "-N", "FILE", CTL_VALUES_FILES, "write one snapshot to FILE (PoolMon's /n: poolsnap.log)" },
    { "--format", "table|csv|json", "table csv json", "the log format (implies a log, not the screen)" },
    { "--by", "tag|site|func|module", "tag site func module",
      "group rows by tag and site (default), by call site, by function or by module" },
    { "--split", NULL, NULL, "a row per process instead of sums over processes" },
    { "--all", NULL, NULL, "exited and dead processes too" },
    { "-b", NULL, NULL, "sort by live bytes (default); again on the screen: reverse" },
    { "-a", NULL, NULL, "sort by allocations" },
    { "-f", NULL, NULL, "sort by frees" },
    { "-d", NULL, NULL, "sort by Diff (blocks alive)" },
    { "-t", NULL, NULL, "sort by tag" },
    { "-m", NULL, NULL, "sort by Per Alloc (Bytes / Diff)" },
    { "-o", NULL, NULL, "sort by Old (live bytes allocated at least --old ago)" },
    { "--old", "SECS", NULL,
      "Old counts live bytes allocated at least SECS ago (default 600; 1 or more)" },
    { "-(", NULL, NULL, "sort by change since the last refresh" },
    { "--include", "PATTERN", NULL, "keep tags matching PATTERN (* and ?; PoolMon's /iTAG)" },
    { "--exclude", "PATTERN", NULL, "drop tags matching PATTERN (PoolMon's /xTAG)" },
    { "-e", NULL, NULL, "a totals line" },
    { "-l", NULL, NULL, "no highlighting of changed rows" },
    { "-g", "FILE", CTL_VALUES_FILES,
      "descriptions from \"NAME  description\" lines: a tag, a function or a site" },
    END,
};

static const struct ctl_option gc_opts[] = { END };

static const struct ctl_option flags_opts[] = {
    { "-r", NULL, NULL, "the persistent settings file (system file as root, else yours)" },
    { "-i", "IMAGE", NULL, "the entry of one executable (name or path) in that file" },
    { "-p", "PID", CTL_VALUES_PIDS, "a running process, at once (also -k PID)" },
    { "+FLAGS", NULL, CTL_VALUES_FLAGS, "turn flags on" },
    { "-FLAGS", NULL, CTL_VALUES_FLAGS, "turn flags off" },
    { "--tracedb", "MB", NULL, "size of the stack trace database" },
    { "--system", NULL, NULL, "with -r or -i: the system file even when not root" },
    { "--user", NULL, NULL, "with -r or -i: your own file even as root" },
    END,
};

static const struct ctl_option dump_opts[] = {
    { "-p", "PID", CTL_VALUES_PIDS, "the process (default: the only tagged one)" },
    { "--children", NULL, NULL, "with -p: a part per tagged descendant too" },
    END,
};

static const struct ctl_option diff_opts[] = { END };

/* Where trend reads from instead of logs: a Prometheus server. */
#define TREND_PROMETHEUS_OPTS \
    { "--prometheus", "URL", NULL, "read heaptag_live_bytes from this Prometheus server, not logs" }, \
    { "--match", "SELECTOR", NULL, "with --prometheus: only series matching '{job=\"api\"}'" }, \
    { "--step", "DUR", NULL, "with --prometheus: the query step (default: the scrape interval)" }, \
    { "--fetch", "auto|read|query", "auto read query", \
      "with --prometheus: remote read of raw chunks, range queries, or the first offered (auto)" }

static const struct ctl_option trend_opts[] = {
    { "--plot", "FILE", CTL_VALUES_FILES, "draw the top rows to FILE (.svg or .html), suspects in red" },
    { "--top", "N", NULL, "at most N rows (default 10; 1 to 1000)" },
    { "-v", NULL, NULL, "say why each other row is not a suspect" },
    { "--format", "table|csv|json", "table csv json", "one record per suspect (csv, json)" },
    { "--since", "TIME|+OFFSET", NULL,
      "from a time (2026-11-25T22:40:01Z) or an offset from the first snapshot (+90s, 15m, 2h, 1d);"
      " with --prometheus a duration back from now (default 1d)" },
    { "--until", "TIME|+OFFSET", NULL, "up to a time or an offset" },
    TREND_PROMETHEUS_OPTS,
    END,
};

static const struct ctl_option rules_opts[] = {
    { "--window", "DUR", NULL, "growth measured over DUR (default 1h)" },
    { "--for", "DUR", NULL, "an alert fires after DUR (default 1h)" },
    { "--row-rate", "SIZE", NULL, "a row's growth per hour that alerts (default 0: any)" },
    { "--min-bytes", "SIZE", NULL, "rows smaller than SIZE never alert (default 1M)" },
    { "--instance-rate", "SIZE", NULL, "an instance's growth per hour that alerts (default 10M)" },
    END,
};

static const struct ctl_option reports_opts[] = {
    { "-p", "PID", CTL_VALUES_PIDS, "one process (default: every process with a report)" },
    END,
};

/* What export and serve both take: how many series, how a site is named,
 * which segments. */
#define PROM_SERIES_OPTS \
    { "--top", "N", NULL, "series per process by live bytes (default 100)" }, \
    { "--by", "function|tag|site", "function tag site", \
      "name a call site by function and file (default), module+offset, or add a site label" }, \
    { "--all", NULL, NULL, "every segment, not only live and recently exited" }

static const struct ctl_option export_opts[] = {
    { "--prometheus", NULL, NULL, "the Prometheus text format (the only one)" },
    { "-p", "PID[,PID...]", CTL_VALUES_PIDS, "these processes only" },
    { "--children", NULL, NULL, "with -p: their tagged descendants too" },
    PROM_SERIES_OPTS,
    { "-o", "FILE", CTL_VALUES_FILES, "write FILE atomically instead of stdout" },
    END,
};

static const struct ctl_option serve_opts[] = {
    { "--listen", "HOST:PORT", NULL, "where to listen (default 127.0.0.1:9464)" },
    { "--allow-remote", NULL, NULL, "allow an address other than loopback" },
    { "-p", "PID[,PID...]", CTL_VALUES_PIDS, "these processes only" },
    PROM_SERIES_OPTS,
    END,
};

const struct ctl_command ctl_commands[] = {
    { "run", cmd_run, "[+FLAGS ...] [--pid-file FILE] [--anyway]\n[--] CMD [ARGS ...]",
      "run CMD with the shim (ptg is on by default)", run_opts,
      "CMD keeps heaptag's pid; when stderr is a terminal, run says it there. Watch\n"
      "CMD from another terminal: heaptag mon -p PID (or -p NAME). The segment is kept\n"
      "after CMD exits (HEAPTAG_KEEP=1). A static, setuid or setgid CMD is refused:\n"
      "the loader would not preload the shim.\n",
      "heaptag run --pid-file app.pid -- ./app" },
    { "ls", cmd_ls, "", "list tagged processes, live and exited", ls_opts,
      "Columns: PID, state (live, exited with its status, dead), rows, segment size,\n"
      "heap check reports, flags, program.\n",
      "heaptag ls" },
    { "mon", cmd_mon,
      "[-p PID|NAME[,...]] [--children] [-i SECS] [-n COUNT]\n"
      "[--format table|csv|json] [--by tag|site|func|module]\n"
      "[--split] [--all] [-b|-a|-f|-d|-t|-m|-o] [-(] [-e] [-l]\n"
      "[--old SECS] [--include PATTERN] [--exclude PATTERN]\n"
      "[-g FILE] [-N FILE]",
      "the tag table (PoolMon), live or as a log", mon_opts,
      "On a terminal mon redraws in place; keys (either case): t a f d b m o sort\n"
      "(again: reverse), ( ) sort by change, g changes the age Old counts from (wider\n"
      "than 80 columns), p cycles the Type filter, s splits by process,\n"
      "w cycles the grouping, x adds exited processes, e totals, l highlighting,\n"
      "Left Right scroll sideways, h help, q quits. Not on a terminal, or with -n or\n"
      "--format, it prints a timestamped snapshot every interval. PoolMon's spellings\n"
      "/b /a /f /d /t /m /( /e /l /p /g /n /iTAG /xTAG work too.\n",
      "heaptag mon -p myserver -i 60 >> poolmon.log   # log a snapshot a minute" },
    { "gc", cmd_gc, "", "remove segments of exited and dead processes", gc_opts, NULL,
      "heaptag gc" },
    { "flags", cmd_flags, "[-r | -i IMAGE | -p PID] [+FLAGS ...] [-FLAGS ...]\n"
      "[--tracedb MB] [--system | --user]",
      "show or change flags (GFlags)", flags_opts,
      "Without a scope and a change: what is set in every scope. Flags combine as\n"
      "GFlags takes them: +ptg+ust-htc, hex values (+0x1400, -20), a bare hex value\n"
      "replaces the word. /r /i /p /k work too.\n",
      "heaptag flags -i sort +htc   # heap tail checking for every run of sort" },
    { "dump", cmd_dump, "[-p PID [--children]]", "live rows and ust stacks, symbolised", dump_opts,
      "Writes nothing on stdout when it fails (exit 1).\n",
      "heaptag dump -p 4242 > before.txt" },
    { "diff", cmd_diff, "OLD NEW [NEWER ...]",
      "stacks whose live bytes grew (UMDH); with more dumps, steady growth first", diff_opts,
      NULL, "heaptag diff before.txt after.txt" },
    { "trend", cmd_trend,
      "[--plot FILE] [--top N] [-v] [--format table|csv|json]\n"
      "[--since TIME|+OFFSET] [--until TIME|+OFFSET]\n"
      "LOG ... | --prometheus URL [--match SELECTOR] [--step DUR]\n"
      "[--fetch auto|read|query]",
      "rank the rows that leak, and since when", trend_opts,
      "Reads what mon logged (table, CSV or JSON Lines), or heaptag's series from a\n"
      "Prometheus server (per instance, process and row; a restart is no growth).\n"
      "Exits 1 when it names a suspect, 0 when it names none, 2 on a usage error or\n"
      "when no input gives it anything to judge.\n",
      "heaptag trend poolmon.log --plot leak.svg" },
    { "reports", cmd_reports, "[-p PID]", "heap check reports, symbolised", reports_opts, NULL,
      "heaptag reports -p 4242" },
    { "export", cmd_export,
      "--prometheus [-p PID[,PID...] [--children]] [--top N]\n"
      "[--by function|tag|site] [--all] [-o FILE]",
      "the counters as Prometheus metrics", export_opts,
      "Without -p: live processes and those that exited in the last 5 minutes.\n",
      "heaptag export --prometheus -o /var/lib/node_exporter/heaptag.prom" },
    { "serve", cmd_serve,
      "[--listen HOST:PORT] [--allow-remote] [-p PID[,PID...]]\n"
      "[--top N] [--by function|tag|site] [--all]",
      "answer GET /metrics (default 127.0.0.1:9464)", serve_opts, NULL,
      "heaptag serve --listen 127.0.0.1:9464" },
    { "rules", cmd_rules,
      "[--window DUR] [--for DUR] [--row-rate SIZE]\n"
      "[--min-bytes SIZE] [--instance-rate SIZE]",
      "Prometheus recording and alerting rules for the metrics", rules_opts,
      "Recording rules for each row's and instance's growth; alerts for a steady leak,\n"
      "a growing instance and dropped series. Check with promtool check rules.\n",
      "heaptag rules > /etc/prometheus/heaptag-rules.yml" },
};
const size_t ctl_n_commands = sizeof ctl_commands / sizeof ctl_commands[0];

const struct ctl_command *ctl_command_find(const char *name)
{
    for (size_t i = 0; name && i < ctl_n_commands; i++)
        if (!strcmp(ctl_commands[i].name, name))
            return &ctl_commands[i];
    return NULL;
}
