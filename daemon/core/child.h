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
	int control_fd;            /* mgmt: vigilctl's listening socket, else -1 */
};

struct child_ops {
	enum proc_id id;
	/* Re-read the configuration file on reload (the process keeps root);
	 * otherwise the module is only told that a reload happened. */
	bool reads_config;
	/* Drop to the unprivileged mgmt user before start(). */
	bool unprivileged;
	/* Runs before the privileges are dropped (still root): read what only
	 * root may read.  Optional. */
	void (*prepare)(struct child_ctx *ctx);
	int (*start)(struct child_ctx *ctx);
	/* Called with the new configuration (NULL when !reads_config).  On
	 * success the module has adopted it; ctx->conf is replaced after. */
	int (*reload)(struct child_ctx *ctx, struct conf *next);
	void (*stop)(struct child_ctx *ctx);
	/* An operator's edit (JSON text, see daemon/ctl/vigilctl.c): the
	 * module answers later with child_edit_done(), with the same id. */
	void (*edit)(struct child_ctx *ctx, uint32_t id, const char *json);
	/* mgmt: an edit's answer came back. */
	void (*edit_done)(struct child_ctx *ctx, const struct msg_edit_done *d);
};

/* Answer edit `id` (status 0: done; else 400/404/409/500/503) with a line
 * of text for the operator. */
void child_edit_done(struct child_ctx *ctx, uint32_t id, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* mgmt: send an edit to an engine through the parent.  Returns 0 or -1. */
int child_edit_send(struct child_ctx *ctx, uint32_t id, enum proc_id to, const char *json);

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

/* The engines' writer into the state store (--db), with the retention of
 * --keep-days/--keep-rows; NULL (logged) when there is no usable store. */
struct store_writer *child_store_open(struct child_ctx *ctx);

/* A read-only connection to the state store, for what an engine reads at
 * start; NULL (logged) without one.  Close it with sqlite3_close. */
typedef struct sqlite3 sqlite3;
sqlite3 *child_store_read(struct child_ctx *ctx);

#endif /* VIGIL_CHILD_H */
