/*
 * check_lvs.c - see check_lvs.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <limits.h>

#include "check/check_lvs.h"
#include "check/check_run.h"
#include "conf/conf.h"
#include "core/child.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/shstats.h"
#include "core/spawn.h"
#include "kern/kern_ipvs.h"
#include "lb/lb_build.h"
#include "lb/lb_diff.h"
#include "lb/lb_live.h"
#include "store/store_writer.h"

/* An operator's override on a real server, by the names the operator and
 * the store use (it outlives a reload that drops the real server). */
struct lvs_ov {
	char vs[LB_KEY_STRLEN], rs[LB_KEY_STRLEN];
	enum store_override_kind kind;
	int64_t value;
	int64_t expires;               /* Unix ms, 0: none */
};

struct check_lvs {
	struct ev_loop *loop;
	struct check_engine *engine;
	const struct conf *conf;
	struct kern_ipvs *ipvs;        /* NULL: no IPVS here */
	struct lb_owned owned;         /* what vigil created (kept in memory; #5 persists it) */
	struct ev_timer soon;
	bool failed_last;              /* the last reconcile failed: retry */
	bool conflicts_told;           /* conflicts logged once per configuration */
	bool adopted;                  /* the first reconcile took over what an earlier run left */
	bool *quorum;                  /* per virtual server: has its quorum */
	size_t n_quorum;
	struct store_writer *store;    /* NULL: no state store */
	size_t *base;                  /* per virtual server: index of its first real server below */
	char (*vs_keys)[LB_KEY_STRLEN];
	char (*rs_keys)[LB_KEY_STRLEN];
	int *stored_weight;            /* what the store has as the effective weight */
	struct lvs_ov *ovs;
	size_t n_ovs;
	struct ev_timer expiry;
	struct ev_timer counters;
	struct shstats_w *live;        /* IPVS's counters for mgmt (lb_live.h), NULL: none */
	struct ev_timer live_timer;
};

/* How often the checks' counters go to the state store. */
#define COUNTERS_EVERY_NS (60 * EV_NSEC_PER_SEC)

#define WEIGHT_UNKNOWN INT_MIN

#define RETRY_NS (5 * EV_NSEC_PER_SEC)

static struct lvs_ov *find_ov(struct check_lvs *l, const char *vs, const char *rs)
{
	for (size_t i = 0; i < l->n_ovs; i++)
		if (strcmp(l->ovs[i].vs, vs) == 0 && strcmp(l->ovs[i].rs, rs) == 0)
			return &l->ovs[i];
	return NULL;
}

static int override_of(struct check_lvs *l, size_t vs, size_t rs)
{
	const struct lvs_ov *o;

	if (!l->n_ovs || !l->base)
		return LB_OVERRIDE_NONE;
	o = find_ov(l, l->vs_keys[vs], l->rs_keys[l->base[vs] + rs]);
	if (!o)
		return LB_OVERRIDE_NONE;
	return o->kind == STORE_OV_DRAIN ? 0 : o->kind == STORE_OV_MAINT ? LB_OVERRIDE_MAINT :
	       o->kind == STORE_OV_WEIGHT ? (int)o->value : LB_OVERRIDE_NONE;
}

static bool health_of(void *arg, size_t vs, size_t rs, bool *up, int *weight, int *override)
{
	struct check_lvs *l = arg;

	*override = override_of(l, vs, rs);
	return check_engine_rs_health(l->engine, vs, rs, up, weight);
}

static bool quorum_of(void *arg, size_t vs)
{
	struct check_lvs *l = arg;

	return vs >= l->n_quorum || l->quorum[vs];
}

/* keepalived's quorum: the weights of the live real servers against
 * `quorum`, with `hysteresis`; a change is logged and runs quorum_up /
 * quorum_down. */
static void update_quorum(struct check_lvs *l)
{
	const struct conf *c = l->conf;

	for (size_t i = 0; i < c->n_vss && i < l->n_quorum; i++) {
		const struct conf_vs *vs = &c->vss[i];
		long alive = 0;
		bool next;

		for (size_t j = 0; j < vs->n_rs; j++) {
			bool up = false;
			int w = vs->rs[j].weight;

			if (check_engine_rs_health(l->engine, i, j, &up, &w) && up)
				alive += w;
		}
		next = lb_quorum_next(l->quorum[i], alive, vs->quorum, vs->hysteresis);
		if (next == l->quorum[i])
			continue;
		l->quorum[i] = next;
		{
			char a[INET6_ADDRSTRLEN] = "";

			if (!vs->is_fwmark)
				inet_ntop(vs->addr.family, &vs->addr.u, a, sizeof(a));
			if (vs->is_fwmark)
				snprintf(a, sizeof(a), "fwmark %u", vs->fwmark);
			log_notice("virtual server [%s]:%d: quorum %s (live weight %ld, quorum %d, "
				   "hysteresis %d)", a, vs->port, next ? "regained" : "lost", alive,
				   vs->quorum, vs->hysteresis);
		}
		{
			const char *script = next ? vs->quorum_up : vs->quorum_down;

			if (script && spawn_run(script, NULL, spawn_user(c->global.script_user),
						30 * EV_NSEC_PER_SEC, NULL, NULL) < 0)
				log_warn("cannot run '%s'", script);
		}
	}
}

/* Make IPVS match `desired` (vigil's part of it). */
static int reconcile(struct check_lvs *l, const struct lb_model *desired)
{
	struct lb_kernel k = { 0 };
	struct lb_ops ops = { 0 };
	char err[KERN_IPVS_ERRLEN], buf[LB_OP_STRLEN];
	size_t done = 0;
	int r;

	if (kern_ipvs_list(l->ipvs, &k) < 0) {
		log_warnx("IPVS: cannot read the services back; will retry");
		return -1;
	}
	if (!l->adopted) {
		int n = lb_adopt(desired, &k, &l->owned);

		l->adopted = true;
		if (n > 0)
			log_notice("IPVS: %d services/destinations named by the configuration were already "
				   "there (an earlier run): vigil manages them again", n);
	}
	r = lb_diff(desired, &k, &l->owned, &ops);
	kern_ipvs_list_free(&k);
	if (r < 0) {
		lb_ops_free(&ops);
		return -1;
	}
	for (size_t i = 0; i < ops.n_conflicts && !l->conflicts_told; i++) {
		const struct lb_conflict *c = &ops.conflicts[i];
		char d[LB_KEY_STRLEN];

		if (c->is_dest)
			log_warnx("IPVS: destination %s of %s exists and was not created by vigil: left "
				  "alone (remove it with ipvsadm to let vigil manage it)",
				  lb_dest_key_str(&c->dest, d), lb_svc_key_str(&c->svc, buf));
		else
			log_warnx("IPVS: service %s exists and was not created by vigil: left alone "
				  "(remove it with ipvsadm to let vigil manage it)",
				  lb_svc_key_str(&c->svc, buf));
	}
	l->conflicts_told = true;
	r = kern_ipvs_apply(l->ipvs, ops.ops, ops.n_ops, &done, err);
	for (size_t i = 0; i < done; i++) {
		lb_owned_note(&l->owned, &ops.ops[i]);
		log_info("IPVS: %s", lb_op_str(&ops.ops[i], buf));
	}
	if (r < 0)
		log_errx("IPVS: %s", err);
	lb_ops_free(&ops);
	return r;
}

/* The weight each real server has in IPVS (or not), to the store when it
 * changed. */
static void store_weights(struct check_lvs *l)
{
	const struct conf *c = l->conf;

	if (!l->store || !l->base)
		return;
	for (size_t i = 0; i < c->n_vss; i++) {
		for (size_t j = 0; j < c->vss[i].n_rs; j++) {
			size_t k = l->base[i] + j;
			bool up = false;
			int w = c->vss[i].rs[j].weight, ov, eff;
			struct store_rec *r;

			health_of(l, i, j, &up, &w, &ov);
			eff = lb_effective_weight(w, up, c->vss[i].rs[j].inhibit_on_failure, ov);
			if (eff == l->stored_weight[k] || !(r = store_rec_new(STORE_RS_WEIGHT)))
				continue;
			l->stored_weight[k] = eff;
			store_rec_str(r, 0, l->vs_keys[i]);
			store_rec_str(r, 1, l->rs_keys[k]);
			if (eff != LB_WEIGHT_ABSENT)
				r->i[0] = eff;
			store_writer_put(l->store, r);
		}
	}
}

static void on_soon(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct check_lvs *l = arg;
	struct lb_model m;

	if (!l->conf)
		return;
	update_quorum(l);
	store_weights(l);
	if (!l->ipvs)
		return;
	if (lb_model_from_conf(l->conf, health_of, quorum_of, l, &m) < 0) {
		log_errx("IPVS: out of memory building the model");
		return;
	}
	l->failed_last = reconcile(l, &m) < 0;
	lb_model_free(&m);
	if (l->failed_last)
		ev_timer_start_in(loop, t, RETRY_NS);
}

/* ---- operators' overrides ------------------------------------------------------ */

static void arm_expiry(struct check_lvs *l)
{
	int64_t first = 0, now = store_now_ms();

	for (size_t i = 0; i < l->n_ovs; i++)
		if (l->ovs[i].expires && (!first || l->ovs[i].expires < first))
			first = l->ovs[i].expires;
	if (!first) {
		ev_timer_stop(l->loop, &l->expiry);
		return;
	}
	ev_timer_start_in(l->loop, &l->expiry, first > now ? (uint64_t)(first - now) * EV_NSEC_PER_MSEC : 0);
}

static void ov_remove(struct check_lvs *l, struct lvs_ov *o)
{
	*o = l->ovs[--l->n_ovs];
}

static int ov_set(struct check_lvs *l, const struct lvs_ov *in)
{
	struct lvs_ov *o = find_ov(l, in->vs, in->rs);

	if (!o) {
		struct lvs_ov *v = realloc(l->ovs, (l->n_ovs + 1) * sizeof(*v));

		if (!v)
			return -1;
		l->ovs = v;
		o = &l->ovs[l->n_ovs++];
	}
	*o = *in;
	return 0;
}

static void on_expiry(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct check_lvs *l = arg;
	int64_t now = store_now_ms();
	bool any = false;

	for (size_t i = 0; i < l->n_ovs;) {
		struct lvs_ov *o = &l->ovs[i];
		struct store_rec *r;

		if (!o->expires || o->expires > now) {
			i++;
			continue;
		}
		log_notice("operator's %s of %s in %s expired", store_override_kind_name(o->kind), o->rs, o->vs);
		if ((r = store_rec_new(STORE_OVERRIDE_CLEAR))) {
			store_rec_str(r, 0, "real_server");
			store_rec_str(r, 1, o->vs);
			store_rec_str(r, 2, o->rs);
			store_rec_str(r, 3, "expire");
			store_rec_str(r, 4, "vigild");
			store_rec_str(r, 5, store_override_kind_name(o->kind));
			store_writer_put(l->store, r);
		}
		ov_remove(l, o);
		any = true;
	}
	arm_expiry(l);
	if (any)
		check_lvs_changed(l);
}

void check_lvs_load_overrides(struct check_lvs *l, sqlite3 *db)
{
	struct store_override *v;
	int n = store_overrides_load(db, "real_server", store_now_ms(), &v);

	if (n < 0)
		log_errx("check: state store: %s: operators' drains are not re-applied", sqlite3_errmsg(db));
	for (int i = 0; i < n; i++) {
		struct lvs_ov o = { .kind = v[i].kind, .value = v[i].value, .expires = v[i].expires };

		snprintf(o.vs, sizeof(o.vs), "%.*s", (int)sizeof(o.vs) - 1, v[i].key[0]);
		snprintf(o.rs, sizeof(o.rs), "%.*s", (int)sizeof(o.rs) - 1, v[i].key[1]);
		if (ov_set(l, &o) == 0)
			log_notice("operator's %s of %s in %s (%s, %s) re-applied from the state store",
				   store_override_kind_name(o.kind), o.rs, o.vs, v[i].who,
				   v[i].reason[0] ? v[i].reason : "no reason given");
	}
	if (n > 0)
		free(v);
	arm_expiry(l);
}

/* Every real server's checks run and failed, as counter snapshots. */
void check_lvs_store_counters(struct check_lvs *l)
{
	static const char *const names[2] = { "checks", "checks_failed" };
	const struct conf *c = l->conf;

	if (!l->store || !c || !l->base)
		return;
	store_writer_hold(l->store);
	for (size_t i = 0; i < c->n_vss; i++) {
		for (size_t j = 0; j < c->vss[i].n_rs; j++) {
			uint64_t v[2];

			if (!check_engine_rs_counters(l->engine, i, j, &v[0], &v[1]))
				continue;
			for (int k = 0; k < 2; k++) {
				struct store_rec *r = store_rec_new(STORE_COUNTER);

				if (!r)
					break;
				store_rec_str(r, 0, "real_server");
				store_rec_str(r, 1, l->vs_keys[i]);
				store_rec_str(r, 2, l->rs_keys[l->base[i] + j]);
				store_rec_str(r, 3, names[k]);
				r->i[0] = (int64_t)v[k];
				store_writer_put(l->store, r);
			}
		}
	}
	store_writer_release(l->store);
}

static void on_counters(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	check_lvs_store_counters(arg);
	ev_timer_start_in(loop, t, COUNTERS_EVERY_NS);
}

void check_lvs_set_store(struct check_lvs *l, struct store_writer *w)
{
	l->store = w;
	if (w)
		ev_timer_start_in(l->loop, &l->counters, COUNTERS_EVERY_NS);
	else
		ev_timer_stop(l->loop, &l->counters);
}

/* ---- IPVS's counters for mgmt (lb_live.h) ------------------------------------------ */

static void live_one(struct lb_live *r, const struct lb_kservice *s, const struct lb_kdest *d)
{
	memset(r, 0, sizeof(*r));
	lb_svc_key_str(&s->key, r->vs);
	if (d) {
		lb_dest_key_str(&d->key, r->rs);
		r->active_conns = d->active_conns;
		r->inact_conns = d->inact_conns;
		r->persist_conns = d->persist_conns;
		r->stats = d->stats;
	} else {
		r->stats = s->stats;
	}
}

/* One netlink dump of IPVS, copied into the shared file.  The check
 * process may wait on netlink; mgmt's walks do not. */
static void on_live_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct check_lvs *l = arg;
	struct lb_kernel k = { 0 };
	struct lb_live *r, *buf;
	size_t n = 0, i = 0;

	ev_timer_start_in(loop, t, LB_LIVE_EVERY_S * EV_NSEC_PER_SEC);
	if (kern_ipvs_list(l->ipvs, &k) < 0)
		return;
	for (size_t s = 0; s < k.n_svcs; s++)
		n += 1 + k.svcs[s].n_dests;
	/* formatted aside, then copied in: the reader waits a copy, not the
	 * formatting of thousands of keys */
	buf = calloc(n + 1, sizeof(*buf));
	if (buf) {
		for (size_t s = 0; s < k.n_svcs; s++) {
			live_one(&buf[i++], &k.svcs[s], NULL);
			for (size_t d = 0; d < k.svcs[s].n_dests; d++)
				live_one(&buf[i++], &k.svcs[s], &k.svcs[s].dests[d]);
		}
		if ((r = shstats_w_begin(l->live, n))) {
			memcpy(r, buf, n * sizeof(*buf));
			shstats_w_end(l->live, store_now_ms());
		}
		free(buf);
	}
	kern_ipvs_list_free(&k);
}

void check_lvs_set_live(struct check_lvs *l, const char *path)
{
	if (!l->ipvs)
		return;       /* nothing to count */
	l->live = shstats_w_open(path, LB_LIVE_KIND, sizeof(struct lb_live));
	if (!l->live) {
		log_warn("cannot create %s: SNMP shows no IPVS counters", path);
		return;
	}
	ev_timer_init(&l->live_timer, on_live_timer, l);
	ev_timer_start_in(l->loop, &l->live_timer, EV_NSEC_PER_SEC);
}

/* An edit on its way to the disk. */
struct pending_edit {
	struct check_lvs *l;
	struct child_ctx *ctx;
	uint32_t id;
	bool clear;
	struct lvs_ov ov;
	char what[200];
};

/* The answer of an edit, sent once what applying it wrote is committed. */
struct edit_answer {
	struct child_ctx *ctx;
	uint32_t id;
	int status;
	char text[400];
};

static void on_edit_committed(void *arg, int status, const char *err)
{
	struct edit_answer *a = arg;

	(void)status;
	(void)err;    /* the override is stored; a lost weight row is rewritten on the next change */
	child_edit_done(a->ctx, a->id, a->status, "%s", a->text);
	free(a);
}

/* Applied in memory, then in IPVS now; the answer says what is in effect,
 * and goes once the weights it wrote to the store are committed (so that a
 * client reading the store after it sees them). */
static void edit_apply(struct pending_edit *pe, const char *note)
{
	struct check_lvs *l = pe->l;
	struct lvs_ov *o = find_ov(l, pe->ov.vs, pe->ov.rs);
	struct edit_answer *a;
	struct store_rec *r;

	if (pe->clear) {
		if (o)
			ov_remove(l, o);
	} else if (ov_set(l, &pe->ov) < 0) {
		child_edit_done(pe->ctx, pe->id, 500, "out of memory");
		return;
	}
	arm_expiry(l);
	log_notice("operator: %s%s", pe->what, note);
	ev_timer_stop(l->loop, &l->soon);
	on_soon(l->loop, &l->soon, l);       /* IPVS before the answer */
	a = malloc(sizeof(*a));
	if (!a) {
		child_edit_done(pe->ctx, pe->id, 500, "out of memory");
		return;
	}
	*a = (struct edit_answer){ .ctx = pe->ctx, .id = pe->id };
	if (l->ipvs && l->failed_last) {
		a->status = 500;
		snprintf(a->text, sizeof(a->text), "%s%s; but IPVS refused the change (see the log); vigild retries",
			 pe->what, note);
	} else {
		snprintf(a->text, sizeof(a->text), "%s%s", pe->what, note);
	}
	r = l->store ? store_rec_new(STORE_BARRIER) : NULL;
	if (!r) {
		on_edit_committed(a, 0, NULL);
		return;
	}
	r->done = on_edit_committed;
	r->arg = a;
	store_writer_put(l->store, r);
}

static void on_edit_stored(void *arg, int status, const char *err)
{
	struct pending_edit *pe = arg;

	if (status < 0)
		child_edit_done(pe->ctx, pe->id, 500, "not stored (%s); nothing changed", err);
	else
		edit_apply(pe, "");
	free(pe);
}

/* The virtual server the operator means: its key as ipvsadm shows it
 * ("TCP 192.0.2.100:80", "FWM 1"), or without the protocol for TCP. */
static int find_vs(const struct check_lvs *l, const char *want)
{
	const struct conf *c = l->conf;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n_vss; i++) {
			const char *k = l->vs_keys[i];

			if (pass == 0 && strcasecmp(k, want) == 0)
				return (int)i;
			if (pass == 1 && strncmp(k, "TCP ", 4) == 0 && strcmp(k + 4, want) == 0)
				return (int)i;
		}
	return -1;
}

static int find_rs(const struct check_lvs *l, size_t vs, const char *want)
{
	const struct conf *c = l->conf;
	size_t n = strlen(want);
	int found = -1;

	for (size_t j = 0; j < c->vss[vs].n_rs; j++) {
		const char *k = l->rs_keys[l->base[vs] + j];

		if (strcmp(k, want) == 0)
			return (int)j;
		/* the address alone, when one real server has it */
		if (strncmp(k, want, n) == 0 && k[n] == ':')
			found = found == -1 ? (int)j : -2;
	}
	return found >= 0 ? found : -1;
}

static void audit_refused(struct check_lvs *l, const char *action, const char *target,
			  const char *who, const char *why)
{
	struct store_rec *r;

	if (!l->store || !(r = store_rec_new(STORE_AUDIT)))
		return;
	store_rec_str(r, 1, target);
	store_rec_str(r, 3, action);
	store_rec_str(r, 4, who);
	store_rec_str(r, 5, why);
	store_writer_put(l->store, r);
}

void check_lvs_edit(struct check_lvs *l, struct child_ctx *ctx, uint32_t id, const char *text)
{
	const char *action = "", *vs = NULL, *rs = NULL, *reason = "", *who = "?";
	json_int_t value = -1, expires_in = 0;
	json_t *req = json_loads(text, 0, NULL);
	struct pending_edit *pe;
	struct store_rec *r;
	char target[2 * LB_KEY_STRLEN + 2], why[LB_KEY_STRLEN * 4 + 128];
	int vi, ri;

	if (!req || json_unpack(req, "{s:s, s?s, s?s, s?s, s?s, s?I, s?I}", "action", &action,
				"vs", &vs, "rs", &rs, "reason", &reason, "who", &who, "value", &value,
				"expires_in", &expires_in) < 0) {
		child_edit_done(ctx, id, 400, "malformed edit");
		json_decref(req);
		return;
	}
	snprintf(target, sizeof(target), "%s %s", vs ? vs : "?", rs ? rs : "?");
	if (!vs || !rs) {
		child_edit_done(ctx, id, 400, "%s needs a virtual server and a real server", action);
		goto out;
	}
	if (!l->conf || (vi = find_vs(l, vs)) < 0) {
		size_t n = 0;

		why[0] = '\0';
		for (size_t i = 0; l->conf && i < l->conf->n_vss && n < sizeof(why) - LB_KEY_STRLEN - 8; i++)
			n += (size_t)snprintf(why + n, sizeof(why) - n, "%s'%s'", i ? ", " : "", l->vs_keys[i]);
		child_edit_done(ctx, id, 404, "no virtual server '%s' in the configuration (there are: %s)",
				vs, n ? why : "none");
		audit_refused(l, action, target, who, "no such virtual server");
		goto out;
	}
	if ((ri = find_rs(l, (size_t)vi, rs)) < 0) {
		child_edit_done(ctx, id, 404, "virtual server %s has no real server '%s'", l->vs_keys[vi], rs);
		audit_refused(l, action, target, who, "no such real server");
		goto out;
	}
	if (strcmp(action, "weight") == 0 && (value < 0 || value > 65535)) {
		child_edit_done(ctx, id, 400, "weight needs a value from 0 to 65535");
		goto out;
	}
	if (expires_in < 0 || expires_in > 10LL * 365 * 24 * 3600) {
		child_edit_done(ctx, id, 400, "the expiry must be from 0 (none) to 10 years, in seconds");
		goto out;
	}
	pe = calloc(1, sizeof(*pe));
	if (!pe) {
		child_edit_done(ctx, id, 500, "out of memory");
		goto out;
	}
	pe->l = l;
	pe->ctx = ctx;
	pe->id = id;
	snprintf(pe->ov.vs, sizeof(pe->ov.vs), "%s", l->vs_keys[vi]);
	snprintf(pe->ov.rs, sizeof(pe->ov.rs), "%s", l->rs_keys[l->base[vi] + (size_t)ri]);
	pe->clear = strcmp(action, "undrain") == 0 || strcmp(action, "clear") == 0;
	pe->ov.kind = store_override_kind_parse(action);
	pe->ov.value = pe->ov.kind == STORE_OV_WEIGHT ? value : 0;
	pe->ov.expires = expires_in ? store_now_ms() + expires_in * 1000 : 0;
	if (pe->clear)
		snprintf(pe->what, sizeof(pe->what), "%s: %s of VS %s back to its configured weight",
			 action, pe->ov.rs, pe->ov.vs);
	else
		snprintf(pe->what, sizeof(pe->what), "%s %s of VS %s%s%s", pe->ov.kind == STORE_OV_WEIGHT ?
			 "weight set on" : action, pe->ov.rs, pe->ov.vs,
			 pe->ov.kind == STORE_OV_DRAIN ? " (weight 0: no new connections)" :
			 pe->ov.kind == STORE_OV_MAINT ? " (out of IPVS)" : "",
			 expires_in ? " until it expires" : "");
	if (pe->ov.kind == STORE_OV_WEIGHT) {
		size_t n = strlen(pe->what);

		snprintf(pe->what + n, sizeof(pe->what) - n, ": %lld", (long long)value);
	}
	if (!l->store) {
		edit_apply(pe, " (not kept across restarts: vigild runs without its state store)");
		free(pe);
		goto out;
	}
	r = store_rec_new(pe->clear ? STORE_OVERRIDE_CLEAR : STORE_OVERRIDE_SET);
	if (!r) {
		free(pe);
		child_edit_done(ctx, id, 500, "out of memory");
		goto out;
	}
	store_rec_str(r, 0, "real_server");
	store_rec_str(r, 1, pe->ov.vs);
	store_rec_str(r, 2, pe->ov.rs);
	store_rec_str(r, 3, action);
	store_rec_str(r, 4, who);
	store_rec_str(r, 5, reason);
	if (!pe->clear && pe->ov.kind == STORE_OV_WEIGHT)
		r->i[0] = value;
	if (pe->ov.expires)
		r->i[1] = pe->ov.expires;
	r->done = on_edit_stored;
	r->arg = pe;
	store_writer_put(l->store, r);
out:
	json_decref(req);
}

struct check_lvs *check_lvs_new(struct ev_loop *loop, struct check_engine *engine)
{
	struct check_lvs *l = calloc(1, sizeof(*l));
	char err[KERN_IPVS_ERRLEN];

	if (!l)
		return NULL;
	l->loop = loop;
	l->engine = engine;
	ev_timer_init(&l->soon, on_soon, l);
	ev_timer_init(&l->expiry, on_expiry, l);
	ev_timer_init(&l->counters, on_counters, l);
	l->ipvs = kern_ipvs_open(err);
	if (!l->ipvs)
		log_warnx("%s; health checks run, IPVS is not programmed", err);
	return l;
}

/* The store's and the operator's names of every virtual and real server. */
static void build_keys(struct check_lvs *l)
{
	const struct conf *c = l->conf;
	size_t n = 0;

	free(l->base);
	free(l->vs_keys);
	free(l->rs_keys);
	free(l->stored_weight);
	for (size_t i = 0; i < c->n_vss; i++)
		n += c->vss[i].n_rs;
	l->base = calloc(c->n_vss + 1, sizeof(*l->base));
	l->vs_keys = calloc(c->n_vss + 1, sizeof(*l->vs_keys));
	l->rs_keys = calloc(n + 1, sizeof(*l->rs_keys));
	l->stored_weight = calloc(n + 1, sizeof(*l->stored_weight));
	if (!l->base || !l->vs_keys || !l->rs_keys || !l->stored_weight)
		log_fatalx("out of memory");
	n = 0;
	for (size_t i = 0; i < c->n_vss; i++) {
		l->base[i] = n;
		for (size_t j = 0; j < c->vss[i].n_rs; j++, n++) {
			lb_conf_keys(c, i, j, l->vs_keys[i], l->rs_keys[n]);
			l->stored_weight[n] = WEIGHT_UNKNOWN;
		}
		if (!c->vss[i].n_rs) {
			char none[LB_KEY_STRLEN];

			lb_conf_keys(c, i, (size_t)-1, l->vs_keys[i], none);
		}
	}
}

/* s[idx] = j as compact JSON (j is consumed). */
static void put_json(struct store_rec *r, int idx, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	store_rec_str(r, idx, text);
	free(text);
	json_decref(j);
}

/* The configured virtual and real servers, in one transaction: their ids
 * stay what they were (the store keys them by name). */
static void store_identities(struct check_lvs *l, bool fresh)
{
	static const char *const fwd[] = { [CONF_LB_NAT] = "NAT", [CONF_LB_DR] = "DR", [CONF_LB_TUN] = "TUN" };
	const struct conf *c = l->conf;

	if (!l->store)
		return;
	store_writer_hold(l->store);
	store_writer_put(l->store, store_rec_new(STORE_LVS_ABSENT));
	for (size_t i = 0; i < c->n_vss; i++) {
		const struct conf_vs *vs = &c->vss[i];
		struct store_rec *r = store_rec_new(STORE_VS);

		store_rec_str(r, 0, l->vs_keys[i]);
		store_rec_str(r, 1, vs->sched ? vs->sched : LB_SCHED_DEFAULT);
		store_rec_str(r, 2, (unsigned)vs->kind < sizeof(fwd) / sizeof(fwd[0]) && fwd[vs->kind] ?
				    fwd[vs->kind] : "NAT");
		put_json(r, 3, conf_vs_summary(vs));
		store_writer_put(l->store, r);
		for (size_t j = 0; j < vs->n_rs; j++) {
			r = store_rec_new(STORE_RS);
			store_rec_str(r, 0, l->vs_keys[i]);
			store_rec_str(r, 1, l->rs_keys[l->base[i] + j]);
			put_json(r, 2, conf_rs_summary(&vs->rs[j]));
			r->i[0] = vs->rs[j].weight;
			r->i[1] = fresh;   /* a new process has checked nothing yet */
			store_writer_put(l->store, r);
		}
	}
	store_writer_release(l->store);
}

static void check_lvs_health_op(struct check_lvs *l, enum store_op op, size_t vs, size_t rs, bool up,
				const char *why);

void check_lvs_health(struct check_lvs *l, size_t vs, size_t rs, bool up, const char *why)
{
	check_lvs_health_op(l, STORE_RS_HEALTH, vs, rs, up, why);
}

void check_lvs_health_seen(struct check_lvs *l, size_t vs, size_t rs, bool up, const char *why)
{
	check_lvs_health_op(l, STORE_RS_HEALTH_SEEN, vs, rs, up, why);
}

static void check_lvs_health_op(struct check_lvs *l, enum store_op op, size_t vs, size_t rs, bool up,
				const char *why)
{
	struct store_rec *r;

	if (!l->store || !l->base || vs >= l->conf->n_vss || rs >= l->conf->vss[vs].n_rs)
		return;
	r = store_rec_new(op);
	if (!r)
		return;
	store_rec_str(r, 0, l->vs_keys[vs]);
	store_rec_str(r, 1, l->rs_keys[l->base[vs] + rs]);
	store_rec_str(r, 2, up ? "down" : "up");
	store_rec_str(r, 3, up ? "up" : "down");
	store_rec_str(r, 4, why ? why : "");
	store_writer_put(l->store, r);
}

void check_lvs_set_conf(struct check_lvs *l, const struct conf *c)
{
	bool *q = calloc(c->n_vss ? c->n_vss : 1, sizeof(*q));

	if (!q)
		log_fatalx("out of memory");
	/* A virtual server keeps its quorum state across a reload by index
	 * when it is still there; new ones start with their quorum. */
	for (size_t i = 0; i < c->n_vss; i++)
		q[i] = i < l->n_quorum ? l->quorum[i] : true;
	free(l->quorum);
	l->quorum = q;
	l->n_quorum = c->n_vss;
	bool fresh = !l->conf;

	l->conf = c;
	l->conflicts_told = false;
	build_keys(l);
	store_identities(l, fresh);
	check_lvs_changed(l);
}

void check_lvs_changed(struct check_lvs *l)
{
	if (!ev_timer_armed(&l->soon))
		ev_timer_start_in(l->loop, &l->soon, 0);
}

void check_lvs_stop(struct check_lvs *l, bool keep)
{
	struct lb_model none = { 0 };

	ev_timer_stop(l->loop, &l->soon);
	if (!l->ipvs)
		return;
	if (keep) {
		log_info("IPVS: leaving the services in place (--dont-release-ipvs)");
		return;
	}
	reconcile(l, &none);   /* an empty model: remove what vigil created */
}

void check_lvs_free(struct check_lvs *l)
{
	if (!l)
		return;
	ev_timer_stop(l->loop, &l->soon);
	if (l->ipvs)
		kern_ipvs_close(l->ipvs);
	ev_timer_stop(l->loop, &l->expiry);
	ev_timer_stop(l->loop, &l->counters);
	if (l->live) {
		ev_timer_stop(l->loop, &l->live_timer);
		shstats_w_close(l->live, 1);   /* no IPVS counters to show any more */
	}
	lb_owned_free(&l->owned);
	free(l->quorum);
	free(l->base);
	free(l->vs_keys);
	free(l->rs_keys);
	free(l->stored_weight);
	free(l->ovs);
	free(l);
}
