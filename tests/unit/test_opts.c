/*
 * test_opts.c - vigild's command line, as keepalived users type it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <cmocka.h>

#include "core/opts.h"

static enum opts_result parse(struct vigil_opts *o, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	char *a;
	FILE *out = fopen("/dev/null", "w");
	enum opts_result r;

	argv[argc++] = "vigild";
	va_start(ap, errlen);
	while ((a = va_arg(ap, char *)) != NULL)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	r = opts_parse(o, argc, argv, out, err, errlen);
	fclose(out);
	return r;
}

static void test_defaults(void **state)
{
	struct vigil_opts o;
	char err[256];

	assert_int_equal(parse(&o, err, sizeof(err), NULL), OPTS_RUN);
	assert_false(o.dont_fork);
	assert_false(o.log_console);
	assert_int_equal(o.log_facility, LOG_DAEMON);
	assert_true(o.run_vrrp);
	assert_true(o.run_check);
	assert_non_null(strstr(o.pid_file, "vigild.pid"));
	assert_null(o.conf_file);
}

/* The line from seed 003's /etc/sysconfig/keepalived must keep working. */
static void test_keepalived_options_line(void **state)
{
	struct vigil_opts o;
	char err[256];

	assert_int_equal(parse(&o, err, sizeof(err), "-D", "-d", "-S", "0", NULL), OPTS_RUN);
	assert_true(o.log_detail);
	assert_true(o.dump_conf);
	assert_int_equal(o.log_facility, LOG_LOCAL0);
}

static void test_long_and_short_forms(void **state)
{
	struct vigil_opts o;
	char err[256];

	assert_int_equal(parse(&o, err, sizeof(err), "-n", "-l", "-f", "/x.conf", "-p", "/run/a.pid",
			       "--vrrp_pid=/run/b.pid", "-c", "/run/c.pid", "--mgmt_pid", "/run/d.pid",
			       "--log-facility=local5", "-t", NULL), OPTS_RUN);
	assert_true(o.dont_fork);
	assert_true(o.log_console);
	assert_true(o.config_test);
	assert_string_equal(o.conf_file, "/x.conf");
	assert_string_equal(opts_conf_file(&o), "/x.conf");
	assert_string_equal(o.pid_file, "/run/a.pid");
	assert_string_equal(o.vrrp_pid_file, "/run/b.pid");
	assert_string_equal(o.check_pid_file, "/run/c.pid");
	assert_string_equal(o.mgmt_pid_file, "/run/d.pid");
	assert_int_equal(o.log_facility, LOG_LOCAL5);
}

static void test_dont_release_ipvs(void **state)
{
	struct vigil_opts o;
	char err[256];

	assert_int_equal(parse(&o, err, sizeof(err), NULL), OPTS_RUN);
	assert_false(o.dont_release_ipvs);
	assert_int_equal(parse(&o, err, sizeof(err), "-I", NULL), OPTS_RUN);
	assert_true(o.dont_release_ipvs);
	assert_int_equal(parse(&o, err, sizeof(err), "--dont-release-ipvs", NULL), OPTS_RUN);
	assert_true(o.dont_release_ipvs);
}

static void test_subsystem_selection(void **state)
{
	struct vigil_opts o;
	char err[256];

	assert_int_equal(parse(&o, err, sizeof(err), "-P", NULL), OPTS_RUN);
	assert_true(o.run_vrrp);
	assert_false(o.run_check);
	assert_int_equal(parse(&o, err, sizeof(err), "--check", NULL), OPTS_RUN);
	assert_false(o.run_vrrp);
	assert_true(o.run_check);
	assert_int_equal(parse(&o, err, sizeof(err), "-P", "-C", NULL), OPTS_RUN);
	assert_true(o.run_vrrp);
	assert_true(o.run_check);
}

static void test_errors_name_the_problem(void **state)
{
	struct vigil_opts o;
	char err[256];

	assert_int_equal(parse(&o, err, sizeof(err), "-S", "9", NULL), OPTS_ERROR);
	assert_non_null(strstr(err, "'9'"));
	assert_non_null(strstr(err, "local0-local7"));
	assert_int_equal(parse(&o, err, sizeof(err), "--bogus", NULL), OPTS_ERROR);
	assert_non_null(strstr(err, "--bogus"));
	assert_int_equal(parse(&o, err, sizeof(err), "-f", NULL), OPTS_ERROR);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(&o, err, sizeof(err), "keepalived.conf", NULL), OPTS_ERROR);
	assert_non_null(strstr(err, "-f"));
}

static void test_help_and_version_exit(void **state)
{
	struct vigil_opts o;
	char err[256];

	assert_int_equal(parse(&o, err, sizeof(err), "--help", NULL), OPTS_EXIT_OK);
	assert_int_equal(parse(&o, err, sizeof(err), "-v", NULL), OPTS_EXIT_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_keepalived_options_line),
		cmocka_unit_test(test_long_and_short_forms),
		cmocka_unit_test(test_subsystem_selection),
		cmocka_unit_test(test_dont_release_ipvs),
		cmocka_unit_test(test_errors_name_the_problem),
		cmocka_unit_test(test_help_and_version_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
