/*
 * check_misc.c - MISC_CHECK: run misc_path (a shell line) through
 * core/spawn, without waiting for it; its exit status is the result
 * (chk_misc_result: 0 up, 1 down, misc_dynamic weights), misc_timeout
 * bounds it (spawn kills its process group).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_io.h"
#include "core/ev.h"
#include "core/spawn.h"

struct misc_op {
	struct check_op op;
	struct ev_loop *loop;
	const struct check_misc_spec *spec;
	struct ev_timer timer;      /* delivers a result found at start */
	struct chk_result result;
};

static void misc_release(struct misc_op *o)
{
	ev_timer_stop(o->loop, &o->timer);
	spawn_forget(o);            /* a script still running ends on its timeout */
	free(o);
}

static void misc_finish(struct misc_op *o, const struct chk_result *r)
{
	struct chk_result copy = *r;
	check_done_fn done = o->op.done;
	void *arg = o->op.arg;

	misc_release(o);
	done(arg, &copy);
}

static void misc_on_exit(int status, void *arg)
{
	struct misc_op *o = arg;
	struct chk_result r;

	chk_misc_result(&r, status, o->spec->dynamic, o->spec->timeout_s);
	misc_finish(o, &r);
}

static void misc_on_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct misc_op *o = arg;

	misc_finish(o, &o->result);
}

static void misc_cancel(struct check_op *op)
{
	misc_release((struct misc_op *)op);
}

struct check_op *check_misc_start(struct ev_loop *loop, const struct check_misc_spec *spec,
				  check_done_fn done, void *arg)
{
	struct misc_op *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->op = (struct check_op){ .cancel = misc_cancel, .done = done, .arg = arg };
	o->loop = loop;
	o->spec = spec;
	ev_timer_init(&o->timer, misc_on_timer, o);
	if (spec->disabled) {
		chk_result_fail(&o->result, "not run: refused by enable_script_security");
		check_defer(loop, &o->timer);
	} else if (spawn_run(spec->cmdline, NULL, spec->user, spec->timeout_ns, misc_on_exit, o) < 0) {
		chk_result_local(&o->result, "cannot run the script: %s", strerror(errno));
		check_defer(loop, &o->timer);
	}
	return &o->op;
}
