/*
 * test_check_state.c - the health checker's decisions (check/check_state.h)
 * as a user sees them: how many failures take a real server down, when the
 * next try comes, what brings it back, what `alpha`, `warmup`, several
 * checkers and misc_dynamic change, and the reason a transition carries.
 * Time is a number here: nothing sleeps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "check/check_state.h"

#define S(x) ((uint64_t)(x) * 1000000000ULL)

/* TCP_CHECK { retry 2  delay_before_retry 1 }, delay_loop 6. */
static const struct chk_params P3 = {
	.retry = 2, .delay_before_retry = S(1), .delay_loop = S(6),
};

static struct chk_result ok(void)
{
	struct chk_result r;

	chk_result_ok(&r);
	return r;
}

static struct chk_result failed(const char *why)
{
	struct chk_result r;

	chk_result_fail(&r, "%s", why);
	return r;
}

static struct chk_result misc(int status, bool dynamic)
{
	struct chk_result r;

	chk_misc_result(&r, status, dynamic, 3);
	return r;
}

static void test_starts_up_without_alpha(void **state)
{
	struct chk_state s;

	chk_state_init(&s, &P3);
	assert_true(s.up);
	assert_false(s.has_run);
	assert_int_equal(s.fails, 0);
	assert_int_equal(s.weight, -1);
}

static void test_retries_then_down(void **state)
{
	struct chk_state s;
	struct chk_result r = failed("connection refused");
	struct chk_step st;

	chk_state_init(&s, &P3);
	/* retry 2: the first two failures are retried after delay_before_retry */
	st = chk_state_apply(&s, &P3, &r, S(100));
	assert_int_equal(st.change, CHK_SAME);
	assert_true(st.retrying);
	assert_true(s.up);
	assert_int_equal(st.next, S(101));
	st = chk_state_apply(&s, &P3, &r, S(101));
	assert_int_equal(st.change, CHK_SAME);
	assert_true(st.retrying);
	assert_int_equal(st.next, S(102));
	assert_int_equal(s.fails, 2);
	/* the third takes it down, and the pace is delay_loop again */
	st = chk_state_apply(&s, &P3, &r, S(102));
	assert_int_equal(st.change, CHK_WENT_DOWN);
	assert_false(st.retrying);
	assert_false(s.up);
	assert_int_equal(st.next, S(108));
	assert_string_equal(s.reason, "connection refused");
	assert_int_equal(s.n_down, 1);
}

static void test_retry_zero_first_failure_is_down(void **state)
{
	struct chk_params p = P3;
	struct chk_state s;
	struct chk_result r = failed("timeout after 3 s");
	struct chk_step st;

	p.retry = 0;
	chk_state_init(&s, &p);
	st = chk_state_apply(&s, &p, &r, S(10));
	assert_int_equal(st.change, CHK_WENT_DOWN);
	assert_int_equal(st.next, S(16));
	assert_string_equal(s.reason, "timeout after 3 s");
}

static void test_success_while_retrying_resets(void **state)
{
	struct chk_state s;
	struct chk_result f = failed("status 503 on /"), o = ok();
	struct chk_step st;

	chk_state_init(&s, &P3);
	chk_state_apply(&s, &P3, &f, S(1));
	chk_state_apply(&s, &P3, &f, S(2));
	st = chk_state_apply(&s, &P3, &o, S(3));
	assert_int_equal(st.change, CHK_SAME);
	assert_int_equal(s.fails, 0);
	assert_int_equal(st.next, S(9));
	/* two more failures are retries again, not a down */
	chk_state_apply(&s, &P3, &f, S(9));
	st = chk_state_apply(&s, &P3, &f, S(10));
	assert_true(s.up);
	assert_true(st.retrying);
	/* the last failure's reason stays visible while retrying */
	assert_string_equal(s.reason, "status 503 on /");
}

static void test_down_stays_down_at_delay_loop_then_recovers(void **state)
{
	struct chk_params p = P3;
	struct chk_state s;
	struct chk_result f = failed("connection refused"), o = ok();
	struct chk_step st;

	p.retry = 0;
	chk_state_init(&s, &p);
	chk_state_apply(&s, &p, &f, S(0));
	/* while down no quick retries: the normal pace */
	st = chk_state_apply(&s, &p, &f, S(6));
	assert_int_equal(st.change, CHK_SAME);
	assert_false(st.retrying);
	assert_int_equal(st.next, S(12));
	/* one success brings it back (no "rise" in keepalived) */
	st = chk_state_apply(&s, &p, &o, S(12));
	assert_int_equal(st.change, CHK_WENT_UP);
	assert_true(s.up);
	assert_int_equal(st.next, S(18));
	assert_int_equal(s.n_up, 1);
	assert_int_equal(s.n_down, 1);
	assert_int_equal(s.n_checks, 3);
	assert_int_equal(s.n_ok, 1);
	assert_int_equal(s.n_fail, 2);
}

static void test_alpha_starts_down_until_first_success(void **state)
{
	struct chk_params p = P3;
	struct chk_state s;
	struct chk_result f = failed("connection refused"), o = ok();
	struct chk_step st;

	p.alpha = true;
	chk_state_init(&s, &p);
	assert_false(s.up);
	/* failing from the start is no transition, but it is the first result */
	st = chk_state_apply(&s, &p, &f, S(0));
	assert_int_equal(st.change, CHK_SAME);
	assert_true(st.first);
	assert_false(st.retrying);
	assert_int_equal(st.next, S(6));
	st = chk_state_apply(&s, &p, &o, S(6));
	assert_int_equal(st.change, CHK_WENT_UP);
	assert_false(st.first);
}

static void test_alpha_first_success_goes_up(void **state)
{
	struct chk_params p = P3;
	struct chk_state s;
	struct chk_result o = ok();
	struct chk_step st;

	p.alpha = true;
	chk_state_init(&s, &p);
	st = chk_state_apply(&s, &p, &o, S(0));
	assert_int_equal(st.change, CHK_WENT_UP);
	assert_true(st.first);
}

static void test_warmup_delays_first_check(void **state)
{
	struct chk_params p = P3;

	assert_int_equal(chk_first_run(&p, S(50), 12345), S(50));   /* no warmup: at once */
	p.warmup = S(10);
	assert_int_equal(chk_first_run(&p, S(50), 0), S(50));
	assert_int_equal(chk_first_run(&p, S(50), UINT32_MAX), S(60));
	assert_in_range(chk_first_run(&p, S(50), UINT32_MAX / 2), S(54) + S(1) / 2,
			S(55) + S(1) / 2);
}

static void test_local_error_is_no_verdict(void **state)
{
	struct chk_params p = P3;
	struct chk_state s;
	struct chk_result r;
	struct chk_step st;

	p.retry = 0;
	chk_state_init(&s, &p);
	chk_result_local(&r, "cannot open a socket: too many open files");
	st = chk_state_apply(&s, &p, &r, S(5));
	assert_int_equal(st.change, CHK_SAME);
	assert_true(s.up);
	assert_false(s.has_run);
	assert_int_equal(s.n_checks, 0);
	assert_int_equal(s.n_local_errors, 1);
	assert_int_equal(st.next, S(6));   /* soon: delay_before_retry */
}

static void test_real_server_up_when_all_checkers_up(void **state)
{
	struct chk_state a, b, c;
	const struct chk_state *v[] = { &a, &b, &c };
	struct chk_result f = failed("digest mismatch on /"), o = ok();
	struct chk_params p = P3;
	struct chk_rs_health h;

	p.retry = 0;
	chk_state_init(&a, &p);
	chk_state_init(&b, &p);
	chk_state_init(&c, &p);
	h = chk_rs_eval(v, 3, 5);
	assert_true(h.up);
	assert_int_equal(h.weight, 5);
	assert_int_equal(h.first_down, -1);
	chk_state_apply(&b, &p, &f, S(1));
	h = chk_rs_eval(v, 3, 5);
	assert_false(h.up);
	assert_int_equal(h.first_down, 1);
	chk_state_apply(&c, &p, &f, S(1));
	chk_state_apply(&b, &p, &o, S(7));
	h = chk_rs_eval(v, 3, 5);
	assert_false(h.up);                /* c is still down */
	assert_int_equal(h.first_down, 2);
	chk_state_apply(&c, &p, &o, S(7));
	assert_true(chk_rs_eval(v, 3, 5).up);
}

static void test_real_server_without_checkers_is_up(void **state)
{
	struct chk_rs_health h = chk_rs_eval(NULL, 0, 3);

	assert_true(h.up);
	assert_int_equal(h.weight, 3);
}

static void test_misc_exit_codes(void **state)
{
	struct chk_result r;

	r = misc(W_EXITCODE(0, 0), false);
	assert_int_equal(r.outcome, CHK_OK);
	assert_int_equal(r.weight, -1);
	r = misc(W_EXITCODE(1, 0), false);
	assert_int_equal(r.outcome, CHK_FAIL);
	assert_string_equal(r.reason, "script exit 1");
	/* without misc_dynamic, 2..255 are failures too */
	r = misc(W_EXITCODE(5, 0), false);
	assert_int_equal(r.outcome, CHK_FAIL);
	assert_string_equal(r.reason, "script exit 5");
	r = misc(-1, false);
	assert_int_equal(r.outcome, CHK_FAIL);
	assert_string_equal(r.reason, "timeout after 3 s");
	r = misc(W_EXITCODE(0, 9), false);
	assert_int_equal(r.outcome, CHK_FAIL);
	assert_string_equal(r.reason, "script killed by signal 9");
}

static void test_misc_dynamic_weights(void **state)
{
	struct chk_result r;

	r = misc(W_EXITCODE(0, 0), true);
	assert_int_equal(r.outcome, CHK_OK);
	assert_int_equal(r.weight, -1);        /* 0: the weight stays as it is */
	r = misc(W_EXITCODE(1, 0), true);
	assert_int_equal(r.outcome, CHK_FAIL);
	r = misc(W_EXITCODE(2, 0), true);
	assert_int_equal(r.outcome, CHK_OK);
	assert_int_equal(r.weight, 0);
	r = misc(W_EXITCODE(7, 0), true);
	assert_int_equal(r.weight, 5);
	r = misc(W_EXITCODE(255, 0), true);
	assert_int_equal(r.weight, 253);
	/* the shell's "cannot execute" and "not found" are never weights */
	r = misc(W_EXITCODE(127, 0), true);
	assert_int_equal(r.outcome, CHK_FAIL);
	assert_string_equal(r.reason, "script exit 127 (command not found)");
	r = misc(W_EXITCODE(126, 0), true);
	assert_int_equal(r.outcome, CHK_FAIL);
}

static void test_misc_dynamic_weight_follows_the_script(void **state)
{
	struct chk_params p = { .retry = 0, .delay_before_retry = S(1), .delay_loop = S(2) };
	struct chk_state s;
	const struct chk_state *v[] = { &s };
	struct chk_result r;
	struct chk_step st;

	chk_state_init(&s, &p);
	r = misc(W_EXITCODE(12, 0), true);
	st = chk_state_apply(&s, &p, &r, S(0));
	assert_true(st.weight_changed);
	assert_int_equal(st.change, CHK_SAME);
	assert_int_equal(chk_rs_eval(v, 1, 1).weight, 10);
	/* exit 0 leaves it at 10 (keepalived) */
	r = misc(W_EXITCODE(0, 0), true);
	st = chk_state_apply(&s, &p, &r, S(2));
	assert_false(st.weight_changed);
	assert_int_equal(chk_rs_eval(v, 1, 1).weight, 10);
	/* exit 1: down, the weight is kept for when it comes back */
	r = misc(W_EXITCODE(1, 0), true);
	st = chk_state_apply(&s, &p, &r, S(4));
	assert_int_equal(st.change, CHK_WENT_DOWN);
	assert_false(chk_rs_eval(v, 1, 1).up);
	assert_string_equal(s.reason, "script exit 1");
	/* exit 3: up with weight 1 */
	r = misc(W_EXITCODE(3, 0), true);
	st = chk_state_apply(&s, &p, &r, S(6));
	assert_int_equal(st.change, CHK_WENT_UP);
	assert_true(st.weight_changed);
	assert_int_equal(chk_rs_eval(v, 1, 1).weight, 1);
}

static void test_lowest_dynamic_weight_wins(void **state)
{
	struct chk_params p = { .retry = 0, .delay_loop = S(1) };
	struct chk_state a, b, t;
	const struct chk_state *v[] = { &a, &t, &b };
	struct chk_result r;

	chk_state_init(&a, &p);
	chk_state_init(&b, &p);
	chk_state_init(&t, &p);
	r = misc(W_EXITCODE(9, 0), true);
	chk_state_apply(&a, &p, &r, 0);
	r = misc(W_EXITCODE(4, 0), true);
	chk_state_apply(&b, &p, &r, 0);
	assert_int_equal(chk_rs_eval(v, 3, 100).weight, 2);
}

static void test_http_status(void **state)
{
	assert_true(chk_http_status_ok(200, 0));
	assert_true(chk_http_status_ok(204, 0));
	assert_true(chk_http_status_ok(299, 0));
	assert_false(chk_http_status_ok(301, 0));
	assert_false(chk_http_status_ok(503, 0));
	assert_false(chk_http_status_ok(199, 0));
	assert_true(chk_http_status_ok(404, 404));
	assert_false(chk_http_status_ok(200, 404));
}

static void test_reason_texts(void **state)
{
	char b[64];

	assert_string_equal(chk_errno_reason(ECONNREFUSED, b, sizeof(b)), "connection refused");
	assert_string_equal(chk_errno_reason(EHOSTUNREACH, b, sizeof(b)), "no route to host");
	assert_string_equal(chk_fmt_seconds(3, b, sizeof(b)), "3 s");
	assert_string_equal(chk_fmt_seconds(0.5, b, sizeof(b)), "0.5 s");
}

/* chrony's way: a thousand random results on a virtual clock, checked
 * against the rule as a user would state it.  Without alpha a checker is
 * down exactly when its last retry + 1 results were failures, and the next
 * check comes after delay_before_retry only while it retries. */
static void test_random_results_follow_the_rule(void **state)
{
	for (int retry = 0; retry <= 3; retry++) {
		struct chk_params p = { .retry = retry, .delay_before_retry = S(1),
					.delay_loop = S(5) };
		struct chk_state s;
		int run = 0;      /* failures in a row, as the model counts them */
		uint64_t now = 0;

		srandom(42 + (unsigned)retry);
		chk_state_init(&s, &p);
		for (int i = 0; i < 1000; i++) {
			bool good = random() % 3 == 0;
			struct chk_result r = good ? ok() : failed("connection refused");
			bool was_up = s.up;
			struct chk_step st = chk_state_apply(&s, &p, &r, now);

			run = good ? 0 : run + 1;
			assert_int_equal(s.up, run <= retry);
			assert_int_equal(st.change, s.up == was_up ? CHK_SAME :
					 s.up ? CHK_WENT_UP : CHK_WENT_DOWN);
			assert_int_equal(st.retrying, !good && run <= retry);
			assert_int_equal(st.next, now + (st.retrying ? S(1) : S(5)));
			now = st.next;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_up_without_alpha),
		cmocka_unit_test(test_retries_then_down),
		cmocka_unit_test(test_retry_zero_first_failure_is_down),
		cmocka_unit_test(test_success_while_retrying_resets),
		cmocka_unit_test(test_down_stays_down_at_delay_loop_then_recovers),
		cmocka_unit_test(test_alpha_starts_down_until_first_success),
		cmocka_unit_test(test_alpha_first_success_goes_up),
		cmocka_unit_test(test_warmup_delays_first_check),
		cmocka_unit_test(test_local_error_is_no_verdict),
		cmocka_unit_test(test_real_server_up_when_all_checkers_up),
		cmocka_unit_test(test_real_server_without_checkers_is_up),
		cmocka_unit_test(test_misc_exit_codes),
		cmocka_unit_test(test_misc_dynamic_weights),
		cmocka_unit_test(test_misc_dynamic_weight_follows_the_script),
		cmocka_unit_test(test_lowest_dynamic_weight_wins),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_reason_texts),
		cmocka_unit_test(test_random_results_follow_the_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
