/*
 * check_state.c - see check_state.h.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "check/check_state.h"

void chk_state_init(struct chk_state *s, const struct chk_params *p)
{
	memset(s, 0, sizeof(*s));
	s->up = !p->alpha;
	s->weight = -1;
}

uint64_t chk_first_run(const struct chk_params *p, uint64_t now, uint32_t rnd)
{
	/* keepalived: warmup * rand() / RAND_MAX, so checkers that start
	 * together do not all hit their servers in the same instant. */
	unsigned __int128 d = (unsigned __int128)p->warmup * rnd / UINT32_MAX;

	return now + (uint64_t)d;
}

static void set_weight(struct chk_state *s, const struct chk_result *r, struct chk_step *st)
{
	if (r->weight < 0 || r->weight == s->weight)
		return;
	s->weight = r->weight;
	st->weight_changed = true;
}

struct chk_step chk_state_apply(struct chk_state *s, const struct chk_params *p,
				const struct chk_result *r, uint64_t now)
{
	struct chk_step st = { .change = CHK_SAME, .next = now + p->delay_loop };

	if (r->outcome == CHK_LOCAL_ERROR) {
		/* Our problem, not the server's: no verdict, try again soon. */
		s->n_local_errors++;
		st.next = now + p->delay_before_retry;
		return st;
	}
	st.first = !s->has_run;
	s->has_run = true;
	s->n_checks++;
	if (r->outcome == CHK_OK) {
		s->n_ok++;
		s->fails = 0;
		set_weight(s, r, &st);
		if (!s->up) {
			s->up = true;
			s->n_up++;
			st.change = CHK_WENT_UP;
		}
		return st;
	}
	s->n_fail++;
	if (s->fails < INT_MAX)
		s->fails++;
	snprintf(s->reason, sizeof(s->reason), "%s", r->reason);
	if (!s->up)
		return st;          /* still down: back to the normal pace */
	if (s->fails <= p->retry) {
		st.retrying = true;
		st.next = now + p->delay_before_retry;
		return st;
	}
	s->up = false;
	s->n_down++;
	st.change = CHK_WENT_DOWN;
	return st;
}

struct chk_rs_health chk_rs_eval(const struct chk_state *const *chks, size_t n, int weight)
{
	struct chk_rs_health h = { .up = true, .weight = weight, .first_down = -1 };
	int dyn = -1;

	for (size_t i = 0; i < n; i++) {
		if (!chks[i]->up && h.first_down < 0) {
			h.up = false;
			h.first_down = (int)i;
		}
		if (chks[i]->weight >= 0 && (dyn < 0 || chks[i]->weight < dyn))
			dyn = chks[i]->weight;
	}
	if (dyn >= 0)
		h.weight = dyn;
	return h;
}

/* ---- results ------------------------------------------------------------ */

void chk_result_ok(struct chk_result *r)
{
	r->outcome = CHK_OK;
	r->weight = -1;
	r->reason[0] = '\0';
}

static void result_set(struct chk_result *r, enum chk_outcome o, const char *fmt, va_list ap)
{
	r->outcome = o;
	r->weight = -1;
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
}

void chk_result_fail(struct chk_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result_set(r, CHK_FAIL, fmt, ap);
	va_end(ap);
}

void chk_result_local(struct chk_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result_set(r, CHK_LOCAL_ERROR, fmt, ap);
	va_end(ap);
}

const char *chk_fmt_seconds(double s, char *buf, size_t len)
{
	snprintf(buf, len, "%g s", s);
	return buf;
}

void chk_misc_result(struct chk_result *r, int status, bool dynamic, double timeout_s)
{
	char t[32];
	int code;

	if (status < 0) {
		chk_result_fail(r, "timeout after %s", chk_fmt_seconds(timeout_s, t, sizeof(t)));
		return;
	}
	if (WIFSIGNALED(status)) {
		chk_result_fail(r, "script killed by signal %d", WTERMSIG(status));
		return;
	}
	if (!WIFEXITED(status)) {
		chk_result_fail(r, "script ended with wait status %d", status);
		return;
	}
	code = WEXITSTATUS(status);
	if (code == 0) {
		chk_result_ok(r);
		return;
	}
	if (dynamic && code >= 2 && code != 126 && code != 127) {
		/* keepalived's misc_dynamic: the weight is the status minus 2.
		 * Not for 126 and 127: /bin/sh says so when it cannot run the
		 * script at all, which must not read as "up, weight 125". */
		chk_result_ok(r);
		r->weight = code - 2;
		return;
	}
	chk_result_fail(r, "script exit %d%s", code,
			code == 126 ? " (cannot execute, or cannot become its user)" :
			code == 127 ? " (command not found)" : "");
}

bool chk_http_status_ok(int code, int want)
{
	if (want)
		return code == want;
	return code >= 200 && code <= 299;
}

const char *chk_errno_reason(int err, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(err));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}
