/*
 * vigilctl - the command-line client of vigild.
 *
 * `status` and `reload` use the pid file and signals; the edits (drain,
 * undrain, maint, weight, clear) go over the control socket to mgmt, which
 * relays them to the check engine and answers once they are stored and
 * applied; `history` and `overrides` read the state database (read-only).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/pidfile.h"

#define DEFAULT_PID_FILE RUNSTATEDIR "/vigil/vigild.pid"
#define DEFAULT_CONTROL RUNSTATEDIR "/vigil/vigil.sock"
#define DEFAULT_DB LOCALSTATEDIR "/lib/vigil/vigil.db"

static void usage(FILE *out)
{
	fprintf(out,
"Usage: vigilctl [OPTION]... COMMAND [ARG]...\n"
"\n"
"Commands:\n"
"  status                 whether vigild runs, and its vrrp, check and mgmt processes\n"
"  reload                 ask vigild to reload its configuration (SIGHUP)\n"
"  drain VS RS            weight 0 for real server RS of virtual server VS: no new\n"
"                         connections, the open ones live on\n"
"  maint VS RS            take RS out of IPVS (its health checks go on)\n"
"  weight VS RS N         give RS weight N instead of the configured one\n"
"  undrain VS RS          back to the configured weight (clears maint, weight too)\n"
"  demote INSTANCE N      lower VRRP instance INSTANCE's priority by N (a master\n"
"                         hands over to a backup with a higher priority)\n"
"  undemote INSTANCE      back to its own priority\n"
"  overrides              the operators' drains, maints, weights and demotions\n"
"  history [NAME]         the state transitions of VRRP instances and real servers\n"
"                         (NAME: an instance, or a real server such as\n"
"                         192.0.2.11:80), newest last\n"
"\n"
"  VS is written as ipvsadm shows it: 'TCP 192.0.2.100:80', 'FWM 1' (or\n"
"  192.0.2.100:80 for TCP); RS as 192.0.2.11:80 or [2001:db8::11]:80 (or the\n"
"  address alone when one real server of VS has it).  Edits are stored before\n"
"  vigilctl returns, and survive restarts.\n"
"\n"
"Options:\n"
"  -p, --pid=FILE       vigild's pid file (default " DEFAULT_PID_FILE ")\n"
"  -s, --control=PATH   vigild's control socket (default " DEFAULT_CONTROL ")\n"
"  -d, --db=FILE        the state database (default " DEFAULT_DB ")\n"
"  -r, --reason=TEXT    why (any edit): kept in the audit log\n"
"  -e, --expires=DUR    the edit ends by itself after DUR: 90s, 30m, 2h, 1d\n"
"  -n, --limit=N        history: the last N transitions (default 50)\n"
"  -h, --help           print this help\n"
"  -v, --version        print the version\n"
"\n"
"Exit status: 0 OK; 1 vigild is not running or the command failed; 2 usage;\n"
"3 vigild refused the edit (no such server, bad value).\n");
}

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

static void print_proc(pid_t pid, const char *role)
{
	char user[64];

	proc_user(pid, user, sizeof(user));
	printf("%-8s %-8d %-10s running\n", role, (int)pid, user);
}

/* The children are found from the kernel, not from their pid files, so the
 * answer is right whatever -r/-c/--mgmt_pid the daemon was given. */
static int show_children(pid_t parent)
{
	char path[96], buf[4096], comm[32];
	char *p, *end;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf;; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (read_small(path, comm, sizeof(comm)) < 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		if (strncmp(comm, "vigild-", 7) != 0)
			continue;   /* e.g. a script being run */
		print_proc((pid_t)pid, comm + 7);
		n++;
	}
	return n;
}

static int cmd_status(const char *pid_file)
{
	pid_t pid = pidfile_running(pid_file);

	if (pid <= 0) {
		printf("vigild is not running (no live process in %s)\n", pid_file);
		return 1;
	}
	printf("%-8s %-8s %-10s %s\n", "PROCESS", "PID", "USER", "STATE");
	print_proc(pid, "vigild");
	if (show_children(pid) < 0)
		fprintf(stderr, "vigilctl: cannot list the children of pid %d: %s\n", (int)pid,
			strerror(errno));
	return 0;
}

static int cmd_reload(const char *pid_file)
{
	pid_t pid = pidfile_running(pid_file);

	if (pid <= 0) {
		fprintf(stderr, "vigilctl: vigild is not running (no live process in %s)\n", pid_file);
		return 1;
	}
	if (kill(pid, SIGHUP) < 0) {
		fprintf(stderr, "vigilctl: cannot signal pid %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	printf("reload requested (pid %d); the result is in vigild's log\n", (int)pid);
	return 0;
}

/* ---- edits over the control socket ---------------------------------------- */

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

static int cmd_edit(const char *control, const char *action, char **args, int nargs,
		    const char *reason, long expires_in)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *user = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
	json_t *req, *ans;
	char *line, buf[4096];
	size_t len = 0;
	ssize_t n;
	int fd, status;
	const char *text = "";

	bool vrrp = strcmp(action, "demote") == 0 || strcmp(action, "undemote") == 0;
	bool valued = strcmp(action, "weight") == 0 || strcmp(action, "demote") == 0;
	int want = (vrrp ? 1 : 2) + valued;

	if (nargs != want) {
		fprintf(stderr, "vigilctl: %s needs %s (see vigilctl --help)\n", action,
			strcmp(action, "weight") == 0 ? "VS RS N" : strcmp(action, "demote") == 0 ?
			"INSTANCE N" : vrrp ? "INSTANCE" : "VS RS");
		return 2;
	}
	if (vrrp)
		req = json_pack("{s:s, s:s}", "action", action, "instance", args[0]);
	else
		req = json_pack("{s:s, s:s, s:s}", "action", action, "vs", args[0], "rs", args[1]);
	if (valued) {
		char *end;
		long w = strtol(args[want - 1], &end, 10);

		if (*end || end == args[want - 1]) {
			fprintf(stderr, "vigilctl: '%s' is not a number\n", args[want - 1]);
			json_decref(req);
			return 2;
		}
		json_object_set_new(req, "value", json_integer(w));
	}
	if (reason)
		json_object_set_new(req, "reason", json_string(reason));
	if (expires_in > 0)
		json_object_set_new(req, "expires_in", json_integer(expires_in));
	if (user)
		json_object_set_new(req, "user", json_string(user));
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line)
		return 1;
	if (strlen(control) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vigilctl: control socket path too long: %s\n", control);
		free(line);
		return 2;
	}
	strcpy(sa.sun_path, control);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vigilctl: cannot reach vigild at %s: %s (is it running? see -s)\n", control,
			strerror(errno));
		free(line);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "vigilctl: %s: %s\n", control, strerror(errno));
		free(line);
		close(fd);
		return 1;
	}
	free(line);
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	ans = json_loadb(buf, len, 0, NULL);
	if (!ans || json_unpack(ans, "{s:i, s:s}", "status", &status, "text", &text) < 0) {
		fprintf(stderr, "vigilctl: no answer from vigild (it may have stopped); check with "
			"vigilctl history\n");
		json_decref(ans);
		return 1;
	}
	if (status == 0)
		printf("%s\n", text);
	else
		fprintf(stderr, "vigilctl: %s\n", text);
	json_decref(ans);
	return status == 0 ? 0 : status < 500 ? 3 : 1;
}

/* ---- the state database -------------------------------------------------- */

static sqlite3 *open_db(const char *path)
{
	sqlite3 *db = NULL;

	if (access(path, R_OK) < 0) {
		fprintf(stderr, "vigilctl: cannot read the state database %s: %s (see --db)\n", path,
			strerror(errno));
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "vigilctl: %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static const char *fmt_ms(sqlite3_int64 ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static int cmd_history(const char *db_path, const char *name, long limit)
{
	sqlite3 *db = open_db(db_path);
	sqlite3_stmt *st;
	int rc, n = 0;
	char when[32];

	if (!db)
		return 1;
	/* the operator rows have one column more: fold who and detail */
	if (sqlite3_prepare_v2(db,
		"SELECT at, what, name, from_s, to_s, reason FROM ("
		" SELECT t.id, t.at, 'instance' AS what, i.name AS name, t.from_state AS from_s,"
		"  t.to_state AS to_s, t.reason AS reason FROM vrrp_transition t"
		"  JOIN vrrp_instance i ON i.id = t.instance_id WHERE ?1 IS NULL OR i.name = ?1"
		" UNION ALL"
		" SELECT h.id, h.at, 'server', rs.key || ' in ' || vs.key, h.from_health, h.to_health, h.reason"
		"  FROM health_transition h JOIN real_server rs ON rs.id = h.rs_id"
		"  JOIN virtual_server vs ON vs.id = rs.vs_id"
		"  WHERE ?1 IS NULL OR rs.key = ?1 OR rs.key LIKE ?1 || ':%'"
		" UNION ALL"
		" SELECT a.id, a.at, 'operator', a.target, a.action, '', a.who ||"
		"  CASE WHEN a.detail <> '' THEN ': ' || a.detail ELSE '' END FROM audit a"
		"  WHERE ?1 IS NULL OR a.target LIKE '%' || ?1 || '%'"
		") ORDER BY at DESC, id DESC LIMIT ?2", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "vigilctl: %s: %s (is it a vigil state database?)\n", db_path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	/* newest first from SQL, printed oldest first */
	{
		char **lines = NULL;
		size_t cap = 0, cnt = 0;

		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			char *l;

			if (cnt == cap) {
				char **nl = realloc(lines, (cap = cap ? cap * 2 : 64) * sizeof(*lines));

				if (!nl)
					break;
				lines = nl;
			}
			if (*col(st, 4))
				l = sqlite3_mprintf("%s  %-8s  %s: %s -> %s (%s)",
						    fmt_ms(sqlite3_column_int64(st, 0), when, sizeof(when)),
						    col(st, 1), col(st, 2), col(st, 3), col(st, 4), col(st, 5));
			else
				l = sqlite3_mprintf("%s  %-8s  %s %s by %s",
						    fmt_ms(sqlite3_column_int64(st, 0), when, sizeof(when)),
						    col(st, 1), col(st, 3), col(st, 2), col(st, 5));
			lines[cnt++] = l;
		}
		for (size_t i = cnt; i-- > 0;) {
			printf("%s\n", lines[i]);
			sqlite3_free(lines[i]);
			n++;
		}
		free(lines);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		fprintf(stderr, "vigilctl: %s: %s\n", db_path, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!n)
		printf("no transitions recorded%s%s\n", name ? " for " : "", name ? name : "");
	return 0;
}

static int cmd_overrides(const char *db_path)
{
	sqlite3 *db = open_db(db_path);
	sqlite3_stmt *st;
	char when[32], until[32];
	int n = 0;

	if (!db)
		return 1;
	if (sqlite3_prepare_v2(db,
		"SELECT * FROM ("
		"SELECT vs.key, rs.key, o.kind, o.value, o.who, o.reason, o.created, o.expires, o.id "
		"FROM override o JOIN real_server rs ON o.target = 'real_server' AND rs.id = o.target_id "
		"JOIN virtual_server vs ON vs.id = rs.vs_id "
		"UNION ALL SELECT 'VRRP', vi.name, o.kind, o.value, o.who, o.reason, o.created, o.expires, o.id "
		"FROM override o JOIN vrrp_instance vi ON o.target = 'vrrp_instance' AND vi.id = o.target_id) "
		"WHERE expires IS NULL OR expires > CAST(strftime('%s','now') AS INTEGER) * 1000 "
		"ORDER BY 9", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "vigilctl: %s: %s (is it a vigil state database?)\n", db_path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!n++)
			printf("%-22s %-22s %-9s %-19s %-19s %s\n", "VIRTUAL SERVER", "REAL SERVER/INSTANCE", "SETTING",
			       "SINCE", "UNTIL", "BY, WHY");
		char setting[32];

		if (strcmp(col(st, 2), "weight") == 0 || strcmp(col(st, 2), "demote") == 0)
			snprintf(setting, sizeof(setting), "%s %lld", col(st, 2), (long long)sqlite3_column_int64(st, 3));
		else
			snprintf(setting, sizeof(setting), "%s", col(st, 2));
		printf("%-22s %-22s %-9s %-19s %-19s %s%s%s\n", col(st, 0), col(st, 1), setting,
		       fmt_ms(sqlite3_column_int64(st, 6), when, sizeof(when)),
		       sqlite3_column_type(st, 7) == SQLITE_NULL ? "-" :
		       fmt_ms(sqlite3_column_int64(st, 7), until, sizeof(until)),
		       col(st, 4), *col(st, 5) ? ", " : "", col(st, 5));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!n)
		printf("no overrides: every real server has its configured weight, every instance its priority\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
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
	const char *pid_file = DEFAULT_PID_FILE, *control = DEFAULT_CONTROL, *db = DEFAULT_DB;
	const char *reason = NULL, *cmd;
	long expires_in = 0, limit = 50;
	int c;

	while ((c = getopt_long(argc, argv, "+p:s:d:r:e:n:hv", lopts, NULL)) != -1) {
		switch (c) {
		case 'p': pid_file = optarg; break;
		case 's': control = optarg; break;
		case 'd': db = optarg; break;
		case 'r': reason = optarg; break;
		case 'e':
			expires_in = parse_duration(optarg);
			if (expires_in < 0) {
				fprintf(stderr, "vigilctl: --expires '%s': use a number with s, m, h or d (90s, 2h)\n",
					optarg);
				return 2;
			}
			break;
		case 'n':
			limit = strtol(optarg, NULL, 10);
			if (limit <= 0) {
				fprintf(stderr, "vigilctl: --limit needs a number above 0\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'v': printf("vigilctl " PACKAGE_VERSION "\n"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0 || strcmp(cmd, "maint") == 0 ||
	    strcmp(cmd, "weight") == 0 || strcmp(cmd, "demote") == 0 || strcmp(cmd, "undemote") == 0)
		return cmd_edit(control, cmd, argv + optind, argc - optind, reason, expires_in);
	if (strcmp(cmd, "history") == 0 && argc - optind <= 1)
		return cmd_history(db, optind < argc ? argv[optind] : NULL, limit);
	if (strcmp(cmd, "overrides") == 0 && optind == argc)
		return cmd_overrides(db);
	if (strcmp(cmd, "status") == 0 && optind == argc)
		return cmd_status(pid_file);
	if (strcmp(cmd, "reload") == 0 && optind == argc)
		return cmd_reload(pid_file);
	fprintf(stderr, "vigilctl: unknown command or wrong arguments: '%s' (see vigilctl --help)\n", cmd);
	return 2;
}
