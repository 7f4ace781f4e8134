/*
 * conf_check.c - what can only be judged once the whole file is read:
 * values inherited from global_defs (which may come last), names resolved
 * to indexes, and the checks that involve two places, which name both.
 *
 * Everything here is O(n log n): names and keys are sorted, never compared
 * pairwise, so a config with 100000 instances is checked in a blink.
 */
#include <stdlib.h>
#include <string.h>

#include "conf/conf_int.h"

static const char *fam(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* The second place a message names: "line N" in the same file as the
 * message's own place, "FILE:N" in another. */
static const char *at(char buf[], size_t len, const struct conf_loc *l,
		      const struct conf_loc *here)
{
	if (l->file && here->file && strcmp(l->file, here->file) == 0)
		snprintf(buf, len, "line %d", l->line);
	else
		snprintf(buf, len, "%s:%d", l->file ? l->file : "?", l->line);
	return buf;
}

static const struct conf_loc *loc_or(const struct conf_loc *a, const struct conf_loc *b)
{
	return a->line ? a : b;
}

/* ------------------------------------------------------------------ */
/* Names                                                                */

struct nidx {
	const char *name;
	size_t i;
};

static int cmp_nidx(const void *pa, const void *pb)
{
	const struct nidx *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);

	if (r)
		return r;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* The objects' names sorted (ties in file order). */
static struct nidx *index_names(const void *base, size_t n, size_t stride, size_t name_off)
{
	struct nidx *v = conf_xmalloc(n * sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i].name = *(char *const *)(const void *)((const char *)base + i * stride + name_off);
		v[i].i = i;
	}
	qsort(v, n, sizeof(*v), cmp_nidx);
	return v;
}

/* The first object named `name`, -1 if none. */
static int lookup(const struct nidx *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(v[lo].name, name) == 0 ? (int)v[lo].i : -1;
}

static void report_dups(struct conf_ctx *x, const struct nidx *v, size_t n, const void *base,
			size_t stride, const char *what)
{
	char a[512];

	for (size_t k = 1, first = 0; k < n; k++) {
		const struct conf_loc *l1, *l2;

		if (strcmp(v[k].name, v[first].name) != 0) {
			first = k;
			continue;
		}
		/* every struct named here starts with its loc */
		l1 = (const void *)((const char *)base + v[first].i * stride);
		l2 = (const void *)((const char *)base + v[k].i * stride);
		conf_err(x, l2, "%s '%s' is defined twice (first at %s): give each %s its own "
			 "name", what, conf_show(x, v[k].name), at(a, sizeof(a), l1, l2), what);
	}
}

/* " (did you mean 'X'?)" when a defined name is close; only for short
 * lists, so a hostile file cannot make this quadratic. */
static void suggest(const struct nidx *v, size_t n, const char *name, char *out, size_t len)
{
	int best = 3;

	out[0] = '\0';
	if (n > 64)
		return;
	for (size_t k = 0; k < n; k++) {
		int d = conf_edit_distance(name, v[k].name, 2);

		if (d < best) {
			best = d;
			snprintf(out, len, " (did you mean '%.60s'?)", v[k].name);
		}
	}
}

static void resolve_refs(struct conf_ctx *x, struct conf_track_ref *r, size_t n,
			 const struct nidx *ix, size_t n_ix, const char *ref_kw,
			 const char *def_kw, const char *owner)
{
	char hint[96];

	for (size_t i = 0; i < n; i++) {
		r[i].index = lookup(ix, n_ix, r[i].name);
		if (r[i].index >= 0)
			continue;
		suggest(ix, n_ix, r[i].name, hint, sizeof(hint));
		conf_err(x, &r[i].loc, "%s '%s' in %s: no %s named '%s'%s; define it or remove "
			 "the reference", ref_kw, conf_show(x, r[i].name), owner, def_kw,
			 conf_show(x, r[i].name), hint);
	}
}

/* ------------------------------------------------------------------ */
/* Sync groups                                                          */

static void resolve_sync_groups(struct conf_ctx *x, const struct nidx *vix)
{
	struct conf *c = x->c;
	char a[512], hint[96];

	for (size_t gi = 0; gi < c->n_sync_groups; gi++) {
		struct conf_sync_group *g = &c->sync_groups[gi];

		for (size_t m = 0; m < g->n_members; m++) {
			int vi = lookup(vix, c->n_vrrps, g->members[m]);
			struct conf_vrrp *v;

			g->member_index[m] = vi;
			if (vi < 0) {
				suggest(vix, c->n_vrrps, g->members[m], hint, sizeof(hint));
				conf_err(x, &g->member_locs[m], "vrrp_sync_group %s: no "
					 "vrrp_instance named '%s'%s; define it or remove it from "
					 "the group", conf_show(x, g->name),
					 conf_show(x, g->members[m]), hint);
				continue;
			}
			v = &c->vrrps[vi];
			if (v->sync_group < 0) {
				v->sync_group = (int)gi;
			} else if (v->sync_group == (int)gi) {
				conf_warn(x, &g->member_locs[m], "vrrp_sync_group %s lists "
					  "'%s' twice: remove one", conf_show(x, g->name),
					  conf_show(x, g->members[m]));
			} else {
				const struct conf_sync_group *o = &c->sync_groups[v->sync_group];

				conf_err(x, &g->member_locs[m], "vrrp_instance %s is in two sync "
					 "groups, %s (%s) and %s: an instance can be in one group "
					 "only; remove it from one", conf_show(x, v->name),
					 conf_show(x, o->name), at(a, sizeof(a), &o->loc, &g->member_locs[m]),
					 conf_show(x, g->name));
			}
		}
		if (g->n_members == 1)
			conf_warn(x, &g->loc, "vrrp_sync_group %s has only one member: a group "
				  "synchronises several instances; add the others or remove the "
				  "group", conf_show(x, g->name));
	}
}

/* ------------------------------------------------------------------ */
/* vrrp_instance                                                        */

static void inherit(struct conf_ctx *x, struct conf_vrrp *v, const struct conf_vrrp_extra *e)
{
	const struct conf_global *g = &x->c->global;

	if (!e->version_set)
		v->version = g->vrrp_version;
	if (!e->accept_set)
		v->accept = !g->vrrp_strict;
	if (!e->garp_delay_set)
		v->garp_master_delay = g->garp_master_delay;
	if (!e->garp_repeat_set)
		v->garp_master_repeat = g->garp_master_repeat;
	if (!e->garp_refresh_set)
		v->garp_master_refresh = g->garp_master_refresh;
	if (!e->garp_refresh_repeat_set)
		v->garp_master_refresh_repeat = g->garp_master_refresh_repeat;
	if (v->native_ipv6)
		v->family = AF_INET6;
	else if (v->n_vips)
		v->family = v->vips[0].addr.family;
	else
		v->family = AF_INET;
}

/* RFC 3768 5.3.7: VRRPv2 advertises whole seconds, 1..255.  RFC 5798
 * 5.2.7: VRRPv3 counts centiseconds in 12 bits, 0.01..40.95 s. */
static void check_advert(struct conf_ctx *x, struct conf_vrrp *v, const struct conf_loc *l)
{
	double a = v->advert_int;

	/* No libm: the values are small and positive where it matters. */
	if (v->version == 3) {
		double cs = (double)(long)(a * 100 + 0.5), diff = cs - a * 100;

		if (a < 0.01 || a > 40.95) {
			conf_err(x, l, "advert_int %g is out of range: use 0.01..40.95 s in steps "
				 "of 0.01 (VRRPv3)", a);
		} else if (diff > 1e-6 || diff < -1e-6) {
			conf_warn_differs(x, l, "advert_int %g is not a multiple of 0.01 s: "
					  "rounded to %.2f (VRRPv3 counts centiseconds); write "
					  "that", a, cs / 100);
			v->advert_int = cs / 100;
		}
		return;
	}
	if (a <= 0 || a > 255)
		conf_err(x, l, "advert_int %g is out of range: use 1..255 s for VRRPv2 "
			 "(or 'version 3' for 0.01..40.95 s)", a);
	else if (a < 1)
		conf_warn(x, l, "advert_int %g is below 1 s: not RFC 3768 compliant, VRRPv2 "
			  "peers may disagree; use 1..255 or 'version 3'", a);
	else if (a != (double)(long)a)
		conf_warn(x, l, "advert_int %g is not a whole number of seconds: not RFC 3768 "
			  "compliant, VRRPv2 sends whole seconds; use 1..255 or 'version 3'", a);
}

static void check_families(struct conf_ctx *x, const struct conf_vrrp *v,
			   const struct conf_vrrp_extra *e)
{
	char s1[CONF_ADDR_STRLEN], s2[CONF_ADDR_STRLEN];
	const char *why = v->native_ipv6 ? "native_ipv6" : v->n_vips ? "its first "
			  "virtual_ipaddress" : "it has no virtual_ipaddress";

	for (size_t k = 0; k < v->n_vips; k++) {
		const struct conf_vip *vip = &v->vips[k];

		if (vip->addr.family == v->family)
			continue;
		if (k == 0)
			conf_err(x, &vip->loc, "virtual_ipaddress %s is %s but vrrp_instance %s "
				 "is IPv6 (native_ipv6): use IPv6 addresses or remove native_ipv6",
				 conf_addr_str(&vip->addr, s1), fam(vip->addr.family),
				 conf_show(x, v->name));
		else
			conf_err(x, &vip->loc, "virtual_ipaddress of vrrp_instance %s mixes IPv4 "
				 "and IPv6: %s is %s but the first address %s is %s; move the "
				 "other family's addresses to virtual_ipaddress_excluded or to a "
				 "second instance", conf_show(x, v->name),
				 conf_addr_str(&vip->addr, s1), fam(vip->addr.family),
				 conf_addr_str(&v->vips[0].addr, s2), fam(v->family));
	}
	if (v->mcast_src_ip.family && v->mcast_src_ip.family != v->family)
		conf_err(x, loc_or(&e->mcast_src_loc, &v->loc), "mcast_src_ip %s is %s but "
			 "vrrp_instance %s is %s (%s): use an %s source address",
			 conf_addr_str(&v->mcast_src_ip, s1), fam(v->mcast_src_ip.family),
			 conf_show(x, v->name), fam(v->family), why, fam(v->family));
	if (v->unicast_src_ip.family && v->unicast_src_ip.family != v->family)
		conf_err(x, loc_or(&e->unicast_src_loc, &v->loc), "unicast_src_ip %s is %s but "
			 "vrrp_instance %s is %s (%s): use an %s source address",
			 conf_addr_str(&v->unicast_src_ip, s1), fam(v->unicast_src_ip.family),
			 conf_show(x, v->name), fam(v->family), why, fam(v->family));
	for (size_t k = 0; k < v->n_unicast_peers; k++)
		if (v->unicast_peers[k].family != v->family)
			conf_err(x, loc_or(&e->peer_locs[k], &v->loc), "unicast_peer %s is %s but "
				 "vrrp_instance %s is %s (%s): peers must be of the instance's "
				 "family", conf_addr_str(&v->unicast_peers[k], s1),
				 fam(v->unicast_peers[k].family), conf_show(x, v->name),
				 fam(v->family), why);
}

static void check_labels(struct conf_ctx *x, const struct conf_vrrp *v)
{
	for (size_t k = 0; k < v->n_vips; k++) {
		const struct conf_vip *vip = &v->vips[k];
		const char *dev = vip->dev ? vip->dev : v->interface;

		if (vip->label && dev && strncmp(vip->label, dev, strlen(dev)) != 0)
			conf_warn(x, &vip->loc, "label '%s' does not start with the interface "
				  "name '%s': the kernel refuses such labels; use '%s:N'",
				  conf_show(x, vip->label), conf_show(x, dev), conf_show(x, dev));
	}
}

static void check_instance(struct conf_ctx *x, struct conf_vrrp *v, struct conf_vrrp_extra *e)
{
	const char *name = conf_show(x, v->name);

	v->auth_loc = e->auth_loc;
	if (!v->interface && !e->iface_written)
		conf_err(x, &v->loc, "vrrp_instance %s has no interface: add 'interface IFNAME' "
			 "(the interface VRRP runs on)", name);
	if (!v->vrid && !e->vrid_written)
		conf_err(x, &v->loc, "vrrp_instance %s has no virtual_router_id: add "
			 "'virtual_router_id 1..255', the same on every node of the instance",
			 name);
	if (!v->n_vips && !e->vips_written)
		conf_warn(x, &v->loc, "vrrp_instance %s has no virtual_ipaddress: it moves no "
			  "address; add 'virtual_ipaddress { ADDRESS }'", name);
	check_advert(x, v, loc_or(&e->advert_loc, &v->loc));
	check_families(x, v, e);
	check_labels(x, v);

	if (v->nopreempt && v->state == CONF_STATE_MASTER)
		conf_warn(x, loc_or(&e->nopreempt_loc, &v->loc), "nopreempt needs state BACKUP "
			  "to have effect, but vrrp_instance %s has state MASTER: set "
			  "'state BACKUP' on every node", conf_show(x, v->name));
	if (v->priority == 255 && v->state == CONF_STATE_BACKUP)
		conf_warn(x, loc_or(&e->priority_loc, &v->loc), "priority 255 is for the owner "
			  "of the addresses, which is always MASTER, but vrrp_instance %s has "
			  "state BACKUP: use state MASTER or a priority 1..254",
			  conf_show(x, v->name));
	if (v->version == 3 && v->auth_type != CONF_AUTH_NONE)
		conf_warn_differs(x, loc_or(&e->auth_loc, &v->loc), "authentication is ignored: "
				  "VRRPv3 (RFC 5798) has none, and vrrp_instance %s uses version "
				  "3; remove the authentication block", conf_show(x, v->name));
	else if (v->auth_type == CONF_AUTH_AH)
		conf_warn_differs(x, loc_or(&e->auth_loc, &v->loc), "auth_type AH in vrrp_instance "
				  "%s: vigil does not implement IPsec AH and sends its adverts "
				  "without authentication, so it and a keepalived node using AH do "
				  "not hear each other (both become MASTER); use auth_type PASS, or "
				  "no authentication, on every node", conf_show(x, v->name));
	else if (!e->auth_type_written && v->auth_pass[0])
		conf_warn(x, loc_or(&e->auth_loc, &v->loc), "auth_pass without auth_type in "
			  "vrrp_instance %s: no authentication is used; add 'auth_type PASS'",
			  conf_show(x, v->name));
	else if (v->auth_type == CONF_AUTH_PASS && !v->auth_pass[0])
		conf_warn(x, loc_or(&e->auth_loc, &v->loc), "auth_type PASS without auth_pass "
			  "in vrrp_instance %s: the password is empty; add 'auth_pass SECRET'",
			  conf_show(x, v->name));
}

/* Two instances with one VRID on one link and family are one virtual
 * router to the peers (RFC 5798 5.2.3): they would fight. */
struct vrid_key {
	const struct conf_vrrp *v;
	size_t i;
};

static int cmp_vrid(const void *pa, const void *pb)
{
	const struct vrid_key *a = pa, *b = pb;
	int r = strcmp(a->v->interface, b->v->interface);

	if (r)
		return r;
	if (a->v->family != b->v->family)
		return a->v->family < b->v->family ? -1 : 1;
	if (a->v->vrid != b->v->vrid)
		return a->v->vrid < b->v->vrid ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static void check_vrids(struct conf_ctx *x)
{
	struct conf *c = x->c;
	struct vrid_key *k = conf_xmalloc(c->n_vrrps * sizeof(*k));
	size_t n = 0;
	char a[512];

	for (size_t i = 0; i < c->n_vrrps; i++)
		if (c->vrrps[i].interface && c->vrrps[i].vrid)
			k[n++] = (struct vrid_key){ &c->vrrps[i], i };
	qsort(k, n, sizeof(*k), cmp_vrid);
	for (size_t j = 1, first = 0; j < n; j++) {
		const struct conf_vrrp *v1 = k[first].v, *v2 = k[j].v;

		if (strcmp(v1->interface, v2->interface) || v1->family != v2->family ||
		    v1->vrid != v2->vrid) {
			first = j;
			continue;
		}
		conf_err(x, loc_or(&x->vx[k[j].i].vrid_loc, &v2->loc), "virtual_router_id %d on "
			 "%s (%s) is used by vrrp_instance %s (%s) and vrrp_instance %s: give "
			 "each instance on one interface its own virtual_router_id", v2->vrid,
			 conf_show(x, v2->interface), fam(v2->family), conf_show(x, v1->name),
			 at(a, sizeof(a), loc_or(&x->vx[k[first].i].vrid_loc, &v1->loc),
			    loc_or(&x->vx[k[j].i].vrid_loc, &v2->loc)),
			 conf_show(x, v2->name));
	}
	free(k);
}

/* ------------------------------------------------------------------ */
/* virtual_server                                                       */

static int cmp_addr(const struct conf_addr *a, const struct conf_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return a->family == AF_INET ? memcmp(&a->u.v4, &b->u.v4, sizeof(a->u.v4))
				    : memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6));
}

struct ep_key {
	bool fwmark;
	uint32_t mark;
	const struct conf_addr *addr;
	int port;
	int proto;
	size_t i;
};

static int cmp_ep(const void *pa, const void *pb)
{
	const struct ep_key *a = pa, *b = pb;
	int r;

	if (a->fwmark != b->fwmark)
		return a->fwmark ? 1 : -1;
	if (a->fwmark && a->mark != b->mark)
		return a->mark < b->mark ? -1 : 1;
	if (!a->fwmark && (r = cmp_addr(a->addr, b->addr)) != 0)
		return r;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static bool same_ep(const struct ep_key *a, const struct ep_key *b)
{
	struct ep_key x = *a, y = *b;

	x.i = y.i = 0;
	return cmp_ep(&x, &y) == 0;
}

static void vs_name(const struct conf_vs *vs, char *buf, size_t len)
{
	char a[CONF_ADDR_STRLEN];

	if (vs->is_fwmark)
		snprintf(buf, len, "fwmark %u", vs->fwmark);
	else
		snprintf(buf, len, "%s %d", conf_addr_str(&vs->addr, a), vs->port);
}

static void check_real_servers(struct conf_ctx *x, const struct conf_vs *vs)
{
	struct ep_key *k = conf_xmalloc(vs->n_rs * sizeof(*k));
	char vn[96], a[CONF_ADDR_STRLEN], l[512];

	vs_name(vs, vn, sizeof(vn));
	if (!vs->n_rs)
		conf_warn(x, &vs->loc, "virtual_server %s has no real_server: it forwards "
			  "nothing; add 'real_server ADDRESS PORT { ... }'", vn);
	for (size_t i = 0; i < vs->n_rs; i++) {
		const struct conf_rs *rs = &vs->rs[i];

		if (!vs->is_fwmark && !rs->port)
			conf_err(x, &rs->loc, "real_server %s in virtual_server %s has no port: "
				 "write 'real_server %s %d {' (only fwmark services take real "
				 "servers without a port)", conf_addr_str(&rs->addr, a), vn, a,
				 vs->port);
		for (size_t j = 0; j < rs->n_checkers; j++)
			if ((rs->checkers[j].type == CONF_CHK_HTTP ||
			     rs->checkers[j].type == CONF_CHK_SSL) && !rs->checkers[j].n_urls)
				conf_warn(x, &rs->checkers[j].loc, "no url in %s: it cannot "
					  "check anything; add 'url { path / status_code 200 }'",
					  conf_checker_name(rs->checkers[j].type));
		k[i] = (struct ep_key){ false, 0, &rs->addr, rs->port, 0, i };
	}
	qsort(k, vs->n_rs, sizeof(*k), cmp_ep);
	for (size_t j = 1, first = 0; j < vs->n_rs; j++) {
		if (!same_ep(&k[first], &k[j])) {
			first = j;
			continue;
		}
		conf_err(x, &vs->rs[k[j].i].loc, "real_server %s %d appears twice in "
			 "virtual_server %s (first at %s): remove one",
			 conf_addr_str(k[j].addr, a), k[j].port, vn,
			 at(l, sizeof(l), &vs->rs[k[first].i].loc, &vs->rs[k[j].i].loc));
	}
	free(k);
}

static void check_virtual_servers(struct conf_ctx *x)
{
	struct conf *c = x->c;
	struct ep_key *k = conf_xmalloc(c->n_vss * sizeof(*k));
	char vn[96], l[512];

	for (size_t i = 0; i < c->n_vss; i++) {
		const struct conf_vs *vs = &c->vss[i];

		check_real_servers(x, vs);
		k[i] = (struct ep_key){ vs->is_fwmark, vs->fwmark, &vs->addr, vs->port,
					(int)vs->protocol, i };
	}
	qsort(k, c->n_vss, sizeof(*k), cmp_ep);
	for (size_t j = 1, first = 0; j < c->n_vss; j++) {
		if (!same_ep(&k[first], &k[j])) {
			first = j;
			continue;
		}
		vs_name(&c->vss[k[j].i], vn, sizeof(vn));
		conf_err(x, &c->vss[k[j].i].loc, "virtual_server %s %s is defined twice (first "
			 "at %s): merge the two blocks", vn,
			 conf_proto_name(c->vss[k[j].i].protocol),
			 at(l, sizeof(l), &c->vss[k[first].i].loc, &c->vss[k[j].i].loc));
	}
	free(k);
}

/* ------------------------------------------------------------------ */

void conf_check(struct conf_ctx *x)
{
	struct conf *c = x->c;
	struct nidx *six, *tix, *gix, *vix;
	char owner[128];

	for (size_t i = 0; i < c->n_vrrps; i++)
		inherit(x, &c->vrrps[i], &x->vx[i]);

	six = index_names(c->scripts, c->n_scripts, sizeof(*c->scripts),
			  offsetof(struct conf_script, name));
	tix = index_names(c->track_files, c->n_track_files, sizeof(*c->track_files),
			  offsetof(struct conf_track_file, name));
	gix = index_names(c->sync_groups, c->n_sync_groups, sizeof(*c->sync_groups),
			  offsetof(struct conf_sync_group, name));
	vix = index_names(c->vrrps, c->n_vrrps, sizeof(*c->vrrps),
			  offsetof(struct conf_vrrp, name));
	report_dups(x, six, c->n_scripts, c->scripts, sizeof(*c->scripts), "vrrp_script");
	report_dups(x, tix, c->n_track_files, c->track_files, sizeof(*c->track_files),
		    "track_file");
	report_dups(x, gix, c->n_sync_groups, c->sync_groups, sizeof(*c->sync_groups),
		    "vrrp_sync_group");
	report_dups(x, vix, c->n_vrrps, c->vrrps, sizeof(*c->vrrps), "vrrp_instance");

	for (size_t i = 0; i < c->n_vrrps; i++) {
		struct conf_vrrp *v = &c->vrrps[i];

		snprintf(owner, sizeof(owner), "vrrp_instance %s", conf_show(x, v->name));
		resolve_refs(x, v->track_scripts, v->n_track_scripts, six, c->n_scripts,
			     "track_script", "vrrp_script", owner);
		resolve_refs(x, v->track_files, v->n_track_files, tix, c->n_track_files,
			     "track_file", "track_file", owner);
		check_instance(x, v, &x->vx[i]);
	}
	for (size_t i = 0; i < c->n_sync_groups; i++) {
		struct conf_sync_group *g = &c->sync_groups[i];

		snprintf(owner, sizeof(owner), "vrrp_sync_group %s", conf_show(x, g->name));
		resolve_refs(x, g->track_scripts, g->n_track_scripts, six, c->n_scripts,
			     "track_script", "vrrp_script", owner);
	}
	resolve_sync_groups(x, vix);
	check_vrids(x);
	check_virtual_servers(x);

	if (!c->n_vrrps && !c->n_vss && x->n_files)
		conf_warn(x, &(struct conf_loc){ x->files[0], 0 }, "the configuration has no "
			  "vrrp_instance and no virtual_server: vigild will have nothing to do");
	free(six);
	free(tix);
	free(gix);
	free(vix);
}

static bool same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

bool conf_mgmt_same(const struct conf *a, const struct conf *b)
{
	const struct conf_global *x = &a->global, *y = &b->global;

	const struct conf_split_brain *p = &a->split_brain, *q = &b->split_brain;

	if (p->n_peers != q->n_peers || p->interval != q->interval || p->policy != q->policy)
		return false;
	for (size_t i = 0; i < p->n_peers; i++)
		if (!same_text(p->peers[i].name, q->peers[i].name) || !same_text(p->peers[i].url, q->peers[i].url) ||
		    !same_text(p->peers[i].token_file, q->peers[i].token_file))
			return false;
	return same_text(x->router_id, y->router_id) && same_text(x->snmp_socket, y->snmp_socket) &&
	       x->enable_snmp_vrrp == y->enable_snmp_vrrp && x->enable_snmp_checker == y->enable_snmp_checker &&
	       x->enable_snmp_rfc == y->enable_snmp_rfc && x->enable_snmp_rfcv2 == y->enable_snmp_rfcv2 &&
	       x->enable_snmp_rfcv3 == y->enable_snmp_rfcv3 && x->enable_traps == y->enable_traps;
}
