/*
 * check_tcp.c - TCP_CHECK: the service is up when a TCP connection to it
 * completes within connect_timeout.  Also the non-blocking connect that
 * HTTP_GET and SSL_GET start with.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check/check_io.h"
#include "core/ev.h"

/* Errors that say "we cannot check" rather than "the server is down". */
static bool local_errno(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM ||
	       err == EADDRINUSE || err == EADDRNOTAVAIL || err == EAFNOSUPPORT;
}

static void errno_result(struct chk_result *r, int err, const char *what)
{
	char e[96];

	chk_errno_reason(err, e, sizeof(e));
	if (local_errno(err))
		chk_result_local(r, "%s: %s", what, e);
	else
		chk_result_fail(r, "%s", e);
}

int check_connect(const struct check_target *t, struct chk_result *r)
{
	int fd = socket(t->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	int one = 1;

	if (fd < 0) {
		errno_result(r, errno, "cannot open a socket");
		return -1;
	}
	if (t->src_len) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&t->src, t->src_len) < 0) {
			/* A bindto address we do not hold is a config problem on
			 * this node, not a dead server: still, no verdict. */
			errno_result(r, errno, "cannot bind to the bindto address");
			if (r->outcome == CHK_FAIL)
				chk_result_local(r, "cannot bind to the bindto address: %s", r->reason);
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (const struct sockaddr *)&t->dst, t->dst_len) < 0 && errno != EINPROGRESS) {
		errno_result(r, errno, "cannot connect");
		close(fd);
		return -1;
	}
	return fd;
}

int check_connect_result(int fd, struct chk_result *r)
{
	int err = 0;
	socklen_t len = sizeof(err);

	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (!err) {
		/* No error yet is not "connected": an event meant for an
		 * earlier socket with the same number can come first. */
		if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0 && errno == ENOTCONN)
			return 1;
		return 0;
	}
	errno_result(r, err, "cannot connect");
	return -1;
}

void check_defer(struct ev_loop *loop, struct ev_timer *timer)
{
	ev_timer_start_at(loop, timer, ev_now(loop));
}

/* ---- TCP_CHECK ----------------------------------------------------------- */

struct tcp_op {
	struct check_op op;
	struct ev_loop *loop;
	const struct check_target *t;
	int fd;
	struct ev_timer timer;
	struct chk_result result;   /* a result found at start, delivered by the timer */
	bool have_result;
};

static void tcp_release(struct tcp_op *o)
{
	ev_timer_stop(o->loop, &o->timer);
	if (o->fd >= 0) {
		ev_io_del(o->loop, o->fd);
		close(o->fd);
	}
	free(o);
}

static void tcp_finish(struct tcp_op *o, const struct chk_result *r)
{
	struct chk_result copy = *r;
	check_done_fn done = o->op.done;
	void *arg = o->op.arg;

	tcp_release(o);
	done(arg, &copy);
}

static void tcp_on_io(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct tcp_op *o = arg;
	struct chk_result r;
	int c = check_connect_result(fd, &r);

	if (c > 0)
		return;     /* still connecting */
	if (c == 0)
		chk_result_ok(&r);
	tcp_finish(o, &r);
}

static void tcp_on_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct tcp_op *o = arg;
	struct chk_result r;
	char s[32];

	if (o->have_result) {
		tcp_finish(o, &o->result);
		return;
	}
	chk_result_fail(&r, "timeout after %s", chk_fmt_seconds(o->t->timeout_s, s, sizeof(s)));
	tcp_finish(o, &r);
}

static void tcp_cancel(struct check_op *op)
{
	tcp_release((struct tcp_op *)op);
}

struct check_op *check_tcp_start(struct ev_loop *loop, const struct check_target *t,
				 check_done_fn done, void *arg)
{
	struct tcp_op *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->op = (struct check_op){ .cancel = tcp_cancel, .done = done, .arg = arg };
	o->loop = loop;
	o->t = t;
	ev_timer_init(&o->timer, tcp_on_timer, o);
	o->fd = check_connect(t, &o->result);
	if (o->fd < 0 || ev_io_add(loop, o->fd, EPOLLOUT, tcp_on_io, o) < 0) {
		if (o->fd >= 0) {
			chk_result_local(&o->result, "cannot watch a socket: %s", strerror(errno));
			close(o->fd);
			o->fd = -1;
		}
		o->have_result = true;
		check_defer(loop, &o->timer);
		return &o->op;
	}
	ev_timer_start_in(loop, &o->timer, t->timeout_ns);
	return &o->op;
}
