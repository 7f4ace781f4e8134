/*
 * http_server.h - libmicrohttpd inside mgmt's event loop.
 *
 * MHD runs without threads of its own: its epoll descriptor is one more
 * descriptor of the loop, its timeouts one loop timer, so a slow or hostile
 * client costs a connection slot, never the loop.  Limits: connections,
 * per-connection time and memory (which bounds a request body).
 *
 * The routes are elsewhere (http_api.c): a request is handed over as
 * method, path and body, and answered with a status and a JSON text.
 */
#ifndef VIGIL_HTTP_SERVER_H
#define VIGIL_HTTP_SERVER_H

#include <stddef.h>

struct ev_loop;
struct http_server;

struct http_reply {
	int status;              /* 200, 404, ... */
	char *body;              /* malloc'd JSON text, or NULL */
	const char *allow;       /* the Allow header of a 405, else NULL */
	const char *content_type;   /* NULL: application/json */
	const char *www_authenticate;   /* of a 401 */
};

struct http_req;     /* a request the server waits to answer */

#define HTTP_MAX_ARGS 16
struct http_arg {
	const char *key, *value;     /* of the query string, decoded; value "" when none */
};

struct http_request {
	const char *method, *path;
	const char *body;        /* NUL-terminated (len bytes), "" for none */
	size_t len;
	const char *authorization, *content_type;   /* headers, NULL when absent */
	const char *peer;        /* the client's address */
	const struct http_arg *args;   /* the query string's, in order */
	size_t n_args;           /* more than HTTP_MAX_ARGS: HTTP_MAX_ARGS + 1, args cut */
	struct http_req *handle; /* for http_req_done, when the answer comes later */
};

/* Answer one request in `out`; or leave out->status 0 and answer later with
 * http_req_done(req->handle, ...) (the connection waits, suspended). */
typedef void (*http_handler_fn)(void *arg, const struct http_request *req, struct http_reply *out);

/* The late answer of a request the handler left waiting; `r->body` is taken. */
void http_req_done(struct http_req *q, const struct http_reply *r);

struct http_conf {
	const char *listen;      /* "ADDR:PORT", "[ADDR6]:PORT" */
	unsigned connections;    /* at once */
	unsigned timeout_s;      /* per connection, idle */
	size_t body_max;         /* bytes of request body: more is 413 */
	const char *cert_pem, *key_pem;   /* both: HTTPS (PEM texts), else plain HTTP */
	const char *cors_origin; /* NULL: no CORS headers; else Access-Control-Allow-Origin */
};

/* NULL with `err` set (which names the address and the reason). */
struct http_server *http_server_start(struct ev_loop *loop, const struct http_conf *conf, http_handler_fn fn,
				      void *arg, char *err, size_t errlen);
void http_server_stop(struct http_server *h);

#endif /* VIGIL_HTTP_SERVER_H */
