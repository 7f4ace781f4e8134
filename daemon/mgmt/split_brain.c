/* split_brain.c - the split-brain decision (split_brain.h). */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/split_brain.h"

const char *sb_status_name(enum sb_status s)
{
	switch (s) {
	case SB_OK: return "ok";
	case SB_SUSPECT: return "suspect";
	case SB_SPLIT: return "split";
	case SB_NO_MASTER: return "no-master";
	default: return "unknown";
	}
}

static int rank(enum sb_status s)
{
	switch (s) {
	case SB_SPLIT: return 4;
	case SB_NO_MASTER: return 3;
	case SB_SUSPECT: return 2;
	case SB_OK: return 1;
	default: return 0;
	}
}

enum sb_status sb_worse(enum sb_status a, enum sb_status b)
{
	return rank(a) >= rank(b) ? a : b;
}

bool sb_same_router(const struct sb_inst *self, const struct sb_inst *p)
{
	if (self->vrid != p->vrid || self->family != p->family)
		return false;
	if (!self->n_vips || !p->n_vips)
		return true;
	for (size_t i = 0; i < self->n_vips; i++)
		for (size_t j = 0; j < p->n_vips; j++)
			if (strcmp(self->vips[i], p->vips[j]) == 0)
				return true;
	return false;
}

static void add(char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN], size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN], size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= SB_EVIDENCE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(ev[*n], SB_EVIDENCE_LEN, fmt, ap);
	va_end(ap);
	(*n)++;
}

enum sb_status sb_condition(const struct sb_inst *self, const struct sb_local *local,
			    const struct sb_peer_view *peers, size_t n_peers, const struct sb_track *t,
			    int64_t now_ms, char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN], size_t *n_ev)
{
	/* this round may be the first after a split: all signs so far are its */
	int64_t traces_until = !t ? 0 : t->raw == SB_SPLIT ? now_ms : t->split_end_ms;
	const struct sb_local *signs;
	unsigned masters = self->master ? 1 : 0, unreachable = 0;
	char who[SB_EVIDENCE_LEN] = "";
	bool local_sign = false;

	*n_ev = 0;
	if (self->master)
		snprintf(who, sizeof(who), "this node");
	for (size_t i = 0; i < n_peers; i++) {
		const struct sb_peer_view *p = &peers[i];

		if (!p->reachable) {
			unreachable++;
			continue;
		}
		for (size_t j = 0; j < p->n_insts; j++) {
			const struct sb_inst *o = &p->insts[j];

			if (!o->master || !sb_same_router(self, o))
				continue;
			masters++;
			snprintf(who + strlen(who), sizeof(who) - strlen(who), "%speer %s (%s, priority %d)",
				 *who ? ", " : "", p->name, o->name, o->priority);
			break;          /* one master per peer and router */
		}
	}
	if (masters >= 2) {
		add(ev, n_ev, "%u masters of VRID %d: %s", masters, self->vrid, who);
		return SB_SPLIT;
	}
	/* adverts and ARP claims heard while MASTER are evidence while we are */
	signs = self->master ? local : NULL;
	if (signs && signs->other_last_ms > traces_until && now_ms - local->other_last_ms <= SB_EVIDENCE_AGE_MS &&
	    local->other_streak >= SB_OTHER_STREAK) {
		add(ev, n_ev, "while MASTER, adverts for VRID %d from %s (priority %d), %u in a row", self->vrid,
		    local->other_src, local->other_priority, local->other_streak);
		local_sign = true;
	}
	if (signs && signs->arp_last_ms > traces_until && now_ms - local->arp_last_ms <= SB_EVIDENCE_AGE_MS) {
		add(ev, n_ev, "while MASTER, ARP claims %s for MAC %s (not ours), %llu so far", local->arp_vip,
		    local->arp_mac, (unsigned long long)local->arp_count);
		local_sign = true;
	}
	if (local && local->flaps >= SB_FLAPS) {
		add(ev, n_ev, "%u transitions to MASTER in the last minute", local->flaps);
		local_sign = true;
	}
	if (n_peers && !unreachable && masters == 0) {
		add(ev, n_ev, "no node is MASTER of VRID %d (this node and %zu peer%s answered)", self->vrid, n_peers,
		    n_peers == 1 ? "" : "s");
		return SB_NO_MASTER;
	}
	return local_sign ? SB_SUSPECT : SB_OK;
}

bool sb_step(struct sb_track *t, enum sb_status raw, const char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN],
	     size_t n_ev, int advert_ms, int64_t now_ms)
{
	enum sb_status before = t->status;

	if (t->raw == SB_SPLIT && raw != SB_SPLIT && t->raw_rounds)
		t->split_end_ms = now_ms;
	if (raw != t->raw || !t->raw_rounds) {
		t->raw = raw;
		t->raw_since_ms = now_ms;
		t->raw_rounds = 0;
	}
	t->raw_rounds++;
	if (raw == SB_OK) {
		if (t->status == SB_UNKNOWN || (t->status != SB_OK && t->raw_rounds >= SB_CLEAR_ROUNDS)) {
			t->status = SB_OK;
			t->n_evidence = 0;
		}
	} else {
		if (raw != t->status && t->raw_rounds >= SB_RAISE_ROUNDS &&
		    (raw != SB_NO_MASTER || now_ms - t->raw_since_ms >= 4LL * (advert_ms > 0 ? advert_ms : 1000)))
			t->status = raw;
		if (t->status == raw) {     /* the evidence of the status shown stays current */
			memcpy(t->evidence, ev, sizeof(t->evidence[0]) * n_ev);
			t->n_evidence = n_ev;
		}
	}
	if (t->status != before)
		t->since_ms = now_ms;
	return t->status != before;
}

/* -1, 0, 1 as address a is below, equal to, above b (same family); text
 * that is no address sorts first */
static int addr_cmp(int family, const char *a, const char *b)
{
	unsigned char x[16] = { 0 }, y[16] = { 0 };
	int ok_a = a && inet_pton(family, a, x) == 1, ok_b = b && inet_pton(family, b, y) == 1;

	if (!ok_a || !ok_b)
		return ok_a - ok_b;
	return memcmp(x, y, family == AF_INET6 ? 16 : 4);
}

bool sb_should_yield(const struct sb_inst *self, const struct sb_peer_view *peers, size_t n_peers, char *to,
		     size_t to_len, char *why, size_t why_len)
{
	if (!self->master)
		return false;
	for (size_t i = 0; i < n_peers; i++) {
		if (!peers[i].reachable)
			continue;
		for (size_t j = 0; j < peers[i].n_insts; j++) {
			const struct sb_inst *o = &peers[i].insts[j];

			if (!o->master || !sb_same_router(self, o))
				continue;
			if (o->priority > self->priority ||
			    (o->priority == self->priority && addr_cmp(self->family, o->address, self->address) > 0)) {
				snprintf(to, to_len, "%s", peers[i].name);
				snprintf(why, why_len, "peer %s (%s, priority %d; ours %d)", peers[i].name,
					 o->address ? o->address : "?", o->priority, self->priority);
				return true;
			}
		}
	}
	return false;
}

bool sb_still_master(const struct sb_inst *self, const struct sb_peer_view *peers, size_t n_peers,
		     const char *peer)
{
	for (size_t i = 0; i < n_peers; i++) {
		if (strcmp(peers[i].name, peer) != 0 || !peers[i].reachable)
			continue;
		for (size_t j = 0; j < peers[i].n_insts; j++)
			if (peers[i].insts[j].master && sb_same_router(self, &peers[i].insts[j]))
				return true;
	}
	return false;
}
