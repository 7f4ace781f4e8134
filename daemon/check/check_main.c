/*
 * check_main.c - the check process: health checkers and IPVS.
 *
 * Keeps root (CAP_NET_ADMIN for IPVS through generic netlink, CAP_NET_RAW).
 * The health checkers run in check_run.c's engine; the IPVS reconcile
 * (issue #4) will consume their verdicts.  This file plugs the engine into
 * the child runtime: start, reload, stop, and SIGUSR2 for a state dump.
 */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "check/check_lvs.h"
#include "lb/lb_live.h"
#include "check/check_run.h"
#include "conf/conf.h"
#include "core/child.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/opts.h"
#include "store/store_writer.h"
#include "core/spawn.h"

static char dump_path[PATH_MAX];
static char live_path[PATH_MAX];

/* What the process runs: the checkers, and IPVS kept in line with them. */
struct check_proc {
	struct check_engine *engine;
	struct check_lvs *lvs;
	struct store_writer *store;
	const struct conf *conf;       /* in effect */
};

/* A real server went up or down: its notify_up / notify_down script, then
 * IPVS. */
static void on_health(void *arg, size_t vs, size_t rs, bool up, int weight, const char *why)
{
	struct check_proc *p = arg;
	const struct conf_rs *r = &p->conf->vss[vs].rs[rs];
	const char *script = up ? r->notify_up : r->notify_down;

	if (script && spawn_run(script, NULL, spawn_user(p->conf->global.script_user),
				30 * EV_NSEC_PER_SEC, NULL, NULL) < 0)
		log_warn("cannot run '%s'", script);
	check_lvs_health(p->lvs, vs, rs, up, why);
	check_lvs_changed(p->lvs);
}

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
	struct check_proc *p = ctx->module;

	if (p && check_engine_dump(p->engine, dump_path) < 0)
		log_warn("cannot write %s", dump_path);
}

/* A first verdict that changed nothing (alive, and the check passed). */
static void on_seen(void *arg, size_t vs, size_t rs, bool up, int weight, const char *why)
{
	struct check_proc *p = arg;

	check_lvs_health_seen(p->lvs, vs, rs, up, why);
}

static int check_start(struct child_ctx *ctx)
{
	struct check_proc *p = calloc(1, sizeof(*p));
	sqlite3 *db;

	if (!p || !(p->engine = check_engine_new(ctx->loop)))
		return -1;
	ctx->module = p;
	p->lvs = check_lvs_new(ctx->loop, p->engine);
	if (!p->lvs)
		return -1;
	p->conf = ctx->conf;
	check_engine_set_hook(p->engine, on_health, p);
	check_engine_set_seen_hook(p->engine, on_seen, p);
	child_state_path(ctx, "check-state.json", dump_path, sizeof(dump_path));
	check_lvs_set_live(p->lvs, child_state_path(ctx, LB_LIVE_FILE, live_path, sizeof(live_path)));
	if (ev_signal_add(ctx->loop, SIGUSR2, on_usr2, ctx) < 0)
		log_warn("check: cannot watch SIGUSR2");
	log_info("check: %zu virtual servers, %zu real servers configured", ctx->conf->n_vss,
		 count_real_servers(ctx->conf));
	/* the drains an operator made survive a restart: known before the
	 * first reconcile */
	p->store = child_store_open(ctx);
	check_lvs_set_store(p->lvs, p->store);
	if ((db = child_store_read(ctx))) {
		check_lvs_load_overrides(p->lvs, db);
		sqlite3_close(db);
	}
	if (check_engine_start(p->engine, ctx->conf) < 0)
		return -1;
	check_lvs_set_conf(p->lvs, ctx->conf);
	return 0;
}

static int check_reload(struct child_ctx *ctx, struct conf *next)
{
	struct check_proc *p = ctx->module;

	const struct conf *prev = p->conf;

	p->conf = next;        /* hooks from here on speak of `next` */
	if (check_engine_reload(p->engine, next) < 0) {
		p->conf = prev;
		return -1;
	}
	check_lvs_set_conf(p->lvs, next);
	return 0;
}

/* keepalived's omega: a virtual server marked `omega` runs, at shutdown,
 * the notify_down of each real server that is up and its quorum_down, as
 * if everything went down (scripts that deregister the node elsewhere). */
static void run_omega(const struct check_proc *p)
{
	const struct conf *c = p->conf;
	const char *user = spawn_user(c->global.script_user);

	for (size_t i = 0; i < c->n_vss; i++) {
		const struct conf_vs *vs = &c->vss[i];

		if (!vs->omega)
			continue;
		for (size_t j = 0; j < vs->n_rs; j++) {
			bool up = false;
			int w;

			if (vs->rs[j].notify_down && check_engine_rs_health(p->engine, i, j, &up, &w) && up)
				spawn_run(vs->rs[j].notify_down, NULL, user, 30 * EV_NSEC_PER_SEC, NULL, NULL);
		}
		if (vs->quorum_down)
			spawn_run(vs->quorum_down, NULL, user, 30 * EV_NSEC_PER_SEC, NULL, NULL);
	}
}

static void check_stop(struct child_ctx *ctx)
{
	struct check_proc *p = ctx->module;

	/* the last counters, and the edits in flight, are committed before
	 * anything stops */
	check_lvs_store_counters(p->lvs);
	store_writer_free(p->store);
	p->store = NULL;
	check_lvs_set_store(p->lvs, NULL);
	run_omega(p);

	check_engine_stop(p->engine);
	check_lvs_stop(p->lvs, ctx->opts && ctx->opts->dont_release_ipvs);
	check_lvs_free(p->lvs);
	check_engine_free(p->engine);
	free(p);
	ctx->module = NULL;
}

static void check_edit(struct child_ctx *ctx, uint32_t id, const char *json)
{
	struct check_proc *p = ctx->module;

	check_lvs_edit(p->lvs, ctx, id, json);
}

const struct child_ops check_child_ops = {
	.id = PROC_CHECK,
	.reads_config = true,
	.start = check_start,
	.reload = check_reload,
	.stop = check_stop,
	.edit = check_edit,
};
