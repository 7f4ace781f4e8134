/*
 * addr.c - see addr.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "core/addr.h"

const char *vaddr_str(const struct vaddr *a, char buf[VADDR_STRLEN])
{
	buf[0] = '\0';
	if (vaddr_is_set(a))
		inet_ntop(a->family, &a->u, buf, VADDR_STRLEN);
	return buf;
}

int vaddr_parse(struct vaddr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

int vaddr_port_parse(const char *s, struct vaddr *a, int *port)
{
	char addr[INET6_ADDRSTRLEN + 1];
	size_t addrlen = sizeof(addr);
	const char *colon;
	size_t n;
	char *end;
	long p;

	if (!s || !*s)
		return -1;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - s - 1);
		s++;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -1;     /* an IPv6 address needs its brackets */
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= addrlen)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return vaddr_parse(a, addr);
}
