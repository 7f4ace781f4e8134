/*
 * addr.h - an IPv4 or IPv6 address, the one type the engines pass around.
 * Same layout as struct conf_addr, so a conf_addr converts by copy.
 */
#ifndef VIGIL_ADDR_H
#define VIGIL_ADDR_H

#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct vaddr {
	int family;                /* AF_INET, AF_INET6; AF_UNSPEC = unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

#define VADDR_STRLEN 48

static inline size_t vaddr_len(const struct vaddr *a)
{
	return a->family == AF_INET ? sizeof(a->u.v4) : a->family == AF_INET6 ? sizeof(a->u.v6) : 0;
}

/* Compare as unsigned big-endian numbers (RFC 5798 6.4.3: the higher
 * primary address wins a priority tie).  Different families: by family. */
static inline int vaddr_cmp(const struct vaddr *a, const struct vaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->u, &b->u, vaddr_len(a));
}

static inline bool vaddr_equal(const struct vaddr *a, const struct vaddr *b)
{
	return vaddr_cmp(a, b) == 0;
}

static inline bool vaddr_is_set(const struct vaddr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

/* Text form; "" when unset.  Returns buf. */
const char *vaddr_str(const struct vaddr *a, char buf[VADDR_STRLEN]);
/* Parse an address (no prefix).  Returns 0 or -1. */
int vaddr_parse(struct vaddr *a, const char *s);
/* "ADDR:PORT" or "[ADDR6]:PORT" (port 1..65535): 0, or -1. */
int vaddr_port_parse(const char *s, struct vaddr *a, int *port);

#endif /* VIGIL_ADDR_H */
