/*
 * vrrp_pkt.h - VRRP advertisements as bytes: build, parse, check.
 *
 * Pure code: no socket, no instance, no clock, no logging.  The receive
 * path has two stages (FRR's split):
 *   1. vrrp_pkt_parse() checks the packet on its own (RFC 3768 7.1,
 *      RFC 5798 7.1): TTL/hop limit, version, type, length, checksum;
 *   2. vrrp_pkt_check() checks it against one instance's expectations:
 *      authentication (v2), advertisement interval (v2), address list.
 * Each stage returns a reason code; every reason has a counter (struct
 * vrrp_rx_stats) that the SNMP tables of RFC 2787 / RFC 6527 export.
 *
 * Formats:
 *   VRRPv2 (RFC 3768 5.1), IPv4 only:
 *     ver=2|type=1, VRID, Priority, Count IP Addrs, Auth Type, Adver Int (s),
 *     Checksum, IPv4 addresses, Authentication Data (8 bytes)
 *     checksum over the VRRP message only.
 *   VRRPv3 (RFC 5798 5.1), IPv4 and IPv6:
 *     ver=3|type=1, VRID, Priority, Count IPvX Addr, rsvd(4)|Max Adver Int
 *     (12 bits, centiseconds), Checksum, addresses
 *     checksum over the pseudo-header (RFC 5798 5.2.8: src, dst, length,
 *     protocol 112) and the VRRP message.
 */
#ifndef VIGIL_VRRP_PKT_H
#define VIGIL_VRRP_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

#define VRRP_IPPROTO        112
#define VRRP_TTL            255          /* RFC 3768 5.2.3 / RFC 5798 5.1.1.3 */
#define VRRP_TYPE_ADVERT    1
#define VRRP_PRIO_STOP      0            /* master is leaving */
#define VRRP_PRIO_OWNER     255          /* owns the addresses */
#define VRRP_AUTH_NONE      0
#define VRRP_AUTH_PASS      1            /* RFC 3768 5.3.6, simple text password */
#define VRRP_AUTH_AH        2            /* deprecated; vigil neither sends nor accepts it */
#define VRRP_AUTH_LEN       8
#define VRRP_HDR_LEN        8
#define VRRP_MAX_ADDRS      255
#define VRRP_V3_MAX_ADVER_CS 4095        /* 12 bits of centiseconds */
#define VRRP_MAX_PKT        (VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16 + VRRP_AUTH_LEN)

/* Why a received packet was not used.  The comment names the RFC 2787
 * (v2) / RFC 6527 (v3) counter it feeds. */
enum vrrp_rx_err {
	VRRP_RX_OK = 0,
	/* stage 1: the packet on its own */
	VRRP_RX_TRUNCATED,          /* shorter than its headers: PacketLengthErrors */
	VRRP_RX_BAD_IP,             /* IPv4 header malformed or not protocol 112 */
	VRRP_RX_BAD_TTL,            /* TTL / hop limit not 255: IpTtlErrors */
	VRRP_RX_BAD_VERSION,        /* not 2 or 3, or v2 over IPv6: VersionErrors */
	VRRP_RX_BAD_TYPE,           /* type not ADVERTISEMENT: InvalidTypePktsRcvd */
	VRRP_RX_BAD_LENGTH,         /* address count does not fit the length: PacketLengthErrors */
	VRRP_RX_BAD_CHECKSUM,       /* ChecksumErrors */
	/* dispatch: no instance has this VRID on this interface */
	VRRP_RX_UNKNOWN_VRID,       /* VrIdErrors */
	/* stage 2: against one instance */
	VRRP_RX_VERSION_MISMATCH,   /* a version the instance does not run: VersionErrors */
	VRRP_RX_INVALID_AUTH_TYPE,  /* v2 auth type not 0, 1 or 2: InvalidAuthType */
	VRRP_RX_AUTH_TYPE_MISMATCH, /* v2 auth type differs from ours: AuthTypeMismatch */
	VRRP_RX_AUTH_FAILURE,       /* v2 password differs: AuthFailures */
	VRRP_RX_INTERVAL_MISMATCH,  /* v2 Adver Int differs from ours: AdvertiseIntervalErrors */
	VRRP_RX_ADDR_LIST_MISMATCH, /* addresses differ from our VIPs: AddressListErrors */
	VRRP_RX__COUNT
};

/* "bad checksum", ... (for logs and the API). */
const char *vrrp_rx_err_str(enum vrrp_rx_err e);

/* Counters, one per reason (index VRRP_RX_OK counts accepted adverts). */
struct vrrp_rx_stats {
	uint64_t n[VRRP_RX__COUNT];
};

/* A received packet as the socket layer hands it up. */
struct vrrp_rx {
	int family;                 /* AF_INET or AF_INET6 */
	const uint8_t *data;        /* the VRRP message (IP header removed) */
	size_t len;
	struct vaddr src;           /* IP source */
	struct vaddr dst;           /* IP destination (for the v3 checksum) */
	int ttl;                    /* TTL / hop limit; -1 when unknown (not checked) */
};

/* IPv4 raw sockets deliver the IP header: check it (version 4, IHL, total
 * length within len, protocol 112) and fill rx with the VRRP part, the
 * addresses and the TTL.  buf must outlive rx. */
enum vrrp_rx_err vrrp_pkt_split_ip4(const uint8_t *buf, size_t len, struct vrrp_rx *rx);

/* An ARP packet as an AF_PACKET SOCK_DGRAM socket gives it (no Ethernet
 * header) that claims an IPv4 address: a reply, or a gratuitous request
 * (sender IP = target IP).  1 with the claim in *sha / *spa, 0 for any
 * other ARP packet, or a malformed one.  Split-brain evidence: another MAC
 * claiming one of a master's VIPs. */
int vrrp_pkt_arp_claim(const uint8_t *buf, size_t len, uint8_t sha[6], uint8_t spa[4]);

/* A decoded advertisement.  Addresses stay in the packet: read them with
 * vrrp_adv_addr(). */
struct vrrp_adv {
	uint8_t version;
	uint8_t type;
	uint8_t vrid;
	uint8_t priority;
	uint8_t count_addr;
	uint8_t auth_type;          /* v2; 0 for v3 */
	uint16_t adver_int_cs;      /* v3: Max Adver Int; v2: Adver Int * 100 */
	uint16_t checksum;
	int family;
	struct vaddr src;
	const uint8_t *addrs;       /* count_addr addresses of family's size */
	uint8_t auth_data[VRRP_AUTH_LEN];   /* v2 */
};

/* Stage 1.  On VRRP_RX_OK, adv is filled (and valid while rx->data is). */
enum vrrp_rx_err vrrp_pkt_parse(const struct vrrp_rx *rx, struct vrrp_adv *adv);

/* The i-th address of an advertisement (i < count_addr). */
void vrrp_adv_addr(const struct vrrp_adv *adv, size_t i, struct vaddr *out);

/* What one instance accepts. */
struct vrrp_expect {
	uint8_t version;
	uint8_t auth_type;          /* v2: VRRP_AUTH_NONE or VRRP_AUTH_PASS */
	uint8_t auth_pass[VRRP_AUTH_LEN];   /* zero padded */
	uint16_t adver_int_cs;      /* v2: checked against the packet's */
	const struct vaddr *vips;   /* compared as sets (order does not matter) */
	size_t n_vips;
	bool check_addrs;           /* false with vrrp_skip_check_adv_addr */
};

/* Stage 2 (RFC 3768 7.1 / RFC 5798 7.1, the instance's part). */
enum vrrp_rx_err vrrp_pkt_check(const struct vrrp_adv *adv, const struct vrrp_expect *e);

/* An advertisement to send. */
struct vrrp_tx {
	uint8_t version;
	uint8_t vrid;
	uint8_t priority;
	uint8_t auth_type;          /* v2 */
	uint8_t auth_pass[VRRP_AUTH_LEN];
	uint16_t adver_int_cs;      /* v2: rounded to whole seconds, at least 1 */
	int family;
	struct vaddr src;           /* for the v3 pseudo-header */
	struct vaddr dst;
	const struct vaddr *addrs;  /* of `family`; others are skipped */
	size_t n_addrs;
};

/* Write the VRRP message (no IP header) into buf.  Returns its length, or
 * 0 when cap is too small or tx is invalid (v2 with IPv6, > 255 addresses). */
size_t vrrp_pkt_build(uint8_t *buf, size_t cap, const struct vrrp_tx *tx);

#endif /* VIGIL_VRRP_PKT_H */
