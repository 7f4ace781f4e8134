/*
 * http_server.c - see http_server.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/ev.h"
#include "core/log.h"
#include "http/http_server.h"

struct http_server {
	struct ev_loop *loop;
	struct MHD_Daemon *d;
	int epoll_fd;
	int listen_fd;
	struct ev_timer timer;
	unsigned connections;        /* at the end of the last run */
	struct http_conf conf;
	http_handler_fn fn;
	void *arg;
};

/* One request while its body arrives, and while its answer is awaited. */
struct http_req {
	struct http_server *h;
	struct MHD_Connection *c;
	char *buf;
	size_t len;
	bool too_big;
	bool waiting, answered;
	struct http_reply r;
};

/* Our own listening socket: a bind error names the address and errno. */
static int listen_on(const char *listen_s, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct vaddr a;
	socklen_t sl;
	int port, fd, one = 1;

	if (vaddr_port_parse(listen_s, &a, &port) < 0) {
		snprintf(err, errlen, "'%s' is not IP-ADDRESS:PORT (IPv6 in brackets: [::1]:8080)", listen_s);
		return -1;
	}
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a.u.v4;
		sin->sin_port = htons((uint16_t)port);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a.u.v6;
		sin6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket for %s: %s", listen_s, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", listen_s, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static enum MHD_Result reply(const struct http_server *h, struct MHD_Connection *c, const struct http_reply *r)
{
	static const char empty[] = "";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->body)
		resp = MHD_create_response_from_buffer(strlen(r->body), r->body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, (void *)empty, MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	if (r->body)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					r->content_type ? r->content_type : "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->www_authenticate)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_authenticate);
	/* the page runs its own script and style only, and in no frame */
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
				"form-action 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (h->conf.cors_origin) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, h->conf.cors_origin);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
		if (r->status == 204) {   /* a preflight */
			MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, HEAD, PATCH, POST");
			MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Authorization, Content-Type");
			MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
		}
	}
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct args {
	struct http_arg a[HTTP_MAX_ARGS];
	size_t n;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct args *x = cls;

	(void)kind;
	if (x->n < HTTP_MAX_ARGS)
		x->a[x->n] = (struct http_arg){ key, value ? value : "" };
	if (x->n <= HTTP_MAX_ARGS)
		x->n++;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct http_server *h = cls;
	struct http_req *q = *con_cls;
	struct http_reply r = { 0 };
	struct http_request rq;
	char peer[INET6_ADDRSTRLEN] = "?";
	static struct args args;     /* one request at a time: MHD runs in mgmt's loop */
	const union MHD_ConnectionInfo *ci;

	(void)version;
	if (!q) {
		/* first call: headers only */
		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		q->h = h;
		q->c = c;
		*con_cls = q;
		return MHD_YES;
	}
	if (q->answered) {
		/* resumed: the answer came */
		q->answered = false;
		return reply(h, c, &q->r);
	}
	if (*upload_len) {
		if (!q->too_big && q->len + *upload_len <= h->conf.body_max) {
			char *b = realloc(q->buf, q->len + *upload_len + 1);

			if (!b)
				return MHD_NO;
			memcpy(b + q->len, upload, *upload_len);
			q->buf = b;
			q->len += *upload_len;
			q->buf[q->len] = '\0';
		} else {
			q->too_big = true;   /* read and drop the rest, then say 413 */
		}
		*upload_len = 0;
		return MHD_YES;
	}
	if (q->too_big) {
		char text[160];

		snprintf(text, sizeof(text), "{\"error\":{\"status\":413,\"message\":\"the body is larger "
			 "than %zu bytes\",\"field\":null,\"fix\":\"send a smaller body\"}}", h->conf.body_max);
		r.status = 413;
		r.body = strdup(text);
		return reply(h, c, &r);
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer, sizeof(peer));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof(peer));
	}
	args.n = 0;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &args);
	rq = (struct http_request){
		.method = method, .path = url, .body = q->buf ? q->buf : "", .len = q->len,
		.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
		.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
		.peer = peer, .handle = q, .args = args.a, .n_args = args.n,
	};
	h->fn(h->arg, &rq, &r);
	if (r.status == 0) {
		q->waiting = true;
		MHD_suspend_connection(c);
		return MHD_YES;
	}
	return reply(h, c, &r);
}

void http_req_done(struct http_req *q, const struct http_reply *r)
{
	if (!q->waiting)
		return;
	q->waiting = false;
	q->answered = true;
	q->r = *r;
	MHD_resume_connection(q->c);
	ev_timer_start_in(q->h->loop, &q->h->timer, 0);   /* MHD_run soon */
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *q = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q) {
		free(q->buf);
		free(q);
		*con_cls = NULL;
	}
}

/* Run what MHD has to do now, then arm the timer for its next deadline. */
/* MHD takes its listening socket out of its epoll set while it holds its
 * connection limit, and puts it back only at the start of a later run: a
 * run that closes connections is followed by another at once, and an idle
 * server still runs every second, so that it never stops accepting. */
static void pump(struct http_server *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	const union MHD_DaemonInfo *info;
	unsigned before = h->connections;

	MHD_run(h->d);
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	h->connections = info ? info->num_connections : 0;
	if (before >= h->conf.connections && h->connections < before)
		MHD_run(h->d);
	if (MHD_get_timeout(h->d, &ms) == MHD_YES && ms < 1000)
		ev_timer_start_in(h->loop, &h->timer, (uint64_t)ms * EV_NSEC_PER_MSEC);
	else
		ev_timer_start_in(h->loop, &h->timer, EV_NSEC_PER_SEC);
}

static void on_epoll(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	pump(arg);
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	pump(arg);
}

static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	char line[256];

	(void)arg;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("http: %s", line);
}

struct http_server *http_server_start(struct ev_loop *loop, const struct http_conf *conf, http_handler_fn fn,
				      void *arg, char *err, size_t errlen)
{
	const char *listen_s = conf->listen;
	bool tls = conf->cert_pem && conf->key_pem;
	struct MHD_OptionItem tls_opts[3];
	struct http_server *h = calloc(1, sizeof(*h));
	const union MHD_DaemonInfo *info;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->loop = loop;
	h->conf = *conf;
	h->fn = fn;
	h->arg = arg;
	h->listen_fd = listen_on(listen_s, err, errlen);
	if (h->listen_fd < 0) {
		free(h);
		return NULL;
	}
	/* MHD takes the PEM texts as they are (its GnuTLS parses them); the
	 * parent checked them at start and named the file of a bad one. */
	tls_opts[0] = (struct MHD_OptionItem){ tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
					       (void *)conf->cert_pem };
	tls_opts[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)conf->key_pem };
	tls_opts[2] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0),
				0, NULL, NULL, on_request, h,
				MHD_OPTION_ARRAY, tls_opts,
				MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
				MHD_OPTION_CONNECTION_LIMIT, conf->connections,
				MHD_OPTION_CONNECTION_TIMEOUT, conf->timeout_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				MHD_OPTION_END);
	info = h->d ? MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info || ev_io_add(loop, info->epoll_fd, EPOLLIN, on_epoll, h) < 0) {
		snprintf(err, errlen, "cannot start the HTTP%s server on %s%s", tls ? "S" : "", listen_s,
			 tls ? " (is libmicrohttpd built with TLS? the certificate and key usable?)" : "");
		if (h->d)
			MHD_stop_daemon(h->d);
		close(h->listen_fd);
		free(h);
		return NULL;
	}
	h->epoll_fd = info->epoll_fd;
	ev_timer_init(&h->timer, on_timer, h);
	pump(h);
	return h;
}

void http_server_stop(struct http_server *h)
{
	if (!h)
		return;
	ev_timer_stop(h->loop, &h->timer);
	ev_io_del(h->loop, h->epoll_fd);
	MHD_stop_daemon(h->d);
	close(h->listen_fd);
	free(h);
}
