/*
 * test_proc.c - the supervisor's restart policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/proc.h"

static void test_first_restart_is_quick(void **state)
{
	assert_int_equal(proc_backoff_next(0, 0), PROC_BACKOFF_MIN);
	assert_int_equal(proc_backoff_next(0, 3600 * EV_NSEC_PER_SEC), PROC_BACKOFF_MIN);
}

static void test_quick_deaths_double_up_to_the_cap(void **state)
{
	uint64_t b = 0, prev = 0;

	for (int i = 0; i < 40; i++) {
		b = proc_backoff_next(b, EV_NSEC_PER_SEC);   /* died after 1 s each time */
		assert_true(b >= prev);
		assert_true(b <= PROC_BACKOFF_MAX);
		if (prev && prev < PROC_BACKOFF_MAX / 2)
			assert_int_equal(b, prev * 2);
		prev = b;
	}
	assert_int_equal(b, PROC_BACKOFF_MAX);
}

static void test_stable_run_resets_backoff(void **state)
{
	assert_int_equal(proc_backoff_next(PROC_BACKOFF_MAX, PROC_STABLE_NS), PROC_BACKOFF_MIN);
	assert_int_equal(proc_backoff_next(PROC_BACKOFF_MAX, PROC_STABLE_NS - 1), PROC_BACKOFF_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_restart_is_quick),
		cmocka_unit_test(test_quick_deaths_double_up_to_the_cap),
		cmocka_unit_test(test_stable_run_resets_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
