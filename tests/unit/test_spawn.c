/*
 * test_spawn.c - scripts run without blocking the loop: exit status,
 * timeout, arguments; and keepalived's script security rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/ev.h"
#include "core/spawn.h"

struct result {
	int status;
	int calls;
};

static void on_done(int status, void *arg)
{
	struct result *r = arg;

	r->status = status;
	r->calls++;
}

static void run_until_done(struct ev_loop *loop, struct result *r)
{
	for (int i = 0; i < 500 && !r->calls; i++)
		ev_run_once(loop, 20 * EV_NSEC_PER_MSEC);
}

static int setup(void **state)
{
	struct ev_loop *loop = ev_loop_new();

	assert_int_equal(spawn_init(loop), 0);
	*state = loop;
	return 0;
}

static int teardown(void **state)
{
	ev_loop_free(*state);
	return 0;
}

static void test_exit_status_reaches_callback(void **state)
{
	struct result r = { 0 };

	assert_true(spawn_run("exit 3", NULL, NULL, 5 * EV_NSEC_PER_SEC, on_done, &r) > 0);
	run_until_done(*state, &r);
	assert_int_equal(r.calls, 1);
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 3);
}

static void test_timeout_kills_and_reports(void **state)
{
	struct result r = { 0 };

	/* The child and its own children (the process group) are killed. */
	assert_true(spawn_run("sleep 30 & sleep 30", NULL, NULL, 50 * EV_NSEC_PER_MSEC, on_done, &r) > 0);
	run_until_done(*state, &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.status, -1);
}

static void test_arguments_are_quoted(void **state)
{
	char dir[] = "/tmp/vigil-spawn-XXXXXX", out[128], cmd[256], buf[256] = "";
	const char *args[] = { "INSTANCE", "VI 1", "it's", NULL };
	struct result r = { 0 };
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/args", dir);
	/* the arguments are appended to the command line, each quoted */
	snprintf(cmd, sizeof(cmd), "f() { printf '%%s|' \"$@\" >%s; }; f", out);
	assert_true(spawn_run(cmd, args, NULL, 5 * EV_NSEC_PER_SEC, on_done, &r) > 0);
	run_until_done(*state, &r);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "INSTANCE|VI 1|it's|");
	unlink(out);
	rmdir(dir);
}

static void test_script_security(void **state)
{
	char dir[] = "/tmp/vigil-sec-XXXXXX", script[128], line[160], why[256];

	/* root-owned system binaries are fine; builtins are not paths */
	assert_int_equal(spawn_check_secure("/bin/true --flag", why, sizeof(why)), 0);
	assert_int_equal(spawn_check_secure("test -e /etc/passwd", why, sizeof(why)), 0);

	/* a script below /tmp can be replaced by anyone: refused, and the
	 * message names the writable path */
	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/chk.sh", dir);
	fclose(fopen(script, "w"));
	chmod(script, 0755);
	snprintf(line, sizeof(line), "%s arg", script);
	assert_int_equal(spawn_check_secure(line, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/tmp"));

	/* a group-writable script itself */
	chmod(script, 0775);
	assert_int_equal(spawn_check_secure(line, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "chk.sh"));
	unlink(script);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status_reaches_callback),
		cmocka_unit_test(test_timeout_kills_and_reports),
		cmocka_unit_test(test_arguments_are_quoted),
		cmocka_unit_test(test_script_security),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
