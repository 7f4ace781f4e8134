/*
 * vrrp_main.c - the vrrp process: VRRP instances, trackers, VIPs, notify.
 *
 * This process keeps root (raw sockets, netlink, scripts as script_user).
 * The engine is in vrrp_inst.c; this file plugs it into the child runtime.
 */
#include "config.h"

#include "conf/conf.h"
#include "core/child.h"
#include "core/log.h"
#include "vrrp/vrrp_inst.h"

static int vrrp_start(struct child_ctx *ctx)
{
	struct vrrp_engine *e = vrrp_engine_new(ctx->loop);

	ctx->module = e;
	log_info("vrrp: %zu instances, %zu sync groups, %zu scripts configured",
		 ctx->conf->n_vrrps, ctx->conf->n_sync_groups, ctx->conf->n_scripts);
	return vrrp_engine_start(e, ctx->conf);
}

static int vrrp_reload(struct child_ctx *ctx, struct conf *next)
{
	return vrrp_engine_reload(ctx->module, next);
}

static void vrrp_stop(struct child_ctx *ctx)
{
	vrrp_engine_stop(ctx->module);
	vrrp_engine_free(ctx->module);
	ctx->module = NULL;
}

const struct child_ops vrrp_child_ops = {
	.id = PROC_VRRP,
	.reads_config = true,
	.start = vrrp_start,
	.reload = vrrp_reload,
	.stop = vrrp_stop,
};
