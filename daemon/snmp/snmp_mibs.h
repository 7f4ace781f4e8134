/*
 * snmp_mibs.h - the MIB modules vigil serves, one file each, all fed from
 * mgmt's snapshot of the state store (mgmt/mgmt_snap.h).
 *
 *   snmp_keepalived.c  KEEPALIVED-MIB (enterprises 9586.100.5), as keepalived
 *                      declares it, so existing pollers keep working
 *   snmp_vigil.c       VIGIL-MIB (mib/VIGIL-MIB.txt, enterprises 32473.1),
 *                      served whenever SNMP is on
 *   snmp_vrrp_rfc.c    RFC 2787 VRRP-MIB and RFC 6527 VRRPV3-MIB, with the
 *                      vrrp process's live counters (vrrp/vrrp_live.h)
 *
 * Indexes are the store's row ids: a row keeps its index across reloads and
 * restarts.
 */
#ifndef VIGIL_SNMP_MIBS_H
#define VIGIL_SNMP_MIBS_H

#include <stdbool.h>
#include <stdint.h>

#include "mgmt/mgmt_snap.h"

/* An edit on behalf of a SET: JSON for the engine `engine` ("vrrp" or
 * "check"); done(token, status, text) follows with the engine's answer
 * (status 0 done, else an HTTP-like code).  Returns 0 or -1. */
struct mgmt_lvs;
struct sb_track;

typedef void (*snmp_edit_done_fn)(void *token, int status, const char *text);
typedef int (*snmp_edit_fn)(const char *engine, const char *json, snmp_edit_done_fn done, void *token);

struct snmp_mibs_conf {
	const char *router_id;
	const char *version;
	bool vrrp, check;          /* KEEPALIVED-MIB's parts */
	bool rfcv2, rfcv3;         /* RFC 2787 VRRP-MIB, RFC 6527 VRRPV3-MIB */
	const char *vrrp_live_path;   /* the vrrp process's counters (vrrp/vrrp_live.h) */
	const struct mgmt_lvs *lvs;   /* mgmt's copy of IPVS's counters (mgmt/mgmt_lvs.h) */
	bool traps;
	snmp_edit_fn edit;
	/* an instance's split-brain status (mgmt/split_brain.h); NULL: unknown */
	const struct sb_track *(*split_track)(int64_t inst_id);
};

void snmp_keepalived_register(const struct snmp_mibs_conf *c);
/* Serve `s` from now on (it stays alive until the next call). */
void snmp_keepalived_refresh(const struct snap *s);
/* Send the notifications for what happened, given the snapshot after it. */
void snmp_keepalived_event(const struct snap *s, const struct snap_event *ev);
/* Notifications derived from comparing snapshots (sync groups, quorum). */
void snmp_keepalived_compare(const struct snap *s);
/* Follow mgmt's copy of IPVS's counters when it changed (every poll). */
void snmp_keepalived_poll(void);

/* VIGIL-MIB: the same four calls; compare() sends vigilRealServerAdminChange. */
void snmp_vigil_register(const struct snmp_mibs_conf *c);
void snmp_vigil_refresh(const struct snap *s);
void snmp_vigil_event(const struct snap *s, const struct snap_event *ev);
void snmp_vigil_compare(const struct snap *s);
/* vigilSplitBrainChange: instance `in`'s split-brain status is now t's. */
void snmp_vigil_split_change(const struct snap_inst *in, const struct sb_track *t);

/* RFC 2787 / RFC 6527: registered when c->rfcv2 / c->rfcv3. */
void snmp_vrrp_rfc_register(const struct snmp_mibs_conf *c);
void snmp_vrrp_rfc_refresh(const struct snap *s);
/* Re-read the live file when it was rewritten (call every poll). */
void snmp_vrrp_rfc_poll(void);
void snmp_vrrp_rfc_event(const struct snap *s, const struct snap_event *ev);
void snmp_vrrp_rfc_stop(void);

#endif /* VIGIL_SNMP_MIBS_H */
