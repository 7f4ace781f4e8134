/*
 * vigilctl - the command-line client of vigild.
 *
 * Today it speaks to the daemon through its pid file and signals: `status`
 * shows the supervisor and its children, `reload` asks for a reload.  The
 * REST-backed commands (instances, servers, drain, history ...) come with
 * the management API (issue #7).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pidfile.h"

#define DEFAULT_PID_FILE RUNSTATEDIR "/vigil/vigild.pid"

static void usage(FILE *out)
{
	fprintf(out,
"Usage: vigilctl [-p PIDFILE] COMMAND\n"
"\n"
"Commands:\n"
"  status     show whether vigild runs, and its vrrp, check and mgmt processes\n"
"  reload     ask vigild to reload its configuration (SIGHUP)\n"
"\n"
"Options:\n"
"  -p, --pid=FILE   vigild's pid file (default " DEFAULT_PID_FILE ")\n"
"  -h, --help       print this help\n"
"  -v, --version    print the version\n"
"\n"
"Exit status: 0 OK; 1 vigild is not running or the command failed; 2 usage.\n");
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

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pid_file = DEFAULT_PID_FILE;
	int c;

	while ((c = getopt_long(argc, argv, "p:hv", lopts, NULL)) != -1) {
		switch (c) {
		case 'p': pid_file = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'v': printf("vigilctl " PACKAGE_VERSION "\n"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "status") == 0)
		return cmd_status(pid_file);
	if (strcmp(argv[optind], "reload") == 0)
		return cmd_reload(pid_file);
	fprintf(stderr, "vigilctl: unknown command '%s' (see vigilctl --help)\n", argv[optind]);
	return 2;
}
