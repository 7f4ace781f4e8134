/*
 * spawn.c - see spawn.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/spawn.h"

struct job {
	pid_t pid;
	spawn_cb cb;
	void *arg;
	struct ev_timer timeout;
	bool timed_out;
	struct job *next;
};

static struct ev_loop *spawn_loop;
static struct job *jobs;

static void job_free(struct job *j)
{
	struct job **p;

	for (p = &jobs; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			break;
		}
	ev_timer_stop(spawn_loop, &j->timeout);
	free(j);
}

static void on_sigchld(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (struct job *j = jobs; j; j = j->next) {
			if (j->pid != pid)
				continue;
			if (j->cb)
				j->cb(j->timed_out ? -1 : status, j->arg);
			job_free(j);
			break;
		}
	}
}

static void on_timeout(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct job *j = arg;

	j->timed_out = true;
	kill(-j->pid, SIGKILL);     /* the whole process group */
}

int spawn_init(struct ev_loop *loop)
{
	spawn_loop = loop;
	return ev_signal_add(loop, SIGCHLD, on_sigchld, NULL);
}

/* Append s to buf in single quotes, ' as '\'' . */
static void append_quoted(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);

	if (n + 2 >= cap)
		return;
	buf[n++] = ' ';
	buf[n++] = '\'';
	for (; *s && n + 5 < cap; s++) {
		if (*s == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

static noreturn void child(const char *line, const char *user)
{
	int fd = open("/dev/null", O_RDWR);
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	setpgid(0, 0);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
	if (user) {
		struct passwd *pw = getpwnam(user);

		if (!pw || initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0)
			_exit(126);
	}
	execl("/bin/sh", "sh", "-c", line, (char *)NULL);
	_exit(127);
}

pid_t spawn_run(const char *cmdline, const char *const *args, const char *user,
		uint64_t timeout_ns, spawn_cb cb, void *arg)
{
	char line[4096];
	struct job *j;
	pid_t pid;

	snprintf(line, sizeof(line), "%s", cmdline);
	for (size_t i = 0; args && args[i]; i++)
		append_quoted(line, sizeof(line), args[i]);
	j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	pid = fork();
	if (pid < 0) {
		free(j);
		return -1;
	}
	if (pid == 0)
		child(line, user);
	setpgid(pid, pid);   /* also here: no race with a quick kill */
	j->pid = pid;
	j->cb = cb;
	j->arg = arg;
	ev_timer_init(&j->timeout, on_timeout, j);
	if (timeout_ns && spawn_loop)
		ev_timer_start_in(spawn_loop, &j->timeout, timeout_ns);
	j->next = jobs;
	jobs = j;
	return pid;
}

void spawn_forget(void *arg)
{
	for (struct job *j = jobs; j; j = j->next)
		if (j->arg == arg)
			j->cb = NULL;
}

const char *spawn_user(const char *configured)
{
	if (configured)
		return configured;
	return getpwnam("keepalived_script") ? "keepalived_script" : NULL;
}

static int path_secure(const char *path, char *why, size_t len)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0) {
		snprintf(why, len, "%s is owned by uid %u, not root", path, (unsigned)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		/* Sticky directories (/tmp) still let others replace nothing
		 * they do not own, but a script does not belong there. */
		snprintf(why, len, "%s is writable by %s", path,
			 st.st_mode & S_IWOTH ? "everyone" : "its group");
		return -1;
	}
	return 0;
}

int spawn_check_secure(const char *cmdline, char *why, size_t len)
{
	char path[4096];
	size_t n = strcspn(cmdline, " \t");
	char *slash;

	if (cmdline[0] != '/' || n >= sizeof(path))
		return 0;   /* a shell builtin or a PATH lookup: nothing to check here */
	memcpy(path, cmdline, n);
	path[n] = '\0';
	if (path_secure(path, why, len) < 0)
		return -1;
	while ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		if (path_secure(path[0] ? path : "/", why, len) < 0)
			return -1;
		if (!path[0])
			break;
	}
	return 0;
}
