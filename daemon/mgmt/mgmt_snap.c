/*
 * mgmt_snap.c - the state store read into plain structs (see mgmt_snap.h).
 *
 * The settings come from each row's `config` (the configuration summary the
 * engines store, with vigild -d's keywords); the live state from the
 * columns the engines keep current; overrides, transition counts and the
 * last counter snapshots from their tables.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/mgmt_snap.h"

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static char *col_text(sqlite3_stmt *st, int i)
{
	return dup_or_empty((const char *)sqlite3_column_text(st, i));
}

/* ---- the config JSON -------------------------------------------------------- */

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int jint(json_t *o, const char *k, int dflt)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static int jms(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? (int)lround(json_number_value(v) * 1000.0) : 0;
}

static bool jbool(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

/* "192.0.2.1" or "2001:db8::1", optionally followed by "/prefix". */
static int parse_addr(const char *text, int *family, unsigned char addr[16], int *prefix)
{
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", text);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		if (prefix)
			*prefix = atoi(slash + 1);
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	*family = 0;
	return -1;
}

static enum snap_state state_of(const char *s)
{
	if (strcmp(s, "MASTER") == 0)
		return SNAP_MASTER;
	if (strcmp(s, "BACKUP") == 0)
		return SNAP_BACKUP;
	if (strcmp(s, "FAULT") == 0)
		return SNAP_FAULT;
	return SNAP_INIT;
}

const char *snap_state_name(enum snap_state st)
{
	static const char *const names[] = { "INIT", "BACKUP", "MASTER", "FAULT" };

	return (unsigned)st < 4 ? names[st] : "?";
}

static int scope_of(json_t *v)
{
	static const struct { const char *name; int scope; } names[] = {
		{ "global", 0 }, { "site", 200 }, { "link", 253 }, { "host", 254 }, { "nowhere", 255 },
	};

	if (json_is_integer(v))
		return (int)json_integer_value(v);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (json_is_string(v) && strcmp(json_string_value(v), names[i].name) == 0)
			return names[i].scope;
	return 0;
}

static void add_vips(struct snap_inst *in, json_t *arr, bool excluded)
{
	size_t n = json_array_size(arr), i;
	json_t *v;
	struct snap_vip *p;

	if (!n || !(p = realloc(in->vips, (in->n_vips + n) * sizeof(*p))))
		return;
	in->vips = p;
	json_array_foreach(arr, i, v) {
		struct snap_vip *x = &in->vips[in->n_vips];
		int fam;

		memset(x, 0, sizeof(*x));
		if (parse_addr(jstr(v, "address"), &x->family, x->addr, &x->prefix) < 0)
			continue;
		if (json_is_string(json_object_get(v, "brd"))) {
			unsigned char b[16];

			if (parse_addr(jstr(v, "brd"), &fam, b, NULL) == 0 && fam == AF_INET)
				memcpy(x->brd, b, 4);
		}
		snprintf(x->dev, sizeof(x->dev), "%s", jstr(v, "dev"));
		x->scope = scope_of(json_object_get(v, "scope"));
		x->excluded = excluded;
		in->n_vips++;
	}
}

static struct snap_track *tracks_of(json_t *arr, const char *name_key, size_t *n)
{
	size_t k = json_array_size(arr), i;
	struct snap_track *t = calloc(k ? k : 1, sizeof(*t));
	json_t *v;

	*n = 0;
	if (!t)
		return NULL;
	json_array_foreach(arr, i, v) {
		json_t *w = json_object_get(v, "weight");

		t[*n].name = dup_or_empty(jstr(v, name_key));
		t[*n].weight_set = json_is_integer(w);
		t[*n].weight = t[*n].weight_set ? (int)json_integer_value(w) : 0;
		t[*n].reverse = jbool(v, "weight_reverse");
		(*n)++;
	}
	return t;
}

static void inst_config(struct snap_inst *in, const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	const char *auth;

	in->initial = SNAP_BACKUP;
	in->preempt = true;
	in->track_primary = true;
	if (!j)
		goto strings;
	in->initial = strcmp(jstr(j, "state"), "MASTER") == 0 ? SNAP_MASTER : SNAP_BACKUP;
	in->advert_ms = jms(j, "advert_int");
	in->preempt = !jbool(j, "nopreempt");
	in->preempt_delay_ms = jms(j, "preempt_delay");
	auth = jstr(j, "auth_type");
	in->auth_type = strcmp(auth, "PASS") == 0 ? 1 : strcmp(auth, "AH") == 0 ? 2 : 0;
	in->sync_group = dup_or_empty(jstr(j, "sync_group"));
	in->notify_master = dup_or_empty(jstr(j, "notify_master"));
	in->notify_backup = dup_or_empty(jstr(j, "notify_backup"));
	in->notify_fault = dup_or_empty(jstr(j, "notify_fault"));
	in->notify_stop = dup_or_empty(jstr(j, "notify_stop"));
	in->notify = dup_or_empty(jstr(j, "notify"));
	in->smtp_alert = jbool(j, "smtp_alert");
	in->accept = jbool(j, "accept");
	in->track_primary = !jbool(j, "dont_track_primary");
	in->garp_delay_ms = jms(j, "garp_master_delay");
	add_vips(in, json_object_get(j, "virtual_ipaddress"), false);
	add_vips(in, json_object_get(j, "virtual_ipaddress_excluded"), true);
	in->track_scripts = tracks_of(json_object_get(j, "track_script"), "name", &in->n_track_scripts);
	in->track_ifs = tracks_of(json_object_get(j, "track_interface"), "interface", &in->n_track_ifs);
	json_decref(j);
strings:
	/* every string set, so readers never test for NULL */
	if (!in->sync_group) {
		in->sync_group = dup_or_empty(NULL);
		in->notify_master = dup_or_empty(NULL);
		in->notify_backup = dup_or_empty(NULL);
		in->notify_fault = dup_or_empty(NULL);
		in->notify_stop = dup_or_empty(NULL);
		in->notify = dup_or_empty(NULL);
	}
}

static void vs_config(struct snap_vs *v, const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	const char *proto, *kind;

	v->protocol = 4;
	v->kind = 1;
	if (j) {
		v->fwmark = json_is_integer(json_object_get(j, "fwmark"));
		v->mark = (uint32_t)jint(j, "fwmark", 0);
		if (!v->fwmark)
			parse_addr(jstr(j, "address"), &v->family, v->addr, NULL);
		v->port = jint(j, "port", 0);
		proto = jstr(j, "protocol");
		v->protocol = strcmp(proto, "TCP") == 0 ? 1 : strcmp(proto, "UDP") == 0 ? 2
			    : strcmp(proto, "SCTP") == 0 ? 3 : 4;
		kind = jstr(j, "lb_kind");
		v->kind = strcmp(kind, "DR") == 0 ? 2 : strcmp(kind, "TUN") == 0 ? 3 : 1;
		v->sched = dup_or_empty(jstr(j, "lb_algo"));
		v->virtualhost = dup_or_empty(jstr(j, "virtualhost"));
		v->persistent = jbool(j, "persistent");
		v->persist_timeout = jint(j, "persistence_timeout", 0);
		v->delay_loop_ms = jms(j, "delay_loop");
		v->ha_suspend = jbool(j, "ha_suspend");
		v->alpha = jbool(j, "alpha");
		v->omega = jbool(j, "omega");
		v->inhibit_on_failure = jbool(j, "inhibit_on_failure");
		v->ops = jbool(j, "ops");
		v->quorum = jint(j, "quorum", 1);
		v->hysteresis = jint(j, "hysteresis", 0);
		v->quorum_up = dup_or_empty(jstr(j, "quorum_up"));
		v->quorum_down = dup_or_empty(jstr(j, "quorum_down"));
		json_decref(j);
		return;
	}
	v->sched = dup_or_empty(NULL);
	v->virtualhost = dup_or_empty(NULL);
	v->quorum_up = dup_or_empty(NULL);
	v->quorum_down = dup_or_empty(NULL);
}

static void rs_config(struct snap_rs *r, const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	json_t *ck;

	if (!j) {
		r->notify_up = dup_or_empty(NULL);
		r->notify_down = dup_or_empty(NULL);
		r->virtualhost = dup_or_empty(NULL);
		return;
	}
	parse_addr(jstr(j, "address"), &r->family, r->addr, NULL);
	r->port = jint(j, "port", 0);
	r->inhibit_on_failure = jbool(j, "inhibit_on_failure");
	r->notify_up = dup_or_empty(jstr(j, "notify_up"));
	r->notify_down = dup_or_empty(jstr(j, "notify_down"));
	r->uthreshold = jint(j, "uthreshold", 0);
	r->lthreshold = jint(j, "lthreshold", 0);
	r->delay_loop_ms = jms(j, "delay_loop");
	ck = json_array_get(json_object_get(j, "checkers"), 0);
	r->retry = jint(ck, "retry", 0);
	r->delay_before_retry_ms = jms(ck, "delay_before_retry");
	r->warmup_ms = jms(ck, "warmup");
	r->connect_timeout_ms = jms(ck, "connect_timeout");
	r->virtualhost = dup_or_empty(jstr(ck, "virtualhost"));
	json_decref(j);
}

/* ---- loading ---------------------------------------------------------------- */

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	return -1;
}

static int cmp_id(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_inst(const void *a, const void *b)
{
	return cmp_id(((const struct snap_inst *)a)->id, ((const struct snap_inst *)b)->id);
}

static int cmp_vs(const void *a, const void *b)
{
	return cmp_id(((const struct snap_vs *)a)->id, ((const struct snap_vs *)b)->id);
}

static int cmp_rs(const void *a, const void *b)
{
	const struct snap_rs *x = a, *y = b;

	return x->vs_id != y->vs_id ? cmp_id(x->vs_id, y->vs_id) : cmp_id(x->id, y->id);
}

static void *find(const void *base, size_t n, size_t size, const void *key,
		  int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;   /* base is NULL when n is 0 */
}

const struct snap_inst *snap_inst_by_id(const struct snap *s, int64_t id)
{
	struct snap_inst k = { .id = id };

	return find(s->inst, s->n_inst, sizeof(k), &k, cmp_inst);
}

const struct snap_vs *snap_vs_by_id(const struct snap *s, int64_t id)
{
	struct snap_vs k = { .id = id };

	return find(s->vs, s->n_vs, sizeof(k), &k, cmp_vs);
}

const struct snap_rs *snap_rs_by_id(const struct snap *s, int64_t vs_id, int64_t id)
{
	struct snap_rs k = { .vs_id = vs_id, .id = id };

	return find(s->rs, s->n_rs, sizeof(k), &k, cmp_rs);
}

static int load_instances(sqlite3 *db, struct snap *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (prepare(db, "SELECT id, name, vrid, family, interface, version, config_priority, state, "
			"effective_priority, master_address, state_since, config FROM vrrp_instance "
			"WHERE present = 1 ORDER BY id", &st, err, errlen) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct snap_inst *in;

		if (s->n_inst == cap) {
			struct snap_inst *p = realloc(s->inst, (cap = cap ? cap * 2 : 16) * sizeof(*p));

			if (!p)
				break;
			s->inst = p;
		}
		in = &s->inst[s->n_inst++];
		memset(in, 0, sizeof(*in));
		in->id = sqlite3_column_int64(st, 0);
		in->name = col_text(st, 1);
		in->vrid = sqlite3_column_int(st, 2);
		in->family = strcmp((const char *)sqlite3_column_text(st, 3), "inet6") == 0 ? AF_INET6 : AF_INET;
		in->ifname = col_text(st, 4);
		in->version = sqlite3_column_int(st, 5);
		in->config_priority = sqlite3_column_int(st, 6);
		in->state = state_of((const char *)sqlite3_column_text(st, 7));
		in->effective_priority = sqlite3_column_type(st, 8) == SQLITE_NULL
					 ? in->config_priority : sqlite3_column_int(st, 8);
		in->master = col_text(st, 9);
		in->state_since_ms = sqlite3_column_int64(st, 10);
		in->last_reason = dup_or_empty(NULL);
		inst_config(in, (const char *)sqlite3_column_text(st, 11));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading vrrp_instance: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static enum snap_script_result result_of(const char *r)
{
	if (!r)
		return SNAP_SCRIPT_INIT;
	return strcmp(r, "good") == 0 ? SNAP_SCRIPT_GOOD : strcmp(r, "bad") == 0 ? SNAP_SCRIPT_BAD
	       : strcmp(r, "initfailed") == 0 ? SNAP_SCRIPT_INIT_FAILED : SNAP_SCRIPT_INIT;
}

static int load_scripts(sqlite3 *db, struct snap *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (prepare(db, "SELECT id, name, config, result, result_since FROM vrrp_script "
			"WHERE present = 1 ORDER BY id", &st, err, errlen) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct snap_script *x;
		const char *text = (const char *)sqlite3_column_text(st, 2);
		json_t *j = text ? json_loads(text, 0, NULL) : NULL;

		if (s->n_scripts == cap) {
			struct snap_script *p = realloc(s->scripts, (cap = cap ? cap * 2 : 8) * sizeof(*p));

			if (!p) {
				json_decref(j);
				break;
			}
			s->scripts = p;
		}
		x = &s->scripts[s->n_scripts++];
		memset(x, 0, sizeof(*x));
		x->id = sqlite3_column_int64(st, 0);
		x->name = col_text(st, 1);
		x->command = dup_or_empty(jstr(j, "script"));
		x->interval_ms = jms(j, "interval");
		x->weight = jint(j, "weight", 0);
		x->rise = jint(j, "rise", 1);
		x->fall = jint(j, "fall", 1);
		x->reverse = jbool(j, "weight_reverse");
		x->result = result_of((const char *)sqlite3_column_text(st, 3));
		x->result_since_ms = sqlite3_column_int64(st, 4);
		json_decref(j);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading vrrp_script: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

const struct snap_script *snap_script_by_name(const struct snap *s, const char *name)
{
	for (size_t i = 0; i < s->n_scripts; i++)
		if (strcmp(s->scripts[i].name, name) == 0)
			return &s->scripts[i];
	return NULL;
}

static int load_servers(sqlite3 *db, struct snap *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (prepare(db, "SELECT id, key, config FROM virtual_server WHERE present = 1 ORDER BY id",
		    &st, err, errlen) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct snap_vs *v;

		if (s->n_vs == cap) {
			struct snap_vs *p = realloc(s->vs, (cap = cap ? cap * 2 : 16) * sizeof(*p));

			if (!p)
				break;
			s->vs = p;
		}
		v = &s->vs[s->n_vs++];
		memset(v, 0, sizeof(*v));
		v->id = sqlite3_column_int64(st, 0);
		v->key = col_text(st, 1);
		vs_config(v, (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;

	cap = 0;
	if (prepare(db, "SELECT r.id, r.vs_id, r.key, r.health, r.health_reason, r.health_since, "
			"r.config_weight, r.effective_weight, r.config FROM real_server r "
			"JOIN virtual_server v ON v.id = r.vs_id "
			"WHERE r.present = 1 AND v.present = 1 ORDER BY r.vs_id, r.id", &st, err, errlen) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct snap_rs *r;
		const char *h;

		if (s->n_rs == cap) {
			struct snap_rs *p = realloc(s->rs, (cap = cap ? cap * 2 : 64) * sizeof(*p));

			if (!p)
				break;
			s->rs = p;
		}
		r = &s->rs[s->n_rs++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(st, 0);
		r->vs_id = sqlite3_column_int64(st, 1);
		r->key = col_text(st, 2);
		h = (const char *)sqlite3_column_text(st, 3);
		r->health = h && strcmp(h, "up") == 0 ? SNAP_UP : h && strcmp(h, "down") == 0 ? SNAP_DOWN
			    : SNAP_UNKNOWN;
		r->health_reason = col_text(st, 4);
		r->health_since_ms = sqlite3_column_int64(st, 5);
		r->config_weight = sqlite3_column_int(st, 6);
		r->effective_weight = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 7);
		rs_config(r, (const char *)sqlite3_column_text(st, 8));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/* link each virtual server to its real servers (both sorted by id) */
	for (size_t i = 0, j = 0; i < s->n_vs; i++) {
		struct snap_vs *v = &s->vs[i];

		while (j < s->n_rs && s->rs[j].vs_id < v->id)
			j++;
		v->rs = &s->rs[j];
		while (j < s->n_rs && s->rs[j].vs_id == v->id) {
			struct snap_rs *r = &s->rs[j];

			r->alive = r->health == SNAP_UP || (r->health == SNAP_UNKNOWN && !v->alpha);
			if (!r->delay_loop_ms)
				r->delay_loop_ms = v->delay_loop_ms;
			v->n_rs++;
			v->rs_up += r->alive;
			j++;
		}
	}
	return 0;
fail:
	snprintf(err, errlen, "reading the servers: %s", sqlite3_errmsg(db));
	return -1;
}

static void set_override(struct snap_override *o, const char *kind, sqlite3_stmt *st)
{
	o->kind = strcmp(kind, "drain") == 0 ? SNAP_DRAIN : strcmp(kind, "maint") == 0 ? SNAP_MAINT
		: strcmp(kind, "weight") == 0 ? SNAP_WEIGHT : strcmp(kind, "demote") == 0 ? SNAP_DEMOTE
		: SNAP_READY;
	o->value = sqlite3_column_int64(st, 3);
	o->who = col_text(st, 4);
	o->reason = col_text(st, 5);
	o->created_ms = sqlite3_column_int64(st, 6);
	o->expires_ms = sqlite3_column_int64(st, 7);
}

static int cmp_rs_ptr(const void *a, const void *b)
{
	return cmp_id((*(struct snap_rs *const *)a)->id, (*(struct snap_rs *const *)b)->id);
}

/* A real server by its id alone (counters and overrides name only that). */
static struct snap_rs *rs_by_plain_id(const struct snap *s, int64_t id)
{
	struct snap_rs k = { .id = id }, *kp = &k, **r;

	r = find(s->rs_by_id, s->n_rs, sizeof(*s->rs_by_id), &kp, cmp_rs_ptr);
	return r ? *r : NULL;
}

static int load_extras(sqlite3 *db, struct snap *s, int64_t now_ms, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	struct snap_rs *r;

	if (s->n_rs && !(s->rs_by_id = malloc(s->n_rs * sizeof(*s->rs_by_id)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < s->n_rs; i++)
		s->rs_by_id[i] = &s->rs[i];
	if (s->n_rs)
		qsort(s->rs_by_id, s->n_rs, sizeof(*s->rs_by_id), cmp_rs_ptr);

	/* overrides in force */
	if (prepare(db, "SELECT target, target_id, kind, value, who, reason, created, expires FROM override "
			"WHERE expires IS NULL OR expires > ?1", &st, err, errlen) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *target = (const char *)sqlite3_column_text(st, 0);
		int64_t id = sqlite3_column_int64(st, 1);
		const char *kind = (const char *)sqlite3_column_text(st, 2);

		if (strcmp(target, "vrrp_instance") == 0) {
			struct snap_inst *in = (struct snap_inst *)snap_inst_by_id(s, id);

			if (in && !in->ov.who)
				set_override(&in->ov, kind, st);
		} else if ((r = rs_by_plain_id(s, id)) != NULL && !r->ov.who) {
			set_override(&r->ov, kind, st);
		}
	}
	sqlite3_finalize(st);

	/* transitions: how many, and why the last */
	if (prepare(db, "SELECT t.instance_id, c.n, t.reason FROM vrrp_transition t JOIN "
			"(SELECT instance_id, COUNT(*) AS n, MAX(id) AS last FROM vrrp_transition "
			"GROUP BY instance_id) c ON t.id = c.last", &st, err, errlen) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct snap_inst *in = (struct snap_inst *)snap_inst_by_id(s, sqlite3_column_int64(st, 0));

		if (!in)
			continue;
		in->transitions = (uint32_t)sqlite3_column_int64(st, 1);
		free(in->last_reason);
		in->last_reason = col_text(st, 2);
	}
	sqlite3_finalize(st);

	/* the last split-brain change of each instance */
	if (prepare(db, "SELECT instance_id, at, to_status, evidence FROM split_brain_event WHERE id IN "
			"(SELECT MAX(id) FROM split_brain_event GROUP BY instance_id)", &st, err, errlen) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct snap_inst *in = (struct snap_inst *)snap_inst_by_id(s, sqlite3_column_int64(st, 0));

		if (!in || in->sb_status)
			continue;
		in->sb_since_ms = sqlite3_column_int64(st, 1);
		in->sb_status = col_text(st, 2);
		in->sb_evidence = col_text(st, 3);
	}
	sqlite3_finalize(st);

	/* the last snapshot of each counter */
	if (prepare(db, "SELECT target, target_id, name, value FROM counter_snapshot WHERE id IN "
			"(SELECT MAX(id) FROM counter_snapshot GROUP BY target, target_id, name)",
		    &st, err, errlen) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *target = (const char *)sqlite3_column_text(st, 0);
		int64_t id = sqlite3_column_int64(st, 1);
		const char *name = (const char *)sqlite3_column_text(st, 2);
		uint64_t v = (uint64_t)sqlite3_column_int64(st, 3);

		if (strcmp(target, "vrrp_instance") == 0) {
			struct snap_inst *in = (struct snap_inst *)snap_inst_by_id(s, id);

			if (!in)
				continue;
			if (strcmp(name, "adverts_sent") == 0)
				in->adverts_sent = v;
			else if (strcmp(name, "adverts_received") == 0)
				in->adverts_received = v;
			else if (strcmp(name, "become_master") == 0)
				in->become_master = v;
		} else if ((r = rs_by_plain_id(s, id)) != NULL) {
			if (strcmp(name, "checks") == 0)
				r->checks = v;
			else if (strcmp(name, "checks_failed") == 0)
				r->checks_failed = v;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

struct snap *snap_load(sqlite3 *db, int64_t now_ms, char *err, size_t errlen)
{
	struct snap *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->loaded_ms = now_ms;
	/* one read transaction: the tables agree with each other */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (load_instances(db, s, err, errlen) < 0 || load_scripts(db, s, err, errlen) < 0 ||
	    load_servers(db, s, err, errlen) < 0 ||
	    load_extras(db, s, now_ms, err, errlen) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		snap_free(s);
		return NULL;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return s;
}

static void override_free(struct snap_override *o)
{
	free(o->who);
	free(o->reason);
}

void snap_free(struct snap *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_inst; i++) {
		struct snap_inst *in = &s->inst[i];

		free(in->name);
		free(in->ifname);
		free(in->master);
		free(in->sync_group);
		free(in->notify_master);
		free(in->notify_backup);
		free(in->notify_fault);
		free(in->notify_stop);
		free(in->notify);
		free(in->vips);
		free(in->last_reason);
		free(in->sb_status);
		free(in->sb_evidence);
		override_free(&in->ov);
		for (size_t k = 0; k < in->n_track_scripts; k++)
			free(in->track_scripts[k].name);
		for (size_t k = 0; k < in->n_track_ifs; k++)
			free(in->track_ifs[k].name);
		free(in->track_scripts);
		free(in->track_ifs);
	}
	for (size_t i = 0; i < s->n_scripts; i++) {
		free(s->scripts[i].name);
		free(s->scripts[i].command);
	}
	free(s->scripts);
	for (size_t i = 0; i < s->n_vs; i++) {
		free(s->vs[i].key);
		free(s->vs[i].sched);
		free(s->vs[i].virtualhost);
		free(s->vs[i].quorum_up);
		free(s->vs[i].quorum_down);
	}
	for (size_t i = 0; i < s->n_rs; i++) {
		struct snap_rs *r = &s->rs[i];

		free(r->key);
		free(r->health_reason);
		free(r->notify_up);
		free(r->notify_down);
		free(r->virtualhost);
		override_free(&r->ov);
	}
	free(s->inst);
	free(s->vs);
	free(s->rs);
	free(s->rs_by_id);
	free(s);
}

/* ---- events ------------------------------------------------------------------- */

static int events_of(sqlite3 *db, const char *sql, int64_t *after, bool vrrp, snap_event_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (*after < 0) {
		/* first call: start after the newest row */
		sqlite3_finalize(st);
		if (sqlite3_prepare_v2(db, vrrp ? "SELECT COALESCE(MAX(id), 0) FROM vrrp_transition"
					       : "SELECT COALESCE(MAX(id), 0) FROM health_transition",
				       -1, &st, NULL) != SQLITE_OK)
			return -1;
		if (sqlite3_step(st) == SQLITE_ROW)
			*after = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_bind_int64(st, 1, *after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct snap_event ev = {
			.vrrp = vrrp,
			.object_id = sqlite3_column_int64(st, 1),
			.at_ms = sqlite3_column_int64(st, 2),
			.from = (const char *)sqlite3_column_text(st, 3),
			.to = (const char *)sqlite3_column_text(st, 4),
			.reason = (const char *)sqlite3_column_text(st, 5),
		};

		*after = sqlite3_column_int64(st, 0);
		fn(&ev, arg);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int snap_events(sqlite3 *db, int64_t *vrrp_after, int64_t *health_after, snap_event_fn fn, void *arg)
{
	int a = events_of(db, "SELECT id, instance_id, at, from_state, to_state, reason FROM vrrp_transition "
			      "WHERE id > ?1 ORDER BY id", vrrp_after, true, fn, arg);
	int b = events_of(db, "SELECT id, rs_id, at, from_health, to_health, reason FROM health_transition "
			      "WHERE id > ?1 ORDER BY id", health_after, false, fn, arg);

	return a < 0 || b < 0 ? -1 : 0;
}

int64_t snap_id_parse(const char *s)
{
	char *end;
	long long v;

	if (!s || *s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end ? 0 : (int64_t)v;
}
