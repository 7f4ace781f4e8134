/*
 * check_main.c - the check process: health checkers and IPVS.
 *
 * Keeps root (CAP_NET_ADMIN for IPVS through generic netlink, CAP_NET_RAW).
 * The health checkers run in check_run.c's engine; the IPVS reconcile
 * (issue #4) will consume their verdicts.  This file plugs the engine into
 * the child runtime: start, reload, stop, and SIGUSR2 for a state dump.
 */
#include "config.h"

#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>

#include "check/check_run.h"
#include "conf/conf.h"
#include "core/child.h"
#include "core/ev.h"
#include "core/log.h"

static char dump_path[PATH_MAX];

static size_t count_real_servers(const struct conf *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_vss; i++)
		n += c->vss[i].n_rs;
	return n;
}

/* SIGUSR2: write every real server's health next to the pid file. */
static void on_usr2(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg)
{
	struct child_ctx *ctx = arg;

	if (ctx->module && check_engine_dump(ctx->module, dump_path) < 0)
		log_warn("cannot write %s", dump_path);
}

static int check_start(struct child_ctx *ctx)
{
	struct check_engine *e = check_engine_new(ctx->loop);
	char dir[PATH_MAX];

	if (!e)
		return -1;
	ctx->module = e;
	snprintf(dir, sizeof(dir), "%s", ctx->pid_file ? ctx->pid_file : "/tmp/x");
	snprintf(dump_path, sizeof(dump_path), "%s/check-state.json", dirname(dir));
	if (ev_signal_add(ctx->loop, SIGUSR2, on_usr2, ctx) < 0)
		log_warn("check: cannot watch SIGUSR2");
	log_info("check: %zu virtual servers, %zu real servers configured", ctx->conf->n_vss,
		 count_real_servers(ctx->conf));
	return check_engine_start(e, ctx->conf);
}

static int check_reload(struct child_ctx *ctx, struct conf *next)
{
	return check_engine_reload(ctx->module, next);
}

static void check_stop(struct child_ctx *ctx)
{
	check_engine_free(ctx->module);
	ctx->module = NULL;
}

const struct child_ops check_child_ops = {
	.id = PROC_CHECK,
	.reads_config = true,
	.start = check_start,
	.reload = check_reload,
	.stop = check_stop,
};
