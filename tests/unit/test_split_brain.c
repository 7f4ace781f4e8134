/*
 * test_split_brain.c - the split-brain decision (mgmt/split_brain.c): which
 * condition a round shows, and how rounds become a status (hysteresis).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "mgmt/split_brain.h"

static const char *const vip100[] = { "192.0.2.100" };
static const char *const vip200[] = { "192.0.2.200" };

static struct sb_inst inst(bool master, int vrid, const char *const *vips)
{
	return (struct sb_inst){ .name = "VI_1", .vrid = vrid, .family = AF_INET, .vips = vips, .n_vips = 1,
				 .master = master, .priority = master ? 150 : 100 };
}

static enum sb_status cond(const struct sb_inst *self, const struct sb_local *l, const struct sb_peer_view *p,
			   size_t n, char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN], size_t *n_ev)
{
	return sb_condition(self, l, p, n, NULL, 100000, ev, n_ev);
}

static void test_two_masters_is_a_split(void **state)
{
	struct sb_inst self = inst(true, 51, vip100), b = inst(true, 51, vip100);
	struct sb_peer_view peer = { "b", true, &b, 1 };
	char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN];
	size_t n;

	(void)state;
	assert_int_equal(cond(&self, NULL, &peer, 1, ev, &n), SB_SPLIT);
	assert_int_equal(n, 1);
	assert_non_null(strstr(ev[0], "2 masters of VRID 51"));
	assert_non_null(strstr(ev[0], "this node"));
	assert_non_null(strstr(ev[0], "peer b"));
	/* one master: ok */
	b.master = false;
	assert_int_equal(cond(&self, NULL, &peer, 1, ev, &n), SB_OK);
	/* a backup that sees two peers master (three nodes) says split too */
	self.master = false;
	{
		struct sb_inst c = inst(true, 51, vip100);
		struct sb_peer_view two[2] = { { "b", true, &c, 1 }, { "c", true, &c, 1 } };

		assert_int_equal(cond(&self, NULL, two, 2, ev, &n), SB_SPLIT);
	}
}

static void test_another_router_is_no_split(void **state)
{
	struct sb_inst self = inst(true, 51, vip100), other_vrid = inst(true, 52, vip100),
		       other_vips = inst(true, 51, vip200), v6 = inst(true, 51, vip100);
	char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN];
	size_t n;

	(void)state;
	v6.family = AF_INET6;
	{
		struct sb_peer_view p1 = { "b", true, &other_vrid, 1 }, p2 = { "b", true, &other_vips, 1 },
				    p3 = { "b", true, &v6, 1 };

		assert_int_equal(cond(&self, NULL, &p1, 1, ev, &n), SB_OK);
		assert_int_equal(cond(&self, NULL, &p2, 1, ev, &n), SB_OK);   /* same VRID, another VLAN */
		assert_int_equal(cond(&self, NULL, &p3, 1, ev, &n), SB_OK);
	}
	assert_false(sb_same_router(&self, &other_vips));
	other_vips.n_vips = 0;   /* nothing to compare: VRID and family decide */
	assert_true(sb_same_router(&self, &other_vips));
}

static void test_unreachable_peer_is_never_a_split_nor_no_master(void **state)
{
	struct sb_inst self = inst(false, 51, vip100);
	struct sb_peer_view down = { "b", false, NULL, 0 };
	char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN];
	size_t n;

	(void)state;
	assert_int_equal(cond(&self, NULL, &down, 1, ev, &n), SB_OK);
	self.master = true;
	assert_int_equal(cond(&self, NULL, &down, 1, ev, &n), SB_OK);
}

static void test_no_master(void **state)
{
	struct sb_inst self = inst(false, 51, vip100), b = inst(false, 51, vip100);
	struct sb_peer_view peer = { "b", true, &b, 1 };
	char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN];
	size_t n;

	(void)state;
	assert_int_equal(cond(&self, NULL, &peer, 1, ev, &n), SB_NO_MASTER);
	assert_non_null(strstr(ev[0], "no node is MASTER of VRID 51"));
	/* without peers a lone backup decides nothing */
	assert_int_equal(cond(&self, NULL, NULL, 0, ev, &n), SB_OK);
}

static void test_local_evidence_is_suspect_until_it_ages(void **state)
{
	struct sb_inst self = inst(true, 51, vip100);
	struct sb_local l = { .advert_ms = 1000, .other_count = 7, .other_streak = 1, .other_last_ms = 99000,
			      .other_priority = 100 };
	char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN];
	size_t n;

	(void)state;
	snprintf(l.other_src, sizeof(l.other_src), "192.0.2.2");
	/* one stray advert (the other master's last, as a split ends) is no evidence */
	assert_int_equal(cond(&self, &l, NULL, 0, ev, &n), SB_OK);
	l.other_streak = 2;
	assert_int_equal(cond(&self, &l, NULL, 0, ev, &n), SB_SUSPECT);
	assert_non_null(strstr(ev[0], "from 192.0.2.2 (priority 100), 2 in a row"));
	l.other_last_ms = 100000 - SB_EVIDENCE_AGE_MS - 1;
	assert_int_equal(cond(&self, &l, NULL, 0, ev, &n), SB_OK);
	l.flaps = SB_FLAPS;
	assert_int_equal(cond(&self, &l, NULL, 0, ev, &n), SB_SUSPECT);
	assert_non_null(strstr(ev[0], "transitions to MASTER in the last minute"));
	l.flaps = 0;
	/* another MAC claiming a VIP over ARP */
	l.arp_count = 3;
	l.arp_last_ms = 99500;
	snprintf(l.arp_mac, sizeof(l.arp_mac), "02:00:00:00:00:02");
	snprintf(l.arp_vip, sizeof(l.arp_vip), "192.0.2.100");
	assert_int_equal(cond(&self, &l, NULL, 0, ev, &n), SB_SUSPECT);
	assert_non_null(strstr(ev[0], "ARP claims 192.0.2.100 for MAC 02:00:00:00:00:02 (not ours), 3 so far"));
	l.arp_last_ms = 100000 - SB_EVIDENCE_AGE_MS - 1;
	assert_int_equal(cond(&self, &l, NULL, 0, ev, &n), SB_OK);
}

static void test_hysteresis(void **state)
{
	struct sb_track t = { 0 };
	char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN] = { "2 masters" };
	int64_t now = 1000;

	(void)state;
	assert_true(sb_step(&t, SB_OK, ev, 0, 1000, now));          /* unknown -> ok at once */
	assert_int_equal(t.status, SB_OK);
	assert_false(sb_step(&t, SB_SPLIT, ev, 1, 1000, now += 1000));   /* one round: not yet */
	assert_false(sb_step(&t, SB_OK, ev, 0, 1000, now += 1000));      /* a blip: nothing */
	assert_false(sb_step(&t, SB_SPLIT, ev, 1, 1000, now += 1000));
	assert_true(sb_step(&t, SB_SPLIT, ev, 1, 1000, now += 1000));    /* two in a row: split */
	assert_int_equal(t.status, SB_SPLIT);
	assert_int_equal(t.since_ms, now);
	assert_int_equal(t.n_evidence, 1);
	assert_string_equal(t.evidence[0], "2 masters");
	assert_false(sb_step(&t, SB_OK, ev, 0, 1000, now += 1000));
	assert_false(sb_step(&t, SB_OK, ev, 0, 1000, now += 1000));
	assert_false(sb_step(&t, SB_SPLIT, ev, 1, 1000, now += 1000));   /* back: the clearing starts over */
	assert_false(sb_step(&t, SB_OK, ev, 0, 1000, now += 1000));
	assert_false(sb_step(&t, SB_OK, ev, 0, 1000, now += 1000));
	assert_true(sb_step(&t, SB_OK, ev, 0, 1000, now += 1000));       /* three in a row: ok */
	assert_int_equal(t.status, SB_OK);
	assert_int_equal(t.n_evidence, 0);
}

/* The peer became master during a split and claimed the VIP by ARP: once
 * the split ends, those claims are its traces, not a new suspect - the
 * status goes from split to ok (CI saw split -> suspect). */
static void test_a_split_ending_clears_to_ok_not_suspect(void **state)
{
	struct sb_inst self = inst(true, 51, vip100), b = inst(true, 51, vip100);
	struct sb_peer_view peer = { "b", true, &b, 1 };
	struct sb_local l = { .advert_ms = 1000, .arp_count = 3, .arp_last_ms = 10000 };
	struct sb_track t = { 0 };
	char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN];
	int64_t now = 10000;
	size_t n;
	enum sb_status raw;

	(void)state;
	snprintf(l.arp_mac, sizeof(l.arp_mac), "02:00:00:00:00:02");
	snprintf(l.arp_vip, sizeof(l.arp_vip), "192.0.2.100");
	assert_true(sb_step(&t, SB_OK, ev, 0, 1000, now - 1000));
	for (int i = 0; i < 3; i++) {
		now += 1000;
		raw = sb_condition(&self, &l, &peer, 1, &t, now, ev, &n);
		assert_int_equal(raw, SB_SPLIT);
		sb_step(&t, raw, ev, n, 1000, now);
	}
	assert_int_equal(t.status, SB_SPLIT);
	/* lifted: b is backup again; its claims, the last one after the last
	 * round that showed the split, are inside the 5 s age */
	l.arp_last_ms = now + 500;
	b.master = false;
	for (int i = 0; i < 3; i++) {
		now += 1000;
		raw = sb_condition(&self, &l, &peer, 1, &t, now, ev, &n);
		assert_int_equal(raw, SB_OK);
		assert_int_equal(sb_step(&t, raw, ev, n, 1000, now), i == 2);
	}
	assert_int_equal(t.status, SB_OK);
	/* a claim after the split ended is new evidence again */
	l.arp_last_ms = now + 500;
	now += 1000;
	assert_int_equal(sb_condition(&self, &l, &peer, 1, &t, now, ev, &n), SB_SUSPECT);
	assert_non_null(strstr(ev[0], "ARP claims 192.0.2.100 for MAC 02:00:00:00:00:02"));
	/* claims heard while MASTER say nothing once this node is BACKUP */
	self.master = false;
	b.master = true;
	assert_int_equal(sb_condition(&self, &l, &peer, 1, &t, now, ev, &n), SB_OK);
}

static void test_no_master_waits_for_a_backup_to_take_over(void **state)
{
	struct sb_track t = { .status = SB_OK };
	char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN] = { "no node" };
	int64_t now = 0;

	(void)state;
	/* advert 1 s: a backup takes over within ~3.6 s; no-master only after 4 s */
	assert_false(sb_step(&t, SB_NO_MASTER, ev, 1, 1000, now += 1000));
	assert_false(sb_step(&t, SB_NO_MASTER, ev, 1, 1000, now += 1000));
	assert_false(sb_step(&t, SB_NO_MASTER, ev, 1, 1000, now += 1000));
	assert_false(sb_step(&t, SB_NO_MASTER, ev, 1, 1000, now += 1000));
	assert_true(sb_step(&t, SB_NO_MASTER, ev, 1, 1000, now += 1000));
	assert_int_equal(t.status, SB_NO_MASTER);
}

static void test_policy_yield_goes_to_the_better_claim(void **state)
{
	struct sb_inst self = inst(true, 51, vip100), b = inst(true, 51, vip100);
	struct sb_peer_view peer = { "b", true, &b, 1 };
	char to[64], why[200];

	(void)state;
	self.priority = 100;
	self.address = "192.0.2.1";
	b.priority = 150;
	b.address = "192.0.2.2";
	assert_true(sb_should_yield(&self, &peer, 1, to, sizeof(to), why, sizeof(why)));
	assert_string_equal(to, "b");
	assert_non_null(strstr(why, "priority 150; ours 100"));
	b.priority = 50;        /* ours is the better claim: the other gives way */
	assert_false(sb_should_yield(&self, &peer, 1, to, sizeof(to), why, sizeof(why)));
	b.priority = 100;       /* a tie: the higher address keeps the VIPs */
	assert_true(sb_should_yield(&self, &peer, 1, to, sizeof(to), why, sizeof(why)));
	self.address = "192.0.2.10";
	assert_false(sb_should_yield(&self, &peer, 1, to, sizeof(to), why, sizeof(why)));
	self.master = false;    /* nothing to give up */
	b.priority = 150;
	assert_false(sb_should_yield(&self, &peer, 1, to, sizeof(to), why, sizeof(why)));
	/* held while b answers and is master; let go when it is not, or is silent */
	assert_true(sb_still_master(&self, &peer, 1, "b"));
	b.master = false;
	assert_false(sb_still_master(&self, &peer, 1, "b"));
	b.master = true;
	peer.reachable = false;
	assert_false(sb_still_master(&self, &peer, 1, "b"));
}

static void test_names_and_order(void **state)
{
	(void)state;
	assert_string_equal(sb_status_name(SB_NO_MASTER), "no-master");
	assert_string_equal(sb_status_name(SB_UNKNOWN), "unknown");
	assert_int_equal(sb_worse(SB_SUSPECT, SB_SPLIT), SB_SPLIT);
	assert_int_equal(sb_worse(SB_NO_MASTER, SB_SUSPECT), SB_NO_MASTER);
	assert_int_equal(sb_worse(SB_OK, SB_UNKNOWN), SB_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_masters_is_a_split),
		cmocka_unit_test(test_another_router_is_no_split),
		cmocka_unit_test(test_unreachable_peer_is_never_a_split_nor_no_master),
		cmocka_unit_test(test_no_master),
		cmocka_unit_test(test_local_evidence_is_suspect_until_it_ages),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_a_split_ending_clears_to_ok_not_suspect),
		cmocka_unit_test(test_no_master_waits_for_a_backup_to_take_over),
		cmocka_unit_test(test_policy_yield_goes_to_the_better_claim),
		cmocka_unit_test(test_names_and_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
