/*
 * ev.c - epoll + deadline heap + signalfd.  See ev.h.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/ev.h"

struct ev_io {
	ev_io_cb cb;           /* NULL: slot free */
	void *arg;
};

struct ev_sig {
	ev_signal_cb cb;
	void *arg;
};

struct ev_loop {
	int epfd;
	ev_clock_fn clock;
	void *clock_arg;

	struct ev_io *ios;     /* indexed by fd */
	size_t n_ios;

	struct ev_timer **heap;
	size_t heap_len;
	size_t heap_cap;
	uint64_t next_seq;

	int sigfd;             /* -1 until the first ev_signal_add */
	int tfd;               /* timerfd at the earliest deadline (real clock) */
	uint64_t tfd_armed;    /* the deadline it is armed for, EV_NEVER if none */
	sigset_t sigmask;
	struct ev_sig sigs[_NSIG];

	bool stop;
};

uint64_t ev_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * EV_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_monotonic(void *arg)
{
	(void)arg;
	return ev_monotonic_ns();
}

struct ev_loop *ev_loop_new(void)
{
	struct ev_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	loop->clock = clock_monotonic;
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	/* Timers fire through a timerfd rather than the epoll timeout: the
	 * kernel gives a poll timeout a slack of 0.1% of its length (0.6 ms
	 * on a 609 ms Skew_Time, 3.6 ms on a Master_Down_Interval), a
	 * timerfd none. */
	loop->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	loop->tfd_armed = EV_NEVER;
	if (loop->tfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = loop->tfd };

		if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->tfd, &ev) < 0) {
			close(loop->tfd);
			loop->tfd = -1;
		}
	}
	return loop;
}

void ev_loop_free(struct ev_loop *loop)
{
	if (!loop)
		return;
	for (size_t i = 0; i < loop->heap_len; i++)
		loop->heap[i]->heap_pos = 0;
	close(loop->epfd);
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	if (loop->tfd >= 0)
		close(loop->tfd);
	free(loop->ios);
	free(loop->heap);
	free(loop);
}

void ev_set_clock(struct ev_loop *loop, ev_clock_fn fn, void *arg)
{
	loop->clock = fn ? fn : clock_monotonic;
	loop->clock_arg = arg;
}

uint64_t ev_now(struct ev_loop *loop)
{
	return loop->clock(loop->clock_arg);
}

void ev_break(struct ev_loop *loop)
{
	loop->stop = true;
}

/* ---- descriptors ---------------------------------------------------- */

int ev_io_add(struct ev_loop *loop, int fd, uint32_t events, ev_io_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0 || !cb) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)fd >= loop->n_ios) {
		size_t n = loop->n_ios ? loop->n_ios : 16;
		struct ev_io *v;

		while (n <= (size_t)fd)
			n *= 2;
		v = realloc(loop->ios, n * sizeof(*v));
		if (!v)
			return -1;
		memset(v + loop->n_ios, 0, (n - loop->n_ios) * sizeof(*v));
		loop->ios = v;
		loop->n_ios = n;
	}
	if (loop->ios[fd].cb) {
		errno = EEXIST;
		return -1;
	}
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	loop->ios[fd].cb = cb;
	loop->ios[fd].arg = arg;
	return 0;
}

int ev_io_mod(struct ev_loop *loop, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0 || (size_t)fd >= loop->n_ios || !loop->ios[fd].cb) {
		errno = ENOENT;
		return -1;
	}
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev);
}

int ev_io_del(struct ev_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->n_ios || !loop->ios[fd].cb) {
		errno = ENOENT;
		return -1;
	}
	loop->ios[fd].cb = NULL;
	loop->ios[fd].arg = NULL;
	/* The fd may already be closed by its owner; that removed it too. */
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF)
		return -1;
	return 0;
}

/* ---- timers: a binary min-heap on (deadline, seq) -------------------- */

static bool timer_before(const struct ev_timer *a, const struct ev_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void heap_place(struct ev_loop *loop, size_t i, struct ev_timer *t)
{
	loop->heap[i] = t;
	t->heap_pos = i + 1;
}

static void heap_up(struct ev_loop *loop, size_t i)
{
	struct ev_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, t);
}

static void heap_down(struct ev_loop *loop, size_t i)
{
	struct ev_timer *t = loop->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		struct ev_timer *m = t;

		if (l < loop->heap_len && timer_before(loop->heap[l], m)) {
			min = l;
			m = loop->heap[l];
		}
		if (r < loop->heap_len && timer_before(loop->heap[r], m)) {
			min = r;
			m = loop->heap[r];
		}
		if (min == i)
			break;
		heap_place(loop, i, m);
		i = min;
	}
	heap_place(loop, i, t);
}

static void heap_remove(struct ev_loop *loop, size_t i)
{
	struct ev_timer *last;

	loop->heap[i]->heap_pos = 0;
	last = loop->heap[--loop->heap_len];
	if (i == loop->heap_len)
		return;
	heap_place(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->heap_pos - 1);
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

bool ev_timer_armed(const struct ev_timer *t)
{
	return t->heap_pos != 0;
}

void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t)
{
	if (ev_timer_armed(t))
		heap_remove(loop, t->heap_pos - 1);
}

void ev_timer_start_at(struct ev_loop *loop, struct ev_timer *t, uint64_t deadline)
{
	ev_timer_stop(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		size_t n = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct ev_timer **h = realloc(loop->heap, n * sizeof(*h));

		if (!h)
			abort();   /* a timer that silently never fires is worse */
		loop->heap = h;
		loop->heap_cap = n;
	}
	t->deadline = deadline;
	t->seq = loop->next_seq++;
	heap_place(loop, loop->heap_len++, t);
	heap_up(loop, t->heap_pos - 1);
}

void ev_timer_start_in(struct ev_loop *loop, struct ev_timer *t, uint64_t delay_ns)
{
	uint64_t now = ev_now(loop);

	ev_timer_start_at(loop, t, delay_ns > EV_NEVER - now ? EV_NEVER : now + delay_ns);
}

uint64_t ev_next_deadline(const struct ev_loop *loop)
{
	return loop->heap_len ? loop->heap[0]->deadline : EV_NEVER;
}

size_t ev_timer_count(const struct ev_loop *loop)
{
	return loop->heap_len;
}

size_t ev_run_due(struct ev_loop *loop)
{
	uint64_t now = ev_now(loop);
	uint64_t pass_seq = loop->next_seq;
	size_t ran = 0;

	while (loop->heap_len && loop->heap[0]->deadline <= now &&
	       loop->heap[0]->seq < pass_seq) {
		struct ev_timer *t = loop->heap[0];

		heap_remove(loop, 0);
		t->cb(loop, t, t->arg);
		ran++;
	}
	return ran;
}

/* ---- signals -------------------------------------------------------- */

int ev_signal_add(struct ev_loop *loop, int signo, ev_signal_cb cb, void *arg)
{
	int fd;

	if (signo <= 0 || signo >= _NSIG || !cb) {
		errno = EINVAL;
		return -1;
	}
	sigaddset(&loop->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &loop->sigmask, NULL) < 0)
		return -1;
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (loop->sigfd < 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

		if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			return -1;
		}
		loop->sigfd = fd;
	}
	loop->sigs[signo].cb = cb;
	loop->sigs[signo].arg = arg;
	return 0;
}

static void dispatch_signals(struct ev_loop *loop)
{
	struct signalfd_siginfo si;

	while (read(loop->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		struct ev_sig *s;

		if (si.ssi_signo >= _NSIG)
			continue;
		s = &loop->sigs[si.ssi_signo];
		if (s->cb)
			s->cb(loop, &si, s->arg);
	}
}

/* ---- running -------------------------------------------------------- */

/* Arm the timerfd for `deadline` (absolute, CLOCK_MONOTONIC) if it is not
 * already.  Returns false when the timerfd cannot be used. */
static bool arm_timerfd(struct ev_loop *loop, uint64_t deadline)
{
	struct itimerspec its = { 0 };

	if (loop->tfd < 0 || loop->clock != clock_monotonic)
		return false;
	if (deadline == loop->tfd_armed)
		return true;
	if (deadline != EV_NEVER) {
		/* 0 would disarm: a deadline at 0 is long past anyway */
		uint64_t d = deadline ? deadline : 1;

		its.it_value.tv_sec = (time_t)(d / EV_NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(d % EV_NSEC_PER_SEC);
	}
	if (timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return false;
	loop->tfd_armed = deadline;
	return true;
}

int ev_run_once(struct ev_loop *loop, uint64_t max_wait_ns)
{
	struct epoll_event evs[64];
	uint64_t next = ev_next_deadline(loop), wait = max_wait_ns;
	struct timespec ts, *tsp = NULL;
	int n;

	if (!arm_timerfd(loop, next) && next != EV_NEVER) {
		/* An injected clock (or no timerfd): wait for the timer itself. */
		uint64_t now = ev_now(loop);

		wait = next <= now ? 0 : (next - now < wait ? next - now : wait);
	}
	if (wait != EV_NEVER) {
		ts.tv_sec = (time_t)(wait / EV_NSEC_PER_SEC);
		ts.tv_nsec = (long)(wait % EV_NSEC_PER_SEC);
		tsp = &ts;
	}
	n = epoll_pwait2(loop->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), tsp, NULL);
	if (n < 0 && errno == ENOSYS) {
		int ms = tsp ? (int)((wait + EV_NSEC_PER_MSEC - 1) / EV_NSEC_PER_MSEC) : -1;

		n = epoll_wait(loop->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), ms);
	}
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		if (fd == loop->tfd) {
			uint64_t expirations;

			if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
				return -1;
			loop->tfd_armed = EV_NEVER;   /* fired: re-arm for the next one */
			continue;
		}
		if (fd == loop->sigfd) {
			dispatch_signals(loop);
			continue;
		}
		/* A handler may have removed this fd earlier in the batch. */
		if ((size_t)fd < loop->n_ios && loop->ios[fd].cb)
			loop->ios[fd].cb(loop, fd, evs[i].events, loop->ios[fd].arg);
	}
	ev_run_due(loop);
	return 0;
}

int ev_run(struct ev_loop *loop)
{
	loop->stop = false;
	while (!loop->stop)
		if (ev_run_once(loop, EV_NEVER) < 0)
			return -1;
	return 0;
}
