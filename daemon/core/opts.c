/*
 * opts.c - see opts.h.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "core/log.h"
#include "core/addr.h"
#include "core/opts.h"

enum { OPT_MGMT_PID = 256, OPT_DB, OPT_KEEP_DAYS, OPT_KEEP_ROWS, OPT_CONTROL, OPT_HTTP, OPT_HTTP_TOKEN,
       OPT_HTTP_AUTH, OPT_HTTP_CORS, OPT_HTTP_CERT, OPT_HTTP_KEY, OPT_LOG_FORMAT };

static const struct option long_opts[] = {
	{ "use-file", required_argument, NULL, 'f' },
	{ "dont-fork", no_argument, NULL, 'n' },
	{ "log-console", no_argument, NULL, 'l' },
	{ "log-detail", no_argument, NULL, 'D' },
	{ "log-facility", required_argument, NULL, 'S' },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "config-test", no_argument, NULL, 't' },
	{ "dump-conf", no_argument, NULL, 'd' },
	{ "dont-respawn", no_argument, NULL, 'R' },
	{ "dont-release-ipvs", no_argument, NULL, 'I' },
	{ "vrrp", no_argument, NULL, 'P' },
	{ "check", no_argument, NULL, 'C' },
	{ "pid", required_argument, NULL, 'p' },
	{ "vrrp_pid", required_argument, NULL, 'r' },
	{ "checkers_pid", required_argument, NULL, 'c' },
	{ "mgmt_pid", required_argument, NULL, OPT_MGMT_PID },
	{ "mgmt-user", required_argument, NULL, 'u' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "keep-days", required_argument, NULL, OPT_KEEP_DAYS },
	{ "keep-rows", required_argument, NULL, OPT_KEEP_ROWS },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "http", required_argument, NULL, OPT_HTTP },
	{ "http-token-file", required_argument, NULL, OPT_HTTP_TOKEN },
	{ "http-auth", required_argument, NULL, OPT_HTTP_AUTH },
	{ "http-cors-origin", required_argument, NULL, OPT_HTTP_CORS },
	{ "http-tls-cert", required_argument, NULL, OPT_HTTP_CERT },
	{ "http-tls-key", required_argument, NULL, OPT_HTTP_KEY },
	{ "snmp", no_argument, NULL, 'x' },
	{ "snmp-agent-socket", required_argument, NULL, 'A' },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void opts_usage(FILE *out)
{
	fprintf(out,
"Usage: vigild [OPTION]...\n"
"High-availability daemon: VRRP virtual IPs and LVS/IPVS virtual servers,\n"
"configured with keepalived.conf syntax.\n"
"\n"
"  -f, --use-file=FILE       configuration file (default " VIGIL_CONF_DEFAULT ",\n"
"                            then " VIGIL_CONF_KEEPALIVED ")\n"
"  -t, --config-test         check the configuration, print every problem with\n"
"                            FILE:LINE, then what of it runs as under keepalived,\n"
"                            what vigil ignores and what it does otherwise, and\n"
"                            'configuration OK' if there is no error; exit\n"
"  -d, --dump-conf           print the parsed configuration as JSON on stdout\n"
"                            (with -t: then exit; without: then start)\n"
"  -n, --dont-fork           stay in the foreground\n"
"  -l, --log-console         log to stderr instead of syslog\n"
"  -D, --log-detail          log debug detail too\n"
"  -S, --log-facility=F      syslog facility: 0-7 (local0-local7), localN,\n"
"                            user or daemon (default daemon)\n"
"      --log-format=FORMAT   text (default) or json: one JSON object a line on\n"
"                            stderr (ts, level, process, pid, msg) for log\n"
"                            shippers, instead of syslog\n"
"  -P, --vrrp                run only the VRRP subsystem (and mgmt)\n"
"  -C, --check               run only the health-check/LVS subsystem (and mgmt)\n"
"  -R, --dont-respawn        stop everything when a child process dies instead\n"
"                            of restarting it\n"
"  -I, --dont-release-ipvs   leave the IPVS services vigil created in place on stop\n"
"  -p, --pid=FILE            parent pid file (default " VIGIL_RUNDIR "/vigild.pid)\n"
"  -r, --vrrp_pid=FILE       vrrp process pid file (default " VIGIL_RUNDIR "/vrrp.pid)\n"
"  -c, --checkers_pid=FILE   check process pid file (default " VIGIL_RUNDIR "/check.pid)\n"
"      --mgmt_pid=FILE       mgmt process pid file (default " VIGIL_RUNDIR "/mgmt.pid)\n"
"  -u, --mgmt-user=USER      user the unprivileged mgmt process runs as\n"
"                            (default " VIGIL_MGMT_USER ", or nobody if it does not exist)\n"
"      --db=FILE             state database: instance states, real server health,\n"
"                            operators' drains and their history survive restarts\n"
"                            (default " VIGIL_DB_DEFAULT "; 'none': keep no state)\n"
"      --keep-days=N         history (transitions, audit, counters) older than N\n"
"                            days is removed (default 30; 0: no age limit)\n"
"      --keep-rows=N         at most N rows per history table (default 100000;\n"
"                            0: no limit)\n"
"      --control=SOCKET      the socket vigilctl talks to (default\n"
"                            " VIGIL_RUNDIR "/vigil.sock)\n"
"      --http=ADDR:PORT      the status page (/) and the REST API (/api/v1/,\n"
"                            /metrics) on ADDR:PORT ([ADDR6]:PORT for IPv6;\n"
"                            default " VIGIL_HTTP_DEFAULT "; 'none': no HTTP)\n"
"      --http-token-file=FILE the bearer token REST edits need (made at the\n"
"                            first start, mode 0600; default: http.token next\n"
"                            to the --db file)\n"
"      --http-auth=WHICH     which requests need the token: 'edits' (default)\n"
"                            or 'all' (reads and /metrics too; the page itself\n"
"                            loads, then asks for it)\n"
"      --http-tls-cert=FILE  serve HTTPS with this PEM certificate (chain) ...\n"
"      --http-tls-key=FILE   ... and this PEM private key (both or neither)\n"
"      --http-cors-origin=ORIGIN  let pages from ORIGIN (https://ops.example)\n"
"                            call the API from a browser (default: no CORS)\n"
"  -x, --snmp                serve KEEPALIVED-MIB, VRRP-MIB, VRRPv3-MIB and\n"
"                            VIGIL-MIB as an AgentX subagent of snmpd (without\n"
"                            -x: the parts the enable_snmp_* keywords name)\n"
"  -A, --snmp-agent-socket=S the AgentX master: unix:PATH, PATH or\n"
"                            tcp:HOST:PORT (default: snmp_socket in the\n"
"                            configuration, else " VIGIL_AGENTX_DEFAULT ")\n"
"  -v, --version             print the version and exit\n"
"  -h, --help                print this help and exit\n"
"\n"
"Signals: SIGHUP reloads the configuration (a configuration with errors is\n"
"refused and the running one kept); SIGTERM or SIGINT stops all processes\n"
"cleanly; SIGUSR2 to the vrrp or check process writes its state as JSON next\n"
"to its pid file.  Under systemd (NOTIFY_SOCKET set) vigild reports READY=1,\n"
"RELOADING=1 and STOPPING=1; run it with -n there.\n"
"\n"
"Exit status: 0 OK; 1 failure; 2 bad command line; 4 configuration errors at\n"
"start; 5 configuration errors found by -t; 8 configuration file unreadable.\n");
}

enum opts_result opts_parse(struct vigil_opts *o, int argc, char **argv,
			    FILE *out, char *err, size_t errlen)
{
	bool only_vrrp = false, only_check = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->log_facility = LOG_DAEMON;
	o->pid_file = VIGIL_RUNDIR "/vigild.pid";
	o->vrrp_pid_file = VIGIL_RUNDIR "/vrrp.pid";
	o->check_pid_file = VIGIL_RUNDIR "/check.pid";
	o->mgmt_pid_file = VIGIL_RUNDIR "/mgmt.pid";
	o->db_path = VIGIL_DB_DEFAULT;
	o->keep_days = 30;
	o->keep_rows = 100000;
	o->control_path = VIGIL_RUNDIR "/vigil.sock";
	o->http_listen = VIGIL_HTTP_DEFAULT;

	optind = 0;        /* full re-initialisation: opts_parse may run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:nlDS:tdRIPCp:r:c:u:xA:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f': o->conf_file = optarg; break;
		case 'n': o->dont_fork = true; break;
		case 'l': o->log_console = true; break;
		case 'D': o->log_detail = true; break;
		case 'S':
			o->log_facility = log_parse_facility(optarg);
			if (o->log_facility < 0) {
				snprintf(err, errlen, "invalid log facility '%s': use 0-7, local0-local7, user or daemon", optarg);
				return OPTS_ERROR;
			}
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0) {
				o->log_json = optarg[0] == 'j';
				break;
			}
			snprintf(err, errlen, "invalid --log-format '%s': use text or json", optarg);
			return OPTS_ERROR;
		case 't': o->config_test = true; break;
		case 'd': o->dump_conf = true; break;
		case 'R': o->dont_respawn = true; break;
		case 'I': o->dont_release_ipvs = true; break;
		case 'P': only_vrrp = true; break;
		case 'C': only_check = true; break;
		case 'p': o->pid_file = optarg; break;
		case 'r': o->vrrp_pid_file = optarg; break;
		case 'c': o->check_pid_file = optarg; break;
		case OPT_MGMT_PID: o->mgmt_pid_file = optarg; break;
		case 'u': o->mgmt_user = optarg; break;
		case OPT_DB: o->db_path = strcmp(optarg, "none") == 0 ? NULL : optarg; break;
		case OPT_CONTROL: o->control_path = optarg; break;
		case OPT_HTTP_TOKEN: o->http_token_file = optarg; break;
		case OPT_HTTP_CERT: o->http_tls_cert = optarg; break;
		case OPT_HTTP_KEY: o->http_tls_key = optarg; break;
		case OPT_HTTP_AUTH:
			if (strcmp(optarg, "all") != 0 && strcmp(optarg, "edits") != 0) {
				snprintf(err, errlen, "option '--http-auth' needs 'edits' or 'all', not '%s'", optarg);
				return OPTS_ERROR;
			}
			o->http_auth_reads = strcmp(optarg, "all") == 0;
			break;
		case OPT_HTTP_CORS:
			if ((strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0) ||
			    strpbrk(optarg, " \t\r\n,;\"") || optarg[strlen(optarg) - 1] == '/') {
				snprintf(err, errlen, "option '--http-cors-origin' needs one origin, "
					 "SCHEME://HOST[:PORT] without a path (https://ops.example), not '%s'", optarg);
				return OPTS_ERROR;
			}
			o->http_cors_origin = optarg;
			break;
		case OPT_HTTP: {
			struct vaddr a;
			int port;

			if (strcmp(optarg, "none") == 0) {
				o->http_listen = NULL;
				break;
			}
			if (vaddr_port_parse(optarg, &a, &port) < 0) {
				snprintf(err, errlen, "option '--http' needs IP-ADDRESS:PORT ([IPv6]:PORT) or 'none', "
					 "not '%s'", optarg);
				return OPTS_ERROR;
			}
			o->http_listen = optarg;
			break;
		}
		case 'x': o->snmp = true; break;
		case 'A': o->snmp_socket = optarg; break;
		case OPT_KEEP_DAYS:
		case OPT_KEEP_ROWS: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v < 0 || v > 1000000000) {
				snprintf(err, errlen, "option '%s' needs a whole number >= 0, not '%s'",
					 argv[optind - 1], optarg);
				return OPTS_ERROR;
			}
			if (c == OPT_KEEP_DAYS)
				o->keep_days = v;
			else
				o->keep_rows = v;
			break;
		}
		case 'v':
			fprintf(out, "vigild " PACKAGE_VERSION "\n");
			return OPTS_EXIT_OK;
		case 'h':
			opts_usage(out);
			return OPTS_EXIT_OK;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value (see vigild --help)", argv[optind - 1]);
			return OPTS_ERROR;
		default:
			snprintf(err, errlen, "unknown option '%s' (see vigild --help)", argv[optind - 1]);
			return OPTS_ERROR;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s': the configuration file goes after -f", argv[optind]);
		return OPTS_ERROR;
	}
	if (!o->http_tls_cert != !o->http_tls_key) {
		snprintf(err, errlen, "option '%s' needs '%s' too: HTTPS takes a certificate and its key",
			 o->http_tls_cert ? "--http-tls-cert" : "--http-tls-key",
			 o->http_tls_cert ? "--http-tls-key" : "--http-tls-cert");
		return OPTS_ERROR;
	}
	/* -P and -C together mean both, as in keepalived. */
	o->run_vrrp = only_vrrp || !only_check;
	o->run_check = only_check || !only_vrrp;
	return OPTS_RUN;
}

const char *opts_conf_file(const struct vigil_opts *o)
{
	if (o->conf_file)
		return o->conf_file;
	if (access(VIGIL_CONF_DEFAULT, F_OK) == 0)
		return VIGIL_CONF_DEFAULT;
	if (access(VIGIL_CONF_KEEPALIVED, F_OK) == 0)
		return VIGIL_CONF_KEEPALIVED;
	return VIGIL_CONF_DEFAULT;
}
