/*
 * vrrp_pkt.c - VRRP advertisements as bytes: build, parse, check.
 *
 * The packet is untrusted: every field is read byte by byte from the
 * buffer (no struct overlay, so no alignment or padding assumptions), and
 * every length is checked before the bytes behind it are read.
 */
#include "config.h"

#include <string.h>

#include "vrrp/vrrp_pkt.h"

#define IP4_HDR_MIN     20
#define IP4_ALEN        4
#define IP6_ALEN        16

/* Offsets in the VRRP header (RFC 3768 5.1, RFC 5798 5.1). */
#define OFF_VER_TYPE    0
#define OFF_VRID        1
#define OFF_PRIO        2
#define OFF_COUNT       3
#define OFF_AUTH_TYPE   4       /* v2 */
#define OFF_ADVER_INT   5       /* v2: seconds */
#define OFF_MAX_ADVER   4       /* v3: rsvd(4) | 12 bits of centiseconds */
#define OFF_CSUM        6

const char *vrrp_rx_err_str(enum vrrp_rx_err e)
{
	switch (e) {
	case VRRP_RX_OK:                 return "ok";
	case VRRP_RX_TRUNCATED:          return "packet truncated";
	case VRRP_RX_BAD_IP:             return "bad IP header";
	case VRRP_RX_BAD_TTL:            return "TTL not 255";
	case VRRP_RX_BAD_VERSION:        return "bad version";
	case VRRP_RX_BAD_TYPE:           return "not an advertisement";
	case VRRP_RX_BAD_LENGTH:         return "address count does not fit length";
	case VRRP_RX_BAD_CHECKSUM:       return "bad checksum";
	case VRRP_RX_UNKNOWN_VRID:       return "unknown VRID";
	case VRRP_RX_VERSION_MISMATCH:   return "version mismatch";
	case VRRP_RX_INVALID_AUTH_TYPE:  return "invalid authentication type";
	case VRRP_RX_AUTH_TYPE_MISMATCH: return "authentication type mismatch";
	case VRRP_RX_AUTH_FAILURE:       return "authentication failure";
	case VRRP_RX_INTERVAL_MISMATCH:  return "advertisement interval mismatch";
	case VRRP_RX_ADDR_LIST_MISMATCH: return "address list mismatch";
	case VRRP_RX__COUNT:             break;
	}
	return "unknown reason";
}

static size_t family_alen(int family)
{
	return family == AF_INET ? IP4_ALEN : family == AF_INET6 ? IP6_ALEN : 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071: the 32-bit running sum of 16-bit big-endian words; an odd
 * trailing byte is padded with zero.  Inputs here are at most a few KB,
 * far from overflowing 32 bits. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header of RFC 5798 5.2.8: for IPv4 the 12 bytes src, dst,
 * zero, protocol, 16-bit length (RFC 768); for IPv6 the 40 bytes of
 * RFC 8200 8.1: src, dst, 32-bit length, 3 zero bytes, next header. */
static uint32_t csum_pseudo(int family, const struct vaddr *src, const struct vaddr *dst,
			    size_t len)
{
	uint8_t ph[40];
	size_t n;

	memset(ph, 0, sizeof(ph));
	if (family == AF_INET) {
		memcpy(ph, &src->u.v4, IP4_ALEN);
		memcpy(ph + 4, &dst->u.v4, IP4_ALEN);
		ph[9] = VRRP_IPPROTO;
		put16(ph + 10, (uint16_t)len);
		n = 12;
	} else {
		memcpy(ph, &src->u.v6, IP6_ALEN);
		memcpy(ph + 16, &dst->u.v6, IP6_ALEN);
		put16(ph + 32, (uint16_t)(len >> 16));
		put16(ph + 34, (uint16_t)len);
		ph[39] = VRRP_IPPROTO;
		n = 40;
	}
	return csum_add(0, ph, n);
}

/* The one's complement sum over the message (and, for v3, the
 * pseudo-header).  With the checksum field zeroed, its complement is the
 * checksum to send; over a received message it is 0xffff when intact. */
static uint16_t vrrp_csum_sum(int version, int family, const struct vaddr *src,
			      const struct vaddr *dst, const uint8_t *msg, size_t len)
{
	uint32_t sum = 0;

	if (version == 3)
		sum = csum_pseudo(family, src, dst, len);
	return csum_fold(csum_add(sum, msg, len));
}

enum vrrp_rx_err vrrp_pkt_split_ip4(const uint8_t *buf, size_t len, struct vrrp_rx *rx)
{
	size_t ihl, tot;

	memset(rx, 0, sizeof(*rx));
	rx->ttl = -1;
	if (!buf || len < IP4_HDR_MIN)
		return VRRP_RX_TRUNCATED;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	tot = get16(buf + 2);
	if (buf[0] >> 4 != 4 || ihl < IP4_HDR_MIN || tot < ihl || tot > len)
		return VRRP_RX_BAD_IP;
	if (buf[9] != VRRP_IPPROTO)
		return VRRP_RX_BAD_IP;

	rx->family = AF_INET;
	rx->ttl = buf[8];
	rx->src.family = AF_INET;
	memcpy(&rx->src.u.v4, buf + 12, IP4_ALEN);
	rx->dst.family = AF_INET;
	memcpy(&rx->dst.u.v4, buf + 16, IP4_ALEN);
	/* The total length, not what recv() returned, bounds the payload:
	 * anything behind it is not part of the datagram. */
	rx->data = buf + ihl;
	rx->len = tot - ihl;
	return VRRP_RX_OK;
}

/* RFC 3768 7.1 / RFC 5798 7.1: the checks that need no instance.  The
 * checksum covers the whole received message (rx->len) even when it is
 * longer than its addresses need: that is what the sender summed. */
enum vrrp_rx_err vrrp_pkt_parse(const struct vrrp_rx *rx, struct vrrp_adv *adv)
{
	const uint8_t *p = rx->data;
	size_t alen = family_alen(rx->family);
	size_t need;
	uint8_t version, type, count;

	memset(adv, 0, sizeof(*adv));
	if (!p || rx->len < VRRP_HDR_LEN)
		return VRRP_RX_TRUNCATED;
	if (alen == 0)
		return VRRP_RX_BAD_IP;
	if (rx->ttl >= 0 && rx->ttl != VRRP_TTL)
		return VRRP_RX_BAD_TTL;

	version = p[OFF_VER_TYPE] >> 4;
	type = p[OFF_VER_TYPE] & 0x0f;
	/* RFC 5798 8.4: VRRPv2 exists only for IPv4. */
	if (!(version == 3 || (version == 2 && rx->family == AF_INET)))
		return VRRP_RX_BAD_VERSION;
	if (type != VRRP_TYPE_ADVERT)
		return VRRP_RX_BAD_TYPE;

	count = p[OFF_COUNT];
	need = VRRP_HDR_LEN + (size_t)count * alen + (version == 2 ? VRRP_AUTH_LEN : 0);
	if (count == 0 || rx->len < need)
		return VRRP_RX_BAD_LENGTH;
	/* v3 pseudo-header lengths are 16 bits (IPv4); a longer payload
	 * cannot have come in one datagram. */
	if (rx->len > 0xffff)
		return VRRP_RX_BAD_LENGTH;

	if (vrrp_csum_sum(version, rx->family, &rx->src, &rx->dst, p, rx->len) != 0xffff)
		return VRRP_RX_BAD_CHECKSUM;

	adv->version = version;
	adv->type = type;
	adv->vrid = p[OFF_VRID];
	adv->priority = p[OFF_PRIO];
	adv->count_addr = count;
	adv->checksum = get16(p + OFF_CSUM);
	adv->family = rx->family;
	adv->src = rx->src;
	adv->addrs = p + VRRP_HDR_LEN;
	if (version == 2) {
		adv->auth_type = p[OFF_AUTH_TYPE];
		adv->adver_int_cs = (uint16_t)(p[OFF_ADVER_INT] * 100);
		memcpy(adv->auth_data, adv->addrs + (size_t)count * alen, VRRP_AUTH_LEN);
	} else {
		/* RFC 5798 5.2.5: the reserved bits are ignored on receive. */
		adv->adver_int_cs = get16(p + OFF_MAX_ADVER) & 0x0fff;
	}
	return VRRP_RX_OK;
}

void vrrp_adv_addr(const struct vrrp_adv *adv, size_t i, struct vaddr *out)
{
	size_t alen = family_alen(adv->family);

	memset(out, 0, sizeof(*out));
	if (i >= adv->count_addr || alen == 0 || !adv->addrs)
		return;
	out->family = adv->family;
	memcpy(&out->u, adv->addrs + i * alen, alen);
}

/* The v2 Adver Int for an interval in centiseconds: whole seconds,
 * rounded, 1..255 (RFC 3768 5.3.7). */
static uint8_t v2_adver_int(uint16_t cs)
{
	unsigned s = (cs + 50u) / 100u;

	return (uint8_t)(s < 1 ? 1 : s > 255 ? 255 : s);
}

static bool addr_in_adv(const struct vrrp_adv *adv, size_t alen, const struct vaddr *a)
{
	size_t i;

	for (i = 0; i < adv->count_addr; i++)
		if (memcmp(adv->addrs + i * alen, &a->u, alen) == 0)
			return true;
	return false;
}

static bool addr_in_vips(const struct vrrp_expect *e, int family, const uint8_t *a)
{
	size_t i;

	for (i = 0; i < e->n_vips; i++)
		if (e->vips[i].family == family && memcmp(&e->vips[i].u, a, family_alen(family)) == 0)
			return true;
	return false;
}

/* RFC 3768 7.1 / RFC 5798 7.1: the packet's addresses and our VIPs of its
 * family must be the same set.  At most 255 x n_vips comparisons. */
static bool addr_sets_equal(const struct vrrp_adv *adv, const struct vrrp_expect *e)
{
	size_t alen = family_alen(adv->family);
	size_t i;

	for (i = 0; i < adv->count_addr; i++)
		if (!addr_in_vips(e, adv->family, adv->addrs + i * alen))
			return false;
	for (i = 0; i < e->n_vips; i++)
		if (e->vips[i].family == adv->family && !addr_in_adv(adv, alen, &e->vips[i]))
			return false;
	return true;
}

enum vrrp_rx_err vrrp_pkt_check(const struct vrrp_adv *adv, const struct vrrp_expect *e)
{
	if (adv->version != e->version)
		return VRRP_RX_VERSION_MISMATCH;
	if (adv->version == 2) {
		/* RFC 3768 7.1: auth type, password, then interval. */
		if (adv->auth_type > VRRP_AUTH_AH)
			return VRRP_RX_INVALID_AUTH_TYPE;
		if (adv->auth_type != e->auth_type)
			return VRRP_RX_AUTH_TYPE_MISMATCH;
		if (adv->auth_type == VRRP_AUTH_PASS &&
		    memcmp(adv->auth_data, e->auth_pass, VRRP_AUTH_LEN) != 0)
			return VRRP_RX_AUTH_FAILURE;
		/* Compare with what we send ourselves, so that two routers
		 * with the same (non-whole-second) config agree. */
		if (adv->adver_int_cs != v2_adver_int(e->adver_int_cs) * 100)
			return VRRP_RX_INTERVAL_MISMATCH;
	}
	if (e->check_addrs && !addr_sets_equal(adv, e))
		return VRRP_RX_ADDR_LIST_MISMATCH;
	return VRRP_RX_OK;
}

size_t vrrp_pkt_build(uint8_t *buf, size_t cap, const struct vrrp_tx *tx)
{
	size_t alen = family_alen(tx->family);
	size_t count = 0, len, i;
	uint8_t *a;

	if (alen == 0 || (tx->version != 2 && tx->version != 3))
		return 0;
	if (tx->version == 2 && (tx->family != AF_INET || tx->auth_type > VRRP_AUTH_PASS))
		return 0;
	/* The v3 checksum needs the IP addresses the packet will carry. */
	if (tx->version == 3 && (tx->src.family != tx->family || tx->dst.family != tx->family))
		return 0;
	for (i = 0; i < tx->n_addrs; i++)
		if (tx->addrs[i].family == tx->family)
			count++;
	/* An advert without addresses is rejected by every receiver. */
	if (count == 0 || count > VRRP_MAX_ADDRS)
		return 0;
	len = VRRP_HDR_LEN + count * alen + (tx->version == 2 ? VRRP_AUTH_LEN : 0);
	if (!buf || cap < len)
		return 0;

	memset(buf, 0, len);
	buf[OFF_VER_TYPE] = (uint8_t)(tx->version << 4 | VRRP_TYPE_ADVERT);
	buf[OFF_VRID] = tx->vrid;
	buf[OFF_PRIO] = tx->priority;
	buf[OFF_COUNT] = (uint8_t)count;
	if (tx->version == 2) {
		buf[OFF_AUTH_TYPE] = tx->auth_type;
		buf[OFF_ADVER_INT] = v2_adver_int(tx->adver_int_cs);
	} else {
		uint16_t cs = tx->adver_int_cs;

		if (cs < 1)
			cs = 1;
		if (cs > VRRP_V3_MAX_ADVER_CS)
			cs = VRRP_V3_MAX_ADVER_CS;
		put16(buf + OFF_MAX_ADVER, cs);     /* reserved bits stay zero */
	}

	a = buf + VRRP_HDR_LEN;
	for (i = 0; i < tx->n_addrs; i++) {
		if (tx->addrs[i].family != tx->family)
			continue;
		memcpy(a, &tx->addrs[i].u, alen);
		a += alen;
	}
	/* RFC 3768 5.3.6.1: type 0 sends zeros, type 1 the padded password. */
	if (tx->version == 2 && tx->auth_type == VRRP_AUTH_PASS)
		memcpy(a, tx->auth_pass, VRRP_AUTH_LEN);

	put16(buf + OFF_CSUM,
	      (uint16_t)~vrrp_csum_sum(tx->version, tx->family, &tx->src, &tx->dst, buf, len));
	return len;
}

int vrrp_pkt_arp_claim(const uint8_t *buf, size_t len, uint8_t sha[6], uint8_t spa[4])
{
	/* htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4, op; sha spa tha tpa */
	if (len < 28 || buf[0] != 0 || buf[1] != 1 || buf[2] != 0x08 || buf[3] != 0x00 || buf[4] != 6 ||
	    buf[5] != 4 || buf[6] != 0)
		return 0;
	if (buf[7] != 2 && !(buf[7] == 1 && memcmp(buf + 14, buf + 24, 4) == 0))
		return 0;
	memcpy(sha, buf + 8, 6);
	memcpy(spa, buf + 14, 4);
	return 1;
}
