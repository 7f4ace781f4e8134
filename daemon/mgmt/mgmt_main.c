/*
 * mgmt_main.c - the mgmt process: HTTP/REST, the AgentX subagent and the
 * split-brain peer polling (issues #6, #7, #8).
 *
 * It parses bytes from the network, so it runs without root: the parent
 * drops it to the mgmt user right after fork (child_drop_privileges).  It
 * does not re-read the configuration file, which root may keep private;
 * what it needs will come from the parent as typed messages.
 */
#include "config.h"

#include "core/child.h"
#include "core/log.h"

static int mgmt_reload(struct child_ctx *ctx, struct conf *next)
{
	log_info("mgmt: reload noted");
	return 0;
}

const struct child_ops mgmt_child_ops = {
	.id = PROC_MGMT,
	.reads_config = false,
	.unprivileged = true,
	.reload = mgmt_reload,
};
