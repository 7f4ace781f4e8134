/*
 * check_run.c - see check_run.h.
 *
 * Objects: one run_vs per virtual_server, one run_rs per real_server, one
 * run_chk per checker block.  A run_chk owns what its checks need (target
 * address, prepared requests, script line), its timer and the check in
 * flight; a reload moves unchanged run_chk objects, as they are, under the
 * new configuration's real servers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "check/check_io.h"
#include "check/check_run.h"
#include "check/check_state.h"
#include "conf/conf.h"
#include "core/addr.h"
#include "core/ev.h"
#include "core/jsonfile.h"
#include "core/log.h"
#include "core/spawn.h"

#define NAME_LEN 96

struct run_rs;

struct run_chk {
	struct check_engine *e;
	struct run_rs *rs;
	enum conf_checker_type type;
	struct chk_params p;
	struct chk_state st;
	struct check_target target;
	bool no_port;                      /* nothing to connect to: always fails */
	struct check_http_spec http;
	struct check_misc_spec misc;
	char desc[NAME_LEN + 160];         /* "TCP connection to [a]:tcp:80" */
	char target_name[NAME_LEN];
	struct ev_timer timer;
	struct check_op *op;               /* the check in flight */
	bool local_warned;
	bool taken;                        /* reload: adopted by the new config */
};

struct run_vs;

struct run_rs {
	struct check_engine *e;
	struct run_vs *vs;
	size_t vi, ri;                     /* conf->vss[vi].rs[ri] */
	const struct conf_rs *cfg;
	char name[NAME_LEN];               /* "[192.0.2.21]:tcp:80" */
	struct run_chk **chks;
	size_t n_chks;
	bool up;
	int weight;                        /* the health weight (configured or dynamic) */
	bool taken;
};

struct run_vs {
	const struct conf_vs *cfg;
	char name[NAME_LEN];               /* "[192.0.2.100]:tcp:80" or "FWM 5" */
	struct run_rs **rs;
	size_t n_rs;
	bool taken;
};

struct check_engine {
	struct ev_loop *loop;
	const struct conf *conf;
	struct run_vs *vss;
	size_t n_vss;
	check_health_fn hook;
	void *hook_arg;
	check_health_fn seen;
	void *seen_arg;
};

/* ---- names --------------------------------------------------------------- */

static const char *proto_lc(enum conf_proto p)
{
	return p == CONF_PROTO_UDP ? "udp" : p == CONF_PROTO_SCTP ? "sctp" : "tcp";
}

/* keepalived's FMT_RS / FMT_VS: "[192.0.2.21]:tcp:80". */
static void fmt_addr_port(char *buf, size_t len, const struct conf_addr *a, enum conf_proto p,
			  int port)
{
	struct vaddr v = conf_vaddr(a);
	char s[VADDR_STRLEN];

	snprintf(buf, len, "[%s]:%s:%d", vaddr_str(&v, s), proto_lc(p), port);
}

static void fmt_vs(char *buf, size_t len, const struct conf_vs *vs)
{
	if (vs->is_fwmark)
		snprintf(buf, len, "FWM %u", (unsigned)vs->fwmark);
	else
		fmt_addr_port(buf, len, &vs->addr, vs->protocol, vs->port);
}

static uint64_t to_ns(double s)
{
	return s > 0 ? (uint64_t)(s * (double)EV_NSEC_PER_SEC) : 0;
}

/* ---- building a checker --------------------------------------------------- */

static socklen_t fill_sockaddr(struct sockaddr_storage *ss, const struct vaddr *a, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = a->u.v6;
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	s4->sin_addr = a->u.v4;
	return sizeof(*s4);
}

/* Host: the virtualhost, else the address (with the port unless it is the
 * scheme's default), as keepalived sends it. */
static void http_host(char *buf, size_t len, const char *vhost, const struct vaddr *a, int port,
		      bool tls)
{
	char s[VADDR_STRLEN];

	if (vhost) {
		snprintf(buf, len, "%s", vhost);
		return;
	}
	vaddr_str(a, s);
	if (port == (tls ? 443 : 80))
		snprintf(buf, len, a->family == AF_INET6 ? "[%s]" : "%s", s);
	else
		snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%d" : "%s:%d", s, port);
}

/* SNI carries a DNS name only: not an address, not a port. */
static const char *sni_name(const char *vhost)
{
	struct in_addr a4;

	if (!vhost || strchr(vhost, ':') || inet_pton(AF_INET, vhost, &a4) == 1)
		return NULL;
	return vhost;
}

static void misc_security(struct run_chk *c, bool enforce)
{
	char why[512];

	if (c->misc.user || spawn_check_secure(c->misc.cmdline, why, sizeof(why)) == 0)
		return;
	if (enforce) {
		c->misc.disabled = true;
		log_errx("%s disabled: %s; make it root-owned and not group/world writable, "
			 "or set script_user", c->desc, why);
	} else {
		log_warnx("%s runs as root but %s: anyone who can write there gets root "
			  "(set enable_script_security to refuse it)", c->desc, why);
	}
}

static int chk_prepare(struct run_chk *c, const struct conf *conf, const struct conf_vs *vs,
		       const struct conf_rs *rs, const struct conf_checker *ck, const char *rs_name)
{
	const struct conf_addr *dst_addr = ck->connect_ip.family != AF_UNSPEC ? &ck->connect_ip :
					   &rs->addr;
	struct vaddr dst = conf_vaddr(dst_addr);
	int port = ck->connect_port ? ck->connect_port : rs->port;
	double loop_s = ck->delay_loop > 0 ? ck->delay_loop :
			rs->delay_loop > 0 ? rs->delay_loop : vs->delay_loop;
	const char *vhost = ck->virtualhost ? ck->virtualhost : vs->virtualhost;
	char host[300];
	struct vaddr src;

	c->type = ck->type;
	c->p = (struct chk_params){
		.retry = ck->retry,
		.delay_before_retry = to_ns(ck->delay_before_retry),
		.delay_loop = to_ns(loop_s),
		.warmup = to_ns(ck->warmup),
		.alpha = vs->alpha,
	};
	if (!c->p.delay_loop)
		c->p.delay_loop = EV_NSEC_PER_SEC;
	chk_state_init(&c->st, &c->p);

	if (ck->type == CONF_CHK_MISC) {
		double t = ck->misc_timeout > 0 ? ck->misc_timeout : loop_s;
		const char *user = ck->user ? ck->user : spawn_user(conf->global.script_user);

		c->misc.cmdline = strdup(ck->misc_path ? ck->misc_path : "false");
		c->misc.user = user ? strdup(user) : NULL;
		c->misc.timeout_s = t;
		c->misc.timeout_ns = to_ns(t);
		c->misc.dynamic = ck->misc_dynamic;
		if (!c->misc.cmdline || (user && !c->misc.user))
			return -1;
		snprintf(c->target_name, sizeof(c->target_name), "%s", rs_name);
		snprintf(c->desc, sizeof(c->desc), "MISC_CHECK \"%.120s\" for %s", c->misc.cmdline,
			 rs_name);
		misc_security(c, conf->global.enable_script_security);
		return 0;
	}

	/* A network check. */
	fmt_addr_port(c->target_name, sizeof(c->target_name), dst_addr, CONF_PROTO_TCP, port);
	snprintf(c->desc, sizeof(c->desc), "%s to %s",
		 ck->type == CONF_CHK_TCP ? "TCP connection" :
		 ck->type == CONF_CHK_SSL ? "SSL_GET" : "HTTP_GET", c->target_name);
	c->no_port = port == 0;
	c->target.dst_len = fill_sockaddr(&c->target.dst, &dst, port);
	src = conf_vaddr(&ck->bindto);
	if (vaddr_is_set(&src) || ck->bind_port) {
		if (!vaddr_is_set(&src)) {
			memset(&src, 0, sizeof(src));    /* any address of the family */
			src.family = dst.family;
		}
		c->target.src_len = fill_sockaddr(&c->target.src, &src, ck->bind_port);
	}
	c->target.timeout_s = ck->connect_timeout > 0 ? ck->connect_timeout : 5;
	c->target.timeout_ns = to_ns(c->target.timeout_s);
	if (ck->type == CONF_CHK_TCP)
		return 0;
	http_host(host, sizeof(host), vhost, &dst, port, ck->type == CONF_CHK_SSL);
	return check_http_prepare(&c->http, ck, host, sni_name(vhost));
}

static void chk_free(struct run_chk *c)
{
	if (!c)
		return;
	if (c->op)
		check_op_cancel(c->op);
	if (c->e)
		ev_timer_stop(c->e->loop, &c->timer);
	check_http_spec_free(&c->http);
	free(c->misc.cmdline);
	free(c->misc.user);
	free(c);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Same checks, same pace: a reload keeps the old checker's state. */
static bool chk_same(const struct run_chk *a, const struct run_chk *b)
{
	if (a->type != b->type || a->p.retry != b->p.retry ||
	    a->p.delay_before_retry != b->p.delay_before_retry ||
	    a->p.delay_loop != b->p.delay_loop || a->p.warmup != b->p.warmup)
		return false;
	if (a->type == CONF_CHK_MISC)
		return str_eq(a->misc.cmdline, b->misc.cmdline) && str_eq(a->misc.user, b->misc.user) &&
		       a->misc.timeout_ns == b->misc.timeout_ns && a->misc.dynamic == b->misc.dynamic &&
		       a->misc.disabled == b->misc.disabled;
	if (a->target.dst_len != b->target.dst_len || a->target.src_len != b->target.src_len ||
	    memcmp(&a->target.dst, &b->target.dst, a->target.dst_len) != 0 ||
	    memcmp(&a->target.src, &b->target.src, a->target.src_len) != 0 ||
	    a->target.timeout_ns != b->target.timeout_ns)
		return false;
	return a->type == CONF_CHK_TCP || check_http_spec_equal(&a->http, &b->http);
}

/* ---- running ---------------------------------------------------------------- */

static void rs_changed(struct run_rs *rs, struct run_chk *c, const struct chk_step *st);

static void chk_on_done(void *arg, const struct chk_result *r)
{
	struct run_chk *c = arg;
	struct check_engine *e = c->e;
	struct chk_step st;

	c->op = NULL;
	st = chk_state_apply(&c->st, &c->p, r, ev_now(e->loop));
	if (r->outcome == CHK_LOCAL_ERROR) {
		if (!c->local_warned)
			log_warnx("%s: cannot check (%s); trying again", c->desc, r->reason);
		c->local_warned = true;
	} else {
		c->local_warned = false;
		if (st.change != CHK_SAME || st.weight_changed ||
		    (st.first && r->outcome == CHK_FAIL && !c->st.up && !st.retrying))
			rs_changed(c->rs, c, &st);
		else if (st.first && e->seen && r->outcome == CHK_OK && c->rs->up)
			e->seen(e->seen_arg, c->rs->vi, c->rs->ri, true, c->rs->weight, "first check passed");
	}
	ev_timer_start_at(e->loop, &c->timer, st.next);
}

static void chk_on_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct run_chk *c = arg;
	struct chk_result r;

	if (c->op)
		return;   /* cannot happen: the timer is armed only between checks */
	if (c->no_port) {
		chk_result_fail(&r, "no port to connect to: set connect_port (fwmark service)");
		chk_on_done(c, &r);
		return;
	}
	switch (c->type) {
	case CONF_CHK_TCP:
		c->op = check_tcp_start(loop, &c->target, chk_on_done, c);
		break;
	case CONF_CHK_HTTP:
	case CONF_CHK_SSL:
		c->op = check_http_start(loop, &c->target, &c->http, chk_on_done, c);
		break;
	case CONF_CHK_MISC:
		c->op = check_misc_start(loop, &c->misc, chk_on_done, c);
		break;
	}
	if (!c->op) {
		chk_result_local(&r, "out of memory");
		chk_on_done(c, &r);
	}
}

static void chk_schedule_first(struct run_chk *c)
{
	uint64_t now = ev_now(c->e->loop);

	ev_timer_start_at(c->e->loop, &c->timer, chk_first_run(&c->p, now, (uint32_t)random()));
}

/* ---- real servers ------------------------------------------------------------ */

static struct chk_rs_health rs_eval(const struct run_rs *rs)
{
	const struct chk_state *v[rs->n_chks ? rs->n_chks : 1];

	for (size_t i = 0; i < rs->n_chks; i++)
		v[i] = &rs->chks[i]->st;
	return chk_rs_eval(v, rs->n_chks, rs->cfg->weight);
}

static void rs_notify(const struct run_rs *rs, const char *why)
{
	if (rs->e->hook)
		rs->e->hook(rs->e->hook_arg, rs->vi, rs->ri, rs->up, rs->weight, why);
}

/* "failed after 2 retries (connection refused)"; the retries are named only
 * when they are what took the checker down. */
static const char *failed_how(const struct run_chk *c, bool retried, char *buf, size_t len)
{
	if (retried && c->p.retry > 0)
		snprintf(buf, len, "failed after %d %s (%s)", c->p.retry,
			 c->p.retry == 1 ? "retry" : "retries", c->st.reason);
	else
		snprintf(buf, len, "failed (%s)", c->st.reason);
	return buf;
}

/* " (weight 3)" when a misc_dynamic script chose the weight. */
static const char *weight_note(const struct run_rs *rs, char *buf, size_t len)
{
	buf[0] = '\0';
	if (rs->weight != rs->cfg->weight)
		snprintf(buf, len, " (weight %d)", rs->weight);
	return buf;
}

/* A checker of rs changed (state or weight): the real server's verdict,
 * logged once per transition. */
static void rs_changed(struct run_rs *rs, struct run_chk *c, const struct chk_step *st)
{
	struct chk_rs_health h = rs_eval(rs);
	const char *vs = rs->vs->name;
	bool inhibit = rs->cfg->inhibit_on_failure;
	char how[CHK_REASON_LEN + 64], wbuf[32];

	if (h.up != rs->up) {
		char why[sizeof(how) + sizeof(c->desc) + 16];

		rs->up = h.up;
		rs->weight = h.weight;
		if (!h.up) {
			failed_how(c, st->change == CHK_WENT_DOWN, how, sizeof(how));
			log_notice("%s %s: %s service %s %s VS %s", c->desc, how,
				   inhibit ? "setting weight 0 of" : "removing", rs->name,
				   inhibit ? "in" : "from", vs);
			snprintf(why, sizeof(why), "%s %s", c->desc, how);
		} else {
			log_notice("%s success: %s service %s %s VS %s%s", c->desc,
				   inhibit ? "restoring the weight of" : "adding", rs->name,
				   inhibit ? "in" : "to", vs, weight_note(rs, wbuf, sizeof(wbuf)));
			snprintf(why, sizeof(why), "%s succeeded", c->desc);
		}
		rs_notify(rs, why);
		return;
	}
	if (st->change == CHK_WENT_DOWN || (st->change == CHK_SAME && !c->st.up))
		log_info("%s %s: service %s of VS %s stays down", c->desc,
			 failed_how(c, st->change == CHK_WENT_DOWN, how, sizeof(how)), rs->name, vs);
	else if (st->change == CHK_WENT_UP && h.first_down >= 0)
		log_info("%s success; service %s of VS %s stays down (still failing: %s: %s)",
			 c->desc, rs->name, vs, rs->chks[h.first_down]->desc,
			 rs->chks[h.first_down]->st.reason);
	if (h.weight != rs->weight) {
		log_notice("%s: weight of service %s in VS %s %d -> %d", c->desc, rs->name, vs,
			   rs->weight, h.weight);
		rs->weight = h.weight;
		if (rs->up)
			rs_notify(rs, "weight changed");
	}
}

/* ---- building and rebuilding --------------------------------------------------- */

static bool vs_same_key(const struct conf_vs *a, const struct conf_vs *b)
{
	if (a->is_fwmark || b->is_fwmark)
		return a->is_fwmark == b->is_fwmark && a->fwmark == b->fwmark &&
		       a->addr.family == b->addr.family;
	struct vaddr x = conf_vaddr(&a->addr), y = conf_vaddr(&b->addr);

	return a->protocol == b->protocol && a->port == b->port && vaddr_equal(&x, &y);
}

static bool rs_same_key(const struct conf_rs *a, const struct conf_rs *b)
{
	struct vaddr x = conf_vaddr(&a->addr), y = conf_vaddr(&b->addr);

	return a->port == b->port && vaddr_equal(&x, &y);
}

static struct run_vs *find_old_vs(struct run_vs *old, size_t n, const struct conf_vs *cv)
{
	for (size_t i = 0; i < n; i++)
		if (!old[i].taken && vs_same_key(old[i].cfg, cv)) {
			old[i].taken = true;
			return &old[i];
		}
	return NULL;
}

static struct run_rs *find_old_rs(struct run_vs *ov, const struct conf_rs *cr)
{
	if (!ov)
		return NULL;
	for (size_t j = 0; j < ov->n_rs; j++)
		if (!ov->rs[j]->taken && rs_same_key(ov->rs[j]->cfg, cr)) {
			ov->rs[j]->taken = true;
			return ov->rs[j];
		}
	return NULL;
}

static struct run_chk *adopt_chk(struct run_rs *orr, const struct run_chk *fresh)
{
	if (!orr)
		return NULL;
	for (size_t k = 0; k < orr->n_chks; k++) {
		struct run_chk *oc = orr->chks[k];

		if (!oc->taken && chk_same(oc, fresh)) {
			oc->taken = true;
			return oc;
		}
	}
	return NULL;
}

struct build_stats {
	size_t kept_rs, new_rs, kept_chk, new_chk;
};

static struct run_rs *rs_build(struct check_engine *e, struct run_vs *nv, size_t vi, size_t ri,
			       struct run_vs *ov, struct build_stats *bs)
{
	const struct conf_rs *cr = &nv->cfg->rs[ri];
	struct run_rs *rs = calloc(1, sizeof(*rs));
	struct run_rs *orr;
	struct chk_rs_health h;

	if (!rs)
		return NULL;
	rs->e = e;
	rs->vs = nv;
	rs->vi = vi;
	rs->ri = ri;
	rs->cfg = cr;
	fmt_addr_port(rs->name, sizeof(rs->name), &cr->addr, nv->cfg->protocol, cr->port);
	rs->chks = calloc(cr->n_checkers ? cr->n_checkers : 1, sizeof(*rs->chks));
	if (!rs->chks) {
		free(rs);
		return NULL;
	}
	orr = find_old_rs(ov, cr);
	for (size_t k = 0; k < cr->n_checkers; k++) {
		struct run_chk *c = calloc(1, sizeof(*c)), *old;

		if (!c || chk_prepare(c, e->conf, nv->cfg, cr, &cr->checkers[k], rs->name) < 0)
			log_fatalx("check: out of memory");
		c->e = e;
		c->rs = rs;
		ev_timer_init(&c->timer, chk_on_timer, c);
		if ((old = adopt_chk(orr, c)) != NULL) {
			/* Same checks: the old object goes on, timer and all. */
			chk_free(c);
			old->rs = rs;
			old->p.alpha = nv->cfg->alpha;
			c = old;
			bs->kept_chk++;
		} else {
			bs->new_chk++;
		}
		rs->chks[rs->n_chks++] = c;
	}
	h = rs_eval(rs);
	if (orr) {
		bs->kept_rs++;
		rs->up = orr->up;
		rs->weight = orr->weight;
		if (h.up != rs->up || h.weight != rs->weight) {
			/* Checkers were added or removed: say what it means. */
			log_notice("reload: service %s %s VS %s (its checkers changed)", rs->name,
				   h.up ? "is up again in" : "goes down in", nv->name);
			rs->up = h.up;
			rs->weight = h.weight;
			rs_notify(rs, "reload: its checkers changed");
		}
	} else {
		bs->new_rs++;
		rs->up = h.up;
		rs->weight = h.weight;
	}
	return rs;
}

static void rs_free(struct run_rs *rs, bool only_untaken)
{
	for (size_t k = 0; k < rs->n_chks; k++)
		if (!only_untaken || !rs->chks[k]->taken)
			chk_free(rs->chks[k]);
	free(rs->chks);
	free(rs);
}

static void vss_free(struct run_vs *vss, size_t n, bool only_untaken)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < vss[i].n_rs; j++)
			rs_free(vss[i].rs[j], only_untaken);
		free(vss[i].rs);
	}
	free(vss);
}

/* Build the engine's objects for e->conf, adopting what fits from `old`. */
static void build(struct check_engine *e, struct run_vs *old, size_t n_old, struct build_stats *bs)
{
	const struct conf *c = e->conf;

	e->n_vss = c->n_vss;
	e->vss = calloc(c->n_vss ? c->n_vss : 1, sizeof(*e->vss));
	if (!e->vss)
		log_fatalx("check: out of memory");
	for (size_t i = 0; i < c->n_vss; i++) {
		struct run_vs *nv = &e->vss[i];
		struct run_vs *ov;

		nv->cfg = &c->vss[i];
		fmt_vs(nv->name, sizeof(nv->name), nv->cfg);
		ov = find_old_vs(old, n_old, nv->cfg);
		nv->rs = calloc(nv->cfg->n_rs ? nv->cfg->n_rs : 1, sizeof(*nv->rs));
		if (!nv->rs)
			log_fatalx("check: out of memory");
		for (size_t j = 0; j < nv->cfg->n_rs; j++) {
			nv->rs[j] = rs_build(e, nv, i, j, ov, bs);
			if (!nv->rs[j])
				log_fatalx("check: out of memory");
			nv->n_rs++;
		}
	}
	/* New checkers start now (or after their warmup). */
	for (size_t i = 0; i < e->n_vss; i++)
		for (size_t j = 0; j < e->vss[i].n_rs; j++)
			for (size_t k = 0; k < e->vss[i].rs[j]->n_chks; k++) {
				struct run_chk *ch = e->vss[i].rs[j]->chks[k];

				if (!ch->taken && !ch->op && !ev_timer_armed(&ch->timer))
					chk_schedule_first(ch);
			}
}

/* After a reload, once the old objects are gone. */
static void clear_taken(struct check_engine *e)
{
	for (size_t i = 0; i < e->n_vss; i++)
		for (size_t j = 0; j < e->vss[i].n_rs; j++)
			for (size_t k = 0; k < e->vss[i].rs[j]->n_chks; k++)
				e->vss[i].rs[j]->chks[k]->taken = false;
}

/* A health checker opens a socket per check in flight: let it use what the
 * hard limit allows (keepalived does the same for large configurations). */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---- public ------------------------------------------------------------------- */

struct check_engine *check_engine_new(struct ev_loop *loop)
{
	struct check_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->loop = loop;
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	return e;
}

void check_engine_set_seen_hook(struct check_engine *e, check_health_fn fn, void *arg)
{
	e->seen = fn;
	e->seen_arg = arg;
}

void check_engine_set_hook(struct check_engine *e, check_health_fn fn, void *arg)
{
	e->hook = fn;
	e->hook_arg = arg;
}

int check_engine_start(struct check_engine *e, const struct conf *c)
{
	struct build_stats bs = { 0 };
	size_t n_chk;

	if (spawn_init(e->loop) < 0) {
		log_warn("check: cannot watch SIGCHLD");
		return -1;
	}
	raise_nofile();
	e->conf = c;
	build(e, NULL, 0, &bs);
	n_chk = bs.new_chk;
	log_info("check: %zu checkers on %zu real servers started", n_chk, bs.new_rs);
	return 0;
}

int check_engine_reload(struct check_engine *e, const struct conf *next)
{
	struct run_vs *old = e->vss;
	size_t n_old = e->n_vss;
	struct build_stats bs = { 0 };

	size_t n_old_rs = 0;

	for (size_t i = 0; i < n_old; i++)
		n_old_rs += old[i].n_rs;
	e->conf = next;
	build(e, old, n_old, &bs);
	vss_free(old, n_old, true);
	clear_taken(e);
	log_info("check: reload: %zu real servers found again, %zu new, %zu removed; "
		 "%zu checkers kept their state, %zu started", bs.kept_rs, bs.new_rs,
		 n_old_rs - bs.kept_rs, bs.kept_chk, bs.new_chk);
	return 0;
}

void check_engine_stop(struct check_engine *e)
{
	vss_free(e->vss, e->n_vss, false);
	e->vss = NULL;
	e->n_vss = 0;
	check_http_cleanup();
}

void check_engine_free(struct check_engine *e)
{
	if (!e)
		return;
	if (e->vss)
		check_engine_stop(e);
	free(e);
}

bool check_engine_rs_health(const struct check_engine *e, size_t vs, size_t rs, bool *up,
			    int *weight)
{
	if (vs >= e->n_vss || rs >= e->vss[vs].n_rs)
		return false;
	*up = e->vss[vs].rs[rs]->up;
	*weight = e->vss[vs].rs[rs]->weight;
	return true;
}

/* ---- state dump (SIGUSR2) ------------------------------------------------------ */

static json_t *addr_json(const struct conf_addr *a)
{
	struct vaddr v = conf_vaddr(a);
	char s[VADDR_STRLEN];

	return vaddr_is_set(&v) ? json_string(vaddr_str(&v, s)) : json_null();
}

static json_t *chk_json(const struct run_chk *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string(conf_checker_name(c->type)));
	json_object_set_new(o, "target", json_string(c->type == CONF_CHK_MISC ? c->misc.cmdline :
						     c->target_name));
	json_object_set_new(o, "state", json_string(c->st.up ? "up" : "down"));
	json_object_set_new(o, "reason", json_string(c->st.up ? "" : c->st.reason));
	json_object_set_new(o, "last_failure", json_string(c->st.reason));
	json_object_set_new(o, "consecutive_failures", json_integer(c->st.fails));
	json_object_set_new(o, "retry", json_integer(c->p.retry));
	json_object_set_new(o, "checks", json_integer((json_int_t)c->st.n_checks));
	json_object_set_new(o, "successes", json_integer((json_int_t)c->st.n_ok));
	json_object_set_new(o, "failures", json_integer((json_int_t)c->st.n_fail));
	json_object_set_new(o, "local_errors", json_integer((json_int_t)c->st.n_local_errors));
	json_object_set_new(o, "went_down", json_integer((json_int_t)c->st.n_down));
	json_object_set_new(o, "went_up", json_integer((json_int_t)c->st.n_up));
	json_object_set_new(o, "dynamic_weight",
			    c->st.weight >= 0 ? json_integer(c->st.weight) : json_null());
	json_object_set_new(o, "running", json_boolean(c->op != NULL));
	return o;
}

static json_t *rs_json(const struct run_rs *rs)
{
	json_t *o = json_object(), *chks = json_array();
	struct chk_rs_health h = rs_eval(rs);
	const char *reason = "";

	if (!rs->up && h.first_down >= 0)
		reason = rs->chks[h.first_down]->st.reason;
	json_object_set_new(o, "name", json_string(rs->name));
	json_object_set_new(o, "address", addr_json(&rs->cfg->addr));
	json_object_set_new(o, "port", json_integer(rs->cfg->port));
	json_object_set_new(o, "state", json_string(rs->up ? "up" : "down"));
	json_object_set_new(o, "reason", json_string(reason));
	json_object_set_new(o, "weight", json_integer(rs->up ? rs->weight : 0));
	json_object_set_new(o, "health_weight", json_integer(rs->weight));
	json_object_set_new(o, "configured_weight", json_integer(rs->cfg->weight));
	json_object_set_new(o, "inhibit_on_failure", json_boolean(rs->cfg->inhibit_on_failure));
	for (size_t k = 0; k < rs->n_chks; k++)
		json_array_append_new(chks, chk_json(rs->chks[k]));
	json_object_set_new(o, "checkers", chks);
	return o;
}

int check_engine_dump(const struct check_engine *e, const char *path)
{
	json_t *root = json_object(), *arr = json_array();

	for (size_t i = 0; i < e->n_vss; i++) {
		const struct run_vs *v = &e->vss[i];
		json_t *o = json_object(), *rss = json_array();
		size_t up = 0;

		json_object_set_new(o, "name", json_string(v->name));
		if (v->cfg->is_fwmark) {
			json_object_set_new(o, "fwmark", json_integer(v->cfg->fwmark));
		} else {
			json_object_set_new(o, "address", addr_json(&v->cfg->addr));
			json_object_set_new(o, "port", json_integer(v->cfg->port));
		}
		json_object_set_new(o, "protocol", json_string(conf_proto_name(v->cfg->protocol)));
		for (size_t j = 0; j < v->n_rs; j++) {
			up += v->rs[j]->up;
			json_array_append_new(rss, rs_json(v->rs[j]));
		}
		json_object_set_new(o, "real_servers_up", json_integer((json_int_t)up));
		json_object_set_new(o, "real_servers", rss);
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "virtual_servers", arr);
	return json_file_write(root, path);
}

bool check_engine_rs_counters(const struct check_engine *e, size_t vs, size_t rs, uint64_t *checks,
			      uint64_t *failed)
{
	const struct run_rs *r;

	if (vs >= e->n_vss || rs >= e->vss[vs].n_rs)
		return false;
	r = e->vss[vs].rs[rs];
	*checks = *failed = 0;
	for (size_t i = 0; i < r->n_chks; i++) {
		*checks += r->chks[i]->st.n_checks;
		*failed += r->chks[i]->st.n_fail;
	}
	return true;
}
