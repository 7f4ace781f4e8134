/*
 * test_ev.c - the event loop: timers on an injected clock, descriptors,
 * signals.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/ev.h"

struct fake_clock {
	uint64_t now;
};

static uint64_t fake_now(void *arg)
{
	return ((struct fake_clock *)arg)->now;
}

/* Records the order in which timers fired. */
struct recorder {
	int fired[4096];
	size_t n;
};

struct rec_timer {
	struct ev_timer t;
	struct recorder *rec;
	int id;
};

static void on_rec(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct rec_timer *rt = arg;

	rt->rec->fired[rt->rec->n++] = rt->id;
}

static struct ev_loop *fake_loop(struct fake_clock *clk)
{
	struct ev_loop *loop = ev_loop_new();

	assert_non_null(loop);
	ev_set_clock(loop, fake_now, clk);
	return loop;
}

static void test_timers_fire_in_deadline_order(void **state)
{
	struct fake_clock clk = { .now = 1000 };
	struct ev_loop *loop = fake_loop(&clk);
	struct recorder rec = { 0 };
	struct rec_timer t[3];
	const uint64_t delay[3] = { 300, 100, 200 };

	for (int i = 0; i < 3; i++) {
		t[i].rec = &rec;
		t[i].id = i;
		ev_timer_init(&t[i].t, on_rec, &t[i]);
		ev_timer_start_in(loop, &t[i].t, delay[i]);
	}
	assert_int_equal(ev_next_deadline(loop), 1100);

	clk.now = 1099;
	assert_int_equal(ev_run_due(loop), 0);     /* nothing early */
	clk.now = 1200;
	assert_int_equal(ev_run_due(loop), 2);
	assert_int_equal(rec.fired[0], 1);
	assert_int_equal(rec.fired[1], 2);
	assert_true(ev_timer_armed(&t[0].t));
	assert_false(ev_timer_armed(&t[1].t));
	clk.now = 5000;
	assert_int_equal(ev_run_due(loop), 1);
	assert_int_equal(rec.fired[2], 0);
	assert_int_equal(ev_next_deadline(loop), EV_NEVER);
	ev_loop_free(loop);
}

static void test_equal_deadlines_fire_fifo(void **state)
{
	struct fake_clock clk = { 0 };
	struct ev_loop *loop = fake_loop(&clk);
	struct recorder rec = { 0 };
	struct rec_timer t[8];

	for (int i = 0; i < 8; i++) {
		t[i].rec = &rec;
		t[i].id = i;
		ev_timer_init(&t[i].t, on_rec, &t[i]);
		ev_timer_start_at(loop, &t[i].t, 50);
	}
	clk.now = 50;
	assert_int_equal(ev_run_due(loop), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rec.fired[i], i);
	ev_loop_free(loop);
}

static void test_stop_and_rearm(void **state)
{
	struct fake_clock clk = { 0 };
	struct ev_loop *loop = fake_loop(&clk);
	struct recorder rec = { 0 };
	struct rec_timer a = { .rec = &rec, .id = 1 }, b = { .rec = &rec, .id = 2 };

	ev_timer_init(&a.t, on_rec, &a);
	ev_timer_init(&b.t, on_rec, &b);
	ev_timer_start_at(loop, &a.t, 10);
	ev_timer_start_at(loop, &b.t, 20);
	ev_timer_stop(loop, &a.t);
	ev_timer_stop(loop, &a.t);            /* stopping twice is harmless */
	ev_timer_start_at(loop, &b.t, 5);     /* re-arming moves it */
	assert_int_equal(ev_timer_count(loop), 1);
	clk.now = 100;
	assert_int_equal(ev_run_due(loop), 1);
	assert_int_equal(rec.fired[0], 2);
	ev_loop_free(loop);
}

/* A timer whose callback re-arms it at once must not spin the pass. */
static void on_rearm_now(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	(*(int *)arg)++;
	ev_timer_start_in(loop, t, 0);
}

static void test_rearm_in_callback_waits_for_next_pass(void **state)
{
	struct fake_clock clk = { 0 };
	struct ev_loop *loop = fake_loop(&clk);
	struct ev_timer t;
	int count = 0;

	ev_timer_init(&t, on_rearm_now, &count);
	ev_timer_start_at(loop, &t, 0);
	assert_int_equal(ev_run_due(loop), 1);
	assert_int_equal(count, 1);
	assert_int_equal(ev_run_due(loop), 1);
	assert_int_equal(count, 2);
	ev_loop_free(loop);
}

/* Randomized: arm, re-arm and stop thousands of timers; they must fire
 * exactly once each, in deadline order, never early. */
static void test_random_timers_keep_heap_order(void **state)
{
	enum { N = 2000 };
	struct fake_clock clk = { 0 };
	struct ev_loop *loop = fake_loop(&clk);
	static struct rec_timer t[N];
	static struct recorder rec;
	bool stopped[N] = { false };
	uint64_t last = 0;

	srandom(12345);
	memset(&rec, 0, sizeof(rec));
	for (int i = 0; i < N; i++) {
		t[i].rec = &rec;
		t[i].id = i;
		ev_timer_init(&t[i].t, on_rec, &t[i]);
		ev_timer_start_at(loop, &t[i].t, (uint64_t)(random() % 100000));
	}
	for (int k = 0; k < N; k++) {
		int i = (int)(random() % N);

		if (random() % 3 == 0) {
			ev_timer_stop(loop, &t[i].t);
			stopped[i] = true;
		} else {
			ev_timer_start_at(loop, &t[i].t, (uint64_t)(random() % 100000));
			stopped[i] = false;
		}
	}
	for (clk.now = 0; clk.now < 100000 + 97; clk.now += 97) {
		size_t before = rec.n;

		ev_run_due(loop);
		for (size_t j = before; j < rec.n; j++) {
			struct ev_timer *ft = &t[rec.fired[j]].t;

			assert_true(ft->deadline <= clk.now);
			assert_true(ft->deadline >= last);
			last = ft->deadline;
		}
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(ev_timer_armed(&t[i].t), false);
	size_t expect = 0;
	for (int i = 0; i < N; i++)
		expect += !stopped[i];
	assert_int_equal(rec.n, expect);
	ev_loop_free(loop);
}

static void on_readable(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	char c;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	*(char *)arg = c;
}

static void test_io_dispatch_and_removal(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	char got = 0;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(ev_io_add(loop, p[0], EPOLLIN, on_readable, &got), 0);
	assert_int_equal(ev_io_add(loop, p[0], EPOLLIN, on_readable, &got), -1);  /* one handler per fd */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(ev_run_once(loop, 0), 0);
	assert_int_equal(got, 'x');

	got = 0;
	assert_int_equal(ev_io_del(loop, p[0]), 0);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(ev_run_once(loop, 0), 0);
	assert_int_equal(got, 0);              /* removed: not dispatched */
	close(p[0]);
	close(p[1]);
	ev_loop_free(loop);
}

static void on_usr1(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg)
{
	*(int *)arg = (int)si->ssi_signo;
}

static void test_signal_through_signalfd(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	int got = 0;

	assert_int_equal(ev_signal_add(loop, SIGUSR1, on_usr1, &got), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);   /* blocked: queued, not fatal */
	for (int i = 0; i < 100 && !got; i++)
		ev_run_once(loop, 10 * EV_NSEC_PER_MSEC);
	assert_int_equal(got, SIGUSR1);
	ev_loop_free(loop);
}

/* With the real clock, ev_run_once sleeps until the next timer and runs it. */
static void on_flag(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	*(int *)arg = 1;
}

static void test_run_once_wakes_for_timer(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct ev_timer t;
	int fired = 0;
	uint64_t start = ev_now(loop);

	ev_timer_init(&t, on_flag, &fired);
	ev_timer_start_in(loop, &t, 2 * EV_NSEC_PER_MSEC);
	for (int i = 0; i < 1000 && !fired; i++)
		assert_int_equal(ev_run_once(loop, EV_NEVER), 0);
	assert_int_equal(fired, 1);
	assert_true(ev_now(loop) >= start + 2 * EV_NSEC_PER_MSEC);   /* never early */
	ev_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order),
		cmocka_unit_test(test_equal_deadlines_fire_fifo),
		cmocka_unit_test(test_stop_and_rearm),
		cmocka_unit_test(test_rearm_in_callback_waits_for_next_pass),
		cmocka_unit_test(test_random_timers_keep_heap_order),
		cmocka_unit_test(test_io_dispatch_and_removal),
		cmocka_unit_test(test_signal_through_signalfd),
		cmocka_unit_test(test_run_once_wakes_for_timer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
