/*
 * vrrp_live.h - what the vrrp process publishes every second for mgmt
 * (core/shstats.h, the file vrrp-live in the state directory): each
 * instance's receive counters and the facts the RFC 2787 / RFC 6527 MIBs
 * need that the state store does not hold.  Record 0 is the router's own:
 * the packets no instance could take (checksum, version, VRID errors).
 */
#ifndef VIGIL_VRRP_LIVE_H
#define VIGIL_VRRP_LIVE_H

#include <stdint.h>

#include "vrrp/vrrp_pkt.h"

#define VRRP_LIVE_FILE "vrrp-live"
#define VRRP_LIVE_KIND 0x76720004u   /* bump when the record changes */
#define VRRP_LIVE_NAME 96

/* RFC 6527 vrrpv3StatisticsNewMasterReason */
enum vrrp_live_master_reason {
	VRRP_LIVE_NOT_MASTER = 0,
	VRRP_LIVE_PRIORITY = 1,          /* the address owner (priority 255) */
	VRRP_LIVE_PREEMPTED = 2,         /* took over from a lower-priority master */
	VRRP_LIVE_MASTER_NO_RESPONSE = 3,
};

/* RFC 6527 vrrpv3StatisticsProtoErrReason */
enum vrrp_live_proto_err {
	VRRP_LIVE_NO_ERROR = 0,
	VRRP_LIVE_TTL_ERROR = 1,
	VRRP_LIVE_VERSION_ERROR = 2,
	VRRP_LIVE_CHECKSUM_ERROR = 3,
	VRRP_LIVE_VRID_ERROR = 4,
};

struct vrrp_live {
	char name[VRRP_LIVE_NAME];      /* the instance; "" for record 0 */
	int32_t ifindex;                /* the configured interface */
	int32_t family, vrid, version;
	int32_t state;                  /* enum vrrp_state */
	int32_t priority;               /* effective */
	int32_t master_reason;          /* enum vrrp_live_master_reason, for the last MASTER */
	int32_t proto_err;              /* enum vrrp_live_proto_err, the last one */
	int32_t auth_err;               /* RFC 2787 vrrpTrapAuthErrorType of the last: 0 none,
					   1 invalidAuthType, 2 authTypeMismatch, 3 authFailure */
	uint8_t mac[6];                 /* the virtual MAC 00-00-5E-00-01/02-VRID */
	uint8_t pad[2];
	uint8_t master[16];             /* the master's address; ours when MASTER */
	uint8_t primary[16];            /* our advert source */
	uint8_t auth_err_src[16];       /* the source of the last authentication error */
	int64_t up_since_ms;            /* left INIT (Unix ms), 0 while in INIT */
	int64_t counters_since_ms;      /* the counters count from here (process start) */
	uint64_t become_master, adverts_sent, prio0_sent, prio0_rcvd;
	uint64_t rx[VRRP_RX__COUNT];    /* by enum vrrp_rx_err; rx[VRRP_RX_OK]: adverts taken */
	/* split-brain evidence (doc/split-brain.md): while MASTER, adverts for
	 * our VRID from another master; and the transitions to MASTER in the
	 * last minute */
	uint8_t other_src[16];
	int32_t other_priority;
	int32_t flaps;
	uint32_t other_streak;          /* adverts in a row (no gap over 3 advert intervals) */
	uint32_t pad2;
	uint64_t other_count;
	int64_t other_last_ms;          /* Unix ms, 0: never */
	/* while MASTER, ARP claims of a VIP from a MAC that is not ours */
	uint8_t arp_mac[6];
	uint8_t arp_vip[4];
	uint8_t pad3[6];
	uint64_t arp_count;
	int64_t arp_last_ms;            /* Unix ms, 0: never */
};

/* The RFC 6527 reason for becoming MASTER, from the state machine's reason
 * ("startup as address owner", "master down timer expired", ...; NULL: no
 * transition), whether a lower-priority master was heard (and preempted)
 * meanwhile, and whether we own the addresses (priority 255). */
enum vrrp_live_master_reason vrrp_live_master_reason(const char *fsm_reason, int heard_lower_master,
						     int owner);

#endif /* VIGIL_VRRP_LIVE_H */
