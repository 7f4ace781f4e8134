/*
 * test_conf.c - the config parser as a user meets it: the seed configs and
 * tests/configs/good load cleanly, every broken config in tests/configs/bad
 * gives exactly the diagnostics its NAME.expect lists, layouts people write
 * parse to the same values, and garbage never crashes.
 *
 * The source tree is $VIGIL_SRCDIR (default ".").
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1      /* asprintf, open_memstream */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static const char *srcdir(void)
{
	const char *s = getenv("VIGIL_SRCDIR");

	return s && *s ? s : ".";
}

static char *path_of(const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", srcdir(), rel) < 0)
		abort();
	return p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's files ending in `ext`, sorted; NULL-terminated. */
static char **list_dir(const char *dir, const char *ext, size_t *n)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	struct dirent *e;
	size_t el = strlen(ext);

	*n = 0;
	if (!d)
		return calloc(1, sizeof(char *));
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l > el && strcmp(e->d_name + l - el, ext) == 0) {
			v = realloc(v, (*n + 2) * sizeof(*v));
			v[(*n)++] = strdup(e->d_name);
		}
	}
	closedir(d);
	if (!v)
		return calloc(1, sizeof(char *));
	qsort(v, *n, sizeof(*v), cmp_str);
	v[*n] = NULL;
	return v;
}

static void free_list(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static struct conf *load(const char *text, struct conf_diags *d)
{
	return conf_load_buffer("mem.conf", text, strlen(text), CONF_NO_INCLUDE, d);
}

static void dump_diags(const char *what, const struct conf_diags *d)
{
	fprintf(stderr, "--- %s: %d errors, %d warnings\n", what, d->n_errors, d->n_warnings);
	conf_diags_print(d, stderr);
}

/* A diagnostic of this severity at this line whose message holds sub. */
static bool has_diag(const struct conf_diags *d, enum conf_severity sev, int line,
		     const char *sub)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == sev && d->v[i].line == line &&
		    strstr(d->v[i].msg, sub))
			return true;
	return false;
}

#define assert_diag(d, sev, line, sub) do { \
	if (!has_diag((d), (sev), (line), (sub))) { \
		dump_diags("diagnostics", (d)); \
		fail_msg("expected %s at line %d containing \"%s\"", \
			 (sev) == CONF_ERROR ? "an error" : "a warning", (line), (sub)); \
	} } while (0)

/* Load text that must load without errors; returns the config. */
static struct conf *load_ok(const char *text, struct conf_diags *d)
{
	struct conf *c = load(text, d);

	if (!c || d->n_errors) {
		dump_diags("mem.conf", d);
		fail_msg("the config did not load");
	}
	return c;
}

static const struct conf_vrrp *find_vrrp(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_vrrps; i++)
		if (strcmp(c->vrrps[i].name, name) == 0)
			return &c->vrrps[i];
	fail_msg("no vrrp_instance %s", name);
	return NULL;
}

static void assert_addr(const struct conf_addr *a, const char *want)
{
	char buf[INET6_ADDRSTRLEN] = "";

	if (a->family)
		inet_ntop(a->family, &a->u, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* Every *.conf of a directory loads with no error; prints the file and
 * its diagnostics when one does not.  Returns how many there were. */
static size_t load_all_ok(const char *rel)
{
	char *dir = path_of(rel);
	size_t n, bad = 0;
	char **names = list_dir(dir, ".conf", &n);

	for (size_t i = 0; i < n; i++) {
		struct conf_diags d = { 0 };
		char *p;
		struct conf *c;

		if (asprintf(&p, "%s/%s", dir, names[i]) < 0)
			abort();
		c = conf_load_file(p, 0, &d);
		if (!c || d.n_errors) {
			dump_diags(p, &d);
			bad++;
		} else {
			json_t *j = conf_to_json(c);    /* must not fail on any good config */

			if (!j || !json_is_object(j)) {
				fprintf(stderr, "%s: conf_to_json failed\n", p);
				bad++;
			}
			json_decref(j);
		}
		conf_free(c);
		conf_diags_free(&d);
		free(p);
	}
	free_list(names);
	if (bad)
		fail_msg("%zu of the %zu configs in %s did not load (see above)", bad, n, dir);
	free(dir);
	return n;
}

/* ------------------------------------------------------------------ */
/* Corpus                                                               */

static void test_seeds_load(void **state)
{
	size_t n = load_all_ok("tests/configs/seeds");

	if (n < 5)
		fail_msg("only %zu seed configs in %s/tests/configs/seeds: expected at least 5",
			 n, srcdir());
}

static void test_good_load(void **state)
{
	size_t n = load_all_ok("tests/configs/good");

	if (n < 5)
		fail_msg("only %zu configs in tests/configs/good: expected at least 5", n);
}

static struct conf *load_seed(const char *name, struct conf_diags *d)
{
	char *p;
	struct conf *c;

	if (asprintf(&p, "%s/tests/configs/seeds/%s", srcdir(), name) < 0)
		abort();
	c = conf_load_file(p, 0, d);
	if (!c) {
		dump_diags(p, d);
		fail_msg("seed %s did not load", p);
	}
	free(p);
	return c;
}

/* seed 000: LVS-DR director with a VIP that has a prefix and a dev, two
 * real servers checked with TCP_CHECK connect_timeout 3. */
static void test_seed_lvs_dr_values(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_seed("seed000-lvs-dr-dir1-master.conf", &d);
	const struct conf_vrrp *v = find_vrrp(c, "VI_1");
	const struct conf_vs *vs;

	assert_int_equal(v->state, CONF_STATE_MASTER);
	assert_int_equal(v->priority, 150);
	assert_int_equal(v->vrid, 55);
	assert_string_equal(v->interface, "ens32");
	assert_addr(&v->mcast_src_ip, "172.16.100.21");
	assert_int_equal(v->auth_type, CONF_AUTH_PASS);
	assert_string_equal(v->auth_pass, "123456");
	assert_int_equal(v->n_vips, 1);
	assert_addr(&v->vips[0].addr, "172.16.100.22");
	assert_int_equal(v->vips[0].prefix, 24);
	assert_string_equal(v->vips[0].dev, "ens32");
	assert_null(v->vips[0].label);

	assert_int_equal(c->n_vss, 1);
	vs = &c->vss[0];
	assert_addr(&vs->addr, "172.16.100.22");
	assert_int_equal(vs->port, 80);
	assert_string_equal(vs->sched, "rr");
	assert_int_equal(vs->kind, CONF_LB_DR);
	assert_int_equal(vs->protocol, CONF_PROTO_TCP);
	assert_true(vs->delay_loop == 3);
	assert_int_equal(vs->n_rs, 2);
	assert_addr(&vs->rs[0].addr, "172.16.100.14");
	assert_addr(&vs->rs[1].addr, "172.16.100.15");
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(vs->rs[i].port, 80);
		assert_int_equal(vs->rs[i].weight, 1);
		assert_int_equal(vs->rs[i].n_checkers, 1);
		assert_int_equal(vs->rs[i].checkers[0].type, CONF_CHK_TCP);
		assert_true(vs->rs[i].checkers[0].connect_timeout == 3);
	}
	conf_free(c);
	conf_diags_free(&d);
}

/* seed 001 (NBSP indentation): three real servers, TCP_CHECK with the old
 * name nb_get_retry, persistence, and nat_mask, which is only a warning. */
static void test_seed_nbsp_and_nb_get_retry(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_seed("seed001-lvs-dr-master.conf", &d);
	const struct conf_vrrp *v = find_vrrp(c, "VI_1");
	const struct conf_vs *vs = &c->vss[0];
	static const char *const rs[] = { "192.168.46.133", "192.168.46.134", "192.168.46.135" };

	assert_string_equal(v->interface, "ens33");   /* no U+00A0 glued to it */
	assert_int_equal(v->priority, 50);
	assert_int_equal(v->vrid, 51);
	assert_int_equal(c->n_vss, 1);
	assert_true(vs->persistent);
	assert_int_equal(vs->persistence_timeout, 50);
	assert_int_equal(vs->n_rs, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct conf_checker *k = &vs->rs[i].checkers[0];

		assert_addr(&vs->rs[i].addr, rs[i]);
		assert_int_equal(vs->rs[i].weight, 3);
		assert_int_equal(vs->rs[i].n_checkers, 1);
		assert_true(k->connect_timeout == 10);
		assert_int_equal(k->retry, 3);
		assert_true(k->delay_before_retry == 3);
		assert_int_equal(k->connect_port, 80);
	}
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(d.n_warnings, 1);
	assert_true(strstr(d.v[0].msg, "nat_mask") != NULL);
	conf_free(c);
	conf_diags_free(&d);
}

/* seed 003: the stock sample, a second instance, and "label eth0:2·". */
static void test_seed_label_as_written(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_seed("seed003-multi-instance-lb02.conf", &d);
	const struct conf_vrrp *v1 = find_vrrp(c, "VI_1"), *v2 = find_vrrp(c, "VI_2");

	assert_string_equal(c->global.router_id, "LVS_DEVEL1");
	assert_int_equal(c->global.n_notification_email, 3);
	assert_string_equal(c->global.notification_email[2], "sysadmin@firewall.loc");
	assert_addr(&c->global.smtp_server, "192.168.200.1");
	assert_true(c->global.smtp_connect_timeout == 30);
	assert_int_equal(v1->state, CONF_STATE_BACKUP);
	assert_int_equal(v1->priority, 100);
	assert_string_equal(v1->vips[0].label, "eth0:1");
	assert_int_equal(v2->state, CONF_STATE_MASTER);
	assert_int_equal(v2->vrid, 52);
	assert_int_equal(v2->priority, 150);
	assert_string_equal(v2->auth_pass, "1112");
	assert_addr(&v2->vips[0].addr, "192.168.153.200");
	assert_int_equal(v2->vips[0].prefix, 24);
	assert_string_equal(v2->vips[0].dev, "eth0");
	assert_string_equal(v2->vips[0].label, "eth0:2\xc2\xb7");   /* as written */
	assert_int_equal(d.n_warnings, 1);
	assert_true(strstr(d.v[0].msg, "did you mean 'eth0:2'") != NULL);
	conf_free(c);
	conf_diags_free(&d);
}

/* seed 003's route_id typo: a warning with its place and the hint. */
static void test_seed_route_id_typo(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_seed("seed003-mcast-group4.conf", &d);

	assert_int_equal(d.n_errors, 0);
	assert_diag(&d, CONF_WARNING, 10, "unknown keyword 'route_id' in global_defs");
	assert_diag(&d, CONF_WARNING, 10, "did you mean 'router_id'?");
	assert_non_null(strstr(d.v[0].file, "seed003-mcast-group4.conf"));
	assert_addr(&c->global.mcast_group4, "224.0.0.19");
	assert_null(c->global.router_id);
	conf_free(c);
	conf_diags_free(&d);
}

/* seed 004: a tracked vrrp_script, nopreempt on a MASTER (a warning). */
static void test_seed_track_script(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_seed("seed004-server1-master.conf", &d);
	const struct conf_vrrp *v = find_vrrp(c, "VI_1");

	assert_int_equal(c->n_scripts, 1);
	assert_string_equal(c->scripts[0].name, "chk_nginx");
	assert_string_equal(c->scripts[0].script, "/etc/keepalived/nginx.sh");
	assert_true(c->scripts[0].interval == 2);
	assert_int_equal(c->scripts[0].weight, -5);
	assert_int_equal(c->scripts[0].fall, 3);
	assert_int_equal(c->scripts[0].rise, 2);
	assert_true(v->nopreempt);
	assert_true(v->advert_int == 2);
	assert_int_equal(v->n_track_scripts, 1);
	assert_string_equal(v->track_scripts[0].name, "chk_nginx");
	assert_int_equal(v->track_scripts[0].index, 0);
	assert_false(v->track_scripts[0].weight_set);
	assert_addr(&v->mcast_src_ip, "192.168.1.11");
	assert_diag(&d, CONF_WARNING, 31, "nopreempt needs state BACKUP to have effect");
	conf_free(c);
	conf_diags_free(&d);
}

/* ------------------------------------------------------------------ */
/* tests/configs/bad: NAME.conf with NAME.expect                        */

struct expect {
	char file[128];          /* basename; "" = the .conf itself */
	int line;
	enum conf_severity sev;
	char sub[512];
	bool found;
};

/* "[FILE:]LINE: error|warning: SUBSTRING"; '#' lines are comments. */
static size_t read_expect(const char *path, struct expect *e, size_t max)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n = 0;

	if (!f)
		fail_msg("%s is missing: every bad config needs its expected diagnostics", path);
	while (fgets(line, sizeof(line), f) && n < max) {
		char *p = line, *colon, *sev, *sub;

		line[strcspn(line, "\n")] = '\0';
		if (!*line || *line == '#')
			continue;
		memset(&e[n], 0, sizeof(e[n]));
		if (*p < '0' || *p > '9') {
			colon = strchr(p, ':');
			if (!colon)
				fail_msg("%s: bad line '%s'", path, line);
			snprintf(e[n].file, sizeof(e[n].file), "%.*s", (int)(colon - p), p);
			p = colon + 1;
		}
		e[n].line = (int)strtol(p, &p, 10);
		if (strncmp(p, ": ", 2) != 0)
			fail_msg("%s: bad line '%s'", path, line);
		sev = p + 2;
		if (strncmp(sev, "error: ", 7) == 0) {
			e[n].sev = CONF_ERROR;
			sub = sev + 7;
		} else if (strncmp(sev, "warning: ", 9) == 0) {
			e[n].sev = CONF_WARNING;
			sub = sev + 9;
		} else {
			fail_msg("%s: bad severity in '%s'", path, line);
			return 0;
		}
		snprintf(e[n].sub, sizeof(e[n].sub), "%s", sub);
		n++;
	}
	fclose(f);
	return n;
}

static const char *base(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p ? p : "";
}

static bool matches(const struct expect *e, const struct conf_diag *g, const char *conf_name)
{
	return g->severity == e->sev && g->line == e->line &&
	       strcmp(base(g->file), e->file[0] ? e->file : conf_name) == 0 &&
	       strstr(g->msg, e->sub) != NULL;
}

/* Returns the number of problems found (and prints them). */
static int check_bad(const char *dir, const char *name)
{
	struct expect e[64];
	struct conf_diags d = { 0 };
	char *conf, *exp;
	size_t ne, n_err_expected = 0;
	struct conf *c;
	int problems = 0;

	if (asprintf(&conf, "%s/%s", dir, name) < 0 ||
	    asprintf(&exp, "%s/%.*s.expect", dir, (int)(strlen(name) - 5), name) < 0)
		abort();
	ne = read_expect(exp, e, 64);
	c = conf_load_file(conf, 0, &d);
	for (size_t i = 0; i < ne; i++) {
		n_err_expected += e[i].sev == CONF_ERROR;
		for (size_t j = 0; j < d.n && !e[i].found; j++)
			e[i].found = matches(&e[i], &d.v[j], name);
		if (!e[i].found) {
			fprintf(stderr, "%s: missing %s at %s:%d containing \"%s\"\n", name,
				e[i].sev == CONF_ERROR ? "error" : "warning",
				e[i].file[0] ? e[i].file : name, e[i].line, e[i].sub);
			problems++;
		}
	}
	for (size_t j = 0; j < d.n; j++) {
		bool expected = false;

		if (d.v[j].severity != CONF_ERROR)
			continue;
		for (size_t i = 0; i < ne && !expected; i++)
			expected = matches(&e[i], &d.v[j], name);
		if (!expected) {
			fprintf(stderr, "%s: unexpected error %s:%d: %s\n", name,
				base(d.v[j].file), d.v[j].line, d.v[j].msg);
			problems++;
		}
	}
	if (!n_err_expected) {
		fprintf(stderr, "%s: its .expect lists no error: a bad config must fail\n", name);
		problems++;
	}
	if (c) {
		fprintf(stderr, "%s: loaded although it has errors\n", name);
		problems++;
	}
	if (problems)
		dump_diags(conf, &d);
	conf_free(c);
	conf_diags_free(&d);
	free(conf);
	free(exp);
	return problems;
}

static void test_bad_configs(void **state)
{
	char *dir = path_of("tests/configs/bad");
	size_t n;
	char **names = list_dir(dir, ".conf", &n);
	int problems = 0;

	for (size_t i = 0; i < n; i++)
		problems += check_bad(dir, names[i]);
	free_list(names);
	if (n < 12)
		fail_msg("only %zu configs in %s: expected at least 12", n, dir);
	if (problems)
		fail_msg("%d problems with the bad configs (see above)", problems);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* Keywords, warnings, messages                                         */

static void test_unknown_keyword_warns_with_hint(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"vrrp_instance VI_1 {\n"
		"    interface eth0\n"
		"    virtual_router_id 9\n"
		"    prority 50\n"
		"    virtual_ipaddress {\n"
		"        192.0.2.1\n"
		"    }\n"
		"}\n", &d);

	assert_int_equal(d.n_warnings, 1);
	assert_string_equal(d.v[0].file, "mem.conf");
	assert_int_equal(d.v[0].line, 4);
	assert_string_equal(d.v[0].msg, "unknown keyword 'prority' in vrrp_instance VI_1: "
			    "ignored; did you mean 'priority'?");
	assert_int_equal(c->vrrps[0].priority, 100);        /* the default stays */
	conf_free(c);
	conf_diags_free(&d);
}

static void test_unknown_block_is_skipped_whole(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"static_ipaddress {\n"
		"    192.0.2.9/24 dev eth0\n"
		"}\n"
		"vrrp_instance VI_1 {\n"
		"    interface eth0\n"
		"    virtual_router_id 9\n"
		"    my_extension {\n"
		"        priority 999\n"
		"        virtual_ipaddress { 192.0.2.77 }\n"
		"    }\n"
		"    virtual_ipaddress {\n"
		"        192.0.2.1\n"
		"    }\n"
		"}\n", &d);

	assert_diag(&d, CONF_WARNING, 1, "'static_ipaddress' at the top level is a keepalived "
		    "option vigil does not support yet: ignored with its block");
	assert_diag(&d, CONF_WARNING, 7, "unknown block 'my_extension' in vrrp_instance VI_1: "
		    "skipped with everything in it");
	assert_int_equal(c->vrrps[0].priority, 100);
	assert_int_equal(c->vrrps[0].n_vips, 1);
	assert_addr(&c->vrrps[0].vips[0].addr, "192.0.2.1");
	conf_free(c);
	conf_diags_free(&d);
}

static void test_virtual_server_group_not_supported(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"virtual_server_group WEB {\n"
		"    192.0.2.1 80\n"
		"}\n"
		"virtual_server group WEB {\n"
		"    real_server 192.0.2.11 80\n"
		"}\n", &d);

	assert_diag(&d, CONF_WARNING, 1, "virtual_server_group is not supported yet");
	assert_diag(&d, CONF_WARNING, 4, "virtual_server group is not supported yet");
	assert_int_equal(c->n_vss, 0);
	conf_free(c);
	conf_diags_free(&d);
}

static void test_diags_print_format(void **state)
{
	struct conf_diags d = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct conf *c = load("vrrp_instance VI_1 {\n  priority 256\n}\n", &d);

	assert_null(c);
	assert_null(conf_load_file("/nonexistent/vigil.conf", 0, &d));
	conf_diags_print(&d, f);
	fclose(f);
	assert_non_null(strstr(buf, "mem.conf:2: error: priority 256 is out of range: use "
				    "1..255 (255 only for the address owner)\n"));
	assert_non_null(strstr(buf, "\nerror: cannot read the configuration file "
				    "'/nonexistent/vigil.conf': No such file or directory\n"));
	assert_non_null(strstr(buf, "mem.conf:1: warning: vrrp_instance VI_1 has no "
				    "virtual_ipaddress"));
	free(buf);
	conf_diags_free(&d);
}

/* A message must hold no control character and stay one line, even for a
 * hostile value. */
static void test_diag_messages_are_one_line(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load("global_defs {\n  \"ro\x1b[31mute\tid\" x\n}\n", &d);

	assert_non_null(c);
	assert_int_equal(d.n, 2);       /* unknown keyword + nothing configured */
	for (size_t i = 0; i < d.n; i++)
		for (const char *p = d.v[i].msg; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	conf_free(c);
	conf_diags_free(&d);
}

static void test_defaults(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c;

	c = load_ok(
		"vrrp_instance VI_1 {\n"
		"    interface eth0\n"
		"    virtual_router_id 9\n"
		"    virtual_ipaddress { 192.0.2.1 }\n"
		"}\n"
		"virtual_server 192.0.2.1 80 {\n"
		"    real_server 192.0.2.11 80 {\n"
		"        TCP_CHECK { }\n"
		"        MISC_CHECK { misc_path /bin/true }\n"
		"    }\n"
		"}\n", &d);
	{
		const struct conf_vrrp *v = &c->vrrps[0];
		const struct conf_vs *vs = &c->vss[0];

		assert_int_equal(v->state, CONF_STATE_BACKUP);
		assert_int_equal(v->priority, 100);
		assert_true(v->advert_int == 1);
		assert_int_equal(v->version, 2);
		assert_int_equal(v->family, AF_INET);
		assert_int_equal(v->vips[0].prefix, 32);
		assert_int_equal(v->vips[0].scope, 0);
		assert_int_equal(v->auth_type, CONF_AUTH_NONE);
		assert_true(v->accept);
		assert_true(v->garp_master_delay == 5);
		assert_int_equal(v->garp_master_repeat, 5);
		assert_int_equal(v->garp_master_refresh_repeat, 1);
		assert_int_equal(v->sync_group, -1);
		assert_addr(&c->global.mcast_group4, "224.0.0.18");
		assert_addr(&c->global.mcast_group6, "ff02::12");
		assert_int_equal(c->global.smtp_port, 25);
		assert_string_equal(vs->sched, "wlc");
		assert_int_equal(vs->kind, CONF_LB_NAT);
		assert_int_equal(vs->protocol, CONF_PROTO_TCP);
		assert_true(vs->delay_loop == 60);
		assert_int_equal(vs->quorum, 1);
		assert_false(vs->persistent);
		assert_int_equal(vs->rs[0].weight, 1);
		assert_true(vs->rs[0].checkers[0].connect_timeout == 5);
		assert_int_equal(vs->rs[0].checkers[0].retry, 1);
		assert_true(vs->rs[0].checkers[0].delay_before_retry == 1);
		assert_int_equal(vs->rs[0].checkers[1].retry, 0);
	}
	conf_free(c);
	conf_diags_free(&d);
}

/* global_defs after the instances still sets their defaults; what an
 * instance says itself wins. */
static void test_global_defaults_inherited_late(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"vrrp_instance A {\n"
		"    interface eth0\n"
		"    virtual_router_id 1\n"
		"    advert_int 0.5\n"
		"    virtual_ipaddress { 192.0.2.1 }\n"
		"}\n"
		"vrrp_instance B {\n"
		"    interface eth0\n"
		"    virtual_router_id 2\n"
		"    version 2\n"
		"    garp_master_delay 1\n"
		"    accept\n"
		"    virtual_ipaddress { 192.0.2.2 }\n"
		"}\n"
		"global_defs {\n"
		"    vrrp_version 3\n"
		"    vrrp_garp_master_delay 9\n"
		"    vrrp_garp_master_repeat 7\n"
		"    vrrp_strict\n"
		"}\n", &d);
	const struct conf_vrrp *a = find_vrrp(c, "A"), *b = find_vrrp(c, "B");

	assert_int_equal(a->version, 3);
	assert_true(a->garp_master_delay == 9);
	assert_int_equal(a->garp_master_repeat, 7);
	assert_false(a->accept);                     /* vrrp_strict: no accept */
	assert_int_equal(b->version, 2);
	assert_true(b->garp_master_delay == 1);
	assert_int_equal(b->garp_master_repeat, 7);
	assert_true(b->accept);
	assert_int_equal(d.n_warnings, 0);           /* 0.5 s is fine for VRRPv3 */
	conf_free(c);
	conf_diags_free(&d);
}

static void test_vrrp_value_checks(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"vrrp_instance VI_1 {\n"
		"    state BACKUP\n"
		"    priority 255\n"
		"    interface eth0\n"
		"    virtual_router_id 9\n"
		"    version 3\n"
		"    advert_int 0.123\n"
		"    authentication {\n"
		"        auth_type PASS\n"
		"        auth_pass 0123456789abc\n"
		"    }\n"
		"    virtual_ipaddress { 192.0.2.1 }\n"
		"}\n", &d);
	const struct conf_vrrp *v = &c->vrrps[0];

	assert_diag(&d, CONF_WARNING, 3, "priority 255 is for the owner of the addresses");
	assert_diag(&d, CONF_WARNING, 7, "advert_int 0.123 is not a multiple of 0.01 s: "
		    "rounded to 0.12");
	assert_true(v->advert_int > 0.1199 && v->advert_int < 0.1201);
	assert_diag(&d, CONF_WARNING, 9, "authentication is ignored: VRRPv3 (RFC 5798) has none");
	assert_diag(&d, CONF_WARNING, 10, "auth_pass is longer than 8 characters");
	assert_string_equal(v->auth_pass, "01234567");
	conf_free(c);
	conf_diags_free(&d);
}

static void test_vips_and_options(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"vrrp_instance VI_1 {\n"
		"    interface eth0\n"
		"    virtual_router_id 9\n"
		"    native_ipv6\n"
		"    virtual_ipaddress {\n"
		"        2001:db8::1/64 dev eth1 scope link label eth1:v6\n"
		"        2001:db8::2 scope 42\n"
		"    }\n"
		"    virtual_ipaddress_excluded {\n"
		"        192.0.2.5/24 brd 192.0.2.255 scope host\n"
		"    }\n"
		"    use_vmac vrrp.9\n"
		"    smtp_alert off\n"
		"    dont_track_primary yes\n"
		"}\n", &d);
	const struct conf_vrrp *v = &c->vrrps[0];

	assert_int_equal(v->family, AF_INET6);
	assert_int_equal(v->n_vips, 2);
	assert_int_equal(v->vips[0].prefix, 64);
	assert_string_equal(v->vips[0].dev, "eth1");
	assert_int_equal(v->vips[0].scope, 253);
	assert_string_equal(v->vips[0].label, "eth1:v6");
	assert_int_equal(v->vips[1].prefix, 128);
	assert_int_equal(v->vips[1].scope, 42);
	assert_int_equal(v->n_vips_excluded, 1);
	assert_addr(&v->vips_excluded[0].brd, "192.0.2.255");
	assert_int_equal(v->vips_excluded[0].scope, 254);
	assert_true(v->use_vmac);
	assert_string_equal(v->vmac_name, "vrrp.9");
	assert_false(v->smtp_alert);
	assert_true(v->dont_track_primary);
	conf_free(c);
	conf_diags_free(&d);
}

/* ------------------------------------------------------------------ */
/* Layout                                                               */

/* The same instance written five ways gives the same values. */
static void test_layout_variants(void **state)
{
	static const char *const texts[] = {
		/* the usual */
		"vrrp_instance VI_1 {\n"
		"    state MASTER\n"
		"    interface eth0\n"
		"    virtual_router_id 51\n"
		"    priority 150\n"
		"    authentication {\n"
		"        auth_type PASS\n"
		"        auth_pass 1111\n"
		"    }\n"
		"    virtual_ipaddress {\n"
		"        192.0.2.10/24 dev eth0\n"
		"    }\n"
		"    track_script {\n"
		"        chk\n"
		"    }\n"
		"}\n"
		"vrrp_script chk {\n"
		"    script \"/bin/pidof nginx\"\n"
		"}\n",
		/* '{' on the next line, comments between, '}' after values, tabs */
		"vrrp_instance VI_1\n"
		"# the brace comes later\n"
		"\n"
		"{\n"
		"\tstate\tMASTER\t# 主\n"
		"\tinterface eth0 ! 网卡\n"
		"\tvirtual_router_id 51\n"
		"\tpriority 150\n"
		"\tauthentication\n"
		"\t{\n"
		"\t\tauth_type PASS\n"
		"\t\tauth_pass 1111 }\n"
		"\tvirtual_ipaddress\n"
		"\t{\n"
		"\t\t192.0.2.10/24 dev eth0 }\n"
		"\ttrack_script { chk }\n"
		"}\n"
		"vrrp_script chk { script \"/bin/pidof nginx\" }\n",
		/* one-line blocks, glued braces */
		"vrrp_instance VI_1{ state MASTER\n"
		"interface eth0\n"
		"virtual_router_id 51\n"
		"priority 150\n"
		"authentication{auth_type PASS auth_pass 1111}\n"
		"virtual_ipaddress{192.0.2.10/24 dev eth0}\n"
		"track_script{chk}}\n"
		"vrrp_script chk{script \"/bin/pidof nginx\"}\n",
		/* CRLF line ends */
		"vrrp_instance VI_1 {\r\n"
		"    state MASTER\r\n"
		"    interface eth0\r\n"
		"    virtual_router_id 51\r\n"
		"    priority 150\r\n"
		"    authentication {\r\n"
		"        auth_type PASS\r\n"
		"        auth_pass 1111\r\n"
		"    }\r\n"
		"    virtual_ipaddress {\r\n"
		"        192.0.2.10/24 dev eth0\r\n"
		"    }\r\n"
		"    track_script {\r\n"
		"        chk\r\n"
		"    }\r\n"
		"}\r\n"
		"vrrp_script chk {\r\n"
		"    script \"/bin/pidof nginx\"\r\n"
		"}\r\n",
		/* U+00A0 and U+3000 as blanks, comments glued to values */
		"vrrp_instance VI_1 {#c\n"
		"\xc2\xa0\xc2\xa0state MASTER#c\n"
		"\xe3\x80\x80interface eth0!c\n"
		"    virtual_router_id 51\n"
		"    priority 150\n"
		"    authentication { auth_type PASS\n"
		"        auth_pass 1111 }\n"
		"    virtual_ipaddress { 192.0.2.10/24\xc2\xa0" "dev eth0 }\n"
		"    track_script {\n"
		"        chk }}\n"
		"vrrp_script chk {\n"
		"    script \"/bin/pidof nginx\"}\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct conf_diags d = { 0 };
		struct conf *c = load(texts[i], &d);
		const struct conf_vrrp *v;

		if (!c || d.n_errors || d.n_warnings) {
			dump_diags("layout variant", &d);
			fail_msg("layout variant %zu gave diagnostics", i);
		}
		v = &c->vrrps[0];
		assert_string_equal(v->name, "VI_1");
		assert_int_equal(v->state, CONF_STATE_MASTER);
		assert_string_equal(v->interface, "eth0");
		assert_int_equal(v->vrid, 51);
		assert_int_equal(v->priority, 150);
		assert_int_equal(v->auth_type, CONF_AUTH_PASS);
		assert_string_equal(v->auth_pass, "1111");
		assert_int_equal(v->n_vips, 1);
		assert_addr(&v->vips[0].addr, "192.0.2.10");
		assert_int_equal(v->vips[0].prefix, 24);
		assert_string_equal(v->vips[0].dev, "eth0");
		assert_int_equal(v->n_track_scripts, 1);
		assert_string_equal(v->track_scripts[0].name, "chk");
		assert_int_equal(v->track_scripts[0].index, 0);
		assert_string_equal(c->scripts[0].script, "/bin/pidof nginx");
		conf_free(c);
		conf_diags_free(&d);
	}
}

static void test_quotes_and_comments(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"vrrp_script chk {\n"
		"    script \"/usr/bin/curl -s 'http://h/#x' -o /dev/null\" # a comment\n"
		"    weight -10 reverse\n"
		"    user nobody nogroup\n"
		"}\n"
		"vrrp_instance VI_1 {\n"
		"    interface eth0\n"
		"    virtual_router_id 1\n"
		"    notify_master \"/etc/n.sh\" MASTER \"with space\"\n"
		"    notify_backup /etc/n.sh BACKUP now!comment\n"
		"    notify \"\"\n"
		"    virtual_ipaddress { 192.0.2.1 }\n"
		"    track_script { chk weight 20 reverse }\n"
		"}\n", &d);
	const struct conf_vrrp *v = &c->vrrps[0];

	assert_string_equal(c->scripts[0].script, "/usr/bin/curl -s 'http://h/#x' -o /dev/null");
	assert_int_equal(c->scripts[0].weight, -10);
	assert_true(c->scripts[0].weight_reverse);
	assert_string_equal(c->scripts[0].user, "nobody");
	assert_string_equal(c->scripts[0].group, "nogroup");
	assert_string_equal(v->notify_master, "/etc/n.sh MASTER \"with space\"");
	assert_string_equal(v->notify_backup, "/etc/n.sh BACKUP now");
	assert_string_equal(v->notify, "");
	assert_true(v->track_scripts[0].weight_set);
	assert_int_equal(v->track_scripts[0].weight, 20);
	assert_true(v->track_scripts[0].weight_reverse);
	conf_free(c);
	conf_diags_free(&d);
}

/* The buffer is not NUL-terminated: nothing past len is read. */
static void test_buffer_length_respected(void **state)
{
	static const char text[] = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 7\n"
				   " virtual_ipaddress { 192.0.2.1 }\n priority 42}XYZ garbage {";
	struct conf_diags d = { 0 };
	size_t len = strlen(text) - strlen("XYZ garbage {");
	char *copy = malloc(len);           /* exactly len bytes: ASan sees any overread */
	struct conf *c;

	memcpy(copy, text, len);
	c = conf_load_buffer("mem.conf", copy, len, CONF_NO_INCLUDE, &d);
	assert_non_null(c);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(c->vrrps[0].priority, 42);
	conf_free(c);
	conf_diags_free(&d);

	/* cut inside a quoted string and inside a UTF-8 sequence */
	memcpy(copy, "global_defs { router_id \"abc", 28);
	c = conf_load_buffer("mem.conf", copy, 28, CONF_NO_INCLUDE, &d);
	assert_null(c);
	assert_diag(&d, CONF_ERROR, 1, "unterminated quoted string");
	assert_diag(&d, CONF_ERROR, 1, "block 'global_defs' opened here is not closed");
	conf_diags_free(&d);
	memcpy(copy, "! \xe4\xb8", 4);
	c = conf_load_buffer("mem.conf", copy, 4, CONF_NO_INCLUDE, &d);
	conf_free(c);
	conf_diags_free(&d);
	free(copy);
}

/* ------------------------------------------------------------------ */
/* include                                                              */

static void test_include_glob_and_nested(void **state)
{
	struct conf_diags d = { 0 };
	char *p = path_of("tests/configs/good/includes.conf");
	struct conf *c = conf_load_file(p, 0, &d);
	const struct conf_vrrp *v;

	if (!c)
		dump_diags(p, &d);
	assert_non_null(c);
	/* main file first, then the glob's matches in order, then the nested one */
	assert_int_equal(c->n_files, 5);
	assert_string_equal(c->files[0], p);
	assert_string_equal(base(c->files[1]), "10-global.conf");
	assert_string_equal(base(c->files[2]), "20-scripts.conf");
	assert_string_equal(base(c->files[3]), "30-instance.conf");
	assert_string_equal(base(c->files[4]), "vips.inc");
	assert_non_null(strstr(c->files[4], "inc/nested/vips.inc"));
	assert_string_equal(c->global.router_id, "included");
	v = find_vrrp(c, "VI_INC");
	assert_int_equal(v->version, 3);
	assert_int_equal(v->track_scripts[0].index, 0);
	assert_int_equal(v->n_vips, 2);
	assert_string_equal(base(v->vips[1].loc.file), "vips.inc");
	assert_int_equal(v->vips[1].loc.line, 3);
	assert_string_equal(v->vips[1].label, "eth0:81");
	assert_string_equal(base(v->loc.file), "30-instance.conf");
	/* a pattern that matches nothing: a warning, not an error */
	assert_diag(&d, CONF_WARNING, 5, "matches no file");
	conf_free(c);
	conf_diags_free(&d);
	free(p);
}

static void test_include_refused_without_files(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load("include /etc/passwd\n", &d);

	assert_null(c);
	assert_diag(&d, CONF_ERROR, 1, "'include' is not allowed");
	conf_diags_free(&d);
}

/* A config deep in a long directory (a build tree, a distcheck): the
 * include message still names the missing file. */
static void test_include_message_keeps_file_name(void **state)
{
	char dir[512] = "/tmp/vigil-test-conf-XXXXXX", path[700];
	struct conf_diags d = { 0 };
	struct conf *c;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	strcat(dir, "/a-rather-long-directory-name-of-a-build-tree/with/several/levels/below-it");
	snprintf(path, sizeof(path), "mkdir -p '%s'", dir);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("global_defs {\n}\ninclude conf.d/does-not-exist.conf\n", f);
	fclose(f);
	c = conf_load_file(path, 0, &d);
	assert_null(c);
	assert_diag(&d, CONF_ERROR, 3, "conf.d/does-not-exist.conf': No such file or directory");
	conf_diags_free(&d);
	snprintf(path, sizeof(path), "rm -rf '%.*s'", 27, dir);
	assert_int_equal(system(path), 0);
}

static void test_include_depth_limit(void **state)
{
	char dir[] = "/tmp/vigil-test-conf-XXXXXX";
	char path[256];
	struct conf_diags d = { 0 };
	struct conf *c;

	assert_non_null(mkdtemp(dir));
	/* f0 includes f1 ... f11: deeper than the limit of 8 */
	for (int i = 0; i < 12; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/f%d.conf", dir, i);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "# level %d\ninclude f%d.conf\n", i, i + 1);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/f0.conf", dir);
	c = conf_load_file(path, 0, &d);
	assert_null(c);
	assert_int_equal(d.n_errors, 1);
	assert_diag(&d, CONF_ERROR, 2, "includes nested more than 8 files deep");
	assert_string_equal(base(d.v[0].file), "f8.conf");
	conf_diags_free(&d);
	for (int i = 0; i < 12; i++) {
		snprintf(path, sizeof(path), "%s/f%d.conf", dir, i);
		unlink(path);
	}
	rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

static json_t *jpath(json_t *j, const char *path)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(j))
			j = json_array_get(j, strtoul(tok, NULL, 10));
		else
			j = json_object_get(j, tok);
	}
	if (!j)
		fail_msg("no %s in the JSON", path);
	return j;
}

#define assert_jstr(j, path, want) assert_string_equal(json_string_value(jpath((j), (path))), (want))
#define assert_jint(j, path, want) assert_int_equal(json_integer_value(jpath((j), (path))), (want))

static void test_json(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"vrrp_instance VI_6 {\n"
		"    state MASTER\n"
		"    interface eth0\n"
		"    virtual_router_id 60\n"
		"    priority 200\n"
		"    virtual_ipaddress {\n"
		"        2001:db8::1/64 dev eth0\n"
		"    }\n"
		"    track_script { chk weight 5 }\n"
		"}\n"
		"vrrp_script chk { script \"/bin/true\" }\n"
		"vrrp_sync_group G { group { VI_6 } }\n"
		"virtual_server 192.0.2.1 443 {\n"
		"    lb_algo sh\n"
		"    lb_kind DR\n"
		"    protocol TCP\n"
		"    real_server 192.0.2.11 443 {\n"
		"        weight 4\n"
		"        TCP_CHECK { nb_get_retry 3 connect_timeout 2.5 }\n"
		"    }\n"
		"}\n"
		"global_defs { router_id r1 }\n", &d);
	json_t *j = conf_to_json(c);
	char *text;

	assert_non_null(j);
	assert_jstr(j, "global.router_id", "r1");
	assert_jint(j, "global.vrrp_version", 2);
	assert_jstr(j, "global.vrrp_mcast_group4", "224.0.0.18");
	assert_jstr(j, "vrrp_instances.0.name", "VI_6");
	assert_jstr(j, "vrrp_instances.0.state", "MASTER");
	assert_jint(j, "vrrp_instances.0.priority", 200);
	assert_jint(j, "vrrp_instances.0.virtual_router_id", 60);
	assert_jstr(j, "vrrp_instances.0.family", "inet6");
	assert_jstr(j, "vrrp_instances.0.virtual_ipaddress.0.address", "2001:db8::1/64");
	assert_jstr(j, "vrrp_instances.0.virtual_ipaddress.0.dev", "eth0");
	assert_jstr(j, "vrrp_instances.0.virtual_ipaddress.0.source", "mem.conf:7");
	assert_jstr(j, "vrrp_instances.0.track_script.0.name", "chk");
	assert_jint(j, "vrrp_instances.0.track_script.0.weight", 5);
	assert_jstr(j, "vrrp_instances.0.sync_group", "G");
	assert_jstr(j, "vrrp_instances.0.source", "mem.conf:1");
	assert_true(json_is_null(jpath(j, "vrrp_instances.0.auth_pass")));
	assert_jstr(j, "vrrp_scripts.0.script", "/bin/true");
	assert_jstr(j, "sync_groups.0.group.0", "VI_6");
	assert_jstr(j, "virtual_servers.0.address", "192.0.2.1");
	assert_jint(j, "virtual_servers.0.port", 443);
	assert_jstr(j, "virtual_servers.0.lb_algo", "sh");
	assert_jstr(j, "virtual_servers.0.lb_kind", "DR");
	assert_jstr(j, "virtual_servers.0.protocol", "TCP");
	assert_jstr(j, "virtual_servers.0.source", "mem.conf:13");
	assert_jstr(j, "virtual_servers.0.real_servers.0.address", "192.0.2.11");
	assert_jint(j, "virtual_servers.0.real_servers.0.weight", 4);
	assert_jstr(j, "virtual_servers.0.real_servers.0.checkers.0.type", "TCP_CHECK");
	assert_jint(j, "virtual_servers.0.real_servers.0.checkers.0.retry", 3);
	assert_true(json_real_value(jpath(j, "virtual_servers.0.real_servers.0.checkers.0."
					      "connect_timeout")) == 2.5);
	assert_true(json_is_array(jpath(j, "track_files")));
	text = json_dumps(j, 0);          /* serialisable as a whole */
	assert_non_null(text);
	free(text);
	json_decref(j);
	conf_free(c);
	conf_diags_free(&d);
}

static void test_enum_names(void **state)
{
	assert_string_equal(conf_proto_name(CONF_PROTO_UDP), "UDP");
	assert_string_equal(conf_proto_name(CONF_PROTO_SCTP), "SCTP");
	assert_string_equal(conf_lb_kind_name(CONF_LB_NAT), "NAT");
	assert_string_equal(conf_lb_kind_name(CONF_LB_TUN), "TUN");
	assert_string_equal(conf_checker_name(CONF_CHK_HTTP), "HTTP_GET");
	assert_string_equal(conf_checker_name(CONF_CHK_SSL), "SSL_GET");
	assert_string_equal(conf_checker_name(CONF_CHK_MISC), "MISC_CHECK");
}

/* ------------------------------------------------------------------ */
/* Robustness                                                           */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void run_buffer(const char *buf, size_t len, struct conf_diags *d)
{
	struct conf *c = conf_load_buffer("fuzz", buf, len, CONF_NO_INCLUDE, d);

	if (c) {
		json_t *j = conf_to_json(c);

		assert_non_null(j);
		json_decref(j);
	}
	conf_free(c);
}

static void test_garbage_bytes(void **state)
{
	size_t len = 65536;
	char *buf = malloc(len);

	for (int round = 0; round < 20; round++) {
		struct conf_diags d = { 0 };

		for (size_t i = 0; i < len; i++)
			buf[i] = (char)rnd();
		run_buffer(buf, len, &d);
		assert_true(d.n_errors > 0);          /* binary data is refused */
		assert_true(d.n <= 1000);             /* and reported, not flooded */
		conf_diags_free(&d);
	}
	free(buf);
}

/* Random config-like words: whatever the order, no crash and no leak;
 * unbalanced braces are errors. */
static void test_garbage_tokens(void **state)
{
	static const char *const words[] = {
		"{", "}", "\n", " ", "\"", "#", "!", "vrrp_instance", "virtual_server",
		"real_server", "TCP_CHECK", "HTTP_GET", "url", "virtual_ipaddress", "track_script",
		"authentication", "auth_pass", "priority", "255", "0", "-1", "eth0", "VI_1",
		"192.0.2.1", "2001:db8::1/64", "80", "global_defs", "vrrp_script", "script",
		"vrrp_sync_group", "group", "include", "fwmark", "weight", "reverse", "label",
		"\xc2\xa0", "\r\n", "dev", "state", "MASTER", "interface", "virtual_router_id",
		"unicast_peer", "track_file", "native_ipv6", "lb_algo", "rr", "advert_int",
	};
	size_t nw = sizeof(words) / sizeof(words[0]);
	char *buf = malloc(1 << 16);

	for (int round = 0; round < 300; round++) {
		struct conf_diags d = { 0 };
		size_t len = 0, target = (size_t)(rnd() % 4000);
		int depth = 0;

		while (len < target) {
			const char *w = words[rnd() % nw];
			size_t l = strlen(w);

			memcpy(buf + len, w, l);
			len += l;
			buf[len++] = ' ';
			depth += (*w == '{') - (*w == '}');
		}
		run_buffer(buf, len, &d);
		if (depth != 0 && !memchr(buf, '"', len) && !memchr(buf, '#', len) &&
		    !memchr(buf, '!', len))
			assert_true(d.n_errors > 0);
		conf_diags_free(&d);
	}
	free(buf);
}

static void test_deep_nesting_and_huge_lines(void **state)
{
	size_t len = 1 << 20;
	char *buf = malloc(len);
	struct conf_diags d = { 0 };

	memset(buf, '{', len);
	run_buffer(buf, len, &d);
	assert_true(d.n_errors > 0);
	assert_diag(&d, CONF_ERROR, 1, "'{' without a keyword");
	conf_diags_free(&d);

	for (size_t i = 0; i < len; i += 2)
		memcpy(buf + i, "a{", 2);
	run_buffer(buf, len, &d);
	assert_diag(&d, CONF_ERROR, 1, "blocks nested more than 16 deep");
	conf_diags_free(&d);

	memset(buf, '}', len);
	run_buffer(buf, len, &d);
	assert_int_equal(d.n_errors, (int)len);     /* every one counted ... */
	assert_true(d.n <= 1000);                   /* ... not every one stored */
	conf_diags_free(&d);

	memset(buf, 'x', len);                      /* one 1 MB word */
	run_buffer(buf, len, &d);
	assert_int_equal(d.n_errors, 0);
	assert_true(strlen(d.v[0].msg) < 300);      /* shown shortened */
	conf_diags_free(&d);

	memset(buf, '"', 1);
	memset(buf + 1, 'y', len - 1);              /* a 1 MB unterminated quote */
	run_buffer(buf, len, &d);
	assert_diag(&d, CONF_ERROR, 1, "unterminated quoted string");
	conf_diags_free(&d);
	free(buf);
}

/* Many objects: the checks sort, they do not compare every pair. */
static void test_many_instances(void **state)
{
	size_t n = 20000, len = 0;
	char *buf = malloc(n * 96);
	struct conf_diags d = { 0 };

	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "vrrp_instance V {interface e virtual_router_id 1 "
				       "virtual_ipaddress {192.0.2.1}}\n");
	run_buffer(buf, len, &d);
	/* every instance but the first: a duplicate name and a duplicate VRID */
	assert_int_equal(d.n_errors, (int)(2 * (n - 1)));
	conf_diags_free(&d);
	free(buf);
}

/* A reload replaces mgmt only when what mgmt was given changed. */
static void test_mgmt_settings_compared(void **state)
{
	static const char *const base = "global_defs {\n router_id lb1\n enable_snmp_vrrp\n}\n"
		"vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n"
		" virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n";
	static const char *const other[] = {
		"global_defs {\n router_id lb2\n enable_snmp_vrrp\n}\n",
		"global_defs {\n router_id lb1\n}\n",
		"global_defs {\n router_id lb1\n enable_snmp_vrrp\n enable_traps\n}\n",
		"global_defs {\n router_id lb1\n enable_snmp_vrrp\n enable_snmp_rfcv3\n}\n",
		"global_defs {\n router_id lb1\n enable_snmp_vrrp\n snmp_socket tcp:127.0.0.1:705\n}\n",
	};
	static const char *const inst = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n"
		" priority 100\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n";
	struct conf_diags d = { 0 }, d2 = { 0 };
	struct conf *a = load_ok(base, &d), *b;
	char buf[512];

	(void)state;
	/* the instances may change freely */
	snprintf(buf, sizeof(buf), "global_defs {\n router_id lb1\n enable_snmp_vrrp\n}\n%s"
		 "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 2\n priority 50\n"
		 " virtual_ipaddress {\n  192.0.2.2/24\n }\n}\n", inst);
	b = load_ok(buf, &d2);
	assert_true(conf_mgmt_same(a, b));
	conf_free(b);
	conf_diags_free(&d2);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		struct conf_diags d3 = { 0 };

		snprintf(buf, sizeof(buf), "%s%s", other[i], inst);
		b = load_ok(buf, &d3);
		if (conf_mgmt_same(a, b))
			fail_msg("not seen as a change: %s", other[i]);
		conf_free(b);
		conf_diags_free(&d3);
	}
	conf_free(a);
	conf_diags_free(&d);
}

/* ------------------------------------------------------------------ */
/* The migration report of vigild -t (conf_report)                      */

/* The report of a config that must load, as one string (caller frees). */
static char *report_of(const struct conf *c, const struct conf_diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	conf_report(c, d, f);
	fclose(f);
	return buf;
}

/* The report holds this whole line (two-space indent, newline-ended). */
#define assert_report_line(rep, line) do { \
	if (!strstr((rep), "\n" line "\n")) \
		fail_msg("no line \"%s\" in the report:\n%s", line, (rep)); \
	} while (0)

/* The lines of one section ("same", "ignored", "differs"), each with its
 * "\n", the header excluded (caller frees). */
static char *section_of(const char *rep, const char *name)
{
	char head[32];
	const char *p, *end;

	snprintf(head, sizeof(head), "\n%s (", name);
	p = strstr(rep, head);
	if (!p)
		fail_msg("no section %s in the report:\n%s", name, rep);
	p = strchr(p + 1, '\n');
	for (end = p + 1; strncmp(end, "  ", 2) == 0; end = strchr(end, '\n') + 1)
		;
	return strndup(p, (size_t)(end - p));
}

#define assert_in_section(rep, name, line) do { \
	char *sec_ = section_of((rep), (name)); \
	if (!strstr(sec_, "\n" line "\n")) \
		fail_msg("no line \"%s\" in section %s:\n%s", line, (name), (rep)); \
	free(sec_); \
	} while (0)

/* A kind of the diagnostic at this line whose message holds sub. */
static enum conf_diag_kind kind_at(const struct conf_diags *d, int line, const char *sub)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line && strstr(d->v[i].msg, sub))
			return d->v[i].kind;
	dump_diags("diagnostics", d);
	fail_msg("no diagnostic at line %d containing \"%s\"", line, sub);
	return CONF_DIAG_PROBLEM;
}

static const char report_conf[] =
	"global_defs {\n"                              /* 1 */
	"    router_id lb1\n"
	"    notification_email {\n"                   /* 3 */
	"        ops@example.com\n"
	"    }\n"
	"    smtp_server 192.0.2.25\n"
	"}\n"
	"vrrp_script chk {\n"                          /* 8 */
	"    script \"/bin/true\"\n"
	"    interval 2\n"
	"    weight -5\n"
	"}\n"
	"vrrp_instance VI_1 {\n"                       /* 13 */
	"    state MASTER\n"
	"    interface eth0\n"
	"    virtual_router_id 51\n"
	"    priority 150\n"
	"    promote_secondaries\n"                    /* 18 */
	"    authentication {\n"
	"        auth_type AH\n"                       /* 20 */
	"        auth_pass 1111\n"
	"    }\n"
	"    virtual_ipaddress {\n"
	"        192.0.2.10/24 dev eth0 nodad\n"       /* 24 */
	"    }\n"
	"    track_script {\n"
	"        chk\n"
	"    }\n"
	"}\n"
	"virtual_server 192.0.2.10 80 {\n"             /* 30 */
	"    lb_algo rr\n"
	"    lb_kind DR\n"
	"    nat_mask 255.255.255.0\n"                 /* 33 */
	"    persistence_timeout 50\n"
	"    real_server 192.0.2.11 80 {\n"
	"        TCP_CHECK {\n"
	"            connect_timeout 3\n"
	"        }\n"
	"    }\n"
	"    real_server 192.0.2.12 80 {\n"
	"        HTTP_GET {\n"
	"            url { path / }\n"
	"        }\n"
	"    }\n"
	"}\n"
	"vrrp_instance VI_2 {\n"                       /* 46 */
	"    interface eth0\n"
	"    virtual_router_id 52\n"
	"    version 3\n"
	"    prority 90\n"                             /* 50 */
	"    authentication {\n"
	"        auth_type PASS\n"                     /* 52 */
	"        auth_pass 2222\n"
	"    }\n"
	"    virtual_ipaddress {\n"
	"        2001:db8::10\n"
	"    }\n"
	"}\n"
	"vrrp_sync_group G1 {\n"                       /* 59 */
	"    group {\n"
	"        VI_1\n"
	"        VI_2\n"
	"    }\n"
	"}\n"
	"static_routes {\n"                            /* 65 */
	"    192.0.2.0/24 via 192.0.2.1\n"
	"}\n";

/* The helpers a call site uses give its warning a kind; what is only a
 * mistake in the file stays a problem, and errors are always problems. */
static void test_diag_kinds(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(report_conf, &d);

	assert_int_equal(kind_at(&d, 18, "'promote_secondaries' in vrrp_instance VI_1 is a "
				 "keepalived option"), CONF_DIAG_IGNORED);
	assert_int_equal(kind_at(&d, 24, "option 'nodad' is not supported"), CONF_DIAG_IGNORED);
	assert_int_equal(kind_at(&d, 33, "nat_mask is obsolete"), CONF_DIAG_IGNORED);
	assert_int_equal(kind_at(&d, 50, "unknown keyword 'prority'"), CONF_DIAG_UNKNOWN);
	assert_int_equal(kind_at(&d, 52, "authentication is ignored"), CONF_DIAG_DIFFERS);
	assert_int_equal(kind_at(&d, 65, "'static_routes' at the top level"), CONF_DIAG_IGNORED);
	conf_free(c);
	conf_diags_free(&d);

	c = load_ok("vrrp_instance VI_1 {\n"
		    "    interface eth0\n"
		    "    virtual_router_id 9\n"
		    "    version 3\n"
		    "    advert_int 0.123\n"
		    "    my_block {\n"
		    "    }\n"
		    "}\n"
		    "virtual_server group WEB {\n"
		    "}\n"
		    "global_defs {\n"
		    "    smtp_server mail.example.com\n"
		    "}\n", &d);
	assert_int_equal(kind_at(&d, 1, "has no virtual_ipaddress"), CONF_DIAG_PROBLEM);
	assert_int_equal(kind_at(&d, 5, "rounded to 0.12"), CONF_DIAG_DIFFERS);
	assert_int_equal(kind_at(&d, 6, "unknown block 'my_block'"), CONF_DIAG_UNKNOWN);
	assert_int_equal(kind_at(&d, 9, "virtual_server group is not supported"), CONF_DIAG_IGNORED);
	assert_int_equal(kind_at(&d, 12, "smtp_server 'mail.example.com' is not an IP address"),
			 CONF_DIAG_DIFFERS);
	conf_free(c);
	conf_diags_free(&d);

	assert_null(load("vrrp_instance VI_1 {\n  priority 256\n}\n", &d));
	assert_int_equal(kind_at(&d, 2, "priority 256 is out of range"), CONF_DIAG_PROBLEM);
	conf_diags_free(&d);
}

/* Every object under "same" with its place and what vigil runs; the
 * keepalived keywords vigil skips under "ignored" with their lines
 * (unknown ones marked); what vigil does otherwise under "differs". */
static void test_report_sections(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(report_conf, &d);
	char *rep = report_of(c, &d);

	assert_true(strncmp(rep, "keepalived migration report:\n", 29) == 0);
	assert_non_null(strstr(rep, "\nsame (5): will run as under keepalived\n"));
	assert_non_null(strstr(rep, "\nignored (6): read but not acted on"));
	assert_non_null(strstr(rep, "\ndiffers (2): vigil does otherwise than keepalived"));

	assert_in_section(rep, "same", "  mem.conf:8: vrrp_script chk: every 2 s, weight -5, "
			  "rise 1, fall 1, used by VI_1");
	assert_in_section(rep, "same", "  mem.conf:13: vrrp_instance VI_1: VRID 51 on eth0, "
			  "VRRPv2, MASTER priority 150, 1 VIP, tracks script chk, in sync group G1");
	assert_in_section(rep, "same", "  mem.conf:30: virtual_server 192.0.2.10:80/TCP: rr, DR, "
			  "persistent 50 s, 2 real servers, checks TCP_CHECK x1, HTTP_GET x1");
	assert_in_section(rep, "same", "  mem.conf:46: vrrp_instance VI_2: VRID 52 on eth0, "
			  "VRRPv3 IPv6, BACKUP priority 100, 1 VIP, no trackers, in sync group G1");
	assert_in_section(rep, "same", "  mem.conf:59: vrrp_sync_group G1: 2 instances: VI_1, VI_2");

	assert_in_section(rep, "ignored", "  mem.conf:3: notification_email, smtp_server: vigil "
			  "sends no email alerts; have notify scripts (notify_master, notify_fault) "
			  "alert you instead");
	assert_in_section(rep, "ignored", "  mem.conf:18: 'promote_secondaries' in vrrp_instance "
			  "VI_1 is a keepalived option vigil does not support yet: ignored");
	assert_in_section(rep, "ignored", "  mem.conf:24: virtual_ipaddress: option 'nodad' is not "
			  "supported by vigil yet: ignored");
	assert_in_section(rep, "ignored", "  mem.conf:33: nat_mask is obsolete and ignored: IPVS "
			  "takes no netmask for a virtual server; remove the line");
	assert_in_section(rep, "ignored", "  mem.conf:50: [unknown] unknown keyword 'prority' in "
			  "vrrp_instance VI_2: ignored; did you mean 'priority'?");
	assert_in_section(rep, "ignored", "  mem.conf:65: 'static_routes' at the top level is a "
			  "keepalived option vigil does not support yet: ignored with its block");

	assert_in_section(rep, "differs", "  mem.conf:20: auth_type AH in vrrp_instance VI_1: vigil "
			  "does not implement IPsec AH and sends its adverts without authentication, "
			  "so it and a keepalived node using AH do not hear each other (both become "
			  "MASTER); use auth_type PASS, or no authentication, on every node");
	assert_in_section(rep, "differs", "  mem.conf:52: authentication is ignored: VRRPv3 (RFC "
			  "5798) has none, and vrrp_instance VI_2 uses version 3; remove the "
			  "authentication block");

	/* file order within a section, sections in their order */
	assert_true(strstr(rep, "mem.conf:8: vrrp_script") < strstr(rep, "mem.conf:13: vrrp_inst"));
	assert_true(strstr(rep, "mem.conf:13: vrrp_inst") < strstr(rep, "mem.conf:30: virtual_s"));
	assert_true(strstr(rep, "mem.conf:30: virtual_s") < strstr(rep, "mem.conf:46: vrrp_inst"));
	assert_true(strstr(rep, "mem.conf:3: notification") < strstr(rep, "mem.conf:18: 'promote"));
	assert_true(strstr(rep, "\nsame (") < strstr(rep, "\nignored ("));
	assert_true(strstr(rep, "\nignored (") < strstr(rep, "\ndiffers ("));
	/* the problems of the file are the diagnostics' business, not the report's */
	assert_null(strstr(rep, "has no virtual_ipaddress"));
	free(rep);
	conf_free(c);
	conf_diags_free(&d);
}

/* A keepalived keyword vigil ignores is listed under "ignored" with its
 * line, and nothing else is: the counts in the headers are the lines. */
static void test_report_ignored_keyword(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"vrrp_instance VI_1 {\n"
		"    interface eth0\n"
		"    virtual_router_id 7\n"
		"    garp_extra_if eth1\n"
		"    virtual_ipaddress {\n"
		"        192.0.2.7\n"
		"    }\n"
		"}\n", &d);
	char *rep = report_of(c, &d);

	assert_string_equal(rep,
		"keepalived migration report:\n"
		"same (1): will run as under keepalived\n"
		"  mem.conf:1: vrrp_instance VI_1: VRID 7 on eth0, VRRPv2, BACKUP priority 100, "
		"1 VIP, no trackers\n"
		"ignored (1): read but not acted on; remove each, or make sure you can do without "
		"it\n"
		"  mem.conf:4: 'garp_extra_if' in vrrp_instance VI_1 is a keepalived option vigil "
		"does not support yet: ignored\n"
		"differs (0): vigil does otherwise than keepalived; read each before you switch\n");
	free(rep);
	conf_free(c);
	conf_diags_free(&d);
}

/* auth_type in a VRRPv3 instance (version from global_defs) is a
 * difference at the auth_type line; each instance is under "same" with
 * its VRID, and the headers count the lines. */
static void test_report_v3_auth_differs(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"global_defs {\n"
		"    vrrp_version 3\n"
		"}\n"
		"vrrp_instance A {\n"
		"    interface eth0\n"
		"    virtual_router_id 10\n"
		"    state MASTER\n"
		"    priority 200\n"
		"    authentication {\n"
		"        auth_type PASS\n"
		"        auth_pass pw\n"
		"    }\n"
		"    virtual_ipaddress { 192.0.2.1 192.0.2.2 }\n"
		"    track_interface { eth1 }\n"
		"}\n"
		"vrrp_instance B {\n"
		"    interface eth1\n"
		"    virtual_router_id 20\n"
		"    nopreempt\n"
		"    unicast_peer {\n"
		"        192.0.2.99\n"
		"    }\n"
		"    virtual_ipaddress { 192.0.2.3 }\n"
		"}\n", &d);
	char *rep = report_of(c, &d);
	char *sec = section_of(rep, "differs");

	assert_non_null(strstr(rep, "\nsame (2): "));
	assert_non_null(strstr(rep, "\nignored (0): "));
	assert_non_null(strstr(rep, "\ndiffers (1): "));
	assert_in_section(rep, "same", "  mem.conf:4: vrrp_instance A: VRID 10 on eth0, VRRPv3, "
			  "MASTER priority 200, 2 VIPs, tracks interface eth1");
	assert_in_section(rep, "same", "  mem.conf:16: vrrp_instance B: VRID 20 on eth1, VRRPv3, "
			  "BACKUP priority 100, nopreempt, unicast to 1 peer, 1 VIP, no trackers");
	assert_string_equal(sec, "\n  mem.conf:10: authentication is ignored: VRRPv3 (RFC 5798) "
			    "has none, and vrrp_instance A uses version 3; remove the "
			    "authentication block\n");
	free(sec);
	free(rep);
	conf_free(c);
	conf_diags_free(&d);
}

/* Unknown keywords belong to "ignored", flagged; an instance tracking
 * scripts and files, a fwmark service without checkers, a track_file. */
static void test_report_unknown_and_more(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_ok(
		"vrrp_script s1 {\n"
		"    script /bin/true\n"
		"}\n"
		"track_file f1 {\n"
		"    file /run/f1\n"
		"}\n"
		"vrrp_instance VI_1 {\n"
		"    interface eth0\n"
		"    virtual_router_id 1\n"
		"    virtual_ipaddress { 192.0.2.1 }\n"
		"    track_script { s1 weight 10 }\n"
		"    track_file { f1 }\n"
		"    smtp_alert\n"
		"    bogus_option 3\n"
		"}\n"
		"virtual_server fwmark 5 {\n"
		"    protocol UDP\n"
		"    real_server 192.0.2.11 53\n"
		"}\n", &d);
	char *rep = report_of(c, &d);

	assert_non_null(strstr(rep, "\nsame (4): "));
	assert_non_null(strstr(rep, "\nignored (2): "));
	assert_non_null(strstr(rep, "\ndiffers (0): "));
	assert_in_section(rep, "same", "  mem.conf:1: vrrp_script s1: every 1 s, weight 0, rise 1, "
			  "fall 1, used by VI_1");
	assert_in_section(rep, "same", "  mem.conf:4: track_file f1: /run/f1, weight 1, used by VI_1");
	assert_in_section(rep, "same", "  mem.conf:7: vrrp_instance VI_1: VRID 1 on eth0, VRRPv2, "
			  "BACKUP priority 100, 1 VIP, tracks script s1, file f1");
	assert_in_section(rep, "same", "  mem.conf:16: virtual_server fwmark 5/UDP: wlc, NAT, "
			  "1 real server, no checkers");
	assert_in_section(rep, "ignored", "  mem.conf:7: vrrp_instance VI_1: smtp_alert: vigil sends "
			  "no email; have notify scripts (notify_master, notify_fault) alert you "
			  "instead");
	assert_in_section(rep, "ignored", "  mem.conf:14: [unknown] unknown keyword 'bogus_option' "
			  "in vrrp_instance VI_1: ignored");
	free(rep);
	conf_free(c);
	conf_diags_free(&d);
}

/* The seed of seed 001 (nat_mask) as vigild -t reports it. */
static void test_report_seed(void **state)
{
	struct conf_diags d = { 0 };
	struct conf *c = load_seed("seed001-lvs-dr-master.conf", &d);
	char *rep = report_of(c, &d);
	char *ign = section_of(rep, "ignored");

	assert_non_null(strstr(rep, "\nsame (2): "));
	assert_non_null(strstr(rep, "\nignored (1): "));
	assert_non_null(strstr(rep, "\ndiffers (0): "));
	assert_non_null(strstr(rep, "seed001-lvs-dr-master.conf:9: vrrp_instance VI_1: VRID 51 on "
			   "ens33, VRRPv2, MASTER priority 50, 1 VIP, no trackers\n"));
	assert_non_null(strstr(rep, "seed001-lvs-dr-master.conf:26: virtual_server "
			   "192.168.46.100:80/TCP: rr, DR, persistent 50 s, 3 real servers, checks "
			   "TCP_CHECK x3\n"));
	assert_non_null(strstr(ign, "seed001-lvs-dr-master.conf:30: nat_mask is obsolete and "
			   "ignored"));
	free(ign);
	free(rep);
	conf_free(c);
	conf_diags_free(&d);
}

/* Names are shown as one bounded line, whatever the file holds; a report
 * with nothing in it still has its three headers. */
static void test_report_hostile_and_empty(void **state)
{
	struct conf_diags d = { 0 };
	char name[300], text[1024];
	struct conf *c;
	char *rep;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	name[3] = '\x1b';
	snprintf(text, sizeof(text), "vrrp_instance \"%s\" {\n  interface eth0\n"
		 "  virtual_router_id 1\n  virtual_ipaddress { 192.0.2.1 }\n}\n", name);
	c = load_ok(text, &d);
	rep = report_of(c, &d);
	for (const char *p = rep; *p; p++)
		assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f));
	for (const char *p = rep, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		assert_true(nl - p < 200);
	free(rep);
	conf_free(c);
	conf_diags_free(&d);

	c = load_ok("global_defs {\n  router_id x\n}\n", &d);
	rep = report_of(c, &d);
	assert_string_equal(rep,
		"keepalived migration report:\n"
		"same (0): will run as under keepalived\n"
		"ignored (0): read but not acted on; remove each, or make sure you can do without "
		"it\n"
		"differs (0): vigil does otherwise than keepalived; read each before you switch\n");
	free(rep);
	conf_free(c);
	conf_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds_load),
		cmocka_unit_test(test_good_load),
		cmocka_unit_test(test_seed_lvs_dr_values),
		cmocka_unit_test(test_seed_nbsp_and_nb_get_retry),
		cmocka_unit_test(test_seed_label_as_written),
		cmocka_unit_test(test_seed_route_id_typo),
		cmocka_unit_test(test_seed_track_script),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_unknown_keyword_warns_with_hint),
		cmocka_unit_test(test_unknown_block_is_skipped_whole),
		cmocka_unit_test(test_virtual_server_group_not_supported),
		cmocka_unit_test(test_diags_print_format),
		cmocka_unit_test(test_diag_messages_are_one_line),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_global_defaults_inherited_late),
		cmocka_unit_test(test_vrrp_value_checks),
		cmocka_unit_test(test_vips_and_options),
		cmocka_unit_test(test_layout_variants),
		cmocka_unit_test(test_quotes_and_comments),
		cmocka_unit_test(test_buffer_length_respected),
		cmocka_unit_test(test_include_glob_and_nested),
		cmocka_unit_test(test_include_refused_without_files),
		cmocka_unit_test(test_include_message_keeps_file_name),
		cmocka_unit_test(test_include_depth_limit),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_garbage_bytes),
		cmocka_unit_test(test_garbage_tokens),
		cmocka_unit_test(test_deep_nesting_and_huge_lines),
		cmocka_unit_test(test_many_instances),
		cmocka_unit_test(test_mgmt_settings_compared),
		cmocka_unit_test(test_diag_kinds),
		cmocka_unit_test(test_report_sections),
		cmocka_unit_test(test_report_ignored_keyword),
		cmocka_unit_test(test_report_v3_auth_differs),
		cmocka_unit_test(test_report_unknown_and_more),
		cmocka_unit_test(test_report_seed),
		cmocka_unit_test(test_report_hostile_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
