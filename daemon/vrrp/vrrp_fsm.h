/*
 * vrrp_fsm.h - the VRRP state machine as a pure function.
 *
 *   vrrp_fsm_step(fsm, cfg, event, now) -> new fsm state + actions
 *
 * No socket, no timer object, no log: the caller (vrrp_inst.c) feeds events
 * (an advert that passed the packet checks, a timer that fired, a priority
 * change from the trackers, a fault) with the current monotonic time, then
 * carries out the returned actions and arms its two timers at the deadlines
 * the fsm holds.  Unit tests drive it with a fake clock.
 *
 * RFC 5798 section 6 (and RFC 3768 section 6 for v2) is the reference; the
 * section numbers are cited in vrrp_fsm.c where each rule is applied.
 * Times are nanoseconds; intervals on the wire are centiseconds (v3) or
 * seconds (v2, held here as centiseconds too).
 */
#ifndef VIGIL_VRRP_FSM_H
#define VIGIL_VRRP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"

#define VRRP_NEVER UINT64_MAX

/* Numbered as KEEPALIVED-MIB's vrrpInstanceState (init 0, backup 1,
 * master 2, fault 3), so SNMP exports them as they are. */
enum vrrp_state {
	VRRP_STATE_INIT = 0,
	VRRP_STATE_BACKUP = 1,
	VRRP_STATE_MASTER = 2,
	VRRP_STATE_FAULT = 3,
};

const char *vrrp_state_name(enum vrrp_state s);   /* "MASTER", ... */

/* What does not change while the instance runs (a reload makes a new one). */
struct vrrp_fsm_cfg {
	uint8_t version;             /* 2 or 3 */
	uint32_t adver_int_cs;       /* our Advertisement_Interval, centiseconds */
	bool preempt;                /* false with nopreempt (RFC Preempt_Mode) */
	uint64_t preempt_delay_ns;   /* keepalived's preempt_delay: after startup,
	                                lower-priority masters are accepted this long */
	struct vaddr primary;        /* our primary address: breaks priority ties */
};

struct vrrp_fsm {
	enum vrrp_state state;
	uint8_t priority;            /* effective priority, 1..255 */
	bool fault;                  /* a tracker says we cannot serve */
	uint32_t master_adver_int_cs;/* RFC 5798 Master_Adver_Interval (v3: learned) */
	uint64_t adver_deadline;     /* Adver_Timer, VRRP_NEVER when not running */
	uint64_t master_down_deadline; /* Master_Down_Timer, VRRP_NEVER when not running */
	uint64_t preempt_after;      /* no preemption before this time */
	struct vaddr master_addr;    /* the current master as we know it (ours when MASTER) */
	uint8_t master_priority;     /* its advertised priority */
	uint64_t lower_master_at;    /* last advert of a lower-priority master we are
					preempting (discarded), 0: none */
};

enum vrrp_fsm_ev_type {
	VRRP_EV_STARTUP,             /* RFC 6.4.1 Startup event */
	VRRP_EV_SHUTDOWN,            /* RFC Shutdown event */
	VRRP_EV_ADVERT,              /* an advert that passed vrrp_pkt_parse + check */
	VRRP_EV_ADVER_TIMER,         /* Adver_Timer fired */
	VRRP_EV_MASTER_DOWN_TIMER,   /* Master_Down_Timer fired */
	VRRP_EV_PRIORITY,            /* effective priority changed (trackers, operator) */
	VRRP_EV_FAULT,               /* a tracker failed with weight 0 / interface down */
	VRRP_EV_FAULT_CLEAR,         /* every such tracker is fine again */
	VRRP_EV_SYNC_MASTER,         /* a sync group member became MASTER: follow it */
	VRRP_EV_SYNC_BACKUP,         /* a sync group member left MASTER for BACKUP: follow it */
};

struct vrrp_fsm_ev {
	enum vrrp_fsm_ev_type type;
	uint8_t priority;            /* ADVERT: the sender's; PRIORITY: our new one */
	uint16_t adver_int_cs;       /* ADVERT: the sender's (Max) Adver Int */
	struct vaddr src;            /* ADVERT: the sender's IP source address */
};

/* Actions, a bit set.  The caller performs them in this order:
 * SEND_PRIO0, DEL_VIPS, SEND_ADVERT, ADD_VIPS, GARP (the advert does not
 * wait for netlink; the GARPs announce addresses that are installed). */
#define VRRP_ACT_SEND_ADVERT  0x01   /* send an advert with fsm->priority */
#define VRRP_ACT_SEND_PRIO0   0x02   /* send an advert with priority 0 (leaving MASTER) */
#define VRRP_ACT_ADD_VIPS     0x04   /* install the virtual addresses */
#define VRRP_ACT_DEL_VIPS     0x08   /* remove them */
#define VRRP_ACT_GARP         0x10   /* gratuitous ARP / unsolicited NA for the VIPs */
#define VRRP_ACT_OTHER_MASTER 0x20   /* we are MASTER and heard another master with
                                        lower priority (split-brain evidence) */

struct vrrp_fsm_out {
	unsigned actions;
	enum vrrp_state from;        /* state before the step */
	const char *reason;          /* why the state changed (static string), NULL if it did not */
};

/* Whether a Backup would discard a lower-priority master's advert now and
 * take over (preempt, past preempt_delay; an owner always). */
bool vrrp_fsm_may_preempt(const struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg, uint64_t now);

/* Initial state: INIT, timers stopped, priority as given. */
void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg, uint8_t priority);

void vrrp_fsm_step(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
		   const struct vrrp_fsm_ev *ev, uint64_t now, struct vrrp_fsm_out *out);

/* RFC 5798 6.1 timer math, exact in nanoseconds (no rounding to
 * centiseconds).  v2 (RFC 3768 6.1) uses seconds: Skew_Time =
 * (256 - Priority) / 256 s, which is the v3 formula with 100 cs. */
uint64_t vrrp_skew_time_ns(uint8_t priority, uint32_t master_adver_int_cs);
uint64_t vrrp_master_down_interval_ns(uint8_t priority, uint32_t master_adver_int_cs);

#endif /* VIGIL_VRRP_FSM_H */
