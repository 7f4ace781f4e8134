/*
 * lb_diff.c - see lb_diff.h.
 *
 * Lookups go through sorted arrays of pointers (qsort + bsearch), so a
 * reconcile of ten thousand real servers costs milliseconds, not a
 * quadratic scan on every health change.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb_diff.h"

/* ---- weight ------------------------------------------------------------ */

int lb_effective_weight(int configured, bool healthy, bool inhibit_on_failure, int override)
{
	if (override == LB_OVERRIDE_MAINT)
		return LB_WEIGHT_ABSENT;
	if (!healthy)
		return inhibit_on_failure ? 0 : LB_WEIGHT_ABSENT;
	if (override != LB_OVERRIDE_NONE)
		return override < 0 ? 0 : override;
	return configured < 0 ? 0 : configured;
}

/* ---- keys -------------------------------------------------------------- */

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

static size_t af_len(int af)
{
	return af == AF_INET6 ? sizeof(struct in6_addr) : sizeof(struct in_addr);
}

int lb_svc_key_cmp(const struct lb_svc_key *a, const struct lb_svc_key *b)
{
	int c;

	CMP(a->af, b->af);
	CMP(a->fwmark, b->fwmark);
	if (a->fwmark)
		return 0;
	CMP(a->proto, b->proto);
	c = memcmp(&a->addr.u, &b->addr.u, af_len(a->af));
	if (c)
		return c < 0 ? -1 : 1;
	CMP(a->port, b->port);
	return 0;
}

int lb_dest_key_cmp(const struct lb_dest_key *a, const struct lb_dest_key *b)
{
	int c;

	CMP(a->addr.family, b->addr.family);
	c = memcmp(&a->addr.u, &b->addr.u, af_len(a->addr.family));
	if (c)
		return c < 0 ? -1 : 1;
	CMP(a->port, b->port);
	return 0;
}

static int owned_dest_cmp(const struct lb_owned_dest *a, const struct lb_owned_dest *b)
{
	int c = lb_svc_key_cmp(&a->svc, &b->svc);

	return c ? c : lb_dest_key_cmp(&a->dest, &b->dest);
}

void lb_svc_conf_normalize(struct lb_svc_conf *c, int af)
{
	int host = af == AF_INET6 ? 128 : 32;

	if (c->sched[0] == '\0')
		snprintf(c->sched, sizeof(c->sched), "%s", LB_SCHED_DEFAULT);
	c->sched[sizeof(c->sched) - 1] = '\0';
	c->flags &= LB_SVC_F_ALL;
	/* Without persistence IPVS ignores timeout and granularity; pin them
	 * so that a stale value never looks like a change. */
	if (!(c->flags & LB_SVC_F_PERSISTENT)) {
		c->timeout = 0;
		c->persist_prefix = host;
	}
	if (c->persist_prefix <= 0 || c->persist_prefix > host)
		c->persist_prefix = host;
}

static bool svc_conf_equal(const struct lb_svc_conf *a, const struct lb_svc_conf *b)
{
	return strcmp(a->sched, b->sched) == 0 && a->flags == b->flags &&
	       a->timeout == b->timeout && a->persist_prefix == b->persist_prefix;
}

static bool dest_conf_equal(const struct lb_dest_conf *a, const struct lb_dest_conf *b)
{
	return a->fwd == b->fwd && a->weight == b->weight &&
	       a->u_thresh == b->u_thresh && a->l_thresh == b->l_thresh;
}

/* ---- sorted indexes ---------------------------------------------------- */

/* Every struct indexed here starts with its key, so a pointer to the struct
 * is a pointer to its key (C11 6.7.2.1p15). */
static int svc_ptr_cmp(const void *a, const void *b)
{
	return lb_svc_key_cmp(*(const struct lb_svc_key *const *)a, *(const struct lb_svc_key *const *)b);
}

static int dest_ptr_cmp(const void *a, const void *b)
{
	return lb_dest_key_cmp(*(const struct lb_dest_key *const *)a, *(const struct lb_dest_key *const *)b);
}

static int svc_key_qcmp(const void *a, const void *b)
{
	return lb_svc_key_cmp(a, b);
}

static int owned_dest_qcmp(const void *a, const void *b)
{
	return owned_dest_cmp(a, b);
}

static const void *find_ptr(const void *const *v, size_t n, const void *key,
			    int (*cmp)(const void *, const void *))
{
	const void *const *hit = bsearch(&key, v, n, sizeof(*v), cmp);

	return hit ? *hit : NULL;
}

/* Pointers to n structs of `size` bytes, sorted by their leading key. */
static const void **index_new(const void *base, size_t n, size_t size,
			      int (*cmp)(const void *, const void *))
{
	const void **v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = (const char *)base + i * size;
	qsort(v, n, sizeof(*v), cmp);
	return v;
}

static bool has_dup(const void *const *v, size_t n, int (*cmp)(const void *, const void *))
{
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp(&v[i - 1], &v[i]) == 0)
			return true;
	return false;
}

struct diff_ctx {
	const struct lb_model *want;
	const struct lb_kernel *have;
	const void **want_svcs;          /* -> struct lb_service, sorted */
	const void ***want_dests;        /* per want->svcs[i] (model order): -> struct lb_dest, sorted */
	const void **have_svcs;          /* -> struct lb_kservice, sorted */
	const void ***have_dests;        /* per have->svcs[i] (kernel order): -> struct lb_kdest, sorted */
	struct lb_svc_key *own_svcs;     /* sorted copies */
	size_t n_own_svcs;
	struct lb_owned_dest *own_dests;
	size_t n_own_dests;
	struct lb_ops *out;
};

static bool owns_svc(const struct diff_ctx *c, const struct lb_svc_key *k)
{
	return c->n_own_svcs && bsearch(k, c->own_svcs, c->n_own_svcs, sizeof(*k), svc_key_qcmp);
}

static bool owns_dest(const struct diff_ctx *c, const struct lb_svc_key *k, const struct lb_dest_key *d)
{
	struct lb_owned_dest od = { .svc = *k, .dest = *d };

	return c->n_own_dests && bsearch(&od, c->own_dests, c->n_own_dests, sizeof(od), owned_dest_qcmp);
}

static void ctx_free(struct diff_ctx *c)
{
	size_t i;

	if (c->want_dests)
		for (i = 0; i < c->want->n_svcs; i++)
			free(c->want_dests[i]);
	if (c->have_dests)
		for (i = 0; i < c->have->n_svcs; i++)
			free(c->have_dests[i]);
	free(c->want_dests);
	free(c->have_dests);
	free(c->want_svcs);
	free(c->have_svcs);
	free(c->own_svcs);
	free(c->own_dests);
}

static int ctx_init(struct diff_ctx *c)
{
	const struct lb_model *w = c->want;
	const struct lb_kernel *h = c->have;
	size_t i;

	c->want_svcs = index_new(w->svcs, w->n_svcs, sizeof(*w->svcs), svc_ptr_cmp);
	c->have_svcs = index_new(h->svcs, h->n_svcs, sizeof(*h->svcs), svc_ptr_cmp);
	c->want_dests = calloc(w->n_svcs ? w->n_svcs : 1, sizeof(*c->want_dests));
	c->have_dests = calloc(h->n_svcs ? h->n_svcs : 1, sizeof(*c->have_dests));
	if (!c->want_svcs || !c->have_svcs || !c->want_dests || !c->have_dests)
		return -ENOMEM;
	if (has_dup(c->want_svcs, w->n_svcs, svc_ptr_cmp))
		return -EINVAL;
	for (i = 0; i < w->n_svcs; i++) {
		c->want_dests[i] = index_new(w->svcs[i].dests, w->svcs[i].n_dests,
					     sizeof(struct lb_dest), dest_ptr_cmp);
		if (!c->want_dests[i])
			return -ENOMEM;
		if (has_dup(c->want_dests[i], w->svcs[i].n_dests, dest_ptr_cmp))
			return -EINVAL;
	}
	for (i = 0; i < h->n_svcs; i++) {
		c->have_dests[i] = index_new(h->svcs[i].dests, h->svcs[i].n_dests,
					     sizeof(struct lb_kdest), dest_ptr_cmp);
		if (!c->have_dests[i])
			return -ENOMEM;
	}
	if (c->n_own_svcs) {
		c->own_svcs = malloc(c->n_own_svcs * sizeof(*c->own_svcs));
		if (!c->own_svcs)
			return -ENOMEM;
	}
	if (c->n_own_dests) {
		c->own_dests = malloc(c->n_own_dests * sizeof(*c->own_dests));
		if (!c->own_dests)
			return -ENOMEM;
	}
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*v, ncap * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

static int emit(struct lb_ops *o, const struct lb_op *op)
{
	if (grow((void **)&o->ops, &o->cap_ops, o->n_ops, sizeof(*o->ops)) < 0)
		return -ENOMEM;
	o->ops[o->n_ops++] = *op;
	return 0;
}

static int conflict(struct lb_ops *o, const struct lb_svc_key *k, const struct lb_dest_key *d)
{
	struct lb_conflict *cf;

	if (grow((void **)&o->conflicts, &o->cap_conflicts, o->n_conflicts, sizeof(*o->conflicts)) < 0)
		return -ENOMEM;
	cf = &o->conflicts[o->n_conflicts++];
	memset(cf, 0, sizeof(*cf));
	cf->svc = *k;
	if (d) {
		cf->is_dest = true;
		cf->dest = *d;
	}
	return 0;
}

void lb_ops_free(struct lb_ops *o)
{
	free(o->ops);
	free(o->conflicts);
	memset(o, 0, sizeof(*o));
}

/* ---- the phases -------------------------------------------------------- */

static const struct lb_service *want_svc(const struct diff_ctx *c, const struct lb_svc_key *k)
{
	return find_ptr(c->want_svcs, c->want->n_svcs, k, svc_ptr_cmp);
}

/* 1. Destinations vigil created and no longer wants, in services that stay
 *    (in a service about to be removed they go with it). */
static int delete_dests(struct diff_ctx *c)
{
	size_t i, j;

	for (i = 0; i < c->have->n_svcs; i++) {
		const struct lb_kservice *ks = c->have_svcs[i];
		const struct lb_service *ws = want_svc(c, &ks->key);
		size_t ki = (size_t)(ks - c->have->svcs);
		const void **wd = ws ? c->want_dests[ws - c->want->svcs] : NULL;

		if (!ws && owns_svc(c, &ks->key))
			continue;
		for (j = 0; j < ks->n_dests; j++) {
			const struct lb_kdest *kd = c->have_dests[ki][j];
			struct lb_op op = { .kind = LB_OP_DEL_DEST };

			if (ws && find_ptr(wd, ws->n_dests, &kd->key, dest_ptr_cmp))
				continue;
			if (!owns_dest(c, &ks->key, &kd->key))
				continue;
			op.svc = ks->key;
			op.dest = kd->key;
			if (emit(c->out, &op) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* 2. Services vigil created and no longer wants. */
static int delete_svcs(struct diff_ctx *c)
{
	size_t i;

	for (i = 0; i < c->have->n_svcs; i++) {
		const struct lb_kservice *ks = c->have_svcs[i];
		struct lb_op op = { .kind = LB_OP_DEL_SVC };

		if (want_svc(c, &ks->key) || !owns_svc(c, &ks->key))
			continue;
		op.svc = ks->key;
		if (emit(c->out, &op) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* 3. One desired service: add or edit it, then edit or add its
 *    destinations (ks: the kernel's, NULL when it is not there). */
static int sync_svc(struct diff_ctx *c, const struct lb_service *ws, const struct lb_kservice *ks)
{
	const void **kd_idx = ks ? c->have_dests[ks - c->have->svcs] : NULL;
	struct lb_op op = { .svc = ws->key, .svc_conf = ws->conf };
	size_t j;

	lb_svc_conf_normalize(&op.svc_conf, ws->key.af);
	if (!ks) {
		op.kind = LB_OP_ADD_SVC;
		if (emit(c->out, &op) < 0)
			return -ENOMEM;
	} else if (!owns_svc(c, &ks->key)) {
		return conflict(c->out, &ws->key, NULL);
	} else if (!svc_conf_equal(&op.svc_conf, &ks->conf)) {
		op.kind = LB_OP_EDIT_SVC;
		if (emit(c->out, &op) < 0)
			return -ENOMEM;
	}
	memset(&op.svc_conf, 0, sizeof(op.svc_conf));

	for (j = 0; j < ws->n_dests; j++) {
		const struct lb_dest *wd = &ws->dests[j];
		const struct lb_kdest *kd = ks ? find_ptr(kd_idx, ks->n_dests, &wd->key, dest_ptr_cmp) : NULL;

		op.dest = wd->key;
		op.dest_conf = wd->conf;
		if (!kd) {
			op.kind = LB_OP_ADD_DEST;
		} else if (!owns_dest(c, &ks->key, &kd->key)) {
			if (conflict(c->out, &ws->key, &wd->key) < 0)
				return -ENOMEM;
			continue;
		} else if (!dest_conf_equal(&wd->conf, &kd->conf)) {
			op.kind = LB_OP_EDIT_DEST;
		} else {
			continue;
		}
		if (emit(c->out, &op) < 0)
			return -ENOMEM;
	}
	return 0;
}

int lb_diff(const struct lb_model *desired, const struct lb_kernel *kernel,
	    const struct lb_owned *owned, struct lb_ops *out)
{
	static const struct lb_model none_wanted;
	static const struct lb_kernel none_held;
	static const struct lb_owned none_owned;
	struct diff_ctx c = {
		.want = desired ? desired : &none_wanted,
		.have = kernel ? kernel : &none_held,
		.out = out,
	};
	size_t i;
	int err;

	if (!owned)
		owned = &none_owned;
	c.n_own_svcs = owned->n_svcs;
	c.n_own_dests = owned->n_dests;
	out->n_ops = 0;
	out->n_conflicts = 0;
	err = ctx_init(&c);
	if (err < 0)
		goto out;
	if (c.n_own_svcs) {
		memcpy(c.own_svcs, owned->svcs, c.n_own_svcs * sizeof(*c.own_svcs));
		qsort(c.own_svcs, c.n_own_svcs, sizeof(*c.own_svcs), svc_key_qcmp);
	}
	if (c.n_own_dests) {
		memcpy(c.own_dests, owned->dests, c.n_own_dests * sizeof(*c.own_dests));
		qsort(c.own_dests, c.n_own_dests, sizeof(*c.own_dests), owned_dest_qcmp);
	}

	err = delete_dests(&c);
	if (!err)
		err = delete_svcs(&c);
	for (i = 0; !err && i < c.want->n_svcs; i++) {
		const struct lb_service *ws = &c.want->svcs[i];

		err = sync_svc(&c, ws, find_ptr(c.have_svcs, c.have->n_svcs, &ws->key, svc_ptr_cmp));
	}
out:
	ctx_free(&c);
	if (err < 0) {
		out->n_ops = 0;
		out->n_conflicts = 0;
	}
	return err;
}

/* ---- ownership --------------------------------------------------------- */

bool lb_owned_has_svc(const struct lb_owned *o, const struct lb_svc_key *k)
{
	size_t i;

	for (i = 0; i < o->n_svcs; i++)
		if (lb_svc_key_cmp(&o->svcs[i], k) == 0)
			return true;
	return false;
}

bool lb_owned_has_dest(const struct lb_owned *o, const struct lb_svc_key *k, const struct lb_dest_key *d)
{
	size_t i;

	for (i = 0; i < o->n_dests; i++)
		if (lb_svc_key_cmp(&o->dests[i].svc, k) == 0 && lb_dest_key_cmp(&o->dests[i].dest, d) == 0)
			return true;
	return false;
}

/* Appends without looking for an equal entry first: an add succeeded, so
 * the kernel did not hold the object; a stale duplicate is harmless since
 * deletes remove every match. */
int lb_owned_note(struct lb_owned *o, const struct lb_op *op)
{
	size_t i, n;

	switch (op->kind) {
	case LB_OP_ADD_SVC:
		if (grow((void **)&o->svcs, &o->cap_svcs, o->n_svcs, sizeof(*o->svcs)) < 0)
			return -ENOMEM;
		o->svcs[o->n_svcs++] = op->svc;
		break;
	case LB_OP_ADD_DEST:
		if (grow((void **)&o->dests, &o->cap_dests, o->n_dests, sizeof(*o->dests)) < 0)
			return -ENOMEM;
		o->dests[o->n_dests].svc = op->svc;
		o->dests[o->n_dests].dest = op->dest;
		o->n_dests++;
		break;
	case LB_OP_DEL_SVC:
		for (i = n = 0; i < o->n_svcs; i++)
			if (lb_svc_key_cmp(&o->svcs[i], &op->svc) != 0)
				o->svcs[n++] = o->svcs[i];
		o->n_svcs = n;
		/* The kernel removed the service's destinations with it. */
		for (i = n = 0; i < o->n_dests; i++)
			if (lb_svc_key_cmp(&o->dests[i].svc, &op->svc) != 0)
				o->dests[n++] = o->dests[i];
		o->n_dests = n;
		break;
	case LB_OP_DEL_DEST:
		for (i = n = 0; i < o->n_dests; i++)
			if (lb_svc_key_cmp(&o->dests[i].svc, &op->svc) != 0 ||
			    lb_dest_key_cmp(&o->dests[i].dest, &op->dest) != 0)
				o->dests[n++] = o->dests[i];
		o->n_dests = n;
		break;
	case LB_OP_EDIT_SVC:
	case LB_OP_EDIT_DEST:
		break;
	}
	return 0;
}

void lb_owned_free(struct lb_owned *o)
{
	free(o->svcs);
	free(o->dests);
	memset(o, 0, sizeof(*o));
}

/* ---- text -------------------------------------------------------------- */

static const char *proto_name(enum lb_proto p)
{
	switch (p) {
	case LB_PROTO_TCP: return "TCP";
	case LB_PROTO_UDP: return "UDP";
	case LB_PROTO_SCTP: return "SCTP";
	}
	return "?";
}

const char *lb_fwd_name(enum lb_fwd f)
{
	switch (f) {
	case LB_FWD_NAT: return "NAT";
	case LB_FWD_DR: return "DR";
	case LB_FWD_TUN: return "TUN";
	case LB_FWD_OTHER: break;
	}
	return "other";
}

/* "[" address "]:" port */
#define ADDR_PORT_STRLEN (VADDR_STRLEN + 8)

static void addr_port_str(const struct vaddr *a, int af, uint16_t port, char buf[ADDR_PORT_STRLEN])
{
	struct vaddr v = *a;
	char s[VADDR_STRLEN];

	v.family = af;
	vaddr_str(&v, s);
	if (af == AF_INET6)
		snprintf(buf, ADDR_PORT_STRLEN, "[%s]:%u", s, (unsigned)port);
	else
		snprintf(buf, ADDR_PORT_STRLEN, "%s:%u", s, (unsigned)port);
}

const char *lb_svc_key_str(const struct lb_svc_key *k, char buf[LB_KEY_STRLEN])
{
	char ap[ADDR_PORT_STRLEN];

	if (k->fwmark) {
		snprintf(buf, LB_KEY_STRLEN, "FWM %u%s", (unsigned)k->fwmark, k->af == AF_INET6 ? " IPv6" : "");
		return buf;
	}
	addr_port_str(&k->addr, k->af, k->port, ap);
	snprintf(buf, LB_KEY_STRLEN, "%s %s", proto_name(k->proto), ap);
	return buf;
}

const char *lb_dest_key_str(const struct lb_dest_key *d, char buf[LB_KEY_STRLEN])
{
	char ap[ADDR_PORT_STRLEN];

	addr_port_str(&d->addr, d->addr.family, d->port, ap);
	snprintf(buf, LB_KEY_STRLEN, "%s", ap);
	return buf;
}

const char *lb_op_str(const struct lb_op *op, char buf[LB_OP_STRLEN])
{
	char s[LB_KEY_STRLEN], d[LB_KEY_STRLEN], extra[64] = "";
	const struct lb_svc_conf *sc = &op->svc_conf;
	const struct lb_dest_conf *dc = &op->dest_conf;
	bool add = op->kind == LB_OP_ADD_SVC || op->kind == LB_OP_ADD_DEST;
	uint32_t other = sc->flags & ~(uint32_t)LB_SVC_F_PERSISTENT;
	size_t n;

	lb_svc_key_str(&op->svc, s);
	lb_dest_key_str(&op->dest, d);
	switch (op->kind) {
	case LB_OP_ADD_SVC:
	case LB_OP_EDIT_SVC:
		n = 0;
		if (sc->flags & LB_SVC_F_PERSISTENT)
			n = (size_t)snprintf(extra, sizeof(extra), ", persistent %u s /%d",
					     (unsigned)sc->timeout, sc->persist_prefix);
		if (other && n < sizeof(extra))
			snprintf(extra + n, sizeof(extra) - n, ", flags 0x%x", (unsigned)other);
		snprintf(buf, LB_OP_STRLEN, "%s service %s (%s%s)", add ? "add" : "edit", s, sc->sched, extra);
		break;
	case LB_OP_DEL_SVC:
		snprintf(buf, LB_OP_STRLEN, "delete service %s", s);
		break;
	case LB_OP_ADD_DEST:
	case LB_OP_EDIT_DEST:
		if (dc->u_thresh || dc->l_thresh)
			snprintf(extra, sizeof(extra), ", thresholds %u/%u",
				 (unsigned)dc->u_thresh, (unsigned)dc->l_thresh);
		snprintf(buf, LB_OP_STRLEN, "%s destination %s %s %s (%s, weight %d%s)",
			 add ? "add" : "edit", d, add ? "to" : "in", s, lb_fwd_name(dc->fwd), dc->weight, extra);
		break;
	case LB_OP_DEL_DEST:
		snprintf(buf, LB_OP_STRLEN, "delete destination %s from %s", d, s);
		break;
	}
	return buf;
}
