/*
 * kern_addr.h - interface addresses through rtnetlink (libnl-route-3).
 *
 * The only place vigil adds or removes an address.  Calls are synchronous
 * netlink round trips (tens of microseconds); they happen on state
 * transitions, never on the advert timer path.
 */
#ifndef VIGIL_KERN_ADDR_H
#define VIGIL_KERN_ADDR_H

#include <stdbool.h>

#include "core/addr.h"

struct kern_ifaddr {
	int ifindex;
	struct vaddr addr;
	int prefix;
	struct vaddr brd;          /* unset: none (IPv4 only) */
	int scope;                 /* RT_SCOPE_* */
	const char *label;         /* NULL: none (IPv4 only) */
};

int kern_addr_open(void);
void kern_addr_close(void);

/* Add an address.  Returns 0 (also when it was already there) or a
 * negative error for kern_addr_strerror(). */
int kern_addr_add(const struct kern_ifaddr *a);
/* Remove an address.  Returns 0 (also when it was not there) or an error. */
int kern_addr_del(const struct kern_ifaddr *a);
const char *kern_addr_strerror(int err);

/* The first address of `family` on ifindex: IPv4 the primary (first
 * non-secondary) one, IPv6 the link-local one, as VRRP wants for the
 * advert source (RFC 5798 5.1.1.1 / 5.1.2.1).  Returns 0 or -1. */
int kern_addr_primary(int ifindex, int family, struct vaddr *out);

/* Interface index by name, 0 when unknown. */
int kern_ifindex(const char *name);
/* Hardware address of an interface (6 bytes); 0 or -1. */
int kern_hwaddr(int ifindex, unsigned char mac[6]);

#endif /* VIGIL_KERN_ADDR_H */
