/*
 * lb_model.h - virtual services and their real servers as plain structs.
 *
 * The same structs describe what vigil wants (the desired model, built from
 * the config, the health checks and the operator's overrides) and what the
 * kernel holds (read back from IPVS, with counters).  Each object is split
 * into a key, which says which object it is and never changes, and a conf,
 * which IPVS can edit in place: a changed conf is an edit, a changed key is
 * another object.  lb_diff compares them; kern_ipvs turns them into netlink.
 *
 * No pointers between objects other than a service's array of destinations,
 * and no kernel headers: these are copied into messages between processes.
 */
#ifndef VIGIL_LB_MODEL_H
#define VIGIL_LB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

/* A scheduler name with its NUL, as IPVS limits it (IP_VS_SCHEDNAME_MAXLEN). */
#define LB_SCHED_MAXLEN 16
/* The scheduler when none is named: keepalived's and ipvsadm's default. */
#define LB_SCHED_DEFAULT "wlc"

/* The IP protocol numbers, which is what IPVS takes. */
enum lb_proto {
	LB_PROTO_TCP = 6,
	LB_PROTO_UDP = 17,
	LB_PROTO_SCTP = 132,
};

/* Forwarding method: ipvsadm -m (NAT), -g (DR), -i (TUN). */
enum lb_fwd {
	LB_FWD_NAT = 0,
	LB_FWD_DR,
	LB_FWD_TUN,
	LB_FWD_OTHER,          /* read back only: a method vigil never sets */
};

/* Service flags.  Same values as IP_VS_SVC_F_* (kern_ipvs.c checks that at
 * compile time), without the kernel's internal HASHED bit. */
#define LB_SVC_F_PERSISTENT 0x0001   /* persistence_timeout */
#define LB_SVC_F_ONEPACKET  0x0004   /* ops: one-packet scheduling (UDP) */
#define LB_SVC_F_SCHED1     0x0008   /* sh-fallback, mh-fallback */
#define LB_SVC_F_SCHED2     0x0010   /* sh-port, mh-port */
#define LB_SVC_F_SCHED3     0x0020
#define LB_SVC_F_ALL (LB_SVC_F_PERSISTENT | LB_SVC_F_ONEPACKET | \
		      LB_SVC_F_SCHED1 | LB_SVC_F_SCHED2 | LB_SVC_F_SCHED3)

/* Which virtual service: by fwmark, or by protocol + address + port. */
struct lb_svc_key {
	int af;                      /* AF_INET, AF_INET6 */
	uint32_t fwmark;             /* nonzero: a fwmark service, the rest unused */
	enum lb_proto proto;
	struct vaddr addr;           /* same family as af */
	uint16_t port;               /* host byte order */
};

/* What IPVS can change on an existing service (IPVS_CMD_SET_SERVICE). */
struct lb_svc_conf {
	char sched[LB_SCHED_MAXLEN]; /* "rr", "wrr", "wlc", ...; "" = LB_SCHED_DEFAULT */
	uint32_t flags;              /* LB_SVC_F_* */
	uint32_t timeout;            /* persistence timeout, s (with LB_SVC_F_PERSISTENT) */
	/* Persistence granularity as a prefix length: clients in the same
	 * /prefix stick to the same real server.  0 = one client address
	 * (32 or 128).  Read back: -1 for an IPv4 mask that is no prefix. */
	int persist_prefix;
};

/* Which real server inside a service. */
struct lb_dest_key {
	struct vaddr addr;           /* may differ in family from the service (TUN) */
	uint16_t port;               /* host byte order */
};

/* What IPVS can change on an existing real server (IPVS_CMD_SET_DEST). */
struct lb_dest_conf {
	enum lb_fwd fwd;
	int weight;                  /* >= 0; 0 = no new connections */
	uint32_t u_thresh;           /* upper connection threshold, 0 = none */
	uint32_t l_thresh;           /* lower connection threshold */
};

struct lb_dest {
	struct lb_dest_key key;
	struct lb_dest_conf conf;
};

struct lb_service {
	struct lb_svc_key key;
	struct lb_svc_conf conf;
	struct lb_dest *dests;
	size_t n_dests;
};

/* The desired model: what IPVS should hold.  A real server that should not
 * be in IPVS (down, without inhibit_on_failure) is simply not listed. */
struct lb_model {
	struct lb_service *svcs;
	size_t n_svcs;
};

/* Counters since the object was created (or zeroed), and rates per second
 * as the kernel's estimator computes them (ipvsadm --stats / --rate). */
struct lb_stats {
	uint64_t conns;
	uint64_t inpkts;
	uint64_t outpkts;
	uint64_t inbytes;
	uint64_t outbytes;
	uint64_t cps;
	uint64_t inpps;
	uint64_t outpps;
	uint64_t inbps;
	uint64_t outbps;
};

/* The kernel view: what IPVS holds, as read back. */
struct lb_kdest {
	struct lb_dest_key key;
	struct lb_dest_conf conf;
	uint32_t active_conns;
	uint32_t inact_conns;
	uint32_t persist_conns;
	struct lb_stats stats;
};

struct lb_kservice {
	struct lb_svc_key key;
	struct lb_svc_conf conf;
	struct lb_stats stats;
	struct lb_kdest *dests;
	size_t n_dests;
};

struct lb_kernel {
	struct lb_kservice *svcs;
	size_t n_svcs;
};

/* What vigil created in IPVS (and so may change or remove).  Everything else
 * in the kernel belongs to someone else (ipvsadm, another daemon) and is
 * left alone.  Kept across restarts by the caller. */
struct lb_owned_dest {
	struct lb_svc_key svc;
	struct lb_dest_key dest;
};

struct lb_owned {
	struct lb_svc_key *svcs;
	size_t n_svcs, cap_svcs;
	struct lb_owned_dest *dests;
	size_t n_dests, cap_dests;
};

#endif /* VIGIL_LB_MODEL_H */
