/*
 * fuzz_http_api.c - libFuzzer target for the REST API's request handling
 * (daemon/http/http_api.c): method, path, headers and body from the input,
 * against a small snapshot (two instances, a virtual server with two real
 * servers).
 *
 * Input: lines METHOD, PATH[?QUERY], AUTHORIZATION, CONTENT-TYPE, then the
 * body (the rest).  The token is "t0k3n-for-fuzzing".  The input's size
 * picks the settings: CORS on (bit 0 of size / 3), reads need the token
 * (bit 1).
 *
 * Invariants (a violation aborts): every answer has a status from 200 to 599
 * and a body; a JSON answer parses as JSON; an error names its status; an
 * edit is only produced with the right token and is itself valid JSON with
 * an action; the engine's answer to it renders as JSON too.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/http_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOKEN "t0k3n-for-fuzzing"

static char s_name1[] = "VI_1", s_name2[] = "VI_6", s_if[] = "eth0", s_empty[] = "", s_master[] = "192.0.2.1";
static char s_vs[] = "TCP 192.0.2.100:80", s_wrr[] = "wrr", s_rs1[] = "192.0.2.31:80", s_rs2[] = "192.0.2.32:80";
static char s_who[] = "root (uid 0)", s_why[] = "kernel upgrade";

static struct snap_vip vip = { .family = AF_INET, .addr = { 192, 0, 2, 100 }, .prefix = 24 };
static struct snap_inst insts[2];
static struct snap_rs rss[2];
static struct snap_rs *rs_by_id[2];
static struct snap_vs vss[1];
static struct snap S;

static void setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	for (int i = 0; i < 2; i++) {
		struct snap_inst *in = &insts[i];

		in->id = i + 1;
		in->name = i ? s_name2 : s_name1;
		in->vrid = 51 + i;
		in->family = AF_INET;
		in->version = 2 + i;
		in->ifname = s_if;
		in->config_priority = i ? 255 : 150;
		in->effective_priority = in->config_priority;
		in->state = SNAP_MASTER;
		in->master = s_master;
		in->last_reason = s_empty;
		in->sync_group = s_empty;
		in->vips = &vip;
		in->n_vips = 1;
		in->advert_ms = 1000;
	}
	insts[0].ov = (struct snap_override){ .kind = SNAP_DEMOTE, .value = 10, .who = s_who, .reason = s_why };
	for (int i = 0; i < 2; i++) {
		struct snap_rs *r = &rss[i];

		r->id = i + 1;
		r->vs_id = 1;
		r->key = i ? s_rs2 : s_rs1;
		r->family = AF_INET;
		r->addr[0] = 192, r->addr[1] = 0, r->addr[2] = 2, r->addr[3] = (unsigned char)(31 + i);
		r->port = 80;
		r->health = i ? SNAP_DOWN : SNAP_UP;
		r->alive = !i;
		r->health_reason = s_empty;
		r->config_weight = 5;
		r->effective_weight = i ? -1 : 5;
		rs_by_id[i] = r;
	}
	rss[1].ov = (struct snap_override){ .kind = SNAP_DRAIN, .who = s_who, .reason = s_why, .expires_ms = 1 };
	vss[0] = (struct snap_vs){ .id = 1, .key = s_vs, .family = AF_INET, .addr = { 192, 0, 2, 100 }, .port = 80,
				   .protocol = 1, .sched = s_wrr, .kind = 2, .rs = rss, .n_rs = 2, .rs_up = 1,
				   .quorum = 1 };
	S = (struct snap){ .inst = insts, .n_inst = 2, .vs = vss, .n_vs = 1, .rs = rss, .n_rs = 2,
			   .rs_by_id = rs_by_id, .loaded_ms = 1000 };
}

/* The next line of the input, NUL-terminated into `buf`. */
static const uint8_t *line(const uint8_t *p, const uint8_t *end, char *buf, size_t len)
{
	size_t n = 0;

	while (p < end && *p != '\n') {
		if (n + 1 < len)
			buf[n++] = (char)*p;
		p++;
	}
	buf[n] = '\0';
	return p < end ? p + 1 : p;
}

static void check_reply(const struct http_reply *r)
{
	json_t *j;

	if (r->status == 204 && !r->body)   /* a CORS preflight */
		return;
	if (r->status < 200 || r->status > 599 || !r->body)
		abort();
	if (r->content_type)     /* /metrics: text */
		return;
	j = json_loads(r->body, 0, NULL);
	if (!j)
		abort();
	if (r->status >= 400 && json_integer_value(json_object_get(json_object_get(j, "error"), "status")) !=
				    r->status)
		abort();
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char method[16], path[1024], auth[128], ctype[64];
	struct http_api_ctx c = { .snap = &S, .node = "fuzz", .version = "vigil fuzz", .token = TOKEN,
				  .now_ms = 5000 };
	struct http_request rq = { 0 };
	struct http_reply out;
	struct http_edit e;
	struct http_arg args[HTTP_MAX_ARGS];
	size_t n_args = 0;
	char *body, *q, *kv, *save = NULL;

	setup();
	p = line(p, end, method, sizeof(method));
	p = line(p, end, path, sizeof(path));
	p = line(p, end, auth, sizeof(auth));
	p = line(p, end, ctype, sizeof(ctype));
	/* the query string, split as MHD splits it (no %-decoding here) */
	if ((q = strchr(path, '?'))) {
		*q++ = '\0';
		for (kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');

			if (eq)
				*eq++ = '\0';
			if (n_args < HTTP_MAX_ARGS)
				args[n_args] = (struct http_arg){ kv, eq ? eq : "" };
			if (n_args <= HTTP_MAX_ARGS)
				n_args++;
		}
	}
	c.cors = (size / 3) & 1;
	c.auth_reads = (size / 3) & 2;
	body = malloc((size_t)(end - p) + 1);
	if (!body)
		return 0;
	memcpy(body, p, (size_t)(end - p));
	body[end - p] = '\0';
	rq = (struct http_request){ .method = method, .path = path, .body = body, .len = (size_t)(end - p),
				    .authorization = auth[0] ? auth : NULL, .content_type = ctype[0] ? ctype : NULL,
				    .peer = "192.0.2.9", .args = args, .n_args = n_args };
	if (http_api_handle(&c, &rq, &out, &e) == 1) {
		json_t *j = e.json ? json_loads(e.json, 0, NULL) : NULL;

		if (!auth[0] || strcmp(auth, "Bearer " TOKEN) != 0 || !j ||
		    !json_is_string(json_object_get(j, "action")))
			abort();
		json_decref(j);
		http_api_edited(&c, &e, size % 3 == 0 ? 0 : size % 3 == 1 ? 404 : 400, "engine says so", &out);
		free(e.json);
	}
	check_reply(&out);
	free(out.body);
	free(body);
	return 0;
}
