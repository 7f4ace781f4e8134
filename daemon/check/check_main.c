/*
 * check_main.c - the check process: health checkers and IPVS.
 *
 * Keeps root (CAP_NET_ADMIN for IPVS through generic netlink, CAP_NET_RAW).
 * The checkers and the IPVS reconcile land with issue #4; today the process
 * holds the configuration and follows the reload/stop protocol.
 */
#include "config.h"

#include "conf/conf.h"
#include "core/child.h"
#include "core/log.h"

static size_t count_real_servers(const struct conf *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_vss; i++)
		n += c->vss[i].n_rs;
	return n;
}

static int check_start(struct child_ctx *ctx)
{
	log_info("check: %zu virtual servers, %zu real servers configured", ctx->conf->n_vss,
		 count_real_servers(ctx->conf));
	return 0;
}

static int check_reload(struct child_ctx *ctx, struct conf *next)
{
	log_info("check: reload: %zu -> %zu real servers", count_real_servers(ctx->conf),
		 count_real_servers(next));
	return 0;
}

const struct child_ops check_child_ops = {
	.id = PROC_CHECK,
	.reads_config = true,
	.start = check_start,
	.reload = check_reload,
};
