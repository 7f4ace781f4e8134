/*
 * snmp_keepalived.c - KEEPALIVED-MIB (enterprises 9586.100.5): numbers,
 * types and enumerations as that MIB declares them, so a poller written for
 * keepalived reads vigil unchanged.  Indexes are vigil's store ids (stable;
 * keepalived's are list positions that shift on reload).
 *
 * Served: version, routerId; vrrpSyncGroupTable and its member table;
 * vrrpInstanceTable; vrrpTrackedInterfaceTable; vrrpTrackedScriptTable;
 * vrrpAddressTable; vrrpScriptTable; virtualServerTable; realServerTable;
 * the four notifications.  The IPVS traffic counters and rates of the two
 * server tables come from the check process's copy of IPVS's (lb/lb_live.h,
 * at most a few seconds old); without IPVS (no such copy) those columns are
 * absent, not zero; a server that is not in IPVS counts zero.
 *
 * Not served (absent, not made up): virtualServerNameOfGroup (3: vigil has
 * no virtual_server_group), the virtual server's checker defaults (57-59,
 * 65-67: vigil keeps them per checker, see realServerTable 43-51), the
 * tunnel columns (virtualServerTable 68-70, realServerTable 52-54: no
 * tunnel settings), the track_file, BFD and process tables.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "lb/lb_live.h"
#include "mgmt/mgmt_lvs.h"
#include "snmp/snmp_agent.h"
#include "snmp/snmp_mibs.h"

#define KA 1, 3, 6, 1, 4, 1, 9586, 100, 5

static const oid oid_version[] = { KA, 1, 1 };
static const oid oid_router_id[] = { KA, 1, 2 };
static const oid oid_sg_entry[] = { KA, 2, 1, 1 };
static const oid oid_sgm_entry[] = { KA, 2, 2, 1 };
static const oid oid_inst_entry[] = { KA, 2, 3, 1 };
static const oid oid_addr_entry[] = { KA, 2, 6, 1 };
static const oid oid_track_if_entry[] = { KA, 2, 4, 1 };
static const oid oid_track_script_entry[] = { KA, 2, 5, 1 };
static const oid oid_script_entry[] = { KA, 2, 9, 1 };
static const oid oid_vs_entry[] = { KA, 3, 3, 1 };
static const oid oid_rs_entry[] = { KA, 3, 4, 1 };
static const oid oid_trap_sg[] = { KA, 2, 10, 0, 1 };
static const oid oid_trap_inst[] = { KA, 2, 10, 0, 2 };
static const oid oid_trap_rs[] = { KA, 3, 5, 0, 1 };
static const oid oid_trap_quorum[] = { KA, 3, 5, 0, 2 };

enum { TRUE_1 = 1, FALSE_2 = 2 };   /* keepalived's enabled(1)/disabled(2), true(1)/false(2) */

static struct snmp_mibs_conf C;
static const struct snap *S;
static struct snmp_table *t_sg, *t_sgm, *t_inst, *t_addr, *t_vs, *t_rs;
static struct snmp_table *t_script, *t_track_script, *t_track_if;

/* A tracked script's or interface's row: the instance, the track, and
 * the script it names (NULL for an interface). */
struct track_row {
	const struct snap_inst *in;
	const struct snap_track *t;
	const struct snap_script *sc;
};
static struct track_row *track_rows;

/* A sync group: its name, its members (instances of the snapshot), its
 * index (the lowest member id: stable while its members are). */
struct sync_group {
	char *name;
	uint32_t index;
	const struct snap_inst **members;
	size_t n;
	int state;
};
static struct sync_group *G;
static size_t n_G;

/* What an instance's address row points at. */
struct addr_row {
	const struct snap_inst *in;
	const struct snap_vip *vip;
};
static struct addr_row *addr_rows;

/* A member row: group and instance. */
struct member_row {
	const struct sync_group *g;
	const struct snap_inst *in;
};
static struct member_row *member_rows;

/* IPVS's counters: mgmt's copy (mgmt/mgmt_lvs.h); per snapshot row, its
 * record (NULL: not in IPVS). */
static const struct mgmt_lvs *lvs;
static uint64_t lvs_generation;
static bool lvs_columns;        /* the counter columns are served */
static const struct lb_live **vs_live, **rs_live;
static const struct lb_live zero_live;

static long yes_no(bool b)
{
	return b ? TRUE_1 : FALSE_2;
}

static long secs(int ms)
{
	return ms / 1000;
}

static void val_inet(netsnmp_variable_list *vb, int family, const unsigned char *addr)
{
	snmp_val_bytes(vb, addr, family == AF_INET6 ? 16 : family == AF_INET ? 4 : 0);
}

static long inet_type(int family)
{
	return family == AF_INET6 ? 2 : 1;
}

/* ---- scalars ------------------------------------------------------------------- */

static void get_version(netsnmp_variable_list *vb)
{
	snmp_val_str(vb, C.version);
}

static void get_router_id(netsnmp_variable_list *vb)
{
	snmp_val_str(vb, C.router_id);
}

/* ---- vrrpInstanceTable --------------------------------------------------------- */

/* The state the instance is heading for, as keepalived reports it: the one
 * it is in while it takes part in the protocol (so pollers that compare it
 * with vrrpInstanceState see no difference in a steady state), else the
 * configured one (an owner: master). */
static long wanted_state(const struct snap_inst *in)
{
	if (in->state == SNAP_MASTER || in->state == SNAP_BACKUP)
		return in->state;
	return in->config_priority == 255 ? SNAP_MASTER : in->initial;
}

static long base_priority(const struct snap_inst *in)
{
	long p = in->config_priority;

	if (in->ov.kind == SNAP_DEMOTE && p != 255)
		p = p - in->ov.value < 1 ? 1 : p - in->ov.value;
	return p;
}

static int get_inst(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct snap_inst *in = row;
	bool any_notify = in->notify_master[0] || in->notify_backup[0] || in->notify_fault[0] ||
			  in->notify_stop[0] || in->notify[0];
	static const unsigned char group4[4] = { 224, 0, 0, 18 };
	static const unsigned char group6[16] = { 0xff, 0x02, [15] = 0x12 };

	switch (col) {
	case 2: snmp_val_str(vb, in->name); break;
	case 3: snmp_val_int(vb, ASN_UNSIGNED, in->vrid); break;
	case 4: snmp_val_int(vb, ASN_INTEGER, in->state); break;
	case 5: snmp_val_int(vb, ASN_INTEGER, in->initial); break;
	case 6: snmp_val_int(vb, ASN_INTEGER, wanted_state(in)); break;
	case 7: snmp_val_int(vb, ASN_INTEGER, base_priority(in)); break;
	case 8: snmp_val_int(vb, ASN_INTEGER, in->effective_priority); break;
	case 9: snmp_val_int(vb, ASN_INTEGER, in->state == SNAP_MASTER ? 1 : 2); break;
	case 10: snmp_val_str(vb, in->ifname); break;
	case 11: snmp_val_int(vb, ASN_INTEGER, in->track_primary ? 1 : 2); break;
	case 12:     /* seconds for VRRPv2, centiseconds for VRRPv3 (as the MIB says) */
		snmp_val_int(vb, ASN_UNSIGNED, in->version == 3 ? in->advert_ms / 10 : secs(in->advert_ms));
		break;
	case 13: snmp_val_int(vb, ASN_INTEGER, in->preempt ? 1 : 2); break;
	case 14: snmp_val_int(vb, ASN_UNSIGNED, secs(in->preempt_delay_ms)); break;
	case 15: snmp_val_int(vb, ASN_INTEGER, in->auth_type); break;
	case 16: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;      /* no LVS sync daemon */
	case 17: snmp_val_str(vb, ""); break;
	case 18: snmp_val_str(vb, in->sync_group); break;
	case 19: snmp_val_int(vb, ASN_UNSIGNED, secs(in->garp_delay_ms)); break;
	case 20: snmp_val_int(vb, ASN_INTEGER, yes_no(in->smtp_alert)); break;
	case 21: snmp_val_int(vb, ASN_INTEGER, yes_no(any_notify)); break;
	case 22: snmp_val_str(vb, in->notify_master); break;
	case 23: snmp_val_str(vb, in->notify_backup); break;
	case 24: snmp_val_str(vb, in->notify_fault); break;
	case 25: snmp_val_str(vb, in->notify_stop); break;
	case 26: snmp_val_str(vb, in->notify); break;
	case 27: snmp_val_int(vb, ASN_INTEGER, yes_no(in->accept)); break;
	case 28: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;      /* promote_secondaries */
	case 29: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;      /* linkbeat: netlink always */
	case 30: snmp_val_int(vb, ASN_INTEGER, in->version); break;
	case 31: case 32: snmp_val_str(vb, ""); break;
	case 33: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;
	case 34: snmp_val_int(vb, ASN_INTEGER, inet_type(in->family)); break;
	case 35: snmp_val_bytes(vb, in->family == AF_INET6 ? group6 : group4, in->family == AF_INET6 ? 16 : 4); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

static int check_inst(const void *row, unsigned col, const netsnmp_variable_list *vb)
{
	const struct snap_inst *in = row;
	long v;

	if (vb->type != ASN_INTEGER)
		return SNMP_ERR_WRONGTYPE;
	v = *vb->val.integer;
	if (v < 1 || v > 254)
		return SNMP_ERR_WRONGVALUE;
	/* lowering is an operator's demotion; an owner (255) keeps its priority */
	if (in->config_priority == 255 || v > in->config_priority)
		return SNMP_ERR_INCONSISTENTVALUE;
	return SNMP_ERR_NOERROR;
}

static int edit_status(int status)
{
	switch (status) {
	case 0: return SNMP_ERR_NOERROR;
	case 404: return SNMP_ERR_INCONSISTENTNAME;
	case 400: case 409: return SNMP_ERR_INCONSISTENTVALUE;
	default: return SNMP_ERR_GENERR;
	}
}

static void on_edit_done(void *token, int status, const char *text)
{
	if (status)
		log_warnx("snmp: SET refused: %s", text);
	snmp_set_finish(token, edit_status(status));
}

static int send_edit(const char *engine, json_t *req, void *token)
{
	char *text;
	int rc;

	json_object_set_new(req, "who", json_string("snmp (AgentX)"));
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	rc = text && C.edit ? C.edit(engine, text, on_edit_done, token) : -1;
	free(text);
	return rc < 0 ? SNMP_ERR_RESOURCEUNAVAILABLE : SNMP_ERR_NOERROR;
}

static int apply_inst(const void *row, unsigned col, const netsnmp_variable_list *vb, void *token)
{
	const struct snap_inst *in = row;
	long by = in->config_priority - *vb->val.integer;
	json_t *req = by > 0 ? json_pack("{s:s, s:s, s:I, s:s}", "action", "demote", "instance", in->name,
					 "value", (json_int_t)by, "reason", "SET vrrpInstanceBasePriority")
			     : json_pack("{s:s, s:s, s:s}", "action", "undemote", "instance", in->name,
					 "reason", "SET vrrpInstanceBasePriority");

	return req ? send_edit("vrrp", req, token) : SNMP_ERR_RESOURCEUNAVAILABLE;
}

/* ---- vrrpAddressTable ---------------------------------------------------------- */

static long scope_tc(int scope)
{
	/* INET-ADDRESS-MIB's InetScopeType */
	switch (scope) {
	case 254: return 1;     /* host: interfaceLocal */
	case 253: return 2;     /* link: linkLocal */
	case 200: return 5;     /* site: siteLocal */
	default: return 14;     /* global */
	}
}

static int get_addr(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct addr_row *a = row;
	const char *dev = a->vip->dev[0] ? a->vip->dev : a->in->ifname;
	static const unsigned char none[4];

	switch (col) {
	case 2: snmp_val_int(vb, ASN_INTEGER, inet_type(a->vip->family)); break;
	case 3: val_inet(vb, a->vip->family, a->vip->addr); break;
	case 4: snmp_val_bytes(vb, a->vip->brd, memcmp(a->vip->brd, none, 4) ? 4 : 0); break;
	case 5: snmp_val_int(vb, ASN_UNSIGNED, a->vip->prefix); break;
	case 6: snmp_val_int(vb, ASN_INTEGER, scope_tc(a->vip->scope)); break;
	case 7: snmp_val_int(vb, ASN_INTEGER, (long)if_nametoindex(dev)); break;
	case 8: snmp_val_str(vb, dev); break;
	case 9: snmp_val_str(vb, ""); break;
	case 10: snmp_val_int(vb, ASN_INTEGER, a->in->state == SNAP_MASTER ? 1 : 2); break;
	case 11: snmp_val_int(vb, ASN_INTEGER, a->vip->excluded ? 2 : 1); break;
	case 12: snmp_val_bytes(vb, "", 0); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

/* ---- sync groups --------------------------------------------------------------- */

/* keepalived's group state: FAULT if a member is, MASTER if all are, else
 * BACKUP (INIT while all are) */
static int group_state(const struct sync_group *g)
{
	size_t master = 0, init = 0;

	for (size_t i = 0; i < g->n; i++) {
		if (g->members[i]->state == SNAP_FAULT)
			return SNAP_FAULT;
		master += g->members[i]->state == SNAP_MASTER;
		init += g->members[i]->state == SNAP_INIT;
	}
	return master == g->n ? SNAP_MASTER : init == g->n ? SNAP_INIT : SNAP_BACKUP;
}

static int get_sg(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct sync_group *g = row;
	const struct snap_inst *first = g->members[0];

	switch (col) {
	case 2: snmp_val_str(vb, g->name); break;
	case 3: snmp_val_int(vb, ASN_INTEGER, g->state); break;
	case 4: snmp_val_int(vb, ASN_INTEGER, yes_no(first->smtp_alert)); break;
	case 5: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;
	case 6: case 7: case 8: case 9: case 11: snmp_val_str(vb, ""); break;
	case 10: snmp_val_int(vb, ASN_INTEGER, TRUE_1); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

/* ---- vrrpScriptTable, vrrpTrackedScriptTable, vrrpTrackedInterfaceTable ----------- */

static int get_script(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct snap_script *sc = row;

	switch (col) {
	case 2: snmp_val_str(vb, sc->name); break;
	case 3: snmp_val_str(vb, sc->command); break;
	case 4: snmp_val_int(vb, ASN_INTEGER, secs(sc->interval_ms)); break;
	case 5: snmp_val_int(vb, ASN_INTEGER, sc->weight); break;
	case 6: snmp_val_int(vb, ASN_INTEGER, sc->result); break;
	case 7: snmp_val_int(vb, ASN_UNSIGNED, sc->rise); break;
	case 8: snmp_val_int(vb, ASN_UNSIGNED, sc->fall); break;
	case 9: snmp_val_int(vb, ASN_INTEGER, yes_no(sc->reverse)); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

/* The weight a track applies: its own, else its script's (keepalived's rule). */
static int track_weight(const struct track_row *r)
{
	return r->t->weight_set || !r->sc ? r->t->weight : r->sc->weight;
}

static bool track_reverse(const struct track_row *r)
{
	return r->t->reverse || (!r->t->weight_set && r->sc && r->sc->reverse);
}

static int get_track_script(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct track_row *r = row;

	switch (col) {
	case 2: snmp_val_str(vb, r->t->name); break;
	case 3: snmp_val_int(vb, ASN_INTEGER, track_weight(r)); break;
	case 4: snmp_val_int(vb, ASN_INTEGER, yes_no(track_reverse(r))); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

static int get_track_if(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct track_row *r = row;

	switch (col) {
	case 1: snmp_val_str(vb, r->t->name); break;
	case 2: snmp_val_int(vb, ASN_INTEGER, r->t->weight); break;
	case 3: snmp_val_int(vb, ASN_INTEGER, yes_no(r->t->reverse)); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

/* The scripts and every instance's tracked scripts and interfaces. */
static void tracks_refresh(const struct snap *s)
{
	size_t n_ts = 0, n_ti = 0, k = 0;
	uint32_t idx[2];

	snmp_table_begin(t_script, s->n_scripts);
	for (size_t i = 0; i < s->n_scripts; i++) {
		idx[0] = (uint32_t)s->scripts[i].id;
		snmp_table_row(t_script, idx, &s->scripts[i]);
	}
	snmp_table_end(t_script);
	for (size_t i = 0; i < s->n_inst; i++) {
		n_ts += s->inst[i].n_track_scripts;
		n_ti += s->inst[i].n_track_ifs;
	}
	free(track_rows);
	track_rows = calloc(n_ts + n_ti + 1, sizeof(*track_rows));
	if (!track_rows)
		n_ts = n_ti = 0;
	snmp_table_begin(t_track_script, n_ts);
	snmp_table_begin(t_track_if, n_ti);
	for (size_t i = 0; track_rows && i < s->n_inst; i++) {
		const struct snap_inst *in = &s->inst[i];

		idx[0] = (uint32_t)in->id;
		for (size_t j = 0; j < in->n_track_scripts; j++) {
			struct track_row *r = &track_rows[k++];

			*r = (struct track_row){ in, &in->track_scripts[j], snap_script_by_name(s, in->track_scripts[j].name) };
			if (!r->sc)
				continue;
			idx[1] = (uint32_t)r->sc->id;
			snmp_table_row(t_track_script, idx, r);
		}
		for (size_t j = 0; j < in->n_track_ifs; j++) {
			struct track_row *r = &track_rows[k++];

			*r = (struct track_row){ in, &in->track_ifs[j], NULL };
			idx[1] = if_nametoindex(r->t->name);
			if (idx[1])
				snmp_table_row(t_track_if, idx, r);
		}
	}
	snmp_table_end(t_track_script);
	snmp_table_end(t_track_if);
}

static int get_sgm(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct member_row *m = row;

	if (col != 2)
		return SNMP_NOSUCHINSTANCE;
	snmp_val_str(vb, m->in->name);
	return 0;
}

static void groups_free(void)
{
	for (size_t i = 0; i < n_G; i++) {
		free(G[i].name);
		free(G[i].members);
	}
	free(G);
	G = NULL;
	n_G = 0;
}

/* Group the snapshot's instances by sync_group; returns the members. */
static size_t groups_build(const struct snap *s)
{
	size_t members = 0;

	groups_free();
	G = calloc(s->n_inst ? s->n_inst : 1, sizeof(*G));
	if (!G)
		return 0;
	for (size_t i = 0; i < s->n_inst; i++) {
		const struct snap_inst *in = &s->inst[i];
		struct sync_group *g = NULL;
		const struct snap_inst **m;

		if (!in->sync_group[0])
			continue;
		for (size_t j = 0; j < n_G; j++)
			if (strcmp(G[j].name, in->sync_group) == 0)
				g = &G[j];
		if (!g) {
			g = &G[n_G++];
			g->name = strdup(in->sync_group);
			g->index = (uint32_t)in->id;     /* instances come by id: the lowest */
		}
		m = realloc(g->members, (g->n + 1) * sizeof(*m));
		if (!m)
			continue;
		g->members = m;
		g->members[g->n++] = in;
		members++;
	}
	for (size_t j = 0; j < n_G; j++)
		G[j].state = group_state(&G[j]);
	return members;
}

/* ---- virtualServerTable -------------------------------------------------------- */

static long algo(const char *s)
{
	static const char *const names[] = { "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh",
					     "sed", "nq", "fo", "ovf", "mh", "twos" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (long)i + 1;
	return 99;
}

static long up_weight(const struct snap_vs *v)
{
	long w = 0;

	for (size_t i = 0; i < v->n_rs; i++)
		if (v->rs[i].alive)
			w += v->rs[i].config_weight;
	return w;
}

static bool quorum_met(const struct snap_vs *v)
{
	return up_weight(v) >= v->quorum;
}

static const struct lb_live *live_of(const struct lb_live **by_row, const void *row, const void *base,
				     size_t size)
{
	const struct lb_live *l;

	if (!lvs_columns || !by_row)
		return NULL;
	l = by_row[((const char *)row - (const char *)base) / size];
	return l ? l : &zero_live;
}

static void val_gauge(netsnmp_variable_list *vb, uint64_t v)
{
	snmp_val_int(vb, ASN_GAUGE, (long)(v > 0xffffffffu ? 0xffffffffu : v));
}

/* The columns both tables lay out alike: InPkts, OutPkts (Counter32),
 * InBytes, OutBytes (Counter64), then the five rates (Gauge32). */
static int lvs_stats_col(const struct lb_live *l, int c, netsnmp_variable_list *vb)
{
	const struct lb_stats *st = &l->stats;
	const uint64_t rate[5] = { st->cps, st->inpps, st->outpps, st->inbps, st->outbps };

	switch (c) {
	case 0: snmp_val_int(vb, ASN_COUNTER, (long)(st->inpkts & 0xffffffffu)); break;
	case 1: snmp_val_int(vb, ASN_COUNTER, (long)(st->outpkts & 0xffffffffu)); break;
	case 2: snmp_val_u64(vb, st->inbytes); break;
	case 3: snmp_val_u64(vb, st->outbytes); break;
	case 4: case 5: case 6: case 7: case 8: val_gauge(vb, rate[c - 4]); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

/* The 64-bit forms: Conns64, InPkts64, OutPkts64 (Counter64), then each
 * rate as Low, High (the Unsigned32 halves). */
static int lvs_stats64_col(const struct lb_live *l, int c, netsnmp_variable_list *vb)
{
	const struct lb_stats *st = &l->stats;
	const uint64_t rate[5] = { st->cps, st->inpps, st->outpps, st->inbps, st->outbps };
	uint64_t r;

	if (c == 0)
		snmp_val_u64(vb, st->conns);
	else if (c == 1)
		snmp_val_u64(vb, st->inpkts);
	else if (c == 2)
		snmp_val_u64(vb, st->outpkts);
	else if (c < 13) {
		r = rate[(c - 3) / 2];
		snmp_val_int(vb, ASN_UNSIGNED, (long)(((c - 3) % 2 ? r >> 32 : r) & 0xffffffffu));
	} else
		return SNMP_NOSUCHINSTANCE;
	return 0;
}

/* virtualServerStatsConns (27) .. RateOutBPS (36), Conns64 (38) .. RateOutBPSHigh (50) */
static int get_vs_stats(const struct snap_vs *v, unsigned col, netsnmp_variable_list *vb)
{
	const struct lb_live *l = live_of(vs_live, v, S->vs, sizeof(*v));

	if (!l)
		return SNMP_NOSUCHINSTANCE;
	if (col == 27) {
		val_gauge(vb, l->stats.conns);
		return 0;
	}
	if (col >= 28 && col <= 36)
		return lvs_stats_col(l, (int)col - 28, vb);
	if (col >= 38 && col <= 50)
		return lvs_stats64_col(l, (int)col - 38, vb);
	return SNMP_NOSUCHINSTANCE;
}

/* realServerStatsConns (14) .. RateOutBPS (26), Conns64 (27) .. RateOutBPSHigh (39) */
static int get_rs_stats(const struct snap_rs *r, unsigned col, netsnmp_variable_list *vb)
{
	const struct lb_live *l = live_of(rs_live, r, S->rs, sizeof(*r));

	if (!l)
		return SNMP_NOSUCHINSTANCE;
	switch (col) {
	case 14: val_gauge(vb, l->stats.conns); return 0;
	case 15: val_gauge(vb, l->active_conns); return 0;
	case 16: val_gauge(vb, l->inact_conns); return 0;
	case 17: val_gauge(vb, l->persist_conns); return 0;
	default: break;
	}
	if (col >= 18 && col <= 26)
		return lvs_stats_col(l, (int)col - 18, vb);
	if (col >= 27 && col <= 39)
		return lvs_stats64_col(l, (int)col - 27, vb);
	return SNMP_NOSUCHINSTANCE;
}

static int get_vs(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct snap_vs *v = row;

	switch (col) {
	case 2: snmp_val_int(vb, ASN_INTEGER, v->fwmark ? 1 : 2); break;
	case 4: snmp_val_int(vb, ASN_UNSIGNED, v->mark); break;
	case 5: snmp_val_int(vb, ASN_INTEGER, inet_type(v->family)); break;
	case 6: val_inet(vb, v->fwmark ? 0 : v->family, v->addr); break;
	case 7: snmp_val_int(vb, ASN_UNSIGNED, v->port); break;
	case 8: snmp_val_int(vb, ASN_INTEGER, v->protocol); break;
	case 9: snmp_val_int(vb, ASN_INTEGER, algo(v->sched)); break;
	case 10: snmp_val_int(vb, ASN_INTEGER, v->kind); break;
	case 11: snmp_val_int(vb, ASN_INTEGER, quorum_met(v) ? 1 : 2); break;
	case 12: snmp_val_str(vb, v->virtualhost); break;
	case 13: snmp_val_int(vb, ASN_INTEGER, yes_no(v->persistent)); break;
	case 14: snmp_val_int(vb, ASN_UNSIGNED, v->persist_timeout); break;
	case 15: snmp_val_bytes(vb, "", 0); break;
	case 16: snmp_val_int(vb, ASN_UNSIGNED, secs(v->delay_loop_ms)); break;
	case 17: snmp_val_int(vb, ASN_INTEGER, yes_no(v->ha_suspend)); break;
	case 18: snmp_val_int(vb, ASN_INTEGER, yes_no(v->alpha)); break;
	case 19: snmp_val_int(vb, ASN_INTEGER, yes_no(v->omega)); break;
	case 20: snmp_val_int(vb, ASN_UNSIGNED, (long)v->n_rs); break;
	case 21: snmp_val_int(vb, ASN_UNSIGNED, v->rs_up); break;
	case 22: snmp_val_int(vb, ASN_UNSIGNED, v->quorum); break;
	case 23: snmp_val_int(vb, ASN_INTEGER, quorum_met(v) ? 1 : 2); break;
	case 24: snmp_val_str(vb, v->quorum_up); break;
	case 25: snmp_val_str(vb, v->quorum_down); break;
	case 26: snmp_val_int(vb, ASN_UNSIGNED, v->hysteresis); break;
	case 37: snmp_val_int(vb, ASN_INTEGER, yes_no(v->ops)); break;
	case 51: snmp_val_int(vb, ASN_UNSIGNED, 0); break;
	case 52: case 53: case 54: case 55: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;
	case 56: snmp_val_int(vb, ASN_INTEGER, v->inhibit_on_failure ? 2 : 1); break;
	case 60: snmp_val_int(vb, ASN_INTEGER, 1); break;
	case 61: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;
	case 62: case 63: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;
	case 64: snmp_val_int(vb, ASN_UNSIGNED, (long)v->delay_loop_ms * 1000); break;
	case 71: snmp_val_str(vb, v->key); break;
	default: return get_vs_stats(v, col, vb);
	}
	return 0;
}

/* ---- realServerTable ------------------------------------------------------------- */

/* The weight an operator sees: the configured one, or the override's. */
static long rs_weight(const struct snap_rs *r)
{
	if (r->ov.kind == SNAP_WEIGHT)
		return (long)r->ov.value;
	if (r->ov.kind == SNAP_DRAIN)
		return 0;
	return r->config_weight;
}

static int get_rs(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct snap_rs *r = row;
	const struct snap_vs *v = S ? snap_vs_by_id(S, r->vs_id) : NULL;

	switch (col) {
	case 2: snmp_val_int(vb, ASN_INTEGER, 1); break;
	case 3: snmp_val_int(vb, ASN_INTEGER, inet_type(r->family)); break;
	case 4: val_inet(vb, r->family, r->addr); break;
	case 5: snmp_val_int(vb, ASN_UNSIGNED, r->port); break;
	case 6: snmp_val_int(vb, ASN_INTEGER, r->alive ? 1 : 2); break;
	case 7: snmp_val_int(vb, ASN_INTEGER, rs_weight(r)); break;
	case 8: snmp_val_int(vb, ASN_UNSIGNED, r->uthreshold); break;
	case 9: snmp_val_int(vb, ASN_UNSIGNED, r->lthreshold); break;
	case 10: snmp_val_int(vb, ASN_INTEGER, r->inhibit_on_failure ? 2 : 1); break;
	case 11: snmp_val_str(vb, r->notify_up); break;
	case 12: snmp_val_str(vb, r->notify_down); break;
	case 13: snmp_val_int(vb, ASN_UNSIGNED, (long)(r->checks_failed & 0xffffffffu)); break;
	case 40: snmp_val_int(vb, ASN_INTEGER, v ? v->kind : 1); break;
	case 41: snmp_val_str(vb, r->virtualhost); break;
	case 42: snmp_val_int(vb, ASN_INTEGER, yes_no(v && v->alpha)); break;
	case 43: snmp_val_int(vb, ASN_UNSIGNED, r->retry); break;
	case 44: snmp_val_int(vb, ASN_UNSIGNED, secs(r->delay_before_retry_ms)); break;
	case 45: snmp_val_int(vb, ASN_UNSIGNED, secs(r->warmup_ms)); break;
	case 46: snmp_val_int(vb, ASN_UNSIGNED, secs(r->delay_loop_ms)); break;
	case 47: snmp_val_int(vb, ASN_INTEGER, FALSE_2); break;
	case 48: snmp_val_int(vb, ASN_UNSIGNED, (long)r->delay_before_retry_ms * 1000); break;
	case 49: snmp_val_int(vb, ASN_UNSIGNED, (long)r->warmup_ms * 1000); break;
	case 50: snmp_val_int(vb, ASN_UNSIGNED, (long)r->delay_loop_ms * 1000); break;
	case 51: snmp_val_int(vb, ASN_UNSIGNED, (long)r->connect_timeout_ms * 1000); break;
	case 55: snmp_val_str(vb, r->key); break;      /* vigil's name for it: ADDRESS:PORT */
	default: return get_rs_stats(r, col, vb);
	}
	return 0;
}

static int check_rs(const void *row, unsigned col, const netsnmp_variable_list *vb)
{
	if (vb->type != ASN_INTEGER)
		return SNMP_ERR_WRONGTYPE;
	if (*vb->val.integer < 0 || *vb->val.integer > 65535)
		return SNMP_ERR_WRONGVALUE;
	return SNMP_ERR_NOERROR;
}

static int apply_rs(const void *row, unsigned col, const netsnmp_variable_list *vb, void *token)
{
	const struct snap_rs *r = row;
	const struct snap_vs *v = S ? snap_vs_by_id(S, r->vs_id) : NULL;
	json_t *req;

	if (!v)
		return SNMP_ERR_INCONSISTENTNAME;
	req = json_pack("{s:s, s:s, s:s, s:I, s:s}", "action", "weight", "vs", v->key, "rs", r->key,
			"value", (json_int_t)*vb->val.integer, "reason", "SET realServerWeight");
	return req ? send_edit("check", req, token) : SNMP_ERR_RESOURCEUNAVAILABLE;
}

/* ---- registration and refresh --------------------------------------------------- */

static const unsigned inst_writable[] = { 7, 0 };
/* without IPVS; with it, the _ipvs lists add the counters and rates */
static const unsigned vs_columns[] = { 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
				       21, 22, 23, 24, 25, 26, 37, 51, 52, 53, 54, 55, 56, 60, 61, 62,
				       63, 64, 71, 0 };
static const unsigned rs_columns[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 40, 41, 42, 43, 44, 45,
				       46, 47, 48, 49, 50, 51, 55, 0 };
static const unsigned vs_columns_ipvs[] = { 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
					    21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
					    37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52,
					    53, 54, 55, 56, 60, 61, 62, 63, 64, 71, 0 };
static const unsigned rs_columns_ipvs[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
					    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
					    36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 55, 0 };
static const unsigned rs_writable[] = { 7, 0 };

/* ---- IPVS's counters -------------------------------------------------------------- */

/* Each row of the snapshot to its IPVS record. */
static void lvs_attach(void)
{
	free(vs_live);
	free(rs_live);
	vs_live = rs_live = NULL;
	if (!lvs || !lvs->recs || !S)
		return;
	vs_live = calloc(S->n_vs + 1, sizeof(*vs_live));
	rs_live = calloc(S->n_rs + 1, sizeof(*rs_live));
	if (!vs_live || !rs_live)
		return;
	for (size_t i = 0; i < S->n_vs; i++)
		vs_live[i] = mgmt_lvs_find(lvs, S->vs[i].key, "");
	for (size_t i = 0; i < S->n_rs; i++) {
		const struct snap_vs *v = snap_vs_by_id(S, S->rs[i].vs_id);

		rs_live[i] = v ? mgmt_lvs_find(lvs, v->key, S->rs[i].key) : NULL;
	}
}

/* Follow mgmt's copy when it changed (or `force`: a new snapshot, whose
 * rows moved); the counter columns are served only while there is one. */
static void lvs_follow(bool force)
{
	bool have;

	if (!lvs || (!force && lvs->generation == lvs_generation))
		return;
	lvs_generation = lvs->generation;
	have = lvs->recs != NULL;
	if (have != lvs_columns) {
		snmp_table_columns(t_vs, have ? vs_columns_ipvs : vs_columns);
		snmp_table_columns(t_rs, have ? rs_columns_ipvs : rs_columns);
		lvs_columns = have;
	}
	lvs_attach();
}

void snmp_keepalived_poll(void)
{
	if (t_vs)
		lvs_follow(false);
}

void snmp_keepalived_register(const struct snmp_mibs_conf *c)
{
	C = *c;
	if (!c->vrrp && !c->check)
		return;        /* only the RFC MIBs (enable_snmp_rfc*) */
	snmp_scalar_register("version", oid_version, OID_LENGTH(oid_version), get_version);
	snmp_scalar_register("routerId", oid_router_id, OID_LENGTH(oid_router_id), get_router_id);
	if (c->vrrp) {
		t_sg = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpSyncGroupTable", .base = oid_sg_entry, .base_len = OID_LENGTH(oid_sg_entry),
			.n_index = 1, .min_col = 2, .max_col = 11, .get = get_sg });
		t_sgm = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpSyncGroupMemberTable", .base = oid_sgm_entry,
			.base_len = OID_LENGTH(oid_sgm_entry), .n_index = 2, .min_col = 2, .max_col = 2,
			.get = get_sgm });
		t_inst = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpInstanceTable", .base = oid_inst_entry, .base_len = OID_LENGTH(oid_inst_entry),
			.n_index = 1, .min_col = 2, .max_col = 35, .get = get_inst, .check = check_inst,
			.apply = apply_inst, .writable = inst_writable });
		t_track_if = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpTrackedInterfaceTable", .base = oid_track_if_entry,
			.base_len = OID_LENGTH(oid_track_if_entry), .n_index = 2, .min_col = 1, .max_col = 3,
			.get = get_track_if });
		t_track_script = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpTrackedScriptTable", .base = oid_track_script_entry,
			.base_len = OID_LENGTH(oid_track_script_entry), .n_index = 2, .min_col = 2, .max_col = 4,
			.get = get_track_script });
		t_script = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpScriptTable", .base = oid_script_entry, .base_len = OID_LENGTH(oid_script_entry),
			.n_index = 1, .min_col = 2, .max_col = 9, .get = get_script });
		t_addr = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpAddressTable", .base = oid_addr_entry, .base_len = OID_LENGTH(oid_addr_entry),
			.n_index = 2, .min_col = 2, .max_col = 12, .get = get_addr });
	}
	if (c->check) {
		t_vs = snmp_table_register(&(struct snmp_table_def){
			.name = "virtualServerTable", .base = oid_vs_entry, .base_len = OID_LENGTH(oid_vs_entry),
			.n_index = 1, .min_col = 2, .max_col = 71, .get = get_vs, .columns = vs_columns });
		t_rs = snmp_table_register(&(struct snmp_table_def){
			.name = "realServerTable", .base = oid_rs_entry, .base_len = OID_LENGTH(oid_rs_entry),
			.n_index = 2, .min_col = 2, .max_col = 55, .get = get_rs, .check = check_rs,
			.apply = apply_rs, .writable = rs_writable, .columns = rs_columns });
		lvs = c->lvs;
	}
}

void snmp_keepalived_refresh(const struct snap *s)
{
	size_t n_addr = 0, n_members, k = 0;
	uint32_t idx[3];

	S = s;
	if (t_inst) {
		snmp_table_begin(t_inst, s->n_inst);
		for (size_t i = 0; i < s->n_inst; i++) {
			idx[0] = (uint32_t)s->inst[i].id;
			snmp_table_row(t_inst, idx, &s->inst[i]);
			n_addr += s->inst[i].n_vips;
		}
		snmp_table_end(t_inst);

		free(addr_rows);
		addr_rows = calloc(n_addr ? n_addr : 1, sizeof(*addr_rows));
		snmp_table_begin(t_addr, addr_rows ? n_addr : 0);
		for (size_t i = 0; addr_rows && i < s->n_inst; i++)
			for (size_t j = 0; j < s->inst[i].n_vips; j++) {
				addr_rows[k] = (struct addr_row){ &s->inst[i], &s->inst[i].vips[j] };
				idx[0] = (uint32_t)s->inst[i].id;
				idx[1] = (uint32_t)j + 1;
				snmp_table_row(t_addr, idx, &addr_rows[k++]);
			}
		snmp_table_end(t_addr);
		tracks_refresh(s);
	}
	n_members = groups_build(s);
	if (t_sg) {
		snmp_table_begin(t_sg, n_G);
		for (size_t j = 0; j < n_G; j++) {
			idx[0] = G[j].index;
			snmp_table_row(t_sg, idx, &G[j]);
		}
		snmp_table_end(t_sg);
		free(member_rows);
		member_rows = calloc(n_members ? n_members : 1, sizeof(*member_rows));
		snmp_table_begin(t_sgm, member_rows ? n_members : 0);
		k = 0;
		for (size_t j = 0; member_rows && j < n_G; j++)
			for (size_t m = 0; m < G[j].n; m++) {
				member_rows[k] = (struct member_row){ &G[j], G[j].members[m] };
				idx[0] = G[j].index;
				idx[1] = (uint32_t)G[j].members[m]->id;
				snmp_table_row(t_sgm, idx, &member_rows[k++]);
			}
		snmp_table_end(t_sgm);
	}
	if (t_vs) {
		snmp_table_begin(t_vs, s->n_vs);
		for (size_t i = 0; i < s->n_vs; i++) {
			idx[0] = (uint32_t)s->vs[i].id;
			snmp_table_row(t_vs, idx, &s->vs[i]);
		}
		snmp_table_end(t_vs);
		snmp_table_begin(t_rs, s->n_rs);
		for (size_t i = 0; i < s->n_rs; i++) {
			idx[0] = (uint32_t)s->rs[i].vs_id;
			idx[1] = (uint32_t)s->rs[i].id;
			snmp_table_row(t_rs, idx, &s->rs[i]);
		}
		snmp_table_end(t_rs);
		lvs_follow(true);
	}
}

/* ---- notifications --------------------------------------------------------------- */

static void add_router_id(netsnmp_variable_list **vars)
{
	oid name[MAX_OID_LEN];

	memcpy(name, oid_router_id, sizeof(oid_router_id));
	name[OID_LENGTH(oid_router_id)] = 0;
	snmp_varlist_add_variable(vars, name, OID_LENGTH(oid_router_id) + 1, ASN_OCTET_STR,
				  C.router_id, strlen(C.router_id));
}

void snmp_keepalived_event(const struct snap *s, const struct snap_event *ev)
{
	netsnmp_variable_list *vars;
	oid idx[2];

	if (!C.traps)
		return;
	if (ev->vrrp && C.vrrp) {
		const struct snap_inst *in = snap_inst_by_id(s, ev->object_id);

		if (!in)
			return;
		idx[0] = (uint32_t)in->id;
		vars = snmp_agent_trap_new(oid_trap_inst, OID_LENGTH(oid_trap_inst));
		snmp_agent_trap_col(&vars, oid_inst_entry, OID_LENGTH(oid_inst_entry), 2, idx, 1, get_inst, in);
		/* the state the event names, not the snapshot's (it may have moved on) */
		{
			netsnmp_variable_list tmp = { 0 };
			long st = strcmp(ev->to, "MASTER") == 0 ? SNAP_MASTER : strcmp(ev->to, "BACKUP") == 0
				  ? SNAP_BACKUP : strcmp(ev->to, "FAULT") == 0 ? SNAP_FAULT : SNAP_INIT;

			snmp_val_int(&tmp, ASN_INTEGER, st);
			snmp_agent_trap_var(&vars, oid_inst_entry, OID_LENGTH(oid_inst_entry), 4, idx, 1, &tmp);
			snmp_free_var_internals(&tmp);
		}
		snmp_agent_trap_col(&vars, oid_inst_entry, OID_LENGTH(oid_inst_entry), 5, idx, 1, get_inst, in);
		add_router_id(&vars);
		snmp_agent_trap_send(vars);
	} else if (!ev->vrrp && C.check) {
		const struct snap_rs *r = NULL;
		const struct snap_vs *v;

		for (size_t i = 0; i < s->n_rs && !r; i++)
			if (s->rs[i].id == ev->object_id)
				r = &s->rs[i];
		if (!r || !(v = snap_vs_by_id(s, r->vs_id)))
			return;
		idx[0] = (uint32_t)v->id;
		idx[1] = (uint32_t)r->id;
		vars = snmp_agent_trap_new(oid_trap_rs, OID_LENGTH(oid_trap_rs));
		snmp_agent_trap_col(&vars, oid_rs_entry, OID_LENGTH(oid_rs_entry), 3, idx, 2, get_rs, r);
		snmp_agent_trap_col(&vars, oid_rs_entry, OID_LENGTH(oid_rs_entry), 4, idx, 2, get_rs, r);
		snmp_agent_trap_col(&vars, oid_rs_entry, OID_LENGTH(oid_rs_entry), 5, idx, 2, get_rs, r);
		{
			netsnmp_variable_list tmp = { 0 };

			snmp_val_int(&tmp, ASN_INTEGER, strcmp(ev->to, "up") == 0 ? 1 : 2);
			snmp_agent_trap_var(&vars, oid_rs_entry, OID_LENGTH(oid_rs_entry), 6, idx, 2, &tmp);
			snmp_free_var_internals(&tmp);
		}
		snmp_agent_trap_col(&vars, oid_vs_entry, OID_LENGTH(oid_vs_entry), 2, idx, 1, get_vs, v);
		snmp_agent_trap_col(&vars, oid_vs_entry, OID_LENGTH(oid_vs_entry), 8, idx, 1, get_vs, v);
		snmp_agent_trap_col(&vars, oid_vs_entry, OID_LENGTH(oid_vs_entry), 21, idx, 1, get_vs, v);
		snmp_agent_trap_col(&vars, oid_vs_entry, OID_LENGTH(oid_vs_entry), 20, idx, 1, get_vs, v);
		add_router_id(&vars);
		snmp_agent_trap_send(vars);
	}
}

/* Sync group states and quorums, as last seen, by index. */
struct seen {
	uint32_t index;
	int state;
};
static struct seen *seen_sg, *seen_vs;
static size_t n_seen_sg, n_seen_vs;
static bool compared;

static int seen_swap(struct seen **list, size_t *n, uint32_t index, int state)
{
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].index == index) {
			int old = (*list)[i].state;

			(*list)[i].state = state;
			return old;
		}
	struct seen *p = realloc(*list, (*n + 1) * sizeof(*p));

	if (p) {
		*list = p;
		p[(*n)++] = (struct seen){ index, state };
	}
	return -1;
}

void snmp_keepalived_compare(const struct snap *s)
{
	bool send = C.traps && compared;
	oid idx[1];

	for (size_t j = 0; j < n_G; j++) {
		int old = seen_swap(&seen_sg, &n_seen_sg, G[j].index, G[j].state);

		if (send && C.vrrp && old >= 0 && old != G[j].state) {
			netsnmp_variable_list *vars = snmp_agent_trap_new(oid_trap_sg, OID_LENGTH(oid_trap_sg));

			idx[0] = G[j].index;
			snmp_agent_trap_col(&vars, oid_sg_entry, OID_LENGTH(oid_sg_entry), 2, idx, 1, get_sg, &G[j]);
			snmp_agent_trap_col(&vars, oid_sg_entry, OID_LENGTH(oid_sg_entry), 3, idx, 1, get_sg, &G[j]);
			add_router_id(&vars);
			snmp_agent_trap_send(vars);
		}
	}
	for (size_t i = 0; i < s->n_vs; i++) {
		const struct snap_vs *v = &s->vs[i];
		int met = quorum_met(v) ? 1 : 2;
		int old = seen_swap(&seen_vs, &n_seen_vs, (uint32_t)v->id, met);

		if (send && C.check && old >= 0 && old != met) {
			netsnmp_variable_list *vars = snmp_agent_trap_new(oid_trap_quorum, OID_LENGTH(oid_trap_quorum));
			static const unsigned cols[] = { 2, 8, 23, 22, 21, 20 };

			idx[0] = (uint32_t)v->id;
			for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
				snmp_agent_trap_col(&vars, oid_vs_entry, OID_LENGTH(oid_vs_entry), cols[c], idx, 1, get_vs, v);
			add_router_id(&vars);
			snmp_agent_trap_send(vars);
		}
	}
	compared = true;
}
