/*
 * mgmt_lvs.h - mgmt's copy of IPVS's counters, as the check process last
 * published them (lb/lb_live.h, core/shstats.h), sorted for lookup by the
 * state store's keys.  One copy for SNMP and REST; re-read on mgmt's poll
 * when the check process rewrote it.
 */
#ifndef VIGIL_MGMT_LVS_H
#define VIGIL_MGMT_LVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/lb_live.h"

struct shstats_r;

struct mgmt_lvs {
	struct shstats_r *r;
	struct lb_live *recs;        /* sorted by (vs, rs); NULL: no IPVS figures */
	size_t n;
	int64_t written;             /* the writer's time of this copy, -1: none */
	uint64_t generation;         /* bumped whenever recs changes */
};

void mgmt_lvs_open(struct mgmt_lvs *l, const char *path);
void mgmt_lvs_close(struct mgmt_lvs *l);
/* Re-read when the check process rewrote the file; a reader that finds it
 * being rewritten keeps its last copy.  Returns true when recs changed. */
bool mgmt_lvs_poll(struct mgmt_lvs *l);
/* The record of virtual server `vs` ("TCP 192.0.2.100:80") and real server
 * `rs` ("192.0.2.11:80"; "" for the service itself); NULL when IPVS does
 * not have it, or there are no figures. */
const struct lb_live *mgmt_lvs_find(const struct mgmt_lvs *l, const char *vs, const char *rs);

#endif /* VIGIL_MGMT_LVS_H */
