/*
 * vrrp_sock.h - raw IP protocol 112 sockets, one per (interface, family),
 * shared by every instance on that interface (keepalived's socket pool).
 *
 * A socket is bound to its device, joined to the VRRP multicast group,
 * sends with TTL / hop limit 255 (RFC 5798 5.1.1.3) and a chosen source
 * address, and hands received packets up as struct vrrp_rx.
 */
#ifndef VIGIL_VRRP_SOCK_H
#define VIGIL_VRRP_SOCK_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/addr.h"
#include "vrrp/vrrp_pkt.h"

struct vrrp_sock {
	int fd;
	int ifindex;
	int family;
	char ifname[IF_NAMESIZE];
	struct vaddr group;          /* multicast group joined */
	unsigned refs;
	struct vrrp_sock *next;
	uint8_t buf[65536];          /* receive buffer; rx->data points into it */
};

/* Open (or share) the socket for ifname/family and join `group`.
 * Returns NULL with errno set. */
struct vrrp_sock *vrrp_sock_get(struct vrrp_sock **pool, const char *ifname, int family,
				const struct vaddr *group);
void vrrp_sock_put(struct vrrp_sock **pool, struct vrrp_sock *s);

/* Send one VRRP message from src (unset: the kernel chooses) to dst. */
int vrrp_sock_send(struct vrrp_sock *s, const struct vaddr *src, const struct vaddr *dst,
		   const uint8_t *msg, size_t len);

/* Receive one packet.  Returns 1 with rx filled (IPv4: the IP header has
 * been checked and removed; a bad one gives 1 with *err set), 0 when
 * nothing is pending, -1 on a socket error. */
int vrrp_sock_recv(struct vrrp_sock *s, struct vrrp_rx *rx, enum vrrp_rx_err *err);

#endif /* VIGIL_VRRP_SOCK_H */
