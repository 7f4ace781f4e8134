/*
 * log.h - logging for every vigil process.
 *
 * log_warn/log_fatal append strerror(errno); the *x variants do not
 * (relayd's convention).  Messages go to syslog (ident per process, facility
 * from -S) or, with -l, to stderr with a timestamp; with --log-format=json
 * to stderr as {"ts","level","process","pid","msg"} objects, one a line.
 *
 * Logging costs a system call or more per line (syslog without /dev/log can
 * take over a millisecond): never log on a protocol timer's path without a
 * rate limit.
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdbool.h>
#include <stdnoreturn.h>

#define LOG_F_CONSOLE 0x1   /* stderr instead of syslog */
#define LOG_F_DETAIL  0x2   /* log_debug lines too (-D) */
#define LOG_F_JSON    0x4   /* one JSON object per line on stderr (--log-format=json) */

void log_init(const char *ident, unsigned flags, int facility);
/* Rename this process in the logs (children after fork). */
void log_set_ident(const char *ident);
bool log_detail(void);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void log_fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse -S: 0-7, local0-local7, user, daemon.  Returns -1 if invalid. */
int log_parse_facility(const char *s);

#endif /* VIGIL_LOG_H */
