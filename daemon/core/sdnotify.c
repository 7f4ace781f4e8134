/*
 * sdnotify.c - see sdnotify.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/sdnotify.h"

static struct sockaddr_un notify_sa;
static size_t notify_len;

size_t sdnotify_addr(const char *value, struct sockaddr_un *sa)
{
	size_t n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!value || (value[0] != '/' && value[0] != '@'))
		return 0;
	n = strlen(value);
	if (n < 2 || n > sizeof(sa->sun_path))
		return 0;
	if (n == sizeof(sa->sun_path) && value[0] == '/')
		return 0;       /* a path needs room for its NUL */
	memcpy(sa->sun_path, value, n);
	if (value[0] == '@')
		sa->sun_path[0] = '\0';   /* abstract: no NUL, the length counts */
	return offsetof(struct sockaddr_un, sun_path) + n + (value[0] == '/');
}

void sdnotify_init(void)
{
	notify_len = sdnotify_addr(getenv("NOTIFY_SOCKET"), &notify_sa);
	unsetenv("NOTIFY_SOCKET");
}

int sdnotify(const char *msg)
{
	int fd, r, e;

	if (!notify_len)
		return 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	r = (int)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&notify_sa,
			(socklen_t)notify_len);
	e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 0;
}

int sdnotifyf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!notify_len)
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sdnotify(buf);
}
