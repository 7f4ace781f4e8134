/*
 * test_http_api.c - the REST API's decisions that need no server: times in
 * query strings, who may read, CORS preflights, the page's files, and the
 * checks of /history and /events' parameters (made before the store is
 * asked, so a NULL store answers 503 only to a valid request).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "http/http_api.h"
#include "http/http_assets.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

static struct snap S;   /* empty: no instances, no servers */

static struct http_api_ctx ctx(void)
{
	return (struct http_api_ctx){ .snap = &S, .node = "n1", .version = "vigil test", .token = TOKEN };
}

/* The status of `method path?query` (args as "k=v" strings), and its
 * error's field in `field` (when there is one). */
static int ask(const struct http_api_ctx *c, const char *method, const char *path, const char *auth,
	       const char *field_want, const char *const *args)
{
	struct http_arg a[HTTP_MAX_ARGS];
	char kv[HTTP_MAX_ARGS][64];
	size_t n = 0;
	struct http_reply out;
	struct http_edit e;
	struct http_request rq = { .method = method, .path = path, .body = "", .authorization = auth,
				   .peer = "127.0.0.1" };
	int status;

	for (; args && args[n]; n++) {
		char *eq;

		snprintf(kv[n], sizeof(kv[n]), "%s", args[n]);
		eq = strchr(kv[n], '=');
		*eq = '\0';
		a[n] = (struct http_arg){ kv[n], eq + 1 };
	}
	rq.args = a;
	rq.n_args = n;
	assert_int_equal(http_api_handle(c, &rq, &out, &e), 0);
	status = out.status;
	if (field_want) {
		json_t *j = json_loads(out.body, 0, NULL);
		const char *f = json_string_value(json_object_get(json_object_get(j, "error"), "field"));

		if (!f || strcmp(f, field_want) != 0)
			fail_msg("%s %s: field %s, wanted %s (%s)", method, path, f ? f : "(none)", field_want, out.body);
		json_decref(j);
	}
	free(out.body);
	free(e.json);
	return status;
}

static void test_times(void **state)
{
	(void)state;
	assert_int_equal(http_api_time("1733325601123"), 1733325601123LL);
	assert_int_equal(http_api_time("2026-12-04T15:20:01Z"), 1796397601000LL);
	assert_int_equal(http_api_time("2026-12-04T15:20:01.5Z"), 1796397601500LL);
	assert_int_equal(http_api_time("2026-12-04T15:20:01.123456Z"), 1796397601123LL);
	assert_int_equal(http_api_time("2026-12-04T16:20:01+01:00"), 1796397601000LL);
	assert_int_equal(http_api_time("2026-12-04T14:50:01-00:30"), 1796397601000LL);
	static const char *const bad[] = { "", "yesterday", "2026-12-04", "2026-12-04T15:20:01",
					   "2026-12-04T15:20:01+1", "2026-12-04T15:20:01Zjunk", "2026-13-04T15:20:01Z",
					   "2026-12-04T15:20:01.Z", "-5", "0", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_api_time(bad[i]) != 0)
			fail_msg("'%s' taken for a time", bad[i]);
}

static void test_reads_need_the_token_only_when_told(void **state)
{
	struct http_api_ctx c = ctx();

	(void)state;
	assert_int_equal(ask(&c, "GET", "/api/v1/status", NULL, NULL, NULL), 200);
	c.auth_reads = true;
	assert_int_equal(ask(&c, "GET", "/api/v1/status", NULL, "Authorization", NULL), 401);
	assert_int_equal(ask(&c, "GET", "/metrics", NULL, "Authorization", NULL), 401);
	assert_int_equal(ask(&c, "GET", "/api/v1/status", "Bearer wrong", "Authorization", NULL), 403);
	assert_int_equal(ask(&c, "GET", "/api/v1/status", "Bearer " TOKEN, NULL, NULL), 200);
	/* the page itself loads (it then asks for the token) */
	assert_int_equal(ask(&c, "GET", "/", NULL, NULL, NULL), 200);
}

static void test_cors_preflight_only_when_configured(void **state)
{
	struct http_api_ctx c = ctx();

	(void)state;
	assert_int_equal(ask(&c, "OPTIONS", "/api/v1/status", NULL, NULL, NULL), 405);
	c.cors = true;
	assert_int_equal(ask(&c, "OPTIONS", "/api/v1/status", NULL, NULL, NULL), 204);
}

static void test_page_files(void **state)
{
	struct http_api_ctx c = ctx();

	(void)state;
	assert_int_equal(ask(&c, "GET", "/", NULL, NULL, NULL), 200);
	assert_int_equal(ask(&c, "HEAD", "/app.js", NULL, NULL, NULL), 200);
	assert_int_equal(ask(&c, "GET", "/style.css", NULL, NULL, NULL), 200);
	assert_int_equal(ask(&c, "GET", "/../etc/passwd", NULL, NULL, NULL), 404);
	assert_int_equal(ask(&c, "DELETE", "/", NULL, NULL, NULL), 405);
}

/* What is served is byte for byte what webui/ holds (the embedding escapes
 * quotes, backslashes and question marks). */
static void test_page_files_are_the_files(void **state)
{
	static const char *const files[][2] = { { "/", "index.html" }, { "/app.js", "app.js" },
						 { "/style.css", "style.css" } };
	const char *src = getenv("VIGIL_SRCDIR");

	(void)state;
	if (!src)
		skip();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const struct http_asset *a = http_asset_find(files[i][0]);
		char path[4096], *buf;
		FILE *f;
		long n;

		snprintf(path, sizeof(path), "%s/webui/%s", src, files[i][1]);
		f = fopen(path, "rb");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		buf = malloc((size_t)n + 1);
		assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		assert_non_null(a);
		assert_int_equal(a->len, (size_t)n);
		assert_int_equal(strlen(a->data), (size_t)n);
		assert_memory_equal(a->data, buf, (size_t)n);
		free(buf);
	}
}

static void test_history_parameters(void **state)
{
	struct http_api_ctx c = ctx();

	(void)state;
	assert_int_equal(ask(&c, "GET", "/api/v1/history", NULL, "kind", (const char *[]){ "kind=x", NULL }), 400);
	assert_int_equal(ask(&c, "GET", "/api/v1/history", NULL, "limit", (const char *[]){ "limit=1001", NULL }), 400);
	assert_int_equal(ask(&c, "GET", "/api/v1/history", NULL, "limit", (const char *[]){ "limit=-1", NULL }), 400);
	assert_int_equal(ask(&c, "GET", "/api/v1/history", NULL, "instance", (const char *[]){ "instance=VI_1", NULL }),
			 400);
	assert_int_equal(ask(&c, "GET", "/api/v1/history", NULL, "cursor", (const char *[]){ "cursor=12", NULL }), 400);
	assert_int_equal(ask(&c, "GET", "/api/v1/history", NULL, "cursor",
			     (const char *[]){ "cursor=1733325601123.x.4", NULL }), 400);
	assert_int_equal(ask(&c, "GET", "/api/v1/history", NULL, "until", (const char *[]){ "until=soon", NULL }), 400);
	assert_int_equal(ask(&c, "GET", "/api/v1/events", NULL, "kind", (const char *[]){ "kind=vrrp", NULL }), 400);
	assert_int_equal(ask(&c, "GET", "/api/v1/events", NULL, "cursor", (const char *[]){ "cursor=1.v.2", NULL }), 400);
	/* valid ones reach the store, which this context has not: 503 */
	assert_int_equal(ask(&c, "GET", "/api/v1/history", NULL, NULL,
			     (const char *[]){ "kind=health", "limit=1000", "cursor=1733325601123.h.4",
					       "since=2026-12-04T15:20:01Z", NULL }), 503);
	assert_int_equal(ask(&c, "GET", "/api/v1/events", NULL, NULL,
			     (const char *[]){ "action=drain", "who=root", "cursor=7", NULL }), 503);
	assert_int_equal(ask(&c, "POST", "/api/v1/history", NULL, NULL, NULL), 405);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_reads_need_the_token_only_when_told),
		cmocka_unit_test(test_cors_preflight_only_when_configured),
		cmocka_unit_test(test_page_files),
		cmocka_unit_test(test_page_files_are_the_files),
		cmocka_unit_test(test_history_parameters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
