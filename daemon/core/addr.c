/*
 * addr.c - see addr.h.
 */
#include "config.h"

#include <arpa/inet.h>

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
