/*
 * lb_build.c - see lb_build.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "lb/lb_build.h"
#include "lb/lb_diff.h"

/* A netmask as a prefix length (persistence_granularity); 0 when unset. */
static int mask_prefix(const struct conf_addr *m)
{
	const unsigned char *b = (const unsigned char *)&m->u;
	size_t len = m->family == AF_INET ? 4 : m->family == AF_INET6 ? 16 : 0;
	int n = 0;

	for (size_t i = 0; i < len; i++)
		for (int bit = 7; bit >= 0 && (b[i] >> bit & 1); bit--)
			n++;
	return n;
}

static enum lb_proto proto_of(enum conf_proto p)
{
	return p == CONF_PROTO_UDP ? LB_PROTO_UDP : p == CONF_PROTO_SCTP ? LB_PROTO_SCTP : LB_PROTO_TCP;
}

static enum lb_fwd fwd_of(enum conf_lb_kind k)
{
	return k == CONF_LB_DR ? LB_FWD_DR : k == CONF_LB_TUN ? LB_FWD_TUN : LB_FWD_NAT;
}

static void service_key(const struct conf_vs *vs, struct lb_svc_key *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto_of(vs->protocol);
	if (vs->is_fwmark) {
		k->fwmark = vs->fwmark;
		/* a fwmark service's family is its real servers' */
		k->af = vs->n_rs && vs->rs[0].addr.family == AF_INET6 ? AF_INET6 : AF_INET;
		return;
	}
	k->af = vs->addr.family;
	k->addr = conf_vaddr(&vs->addr);
	k->port = (uint16_t)vs->port;
}

static void service_conf(const struct conf_vs *vs, int af, struct lb_svc_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->sched, sizeof(c->sched), "%s", vs->sched ? vs->sched : LB_SCHED_DEFAULT);
	if (vs->persistent) {
		c->flags |= LB_SVC_F_PERSISTENT;
		c->timeout = (uint32_t)vs->persistence_timeout;
		c->persist_prefix = mask_prefix(&vs->persistence_granularity);
	}
	if (vs->ops)
		c->flags |= LB_SVC_F_ONEPACKET;
	lb_svc_conf_normalize(c, af);
}

bool lb_quorum_next(bool had_quorum, long alive_weight, int quorum, int hysteresis)
{
	if (had_quorum)
		return alive_weight >= (long)quorum - hysteresis;
	return alive_weight >= (long)quorum + hysteresis;
}

int lb_model_from_conf(const struct conf *c, lb_health_fn health, lb_quorum_fn quorum, void *arg,
		       struct lb_model *out)
{
	memset(out, 0, sizeof(*out));
	out->svcs = calloc(c->n_vss ? c->n_vss : 1, sizeof(*out->svcs));
	if (!out->svcs)
		return -1;
	for (size_t i = 0; i < c->n_vss; i++) {
		const struct conf_vs *vs = &c->vss[i];
		struct lb_service *s = &out->svcs[out->n_svcs++];
		size_t alive = 0;

		service_key(vs, &s->key);
		service_conf(vs, s->key.af, &s->conf);
		s->dests = calloc(vs->n_rs + 1, sizeof(*s->dests));
		if (!s->dests) {
			lb_model_free(out);
			return -1;
		}
		for (size_t j = 0; j < vs->n_rs; j++) {
			const struct conf_rs *rs = &vs->rs[j];
			bool up = false;
			int weight = rs->weight, override = LB_OVERRIDE_NONE, w;
			struct lb_dest *d;

			if (!health(arg, i, j, &up, &weight, &override))
				up = false;
			w = lb_effective_weight(weight, up, rs->inhibit_on_failure, override);
			if (up)
				alive++;
			if (w == LB_WEIGHT_ABSENT)
				continue;
			d = &s->dests[s->n_dests++];
			d->key.addr = conf_vaddr(&rs->addr);
			d->key.port = (uint16_t)(rs->port ? rs->port : vs->port);
			d->conf.fwd = fwd_of(vs->kind);
			d->conf.weight = w;
			d->conf.u_thresh = (uint32_t)rs->uthreshold;
			d->conf.l_thresh = (uint32_t)rs->lthreshold;
		}
		/* keepalived's sorry_server: the pool's stand-in while no real
		 * server is up, or too few (quorum). */
		if ((!alive || (quorum && !quorum(arg, i))) && vs->has_sorry_server) {
			struct lb_dest *d = &s->dests[s->n_dests++];

			d->key.addr = conf_vaddr(&vs->sorry_addr);
			d->key.port = (uint16_t)(vs->sorry_port ? vs->sorry_port : vs->port);
			d->conf.fwd = fwd_of(vs->kind);
			d->conf.weight = 1;
		}
	}
	return 0;
}

void lb_conf_keys(const struct conf *c, size_t vs, size_t rs, char vs_key[LB_KEY_STRLEN],
		  char rs_key[LB_KEY_STRLEN])
{
	const struct conf_vs *v = &c->vss[vs];
	struct lb_svc_key k;

	service_key(v, &k);
	lb_svc_key_str(&k, vs_key);
	if (rs < v->n_rs) {
		struct lb_dest_key d = {
			.addr = conf_vaddr(&v->rs[rs].addr),
			.port = (uint16_t)(v->rs[rs].port ? v->rs[rs].port : v->port),
		};

		lb_dest_key_str(&d, rs_key);
	} else {
		rs_key[0] = '\0';
	}
}

void lb_model_free(struct lb_model *m)
{
	for (size_t i = 0; i < m->n_svcs; i++)
		free(m->svcs[i].dests);
	free(m->svcs);
	memset(m, 0, sizeof(*m));
}

static const struct lb_service *find_svc(const struct lb_model *m, const struct lb_svc_key *k)
{
	for (size_t i = 0; i < m->n_svcs; i++)
		if (lb_svc_key_cmp(&m->svcs[i].key, k) == 0)
			return &m->svcs[i];
	return NULL;
}

static bool has_dest(const struct lb_service *s, const struct lb_dest_key *k)
{
	for (size_t i = 0; i < s->n_dests; i++)
		if (lb_dest_key_cmp(&s->dests[i].key, k) == 0)
			return true;
	return false;
}

int lb_adopt(const struct lb_model *desired, const struct lb_kernel *kernel, struct lb_owned *owned)
{
	int n = 0;

	for (size_t i = 0; i < kernel->n_svcs; i++) {
		const struct lb_kservice *ks = &kernel->svcs[i];
		const struct lb_service *want = find_svc(desired, &ks->key);
		struct lb_op op = { .kind = LB_OP_ADD_SVC, .svc = ks->key };

		if (!want)
			continue;
		if (!lb_owned_has_svc(owned, &ks->key)) {
			if (lb_owned_note(owned, &op) < 0)
				return -1;
			n++;
		}
		for (size_t j = 0; j < ks->n_dests; j++) {
			const struct lb_dest_key *dk = &ks->dests[j].key;

			if (!has_dest(want, dk) || lb_owned_has_dest(owned, &ks->key, dk))
				continue;
			op.kind = LB_OP_ADD_DEST;
			op.dest = *dk;
			if (lb_owned_note(owned, &op) < 0)
				return -1;
			n++;
		}
	}
	return n;
}
