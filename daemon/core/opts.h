/*
 * opts.h - vigild's command line.  Option letters follow keepalived's where
 * keepalived has the same option, so existing unit files and
 * KEEPALIVED_OPTIONS lines keep working.
 */
#ifndef VIGIL_OPTS_H
#define VIGIL_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses, numbered as keepalived's. */
enum vigil_exit {
	VIGIL_EXIT_OK = 0,
	VIGIL_EXIT_FAILURE = 1,
	VIGIL_EXIT_USAGE = 2,          /* keepalived: program error */
	VIGIL_EXIT_FATAL = 3,
	VIGIL_EXIT_CONFIG = 4,         /* errors in the configuration at start */
	VIGIL_EXIT_CONFIG_TEST = 5,    /* -t found errors */
	VIGIL_EXIT_NO_CONFIG = 8,      /* configuration file missing or unreadable */
};

#define VIGIL_CONF_DEFAULT      SYSCONFDIR "/vigil/vigil.conf"
#define VIGIL_CONF_KEEPALIVED   "/etc/keepalived/keepalived.conf"
#define VIGIL_RUNDIR            RUNSTATEDIR "/vigil"
#define VIGIL_DB_DEFAULT        LOCALSTATEDIR "/lib/vigil/vigil.db"
#define VIGIL_AGENTX_DEFAULT    "unix:/var/agentx/master"
#define VIGIL_HTTP_DEFAULT      "127.0.0.1:8080"

struct vigil_opts {
	const char *conf_file;      /* NULL: default search */
	bool dont_fork;             /* -n */
	bool log_console;           /* -l */
	bool log_detail;            /* -D */
	bool log_json;              /* --log-format=json: JSON lines on stderr */
	int log_facility;           /* -S, syslog facility value */
	bool config_test;           /* -t */
	bool dump_conf;             /* -d */
	bool dont_respawn;          /* -R */
	bool dont_release_ipvs;     /* -I */
	bool run_vrrp;              /* -P / -C select subsystems; both by default */
	bool run_check;
	const char *pid_file;       /* -p */
	const char *vrrp_pid_file;  /* -r */
	const char *check_pid_file; /* -c */
	const char *mgmt_pid_file;  /* --mgmt_pid */
	const char *mgmt_user;      /* -u */
	const char *db_path;        /* --db; NULL: no state store (--db=none) */
	long keep_days;             /* --keep-days: history retention by age, 0 = none */
	long keep_rows;             /* --keep-rows: per history table, 0 = none */
	const char *control_path;   /* --control: vigilctl's socket */
	const char *http_listen;    /* --http: ADDR:PORT of the REST API, NULL: none */
	const char *http_token_file;/* --http-token-file; NULL: next to the database */
	char http_token[65];        /* read (or made) by the parent before the children start;
				       "": edits over HTTP are off */
	bool http_auth_reads;       /* --http-auth=all: reads need the token too */
	const char *http_cors_origin;  /* --http-cors-origin; NULL: no CORS */
	const char *http_tls_cert;  /* --http-tls-cert / --http-tls-key: HTTPS */
	const char *http_tls_key;
	char *http_tls_cert_pem;    /* their texts, read by the parent (root) before the */
	char *http_tls_key_pem;     /* children start; NULL: plain HTTP */
	bool snmp;                  /* -x: every MIB, whatever enable_snmp_* says */
	const char *snmp_socket;    /* -A: AgentX master; NULL: snmp_socket, else default */
};

enum opts_result { OPTS_RUN, OPTS_EXIT_OK, OPTS_ERROR };

/* Parse argv.  On OPTS_ERROR, `err` holds a one-line message.  On
 * OPTS_EXIT_OK (--help, --version) the text was written to `out`. */
enum opts_result opts_parse(struct vigil_opts *o, int argc, char **argv,
			    FILE *out, char *err, size_t errlen);
void opts_usage(FILE *out);

/* The configuration file to read: -f, else vigil.conf if it exists, else
 * keepalived.conf if it exists, else vigil.conf (which will then be
 * reported missing). */
const char *opts_conf_file(const struct vigil_opts *o);

#endif /* VIGIL_OPTS_H */
