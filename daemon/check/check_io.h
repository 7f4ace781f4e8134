/*
 * check_io.h - the checkers' I/O: one check at a time per checker, never
 * blocking the check process's loop.
 *
 * Each start function begins one check and returns at once; the result
 * comes later through `done`, from the loop (never from inside the start
 * call).  After `done` the operation is gone.  check_op_cancel() ends one
 * before its result (reload, stop) and `done` is not called.
 *
 *   check_tcp.c   TCP_CHECK, and the non-blocking connect every network
 *                 check starts with
 *   check_http.c  HTTP_GET and SSL_GET (GnuTLS), every url in turn
 *   check_misc.c  MISC_CHECK through core/spawn
 *
 * What a check needs (addresses, requests, digests) is prepared once by the
 * engine and owned by it; an operation only points at it, so the engine
 * must outlive its operations (it cancels them first).
 */
#ifndef VIGIL_CHECK_IO_H
#define VIGIL_CHECK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "check/check_state.h"
#include "conf/conf.h"
#include "core/ev.h"

typedef void (*check_done_fn)(void *arg, const struct chk_result *r);

/* Every operation starts with this header. */
struct check_op {
	void (*cancel)(struct check_op *op);
	check_done_fn done;
	void *arg;
};

static inline void check_op_cancel(struct check_op *op)
{
	op->cancel(op);
}

/* Where a network check connects, from where, and how long it may wait. */
struct check_target {
	struct sockaddr_storage dst;
	socklen_t dst_len;
	struct sockaddr_storage src;      /* bindto / bind_port */
	socklen_t src_len;                /* 0: the kernel chooses */
	uint64_t timeout_ns;              /* connect_timeout: for the connect, then
	                                   * for each wait on the server */
	double timeout_s;                 /* the same, for messages */
};

/* ---- check_tcp.c ----------------------------------------------------------- */

struct check_op *check_tcp_start(struct ev_loop *loop, const struct check_target *t,
				 check_done_fn done, void *arg);

/* A non-blocking TCP socket connecting to t->dst (bound to t->src when set).
 * Returns the descriptor (wait for EPOLLOUT, then check_connect_result()),
 * or -1 with r filled: CHK_FAIL when the connect failed at once (refused,
 * unreachable), CHK_LOCAL_ERROR when we could not even try. */
int check_connect(const struct check_target *t, struct chk_result *r);

/* After EPOLLOUT: 0 when connected, 1 when still connecting (keep
 * waiting), else -1 with r filled. */
int check_connect_result(int fd, struct chk_result *r);

/* Deliver a result from the loop soon (a failure found inside a start
 * function must not call `done` from there): arms `timer` for now. */
void check_defer(struct ev_loop *loop, struct ev_timer *timer);

/* ---- check_http.c ---------------------------------------------------------- */

struct check_http_url {
	char *path;
	char *request;                    /* the whole GET request */
	size_t request_len;
	int status_code;                  /* 0: any 2xx */
	bool has_digest;
	unsigned char digest[16];         /* MD5 of the body */
};

struct check_http_spec {
	bool tls;                         /* SSL_GET */
	char *server_name;                /* SNI: the virtualhost, NULL when none */
	struct check_http_url *urls;
	size_t n_urls;
};

struct check_op *check_http_start(struct ev_loop *loop, const struct check_target *t,
				  const struct check_http_spec *spec,
				  check_done_fn done, void *arg);

/* Fill spec from an HTTP_GET / SSL_GET block: every url's request (GET
 * with Host: `host`, the virtualhost or the address, and Connection: close),
 * status and digest.  Returns 0, or -1 when out of memory. */
int check_http_prepare(struct check_http_spec *spec, const struct conf_checker *ck,
		       const char *host, const char *server_name);
void check_http_spec_free(struct check_http_spec *spec);
bool check_http_spec_equal(const struct check_http_spec *a, const struct check_http_spec *b);

/* Release GnuTLS's shared credentials (at the end of the engine). */
void check_http_cleanup(void);

/* ---- check_misc.c ---------------------------------------------------------- */

struct check_misc_spec {
	char *cmdline;                    /* misc_path, a shell line */
	char *user;                       /* NULL: root */
	uint64_t timeout_ns;              /* misc_timeout (delay_loop when unset) */
	double timeout_s;
	bool dynamic;                     /* misc_dynamic */
	bool disabled;                    /* refused by enable_script_security */
};

struct check_op *check_misc_start(struct ev_loop *loop, const struct check_misc_spec *spec,
				  check_done_fn done, void *arg);

#endif /* VIGIL_CHECK_IO_H */
