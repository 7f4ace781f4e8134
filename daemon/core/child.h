/*
 * child.h - what every child process (vrrp, check, mgmt) shares: its context
 * and the hooks its module provides.  child_run() owns the loop, the socket
 * to the parent and the reload/stop protocol; a module only fills the hooks.
 */
#ifndef VIGIL_CHILD_H
#define VIGIL_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/msg.h"

struct conf;
struct ev_loop;
struct vigil_opts;

struct child_ctx {
	enum proc_id id;
	int fd;                    /* SOCK_SEQPACKET to the parent */
	const char *conf_path;
	const char *pid_file;      /* this process's pid file (its directory holds state dumps) */
	const struct vigil_opts *opts;
	struct conf *conf;         /* the configuration in effect */
	struct ev_loop *loop;
	uint32_t generation;       /* of the last reload applied */
	void *module;              /* the module's own state */
};

struct child_ops {
	enum proc_id id;
	/* Re-read the configuration file on reload (the process keeps root);
	 * otherwise the module is only told that a reload happened. */
	bool reads_config;
	/* Drop to the unprivileged mgmt user before start(). */
	bool unprivileged;
	int (*start)(struct child_ctx *ctx);
	/* Called with the new configuration (NULL when !reads_config).  On
	 * success the module has adopted it; ctx->conf is replaced after. */
	int (*reload)(struct child_ctx *ctx, struct conf *next);
	void (*stop)(struct child_ctx *ctx);
};

extern const struct child_ops vrrp_child_ops;
extern const struct child_ops check_child_ops;
extern const struct child_ops mgmt_child_ops;

/* Run a child until it is told to stop.  Returns the exit status. */
int child_run(const struct child_ops *ops, struct child_ctx *ctx);

/* `name` in the directory of this process's pid file (where state dumps
 * go: vrrp-state.json, check-state.json).  Returns buf. */
const char *child_state_path(const struct child_ctx *ctx, const char *name, char *buf, size_t len);

/* Become `user` (or nobody when user is NULL and the default user does
 * not exist): groups, gid, uid, no new privileges.  Fatal on failure. */
void child_drop_privileges(const char *user);

#endif /* VIGIL_CHILD_H */
