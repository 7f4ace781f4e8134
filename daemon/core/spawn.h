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

/* The user a script runs as: the configured one, else keepalived's
 * default user "keepalived_script" when it exists, else NULL (root). */
const char *spawn_user(const char *configured);

/* keepalived's script security: a script run as root must not be
 * replaceable by anyone else.  Checks the program (the first word of the
 * command line, when it is a path) and every directory above it: owned by
 * root and not writable by group or others.  Returns 0 when safe, else -1
 * with `why` saying which path and what is wrong. */
int spawn_check_secure(const char *cmdline, char *why, size_t len);

#endif /* VIGIL_SPAWN_H */
