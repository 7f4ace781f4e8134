/*
 * http_api.c - see http_api.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http_api.h"
#include "http/http_assets.h"
#include "http/http_token.h"
#include "mgmt/snap_json.h"

#define MAX_SEGS 8

static const struct sb_track *sb_of(const struct http_api_ctx *c, int64_t inst_id)
{
	return c->split && c->split_track ? c->split_track(c->split, inst_id) : NULL;
}

/* ---- objects (mgmt/snap_json.c), with IPVS's figures ------------------------------- */

static const struct lb_live *live_rs(const struct http_api_ctx *c, const struct snap_rs *r)
{
	const struct snap_vs *v = c->lvs && c->snap ? snap_vs_by_id(c->snap, r->vs_id) : NULL;

	return v ? mgmt_lvs_find(c->lvs, v->key, r->key) : NULL;
}

static json_t *jreal_server(const struct http_api_ctx *c, const struct snap_rs *r)
{
	return snap_jreal_server(r, live_rs(c, r));
}

static json_t *jvirtual_server(const struct http_api_ctx *c, const struct snap_vs *v)
{
	return snap_jvirtual_server(v, c->lvs ? mgmt_lvs_find(c->lvs, v->key, "") : NULL);
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
	char msg[256], fld[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a path or a value from the request may be anything: JSON strings
	 * must be UTF-8, so keep printable ASCII only */
	snprintf(fld, sizeof(fld), "%s", field ? field : "");
	for (char *q = msg; *q; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
			*q = '?';
	for (char *q = fld; *q; q++)     /* a query parameter's name, too */
		if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
			*q = '?';
	answer(out, status, json_pack("{s:{s:i, s:s, s:o, s:s}}", "error", "status", status, "message", msg,
				      "field", field ? json_string(fld) : json_null(), "fix", fix));
}

/* The worst split-brain status over the instances, and how many have each. */
static enum sb_status sb_summary(const struct http_api_ctx *c, unsigned count[5])
{
	const struct snap *s = c->snap;
	enum sb_status worst = SB_UNKNOWN;

	memset(count, 0, 5 * sizeof(count[0]));
	for (size_t i = 0; i < s->n_inst; i++) {
		const struct sb_track *t = sb_of(c, s->inst[i].id);
		enum sb_status st = t ? t->status : SB_UNKNOWN;

		count[st]++;
		worst = i ? sb_worse(worst, st) : st;
	}
	return worst;
}

static void get_status(const struct http_api_ctx *c, struct http_reply *out)
{
	const struct snap *s = c->snap;
	unsigned n[4] = { 0 }, rs_up = 0, sb[5];
	enum sb_status worst = sb_summary(c, sb);

	for (size_t i = 0; i < s->n_inst; i++)
		if ((unsigned)s->inst[i].state < 4)
			n[s->inst[i].state]++;
	for (size_t i = 0; i < s->n_rs; i++)
		rs_up += s->rs[i].alive;
	answer(out, 200, json_pack("{s:s, s:o, s:s, s:I, s:o, s:{s:b, s:b}, s:{s:I, s:i, s:i, s:i, s:i, s:I, s:I, s:i}, "
				   "s:{s:s, s:{s:i, s:i, s:i, s:i, s:i}}}",
				   "node", c->node ? c->node : "", "router_id", snap_jtext(c->router_id), "version", c->version,
				   "uptime_s", (json_int_t)((c->now_ms - c->started_ms) / 1000),
				   "snapshot_at", snap_jtime(s->loaded_ms),
				   "snmp", "enabled", c->snmp_enabled, "connected", c->snmp_connected,
				   "counts", "instances", (json_int_t)s->n_inst, "master", n[SNAP_MASTER],
				   "backup", n[SNAP_BACKUP], "fault", n[SNAP_FAULT], "init", n[SNAP_INIT],
				   "virtual_servers", (json_int_t)s->n_vs, "real_servers", (json_int_t)s->n_rs,
				   "real_servers_in_service", rs_up,
				   "split_brain", "status", sb_status_name(worst), "instances", "ok", sb[SB_OK],
				   "suspect", sb[SB_SUSPECT], "split", sb[SB_SPLIT], "no-master", sb[SB_NO_MASTER],
				   "unknown", sb[SB_UNKNOWN]));
}

/* GET /api/v1/split-brain: the worst status, each instance's, the peers. */
static void get_split_brain(const struct http_api_ctx *c, struct http_reply *out)
{
	const struct snap *s = c->snap;
	const struct mgmt_split_peer *peers = NULL;
	size_t n_peers = c->split && c->split_peers ? c->split_peers(c->split, &peers) : 0;
	unsigned count[5];
	enum sb_status worst = sb_summary(c, count);
	json_t *insts = json_array(), *pa = json_array();
	int64_t since = 0;

	for (size_t i = 0; i < s->n_inst; i++) {
		const struct sb_track *t = sb_of(c, s->inst[i].id);
		json_t *o = snap_jsplit_brain(t, &s->inst[i]);

		if (t && t->status == worst && (!since || t->since_ms < since))
			since = t->since_ms;
		json_object_set_new(o, "id", json_integer(s->inst[i].id));
		json_object_set_new(o, "name", json_string(s->inst[i].name));
		json_object_set_new(o, "vrid", json_integer(s->inst[i].vrid));
		json_array_append_new(insts, o);
	}
	for (size_t i = 0; i < n_peers; i++)
		json_array_append_new(pa, json_pack("{s:s, s:s, s:o, s:o, s:o}", "name", peers[i].name, "url",
						    peers[i].url,
						    "reachable", peers[i].polled ? json_boolean(peers[i].reachable) : json_null(),
						    "error", snap_jtext(peers[i].error), "last_ok", snap_jtime(peers[i].last_ok_ms)));
	answer(out, 200, json_pack("{s:s, s:o, s:o, s:o}", "status", sb_status_name(worst), "since",
				   snap_jtime(since), "instances", insts, "peers", pa));
}

static void list_instances(const struct http_api_ctx *c, struct http_reply *out)
{
	const struct snap *s = c->snap;
	json_t *a = json_array();

	for (size_t i = 0; i < s->n_inst; i++)
		json_array_append_new(a, snap_jinstance(&s->inst[i], sb_of(c, s->inst[i].id)));
	answer(out, 200, json_pack("{s:o}", "instances", a));
}

static void list_virtual_servers(const struct http_api_ctx *c, struct http_reply *out)
{
	const struct snap *s = c->snap;
	json_t *a = json_array();

	for (size_t i = 0; i < s->n_vs; i++)
		json_array_append_new(a, jvirtual_server(c, &s->vs[i]));
	answer(out, 200, json_pack("{s:o}", "virtual_servers", a));
}

static void list_real_servers(const struct http_api_ctx *c, const struct snap_vs *v, struct http_reply *out)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n_rs; i++)
		json_array_append_new(a, jreal_server(c, &v->rs[i]));
	answer(out, 200, json_pack("{s:I, s:o}", "virtual_server_id", (json_int_t)v->id, "real_servers", a));
}

/* ---- /history and /events: pages from the store -------------------------------------- */

/* The query string's value of `key`, NULL when absent. */
static const char *arg(const struct http_request *rq, const char *key)
{
	for (size_t i = 0; i < rq->n_args && i < HTTP_MAX_ARGS; i++)
		if (strcmp(rq->args[i].key, key) == 0)
			return rq->args[i].value;
	return NULL;
}

/* 0 when every parameter is one of `known`, else 400 in `out`. */
static int args_known(const struct http_request *rq, const char *const *known, const char *list,
		      struct http_reply *out)
{
	if (rq->n_args > HTTP_MAX_ARGS) {
		error(out, 400, NULL, "send at most 16 query parameters", "too many query parameters");
		return -1;
	}
	for (size_t i = 0; i < rq->n_args; i++) {
		size_t k;

		for (k = 0; known[k] && strcmp(known[k], rq->args[i].key) != 0; k++)
			;
		if (!known[k]) {
			error(out, 400, rq->args[i].key, list, "unknown query parameter '%s'", rq->args[i].key);
			return -1;
		}
	}
	return 0;
}

/* Unix ms ("1733325601123") or RFC 3339 ("2026-12-04T15:20:01Z",
 * "...T15:20:01.123+01:00").  0 when it is neither. */
int64_t http_api_time(const char *v)
{
	struct tm tm;
	const char *p;
	char *end;
	long long ms = 0;
	time_t t;
	int sign, oh, om, n = 0;

	if (!v || !*v)
		return 0;
	if (strspn(v, "0123456789") == strlen(v)) {
		errno = 0;
		ms = strtoll(v, &end, 10);
		return errno || ms <= 0 ? 0 : (int64_t)ms;
	}
	memset(&tm, 0, sizeof(tm));
	p = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p || tm.tm_year < 70 || tm.tm_year > 1100)
		return 0;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		if (!digits)
			return 0;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59)
			return 0;
		t -= sign * (oh * 3600 + om * 60);
		p += 1 + n;
	} else {
		return 0;
	}
	if (*p || t <= 0)
		return 0;
	return (int64_t)t * 1000 + ms;
}

/* since, until and limit, shared by both pages; 0 or 400 in `out`. */
static int page_args(const struct http_request *rq, int64_t *since, int64_t *until, int *limit,
		     struct http_reply *out)
{
	const char *v;
	static const char fix_time[] = "a time as Unix milliseconds (1733325601123) or RFC 3339 "
				       "(2026-12-04T15:20:01Z)";

	*since = *until = 0;
	*limit = 100;
	if ((v = arg(rq, "since")) && !(*since = http_api_time(v))) {
		error(out, 400, "since", fix_time, "'since' is not a time: '%.64s'", v);
		return -1;
	}
	if ((v = arg(rq, "until")) && !(*until = http_api_time(v))) {
		error(out, 400, "until", fix_time, "'until' is not a time: '%.64s'", v);
		return -1;
	}
	if ((v = arg(rq, "limit"))) {
		int64_t n = snap_id_parse(v);

		if (n < 1 || n > 1000) {
			error(out, 400, "limit", "a number of items from 1 to 1000 (default 100)",
			      "'limit' is not from 1 to 1000: '%.32s'", v);
			return -1;
		}
		*limit = (int)n;
	}
	return 0;
}

static void store_unreadable(const struct http_api_ctx *c, struct http_reply *out)
{
	error(out, 503, NULL, "try again in a second; vigild's log says why", "the state store cannot be read%s%s",
	      c->db ? ": " : "", c->db ? sqlite3_errmsg(c->db) : "");
}

static void get_history(const struct http_api_ctx *c, const struct http_request *rq, struct http_reply *out)
{
	static const char *const known[] = { "kind", "instance", "real_server", "since", "until", "limit", "cursor",
					     NULL };
	struct hist_query q = { 0 };
	struct hist_row *rows;
	size_t n;
	bool more;
	const char *v;
	json_t *items;
	char next[64];

	if (args_known(rq, known, "parameters: kind, instance, real_server, since, until, limit, cursor", out) ||
	    page_args(rq, &q.since_ms, &q.until_ms, &q.limit, out))
		return;
	if ((v = arg(rq, "kind"))) {
		if (strcmp(v, "vrrp") == 0)
			q.kind = HIST_VRRP;
		else if (strcmp(v, "health") == 0)
			q.kind = HIST_HEALTH;
		else if (strcmp(v, "split-brain") == 0)
			q.kind = HIST_SPLIT;
		else {
			error(out, 400, "kind", "kind=vrrp (instances), kind=health (real servers) or kind=split-brain",
			      "'kind' is none of vrrp, health, split-brain: '%.32s'", v);
			return;
		}
	}
	if ((v = arg(rq, "instance")) && !(q.instance_id = snap_id_parse(v))) {
		error(out, 400, "instance", "an instance id, from GET /api/v1/instances",
		      "'instance' is not an id: '%.32s'", v);
		return;
	}
	if ((v = arg(rq, "real_server")) && !(q.rs_id = snap_id_parse(v))) {
		error(out, 400, "real_server", "a real server id, from GET /api/v1/virtual-servers/{id}/real-servers",
		      "'real_server' is not an id: '%.32s'", v);
		return;
	}
	if ((v = arg(rq, "cursor"))) {
		long long at, id;
		char k;
		int used = 0;

		if (sscanf(v, "%lld.%c.%lld%n", &at, &k, &id, &used) != 3 || (size_t)used != strlen(v) ||
		    (k != 'v' && k != 'h' && k != 's') || at < 0 || id < 1) {
			error(out, 400, "cursor", "pass the 'next' of the previous page as it is",
			      "'cursor' is not one this server made: '%.64s'", v);
			return;
		}
		q.after = true;
		q.after_at = at;
		q.after_id = id;
		q.after_kind = k == 'v' ? HIST_VRRP : k == 's' ? HIST_SPLIT : HIST_HEALTH;
	}
	if (!c->db || mgmt_history(c->db, &q, &rows, &n, &more) < 0) {
		store_unreadable(c, out);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct hist_row *r = &rows[i];
		bool vrrp = r->kind != HIST_HEALTH;     /* an instance's row */
		static const char *const kinds[] = { "", "vrrp", "health", "split-brain" };

		json_array_append_new(items, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			"kind", kinds[r->kind], "at", snap_jtime(r->at_ms),
			"instance_id", vrrp ? json_integer(r->instance_id) : json_null(),
			"real_server_id", vrrp ? json_null() : json_integer(r->rs_id),
			"virtual_server_id", vrrp ? json_null() : json_integer(r->vs_id),
			"name", snap_jtext(r->name), "from", snap_jtext(r->from), "to", snap_jtext(r->to), "reason", snap_jtext(r->reason)));
	}
	if (more && n)
		snprintf(next, sizeof(next), "%lld.%c.%lld", (long long)rows[n - 1].at_ms,
			 "?vhs"[rows[n - 1].kind], (long long)rows[n - 1].id);
	hist_free(rows, n);
	answer(out, 200, json_pack("{s:o, s:o}", "items", items, "next", more && n ? json_string(next) : json_null()));
}

static void get_events(const struct http_api_ctx *c, const struct http_request *rq, struct http_reply *out)
{
	static const char *const known[] = { "action", "who", "since", "until", "limit", "cursor", NULL };
	struct audit_query q = { 0 };
	struct audit_row *rows;
	size_t n;
	bool more;
	const char *v;
	json_t *items;
	char next[32];

	if (args_known(rq, known, "parameters: action, who, since, until, limit, cursor", out) ||
	    page_args(rq, &q.since_ms, &q.until_ms, &q.limit, out))
		return;
	q.action = arg(rq, "action");
	q.who = arg(rq, "who");
	if ((v = arg(rq, "cursor")) && !(q.before_id = snap_id_parse(v))) {
		error(out, 400, "cursor", "pass the 'next' of the previous page as it is",
		      "'cursor' is not one this server made: '%.64s'", v);
		return;
	}
	if (!c->db || mgmt_audit(c->db, &q, &rows, &n, &more) < 0) {
		store_unreadable(c, out);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct audit_row *r = &rows[i];

		json_array_append_new(items, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			"id", (json_int_t)r->id, "at", snap_jtime(r->at_ms), "who", snap_jtext(r->who), "action", snap_jtext(r->action),
			"target", snap_jtext(r->target), "detail", snap_jtext(r->detail),
			"before", r->before ? snap_jtext(r->before) : json_null(),
			"after", r->after ? snap_jtext(r->after) : json_null()));
	}
	if (more && n)
		snprintf(next, sizeof(next), "%lld", (long long)rows[n - 1].id);
	audit_free(rows, n);
	answer(out, 200, json_pack("{s:o, s:o}", "items", items, "next", more && n ? json_string(next) : json_null()));
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
	help(&b, "vigil_real_server_connections", "gauge", "IPVS connections to the real server: active, inactive "
	     "(absent without IPVS figures)");
	for (size_t i = 0; i < s->n_rs; i++) {
		const struct snap_vs *v = snap_vs_by_id(s, s->rs[i].vs_id);
		const struct lb_live *l = live_rs(c, &s->rs[i]);

		if (!l)
			continue;
		esc(v ? v->key : "", n1, sizeof(n1));
		esc(s->rs[i].key, n2, sizeof(n2));
		bprintf(&b, "vigil_real_server_connections{virtual_server=\"%s\",real_server=\"%s\",kind=\"active\"} "
			"%u\n", n1, n2, l->active_conns);
		bprintf(&b, "vigil_real_server_connections{virtual_server=\"%s\",real_server=\"%s\",kind=\"inactive\"} "
			"%u\n", n1, n2, l->inact_conns);
	}
	help(&b, "vigil_real_server_connections_total", "counter", "connections IPVS scheduled to the real server "
	     "(absent without IPVS figures)");
	for (size_t i = 0; i < s->n_rs; i++) {
		const struct snap_vs *v = snap_vs_by_id(s, s->rs[i].vs_id);
		const struct lb_live *l = live_rs(c, &s->rs[i]);

		if (l)
			bprintf(&b, "vigil_real_server_connections_total{virtual_server=\"%s\",real_server=\"%s\"} %llu\n",
				esc(v ? v->key : "", n1, sizeof(n1)), esc(s->rs[i].key, n2, sizeof(n2)),
				(unsigned long long)l->stats.conns);
	}
	out->status = b.p ? 200 : 500;
	out->body = b.p;
	out->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- edits ------------------------------------------------------------------------- */

/* "90", "90s", "30m", "2h", "1d" or a JSON number of seconds: -1 when not. */
static long long duration_of(json_t *v)
{
	const char *s;
	char *end;
	long long n;

	if (json_is_integer(v))
		return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || n < 0 || n > 10LL * 365 * 86400)
		return -1;      /* (more than 10 years is refused anyway: no overflow below) */
	if (!*end || strcmp(end, "s") == 0)
		return n;
	if (strcmp(end, "m") == 0)
		return n * 60;
	if (strcmp(end, "h") == 0)
		return n * 3600;
	if (strcmp(end, "d") == 0)
		return n * 86400;
	return -1;
}

/* 0 when the request carries the token, else 401/403 in `out`. */
static int authorized(const struct http_api_ctx *c, const struct http_request *rq, const char *what,
		      struct http_reply *out)
{
	const char *auth = rq->authorization;

	if (!c->token || !*c->token) {
		error(out, 403, NULL, "vigild's log says why the token file could not be read; fix it and restart",
		      "%s over HTTP are off: no token", what);
		return -1;
	}
	if (!auth || strncmp(auth, "Bearer ", 7) != 0) {
		out->www_authenticate = "Bearer realm=\"vigil\"";
		error(out, 401, "Authorization", "send 'Authorization: Bearer TOKEN' (the token file: "
		      "--http-token-file, default http.token next to the database)", "%s need the token", what);
		return -1;
	}
	if (!http_token_equal(auth + 7, c->token)) {
		error(out, 403, "Authorization", "use the token in vigild's token file", "wrong token");
		return -1;
	}
	return 0;
}

/* The token, the content type and the body of an edit: 0 with *j the body,
 * or -1 with `out` set. */
static int edit_prelude(const struct http_api_ctx *c, const struct http_request *rq, json_t **j,
			struct http_reply *out)
{
	json_error_t jerr;

	if (authorized(c, rq, "edits", out) < 0)
		return -1;
	if (!rq->content_type || strncmp(rq->content_type, "application/json", 16) != 0) {
		error(out, 415, "Content-Type", "send 'Content-Type: application/json'",
		      "the body must be JSON, not '%s'", rq->content_type ? rq->content_type : "(none)");
		return -1;
	}
	*j = json_loadb(rq->body, rq->len, 0, &jerr);
	if (!*j || !json_is_object(*j)) {
		error(out, 400, NULL, "send one JSON object", "malformed JSON%s%s", *j ? "" : ": ",
		      *j ? " (not an object)" : jerr.text);
		json_decref(*j);
		return -1;
	}
	return 0;
}

/* Keys of `j` not in `known` (NULL-terminated): the first, else NULL. */
static const char *unknown_key(json_t *j, const char *const *known)
{
	const char *k;
	json_t *v;

	json_object_foreach(j, k, v) {
		size_t i;

		for (i = 0; known[i] && strcmp(known[i], k) != 0; i++)
			;
		if (!known[i])
			return k;
	}
	return NULL;
}

/* The checks every edit shares: token, content type, a JSON object with
 * only `known` fields, reason and expires.  0 with *j the body, or -1 with
 * `out` set. */
static int edit_body(const struct http_api_ctx *c, const struct http_request *rq, const char *const *known,
		     json_t **j, const char **reason, long long *expires, struct http_reply *out);

/* The edit as JSON for the engine (e is consumed): 1, or 0 with `out` set. */
static int edit_ready(struct http_edit *edit, json_t *e, struct http_reply *out)
{
	edit->json = json_dumps(e, JSON_COMPACT);
	json_decref(e);
	if (!edit->json) {
		error(out, 500, NULL, "try again", "out of memory");
		return 0;
	}
	return 1;
}

static char *who_of(const struct http_request *rq, char *buf, size_t len)
{
	snprintf(buf, len, "http %s", rq->peer ? rq->peer : "?");
	return buf;
}

/* reason and expires, shared by both edits: 0, or -1 with `out` set. */
static int reason_expires(json_t *j, const char **reason, long long *expires, struct http_reply *out)
{
	json_t *r = json_object_get(j, "reason"), *e = json_object_get(j, "expires");

	*reason = "";
	*expires = 0;
	if (r && (!json_is_string(r) || strlen(json_string_value(r)) > 200)) {
		error(out, 422, "reason", "a string of at most 200 characters", "reason must be a short string");
		return -1;
	}
	if (r)
		*reason = json_string_value(r);
	if (e && ((*expires = duration_of(e)) < 0 || *expires > 10LL * 365 * 86400)) {
		error(out, 422, "expires", "seconds, or a duration: \"90s\", \"30m\", \"2h\", \"1d\" (10 years at most)",
		      "expires is not a duration");
		return -1;
	}
	return 0;
}

static int edit_body(const struct http_api_ctx *c, const struct http_request *rq, const char *const *known,
		     json_t **j, const char **reason, long long *expires, struct http_reply *out)
{
	char fields[128] = "";
	const char *bad;

	if (edit_prelude(c, rq, j, out) < 0)
		return -1;
	if ((bad = unknown_key(*j, known))) {
		for (size_t i = 0; known[i]; i++)
			snprintf(fields + strlen(fields), sizeof(fields) - strlen(fields), "%s%s", i ? ", " : "",
				 known[i]);
		error(out, 422, bad, fields, "unknown field '%s' (the fields are listed in 'fix')", bad);
	} else if (reason_expires(*j, reason, expires, out) == 0) {
		return 0;
	}
	json_decref(*j);
	return -1;
}

static int patch_real_server(const struct http_api_ctx *c, const struct http_request *rq, const struct snap_vs *v,
			     const struct snap_rs *r, struct http_reply *out, struct http_edit *edit)
{
	static const char *const known[] = { "admin_state", "weight", "reason", "expires", NULL };
	json_t *j, *st, *w, *e;
	const char *action, *reason;
	long long expires, value = 0;
	char who[96];

	if (edit_body(c, rq, known, &j, &reason, &expires, out) < 0)
		return 0;
	st = json_object_get(j, "admin_state");
	w = json_object_get(j, "weight");
	if (st && w) {
		error(out, 422, "weight", "send admin_state or weight, not both",
		      "admin_state and weight in one edit");
		goto fail;
	}
	if (w) {
		if (!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 65535) {
			error(out, 422, "weight", "a whole number from 0 to 65535", "weight is out of range");
			goto fail;
		}
		action = "weight";
		value = json_integer_value(w);
	} else if (st && json_is_string(st) && strcmp(json_string_value(st), "ready") == 0) {
		action = "clear";
	} else if (st && json_is_string(st) && strcmp(json_string_value(st), "drain") == 0) {
		action = "drain";
	} else if (st && json_is_string(st) && strcmp(json_string_value(st), "maint") == 0) {
		action = "maint";
	} else {
		error(out, 422, st ? "admin_state" : NULL, "admin_state: \"ready\", \"drain\" or \"maint\"; or weight: N",
		      st ? "admin_state must be ready, drain or maint" : "nothing to change");
		goto fail;
	}
	e = json_pack("{s:s, s:s, s:s, s:s, s:s}", "action", action, "vs", v->key, "rs", r->key, "reason", reason,
		      "who", who_of(rq, who, sizeof(who)));
	if (value)
		json_object_set_new(e, "value", json_integer(value));
	else if (strcmp(action, "weight") == 0)
		json_object_set_new(e, "value", json_integer(0));
	if (expires)
		json_object_set_new(e, "expires_in", json_integer(expires));
	edit->vrrp = false;
	edit->vs_id = v->id;
	edit->rs_id = r->id;
	json_decref(j);
	return edit_ready(edit, e, out);
fail:
	json_decref(j);
	return 0;
}

static int instance_action(const struct http_api_ctx *c, const struct http_request *rq, const struct snap_inst *in,
			   struct http_reply *out, struct http_edit *edit)
{
	static const char *const known[] = { "action", "priority", "reason", "expires", NULL };
	json_t *j, *e;
	const char *action, *reason;
	long long expires, by = 0;
	char who[96];

	if (edit_body(c, rq, known, &j, &reason, &expires, out) < 0)
		return 0;
	if (json_unpack(j, "{s:s}", "action", &action) < 0) {
		error(out, 422, "action", "action: \"demote\", \"restore\" or \"set_priority\"", "no action");
		goto fail;
	}
	if (in->config_priority == 255 && strcmp(action, "restore") != 0) {
		error(out, 409, "action", "the address owner (priority 255) cannot be demoted; stop it instead",
		      "%s owns its addresses", in->name);
		goto fail;
	}
	if (strcmp(action, "demote") == 0) {
		by = in->config_priority - 1;       /* priority 1: any backup takes over at once */
	} else if (strcmp(action, "set_priority") == 0) {
		json_t *p = json_object_get(j, "priority");

		if (!json_is_integer(p) || json_integer_value(p) < 1 || json_integer_value(p) > in->config_priority) {
			error(out, 422, "priority", "a whole number from 1 to the configured priority",
			      "priority must be from 1 to %d", in->config_priority);
			goto fail;
		}
		by = in->config_priority - json_integer_value(p);
	} else if (strcmp(action, "restore") != 0) {
		error(out, 422, "action", "action: \"demote\", \"restore\" or \"set_priority\"",
		      "unknown action '%s'", action);
		goto fail;
	}
	e = json_pack("{s:s, s:s, s:s, s:s}", "action", by ? "demote" : "undemote", "instance", in->name,
		      "reason", reason, "who", who_of(rq, who, sizeof(who)));
	if (by)
		json_object_set_new(e, "value", json_integer(by));
	if (expires && by)
		json_object_set_new(e, "expires_in", json_integer(expires));
	edit->vrrp = true;
	edit->inst_id = in->id;
	json_decref(j);
	return edit_ready(edit, e, out);
fail:
	json_decref(j);
	return 0;
}

void http_api_edited(const struct http_api_ctx *c, const struct http_edit *e, int status, const char *text,
		     struct http_reply *out)
{
	const struct snap_inst *in;
	const struct snap_rs *r;

	memset(out, 0, sizeof(*out));
	if (status) {
		error(out, status == 400 ? 422 : status, NULL, status == 504 ? "check with GET, or vigilctl history" :
		      "see the message", "%s", text);
		return;
	}
	if (e->inst_id && c->snap && (in = snap_inst_by_id(c->snap, e->inst_id)))
		answer(out, 200, snap_jinstance(in, sb_of(c, in->id)));
	else if (e->rs_id && c->snap && (r = snap_rs_by_id(c->snap, e->vs_id, e->rs_id)))
		answer(out, 200, jreal_server(c, r));
	else
		answer(out, 200, json_pack("{s:s}", "result", text));
}

/* ---- dispatch ------------------------------------------------------------------------ */

static bool is_read(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static void not_allowed(struct http_reply *out, const char *allow, const char *method, const char *path)
{
	out->allow = allow;
	error(out, 405, NULL, "see the Allow header", "%s is not allowed on %s", method, path);
}

int http_api_handle(const struct http_api_ctx *c, const struct http_request *rq, struct http_reply *out,
		    struct http_edit *edit)
{
	char buf[512], *seg[MAX_SEGS], *save = NULL, *p;
	size_t n = 0;
	const struct snap *s = c->snap;
	const char *method = rq->method, *path = rq->path;
	int64_t id;

	memset(out, 0, sizeof(*out));
	memset(edit, 0, sizeof(*edit));
	if (strlen(path) >= sizeof(buf)) {
		error(out, 414, NULL, "use the paths of GET /api/v1/status and the lists", "the path is too long");
		return 0;
	}
	if (strncmp(path, "/api/", 5) != 0 && strcmp(path, "/metrics") != 0) {
		const struct http_asset *a = http_asset_find(path);

		if (!a)
			error(out, 404, NULL, "the status page is at /, the API under /api/v1", "no such path: %s",
			      path);
		else if (!is_read(method))
			not_allowed(out, "GET, HEAD", method, path);
		else {
			out->status = 200;
			out->body = strdup(a->data);
			out->content_type = a->content_type;
		}
		return 0;
	}
	if (c->cors && strcmp(method, "OPTIONS") == 0) {
		out->status = 204;       /* a CORS preflight: the server adds the Access-Control-* headers */
		return 0;
	}
	if (c->auth_reads && is_read(method) && authorized(c, rq, "reads", out) < 0)
		return 0;
	if (strcmp(path, "/metrics") == 0) {
		if (!is_read(method))
			not_allowed(out, "GET, HEAD", method, path);
		else if (!s)
			error(out, 503, NULL, "try again in a second", "the state store cannot be read yet");
		else
			get_metrics(c, out);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, "/", &save); p && n < MAX_SEGS; p = strtok_r(NULL, "/", &save))
		seg[n++] = p;
	if (p || n < 3 || strcmp(seg[0], "api") != 0 || strcmp(seg[1], "v1") != 0) {
		error(out, 404, NULL, "the API is under /api/v1: GET /api/v1/status", "no such path: %s", path);
		return 0;
	}
	if (!s) {
		error(out, 503, NULL, "try again in a second; vigild's log says why",
		      "the state store cannot be read yet");
		return 0;
	}
	if (n == 3 && strcmp(seg[2], "status") == 0) {
		if (!is_read(method))
			not_allowed(out, "GET, HEAD", method, path);
		else
			get_status(c, out);
	} else if (n == 3 && strcmp(seg[2], "split-brain") == 0) {
		if (!is_read(method))
			not_allowed(out, "GET, HEAD", method, path);
		else
			get_split_brain(c, out);
	} else if (n == 3 && (strcmp(seg[2], "history") == 0 || strcmp(seg[2], "events") == 0)) {
		if (!is_read(method))
			not_allowed(out, "GET, HEAD", method, path);
		else if (seg[2][0] == 'h')
			get_history(c, rq, out);
		else
			get_events(c, rq, out);
	} else if (strcmp(seg[2], "instances") == 0 && n <= 5) {
		const struct snap_inst *in;

		if (n == 3) {
			if (!is_read(method))
				not_allowed(out, "GET, HEAD", method, path);
			else
				list_instances(c, out);
			return 0;
		}
		if (!(id = snap_id_parse(seg[3])) || !(in = snap_inst_by_id(s, id))) {
			error(out, 404, "id", "GET /api/v1/instances lists the instances and their ids",
			      "no instance with id '%s'", seg[3]);
			return 0;
		}
		if (n == 4) {
			if (!is_read(method))
				not_allowed(out, "GET, HEAD", method, path);
			else
				answer(out, 200, snap_jinstance(in, sb_of(c, in->id)));
			return 0;
		}
		if (strcmp(seg[4], "actions") != 0) {
			error(out, 404, NULL, "under an instance: /actions", "no such path: %s", path);
			return 0;
		}
		if (strcmp(method, "POST") != 0) {
			not_allowed(out, "POST", method, path);
			return 0;
		}
		return instance_action(c, rq, in, out, edit);
	} else if (strcmp(seg[2], "virtual-servers") == 0 && n <= 6) {
		const struct snap_vs *v;
		const struct snap_rs *r;

		if (n < 6 && !is_read(method)) {
			not_allowed(out, "GET, HEAD", method, path);
			return 0;
		}
		if (n == 3) {
			list_virtual_servers(c, out);
			return 0;
		}
		if (!(id = snap_id_parse(seg[3])) || !(v = snap_vs_by_id(s, id))) {
			error(out, 404, "id", "GET /api/v1/virtual-servers lists them and their ids",
			      "no virtual server with id '%s'", seg[3]);
			return 0;
		}
		if (n == 4) {
			answer(out, 200, jvirtual_server(c, v));
			return 0;
		}
		if (strcmp(seg[4], "real-servers") != 0) {
			error(out, 404, NULL, "under a virtual server: /real-servers", "no such path: %s", path);
			return 0;
		}
		if (n == 5) {
			list_real_servers(c, v, out);
			return 0;
		}
		if (!(id = snap_id_parse(seg[5])) || !(r = snap_rs_by_id(s, v->id, id))) {
			error(out, 404, "id", "GET .../real-servers lists this virtual server's real servers",
			      "virtual server %lld has no real server with id '%s'", (long long)v->id, seg[5]);
			return 0;
		}
		if (strcmp(method, "PATCH") == 0)
			return patch_real_server(c, rq, v, r, out, edit);
		if (!is_read(method))
			not_allowed(out, "GET, HEAD, PATCH", method, path);
		else
			answer(out, 200, jreal_server(c, r));
	} else {
		error(out, 404, NULL, "GET /api/v1/status, /instances, /virtual-servers, /split-brain, /history, /events",
		      "no such path: %s", path);
	}
	return 0;
}
