/*
 * vrrp_fsm.c - the VRRP state machine as a pure function.  See vrrp_fsm.h.
 *
 * Every rule below is RFC 5798 section 6 (VRRPv3); RFC 3768 section 6
 * (VRRPv2) has the same machine, with two differences handled here:
 *   - v2 has no Master_Adver_Interval on the wire that a Backup learns: the
 *     advert interval must match ours (vrrp_pkt_check drops it otherwise),
 *     so Master_Adver_Interval is always our own Advertisement_Interval;
 *   - v2 intervals are whole seconds; they are held in centiseconds, which
 *     makes the v2 timer formulas (RFC 3768 6.1) the v3 ones.
 *
 * Beyond the RFC, two keepalived behaviours: preempt_delay (a Backup accepts
 * a lower-priority Master for that long after startup), and a Master that
 * hears a lower-priority Master, or changes priority, advertises at once.
 */
#include "config.h"

#include <string.h>

#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_live.h"

#define NS_PER_CS 10000000ULL   /* 1 centisecond */
#define PRIO_OWNER 255

/* Why the state changed: static strings, logged and shown by the API. */
static const char R_STARTUP_OWNER[] = "startup as address owner";
static const char R_STARTUP[] = "startup";
static const char R_STARTUP_FAULT[] = "startup while in fault";
static const char R_MASTER_DOWN[] = "master down timer expired";
static const char R_PREEMPT[] = "preempting a lower priority master";
static const char R_PRIO0[] = "priority 0 advert";
static const char R_HIGHER_PRIO[] = "higher priority advert";
static const char R_HIGHER_ADDR[] = "equal priority advert from higher address";
static const char R_SHUTDOWN[] = "shutdown";
static const char R_FAULT[] = "fault";
static const char R_FAULT_CLEARED[] = "fault cleared";
static const char R_SYNC[] = "sync group";

const char *vrrp_state_name(enum vrrp_state s)
{
	switch (s) {
	case VRRP_STATE_INIT:
		return "INIT";
	case VRRP_STATE_BACKUP:
		return "BACKUP";
	case VRRP_STATE_MASTER:
		return "MASTER";
	case VRRP_STATE_FAULT:
		return "FAULT";
	}
	return "UNKNOWN";
}

/* RFC 5798 6.1 (RFC 3768 6.1): Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
 * Multiplied out in ns before the division, so nothing is rounded to
 * centiseconds (at most half a nanosecond is truncated).  Cannot overflow:
 * 256 * 2^32 * 10^7 < 2^64. */
uint64_t vrrp_skew_time_ns(uint8_t priority, uint32_t master_adver_int_cs)
{
	return (uint64_t)(256 - priority) * master_adver_int_cs * NS_PER_CS / 256;
}

/* RFC 5798 6.1: Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time. */
uint64_t vrrp_master_down_interval_ns(uint8_t priority, uint32_t master_adver_int_cs)
{
	return 3 * (uint64_t)master_adver_int_cs * NS_PER_CS +
	       vrrp_skew_time_ns(priority, master_adver_int_cs);
}

static uint8_t valid_priority(uint8_t p)
{
	/* 0 is reserved for "master leaving" (RFC 5798 5.2.4); never ours. */
	return p == 0 ? 1 : p;
}

void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg, uint8_t priority)
{
	memset(f, 0, sizeof(*f));
	f->state = VRRP_STATE_INIT;
	f->priority = valid_priority(priority);
	f->master_adver_int_cs = cfg->adver_int_cs;
	f->adver_deadline = VRRP_NEVER;
	f->master_down_deadline = VRRP_NEVER;
}

/* --- small pieces ------------------------------------------------------ */

static uint64_t adver_interval_ns(const struct vrrp_fsm_cfg *cfg)
{
	return (uint64_t)cfg->adver_int_cs * NS_PER_CS;
}

static void set_state(struct vrrp_fsm *f, struct vrrp_fsm_out *out,
		      enum vrrp_state to, const char *reason)
{
	if (f->state != to)
		out->reason = reason;
	f->state = to;
}

static void forget_master(struct vrrp_fsm *f)
{
	memset(&f->master_addr, 0, sizeof(f->master_addr));
	f->master_priority = 0;
}

static void stop_timers(struct vrrp_fsm *f)
{
	f->adver_deadline = VRRP_NEVER;
	f->master_down_deadline = VRRP_NEVER;
}

static void reset_master_down_timer(struct vrrp_fsm *f, uint64_t now)
{
	f->master_down_deadline = now +
		vrrp_master_down_interval_ns(f->priority, f->master_adver_int_cs);
}

/* RFC 5798 6.4.2 / 6.4.3: "Set Master_Adver_Interval to Adver Interval
 * contained in the ADVERTISEMENT" - v3 only (see the top of the file).  A
 * zero interval cannot come from a sane master; keep what we had rather
 * than time out at once. */
static void learn_master_interval(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
				  const struct vrrp_fsm_ev *ev)
{
	if (cfg->version == 3 && ev->adver_int_cs != 0)
		f->master_adver_int_cs = ev->adver_int_cs;
}

/* Send an advert now and the next one an Advertisement_Interval later. */
static void advertise_now(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
			  uint64_t now, struct vrrp_fsm_out *out)
{
	out->actions |= VRRP_ACT_SEND_ADVERT;
	f->adver_deadline = now + adver_interval_ns(cfg);
}

/* RFC 5798 6.4.1 (owner) and 6.4.2 (Master_Down_Timer fired), RFC 3768
 * 6.4.1 / 6.4.2 for v2: send an advert, announce the VIPs with gratuitous
 * ARP / unsolicited NA, start the Adver_Timer, go MASTER.  As Master,
 * Master_Adver_Interval is our own. */
static void become_master(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
			  uint64_t now, struct vrrp_fsm_out *out, const char *reason)
{
	out->actions |= VRRP_ACT_ADD_VIPS | VRRP_ACT_GARP;
	advertise_now(f, cfg, now, out);
	f->master_down_deadline = VRRP_NEVER;
	f->master_adver_int_cs = cfg->adver_int_cs;
	f->master_addr = cfg->primary;
	f->master_priority = f->priority;
	set_state(f, out, VRRP_STATE_MASTER, reason);
}

/* RFC 5798 6.4.1, the non-owner branch: Master_Adver_Interval =
 * Advertisement_Interval, Master_Down_Timer = Master_Down_Interval, BACKUP. */
static void become_backup_unknown_master(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
					 uint64_t now, struct vrrp_fsm_out *out,
					 const char *reason)
{
	f->master_adver_int_cs = cfg->adver_int_cs;
	f->adver_deadline = VRRP_NEVER;
	reset_master_down_timer(f, now);
	forget_master(f);
	set_state(f, out, VRRP_STATE_BACKUP, reason);
}

/* RFC 5798 6.4.1: the owner (priority 255) goes straight to MASTER, anyone
 * else waits a Master_Down_Interval as BACKUP. */
static void start(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg, uint64_t now,
		  struct vrrp_fsm_out *out, const char *owner_reason, const char *reason)
{
	if (f->priority == PRIO_OWNER)
		become_master(f, cfg, now, out, owner_reason);
	else
		become_backup_unknown_master(f, cfg, now, out, reason);
}

/* Leaving MASTER for INIT or FAULT: RFC 5798 / 3768 6.4.3 Shutdown - cancel the
 * Adver_Timer, send an advert with priority 0 so a Backup takes over after
 * Skew_Time instead of Master_Down_Interval; the VIPs go. */
static void stop(struct vrrp_fsm *f, struct vrrp_fsm_out *out,
		 enum vrrp_state to, const char *reason)
{
	if (f->state == VRRP_STATE_MASTER)
		out->actions |= VRRP_ACT_SEND_PRIO0 | VRRP_ACT_DEL_VIPS;
	stop_timers(f);
	forget_master(f);
	set_state(f, out, to, reason);
}

/* RFC 5798 6.1 Preempt_Mode, and its note that the router owning the
 * addresses (priority 255) always preempts, whatever the flag says.
 * preempt_delay (keepalived) holds preemption off after startup; the owner
 * is not held either, as at startup (6.4.1) it does not wait. */
bool vrrp_fsm_may_preempt(const struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg, uint64_t now)
{
	if (f->priority == PRIO_OWNER)
		return true;
	return cfg->preempt && now >= f->preempt_after;
}

/* --- events ------------------------------------------------------------ */

static void on_startup(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
		       uint64_t now, struct vrrp_fsm_out *out)
{
	/* A second Startup while running would throw the current master
	 * knowledge away; the caller has no reason to send one. */
	if (f->state != VRRP_STATE_INIT)
		return;
	f->preempt_after = now + cfg->preempt_delay_ns;
	if (f->fault) {
		stop_timers(f);
		set_state(f, out, VRRP_STATE_FAULT, R_STARTUP_FAULT);
		return;
	}
	start(f, cfg, now, out, R_STARTUP_OWNER, R_STARTUP);   /* RFC 5798 6.4.1 */
}

static void on_shutdown(struct vrrp_fsm *f, struct vrrp_fsm_out *out)
{
	/* RFC 5798 6.4.2 / 6.4.3 Shutdown event: cancel the timers, a Master
	 * sends priority 0, go to Initialize. */
	if (f->state != VRRP_STATE_INIT)
		stop(f, out, VRRP_STATE_INIT, R_SHUTDOWN);
}

/* RFC 5798 6.4.2 (RFC 3768 6.4.2): an ADVERTISEMENT received as Backup. */
static void backup_on_advert(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
			     const struct vrrp_fsm_ev *ev, uint64_t now)
{
	if (ev->priority == 0) {
		/* The master is leaving: take over after Skew_Time, so the
		 * highest-priority Backup is first. */
		f->master_down_deadline = now +
			vrrp_skew_time_ns(f->priority, f->master_adver_int_cs);
		f->master_addr = ev->src;
		f->master_priority = 0;
		return;
	}
	if (ev->priority >= f->priority || !vrrp_fsm_may_preempt(f, cfg, now)) {
		learn_master_interval(f, cfg, ev);
		reset_master_down_timer(f, now);
		f->master_addr = ev->src;
		f->master_priority = ev->priority;
		return;
	}
	/* A lower-priority master and we preempt: discard the advert, our
	 * Master_Down_Timer runs out and we take over (noted for the reason
	 * logged then: the master is alive, we preempt it). */
	f->lower_master_at = now;
}

/* RFC 5798 6.4.3 (RFC 3768 6.4.3): an ADVERTISEMENT received as Master. */
static void master_on_advert(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
			     const struct vrrp_fsm_ev *ev, uint64_t now,
			     struct vrrp_fsm_out *out)
{
	int addr_cmp;

	if (ev->priority == 0) {
		/* Another master is leaving: answer at once so Backups that
		 * started their Skew_Time countdown hear us first. */
		advertise_now(f, cfg, now, out);
		return;
	}
	addr_cmp = vaddr_cmp(&ev->src, &cfg->primary);
	if (ev->priority > f->priority || (ev->priority == f->priority && addr_cmp > 0)) {
		f->adver_deadline = VRRP_NEVER;
		learn_master_interval(f, cfg, ev);
		reset_master_down_timer(f, now);
		f->master_addr = ev->src;
		f->master_priority = ev->priority;
		out->actions |= VRRP_ACT_DEL_VIPS;
		set_state(f, out, VRRP_STATE_BACKUP,
			  ev->priority > f->priority ? R_HIGHER_PRIO : R_HIGHER_ADDR);
		return;
	}
	/* The RFC discards it.  But two masters at once means the other one
	 * missed our adverts (split brain): report it, and advertise now
	 * rather than in up to an interval, so it steps down sooner
	 * (keepalived does the same).  Not when it has our priority and our
	 * address (our own advert looped back, or an address conflict): it
	 * would not step down, and answering each other at once would be an
	 * advert storm. */
	out->actions |= VRRP_ACT_OTHER_MASTER;
	if (ev->priority != f->priority || addr_cmp != 0)
		advertise_now(f, cfg, now, out);
}

static void on_advert(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
		      const struct vrrp_fsm_ev *ev, uint64_t now, struct vrrp_fsm_out *out)
{
	/* INIT and FAULT take no part in the protocol. */
	if (f->state == VRRP_STATE_BACKUP)
		backup_on_advert(f, cfg, ev, now);
	else if (f->state == VRRP_STATE_MASTER)
		master_on_advert(f, cfg, ev, now, out);
}

/* RFC 5798 / RFC 3768 6.4.3: Adver_Timer fires -> send an advert, restart the timer.
 * A timer the caller had armed before the deadline moved, or in another
 * state, is stale: ignore it. */
static void on_adver_timer(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
			   uint64_t now, struct vrrp_fsm_out *out)
{
	if (f->state != VRRP_STATE_MASTER || now < f->adver_deadline)
		return;
	advertise_now(f, cfg, now, out);
}

/* RFC 5798 / RFC 3768 6.4.2: Master_Down_Timer fires -> become Master.  Stale timers
 * are ignored as above: acting on one would take over from a live master. */
static void on_master_down_timer(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
				 uint64_t now, struct vrrp_fsm_out *out)
{
	bool master_left, preempting;

	if (f->state != VRRP_STATE_BACKUP || now < f->master_down_deadline)
		return;
	master_left = vaddr_is_set(&f->master_addr) && f->master_priority == 0;
	/* a lower-priority master still advertising (within two of its
	 * intervals): preemption, not a master gone silent */
	preempting = !master_left && f->lower_master_at &&
		     now - f->lower_master_at <= 2 * (uint64_t)f->master_adver_int_cs * NS_PER_CS;
	f->lower_master_at = 0;
	become_master(f, cfg, now, out, master_left ? R_PRIO0 : preempting ? R_PREEMPT : R_MASTER_DOWN);
}

/* The RFC has no priority change event: the new priority is used from the
 * next advert sent or received on.  A Master advertises it at once so
 * Backups (which may now preempt) need not wait an interval. */
static void on_priority(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
			const struct vrrp_fsm_ev *ev, uint64_t now, struct vrrp_fsm_out *out)
{
	uint8_t p = valid_priority(ev->priority);

	if (p == f->priority)
		return;
	f->priority = p;
	if (f->state == VRRP_STATE_MASTER) {
		f->master_priority = p;
		advertise_now(f, cfg, now, out);
	}
}

/* A fault (keepalived's FAULT state, not in the RFC) is a Shutdown that
 * lands in FAULT rather than INIT.  In INIT the instance is not running:
 * only remember the fault, so a later Startup goes to FAULT. */
static void on_fault(struct vrrp_fsm *f, struct vrrp_fsm_out *out)
{
	f->fault = true;
	if (f->state == VRRP_STATE_MASTER || f->state == VRRP_STATE_BACKUP)
		stop(f, out, VRRP_STATE_FAULT, R_FAULT);
}

/* Leaving FAULT is a Startup (RFC 5798 6.4.1) that keeps preempt_after:
 * preempt_delay counts from the real startup only. */
static void on_fault_clear(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
			   uint64_t now, struct vrrp_fsm_out *out)
{
	f->fault = false;
	if (f->state == VRRP_STATE_FAULT)
		start(f, cfg, now, out, R_FAULT_CLEARED, R_FAULT_CLEARED);
}

/* vrrp_sync_group (keepalived; not in the RFC): the members of a group move
 * together, so that e.g. the outside and inside addresses of a router stay
 * on one node.  Only BACKUP follows to MASTER and only MASTER to BACKUP;
 * INIT and FAULT do not take part. */
static void on_sync(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
		    const struct vrrp_fsm_ev *ev, uint64_t now, struct vrrp_fsm_out *out)
{
	if (ev->type == VRRP_EV_SYNC_MASTER && f->state == VRRP_STATE_BACKUP) {
		become_master(f, cfg, now, out, R_SYNC);
	} else if (ev->type == VRRP_EV_SYNC_BACKUP && f->state == VRRP_STATE_MASTER) {
		f->adver_deadline = VRRP_NEVER;
		reset_master_down_timer(f, now);
		forget_master(f);
		out->actions |= VRRP_ACT_DEL_VIPS;
		set_state(f, out, VRRP_STATE_BACKUP, R_SYNC);
	}
}

void vrrp_fsm_step(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *cfg,
		   const struct vrrp_fsm_ev *ev, uint64_t now, struct vrrp_fsm_out *out)
{
	out->actions = 0;
	out->from = f->state;
	out->reason = NULL;

	switch (ev->type) {
	case VRRP_EV_STARTUP:
		on_startup(f, cfg, now, out);
		break;
	case VRRP_EV_SHUTDOWN:
		on_shutdown(f, out);
		break;
	case VRRP_EV_ADVERT:
		on_advert(f, cfg, ev, now, out);
		break;
	case VRRP_EV_ADVER_TIMER:
		on_adver_timer(f, cfg, now, out);
		break;
	case VRRP_EV_MASTER_DOWN_TIMER:
		on_master_down_timer(f, cfg, now, out);
		break;
	case VRRP_EV_PRIORITY:
		on_priority(f, cfg, ev, now, out);
		break;
	case VRRP_EV_FAULT:
		on_fault(f, out);
		break;
	case VRRP_EV_SYNC_MASTER:
	case VRRP_EV_SYNC_BACKUP:
		on_sync(f, cfg, ev, now, out);
		break;
	case VRRP_EV_FAULT_CLEAR:
		on_fault_clear(f, cfg, now, out);
		break;
	}
}

enum vrrp_live_master_reason vrrp_live_master_reason(const char *fsm_reason, int heard_lower_master,
						     int owner)
{
	if (!fsm_reason)
		return VRRP_LIVE_NOT_MASTER;
	if (owner || strcmp(fsm_reason, R_STARTUP_OWNER) == 0)
		return VRRP_LIVE_PRIORITY;   /* also an owner out of FAULT */
	return heard_lower_master ? VRRP_LIVE_PREEMPTED : VRRP_LIVE_MASTER_NO_RESPONSE;
}
