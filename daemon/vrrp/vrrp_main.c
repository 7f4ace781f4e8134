/*
 * vrrp_main.c - the vrrp process: VRRP instances, trackers, VIPs, notify.
 *
 * This process keeps root (CAP_NET_RAW, CAP_NET_ADMIN) for raw sockets and
 * netlink.  The VRRP engine itself (packets, state machine, sockets) lands
 * with issue #3; today the process holds the configuration and follows the
 * reload/stop protocol.
 */
#include "config.h"

#include "conf/conf.h"
#include "core/child.h"
#include "core/log.h"

static int vrrp_start(struct child_ctx *ctx)
{
	log_info("vrrp: %zu instances, %zu sync groups, %zu scripts configured",
		 ctx->conf->n_vrrps, ctx->conf->n_sync_groups, ctx->conf->n_scripts);
	return 0;
}

static int vrrp_reload(struct child_ctx *ctx, struct conf *next)
{
	log_info("vrrp: reload: %zu -> %zu instances", ctx->conf->n_vrrps, next->n_vrrps);
	return 0;
}

const struct child_ops vrrp_child_ops = {
	.id = PROC_VRRP,
	.reads_config = true,
	.start = vrrp_start,
	.reload = vrrp_reload,
};
