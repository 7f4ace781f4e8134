/*
 * test_vrrp_fsm.c - the VRRP state machine, driven with a fake clock.
 *
 * First one rule at a time (RFC 5798 section 6, RFC 3768 section 6), with
 * the exact deadlines a user would see as "when does the backup take over"
 * and "when does the next advert go out".  Then, as chrony's
 * test/unit/ntp_core.c does, a randomized LAN of 2-5 routers on a virtual
 * clock: adverts delayed and lost, routers shut down, started, faulted and
 * re-prioritized, and after every quiet period exactly one master.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_live.h"

#define MS(x) ((uint64_t)(x) * 1000000ULL)
#define SEC(x) ((uint64_t)(x) * 1000000000ULL)
#define T0 SEC(1000)             /* an arbitrary monotonic start */

/* priority 100, Master_Adver_Interval 1 s (RFC 5798 6.1) */
#define SKEW_100 609375000ULL    /* (256 - 100) * 1 s / 256 */
#define MDI_100 3609375000ULL    /* 3 * 1 s + Skew_Time */

#define ADVERT_ONLY VRRP_ACT_SEND_ADVERT
#define TAKEOVER (VRRP_ACT_ADD_VIPS | VRRP_ACT_SEND_ADVERT | VRRP_ACT_GARP)
#define STEP_DOWN (VRRP_ACT_SEND_PRIO0 | VRRP_ACT_DEL_VIPS)

static const char OUR_ADDR[] = "10.0.0.2";

static struct vaddr addr(const char *s)
{
	struct vaddr a;

	assert_int_equal(vaddr_parse(&a, s), 0);
	return a;
}

static struct vrrp_fsm_cfg mkcfg(uint8_t version, uint32_t adver_int_cs, bool preempt,
				 uint64_t preempt_delay_ns)
{
	struct vrrp_fsm_cfg c = {
		.version = version,
		.adver_int_cs = adver_int_cs,
		.preempt = preempt,
		.preempt_delay_ns = preempt_delay_ns,
		.primary = addr(OUR_ADDR),
	};

	return c;
}

static struct vrrp_fsm_out ev(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *c,
			      enum vrrp_fsm_ev_type type, uint64_t now)
{
	struct vrrp_fsm_ev e = { .type = type };
	struct vrrp_fsm_out out;

	vrrp_fsm_step(f, c, &e, now, &out);
	return out;
}

static struct vrrp_fsm_out advert(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *c,
				  uint8_t prio, uint16_t int_cs, const char *src, uint64_t now)
{
	struct vrrp_fsm_ev e = {
		.type = VRRP_EV_ADVERT, .priority = prio, .adver_int_cs = int_cs, .src = addr(src),
	};
	struct vrrp_fsm_out out;

	vrrp_fsm_step(f, c, &e, now, &out);
	return out;
}

static struct vrrp_fsm_out set_priority(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *c,
					uint8_t prio, uint64_t now)
{
	struct vrrp_fsm_ev e = { .type = VRRP_EV_PRIORITY, .priority = prio };
	struct vrrp_fsm_out out;

	vrrp_fsm_step(f, c, &e, now, &out);
	return out;
}

/* A started backup that has heard nobody yet. */
static void start_backup(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *c, uint8_t prio,
			 uint64_t now)
{
	vrrp_fsm_init(f, c, prio);
	ev(f, c, VRRP_EV_STARTUP, now);
	assert_int_equal(f->state, VRRP_STATE_BACKUP);
}

/* A master that got there the usual way: nobody answered for a
 * Master_Down_Interval.  Returns the time it became master. */
static uint64_t start_master(struct vrrp_fsm *f, const struct vrrp_fsm_cfg *c, uint8_t prio,
			     uint64_t now)
{
	start_backup(f, c, prio, now);
	now = f->master_down_deadline;
	ev(f, c, VRRP_EV_MASTER_DOWN_TIMER, now);
	assert_int_equal(f->state, VRRP_STATE_MASTER);
	return now;
}

/* --- timer math (RFC 5798 6.1, RFC 3768 6.1) ----------------------------- */

static void test_timer_math_exact_in_ns(void **state)
{
	/* 1 s interval (v3 100 cs, or v2 1 s held as 100 cs) */
	assert_int_equal(vrrp_skew_time_ns(100, 100), SKEW_100);
	assert_int_equal(vrrp_master_down_interval_ns(100, 100), MDI_100);
	assert_int_equal(vrrp_skew_time_ns(255, 100), 3906250);
	assert_int_equal(vrrp_master_down_interval_ns(255, 100), 3003906250ULL);
	assert_int_equal(vrrp_skew_time_ns(1, 100), 996093750);
	assert_int_equal(vrrp_master_down_interval_ns(1, 100), 3996093750ULL);
	/* v3 at 10 ms: rounding to centiseconds would lose all of it */
	assert_int_equal(vrrp_skew_time_ns(100, 1), 6093750);
	assert_int_equal(vrrp_master_down_interval_ns(100, 1), 36093750);
	assert_int_equal(vrrp_skew_time_ns(254, 1), 78125);
	/* the largest v3 interval, 40.95 s */
	assert_int_equal(vrrp_master_down_interval_ns(100, 4095),
			 3ULL * 40950000000ULL + 156ULL * 40950000000ULL / 256);
}

static void test_state_names(void **state)
{
	assert_string_equal(vrrp_state_name(VRRP_STATE_INIT), "INIT");
	assert_string_equal(vrrp_state_name(VRRP_STATE_BACKUP), "BACKUP");
	assert_string_equal(vrrp_state_name(VRRP_STATE_MASTER), "MASTER");
	assert_string_equal(vrrp_state_name(VRRP_STATE_FAULT), "FAULT");
}

/* --- startup (6.4.1) ------------------------------------------------------ */

static void test_init_is_idle(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;

	vrrp_fsm_init(&f, &c, 100);
	assert_int_equal(f.state, VRRP_STATE_INIT);
	assert_int_equal(f.priority, 100);
	assert_int_equal(f.adver_deadline, VRRP_NEVER);
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
	/* adverts and timers do nothing before startup */
	assert_int_equal(advert(&f, &c, 50, 100, "10.0.0.1", T0).actions, 0);
	assert_int_equal(ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, T0).actions, 0);
	assert_int_equal(ev(&f, &c, VRRP_EV_ADVER_TIMER, T0).actions, 0);
	assert_int_equal(ev(&f, &c, VRRP_EV_SHUTDOWN, T0).actions, 0);
	assert_int_equal(f.state, VRRP_STATE_INIT);
}

static void test_startup_waits_as_backup(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, SEC(7));
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;

	vrrp_fsm_init(&f, &c, 100);
	out = ev(&f, &c, VRRP_EV_STARTUP, T0);
	assert_int_equal(out.from, VRRP_STATE_INIT);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_string_equal(out.reason, "startup");
	assert_int_equal(out.actions, 0);                    /* no VIPs, no advert */
	assert_int_equal(f.master_down_deadline, T0 + MDI_100);
	assert_int_equal(f.adver_deadline, VRRP_NEVER);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.preempt_after, T0 + SEC(7));
	assert_false(vaddr_is_set(&f.master_addr));          /* no master known yet */

	/* a second startup while running changes nothing */
	out = ev(&f, &c, VRRP_EV_STARTUP, T0 + SEC(1));
	assert_int_equal(out.actions, 0);
	assert_null(out.reason);
	assert_int_equal(f.master_down_deadline, T0 + MDI_100);
}

static void test_startup_as_owner_is_master_at_once(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;

	vrrp_fsm_init(&f, &c, 255);
	out = ev(&f, &c, VRRP_EV_STARTUP, T0);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_string_equal(out.reason, "startup as address owner");
	assert_int_equal(out.actions, TAKEOVER);
	assert_int_equal(f.adver_deadline, T0 + SEC(1));
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
	assert_true(vaddr_equal(&f.master_addr, &c.primary));
	assert_int_equal(f.master_priority, 255);
}

static void test_startup_in_fault_waits_for_clear(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, SEC(5));
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;

	vrrp_fsm_init(&f, &c, 100);
	/* a tracker fails before startup: remembered, still INIT */
	out = ev(&f, &c, VRRP_EV_FAULT, T0 - SEC(1));
	assert_int_equal(f.state, VRRP_STATE_INIT);
	assert_true(f.fault);
	assert_null(out.reason);

	out = ev(&f, &c, VRRP_EV_STARTUP, T0);
	assert_int_equal(f.state, VRRP_STATE_FAULT);
	assert_non_null(out.reason);
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.adver_deadline, VRRP_NEVER);
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);

	/* adverts and timers in FAULT change nothing */
	assert_int_equal(advert(&f, &c, 50, 100, "10.0.0.1", T0 + SEC(1)).actions, 0);
	assert_int_equal(ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, T0 + SEC(9)).actions, 0);
	assert_int_equal(ev(&f, &c, VRRP_EV_ADVER_TIMER, T0 + SEC(9)).actions, 0);
	assert_int_equal(f.state, VRRP_STATE_FAULT);

	/* cleared 10 s later: BACKUP, preempt_after still counts from startup */
	out = ev(&f, &c, VRRP_EV_FAULT_CLEAR, T0 + SEC(10));
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_string_equal(out.reason, "fault cleared");
	assert_false(f.fault);
	assert_int_equal(f.master_down_deadline, T0 + SEC(10) + MDI_100);
	assert_int_equal(f.preempt_after, T0 + SEC(5));
}

/* --- backup (6.4.2) ------------------------------------------------------- */

static void test_backup_takes_over_when_master_goes_silent(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	char buf[VADDR_STRLEN];
	uint64_t last;

	start_backup(&f, &c, 100, T0);
	/* a master at 200 advertises every second: the timer keeps moving */
	for (last = T0 + MS(300); last < T0 + SEC(10); last += SEC(1)) {
		out = advert(&f, &c, 200, 100, "10.0.0.9", last);
		assert_int_equal(out.actions, 0);
		assert_int_equal(f.state, VRRP_STATE_BACKUP);
		assert_int_equal(f.master_down_deadline, last + MDI_100);
	}
	last -= SEC(1);
	assert_string_equal(vaddr_str(&f.master_addr, buf), "10.0.0.9");
	assert_int_equal(f.master_priority, 200);

	/* one ns early: still backup */
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, last + MDI_100 - 1);
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);

	/* the master went silent: take over exactly Master_Down_Interval later */
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, last + MDI_100);
	assert_int_equal(out.from, VRRP_STATE_BACKUP);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_string_equal(out.reason, "master down timer expired");
	assert_int_equal(out.actions, TAKEOVER);
	assert_int_equal(f.adver_deadline, last + MDI_100 + SEC(1));
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
	assert_true(vaddr_equal(&f.master_addr, &c.primary));
	assert_int_equal(f.master_priority, 100);
}

static void test_stale_master_down_timer_is_ignored(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;

	start_backup(&f, &c, 100, T0);
	advert(&f, &c, 200, 100, "10.0.0.9", T0 + SEC(2));
	/* the caller's timer armed at startup fires: the master is alive */
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, T0 + MDI_100);
	assert_int_equal(out.actions, 0);
	assert_null(out.reason);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(f.master_down_deadline, T0 + SEC(2) + MDI_100);
	/* an Adver_Timer in BACKUP is stale too */
	out = ev(&f, &c, VRRP_EV_ADVER_TIMER, T0 + SEC(3));
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.adver_deadline, VRRP_NEVER);
}

static void test_priority0_advert_takes_over_after_skew_time(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t = T0 + SEC(5);

	start_backup(&f, &c, 100, T0);
	advert(&f, &c, 200, 100, "10.0.0.9", t - SEC(1));
	out = advert(&f, &c, 0, 100, "10.0.0.9", t);
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(f.master_down_deadline, t + SKEW_100);

	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, t + SKEW_100);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.actions, TAKEOVER);
	assert_string_equal(out.reason, "priority 0 advert");

	/* the owner's skew is 1/256 of an interval: it answers first */
	start_backup(&f, &c, 255 - 1, T0);
	set_priority(&f, &c, 255, T0);
	advert(&f, &c, 0, 100, "10.0.0.9", t);
	assert_int_equal(f.master_down_deadline, t + 3906250);
}

static void test_v3_backup_learns_master_interval(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	uint64_t t = T0 + SEC(1);

	start_backup(&f, &c, 100, T0);
	/* the master advertises every 10 ms: down after 36.09375 ms */
	advert(&f, &c, 200, 1, "10.0.0.9", t);
	assert_int_equal(f.master_adver_int_cs, 1);
	assert_int_equal(f.master_down_deadline, t + 36093750);
	/* priority 0: Skew_Time from the learned interval */
	advert(&f, &c, 0, 1, "10.0.0.9", t + MS(10));
	assert_int_equal(f.master_down_deadline, t + MS(10) + 6093750);
	/* as master it advertises at its own 1 s again */
	ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, t + MS(10) + 6093750);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.adver_deadline, t + MS(10) + 6093750 + SEC(1));
}

static void test_v2_uses_own_interval(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(2, 100, true, 0);
	struct vrrp_fsm f;
	uint64_t t = T0 + SEC(1);

	start_backup(&f, &c, 100, T0);
	/* RFC 3768 has no learned interval: the v2 Skew_Time is (256-p)/256 s */
	advert(&f, &c, 200, 300, "10.0.0.9", t);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.master_down_deadline, t + MDI_100);
	advert(&f, &c, 0, 300, "10.0.0.9", t + SEC(1));
	assert_int_equal(f.master_down_deadline, t + SEC(1) + SKEW_100);
}

static void test_preempt_ignores_lower_master(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;

	start_backup(&f, &c, 100, T0);
	/* a master at 50 keeps advertising, we do not listen */
	out = advert(&f, &c, 50, 100, "10.0.0.9", T0 + SEC(1));
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.master_down_deadline, T0 + MDI_100);
	advert(&f, &c, 50, 100, "10.0.0.9", T0 + SEC(2));
	advert(&f, &c, 50, 100, "10.0.0.9", T0 + SEC(3));
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, T0 + MDI_100);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.actions, TAKEOVER);
	/* the log says what happened: the lower master was alive */
	assert_string_equal(out.reason, "preempting a lower priority master");

	/* a lower master that went silent 2 s before: it is gone, not preempted */
	start_backup(&f, &c, 100, T0);
	advert(&f, &c, 50, 100, "10.0.0.9", T0 + SEC(1));
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, T0 + MDI_100 + SEC(1));
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_string_equal(out.reason, "master down timer expired");

	/* an equal priority master is accepted, whatever its address */
	start_backup(&f, &c, 100, T0);
	advert(&f, &c, 100, 100, "10.0.0.1", T0 + SEC(1));
	assert_int_equal(f.master_down_deadline, T0 + SEC(1) + MDI_100);
}

static void test_nopreempt_keeps_lower_master(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, false, 0);
	struct vrrp_fsm f;
	uint64_t t;

	start_backup(&f, &c, 200, T0);
	for (t = T0 + SEC(1); t < T0 + SEC(60); t += SEC(1)) {
		advert(&f, &c, 50, 100, "10.0.0.9", t);
		assert_int_equal(f.master_down_deadline,
				 t + vrrp_master_down_interval_ns(200, 100));
		assert_int_equal(ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, t).actions, 0);
	}
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(f.master_priority, 50);
}

static void test_owner_preempts_even_with_nopreempt(void **state)
{
	/* RFC 5798 6.1, Preempt_Mode note: the owner always preempts */
	struct vrrp_fsm_cfg c = mkcfg(3, 100, false, SEC(60));
	struct vrrp_fsm f;

	start_backup(&f, &c, 100, T0);
	set_priority(&f, &c, 255, T0 + SEC(1));
	advert(&f, &c, 200, 100, "10.0.0.9", T0 + SEC(2));
	assert_int_equal(f.master_down_deadline, T0 + MDI_100);   /* discarded */
	ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, T0 + MDI_100);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
}

static void test_preempt_delay_accepts_lower_master_for_a_while(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, SEC(10));
	struct vrrp_fsm f;
	uint64_t t, last = 0;

	start_backup(&f, &c, 200, T0);
	/* a master at 50 advertises every second, at x.5 s */
	for (t = T0 + MS(500); t < T0 + SEC(12); t += SEC(1)) {
		advert(&f, &c, 50, 100, "10.0.0.9", t);
		if (t < T0 + SEC(10)) {
			last = t;
			assert_int_equal(f.master_down_deadline,
					 t + vrrp_master_down_interval_ns(200, 100));
		}
	}
	/* accepted until 9.5 s; after 10 s discarded: takes over at 9.5 s + MDI */
	assert_int_equal(last, T0 + MS(9500));
	assert_int_equal(f.master_down_deadline, last + vrrp_master_down_interval_ns(200, 100));
	ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, f.master_down_deadline);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
}

/* --- master (6.4.3) ------------------------------------------------------- */

static void test_master_advertises_every_interval(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t = start_master(&f, &c, 100, T0);
	int i;

	for (i = 1; i <= 5; i++) {
		assert_int_equal(f.adver_deadline, t + SEC(i));
		/* a stale timer, armed before the last reset, sends nothing */
		out = ev(&f, &c, VRRP_EV_ADVER_TIMER, t + SEC(i) - MS(1));
		assert_int_equal(out.actions, 0);
		out = ev(&f, &c, VRRP_EV_ADVER_TIMER, t + SEC(i));
		assert_int_equal(out.actions, ADVERT_ONLY);
		assert_null(out.reason);
		assert_int_equal(f.state, VRRP_STATE_MASTER);
	}
	/* a Master_Down_Timer in MASTER is stale */
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, t + SEC(6));
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
}

static void test_master_yields_to_higher_priority(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	char buf[VADDR_STRLEN];
	uint64_t t = start_master(&f, &c, 100, T0) + MS(400);

	out = advert(&f, &c, 101, 50, "10.0.0.1", t);
	assert_int_equal(out.from, VRRP_STATE_MASTER);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_string_equal(out.reason, "higher priority advert");
	assert_int_equal(out.actions, VRRP_ACT_DEL_VIPS);           /* no prio 0 */
	assert_int_equal(f.adver_deadline, VRRP_NEVER);
	/* v3: the new master's 0.5 s interval */
	assert_int_equal(f.master_adver_int_cs, 50);
	assert_int_equal(f.master_down_deadline, t + vrrp_master_down_interval_ns(100, 50));
	assert_string_equal(vaddr_str(&f.master_addr, buf), "10.0.0.1");
	assert_int_equal(f.master_priority, 101);
}

static void test_master_tie_broken_by_address(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t = start_master(&f, &c, 100, T0) + MS(400);

	/* equal priority from a lower address (10.0.0.1 < 10.0.0.2): we stay,
	 * and answer at once so the other one steps down */
	out = advert(&f, &c, 100, 100, "10.0.0.1", t);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.actions, VRRP_ACT_OTHER_MASTER | VRRP_ACT_SEND_ADVERT);
	assert_null(out.reason);
	assert_int_equal(f.adver_deadline, t + SEC(1));

	/* from a higher address (10.0.0.10 > 10.0.0.2 as numbers): we yield */
	out = advert(&f, &c, 100, 100, "10.0.0.10", t + MS(1));
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(out.actions, VRRP_ACT_DEL_VIPS);
	assert_string_equal(out.reason, "equal priority advert from higher address");
	assert_int_equal(f.master_down_deadline, t + MS(1) + MDI_100);

	/* our own priority from our own address (looped back, or a duplicate
	 * address): reported, but not answered at once, or two such masters
	 * would answer each other without end */
	t = start_master(&f, &c, 100, T0);
	out = advert(&f, &c, 100, 100, OUR_ADDR, t + MS(500));
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.actions, VRRP_ACT_OTHER_MASTER);
	assert_int_equal(f.adver_deadline, t + SEC(1));

	/* IPv6 compares the same way */
	c.primary = addr("fe80::2");
	start_master(&f, &c, 100, T0);
	advert(&f, &c, 100, 100, "fe80::1", T0 + SEC(5));
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	advert(&f, &c, 100, 100, "fe80::1:0", T0 + SEC(5));
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
}

static void test_master_answers_lower_master_at_once(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(2, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t = start_master(&f, &c, 100, T0) + MS(300);

	out = advert(&f, &c, 99, 100, "10.0.0.200", t);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.actions, VRRP_ACT_OTHER_MASTER | VRRP_ACT_SEND_ADVERT);
	assert_int_equal(f.adver_deadline, t + SEC(1));
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
}

static void test_master_answers_priority0_at_once(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t = start_master(&f, &c, 100, T0) + MS(700);

	out = advert(&f, &c, 0, 100, "10.0.0.200", t);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.actions, ADVERT_ONLY);
	assert_int_equal(f.adver_deadline, t + SEC(1));
}

/* --- shutdown, fault, priority -------------------------------------------- */

static void test_shutdown(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t = start_master(&f, &c, 100, T0) + MS(10);

	/* the master says goodbye with priority 0 and drops the VIPs */
	out = ev(&f, &c, VRRP_EV_SHUTDOWN, t);
	assert_int_equal(out.from, VRRP_STATE_MASTER);
	assert_int_equal(f.state, VRRP_STATE_INIT);
	assert_string_equal(out.reason, "shutdown");
	assert_int_equal(out.actions, STEP_DOWN);
	assert_int_equal(f.adver_deadline, VRRP_NEVER);
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
	/* its stale Adver_Timer does not bring it back */
	assert_int_equal(ev(&f, &c, VRRP_EV_ADVER_TIMER, t + SEC(1)).actions, 0);

	/* a backup leaves silently */
	start_backup(&f, &c, 100, T0);
	out = ev(&f, &c, VRRP_EV_SHUTDOWN, T0 + SEC(1));
	assert_int_equal(f.state, VRRP_STATE_INIT);
	assert_int_equal(out.actions, 0);
	assert_string_equal(out.reason, "shutdown");
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
	/* and may start again */
	ev(&f, &c, VRRP_EV_STARTUP, T0 + SEC(2));
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(f.master_down_deadline, T0 + SEC(2) + MDI_100);
}

static void test_fault_and_clear(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t = start_master(&f, &c, 100, T0) + SEC(1);

	/* master: priority 0 advert, VIPs go */
	out = ev(&f, &c, VRRP_EV_FAULT, t);
	assert_int_equal(f.state, VRRP_STATE_FAULT);
	assert_string_equal(out.reason, "fault");
	assert_int_equal(out.actions, STEP_DOWN);
	assert_int_equal(f.adver_deadline, VRRP_NEVER);
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
	/* a second fault changes nothing */
	out = ev(&f, &c, VRRP_EV_FAULT, t + 1);
	assert_int_equal(out.actions, 0);
	assert_null(out.reason);

	/* clear: back as backup, no VIPs until the master down timer */
	out = ev(&f, &c, VRRP_EV_FAULT_CLEAR, t + SEC(3));
	assert_int_equal(out.from, VRRP_STATE_FAULT);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.master_down_deadline, t + SEC(3) + MDI_100);

	/* backup: timers stop, nothing sent */
	out = ev(&f, &c, VRRP_EV_FAULT, t + SEC(4));
	assert_int_equal(f.state, VRRP_STATE_FAULT);
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);
	/* a fault cleared while INIT only forgets the fault */
	ev(&f, &c, VRRP_EV_SHUTDOWN, t + SEC(5));
	out = ev(&f, &c, VRRP_EV_FAULT_CLEAR, t + SEC(6));
	assert_int_equal(f.state, VRRP_STATE_INIT);
	assert_false(f.fault);
	assert_int_equal(out.actions, 0);

	/* the owner comes out of fault as master */
	vrrp_fsm_init(&f, &c, 255);
	ev(&f, &c, VRRP_EV_STARTUP, T0);
	ev(&f, &c, VRRP_EV_FAULT, T0 + SEC(1));
	out = ev(&f, &c, VRRP_EV_FAULT_CLEAR, T0 + SEC(2));
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.actions, TAKEOVER);
	assert_string_equal(out.reason, "fault cleared");
	assert_int_equal(f.adver_deadline, T0 + SEC(3));
}

static void test_priority_change(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t = start_master(&f, &c, 100, T0) + MS(250);
	uint64_t down;

	/* master: advertise the new priority now, not in up to a second */
	out = set_priority(&f, &c, 90, t);
	assert_int_equal(f.priority, 90);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.actions, ADVERT_ONLY);
	assert_null(out.reason);
	assert_int_equal(f.adver_deadline, t + SEC(1));
	/* the same priority again: nothing to tell */
	assert_int_equal(set_priority(&f, &c, 90, t + 1).actions, 0);
	/* now a 95 wins */
	advert(&f, &c, 95, 100, "10.0.0.1", t + MS(1));
	assert_int_equal(f.state, VRRP_STATE_BACKUP);

	/* backup: no transition, no advert; the new priority is used for the
	 * next advert received (a preempting backup now outranks the master) */
	down = t + MS(1) + vrrp_master_down_interval_ns(90, 100);
	assert_int_equal(f.master_down_deadline, down);
	out = set_priority(&f, &c, 120, t + MS(2));
	assert_int_equal(out.actions, 0);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(f.master_down_deadline, down);
	advert(&f, &c, 95, 100, "10.0.0.1", t + SEC(1));
	assert_int_equal(f.master_down_deadline, down);
	ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, down);
	assert_int_equal(f.state, VRRP_STATE_MASTER);

	/* 0 is reserved for "leaving": never our priority */
	set_priority(&f, &c, 0, t + SEC(5));
	assert_int_equal(f.priority, 1);
}

/* --- randomized LAN on a virtual clock ------------------------------------- */

#define SIM_MAX_ROUTERS 5
#define SIM_MAX_PKTS 256
#define SIM_INT_CS 100                   /* every router advertises every 1 s */
#define SIM_MAX_DELAY_NS MS(2)           /* advert delivery 0-2 ms */
#define SIM_MAX_PREEMPT_DELAY SEC(3)
#define SIM_ROUNDS 20                    /* disturb, then quiet, then check */
#define SIM_SEEDS 200

enum sim_loss { LOSS_ALL, LOSS_FROM_ONE, LOSS_TO_ONE, LOSS_HALF, LOSS__COUNT };

struct sim_router {
	struct vrrp_fsm_cfg cfg;
	struct vrrp_fsm f;
	bool vips;                       /* as the caller would have them */
	uint64_t last_advert;
};

struct sim_pkt {
	uint64_t at;
	int from, to;
	uint8_t prio;
};

struct sim_stats {
	unsigned long steps, adverts, lost, takeovers, prio0_takeovers,
		other_master, addr_yields, stale_ignored, checks, runs;
};

struct sim {
	uint32_t seed;
	uint64_t rng;
	uint64_t now;
	int n;
	struct sim_router r[SIM_MAX_ROUTERS];
	struct sim_pkt q[SIM_MAX_PKTS];
	int nq;
	uint64_t loss_until;
	enum sim_loss loss;
	int loss_router;
	struct sim_stats *st;
};

static uint64_t rnd(struct sim *s)
{
	/* splitmix64: the same sequence on every platform */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(struct sim *s, uint64_t n)
{
	return rnd(s) % n;
}

static bool chance(struct sim *s, unsigned percent)
{
	return rnd_below(s, 100) < percent;
}

static void sim_dump(const struct sim *s)
{
	char buf[VADDR_STRLEN];
	int i;

	for (i = 0; i < s->n; i++) {
		const struct sim_router *r = &s->r[i];

		print_error("#  r%d %s prio %u %s%s v%u fault %d vips %d adver %+lld ms "
			    "down %+lld ms master %s/%u\n",
			    i, vrrp_state_name(r->f.state), r->f.priority,
			    r->cfg.preempt ? "preempt" : "nopreempt",
			    r->cfg.preempt_delay_ns ? " (delay)" : "", r->cfg.version,
			    r->f.fault, r->vips,
			    r->f.adver_deadline == VRRP_NEVER ? 0LL :
			    (long long)(r->f.adver_deadline - s->now) / 1000000,
			    r->f.master_down_deadline == VRRP_NEVER ? 0LL :
			    (long long)(r->f.master_down_deadline - s->now) / 1000000,
			    vaddr_str(&r->f.master_addr, buf), r->f.master_priority);
	}
}

static void sim_check(const struct sim *s, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void sim_check(const struct sim *s, bool ok, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	sim_dump(s);
	fail_msg("seed %u (replay: VIGIL_FSM_SEED=%u) t=%.6f s step %lu: %s",
		 s->seed, s->seed, (double)s->now / 1e9, s->st->steps, what);
}

static bool sim_lost(struct sim *s, int from, int to)
{
	if (s->now >= s->loss_until)
		return false;
	switch (s->loss) {
	case LOSS_ALL:
		return true;
	case LOSS_FROM_ONE:
		return from == s->loss_router;
	case LOSS_TO_ONE:
		return to == s->loss_router;
	default:
		return chance(s, 50);
	}
}

static void sim_send(struct sim *s, int from, uint8_t prio)
{
	int to;

	s->st->adverts++;
	for (to = 0; to < s->n; to++) {
		if (to == from)
			continue;
		if (sim_lost(s, from, to)) {
			s->st->lost++;
			continue;
		}
		sim_check(s, s->nq < SIM_MAX_PKTS, "packet queue full");
		s->q[s->nq++] = (struct sim_pkt){
			.at = s->now + rnd_below(s, SIM_MAX_DELAY_NS + 1),
			.from = from, .to = to, .prio = prio,
		};
	}
}

/* What every router must look like after every step. */
static void sim_check_invariants(const struct sim *s)
{
	uint64_t interval = (uint64_t)SIM_INT_CS * 10000000ULL;
	int i;

	for (i = 0; i < s->n; i++) {
		const struct sim_router *r = &s->r[i];
		const struct vrrp_fsm *f = &r->f;
		bool adver = f->adver_deadline != VRRP_NEVER;
		bool down = f->master_down_deadline != VRRP_NEVER;

		sim_check(s, f->priority >= 1, "r%d priority 0", i);
		sim_check(s, !adver || f->adver_deadline >= s->now, "r%d adver deadline past", i);
		sim_check(s, !down || f->master_down_deadline >= s->now,
			  "r%d master down deadline past", i);
		sim_check(s, r->vips == (f->state == VRRP_STATE_MASTER),
			  "r%d VIPs %s in %s", i, r->vips ? "up" : "down",
			  vrrp_state_name(f->state));
		sim_check(s, f->state != VRRP_STATE_FAULT || f->fault, "r%d FAULT without fault", i);
		sim_check(s, !f->fault || f->state == VRRP_STATE_FAULT || f->state == VRRP_STATE_INIT,
			  "r%d faulty but %s", i, vrrp_state_name(f->state));
		switch (f->state) {
		case VRRP_STATE_MASTER:
			sim_check(s, adver && !down, "r%d MASTER timers", i);
			/* a master is never silent for more than an interval */
			sim_check(s, s->now <= r->last_advert + interval &&
				  f->adver_deadline <= r->last_advert + interval,
				  "r%d master silent", i);
			break;
		case VRRP_STATE_BACKUP:
			sim_check(s, down && !adver, "r%d BACKUP timers", i);
			break;
		default:
			sim_check(s, !down && !adver, "r%d %s timers", i, vrrp_state_name(f->state));
			break;
		}
	}
}

/* Carry the actions out as vrrp_inst.c would, checking each makes sense. */
static void sim_step(struct sim *s, int i, const struct vrrp_fsm_ev *e)
{
	struct sim_router *r = &s->r[i];
	struct vrrp_fsm_out out;
	enum vrrp_state before = r->f.state;

	vrrp_fsm_step(&r->f, &r->cfg, e, s->now, &out);
	s->st->steps++;

	sim_check(s, out.from == before, "r%d from", i);
	sim_check(s, (out.reason != NULL) == (r->f.state != before),
		  "r%d %s -> %s reason %s", i, vrrp_state_name(before),
		  vrrp_state_name(r->f.state), out.reason ? out.reason : "(none)");
	if (out.actions & VRRP_ACT_SEND_PRIO0) {
		sim_check(s, before == VRRP_STATE_MASTER, "r%d prio 0 from %s", i,
			  vrrp_state_name(before));
		sim_send(s, i, 0);
	}
	if (out.actions & VRRP_ACT_DEL_VIPS) {
		sim_check(s, r->vips, "r%d removes VIPs it does not have", i);
		r->vips = false;
	}
	if (out.actions & VRRP_ACT_ADD_VIPS) {
		sim_check(s, !r->vips, "r%d adds VIPs twice", i);
		r->vips = true;
	}
	sim_check(s, !(out.actions & VRRP_ACT_GARP) == !(out.actions & VRRP_ACT_ADD_VIPS),
		  "r%d GARP without new VIPs", i);
	if (out.actions & VRRP_ACT_SEND_ADVERT) {
		sim_check(s, r->f.state == VRRP_STATE_MASTER, "r%d advert as %s", i,
			  vrrp_state_name(r->f.state));
		sim_send(s, i, r->f.priority);
		r->last_advert = s->now;
	}
	if (out.actions & VRRP_ACT_OTHER_MASTER)
		s->st->other_master++;
	if (before == VRRP_STATE_BACKUP && r->f.state == VRRP_STATE_MASTER) {
		s->st->takeovers++;
		if (strcmp(out.reason, "priority 0 advert") == 0)
			s->st->prio0_takeovers++;
	}
	if (before == VRRP_STATE_MASTER && r->f.state == VRRP_STATE_BACKUP &&
	    strstr(out.reason, "address"))
		s->st->addr_yields++;
	sim_check_invariants(s);
}

static void sim_event(struct sim *s, int i, enum vrrp_fsm_ev_type type, uint8_t prio)
{
	struct vrrp_fsm_ev e = { .type = type, .priority = prio };

	sim_step(s, i, &e);
}

/* Run every timer and delivery due up to and including `until`. */
static void sim_run_until(struct sim *s, uint64_t until)
{
	for (;;) {
		uint64_t at = VRRP_NEVER;
		int kind = -1, idx = -1, i;

		for (i = 0; i < s->n; i++) {
			if (s->r[i].f.adver_deadline < at) {
				at = s->r[i].f.adver_deadline;
				kind = 0;
				idx = i;
			}
			if (s->r[i].f.master_down_deadline < at) {
				at = s->r[i].f.master_down_deadline;
				kind = 1;
				idx = i;
			}
		}
		for (i = 0; i < s->nq; i++) {
			if (s->q[i].at < at) {
				at = s->q[i].at;
				kind = 2;
				idx = i;
			}
		}
		if (at > until)
			break;
		sim_check(s, at >= s->now, "event in the past");
		s->now = at;
		if (kind == 0) {
			sim_event(s, idx, VRRP_EV_ADVER_TIMER, 0);
			sim_check(s, s->r[idx].f.adver_deadline != at, "r%d adver timer not taken", idx);
		} else if (kind == 1) {
			sim_event(s, idx, VRRP_EV_MASTER_DOWN_TIMER, 0);
			sim_check(s, s->r[idx].f.master_down_deadline != at,
				  "r%d master down timer not taken", idx);
		} else {
			struct sim_pkt p = s->q[idx];
			struct vrrp_fsm_ev e = {
				.type = VRRP_EV_ADVERT, .priority = p.prio,
				.adver_int_cs = SIM_INT_CS, .src = s->r[p.from].cfg.primary,
			};

			s->q[idx] = s->q[--s->nq];
			sim_step(s, p.to, &e);
		}
	}
	s->now = until;
}

static bool fsm_same(const struct vrrp_fsm *a, const struct vrrp_fsm *b)
{
	return a->state == b->state && a->priority == b->priority && a->fault == b->fault &&
	       a->master_adver_int_cs == b->master_adver_int_cs &&
	       a->adver_deadline == b->adver_deadline &&
	       a->master_down_deadline == b->master_down_deadline &&
	       a->preempt_after == b->preempt_after &&
	       vaddr_cmp(&a->master_addr, &b->master_addr) == 0 &&
	       a->master_priority == b->master_priority;
}

/* The caller's timer fired, but the deadline moved since it was armed (or
 * the state changed): nothing may happen.  All due timers have run, so any
 * timer now is stale. */
static void sim_stale_timer(struct sim *s, int i)
{
	struct sim_router *r = &s->r[i];
	struct vrrp_fsm before = r->f;
	struct vrrp_fsm_ev e = {
		.type = chance(s, 50) ? VRRP_EV_ADVER_TIMER : VRRP_EV_MASTER_DOWN_TIMER,
	};
	struct vrrp_fsm_out out;

	vrrp_fsm_step(&r->f, &r->cfg, &e, s->now, &out);
	sim_check(s, out.actions == 0 && out.reason == NULL && fsm_same(&before, &r->f),
		  "r%d acted on a stale timer", i);
	s->st->stale_ignored++;
}

static uint8_t sim_priority(struct sim *s, int self)
{
	if (chance(s, 5))
		return 255;
	if (chance(s, 30)) {
		/* someone else's priority: ties for the address to break */
		int other = (int)rnd_below(s, (uint64_t)s->n);

		if (other != self && s->r[other].f.priority)
			return s->r[other].f.priority;
		return 100;
	}
	return (uint8_t)(1 + rnd_below(s, 255));
}

static void sim_disturb(struct sim *s)
{
	int i = (int)rnd_below(s, (uint64_t)s->n);
	unsigned what = (unsigned)rnd_below(s, 100);

	if (what < 12) {
		sim_event(s, i, VRRP_EV_SHUTDOWN, 0);
	} else if (what < 35) {
		sim_event(s, i, VRRP_EV_STARTUP, 0);
	} else if (what < 45) {
		sim_event(s, i, VRRP_EV_FAULT, 0);
	} else if (what < 60) {
		sim_event(s, i, VRRP_EV_FAULT_CLEAR, 0);
	} else if (what < 77) {
		sim_event(s, i, VRRP_EV_PRIORITY, sim_priority(s, i));
	} else if (what < 88) {
		if (s->now >= s->loss_until) {
			s->loss_until = s->now + MS(300) + rnd_below(s, SEC(6));
			s->loss = (enum sim_loss)rnd_below(s, LOSS__COUNT);
			s->loss_router = (int)rnd_below(s, (uint64_t)s->n);
		}
	} else {
		sim_stale_timer(s, i);
	}
}

static bool running(const struct sim_router *r)
{
	return r->f.state == VRRP_STATE_MASTER || r->f.state == VRRP_STATE_BACKUP;
}

/* Before a quiet period: at least one router must be able to serve. */
static void sim_ensure_one_running(struct sim *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (running(&s->r[i]))
			return;
	i = (int)rnd_below(s, (uint64_t)s->n);
	sim_event(s, i, VRRP_EV_FAULT_CLEAR, 0);
	sim_event(s, i, VRRP_EV_STARTUP, 0);
	sim_check(s, running(&s->r[i]), "r%d does not start", i);
}

/* After a quiet period, what the user sees: one master holding the VIPs,
 * every backup naming it, and with preemption everywhere, the highest
 * priority one. */
static void sim_check_converged(struct sim *s)
{
	int i, master = -1, masters = 0;
	bool all_preempt = true;
	uint8_t top = 0;

	for (i = 0; i < s->n; i++) {
		const struct sim_router *r = &s->r[i];

		if (r->f.state == VRRP_STATE_MASTER) {
			masters++;
			master = i;
		}
		if (!running(r))
			continue;
		if (r->f.priority > top)
			top = r->f.priority;
		if (!r->cfg.preempt && r->f.priority != 255)
			all_preempt = false;
	}
	sim_check(s, masters == 1, "%d masters after a quiet period", masters);
	for (i = 0; i < s->n; i++) {
		const struct sim_router *r = &s->r[i];

		if (r->f.state != VRRP_STATE_BACKUP)
			continue;
		sim_check(s, vaddr_equal(&r->f.master_addr, &s->r[master].cfg.primary) &&
			  r->f.master_priority == s->r[master].f.priority,
			  "r%d does not know master r%d", i, master);
	}
	if (all_preempt)
		sim_check(s, s->r[master].f.priority == top,
			  "master r%d has priority %u, not the highest %u",
			  master, s->r[master].f.priority, top);
	s->st->checks++;
}

static void sim_run(uint32_t seed, int rounds, struct sim_stats *st)
{
	struct sim s = { .seed = seed, .rng = seed, .now = SEC(100), .st = st };
	uint8_t version;
	bool v6;
	uint64_t quiet;
	int i, round;

	s.n = 2 + (int)rnd_below(&s, SIM_MAX_ROUTERS - 1);
	version = chance(&s, 50) ? 2 : 3;
	v6 = version == 3 && chance(&s, 50);        /* v2 is IPv4 only */
	for (i = 0; i < s.n; i++) {
		struct sim_router *r = &s.r[i];
		char a[32];

		snprintf(a, sizeof(a), v6 ? "fe80::%x" : "10.0.0.%d", 1 + i);
		r->cfg = (struct vrrp_fsm_cfg){
			.version = version,
			.adver_int_cs = SIM_INT_CS,
			.preempt = chance(&s, 70),
			.preempt_delay_ns = chance(&s, 70) ? 0 : rnd_below(&s, SIM_MAX_PREEMPT_DELAY + 1),
		};
		vaddr_parse(&r->cfg.primary, a);
		vrrp_fsm_init(&r->f, &r->cfg, sim_priority(&s, i));
	}
	/* everyone starts within half a second */
	for (i = 0; i < s.n; i++) {
		sim_run_until(&s, s.now + rnd_below(&s, MS(500)));
		sim_event(&s, i, VRRP_EV_STARTUP, 0);
	}

	/* Quiet long enough for any master down timer to have run out 4 times
	 * over, after any preempt_delay. */
	quiet = 4 * vrrp_master_down_interval_ns(1, SIM_INT_CS) + SIM_MAX_PREEMPT_DELAY;
	for (round = 0; round < rounds; round++) {
		uint64_t end = s.now + SEC(1) + rnd_below(&s, SEC(20));

		while (s.now < end) {
			sim_run_until(&s, s.now + rnd_below(&s, SEC(2)));
			sim_disturb(&s);
		}
		sim_ensure_one_running(&s);
		sim_run_until(&s, (s.loss_until > s.now ? s.loss_until : s.now) + quiet);
		sim_check_converged(&s);
	}
	st->runs++;
}

/* A failure prints its seed; VIGIL_FSM_SEED=<seed> replays it in the
 * fixed-seed test (more rounds of the same sequence, so the failing round
 * comes round again). */
static uint32_t env_seed(uint32_t dflt)
{
	const char *e = getenv("VIGIL_FSM_SEED");

	return e && *e ? (uint32_t)strtoul(e, NULL, 0) : dflt;
}

static void test_random_lan_fixed_seed(void **state)
{
	struct sim_stats st = { 0 };

	sim_run(env_seed(20240501), 3 * SIM_ROUNDS, &st);
	print_message("# fixed seed: %lu steps, %lu adverts, %lu takeovers, %lu checks\n",
		      st.steps, st.adverts, st.takeovers, st.checks);
	assert_int_equal(st.checks, 3 * SIM_ROUNDS);
}

static void test_random_lan_many_seeds(void **state)
{
	struct sim_stats st = { 0 };
	uint32_t seed;

	for (seed = 1; seed <= SIM_SEEDS; seed++)
		sim_run(seed, SIM_ROUNDS, &st);
	print_message("# %d seeds: %lu steps, %lu adverts (%lu deliveries lost), "
		      "%lu takeovers (%lu after priority 0), %lu two-master answers, "
		      "%lu tie-break yields, %lu stale timers ignored, %lu convergence checks\n",
		      SIM_SEEDS, st.steps, st.adverts, st.lost, st.takeovers, st.prio0_takeovers,
		      st.other_master, st.addr_yields, st.stale_ignored, st.checks);
	assert_int_equal(st.checks, SIM_SEEDS * SIM_ROUNDS);
	/* the runs went through the interesting cases, not only the easy one */
	assert_true(st.lost > 0);
	assert_true(st.prio0_takeovers > 0);
	assert_true(st.other_master > 0);
	assert_true(st.addr_yields > 0);
	assert_true(st.stale_ignored > 0);
}

/* --- sync groups ----------------------------------------------------------- */

/* A member of a sync group follows another one to MASTER at once (VIPs,
 * GARP, advert) and back to BACKUP (VIPs removed); INIT and FAULT members
 * do not move. */
static void test_sync_group_members_follow(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(2, 100, true, 0);
	struct vrrp_fsm f, idle, faulty;
	struct vrrp_fsm_out o;
	uint64_t now = T0;

	start_backup(&f, &c, 100, now);
	o = ev(&f, &c, VRRP_EV_SYNC_MASTER, now + MS(10));
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(o.actions, TAKEOVER);
	assert_string_equal(o.reason, "sync group");
	assert_int_equal(f.adver_deadline, now + MS(10) + SEC(1));
	assert_int_equal(f.master_down_deadline, VRRP_NEVER);

	o = ev(&f, &c, VRRP_EV_SYNC_MASTER, now + MS(20));     /* already there */
	assert_int_equal(o.actions, 0);
	assert_null(o.reason);

	o = ev(&f, &c, VRRP_EV_SYNC_BACKUP, now + MS(30));
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(o.actions, VRRP_ACT_DEL_VIPS);
	assert_int_equal(f.adver_deadline, VRRP_NEVER);
	assert_int_equal(f.master_down_deadline, now + MS(30) + MDI_100);

	vrrp_fsm_init(&idle, &c, 100);
	o = ev(&idle, &c, VRRP_EV_SYNC_MASTER, now);
	assert_int_equal(idle.state, VRRP_STATE_INIT);
	assert_int_equal(o.actions, 0);

	start_backup(&faulty, &c, 100, now);
	ev(&faulty, &c, VRRP_EV_FAULT, now);
	o = ev(&faulty, &c, VRRP_EV_SYNC_MASTER, now + MS(1));
	assert_int_equal(faulty.state, VRRP_STATE_FAULT);
	assert_int_equal(o.actions, 0);
}

/* --- RFC 6527 newMasterReason (vrrp_live_master_reason) ---------------------- */

/* What the SNMP agent reports as vrrpv3StatisticsNewMasterReason comes
 * from the reason the state machine gives for a MASTER transition. */

static void test_master_reason_owner_at_startup_is_priority(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;

	vrrp_fsm_init(&f, &c, 255);
	out = ev(&f, &c, VRRP_EV_STARTUP, T0);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(vrrp_live_master_reason(out.reason, 0, 1), VRRP_LIVE_PRIORITY);
	assert_int_equal(VRRP_LIVE_PRIORITY, 1);
	/* the owner does not wait for anyone: priority, even if a lower
	 * master had been heard */
	assert_int_equal(vrrp_live_master_reason(out.reason, 1, 1), VRRP_LIVE_PRIORITY);
}

/* An owner back from FAULT takes over at once: priority(1) too, though the
 * state machine's reason is "fault cleared". */
static void test_master_reason_owner_out_of_fault_is_priority(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;

	vrrp_fsm_init(&f, &c, 255);
	out = ev(&f, &c, VRRP_EV_STARTUP, T0);
	out = ev(&f, &c, VRRP_EV_FAULT, T0 + SEC(1));
	assert_int_equal(f.state, VRRP_STATE_FAULT);
	out = ev(&f, &c, VRRP_EV_FAULT_CLEAR, T0 + SEC(2));
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_non_null(out.reason);
	assert_int_equal(vrrp_live_master_reason(out.reason, 0, 1), VRRP_LIVE_PRIORITY);
	/* the same transition of a non-owner is no response from a master */
	assert_int_equal(vrrp_live_master_reason(out.reason, 0, 0), VRRP_LIVE_MASTER_NO_RESPONSE);
}

static void test_master_reason_master_down_is_no_response_or_preempted(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t;

	/* a higher-priority master advertises, then goes silent */
	start_backup(&f, &c, 100, T0);
	t = T0 + SEC(1);
	advert(&f, &c, 200, 100, "10.0.0.9", t);
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, t + MDI_100);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(out.from, VRRP_STATE_BACKUP);
	assert_int_equal(vrrp_live_master_reason(out.reason, 0, 0), VRRP_LIVE_MASTER_NO_RESPONSE);
	assert_int_equal(VRRP_LIVE_MASTER_NO_RESPONSE, 3);

	/* a lower-priority master advertises; we preempt it: the advert is
	 * ignored and the master-down timer takes us to MASTER */
	start_backup(&f, &c, 100, T0);
	advert(&f, &c, 50, 100, "10.0.0.9", T0 + SEC(1));
	advert(&f, &c, 50, 100, "10.0.0.9", T0 + SEC(2));
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, T0 + MDI_100);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(vrrp_live_master_reason(out.reason, 1, 0), VRRP_LIVE_PREEMPTED);
	assert_int_equal(VRRP_LIVE_PREEMPTED, 2);
	/* the same transition without a lower master heard */
	assert_int_equal(vrrp_live_master_reason(out.reason, 0, 0), VRRP_LIVE_MASTER_NO_RESPONSE);
}

static void test_master_reason_master_left_is_no_response(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;

	/* the master says it is leaving (priority 0): we take over after
	 * Skew_Time; the previous master no longer answers */
	start_backup(&f, &c, 100, T0);
	advert(&f, &c, 200, 100, "10.0.0.9", T0 + SEC(1));
	advert(&f, &c, 0, 100, "10.0.0.9", T0 + SEC(2));
	out = ev(&f, &c, VRRP_EV_MASTER_DOWN_TIMER, f.master_down_deadline);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_non_null(out.reason);
	assert_int_equal(vrrp_live_master_reason(out.reason, 0, 0), VRRP_LIVE_MASTER_NO_RESPONSE);
}

static void test_master_reason_none_without_transition(void **state)
{
	struct vrrp_fsm_cfg c = mkcfg(3, 100, true, 0);
	struct vrrp_fsm f;
	struct vrrp_fsm_out out;
	uint64_t t;

	assert_int_equal(vrrp_live_master_reason(NULL, 0, 0), VRRP_LIVE_NOT_MASTER);
	assert_int_equal(vrrp_live_master_reason(NULL, 1, 0), VRRP_LIVE_NOT_MASTER);
	assert_int_equal(VRRP_LIVE_NOT_MASTER, 0);
	/* a step that changes no state has no reason: notMaster */
	t = start_master(&f, &c, 100, T0);
	out = ev(&f, &c, VRRP_EV_ADVER_TIMER, t + SEC(1));
	assert_int_equal(out.actions, ADVERT_ONLY);
	assert_null(out.reason);
	assert_int_equal(vrrp_live_master_reason(out.reason, 0, 0), VRRP_LIVE_NOT_MASTER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_math_exact_in_ns),
		cmocka_unit_test(test_sync_group_members_follow),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_init_is_idle),
		cmocka_unit_test(test_startup_waits_as_backup),
		cmocka_unit_test(test_startup_as_owner_is_master_at_once),
		cmocka_unit_test(test_startup_in_fault_waits_for_clear),
		cmocka_unit_test(test_backup_takes_over_when_master_goes_silent),
		cmocka_unit_test(test_stale_master_down_timer_is_ignored),
		cmocka_unit_test(test_priority0_advert_takes_over_after_skew_time),
		cmocka_unit_test(test_v3_backup_learns_master_interval),
		cmocka_unit_test(test_v2_uses_own_interval),
		cmocka_unit_test(test_preempt_ignores_lower_master),
		cmocka_unit_test(test_nopreempt_keeps_lower_master),
		cmocka_unit_test(test_owner_preempts_even_with_nopreempt),
		cmocka_unit_test(test_preempt_delay_accepts_lower_master_for_a_while),
		cmocka_unit_test(test_master_advertises_every_interval),
		cmocka_unit_test(test_master_yields_to_higher_priority),
		cmocka_unit_test(test_master_tie_broken_by_address),
		cmocka_unit_test(test_master_answers_lower_master_at_once),
		cmocka_unit_test(test_master_answers_priority0_at_once),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_fault_and_clear),
		cmocka_unit_test(test_priority_change),
		cmocka_unit_test(test_random_lan_fixed_seed),
		cmocka_unit_test(test_random_lan_many_seeds),
		cmocka_unit_test(test_master_reason_owner_at_startup_is_priority),
		cmocka_unit_test(test_master_reason_owner_out_of_fault_is_priority),
		cmocka_unit_test(test_master_reason_master_down_is_no_response_or_preempted),
		cmocka_unit_test(test_master_reason_master_left_is_no_response),
		cmocka_unit_test(test_master_reason_none_without_transition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
