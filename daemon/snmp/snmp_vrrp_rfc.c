/*
 * snmp_vrrp_rfc.c - the standard VRRP MIBs, read-only:
 *
 *   RFC 2787 VRRP-MIB   (mib-2 68)  the VRRPv2 IPv4 instances
 *   RFC 6527 VRRPV3-MIB (mib-2 207) the VRRPv3 instances, IPv4 and IPv6
 *
 * Their indexes are the MIBs' own (ifIndex, VRID[, address type]), stable
 * by nature.  Configuration and state come from mgmt's snapshot of the
 * state store; the receive statistics, the virtual MAC's owner and the
 * reasons from the vrrp process's live file (vrrp/vrrp_live.h), read every
 * poll (it is rewritten every second).  Notifications: vrrpTrapNewMaster,
 * vrrpv3NewMaster on a transition to MASTER; vrrpTrapAuthFailure and
 * vrrpv3ProtoError when an instance's error counters went up since the
 * last read (at most one per instance and read, so a flood of bad packets
 * is not a flood of traps).  A row's statistics count from the vrrp
 * process's start: vrrpv3StatisticsRowDiscontinuityTime says when.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/shstats.h"
#include "snmp/snmp_agent.h"
#include "snmp/snmp_mibs.h"
#include "store/store.h"
#include "vrrp/vrrp_live.h"

#define V2 1, 3, 6, 1, 2, 1, 68
#define V3 1, 3, 6, 1, 2, 1, 207

static const oid oid_v2_node_version[] = { V2, 1, 1 };
static const oid oid_v2_notif_cntl[] = { V2, 1, 2 };
static const oid oid_v2_oper_entry[] = { V2, 1, 3, 1 };
static const oid oid_v2_asso_entry[] = { V2, 1, 4, 1 };
static const oid oid_v2_trap_src[] = { V2, 1, 5, 0 };
static const oid oid_v2_trap_auth_type[] = { V2, 1, 6, 0 };
static const oid oid_v2_cksum[] = { V2, 2, 1 };
static const oid oid_v2_version[] = { V2, 2, 2 };
static const oid oid_v2_vrid[] = { V2, 2, 3 };
static const oid oid_v2_stats_entry[] = { V2, 2, 4, 1 };
static const oid oid_v2_trap_new_master[] = { V2, 0, 1 };
static const oid oid_v2_trap_auth[] = { V2, 0, 2 };

static const oid oid_v3_oper_entry[] = { V3, 1, 1, 1, 1 };
static const oid oid_v3_asso_entry[] = { V3, 1, 1, 2, 1 };
static const oid oid_v3_cksum[] = { V3, 1, 2, 1 };
static const oid oid_v3_version[] = { V3, 1, 2, 2 };
static const oid oid_v3_vrid[] = { V3, 1, 2, 3 };
static const oid oid_v3_discont[] = { V3, 1, 2, 4 };
static const oid oid_v3_stats_entry[] = { V3, 1, 2, 5, 1 };
static const oid oid_v3_trap_new_master[] = { V3, 0, 1 };
static const oid oid_v3_trap_proto[] = { V3, 0, 2 };

#define REFRESH_RATE_MS 1000   /* the vrrp process publishes every second */

/* TruthValue: net-snmp's TV_TRUE (1), TV_FALSE (2); RowStatus: RS_ACTIVE (1) */

/* One virtual router: its snapshot instance, its live record. */
struct vr {
	const struct snap_inst *si;
	struct vrrp_live l;
	bool live;
	int ifindex;
	oid idx[3];                 /* ifIndex, VRID[, InetAddressType] */
};

/* One associated address row. */
struct asso {
	const struct vr *vr;
	const struct snap_vip *vip;
};

static bool on_v2, on_v3, traps;
static struct shstats_r *live_r;
static const struct snap *S;
static int64_t live_written = -1;
static struct vrrp_live router;       /* record 0: the router's own counters */
static bool have_router;
static struct vr *vrs;                /* sorted by name */
static size_t n_vrs;
static struct asso *assos;
static struct snmp_table *t_v2_oper, *t_v2_asso, *t_v2_stats, *t_v3_oper, *t_v3_asso, *t_v3_stats;

/* ---- helpers ------------------------------------------------------------------- */

static bool is_v2(const struct snap_inst *si)
{
	return si->version == 2 && si->family == AF_INET;
}

static bool is_v3(const struct snap_inst *si)
{
	return si->version == 3;
}

static size_t alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static long state_rfc(int st)
{
	/* initialize(1) backup(2) master(3); FAULT takes no part: initialize */
	return st == SNAP_MASTER ? 3 : st == SNAP_BACKUP ? 2 : 1;
}

/* A TimeStamp: the agent's sysUpTime (centiseconds) at Unix time `ms`;
 * 0 for a time before the subagent started, or none. */
static long timestamp(int64_t ms)
{
	long up = (long)netsnmp_get_agent_uptime();
	int64_t ago_cs = (store_now_ms() - ms) / 10;

	if (ms <= 0 || ago_cs >= up)
		return 0;
	return up - (long)ago_cs;
}

static void val_counter32(netsnmp_variable_list *vb, uint64_t v)
{
	snmp_val_int(vb, ASN_COUNTER, (long)(v & 0xffffffffu));
}

/* The master's address: the live record's, else the store's text. */
static void master_addr(const struct vr *v, unsigned char out[16])
{
	memset(out, 0, 16);
	if (v->live)
		memcpy(out, v->l.master, 16);
	else if (v->si->master && *v->si->master)
		inet_pton(v->si->family, v->si->master, out);
}

static unsigned addr_count(const struct snap_inst *si)
{
	unsigned n = 0;

	for (size_t i = 0; i < si->n_vips; i++)
		if (!si->vips[i].excluded && si->vips[i].family == si->family)
			n++;
	return n;
}

static uint64_t rx_total(const struct vrrp_live *l)
{
	uint64_t n = 0;

	for (int i = 0; i < VRRP_RX__COUNT; i++)
		n += l->rx[i];
	return n;
}

static uint64_t auth_errors(const struct vrrp_live *l)
{
	return l->rx[VRRP_RX_INVALID_AUTH_TYPE] + l->rx[VRRP_RX_AUTH_TYPE_MISMATCH] +
	       l->rx[VRRP_RX_AUTH_FAILURE];
}

static uint64_t proto_errors(const struct vrrp_live *l)
{
	return l->rx[VRRP_RX_BAD_TTL] + l->rx[VRRP_RX_BAD_VERSION] + l->rx[VRRP_RX_VERSION_MISMATCH] +
	       l->rx[VRRP_RX_BAD_CHECKSUM];
}

/* Router-wide: the router's record plus what the instances were charged. */
static uint64_t router_sum(int a, int b)
{
	uint64_t n = have_router ? router.rx[a] + (b >= 0 ? router.rx[b] : 0) : 0;

	for (size_t i = 0; i < n_vrs; i++)
		if (vrs[i].live)
			n += vrs[i].l.rx[a] + (b >= 0 ? vrs[i].l.rx[b] : 0);
	return n;
}

/* ---- scalars ------------------------------------------------------------------- */

static void get_node_version(netsnmp_variable_list *vb)
{
	snmp_val_int(vb, ASN_INTEGER, 2);
}

static void get_notif_cntl(netsnmp_variable_list *vb)
{
	snmp_val_int(vb, ASN_INTEGER, traps ? 1 : 2);   /* enabled(1) disabled(2) */
}

static void get_v2_cksum(netsnmp_variable_list *vb)
{
	val_counter32(vb, router_sum(VRRP_RX_BAD_CHECKSUM, -1));
}

static void get_v2_version(netsnmp_variable_list *vb)
{
	val_counter32(vb, router_sum(VRRP_RX_BAD_VERSION, VRRP_RX_VERSION_MISMATCH));
}

static void get_v2_vrid(netsnmp_variable_list *vb)
{
	val_counter32(vb, router_sum(VRRP_RX_UNKNOWN_VRID, -1));
}

static void get_v3_cksum(netsnmp_variable_list *vb)
{
	snmp_val_u64(vb, router_sum(VRRP_RX_BAD_CHECKSUM, -1));
}

static void get_v3_version(netsnmp_variable_list *vb)
{
	snmp_val_u64(vb, router_sum(VRRP_RX_BAD_VERSION, VRRP_RX_VERSION_MISMATCH));
}

static void get_v3_vrid(netsnmp_variable_list *vb)
{
	snmp_val_u64(vb, router_sum(VRRP_RX_UNKNOWN_VRID, -1));
}

static void get_v3_discont(netsnmp_variable_list *vb)
{
	snmp_val_int(vb, ASN_TIMETICKS, have_router ? timestamp(router.counters_since_ms) : 0);
}

/* ---- RFC 2787 tables ------------------------------------------------------------- */

static int get_v2_oper(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct vr *v = row;
	const struct snap_inst *si = v->si;
	unsigned char a[16], mac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, (unsigned char)si->vrid };

	switch (col) {
	case 2: snmp_val_bytes(vb, mac, 6); break;
	case 3: snmp_val_int(vb, ASN_INTEGER, state_rfc(si->state)); break;
	case 4: snmp_val_int(vb, ASN_INTEGER, 1); break;                  /* up(1) */
	case 5: snmp_val_int(vb, ASN_INTEGER, si->effective_priority); break;
	case 6: snmp_val_int(vb, ASN_INTEGER, addr_count(si)); break;
	case 7:
		master_addr(v, a);
		snmp_set_var_typed_value(vb, ASN_IPADDRESS, a, 4);
		break;
	case 8:
		memset(a, 0, sizeof(a));
		if (v->live)
			memcpy(a, v->l.primary, 4);
		snmp_set_var_typed_value(vb, ASN_IPADDRESS, a, 4);
		break;
	case 9: snmp_val_int(vb, ASN_INTEGER, si->auth_type + 1); break;
	case 10: snmp_val_bytes(vb, "", 0); break;                       /* never shown (RFC) */
	case 11: snmp_val_int(vb, ASN_INTEGER, si->advert_ms >= 1000 ? si->advert_ms / 1000 : 1); break;
	case 12: snmp_val_int(vb, ASN_INTEGER, si->preempt ? TV_TRUE : TV_FALSE); break;
	case 13: snmp_val_int(vb, ASN_TIMETICKS, v->live ? timestamp(v->l.up_since_ms) : 0); break;
	case 14: snmp_val_int(vb, ASN_INTEGER, 1); break;                 /* ip(1) */
	case 15: snmp_val_int(vb, ASN_INTEGER, RS_ACTIVE); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

static int get_asso(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	if (col != 2)
		return SNMP_NOSUCHINSTANCE;
	snmp_val_int(vb, ASN_INTEGER, RS_ACTIVE);
	return 0;
}

static int get_v2_stats(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct vr *v = row;
	const struct vrrp_live *l = &v->l;
	uint64_t n;

	if (!v->live)
		return SNMP_NOSUCHINSTANCE;
	switch (col) {
	case 1: n = l->become_master; break;
	case 2: n = rx_total(l); break;
	case 3: n = l->rx[VRRP_RX_INTERVAL_MISMATCH]; break;
	case 4: n = l->rx[VRRP_RX_AUTH_FAILURE]; break;
	case 5: n = l->rx[VRRP_RX_BAD_TTL]; break;
	case 6: n = l->prio0_rcvd; break;
	case 7: n = l->prio0_sent; break;
	case 8: n = l->rx[VRRP_RX_BAD_TYPE]; break;
	case 9: n = l->rx[VRRP_RX_ADDR_LIST_MISMATCH]; break;
	case 10: n = l->rx[VRRP_RX_INVALID_AUTH_TYPE]; break;
	case 11: n = l->rx[VRRP_RX_AUTH_TYPE_MISMATCH]; break;
	case 12: n = l->rx[VRRP_RX_TRUNCATED] + l->rx[VRRP_RX_BAD_LENGTH]; break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	val_counter32(vb, n);
	return 0;
}

/* ---- RFC 6527 tables ------------------------------------------------------------- */

static int get_v3_oper(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct vr *v = row;
	const struct snap_inst *si = v->si;
	unsigned char a[16], mac[6] = { 0x00, 0x00, 0x5e, 0x00, si->family == AF_INET6 ? 0x02 : 0x01,
					(unsigned char)si->vrid };

	switch (col) {
	case 3:
		master_addr(v, a);
		snmp_val_bytes(vb, a, alen(si->family));
		break;
	case 4:
		if (!v->live)
			return SNMP_NOSUCHINSTANCE;
		snmp_val_bytes(vb, v->l.primary, alen(si->family));
		break;
	case 5: snmp_val_bytes(vb, mac, 6); break;
	case 6: snmp_val_int(vb, ASN_INTEGER, state_rfc(si->state)); break;
	case 7: snmp_val_int(vb, ASN_UNSIGNED, si->effective_priority); break;
	case 8: snmp_val_int(vb, ASN_INTEGER, addr_count(si)); break;
	case 9: snmp_val_int(vb, ASN_INTEGER, si->advert_ms / 10); break;   /* centiseconds */
	case 10: snmp_val_int(vb, ASN_INTEGER, si->preempt ? TV_TRUE : TV_FALSE); break;
	case 11: snmp_val_int(vb, ASN_INTEGER, si->accept ? TV_TRUE : TV_FALSE); break;
	case 12: snmp_val_int(vb, ASN_TIMETICKS, v->live ? timestamp(v->l.up_since_ms) : 0); break;
	case 13: snmp_val_int(vb, ASN_INTEGER, RS_ACTIVE); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

static int get_v3_stats(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	const struct vr *v = row;
	const struct vrrp_live *l = &v->l;

	if (!v->live)
		return SNMP_NOSUCHINSTANCE;
	switch (col) {
	case 1: val_counter32(vb, l->become_master); break;
	case 2: snmp_val_int(vb, ASN_INTEGER, v->si->state == SNAP_MASTER ? l->master_reason : 0); break;
	case 3: snmp_val_u64(vb, rx_total(l)); break;
	case 4: snmp_val_u64(vb, l->rx[VRRP_RX_INTERVAL_MISMATCH]); break;
	case 5: snmp_val_u64(vb, l->rx[VRRP_RX_BAD_TTL]); break;
	case 6: snmp_val_int(vb, ASN_INTEGER, l->proto_err); break;
	case 7: snmp_val_u64(vb, l->prio0_rcvd); break;
	case 8: snmp_val_u64(vb, l->prio0_sent); break;
	case 9: snmp_val_u64(vb, l->rx[VRRP_RX_BAD_TYPE]); break;
	case 10: snmp_val_u64(vb, l->rx[VRRP_RX_ADDR_LIST_MISMATCH]); break;
	case 11: snmp_val_u64(vb, l->rx[VRRP_RX_TRUNCATED] + l->rx[VRRP_RX_BAD_LENGTH]); break;
	case 12: snmp_val_int(vb, ASN_TIMETICKS, timestamp(l->counters_since_ms)); break;
	case 13: snmp_val_int(vb, ASN_UNSIGNED, REFRESH_RATE_MS); break;
	default: return SNMP_NOSUCHINSTANCE;
	}
	return 0;
}

/* ---- building the rows --------------------------------------------------------- */

static int cmp_vr_name(const void *a, const void *b)
{
	return strcmp(((const struct vr *)a)->si->name, ((const struct vr *)b)->si->name);
}

static const struct vr *find_vr(const struct vr *arr, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(arr[mid].si->name, name);

		if (c == 0)
			return &arr[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_live_name(const void *a, const void *b)
{
	return strcmp(((const struct vrrp_live *)a)->name, ((const struct vrrp_live *)b)->name);
}

static const struct vrrp_live *find_live(const struct vrrp_live *arr, size_t n, const char *name)
{
	struct vrrp_live key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, arr, n, sizeof(*arr), cmp_live_name);
}

static void send_v2_auth(const struct vr *v);
static void send_v3_proto(const struct vr *v);

/* The rows of every table from S and the live records (NULL: none). */
static void rebuild(struct vrrp_live *live, size_t n_live)
{
	struct vr *old = vrs, *next;
	size_t n_old = n_vrs, n = 0, n_asso = 0, k = 0;
	struct asso *next_asso;

	if (live && n_live > 1)
		qsort(live + 1, n_live - 1, sizeof(*live), cmp_live_name);
	next = calloc(S && S->n_inst ? S->n_inst : 1, sizeof(*next));
	if (!next)
		return;
	for (size_t i = 0; S && i < S->n_inst; i++) {
		const struct snap_inst *si = &S->inst[i];
		const struct vrrp_live *l = live && n_live > 1 ? find_live(live + 1, n_live - 1, si->name) : NULL;
		struct vr *v = &next[n];

		if (!(on_v2 && is_v2(si)) && !(on_v3 && is_v3(si)))
			continue;
		v->si = si;
		if (l) {
			v->l = *l;
			v->live = true;
			v->ifindex = l->ifindex;
		} else {
			v->ifindex = (int)if_nametoindex(si->ifname);
		}
		if (v->ifindex <= 0)
			continue;
		v->idx[0] = (oid)v->ifindex;
		v->idx[1] = (oid)si->vrid;
		v->idx[2] = si->family == AF_INET6 ? 2 : 1;
		n_asso += addr_count(si);
		n++;
	}
	qsort(next, n, sizeof(*next), cmp_vr_name);

	/* notifications for error counters that went up since the last read */
	if (traps && live)
		for (size_t i = 0; i < n; i++) {
			const struct vr *o = find_vr(old, n_old, next[i].si->name);

			if (!o || !o->live || !next[i].live ||
			    o->l.counters_since_ms != next[i].l.counters_since_ms)
				continue;
			if (on_v2 && is_v2(next[i].si) && auth_errors(&next[i].l) > auth_errors(&o->l))
				send_v2_auth(&next[i]);
			if (on_v3 && is_v3(next[i].si) && proto_errors(&next[i].l) > proto_errors(&o->l))
				send_v3_proto(&next[i]);
		}

	next_asso = calloc(n_asso ? n_asso : 1, sizeof(*next_asso));
	if (!next_asso) {
		free(next);
		return;
	}
	snmp_table_begin(t_v2_oper, n);
	snmp_table_begin(t_v2_stats, n);
	snmp_table_begin(t_v3_oper, n);
	snmp_table_begin(t_v3_stats, n);
	snmp_table_begin(t_v2_asso, n_asso);
	snmp_table_begin(t_v3_asso, n_asso);
	for (size_t i = 0; i < n; i++) {
		const struct vr *v = &next[i];
		bool v2 = is_v2(v->si);

		if (v2) {
			snmp_table_row_oid(t_v2_oper, v->idx, 2, v);
			snmp_table_row_oid(t_v2_stats, v->idx, 2, v);
		} else {
			snmp_table_row_oid(t_v3_oper, v->idx, 3, v);
			snmp_table_row_oid(t_v3_stats, v->idx, 3, v);
		}
		for (size_t j = 0; j < v->si->n_vips; j++) {
			const struct snap_vip *vip = &v->si->vips[j];
			oid o[3 + 1 + 16];
			size_t len = 0, al = alen(vip->family);

			if (vip->excluded || vip->family != v->si->family)
				continue;
			next_asso[k] = (struct asso){ .vr = v, .vip = vip };
			o[len++] = v->idx[0];
			o[len++] = v->idx[1];
			if (!v2) {
				o[len++] = v->idx[2];
				o[len++] = al;       /* InetAddress: length first */
			}
			for (size_t b = 0; b < al; b++)
				o[len++] = vip->addr[b];
			snmp_table_row_oid(v2 ? t_v2_asso : t_v3_asso, o, len, &next_asso[k]);
			k++;
		}
	}
	snmp_table_end(t_v2_oper);
	snmp_table_end(t_v2_stats);
	snmp_table_end(t_v3_oper);
	snmp_table_end(t_v3_stats);
	snmp_table_end(t_v2_asso);
	snmp_table_end(t_v3_asso);
	free(old);
	free(assos);
	vrs = next;
	n_vrs = n;
	assos = next_asso;
}

/* Read the live file; rebuild when it was rewritten or `force`. */
static void read_live(bool force)
{
	const void *recs = NULL;
	int64_t written = 0;
	ssize_t n = live_r ? shstats_r_read(live_r, &recs, &written, NULL) : -1;
	struct vrrp_live *copy = NULL;

	if (n < 0 && errno == EBUSY && live_written != -1 && !force)
		return;         /* being rewritten: keep the last copy */
	if (n < 1) {
		have_router = false;
		if (force || live_written != -1)
			rebuild(NULL, 0);
		live_written = -1;
		return;
	}
	if (!force && written == live_written)
		return;
	live_written = written;
	router = ((const struct vrrp_live *)recs)[0];
	have_router = true;
	/* the reader's buffer is reused by the next read: sort a copy */
	copy = malloc((size_t)n * sizeof(*copy));
	if (!copy)
		return;
	memcpy(copy, recs, (size_t)n * sizeof(*copy));
	rebuild(copy, (size_t)n);
	free(copy);
}

/* ---- notifications ---------------------------------------------------------------- */

static void send_v2_auth(const struct vr *v)
{
	netsnmp_variable_list *vars = snmp_agent_trap_new(oid_v2_trap_auth, OID_LENGTH(oid_v2_trap_auth));
	long type = v->l.auth_err;

	snmp_varlist_add_variable(&vars, oid_v2_trap_src, OID_LENGTH(oid_v2_trap_src), ASN_IPADDRESS,
				  v->l.auth_err_src, 4);
	snmp_varlist_add_variable(&vars, oid_v2_trap_auth_type, OID_LENGTH(oid_v2_trap_auth_type),
				  ASN_INTEGER, &type, sizeof(type));
	snmp_agent_trap_send(vars);
}

static void send_v3_proto(const struct vr *v)
{
	netsnmp_variable_list *vars = snmp_agent_trap_new(oid_v3_trap_proto, OID_LENGTH(oid_v3_trap_proto));

	snmp_agent_trap_col(&vars, oid_v3_stats_entry, OID_LENGTH(oid_v3_stats_entry), 6, v->idx, 3,
			    get_v3_stats, v);
	snmp_agent_trap_send(vars);
}

void snmp_vrrp_rfc_event(const struct snap *s, const struct snap_event *ev)
{
	const struct snap_inst *si;
	const struct vr *v;
	netsnmp_variable_list *vars;

	if (!traps || !ev->vrrp || strcmp(ev->to, "MASTER") != 0 ||
	    !(si = snap_inst_by_id(s, ev->object_id)) || !(v = find_vr(vrs, n_vrs, si->name)))
		return;
	if (is_v2(si) && on_v2) {
		vars = snmp_agent_trap_new(oid_v2_trap_new_master, OID_LENGTH(oid_v2_trap_new_master));
		snmp_agent_trap_col(&vars, oid_v2_oper_entry, OID_LENGTH(oid_v2_oper_entry), 7, v->idx, 2,
				    get_v2_oper, v);
		snmp_agent_trap_send(vars);
	} else if (is_v3(si) && on_v3) {
		vars = snmp_agent_trap_new(oid_v3_trap_new_master, OID_LENGTH(oid_v3_trap_new_master));
		snmp_agent_trap_col(&vars, oid_v3_oper_entry, OID_LENGTH(oid_v3_oper_entry), 3, v->idx, 3,
				    get_v3_oper, v);
		snmp_agent_trap_col(&vars, oid_v3_stats_entry, OID_LENGTH(oid_v3_stats_entry), 2, v->idx, 3,
				    get_v3_stats, v);
		snmp_agent_trap_send(vars);
	}
}

/* ---- registration ---------------------------------------------------------------- */

void snmp_vrrp_rfc_refresh(const struct snap *s)
{
	S = s;
	if (on_v2 || on_v3)
		read_live(true);
}

void snmp_vrrp_rfc_poll(void)
{
	if (on_v2 || on_v3)
		read_live(false);
}

void snmp_vrrp_rfc_register(const struct snmp_mibs_conf *c)
{
	static const u_char two[] = { ASN_INTEGER, ASN_INTEGER };
	static const u_char three[] = { ASN_INTEGER, ASN_INTEGER, ASN_INTEGER };
	static const u_char v2_asso[] = { ASN_INTEGER, ASN_INTEGER, ASN_IPADDRESS };
	static const u_char v3_asso[] = { ASN_INTEGER, ASN_INTEGER, ASN_INTEGER, ASN_OCTET_STR };
	static const unsigned v2_oper_cols[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0 };
	static const unsigned v3_oper_cols[] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0 };
	static const unsigned asso_cols[] = { 2, 0 };

	on_v2 = c->rfcv2;
	on_v3 = c->rfcv3;
	traps = c->traps;
	if (!on_v2 && !on_v3)
		return;
	live_r = shstats_r_new(c->vrrp_live_path, VRRP_LIVE_KIND, sizeof(struct vrrp_live));
	if (on_v2) {
		snmp_scalar_register("vrrpNodeVersion", oid_v2_node_version, OID_LENGTH(oid_v2_node_version),
				     get_node_version);
		snmp_scalar_register("vrrpNotificationCntl", oid_v2_notif_cntl, OID_LENGTH(oid_v2_notif_cntl),
				     get_notif_cntl);
		snmp_scalar_register("vrrpRouterChecksumErrors", oid_v2_cksum, OID_LENGTH(oid_v2_cksum),
				     get_v2_cksum);
		snmp_scalar_register("vrrpRouterVersionErrors", oid_v2_version, OID_LENGTH(oid_v2_version),
				     get_v2_version);
		snmp_scalar_register("vrrpRouterVrIdErrors", oid_v2_vrid, OID_LENGTH(oid_v2_vrid), get_v2_vrid);
		t_v2_oper = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpOperTable", .base = oid_v2_oper_entry,
			.base_len = OID_LENGTH(oid_v2_oper_entry), .n_index = 2, .index_types = two,
			.min_col = 2, .max_col = 15, .get = get_v2_oper, .columns = v2_oper_cols });
		t_v2_asso = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpAssoIpAddrTable", .base = oid_v2_asso_entry,
			.base_len = OID_LENGTH(oid_v2_asso_entry), .n_index = 3, .index_types = v2_asso,
			.min_col = 2, .max_col = 2, .get = get_asso, .columns = asso_cols });
		t_v2_stats = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpRouterStatsTable", .base = oid_v2_stats_entry,
			.base_len = OID_LENGTH(oid_v2_stats_entry), .n_index = 2, .index_types = two,
			.min_col = 1, .max_col = 12, .get = get_v2_stats });
	}
	if (on_v3) {
		t_v3_oper = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpv3OperationsTable", .base = oid_v3_oper_entry,
			.base_len = OID_LENGTH(oid_v3_oper_entry), .n_index = 3, .index_types = three,
			.min_col = 3, .max_col = 13, .get = get_v3_oper, .columns = v3_oper_cols });
		t_v3_asso = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpv3AssociatedIpAddrTable", .base = oid_v3_asso_entry,
			.base_len = OID_LENGTH(oid_v3_asso_entry), .n_index = 4, .index_types = v3_asso,
			.min_col = 2, .max_col = 2, .get = get_asso, .columns = asso_cols });
		snmp_scalar_register("vrrpv3RouterChecksumErrors", oid_v3_cksum, OID_LENGTH(oid_v3_cksum),
				     get_v3_cksum);
		snmp_scalar_register("vrrpv3RouterVersionErrors", oid_v3_version, OID_LENGTH(oid_v3_version),
				     get_v3_version);
		snmp_scalar_register("vrrpv3RouterVrIdErrors", oid_v3_vrid, OID_LENGTH(oid_v3_vrid), get_v3_vrid);
		snmp_scalar_register("vrrpv3GlobalStatisticsDiscontinuityTime", oid_v3_discont,
				     OID_LENGTH(oid_v3_discont), get_v3_discont);
		t_v3_stats = snmp_table_register(&(struct snmp_table_def){
			.name = "vrrpv3StatisticsTable", .base = oid_v3_stats_entry,
			.base_len = OID_LENGTH(oid_v3_stats_entry), .n_index = 3, .index_types = three,
			.min_col = 1, .max_col = 13, .get = get_v3_stats });
	}
}

void snmp_vrrp_rfc_stop(void)
{
	free(vrs);
	free(assos);
	vrs = NULL;
	assos = NULL;
	n_vrs = 0;
	shstats_r_free(live_r);
	live_r = NULL;
}
