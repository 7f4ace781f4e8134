/*
 * vrrp_main.c - the vrrp process: VRRP instances, trackers, VIPs, notify.
 *
 * This process keeps root (raw sockets, netlink, scripts as script_user).
 * The engine is in vrrp_inst.c; this file plugs it into the child runtime.
 */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "conf/conf.h"
#include "core/child.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/opts.h"
#include "store/store_writer.h"
#include "vrrp/vrrp_inst.h"
#include "vrrp/vrrp_live.h"

static char dump_path[PATH_MAX];
static char live_path[PATH_MAX];
static struct store_writer *store;

/* SIGUSR2: write the state and counters next to the pid file. */
static void on_usr2(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg)
{
	struct child_ctx *ctx = arg;

	if (ctx->module && vrrp_engine_dump(ctx->module, dump_path) < 0)
		log_warn("cannot write %s", dump_path);
}

/* What the store remembers of each instance from before this start: for
 * the log (the RFC's start-up rules still decide the state). */
static void log_last_state(void *arg, const char *name, const char *state, int64_t since_ms)
{
	char when[32];
	time_t t = (time_t)(since_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	log_info("(%s) last known state before this start: %s since %s", name, state, when);
}

static void vrrp_edit(struct child_ctx *ctx, uint32_t id, const char *json)
{
	vrrp_engine_edit(ctx->module, ctx, id, json);
}

static int vrrp_start(struct child_ctx *ctx)
{
	struct vrrp_engine *e = vrrp_engine_new(ctx->loop);
	sqlite3 *db;

	ctx->module = e;
	/* VRRP timers are the product: the default 50 us timer slack would
	 * be added to every Adver_Timer and Master_Down_Timer.  1 ns asks the
	 * kernel to fire them as close to the deadline as it can. */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) < 0)
		log_warn("cannot lower the timer slack");
	child_state_path(ctx, "vrrp-state.json", dump_path, sizeof(dump_path));
	ev_signal_add(ctx->loop, SIGUSR2, on_usr2, ctx);
	log_info("vrrp: %zu instances, %zu sync groups, %zu scripts configured",
		 ctx->conf->n_vrrps, ctx->conf->n_sync_groups, ctx->conf->n_scripts);
	store = child_store_open(ctx);
	db = child_store_read(ctx);
	if (db) {
		if (store_last_states(db, log_last_state, NULL) < 0)
			log_warnx("vrrp: state store: %s", sqlite3_errmsg(db));
		/* before the first election: a demoted instance starts demoted */
		vrrp_engine_load_demotions(e, db);
		sqlite3_close(db);
	}
	vrrp_engine_set_store(e, store);
	vrrp_engine_set_live(e, child_state_path(ctx, VRRP_LIVE_FILE, live_path, sizeof(live_path)));
	return vrrp_engine_start(e, ctx->conf);
}

static int vrrp_reload(struct child_ctx *ctx, struct conf *next)
{
	return vrrp_engine_reload(ctx->module, next);
}

static void vrrp_stop(struct child_ctx *ctx)
{
	vrrp_engine_stop(ctx->module);
	vrrp_engine_store_counters(ctx->module);     /* the last values */
	vrrp_engine_free(ctx->module);
	ctx->module = NULL;
	store_writer_free(store);     /* commits the last transitions */
	store = NULL;
}

const struct child_ops vrrp_child_ops = {
	.id = PROC_VRRP,
	.reads_config = true,
	.start = vrrp_start,
	.reload = vrrp_reload,
	.stop = vrrp_stop,
	.edit = vrrp_edit,
};
