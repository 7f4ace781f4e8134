/*
 * kern_addr.c - see kern_addr.h.
 */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kern/kern_addr.h"

static struct nl_sock *nl;

int kern_addr_open(void)
{
	if (nl)
		return 0;
	nl = nl_socket_alloc();
	if (!nl)
		return -ENOMEM;
	if (nl_connect(nl, NETLINK_ROUTE) < 0) {
		nl_socket_free(nl);
		nl = NULL;
		return -EIO;
	}
	return 0;
}

void kern_addr_close(void)
{
	if (nl)
		nl_socket_free(nl);
	nl = NULL;
}

static struct nl_addr *to_nl(const struct vaddr *a, int prefix)
{
	struct nl_addr *n = nl_addr_build(a->family, &a->u, vaddr_len(a));

	if (n && prefix >= 0)
		nl_addr_set_prefixlen(n, prefix);
	return n;
}

static struct rtnl_addr *build(const struct kern_ifaddr *a)
{
	struct rtnl_addr *r = rtnl_addr_alloc();
	struct nl_addr *local;

	if (!r)
		return NULL;
	local = to_nl(&a->addr, a->prefix);
	if (!local) {
		rtnl_addr_put(r);
		return NULL;
	}
	rtnl_addr_set_ifindex(r, a->ifindex);
	rtnl_addr_set_family(r, a->addr.family);
	rtnl_addr_set_local(r, local);
	rtnl_addr_set_prefixlen(r, a->prefix);
	rtnl_addr_set_scope(r, a->scope);
	nl_addr_put(local);
	if (a->addr.family == AF_INET && vaddr_is_set(&a->brd)) {
		struct nl_addr *b = to_nl(&a->brd, -1);

		if (b) {
			rtnl_addr_set_broadcast(r, b);
			nl_addr_put(b);
		}
	}
	if (a->addr.family == AF_INET && a->label)
		rtnl_addr_set_label(r, a->label);
	/* A VIP must never be a DAD candidate: it moves between nodes. */
	if (a->addr.family == AF_INET6)
		rtnl_addr_set_flags(r, IFA_F_NODAD);
	return r;
}

/* One netlink request for `a`: add (replace) or delete. */
static int addr_op(const struct kern_ifaddr *a, bool add)
{
	struct rtnl_addr *r;
	int err;

	if (!nl && kern_addr_open() < 0)
		return -NLE_FAILURE;
	r = build(a);
	if (!r)
		return -NLE_NOMEM;
	err = add ? rtnl_addr_add(nl, r, NLM_F_REPLACE) : rtnl_addr_delete(nl, r, 0);
	rtnl_addr_put(r);
	return err;
}

int kern_addr_add(const struct kern_ifaddr *a)
{
	int err = addr_op(a, true);

	return err == -NLE_EXIST ? 0 : err;
}

int kern_addr_del(const struct kern_ifaddr *a)
{
	int err = addr_op(a, false);

	/* Not there (any more): the goal is reached. */
	if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return 0;
	return err;
}

const char *kern_addr_strerror(int err)
{
	return nl_geterror(err);
}

int kern_addr_primary(int ifindex, int family, struct vaddr *out)
{
	struct ifaddrs *ifa, *i;
	char name[IF_NAMESIZE];
	int r = -1;

	if (!if_indextoname((unsigned)ifindex, name) || getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family || strcmp(i->ifa_name, name) != 0)
			continue;
		memset(out, 0, sizeof(*out));
		out->family = family;
		if (family == AF_INET) {
			out->u.v4 = ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		} else {
			struct in6_addr *a6 = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;

			if (!IN6_IS_ADDR_LINKLOCAL(a6))
				continue;
			out->u.v6 = *a6;
		}
		r = 0;
		break;   /* getifaddrs lists the primary IPv4 address first */
	}
	freeifaddrs(ifa);
	return r;
}

int kern_ifindex(const char *name)
{
	return name ? (int)if_nametoindex(name) : 0;
}

int kern_hwaddr(int ifindex, unsigned char mac[6])
{
	struct ifreq ifr;
	int fd, r = -1;

	memset(&ifr, 0, sizeof(ifr));
	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
		r = 0;
	}
	close(fd);
	return r;
}
