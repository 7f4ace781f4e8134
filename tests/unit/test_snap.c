/*
 * test_snap.c - mgmt's snapshot of the state store (mgmt/mgmt_snap), which
 * SNMP serves from: a store written the way the engines write it (the
 * schema's migrations, the batched writer, each object's configuration
 * summary from a parsed keepalived.conf), read through a read-only
 * connection.  What SNMP relies on: ids that do not move, each instance's
 * and server's fields, real servers alive as keepalived starts them and
 * not after a failed check, operators' overrides, the virtual server of
 * each real server, the lookups by id, and the transitions reported once,
 * oldest first.
 *
 * Real SQLite files in a temporary directory; the writer thread runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "mgmt/mgmt_snap.h"
#include "store/store.h"
#include "store/store_writer.h"

#include <jansson.h>

static const char CONF_TEXT[] =
	"vrrp_sync_group G1 {\n"
	"  group {\n    VI_1\n  }\n"
	"}\n"
	"vrrp_instance VI_1 {\n"
	"  state MASTER\n"
	"  interface eth0\n"
	"  virtual_router_id 51\n"
	"  priority 150\n"
	"  advert_int 2\n"
	"  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n"
	"  virtual_ipaddress {\n"
	"    192.0.2.100/24 dev eth1 scope link\n"
	"    192.0.2.101\n"
	"  }\n"
	"  virtual_ipaddress_excluded {\n"
	"    2001:db8::10/64\n"
	"  }\n"
	"  notify_master \"/usr/local/bin/to-master\"\n"
	"}\n"
	"vrrp_instance VI_2 {\n"
	"  state BACKUP\n"
	"  interface eth1\n"
	"  virtual_router_id 52\n"
	"  priority 100\n"
	"  nopreempt\n"
	"  virtual_ipaddress {\n    198.51.100.1/24\n  }\n"
	"}\n"
	"vrrp_instance VI_3 {\n"
	"  interface eth2\n"
	"  virtual_router_id 53\n"
	"  priority 80\n"
	"  virtual_ipaddress {\n    203.0.113.1\n  }\n"
	"}\n"
	"virtual_server 192.0.2.200 80 {\n"
	"  delay_loop 6\n"
	"  lb_algo wrr\n"
	"  lb_kind DR\n"
	"  protocol TCP\n"
	"  real_server 192.0.2.11 80 {\n"
	"    weight 3\n"
	"    TCP_CHECK {\n      connect_timeout 3\n      retry 2\n      delay_before_retry 1\n    }\n"
	"  }\n"
	"  real_server 192.0.2.12 80 {\n"
	"    weight 1\n"
	"    TCP_CHECK {\n      connect_timeout 3\n    }\n"
	"  }\n"
	"  real_server 192.0.2.13 80 {\n"
	"    weight 1\n"
	"  }\n"
	"}\n"
	"virtual_server fwmark 7 {\n"
	"  delay_loop 3\n"
	"  lb_algo rr\n"
	"  lb_kind NAT\n"
	"  alpha\n"
	"  real_server 192.0.2.21 80 {\n"
	"    weight 2\n"
	"    TCP_CHECK {\n      connect_timeout 3\n    }\n"
	"  }\n"
	"}\n";

/* the keys check_lvs gives them (lb_conf_keys), in configuration order */
static const char *const VS_KEYS[] = { "TCP 192.0.2.200:80", "FWM 7" };
static const char *const RS_KEYS[][3] = {
	{ "192.0.2.11:80", "192.0.2.12:80", "192.0.2.13:80" },
	{ "192.0.2.21:80" },
};
#define VS1 VS_KEYS[0]
#define VS2 VS_KEYS[1]

struct fixture {
	char dir[64];
	char path[128];
	struct conf *conf;
	struct store_writer *w;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct conf_diags d = { 0 };
	struct store_retention keep = { 0 };
	char moved[256], err[STORE_ERRLEN];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vigil-snap-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/vigil.db", f->dir);
	f->conf = conf_load_buffer("snap.conf", CONF_TEXT, strlen(CONF_TEXT), CONF_NO_INCLUDE, &d);
	if (!f->conf) {
		conf_diags_print(&d, stderr);
		conf_diags_free(&d);
		return -1;
	}
	conf_diags_free(&d);
	if (store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)) != 0 ||
	    !(f->w = store_writer_new(f->path, NULL, &keep, err, sizeof(err)))) {
		fprintf(stderr, "store: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	store_writer_free(f->w);
	conf_free(f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* ---- writing the way the engines do ------------------------------------------ */

static void flush(struct fixture *f)
{
	assert_int_equal(store_writer_flush(f->w), 0);
}

static void put_json(struct store_rec *r, int idx, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	store_rec_str(r, idx, text);
	free(text);
	json_decref(j);
}

static const struct conf_vrrp *conf_inst(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_vrrps; i++)
		if (strcmp(c->vrrps[i].name, name) == 0)
			return &c->vrrps[i];
	fail_msg("no instance %s in the configuration", name);
	return NULL;
}

/* A start or reload of the vrrp engine with the instances `names` (as
 * vrrp_inst.c's store_instances: every instance absent, then each one with
 * its summary and its current status), one transaction.  `status` false:
 * no status record (the INIT row as the INSERT leaves it). */
static void put_instances(struct fixture *f, const char *const *names, bool status)
{
	store_writer_hold(f->w);
	store_writer_put(f->w, store_rec_new(STORE_VRRP_ABSENT));
	for (; *names; names++) {
		const struct conf_vrrp *v = conf_inst(f->conf, *names);
		struct store_rec *r = store_rec_new(STORE_VRRP_INSTANCE);

		store_rec_str(r, 0, v->name);
		store_rec_str(r, 1, "inet");
		store_rec_str(r, 2, v->interface);
		put_json(r, 3, conf_vrrp_summary(f->conf, v));
		r->i[0] = v->vrid;
		r->i[1] = v->version;
		r->i[2] = v->priority;
		store_writer_put(f->w, r);
		if (status) {
			r = store_rec_new(STORE_VRRP_STATUS);
			store_rec_str(r, 0, v->name);
			r->i[0] = v->priority;
			store_writer_put(f->w, r);
		}
	}
	store_writer_release(f->w);
	flush(f);
}

static void put_state(struct fixture *f, const char *name, const char *from, const char *to,
		      const char *reason, const char *master, int prio)
{
	struct store_rec *r = store_rec_new(STORE_VRRP_STATE);

	store_rec_str(r, 0, name);
	store_rec_str(r, 1, from);
	store_rec_str(r, 2, to);
	store_rec_str(r, 3, reason);
	store_rec_str(r, 4, master);
	r->i[0] = prio;
	store_writer_put(f->w, r);
	flush(f);
}

static void put_status(struct fixture *f, const char *name, const char *master, int prio)
{
	struct store_rec *r = store_rec_new(STORE_VRRP_STATUS);

	store_rec_str(r, 0, name);
	store_rec_str(r, 4, master);
	r->i[0] = prio;
	store_writer_put(f->w, r);
	flush(f);
}

/* A start (`fresh`: a new check process) or reload of the check engine
 * (check_lvs.c's store_identities): the virtual servers whose bit is set in
 * `vs_mask`, of each the real servers whose bit is set in `rs_mask[vs]`. */
static void put_lvs(struct fixture *f, unsigned vs_mask, const unsigned rs_mask[2], bool fresh)
{
	static const char *const fwd[] = { [CONF_LB_NAT] = "NAT", [CONF_LB_DR] = "DR", [CONF_LB_TUN] = "TUN" };
	const struct conf *c = f->conf;

	assert_int_equal(c->n_vss, 2);
	store_writer_hold(f->w);
	store_writer_put(f->w, store_rec_new(STORE_LVS_ABSENT));
	for (size_t i = 0; i < c->n_vss; i++) {
		const struct conf_vs *vs = &c->vss[i];
		struct store_rec *r;

		if (!(vs_mask & (1u << i)))
			continue;
		r = store_rec_new(STORE_VS);
		store_rec_str(r, 0, VS_KEYS[i]);
		store_rec_str(r, 1, vs->sched ? vs->sched : "wlc");
		store_rec_str(r, 2, fwd[vs->kind]);
		put_json(r, 3, conf_vs_summary(vs));
		store_writer_put(f->w, r);
		for (size_t j = 0; j < vs->n_rs; j++) {
			if (!(rs_mask[i] & (1u << j)))
				continue;
			r = store_rec_new(STORE_RS);
			store_rec_str(r, 0, VS_KEYS[i]);
			store_rec_str(r, 1, RS_KEYS[i][j]);
			put_json(r, 2, conf_rs_summary(&vs->rs[j]));
			r->i[0] = vs->rs[j].weight;
			r->i[1] = fresh;
			store_writer_put(f->w, r);
		}
	}
	store_writer_release(f->w);
	flush(f);
}

static const unsigned ALL_RS[2] = { 7, 1 };

static void put_health(struct fixture *f, const char *vs, const char *rs, bool up, const char *why)
{
	struct store_rec *r = store_rec_new(STORE_RS_HEALTH);

	store_rec_str(r, 0, vs);
	store_rec_str(r, 1, rs);
	store_rec_str(r, 2, up ? "down" : "up");
	store_rec_str(r, 3, up ? "up" : "down");
	store_rec_str(r, 4, why);
	store_writer_put(f->w, r);
	flush(f);
}

/* A first verdict that changes nothing (check_main.c's on_seen): the
 * health is recorded, no transition. */
static void put_seen(struct fixture *f, const char *vs, const char *rs, bool up, const char *why)
{
	struct store_rec *r = store_rec_new(STORE_RS_HEALTH_SEEN);

	store_rec_str(r, 0, vs);
	store_rec_str(r, 1, rs);
	store_rec_str(r, 3, up ? "up" : "down");
	store_rec_str(r, 4, why);
	store_writer_put(f->w, r);
	flush(f);
}

static void put_weight(struct fixture *f, const char *vs, const char *rs, int64_t weight)
{
	struct store_rec *r = store_rec_new(STORE_RS_WEIGHT);

	store_rec_str(r, 0, vs);
	store_rec_str(r, 1, rs);
	r->i[0] = weight;
	store_writer_put(f->w, r);
	flush(f);
}

static void put_override(struct fixture *f, enum store_op op, const char *target, const char *k1,
			 const char *k2, const char *kind, const char *who, const char *why,
			 int64_t value, int64_t expires)
{
	struct store_rec *r = store_rec_new(op);

	store_rec_str(r, 0, target);
	store_rec_str(r, 1, k1);
	store_rec_str(r, 2, k2);
	store_rec_str(r, 3, kind);
	store_rec_str(r, 4, who);
	store_rec_str(r, 5, why);
	r->i[0] = value;
	r->i[1] = expires;
	store_writer_put(f->w, r);
	flush(f);
}

static void put_counter(struct fixture *f, const char *target, const char *k1, const char *k2,
			const char *name, int64_t v)
{
	struct store_rec *r = store_rec_new(STORE_COUNTER);

	store_rec_str(r, 0, target);
	store_rec_str(r, 1, k1);
	store_rec_str(r, 2, k2);
	store_rec_str(r, 3, name);
	r->i[0] = v;
	store_writer_put(f->w, r);
	flush(f);
}

/* The usual start: three instances, VI_1 MASTER, VI_2 BACKUP under a
 * master it hears, VI_3 still INIT; both virtual servers, every real server,
 * none checked yet. */
static void put_cluster(struct fixture *f)
{
	const char *const names[] = { "VI_1", "VI_2", "VI_3", NULL };

	put_instances(f, names, true);
	put_state(f, "VI_1", "INIT", "BACKUP", "startup", NULL, 150);
	put_state(f, "VI_1", "BACKUP", "MASTER", "master down timer expired", "10.0.0.2", 150);
	put_state(f, "VI_2", "INIT", "BACKUP", "startup", NULL, 100);
	put_status(f, "VI_2", "10.0.0.9", 90);
	put_lvs(f, 3, ALL_RS, true);
}

/* ---- reading ---------------------------------------------------------------- */

static sqlite3 *open_ro(struct fixture *f)
{
	char err[STORE_ERRLEN];
	sqlite3 *db = store_open(f->path, true, err, sizeof(err));

	if (!db)
		fail_msg("store_open: %s", err);
	return db;
}

static struct snap *load_at(sqlite3 *db, int64_t now_ms)
{
	char err[256] = "";
	struct snap *s = snap_load(db, now_ms, err, sizeof(err));

	if (!s)
		fail_msg("snap_load: %s", err);
	return s;
}

static struct snap *load(sqlite3 *db)
{
	return load_at(db, store_now_ms());
}

static const struct snap_inst *inst_named(const struct snap *s, const char *name)
{
	for (size_t i = 0; i < s->n_inst; i++)
		if (strcmp(s->inst[i].name, name) == 0)
			return &s->inst[i];
	return NULL;
}

static int64_t inst_named_id(sqlite3 *db, const char *name)
{
	struct snap *s = load(db);
	const struct snap_inst *in = inst_named(s, name);
	int64_t id = in ? in->id : -1;

	snap_free(s);
	return id;
}

static const struct snap_vs *vs_keyed(const struct snap *s, const char *key)
{
	for (size_t i = 0; i < s->n_vs; i++)
		if (strcmp(s->vs[i].key, key) == 0)
			return &s->vs[i];
	return NULL;
}

static const struct snap_rs *rs_keyed(const struct snap *s, const char *vs, const char *rs)
{
	const struct snap_vs *v = vs_keyed(s, vs);

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n_rs; i++)
		if (s->rs[i].vs_id == v->id && strcmp(s->rs[i].key, rs) == 0)
			return &s->rs[i];
	return NULL;
}

static void assert_addr(int family, const unsigned char *got, const char *want)
{
	unsigned char a[16] = { 0 };

	assert_int_equal(inet_pton(family, want, a), 1);
	assert_memory_equal(got, a, family == AF_INET ? 4 : 16);
}

/* ---- instances --------------------------------------------------------------- */

static void test_instance_fields(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db;
	struct snap *s;
	const struct snap_inst *v1, *v2, *v3;
	int64_t before = store_now_ms();

	put_cluster(f);
	db = open_ro(f);
	s = load(db);
	assert_int_equal(s->n_inst, 3);
	/* in id order */
	assert_true(s->inst[0].id < s->inst[1].id && s->inst[1].id < s->inst[2].id);
	v1 = inst_named(s, "VI_1");
	v2 = inst_named(s, "VI_2");
	v3 = inst_named(s, "VI_3");
	assert_non_null(v1);
	assert_non_null(v2);
	assert_non_null(v3);

	assert_int_equal(v1->vrid, 51);
	assert_int_equal(v1->family, AF_INET);
	assert_int_equal(v1->version, 2);
	assert_string_equal(v1->ifname, "eth0");
	assert_int_equal(v1->config_priority, 150);
	assert_int_equal(v1->effective_priority, 150);
	assert_int_equal(v1->state, SNAP_MASTER);
	assert_string_equal(snap_state_name(v1->state), "MASTER");
	assert_int_equal(v1->initial, SNAP_MASTER);
	assert_string_equal(v1->master, "10.0.0.2");
	assert_true(v1->state_since_ms >= before && v1->state_since_ms <= store_now_ms());
	assert_int_equal(v1->advert_ms, 2000);
	assert_true(v1->preempt);
	assert_int_equal(v1->auth_type, 1);
	assert_string_equal(v1->sync_group, "G1");
	assert_string_equal(v1->notify_master, "/usr/local/bin/to-master");
	assert_string_equal(v1->notify_backup, "");
	assert_int_equal(v1->transitions, 2);
	assert_string_equal(v1->last_reason, "master down timer expired");
	assert_int_equal(v1->ov.kind, SNAP_READY);
	/* the VIPs from the configuration summary, the excluded one marked */
	assert_int_equal(v1->n_vips, 3);
	assert_int_equal(v1->vips[0].family, AF_INET);
	assert_addr(AF_INET, v1->vips[0].addr, "192.0.2.100");
	assert_int_equal(v1->vips[0].prefix, 24);
	assert_string_equal(v1->vips[0].dev, "eth1");
	assert_int_equal(v1->vips[0].scope, 253);
	assert_false(v1->vips[0].excluded);
	assert_addr(AF_INET, v1->vips[1].addr, "192.0.2.101");
	assert_int_equal(v1->vips[1].prefix, 32);
	assert_string_equal(v1->vips[1].dev, "");
	assert_int_equal(v1->vips[1].scope, 0);
	assert_false(v1->vips[1].excluded);
	assert_int_equal(v1->vips[2].family, AF_INET6);
	assert_addr(AF_INET6, v1->vips[2].addr, "2001:db8::10");
	assert_int_equal(v1->vips[2].prefix, 64);
	assert_true(v1->vips[2].excluded);

	/* a backup that hears a master, its priority lowered by a tracker */
	assert_int_equal(v2->vrid, 52);
	assert_string_equal(v2->ifname, "eth1");
	assert_int_equal(v2->state, SNAP_BACKUP);
	assert_int_equal(v2->initial, SNAP_BACKUP);
	assert_int_equal(v2->config_priority, 100);
	assert_int_equal(v2->effective_priority, 90);
	assert_string_equal(v2->master, "10.0.0.9");
	assert_false(v2->preempt);
	assert_int_equal(v2->auth_type, 0);
	assert_string_equal(v2->sync_group, "");
	assert_int_equal(v2->transitions, 1);
	assert_string_equal(v2->last_reason, "startup");
	assert_int_equal(v2->n_vips, 1);
	assert_addr(AF_INET, v2->vips[0].addr, "198.51.100.1");

	/* not started yet: INIT, no master, no transition */
	assert_int_equal(v3->state, SNAP_INIT);
	assert_string_equal(v3->master, "");
	assert_int_equal(v3->effective_priority, 80);
	assert_int_equal(v3->transitions, 0);
	assert_string_equal(v3->last_reason, "");

	/* lookups by id */
	assert_ptr_equal(snap_inst_by_id(s, v1->id), v1);
	assert_ptr_equal(snap_inst_by_id(s, v2->id), v2);
	assert_ptr_equal(snap_inst_by_id(s, v3->id), v3);
	assert_null(snap_inst_by_id(s, v3->id + 100));
	assert_null(snap_inst_by_id(s, 0));
	snap_free(s);
	sqlite3_close(db);
}

static void test_instance_without_status_uses_configured_priority(void **state)
{
	struct fixture *f = *state;
	const char *const names[] = { "VI_3", NULL };
	sqlite3 *db;
	struct snap *s;

	put_instances(f, names, false);
	put_lvs(f, 3, ALL_RS, true);
	db = open_ro(f);
	s = load(db);
	assert_int_equal(s->n_inst, 1);
	assert_string_equal(s->inst[0].name, "VI_3");
	assert_int_equal(s->inst[0].state, SNAP_INIT);
	assert_int_equal(s->inst[0].effective_priority, 80);
	snap_free(s);
	sqlite3_close(db);
}

/* ---- ids ------------------------------------------------------------------------ */

static void test_ids_are_stable(void **state)
{
	struct fixture *f = *state;
	const char *const all[] = { "VI_1", "VI_2", "VI_3", NULL };
	const char *const without2[] = { "VI_3", "VI_1", NULL };
	const char *const reordered[] = { "VI_2", "VI_3", "VI_1", NULL };
	const unsigned no12[2] = { 5, 1 };        /* 192.0.2.12 left the configuration */
	int64_t i1, i2, i3, vs1, vs2, r11, r12, r13, r21;
	sqlite3 *db;
	struct snap *s;

	put_cluster(f);
	db = open_ro(f);
	s = load(db);
	i1 = inst_named(s, "VI_1")->id;
	i2 = inst_named(s, "VI_2")->id;
	i3 = inst_named(s, "VI_3")->id;
	vs1 = vs_keyed(s, VS1)->id;
	vs2 = vs_keyed(s, VS2)->id;
	r11 = rs_keyed(s, VS1, RS_KEYS[0][0])->id;
	r12 = rs_keyed(s, VS1, RS_KEYS[0][1])->id;
	r13 = rs_keyed(s, VS1, RS_KEYS[0][2])->id;
	r21 = rs_keyed(s, VS2, RS_KEYS[1][0])->id;
	assert_true(i1 != i2 && i2 != i3 && i1 != i3);
	assert_true(vs1 != vs2);
	assert_true(r11 != r12 && r12 != r13 && r11 != r13 && r21 != r11 && r21 != r12 && r21 != r13);
	snap_free(s);

	/* another snapshot of the same store: the same ids */
	s = load(db);
	assert_int_equal(inst_named(s, "VI_2")->id, i2);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][1])->id, r12);
	snap_free(s);

	/* the engines write again (transitions, a reload in the same order) */
	put_state(f, "VI_3", "INIT", "BACKUP", "startup", NULL, 80);
	put_instances(f, all, true);
	put_lvs(f, 3, ALL_RS, false);
	s = load(db);
	assert_int_equal(inst_named(s, "VI_1")->id, i1);
	assert_int_equal(inst_named(s, "VI_2")->id, i2);
	assert_int_equal(inst_named(s, "VI_3")->id, i3);
	assert_int_equal(vs_keyed(s, VS1)->id, vs1);
	assert_int_equal(vs_keyed(s, VS2)->id, vs2);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][0])->id, r11);
	assert_int_equal(rs_keyed(s, VS2, RS_KEYS[1][0])->id, r21);
	snap_free(s);

	/* a reload without VI_2 and 192.0.2.12: they are not served, the
	 * others keep their ids */
	put_instances(f, without2, true);
	put_lvs(f, 3, no12, false);
	s = load(db);
	assert_int_equal(s->n_inst, 2);
	assert_null(inst_named(s, "VI_2"));
	assert_null(snap_inst_by_id(s, i2));
	assert_int_equal(inst_named(s, "VI_1")->id, i1);
	assert_int_equal(inst_named(s, "VI_3")->id, i3);
	assert_null(rs_keyed(s, VS1, RS_KEYS[0][1]));
	assert_null(snap_rs_by_id(s, vs1, r12));
	assert_int_equal(vs_keyed(s, VS1)->n_rs, 2);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][2])->id, r13);
	snap_free(s);

	/* they come back (in another order, after a restart of the writer
	 * and of the reader): with their old ids */
	store_writer_free(f->w);
	{
		struct store_retention keep = { 0 };
		char err[STORE_ERRLEN];

		f->w = store_writer_new(f->path, NULL, &keep, err, sizeof(err));
		assert_non_null(f->w);
	}
	put_instances(f, reordered, true);
	put_lvs(f, 3, ALL_RS, true);
	sqlite3_close(db);
	db = open_ro(f);
	s = load(db);
	assert_int_equal(s->n_inst, 3);
	assert_int_equal(inst_named(s, "VI_1")->id, i1);
	assert_int_equal(inst_named(s, "VI_2")->id, i2);
	assert_int_equal(inst_named(s, "VI_3")->id, i3);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][1])->id, r12);
	assert_non_null(snap_rs_by_id(s, vs1, r12));
	assert_int_equal(vs_keyed(s, VS1)->n_rs, 3);
	snap_free(s);
	sqlite3_close(db);
}

/* ---- virtual and real servers ------------------------------------------------ */

/* Each virtual server's real servers are exactly the snapshot's real
 * servers that name it, and its rs_up counts those alive. */
static void assert_linkage(const struct snap *s)
{
	size_t total = 0;

	for (size_t i = 0; i < s->n_vs; i++) {
		const struct snap_vs *v = &s->vs[i];
		unsigned up = 0;
		size_t mine = 0;

		assert_ptr_equal(snap_vs_by_id(s, v->id), v);
		for (size_t k = 0; k < v->n_rs; k++) {
			const struct snap_rs *r = &v->rs[k];

			assert_int_equal(r->vs_id, v->id);
			assert_ptr_equal(snap_rs_by_id(s, v->id, r->id), r);
			up += r->alive;
		}
		for (size_t k = 0; k < s->n_rs; k++)
			mine += s->rs[k].vs_id == v->id;
		assert_int_equal(v->n_rs, mine);
		assert_int_equal(v->rs_up, up);
		total += v->n_rs;
	}
	assert_int_equal(total, s->n_rs);
}

static void test_server_fields_and_linkage(void **state)
{
	struct fixture *f = *state;
	const struct snap_vs *v1, *v2;
	const struct snap_rs *r11, *r12, *r13, *r21;
	sqlite3 *db;
	struct snap *s;

	put_cluster(f);
	db = open_ro(f);
	s = load(db);
	assert_int_equal(s->n_vs, 2);
	assert_int_equal(s->n_rs, 4);
	v1 = vs_keyed(s, VS1);
	v2 = vs_keyed(s, VS2);
	assert_non_null(v1);
	assert_non_null(v2);

	assert_false(v1->fwmark);
	assert_int_equal(v1->family, AF_INET);
	assert_addr(AF_INET, v1->addr, "192.0.2.200");
	assert_int_equal(v1->port, 80);
	assert_int_equal(v1->protocol, 1);        /* tcp */
	assert_int_equal(v1->kind, 2);            /* dr */
	assert_string_equal(v1->sched, "wrr");
	assert_int_equal(v1->delay_loop_ms, 6000);
	assert_false(v1->alpha);
	assert_true(v2->fwmark);
	assert_int_equal(v2->mark, 7);
	assert_int_equal(v2->kind, 1);            /* nat */
	assert_string_equal(v2->sched, "rr");
	assert_true(v2->alpha);
	assert_int_equal(v1->n_rs, 3);
	assert_int_equal(v2->n_rs, 1);

	r11 = rs_keyed(s, VS1, RS_KEYS[0][0]);
	r12 = rs_keyed(s, VS1, RS_KEYS[0][1]);
	r13 = rs_keyed(s, VS1, RS_KEYS[0][2]);
	r21 = rs_keyed(s, VS2, RS_KEYS[1][0]);
	assert_non_null(r11);
	assert_non_null(r12);
	assert_non_null(r13);
	assert_non_null(r21);
	assert_addr(AF_INET, r11->addr, "192.0.2.11");
	assert_int_equal(r11->port, 80);
	assert_int_equal(r11->config_weight, 3);
	assert_int_equal(r11->effective_weight, -1);      /* not in IPVS yet */
	assert_int_equal(r11->retry, 2);
	assert_int_equal(r11->delay_before_retry_ms, 1000);
	assert_int_equal(r11->delay_loop_ms, 6000);       /* the virtual server's */
	assert_int_equal(r21->config_weight, 2);
	assert_int_equal(r21->delay_loop_ms, 3000);

	/* nothing checked yet: alive, as keepalived starts them - except
	 * under alpha, which starts them down */
	assert_int_equal(r11->health, SNAP_UNKNOWN);
	assert_true(r11->alive);
	assert_true(r12->alive);
	assert_true(r13->alive);
	assert_int_equal(v1->rs_up, 3);
	assert_int_equal(r21->health, SNAP_UNKNOWN);
	assert_false(r21->alive);
	assert_int_equal(v2->rs_up, 0);
	assert_linkage(s);
	assert_null(snap_rs_by_id(s, v2->id, r11->id));   /* another server's */
	assert_null(snap_vs_by_id(s, v2->id + 100));
	snap_free(s);

	/* checks come in (a first pass changes nothing, a first failure and
	 * a pass under alpha are transitions), IPVS weights are set */
	put_seen(f, VS1, RS_KEYS[0][0], true, "connected");
	put_health(f, VS1, RS_KEYS[0][1], false, "connection refused");
	put_health(f, VS2, RS_KEYS[1][0], true, "connected");
	put_weight(f, VS1, RS_KEYS[0][0], 3);
	put_weight(f, VS1, RS_KEYS[0][1], 0);
	s = load(db);
	v1 = vs_keyed(s, VS1);
	v2 = vs_keyed(s, VS2);
	r11 = rs_keyed(s, VS1, RS_KEYS[0][0]);
	r12 = rs_keyed(s, VS1, RS_KEYS[0][1]);
	r13 = rs_keyed(s, VS1, RS_KEYS[0][2]);
	r21 = rs_keyed(s, VS2, RS_KEYS[1][0]);
	assert_int_equal(r11->health, SNAP_UP);
	assert_true(r11->alive);
	assert_int_equal(r11->effective_weight, 3);
	assert_int_equal(r12->health, SNAP_DOWN);
	assert_false(r12->alive);
	assert_string_equal(r12->health_reason, "connection refused");
	assert_true(r12->health_since_ms > 0);
	assert_int_equal(r12->effective_weight, 0);
	assert_int_equal(r13->health, SNAP_UNKNOWN);      /* no checker: stays alive */
	assert_true(r13->alive);
	assert_int_equal(v1->rs_up, 2);
	assert_int_equal(r21->health, SNAP_UP);
	assert_true(r21->alive);
	assert_int_equal(v2->rs_up, 1);
	assert_linkage(s);
	snap_free(s);

	/* a reload keeps what the checks found */
	put_lvs(f, 3, ALL_RS, false);
	s = load(db);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][1])->health, SNAP_DOWN);
	assert_false(rs_keyed(s, VS1, RS_KEYS[0][1])->alive);
	assert_int_equal(vs_keyed(s, VS1)->rs_up, 2);
	assert_int_equal(vs_keyed(s, VS2)->rs_up, 1);
	snap_free(s);

	/* and back up */
	put_health(f, VS1, RS_KEYS[0][1], true, "connected");
	s = load(db);
	assert_true(rs_keyed(s, VS1, RS_KEYS[0][1])->alive);
	assert_int_equal(vs_keyed(s, VS1)->rs_up, 3);
	snap_free(s);

	/* down again, then a new check process: nothing checked yet, so
	 * alive again as keepalived starts them (not under alpha) */
	put_health(f, VS1, RS_KEYS[0][1], false, "timeout");
	put_lvs(f, 3, ALL_RS, true);
	s = load(db);
	r12 = rs_keyed(s, VS1, RS_KEYS[0][1]);
	assert_int_equal(r12->health, SNAP_UNKNOWN);
	assert_true(r12->alive);
	assert_int_equal(vs_keyed(s, VS1)->rs_up, 3);
	assert_int_equal(rs_keyed(s, VS2, RS_KEYS[1][0])->health, SNAP_UNKNOWN);
	assert_false(rs_keyed(s, VS2, RS_KEYS[1][0])->alive);
	assert_int_equal(vs_keyed(s, VS2)->rs_up, 0);
	assert_linkage(s);
	snap_free(s);
	sqlite3_close(db);
}

/* A virtual server with no real server (left), and one gone from the
 * configuration: its real servers are not served either. */
static void test_server_without_real_servers(void **state)
{
	struct fixture *f = *state;
	const unsigned none1[2] = { 0, 1 };
	sqlite3 *db;
	struct snap *s;

	put_cluster(f);
	put_lvs(f, 3, none1, false);
	db = open_ro(f);
	s = load(db);
	assert_int_equal(s->n_vs, 2);
	assert_int_equal(vs_keyed(s, VS1)->n_rs, 0);
	assert_int_equal(vs_keyed(s, VS1)->rs_up, 0);
	assert_int_equal(vs_keyed(s, VS2)->n_rs, 1);
	assert_int_equal(s->n_rs, 1);
	assert_linkage(s);
	snap_free(s);

	put_lvs(f, 1, ALL_RS, false);                    /* FWM 7 left */
	s = load(db);
	assert_int_equal(s->n_vs, 1);
	assert_int_equal(s->n_rs, 3);
	assert_null(vs_keyed(s, VS2));
	assert_linkage(s);
	snap_free(s);
	sqlite3_close(db);
}

/* ---- overrides and counters ------------------------------------------------- */

static void test_overrides(void **state)
{
	struct fixture *f = *state;
	const struct snap_rs *r11, *r12, *r13;
	const struct snap_inst *v1, *v2;
	int64_t t0 = store_now_ms();
	sqlite3 *db;
	struct snap *s;

	put_cluster(f);
	put_override(f, STORE_OVERRIDE_SET, "real_server", VS1, RS_KEYS[0][0], "drain", "alice",
		     "kernel upgrade", STORE_NULL, STORE_NULL);
	put_override(f, STORE_OVERRIDE_SET, "real_server", VS1, RS_KEYS[0][1], "weight", "carol",
		     "", 5, t0 + 60000);
	put_override(f, STORE_OVERRIDE_SET, "vrrp_instance", "VI_1", NULL, "demote", "bob",
		     "move traffic away", 20, STORE_NULL);
	db = open_ro(f);
	s = load_at(db, t0 + 1000);
	r11 = rs_keyed(s, VS1, RS_KEYS[0][0]);
	r12 = rs_keyed(s, VS1, RS_KEYS[0][1]);
	r13 = rs_keyed(s, VS1, RS_KEYS[0][2]);
	v1 = inst_named(s, "VI_1");
	v2 = inst_named(s, "VI_2");

	assert_int_equal(r11->ov.kind, SNAP_DRAIN);
	assert_string_equal(r11->ov.who, "alice");
	assert_string_equal(r11->ov.reason, "kernel upgrade");
	assert_true(r11->ov.created_ms >= t0);
	assert_int_equal(r11->ov.expires_ms, 0);
	/* a drained server is still alive: its health is what it is */
	assert_true(r11->alive);
	assert_int_equal(r12->ov.kind, SNAP_WEIGHT);
	assert_int_equal(r12->ov.value, 5);
	assert_string_equal(r12->ov.who, "carol");
	assert_string_equal(r12->ov.reason, "");
	assert_int_equal(r12->ov.expires_ms, t0 + 60000);
	assert_int_equal(r13->ov.kind, SNAP_READY);
	assert_null(r13->ov.who);
	assert_int_equal(v1->ov.kind, SNAP_DEMOTE);
	assert_int_equal(v1->ov.value, 20);
	assert_string_equal(v1->ov.who, "bob");
	assert_string_equal(v1->ov.reason, "move traffic away");
	assert_int_equal(v2->ov.kind, SNAP_READY);
	/* a real server's override is not its id-namesake instance's, nor
	 * the reverse */
	for (size_t i = 0; i < s->n_inst; i++)
		if (s->inst[i].id != v1->id)
			assert_int_equal(s->inst[i].ov.kind, SNAP_READY);
	for (size_t i = 0; i < s->n_rs; i++)
		assert_true(s->rs[i].ov.kind != SNAP_DEMOTE);
	snap_free(s);

	/* after its expiry the weight override is gone */
	s = load_at(db, t0 + 61000);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][1])->ov.kind, SNAP_READY);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][0])->ov.kind, SNAP_DRAIN);
	snap_free(s);

	/* cleared: gone */
	put_override(f, STORE_OVERRIDE_CLEAR, "real_server", VS1, RS_KEYS[0][0], "undrain", "alice",
		     "", STORE_NULL, STORE_NULL);
	put_override(f, STORE_OVERRIDE_CLEAR, "vrrp_instance", "VI_1", NULL, "clear", "bob",
		     "", STORE_NULL, STORE_NULL);
	s = load_at(db, t0 + 1000);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][0])->ov.kind, SNAP_READY);
	assert_null(rs_keyed(s, VS1, RS_KEYS[0][0])->ov.who);
	assert_int_equal(inst_named(s, "VI_1")->ov.kind, SNAP_READY);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][1])->ov.kind, SNAP_WEIGHT);
	snap_free(s);
	sqlite3_close(db);
}

static void test_counters_are_the_last_snapshot(void **state)
{
	struct fixture *f = *state;
	const struct snap_inst *v1, *v2;
	const struct snap_rs *r11, *r12;
	sqlite3 *db;
	struct snap *s;

	put_cluster(f);
	put_counter(f, "vrrp_instance", "VI_1", NULL, "adverts_sent", 10);
	put_counter(f, "vrrp_instance", "VI_1", NULL, "adverts_received", 3);
	put_counter(f, "vrrp_instance", "VI_1", NULL, "become_master", 1);
	put_counter(f, "real_server", VS1, RS_KEYS[0][0], "checks", 7);
	put_counter(f, "real_server", VS1, RS_KEYS[0][0], "checks_failed", 1);
	/* a later snapshot */
	put_counter(f, "vrrp_instance", "VI_1", NULL, "adverts_sent", 25);
	put_counter(f, "real_server", VS1, RS_KEYS[0][0], "checks", 19);
	put_counter(f, "real_server", VS1, RS_KEYS[0][1], "checks", 4);
	put_counter(f, "real_server", VS1, RS_KEYS[0][1], "checks_failed", 4);
	db = open_ro(f);
	s = load(db);
	v1 = inst_named(s, "VI_1");
	v2 = inst_named(s, "VI_2");
	r11 = rs_keyed(s, VS1, RS_KEYS[0][0]);
	r12 = rs_keyed(s, VS1, RS_KEYS[0][1]);
	assert_int_equal(v1->adverts_sent, 25);
	assert_int_equal(v1->adverts_received, 3);
	assert_int_equal(v1->become_master, 1);
	assert_int_equal(v2->adverts_sent, 0);
	assert_int_equal(r11->checks, 19);
	assert_int_equal(r11->checks_failed, 1);
	assert_int_equal(r12->checks, 4);
	assert_int_equal(r12->checks_failed, 4);
	assert_int_equal(rs_keyed(s, VS1, RS_KEYS[0][2])->checks, 0);
	snap_free(s);
	sqlite3_close(db);
}

/* ---- events ------------------------------------------------------------------- */

struct seen {
	int n;
	struct {
		bool vrrp;
		int64_t id, at;
		char from[16], to[16], reason[64];
	} ev[16];
};

static void on_event(const struct snap_event *ev, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->ev[s->n].vrrp = ev->vrrp;
	s->ev[s->n].id = ev->object_id;
	s->ev[s->n].at = ev->at_ms;
	snprintf(s->ev[s->n].from, sizeof(s->ev[s->n].from), "%s", ev->from);
	snprintf(s->ev[s->n].to, sizeof(s->ev[s->n].to), "%s", ev->to);
	snprintf(s->ev[s->n].reason, sizeof(s->ev[s->n].reason), "%s", ev->reason);
	s->n++;
}

static void test_events_report_only_new_transitions(void **state)
{
	struct fixture *f = *state;
	int64_t vrrp_after = -1, health_after = -1, i1, i2, r12, t0;
	struct seen seen = { 0 };
	sqlite3 *db;
	struct snap *s;

	put_cluster(f);
	put_health(f, VS1, RS_KEYS[0][1], true, "connected");
	db = open_ro(f);
	s = load(db);
	i1 = inst_named(s, "VI_1")->id;
	i2 = inst_named(s, "VI_2")->id;
	r12 = rs_keyed(s, VS1, RS_KEYS[0][1])->id;
	snap_free(s);

	/* mgmt starts: what happened before is not news */
	assert_int_equal(snap_events(db, &vrrp_after, &health_after, on_event, &seen), 0);
	assert_int_equal(seen.n, 0);
	assert_true(vrrp_after > 0);
	assert_true(health_after > 0);
	/* nothing new since */
	assert_int_equal(snap_events(db, &vrrp_after, &health_after, on_event, &seen), 0);
	assert_int_equal(seen.n, 0);

	t0 = store_now_ms();
	put_state(f, "VI_1", "MASTER", "BACKUP", "higher priority advert", "10.0.0.7", 150);
	put_health(f, VS1, RS_KEYS[0][1], false, "connection refused");
	put_state(f, "VI_2", "BACKUP", "MASTER", "master down timer expired", "10.0.0.2", 90);
	put_health(f, VS1, RS_KEYS[0][1], true, "connected");
	assert_int_equal(snap_events(db, &vrrp_after, &health_after, on_event, &seen), 0);
	assert_int_equal(seen.n, 4);
	/* each table's oldest first */
	assert_true(seen.ev[0].vrrp);
	assert_int_equal(seen.ev[0].id, i1);
	assert_string_equal(seen.ev[0].from, "MASTER");
	assert_string_equal(seen.ev[0].to, "BACKUP");
	assert_string_equal(seen.ev[0].reason, "higher priority advert");
	assert_true(seen.ev[0].at >= t0);
	assert_true(seen.ev[1].vrrp);
	assert_int_equal(seen.ev[1].id, i2);
	assert_string_equal(seen.ev[1].to, "MASTER");
	assert_true(seen.ev[1].at >= seen.ev[0].at);
	assert_false(seen.ev[2].vrrp);
	assert_int_equal(seen.ev[2].id, r12);
	assert_string_equal(seen.ev[2].from, "up");
	assert_string_equal(seen.ev[2].to, "down");
	assert_string_equal(seen.ev[2].reason, "connection refused");
	assert_false(seen.ev[3].vrrp);
	assert_int_equal(seen.ev[3].id, r12);
	assert_string_equal(seen.ev[3].to, "up");
	assert_true(seen.ev[3].at >= seen.ev[2].at);

	/* reported once; a first verdict that changed nothing is no news */
	seen.n = 0;
	put_seen(f, VS1, RS_KEYS[0][0], true, "connected");
	assert_int_equal(snap_events(db, &vrrp_after, &health_after, on_event, &seen), 0);
	assert_int_equal(seen.n, 0);
	/* and the next one alone */
	put_state(f, "VI_3", "INIT", "BACKUP", "startup", NULL, 80);
	assert_int_equal(snap_events(db, &vrrp_after, &health_after, on_event, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.ev[0].id, inst_named_id(db, "VI_3"));
	sqlite3_close(db);
}

/* A store with no history yet: the first transitions are news. */
static void test_events_on_a_new_store(void **state)
{
	struct fixture *f = *state;
	const char *const names[] = { "VI_1", NULL };
	int64_t vrrp_after = -1, health_after = -1;
	struct seen seen = { 0 };
	sqlite3 *db;

	put_instances(f, names, true);
	db = open_ro(f);
	assert_int_equal(snap_events(db, &vrrp_after, &health_after, on_event, &seen), 0);
	assert_int_equal(seen.n, 0);
	assert_int_equal(vrrp_after, 0);
	assert_int_equal(health_after, 0);

	put_state(f, "VI_1", "INIT", "BACKUP", "startup", NULL, 150);
	put_lvs(f, 1, ALL_RS, true);
	put_health(f, VS1, RS_KEYS[0][0], false, "timeout");
	assert_int_equal(snap_events(db, &vrrp_after, &health_after, on_event, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_true(seen.ev[0].vrrp);
	assert_int_equal(seen.ev[0].id, inst_named_id(db, "VI_1"));
	assert_string_equal(seen.ev[0].from, "INIT");
	assert_string_equal(seen.ev[0].to, "BACKUP");
	assert_false(seen.ev[1].vrrp);
	assert_string_equal(seen.ev[1].to, "down");
	assert_string_equal(seen.ev[1].reason, "timeout");
	sqlite3_close(db);
}

/* ---- stores with one half only ------------------------------------------------ */

/* Only VRRP: no real server at all (a VRRP-only configuration; here the
 * virtual servers left it, with their counters and an override still in
 * the store). */
static void test_vrrp_only_store(void **state)
{
	struct fixture *f = *state;
	const unsigned no_rs[2] = { 0, 0 };
	sqlite3 *db;
	struct snap *s;
	int64_t vs1, r11;

	put_cluster(f);
	db = open_ro(f);
	s = load(db);
	vs1 = vs_keyed(s, VS1)->id;
	r11 = rs_keyed(s, VS1, RS_KEYS[0][0])->id;
	snap_free(s);
	put_counter(f, "real_server", VS1, RS_KEYS[0][0], "checks", 7);
	put_override(f, STORE_OVERRIDE_SET, "real_server", VS1, RS_KEYS[0][0], "drain", "alice",
		     "", STORE_NULL, STORE_NULL);
	put_lvs(f, 0, no_rs, false);

	s = load(db);
	assert_int_equal(s->n_inst, 3);
	assert_int_equal(s->n_vs, 0);
	assert_int_equal(s->n_rs, 0);
	assert_int_equal(inst_named(s, "VI_1")->transitions, 2);
	assert_int_equal(inst_named(s, "VI_1")->state, SNAP_MASTER);
	/* SNMP asks for ids it served before */
	assert_null(snap_vs_by_id(s, vs1));
	assert_null(snap_rs_by_id(s, vs1, r11));
	snap_free(s);
	sqlite3_close(db);
}

/* Only LVS: every instance left the configuration, their transitions,
 * counters and a demote are still in the store. */
static void test_lvs_only_store(void **state)
{
	struct fixture *f = *state;
	const char *const none[] = { NULL };
	sqlite3 *db;
	struct snap *s;
	int64_t i1;

	put_cluster(f);
	put_counter(f, "vrrp_instance", "VI_1", NULL, "adverts_sent", 10);
	put_override(f, STORE_OVERRIDE_SET, "vrrp_instance", "VI_1", NULL, "demote", "bob",
		     "", 20, STORE_NULL);
	db = open_ro(f);
	i1 = inst_named_id(db, "VI_1");
	put_instances(f, none, true);

	s = load(db);
	assert_int_equal(s->n_inst, 0);
	assert_int_equal(s->n_vs, 2);
	assert_int_equal(s->n_rs, 4);
	assert_int_equal(vs_keyed(s, VS1)->rs_up, 3);
	assert_null(snap_inst_by_id(s, i1));
	snap_free(s);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_instance_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_without_status_uses_configured_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_are_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_fields_and_linkage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_without_real_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_are_the_last_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_report_only_new_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_on_a_new_store, setup, teardown),
		/* last: under UBSan these stop the program if mgmt_snap passes
		 * NULL arrays to qsort/bsearch */
		cmocka_unit_test_setup_teardown(test_vrrp_only_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lvs_only_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
