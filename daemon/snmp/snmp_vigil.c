/*
 * snmp_vigil.c - VIGIL-MIB (mib/VIGIL-MIB.txt, enterprises 32473.1): what
 * vigil knows beyond KEEPALIVED-MIB, from the same snapshot of the state
 * store and with the same indexes (store ids).
 *
 * Served: vigilNodeName; vigilInstanceTable (state, when and why it last
 * changed, how many transitions the store's history holds, the operator's
 * demotion, split-brain status); vigilRealServerTable (health with its
 * reason, the operator's override with who, why, since and until, the
 * configured and effective weights).  Notifications: vigilInstanceTransition
 * for each recorded VRRP transition, vigilRealServerAdminChange when an
 * override is set, replaced, cleared or expires (seen by comparing
 * snapshots).  The split-brain status is mgmt's (mgmt/mgmt_split.h);
 * vigilSplitBrainChange is sent when it changes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "snmp/snmp_agent.h"
#include "mgmt/split_brain.h"
#include "snmp/snmp_mibs.h"

#define VG 1, 3, 6, 1, 4, 1, 32473, 1

static const oid oid_node_name[] = { VG, 1, 1 };
static const oid oid_inst_entry[] = { VG, 1, 2, 1 };
static const oid oid_rs_entry[] = { VG, 1, 3, 1 };
static const oid oid_trap_inst[] = { VG, 0, 1 };
static const oid oid_trap_admin[] = { VG, 0, 2 };
static const oid oid_trap_split[] = { VG, 0, 3 };

/* vigilInstanceTable's columns */
enum {
	I_NAME = 2, I_STATE, I_LAST_TRANSITION, I_TRANSITIONS, I_LAST_REASON, I_DEMOTION,
	I_DEMOTED_BY, I_SB_STATUS, I_SB_SINCE, I_DEMOTION_REASON
};
/* vigilRealServerTable's columns */
enum {
	R_VS = 3, R_ADDR_TYPE, R_ADDR, R_PORT, R_HEALTH, R_HEALTH_REASON, R_HEALTH_SINCE, R_ADMIN,
	R_ADMIN_WHO, R_ADMIN_REASON, R_ADMIN_SINCE, R_ADMIN_EXPIRES, R_CONFIG_WEIGHT, R_EFFECTIVE_WEIGHT
};
/* vigilRealServerAdminState */
enum { ADMIN_READY = 1, ADMIN_DRAIN, ADMIN_MAINT, ADMIN_WEIGHT };

#define DISPLAY_MAX 255   /* DisplayString (SIZE (0..255)) */

static struct snmp_mibs_conf C;
static const struct snap *S;
static struct snmp_table *t_inst, *t_rs;

/* ---- values ---------------------------------------------------------------------- */

static void val_text(netsnmp_variable_list *vb, const char *s)
{
	size_t n;

	s = s ? s : "";
	n = strlen(s);
	snmp_val_bytes(vb, s, n > DISPLAY_MAX ? DISPLAY_MAX : n);
}

/* DateAndTime; eight zero octets for "never" */
static void val_when(netsnmp_variable_list *vb, int64_t ms)
{
	static const unsigned char never[8];

	if (ms > 0)
		snmp_val_time(vb, ms);
	else
		snmp_val_bytes(vb, never, sizeof(never));
}

static long state_of(const char *s)
{
	return strcmp(s, "MASTER") == 0 ? SNAP_MASTER : strcmp(s, "BACKUP") == 0 ? SNAP_BACKUP
	       : strcmp(s, "FAULT") == 0 ? SNAP_FAULT : SNAP_INIT;
}

/* ---- vigilNodeName ------------------------------------------------------------------ */

static void get_node_name(netsnmp_variable_list *vb)
{
	val_text(vb, C.router_id);
}

/* ---- vigilInstanceTable ---------------------------------------------------------------- */

static int get_inst(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct snap_inst *in = row;
	bool demoted = in->ov.kind == SNAP_DEMOTE;
	const struct sb_track *sb = C.split_track ? C.split_track(in->id) : NULL;

	switch (col) {
	case I_NAME: val_text(vb, in->name); break;
	case I_STATE: snmp_val_int(vb, ASN_INTEGER, in->state); break;
	case I_LAST_TRANSITION: val_when(vb, in->state_since_ms); break;
	case I_TRANSITIONS: snmp_val_int(vb, ASN_GAUGE, in->transitions); break;
	case I_LAST_REASON: val_text(vb, in->last_reason); break;
	case I_DEMOTION:
		snmp_val_int(vb, ASN_INTEGER, !demoted ? 0 : in->ov.value > 255 ? 255
					       : in->ov.value < 0 ? 0 : (long)in->ov.value);
		break;
	case I_DEMOTED_BY: val_text(vb, demoted ? in->ov.who : ""); break;
	case I_SB_STATUS: snmp_val_int(vb, ASN_INTEGER, sb ? (long)sb->status : 0); break;   /* the MIB's numbers */
	case I_SB_SINCE: val_when(vb, sb && sb->status != SB_UNKNOWN ? sb->since_ms : 0); break;
	case I_DEMOTION_REASON: val_text(vb, demoted ? in->ov.reason : ""); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

/* ---- vigilRealServerTable ----------------------------------------------------------- */

static long admin_state(const struct snap_override *ov)
{
	switch (ov->kind) {
	case SNAP_DRAIN: return ADMIN_DRAIN;
	case SNAP_MAINT: return ADMIN_MAINT;
	case SNAP_WEIGHT: return ADMIN_WEIGHT;
	default: return ADMIN_READY;
	}
}

static int get_rs(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct snap_rs *r = row;
	const struct snap_vs *v = S ? snap_vs_by_id(S, r->vs_id) : NULL;
	bool ov = admin_state(&r->ov) != ADMIN_READY;

	switch (col) {
	case R_VS: val_text(vb, v ? v->key : ""); break;
	case R_ADDR_TYPE: snmp_val_int(vb, ASN_INTEGER, r->family == AF_INET6 ? 2 : 1); break;
	case R_ADDR: snmp_val_bytes(vb, r->addr, r->family == AF_INET6 ? 16 : 4); break;
	case R_PORT: snmp_val_int(vb, ASN_UNSIGNED, r->port); break;
	case R_HEALTH: snmp_val_int(vb, ASN_INTEGER, r->health); break;
	case R_HEALTH_REASON: val_text(vb, r->health_reason); break;
	case R_HEALTH_SINCE: val_when(vb, r->health_since_ms); break;
	case R_ADMIN: snmp_val_int(vb, ASN_INTEGER, admin_state(&r->ov)); break;
	case R_ADMIN_WHO: val_text(vb, ov ? r->ov.who : ""); break;
	case R_ADMIN_REASON: val_text(vb, ov ? r->ov.reason : ""); break;
	case R_ADMIN_SINCE: val_when(vb, ov ? r->ov.created_ms : 0); break;
	case R_ADMIN_EXPIRES: val_when(vb, ov ? r->ov.expires_ms : 0); break;
	case R_CONFIG_WEIGHT: snmp_val_int(vb, ASN_INTEGER, r->config_weight); break;
	case R_EFFECTIVE_WEIGHT: snmp_val_int(vb, ASN_INTEGER, r->effective_weight < 0 ? -1 : r->effective_weight); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

/* ---- registration and refresh ------------------------------------------------------ */

void snmp_vigil_register(const struct snmp_mibs_conf *c)
{
	C = *c;
	snmp_scalar_register("vigilNodeName", oid_node_name, OID_LENGTH(oid_node_name), get_node_name);
	t_inst = snmp_table_register(&(struct snmp_table_def){
		.name = "vigilInstanceTable", .base = oid_inst_entry, .base_len = OID_LENGTH(oid_inst_entry),
		.n_index = 1, .min_col = I_NAME, .max_col = I_DEMOTION_REASON, .get = get_inst });
	t_rs = snmp_table_register(&(struct snmp_table_def){
		.name = "vigilRealServerTable", .base = oid_rs_entry, .base_len = OID_LENGTH(oid_rs_entry),
		.n_index = 2, .min_col = R_VS, .max_col = R_EFFECTIVE_WEIGHT, .get = get_rs });
}

void snmp_vigil_refresh(const struct snap *s)
{
	uint32_t idx[2];

	S = s;
	if (t_inst) {
		snmp_table_begin(t_inst, s->n_inst);
		for (size_t i = 0; i < s->n_inst; i++) {
			idx[0] = (uint32_t)s->inst[i].id;
			snmp_table_row(t_inst, idx, &s->inst[i]);
		}
		snmp_table_end(t_inst);
	}
	if (t_rs) {
		snmp_table_begin(t_rs, s->n_rs);
		for (size_t i = 0; i < s->n_rs; i++) {
			idx[0] = (uint32_t)s->rs[i].vs_id;
			idx[1] = (uint32_t)s->rs[i].id;
			snmp_table_row(t_rs, idx, &s->rs[i]);
		}
		snmp_table_end(t_rs);
	}
}

/* ---- notifications ------------------------------------------------------------------ */

static void add_node_name(netsnmp_variable_list **vars)
{
	oid name[OID_LENGTH(oid_node_name) + 1];
	netsnmp_variable_list tmp;

	memcpy(name, oid_node_name, sizeof(oid_node_name));
	name[OID_LENGTH(oid_node_name)] = 0;
	memset(&tmp, 0, sizeof(tmp));
	get_node_name(&tmp);
	snmp_varlist_add_variable(vars, name, OID_LENGTH(name), tmp.type, tmp.val.string, tmp.val_len);
	snmp_free_var_internals(&tmp);
}

void snmp_vigil_event(const struct snap *s, const struct snap_event *ev)
{
	const struct snap_inst *in;
	netsnmp_variable_list *vars, tmp;
	oid idx[1];
	size_t len = OID_LENGTH(oid_inst_entry);

	if (!C.traps || !t_inst || !ev->vrrp || !(in = snap_inst_by_id(s, ev->object_id)))
		return;
	idx[0] = (uint32_t)in->id;
	vars = snmp_agent_trap_new(oid_trap_inst, OID_LENGTH(oid_trap_inst));
	add_node_name(&vars);
	snmp_agent_trap_col(&vars, oid_inst_entry, len, I_NAME, idx, 1, get_inst, in);
	/* what the event says, not the snapshot (which may have moved on since) */
	memset(&tmp, 0, sizeof(tmp));
	snmp_val_int(&tmp, ASN_INTEGER, state_of(ev->to));
	snmp_agent_trap_var(&vars, oid_inst_entry, len, I_STATE, idx, 1, &tmp);
	snmp_free_var_internals(&tmp);
	memset(&tmp, 0, sizeof(tmp));
	val_when(&tmp, ev->at_ms);
	snmp_agent_trap_var(&vars, oid_inst_entry, len, I_LAST_TRANSITION, idx, 1, &tmp);
	snmp_free_var_internals(&tmp);
	memset(&tmp, 0, sizeof(tmp));
	val_text(&tmp, ev->reason);
	snmp_agent_trap_var(&vars, oid_inst_entry, len, I_LAST_REASON, idx, 1, &tmp);
	snmp_free_var_internals(&tmp);
	snmp_agent_trap_send(vars);
}

void snmp_vigil_split_change(const struct snap_inst *in, const struct sb_track *t)
{
	static const unsigned cols[] = { I_NAME, I_SB_STATUS, I_SB_SINCE };
	netsnmp_variable_list *vars;
	oid idx[1] = { (oid)in->id };

	(void)t;     /* get_inst reads the same track */
	if (!C.traps || !t_inst)
		return;
	vars = snmp_agent_trap_new(oid_trap_split, OID_LENGTH(oid_trap_split));
	add_node_name(&vars);
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		snmp_agent_trap_col(&vars, oid_inst_entry, OID_LENGTH(oid_inst_entry), cols[c], idx, 1, get_inst, in);
	snmp_agent_trap_send(vars);
}

/* Each real server's override as last seen: a new kind, or the same kind
 * set again (another creation time), is a change. */
struct seen {
	int64_t id;
	long state;
	int64_t created_ms;
};
static struct seen *seen;
static size_t n_seen;
static bool compared;

static int cmp_seen(const void *a, const void *b)
{
	int64_t x = ((const struct seen *)a)->id, y = ((const struct seen *)b)->id;

	return x < y ? -1 : x > y;
}

static void send_admin_change(const struct snap_rs *r)
{
	/* not the effective weight: IPVS gets the override after it is stored */
	static const unsigned cols[] = { R_VS, R_ADDR_TYPE, R_ADDR, R_PORT, R_ADMIN, R_ADMIN_WHO,
					 R_ADMIN_REASON };
	netsnmp_variable_list *vars = snmp_agent_trap_new(oid_trap_admin, OID_LENGTH(oid_trap_admin));
	oid idx[2] = { (oid)r->vs_id, (oid)r->id };

	add_node_name(&vars);
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		snmp_agent_trap_col(&vars, oid_rs_entry, OID_LENGTH(oid_rs_entry), cols[c], idx, 2, get_rs, r);
	snmp_agent_trap_send(vars);
}

void snmp_vigil_compare(const struct snap *s)
{
	struct seen *now = calloc(s->n_rs ? s->n_rs : 1, sizeof(*now));
	bool send = C.traps && compared && t_rs;

	if (!now)
		return;
	for (size_t i = 0; i < s->n_rs; i++) {
		const struct snap_rs *r = &s->rs[i];
		long st = admin_state(&r->ov);
		struct seen k = { .id = r->id }, *old;

		now[i] = (struct seen){ r->id, st, st == ADMIN_READY ? 0 : r->ov.created_ms };
		old = n_seen ? bsearch(&k, seen, n_seen, sizeof(*seen), cmp_seen) : NULL;
		/* a real server new to the configuration is not a change: only
		 * one seen before whose override is another now */
		if (send && old && (old->state != now[i].state || old->created_ms != now[i].created_ms))
			send_admin_change(r);
	}
	qsort(now, s->n_rs, sizeof(*now), cmp_seen);
	free(seen);
	seen = now;
	n_seen = s->n_rs;
	compared = true;
}
