/*
 * fuzz_vrrp_pkt.c - libFuzzer target for the VRRP packet codec.
 *
 * The first byte chooses the path: bit 0 clear, an IPv4 datagram with its
 * IP header (vrrp_pkt_split_ip4 first); set, a VRRP message received over
 * IPv6 from fe80::1 to ff02::12 with hop limit 255.  Bits 1-2 pick the
 * instance it is checked against.  The rest is the packet.
 *
 * Invariant: whatever parses, rebuilt from its decoded fields by
 * vrrp_pkt_build, parses again to the same fields.  A violation aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp/vrrp_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set4(struct vaddr *a, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3)
{
	uint8_t b[4] = { a0, a1, a2, a3 };

	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(&a->u.v4, b, 4);
}

static void set6(struct vaddr *a, uint16_t first, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->u.v6.s6_addr[0] = (uint8_t)(first >> 8);
	a->u.v6.s6_addr[1] = (uint8_t)first;
	a->u.v6.s6_addr[15] = last;
}

static void check_rebuild(const struct vrrp_rx *rx, const struct vrrp_adv *adv)
{
	static struct vaddr addrs[VRRP_MAX_ADDRS];
	static uint8_t buf[VRRP_MAX_PKT];
	struct vrrp_tx tx = {
		.version = adv->version, .vrid = adv->vrid, .priority = adv->priority,
		.auth_type = adv->auth_type, .adver_int_cs = adv->adver_int_cs,
		.family = adv->family, .src = rx->src, .dst = rx->dst,
		.addrs = addrs, .n_addrs = adv->count_addr,
	};
	struct vrrp_rx rx2 = *rx;
	struct vrrp_adv adv2;
	size_t i, len;

	memcpy(tx.auth_pass, adv->auth_data, VRRP_AUTH_LEN);
	for (i = 0; i < adv->count_addr; i++)
		vrrp_adv_addr(adv, i, &addrs[i]);

	len = vrrp_pkt_build(buf, sizeof(buf), &tx);
	if (len == 0) {
		/* only the auth types we never send may be refused */
		if (adv->version == 2 && adv->auth_type > VRRP_AUTH_PASS)
			return;
		abort();
	}
	rx2.data = buf;
	rx2.len = len;
	rx2.ttl = VRRP_TTL;
	if (vrrp_pkt_parse(&rx2, &adv2) != VRRP_RX_OK)
		abort();
	if (adv2.version != adv->version || adv2.vrid != adv->vrid ||
	    adv2.priority != adv->priority || adv2.count_addr != adv->count_addr ||
	    adv2.family != adv->family || adv2.auth_type != adv->auth_type)
		abort();
	/* intervals survive unless they were 0 (sent as the minimum) */
	if (adv->adver_int_cs != 0 && adv2.adver_int_cs != adv->adver_int_cs)
		abort();
	if (memcmp(adv2.addrs, adv->addrs, (size_t)adv->count_addr * vaddr_len(&addrs[0])) != 0)
		abort();
	if (adv->version == 2 && adv->auth_type == VRRP_AUTH_PASS &&
	    memcmp(adv2.auth_data, adv->auth_data, VRRP_AUTH_LEN) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vaddr vips[4];
	struct vrrp_expect e = {
		.auth_type = VRRP_AUTH_PASS, .auth_pass = "secret", .adver_int_cs = 100,
		.vips = vips, .n_vips = 4,
	};
	struct vrrp_rx rx;
	struct vrrp_adv adv;
	enum vrrp_rx_err r;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;

	set4(&vips[0], 10, 0, 0, 1);
	set4(&vips[1], 10, 0, 0, 2);
	set6(&vips[2], 0x2001, 1);
	set4(&vips[3], 10, 0, 0, 1);
	e.version = (mode & 2) ? 3 : 2;
	e.check_addrs = (mode & 4) == 0;

	if ((mode & 1) == 0) {
		r = vrrp_pkt_split_ip4(data, size, &rx);
		if (r == VRRP_RX_OK && (rx.data < data || rx.data + rx.len > data + size))
			abort();
	} else {
		memset(&rx, 0, sizeof(rx));
		rx.family = AF_INET6;
		rx.data = data;
		rx.len = size;
		rx.ttl = VRRP_TTL;
		set6(&rx.src, 0xfe80, 1);
		set6(&rx.dst, 0xff02, 0x12);
		r = VRRP_RX_OK;
	}
	if (r == VRRP_RX_OK)
		r = vrrp_pkt_parse(&rx, &adv);
	if (r == VRRP_RX_OK) {
		r = vrrp_pkt_check(&adv, &e);
		check_rebuild(&rx, &adv);
	}
	if (!vrrp_rx_err_str(r))
		abort();
	return 0;
}
