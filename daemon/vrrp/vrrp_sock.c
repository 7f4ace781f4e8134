/*
 * vrrp_sock.c - see vrrp_sock.h.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrrp/vrrp_sock.h"

static int sock_open(struct vrrp_sock *s)
{
	int one = 1, zero = 0, ttl = VRRP_TTL;
	int fd = socket(s->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IPPROTO);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, s->ifname, (socklen_t)strlen(s->ifname) + 1) < 0)
		goto fail;
	if (s->family == AF_INET) {
		struct ip_mreqn mr = { .imr_multiaddr = s->group.u.v4, .imr_ifindex = s->ifindex };

		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			goto fail;
	} else {
		struct ipv6_mreq mr = { .ipv6mr_multiaddr = s->group.u.v6,
					.ipv6mr_interface = (unsigned)s->ifindex };

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &s->ifindex, sizeof(s->ifindex)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			goto fail;
	}
	s->fd = fd;
	return 0;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

struct vrrp_sock *vrrp_sock_get(struct vrrp_sock **pool, const char *ifname, int family,
				const struct vaddr *group)
{
	struct vrrp_sock *s;
	unsigned idx = if_nametoindex(ifname);

	if (!idx) {
		errno = ENODEV;
		return NULL;
	}
	for (s = *pool; s; s = s->next) {
		if (s->ifindex == (int)idx && s->family == family) {
			s->refs++;
			return s;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ifindex = (int)idx;
	s->family = family;
	s->group = *group;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	if (sock_open(s) < 0) {
		int e = errno;

		free(s);
		errno = e;
		return NULL;
	}
	s->refs = 1;
	s->next = *pool;
	*pool = s;
	return s;
}

void vrrp_sock_put(struct vrrp_sock **pool, struct vrrp_sock *s)
{
	struct vrrp_sock **p;

	if (!s || --s->refs)
		return;
	for (p = pool; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	close(s->fd);
	free(s);
}

int vrrp_sock_send(struct vrrp_sock *s, const struct vaddr *src, const struct vaddr *dst,
		   const uint8_t *msg, size_t len)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} to;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	memset(&to, 0, sizeof(to));
	memset(&ctl, 0, sizeof(ctl));
	if (s->family == AF_INET) {
		to.v4.sin_family = AF_INET;
		to.v4.sin_addr = dst->u.v4;
		mh.msg_namelen = sizeof(to.v4);
		if (vaddr_is_set(src)) {
			struct in_pktinfo pi = { .ipi_ifindex = s->ifindex, .ipi_spec_dst = src->u.v4 };

			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	} else {
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)s->ifindex };

		to.v6.sin6_family = AF_INET6;
		to.v6.sin6_addr = dst->u.v6;
		to.v6.sin6_scope_id = (uint32_t)s->ifindex;
		mh.msg_namelen = sizeof(to.v6);
		if (vaddr_is_set(src))
			pi.ipi6_addr = src->u.v6;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	do
		n = sendmsg(s->fd, &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

int vrrp_sock_recv(struct vrrp_sock *s, struct vrrp_rx *rx, enum vrrp_rx_err *err)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = s->buf, .iov_len = sizeof(s->buf) };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;

	do
		n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	memset(rx, 0, sizeof(*rx));
	*err = VRRP_RX_OK;
	if (s->family == AF_INET) {
		*err = vrrp_pkt_split_ip4(s->buf, (size_t)n, rx);
		return 1;
	}
	rx->family = AF_INET6;
	rx->data = s->buf;
	rx->len = (size_t)n;
	rx->ttl = -1;
	rx->src.family = AF_INET6;
	rx->src.u.v6 = from.v6.sin6_addr;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_HOPLIMIT) {
			int hl;

			memcpy(&hl, CMSG_DATA(cm), sizeof(hl));
			rx->ttl = hl;
		} else if (cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			rx->dst.family = AF_INET6;
			rx->dst.u.v6 = pi.ipi6_addr;
		}
	}
	return 1;
}
