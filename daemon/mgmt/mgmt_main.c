/*
 * mgmt_main.c - the mgmt process: the control socket vigilctl talks to now;
 * HTTP/REST, the AgentX subagent and split-brain polling (issues #6-#8)
 * join it.
 *
 * It parses bytes from outside, so it runs without root: the parent drops
 * it to the mgmt user right after fork (child_drop_privileges).  It does not
 * re-read the configuration file, which root may keep private.
 *
 * Control protocol (one request per connection): the client sends one JSON
 * object on one line, {"action": "drain", "vs": ..., "rs": ..., ...} (see
 * vigilctl.c); mgmt adds who sent it (the peer's uid, checked by the
 * kernel), relays it to the engine that owns the object, and writes back
 * one line, {"status": 0, "text": "..."}, when the engine has applied and
 * stored it, or why not.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/child.h"
#include "core/ev.h"
#include "core/log.h"

#define REQ_MAX 2048
#define ANSWER_TIMEOUT (15 * EV_NSEC_PER_SEC)
#define MAX_CLIENTS 64

struct client {
	struct mgmt *m;
	int fd;
	uint32_t id;            /* of the edit sent for it, 0 before */
	bool reading;           /* its fd is in the loop */
	uid_t uid;
	char buf[REQ_MAX];
	size_t len;
	struct ev_timer timeout;
	struct client *next;
};

struct mgmt {
	struct child_ctx *ctx;
	struct client *clients;
	size_t n_clients;
	uint32_t next_id;
};

static void client_close(struct client *c)
{
	struct mgmt *m = c->m;

	for (struct client **p = &m->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	m->n_clients--;
	ev_timer_stop(m->ctx->loop, &c->timeout);
	if (c->reading)
		ev_io_del(m->ctx->loop, c->fd);
	close(c->fd);
	free(c);
}

/* Write the answer line and close: the client waits for nothing else. */
static void client_answer(struct client *c, int status, const char *text)
{
	json_t *o = json_pack("{s:i, s:s}", "status", status, "text", text);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (line) {
		size_t n = strlen(line);

		line[n] = '\n';   /* json_dumps leaves the NUL: replace, write n + 1 */
		if (write(c->fd, line, n + 1) < 0)
			log_debug("control: the client left before its answer");
	}
	free(line);
	json_decref(o);
	client_close(c);
}

static void on_timeout(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	client_answer(arg, 504, "no answer from the engine in 15 s; the edit may or may not be applied "
			   "(check with vigilctl history)");
}

/* Which engine owns what the request names. */
static int engine_for(const char *action, enum proc_id *to)
{
	static const char *const check_actions[] = { "drain", "undrain", "maint", "weight", "clear" };

	if (strcmp(action, "demote") == 0 || strcmp(action, "undemote") == 0) {
		*to = PROC_VRRP;
		return 0;
	}
	for (size_t i = 0; i < sizeof(check_actions) / sizeof(check_actions[0]); i++)
		if (strcmp(action, check_actions[i]) == 0) {
			*to = PROC_CHECK;
			return 0;
		}
	return -1;
}

static void client_request(struct client *c)
{
	struct mgmt *m = c->m;
	json_error_t jerr;
	json_t *req = json_loadb(c->buf, c->len, 0, &jerr);
	const char *action = NULL, *user = NULL;
	struct passwd *pw;
	char who[128], *text;
	enum proc_id to;

	/* one request per connection: stop reading (a half-closed socket
	 * would stay readable while the engine works) */
	ev_io_del(m->ctx->loop, c->fd);
	c->reading = false;
	if (!req || !json_is_object(req)) {
		json_decref(req);
		client_answer(c, 400, "the request is not a JSON object");
		return;
	}
	if (json_unpack(req, "{s:s}", "action", &action) < 0 || engine_for(action, &to) < 0) {
		json_decref(req);
		client_answer(c, 400, "unknown action: use drain, undrain, maint, weight, clear, demote or undemote");
		return;
	}
	/* who: the name the client gives (SUDO_USER, USER), and the uid the
	 * kernel vouches for */
	json_unpack(req, "{s?s}", "user", &user);
	pw = getpwuid(c->uid);
	snprintf(who, sizeof(who), "%.60s (uid %u)", user ? user : pw ? pw->pw_name : "?",
		 (unsigned)c->uid);
	json_object_set_new(req, "who", json_string(who));
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	c->id = ++m->next_id ? m->next_id : ++m->next_id;
	if (!text || child_edit_send(m->ctx, c->id, to, text) < 0) {
		free(text);
		client_answer(c, 400, "the request is too long");
		return;
	}
	free(text);
	ev_timer_start_in(m->ctx->loop, &c->timeout, ANSWER_TIMEOUT);
}

static void on_client(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	ssize_t n;

	n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (c->len)
			client_request(c);
		else
			client_close(c);
		return;
	}
	c->len += (size_t)n;
	if (memchr(c->buf, '\n', c->len)) {
		c->len = (size_t)((char *)memchr(c->buf, '\n', c->len) - c->buf);
		client_request(c);
	} else if (c->len >= sizeof(c->buf) - 1) {
		client_answer(c, 400, "the request is too long");
	}
}

static void on_accept(struct ev_loop *loop, int lfd, uint32_t events, void *arg)
{
	struct mgmt *m = arg;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *c;

		if (m->n_clients >= MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->m = m;
		c->fd = fd;
		c->uid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.uid : (uid_t)-1;
		ev_timer_init(&c->timeout, on_timeout, c);
		if (ev_io_add(loop, fd, EPOLLIN, on_client, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->reading = true;
		ev_timer_start_in(loop, &c->timeout, ANSWER_TIMEOUT);   /* for the request too */
		c->next = m->clients;
		m->clients = c;
		m->n_clients++;
	}
}

static void mgmt_edit_done(struct child_ctx *ctx, const struct msg_edit_done *d)
{
	struct mgmt *m = ctx->module;

	for (struct client *c = m->clients; c; c = c->next)
		if (c->id == d->id) {
			client_answer(c, d->status, d->text);
			return;
		}
	log_info("control: an answer for a client that left: %s", d->text);
}

static int mgmt_start(struct child_ctx *ctx)
{
	struct mgmt *m = calloc(1, sizeof(*m));

	if (!m)
		return -1;
	m->ctx = ctx;
	ctx->module = m;
	if (ctx->control_fd >= 0 && ev_io_add(ctx->loop, ctx->control_fd, EPOLLIN, on_accept, m) < 0)
		log_warn("mgmt: cannot watch the control socket");
	return 0;
}

static int mgmt_reload(struct child_ctx *ctx, struct conf *next)
{
	log_info("mgmt: reload noted");
	return 0;
}

static void mgmt_stop(struct child_ctx *ctx)
{
	struct mgmt *m = ctx->module;

	while (m && m->clients)
		client_answer(m->clients, 503, "vigild is stopping");
	free(m);
	ctx->module = NULL;
}

const struct child_ops mgmt_child_ops = {
	.id = PROC_MGMT,
	.reads_config = false,
	.unprivileged = true,
	.start = mgmt_start,
	.reload = mgmt_reload,
	.stop = mgmt_stop,
	.edit_done = mgmt_edit_done,
};
