/*
 * check_lvs.c - see check_lvs.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_lvs.h"
#include "check/check_run.h"
#include "conf/conf.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/spawn.h"
#include "kern/kern_ipvs.h"
#include "lb/lb_build.h"
#include "lb/lb_diff.h"

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
};

#define RETRY_NS (5 * EV_NSEC_PER_SEC)

static bool health_of(void *arg, size_t vs, size_t rs, bool *up, int *weight)
{
	struct check_lvs *l = arg;

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

			if (health_of(l, i, j, &up, &w) && up)
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

static void on_soon(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct check_lvs *l = arg;
	struct lb_model m;

	if (!l->conf)
		return;
	update_quorum(l);
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

struct check_lvs *check_lvs_new(struct ev_loop *loop, struct check_engine *engine)
{
	struct check_lvs *l = calloc(1, sizeof(*l));
	char err[KERN_IPVS_ERRLEN];

	if (!l)
		return NULL;
	l->loop = loop;
	l->engine = engine;
	ev_timer_init(&l->soon, on_soon, l);
	l->ipvs = kern_ipvs_open(err);
	if (!l->ipvs)
		log_warnx("%s; health checks run, IPVS is not programmed", err);
	return l;
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
	l->conf = c;
	l->conflicts_told = false;
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
	lb_owned_free(&l->owned);
	free(l->quorum);
	free(l);
}
