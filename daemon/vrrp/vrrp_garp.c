/*
 * vrrp_garp.c - see vrrp_garp.h.
 */
#include "config.h"

#include <errno.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrrp/vrrp_garp.h"

static int pkt_fd = -1;     /* AF_PACKET, send only (protocol 0: receives nothing) */
static int icmp6_fd = -1;

int vrrp_garp_open(void)
{
	int hops = 255;

	if (pkt_fd < 0)
		pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (icmp6_fd < 0) {
		icmp6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
		if (icmp6_fd >= 0) {
			struct icmp6_filter f;

			/* Send only: filter out every incoming ICMPv6 type. */
			ICMP6_FILTER_SETBLOCKALL(&f);
			setsockopt(icmp6_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
			setsockopt(icmp6_fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
			setsockopt(icmp6_fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops));
		}
	}
	return pkt_fd >= 0 && icmp6_fd >= 0 ? 0 : -1;
}

void vrrp_garp_close(void)
{
	if (pkt_fd >= 0)
		close(pkt_fd);
	if (icmp6_fd >= 0)
		close(icmp6_fd);
	pkt_fd = icmp6_fd = -1;
}

int vrrp_arp_watch_open(void)
{
	return socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ARP));
}

/* A gratuitous ARP request: sender and target IP are both the VIP, sent to
 * the broadcast address (RFC 5227 3 calls this an ARP Announcement). */
static int send_arp(int ifindex, const unsigned char mac[6], const struct in_addr *ip)
{
	struct __attribute__((packed)) {
		struct ether_header eth;
		struct arphdr arp;
		unsigned char sha[6];
		unsigned char spa[4];
		unsigned char tha[6];
		unsigned char tpa[4];
	} f;
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};

	memset(&f, 0, sizeof(f));
	memset(f.eth.ether_dhost, 0xff, ETH_ALEN);
	memcpy(f.eth.ether_shost, mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_ARP);
	f.arp.ar_hrd = htons(ARPHRD_ETHER);
	f.arp.ar_pro = htons(ETHERTYPE_IP);
	f.arp.ar_hln = ETH_ALEN;
	f.arp.ar_pln = 4;
	f.arp.ar_op = htons(ARPOP_REQUEST);
	memcpy(f.sha, mac, ETH_ALEN);
	memcpy(f.spa, ip, 4);
	memcpy(f.tpa, ip, 4);
	if (sendto(pkt_fd, &f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -1;
	return 0;
}

/* Unsolicited NA to all-nodes, Override set, with our link-layer address
 * (RFC 4861 7.2.6).  The kernel fills in the ICMPv6 checksum. */
static int send_na(int ifindex, const unsigned char mac[6], const struct in6_addr *ip)
{
	struct __attribute__((packed)) {
		struct nd_neighbor_advert na;
		struct nd_opt_hdr opt;
		unsigned char lladdr[6];
	} m;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };

	memset(&m, 0, sizeof(m));
	m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	m.na.nd_na_target = *ip;
	m.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	m.opt.nd_opt_len = 1;           /* in units of 8 bytes */
	memcpy(m.lladdr, mac, 6);
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	if (setsockopt(icmp6_fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0)
		return -1;
	if (sendto(icmp6_fd, &m, sizeof(m), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -1;
	return 0;
}

int vrrp_garp_send(int ifindex, const unsigned char mac[6], const struct vaddr *vip)
{
	if (vip->family == AF_INET)
		return pkt_fd < 0 ? (errno = EBADF, -1) : send_arp(ifindex, mac, &vip->u.v4);
	if (vip->family == AF_INET6)
		return icmp6_fd < 0 ? (errno = EBADF, -1) : send_na(ifindex, mac, &vip->u.v6);
	errno = EAFNOSUPPORT;
	return -1;
}
