/*
 * kern_link.c - see kern_link.h.
 */
#include "config.h"

#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <stdio.h>
#include <string.h>

#include "kern/kern_link.h"

void kern_vrrp_mac(int family, int vrid, unsigned char mac[6])
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = family == AF_INET6 ? 0x02 : 0x01;
	mac[5] = (unsigned char)vrid;
}

static void write_sysctl(const char *path, const char *value)
{
	FILE *f = fopen(path, "we");

	if (f) {
		fputs(value, f);
		fclose(f);
	}
}

static int with_sock(struct nl_sock **out)
{
	struct nl_sock *s = nl_socket_alloc();

	if (!s)
		return -NLE_NOMEM;
	if (nl_connect(s, NETLINK_ROUTE) < 0) {
		nl_socket_free(s);
		return -NLE_FAILURE;
	}
	*out = s;
	return 0;
}

int kern_vmac_create(const char *name, int base_ifindex, const unsigned char mac[6])
{
	struct nl_sock *s;
	struct rtnl_link *l;
	struct nl_addr *a;
	char base[IF_NAMESIZE], path[128];
	int err, idx;

	if ((err = with_sock(&s)) < 0)
		return err;
	l = rtnl_link_macvlan_alloc();
	a = nl_addr_build(AF_LLC, mac, 6);
	if (!l || !a) {
		err = -NLE_NOMEM;
		goto out;
	}
	rtnl_link_set_name(l, name);
	rtnl_link_set_link(l, base_ifindex);
	rtnl_link_set_addr(l, a);
	rtnl_link_set_flags(l, IFF_UP);
	rtnl_link_macvlan_set_mode(l, MACVLAN_MODE_PRIVATE);
	err = rtnl_link_add(s, l, NLM_F_CREATE);
	if (err == -NLE_EXIST)
		err = 0;
	if (err < 0)
		goto out;
	idx = (int)if_nametoindex(name);
	if (!idx) {
		err = -NLE_NODEV;
		goto out;
	}
	/* ARP must answer for each address with the MAC of the interface it
	 * is on: arp_ignore 1 (reply only for addresses of the receiving
	 * interface) on both, so the base interface does not answer for the
	 * VIPs with its real MAC, nor the vmac for the base's own addresses
	 * with the virtual one. */
	if (if_indextoname((unsigned)base_ifindex, base)) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_ignore", base);
		write_sysctl(path, "1");
	}
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_ignore", name);
	write_sysctl(path, "1");
	err = idx;
out:
	if (a)
		nl_addr_put(a);
	if (l)
		rtnl_link_put(l);
	nl_socket_free(s);
	return err;
}

int kern_vmac_delete(const char *name)
{
	struct nl_sock *s;
	struct rtnl_link *l;
	int err;

	if ((err = with_sock(&s)) < 0)
		return err;
	l = rtnl_link_alloc();
	if (!l) {
		nl_socket_free(s);
		return -NLE_NOMEM;
	}
	rtnl_link_set_name(l, name);
	err = rtnl_link_delete(s, l);
	rtnl_link_put(l);
	nl_socket_free(s);
	return err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND ? 0 : err;
}
