/*
 * child.c - the runtime shared by the vrrp, check and mgmt processes.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/child.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/opts.h"
#include "store/store_writer.h"

static void child_stop(struct child_ctx *ctx, const struct child_ops *ops, const char *why)
{
	log_info("stopping (%s)", why);
	if (ops->stop)
		ops->stop(ctx);
	ev_break(ctx->loop);
}

struct child_run_state {
	struct child_ctx *ctx;
	const struct child_ops *ops;
};

static void child_reload(struct child_run_state *st, uint32_t generation)
{
	struct child_ctx *ctx = st->ctx;
	struct msg_reload_done done = { .generation = generation, .errors = 0 };
	struct conf *next = NULL;

	if (st->ops->reads_config) {
		struct conf_diags d = { 0 };

		next = conf_load_file(ctx->conf_path, 0, &d);
		if (!next) {
			/* The parent checked this file; it changed since. */
			for (size_t i = 0; i < d.n; i++)
				log_errx("reload: %s:%d: %s", d.v[i].file ? d.v[i].file : ctx->conf_path,
					 d.v[i].line, d.v[i].msg);
			done.errors = d.n_errors;
		}
		conf_diags_free(&d);
	}
	if (done.errors == 0 && st->ops->reload && st->ops->reload(ctx, next) < 0)
		done.errors = 1;
	if (done.errors == 0) {
		if (next) {
			conf_free(ctx->conf);
			ctx->conf = next;
		}
		ctx->generation = generation;
		log_info("reload %u applied", generation);
	} else {
		conf_free(next);
		log_warnx("reload %u not applied; the previous configuration stays", generation);
	}
	if (msg_send(ctx->fd, ctx->id, PROC_PARENT, MSG_RELOAD_DONE, &done, sizeof(done)) < 0)
		log_warn("reload: cannot answer the parent");
}

static void on_parent(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct child_run_state *st = arg;
	const char *why = NULL;
	struct msg m;
	int r;

	while ((r = msg_recv(fd, PROC_PARENT, st->ctx->id, &m, &why)) > 0) {
		switch (m.hdr.type) {
		case MSG_RELOAD:
			child_reload(st, m.u.reload.generation);
			break;
		case MSG_SHUTDOWN:
			child_stop(st->ctx, st->ops, "asked by the parent");
			return;
		case MSG_EDIT:
			m.u.edit.text[sizeof(m.u.edit.text) - 1] = '\0';
			if (st->ops->edit)
				st->ops->edit(st->ctx, m.u.edit.id, m.u.edit.text);
			else
				child_edit_done(st->ctx, m.u.edit.id, 400, "the %s process takes no edits",
						proc_name(st->ctx->id));
			break;
		case MSG_EDIT_DONE:
			m.u.edit_done.text[sizeof(m.u.edit_done.text) - 1] = '\0';
			if (st->ops->edit_done)
				st->ops->edit_done(st->ctx, &m.u.edit_done);
			break;
		default:
			/* Allowed by the table but not handled: a bug. */
			log_fatalx("message %s from the parent has no handler", msg_type_name(m.hdr.type));
		}
	}
	if (r == 0) {
		child_stop(st->ctx, st->ops, "the parent went away");
		return;
	}
	if (errno == EPROTO)
		log_fatalx("invalid message from the parent: %s", why);
	if (errno != EAGAIN)
		log_fatal("reading from the parent");
}

static void on_term(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg)
{
	struct child_run_state *st = arg;

	child_stop(st->ctx, st->ops, strsignal((int)si->ssi_signo));
}

int child_run(const struct child_ops *ops, struct child_ctx *ctx)
{
	struct child_run_state st = { .ctx = ctx, .ops = ops };
	struct msg_hello hello = { .proc = ctx->id, .pid = (int32_t)getpid() };

	ctx->loop = ev_loop_new();
	if (!ctx->loop)
		log_fatal("cannot create the event loop");
	if (ev_signal_add(ctx->loop, SIGTERM, on_term, &st) < 0 ||
	    ev_signal_add(ctx->loop, SIGINT, on_term, &st) < 0)
		log_fatal("cannot watch signals");
	if (ev_io_add(ctx->loop, ctx->fd, EPOLLIN, on_parent, &st) < 0)
		log_fatal("cannot watch the parent socket");
	if (ops->start && ops->start(ctx) < 0)
		log_fatalx("%s: start failed", proc_name(ctx->id));
	if (msg_send(ctx->fd, ctx->id, PROC_PARENT, MSG_HELLO, &hello, sizeof(hello)) < 0)
		log_fatal("cannot greet the parent");
	if (ev_run(ctx->loop) < 0)
		log_fatal("event loop");
	ev_loop_free(ctx->loop);
	ctx->loop = NULL;
	conf_free(ctx->conf);
	ctx->conf = NULL;
	return EXIT_SUCCESS;
}

void child_drop_privileges(const char *user)
{
	const char *name = user ? user : VIGIL_MGMT_USER;
	struct passwd *pw = getpwnam(name);

	if (!pw && !user) {
		name = "nobody";
		pw = getpwnam(name);
	}
	if (!pw)
		log_fatalx("user '%s' does not exist: create it or choose another with --mgmt-user", name);
	if (pw->pw_uid == 0)
		log_fatalx("user '%s' is root: the mgmt process must run unprivileged (--mgmt-user)", name);
	if (setgroups(1, &pw->pw_gid) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		log_fatal("cannot become user '%s'", name);
	if (setuid(0) == 0)
		log_fatalx("dropping privileges to '%s' did not stick", name);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_fatal("PR_SET_NO_NEW_PRIVS");
	if (chdir("/") < 0)
		log_fatal("chdir /");
	log_info("running as user %s (uid %d)", name, (int)pw->pw_uid);
}

const char *child_state_path(const struct child_ctx *ctx, const char *name, char *buf, size_t len)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", ctx->pid_file ? ctx->pid_file : "/tmp/vigil");
	snprintf(buf, len, "%s/%s", dirname(dir), name);
	return buf;
}

struct store_writer *child_store_open(struct child_ctx *ctx)
{
	struct store_retention keep = {
		.max_age_ms = (int64_t)ctx->opts->keep_days * 24 * 3600 * 1000,
		.max_rows = ctx->opts->keep_rows,
	};
	char err[STORE_ERRLEN];
	struct store_writer *w;

	if (!ctx->opts->db_path)
		return NULL;
	w = store_writer_new(ctx->opts->db_path, ctx->loop, &keep, err, sizeof(err));
	if (!w)
		log_errx("%s: state store: %s; running without it", proc_name(ctx->id), err);
	return w;
}

sqlite3 *child_store_read(struct child_ctx *ctx)
{
	char err[STORE_ERRLEN];
	sqlite3 *db;

	if (!ctx->opts->db_path)
		return NULL;
	db = store_open(ctx->opts->db_path, true, err, sizeof(err));
	if (!db)
		log_errx("%s: state store: %s: what it holds (operators' edits, last states) is "
			 "not used", proc_name(ctx->id), err);
	return db;
}

void child_edit_done(struct child_ctx *ctx, uint32_t id, int status, const char *fmt, ...)
{
	struct msg_edit_done d = { .id = id, .status = status };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d.text, sizeof(d.text), fmt, ap);
	va_end(ap);
	if (msg_send(ctx->fd, ctx->id, PROC_PARENT, MSG_EDIT_DONE, &d, sizeof(d)) < 0)
		log_warn("cannot answer an edit");
}

int child_edit_send(struct child_ctx *ctx, uint32_t id, enum proc_id to, const char *json)
{
	struct msg_edit e = { .id = id, .proc = to };

	if (strlen(json) >= sizeof(e.text)) {
		errno = EMSGSIZE;
		return -1;
	}
	strcpy(e.text, json);
	return msg_send(ctx->fd, ctx->id, PROC_PARENT, MSG_EDIT, &e, sizeof(e));
}
