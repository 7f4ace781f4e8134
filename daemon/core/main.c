/*
 * main.c - vigild: parse the command line and the configuration, then either
 * report on the configuration (-t) or become the supervising parent.
 */
#include "config.h"

#include <libgen.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/opts.h"
#include "core/pidfile.h"
#include "http/http_tls.h"
#include "http/http_token.h"
#include "core/proc.h"
#include "core/sdnotify.h"
#include "store/store.h"

static int dump_json(const struct conf *c)
{
	json_t *j = conf_to_json(c);
	int r;

	if (!j)
		return -1;
	r = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(j);
	return r;
}

/* Load the configuration and print what is wrong with it on stderr.  The
 * diagnostics are handed back in *keep when it is given (for -t's report). */
static struct conf *load_conf(const char *path, int *status, struct conf_diags *keep)
{
	struct conf_diags d = { 0 };
	struct conf *c;

	if (access(path, R_OK) < 0) {
		fprintf(stderr, "%s: cannot read the configuration: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (give another file with -f)" : "");
		*status = VIGIL_EXIT_NO_CONFIG;
		return NULL;
	}
	c = conf_load_file(path, 0, &d);
	conf_diags_print(&d, stderr);
	if (!c)
		fprintf(stderr, "%s: %d error%s, %d warning%s\n", path, d.n_errors,
			d.n_errors == 1 ? "" : "s", d.n_warnings, d.n_warnings == 1 ? "" : "s");
	*status = c ? VIGIL_EXIT_OK : VIGIL_EXIT_CONFIG;
	if (keep)
		*keep = d;
	else
		conf_diags_free(&d);
	return c;
}

static void daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		log_fatal("fork");
	if (pid > 0)
		_exit(EXIT_SUCCESS);
	if (setsid() < 0)
		log_fatal("setsid");
	pid = fork();         /* never reacquire a controlling terminal */
	if (pid < 0)
		log_fatal("fork");
	if (pid > 0)
		_exit(EXIT_SUCCESS);
	if (chdir("/") < 0)
		log_fatal("chdir /");
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/* The state store, before the engines open it: checked, a damaged file
 * moved aside, migrated.  Without a usable store vigild still runs (and
 * says that it remembers nothing); a store from a newer vigil stops it, as
 * the drains recorded there would be ignored. */
static void prepare_store(struct vigil_opts *opts)
{
	char err[STORE_ERRLEN] = "", moved[PATH_MAX];
	int r;

	if (!opts->db_path) {
		log_notice("no state store (--db=none): states, health and drains are not kept "
			   "across restarts");
		return;
	}
	r = store_prepare(opts->db_path, moved, sizeof(moved), err, sizeof(err));
	if (moved[0])
		log_errx("state store %s was damaged (%s): moved aside to %s, starting with an empty one",
			 opts->db_path, err, moved);
	if (r == STORE_E_NEWER) {
		log_errx("state store %s: %s (or start with --db=none)", opts->db_path, err);
		pidfile_remove(opts->pid_file);
		exit(VIGIL_EXIT_FAILURE);
	}
	if (r < 0) {
		log_errx("state store %s: %s; running without it: states, health and drains are not "
			 "kept across restarts (fix it, or choose another file with --db)",
			 opts->db_path, err);
		opts->db_path = NULL;
		return;
	}
	log_info("state store %s ready (schema version %d)", opts->db_path,
		 store_migrations[store_n_migrations - 1].version);
}

/* The REST API's bearer token, read or made before mgmt (which runs as
 * another user) is forked: it inherits it, the file stays root's. */
static void prepare_http_token(struct vigil_opts *opts)
{
	char path[PATH_MAX], dir[PATH_MAX], err[PATH_MAX + 128];
	int created;

	if (!opts->http_listen)
		return;
	if (opts->http_token_file) {
		snprintf(path, sizeof(path), "%s", opts->http_token_file);
	} else {
		snprintf(dir, sizeof(dir), "%s", opts->db_path ? opts->db_path : VIGIL_RUNDIR "/x");
		snprintf(path, sizeof(path), "%s/http.token", dirname(dir));
	}
	if (http_token_load(path, opts->http_token, &created, err, sizeof(err)) < 0) {
		log_errx("http: %s; REST edits are refused until it is fixed (--http-token-file)", err);
		return;
	}
	if (created)
		log_notice("http: a new token for REST edits is in %s (mode 0600)", path);
}

/* HTTPS's certificate and key, read as root before mgmt is forked.  A
 * bad one turns HTTP off rather than serving the API in clear text. */
static void prepare_http_tls(struct vigil_opts *opts)
{
	char err[PATH_MAX * 2 + 256];

	if (!opts->http_listen || !opts->http_tls_cert)
		return;
	if (http_tls_load(opts->http_tls_cert, opts->http_tls_key, &opts->http_tls_cert_pem, &opts->http_tls_key_pem,
			  err, sizeof(err)) < 0) {
		log_errx("http: %s; the status page and REST API are off until it is fixed "
			 "(--http-tls-cert, --http-tls-key)", err);
		opts->http_listen = NULL;
	}
}

int main(int argc, char **argv)
{
	struct vigil_opts opts;
	struct supervisor sup;
	struct ev_loop *loop;
	struct conf *conf;
	const char *path;
	char err[256];
	int status;
	pid_t other;

	switch (opts_parse(&opts, argc, argv, stdout, err, sizeof(err))) {
	case OPTS_EXIT_OK:
		return VIGIL_EXIT_OK;
	case OPTS_ERROR:
		fprintf(stderr, "vigild: %s\n", err);
		return VIGIL_EXIT_USAGE;
	case OPTS_RUN:
		break;
	}
	path = opts_conf_file(&opts);

	if (opts.config_test) {
		/* The diagnostics, then the migration report: what a keepalived
		 * user gets by switching.  With -d, stdout is JSON only. */
		struct conf_diags d = { 0 };
		FILE *out = opts.dump_conf ? stderr : stdout;

		conf = load_conf(path, &status, &d);
		if (!conf) {
			conf_diags_free(&d);
			return status == VIGIL_EXIT_CONFIG ? VIGIL_EXIT_CONFIG_TEST : status;
		}
		if (opts.dump_conf)
			dump_json(conf);
		fflush(stderr);
		conf_report(conf, &d, out);
		fprintf(out, "configuration OK\n");
		conf_diags_free(&d);
		conf_free(conf);
		return VIGIL_EXIT_OK;
	}

	log_init("vigild", (opts.log_console ? LOG_F_CONSOLE : 0) | (opts.log_detail ? LOG_F_DETAIL : 0) |
		 (opts.log_json ? LOG_F_JSON : 0), opts.log_facility);
	sdnotify_init();
	conf = load_conf(path, &status, NULL);
	if (!conf) {
		log_errx("%s: configuration not usable, not starting (check it with vigild -t -f %s)",
			 path, path);
		return status;
	}
	if (opts.dump_conf)
		dump_json(conf);

	other = pidfile_running(opts.pid_file);
	if (other > 0 && other != getpid()) {
		log_errx("vigild is already running (pid %d, pid file %s)", (int)other, opts.pid_file);
		conf_free(conf);
		return VIGIL_EXIT_FAILURE;
	}
	if (!opts.dont_fork)
		daemonize();
	umask(022);
	if (pidfile_write(opts.pid_file, getpid()) < 0)
		log_fatal("cannot write pid file %s", opts.pid_file);
	log_info("vigild %s starting with %s (%zu VRRP instances, %zu virtual servers)",
		 PACKAGE_VERSION, path, conf->n_vrrps, conf->n_vss);

	prepare_store(&opts);
	prepare_http_token(&opts);
	prepare_http_tls(&opts);
	loop = ev_loop_new();
	if (!loop)
		log_fatal("cannot create the event loop");
	if (sup_init(&sup, loop, &opts, path, conf) < 0)
		log_fatal("cannot start the supervisor");
	if (ev_run(loop) < 0)
		log_fatal("event loop");

	sup_cleanup(&sup);
	pidfile_remove(opts.pid_file);
	log_info("stopped");
	conf_free(sup.conf);
	ev_loop_free(loop);
	return sup.exit_status;
}
