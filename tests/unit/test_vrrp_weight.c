/*
 * test_vrrp_weight.c - keepalived's priority rules, as the seeds use them:
 * "weight -5 ... priority drops by 5 when the check fails" (seed 003/004),
 * "weight 2" added while the check succeeds (seed 003), FAULT for weight 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vrrp/vrrp_track.h"

#define SCRIPT(w) { .script = 0, .file = -1, .weight = (w) }
#define SCRIPT_REV(w) { .script = 0, .file = -1, .weight = (w), .reverse = true }
#define FILE_REF(w) { .script = -1, .file = 0, .weight = (w) }
#define LINK { .script = -1, .file = -1, .ifindex = 2, .weight = 0 }

static int weigh1(int base, struct vrrp_track_ref r, long state, bool *fault)
{
	return vrrp_weigh(base, &r, &state, 1, fault);
}

static void test_negative_weight_applies_on_failure(void **state)
{
	bool fault;

	assert_int_equal(weigh1(100, (struct vrrp_track_ref)SCRIPT(-5), 1, &fault), 100);
	assert_int_equal(weigh1(100, (struct vrrp_track_ref)SCRIPT(-5), 0, &fault), 95);
	assert_false(fault);
}

static void test_positive_weight_applies_on_success(void **state)
{
	bool fault;

	assert_int_equal(weigh1(150, (struct vrrp_track_ref)SCRIPT(2), 1, &fault), 152);
	assert_int_equal(weigh1(150, (struct vrrp_track_ref)SCRIPT(2), 0, &fault), 150);
}

static void test_reverse_swaps(void **state)
{
	bool fault;

	assert_int_equal(weigh1(100, (struct vrrp_track_ref)SCRIPT_REV(-5), 1, &fault), 95);
	assert_int_equal(weigh1(100, (struct vrrp_track_ref)SCRIPT_REV(-5), 0, &fault), 100);
	assert_int_equal(weigh1(100, (struct vrrp_track_ref)SCRIPT_REV(10), 0, &fault), 110);
}

static void test_weight_zero_failure_is_fault(void **state)
{
	struct vrrp_track_ref refs[] = { SCRIPT(-5), LINK };
	long ok[] = { 1, 1 }, link_down[] = { 1, 0 };
	bool fault;

	assert_int_equal(vrrp_weigh(100, refs, ok, 2, &fault), 100);
	assert_false(fault);
	vrrp_weigh(100, refs, link_down, 2, &fault);
	assert_true(fault);
}

static void test_file_value_times_weight(void **state)
{
	bool fault;

	assert_int_equal(weigh1(100, (struct vrrp_track_ref)FILE_REF(-10), 3, &fault), 70);
	assert_false(fault);
	assert_int_equal(weigh1(100, (struct vrrp_track_ref)FILE_REF(0), 0, &fault), 100);
	assert_false(fault);
	weigh1(100, (struct vrrp_track_ref)FILE_REF(0), 7, &fault);
	assert_true(fault);
}

static void test_clamped_and_owner_fixed(void **state)
{
	struct vrrp_track_ref refs[] = { SCRIPT(-200), SCRIPT(-200) };
	long failed[] = { 0, 0 };
	bool fault;

	assert_int_equal(vrrp_weigh(100, refs, failed, 2, &fault), 1);
	assert_int_equal(weigh1(250, (struct vrrp_track_ref)SCRIPT(50), 1, &fault), 254);
	assert_int_equal(vrrp_weigh(255, refs, failed, 2, &fault), 255);
}

/* An operator's demotion lowers the priority, never below 1, and never
 * moves the address owner. */
static void test_demotion(void **state)
{
	assert_int_equal(vrrp_demoted(100, 30), 70);
	assert_int_equal(vrrp_demoted(100, 0), 100);
	assert_int_equal(vrrp_demoted(100, 150), 1);
	assert_int_equal(vrrp_demoted(1, 1), 1);
	assert_int_equal(vrrp_demoted(255, 50), 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negative_weight_applies_on_failure),
		cmocka_unit_test(test_positive_weight_applies_on_success),
		cmocka_unit_test(test_reverse_swaps),
		cmocka_unit_test(test_weight_zero_failure_is_fault),
		cmocka_unit_test(test_file_value_times_weight),
		cmocka_unit_test(test_clamped_and_owner_fixed),
		cmocka_unit_test(test_demotion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
