/*
 * kern_link.h - interfaces vigil creates: the VRRP virtual MAC interface
 * (use_vmac), a macvlan on the instance's interface carrying the RFC 5798
 * 7.3 virtual router MAC 00-00-5E-00-01-{VRID} (IPv6: 00-00-5E-00-02-{VRID}).
 */
#ifndef VIGIL_KERN_LINK_H
#define VIGIL_KERN_LINK_H

/* The virtual router MAC of RFC 5798 7.3. */
void kern_vrrp_mac(int family, int vrid, unsigned char mac[6]);

/* Create (or reuse) macvlan `name` in private mode on `base_ifindex` with
 * `mac`, bring it up, and stop the base interface from answering ARP for
 * addresses it does not hold.  Returns the new ifindex or a negative error
 * for kern_addr_strerror(). */
int kern_vmac_create(const char *name, int base_ifindex, const unsigned char mac[6]);
/* Remove it (0 also when it was gone). */
int kern_vmac_delete(const char *name);

#endif /* VIGIL_KERN_LINK_H */
