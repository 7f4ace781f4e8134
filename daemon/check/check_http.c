/*
 * check_http.c - HTTP_GET and SSL_GET.
 *
 * For each url in turn: connect (connect_timeout), for SSL_GET a TLS
 * handshake driven by the loop (GnuTLS, non-blocking, no certificate
 * verification: keepalived does not verify either), send
 * "GET <path> HTTP/1.1" with Host and Connection: close, read the status
 * line and the headers, compare the status with status_code (any 2xx when
 * unset), and when the url has a digest read the body (Content-Length,
 * chunked, or up to the close) and compare its MD5 with it.  Every url must
 * pass.  Each wait on the server is bounded by connect_timeout, so an answer
 * that stops coming is a timeout; the answer is bounded in size.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "check/check_io.h"
#include "core/ev.h"

#define HEAD_MAX 8192              /* status line and headers */
#define ANSWER_MAX (16u << 20)     /* body bytes as they come on the wire */
#define READ_CHUNK 16384

/* keepalived's User-Agent: access logs and filters that know health checks
 * by it keep working after the switch. */
#define USER_AGENT "KeepAliveClient"

enum phase { PH_CONNECT, PH_HANDSHAKE, PH_SEND, PH_HEAD, PH_BODY };

/* Transfer-Encoding: chunked (RFC 9112 7.1), decoded as it comes. */
enum chunk_state { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_END, CH_TRAILER, CH_TRAILER_LINE, CH_DONE };

struct http_op {
	struct check_op op;
	struct ev_loop *loop;
	const struct check_target *t;
	const struct check_http_spec *spec;
	size_t url;                 /* the url in progress */
	int fd;
	gnutls_session_t tls;
	enum phase phase;
	struct ev_timer timer;
	struct chk_result result;   /* delivered by the timer when have_result */
	bool have_result;
	size_t sent;
	char head[HEAD_MAX + 1];
	size_t head_len;
	int status;
	bool chunked;
	long long content_length;   /* -1: unknown */
	unsigned long long body_len;
	unsigned long long raw_len;
	gnutls_hash_hd_t md5;
	enum chunk_state ch;
	unsigned long long ch_left;
	int ch_digits;
};

static gnutls_certificate_credentials_t creds;

/* ---- preparing (once per checker) ----------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int check_http_prepare(struct check_http_spec *spec, const struct conf_checker *ck,
		       const char *host, const char *server_name)
{
	memset(spec, 0, sizeof(*spec));
	spec->tls = ck->type == CONF_CHK_SSL;
	if (server_name && !(spec->server_name = strdup(server_name)))
		return -1;
	spec->urls = calloc(ck->n_urls ? ck->n_urls : 1, sizeof(*spec->urls));
	if (!spec->urls)
		return -1;
	for (size_t i = 0; i < ck->n_urls; i++) {
		const struct conf_url *cu = &ck->urls[i];
		struct check_http_url *u = &spec->urls[spec->n_urls++];
		int n;

		u->path = strdup(cu->path ? cu->path : "/");
		n = asprintf(&u->request,
			     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " USER_AGENT "\r\n"
			     "Accept: */*\r\nConnection: close\r\n\r\n",
			     u->path ? u->path : "/", host);
		if (!u->path || n < 0) {
			u->request = NULL;
			return -1;
		}
		u->request_len = (size_t)n;
		u->status_code = cu->status_code;
		if (cu->digest && strlen(cu->digest) == 32) {
			u->has_digest = true;
			for (int k = 0; k < 16; k++)
				u->digest[k] = (unsigned char)(hexval(cu->digest[2 * k]) << 4 |
							       hexval(cu->digest[2 * k + 1]));
		}
	}
	return 0;
}

void check_http_spec_free(struct check_http_spec *spec)
{
	for (size_t i = 0; i < spec->n_urls; i++) {
		free(spec->urls[i].path);
		free(spec->urls[i].request);
	}
	free(spec->urls);
	free(spec->server_name);
	memset(spec, 0, sizeof(*spec));
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool check_http_spec_equal(const struct check_http_spec *a, const struct check_http_spec *b)
{
	if (a->tls != b->tls || a->n_urls != b->n_urls || !str_eq(a->server_name, b->server_name))
		return false;
	for (size_t i = 0; i < a->n_urls; i++) {
		const struct check_http_url *x = &a->urls[i], *y = &b->urls[i];

		if (!str_eq(x->request, y->request) || x->status_code != y->status_code ||
		    x->has_digest != y->has_digest ||
		    (x->has_digest && memcmp(x->digest, y->digest, sizeof(x->digest)) != 0))
			return false;
	}
	return true;
}

void check_http_cleanup(void)
{
	if (creds) {
		gnutls_certificate_free_credentials(creds);
		creds = NULL;
	}
}

/* ---- one connection -------------------------------------------------------- */

static void conn_close(struct http_op *o)
{
	if (o->tls) {
		gnutls_deinit(o->tls);
		o->tls = NULL;
	}
	if (o->md5) {
		gnutls_hash_deinit(o->md5, NULL);
		o->md5 = NULL;
	}
	if (o->fd >= 0) {
		ev_io_del(o->loop, o->fd);
		close(o->fd);
		o->fd = -1;
	}
}

static void http_release(struct http_op *o)
{
	ev_timer_stop(o->loop, &o->timer);
	conn_close(o);
	free(o);
}

static void http_finish(struct http_op *o, const struct chk_result *r)
{
	struct chk_result copy = *r;
	check_done_fn done = o->op.done;
	void *arg = o->op.arg;

	http_release(o);
	done(arg, &copy);
}

static void http_cancel(struct check_op *op)
{
	http_release((struct http_op *)op);
}

static const char *cur_path(const struct http_op *o)
{
	return o->spec->urls[o->url].path;
}

static void http_fail(struct http_op *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The url in progress failed: so does the check. */
static void http_fail(struct http_op *o, const char *fmt, ...)
{
	struct chk_result r;
	char what[CHK_REASON_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	chk_result_fail(&r, "%s", what);
	http_finish(o, &r);
}

static void http_local(struct http_op *o, const char *what)
{
	struct chk_result r;

	chk_result_local(&r, "%s", what);
	http_finish(o, &r);
}

/* Something moved: the server has connect_timeout again for its next step. */
static void progress(struct http_op *o)
{
	ev_timer_start_in(o->loop, &o->timer, o->t->timeout_ns);
}

static void want(struct http_op *o, uint32_t events)
{
	ev_io_mod(o->loop, o->fd, events);
}

static void start_url(struct http_op *o);

/* The url passed: the next one, or the check passed. */
static void url_passed(struct http_op *o)
{
	struct chk_result r;

	conn_close(o);
	if (++o->url < o->spec->n_urls) {
		start_url(o);
		return;
	}
	chk_result_ok(&r);
	http_finish(o, &r);
}

/* ---- the answer ------------------------------------------------------------ */

static void body_done(struct http_op *o)
{
	const struct check_http_url *u = &o->spec->urls[o->url];
	unsigned char md[16];
	char hex[33];

	gnutls_hash_deinit(o->md5, md);
	o->md5 = NULL;
	if (memcmp(md, u->digest, sizeof(md)) == 0) {
		url_passed(o);
		return;
	}
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	http_fail(o, "digest mismatch on %s (the body's MD5 is %s)", cur_path(o), hex);
}

static void body_data(struct http_op *o, const char *p, size_t n)
{
	if (n) {
		gnutls_hash(o->md5, p, n);
		o->body_len += n;
	}
}

/* Returns -1 on a framing error (the op is finished), 1 when the body is
 * complete, else 0. */
static int chunk_feed(struct http_op *o, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && o->ch != CH_DONE) {
		int c = (unsigned char)p[i], v;
		size_t take;

		switch (o->ch) {
		case CH_SIZE:
			v = hexval(c);
			if (v >= 0) {
				if (o->ch_left > ANSWER_MAX)
					goto bad;
				o->ch_left = o->ch_left * 16 + (unsigned)v;
				o->ch_digits++;
				i++;
			} else if (o->ch_digits == 0) {
				goto bad;
			} else {
				o->ch = CH_EXT;   /* ";ext" and CRLF: up to the LF */
			}
			break;
		case CH_EXT:
			i++;
			if (c == '\n')
				o->ch = o->ch_left ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA:
			take = n - i < o->ch_left ? n - i : (size_t)o->ch_left;
			body_data(o, p + i, take);
			i += take;
			o->ch_left -= take;
			if (!o->ch_left)
				o->ch = CH_DATA_END;
			break;
		case CH_DATA_END:
			i++;
			if (c == '\n') {
				o->ch = CH_SIZE;
				o->ch_digits = 0;
			} else if (c != '\r') {
				goto bad;
			}
			break;
		case CH_TRAILER:
			i++;
			if (c == '\n')
				o->ch = CH_DONE;
			else if (c != '\r')
				o->ch = CH_TRAILER_LINE;
			break;
		case CH_TRAILER_LINE:
			i++;
			if (c == '\n')
				o->ch = CH_TRAILER;
			break;
		case CH_DONE:
			break;
		}
	}
	return o->ch == CH_DONE;
bad:
	http_fail(o, "bad chunked encoding in the answer on %s", cur_path(o));
	return -1;
}

/* Body bytes arrived.  Returns true when the op is over (finished). */
static bool body_feed(struct http_op *o, const char *p, size_t n)
{
	int r;

	o->raw_len += n;
	if (o->raw_len > ANSWER_MAX) {
		http_fail(o, "answer on %s larger than %u MiB", cur_path(o), ANSWER_MAX >> 20);
		return true;
	}
	if (o->chunked) {
		r = chunk_feed(o, p, n);
		if (r < 0)
			return true;
		if (r > 0) {
			body_done(o);
			return true;
		}
		return false;
	}
	if (o->content_length >= 0 && o->body_len + n > (unsigned long long)o->content_length)
		n = (size_t)((unsigned long long)o->content_length - o->body_len);
	body_data(o, p, n);
	if (o->content_length >= 0 && o->body_len == (unsigned long long)o->content_length) {
		body_done(o);
		return true;
	}
	return false;
}

/* The headers are in o->head[0..end).  Returns false when the answer is
 * not HTTP. */
static bool parse_head(struct http_op *o, size_t end)
{
	char *line, *save = NULL, *p;

	o->head[end] = '\0';
	line = strtok_r(o->head, "\n", &save);
	if (!line || strncmp(line, "HTTP/", 5) != 0 || !(p = strchr(line, ' ')))
		return false;
	while (*p == ' ')
		p++;
	if (p[0] < '1' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
		return false;
	o->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon++ = '\0';
		while (*colon == ' ' || *colon == '\t')
			colon++;
		if (strcasecmp(line, "Content-Length") == 0)
			o->content_length = strtoll(colon, NULL, 10);
		else if (strcasecmp(line, "Transfer-Encoding") == 0 && strcasestr(colon, "chunked"))
			o->chunked = true;
	}
	if (o->chunked)
		o->content_length = -1;   /* RFC 9112 6.3: chunked wins */
	return true;
}

/* Header bytes arrived.  Returns true when the op is over or moved on. */
static bool head_feed(struct http_op *o, const char *p, size_t n)
{
	const struct check_http_url *u = &o->spec->urls[o->url];
	size_t room = HEAD_MAX - o->head_len, take = n < room ? n : room, end;
	char *e;

	memcpy(o->head + o->head_len, p, take);
	o->head_len += take;
	o->head[o->head_len] = '\0';
	if ((e = strstr(o->head, "\r\n\r\n")) != NULL)
		end = (size_t)(e - o->head) + 4;
	else if ((e = strstr(o->head, "\n\n")) != NULL)
		end = (size_t)(e - o->head) + 2;
	else if (o->head_len == HEAD_MAX) {
		http_fail(o, "answer headers on %s larger than %d bytes", cur_path(o), HEAD_MAX);
		return true;
	} else {
		return false;
	}
	{
		/* What came after the headers is body. */
		size_t old = o->head_len - take, after = end - old;
		const char *rest = p + after;
		size_t rest_n = n - after;

		if (!parse_head(o, end)) {
			http_fail(o, "not an HTTP answer on %s", cur_path(o));
			return true;
		}
		if (!chk_http_status_ok(o->status, u->status_code)) {
			http_fail(o, "status %d on %s", o->status, cur_path(o));
			return true;
		}
		if (!u->has_digest) {
			url_passed(o);
			return true;
		}
		if (gnutls_hash_init(&o->md5, GNUTLS_DIG_MD5) < 0) {
			o->md5 = NULL;
			http_local(o, "MD5 is not available in GnuTLS (FIPS mode?)");
			return true;
		}
		o->phase = PH_BODY;
		if (o->content_length == 0) {
			body_done(o);
			return true;
		}
		return rest_n && body_feed(o, rest, rest_n);
	}
}

/* The server closed its side. */
static void on_eof(struct http_op *o)
{
	if (o->phase == PH_HEAD) {
		http_fail(o, o->head_len ? "answer on %s cut short" :
			  "connection closed without an answer on %s", cur_path(o));
		return;
	}
	if (o->chunked || (o->content_length >= 0 &&
			   o->body_len < (unsigned long long)o->content_length)) {
		http_fail(o, "answer on %s cut short", cur_path(o));
		return;
	}
	body_done(o);
}

/* ---- driving the connection ------------------------------------------------ */

#define IO_AGAIN (-2)

/* GnuTLS's message without its final period: it goes inside parentheses. */
static const char *tls_error(int r, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%s", gnutls_strerror(r));
	n = strlen(buf);
	if (n && buf[n - 1] == '.')
		buf[n - 1] = '\0';
	return buf;
}

static ssize_t op_recv(struct http_op *o, char *buf, size_t n, char *err, size_t elen)
{
	ssize_t r;

	if (o->tls) {
		r = gnutls_record_recv(o->tls, buf, n);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			return IO_AGAIN;
		if (r == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;     /* closed without close_notify: common, fine */
		if (r < 0) {
			tls_error((int)r, err, elen);
			return -1;
		}
		return r;
	}
	r = recv(o->fd, buf, n, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return IO_AGAIN;
	if (r < 0)
		chk_errno_reason(errno, err, elen);
	return r;
}

static ssize_t op_send(struct http_op *o, const char *buf, size_t n, char *err, size_t elen)
{
	ssize_t r;

	if (o->tls) {
		r = gnutls_record_send(o->tls, buf, n);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			return IO_AGAIN;
		if (r < 0) {
			tls_error((int)r, err, elen);
			return -1;
		}
		return r;
	}
	r = send(o->fd, buf, n, MSG_NOSIGNAL);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return IO_AGAIN;
	if (r < 0)
		chk_errno_reason(errno, err, elen);
	return r;
}

static void do_read(struct http_op *o)
{
	char buf[READ_CHUNK], err[96];
	ssize_t n;

	for (;;) {
		n = op_recv(o, buf, sizeof(buf), err, sizeof(err));
		if (n == IO_AGAIN)
			return;
		if (n < 0) {
			http_fail(o, "reading the answer on %s: %s", cur_path(o), err);
			return;
		}
		if (n == 0) {
			on_eof(o);
			return;
		}
		progress(o);
		if (o->phase == PH_HEAD ? head_feed(o, buf, (size_t)n) : body_feed(o, buf, (size_t)n))
			return;
	}
}

static void do_send(struct http_op *o)
{
	const struct check_http_url *u = &o->spec->urls[o->url];
	char err[96];

	while (o->sent < u->request_len) {
		ssize_t n = op_send(o, u->request + o->sent, u->request_len - o->sent, err,
				    sizeof(err));

		if (n == IO_AGAIN) {
			want(o, EPOLLOUT);
			return;
		}
		if (n < 0) {
			http_fail(o, "sending the request for %s: %s", cur_path(o), err);
			return;
		}
		o->sent += (size_t)n;
		progress(o);
	}
	o->phase = PH_HEAD;
	want(o, EPOLLIN);
	do_read(o);
}

static void do_handshake(struct http_op *o)
{
	char err[96];
	int r;

	do {
		r = gnutls_handshake(o->tls);
	} while (r < 0 && !gnutls_error_is_fatal(r) && r != GNUTLS_E_AGAIN);
	if (r == GNUTLS_E_AGAIN) {
		want(o, gnutls_record_get_direction(o->tls) ? EPOLLOUT : EPOLLIN);
		return;
	}
	if (r < 0) {
		http_fail(o, "TLS handshake failed: %s", tls_error(r, err, sizeof(err)));
		return;
	}
	progress(o);
	o->phase = PH_SEND;
	do_send(o);
}

static int tls_begin(struct http_op *o)
{
	if (!creds && gnutls_certificate_allocate_credentials(&creds) < 0) {
		creds = NULL;
		return -1;
	}
	if (gnutls_init(&o->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0) {
		o->tls = NULL;
		return -1;
	}
	if (gnutls_set_default_priority(o->tls) < 0 ||
	    gnutls_credentials_set(o->tls, GNUTLS_CRD_CERTIFICATE, creds) < 0)
		return -1;
	if (o->spec->server_name)
		gnutls_server_name_set(o->tls, GNUTLS_NAME_DNS, o->spec->server_name,
				       strlen(o->spec->server_name));
	gnutls_transport_set_int(o->tls, o->fd);
	return 0;
}

static void on_connected(struct http_op *o)
{
	struct chk_result r;
	int c = check_connect_result(o->fd, &r);

	if (c > 0)
		return;
	if (c < 0) {
		http_finish(o, &r);
		return;
	}
	progress(o);
	if (!o->spec->tls) {
		o->phase = PH_SEND;
		do_send(o);
		return;
	}
	if (tls_begin(o) < 0) {
		http_local(o, "cannot set up a TLS session");
		return;
	}
	o->phase = PH_HANDSHAKE;
	do_handshake(o);
}

static void http_on_io(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct http_op *o = arg;

	switch (o->phase) {
	case PH_CONNECT:
		on_connected(o);
		break;
	case PH_HANDSHAKE:
		do_handshake(o);
		break;
	case PH_SEND:
		do_send(o);
		break;
	case PH_HEAD:
	case PH_BODY:
		do_read(o);
		break;
	}
}

static void http_on_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct http_op *o = arg;
	char s[32];

	if (o->have_result) {
		http_finish(o, &o->result);
		return;
	}
	chk_fmt_seconds(o->t->timeout_s, s, sizeof(s));
	switch (o->phase) {
	case PH_CONNECT:
		http_fail(o, "timeout after %s", s);
		break;
	case PH_HANDSHAKE:
		http_fail(o, "timeout after %s in the TLS handshake", s);
		break;
	default:
		http_fail(o, "timeout after %s waiting for the answer on %s", s, cur_path(o));
		break;
	}
}

/* Deliver r from the loop (we may be inside check_http_start). */
static void fail_soon(struct http_op *o, const struct chk_result *r)
{
	conn_close(o);
	o->result = *r;
	o->have_result = true;
	check_defer(o->loop, &o->timer);
}

static void start_url(struct http_op *o)
{
	struct chk_result r;

	o->phase = PH_CONNECT;
	o->sent = 0;
	o->head_len = 0;
	o->status = 0;
	o->chunked = false;
	o->content_length = -1;
	o->body_len = 0;
	o->raw_len = 0;
	o->ch = CH_SIZE;
	o->ch_left = 0;
	o->ch_digits = 0;
	o->fd = check_connect(o->t, &r);
	if (o->fd < 0) {
		fail_soon(o, &r);
		return;
	}
	if (ev_io_add(o->loop, o->fd, EPOLLOUT, http_on_io, o) < 0) {
		chk_result_local(&r, "cannot watch a socket: %s", strerror(errno));
		close(o->fd);
		o->fd = -1;
		fail_soon(o, &r);
		return;
	}
	progress(o);
}

struct check_op *check_http_start(struct ev_loop *loop, const struct check_target *t,
				  const struct check_http_spec *spec,
				  check_done_fn done, void *arg)
{
	struct http_op *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->op = (struct check_op){ .cancel = http_cancel, .done = done, .arg = arg };
	o->loop = loop;
	o->t = t;
	o->spec = spec;
	o->fd = -1;
	ev_timer_init(&o->timer, http_on_timer, o);
	if (spec->n_urls == 0) {
		struct chk_result r;

		/* The parser requires a url; nothing to fetch passes, as in keepalived. */
		chk_result_ok(&r);
		fail_soon(o, &r);
		return &o->op;
	}
	start_url(o);
	return &o->op;
}
