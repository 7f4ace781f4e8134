/*
 * test_vrrp_pkt.c - the VRRP codec: hand-written packets with hand-computed
 * checksums are accepted, build -> parse round trips, and every reason a
 * packet is refused for.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp/vrrp_pkt.h"

/* ---- fixtures ------------------------------------------------------------ */

static struct vaddr A(const char *s)
{
	struct vaddr a;

	assert_int_equal(vaddr_parse(&a, s), 0);
	return a;
}

/* Three advertisements written out byte by byte.  The checksums were
 * computed by hand (one's complement sum of the 16-bit words, see the
 * comments), not by the codec under test. */

/* v2, VRID 51, priority 100, 1 address 192.168.1.100, auth type 1
 * password "secret", Adver Int 1 s.
 * words: 2133 6401 0101 0000 c0a8 0164 7365 6372 6574 0000
 * sum 2848c -> 848e -> checksum ~848e = 7b71 */
static const uint8_t pkt_v2[] = {
	0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x7b, 0x71,
	0xc0, 0xa8, 0x01, 0x64,
	's', 'e', 'c', 'r', 'e', 't', 0x00, 0x00,
};

/* v3 over IPv4, 192.168.1.1 -> 224.0.0.18, VRID 7, priority 200,
 * 2 addresses 10.0.0.1 10.0.0.2, Max Adver Int 100 cs.
 * pseudo: c0a8 0101 e000 0012 0070 0010; message: 3107 c802 0064 0000
 * 0a00 0001 0a00 0002 -> checksum 5052 */
static const uint8_t pkt_v3_4[] = {
	0x31, 0x07, 0xc8, 0x02, 0x00, 0x64, 0x50, 0x52,
	0x0a, 0x00, 0x00, 0x01,
	0x0a, 0x00, 0x00, 0x02,
};

/* v3 over IPv6, fe80::1 -> ff02::12, VRID 9, priority 150, 1 address
 * 2001:db8::1, Max Adver Int 100 cs.  Pseudo-header of RFC 8200 8.1:
 * src, dst, 32-bit length 24, next header 112 -> checksum 0cb8 */
static const uint8_t pkt_v3_6[] = {
	0x31, 0x09, 0x96, 0x01, 0x00, 0x64, 0x0c, 0xb8,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};

/* An independent checksum for packets the tests alter: the one's
 * complement sum is the plain sum modulo 0xffff (0 written as 0xffff). */
static uint16_t ref_sum(const uint8_t *p, size_t n, uint64_t acc)
{
	size_t i;

	for (i = 0; i < n; i++)
		acc += (i % 2 == 0) ? (uint64_t)p[i] << 8 : p[i];
	return acc == 0 ? 0 : (uint16_t)(acc % 0xffff == 0 ? 0xffff : acc % 0xffff);
}

static void ref_fix_csum(uint8_t *pkt, size_t len, const struct vaddr *src, const struct vaddr *dst)
{
	uint8_t ph[40] = { 0 };
	size_t phlen = 0;
	uint64_t acc = 0;
	uint16_t c;

	pkt[6] = pkt[7] = 0;
	if ((pkt[0] >> 4) == 3 && src->family == AF_INET) {
		memcpy(ph, &src->u.v4, 4);
		memcpy(ph + 4, &dst->u.v4, 4);
		ph[9] = 112;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		phlen = 12;
	} else if ((pkt[0] >> 4) == 3) {
		memcpy(ph, &src->u.v6, 16);
		memcpy(ph + 16, &dst->u.v6, 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = 112;
		phlen = 40;
	}
	acc = ref_sum(ph, phlen, 0);
	c = (uint16_t)~ref_sum(pkt, len, acc);
	pkt[6] = (uint8_t)(c >> 8);
	pkt[7] = (uint8_t)c;
}

static struct vrrp_rx rx_of(const uint8_t *p, size_t len, const char *src, const char *dst)
{
	struct vrrp_rx rx = { .data = p, .len = len, .ttl = 255 };

	rx.src = A(src);
	rx.dst = A(dst);
	rx.family = rx.src.family;
	return rx;
}

static struct vrrp_rx rx_v4(const uint8_t *p, size_t len)
{
	return rx_of(p, len, "192.168.1.1", "224.0.0.18");
}

static struct vrrp_rx rx_v6(const uint8_t *p, size_t len)
{
	return rx_of(p, len, "fe80::1", "ff02::12");
}

/* What the receive path decides: the first reason of parse, then check. */
static enum vrrp_rx_err receive(const struct vrrp_rx *rx, const struct vrrp_expect *e)
{
	struct vrrp_adv adv;
	enum vrrp_rx_err r = vrrp_pkt_parse(rx, &adv);

	return r != VRRP_RX_OK ? r : vrrp_pkt_check(&adv, e);
}

static const struct vaddr *vips_v2(void)
{
	static struct vaddr v[1];

	v[0] = A("192.168.1.100");
	return v;
}

static struct vrrp_expect expect_v2(void)
{
	struct vrrp_expect e = {
		.version = 2, .auth_type = VRRP_AUTH_PASS, .auth_pass = "secret",
		.adver_int_cs = 100, .vips = vips_v2(), .n_vips = 1, .check_addrs = true,
	};

	return e;
}

static const struct vaddr *vips_v3(void)
{
	static struct vaddr v[4];

	/* mixed families and a different order than the packet */
	v[0] = A("2001:db8::1");
	v[1] = A("10.0.0.2");
	v[2] = A("10.0.0.1");
	v[3] = A("10.0.0.2");
	return v;
}

static struct vrrp_expect expect_v3(void)
{
	struct vrrp_expect e = {
		.version = 3, .adver_int_cs = 100, .vips = vips_v3(), .n_vips = 4, .check_addrs = true,
	};

	return e;
}

/* ---- hand-written packets ------------------------------------------------ */

static void test_v2_known_packet_accepted(void **state)
{
	struct vrrp_rx rx = rx_v4(pkt_v2, sizeof(pkt_v2));
	struct vrrp_expect e = expect_v2();
	struct vrrp_adv adv;
	struct vaddr a;

	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
	assert_int_equal(adv.version, 2);
	assert_int_equal(adv.vrid, 51);
	assert_int_equal(adv.priority, 100);
	assert_int_equal(adv.count_addr, 1);
	assert_int_equal(adv.auth_type, VRRP_AUTH_PASS);
	assert_int_equal(adv.adver_int_cs, 100);
	assert_memory_equal(adv.auth_data, "secret\0\0", 8);
	vrrp_adv_addr(&adv, 0, &a);
	assert_true(vaddr_equal(&a, &e.vips[0]));
	assert_int_equal(vrrp_pkt_check(&adv, &e), VRRP_RX_OK);
}

static void test_v3_ip4_known_packet_accepted(void **state)
{
	struct vrrp_rx rx = rx_v4(pkt_v3_4, sizeof(pkt_v3_4));
	struct vrrp_expect e = expect_v3();
	struct vrrp_adv adv;
	struct vaddr a;

	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
	assert_int_equal(adv.version, 3);
	assert_int_equal(adv.vrid, 7);
	assert_int_equal(adv.priority, 200);
	assert_int_equal(adv.count_addr, 2);
	assert_int_equal(adv.adver_int_cs, 100);
	assert_int_equal(adv.family, AF_INET);
	vrrp_adv_addr(&adv, 1, &a);
	assert_true(vaddr_equal(&a, &e.vips[1]));
	assert_int_equal(vrrp_pkt_check(&adv, &e), VRRP_RX_OK);
}

static void test_v3_ip6_known_packet_accepted(void **state)
{
	struct vrrp_rx rx = rx_v6(pkt_v3_6, sizeof(pkt_v3_6));
	struct vrrp_expect e = expect_v3();
	struct vrrp_adv adv;
	struct vaddr a;

	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
	assert_int_equal(adv.vrid, 9);
	assert_int_equal(adv.priority, 150);
	assert_int_equal(adv.family, AF_INET6);
	vrrp_adv_addr(&adv, 0, &a);
	assert_true(vaddr_equal(&a, &e.vips[0]));
	assert_int_equal(vrrp_pkt_check(&adv, &e), VRRP_RX_OK);
}

/* What we send is byte for byte the hand-written packet (checksum too). */
static void test_build_matches_known_packets(void **state)
{
	struct vaddr v2a[] = { A("192.168.1.100") };
	struct vaddr v34a[] = { A("10.0.0.1"), A("2001:db8::1"), A("10.0.0.2") };
	struct vaddr v36a[] = { A("10.0.0.1"), A("2001:db8::1") };
	struct vrrp_tx t2 = {
		.version = 2, .vrid = 51, .priority = 100, .auth_type = VRRP_AUTH_PASS,
		.auth_pass = "secret", .adver_int_cs = 100, .family = AF_INET,
		.src = A("192.168.1.1"), .dst = A("224.0.0.18"), .addrs = v2a, .n_addrs = 1,
	};
	struct vrrp_tx t34 = {
		.version = 3, .vrid = 7, .priority = 200, .adver_int_cs = 100, .family = AF_INET,
		.src = A("192.168.1.1"), .dst = A("224.0.0.18"), .addrs = v34a, .n_addrs = 3,
	};
	struct vrrp_tx t36 = {
		.version = 3, .vrid = 9, .priority = 150, .adver_int_cs = 100, .family = AF_INET6,
		.src = A("fe80::1"), .dst = A("ff02::12"), .addrs = v36a, .n_addrs = 2,
	};
	uint8_t buf[VRRP_MAX_PKT];

	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &t2), sizeof(pkt_v2));
	assert_memory_equal(buf, pkt_v2, sizeof(pkt_v2));
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &t34), sizeof(pkt_v3_4));
	assert_memory_equal(buf, pkt_v3_4, sizeof(pkt_v3_4));
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &t36), sizeof(pkt_v3_6));
	assert_memory_equal(buf, pkt_v3_6, sizeof(pkt_v3_6));
}

/* ---- round trips --------------------------------------------------------- */

static void round_trip(int version, const char *src, const char *dst, const char **addrs, size_t n)
{
	struct vaddr va[8], got;
	struct vrrp_tx tx = {
		.version = (uint8_t)version, .vrid = 42, .priority = 123, .adver_int_cs = 300,
		.src = A(src), .dst = A(dst), .addrs = va, .n_addrs = n,
	};
	struct vrrp_expect e = {
		.version = (uint8_t)version, .adver_int_cs = 300, .vips = va, .n_vips = n,
		.check_addrs = true,
	};
	uint8_t buf[VRRP_MAX_PKT];
	struct vrrp_rx rx;
	struct vrrp_adv adv;
	size_t i, len;

	for (i = 0; i < n; i++)
		va[i] = A(addrs[i]);
	tx.family = tx.src.family;
	if (version == 2) {
		tx.auth_type = e.auth_type = VRRP_AUTH_PASS;
		memcpy(tx.auth_pass, "pw", 3);
		memcpy(e.auth_pass, "pw", 3);
	}
	len = vrrp_pkt_build(buf, sizeof(buf), &tx);
	assert_int_equal(len, VRRP_HDR_LEN + n * (tx.family == AF_INET ? 4 : 16) + (version == 2 ? 8 : 0));

	rx = rx_of(buf, len, src, dst);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
	assert_int_equal(adv.version, version);
	assert_int_equal(adv.vrid, 42);
	assert_int_equal(adv.priority, 123);
	assert_int_equal(adv.count_addr, n);
	assert_int_equal(adv.adver_int_cs, 300);
	for (i = 0; i < n; i++) {
		vrrp_adv_addr(&adv, i, &got);
		assert_true(vaddr_equal(&got, &va[i]));
	}
	assert_int_equal(vrrp_pkt_check(&adv, &e), VRRP_RX_OK);
}

static void test_round_trip_v2_ip4(void **state)
{
	const char *one[] = { "192.0.2.10" };
	const char *many[] = { "192.0.2.10", "192.0.2.11", "198.51.100.1", "203.0.113.7" };

	round_trip(2, "192.0.2.1", "224.0.0.18", one, 1);
	round_trip(2, "192.0.2.1", "224.0.0.18", many, 4);
}

static void test_round_trip_v3_ip4(void **state)
{
	const char *one[] = { "192.0.2.10" };
	const char *many[] = { "192.0.2.10", "192.0.2.11", "198.51.100.1" };

	round_trip(3, "192.0.2.1", "224.0.0.18", one, 1);
	round_trip(3, "192.0.2.1", "224.0.0.18", many, 3);
}

static void test_round_trip_v3_ip6(void **state)
{
	const char *one[] = { "2001:db8::10" };
	const char *many[] = { "2001:db8::10", "fe80::1:2", "2001:db8:ffff::abcd", "::1", "2001:db8::11" };

	round_trip(3, "fe80::2", "ff02::12", one, 1);
	round_trip(3, "fe80::2", "ff02::12", many, 5);
}

/* ---- build limits -------------------------------------------------------- */

static void test_build_refuses_invalid(void **state)
{
	static struct vaddr many[256];
	struct vaddr v6[] = { A("2001:db8::1") };
	struct vrrp_tx tx = {
		.version = 3, .family = AF_INET, .src = A("192.0.2.1"), .dst = A("224.0.0.18"),
		.addrs = many, .n_addrs = 256,
	};
	uint8_t buf[VRRP_MAX_PKT];
	size_t i;

	for (i = 0; i < 256; i++) {
		many[i].family = AF_INET;
		many[i].u.v4.s_addr = htonl(0x0a000000u + (uint32_t)i);
	}
	/* 256 addresses do not fit the count byte; 255 do */
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &tx), 0);
	tx.n_addrs = 255;
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &tx), 8 + 255 * 4);
	/* buffer one byte short */
	assert_int_equal(vrrp_pkt_build(buf, 8 + 255 * 4 - 1, &tx), 0);
	/* VRRPv2 is IPv4 only */
	tx.version = 2;
	tx.family = AF_INET6;
	tx.src = A("fe80::1");
	tx.dst = A("ff02::12");
	tx.addrs = v6;
	tx.n_addrs = 1;
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &tx), 0);
	/* no address of the family: receivers would drop it */
	tx.version = 3;
	tx.family = AF_INET;
	tx.src = A("192.0.2.1");
	tx.dst = A("224.0.0.18");
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &tx), 0);
}

static void test_build_clamps_intervals(void **state)
{
	struct vaddr va[] = { A("192.0.2.10") };
	struct vrrp_tx tx = {
		.version = 2, .family = AF_INET, .src = A("192.0.2.1"), .dst = A("224.0.0.18"),
		.addrs = va, .n_addrs = 1,
	};
	static const struct { uint8_t ver; uint16_t in; uint16_t out; } cases[] = {
		{ 2, 0, 100 }, { 2, 149, 100 }, { 2, 150, 200 }, { 2, 25500, 25500 }, { 2, 60000, 25500 },
		{ 3, 0, 1 }, { 3, 1, 1 }, { 3, 4095, 4095 }, { 3, 4096, 4095 }, { 3, 65535, 4095 },
	};
	uint8_t buf[64];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrrp_adv adv;
		struct vrrp_rx rx;

		tx.version = cases[i].ver;
		tx.adver_int_cs = cases[i].in;
		len = vrrp_pkt_build(buf, sizeof(buf), &tx);
		assert_int_not_equal(len, 0);
		rx = rx_v4(buf, len);
		rx.src = tx.src;
		assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
		assert_int_equal(adv.adver_int_cs, cases[i].out);
		if (tx.version == 3)
			assert_int_equal(buf[4] & 0xf0, 0);      /* reserved bits sent as zero */
	}
}

/* ---- stage 1 rejects ----------------------------------------------------- */

static void test_truncated(void **state)
{
	struct vrrp_rx rx = rx_v4(pkt_v3_4, 7);
	struct vrrp_adv adv;

	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_TRUNCATED);
	rx.len = 0;
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_TRUNCATED);
}

static void test_bad_ttl(void **state)
{
	struct vrrp_rx rx = rx_v4(pkt_v3_4, sizeof(pkt_v3_4));
	struct vrrp_adv adv;

	rx.ttl = 254;           /* came through a router (RFC 5798 7.1) */
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_TTL);
	rx.ttl = 1;
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_TTL);
	rx.ttl = -1;            /* unknown: not checked */
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
}

static void test_bad_version(void **state)
{
	uint8_t p[sizeof(pkt_v3_4)] = { 0 };
	uint8_t p6[sizeof(pkt_v3_6) + 8];
	struct vrrp_rx rx = rx_v4(p, sizeof(p));
	struct vrrp_adv adv;
	static const uint8_t bad[] = { 0, 1, 4, 15 };
	size_t i;

	for (i = 0; i < sizeof(bad); i++) {
		memcpy(p, pkt_v3_4, sizeof(p));
		p[0] = (uint8_t)(bad[i] << 4 | 1);
		ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
		assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_VERSION);
	}
	/* a well-formed v2 packet over IPv6 (auth data included) */
	memcpy(p6, pkt_v3_6, sizeof(pkt_v3_6));
	memset(p6 + sizeof(pkt_v3_6), 0, 8);
	p6[0] = 0x21;
	p6[4] = 0;
	p6[5] = 1;
	rx = rx_v6(p6, sizeof(p6));
	ref_fix_csum(p6, sizeof(p6), &rx.src, &rx.dst);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_VERSION);
}

static void test_bad_type(void **state)
{
	uint8_t p[sizeof(pkt_v3_4)] = { 0 };
	struct vrrp_rx rx = rx_v4(p, sizeof(p));
	struct vrrp_adv adv;

	memcpy(p, pkt_v3_4, sizeof(p));
	p[0] = 0x32;
	ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_TYPE);
	p[0] = 0x30;
	ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_TYPE);
}

static void test_bad_length(void **state)
{
	uint8_t p[64] = { 0 };
	struct vrrp_rx rx = rx_v4(p, sizeof(pkt_v3_4));
	struct vrrp_adv adv;

	/* count says 3 addresses, the packet holds 2 */
	memcpy(p, pkt_v3_4, sizeof(pkt_v3_4));
	p[3] = 3;
	ref_fix_csum(p, sizeof(pkt_v3_4), &rx.src, &rx.dst);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_LENGTH);
	/* count 0: an advert carries at least one address */
	p[3] = 0;
	ref_fix_csum(p, sizeof(pkt_v3_4), &rx.src, &rx.dst);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_LENGTH);
	/* v2 without its 8 bytes of authentication data */
	rx = rx_v4(pkt_v2, sizeof(pkt_v2) - 1);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_LENGTH);
	/* IPv6 packet with room for 4-byte addresses only */
	rx = rx_v6(pkt_v3_6, 12);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_LENGTH);
}

static void test_longer_packet_accepted(void **state)
{
	uint8_t p[sizeof(pkt_v3_4) + 5] = { 0 };
	struct vrrp_rx rx = rx_v4(p, sizeof(p));
	struct vrrp_expect e = expect_v3();

	memcpy(p, pkt_v3_4, sizeof(pkt_v3_4));
	memset(p + sizeof(pkt_v3_4), 0xab, 5);
	ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);
}

static void test_bad_checksum(void **state)
{
	uint8_t p[sizeof(pkt_v2)] = { 0 };
	struct vrrp_rx rx = rx_v4(p, sizeof(p));
	struct vrrp_adv adv;
	size_t i;

	/* any single flipped bit in the message */
	for (i = 0; i < sizeof(p) * 8; i++) {
		memcpy(p, pkt_v2, sizeof(p));
		p[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (i / 8 == 0 || i / 8 == 3)
			continue;       /* version/type/count: caught earlier */
		assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_CHECKSUM);
	}
}

/* The v3 checksum covers the IP addresses: the same bytes to another
 * destination or from another source are refused. */
static void test_v3_checksum_covers_addresses(void **state)
{
	struct vrrp_rx rx = rx_v4(pkt_v3_4, sizeof(pkt_v3_4));
	struct vrrp_adv adv;

	rx.dst = A("224.0.0.19");
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_CHECKSUM);
	rx = rx_v4(pkt_v3_4, sizeof(pkt_v3_4));
	rx.src = A("192.168.1.2");
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_CHECKSUM);
	rx = rx_v6(pkt_v3_6, sizeof(pkt_v3_6));
	rx.src = A("fe80::2");
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_CHECKSUM);
	rx = rx_v6(pkt_v3_6, sizeof(pkt_v3_6));
	rx.dst = A("ff02::1");
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_BAD_CHECKSUM);
	/* v2 has no pseudo-header: another destination is fine */
	rx = rx_v4(pkt_v2, sizeof(pkt_v2));
	rx.dst = A("10.9.9.9");
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
}

/* RFC 5798 5.2.5: the 4 reserved bits are ignored on receive. */
static void test_v3_reserved_bits_ignored(void **state)
{
	uint8_t p[sizeof(pkt_v3_4)] = { 0 };
	struct vrrp_rx rx = rx_v4(p, sizeof(p));
	struct vrrp_expect e = expect_v3();
	struct vrrp_adv adv;

	memcpy(p, pkt_v3_4, sizeof(p));
	p[4] |= 0xf0;
	ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
	assert_int_equal(adv.adver_int_cs, 100);
	assert_int_equal(vrrp_pkt_check(&adv, &e), VRRP_RX_OK);
}

/* ---- IPv4 header --------------------------------------------------------- */

static size_t ip4_wrap(uint8_t *buf, size_t ihl_words, uint8_t ttl, const uint8_t *vrrp, size_t vlen)
{
	size_t hl = ihl_words * 4, tot = hl + vlen;

	memset(buf, 0, hl);
	buf[0] = (uint8_t)(0x40 | ihl_words);
	buf[2] = (uint8_t)(tot >> 8);
	buf[3] = (uint8_t)tot;
	buf[8] = ttl;
	buf[9] = 112;
	memcpy(buf + 12, (uint8_t[]){ 192, 168, 1, 1 }, 4);
	memcpy(buf + 16, (uint8_t[]){ 224, 0, 0, 18 }, 4);
	if (hl > 20)
		memset(buf + 20, 0x01, hl - 20);        /* NOP options */
	memcpy(buf + hl, vrrp, vlen);
	return tot;
}

static void test_split_ip4(void **state)
{
	uint8_t buf[128];
	struct vrrp_expect e = expect_v3();
	struct vrrp_rx rx;
	size_t n = ip4_wrap(buf, 5, 255, pkt_v3_4, sizeof(pkt_v3_4));
	char s[VADDR_STRLEN];

	assert_int_equal(vrrp_pkt_split_ip4(buf, n, &rx), VRRP_RX_OK);
	assert_int_equal(rx.family, AF_INET);
	assert_int_equal(rx.ttl, 255);
	assert_string_equal(vaddr_str(&rx.src, s), "192.168.1.1");
	assert_string_equal(vaddr_str(&rx.dst, s), "224.0.0.18");
	assert_int_equal(rx.len, sizeof(pkt_v3_4));
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);

	/* trailing bytes behind the IP total length are not the packet's
	 * (they would break the checksum if counted) */
	memset(buf + n, 0xee, 6);
	assert_int_equal(vrrp_pkt_split_ip4(buf, n + 6, &rx), VRRP_RX_OK);
	assert_int_equal(rx.len, sizeof(pkt_v3_4));
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);

	/* a router decremented the TTL */
	n = ip4_wrap(buf, 5, 64, pkt_v3_4, sizeof(pkt_v3_4));
	assert_int_equal(vrrp_pkt_split_ip4(buf, n, &rx), VRRP_RX_OK);
	assert_int_equal(receive(&rx, &e), VRRP_RX_BAD_TTL);
}

static void test_split_ip4_with_options(void **state)
{
	uint8_t buf[128];
	struct vrrp_expect e = expect_v2();
	struct vrrp_rx rx;
	size_t n = ip4_wrap(buf, 6, 255, pkt_v2, sizeof(pkt_v2));

	assert_int_equal(vrrp_pkt_split_ip4(buf, n, &rx), VRRP_RX_OK);
	assert_ptr_equal(rx.data, buf + 24);
	assert_int_equal(rx.len, sizeof(pkt_v2));
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);
}

static void test_split_ip4_rejects(void **state)
{
	uint8_t buf[128];
	struct vrrp_rx rx;
	size_t n;

	n = ip4_wrap(buf, 5, 255, pkt_v3_4, sizeof(pkt_v3_4));
	assert_int_equal(vrrp_pkt_split_ip4(buf, 19, &rx), VRRP_RX_TRUNCATED);
	assert_int_equal(vrrp_pkt_split_ip4(buf, 0, &rx), VRRP_RX_TRUNCATED);

	buf[0] = 0x65;          /* version 6 */
	assert_int_equal(vrrp_pkt_split_ip4(buf, n, &rx), VRRP_RX_BAD_IP);
	buf[0] = 0x44;          /* IHL 4 */
	assert_int_equal(vrrp_pkt_split_ip4(buf, n, &rx), VRRP_RX_BAD_IP);
	buf[0] = 0x4f;          /* IHL 15: 60 bytes, more than the total length */
	assert_int_equal(vrrp_pkt_split_ip4(buf, n, &rx), VRRP_RX_BAD_IP);
	buf[0] = 0x45;
	assert_int_equal(vrrp_pkt_split_ip4(buf, n - 1, &rx), VRRP_RX_BAD_IP);     /* total length > received */
	buf[2] = 0;
	buf[3] = 19;            /* total length < header */
	assert_int_equal(vrrp_pkt_split_ip4(buf, n, &rx), VRRP_RX_BAD_IP);
	n = ip4_wrap(buf, 5, 255, pkt_v3_4, sizeof(pkt_v3_4));
	buf[9] = 17;            /* UDP */
	assert_int_equal(vrrp_pkt_split_ip4(buf, n, &rx), VRRP_RX_BAD_IP);
}

/* ---- stage 2 ------------------------------------------------------------- */

static void test_version_mismatch(void **state)
{
	struct vrrp_rx rx = rx_v4(pkt_v2, sizeof(pkt_v2));
	struct vrrp_expect e = expect_v2();

	e.version = 3;
	assert_int_equal(receive(&rx, &e), VRRP_RX_VERSION_MISMATCH);
	rx = rx_v4(pkt_v3_4, sizeof(pkt_v3_4));
	e = expect_v3();
	e.version = 2;
	assert_int_equal(receive(&rx, &e), VRRP_RX_VERSION_MISMATCH);
}

static void test_v2_auth(void **state)
{
	uint8_t p[sizeof(pkt_v2)] = { 0 };
	struct vrrp_rx rx = rx_v4(p, sizeof(p));
	struct vrrp_expect e = expect_v2();

	/* auth type 3 does not exist */
	memcpy(p, pkt_v2, sizeof(p));
	p[4] = 3;
	ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
	assert_int_equal(receive(&rx, &e), VRRP_RX_INVALID_AUTH_TYPE);
	/* IP AH is refused: it is not ours */
	p[4] = VRRP_AUTH_AH;
	ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
	assert_int_equal(receive(&rx, &e), VRRP_RX_AUTH_TYPE_MISMATCH);
	/* the peer sends no authentication, we want a password */
	p[4] = VRRP_AUTH_NONE;
	ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
	assert_int_equal(receive(&rx, &e), VRRP_RX_AUTH_TYPE_MISMATCH);
	/* ... and the other way round; auth data is ignored for type 0 */
	e.auth_type = VRRP_AUTH_NONE;
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);
	rx.data = pkt_v2;
	assert_int_equal(receive(&rx, &e), VRRP_RX_AUTH_TYPE_MISMATCH);
	/* wrong password, and a password differing only after a NUL */
	e = expect_v2();
	memcpy(e.auth_pass, "secreT\0\0", 8);
	assert_int_equal(receive(&rx, &e), VRRP_RX_AUTH_FAILURE);
	memcpy(e.auth_pass, "secret\0x", 8);
	assert_int_equal(receive(&rx, &e), VRRP_RX_AUTH_FAILURE);
}

static void test_v2_interval_mismatch(void **state)
{
	struct vrrp_rx rx = rx_v4(pkt_v2, sizeof(pkt_v2));
	struct vrrp_expect e = expect_v2();

	e.adver_int_cs = 200;
	assert_int_equal(receive(&rx, &e), VRRP_RX_INTERVAL_MISMATCH);
	/* v3 leaves the interval to the state machine (RFC 5798 6.4.3) */
	rx = rx_v4(pkt_v3_4, sizeof(pkt_v3_4));
	e = expect_v3();
	e.adver_int_cs = 200;
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);
}

static void test_addr_list(void **state)
{
	struct vrrp_rx rx = rx_v4(pkt_v3_4, sizeof(pkt_v3_4));
	struct vrrp_expect e = expect_v3();
	struct vaddr less[] = { A("10.0.0.1"), A("2001:db8::1") };
	struct vaddr more[] = { A("10.0.0.1"), A("10.0.0.2"), A("10.0.0.3") };
	struct vaddr other[] = { A("10.0.0.1"), A("10.0.0.3") };
	struct vaddr v6only[] = { A("2001:db8::1") };

	/* order and duplicates do not matter, other families are ignored */
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);
	e.vips = less;
	e.n_vips = 2;
	assert_int_equal(receive(&rx, &e), VRRP_RX_ADDR_LIST_MISMATCH);
	e.vips = more;
	e.n_vips = 3;
	assert_int_equal(receive(&rx, &e), VRRP_RX_ADDR_LIST_MISMATCH);
	e.vips = other;
	e.n_vips = 2;
	assert_int_equal(receive(&rx, &e), VRRP_RX_ADDR_LIST_MISMATCH);
	e.vips = v6only;
	e.n_vips = 1;
	assert_int_equal(receive(&rx, &e), VRRP_RX_ADDR_LIST_MISMATCH);
	/* vrrp_skip_check_adv_addr */
	e.check_addrs = false;
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);

	/* IPv6 against the same mixed list */
	rx = rx_v6(pkt_v3_6, sizeof(pkt_v3_6));
	e = expect_v3();
	assert_int_equal(receive(&rx, &e), VRRP_RX_OK);
	e.vips = more;
	e.n_vips = 3;
	assert_int_equal(receive(&rx, &e), VRRP_RX_ADDR_LIST_MISMATCH);
}

/* Priority 0 means the master is leaving: still a valid advert. */
static void test_priority_zero_accepted(void **state)
{
	uint8_t p[sizeof(pkt_v2)] = { 0 };
	struct vrrp_rx rx = rx_v4(p, sizeof(p));
	struct vrrp_expect e = expect_v2();
	struct vrrp_adv adv;

	memcpy(p, pkt_v2, sizeof(p));
	p[2] = VRRP_PRIO_STOP;
	ref_fix_csum(p, sizeof(p), &rx.src, &rx.dst);
	assert_int_equal(vrrp_pkt_parse(&rx, &adv), VRRP_RX_OK);
	assert_int_equal(adv.priority, 0);
	assert_int_equal(vrrp_pkt_check(&adv, &e), VRRP_RX_OK);
}

static void test_err_str(void **state)
{
	int i, j;

	assert_string_equal(vrrp_rx_err_str(VRRP_RX_BAD_CHECKSUM), "bad checksum");
	assert_string_equal(vrrp_rx_err_str(VRRP_RX_BAD_TTL), "TTL not 255");
	assert_string_equal(vrrp_rx_err_str(VRRP_RX_AUTH_FAILURE), "authentication failure");
	/* every reason has its own phrase */
	for (i = 0; i < VRRP_RX__COUNT; i++) {
		assert_true(strlen(vrrp_rx_err_str((enum vrrp_rx_err)i)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(vrrp_rx_err_str((enum vrrp_rx_err)i),
						vrrp_rx_err_str((enum vrrp_rx_err)j));
	}
	assert_non_null(vrrp_rx_err_str(VRRP_RX__COUNT));
}

/* ARP claims of an address (split-brain evidence): replies and gratuitous
 * requests count; ordinary requests, other hardware or protocols, and short
 * packets do not. */
static void test_arp_claim(void **state)
{
	/* an ARP reply: 192.0.2.100 is at 02:00:00:00:00:02 */
	uint8_t p[28] = { 0, 1, 0x08, 0x00, 6, 4, 0, 2, 2, 0, 0, 0, 0, 2, 192, 0, 2, 100,
			  2, 0, 0, 0, 0, 1, 192, 0, 2, 1 };
	uint8_t sha[6], spa[4];

	(void)state;
	assert_int_equal(vrrp_pkt_arp_claim(p, sizeof(p), sha, spa), 1);
	assert_memory_equal(sha, "\x02\0\0\0\0\x02", 6);
	assert_memory_equal(spa, "\xc0\0\x02\x64", 4);
	p[7] = 1;                      /* a request for 192.0.2.1: no claim */
	assert_int_equal(vrrp_pkt_arp_claim(p, sizeof(p), sha, spa), 0);
	p[27] = 100;                   /* a gratuitous request (sender = target): a claim */
	assert_int_equal(vrrp_pkt_arp_claim(p, sizeof(p), sha, spa), 1);
	assert_int_equal(vrrp_pkt_arp_claim(p, 27, sha, spa), 0);
	p[3] = 0xdd;                   /* not IPv4 */
	assert_int_equal(vrrp_pkt_arp_claim(p, sizeof(p), sha, spa), 0);
	p[3] = 0x00;
	p[1] = 6;                      /* not Ethernet */
	assert_int_equal(vrrp_pkt_arp_claim(p, sizeof(p), sha, spa), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_claim),
		cmocka_unit_test(test_v2_known_packet_accepted),
		cmocka_unit_test(test_v3_ip4_known_packet_accepted),
		cmocka_unit_test(test_v3_ip6_known_packet_accepted),
		cmocka_unit_test(test_build_matches_known_packets),
		cmocka_unit_test(test_round_trip_v2_ip4),
		cmocka_unit_test(test_round_trip_v3_ip4),
		cmocka_unit_test(test_round_trip_v3_ip6),
		cmocka_unit_test(test_build_refuses_invalid),
		cmocka_unit_test(test_build_clamps_intervals),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_ttl),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_longer_packet_accepted),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_v3_checksum_covers_addresses),
		cmocka_unit_test(test_v3_reserved_bits_ignored),
		cmocka_unit_test(test_split_ip4),
		cmocka_unit_test(test_split_ip4_with_options),
		cmocka_unit_test(test_split_ip4_rejects),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_v2_auth),
		cmocka_unit_test(test_v2_interval_mismatch),
		cmocka_unit_test(test_addr_list),
		cmocka_unit_test(test_priority_zero_accepted),
		cmocka_unit_test(test_err_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
