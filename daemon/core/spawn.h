/*
 * spawn.h - run a script without blocking the event loop.
 *
 * The command line is given to /bin/sh -c (keepalived's script lines are
 * shell lines, with arguments).  The child runs as `user` when given (the
 * configuration's script_user), in its own process group, with stdin on
 * /dev/null.  Its exit is collected through the loop's SIGCHLD; a timeout
 * kills the process group.  The callback gets the wait status, or -1 when
 * the script timed out.
 */
#ifndef VIGIL_SPAWN_H
#define VIGIL_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

struct ev_loop;

typedef void (*spawn_cb)(int status, void *arg);

/* Install the SIGCHLD handler on `loop` (once per process). */
int spawn_init(struct ev_loop *loop);

/* Start `cmdline` (args appended, each shell-quoted).  cb may be NULL
 * (fire and forget: notify scripts).  Returns the pid or -1. */
pid_t spawn_run(const char *cmdline, const char *const *args, const char *user,
		uint64_t timeout_ns, spawn_cb cb, void *arg);

/* Forget the callback of a running script (its owner goes away). */
void spawn_forget(void *arg);

#endif /* VIGIL_SPAWN_H */
