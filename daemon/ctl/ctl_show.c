/*
 * ctl_show.c - vigilctl's read commands: instances, servers, overrides,
 * history and the summary of status, from the state database.
 *
 * The objects are read with mgmt's own reader (mgmt_snap.c), so vigilctl,
 * the REST API and SNMP show the same ids and values.  The database is
 * opened read-only; vigild keeps writing it (WAL: readers never block it).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ctl/ctl.h"
#include "store/store.h"

/* ---- the database ------------------------------------------------------------ */

sqlite3 *ctl_db_open(const struct ctl *c)
{
	char err[512];
	sqlite3 *db;

	if (access(c->db, R_OK) < 0) {
		int e = errno;

		if (e == ENOENT)
			ctl_fail(c, CTL_FAIL, 0, "is vigild running with --db=FILE? pass -d FILE",
				 "%s: no such file", c->db);
		else if (e == EACCES)
			ctl_fail(c, CTL_FAIL, 0, "run vigilctl as root (sudo), or as a user who may read it",
				 "%s: permission denied", c->db);
		else
			ctl_fail(c, CTL_FAIL, 0, "pass the state database with -d FILE", "%s: %s", c->db,
				 strerror(e));
		return NULL;
	}
	db = store_open(c->db, true, err, sizeof(err));
	if (!db)
		ctl_fail(c, CTL_FAIL, 0, "is it vigild's state database (-d FILE)?", "%s", err);
	return db;
}

struct snap *ctl_snap_load(const struct ctl *c, sqlite3 *db)
{
	char err[512];
	struct snap *s = snap_load(db, store_now_ms(), err, sizeof(err));

	if (!s)
		ctl_fail(c, CTL_FAIL, 0, "a reader needs to create FILE-shm next to a database in WAL mode: "
			 "run vigilctl as root (sudo)", "%s: %s", c->db, err);
	return s;
}

/* Open, read and close: the snapshot, or NULL after ctl_fail(). */
static struct snap *load(const struct ctl *c)
{
	sqlite3 *db = ctl_db_open(c);
	struct snap *s;

	if (!db)
		return NULL;
	s = ctl_snap_load(c, db);
	sqlite3_close(db);
	return s;
}

/* ---- names --------------------------------------------------------------------- */

/* The check engine's rules (check_lvs.c find_vs): the key as ipvsadm shows
 * it, any case, or without "TCP "; and here also the id. */
const struct snap_vs *ctl_find_vs(const struct snap *s, const char *name)
{
	int64_t id = snap_id_parse(name);

	for (size_t i = 0; i < s->n_vs; i++)
		if (strcasecmp(s->vs[i].key, name) == 0)
			return &s->vs[i];
	for (size_t i = 0; i < s->n_vs; i++)
		if (strncmp(s->vs[i].key, "TCP ", 4) == 0 && strcmp(s->vs[i].key + 4, name) == 0)
			return &s->vs[i];
	return id ? snap_vs_by_id(s, id) : NULL;
}

/* check_lvs.c find_rs: ADDRESS:PORT, or the address when only one has it. */
const struct snap_rs *ctl_find_rs(const struct snap_vs *v, const char *name)
{
	size_t n = strlen(name);
	const struct snap_rs *found = NULL;
	int matches = 0;
	int64_t id = snap_id_parse(name);

	for (size_t j = 0; j < v->n_rs; j++) {
		const char *k = v->rs[j].key;

		if (strcmp(k, name) == 0)
			return &v->rs[j];
		if (strncmp(k, name, n) == 0 && k[n] == ':') {
			found = &v->rs[j];
			matches++;
		}
	}
	if (matches == 1)
		return found;
	for (size_t j = 0; id && j < v->n_rs; j++)
		if (v->rs[j].id == id)
			return &v->rs[j];
	return NULL;
}

const struct snap_inst *ctl_find_inst(const struct snap *s, const char *name)
{
	int64_t id = snap_id_parse(name);

	for (size_t i = 0; i < s->n_inst; i++)
		if (strcmp(s->inst[i].name, name) == 0)
			return &s->inst[i];
	return id ? snap_inst_by_id(s, id) : NULL;
}

/* ---- cells ------------------------------------------------------------------------ */

static const char *num(int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)v);
	return buf;
}

/* "192.0.2.100/24, 2001:db8::1/64" */
static void vips_text(const struct snap_inst *in, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < in->n_vips && n + INET6_ADDRSTRLEN + 8 < len; i++) {
		char a[INET6_ADDRSTRLEN];

		if (!inet_ntop(in->vips[i].family, in->vips[i].addr, a, sizeof(a)))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s/%d", n ? ", " : "", a, in->vips[i].prefix);
	}
}

/* "demote 60", "weight 9", "drain", with " until TIME" when it expires */
static void override_text(const struct snap_override *o, char *buf, size_t len)
{
	char until[32];
	int n;

	if (o->kind == SNAP_READY) {
		snprintf(buf, len, "-");
		return;
	}
	if (o->kind == SNAP_WEIGHT || o->kind == SNAP_DEMOTE)
		n = snprintf(buf, len, "%s %lld", snap_admin_name(o->kind), (long long)o->value);
	else
		n = snprintf(buf, len, "%s", snap_admin_name(o->kind));
	if (o->expires_ms > 0 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " until %s", ctl_time(o->expires_ms, until, sizeof(until)));
}

/* ---- instances ------------------------------------------------------------------------ */

int ctl_instances(const struct ctl *c)
{
	static const char *const heads[] = { "ID", "NAME", "VRID", "INTERFACE", "STATE", "BASE PRIO", "EFF PRIO",
					     "MASTER", "VIPS", "SINCE", "OVERRIDE" };
	struct snap *s = load(c);
	struct ctl_table *t;

	if (!s)
		return CTL_FAIL;
	if (c->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < s->n_inst; i++)
			json_array_append_new(a, snap_jinstance(&s->inst[i], NULL));
		snap_free(s);
		return ctl_print_json(json_pack("{s:o}", "instances", a));
	}
	if (!s->n_inst) {
		printf("no VRRP instances in vigild's configuration\n");
		snap_free(s);
		return CTL_OK;
	}
	t = ctl_table_new(sizeof(heads) / sizeof(heads[0]), heads);
	for (size_t i = 0; i < s->n_inst; i++) {
		const struct snap_inst *in = &s->inst[i];
		char id[24], vrid[16], base[16], eff[16], vips[512], since[32], ov[96];

		vips_text(in, vips, sizeof(vips));
		override_text(&in->ov, ov, sizeof(ov));
		ctl_table_row(t, (const char *const[]){ num(in->id, id, sizeof(id)), in->name,
			num(in->vrid, vrid, sizeof(vrid)), in->ifname, snap_state_name(in->state),
			num(in->config_priority, base, sizeof(base)), num(in->effective_priority, eff, sizeof(eff)),
			in->master, vips, ctl_time(in->state_since_ms, since, sizeof(since)), ov });
	}
	ctl_table_print(t);
	ctl_table_free(t);
	snap_free(s);
	return CTL_OK;
}

/* ---- servers --------------------------------------------------------------------------- */

static bool quorum_met(const struct snap_vs *v)
{
	long up = 0;

	for (size_t i = 0; i < v->n_rs; i++)
		if (v->rs[i].alive)
			up += v->rs[i].config_weight;
	return up >= v->quorum;
}

static json_t *jvs_with_rs(const struct snap_vs *v)
{
	json_t *o = snap_jvirtual_server(v, NULL), *a = json_array();

	for (size_t j = 0; j < v->n_rs; j++)
		json_array_append_new(a, snap_jreal_server(&v->rs[j], NULL));
	json_object_set_new(o, "real_servers", a);
	return o;
}

static void rs_rows(struct ctl_table *t, const struct snap_vs *v)
{
	for (size_t j = 0; j < v->n_rs; j++) {
		const struct snap_rs *r = &v->rs[j];
		char id[24], w[16], ow[16], ew[16], since[32], admin[96];

		if (r->ov.kind == SNAP_WEIGHT)
			num(r->ov.value, ow, sizeof(ow));
		else
			snprintf(ow, sizeof(ow), "-");
		if (r->effective_weight >= 0)
			num(r->effective_weight, ew, sizeof(ew));
		else
			snprintf(ew, sizeof(ew), "out");   /* not in IPVS */
		if (r->ov.kind == SNAP_DRAIN || r->ov.kind == SNAP_MAINT)
			override_text(&r->ov, admin, sizeof(admin));
		else
			snprintf(admin, sizeof(admin), "ready");
		ctl_table_row(t, (const char *const[]){ num(r->id, id, sizeof(id)), r->key,
			snap_health_name(r->health), num(r->config_weight, w, sizeof(w)), ow, ew, admin,
			ctl_time(r->health_since_ms, since, sizeof(since)), r->health_reason });
	}
}

static int vs_names(const struct ctl *c, const struct snap *s, const char *name)
{
	char list[1024];
	size_t n = 0;

	list[0] = '\0';
	for (size_t i = 0; i < s->n_vs && n + 80 < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s'%s' (id %lld)", i ? ", " : "", s->vs[i].key,
				      (long long)s->vs[i].id);
	return ctl_fail(c, CTL_FAIL, 404, n ? list : "vigild's configuration has none",
			"no virtual server '%s'; there are", name);
}

int ctl_servers(const struct ctl *c, const char *name)
{
	static const char *const heads[] = { "ID", "REAL SERVER", "HEALTH", "WEIGHT", "OVERRIDE", "EFFECTIVE",
					     "ADMIN", "SINCE", "REASON" };
	struct snap *s = load(c);
	const struct snap_vs *only = NULL;
	struct ctl_table *t;
	bool first = true;

	if (!s)
		return CTL_FAIL;
	if (name && !(only = ctl_find_vs(s, name))) {
		int rc = vs_names(c, s, name);

		snap_free(s);
		return rc;
	}
	if (c->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < s->n_vs; i++)
			if (!only || only == &s->vs[i])
				json_array_append_new(a, jvs_with_rs(&s->vs[i]));
		snap_free(s);
		return ctl_print_json(json_pack("{s:o}", "virtual_servers", a));
	}
	if (!s->n_vs) {
		printf("no virtual servers in vigild's configuration\n");
		snap_free(s);
		return CTL_OK;
	}
	t = ctl_table_new(sizeof(heads) / sizeof(heads[0]), heads);
	for (size_t i = 0; i < s->n_vs; i++) {
		const struct snap_vs *v = &s->vs[i];

		if (only && only != v)
			continue;
		if (!first)   /* a blank line between virtual servers */
			ctl_table_text(t, "%s", "");
		first = false;
		ctl_table_text(t, "%s (id %lld): %u/%zu real servers up, %s %s, quorum %d %s", v->key,
			       (long long)v->id, v->rs_up, v->n_rs, v->sched ? v->sched : "",
			       v->kind == 1 ? "NAT" : v->kind == 3 ? "TUN" : "DR", v->quorum,
			       quorum_met(v) ? "met" : "NOT MET");
		if (v->n_rs) {
			ctl_table_header(t, 2);
			ctl_table_indent(t, 2);
			rs_rows(t, v);
			ctl_table_indent(t, 0);
		}
	}
	ctl_table_print(t);
	ctl_table_free(t);
	snap_free(s);
	return CTL_OK;
}

/* ---- overrides --------------------------------------------------------------------------- */

struct ov_ref {
	const struct snap_override *ov;
	const struct snap_inst *in;       /* or */
	const struct snap_rs *rs;
	const struct snap_vs *vs;
};

static int cmp_ov(const void *a, const void *b)
{
	const struct ov_ref *x = a, *y = b;

	return (x->ov->created_ms > y->ov->created_ms) - (x->ov->created_ms < y->ov->created_ms);
}

static json_t *jov_ref(const struct ov_ref *r)
{
	const struct snap_override *o = r->ov;

	return json_pack("{s:s, s:I, s:s, s:o, s:o, s:s, s:I, s:o, s:o, s:o, s:o}",
			 "target", r->in ? "instance" : "real_server",
			 "id", (json_int_t)(r->in ? r->in->id : r->rs->id), "name", r->in ? r->in->name : r->rs->key,
			 "virtual_server_id", r->vs ? json_integer(r->vs->id) : json_null(),
			 "virtual_server", r->vs ? json_string(r->vs->key) : json_null(),
			 "kind", snap_admin_name(o->kind), "value", (json_int_t)o->value, "who", snap_jtext(o->who),
			 "reason", snap_jtext(o->reason), "since", snap_jtime(o->created_ms),
			 "expires", snap_jtime(o->expires_ms));
}

int ctl_overrides(const struct ctl *c)
{
	static const char *const heads[] = { "VIRTUAL SERVER", "REAL SERVER/INSTANCE", "SETTING", "SINCE", "UNTIL",
					     "BY, WHY" };
	struct snap *s = load(c);
	struct ov_ref *refs;
	size_t n = 0;

	if (!s)
		return CTL_FAIL;
	refs = calloc(s->n_inst + s->n_rs + 1, sizeof(*refs));
	if (!refs) {
		snap_free(s);
		return ctl_fail(c, CTL_FAIL, 0, NULL, "out of memory");
	}
	for (size_t i = 0; i < s->n_inst; i++)
		if (s->inst[i].ov.kind != SNAP_READY)
			refs[n++] = (struct ov_ref){ .ov = &s->inst[i].ov, .in = &s->inst[i] };
	for (size_t i = 0; i < s->n_vs; i++)
		for (size_t j = 0; j < s->vs[i].n_rs; j++)
			if (s->vs[i].rs[j].ov.kind != SNAP_READY)
				refs[n++] = (struct ov_ref){ .ov = &s->vs[i].rs[j].ov, .rs = &s->vs[i].rs[j],
							     .vs = &s->vs[i] };
	qsort(refs, n, sizeof(*refs), cmp_ov);
	if (c->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, jov_ref(&refs[i]));
		ctl_print_json(json_pack("{s:o}", "overrides", a));
	} else if (!n) {
		printf("no overrides: every real server has its configured weight, every instance its priority\n");
	} else {
		struct ctl_table *t = ctl_table_new(sizeof(heads) / sizeof(heads[0]), heads);

		for (size_t i = 0; i < n; i++) {
			const struct snap_override *o = refs[i].ov;
			char setting[48], since[32], until[32], by[512];

			if (o->kind == SNAP_WEIGHT || o->kind == SNAP_DEMOTE)
				snprintf(setting, sizeof(setting), "%s %lld", snap_admin_name(o->kind),
					 (long long)o->value);
			else
				snprintf(setting, sizeof(setting), "%s", snap_admin_name(o->kind));
			snprintf(by, sizeof(by), "%s%s%s", o->who ? o->who : "", o->reason && *o->reason ? ", " : "",
				 o->reason ? o->reason : "");
			ctl_table_row(t, (const char *const[]){ refs[i].vs ? refs[i].vs->key : "VRRP",
				refs[i].in ? refs[i].in->name : refs[i].rs->key, setting,
				ctl_time(o->created_ms, since, sizeof(since)),
				ctl_time(o->expires_ms, until, sizeof(until)), by });
		}
		ctl_table_print(t);
		ctl_table_free(t);
	}
	free(refs);
	snap_free(s);
	return CTL_OK;
}

/* ---- history ------------------------------------------------------------------------------ */

/* One line of the history: a VRRP or health transition, or an operator's
 * edit (the audit log). */
struct hist_line {
	char kind;                          /* 'v' vrrp, 'h' health, 'o' operator */
	int64_t id, at;
	int64_t inst_id, rs_id, vs_id;      /* 0 where not the line's kind */
	char *name, *vs, *from, *to, *reason, *who, *before, *after;
};

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

static void hist_line_free(struct hist_line *h)
{
	free(h->name);
	free(h->vs);
	free(h->from);
	free(h->to);
	free(h->reason);
	free(h->who);
	free(h->before);
	free(h->after);
}

static json_t *jid(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

/* The items of GET /api/v1/history (vrrp, health) and of /events (the
 * operator's edits, with "kind": "operator"). */
static json_t *jhist(const struct hist_line *h)
{
	if (h->kind == 'o')
		return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "kind", "operator",
				 "id", (json_int_t)h->id, "at", snap_jtime(h->at), "who", snap_jtext(h->who),
				 "action", snap_jtext(h->from), "target", snap_jtext(h->name),
				 "detail", snap_jtext(h->reason), "before", snap_jtext(h->before),
				 "after", snap_jtext(h->after));
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "kind", h->kind == 'v' ? "vrrp" : "health",
			 "at", snap_jtime(h->at), "instance_id", jid(h->inst_id), "real_server_id", jid(h->rs_id),
			 "virtual_server_id", jid(h->vs_id), "name", snap_jtext(h->name), "from", snap_jtext(h->from),
			 "to", snap_jtext(h->to), "reason", snap_jtext(h->reason));
}

/* The lines as vigilctl has always printed them (scripts grep them). */
static void print_hist(const struct hist_line *h)
{
	char when[32];

	ctl_time(h->at, when, sizeof(when));
	if (h->kind == 'o')
		printf("%s  %-8s  %s %s by %s%s%s\n", when, "operator", str(h->from), str(h->name), str(h->who),
		       h->reason && *h->reason ? ": " : "", str(h->reason));
	else if (h->kind == 'h')
		printf("%s  %-8s  %s in %s: %s -> %s (%s)\n", when, "server", str(h->name), str(h->vs), str(h->from),
		       str(h->to), str(h->reason));
	else
		printf("%s  %-8s  %s: %s -> %s (%s)\n", when, "instance", str(h->name), str(h->from), str(h->to),
		       str(h->reason));
}

static const char history_sql[] =
	"SELECT kind, id, at, inst, rs, vs, name, vs_key, from_s, to_s, reason, who, before, after FROM ("
	" SELECT 'v' AS kind, t.id AS id, t.at AS at, t.instance_id AS inst, NULL AS rs, NULL AS vs,"
	"  i.name AS name, NULL AS vs_key, t.from_state AS from_s, t.to_state AS to_s, t.reason AS reason,"
	"  NULL AS who, NULL AS before, NULL AS after"
	"  FROM vrrp_transition t JOIN vrrp_instance i ON i.id = t.instance_id WHERE ?1 IS NULL OR i.name = ?1"
	" UNION ALL"
	" SELECT 'h', h.id, h.at, NULL, h.rs_id, rs.vs_id, rs.key, vs.key, h.from_health, h.to_health, h.reason,"
	"  NULL, NULL, NULL"
	"  FROM health_transition h JOIN real_server rs ON rs.id = h.rs_id JOIN virtual_server vs ON vs.id = rs.vs_id"
	"  WHERE ?1 IS NULL OR rs.key = ?1 OR rs.key LIKE ?1 || ':%'"
	" UNION ALL"
	" SELECT 'o', a.id, a.at, NULL, NULL, NULL, a.target, NULL, a.action, NULL, a.detail, a.who, a.before, a.after"
	"  FROM audit a WHERE ?1 IS NULL OR a.target LIKE '%' || ?1 || '%'"
	") ORDER BY at DESC, kind DESC, id DESC LIMIT ?2";

int ctl_history(const struct ctl *c, const char *name)
{
	sqlite3 *db = ctl_db_open(c);
	sqlite3_stmt *st;
	struct hist_line *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (!db)
		return CTL_FAIL;
	if (sqlite3_prepare_v2(db, history_sql, -1, &st, NULL) != SQLITE_OK) {
		rc = ctl_fail(c, CTL_FAIL, 0, "is it vigild's state database (-d FILE)?", "%s: %s", c->db,
			      sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->limit);
	/* newest first from SQL, for the LIMIT */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(st, 0);

		if (n == cap) {
			struct hist_line *p = realloc(rows, (cap = cap ? cap * 2 : 64) * sizeof(*p));

			if (!p)
				break;
			rows = p;
		}
		rows[n++] = (struct hist_line){ .kind = k ? (char)k[0] : 'v', .id = sqlite3_column_int64(st, 1),
			.at = sqlite3_column_int64(st, 2), .inst_id = sqlite3_column_int64(st, 3),
			.rs_id = sqlite3_column_int64(st, 4), .vs_id = sqlite3_column_int64(st, 5),
			.name = col(st, 6), .vs = col(st, 7), .from = col(st, 8), .to = col(st, 9),
			.reason = col(st, 10), .who = col(st, 11), .before = col(st, 12), .after = col(st, 13) };
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		rc = ctl_fail(c, CTL_FAIL, 0, NULL, "%s: %s", c->db, sqlite3_errmsg(db));
	else
		rc = CTL_OK;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (rc == CTL_OK && c->json) {
		/* newest first, as GET /api/v1/history */
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, jhist(&rows[i]));
		rc = ctl_print_json(json_pack("{s:o}", "items", a));
	} else if (rc == CTL_OK) {
		/* oldest first, as a log reads */
		for (size_t i = n; i-- > 0;)
			print_hist(&rows[i]);
		if (!n)
			printf("no transitions recorded%s%s\n", name ? " for " : "", name ? name : "");
	}
	for (size_t i = 0; i < n; i++)
		hist_line_free(&rows[i]);
	free(rows);
	return rc;
}

/* ---- status's summary ------------------------------------------------------------------------ */

static void summary_json(const struct snap *s, json_t *doc)
{
	json_t *ia = json_array(), *va = json_array();
	unsigned n[4] = { 0 }, rs_up = 0;

	for (size_t i = 0; i < s->n_inst; i++) {
		if ((unsigned)s->inst[i].state < 4)
			n[s->inst[i].state]++;
		json_array_append_new(ia, snap_jinstance(&s->inst[i], NULL));
	}
	for (size_t i = 0; i < s->n_rs; i++)
		rs_up += s->rs[i].alive;
	for (size_t i = 0; i < s->n_vs; i++)
		json_array_append_new(va, snap_jvirtual_server(&s->vs[i], NULL));
	/* the names of GET /api/v1/status */
	json_object_set_new(doc, "snapshot_at", snap_jtime(s->loaded_ms));
	json_object_set_new(doc, "counts", json_pack("{s:I, s:i, s:i, s:i, s:i, s:I, s:I, s:i}",
		"instances", (json_int_t)s->n_inst, "master", n[SNAP_MASTER], "backup", n[SNAP_BACKUP],
		"fault", n[SNAP_FAULT], "init", n[SNAP_INIT], "virtual_servers", (json_int_t)s->n_vs,
		"real_servers", (json_int_t)s->n_rs, "real_servers_in_service", rs_up));
	json_object_set_new(doc, "instances", ia);
	json_object_set_new(doc, "virtual_servers", va);
}

static void summary_text(const struct snap *s)
{
	static const char *const ihead[] = { "INSTANCE", "STATE", "PRIORITY", "MASTER", "VIPS", "SINCE", "OVERRIDE" };
	static const char *const vhead[] = { "VIRTUAL SERVER", "UP", "QUORUM", "OVERRIDES" };
	struct ctl_table *t;

	putchar('\n');
	if (!s->n_inst) {
		printf("no VRRP instances\n");
	} else {
		t = ctl_table_new(sizeof(ihead) / sizeof(ihead[0]), ihead);
		for (size_t i = 0; i < s->n_inst; i++) {
			const struct snap_inst *in = &s->inst[i];
			char prio[32], vips[512], since[32], ov[96];

			if (in->effective_priority != in->config_priority)
				snprintf(prio, sizeof(prio), "%d (base %d)", in->effective_priority,
					 in->config_priority);
			else
				snprintf(prio, sizeof(prio), "%d", in->effective_priority);
			vips_text(in, vips, sizeof(vips));
			override_text(&in->ov, ov, sizeof(ov));
			ctl_table_row(t, (const char *const[]){ in->name, snap_state_name(in->state), prio, in->master,
				vips, ctl_time(in->state_since_ms, since, sizeof(since)), ov });
		}
		ctl_table_print(t);
		ctl_table_free(t);
	}
	putchar('\n');
	if (!s->n_vs) {
		printf("no virtual servers\n");
		return;
	}
	t = ctl_table_new(sizeof(vhead) / sizeof(vhead[0]), vhead);
	for (size_t i = 0; i < s->n_vs; i++) {
		const struct snap_vs *v = &s->vs[i];
		char up[32], quorum[32], ovs[64];
		unsigned drain = 0, maint = 0, weight = 0;

		for (size_t j = 0; j < v->n_rs; j++) {
			drain += v->rs[j].ov.kind == SNAP_DRAIN;
			maint += v->rs[j].ov.kind == SNAP_MAINT;
			weight += v->rs[j].ov.kind == SNAP_WEIGHT;
		}
		snprintf(up, sizeof(up), "%u/%zu", v->rs_up, v->n_rs);
		snprintf(quorum, sizeof(quorum), "%d %s", v->quorum, quorum_met(v) ? "met" : "NOT MET");
		ovs[0] = '\0';
		if (drain)
			snprintf(ovs + strlen(ovs), sizeof(ovs) - strlen(ovs), "%u drain", drain);
		if (maint)
			snprintf(ovs + strlen(ovs), sizeof(ovs) - strlen(ovs), "%s%u maint", *ovs ? ", " : "", maint);
		if (weight)
			snprintf(ovs + strlen(ovs), sizeof(ovs) - strlen(ovs), "%s%u weight", *ovs ? ", " : "", weight);
		ctl_table_row(t, (const char *const[]){ v->key, up, quorum, ovs });
	}
	ctl_table_print(t);
	ctl_table_free(t);
}

void ctl_status_summary(const struct ctl *c, json_t *doc)
{
	struct ctl quiet = *c;
	struct snap *s;

	/* the process table is the answer; a database that cannot be read is
	 * told on stderr (and in the document), not as the command's error */
	quiet.json = false;
	s = load(&quiet);
	if (!s) {
		if (doc)
			json_object_set_new(doc, "database_error", json_string(ctl_last_error()));
		return;
	}
	if (doc)
		summary_json(s, doc);
	else
		summary_text(s);
	snap_free(s);
}
