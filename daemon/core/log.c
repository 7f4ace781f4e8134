/*
 * log.c - see log.h.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

static char log_ident[32] = "vigild";
static unsigned log_flags = LOG_F_CONSOLE;
static int log_facility = LOG_DAEMON;

void log_init(const char *ident, unsigned flags, int facility)
{
	log_flags = flags;
	log_facility = facility;
	log_set_ident(ident);
}

void log_set_ident(const char *ident)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	if (!(log_flags & (LOG_F_CONSOLE | LOG_F_JSON))) {
		closelog();
		openlog(log_ident, LOG_PID | LOG_NDELAY, log_facility);
	}
}

bool log_detail(void)
{
	return log_flags & LOG_F_DETAIL;
}

static const char *level_name(int prio)
{
	switch (prio) {
	case LOG_DEBUG: return "debug";
	case LOG_INFO: return "info";
	case LOG_NOTICE: return "notice";
	case LOG_WARNING: return "warning";
	case LOG_ERR: return "error";
	default: return "critical";
	}
}

/* One JSON object, one write(): lines of the processes sharing stderr do
 * not interleave. */
static void emit_json(int prio, const struct timespec *ts, char *msg)
{
	char when[40], line[1536];
	struct tm tm;
	json_t *o;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts->tv_nsec / 1000000);
	o = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ts", when, "level", level_name(prio),
		      "process", log_ident, "pid", (int)getpid(), "msg", msg);
	if (!o) {
		/* not UTF-8 (a name from the network, a script's output) */
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		o = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ts", when, "level", level_name(prio),
			      "process", log_ident, "pid", (int)getpid(), "msg", msg);
	}
	if (!o)
		return;
	n = json_dumpb(o, line, sizeof(line) - 1, JSON_COMPACT);
	json_decref(o);
	if (n == 0 || n >= sizeof(line) - 1)
		return;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

static void log_emit(int prio, const char *fmt, va_list ap, int errnum)
{
	char msg[1024];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (n < 0)
		return;
	if (errnum && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errnum));

	if (log_flags & LOG_F_JSON) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		emit_json(prio, &ts, msg);
	} else if (log_flags & LOG_F_CONSOLE) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		/* One write per line so lines from the parent and the
		 * children sharing stderr do not interleave. */
		dprintf(STDERR_FILENO, "%s.%03ld %s[%d]: %s\n", when,
			ts.tv_nsec / 1000000, log_ident, (int)getpid(), msg);
	} else {
		syslog(prio, "%s", msg);
	}
}

#define LOG_BODY(prio, errnum)                   \
	do {                                     \
		va_list ap;                      \
		va_start(ap, fmt);               \
		log_emit(prio, fmt, ap, errnum); \
		va_end(ap);                      \
	} while (0)

void log_debug(const char *fmt, ...)
{
	if (log_flags & LOG_F_DETAIL)
		LOG_BODY(LOG_DEBUG, 0);
}

void log_info(const char *fmt, ...) { LOG_BODY(LOG_INFO, 0); }
void log_notice(const char *fmt, ...) { LOG_BODY(LOG_NOTICE, 0); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_WARNING, 0); }
void log_errx(const char *fmt, ...) { LOG_BODY(LOG_ERR, 0); }

void log_warn(const char *fmt, ...)
{
	int e = errno;

	LOG_BODY(LOG_WARNING, e);
}

void log_fatal(const char *fmt, ...)
{
	int e = errno;

	LOG_BODY(LOG_CRIT, e);
	exit(EXIT_FAILURE);
}

void log_fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(EXIT_FAILURE);
}

int log_parse_facility(const char *s)
{
	static const int local[] = { LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
				     LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7 };

	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
		return local[s[0] - '0'];
	if (strncasecmp(s, "local", 5) == 0 && s[5] >= '0' && s[5] <= '7' && s[6] == '\0')
		return local[s[5] - '0'];
	if (strcasecmp(s, "user") == 0)
		return LOG_USER;
	if (strcasecmp(s, "daemon") == 0)
		return LOG_DAEMON;
	return -1;
}
