/*
 * vigilctl - the command-line client of vigild.
 *
 * `status` and `reload` use the pid file and signals (status adds a summary
 * from the state database); the edits (drain, undrain, maint, weight,
 * demote, restore) go over the control socket to mgmt, which relays them to
 * the engine that owns the object and answers once they are stored and
 * applied; `instances`, `servers`, `overrides` and `history` read the state
 * database read-only (ctl_show.c).  Every read command prints an aligned
 * table for people, or with --json a JSON document shaped like the REST
 * API's.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/pidfile.h"
#include "ctl/ctl.h"

#define DEFAULT_PID_FILE RUNSTATEDIR "/vigil/vigild.pid"
#define DEFAULT_CONTROL RUNSTATEDIR "/vigil/vigil.sock"
#define DEFAULT_DB LOCALSTATEDIR "/lib/vigil/vigil.db"

static void usage(FILE *out)
{
	fprintf(out,
"Usage: vigilctl [OPTION]... COMMAND [ARG]...\n"
"\n"
"Read (from the pid file and the state database; -j for JSON):\n"
"  status                 whether vigild runs, its vrrp, check and mgmt processes,\n"
"                         and a line per VRRP instance and per virtual server\n"
"  instances              the VRRP instances: id, name, VRID, interface, state,\n"
"                         base and effective priority, master, VIPs, since, override\n"
"  servers [VS]           the virtual servers (or VS alone) and their real servers:\n"
"                         ids, health and why, weight configured/override/effective\n"
"                         ('out': not in IPVS), admin state, since\n"
"  overrides              the operators' drains, maints, weights and demotions\n"
"  history [NAME]         the state transitions of VRRP instances and real servers\n"
"                         and the operators' edits (NAME: an instance, or a real\n"
"                         server such as 192.0.2.11:80), newest last\n"
"\n"
"Edit (over the control socket; root):\n"
"  drain VS RS            weight 0 for real server RS of virtual server VS: no new\n"
"                         connections, the open ones live on\n"
"  maint VS RS            take RS out of IPVS (its health checks go on)\n"
"  weight VS RS N         give RS weight N (0-65535) instead of the configured one\n"
"  undrain VS RS          back to the configured weight (ends maint and weight too)\n"
"  demote INSTANCE [N]    lower VRRP instance INSTANCE's priority by N (default: to 1,\n"
"                         so that a backup takes over at once)\n"
"  restore INSTANCE       back to its own priority (also: undemote)\n"
"  reload                 ask vigild to reload its configuration (SIGHUP)\n"
"\n"
"  VS is written as ipvsadm shows it: 'TCP 192.0.2.100:80', 'FWM 1' (or\n"
"  192.0.2.100:80 for TCP); RS as 192.0.2.11:80 or [2001:db8::11]:80 (or the\n"
"  address alone when one real server of VS has it).  `servers` also takes the\n"
"  ids it shows.  Edits are stored before vigilctl returns, and survive restarts.\n"
"\n"
"Options (before or after the command):\n"
"  -j, --json           print a JSON document (the REST API's field names); an\n"
"                       edit prints the object as it is now; an error prints\n"
"                       {\"error\": {...}} (and its text on stderr)\n"
"  -p, --pid=FILE       vigild's pid file (default " DEFAULT_PID_FILE ")\n"
"  -s, --control=PATH   vigild's control socket (default " DEFAULT_CONTROL ")\n"
"  -d, --db=FILE        the state database (default " DEFAULT_DB ")\n"
"  -r, --reason=TEXT    why (any edit): kept in the audit log\n"
"  -e, --expires=DUR    the edit ends by itself after DUR: 90s, 30m, 2h, 1d\n"
"  -n, --limit=N        history: the last N entries (default 50)\n"
"  -h, --help           print this help\n"
"  -v, --version        print the version\n"
"\n"
"Exit status: 0 OK (status: vigild is running); 1 vigild is not running, or the\n"
"command failed (e.g. the database cannot be read, no such virtual server);\n"
"2 usage error; 3 vigild refused the edit (no such server or instance, bad value).\n");
}

/* ---- status and reload: the pid file ---------------------------------------------- */

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (int)n;
}

static void proc_user(pid_t pid, char *buf, size_t len)
{
	char path[64];
	struct stat st;
	struct passwd *pw;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) < 0) {
		snprintf(buf, len, "?");
		return;
	}
	pw = getpwuid(st.st_uid);
	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", (unsigned)st.st_uid);
}

/* Seconds since the process started (from /proc), -1 when unknown. */
static long proc_uptime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	double up;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return -1;
	/* after "pid (comm)": state is field 3, starttime field 22 */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &start) != 1 || hz <= 0)
		return -1;
	if (read_small("/proc/uptime", buf, sizeof(buf)) < 0 || sscanf(buf, "%lf", &up) != 1)
		return -1;
	return (long)(up - (double)start / (double)hz);
}

static const char *duration_text(long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "?");
	else if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
	return buf;
}

struct proc_row {
	pid_t pid;
	char role[32], user[64];
};

/* vigild and its children (found from the kernel, not from their pid
 * files, so the answer is right whatever -r/-c/--mgmt_pid the daemon was
 * given).  The number found, or -1 when the children cannot be listed. */
static int list_procs(pid_t parent, struct proc_row *rows, size_t max)
{
	char path[96], buf[4096], comm[32];
	char *p, *end;
	size_t n = 0;

	rows[n].pid = parent;
	snprintf(rows[n].role, sizeof(rows[n].role), "vigild");
	proc_user(parent, rows[n].user, sizeof(rows[n].user));
	n++;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; n < max; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (read_small(path, comm, sizeof(comm)) < 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		if (strncmp(comm, "vigild-", 7) != 0)
			continue;   /* e.g. a script being run */
		rows[n].pid = (pid_t)pid;
		snprintf(rows[n].role, sizeof(rows[n].role), "%s", comm + 7);
		proc_user((pid_t)pid, rows[n].user, sizeof(rows[n].user));
		n++;
	}
	return (int)n;
}

static int cmd_status(const struct ctl *c)
{
	static const char *const heads[] = { "PROCESS", "PID", "USER", "STATE" };
	pid_t pid = pidfile_running(c->pid_file);
	struct proc_row rows[16];
	int n;
	long up;
	char upbuf[32];

	if (pid <= 0) {
		if (c->json)
			ctl_print_json(json_pack("{s:b, s:s}", "running", 0, "pid_file", c->pid_file));
		else
			printf("vigild is not running (no live process in %s; if it was started with -p FILE, "
			       "pass -p FILE)\n", c->pid_file);
		return CTL_FAIL;
	}
	n = list_procs(pid, rows, sizeof(rows) / sizeof(rows[0]));
	if (n < 0) {
		fprintf(stderr, "vigilctl: cannot list the children of pid %d: %s\n", (int)pid, strerror(errno));
		n = 1;
	}
	up = proc_uptime(pid);
	if (c->json) {
		json_t *doc, *procs = json_array();

		for (int i = 0; i < n; i++)
			json_array_append_new(procs, json_pack("{s:s, s:i, s:s}", "role", rows[i].role, "pid",
							       (int)rows[i].pid, "user", rows[i].user));
		doc = json_pack("{s:b, s:i, s:s, s:o, s:o, s:s}", "running", 1, "pid", (int)pid, "pid_file",
				c->pid_file, "uptime_s", up >= 0 ? json_integer(up) : json_null(),
				"processes", procs, "database", c->db);
		ctl_status_summary(c, doc);
		ctl_print_json(doc);
		return CTL_OK;
	}
	printf("vigild is running: pid %d, up %s\n\n", (int)pid, duration_text(up, upbuf, sizeof(upbuf)));
	{
		struct ctl_table *t = ctl_table_new(4, heads);

		for (int i = 0; i < n; i++) {
			char p[16];

			snprintf(p, sizeof(p), "%d", (int)rows[i].pid);
			ctl_table_row(t, (const char *const[]){ rows[i].role, p, rows[i].user, "running" });
		}
		ctl_table_print(t);
		ctl_table_free(t);
	}
	fflush(stdout);
	ctl_status_summary(c, NULL);
	return CTL_OK;
}

static int cmd_reload(const struct ctl *c)
{
	pid_t pid = pidfile_running(c->pid_file);

	if (pid <= 0)
		return ctl_fail(c, CTL_FAIL, 0, "start it, or pass -p FILE if it was started with -p FILE",
				"vigild is not running (no live process in %s)", c->pid_file);
	if (kill(pid, SIGHUP) < 0)
		return ctl_fail(c, CTL_FAIL, 0, errno == EPERM ? "run vigilctl as root (sudo)" : NULL,
				"cannot signal pid %d: %s", (int)pid, strerror(errno));
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:i}", "result", "reload requested", "pid", (int)pid));
	printf("reload requested (pid %d); the result is in vigild's log\n", (int)pid);
	return CTL_OK;
}

/* ---- edits over the control socket -------------------------------------------------- */

static long parse_duration(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || v <= 0)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	return v;
}

/* Send one request, read the answer: 0 with *status and *text (to free),
 * or an exit code after ctl_fail(). */
static int control_call(const struct ctl *c, json_t *req, int *status, char **text)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_t *ans;
	char *line, buf[4096];
	const char *t = "";
	size_t len = 0;
	ssize_t n;
	int fd, e;

	if (strlen(c->control) >= sizeof(sa.sun_path))
		return ctl_fail(c, CTL_USAGE, 0, "use a shorter path (-s PATH)", "control socket path too long: %s",
				c->control);
	line = json_dumps(req, JSON_COMPACT);
	if (!line)
		return ctl_fail(c, CTL_FAIL, 0, NULL, "out of memory");
	strcpy(sa.sun_path, c->control);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		free(line);
		if (fd >= 0)
			close(fd);
		return ctl_fail(c, CTL_FAIL, 0,
				e == ENOENT ? "is vigild running (vigilctl status)? pass -s PATH if it was started "
					      "with --control=PATH" :
				e == EACCES ? "edits need root: sudo vigilctl ..." :
				e == ECONNREFUSED ? "vigild is not running, or its mgmt process is restarting: "
						    "see vigilctl status, and try again" : NULL,
				"cannot reach vigild at %s: %s", c->control, strerror(e));
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		e = errno;
		free(line);
		close(fd);
		return ctl_fail(c, CTL_FAIL, 0, NULL, "%s: %s", c->control, strerror(e));
	}
	free(line);
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	ans = json_loadb(buf, len, 0, NULL);
	if (!ans || json_unpack(ans, "{s:i, s:s}", "status", status, "text", &t) < 0) {
		json_decref(ans);
		return ctl_fail(c, CTL_FAIL, 0, "check with vigilctl history whether it was applied",
				"no answer from vigild (it may have stopped)");
	}
	*text = strdup(t);
	json_decref(ans);
	return 0;
}

/* With --json, a successful edit prints what the REST API answers: the
 * object as it is now. */
static int edit_result_json(const struct ctl *c, const char *action, char **args, const char *text)
{
	bool vrrp = strcmp(action, "demote") == 0 || strcmp(action, "undemote") == 0;
	struct ctl quiet = { .db = c->db };
	json_t *doc = json_pack("{s:s}", "result", text), *obj = NULL;
	sqlite3 *db = ctl_db_open(&quiet);

	/* the engine answered once its writes were committed: read them */
	if (db) {
		struct snap *s = ctl_snap_load(&quiet, db);
		const struct snap_inst *in = s && vrrp ? ctl_find_inst(s, args[0]) : NULL;
		const struct snap_vs *v = s && !vrrp ? ctl_find_vs(s, args[0]) : NULL;
		const struct snap_rs *r = v ? ctl_find_rs(v, args[1]) : NULL;

		obj = in ? snap_jinstance(in, NULL) : r ? snap_jreal_server(r, NULL) : NULL;
		snap_free(s);
	}
	if (obj)
		json_object_set_new(doc, vrrp ? "instance" : "real_server", obj);
	sqlite3_close(db);
	return ctl_print_json(doc) ? CTL_FAIL : CTL_OK;
}

/* demote INSTANCE without N: down to priority 1, as the REST API's demote */
static long demote_to_one(const struct ctl *c, const char *name)
{
	struct ctl quiet = { .db = c->db };
	sqlite3 *db = ctl_db_open(&quiet);
	struct snap *s = db ? ctl_snap_load(&quiet, db) : NULL;
	const struct snap_inst *in = s ? ctl_find_inst(s, name) : NULL;
	long by = -1;

	if (in)   /* an owner (255) is refused by vigild, which says why */
		by = in->config_priority - 1 > 253 ? 253 : in->config_priority - 1 < 1 ? 1 : in->config_priority - 1;
	else if (s)
		by = 1;   /* no such instance: vigild's answer names the ones there are */
	snap_free(s);
	sqlite3_close(db);
	return by;
}

static int cmd_edit(const struct ctl *c, const char *cmd, char **args, int nargs)
{
	const char *user = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
	const char *action = strcmp(cmd, "restore") == 0 ? "undemote" : cmd;
	bool vrrp = strcmp(action, "demote") == 0 || strcmp(action, "undemote") == 0;
	bool valued = strcmp(action, "weight") == 0 || strcmp(action, "demote") == 0;
	int want = (vrrp ? 1 : 2) + valued, status, rc;
	long value = 0;
	char *text = NULL;
	json_t *req;

	if (strcmp(action, "demote") == 0 && nargs == 1)
		want = 1;   /* N is optional */
	if (nargs != want)
		return ctl_fail(c, CTL_USAGE, 0, "see vigilctl --help", "%s needs %s", cmd,
				strcmp(action, "weight") == 0 ? "VS RS N" : strcmp(action, "demote") == 0 ?
				"INSTANCE [N]" : vrrp ? "INSTANCE" : "VS RS");
	if (valued && nargs == want && want == (vrrp ? 2 : 3)) {
		char *end;

		errno = 0;
		value = strtol(args[want - 1], &end, 10);
		if (*end || end == args[want - 1] || errno)
			return ctl_fail(c, CTL_USAGE, 0, strcmp(action, "weight") == 0 ? "a weight from 0 to 65535" :
					"an amount from 1 to 253", "'%s' is not a number", args[want - 1]);
	} else if (valued) {
		value = demote_to_one(c, args[0]);
		if (value < 0)
			return ctl_fail(c, CTL_FAIL, 0, "give the amount: demote INSTANCE N",
					"the state database cannot be read to find %s's priority", args[0]);
	}
	if (vrrp)
		req = json_pack("{s:s, s:s}", "action", action, "instance", args[0]);
	else
		req = json_pack("{s:s, s:s, s:s}", "action", action, "vs", args[0], "rs", args[1]);
	if (!req)
		return ctl_fail(c, CTL_USAGE, 0, NULL, "the arguments must be UTF-8 text");
	if (valued)
		json_object_set_new(req, "value", json_integer(value));
	if (c->reason)
		json_object_set_new(req, "reason", json_string(c->reason));
	if (c->expires_in > 0)
		json_object_set_new(req, "expires_in", json_integer(c->expires_in));
	if (user)
		json_object_set_new(req, "user", json_string(user));
	rc = control_call(c, req, &status, &text);
	json_decref(req);
	if (rc)
		return rc;
	if (status != 0) {
		/* 4xx: refused (no such object, bad value, conflict); 5xx: failed */
		rc = ctl_fail(c, status < 500 ? CTL_REFUSED : CTL_FAIL, status,
			      status == 404 ? "the names that exist are in the message; see vigilctl servers / "
					      "vigilctl instances" : NULL, "%s", text);
	} else if (c->json) {
		rc = edit_result_json(c, action, args, text);
	} else {
		printf("%s\n", text);
		rc = CTL_OK;
	}
	free(text);
	return rc;
}

/* ---- main ------------------------------------------------------------------------------ */

static bool is_edit(const char *cmd)
{
	static const char *const edits[] = { "drain", "undrain", "maint", "weight", "demote", "restore", "undemote" };

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++)
		if (strcmp(cmd, edits[i]) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "control", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "reason", required_argument, NULL, 'r' },
		{ "expires", required_argument, NULL, 'e' },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = { .pid_file = DEFAULT_PID_FILE, .control = DEFAULT_CONTROL, .db = DEFAULT_DB, .limit = 50 };
	const char *cmd;
	int opt, nargs;
	char *end;

	/* options may follow the command too (vigilctl servers --json) */
	while ((opt = getopt_long(argc, argv, "jp:s:d:r:e:n:hv", lopts, NULL)) != -1) {
		switch (opt) {
		case 'j': c.json = true; break;
		case 'p': c.pid_file = optarg; break;
		case 's': c.control = optarg; break;
		case 'd': c.db = optarg; break;
		case 'r': c.reason = optarg; break;
		case 'e':
			c.expires_in = parse_duration(optarg);
			if (c.expires_in < 0)
				return ctl_fail(NULL, CTL_USAGE, 0, "use a number with s, m, h or d (90s, 2h)",
						"--expires '%s' is not a duration", optarg);
			break;
		case 'n':
			c.limit = strtol(optarg, &end, 10);
			if (c.limit <= 0 || *end)
				return ctl_fail(NULL, CTL_USAGE, 0, "e.g. -n 100", "--limit needs a number above 0");
			break;
		case 'h': usage(stdout); return CTL_OK;
		case 'v': printf("vigilctl " PACKAGE_VERSION "\n"); return CTL_OK;
		default:
			fprintf(stderr, "Try 'vigilctl --help'.\n");
			return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	cmd = argv[optind++];
	nargs = argc - optind;
	if (is_edit(cmd))
		return cmd_edit(&c, cmd, argv + optind, nargs);
	if (strcmp(cmd, "status") == 0 && nargs == 0)
		return cmd_status(&c);
	if (strcmp(cmd, "instances") == 0 && nargs == 0)
		return ctl_instances(&c);
	if (strcmp(cmd, "servers") == 0 && nargs <= 1)
		return ctl_servers(&c, nargs ? argv[optind] : NULL);
	if (strcmp(cmd, "history") == 0 && nargs <= 1)
		return ctl_history(&c, nargs ? argv[optind] : NULL);
	if (strcmp(cmd, "overrides") == 0 && nargs == 0)
		return ctl_overrides(&c);
	if (strcmp(cmd, "reload") == 0 && nargs == 0)
		return cmd_reload(&c);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return CTL_OK;
	}
	return ctl_fail(&c, CTL_USAGE, 0, "see vigilctl --help", "unknown command or wrong arguments: '%s%s'", cmd,
			nargs ? " ..." : "");
}
