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

#include "core/addr.h"
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

/* --log-format: text by default, json for log shippers, anything else named. */
static void test_log_format(void **state)
{
	struct vigil_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), NULL), OPTS_RUN);
	assert_false(o.log_json);
	assert_int_equal(parse(&o, err, sizeof(err), "--log-format=json", NULL), OPTS_RUN);
	assert_true(o.log_json);
	assert_int_equal(parse(&o, err, sizeof(err), "--log-format", "text", NULL), OPTS_RUN);
	assert_false(o.log_json);
	assert_int_equal(parse(&o, err, sizeof(err), "--log-format=JSON-lines", NULL), OPTS_ERROR);
	assert_non_null(strstr(err, "'JSON-lines'"));
	assert_non_null(strstr(err, "text or json"));
}

/* Who may read, HTTPS, CORS: off by default; bad values named with the fix. */
static void test_http_security(void **state)
{
	struct vigil_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), NULL), OPTS_RUN);
	assert_false(o.http_auth_reads);
	assert_null(o.http_cors_origin);
	assert_null(o.http_tls_cert);
	assert_int_equal(parse(&o, err, sizeof(err), "--http-auth=all", NULL), OPTS_RUN);
	assert_true(o.http_auth_reads);
	assert_int_equal(parse(&o, err, sizeof(err), "--http-auth=edits", NULL), OPTS_RUN);
	assert_false(o.http_auth_reads);
	assert_int_equal(parse(&o, err, sizeof(err), "--http-auth=none", NULL), OPTS_ERROR);
	assert_non_null(strstr(err, "'edits' or 'all'"));

	assert_int_equal(parse(&o, err, sizeof(err), "--http-tls-cert=c.pem", "--http-tls-key=k.pem", NULL), OPTS_RUN);
	assert_string_equal(o.http_tls_cert, "c.pem");
	assert_string_equal(o.http_tls_key, "k.pem");
	assert_int_equal(parse(&o, err, sizeof(err), "--http-tls-cert=c.pem", NULL), OPTS_ERROR);
	assert_non_null(strstr(err, "--http-tls-key"));
	assert_int_equal(parse(&o, err, sizeof(err), "--http-tls-key=k.pem", NULL), OPTS_ERROR);
	assert_non_null(strstr(err, "--http-tls-cert"));

	assert_int_equal(parse(&o, err, sizeof(err), "--http-cors-origin=https://ops.example:8443", NULL), OPTS_RUN);
	assert_string_equal(o.http_cors_origin, "https://ops.example:8443");
	static const char *const bad[] = { "*", "ops.example", "https://ops.example/", "https://a.example, https://b.example",
					   "https://ops.example\r\nSet-Cookie: x=1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char arg[128];

		snprintf(arg, sizeof(arg), "--http-cors-origin=%s", bad[i]);
		if (parse(&o, err, sizeof(err), arg, NULL) != OPTS_ERROR)
			fail_msg("accepted %s", arg);
		assert_non_null(strstr(err, "SCHEME://HOST"));
	}
}

/* The REST API's address: loopback by default, IPv4 or [IPv6], or none. */
static void test_http_listen(void **state)
{
	struct vigil_opts o;
	char err[256];
	struct vaddr a;
	int port;

	assert_int_equal(parse(&o, err, sizeof(err), NULL), OPTS_RUN);
	assert_string_equal(o.http_listen, "127.0.0.1:8080");
	assert_int_equal(parse(&o, err, sizeof(err), "--http=[::1]:8081", NULL), OPTS_RUN);
	assert_string_equal(o.http_listen, "[::1]:8081");
	assert_int_equal(parse(&o, err, sizeof(err), "--http=none", NULL), OPTS_RUN);
	assert_null(o.http_listen);
	static const char *const bad[] = { "8080", "localhost:8080", "::1:8080", "127.0.0.1:0",
					   "127.0.0.1:65536", "127.0.0.1:", "[::1]8080", "[::1]:x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char arg[64];

		snprintf(arg, sizeof(arg), "--http=%s", bad[i]);
		if (parse(&o, err, sizeof(err), arg, NULL) != OPTS_ERROR)
			fail_msg("accepted %s", arg);
		assert_non_null(strstr(err, bad[i]));
		assert_non_null(strstr(err, "IP-ADDRESS:PORT"));
	}
	assert_int_equal(vaddr_port_parse("[2001:db8::1]:443", &a, &port), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(port, 443);
	assert_int_equal(vaddr_port_parse("192.0.2.1:80", &a, &port), 0);
	assert_int_equal(a.family, AF_INET);
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
		cmocka_unit_test(test_log_format),
		cmocka_unit_test(test_http_listen),
		cmocka_unit_test(test_http_security),
		cmocka_unit_test(test_help_and_version_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
