/*
 * lb_live.h - what the check process publishes every few seconds for mgmt
 * (core/shstats.h, the file lvs-live in the state directory): IPVS's
 * counters and rates of each service and destination, as the kernel last
 * reported them.  mgmt's SNMP walks read this copy and never wait on
 * netlink.  Keys are the strings lb_svc_key_str / lb_dest_key_str make,
 * the same the state store names virtual and real servers by.
 */
#ifndef VIGIL_LB_LIVE_H
#define VIGIL_LB_LIVE_H

#include <stdint.h>

#include "lb/lb_diff.h"
#include "lb/lb_model.h"

#define LB_LIVE_FILE "lvs-live"
#define LB_LIVE_KIND 0x6c760001u     /* bump when the record changes */
#define LB_LIVE_EVERY_S 3            /* the cache's age, at most */

struct lb_live {
	char vs[LB_KEY_STRLEN];         /* "TCP 192.0.2.100:80", "FWM 1" */
	char rs[LB_KEY_STRLEN];         /* "192.0.2.11:80"; "" for the service itself */
	uint32_t active_conns, inact_conns, persist_conns;
	uint32_t pad;
	struct lb_stats stats;
};

#endif /* VIGIL_LB_LIVE_H */
