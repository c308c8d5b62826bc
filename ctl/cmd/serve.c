/* SPDX-License-Identifier: MIT
 * cmd/serve.c - `heaptag serve [--listen HOST:PORT] [--allow-remote] [-p PID...]
 * [--top N] [--by function|tag|site] [--all]`: answers GET /metrics with the exposition
 * of `heaptag export --prometheus`, read afresh for every scrape; keeps
 * nothing between scrapes. Binds to
 * loopback unless told otherwise; shows only segments its user may read.
 */
#include <err.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "prom/http_server.h"
#include "prom/collect.h"
#include "sym/symbolize.h"
#include "prom/format.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9464"

struct serve_ctx {
    struct prom_args args;
    const char *dir;
};

static const char serve_index[] =
    "<html><head><title>heaptag</title></head><body>"
    "<p>heaptag heap metrics: <a href=\"/metrics\">/metrics</a></p></body></html>\n";

static void serve_metrics(const struct serve_ctx *ctx, struct http_response *res)
{
    struct prom_set set;
    char *buf = NULL;
    size_t len = 0;
    res->status = 500;
    /* a pid that went away is just absent from this scrape: nothing to report */
    const struct prom_args *a = &ctx->args;
    if (prom_collect(ctx->dir, a->pids, a->n_pids, a->flags, &a->opts, &set, NULL) != 0)
        return;
    FILE *mem = open_memstream(&buf, &len);
    int ok = mem != NULL;
    if (mem)
        prom_write_procs(mem, set.procs, set.n, &a->opts, set.skipped);
    if (mem && fclose(mem) != 0)
        ok = 0;
    prom_set_free(&set);
    /* nothing is kept from one scrape to the next: give the snapshots' memory
     * back now, so what serve holds between scrapes stays that of an idle server */
    malloc_trim(0);
    if (!ok) {
        free(buf);
        return;
    }
    res->status = 200;
    res->content_type = PROM_CONTENT_TYPE;
    res->body = buf;
    res->len = len;
}

static void serve_handle(void *arg, const char *path, struct http_response *res)
{
    const struct serve_ctx *ctx = arg;
    if (!strcmp(path, "/metrics")) {
        serve_metrics(ctx, res);
    } else if (!strcmp(path, "/")) {
        res->body = strdup(serve_index);
        res->len = sizeof serve_index - 1;
        res->content_type = "text/html; charset=utf-8";
        res->status = res->body ? 200 : 500;
    } else {
        res->status = 404;
    }
}

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "allow-remote", no_argument, NULL, 'R' },
        PROM_ARGS_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    static struct serve_ctx ctx = { .args = PROM_ARGS_INIT };
    const char *listen_on = SERVE_DEFAULT_LISTEN;
    int allow_remote = 0, c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:p:l:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': listen_on = optarg; break;
        case 'R': allow_remote = 1; break;
        default: prom_args_opt("serve", c, argv, &ctx.args);
        }
    }
    if (optind < argc)
        ctl_usage_error("serve: unexpected argument '%s'", argv[optind]);
    ctx.dir = segread_dir();
    if (ctx.args.opts.by != PROM_BY_TAG)
        ctx.args.opts.sym = sym_cache_new(); /* kept across scrapes: each module is opened once */
    signal(SIGPIPE, SIG_IGN); /* a closed stdout or a client gone must not end us */

    char bound[96];
    const char *why;
    int fd = http_listen(listen_on, allow_remote, bound, sizeof bound, &why);
    if (fd == -2)
        ctl_usage_error("serve: bad --listen '%s': %s", listen_on, why);
    if (fd < 0)
        errx(1, "serve: cannot listen on %s: %s", listen_on, why);
    printf("heaptag: serving http://%s/metrics (segments in %s)\n", bound, ctx.dir);
    fflush(stdout);
    if (http_serve(fd, serve_handle, &ctx) != 0)
        err(1, "serve: poll");
    return 1;
}
