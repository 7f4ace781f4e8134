/*
 * proc.h - the parent process: forks the vrrp, check and mgmt children,
 * restarts a child that dies (with back-off), relays reloads, and stops
 * everything cleanly.
 */
#ifndef VIGIL_PROC_H
#define VIGIL_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/child.h"
#include "core/ev.h"
#include "core/msg.h"

struct conf;
struct vigil_opts;

/* Restart back-off (pure, unit tested): the first restart waits
 * PROC_BACKOFF_MIN; a child that dies again within PROC_STABLE_NS of its
 * start waits twice as long as the previous time, up to PROC_BACKOFF_MAX; a
 * child that ran longer than that starts over at the minimum. */
#define PROC_BACKOFF_MIN (100 * EV_NSEC_PER_MSEC)
#define PROC_BACKOFF_MAX (30 * EV_NSEC_PER_SEC)
#define PROC_STABLE_NS   (10 * EV_NSEC_PER_SEC)
static inline uint64_t proc_backoff_next(uint64_t prev_backoff, uint64_t lifetime_ns)
{
	if (prev_backoff == 0 || lifetime_ns >= PROC_STABLE_NS)
		return PROC_BACKOFF_MIN;
	if (prev_backoff >= PROC_BACKOFF_MAX / 2)
		return PROC_BACKOFF_MAX;
	return prev_backoff * 2;
}

/* How long a child gets to stop after SHUTDOWN before SIGKILL. */
#define PROC_STOP_GRACE (5 * EV_NSEC_PER_SEC)

struct proc_child {
	struct supervisor *sup;
	enum proc_id id;
	const struct child_ops *ops;
	const char *pid_file;
	bool enabled;
	pid_t pid;                 /* 0 when not running */
	int fd;                    /* our end of the socketpair, -1 when none */
	uint64_t started_at;
	uint64_t backoff;          /* delay of the last restart, 0 = none yet */
	unsigned restarts;
	bool replacing;            /* asked to stop so that a new one starts at once */
	struct ev_timer restart_timer;
};

struct supervisor {
	struct ev_loop *loop;
	const struct vigil_opts *opts;
	const char *conf_path;
	struct conf *conf;
	pid_t parent_pid;
	struct proc_child children[PROC__COUNT];   /* index PROC_PARENT unused */
	bool stopping;
	int exit_status;
	uint32_t generation;
	struct ev_timer stop_timer;
	unsigned waiting;          /* children (1 << id) whose HELLO or RELOAD_DONE READY=1 awaits */
	bool ready_owed;           /* tell systemd READY=1 once `waiting` is empty */
	int control_fd;            /* vigilctl's listening socket, for mgmt; -1: none */
};

/* Fork the enabled children and watch them; then run the loop. */
int sup_init(struct supervisor *s, struct ev_loop *loop, const struct vigil_opts *opts,
	     const char *conf_path, struct conf *conf);
void sup_reload(struct supervisor *s);
void sup_stop(struct supervisor *s, int exit_status);
/* After the loop: remove the control socket. */
void sup_cleanup(struct supervisor *s);

#endif /* VIGIL_PROC_H */
