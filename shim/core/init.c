/* SPDX-License-Identifier: MIT
 * init.c - starting the shim, and keeping it right across fork and exit.
 *
 * Start-up happens on the first allocation that can afford it or in our
 * constructor, whichever comes first; an allocation that arrives while another
 * thread is starting is served uncounted rather than made to wait.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/init.h"
#include "base/config.h"
#include "settings.h"
#include "callers/own_code.h"
#include "checks/report.h"
#include "accounting/segment.h"
#include "callers/sites.h"
#include "accounting/slots.h"
#include "base/state.h"
#include "ht_atomic.h"
#include "base/next.h"

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
static int init_state = INIT_NONE;

extern char **environ;

static void on_fork_prepare(void)
{
    int saved = errno;
    ht_enter();
    ht_segment_fork_prepare();
    ht_leave();
    errno = saved;
}

static void on_fork_parent(void)
{
    ht_segment_fork_parent();
}

static void on_fork_child(void)
{
    int saved = errno;
    ht_enter();
    ht_sites_fork_child();
    ht_segment_fork_child();
    ht_slots_fork_child();
    ht_leave();
    errno = saved;
}

void ht_note_exit(int status)
{
    ht_segment_exit(status);
}

static void on_exit_status(int status, void *arg)
{
    (void)arg;
    ht_segment_exit(status);
}

/* `heaptag run` started this very process (HEAPTAG_RUN_PID is our pid). */
static int started_by_run(void)
{
    const char *v = ht_getenv(HT_RUN_PID_ENV);
    long pid = 0;
    if (!v || !*v)
        return 0;
    for (; *v >= '0' && *v <= '9' && pid < HT_PID_MAX_LIMIT; v++)
        pid = pid * 10 + (*v - '0');
    return !*v && pid == (long)getpid();
}

/* One line at start, for the program `heaptag run` started: nothing will be
 * counted in it, why, and what to do. */
static void say_passive(void)
{
    if (!started_by_run())
        return;
    const char *who = ht_next_passive_who;
    if (ht_next_passive_reason == HT_PASSIVE_EXECUTABLE) {
        ht_warn("passive: the program defines malloc itself; its allocations cannot be "
                "counted (heaptag ls shows it passive)");
        return;
    }
    char msg[HT_PATH_MAX + 200];
    size_t n = 0;
    const char *parts[] = { "passive: malloc comes from ", who,
                            ", loaded before libheaptag.so; nothing is counted: put "
                            "libheaptag.so first in LD_PRELOAD (and not after it in "
                            "/etc/ld.so.preload)" };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *c = parts[i]; *c && n + 1 < sizeof msg; c++)
            msg[n++] = *c;
    msg[n] = '\0';
    ht_warn(msg);
}

void ht_init(void)
{
    /* Before libc has set up the environment we cannot read our settings:
     * serve uncounted and try again at the next allocation. */
    if (!environ || ht_self.depth || ht_next_resolve() != 0)
        return;
    int expected = INIT_NONE;
    if (!ht_cas_acq_rel(&init_state, &expected, INIT_RUNNING))
        return;
    int saved_errno = errno; /* settings files that are absent set it */
    ht_enter();
    ht_own_code_init();
    struct ht_config cfg;
    ht_config_load(&cfg);
    if (cfg.wrappers[0])
        ht_sites_add_wrappers(cfg.wrappers, strlen(cfg.wrappers));
    if (cfg.wrappers_env)
        ht_sites_add_wrappers(cfg.wrappers_env, strlen(cfg.wrappers_env));
    ht_report_set_abort(cfg.abort_on_report);
    if (ht_segment_start(&cfg) == 0) {
        ht_slots_init();
        pthread_atfork(on_fork_prepare, on_fork_parent, on_fork_child);
        on_exit(on_exit_status, NULL);
    }
    if (ht_next_passive())
        say_passive();
    ht_leave();
    errno = saved_errno;
    ht_store_release(&init_state, INIT_DONE);
}
