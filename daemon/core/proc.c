/*
 * proc.c - the supervisor in the parent process.  See proc.h.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/log.h"
#include "core/opts.h"
#include "core/pidfile.h"
#include "core/proc.h"
#include "core/sdnotify.h"

static void child_start(struct proc_child *c);

/* ---- messages from a child ------------------------------------------ */

/* An answer to mgmt's edit `id` from the parent itself. */
static void edit_refuse(struct supervisor *s, uint32_t id, int status, const char *text)
{
	struct proc_child *mgmt = &s->children[PROC_MGMT];
	struct msg_edit_done d = { .id = id, .status = status };

	snprintf(d.text, sizeof(d.text), "%s", text);
	if (mgmt->fd >= 0 && msg_send(mgmt->fd, PROC_PARENT, PROC_MGMT, MSG_EDIT_DONE, &d, sizeof(d)) < 0)
		log_warn("cannot answer mgmt");
}

/* mgmt -> engine: the parent only passes edits on (DESIGN.md: children
 * talk through the parent, whose table says who may say what). */
static void relay_edit(struct supervisor *s, struct msg_edit *e)
{
	struct proc_child *to;
	char why[128];

	e->text[sizeof(e->text) - 1] = '\0';
	if (e->proc != PROC_VRRP && e->proc != PROC_CHECK) {
		edit_refuse(s, e->id, 400, "edits go to the vrrp or the check process");
		return;
	}
	to = &s->children[e->proc];
	if (to->fd < 0) {
		snprintf(why, sizeof(why), "the %s process is not running%s", proc_name(to->id),
			 to->enabled ? " (it is restarting; try again)" : " (vigild runs without it: -P/-C)");
		edit_refuse(s, e->id, 503, why);
		return;
	}
	if (msg_send(to->fd, PROC_PARENT, to->id, MSG_EDIT, e, sizeof(*e)) < 0)
		edit_refuse(s, e->id, 503, "cannot reach the engine");
}

static void relay_edit_done(struct supervisor *s, struct msg_edit_done *d)
{
	struct proc_child *mgmt = &s->children[PROC_MGMT];

	d->text[sizeof(d->text) - 1] = '\0';
	if (mgmt->fd < 0 || msg_send(mgmt->fd, PROC_PARENT, PROC_MGMT, MSG_EDIT_DONE, d, sizeof(*d)) < 0)
		log_warnx("an edit's answer could not reach mgmt (it restarted): %s", d->text);
}

/* systemd (Type=notify): READY=1 once every running child said it is up
 * (at start) or applied the new configuration (after a reload). */
static void child_answered(struct supervisor *s, enum proc_id id)
{
	s->waiting &= ~(1u << id);
	if (!s->ready_owed || s->waiting || s->stopping)
		return;
	s->ready_owed = false;
	sdnotifyf("READY=1\nSTATUS=running %s (reload %u): %zu VRRP instances, %zu virtual servers",
		  s->conf_path, s->generation, s->conf->n_vrrps, s->conf->n_vss);
}

static void on_child_msg(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct proc_child *c = arg;
	const char *why = NULL;
	struct msg m;
	int r;

	while ((r = msg_recv(fd, c->id, PROC_PARENT, &m, &why)) > 0) {
		switch (m.hdr.type) {
		case MSG_HELLO:
			log_debug("child %s (pid %d) is up", proc_name(c->id), (int)m.u.hello.pid);
			child_answered(c->sup, c->id);
			break;
		case MSG_EDIT:
			relay_edit(c->sup, &m.u.edit);
			break;
		case MSG_EDIT_DONE:
			relay_edit_done(c->sup, &m.u.edit_done);
			break;
		case MSG_RELOAD_DONE:
			if (m.u.reload_done.errors)
				log_warnx("reload %u: child %s kept its previous configuration (%d errors)",
					  m.u.reload_done.generation, proc_name(c->id),
					  (int)m.u.reload_done.errors);
			else
				log_info("reload %u: child %s done", m.u.reload_done.generation,
					 proc_name(c->id));
			if (m.u.reload_done.generation == c->sup->generation)
				child_answered(c->sup, c->id);
			break;
		default:
			log_fatalx("message %s from child %s has no handler", msg_type_name(m.hdr.type),
				   proc_name(c->id));
		}
	}
	if (r == 0 || (r < 0 && errno != EAGAIN)) {
		/* EOF or a broken child: stop listening; SIGCHLD does the rest.
		 * A child that sends garbage is killed so it restarts clean. */
		if (r < 0 && errno == EPROTO) {
			log_errx("child %s sent an invalid message (%s); killing it", proc_name(c->id), why);
			if (c->pid > 0)
				kill(c->pid, SIGKILL);
		}
		ev_io_del(loop, fd);
		close(fd);
		c->fd = -1;
	}
}

/* ---- start, death, restart ------------------------------------------ */

static noreturn void child_exec(struct proc_child *c, int fd)
{
	struct supervisor *s = c->sup;
	struct child_ctx ctx = {
		.id = c->id, .fd = fd, .conf_path = s->conf_path, .conf = s->conf,
		.pid_file = c->pid_file, .opts = s->opts, .control_fd = -1,
	};
	char comm[16];
	sigset_t none;

	/* Forget the parent's loop and the other children's sockets; only
	 * mgmt keeps the control socket. */
	for (int i = 0; i < PROC__COUNT; i++)
		if (s->children[i].fd >= 0)
			close(s->children[i].fd);
	if (c->id == PROC_MGMT)
		ctx.control_fd = s->control_fd;
	else if (s->control_fd >= 0)
		close(s->control_fd);
	ev_loop_free(s->loop);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGHUP, SIG_IGN);     /* reloads come from the parent as messages */
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != s->parent_pid)
		_exit(EXIT_SUCCESS);

	snprintf(comm, sizeof(comm), "vigild-%s", proc_name(c->id));
	prctl(PR_SET_NAME, comm);
	log_set_ident(comm);
	if (c->ops->prepare)
		c->ops->prepare(&ctx);
	if (c->ops->unprivileged)
		child_drop_privileges(s->opts->mgmt_user);
	exit(child_run(c->ops, &ctx));
}

static void child_start(struct proc_child *c)
{
	struct supervisor *s = c->sup;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("child %s: socketpair", proc_name(c->id));
		goto retry;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("child %s: fork", proc_name(c->id));
		close(sv[0]);
		close(sv[1]);
		goto retry;
	}
	if (pid == 0) {
		close(sv[0]);
		child_exec(c, sv[1]);
	}
	close(sv[1]);
	c->pid = pid;
	c->fd = sv[0];
	c->started_at = ev_now(s->loop);
	if (ev_io_add(s->loop, c->fd, EPOLLIN, on_child_msg, c) < 0)
		log_warn("child %s: watching its socket", proc_name(c->id));
	if (c->pid_file && pidfile_write(c->pid_file, pid) < 0)
		log_warn("child %s: writing pid file %s", proc_name(c->id), c->pid_file);
	log_info("child %s started (pid %d)", proc_name(c->id), (int)pid);
	return;
retry:
	c->backoff = proc_backoff_next(c->backoff, 0);
	ev_timer_start_in(s->loop, &c->restart_timer, c->backoff);
}

static void on_restart_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct proc_child *c = arg;

	if (!c->sup->stopping)
		child_start(c);
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

static bool any_child_running(const struct supervisor *s)
{
	for (int i = 0; i < PROC__COUNT; i++)
		if (s->children[i].pid > 0)
			return true;
	return false;
}

static void child_died(struct proc_child *c, int status)
{
	struct supervisor *s = c->sup;
	uint64_t now = ev_now(s->loop);
	char how[64];

	describe_status(status, how, sizeof(how));
	if (c->fd >= 0) {
		ev_io_del(s->loop, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	pidfile_remove(c->pid_file);

	if (s->stopping) {
		log_info("child %s (pid %d) %s", proc_name(c->id), (int)c->pid, how);
		c->pid = 0;
		if (!any_child_running(s)) {
			ev_timer_stop(s->loop, &s->stop_timer);
			ev_break(s->loop);
		}
		return;
	}
	if (c->replacing) {
		/* it stopped because a reload asked: not a failure */
		log_info("child %s (pid %d) %s; starting it again with the new configuration",
			 proc_name(c->id), (int)c->pid, how);
		c->replacing = false;
		c->pid = 0;
		child_start(c);
		return;
	}
	if (s->opts->dont_respawn) {
		log_errx("child %s (pid %d) %s; not restarting (--dont-respawn), stopping",
			 proc_name(c->id), (int)c->pid, how);
		c->pid = 0;
		sup_stop(s, EXIT_FAILURE);
		return;
	}
	c->backoff = proc_backoff_next(c->backoff, now - c->started_at);
	c->restarts++;
	log_warnx("child %s (pid %d) %s; restart %u in %.1f s", proc_name(c->id), (int)c->pid, how,
		  c->restarts, (double)c->backoff / EV_NSEC_PER_SEC);
	c->pid = 0;
	ev_timer_start_in(s->loop, &c->restart_timer, c->backoff);
}

static void on_sigchld(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg)
{
	struct supervisor *s = arg;
	int status;
	pid_t pid;

	/* signalfd coalesces SIGCHLDs: reap everything that exited. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < PROC__COUNT; i++) {
			if (s->children[i].pid == pid) {
				child_died(&s->children[i], status);
				break;
			}
		}
	}
}

/* ---- reload and stop ------------------------------------------------ */

void sup_reload(struct supervisor *s)
{
	struct conf_diags d = { 0 };
	struct conf *next;
	bool replace_mgmt;

	if (s->stopping)
		return;
	log_info("reload: reading %s", s->conf_path);
	sdnotify("RELOADING=1");
	next = conf_load_file(s->conf_path, 0, &d);
	for (size_t i = 0; i < d.n; i++) {
		const struct conf_diag *g = &d.v[i];
		const char *sev = g->severity == CONF_ERROR ? "error" : "warning";

		if (g->file)
			log_warnx("reload: %s:%d: %s: %s", g->file, g->line, sev, g->msg);
		else
			log_warnx("reload: %s: %s", sev, g->msg);
	}
	if (!next) {
		log_errx("reload: %d error%s in %s; the running configuration stays in effect",
			 d.n_errors, d.n_errors == 1 ? "" : "s", s->conf_path);
		sdnotifyf("READY=1\nSTATUS=reload refused: %d error%s in %s (vigild -t -f %s); "
			  "running the previous configuration", d.n_errors, d.n_errors == 1 ? "" : "s",
			  s->conf_path, s->conf_path);
		conf_diags_free(&d);
		return;
	}
	conf_diags_free(&d);
	/* mgmt does not read the file: it is given its settings at start */
	replace_mgmt = !conf_mgmt_same(s->conf, next);
	conf_free(s->conf);
	s->conf = next;
	s->generation++;
	log_info("reload: configuration OK (reload %u)", s->generation);
	s->waiting = 0;
	s->ready_owed = true;
	for (int i = 0; i < PROC__COUNT; i++) {
		struct proc_child *c = &s->children[i];
		struct msg_reload r = { .generation = s->generation };

		if (c->pid <= 0 || c->fd < 0)
			continue;
		if (c->id == PROC_MGMT && replace_mgmt) {
			log_info("reload: router_id or SNMP settings changed: replacing mgmt");
			c->replacing = true;
			s->waiting |= 1u << c->id;      /* the new one's HELLO */
			if (msg_send(c->fd, PROC_PARENT, c->id, MSG_SHUTDOWN, NULL, 0) < 0)
				kill(c->pid, SIGTERM);
			continue;
		}
		if (msg_send(c->fd, PROC_PARENT, c->id, MSG_RELOAD, &r, sizeof(r)) < 0)
			log_warn("reload: telling child %s", proc_name(c->id));
		else
			s->waiting |= 1u << c->id;
	}
	child_answered(s, PROC_PARENT);
}

static void on_stop_timeout(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct supervisor *s = arg;

	for (int i = 0; i < PROC__COUNT; i++) {
		struct proc_child *c = &s->children[i];

		if (c->pid > 0) {
			log_warnx("child %s (pid %d) did not stop within %.0f s; killing it",
				  proc_name(c->id), (int)c->pid, (double)PROC_STOP_GRACE / EV_NSEC_PER_SEC);
			kill(c->pid, SIGKILL);
		}
	}
}

void sup_stop(struct supervisor *s, int exit_status)
{
	if (s->stopping)
		return;
	s->stopping = true;
	s->exit_status = exit_status;
	sdnotify("STOPPING=1");
	for (int i = 0; i < PROC__COUNT; i++) {
		struct proc_child *c = &s->children[i];

		ev_timer_stop(s->loop, &c->restart_timer);
		if (c->pid <= 0)
			continue;
		if (c->fd < 0 || msg_send(c->fd, PROC_PARENT, c->id, MSG_SHUTDOWN, NULL, 0) < 0)
			kill(c->pid, SIGTERM);
	}
	if (!any_child_running(s)) {
		ev_break(s->loop);
		return;
	}
	ev_timer_start_in(s->loop, &s->stop_timer, PROC_STOP_GRACE);
}

static void on_term(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg)
{
	struct supervisor *s = arg;

	log_info("%s: stopping", strsignal((int)si->ssi_signo));
	sup_stop(s, EXIT_SUCCESS);
}

static void on_hup(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg)
{
	sup_reload(arg);
}

/* vigilctl's socket: made here, as root, 0600 (only root may edit), and
 * handed to mgmt, which accepts on it without root. */
static int control_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path)
		return -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("control socket path %s is too long: vigilctl edits are off", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	make_parent_dir(path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 64) < 0) {
		log_warn("control socket %s: vigilctl edits are off", path);
		close(fd);
		return -1;
	}
	return fd;
}

void sup_cleanup(struct supervisor *s)
{
	if (s->control_fd >= 0) {
		close(s->control_fd);
		s->control_fd = -1;
		unlink(s->opts->control_path);
	}
}

int sup_init(struct supervisor *s, struct ev_loop *loop, const struct vigil_opts *opts,
	     const char *conf_path, struct conf *conf)
{
	static const struct {
		enum proc_id id;
		const struct child_ops *ops;
	} table[] = {
		{ PROC_VRRP, &vrrp_child_ops },
		{ PROC_CHECK, &check_child_ops },
		{ PROC_MGMT, &mgmt_child_ops },
	};

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->opts = opts;
	s->conf_path = conf_path;
	s->conf = conf;
	s->parent_pid = getpid();
	ev_timer_init(&s->stop_timer, on_stop_timeout, s);
	for (int i = 0; i < PROC__COUNT; i++) {
		s->children[i].fd = -1;
		ev_timer_init(&s->children[i].restart_timer, on_restart_timer, &s->children[i]);
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct proc_child *c = &s->children[table[i].id];

		c->sup = s;
		c->id = table[i].id;
		c->ops = table[i].ops;
		c->enabled = c->id == PROC_MGMT || (c->id == PROC_VRRP ? opts->run_vrrp : opts->run_check);
		c->pid_file = c->id == PROC_VRRP ? opts->vrrp_pid_file :
			      c->id == PROC_CHECK ? opts->check_pid_file : opts->mgmt_pid_file;
	}
	s->control_fd = control_listen(opts->control_path);
	if (ev_signal_add(loop, SIGCHLD, on_sigchld, s) < 0 ||
	    ev_signal_add(loop, SIGTERM, on_term, s) < 0 ||
	    ev_signal_add(loop, SIGINT, on_term, s) < 0 ||
	    ev_signal_add(loop, SIGHUP, on_hup, s) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	s->ready_owed = true;
	for (int i = 0; i < PROC__COUNT; i++) {
		if (s->children[i].enabled) {
			s->waiting |= 1u << i;
			child_start(&s->children[i]);
		}
	}
	return 0;
}
