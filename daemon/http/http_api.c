/*
 * http_api.c - see http_api.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http_api.h"

#define MAX_SEGS 8

/* ---- values ------------------------------------------------------------------ */

/* "2026-12-04T15:20:01.123Z", or null for none */
static json_t *jtime(int64_t ms)
{
	char buf[40];
	time_t t;
	struct tm tm;

	if (ms <= 0)
		return json_null();
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return json_string(buf);
}

static json_t *jtext(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *jaddr(int family, const unsigned char *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, buf, sizeof(buf)))
		return json_null();
	return json_string(buf);
}

static const char *admin_name(enum snap_admin k)
{
	switch (k) {
	case SNAP_DRAIN: return "drain";
	case SNAP_MAINT: return "maint";
	case SNAP_WEIGHT: return "weight";
	case SNAP_DEMOTE: return "demote";
	default: return "ready";
	}
}

static json_t *joverride(const struct snap_override *o)
{
	if (o->kind == SNAP_READY)
		return json_null();
	return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "kind", admin_name(o->kind), "value", (json_int_t)o->value,
			 "who", jtext(o->who), "reason", jtext(o->reason), "since", jtime(o->created_ms),
			 "expires", jtime(o->expires_ms));
}

static const char *health_name(enum snap_health h)
{
	return h == SNAP_UP ? "up" : h == SNAP_DOWN ? "down" : "unknown";
}

static const char *family_name(int f)
{
	return f == AF_INET6 ? "inet6" : "inet";
}

/* ---- objects -------------------------------------------------------------------- */

static json_t *jinstance(const struct snap_inst *in)
{
	json_t *vips = json_array(), *tracks = json_array();

	for (size_t i = 0; i < in->n_vips; i++) {
		char a[INET6_ADDRSTRLEN + 8] = "";

		if (inet_ntop(in->vips[i].family, in->vips[i].addr, a, INET6_ADDRSTRLEN))
			snprintf(a + strlen(a), sizeof(a) - strlen(a), "/%d", in->vips[i].prefix);
		json_array_append_new(vips, json_pack("{s:s, s:o, s:b}", "address", a, "dev", jtext(in->vips[i].dev),
						      "advertised", !in->vips[i].excluded));
	}
	for (size_t i = 0; i < in->n_track_scripts; i++)
		json_array_append_new(tracks, json_pack("{s:s, s:s}", "script", in->track_scripts[i].name, "kind",
							"script"));
	for (size_t i = 0; i < in->n_track_ifs; i++)
		json_array_append_new(tracks, json_pack("{s:s, s:s}", "interface", in->track_ifs[i].name, "kind",
							"interface"));
	return json_pack("{s:I, s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:i, s:b, s:o, "
			 "s:o, s:o, s:{s:I, s:I, s:I}}",
			 "id", (json_int_t)in->id, "name", in->name, "vrid", in->vrid, "interface", in->ifname,
			 "family", family_name(in->family), "version", in->version,
			 "state", snap_state_name(in->state), "initial_state", snap_state_name(in->initial),
			 "base_priority", in->config_priority, "effective_priority", in->effective_priority,
			 "master", jtext(in->master),
			 "last_transition", json_pack("{s:o, s:o}", "at", jtime(in->state_since_ms),
						      "reason", jtext(in->last_reason)),
			 "vips", vips, "advert_interval_ms", in->advert_ms, "preempt", in->preempt,
			 "sync_group", jtext(in->sync_group), "trackers", tracks, "override", joverride(&in->ov),
			 "statistics", "transitions", (json_int_t)in->transitions,
			 "adverts_sent", (json_int_t)in->adverts_sent, "adverts_received",
			 (json_int_t)in->adverts_received);
}

static json_t *jreal_server(const struct snap_rs *r)
{
	json_t *override_w = r->ov.kind == SNAP_WEIGHT ? json_integer(r->ov.value) : json_null();
	const char *admin = r->ov.kind == SNAP_DRAIN || r->ov.kind == SNAP_MAINT ? admin_name(r->ov.kind) : "ready";

	return json_pack("{s:I, s:I, s:s, s:o, s:i, s:{s:s, s:o, s:o}, s:b, s:{s:i, s:o, s:o}, s:s, s:o, "
			 "s:{s:I, s:I}}",
			 "id", (json_int_t)r->id, "virtual_server_id", (json_int_t)r->vs_id, "key", r->key,
			 "address", jaddr(r->family, r->addr), "port", r->port,
			 "health", "state", health_name(r->health), "reason", jtext(r->health_reason),
			 "since", jtime(r->health_since_ms),
			 "in_service", r->alive,
			 "weight", "configured", r->config_weight, "override", override_w,
			 "effective", r->effective_weight < 0 ? json_null() : json_integer(r->effective_weight),
			 "admin_state", admin, "override", joverride(&r->ov),
			 "checks", "run", (json_int_t)r->checks, "failed", (json_int_t)r->checks_failed);
}

static const char *proto_name(int p)
{
	return p == 1 ? "TCP" : p == 2 ? "UDP" : p == 3 ? "SCTP" : "none";
}

static json_t *jvirtual_server(const struct snap_vs *v)
{
	long up_weight = 0;

	for (size_t i = 0; i < v->n_rs; i++)
		if (v->rs[i].alive)
			up_weight += v->rs[i].config_weight;
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:I, s:i, s:i, s:b}",
			 "id", (json_int_t)v->id, "key", v->key,
			 "address", v->fwmark ? json_null() : jaddr(v->family, v->addr),
			 "port", v->fwmark ? json_null() : json_integer(v->port),
			 "fwmark", v->fwmark ? json_integer(v->mark) : json_null(),
			 "protocol", proto_name(v->protocol), "scheduler", v->sched ? v->sched : "",
			 "forwarding", v->kind == 1 ? "NAT" : v->kind == 3 ? "TUN" : "DR",
			 "real_servers_total", (json_int_t)v->n_rs, "real_servers_up", (int)v->rs_up,
			 "quorum", v->quorum, "quorum_met", up_weight >= v->quorum);
}

/* ---- answers -------------------------------------------------------------------- */

static void answer(struct http_reply *out, int status, json_t *j)
{
	out->status = status;
	out->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
}

static void error(struct http_reply *out, int status, const char *field, const char *fix, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	answer(out, status, json_pack("{s:{s:i, s:s, s:o, s:s}}", "error", "status", status, "message", msg,
				      "field", jtext(field), "fix", fix));
}

/* A path segment as an id: 0 when it is not one. */
static int64_t id_of(const char *s)
{
	char *end;
	long long v;

	if (!s || *s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end ? 0 : (int64_t)v;
}

static void get_status(const struct http_api_ctx *c, struct http_reply *out)
{
	const struct snap *s = c->snap;
	unsigned n[4] = { 0 }, rs_up = 0;

	for (size_t i = 0; i < s->n_inst; i++)
		if ((unsigned)s->inst[i].state < 4)
			n[s->inst[i].state]++;
	for (size_t i = 0; i < s->n_rs; i++)
		rs_up += s->rs[i].alive;
	answer(out, 200, json_pack("{s:s, s:s, s:I, s:o, s:{s:b, s:b}, s:{s:I, s:i, s:i, s:i, s:i, s:I, s:I, s:i}, "
				   "s:{s:s}}",
				   "node", c->node ? c->node : "", "version", c->version,
				   "uptime_s", (json_int_t)((c->now_ms - c->started_ms) / 1000),
				   "snapshot_at", jtime(s->loaded_ms),
				   "snmp", "enabled", c->snmp_enabled, "connected", c->snmp_connected,
				   "counts", "instances", (json_int_t)s->n_inst, "master", n[SNAP_MASTER],
				   "backup", n[SNAP_BACKUP], "fault", n[SNAP_FAULT], "init", n[SNAP_INIT],
				   "virtual_servers", (json_int_t)s->n_vs, "real_servers", (json_int_t)s->n_rs,
				   "real_servers_in_service", rs_up,
				   "split_brain", "status", "unknown"));
}

static void list_instances(const struct snap *s, struct http_reply *out)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n_inst; i++)
		json_array_append_new(a, jinstance(&s->inst[i]));
	answer(out, 200, json_pack("{s:o}", "instances", a));
}

static void list_virtual_servers(const struct snap *s, struct http_reply *out)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n_vs; i++)
		json_array_append_new(a, jvirtual_server(&s->vs[i]));
	answer(out, 200, json_pack("{s:o}", "virtual_servers", a));
}

static void list_real_servers(const struct snap_vs *v, struct http_reply *out)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n_rs; i++)
		json_array_append_new(a, jreal_server(&v->rs[i]));
	answer(out, 200, json_pack("{s:I, s:o}", "virtual_server_id", (json_int_t)v->id, "real_servers", a));
}

/* ---- /metrics: the Prometheus text format ------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
};

static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
		char *p = realloc(b->p, cap);

		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
}

/* A label value: backslash, double quote and newline escaped. */
static const char *esc(const char *s, char *out, size_t len)
{
	size_t k = 0;

	for (; s && *s && k + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			out[k++] = '\\';
			out[k++] = *s == '\n' ? 'n' : *s;
		} else {
			out[k++] = *s;
		}
	}
	out[k] = '\0';
	return out;
}

static void help(struct buf *b, const char *name, const char *type, const char *text)
{
	bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void get_metrics(const struct http_api_ctx *c, struct http_reply *out)
{
	const struct snap *s = c->snap;
	struct buf b = { 0 };
	char n1[256], n2[256];

	help(&b, "vigil_up", "gauge", "1: mgmt answers (its snapshot of the state store is this old, in seconds: "
	     "vigil_snapshot_age_seconds)");
	bprintf(&b, "vigil_up{node=\"%s\"} 1\n", esc(c->node, n1, sizeof(n1)));
	help(&b, "vigil_snapshot_age_seconds", "gauge", "age of the state store snapshot served");
	bprintf(&b, "vigil_snapshot_age_seconds %.3f\n", (double)(c->now_ms - s->loaded_ms) / 1000.0);
	help(&b, "vigil_vrrp_state", "gauge", "VRRP instance state: 0 init, 1 backup, 2 master, 3 fault");
	for (size_t i = 0; i < s->n_inst; i++)
		bprintf(&b, "vigil_vrrp_state{instance=\"%s\",id=\"%lld\",vrid=\"%d\",interface=\"%s\"} %d\n",
			esc(s->inst[i].name, n1, sizeof(n1)), (long long)s->inst[i].id, s->inst[i].vrid,
			esc(s->inst[i].ifname, n2, sizeof(n2)), (int)s->inst[i].state);
	help(&b, "vigil_vrrp_priority", "gauge", "VRRP priority: configured (base) and advertised (effective)");
	for (size_t i = 0; i < s->n_inst; i++) {
		esc(s->inst[i].name, n1, sizeof(n1));
		bprintf(&b, "vigil_vrrp_priority{instance=\"%s\",kind=\"base\"} %d\n", n1, s->inst[i].config_priority);
		bprintf(&b, "vigil_vrrp_priority{instance=\"%s\",kind=\"effective\"} %d\n", n1,
			s->inst[i].effective_priority);
	}
	help(&b, "vigil_vrrp_transitions", "gauge", "state transitions in the state store's history (bounded by "
	     "--keep-days/--keep-rows)");
	for (size_t i = 0; i < s->n_inst; i++)
		bprintf(&b, "vigil_vrrp_transitions{instance=\"%s\"} %u\n", esc(s->inst[i].name, n1, sizeof(n1)),
			s->inst[i].transitions);
	help(&b, "vigil_vrrp_adverts_sent_total", "counter", "adverts sent, as of the last counter snapshot (60 s)");
	for (size_t i = 0; i < s->n_inst; i++)
		bprintf(&b, "vigil_vrrp_adverts_sent_total{instance=\"%s\"} %llu\n", esc(s->inst[i].name, n1, sizeof(n1)),
			(unsigned long long)s->inst[i].adverts_sent);
	help(&b, "vigil_vrrp_adverts_received_total", "counter", "adverts accepted, as of the last counter snapshot "
	     "(60 s)");
	for (size_t i = 0; i < s->n_inst; i++)
		bprintf(&b, "vigil_vrrp_adverts_received_total{instance=\"%s\"} %llu\n",
			esc(s->inst[i].name, n1, sizeof(n1)), (unsigned long long)s->inst[i].adverts_received);
	help(&b, "vigil_real_server_up", "gauge", "1: the real server is in service (checks pass, or not checked "
	     "yet), 0: not");
	for (size_t i = 0; i < s->n_rs; i++) {
		const struct snap_vs *v = snap_vs_by_id(s, s->rs[i].vs_id);

		bprintf(&b, "vigil_real_server_up{virtual_server=\"%s\",real_server=\"%s\"} %d\n",
			esc(v ? v->key : "", n1, sizeof(n1)), esc(s->rs[i].key, n2, sizeof(n2)), s->rs[i].alive ? 1 : 0);
	}
	help(&b, "vigil_real_server_weight", "gauge", "weight: configured, and effective (in IPVS; absent when not "
	     "in it)");
	for (size_t i = 0; i < s->n_rs; i++) {
		const struct snap_vs *v = snap_vs_by_id(s, s->rs[i].vs_id);

		esc(v ? v->key : "", n1, sizeof(n1));
		esc(s->rs[i].key, n2, sizeof(n2));
		bprintf(&b, "vigil_real_server_weight{virtual_server=\"%s\",real_server=\"%s\",kind=\"configured\"} %d\n",
			n1, n2, s->rs[i].config_weight);
		if (s->rs[i].effective_weight >= 0)
			bprintf(&b, "vigil_real_server_weight{virtual_server=\"%s\",real_server=\"%s\",kind=\"effective\"} "
				"%d\n", n1, n2, s->rs[i].effective_weight);
	}
	help(&b, "vigil_real_server_checks_failed_total", "counter", "failed health checks, as of the last counter "
	     "snapshot (60 s)");
	for (size_t i = 0; i < s->n_rs; i++) {
		const struct snap_vs *v = snap_vs_by_id(s, s->rs[i].vs_id);

		bprintf(&b, "vigil_real_server_checks_failed_total{virtual_server=\"%s\",real_server=\"%s\"} %llu\n",
			esc(v ? v->key : "", n1, sizeof(n1)), esc(s->rs[i].key, n2, sizeof(n2)),
			(unsigned long long)s->rs[i].checks_failed);
	}
	out->status = b.p ? 200 : 500;
	out->body = b.p;
	out->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void http_api_handle(const struct http_api_ctx *c, const char *method, const char *path, const char *body,
		     size_t len, struct http_reply *out)
{
	char buf[512], *seg[MAX_SEGS], *save = NULL, *p;
	size_t n = 0;
	const struct snap *s = c->snap;
	int64_t id;

	(void)body;
	(void)len;
	memset(out, 0, sizeof(*out));
	if (strlen(path) >= sizeof(buf)) {
		error(out, 414, NULL, "use the paths of GET /api/v1/status and the lists", "the path is too long");
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			out->allow = "GET, HEAD";
			error(out, 405, NULL, "use GET", "%s is not allowed on /metrics", method);
		} else if (!s) {
			error(out, 503, NULL, "try again in a second", "the state store cannot be read yet");
		} else {
			get_metrics(c, out);
		}
		return;
	}
	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, "/", &save); p && n < MAX_SEGS; p = strtok_r(NULL, "/", &save))
		seg[n++] = p;
	if (p || n < 3 || strcmp(seg[0], "api") != 0 || strcmp(seg[1], "v1") != 0) {
		error(out, 404, NULL, "the API is under /api/v1: GET /api/v1/status", "no such path: %s", path);
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		out->allow = "GET, HEAD";
		error(out, 405, NULL, "this API version only reads: use GET (edits: vigilctl or SNMP SET for now)",
		      "%s is not allowed on %s", method, path);
		return;
	}
	if (!s) {
		error(out, 503, NULL, "try again in a second; vigild's log says why",
		      "the state store cannot be read yet");
		return;
	}
	if (n == 3 && strcmp(seg[2], "status") == 0) {
		get_status(c, out);
	} else if (strcmp(seg[2], "instances") == 0 && n <= 4) {
		const struct snap_inst *in;

		if (n == 3) {
			list_instances(s, out);
			return;
		}
		if (!(id = id_of(seg[3])) || !(in = snap_inst_by_id(s, id))) {
			error(out, 404, "id", "GET /api/v1/instances lists the instances and their ids",
			      "no instance with id '%s'", seg[3]);
			return;
		}
		answer(out, 200, jinstance(in));
	} else if (strcmp(seg[2], "virtual-servers") == 0 && n <= 6) {
		const struct snap_vs *v;
		const struct snap_rs *r;

		if (n == 3) {
			list_virtual_servers(s, out);
			return;
		}
		if (!(id = id_of(seg[3])) || !(v = snap_vs_by_id(s, id))) {
			error(out, 404, "id", "GET /api/v1/virtual-servers lists them and their ids",
			      "no virtual server with id '%s'", seg[3]);
			return;
		}
		if (n == 4) {
			answer(out, 200, jvirtual_server(v));
			return;
		}
		if (strcmp(seg[4], "real-servers") != 0) {
			error(out, 404, NULL, "under a virtual server: /real-servers", "no such path: %s", path);
			return;
		}
		if (n == 5) {
			list_real_servers(v, out);
			return;
		}
		if (!(id = id_of(seg[5])) || !(r = snap_rs_by_id(s, v->id, id))) {
			error(out, 404, "id", "GET .../real-servers lists this virtual server's real servers",
			      "virtual server %lld has no real server with id '%s'", (long long)v->id, seg[5]);
			return;
		}
		answer(out, 200, jreal_server(r));
	} else {
		error(out, 404, NULL, "GET /api/v1/status, /instances, /virtual-servers", "no such path: %s", path);
	}
}
