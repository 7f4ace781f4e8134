/*
 * check_state.h - the health checker's decisions, as pure functions.
 *
 * Given a checker's settings and the result of one check, what is its state
 * now (up or down, how many failures in a row) and when does it run next?
 * Given the states of a real server's checkers, is the real server up and
 * with what weight?  No sockets, no clock, no randomness: the engine
 * (check_run.c) passes the time and a random number in, so the unit tests
 * drive these through every case without sleeping.
 *
 * The rules are keepalived's (check_api.c, check_tcp.c, check_misc.c):
 *   - a checker tolerates `retry` failures in a row, each followed by a new
 *     try after delay_before_retry; failure number retry + 1 takes it down;
 *   - one success takes it up again (there is no "rise" count);
 *   - between checks it waits delay_loop, counted from the last result;
 *   - it starts up, so a real server carries traffic from the start, unless
 *     the virtual server says `alpha`: then it starts down and the first
 *     success brings it up;
 *   - `warmup N` delays the first check by a random time in [0, N];
 *   - a real server is up when all its checkers are up (one without
 *     checkers is always up);
 *   - MISC_CHECK exit status: 0 up, 1 down; with misc_dynamic, 2..255 is up
 *     with weight status - 2 and 0 leaves the weight as it was; without
 *     misc_dynamic, anything but 0 is down.  One exception to keepalived:
 *     126 and 127 are always down, because they are /bin/sh saying that
 *     the script could not be run or found (keepalived would read them as
 *     weights 124 and 125).
 * All times are nanoseconds on the loop's monotonic clock.
 */
#ifndef VIGIL_CHECK_STATE_H
#define VIGIL_CHECK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHK_REASON_LEN 160

/* What one checker was configured with, times already in ns. */
struct chk_params {
	int retry;                    /* failures tolerated before "down" */
	uint64_t delay_before_retry;
	uint64_t delay_loop;
	uint64_t warmup;              /* 0: the first check starts at once */
	bool alpha;                   /* the virtual server's `alpha`: start down */
};

enum chk_outcome {
	CHK_OK,          /* the service answered as configured */
	CHK_FAIL,        /* it did not: reason says how */
	CHK_LOCAL_ERROR, /* we could not check (no socket, fork failed): no verdict */
};

/* The result of one check. */
struct chk_result {
	enum chk_outcome outcome;
	int weight;                   /* misc_dynamic: >= 0 sets the weight, -1 keeps it */
	char reason[CHK_REASON_LEN];  /* one line, why it failed; "" when ok */
};

/* A checker's state; the engine keeps one per checker, across reloads. */
struct chk_state {
	bool up;
	bool has_run;                 /* a result came in since the start */
	int fails;                    /* failures in a row (0 after a success) */
	int weight;                   /* set by misc_dynamic, -1: the configured one */
	uint64_t n_checks;            /* results counted (local errors are not) */
	uint64_t n_ok;
	uint64_t n_fail;
	uint64_t n_local_errors;
	uint64_t n_up;                /* transitions to up */
	uint64_t n_down;              /* transitions to down */
	char reason[CHK_REASON_LEN];  /* the last failure, kept while retrying */
};

enum chk_change { CHK_SAME, CHK_WENT_UP, CHK_WENT_DOWN };

/* What applying a result did. */
struct chk_step {
	enum chk_change change;
	bool weight_changed;          /* misc_dynamic moved the weight */
	bool retrying;                /* failed but not down yet: next is a retry */
	bool first;                   /* this was the checker's first result */
	uint64_t next;                /* when to check again */
};

void chk_state_init(struct chk_state *s, const struct chk_params *p);

/* When the first check runs: `now` plus, with warmup, rnd scaled into
 * [0, warmup] (rnd is uniform over 0..UINT32_MAX). */
uint64_t chk_first_run(const struct chk_params *p, uint64_t now, uint32_t rnd);

/* Apply one result that came in at `now`. */
struct chk_step chk_state_apply(struct chk_state *s, const struct chk_params *p,
				const struct chk_result *r, uint64_t now);

/* A real server, from its checkers. */
struct chk_rs_health {
	bool up;                      /* every checker is up */
	int weight;                   /* the weight it should get when up */
	int first_down;               /* index of the first checker that is down, -1 */
};

/* `weight` is the configured weight; a misc_dynamic weight replaces it (the
 * lowest one when several checkers set one). */
struct chk_rs_health chk_rs_eval(const struct chk_state *const *chks, size_t n, int weight);

/* ---- results ----------------------------------------------------------- */

/* Fill r as a success / a failure (printf-style reason) / a local error. */
void chk_result_ok(struct chk_result *r);
void chk_result_fail(struct chk_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void chk_result_local(struct chk_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A duration for a message: "3 s", "0.5 s", "1.25 s". */
const char *chk_fmt_seconds(double s, char *buf, size_t len);

/* MISC_CHECK: the script's wait status (or -1 when it timed out after
 * timeout_s) as a result. */
void chk_misc_result(struct chk_result *r, int status, bool dynamic, double timeout_s);

/* HTTP_GET / SSL_GET: does `code` pass a url whose status_code is `want`
 * (0: any 2xx, keepalived's default)? */
bool chk_http_status_ok(int code, int want);

/* An error number as a reason: "connection refused" (strerror, first
 * letter in lower case). */
const char *chk_errno_reason(int err, char *buf, size_t len);

#endif /* VIGIL_CHECK_STATE_H */
