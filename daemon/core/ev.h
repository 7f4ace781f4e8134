/*
 * ev.h - the event loop of every vigil process.
 *
 * One epoll set for descriptors, one binary heap of timers ordered by
 * deadline on a monotonic clock, and POSIX signals delivered through a
 * signalfd so that handlers run in the loop, never asynchronously.
 *
 * Time is an input: the clock is a function the loop calls, CLOCK_MONOTONIC
 * by default.  Unit tests install a fake clock, move it by hand and call
 * ev_run_due(), so protocol timers are tested without sleeping.
 *
 * All times are nanoseconds (uint64_t).
 */
#ifndef VIGIL_EV_H
#define VIGIL_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/signalfd.h>

#define EV_NSEC_PER_SEC  1000000000ULL
#define EV_NSEC_PER_MSEC 1000000ULL
#define EV_NSEC_PER_USEC 1000ULL
#define EV_NEVER UINT64_MAX

struct ev_loop;
struct ev_timer;

typedef uint64_t (*ev_clock_fn)(void *arg);
typedef void (*ev_io_cb)(struct ev_loop *loop, int fd, uint32_t events, void *arg);
typedef void (*ev_timer_cb)(struct ev_loop *loop, struct ev_timer *t, void *arg);
typedef void (*ev_signal_cb)(struct ev_loop *loop, const struct signalfd_siginfo *si, void *arg);

/* A timer is owned by its user (embed it in your struct); the loop only
 * links it into the heap while it is armed. */
struct ev_timer {
	uint64_t deadline;
	uint64_t seq;          /* arming order: equal deadlines fire FIFO */
	size_t heap_pos;       /* index + 1 in the heap; 0 when idle, so a
	                        * zeroed timer is a stopped one */
	ev_timer_cb cb;
	void *arg;
};

struct ev_loop *ev_loop_new(void);
/* Closes the loop's own descriptors (epoll, signalfd), not the users'. */
void ev_loop_free(struct ev_loop *loop);

/* Install a clock (NULL restores CLOCK_MONOTONIC). */
void ev_set_clock(struct ev_loop *loop, ev_clock_fn fn, void *arg);
uint64_t ev_now(struct ev_loop *loop);
uint64_t ev_monotonic_ns(void);

/* Descriptors: events are EPOLLIN/EPOLLOUT/...; one handler per fd. */
int ev_io_add(struct ev_loop *loop, int fd, uint32_t events, ev_io_cb cb, void *arg);
int ev_io_mod(struct ev_loop *loop, int fd, uint32_t events);
int ev_io_del(struct ev_loop *loop, int fd);

/* Timers. */
void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg);
void ev_timer_start_at(struct ev_loop *loop, struct ev_timer *t, uint64_t deadline);
void ev_timer_start_in(struct ev_loop *loop, struct ev_timer *t, uint64_t delay_ns);
void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t);
bool ev_timer_armed(const struct ev_timer *t);
/* Earliest armed deadline, EV_NEVER when none. */
uint64_t ev_next_deadline(const struct ev_loop *loop);
size_t ev_timer_count(const struct ev_loop *loop);

/* Run every timer due at the current clock, in deadline order.  Timers armed
 * by a callback during this pass run in a later pass, even when already due,
 * so a callback that re-arms itself cannot starve the loop.  Returns how
 * many ran. */
size_t ev_run_due(struct ev_loop *loop);

/* Signals: the signal is blocked and read from the loop's signalfd. */
int ev_signal_add(struct ev_loop *loop, int signo, ev_signal_cb cb, void *arg);

/* Wait for I/O or the next timer (at most max_wait_ns; EV_NEVER = no bound),
 * dispatch, run due timers.  Returns -1 on a fatal epoll error. */
int ev_run_once(struct ev_loop *loop, uint64_t max_wait_ns);
/* Loop until ev_break(). */
int ev_run(struct ev_loop *loop);
void ev_break(struct ev_loop *loop);

#endif /* VIGIL_EV_H */
