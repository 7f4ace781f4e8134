/*
 * vrrp_garp.h - tell the LAN where a virtual address now lives: gratuitous
 * ARP for IPv4 (AF_PACKET), unsolicited Neighbor Advertisement for IPv6
 * (RFC 4861 7.2.6, ICMPv6 raw socket, hop limit 255).
 */
#ifndef VIGIL_VRRP_GARP_H
#define VIGIL_VRRP_GARP_H

#include "core/addr.h"

int vrrp_garp_open(void);
void vrrp_garp_close(void);
/* A socket that receives every ARP packet of the namespace (AF_PACKET,
 * SOCK_DGRAM, non-blocking), for split-brain evidence; -1 on failure. */
int vrrp_arp_watch_open(void);

/* Announce `vip` on ifindex as owned by `mac`.  0 or -1 (errno). */
int vrrp_garp_send(int ifindex, const unsigned char mac[6], const struct vaddr *vip);

#endif /* VIGIL_VRRP_GARP_H */
